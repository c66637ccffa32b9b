//! The scheduling part of a scenario: a pod template's `affinity`,
//! `topologySpreadConstraints` and host ports, and the `scheduler:` section (profiles,
//! plugins and plugin arguments).
//!
//! Values are checked as Kubernetes' API validation checks them, and profiles are built as
//! kube-scheduler builds them from a `KubeSchedulerConfiguration` (v1): defaults first,
//! then each extension point's `disabled` and `enabled` lists, `multiPoint` expanded into
//! the points a plugin implements.

use super::limits::MAX_DURATION_NANOS;
use super::schema::*;
use super::units::SimDuration;
use super::validate::{Ctx, R, check_list, check_name, check_namespace, is_dns_subdomain};
use crate::cluster::selectors::*;
use crate::engine::time::{NANOS_PER_SEC, Nanos};
use crate::scheduler::config::*;
use std::collections::BTreeSet;

/// Checks a Kubernetes qualified name (a label key or topology key): an optional
/// DNS-subdomain prefix and `/`, then 1–63 letters, digits, `-`, `_` or `.`, starting and
/// ending with a letter or digit.
fn check_label_key(cx: &Ctx, path: &str, key: &str) -> R<()> {
    if key.is_empty() {
        return cx.err(
            path,
            "must not be empty: name a label such as topology.kubernetes.io/zone",
        );
    }
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if name_ok && prefix.is_none_or(is_dns_subdomain) {
        return Ok(());
    }
    cx.err(
        path,
        format!(
            "`{key}` is not a valid label key: an optional DNS-subdomain prefix and `/`, then at \
             most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit \
             (e.g. topology.kubernetes.io/zone)"
        ),
    )
}

/// What a requirement is matched against: node selector terms also allow `Gt` and `Lt`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Over {
    NodeLabels,
    PodLabels,
}

/// A `matchExpressions` entry, validated as `ValidateNodeSelectorRequirement` and
/// `ValidateLabelSelectorRequirement` do; value lists are sorted and deduplicated.
fn requirement(cx: &Ctx, path: &str, r: &RequirementDoc, over: Over) -> R<Requirement> {
    use SelectorOperatorDoc as Op;
    check_label_key(cx, &format!("{path}.key"), &r.key)?;
    let vpath = format!("{path}.values");
    check_list(cx, &vpath, &r.values)?;
    let mut values = r.values.clone();
    values.sort_unstable();
    values.dedup();
    let op = match r.operator {
        Op::In | Op::NotIn if values.is_empty() => {
            return cx.err(
                vpath,
                "must list at least one value when `operator` is `In` or `NotIn`",
            );
        }
        Op::In => Operator::In(values),
        Op::NotIn => Operator::NotIn(values),
        Op::Exists | Op::DoesNotExist if !values.is_empty() => {
            return cx.err(
                vpath,
                "must be empty when `operator` is `Exists` or `DoesNotExist`",
            );
        }
        Op::Exists => Operator::Exists,
        Op::DoesNotExist => Operator::DoesNotExist,
        Op::Gt | Op::Lt if over == Over::PodLabels => {
            return cx.err(
                format!("{path}.operator"),
                "`Gt` and `Lt` are allowed only in node selector terms (nodeAffinity); \
                 use `In`, `NotIn`, `Exists` or `DoesNotExist`",
            );
        }
        Op::Gt | Op::Lt => {
            let [v] = r.values.as_slice() else {
                return cx.err(
                    vpath,
                    format!(
                        "{} values given; `Gt` and `Lt` take exactly one, an integer",
                        r.values.len()
                    ),
                );
            };
            let Ok(n) = v.parse::<i64>() else {
                return cx.err(
                    format!("{vpath}[0]"),
                    format!("`{v}` is not an integer; `Gt` and `Lt` compare whole numbers"),
                );
            };
            if matches!(r.operator, Op::Gt) {
                Operator::Gt(n)
            } else {
                Operator::Lt(n)
            }
        }
    };
    Ok(Requirement {
        key: r.key.clone(),
        op,
    })
}

/// A requirement in words, for messages.
pub(super) fn describe(r: &Requirement) -> String {
    let k = &r.key;
    match &r.op {
        Operator::In(v) if v.len() == 1 => format!("label {k}={}", v[0]),
        Operator::In(v) => format!("`{k} In [{}]`", v.join(", ")),
        Operator::NotIn(v) => format!("`{k} NotIn [{}]`", v.join(", ")),
        Operator::Exists => format!("`{k} Exists`"),
        Operator::DoesNotExist => format!("`{k} DoesNotExist`"),
        Operator::Gt(n) => format!("`{k} Gt {n}`"),
        Operator::Lt(n) => format!("`{k} Lt {n}`"),
    }
}

/// A label selector: `matchLabels` (as `In` with one value, in key order), then
/// `matchExpressions`.
pub(super) fn label_selector(cx: &Ctx, path: &str, s: &SelectorDoc) -> R<LabelSelector> {
    check_list(
        cx,
        &format!("{path}.matchExpressions"),
        &s.match_expressions,
    )?;
    let mut requirements = Vec::with_capacity(s.match_labels.len() + s.match_expressions.len());
    for (k, v) in &s.match_labels {
        check_label_key(cx, &format!("{path}.matchLabels"), k)?;
        requirements.push(Requirement {
            key: k.clone(),
            op: Operator::In(vec![v.clone()]),
        });
    }
    for (i, r) in s.match_expressions.iter().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        requirements.push(requirement(cx, &p, r, Over::PodLabels)?);
    }
    Ok(LabelSelector { requirements })
}

/// An optional `labelSelector`: absent selects no pod, as upstream.
fn optional_selector(cx: &Ctx, path: &str, s: Option<&SelectorDoc>) -> R<LabelSelector> {
    match s {
        Some(s) => label_selector(cx, path, s),
        None => Ok(LabelSelector::nothing()),
    }
}

/// A `NodeSelectorTerm`. `matchFields` takes only `metadata.name` with `In` or `NotIn`
/// and one value, as `ValidateNodeFieldSelectorRequirement` requires.
fn node_term(cx: &Ctx, path: &str, t: &NodeSelectorTermDoc) -> R<NodeSelectorTerm> {
    check_list(
        cx,
        &format!("{path}.matchExpressions"),
        &t.match_expressions,
    )?;
    check_list(cx, &format!("{path}.matchFields"), &t.match_fields)?;
    let mut term = NodeSelectorTerm::default();
    for (i, r) in t.match_expressions.iter().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        term.expressions
            .push(requirement(cx, &p, r, Over::NodeLabels)?);
    }
    for (i, f) in t.match_fields.iter().enumerate() {
        let p = format!("{path}.matchFields[{i}]");
        if f.key != "metadata.name" {
            return cx.err(
                format!("{p}.key"),
                format!("`{}`: the only node field is `metadata.name`", f.key),
            );
        }
        let in_set = match f.operator {
            SelectorOperatorDoc::In => true,
            SelectorOperatorDoc::NotIn => false,
            _ => {
                return cx.err(
                    format!("{p}.operator"),
                    "must be `In` or `NotIn` in matchFields",
                );
            }
        };
        let [v] = f.values.as_slice() else {
            return cx.err(
                format!("{p}.values"),
                "must be exactly one node name in matchFields (use several terms for several nodes)",
            );
        };
        check_name(cx, &format!("{p}.values[0]"), v)?;
        let values = vec![v.clone()];
        term.fields.push(Requirement {
            key: f.key.clone(),
            op: if in_set {
                Operator::In(values)
            } else {
                Operator::NotIn(values)
            },
        });
    }
    Ok(term)
}

/// A preferred term's weight: 1–100.
fn term_weight(cx: &Ctx, path: &str, w: Option<i64>) -> R<i64> {
    match w {
        Some(w @ 1..=100) => Ok(w),
        Some(w) => cx.err(
            path,
            format!("{w} is out of range: must be between 1 and 100"),
        ),
        None => cx.err(path, "required: a weight between 1 and 100"),
    }
}

/// A required node label key naming topology domains.
fn topology_key(cx: &Ctx, path: &str, key: Option<&str>) -> R<String> {
    let Some(key) = key else {
        return cx.err(
            path,
            "required: the node label whose values are the topology domains, e.g. \
             kubernetes.io/hostname or topology.kubernetes.io/zone",
        );
    };
    check_label_key(cx, path, key)?;
    Ok(key.to_string())
}

