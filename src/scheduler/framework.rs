//! kube-scheduler's framework for one profile: PreFilter/Filter over a rotating sample of
//! nodes, PreScore/Score/NormalizeScore with plugin weights, and a uniformly random pick
//! among the best nodes (reference §4).
//!
//! Plugins run over batches of node indices rather than one node per call: a profile makes
//! one dynamic call per plugin per batch, and each plugin's inner loop is monomorphic.

use super::config::{PolicyConfig, ProfileConfig};
use crate::cluster::ClusterState;
use crate::cluster::ids::{NodeId, PodId};
use crate::cluster::pod::{Pod, PodTemplate};
use crate::engine::rng::StreamRng;
use rand::Rng;
use std::collections::BTreeMap;

/// Kubernetes' `MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;

/// Nodes filtered per batch: enough to amortise the per-plugin call, few enough that a
/// sampled cycle does not filter many nodes past the ones it needs.
const BATCH: usize = 128;

/// The pod being scheduled, with what plugins read.
#[derive(Clone, Copy)]
pub struct PodCtx<'a> {
    /// The cluster as the cycle sees it.
    pub cluster: &'a ClusterState,
    /// The pod.
    pub id: PodId,
    /// Its arena entry.
    pub pod: &'a Pod,
    /// Its template.
    pub template: &'a PodTemplate,
}

impl<'a> PodCtx<'a> {
    /// The context of `pod`.
    pub fn new(cluster: &'a ClusterState, pod: PodId) -> PodCtx<'a> {
        let p = &cluster.pods[pod.index()];
        PodCtx {
            cluster,
            id: pod,
            pod: p,
            template: &cluster.templates[p.template as usize],
        }
    }
}

/// A Filter plugin (with its PreFilter).
pub trait FilterPlugin {
    /// The upstream plugin name.
    fn name(&self) -> &'static str;
    /// Prepares the pod's state; `false` is upstream's Skip: the plugin passes every node.
    fn pre_filter(&mut self, cx: &PodCtx) -> bool;
    /// Whether node `i` passes.
    fn passes(&self, cx: &PodCtx, i: usize) -> bool;
    /// Keeps the nodes of `nodes` that pass. Plugins override it when a batch loop is
    /// faster than one [`FilterPlugin::passes`] per node.
    fn filter(&self, cx: &PodCtx, nodes: &mut Vec<u32>) {
        nodes.retain(|&i| self.passes(cx, i as usize));
    }
    /// Appends to `out` the Ready nodes of `range` that pass: the first filter of a batch
    /// selects from node indices directly instead of filtering a copied list.
    fn select(&self, cx: &PodCtx, range: std::ops::Range<usize>, out: &mut Vec<u32>) {
        let ready = &cx.cluster.nodes.ready;
        out.extend(
            range
                .filter(|&i| ready[i] && self.passes(cx, i))
                .map(|i| i as u32),
        );
    }
    /// kube-scheduler's reasons for node `i` failing, one per failed check (nothing when it
    /// passes).
    fn reasons(&self, cx: &PodCtx, i: usize, out: &mut Vec<String>);
    /// Whether evicting pods from a failing node could make it pass (upstream's
    /// `Unschedulable` rather than `UnschedulableAndUnresolvable`): preemption only tries
    /// nodes every unresolvable filter accepts.
    fn resolvable(&self) -> bool;
}

/// A Score plugin (with its PreScore and NormalizeScore).
pub trait ScorePlugin {
    /// The upstream plugin name.
    fn name(&self) -> &'static str;
    /// Prepares scoring over `feasible`; `false` is upstream's Skip: the plugin adds 0.
    fn pre_score(&mut self, cx: &PodCtx, feasible: &[u32]) -> bool;
    /// Raw scores, `out[k]` for node `feasible[k]`.
    fn score(&mut self, cx: &PodCtx, feasible: &[u32], out: &mut [i64]);
    /// NormalizeScore over all feasible nodes' raw scores, in place, to 0..=100.
    fn normalize(&self, _scores: &mut [i64]) {}
}

/// A classic placement policy: picks one of the nodes that passed the filters.
pub trait BaselinePolicy {
    /// The name scenarios use.
    fn name(&self) -> &'static str;
    /// One of `feasible` (non-empty, in node order).
    fn pick(&mut self, cx: &PodCtx, feasible: &[u32], rng: &mut StreamRng) -> u32;
}

/// Upstream's `DefaultNormalizeScore`: scales to `0..=max` by the largest score, reversed
/// (`max − s`) when lower raw scores are better; all zero → all `max` when reversed.
pub fn default_normalize(max: i64, reverse: bool, scores: &mut [i64]) {
    let top = scores.iter().copied().max().unwrap_or(0);
    if top == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = max);
        }
        return;
    }
    for s in scores.iter_mut() {
        *s = max * *s / top;
        if reverse {
            *s = max - *s;
        }
    }
}

