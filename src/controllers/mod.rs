//! Controllers: the kubelet's pod lifecycle and container crashes, the node lifecycle
//! controller and node faults, the Deployment controller with its ReplicaSets, and the Job
//! controller with its arrival streams. They act on shared state through a [`Ctx`] and
//! talk to the scheduler through its [`Inbox`], never to each other directly.

pub mod actions;
pub mod crash;
pub mod crash_backoff;
pub mod deployment;
pub mod drain;
pub mod job;
pub mod kubelet;
pub mod node_faults;
pub mod node_lifecycle;
pub mod rollout;

use crate::cluster::ClusterState;
use crate::cluster::ids::{NodeId, PodId, WorkloadId};
use crate::cluster::quota::ObjectKind;
use crate::cluster::resources::{CPU, MEMORY, Resources};
use crate::engine::dist::Distribution;
use crate::engine::queue::EventQueue;
use crate::engine::rng::StreamRng;
use crate::engine::time::{Nanos, secs_to_nanos};
use crate::metrics::recorder::Recorder;
use crate::scenario::Scenario;
use crate::scenario::model::{RequestModel, Workload};
use std::io;

/// Work handed to the scheduler by the event just handled.
#[derive(Debug, Default)]
pub struct Inbox {
    /// Pods created Pending, to enqueue.
    pub new_pods: Vec<PodId>,
    /// Nodes that gained room.
    pub freed: Vec<NodeId>,
    /// Whether nodes joined the cluster (every waiting pod may now fit somewhere).
    pub nodes_added: bool,
    /// What the owning controllers of pods must hear, oldest first.
    pub notices: Vec<OwnerNotice>,
}

/// News about a pod for the controller that owns it. Components that are not the owner
/// (the scheduler's preemption, drains, the node lifecycle controller) leave these in the
/// [`Inbox`]; the simulation hands them to the owner once the event's own work is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerNotice {
    /// The pod was evicted (it terminates or is gone): its controller stops counting it
    /// and replaces it.
    Evicted(PodId),
    /// The pod's readiness changed.
    Changed(PodId),
}

/// What a handler may touch.
pub struct Ctx<'a> {
    /// Current simulated time.
    pub now: Nanos,
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Shared cluster state.
    pub cluster: &'a mut ClusterState,
    /// Future events.
    pub queue: &'a mut EventQueue,
    /// Metrics.
    pub rec: &'a mut Recorder,
    /// Notes for the scheduler.
    pub inbox: &'a mut Inbox,
}

/// The random attributes of one pod, drawn when it is created (DESIGN §3).
#[derive(Clone, Copy, Debug)]
pub struct PodDraw {
    /// Requests.
    pub requests: Resources,
    /// Cpu and memory with scoring defaults.
    pub nonzero: [i64; 2],
    /// Usage while running.
    pub usage: Resources,
    /// Bound → Running delay.
    pub startup_delay: Nanos,
    /// Run time, for Job pods.
    pub run_time: Option<Nanos>,
}

/// Draws a request vector from a workload's request model: once per Job, or the fixed
/// template requests.
pub fn draw_requests(model: &RequestModel, rng: &mut StreamRng) -> (Resources, [i64; 2]) {
    match model {
        RequestModel::Fixed { requests, nonzero } => (*requests, *nonzero),
        RequestModel::PerResource {
            base,
            base_nonzero,
            draws,
            overhead,
        } => per_resource((*base, *base_nonzero), draws, overhead, |d| d.sample(rng)),
        RequestModel::Choice { options, pick } => {
            let i = (pick.sample(rng) as usize).min(options.len() - 1);
            options[i]
        }
    }
}

/// A per-resource request vector: `base` with each drawn slot set from `value` of its
/// distribution (a sample, or for `kubesim explain` the mean).
pub fn per_resource(
    (base, base_nonzero): (Resources, [i64; 2]),
    draws: &[(usize, Distribution)],
    overhead: &Resources,
    mut value: impl FnMut(&Distribution) -> f64,
) -> (Resources, [i64; 2]) {
    let (mut r, mut nz) = (base, base_nonzero);
    for (slot, d) in draws {
        set_drawn(&mut r, &mut nz, *slot, value(d), overhead);
    }
    (r, nz)
}

/// Sets slot `slot` of a drawn request vector `r` (and its scoring copy `nz`) from the
/// drawn value `x` (cores for cpu, base units otherwise) plus the pod overhead.
fn set_drawn(r: &mut Resources, nz: &mut [i64; 2], slot: usize, x: f64, overhead: &Resources) {
    // Kubernetes rounds quantities up: to a millicore for cpu, a unit otherwise.
    let v = if slot == CPU {
        (x * 1000.0).ceil()
    } else {
        x.ceil()
    };
    let max = crate::scenario::limits::MAX_RESOURCE_AMOUNT;
    let v = (v.min(max as f64) as i64 + overhead.0[slot]).min(max);
    r.0[slot] = v;
    match slot {
        CPU => nz[0] = v,
        MEMORY => nz[1] = v,
        _ => {}
    }
}

