//! PodTopologySpread (reference §3.3): `DoNotSchedule` constraints filter nodes whose
//! domain would exceed `maxSkew`; `ScheduleAnyway` constraints, or the default constraints
//! when the pod has none, score nodes whose domains hold fewer matching pods higher.
//!
//! Counts come from the cluster's topology index ([`crate::cluster::topology`]), kept up to
//! date as pods bind and leave. What depends only on the template and the node layout
//! (which nodes count towards a constraint under its inclusion policies) is resolved once
//! per template; each cycle then turns the index's per-domain counts into a per-domain
//! table, and the per-node loop is array lookups.
//!
//! Default constraints apply to Deployment pods only: upstream derives their selector from
//! the Services, ReplicaSets, StatefulSets and ReplicationControllers selecting the pod, and
//! kubesim has only the ReplicaSet (a Job's pods get no default spreading upstream either,
//! unless a Service selects them). Pods being deleted still count (upstream skips pods with
//! a deletion timestamp): the index does not see a pod start terminating. Nodes that are
//! not Ready keep their domains, as they stay in upstream's snapshot.

use crate::cluster::OwnerKind;
use crate::cluster::exact_div::ExactDivisor;
use crate::cluster::selectors::{
    InclusionPolicy, LabelSelector, SpreadConstraint, WhenUnsatisfiable,
};
use crate::cluster::topology::{ABSENT, Topology};
use crate::scheduler::config::FrameworkConfig;
use crate::scheduler::framework::{FilterPlugin, MAX_NODE_SCORE, PodCtx, ScorePlugin};
use crate::scheduler::plugins::{node_affinity, taint_toleration};

/// kube-scheduler's reason when a node's domain would break `maxSkew`.
pub const REASON: &str = "node(s) didn't match pod topology spread constraints";

/// kube-scheduler's reason when a node lacks a constraint's topology key.
pub const REASON_MISSING_LABEL: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

/// The label upstream scores per node rather than per domain.
const HOSTNAME: &str = "kubernetes.io/hostname";

/// Upstream's `systemDefaultConstraints`: hostname with `maxSkew` 3 and zone with 5, both
/// `ScheduleAnyway`; the selector comes from the pod's owner.
pub fn system_default_constraints() -> Vec<SpreadConstraint> {
    [(HOSTNAME, 3), ("topology.kubernetes.io/zone", 5)]
        .into_iter()
        .map(|(key, max_skew)| SpreadConstraint {
            max_skew,
            topology_key: key.to_string(),
            when_unsatisfiable: WhenUnsatisfiable::ScheduleAnyway,
            selector: LabelSelector::default(),
            min_domains: None,
            node_affinity_policy: InclusionPolicy::Honor,
            node_taints_policy: InclusionPolicy::Ignore,
        })
        .collect()
}

/// Go's `math.Round` (half away from zero) as an integer, without the libm call
/// `f64::round` compiles to and without a branch on the fraction (which mispredicts on
/// scores): truncation is exact, and so is the remainder below 2^52 (Sterbenz), beyond
/// which every double is an integer already.
#[inline]
fn round_half_away(x: f64) -> i64 {
    let t = x as i64;
    let rest = x - t as f64;
    t + i64::from(rest >= 0.5) - i64::from(rest <= -0.5)
}

/// One constraint of a template, resolved against the topology index.
#[derive(Clone, Debug)]
struct Resolved {
    /// Key id.
    key: u32,
    /// Whether the key is `kubernetes.io/hostname` (scored per node).
    hostname: bool,
    /// Predicate of the pods it counts.
    pred: u32,
    max_skew: i64,
    min_domains: i64,
    /// Whether the pod itself matches the selector.
    self_match: bool,
    /// Nodes with the key that the index counts but this constraint must not (they fail
    /// the inclusion policies, or lack another constraint's key).
    excluded: Vec<u32>,
    /// Per domain: whether some counted node is in it (the filter's domains).
    counted: Vec<bool>,
    /// How many domains are counted.
    counted_domains: i64,
}

/// A template's constraints for one plugin.
#[derive(Clone, Debug, Default)]
struct Entry {
    /// Upstream's `requireAllTopologies`: nodes lacking any key are ignored.
    require_all: bool,
    constraints: Vec<Resolved>,
}

/// Which constraints a plugin takes and how the defaults apply.
#[derive(Clone, Debug)]
struct Selection {
    /// `DoNotSchedule` (filter) or `ScheduleAnyway` (score).
    action: WhenUnsatisfiable,
    /// The default constraints (system or configured).
    defaults: Vec<SpreadConstraint>,
    /// `defaultingType: System`.
    system: bool,
}

/// Resolved constraints per template, rebuilt when the index's layout or a node's taints
/// change. A plugin instance serves one cluster (as a profile does): the layout counter
/// and the taint epoch are the key.
#[derive(Clone, Debug, Default)]
struct Cache {
    layout: (u64, u64),
    entries: Vec<Option<Entry>>,
}

impl Cache {
    /// The entry of the pod's template.
    fn get(&mut self, cx: &PodCtx, selection: &Selection) -> &Entry {
        let layout = (cx.cluster.topology.layout(), cx.cluster.nodes.taints_epoch);
        if layout != self.layout {
            self.layout = layout;
            self.entries.clear();
        }
        let t = cx.pod.template as usize;
        if self.entries.len() <= t {
            self.entries.resize(t + 1, None);
        }
        self.entries[t].get_or_insert_with(|| resolve(cx, selection))
    }
}

/// Upstream's `getConstraints` / `initPreScoreState` selection, resolved for the pod's
/// template: which nodes count towards each constraint, once for the node layout.
fn resolve(cx: &PodCtx, selection: &Selection) -> Entry {
    let topo: &Topology = &cx.cluster.topology;
    let Some(terms) = topo.template(cx.pod.template) else {
        return Entry::default();
    };
    let t = cx.template;
    let explicit = !t.spread.is_empty();
    // A template's pods share their owner's kind (one workload per template).
    let deployment = matches!(
        cx.cluster.owners.get(cx.pod.owner as usize).map(|o| o.kind),
        Some(OwnerKind::Deployment(_))
    );
    let chosen: Vec<(&SpreadConstraint, u32)> = if explicit {
        t.spread
            .iter()
            .zip(&terms.spread)
            .filter(|(c, _)| c.when_unsatisfiable == selection.action)
            .map(|(c, r)| (c, r.pred))
            .collect()
    } else if deployment {
        selection
            .defaults
            .iter()
            .filter(|c| c.when_unsatisfiable == selection.action)
            .map(|c| (c, terms.own))
            .collect()
    } else {
        Vec::new()
    };
    // The filter always requires every key; the score only for non-system constraints.
    let require_all =
        selection.action == WhenUnsatisfiable::DoNotSchedule || explicit || !selection.system;
    let mut constraints: Vec<Resolved> = chosen
        .iter()
        .map(|&(c, pred)| {
            let key = topo.key(&c.topology_key);
            Resolved {
                key,
                hostname: c.topology_key == HOSTNAME,
                pred,
                max_skew: c.max_skew,
                min_domains: c.min_domains.unwrap_or(1),
                self_match: terms.belongs_to(pred),
                excluded: Vec::new(),
                counted: vec![false; topo.domain_count(key)],
                counted_domains: 0,
            }
        })
        .collect();
    let honor_affinity = chosen
        .iter()
        .any(|(c, _)| c.node_affinity_policy == InclusionPolicy::Honor)
        && (!t.node_selector.is_empty() || t.affinity.node.required.is_some());
    let honor_taints = chosen
        .iter()
        .any(|(c, _)| c.node_taints_policy == InclusionPolicy::Honor);
    let nodes = &cx.cluster.nodes;
    for n in 0..nodes.len() {
        let has_all = constraints
            .iter()
            .all(|r| topo.node_domains(r.key)[n] != ABSENT);
        let affinity_ok = !honor_affinity
            || node_affinity::matches(
                &t.node_selector,
                &t.affinity.node,
                &nodes.name[n],
                &nodes.labels[n],
            );
        let taints_ok =
            !honor_taints || taint_toleration::filter(&t.tolerations, &nodes.taints[n]).is_none();
        for ((c, _), r) in chosen.iter().zip(&mut constraints) {
            let d = topo.node_domains(r.key)[n] as usize;
            if d == ABSENT as usize {
                continue;
            }
            // A deleted node is no domain's member any more.
            let counted = !nodes.removed[n]
                && (has_all || !require_all)
                && (c.node_affinity_policy == InclusionPolicy::Ignore || affinity_ok)
                && (c.node_taints_policy == InclusionPolicy::Ignore || taints_ok);
            if !counted {
                r.excluded.push(n as u32);
            } else if !r.counted[d] {
                r.counted[d] = true;
                r.counted_domains += 1;
            }
        }
    }
    Entry {
        require_all,
        constraints,
    }
}

/// The constraints' defaults for `config`: the system ones or the configured list.
fn defaults(config: &FrameworkConfig) -> Vec<SpreadConstraint> {
    if config.system_default_spread {
        system_default_constraints()
    } else {
        config.default_constraints.clone()
    }
}