/// `numFeasibleNodesToFind`: how many feasible nodes a cycle looks for before it stops
/// filtering. `percentage` 0 (or unset) is the adaptive default: 50 % − 1 % per 125 nodes,
/// at least 5 %, and never fewer than 100 nodes.
pub fn num_feasible_nodes_to_find(num_all: usize, percentage: Option<u32>) -> usize {
    const MIN_FEASIBLE: usize = 100;
    if num_all < MIN_FEASIBLE {
        return num_all;
    }
    let pct = match percentage.unwrap_or(0) {
        0 => (50 - (num_all / 125) as i64).max(5) as usize,
        p => p as usize,
    };
    if pct >= 100 {
        return num_all;
    }
    (num_all * pct / 100).max(MIN_FEASIBLE)
}

/// How a profile picks among feasible nodes.
enum Picker {
    /// Weighted score plugins.
    Scores(Vec<(Box<dyn ScorePlugin>, i64)>),
    /// A baseline policy over every feasible node.
    Baseline(Box<dyn BaselinePolicy>),
}

/// One plugin's part of a node's score, for `kubesim explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreParts {
    /// Plugin name.
    pub plugin: &'static str,
    /// Raw score per evaluated node (0 when the plugin skipped).
    pub raw: Vec<i64>,
    /// Normalized score per node.
    pub normalized: Vec<i64>,
    /// Plugin weight.
    pub weight: i64,
}

/// One filter plugin's verdict on one node, for `kubesim explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterVerdict {
    /// Node index.
    pub node: u32,
    /// Plugin name (`NodeReady` for the readiness check that precedes the plugins).
    pub plugin: &'static str,
    /// Reasons it fails; empty when it passes.
    pub reasons: Vec<String>,
}

/// A profile: its filters and how it picks.
pub struct Profile {
    name: String,
    filters: Vec<Box<dyn FilterPlugin>>,
    picker: Picker,
    percentage: Option<u32>,
    preemption: bool,
    /// Where the next sampled cycle starts (`nextStartNodeIndex`).
    next_start: usize,
    /// Filters not skipped for the current pod.
    active: Vec<usize>,
    batch: Vec<u32>,
    feasible: Vec<u32>,
    raw: Vec<i64>,
    total: Vec<i64>,
}

impl Profile {
    /// Builds the profile `config` describes; `global_percentage` is the scheduler-wide
    /// `percentageOfNodesToScore`.
    pub fn new(config: &ProfileConfig, global_percentage: Option<u32>) -> Profile {
        let (filters, picker, preemption) = match &config.policy {
            PolicyConfig::Framework(f) => (
                f.filters
                    .iter()
                    .map(|&n| super::plugins::filter(n, f))
                    .collect(),
                Picker::Scores(
                    f.scores
                        .iter()
                        .map(|&(n, w)| (super::plugins::score(n, f), w))
                        .collect(),
                ),
                f.preemption,
            ),
            PolicyConfig::Baseline(b) => {
                let f = super::config::FrameworkConfig::default();
                (
                    f.filters
                        .iter()
                        .map(|&n| super::plugins::filter(n, &f))
                        .collect(),
                    Picker::Baseline(super::baselines::baseline(*b)),
                    f.preemption,
                )
            }
        };
        Profile {
            name: config.name.clone(),
            filters,
            picker,
            percentage: config.percentage_of_nodes_to_score.or(global_percentage),
            preemption,
            next_start: 0,
            active: Vec::new(),
            batch: Vec::with_capacity(BATCH),
            feasible: Vec::new(),
            raw: Vec::new(),
            total: Vec::new(),
        }
    }

