//! InterPodAffinity (reference §3.4): required pod affinity and anti-affinity, and the
//! symmetry of existing pods' required anti-affinity (filter); preferred terms of the pod
//! and of existing pods (score).
//!
//! The cluster's topology index ([`crate::cluster::topology`]) keeps, per predicate and
//! topology domain, how many bound pods match; which existing templates' terms match the
//! pod is resolved once per template pair when templates are registered. A cycle collects
//! the few (predicate, key) pairs that matter for the pod, and the per-node loop looks up
//! the node's domain and that domain's count.

use crate::cluster::topology::{ABSENT, ExistingKind, TermRef, Topology};
use crate::scheduler::config::FrameworkConfig;
use crate::scheduler::framework::{FilterPlugin, MAX_NODE_SCORE, PodCtx, ScorePlugin};

/// kube-scheduler's reason when the pod's required affinity is not met.
pub const REASON_AFFINITY: &str = "node(s) didn't match pod affinity rules";

/// kube-scheduler's reason when the pod's required anti-affinity is not met.
pub const REASON_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";

/// kube-scheduler's reason when an existing pod's required anti-affinity rejects the pod.
pub const REASON_EXISTING_ANTI_AFFINITY: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";

/// Bound pods of `term` in node `i`'s domain (0 when the node lacks the key).
#[inline]
fn in_domain_of(topo: &Topology, term: TermRef, i: usize) -> u32 {
    topo.domain_counts(term.pred, term.key)[topo.node_domains(term.key)[i] as usize]
}

/// Whether some pod of `term` is on a node that has its key.
fn any_counted(topo: &Topology, term: TermRef) -> bool {
    topo.total(term.pred, term.key) > 0
}

/// The filter.
#[derive(Clone, Debug, Default)]
pub struct AffinityFilter {
    /// The pod's required affinity: the pods matching all its terms, with the terms' keys.
    affinity: Option<u32>,
    affinity_keys: Vec<u32>,
    /// No pod matches the affinity terms anywhere and the pod matches them itself: the
    /// first pod of a group passes wherever the keys exist.
    first_of_group: bool,
    /// The pod's required anti-affinity terms that some pod matches.
    anti: Vec<TermRef>,
    /// Existing pods' required anti-affinity terms that match the pod, where some pod
    /// carries them.
    existing: Vec<TermRef>,
}

impl AffinityFilter {
    /// The filter for `config`.
    pub fn new(_config: &FrameworkConfig) -> AffinityFilter {
        AffinityFilter::default()
    }

    /// Upstream's `satisfyPodAffinity`.
    #[inline]
    fn affinity_ok(&self, topo: &Topology, i: usize) -> bool {
        let Some(pred) = self.affinity else {
            return true;
        };
        let mut pods_exist = true;
        for &key in &self.affinity_keys {
            let d = topo.node_domains(key)[i];
            if d == ABSENT {
                return false;
            }
            pods_exist &= topo.domain_counts(pred, key)[d as usize] > 0;
        }
        pods_exist || self.first_of_group
    }

    /// Upstream's `satisfyPodAntiAffinity`.
    #[inline]
    fn anti_ok(&self, topo: &Topology, i: usize) -> bool {
        self.anti.iter().all(|&t| in_domain_of(topo, t, i) == 0)
    }

    /// Upstream's `satisfyExistingPodsAntiAffinity`.
    #[inline]
    fn existing_ok(&self, topo: &Topology, i: usize) -> bool {
        self.existing.iter().all(|&t| in_domain_of(topo, t, i) == 0)
    }
}

impl FilterPlugin for AffinityFilter {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    /// Upstream's `PreFilter`; Skip when no existing pod's anti-affinity matches the pod
    /// and the pod has no required terms.
    fn pre_filter(&mut self, cx: &PodCtx) -> bool {
        let topo = &cx.cluster.topology;
        self.affinity = None;
        self.first_of_group = false;
        self.affinity_keys.clear();
        self.anti.clear();
        self.existing.clear();
        let Some(terms) = topo.template(cx.pod.template) else {
            return false;
        };
        if let Some(pred) = terms.affinity {
            self.affinity = Some(pred);
            self.affinity_keys.extend_from_slice(&terms.affinity_keys);
            self.first_of_group = terms.belongs_to(pred)
                && terms
                    .affinity_keys
                    .iter()
                    .all(|&key| topo.total(pred, key) == 0);
        }
        // Terms no bound pod matches cannot reject a node.
        self.anti
            .extend(terms.anti.iter().copied().filter(|&t| any_counted(topo, t)));
        self.existing.extend(
            terms
                .matched_by
                .iter()
                .filter(|e| e.kind == ExistingKind::RequiredAnti)
                .map(|e| e.term)
                .filter(|&t| any_counted(topo, t)),
        );
        !self.existing.is_empty() || terms.affinity.is_some() || !terms.anti.is_empty()
    }

    #[inline]
    fn passes(&self, cx: &PodCtx, i: usize) -> bool {
        let topo = &cx.cluster.topology;
        self.affinity_ok(topo, i) && self.anti_ok(topo, i) && self.existing_ok(topo, i)
    }

    fn filter(&self, cx: &PodCtx, nodes: &mut Vec<u32>) {
        let topo = &cx.cluster.topology;
        if self.affinity.is_some() {
            nodes.retain(|&i| self.affinity_ok(topo, i as usize));
        }
        // One term at a time keeps each inner loop to two lookups.
        for &t in self.anti.iter().chain(&self.existing) {
            let nd = topo.node_domains(t.key);
            let counts = topo.domain_counts(t.pred, t.key);
            nodes.retain(|&i| counts[nd[i as usize] as usize] == 0);
        }
    }

