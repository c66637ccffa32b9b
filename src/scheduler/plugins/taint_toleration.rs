//! TaintToleration's filter: a node's NoSchedule and NoExecute taints must all be
//! tolerated. (Its PreferNoSchedule score arrives with the full scheduler framework.)

use crate::cluster::taints::{TaintEffect, Toleration};

/// The first taint of `taints` that `tolerations` do not tolerate, as kube-scheduler
/// reports it: "node(s) had untolerated taint {key: value}".
pub fn untolerated(
    tolerations: &[Toleration],
    taints: &[crate::cluster::taints::Taint],
) -> Option<String> {
    taints
        .iter()
        .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
        .find(|t| !tolerations.iter().any(|tol| tol.tolerates(t)))
        .map(|t| format!("node(s) had untolerated taint {{{}: {}}}", t.key, t.value))
}