    /// `schedulerName`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether DefaultPreemption is enabled.
    pub fn preemption(&self) -> bool {
        self.preemption
    }

    /// The filters, in order.
    pub fn filters(&mut self) -> &mut [Box<dyn FilterPlugin>] {
        &mut self.filters
    }

    /// Runs every PreFilter and remembers which filters apply to the pod.
    pub fn prepare(&mut self, cx: &PodCtx) {
        self.pre_filter(cx);
    }

    /// Whether node `i` passes every active filter but NodeResourcesFit (after
    /// [`Profile::prepare`]): what preemption needs before it counts victims.
    pub fn passes_non_resource(&self, cx: &PodCtx, i: usize) -> bool {
        self.active.iter().all(|&k| {
            let f = &self.filters[k];
            f.name() == "NodeResourcesFit" || f.passes(cx, i)
        })
    }

    fn pre_filter(&mut self, cx: &PodCtx) {
        self.active.clear();
        for (k, f) in self.filters.iter_mut().enumerate() {
            if f.pre_filter(cx) {
                self.active.push(k);
            }
        }
    }

    /// Whether node `i` passes every active filter (after [`Profile::pre_filter`]).
    fn passes(&self, cx: &PodCtx, i: usize) -> bool {
        cx.cluster.nodes.ready[i] && self.active.iter().all(|&k| self.filters[k].passes(cx, i))
    }

    /// Filters nodes from `start` on (wrapping) until `want` pass; returns how many nodes
    /// were examined. `self.feasible` holds the feasible nodes in examination order.
    fn find_feasible(&mut self, cx: &PodCtx, start: usize, want: usize) -> usize {
        let n = cx.cluster.nodes.len();
        self.feasible.clear();
        let mut pos = 0;
        while pos < n && self.feasible.len() < want {
            let len = BATCH.min(n - pos);
            // Rotated positions pos..pos+len are at most two runs of node indices.
            let first = (start + pos) % n;
            let run = len.min(n - first);
            self.batch.clear();
            let ranges = [first..first + run, 0..len - run];
            match self.active.split_first() {
                Some((&k, rest)) => {
                    for range in ranges {
                        self.filters[k].select(cx, range, &mut self.batch);
                    }
                    for &k in rest {
                        if self.batch.is_empty() {
                            break;
                        }
                        self.filters[k].filter(cx, &mut self.batch);
                    }
                }
                None => {
                    let ready = &cx.cluster.nodes.ready;
                    for range in ranges {
                        self.batch
                            .extend(range.filter(|&i| ready[i]).map(|i| i as u32));
                    }
                }
            }
            let need = want - self.feasible.len();
            if self.batch.len() >= need {
                let last = self.batch[need - 1] as usize;
                self.feasible.extend_from_slice(&self.batch[..need]);
                // Examined up to and including the last feasible node taken.
                return (last + n - start) % n + 1;
            }
            self.feasible.extend_from_slice(&self.batch);
            pos += len;
        }
        pos
    }

    /// Feasible nodes a cycle over `n` nodes looks for: with no score plugin there is
    /// nothing to compare, and upstream stops at the first.
    fn want(&self, n: usize) -> usize {
        match &self.picker {
            Picker::Scores(plugins) if plugins.is_empty() => 1,
            _ => num_feasible_nodes_to_find(n, self.percentage),
        }
    }

