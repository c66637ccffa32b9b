//! Upstream's normalization of the desired replicas (`horizontal.go`): min/max bounds,
//! stabilization windows, and the scaling policies of `behavior` (or the legacy limits
//! without one).
//!
//! The reconcile loop remembers, per HPA, its recent unstabilized recommendations and the
//! scale changes it made; [`Normalizer`] holds both. Entries are reused in place once they
//! fall out of every window that reads them, as upstream does, so the memory stays bounded
//! by the longest window divided by the sync period.

use super::replica_calc::{CalcError, Proposal};
use crate::autoscaling::spec::{
    Behavior, HpaConfig, HpaSpec, PolicyKind, ScalingRules, SelectPolicy,
};
use crate::engine::time::Nanos;

/// A recommendation the reconcile loop made (`timestampedRecommendation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Recommendation {
    replicas: u32,
    at: Nanos,
}

/// A scale the HPA made (`timestampedScaleEvent`): how many replicas it added or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ScaleEvent {
    change: u32,
    at: Nanos,
    /// Older than the direction's longest policy period when last checked: free for reuse.
    outdated: bool,
}

/// The reconcile loop's memory for one HPA: past recommendations and scale events.
#[derive(Debug, Default)]
pub struct Normalizer {
    recommendations: Vec<Recommendation>,
    scale_up_events: Vec<ScaleEvent>,
    scale_down_events: Vec<ScaleEvent>,
}

/// A decision and the condition reason upstream would report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The replicas to set; equal to the current count when nothing changes.
    pub replicas: u32,
    /// Upstream's reason: `ScalingLimited`'s (`ScaleUpLimit`, `ScaleDownLimit`,
    /// `TooManyReplicas`, `TooFewReplicas`), else `AbleToScale`'s `ScaleUpStabilized` /
    /// `ScaleDownStabilized` when a stabilization window changed the recommendation, else
    /// `DesiredWithinRange`; `ScalingDisabled` at zero replicas and
    /// `FailedComputeMetricsReplicas` when no metric could be used.
    pub reason: &'static str,
}

const DESIRED_WITHIN_RANGE: &str = "DesiredWithinRange";

/// `computeReplicasForMetrics`' rule for combining the metrics: the largest proposal, or
/// `None` (no scaling) when every metric failed, or when some failed and the largest valid
/// proposal is below `current` (a broken metric must not cause a scale-down).
pub fn metric_desired(current: u32, proposals: &[Result<Proposal, CalcError>]) -> Option<u32> {
    let valid = proposals.iter().filter_map(|p| p.as_ref().ok());
    let largest = valid.map(|p| p.replicas).max()?;
    let some_failed = proposals.iter().any(Result::is_err);
    if some_failed && largest < current {
        None
    } else {
        Some(largest)
    }
}

/// Whether an entry made at `at` lies inside `window` before `now`: upstream's
/// `at.After(now − window)`, written so that no subtraction underflows near time zero.
fn inside(at: Nanos, window: Nanos, now: Nanos) -> bool {
    at.saturating_add(window) > now
}

/// Upstream's `at.Before(now − window)`.
fn older(at: Nanos, window: Nanos, now: Nanos) -> bool {
    at.saturating_add(window) < now
}

