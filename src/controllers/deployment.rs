//! The Deployment controller and the ReplicaSets it owns, one per revision of the pod
//! template: rolling updates and Recreate, proportional scaling, the progress deadline,
//! rollbacks and revision history (`pkg/controller/deployment`), and each ReplicaSet's
//! pod creation and deletion (`pkg/controller/replicaset`). The arithmetic lives in
//! [`super::rollout`].

use super::rollout::{self, PodRank, Rolling, RsCounts, ScaledRs};
use super::{
    Ctx, SYNC_RETRY_BASE, SYNC_RETRY_CAP, backoff, crash_backoff, draw_pod, draw_requests, kubelet,
};
use crate::cluster::ids::{NodeId, PodId, WorkloadId};
use crate::cluster::pod::{PodPhase, PodReason};
use crate::engine::event::Event;
use crate::engine::rng::{StreamKey, fnv1a64};
use crate::engine::time::Nanos;
use crate::scenario::model::{RolloutSpec, Strategy};
use std::collections::BTreeMap;
use std::io;

/// One ReplicaSet: the pods of one version of the template.
#[derive(Debug)]
struct ReplicaSet {
    /// The pod version it runs (see [`crate::scenario::Scenario::version`]).
    version: u32,
    /// `deployment.kubernetes.io/revision`.
    revision: u32,
    /// `spec.replicas`.
    replicas: u32,
    /// `deployment.kubernetes.io/desired-replicas`: the Deployment's `replicas` when it
    /// last sized this set (a difference means the Deployment was scaled).
    desired: u32,
    /// `deployment.kubernetes.io/max-replicas`: `replicas + maxSurge` then.
    max_replicas: u32,
    /// Creation order.
    created: u64,
    /// Active pods: not terminating, not ended.
    pods: Vec<PodId>,
    /// `status.readyReplicas`.
    ready: u32,
    /// `status.availableReplicas`.
    available: u32,
    /// Available pods running on a node that is up.
    serving: u32,
}

impl ReplicaSet {
    fn counts(&self) -> RsCounts {
        RsCounts {
            replicas: self.replicas,
            available: self.available,
        }
    }
}

/// `DeploymentStatus`, as `deployments.csv` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// `spec.replicas`.
    pub desired: u32,
    /// `status.replicas`: active pods of every ReplicaSet.
    pub current: u32,
    /// `status.readyReplicas`.
    pub ready: u32,
    /// `status.availableReplicas`: Ready for at least `minReadySeconds`.
    pub available: u32,
    /// `status.updatedReplicas`: active pods of the new ReplicaSet.
    pub updated: u32,
    /// `status.unavailableReplicas`: the ReplicaSets' `spec.replicas` not available.
    pub unavailable: u32,
    /// `MaxUnavailable(d)` for the current `replicas`.
    pub max_unavailable: u32,
    /// Available pods that really serve: running on a node that is up. Kubernetes counts a
    /// dead node's pods as available until the node controller marks them not ready;
    /// the availability figures count only these.
    pub serving: u32,
}

/// The `Progressing` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Progress {
    /// `True` (`NewReplicaSetCreated`, `ReplicaSetUpdated`, …), last updated then.
    Since(Nanos),
    /// `True`, `NewReplicaSetAvailable`: the rollout is complete.
    Complete,
    /// `False`, `ProgressDeadlineExceeded`.
    TimedOut,
}

/// One Deployment's controller state.
#[derive(Debug)]
pub struct Deployment {
    workload: WorkloadId,
    owner: u32,
    /// Its row in the recorder's Deployment table.
    row: usize,
    spec: RolloutSpec,
    replicas: u32,
    /// The version its template is now.
    version: u32,
    /// Its ReplicaSets, oldest first.
    sets: Vec<ReplicaSet>,
    sets_created: u64,
    /// Pods deleted or evicted and still in their grace period, with their version.
    terminating: Vec<(PodId, u32)>,
    /// Pods the node refused at once (drives the replacement backoff).
    failures: u32,
    /// Pod creations a quota refused in a row (drives the requeue's rate limit).
    refusals: u32,
    /// No pod is created before then.
    retry_at: Nanos,
    /// Times of the queued syncs, so that requests at one instant make one sync.
    queued: Vec<Nanos>,
    /// When the queued progress-deadline check is due.
    deadline_check: Option<Nanos>,
    status: Status,
    progress: Option<Progress>,
    /// Whether a missed progress deadline rolls the current rollout back: only rollouts
    /// from `rollout` events are, not rollbacks themselves.
    rollback_armed: bool,
    /// Per-pod attributes come from `rng_at(ordinal)` of this stream.
    key: StreamKey,
}

