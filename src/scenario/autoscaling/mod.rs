//! The autoscaling part of a scenario: `horizontalPodAutoscalers` (`autoscaling/v2`
//! HorizontalPodAutoscaler objects), the HPA controller's flags
//! (`horizontalPodAutoscaling`), the cluster autoscaler (`clusterAutoscaler`) and its node
//! groups (`cluster.nodePools[].autoscaling`), `billing`, `slos` and the Deployments'
//! `simulation.cpuLoad`. Checked as the API server checks them, plus what kubesim cannot
//! model; turned into the types of [`crate::autoscaling::spec`].

mod cpu_load;
mod hpa;
mod node_groups;
mod objectives;

pub use cpu_load::{CpuDiurnalDoc, CpuLoadDoc, CpuSpikeDoc, CpuStepDoc};
pub use hpa::{
    BehaviorDoc, HpaControllerDoc, HpaDoc, HpaSpecDoc, MAX_PERIOD_SECONDS,
    MAX_STABILIZATION_WINDOW_SECONDS, MetricDoc, MetricIdentifierDoc, MetricTargetDoc,
    PodsMetricDoc, REQUESTS_PER_SECOND, ResourceMetricDoc, ScaleTargetRefDoc, ScalingPolicyDoc,
    ScalingRulesDoc,
};
pub use node_groups::{ClusterAutoscalerDoc, DEFAULT_PROVISIONING_DELAY_SECS, NodeGroupDoc};
pub(super) use node_groups::{check_growth, node_group};
pub use objectives::{BillingDoc, LatencySloDoc, SLO_PERCENTILES, SlosDoc};

use crate::autoscaling::spec::{Billing, CaConfig, CpuLoad, HpaConfig, HpaSpec, Slos};
use crate::cluster::pod::PodTemplate;
use crate::engine::time::Nanos;
use crate::scenario::closest;
use crate::scenario::limits::MAX_DURATION_NANOS;
use crate::scenario::model::{Pool, Workload};
use crate::scenario::schema::ScenarioDoc;
use crate::scenario::units::SimDuration;
pub(super) use crate::scenario::validate::DEFAULT_NAMESPACE;
use crate::scenario::validate::{Ctx, R};
use crate::traffic::service::ServiceSpec;

/// Everything autoscaling a scenario sets, validated.
#[derive(Debug)]
pub(super) struct Settings {
    /// `horizontalPodAutoscalers`.
    pub(super) hpas: Vec<HpaSpec>,
    /// `horizontalPodAutoscaling`.
    pub(super) hpa_config: HpaConfig,
    /// `clusterAutoscaler`.
    pub(super) cluster_autoscaler: Option<CaConfig>,
    /// `billing`.
    pub(super) billing: Billing,
    /// `slos`.
    pub(super) slos: Slos,
    /// `simulation.cpuLoad` of each Deployment, in `workloads.deployments` order.
    pub(super) cpu_loads: Vec<Option<CpuLoad>>,
}

/// What the autoscaling checks look up: everything validated before them.
pub(super) struct Refs<'a> {
    /// The scenario's `duration`.
    pub(super) duration: Option<Nanos>,
    /// Node pools, in the order listed.
    pub(super) pools: &'a [Pool],
    /// Workloads: the Deployments first, in the order listed, then the Jobs.
    pub(super) workloads: &'a [Workload],
    /// Pod templates.
    pub(super) templates: &'a [PodTemplate],
    /// Services, in the order listed.
    pub(super) services: &'a [ServiceSpec],
}

/// A duration field: at least `min` (a `min` of 1 ns means "more than 0s") and at most
/// 100 years.
fn bounded(cx: &Ctx, path: &str, d: Option<SimDuration>, min: Nanos, default: Nanos) -> R<Nanos> {
    match d.map(SimDuration::as_nanos) {
        None => Ok(default),
        Some(ns) if ns < min || ns > MAX_DURATION_NANOS => {
            let floor = match min {
                0 => String::new(),
                1 => "more than 0s and ".to_string(),
                _ => format!(
                    "at least {}s and ",
                    crate::scenario::units::format_seconds(min)
                ),
            };
            cx.err(path, format!("must be {floor}at most 100 years (876000h)"))
        }
        Some(ns) => Ok(ns),
    }
}