/// An integer limit back in replicas (limits below zero allow zero).
fn to_replicas(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl Normalizer {
    /// `reconcileAutoscaler` from "currentReplicas" on, at the sync time `now`, for an HPA
    /// whose target has `current` replicas:
    /// - `current == 0` with `minReplicas != 0`: scaling is disabled (`ScalingDisabled`,
    ///   replicas 0);
    /// - `current > maxReplicas`: `maxReplicas` (`TooManyReplicas`); `current < minReplicas`:
    ///   `minReplicas` (`TooFewReplicas`); neither reads the metrics;
    /// - otherwise `metric_desired` is normalized: without `behavior` by the legacy rules
    ///   (the largest recommendation of the last `cfg.downscale_stabilization`, then within
    ///   `minReplicas` and `min(maxReplicas, max(2 × current, 4))`), with `behavior` by its
    ///   stabilization windows (a scale-down window of `None` takes
    ///   `cfg.downscale_stabilization`, a scale-up one 0) and its policies.
    ///
    /// `metric_desired` is the combined proposal of the HPA's metrics and must already be
    /// `None` when upstream would not scale on them: every metric failed, or some failed
    /// and the rest propose fewer than `current`. [`metric_desired`] computes it. With
    /// `None` nothing changes (`FailedComputeMetricsReplicas`).
    ///
    /// The first call records `current` as a recommendation at `now` (upstream's
    /// `recordInitialRecommendation`), so a new HPA waits out its scale-down window before
    /// it scales down. Scale events are not recorded here: call [`Normalizer::record_scale`]
    /// once the Deployment has been scaled.
    pub fn decide(
        &mut self,
        spec: &HpaSpec,
        cfg: &HpaConfig,
        current: u32,
        metric_desired: Option<u32>,
        now: Nanos,
    ) -> Decision {
        if self.recommendations.is_empty() {
            self.recommendations.push(Recommendation {
                replicas: current,
                at: now,
            });
        }
        let (min, max) = (spec.min_replicas, spec.max_replicas);
        if current == 0 && min != 0 {
            return Decision {
                replicas: 0,
                reason: "ScalingDisabled",
            };
        }
        if current > max {
            return Decision {
                replicas: max,
                reason: "TooManyReplicas",
            };
        }
        if current < min {
            return Decision {
                replicas: min,
                reason: "TooFewReplicas",
            };
        }
        let Some(desired) = metric_desired else {
            return Decision {
                replicas: current,
                reason: "FailedComputeMetricsReplicas",
            };
        };
        let (stabilized, stabilized_reason, (replicas, limit_reason)) = match &spec.behavior {
            None => {
                let stabilized = self.stabilize(desired, cfg.downscale_stabilization, now);
                (
                    stabilized,
                    "ScaleDownStabilized",
                    convert_legacy(current, stabilized, min, max),
                )
            }
            Some(b) => {
                let up_window = b.scale_up.stabilization_window.unwrap_or(0);
                let down_window = b
                    .scale_down
                    .stabilization_window
                    .unwrap_or(cfg.downscale_stabilization);
                let stabilized =
                    self.stabilize_with_behavior(current, desired, up_window, down_window, now);
                let reason = if desired >= current {
                    "ScaleUpStabilized"
                } else {
                    "ScaleDownStabilized"
                };
                let rates = Rates {
                    up_events: &self.scale_up_events,
                    down_events: &self.scale_down_events,
                    now,
                };
                (
                    stabilized,
                    reason,
                    rates.convert(b, current, stabilized, min, max),
                )
            }
        };
        let reason = if limit_reason == DESIRED_WITHIN_RANGE && stabilized != desired {
            stabilized_reason
        } else {
            limit_reason
        };
        Decision { replicas, reason }
    }

    /// The Deployment was scaled from `from` to `to` at `now` (`storeScaleEvent`): with a
    /// `behavior`, the change is remembered in its direction, reusing an entry older than
    /// that direction's longest policy period; without one nothing is kept, as nothing
    /// reads it.
    pub fn record_scale(&mut self, behavior: Option<&Behavior>, from: u32, to: u32, now: Nanos) {
        let Some(b) = behavior else {
            return;
        };
        if to > from {
            store_event(&mut self.scale_up_events, &b.scale_up, to - from, now);
        } else if to < from {
            store_event(&mut self.scale_down_events, &b.scale_down, from - to, now);
        }
    }

    /// Appends `replicas` at `now`, or overwrites the entry at `old` (one that no window
    /// reads any more).
    fn record(&mut self, replicas: u32, old: Option<usize>, now: Nanos) {
        let rec = Recommendation { replicas, at: now };
        match old.and_then(|i| self.recommendations.get_mut(i)) {
            Some(slot) => *slot = rec,
            None => self.recommendations.push(rec),
        }
    }

    /// `stabilizeRecommendation`: the largest of `desired` and the recommendations inside
    /// `window`; records `desired`.
    fn stabilize(&mut self, desired: u32, window: Nanos, now: Nanos) -> u32 {
        let mut largest = desired;
        let mut old = None;
        for (i, rec) in self.recommendations.iter().enumerate() {
            if older(rec.at, window, now) {
                old = Some(i);
            } else if rec.replicas > largest {
                largest = rec.replicas;
            }
        }
        self.record(desired, old, now);
        largest
    }

    /// `stabilizeRecommendationWithBehaviors`: the current count brought up to the lowest
    /// recommendation inside the scale-up window and down to the highest inside the
    /// scale-down window; records `desired`.
    fn stabilize_with_behavior(
        &mut self,
        current: u32,
        desired: u32,
        up_window: Nanos,
        down_window: Nanos,
        now: Nanos,
    ) -> u32 {
        let (mut up, mut down) = (desired, desired);
        let mut old = None;
        for (i, rec) in self.recommendations.iter().enumerate() {
            if inside(rec.at, up_window, now) {
                up = up.min(rec.replicas);
            }
            if inside(rec.at, down_window, now) {
                down = down.max(rec.replicas);
            }
            if older(rec.at, up_window, now) && older(rec.at, down_window, now) {
                old = Some(i);
            }
        }
        self.record(desired, old, now);
        current.max(up).min(down)
    }
}

/// `convertDesiredReplicasWithRules`, the legacy bounds: `minReplicas`, and
/// `min(maxReplicas, max(2 × current, 4))`.
fn convert_legacy(current: u32, desired: u32, min: u32, max: u32) -> (u32, &'static str) {
    let scale_up_limit = u32::try_from((2 * u64::from(current)).max(4)).unwrap_or(u32::MAX);
    let (max_allowed, reason) = if max > scale_up_limit {
        (scale_up_limit, "ScaleUpLimit")
    } else {
        (max, "TooManyReplicas")
    };
    if desired < min {
        (min, "TooFewReplicas")
    } else if desired > max_allowed {
        (max_allowed, reason)
    } else {
        (desired, DESIRED_WITHIN_RANGE)
    }
}

/// The scale events the policies read, at one sync.
struct Rates<'a> {
    up_events: &'a [ScaleEvent],
    down_events: &'a [ScaleEvent],
    now: Nanos,
}

/// Which way a policy limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

