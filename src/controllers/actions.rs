//! The scenario's scheduled `events:` that act on nodes directly (cordon, uncordon), and
//! how any event picks the nodes it names.

use super::Ctx;
use crate::cluster::ids::NodeId;
use crate::engine::rng::StreamKey;
use crate::scenario::model::NodeTargets;
use rand::seq::index::sample;
use std::io;

/// The nodes event `index` acts on, in node order: those it names, or those of its pool
/// for which `eligible` holds (all, or `count` of them picked uniformly from the event's
/// own stream `events/<index>`, so that every policy sees the same picks).
pub fn pick(
    ctx: &Ctx,
    index: usize,
    targets: &NodeTargets,
    eligible: impl Fn(NodeId) -> bool,
) -> Vec<NodeId> {
    match targets {
        // Validation refuses nodes that join after the event; this guards the rest.
        NodeTargets::Nodes(ids) => ids
            .iter()
            .copied()
            .filter(|n| n.index() < ctx.cluster.nodes.len())
            .collect(),
        NodeTargets::Pool { pool, count } => {
            let p = &ctx.scenario.pools[pool.index()];
            let nodes = &ctx.cluster.nodes;
            let candidates: Vec<NodeId> = (p.first_node..p.first_node + p.count)
                .filter(|&i| i < nodes.len())
                .map(|i| NodeId(i as u32))
                .filter(|&n| eligible(n))
                .collect();
            match count {
                None => candidates,
                Some(c) => {
                    let mut rng =
                        StreamKey::new(ctx.scenario.seed, &format!("events/{index}")).rng();
                    let k = (*c as usize).min(candidates.len());
                    let mut picked: Vec<NodeId> = sample(&mut rng, candidates.len(), k)
                        .into_iter()
                        .map(|i| candidates[i])
                        .collect();
                    picked.sort();
                    picked
                }
            }
        }
    }
}

/// Cordons (`on`) or uncordons the nodes: the scheduler stops or resumes placing pods
/// there; pods already on them stay.
pub fn cordon(ctx: &mut Ctx, index: usize, targets: &NodeTargets, on: bool) -> io::Result<()> {
    for n in pick(ctx, index, targets, |n| {
        ctx.cluster.nodes.unschedulable[n.index()] != on
    }) {
        set_cordon(ctx, n, on)?;
    }
    Ok(())
}

/// Cordons (`on`) or uncordons one node, with its `events.csv` row if that changed it.
pub fn set_cordon(ctx: &mut Ctx, n: NodeId, on: bool) -> io::Result<()> {
    if ctx.cluster.nodes.set_unschedulable(n, on) {
        let what = if on {
            "node_cordoned"
        } else {
            "node_uncordoned"
        };
        let name = &ctx.cluster.nodes.name[n.index()];
        ctx.rec.object_event(ctx.now, what, name, "")?;
        // Pods waiting for room may fit on an uncordoned node.
        ctx.inbox.nodes_added |= !on;
    }
    Ok(())
}
