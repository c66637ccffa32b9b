//! Incremental topology counts for PodTopologySpread and InterPodAffinity (DESIGN §9):
//! how many bound pods of each kind sit on each node and in each topology domain, kept up
//! to date as pods bind and leave, never recounted per scheduling cycle.
//!
//! - **Keys.** Every label key on some node, plus every topology key a template names, gets
//!   an id. Tracking every node label key (not only the keys templates name) lets a
//!   `defaultConstraints` list of the scheduler configuration name any key without the
//!   index knowing the configuration; it costs one increment per key per bind. Key
//!   [`UNKNOWN_KEY`] stands for a key no node has.
//! - **Domains.** Per key, each label value is a domain id; [`ABSENT`] means the node lacks
//!   the label. Pods on nodes lacking a key are not counted under it (upstream skips them).
//! - **Predicates.** A predicate is a set of pods, decided per template (all pods of a
//!   template share labels and namespace): the pods of one template, or the pods matching
//!   every one of some `(namespaces, selector)` clauses. Each template's spread constraints
//!   and pod (anti-)affinity terms become predicates (deduplicated); a template's own
//!   predicate both carries its terms (for the symmetry checks) and, for Deployment pods, is
//!   the default spreading selector: upstream builds that from the owning ReplicaSet, whose
//!   selector includes the `pod-template-hash` label, i.e. the pods of the same template.
//! - **Counts.** Per predicate: matching pods per node, per domain of every key, and per key
//!   over all present domains. A bind or a pod leaving its node updates only the
//!   predicates its template matches.
//!
//! Nodes and templates are registered when the cluster next changes (a node added, a pod
//! created or bound), so a template is registered before its first pod exists and
//! templates added later (rollouts) extend the index. Node labels and template contents
//! never change once added.

use super::ids::NodeId;
use super::node::NodeTable;
use super::pod::{Pod, PodTemplate};
use super::selectors::{LabelSelector, PodAffinityTerm};
use std::collections::BTreeMap;

/// Domain id of a node that lacks the key.
pub const ABSENT: u32 = 0;

/// Key id of a topology key no node has: every node lacks it.
pub const UNKNOWN_KEY: u32 = 0;

/// One `(namespaces, selector)` condition on a pod.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Clause {
    /// Namespaces the pod must be in.
    namespaces: Vec<String>,
    /// Labels it must have.
    selector: LabelSelector,
}

impl Clause {
    /// The clause of a term whose namespaces default to its owner's.
    fn of_term(term: &PodAffinityTerm, owner_namespace: &str) -> Clause {
        let namespaces = if term.namespaces.is_empty() {
            vec![owner_namespace.to_string()]
        } else {
            term.namespaces.clone()
        };
        Clause {
            namespaces,
            selector: term.selector.clone(),
        }
    }

    /// Upstream's `PodMatchesTermsNamespaceAndSelector`.
    fn matches(&self, t: &PodTemplate) -> bool {
        self.namespaces.contains(&t.namespace) && self.selector.matches(&t.labels)
    }
}

/// A set of pods, decided per template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pred {
    /// The pods of one template.
    Template(u32),
    /// The pods matching every clause.
    All(Vec<Clause>),
}

impl Pred {
    /// Whether the pods of template `index` belong to the set.
    fn matches(&self, index: usize, t: &PodTemplate) -> bool {
        match self {
            Pred::Template(own) => *own as usize == index,
            Pred::All(clauses) => clauses.iter().all(|c| c.matches(t)),
        }
    }
}

/// Counts of the bound pods of one predicate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Counts {
    /// Per node.
    per_node: Vec<u32>,
    /// Per key, per domain (the [`ABSENT`] slot stays 0).
    per_domain: Vec<Vec<u32>>,
    /// Per key, over all present domains.
    totals: Vec<u32>,
}

/// A term counted per domain of a key: its predicate and the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TermRef {
    /// Predicate id.
    pub pred: u32,
    /// Key id.
    pub key: u32,
}

