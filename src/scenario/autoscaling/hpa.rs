//! `horizontalPodAutoscalers` (`autoscaling/v2` HorizontalPodAutoscaler objects) and
//! `horizontalPodAutoscaling` (the HPA controller's flags).

use super::{Refs, bounded, one_of};
use crate::autoscaling::spec::{
    Behavior, CpuLoad, HpaConfig, HpaSpec, MetricSpec, PolicyKind, ScalingPolicy, ScalingRules,
    SelectPolicy,
};
use crate::cluster::ids::WorkloadId;
use crate::engine::time::NANOS_PER_SEC;
use crate::scenario::closest;
use crate::scenario::limits::{MAX_CLUSTER_AMOUNT, MAX_PODS, MAX_REPLICAS};
use crate::scenario::model::{Workload, WorkloadKind};
use crate::scenario::schema::{ObjectMeta, PodSpecDoc, ScenarioDoc, ScenarioEventDoc};
use crate::scenario::units::{Quantity, SimDuration};
use crate::scenario::validate::{Ctx, R, check_list};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::{BTreeMap, BTreeSet};

/// Longest `stabilizationWindowSeconds` (upstream's `MaxStabilizationWindowSeconds`).
pub const MAX_STABILIZATION_WINDOW_SECONDS: i64 = 3600;

/// Longest `periodSeconds` of a scaling policy (upstream's `MaxPeriodSeconds`).
pub const MAX_PERIOD_SECONDS: i64 = 1800;

/// The only Pods metric kubesim measures.
pub const REQUESTS_PER_SECOND: &str = "requests_per_second";

/// The metric types upstream's `autoscaling/v2` defines.
const METRIC_TYPES: [&str; 5] = [
    "Resource",
    "Pods",
    "Object",
    "External",
    "ContainerResource",
];

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

/// `horizontalPodAutoscaling`.
pub(super) fn hpa_config(cx: &Ctx, doc: Option<&HpaControllerDoc>) -> R<HpaConfig> {
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
pub(super) fn hpas(
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
        let ns = crate::scenario::disruption::object_meta(
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
        let served = refs
            .services
            .iter()
            .any(|s| s.selects(&t.namespace, &t.labels));
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
                    if !served {
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
            && !served
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
    let most: u64 = out.iter().map(|h| u64::from(h.max_replicas)).sum();
    if most > MAX_PODS {
        return cx.err(
            "horizontalPodAutoscalers",
            format!(
                "the HPAs may scale to {most} pods in all (the sum of their maxReplicas), over \
                 the limit of {MAX_PODS} pods; lower some maxReplicas"
            ),
        );
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
