//! Filter and score plugins, one file each, with kube-scheduler's semantics and integer
//! arithmetic for the pinned Kubernetes version, and the registry that builds them by name.

pub mod balanced_allocation;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod pod_topology_spread;
pub mod taint_toleration;

use super::config::{FilterName, FrameworkConfig, ScoreName};
use super::framework::{FilterPlugin, ScorePlugin};

/// The registry of filter plugins.
pub fn filter(name: FilterName, config: &FrameworkConfig) -> Box<dyn FilterPlugin> {
    match name {
        FilterName::NodeUnschedulable => Box::new(node_unschedulable::Unschedulable::default()),
        FilterName::TaintToleration => Box::new(taint_toleration::TaintFilter),
        FilterName::NodeAffinity => Box::new(node_affinity::AffinityFilter),
        FilterName::NodePorts => Box::new(node_ports::NodePorts),
        FilterName::NodeResourcesFit => Box::new(node_resources_fit::Fit::default()),
        FilterName::PodTopologySpread => Box::new(pod_topology_spread::SpreadFilter::new(config)),
        FilterName::InterPodAffinity => Box::new(inter_pod_affinity::AffinityFilter::new(config)),
    }
}

/// The registry of score plugins.
pub fn score(name: ScoreName, config: &FrameworkConfig) -> Box<dyn ScorePlugin> {
    match name {
        ScoreName::TaintToleration => Box::new(taint_toleration::TaintScore),
        ScoreName::NodeAffinity => Box::new(node_affinity::AffinityScore),
        ScoreName::NodeResourcesFit => Box::new(node_resources_fit::FitScore::new(config)),
        ScoreName::PodTopologySpread => Box::new(pod_topology_spread::SpreadScore::new(config)),
        ScoreName::InterPodAffinity => Box::new(inter_pod_affinity::AffinityScore::new(config)),
        ScoreName::NodeResourcesBalancedAllocation => {
            Box::new(balanced_allocation::Balanced::new(config))
        }
    }
}
