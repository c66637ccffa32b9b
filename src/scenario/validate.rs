//! Turns a parsed [`ScenarioDoc`] into a [`Scenario`]: checks every value against its
//! allowed range, resolves names (priority classes, `nodeName`), expands pools into nodes
//! and computes Kubernetes' effective pod requests. The first problem found is returned,
//! with the field path and what is allowed.

use super::ScenarioError;
use super::dist::DistSpec;
use super::limits::*;
use super::model::*;
use super::scheduling;
use super::schema::*;
use super::units::{Quantity, SimDuration};
use crate::cluster::ids::{NodeId, PoolId};
use crate::cluster::node::NodeSpec;
use crate::cluster::pod::{PodTemplate, PreemptionPolicy, RestartPolicy};
use crate::cluster::pod_request::{ContainerRequests, pod_requests};
use crate::cluster::resources::{CPU, MEMORY, ResourceNames, Resources};
use crate::cluster::taints::{Taint, TaintEffect, Toleration, TolerationOperator};
use crate::controllers::rollout::IntOrPercent;
use crate::engine::dist::Distribution;
use crate::engine::time::{NANOS_PER_SEC, Nanos};
use crate::scheduler::config::{DEFAULT_SCHEDULER_NAME, SchedulerConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Default `timeseries.csv` interval.
pub const DEFAULT_INTERVAL: Nanos = 10 * NANOS_PER_SEC;
/// Default Bound → Running delay.
pub const DEFAULT_STARTUP_DELAY_SECS: f64 = 1.0;
/// The namespace of workloads that name none.
pub(super) const DEFAULT_NAMESPACE: &str = "default";
/// Kubernetes' default `terminationGracePeriodSeconds`.
const DEFAULT_TERMINATION_GRACE: crate::engine::time::Nanos =
    30 * crate::engine::time::NANOS_PER_SEC;
/// Default pod capacity of a node (the kubelet's `maxPods`).
pub const DEFAULT_MAX_PODS: i64 = 110;
/// Kubernetes' built-in priority classes.
const BUILTIN_PRIORITY_CLASSES: [(&str, i32); 2] = [
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];
/// Largest value of a user-defined PriorityClass (Kubernetes' `HighestUserDefinablePriority`).
const MAX_USER_PRIORITY: i32 = 1_000_000_000;

/// What validation carries along: where messages point, the resource slots named so far
/// and the notes for the user.
pub(super) struct Ctx<'a> {
    file: &'a str,
    pub(super) base_dir: &'a Path,
    pub(super) resources: ResourceNames,
    pub(super) warnings: BTreeSet<String>,
}

pub(super) type R<T> = Result<T, ScenarioError>;

impl Ctx<'_> {
    pub(super) fn err<T>(&self, path: impl Into<String>, message: impl Into<String>) -> R<T> {
        Err(ScenarioError::Invalid {
            file: self.file.to_string(),
            path: path.into(),
            message: message.into(),
        })
    }

    pub(super) fn unmodelled(&mut self, path: &str, field: &str) {
        self.warnings.insert(format!(
            "{path}.{field} is accepted but not modelled; it has no effect on the run"
        ));
    }
}

