//! `requestCsv`: request times (and sizes) replayed from a trace, once or in a loop.

use super::Arrival;
use crate::engine::time::{NANOS_PER_SEC, Nanos};

/// A replayed trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    /// Arrival times relative to the first row (which is 0), non-decreasing, at least one.
    pub times: Vec<Nanos>,
    /// Each row's size, when the trace has a size column (as long as `times`).
    pub sizes: Option<Vec<f64>>,
    /// When the first row arrives.
    pub start: Nanos,
    /// When looping, the length of one lap (see [`Replay::lap`]); `None` plays once.
    pub period: Option<Nanos>,
}

impl Replay {
    /// The lap of a looped trace: its span plus one mean gap, so that the loop keeps the
    /// trace's mean rate and the last row of a lap is not on top of the next lap's first.
    /// `None` when the trace has fewer than two rows or spans no time.
    pub fn lap(times: &[Nanos]) -> Option<Nanos> {
        let span = *times.last()? - *times.first()?;
        let gaps = times.len() as u64 - 1;
        if span == 0 || gaps == 0 {
            return None;
        }
        Some(span.saturating_add(span.div_ceil(gaps)))
    }

    /// Arrivals in `[0, end]`.
    pub(super) fn count_until(&self, end: Nanos) -> u64 {
        let Some(rel) = end.checked_sub(self.start) else {
            return 0;
        };
        let n = self.times.len() as u64;
        let upto = |t: Nanos| self.times.partition_point(|&x| x <= t) as u64;
        match self.period {
            Some(p) => (rel / p).saturating_mul(n).saturating_add(upto(rel % p)),
            None => upto(rel),
        }
    }

    /// The most arrivals in any one-second window (each window starting at an arrival).
    pub(super) fn peak_per_second(&self) -> f64 {
        let mut best = 0;
        let mut lo = 0;
        for (hi, &t) in self.times.iter().enumerate() {
            while t - self.times[lo] >= NANOS_PER_SEC {
                lo += 1;
            }
            best = best.max(hi + 1 - lo);
        }
        best as f64
    }
}

/// The next row and the current lap.
#[derive(Debug, Default)]
pub(super) struct Cursor {
    row: usize,
    lap: u64,
}

impl Cursor {
    /// The next row's arrival; `None` after the last row of a trace played once.
    pub(super) fn next(&mut self, spec: &Replay) -> Option<Arrival> {
        if self.row == spec.times.len() {
            spec.period?;
            self.row = 0;
            self.lap += 1;
        }
        let offset = spec.times.get(self.row)?;
        let lap_start = spec.period.map_or(0, |p| p.saturating_mul(self.lap));
        let at = spec.start.saturating_add(lap_start).saturating_add(*offset);
        let size = spec.sizes.as_ref().and_then(|s| s.get(self.row).copied());
        self.row += 1;
        Some(Arrival { at, size })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ArrivalSpec, Source};
    use super::*;
    use crate::engine::rng::StreamKey;

    const S: Nanos = NANOS_PER_SEC;

    fn all(spec: &ArrivalSpec, most: usize) -> Vec<Arrival> {
        let mut rng = StreamKey::new(1, "arrivals/replay").rng();
        let mut src = Source::new(spec);
        std::iter::from_fn(|| src.next(&mut rng))
            .take(most)
            .collect()
    }

    #[test]
    fn plays_once_or_loops() {
        let times = vec![0, S, S, 3 * S];
        let once = ArrivalSpec::Replay(Replay {
            times: times.clone(),
            sizes: Some(vec![1.0, 2.0, 3.0, 4.0]),
            start: 10 * S,
            period: None,
        });
        let a = all(&once, 100);
        let at: Vec<Nanos> = a.iter().map(|x| x.at).collect();
        assert_eq!(at, vec![10 * S, 11 * S, 11 * S, 13 * S]);
        assert_eq!(a[3].size, Some(4.0));
        assert_eq!(once.mean_rate(20 * S), 4.0 / 20.0);
        assert_eq!(once.peak_rate(), 2.0);

        // Span 3 s over 3 gaps: a lap is 3 s + 1 s.
        assert_eq!(Replay::lap(&times), Some(4 * S));
        let looped = ArrivalSpec::Replay(Replay {
            times,
            sizes: None,
            start: 0,
            period: Some(4 * S),
        });
        let at: Vec<Nanos> = all(&looped, 6).iter().map(|x| x.at).collect();
        assert_eq!(at, vec![0, S, S, 3 * S, 4 * S, 5 * S]);
        // [0, 9 s] holds two laps (8 arrivals) and 0 s, 1 s, 1 s of the third.
        assert_eq!(looped.mean_rate(9 * S), 11.0 / 9.0);
        assert_eq!(Replay::lap(&[5]), None);
    }
}
