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
