//! The autoscaling part of a scenario: `horizontalPodAutoscalers` (`autoscaling/v2`
//! HorizontalPodAutoscaler objects), the HPA controller's flags
//! (`horizontalPodAutoscaling`), the cluster autoscaler (`clusterAutoscaler`) and its node
//! groups (`cluster.nodePools[].autoscaling`), `billing`, `slos` and the Deployments'
//! `simulation.cpuLoad`. Checked as the API server checks them, plus what kubesim cannot
//! model; turned into the types of [`crate::autoscaling::spec`].

use super::closest;
use super::dist::DistSpec;
use super::limits::{MAX_CLUSTER_AMOUNT, MAX_DURATION_NANOS, MAX_NODES, MAX_REPLICAS};
use super::model::{Pool, Workload, WorkloadKind};
use super::schema::{ObjectMeta, PodSpecDoc, ScenarioDoc, ScenarioEventDoc};
use super::traffic::{RateCsvDoc, Unit};
use super::units::{Quantity, SimDuration};
use super::validate::{Ctx, R, check_list, duration_dist};
use crate::autoscaling::spec::{
    Behavior, Billing, CaConfig, CpuLoad, Expander, HpaConfig, HpaSpec, LatencySlo, LoadCurve,
    MetricSpec, NodeGroup, PolicyKind, ScalingPolicy, ScalingRules, SelectPolicy, Slos,
};
use crate::cluster::ids::WorkloadId;
use crate::cluster::node::NodeSpec;
use crate::cluster::pod::PodTemplate;
use crate::engine::dist::Distribution;
use crate::engine::time::{NANOS_PER_SEC, Nanos};
use crate::traffic::service::ServiceSpec;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::{BTreeMap, BTreeSet};

/// Default `provisioningDelay` of a node group, seconds: a cloud VM's boot and join
/// (upstream's FAQ: "usually 3 to 4 minutes" on GCE, 1–5 min elsewhere).
pub const DEFAULT_PROVISIONING_DELAY_SECS: f64 = 120.0;
/// Longest `stabilizationWindowSeconds` (upstream's `MaxStabilizationWindowSeconds`).
pub const MAX_STABILIZATION_WINDOW_SECONDS: i64 = 3600;
/// Longest `periodSeconds` of a scaling policy (upstream's `MaxPeriodSeconds`).
pub const MAX_PERIOD_SECONDS: i64 = 1800;
/// The only Pods metric kubesim measures.
pub const REQUESTS_PER_SECOND: &str = "requests_per_second";
/// The percentiles a latency objective may name.
pub const SLO_PERCENTILES: [f64; 4] = [50.0, 90.0, 99.0, 99.9];
/// The namespace of objects that name none.
const DEFAULT_NAMESPACE: &str = "default";
/// The metric types upstream's `autoscaling/v2` defines.
const METRIC_TYPES: [&str; 5] = [
    "Resource",
    "Pods",
    "Object",
    "External",
    "ContainerResource",
];

/// `cluster.nodePools[].autoscaling`: makes the pool a node group of the cluster
/// autoscaler.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeGroupDoc {
    /// Fewest nodes (default 0).
    pub min_count: Option<i64>,
    /// Most nodes (required).
    pub max_count: Option<i64>,
    /// From the scale-up request to the node joining (default 120s).
    pub provisioning_delay: Option<DistSpec<SimDuration>>,
}

/// `clusterAutoscaler`: the cluster autoscaler's flags, camelCased.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterAutoscalerDoc {
    /// `--scan-interval` (default 10s).
    pub scan_interval: Option<SimDuration>,
    /// `--expander` (default `random`).
    pub expander: Option<String>,
    /// `--scale-down-enabled` (default true).
    pub scale_down_enabled: Option<bool>,
    /// `--scale-down-utilization-threshold` (default 0.5).
    pub scale_down_utilization_threshold: Option<f64>,
    /// `--scale-down-unneeded-time` (default 10m).
    pub scale_down_unneeded_time: Option<SimDuration>,
    /// `--scale-down-delay-after-add` (default 10m).
    pub scale_down_delay_after_add: Option<SimDuration>,
    /// `--scale-down-delay-after-delete` (default 0s).
    pub scale_down_delay_after_delete: Option<SimDuration>,
    /// `--scale-down-delay-after-failure` (default 3m).
    pub scale_down_delay_after_failure: Option<SimDuration>,
    /// `--max-node-provision-time` (default 15m).
    pub max_node_provision_time: Option<SimDuration>,
    /// `--max-nodes-total` (default 0: no limit).
    pub max_nodes_total: Option<i64>,
    /// `--new-pod-scale-up-delay` (default 0s).
    pub new_pod_scale_up_delay: Option<SimDuration>,
    /// `--max-empty-bulk-delete` (default 10).
    pub max_empty_bulk_delete: Option<i64>,
}

/// `horizontalPodAutoscaling`: kube-controller-manager's HPA flags, camelCased, and how
/// metrics reach the controller.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HpaControllerDoc {
    /// `--horizontal-pod-autoscaler-sync-period` (default 15s).
    pub sync_period: Option<SimDuration>,
    /// `--horizontal-pod-autoscaler-tolerance` (default 0.1).
    pub tolerance: Option<f64>,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (default 5m).
    pub downscale_stabilization: Option<SimDuration>,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (default 5m).
    pub cpu_initialization_period: Option<SimDuration>,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (default 30s).
    pub initial_readiness_delay: Option<SimDuration>,
    /// Simulation: metrics-server's scrape interval and sample window (default 15s).
    pub metrics_resolution: Option<SimDuration>,
    /// Simulation: extra age of the newest sample the HPA sees (default 0s).
    pub metrics_lag: Option<SimDuration>,
}

/// An `autoscaling/v2` HorizontalPodAutoscaler.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HpaDoc {
    /// `autoscaling/v2` if given.
    pub api_version: Option<String>,
    /// `HorizontalPodAutoscaler` if given.
    pub kind: Option<String>,
    /// Name and namespace.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: HpaSpecDoc,
}

/// `HorizontalPodAutoscalerSpec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HpaSpecDoc {
    /// The Deployment it scales.
    pub scale_target_ref: ScaleTargetRefDoc,
    /// Fewest replicas (default 1).
    pub min_replicas: Option<i64>,
    /// Most replicas (required).
    pub max_replicas: Option<i64>,
    /// What it measures (default: cpu at 80 % utilization).
    #[serde(default)]
    pub metrics: Vec<MetricDoc>,
    /// How fast it may scale (default: the controller's legacy rules).
    pub behavior: Option<BehaviorDoc>,
}

/// `CrossVersionObjectReference`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScaleTargetRefDoc {
    /// `apps/v1` if given.
    pub api_version: Option<String>,
    /// `Deployment`.
    pub kind: String,
    /// The Deployment's name, in the HPA's namespace.
    pub name: String,
}