pub(super) fn validate(doc: ScenarioDoc, file: &str, base_dir: &Path, sha: String) -> R<Scenario> {
    let mut cx = Ctx {
        file,
        base_dir,
        resources: ResourceNames::default(),
        warnings: BTreeSet::new(),
    };
    if doc.api_version != "kubesim/v1" {
        return cx.err(
            "apiVersion",
            format!("`{}` is not supported; use `kubesim/v1`", doc.api_version),
        );
    }
    if doc.kind != "Scenario" {
        return cx.err(
            "kind",
            format!("`{}` is not supported; use `Scenario`", doc.kind),
        );
    }
    check_name(&cx, "metadata.name", &doc.metadata.name)?;
    let duration = doc.duration.map(|d| d.as_nanos());
    if let Some(d) = duration {
        if d == 0 || d > MAX_DURATION_NANOS {
            return cx.err(
                "duration",
                "must be more than 0s and at most 100 years (876000h)",
            );
        }
    }
    let interval = doc
        .metrics
        .interval
        .map_or(DEFAULT_INTERVAL, SimDuration::as_nanos);
    if interval == 0 {
        return cx.err("metrics.interval", "must be more than 0s, e.g. 10s");
    }
    if let Some(d) = duration {
        if d / interval > MAX_SAMPLES {
            return cx.err(
                "metrics.interval",
                format!(
                    "{} rows of timeseries.csv would exceed the limit of {MAX_SAMPLES}; use a longer interval",
                    d / interval
                ),
            );
        }
    }
    let warmup = doc.metrics.warmup.map_or(0, SimDuration::as_nanos);
    if let Some(d) = duration {
        if warmup >= d {
            return cx.err("metrics.warmup", "must be shorter than the duration");
        }
    }

    let (pools, nodes, zones) = cluster(&mut cx, &doc.cluster)?;
    let classes = priority_classes(&mut cx, &doc.priority_classes)?;
    // The scheduler section comes before the workloads: pods name its profiles, and the
    // resources it scores must be the cluster's, not ones only pods request.
    let scheduler = scheduling::scheduler(&mut cx, &doc.scheduler)?;
    let namespaces: Vec<String> = doc
        .workloads
        .deployments
        .iter()
        .map(|d| &d.metadata)
        .chain(doc.workloads.jobs.iter().map(|j| &j.metadata))
        .map(|m| {
            m.namespace
                .clone()
                .unwrap_or_else(|| DEFAULT_NAMESPACE.into())
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let refs = Refs {
        classes: &classes,
        nodes: &nodes,
        pools: &pools,
        scheduler: &scheduler,
        namespaces: &namespaces,
    };

    let mut names = BTreeSet::new();
    let mut templates = Vec::new();
    let mut workloads = Vec::new();
    let mut expected_pods: f64 = 0.0;
    for (i, d) in doc.workloads.deployments.iter().enumerate() {
        let path = format!("workloads.deployments[{i}]");
        let w = deployment(&mut cx, &path, d, &refs, &mut templates)?;
        unique_name(&cx, &path, &mut names, &w.name)?;
        if duration.is_none() && templates[w.template as usize].node_name.is_some() {
            return cx.err(
                "duration",
                format!(
                    "{path} pins its pods with nodeName; if the node rejects them the ReplicaSet \
                     replaces them forever, so the scenario needs a `duration`"
                ),
            );
        }
        if let WorkloadKind::Deployment { replicas, .. } = w.kind {
            expected_pods += f64::from(replicas);
        }
        workloads.push(w);
    }
    for (i, j) in doc.workloads.jobs.iter().enumerate() {
        let path = format!("workloads.jobs[{i}]");
        let (w, pods) = job(&mut cx, &path, j, &refs, &mut templates, duration)?;
        unique_name(&cx, &path, &mut names, &w.name)?;
        expected_pods += pods;
        workloads.push(w);
    }
    check_pod_name_collisions(&cx, &doc.workloads)?;
    if expected_pods > MAX_PODS as f64 {
        return cx.err(
            "workloads",
            format!(
                "the workloads would create about {expected_pods:.0} pods; the limit is {MAX_PODS}"
            ),
        );
    }
    let mut versions = Vec::new();
    let actions = super::events::events(
        &mut cx,
        &doc.events,
        &super::events::EventRefs {
            nodes: &nodes,
            pools: &pools,
            duration,
            zones: &zones,
            workloads: &workloads,
            deployments: &doc.workloads.deployments,
            pods: &refs,
        },
        &mut templates,
        &mut versions,
    )?;
    // Budgets and quotas cover the pods of every template, the versions' included.
    let all_workloads: Vec<Workload> = workloads.iter().chain(&versions).cloned().collect();
    let pdbs = super::disruption::pdbs(
        &mut cx,
        &doc.pod_disruption_budgets,
        &templates,
        &all_workloads,
    )?;
    let quotas =
        super::disruption::quotas(&mut cx, &doc.resource_quotas, &doc.workloads, &templates)?;
    let version_specs: Vec<(u32, &PodSpecDoc)> = doc
        .events
        .iter()
        .filter_map(|e| match e {
            ScenarioEventDoc::Rollout(r) => Some(&r.template.spec),
            _ => None,
        })
        .zip(&versions)
        .map(|(spec, v)| (v.template, spec))
        .collect();
    let pod_limits = super::disruption::limits(
        &cx,
        &doc.workloads,
        &workloads,
        &version_specs,
        templates.len(),
    );
    super::failures::check_expected_failures(&cx, &pools, duration)?;
    let node_lifecycle = super::failures::node_lifecycle(&cx, doc.node_lifecycle.as_ref())?;
    let pod_labels: Vec<(String, Vec<(String, String)>)> = templates
        .iter()
        .map(|t| (t.namespace.clone(), t.labels.clone()))
        .collect();
    let services = super::services::services(&mut cx, &doc.services, duration, &pod_labels)?;
    let auto = super::autoscaling::settings(
        &mut cx,
        &doc,
        &super::autoscaling::Refs {
            duration,
            pools: &pools,
            workloads: &workloads,
            templates: &templates,
            services: &services,
        },
    )?;
    super::services::capacity_warnings(
        &mut cx,
        &services,
        (&workloads, &auto.hpas),
        &templates,
        &pod_limits,
    );
    for (w, load) in workloads.iter_mut().zip(auto.cpu_loads) {
        w.cpu_load = load;
    }
    // A rollout's pods share their Deployment's load.
    for v in &mut versions {
        v.cpu_load = workloads
            .iter()
            .find(|w| w.name == v.name)
            .and_then(|w| w.cpu_load.clone());
    }
    Ok(Scenario {
        name: doc.metadata.name,
        file_sha256: sha,
        seed: doc.seed.unwrap_or(1),
        scheduler_seed: doc.scheduler.seed,
        scheduler,
        duration,
        interval,
        warmup,
        resources: cx.resources,
        zones,
        pools,
        nodes,
        templates,
        workloads,
        warnings: cx.warnings.into_iter().collect(),
        actions,
        node_lifecycle,
        versions,
        pdbs,
        quotas,
        pod_limits,
        services,
        hpas: auto.hpas,
        hpa_config: auto.hpa_config,
        cluster_autoscaler: auto.cluster_autoscaler,
        billing: auto.billing,
        slos: auto.slos,
    })
}

/// Kubernetes object names: lowercase letters, digits, `-` and `.`, starting and ending
/// with a letter or digit, at most 253 characters.
pub(super) fn check_name(cx: &Ctx, path: &str, name: &str) -> R<()> {
    if is_dns_subdomain(name) {
        Ok(())
    } else {
        cx.err(
            path,
            format!(
                "`{name}` is not a valid name: use lowercase letters, digits, '-' and '.', \
                 starting and ending with a letter or digit (at most 253 characters)"
            ),
        )
    }
}

/// Whether `s` is a DNS subdomain (RFC 1123), the form of Kubernetes object names.
pub(super) fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Namespace names are DNS labels: like object names, but without dots and at most 63
/// characters.
pub(super) fn check_namespace(cx: &Ctx, path: &str, ns: &str) -> R<()> {
    if ns.len() > 63 || ns.contains('.') {
        return cx.err(
            path,
            format!(
                "`{ns}` is not a valid namespace: at most 63 lowercase letters, digits and '-'"
            ),
        );
    }
    check_name(cx, path, ns)
}

fn unique_name(cx: &Ctx, path: &str, names: &mut BTreeSet<String>, name: &str) -> R<()> {
    if !names.insert(name.to_string()) {
        return cx.err(
            format!("{path}.metadata.name"),
            format!("`{name}` is used by another workload; workload names must be unique"),
        );
    }
    Ok(())
}

/// Pods are named `<owner>-<n>` and the Jobs of a stream `S` are `S-<k>`, so a workload
/// called `S-<k>` would share pod names with stream `S`: refuse it.
fn check_pod_name_collisions(cx: &Ctx, w: &WorkloadsDoc) -> R<()> {
    let streams: Vec<&str> = w
        .jobs
        .iter()
        .filter(|j| j.simulation.arrivals.is_some())
        .map(|j| j.metadata.name.as_str())
        .collect();
    let all = w
        .deployments
        .iter()
        .enumerate()
        .map(|(i, d)| (format!("workloads.deployments[{i}]"), &d.metadata.name))
        .chain(
            w.jobs
                .iter()
                .enumerate()
                .map(|(i, j)| (format!("workloads.jobs[{i}]"), &j.metadata.name)),
        );
    for (path, name) in all {
        for s in &streams {
            let numbered = name
                .strip_prefix(s)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_digit()));
            if numbered {
                return cx.err(
                    format!("{path}.metadata.name"),
                    format!(
                        "`{name}` would share pod names with the Jobs of stream `{s}` (named {s}-<k>); rename one"
                    ),
                );
            }
        }
    }
    Ok(())
}

pub(super) fn check_list<T>(cx: &Ctx, path: &str, list: &[T]) -> R<()> {
    if list.len() > MAX_LIST {
        return cx.err(path, format!("more than {MAX_LIST} entries"));
    }
    Ok(())
}

/// Node labels kubesim sets, and what to write instead.
const RESERVED_LABELS: [(&str, &str); 4] = [
    ("kubernetes.io/hostname", "nodes are named <pool>-<index>"),
    ("topology.kubernetes.io/zone", "list the pool's `zones`"),
    (
        "node.kubernetes.io/instance-type",
        "set the pool's `instanceType`",
    ),
    ("kubesim.io/pool", "it is the pool's `name`"),
];

const STANDARD_RESOURCES: [&str; 4] = ["cpu", "memory", "ephemeral-storage", "pods"];

/// Converts a resource map to a vector. `pods` is returned apart (only node capacity has
/// it). Names are cpu, memory, ephemeral-storage, pods, or an extended resource with a
/// domain prefix (`nvidia.com/gpu`).
fn resource_map(
    cx: &mut Ctx,
    path: &str,
    map: &BTreeMap<String, Quantity>,
    allow_pods: bool,
) -> R<(Resources, Option<i64>)> {
    let mut out = Resources::ZERO;
    let mut pods = None;
    for (name, q) in map {
        let p = format!("{path}.{name}");
        if q.is_negative() {
            return cx.err(p, format!("`{q}` is negative; quantities must be >= 0"));
        }
        let amount = if name == "cpu" {
            q.milli_value()
        } else {
            q.value()
        };
        let amount = match amount {
            Ok(a) if a <= MAX_RESOURCE_AMOUNT => a,
            _ => {
                return cx.err(
                    p,
                    format!("`{q}` is larger than the limit of 2^46 base units (64Ti bytes, ~70 billion cores)"),
                );
            }
        };
        if name == "pods" {
            if !allow_pods {
                return cx.err(p, "`pods` is a node capacity, not something a pod requests");
            }
            pods = Some(amount);
            continue;
        }
        let is_standard = STANDARD_RESOURCES.contains(&name.as_str());
        if !is_standard && !name.contains('/') {
            let hint = super::closest(name, &STANDARD_RESOURCES)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return cx.err(
                p,
                format!(
                    "unknown resource `{name}`{hint}; use cpu, memory, ephemeral-storage, pods, \
                     or an extended resource with a domain prefix such as nvidia.com/gpu"
                ),
            );
        }
        if !is_standard && q.nanos() % 1_000_000_000 != 0 {
            return cx.err(
                p,
                format!("`{q}`: extended resources must be whole numbers"),
            );
        }
        let Some(slot) = cx.resources.intern(name) else {
            return cx.err(
                p,
                "too many extended resources: a scenario may use at most 5".to_string(),
            );
        };
        out.0[slot] = amount;
    }
    Ok((out, pods))
}

