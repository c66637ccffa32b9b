//! `autoscaling.csv`: one row per autoscaler decision, streamed as the run goes.

use crate::engine::time::Nanos;
use crate::scenario::units::format_seconds;
use std::io::{self, Write};

/// The columns of `autoscaling.csv`.
pub const COLUMNS: [&str; 9] = [
    "time_s",
    "autoscaler",
    "name",
    "target",
    "from",
    "to",
    "reason",
    "metric",
    "value",
];

/// One decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision<'a> {
    /// `hpa` or `cluster-autoscaler`.
    pub autoscaler: &'a str,
    /// The HPA's name, or the node group's.
    pub name: &'a str,
    /// What it scales: a Deployment, a node group, a node.
    pub target: &'a str,
    /// Replicas or nodes before.
    pub from: u32,
    /// Replicas or nodes after.
    pub to: u32,
    /// Why, in upstream's words where it has them.
    pub reason: &'a str,
    /// The figure the decision rests on.
    pub metric: &'a str,
    /// Its value; empty when there was none.
    pub value: Option<f64>,
}

/// The `autoscaling.csv` writer (by default it writes nowhere).
pub struct Decisions {
    out: csv::Writer<Box<dyn Write>>,
}

impl Default for Decisions {
    fn default() -> Self {
        Decisions {
            out: csv::Writer::from_writer(Box::new(io::sink())),
        }
    }
}

impl Decisions {
    /// Streams the rows to `out`, after the header.
    pub fn write_to(&mut self, out: Box<dyn Write>) -> io::Result<()> {
        self.out = csv::Writer::from_writer(out);
        self.out.write_record(COLUMNS)?;
        Ok(())
    }

    /// Writes decision `d`, taken at `now`.
    pub fn log(&mut self, now: Nanos, d: &Decision) -> io::Result<()> {
        let value = d.value.map(|v| format!("{v}")).unwrap_or_default();
        self.out.write_record([
            format_seconds(now).as_str(),
            d.autoscaler,
            d.name,
            d.target,
            &d.from.to_string(),
            &d.to.to_string(),
            d.reason,
            d.metric,
            &value,
        ])?;
        Ok(())
    }

    /// Flushes the rows written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
