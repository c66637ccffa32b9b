//! `nodeSelector`, the part of NodeAffinity's filter this model has: every selector label
//! must be on the node with the same value.

use crate::cluster::ids::NodeId;
use crate::cluster::node::NodeTable;

/// kube-scheduler's reason when the filter fails.
pub const REASON: &str = "node(s) didn't match Pod's node affinity/selector";

/// Whether node `n` carries every `(key, value)` of `selector`.
pub fn matches(nodes: &NodeTable, n: NodeId, selector: &[(String, String)]) -> bool {
    selector
        .iter()
        .all(|(k, v)| nodes.label(n, k) == Some(v.as_str()))
}
