//! The kubelet's side of a pod's life: admission of pinned pods, start-up after binding,
//! readiness, completion, stopped containers, and removal.

use super::Ctx;
use crate::cluster::ids::{NodeId, PodId};
use crate::cluster::pod::{PodPhase, PodReason};
use crate::cluster::resources::CPU;
use crate::cluster::taints::{TaintEffect, first_untolerated};
use crate::engine::event::Event;
use crate::scenario::model::WorkloadKind;
use crate::scheduler::plugins::node_affinity;
use std::io;

/// Why the kubelet of `node` would refuse `pod`, checked in the kubelet's order
/// (`generalFilter`) after the node being down: resources, then node affinity (`nodeSelector` and required terms), then NoExecute taints
/// (the only effect the kubelet checks).
fn admission_failure(ctx: &Ctx, pod: PodId, node: NodeId) -> Option<PodReason> {
    let p = &ctx.cluster.pods[pod.index()];
    let t = &ctx.cluster.templates[p.template as usize];
    let nodes = &ctx.cluster.nodes;
    // A down node's kubelet admits nothing; failing the pod (its owner retries after a
    // backoff) rather than leaving it to the taint manager avoids an endless
    // create-and-evict loop at one instant.
    if !nodes.up[node.index()] {
        return Some(PodReason::NodeLost);
    }
    if let Some(lack) = nodes.shortfalls(node, &p.requests).next() {
        return Some(PodReason::OutOf(lack));
    }
    let i = node.index();
    if !node_affinity::matches(
        &t.node_selector,
        &t.affinity.node,
        &nodes.name[i],
        &nodes.labels[i],
    ) {
        return Some(PodReason::NodeAffinity);
    }
    first_untolerated(&t.tolerations, &nodes.taints[node.index()], |e| {
        e == TaintEffect::NoExecute
    })
    .map(|_| PodReason::TaintToleration)
}

/// A pod with `nodeName` skips the scheduler; the node's kubelet admits it if it can and
/// otherwise fails it (`OutOfcpu`, `NodeAffinity`, …) rather than over-commit the node.
/// Returns whether the pod was admitted.
pub fn admit_pinned(ctx: &mut Ctx, pod: PodId, node: NodeId) -> io::Result<bool> {
    match admission_failure(ctx, pod, node) {
        None => {
            bind(ctx, pod, node)?;
            Ok(true)
        }
        Some(reason) => {
            ctx.cluster.pods[pod.index()].node = Some(node);
            ctx.cluster.finish(pod, PodPhase::Failed, reason, ctx.now);
            let w = ctx.cluster.pods[pod.index()].workload;
            ctx.rec.pod_ended(w, false);
            let name = reason.name(&ctx.cluster.resources);
            ctx.rec
                .pod_event(ctx.now, "pod_failed", ctx.cluster, pod, &name)?;
            Ok(false)
        }
    }
}

/// Binds a pod to a node and starts its containers after the start-up delay.
pub fn bind(ctx: &mut Ctx, pod: PodId, node: NodeId) -> io::Result<()> {
    ctx.cluster.bind(pod, node, ctx.now);
    let p = &ctx.cluster.pods[pod.index()];
    let (created, delay, generation) = (p.created, p.startup_delay, p.generation);
    ctx.rec
        .pod_bound(created, ctx.now - created, ctx.cluster.nodes_in_use);
    ctx.rec
        .pod_event(ctx.now, "pod_bound", ctx.cluster, pod, "")?;
    if !ctx.cluster.nodes.up[node.index()] {
        // The scheduler may bind to a node that failed before the node lifecycle
        // controller noticed: nothing runs the pod until the node is repaired, and the
        // taint manager sees it with the node's other pods.
        return Ok(());
    }
    ctx.queue.push(
        ctx.now.saturating_add(delay),
        Event::PodStarted { pod, generation },
    );
    Ok(())
}

/// Whether a scheduled event for `pod` still applies.
pub fn current(ctx: &Ctx, pod: PodId, generation: u32) -> bool {
    ctx.cluster.pods[pod.index()].generation == generation
}

/// The containers are up: Running, and for a Job's pod, done after its run time.
pub fn started(ctx: &mut Ctx, pod: PodId) -> io::Result<()> {
    ctx.cluster.start(pod, ctx.now);
    ctx.rec.pod_started();
    ctx.rec
        .pod_event(ctx.now, "pod_started", ctx.cluster, pod, "")?;
    containers_up(ctx, pod);
    Ok(())
}

/// What follows every container start (the first, and each restart): the pod turns
/// Ready at once or after its readiness probe's initial delay, and its next end is
/// scheduled: a crash drawn for this start, or, for a Job's pod, the completion of its
/// remaining work, whichever comes first (a crash at the very instant of completion does
/// not happen).
pub(super) fn containers_up(ctx: &mut Ctx, pod: PodId) {
    let p = &ctx.cluster.pods[pod.index()];
    let generation = p.generation;
    let ready_delay = ctx.scenario.spec_of(p.workload, p.template).ready_delay;
    let remaining = p.run_time.map(|t| t.saturating_sub(p.progress));
    if ready_delay == 0 {
        ctx.cluster.set_ready(pod, Some(ctx.now));
        ctx.inbox.notices.push(super::OwnerNotice::Changed(pod));
    } else {
        ctx.queue.push(
            ctx.now.saturating_add(ready_delay),
            Event::PodReady { pod, generation },
        );
    }
    let end = match (super::crash::draw(ctx, pod), remaining) {
        (Some(c), r) if r.is_none_or(|r| c < r) => {
            Some((c, Event::ContainerCrashed { pod, generation }))
        }
        (_, Some(r)) => Some((r, Event::PodCompleted { pod, generation })),
        _ => None,
    };
    if let Some((after, event)) = end {
        ctx.queue.push(ctx.now.saturating_add(after), event);
    }
}