/// A pod template's `affinity`. `all_namespaces` (sorted) is what `namespaceSelector: {}`
/// selects: every namespace a workload uses, hence every namespace a pod can be in.
pub(super) fn affinity(
    cx: &Ctx,
    path: &str,
    a: Option<&AffinityDoc>,
    all_namespaces: &[String],
) -> R<Affinity> {
    let Some(a) = a else {
        return Ok(Affinity::default());
    };
    let mut out = Affinity::default();
    if let Some(n) = &a.node_affinity {
        let np = format!("{path}.nodeAffinity");
        if let Some(req) = &n.required_during_scheduling_ignored_during_execution {
            let rp =
                format!("{np}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
            if req.node_selector_terms.is_empty() {
                return cx.err(
                    rp,
                    "needs at least one term (a node must match one of the terms)",
                );
            }
            check_list(cx, &rp, &req.node_selector_terms)?;
            let terms = req
                .node_selector_terms
                .iter()
                .enumerate()
                .map(|(i, t)| node_term(cx, &format!("{rp}[{i}]"), t))
                .collect::<R<Vec<_>>>()?;
            out.node.required = Some(terms);
        }
        let pp = format!("{np}.preferredDuringSchedulingIgnoredDuringExecution");
        let preferred = &n.preferred_during_scheduling_ignored_during_execution;
        check_list(cx, &pp, preferred)?;
        for (i, t) in preferred.iter().enumerate() {
            out.node.preferred.push(PreferredSchedulingTerm {
                weight: term_weight(cx, &format!("{pp}[{i}].weight"), t.weight)?,
                term: node_term(cx, &format!("{pp}[{i}].preference"), &t.preference)?,
            });
        }
    }
    if let Some(p) = &a.pod_affinity {
        out.pod = pod_affinity(cx, &format!("{path}.podAffinity"), p, all_namespaces)?;
    }
    if let Some(p) = &a.pod_anti_affinity {
        out.anti = pod_affinity(cx, &format!("{path}.podAntiAffinity"), p, all_namespaces)?;
    }
    Ok(out)
}

fn pod_affinity(
    cx: &Ctx,
    path: &str,
    d: &PodAffinityDoc,
    all_namespaces: &[String],
) -> R<PodAffinity> {
    let mut out = PodAffinity::default();
    let rp = format!("{path}.requiredDuringSchedulingIgnoredDuringExecution");
    let required = &d.required_during_scheduling_ignored_during_execution;
    check_list(cx, &rp, required)?;
    for (i, t) in required.iter().enumerate() {
        out.required
            .push(pod_term(cx, &format!("{rp}[{i}]"), t, all_namespaces)?);
    }
    let pp = format!("{path}.preferredDuringSchedulingIgnoredDuringExecution");
    let preferred = &d.preferred_during_scheduling_ignored_during_execution;
    check_list(cx, &pp, preferred)?;
    for (i, t) in preferred.iter().enumerate() {
        out.preferred.push(WeightedPodAffinityTerm {
            weight: term_weight(cx, &format!("{pp}[{i}].weight"), t.weight)?,
            term: pod_term(
                cx,
                &format!("{pp}[{i}].podAffinityTerm"),
                &t.pod_affinity_term,
                all_namespaces,
            )?,
        });
    }
    Ok(out)
}

fn pod_term(
    cx: &Ctx,
    path: &str,
    t: &PodAffinityTermDoc,
    all_namespaces: &[String],
) -> R<PodAffinityTerm> {
    let topology_key = topology_key(
        cx,
        &format!("{path}.topologyKey"),
        t.topology_key.as_deref(),
    )?;
    let selector = optional_selector(
        cx,
        &format!("{path}.labelSelector"),
        t.label_selector.as_ref(),
    )?;
    check_list(cx, &format!("{path}.namespaces"), &t.namespaces)?;
    for (i, ns) in t.namespaces.iter().enumerate() {
        check_namespace(cx, &format!("{path}.namespaces[{i}]"), ns)?;
    }
    let mut namespaces = t.namespaces.clone();
    match &t.namespace_selector {
        None => {}
        Some(s) if s.is_empty() => namespaces.extend_from_slice(all_namespaces),
        Some(_) => {
            return cx.err(
                format!("{path}.namespaceSelector"),
                "namespace labels are not modelled: list the namespaces in `namespaces`, or \
                 write `namespaceSelector: {}` to select every namespace",
            );
        }
    }
    namespaces.sort_unstable();
    namespaces.dedup();
    Ok(PodAffinityTerm {
        selector,
        namespaces,
        topology_key,
    })
}

/// A pod template's `topologySpreadConstraints`; `pod_labels` (sorted) feed
/// `matchLabelKeys`.
pub(super) fn spread_constraints(
    cx: &Ctx,
    path: &str,
    list: &[TopologySpreadConstraintDoc],
    pod_labels: &[(String, String)],
) -> R<Vec<SpreadConstraint>> {
    constraints(cx, path, list, Some(pod_labels))
}

/// Spread constraints of a pod (`pod_labels` given) or PodTopologySpread's
/// `defaultConstraints` (`None`: no selector, the scheduler derives it from the owner).
/// Two constraints may not share a topology key and `whenUnsatisfiable`.
fn constraints(
    cx: &Ctx,
    path: &str,
    list: &[TopologySpreadConstraintDoc],
    pod_labels: Option<&[(String, String)]>,
) -> R<Vec<SpreadConstraint>> {
    check_list(cx, path, list)?;
    let mut out: Vec<SpreadConstraint> = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let cp = format!("{path}[{i}]");
        let s = spread_constraint(cx, &cp, c, pod_labels)?;
        if out.iter().any(|o| {
            o.topology_key == s.topology_key && o.when_unsatisfiable == s.when_unsatisfiable
        }) {
            return cx.err(
                cp,
                format!(
                    "another constraint has the same topologyKey `{}` and whenUnsatisfiable; \
                     merge them",
                    s.topology_key
                ),
            );
        }
        out.push(s);
    }
    Ok(out)
}

fn spread_constraint(
    cx: &Ctx,
    path: &str,
    c: &TopologySpreadConstraintDoc,
    pod_labels: Option<&[(String, String)]>,
) -> R<SpreadConstraint> {
    let max_skew = match c.max_skew {
        Some(v @ 1..=I32_MAX) => v,
        Some(v) => {
            return cx.err(
                format!("{path}.maxSkew"),
                format!("{v} is out of range: must be at least 1"),
            );
        }
        None => {
            return cx.err(
                format!("{path}.maxSkew"),
                "required: the largest allowed difference in matching pods between two domains, \
                 at least 1",
            );
        }
    };
    let topology_key = topology_key(
        cx,
        &format!("{path}.topologyKey"),
        c.topology_key.as_deref(),
    )?;
    let when_unsatisfiable = match c.when_unsatisfiable {
        Some(WhenUnsatisfiableDoc::DoNotSchedule) => WhenUnsatisfiable::DoNotSchedule,
        Some(WhenUnsatisfiableDoc::ScheduleAnyway) => WhenUnsatisfiable::ScheduleAnyway,
        None => {
            return cx.err(
                format!("{path}.whenUnsatisfiable"),
                "required: `DoNotSchedule` (a filter) or `ScheduleAnyway` (a score)",
            );
        }
    };
    let mpath = format!("{path}.minDomains");
    let min_domains = match c.min_domains {
        None => None,
        Some(_) if when_unsatisfiable != WhenUnsatisfiable::DoNotSchedule => {
            return cx.err(
                mpath,
                "only applies with `whenUnsatisfiable: DoNotSchedule`",
            );
        }
        Some(v @ 1..=I32_MAX) => Some(v),
        Some(v) => return cx.err(mpath, format!("{v} is out of range: must be at least 1")),
    };
    let policy = |p: Option<InclusionPolicyDoc>, default| match p {
        None => default,
        Some(InclusionPolicyDoc::Honor) => InclusionPolicy::Honor,
        Some(InclusionPolicyDoc::Ignore) => InclusionPolicy::Ignore,
    };
    let kpath = format!("{path}.matchLabelKeys");
    check_list(cx, &kpath, &c.match_label_keys)?;
    let selector = match pod_labels {
        Some(labels) => {
            let mut selector = optional_selector(
                cx,
                &format!("{path}.labelSelector"),
                c.label_selector.as_ref(),
            )?;
            add_match_label_keys(cx, &kpath, c, labels, &mut selector)?;
            selector
        }
        None => {
            if c.label_selector.is_some() {
                return cx.err(
                    format!("{path}.labelSelector"),
                    "default constraints take no selector: the scheduler derives it from each \
                     pod's owner",
                );
            }
            if !c.match_label_keys.is_empty() {
                return cx.err(kpath, "is not supported in default constraints");
            }
            LabelSelector::default()
        }
    };
    Ok(SpreadConstraint {
        max_skew,
        topology_key,
        when_unsatisfiable,
        selector,
        min_domains,
        node_affinity_policy: policy(c.node_affinity_policy, InclusionPolicy::Honor),
        node_taints_policy: policy(c.node_taints_policy, InclusionPolicy::Ignore),
    })
}

/// `matchLabelKeys`, as upstream merges them: each key the pod has adds `key In [its
/// value]` to the selector; keys the pod lacks are ignored. A key may not also be in the
/// selector, and the keys need a selector to narrow.
fn add_match_label_keys(
    cx: &Ctx,
    path: &str,
    c: &TopologySpreadConstraintDoc,
    pod_labels: &[(String, String)],
    selector: &mut LabelSelector,
) -> R<()> {
    if c.match_label_keys.is_empty() {
        return Ok(());
    }
    let Some(doc) = &c.label_selector else {
        return cx.err(
            path,
            "needs a `labelSelector`: the keys narrow the pods it selects",
        );
    };
    for (i, key) in c.match_label_keys.iter().enumerate() {
        let kp = format!("{path}[{i}]");
        check_label_key(cx, &kp, key)?;
        if doc.match_labels.contains_key(key) || doc.match_expressions.iter().any(|e| &e.key == key)
        {
            return cx.err(
                kp,
                format!("`{key}` is also in labelSelector; name it in one of the two only"),
            );
        }
        if let Some(v) = label(pod_labels, key) {
            selector.requirements.push(Requirement {
                key: key.clone(),
                op: Operator::In(vec![v.to_string()]),
            });
        }
    }
    Ok(())
}

