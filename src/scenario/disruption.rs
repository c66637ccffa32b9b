//! Validation of `podDisruptionBudgets:` and `resourceQuotas:`, and the pod limits that
//! quotas on `limits.*` read.

use super::closest;
use super::model::{Budget, Hard, Pdb, Quota, QuotaResource, Workload};
use super::scheduling::label_selector;
use super::schema::{
    ContainerDoc, JobSimDoc, ObjectMeta, PdbDoc, PodSpecDoc, QuotaDoc, UnhealthyPolicyDoc,
    WorkloadsDoc,
};
use super::validate::{
    Ctx, R, check_kind, check_list, check_name, check_namespace, int_or_percent,
};
use crate::cluster::pod::PodTemplate;
use crate::cluster::pod_request::{ContainerRequests, pod_limits};
use crate::cluster::resources::{CPU, EPHEMERAL_STORAGE, MAX_RESOURCES, MEMORY, Resources};
use crate::scenario::limits::MAX_RESOURCE_AMOUNT;
use std::collections::{BTreeMap, BTreeSet};

/// The namespace of objects that name none.
const DEFAULT_NAMESPACE: &str = "default";

/// The quota resource names kubesim models, for messages.
const QUOTA_KEYS: [&str; 13] = [
    "pods",
    "count/pods",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "requests.<extended resource>",
    "cpu",
    "memory",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "count/deployments.apps",
    "count/jobs.batch",
];

/// Checks an object's `apiVersion` and `kind` (when given), name and namespace, and that
/// no other object of its kind in the namespace has its name (`names` holds those seen);
/// returns the namespace.
pub(super) fn object_meta(
    cx: &Ctx,
    path: &str,
    (api_version, kind): (Option<&str>, Option<&str>),
    meta: &ObjectMeta,
    (want_api, want_kind): (&str, &str),
    names: &mut BTreeSet<(String, String)>,
) -> R<String> {
    check_kind(cx, path, api_version, kind, want_api, want_kind)?;
    check_name(cx, &format!("{path}.metadata.name"), &meta.name)?;
    let ns = namespace_of(cx, path, meta.namespace.as_ref())?;
    if !names.insert((ns.clone(), meta.name.clone())) {
        return cx.err(
            format!("{path}.metadata.name"),
            format!(
                "`{}` is used by another {want_kind} of namespace `{ns}`",
                meta.name
            ),
        );
    }
    Ok(ns)
}

fn namespace_of(cx: &Ctx, path: &str, ns: Option<&String>) -> R<String> {
    match ns {
        Some(ns) => {
            check_namespace(cx, &format!("{path}.metadata.namespace"), ns)?;
            Ok(ns.clone())
        }
        None => Ok(DEFAULT_NAMESPACE.into()),
    }
}

/// A workload's name, for messages.
fn owner_of(workloads: &[Workload], template: usize) -> &str {
    workloads
        .iter()
        .find(|w| w.template as usize == template)
        .map_or("?", |w| w.name.as_str())
}

/// Checks `podDisruptionBudgets:` and resolves the templates each one covers.
pub(super) fn pdbs(
    cx: &mut Ctx,
    list: &[PdbDoc],
    templates: &[PodTemplate],
    workloads: &[Workload],
) -> R<Vec<Pdb>> {
    check_list(cx, "podDisruptionBudgets", list)?;
    let mut out: Vec<Pdb> = Vec::with_capacity(list.len());
    let mut names = BTreeSet::new();
    let mut covered: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, d) in list.iter().enumerate() {
        let path = format!("podDisruptionBudgets[{i}]");
        let ns = object_meta(
            cx,
            &path,
            (d.api_version.as_deref(), d.kind.as_deref()),
            &d.metadata,
            ("policy/v1", "PodDisruptionBudget"),
            &mut names,
        )?;
        let spec = &d.spec;
        let budget = match (&spec.min_available, &spec.max_unavailable) {
            (Some(_), Some(_)) => {
                return cx.err(
                    format!("{path}.spec"),
                    "sets both minAvailable and maxUnavailable; Kubernetes allows only one: keep one of them",
                );
            }
            (None, None) => {
                return cx.err(
                    format!("{path}.spec"),
                    "sets neither minAvailable nor maxUnavailable: give one, a count (2) or a percentage (\"50%\")",
                );
            }
            (Some(v), None) => Budget::MinAvailable(int_or_percent(
                cx,
                &format!("{path}.spec.minAvailable"),
                v,
                u64::from(u32::MAX),
                100,
            )?),
            (None, Some(v)) => Budget::MaxUnavailable(int_or_percent(
                cx,
                &format!("{path}.spec.maxUnavailable"),
                v,
                u64::from(u32::MAX),
                100,
            )?),
        };
        let spath = format!("{path}.spec.selector");
        let selector = match &spec.selector {
            Some(s) if !s.is_empty() => label_selector(cx, &spath, s)?,
            _ => {
                return cx.err(
                    spath,
                    "is missing or empty; upstream treats such a budget inconsistently (a missing \
                     selector matches no pod, an empty one every pod of the namespace for the \
                     eviction API but none for preemption): select the pods with matchLabels or \
                     matchExpressions",
                );
            }
        };
        let matched: Vec<u32> = templates
            .iter()
            .enumerate()
            .filter(|(_, t)| t.namespace == ns && selector.matches(&t.labels))
            .map(|(k, _)| k as u32)
            .collect();
        for &t in &matched {
            if let Some(&other) = covered.get(&t) {
                return cx.err(
                    spath,
                    format!(
                        "selects the pods of `{}`, which podDisruptionBudgets[{other}] also selects; \
                         Kubernetes' eviction API refuses to evict a pod with more than one \
                         PodDisruptionBudget: make the selectors disjoint",
                        owner_of(workloads, t as usize)
                    ),
                );
            }
            covered.insert(t, i);
        }
        if matched.is_empty() {
            cx.warnings.insert(format!(
                "{path} selects no pod of any workload; it has no effect on the run"
            ));
        }
        out.push(Pdb {
            name: d.metadata.name.clone(),
            templates: matched,
            budget,
            always_allow_unhealthy: matches!(
                spec.unhealthy_pod_eviction_policy,
                Some(UnhealthyPolicyDoc::AlwaysAllow)
            ),
        });
    }
    Ok(out)
}