fn cluster(cx: &mut Ctx, c: &ClusterDoc) -> R<(Vec<Pool>, Vec<NodeSpec>, Vec<String>)> {
    check_list(cx, "cluster.nodePools", &c.node_pools)?;
    let total: u64 = c
        .node_pools
        .iter()
        .map(|p| p.count)
        .fold(0, u64::saturating_add);
    if total > MAX_NODES {
        return cx.err(
            "cluster.nodePools",
            format!("{total} nodes in all exceeds the limit of {MAX_NODES}"),
        );
    }
    let mut pools = Vec::new();
    let mut nodes = Vec::new();
    let mut zones: Vec<String> = Vec::new();
    let mut pool_names = BTreeSet::new();
    for (pi, p) in c.node_pools.iter().enumerate() {
        let path = format!("cluster.nodePools[{pi}]");
        check_name(cx, &format!("{path}.name"), &p.name)?;
        for (key, instead) in RESERVED_LABELS {
            if p.labels.contains_key(key) {
                return cx.err(
                    format!("{path}.labels.{key}"),
                    format!("kubesim sets this well-known label itself; {instead}"),
                );
            }
        }
        if !pool_names.insert(p.name.clone()) {
            return cx.err(
                format!("{path}.name"),
                format!("pool `{}` is defined twice", p.name),
            );
        }
        let (capacity, pods) = resource_map(cx, &format!("{path}.capacity"), &p.capacity, true)?;
        for (slot, name) in [(CPU, "cpu"), (MEMORY, "memory")] {
            if capacity.0[slot] <= 0 {
                return cx.err(
                    format!("{path}.capacity.{name}"),
                    format!(
                        "every node needs a {name} capacity above zero, e.g. {name}: {}",
                        if slot == CPU { "4" } else { "16Gi" }
                    ),
                );
            }
        }
        let max_pods = pods.unwrap_or(DEFAULT_MAX_PODS);
        if max_pods <= 0 || max_pods > 100_000 {
            return cx.err(
                format!("{path}.capacity.pods"),
                "must be between 1 and 100000 (default 110)",
            );
        }
        let (reserved, reserved_pods) =
            resource_map(cx, &format!("{path}.reserved"), &p.reserved, true)?;
        if reserved_pods.is_some() {
            return cx.err(format!("{path}.reserved.pods"), "pods cannot be reserved");
        }
        let mut allocatable = capacity;
        allocatable -= reserved;
        if let Some(r) = (0..allocatable.0.len()).find(|&r| allocatable.0[r] < 0) {
            return cx.err(
                format!("{path}.reserved.{}", cx.resources.name(r)),
                "reserves more than the capacity",
            );
        }
        // Scoring divides by allocatable cpu and memory; a node with none of either could
        // take no pod that asks for it, and is refused like a zero capacity.
        for (slot, name) in [(CPU, "cpu"), (MEMORY, "memory")] {
            if allocatable.0[slot] <= 0 {
                return cx.err(
                    format!("{path}.reserved.{name}"),
                    format!(
                        "reserves all of the node's {name}; allocatable {name} must stay above zero"
                    ),
                );
            }
        }
        if let Some(price) = p.price_per_hour {
            if !price.is_finite() || price < 0.0 {
                return cx.err(format!("{path}.pricePerHour"), "must be a number >= 0");
            }
        }
        if p.zones.len() > MAX_ZONES {
            return cx.err(
                format!("{path}.zones"),
                format!("more than {MAX_ZONES} zones"),
            );
        }
        let mut zone_ids = Vec::new();
        for (zi, z) in p.zones.iter().enumerate() {
            if z.is_empty() {
                return cx.err(
                    format!("{path}.zones[{zi}]"),
                    "a zone name must not be empty",
                );
            }
            if zones.len() >= MAX_ZONES && !zones.contains(z) {
                return cx.err(
                    format!("{path}.zones[{zi}]"),
                    format!("more than {MAX_ZONES} distinct zones in the cluster"),
                );
            }
            let id = match zones.iter().position(|x| x == z) {
                Some(i) => i,
                None => {
                    zones.push(z.clone());
                    zones.len() - 1
                }
            };
            zone_ids.push(id as u16);
        }
        check_list(cx, &format!("{path}.taints"), &p.taints)?;
        let taints = p
            .taints
            .iter()
            .map(|t| Taint {
                key: t.key.clone(),
                value: t.value.clone(),
                effect: effect(t.effect),
            })
            .collect::<Vec<_>>();
        for (ti, t) in taints.iter().enumerate() {
            if t.key.is_empty() {
                return cx.err(format!("{path}.taints[{ti}].key"), "a taint needs a key");
            }
        }
        let pool = PoolId(pools.len() as u32);
        let mut labels: BTreeMap<String, String> = p.labels.clone();
        labels.insert("kubesim.io/pool".into(), p.name.clone());
        if let Some(it) = &p.instance_type {
            labels.insert("node.kubernetes.io/instance-type".into(), it.clone());
        }
        let template = NodeSpec {
            name: String::new(),
            pool,
            zone: u16::MAX,
            capacity,
            allocatable,
            max_pods: max_pods as u32,
            labels: labels.into_iter().collect(),
            taints: taints.clone(),
        };
        let autoscaling = match &p.autoscaling {
            Some(a) => Some(super::autoscaling::node_group(cx, &path, p, a)?),
            None => None,
        };
        let added_at = p.added_at.map_or(0, SimDuration::as_nanos);
        if added_at > MAX_DURATION_NANOS {
            return cx.err(
                format!("{path}.addedAt"),
                "must be at most 100 years (876000h)",
            );
        }
        let failures = match &p.failures {
            Some(f) => Some(super::failures::pool_failures(cx, &path, f)?),
            None => None,
        };
        let pool = Pool {
            name: p.name.clone(),
            price_per_hour: p.price_per_hour,
            added_at,
            first_node: nodes.len(),
            count: p.count as usize,
            failures,
            autoscaling,
            zones: zone_ids,
            template,
        };
        nodes.extend((0..p.count).map(|i| pool.node_spec(i, &zones)));
        pools.push(pool);
    }
    super::autoscaling::check_growth(cx, &pools, &nodes)?;
    let mut total = [0i64; crate::cluster::resources::MAX_RESOURCES];
    for n in &nodes {
        for (t, a) in total.iter_mut().zip(n.allocatable.0) {
            *t = t.saturating_add(a);
        }
    }
    if let Some(r) = (0..cx.resources.len()).find(|&r| total[r] > MAX_CLUSTER_AMOUNT) {
        return cx.err(
            "cluster.nodePools",
            format!(
                "the cluster's total allocatable {} exceeds the limit of 2^58 base units",
                cx.resources.name(r)
            ),
        );
    }
    // Nodes get their ids in the order they join: pools by join time, then as listed.
    let mut order: Vec<usize> = (0..pools.len()).collect();
    order.sort_by_key(|&i| pools[i].added_at);
    let mut sorted = Vec::with_capacity(nodes.len());
    for &i in &order {
        let pool = &mut pools[i];
        sorted.extend_from_slice(&nodes[pool.first_node..pool.first_node + pool.count]);
        pool.first_node = sorted.len() - pool.count;
    }
    Ok((pools, sorted, zones))
}

/// When the pool of node `i` joins the cluster.
fn pool_added_at(pools: &[Pool], i: usize) -> Nanos {
    pools
        .iter()
        .find(|p| (p.first_node..p.first_node + p.count).contains(&i))
        .map_or(0, |p| p.added_at)
}

fn effect(e: EffectDoc) -> TaintEffect {
    match e {
        EffectDoc::NoSchedule => TaintEffect::NoSchedule,
        EffectDoc::PreferNoSchedule => TaintEffect::PreferNoSchedule,
        EffectDoc::NoExecute => TaintEffect::NoExecute,
    }
}

