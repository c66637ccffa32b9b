//! Pods: the arena entries and their lifecycle phases.

use super::ids::{NodeId, WorkloadId};
use super::resources::Resources;
use super::taints::Toleration;
use crate::engine::time::Nanos;

/// Where a pod is in its life. Every pod is in exactly one phase; the counts of all phases
/// add up to the pods created.
///
/// Kubernetes reports `Pending` both before and after binding; kubesim splits the two
/// (`Pending` = waiting for the scheduler, `Bound` = on a node, containers starting) because
/// scheduling delay and start-up delay are different questions. `Deleted` holds pods removed
/// before they finished (Kubernetes forgets them; a simulator must still count them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodPhase {
    /// Not yet bound to a node.
    Pending,
    /// Bound to a node, containers not running: starting, waiting to restart after a
    /// crash, or stopped because the node is down.
    Bound,
    /// Containers running.
    Running,
    /// Ran to completion.
    Succeeded,
    /// Failed (rejected by the node, or its work failed).
    Failed,
    /// Deleted before it finished.
    Deleted,
}

impl PodPhase {
    /// Every phase, in lifecycle order.
    pub const ALL: [PodPhase; 6] = [
        PodPhase::Pending,
        PodPhase::Bound,
        PodPhase::Running,
        PodPhase::Succeeded,
        PodPhase::Failed,
        PodPhase::Deleted,
    ];

    /// The name used in output files.
    pub fn as_str(self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Bound => "Bound",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
            PodPhase::Deleted => "Deleted",
        }
    }

    /// Whether the pod holds resources on a node in this phase.
    pub fn on_node(self) -> bool {
        matches!(self, PodPhase::Bound | PodPhase::Running)
    }

    /// Whether the phase is final.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            PodPhase::Succeeded | PodPhase::Failed | PodPhase::Deleted
        )
    }
}

/// Kubernetes' restart policy: what the kubelet does when a container crashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartPolicy {
    /// Restart containers whatever their exit (the only policy a Deployment allows).
    Always,
    /// Restart containers that fail.
    OnFailure,
    /// Never restart.
    Never,
}

/// What a workload's pods share: the scheduling-relevant part of its pod template.
#[derive(Clone, Debug)]
pub struct PodTemplate {
    /// Pod labels, sorted by key.
    pub labels: Vec<(String, String)>,
    /// `nodeSelector`, sorted by key.
    pub node_selector: Vec<(String, String)>,
    /// Tolerations.
    pub tolerations: Vec<Toleration>,
    /// Resolved priority (from `priorityClassName` or `priority`).
    pub priority: i32,
    /// Restart policy.
    pub restart_policy: RestartPolicy,
    /// `nodeName`: binds pods to this node without the scheduler.
    pub node_name: Option<NodeId>,
    /// Namespace.
    pub namespace: String,
    /// `affinity`.
    pub affinity: super::selectors::Affinity,
    /// `topologySpreadConstraints`.
    pub spread: Vec<super::selectors::SpreadConstraint>,
    /// Host ports of its containers, sorted.
    pub host_ports: Vec<super::selectors::HostPort>,
    /// `schedulerName`: the profile that schedules it.
    pub scheduler_name: String,
    /// Whether it may preempt lower-priority pods (from its priority class).
    pub preemption_policy: PreemptionPolicy,
    /// `terminationGracePeriodSeconds`: how long a deleted pod keeps its node.
    pub termination_grace: Nanos,
}

/// `preemptionPolicy` of a pod's priority class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreemptionPolicy {
    /// May evict lower-priority pods to make room (the default).
    #[default]
    PreemptLowerPriority,
    /// Waits for room instead.
    Never,
}

