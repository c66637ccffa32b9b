//! Upstream's replica calculator (`pkg/controller/podautoscaler/replica_calculator.go`):
//! the replicas one metric proposes, from the pods' samples.
//!
//! Every step follows Kubernetes v1.35: `groupPods` sorts the pods into ready, unready and
//! missing (and drops those being deleted or Failed); the usage ratio is computed over the
//! ready pods with upstream's integer arithmetic (`metrics/utilization.go`); when pods are
//! missing or unready the ratio is recomputed more conservatively, and a change of direction
//! or a change within the tolerance keeps the current count.

use crate::engine::time::Nanos;

/// A pod's phase as the calculator sorts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalcPhase {
    /// Not running yet (counted as unready, never as having a metric).
    Pending,
    /// Running.
    Running,
    /// Failed (left out altogether).
    Failed,
}

/// A pod's Ready condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyCondition {
    /// `status == True`.
    pub ready: bool,
    /// `lastTransitionTime`.
    pub last_transition: Nanos,
}

/// One metrics sample of a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The value: millicores for CPU, milli-units for a Pods metric.
    pub value: i64,
    /// When the window it averages over ends.
    pub timestamp: Nanos,
    /// The window's length.
    pub window: Nanos,
}

/// What the calculator knows of one pod the HPA's selector matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodInfo {
    /// Its phase.
    pub phase: CalcPhase,
    /// Whether it has a deletion timestamp (left out altogether).
    pub deleting: bool,
    /// Its Ready condition, if it has one.
    pub ready: Option<ReadyCondition>,
    /// `status.startTime`, if set.
    pub start_time: Option<Nanos>,
    /// Its CPU request in millicores (the sum over its containers); `None` if a container
    /// has none.
    pub request: Option<i64>,
    /// Its sample, if metrics-server has one.
    pub metric: Option<Sample>,
}

/// The controller settings the calculator reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalcParams {
    /// `--horizontal-pod-autoscaler-tolerance`.
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`.
    pub cpu_initialization_period: Nanos,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`.
    pub initial_readiness_delay: Nanos,
    /// The time of the sync.
    pub now: Nanos,
}

/// Why a metric proposes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CalcError {
    /// No pod has a sample (upstream: "no metrics returned from resource metrics API" /
    /// "did not receive metrics for targeted pods").
    NoMetrics,
    /// A pod has no CPU request: utilization cannot be computed.
    MissingRequest,
    /// No pods match the selector.
    NoPods,
}

/// What one metric proposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The replicas.
    pub replicas: u32,
    /// `currentUtilization` in whole percent (`Utilization` targets), else the average
    /// value per pod in milli-units, as upstream reports it in the HPA's status.
    pub current: i64,
}

/// Resource metric, `target.type: Utilization` (GetResourceReplicas): `target` in whole percent.
pub fn utilization_replicas(
    current: u32,
    target: i32,
    pods: &[PodInfo],
    p: &CalcParams,
) -> Result<Proposal, CalcError> {
    calculate(current, Target::Utilization(target), pods, true, p)
}

/// Resource metric, `target.type: AverageValue` (GetRawResourceReplicas): `target` in millicores per pod.
pub fn average_value_replicas(
    current: u32,
    target: i64,
    pods: &[PodInfo],
    p: &CalcParams,
) -> Result<Proposal, CalcError> {
    // Upstream passes the resource name `cpu` down to `groupPods`, so the CPU readiness
    // rules apply to raw CPU values too.
    calculate(current, Target::AverageValue(target), pods, true, p)
}

/// Pods metric (GetMetricReplicas, e.g. requests per second): `target` milli-units per pod.
pub fn pods_metric_replicas(
    current: u32,
    target: i64,
    pods: &[PodInfo],
    p: &CalcParams,
) -> Result<Proposal, CalcError> {
    // A Pods metric is no resource: only Pending pods count as unready.
    calculate(current, Target::AverageValue(target), pods, false, p)
}

/// What one metric aims at.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// Percent of the pods' requests (`GetResourceUtilizationRatio`).
    Utilization(i32),
    /// Milli-units per pod (`GetMetricUsageRatio`).
    AverageValue(i64),
}

/// One value that takes part in a usage ratio, with the request of its pod (0 where the
/// target does not read requests).
#[derive(Clone, Copy, Debug)]
struct Used {
    value: i64,
    request: i64,
}

