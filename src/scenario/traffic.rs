//! `simulation.traffic` of a Service: the arrival process and the keys of its external
//! requests.

use super::units::{Rate, SimDuration};
use super::validate::{Ctx, R};
use crate::engine::time::Nanos;
use crate::traffic::arrivals::{ArrivalSpec, TrafficSpec};
use crate::traffic::keys::KeySpec;
use serde::Deserialize;

/// `simulation.traffic`: exactly one arrival process, and optional keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrafficDoc {
    /// Evenly spaced arrivals at this rate.
    pub constant: Option<Rate>,
    /// A Poisson process at this rate.
    pub poisson: Option<Rate>,
    /// When the traffic starts (default 0s).
    pub start: Option<SimDuration>,
    /// The keys requests carry (default: every request its own).
    pub keys: Option<KeysDoc>,
}

/// `keys`: how request keys are distributed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeysDoc {
    /// Uniform over this many keys.
    pub uniform: Option<u64>,
}

/// Validates `doc` (at `path`) into the model.
pub(super) fn traffic(
    cx: &Ctx,
    path: &str,
    doc: &TrafficDoc,
    _duration: Option<Nanos>,
) -> R<TrafficSpec> {
    let start = doc.start.map_or(0, SimDuration::as_nanos);
    let process = match (doc.constant, doc.poisson) {
        (Some(r), None) => ArrivalSpec::Constant {
            rate: r.per_second(),
            start,
        },
        (None, Some(r)) => ArrivalSpec::Poisson {
            rate: r.per_second(),
            start,
        },
        _ => {
            return cx.err(
                path,
                "give exactly one arrival process: `constant` or `poisson`",
            );
        }
    };
    let keys = match doc.keys.as_ref().and_then(|k| k.uniform) {
        Some(0) => return cx.err(format!("{path}.keys.uniform"), "must be at least 1"),
        Some(k) => KeySpec::Uniform { keys: k },
        None => KeySpec::Unique,
    };
    Ok(TrafficSpec { process, keys })
}
