//! The validated autoscaling settings of a scenario: HorizontalPodAutoscalers, the
//! cluster autoscaler and its node groups, billing, SLOs and per-workload CPU load
//! curves. `scenario::autoscaling` builds them from the YAML; the controllers read them.

use crate::cluster::ids::WorkloadId;
use crate::engine::dist::Distribution;
use crate::engine::time::{NANOS_PER_SEC, Nanos};

/// kube-controller-manager's HPA flags, plus how metrics reach it (v1.35 defaults in
/// `Default`).
#[derive(Clone, Debug, PartialEq)]
pub struct HpaConfig {
    /// `--horizontal-pod-autoscaler-sync-period` (15 s).
    pub sync_period: Nanos,
    /// `--horizontal-pod-autoscaler-tolerance` (0.1).
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (5 min): the scale-down
    /// window when an HPA has no `behavior`, or its `scaleDown` sets none.
    pub downscale_stabilization: Nanos,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min).
    pub cpu_initialization_period: Nanos,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s).
    pub initial_readiness_delay: Nanos,
    /// metrics-server's scrape interval and the window each sample averages over (15 s).
    pub metrics_resolution: Nanos,
    /// How old the newest sample the HPA can read is, beyond its window (0 s).
    pub metrics_lag: Nanos,
}

impl Default for HpaConfig {
    fn default() -> Self {
        HpaConfig {
            sync_period: 15 * NANOS_PER_SEC,
            tolerance: 0.1,
            downscale_stabilization: 300 * NANOS_PER_SEC,
            cpu_initialization_period: 300 * NANOS_PER_SEC,
            initial_readiness_delay: 30 * NANOS_PER_SEC,
            metrics_resolution: 15 * NANOS_PER_SEC,
            metrics_lag: 0,
        }
    }
}

/// One `autoscaling/v2` HorizontalPodAutoscaler.
#[derive(Clone, Debug, PartialEq)]
pub struct HpaSpec {
    /// `metadata.name`.
    pub name: String,
    /// The Deployment it scales (`scaleTargetRef`).
    pub target: WorkloadId,
    /// `minReplicas` (default 1).
    pub min_replicas: u32,
    /// `maxReplicas`.
    pub max_replicas: u32,
    /// `metrics` (default: CPU at 80 % utilization); the HPA takes the largest proposal.
    pub metrics: Vec<MetricSpec>,
    /// `behavior`, with upstream's defaults filled in; `None` without one (the legacy
    /// path: scale-up limit max(2 × current, 4), the controller's downscale window).
    pub behavior: Option<Behavior>,
}

/// One entry of an HPA's `metrics`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MetricSpec {
    /// `type: Resource`, `name: cpu`, `target.type: Utilization`: usage / request, in
    /// percent (`averageUtilization`, > 0).
    CpuUtilization(u32),
    /// `type: Resource`, `name: cpu`, `target.type: AverageValue`: millicores per pod.
    CpuAverageValue(i64),
    /// `type: Pods`, `metric.name: requests_per_second`, `target.type: AverageValue`:
    /// requests each pod receives per second, in milli-requests (a quantity).
    RequestsPerSecond(i64),
}

/// `behavior`: the rules of each direction.
#[derive(Clone, Debug, PartialEq)]
pub struct Behavior {
    /// `scaleUp`.
    pub scale_up: ScalingRules,
    /// `scaleDown`.
    pub scale_down: ScalingRules,
}

/// `HPAScalingRules`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds`; `None` takes the controller's default (0 for scale
    /// up by the API default, `downscale_stabilization` for scale down).
    pub stabilization_window: Option<Nanos>,
    /// `selectPolicy`.
    pub select: SelectPolicy,
    /// `policies`.
    pub policies: Vec<ScalingPolicy>,
}

impl ScalingRules {
    /// The API's default `scaleUp`: no window, the larger of +4 pods and +100 % per 15 s.
    pub fn default_up() -> ScalingRules {
        ScalingRules {
            stabilization_window: Some(0),
            select: SelectPolicy::Max,
            policies: vec![
                ScalingPolicy {
                    kind: PolicyKind::Pods,
                    value: 4,
                    period: 15 * NANOS_PER_SEC,
                },
                ScalingPolicy {
                    kind: PolicyKind::Percent,
                    value: 100,
                    period: 15 * NANOS_PER_SEC,
                },
            ],
        }
    }

    /// The API's default `scaleDown`: the controller's window, −100 % per 15 s.
    pub fn default_down() -> ScalingRules {
        ScalingRules {
            stabilization_window: None,
            select: SelectPolicy::Max,
            policies: vec![ScalingPolicy {
                kind: PolicyKind::Percent,
                value: 100,
                period: 15 * NANOS_PER_SEC,
            }],
        }
    }
}

/// `selectPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    /// The policy allowing the biggest change (default).
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// One `HPAScalingPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingPolicy {
    /// `type`.
    pub kind: PolicyKind,
    /// `value` (> 0).
    pub value: u32,
    /// `periodSeconds` (1 s … 30 min).
    pub period: Nanos,
}

/// `HPAScalingPolicyType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// A number of pods.
    Pods,
    /// A percentage of the replicas at the start of the period.
    Percent,
}

/// A node pool that the cluster autoscaler sizes (`nodePools[].autoscaling`).
#[derive(Clone, Debug)]
pub struct NodeGroup {
    /// Fewest nodes (the group never shrinks below).
    pub min: u32,
    /// Most nodes, counting those still provisioning.
    pub max: u32,
    /// From the scale-up request to the node joining, seconds.
    pub provisioning_delay: Distribution,
}

