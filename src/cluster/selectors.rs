//! Label selectors and the affinity shapes built from them: Kubernetes' `LabelSelector`,
//! `NodeSelectorTerm`, node affinity, pod (anti-)affinity and topology spread constraints.
//!
//! Each is kept in the compiled form the scheduler evaluates: `matchLabels` become `In`
//! requirements with one value, sets are sorted.

/// A requirement's operator (`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operator {
    /// The label is present with one of these values (sorted).
    In(Vec<String>),
    /// The label is absent or has none of these values (sorted).
    NotIn(Vec<String>),
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
    /// The label is an integer greater than this (node selectors only).
    Gt(i64),
    /// The label is an integer less than this (node selectors only).
    Lt(i64),
}

/// One `key operator values` requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// Label key (for `matchFields`, the field name `metadata.name`).
    pub key: String,
    /// Operator and values.
    pub op: Operator,
}

impl Requirement {
    /// Whether a label value (`None`: the label is absent) satisfies the requirement,
    /// as `k8s.io/apimachinery/pkg/labels.Requirement.Matches` decides.
    pub fn matches_value(&self, value: Option<&str>) -> bool {
        match (&self.op, value) {
            (Operator::In(vals), Some(v)) => vals.iter().any(|x| x == v),
            (Operator::In(_), None) => false,
            (Operator::NotIn(vals), Some(v)) => !vals.iter().any(|x| x == v),
            (Operator::NotIn(_), None) => true,
            (Operator::Exists, v) => v.is_some(),
            (Operator::DoesNotExist, v) => v.is_none(),
            // A value that is not an integer fails Gt and Lt.
            (Operator::Gt(n), Some(v)) => v.parse::<i64>().is_ok_and(|x| x > *n),
            (Operator::Lt(n), Some(v)) => v.parse::<i64>().is_ok_and(|x| x < *n),
            (Operator::Gt(_) | Operator::Lt(_), None) => false,
        }
    }

    /// Whether `labels` (sorted by key) satisfy the requirement.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        self.matches_value(label(labels, &self.key))
    }
}

/// The value of `key` in `labels` (sorted by key).
pub fn label<'a>(labels: &'a [(String, String)], key: &str) -> Option<&'a str> {
    labels
        .binary_search_by(|(k, _)| k.as_str().cmp(key))
        .ok()
        .map(|i| labels[i].1.as_str())
}

/// A label selector: every requirement must hold. The empty selector matches every pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// `matchLabels` (as `In`) then `matchExpressions`.
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// The selector that matches no pod: what a missing (null) `labelSelector` means
    /// upstream (`metav1.LabelSelectorAsSelector(nil)` is `labels.Nothing()`), unlike the
    /// empty selector `{}`, which matches every pod. It is one requirement no label
    /// satisfies: the empty key `In` no value.
    pub fn nothing() -> LabelSelector {
        LabelSelector {
            requirements: vec![Requirement {
                key: String::new(),
                op: Operator::In(Vec::new()),
            }],
        }
    }

    /// Whether `labels` (sorted by key) match.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

/// A `NodeSelectorTerm`: its expressions over node labels and its fields (only
/// `metadata.name`) must all hold. A term with neither matches no node, as upstream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeSelectorTerm {
    /// `matchExpressions`.
    pub expressions: Vec<Requirement>,
    /// `matchFields` (key `metadata.name`).
    pub fields: Vec<Requirement>,
}

impl NodeSelectorTerm {
    /// Whether a node with this name and these labels matches.
    pub fn matches(&self, name: &str, labels: &[(String, String)]) -> bool {
        if self.expressions.is_empty() && self.fields.is_empty() {
            return false;
        }
        self.expressions.iter().all(|r| r.matches(labels))
            && self.fields.iter().all(|r| r.matches_value(Some(name)))
    }
}

/// A weighted preferred node term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreferredSchedulingTerm {
    /// 1–100.
    pub weight: i64,
    /// The term.
    pub term: NodeSelectorTerm,
}

/// `affinity.nodeAffinity`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` (ORed); `None`
    /// when the pod has no required node affinity.
    pub required: Option<Vec<NodeSelectorTerm>>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`.
    pub preferred: Vec<PreferredSchedulingTerm>,
}

/// A `PodAffinityTerm`: pods matching `selector` in `namespaces`, counted per domain of
/// `topology_key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodAffinityTerm {
    /// Pods this term is about.
    pub selector: LabelSelector,
    /// Namespaces to look in (sorted); empty means the pod's own namespace.
    pub namespaces: Vec<String>,
    /// Node label whose values are the domains.
    pub topology_key: String,
}

/// A weighted preferred pod term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightedPodAffinityTerm {
    /// 1–100.
    pub weight: i64,
    /// The term.
    pub term: PodAffinityTerm,
}