    fn reasons(&self, cx: &PodCtx, i: usize, out: &mut Vec<String>) {
        let topo = &cx.cluster.topology;
        if !self.affinity_ok(topo, i) {
            out.push(REASON_AFFINITY.to_string());
        } else if !self.anti_ok(topo, i) {
            out.push(REASON_ANTI_AFFINITY.to_string());
        } else if !self.existing_ok(topo, i) {
            out.push(REASON_EXISTING_ANTI_AFFINITY.to_string());
        }
    }

    /// Anti-affinity failures are resolvable by evicting the matching pods (affinity
    /// failures are not, but the framework's flag is per plugin).
    fn resolvable(&self) -> bool {
        true
    }
}

/// The score.
#[derive(Clone, Debug)]
pub struct AffinityScore {
    /// `hardPodAffinityWeight`.
    hard_weight: i64,
    /// This cycle's terms with their signed weights.
    terms: Vec<(TermRef, i64)>,
}

impl AffinityScore {
    /// The score for `config`.
    pub fn new(config: &FrameworkConfig) -> AffinityScore {
        AffinityScore {
            hard_weight: config.hard_pod_affinity_weight,
            terms: Vec::new(),
        }
    }
}

impl ScorePlugin for AffinityScore {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    /// Upstream's `PreScore`: per domain, plus the weight for each pod matching a
    /// preferred affinity term of the pod, minus it for its preferred anti-affinity terms,
    /// plus `hardPodAffinityWeight` for each pod whose required affinity term matches the
    /// pod, plus or minus the weight for each pod whose preferred term matches it. Skip
    /// when no pod contributes.
    fn pre_score(&mut self, cx: &PodCtx, _feasible: &[u32]) -> bool {
        let topo = &cx.cluster.topology;
        self.terms.clear();
        let Some(terms) = topo.template(cx.pod.template) else {
            return false;
        };
        self.terms.extend(terms.preferred.iter().copied());
        self.terms
            .extend(terms.preferred_anti.iter().map(|&(t, w)| (t, -w)));
        for e in &terms.matched_by {
            match e.kind {
                ExistingKind::RequiredAffinity if self.hard_weight > 0 => {
                    self.terms.push((e.term, self.hard_weight));
                }
                ExistingKind::Preferred(w) => self.terms.push((e.term, w)),
                _ => {}
            }
        }
        self.terms.retain(|&(t, _)| any_counted(topo, t));
        !self.terms.is_empty()
    }

    fn score(&mut self, cx: &PodCtx, feasible: &[u32], out: &mut [i64]) {
        let topo = &cx.cluster.topology;
        out.fill(0);
        for &(t, weight) in &self.terms {
            let nd = topo.node_domains(t.key);
            let counts = topo.domain_counts(t.pred, t.key);
            for (o, &i) in out.iter_mut().zip(feasible) {
                *o += weight * i64::from(counts[nd[i as usize] as usize]);
            }
        }
    }

