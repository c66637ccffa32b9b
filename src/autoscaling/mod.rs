//! Autoscaling: the HorizontalPodAutoscaler, the cluster autoscaler, the metrics they
//! read and what the nodes cost.

pub mod cluster_autoscaler;
pub mod cost;
pub mod decisions;
pub mod hpa;
pub mod metrics;
pub mod spec;

use crate::scenario::Scenario;

/// The autoscalers' rows of `summary.csv`.
pub fn summary(
    scenario: &Scenario,
    hpas: &hpa::controller::HpaController,
    ca: Option<&cluster_autoscaler::ClusterAutoscaler>,
) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for (i, h) in scenario.hpas.iter().enumerate() {
        rows.push((
            format!("hpa_rescales[{}]", h.name),
            hpas.rescales(i).to_string(),
        ));
    }
    if let Some(ca) = ca {
        let s = ca.stats;
        for (k, v) in [
            ("autoscaler_scale_ups", s.scale_ups),
            ("autoscaler_nodes_requested", s.nodes_requested),
            ("autoscaler_nodes_added", s.nodes_added),
            ("autoscaler_provisioning_failures", s.provisioning_failures),
            ("autoscaler_nodes_removed", s.nodes_removed),
        ] {
            rows.push((k.to_string(), v.to_string()));
        }
    }
    rows
}
