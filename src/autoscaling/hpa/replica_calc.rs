//! Upstream's replica calculator (`pkg/controller/podautoscaler/replica_calculator.go`):
//! the replicas one metric proposes, from the pods' samples.

use crate::engine::time::Nanos;

/// A pod's phase as the calculator sorts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalcPhase {
    /// Not running yet (counted as unready, never as having a metric).
    Pending,
    /// Running.
    Running,
    /// Failed (left out altogether).
    Failed,
}

/// A pod's Ready condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyCondition {
    /// `status == True`.
    pub ready: bool,
    /// `lastTransitionTime`.
    pub last_transition: Nanos,
}

/// One metrics sample of a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The value: millicores for CPU, milli-units for a Pods metric.
    pub value: i64,
    /// When the window it averages over ends.
    pub timestamp: Nanos,
    /// The window's length.
    pub window: Nanos,
}

/// What the calculator knows of one pod the HPA's selector matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodInfo {
    /// Its phase.
    pub phase: CalcPhase,
    /// Whether it has a deletion timestamp (left out altogether).
    pub deleting: bool,
    /// Its Ready condition, if it has one.
    pub ready: Option<ReadyCondition>,
    /// `status.startTime`, if set.
    pub start_time: Option<Nanos>,
    /// Its CPU request in millicores (the sum over its containers); `None` if a container
    /// has none.
    pub request: Option<i64>,
    /// Its sample, if metrics-server has one.
    pub metric: Option<Sample>,
}

/// The controller settings the calculator reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalcParams {
    /// `--horizontal-pod-autoscaler-tolerance`.
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`.
    pub cpu_initialization_period: Nanos,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`.
    pub initial_readiness_delay: Nanos,
    /// The time of the sync.
    pub now: Nanos,
}

/// Why a metric proposes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CalcError {
    /// No pod has a sample (upstream: "no metrics returned from resource metrics API" /
    /// "did not receive metrics for targeted pods").
    NoMetrics,
    /// A pod has no CPU request: utilization cannot be computed.
    MissingRequest,
    /// No pods match the selector.
    NoPods,
}

/// What one metric proposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The replicas.
    pub replicas: u32,
    /// `currentUtilization` in whole percent (`Utilization` targets), else the average
    /// value per pod in milli-units, as upstream reports it in the HPA's status.
    pub current: i64,
}

/// Resource metric, `target.type: Utilization` (GetResourceReplicas): `target` in whole
/// percent.
pub fn utilization_replicas(
    current: u32,
    target: i32,
    pods: &[PodInfo],
    p: &CalcParams,
) -> Result<Proposal, CalcError> {
    let _ = (current, target, pods, p);
    Err(CalcError::NoMetrics)
}

/// Resource metric, `target.type: AverageValue` (GetRawResourceReplicas): `target` in
/// millicores per pod.
pub fn average_value_replicas(
    current: u32,
    target: i64,
    pods: &[PodInfo],
    p: &CalcParams,
) -> Result<Proposal, CalcError> {
    let _ = (current, target, pods, p);
    Err(CalcError::NoMetrics)
}

/// Pods metric (GetMetricReplicas, e.g. requests per second): `target` milli-units per
/// pod.
pub fn pods_metric_replicas(
    current: u32,
    target: i64,
    pods: &[PodInfo],
    p: &CalcParams,
) -> Result<Proposal, CalcError> {
    let _ = (current, target, pods, p);
    Err(CalcError::NoMetrics)
}
