//! The scenario file's shape, as serde reads it. Every struct denies unknown fields so that a
//! typo is an error, not a silently ignored setting. Kubernetes fields keep Kubernetes' names
//! (camelCase); simulation-only settings live under `simulation:` keys. Values are checked
//! and turned into the typed model in [`super::validate`].

use super::dist::DistSpec;
use super::units::{Quantity, Rate, SimDuration};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;

/// A whole scenario document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioDoc {
    /// Must be `kubesim/v1`.
    pub api_version: String,
    /// Must be `Scenario`.
    pub kind: String,
    /// Name and description.
    pub metadata: ScenarioMeta,
    /// Seed of every random stream (default 1).
    pub seed: Option<u64>,
    /// When the run ends.
    pub duration: Option<SimDuration>,
    /// Output settings.
    #[serde(default)]
    pub metrics: MetricsDoc,
    /// Nodes.
    pub cluster: ClusterDoc,
    /// PriorityClass objects.
    #[serde(default)]
    pub priority_classes: Vec<PriorityClassDoc>,
    /// Scheduler settings.
    #[serde(default)]
    pub scheduler: SchedulerDoc,
    /// Deployments and Jobs.
    #[serde(default)]
    pub workloads: WorkloadsDoc,
    /// Things that happen at given times: node failures, drains, rollouts, …
    #[serde(default)]
    pub events: Vec<ScenarioEventDoc>,
    /// kube-controller-manager's node lifecycle settings.
    pub node_lifecycle: Option<NodeLifecycleDoc>,
    /// PodDisruptionBudget objects.
    #[serde(default)]
    pub pod_disruption_budgets: Vec<PdbDoc>,
    /// ResourceQuota objects.
    #[serde(default)]
    pub resource_quotas: Vec<QuotaDoc>,
    /// Service objects, with their traffic.
    #[serde(default)]
    pub services: Vec<super::services::ServiceDoc>,
    /// The cluster autoscaler's flags; present: it runs.
    pub cluster_autoscaler: Option<super::autoscaling::ClusterAutoscalerDoc>,
    /// The HPA controller's flags.
    pub horizontal_pod_autoscaling: Option<super::autoscaling::HpaControllerDoc>,
    /// HorizontalPodAutoscaler objects.
    #[serde(default)]
    pub horizontal_pod_autoscalers: Vec<super::autoscaling::HpaDoc>,
    /// How node time is billed.
    pub billing: Option<super::autoscaling::BillingDoc>,
    /// Service-level objectives.
    pub slos: Option<super::autoscaling::SlosDoc>,
}

/// `nodeLifecycle`: the node lifecycle controller's flags, camelCased.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeLifecycleDoc {
    /// `--node-monitor-grace-period` (default 50s).
    pub node_monitor_grace_period: Option<SimDuration>,
    /// `--node-monitor-period` (default 5s).
    pub node_monitor_period: Option<SimDuration>,
    /// `--node-eviction-rate`, nodes per second per zone (default 0.1).
    pub node_eviction_rate: Option<f64>,
    /// `--secondary-node-eviction-rate` (default 0.01).
    pub secondary_node_eviction_rate: Option<f64>,
    /// `--unhealthy-zone-threshold` (default 0.55).
    pub unhealthy_zone_threshold: Option<f64>,
    /// `--large-cluster-size-threshold` (default 50).
    pub large_cluster_size_threshold: Option<i64>,
}

/// One scheduled event of `events:`, chosen by its `type`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScenarioEventDoc {
    /// Marks nodes unschedulable (`kubectl cordon`).
    Cordon(NodesEventDoc),
    /// Marks nodes schedulable again (`kubectl uncordon`).
    Uncordon(NodesEventDoc),
    /// Nodes fail (stop heartbeating).
    NodeFailure(NodeFailureEventDoc),
    /// Every node of a zone fails for a while.
    ZoneOutage(ZoneOutageEventDoc),
    /// Changes a Deployment's pod template (`kubectl apply` of a new version).
    Rollout(Box<RolloutEventDoc>),
    /// Rolls a Deployment back to an earlier revision (`kubectl rollout undo`).
    Rollback(RollbackEventDoc),
    /// Sets a Deployment's `replicas` (`kubectl scale`).
    Scale(ScaleEventDoc),
    /// Cordons nodes and evicts their pods through their disruption budgets (`kubectl drain`).
    Drain(DrainEventDoc),
}

/// A `node_failure` event: named nodes, or nodes of a pool, fail.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeFailureEventDoc {
    /// When it happens.
    pub at: SimDuration,
    /// Node names.
    #[serde(default)]
    pub nodes: Vec<String>,
    /// A pool whose nodes fail (instead of `nodes`).
    pub pool: Option<String>,
    /// How many of the pool's nodes, picked at random among those up (default all).
    pub count: Option<u64>,
    /// When the nodes come back (default: the pool's `failures.timeToRepair`, else never).
    pub repair_after: Option<SimDuration>,
}

impl NodeFailureEventDoc {
    /// The node-picking part, shaped as the other node events have it.
    pub fn targets(&self) -> NodesEventDoc {
        NodesEventDoc {
            at: self.at,
            nodes: self.nodes.clone(),
            pool: self.pool.clone(),
            count: self.count,
        }
    }
}