impl Target {
    /// The usage ratio over `used` and the current value upstream reports (integer percent,
    /// or the truncated average).
    fn ratio(self, used: &[Used]) -> Result<(f64, i64), CalcError> {
        // i128 sums: no sample or request an input can hold overflows them.
        let total: i128 = used.iter().map(|u| i128::from(u.value)).sum();
        match self {
            Target::Utilization(target) => {
                let requests: i128 = used.iter().map(|u| i128::from(u.request)).sum();
                if requests == 0 {
                    // Upstream: "no metrics returned matched known pods"; every request
                    // being zero leaves utilization as undefined as a missing one.
                    return Err(CalcError::MissingRequest);
                }
                // Upstream converts the integer percent to int32, clamping at its rails.
                let percent =
                    (total * 100 / requests).clamp(i32::MIN.into(), i32::MAX.into()) as i32;
                Ok((f64::from(percent) / f64::from(target), i64::from(percent)))
            }
            Target::AverageValue(target) => {
                // `used` is never empty here: the callers return NoMetrics first.
                let count = i128::try_from(used.len().max(1)).unwrap_or(i128::MAX);
                let average = i64::try_from(total / count).unwrap_or(i64::MAX);
                Ok((average as f64 / target as f64, average))
            }
        }
    }

    /// The value a pod without a sample is taken to use when the metric says scale down:
    /// upstream assumes it runs at the target (at least 100 % of its request for
    /// utilization), which damps the scale-down.
    fn missing_on_scale_down(self, request: i64) -> i64 {
        match self {
            Target::Utilization(target) => {
                let fallback = i128::from(target.max(100));
                i64::try_from(i128::from(request) * fallback / 100).unwrap_or(i64::MAX)
            }
            Target::AverageValue(target) => target,
        }
    }
}

/// The pods of one calculation, sorted as upstream's `groupPods` does (indices into the
/// pod slice; pods being deleted and Failed pods appear in none).
#[derive(Debug, Default, PartialEq, Eq)]
struct Groups {
    ready: Vec<usize>,
    unready: Vec<usize>,
    missing: Vec<usize>,
}

/// `groupPods`: `cpu` applies the CPU rules that keep the samples of starting pods out.
fn group_pods(pods: &[PodInfo], cpu: bool, p: &CalcParams) -> Groups {
    let mut groups = Groups::default();
    for (i, pod) in pods.iter().enumerate() {
        if pod.deleting || pod.phase == CalcPhase::Failed {
            continue;
        }
        if pod.phase == CalcPhase::Pending {
            groups.unready.push(i);
            continue;
        }
        let Some(sample) = pod.metric else {
            groups.missing.push(i);
            continue;
        };
        if cpu && cpu_sample_unready(pod, &sample, p) {
            groups.unready.push(i);
            continue;
        }
        groups.ready.push(i);
    }
    groups
}

/// Whether a running pod's CPU sample is left out: during the CPU initialization period
/// unless the pod is Ready and a whole metric window has passed since it became so; after
/// it only if the pod is unready and has never been ready (its Ready condition last changed
/// within the initial readiness delay of its start).
fn cpu_sample_unready(pod: &PodInfo, sample: &Sample, p: &CalcParams) -> bool {
    let (Some(cond), Some(start)) = (pod.ready, pod.start_time) else {
        return true;
    };
    if start.saturating_add(p.cpu_initialization_period) > p.now {
        !cond.ready || sample.timestamp < cond.last_transition.saturating_add(sample.window)
    } else {
        !cond.ready && start.saturating_add(p.initial_readiness_delay) > cond.last_transition
    }
}

/// `ceil(ratio × count)` as upstream's `int32(math.Ceil(…))`, held within int32.
fn ceil_replicas(ratio: f64, count: usize) -> u32 {
    // `as` saturates (NaN gives 0); upstream's counts are int32.
    let replicas = (ratio * count as f64).ceil() as u32;
    replicas.min(i32::MAX as u32)
}

/// The tolerance check in upstream's v1.33+ form `1 − tol ≤ ratio ≤ 1 + tol`, which differs
/// from `|1 − ratio| ≤ tol` at the floating-point edge (110 % of a 100 % target is within a
/// 0.1 tolerance here, not there).
fn within_tolerance(ratio: f64, tolerance: f64) -> bool {
    1.0 - tolerance <= ratio && ratio <= 1.0 + tolerance
}