/// Which node group a scale-up takes (`--expander`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expander {
    /// Any helpful group, uniformly (the default).
    Random,
    /// The group wasting the least CPU and memory of the new nodes.
    LeastWaste,
    /// The group that schedules the most pending pods.
    MostPods,
    /// The group whose new nodes cost least per pod they schedule.
    Price,
}

impl Expander {
    /// The names scenarios use, in this order.
    pub const NAMES: [&'static str; 4] = ["random", "least-waste", "most-pods", "price"];
}

/// The cluster autoscaler's flags (defaults as upstream's, in `Default`).
#[derive(Clone, Debug, PartialEq)]
pub struct CaConfig {
    /// `--scan-interval` (10 s).
    pub scan_interval: Nanos,
    /// `--expander` (random).
    pub expander: Expander,
    /// `--scale-down-enabled` (true).
    pub scale_down_enabled: bool,
    /// `--scale-down-utilization-threshold` (0.5).
    pub utilization_threshold: f64,
    /// `--scale-down-unneeded-time` (10 min).
    pub unneeded_time: Nanos,
    /// `--scale-down-delay-after-add` (10 min).
    pub delay_after_add: Nanos,
    /// `--scale-down-delay-after-delete` (0: the scan interval).
    pub delay_after_delete: Nanos,
    /// `--scale-down-delay-after-failure` (3 min).
    pub delay_after_failure: Nanos,
    /// `--max-node-provision-time` (15 min).
    pub max_node_provision_time: Nanos,
    /// `--max-nodes-total` (0: no limit).
    pub max_nodes_total: u32,
    /// `--new-pod-scale-up-delay` (0 s).
    pub new_pod_scale_up_delay: Nanos,
    /// `--max-empty-bulk-delete` (10).
    pub max_empty_bulk_delete: u32,
    /// How long a node group is backed off after a failed scale-up (5 min, upstream's
    /// initial node group backoff).
    pub backoff: Nanos,
}

impl Default for CaConfig {
    fn default() -> Self {
        CaConfig {
            scan_interval: 10 * NANOS_PER_SEC,
            expander: Expander::Random,
            scale_down_enabled: true,
            utilization_threshold: 0.5,
            unneeded_time: 600 * NANOS_PER_SEC,
            delay_after_add: 600 * NANOS_PER_SEC,
            delay_after_delete: 0,
            delay_after_failure: 180 * NANOS_PER_SEC,
            max_node_provision_time: 900 * NANOS_PER_SEC,
            max_nodes_total: 0,
            new_pod_scale_up_delay: 0,
            max_empty_bulk_delete: 10,
            backoff: 300 * NANOS_PER_SEC,
        }
    }
}

/// How node time is billed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Billing {
    /// Every second a node exists (the default).
    #[default]
    PerSecond,
    /// Each node's lifetime rounded up to whole hours.
    Hourly,
}

/// The scenario's service-level objectives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Slos {
    /// A Job pod waiting longer than this for a node misses the pending-time objective.
    pub job_pending: Option<Nanos>,
    /// Per Service (index into `Scenario::services`): a measured interval of
    /// `services.csv` whose latency at `percentile` exceeds `target` is a miss.
    pub latency: Vec<LatencySlo>,
}

/// A latency objective of one Service.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencySlo {
    /// The Service.
    pub service: u16,
    /// Which percentile, one of 50, 90, 99, 99.9.
    pub percentile: f64,
    /// The latency it must stay under.
    pub target: Nanos,
}

/// `simulation.cpuLoad` of a Deployment: the CPU its pods use over time.
#[derive(Clone, Debug, PartialEq)]
pub struct CpuLoad {
    /// The curve.
    pub curve: LoadCurve,
    /// What its values are.
    pub unit: LoadUnit,
}

/// What a `cpuLoad` curve's values are (`cpuLoad.unit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadUnit {
    /// Cores the Deployment's Running and Ready pods share evenly, each capped at its CPU
    /// limit: the load an HPA sees spread thinner as it adds replicas (the default).
    #[default]
    Cores,
    /// A fraction of each Running pod's CPU request, capped at its limit: every pod's
    /// usage follows the curve whatever the replica count.
    FractionOfRequest,
}

impl LoadUnit {
    /// The names scenarios use, in this order.
    pub const NAMES: [&'static str; 2] = ["cores", "fractionOfRequest"];
}

/// A value over time.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadCurve {
    /// The same at every instant.
    Constant(f64),
    /// A daily cosine (the `diurnal` traffic shape, in cores).
    Diurnal(crate::traffic::arrivals::Diurnal),
    /// Piecewise constant (`steps`, `spike`, `rateCsv`, in cores).
    Steps(crate::traffic::arrivals::Steps),
}

impl LoadCurve {
    /// The highest value it reaches.
    pub fn peak(&self) -> f64 {
        match self {
            LoadCurve::Constant(v) => *v,
            LoadCurve::Diurnal(d) => d.peak,
            LoadCurve::Steps(s) => s.peak_rate(),
        }
    }

    /// The value at `t`.
    pub fn value_at(&self, t: Nanos) -> f64 {
        match self {
            LoadCurve::Constant(v) => *v,
            LoadCurve::Diurnal(d) => d.rate_at(t),
            LoadCurve::Steps(s) => s.rate_at(t),
        }
    }
}