    /// Upstream's `NormalizeScore` (v1.2x+): min-max over the nodes, as float
    /// `100 · (s − min) / (max − min)` truncated; all 0 when every node scores the same.
    fn normalize(&self, scores: &mut [i64]) {
        let min = scores.iter().copied().min().unwrap_or(0);
        let max = scores.iter().copied().max().unwrap_or(0);
        let diff = max - min;
        if diff <= 0 {
            scores.fill(0);
            return;
        }
        // Raw scores repeat (they are sums of a few weights): reuse the last result rather
        // than divide again; the arithmetic per value is upstream's.
        let mut last = (i64::MIN, 0);
        for s in scores.iter_mut() {
            if *s != last.0 {
                last = (
                    *s,
                    (MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)) as i64,
                );
            }
            *s = last.1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::fixture::*;
    use crate::cluster::ids::PodId;
    use crate::cluster::pod::{PodPhase, PodReason, PodTemplate};
    use crate::cluster::selectors::{LabelSelector, Operator, PodAffinityTerm};

    /// A template with required affinity and anti-affinity terms.
    fn with_terms(
        ns: &str,
        l: &[(&str, &str)],
        affinity: Vec<PodAffinityTerm>,
        anti: Vec<PodAffinityTerm>,
    ) -> PodTemplate {
        let mut t = template(ns, l);
        t.affinity.pod.required = affinity;
        t.affinity.anti.required = anti;
        t
    }

    /// `key In values`.
    fn sel_in(key: &str, values: &[&str]) -> LabelSelector {
        selector(vec![req(key, is_in(values))])
    }

    /// `key NotIn values`.
    fn sel_not_in(key: &str, values: &[&str]) -> LabelSelector {
        selector(vec![req(key, not_in(values))])
    }

    /// Binds a pod of template `t` to `node`.
    fn put(f: &mut Fixture, t: PodTemplate, node: &str) {
        let t = f.template(t);
        f.bound(t, node);
    }

    /// Creates the incoming pod.
    fn incoming(f: &mut Fixture, t: PodTemplate) -> PodId {
        let t = f.template(t);
        f.pending(t)
    }

    /// Whether PreFilter skipped, and each node's verdict: `ok`, `affinity`, `anti` or
    /// `existing`. Checks that `passes`, the batch filter and the reasons agree.
    fn verdicts(f: &Fixture, pod: PodId) -> (bool, Vec<&'static str>) {
        let mut p = AffinityFilter::new(&FrameworkConfig::default());
        let labels = [
            (REASON_AFFINITY, "affinity"),
            (REASON_ANTI_AFFINITY, "anti"),
            (REASON_EXISTING_ANTI_AFFINITY, "existing"),
        ];
        filter_verdicts(f, pod, &mut p, &labels)
    }

    const SERVICE: &[(&str, &str)] = &[("service", "securityscan")];
    const SECURITY: &[(&str, &str)] = &[("security", "S1")];

    /// `filtering_test.go` `TestRequiredAffinitySingleNode` (v1.35) on node1 (region r1,
    /// zone z11), every case but the label-syntax and namespaceSelector ones (kubesim
    /// validates labels on input and has no namespace selectors). The case whose existing
    /// pod sits on a node outside the snapshot has no existing pod here.
    #[test]
    fn upstream_single_node_table() {
        type Setup = fn(&mut Fixture) -> PodId;
        let cases: Vec<(&str, Setup, bool, &str)> = vec![
            (
                "A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
                |f| incoming(f, template("default", &[])),
                true,
                "ok",
            ),
            (
                "satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod",
                |f| {
                    put(f, template("default", SERVICE), "node1");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SECURITY,
                            vec![term(
                                sel_in("service", &["securityscan", "value2"]),
                                "region",
                            )],
                            vec![],
                        ),
                    )
                },
                false,
                "ok",
            ),
            (
                "satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod",
                |f| {
                    put(f, template("default", SERVICE), "node1");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SECURITY,
                            vec![term(
                                sel_not_in("service", &["securityscan3", "value3"]),
                                "region",
                            )],
                            vec![],
                        ),
                    )
                },
                false,
                "ok",
            ),
            (
                "Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
                |f| {
                    put(f, template("ns", SERVICE), "node1");
                    let mut t = term(sel_in("service", &["securityscan", "value2"]), "");
                    t.namespaces = vec!["DiffNameSpace".into()];
                    incoming(f, with_terms("default", SECURITY, vec![t], vec![]))
                },
                false,
                "affinity",
            ),
            (
                "Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
                |f| {
                    put(f, template("default", SERVICE), "node1");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![term(sel_in("service", &["antivirusscan", "value2"]), "")],
                            vec![],
                        ),
                    )
                },
                false,
                "affinity",
            ),
            (
                "satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuringExecution",
                |f| {
                    put(f, template("default", SERVICE), "node1");
                    let t1 = term(
                        selector(vec![
                            req("service", Operator::Exists),
                            req("wrongkey", Operator::DoesNotExist),
                        ]),
                        "region",
                    );
                    let t2 = term(
                        selector(vec![
                            req("service", is_in(&["securityscan"])),
                            req("service", not_in(&["WrongValue"])),
                        ]),
                        "region",
                    );
                    incoming(f, with_terms("default", SECURITY, vec![t1, t2], vec![]))
                },
                false,
                "ok",
            ),
            (
                "The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the node because one of the matchExpression item don't match.",
                |f| {
                    put(f, template("default", SERVICE), "node1");
                    let t1 = term(
                        selector(vec![
                            req("service", Operator::Exists),
                            req("wrongkey", Operator::DoesNotExist),
                        ]),
                        "region",
                    );
                    let t2 = term(
                        selector(vec![
                            req("service", is_in(&["securityscan2"])),
                            req("service", not_in(&["WrongValue"])),
                        ]),
                        "region",
                    );
                    incoming(f, with_terms("default", SECURITY, vec![t1, t2], vec![]))
                },
                false,
                "affinity",
            ),
            (
                "satisfies the PodAffinity and PodAntiAffinity with the existing pod",
                |f| {
                    put(f, template("default", SERVICE), "node1");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SECURITY,
                            vec![term(
                                sel_in("service", &["securityscan", "value2"]),
                                "region",
                            )],
                            vec![term(
                                sel_in("service", &["antivirusscan", "value2"]),
                                "node",
                            )],
                        ),
                    )
                },
                false,
                "ok",
            ),
            (
                "satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod",
                |f| {
                    put(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![],
                            vec![term(
                                sel_in("service", &["antivirusscan", "value2"]),
                                "node",
                            )],
                        ),
                        "node1",
                    );
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SECURITY,
                            vec![term(
                                sel_in("service", &["securityscan", "value2"]),
                                "region",
                            )],
                            vec![term(
                                sel_in("service", &["antivirusscan", "value2"]),
                                "node",
                            )],
                        ),
                    )
                },
                false,
                "ok",
            ),
            (
                "satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
                |f| {
                    put(f, template("default", SERVICE), "node1");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SECURITY,
                            vec![term(
                                sel_in("service", &["securityscan", "value2"]),
                                "region",
                            )],
                            vec![term(sel_in("service", &["securityscan", "value2"]), "zone")],
                        ),
                    )
                },
                false,
                "anti",
            ),
            (
                "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
                |f| {
                    put(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![],
                            vec![term(sel_in("service", &["securityscan", "value2"]), "zone")],
                        ),
                        "node1",
                    );
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![term(
                                sel_in("service", &["securityscan", "value2"]),
                                "region",
                            )],
                            vec![term(
                                sel_in("service", &["antivirusscan", "value2"]),
                                "node",
                            )],
                        ),
                    )
                },
                false,
                "existing",
            ),
            (
                "pod matches its own Label in PodAffinity and that matches the existing pod Labels",
                |f| {
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![term(
                                sel_not_in("service", &["securityscan", "value2"]),
                                "region",
                            )],
                            vec![],
                        ),
                    )
                },
                false,
                "affinity",
            ),
            (
                "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod",
                |f| {
                    put(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![],
                            vec![term(sel_in("service", &["securityscan", "value2"]), "zone")],
                        ),
                        "node1",
                    );
                    incoming(f, template("default", SERVICE))
                },
                false,
                "existing",
            ),
            (
                "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy PodAntiAffinity symmetry with the existing pod",
                |f| {
                    put(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![],
                            vec![term(
                                sel_not_in("service", &["securityscan", "value2"]),
                                "zone",
                            )],
                        ),
                        "node1",
                    );
                    incoming(f, template("default", SERVICE))
                },
                true,
                "ok",
            ),
            (
                "satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
                |f| {
                    put(
                        f,
                        with_terms(
                            "default",
                            SECURITY,
                            vec![],
                            vec![term(exists("security"), "zone")],
                        ),
                        "node1",
                    );
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![],
                            vec![
                                term(exists("service"), "region"),
                                term(exists("security"), "region"),
                            ],
                        ),
                    )
                },
                false,
                "anti",
            ),
            (
                "PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on AffinityTerms",
                |f| {
                    put(
                        f,
                        with_terms(
                            "default",
                            SECURITY,
                            vec![],
                            vec![term(exists("security"), "zone")],
                        ),
                        "node1",
                    );
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![],
                            vec![
                                term(exists("service"), "zone"),
                                term(exists("security"), "zone"),
                            ],
                        ),
                    )
                },
                false,
                "anti",
            ),
            (
                "PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms",
                |f| {
                    put(
                        f,
                        with_terms(
                            "default",
                            SERVICE,
                            vec![],
                            vec![
                                term(exists("service"), "zone"),
                                term(exists("security"), "zone"),
                            ],
                        ),
                        "node1",
                    );
                    incoming(
                        f,
                        with_terms(
                            "default",
                            SECURITY,
                            vec![],
                            vec![term(exists("security"), "zone")],
                        ),
                    )
                },
                false,
                "existing",
            ),
            (
                "PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on AffinityTerms",
                |f| {
                    put(
                        f,
                        with_terms(
                            "default",
                            &[("def", ""), ("xyz", "")],
                            vec![],
                            vec![term(exists("abc"), "zone"), term(exists("def"), "zone")],
                        ),
                        "node1",
                    );
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[("abc", ""), ("xyz", "")],
                            vec![],
                            vec![term(exists("abc"), "zone"), term(exists("def"), "zone")],
                        ),
                    )
                },
                false,
                "anti",
            ),
            (
                "PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each other on AffinityTerms",
                |f| {
                    put(
                        f,
                        with_terms(
                            "default",
                            &[("abc", ""), ("xyz", "")],
                            vec![],
                            vec![term(exists("abc"), "zone"), term(exists("def"), "zone")],
                        ),
                        "node1",
                    );
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[("def", ""), ("xyz", "")],
                            vec![],
                            vec![term(exists("abc"), "zone"), term(exists("def"), "zone")],
                        ),
                    )
                },
                false,
                "anti",
            ),
        ];
        for (name, setup, skip, want) in cases {
            let mut f = Fixture::new();
            f.node("node1", &[("region", "r1"), ("zone", "z11")]);
            let pod = setup(&mut f);
            assert_eq!(verdicts(&f, pod), (skip, vec![want]), "{name}");
            assert_eq!(f.cluster.check_invariants(), Ok(()), "{name}");
        }
    }

    /// `TestRequiredAffinityMultipleNodes` (v1.35), every case in table order.
    #[test]
    fn upstream_multiple_nodes_table() {
        type Setup = fn(&mut Fixture) -> PodId;
        let cases: Vec<(&str, Setup, bool, Vec<&str>)> = vec![
            (
                "A pod can be scheduled onto all the nodes that have the same topology key & label value with one of them has an existing pod that matches the affinity rules",
                |f| {
                    f.node("node1", &[("region", "China")]);
                    f.node("node2", &[("region", "China"), ("az", "az1")]);
                    f.node("node3", &[("region", "India")]);
                    put(f, template("default", &[("foo", "bar")]), "node1");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![term(sel_in("foo", &["bar"]), "region")],
                            vec![],
                        ),
                    )
                },
                false,
                vec!["ok", "ok", "affinity"],
            ),
            (
                "The affinity rule is to schedule all of the pods of this collection to the same zone. The first pod of the collection should not be blocked from being scheduled onto any node, even there's no existing pod that matches the rule anywhere.",
                |f| {
                    f.node("nodeA", &[("zone", "az1"), ("hostname", "h1")]);
                    f.node("nodeB", &[("zone", "az2"), ("hostname", "h2")]);
                    put(f, template("default", &[("foo", "bar")]), "nodeA");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[("foo", "bar"), ("service", "securityscan")],
                            vec![
                                term(sel_in("foo", &["bar"]), "zone"),
                                term(sel_in("service", &["securityscan"]), "zone"),
                            ],
                            vec![],
                        ),
                    )
                },
                false,
                vec!["ok", "ok"],
            ),
            (
                "The first pod of the collection can only be scheduled on nodes labelled with the requested topology keys",
                |f| {
                    f.node("nodeA", &[("zoneLabel", "az1"), ("hostname", "h1")]);
                    f.node("nodeB", &[("zoneLabel", "az2"), ("hostname", "h2")]);
                    put(f, template("default", &[("foo", "bar")]), "nodeA");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[("foo", "bar"), ("service", "securityscan")],
                            vec![
                                term(sel_in("foo", &["bar"]), "zone"),
                                term(sel_in("service", &["securityscan"]), "zone"),
                            ],
                            vec![],
                        ),
                    )
                },
                false,
                vec!["affinity", "affinity"],
            ),
            (
                "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB.",
                |f| {
                    f.node("nodeA", &[("region", "r1"), ("hostname", "nodeA")]);
                    f.node("nodeB", &[("region", "r1"), ("hostname", "nodeB")]);
                    put(f, template("default", &[("foo", "abc")]), "nodeA");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![term(sel_in("foo", &["abc"]), "region")],
                        ),
                    )
                },
                false,
                vec!["anti", "anti"],
            ),
            (
                "This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule matches a pod.",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                    );
                    put(
                        f,
                        template("default", &[("foo", "abc"), ("service", "securityscan")]),
                        "nodeA",
                    );
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![
                                term(sel_in("foo", &["abc"]), "region"),
                                term(sel_in("service", &["securityscan"]), "zone"),
                            ],
                        ),
                    )
                },
                false,
                vec!["anti", "anti"],
            ),
            (
                "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB but can be scheduled onto nodeC",
                |f| {
                    f.node("nodeA", &[("region", "China")]);
                    f.node("nodeB", &[("region", "China"), ("az", "az1")]);
                    f.node("nodeC", &[("region", "India")]);
                    put(f, template("default", &[("foo", "abc")]), "nodeA");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![term(sel_in("foo", &["abc"]), "region")],
                        ),
                    )
                },
                false,
                vec!["anti", "anti", "ok"],
            ),
            (
                "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA, nodeB, but can be scheduled onto nodeC (NodeC has an existing pod that match the inter pod affinity rule but in different namespace)",
                |f| {
                    f.node("nodeA", &[("region", "China")]);
                    f.node("nodeB", &[("region", "China"), ("az", "az1")]);
                    f.node("nodeC", &[("region", "India")]);
                    put(f, template("NS1", &[("foo", "bar")]), "nodeA");
                    put(
                        f,
                        with_terms(
                            "NS2",
                            &[],
                            vec![],
                            vec![term(sel_in("foo", &["123"]), "region")],
                        ),
                        "nodeC",
                    );
                    incoming(
                        f,
                        with_terms(
                            "NS1",
                            &[("foo", "123")],
                            vec![],
                            vec![term(sel_in("foo", &["bar"]), "region")],
                        ),
                    )
                },
                false,
                vec!["anti", "anti", "ok"],
            ),
            (
                "Test existing pod's anti-affinity: if an existing pod has a term with invalid topologyKey, labelSelector of the term is firstly checked, and then topologyKey of the term is also checked",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeB")],
                    );
                    put(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![term(exists("foo"), "invalid-node-label")],
                        ),
                        "nodeA",
                    );
                    incoming(f, template("default", &[("foo", "")]))
                },
                true,
                vec!["ok", "ok"],
            ),
            (
                "Test incoming pod's anti-affinity: even if labelSelector matches, we still check if topologyKey matches",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeB")],
                    );
                    put(f, template("default", &[("foo", "")]), "nodeA");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![term(exists("foo"), "invalid-node-label")],
                        ),
                    )
                },
                false,
                vec!["ok", "ok"],
            ),
            (
                "Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it violates each existingPod's terms on all nodes",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                    );
                    put(
                        f,
                        with_terms("default", &[], vec![], vec![term(exists("foo"), "zone")]),
                        "nodeA",
                    );
                    put(
                        f,
                        with_terms("default", &[], vec![], vec![term(exists("bar"), "region")]),
                        "nodeA",
                    );
                    incoming(f, template("default", &[("foo", ""), ("bar", "")]))
                },
                false,
                vec!["existing", "existing"],
            ),
            (
                "Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at least violates one anti-affinity rule of existingPod",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                    );
                    put(f, template("default", &[("foo", "")]), "nodeA");
                    put(f, template("default", &[("bar", "")]), "nodeB");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![term(exists("foo"), "zone"), term(exists("bar"), "region")],
                        ),
                    )
                },
                false,
                vec!["anti", "anti"],
            ),
            (
                "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                    );
                    put(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![
                                term(exists("foo"), "invalid-node-label"),
                                term(exists("bar"), "zone"),
                            ],
                        ),
                        "nodeA",
                    );
                    incoming(f, template("default", &[("foo", ""), ("bar", "")]))
                },
                false,
                vec!["existing", "ok"],
            ),
            (
                "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                    );
                    put(f, template("default", &[("foo", ""), ("bar", "")]), "nodeA");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![
                                term(exists("foo"), "invalid-node-label"),
                                term(exists("bar"), "zone"),
                            ],
                        ),
                    )
                },
                false,
                vec!["anti", "ok"],
            ),
            (
                "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                    );
                    put(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![term(exists("foo"), "region"), term(exists("bar"), "zone")],
                        ),
                        "nodeA",
                    );
                    incoming(f, template("default", &[("foo", ""), ("bar", "")]))
                },
                false,
                vec!["existing", "existing"],
            ),
            (
                "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                    );
                    put(f, template("default", &[("foo", ""), ("bar", "")]), "nodeA");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![term(exists("foo"), "region"), term(exists("bar"), "zone")],
                        ),
                    )
                },
                false,
                vec!["anti", "anti"],
            ),
            (
                "Test existing pod's anti-affinity: existingPod on nodeA and nodeB has at least one anti-affinity term matches incoming pod, so incoming pod can only be scheduled to nodeC",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                    );
                    f.node(
                        "nodeC",
                        &[("region", "r1"), ("zone", "z3"), ("hostname", "nodeC")],
                    );
                    put(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![term(exists("foo"), "zone"), term(exists("labelA"), "zone")],
                        ),
                        "nodeA",
                    );
                    put(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![],
                            vec![term(exists("bar"), "zone"), term(exists("labelB"), "zone")],
                        ),
                        "nodeB",
                    );
                    incoming(f, template("default", &[("foo", ""), ("bar", "")]))
                },
                false,
                vec!["existing", "existing", "ok"],
            ),
            (
                "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeB")],
                    );
                    put(f, template("default", &[("foo", ""), ("bar", "")]), "nodeA");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![term(exists("foo"), "region"), term(exists("bar"), "zone")],
                            vec![],
                        ),
                    )
                },
                false,
                vec!["ok", "ok"],
            ),
            (
                "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match, and the match logic should be satisfied on the same pod",
                |f| {
                    f.node(
                        "nodeA",
                        &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                    );
                    f.node(
                        "nodeB",
                        &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                    );
                    put(f, template("default", &[("foo", "")]), "nodeA");
                    put(f, template("default", &[("bar", "")]), "nodeB");
                    incoming(
                        f,
                        with_terms(
                            "default",
                            &[],
                            vec![term(exists("foo"), "region"), term(exists("bar"), "zone")],
                            vec![],
                        ),
                    )
                },
                false,
                vec!["affinity", "affinity"],
            ),
        ];
        for (name, setup, skip, want) in cases {
            let mut f = Fixture::new();
            let pod = setup(&mut f);
            assert_eq!(verdicts(&f, pod), (skip, want), "{name}");
        }
    }

    /// `TestPreFilterStateAddRemovePod`'s complex cases, on the index: after the added pod
    /// binds, the pending pod's anti-affinity terms count (region r1) 2, (zone z11) 2,
    /// (zone z21) 1, and its affinity terms (region r1) 2, (zone z11) 2; after it leaves,
    /// the counts are back to those without it.
    #[test]
    fn upstream_add_remove_pod() {
        let foo_in = || sel_in("foo", &["bar", "buzz"]);
        let service_not_in = || sel_not_in("service", &["bar", "security", "test"]);
        let complex = || vec![term(foo_in(), "region"), term(service_not_in(), "zone")];
        let foo_bar = || vec![term(sel_in("foo", &["bar"]), "region")];
        let mut f = Fixture::new();
        f.node("nodeA", &[("region", "r1"), ("zone", "z11")]);
        f.node("nodeB", &[("region", "r1"), ("zone", "z12")]);
        f.node("nodeC", &[("region", "r2"), ("zone", "z21")]);
        put(&mut f, template("default", &[("foo", "bar")]), "nodeA");
        put(
            &mut f,
            with_terms("default", &[], complex(), foo_bar()),
            "nodeC",
        );
        let anti_pending = f.template(with_terms("default", &[("foo", "bar")], vec![], complex()));
        let aff_pending = f.template(with_terms("default", &[("foo", "bar")], complex(), vec![]));
        f.pending(anti_pending);
        f.pending(aff_pending);
        let added = f.template(with_terms("default", &[("foo", "bar")], vec![], complex()));
        let added = f.bound(added, "nodeA");
        let count = |f: &Fixture, term: TermRef, value: &str| {
            let topo = &f.cluster.topology;
            let d = topo.domain(term.key, value).unwrap_or(ABSENT);
            topo.domain_counts(term.pred, term.key)[d as usize]
        };
        let topo = &f.cluster.topology;
        let anti = topo
            .template(anti_pending)
            .map(|t| t.anti.clone())
            .unwrap_or_default();
        let aff = topo.template(aff_pending).cloned().unwrap_or_default();
        let aff_pred = aff.affinity.unwrap_or(0);
        let aff_terms: Vec<TermRef> = aff
            .affinity_keys
            .iter()
            .map(|&key| TermRef {
                pred: aff_pred,
                key,
            })
            .collect();
        assert_eq!(count(&f, anti[0], "r1"), 2);
        assert_eq!(count(&f, anti[1], "z11"), 2);
        assert_eq!(count(&f, anti[1], "z21"), 1);
        assert_eq!(count(&f, aff_terms[0], "r1"), 2);
        assert_eq!(count(&f, aff_terms[1], "z11"), 2);
        assert_eq!(count(&f, aff_terms[1], "z21"), 0);
        f.cluster
            .finish(added, PodPhase::Deleted, PodReason::Preempted, 0);
        assert_eq!(count(&f, anti[0], "r1"), 1);
        assert_eq!(count(&f, anti[1], "z11"), 1);
        assert_eq!(count(&f, anti[1], "z21"), 1);
        assert_eq!(count(&f, aff_terms[0], "r1"), 1);
        assert_eq!(f.cluster.check_invariants(), Ok(()));
    }

    const S1: &[(&str, &str)] = &[("security", "S1")];
    const S2: &[(&str, &str)] = &[("security", "S2")];
    const CHINA: &[(&str, &str)] = &[("region", "China")];
    const INDIA: &[(&str, &str)] = &[("region", "India")];
    const AZ1: &[(&str, &str)] = &[("az", "az1")];
    const AZ2: &[(&str, &str)] = &[("az", "az2")];
    const CHINA_AZ1: &[(&str, &str)] = &[("region", "China"), ("az", "az1")];

    /// A template with preferred affinity and anti-affinity terms.
    fn preferring(
        l: &[(&str, &str)],
        affinity: Vec<(i64, LabelSelector, &str)>,
        anti: Vec<(i64, LabelSelector, &str)>,
    ) -> PodTemplate {
        let mut t = template("default", l);
        t.affinity.pod.preferred = affinity
            .into_iter()
            .map(|(w, s, k)| weighted(w, s, k))
            .collect();
        t.affinity.anti.preferred = anti
            .into_iter()
            .map(|(w, s, k)| weighted(w, s, k))
            .collect();
        t
    }

    fn stay_with_s1_in_region(l: &[(&str, &str)]) -> PodTemplate {
        preferring(l, vec![(5, sel_in("security", &["S1"]), "region")], vec![])
    }

    fn stay_with_s2_in_region(l: &[(&str, &str)]) -> PodTemplate {
        preferring(l, vec![(6, sel_in("security", &["S2"]), "region")], vec![])
    }

    fn away_from_s1_in_az(l: &[(&str, &str)]) -> PodTemplate {
        preferring(l, vec![], vec![(5, sel_in("security", &["S1"]), "az")])
    }

    fn away_from_s2_in_az(l: &[(&str, &str)]) -> PodTemplate {
        preferring(l, vec![], vec![(5, sel_in("security", &["S2"]), "az")])
    }

    fn stay_with_s1_away_from_s2(l: &[(&str, &str)]) -> PodTemplate {
        preferring(
            l,
            vec![(8, sel_in("security", &["S1"]), "region")],
            vec![(5, sel_in("security", &["S2"]), "az")],
        )
    }

    /// Required affinity `security In (S1, value2)` and `security Exists, wrongkey
    /// DoesNotExist`, both on region.
    fn hard_affinity(l: &[(&str, &str)]) -> PodTemplate {
        let t1 = term(sel_in("security", &["S1", "value2"]), "region");
        let t2 = term(
            selector(vec![
                req("security", Operator::Exists),
                req("wrongkey", Operator::DoesNotExist),
            ]),
            "region",
        );
        with_terms("default", l, vec![t1, t2], vec![])
    }

    /// Adds nodes `node1`, `node2`, … with these labels.
    fn nodes(f: &mut Fixture, labels: &[&[(&str, &str)]]) {
        for (i, l) in labels.iter().enumerate() {
            f.node(&format!("node{}", i + 1), l);
        }
    }

    /// Normalized scores of every node in node order (all 0 on Skip), and whether
    /// PreScore skipped.
    fn scores(f: &Fixture, pod: PodId, hard_weight: i64) -> (bool, Vec<i64>) {
        let cx = PodCtx::new(&f.cluster, pod);
        let config = FrameworkConfig {
            hard_pod_affinity_weight: hard_weight,
            ..FrameworkConfig::default()
        };
        let mut p = AffinityScore::new(&config);
        let feasible: Vec<u32> = (0..f.cluster.nodes.len() as u32).collect();
        let mut out = vec![0; feasible.len()];
        let active = p.pre_score(&cx, &feasible);
        if active {
            p.score(&cx, &feasible, &mut out);
            p.normalize(&mut out);
        }
        (!active, out)
    }

    /// `scoring_test.go` `TestPreferredAffinity` (v1.35, `hardPodAffinityWeight` 1), every
    /// case but the namespaceSelector, invalid-label and
    /// `ignorePreferredTermsOfExistingPods: true` ones, in table order.
    #[test]
    fn upstream_preferred_affinity_table() {
        type Setup = fn(&mut Fixture) -> PodId;
        let cases: Vec<(&str, Setup, bool, Vec<i64>)> = vec![
            (
                "all nodes are same priority as Affinity is nil",
                |f| {
                    nodes(f, &[CHINA, INDIA, AZ1]);
                    incoming(f, template("default", S1))
                },
                true,
                vec![0, 0, 0],
            ),
            (
                "Affinity: pod that matches topology key & pods in nodes will get high score comparing to others which doesn't match either pods in nodes or in topology key",
                |f| {
                    nodes(f, &[CHINA, INDIA, AZ1]);
                    put(f, template("default", S1), "node1");
                    put(f, template("default", S2), "node2");
                    put(f, template("default", S1), "node3");
                    incoming(f, stay_with_s1_in_region(S1))
                },
                false,
                vec![100, 0, 0],
            ),
            (
                "All the nodes that have the same topology key & label value with one of them has an existing pod that match the affinity rules, have the same score",
                |f| {
                    nodes(f, &[CHINA, CHINA_AZ1, INDIA]);
                    put(f, template("default", S1), "node1");
                    incoming(f, stay_with_s1_in_region(&[]))
                },
                false,
                vec![100, 100, 0],
            ),
            (
                "Affinity: nodes in one region has more matching pods comparing to other region, so the region which has more matches will get high score",
                |f| {
                    nodes(f, &[CHINA, INDIA, CHINA, CHINA, INDIA]);
                    for n in ["node1", "node1", "node2", "node3", "node4", "node5"] {
                        put(f, template("default", S2), n);
                    }
                    incoming(f, stay_with_s2_in_region(S1))
                },
                false,
                vec![100, 0, 100, 100, 0],
            ),
            (
                "Affinity: different Label operators and values for pod affinity scheduling preference, including some match failures",
                |f| {
                    nodes(f, &[CHINA, INDIA, AZ1]);
                    put(f, template("default", S1), "node1");
                    put(f, template("default", S2), "node2");
                    put(f, template("default", S1), "node3");
                    let t = preferring(
                        S1,
                        vec![
                            (
                                8,
                                selector(vec![
                                    req("security", not_in(&["S1"])),
                                    req("security", is_in(&["S2"])),
                                ]),
                                "region",
                            ),
                            (
                                2,
                                selector(vec![
                                    req("security", Operator::Exists),
                                    req("wrongkey", Operator::DoesNotExist),
                                ]),
                                "region",
                            ),
                        ],
                        vec![],
                    );
                    incoming(f, t)
                },
                false,
                vec![20, 100, 0],
            ),
            (
                "Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
                |f| {
                    nodes(f, &[CHINA, INDIA, AZ1]);
                    put(f, stay_with_s1_in_region(S1), "node1");
                    put(f, stay_with_s2_in_region(S2), "node2");
                    incoming(f, template("default", S2))
                },
                false,
                vec![0, 100, 0],
            ),
            (
                "Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
                |f| {
                    nodes(f, &[CHINA, INDIA, AZ1]);
                    put(f, hard_affinity(S1), "node1");
                    put(f, hard_affinity(S2), "node2");
                    incoming(f, template("default", S1))
                },
                false,
                vec![100, 100, 0],
            ),
            (
                "Anti Affinity: pod that does not match existing pods in node will get high score",
                |f| {
                    nodes(f, &[AZ1, CHINA]);
                    put(f, template("default", S1), "node1");
                    put(f, template("default", S2), "node2");
                    incoming(f, away_from_s1_in_az(S1))
                },
                false,
                vec![0, 100],
            ),
            (
                "Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score comparing to others",
                |f| {
                    nodes(f, &[AZ1, CHINA]);
                    put(f, template("default", S1), "node1");
                    put(f, template("default", S1), "node2");
                    incoming(f, away_from_s1_in_az(S1))
                },
                false,
                vec![0, 100],
            ),
            (
                "Anti Affinity: one node has more matching pods comparing to other node, so the node which has more unmatches will get high score",
                |f| {
                    nodes(f, &[AZ1, INDIA]);
                    put(f, template("default", S1), "node1");
                    put(f, template("default", S1), "node1");
                    put(f, template("default", S2), "node2");
                    incoming(f, away_from_s1_in_az(S1))
                },
                false,
                vec![0, 100],
            ),
            (
                "Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score",
                |f| {
                    nodes(f, &[AZ1, AZ2]);
                    put(f, away_from_s2_in_az(S1), "node1");
                    put(f, away_from_s1_in_az(S2), "node2");
                    incoming(f, template("default", S2))
                },
                false,
                vec![0, 100],
            ),
            (
                "Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity",
                |f| {
                    nodes(f, &[CHINA, AZ1]);
                    put(f, template("default", S1), "node1");
                    put(f, template("default", S1), "node2");
                    incoming(f, stay_with_s1_away_from_s2(S1))
                },
                false,
                vec![100, 0],
            ),
            (
                "Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to schedule and existing pods have the same labels",
                |f| {
                    nodes(f, &[CHINA_AZ1, INDIA, CHINA, CHINA, INDIA]);
                    for n in [
                        "node1", "node1", "node2", "node3", "node3", "node4", "node5",
                    ] {
                        put(f, template("default", S1), n);
                    }
                    incoming(f, stay_with_s1_away_from_s2(S1))
                },
                false,
                vec![100, 0, 100, 100, 0],
            ),
            (
                "Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity & symmetry",
                |f| {
                    nodes(f, &[CHINA, AZ1, INDIA, AZ2]);
                    put(f, template("default", S1), "node1");
                    put(f, template("default", S2), "node2");
                    put(f, stay_with_s1_away_from_s2(&[]), "node3");
                    put(f, away_from_s1_in_az(&[]), "node4");
                    incoming(f, stay_with_s1_away_from_s2(S1))
                },
                false,
                vec![100, 0, 100, 0],
            ),
            (
                "Avoid panic when partial nodes in a topology don't have pods with affinity",
                |f| {
                    nodes(f, &[CHINA, CHINA]);
                    put(f, template("default", S1), "node1");
                    put(f, stay_with_s1_away_from_s2(&[]), "node2");
                    incoming(f, template("default", S1))
                },
                false,
                vec![0, 0],
            ),
            (
                "Do not ignore preferred terms of existing pods",
                |f| {
                    nodes(f, &[CHINA, INDIA]);
                    put(f, stay_with_s1_away_from_s2(S1), "node1");
                    put(f, stay_with_s2_in_region(S2), "node2");
                    incoming(f, template("default", S2))
                },
                false,
                vec![0, 100],
            ),
            (
                "No nodes to score",
                |f| incoming(f, template("default", S2)),
                true,
                vec![],
            ),
        ];
        for (name, setup, skip, want) in cases {
            let mut f = Fixture::new();
            let pod = setup(&mut f);
            assert_eq!(scores(&f, pod, 1), (skip, want), "{name}");
        }
    }

    /// `TestPreferredAffinityWithHardPodAffinitySymmetricWeight` (v1.35), every case but
    /// the namespaceSelector one. Existing pods in `default` require affinity to
    /// `service In (S1)` in namespaces `default` and `subteam2.team2` on region.
    #[test]
    fn upstream_hard_pod_affinity_weight_table() {
        let existing = || {
            let mut t = term(sel_in("service", &["S1"]), "region");
            t.namespaces = vec!["default".into(), "subteam2.team2".into()];
            with_terms("default", &[], vec![t], vec![])
        };
        for (name, ns, weight, want) in [
            (
                "with default weight",
                "default",
                1,
                (false, vec![100, 100, 0]),
            ),
            ("with zero weight", "default", 0, (true, vec![0, 0, 0])),
            (
                "with no matching namespace",
                "subteam1.team2",
                1,
                (true, vec![0, 0, 0]),
            ),
            (
                "with matching Namespaces",
                "subteam2.team2",
                1,
                (false, vec![100, 100, 0]),
            ),
        ] {
            let mut f = Fixture::new();
            nodes(&mut f, &[CHINA, INDIA, AZ1]);
            put(&mut f, existing(), "node1");
            put(&mut f, existing(), "node2");
            let pod = incoming(&mut f, template(ns, &[("service", "S1")]));
            assert_eq!(scores(&f, pod, weight), want, "{name}");
        }
    }

    /// Hand-derived from upstream's `NormalizeScore`: min-max over all nodes with
    /// negative raw scores, `int64(100 · (s − min) / (max − min))`. Raw −10, 5, 0 give
    /// 0, 100 and 100·10/15 = 66.67, truncated to 66; equal scores all give 0.
    #[test]
    fn min_max_normalization() {
        let p = AffinityScore::new(&FrameworkConfig::default());
        let mut s = [-10, 5, 0];
        p.normalize(&mut s);
        assert_eq!(s, [0, 100, 66]);
        let mut same = [-3, -3];
        p.normalize(&mut same);
        assert_eq!(same, [0, 0]);
    }

    /// Hand-derived: raw scores add up over keys and terms. The pod prefers pods labelled
    /// `app` in its zone (weight 4) and avoids them on its host (weight 10); node1 (zone
    /// a) holds 2 such pods, node2 (zone a) none, node3 (zone b) 1. Raw: node1 4·2 − 10·2 =
    /// −12, node2 4·2 = 8, node3 4·1 − 10·1 = −6; normalized 0, 100, 100·6/20 = 30.
    #[test]
    fn terms_add_up_over_keys() {
        let mut f = Fixture::new();
        for (n, z) in [("node1", "a"), ("node2", "a"), ("node3", "b")] {
            f.node(n, &[("zone", z), ("host", n)]);
        }
        for n in ["node1", "node1", "node3"] {
            put(&mut f, template("default", &[("app", "x")]), n);
        }
        let pod = incoming(
            &mut f,
            preferring(
                &[],
                vec![(4, exists("app"), "zone")],
                vec![(10, exists("app"), "host")],
            ),
        );
        assert_eq!(scores(&f, pod, 1), (false, vec![0, 100, 30]));
    }
}
