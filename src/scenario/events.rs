//! Validation of the scenario's `events:`: each entry's time and the nodes, pools and
//! workloads it names, turned into [`TimedAction`]s.

use super::closest;
use super::model::{Action, Drain, NodeTargets, Pool, TimedAction};
use super::schema::{NodesEventDoc, ScenarioEventDoc};
use super::validate::{Ctx, R, check_list};
use crate::cluster::ids::{NodeId, PoolId};
use crate::cluster::node::NodeSpec;
use crate::engine::time::Nanos;

/// What an event may name.
pub(super) struct EventRefs<'a> {
    /// Every node.
    pub nodes: &'a [NodeSpec],
    /// Node pools.
    pub pools: &'a [Pool],
    /// End of the run, if any.
    pub duration: Option<Nanos>,
}

/// Checks `events:` and resolves what each entry names.
pub(super) fn events(cx: &Ctx, list: &[ScenarioEventDoc], refs: &EventRefs) -> R<Vec<TimedAction>> {
    check_list(cx, "events", list)?;
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let path = format!("events[{i}]");
            let (at, action) = match e {
                ScenarioEventDoc::Cordon(n) => (
                    n.at.as_nanos(),
                    Action::Cordon(targets(cx, &path, n, refs)?),
                ),
                ScenarioEventDoc::Uncordon(n) => (
                    n.at.as_nanos(),
                    Action::Uncordon(targets(cx, &path, n, refs)?),
                ),
                ScenarioEventDoc::Drain(d) => (
                    d.at.as_nanos(),
                    Action::Drain(Drain {
                        targets: targets(cx, &path, &d.targets(), refs)?,
                        uncordon_after: d.uncordon_after.map(|u| u.as_nanos()),
                        one_at_a_time: d.one_at_a_time,
                    }),
                ),
            };
            check_time(cx, &path, at, refs)?;
            Ok(TimedAction { at, action })
        })
        .collect()
}

/// An event must happen within the run.
pub(super) fn check_time(cx: &Ctx, path: &str, at: Nanos, refs: &EventRefs) -> R<()> {
    match refs.duration {
        Some(d) if at > d => cx.err(
            format!("{path}.at"),
            format!(
                "{} s is after the end of the run ({} s); move it earlier or lengthen `duration`",
                at as f64 / 1e9,
                d as f64 / 1e9
            ),
        ),
        _ => Ok(()),
    }
}

/// Resolves `nodes`, or `pool` with an optional `count`.
pub(super) fn targets(cx: &Ctx, path: &str, e: &NodesEventDoc, refs: &EventRefs) -> R<NodeTargets> {
    match (&e.pool, e.nodes.is_empty()) {
        (None, true) => cx.err(
            path,
            "names no node: give `nodes: [<node>, …]` or `pool: <pool>` (with an optional `count`)",
        ),
        (Some(_), false) => cx.err(path, "give either `nodes` or `pool`, not both"),
        (None, false) => {
            if e.count.is_some() {
                return cx.err(
                    format!("{path}.count"),
                    "`count` picks nodes of a `pool`; with `nodes`, list the nodes wanted",
                );
            }
            let mut ids = Vec::with_capacity(e.nodes.len());
            for (k, name) in e.nodes.iter().enumerate() {
                let id = node_id(cx, &format!("{path}.nodes[{k}]"), name, refs)?;
                if ids.contains(&id) {
                    return cx.err(
                        format!("{path}.nodes[{k}]"),
                        format!("node `{name}` is listed twice"),
                    );
                }
                ids.push(id);
            }
            Ok(NodeTargets::Nodes(ids))
        }
        (Some(pool), true) => {
            let id = pool_id(cx, &format!("{path}.pool"), pool, refs)?;
            let size = refs.pools[id.index()].count as u64;
            let count = match e.count {
                None => None,
                Some(c) if c == 0 || c > size => {
                    return cx.err(
                        format!("{path}.count"),
                        format!("must be between 1 and the pool's {size} nodes, got {c}"),
                    );
                }
                Some(c) => Some(c as u32),
            };
            Ok(NodeTargets::Pool { pool: id, count })
        }
    }
}

/// The id of the node named `name`.
pub(super) fn node_id(cx: &Ctx, path: &str, name: &str, refs: &EventRefs) -> R<NodeId> {
    match refs.nodes.iter().position(|n| n.name == name) {
        Some(i) => Ok(NodeId(i as u32)),
        None => {
            let names: Vec<&str> = refs.nodes.iter().map(|n| n.name.as_str()).collect();
            let hint = closest(name, &names)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_else(|| "; nodes are named `<pool>-<index>`, from 0".into());
            cx.err(path, format!("there is no node `{name}`{hint}"))
        }
    }
}

/// The id of the pool named `name`.
pub(super) fn pool_id(cx: &Ctx, path: &str, name: &str, refs: &EventRefs) -> R<PoolId> {
    match refs.pools.iter().position(|p| p.name == name) {
        Some(i) => Ok(PoolId(i as u32)),
        None => {
            let names: Vec<&str> = refs.pools.iter().map(|p| p.name.as_str()).collect();
            cx.err(
                path,
                format!(
                    "there is no node pool `{name}`; the pools are: {}",
                    names.join(", ")
                ),
            )
        }
    }
}
