//! PodTopologySpread (pending).

use crate::scheduler::config::FrameworkConfig;
use crate::scheduler::framework::{FilterPlugin, PodCtx, ScorePlugin};

/// The filter.
pub struct SpreadFilter;

impl SpreadFilter {
    /// The filter for `config`.
    pub fn new(_config: &FrameworkConfig) -> SpreadFilter {
        SpreadFilter
    }
}

impl FilterPlugin for SpreadFilter {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
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
pub struct SpreadScore;

impl SpreadScore {
    /// The score for `config`.
    pub fn new(_config: &FrameworkConfig) -> SpreadScore {
        SpreadScore
    }
}

impl ScorePlugin for SpreadScore {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }
    fn pre_score(&mut self, _cx: &PodCtx, _feasible: &[u32]) -> bool {
        false
    }
    fn score(&mut self, _cx: &PodCtx, _feasible: &[u32], _out: &mut [i64]) {}
}