const I32_MAX: i64 = i32::MAX as i64;

/// The ports of a pod's containers, validated as Kubernetes validates them; returns the
/// host ports the pod holds on its node, sorted. As upstream's `GetHostPorts`, those are
/// the ports of regular containers and sidecars: a plain init container has exited before
/// the pod runs.
pub(super) fn host_ports(cx: &Ctx, spath: &str, spec: &PodSpecDoc) -> R<Vec<HostPort>> {
    let mut bound = BTreeSet::new();
    let mut out = Vec::new();
    for (field, list) in [
        ("containers", &spec.containers),
        ("initContainers", &spec.init_containers),
    ] {
        for (ci, c) in list.iter().enumerate() {
            let pp = format!("{spath}.{field}[{ci}].ports");
            check_list(cx, &pp, &c.ports)?;
            let lasting =
                field == "containers" || matches!(c.restart_policy, Some(RestartPolicyDoc::Always));
            let mut names = BTreeSet::new();
            for (pi, p) in c.ports.iter().enumerate() {
                let ep = format!("{pp}[{pi}]");
                match p.container_port {
                    Some(1..=65535) => {}
                    Some(v) => {
                        return cx.err(
                            format!("{ep}.containerPort"),
                            format!("{v} is out of range: must be between 1 and 65535"),
                        );
                    }
                    None => {
                        return cx.err(
                            format!("{ep}.containerPort"),
                            "required: the port number in the container, 1 to 65535",
                        );
                    }
                }
                let host_port = match p.host_port.unwrap_or(0) {
                    0 => None,
                    v @ 1..=65535 => Some(v as u16),
                    v => {
                        return cx.err(
                            format!("{ep}.hostPort"),
                            format!(
                                "{v} is out of range: must be between 1 and 65535 (or 0 for none)"
                            ),
                        );
                    }
                };
                let protocol = match p.protocol {
                    None | Some(ProtocolDoc::Tcp) => "TCP",
                    Some(ProtocolDoc::Udp) => "UDP",
                    Some(ProtocolDoc::Sctp) => "SCTP",
                };
                let host_ip = p.host_ip.as_deref().unwrap_or("");
                if !host_ip.is_empty() && host_ip.parse::<std::net::IpAddr>().is_err() {
                    return cx.err(
                        format!("{ep}.hostIP"),
                        format!("`{host_ip}` is not an IP address"),
                    );
                }
                if let Some(n) = &p.name {
                    check_port_name(cx, &format!("{ep}.name"), n)?;
                    if !names.insert(n) {
                        return cx.err(
                            format!("{ep}.name"),
                            format!("`{n}` names another port of this container"),
                        );
                    }
                }
                let Some(port) = host_port else { continue };
                if !bound.insert((protocol, host_ip, port)) {
                    return cx.err(
                        format!("{ep}.hostPort"),
                        format!("{protocol}/{host_ip}/{port} is bound twice in this pod"),
                    );
                }
                if lasting {
                    // The scheduler reads an empty address as every address, 0.0.0.0.
                    let host_ip = if host_ip.is_empty() {
                        "0.0.0.0"
                    } else {
                        host_ip
                    };
                    out.push(HostPort {
                        protocol: protocol.to_string(),
                        host_ip: host_ip.to_string(),
                        port,
                    });
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Port names are IANA service names: at most 15 lowercase letters, digits and `-`, with
/// at least one letter, no `-` at either end and no `--`.
fn check_port_name(cx: &Ctx, path: &str, n: &str) -> R<()> {
    let ok = !n.is_empty()
        && n.len() <= 15
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && n.chars().any(|c| c.is_ascii_lowercase())
        && !n.starts_with('-')
        && !n.ends_with('-')
        && !n.contains("--");
    if ok {
        return Ok(());
    }
    cx.err(
        path,
        format!(
            "`{n}` is not a valid port name: at most 15 lowercase letters, digits and '-', with \
             a letter, and no '-' at either end or twice in a row"
        ),
    )
}

/// kube-scheduler's default plugins in their default order (v1 `getDefaultPlugins`, with
/// DynamicResources enabled as in v1.35), which are also every plugin name kubesim accepts.
/// The ones without a filter, score or preemption in the model are accepted with a note.
const DEFAULT_PLUGINS: [&str; 19] = [
    "SchedulingGates",
    "PrioritySort",
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "VolumeRestrictions",
    "NodeVolumeLimits",
    "VolumeBinding",
    "VolumeZone",
    "PodTopologySpread",
    "InterPodAffinity",
    "DynamicResources",
    PREEMPTION,
    "NodeResourcesBalancedAllocation",
    "ImageLocality",
    "DefaultBinder",
];

/// The PostFilter plugin that preempts.
const PREEMPTION: &str = "DefaultPreemption";

fn filter_of(name: &str) -> Option<FilterName> {
    FilterName::ALL.into_iter().find(|f| f.name() == name)
}

fn score_of(name: &str) -> Option<(ScoreName, i64)> {
    ScoreName::DEFAULTS
        .into_iter()
        .find(|(s, _)| s.name() == name)
}

fn modelled(name: &str) -> bool {
    filter_of(name).is_some() || score_of(name).is_some() || name == PREEMPTION
}

/// A plugin enabled at an extension point, with its weight (0 when none is given).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    name: &'static str,
    weight: i64,
}

/// One extension point's plugin set, checked.
#[derive(Default)]
struct Set {
    enabled: Vec<Entry>,
    disabled: BTreeSet<&'static str>,
    /// `disabled` holds `*`.
    all_disabled: bool,
}

impl Set {
    fn disables(&self, name: &str) -> bool {
        self.all_disabled || self.disabled.contains(name)
    }
}

/// The plugin called `name`, or an error listing the names kubesim knows.
fn plugin_name(cx: &Ctx, path: &str, name: &str) -> R<&'static str> {
    if let Some(n) = DEFAULT_PLUGINS.into_iter().find(|n| *n == name) {
        return Ok(n);
    }
    let (yes, no): (Vec<&str>, Vec<&str>) = DEFAULT_PLUGINS.into_iter().partition(|n| modelled(n));
    let hint = super::closest(name, &DEFAULT_PLUGINS)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    let star = if name == "*" {
        "; `*` stands for every plugin only under `disabled`"
    } else {
        ""
    };
    cx.err(
        path,
        format!(
            "unknown plugin `{name}`{hint}{star}; kubesim models {}, and accepts {} without \
             modelling them",
            yes.join(", "),
            no.join(", ")
        ),
    )
}

/// Reads one extension point's `enabled` and `disabled` lists. Unknown names are errors,
/// so that a typo never silently keeps a default; known names kubesim does not model are
/// noted once.
fn plugin_set(cx: &mut Ctx, path: &str, doc: Option<&PluginSetDoc>) -> R<Set> {
    let mut set = Set::default();
    let Some(doc) = doc else {
        return Ok(set);
    };
    check_list(cx, &format!("{path}.disabled"), &doc.disabled)?;
    check_list(cx, &format!("{path}.enabled"), &doc.enabled)?;
    for (i, p) in doc.disabled.iter().enumerate() {
        if p.name == "*" {
            set.all_disabled = true;
        } else {
            let name = plugin_name(cx, &format!("{path}.disabled[{i}].name"), &p.name)?;
            set.disabled.insert(name);
        }
    }
    for (i, p) in doc.enabled.iter().enumerate() {
        let ep = format!("{path}.enabled[{i}]");
        let name = plugin_name(cx, &format!("{ep}.name"), &p.name)?;
        if set.enabled.iter().any(|e| e.name == name) {
            return cx.err(
                format!("{ep}.name"),
                format!("`{name}` is enabled twice at this extension point"),
            );
        }
        let weight = match p.weight {
            None => 0,
            Some(w @ 0..=100) => w,
            Some(w) => {
                return cx.err(
                    format!("{ep}.weight"),
                    format!("{w} is out of range: must be between 1 and 100 (0 or none means 1)"),
                );
            }
        };
        if !modelled(name) {
            cx.warnings.insert(format!(
                "scheduler.profiles[].plugins: {name} is accepted but not modelled; it has no \
                 effect on the run"
            ));
        }
        set.enabled.push(Entry { name, weight });
    }
    Ok(set)
}

/// Upstream's `mergePluginSet` of the default multi-point plugins with the profile's
/// `multiPoint`: defaults not disabled keep their place (an enabled entry of the same name
/// replaces one in place, weight included), other enabled entries follow in order.
fn merge_multi_point(custom: &Set) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut replaced = vec![false; custom.enabled.len()];
    if !custom.all_disabled {
        for name in DEFAULT_PLUGINS {
            if custom.disabled.contains(name) {
                continue;
            }
            match custom.enabled.iter().position(|e| e.name == name) {
                Some(i) => {
                    replaced[i] = true;
                    out.push(custom.enabled[i]);
                }
                None => out.push(Entry {
                    name,
                    weight: score_of(name).map_or(0, |(_, w)| w),
                }),
            }
        }
    }
    out.extend(
        custom
            .enabled
            .iter()
            .zip(&replaced)
            .filter(|(_, r)| !**r)
            .map(|(e, _)| *e),
    );
    out
}

/// The plugins at one extension point, in upstream's `expandMultiPointPlugins` order:
/// entries of the point's own list that override a multi-point plugin, then multi-point
/// plugins the point neither disables nor lists, then the rest of its own list. A `*` in
/// the point's `disabled` leaves only its own list.
fn expand(multi: &[Entry], point: &Set, implements: impl Fn(&str) -> bool) -> Vec<Entry> {
    let own: Vec<Entry> = point
        .enabled
        .iter()
        .filter(|e| implements(e.name))
        .copied()
        .collect();
    if point.all_disabled {
        return own;
    }
    let overrides = |e: &Entry| !point.disables(e.name) && multi.iter().any(|m| m.name == e.name);
    let mut out: Vec<Entry> = own.iter().filter(|e| overrides(e)).copied().collect();
    out.extend(multi.iter().filter(|m| {
        implements(m.name) && !point.disables(m.name) && !own.iter().any(|e| e.name == m.name)
    }));
    out.extend(own.iter().filter(|e| !overrides(e)));
    out
}

/// A modelled plugin listed at a point it does not implement is an error, as upstream's
/// "does not extend" (kubesim cannot tell for plugins it does not model).
fn check_point(
    cx: &Ctx,
    path: &str,
    set: &Set,
    point: &str,
    implements: impl Fn(&str) -> bool,
) -> R<()> {
    if let Some(i) = set
        .enabled
        .iter()
        .position(|e| modelled(e.name) && !implements(e.name))
    {
        let valid: Vec<&str> = DEFAULT_PLUGINS
            .into_iter()
            .filter(|n| modelled(n) && implements(n))
            .collect();
        return cx.err(
            format!("{path}.enabled[{i}].name"),
            format!(
                "{} is not a {point} plugin; {point} plugins: {}",
                set.enabled[i].name,
                valid.join(", ")
            ),
        );
    }
    Ok(())
}

/// A profile's plugins: which filters and scores run, with which weights, and whether
/// DefaultPreemption does. A score weight of 0 or none is 1, as kube-scheduler's
/// framework makes it (a plugin listed again does not keep its default weight).
fn plugins(cx: &mut Ctx, path: &str, p: &PluginsDoc, fw: &mut FrameworkConfig) -> R<()> {
    let multi = plugin_set(cx, &format!("{path}.multiPoint"), p.multi_point.as_ref())?;
    let filter = plugin_set(cx, &format!("{path}.filter"), p.filter.as_ref())?;
    let score = plugin_set(cx, &format!("{path}.score"), p.score.as_ref())?;
    let post_filter = plugin_set(cx, &format!("{path}.postFilter"), p.post_filter.as_ref())?;
    for (field, set) in p.unmodelled_points() {
        if set.is_some() {
            plugin_set(cx, &format!("{path}.{field}"), set)?;
            cx.unmodelled("scheduler.profiles[].plugins", field);
        }
    }
    let is_filter = |n: &str| filter_of(n).is_some();
    let is_score = |n: &str| score_of(n).is_some();
    let is_post_filter = |n: &str| n == PREEMPTION;
    check_point(cx, &format!("{path}.filter"), &filter, "filter", is_filter)?;
    check_point(cx, &format!("{path}.score"), &score, "score", is_score)?;
    check_point(
        cx,
        &format!("{path}.postFilter"),
        &post_filter,
        "postFilter",
        is_post_filter,
    )?;
    let multi = merge_multi_point(&multi);
    fw.filters = expand(&multi, &filter, is_filter)
        .iter()
        .filter_map(|e| filter_of(e.name))
        .collect();
    fw.scores = expand(&multi, &score, is_score)
        .iter()
        .filter_map(|e| score_of(e.name).map(|(s, _)| (s, e.weight.max(1))))
        .collect();
    fw.preemption = !expand(&multi, &post_filter, is_post_filter).is_empty();
    Ok(())
}

/// `pluginConfig`: the arguments of NodeResourcesFit, NodeResourcesBalancedAllocation,
/// InterPodAffinity and PodTopologySpread; DefaultPreemption's are accepted and noted.
fn plugin_config(
    cx: &mut Ctx,
    path: &str,
    list: &[PluginConfigDoc],
    fw: &mut FrameworkConfig,
) -> R<()> {
    check_list(cx, path, list)?;
    let mut seen = BTreeSet::new();
    for (i, pc) in list.iter().enumerate() {
        let ip = format!("{path}[{i}]");
        let name = plugin_name(cx, &format!("{ip}.name"), &pc.name)?;
        if !seen.insert(name) {
            return cx.err(
                format!("{ip}.name"),
                format!("`{name}` is configured twice; merge its args into one entry"),
            );
        }
        let Some(args) = &pc.args else { continue };
        let ap = format!("{ip}.args");
        if let Some(v) = args.api_version.as_deref() {
            if v != "kubescheduler.config.k8s.io/v1" {
                return cx.err(
                    format!("{ap}.apiVersion"),
                    format!("`{v}`: use `kubescheduler.config.k8s.io/v1` (or leave it out)"),
                );
            }
        }
        if let Some(k) = args.kind.as_deref() {
            if k != format!("{name}Args") {
                return cx.err(
                    format!("{ap}.kind"),
                    format!("`{k}`: use `{name}Args` (or leave it out)"),
                );
            }
        }
        let allowed: &[&str] = match name {
            "NodeResourcesFit" => &["scoringStrategy"],
            "NodeResourcesBalancedAllocation" => &["resources"],
            "InterPodAffinity" => &["hardPodAffinityWeight"],
            "PodTopologySpread" => &["defaultingType", "defaultConstraints"],
            PREEMPTION => &["minCandidateNodesPercentage", "minCandidateNodesAbsolute"],
            _ => &[],
        };
        if let Some(f) = args.present().find(|f| !allowed.contains(f)) {
            let why = if allowed.is_empty() {
                format!("kubesim reads no arguments of {name}")
            } else {
                format!(
                    "is not an argument of {name}; its arguments are {}",
                    allowed.join(", ")
                )
            };
            return cx.err(format!("{ap}.{f}"), why);
        }
        if let Some(s) = &args.scoring_strategy {
            scoring_strategy(cx, &format!("{ap}.scoringStrategy"), s, fw)?;
        }
        if let Some(list) = &args.resources {
            let rp = format!("{ap}.resources");
            let resources = weighted_resources(cx, &rp, list)?;
            if let Some(i) = resources.iter().position(|&(_, w)| w != 1) {
                return cx.err(
                    format!("{rp}[{i}].weight"),
                    "must be 1: NodeResourcesBalancedAllocation weighs every resource equally",
                );
            }
            if !resources.is_empty() {
                fw.balanced_resources = resources.into_iter().map(|(slot, _)| slot).collect();
            }
        }
        if let Some(w) = args.hard_pod_affinity_weight {
            if !(0..=100).contains(&w) {
                return cx.err(
                    format!("{ap}.hardPodAffinityWeight"),
                    format!("{w} is out of range: must be between 0 and 100"),
                );
            }
            fw.hard_pod_affinity_weight = w;
        }
        if name == "PodTopologySpread" {
            let defaults = args.default_constraints.as_deref().unwrap_or_default();
            let list = args.defaulting_type.unwrap_or(DefaultingTypeDoc::System)
                == DefaultingTypeDoc::List;
            if !list && !defaults.is_empty() {
                return cx.err(
                    format!("{ap}.defaultingType"),
                    "must be `List` when defaultConstraints are given (`System`, the default, \
                     uses the built-in constraints)",
                );
            }
            fw.system_default_spread = !list;
            fw.default_constraints =
                constraints(cx, &format!("{ap}.defaultConstraints"), defaults, None)?;
        }
        if name == PREEMPTION {
            for f in args.present() {
                cx.unmodelled("scheduler.profiles[].pluginConfig[].args", f);
            }
        }
    }
    Ok(())
}

/// NodeResourcesFit's `scoringStrategy`.
fn scoring_strategy(
    cx: &Ctx,
    path: &str,
    s: &ScoringStrategyDoc,
    fw: &mut FrameworkConfig,
) -> R<()> {
    let Some(kind) = s.kind else {
        return cx.err(
            format!("{path}.type"),
            "required: `LeastAllocated`, `MostAllocated` or `RequestedToCapacityRatio`",
        );
    };
    let resources = weighted_resources(cx, &format!("{path}.resources"), &s.resources)?;
    if !resources.is_empty() {
        fw.fit_resources = resources;
    }
    let rp = format!("{path}.requestedToCapacityRatio");
    fw.strategy = match (kind, &s.requested_to_capacity_ratio) {
        (ScoringStrategyTypeDoc::LeastAllocated, None) => ScoringStrategy::LeastAllocated,
        (ScoringStrategyTypeDoc::MostAllocated, None) => ScoringStrategy::MostAllocated,
        (ScoringStrategyTypeDoc::RequestedToCapacityRatio, Some(r)) => {
            ScoringStrategy::RequestedToCapacityRatio(shape(cx, &format!("{rp}.shape"), &r.shape)?)
        }
        (ScoringStrategyTypeDoc::RequestedToCapacityRatio, None) => {
            return cx.err(
                rp,
                "required with type RequestedToCapacityRatio: a `shape` of {utilization, score} \
                 points",
            );
        }
        (_, Some(_)) => {
            return cx.err(rp, "only applies with `type: RequestedToCapacityRatio`");
        }
    };
    Ok(())
}

/// A `resources` list of a scoring plugin: `(slot, weight)`, weights 1–100 (0 or none is
/// 1). Names must be resources of the cluster's nodes.
fn weighted_resources(cx: &Ctx, path: &str, list: &[ResourceSpecDoc]) -> R<Vec<(usize, i64)>> {
    check_list(cx, path, list)?;
    let mut out: Vec<(usize, i64)> = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let np = format!("{path}[{i}].name");
        let Some(slot) = cx.resources.slot(&r.name) else {
            let names: Vec<&str> = (0..cx.resources.len())
                .map(|s| cx.resources.name(s))
                .collect();
            let hint = super::closest(&r.name, &names)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return cx.err(
                np,
                format!(
                    "`{}` is not a resource of this cluster{hint}; use one of {}",
                    r.name,
                    names.join(", ")
                ),
            );
        };
        if out.iter().any(|&(s, _)| s == slot) {
            return cx.err(np, format!("`{}` is listed twice", r.name));
        }
        let weight = match r.weight.unwrap_or(0) {
            0 => 1,
            w @ 1..=100 => w,
            w => {
                return cx.err(
                    format!("{path}[{i}].weight"),
                    format!("{w} is out of range: must be between 1 and 100 (0 or none means 1)"),
                );
            }
        };
        out.push((slot, weight));
    }
    Ok(out)
}

/// A RequestedToCapacityRatio shape: at least one point, utilization 0–100 strictly
/// increasing, score 0–10.
fn shape(cx: &Ctx, path: &str, points: &[ShapePointDoc]) -> R<Vec<(i64, i64)>> {
    if points.is_empty() {
        return cx.err(path, "needs at least one {utilization, score} point");
    }
    check_list(cx, path, points)?;
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        let pp = format!("{path}[{i}]");
        if !(0..=100).contains(&p.utilization) {
            return cx.err(
                format!("{pp}.utilization"),
                format!(
                    "{} is out of range: must be between 0 and 100",
                    p.utilization
                ),
            );
        }
        if !(0..=10).contains(&p.score) {
            return cx.err(
                format!("{pp}.score"),
                format!("{} is out of range: must be between 0 and 10", p.score),
            );
        }
        if let Some(&(prev, _)) = out.last() {
            if p.utilization <= prev {
                return cx.err(
                    format!("{pp}.utilization"),
                    format!(
                        "{} does not exceed the previous point's {prev}: utilization must be \
                         strictly increasing",
                        p.utilization
                    ),
                );
            }
        }
        out.push((p.utilization, p.score));
    }
    Ok(out)
}