    /// The node for `pod`, or `None` if every node fails a filter.
    pub fn schedule(
        &mut self,
        cluster: &ClusterState,
        pod: PodId,
        rng: &mut StreamRng,
    ) -> Option<NodeId> {
        let cx = PodCtx::new(cluster, pod);
        self.pre_filter(&cx);
        let n = cluster.nodes.len();
        if n == 0 {
            return None;
        }
        if let Some(nominated) = cx.pod.nominated_node {
            // A preemptor tries the node it made room on first.
            if self.passes(&cx, nominated.index()) {
                return Some(nominated);
            }
        }
        if matches!(self.picker, Picker::Baseline(_)) {
            // Baselines see every feasible node, in node order.
            self.find_feasible(&cx, 0, n);
            let Picker::Baseline(b) = &mut self.picker else {
                return None;
            };
            if self.feasible.is_empty() {
                return None;
            }
            return Some(NodeId(b.pick(&cx, &self.feasible, rng)));
        }
        let want = self.want(n);
        let start = self.next_start % n;
        let examined = self.find_feasible(&cx, start, want);
        self.next_start = (start + examined) % n;
        match self.feasible.len() {
            0 => None,
            // Upstream binds a lone feasible node without scoring or drawing.
            1 => Some(NodeId(self.feasible[0])),
            _ => {
                self.score_feasible(&cx, None);
                let best = self.total.iter().copied().max().unwrap_or(0);
                let ties = self.total.iter().filter(|&&t| t == best).count();
                let k = if ties > 1 {
                    rng.random_range(0..ties)
                } else {
                    0
                };
                let pick = self
                    .feasible
                    .iter()
                    .zip(&self.total)
                    .filter(|&(_, &t)| t == best)
                    .nth(k)
                    .map(|(&i, _)| i)?;
                Some(NodeId(pick))
            }
        }
    }

    /// Fills `self.total` with the weighted score of every node in `self.feasible`;
    /// with `parts`, also records each plugin's raw and normalized scores.
    fn score_feasible(&mut self, cx: &PodCtx, mut parts: Option<&mut Vec<ScoreParts>>) {
        let m = self.feasible.len();
        self.total.clear();
        self.total.resize(m, 0);
        let Picker::Scores(plugins) = &mut self.picker else {
            return;
        };
        for (plugin, weight) in plugins.iter_mut() {
            let mut normalized = None;
            if plugin.pre_score(cx, &self.feasible) {
                self.raw.clear();
                self.raw.resize(m, 0);
                plugin.score(cx, &self.feasible, &mut self.raw);
                let raw = parts.as_ref().map(|_| self.raw.clone());
                plugin.normalize(&mut self.raw);
                for (t, s) in self.total.iter_mut().zip(&self.raw) {
                    *t += s * *weight;
                }
                normalized = raw.map(|r| (r, self.raw.clone()));
            }
            if let Some(parts) = parts.as_deref_mut() {
                let (raw, normalized) = normalized.unwrap_or_else(|| (vec![0; m], vec![0; m]));
                parts.push(ScoreParts {
                    plugin: plugin.name(),
                    raw,
                    normalized,
                    weight: *weight,
                });
            }
        }
    }

