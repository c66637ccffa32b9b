//! TaintToleration's filter: a node's NoSchedule and NoExecute taints must all be
//! tolerated. (Its PreferNoSchedule score arrives with the full scheduler framework.)

use crate::cluster::taints::{Taint, TaintEffect, Toleration, first_untolerated};

/// The first taint that keeps the pod off the node, if any.
#[inline]
pub fn filter<'a>(tolerations: &[Toleration], taints: &'a [Taint]) -> Option<&'a Taint> {
    first_untolerated(tolerations, taints, |e| e != TaintEffect::PreferNoSchedule)
}

/// kube-scheduler's reason for a node rejected by the taint `key`=`value`.
pub fn reason(key: &str, value: &str) -> String {
    format!("node(s) had untolerated taint {{{key}: {value}}}")
}
