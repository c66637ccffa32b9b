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
    /// A Deployment's controller looks again: something changed at this instant, a pod
    /// turns available, a backoff or the progress deadline expires.
    DeploymentSync {
        /// The Deployment.
        workload: WorkloadId,
    },
    /// A Job's pod-failure backoff expired: create the pods it still needs.
    JobSync {
        /// The Job.
        job: JobId,
    },
    /// A running pod's container crashes.
    ContainerCrashed {
        /// The pod.
        pod: PodId,
        /// The pod's generation when this was scheduled.
        generation: u32,
    },
    /// A crashed container's CrashLoopBackOff is over: the kubelet restarts it.
    ContainerRestart {
        /// The pod.
        pod: PodId,
        /// The pod's generation when this was scheduled.
        generation: u32,
    },
    /// A started pod's readiness probe first succeeds: the pod turns Ready.
    PodReady {
        /// The pod.
        pod: PodId,
        /// The pod's generation when this was scheduled.
        generation: u32,
    },
    /// An entry of the scenario's `events:` happens.
    Action {
        /// Its index in `Scenario::actions`.
        index: u32,
    },
    /// A node's machine fails (its pool's `timeToFailure` ran out).
    NodeFailure {
        /// The node.
        node: NodeId,
        /// The node's up/down epoch when this was scheduled.
        epoch: u32,
    },
    /// A failed node's machine is repaired.
    NodeRepair {
        /// The node.
        node: NodeId,
        /// The node's up/down epoch when this was scheduled.
        epoch: u32,
    },
    /// A node monitor tick at which a silent node's grace period has run out.
    NodeMonitor,
    /// A zone's NoExecute tainter may take the next node off its queue.
    TaintPass {
        /// Zone index (the zone count stands for nodes without a zone).
        zone: u16,
    },
    /// A pod's toleration of its node's NoExecute taints runs out.
    TaintEviction {
        /// The pod.
        pod: PodId,
        /// The pod's generation when this was scheduled.
        generation: u32,
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
    /// The next external request of an entry Service arrives.
    RequestArrival {
        /// The Service (index into `Scenario::services`).
        service: u16,
    },
    /// A request's own work on its pod is done.
    RequestDone {
        /// The request (its slot in the request arena).
        request: u32,
        /// The slot's generation when this was scheduled.
        generation: u32,
    },
    /// A request's caller gives up waiting.
    RequestTimeout {
        /// The request.
        request: u32,
        /// The slot's generation when this was scheduled.
        generation: u32,
    },
    /// Endpoint changes of a Service reach its load balancer.
    EndpointsSync {
        /// The Service.
        service: u16,
    },
    /// metrics-server scrapes the pods of the workloads autoscaled or given a CPU load.
    MetricsScrape,
    /// An HPA's sync period is over: it reconciles its Deployment's replicas.
    HpaSync {
        /// The HPA (index into `Scenario::hpas`).
        hpa: u16,
    },
    /// The cluster autoscaler's scan interval is over.
    AutoscalerScan,
    /// A node the cluster autoscaler asked for is ready to join.
    NodeProvisioned {
        /// The request (index into the autoscaler's provisioning log).
        request: u32,
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