/// Draws a pod's per-pod attributes (start-up delay, run time, usage) from `rng`.
pub fn draw_pod(w: &Workload, requests: (Resources, [i64; 2]), rng: &mut StreamRng) -> PodDraw {
    let startup_delay = secs_to_nanos(w.startup_delay.sample(rng));
    let run_time = w.run_time.as_ref().map(|d| secs_to_nanos(d.sample(rng)));
    let mut usage = requests.0;
    for (slot, d) in &w.usage {
        let f = d
            .sample(rng)
            .min(crate::scenario::limits::MAX_USAGE_FRACTION);
        usage.0[*slot] = (requests.0.0[*slot] as f64 * f).ceil() as i64;
    }
    PodDraw {
        requests: requests.0,
        nonzero: requests.1,
        usage,
        startup_delay,
        run_time,
    }
}

impl Ctx<'_> {
    /// Creates a pod for workload `w` under `owner`. A pod pinned by `nodeName` goes
    /// straight to that node's kubelet; others wait for the scheduler. Returns the pod and
    /// whether it is still alive (a pinned pod may be rejected at once), or `None` when a
    /// ResourceQuota of its namespace refuses it: the caller retries later, as a
    /// controller's failed sync is requeued.
    pub fn create_pod(
        &mut self,
        w: WorkloadId,
        owner: u32,
        draw: PodDraw,
    ) -> io::Result<Option<(PodId, bool)>> {
        let template = self.scenario.workloads[w.index()].template;
        self.create_pod_from(w, template, owner, draw)
    }

    /// [`Ctx::create_pod`] from pod template `template` (a version of the workload's).
    pub fn create_pod_from(
        &mut self,
        w: WorkloadId,
        template: u32,
        owner: u32,
        draw: PodDraw,
    ) -> io::Result<Option<(PodId, bool)>> {
        if !self.scenario.quotas.is_empty() {
            let c = &mut *self.cluster;
            let admitted = c.quota_usage.admit_pod(
                &self.scenario.quotas,
                &c.pods,
                &self.scenario.pod_limits,
                template,
                &draw.requests,
            );
            if let Err(message) = admitted {
                let name = &self.cluster.owners[owner as usize].name;
                self.rec
                    .quota_rejected(&self.scenario.templates[template as usize].namespace);
                self.rec
                    .object_event(self.now, "pod_rejected_quota", name, &message)?;
                return Ok(None);
            }
        }
        let pod = self.cluster.create_pod(
            crate::cluster::NewPod {
                owner,
                workload: w,
                template,
                requests: draw.requests,
                nonzero_requests: draw.nonzero,
                usage: draw.usage,
                startup_delay: draw.startup_delay,
                run_time: draw.run_time,
            },
            self.now,
        );
        if !self.scenario.quotas.is_empty() {
            self.cluster
                .quota_usage
                .pod_created(&self.scenario.quotas, template, pod);
        }
        self.rec.pod_created(w);
        self.rec
            .pod_event(self.now, "pod_created", self.cluster, pod, "")?;
        match self.scenario.templates[template as usize].node_name {
            Some(node) => {
                let alive = kubelet::admit_pinned(self, pod, node)?;
                Ok(Some((pod, alive)))
            }
            None => {
                self.inbox.new_pods.push(pod);
                Ok(Some((pod, true)))
            }
        }
    }

    /// Admits a Deployment or Job of workload `w` named `name` through the quotas of its
    /// namespace: `false` (counted, with an `events.csv` row) when one refuses it.
    pub fn admit_object(
        &mut self,
        w: WorkloadId,
        name: &str,
        kind: ObjectKind,
    ) -> io::Result<bool> {
        let template = self.scenario.workloads[w.index()].template;
        let admitted = self
            .cluster
            .quota_usage
            .admit_object(&self.scenario.quotas, template, kind);
        let Err(message) = admitted else {
            return Ok(true);
        };
        self.rec
            .quota_rejected(&self.scenario.templates[template as usize].namespace);
        let what = match kind {
            ObjectKind::Deployment => "deployment_rejected_quota",
            ObjectKind::Job => "job_rejected_quota",
        };
        self.rec.object_event(self.now, what, name, &message)?;
        Ok(false)
    }
}

/// First delay of a controller's requeue after a failed sync (client-go's workqueue
/// `DefaultControllerRateLimiter`: 5 ms doubling per failure of the item…
pub const SYNC_RETRY_BASE: Nanos = 5_000_000;
/// …up to 1000 s).
pub const SYNC_RETRY_CAP: Nanos = 1000 * crate::engine::time::NANOS_PER_SEC;

/// Exponential backoff `base · 2^(n−1)`, capped: the delay before the `n`-th retry.
pub fn backoff(n: u32, base: Nanos, cap: Nanos) -> Nanos {
    let shift = n.saturating_sub(1).min(32);
    base.saturating_mul(1u64 << shift).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::NANOS_PER_SEC as S;

    #[test]
    fn backoff_doubles_to_the_cap() {
        let got: Vec<u64> = (1..=8).map(|n| backoff(n, 10 * S, 360 * S) / S).collect();
        // Kubernetes' Job pod-failure backoff: 10s, 20s, 40s, … capped at six minutes.
        assert_eq!(got, vec![10, 20, 40, 80, 160, 320, 360, 360]);
        assert_eq!(backoff(1000, 10 * S, 300 * S), 300 * S);
    }
}
