//! Validation of the scenario's `events:`: each entry's time and the nodes, pools and
//! workloads it names, turned into [`TimedAction`]s.

use super::closest;
use super::limits::MAX_REPLICAS;
use super::model::{Action, Drain, NodeTargets, Pool, TimedAction, Workload, WorkloadKind};
use super::schema::{DeploymentDoc, NodesEventDoc, ScenarioEventDoc};
use super::validate::{Ctx, R, Refs, check_list, version};
use crate::cluster::ids::{NodeId, PoolId, WorkloadId};
use crate::cluster::node::NodeSpec;
use crate::cluster::pod::PodTemplate;
use crate::engine::time::Nanos;

/// What an event may name.
pub(super) struct EventRefs<'a> {
    /// Every node.
    pub nodes: &'a [NodeSpec],
    /// Node pools.
    pub pools: &'a [Pool],
    /// End of the run, if any.
    pub duration: Option<Nanos>,
    /// Zone names.
    pub zones: &'a [String],
    /// Every workload, validated (Deployments first, in the order listed).
    pub workloads: &'a [Workload],
    /// The Deployments as written, for the templates of versions.
    pub deployments: &'a [DeploymentDoc],
    /// What pod templates may name.
    pub pods: &'a Refs<'a>,
}

/// Checks `events:` and resolves what each entry names. The pod templates of `rollout`
/// events are appended to `templates`, their versions to `versions`.
pub(super) fn events(
    cx: &mut Ctx,
    list: &[ScenarioEventDoc],
    refs: &EventRefs,
    templates: &mut Vec<PodTemplate>,
    versions: &mut Vec<Workload>,
) -> R<Vec<TimedAction>> {
    check_list(cx, "events", list)?;
    let mut out = Vec::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
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
            ScenarioEventDoc::NodeFailure(f) => (
                f.at.as_nanos(),
                super::failures::node_failure(cx, &path, f, refs)?,
            ),
            ScenarioEventDoc::ZoneOutage(z) => (
                z.at.as_nanos(),
                super::failures::zone_outage(cx, &path, z, refs)?,
            ),
            ScenarioEventDoc::Rollout(r) => {
                let deployment = deployment_id(cx, &path, &r.deployment, refs)?;
                let d = &refs.deployments[deployment.index()];
                let base = &refs.workloads[deployment.index()];
                let w = version(cx, &path, r, d, base, refs.pods, templates)?;
                versions.push(w);
                let version = versions.len() as u32;
                (
                    r.at.as_nanos(),
                    Action::Rollout {
                        deployment,
                        version,
                    },
                )
            }
            ScenarioEventDoc::Rollback(r) => {
                let deployment = deployment_id(cx, &path, &r.deployment, refs)?;
                let to_revision = match r.to_revision {
                    None => None,
                    Some(n) if n == 0 || n > u64::from(u32::MAX) => {
                        return cx.err(
                            format!("{path}.toRevision"),
                            format!("{n} is not a revision: revisions count from 1; leave it out for the previous one"),
                        );
                    }
                    Some(n) => Some(n as u32),
                };
                (
                    r.at.as_nanos(),
                    Action::Rollback {
                        deployment,
                        to_revision,
                    },
                )
            }
            ScenarioEventDoc::Scale(s) => {
                let deployment = deployment_id(cx, &path, &s.deployment, refs)?;
                let replicas = match u64::try_from(s.replicas) {
                    Ok(n) if n <= MAX_REPLICAS => n as u32,
                    Ok(n) => {
                        return cx.err(
                            format!("{path}.replicas"),
                            format!("{n} exceeds the limit of {MAX_REPLICAS} replicas"),
                        );
                    }
                    Err(_) => {
                        return cx.err(
                            format!("{path}.replicas"),
                            format!("{} is negative; give 0 or more pods", s.replicas),
                        );
                    }
                };
                (
                    s.at.as_nanos(),
                    Action::Scale {
                        deployment,
                        replicas,
                    },
                )
            }
        };
        check_time(cx, &path, at, refs)?;
        out.push(TimedAction { at, action });
    }
    Ok(out)
}

/// The workload id of the Deployment an event names in its `deployment` field.
fn deployment_id(cx: &Ctx, path: &str, name: &str, refs: &EventRefs) -> R<WorkloadId> {
    let fpath = format!("{path}.deployment");
    let found = refs.workloads.iter().position(|w| w.name == name);
    match found.map(|i| (i, &refs.workloads[i].kind)) {
        Some((i, WorkloadKind::Deployment { .. })) => Ok(WorkloadId(i as u32)),
        Some(_) => cx.err(
            fpath,
            format!("`{name}` is a Job; only Deployments roll out, roll back and scale"),
        ),
        None => {
            let names: Vec<&str> = refs
                .workloads
                .iter()
                .filter(|w| matches!(w.kind, WorkloadKind::Deployment { .. }))
                .map(|w| w.name.as_str())
                .collect();
            let hint = match closest(name, &names) {
                Some(c) => format!("; did you mean `{c}`?"),
                None if names.is_empty() => "; the scenario has no Deployment".into(),
                None => format!("; the Deployments are: {}", names.join(", ")),
            };
            cx.err(fpath, format!("there is no Deployment `{name}`{hint}"))
        }
    }
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
                let pool = &refs.pools[refs.nodes[id.index()].pool.index()];
                let at = e.at.as_nanos();
                if at < pool.added_at {
                    return cx.err(
                        format!("{path}.nodes[{k}]"),
                        format!(
                            "node `{name}` joins the cluster with pool `{}` at {} s, after this \
                             event ({} s); move the event later or name another node",
                            pool.name,
                            pool.added_at as f64 / 1e9,
                            at as f64 / 1e9
                        ),
                    );
                }
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