/// A workload document: its path, namespace, pod spec, and the resources whose requests
/// its `simulation` draws for every pod (which then has them, whatever its containers say).
type WorkloadDoc<'a> = (String, Option<&'a String>, &'a PodSpecDoc, Vec<&'a str>);

/// Every workload document, in workload order.
fn workload_docs(w: &WorkloadsDoc) -> Vec<WorkloadDoc<'_>> {
    let deps = w.deployments.iter().enumerate().map(|(i, d)| {
        (
            format!("workloads.deployments[{i}]"),
            d.metadata.namespace.as_ref(),
            &d.spec.template.spec,
            Vec::new(),
        )
    });
    let jobs = w.jobs.iter().enumerate().map(|(i, j)| {
        (
            format!("workloads.jobs[{i}]"),
            j.metadata.namespace.as_ref(),
            &j.spec.template.spec,
            drawn(&j.simulation),
        )
    });
    deps.chain(jobs).collect()
}

/// The resources a Job's `simulation` draws requests of for every pod.
fn drawn(sim: &JobSimDoc) -> Vec<&str> {
    match &sim.request_choice {
        Some(options) => ["cpu", "memory"]
            .into_iter()
            .filter(|r| options.iter().all(|o| o.requests.contains_key(*r)))
            .collect(),
        None => sim.requests.keys().map(String::as_str).collect(),
    }
}

/// A container's limits as a vector, with which slots it limits.
fn container_limits(cx: &Ctx, c: &ContainerDoc, limited: &mut [bool]) -> ContainerRequests {
    let mut r = Resources::ZERO;
    if let Some(res) = &c.resources {
        for (name, q) in &res.limits {
            let Some(slot) = cx.resources.slot(name) else {
                continue;
            };
            // Validated as a pod's resources already: in range.
            let v = if slot == CPU {
                q.milli_value()
            } else {
                q.value()
            };
            r.0[slot] = v.unwrap_or(0);
            limited[slot] = true;
        }
    }
    ContainerRequests {
        requests: r,
        sidecar: c.restart_policy.is_some(),
        ..ContainerRequests::default()
    }
}

/// Each template's pod limits, in template order (workloads own one template each).
pub(super) fn limits(
    cx: &Ctx,
    w: &WorkloadsDoc,
    workloads: &[Workload],
    versions: &[(u32, &PodSpecDoc)],
    templates: usize,
) -> Vec<Resources> {
    let mut out = vec![Resources::ZERO; templates];
    let specs = workload_docs(w)
        .into_iter()
        .zip(workloads)
        .map(|((_, _, spec, _), wl)| (wl.template, spec))
        .chain(versions.iter().copied());
    for (template, spec) in specs {
        if let Some(slot) = out.get_mut(template as usize) {
            *slot = spec_limits(cx, spec);
        }
    }
    out
}

