//! `markovModulated`: a Markov-modulated Poisson process (MMPP). A hidden state stays an
//! exponential time with its mean, then moves to the next state of the list (cyclically);
//! in each state requests arrive as a Poisson process at the state's rate. Sampling is
//! exact: both clocks are memoryless, so at a switch the pending arrival is simply
//! redrawn at the new rate.

use super::exp1;
use crate::engine::rng::StreamRng;
use crate::engine::time::{NANOS_PER_SEC, Nanos, secs_to_nanos};

/// One state of the modulating chain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MmppState {
    /// Requests per second in this state, >= 0.
    pub rate: f64,
    /// Mean time in the state, seconds, > 0.
    pub mean_duration: f64,
}

/// The MMPP's states (at least one, some with a rate > 0), which one it starts in and when.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkovModulated {
    /// The states, visited in order and then from the first again.
    pub states: Vec<MmppState>,
    /// Index of the state at `start`.
    pub initial: usize,
    /// When the traffic starts.
    pub start: Nanos,
}

impl MarkovModulated {
    /// The long-run rate: Σ rate_i·d_i / Σ d_i, each state weighted by its share of time.
    pub fn long_run_rate(&self) -> f64 {
        let time: f64 = self.states.iter().map(|s| s.mean_duration).sum();
        let work: f64 = self.states.iter().map(|s| s.rate * s.mean_duration).sum();
        work / time
    }

    /// The expected number of arrivals in `[0, end]` at the long-run rate.
    pub(super) fn expected_count(&self, end: Nanos) -> f64 {
        self.long_run_rate() * end.saturating_sub(self.start) as f64 / NANOS_PER_SEC as f64
    }

    /// The highest state rate.
    pub(super) fn peak_rate(&self) -> f64 {
        self.states.iter().map(|s| s.rate).fold(0.0, f64::max)
    }
}

/// The current state, when it ends, and the last arrival (or switch).
#[derive(Debug)]
pub(super) struct Cursor {
    state: usize,
    state_end: Option<Nanos>,
    t: Nanos,
}

impl Cursor {
    /// In the initial state at `start`; its sojourn is drawn with the first arrival.
    pub(super) fn new(spec: &MarkovModulated) -> Cursor {
        Cursor {
            state: spec.initial,
            state_end: None,
            t: spec.start,
        }
    }

    /// The next arrival; `None` only when time runs out of `u64`.
    pub(super) fn next(&mut self, spec: &MarkovModulated, rng: &mut StreamRng) -> Option<Nanos> {
        loop {
            let s = spec.states.get(self.state)?;
            let end = match self.state_end {
                Some(e) => e,
                None => {
                    let e = self
                        .t
                        .saturating_add(secs_to_nanos(exp1(rng) * s.mean_duration));
                    self.state_end = Some(e);
                    e
                }
            };
            if s.rate > 0.0 {
                let at = self.t.saturating_add(secs_to_nanos(exp1(rng) / s.rate));
                if at < end {
                    self.t = at;
                    return Some(at);
                }
            }
            if end == Nanos::MAX {
                return None;
            }
            self.t = end;
            self.state = (self.state + 1) % spec.states.len();
            self.state_end = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ArrivalSpec, Source};
    use super::*;
    use crate::engine::rng::StreamKey;

    const S: Nanos = NANOS_PER_SEC;

    /// Counts per `window` seconds over `[0, windows × window)`.
    fn window_counts(spec: &ArrivalSpec, seed: u64, window: u64, windows: usize) -> Vec<f64> {
        let mut rng = StreamKey::new(seed, "arrivals/mmpp").rng();
        let mut src = Source::new(spec);
        let mut counts = vec![0.0; windows];
        let mut last = 0;
        while let Some(a) = src.next(&mut rng) {
            assert!(a.at >= last);
            last = a.at;
            let w = (a.at / (window * S)) as usize;
            if w >= windows {
                break;
            }
            counts[w] += 1.0;
        }
        counts
    }

    fn mean_var(x: &[f64]) -> (f64, f64) {
        let m = x.iter().sum::<f64>() / x.len() as f64;
        let v = x.iter().map(|c| (c - m) * (c - m)).sum::<f64>() / (x.len() - 1) as f64;
        (m, v)
    }

    fn two_state(calm_duration: f64) -> MarkovModulated {
        MarkovModulated {
            states: vec![
                MmppState {
                    rate: 10.0,
                    mean_duration: calm_duration,
                },
                MmppState {
                    rate: 100.0,
                    mean_duration: 1.0,
                },
            ],
            initial: 0,
            start: 0,
        }
    }

    #[test]
    fn long_run_rate_and_burstiness() {
        // Σ rate·d / Σ d = (10·6 + 100·1) / 7 = 22.857/s, derived by hand.
        let m = two_state(6.0);
        assert!((m.long_run_rate() - 160.0 / 7.0).abs() < 1e-12);
        let spec = ArrivalSpec::MarkovModulated(m);
        // 200 000 s in 100 batches of 2000 s (≈ 290 cycles each, so batches are close to
        // independent); the standard error of the rate comes from the batch means.
        let batches = window_counts(&spec, 21, 2000, 100);
        let (m_b, v_b) = mean_var(&batches);
        let rate = m_b / 2000.0;
        let se = (v_b / 100.0).sqrt() / 2000.0;
        let truth = 160.0 / 7.0;
        assert!((rate - truth).abs() < 4.0 * se, "{rate} vs {truth} ± {se}");
        assert!(4.0 * se < 0.03 * truth, "the check must be tight: se {se}");
        // Negative control: a calm state 10 % longer gives a rate the check rejects.
        let wrong = two_state(6.6).long_run_rate();
        assert!((rate - wrong).abs() > 4.0 * se, "{rate} vs wrong {wrong}");

        // Index of dispersion of counts in 10 s windows: 1 for Poisson, far above for an
        // MMPP whose state lasts about as long as the window.
        let windows = window_counts(&spec, 22, 10, 20_000);
        let (m_w, v_w) = mean_var(&windows);
        assert!(v_w / m_w > 2.0, "IDC {}", v_w / m_w);
        // Control: a Poisson process at the same rate has an IDC near 1.
        let poisson = ArrivalSpec::Poisson {
            rate: truth,
            start: 0,
        };
        let (m_p, v_p) = mean_var(&window_counts(&poisson, 22, 10, 20_000));
        assert!((v_p / m_p - 1.0).abs() < 0.1, "Poisson IDC {}", v_p / m_p);
    }

    #[test]
    fn an_on_off_process_runs_at_half_its_on_rate() {
        // Off (0/s) for ~5 s, on (50/s) for ~5 s, from 3 s: nothing before the start, and a
        // long-run rate of 50·5 / 10 = 25/s, checked by batch means over 100 × 500 s.
        let spec = ArrivalSpec::MarkovModulated(MarkovModulated {
            states: vec![
                MmppState {
                    rate: 0.0,
                    mean_duration: 5.0,
                },
                MmppState {
                    rate: 50.0,
                    mean_duration: 5.0,
                },
            ],
            initial: 0,
            start: 3 * S,
        });
        let first = window_counts(&spec, 8, 3, 1);
        assert_eq!(first[0], 0.0);
        let batches = window_counts(&spec, 8, 500, 101);
        let (m, v) = mean_var(&batches[1..]);
        let se = (v / 100.0).sqrt() / 500.0;
        assert!((m / 500.0 - 25.0).abs() < 4.0 * se, "{} ± {se}", m / 500.0);
        assert!(4.0 * se < 0.05 * 25.0, "se {se}");
    }
}
