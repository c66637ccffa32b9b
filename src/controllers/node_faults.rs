//! The machines under the nodes: they fail and are repaired, at times a pool's `failures`
//! draws or the scenario's `node_failure` and `zone_outage` events give. A failed node's
//! kubelet is gone: its running containers stop and nothing starts there until the repair,
//! when the pods still bound to it start again in place.

use super::node_lifecycle::NodeLifecycle;
use super::{Ctx, OwnerNotice, actions, kubelet};
use crate::cluster::OwnerKind;
use crate::cluster::ids::{NodeId, PodId, WorkloadId};
use crate::cluster::pod::{PodPhase, PodReason, RestartPolicy};
use crate::engine::event::Event;
use crate::engine::rng::StreamKey;
use crate::engine::time::{Nanos, secs_to_nanos};
use crate::scenario::model::{NodeTargets, PoolFailures};
use std::io;

/// Each node's place in its up/down alternation.
#[derive(Debug, Default)]
pub struct NodeFaults {
    /// Up/down transitions so far: failure and repair events carry it and are dropped
    /// when it changed, so a scheduled failure cannot start a second failure process.
    epoch: Vec<u32>,
    /// Up periods begun so far: the k-th up period and the down period after it draw
    /// from `rng_at(k)` of the node's stream, whatever else happens in the cluster.
    cycle: Vec<u32>,
    /// The node's stream, `faults/node/<node name>`.
    key: Vec<StreamKey>,
}

impl NodeFaults {
    /// Starts the failure process of nodes that just joined the cluster.
    pub fn nodes_added(&mut self, ctx: &mut Ctx, nodes: &[NodeId]) {
        for &n in nodes {
            debug_assert_eq!(n.index(), self.key.len());
            let name = &ctx.cluster.nodes.name[n.index()];
            self.key.push(StreamKey::new(
                ctx.scenario.seed,
                &format!("faults/node/{name}"),
            ));
            self.epoch.push(0);
            self.cycle.push(0);
            self.schedule_failure(ctx, n);
        }
    }