/// What an existing pod's term does to a pod it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExistingKind {
    /// Required pod affinity: scored with `hardPodAffinityWeight`.
    RequiredAffinity,
    /// Required pod anti-affinity: the symmetry filter.
    RequiredAnti,
    /// Preferred affinity (positive weight) or anti-affinity (negative weight).
    Preferred(i64),
}

/// A term of some template's pods that matches the pods of another (or the same) template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExistingTerm {
    /// The carriers' own predicate (the pods of the template that has the term) and the
    /// term's key.
    pub term: TermRef,
    /// What it does.
    pub kind: ExistingKind,
}

/// One template's terms, resolved to predicates and keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateTerms {
    /// The predicate of the template's own pods.
    pub own: u32,
    /// Predicates its pods belong to, sorted.
    pub matches: Vec<u32>,
    /// `topologySpreadConstraints`, in order.
    pub spread: Vec<TermRef>,
    /// Required pod affinity: the pods matching all its terms, counted per domain of each
    /// term's key (`affinity_keys`, in term order).
    pub affinity: Option<u32>,
    /// Keys of the required affinity terms.
    pub affinity_keys: Vec<u32>,
    /// Required anti-affinity terms.
    pub anti: Vec<TermRef>,
    /// Preferred affinity terms with their weights.
    pub preferred: Vec<(TermRef, i64)>,
    /// Preferred anti-affinity terms with their weights.
    pub preferred_anti: Vec<(TermRef, i64)>,
    /// Terms of registered templates (this one included) that match this template's pods.
    pub matched_by: Vec<ExistingTerm>,
}

impl TemplateTerms {
    /// Whether the template's pods belong to predicate `pred`.
    pub fn belongs_to(&self, pred: u32) -> bool {
        self.matches.binary_search(&pred).is_ok()
    }
}

/// The index.
#[derive(Clone, Debug)]
pub struct Topology {
    /// Key names by id.
    keys: Vec<String>,
    key_ids: BTreeMap<String, u32>,
    /// Per key: label value → domain id.
    domain_ids: Vec<BTreeMap<String, u32>>,
    /// Per key: domain names by id (the [`ABSENT`] slot is empty).
    domain_names: Vec<Vec<String>>,
    /// Per key, per node: domain id.
    node_domain: Vec<Vec<u32>>,
    /// Per key: how many nodes lack it.
    lacking: Vec<u32>,
    preds: Vec<Pred>,
    counts: Vec<Counts>,
    /// Registered templates, by template index.
    templates: Vec<TemplateTerms>,
    /// Nodes registered.
    nodes: usize,
    /// Bumped whenever keys, domains, nodes, predicates or templates are added: caches
    /// derived from the layout (not from counts) stay valid while it is unchanged.
    layout: u64,
}

impl Default for Topology {
    fn default() -> Self {
        Topology {
            keys: vec![String::new()],
            key_ids: BTreeMap::new(),
            domain_ids: vec![BTreeMap::new()],
            domain_names: vec![vec![String::new()]],
            node_domain: vec![Vec::new()],
            lacking: vec![0],
            preds: Vec::new(),
            counts: Vec::new(),
            templates: Vec::new(),
            nodes: 0,
            layout: 0,
        }
    }
}

/// Every term a template's pods carry that can concern other pods, with what it does.
fn carried_terms(t: &PodTemplate) -> impl Iterator<Item = (&PodAffinityTerm, ExistingKind)> {
    let a = &t.affinity;
    a.pod
        .required
        .iter()
        .map(|term| (term, ExistingKind::RequiredAffinity))
        .chain(
            a.anti
                .required
                .iter()
                .map(|term| (term, ExistingKind::RequiredAnti)),
        )
        .chain(
            a.pod
                .preferred
                .iter()
                .map(|w| (&w.term, ExistingKind::Preferred(w.weight))),
        )
        .chain(
            a.anti
                .preferred
                .iter()
                .map(|w| (&w.term, ExistingKind::Preferred(-w.weight))),
        )
}

impl Topology {
    /// The id of key `name`, or [`UNKNOWN_KEY`] when no node has it and no template names it.
    pub fn key(&self, name: &str) -> u32 {
        self.key_ids.get(name).copied().unwrap_or(UNKNOWN_KEY)
    }