/// A `percentageOfNodesToScore`: 0–100, where 0 is kube-scheduler's adaptive default.
fn percentage(cx: &Ctx, path: &str, v: Option<i64>) -> R<Option<u32>> {
    match v {
        None => Ok(None),
        Some(p @ 0..=100) => Ok(Some(p as u32)),
        Some(p) => cx.err(
            path,
            format!("{p} is out of range: must be between 0 and 100 (0 scores an adaptive share)"),
        ),
    }
}

/// The built-in policy `name`, or an error listing what `path` accepts: the built-in
/// names and `profiles`.
fn named_policy_or_err(cx: &Ctx, path: &str, name: &str, profiles: &[&str]) -> R<PolicyConfig> {
    if let Some(p) = named_policy(name) {
        return Ok(p);
    }
    let all: Vec<&str> = POLICY_NAMES.iter().chain(profiles).copied().collect();
    let hint = super::closest(name, &all)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    let also = if profiles.is_empty() {
        String::new()
    } else {
        format!(", or a profile: {}", profiles.join(", "))
    };
    cx.err(
        path,
        format!(
            "unknown policy `{name}`{hint}; use one of {}{also}",
            POLICY_NAMES.join(", ")
        ),
    )
}

fn profile(cx: &mut Ctx, path: &str, p: &ProfileDoc, count: usize) -> R<ProfileConfig> {
    let npath = format!("{path}.schedulerName");
    let name = match (&p.scheduler_name, count) {
        (Some(n), _) => n.clone(),
        // As upstream, only a lone profile defaults its name.
        (None, 1) => DEFAULT_SCHEDULER_NAME.to_string(),
        (None, _) => {
            return cx.err(
                npath,
                "required when there are several profiles: the name pods give as \
                 spec.schedulerName",
            );
        }
    };
    check_name(cx, &npath, &name)?;
    if POLICY_NAMES.contains(&name.as_str()) {
        return cx.err(
            npath,
            format!(
                "`{name}` is the name of a built-in policy; name the profile differently so that \
                 `scheduler.policy: {name}` is not ambiguous"
            ),
        );
    }
    let percentage_of_nodes_to_score = percentage(
        cx,
        &format!("{path}.percentageOfNodesToScore"),
        p.percentage_of_nodes_to_score,
    )?;
    let policy = match &p.policy {
        Some(_) if p.plugins.is_some() || !p.plugin_config.is_empty() => {
            return cx.err(
                format!("{path}.policy"),
                "give either `policy` or `plugins`/`pluginConfig`, not both",
            );
        }
        Some(n) => named_policy_or_err(cx, &format!("{path}.policy"), n, &[])?,
        None => {
            let mut fw = FrameworkConfig::default();
            if let Some(pl) = &p.plugins {
                plugins(cx, &format!("{path}.plugins"), pl, &mut fw)?;
            }
            plugin_config(
                cx,
                &format!("{path}.pluginConfig"),
                &p.plugin_config,
                &mut fw,
            )?;
            PolicyConfig::Framework(fw)
        }
    };
    Ok(ProfileConfig {
        name,
        policy,
        percentage_of_nodes_to_score,
    })
}

