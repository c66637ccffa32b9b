//! `kubectl drain`: cordon a node, then evict every pod on it through the eviction API,
//! retrying every 5 s the evictions a PodDisruptionBudget refuses, until all of those pods
//! are gone. A rolling drain takes its nodes one after another.

use super::actions::{pick, set_cordon};
use super::{Ctx, kubelet};
use crate::cluster::disruption::{may_evict, pdb_of};
use crate::cluster::ids::{NodeId, PodId};
use crate::cluster::pod::PodReason;
use crate::engine::event::Event;
use crate::engine::time::{NANOS_PER_SEC, Nanos};
use crate::scenario::model::Drain;
use crate::scenario::units::format_seconds;
use std::io;

/// kubectl drain's wait before retrying an eviction the API refused with 429.
pub const EVICTION_RETRY: Nanos = 5 * NANOS_PER_SEC;

/// What the eviction API answers when a budget refuses (HTTP 429).
const REFUSED: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

/// One node being drained.
#[derive(Debug)]
struct NodeDrain {
    node: NodeId,
    /// The `events:` entry that drains it; `None` for the cluster autoscaler's.
    action: Option<usize>,
    started: Nanos,
    /// The pods on the node when the drain started that are not gone yet.
    pods: Vec<PodId>,
}

/// A drain that takes its nodes one at a time.
#[derive(Debug)]
struct Rolling {
    action: usize,
    /// The node in maintenance now.
    current: NodeId,
    /// The nodes after it, last first.
    rest: Vec<NodeId>,
}

/// Every drain of the run.
#[derive(Debug, Default)]
pub struct Drains {
    active: Vec<NodeDrain>,
    rolling: Vec<Rolling>,
    /// Nodes the cluster autoscaler drained that are now empty, for it to delete.
    pub autoscaler_done: Vec<NodeId>,
}

impl Drains {
    /// Whether a node is being drained (the simulation then checks after every event
    /// whether it is done).
    pub fn busy(&self) -> bool {
        !self.active.is_empty()
    }

    /// Event `index`, a drain, starts: on all its nodes, or on the first of them.
    pub fn start(&mut self, ctx: &mut Ctx, index: usize, drain: &Drain) -> io::Result<()> {
        let nodes = pick(ctx, index, &drain.targets, |n| {
            !self.active.iter().any(|d| d.node == n)
        });
        if drain.one_at_a_time {
            let mut rest: Vec<NodeId> = nodes.into_iter().rev().collect();
            if let Some(first) = rest.pop() {
                self.rolling.push(Rolling {
                    action: index,
                    current: first,
                    rest,
                });
                self.start_node(ctx, Some(index), first)?;
            }
        } else {
            for n in nodes {
                self.start_node(ctx, Some(index), n)?;
            }
        }
        Ok(())
    }

    /// The cluster autoscaler drains `node` before deleting it (it is reported in
    /// [`Drains::autoscaler_done`] once empty).
    pub fn start_for_autoscaler(&mut self, ctx: &mut Ctx, node: NodeId) -> io::Result<()> {
        self.start_node(ctx, None, node)
    }

    fn start_node(&mut self, ctx: &mut Ctx, action: Option<usize>, node: NodeId) -> io::Result<()> {
        if self.active.iter().any(|d| d.node == node) {
            return Ok(());
        }
        set_cordon(ctx, node, true)?;
        let name = &ctx.cluster.nodes.name[node.index()];
        ctx.rec
            .object_event(ctx.now, "node_drain_started", name, "")?;
        let mut pods = ctx.cluster.nodes.pods[node.index()].clone();
        // kubectl evicts in the API's list order; kubesim's is creation order.
        pods.sort();
        self.active.push(NodeDrain {
            node,
            action,
            started: ctx.now,
            pods,
        });
        self.evict(ctx, node)
    }

