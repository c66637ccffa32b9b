//! PodDisruptionBudgets: their status as the disruption controller computes it, and the
//! eviction API's verdict on one pod. Status is computed on demand from the pods, so it is
//! never stale: an eviction that starts a pod's termination is seen by the next one.

use super::ClusterState;
use super::OwnerKind;
use super::ids::PodId;
pub use super::int_or_percent::IntOrPercent;
use super::pod::PodPhase;

/// A PodDisruptionBudget.
#[derive(Clone, Debug)]
pub struct Pdb {
    /// `metadata.name`.
    pub name: String,
    /// The templates whose pods it covers (its namespace and selector match them), sorted.
    pub templates: Vec<u32>,
    /// `minAvailable` or `maxUnavailable`.
    pub budget: Budget,
    /// `unhealthyPodEvictionPolicy: AlwaysAllow`.
    pub always_allow_unhealthy: bool,
}

/// What a disruption budget keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// `minAvailable`.
    MinAvailable(IntOrPercent),
    /// `maxUnavailable`.
    MaxUnavailable(IntOrPercent),
}

/// A budget's `status`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PdbStatus {
    /// `expectedPods`.
    pub expected: u32,
    /// `currentHealthy`: covered pods Ready and not terminating.
    pub current_healthy: u32,
    /// `desiredHealthy`.
    pub desired_healthy: u32,
    /// `disruptionsAllowed`.
    pub disruptions_allowed: u32,
}

/// The disruption controller's arithmetic (`getExpectedPodCount`, `updatePdbStatus`):
/// `pods` covered pods, `scale` the summed scale of their controllers (`None` when one of
/// them has no scale, as a Job: the controller then fails safe and allows nothing), and
/// `healthy` of them Ready.
pub fn arithmetic(budget: Budget, pods: u32, scale: Option<u32>, healthy: u32) -> PdbStatus {
    let (expected, desired) = match (budget, scale) {
        (Budget::MinAvailable(IntOrPercent::Int(n)), _) => (pods, n),
        (Budget::MinAvailable(v), Some(s)) => (s, v.scaled(s, true)),
        (Budget::MaxUnavailable(v), Some(s)) => (s, s.saturating_sub(v.scaled(s, true))),
        (_, None) => {
            return PdbStatus {
                current_healthy: healthy,
                ..PdbStatus::default()
            };
        }
    };
    let allowed = if expected == 0 {
        0
    } else {
        healthy.saturating_sub(desired)
    };
    PdbStatus {
        expected,
        current_healthy: healthy,
        desired_healthy: desired,
        disruptions_allowed: allowed,
    }
}

/// The budget's status now. Covered pods are the non-terminal pods of its templates
/// (Kubernetes keeps finished pods until they are collected; kubesim does not count them).
pub fn status(cluster: &ClusterState, pdb: &Pdb) -> PdbStatus {
    let (mut pods, mut healthy) = (0u32, 0u32);
    let mut owners: Vec<u32> = Vec::new();
    for p in &cluster.pods {
        if p.phase.is_terminal() || pdb.templates.binary_search(&p.template).is_err() {
            continue;
        }
        pods += 1;
        if p.ready_since.is_some() && !p.terminating {
            healthy += 1;
        }
        if !owners.contains(&p.owner) {
            owners.push(p.owner);
        }
    }
    let scale = owners.iter().try_fold(0u32, |sum, &o| {
        let owner = &cluster.owners[o as usize];
        match owner.kind {
            OwnerKind::Deployment(_) => Some(sum.saturating_add(owner.desired)),
            OwnerKind::Job(_) => None,
        }
    });
    arithmetic(pdb.budget, pods, scale, healthy)
}

/// The budget covering `pod`'s template, if any (a pod has at most one: validation
/// refuses overlapping budgets, which the eviction API cannot handle).
pub fn pdb_of(pdbs: &[Pdb], template: u32) -> Option<usize> {
    pdbs.iter()
        .position(|b| b.templates.binary_search(&template).is_ok())
}