/// `MetricSpec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricDoc {
    /// `Resource` or `Pods` (the other upstream types are refused with a message).
    #[serde(rename = "type")]
    pub kind: String,
    /// With `type: Resource`.
    pub resource: Option<ResourceMetricDoc>,
    /// With `type: Pods`.
    pub pods: Option<PodsMetricDoc>,
    /// Refused with a message: not modelled.
    pub object: Option<IgnoredAny>,
    /// Refused with a message: not modelled.
    pub external: Option<IgnoredAny>,
    /// Refused with a message: not modelled.
    pub container_resource: Option<IgnoredAny>,
}

/// `ResourceMetricSource`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceMetricDoc {
    /// The resource (`cpu`).
    pub name: String,
    /// The target.
    pub target: MetricTargetDoc,
}

/// `PodsMetricSource`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodsMetricDoc {
    /// Which metric.
    pub metric: MetricIdentifierDoc,
    /// The target.
    pub target: MetricTargetDoc,
}

/// `MetricIdentifier`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricIdentifierDoc {
    /// The metric's name (`requests_per_second`).
    pub name: String,
    /// Accepted, not modelled.
    pub selector: Option<IgnoredAny>,
}

/// `MetricTarget`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricTargetDoc {
    /// `Utilization`, `AverageValue` or `Value`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Percent of the request, with `Utilization`.
    pub average_utilization: Option<i64>,
    /// A quantity per pod, with `AverageValue`.
    pub average_value: Option<Quantity>,
    /// A quantity in all, with `Value` (refused: not for these metrics).
    pub value: Option<Quantity>,
}

/// `HorizontalPodAutoscalerBehavior`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BehaviorDoc {
    /// Rules for scaling up.
    pub scale_up: Option<ScalingRulesDoc>,
    /// Rules for scaling down.
    pub scale_down: Option<ScalingRulesDoc>,
}

/// `HPAScalingRules`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScalingRulesDoc {
    /// 0 to 3600.
    pub stabilization_window_seconds: Option<i64>,
    /// `Max`, `Min` or `Disabled`.
    pub select_policy: Option<String>,
    /// At least one policy when given.
    pub policies: Option<Vec<ScalingPolicyDoc>>,
    /// Refused with a message: the alpha per-direction tolerance is not modelled.
    pub tolerance: Option<IgnoredAny>,
}

/// `HPAScalingPolicy`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScalingPolicyDoc {
    /// `Pods` or `Percent`.
    #[serde(rename = "type")]
    pub kind: String,
    /// How many pods, or what percent, per period (> 0).
    pub value: i64,
    /// The period, 1 to 1800 seconds.
    pub period_seconds: i64,
}

/// `billing`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BillingDoc {
    /// `perSecond` (default) or `hourly`.
    pub rounding: Option<String>,
}

/// `slos`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SlosDoc {
    /// A Job pod pending longer than this misses.
    pub job_pending_time: Option<SimDuration>,
    /// Latency objectives of Services.
    #[serde(default)]
    pub service_latency: Vec<LatencySloDoc>,
}

/// One entry of `slos.serviceLatency`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LatencySloDoc {
    /// The Service's name.
    pub service: String,
    /// Its namespace (default `default`).
    pub namespace: Option<String>,
    /// 50, 90, 99 (default) or 99.9.
    pub percentile: Option<f64>,
    /// The latency the percentile must stay under (> 0).
    pub target: SimDuration,
}

/// `simulation.cpuLoad` of a Deployment: exactly one shape, in cores.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuLoadDoc {
    /// The same load throughout.
    pub constant: Option<f64>,
    /// A daily cosine.
    pub diurnal: Option<CpuDiurnalDoc>,
    /// Piecewise constant.
    pub steps: Option<Vec<CpuStepDoc>>,
    /// A base load with one burst.
    pub spike: Option<CpuSpikeDoc>,
    /// A series replayed from a CSV file (`rateColumn` holds cores).
    pub rate_csv: Option<RateCsvDoc>,
}

/// `cpuLoad.diurnal`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuDiurnalDoc {
    /// The highest load, cores.
    pub peak: f64,
    /// The lowest load, half a period from the peak, cores.
    pub trough: f64,
    /// When the load peaks.
    pub peak_at: SimDuration,
    /// The cycle (default 24h).
    pub period: Option<SimDuration>,
}

/// One entry of `cpuLoad.steps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuStepDoc {
    /// When the load changes.
    pub at: SimDuration,
    /// The load from then on, cores.
    pub value: f64,
}

/// `cpuLoad.spike`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuSpikeDoc {
    /// The load outside the spike, cores.
    pub base: f64,
    /// The load during the spike, cores.
    pub value: f64,
    /// When the spike begins.
    pub at: SimDuration,
    /// How long it lasts.
    pub duration: SimDuration,
}

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