/// A `zone_outage` event.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ZoneOutageEventDoc {
    /// When it starts.
    pub at: SimDuration,
    /// The zone (`topology.kubernetes.io/zone` value).
    pub zone: String,
    /// How long its nodes stay down.
    pub duration: SimDuration,
}

impl ScenarioEventDoc {
    /// The `type` value, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            ScenarioEventDoc::Cordon(_) => "cordon",
            ScenarioEventDoc::Uncordon(_) => "uncordon",
            ScenarioEventDoc::NodeFailure(_) => "node_failure",
            ScenarioEventDoc::ZoneOutage(_) => "zone_outage",
            ScenarioEventDoc::Rollout(_) => "rollout",
            ScenarioEventDoc::Rollback(_) => "rollback",
            ScenarioEventDoc::Scale(_) => "scale",
            ScenarioEventDoc::Drain(_) => "drain",
        }
    }
}

/// An event acting on nodes: named ones, or those of a pool (all, or `count` picked at
/// random when the event happens).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodesEventDoc {
    /// When it happens.
    pub at: SimDuration,
    /// Node names.
    #[serde(default)]
    pub nodes: Vec<String>,
    /// A pool whose nodes it acts on (instead of `nodes`).
    pub pool: Option<String>,
    /// How many of the pool's nodes, picked at random (default all).
    pub count: Option<u64>,
}

/// A `rollout`: the Deployment's pod template (and optionally its simulation settings)
/// change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RolloutEventDoc {
    /// When it happens.
    pub at: SimDuration,
    /// The Deployment.
    pub deployment: String,
    /// The new pod template, in the shape of the Deployment's `spec.template`.
    pub template: PodTemplateDoc,
    /// Simulation settings of the new version; omitted keys keep the Deployment's.
    pub simulation: Option<PodSimDoc>,
}

/// A `rollback` to an earlier revision.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RollbackEventDoc {
    /// When it happens.
    pub at: SimDuration,
    /// The Deployment.
    pub deployment: String,
    /// The revision to return to (default: the previous one).
    pub to_revision: Option<u64>,
}

/// A `scale` of a Deployment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScaleEventDoc {
    /// When it happens.
    pub at: SimDuration,
    /// The Deployment.
    pub deployment: String,
    /// The new `replicas` (signed, so that a negative count gets a message with its path).
    pub replicas: i64,
}

/// A drain: the nodes it acts on, and how it rolls through them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DrainEventDoc {
    /// When it starts.
    pub at: SimDuration,
    /// Node names.
    #[serde(default)]
    pub nodes: Vec<String>,
    /// A pool whose nodes it drains (instead of `nodes`).
    pub pool: Option<String>,
    /// How many of the pool's nodes, picked at random (default all).
    pub count: Option<u64>,
    /// Uncordon each node this long after it is drained (default: it stays cordoned).
    pub uncordon_after: Option<SimDuration>,
    /// Drain the nodes one after another, in node order (default false: all at once).
    #[serde(default)]
    pub one_at_a_time: bool,
}

impl DrainEventDoc {
    /// The nodes it names, in the shape every node event shares.
    pub fn targets(&self) -> NodesEventDoc {
        NodesEventDoc {
            at: self.at,
            nodes: self.nodes.clone(),
            pool: self.pool.clone(),
            count: self.count,
        }
    }
}

/// A `policy/v1` PodDisruptionBudget.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PdbDoc {
    /// `policy/v1` if given.
    pub api_version: Option<String>,
    /// `PodDisruptionBudget` if given.
    pub kind: Option<String>,
    /// Name and namespace.
    pub metadata: ObjectMeta,
    /// The budget.
    pub spec: PdbSpecDoc,
}

/// `PodDisruptionBudgetSpec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PdbSpecDoc {
    /// Pods that must stay available: a count or `"N%"`.
    pub min_available: Option<IntOrStringDoc>,
    /// Pods that may be unavailable: a count or `"N%"`.
    pub max_unavailable: Option<IntOrStringDoc>,
    /// The pods it covers.
    pub selector: Option<SelectorDoc>,
    /// When pods that are not ready may be evicted (default `IfHealthyBudget`).
    pub unhealthy_pod_eviction_policy: Option<UnhealthyPolicyDoc>,
}

/// Kubernetes' `IntOrString`: an integer, or a string such as `"25%"`.
#[derive(Debug)]
pub enum IntOrStringDoc {
    /// An integer.
    Int(i64),
    /// A string (a percentage).
    Str(String),
}

impl<'de> Deserialize<'de> for IntOrStringDoc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IntOrStringDoc;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an integer (2) or a percentage string (\"25%\")")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IntOrStringDoc::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IntOrStringDoc::Int(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IntOrStringDoc::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `unhealthyPodEvictionPolicy`.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum UnhealthyPolicyDoc {
    /// Pods not ready may be evicted only while the budget is met.
    IfHealthyBudget,
    /// Pods not ready may always be evicted.
    AlwaysAllow,
}

/// A `v1` ResourceQuota.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct QuotaDoc {
    /// `v1` if given.
    pub api_version: Option<String>,
    /// `ResourceQuota` if given.
    pub kind: Option<String>,
    /// Name and namespace.
    pub metadata: ObjectMeta,
    /// The limits.
    pub spec: QuotaSpecDoc,
}

