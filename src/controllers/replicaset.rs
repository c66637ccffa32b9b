//! The ReplicaSet controller behind a Deployment: keeps `replicas` pods alive.

use super::{Ctx, SYNC_RETRY_BASE, SYNC_RETRY_CAP, backoff, draw_pod, draw_requests};
use crate::cluster::ids::WorkloadId;
use crate::engine::event::Event;
use crate::engine::rng::StreamKey;
use crate::engine::time::{NANOS_PER_SEC, Nanos};
use std::io;

/// First delay before replacing pods that failed (the kubelet's CrashLoopBackOff base).
const REPLACE_BACKOFF_BASE: Nanos = 10 * NANOS_PER_SEC;
/// Longest delay before replacing failed pods (the CrashLoopBackOff cap).
const REPLACE_BACKOFF_CAP: Nanos = 300 * NANOS_PER_SEC;

/// One Deployment's controller state.
#[derive(Debug)]
pub struct ReplicaSet {
    workload: WorkloadId,
    owner: u32,
    replicas: u32,
    /// Pods not yet terminal.
    active: u32,
    /// Pods that failed so far (drives the replacement backoff).
    failures: u32,
    /// Syncs a quota refused in a row (drives the requeue's rate limit).
    refusals: u32,
    sync_pending: bool,
    /// Per-pod attributes come from `rng_at(ordinal)` of this stream.
    key: StreamKey,
}

impl ReplicaSet {
    /// The controller of Deployment `workload`, owning pods under `owner`.
    pub fn new(workload: WorkloadId, owner: u32, replicas: u32, key: StreamKey) -> ReplicaSet {
        ReplicaSet {
            workload,
            owner,
            replicas,
            active: 0,
            failures: 0,
            refusals: 0,
            sync_pending: false,
            key,
        }
    }

    /// Creates pods until `replicas` are active. Pods the node rejects at once count as
    /// failures and are replaced after a backoff.
    pub fn sync(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        self.sync_pending = false;
        let w = &ctx.scenario.workloads[self.workload.index()];
        while self.active < self.replicas {
            let ordinal = ctx.cluster.owners[self.owner as usize].pods_created;
            let mut rng = self.key.rng_at(u64::from(ordinal));
            let requests = draw_requests(&w.requests, &mut rng);
            let draw = draw_pod(w, requests, &mut rng);
            let Some((_, alive)) = ctx.create_pod(self.workload, self.owner, draw)? else {
                self.quota_refused(ctx);
                return Ok(());
            };
            if alive {
                self.active += 1;
            } else {
                // Try again after the backoff rather than hammer the node now.
                self.pod_failed(ctx);
                break;
            }
        }
        self.refusals = 0;
        Ok(())
    }

    /// A quota refused a pod: the sync failed and is requeued with the controller
    /// workqueue's per-item rate limit.
    fn quota_refused(&mut self, ctx: &mut Ctx) {
        self.refusals += 1;
        if !self.sync_pending {
            self.sync_pending = true;
            let delay = backoff(self.refusals, SYNC_RETRY_BASE, SYNC_RETRY_CAP);
            ctx.queue.push(
                ctx.now.saturating_add(delay),
                Event::ReplicaSetSync {
                    workload: self.workload,
                },
            );
        }
    }

    /// One of its pods is being evicted: it no longer counts, and a replacement is
    /// created at once (an eviction is not the pod's failure, so no backoff).
    pub fn pod_evicted(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        self.active = self.active.saturating_sub(1);
        if self.sync_pending {
            return Ok(());
        }
        self.sync(ctx)
    }

    /// One of its pods failed: replace it after the backoff. Kubernetes would recreate it
    /// at once; kubesim waits 10 s doubling to 5 min so that a node that keeps rejecting a
    /// pinned pod cannot make an endless storm at one instant.
    pub fn pod_failed(&mut self, ctx: &mut Ctx) {
        self.failures += 1;
        if !self.sync_pending {
            self.sync_pending = true;
            let delay = backoff(self.failures, REPLACE_BACKOFF_BASE, REPLACE_BACKOFF_CAP);
            ctx.queue.push(
                ctx.now.saturating_add(delay),
                Event::ReplicaSetSync {
                    workload: self.workload,
                },
            );
        }
    }
}
