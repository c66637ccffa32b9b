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
