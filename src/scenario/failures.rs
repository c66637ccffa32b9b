//! Validation of node failures: a pool's `failures`, the `node_failure` and `zone_outage`
//! events, and the `nodeLifecycle` settings.

use super::events::{EventRefs, targets};
use super::limits::{MAX_DURATION_NANOS, MAX_NODE_FAILURES};
use super::model::{Action, NodeLifecycleConfig, Pool, PoolFailures};
use super::schema::{FailuresDoc, NodeFailureEventDoc, NodeLifecycleDoc, ZoneOutageEventDoc};
use super::units::SimDuration;
use super::validate::{Ctx, R, duration_dist};
use crate::engine::time::Nanos;

/// A pool's `failures`: both laws are required.
pub(super) fn pool_failures(cx: &Ctx, path: &str, f: &FailuresDoc) -> R<PoolFailures> {
    let law = |field: &str, d: Option<&super::dist::DistSpec<SimDuration>>| match d {
        Some(d) => duration_dist(cx, &format!("{path}.failures.{field}"), d),
        None => cx.err(
            format!("{path}.failures.{field}"),
            "is required when `failures` is given, e.g. `{exponential: {mean: 2h}}`",
        ),
    };
    Ok(PoolFailures {
        time_to_failure: law("timeToFailure", f.time_to_failure.as_ref())?,
        time_to_repair: law("timeToRepair", f.time_to_repair.as_ref())?,
    })
}

/// Failing pools need a `duration` (they never stop), and may not be expected to fail
/// more than [`MAX_NODE_FAILURES`] times in all.
pub(super) fn check_expected_failures(cx: &Ctx, pools: &[Pool], end: Option<Nanos>) -> R<()> {
    let mut expected = 0.0;
    for (i, p) in pools.iter().enumerate() {
        let Some(f) = &p.failures else { continue };
        let path = format!("cluster.nodePools[{i}].failures");
        let Some(end) = end else {
            return cx.err(
                path,
                "failing nodes never stop failing: the scenario needs a `duration`",
            );
        };
        let cycle = f.time_to_failure.mean() + f.time_to_repair.mean();
        let span = end.saturating_sub(p.added_at) as f64 / 1e9;
        expected += p.count as f64 * span / cycle;
        if expected.is_nan() || expected > MAX_NODE_FAILURES {
            return cx.err(
                path,
                format!(
                    "about {expected:.0} node failures expected over the run, more than the limit of \
                     {MAX_NODE_FAILURES}; use longer timeToFailure/timeToRepair means or a shorter duration"
                ),
            );
        }
    }
    Ok(())
}

/// A duration that must be above zero and within the limit.
fn positive(cx: &Ctx, path: String, d: SimDuration, example: &str) -> R<Nanos> {
    let n = d.as_nanos();
    if n == 0 || n > MAX_DURATION_NANOS {
        return cx.err(
            path,
            format!("must be more than 0s and at most 100 years (876000h), e.g. {example}"),
        );
    }
    Ok(n)
}

/// A `node_failure` event.
pub(super) fn node_failure(
    cx: &Ctx,
    path: &str,
    f: &NodeFailureEventDoc,
    refs: &EventRefs,
) -> R<Action> {
    let repair_after = match f.repair_after {
        Some(d) => Some(positive(cx, format!("{path}.repairAfter"), d, "10m")?),
        None => None,
    };
    Ok(Action::NodeFailure {
        targets: targets(cx, path, &f.targets(), refs)?,
        repair_after,
    })
}

/// A `zone_outage` event.
pub(super) fn zone_outage(
    cx: &Ctx,
    path: &str,
    z: &ZoneOutageEventDoc,
    refs: &EventRefs,
) -> R<Action> {
    let Some(zone) = refs.zones.iter().position(|n| *n == z.zone) else {
        let known = if refs.zones.is_empty() {
            "the cluster has no zones; give node pools `zones: [...]`".to_string()
        } else {
            format!("the zones are: {}", refs.zones.join(", "))
        };
        return cx.err(
            format!("{path}.zone"),
            format!("there is no zone `{}`; {known}", z.zone),
        );
    };
    Ok(Action::ZoneOutage {
        zone: zone as u16,
        duration: positive(cx, format!("{path}.duration"), z.duration, "15m")?,
    })
}

/// `nodeLifecycle`, with v1.35's defaults for what it leaves out.
pub(super) fn node_lifecycle(cx: &Ctx, doc: Option<&NodeLifecycleDoc>) -> R<NodeLifecycleConfig> {
    let mut c = NodeLifecycleConfig::default();
    let Some(d) = doc else { return Ok(c) };
    let p = |f: &str| format!("nodeLifecycle.{f}");
    if let Some(v) = d.node_monitor_grace_period {
        c.grace_period = positive(cx, p("nodeMonitorGracePeriod"), v, "50s")?;
    }
    if let Some(v) = d.node_monitor_period {
        c.monitor_period = positive(cx, p("nodeMonitorPeriod"), v, "5s")?;
    }
    // A rate below one per 100 years would never act; above 1000/s it is instantaneous.
    let rate = |f: &str, v: f64| {
        if v.is_finite() && (v == 0.0 || (1e-9..=1000.0).contains(&v)) {
            Ok(v)
        } else {
            cx.err(
                p(f),
                format!("must be 0 (never) or between 1e-9 and 1000 nodes per second, got {v}"),
            )
        }
    };
    if let Some(v) = d.node_eviction_rate {
        c.eviction_rate = rate("nodeEvictionRate", v)?;
    }
    if let Some(v) = d.secondary_node_eviction_rate {
        c.secondary_eviction_rate = rate("secondaryNodeEvictionRate", v)?;
    }
    if let Some(v) = d.unhealthy_zone_threshold {
        if !(v.is_finite() && v > 0.0 && v <= 1.0) {
            return cx.err(
                p("unhealthyZoneThreshold"),
                format!("must be a fraction above 0 and at most 1 (default 0.55), got {v}"),
            );
        }
        c.unhealthy_zone_threshold = v;
    }
    if let Some(v) = d.large_cluster_size_threshold {
        if !(1..=i64::from(u32::MAX)).contains(&v) {
            return cx.err(
                p("largeClusterSizeThreshold"),
                format!("must be a node count of at least 1 (default 50), got {v}"),
            );
        }
        c.large_cluster_size_threshold = v as u32;
    }
    Ok(c)
}