/// `GetResourceReplicas` and `calcPlainMetricReplicas`, which differ only in the ratio they
/// compute and in what a missing pod is taken to use.
fn calculate(
    current: u32,
    target: Target,
    pods: &[PodInfo],
    cpu: bool,
    p: &CalcParams,
) -> Result<Proposal, CalcError> {
    if pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    let groups = group_pods(pods, cpu, p);
    if groups.ready.is_empty() {
        return Err(CalcError::NoMetrics);
    }
    let request_of = |i: usize| -> Result<i64, CalcError> {
        match target {
            Target::Utilization(_) => pods[i].request.ok_or(CalcError::MissingRequest),
            Target::AverageValue(_) => Ok(0),
        }
    };
    if let Target::Utilization(_) = target {
        // Upstream computes every listed pod's request, the ignored ones' too.
        if pods.iter().any(|pod| pod.request.is_none()) {
            return Err(CalcError::MissingRequest);
        }
    }
    let mut used = Vec::with_capacity(pods.len());
    for &i in &groups.ready {
        let value = pods[i].metric.map_or(0, |s| s.value);
        used.push(Used {
            value,
            request: request_of(i)?,
        });
    }
    let (ratio, reported) = target.ratio(&used)?;
    let proposal = |replicas: u32| Proposal {
        replicas,
        current: reported,
    };

    let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && groups.missing.is_empty() {
        if within_tolerance(ratio, p.tolerance) {
            return Ok(proposal(current));
        }
        return Ok(proposal(ceil_replicas(ratio, groups.ready.len())));
    }

    for &i in &groups.missing {
        let request = request_of(i)?;
        let value = if ratio < 1.0 {
            target.missing_on_scale_down(request)
        } else if ratio > 1.0 {
            0
        } else {
            // At exactly the target upstream leaves missing pods out of the ratio.
            continue;
        };
        used.push(Used { value, request });
    }
    if scale_up_with_unready {
        for &i in &groups.unready {
            used.push(Used {
                value: 0,
                request: request_of(i)?,
            });
        }
    }

    let (new_ratio, _) = target.ratio(&used)?;
    let flipped = (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0);
    if within_tolerance(new_ratio, p.tolerance) || flipped {
        return Ok(proposal(current));
    }
    let replicas = ceil_replicas(new_ratio, used.len());
    if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
        // Counting more pods than `current` must not turn a scale-down into a scale-up.
        return Ok(proposal(current));
    }
    Ok(proposal(replicas))
}

#[cfg(test)]
pub(super) mod tests {
    //! Rows of upstream's `replica_calculator_test.go` (v1.35: TestReplicaCalcResourceScale,
    //! …Tolerance, …MissingMetrics, …PodMetric, TestGroupPods,
    //! TestReplicaCalcComputedToleranceAlgImplementation) and hand derivations. Upstream's
    //! fixture gives each pod two containers with the same request and usage; the sums
    //! double, which changes neither the percent nor the ratio, so one container stands
    //! for both here.

    use super::*;
    use crate::engine::time::NANOS_PER_SEC;

    fn s(secs: u64) -> Nanos {
        secs * NANOS_PER_SEC
    }

    /// The sync time; upstream's "zero time" (pod starts, Ready transitions and sample
    /// timestamps its fixture leaves unset) is 0, an hour before.
    const NOW: Nanos = 3600 * NANOS_PER_SEC;
    /// Upstream's hot pod started now; its cool pod three minutes ago (both against a
    /// two-minute CPU initialization period).
    const HOT: Nanos = NOW;
    const COOL: Nanos = NOW - 180 * NANOS_PER_SEC;

    /// Upstream's testing constants: tolerance 0.1, CPU initialization period 2 min,
    /// initial readiness delay 10 s.
    fn params() -> CalcParams {
        CalcParams {
            tolerance: 0.1,
            cpu_initialization_period: s(120),
            initial_readiness_delay: s(10),
            now: NOW,
        }
    }

    /// Upstream's fixture: `count` Running, Ready pods started at the zero time; pod `i`
    /// requests `requests[i]` (none past the list) and has the sample `levels[i]` (none
    /// past the list) over a one-minute window ending at the zero time.
    pub(in crate::autoscaling::hpa) struct Fixture(pub(in crate::autoscaling::hpa) Vec<PodInfo>);

    impl Fixture {
        pub(in crate::autoscaling::hpa) fn new(
            count: usize,
            requests: &[i64],
            levels: &[i64],
        ) -> Fixture {
            Fixture(
                (0..count)
                    .map(|i| PodInfo {
                        phase: CalcPhase::Running,
                        deleting: false,
                        ready: Some(ReadyCondition {
                            ready: true,
                            last_transition: 0,
                        }),
                        start_time: Some(0),
                        request: requests.get(i).copied(),
                        metric: levels.get(i).map(|&value| Sample {
                            value,
                            timestamp: 0,
                            window: s(60),
                        }),
                    })
                    .collect(),
            )
        }

        fn readiness(mut self, ready: &[bool]) -> Fixture {
            for (pod, &r) in self.0.iter_mut().zip(ready) {
                pod.ready = pod.ready.map(|c| ReadyCondition { ready: r, ..c });
            }
            self
        }

        fn phases(mut self, phases: &[CalcPhase]) -> Fixture {
            for (pod, &phase) in self.0.iter_mut().zip(phases) {
                pod.phase = phase;
            }
            self
        }