/// `affinity.podAffinity` or `affinity.podAntiAffinity`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution`.
    pub required: Vec<PodAffinityTerm>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`.
    pub preferred: Vec<WeightedPodAffinityTerm>,
}

impl PodAffinity {
    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.preferred.is_empty()
    }
}

/// A pod's `affinity`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Affinity {
    /// `nodeAffinity`.
    pub node: NodeAffinity,
    /// `podAffinity`.
    pub pod: PodAffinity,
    /// `podAntiAffinity`.
    pub anti: PodAffinity,
}

/// What a topology spread constraint does when it cannot be met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenUnsatisfiable {
    /// A filter: nodes that would break `maxSkew` are rejected.
    DoNotSchedule,
    /// A score: nodes that spread better score higher.
    ScheduleAnyway,
}

/// Whether a node inclusion policy counts a node (`nodeAffinityPolicy`,
/// `nodeTaintsPolicy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InclusionPolicy {
    /// Only nodes the pod's node affinity (or taint tolerations) allow are counted.
    Honor,
    /// Every node is counted.
    Ignore,
}

/// A `topologySpreadConstraint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpreadConstraint {
    /// Greatest allowed difference between a domain's matching pods and the minimum.
    pub max_skew: i64,
    /// Node label whose values are the domains.
    pub topology_key: String,
    /// Filter or score.
    pub when_unsatisfiable: WhenUnsatisfiable,
    /// Pods counted (in the pod's namespace).
    pub selector: LabelSelector,
    /// `minDomains` (DoNotSchedule only).
    pub min_domains: Option<i64>,
    /// `nodeAffinityPolicy` (default Honor).
    pub node_affinity_policy: InclusionPolicy,
    /// `nodeTaintsPolicy` (default Ignore).
    pub node_taints_policy: InclusionPolicy,
}

/// A container port bound on the node (`hostPort`), checked by NodePorts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostPort {
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    /// `hostIP`; empty or `0.0.0.0` means every address.
    pub host_ip: String,
    /// The port.
    pub port: u16,
}

impl HostPort {
    /// Whether two host ports collide, as NodePorts decides: same protocol and port, and
    /// the same address or either on every address.
    pub fn conflicts(&self, other: &HostPort) -> bool {
        let any = |ip: &str| ip.is_empty() || ip == "0.0.0.0";
        self.port == other.port
            && self.protocol == other.protocol
            && (self.host_ip == other.host_ip || any(&self.host_ip) || any(&other.host_ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.sort();
        v
    }

    fn req(key: &str, op: Operator) -> Requirement {
        Requirement {
            key: key.into(),
            op,
        }
    }

    #[test]
    fn operators_follow_apimachinery() {
        let l = labels(&[("a", "1"), ("b", "x")]);
        assert!(req("a", Operator::In(vec!["1".into()])).matches(&l));
        assert!(!req("c", Operator::In(vec!["1".into()])).matches(&l));
        assert!(req("c", Operator::NotIn(vec!["1".into()])).matches(&l));
        assert!(!req("a", Operator::NotIn(vec!["1".into()])).matches(&l));
        assert!(req("b", Operator::Exists).matches(&l));
        assert!(req("c", Operator::DoesNotExist).matches(&l));
        assert!(req("a", Operator::Gt(0)).matches(&l));
        assert!(!req("a", Operator::Gt(1)).matches(&l));
        assert!(req("a", Operator::Lt(2)).matches(&l));
        assert!(!req("b", Operator::Lt(2)).matches(&l), "not an integer");
    }

    #[test]
    fn empty_node_term_matches_nothing_and_empty_selector_everything() {
        assert!(!NodeSelectorTerm::default().matches("n", &[]));
        assert!(LabelSelector::default().matches(&[]));
        assert!(!LabelSelector::nothing().matches(&[]));
        assert!(!LabelSelector::nothing().matches(&labels(&[("", ""), ("a", "1")])));
        let by_name = NodeSelectorTerm {
            expressions: vec![],
            fields: vec![req("metadata.name", Operator::In(vec!["n1".into()]))],
        };
        assert!(by_name.matches("n1", &[]));
        assert!(!by_name.matches("n2", &[]));
    }

    #[test]
    fn host_ports_conflict_on_shared_addresses() {
        let p = |ip: &str, port| HostPort {
            protocol: "TCP".into(),
            host_ip: ip.into(),
            port,
        };
        assert!(p("", 80).conflicts(&p("10.0.0.1", 80)));
        assert!(p("10.0.0.1", 80).conflicts(&p("10.0.0.1", 80)));
        assert!(!p("10.0.0.1", 80).conflicts(&p("10.0.0.2", 80)));
        assert!(!p("", 80).conflicts(&p("", 81)));
        let udp = HostPort {
            protocol: "UDP".into(),
            ..p("", 80)
        };
        assert!(!udp.conflicts(&p("", 80)));
    }
}
