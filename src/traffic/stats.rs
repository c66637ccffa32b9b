//! Per-Service request figures: counters and latency histograms per `services.csv`
//! interval and over the measured span (after `metrics.warmup`), and the time-averaged
//! count of requests in flight.

use crate::engine::time::Nanos;
use hdrhistogram::Histogram;

/// Significant decimal digits the latency histograms keep (0.1 % relative error).
const SIGNIFICANT_DIGITS: u8 = 3;

/// An empty latency histogram that grows to the largest latency recorded.
fn histogram() -> Histogram<u64> {
    Histogram::new(SIGNIFICANT_DIGITS).expect("3 significant digits is a valid precision")
}

/// Records `v`, growing the histogram as needed (`saturating_record` alone would clamp
/// to the current range instead of growing it).
fn record(h: &mut Histogram<u64>, v: Nanos) {
    if h.record(v).is_err() {
        h.saturating_record(v);
    }
}

/// Request counters over a span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Attempts that arrived (first attempts and retries).
    pub arrivals: u64,
    /// Answered successfully.
    pub completed: u64,
    /// Refused: no endpoint, or the pod's queue was full.
    pub rejected: u64,
    /// Failed: the pod stopped, a call failed, or the caller timed out.
    pub failed: u64,
    /// Of `failed`, the timeouts.
    pub timeouts: u64,
    /// Of `arrivals`, the retries.
    pub retries: u64,
    /// Sum of the latencies of completed requests, ns.
    pub latency_sum: u128,
    /// The longest latency of a completed request, ns (exact, unlike the histogram's).
    pub latency_max: Nanos,
    /// CPU the Service's requests used, core-ns (each one's demand, when its own work
    /// is done).
    pub cpu: u128,
}

/// Counters with their latency histogram.
#[derive(Clone, Debug)]
pub struct Span {
    /// The counters.
    pub counts: Counts,
    /// Latencies of completed requests, ns.
    pub latency: Histogram<u64>,
}

impl Span {
    fn new() -> Span {
        Span {
            counts: Counts::default(),
            latency: histogram(),
        }
    }

    /// Mean latency of completed requests, seconds.
    pub fn mean_s(&self) -> Option<f64> {
        let c = &self.counts;
        (c.completed > 0).then(|| c.latency_sum as f64 / c.completed as f64 / 1e9)
    }

    /// The `q`-quantile of the latencies of completed requests, ns.
    pub fn quantile(&self, q: f64) -> Option<Nanos> {
        (!self.latency.is_empty()).then(|| self.latency.value_at_quantile(q))
    }
}

/// One Service's figures.
#[derive(Clone, Debug)]
pub struct ServiceStats {
    /// Since the last `services.csv` row.
    pub interval: Span,
    /// Since the warm-up ended.
    pub total: Span,
    /// Over the whole run, warm-up included: what conservation is checked on.
    pub run: Counts,
    /// Attempts whose caller still waits for them.
    pub in_flight: u64,
    /// ∫ in_flight dt over the measured span, request-ns.
    pub in_flight_area: u128,
    /// Measured span so far, ns.
    pub measured: Nanos,
    since: Nanos,
    warmup: Nanos,
    /// When the current interval began.
    interval_start: Nanos,
}

impl ServiceStats {
    /// Empty figures; the totals start at `warmup`.
    pub fn new(warmup: Nanos) -> ServiceStats {
        ServiceStats {
            interval: Span::new(),
            total: Span::new(),
            run: Counts::default(),
            in_flight: 0,
            in_flight_area: 0,
            measured: 0,
            since: 0,
            warmup,
            interval_start: 0,
        }
    }

    /// Integrates the in-flight count up to `now`.
    pub fn advance(&mut self, now: Nanos) {
        let from = self.since.max(self.warmup);
        if now > from {
            self.in_flight_area += u128::from(self.in_flight) * u128::from(now - from);
            self.measured += now - from;
        }
        self.since = self.since.max(now);
    }

    fn count(&mut self, now: Nanos, f: impl Fn(&mut Counts)) {
        f(&mut self.interval.counts);
        f(&mut self.run);
        if now >= self.warmup {
            f(&mut self.total.counts);
        }
    }

    /// An attempt arrived (`retry`: it is a retry).
    pub fn arrived(&mut self, now: Nanos, retry: bool) {
        self.advance(now);
        self.in_flight += 1;
        self.count(now, |c| {
            c.arrivals += 1;
            c.retries += u64::from(retry);
        });
    }

    /// An attempt was answered successfully after `latency`.
    pub fn completed(&mut self, now: Nanos, latency: Nanos) {
        self.advance(now);
        self.in_flight -= 1;
        self.count(now, |c| {
            c.completed += 1;
            c.latency_sum += u128::from(latency);
            c.latency_max = c.latency_max.max(latency);
        });
        record(&mut self.interval.latency, latency);
        // An interval that began after the warm-up is added to the total whole when it
        // ends; one that began before adds its measured requests one by one.
        if now >= self.warmup && self.interval_start < self.warmup {
            record(&mut self.total.latency, latency);
        }
    }

    /// An attempt was refused.
    pub fn rejected(&mut self, now: Nanos) {
        self.advance(now);
        self.in_flight -= 1;
        self.count(now, |c| c.rejected += 1);
    }

    /// An attempt failed (`timeout`: its caller gave up).
    pub fn failed(&mut self, now: Nanos, timeout: bool) {
        self.advance(now);
        self.in_flight -= 1;
        self.count(now, |c| {
            c.failed += 1;
            c.timeouts += u64::from(timeout);
        });
    }

    /// A request's own work (`demand` core-ns) is done.
    pub fn worked(&mut self, now: Nanos, demand: Nanos) {
        self.count(now, |c| c.cpu += u128::from(demand));
    }

    /// Ends the current `services.csv` interval at `at` and starts the next.
    pub fn next_interval(&mut self, at: Nanos) {
        self.interval.counts = Counts::default();
        if !self.interval.latency.is_empty() {
            if self.interval_start >= self.warmup {
                // Both histograms grow as needed, so adding never fails.
                let _ = self.total.latency.add(&self.interval.latency);
            }
            self.interval.latency.reset();
        }
        self.interval_start = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_area_starts_at_the_warmup() {
        let mut s = ServiceStats::new(10);
        s.arrived(0, false);
        s.arrived(5, false);
        // Two in flight from 10 to 20, one from 20 to 30.
        s.completed(20, 20);
        s.failed(30, true);
        s.advance(40);
        assert_eq!(s.in_flight_area, 2 * 10 + 10);
        assert_eq!(s.measured, 30);
        assert_eq!(s.total.counts.arrivals, 0);
        assert_eq!(s.interval.counts.arrivals, 2);
        assert_eq!(s.total.counts.completed, 1);
        assert_eq!(s.total.counts.timeouts, 1);
        assert_eq!(s.total.quantile(0.5), Some(20));
        s.next_interval(40);
        assert_eq!(s.interval.counts, Counts::default());
        assert_eq!(s.interval.quantile(0.5), None);
        // A whole interval after the warm-up joins the total when it ends.
        s.arrived(41, false);
        s.completed(45, 4);
        assert_eq!(s.total.latency.len(), 1);
        s.next_interval(50);
        assert_eq!(s.total.latency.len(), 2);
        assert_eq!(s.total.quantile(0.0), Some(4));
    }
}
