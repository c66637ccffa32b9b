//! The scheduler's configuration, as a scenario gives it: a subset of
//! `KubeSchedulerConfiguration` (profiles with plugins, weights and plugin args,
//! `percentageOfNodesToScore`, queue backoff) plus kubesim's own settings (the simulated
//! cost of a scheduling cycle, baseline policies).

use crate::engine::time::{Nanos, secs_to_nanos};

/// The `schedulerName` pods get when they name none.
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";

/// Everything the scheduler is configured with.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulerConfig {
    /// Profiles; the first is `default-scheduler`'s unless the scenario names its own.
    pub profiles: Vec<ProfileConfig>,
    /// Global `percentageOfNodesToScore`; `None` or `Some(0)` is Kubernetes' adaptive
    /// default.
    pub percentage_of_nodes_to_score: Option<u32>,
    /// Simulated time one scheduling cycle takes (filter + score + bind decision).
    pub cycle_time: Nanos,
    /// `podInitialBackoffSeconds`.
    pub initial_backoff: Nanos,
    /// `podMaxBackoffSeconds`.
    pub max_backoff: Nanos,
    /// How long a pod stays in the unschedulable pool before it is retried anyway
    /// (`podMaxInUnschedulablePodsDuration`).
    pub max_in_unschedulable: Nanos,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            profiles: vec![ProfileConfig::default()],
            percentage_of_nodes_to_score: None,
            cycle_time: 0,
            initial_backoff: secs_to_nanos(1.0),
            max_backoff: secs_to_nanos(10.0),
            max_in_unschedulable: secs_to_nanos(300.0),
        }
    }
}

/// One profile: the pods whose `schedulerName` is `name` are placed by `policy`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileConfig {
    /// `schedulerName`.
    pub name: String,
    /// How it places pods.
    pub policy: PolicyConfig,
    /// Profile-level `percentageOfNodesToScore` (overrides the global one).
    pub percentage_of_nodes_to_score: Option<u32>,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        ProfileConfig {
            name: DEFAULT_SCHEDULER_NAME.to_string(),
            policy: PolicyConfig::Framework(FrameworkConfig::default()),
            percentage_of_nodes_to_score: None,
        }
    }
}

/// A profile's placement: kube-scheduler's plugin framework, or a classic baseline that
/// picks among the nodes passing the same filters.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyConfig {
    /// Filter and score plugins.
    Framework(FrameworkConfig),
    /// A baseline policy after the default filters.
    Baseline(Baseline),
}

/// The classic placement baselines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// The first feasible node in node order.
    FirstFit,
    /// A feasible node uniformly at random.
    Random,
    /// Feasible nodes in turn, continuing after the last node chosen.
    RoundRobin,
    /// The feasible node with the least capacity left after placing the pod.
    BestFit,
    /// The feasible node with the most capacity left after placing the pod.
    WorstFit,
    /// The feasible node where the pod's dominant share stays lowest (DRF-style).
    DominantResourceFit,
    /// The feasible node whose free capacity aligns best with the request (Tetris).
    Tetris,
}

impl Baseline {
    /// Every baseline with its name.
    pub const ALL: [(Baseline, &'static str); 7] = [
        (Baseline::FirstFit, "first-fit"),
        (Baseline::Random, "random"),
        (Baseline::RoundRobin, "round-robin"),
        (Baseline::BestFit, "best-fit"),
        (Baseline::WorstFit, "worst-fit"),
        (Baseline::DominantResourceFit, "dominant-resource-fit"),
        (Baseline::Tetris, "tetris"),
    ];

    /// The name scenarios and `compare` use.
    pub fn name(self) -> &'static str {
        Baseline::ALL
            .iter()
            .find(|(b, _)| *b == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    /// The baseline called `name`.
    pub fn parse(name: &str) -> Option<Baseline> {
        Baseline::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(b, _)| *b)
    }
}

/// Filter plugins kubesim models, in kube-scheduler's default order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FilterName {
    /// Cordoned nodes (`spec.unschedulable`).
    NodeUnschedulable,
    /// `NoSchedule`/`NoExecute` taints.
    TaintToleration,
    /// `nodeSelector` and required node affinity.
    NodeAffinity,
    /// Host ports.
    NodePorts,
    /// Requests against allocatable, pod count.
    NodeResourcesFit,
    /// `DoNotSchedule` topology spread constraints.
    PodTopologySpread,
    /// Required pod affinity and anti-affinity.
    InterPodAffinity,
}

impl FilterName {
    /// Every filter plugin, in the default profile's order.
    pub const ALL: [FilterName; 7] = [
        FilterName::NodeUnschedulable,
        FilterName::TaintToleration,
        FilterName::NodeAffinity,
        FilterName::NodePorts,
        FilterName::NodeResourcesFit,
        FilterName::PodTopologySpread,
        FilterName::InterPodAffinity,
    ];

    /// The upstream plugin name.
    pub fn name(self) -> &'static str {
        match self {
            FilterName::NodeUnschedulable => "NodeUnschedulable",
            FilterName::TaintToleration => "TaintToleration",
            FilterName::NodeAffinity => "NodeAffinity",
            FilterName::NodePorts => "NodePorts",
            FilterName::NodeResourcesFit => "NodeResourcesFit",
            FilterName::PodTopologySpread => "PodTopologySpread",
            FilterName::InterPodAffinity => "InterPodAffinity",
        }
    }
}

