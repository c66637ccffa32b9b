//! `diurnal`: a Poisson process whose rate follows a daily cosine between a trough and a
//! peak, sampled exactly by thinning (Lewis and Shedler, 1979): candidates arrive at the
//! peak rate and each is kept with probability rate(t) / peak.

use super::exp1;
use crate::engine::rng::StreamRng;
use crate::engine::time::{NANOS_PER_SEC, Nanos, secs_to_nanos};
use rand::Rng;
use std::f64::consts::TAU;

/// rate(t) = trough + (peak − trough)·(1 + cos(2π(t − peak_at)/period))/2 from `start`
/// (0 before).
#[derive(Clone, Debug, PartialEq)]
pub struct Diurnal {
    /// The highest rate, requests per second, reached at `peak_at` (+ whole periods).
    pub peak: f64,
    /// The lowest rate, half a period from the peak; `0 <= trough <= peak`.
    pub trough: f64,
    /// When the rate peaks.
    pub peak_at: Nanos,
    /// The length of one cycle, > 0.
    pub period: Nanos,
    /// When the traffic starts.
    pub start: Nanos,
}

impl Diurnal {
    /// Where `t` falls in the cycle, as an angle from the peak (exact integer reduction,
    /// so a long run loses no precision).
    fn angle(&self, t: Nanos) -> f64 {
        let since_peak =
            (i128::from(t) - i128::from(self.peak_at)).rem_euclid(i128::from(self.period));
        TAU * since_peak as f64 / self.period as f64
    }

    /// The rate at `t`, requests per second.
    pub fn rate_at(&self, t: Nanos) -> f64 {
        if t < self.start {
            return 0.0;
        }
        self.trough + (self.peak - self.trough) * (1.0 + self.angle(t).cos()) / 2.0
    }

    /// The expected number of arrivals in `[0, end]`: the integral of the rate.
    pub(super) fn expected_count(&self, end: Nanos) -> f64 {
        if end <= self.start {
            return 0.0;
        }
        let span = (end - self.start) as f64 / NANOS_PER_SEC as f64;
        let period = self.period as f64 / NANOS_PER_SEC as f64;
        let swing = (self.angle(end).sin() - self.angle(self.start).sin()) * period / TAU;
        self.trough * span + (self.peak - self.trough) / 2.0 * (span + swing)
    }
}

/// The last candidate's time.
#[derive(Debug)]
pub(super) struct Cursor {
    t: Nanos,
}

impl Cursor {
    /// Before the first candidate.
    pub(super) fn new(spec: &Diurnal) -> Cursor {
        Cursor { t: spec.start }
    }

    /// The next kept candidate. Expected candidates per arrival are peak / mean rate, at
    /// most 2 when the trough is 0.
    pub(super) fn next(&mut self, spec: &Diurnal, rng: &mut StreamRng) -> Nanos {
        loop {
            self.t = self.t.saturating_add(secs_to_nanos(exp1(rng) / spec.peak));
            let u: f64 = rng.random();
            if u * spec.peak < spec.rate_at(self.t) || self.t == Nanos::MAX {
                return self.t;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::within_poisson;
    use super::super::{ArrivalSpec, Source};
    use super::*;
    use crate::engine::rng::StreamKey;

    const HOUR: Nanos = 3600 * NANOS_PER_SEC;

    fn spec(peak: f64) -> Diurnal {
        Diurnal {
            peak,
            trough: 0.2,
            peak_at: 14 * HOUR,
            period: 24 * HOUR,
            start: 0,
        }
    }

    /// The integral of the formula's rate over `[a, b]` hours by Simpson's rule,
    /// independent of the closed form the code uses.
    fn simpson(peak: f64, trough: f64, a: f64, b: f64) -> f64 {
        let rate =
            |h: f64| trough + (peak - trough) * (1.0 + (TAU * (h - 14.0) / 24.0).cos()) / 2.0;
        let n = 1000;
        let step = (b - a) / n as f64;
        let mut sum = rate(a) + rate(b);
        for i in 1..n {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            sum += w * rate(a + i as f64 * step);
        }
        sum * step / 3.0 * 3600.0
    }

    #[test]
    fn rate_formula_and_integral() {
        let d = spec(2.0);
        assert!((d.rate_at(14 * HOUR) - 2.0).abs() < 1e-12);
        assert!((d.rate_at(2 * HOUR) - 0.2).abs() < 1e-12);
        assert!((d.rate_at(20 * HOUR) - 1.1).abs() < 1e-12);
        for (a, b) in [(0.0, 24.0), (3.0, 17.5), (13.0, 40.0)] {
            let closed = Diurnal {
                start: secs_to_nanos(a * 3600.0),
                ..d.clone()
            }
            .expected_count(secs_to_nanos(b * 3600.0));
            let numeric = simpson(2.0, 0.2, a, b);
            assert!(
                (closed - numeric).abs() < 1e-6 * numeric,
                "{closed} {numeric}"
            );
        }
        // A whole number of days averages (peak + trough) / 2.
        let whole = ArrivalSpec::Diurnal(d).mean_rate(48 * HOUR);
        assert!((whole - 1.1).abs() < 1e-9);
    }

    /// Arrival counts per hour of day over `days` days.
    fn hourly_counts(d: &Diurnal, days: u64) -> [usize; 24] {
        let spec = ArrivalSpec::Diurnal(d.clone());
        let mut rng = StreamKey::new(5, "arrivals/diurnal").rng();
        let mut src = Source::new(&spec);
        let mut bins = [0usize; 24];
        let mut last = 0;
        while let Some(a) = src.next(&mut rng) {
            assert!(a.at >= last);
            last = a.at;
            if a.at >= days * 24 * HOUR {
                break;
            }
            bins[((a.at / HOUR) % 24) as usize] += 1;
        }
        bins
    }

    #[test]
    fn hourly_counts_follow_the_integrated_rate() {
        // 20 days at a mean 1.1/s: about 80 000 arrivals per hour-of-day bin near the peak,
        // 4 σ = 1.1 %; near the trough 4 σ ≈ 3 %.
        let days = 20;
        let bins = hourly_counts(&spec(2.0), days);
        let expected: Vec<f64> = (0..24)
            .map(|h| days as f64 * simpson(2.0, 0.2, h as f64, h as f64 + 1.0))
            .collect();
        for h in 0..24 {
            assert!(
                within_poisson(bins[h], expected[h], 4.0),
                "hour {h}: {} vs {}",
                bins[h],
                expected[h]
            );
        }
        // Negative control: the expectation of a peak 10 % too high misses some bins.
        let wrong: Vec<f64> = (0..24)
            .map(|h| days as f64 * simpson(2.2, 0.2, h as f64, h as f64 + 1.0))
            .collect();
        let misses = (0..24)
            .filter(|&h| !within_poisson(bins[h], wrong[h], 4.0))
            .count();
        assert!(
            misses >= 12,
            "only {misses} bins tell a 10 % wrong peak apart"
        );
    }
}