/// `ResourceQuotaSpec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct QuotaSpecDoc {
    /// Hard limits by resource name (`requests.cpu`, `pods`, `count/jobs.batch`, …).
    pub hard: BTreeMap<String, Quantity>,
    /// Accepted, not modelled.
    pub scopes: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub scope_selector: Option<IgnoredAny>,
}

/// `metadata` of the scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScenarioMeta {
    /// Scenario name: names the default output folder.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
}

/// `metrics`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricsDoc {
    /// Sampling interval of `timeseries.csv` (default 10s).
    pub interval: Option<SimDuration>,
    /// Start of the measured window for summary figures (default 0s).
    pub warmup: Option<SimDuration>,
}

/// `cluster`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterDoc {
    /// Node pools.
    pub node_pools: Vec<NodePoolDoc>,
}

/// One node pool: `count` identical nodes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodePoolDoc {
    /// Pool name; nodes are `<name>-<n>`.
    pub name: String,
    /// Number of nodes.
    pub count: u64,
    /// Zones the nodes are spread over, round robin.
    #[serde(default)]
    pub zones: Vec<String>,
    /// `node.kubernetes.io/instance-type`.
    pub instance_type: Option<String>,
    /// Machine capacity per resource name.
    pub capacity: BTreeMap<String, Quantity>,
    /// Reserved for the system: allocatable = capacity − reserved.
    #[serde(default)]
    pub reserved: BTreeMap<String, Quantity>,
    /// Extra node labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Node taints.
    #[serde(default)]
    pub taints: Vec<TaintDoc>,
    /// Price of one node per hour (reported, used by cost figures).
    pub price_per_hour: Option<f64>,
    /// When the pool's nodes join the cluster (default 0s: from the start).
    pub added_at: Option<SimDuration>,
    /// Random failures of each node (simulation-only).
    pub failures: Option<FailuresDoc>,
    /// Makes the pool a node group of the cluster autoscaler.
    pub autoscaling: Option<super::autoscaling::NodeGroupDoc>,
}

/// A pool's `failures`: each node alternates between up and down.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FailuresDoc {
    /// Time from a node joining or being repaired to its next failure (MTBF's law).
    pub time_to_failure: Option<DistSpec<SimDuration>>,
    /// Time from a failure to the repair (MTTR's law).
    pub time_to_repair: Option<DistSpec<SimDuration>>,
}

/// A node taint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaintDoc {
    /// Key.
    pub key: String,
    /// Value.
    #[serde(default)]
    pub value: String,
    /// Effect.
    pub effect: EffectDoc,
}

/// A taint effect.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum EffectDoc {
    /// `NoSchedule`.
    NoSchedule,
    /// `PreferNoSchedule`.
    PreferNoSchedule,
    /// `NoExecute`.
    NoExecute,
}

/// A PriorityClass.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PriorityClassDoc {
    /// Class name.
    pub name: String,
    /// Priority value.
    pub value: i32,
    /// Whether pods without a class get this one.
    #[serde(default)]
    pub global_default: bool,
    /// Accepted, not modelled.
    pub description: Option<IgnoredAny>,
    /// Whether pods of this class may preempt (default `PreemptLowerPriority`).
    pub preemption_policy: Option<PreemptionPolicyDoc>,
}

/// `preemptionPolicy` of a PriorityClass or a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum PreemptionPolicyDoc {
    /// `PreemptLowerPriority`.
    PreemptLowerPriority,
    /// `Never`.
    Never,
}

/// `scheduler`: a subset of `KubeSchedulerConfiguration` plus kubesim's own settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchedulerDoc {
    /// Seed of the scheduler's own decisions (tie-breaks) only; default derived from `seed`.
    pub seed: Option<u64>,
    /// Policy of the `default-scheduler` profile: a built-in policy or a profile's name.
    pub policy: Option<String>,
    /// `percentageOfNodesToScore` (0–100; 0 is adaptive).
    pub percentage_of_nodes_to_score: Option<i64>,
    /// Simulated time one scheduling cycle takes (default 0s).
    pub cycle_time: Option<SimDuration>,
    /// `podInitialBackoffSeconds` (default 1).
    pub pod_initial_backoff_seconds: Option<i64>,
    /// `podMaxBackoffSeconds` (default 10).
    pub pod_max_backoff_seconds: Option<i64>,
    /// How long a pod waits in the unschedulable pool before a retry (default 5m).
    pub pod_max_in_unschedulable_pods_duration: Option<SimDuration>,
    /// Scheduler profiles.
    #[serde(default)]
    pub profiles: Vec<ProfileDoc>,
}

/// A `KubeSchedulerProfile`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProfileDoc {
    /// The `schedulerName` pods use to pick this profile.
    pub scheduler_name: Option<String>,
    /// A built-in policy instead of `plugins` and `pluginConfig`.
    pub policy: Option<String>,
    /// Profile-level `percentageOfNodesToScore` (0–100).
    pub percentage_of_nodes_to_score: Option<i64>,
    /// Plugins enabled and disabled per extension point.
    pub plugins: Option<PluginsDoc>,
    /// Plugin arguments.
    #[serde(default)]
    pub plugin_config: Vec<PluginConfigDoc>,
}

