//! NodePorts: a pod's host ports must be free on the node.

use crate::scheduler::framework::{FilterPlugin, PodCtx};

/// kube-scheduler's reason.
pub const REASON: &str = "node(s) didn't have free ports for the requested pod ports";

/// The filter.
#[derive(Debug, Default)]
pub struct NodePorts;

impl FilterPlugin for NodePorts {
    fn name(&self) -> &'static str {
        "NodePorts"
    }

    fn pre_filter(&mut self, cx: &PodCtx) -> bool {
        !cx.template.host_ports.is_empty()
    }

    fn passes(&self, cx: &PodCtx, i: usize) -> bool {
        let used = &cx.cluster.nodes.host_ports[i];
        !cx.template
            .host_ports
            .iter()
            .any(|p| used.iter().any(|u| u.conflicts(p)))
    }

    fn reasons(&self, cx: &PodCtx, i: usize, out: &mut Vec<String>) {
        if !self.passes(cx, i) {
            out.push(REASON.to_string());
        }
    }

    fn resolvable(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster::selectors::HostPort;
    use crate::scheduler::config::ProfileConfig;
    use crate::scheduler::framework::Profile;
    use crate::scheduler::testkit::{Kit, rng, template};

    /// A pod asking for host port 8080 avoids the node where another pod holds it, and is
    /// unschedulable with upstream's reason when every node's port is taken.
    #[test]
    fn host_port_conflicts_filter_nodes() {
        let mut kit = Kit::new();
        let port = HostPort {
            protocol: "TCP".into(),
            host_ip: String::new(),
            port: 8080,
        };
        let t = kit.template(crate::cluster::pod::PodTemplate {
            host_ports: vec![port],
            ..template(0)
        });
        let a = kit.node(4000, 1 << 30);
        let b = kit.node(4000, 1 << 30);
        kit.running(a, t, 100, 0, 0);
        let pod = kit.pending(t, 100, 0);
        let mut profile = Profile::new(&ProfileConfig::default(), None);
        assert_eq!(profile.schedule(&kit.cluster, pod, &mut rng()), Some(b));
        kit.running(b, t, 100, 0, 0);
        assert_eq!(profile.schedule(&kit.cluster, pod, &mut rng()), None);
        let reasons = profile.diagnose(&kit.cluster, pod);
        assert_eq!(reasons.get(super::REASON), Some(&2));
    }
}