/// Class name → value and preemption policy, and what pods without a class get.
struct Classes {
    values: BTreeMap<String, (i32, PreemptionPolicy)>,
    default: (i32, PreemptionPolicy),
    /// The global default class, if there is one.
    default_name: Option<String>,
}

/// What validating a workload may look up: everything validated before the workloads.
pub(super) struct Refs<'a> {
    classes: &'a Classes,
    nodes: &'a [NodeSpec],
    pools: &'a [Pool],
    scheduler: &'a SchedulerConfig,
    /// Every namespace a workload uses, sorted.
    namespaces: &'a [String],
}

fn priority_classes(cx: &mut Ctx, list: &[PriorityClassDoc]) -> R<Classes> {
    let mut values: BTreeMap<String, (i32, PreemptionPolicy)> = BUILTIN_PRIORITY_CLASSES
        .iter()
        .map(|(n, v)| (n.to_string(), (*v, PreemptionPolicy::default())))
        .collect();
    let mut default = (0, PreemptionPolicy::default());
    let mut default_name = None;
    for (i, c) in list.iter().enumerate() {
        let path = format!("priorityClasses[{i}]");
        check_name(cx, &format!("{path}.name"), &c.name)?;
        if c.name.starts_with("system-") {
            return cx.err(
                format!("{path}.name"),
                "names starting with `system-` are reserved",
            );
        }
        let policy = c
            .preemption_policy
            .map_or(PreemptionPolicy::default(), preemption);
        if values.insert(c.name.clone(), (c.value, policy)).is_some() {
            return cx.err(
                format!("{path}.name"),
                format!("`{}` is defined twice", c.name),
            );
        }
        if c.value > MAX_USER_PRIORITY {
            return cx.err(
                format!("{path}.value"),
                format!("must be at most {MAX_USER_PRIORITY} (higher values are reserved for system classes)"),
            );
        }
        if c.global_default {
            if default_name.is_some() {
                return cx.err(
                    format!("{path}.globalDefault"),
                    "only one class may be the global default",
                );
            }
            default_name = Some(c.name.clone());
            default = (c.value, policy);
        }
    }
    Ok(Classes {
        values,
        default,
        default_name,
    })
}

fn preemption(p: PreemptionPolicyDoc) -> PreemptionPolicy {
    match p {
        PreemptionPolicyDoc::PreemptLowerPriority => PreemptionPolicy::PreemptLowerPriority,
        PreemptionPolicyDoc::Never => PreemptionPolicy::Never,
    }
}

fn preemption_name(p: PreemptionPolicy) -> &'static str {
    match p {
        PreemptionPolicy::PreemptLowerPriority => "PreemptLowerPriority",
        PreemptionPolicy::Never => "Never",
    }
}

fn deployment(
    cx: &mut Ctx,
    path: &str,
    d: &DeploymentDoc,
    refs: &Refs,
    templates: &mut Vec<PodTemplate>,
) -> R<Workload> {
    check_kind(
        cx,
        path,
        d.api_version.as_deref(),
        d.kind.as_deref(),
        "apps/v1",
        "Deployment",
    )?;
    check_name(cx, &format!("{path}.metadata.name"), &d.metadata.name)?;
    let replicas = d.spec.replicas.unwrap_or(1);
    if replicas > MAX_REPLICAS {
        return cx.err(
            format!("{path}.spec.replicas"),
            format!("{replicas} exceeds the limit of {MAX_REPLICAS} replicas"),
        );
    }
    let rollout = rollout_spec(cx, path, d)?;
    let tpath = format!("{path}.spec.template");
    let spath = format!("{path}.simulation");
    let selector = d.spec.selector.as_ref();
    let mut w = pod_workload(
        cx,
        &tpath,
        &spath,
        d,
        &d.spec.template,
        selector,
        &d.simulation,
        refs,
        templates,
    )?;
    w.kind = WorkloadKind::Deployment {
        replicas: replicas as u32,
        rollout,
    };
    Ok(w)
}

/// A Deployment's pods, from a template and simulation settings: the Deployment's own, or
/// a version a `rollout` event brings (which goes through exactly the same checks).
#[allow(clippy::too_many_arguments)]
fn pod_workload(
    cx: &mut Ctx,
    tpath: &str,
    spath: &str,
    d: &DeploymentDoc,
    t: &PodTemplateDoc,
    selector: Option<&SelectorDoc>,
    sim: &PodSimDoc,
    refs: &Refs,
    templates: &mut Vec<PodTemplate>,
) -> R<Workload> {
    let (template, requests) = template(
        cx,
        tpath,
        &d.metadata,
        t,
        selector,
        refs,
        RestartPolicy::Always,
    )?;
    if template.restart_policy != RestartPolicy::Always {
        return cx.err(
            format!("{tpath}.spec.restartPolicy"),
            "a Deployment's pods must use `Always`",
        );
    }
    templates.push(template);
    if sim.checkpoint_interval.is_some() {
        return cx.err(
            format!("{spath}.checkpointInterval"),
            "checkpoints save a Job pod's progress; a Deployment's pods have no work to save \
             (move it to a Job's `simulation:`, or remove it)",
        );
    }
    Ok(Workload {
        name: d.metadata.name.clone(),
        kind: WorkloadKind::Deployment {
            replicas: 0,
            rollout: DEFAULT_ROLLOUT,
        },
        template: (templates.len() - 1) as u32,
        requests: RequestModel::Fixed {
            requests: requests.0,
            nonzero: requests.1,
        },
        usage: usage(cx, spath, &sim.usage)?,
        startup_delay: startup_delay(cx, spath, sim.startup_delay.as_ref())?,
        run_time: None,
        crash: crash(cx, spath, sim.crash.as_ref())?,
        ready_delay: ready_delay(cx, tpath, &t.spec)?,
        serving: super::services::serving(cx, spath, sim.serving.as_ref())?,
        cpu_load: None,
    })
}

/// Kubernetes' defaults: RollingUpdate with 25 % surge and 25 % unavailable, no
/// `minReadySeconds`, 10 old ReplicaSets kept, 600 s progress deadline.
const DEFAULT_ROLLOUT: RolloutSpec = RolloutSpec {
    strategy: Strategy::RollingUpdate {
        max_surge: IntOrPercent::Percent(25),
        max_unavailable: IntOrPercent::Percent(25),
    },
    min_ready: 0,
    revision_history_limit: 10,
    progress_deadline: 600 * NANOS_PER_SEC,
    rollback_on_deadline: false,
};

/// Longest `minReadySeconds` or `progressDeadlineSeconds` accepted: the longest run.
const MAX_ROLLOUT_SECONDS: u64 = MAX_DURATION_NANOS / NANOS_PER_SEC;

/// Most old ReplicaSets a Deployment may keep.
const MAX_REVISION_HISTORY: u64 = 1_000;

