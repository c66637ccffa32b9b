//! Upstream's binpacking estimator (`estimator/binpacking_estimator.go`): how many new
//! nodes of a group the pending pods need. Pods go largest first (by the sum of their
//! CPU and memory shares of the node), each onto the first new node where the
//! scheduler's filters pass, else onto one more new node; a pod that fits no empty node
//! of the group is left out.

use crate::cluster::ClusterState;
use crate::cluster::ids::{NodeId, PodId};
use crate::cluster::node::NodeSpec;
use crate::cluster::resources::{CPU, MEMORY};
use crate::engine::time::Nanos;
use crate::scheduler::Scheduler;

/// What a scale-up of one group would do.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Estimate {
    /// New nodes needed.
    pub nodes: u32,
    /// The pods they would take, in placement order.
    pub pods: Vec<PodId>,
    /// The sum of those pods' CPU requests (millicores) and memory requests (bytes).
    pub requested: [i64; 2],
}

/// Places `pods` on up to `limit` new nodes made by `spec(k)` (k = 0, 1, …) in
/// `sandbox`, a copy of the cluster the caller throws away.
pub fn binpack(
    sandbox: &mut ClusterState,
    scheduler: &mut Scheduler,
    pods: &[PodId],
    spec: impl Fn(u64) -> NodeSpec,
    limit: u32,
    now: Nanos,
) -> Estimate {
    let template = spec(0);
    let share = |v: i64, of: i64| if of > 0 { v as f64 / of as f64 } else { 0.0 };
    let mut order: Vec<(f64, PodId)> = pods
        .iter()
        .map(|&p| {
            let r = &sandbox.pods[p.index()].requests.0;
            let score = share(r[CPU], template.allocatable.0[CPU])
                + share(r[MEMORY], template.allocatable.0[MEMORY]);
            (score, p)
        })
        .collect();
    // Largest first; equal scores in creation order, so the result is deterministic.
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut new_nodes: Vec<NodeId> = Vec::new();
    // An added node no pod could use yet: the next pod tries it before another is added.
    let mut spare: Option<NodeId> = None;
    let mut out = Estimate::default();
    for (_, pod) in order {
        let mut target = scheduler.first_fit(sandbox, pod, new_nodes.iter().copied());
        if target.is_none() && (new_nodes.len() as u32) < limit {
            let n = spare
                .take()
                .unwrap_or_else(|| sandbox.add_node(spec(new_nodes.len() as u64)));
            if scheduler.first_fit(sandbox, pod, [n]).is_some() {
                new_nodes.push(n);
                target = Some(n);
            } else {
                spare = Some(n);
            }
        }
        if let Some(n) = target {
            sandbox.bind(pod, n, now);
            let r = sandbox.pods[pod.index()].requests.0;
            out.requested[0] += r[CPU];
            out.requested[1] += r[MEMORY];
            out.pods.push(pod);
        }
    }
    out.nodes = new_nodes.len() as u32;
    out
}