/// A duration field that must lie in `[min, 100 years]`.
fn bounded(cx: &Ctx, path: &str, d: Option<SimDuration>, min: Nanos, default: Nanos) -> R<Nanos> {
    match d.map(SimDuration::as_nanos) {
        None => Ok(default),
        Some(ns) if ns < min || ns > MAX_DURATION_NANOS => {
            let floor = if min == 0 {
                "0s".to_string()
            } else {
                super::units::format_seconds(min) + "s"
            };
            cx.err(
                path,
                format!("must be from {floor} to 100 years (876000h), e.g. 30s"),
            )
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

/// `cluster.nodePools[i].autoscaling` of pool `p` (at `path`), whose initial size is
/// `count`; `template` is the node a first scale-up adds and `zones` the pool's zones in
/// round-robin order.
pub(super) fn node_group(
    cx: &Ctx,
    path: &str,
    p: &super::schema::NodePoolDoc,
    doc: &NodeGroupDoc,
    template: NodeSpec,
    zones: Vec<u16>,
) -> R<NodeGroup> {
    let apath = format!("{path}.autoscaling");
    let min = doc.min_count.unwrap_or(0);
    if min < 0 {
        return cx.err(
            format!("{apath}.minCount"),
            format!("{min} is negative: use 0 or more (default 0)"),
        );
    }
    let Some(max) = doc.max_count else {
        return cx.err(
            format!("{apath}.maxCount"),
            "is required: the most nodes the cluster autoscaler may give the pool, e.g. 10",
        );
    };
    if max < 1 {
        return cx.err(
            format!("{apath}.maxCount"),
            format!("{max}: must be at least 1 (a group that may hold no node cannot scale)"),
        );
    }
    if max as u64 > MAX_NODES {
        return cx.err(
            format!("{apath}.maxCount"),
            format!("{max} exceeds the limit of {MAX_NODES} nodes"),
        );
    }
    if max < min {
        return cx.err(
            format!("{apath}.maxCount"),
            format!("{max} is less than minCount ({min}); maxCount must be >= minCount"),
        );
    }
    if p.count < min as u64 || p.count > max as u64 {
        return cx.err(
            format!("{path}.count"),
            format!(
                "{} lies outside the group's bounds [minCount, maxCount] = [{min}, {max}]; the \
                 initial size must lie within them",
                p.count
            ),
        );
    }
    if p.added_at.is_some() {
        return cx.err(
            format!("{path}.addedAt"),
            "an autoscaled pool is there from the start and the cluster autoscaler adds its \
             nodes; leave out addedAt (or autoscaling)",
        );
    }
    let dpath = format!("{apath}.provisioningDelay");
    let provisioning_delay = match &doc.provisioning_delay {
        Some(DistSpec::Constant(SimDuration(0))) => {
            return cx.err(
                dpath,
                "must be more than 0s: a node takes time to boot and join (default 120s)",
            );
        }
        Some(d) => duration_dist(cx, &dpath, d)?,
        None => Distribution::Constant(DEFAULT_PROVISIONING_DELAY_SECS),
    };
    Ok(NodeGroup {
        min: min as u32,
        max: max as u32,
        provisioning_delay,
        template,
        zones,
    })
}

/// Refuses pools that could grow past the node limit, or past the cluster-wide resource
/// limit, once every node group is at its `maxCount`: the run must never be able to.
pub(super) fn check_growth(cx: &Ctx, pools: &[Pool], nodes: &[NodeSpec]) -> R<()> {
    if pools.iter().all(|p| p.autoscaling.is_none()) {
        return Ok(());
    }
    let most: u64 = pools
        .iter()
        .map(|p| {
            p.autoscaling
                .as_ref()
                .map_or(p.count as u64, |g| g.max as u64)
        })
        .sum();
    if most > MAX_NODES {
        return cx.err(
            "cluster.nodePools",
            format!(
                "the pools may grow to {most} nodes in all (maxCount of the autoscaled pools, \
                 count of the others), over the limit of {MAX_NODES}; lower some maxCount"
            ),
        );
    }
    let mut total = [0i128; crate::cluster::resources::MAX_RESOURCES];
    for p in pools {
        match &p.autoscaling {
            Some(g) => {
                for (t, a) in total.iter_mut().zip(g.template.allocatable.0) {
                    *t += i128::from(a) * i128::from(g.max);
                }
            }
            None => {
                for n in &nodes[p.first_node..p.first_node + p.count] {
                    for (t, a) in total.iter_mut().zip(n.allocatable.0) {
                        *t += i128::from(a);
                    }
                }
            }
        }
    }
    if let Some(r) = (0..cx.resources.len()).find(|&r| total[r] > i128::from(MAX_CLUSTER_AMOUNT)) {
        return cx.err(
            "cluster.nodePools",
            format!(
                "with every autoscaled pool at its maxCount, the cluster's total allocatable {} \
                 would exceed the limit of 2^58 base units; lower some maxCount",
                cx.resources.name(r)
            ),
        );
    }
    Ok(())
}

/// Checks every autoscaling setting of `doc`.
pub(super) fn settings(cx: &mut Ctx, doc: &ScenarioDoc, refs: &Refs) -> R<Settings> {
    let cpu_loads = cpu_loads(cx, doc, refs)?;
    let hpa_config = hpa_config(cx, doc.horizontal_pod_autoscaling.as_ref())?;
    if doc.horizontal_pod_autoscaling.is_some() && doc.horizontal_pod_autoscalers.is_empty() {
        cx.warnings.insert(
            "horizontalPodAutoscaling has no effect: the scenario has no horizontalPodAutoscalers"
                .into(),
        );
    }
    let hpas = hpas(cx, doc, refs, &cpu_loads)?;
    let cluster_autoscaler = cluster_autoscaler(cx, doc.cluster_autoscaler.as_ref(), refs)?;
    let billing = billing(cx, doc.billing.as_ref())?;
    let slos = slos(cx, doc.slos.as_ref(), refs.services)?;
    Ok(Settings {
        hpas,
        hpa_config,
        cluster_autoscaler,
        billing,
        slos,
        cpu_loads,
    })
}

/// `horizontalPodAutoscaling`.
fn hpa_config(cx: &Ctx, doc: Option<&HpaControllerDoc>) -> R<HpaConfig> {
    let d = HpaConfig::default();
    let Some(doc) = doc else {
        return Ok(d);
    };
    let p = |f: &str| format!("horizontalPodAutoscaling.{f}");
    let tolerance = match doc.tolerance {
        None => d.tolerance,
        Some(t) if t.is_finite() && (0.0..1.0).contains(&t) => t,
        Some(t) => {
            return cx.err(
                p("tolerance"),
                format!("{t}: must be at least 0 and below 1 (default 0.1)"),
            );
        }
    };
    Ok(HpaConfig {
        sync_period: bounded(cx, &p("syncPeriod"), doc.sync_period, 1, d.sync_period)?,
        tolerance,
        downscale_stabilization: bounded(
            cx,
            &p("downscaleStabilization"),
            doc.downscale_stabilization,
            0,
            d.downscale_stabilization,
        )?,
        cpu_initialization_period: bounded(
            cx,
            &p("cpuInitializationPeriod"),
            doc.cpu_initialization_period,
            0,
            d.cpu_initialization_period,
        )?,
        initial_readiness_delay: bounded(
            cx,
            &p("initialReadinessDelay"),
            doc.initial_readiness_delay,
            0,
            d.initial_readiness_delay,
        )?,
        metrics_resolution: bounded(
            cx,
            &p("metricsResolution"),
            doc.metrics_resolution,
            NANOS_PER_SEC,
            d.metrics_resolution,
        )?,
        metrics_lag: bounded(cx, &p("metricsLag"), doc.metrics_lag, 0, d.metrics_lag)?,
    })
}

/// `horizontalPodAutoscalers`.
fn hpas(
    cx: &mut Ctx,
    doc: &ScenarioDoc,
    refs: &Refs,
    cpu_loads: &[Option<CpuLoad>],
) -> R<Vec<HpaSpec>> {
    let list = &doc.horizontal_pod_autoscalers;
    check_list(cx, "horizontalPodAutoscalers", list)?;
    if !list.is_empty() && refs.duration.is_none() {
        return cx.err(
            "duration",
            "horizontalPodAutoscalers sync every syncPeriod without end: set the scenario's \
             `duration`",
        );
    }
    let mut names = BTreeSet::new();
    let mut scaled: BTreeMap<u32, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, d) in list.iter().enumerate() {
        let path = format!("horizontalPodAutoscalers[{i}]");
        let ns = super::disruption::object_meta(
            cx,
            &path,
            (d.api_version.as_deref(), d.kind.as_deref()),
            &d.metadata,
            ("autoscaling/v2", "HorizontalPodAutoscaler"),
            &mut names,
        )?;
        let spec = &d.spec;
        let target = scale_target(cx, &format!("{path}.spec.scaleTargetRef"), spec, &ns, refs)?;
        if let Some(&other) = scaled.get(&target) {
            return cx.err(
                format!("{path}.spec.scaleTargetRef.name"),
                format!(
                    "Deployment `{}` is already scaled by horizontalPodAutoscalers[{other}]; \
                     upstream's controller refuses to act on pods that two HPAs select \
                     (\"AmbiguousSelector\"): keep one HPA per Deployment",
                    spec.scale_target_ref.name
                ),
            );
        }
        scaled.insert(target, i);
        let (min_replicas, max_replicas) = replica_bounds(cx, &path, spec)?;
        check_list(cx, &format!("{path}.spec.metrics"), &spec.metrics)?;
        let mut metrics = Vec::with_capacity(spec.metrics.len().max(1));
        for (j, m) in spec.metrics.iter().enumerate() {
            metrics.push(metric(cx, &format!("{path}.spec.metrics[{j}]"), m)?);
        }
        if metrics.is_empty() {
            // The API server's default.
            metrics.push(MetricSpec::CpuUtilization(80));
        }
        let w = target as usize;
        let t = &refs.templates[refs.workloads[w].template as usize];
        for (j, m) in metrics.iter().enumerate() {
            let mpath = if spec.metrics.is_empty() {
                format!("{path}.spec.metrics")
            } else {
                format!("{path}.spec.metrics[{j}]")
            };
            match m {
                MetricSpec::CpuUtilization(_) => {
                    check_cpu_requests(cx, &mpath, &d.metadata.name, &pod_specs(doc, w))?;
                }
                MetricSpec::RequestsPerSecond(_) => {
                    if !refs
                        .services
                        .iter()
                        .any(|s| s.selects(&t.namespace, &t.labels))
                    {
                        return cx.err(
                            format!("{mpath}.pods.metric.name"),
                            format!(
                                "`{REQUESTS_PER_SECOND}` counts the requests a Service sends \
                                 the pods, but no Service selects the pods of Deployment `{}`: \
                                 add a Service whose selector matches them, or scale on cpu",
                                refs.workloads[w].name
                            ),
                        );
                    }
                }
                MetricSpec::CpuAverageValue(_) => {}
            }
        }
        if cpu_loads.get(w).is_some_and(Option::is_none)
            && metrics
                .iter()
                .any(|m| !matches!(m, MetricSpec::RequestsPerSecond(_)))
            && !refs
                .services
                .iter()
                .any(|s| s.selects(&t.namespace, &t.labels))
        {
            cx.warnings.insert(format!(
                "{path}: Deployment `{}` has no simulation.cpuLoad and no Service sends it \
                 requests, so its cpu usage is its simulation.usage fraction of the request at \
                 every replica count: the HPA sees the same utilization whatever it does",
                refs.workloads[w].name
            ));
        }
        let behavior = match &spec.behavior {
            Some(b) => Some(behavior(cx, &format!("{path}.spec.behavior"), b)?),
            None => None,
        };
        out.push(HpaSpec {
            name: d.metadata.name.clone(),
            target: WorkloadId(target),
            min_replicas,
            max_replicas,
            metrics,
            behavior,
        });
    }
    Ok(out)
}

/// The workload index of the Deployment `spec.scaleTargetRef` names, in namespace `ns`.
fn scale_target(cx: &Ctx, path: &str, spec: &HpaSpecDoc, ns: &str, refs: &Refs) -> R<u32> {
    let r = &spec.scale_target_ref;
    if let Some(a) = &r.api_version {
        if a != "apps/v1" {
            return cx.err(
                format!("{path}.apiVersion"),
                format!("`{a}`: a Deployment is `apps/v1` (or leave apiVersion out)"),
            );
        }
    }
    if r.kind != "Deployment" {
        return cx.err(
            format!("{path}.kind"),
            format!(
                "`{}`: kubesim's HPAs scale Deployments only; use `kind: Deployment`",
                r.kind
            ),
        );
    }
    let deployments: Vec<(usize, &Workload, &str)> = refs
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| matches!(w.kind, WorkloadKind::Deployment { .. }))
        .map(|(i, w)| (i, w, refs.templates[w.template as usize].namespace.as_str()))
        .collect();
    if let Some((i, _, _)) = deployments
        .iter()
        .find(|(_, w, wns)| w.name == r.name && *wns == ns)
    {
        return Ok(*i as u32);
    }
    let here: Vec<&str> = deployments
        .iter()
        .filter(|(_, _, wns)| *wns == ns)
        .map(|(_, w, _)| w.name.as_str())
        .collect();
    let hint = match deployments.iter().find(|(_, w, _)| w.name == r.name) {
        Some((_, _, other)) => format!(
            "; `{}` is in namespace `{other}`, but an HPA scales a Deployment of its own \
             namespace: set the HPA's metadata.namespace",
            r.name
        ),
        None => closest(&r.name, &here)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default(),
    };
    let listed = if here.is_empty() {
        "none".to_string()
    } else {
        here.join(", ")
    };
    cx.err(
        format!("{path}.name"),
        format!(
            "no Deployment `{}` in namespace `{ns}` (Deployments there: {listed}){hint}",
            r.name
        ),
    )
}

/// `minReplicas` and `maxReplicas`, checked as the API server does.
fn replica_bounds(cx: &Ctx, path: &str, spec: &HpaSpecDoc) -> R<(u32, u32)> {
    let min = spec.min_replicas.unwrap_or(1);
    if min < 1 {
        let why = if min == 0 {
            "0 needs upstream's alpha HPAScaleToZero feature gate, which kubesim does not model"
                .to_string()
        } else {
            format!("{min} is negative")
        };
        return cx.err(
            format!("{path}.spec.minReplicas"),
            format!("{why}; use 1 or more (default 1)"),
        );
    }
    let Some(max) = spec.max_replicas else {
        return cx.err(
            format!("{path}.spec.maxReplicas"),
            "is required: the most replicas the HPA may set, e.g. 10",
        );
    };
    if max < 1 {
        return cx.err(
            format!("{path}.spec.maxReplicas"),
            format!("{max}: must be at least 1"),
        );
    }
    if max as u64 > MAX_REPLICAS {
        return cx.err(
            format!("{path}.spec.maxReplicas"),
            format!("{max} exceeds the limit of {MAX_REPLICAS} replicas"),
        );
    }
    if min > max {
        return cx.err(
            format!("{path}.spec.maxReplicas"),
            format!("{max} is less than minReplicas ({min}); maxReplicas must be >= minReplicas"),
        );
    }
    // Both are within 1..=MAX_REPLICAS here.
    Ok((min as u32, max as u32))
}

/// One entry of `metrics`.
fn metric(cx: &mut Ctx, path: &str, m: &MetricDoc) -> R<MetricSpec> {
    let kind = one_of(cx, &format!("{path}.type"), &m.kind, &METRIC_TYPES)?;
    let given = [
        ("resource", m.resource.is_some()),
        ("pods", m.pods.is_some()),
        ("object", m.object.is_some()),
        ("external", m.external.is_some()),
        ("containerResource", m.container_resource.is_some()),
    ];
    let own = match kind {
        "Resource" => "resource",
        "Pods" => "pods",
        other => {
            return cx.err(
                format!("{path}.type"),
                format!(
                    "`{other}` metrics are not modelled; kubesim measures `Resource` (cpu) and \
                     `Pods` ({REQUESTS_PER_SECOND})"
                ),
            );
        }
    };
    if let Some((field, _)) = given.iter().find(|(f, g)| *g && *f != own) {
        return cx.err(
            format!("{path}.{field}"),
            format!("does not go with `type: {kind}`; give only `{own}`"),
        );
    }
    if let Some(r) = &m.resource {
        let rpath = format!("{path}.resource");
        match r.name.as_str() {
            "cpu" => {}
            "memory" => {
                return cx.err(
                    format!("{rpath}.name"),
                    "only cpu is modelled: kubesim has no memory usage that changes with load; \
                     scale on cpu or on a Pods metric",
                );
            }
            other => {
                let hint = closest(other, &["cpu"])
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                return cx.err(
                    format!("{rpath}.name"),
                    format!("`{other}`{hint}: only `cpu` is modelled"),
                );
            }
        }
        let tpath = format!("{rpath}.target");
        let t = &r.target;
        return match one_of(
            cx,
            &format!("{tpath}.type"),
            &t.kind,
            &["Utilization", "AverageValue", "Value"],
        )? {
            "Utilization" => {
                only(cx, &tpath, t, "averageUtilization")?;
                let Some(u) = t.average_utilization else {
                    return cx.err(
                        format!("{tpath}.averageUtilization"),
                        "is required with `type: Utilization`: percent of the pods' cpu \
                         request, e.g. 60",
                    );
                };
                if u <= 0 || u > i64::from(i32::MAX) {
                    return cx.err(
                        format!("{tpath}.averageUtilization"),
                        format!("{u}: must be greater than 0 (a percent of the request, e.g. 60)"),
                    );
                }
                Ok(MetricSpec::CpuUtilization(u as u32))
            }
            "AverageValue" => {
                only(cx, &tpath, t, "averageValue")?;
                let v = average_value(cx, &tpath, t, "cpu per pod, e.g. 500m")?;
                Ok(MetricSpec::CpuAverageValue(v))
            }
            _ => cx.err(
                format!("{tpath}.type"),
                "a Resource metric's target is `Utilization` or `AverageValue` (upstream \
                 refuses `Value` here)",
            ),
        };
    }
    let Some(p) = &m.pods else {
        return cx.err(
            format!("{path}.{own}"),
            format!("is required with `type: {kind}`"),
        );
    };
    let ppath = format!("{path}.pods");
    if p.metric.name != REQUESTS_PER_SECOND {
        let hint = closest(&p.metric.name, &[REQUESTS_PER_SECOND])
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        return cx.err(
            format!("{ppath}.metric.name"),
            format!(
                "`{}`{hint}: the only Pods metric kubesim measures is `{REQUESTS_PER_SECOND}` \
                 (the requests each pod receives per second)",
                p.metric.name
            ),
        );
    }
    if p.metric.selector.is_some() {
        cx.unmodelled(&format!("{ppath}.metric"), "selector");
    }
    let tpath = format!("{ppath}.target");
    if p.target.kind != "AverageValue" {
        return cx.err(
            format!("{tpath}.type"),
            format!(
                "`{}`: a Pods metric's target must be `AverageValue` (upstream allows no other)",
                p.target.kind
            ),
        );
    }
    only(cx, &tpath, &p.target, "averageValue")?;
    let v = average_value(
        cx,
        &tpath,
        &p.target,
        "requests per second per pod, e.g. \"20\"",
    )?;
    Ok(MetricSpec::RequestsPerSecond(v))
}

/// Refuses target fields other than `field`, as the API server does.
fn only(cx: &Ctx, tpath: &str, t: &MetricTargetDoc, field: &str) -> R<()> {
    for (f, given) in [
        ("averageUtilization", t.average_utilization.is_some()),
        ("averageValue", t.average_value.is_some()),
        ("value", t.value.is_some()),
    ] {
        if given && f != field {
            return cx.err(
                format!("{tpath}.{f}"),
                format!("does not go with `type: {}`; give `{field}`", t.kind),
            );
        }
    }
    Ok(())
}

/// `target.averageValue` in thousandths, > 0.
fn average_value(cx: &Ctx, tpath: &str, t: &MetricTargetDoc, example: &str) -> R<i64> {
    let vpath = format!("{tpath}.averageValue");
    let Some(q) = t.average_value else {
        return cx.err(
            vpath,
            format!("is required with `type: AverageValue`: {example}"),
        );
    };
    if q.nanos() <= 0 {
        return cx.err(vpath, format!("`{q}`: must be greater than 0 ({example})"));
    }
    // Like upstream's MilliValue, a fraction of a thousandth rounds up.
    match q.milli_value() {
        Ok(v) if v <= MAX_CLUSTER_AMOUNT => Ok(v),
        _ => cx.err(vpath, format!("`{q}` is larger than the limit of 2^58")),
    }
}

/// The pod specs of Deployment `w` (its own and those of its `rollout` events), with the
/// path of each template.
fn pod_specs(doc: &ScenarioDoc, w: usize) -> Vec<(String, &PodSpecDoc)> {
    let d = &doc.workloads.deployments[w];
    let mut out = vec![(
        format!("workloads.deployments[{w}].spec.template"),
        &d.spec.template.spec,
    )];
    for (k, e) in doc.events.iter().enumerate() {
        if let ScenarioEventDoc::Rollout(r) = e {
            if r.deployment == d.metadata.name {
                out.push((format!("events[{k}].template"), &r.template.spec));
            }
        }
    }
    out
}

/// Utilization is usage over request: upstream's replica calculator fails every sync
/// with "missing request for cpu" when a container sets none, so such an HPA is refused
/// here, where it can be fixed.
fn check_cpu_requests(
    cx: &Ctx,
    metric_path: &str,
    hpa: &str,
    specs: &[(String, &PodSpecDoc)],
) -> R<()> {
    for (tpath, spec) in specs {
        let mut total = 0i128;
        for (k, c) in spec.containers.iter().enumerate() {
            let res = c.resources.as_ref();
            // A missing request defaults to the limit.
            let q = res.and_then(|r| r.requests.get("cpu").or_else(|| r.limits.get("cpu")));
            let Some(q) = q else {
                return cx.err(
                    format!("{tpath}.spec.containers[{k}].resources.requests.cpu"),
                    format!(
                        "is not set, but HorizontalPodAutoscaler `{hpa}` ({metric_path}) scales \
                         on cpu utilization, which upstream computes as usage / request and \
                         refuses with \"missing request for cpu in container {}\": set a cpu \
                         request (or use an AverageValue or Pods target)",
                        c.name
                    ),
                );
            };
            total += q.nanos();
        }
        if total <= 0 {
            return cx.err(
                format!("{tpath}.spec.containers"),
                format!(
                    "the pod's containers request 0 cpu in all, but HorizontalPodAutoscaler \
                     `{hpa}` ({metric_path}) scales on cpu utilization, usage / request: set a \
                     cpu request above 0"
                ),
            );
        }
    }
    Ok(())
}

/// `behavior`: each direction's missing fields take the API server's defaults.
fn behavior(cx: &Ctx, path: &str, b: &BehaviorDoc) -> R<Behavior> {
    Ok(Behavior {
        scale_up: rules(
            cx,
            &format!("{path}.scaleUp"),
            b.scale_up.as_ref(),
            ScalingRules::default_up(),
        )?,
        scale_down: rules(
            cx,
            &format!("{path}.scaleDown"),
            b.scale_down.as_ref(),
            ScalingRules::default_down(),
        )?,
    })
}

/// One direction's rules over `defaults`, field by field (upstream's
/// `copyHPAScalingRules`).
fn rules(
    cx: &Ctx,
    path: &str,
    doc: Option<&ScalingRulesDoc>,
    mut out: ScalingRules,
) -> R<ScalingRules> {
    let Some(doc) = doc else {
        return Ok(out);
    };
    if doc.tolerance.is_some() {
        return cx.err(
            format!("{path}.tolerance"),
            "a per-direction tolerance needs upstream's alpha HPAConfigurableTolerance feature \
             gate, which kubesim does not model; set horizontalPodAutoscaling.tolerance instead",
        );
    }
    if let Some(w) = doc.stabilization_window_seconds {
        if !(0..=MAX_STABILIZATION_WINDOW_SECONDS).contains(&w) {
            return cx.err(
                format!("{path}.stabilizationWindowSeconds"),
                format!("{w}: must be from 0 to {MAX_STABILIZATION_WINDOW_SECONDS} (one hour)"),
            );
        }
        out.stabilization_window = Some(w as u64 * NANOS_PER_SEC);
    }
    if let Some(s) = &doc.select_policy {
        out.select = match one_of(
            cx,
            &format!("{path}.selectPolicy"),
            s,
            &["Max", "Min", "Disabled"],
        )? {
            "Max" => SelectPolicy::Max,
            "Min" => SelectPolicy::Min,
            _ => SelectPolicy::Disabled,
        };
    }
    if let Some(list) = &doc.policies {
        let ppath = format!("{path}.policies");
        check_list(cx, &ppath, list)?;
        if list.is_empty() {
            return cx.err(
                ppath,
                "must list at least one policy, e.g. [{type: Percent, value: 100, \
                 periodSeconds: 15}] (or leave `policies` out for the defaults)",
            );
        }
        out.policies = Vec::with_capacity(list.len());
        for (k, p) in list.iter().enumerate() {
            let kpath = format!("{ppath}[{k}]");
            let kind = match one_of(cx, &format!("{kpath}.type"), &p.kind, &["Pods", "Percent"])? {
                "Pods" => PolicyKind::Pods,
                _ => PolicyKind::Percent,
            };
            if p.value <= 0 || p.value > i64::from(i32::MAX) {
                return cx.err(
                    format!("{kpath}.value"),
                    format!("{}: must be greater than 0", p.value),
                );
            }
            if !(1..=MAX_PERIOD_SECONDS).contains(&p.period_seconds) {
                return cx.err(
                    format!("{kpath}.periodSeconds"),
                    format!(
                        "{}: must be from 1 to {MAX_PERIOD_SECONDS} (30 minutes)",
                        p.period_seconds
                    ),
                );
            }
            out.policies.push(ScalingPolicy {
                kind,
                value: p.value as u32,
                period: p.period_seconds as u64 * NANOS_PER_SEC,
            });
        }
    }
    Ok(out)
}

/// `clusterAutoscaler`, and the notes for node groups nothing sizes.
fn cluster_autoscaler(
    cx: &mut Ctx,
    doc: Option<&ClusterAutoscalerDoc>,
    refs: &Refs,
) -> R<Option<CaConfig>> {
    let groups: Vec<(usize, &Pool)> = refs
        .pools
        .iter()
        .enumerate()
        .filter(|(_, p)| p.autoscaling.is_some())
        .collect();
    let Some(doc) = doc else {
        for (i, _) in &groups {
            cx.warnings.insert(format!(
                "cluster.nodePools[{i}].autoscaling: the scenario has no clusterAutoscaler, so \
                 the pool keeps its count: add clusterAutoscaler to size it"
            ));
        }
        return Ok(None);
    };
    if groups.is_empty() {
        return cx.err(
            "clusterAutoscaler",
            "no node pool has `autoscaling`, so there is nothing to size: give a pool \
             autoscaling: {minCount: 1, maxCount: 10}, or remove clusterAutoscaler",
        );
    }
    if refs.duration.is_none() {
        return cx.err(
            "duration",
            "clusterAutoscaler scans every scanInterval without end: set the scenario's \
             `duration`",
        );
    }
    let d = CaConfig::default();
    let p = |f: &str| format!("clusterAutoscaler.{f}");
    let expander = match &doc.expander {
        None => d.expander,
        Some(name) => match one_of(cx, &p("expander"), name, &Expander::NAMES)? {
            "random" => Expander::Random,
            "least-waste" => Expander::LeastWaste,
            "most-pods" => Expander::MostPods,
            _ => Expander::Price,
        },
    };
    if expander == Expander::Price {
        if let Some((i, pool)) = groups.iter().find(|(_, p)| p.price_per_hour.is_none()) {
            return cx.err(
                format!("cluster.nodePools[{i}].pricePerHour"),
                format!(
                    "is required by `clusterAutoscaler.expander: price`, which compares the \
                     cost of the autoscaled pools' nodes: give pool `{}` a pricePerHour, or \
                     choose another expander",
                    pool.name
                ),
            );
        }
    }
    let utilization_threshold = match doc.scale_down_utilization_threshold {
        None => d.utilization_threshold,
        Some(t) if t.is_finite() && t > 0.0 && t <= 1.0 => t,
        Some(t) => {
            return cx.err(
                p("scaleDownUtilizationThreshold"),
                format!("{t}: must be above 0 and at most 1 (default 0.5)"),
            );
        }
    };
    let count = |f: &str, v: Option<i64>, min: i64, default: u32| -> R<u32> {
        match v {
            None => Ok(default),
            Some(v) if v < min || v as u64 > MAX_NODES => cx.err(
                p(f),
                format!("{v}: must be from {min} to {MAX_NODES} (default {default})"),
            ),
            Some(v) => Ok(v as u32),
        }
    };
    Ok(Some(CaConfig {
        scan_interval: bounded(
            cx,
            &p("scanInterval"),
            doc.scan_interval,
            1,
            d.scan_interval,
        )?,
        expander,
        scale_down_enabled: doc.scale_down_enabled.unwrap_or(d.scale_down_enabled),
        utilization_threshold,
        unneeded_time: bounded(
            cx,
            &p("scaleDownUnneededTime"),
            doc.scale_down_unneeded_time,
            0,
            d.unneeded_time,
        )?,
        delay_after_add: bounded(
            cx,
            &p("scaleDownDelayAfterAdd"),
            doc.scale_down_delay_after_add,
            0,
            d.delay_after_add,
        )?,
        delay_after_delete: bounded(
            cx,
            &p("scaleDownDelayAfterDelete"),
            doc.scale_down_delay_after_delete,
            0,
            d.delay_after_delete,
        )?,
        delay_after_failure: bounded(
            cx,
            &p("scaleDownDelayAfterFailure"),
            doc.scale_down_delay_after_failure,
            0,
            d.delay_after_failure,
        )?,
        max_node_provision_time: bounded(
            cx,
            &p("maxNodeProvisionTime"),
            doc.max_node_provision_time,
            1,
            d.max_node_provision_time,
        )?,
        max_nodes_total: count("maxNodesTotal", doc.max_nodes_total, 0, d.max_nodes_total)?,
        new_pod_scale_up_delay: bounded(
            cx,
            &p("newPodScaleUpDelay"),
            doc.new_pod_scale_up_delay,
            0,
            d.new_pod_scale_up_delay,
        )?,
        max_empty_bulk_delete: count(
            "maxEmptyBulkDelete",
            doc.max_empty_bulk_delete,
            1,
            d.max_empty_bulk_delete,
        )?,
        backoff: d.backoff,
    }))
}

/// `billing`.
fn billing(cx: &Ctx, doc: Option<&BillingDoc>) -> R<Billing> {
    match doc.and_then(|d| d.rounding.as_deref()) {
        None => Ok(Billing::PerSecond),
        Some(r) => match one_of(cx, "billing.rounding", r, &["perSecond", "hourly"])? {
            "perSecond" => Ok(Billing::PerSecond),
            _ => Ok(Billing::Hourly),
        },
    }
}

/// `slos`.
fn slos(cx: &Ctx, doc: Option<&SlosDoc>, services: &[ServiceSpec]) -> R<Slos> {
    let Some(doc) = doc else {
        return Ok(Slos::default());
    };
    let job_pending = match doc.job_pending_time {
        Some(SimDuration(0)) => {
            return cx.err(
                "slos.jobPendingTime",
                "must be more than 0s: how long a Job pod may wait for a node, e.g. 60s",
            );
        }
        t => t.map(SimDuration::as_nanos),
    };
    check_list(cx, "slos.serviceLatency", &doc.service_latency)?;
    let mut latency = Vec::with_capacity(doc.service_latency.len());
    for (i, s) in doc.service_latency.iter().enumerate() {
        let path = format!("slos.serviceLatency[{i}]");
        let ns = s.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        let Some(k) = services
            .iter()
            .position(|x| x.name == s.service && x.namespace == ns)
        else {
            let here: Vec<&str> = services
                .iter()
                .filter(|x| x.namespace == ns)
                .map(|x| x.name.as_str())
                .collect();
            let hint = closest(&s.service, &here)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return cx.err(
                format!("{path}.service"),
                format!(
                    "no Service `{}` in namespace `{ns}` (Services there: {}){hint}",
                    s.service,
                    if here.is_empty() {
                        "none".to_string()
                    } else {
                        here.join(", ")
                    }
                ),
            );
        };
        let percentile = s.percentile.unwrap_or(99.0);
        if !SLO_PERCENTILES.contains(&percentile) {
            return cx.err(
                format!("{path}.percentile"),
                format!(
                    "{percentile} is not measured: use 50, 90, 99 or 99.9 (the percentiles of \
                     services.csv; default 99)"
                ),
            );
        }
        if s.target.as_nanos() == 0 || s.target.as_nanos() > MAX_DURATION_NANOS {
            return cx.err(
                format!("{path}.target"),
                "must be more than 0s (and at most 100 years), e.g. 250ms",
            );
        }
        latency.push(LatencySlo {
            service: k as u16,
            percentile,
            target: s.target.as_nanos(),
        });
    }
    Ok(Slos {
        job_pending,
        latency,
    })
}

/// The largest load a curve may reach, cores: what the largest cluster could hold.
const MAX_CORES: f64 = (MAX_CLUSTER_AMOUNT / 1000) as f64;

/// A number of cores, finite, >= 0 and within [`MAX_CORES`].
fn cores(cx: &Ctx, path: &str, v: f64) -> R<f64> {
    if v.is_finite() && (0.0..=MAX_CORES).contains(&v) {
        Ok(v)
    } else {
        cx.err(
            path,
            format!("{v}: must be a number of cores >= 0 (at most {MAX_CORES:.0})"),
        )
    }
}

/// `simulation.cpuLoad` of every Deployment; refused on Jobs and on `rollout` events.
fn cpu_loads(cx: &mut Ctx, doc: &ScenarioDoc, refs: &Refs) -> R<Vec<Option<CpuLoad>>> {
    for (i, j) in doc.workloads.jobs.iter().enumerate() {
        if j.simulation.cpu_load.is_some() {
            return cx.err(
                format!("workloads.jobs[{i}].simulation.cpuLoad"),
                "is a setting of Deployments only: a Job's pods use their simulation.usage \
                 fraction of the request; move cpuLoad to a Deployment",
            );
        }
    }
    for (k, e) in doc.events.iter().enumerate() {
        if let ScenarioEventDoc::Rollout(r) = e {
            if r.simulation.as_ref().is_some_and(|s| s.cpu_load.is_some()) {
                return cx.err(
                    format!("events[{k}].simulation.cpuLoad"),
                    "is a setting of the Deployment (the load its pods share, whatever their \
                     version), not of a version; set it in the Deployment's `simulation:`",
                );
            }
        }
    }
    let mut out = Vec::with_capacity(doc.workloads.deployments.len());
    for (i, d) in doc.workloads.deployments.iter().enumerate() {
        let Some(c) = &d.simulation.cpu_load else {
            out.push(None);
            continue;
        };
        let path = format!("workloads.deployments[{i}].simulation.cpuLoad");
        let t = &refs.templates[refs.workloads[i].template as usize];
        if let Some(s) = refs
            .services
            .iter()
            .find(|s| s.selects(&t.namespace, &t.labels))
        {
            return cx.err(
                path,
                format!(
                    "Service `{}` selects these pods, so its requests already use their cpu; \
                     a cpuLoad as well would count the load twice: pick one (cpuLoad, or the \
                     Service's traffic)",
                    s.name
                ),
            );
        }
        out.push(Some(CpuLoad {
            curve: curve(cx, &path, c)?,
        }));
    }
    Ok(out)
}

/// The one shape of a `cpuLoad`.
fn curve(cx: &mut Ctx, path: &str, c: &CpuLoadDoc) -> R<LoadCurve> {
    let given = [
        ("constant", c.constant.is_some()),
        ("diurnal", c.diurnal.is_some()),
        ("steps", c.steps.is_some()),
        ("spike", c.spike.is_some()),
        ("rateCsv", c.rate_csv.is_some()),
    ];
    let names: Vec<&str> = given.iter().filter(|g| g.1).map(|g| g.0).collect();
    let [name] = names[..] else {
        let what = if names.is_empty() {
            "no shape".to_string()
        } else {
            format!("{} shapes ({})", names.len(), names.join(", "))
        };
        return cx.err(
            path,
            format!(
                "has {what}: give exactly one of `constant`, `diurnal`, `steps`, `spike` or \
                 `rateCsv`"
            ),
        );
    };
    let spath = format!("{path}.{name}");
    let curve = if let Some(v) = c.constant {
        LoadCurve::Constant(cores(cx, &spath, v)?)
    } else if let Some(d) = &c.diurnal {
        let peak = cores(cx, &format!("{spath}.peak"), d.peak)?;
        let trough = cores(cx, &format!("{spath}.trough"), d.trough)?;
        LoadCurve::Diurnal(super::traffic::diurnal(
            cx,
            &spath,
            (peak, trough),
            d.peak_at,
            d.period,
            0,
            Unit::Cores,
        )?)
    } else if let Some(list) = &c.steps {
        let mut pairs = Vec::with_capacity(list.len());
        for (k, s) in list.iter().enumerate() {
            pairs.push((s.at, cores(cx, &format!("{spath}[{k}].value"), s.value)?));
        }
        LoadCurve::Steps(super::traffic::steps(cx, &spath, &pairs, Unit::Cores)?)
    } else if let Some(s) = &c.spike {
        let base = cores(cx, &format!("{spath}.base"), s.base)?;
        let value = cores(cx, &format!("{spath}.value"), s.value)?;
        LoadCurve::Steps(super::traffic::spike(
            cx,
            &spath,
            (base, value),
            s.at,
            s.duration,
        )?)
    } else if let Some(r) = &c.rate_csv {
        let steps = super::traffic::rate_csv(cx, &spath, r, 0, Unit::Cores)?;
        let peak = steps.steps.iter().map(|s| s.rate).fold(0.0, f64::max);
        cores(cx, &format!("{spath}.scale"), peak)?;
        LoadCurve::Steps(steps)
    } else {
        return cx.err(path, "has no shape");
    };
    Ok(curve)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::arrivals::{Diurnal, Step, Steps};

    const S: Nanos = NANOS_PER_SEC;

    /// A scenario with `extra` appended at the top level; `sim` is the `simulation:` of
    /// Deployment `web` (flow YAML) and `pools` the node pools.
    fn scenario(pools: &str, sim: &str, extra: &str) -> Result<crate::Scenario, String> {
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

    fn ok(pools: &str, sim: &str, extra: &str) -> crate::Scenario {
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
    - {service: api, percentile: 99.9, target: 250ms}
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
        // The template is the pool's next node, general-2.
        assert_eq!(g.template.name, "general-2");
        assert_eq!(g.template.allocatable, s.nodes[0].allocatable);
        assert_eq!(
            s.workloads[0].cpu_load,
            Some(CpuLoad {
                curve: LoadCurve::Constant(6.0)
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
        assert_eq!(g.template.name, "g-0");
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

    #[test]
    fn cpu_load_shapes_map_to_curves_in_cores() {
        let pools = "[{name: n, count: 2, capacity: {cpu: 4, memory: 16Gi}}]";
        let load = |c: &str| {
            ok(pools, &format!("{{cpuLoad: {c}}}"), "").workloads[0]
                .cpu_load
                .clone()
                .expect("a cpuLoad")
                .curve
        };
        assert_eq!(
            load("{diurnal: {peak: 12, trough: 2, peakAt: 14h}}"),
            LoadCurve::Diurnal(Diurnal {
                peak: 12.0,
                trough: 2.0,
                peak_at: 14 * 3600 * S,
                period: 24 * 3600 * S,
                start: 0,
            })
        );
        assert_eq!(
            load("{steps: [{at: 0s, value: 2}, {at: 1h, value: 8.5}]}"),
            LoadCurve::Steps(Steps {
                steps: vec![
                    Step { at: 0, rate: 2.0 },
                    Step {
                        at: 3600 * S,
                        rate: 8.5
                    }
                ],
                end: None,
            })
        );
        // 2 cores, 10 from 1h for 10 min, then 2 again.
        let spike = load("{spike: {base: 2, value: 10, at: 1h, duration: 10m}}");
        assert_eq!(spike.value_at(0), 2.0);
        assert_eq!(spike.value_at(3600 * S), 10.0);
        assert_eq!(spike.value_at(4200 * S - 1), 10.0);
        assert_eq!(spike.value_at(4200 * S), 2.0);
        // The sample trace's first rows are 1, 1.5 (× 2 cores): hand-read from the file.
        let csv = load(
            "{rateCsv: {file: scenarios/traces/genai-qps-sample.csv, timeColumn: t_rel_s, \
             rateColumn: api_qps, scale: 2}}",
        );
        assert_eq!(csv.value_at(0), 2.0);
        assert_eq!(csv.value_at(57 * S), 3.0);
    }

    #[test]
    fn cpu_load_messages_speak_of_cores() {
        let pools = "[{name: n, count: 2, capacity: {cpu: 4, memory: 16Gi}}]";
        let refused = |c: &str| match scenario(pools, &format!("{{cpuLoad: {c}}}"), "") {
            Ok(_) => panic!("{c} was accepted"),
            Err(e) => e,
        };
        let e = refused("{diurnal: {peak: 1, trough: 2, peakAt: 0s}}");
        assert!(e.contains("(1 cores), not 2 cores"), "{e}");
        let e = refused("{steps: [{at: 0s, value: 0}]}");
        assert!(e.contains("every step has value 0"), "{e}");
        let e = refused("{constant: -1}");
        assert!(
            e.contains("cpuLoad.constant: -1: must be a number of cores"),
            "{e}"
        );
        let e = refused("{constant: 1, spike: {base: 1, value: 2, at: 0s, duration: 1s}}");
        assert!(e.contains("2 shapes (constant, spike)"), "{e}");
    }
}