/// `strategy`, `minReadySeconds`, `revisionHistoryLimit`, `progressDeadlineSeconds` and
/// `simulation.rollbackOnProgressDeadline`, checked as the API server does.
fn rollout_spec(cx: &Ctx, path: &str, d: &DeploymentDoc) -> R<RolloutSpec> {
    let spec = &d.spec;
    let mut r = DEFAULT_ROLLOUT;
    if let Some(s) = &spec.strategy {
        let spath = format!("{path}.spec.strategy");
        match s.kind.unwrap_or(StrategyTypeDoc::RollingUpdate) {
            StrategyTypeDoc::Recreate => {
                if s.rolling_update.is_some() {
                    return cx.err(
                        format!("{spath}.rollingUpdate"),
                        "may not be given with `type: Recreate`",
                    );
                }
                r.strategy = Strategy::Recreate;
            }
            StrategyTypeDoc::RollingUpdate => {
                let ru = s.rolling_update.as_ref();
                let rpath = format!("{spath}.rollingUpdate");
                let field = |name: &str, v: Option<&IntOrStringDoc>, max_percent: u32| {
                    let default = IntOrStringDoc::Str("25%".into());
                    let path = format!("{rpath}.{name}");
                    int_or_percent(cx, &path, v.unwrap_or(&default), MAX_REPLICAS, max_percent)
                };
                // A surge may exceed 100 %; unavailable pods may not, as the API server checks.
                let surge = field("maxSurge", ru.and_then(|u| u.max_surge.as_ref()), 10_000)?;
                let unavailable = field(
                    "maxUnavailable",
                    ru.and_then(|u| u.max_unavailable.as_ref()),
                    100,
                )?;
                if surge.is_zero() && unavailable.is_zero() {
                    return cx.err(
                        format!("{rpath}.maxUnavailable"),
                        "may not be 0 when `maxSurge` is 0: the rollout could never replace a pod",
                    );
                }
                r.strategy = Strategy::RollingUpdate {
                    max_surge: surge,
                    max_unavailable: unavailable,
                };
            }
        }
    }
    let seconds = |field: &str, v: Option<u64>, default: Nanos| -> R<Nanos> {
        match v {
            None => Ok(default),
            Some(v) if v > MAX_ROLLOUT_SECONDS => cx.err(
                format!("{path}.spec.{field}"),
                format!("{v} is more than the longest run, {MAX_ROLLOUT_SECONDS} s"),
            ),
            Some(v) => Ok(v * NANOS_PER_SEC),
        }
    };
    r.min_ready = seconds("minReadySeconds", spec.min_ready_seconds, 0)?;
    r.progress_deadline = seconds(
        "progressDeadlineSeconds",
        spec.progress_deadline_seconds,
        r.progress_deadline,
    )?;
    if r.progress_deadline <= r.min_ready {
        return cx.err(
            format!("{path}.spec.progressDeadlineSeconds"),
            "must be greater than minReadySeconds",
        );
    }
    if let Some(h) = spec.revision_history_limit {
        if h > MAX_REVISION_HISTORY {
            return cx.err(
                format!("{path}.spec.revisionHistoryLimit"),
                format!("{h} exceeds the limit of {MAX_REVISION_HISTORY} old ReplicaSets"),
            );
        }
        r.revision_history_limit = h as u32;
    }
    r.rollback_on_deadline = d.simulation.rollback_on_progress_deadline.unwrap_or(false);
    Ok(r)
}

/// An `IntOrString` count of pods: at most `max_count`, or a whole percent up to
/// `max_percent`.
pub(super) fn int_or_percent(
    cx: &Ctx,
    path: &str,
    v: &IntOrStringDoc,
    max_count: u64,
    max_percent: u32,
) -> R<IntOrPercent> {
    match v {
        IntOrStringDoc::Int(n) if *n < 0 => cx.err(path, format!("{n} is negative; use 0 or more")),
        IntOrStringDoc::Int(n) => match u32::try_from(*n) {
            Ok(n) if u64::from(n) <= max_count => Ok(IntOrPercent::Int(n)),
            _ => cx.err(
                path,
                format!("{n} is too large: give a number of pods from 0 to {max_count}, or a percent such as \"25%\""),
            ),
        },
        IntOrStringDoc::Str(s) => match IntOrPercent::parse_percent(s) {
            Ok(IntOrPercent::Percent(p)) if p > max_percent => {
                cx.err(path, format!("{p}% is more than {max_percent}%"))
            }
            Ok(v) => Ok(v),
            Err(m) => cx.err(path, m),
        },
    }
}

/// A version of Deployment `d` (whose validated workload is `base`) brought by the
/// `rollout` event at `path`: its template must still match the Deployment's selector
/// (or, without one, carry the Deployment's template labels); omitted simulation keys keep
/// the Deployment's.
pub(super) fn version(
    cx: &mut Ctx,
    path: &str,
    e: &RolloutEventDoc,
    d: &DeploymentDoc,
    base: &Workload,
    refs: &Refs,
    templates: &mut Vec<PodTemplate>,
) -> R<Workload> {
    let empty = PodSimDoc::default();
    let sim = e.simulation.as_ref().unwrap_or(&empty);
    let spath = format!("{path}.simulation");
    if sim.rollback_on_progress_deadline.is_some() {
        return cx.err(
            format!("{spath}.rollbackOnProgressDeadline"),
            "is a setting of the Deployment, not of a version; set it in the Deployment's `simulation:`",
        );
    }
    let own_labels;
    let selector = match &d.spec.selector {
        Some(s) => s,
        None => {
            own_labels = SelectorDoc {
                match_labels: d
                    .spec
                    .template
                    .metadata
                    .as_ref()
                    .map(|m| m.labels.clone())
                    .unwrap_or_default(),
                match_expressions: Vec::new(),
            };
            &own_labels
        }
    };
    let mut w = pod_workload(
        cx,
        &format!("{path}.template"),
        &spath,
        d,
        &e.template,
        Some(selector),
        sim,
        refs,
        templates,
    )?;
    w.kind = base.kind.clone();
    if sim.startup_delay.is_none() {
        w.startup_delay = base.startup_delay.clone();
    }
    if sim.usage.is_empty() {
        w.usage = base.usage.clone();
    }
    if sim.crash.is_none() {
        w.crash = base.crash.clone();
    }
    Ok(w)
}

pub(super) fn check_kind(
    cx: &Ctx,
    path: &str,
    api_version: Option<&str>,
    kind: Option<&str>,
    want_api: &str,
    want_kind: &str,
) -> R<()> {
    if let Some(a) = api_version {
        if a != want_api {
            return cx.err(
                format!("{path}.apiVersion"),
                format!("`{a}`: use `{want_api}` (or leave it out)"),
            );
        }
    }
    if let Some(k) = kind {
        if k != want_kind {
            return cx.err(
                format!("{path}.kind"),
                format!("`{k}` in this list: use `{want_kind}` (or leave it out)"),
            );
        }
    }
    Ok(())
}

fn job(
    cx: &mut Ctx,
    path: &str,
    j: &JobDoc,
    refs: &Refs,
    templates: &mut Vec<PodTemplate>,
    duration: Option<Nanos>,
) -> R<(Workload, f64)> {
    check_kind(
        cx,
        path,
        j.api_version.as_deref(),
        j.kind.as_deref(),
        "batch/v1",
        "Job",
    )?;
    check_name(cx, &format!("{path}.metadata.name"), &j.metadata.name)?;
    let spec = &j.spec;
    let parallelism = spec.parallelism.unwrap_or(1);
    for (field, v) in [
        ("completions", spec.completions.unwrap_or(1)),
        ("parallelism", parallelism),
    ] {
        if v == 0 || v > MAX_COMPLETIONS {
            return cx.err(
                format!("{path}.spec.{field}"),
                format!("{v} is out of range: must be between 1 and {MAX_COMPLETIONS}"),
            );
        }
    }
    let backoff_limit = spec.backoff_limit.unwrap_or(6);
    if backoff_limit > MAX_COMPLETIONS {
        return cx.err(
            format!("{path}.spec.backoffLimit"),
            format!("must be at most {MAX_COMPLETIONS}"),
        );
    }
    for (field, present) in [
        (
            "activeDeadlineSeconds",
            spec.active_deadline_seconds.is_some(),
        ),
        (
            "ttlSecondsAfterFinished",
            spec.ttl_seconds_after_finished.is_some(),
        ),
        ("completionMode", spec.completion_mode.is_some()),
    ] {
        if present {
            cx.unmodelled("Job.spec", field);
        }
    }
    let tpath = format!("{path}.spec.template");
    let (template, requests) = template(
        cx,
        &tpath,
        &j.metadata,
        &spec.template,
        spec.selector.as_ref(),
        refs,
        RestartPolicy::Never,
    )?;
    if template.restart_policy == RestartPolicy::Always {
        return cx.err(
            format!("{tpath}.spec.restartPolicy"),
            "a Job's pods must use `OnFailure` or `Never`",
        );
    }
    templates.push(template);
    let sim = &j.simulation;
    let spath = format!("{path}.simulation");
    let run_time = duration_dist(cx, &format!("{spath}.runTime"), &sim.run_time)?;
    let (overhead, _) = resource_map(
        cx,
        &format!("{tpath}.spec.overhead"),
        &spec.template.spec.overhead,
        false,
    )?;
    let requests = job_requests(cx, &spath, sim, requests, overhead)?;
    let (arrivals, jobs) = match &sim.arrivals {
        None => (None, 1.0),
        Some(a) => {
            let (a, n) = arrivals(cx, &format!("{spath}.arrivals"), a, duration)?;
            (Some(a), n)
        }
    };
    let w = Workload {
        name: j.metadata.name.clone(),
        kind: WorkloadKind::Job {
            completions: spec.completions.map(|c| c as u32),
            parallelism: parallelism as u32,
            backoff_limit: backoff_limit as u32,
            arrivals,
            checkpoint: checkpoint(cx, &spath, sim.checkpoint_interval)?,
        },
        template: (templates.len() - 1) as u32,
        requests,
        usage: usage(cx, &spath, &sim.usage)?,
        startup_delay: startup_delay(cx, &spath, sim.startup_delay.as_ref())?,
        run_time: Some(run_time),
        crash: crash(cx, &spath, sim.crash.as_ref())?,
        ready_delay: ready_delay(cx, &tpath, &spec.template.spec)?,
        serving: super::services::serving(cx, &spath, sim.serving.as_ref())?,
        cpu_load: None,
    };
    // A work-queue Job (no completions) runs up to `parallelism` pods.
    let per_job = spec.completions.unwrap_or(parallelism) as f64;
    Ok((w, jobs * per_job))
}

