//! Small hand-built clusters for unit tests: nodes with labels and taints, templates
//! with labels, namespaces and affinity, pods bound where a test says.

use super::ids::{NodeId, PodId, PoolId, WorkloadId};
use super::node::NodeSpec;
use super::pod::{PodTemplate, RestartPolicy};
use super::resources::{CPU, MEMORY, Resources};
use super::selectors::{
    InclusionPolicy, LabelSelector, NodeSelectorTerm, Operator, PodAffinityTerm, Requirement,
    SpreadConstraint, WeightedPodAffinityTerm, WhenUnsatisfiable,
};
use super::taints::{Taint, TaintEffect};
use super::{ClusterState, NewPod, OwnerKind};

/// Labels from pairs, sorted by key.
pub fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

/// A template in `namespace` with `pairs` as labels and nothing else.
pub fn template(namespace: &str, pairs: &[(&str, &str)]) -> PodTemplate {
    PodTemplate {
        labels: labels(pairs),
        node_selector: vec![],
        tolerations: vec![],
        priority: 0,
        restart_policy: RestartPolicy::Always,
        node_name: None,
        namespace: namespace.into(),
        affinity: Default::default(),
        spread: vec![],
        host_ports: vec![],
        scheduler_name: "default-scheduler".into(),
        preemption_policy: Default::default(),
        termination_grace: 0,
    }
}

/// A requirement `key op`.
pub fn req(key: &str, op: Operator) -> Requirement {
    Requirement {
        key: key.into(),
        op,
    }
}

/// `In` with these values (sorted as the compiled form keeps them).
pub fn is_in(values: &[&str]) -> Operator {
    let mut v: Vec<String> = values.iter().map(|s| s.to_string()).collect();
    v.sort();
    Operator::In(v)
}

/// `NotIn` with these values.
pub fn not_in(values: &[&str]) -> Operator {
    let mut v: Vec<String> = values.iter().map(|s| s.to_string()).collect();
    v.sort();
    Operator::NotIn(v)
}

/// A selector from requirements.
pub fn selector(reqs: Vec<Requirement>) -> LabelSelector {
    LabelSelector { requirements: reqs }
}

/// The selector `key` exists.
pub fn exists(key: &str) -> LabelSelector {
    selector(vec![req(key, Operator::Exists)])
}

/// A selector no pod matches (upstream's `labels.Nothing()` for a null selector).
pub fn nothing() -> LabelSelector {
    selector(vec![req("kubesim.test/none", Operator::In(vec![]))])
}

/// A spread constraint with the default policies and no `minDomains`.
pub fn spread(
    max_skew: i64,
    key: &str,
    when: WhenUnsatisfiable,
    selector: LabelSelector,
) -> SpreadConstraint {
    SpreadConstraint {
        max_skew,
        topology_key: key.into(),
        when_unsatisfiable: when,
        selector,
        min_domains: None,
        node_affinity_policy: InclusionPolicy::Honor,
        node_taints_policy: InclusionPolicy::Ignore,
    }
}

/// A pod affinity term over the pod's own namespace.
pub fn term(selector: LabelSelector, key: &str) -> PodAffinityTerm {
    PodAffinityTerm {
        selector,
        namespaces: vec![],
        topology_key: key.into(),
    }
}

/// A weighted pod affinity term.
pub fn weighted(weight: i64, selector: LabelSelector, key: &str) -> WeightedPodAffinityTerm {
    WeightedPodAffinityTerm {
        weight,
        term: term(selector, key),
    }
}

/// A node selector term of `In` expressions.
pub fn node_term(reqs: Vec<Requirement>) -> NodeSelectorTerm {
    NodeSelectorTerm {
        expressions: reqs,
        fields: vec![],
    }
}

/// The taint tests use: `node.kubernetes.io/unschedulable:NoSchedule`.
pub fn unschedulable_taint() -> Taint {
    Taint {
        key: "node.kubernetes.io/unschedulable".into(),
        value: String::new(),
        effect: TaintEffect::NoSchedule,
    }
}

/// A cluster under construction.
#[derive(Default)]
pub struct Fixture {
    /// The cluster.
    pub cluster: ClusterState,
}

