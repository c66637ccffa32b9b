//! `services.csv` rows, the per-Service summary figures, and the request conservation
//! check (arrived = completed + rejected + failed + in flight).

use super::flow::Traffic;
use crate::engine::time::Nanos;
use crate::metrics::format::{format_seconds, ratio};
use std::io::{self, Write};

/// The columns of `services.csv`.
pub const COLUMNS: [&str; 16] = [
    "time_s",
    "service",
    "arrivals",
    "completed",
    "rejected",
    "failed",
    "in_flight",
    "latency_mean_s",
    "latency_p50_s",
    "latency_p90_s",
    "latency_p99_s",
    "latency_p999_s",
    "timeouts",
    "retries",
    "endpoints",
    "cpu_cores",
];

/// Where `services.csv` goes and when its next row is due.
pub struct Rows {
    out: Option<csv::Writer<Box<dyn Write>>>,
    interval: Nanos,
    next: Nanos,
    last: Nanos,
    /// Per latency SLO of the scenario: measured intervals that had requests complete,
    /// and those whose percentile missed the target.
    pub slo: Vec<(u64, u64)>,
}

impl Rows {
    /// Rows every `interval`, written nowhere until [`Rows::write_to`].
    pub fn new(interval: Nanos) -> Rows {
        Rows {
            out: None,
            interval,
            next: 0,
            last: 0,
            slo: Vec::new(),
        }
    }
}