    /// The domain id of value `value` of key `key`, if some node has it.
    pub fn domain(&self, key: u32, value: &str) -> Option<u32> {
        self.domain_ids.get(key as usize)?.get(value).copied()
    }

    /// Number of domain ids of `key`, [`ABSENT`] included.
    pub fn domain_count(&self, key: u32) -> usize {
        self.domain_names[key as usize].len()
    }

    /// Each node's domain of `key`.
    pub fn node_domains(&self, key: u32) -> &[u32] {
        &self.node_domain[key as usize]
    }

    /// How many nodes lack `key`.
    pub fn nodes_lacking(&self, key: u32) -> u32 {
        self.lacking[key as usize]
    }

    /// Bound pods of predicate `pred` per node.
    pub fn node_counts(&self, pred: u32) -> &[u32] {
        &self.counts[pred as usize].per_node
    }

    /// Bound pods of predicate `pred` per domain of `key`.
    pub fn domain_counts(&self, pred: u32, key: u32) -> &[u32] {
        &self.counts[pred as usize].per_domain[key as usize]
    }

    /// Bound pods of predicate `pred` on nodes that have `key`.
    pub fn total(&self, pred: u32, key: u32) -> u32 {
        self.counts[pred as usize].totals[key as usize]
    }

    /// The terms of template `index`, once registered.
    pub fn template(&self, index: u32) -> Option<&TemplateTerms> {
        self.templates.get(index as usize)
    }

    /// Changes when keys, domains, nodes, predicates or templates are added.
    pub fn layout(&self) -> u64 {
        self.layout
    }

    /// Registers the nodes and templates added since the last call.
    pub fn sync(&mut self, templates: &[PodTemplate], nodes: &NodeTable, pods: &[Pod]) {
        while self.nodes < nodes.len() {
            self.add_node(&nodes.labels[self.nodes]);
        }
        while self.templates.len() < templates.len() {
            self.add_template(templates, pods);
        }
    }

    /// A pod of template `template` started (`delta` 1) or stopped (−1) holding `node`.
    pub fn pod_moved(&mut self, template: u32, node: NodeId, delta: i32) {
        let Some(terms) = self.templates.get(template as usize) else {
            return;
        };
        let n = node.index();
        for &p in &terms.matches {
            let c = &mut self.counts[p as usize];
            c.per_node[n] = c.per_node[n].wrapping_add_signed(delta);
            for (k, nd) in self.node_domain.iter().enumerate().skip(1) {
                let d = nd[n] as usize;
                if d != ABSENT as usize {
                    c.per_domain[k][d] = c.per_domain[k][d].wrapping_add_signed(delta);
                    c.totals[k] = c.totals[k].wrapping_add_signed(delta);
                }
            }
        }
    }

    /// The id of key `name`, registering it (no node has it yet).
    fn intern_key(&mut self, name: &str) -> u32 {
        if let Some(&k) = self.key_ids.get(name) {
            return k;
        }
        let k = self.keys.len() as u32;
        self.keys.push(name.to_string());
        self.key_ids.insert(name.to_string(), k);
        self.domain_ids.push(BTreeMap::new());
        self.domain_names.push(vec![String::new()]);
        self.node_domain.push(vec![ABSENT; self.nodes]);
        self.lacking.push(self.nodes as u32);
        for c in &mut self.counts {
            c.per_domain.push(vec![0]);
            c.totals.push(0);
        }
        self.layout += 1;
        k
    }

    fn add_node(&mut self, labels: &[(String, String)]) {
        let mut domains = Vec::with_capacity(labels.len());
        for (key, value) in labels {
            let k = self.intern_key(key) as usize;
            let d = match self.domain_ids[k].get(value) {
                Some(&d) => d,
                None => {
                    let d = self.domain_names[k].len() as u32;
                    self.domain_names[k].push(value.clone());
                    self.domain_ids[k].insert(value.clone(), d);
                    for c in &mut self.counts {
                        c.per_domain[k].push(0);
                    }
                    d
                }
            };
            domains.push((k, d));
        }
        for nd in &mut self.node_domain {
            nd.push(ABSENT);
        }
        for l in &mut self.lacking {
            *l += 1;
        }
        for (k, d) in domains {
            self.node_domain[k][self.nodes] = d;
            self.lacking[k] -= 1;
        }
        for c in &mut self.counts {
            c.per_node.push(0);
        }
        self.nodes += 1;
        self.layout += 1;
    }