impl Fixture {
    /// An empty cluster.
    pub fn new() -> Fixture {
        Fixture::default()
    }

    /// Adds a node named `name` with these labels (and no others) and taints.
    pub fn node_with(&mut self, name: &str, pairs: &[(&str, &str)], taints: Vec<Taint>) -> NodeId {
        let mut alloc = Resources::ZERO;
        alloc.0[CPU] = 64_000;
        alloc.0[MEMORY] = 1 << 40;
        self.cluster.add_node(NodeSpec {
            name: name.into(),
            pool: PoolId(0),
            zone: 0,
            capacity: alloc,
            allocatable: alloc,
            max_pods: 1000,
            labels: labels(pairs),
            taints,
        })
    }

    /// Adds an untainted node.
    pub fn node(&mut self, name: &str, pairs: &[(&str, &str)]) -> NodeId {
        self.node_with(name, pairs, vec![])
    }

    /// Adds a template and returns its index.
    pub fn template(&mut self, t: PodTemplate) -> u32 {
        self.cluster.templates.push(t);
        (self.cluster.templates.len() - 1) as u32
    }

    /// Creates a pending pod of `template` owned by a Deployment (or a Job).
    pub fn pending_owned(&mut self, template: u32, job: bool) -> PodId {
        let kind = if job {
            OwnerKind::Job(super::ids::JobId(0))
        } else {
            OwnerKind::Deployment(WorkloadId(template))
        };
        let owner = self.cluster.add_owner(format!("w{template}"), kind);
        self.cluster.create_pod(
            NewPod {
                owner,
                workload: WorkloadId(template),
                template,
                requests: Resources::ZERO,
                nonzero_requests: [100, 200 << 20],
                usage: Resources::ZERO,
                startup_delay: 0,
                run_time: None,
            },
            0,
        )
    }

    /// Creates a pending Deployment pod of `template`.
    pub fn pending(&mut self, template: u32) -> PodId {
        self.pending_owned(template, false)
    }

    /// Creates a pod of `template` bound to the node called `node`.
    pub fn bound(&mut self, template: u32, node: &str) -> PodId {
        let pod = self.pending(template);
        let n = self.node_id(node);
        self.cluster.bind(pod, n, 0);
        pod
    }

    /// Creates a pod with its own template (`namespace`, `pairs`) bound to `node`.
    pub fn existing(&mut self, namespace: &str, pairs: &[(&str, &str)], node: &str) -> PodId {
        let t = self.template(template(namespace, pairs));
        self.bound(t, node)
    }

    /// The node called `name`.
    pub fn node_id(&self, name: &str) -> NodeId {
        let nodes = &self.cluster.nodes;
        let i = nodes.name.iter().position(|n| n == name);
        NodeId(i.unwrap_or_else(|| panic!("no node {name}")) as u32)
    }
}

/// Runs filter `p` for `pod` on every node and names each verdict by `labels` (reason →
/// name; `ok` when it passes), checking that `passes`, the batch filter and the reasons
/// agree. Returns whether PreFilter skipped, and the verdicts in node order.
pub fn filter_verdicts(
    f: &Fixture,
    pod: PodId,
    p: &mut dyn crate::scheduler::framework::FilterPlugin,
    labels: &[(&str, &'static str)],
) -> (bool, Vec<&'static str>) {
    let cx = crate::scheduler::framework::PodCtx::new(&f.cluster, pod);
    let active = p.pre_filter(&cx);
    let n = f.cluster.nodes.len();
    let mut batch: Vec<u32> = (0..n as u32).collect();
    if active {
        p.filter(&cx, &mut batch);
    }
    let v = (0..n)
        .map(|i| {
            let mut reasons = Vec::new();
            if active {
                p.reasons(&cx, i, &mut reasons);
                assert_eq!(p.passes(&cx, i), reasons.is_empty(), "node {i}");
            }
            assert_eq!(batch.contains(&(i as u32)), reasons.is_empty(), "node {i}");
            match reasons.first() {
                None => "ok",
                Some(r) => labels
                    .iter()
                    .find(|(reason, _)| reason == r)
                    .map(|&(_, name)| name)
                    .unwrap_or_else(|| panic!("unexpected reason {r}")),
            }
        })
        .collect();
    (!active, v)
}
