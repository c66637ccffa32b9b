//! Arrival processes: when the requests of an entry Service arrive from outside the
//! cluster. Everything about the timing is drawn from the Service's arrival stream, so
//! it is the same under every load balancer and scheduler (DESIGN §3).

use crate::engine::rng::StreamRng;
use crate::engine::time::{Nanos, secs_to_nanos};
use rand::Rng;

/// An entry Service's external traffic, validated.
#[derive(Clone, Debug)]
pub struct TrafficSpec {
    /// When requests arrive.
    pub process: ArrivalSpec,
    /// The keys requests carry (client identities, hash keys).
    pub keys: super::keys::KeySpec,
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
}

impl ArrivalSpec {
    /// The mean rate, requests per second, over `[0, end]`.
    pub fn mean_rate(&self, end: Nanos) -> f64 {
        match *self {
            ArrivalSpec::Constant { rate, start } | ArrivalSpec::Poisson { rate, start } => {
                if end == 0 {
                    0.0
                } else {
                    rate * end.saturating_sub(start) as f64 / end as f64
                }
            }
        }
    }

    /// The highest rate the process reaches, requests per second.
    pub fn peak_rate(&self) -> f64 {
        match *self {
            ArrivalSpec::Constant { rate, .. } | ArrivalSpec::Poisson { rate, .. } => rate,
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
    spec: &'s ArrivalSpec,
    last: Option<Nanos>,
    count: u64,
}

impl<'s> Source<'s> {
    /// The process of `spec`, before its first arrival.
    pub fn new(spec: &'s ArrivalSpec) -> Source<'s> {
        Source {
            spec,
            last: None,
            count: 0,
        }
    }

    /// The next arrival, or `None` when the process has no more.
    pub fn next(&mut self, rng: &mut StreamRng) -> Option<Arrival> {
        let at = match *self.spec {
            // From the count, not the last gap, so rounding never accumulates.
            ArrivalSpec::Constant { rate, start } => {
                start.saturating_add(secs_to_nanos((self.count + 1) as f64 / rate))
            }
            ArrivalSpec::Poisson { rate, start } => {
                let prev = self.last.unwrap_or(start);
                let u: f64 = rng.random();
                prev.saturating_add(secs_to_nanos(-(1.0 - u).ln() / rate))
            }
        };
        self.last = Some(at);
        self.count += 1;
        Some(Arrival { at, size: None })
    }
}