impl Deployment {
    /// The controller of Deployment `workload` with `replicas` pods, owning them under
    /// `owner`, reporting in row `row` of the recorder's Deployment table.
    pub fn new(
        workload: WorkloadId,
        owner: u32,
        row: usize,
        replicas: u32,
        spec: RolloutSpec,
        key: StreamKey,
    ) -> Deployment {
        Deployment {
            workload,
            owner,
            row,
            spec,
            replicas,
            version: 0,
            sets: Vec::new(),
            sets_created: 0,
            terminating: Vec::new(),
            failures: 0,
            refusals: 0,
            retry_at: 0,
            queued: Vec::new(),
            deadline_check: None,
            status: Status::default(),
            progress: None,
            rollback_armed: false,
            key,
        }
    }

    /// The last status computed.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The revision of the ReplicaSet of the current template, once created.
    pub fn revision(&self) -> Option<u32> {
        self.sets
            .iter()
            .find(|s| s.version == self.version)
            .map(|s| s.revision)
    }

    /// Revisions of the ReplicaSets kept, oldest ReplicaSet first.
    pub fn revisions(&self) -> Vec<u32> {
        self.sets.iter().map(|s| s.revision).collect()
    }

    /// Asks for a sync at `t`; requests for an instant already queued add nothing.
    pub fn request(&mut self, ctx: &mut Ctx, t: Nanos) {
        if !self.queued.contains(&t) {
            self.queued.push(t);
            ctx.queue.push(
                t,
                Event::DeploymentSync {
                    workload: self.workload,
                },
            );
        }
    }

    /// A queued sync is due.
    pub fn queued_sync(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        let now = ctx.now;
        self.queued.retain(|&t| t != now);
        self.sync(ctx)
    }

    /// A `rollout` event: the template becomes `version`.
    pub fn roll_out(&mut self, ctx: &mut Ctx, version: u32) -> io::Result<()> {
        self.version = version;
        self.rollback_armed = true;
        self.new_set(ctx)?;
        self.request(ctx, ctx.now);
        Ok(())
    }

    /// `spec.replicas`.
    pub fn replicas(&self) -> u32 {
        self.replicas
    }