    /// Registers the next template: its predicates, the predicates it belongs to and the
    /// terms that match it in both directions.
    fn add_template(&mut self, templates: &[PodTemplate], pods: &[Pod]) {
        let index = self.templates.len();
        let t = &templates[index];
        // Keys first, so that the predicates counted below have counts for them.
        for c in &t.spread {
            self.intern_key(&c.topology_key);
        }
        for (term, _) in carried_terms(t) {
            self.intern_key(&term.topology_key);
        }
        let joined: Vec<u32> = (0..self.preds.len() as u32)
            .filter(|&p| self.preds[p as usize].matches(index, t))
            .collect();
        self.templates.push(TemplateTerms {
            matches: joined.clone(),
            ..TemplateTerms::default()
        });
        // Upstream never counts a template before its first pod, but a template registered
        // late (its pods bound by hand) must not leave those pods out.
        if pods
            .iter()
            .any(|p| p.template as usize == index && p.phase.on_node())
        {
            for p in joined {
                self.recount(p, templates, pods);
            }
        }
        let own = self.add_pred(Pred::Template(index as u32), templates, pods);
        let ns = t.namespace.as_str();
        let mut terms = TemplateTerms {
            own,
            ..TemplateTerms::default()
        };
        for c in &t.spread {
            let clause = Clause {
                namespaces: vec![ns.to_string()],
                selector: c.selector.clone(),
            };
            let pred = self.add_pred(Pred::All(vec![clause]), templates, pods);
            terms.spread.push(TermRef {
                pred,
                key: self.key(&c.topology_key),
            });
        }
        let required = &t.affinity.pod.required;
        if !required.is_empty() {
            let clauses = required.iter().map(|r| Clause::of_term(r, ns)).collect();
            terms.affinity = Some(self.add_pred(Pred::All(clauses), templates, pods));
            terms.affinity_keys = required.iter().map(|r| self.key(&r.topology_key)).collect();
        }
        let term_ref = |topo: &mut Topology, term: &PodAffinityTerm| TermRef {
            pred: topo.add_pred(Pred::All(vec![Clause::of_term(term, ns)]), templates, pods),
            key: topo.key(&term.topology_key),
        };
        for r in &t.affinity.anti.required {
            let tr = term_ref(self, r);
            terms.anti.push(tr);
        }
        for w in &t.affinity.pod.preferred {
            let tr = term_ref(self, &w.term);
            terms.preferred.push((tr, w.weight));
        }
        for w in &t.affinity.anti.preferred {
            let tr = term_ref(self, &w.term);
            terms.preferred_anti.push((tr, w.weight));
        }
        // `add_pred` kept this template's `matches` up to date meanwhile.
        terms.matches = std::mem::take(&mut self.templates[index].matches);
        self.templates[index] = terms;
        for other in 0..=index {
            let into_new = self.matching_terms(other, index, templates);
            self.templates[index].matched_by.extend(into_new);
            if other != index {
                let into_other = self.matching_terms(index, other, templates);
                self.templates[other].matched_by.extend(into_other);
            }
        }
        self.layout += 1;
    }

    /// The terms carried by template `carrier`'s pods that match template `target`'s pods.
    fn matching_terms(
        &self,
        carrier: usize,
        target: usize,
        templates: &[PodTemplate],
    ) -> Vec<ExistingTerm> {
        let (c, t) = (&templates[carrier], &templates[target]);
        let own = self.templates[carrier].own;
        carried_terms(c)
            .filter(|(term, _)| Clause::of_term(term, &c.namespace).matches(t))
            .map(|(term, kind)| ExistingTerm {
                term: TermRef {
                    pred: own,
                    key: self.key(&term.topology_key),
                },
                kind,
            })
            .collect()
    }