        fn started(mut self, starts: &[Nanos]) -> Fixture {
            for (pod, &start) in self.0.iter_mut().zip(starts) {
                pod.start_time = Some(start);
            }
            self
        }

        fn deleting(mut self, deleting: &[bool]) -> Fixture {
            for (pod, &d) in self.0.iter_mut().zip(deleting) {
                pod.deleting = d;
            }
            self
        }

        pub(in crate::autoscaling::hpa) fn utilization(
            &self,
            current: u32,
            target: i32,
        ) -> Result<Proposal, CalcError> {
            utilization_replicas(current, target, &self.0, &params())
        }

        fn pods_metric(&self, current: u32, target: i64) -> Result<Proposal, CalcError> {
            pods_metric_replicas(current, target, &self.0, &params())
        }
    }

    fn ok(replicas: u32, current: i64) -> Result<Proposal, CalcError> {
        Ok(Proposal { replicas, current })
    }

    const ONE: i64 = 1000;
    use CalcPhase::{Failed, Pending, Running};

    #[test]
    fn scale_up() {
        let f = Fixture::new(3, &[ONE; 3], &[300, 500, 700]);
        assert_eq!(f.utilization(3, 30), ok(5, 50));
    }

    #[test]
    fn scale_up_unready_pod_scales_less() {
        let f = Fixture::new(3, &[ONE; 3], &[300, 500, 700]).readiness(&[false, true, true]);
        assert_eq!(f.utilization(3, 30), ok(4, 60));
    }

    #[test]
    fn scale_up_hot_cpu_pod_scales_less() {
        let f = Fixture::new(3, &[ONE; 3], &[300, 500, 700]).started(&[HOT, COOL, COOL]);
        assert_eq!(f.utilization(3, 30), ok(4, 60));
    }

    #[test]
    fn unready_pods_ignored_no_scale() {
        let f = Fixture::new(3, &[ONE; 3], &[400, 500, 700]).readiness(&[true, false, false]);
        assert_eq!(f.utilization(3, 30), ok(3, 40));
    }

    #[test]
    fn hot_cpu_pods_ignored_no_scale() {
        let f = Fixture::new(3, &[ONE; 3], &[400, 500, 700])
            .readiness(&[true, false, false])
            .started(&[COOL, HOT, HOT]);
        assert_eq!(f.utilization(3, 30), ok(3, 40));
    }

    #[test]
    fn scale_up_ignores_failed_pods() {
        let f = Fixture::new(4, &[ONE; 4], &[500, 700])
            .readiness(&[true, true, false, false])
            .phases(&[Running, Running, Failed, Failed]);
        assert_eq!(f.utilization(2, 30), ok(4, 60));
    }

    #[test]
    fn scale_up_ignores_pods_being_deleted() {
        let f = Fixture::new(4, &[ONE; 4], &[500, 700])
            .readiness(&[true, true, false, false])
            .deleting(&[false, false, true, true]);
        assert_eq!(f.utilization(2, 30), ok(4, 60));
    }

    #[test]
    fn scale_down() {
        let f = Fixture::new(5, &[ONE; 5], &[100, 300, 500, 250, 250]);
        assert_eq!(f.utilization(5, 50), ok(3, 28));
    }

    #[test]
    fn scale_down_excludes_unready_pods() {
        let f = Fixture::new(5, &[ONE; 5], &[100, 300, 500, 250, 250])
            .readiness(&[true, true, true, false, false]);
        assert_eq!(f.utilization(5, 50), ok(2, 30));
    }

    #[test]
    fn scale_down_excludes_unscheduled_pods() {
        let f = Fixture::new(5, &[ONE; 5], &[100])
            .readiness(&[true, false, false, false, false])
            .phases(&[Running, Pending, Pending, Pending, Pending]);
        assert_eq!(f.utilization(5, 50), ok(1, 10));
    }

    #[test]
    fn scale_down_ignores_hot_cpu_pods() {
        let f = Fixture::new(5, &[ONE; 5], &[100, 300, 500, 250, 250])
            .started(&[COOL, COOL, COOL, HOT, HOT]);
        assert_eq!(f.utilization(5, 50), ok(2, 30));
    }

    #[test]
    fn scale_down_ignores_failed_and_deleted_pods() {
        let failed = Fixture::new(7, &[ONE; 7], &[100, 300, 500, 250, 250])
            .readiness(&[true, true, true, true, true, false, false])
            .phases(&[Running, Running, Running, Running, Running, Failed, Failed]);
        assert_eq!(failed.utilization(5, 50), ok(3, 28));
        let deleted = Fixture::new(7, &[ONE; 7], &[100, 300, 500, 250, 250])
            .readiness(&[true, true, true, true, true, false, false])
            .deleting(&[false, false, false, false, false, true, true]);
        assert_eq!(deleted.utilization(5, 50), ok(3, 28));
    }