/// A Job's request model. Drawn requests stand for the containers' requests: cpu or memory
/// left out get the scheduler's non-zero defaults for scoring, as a container without a
/// request does, and the template's pod overhead is added on top.
fn job_requests(
    cx: &mut Ctx,
    spath: &str,
    sim: &JobSimDoc,
    (base, base_nonzero): (Resources, [i64; 2]),
    overhead: Resources,
) -> R<RequestModel> {
    match (&sim.request_choice, sim.requests.is_empty()) {
        (Some(_), false) => cx.err(
            format!("{spath}.requestChoice"),
            "use either `requests` (per-resource distributions) or `requestChoice` (whole vectors), not both",
        ),
        (Some(choice), true) => {
            if choice.is_empty() {
                return cx.err(format!("{spath}.requestChoice"), "needs at least one entry");
            }
            check_list(cx, &format!("{spath}.requestChoice"), choice)?;
            let mut options = Vec::new();
            let mut weighted = Vec::new();
            for (i, c) in choice.iter().enumerate() {
                let p = format!("{spath}.requestChoice[{i}]");
                let (mut r, _) = resource_map(cx, &format!("{p}.requests"), &c.requests, false)?;
                let w = c.weight.unwrap_or(1.0);
                if !w.is_finite() || w < 0.0 {
                    return cx.err(format!("{p}.weight"), "must be a number >= 0");
                }
                let single = ContainerRequests {
                    requests: r,
                    has_cpu: c.requests.contains_key("cpu"),
                    has_memory: c.requests.contains_key("memory"),
                    sidecar: false,
                };
                let (with_overhead, nonzero) = pod_requests(&[single], &[], &overhead);
                if with_overhead.0.iter().any(|&v| v > MAX_RESOURCE_AMOUNT) {
                    return cx.err(
                        format!("{p}.requests"),
                        "with the pod overhead this exceeds the limit of 2^46 base units",
                    );
                }
                r = with_overhead;
                options.push((r, nonzero));
                weighted.push(super::dist::Weighted { value: i as f64, weight: w });
            }
            let pick = DistSpec::Choice(weighted)
                .to_distribution(|v| *v)
                .or_else(|m| cx.err(format!("{spath}.requestChoice"), m))?;
            Ok(RequestModel::Choice { options, pick })
        }
        (None, false) => {
            let mut draws = Vec::new();
            for (name, spec) in &sim.requests {
                let p = format!("{spath}.requests.{name}");
                // Intern the name through the same checks as a fixed request.
                let one = BTreeMap::from([(name.clone(), Quantity::from_nanos(0))]);
                resource_map(cx, &format!("{spath}.requests"), &one, false)?;
                let Some(slot) = cx.resources.slot(name) else {
                    return cx.err(p, "unknown resource");
                };
                let d = spec
                    .to_distribution(|q| q.nanos() as f64 / 1e9)
                    .or_else(|m| cx.err(&p, m))?;
                draws.push((slot, d));
            }
            Ok(RequestModel::PerResource {
                base,
                base_nonzero,
                draws,
                overhead,
            })
        }
        (None, true) => Ok(RequestModel::Fixed {
            requests: base,
            nonzero: base_nonzero,
        }),
    }
}

fn arrivals(cx: &Ctx, path: &str, a: &ArrivalsDoc, duration: Option<Nanos>) -> R<(Arrivals, f64)> {
    let given = [a.poisson.is_some(), a.times.is_some(), a.csv.is_some()];
    if given.iter().filter(|&&g| g).count() != 1 {
        return cx.err(path, "give exactly one of `poisson` (a rate such as 50/s), `times` (a list of durations) or `csv` (a file of times in seconds)");
    }
    if a.column.is_some() && a.csv.is_none() {
        return cx.err(format!("{path}.column"), "only applies with `csv`");
    }
    if a.start.is_some() && a.poisson.is_none() {
        return cx.err(format!("{path}.start"), "only applies with `poisson`");
    }
    if let Some(l) = a.limit {
        if l == 0 {
            return cx.err(
                format!("{path}.limit"),
                "must be at least 1 (or leave it out)",
            );
        }
    }
    let limit_f = a.limit.map_or(f64::INFINITY, |l| l as f64);
    if let Some(rate) = a.poisson {
        let start = a.start.map_or(0, SimDuration::as_nanos);
        let expected = match duration {
            Some(d) => rate.per_second() * d.saturating_sub(start) as f64 / NANOS_PER_SEC as f64,
            None if a.limit.is_some() => limit_f,
            None => {
                return cx.err(
                    "duration",
                    format!("a Poisson arrival stream ({path}) recurs without end: set the scenario's `duration`, or the stream's `limit`"),
                );
            }
        };
        let process = ArrivalProcess::Poisson {
            rate: rate.per_second(),
            start,
        };
        return Ok((
            Arrivals {
                process,
                limit: a.limit,
            },
            expected.min(limit_f),
        ));
    }
    let mut times: Vec<Nanos> = match (&a.times, &a.csv) {
        (Some(t), _) => {
            check_list(cx, &format!("{path}.times"), t)?;
            t.iter().map(|d| d.as_nanos()).collect()
        }
        (None, Some(file)) => csv_times(
            cx,
            &format!("{path}.csv"),
            file,
            a.column.as_deref().unwrap_or("time_s"),
        )?,
        (None, None) => Vec::new(),
    };
    times.sort_unstable();
    let n = times.len() as f64;
    Ok((
        Arrivals {
            process: ArrivalProcess::Times(times),
            limit: a.limit,
        },
        n.min(limit_f),
    ))
}

/// Reads arrival times (seconds, one per row) from a CSV column.
fn csv_times(cx: &Ctx, path: &str, file: &str, column: &str) -> R<Vec<Nanos>> {
    let mut input = super::csv_input::CsvInput::open(cx, path, file)?;
    let col = input.column(cx, path, column, "column")?;
    let shown = input.shown.clone();
    let mut times = Vec::new();
    input.rows(cx, path, MAX_PODS, "arrivals", |line, rec| {
        let field = rec.get(col).unwrap_or("").trim();
        match field.parse::<f64>() {
            Ok(v) if f64::is_finite(v) && v >= 0.0 => {
                times.push(crate::engine::time::secs_to_nanos(v));
                Ok(())
            }
            _ => cx.err(
                path,
                format!("`{shown}` line {line}: `{field}` is not a time in seconds >= 0"),
            ),
        }
    })?;
    Ok(times)
}