/// One filter constraint for the current pod.
#[derive(Clone, Debug, Default)]
struct Hard {
    key: u32,
    /// Per domain: whether a node there passes (false for [`ABSENT`]).
    ok: Vec<bool>,
}

/// The filter.
#[derive(Clone, Debug)]
pub struct SpreadFilter {
    selection: Selection,
    cache: Cache,
    /// The pod's constraints; the first `active` are in use.
    hard: Vec<Hard>,
    active: usize,
    /// Scratch: matching pods per domain.
    counts: Vec<i64>,
}

impl SpreadFilter {
    /// The filter for `config`.
    pub fn new(config: &FrameworkConfig) -> SpreadFilter {
        SpreadFilter {
            selection: Selection {
                action: WhenUnsatisfiable::DoNotSchedule,
                defaults: defaults(config),
                system: config.system_default_spread,
            },
            cache: Cache::default(),
            hard: Vec::new(),
            active: 0,
            counts: Vec::new(),
        }
    }

    /// The pod's constraints in use.
    fn active(&self) -> &[Hard] {
        &self.hard[..self.active]
    }
}

impl FilterPlugin for SpreadFilter {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    /// Upstream's `calPreFilterState`: matching pods per counted domain, the global
    /// minimum (0 when fewer domains than `minDomains`), and from them which domains
    /// pass: `count + selfMatch − min ≤ maxSkew`.
    fn pre_filter(&mut self, cx: &PodCtx) -> bool {
        let entry = self.cache.get(cx, &self.selection);
        let topo = &cx.cluster.topology;
        self.active = entry.constraints.len();
        if self.hard.len() < self.active {
            self.hard.resize(self.active, Hard::default());
        }
        for (r, hard) in entry.constraints.iter().zip(&mut self.hard) {
            let in_domain = topo.domain_counts(r.pred, r.key);
            let on_node = topo.node_counts(r.pred);
            let nd = topo.node_domains(r.key);
            let counts = &mut self.counts;
            counts.clear();
            counts.extend(
                in_domain
                    .iter()
                    .zip(&r.counted)
                    .map(|(&c, &counted)| if counted { i64::from(c) } else { 0 }),
            );
            for &n in &r.excluded {
                let d = nd[n as usize] as usize;
                if r.counted[d] {
                    counts[d] -= i64::from(on_node[n as usize]);
                }
            }
            let min = counts
                .iter()
                .zip(&r.counted)
                .filter(|(_, counted)| **counted)
                .map(|(&c, _)| c)
                .min()
                // Upstream's critical paths start at MaxInt32.
                .unwrap_or(i64::from(i32::MAX));
            let min_match = if r.counted_domains < r.min_domains {
                0
            } else {
                min
            };
            let limit = r.max_skew - i64::from(r.self_match) + min_match;
            hard.key = r.key;
            hard.ok.clear();
            hard.ok.extend(counts.iter().map(|&c| c <= limit));
            hard.ok[ABSENT as usize] = false;
        }
        self.active > 0
    }

    #[inline]
    fn passes(&self, cx: &PodCtx, i: usize) -> bool {
        let topo = &cx.cluster.topology;
        self.active()
            .iter()
            .all(|h| h.ok[topo.node_domains(h.key)[i] as usize])
    }

    fn filter(&self, cx: &PodCtx, nodes: &mut Vec<u32>) {
        let topo = &cx.cluster.topology;
        for h in self.active() {
            let nd = topo.node_domains(h.key);
            nodes.retain(|&i| h.ok[nd[i as usize] as usize]);
        }
    }

    fn reasons(&self, cx: &PodCtx, i: usize, out: &mut Vec<String>) {
        let topo = &cx.cluster.topology;
        for h in self.active() {
            let d = topo.node_domains(h.key)[i];
            if d == ABSENT {
                out.push(REASON_MISSING_LABEL.to_string());
                return;
            }
            if !h.ok[d as usize] {
                out.push(REASON.to_string());
                return;
            }
        }
    }

    /// A node whose domain holds too many matching pods can pass once victims leave (a
    /// node missing the key cannot, but the framework's flag is per plugin).
    fn resolvable(&self) -> bool {
        true
    }
}

/// One score constraint for the current pod.
#[derive(Clone, Debug, Default)]
struct Soft {
    key: u32,
    pred: u32,
    hostname: bool,
    /// `ln(topoSize + 2)`.
    weight: f64,
    /// `maxSkew − 1`.
    tolerance: f64,
    /// Per domain: the cycle that last saw a feasible node there.
    seen: Vec<u64>,
    /// Domains seen this cycle (present ones only).
    present: Vec<u32>,
    /// Per domain: the node's score term (0 for [`ABSENT`] and unseen domains).
    term: Vec<f64>,
}

/// The score.
#[derive(Clone, Debug)]
pub struct SpreadScore {
    selection: Selection,
    cache: Cache,
    soft: Vec<Soft>,
    active: usize,
    /// Counts cycles, to mark domains seen without clearing.
    cycle: u64,
    /// Per feasible node: whether it lacks a required key (scores 0).
    ignored: Vec<bool>,
    /// Per feasible node: the unrounded score.
    sums: Vec<f64>,
}

impl SpreadScore {
    /// The score for `config`.
    pub fn new(config: &FrameworkConfig) -> SpreadScore {
        SpreadScore {
            selection: Selection {
                action: WhenUnsatisfiable::ScheduleAnyway,
                defaults: defaults(config),
                system: config.system_default_spread,
            },
            cache: Cache::default(),
            soft: Vec::new(),
            active: 0,
            cycle: 0,
            ignored: Vec::new(),
            sums: Vec::new(),
        }
    }
}

impl ScorePlugin for SpreadScore {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    /// Upstream's `PreScore`: nodes lacking a key are ignored (when all keys are
    /// required); each constraint's weight is `ln(domains among the feasible nodes + 2)`
    /// (for hostname, the feasible nodes not ignored); per domain, the matching pods on
    /// the nodes the constraint counts.
    fn pre_score(&mut self, cx: &PodCtx, feasible: &[u32]) -> bool {
        if cx.cluster.nodes.is_empty() {
            return false;
        }
        let entry = self.cache.get(cx, &self.selection);
        if entry.constraints.is_empty() {
            return false;
        }
        let topo = &cx.cluster.topology;
        self.cycle += 1;
        let cycle = self.cycle;
        self.active = entry.constraints.len();
        if self.soft.len() < self.active {
            self.soft.resize(self.active, Soft::default());
        }
        self.ignored.clear();
        self.ignored.extend(feasible.iter().map(|&n| {
            entry.require_all
                && entry
                    .constraints
                    .iter()
                    .any(|r| topo.node_domains(r.key)[n as usize] == ABSENT)
        }));
        let scored = self.ignored.iter().filter(|&&i| !i).count();
        for (r, s) in entry.constraints.iter().zip(&mut self.soft) {
            s.key = r.key;
            s.pred = r.pred;
            s.hostname = r.hostname;
            s.tolerance = (r.max_skew - 1) as f64;
            if r.hostname {
                s.weight = ((scored + 2) as f64).ln();
                continue;
            }
            let nd = topo.node_domains(r.key);
            let domains = topo.domain_count(r.key);
            if s.seen.len() < domains {
                s.seen.resize(domains, 0);
                s.term.resize(domains, 0.0);
            }
            s.present.clear();
            let mut size = 0usize;
            // Once every domain is seen, the rest of the nodes cannot add one: zones are
            // all seen within the first few nodes.
            let all_seen =
                domains - 1 + usize::from(!entry.require_all && topo.nodes_lacking(r.key) > 0);
            for (&n, &ignored) in feasible.iter().zip(&self.ignored) {
                let d = nd[n as usize];
                if !ignored && s.seen[d as usize] != cycle {
                    // Upstream counts a missing label as the domain "" when keys are
                    // not all required.
                    s.seen[d as usize] = cycle;
                    size += 1;
                    if d != ABSENT {
                        s.present.push(d);
                    }
                    if size == all_seen {
                        break;
                    }
                }
            }
            s.weight = ((size + 2) as f64).ln();
            // Matching pods per present domain, over the nodes the constraint counts.
            let in_domain = topo.domain_counts(r.pred, r.key);
            for &d in &s.present {
                s.term[d as usize] = f64::from(in_domain[d as usize]);
            }
            let on_node = topo.node_counts(r.pred);
            for &n in &r.excluded {
                let d = nd[n as usize] as usize;
                if s.seen[d] == cycle {
                    s.term[d] -= f64::from(on_node[n as usize]);
                }
            }
            for &d in &s.present {
                let count = s.term[d as usize];
                s.term[d as usize] = count * s.weight + s.tolerance;
            }
            s.term[ABSENT as usize] = 0.0;
        }
        true
    }