    #[test]
    fn within_default_tolerance() {
        let f = Fixture::new(3, &[900, 1000, 1100], &[1010, 1030, 1020]);
        assert_eq!(f.utilization(3, 100), ok(3, 102));
    }

    #[test]
    fn outside_zero_tolerance() {
        let f = Fixture::new(3, &[900, 1000, 1100], &[909, 1010, 1111]);
        let p = CalcParams {
            tolerance: 0.0,
            ..params()
        };
        assert_eq!(utilization_replicas(3, 100, &f.0, &p), ok(4, 101));
    }

    #[test]
    fn tolerance_bound_is_inclusive_in_floating_point() {
        // 110 % of a 100 % target: 1.1 ≤ 1 + 0.1 holds in f64, although |1 − 1.1| =
        // 0.10000000000000009 > 0.1; upstream's v1.35 check keeps the count.
        let f = Fixture::new(2, &[ONE; 2], &[1100, 1100]);
        assert_eq!(f.utilization(2, 100), ok(2, 110));
    }

    #[test]
    fn superfluous_metrics_of_other_pods_do_not_count() {
        // Upstream's metrics API returns six samples but only four pods match; the two
        // extra samples have no request and are skipped: 23500 m / 4000 m = 587 %,
        // ceil(5.87 × 4) = 24. kubesim passes only matching pods.
        let f = Fixture::new(4, &[ONE; 4], &[4000, 9500, 3000, 7000]);
        assert_eq!(f.utilization(4, 100), ok(24, 587));
    }

    #[test]
    fn some_pods_missing_metrics_scale_down() {
        // 495 m / 2000 m = 24 %; missing pods at 100 %: 2495 / 4000 = 62 %, ceil(2.48) = 3.
        let f = Fixture::new(4, &[ONE; 4], &[400, 95]);
        assert_eq!(f.utilization(4, 100), ok(3, 24));
    }

    #[test]
    fn missing_metric_no_change_at_above_and_below_target() {
        let equal = Fixture::new(2, &[ONE; 2], &[1000]);
        assert_eq!(equal.utilization(2, 100), ok(2, 100));
        // 190 %, the missing pod at 0 % gives 95 %: the direction flips, no change.
        let above = Fixture::new(2, &[ONE; 2], &[1900]);
        assert_eq!(above.utilization(2, 100), ok(2, 190));
        // 60 %, the missing pod at 100 % gives 80 %: ceil(0.8 × 2) = 2.
        let below = Fixture::new(2, &[ONE; 2], &[600]);
        assert_eq!(below.utilization(2, 100), ok(2, 60));
    }

    #[test]
    fn unready_or_hot_pod_with_missing_metric_no_change() {
        // One ready pod at 45 % of a 50 % target; the missing pod at 100 % lifts the
        // ratio above 1: direction flip, no change.
        let unready = Fixture::new(3, &[ONE; 3], &[100, 450]).readiness(&[false, true, true]);
        assert_eq!(unready.utilization(3, 50), ok(3, 45));
        let hot = Fixture::new(3, &[ONE; 3], &[100, 450]).started(&[HOT, COOL, COOL]);
        assert_eq!(hot.utilization(3, 50), ok(3, 45));
    }

    #[test]
    fn unready_or_hot_pod_with_missing_metric_scale_up() {
        // 200 % on the one ready pod; the unready and the missing pod at 0 %: 2000 / 3000
        // = 66 %, ceil(1.32 × 3) = 4.
        let unready = Fixture::new(3, &[ONE; 3], &[100, 2000]).readiness(&[false, true, true]);
        assert_eq!(unready.utilization(3, 50), ok(4, 200));
        let hot = Fixture::new(3, &[ONE; 3], &[100, 2000])
            .readiness(&[false, true, true])
            .started(&[HOT, COOL, COOL]);
        assert_eq!(hot.utilization(3, 50), ok(4, 200));
    }

    #[test]
    fn unready_pod_with_missing_metric_scale_down() {
        // 10 % on two ready pods; the missing one at 100 %: 1200 / 3000 = 40 %,
        // ceil(0.8 × 3) = 3 (the unready pod stays out on a scale-down).
        let f = Fixture::new(4, &[ONE; 4], &[100, 100, 100]).readiness(&[false, true, true, true]);
        assert_eq!(f.utilization(4, 50), ok(3, 10));
    }

    #[test]
    fn missing_pod_counts_at_the_target_above_100_percent() {
        // Ready: 200 m / 3000 m = 6 % of 300 %. The missing pod (2000 m) counts at
        // max(100, 300) % = 6000 m: 6200 / 5000 = 124 %, ratio 0.413, ceil(1.24) = 2.
        let f = Fixture::new(4, &[ONE, ONE, 2 * ONE, 2 * ONE], &[200, 100, 100])
            .readiness(&[false, true, true, true]);
        assert_eq!(f.utilization(4, 300), ok(2, 6));
    }