impl Traffic<'_> {
    /// Streams `services.csv` to `out`, from the next row on (call before the run).
    pub fn write_services_to(&mut self, out: Box<dyn Write>) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(COLUMNS)?;
        self.rows.out = Some(w);
        Ok(())
    }

    /// Writes the rows due before `t`, the time of the next event.
    pub fn advance(&mut self, t: Nanos) -> io::Result<()> {
        while self.rows.next < t {
            let at = self.rows.next;
            self.sample(at)?;
            self.rows.next = self.rows.next.saturating_add(self.rows.interval);
        }
        Ok(())
    }

    /// Ends the run at `end`: the remaining rows, the last at `end` itself.
    pub fn finish(&mut self, end: Nanos) -> io::Result<()> {
        self.advance(end)?;
        self.sample(end)?;
        for s in &mut self.stats {
            s.advance(end);
        }
        if let Some(w) = &mut self.rows.out {
            w.flush()?;
        }
        Ok(())
    }

    fn sample(&mut self, t: Nanos) -> io::Result<()> {
        let span = t.saturating_sub(self.rows.last);
        self.rows.last = t;
        let time = format_seconds(t);
        let slos = &self.slos;
        self.rows.slo.resize(slos.len(), (0, 0));
        for (k, slo) in slos.iter().enumerate() {
            let iv = &self.stats[usize::from(slo.service)].interval;
            if t > self.warmup && iv.counts.completed > 0 {
                let (n, missed) = &mut self.rows.slo[k];
                *n += 1;
                *missed += u64::from(iv.quantile(slo.percentile / 100.0) > Some(slo.target));
            }
        }
        for (i, st) in self.stats.iter_mut().enumerate() {
            if let Some(w) = &mut self.rows.out {
                let iv = &st.interval;
                let c = &iv.counts;
                let q = |p: f64| iv.quantile(p).map(format_seconds).unwrap_or_default();
                let cpu = (span > 0).then(|| c.cpu as f64 / span as f64);
                w.write_record([
                    time.as_str(),
                    &self.specs[i].name,
                    &c.arrivals.to_string(),
                    &c.completed.to_string(),
                    &c.rejected.to_string(),
                    &c.failed.to_string(),
                    &st.in_flight.to_string(),
                    &ratio(iv.mean_s()),
                    &q(0.5),
                    &q(0.9),
                    &q(0.99),
                    &q(0.999),
                    &c.timeouts.to_string(),
                    &c.retries.to_string(),
                    &self.endpoints[i].visible().to_string(),
                    &ratio(cpu),
                ])?;
            }
            st.next_interval(t);
        }
        Ok(())
    }

    /// The per-Service rows of `summary.csv`, over the measured span.
    pub fn summary(&self) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        let mut put = |k: &str, name: &str, v: String| rows.push((format!("{k}[{name}]"), v));
        let mut all = [0u64; 4];
        for (i, st) in self.stats.iter().enumerate() {
            let name = &self.specs[i].name;
            let t = &st.total;
            let c = &t.counts;
            let secs = st.measured as f64 / 1e9;
            let per_s = |x: f64| (st.measured > 0).then(|| x / secs);
            let q = |p: f64| t.quantile(p).map(format_seconds).unwrap_or_default();
            put("requests_arrived", name, c.arrivals.to_string());
            put("requests_completed", name, c.completed.to_string());
            put("requests_rejected", name, c.rejected.to_string());
            put("requests_failed", name, c.failed.to_string());
            put("requests_timed_out", name, c.timeouts.to_string());
            put("requests_retried", name, c.retries.to_string());
            put("requests_in_flight_end", name, st.in_flight.to_string());
            put(
                "success_ratio",
                name,
                ratio((c.arrivals > 0).then(|| c.completed as f64 / c.arrivals as f64)),
            );
            put("throughput_rps", name, ratio(per_s(c.completed as f64)));
            put("latency_mean_s", name, ratio(t.mean_s()));
            put("latency_p50_s", name, q(0.5));
            put("latency_p90_s", name, q(0.9));
            put("latency_p99_s", name, q(0.99));
            put("latency_p999_s", name, q(0.999));
            put(
                "latency_max_s",
                name,
                if c.completed == 0 {
                    String::new()
                } else {
                    format_seconds(c.latency_max)
                },
            );
            put(
                "in_flight_mean",
                name,
                ratio(per_s(st.in_flight_area as f64 / 1e9)),
            );
            put("cpu_cores_mean", name, ratio(per_s(c.cpu as f64 / 1e9)));
            for (k, v) in [c.arrivals, c.completed, c.rejected, c.failed]
                .into_iter()
                .enumerate()
            {
                all[k] += v;
            }
        }
        for (slo, &(n, missed)) in self.slos.iter().zip(&self.rows.slo) {
            let name = &self.specs[usize::from(slo.service)].name;
            put("slo_latency_intervals", name, n.to_string());
            put("slo_latency_misses", name, missed.to_string());
            put(
                "slo_latency_miss_ratio",
                name,
                ratio((n > 0).then(|| missed as f64 / n as f64)),
            );
        }
        let [arrived, completed, rejected, failed] = all;
        rows.push(("requests_arrived".into(), arrived.to_string()));
        rows.push(("requests_completed".into(), completed.to_string()));
        rows.push(("requests_rejected".into(), rejected.to_string()));
        rows.push(("requests_failed".into(), failed.to_string()));
        rows
    }

    /// Requests of external clients that were answered in the measured span: what a
    /// cost per served request divides by.
    pub fn served(&self) -> u64 {
        (0..self.specs.len())
            .filter(|&i| self.specs[i].traffic.is_some())
            .map(|i| self.stats[i].total.counts.completed)
            .sum()
    }

    /// Checks request conservation per Service over the whole run: every attempt that
    /// arrived was completed, rejected, failed, or is still in flight; and that only
    /// pods whose containers run hold requests. `recount`: also recount the requests
    /// held against those counted in flight (slow: it walks every request slot).
    pub fn check_conservation(
        &self,
        cluster: &crate::cluster::ClusterState,
        recount: bool,
    ) -> Result<(), String> {
        self.check_servers(cluster)?;
        let mut in_flight = 0u64;
        for (i, st) in self.stats.iter().enumerate() {
            let c = &st.run;
            let out = c.completed + c.rejected + c.failed + st.in_flight;
            if c.arrivals != out {
                return Err(format!(
                    "Service {}: {} requests arrived but {} completed + {} rejected + {} failed + {} in flight = {out}",
                    self.specs[i].name, c.arrivals, c.completed, c.rejected, c.failed, st.in_flight
                ));
            }
            in_flight += st.in_flight;
        }
        let held = if recount {
            self.held_unabandoned()
        } else {
            in_flight
        };
        if held != in_flight {
            return Err(format!(
                "{in_flight} requests counted in flight but {held} held by pods and callers"
            ));
        }
        Ok(())
    }
}