/// `name` when it is one of `allowed`, else an error listing them (with a did-you-mean).
fn one_of<'a>(cx: &Ctx, path: &str, name: &str, allowed: &[&'a str]) -> R<&'a str> {
    if let Some(&a) = allowed.iter().find(|&&a| a == name) {
        return Ok(a);
    }
    let hint = closest(name, allowed)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    cx.err(
        path,
        format!(
            "`{name}` is not allowed{hint}; use one of `{}`",
            allowed.join("`, `")
        ),
    )
}

/// Checks every autoscaling setting of `doc`.
pub(super) fn settings(cx: &mut Ctx, doc: &ScenarioDoc, refs: &Refs) -> R<Settings> {
    let cpu_loads = cpu_load::cpu_loads(cx, doc, refs)?;
    let hpa_config = hpa::hpa_config(cx, doc.horizontal_pod_autoscaling.as_ref())?;
    if doc.horizontal_pod_autoscaling.is_some() && doc.horizontal_pod_autoscalers.is_empty() {
        cx.warnings.insert(
            "horizontalPodAutoscaling has no effect: the scenario has no horizontalPodAutoscalers"
                .into(),
        );
    }
    let hpas = hpa::hpas(cx, doc, refs, &cpu_loads)?;
    let cluster_autoscaler =
        node_groups::cluster_autoscaler(cx, doc.cluster_autoscaler.as_ref(), refs)?;
    let billing = objectives::billing(cx, doc.billing.as_ref())?;
    let slos = objectives::slos(cx, doc.slos.as_ref(), refs.services)?;
    Ok(Settings {
        hpas,
        hpa_config,
        cluster_autoscaler,
        billing,
        slos,
        cpu_loads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscaling::spec::{
        Behavior, Expander, LatencySlo, LoadCurve, LoadUnit, MetricSpec, PolicyKind, ScalingPolicy,
        ScalingRules, SelectPolicy,
    };
    use crate::cluster::ids::WorkloadId;
    use crate::engine::dist::Distribution;
    use crate::engine::time::NANOS_PER_SEC;

    const S: Nanos = NANOS_PER_SEC;

    /// A scenario with `extra` appended at the top level; `sim` is the `simulation:` of
    /// Deployment `web` (flow YAML) and `pools` the node pools.
    pub(super) fn scenario(pools: &str, sim: &str, extra: &str) -> Result<crate::Scenario, String> {
        let text = format!(
            "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: auto}}
duration: 1h
cluster:
  nodePools: {pools}
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        replicas: 2
        template:
          metadata: {{labels: {{app: web}}}}
          spec:
            containers: [{{name: app, resources: {{requests: {{cpu: 500m, memory: 512Mi}}}}}}]
      simulation: {sim}
    - metadata: {{name: api}}
      spec:
        template:
          metadata: {{labels: {{app: api}}}}
          spec:
            containers: [{{name: app, resources: {{requests: {{cpu: 1, memory: 1Gi}}}}}}]
services:
  - metadata: {{name: api}}
    spec: {{type: LoadBalancer, selector: {{app: api}}}}
    simulation: {{demand: 10ms, traffic: {{poisson: 10/s}}}}
{extra}"
        );
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        crate::scenario::load_str(&text, "t.yaml", &root).map_err(|e| e.to_string())
    }

    const POOL: &str = "[{name: general, count: 2, pricePerHour: 0.2, capacity: {cpu: 4, memory: 16Gi}, autoscaling: {minCount: 1, maxCount: 20, provisioningDelay: {uniform: {min: 60s, max: 240s}}}}]";

    pub(super) fn ok(pools: &str, sim: &str, extra: &str) -> crate::Scenario {
        scenario(pools, sim, extra).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_full_example_parses_into_the_expected_spec() {
        let s = ok(
            POOL,
            "{cpuLoad: {constant: 6}}",
            "clusterAutoscaler:
  scanInterval: 20s
  expander: price
  scaleDownEnabled: false
  scaleDownUtilizationThreshold: 0.6
  scaleDownUnneededTime: 5m
  scaleDownDelayAfterAdd: 4m
  scaleDownDelayAfterDelete: 30s
  scaleDownDelayAfterFailure: 2m
  maxNodeProvisionTime: 10m
  maxNodesTotal: 50
  newPodScaleUpDelay: 5s
  maxEmptyBulkDelete: 3
horizontalPodAutoscaling:
  syncPeriod: 30s
  tolerance: 0.05
  downscaleStabilization: 2m
  cpuInitializationPeriod: 1m
  initialReadinessDelay: 10s
  metricsResolution: 60s
  metricsLag: 5s
horizontalPodAutoscalers:
  - apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: web, namespace: default}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 2
      maxReplicas: 10
      metrics:
        - type: Resource
          resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
        - type: Resource
          resource: {name: cpu, target: {type: AverageValue, averageValue: 500m}}
      behavior:
        scaleUp: {stabilizationWindowSeconds: 30, selectPolicy: Min, policies: [{type: Pods, value: 2, periodSeconds: 60}]}
        scaleDown: {selectPolicy: Disabled}
  - metadata: {name: api}
    spec:
      scaleTargetRef: {kind: Deployment, name: api}
      maxReplicas: 5
      metrics:
        - type: Pods
          pods: {metric: {name: requests_per_second}, target: {type: AverageValue, averageValue: \"20\"}}
billing: {rounding: hourly}
slos:
  jobPendingTime: 60s
  serviceLatency:
    - {service: api, namespace: default, percentile: 99.9, target: 250ms}
",
        );
        let ca = s.cluster_autoscaler.clone().expect("a cluster autoscaler");
        assert_eq!(
            ca,
            CaConfig {
                scan_interval: 20 * S,
                expander: Expander::Price,
                scale_down_enabled: false,
                utilization_threshold: 0.6,
                unneeded_time: 300 * S,
                delay_after_add: 240 * S,
                delay_after_delete: 30 * S,
                delay_after_failure: 120 * S,
                max_node_provision_time: 600 * S,
                max_nodes_total: 50,
                new_pod_scale_up_delay: 5 * S,
                max_empty_bulk_delete: 3,
                backoff: 300 * S,
            }
        );
        assert_eq!(
            s.hpa_config,
            HpaConfig {
                sync_period: 30 * S,
                tolerance: 0.05,
                downscale_stabilization: 120 * S,
                cpu_initialization_period: 60 * S,
                initial_readiness_delay: 10 * S,
                metrics_resolution: 60 * S,
                metrics_lag: 5 * S,
            }
        );
        let web = HpaSpec {
            name: "web".into(),
            target: WorkloadId(0),
            min_replicas: 2,
            max_replicas: 10,
            metrics: vec![
                MetricSpec::CpuUtilization(60),
                MetricSpec::CpuAverageValue(500),
            ],
            behavior: Some(Behavior {
                scale_up: ScalingRules {
                    stabilization_window: Some(30 * S),
                    select: SelectPolicy::Min,
                    policies: vec![ScalingPolicy {
                        kind: PolicyKind::Pods,
                        value: 2,
                        period: 60 * S,
                    }],
                },
                // Only selectPolicy given: the rest is upstream's scaleDown default.
                scale_down: ScalingRules {
                    stabilization_window: None,
                    select: SelectPolicy::Disabled,
                    policies: vec![ScalingPolicy {
                        kind: PolicyKind::Percent,
                        value: 100,
                        period: 15 * S,
                    }],
                },
            }),
        };
        let api = HpaSpec {
            name: "api".into(),
            target: WorkloadId(1),
            min_replicas: 1,
            max_replicas: 5,
            metrics: vec![MetricSpec::RequestsPerSecond(20_000)],
            behavior: None,
        };
        assert_eq!(s.hpas, vec![web, api]);
        assert_eq!(s.billing, Billing::Hourly);
        assert_eq!(
            s.slos,
            Slos {
                job_pending: Some(60 * S),
                latency: vec![LatencySlo {
                    service: 0,
                    percentile: 99.9,
                    target: 250_000_000,
                }],
            }
        );
        let g = s.pools[0].autoscaling.as_ref().expect("a node group");
        assert_eq!((g.min, g.max), (1, 20));
        assert!(matches!(g.provisioning_delay, Distribution::Uniform { .. }));
        // The pool's next node is general-2, like its first.
        let next = s.pools[0].node_spec(2, &s.zones);
        assert_eq!(next.name, "general-2");
        assert_eq!(next.allocatable, s.nodes[0].allocatable);
        assert_eq!(
            s.workloads[0].cpu_load,
            Some(CpuLoad {
                curve: LoadCurve::Constant(6.0),
                unit: LoadUnit::Cores
            })
        );
        assert_eq!(s.workloads[1].cpu_load, None);
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let s = ok(
            "[{name: g, count: 0, capacity: {cpu: 4, memory: 16Gi}, autoscaling: {maxCount: 3}}]",
            "{}",
            "clusterAutoscaler: {}
horizontalPodAutoscalers:
  - metadata: {name: web}
    spec: {scaleTargetRef: {kind: Deployment, name: web}, maxReplicas: 4}
  - metadata: {name: api}
    spec: {scaleTargetRef: {kind: Deployment, name: api}, maxReplicas: 4, behavior: {}}
",
        );
        assert_eq!(s.cluster_autoscaler, Some(CaConfig::default()));
        assert_eq!(s.hpa_config, HpaConfig::default());
        assert_eq!(s.billing, Billing::PerSecond);
        assert_eq!(s.slos, Slos::default());
        // No metrics: cpu at 80 %; no behavior: None (the legacy path).
        assert_eq!(s.hpas[0].min_replicas, 1);
        assert_eq!(s.hpas[0].metrics, vec![MetricSpec::CpuUtilization(80)]);
        assert_eq!(s.hpas[0].behavior, None);
        // `behavior: {}`: both directions take the API server's defaults.
        assert_eq!(
            s.hpas[1].behavior,
            Some(Behavior {
                scale_up: ScalingRules::default_up(),
                scale_down: ScalingRules::default_down(),
            })
        );
        let g = s.pools[0].autoscaling.as_ref().expect("a node group");
        assert_eq!((g.min, g.max), (0, 3));
        assert_eq!(
            g.provisioning_delay,
            Distribution::Constant(DEFAULT_PROVISIONING_DELAY_SECS)
        );
        assert_eq!(s.pools[0].node_spec(0, &s.zones).name, "g-0");
        assert_eq!(s.pools[0].count, 0);
    }

    #[test]
    fn upstream_defaults_per_direction() {
        // Values from upstream's API defaults (reference §6.1), written out by hand.
        let up = ScalingRules::default_up();
        assert_eq!(up.stabilization_window, Some(0));
        assert_eq!(up.policies.len(), 2);
        // A scaleUp that sets only its window keeps the default policies.
        let s = ok(
            "[{name: n, count: 2, capacity: {cpu: 4, memory: 16Gi}}]",
            "{}",
            "horizontalPodAutoscalers:
  - metadata: {name: web}
    spec:
      scaleTargetRef: {kind: Deployment, name: web}
      maxReplicas: 4
      behavior: {scaleUp: {stabilizationWindowSeconds: 60}}
",
        );
        let b = s.hpas[0].behavior.clone().expect("behavior");
        assert_eq!(b.scale_up.stabilization_window, Some(60 * S));
        assert_eq!(b.scale_up.select, SelectPolicy::Max);
        assert_eq!(
            b.scale_up.policies,
            vec![
                ScalingPolicy {
                    kind: PolicyKind::Pods,
                    value: 4,
                    period: 15 * S
                },
                ScalingPolicy {
                    kind: PolicyKind::Percent,
                    value: 100,
                    period: 15 * S
                }
            ]
        );
        assert_eq!(b.scale_down, ScalingRules::default_down());
    }
}