    #[test]
    fn rolling_update_surge_pod_missing_metric() {
        // Two pods at 10 %, the surge pod at 100 %: 40 %, ceil(0.8 × 3) = 3 > 2 would turn
        // a scale-down into a scale-up: no change.
        let f = Fixture::new(3, &[ONE; 3], &[100, 100]);
        assert_eq!(f.utilization(2, 50), ok(2, 10));
    }

    #[test]
    fn errors() {
        assert_eq!(
            utilization_replicas(1, 100, &[], &params()),
            Err(CalcError::NoPods)
        );
        let no_samples = Fixture::new(4, &[ONE; 4], &[]);
        assert_eq!(no_samples.utilization(4, 100), Err(CalcError::NoMetrics));
        let only_unready = Fixture::new(2, &[ONE; 2], &[500, 500]).readiness(&[false, false]);
        assert_eq!(only_unready.utilization(2, 100), Err(CalcError::NoMetrics));
        let no_request = Fixture::new(1, &[], &[200]);
        assert_eq!(
            no_request.utilization(1, 100),
            Err(CalcError::MissingRequest)
        );
        // A Failed pod's missing request still fails the metric, as upstream's request
        // pass covers every listed pod.
        let failed_no_request = Fixture::new(2, &[ONE], &[200]).phases(&[Running, Failed]);
        assert_eq!(
            failed_no_request.utilization(1, 100),
            Err(CalcError::MissingRequest)
        );
        let zero_requests = Fixture::new(1, &[0], &[200]);
        assert_eq!(
            zero_requests.utilization(1, 100),
            Err(CalcError::MissingRequest)
        );
        // Raw values and Pods metrics read no requests.
        assert_eq!(
            average_value_replicas(1, 200, &no_request.0, &params()),
            ok(1, 200)
        );
    }

    #[test]
    fn computed_tolerance_alg_implementation() {
        // Ten pods at 150 m with requests averaging 300 m (jittered ±100, ±10, ±2, ±1):
        // 1500 / 3000 = 50 %. Target int(100 · (1 / (2 · 0.9) + 0.01)) = 56: ratio 0.893,
        // just outside the tolerance, ceil(8.93) = 9 (upstream's finalPods: ceil(1500 /
        // (3000 · 0.5656) · 10) = 9). Target int(100 · (1 / 1.8 + 0.004)) = 55: ratio
        // 0.909, within it, no change.
        let requests = [400, 200, 310, 290, 302, 298, 301, 299, 300, 300];
        let f = Fixture::new(10, &requests, &[150; 10]);
        assert_eq!(f.utilization(10, 56), ok(9, 50));
        assert_eq!(f.utilization(10, 55), ok(10, 50));
    }

    #[test]
    fn zero_utilization_scales_to_zero_proposal() {
        // 0 % of any target: ratio 0, ceil(0 × 3) = 0; the HPA's minReplicas bounds it
        // later.
        let f = Fixture::new(3, &[ONE; 3], &[0, 0, 0]);
        assert_eq!(f.utilization(3, 50), ok(0, 0));
    }

    #[test]
    fn pods_metric_scale_up() {
        let f = Fixture::new(3, &[], &[20000, 10000, 30000]);
        assert_eq!(f.pods_metric(3, 15000), ok(4, 20000));
    }

    #[test]
    fn pods_metric_counts_unready_running_pods() {
        // Only Pending pods are unready for a Pods metric: the hot, unready pod counts.
        // Average 30000 of 15000: ceil(2 × 3) = 6.
        let f = Fixture::new(3, &[], &[50000, 10000, 30000])
            .readiness(&[true, true, false])
            .started(&[COOL, COOL, HOT]);
        assert_eq!(f.pods_metric(3, 15000), ok(6, 30000));
        // 95000 / 3 = 31666 (truncated): ratio 2.111, ceil(6.33) = 7.
        let g = Fixture::new(3, &[], &[50000, 15000, 30000])
            .readiness(&[false, true, false])
            .started(&[HOT, COOL, HOT]);
        assert_eq!(g.pods_metric(3, 15000), ok(7, 31666));
    }

    #[test]
    fn pods_metric_scale_down_and_tolerance() {
        let down = Fixture::new(5, &[], &[12000; 5]);
        assert_eq!(down.pods_metric(5, 20000), ok(3, 12000));
        let within = Fixture::new(3, &[], &[20000, 21000, 21000]);
        assert_eq!(within.pods_metric(3, 20000), ok(3, 20666));
        let p = CalcParams {
            tolerance: 0.01,
            ..params()
        };
        assert_eq!(pods_metric_replicas(3, 20000, &within.0, &p), ok(4, 20666));
    }