pub(super) fn duration_dist(cx: &Ctx, path: &str, d: &DistSpec<SimDuration>) -> R<Distribution> {
    d.to_distribution(|v| v.as_secs_f64())
        .or_else(|m| cx.err(path, m))
}

fn startup_delay(cx: &Ctx, spath: &str, d: Option<&DistSpec<SimDuration>>) -> R<Distribution> {
    match d {
        Some(d) => duration_dist(cx, &format!("{spath}.startupDelay"), d),
        None => Ok(Distribution::Constant(DEFAULT_STARTUP_DELAY_SECS)),
    }
}

/// `simulation.crash` of a Deployment or a Job.
fn crash(cx: &Ctx, spath: &str, doc: Option<&CrashDoc>) -> R<Option<CrashModel>> {
    let Some(doc) = doc else {
        return Ok(None);
    };
    let path = format!("{spath}.crash");
    if doc.time_to_crash.is_none() && doc.probability.is_none() {
        return cx.err(
            path,
            "give `timeToCrash` (running time to a crash), `probability` (chance that a start \
             crashes), or both",
        );
    }
    let time_to_crash = match &doc.time_to_crash {
        Some(d) => Some(duration_dist(cx, &format!("{path}.timeToCrash"), d)?),
        None => None,
    };
    let early = match (doc.probability, &doc.after) {
        (None, Some(_)) => {
            return cx.err(
                format!("{path}.after"),
                "`after` is the delay of a `probability` crash: give `probability` too",
            );
        }
        (None, None) => None,
        (Some(p), after) => {
            if !(0.0..=1.0).contains(&p) {
                return cx.err(
                    format!("{path}.probability"),
                    format!("{p} is not a probability: use a number from 0 to 1"),
                );
            }
            let after = match after {
                Some(d) => duration_dist(cx, &format!("{path}.after"), d)?,
                None => Distribution::Constant(0.0),
            };
            Some((p, after))
        }
    };
    Ok(Some(CrashModel {
        early,
        time_to_crash,
    }))
}

/// A Job's `simulation.checkpointInterval`.
fn checkpoint(cx: &Ctx, spath: &str, interval: Option<SimDuration>) -> R<Option<Nanos>> {
    match interval {
        Some(SimDuration(0)) => cx.err(
            format!("{spath}.checkpointInterval"),
            "must be longer than 0s (leave it out for a Job that never saves its progress)",
        ),
        Some(SimDuration(ns)) if ns > MAX_DURATION_NANOS => cx.err(
            format!("{spath}.checkpointInterval"),
            "longer than the longest run (100 years)",
        ),
        other => Ok(other.map(|d| d.0)),
    }
}

/// The delay from a container start to the pod's Ready: the largest `initialDelaySeconds`
/// of the `readinessProbe`s of its containers and sidecars (each container is Ready at its
/// first probe, the pod once all are).
fn ready_delay(cx: &mut Ctx, tpath: &str, spec: &PodSpecDoc) -> R<Nanos> {
    let mut delay = 0;
    for (field, list) in [
        ("containers", &spec.containers),
        ("initContainers", &spec.init_containers),
    ] {
        for (i, c) in list.iter().enumerate() {
            let Some(probe) = &c.readiness_probe else {
                continue;
            };
            let path = format!("{tpath}.spec.{field}[{i}].readinessProbe");
            if field == "initContainers" && c.restart_policy.is_none() {
                return cx.err(
                    path,
                    "only containers and sidecars (init containers with `restartPolicy: Always`) \
                     may have a readinessProbe",
                );
            }
            for (f, present) in [
                ("periodSeconds", probe.period_seconds.is_some()),
                ("timeoutSeconds", probe.timeout_seconds.is_some()),
                ("successThreshold", probe.success_threshold.is_some()),
                ("failureThreshold", probe.failure_threshold.is_some()),
                (
                    "terminationGracePeriodSeconds",
                    probe.termination_grace_period_seconds.is_some(),
                ),
            ] {
                if present {
                    cx.unmodelled("spec.template.spec.containers[].readinessProbe", f);
                }
            }
            let secs = probe.initial_delay_seconds.unwrap_or(0);
            let max = MAX_DURATION_NANOS / NANOS_PER_SEC;
            if secs < 0 || secs as u64 > max {
                return cx.err(
                    format!("{path}.initialDelaySeconds"),
                    format!("{secs} is out of range: use whole seconds from 0 to {max}"),
                );
            }
            delay = delay.max(secs as u64 * NANOS_PER_SEC);
        }
    }
    Ok(delay)
}

fn usage(
    cx: &mut Ctx,
    spath: &str,
    map: &BTreeMap<String, DistSpec<f64>>,
) -> R<Vec<(usize, Distribution)>> {
    let mut out = Vec::new();
    for (name, spec) in map {
        let p = format!("{spath}.usage.{name}");
        let one = BTreeMap::from([(name.clone(), Quantity::from_nanos(0))]);
        resource_map(cx, &format!("{spath}.usage"), &one, false)?;
        let Some(slot) = cx.resources.slot(name) else {
            return cx.err(p, "unknown resource");
        };
        if let DistSpec::Constant(v) = spec {
            if *v > MAX_USAGE_FRACTION {
                return cx.err(
                    p,
                    format!("{v} is above the largest usage fraction, {MAX_USAGE_FRACTION} (usage = fraction × request)"),
                );
            }
        }
        let d = spec.to_distribution(|v| *v).or_else(|m| cx.err(&p, m))?;
        out.push((slot, d));
    }
    Ok(out)
}

