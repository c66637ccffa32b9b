//! The events the loop dispatches: small, `Copy`, ids and numbers only (DESIGN §9).

use crate::cluster::ids::{JobId, NodeId, PodId, PoolId, WorkloadId};

/// Something that happens at one instant of simulated time.
///
/// Events that can be overtaken (a pod's start after it was deleted, say) carry the
/// generation of their target and are dropped at pop when it no longer matches, instead of
/// being searched for and removed from the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A workload appears (a Deployment is created, a one-off Job is submitted).
    WorkloadStart {
        /// The workload.
        workload: WorkloadId,
    },
    /// A node pool's nodes join the cluster.
    PoolAdded {
        /// The pool.
        pool: PoolId,
    },
    /// The next job of a job stream arrives.
    JobArrival {
        /// The job stream.
        workload: WorkloadId,
    },
    /// The scheduler takes pods off its active queue and binds them.
    ScheduleCycle,
    /// Pods' scheduling backoff expired, or pods waited in the unschedulable pool long
    /// enough to be retried anyway.
    SchedulerWake,
    /// A deleted pod's termination grace period is over: it leaves its node.
    PodTerminated {
        /// The pod.
        pod: PodId,
        /// The pod's generation when this was scheduled.
        generation: u32,
    },
    /// A bound pod's containers are up: the pod turns Running.
    PodStarted {
        /// The pod.
        pod: PodId,
        /// The pod's generation when this was scheduled.
        generation: u32,
    },
    /// A running pod's work is done: the pod turns Succeeded.
    PodCompleted {
        /// The pod.
        pod: PodId,
        /// The pod's generation when this was scheduled.
        generation: u32,
    },
    /// A ReplicaSet's replacement backoff expired: bring the pod count back to the target.
    ReplicaSetSync {
        /// The Deployment.
        workload: WorkloadId,
    },
    /// A Job's pod-failure backoff expired: create the pods it still needs.
    JobSync {
        /// The Job.
        job: JobId,
    },
    /// An entry of the scenario's `events:` happens.
    Action {
        /// Its index in `Scenario::actions`.
        index: u32,
    },
    /// A drain retries the evictions of a node's pods that their budgets refused.
    DrainRetry {
        /// The node being drained.
        node: NodeId,
    },
    /// A drained node's maintenance window is over: it is uncordoned.
    DrainUncordon {
        /// The node.
        node: NodeId,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_stays_small() {
        // The queue stores events by value; keep them within two words.
        assert!(std::mem::size_of::<Event>() <= 12);
    }
}
