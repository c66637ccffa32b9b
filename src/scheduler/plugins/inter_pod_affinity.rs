//! InterPodAffinity (pending).

use crate::scheduler::config::FrameworkConfig;
use crate::scheduler::framework::{FilterPlugin, PodCtx, ScorePlugin};

/// The filter.
pub struct AffinityFilter;

impl AffinityFilter {
    /// The filter for `config`.
    pub fn new(_config: &FrameworkConfig) -> AffinityFilter {
        AffinityFilter
    }
}

impl FilterPlugin for AffinityFilter {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }
    fn pre_filter(&mut self, _cx: &PodCtx) -> bool {
        false
    }
    fn passes(&self, _cx: &PodCtx, _i: usize) -> bool {
        true
    }
    fn reasons(&self, _cx: &PodCtx, _i: usize, _out: &mut Vec<String>) {}
    fn resolvable(&self) -> bool {
        true
    }
}

/// The score.
pub struct AffinityScore;

impl AffinityScore {
    /// The score for `config`.
    pub fn new(_config: &FrameworkConfig) -> AffinityScore {
        AffinityScore
    }
}

impl ScorePlugin for AffinityScore {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }
    fn pre_score(&mut self, _cx: &PodCtx, _feasible: &[u32]) -> bool {
        false
    }
    fn score(&mut self, _cx: &PodCtx, _feasible: &[u32], _out: &mut [i64]) {}
}