/// Score plugins kubesim models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScoreName {
    /// `PreferNoSchedule` taints.
    TaintToleration,
    /// Preferred node affinity.
    NodeAffinity,
    /// The NodeResourcesFit scoring strategy.
    NodeResourcesFit,
    /// `ScheduleAnyway` spread constraints and the system defaults.
    PodTopologySpread,
    /// Preferred pod affinity and anti-affinity.
    InterPodAffinity,
    /// Balanced use of the requested resources.
    NodeResourcesBalancedAllocation,
}

impl ScoreName {
    /// Every score plugin with its default weight, in the default profile's order.
    pub const DEFAULTS: [(ScoreName, i64); 6] = [
        (ScoreName::TaintToleration, 3),
        (ScoreName::NodeAffinity, 2),
        (ScoreName::NodeResourcesFit, 1),
        (ScoreName::PodTopologySpread, 2),
        (ScoreName::InterPodAffinity, 2),
        (ScoreName::NodeResourcesBalancedAllocation, 1),
    ];

    /// The upstream plugin name.
    pub fn name(self) -> &'static str {
        match self {
            ScoreName::TaintToleration => "TaintToleration",
            ScoreName::NodeAffinity => "NodeAffinity",
            ScoreName::NodeResourcesFit => "NodeResourcesFit",
            ScoreName::PodTopologySpread => "PodTopologySpread",
            ScoreName::InterPodAffinity => "InterPodAffinity",
            ScoreName::NodeResourcesBalancedAllocation => "NodeResourcesBalancedAllocation",
        }
    }
}

/// NodeResourcesFit's scoring strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScoringStrategy {
    /// Prefer emptier nodes (the default).
    LeastAllocated,
    /// Prefer fuller nodes (bin packing).
    MostAllocated,
    /// A piecewise-linear function of utilization: `(utilization 0–100, score 0–10)`
    /// points, utilization strictly increasing.
    RequestedToCapacityRatio(Vec<(i64, i64)>),
}

/// A framework profile's plugins and their arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameworkConfig {
    /// Enabled filters, in order.
    pub filters: Vec<FilterName>,
    /// Enabled scores with weights, in order.
    pub scores: Vec<(ScoreName, i64)>,
    /// NodeResourcesFit's strategy.
    pub strategy: ScoringStrategy,
    /// NodeResourcesFit's scored resources: `(slot, weight)`; default cpu 1, memory 1.
    pub fit_resources: Vec<(usize, i64)>,
    /// NodeResourcesBalancedAllocation's resources (slots); default cpu and memory.
    pub balanced_resources: Vec<usize>,
    /// InterPodAffinity's `hardPodAffinityWeight` (default 1).
    pub hard_pod_affinity_weight: i64,
    /// PodTopologySpread's `defaultingType: System` (the built-in default constraints)
    /// rather than `List` (`default_constraints`).
    pub system_default_spread: bool,
    /// PodTopologySpread's `defaultConstraints` (with `defaultingType: List`); their
    /// selectors are empty and filled from the pod's owner.
    pub default_constraints: Vec<crate::cluster::selectors::SpreadConstraint>,
    /// DefaultPreemption is enabled.
    pub preemption: bool,
}

impl Default for FrameworkConfig {
    fn default() -> Self {
        use crate::cluster::resources::{CPU, MEMORY};
        FrameworkConfig {
            filters: FilterName::ALL.to_vec(),
            scores: ScoreName::DEFAULTS.to_vec(),
            strategy: ScoringStrategy::LeastAllocated,
            fit_resources: vec![(CPU, 1), (MEMORY, 1)],
            balanced_resources: vec![CPU, MEMORY],
            hard_pod_affinity_weight: 1,
            system_default_spread: true,
            default_constraints: Vec::new(),
            preemption: true,
        }
    }
}

/// The policies `scheduler.policy` and `kubesim compare --vary scheduler=` accept, besides
/// the scenario's own profile names.
pub const POLICY_NAMES: [&str; 10] = [
    "default",
    "most-allocated",
    "requested-to-capacity-ratio",
    "first-fit",
    "random",
    "round-robin",
    "best-fit",
    "worst-fit",
    "dominant-resource-fit",
    "tetris",
];

/// The placement policy called `name`: `default` is kube-scheduler's default profile,
/// `most-allocated` the same with the MostAllocated strategy,
/// `requested-to-capacity-ratio` the same with a bin-packing shape (0 → 0, 100 → 10),
/// the others are baselines.
pub fn named_policy(name: &str) -> Option<PolicyConfig> {
    let with = |strategy| {
        PolicyConfig::Framework(FrameworkConfig {
            strategy,
            ..FrameworkConfig::default()
        })
    };
    match name {
        "default" => Some(with(ScoringStrategy::LeastAllocated)),
        "most-allocated" => Some(with(ScoringStrategy::MostAllocated)),
        "requested-to-capacity-ratio" => {
            Some(with(ScoringStrategy::RequestedToCapacityRatio(vec![
                (0, 0),
                (100, 10),
            ])))
        }
        other => Baseline::parse(other).map(PolicyConfig::Baseline),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_name_resolves() {
        for n in POLICY_NAMES {
            assert!(named_policy(n).is_some(), "{n}");
        }
        for (b, n) in Baseline::ALL {
            assert_eq!(Baseline::parse(n), Some(b));
            assert_eq!(b.name(), n);
        }
        assert!(named_policy("nope").is_none());
    }

    #[test]
    fn default_weights_sum_to_upstream_total_without_image_locality() {
        // Upstream's default total is 1200 with ImageLocality (weight 1), not modelled.
        let sum: i64 = ScoreName::DEFAULTS.iter().map(|(_, w)| w).sum();
        assert_eq!(100 * (sum + 1), 1200);
    }
}
