//! Container crashes: when a started container crashes (drawn from the workload's
//! `simulation.crash`), and what the kubelet does then by the pod's `restartPolicy`:
//! restart it after the CrashLoopBackOff delay (`Always`, `OnFailure`) or fail the pod
//! (`Never`).

use super::{Ctx, kubelet};
use crate::cluster::ids::PodId;
use crate::cluster::pod::{PodPhase, PodReason, RestartPolicy};
use crate::engine::event::Event;
use crate::engine::rng::{StreamKey, StreamRng};
use crate::engine::time::{Nanos, secs_to_nanos};
use crate::metrics::format::format_seconds;
use crate::scenario::model::CrashModel;
use rand::Rng;
use std::io;

/// When the container that starts now crashes, counted from its start; `None` if it does
/// not. Drawn from the owner's stream `crashes/<owner>` at (pod ordinal, start number), so
/// a pod's crashes depend on neither the scheduler nor when it runs.
pub(super) fn draw(ctx: &mut Ctx, pod: PodId) -> Option<Nanos> {
    let p = &ctx.cluster.pods[pod.index()];
    let model = ctx
        .scenario
        .spec_of(p.workload, p.template)
        .crash
        .as_ref()?;
    let index = (u64::from(p.ordinal) << 32) | u64::from(p.restarts);
    let owner = &mut ctx.cluster.owners[p.owner as usize];
    let seed = ctx.scenario.seed;
    let key = *owner
        .crash_key
        .get_or_insert_with(|| StreamKey::new(seed, &format!("crashes/{}", owner.name)));
    crash_after(model, &mut key.rng_at(index))
}

/// One start's crash delay under `model`: with `probability` it crashes `after` its draw;
/// otherwise after a `timeToCrash` draw, if the model has one.
fn crash_after(model: &CrashModel, rng: &mut StreamRng) -> Option<Nanos> {
    if let Some((p, after)) = &model.early {
        let u: f64 = rng.random();
        let delay = after.sample(rng);
        if u < *p {
            return Some(secs_to_nanos(delay));
        }
    }
    let d = model.time_to_crash.as_ref()?;
    Some(secs_to_nanos(d.sample(rng)))
}

/// The running container of `pod` crashed. Returns whether the pod failed for good
/// (`restartPolicy: Never`), which its owner must hear; otherwise the restart is scheduled
/// after the CrashLoopBackOff delay.
pub fn crashed(ctx: &mut Ctx, pod: PodId) -> io::Result<bool> {
    kubelet::stop_containers(ctx, pod);
    let p = &mut ctx.cluster.pods[pod.index()];
    if ctx.cluster.templates[p.template as usize].restart_policy == RestartPolicy::Never {
        let (w, node) = (p.workload, p.node);
        ctx.rec
            .pod_event(ctx.now, "container_crashed", ctx.cluster, pod, "")?;
        ctx.cluster
            .finish(pod, PodPhase::Failed, PodReason::Error, ctx.now);
        ctx.rec.pod_ended(w, false);
        ctx.rec
            .pod_event(ctx.now, "pod_failed", ctx.cluster, pod, "Error")?;
        if let Some(n) = node {
            ctx.inbox.freed.push(n);
        }
        return Ok(true);
    }
    // Voids the start's pending readiness: the restart schedules its own.
    p.generation = p.generation.wrapping_add(1);
    let generation = p.generation;
    let delay = p.crash_backoff.crashed(ctx.now);
    let detail = format!("back-off {}s", format_seconds(delay));
    ctx.rec
        .pod_event(ctx.now, "container_crashed", ctx.cluster, pod, &detail)?;
    ctx.queue.push(
        ctx.now.saturating_add(delay),
        Event::ContainerRestart { pod, generation },
    );
    Ok(false)
}

/// The back-off of a crashed container is over: the kubelet starts it again, on the same
/// node, without the pod's start-up delay (its image is already there).
pub fn restart(ctx: &mut Ctx, pod: PodId) -> io::Result<()> {
    let p = &mut ctx.cluster.pods[pod.index()];
    p.restarts += 1;
    let (w, restarts) = (p.workload, p.restarts);
    ctx.cluster.start(pod, ctx.now);
    ctx.rec.container_restarted(w);
    ctx.rec.pod_event(
        ctx.now,
        "container_restarted",
        ctx.cluster,
        pod,
        &restarts.to_string(),
    )?;
    kubelet::containers_up(ctx, pod);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dist::Distribution;

    fn fraction_crashing(p: f64, n: u64) -> f64 {
        let model = CrashModel {
            early: Some((p, Distribution::Constant(5.0))),
            time_to_crash: None,
        };
        let key = StreamKey::new(42, "crashes/test");
        let crashed = (0..n)
            .filter(|&i| crash_after(&model, &mut key.rng_at(i)).is_some())
            .count();
        crashed as f64 / n as f64
    }

    #[test]
    fn probability_zero_never_crashes_and_one_always_does() {
        assert_eq!(fraction_crashing(0.0, 10_000), 0.0);
        assert_eq!(fraction_crashing(1.0, 10_000), 1.0);
    }

    #[test]
    fn crash_fraction_matches_the_probability() {
        // n = 40000 starts at p = 0.3: the fraction's standard deviation is
        // sqrt(p(1−p)/n) = 0.00229; accept 4 of them (0.0092, a 3 % relative error).
        let (p, n) = (0.3, 40_000);
        let tol = 4.0 * (p * (1.0 - p) / n as f64).sqrt();
        assert!((fraction_crashing(p, n) - p).abs() < tol);
        // Negative control: the same sample judged against p = 0.32 fails.
        assert!((fraction_crashing(p, n) - 0.32).abs() >= tol);
    }

    #[test]
    fn early_crash_comes_after_its_delay_and_survivors_take_time_to_crash() {
        let model = CrashModel {
            early: Some((0.5, Distribution::Constant(5.0))),
            time_to_crash: Some(Distribution::Constant(60.0)),
        };
        let key = StreamKey::new(1, "crashes/test");
        let mut seen = [0u32; 2];
        for i in 0..200 {
            match crash_after(&model, &mut key.rng_at(i)) {
                Some(d) if d == secs_to_nanos(5.0) => seen[0] += 1,
                Some(d) if d == secs_to_nanos(60.0) => seen[1] += 1,
                other => panic!("unexpected crash delay {other:?}"),
            }
        }
        assert!(seen[0] > 0 && seen[1] > 0);
    }
}
