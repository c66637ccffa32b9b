//! TaintToleration: a node's NoSchedule and NoExecute taints must all be tolerated
//! (filter); fewer untolerated PreferNoSchedule taints score higher (reference §3.1).

use crate::cluster::taints::{Taint, TaintEffect, Toleration, first_untolerated};
use crate::scheduler::framework::{
    FilterPlugin, MAX_NODE_SCORE, PodCtx, ScorePlugin, default_normalize,
};

/// The first taint that keeps the pod off the node, if any.
#[inline]
pub fn filter<'a>(tolerations: &[Toleration], taints: &'a [Taint]) -> Option<&'a Taint> {
    first_untolerated(tolerations, taints, |e| e != TaintEffect::PreferNoSchedule)
}

/// kube-scheduler's reason for a node rejected by the taint `key`=`value`.
pub fn reason(key: &str, value: &str) -> String {
    format!("node(s) had untolerated taint {{{key}: {value}}}")
}

/// Untolerated PreferNoSchedule taints on a node, counting only tolerations whose effect
/// is empty or PreferNoSchedule (upstream's `getAllTolerationPreferNoSchedule`).
pub fn intolerable_prefer_no_schedule(tolerations: &[Toleration], taints: &[Taint]) -> i64 {
    taints
        .iter()
        .filter(|t| t.effect == TaintEffect::PreferNoSchedule)
        .filter(|t| {
            !tolerations
                .iter()
                .filter(|tol| matches!(tol.effect, None | Some(TaintEffect::PreferNoSchedule)))
                .any(|tol| tol.tolerates(t))
        })
        .count() as i64
}

/// The filter.
#[derive(Debug, Default)]
pub struct TaintFilter;

impl FilterPlugin for TaintFilter {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn pre_filter(&mut self, cx: &PodCtx) -> bool {
        cx.cluster.nodes.any_taints
    }

    #[inline]
    fn passes(&self, cx: &PodCtx, i: usize) -> bool {
        let taints = &cx.cluster.nodes.taints[i];
        taints.is_empty() || filter(&cx.template.tolerations, taints).is_none()
    }

    fn reasons(&self, cx: &PodCtx, i: usize, out: &mut Vec<String>) {
        if let Some(t) = filter(&cx.template.tolerations, &cx.cluster.nodes.taints[i]) {
            out.push(reason(&t.key, &t.value));
        }
    }

    fn resolvable(&self) -> bool {
        false
    }
}

/// The score.
#[derive(Debug, Default)]
pub struct TaintScore;

impl ScorePlugin for TaintScore {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn pre_score(&mut self, _cx: &PodCtx, _feasible: &[u32]) -> bool {
        true
    }

    fn score(&mut self, cx: &PodCtx, feasible: &[u32], out: &mut [i64]) {
        let nodes = &cx.cluster.nodes;
        if !nodes.any_taints {
            out.fill(0);
            return;
        }
        for (o, &i) in out.iter_mut().zip(feasible) {
            let taints = &nodes.taints[i as usize];
            *o = if taints.is_empty() {
                0
            } else {
                intolerable_prefer_no_schedule(&cx.template.tolerations, taints)
            };
        }
    }

    fn normalize(&self, scores: &mut [i64]) {
        default_normalize(MAX_NODE_SCORE, true, scores);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::taints::TolerationOperator;

    fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect,
        }
    }

    fn tol(key: &str, value: &str, effect: Option<TaintEffect>) -> Toleration {
        Toleration {
            key: key.into(),
            operator: TolerationOperator::Equal,
            value: value.into(),
            effect,
            toleration_time: None,
        }
    }

    fn normalized(tols: &[Toleration], nodes: &[Vec<Taint>]) -> Vec<i64> {
        let mut s: Vec<i64> = nodes
            .iter()
            .map(|t| intolerable_prefer_no_schedule(tols, t))
            .collect();
        default_normalize(MAX_NODE_SCORE, true, &mut s);
        s
    }

    /// `TestTaintTolerationScore` (reference §3.1).
    #[test]
    fn upstream_score_table() {
        use TaintEffect::*;
        let pns = Some(PreferNoSchedule);
        // The pod tolerates foo=bar:PreferNoSchedule; A has it, B has foo=blah.
        assert_eq!(
            normalized(
                &[tol("foo", "bar", pns)],
                &[
                    vec![taint("foo", "bar", PreferNoSchedule)],
                    vec![taint("foo", "blah", PreferNoSchedule)]
                ]
            ),
            [100, 0]
        );
        // Tolerates only foo=bar; nodes with 0, 1 and 2 intolerable taints.
        assert_eq!(
            normalized(
                &[tol("foo", "bar", pns)],
                &[
                    vec![],
                    vec![taint("cpu-type", "arm64", PreferNoSchedule)],
                    vec![
                        taint("cpu-type", "arm64", PreferNoSchedule),
                        taint("disk-type", "ssd", PreferNoSchedule)
                    ]
                ]
            ),
            [100, 50, 0]
        );
        // NoSchedule tolerations do not count for scoring.
        assert_eq!(
            normalized(
                &[
                    tol("cpu-type", "arm64", Some(NoSchedule)),
                    tol("disk-type", "ssd", Some(NoSchedule))
                ],
                &[
                    vec![],
                    vec![taint("cpu-type", "arm64", NoSchedule)],
                    vec![
                        taint("cpu-type", "arm64", PreferNoSchedule),
                        taint("disk-type", "ssd", PreferNoSchedule)
                    ]
                ]
            ),
            [100, 100, 0]
        );
    }

    /// The filter cases of `taint_toleration_test.go`.
    #[test]
    fn upstream_filter_cases() {
        use TaintEffect::*;
        let dedicated = [taint("dedicated", "user1", NoSchedule)];
        assert!(filter(&[], &dedicated).is_some());
        let foo = [taint("foo", "bar", NoSchedule)];
        assert!(filter(&[tol("foo", "bar", Some(PreferNoSchedule))], &foo).is_some());
        assert!(filter(&[tol("foo", "bar", None)], &foo).is_none());
        assert!(filter(&[], &[taint("foo", "bar", PreferNoSchedule)]).is_none());
    }
}