/// The limits of a pod with `spec` (`resourcehelper.PodLimits`).
fn spec_limits(cx: &Ctx, spec: &PodSpecDoc) -> Resources {
    let mut limited = [false; MAX_RESOURCES];
    let cs: Vec<ContainerRequests> = spec
        .containers
        .iter()
        .map(|c| container_limits(cx, c, &mut limited))
        .collect();
    let init: Vec<ContainerRequests> = spec
        .init_containers
        .iter()
        .map(|c| container_limits(cx, c, &mut limited))
        .collect();
    let mut overhead = Resources::ZERO;
    for (name, q) in &spec.overhead {
        if let Some(slot) = cx.resources.slot(name) {
            let v = if slot == CPU {
                q.milli_value()
            } else {
                q.value()
            };
            overhead.0[slot] = v.unwrap_or(0);
        }
    }
    pod_limits(&cs, &init, &overhead, &limited)
}

/// What a quota key limits, or `None` for an extended resource no pod requests (its
/// usage is always 0).
fn quota_resource(cx: &Ctx, path: &str, key: &str) -> R<Option<QuotaResource>> {
    let slot = |name: &str| cx.resources.slot(name);
    Ok(Some(match key {
        "pods" | "count/pods" => QuotaResource::Pods,
        "count/deployments.apps" => QuotaResource::Deployments,
        "count/jobs.batch" => QuotaResource::Jobs,
        "cpu" | "requests.cpu" => QuotaResource::Requests(CPU),
        "memory" | "requests.memory" => QuotaResource::Requests(MEMORY),
        "requests.ephemeral-storage" => QuotaResource::Requests(EPHEMERAL_STORAGE),
        "limits.cpu" => QuotaResource::Limits(CPU),
        "limits.memory" => QuotaResource::Limits(MEMORY),
        "limits.ephemeral-storage" => QuotaResource::Limits(EPHEMERAL_STORAGE),
        k if k.strip_prefix("requests.").is_some_and(|r| r.contains('/')) => {
            match slot(&k["requests.".len()..]) {
                Some(s) => QuotaResource::Requests(s),
                None => return Ok(None),
            }
        }
        k => {
            let hint = closest(k, &QUOTA_KEYS)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return cx.err(
                path,
                format!(
                    "unknown quota resource `{k}`{hint}; kubesim models: {}",
                    QUOTA_KEYS.join(", ")
                ),
            );
        }
    }))
}

/// Checks `resourceQuotas:`.
pub(super) fn quotas(
    cx: &mut Ctx,
    list: &[QuotaDoc],
    w: &WorkloadsDoc,
    templates: &[PodTemplate],
) -> R<Vec<Quota>> {
    check_list(cx, "resourceQuotas", list)?;
    let docs = workload_docs(w);
    let mut names = BTreeSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, d) in list.iter().enumerate() {
        let path = format!("resourceQuotas[{i}]");
        let ns = object_meta(
            cx,
            &path,
            (d.api_version.as_deref(), d.kind.as_deref()),
            &d.metadata,
            ("v1", "ResourceQuota"),
            &mut names,
        )?;
        if d.spec.scopes.is_some() {
            cx.unmodelled(&format!("{path}.spec"), "scopes");
        }
        if d.spec.scope_selector.is_some() {
            cx.unmodelled(&format!("{path}.spec"), "scopeSelector");
        }
        let mut hard = Vec::new();
        for (key, q) in &d.spec.hard {
            let p = format!("{path}.spec.hard.{key}");
            let Some(res) = quota_resource(cx, &p, key)? else {
                continue;
            };
            if q.is_negative() {
                return cx.err(p, format!("`{q}` is negative; quantities must be >= 0"));
            }
            let v = if matches!(
                res,
                QuotaResource::Requests(CPU) | QuotaResource::Limits(CPU)
            ) {
                q.milli_value()
            } else {
                q.value()
            };
            match v {
                Ok(v) if v <= MAX_RESOURCE_AMOUNT => hard.push(Hard {
                    key: key.clone(),
                    resource: res,
                    value: v,
                }),
                _ => {
                    return cx.err(
                        p,
                        format!("`{q}` is larger than the limit of 2^46 base units"),
                    );
                }
            }
            check_containers_set(cx, &d.metadata.name, &ns, key, &docs)?;
        }
        let covered: Vec<u32> = templates
            .iter()
            .enumerate()
            .filter(|(_, t)| t.namespace == ns)
            .map(|(k, _)| k as u32)
            .collect();
        if covered.is_empty() {
            cx.warnings.insert(format!(
                "{path}: no workload uses namespace `{ns}`; the quota has no effect on the run"
            ));
        }
        out.push(Quota {
            name: d.metadata.name.clone(),
            namespace: ns,
            templates: covered,
            hard,
        });
    }
    Ok(out)
}