    /// The id of `pred`, adding it (with the templates it matches and its counts) if new.
    fn add_pred(&mut self, pred: Pred, templates: &[PodTemplate], pods: &[Pod]) -> u32 {
        if let Some(p) = self.preds.iter().position(|q| *q == pred) {
            return p as u32;
        }
        let id = self.preds.len() as u32;
        for (i, info) in self.templates.iter_mut().enumerate() {
            if pred.matches(i, &templates[i]) {
                info.matches.push(id);
            }
        }
        self.preds.push(pred);
        self.counts.push(Counts::default());
        self.recount(id, templates, pods);
        self.layout += 1;
        id
    }

    /// Recounts predicate `p` from the pods on nodes.
    fn recount(&mut self, p: u32, templates: &[PodTemplate], pods: &[Pod]) {
        let pred = &self.preds[p as usize];
        let counts = self.tally(|t| pred.matches(t, &templates[t]), pods);
        self.counts[p as usize] = counts;
    }

    /// Counts of the pods on nodes whose template satisfies `member` (terminating pods
    /// no longer count, as PodTopologySpread skips pods being deleted).
    fn tally(&self, member: impl Fn(usize) -> bool, pods: &[Pod]) -> Counts {
        let mut per_node = vec![0u32; self.nodes];
        for pod in pods {
            if let (true, Some(n)) = (pod.phase.on_node() && !pod.terminating, pod.node)
                && n.index() < self.nodes
                && member(pod.template as usize)
            {
                per_node[n.index()] += 1;
            }
        }
        let mut per_domain: Vec<Vec<u32>> =
            self.domain_names.iter().map(|d| vec![0; d.len()]).collect();
        let mut totals = vec![0u32; self.keys.len()];
        for (k, nd) in self.node_domain.iter().enumerate() {
            for (&d, &c) in nd.iter().zip(&per_node) {
                if d != ABSENT {
                    per_domain[k][d as usize] += c;
                    totals[k] += c;
                }
            }
        }
        Counts {
            per_node,
            per_domain,
            totals,
        }
    }