/// A profile's `plugins`, per extension point.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginsDoc {
    /// Every extension point a plugin implements.
    pub multi_point: Option<PluginSetDoc>,
    /// Filter plugins.
    pub filter: Option<PluginSetDoc>,
    /// Score plugins and weights.
    pub score: Option<PluginSetDoc>,
    /// PostFilter (preemption).
    pub post_filter: Option<PluginSetDoc>,
    /// Accepted, not modelled.
    pub pre_enqueue: Option<PluginSetDoc>,
    /// Accepted, not modelled.
    pub queue_sort: Option<PluginSetDoc>,
    /// Accepted, not modelled (a plugin's PreFilter runs with its Filter).
    pub pre_filter: Option<PluginSetDoc>,
    /// Accepted, not modelled (a plugin's PreScore runs with its Score).
    pub pre_score: Option<PluginSetDoc>,
    /// Accepted, not modelled.
    pub reserve: Option<PluginSetDoc>,
    /// Accepted, not modelled.
    pub permit: Option<PluginSetDoc>,
    /// Accepted, not modelled.
    pub pre_bind: Option<PluginSetDoc>,
    /// Accepted, not modelled.
    pub bind: Option<PluginSetDoc>,
    /// Accepted, not modelled.
    pub post_bind: Option<PluginSetDoc>,
}

impl PluginsDoc {
    /// The extension points kubesim does not model separately, with their field names.
    pub fn unmodelled_points(&self) -> [(&'static str, Option<&PluginSetDoc>); 9] {
        [
            ("preEnqueue", self.pre_enqueue.as_ref()),
            ("queueSort", self.queue_sort.as_ref()),
            ("preFilter", self.pre_filter.as_ref()),
            ("preScore", self.pre_score.as_ref()),
            ("reserve", self.reserve.as_ref()),
            ("permit", self.permit.as_ref()),
            ("preBind", self.pre_bind.as_ref()),
            ("bind", self.bind.as_ref()),
            ("postBind", self.post_bind.as_ref()),
        ]
    }
}

/// Plugins enabled and disabled at one extension point.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginSetDoc {
    /// Added after the defaults (or re-weighted in place).
    #[serde(default)]
    pub enabled: Vec<PluginDoc>,
    /// Removed from the defaults; `*` removes them all.
    #[serde(default)]
    pub disabled: Vec<PluginDoc>,
}

/// One plugin in a plugin set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginDoc {
    /// Plugin name.
    pub name: String,
    /// Score weight (1–100; 0 or none is 1).
    pub weight: Option<i64>,
}

/// One `pluginConfig` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginConfigDoc {
    /// The plugin the arguments are for.
    pub name: String,
    /// Its arguments.
    pub args: Option<PluginArgsDoc>,
}

/// The arguments of every plugin kubesim reads, in one map: which fields belong to which
/// plugin is checked against `name` after parsing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginArgsDoc {
    /// `kubescheduler.config.k8s.io/v1` if given.
    pub api_version: Option<String>,
    /// `<plugin>Args` if given.
    pub kind: Option<String>,
    /// NodeResourcesFit.
    pub scoring_strategy: Option<ScoringStrategyDoc>,
    /// NodeResourcesBalancedAllocation.
    pub resources: Option<Vec<ResourceSpecDoc>>,
    /// InterPodAffinity (0–100, default 1).
    pub hard_pod_affinity_weight: Option<i64>,
    /// PodTopologySpread: `System` (default) or `List`.
    pub defaulting_type: Option<DefaultingTypeDoc>,
    /// PodTopologySpread, with `defaultingType: List`.
    pub default_constraints: Option<Vec<TopologySpreadConstraintDoc>>,
    /// DefaultPreemption: accepted, not modelled.
    pub min_candidate_nodes_percentage: Option<IgnoredAny>,
    /// DefaultPreemption: accepted, not modelled.
    pub min_candidate_nodes_absolute: Option<IgnoredAny>,
}

impl PluginArgsDoc {
    /// The argument fields present, by name.
    pub fn present(&self) -> impl Iterator<Item = &'static str> {
        [
            ("scoringStrategy", self.scoring_strategy.is_some()),
            ("resources", self.resources.is_some()),
            (
                "hardPodAffinityWeight",
                self.hard_pod_affinity_weight.is_some(),
            ),
            ("defaultingType", self.defaulting_type.is_some()),
            ("defaultConstraints", self.default_constraints.is_some()),
            (
                "minCandidateNodesPercentage",
                self.min_candidate_nodes_percentage.is_some(),
            ),
            (
                "minCandidateNodesAbsolute",
                self.min_candidate_nodes_absolute.is_some(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
    }
}

/// NodeResourcesFit's `scoringStrategy`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScoringStrategyDoc {
    /// The strategy (required).
    #[serde(rename = "type")]
    pub kind: Option<ScoringStrategyTypeDoc>,
    /// Scored resources and weights (default cpu 1, memory 1).
    #[serde(default)]
    pub resources: Vec<ResourceSpecDoc>,
    /// The shape, with `RequestedToCapacityRatio`.
    pub requested_to_capacity_ratio: Option<RequestedToCapacityRatioDoc>,
}

/// A scoring strategy's name.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum ScoringStrategyTypeDoc {
    /// `LeastAllocated`.
    LeastAllocated,
    /// `MostAllocated`.
    MostAllocated,
    /// `RequestedToCapacityRatio`.
    RequestedToCapacityRatio,
}