    fn score(&mut self, cx: &PodCtx, feasible: &[u32], out: &mut [i64]) {
        let topo = &cx.cluster.topology;
        self.sums.clear();
        self.sums.resize(feasible.len(), 0.0);
        // Constraint by constraint, adding in constraint order per node as upstream does.
        // Ignored nodes are summed too (every lookup stays in range) and zeroed at the
        // end, which keeps the branch out of the loops.
        for s in &self.soft[..self.active] {
            let nd = topo.node_domains(s.key);
            if s.hostname {
                let on_node = topo.node_counts(s.pred);
                for (sum, &n) in self.sums.iter_mut().zip(feasible) {
                    if nd[n as usize] != ABSENT {
                        *sum += f64::from(on_node[n as usize]) * s.weight + s.tolerance;
                    }
                }
            } else {
                for (sum, &n) in self.sums.iter_mut().zip(feasible) {
                    *sum += s.term[nd[n as usize] as usize];
                }
            }
        }
        for ((o, &sum), &ignored) in out.iter_mut().zip(&self.sums).zip(&self.ignored) {
            *o = if ignored { 0 } else { round_half_away(sum) };
        }
    }

    /// Upstream's `NormalizeScore`: ignored nodes 0; otherwise
    /// `100 · (max + min − s) / max` over the other nodes, all 100 when `max` is 0.
    fn normalize(&self, scores: &mut [i64]) {
        let mut min = i64::MAX;
        let mut max = 0;
        for (&s, &ignored) in scores.iter().zip(&self.ignored) {
            if !ignored {
                min = min.min(s);
                max = max.max(s);
            }
        }
        // A multiply and a shift instead of a divide per node, where the numerator is
        // known to be non-negative and small enough (always, short of absurd counts).
        let exact = (min >= 0 && max < 1 << 40).then(|| ExactDivisor::new(max as u64));
        for (s, &ignored) in scores.iter_mut().zip(&self.ignored) {
            *s = if ignored {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                let numerator = MAX_NODE_SCORE * (max + min - *s);
                match exact {
                    Some(d) => d.divide(numerator as u64) as i64,
                    None => numerator / max,
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::fixture::*;
    use crate::cluster::ids::PodId;
    use crate::cluster::pod::PodTemplate;
    use WhenUnsatisfiable::{DoNotSchedule, ScheduleAnyway};

    const HOST: &str = "kubernetes.io/hostname";

    /// `PodTopologySpreadArgs{DefaultingType: List}` without default constraints, as the
    /// upstream filter tests configure the plugin.
    fn list_config() -> FrameworkConfig {
        FrameworkConfig {
            system_default_spread: false,
            ..FrameworkConfig::default()
        }
    }

    /// Each node's verdict, in node order: `ok`, `skew` or `label` (missing label). Checks
    /// that `passes`, the batch filter and the reasons agree.
    fn verdicts(f: &Fixture, pod: PodId, config: &FrameworkConfig) -> Vec<&'static str> {
        let mut p = SpreadFilter::new(config);
        let labels = [(REASON, "skew"), (REASON_MISSING_LABEL, "label")];
        filter_verdicts(f, pod, &mut p, &labels).1
    }

    /// Normalized scores of the nodes named `feasible`, in that order (all 0 on Skip).
    fn scores(f: &Fixture, pod: PodId, config: &FrameworkConfig, feasible: &[&str]) -> Vec<i64> {
        let cx = PodCtx::new(&f.cluster, pod);
        let feasible: Vec<u32> = feasible.iter().map(|n| f.node_id(n).0).collect();
        let mut p = SpreadScore::new(config);
        let mut out = vec![0; feasible.len()];
        if p.pre_score(&cx, &feasible) {
            p.score(&cx, &feasible, &mut out);
            p.normalize(&mut out);
        }
        out
    }

    /// node-a, node-b in zone1 and node-x, node-y in zone2, labelled `zone` and `node`
    /// (and `foo` where `foo_on` says), as the upstream tables build them.
    fn zone_nodes(f: &mut Fixture, extra: &[(&str, &[(&str, &str)])]) {
        for (name, zone) in [
            ("node-a", "zone1"),
            ("node-b", "zone1"),
            ("node-x", "zone2"),
            ("node-y", "zone2"),
        ] {
            let mut l = vec![("zone", zone), ("node", name)];
            for (n, more) in extra {
                if *n == name {
                    l.extend_from_slice(more);
                }
            }
            f.node(name, &l);
        }
    }

    /// Existing pods in namespace `default`: (node, labels).
    fn pods(f: &mut Fixture, specs: &[(&str, &[(&str, &str)])]) {
        for (node, l) in specs {
            f.existing("default", l, node);
        }
    }

    /// The incoming pod in namespace `default` with these labels and constraints.
    fn incoming(f: &mut Fixture, l: &[(&str, &str)], constraints: Vec<SpreadConstraint>) -> PodId {
        let mut t = template("default", l);
        t.spread = constraints;
        let t = f.template(t);
        f.pending(t)
    }

    const FOO: &[(&str, &str)] = &[("foo", "")];
    const BAR: &[(&str, &str)] = &[("bar", "")];
    const FOO_BAR: &[(&str, &str)] = &[("foo", ""), ("bar", "")];

    fn zone(max_skew: i64, sel: LabelSelector) -> SpreadConstraint {
        spread(max_skew, "zone", DoNotSchedule, sel)
    }

    fn node(max_skew: i64, sel: LabelSelector) -> SpreadConstraint {
        spread(max_skew, "node", DoNotSchedule, sel)
    }

    /// `filtering_test.go` `TestSingleConstraint`, every case but "terminating Pods should
    /// be excluded" (kubesim counts terminating pods) in table order. Verdicts per node
    /// in node order; upstream's Unschedulable is `skew`, UnschedulableAndUnresolvable
    /// `label`.
    #[test]
    fn upstream_single_constraint_table() {
        type Setup = fn(&mut Fixture) -> PodId;
        let cases: Vec<(&str, Setup, [&str; 4])> = vec![
            (
                "no existing pods",
                |f| {
                    zone_nodes(f, &[]);
                    incoming(f, FOO, vec![zone(1, exists("foo"))])
                },
                ["ok", "ok", "ok", "ok"],
            ),
            (
                "no existing pods, incoming pod doesn't match itself",
                |f| {
                    zone_nodes(f, &[]);
                    incoming(f, FOO, vec![zone(1, exists("bar"))])
                },
                ["ok", "ok", "ok", "ok"],
            ),
            (
                "existing pods in a different namespace do not count",
                |f| {
                    zone_nodes(f, &[]);
                    f.existing("ns1", FOO, "node-a");
                    f.existing("ns2", FOO, "node-a");
                    pods(f, &[("node-x", FOO), ("node-y", FOO)]);
                    incoming(f, FOO, vec![zone(1, exists("foo"))])
                },
                ["ok", "ok", "skew", "skew"],
            ),
            (
                "existing pods do not match null selector",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-x", FOO), ("node-y", FOO)]);
                    incoming(f, FOO, vec![zone(1, nothing())])
                },
                ["ok", "ok", "ok", "ok"],
            ),
            (
                "pods spread across zones as 3/3, all nodes fit",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-a", FOO), ("node-b", FOO)]);
                    pods(f, &[("node-y", FOO), ("node-y", FOO), ("node-y", FOO)]);
                    incoming(f, FOO, vec![zone(1, exists("foo"))])
                },
                ["ok", "ok", "ok", "ok"],
            ),
            (
                "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
                |f| {
                    f.node("node-a", &[("zone", "zone1"), ("node", "node-a")]);
                    f.node("node-b", &[("zon", "zone1"), ("node", "node-b")]);
                    f.node("node-x", &[("zone", "zone2"), ("node", "node-x")]);
                    f.node("node-y", &[("zone", "zone2"), ("node", "node-y")]);
                    pods(
                        f,
                        &[
                            ("node-a", FOO),
                            ("node-b", FOO),
                            ("node-x", FOO),
                            ("node-y", FOO),
                        ],
                    );
                    incoming(f, FOO, vec![zone(1, exists("foo"))])
                },
                ["ok", "label", "skew", "skew"],
            ),
            (
                "pods spread across nodes as 2/1/0/3, only node-x fits",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-a", FOO), ("node-b", FOO)]);
                    pods(f, &[("node-y", FOO), ("node-y", FOO), ("node-y", FOO)]);
                    incoming(f, FOO, vec![node(1, exists("foo"))])
                },
                ["skew", "skew", "ok", "skew"],
            ),
            (
                "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-a", FOO), ("node-b", FOO)]);
                    pods(f, &[("node-y", FOO), ("node-y", FOO), ("node-y", FOO)]);
                    incoming(f, FOO, vec![node(2, exists("foo"))])
                },
                ["skew", "ok", "ok", "skew"],
            ),
            (
                "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-a", FOO), ("node-b", FOO)]);
                    pods(f, &[("node-y", FOO), ("node-y", FOO), ("node-y", FOO)]);
                    incoming(f, BAR, vec![node(1, exists("foo"))])
                },
                ["skew", "ok", "ok", "skew"],
            ),
            (
                "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-a", FOO), ("node-b", FOO)]);
                    pods(f, &[("node-y", FOO), ("node-y", FOO), ("node-y", FOO)]);
                    let mut t = template("default", FOO);
                    t.spread = vec![node(1, exists("foo"))];
                    t.affinity.node.required = Some(vec![node_term(vec![req(
                        "node",
                        is_in(&["node-a", "node-y"]),
                    )])]);
                    let t = f.template(t);
                    f.pending(t)
                },
                ["ok", "ok", "ok", "skew"],
            ),
            (
                "incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-b", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut t = template("default", FOO);
                    t.spread = vec![zone(1, exists("foo"))];
                    t.affinity.node.required =
                        Some(vec![node_term(vec![req("node", not_in(&["node-b"]))])]);
                    let t = f.template(t);
                    f.pending(t)
                },
                ["ok", "ok", "skew", "skew"],
            ),
            (
                "pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains, then the third and fourth nodes fit",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut c = zone(2, exists("foo"));
                    c.min_domains = Some(3);
                    incoming(f, FOO, vec![c])
                },
                ["skew", "skew", "ok", "ok"],
            ),
            (
                "pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains, then the all nodes fit",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut c = zone(2, exists("foo"));
                    c.min_domains = Some(1);
                    incoming(f, FOO, vec![c])
                },
                ["ok", "ok", "ok", "ok"],
            ),
            (
                "NodeAffinityPolicy honored with labelSelectors",
                |f| {
                    zone_nodes(f, &[("node-a", FOO), ("node-b", FOO), ("node-x", FOO)]);
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut t = template("default", FOO);
                    t.spread = vec![node(1, exists("foo"))];
                    t.node_selector = labels(&[("foo", "")]);
                    let t = f.template(t);
                    f.pending(t)
                },
                ["skew", "skew", "ok", "ok"],
            ),
            (
                "NodeAffinityPolicy ignored with labelSelectors",
                |f| {
                    zone_nodes(f, &[("node-a", FOO), ("node-b", FOO), ("node-x", FOO)]);
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut t = template("default", FOO);
                    let mut c = node(1, exists("foo"));
                    c.node_affinity_policy = InclusionPolicy::Ignore;
                    t.spread = vec![c];
                    t.node_selector = labels(&[("foo", "")]);
                    let t = f.template(t);
                    f.pending(t)
                },
                ["skew", "skew", "ok", "skew"],
            ),
            (
                "NodeAffinityPolicy honored with nodeAffinity",
                |f| {
                    zone_nodes(f, &[("node-a", FOO), ("node-b", FOO), ("node-x", FOO)]);
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut t = template("default", FOO);
                    t.spread = vec![node(1, exists("foo"))];
                    t.affinity.node.required =
                        Some(vec![node_term(vec![req("foo", is_in(&[""]))])]);
                    let t = f.template(t);
                    f.pending(t)
                },
                ["skew", "skew", "ok", "ok"],
            ),
            (
                "NodeAffinityPolicy ignored with nodeAffinity",
                |f| {
                    zone_nodes(f, &[("node-a", FOO), ("node-b", FOO), ("node-x", FOO)]);
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut t = template("default", FOO);
                    let mut c = node(1, exists("foo"));
                    c.node_affinity_policy = InclusionPolicy::Ignore;
                    t.spread = vec![c];
                    t.affinity.node.required =
                        Some(vec![node_term(vec![req("foo", is_in(&[""]))])]);
                    let t = f.template(t);
                    f.pending(t)
                },
                ["skew", "skew", "ok", "skew"],
            ),
            (
                "NodeTaintsPolicy honored",
                |f| {
                    for n in ["node-a", "node-b", "node-x"] {
                        f.node(n, &[("node", n), ("foo", "")]);
                    }
                    f.node_with("node-y", &[("node", "node-y")], vec![unschedulable_taint()]);
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut c = node(1, exists("foo"));
                    c.node_taints_policy = InclusionPolicy::Honor;
                    incoming(f, FOO, vec![c])
                },
                ["skew", "skew", "ok", "ok"],
            ),
            (
                "NodeTaintsPolicy ignored",
                |f| {
                    for n in ["node-a", "node-b", "node-x"] {
                        f.node(n, &[("node", n), ("foo", "")]);
                    }
                    f.node_with("node-y", &[("node", "node-y")], vec![unschedulable_taint()]);
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    incoming(f, FOO, vec![node(1, exists("foo"))])
                },
                ["skew", "skew", "ok", "skew"],
            ),
        ];
        for (name, setup, want) in cases {
            let mut f = Fixture::new();
            let pod = setup(&mut f);
            assert_eq!(verdicts(&f, pod, &list_config()), want, "{name}");
            assert_eq!(f.cluster.check_invariants(), Ok(()), "{name}");
        }
    }

    /// The three-node cases of `TestSingleConstraint`.
    #[test]
    fn upstream_single_constraint_three_nodes() {
        let nodes3 = |f: &mut Fixture| {
            for n in ["node-a", "node-b", "node-c"] {
                f.node(n, &[("node", n)]);
            }
            pods(
                f,
                &[
                    ("node-a", FOO),
                    ("node-a", FOO),
                    ("node-b", FOO),
                    ("node-b", FOO),
                ],
            );
            pods(f, &[("node-c", FOO)]);
        };
        // "pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains <
        // minDomains, then the third node fits" and "... > minDomains, then the all nodes
        // fit".
        for (min_domains, want) in [(4, ["skew", "skew", "ok"]), (2, ["ok", "ok", "ok"])] {
            let mut f = Fixture::new();
            nodes3(&mut f);
            let mut c = node(2, exists("foo"));
            c.min_domains = Some(min_domains);
            let pod = incoming(&mut f, FOO, vec![c]);
            assert_eq!(
                verdicts(&f, pod, &list_config()),
                want,
                "minDomains {min_domains}"
            );
        }
        // "pod cannot be scheduled as all nodes don't have label 'rack'".
        let mut f = Fixture::new();
        f.node("node-a", &[("zone", "zone1"), ("node", "node-a")]);
        f.node("node-x", &[("zone", "zone2"), ("node", "node-x")]);
        let pod = incoming(
            &mut f,
            FOO,
            vec![spread(1, "rack", DoNotSchedule, exists("foo"))],
        );
        assert_eq!(verdicts(&f, pod, &list_config()), ["label", "label"]);
    }

    /// `filtering_test.go` `TestMultipleConstraints`, every case in table order.
    #[test]
    fn upstream_multiple_constraints_table() {
        type Setup = fn(&mut Fixture) -> PodId;
        let cases: Vec<(&str, Setup, [&str; 4])> = vec![
            (
                "two Constraints on zone and node, spreads = [3/3, 2/1/0/3]",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-a", FOO), ("node-b", FOO)]);
                    pods(f, &[("node-y", FOO), ("node-y", FOO), ("node-y", FOO)]);
                    incoming(f, FOO, vec![zone(1, exists("foo")), node(1, exists("foo"))])
                },
                ["skew", "skew", "ok", "skew"],
            ),
            (
                "two Constraints on zone and node, spreads = [3/4, 2/1/0/4]",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-a", FOO), ("node-b", FOO)]);
                    pods(
                        f,
                        &[
                            ("node-y", FOO),
                            ("node-y", FOO),
                            ("node-y", FOO),
                            ("node-y", FOO),
                        ],
                    );
                    incoming(f, FOO, vec![zone(1, exists("foo")), node(1, exists("foo"))])
                },
                ["skew", "skew", "skew", "skew"],
            ),
            (
                "Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-y", BAR)]);
                    incoming(
                        f,
                        FOO_BAR,
                        vec![zone(1, exists("foo")), node(1, exists("bar"))],
                    )
                },
                ["skew", "skew", "ok", "skew"],
            ),
            (
                "Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-x", BAR), ("node-y", BAR)]);
                    incoming(
                        f,
                        FOO_BAR,
                        vec![zone(1, exists("foo")), node(1, exists("bar"))],
                    )
                },
                ["skew", "skew", "skew", "skew"],
            ),
            (
                "Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-a", FOO_BAR), ("node-y", FOO)]);
                    pods(f, &[("node-y", FOO_BAR), ("node-y", FOO)]);
                    incoming(
                        f,
                        FOO_BAR,
                        vec![zone(1, exists("foo")), node(1, exists("bar"))],
                    )
                },
                ["skew", "ok", "skew", "skew"],
            ),
            (
                "Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint",
                |f| {
                    zone_nodes(f, &[]);
                    pods(f, &[("node-a", FOO), ("node-x", BAR), ("node-y", BAR)]);
                    incoming(f, BAR, vec![zone(1, exists("foo")), node(1, exists("bar"))])
                },
                ["ok", "ok", "skew", "skew"],
            ),
            (
                "two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]",
                |f| {
                    f.node("node-a", &[("zone", "zone1"), ("node", "node-a")]);
                    f.node("node-b", &[("zone", "zone1"), ("node", "node-b")]);
                    f.node("node-x", &[("zone", "zone2")]);
                    f.node("node-y", &[("zone", "zone2"), ("node", "node-y")]);
                    pods(f, &[("node-a", FOO), ("node-y", FOO)]);
                    incoming(f, FOO, vec![zone(1, exists("foo")), node(1, exists("foo"))])
                },
                ["skew", "ok", "label", "skew"],
            ),
            (
                "two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore",
                |f| {
                    zone_nodes(f, &[("node-a", FOO), ("node-b", FOO), ("node-x", FOO)]);
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut t = template("default", FOO);
                    let mut n = node(1, exists("foo"));
                    n.node_affinity_policy = InclusionPolicy::Ignore;
                    t.spread = vec![zone(1, exists("foo")), n];
                    t.node_selector = labels(&[("foo", "")]);
                    let t = f.template(t);
                    f.pending(t)
                },
                ["skew", "skew", "ok", "skew"],
            ),
            (
                "two node inclusion Constraints, zone: honor/honor, node: honor/ignore",
                |f| {
                    for (n, z) in [
                        ("node-a", "zone1"),
                        ("node-b", "zone1"),
                        ("node-x", "zone2"),
                    ] {
                        f.node(n, &[("zone", z), ("node", n), ("foo", "")]);
                    }
                    f.node_with(
                        "node-y",
                        &[("zone", "zone2"), ("node", "node-y")],
                        vec![unschedulable_taint()],
                    );
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut z = zone(1, exists("foo"));
                    z.node_taints_policy = InclusionPolicy::Honor;
                    incoming(f, FOO, vec![z, node(1, exists("foo"))])
                },
                ["skew", "skew", "ok", "skew"],
            ),
            (
                "two node inclusion Constraints, zone: honor/ignore, node: honor/ignore",
                |f| {
                    f.node(
                        "node-a",
                        &[("zone", "zone1"), ("node", "node-a"), ("foo", "")],
                    );
                    f.node("node-b", &[("zone", "zone1"), ("node", "node-b")]);
                    f.node(
                        "node-x",
                        &[("zone", "zone2"), ("node", "node-x"), ("foo", "")],
                    );
                    f.node_with(
                        "node-y",
                        &[("zone", "zone2"), ("node", "node-y"), ("foo", "")],
                        vec![unschedulable_taint()],
                    );
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut t = template("default", FOO);
                    t.spread = vec![zone(1, exists("foo")), node(1, exists("foo"))];
                    t.node_selector = labels(&[("foo", "")]);
                    let t = f.template(t);
                    f.pending(t)
                },
                ["skew", "ok", "ok", "skew"],
            ),
            (
                "two node inclusion Constraints, zone: honor/honor, node: ignore/ignore",
                |f| {
                    f.node(
                        "node-a",
                        &[("zone", "zone1"), ("node", "node-a"), ("foo", "")],
                    );
                    f.node("node-b", &[("zone", "zone1"), ("node", "node-b")]);
                    f.node(
                        "node-x",
                        &[("zone", "zone2"), ("node", "node-x"), ("foo", "")],
                    );
                    f.node_with(
                        "node-y",
                        &[("zone", "zone2"), ("node", "node-y"), ("foo", "")],
                        vec![unschedulable_taint()],
                    );
                    pods(f, &[("node-a", FOO), ("node-b", FOO), ("node-y", FOO)]);
                    let mut t = template("default", FOO);
                    let mut z = zone(1, exists("foo"));
                    z.node_taints_policy = InclusionPolicy::Honor;
                    let mut n = node(1, exists("foo"));
                    n.node_affinity_policy = InclusionPolicy::Ignore;
                    t.spread = vec![z, n];
                    t.node_selector = labels(&[("foo", "")]);
                    let t = f.template(t);
                    f.pending(t)
                },
                ["skew", "skew", "ok", "skew"],
            ),
            (
                "two Constraints on zone, spreads = [3/3, 2/1]",
                |f| {
                    zone_nodes(f, &[]);
                    pods(
                        f,
                        &[("node-a", FOO_BAR), ("node-a", FOO), ("node-b", FOO_BAR)],
                    );
                    pods(f, &[("node-y", FOO), ("node-y", FOO_BAR), ("node-y", FOO)]);
                    incoming(
                        f,
                        FOO_BAR,
                        vec![zone(1, exists("bar")), zone(1, exists("foo"))],
                    )
                },
                ["skew", "skew", "ok", "ok"],
            ),
            (
                "two Constraints on zone, spreads = [3/4, 2/1]",
                |f| {
                    zone_nodes(f, &[]);
                    pods(
                        f,
                        &[("node-a", FOO_BAR), ("node-a", FOO), ("node-b", FOO_BAR)],
                    );
                    pods(f, &[("node-y", FOO), ("node-y", FOO_BAR), ("node-y", FOO)]);
                    pods(f, &[("node-y", FOO)]);
                    incoming(
                        f,
                        FOO_BAR,
                        vec![zone(1, exists("bar")), zone(1, exists("foo"))],
                    )
                },
                ["skew", "skew", "skew", "skew"],
            ),
        ];
        for (name, setup, want) in cases {
            let mut f = Fixture::new();
            let pod = setup(&mut f);
            assert_eq!(verdicts(&f, pod, &list_config()), want, "{name}");
        }
    }

    fn soft(max_skew: i64, key: &str, sel: LabelSelector) -> SpreadConstraint {
        spread(max_skew, key, ScheduleAnyway, sel)
    }

    /// Four nodes with only the hostname label.
    fn host_nodes(f: &mut Fixture, names: &[&str]) {
        for n in names {
            f.node(n, &[(HOST, n)]);
        }
    }

    /// Pods labelled `foo` on nodes, `counts[i]` on `names[i]`.
    fn foo_pods(f: &mut Fixture, names: &[&str], counts: &[usize]) {
        for (n, &c) in names.iter().zip(counts) {
            for _ in 0..c {
                f.existing("default", FOO, n);
            }
        }
    }

    const ABCD: [&str; 4] = ["node-a", "node-b", "node-c", "node-d"];

    /// `scoring_test.go` `TestPodTopologySpreadScore` (run, as upstream, with
    /// `DefaultingType: System`), every case but "terminating Pods should be excluded" and
    /// the two `matchLabelKeys` cases kubesim does not model, in table order.
    #[test]
    fn upstream_score_table() {
        let system = FrameworkConfig::default();
        type Setup = fn(&mut Fixture) -> PodId;
        let cases: Vec<(&str, Setup, &[&str], &[i64])> = vec![
            (
                "one constraint on node, no existing pods",
                |f| {
                    host_nodes(f, &["node-a", "node-b"]);
                    incoming(f, FOO, vec![soft(1, HOST, exists("foo"))])
                },
                &["node-a", "node-b"],
                &[100, 100],
            ),
            (
                "one constraint on node, only one node is candidate",
                |f| {
                    host_nodes(f, &["node-a", "node-b"]);
                    foo_pods(f, &["node-a", "node-b"], &[2, 1]);
                    incoming(f, FOO, vec![soft(1, HOST, exists("foo"))])
                },
                &["node-a"],
                &[100],
            ),
            (
                "one constraint on node, all nodes have the same number of matching pods",
                |f| {
                    host_nodes(f, &["node-a", "node-b"]);
                    foo_pods(f, &["node-a", "node-b"], &[1, 1]);
                    incoming(f, FOO, vec![soft(1, HOST, exists("foo"))])
                },
                &["node-a", "node-b"],
                &[100, 100],
            ),
            (
                "one constraint on node, all 4 nodes are candidates",
                |f| {
                    host_nodes(f, &ABCD);
                    foo_pods(f, &ABCD, &[2, 1, 0, 3]);
                    incoming(f, FOO, vec![soft(1, HOST, exists("foo"))])
                },
                &ABCD,
                &[20, 60, 100, 0],
            ),
            (
                "one constraint on node, null selector",
                |f| {
                    host_nodes(f, &ABCD);
                    foo_pods(f, &ABCD, &[2, 1, 0, 3]);
                    incoming(f, FOO, vec![soft(1, HOST, nothing())])
                },
                &ABCD,
                &[100, 100, 100, 100],
            ),
            (
                "one constraint on node, all 4 nodes are candidates, maxSkew=2",
                |f| {
                    host_nodes(f, &ABCD);
                    foo_pods(f, &ABCD, &[2, 1, 0, 3]);
                    incoming(f, FOO, vec![soft(2, HOST, exists("foo"))])
                },
                &ABCD,
                &[33, 66, 100, 16],
            ),
            (
                "one constraint on node, all 4 nodes are candidates, maxSkew=3",
                |f| {
                    host_nodes(f, &ABCD);
                    foo_pods(f, &ABCD, &[4, 3, 2, 1]);
                    incoming(f, FOO, vec![soft(3, HOST, exists("foo"))])
                },
                &ABCD,
                &[44, 66, 77, 100],
            ),
            (
                "system defaulting, nodes don't have zone, pods match service",
                |f| {
                    // The pods of the same ReplicaSet: kubesim's default selector.
                    host_nodes(f, &ABCD);
                    let t = f.template(template("default", FOO));
                    for (n, c) in ABCD.iter().zip([4, 3, 2, 1]) {
                        for _ in 0..c {
                            f.bound(t, n);
                        }
                    }
                    f.pending(t)
                },
                &ABCD,
                &[44, 66, 77, 100],
            ),
            (
                "one constraint on node, 3 out of 4 nodes are candidates",
                |f| {
                    host_nodes(f, &["node-a", "node-b", "node-x", "node-y"]);
                    foo_pods(f, &["node-a", "node-b", "node-x", "node-y"], &[4, 2, 1, 3]);
                    incoming(f, FOO, vec![soft(1, HOST, exists("foo"))])
                },
                &["node-a", "node-b", "node-x"],
                &[33, 83, 100],
            ),
            (
                "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
                |f| {
                    f.node("node-a", &[(HOST, "node-a")]);
                    f.node("node-b", &[("n", "node-b")]);
                    f.node("node-x", &[(HOST, "node-x")]);
                    f.node("node-y", &[(HOST, "node-y")]);
                    foo_pods(f, &["node-a", "node-b", "node-x", "node-y"], &[4, 2, 1, 3]);
                    incoming(f, FOO, vec![soft(1, HOST, exists("foo"))])
                },
                &["node-a", "node-b", "node-x"],
                &[16, 0, 100],
            ),
            (
                "one constraint on zone, 3 out of 4 nodes are candidates",
                |f| {
                    for (n, z) in [
                        ("node-a", "zone1"),
                        ("node-b", "zone1"),
                        ("node-x", "zone2"),
                        ("node-y", "zone2"),
                    ] {
                        f.node(n, &[("zone", z), (HOST, n)]);
                    }
                    foo_pods(f, &["node-a", "node-b", "node-x", "node-y"], &[4, 2, 1, 3]);
                    incoming(f, FOO, vec![soft(1, "zone", exists("foo"))])
                },
                &["node-a", "node-b", "node-x"],
                &[75, 75, 100],
            ),
            (
                "two Constraints on zone and node, 2 out of 4 nodes are candidates",
                |f| {
                    for (n, z) in [
                        ("node-a", "zone1"),
                        ("node-b", "zone1"),
                        ("node-x", "zone2"),
                        ("node-y", "zone2"),
                    ] {
                        f.node(n, &[("zone", z), (HOST, n)]);
                    }
                    foo_pods(f, &["node-a", "node-b", "node-x", "node-y"], &[2, 1, 2, 4]);
                    incoming(
                        f,
                        FOO,
                        vec![soft(1, "zone", exists("foo")), soft(1, HOST, exists("foo"))],
                    )
                },
                &["node-a", "node-x"],
                &[100, 63],
            ),
            (
                "two Constraints on zone, 2 out of 4 nodes are candidates",
                |f| {
                    for (n, z) in [
                        ("node-a", "zone1"),
                        ("node-b", "zone1"),
                        ("node-x", "zone2"),
                        ("node-y", "zone2"),
                    ] {
                        f.node(n, &[("zone", z)]);
                    }
                    pods(
                        f,
                        &[("node-a", FOO_BAR), ("node-a", FOO), ("node-b", FOO_BAR)],
                    );
                    pods(f, &[("node-y", FOO), ("node-y", FOO_BAR), ("node-y", FOO)]);
                    incoming(
                        f,
                        FOO_BAR,
                        vec![
                            soft(1, "zone", exists("foo")),
                            soft(1, "zone", exists("bar")),
                        ],
                    )
                },
                &["node-a", "node-x"],
                &[85, 100],
            ),
            (
                "two Constraints on zone and node, with different labelSelectors",
                |f| {
                    for (n, z) in [
                        ("node-a", "zone1"),
                        ("node-b", "zone1"),
                        ("node-x", "zone2"),
                        ("node-y", "zone2"),
                    ] {
                        f.node(n, &[("zone", z), (HOST, n)]);
                    }
                    pods(
                        f,
                        &[
                            ("node-a", FOO),
                            ("node-b", FOO_BAR),
                            ("node-y", FOO),
                            ("node-y", BAR),
                        ],
                    );
                    incoming(
                        f,
                        FOO_BAR,
                        vec![soft(1, "zone", exists("foo")), soft(1, HOST, exists("bar"))],
                    )
                },
                &["node-a", "node-b", "node-x", "node-y"],
                &[60, 20, 100, 60],
            ),
            (
                "two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
                |f| {
                    for (n, z) in [
                        ("node-a", "zone1"),
                        ("node-b", "zone1"),
                        ("node-x", "zone2"),
                        ("node-y", "zone2"),
                    ] {
                        f.node(n, &[("zone", z), (HOST, n)]);
                    }
                    pods(f, &[("node-b", BAR), ("node-x", FOO), ("node-y", FOO_BAR)]);
                    incoming(
                        f,
                        FOO_BAR,
                        vec![soft(1, "zone", exists("foo")), soft(1, HOST, exists("bar"))],
                    )
                },
                &["node-a", "node-b", "node-x", "node-y"],
                &[100, 60, 40, 0],
            ),
            (
                "two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
                |f| {
                    for (n, z) in [
                        ("node-a", "zone1"),
                        ("node-b", "zone1"),
                        ("node-x", "zone2"),
                        ("node-y", "zone2"),
                    ] {
                        f.node(n, &[("zone", z), (HOST, n)]);
                    }
                    pods(
                        f,
                        &[
                            ("node-a", FOO),
                            ("node-b", FOO_BAR),
                            ("node-y", FOO),
                            ("node-y", BAR),
                        ],
                    );
                    incoming(
                        f,
                        FOO_BAR,
                        vec![soft(1, "zone", exists("foo")), soft(1, HOST, exists("bar"))],
                    )
                },
                &["node-a", "node-b", "node-x"],
                &[50, 25, 100],
            ),
            (
                "existing pods in a different namespace do not count",
                |f| {
                    host_nodes(f, &["node-a", "node-b"]);
                    f.existing("ns1", FOO, "node-a");
                    foo_pods(f, &["node-a", "node-b"], &[1, 2]);
                    incoming(f, FOO, vec![soft(1, HOST, exists("foo"))])
                },
                &["node-a", "node-b"],
                &[100, 33],
            ),
            (
                "minDomains has no effect when ScheduleAnyway",
                |f| {
                    for n in ["node-a", "node-b", "node-c"] {
                        f.node(n, &[("node", n)]);
                    }
                    foo_pods(f, &["node-a", "node-b", "node-c"], &[2, 2, 1]);
                    let mut c = soft(2, "node", exists("foo"));
                    c.min_domains = Some(10);
                    incoming(f, FOO, vec![c])
                },
                &["node-a", "node-b", "node-c"],
                &[75, 75, 100],
            ),
            (
                "NodeAffinityPolicy honoed with labelSelectors",
                |f| {
                    f.node("node-a", &[("node", "node-a"), ("foo", "")]);
                    f.node("node-b", &[("node", "node-b"), ("foo", "")]);
                    f.node("node-c", &[("node", "node-c")]);
                    foo_pods(f, &["node-a", "node-b", "node-c"], &[2, 1, 1]);
                    let mut t = template("default", FOO);
                    t.spread = vec![soft(1, "node", exists("foo"))];
                    t.node_selector = labels(&[("foo", "")]);
                    let t = f.template(t);
                    f.pending(t)
                },
                &["node-a", "node-b", "node-c"],
                &[0, 33, 100],
            ),
            (
                "NodeAffinityPolicy ignored with labelSelectors",
                |f| {
                    f.node("node-a", &[("node", "node-a"), ("foo", "")]);
                    f.node("node-b", &[("node", "node-b"), ("foo", "")]);
                    f.node("node-c", &[("node", "node-c")]);
                    foo_pods(f, &["node-a", "node-b", "node-c"], &[2, 1, 1]);
                    let mut t = template("default", FOO);
                    let mut c = soft(1, "node", exists("foo"));
                    c.node_affinity_policy = InclusionPolicy::Ignore;
                    t.spread = vec![c];
                    t.node_selector = labels(&[("foo", "")]);
                    let t = f.template(t);
                    f.pending(t)
                },
                &["node-a", "node-b", "node-c"],
                &[66, 100, 100],
            ),
            (
                "NodeAffinityPolicy honoed with nodeAffinity",
                |f| {
                    f.node("node-a", &[("node", "node-a"), ("foo", "")]);
                    f.node("node-b", &[("node", "node-b"), ("foo", "")]);
                    f.node("node-c", &[("node", "node-c")]);
                    foo_pods(f, &["node-a", "node-b", "node-c"], &[2, 1, 1]);
                    let mut t = template("default", FOO);
                    t.spread = vec![soft(1, "node", exists("foo"))];
                    t.affinity.node.required =
                        Some(vec![node_term(vec![req("foo", is_in(&[""]))])]);
                    let t = f.template(t);
                    f.pending(t)
                },
                &["node-a", "node-b", "node-c"],
                &[0, 33, 100],
            ),
            (
                "NodeAffinityPolicy ignored with nodeAffinity",
                |f| {
                    f.node("node-a", &[("node", "node-a"), ("foo", "")]);
                    f.node("node-b", &[("node", "node-b"), ("foo", "")]);
                    f.node("node-c", &[("node", "node-c")]);
                    foo_pods(f, &["node-a", "node-b", "node-c"], &[2, 1, 1]);
                    let mut t = template("default", FOO);
                    let mut c = soft(1, "node", exists("foo"));
                    c.node_affinity_policy = InclusionPolicy::Ignore;
                    t.spread = vec![c];
                    t.affinity.node.required =
                        Some(vec![node_term(vec![req("foo", is_in(&[""]))])]);
                    let t = f.template(t);
                    f.pending(t)
                },
                &["node-a", "node-b", "node-c"],
                &[66, 100, 100],
            ),
            (
                "NodeTaintsPolicy honored",
                |f| {
                    f.node("node-a", &[("node", "node-a")]);
                    f.node("node-b", &[("node", "node-b")]);
                    f.node_with("node-c", &[("node", "node-c")], vec![unschedulable_taint()]);
                    foo_pods(f, &["node-a", "node-b", "node-c"], &[2, 1, 1]);
                    let mut c = soft(1, "node", exists("foo"));
                    c.node_taints_policy = InclusionPolicy::Honor;
                    incoming(f, FOO, vec![c])
                },
                &["node-a", "node-b", "node-c"],
                &[0, 33, 100],
            ),
            (
                "NodeTaintsPolicy ignored",
                |f| {
                    f.node("node-a", &[("node", "node-a")]);
                    f.node("node-b", &[("node", "node-b")]);
                    f.node_with("node-c", &[("node", "node-c")], vec![unschedulable_taint()]);
                    foo_pods(f, &["node-a", "node-b", "node-c"], &[2, 1, 1]);
                    incoming(f, FOO, vec![soft(1, "node", exists("foo"))])
                },
                &["node-a", "node-b", "node-c"],
                &[66, 100, 100],
            ),
            (
                "matchLabelKeys ignored when feature gate disabled",
                |f| {
                    for (n, z) in [
                        ("node-a", "zone1"),
                        ("node-b", "zone1"),
                        ("node-c", "zone2"),
                        ("node-d", "zone2"),
                    ] {
                        f.node(n, &[("zone", z), (HOST, n)]);
                    }
                    pods(
                        f,
                        &[
                            ("node-a", FOO),
                            ("node-b", FOO_BAR),
                            ("node-c", FOO),
                            ("node-c", BAR),
                        ],
                    );
                    incoming(
                        f,
                        &[("foo", ""), ("bar", ""), ("baz", "")],
                        vec![soft(1, "zone", exists("foo")), soft(1, HOST, exists("bar"))],
                    )
                },
                &ABCD,
                &[60, 20, 60, 100],
            ),
        ];
        for (name, setup, feasible, want) in cases {
            let mut f = Fixture::new();
            let pod = setup(&mut f);
            assert_eq!(scores(&f, pod, &system, feasible), want, "{name}");
        }
    }

    /// The rounding equals `f64::round` (Go's `math.Round`): at and around halves, at
    /// the limits of exactness, and on random values.
    #[test]
    fn rounding_matches_round_half_away_from_zero() {
        use rand::{Rng, SeedableRng};
        let edges = [
            0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            1e15 + 0.5,
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let random = (0..100_000).map(|_| rng.random_range(-1e6..1e6));
        for x in edges.into_iter().chain(random) {
            assert_eq!(round_half_away(x), x.round() as i64, "{x}");
        }
    }

    /// Reference §3.3's vectors: hostname spreads 2/1/0/3 with maxSkew 1 (derived there:
    /// 20, 60, 100, 0) and maxSkew 2 (33, 66, 100, 16), 4/3/2/1 with maxSkew 3.
    #[test]
    fn reference_vectors() {
        for (counts, max_skew, want) in [
            ([2, 1, 0, 3], 1, [20, 60, 100, 0]),
            ([2, 1, 0, 3], 2, [33, 66, 100, 16]),
            ([4, 3, 2, 1], 3, [44, 66, 77, 100]),
        ] {
            let mut f = Fixture::new();
            host_nodes(&mut f, &ABCD);
            foo_pods(&mut f, &ABCD, &counts);
            let pod = incoming(&mut f, FOO, vec![soft(max_skew, HOST, exists("foo"))]);
            assert_eq!(scores(&f, pod, &list_config(), &ABCD), want);
        }
    }

    /// `TestPreScoreSkip` and the Skip cases derived from upstream's `PreScore`: no
    /// constraints and no defaults (List without constraints); a pod whose constraints
    /// are all `DoNotSchedule` (explicit constraints switch the defaults off); a Job's pod
    /// under the system defaults (no ReplicaSet or Service selects it); no nodes at all.
    #[test]
    fn prescore_skips() {
        let mut f = Fixture::new();
        host_nodes(&mut f, &["node-a", "node-b"]);
        let plain = f.template(template("default", FOO));
        let deployment_pod = f.pending(plain);
        let job_pod = f.pending_owned(plain, true);
        let hard_only = incoming(
            &mut f,
            FOO,
            vec![spread(1, HOST, DoNotSchedule, exists("foo"))],
        );
        let all = ["node-a", "node-b"];
        let skipped = |f: &Fixture, pod, config: &FrameworkConfig| {
            let cx = PodCtx::new(&f.cluster, pod);
            let feasible: Vec<u32> = all.iter().map(|n| f.node_id(n).0).collect();
            !SpreadScore::new(config).pre_score(&cx, &feasible)
        };
        assert!(skipped(&f, deployment_pod, &list_config()));
        assert!(!skipped(&f, deployment_pod, &FrameworkConfig::default()));
        assert!(skipped(&f, job_pod, &FrameworkConfig::default()));
        assert!(skipped(&f, hard_only, &FrameworkConfig::default()));
        let mut empty = Fixture::new();
        let t = empty.template(template("default", FOO));
        let pod = empty.pending(t);
        let cx = PodCtx::new(&empty.cluster, pod);
        assert!(!SpreadScore::new(&FrameworkConfig::default()).pre_score(&cx, &[]));
    }

    /// Hand-derived from `initPreScoreState` (`TestPreScoreStateEmptyNodes` "system
    /// default constraints and a replicaset"): under the system defaults nodes without a
    /// zone are not ignored and count as one more zone ("") in the zone weight. node-a and
    /// node-b in zone mars hold 2 and 1 pods of the ReplicaSet, node-c and node-d have no
    /// zone. Weights ln(4+2) (hostname) and ln(2+2) (zone: mars and ""): raw
    /// a = round(2·1.792+2 + 3·1.386+4) = 14, b = round(1.792+2 + 8.159) = 12, c = d = 2;
    /// normalized 100·(16−s)/14 = 14, 28, 100, 100. Counting "" out (ln 3) would give
    /// raw 13 and 11 instead.
    #[test]
    fn system_defaults_count_missing_zone_as_a_domain() {
        let mut f = Fixture::new();
        f.node(
            "node-a",
            &[(HOST, "node-a"), ("topology.kubernetes.io/zone", "mars")],
        );
        f.node(
            "node-b",
            &[(HOST, "node-b"), ("topology.kubernetes.io/zone", "mars")],
        );
        f.node("node-c", &[(HOST, "node-c")]);
        f.node("node-d", &[(HOST, "node-d")]);
        let rs = f.template(template("default", &[("foo", "tar"), ("baz", "sup")]));
        for n in ["node-a", "node-a", "node-b"] {
            f.bound(rs, n);
        }
        let pod = f.pending(rs);
        assert_eq!(
            scores(&f, pod, &FrameworkConfig::default(), &ABCD),
            [14, 28, 100, 100]
        );
    }

    /// Hand-derived: with nodeAffinityPolicy Honor, a node in a counted zone that the pod's
    /// node selector excludes does not add its pods to the zone. Zone1 holds node-a (foo,
    /// 1 pod) and node-b (no foo, 2 pods), zone2 node-x (foo, 1 pod); feasible a and x.
    /// Both zones count 1, so both nodes score the same (100, 100); counting node-b would
    /// give raw round(3·ln 4) = 4 against 1, i.e. 25 and 100.
    #[test]
    fn honored_node_affinity_excludes_nodes_inside_a_domain() {
        let mut f = Fixture::new();
        f.node("node-a", &[("zone", "zone1"), ("foo", "")]);
        f.node("node-b", &[("zone", "zone1")]);
        f.node("node-x", &[("zone", "zone2"), ("foo", "")]);
        foo_pods(&mut f, &["node-a", "node-b", "node-x"], &[1, 2, 1]);
        let mut t = template("default", FOO);
        t.spread = vec![soft(1, "zone", exists("foo"))];
        t.node_selector = labels(&[("foo", "")]);
        let t = f.template(t);
        let pod = f.pending(t);
        assert_eq!(
            scores(&f, pod, &list_config(), &["node-a", "node-x"]),
            [100, 100]
        );
    }

    /// Hand-derived from `buildDefaultConstraints`: with `defaultingType: List`, a
    /// `DoNotSchedule` default constraint filters a Deployment pod without constraints,
    /// counting the pods of its ReplicaSet. Zone1 holds one of them, zone2 none: with
    /// maxSkew 1, zone1 nodes fail (1 + 1 − 0 > 1). A Job's pod is not constrained.
    #[test]
    fn list_default_constraints_filter_deployment_pods() {
        let mut f = Fixture::new();
        zone_nodes(&mut f, &[]);
        let rs = f.template(template("default", FOO));
        f.bound(rs, "node-a");
        let pod = f.pending(rs);
        let job_pod = f.pending_owned(rs, true);
        let config = FrameworkConfig {
            system_default_spread: false,
            default_constraints: vec![zone(1, LabelSelector::default())],
            ..FrameworkConfig::default()
        };
        assert_eq!(verdicts(&f, pod, &config), ["skew", "skew", "ok", "ok"]);
        assert_eq!(verdicts(&f, job_pod, &config), ["ok", "ok", "ok", "ok"]);
        // The system defaults are ScheduleAnyway: nothing to filter.
        assert_eq!(verdicts(&f, pod, &FrameworkConfig::default()), ["ok"; 4]);
    }

    /// Places 300 pods one by one through a default profile on zones of 90, 40 and 20
    /// nodes (150 nodes: 100 examined per cycle), with or without a `DoNotSchedule` zone
    /// constraint of maxSkew 1; returns the final per-zone counts and the largest
    /// difference between two zones seen after any placement. The index must pass the
    /// recount at the end.
    fn place_in_zones(constrained: bool) -> ([i64; 3], i64) {
        use crate::engine::rng::StreamKey;
        use crate::scheduler::config::ProfileConfig;
        use crate::scheduler::framework::Profile;
        const ZONE: &str = "topology.kubernetes.io/zone";
        let mut f = Fixture::new();
        for (z, count) in [("z0", 90), ("z1", 40), ("z2", 20)] {
            for i in 0..count {
                let name = format!("{z}-{i}");
                f.node(&name, &[(HOST, &name), (ZONE, z)]);
            }
        }
        let mut t = template("default", &[("app", "web")]);
        if constrained {
            let sel = selector(vec![req("app", is_in(&["web"]))]);
            t.spread = vec![spread(1, ZONE, DoNotSchedule, sel)];
        }
        let t = f.template(t);
        let mut profile = Profile::new(&ProfileConfig::default(), None);
        let mut rng = StreamKey::new(7, "scheduler").rng();
        let mut per_zone = [0i64; 3];
        let mut widest = 0;
        for k in 0..300 {
            let pod = f.pending(t);
            let Some(node) = profile.schedule(&f.cluster, pod, &mut rng) else {
                panic!("pod {k} found no node");
            };
            f.cluster.bind(pod, node, 0);
            let zone = &f.cluster.nodes.name[node.index()][..2];
            let z = ["z0", "z1", "z2"].iter().position(|n| *n == zone);
            per_zone[z.unwrap_or(0)] += 1;
            let (lo, hi) = (per_zone.iter().min(), per_zone.iter().max());
            widest = widest.max(hi.zip(lo).map_or(0, |(h, l)| h - l));
        }
        assert_eq!(f.cluster.check_invariants(), Ok(()));
        (per_zone, widest)
    }

    /// Integration: through a default profile, a `DoNotSchedule` zone constraint of
    /// maxSkew 1 never lets two zones differ by more than one pod. Negative control: the
    /// same pods without the constraint (only the system default spreading, a score) end
    /// up far apart, following the zone sizes.
    #[test]
    fn profile_keeps_zones_within_max_skew() {
        assert_eq!(place_in_zones(true), ([100, 100, 100], 1));
        let (per_zone, widest) = place_in_zones(false);
        assert!(widest > 1, "{per_zone:?}");
    }

    /// Hand-derived: one filter instance serves the cluster as nodes join. Zones z1 and
    /// z2 hold one matching pod each, so every node passes (1 + 1 − 1 ≤ 1); a node in a
    /// new, empty zone z3 drops the minimum to 0, and only z3 passes.
    #[test]
    fn resolutions_follow_node_additions() {
        let mut f = Fixture::new();
        f.node("node-a", &[("zone", "z1")]);
        f.node("node-b", &[("zone", "z2")]);
        pods(&mut f, &[("node-a", FOO), ("node-b", FOO)]);
        let pod = incoming(&mut f, FOO, vec![zone(1, exists("foo"))]);
        let mut p = SpreadFilter::new(&list_config());
        let run = |p: &mut SpreadFilter, f: &Fixture| {
            let cx = PodCtx::new(&f.cluster, pod);
            assert!(p.pre_filter(&cx));
            (0..f.cluster.nodes.len())
                .map(|i| p.passes(&cx, i))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(&mut p, &f), [true, true]);
        f.node("node-c", &[("zone", "z3")]);
        assert_eq!(run(&mut p, &f), [false, false, true]);
    }

    /// Long-lived filter and score instances (which cache per-template resolutions) agree
    /// with fresh ones, and the index passes the recount, while nodes join (new zones,
    /// labels, taints), templates appear late, and pods bind and leave at random.
    #[test]
    fn long_lived_plugins_match_fresh_ones_under_churn() {
        use crate::cluster::pod::{PodPhase, PodReason};
        use rand::{Rng, SeedableRng};
        const ZONE: &str = "topology.kubernetes.io/zone";
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut f = Fixture::new();
        let add_node = |f: &mut Fixture, rng: &mut rand_chacha::ChaCha8Rng| {
            let name = format!("n{}", f.cluster.nodes.len());
            let zone = ["z1", "z2", "z3", "z4"][rng.random_range(0..4)];
            let mut l = vec![(HOST, name.as_str()), (ZONE, zone)];
            if rng.random_bool(0.5) {
                l.push(("disk", "ssd"));
            }
            if rng.random_bool(0.1) {
                l.retain(|(k, _)| *k != ZONE);
            }
            let taints = if rng.random_bool(0.2) {
                vec![unschedulable_taint()]
            } else {
                vec![]
            };
            f.node_with(&name, &l, taints);
        };
        for _ in 0..6 {
            add_node(&mut f, &mut rng);
        }
        let app = |v: &str| selector(vec![req("app", is_in(&[v]))]);
        let mut kinds: Vec<PodTemplate> = Vec::new();
        kinds.push(template("default", &[("app", "a")]));
        let mut t = template("default", &[("app", "b")]);
        t.spread = vec![
            zone_c(1, app("b")),
            spread(2, HOST, ScheduleAnyway, app("b")),
        ];
        t.node_selector = labels(&[("disk", "ssd")]);
        kinds.push(t);
        let mut t = template("default", &[("app", "a")]);
        let mut c = spread(1, ZONE, ScheduleAnyway, app("a"));
        c.node_taints_policy = InclusionPolicy::Honor;
        t.spread = vec![c];
        kinds.push(t);
        let mut t = template("default", &[("app", "c")]);
        let mut c = zone_c(2, exists("app"));
        c.min_domains = Some(5);
        t.spread = vec![c];
        kinds.push(t);
        let configs = [FrameworkConfig::default(), list_config()];
        let mut filters: Vec<SpreadFilter> = configs.iter().map(SpreadFilter::new).collect();
        let mut scorers: Vec<SpreadScore> = configs.iter().map(SpreadScore::new).collect();
        let mut templates = vec![f.template(kinds[0].clone())];
        let mut bound = Vec::new();
        for step in 0..600 {
            match rng.random_range(0..20) {
                0 => add_node(&mut f, &mut rng),
                1 if templates.len() < kinds.len() => {
                    templates.push(f.template(kinds[templates.len()].clone()));
                }
                2..=11 => {
                    let t = templates[rng.random_range(0..templates.len())];
                    let node = format!("n{}", rng.random_range(0..f.cluster.nodes.len()));
                    bound.push(f.bound(t, &node));
                }
                _ if !bound.is_empty() => {
                    let pod = bound.swap_remove(rng.random_range(0..bound.len()));
                    f.cluster
                        .finish(pod, PodPhase::Succeeded, PodReason::Completed, 0);
                }
                _ => {}
            }
            assert_eq!(f.cluster.check_invariants(), Ok(()), "step {step}");
            let pending: Vec<PodId> = templates.iter().map(|&t| f.pending(t)).collect();
            let n = f.cluster.nodes.len() as u32;
            let feasible: Vec<u32> = (0..n).filter(|_| rng.random_bool(0.7)).collect();
            for pod in pending {
                let cx = PodCtx::new(&f.cluster, pod);
                for (k, config) in configs.iter().enumerate() {
                    let mut fresh = SpreadFilter::new(config);
                    let (a, b) = (filters[k].pre_filter(&cx), fresh.pre_filter(&cx));
                    assert_eq!(a, b, "step {step}");
                    for i in 0..n as usize {
                        if a {
                            assert_eq!(filters[k].passes(&cx, i), fresh.passes(&cx, i));
                        }
                    }
                    let mut fresh = SpreadScore::new(config);
                    let (mut x, mut y) = (vec![0; feasible.len()], vec![0; feasible.len()]);
                    let (a, b) = (
                        scorers[k].pre_score(&cx, &feasible),
                        fresh.pre_score(&cx, &feasible),
                    );
                    assert_eq!(a, b, "step {step}");
                    if a {
                        scorers[k].score(&cx, &feasible, &mut x);
                        scorers[k].normalize(&mut x);
                        fresh.score(&cx, &feasible, &mut y);
                        fresh.normalize(&mut y);
                    }
                    assert_eq!(x, y, "step {step}");
                }
            }
        }
    }

    fn zone_c(max_skew: i64, sel: LabelSelector) -> SpreadConstraint {
        spread(max_skew, "topology.kubernetes.io/zone", DoNotSchedule, sel)
    }
}
