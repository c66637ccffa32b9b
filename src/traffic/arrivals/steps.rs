//! `steps`, `spike` and `rateCsv`: a Poisson process with a piecewise-constant rate,
//! sampled exactly by inverting the integrated rate. One Exp(1) draw is the integrated
//! rate to the next arrival; it is spent across pieces until a piece holds the rest.
//! Unlike thinning this costs nothing in pieces of rate 0 and needs no bound on the rate.

use super::exp1;
use crate::engine::rng::StreamRng;
use crate::engine::time::{NANOS_PER_SEC, Nanos, secs_to_nanos};

/// One piece: from `at` the rate is `rate` until the next step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// When the piece begins.
    pub at: Nanos,
    /// Requests per second, >= 0.
    pub rate: f64,
}

/// A piecewise-constant rate: 0 before the first step, each step's rate until the next,
/// the last one's until `end` (forever when `None`), then 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Steps {
    /// At least one step, `at` strictly increasing.
    pub steps: Vec<Step>,
    /// When the last piece ends, after the last step's `at`.
    pub end: Option<Nanos>,
}

impl Steps {
    /// `base` from 0, `rate` for `duration` from `at`, then `base` again (`duration` > 0).
    pub fn spike(base: f64, rate: f64, at: Nanos, duration: Nanos) -> Steps {
        let mut steps = Vec::with_capacity(3);
        if at > 0 {
            steps.push(Step { at: 0, rate: base });
        }
        steps.push(Step { at, rate });
        steps.push(Step {
            at: at.saturating_add(duration),
            rate: base,
        });
        Steps { steps, end: None }
    }

    /// When piece `i` ends (`None`: never).
    fn piece_end(&self, i: usize) -> Option<Nanos> {
        self.steps.get(i + 1).map(|s| s.at).or(self.end)
    }

    /// The expected number of arrivals in `[0, end]`.
    pub(super) fn expected_count(&self, end: Nanos) -> f64 {
        let mut sum = 0.0;
        for (i, s) in self.steps.iter().enumerate() {
            let to = self.piece_end(i).map_or(end, |e| e.min(end));
            sum += s.rate * to.saturating_sub(s.at) as f64 / NANOS_PER_SEC as f64;
        }
        sum
    }

    /// The rate at `t`: 0 before the first step and after `end`.
    pub fn rate_at(&self, t: Nanos) -> f64 {
        let k = self.steps.partition_point(|s| s.at <= t);
        match k.checked_sub(1) {
            Some(i) if self.piece_end(i).is_none_or(|e| t < e) => self.steps[i].rate,
            _ => 0.0,
        }
    }

    /// The highest rate of any piece.
    pub fn peak_rate(&self) -> f64 {
        self.steps.iter().map(|s| s.rate).fold(0.0, f64::max)
    }
}

/// The current piece and the last arrival (or piece boundary).
#[derive(Debug)]
pub(super) struct Cursor {
    piece: usize,
    t: Nanos,
}

impl Cursor {
    /// At the first step.
    pub(super) fn new(spec: &Steps) -> Cursor {
        Cursor {
            piece: 0,
            t: spec.steps.first().map_or(0, |s| s.at),
        }
    }

    /// The next arrival, `None` once the rate is 0 for good. Each piece is crossed once
    /// over the whole run, so the cost per arrival is O(1) amortised.
    pub(super) fn next(&mut self, spec: &Steps, rng: &mut StreamRng) -> Option<Nanos> {
        let mut mass = exp1(rng);
        loop {
            let rate = spec.steps.get(self.piece)?.rate;
            let end = spec.piece_end(self.piece);
            if rate > 0.0 {
                let at = self.t.saturating_add(secs_to_nanos(mass / rate));
                if end.is_none_or(|e| at < e) {
                    self.t = at;
                    return Some(at);
                }
            }
            let end = end?;
            // What this piece's remainder holds is spent; the rest carries over.
            let spent = rate * (end - self.t) as f64 / NANOS_PER_SEC as f64;
            mass = (mass - spent).max(0.0);
            self.t = end;
            self.piece += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ArrivalSpec;
    use super::super::test_support::{count_in, times_until, within_poisson};
    use super::*;

    const S: Nanos = NANOS_PER_SEC;

    fn steps(list: &[(u64, f64)], end: Option<Nanos>) -> ArrivalSpec {
        ArrivalSpec::Steps(Steps {
            steps: list
                .iter()
                .map(|&(at, rate)| Step { at: at * S, rate })
                .collect(),
            end,
        })
    }

    #[test]
    fn counts_per_piece_match_rate_times_length() {
        // Pieces (from, to, rate): nothing before 10 s, 100/s for 90 s, 0 for 50 s,
        // 300/s for 100 s, 50/s to the end at 400 s.
        let spec = steps(&[(10, 100.0), (100, 0.0), (150, 300.0), (250, 50.0)], None);
        let t = times_until(&spec, 3, 400 * S);
        assert_eq!(count_in(&t, 0, 10 * S), 0);
        assert_eq!(count_in(&t, 100 * S, 150 * S), 0);
        for (from, to, rate) in [(10, 100, 100.0), (150, 250, 300.0), (250, 400, 50.0)] {
            let n = count_in(&t, from * S, to * S);
            let expected = rate * (to - from) as f64;
            assert!(within_poisson(n, expected, 4.0), "[{from}, {to}): {n}");
            // Negative control: a 10 % wrong rate is told apart.
            assert!(!within_poisson(n, expected * 1.1, 4.0));
        }
        assert!((spec.mean_rate(400 * S) - (9000.0 + 30000.0 + 7500.0) / 400.0).abs() < 1e-9);
        assert_eq!(spec.peak_rate(), 300.0);
    }

    #[test]
    fn a_finite_series_ends() {
        // 1000/s on [0, 2 s), then 0 for good: about 2000 arrivals, then `None`.
        let spec = steps(&[(0, 1000.0)], Some(2 * S));
        let t = times_until(&spec, 4, u64::MAX);
        assert!(within_poisson(t.len(), 2000.0, 4.0), "{}", t.len());
        assert!(t.iter().all(|&x| x < 2 * S));
        // A last piece of rate 0 without an end ends the process too.
        let off = steps(&[(0, 10.0), (5, 0.0)], None);
        assert!(times_until(&off, 4, u64::MAX).iter().all(|&x| x < 5 * S));
    }

    #[test]
    fn spike_is_three_steps() {
        let s = Steps::spike(100.0, 1000.0, 600 * S, 60 * S);
        assert_eq!(
            s.steps,
            vec![
                Step { at: 0, rate: 100.0 },
                Step {
                    at: 600 * S,
                    rate: 1000.0
                },
                Step {
                    at: 660 * S,
                    rate: 100.0
                }
            ]
        );
        let spec = ArrivalSpec::Steps(s);
        let t = times_until(&spec, 9, 720 * S);
        for (from, to, rate) in [(0, 600, 100.0), (600, 660, 1000.0), (660, 720, 100.0)] {
            let n = count_in(&t, from * S, to * S);
            assert!(within_poisson(n, rate * (to - from) as f64, 4.0), "{n}");
        }
        // At 0 the spike replaces the base.
        assert_eq!(Steps::spike(1.0, 5.0, 0, S).steps.len(), 2);
    }
}