    /// The failure laws of node `n`'s pool, if it has any.
    fn laws<'a>(ctx: &Ctx<'a>, n: NodeId) -> Option<&'a PoolFailures> {
        let scenario = ctx.scenario;
        let pool = ctx.cluster.nodes.pool[n.index()];
        scenario.pools[pool.index()].failures.as_ref()
    }

    /// Up time, then down time, of node `n`'s current cycle.
    fn draw(&self, f: &PoolFailures, n: NodeId) -> (Nanos, Nanos) {
        let i = n.index();
        let mut rng = self.key[i].rng_at(u64::from(self.cycle[i]));
        let up = secs_to_nanos(f.time_to_failure.sample(&mut rng));
        (up, secs_to_nanos(f.time_to_repair.sample(&mut rng)))
    }

    fn schedule_failure(&self, ctx: &mut Ctx, n: NodeId) {
        if let Some(f) = Self::laws(ctx, n) {
            let (up, _) = self.draw(f, n);
            let epoch = self.epoch[n.index()];
            ctx.queue.push(
                ctx.now.saturating_add(up),
                Event::NodeFailure { node: n, epoch },
            );
        }
    }

    /// Node `n` was deleted: its scheduled failures and repairs no longer apply.
    pub fn forget(&mut self, n: NodeId) {
        if let Some(e) = self.epoch.get_mut(n.index()) {
            *e = e.wrapping_add(1);
        }
    }

    /// Whether a failure or repair event scheduled at `epoch` still applies.
    pub fn current(&self, n: NodeId, epoch: u32) -> bool {
        self.epoch[n.index()] == epoch
    }

    /// Node `n`'s machine fails, to be repaired after `repair_after`, or else after its
    /// pool's drawn `timeToRepair`, or never. Running pods stop but stay bound (and, as
    /// far as the API knows, Ready: nobody has noticed yet); their pending starts and
    /// completions are void. Returns whether the node was up (failing a node that is
    /// down, or not in the cluster yet, does nothing).
    pub fn fail(
        &mut self,
        ctx: &mut Ctx,
        n: NodeId,
        repair_after: Option<Nanos>,
        cause: &str,
    ) -> io::Result<bool> {
        let i = n.index();
        // A node whose pool has not joined yet cannot fail either.
        if i >= self.epoch.len() || !ctx.cluster.nodes.up[i] {
            return Ok(false);
        }
        let repair = repair_after.or_else(|| Self::laws(ctx, n).map(|f| self.draw(f, n).1));
        self.epoch[i] = self.epoch[i].wrapping_add(1);
        ctx.cluster.nodes.up[i] = false;
        ctx.cluster.nodes_up -= 1;
        for k in 0..ctx.cluster.nodes.pods[i].len() {
            let pod = ctx.cluster.nodes.pods[i][k];
            let p = &ctx.cluster.pods[pod.index()];
            let ready_since = p.ready_since;
            if p.phase == PodPhase::Running {
                // A Job pod's work since its last checkpoint dies with the machine.
                kubelet::save_work(ctx, pod);
                ctx.cluster.stop(pod);
                ctx.cluster.set_ready(pod, ready_since);
                // Its owner's figures count what serves: this pod no longer does.
                ctx.inbox.notices.push(OwnerNotice::Changed(pod));
            }
            let p = &mut ctx.cluster.pods[pod.index()];
            // A terminating pod keeps its PodTerminated: its deletion completes anyway.
            if !p.terminating {
                p.generation = p.generation.wrapping_add(1);
            }
        }
        ctx.rec.node_failures += 1;
        let detail = match repair {
            Some(r) => format!("{cause}; repair after {} s", r as f64 / 1e9),
            None => format!("{cause}; no repair"),
        };
        ctx.rec
            .object_event(ctx.now, "node_failed", &ctx.cluster.nodes.name[i], &detail)?;
        if let Some(r) = repair {
            let epoch = self.epoch[i];
            ctx.queue.push(
                ctx.now.saturating_add(r),
                Event::NodeRepair { node: n, epoch },
            );
        }
        Ok(true)
    }

    /// Node `n`'s machine is back: the pods still bound to it start again in place after
    /// their start-up delay (a restart for those that had run), waiting pods may fit on
    /// it, and its next failure is drawn.
    pub fn repair(&mut self, ctx: &mut Ctx, n: NodeId) -> io::Result<()> {
        let i = n.index();
        debug_assert!(!ctx.cluster.nodes.up[i]);
        self.epoch[i] = self.epoch[i].wrapping_add(1);
        self.cycle[i] = self.cycle[i].wrapping_add(1);
        ctx.cluster.nodes.up[i] = true;
        ctx.cluster.nodes_up += 1;
        ctx.rec
            .object_event(ctx.now, "node_repaired", &ctx.cluster.nodes.name[i], "")?;
        // After the reboot the kubelet finds the containers gone (ContainerStatusUnknown):
        // a pod that had run and may not restart (`restartPolicy: Never`) fails, and its
        // owner replaces it.
        let lost: Vec<PodId> = ctx.cluster.nodes.pods[i]
            .iter()
            .copied()
            .filter(|q| {
                let p = &ctx.cluster.pods[q.index()];
                !p.terminating
                    && p.started.is_some()
                    && ctx.cluster.templates[p.template as usize].restart_policy
                        == RestartPolicy::Never
            })
            .collect();
        for pod in lost {
            let w = ctx.cluster.pods[pod.index()].workload;
            ctx.cluster.finish(
                pod,
                PodPhase::Failed,
                PodReason::ContainerStatusUnknown,
                ctx.now,
            );
            ctx.rec.pod_ended(w, false);
            ctx.rec.pod_event(
                ctx.now,
                "pod_failed",
                ctx.cluster,
                pod,
                "ContainerStatusUnknown",
            )?;
            ctx.inbox.notices.push(OwnerNotice::Evicted(pod));
        }
        for k in 0..ctx.cluster.nodes.pods[i].len() {
            let pod = ctx.cluster.nodes.pods[i][k];
            let p = &mut ctx.cluster.pods[pod.index()];
            if p.terminating {
                continue;
            }
            // Voids any eviction the taint manager had scheduled.
            p.generation = p.generation.wrapping_add(1);
            let restarted = p.started.is_some();
            if restarted {
                p.restarts += 1;
            }
            // Its owner hears of a readiness change, and of a restart (a Job counts
            // `OnFailure` restarts toward its backoffLimit).
            let (delay, generation, was_ready) =
                (p.startup_delay, p.generation, p.ready_since.is_some());
            ctx.cluster.set_ready(pod, None);
            if was_ready || restarted {
                ctx.inbox.notices.push(OwnerNotice::Changed(pod));
            }
            ctx.queue.push(
                ctx.now.saturating_add(delay),
                Event::PodStarted { pod, generation },
            );
        }
        self.schedule_failure(ctx, n);
        ctx.inbox.nodes_added = true;
        Ok(())
    }
}