    /// kube-scheduler's diagnosis of a pod no node accepts: for every node, the reasons of
    /// the first filter it fails, counted. Keys are the reason strings.
    pub fn diagnose(&mut self, cluster: &ClusterState, pod: PodId) -> BTreeMap<String, u32> {
        let cx = PodCtx::new(cluster, pod);
        self.pre_filter(&cx);
        let mut counts = BTreeMap::new();
        let mut reasons = Vec::new();
        for i in 0..cluster.nodes.len() {
            reasons.clear();
            if !cluster.nodes.ready[i] {
                reasons.push("node(s) were not ready".to_string());
            } else {
                for &k in &self.active {
                    self.filters[k].reasons(&cx, i, &mut reasons);
                    if !reasons.is_empty() {
                        break;
                    }
                }
            }
            for r in reasons.drain(..) {
                *counts.entry(r).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Every filter's verdict on every node, and for the nodes that pass them all, every
    /// score plugin's scores, without touching the profile's rotation or any random
    /// stream. Returns the verdicts, the feasible nodes and the score parts (per plugin,
    /// one entry per feasible node).
    pub fn evaluate(
        &mut self,
        cluster: &ClusterState,
        pod: PodId,
    ) -> (Vec<FilterVerdict>, Vec<u32>, Vec<ScoreParts>, Vec<i64>) {
        let cx = PodCtx::new(cluster, pod);
        self.pre_filter(&cx);
        let mut verdicts = Vec::new();
        let mut feasible = Vec::new();
        for i in 0..cluster.nodes.len() {
            let mut ok = true;
            let mut ready = Vec::new();
            if !cluster.nodes.ready[i] {
                ready.push("node(s) were not ready".to_string());
                ok = false;
            }
            verdicts.push(FilterVerdict {
                node: i as u32,
                plugin: "NodeReady",
                reasons: ready,
            });
            for (k, f) in self.filters.iter().enumerate() {
                let mut reasons = Vec::new();
                if self.active.contains(&k) {
                    f.reasons(&cx, i, &mut reasons);
                }
                ok &= reasons.is_empty();
                verdicts.push(FilterVerdict {
                    node: i as u32,
                    plugin: f.name(),
                    reasons,
                });
            }
            if ok {
                feasible.push(i as u32);
            }
        }
        self.feasible = feasible.clone();
        let mut parts = Vec::new();
        self.score_feasible(&cx, Some(&mut parts));
        (verdicts, feasible, parts, self.total.clone())
    }

    /// Nodes a sampled cycle starting now would examine for `pod`, in order (all nodes for
    /// baselines), without changing the rotation.
    pub fn sample_of(&mut self, cluster: &ClusterState, pod: PodId) -> Vec<u32> {
        let cx = PodCtx::new(cluster, pod);
        self.pre_filter(&cx);
        let n = cluster.nodes.len();
        if n == 0 {
            return Vec::new();
        }
        let (start, want) = match self.picker {
            Picker::Baseline(_) => (0, n),
            Picker::Scores(_) => (self.next_start % n, self.want(n)),
        };
        let examined = self.find_feasible(&cx, start, want);
        (0..examined).map(|k| ((start + k) % n) as u32).collect()
    }

    /// Whether `pod` passes every filter on node `i`.
    pub fn fits_on(&mut self, cluster: &ClusterState, pod: PodId, i: usize) -> bool {
        self.first_fit(cluster, pod, [i]).is_some()
    }

    /// The first of `nodes` on which `pod` passes every filter, its PreFilters run once.
    pub fn first_fit(
        &mut self,
        cluster: &ClusterState,
        pod: PodId,
        nodes: impl IntoIterator<Item = usize>,
    ) -> Option<usize> {
        let cx = PodCtx::new(cluster, pod);
        self.pre_filter(&cx);
        nodes.into_iter().find(|&i| self.passes(&cx, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TestNumFeasibleNodesToFind` (reference §4.4) and values derived from its formula.
    #[test]
    fn adaptive_node_count_matches_upstream() {
        assert_eq!(num_feasible_nodes_to_find(10, None), 10);
        assert_eq!(num_feasible_nodes_to_find(10, Some(40)), 10);
        assert_eq!(num_feasible_nodes_to_find(1000, None), 420);
        assert_eq!(num_feasible_nodes_to_find(1000, Some(40)), 400);
        assert_eq!(num_feasible_nodes_to_find(6000, None), 300);
        assert_eq!(num_feasible_nodes_to_find(6000, Some(40)), 2400);
        // Derived: 50 − n/125, at least 5 %, at least 100 nodes.
        assert_eq!(num_feasible_nodes_to_find(100, None), 100);
        assert_eq!(num_feasible_nodes_to_find(500, None), 230);
        assert_eq!(num_feasible_nodes_to_find(2000, None), 680);
        assert_eq!(num_feasible_nodes_to_find(5000, None), 500);
        assert_eq!(num_feasible_nodes_to_find(15000, None), 750);
        assert_eq!(num_feasible_nodes_to_find(150, Some(10)), 100);
        assert_eq!(num_feasible_nodes_to_find(5000, Some(100)), 5000);
    }

    #[test]
    fn default_normalize_matches_upstream_helper() {
        // TaintToleration (reverse): counts 0, 1, 2 -> 100, 50, 0.
        let mut s = [0, 1, 2];
        default_normalize(100, true, &mut s);
        assert_eq!(s, [100, 50, 0]);
        let mut z = [0, 0];
        default_normalize(100, true, &mut z);
        assert_eq!(z, [100, 100]);
        // NodeAffinity (forward): raw 2, 11, 4 -> 18, 100, 36.
        let mut a = [2, 11, 4];
        default_normalize(100, false, &mut a);
        assert_eq!(a, [18, 100, 36]);
    }

    use crate::scheduler::config::ProfileConfig;
    use crate::scheduler::testkit::{Kit, rng, template};

    /// `nextStartNodeIndex` advances by the nodes examined, feasible or not (reference
    /// §4.4): 200 nodes sample 100 feasible ones; with node 5 too small, the first cycle
    /// examines 101 nodes.
    #[test]
    fn sampling_rotates_by_the_nodes_examined() {
        let mut kit = Kit::new();
        for i in 0..200 {
            kit.node(if i == 5 { 10 } else { 4000 }, 1 << 30);
        }
        let t = kit.template(template(0));
        let pod = kit.pending(t, 100, 1 << 20);
        let mut profile = Profile::new(&ProfileConfig::default(), None);
        let first = profile.sample_of(&kit.cluster, pod);
        assert_eq!(first, (0..101).collect::<Vec<u32>>());
        profile.schedule(&kit.cluster, pod, &mut rng());
        let second = profile.sample_of(&kit.cluster, pod);
        assert_eq!(second.first(), Some(&101));
        assert_eq!(second.len(), 100);
        // 101 + 100 wraps past the end: 201 mod 200 = 1.
        profile.schedule(&kit.cluster, pod, &mut rng());
        assert_eq!(profile.sample_of(&kit.cluster, pod).first(), Some(&1));
    }

    /// Equal top scores are chosen uniformly: 4 identical nodes, 4,000 picks, each count
    /// within 4 standard deviations (√(4000·¼·¾) ≈ 27) of 1,000; a lone feasible node
    /// is taken without a draw.
    #[test]
    fn ties_are_broken_uniformly_and_a_lone_node_costs_no_draw() {
        let mut kit = Kit::new();
        for _ in 0..4 {
            kit.node(4000, 1 << 30);
        }
        let t = kit.template(template(0));
        let pod = kit.pending(t, 100, 1 << 20);
        let mut profile = Profile::new(&ProfileConfig::default(), None);
        let mut r = rng();
        let mut counts = [0u32; 4];
        for _ in 0..4000 {
            let n = profile.schedule(&kit.cluster, pod, &mut r).expect("fits");
            counts[n.index()] += 1;
        }
        for c in counts {
            assert!((c as i64 - 1000).abs() < 110, "{counts:?}");
        }
        let big = kit.pending(t, 4000, 1 << 20);
        let n = kit.node(8000, 1 << 30);
        let mut a = rng();
        let b = a.clone();
        assert_eq!(profile.schedule(&kit.cluster, big, &mut a), Some(n));
        assert_eq!(a, b, "no random draw for a single feasible node");
    }

    /// A profile without score plugins stops at the first feasible node from the rotating
    /// start (upstream's `numNodesToFind = 1`).
    #[test]
    fn without_scores_the_first_feasible_node_wins() {
        let mut kit = Kit::new();
        for _ in 0..150 {
            kit.node(4000, 1 << 30);
        }
        let t = kit.template(template(0));
        let pod = kit.pending(t, 100, 1 << 20);
        let config = ProfileConfig {
            policy: crate::scheduler::config::PolicyConfig::Framework(
                crate::scheduler::config::FrameworkConfig {
                    scores: vec![],
                    ..Default::default()
                },
            ),
            ..ProfileConfig::default()
        };
        let mut profile = Profile::new(&config, None);
        let picks: Vec<usize> = (0..3)
            .map(|_| {
                profile
                    .schedule(&kit.cluster, pod, &mut rng())
                    .expect("fits")
                    .index()
            })
            .collect();
        assert_eq!(picks, [0, 1, 2]);
    }
}