impl Rates<'_> {
    /// `convertDesiredReplicasWithBehaviorRate`: the stabilized recommendation held to the
    /// policies' rate and to `[min, max]`.
    fn convert(
        &self,
        behavior: &Behavior,
        current: u32,
        desired: u32,
        min: u32,
        max: u32,
    ) -> (u32, &'static str) {
        let cur = i64::from(current);
        if desired > current {
            // A limit below the current count (many recent scale-ups) stops, never shrinks.
            let limit = self
                .limit(Direction::Up, current, &behavior.scale_up)
                .max(cur);
            let (allowed, reason) = if i64::from(max) > limit {
                (to_replicas(limit), "ScaleUpLimit")
            } else {
                (max, "TooManyReplicas")
            };
            if desired > allowed {
                return (allowed, reason);
            }
        } else if desired < current {
            let limit = self
                .limit(Direction::Down, current, &behavior.scale_down)
                .min(cur);
            let (allowed, reason) = if i64::from(min) < limit {
                (to_replicas(limit), "ScaleDownLimit")
            } else {
                (min, "TooFewReplicas")
            };
            if desired < allowed {
                return (allowed, reason);
            }
        }
        (desired, DESIRED_WITHIN_RANGE)
    }

    /// `calculateScaleUpLimitWithScalingRules` / `calculateScaleDownLimitWithBehaviors`:
    /// each policy's bound from the replicas at the start of its period (the current count
    /// less what was added and plus what was removed within it); `selectPolicy: Max` takes
    /// the bound allowing the biggest change, `Min` the smallest, `Disabled` the current
    /// count.
    fn limit(&self, dir: Direction, current: u32, rules: &ScalingRules) -> i64 {
        let cur = i64::from(current);
        let take_lowest = match (rules.select, dir) {
            (SelectPolicy::Disabled, _) => return cur,
            (SelectPolicy::Max, Direction::Up) | (SelectPolicy::Min, Direction::Down) => false,
            (SelectPolicy::Min, Direction::Up) | (SelectPolicy::Max, Direction::Down) => true,
        };
        // Upstream's int32 sentinels: with no policy, Max up allows nothing and Min up
        // everything (and the reverse down).
        let mut result = if take_lowest {
            i64::from(i32::MAX)
        } else {
            i64::from(i32::MIN)
        };
        for policy in &rules.policies {
            let start = cur - self.changed(self.up_events, policy.period)
                + self.changed(self.down_events, policy.period);
            let value = i64::from(policy.value);
            let percent = f64::from(policy.value) / 100.0;
            // Upstream's float64 arithmetic: a Percent bound up is rounded up (so a small
            // deployment can always grow), a Percent bound down truncated.
            let proposed = match (dir, policy.kind) {
                (Direction::Up, PolicyKind::Pods) => start + value,
                (Direction::Up, PolicyKind::Percent) => {
                    (start as f64 * (1.0 + percent)).ceil() as i64
                }
                (Direction::Down, PolicyKind::Pods) => start - value,
                (Direction::Down, PolicyKind::Percent) => (start as f64 * (1.0 - percent)) as i64,
            };
            result = if take_lowest {
                result.min(proposed)
            } else {
                result.max(proposed)
            };
        }
        result
    }

    /// `getReplicasChangePerPeriod`: the replicas changed by the events inside `period`.
    fn changed(&self, events: &[ScaleEvent], period: Nanos) -> i64 {
        events
            .iter()
            .filter(|e| inside(e.at, period, self.now))
            .map(|e| i64::from(e.change))
            .sum()
    }
}

/// `storeScaleEvent` for one direction: marks the events older than the longest policy
/// period outdated (`markScaleEventsOutdated`) and writes the new one over the last
/// outdated entry, or appends it.
fn store_event(events: &mut Vec<ScaleEvent>, rules: &ScalingRules, change: u32, now: Nanos) {
    let longest = rules.policies.iter().map(|p| p.period).max().unwrap_or(0);
    for e in events.iter_mut() {
        if older(e.at, longest, now) {
            e.outdated = true;
        }
    }
    let event = ScaleEvent {
        change,
        at: now,
        outdated: false,
    };
    match events.iter().rposition(|e| e.outdated) {
        Some(i) => events[i] = event,
        None => events.push(event),
    }
}

#[cfg(test)]
mod tests {
    //! Rows of upstream's `horizontal_test.go` (TestNormalizeDesiredReplicas,
    //! TestNormalizeDesiredReplicasWithBehavior, TestScalingWithRules,
    //! TestConvertDesiredReplicasWithRules, TestCalculateScaleUpLimitWithScalingRules,
    //! TestCalculateScaleDownLimitWithBehaviors, TestStoreScaleEvents, and the
    //! metric-combining rule of TestScaleUpOneMetricEmpty / TestNoScaleDownOneMetricInvalid)
    //! and hand derivations through `decide`.

    use super::*;
    use crate::autoscaling::hpa::replica_calc::tests::Fixture;
    use crate::autoscaling::spec::{MetricSpec, ScalingPolicy};
    use crate::cluster::ids::WorkloadId;
    use crate::engine::time::{NANOS_PER_SEC, secs_to_nanos};

    fn s(secs: u64) -> Nanos {
        secs * NANOS_PER_SEC
    }

    /// Upstream's `time.Now()`: late enough that every event of the tables lies after 0.
    const NOW: Nanos = 7200 * NANOS_PER_SEC;

    /// Upstream's `generateScalingRules`: a Pods and a Percent policy (a zero value leaves
    /// the policy out), `selectPolicy: Max`.
    fn rules(
        pods: u32,
        pods_period: u64,
        percent: u32,
        percent_period: u64,
        window: u64,
    ) -> ScalingRules {
        let mut policies = Vec::new();
        if pods != 0 {
            policies.push(ScalingPolicy {
                kind: PolicyKind::Pods,
                value: pods,
                period: s(pods_period),
            });
        }
        if percent != 0 {
            policies.push(ScalingPolicy {
                kind: PolicyKind::Percent,
                value: percent,
                period: s(percent_period),
            });
        }
        ScalingRules {
            stabilization_window: Some(s(window)),
            select: SelectPolicy::Max,
            policies,
        }
    }

    /// Upstream's `generateEventsUniformDistribution`: the events spread over the last
    /// `period` seconds, each in the middle of its share (three over 120 s: 100 s, 60 s and
    /// 20 s ago).
    fn uniform(changes: &[u32], period: u64) -> Vec<ScaleEvent> {
        let segment = period as f64 / changes.len() as f64;
        changes
            .iter()
            .enumerate()
            .map(|(i, &change)| {
                let ago = period as f64 - segment * (i + 1) as f64 + segment / 2.0;
                ScaleEvent {
                    change,
                    at: NOW - secs_to_nanos(ago),
                    outdated: false,
                }
            })
            .collect()
    }

    fn recs(list: &[(u32, u64)]) -> Vec<Recommendation> {
        list.iter()
            .map(|&(replicas, ago)| Recommendation {
                replicas,
                at: NOW - s(ago),
            })
            .collect()
    }

    fn stored(n: &Normalizer) -> Vec<u32> {
        n.recommendations.iter().map(|r| r.replicas).collect()
    }

