//! Upstream's normalization of the desired replicas (`horizontal.go`): min/max bounds,
//! stabilization windows, and the scaling policies of `behavior` (or the legacy limits
//! without one).

use crate::autoscaling::spec::{Behavior, HpaConfig, HpaSpec};
use crate::engine::time::Nanos;

/// The reconcile loop's memory for one HPA: past recommendations and scale events.
#[derive(Debug, Default)]
pub struct Normalizer {}

/// A decision and the condition reason upstream would report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The replicas.
    pub replicas: u32,
    /// The reason.
    pub reason: &'static str,
}

impl Normalizer {
    /// Decides.
    pub fn decide(
        &mut self,
        spec: &HpaSpec,
        cfg: &HpaConfig,
        current: u32,
        metric_desired: Option<u32>,
        now: Nanos,
    ) -> Decision {
        let _ = (spec, cfg, now);
        Decision {
            replicas: metric_desired.unwrap_or(current),
            reason: "",
        }
    }

    /// Records a scale.
    pub fn record_scale(&mut self, behavior: Option<&Behavior>, from: u32, to: u32, now: Nanos) {
        let _ = (behavior, from, to, now);
    }
}
