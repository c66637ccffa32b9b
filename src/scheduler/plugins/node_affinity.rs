//! NodeAffinity: `nodeSelector` and required node affinity (filter), preferred node
//! affinity weights (score) (reference §3.2).

use crate::cluster::selectors::{NodeAffinity, label};
use crate::scheduler::framework::{
    FilterPlugin, MAX_NODE_SCORE, PodCtx, ScorePlugin, default_normalize,
};

/// kube-scheduler's reason when the filter fails.
pub const REASON: &str = "node(s) didn't match Pod's node affinity/selector";

/// Whether a node with `name` and `labels` satisfies the pod's `nodeSelector` and its
/// required node affinity (terms ORed).
pub fn matches(
    selector: &[(String, String)],
    affinity: &NodeAffinity,
    name: &str,
    labels: &[(String, String)],
) -> bool {
    selector
        .iter()
        .all(|(k, v)| label(labels, k) == Some(v.as_str()))
        && affinity
            .required
            .as_ref()
            .is_none_or(|terms| terms.iter().any(|t| t.matches(name, labels)))
}

/// Sum of the weights of the preferred terms a node matches.
pub fn preferred_sum(affinity: &NodeAffinity, name: &str, labels: &[(String, String)]) -> i64 {
    affinity
        .preferred
        .iter()
        .filter(|p| p.term.matches(name, labels))
        .map(|p| p.weight)
        .sum()
}

/// The filter.
#[derive(Debug, Default)]
pub struct AffinityFilter;

impl FilterPlugin for AffinityFilter {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn pre_filter(&mut self, cx: &PodCtx) -> bool {
        !cx.template.node_selector.is_empty() || cx.template.affinity.node.required.is_some()
    }

    fn passes(&self, cx: &PodCtx, i: usize) -> bool {
        let n = &cx.cluster.nodes;
        matches(
            &cx.template.node_selector,
            &cx.template.affinity.node,
            &n.name[i],
            &n.labels[i],
        )
    }

    fn reasons(&self, cx: &PodCtx, i: usize, out: &mut Vec<String>) {
        if !self.passes(cx, i) {
            out.push(REASON.to_string());
        }
    }

    fn resolvable(&self) -> bool {
        false
    }
}

/// The score.
#[derive(Debug, Default)]
pub struct AffinityScore;

impl ScorePlugin for AffinityScore {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn pre_score(&mut self, cx: &PodCtx, _feasible: &[u32]) -> bool {
        !cx.template.affinity.node.preferred.is_empty()
    }

    fn score(&mut self, cx: &PodCtx, feasible: &[u32], out: &mut [i64]) {
        let n = &cx.cluster.nodes;
        for (o, &i) in out.iter_mut().zip(feasible) {
            let i = i as usize;
            *o = preferred_sum(&cx.template.affinity.node, &n.name[i], &n.labels[i]);
        }
    }

    fn normalize(&self, scores: &mut [i64]) {
        default_normalize(MAX_NODE_SCORE, false, scores);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::selectors::{
        NodeSelectorTerm, Operator, PreferredSchedulingTerm, Requirement,
    };

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.sort();
        v
    }

    fn term(reqs: &[(&str, &str)]) -> NodeSelectorTerm {
        NodeSelectorTerm {
            expressions: reqs
                .iter()
                .map(|(k, v)| Requirement {
                    key: k.to_string(),
                    op: Operator::In(vec![v.to_string()]),
                })
                .collect(),
            fields: vec![],
        }
    }

    fn preferred(terms: &[(i64, &[(&str, &str)])]) -> NodeAffinity {
        NodeAffinity {
            required: None,
            preferred: terms
                .iter()
                .map(|&(weight, reqs)| PreferredSchedulingTerm {
                    weight,
                    term: term(reqs),
                })
                .collect(),
        }
    }

    fn scores(aff: &NodeAffinity, nodes: &[Vec<(String, String)>]) -> Vec<i64> {
        let mut s: Vec<i64> = nodes.iter().map(|l| preferred_sum(aff, "n", l)).collect();
        default_normalize(MAX_NODE_SCORE, false, &mut s);
        s
    }

    /// `TestNodeAffinityPriority` (reference §3.2).
    #[test]
    fn upstream_priority_table() {
        let affinity2 = preferred(&[
            (2, &[("foo", "bar")]),
            (4, &[("key", "value")]),
            (5, &[("foo", "bar"), ("key", "value"), ("az", "az1")]),
        ]);
        let nodes = [
            labels(&[("foo", "bar")]),
            labels(&[("foo", "bar"), ("key", "value"), ("az", "az1")]),
            labels(&[("key", "value")]),
        ];
        assert_eq!(scores(&affinity2, &nodes), [18, 100, 36]);
        let affinity1 = preferred(&[(2, &[("foo", "bar")])]);
        let nodes = [
            labels(&[("foo", "bar")]),
            labels(&[("key", "value")]),
            labels(&[("az", "az1")]),
        ];
        assert_eq!(scores(&affinity1, &nodes), [100, 0, 0]);
    }

    #[test]
    fn selector_and_required_terms() {
        let l = labels(&[("zone", "a"), ("disk", "ssd")]);
        let sel = labels(&[("zone", "a")]);
        let none = NodeAffinity::default();
        assert!(matches(&sel, &none, "n", &l));
        assert!(!matches(&labels(&[("zone", "b")]), &none, "n", &l));
        let req = NodeAffinity {
            required: Some(vec![term(&[("disk", "hdd")]), term(&[("disk", "ssd")])]),
            preferred: vec![],
        };
        assert!(matches(&[], &req, "n", &l), "terms are ORed");
        let empty_terms = NodeAffinity {
            required: Some(vec![]),
            preferred: vec![],
        };
        assert!(!matches(&[], &empty_terms, "n", &l), "no term matches");
    }
}
