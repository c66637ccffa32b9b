//! The Job controller and the arrival streams that create Jobs over time.

use super::{Ctx, SYNC_RETRY_BASE, SYNC_RETRY_CAP, backoff, draw_pod, draw_requests, kubelet};
use crate::cluster::OwnerKind;
use crate::cluster::ids::{JobId, PodId, WorkloadId};
use crate::cluster::pod::PodReason;
use crate::cluster::quota::ObjectKind;
use crate::cluster::resources::Resources;
use crate::engine::event::Event;
use crate::engine::rng::{StreamKey, StreamRng};
use crate::engine::time::{NANOS_PER_SEC, Nanos, secs_to_nanos};
use crate::scenario::model::{ArrivalProcess, Arrivals, WorkloadKind};
use rand::Rng;
use rand_distr::{Distribution as _, Exp};
use std::collections::VecDeque;
use std::io;

/// Kubernetes' Job pod-failure backoff: 10 s doubling…
const JOB_BACKOFF_BASE: Nanos = 10 * NANOS_PER_SEC;
/// …capped at six minutes.
const JOB_BACKOFF_CAP: Nanos = 360 * NANOS_PER_SEC;

/// One Job object.
#[derive(Debug)]
struct Job {
    workload: WorkloadId,
    owner: u32,
    created: Nanos,
    requests: (Resources, [i64; 2]),
    /// Seed of this Job's per-pod attributes, drawn when the Job was created.
    pod_key: StreamKey,
    /// Every pod it created, in creation order.
    pods: Vec<PodId>,
    /// How many of them are not yet terminal (kept as a count so that a pod's end costs
    /// O(1) however large the Job; the rare failure path scans `pods`).
    active: u32,
    succeeded: u32,
    failed: u32,
    done: bool,
    sync_pending: bool,
    /// Work items of pods that failed or were evicted, oldest first, as (total run time,
    /// progress saved): the next pods created take them over before any new item.
    retry: VecDeque<(Nanos, Nanos)>,
    /// Syncs a quota refused in a row (drives the requeue's rate limit).
    refusals: u32,
}

/// A workload's arrival state.
#[derive(Debug)]
struct Stream {
    /// Inter-arrival draws (Poisson).
    rng: StreamRng,
    /// Jobs created so far.
    created: u64,
    /// Next index into fixed times.
    cursor: usize,
}

/// All Jobs of the run.
#[derive(Debug, Default)]
pub struct JobController {
    jobs: Vec<Job>,
    /// Per workload: the stream of its Jobs (`None` for Deployments).
    streams: Vec<Option<Stream>>,
    /// Per workload: the key of its per-Job draws.
    keys: Vec<StreamKey>,
}

impl JobController {
    /// Prepares the streams of a scenario's Job workloads.
    pub fn new(seed: u64, workloads: &[crate::scenario::model::Workload]) -> JobController {
        let mut c = JobController::default();
        for w in workloads {
            c.keys
                .push(StreamKey::new(seed, &format!("jobs/{}", w.name)));
            c.streams.push(match w.kind {
                WorkloadKind::Job { .. } => Some(Stream {
                    rng: StreamKey::new(seed, &format!("arrivals/{}", w.name)).rng(),
                    created: 0,
                    cursor: 0,
                }),
                WorkloadKind::Deployment { .. } => None,
            });
        }
        c
    }

    /// Schedules the first arrival of workload `w` (a single Job arrives at 0).
    pub fn start(&mut self, ctx: &mut Ctx, w: WorkloadId) {
        let arrivals = match &ctx.scenario.workloads[w.index()].kind {
            WorkloadKind::Job { arrivals, .. } => arrivals.as_ref(),
            WorkloadKind::Deployment { .. } => return,
        };
        let first = match arrivals {
            None => Some(0),
            Some(a) => self.next_arrival(w, a, ctx.now),
        };
        if let Some(t) = first {
            ctx.queue.push(t, Event::JobArrival { workload: w });
        }
    }

    /// When the stream's next Job arrives after one at `now`, or `None` when it is done.
    fn next_arrival(&mut self, w: WorkloadId, a: &Arrivals, now: Nanos) -> Option<Nanos> {
        let s = self.streams[w.index()].as_mut()?;
        if a.limit.is_some_and(|l| s.created >= l) {
            return None;
        }
        match &a.process {
            ArrivalProcess::Poisson { rate, start } => {
                let from = if s.created == 0 {
                    (*start).max(now)
                } else {
                    now
                };
                let gap = Exp::new(*rate).ok()?.sample(&mut s.rng);
                Some(from.saturating_add(secs_to_nanos(gap)))
            }
            ArrivalProcess::Times(times) => times.get(s.cursor).copied(),
        }
    }