    #[test]
    fn pods_metric_missing() {
        // At the target exactly: missing pods are left out, no change.
        let at_target = Fixture::new(5, &[], &[20000, 19000, 21000]);
        assert_eq!(at_target.pods_metric(5, 20000), ok(5, 20000));
        // Surge pod at the 17000 target: 37000 / 3 = 12333, ceil(0.725 × 3) = 3 > 2.
        let surge = Fixture::new(3, &[], &[10000, 10000]);
        assert_eq!(surge.pods_metric(2, 17000), ok(2, 10000));
    }

    #[test]
    fn pods_metric_pending_pod_is_unready() {
        // Hand-derived: two Running pods average 30000 of 10000 (ratio 3); the Pending pod
        // counts at 0 on the way up: 60000 / 3 = 20000, ceil(2 × 3) = 6.
        let f = Fixture::new(3, &[], &[30000, 30000]).phases(&[Running, Running, Pending]);
        assert_eq!(f.pods_metric(2, 10000), ok(6, 30000));
    }

    #[test]
    fn average_value_applies_cpu_readiness() {
        // Hand-derived. All ready: average 500 m of 250 m, ratio 2, ceil(2 × 3) = 6. With
        // the first pod hot its sample is left out: 1200 / 2 = 600 (ratio 2.4), and on
        // the way up it counts at 0: 1200 / 3 = 400, ceil(1.6 × 3) = 5. The same samples
        // as a Pods metric ignore start times and give 6.
        let cool = Fixture::new(3, &[], &[300, 500, 700]);
        assert_eq!(
            average_value_replicas(3, 250, &cool.0, &params()),
            ok(6, 500)
        );
        let hot = Fixture::new(3, &[], &[300, 500, 700]).started(&[HOT, COOL, COOL]);
        assert_eq!(
            average_value_replicas(3, 250, &hot.0, &params()),
            ok(5, 600)
        );
        assert_eq!(hot.pods_metric(3, 250), ok(6, 500));
    }

    /// One pod for `group_pods`, at `NOW`: Running with a sample of the given timestamp
    /// and window.
    fn grouped(pod: PodInfo, cpu: bool) -> Groups {
        group_pods(&[pod], cpu, &params())
    }

    fn pod_at(
        start: Option<Nanos>,
        ready: Option<(bool, Nanos)>,
        sample: Option<(Nanos, Nanos)>,
    ) -> PodInfo {
        PodInfo {
            phase: Running,
            deleting: false,
            ready: ready.map(|(ready, last_transition)| ReadyCondition {
                ready,
                last_transition,
            }),
            start_time: start,
            request: Some(ONE),
            metric: sample.map(|(timestamp, window)| Sample {
                value: 1,
                timestamp,
                window,
            }),
        }
    }

    fn ready_group() -> Groups {
        Groups {
            ready: vec![0],
            ..Groups::default()
        }
    }

    fn unready_group() -> Groups {
        Groups {
            unready: vec![0],
            ..Groups::default()
        }
    }

    #[test]
    fn group_pods_cases() {
        // TestGroupPods, with upstream's now at NOW.
        let memory = pod_at(None, None, Some((NOW, s(60))));
        assert_eq!(grouped(memory, false), ready_group());
        let no_condition = pod_at(Some(NOW), None, Some((0, 0)));
        assert_eq!(grouped(no_condition, true), unready_group());
        let fresh = pod_at(
            Some(NOW - s(60)),
            Some((true, NOW - s(30))),
            Some((NOW, s(30))),
        );
        assert_eq!(grouped(fresh, true), ready_group());
        let stale = pod_at(
            Some(NOW - s(60)),
            Some((true, NOW - s(30))),
            Some((NOW, s(60))),
        );
        assert_eq!(grouped(stale, true), unready_group());
        let never_ready = pod_at(
            Some(NOW - s(600)),
            Some((false, NOW - s(594))),
            Some((0, 0)),
        );
        assert_eq!(grouped(never_ready, true), unready_group());
        let ready_after_init = pod_at(
            Some(NOW - s(180)),
            Some((true, NOW - s(180))),
            Some((NOW - s(120), s(60))),
        );
        assert_eq!(grouped(ready_after_init, true), ready_group());
        let was_ready = pod_at(
            Some(NOW - s(600)),
            Some((false, NOW - s(540))),
            Some((0, 0)),
        );
        assert_eq!(grouped(was_ready, true), ready_group());
        // Ready condition last changed exactly at start + delay: not "after", so counted.
        let at_delay = pod_at(
            Some(NOW - s(600)),
            Some((false, NOW - s(590))),
            Some((0, 0)),
        );
        assert_eq!(grouped(at_delay, true), ready_group());
        let missing = pod_at(Some(NOW - s(180)), None, None);
        assert_eq!(
            grouped(missing, true),
            Groups {
                missing: vec![0],
                ..Groups::default()
            }
        );
        let pending = PodInfo {
            phase: Pending,
            ..pod_at(None, None, None)
        };
        assert_eq!(grouped(pending, true), unready_group());
        let deleted = PodInfo {
            phase: Pending,
            deleting: true,
            ..pod_at(None, None, Some((0, 0)))
        };
        assert_eq!(grouped(deleted, true), Groups::default());
        let failed = PodInfo {
            phase: Failed,
            ..pod_at(None, None, Some((0, 0)))
        };
        assert_eq!(grouped(failed, true), Groups::default());
    }