/// A resource and its weight.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceSpecDoc {
    /// Resource name.
    pub name: String,
    /// Weight (1–100; 0 or none is 1).
    pub weight: Option<i64>,
}

/// `requestedToCapacityRatio`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequestedToCapacityRatioDoc {
    /// Points of the piecewise-linear score function.
    #[serde(default)]
    pub shape: Vec<ShapePointDoc>,
}

/// One point of a shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ShapePointDoc {
    /// Utilization, 0–100.
    pub utilization: i64,
    /// Score, 0–10.
    pub score: i64,
}

/// PodTopologySpread's `defaultingType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum DefaultingTypeDoc {
    /// The built-in default constraints.
    System,
    /// `defaultConstraints`.
    List,
}

/// `workloads`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadsDoc {
    /// Deployments.
    #[serde(default)]
    pub deployments: Vec<DeploymentDoc>,
    /// Jobs and job streams.
    #[serde(default)]
    pub jobs: Vec<JobDoc>,
}

/// Object metadata.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Name.
    pub name: String,
    /// Namespace (default `default`).
    pub namespace: Option<String>,
    /// Labels (of the object itself; pods take the template's).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Accepted, not modelled.
    pub annotations: Option<IgnoredAny>,
}

/// A Deployment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeploymentDoc {
    /// `apps/v1` if given.
    pub api_version: Option<String>,
    /// `Deployment` if given.
    pub kind: Option<String>,
    /// Name and namespace.
    pub metadata: ObjectMeta,
    /// The Deployment spec.
    pub spec: DeploymentSpecDoc,
    /// Simulation settings.
    #[serde(default)]
    pub simulation: PodSimDoc,
}

/// `DeploymentSpec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeploymentSpecDoc {
    /// Desired pods (default 1).
    pub replicas: Option<u64>,
    /// Must select the template's labels.
    pub selector: Option<SelectorDoc>,
    /// Pod template.
    pub template: PodTemplateDoc,
    /// How pods of a new template replace the old ones (default RollingUpdate 25 %/25 %).
    pub strategy: Option<StrategyDoc>,
    /// Seconds a pod must be Ready to count as available (default 0).
    pub min_ready_seconds: Option<u64>,
    /// Old ReplicaSets kept for rollbacks (default 10).
    pub revision_history_limit: Option<u64>,
    /// Seconds without progress before a rollout counts as failed (default 600).
    pub progress_deadline_seconds: Option<u64>,
}

/// `DeploymentStrategy`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StrategyDoc {
    /// `RollingUpdate` (default) or `Recreate`.
    #[serde(rename = "type")]
    pub kind: Option<StrategyTypeDoc>,
    /// Settings of `RollingUpdate`.
    pub rolling_update: Option<RollingUpdateDoc>,
}

/// `strategy.type`.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum StrategyTypeDoc {
    /// Replace pods a few at a time.
    RollingUpdate,
    /// Remove every old pod, then create the new ones.
    Recreate,
}

/// `strategy.rollingUpdate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RollingUpdateDoc {
    /// Pods above `replicas` during a rollout: a count or a percent (default 25%).
    pub max_surge: Option<IntOrStringDoc>,
    /// Pods below `replicas` during a rollout: a count or a percent (default 25%).
    pub max_unavailable: Option<IntOrStringDoc>,
}

/// A label selector.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SelectorDoc {
    /// Exact label matches.
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    /// Requirements.
    #[serde(default)]
    pub match_expressions: Vec<RequirementDoc>,
}

impl SelectorDoc {
    /// Whether it has no requirement (and so selects everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// A selector requirement: `key`, `operator`, `values`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequirementDoc {
    /// Label key (in `matchFields`, `metadata.name`).
    pub key: String,
    /// Operator.
    pub operator: SelectorOperatorDoc,
    /// Values.
    #[serde(default)]
    pub values: Vec<String>,
}

/// A selector requirement's operator.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum SelectorOperatorDoc {
    /// `In`.
    In,
    /// `NotIn`.
    NotIn,
    /// `Exists`.
    Exists,
    /// `DoesNotExist`.
    DoesNotExist,
    /// `Gt` (node selectors only).
    Gt,
    /// `Lt` (node selectors only).
    Lt,
}

/// A Job.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JobDoc {
    /// `batch/v1` if given.
    pub api_version: Option<String>,
    /// `Job` if given.
    pub kind: Option<String>,
    /// Name and namespace.
    pub metadata: ObjectMeta,
    /// The Job spec.
    pub spec: JobSpecDoc,
    /// Simulation settings.
    pub simulation: JobSimDoc,
}