    /// Asks the eviction API to evict every listed pod not yet on its way out; schedules a
    /// retry if a budget refused any.
    fn evict(&mut self, ctx: &mut Ctx, node: NodeId) -> io::Result<()> {
        let Some(d) = self.active.iter().find(|d| d.node == node) else {
            return Ok(());
        };
        let mut blocked = false;
        // Budgets' statuses for this pass, each recomputed only after one of its pods goes.
        let mut statuses = vec![None; ctx.cluster.pdbs.len()];
        for &pod in &d.pods {
            let p = &ctx.cluster.pods[pod.index()];
            if p.phase.is_terminal() || p.terminating {
                continue;
            }
            match may_evict(ctx.cluster, pod, &mut statuses) {
                Ok(()) => {
                    if let Some(k) = pdb_of(&ctx.cluster.pdbs, p.template) {
                        statuses[k] = None;
                    }
                    ctx.rec.pods_evicted += 1;
                    kubelet::evict(ctx, pod, PodReason::Evicted, "pod_evicted", "drain")?;
                }
                Err((k, st)) => {
                    blocked = true;
                    ctx.rec.evictions_blocked += 1;
                    let name = &ctx.cluster.pdbs[k].name;
                    let detail = format!(
                        "PodDisruptionBudget {name}: {REFUSED} The disruption budget {name} needs {} healthy pods and has {} currently",
                        st.desired_healthy, st.current_healthy
                    );
                    ctx.rec
                        .pod_event(ctx.now, "eviction_blocked", ctx.cluster, pod, &detail)?;
                }
            }
        }
        if blocked {
            ctx.queue.push(
                ctx.now.saturating_add(EVICTION_RETRY),
                Event::DrainRetry { node },
            );
        }
        Ok(())
    }

    /// The retry timer of `node`'s drain fired.
    pub fn retry(&mut self, ctx: &mut Ctx, node: NodeId) -> io::Result<()> {
        self.evict(ctx, node)
    }

    /// Finishes the drains whose pods are all gone: `node_drained`, then the maintenance
    /// window or the next node of a rolling drain.
    pub fn check(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        let mut k = 0;
        while k < self.active.len() {
            let d = &mut self.active[k];
            d.pods
                .retain(|p| !ctx.cluster.pods[p.index()].phase.is_terminal());
            if !d.pods.is_empty() {
                k += 1;
                continue;
            }
            let d = self.active.remove(k);
            let took = ctx.now - d.started;
            ctx.rec.drain_times.push(took);
            let name = &ctx.cluster.nodes.name[d.node.index()];
            ctx.rec.object_event(
                ctx.now,
                "node_drained",
                name,
                &format!("{} s", format_seconds(took)),
            )?;
            let Some(action) = d.action else {
                self.autoscaler_done.push(d.node);
                continue;
            };
            let after = match &ctx.scenario.actions[action].action {
                crate::scenario::model::Action::Drain(drain) => drain.uncordon_after,
                _ => None,
            };
            match after {
                Some(after) => ctx.queue.push(
                    ctx.now.saturating_add(after),
                    Event::DrainUncordon { node: d.node },
                ),
                None => self.next(ctx, d.node)?,
            }
        }
        Ok(())
    }

    /// The maintenance window of `node` is over.
    pub fn uncordon(&mut self, ctx: &mut Ctx, node: NodeId) -> io::Result<()> {
        set_cordon(ctx, node, false)?;
        self.next(ctx, node)
    }

    /// `node` is done with: a rolling drain moves on to its next node.
    fn next(&mut self, ctx: &mut Ctx, node: NodeId) -> io::Result<()> {
        let Some(r) = self.rolling.iter().position(|r| r.current == node) else {
            return Ok(());
        };
        let Some(n) = self.rolling[r].rest.pop() else {
            self.rolling.remove(r);
            return Ok(());
        };
        self.rolling[r].current = n;
        let action = self.rolling[r].action;
        self.start_node(ctx, Some(action), n)
    }
}