    use proptest::prelude::*;

    /// Any pod, extreme values included.
    fn any_pod() -> impl Strategy<Value = PodInfo> {
        let phase = prop::sample::select(vec![Running, Running, Running, Pending, Failed]);
        let request = prop_oneof![0i64..4000, Just(0), Just(i64::MAX)];
        let value = prop_oneof![0i64..8000, Just(i64::MAX)];
        (
            phase,
            any::<bool>(),
            prop::option::of((any::<bool>(), 0..=NOW)),
            prop::option::of(0..=NOW),
            prop::option::of(request),
            prop::option::of((value, 0..=NOW, 0..s(120))),
        )
            .prop_map(
                |(phase, deleting, ready, start_time, request, metric)| PodInfo {
                    phase,
                    deleting,
                    ready: ready.map(|(ready, last_transition)| ReadyCondition {
                        ready,
                        last_transition,
                    }),
                    start_time,
                    request,
                    metric: metric.map(|(value, timestamp, window)| Sample {
                        value,
                        timestamp,
                        window,
                    }),
                },
            )
    }

    /// `n` Running pods, Ready since long before the sync, with these requests and samples.
    fn settled(requests: &[i64], values: &[i64]) -> Vec<PodInfo> {
        Fixture::new(requests.len(), requests, values).0
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// No input makes a calculation panic, and a proposal stays within int32 like
        /// upstream's replica counts.
        #[test]
        fn no_input_panics(
            current in 0u32..1000,
            target in prop_oneof![1i32..300, Just(i32::MAX)],
            raw in prop_oneof![1i64..20000, Just(i64::MAX)],
            pods in prop::collection::vec(any_pod(), 0..12),
        ) {
            let p = params();
            let results = [
                utilization_replicas(current, target, &pods, &p),
                average_value_replicas(current, raw, &pods, &p),
                pods_metric_replicas(current, raw, &pods, &p),
            ];
            for proposal in results.into_iter().flatten() {
                prop_assert!(proposal.replicas <= i32::MAX as u32);
            }
        }

        /// With every pod ready and sampled the proposal is the plain formula: the
        /// current count within the tolerance, else ⌈(u / target) · n⌉ with the integer
        /// percent u = ⌊100 · Σ usage / Σ request⌋.
        #[test]
        fn settled_pods_follow_the_plain_formula(
            current in 1u32..20,
            target in 1i32..200,
            pods in prop::collection::vec((1i64..4000, 0i64..8000), 1..12),
        ) {
            let (requests, values): (Vec<i64>, Vec<i64>) = pods.into_iter().unzip();
            let u = values.iter().sum::<i64>() * 100 / requests.iter().sum::<i64>();
            let ratio = u as f64 / f64::from(target);
            let want = if (0.9..=1.1).contains(&ratio) {
                current
            } else {
                (ratio * requests.len() as f64).ceil() as u32
            };
            let got = utilization_replicas(current, target, &settled(&requests, &values), &params());
            prop_assert_eq!(got, Ok(Proposal { replicas: want, current: u }));
        }

        /// When the current count is the number of settled pods, more usage on one pod
        /// never proposes fewer replicas.
        #[test]
        fn more_usage_never_proposes_fewer(
            target in 1i32..200,
            pods in prop::collection::vec((1i64..4000, 0i64..8000), 1..12),
            which in any::<prop::sample::Index>(),
            extra in 0i64..8000,
        ) {
            let (requests, mut values): (Vec<i64>, Vec<i64>) = pods.into_iter().unzip();
            let n = requests.len() as u32;
            let before = utilization_replicas(n, target, &settled(&requests, &values), &params());
            values[which.index(requests.len())] += extra;
            let after = utilization_replicas(n, target, &settled(&requests, &values), &params());
            match (before, after) {
                (Ok(b), Ok(a)) => prop_assert!(a.replicas >= b.replicas),
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }
}