/// Why a pod ended the way it did (the `reason` column of `pods.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodReason {
    /// The kubelet refused a pod pinned by `nodeName` for lack of room, reported as
    /// `OutOfpods`, `OutOfcpu`, `OutOfmemory`, …
    OutOf(super::node::Lack),
    /// The kubelet refused a pinned pod whose `nodeSelector` the node does not match.
    NodeAffinity,
    /// The kubelet refused a pinned pod that does not tolerate a NoExecute taint.
    TaintToleration,
    /// The pod's work finished.
    Completed,
    /// Its Job failed (backoffLimit exceeded) and active pods were removed.
    JobFailed,
    /// The scheduler evicted it to make room for a higher-priority pod.
    Preempted,
    /// Evicted through the eviction API (a drain).
    Evicted,
    /// Its container crashed and its `restartPolicy` is `Never`.
    Error,
    /// Its node came back after a failure without its containers, and its
    /// `restartPolicy` is `Never`.
    ContainerStatusUnknown,
    /// The kubelet refused a pinned pod: its node is down.
    NodeLost,
    /// Deleted by the taint manager: its node's NoExecute taint was not tolerated, or no
    /// longer (`tolerationSeconds` ran out).
    DeletionByTaintManager,
    /// Deleted by its ReplicaSet, which was scaled down.
    ScaledDown,
}

impl PodReason {
    /// The reason as Kubernetes reports it.
    pub fn name(self, resources: &super::resources::ResourceNames) -> String {
        match self {
            PodReason::OutOf(super::node::Lack::Pods) => "OutOfpods".into(),
            PodReason::OutOf(super::node::Lack::Resource(r)) => {
                format!("OutOf{}", resources.name(r))
            }
            PodReason::NodeAffinity => "NodeAffinity".into(),
            PodReason::TaintToleration => "TaintToleration".into(),
            PodReason::Completed => "Completed".into(),
            PodReason::JobFailed => "BackoffLimitExceeded".into(),
            PodReason::Preempted => "PreemptionByScheduler".into(),
            PodReason::Evicted => "Evicted".into(),
            PodReason::Error => "Error".into(),
            PodReason::ContainerStatusUnknown => "ContainerStatusUnknown".into(),
            PodReason::DeletionByTaintManager => "DeletionByTaintManager".into(),
            PodReason::ScaledDown => "ScaledDown".into(),
            PodReason::NodeLost => "NodeLost".into(),
        }
    }
}

/// One pod.
#[derive(Clone, Debug)]
pub struct Pod {
    /// Owner index into the cluster's owner table; the pod is named `<owner>-<ordinal>`.
    pub owner: u32,
    /// Creation order within the owner.
    pub ordinal: u32,
    /// Scheduling attempts so far.
    pub attempts: u32,
    /// The workload that created it.
    pub workload: WorkloadId,
    /// The template it was made from.
    pub template: u32,
    /// Resource requests (Kubernetes' effective pod request).
    pub requests: Resources,
    /// Requested cpu and memory with the scheduler's non-zero defaults.
    pub nonzero_requests: [i64; 2],
    /// What the pod consumes while running.
    pub usage: Resources,
    /// Scheduling priority.
    pub priority: i32,
    /// Current phase.
    pub phase: PodPhase,
    /// Why it ended, once it has.
    pub reason: Option<PodReason>,
    /// Node it is or was bound to.
    pub node: Option<NodeId>,
    /// When it was created.
    pub created: Nanos,
    /// When it was bound.
    pub bound: Option<Nanos>,
    /// When it first turned Running (`status.startTime`; restarts leave it).
    pub started: Option<Nanos>,
    /// When it ended.
    pub finished: Option<Nanos>,
    /// Time from Bound to Running.
    pub startup_delay: Nanos,
    /// How long it runs once Running; `None` for long-running pods.
    pub run_time: Option<Nanos>,
    /// Bumped when the pod changes in a way that voids its scheduled events.
    pub generation: u32,
    /// The node a preemption made room on (`status.nominatedNodeName`).
    pub nominated_node: Option<NodeId>,
    /// Deleted and in its termination grace period: still on its node, no longer counted
    /// by its controller.
    pub terminating: bool,
    /// Since when its `Ready` condition holds; `None` while not ready.
    pub ready_since: Option<Nanos>,
    /// Container restarts so far (`restartCount`).
    pub restarts: u32,
    /// When its containers last started (a restart included).
    pub last_start: Nanos,
    /// Work saved by checkpoints (a Job's pod resumes from it): its containers run
    /// `run_time − progress` more.
    pub progress: Nanos,
    /// The kubelet's CrashLoopBackOff entry for its container.
    pub crash_backoff: crate::controllers::crash_backoff::CrashBackoff,
}