    /// A Job of workload `w` arrives: create it and schedule the next arrival.
    pub fn arrive(&mut self, ctx: &mut Ctx, w: WorkloadId) -> io::Result<()> {
        let workload = &ctx.scenario.workloads[w.index()];
        let WorkloadKind::Job { arrivals, .. } = &workload.kind else {
            return Ok(());
        };
        let index = {
            let Some(s) = self.streams[w.index()].as_mut() else {
                return Ok(());
            };
            s.created += 1;
            s.cursor += 1;
            s.created - 1
        };
        let name = if arrivals.is_some() {
            format!("{}-{index}", workload.name)
        } else {
            workload.name.clone()
        };
        if let Some(a) = arrivals {
            if let Some(t) = self.next_arrival(w, a, ctx.now) {
                if ctx.scenario.duration.is_none_or(|end| t <= end) {
                    ctx.queue.push(t, Event::JobArrival { workload: w });
                }
            }
        }
        if !ctx.scenario.quotas.is_empty() && !ctx.admit_object(w, &name, ObjectKind::Job)? {
            // The submission failed: no Job, and the stream goes on.
            return Ok(());
        }
        let mut rng = self.keys[w.index()].rng_at(index);
        let requests = draw_requests(&workload.requests, &mut rng);
        let pod_key = StreamKey::new(rng.random(), "pods");
        let job = JobId(self.jobs.len() as u32);
        let owner = ctx.cluster.add_owner(name.clone(), OwnerKind::Job(job));
        self.jobs.push(Job {
            workload: w,
            owner,
            created: ctx.now,
            requests,
            pod_key,
            pods: Vec::new(),
            active: 0,
            succeeded: 0,
            failed: 0,
            done: false,
            sync_pending: false,
            retry: VecDeque::new(),
            refusals: 0,
        });
        ctx.rec.job_created(w);
        ctx.rec.object_event(ctx.now, "job_created", &name, "")?;
        self.sync(ctx, job)
    }

    /// Creates the pods Job `id` needs now: `min(parallelism, completions − succeeded)`
    /// active at once; a work-queue Job (no completions) runs `parallelism` pods until one
    /// succeeds, then no more.
    pub fn sync(&mut self, ctx: &mut Ctx, id: JobId) -> io::Result<()> {
        let job = &mut self.jobs[id.index()];
        job.sync_pending = false;
        if job.done {
            return Ok(());
        }
        let workload = &ctx.scenario.workloads[job.workload.index()];
        let WorkloadKind::Job {
            completions,
            parallelism,
            ..
        } = workload.kind
        else {
            return Ok(());
        };
        let want = match completions {
            Some(c) => parallelism.min(c - job.succeeded),
            None if job.succeeded == 0 => parallelism,
            None => 0,
        } as usize;
        while (job.active as usize) < want {
            let ordinal = ctx.cluster.owners[job.owner as usize].pods_created;
            let mut rng = job.pod_key.rng_at(u64::from(ordinal));
            let mut draw = draw_pod(workload, job.requests, &mut rng);
            // A retried work item is the same work starting over from its saved progress.
            let item = job.retry.pop_front();
            if let Some((total, _)) = item {
                draw.run_time = Some(total);
            }
            let Some((pod, alive)) = ctx.create_pod(job.workload, job.owner, draw)? else {
                // A quota refused the pod: the sync failed; requeue it rate-limited, and
                // keep the work item for the next try.
                if let Some(item) = item {
                    job.retry.push_front(item);
                }
                job.refusals += 1;
                if !job.sync_pending {
                    job.sync_pending = true;
                    let delay = backoff(job.refusals, SYNC_RETRY_BASE, SYNC_RETRY_CAP);
                    ctx.queue
                        .push(ctx.now.saturating_add(delay), Event::JobSync { job: id });
                }
                return Ok(());
            };
            job.pods.push(pod);
            if alive {
                if let Some((_, progress)) = item {
                    ctx.cluster.pods[pod.index()].progress = progress;
                }
                job.active += 1;
            } else {
                if let Some(item) = item {
                    job.retry.push_front(item);
                }
                return self.pod_failed(ctx, id);
            }
        }
        job.refusals = 0;
        Ok(())
    }

    /// A pod of Job `id` succeeded.
    pub fn pod_succeeded(&mut self, ctx: &mut Ctx, id: JobId) -> io::Result<()> {
        let job = &mut self.jobs[id.index()];
        job.active -= 1;
        job.succeeded += 1;
        let WorkloadKind::Job { completions, .. } =
            ctx.scenario.workloads[job.workload.index()].kind
        else {
            return Ok(());
        };
        if self.complete_if_done(ctx, id, completions)? {
            return Ok(());
        }
        self.sync(ctx, id)
    }