/// Node `n`'s machine fails (if it is up), to be repaired after `repair` (see
/// [`NodeFaults::fail`]; `cause` goes to `events.csv`), and the node lifecycle controller
/// starts waiting for its heartbeat.
pub fn fail_node(
    faults: &mut NodeFaults,
    lifecycle: &mut NodeLifecycle,
    ctx: &mut Ctx,
    n: NodeId,
    (repair, cause): (Option<Nanos>, &str),
) -> io::Result<()> {
    // The Deployments whose serving pods go down with it, for the recovery time.
    let hit: Vec<WorkloadId> = ctx.cluster.nodes.pods[n.index()]
        .iter()
        .map(|p| &ctx.cluster.pods[p.index()])
        .filter(|p| p.phase == PodPhase::Running && p.ready_since.is_some())
        .filter_map(|p| match ctx.cluster.owners[p.owner as usize].kind {
            OwnerKind::Deployment(w) => Some(w),
            OwnerKind::Job(_) => None,
        })
        .collect();
    if faults.fail(ctx, n, repair, cause)? {
        ctx.rec.recovery.failed(ctx.now, hit);
        lifecycle.node_failed(ctx, n);
    }
    Ok(())
}

/// A `node_failure` event (entry `index` of `events:`): the nodes it names, or `count` of
/// its pool's nodes that are up.
pub fn node_failure_event(
    faults: &mut NodeFaults,
    lifecycle: &mut NodeLifecycle,
    ctx: &mut Ctx,
    (index, targets): (usize, &NodeTargets),
    repair_after: Option<Nanos>,
) -> io::Result<()> {
    let nodes = actions::pick(ctx, index, targets, |n| ctx.cluster.nodes.up[n.index()]);
    for n in nodes {
        fail_node(
            faults,
            lifecycle,
            ctx,
            n,
            (repair_after, "node_failure event"),
        )?;
    }
    Ok(())
}

/// A `zone_outage` event: every node of `zone` that is up fails for `duration`.
pub fn zone_outage(
    faults: &mut NodeFaults,
    lifecycle: &mut NodeLifecycle,
    ctx: &mut Ctx,
    zone: u16,
    duration: Nanos,
) -> io::Result<()> {
    let cause = format!("zone_outage of {}", ctx.scenario.zones[usize::from(zone)]);
    let nodes: Vec<NodeId> = ctx
        .cluster
        .nodes
        .ids()
        .filter(|n| ctx.cluster.nodes.zone[n.index()] == zone)
        .collect();
    for n in nodes {
        fail_node(faults, lifecycle, ctx, n, (Some(duration), &cause))?;
    }
    Ok(())
}