    /// Recounts everything from the node labels, the templates and the pods, and compares
    /// with what was kept incrementally.
    pub fn check(
        &self,
        templates: &[PodTemplate],
        nodes: &NodeTable,
        pods: &[Pod],
    ) -> Result<(), String> {
        if self.nodes != nodes.len() {
            return Err(format!(
                "topology index covers {} of {} nodes",
                self.nodes,
                nodes.len()
            ));
        }
        for (k, nd) in self.node_domain.iter().enumerate() {
            let lacking = nd.iter().filter(|&&d| d == ABSENT).count();
            if lacking != self.lacking[k] as usize {
                return Err(format!(
                    "topology index: {} nodes lack {}, counted {}",
                    lacking, self.keys[k], self.lacking[k]
                ));
            }
        }
        for (i, labels) in nodes.labels.iter().enumerate() {
            for (k, nd) in self.node_domain.iter().enumerate().skip(1) {
                let want = super::selectors::label(labels, &self.keys[k])
                    .and_then(|v| self.domain(k as u32, v));
                if nd[i] != want.unwrap_or(ABSENT) {
                    return Err(format!(
                        "topology index: node {} has the wrong domain of {}",
                        nodes.name[i], self.keys[k]
                    ));
                }
            }
        }
        for pod in pods {
            if pod.phase.on_node() && pod.template as usize >= self.templates.len() {
                return Err(format!(
                    "topology index: template {} of a bound pod is not registered",
                    pod.template
                ));
            }
        }
        for (i, info) in self.templates.iter().enumerate() {
            let joined: Vec<u32> = (0..self.preds.len() as u32)
                .filter(|&p| self.preds[p as usize].matches(i, &templates[i]))
                .collect();
            let mut matched_by: Vec<ExistingTerm> = Vec::new();
            for carrier in 0..self.templates.len() {
                matched_by.extend(self.matching_terms(carrier, i, templates));
            }
            let mut kept = info.matched_by.clone();
            kept.sort();
            matched_by.sort();
            if joined != info.matches || kept != matched_by {
                return Err(format!(
                    "topology index: template {i} belongs to predicates {:?} (kept {:?}) or is matched by other terms",
                    joined, info.matches
                ));
            }
        }
        for (p, pred) in self.preds.iter().enumerate() {
            let recount = self.tally(|t| pred.matches(t, &templates[t]), pods);
            if recount != self.counts[p] {
                return Err(format!(
                    "topology index: counts of predicate {p} ({pred:?}) differ from a recount"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::fixture::*;
    use crate::cluster::pod::{PodPhase, PodReason};
    use crate::cluster::selectors::WhenUnsatisfiable;

    const ZONE: &str = "topology.kubernetes.io/zone";

    fn three_nodes() -> Fixture {
        let mut f = Fixture::new();
        for (name, zone) in [("n0", "a"), ("n1", "a"), ("n2", "b")] {
            f.node(name, &[("kubernetes.io/hostname", name), (ZONE, zone)]);
        }
        f
    }

    /// Counts follow binds and pod ends; a template added after pods are bound is counted
    /// by the predicates it adds; every step passes the recount.
    #[test]
    fn counts_follow_binds_and_late_templates() {
        let mut f = three_nodes();
        let web = f.template(template("default", &[("app", "web")]));
        let p0 = f.bound(web, "n0");
        f.bound(web, "n2");
        assert_eq!(f.cluster.check_invariants(), Ok(()));
        // A second template spreading over `app` counts the bound pods of the first.
        let mut t = template("default", &[("app", "web")]);
        t.spread.push(spread(
            1,
            ZONE,
            WhenUnsatisfiable::DoNotSchedule,
            exists("app"),
        ));
        let spreader = f.template(t);
        let p2 = f.pending(spreader);
        let topo = &f.cluster.topology;
        let zone = topo.key(ZONE);
        let spread = topo.template(spreader).map(|t| t.spread[0]);
        assert_eq!(spread.map(|s| s.key), Some(zone));
        let pred = spread.map_or(0, |s| s.pred);
        let (a, b) = (topo.domain(zone, "a"), topo.domain(zone, "b"));
        let (a, b) = (a.unwrap_or(0) as usize, b.unwrap_or(0) as usize);
        assert_eq!(topo.domain_counts(pred, zone)[a], 1);
        assert_eq!(topo.domain_counts(pred, zone)[b], 1);
        let n1 = f.node_id("n1");
        f.cluster.bind(p2, n1, 0);
        let topo = &f.cluster.topology;
        assert_eq!(topo.domain_counts(pred, zone)[a], 2);
        assert_eq!(topo.total(pred, zone), 3);
        f.cluster
            .finish(p0, PodPhase::Succeeded, PodReason::Completed, 0);
        assert_eq!(f.cluster.topology.total(pred, zone), 2);
        assert_eq!(f.cluster.check_invariants(), Ok(()));
    }

    /// A corrupted count, domain or membership is caught by the recount.
    #[test]
    fn recount_catches_corruption() {
        let mut f = three_nodes();
        let web = f.template(template("default", &[("app", "web")]));
        f.bound(web, "n1");
        assert_eq!(f.cluster.check_invariants(), Ok(()));
        type Corruption = (&'static str, fn(&mut Topology));
        let corruptions: Vec<Corruption> = vec![
            ("node count", |t| t.counts[0].per_node[0] += 1),
            ("domain count", |t| t.counts[0].per_domain[1][1] += 1),
            ("total", |t| t.counts[0].totals[2] += 1),
            ("node domain", |t| t.node_domain[2][0] = 2),
            ("nodes lacking a key", |t| t.lacking[1] += 1),
            ("membership", |t| t.templates[0].matches.clear()),
            ("matching terms", |t| {
                t.templates[0].matched_by.push(ExistingTerm {
                    term: TermRef { pred: 0, key: 1 },
                    kind: ExistingKind::RequiredAnti,
                })
            }),
        ];
        for (what, corrupt) in corruptions {
            let mut broken = f.cluster.clone();
            corrupt(&mut broken.topology);
            assert!(broken.check_invariants().is_err(), "{what} was not caught");
        }
    }
}