    /// Completes Job `id` if it is done: `completions` pods succeeded, or, for a work
    /// queue, one succeeded and none is left active (whether the others succeeded or
    /// failed, as upstream). Returns whether it is complete.
    fn complete_if_done(
        &mut self,
        ctx: &mut Ctx,
        id: JobId,
        completions: Option<u32>,
    ) -> io::Result<bool> {
        let job = &mut self.jobs[id.index()];
        let complete = match completions {
            Some(c) => job.succeeded >= c,
            None => job.succeeded > 0 && job.active == 0,
        };
        if !complete || job.done {
            return Ok(false);
        }
        job.done = true;
        // A finished Job keeps no pod list: its pods are all terminal.
        job.pods = Vec::new();
        job.retry.clear();
        let (w, created) = (job.workload, job.created);
        ctx.rec.job_ended(w, true, created, ctx.now - created);
        let name = ctx.cluster.owners[job.owner as usize].name.clone();
        ctx.rec.object_event(ctx.now, "job_completed", &name, "")?;
        Ok(true)
    }

    /// A pod of Job `id` is being evicted, or failed because its container crashed
    /// (`restartPolicy: Never`): it no longer counts as active and, as upstream without a
    /// pod failure policy, counts as a failed pod; its work item is retried.
    pub fn pod_evicted(&mut self, ctx: &mut Ctx, id: JobId, pod: PodId) -> io::Result<()> {
        let job = &mut self.jobs[id.index()];
        if job.done {
            return Ok(());
        }
        job.active = job.active.saturating_sub(1);
        self.retry(ctx, id, pod);
        self.pod_failed(ctx, id)
    }

    /// Queues the work item of `pod` (its run time and saved progress) for the next pod
    /// Job `id` creates.
    fn retry(&mut self, ctx: &Ctx, id: JobId, pod: PodId) {
        let p = &ctx.cluster.pods[pod.index()];
        if let Some(total) = p.run_time {
            self.jobs[id.index()].retry.push_back((total, p.progress));
        }
    }

    /// A container of Job `id` restarted in place (`restartPolicy: OnFailure`). As
    /// upstream's `pastBackoffLimitOnFailure`, the Job fails once the restarts of its
    /// active pods add up to `backoffLimit` (any restart when it is 0).
    pub fn pod_restarted(&mut self, ctx: &mut Ctx, id: JobId) -> io::Result<()> {
        let job = &self.jobs[id.index()];
        let WorkloadKind::Job { backoff_limit, .. } =
            ctx.scenario.workloads[job.workload.index()].kind
        else {
            return Ok(());
        };
        if job.done {
            return Ok(());
        }
        let restarts: u64 = job
            .pods
            .iter()
            .map(|q| &ctx.cluster.pods[q.index()])
            .filter(|p| !p.phase.is_terminal() && !p.terminating)
            .map(|p| u64::from(p.restarts))
            .sum();
        if restarts >= u64::from(backoff_limit.max(1)) {
            return self.fail(ctx, id);
        }
        Ok(())
    }

    /// A pod of Job `id` failed (rejected by its node, crashed, evicted). Past
    /// `backoffLimit` failures the Job fails and its active pods are deleted; otherwise
    /// the replacement waits for the Job backoff.
    pub fn pod_failed(&mut self, ctx: &mut Ctx, id: JobId) -> io::Result<()> {
        let job = &mut self.jobs[id.index()];
        job.failed += 1;
        let WorkloadKind::Job {
            backoff_limit,
            completions,
            ..
        } = ctx.scenario.workloads[job.workload.index()].kind
        else {
            return Ok(());
        };
        if job.done {
            return Ok(());
        }
        if job.failed > backoff_limit {
            return self.fail(ctx, id);
        }
        if self.complete_if_done(ctx, id, completions)? {
            return Ok(());
        }
        let job = &mut self.jobs[id.index()];
        if !job.sync_pending {
            job.sync_pending = true;
            let delay = backoff(job.failed, JOB_BACKOFF_BASE, JOB_BACKOFF_CAP);
            ctx.queue
                .push(ctx.now.saturating_add(delay), Event::JobSync { job: id });
        }
        Ok(())
    }

    /// Job `id` reached its backoff limit: it fails and its active pods are deleted.
    fn fail(&mut self, ctx: &mut Ctx, id: JobId) -> io::Result<()> {
        let job = &mut self.jobs[id.index()];
        job.done = true;
        let (w, created) = (job.workload, job.created);
        job.active = 0;
        job.retry.clear();
        let victims = std::mem::take(&mut job.pods);
        let name = ctx.cluster.owners[job.owner as usize].name.clone();
        for p in victims {
            // Deleting a pod that already ended does nothing.
            kubelet::delete(ctx, p, PodReason::JobFailed, "BackoffLimitExceeded")?;
        }
        ctx.rec.job_ended(w, false, created, ctx.now - created);
        ctx.rec
            .object_event(ctx.now, "job_failed", &name, "BackoffLimitExceeded")
    }
}
