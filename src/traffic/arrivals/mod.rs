//! Arrival processes: when the requests of an entry Service arrive from outside the
//! cluster. Everything about the timing is drawn from the Service's arrival stream, so
//! it is the same under every load balancer and scheduler (DESIGN §3).
//!
//! Each process keeps its time as integer nanoseconds and draws only the gap to the next
//! event in floating point, rounded once when drawn, so that no error accumulates over a
//! long run.

mod diurnal;
mod mmpp;
mod replay;
mod steps;

pub use diurnal::Diurnal;
pub use mmpp::{MarkovModulated, MmppState};
pub use replay::Replay;
pub use steps::{Step, Steps};

use crate::engine::rng::StreamRng;
use crate::engine::time::{NANOS_PER_SEC, Nanos, secs_to_nanos};
use rand::Rng;
use rand_distr::Exp1;

/// An entry Service's external traffic, validated.
#[derive(Clone, Debug)]
pub struct TrafficSpec {
    /// When requests arrive.
    pub process: ArrivalSpec,
    /// The keys requests carry (client identities, hash keys).
    pub keys: super::keys::KeySpec,
    /// How a replayed request's size becomes its service demand (`requestCsv` with a
    /// `sizeColumn`); `None` when requests take the Service's own `demand`.
    pub size_demand: Option<SizeDemand>,
}

/// A replayed request's demand from its size: `base + per_unit × size` seconds of one full
/// CPU (for an LLM trace, a fixed overhead plus a time per generated token).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SizeDemand {
    /// Seconds every request takes, whatever its size.
    pub base: f64,
    /// Seconds per unit of size.
    pub per_unit: f64,
}

impl SizeDemand {
    /// The demand, in seconds, of a request of `size` units.
    pub fn seconds(&self, size: f64) -> f64 {
        self.base + self.per_unit * size
    }
}

/// When requests arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrivalSpec {
    /// Evenly spaced, `rate` per second, the first one `1/rate` after `start`.
    Constant {
        /// Requests per second.
        rate: f64,
        /// When the stream starts.
        start: Nanos,
    },
    /// A Poisson process at `rate` per second from `start`.
    Poisson {
        /// Requests per second.
        rate: f64,
        /// When the stream starts.
        start: Nanos,
    },
    /// A Poisson process whose rate follows a daily cosine.
    Diurnal(Diurnal),
    /// A Poisson process with a piecewise-constant rate (`steps`, `spike`, `rateCsv`).
    Steps(Steps),
    /// A Markov-modulated Poisson process: bursts and lulls.
    MarkovModulated(MarkovModulated),
    /// Request times replayed from a trace.
    Replay(Replay),
}

impl ArrivalSpec {
    /// The mean rate, requests per second, over `[0, end]`.
    pub fn mean_rate(&self, end: Nanos) -> f64 {
        if end == 0 {
            return 0.0;
        }
        let expected = match self {
            ArrivalSpec::Constant { rate, start } | ArrivalSpec::Poisson { rate, start } => {
                rate * end.saturating_sub(*start) as f64 / NANOS_PER_SEC as f64
            }
            ArrivalSpec::Diurnal(d) => d.expected_count(end),
            ArrivalSpec::Steps(s) => s.expected_count(end),
            ArrivalSpec::MarkovModulated(m) => m.expected_count(end),
            ArrivalSpec::Replay(r) => r.count_until(end) as f64,
        };
        expected / (end as f64 / NANOS_PER_SEC as f64)
    }

    /// The highest rate the process reaches, requests per second (for a replay, the most
    /// requests in any one-second window).
    pub fn peak_rate(&self) -> f64 {
        match self {
            ArrivalSpec::Constant { rate, .. } | ArrivalSpec::Poisson { rate, .. } => *rate,
            ArrivalSpec::Diurnal(d) => d.peak,
            ArrivalSpec::Steps(s) => s.peak_rate(),
            ArrivalSpec::MarkovModulated(m) => m.peak_rate(),
            ArrivalSpec::Replay(r) => r.peak_per_second(),
        }
    }
}

/// One arrival.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arrival {
    /// When it arrives.
    pub at: Nanos,
    /// Its size from a replayed trace's size column, if the trace has one.
    pub size: Option<f64>,
}

/// A running arrival process: where it is in its spec.
#[derive(Debug)]
pub struct Source<'s> {
    state: State<'s>,
}