/// `JobSpec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JobSpecDoc {
    /// Successful pods needed (default 1).
    pub completions: Option<u64>,
    /// Pods at once (default 1).
    pub parallelism: Option<u64>,
    /// Failed pods tolerated before the Job fails (default 6).
    pub backoff_limit: Option<u64>,
    /// Accepted when it selects the template's labels.
    pub selector: Option<SelectorDoc>,
    /// Pod template.
    pub template: PodTemplateDoc,
    /// Accepted, not modelled yet.
    pub active_deadline_seconds: Option<IgnoredAny>,
    /// Accepted, not modelled yet.
    pub ttl_seconds_after_finished: Option<IgnoredAny>,
    /// Accepted, not modelled yet.
    pub completion_mode: Option<IgnoredAny>,
}

/// `PodTemplateSpec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodTemplateDoc {
    /// Labels of the pods.
    pub metadata: Option<TemplateMetaDoc>,
    /// Pod spec.
    pub spec: PodSpecDoc,
}

/// Template metadata.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TemplateMetaDoc {
    /// Pod labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Accepted, not modelled.
    pub annotations: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub name: Option<IgnoredAny>,
}

/// `PodSpec` (the part kubesim reads, plus fields it accepts without modelling).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodSpecDoc {
    /// Containers.
    pub containers: Vec<ContainerDoc>,
    /// Init containers (a `restartPolicy: Always` one is a sidecar).
    #[serde(default)]
    pub init_containers: Vec<ContainerDoc>,
    /// PriorityClass name.
    pub priority_class_name: Option<String>,
    /// Pins the pod to a node, bypassing the scheduler.
    pub node_name: Option<String>,
    /// Required node labels.
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations.
    #[serde(default)]
    pub tolerations: Vec<TolerationDoc>,
    /// Restart policy.
    pub restart_policy: Option<RestartPolicyDoc>,
    /// Pod overhead, added to the requests.
    #[serde(default)]
    pub overhead: BTreeMap<String, Quantity>,
    /// Node affinity, pod affinity and anti-affinity.
    pub affinity: Option<AffinityDoc>,
    /// Topology spread constraints.
    #[serde(default)]
    pub topology_spread_constraints: Vec<TopologySpreadConstraintDoc>,
    /// The scheduler profile that places the pods (default `default-scheduler`).
    pub scheduler_name: Option<String>,
    /// Must agree with the pod's PriorityClass, as Kubernetes' priority admission requires.
    pub preemption_policy: Option<PreemptionPolicyDoc>,
    /// Accepted, not modelled.
    pub volumes: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub service_account_name: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub security_context: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub image_pull_secrets: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub dns_policy: Option<IgnoredAny>,
    /// `terminationGracePeriodSeconds`: how long a deleted pod keeps its node (default
    /// 30).
    pub termination_grace_period_seconds: Option<u64>,
    /// Accepted, not modelled.
    pub automount_service_account_token: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub enable_service_links: Option<IgnoredAny>,
}

/// A container.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerDoc {
    /// Name.
    pub name: String,
    /// Requests and limits.
    pub resources: Option<ResourcesDoc>,
    /// On an init container, `Always` makes it a sidecar.
    pub restart_policy: Option<RestartPolicyDoc>,
    /// Accepted, not modelled.
    pub image: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub image_pull_policy: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub command: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub args: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub env: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub env_from: Option<IgnoredAny>,
    /// Ports; those with a `hostPort` are checked by the NodePorts filter.
    #[serde(default)]
    pub ports: Vec<ContainerPortDoc>,
    /// Accepted, not modelled.
    pub volume_mounts: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub liveness_probe: Option<IgnoredAny>,
    /// Readiness: the pod is Ready `initialDelaySeconds` after its containers start.
    pub readiness_probe: Option<ProbeDoc>,
    /// Accepted, not modelled.
    pub startup_probe: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub security_context: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub working_dir: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub lifecycle: Option<IgnoredAny>,
}

impl ContainerDoc {
    /// The Kubernetes fields present that kubesim accepts without modelling.
    pub fn unmodelled_fields(&self) -> impl Iterator<Item = &'static str> {
        [
            ("image", self.image.is_some()),
            ("imagePullPolicy", self.image_pull_policy.is_some()),
            ("command", self.command.is_some()),
            ("args", self.args.is_some()),
            ("env", self.env.is_some()),
            ("envFrom", self.env_from.is_some()),
            ("volumeMounts", self.volume_mounts.is_some()),
            ("livenessProbe", self.liveness_probe.is_some()),
            ("startupProbe", self.startup_probe.is_some()),
            ("securityContext", self.security_context.is_some()),
            ("workingDir", self.working_dir.is_some()),
            ("lifecycle", self.lifecycle.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
    }
}

impl PodSpecDoc {
    /// The Kubernetes fields present that kubesim accepts without modelling.
    pub fn unmodelled_fields(&self) -> impl Iterator<Item = &'static str> {
        [
            ("volumes", self.volumes.is_some()),
            ("serviceAccountName", self.service_account_name.is_some()),
            ("securityContext", self.security_context.is_some()),
            ("imagePullSecrets", self.image_pull_secrets.is_some()),
            ("dnsPolicy", self.dns_policy.is_some()),
            (
                "automountServiceAccountToken",
                self.automount_service_account_token.is_some(),
            ),
            ("enableServiceLinks", self.enable_service_links.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
    }
}

/// A container's `readinessProbe`: kubesim takes its first probe as succeeding, at
/// `initialDelaySeconds`; the other fields are accepted and have no effect.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProbeDoc {
    /// Seconds from the container's start to the first probe (default 0).
    pub initial_delay_seconds: Option<i64>,
    /// Accepted, not modelled (the first probe succeeds).
    pub period_seconds: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub timeout_seconds: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub success_threshold: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub failure_threshold: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub termination_grace_period_seconds: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub http_get: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub tcp_socket: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub exec: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub grpc: Option<IgnoredAny>,
}

/// Container `resources`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourcesDoc {
    /// Requests: what scheduling sees.
    #[serde(default)]
    pub requests: BTreeMap<String, Quantity>,
    /// Limits: a resource with a limit and no request requests its limit.
    #[serde(default)]
    pub limits: BTreeMap<String, Quantity>,
}