/// A quota on cpu or memory requests or limits makes Kubernetes refuse every pod with a
/// container that does not set that request or limit ("must specify"): such a workload
/// could never run, so it is refused here, where it can be fixed.
fn check_containers_set(cx: &Ctx, quota: &str, ns: &str, key: &str, docs: &[WorkloadDoc]) -> R<()> {
    let (field, resource) = match key {
        "cpu" | "requests.cpu" => ("requests", "cpu"),
        "memory" | "requests.memory" => ("requests", "memory"),
        "limits.cpu" => ("limits", "cpu"),
        "limits.memory" => ("limits", "memory"),
        _ => return Ok(()),
    };
    for (path, wns, spec, drawn) in docs {
        if wns.map_or(DEFAULT_NAMESPACE, |s| s.as_str()) != ns
            || (field == "requests" && drawn.contains(&resource))
        {
            continue;
        }
        let lists = [
            ("containers", &spec.containers),
            ("initContainers", &spec.init_containers),
        ];
        for (list, cs) in lists {
            for (k, c) in cs.iter().enumerate() {
                let set = c.resources.as_ref().is_some_and(|r| {
                    // A missing request defaults to the limit.
                    r.limits.contains_key(resource)
                        || (field == "requests" && r.requests.contains_key(resource))
                });
                if !set {
                    return cx.err(
                        format!(
                            "{path}.spec.template.spec.{list}[{k}].resources.{field}.{resource}"
                        ),
                        format!(
                            "is not set, but ResourceQuota `{quota}` of namespace `{ns}` limits \
                             {key}: Kubernetes refuses every such pod (\"failed quota: {quota}: \
                             must specify {key}\"); set it"
                        ),
                    );
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cluster::resources::{CPU, MEMORY};

    fn load(extra: &str) -> Result<crate::Scenario, String> {
        let text = format!(
            "apiVersion: kubesim/v1\nkind: Scenario\nmetadata: {{name: t}}\n\
             cluster: {{nodePools: [{{name: n, count: 1, capacity: {{cpu: 8, memory: 8Gi}}}}]}}\n\
             workloads:\n  deployments:\n    - metadata: {{name: a, namespace: team}}\n      spec:\n        template:\n          metadata: {{labels: {{app: a}}}}\n          spec:\n            overhead: {{cpu: 100m, memory: 64Mi}}\n            initContainers: [{{name: i, resources: {{limits: {{cpu: 3}}}}}}]\n            containers:\n              - {{name: x, resources: {{limits: {{cpu: 1, memory: 1Gi}}}}}}\n              - {{name: y, resources: {{limits: {{cpu: 500m}}, requests: {{memory: 1Gi}}}}}}\n{extra}"
        );
        crate::scenario::load_str(&text, "t.yaml", std::path::Path::new("."))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn pod_limits_follow_kubernetes() {
        // Hand-derived: cpu max(1 + 0.5, 3) = 3 cores + 100m overhead; memory only x sets
        // a limit (1Gi), and the overhead's 64Mi is added since memory is limited.
        let s = load("").expect("valid");
        assert_eq!(s.pod_limits[0].0[CPU], 3100);
        assert_eq!(s.pod_limits[0].0[MEMORY], (1 << 30) + (64 << 20));
    }

    #[test]
    fn quota_must_specify_is_enforced_per_namespace() {
        // limits.memory in `team`: container y has no memory limit.
        let q = "resourceQuotas: [{metadata: {name: q, namespace: team}, spec: {hard: {limits.memory: 4Gi}}}]\n";
        let e = load(q).unwrap_err();
        assert!(e.contains("containers[1].resources.limits.memory"), "{e}");
        // The same quota in another namespace does not concern the workload.
        let other = q.replace("namespace: team", "namespace: other");
        assert!(load(&other).is_ok());
        // Requests: every container and init container sets a cpu limit, which its
        // request defaults to; but the init container sets no memory at all.
        assert!(load(&q.replace("limits.memory", "requests.cpu")).is_ok());
        let e = load(&q.replace("limits.memory", "requests.memory")).unwrap_err();
        assert!(
            e.contains("initContainers[0].resources.requests.memory"),
            "{e}"
        );
    }

    #[test]
    fn overlapping_budgets_are_refused() {
        let b = "podDisruptionBudgets:\n  - {metadata: {name: a, namespace: team}, spec: {minAvailable: 1, selector: {matchLabels: {app: a}}}}\n  - {metadata: {name: b, namespace: team}, spec: {maxUnavailable: 1, selector: {matchExpressions: [{key: app, operator: Exists}]}}}\n";
        let e = load(b).unwrap_err();
        assert!(e.contains("podDisruptionBudgets[1].spec.selector"), "{e}");
        assert!(e.contains("more than one"), "{e}");
    }
}