/// Each kind of process with its running state (borrowing the spec, so `next` matches once).
#[derive(Debug)]
enum State<'s> {
    /// Evenly spaced: arrivals so far, since spacing is computed from the count.
    Constant { rate: f64, start: Nanos, count: u64 },
    /// Poisson: the last arrival, or `start` before the first.
    Poisson { rate: f64, last: Nanos },
    /// Thinning of the diurnal rate.
    Diurnal(&'s Diurnal, diurnal::Cursor),
    /// Inversion of a piecewise-constant rate.
    Steps(&'s Steps, steps::Cursor),
    /// The modulating chain and the last arrival.
    Mmpp(&'s MarkovModulated, mmpp::Cursor),
    /// The next row of a replay.
    Replay(&'s Replay, replay::Cursor),
}

impl<'s> Source<'s> {
    /// The process of `spec`, before its first arrival.
    pub fn new(spec: &'s ArrivalSpec) -> Source<'s> {
        let state = match spec {
            ArrivalSpec::Constant { rate, start } => State::Constant {
                rate: *rate,
                start: *start,
                count: 0,
            },
            ArrivalSpec::Poisson { rate, start } => State::Poisson {
                rate: *rate,
                last: *start,
            },
            ArrivalSpec::Diurnal(d) => State::Diurnal(d, diurnal::Cursor::new(d)),
            ArrivalSpec::Steps(s) => State::Steps(s, steps::Cursor::new(s)),
            ArrivalSpec::MarkovModulated(m) => State::Mmpp(m, mmpp::Cursor::new(m)),
            ArrivalSpec::Replay(r) => State::Replay(r, replay::Cursor::default()),
        };
        Source { state }
    }

    /// The next arrival, or `None` when the process has no more. Times never decrease.
    pub fn next(&mut self, rng: &mut StreamRng) -> Option<Arrival> {
        let at = match &mut self.state {
            // From the count, not the last gap, so rounding never accumulates.
            State::Constant { rate, start, count } => {
                *count += 1;
                start.saturating_add(secs_to_nanos(*count as f64 / *rate))
            }
            State::Poisson { rate, last } => {
                *last = last.saturating_add(secs_to_nanos(exp1(rng) / *rate));
                *last
            }
            State::Diurnal(d, c) => c.next(d, rng),
            State::Steps(s, c) => c.next(s, rng)?,
            State::Mmpp(m, c) => c.next(m, rng)?,
            State::Replay(r, c) => return c.next(r),
        };
        Some(Arrival { at, size: None })
    }
}

/// A standard exponential draw (mean 1): the integrated rate between two events of any
/// Poisson process.
fn exp1(rng: &mut StreamRng) -> f64 {
    rng.sample(Exp1)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers the process tests share.

    use super::{ArrivalSpec, Source};
    use crate::engine::rng::StreamKey;
    use crate::engine::time::Nanos;

    /// Every arrival of `spec` before `end`, checking that times never decrease.
    pub(crate) fn times_until(spec: &ArrivalSpec, seed: u64, end: Nanos) -> Vec<Nanos> {
        let mut rng = StreamKey::new(seed, "arrivals/test").rng();
        let mut src = Source::new(spec);
        let mut out = Vec::new();
        while let Some(a) = src.next(&mut rng) {
            if let Some(&last) = out.last() {
                assert!(
                    a.at >= last,
                    "arrival times decreased: {last} then {}",
                    a.at
                );
            }
            if a.at >= end {
                break;
            }
            out.push(a.at);
        }
        out
    }

    /// How many of the sorted `times` fall in `[from, to)`.
    pub(crate) fn count_in(times: &[Nanos], from: Nanos, to: Nanos) -> usize {
        times.partition_point(|&t| t < to) - times.partition_point(|&t| t < from)
    }

    /// Whether `observed` is within `sigmas` standard deviations of a Poisson count with
    /// mean `expected` (variance = mean).
    pub(crate) fn within_poisson(observed: usize, expected: f64, sigmas: f64) -> bool {
        (observed as f64 - expected).abs() <= sigmas * expected.sqrt().max(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{count_in, times_until, within_poisson};
    use super::*;

    const S: Nanos = NANOS_PER_SEC;

    #[test]
    fn constant_times_are_exact() {
        // 3 per second from 2 s: 2 + 1/3, 2 + 2/3, 3, … with one rounding each.
        let spec = ArrivalSpec::Constant {
            rate: 3.0,
            start: 2 * S,
        };
        let t = times_until(&spec, 1, 12 * S);
        assert_eq!(t.len(), 29);
        assert_eq!(t[0], 2 * S + 333_333_333);
        assert_eq!(t[1], 2 * S + 666_666_667);
        assert_eq!(t[2], 3 * S);
        assert_eq!(t[28], 2 * S + 9 * S + 666_666_667);
        assert_eq!(spec.mean_rate(12 * S), 3.0 * 10.0 / 12.0);
        assert_eq!(spec.peak_rate(), 3.0);
    }

    #[test]
    fn poisson_gaps_and_counts_match_the_rate() {
        // Rate 50/s over 4000 s: N ~ Poisson(200 000), sd 447 (0.22 %); the mean gap's
        // standard error is (1/50)/sqrt(N), 0.22 % as well.
        let rate = 50.0;
        let spec = ArrivalSpec::Poisson { rate, start: 0 };
        let end = 4000 * S;
        let t = times_until(&spec, 11, end);
        let expected = rate * 4000.0;
        assert!(within_poisson(t.len(), expected, 4.0), "{}", t.len());
        let mean_gap = *t.last().expect("arrivals") as f64 / 1e9 / t.len() as f64;
        let se = (1.0 / rate) / (t.len() as f64).sqrt();
        assert!((mean_gap - 1.0 / rate).abs() < 4.0 * se, "{mean_gap}");
        // The squared coefficient of variation of exponential gaps is 1.
        let gaps: Vec<f64> = t.windows(2).map(|w| (w[1] - w[0]) as f64 / 1e9).collect();
        let m = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let var = gaps.iter().map(|g| (g - m) * (g - m)).sum::<f64>() / gaps.len() as f64;
        assert!((var / (m * m) - 1.0).abs() < 0.03, "cv² {}", var / (m * m));
        // Negative control: the same count check with a 2 % wrong rate fails.
        assert!(!within_poisson(t.len(), expected * 1.02, 4.0));
        assert_eq!(count_in(&t, 0, end), t.len());
    }

    #[test]
    fn size_demand_is_affine() {
        let d = SizeDemand {
            base: 0.005,
            per_unit: 0.001,
        };
        assert!((d.seconds(100.0) - 0.105).abs() < 1e-12);
    }
}