/// A toleration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TolerationDoc {
    /// Key (empty with `Exists` matches all).
    #[serde(default)]
    pub key: String,
    /// `Equal` (default) or `Exists`.
    pub operator: Option<OperatorDoc>,
    /// Value for `Equal`.
    #[serde(default)]
    pub value: String,
    /// Effect to match (all if absent).
    pub effect: Option<EffectDoc>,
    /// How long the pod stays on a node after a matching NoExecute taint lands (NoExecute
    /// tolerations only; absent: forever; 0 or negative: evicted at once).
    pub toleration_seconds: Option<i64>,
}

/// Toleration operator.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum OperatorDoc {
    /// `Equal`.
    Equal,
    /// `Exists`.
    Exists,
}

/// A container port.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerPortDoc {
    /// The port in the container (required, 1–65535).
    pub container_port: Option<i64>,
    /// The port bound on the node (1–65535; 0 or none: not bound).
    pub host_port: Option<i64>,
    /// `TCP` (default), `UDP` or `SCTP`.
    pub protocol: Option<ProtocolDoc>,
    /// The node address the host port binds (default every address).
    #[serde(rename = "hostIP")]
    pub host_ip: Option<String>,
    /// Port name.
    pub name: Option<String>,
}

/// A port protocol.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum ProtocolDoc {
    /// `TCP`.
    #[serde(rename = "TCP")]
    Tcp,
    /// `UDP`.
    #[serde(rename = "UDP")]
    Udp,
    /// `SCTP`.
    #[serde(rename = "SCTP")]
    Sctp,
}

/// A pod's `affinity`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AffinityDoc {
    /// Node affinity.
    pub node_affinity: Option<NodeAffinityDoc>,
    /// Pod affinity.
    pub pod_affinity: Option<PodAffinityDoc>,
    /// Pod anti-affinity.
    pub pod_anti_affinity: Option<PodAffinityDoc>,
}

/// `nodeAffinity`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeAffinityDoc {
    /// Terms of which a node must match one.
    pub required_during_scheduling_ignored_during_execution: Option<NodeSelectorDoc>,
    /// Weighted terms that score the nodes they match.
    #[serde(default)]
    pub preferred_during_scheduling_ignored_during_execution: Vec<PreferredSchedulingTermDoc>,
}

/// A `NodeSelector`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSelectorDoc {
    /// Terms, ORed.
    pub node_selector_terms: Vec<NodeSelectorTermDoc>,
}

/// A `NodeSelectorTerm`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSelectorTermDoc {
    /// Requirements on node labels.
    #[serde(default)]
    pub match_expressions: Vec<RequirementDoc>,
    /// Requirements on node fields (`metadata.name`).
    #[serde(default)]
    pub match_fields: Vec<RequirementDoc>,
}

/// A weighted preferred node term.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreferredSchedulingTermDoc {
    /// 1–100.
    pub weight: Option<i64>,
    /// The term.
    pub preference: NodeSelectorTermDoc,
}

/// `podAffinity` or `podAntiAffinity`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodAffinityDoc {
    /// Terms every one of which must hold.
    #[serde(default)]
    pub required_during_scheduling_ignored_during_execution: Vec<PodAffinityTermDoc>,
    /// Weighted terms that score nodes.
    #[serde(default)]
    pub preferred_during_scheduling_ignored_during_execution: Vec<WeightedPodAffinityTermDoc>,
}

/// A `PodAffinityTerm`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodAffinityTermDoc {
    /// The pods the term is about (none: no pod).
    pub label_selector: Option<SelectorDoc>,
    /// Namespaces to look in (none: the pod's own).
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Node label whose values are the domains (required).
    pub topology_key: Option<String>,
    /// Only `{}` (every namespace) is accepted.
    pub namespace_selector: Option<SelectorDoc>,
}

/// A weighted preferred pod term.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WeightedPodAffinityTermDoc {
    /// 1–100.
    pub weight: Option<i64>,
    /// The term.
    pub pod_affinity_term: PodAffinityTermDoc,
}