/// The eviction API's answer for `pod` (`policy/v1` Eviction, v1.35): `Ok` when the pod may
/// be evicted now, `Err((pdb, status))` when its budget refuses (HTTP 429, "Cannot evict pod
/// as it would violate the pod's disruption budget"). `statuses` caches each budget's
/// status across calls: the caller clears a budget's entry when one of its pods is evicted.
pub fn may_evict(
    cluster: &ClusterState,
    pod: PodId,
    statuses: &mut [Option<PdbStatus>],
) -> Result<(), (usize, PdbStatus)> {
    let p = &cluster.pods[pod.index()];
    // `canIgnorePDB`: finished, terminating, or Pending in Kubernetes' terms (kubesim's
    // Pending, or Bound with containers never started).
    let pending =
        p.phase == PodPhase::Pending || (p.phase == PodPhase::Bound && p.started.is_none());
    if p.phase.is_terminal() || p.terminating || pending {
        return Ok(());
    }
    let Some(k) = pdb_of(&cluster.pdbs, p.template) else {
        return Ok(());
    };
    let pdb = &cluster.pdbs[k];
    let ready = p.ready_since.is_some();
    if !ready && pdb.always_allow_unhealthy {
        return Ok(());
    }
    let st = *statuses[k].get_or_insert_with(|| status(cluster, pdb));
    // A pod that is not ready does not count as healthy: evicting it costs the budget
    // nothing while the budget is met.
    if !ready && st.current_healthy >= st.desired_healthy && st.desired_healthy > 0 {
        return Ok(());
    }
    if st.disruptions_allowed == 0 {
        Err((k, st))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Budget::*;
    use IntOrPercent::*;

    /// `(disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods)`, the order of
    /// upstream's `VerifyPdbStatus`, for `pods` covered pods (`healthy` of them Ready) of
    /// controllers of summed scale `scale`.
    fn st(b: Budget, pods: u32, scale: Option<u32>, healthy: u32) -> (u32, u32, u32, u32) {
        let s = arithmetic(b, pods, scale, healthy);
        (
            s.disruptions_allowed,
            s.current_healthy,
            s.desired_healthy,
            s.expected,
        )
    }

    // The expected tuples are those of pkg/controller/disruption/disruption_test.go.

    #[test]
    fn integer_min_available_counts_pods() {
        // TestUnavailable: minAvailable 3, pods added one by one (expected = pods).
        let b = MinAvailable(Int(3));
        for i in 0..4 {
            assert_eq!(st(b, i, None, i), (0, i, 3, i));
        }
        assert_eq!(st(b, 4, None, 4), (1, 4, 3, 4));
        // One pod loses its Ready condition.
        assert_eq!(st(b, 4, None, 3), (0, 3, 3, 4));
    }

    #[test]
    fn percent_min_available_counts_the_scale() {
        // TestReplicaSet: 20% of a ReplicaSet of 10, one pod.
        assert_eq!(st(MinAvailable(Percent(20)), 1, Some(10), 1), (0, 1, 2, 10));
        // TestReplicationController: 34% of 3 rounds up to 2.
        let b = MinAvailable(Percent(34));
        assert_eq!(st(b, 1, Some(3), 1), (0, 1, 2, 3));
        assert_eq!(st(b, 2, Some(3), 2), (0, 2, 2, 3));
        assert_eq!(st(b, 3, Some(3), 3), (1, 3, 2, 3));
        // TestTwoControllers: 28% of 11 is 4 (minimumOne); 5 healthy allow one.
        let b = MinAvailable(Percent(28));
        assert_eq!(st(b, 11, Some(11), 4), (0, 4, 4, 11));
        assert_eq!(st(b, 11, Some(11), 5), (1, 5, 4, 11));
    }

    #[test]
    fn integer_max_unavailable_follows_the_scale() {
        // TestIntegerMaxUnavailableWithScaling: maxUnavailable 2 of a ReplicaSet of 7 with
        // one pod, then scaled to 5.
        let b = MaxUnavailable(Int(2));
        assert_eq!(st(b, 1, Some(7), 1), (0, 1, 5, 7));
        assert_eq!(st(b, 1, Some(5), 1), (0, 1, 3, 5));
        // TestScaleResource: maxUnavailable 5 of 10 replicas with 4 pods.
        assert_eq!(st(MaxUnavailable(Int(5)), 4, Some(10), 4), (0, 4, 5, 10));
    }

    #[test]
    fn percent_max_unavailable_rounds_up() {
        // TestPercentageMaxUnavailableWithScaling: 30% of 7 is ⌈2.1⌉ = 3, of 3 ⌈0.9⌉ = 1.
        let b = MaxUnavailable(Percent(30));
        assert_eq!(st(b, 1, Some(7), 1), (0, 1, 4, 7));
        assert_eq!(st(b, 1, Some(3), 1), (0, 1, 2, 3));
        // Hand-derived: all 7 healthy allow 7 − 4 = 3.
        assert_eq!(st(b, 7, Some(7), 7), (3, 7, 4, 7));
    }

    #[test]
    fn no_pods_or_no_scale_allows_nothing() {
        // "when a PDB has 0 pods, disruptions are not allowed".
        assert_eq!(st(MaxUnavailable(Int(1)), 0, Some(0), 0).0, 0);
        assert_eq!(st(MinAvailable(Int(0)), 0, None, 0).0, 0);
        // TestIntegerMaxUnavailable / TestNakedPod: a pod whose controller has no scale
        // (kubesim's Jobs) allows nothing under maxUnavailable or a percentage.
        assert_eq!(st(MaxUnavailable(Int(1)), 1, None, 1).0, 0);
        assert_eq!(st(MinAvailable(Percent(28)), 1, None, 1).0, 0);
        // An integer minAvailable needs no scale.
        assert_eq!(st(MinAvailable(Int(1)), 4, None, 4), (3, 4, 1, 4));
        // More unavailable than expected: desired clamps at 0.
        assert_eq!(st(MaxUnavailable(Int(9)), 3, Some(3), 3), (3, 3, 0, 3));
    }
}