/// The readiness probe of a started pod first succeeded: the pod is Ready.
pub fn ready(ctx: &mut Ctx, pod: PodId) -> io::Result<()> {
    ctx.cluster.set_ready(pod, Some(ctx.now));
    ctx.inbox.notices.push(super::OwnerNotice::Changed(pod));
    ctx.rec
        .pod_event(ctx.now, "pod_ready", ctx.cluster, pod, "")
}

/// A running pod's containers stop short of finishing (they crashed, or its node went
/// down): it stays on its node holding its requests, not ready, using nothing, and a Job's
/// pod keeps only the work its checkpoints saved.
pub fn stop_containers(ctx: &mut Ctx, pod: PodId) {
    save_work(ctx, pod);
    let was_ready = ctx.cluster.pods[pod.index()].ready_since.is_some();
    ctx.cluster.stop(pod);
    if was_ready {
        ctx.inbox.notices.push(super::OwnerNotice::Changed(pod));
    }
}

/// A running Job pod stops short of completion (a crash, an eviction, a deletion, its
/// node failing): of the
/// time it ran since its containers last started, whole `checkpointInterval`s are saved
/// as progress and the rest is recorded as lost work. A terminating pod was accounted for
/// when its termination began.
pub(super) fn save_work(ctx: &mut Ctx, pod: PodId) {
    let p = &mut ctx.cluster.pods[pod.index()];
    if p.phase != PodPhase::Running || p.terminating || p.run_time.is_none() {
        return;
    }
    let WorkloadKind::Job { checkpoint, .. } = ctx.scenario.workloads[p.workload.index()].kind
    else {
        return;
    };
    let ran = ctx.now.saturating_sub(p.last_start);
    let saved = checkpoint.map_or(0, |c| ran / c * c);
    p.progress = p.progress.saturating_add(saved);
    ctx.rec
        .work_lost(p.workload, p.requests.0[CPU], ran - saved);
}

/// The pod's work is done: Succeeded, and its node has room again.
pub fn completed(ctx: &mut Ctx, pod: PodId) -> io::Result<()> {
    let node = ctx.cluster.pods[pod.index()].node;
    ctx.cluster
        .finish(pod, PodPhase::Succeeded, PodReason::Completed, ctx.now);
    let w = ctx.cluster.pods[pod.index()].workload;
    ctx.rec.pod_ended(w, true);
    ctx.rec
        .pod_event(ctx.now, "pod_succeeded", ctx.cluster, pod, "")?;
    if let Some(n) = node {
        ctx.inbox.freed.push(n);
    }
    Ok(())
}

/// Evicts a pod through the API (preemption, a drain, the taint manager): it starts its
/// graceful termination, keeping its node for `terminationGracePeriodSeconds`, and its
/// owner hears of it at once. `what` names the row in `events.csv`.
pub fn evict(
    ctx: &mut Ctx,
    pod: PodId,
    reason: PodReason,
    what: &str,
    detail: &str,
) -> io::Result<()> {
    terminate(ctx, pod, reason, what, detail)?;
    ctx.inbox.notices.push(super::OwnerNotice::Evicted(pod));
    Ok(())
}

/// Deletes a pod on a node gracefully: it terminates, keeping its node for
/// `terminationGracePeriodSeconds`. Its owner asked for it and needs no notice.
pub fn terminate(
    ctx: &mut Ctx,
    pod: PodId,
    reason: PodReason,
    what: &str,
    detail: &str,
) -> io::Result<()> {
    save_work(ctx, pod);
    ctx.cluster.begin_termination(pod);
    let p = &mut ctx.cluster.pods[pod.index()];
    // Kept until the pod ends: the reason it will end with.
    p.reason = Some(reason);
    // Voids its pending start or completion: a terminating pod neither starts nor succeeds.
    p.generation = p.generation.wrapping_add(1);
    let (generation, template) = (p.generation, p.template);
    let grace = ctx.cluster.templates[template as usize].termination_grace;
    ctx.rec.pod_event(ctx.now, what, ctx.cluster, pod, detail)?;
    ctx.queue.push(
        ctx.now.saturating_add(grace),
        Event::PodTerminated { pod, generation },
    );
    Ok(())
}

/// A terminating pod's grace period is over: it leaves its node, with the reason its
/// eviction gave.
pub fn terminated(ctx: &mut Ctx, pod: PodId) -> io::Result<()> {
    let reason = ctx.cluster.pods[pod.index()]
        .reason
        .unwrap_or(PodReason::Preempted);
    delete(ctx, pod, reason, "terminated")
}

/// Deletes a pod that has not finished, wherever it is.
pub fn delete(ctx: &mut Ctx, pod: PodId, reason: PodReason, detail: &str) -> io::Result<()> {
    let p = &ctx.cluster.pods[pod.index()];
    if p.phase.is_terminal() {
        return Ok(());
    }
    let freed = if p.phase.on_node() { p.node } else { None };
    save_work(ctx, pod);
    ctx.cluster.finish(pod, PodPhase::Deleted, reason, ctx.now);
    ctx.rec
        .pod_event(ctx.now, "pod_deleted", ctx.cluster, pod, detail)?;
    if let Some(n) = freed {
        ctx.inbox.freed.push(n);
    }
    Ok(())
}