    /// The pods of every ReplicaSet that were active at the last sync (some may have
    /// ended or begun terminating since): the pods the Deployment's selector matches.
    pub fn pods(&self) -> impl Iterator<Item = PodId> + '_ {
        self.sets.iter().flat_map(|s| s.pods.iter().copied())
    }

    /// A `scale` event, or an HPA's decision.
    pub fn scale_to(&mut self, ctx: &mut Ctx, replicas: u32) {
        self.replicas = replicas;
        ctx.cluster.owners[self.owner as usize].desired = replicas;
        self.request(ctx, ctx.now);
    }

    /// `kubectl rollout undo [--to-revision]`: the template of the ReplicaSet with that
    /// revision (default the previous one) becomes the Deployment's. `why` goes to the
    /// `rollback` row of `events.csv`.
    pub fn roll_back(&mut self, ctx: &mut Ctx, to: Option<u32>, why: &str) -> io::Result<()> {
        let revision = match to {
            Some(r) => r,
            // LastRevision: the second highest revision.
            None => {
                let mut r: Vec<u32> = self.revisions();
                r.sort_unstable();
                r.iter().rev().nth(1).copied().unwrap_or(0)
            }
        };
        let name = &ctx.cluster.owners[self.owner as usize].name;
        let Some(set) = self.sets.iter().find(|s| s.revision == revision) else {
            let detail = match to {
                Some(r) => format!("revision {r} not found"),
                None => "no previous revision".to_string(),
            };
            return ctx
                .rec
                .object_event(ctx.now, "rollback_failed", name, &detail);
        };
        if set.version == self.version {
            let detail = format!("revision {revision} is the current template");
            return ctx
                .rec
                .object_event(ctx.now, "rollback_skipped", name, &detail);
        }
        self.version = set.version;
        self.rollback_armed = false;
        ctx.rec.rollbacks += 1;
        let detail = format!("to revision {revision}{why}");
        ctx.rec.object_event(ctx.now, "rollback", name, &detail)?;
        self.new_set(ctx)?;
        self.request(ctx, ctx.now);
        Ok(())
    }

    /// One pass of `syncDeployment`: a scaling step or one step of the rollout, then each
    /// ReplicaSet's pods brought to its size, then the status and conditions.
    pub fn sync(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        self.refresh(ctx);
        let new = self.new_set(ctx)?;
        let scaled = if self.scaling_event() {
            self.scale(ctx, new)?
        } else {
            match self.spec.strategy {
                Strategy::RollingUpdate { .. } => self.roll(ctx, new)?,
                Strategy::Recreate => self.recreate(ctx, new)?,
            }
        };
        self.reconcile_pods(ctx)?;
        self.refresh(ctx);
        self.sync_status(ctx, new)?;
        if !scaled {
            self.cleanup(ctx)?;
        }
        if scaled {
            // The ReplicaSets changed: the controller looks again, as their update
            // would make it do.
            self.request(ctx, ctx.now);
        }
        Ok(())
    }

    fn rolling(&self) -> Rolling {
        match self.spec.strategy {
            Strategy::RollingUpdate {
                max_surge,
                max_unavailable,
            } => Rolling::new(max_surge, max_unavailable, self.replicas),
            Strategy::Recreate => Rolling {
                replicas: self.replicas,
                surge: 0,
                max_unavailable: 0,
            },
        }
    }

    /// Drops ended and terminating pods from the ReplicaSets and counts their ready and
    /// available pods; asks for a sync when the next ready pod turns available.
    fn refresh(&mut self, ctx: &mut Ctx) {
        let (now, min_ready) = (ctx.now, self.spec.min_ready);
        let pods = &ctx.cluster.pods;
        let mut next_available: Option<Nanos> = None;
        let terminating = self.terminating.len();
        self.terminating
            .retain(|(p, _)| !pods[p.index()].phase.is_terminal());
        if self.refusals > 0 && self.terminating.len() < terminating {
            // One of its own pods is gone and gave its quota back: as the ReplicaSet
            // controller re-syncs at once on a pod deletion, creation is retried now
            // rather than at the end of the quota back-off.
            self.refusals = 0;
            self.retry_at = now;
        }
        for set in &mut self.sets {
            let version = set.version;
            let terminating = &mut self.terminating;
            set.pods.retain(|p| {
                let pod = &pods[p.index()];
                if pod.terminating && !pod.phase.is_terminal() {
                    terminating.push((*p, version));
                }
                !pod.terminating && !pod.phase.is_terminal()
            });
            let (mut ready, mut available, mut serving) = (0, 0, 0);
            for p in &set.pods {
                let pod = &pods[p.index()];
                if let Some(t) = pod.ready_since {
                    ready += 1;
                    let at = t.saturating_add(min_ready);
                    if at <= now {
                        available += 1;
                        let up = pod.node.is_some_and(|n| ctx.cluster.nodes.up[n.index()]);
                        serving += u32::from(up && pod.phase == PodPhase::Running);
                    } else {
                        next_available = Some(next_available.map_or(at, |n| n.min(at)));
                    }
                }
            }
            set.ready = ready;
            set.available = available;
            set.serving = serving;
        }
        if let Some(t) = next_available {
            self.request(ctx, t);
        }
    }

    /// The ReplicaSet of the current template (`getNewReplicaSet`): found and given the
    /// next revision if an older one is current, or created.
    fn new_set(&mut self, ctx: &mut Ctx) -> io::Result<usize> {
        let max_old = self
            .sets
            .iter()
            .filter(|s| s.version != self.version)
            .map(|s| s.revision)
            .max()
            .unwrap_or(0);
        let i = match self.sets.iter().position(|s| s.version == self.version) {
            Some(i) if self.sets[i].revision > max_old => return Ok(i),
            Some(i) => {
                self.sets[i].revision = max_old + 1;
                if self.progress.is_none() {
                    self.progress = Some(Progress::Since(ctx.now));
                }
                i
            }
            None => {
                let r = self.rolling();
                self.sets.push(ReplicaSet {
                    version: self.version,
                    revision: max_old + 1,
                    replicas: 0,
                    desired: self.replicas,
                    max_replicas: self.replicas + r.surge,
                    created: self.sets_created,
                    pods: Vec::new(),
                    ready: 0,
                    available: 0,
                    serving: 0,
                });
                self.sets_created += 1;
                self.progress = Some(Progress::Since(ctx.now));
                self.sets.len() - 1
            }
        };
        let revision = self.sets[i].revision;
        if revision > 1 {
            ctx.rec.rollouts += 1;
        }
        let name = &ctx.cluster.owners[self.owner as usize].name;
        ctx.rec.object_event(
            ctx.now,
            "rollout_started",
            name,
            &format!("revision {revision}"),
        )?;
        Ok(i)
    }

    /// Sets ReplicaSet `i` to `n` pods, noting the Deployment's size on it; whether its
    /// size changed.
    fn set_replicas(&mut self, ctx: &mut Ctx, i: usize, n: u32) -> io::Result<bool> {
        let surge = self.rolling().surge;
        let set = &mut self.sets[i];
        set.desired = self.replicas;
        set.max_replicas = self.replicas + surge;
        if set.replicas == n {
            return Ok(false);
        }
        let detail = format!("rs {}: {} → {}", set.revision, set.replicas, n);
        set.replicas = n;
        let name = &ctx.cluster.owners[self.owner as usize].name;
        ctx.rec
            .object_event(ctx.now, "replicaset_scaled", name, &detail)?;
        Ok(true)
    }

    /// `isScalingEvent`: an active ReplicaSet was sized for another `replicas`.
    fn scaling_event(&self) -> bool {
        self.sets
            .iter()
            .any(|s| s.replicas > 0 && s.desired != self.replicas)
    }

    /// `scale`: brings the ReplicaSets to a new `replicas`. One active set (or none: the
    /// new one) takes it all; a saturated new set leaves the old ones at zero; otherwise
    /// a rolling update spreads the change in proportion.
    fn scale(&mut self, ctx: &mut Ctx, new: usize) -> io::Result<bool> {
        let active: Vec<usize> = (0..self.sets.len())
            .filter(|&i| self.sets[i].replicas > 0)
            .collect();
        if active.len() <= 1 {
            let i = active.first().copied().unwrap_or(new);
            return self.set_replicas(ctx, i, self.replicas);
        }
        let n = &self.sets[new];
        let mut scaled = false;
        if n.replicas == self.replicas && n.desired == self.replicas && n.available == self.replicas
        {
            for i in active.into_iter().filter(|&i| i != new) {
                scaled |= self.set_replicas(ctx, i, 0)?;
            }
            return Ok(scaled);
        }
        if let Strategy::RollingUpdate { .. } = self.spec.strategy {
            let mut sizes: Vec<ScaledRs> = active
                .iter()
                .map(|&i| ScaledRs {
                    replicas: self.sets[i].replicas,
                    max_replicas: self.sets[i].max_replicas,
                    created: self.sets[i].created,
                })
                .collect();
            rollout::scale_proportionally(&mut sizes, self.replicas, self.rolling().surge);
            for (&i, s) in active.iter().zip(sizes) {
                scaled |= self.set_replicas(ctx, i, s.replicas)?;
            }
        }
        Ok(scaled)
    }

    /// One step of `rolloutRolling`: grow the new ReplicaSet, else shrink old ones.
    fn roll(&mut self, ctx: &mut Ctx, new: usize) -> io::Result<bool> {
        let d = self.rolling();
        let old: Vec<usize> = (0..self.sets.len()).filter(|&i| i != new).collect();
        let mut counts: Vec<RsCounts> = old.iter().map(|&i| self.sets[i].counts()).collect();
        let n = self.sets[new].counts();
        let target = rollout::reconcile_new(d, n, &counts);
        if self.set_replicas(ctx, new, target)? {
            return Ok(true);
        }
        if rollout::reconcile_old(d, n, &mut counts) > 0 {
            for (&i, c) in old.iter().zip(counts) {
                self.set_replicas(ctx, i, c.replicas)?;
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// One step of `rolloutRecreate`: old ReplicaSets to zero, then wait until none of
    /// their pods is left (terminating ones included), then the new one to `replicas`.
    fn recreate(&mut self, ctx: &mut Ctx, new: usize) -> io::Result<bool> {
        let mut scaled = false;
        for i in 0..self.sets.len() {
            if i != new && self.sets[i].replicas > 0 {
                scaled |= self.set_replicas(ctx, i, 0)?;
            }
        }
        if scaled {
            return Ok(true);
        }
        let version = self.sets[new].version;
        let old_left = self
            .sets
            .iter()
            .any(|s| s.version != version && !s.pods.is_empty())
            || self.terminating.iter().any(|&(_, v)| v != version);
        if old_left {
            return Ok(false);
        }
        if self.set_replicas(ctx, new, self.replicas)? {
            return Ok(true);
        }
        Ok(false)
    }

    /// `cleanupDeployment` once the rollout is complete and a sync moved nothing: old
    /// ReplicaSets beyond
    /// `revisionHistoryLimit` with no pods go, lowest revision first.
    fn cleanup(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        if self.progress != Some(Progress::Complete) {
            return Ok(());
        }
        let limit = self.spec.revision_history_limit as usize;
        let keep_version = self.version;
        let old = self.sets.len() - 1;
        if old <= limit {
            return Ok(());
        }
        let mut revisions: Vec<u32> = self
            .sets
            .iter()
            .filter(|s| s.version != keep_version)
            .map(|s| s.revision)
            .collect();
        revisions.sort_unstable();
        let name = &ctx.cluster.owners[self.owner as usize].name;
        for r in revisions.into_iter().take(old - limit) {
            if let Some(k) = self
                .sets
                .iter()
                .position(|s| s.revision == r && s.replicas == 0 && s.pods.is_empty())
            {
                self.sets.remove(k);
                ctx.rec.object_event(
                    ctx.now,
                    "replicaset_deleted",
                    name,
                    &format!("rs {r}: beyond revisionHistoryLimit"),
                )?;
            }
        }
        Ok(())
    }

    /// The ReplicaSet controller: each set creates or deletes pods to match its size.
    fn reconcile_pods(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        for i in 0..self.sets.len() {
            let (have, want) = (self.sets[i].pods.len(), self.sets[i].replicas as usize);
            if have > want {
                self.delete_pods(ctx, i, have - want)?;
            }
        }
        for i in 0..self.sets.len() {
            while self.sets[i].pods.len() < self.sets[i].replicas as usize {
                if ctx.now < self.retry_at || !self.create_pod(ctx, i)? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Creates one pod of ReplicaSet `i`; `false` if its node refused it at once, which
    /// holds creation back for the backoff (Kubernetes would retry at once; kubesim waits
    /// 10 s doubling to 5 min so that a node that keeps rejecting a pinned pod cannot make
    /// an endless storm at one instant).
    fn create_pod(&mut self, ctx: &mut Ctx, i: usize) -> io::Result<bool> {
        let w = ctx.scenario.version(self.workload, self.sets[i].version);
        let ordinal = ctx.cluster.owners[self.owner as usize].pods_created;
        let mut rng = self.key.rng_at(u64::from(ordinal));
        let requests = draw_requests(&w.requests, &mut rng);
        let draw = draw_pod(w, requests, &mut rng);
        let Some((pod, alive)) =
            ctx.create_pod_from(self.workload, w.template, self.owner, draw)?
        else {
            // A quota refused the pod: the sync failed and is requeued with the controller
            // workqueue's per-item rate limit.
            self.refusals += 1;
            let delay = backoff(self.refusals, SYNC_RETRY_BASE, SYNC_RETRY_CAP);
            self.retry_at = ctx.now.saturating_add(delay);
            self.request(ctx, self.retry_at);
            return Ok(false);
        };
        self.refusals = 0;
        if alive {
            self.sets[i].pods.push(pod);
            return Ok(true);
        }
        self.failures += 1;
        // The kubelet's CrashLoopBackOff curve, reused as kubesim's guard.
        let delay = backoff(self.failures, crash_backoff::INITIAL, crash_backoff::MAX);
        self.retry_at = ctx.now.saturating_add(delay);
        self.request(ctx, self.retry_at);
        Ok(false)
    }

    /// Deletes `n` pods of ReplicaSet `i`, the first ones in `ActivePodsWithRanks` order,
    /// ranked by the Deployment's active pods on their node.
    fn delete_pods(&mut self, ctx: &mut Ctx, i: usize, n: usize) -> io::Result<()> {
        let pods = &ctx.cluster.pods;
        let mut on_node: BTreeMap<Option<NodeId>, u32> = BTreeMap::new();
        for p in self.sets.iter().flat_map(|s| &s.pods) {
            *on_node.entry(pods[p.index()].node).or_default() += 1;
        }
        let mut name = String::new();
        let mut ranked: Vec<(PodRank, PodId)> = self.sets[i]
            .pods
            .iter()
            .map(|&p| {
                let pod = &pods[p.index()];
                name.clear();
                ctx.cluster.write_pod_name(p, &mut name);
                let rank = PodRank {
                    assigned: pod.node.is_some(),
                    // Kubernetes' phase: Running once the containers have started, even
                    // while they wait to restart; Pending before.
                    phase: if pod.phase == PodPhase::Running || pod.started.is_some() {
                        2
                    } else {
                        0
                    },
                    ready_since: pod.ready_since,
                    colocated: on_node.get(&pod.node).copied().unwrap_or(0),
                    restarts: pod.restarts,
                    created: pod.created,
                    tie: fnv1a64(name.as_bytes()),
                };
                (rank, p)
            })
            .collect();
        let now = ctx.now;
        ranked.sort_by(|a, b| rollout::delete_order(&a.0, &b.0, now).then(a.1.cmp(&b.1)));
        let version = self.sets[i].version;
        let detail = format!("scale-down of rs {}", self.sets[i].revision);
        for &(_, p) in ranked.iter().take(n) {
            if ctx.cluster.pods[p.index()].phase.on_node() {
                kubelet::terminate(ctx, p, PodReason::ScaledDown, "pod_terminating", &detail)?;
                self.terminating.push((p, version));
            } else {
                kubelet::delete(ctx, p, PodReason::ScaledDown, &detail)?;
            }
        }
        let gone: Vec<PodId> = ranked.iter().take(n).map(|&(_, p)| p).collect();
        self.sets[i].pods.retain(|p| !gone.contains(p));
        Ok(())
    }

    /// `syncRolloutStatus`: the status, and the `Progressing` condition moved on by
    /// completion, progress or the deadline.
    fn sync_status(&mut self, ctx: &mut Ctx, new: usize) -> io::Result<()> {
        let sum = |f: fn(&ReplicaSet) -> u32| self.sets.iter().map(f).sum::<u32>();
        let specified = sum(|s| s.replicas);
        let available = sum(|s| s.available);
        let status = Status {
            desired: self.replicas,
            current: sum(|s| s.pods.len() as u32),
            ready: sum(|s| s.ready),
            available,
            updated: self.sets[new].pods.len() as u32,
            unavailable: specified.saturating_sub(available),
            max_unavailable: self.rolling().max_unavailable,
            serving: sum(|s| s.serving),
        };
        let old = self.status;
        self.status = status;
        ctx.rec.deployment_status(self.row, status);
        let name = &ctx.cluster.owners[self.owner as usize].name;
        let complete_already =
            status.current == status.updated && self.progress == Some(Progress::Complete);
        if complete_already {
            return Ok(());
        }
        let complete = status.updated == self.replicas
            && status.current == self.replicas
            && status.available == self.replicas;
        // DeploymentProgressing: more updated or fewer old pods, more ready or available.
        let progressing = status.updated > old.updated
            || status.current - status.updated < old.current - old.updated
            || status.ready > old.ready
            || status.available > old.available;
        if complete {
            if self.progress != Some(Progress::Complete) {
                self.progress = Some(Progress::Complete);
                let detail = format!("revision {}", self.sets[new].revision);
                ctx.rec
                    .object_event(ctx.now, "rollout_complete", name, &detail)?;
            }
        } else if progressing {
            self.progress = Some(Progress::Since(ctx.now));
        } else if let Some(Progress::Since(t)) = self.progress {
            // Kubernetes checks a moment after the deadline; kubesim at the deadline.
            if ctx.now >= t.saturating_add(self.spec.progress_deadline) {
                self.progress = Some(Progress::TimedOut);
                let detail = format!("revision {}", self.sets[new].revision);
                ctx.rec
                    .object_event(ctx.now, "progress_deadline_exceeded", name, &detail)?;
                if self.spec.rollback_on_deadline && self.rollback_armed {
                    return self.roll_back(ctx, None, " (progress deadline exceeded)");
                }
            }
        }
        if let Some(Progress::Since(t)) = self.progress {
            // One check queued at a time: progress only moves the deadline later, and a
            // check that finds it moved queues the next.
            if self.deadline_check.is_none_or(|d| d <= ctx.now) {
                let at = t.saturating_add(self.spec.progress_deadline);
                self.deadline_check = Some(at);
                self.request(ctx, at);
            }
        }
        Ok(())
    }
}