/// A `topologySpreadConstraint`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TopologySpreadConstraintDoc {
    /// Greatest allowed skew (required, at least 1).
    pub max_skew: Option<i64>,
    /// Node label whose values are the domains (required).
    pub topology_key: Option<String>,
    /// `DoNotSchedule` or `ScheduleAnyway` (required).
    pub when_unsatisfiable: Option<WhenUnsatisfiableDoc>,
    /// The pods counted (none: no pod).
    pub label_selector: Option<SelectorDoc>,
    /// Fewest domains assumed (with `DoNotSchedule`).
    pub min_domains: Option<i64>,
    /// `Honor` (default) or `Ignore`.
    pub node_affinity_policy: Option<InclusionPolicyDoc>,
    /// `Ignore` (default) or `Honor`.
    pub node_taints_policy: Option<InclusionPolicyDoc>,
    /// Pod label keys whose values narrow the selector to the pod's own.
    #[serde(default)]
    pub match_label_keys: Vec<String>,
}

/// `whenUnsatisfiable`.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum WhenUnsatisfiableDoc {
    /// `DoNotSchedule`.
    DoNotSchedule,
    /// `ScheduleAnyway`.
    ScheduleAnyway,
}

/// `nodeAffinityPolicy` or `nodeTaintsPolicy`.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum InclusionPolicyDoc {
    /// `Honor`.
    Honor,
    /// `Ignore`.
    Ignore,
}

/// Restart policy.
#[derive(Clone, Copy, Debug, Deserialize)]
pub enum RestartPolicyDoc {
    /// `Always`.
    Always,
    /// `OnFailure`.
    OnFailure,
    /// `Never`.
    Never,
}

/// `simulation:` of a Deployment: what kubesim needs beyond the Kubernetes object.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodSimDoc {
    /// Bound → Running delay (image pull and container start); default 1s.
    pub startup_delay: Option<DistSpec<SimDuration>>,
    /// Usage as a fraction of requests, per resource (default 1: usage = requests).
    #[serde(default)]
    pub usage: BTreeMap<String, DistSpec<f64>>,
    /// When the pods' containers crash (default never).
    pub crash: Option<CrashDoc>,
    /// Refused with a message: checkpoints are a Job setting.
    pub checkpoint_interval: Option<IgnoredAny>,
    /// Roll back to the previous revision when a rollout exceeds its progress deadline
    /// (default false; Kubernetes itself only reports the condition).
    pub rollback_on_progress_deadline: Option<bool>,
    /// How the pods serve requests of the Services that select them.
    pub serving: Option<super::services::ServingDoc>,
    /// The CPU the pods share in total, over time.
    pub cpu_load: Option<super::autoscaling::CpuLoadDoc>,
}

/// `simulation.crash`: at least one of `timeToCrash` and `probability`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CrashDoc {
    /// Running time from a container start to its crash, drawn at each start.
    pub time_to_crash: Option<DistSpec<SimDuration>>,
    /// Chance, 0 to 1, that a container start crashes `after` that long.
    pub probability: Option<f64>,
    /// With `probability`: how long after the start the crash comes (default 0s).
    pub after: Option<DistSpec<SimDuration>>,
}

/// `simulation:` of a Job.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JobSimDoc {
    /// How long each pod runs once Running.
    pub run_time: DistSpec<SimDuration>,
    /// Bound → Running delay; default 1s.
    pub startup_delay: Option<DistSpec<SimDuration>>,
    /// Usage as a fraction of requests, per resource.
    #[serde(default)]
    pub usage: BTreeMap<String, DistSpec<f64>>,
    /// Per-resource request distributions, drawn once per Job (replace the template's).
    #[serde(default)]
    pub requests: BTreeMap<String, DistSpec<Quantity>>,
    /// A weighted choice of whole request vectors, drawn once per Job.
    pub request_choice: Option<Vec<WeightedRequestsDoc>>,
    /// Makes this entry a stream of Jobs arriving over time.
    pub arrivals: Option<ArrivalsDoc>,
    /// When the pods' containers crash (default never).
    pub crash: Option<CrashDoc>,
    /// A pod saves its progress after every interval of running time (default never: a
    /// failed pod's work item starts over).
    pub checkpoint_interval: Option<SimDuration>,
    /// How the pods serve requests of the Services that select them.
    pub serving: Option<super::services::ServingDoc>,
    /// Refused with a message: a Deployment setting.
    pub cpu_load: Option<IgnoredAny>,
}

/// One request vector of a `requestChoice`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WeightedRequestsDoc {
    /// Relative weight (default 1).
    pub weight: Option<f64>,
    /// The requests.
    pub requests: BTreeMap<String, Quantity>,
}

/// When the Jobs of a stream arrive: exactly one of `poisson`, `times`, `csv`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArrivalsDoc {
    /// A Poisson process at this rate.
    pub poisson: Option<Rate>,
    /// Fixed arrival times.
    pub times: Option<Vec<SimDuration>>,
    /// A CSV file of arrival times in seconds, relative to the scenario file.
    pub csv: Option<String>,
    /// The CSV column holding the times (default `time_s`).
    pub column: Option<String>,
    /// When a Poisson stream starts (default 0s).
    pub start: Option<SimDuration>,
    /// At most this many Jobs.
    pub limit: Option<u64>,
}