/// A duration setting of at most 100 years.
fn bounded(cx: &Ctx, path: &str, d: SimDuration) -> R<Nanos> {
    let n = d.as_nanos();
    if n > MAX_DURATION_NANOS {
        return cx.err(path, "must be at most 100 years (876000h)");
    }
    Ok(n)
}

/// The `scheduler:` section.
pub(super) fn scheduler(cx: &mut Ctx, d: &SchedulerDoc) -> R<SchedulerConfig> {
    let mut config = SchedulerConfig {
        percentage_of_nodes_to_score: percentage(
            cx,
            "scheduler.percentageOfNodesToScore",
            d.percentage_of_nodes_to_score,
        )?,
        ..SchedulerConfig::default()
    };
    if let Some(t) = d.cycle_time {
        config.cycle_time = bounded(cx, "scheduler.cycleTime", t)?;
    }
    let max_secs = (MAX_DURATION_NANOS / NANOS_PER_SEC) as i64;
    let initial = d
        .pod_initial_backoff_seconds
        .unwrap_or((config.initial_backoff / NANOS_PER_SEC) as i64);
    if !(1..=max_secs).contains(&initial) {
        return cx.err(
            "scheduler.podInitialBackoffSeconds",
            format!("{initial} is out of range: must be between 1 and {max_secs} (100 years)"),
        );
    }
    let max = d
        .pod_max_backoff_seconds
        .unwrap_or((config.max_backoff / NANOS_PER_SEC) as i64);
    if max < initial || max > max_secs {
        let given = if d.pod_max_backoff_seconds.is_some() {
            ""
        } else {
            " (the default)"
        };
        return cx.err(
            "scheduler.podMaxBackoffSeconds",
            format!(
                "{max}{given} is out of range: must be at least podInitialBackoffSeconds \
                 ({initial}) and at most {max_secs}"
            ),
        );
    }
    config.initial_backoff = initial as u64 * NANOS_PER_SEC;
    config.max_backoff = max as u64 * NANOS_PER_SEC;
    if let Some(t) = d.pod_max_in_unschedulable_pods_duration {
        let path = "scheduler.podMaxInUnschedulablePodsDuration";
        config.max_in_unschedulable = bounded(cx, path, t)?;
        if config.max_in_unschedulable == 0 {
            return cx.err(path, "must be more than 0s, e.g. 5m");
        }
    }
    check_list(cx, "scheduler.profiles", &d.profiles)?;
    let mut names = BTreeSet::new();
    for (i, p) in d.profiles.iter().enumerate() {
        let path = format!("scheduler.profiles[{i}]");
        let profile = profile(cx, &path, p, d.profiles.len())?;
        if !names.insert(profile.name.clone()) {
            return cx.err(
                format!("{path}.schedulerName"),
                format!(
                    "`{}` names another profile too; profile names must be unique",
                    profile.name
                ),
            );
        }
        // profiles[0] is always default-scheduler's; a profile of that name replaces it.
        if profile.name == DEFAULT_SCHEDULER_NAME {
            config.profiles[0] = profile;
        } else {
            config.profiles.push(profile);
        }
    }
    if let Some(name) = &d.policy {
        match config.profiles.iter().find(|p| &p.name == name) {
            // A profile's percentage travels with its policy: together they are how it places pods.
            Some(p) => {
                let (policy, pct) = (p.policy.clone(), p.percentage_of_nodes_to_score);
                config.profiles[0].policy = policy;
                if pct.is_some() {
                    config.profiles[0].percentage_of_nodes_to_score = pct;
                }
            }
            None => {
                let profiles: Vec<&str> = config.profiles.iter().map(|p| p.name.as_str()).collect();
                config.profiles[0].policy =
                    named_policy_or_err(cx, "scheduler.policy", name, &profiles)?;
            }
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::resources::{CPU, MEMORY};
    use crate::scenario::{Overrides, Scenario, ScenarioError, load_str, load_str_with};
    use std::path::Path;

    /// One pool in two zones, a `packer` profile and one Deployment `web`; `sched` goes
    /// under `scheduler:` (indented by 2) and `spec` under the template's spec (by 12).
    fn scenario(sched: &str, spec: &str) -> String {
        let indent = |text: &str, n: usize| {
            text.lines()
                .map(|l| format!("{}{l}\n", " ".repeat(n)))
                .collect::<String>()
        };
        format!(
            "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: t}}
cluster:
  nodePools:
    - {{name: p, count: 4, zones: [a, b], capacity: {{cpu: 4, memory: 8Gi, example.com/gpu: 2}}}}
priorityClasses:
  - {{name: calm, value: 10, preemptionPolicy: Never}}
scheduler:
{}workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        template:
          metadata: {{labels: {{app: web, tier: front}}}}
          spec:
            containers: [{{name: c}}]
{}",
            indent(sched, 2),
            indent(spec, 12)
        )
    }

    fn load(text: &str) -> Result<Scenario, ScenarioError> {
        load_str(text, "t.yaml", Path::new("."))
    }

    fn ok(sched: &str, spec: &str) -> Scenario {
        load(&scenario(sched, spec)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The error's field path and message.
    fn refused(sched: &str, spec: &str) -> (String, String) {
        match load(&scenario(sched, spec)) {
            Err(ScenarioError::Invalid { path, message, .. }) => (path, message),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    const SPEC: &str = "workloads.deployments[0].spec.template.spec";

    fn req(key: &str, op: Operator) -> Requirement {
        Requirement {
            key: key.into(),
            op,
        }
    }

    fn framework(s: &Scenario, profile: usize) -> &FrameworkConfig {
        match &s.scheduler.profiles[profile].policy {
            PolicyConfig::Framework(f) => f,
            other => panic!("not a framework profile: {other:?}"),
        }
    }

    #[test]
    fn defaults_reproduce_the_default_profile() {
        let s = ok("seed: 1\n", "");
        assert_eq!(s.scheduler, SchedulerConfig::default());
        let t = &s.templates[0];
        assert_eq!(t.affinity, Affinity::default());
        assert!(t.spread.is_empty() && t.host_ports.is_empty());
        assert_eq!(t.scheduler_name, DEFAULT_SCHEDULER_NAME);
        // Expanding the default plugin list with nothing changed gives the model's default.
        let s = ok("profiles: [{schedulerName: x, plugins: {}}]\n", "");
        assert_eq!(framework(&s, 1), &FrameworkConfig::default());
    }

    #[test]
    fn every_modelled_plugin_is_a_known_name() {
        for f in FilterName::ALL {
            assert!(DEFAULT_PLUGINS.contains(&f.name()), "{}", f.name());
        }
        for (s, _) in ScoreName::DEFAULTS {
            assert!(DEFAULT_PLUGINS.contains(&s.name()), "{}", s.name());
        }
    }

    #[test]
    fn node_affinity_terms_are_compiled() {
        let s = ok(
            "seed: 1\n",
            "affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions:
            - {key: disk, operator: In, values: [ssd, nvme, ssd]}
            - {key: cores, operator: Gt, values: ['4']}
        - matchFields: [{key: metadata.name, operator: NotIn, values: [p-0]}]
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 7
        preference:
          matchExpressions: [{key: topology.kubernetes.io/zone, operator: Exists}]
",
        );
        let n = &s.templates[0].affinity.node;
        let required = n.required.as_ref().expect("required terms");
        assert_eq!(
            required[0].expressions,
            vec![
                req("disk", Operator::In(vec!["nvme".into(), "ssd".into()])),
                req("cores", Operator::Gt(4)),
            ]
        );
        assert_eq!(
            required[1].fields,
            vec![req("metadata.name", Operator::NotIn(vec!["p-0".into()]))]
        );
        assert_eq!(n.preferred[0].weight, 7);
        assert_eq!(
            n.preferred[0].term.expressions,
            vec![req("topology.kubernetes.io/zone", Operator::Exists)]
        );
    }

    #[test]
    fn pod_affinity_terms_are_compiled() {
        let s = ok(
            "seed: 1\n",
            "affinity:
  podAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector:
          matchLabels: {app: db}
          matchExpressions: [{key: tier, operator: NotIn, values: [b, a]}]
        topologyKey: topology.kubernetes.io/zone
        namespaces: [prod, prod]
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          labelSelector: {}
          topologyKey: kubernetes.io/hostname
          namespaceSelector: {}
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
",
        );
        let a = &s.templates[0].affinity;
        let t = &a.pod.required[0];
        assert_eq!(
            t.selector.requirements,
            vec![
                req("app", Operator::In(vec!["db".into()])),
                req("tier", Operator::NotIn(vec!["a".into(), "b".into()])),
            ]
        );
        assert_eq!(t.namespaces, vec!["prod".to_string()]);
        assert_eq!(t.topology_key, "topology.kubernetes.io/zone");
        // `namespaceSelector: {}` is every namespace a workload uses; `{}` every pod.
        let p = &a.anti.preferred[0];
        assert_eq!(
            (p.weight, p.term.namespaces.clone()),
            (100, vec!["default".into()])
        );
        assert_eq!(p.term.selector, LabelSelector::default());
        // A term without a labelSelector selects no pod.
        assert_eq!(a.anti.required[0].selector, LabelSelector::nothing());
    }

    #[test]
    fn spread_constraints_with_defaults_and_match_label_keys() {
        let s = ok(
            "seed: 1\n",
            "topologySpreadConstraints:
  - maxSkew: 2
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: DoNotSchedule
    minDomains: 3
    labelSelector: {matchLabels: {app: web}}
    matchLabelKeys: [tier, pod-template-hash]
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    nodeAffinityPolicy: Ignore
    nodeTaintsPolicy: Honor
",
        );
        let c = &s.templates[0].spread;
        assert_eq!(c[0].max_skew, 2);
        assert_eq!(c[0].min_domains, Some(3));
        assert_eq!(c[0].when_unsatisfiable, WhenUnsatisfiable::DoNotSchedule);
        assert_eq!(
            (c[0].node_affinity_policy, c[0].node_taints_policy),
            (InclusionPolicy::Honor, InclusionPolicy::Ignore)
        );
        // `tier` is a label of the pod and narrows the selector; the pod lacks
        // pod-template-hash, which is ignored.
        assert_eq!(
            c[0].selector.requirements,
            vec![
                req("app", Operator::In(vec!["web".into()])),
                req("tier", Operator::In(vec!["front".into()])),
            ]
        );
        assert_eq!(c[1].selector, LabelSelector::nothing());
        assert_eq!(
            (c[1].node_affinity_policy, c[1].node_taints_policy),
            (InclusionPolicy::Ignore, InclusionPolicy::Honor)
        );
    }

    #[test]
    fn host_ports_of_containers_and_sidecars_only() {
        let text = scenario("seed: 1\n", "").replace(
            "containers: [{name: c}]",
            "containers:
              - name: c
                ports:
                  - {containerPort: 80, hostPort: 8080, hostIP: 10.0.0.1, name: http}
                  - {containerPort: 81}
                  - {containerPort: 443, hostPort: 443}
            initContainers:
              - name: side
                restartPolicy: Always
                ports: [{containerPort: 9000, hostPort: 9000, protocol: UDP}]
              - name: init
                ports: [{containerPort: 7000, hostPort: 7000}]",
        );
        let s = load(&text).unwrap_or_else(|e| panic!("{e}"));
        let ports = &s.templates[0].host_ports;
        let hp = |protocol: &str, ip: &str, port| HostPort {
            protocol: protocol.into(),
            host_ip: ip.into(),
            port,
        };
        assert_eq!(
            ports,
            &vec![
                hp("TCP", "0.0.0.0", 443),
                hp("TCP", "10.0.0.1", 8080),
                hp("UDP", "0.0.0.0", 9000),
            ]
        );
    }

    #[test]
    fn scheduler_name_and_preemption_policy() {
        let s = ok(
            "profiles: [{schedulerName: packer, policy: best-fit}]\n",
            "schedulerName: packer\npriorityClassName: calm\npreemptionPolicy: Never\n",
        );
        let t = &s.templates[0];
        assert_eq!(t.scheduler_name, "packer");
        assert_eq!(
            t.preemption_policy,
            crate::cluster::pod::PreemptionPolicy::Never
        );
        let (path, m) = refused("seed: 1\n", "preemptionPolicy: Never\n");
        assert_eq!(path, format!("{SPEC}.preemptionPolicy"));
        assert!(
            m.contains("`PreemptLowerPriority`") && m.contains("PriorityClass"),
            "{m}"
        );
        let (path, m) = refused("seed: 1\n", "schedulerName: packer\n");
        assert_eq!(path, format!("{SPEC}.schedulerName"));
        assert!(
            m.contains("`packer`") && m.contains("default-scheduler"),
            "{m}"
        );
    }

    #[test]
    fn queue_settings() {
        let s = ok(
            "percentageOfNodesToScore: 40
cycleTime: 2ms
podInitialBackoffSeconds: 2
podMaxBackoffSeconds: 20
podMaxInUnschedulablePodsDuration: 1m
",
            "",
        );
        let c = &s.scheduler;
        assert_eq!(c.percentage_of_nodes_to_score, Some(40));
        assert_eq!(c.cycle_time, 2_000_000);
        assert_eq!(c.initial_backoff, 2 * NANOS_PER_SEC);
        assert_eq!(c.max_backoff, 20 * NANOS_PER_SEC);
        assert_eq!(c.max_in_unschedulable, 60 * NANOS_PER_SEC);
        let (path, m) = refused("podInitialBackoffSeconds: 30\n", "");
        assert_eq!(path, "scheduler.podMaxBackoffSeconds");
        assert!(m.contains("(the default)") && m.contains("(30)"), "{m}");
        let (path, _) = refused("percentageOfNodesToScore: 101\n", "");
        assert_eq!(path, "scheduler.percentageOfNodesToScore");
    }

    #[test]
    fn plugins_merge_as_upstream() {
        let s = ok(
            "profiles:
  - schedulerName: packer
    percentageOfNodesToScore: 100
    plugins:
      multiPoint:
        enabled: [{name: TaintToleration}, {name: ImageLocality, weight: 2}]
        disabled: [{name: NodePorts}]
      score:
        disabled: [{name: NodeResourcesBalancedAllocation}]
        enabled: [{name: NodeAffinity, weight: 9}]
      filter:
        disabled: [{name: '*'}]
        enabled: [{name: NodeResourcesFit}, {name: TaintToleration}]
      postFilter:
        disabled: [{name: DefaultPreemption}]
      preScore:
        disabled: [{name: '*'}]
",
            "",
        );
        assert_eq!(s.scheduler.profiles.len(), 2);
        let p = &s.scheduler.profiles[1];
        assert_eq!(
            (p.name.as_str(), p.percentage_of_nodes_to_score),
            ("packer", Some(100))
        );
        let f = framework(&s, 1);
        assert_eq!(
            f.filters,
            vec![FilterName::NodeResourcesFit, FilterName::TaintToleration]
        );
        // NodeAffinity's own score entry comes first; TaintToleration listed again without a
        // weight weighs 1, as upstream.
        assert_eq!(
            f.scores,
            vec![
                (ScoreName::NodeAffinity, 9),
                (ScoreName::TaintToleration, 1),
                (ScoreName::NodeResourcesFit, 1),
                (ScoreName::PodTopologySpread, 2),
                (ScoreName::InterPodAffinity, 2),
            ]
        );
        assert!(!f.preemption);
        assert!(
            s.warnings.iter().any(|w| w.contains("ImageLocality")),
            "{:?}",
            s.warnings
        );
        assert!(
            s.warnings.iter().any(|w| w.contains("plugins.preScore")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn multi_point_disabled_star_keeps_only_what_is_enabled() {
        let s = ok(
            "profiles:
  - schedulerName: lean
    plugins:
      multiPoint:
        disabled: [{name: '*'}]
        enabled: [{name: NodeResourcesFit, weight: 5}, {name: DefaultPreemption}, {name: PrioritySort}]
",
            "",
        );
        let f = framework(&s, 1);
        assert_eq!(f.filters, vec![FilterName::NodeResourcesFit]);
        assert_eq!(f.scores, vec![(ScoreName::NodeResourcesFit, 5)]);
        assert!(f.preemption);
    }

    #[test]
    fn plugin_args() {
        let s = ok(
            "profiles:
  - schedulerName: packer
    pluginConfig:
      - name: NodeResourcesFit
        args:
          apiVersion: kubescheduler.config.k8s.io/v1
          kind: NodeResourcesFitArgs
          scoringStrategy:
            type: RequestedToCapacityRatio
            resources: [{name: cpu, weight: 3}, {name: example.com/gpu}]
            requestedToCapacityRatio:
              shape: [{utilization: 0, score: 0}, {utilization: 100, score: 10}]
      - name: NodeResourcesBalancedAllocation
        args: {resources: [{name: memory, weight: 1}, {name: cpu}]}
      - name: InterPodAffinity
        args: {hardPodAffinityWeight: 0}
      - name: PodTopologySpread
        args:
          defaultingType: List
          defaultConstraints:
            - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
      - name: DefaultPreemption
        args: {minCandidateNodesPercentage: 20}
",
            "",
        );
        let f = framework(&s, 1);
        let gpu = s.resources.slot("example.com/gpu").expect("gpu slot");
        assert_eq!(
            f.strategy,
            ScoringStrategy::RequestedToCapacityRatio(vec![(0, 0), (100, 10)])
        );
        assert_eq!(f.fit_resources, vec![(CPU, 3), (gpu, 1)]);
        assert_eq!(f.balanced_resources, vec![MEMORY, CPU]);
        assert_eq!(f.hard_pod_affinity_weight, 0);
        assert!(!f.system_default_spread);
        assert_eq!(f.default_constraints.len(), 1);
        assert_eq!(f.default_constraints[0].selector, LabelSelector::default());
        assert!(
            s.warnings
                .iter()
                .any(|w| w.contains("minCandidateNodesPercentage")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn policy_names_a_builtin_or_a_profile() {
        let s = ok(
            "policy: most-allocated\nprofiles: [{schedulerName: packer, policy: tetris, percentageOfNodesToScore: 50}]\n",
            "",
        );
        assert_eq!(framework(&s, 0).strategy, ScoringStrategy::MostAllocated);
        assert_eq!(
            s.scheduler.profiles[1].policy,
            PolicyConfig::Baseline(Baseline::Tetris)
        );
        let s = ok(
            "policy: packer\nprofiles: [{schedulerName: packer, policy: tetris, percentageOfNodesToScore: 50}]\n",
            "",
        );
        let p = &s.scheduler.profiles[0];
        assert_eq!(p.name, DEFAULT_SCHEDULER_NAME);
        assert_eq!(p.policy, PolicyConfig::Baseline(Baseline::Tetris));
        assert_eq!(p.percentage_of_nodes_to_score, Some(50));
        // A listed default-scheduler replaces the built-in one in place.
        let s = ok(
            "profiles: [{schedulerName: a, policy: random}, {schedulerName: default-scheduler, policy: first-fit}]\n",
            "",
        );
        let names: Vec<&str> = s
            .scheduler
            .profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, vec![DEFAULT_SCHEDULER_NAME, "a"]);
        assert_eq!(
            s.scheduler.profiles[0].policy,
            PolicyConfig::Baseline(Baseline::FirstFit)
        );
    }

    #[test]
    fn command_line_policy_goes_through_the_same_check() {
        let text = scenario(
            "profiles: [{schedulerName: packer, policy: best-fit}]\n",
            "",
        );
        let with = |p: &str| {
            let o = Overrides {
                scheduler: Some(p.into()),
                ..Overrides::default()
            };
            load_str_with(&text, "t.yaml", Path::new("."), o)
        };
        let s = with("packer").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.scheduler.profiles[0].policy,
            PolicyConfig::Baseline(Baseline::BestFit)
        );
        match with("bset-fit") {
            Err(ScenarioError::Invalid { path, message, .. }) => {
                assert_eq!(path, "scheduler.policy");
                assert!(
                    message.contains("did you mean `best-fit`")
                        && message.contains("tetris")
                        && message.contains("packer"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_selectors_and_terms() {
        let cases = [
            (
                "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Gt, values: ['1', '2']}]}]}}}",
                "nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
                "exactly one",
            ),
            (
                "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Lt, values: [x]}]}]}}}",
                "matchExpressions[0].values[0]",
                "not an integer",
            ),
            (
                "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}",
                "nodeSelectorTerms",
                "at least one term",
            ),
            (
                "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchFields: [{key: metadata.labels, operator: In, values: [x]}]}]}}}",
                "matchFields[0].key",
                "metadata.name",
            ),
            (
                "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchFields: [{key: metadata.name, operator: In, values: [a, b]}]}]}}}",
                "matchFields[0].values",
                "exactly one node name",
            ),
            (
                "affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 0, preference: {}}]}}",
                "preferredDuringSchedulingIgnoredDuringExecution[0].weight",
                "between 1 and 100",
            ),
            (
                "affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchExpressions: [{key: a, operator: Gt, values: ['1']}]}, topologyKey: z}]}}",
                "labelSelector.matchExpressions[0].operator",
                "only in node selector terms",
            ),
            (
                "affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchExpressions: [{key: a, operator: In}]}, topologyKey: z}]}}",
                "matchExpressions[0].values",
                "at least one value",
            ),
            (
                "affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}, topologyKey: z}]}}",
                "matchExpressions[0].values",
                "must be empty",
            ),
            (
                "affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {}, topologyKey: 'bad key'}]}}",
                "requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
                "not a valid label key",
            ),
            (
                "affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {}, topologyKey: z, namespaceSelector: {matchLabels: {team: a}}}]}}",
                "namespaceSelector",
                "`namespaces`",
            ),
            (
                "topologySpreadConstraints: [{maxSkew: 0, topologyKey: z, whenUnsatisfiable: DoNotSchedule}]",
                "topologySpreadConstraints[0].maxSkew",
                "at least 1",
            ),
            (
                "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z}]",
                "topologySpreadConstraints[0].whenUnsatisfiable",
                "DoNotSchedule",
            ),
            (
                "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}]",
                "topologySpreadConstraints[0].minDomains",
                "DoNotSchedule",
            ),
            (
                "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: ScheduleAnyway, matchLabelKeys: [app]}]",
                "topologySpreadConstraints[0].matchLabelKeys",
                "labelSelector",
            ),
            (
                "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}, matchLabelKeys: [app]}]",
                "topologySpreadConstraints[0].matchLabelKeys[0]",
                "also in labelSelector",
            ),
            (
                "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: ScheduleAnyway}, {maxSkew: 2, topologyKey: z, whenUnsatisfiable: ScheduleAnyway}]",
                "topologySpreadConstraints[1]",
                "same topologyKey",
            ),
        ];
        for (spec, path, says) in cases {
            let (p, m) = refused("seed: 1\n", spec);
            assert!(p.starts_with(SPEC) && p.ends_with(path), "{spec}\n{p}");
            assert!(m.contains(says), "{spec}\n{m}");
        }
    }

    #[test]
    fn bad_ports() {
        let with = |ports: &str| {
            let text = scenario("seed: 1\n", "").replace(
                "containers: [{name: c}]",
                &format!("containers: [{{name: c, ports: {ports}}}]"),
            );
            match load(&text) {
                Err(ScenarioError::Invalid { path, message, .. }) => (path, message),
                other => panic!("{ports}: {other:?}"),
            }
        };
        let cases = [
            ("[{hostPort: 80}]", "ports[0].containerPort", "required"),
            (
                "[{containerPort: 70000}]",
                "ports[0].containerPort",
                "65535",
            ),
            (
                "[{containerPort: 1, hostPort: -1}]",
                "ports[0].hostPort",
                "65535",
            ),
            (
                "[{containerPort: 1, hostPort: 80, hostIP: nowhere}]",
                "ports[0].hostIP",
                "IP address",
            ),
            (
                "[{containerPort: 1, name: HTTP}]",
                "ports[0].name",
                "port name",
            ),
            (
                "[{containerPort: 1, name: a}, {containerPort: 2, name: a}]",
                "ports[1].name",
                "another port",
            ),
            (
                "[{containerPort: 1, hostPort: 80}, {containerPort: 2, hostPort: 80}]",
                "ports[1].hostPort",
                "twice",
            ),
        ];
        for (ports, path, says) in cases {
            let (p, m) = with(ports);
            assert!(p.ends_with(path), "{ports}\n{p}");
            assert!(m.contains(says), "{ports}\n{m}");
        }
    }

    #[test]
    fn bad_scheduler_sections() {
        let cases = [
            ("policy: nope\n", "scheduler.policy", "unknown policy"),
            (
                "profiles: [{schedulerName: a}, {policy: random}]\n",
                "scheduler.profiles[1].schedulerName",
                "required",
            ),
            (
                "profiles: [{schedulerName: a}, {schedulerName: a}]\n",
                "scheduler.profiles[1].schedulerName",
                "unique",
            ),
            (
                "profiles: [{schedulerName: random}]\n",
                "scheduler.profiles[0].schedulerName",
                "built-in policy",
            ),
            (
                "profiles: [{schedulerName: a, policy: random, plugins: {}}]\n",
                "scheduler.profiles[0].policy",
                "not both",
            ),
            (
                "profiles: [{schedulerName: a, plugins: {score: {enabled: [{name: NodeResourcesFitt}]}}}]\n",
                "plugins.score.enabled[0].name",
                "did you mean `NodeResourcesFit`",
            ),
            (
                "profiles: [{schedulerName: a, plugins: {filter: {enabled: [{name: '*'}]}}}]\n",
                "plugins.filter.enabled[0].name",
                "only under `disabled`",
            ),
            (
                "profiles: [{schedulerName: a, plugins: {score: {enabled: [{name: NodePorts}]}}}]\n",
                "plugins.score.enabled[0].name",
                "not a score plugin",
            ),
            (
                "profiles: [{schedulerName: a, plugins: {score: {enabled: [{name: NodeAffinity, weight: 101}]}}}]\n",
                "plugins.score.enabled[0].weight",
                "between 1 and 100",
            ),
            (
                "profiles: [{schedulerName: a, plugins: {score: {enabled: [{name: NodeAffinity}, {name: NodeAffinity}]}}}]\n",
                "plugins.score.enabled[1].name",
                "twice",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: NodeResourcesFit, args: {resources: []}}]}]\n",
                "pluginConfig[0].args.resources",
                "scoringStrategy",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: NodePorts, args: {hardPodAffinityWeight: 1}}]}]\n",
                "pluginConfig[0].args.hardPodAffinityWeight",
                "no arguments",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: InterPodAffinity, args: {kind: FooArgs}}]}]\n",
                "pluginConfig[0].args.kind",
                "InterPodAffinityArgs",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {resources: []}}}]}]\n",
                "scoringStrategy.type",
                "required",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {type: MostAllocated, resources: [{name: pods}]}}}]}]\n",
                "scoringStrategy.resources[0].name",
                "not a resource of this cluster",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {type: RequestedToCapacityRatio}}}]}]\n",
                "scoringStrategy.requestedToCapacityRatio",
                "required",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {type: LeastAllocated, requestedToCapacityRatio: {shape: []}}}}]}]\n",
                "scoringStrategy.requestedToCapacityRatio",
                "only applies",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {type: RequestedToCapacityRatio, requestedToCapacityRatio: {shape: [{utilization: 50, score: 1}, {utilization: 50, score: 2}]}}}}]}]\n",
                "shape[1].utilization",
                "strictly increasing",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {type: RequestedToCapacityRatio, requestedToCapacityRatio: {shape: [{utilization: 0, score: 11}]}}}}]}]\n",
                "shape[0].score",
                "between 0 and 10",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: NodeResourcesBalancedAllocation, args: {resources: [{name: cpu, weight: 2}]}}]}]\n",
                "args.resources[0].weight",
                "must be 1",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: InterPodAffinity, args: {hardPodAffinityWeight: 101}}]}]\n",
                "args.hardPodAffinityWeight",
                "between 0 and 100",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: PodTopologySpread, args: {defaultConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: DoNotSchedule}]}}]}]\n",
                "args.defaultingType",
                "`List`",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: PodTopologySpread, args: {defaultingType: List, defaultConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: DoNotSchedule, labelSelector: {}}]}}]}]\n",
                "defaultConstraints[0].labelSelector",
                "no selector",
            ),
            (
                "profiles: [{schedulerName: a, pluginConfig: [{name: InterPodAffinity}, {name: InterPodAffinity}]}]\n",
                "pluginConfig[1].name",
                "twice",
            ),
            (
                "podMaxInUnschedulablePodsDuration: 0s\n",
                "scheduler.podMaxInUnschedulablePodsDuration",
                "more than 0s",
            ),
            (
                "podInitialBackoffSeconds: 0\n",
                "scheduler.podInitialBackoffSeconds",
                "between 1",
            ),
        ];
        for (sched, path, says) in cases {
            let (p, m) = refused(sched, "");
            assert!(p.ends_with(path), "{sched}\n{p}: {m}");
            assert!(m.contains(says), "{sched}\n{m}");
        }
    }

    #[test]
    fn workload_selector_may_use_expressions() {
        let text = scenario("seed: 1\n", "").replace(
            "        template:\n",
            "        selector: {matchExpressions: [{key: app, operator: In, values: [web, api]}]}\n        template:\n",
        );
        load(&text).unwrap_or_else(|e| panic!("{e}"));
        let text = scenario("seed: 1\n", "").replace(
            "        template:\n",
            "        selector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}\n        template:\n",
        );
        match load(&text) {
            Err(ScenarioError::Invalid { path, message, .. }) => {
                assert!(path.ends_with("spec.template.metadata.labels"), "{path}");
                assert!(message.contains("`tier DoesNotExist`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
