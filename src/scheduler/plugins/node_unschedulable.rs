//! NodeUnschedulable: cordoned nodes (`spec.unschedulable`) take no new pods, unless the
//! pod tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint.

use crate::cluster::taints::{Taint, TaintEffect};
use crate::scheduler::framework::{FilterPlugin, PodCtx};

/// The taint key a cordoned node stands for.
pub const TAINT_KEY: &str = "node.kubernetes.io/unschedulable";

/// kube-scheduler's reason.
pub const REASON: &str = "node(s) were unschedulable";

/// The filter.
#[derive(Debug, Default)]
pub struct Unschedulable {
    tolerated: bool,
}

impl FilterPlugin for Unschedulable {
    fn name(&self) -> &'static str {
        "NodeUnschedulable"
    }

    fn pre_filter(&mut self, cx: &PodCtx) -> bool {
        let taint = Taint {
            key: TAINT_KEY.to_string(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
        };
        self.tolerated = cx.template.tolerations.iter().any(|t| t.tolerates(&taint));
        !self.tolerated && cx.cluster.nodes.cordoned > 0
    }

    #[inline]
    fn passes(&self, cx: &PodCtx, i: usize) -> bool {
        !cx.cluster.nodes.unschedulable[i]
    }

    fn reasons(&self, cx: &PodCtx, i: usize, out: &mut Vec<String>) {
        if !self.passes(cx, i) {
            out.push(REASON.to_string());
        }
    }

    fn resolvable(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster::taints::{Toleration, TolerationOperator};
    use crate::scheduler::config::ProfileConfig;
    use crate::scheduler::framework::Profile;
    use crate::scheduler::testkit::{Kit, rng, template};

    /// A cordoned node takes no new pod, except one tolerating the unschedulable taint
    /// (as DaemonSet pods do).
    #[test]
    fn cordoned_nodes_take_only_tolerating_pods() {
        let mut kit = Kit::new();
        let plain = kit.template(template(0));
        let tolerant = kit.template(crate::cluster::pod::PodTemplate {
            tolerations: vec![Toleration {
                key: super::TAINT_KEY.into(),
                operator: TolerationOperator::Exists,
                value: String::new(),
                effect: None,
                toleration_time: None,
            }],
            ..template(0)
        });
        let n = kit.node(4000, 1 << 30);
        kit.cluster.nodes.unschedulable[n.index()] = true;
        kit.cluster.nodes.cordoned = 1;
        let p = kit.pending(plain, 100, 0);
        let q = kit.pending(tolerant, 100, 0);
        let mut profile = Profile::new(&ProfileConfig::default(), None);
        assert_eq!(profile.schedule(&kit.cluster, p, &mut rng()), None);
        assert_eq!(
            profile.diagnose(&kit.cluster, p).get(super::REASON),
            Some(&1)
        );
        assert_eq!(profile.schedule(&kit.cluster, q, &mut rng()), Some(n));
    }
}