fn template(
    cx: &mut Ctx,
    path: &str,
    meta: &ObjectMeta,
    t: &PodTemplateDoc,
    selector: Option<&SelectorDoc>,
    refs: &Refs,
    default_restart: RestartPolicy,
) -> R<(PodTemplate, (Resources, [i64; 2]))> {
    if meta.annotations.is_some() {
        cx.unmodelled("metadata", "annotations");
    }
    if let Some(ns) = &meta.namespace {
        let p = format!(
            "{}.metadata.namespace",
            path.trim_end_matches(".spec.template")
        );
        check_namespace(cx, &p, ns)?;
    }
    let labels: Vec<(String, String)> = t
        .metadata
        .as_ref()
        .map(|m| m.labels.clone().into_iter().collect())
        .unwrap_or_default();
    if let Some(m) = &t.metadata {
        if m.annotations.is_some() {
            cx.unmodelled("spec.template.metadata", "annotations");
        }
        if m.name.is_some() {
            cx.unmodelled("spec.template.metadata", "name");
        }
    }
    if let Some(sel) = selector {
        let spath = format!("{}.selector", path.trim_end_matches(".template"));
        let compiled = scheduling::label_selector(cx, &spath, sel)?;
        if let Some(r) = compiled.requirements.iter().find(|r| !r.matches(&labels)) {
            return cx.err(
                format!("{path}.metadata.labels"),
                format!(
                    "the selector requires {}, which the template's labels do not satisfy",
                    scheduling::describe(r)
                ),
            );
        }
    }
    let spec = &t.spec;
    let spath = format!("{path}.spec");
    for f in spec.unmodelled_fields() {
        cx.unmodelled("spec.template.spec", f);
    }
    if spec.containers.is_empty() {
        return cx.err(
            format!("{spath}.containers"),
            "a pod needs at least one container",
        );
    }
    check_list(cx, &format!("{spath}.containers"), &spec.containers)?;
    check_list(
        cx,
        &format!("{spath}.initContainers"),
        &spec.init_containers,
    )?;
    let mut seen = BTreeSet::new();
    let mut conv = |cx: &mut Ctx,
                    list: &[ContainerDoc],
                    field: &str,
                    init: bool|
     -> R<Vec<ContainerRequests>> {
        let mut out = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let cpath = format!("{spath}.{field}[{i}]");
            if c.name.is_empty() || !seen.insert(c.name.clone()) {
                return cx.err(
                    format!("{cpath}.name"),
                    "container names must be non-empty and unique within the pod",
                );
            }
            for f in c.unmodelled_fields() {
                cx.unmodelled(&format!("spec.template.spec.{field}[]"), f);
            }
            let sidecar = match c.restart_policy {
                None => false,
                Some(RestartPolicyDoc::Always) if init => true,
                Some(_) => {
                    return cx.err(
                        format!("{cpath}.restartPolicy"),
                        "only `Always`, and only on an init container (a sidecar)",
                    );
                }
            };
            let empty = ResourcesDoc::default();
            let res = c.resources.as_ref().unwrap_or(&empty);
            // Kubernetes defaults a missing request to the limit.
            let mut merged = res.limits.clone();
            merged.extend(res.requests.iter().map(|(k, v)| (k.clone(), *v)));
            let (requests, _) =
                resource_map(cx, &format!("{cpath}.resources.requests"), &merged, false)?;
            let (limits, _) =
                resource_map(cx, &format!("{cpath}.resources.limits"), &res.limits, false)?;
            if let Some(r) = (0..cx.resources.len()).find(|&r| {
                res.limits.contains_key(cx.resources.name(r)) && requests.0[r] > limits.0[r]
            }) {
                return cx.err(
                    format!("{cpath}.resources.requests.{}", cx.resources.name(r)),
                    "the request exceeds the limit",
                );
            }
            out.push(ContainerRequests {
                requests,
                has_cpu: merged.contains_key("cpu"),
                has_memory: merged.contains_key("memory"),
                sidecar,
            });
        }
        Ok(out)
    };
    let containers = conv(cx, &spec.containers, "containers", false)?;
    let init = conv(cx, &spec.init_containers, "initContainers", true)?;
    let (overhead, _) = resource_map(cx, &format!("{spath}.overhead"), &spec.overhead, false)?;
    let requests = pod_requests(&containers, &init, &overhead);
    if let Some(r) = (0..cx.resources.len()).find(|&r| requests.0.0[r] > MAX_RESOURCE_AMOUNT) {
        return cx.err(
            format!("{spath}.containers"),
            format!(
                "the pod requests more {} in all than the limit of 2^46 base units",
                cx.resources.name(r)
            ),
        );
    }

    let classes = refs.classes;
    let (priority, class_policy) = match &spec.priority_class_name {
        None => classes.default,
        Some(name) => match classes.values.get(name) {
            Some(v) => *v,
            None => {
                let known: Vec<&str> = classes.values.keys().map(String::as_str).collect();
                return cx.err(
                    format!("{spath}.priorityClassName"),
                    format!("no PriorityClass `{name}`; defined: {}", known.join(", ")),
                );
            }
        },
    };
    // Kubernetes' priority admission refuses a pod whose own policy differs from its class's.
    let preemption_policy = match spec.preemption_policy.map(preemption) {
        Some(own) if own != class_policy => {
            let from = match (&spec.priority_class_name, &classes.default_name) {
                (Some(c), _) => format!("its PriorityClass `{c}`"),
                (None, Some(c)) => format!("the global default PriorityClass `{c}`"),
                (None, None) => "no PriorityClass (the default)".to_string(),
            };
            return cx.err(
                format!("{spath}.preemptionPolicy"),
                format!(
                    "`{}` differs from `{}`, which the pod gets from {from}; Kubernetes refuses \
                     such a pod: set preemptionPolicy on a PriorityClass and name it in \
                     priorityClassName",
                    preemption_name(own),
                    preemption_name(class_policy)
                ),
            );
        }
        _ => class_policy,
    };
    let scheduler_name = spec
        .scheduler_name
        .as_deref()
        .unwrap_or(DEFAULT_SCHEDULER_NAME);
    if !refs
        .scheduler
        .profiles
        .iter()
        .any(|p| p.name == scheduler_name)
    {
        let names: Vec<&str> = refs
            .scheduler
            .profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        return cx.err(
            format!("{spath}.schedulerName"),
            format!(
                "no scheduler profile `{scheduler_name}`; profiles: {} (add one under scheduler.profiles)",
                names.join(", ")
            ),
        );
    }
    let nodes = (refs.nodes, refs.pools);
    let node_name = match &spec.node_name {
        None => None,
        Some(n) => match nodes.0.iter().position(|s| &s.name == n) {
            Some(i) if pool_added_at(nodes.1, i) > 0 => {
                return cx.err(
                    format!("{spath}.nodeName"),
                    format!("node `{n}` joins the cluster later (its pool has addedAt); pin pods only to nodes present from the start"),
                );
            }
            Some(i) => Some(NodeId(i as u32)),
            None => {
                return cx.err(
                    format!("{spath}.nodeName"),
                    format!(
                        "no node named `{n}`; nodes are named <pool>-<index>{}",
                        nodes
                            .0
                            .first()
                            .map(|s| format!(", e.g. `{}`", s.name))
                            .unwrap_or_default()
                    ),
                );
            }
        },
    };
    check_list(cx, &format!("{spath}.tolerations"), &spec.tolerations)?;
    let mut tolerations = Vec::new();
    for (i, t) in spec.tolerations.iter().enumerate() {
        let tp = format!("{spath}.tolerations[{i}]");
        let operator = match t.operator {
            Some(OperatorDoc::Exists) => TolerationOperator::Exists,
            Some(OperatorDoc::Equal) | None => TolerationOperator::Equal,
        };
        if operator == TolerationOperator::Exists && !t.value.is_empty() {
            return cx.err(
                format!("{tp}.value"),
                "must be empty when operator is `Exists`",
            );
        }
        if operator == TolerationOperator::Equal && t.key.is_empty() {
            return cx.err(
                format!("{tp}.operator"),
                "must be `Exists` when the key is empty",
            );
        }
        if t.toleration_seconds.is_some() && !matches!(t.effect, Some(EffectDoc::NoExecute)) {
            return cx.err(
                format!("{tp}.tolerationSeconds"),
                "only a toleration with `effect: NoExecute` may set tolerationSeconds",
            );
        }
        tolerations.push(Toleration {
            key: t.key.clone(),
            operator,
            value: t.value.clone(),
            effect: t.effect.map(effect),
            // Kubernetes treats zero and negative values as "evict at once".
            toleration_time: t
                .toleration_seconds
                .map(|s| (s.max(0) as u64).saturating_mul(NANOS_PER_SEC)),
        });
    }
    crate::cluster::taints::add_default_tolerations(&mut tolerations);
    let restart_policy = match spec.restart_policy {
        None => default_restart,
        Some(RestartPolicyDoc::Always) => RestartPolicy::Always,
        Some(RestartPolicyDoc::OnFailure) => RestartPolicy::OnFailure,
        Some(RestartPolicyDoc::Never) => RestartPolicy::Never,
    };
    let affinity = scheduling::affinity(
        cx,
        &format!("{spath}.affinity"),
        spec.affinity.as_ref(),
        refs.namespaces,
    )?;
    let spread = scheduling::spread_constraints(
        cx,
        &format!("{spath}.topologySpreadConstraints"),
        &spec.topology_spread_constraints,
        &labels,
    )?;
    let host_ports = scheduling::host_ports(cx, &spath, spec)?;
    let template = PodTemplate {
        labels,
        node_selector: spec.node_selector.clone().into_iter().collect(),
        tolerations,
        priority,
        restart_policy,
        node_name,
        namespace: meta
            .namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
        affinity,
        spread,
        host_ports,
        scheduler_name: scheduler_name.to_string(),
        preemption_policy,
        termination_grace: spec
            .termination_grace_period_seconds
            .map_or(DEFAULT_TERMINATION_GRACE, |s| {
                s.saturating_mul(crate::engine::time::NANOS_PER_SEC)
            }),
    };
    Ok((template, requests))
}