    #[test]
    fn normalize_desired_replicas_legacy_stabilization() {
        // (recommendations as (replicas, seconds ago), prenormalized, stabilized, log length)
        type Row<'a> = (&'a [(u32, u64)], u32, u32, usize);
        let cases: [Row; 5] = [
            (&[], 5, 5, 1),
            (&[(4, 120), (5, 60)], 3, 5, 3),
            (&[(1, 120), (2, 60)], 3, 3, 3),
            (&[(10, 600), (9, 540)], 3, 3, 2),
            (&[(10, 600), (4, 60), (5, 120), (9, 540)], 3, 5, 4),
        ];
        for (i, (log, desired, want, len)) in cases.into_iter().enumerate() {
            let mut n = Normalizer {
                recommendations: recs(log),
                ..Normalizer::default()
            };
            assert_eq!(n.stabilize(desired, s(300), NOW), want, "case {i}");
            assert_eq!(n.recommendations.len(), len, "case {i}");
        }
    }

    #[test]
    fn normalize_desired_replicas_with_behavior() {
        // (log, current, desired, up window, down window, stabilized, stored after)
        type Row<'a> = (&'a [(u32, u64)], u32, u32, u64, u64, u32, &'a [u32]);
        let cases: [Row; 11] = [
            (&[], 100, 5, 0, 0, 5, &[5]),
            (&[(4, 120), (5, 60)], 100, 3, 0, 180, 5, &[4, 5, 3]),
            (&[(4, 120), (5, 60)], 1, 7, 300, 0, 4, &[4, 5, 7]),
            (&[(1, 120), (2, 60)], 100, 3, 300, 0, 3, &[1, 2, 3]),
            (&[(4, 120), (5, 60)], 1, 3, 0, 300, 3, &[4, 5, 3]),
            (&[(10, 600), (9, 540)], 100, 3, 0, 0, 3, &[10, 3]),
            (&[(10, 600), (9, 540)], 1, 100, 0, 0, 100, &[10, 100]),
            (
                &[(10, 600), (4, 60), (5, 120), (9, 540)],
                100,
                3,
                0,
                180,
                5,
                &[10, 4, 5, 3],
            ),
            (
                &[(10, 6000), (6, 60), (5, 120), (9, 180)],
                1,
                100,
                300,
                0,
                5,
                &[100, 6, 5, 9],
            ),
            (&[(2, 6000), (3, 180)], 2, 1, 300, 300, 2, &[1, 3]),
            (&[(2, 6000), (1, 180)], 2, 3, 300, 300, 2, &[3, 1]),
        ];
        for (i, (log, current, desired, up, down, want, after)) in cases.into_iter().enumerate() {
            let mut n = Normalizer {
                recommendations: recs(log),
                ..Normalizer::default()
            };
            let got = n.stabilize_with_behavior(current, desired, s(up), s(down), NOW);
            assert_eq!(got, want, "case {i}");
            assert_eq!(stored(&n), after, "case {i}");
        }
    }

    #[test]
    fn convert_desired_replicas_with_rules() {
        // (current, desired, min, max, converted, reason)
        let cases = [
            (5, 7, 3, 8, 7, "DesiredWithinRange"),
            (3, 1, 2, 8, 2, "TooFewReplicas"),
            (1, 0, 0, 10, 0, "DesiredWithinRange"),
            (20, 1000, 1, 10, 10, "TooManyReplicas"),
            // calculateScaleUpLimit(3) = max(2 × 3, 4) = 6.
            (3, 1000, 1, 2000, 6, "ScaleUpLimit"),
        ];
        for (current, desired, min, max, want, reason) in cases {
            assert_eq!(convert_legacy(current, desired, min, max), (want, reason));
        }
    }

    /// One row of TestScalingWithRules.
    struct RulesCase {
        name: &'static str,
        up_events: Vec<ScaleEvent>,
        down_events: Vec<ScaleEvent>,
        min: u32,
        max: u32,
        up: Option<ScalingRules>,
        down: Option<ScalingRules>,
        current: u32,
        desired: u32,
        want: u32,
        reason: &'static str,
    }

    fn case(
        name: &'static str,
        min: u32,
        max: u32,
        current: u32,
        desired: u32,
        want: u32,
        reason: &'static str,
    ) -> RulesCase {
        RulesCase {
            name,
            up_events: Vec::new(),
            down_events: Vec::new(),
            min,
            max,
            up: None,
            down: None,
            current,
            desired,
            want,
            reason,
        }
    }

    impl RulesCase {
        fn up(self, r: ScalingRules) -> RulesCase {
            RulesCase {
                up: Some(r),
                ..self
            }
        }
        fn down(self, r: ScalingRules) -> RulesCase {
            RulesCase {
                down: Some(r),
                ..self
            }
        }
        fn up_events(self, e: Vec<ScaleEvent>) -> RulesCase {
            RulesCase {
                up_events: e,
                ..self
            }
        }
        fn down_events(self, e: Vec<ScaleEvent>) -> RulesCase {
            RulesCase {
                down_events: e,
                ..self
            }
        }
    }

    #[test]
    fn scaling_with_rules() {
        let ev = || uniform(&[1, 5, 9], 120);
        let outdated = || uniform(&[8, 12, 9, 11], 120);
        // One row a line, as upstream's table reads.
        #[rustfmt::skip]
        let cases = vec![
            case("within range", 3, 8, 5, 7, 7, "DesiredWithinRange"),
            case("below min", 2, 8, 3, 1, 2, "TooFewReplicas"),
            case("within range with min 0", 0, 10, 1, 0, 0, "DesiredWithinRange"),
            case("max below scale-up limit", 1, 10, 20, 1000, 10, "TooManyReplicas"),
            case("more than max", 100, 150, 100, 1000, 150, "TooManyReplicas"),
            case("user percent limit", 1, 2000, 3, 1000, 4, "ScaleUpLimit").up(rules(0, 0, 1, 60, 0)),
            case("user pods limit down", 3, 2000, 1000, 3, 980, "ScaleDownLimit").down(rules(20, 60, 0, 0, 0)),
            case("default up", 1, 1000, 10, 50, 20, "ScaleUpLimit"),
            case("pods > percent", 1, 1000, 10, 500, 110, "ScaleUpLimit").up(rules(100, 60, 100, 60, 0)),
            case("percent > pods", 1, 1000, 10, 500, 20, "ScaleUpLimit").up(rules(2, 60, 100, 60, 0)),
            case("large pods policy", 1, 1000, 10, 50, 50, "DesiredWithinRange").up(rules(100, 60, 0, 0, 0)),
            case("huge pods policy", 1, 1000, 10, 50, 50, "DesiredWithinRange").up(rules(10000, 60, 0, 0, 0)),
            case("pods limit up", 1, 1000, 10, 50, 40, "ScaleUpLimit").up(rules(30, 60, 0, 0, 0)),
            case("percent limit up", 1, 1000, 10, 50, 30, "ScaleUpLimit").up(rules(0, 0, 200, 60, 0)),
            case("down percent > pods", 1, 1000, 100, 2, 80, "ScaleDownLimit").down(rules(20, 60, 1, 60, 300)),
            case("down pods > percent", 1, 1000, 100, 2, 98, "ScaleDownLimit").down(rules(2, 60, 1, 60, 300)),
            case("down to min, pods", 1, 1000, 10, 0, 1, "TooFewReplicas").down(rules(100, 60, 0, 0, 300)),
            case("down to min, percent", 5, 1000, 10, 2, 5, "TooFewReplicas").down(rules(0, 0, 100, 60, 300)),
            case("down pods limit", 1, 1000, 10, 2, 5, "ScaleDownLimit").down(rules(5, 60, 0, 0, 300)),
            case("down percent within", 1, 1000, 10, 5, 5, "DesiredWithinRange").down(rules(0, 0, 50, 60, 300)),
            // 200 < 100 − 15 + 300 (only the event 20 s ago is inside 60 s: 100 − 9 + 300).
            case("max with events, pods", 1, 200, 100, 500, 200, "TooManyReplicas").up(rules(300, 60, 0, 0, 0)).up_events(ev()),
            case("max with events, percent", 1, 200, 100, 500, 200, "TooManyReplicas").up(rules(0, 0, 10000, 60, 0)).up_events(ev()),
            // 100 − 15 + 5 = 90 < 100: held at the current count.
            case("events hold up", 1, 1000, 100, 500, 100, "ScaleUpLimit").up(rules(5, 120, 0, 0, 0)).up_events(ev()),
            case("pods after events", 1, 1000, 100, 500, 235, "ScaleUpLimit").up(rules(150, 120, 0, 0, 0)).up_events(ev()),
            case("percent after events", 1, 1000, 100, 500, 255, "ScaleUpLimit").up(rules(0, 0, 200, 120, 0)).up_events(ev()),
            // 6 − 4 + 2 = 4 at the period's start, + 300 % = 16.
            case("percent after up and down", 1, 1000, 6, 24, 16, "ScaleUpLimit").up(rules(0, 0, 300, 300, 0)).up_events(uniform(&[4], 120)).down_events(uniform(&[2], 120)),
            case("default down after events", 1, 1000, 10, 5, 5, "DesiredWithinRange").down_events(ev()),
            case("down to min after events", 1, 1000, 100, 0, 1, "TooFewReplicas").down(rules(115, 120, 0, 0, 300)).down_events(ev()),
            case("down to min 5 after events", 5, 1000, 100, 0, 5, "TooFewReplicas").down(rules(130, 120, 0, 0, 300)).down_events(ev()),
            case("down percent to min after events", 5, 1000, 100, 2, 5, "TooFewReplicas").down(rules(0, 0, 100, 120, 300)).down_events(ev()),
            // 100 + 15 − 5 = 110 > 100: held at the current count.
            case("events hold down", 1, 1000, 100, 2, 100, "ScaleDownLimit").down(rules(5, 120, 0, 0, 300)).down_events(ev()),
            // (100 + 12) × 50 % = 56.
            case("down percent after events", 1, 1000, 100, 0, 56, "ScaleDownLimit").down(rules(0, 0, 50, 120, 300)).down_events(uniform(&[2, 4, 6], 120)),
            // (10 − 2 + 4) × 50 % = 6.
            case("down percent after up and down", 1, 1000, 10, 1, 6, "ScaleDownLimit").down(rules(0, 0, 50, 180, 0)).up_events(uniform(&[2], 120)).down_events(uniform(&[4], 120)),
            // (100 + 30) × 90 % = 117 > 100.
            case("down events prevent more", 1, 1000, 100, 0, 100, "ScaleDownLimit").down(rules(0, 0, 10, 120, 300)).down_events(uniform(&[10, 10, 10], 120)),
            // (10 + 30) × (1 − 10) = −360: the desired 5 stands.
            case("down events still allow", 1, 1000, 10, 5, 5, "DesiredWithinRange").down(rules(0, 0, 1000, 120, 300)).down_events(uniform(&[10, 10, 10], 120)),
            case("outdated up, one policy", 1, 1000, 100, 200, 200, "DesiredWithinRange").up(rules(1000, 60, 0, 0, 0)).up_events(outdated()),
            case("outdated up, two policies", 1, 1000, 100, 200, 200, "DesiredWithinRange").up(rules(1000, 120, 100, 60, 0)).up_events(outdated()),
            case("outdated up, short period", 1, 1000, 100, 200, 200, "DesiredWithinRange").up(rules(1000, 30, 100, 60, 0)).up_events(outdated()),
            case("outdated down, one policy", 1, 1000, 100, 5, 5, "DesiredWithinRange").down(rules(1000, 60, 0, 0, 300)).down_events(outdated()),
            case("outdated down, two policies", 1, 1000, 100, 5, 5, "DesiredWithinRange").down(rules(1000, 120, 100, 60, 300)).down_events(outdated()),
            case("outdated down, short period", 1, 1000, 100, 5, 5, "DesiredWithinRange").down(rules(1000, 30, 100, 60, 300)).down_events(outdated()),
        ];
        for c in cases {
            let behavior = Behavior {
                scale_up: c.up.unwrap_or_else(ScalingRules::default_up),
                scale_down: c.down.unwrap_or_else(ScalingRules::default_down),
            };
            let rates = Rates {
                up_events: &c.up_events,
                down_events: &c.down_events,
                now: NOW,
            };
            let got = rates.convert(&behavior, c.current, c.desired, c.min, c.max);
            assert_eq!(got, (c.want, c.reason), "{}", c.name);
        }
    }

    #[test]
    fn scale_limits_with_min_select_policy() {
        let rules = ScalingRules {
            select: SelectPolicy::Min,
            ..rules(2, 60, 50, 60, 300)
        };
        let rates = Rates {
            up_events: &[],
            down_events: &[],
            now: NOW,
        };
        // Up from 1: +2 → 3, +50 % → ceil(1.5) = 2; Min takes 2.
        assert_eq!(rates.limit(Direction::Up, 1, &rules), 2);
        // Down from 5: −2 → 3, −50 % → int(2.5) = 2; Min (the smaller change) takes 3.
        assert_eq!(rates.limit(Direction::Down, 5, &rules), 3);
        let disabled = ScalingRules {
            select: SelectPolicy::Disabled,
            ..rules
        };
        assert_eq!(rates.limit(Direction::Up, 5, &disabled), 5);
        assert_eq!(rates.limit(Direction::Down, 5, &disabled), 5);
    }

    #[test]
    fn store_scale_events() {
        // (previous events as (change, seconds ago), rules, change within 60 s before,
        //  events after storing a change of 5 as (change, outdated))
        type Row<'a> = (&'a [(u32, u64)], ScalingRules, i64, &'a [(u32, bool)]);
        let cases: [Row; 6] = [
            (&[], rules(10, 60, 100, 60, 0), 0, &[(5, false)]),
            (&[(7, 61)], rules(10, 60, 100, 60, 0), 0, &[(5, false)]),
            (
                &[(7, 58)],
                rules(10, 60, 100, 60, 0),
                7,
                &[(7, false), (5, false)],
            ),
            (
                &[(7, 61), (6, 59)],
                rules(10, 60, 0, 0, 0),
                6,
                &[(5, false), (6, false)],
            ),
            (
                &[(8, 29), (6, 59), (7, 61), (9, 61)],
                rules(10, 60, 100, 30, 0),
                14,
                &[(8, false), (6, false), (7, true), (5, false)],
            ),
            (
                &[(7, 58), (6, 59)],
                rules(10, 120, 100, 30, 0),
                13,
                &[(7, false), (6, false), (5, false)],
            ),
        ];
        for (i, (prev, rules, before, after)) in cases.into_iter().enumerate() {
            let prev: Vec<ScaleEvent> = prev
                .iter()
                .map(|&(change, ago)| ScaleEvent {
                    change,
                    at: NOW - s(ago),
                    outdated: false,
                })
                .collect();
            let behavior = Behavior {
                scale_up: rules.clone(),
                scale_down: rules,
            };
            let rates = Rates {
                up_events: &prev,
                down_events: &[],
                now: NOW,
            };
            assert_eq!(rates.changed(&prev, s(60)), before, "case {i}");
            let summary = |events: &[ScaleEvent]| -> Vec<(u32, bool)> {
                events.iter().map(|e| (e.change, e.outdated)).collect()
            };
            let mut up = Normalizer {
                scale_up_events: prev.clone(),
                ..Normalizer::default()
            };
            up.record_scale(Some(&behavior), 10, 15, NOW);
            assert_eq!(summary(&up.scale_up_events), after, "up, case {i}");
            let mut down = Normalizer {
                scale_down_events: prev.clone(),
                ..Normalizer::default()
            };
            down.record_scale(Some(&behavior), 10, 5, NOW);
            assert_eq!(summary(&down.scale_down_events), after, "down, case {i}");
            // Without a behavior nothing is stored or touched.
            let mut none = Normalizer {
                scale_up_events: prev.clone(),
                ..Normalizer::default()
            };
            none.record_scale(None, 10, 15, NOW);
            assert_eq!(none.scale_up_events, prev, "no behavior, case {i}");
        }
    }

    #[test]
    fn combining_metrics() {
        let p = |replicas| {
            Ok(Proposal {
                replicas,
                current: 0,
            })
        };
        // TestScaleUpOneMetricEmpty: CPU proposes 4 for 3 replicas, the external metric
        // fails; the scale-up goes ahead.
        assert_eq!(
            metric_desired(3, &[p(4), Err(CalcError::NoMetrics)]),
            Some(4)
        );
        // TestNoScaleDownOneMetricInvalid: CPU proposes 3 for 5 with a broken metric: no
        // scale-down.
        assert_eq!(metric_desired(5, &[p(3), Err(CalcError::NoMetrics)]), None);
        assert_eq!(metric_desired(5, &[p(5), Err(CalcError::NoPods)]), Some(5));
        assert_eq!(metric_desired(5, &[Err(CalcError::MissingRequest)]), None);
        assert_eq!(metric_desired(5, &[]), None);
        assert_eq!(metric_desired(5, &[p(3), p(7), p(2)]), Some(7));
    }

    fn spec(min: u32, max: u32, behavior: Option<Behavior>) -> HpaSpec {
        HpaSpec {
            name: "web".to_string(),
            target: WorkloadId(0),
            min_replicas: min,
            max_replicas: max,
            metrics: vec![MetricSpec::CpuUtilization(80)],
            behavior,
        }
    }

    fn default_behavior() -> Behavior {
        Behavior {
            scale_up: ScalingRules::default_up(),
            scale_down: ScalingRules::default_down(),
        }
    }

    fn decision(replicas: u32, reason: &'static str) -> Decision {
        Decision { replicas, reason }
    }

    #[test]
    fn default_behavior_scale_up_from_one() {
        // Hand-derived. From 1 replica wanting 100: +4 pods → 5, +100 % → 2; Max takes 5.
        let spec = spec(1, 1000, Some(default_behavior()));
        let cfg = HpaConfig::default();
        let b = spec.behavior.as_ref();
        let mut n = Normalizer::default();
        let t0 = s(60);
        assert_eq!(
            n.decide(&spec, &cfg, 1, Some(100), t0),
            decision(5, "ScaleUpLimit")
        );
        n.record_scale(b, 1, 5, t0);
        // 10 s later the +4 is inside both 15 s periods: the period began at 1, so the
        // limit is 5 again and nothing more is allowed.
        assert_eq!(
            n.decide(&spec, &cfg, 5, Some(100), t0 + s(10)),
            decision(5, "ScaleUpLimit")
        );
        // 15 s after it the event has left the periods (upstream's strict After): 5 + 4 =
        // 9, 5 × 2 = 10; Max takes 10.
        assert_eq!(
            n.decide(&spec, &cfg, 5, Some(100), t0 + s(15)),
            decision(10, "ScaleUpLimit")
        );
        n.record_scale(b, 5, 10, t0 + s(15));
        assert_eq!(
            n.decide(&spec, &cfg, 10, Some(100), t0 + s(30)),
            decision(20, "ScaleUpLimit")
        );
    }

    #[test]
    fn legacy_scale_down_keeps_the_window_maximum() {
        // Hand-derived, no behavior, the controller's 300 s window. The first sync records
        // the current 10; the window's largest recommendation wins until it ages out.
        let spec = spec(1, 20, None);
        let cfg = HpaConfig::default();
        let mut n = Normalizer::default();
        assert_eq!(
            n.decide(&spec, &cfg, 10, Some(8), 0),
            decision(10, "ScaleDownStabilized")
        );
        assert_eq!(
            n.decide(&spec, &cfg, 10, Some(6), s(60)),
            decision(10, "ScaleDownStabilized")
        );
        // At 300 s the entries of time 0 are exactly at the window's edge, still inside.
        assert_eq!(
            n.decide(&spec, &cfg, 10, Some(5), s(300)),
            decision(10, "ScaleDownStabilized")
        );
        // At 301 s they are out: max(5, 6 of 60 s, 5 of 300 s) = 6.
        assert_eq!(
            n.decide(&spec, &cfg, 10, Some(5), s(301)),
            decision(6, "ScaleDownStabilized")
        );
        // Nothing left above the proposal after 600 s.
        assert_eq!(
            n.decide(&spec, &cfg, 6, Some(5), s(601)),
            decision(5, "DesiredWithinRange")
        );
        // Up: legacy limit max(2 × 5, 4) = 10.
        assert_eq!(
            n.decide(&spec, &cfg, 5, Some(19), s(616)),
            decision(10, "ScaleUpLimit")
        );
    }

    #[test]
    fn behavior_scale_down_window_defaults_to_the_controller_flag() {
        let mut b = default_behavior();
        b.scale_down.stabilization_window = None;
        let spec = spec(1, 20, Some(b));
        let cfg = HpaConfig {
            downscale_stabilization: s(60),
            ..HpaConfig::default()
        };
        let mut n = Normalizer::default();
        assert_eq!(
            n.decide(&spec, &cfg, 10, Some(2), 0),
            decision(10, "ScaleDownStabilized")
        );
        // Past 60 s the recorded 10 is out of the window; −100 % per 15 s allows 0, the
        // minimum 1 does not bind the desired 2.
        assert_eq!(
            n.decide(&spec, &cfg, 10, Some(2), s(61)),
            decision(2, "DesiredWithinRange")
        );
        // With the default 300 s window the same sync still holds 10.
        let mut m = Normalizer::default();
        let slow = HpaConfig::default();
        m.decide(&spec, &slow, 10, Some(2), 0);
        assert_eq!(
            m.decide(&spec, &slow, 10, Some(2), s(61)),
            decision(10, "ScaleDownStabilized")
        );
    }

    #[test]
    fn reconcile_bounds_before_metrics() {
        let spec = spec(2, 6, None);
        let cfg = HpaConfig::default();
        let mut n = Normalizer::default();
        assert_eq!(
            n.decide(&spec, &cfg, 0, Some(4), 0),
            decision(0, "ScalingDisabled")
        );
        assert_eq!(
            n.decide(&spec, &cfg, 8, Some(4), 0),
            decision(6, "TooManyReplicas")
        );
        assert_eq!(
            n.decide(&spec, &cfg, 1, Some(4), 0),
            decision(2, "TooFewReplicas")
        );
        assert_eq!(
            n.decide(&spec, &cfg, 4, None, 0),
            decision(4, "FailedComputeMetricsReplicas")
        );
        // The metric proposes below the minimum once the first sync's recommendation has
        // left the window (legacy path): TooFewReplicas.
        let mut m = Normalizer::default();
        assert_eq!(
            m.decide(&spec, &cfg, 2, Some(2), 0),
            decision(2, "DesiredWithinRange")
        );
        assert_eq!(
            m.decide(&spec, &cfg, 2, Some(1), s(301)),
            decision(2, "TooFewReplicas")
        );
    }

    #[test]
    fn reconcile_rows_through_the_calculator() {
        // Whole-controller rows of horizontal_test.go: minReplicas 2, maxReplicas 6, CPU
        // Utilization, no behavior; the proposal comes from the replica calculator.
        let hpa = spec(2, 6, None);
        let cfg = HpaConfig::default();
        let down = Fixture::new(5, &[1000; 5], &[100, 300, 500, 250, 250]);
        let proposal = down.utilization(5, 50).ok().map(|p| p.replicas);
        assert_eq!(proposal, Some(3));
        // TestScaleDownStabilizeInitialSize: a new HPA holds its initial 5.
        let mut fresh = Normalizer::default();
        let d = fresh.decide(&hpa, &cfg, 5, proposal, 0);
        assert_eq!(d, decision(5, "ScaleDownStabilized"));
        // TestScaleDown: once the earlier recommendations have aged out, 3.
        let d = fresh.decide(&hpa, &cfg, 5, proposal, s(301));
        assert_eq!(d, decision(3, "DesiredWithinRange"));
        // TestScaleUpOneMetricInvalid: 40 % of 30 % on 3 pods proposes 4; a broken second
        // metric does not stop a scale-up.
        let up = Fixture::new(3, &[1000; 3], &[300, 400, 500]).utilization(3, 30);
        let desired = metric_desired(3, &[up, Err(CalcError::NoMetrics)]);
        let d = Normalizer::default().decide(&hpa, &cfg, 3, desired, 0);
        assert_eq!(d, decision(4, "DesiredWithinRange"));
        // TestNoScaleDownOneMetricInvalid: it does stop the scale-down to 3.
        let desired = metric_desired(5, &[down.utilization(5, 50), Err(CalcError::NoMetrics)]);
        let d = Normalizer::default().decide(&hpa, &cfg, 5, desired, 0);
        assert_eq!(d, decision(5, "FailedComputeMetricsReplicas"));

        // TestUpscaleCap: 600 m on 300 m of requests is 200 % of a 10 % target, ratio 20,
        // ⌈20 · 3⌉ = 60; a scale-up policy of +700 % per 60 s caps 3 at 24.
        let hot = Fixture::new(3, &[100; 3], &[100, 200, 300]).utilization(3, 10);
        assert_eq!(
            hot,
            Ok(Proposal {
                replicas: 60,
                current: 200
            })
        );
        let desired = hot.ok().map(|p| p.replicas);
        let capped = Behavior {
            scale_up: rules(0, 0, 700, 60, 0),
            scale_down: ScalingRules::default_down(),
        };
        let wide = spec(1, 100, Some(capped.clone()));
        let d = Normalizer::default().decide(&wide, &cfg, 3, desired, 0);
        assert_eq!(d, decision(24, "ScaleUpLimit"));
        // TestUpscaleCapGreaterThanMaxReplicas: maxReplicas 20 binds first.
        let narrow = spec(1, 20, Some(capped));
        let d = Normalizer::default().decide(&narrow, &cfg, 3, desired, 0);
        assert_eq!(d, decision(20, "TooManyReplicas"));
    }

    #[test]
    fn memory_stays_bounded() {
        // A day of 15 s syncs, alternating between scaling up and down every sync.
        let mut b = default_behavior();
        b.scale_up.stabilization_window = Some(s(120));
        let with = spec(1, 100, Some(b));
        let without = spec(1, 100, None);
        // No windows: the HPA flips between scaling up and down every sync.
        let mut flip = default_behavior();
        flip.scale_down.stabilization_window = Some(0);
        let flipping = spec(1, 100, Some(flip));
        let cfg = HpaConfig::default();
        for spec in [&with, &without, &flipping] {
            let mut n = Normalizer::default();
            let mut current = 10;
            for k in 0..5760u64 {
                let now = k * s(15);
                let desired = if k % 2 == 0 { 40 } else { 2 };
                let d = n.decide(spec, &cfg, current, Some(desired), now);
                if d.replicas != current {
                    n.record_scale(spec.behavior.as_ref(), current, d.replicas, now);
                    current = d.replicas;
                }
            }
            // The longest window (300 s) holds 20 syncs; one more may wait for reuse.
            assert!(n.recommendations.len() <= 22, "{}", n.recommendations.len());
            // Events live 15 s (the default policies' period).
            assert!(n.scale_up_events.len() <= 3, "{}", n.scale_up_events.len());
            assert!(
                n.scale_down_events.len() <= 3,
                "{}",
                n.scale_down_events.len()
            );
        }
    }

    use proptest::prelude::*;

    fn any_rules() -> impl Strategy<Value = ScalingRules> {
        let policy =
            (any::<bool>(), 1u32..300, 1u64..600).prop_map(|(pods, value, period)| ScalingPolicy {
                kind: if pods {
                    PolicyKind::Pods
                } else {
                    PolicyKind::Percent
                },
                value,
                period: s(period),
            });
        let select = prop::sample::select(vec![
            SelectPolicy::Max,
            SelectPolicy::Min,
            SelectPolicy::Disabled,
        ]);
        (
            prop::option::of(0u64..900),
            select,
            prop::collection::vec(policy, 1..4),
        )
            .prop_map(|(window, select, policies)| ScalingRules {
                stabilization_window: window.map(s),
                select,
                policies,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Over any run of syncs: the count stays within [minReplicas, maxReplicas], and
        /// with a behavior it never moves against the metric (the stabilized
        /// recommendation lies between the current count and the proposal).
        #[test]
        fn decisions_stay_in_bounds(
            min in 1u32..5,
            span in 0u32..60,
            start in 0u32..80,
            behavior in prop::option::of((any_rules(), any_rules())),
            steps in prop::collection::vec((0u32..200, 1u64..90), 1..80),
        ) {
            let max = min + span;
            let behavior = behavior.map(|(scale_up, scale_down)| Behavior { scale_up, scale_down });
            let with_behavior = behavior.is_some();
            let spec = spec(min, max, behavior);
            let cfg = HpaConfig::default();
            let mut n = Normalizer::default();
            let mut current = start.clamp(min, max);
            let mut now = 0;
            for (desired, dt) in steps {
                now += s(dt);
                let d = n.decide(&spec, &cfg, current, Some(desired), now);
                prop_assert!(min <= d.replicas && d.replicas <= max, "{:?}", d);
                if with_behavior {
                    if desired >= current {
                        prop_assert!(d.replicas >= current, "{:?}", d);
                    } else {
                        prop_assert!(d.replicas <= current, "{:?}", d);
                    }
                }
                if d.replicas != current {
                    n.record_scale(spec.behavior.as_ref(), current, d.replicas, now);
                    current = d.replicas;
                }
            }
        }
    }
}
