//! The Deployment controller's arithmetic, as pure functions over replica counts so that
//! upstream's test tables check them directly: the rolling-update fenceposts
//! (`deployment_util.go`), one step of a rolling update (`rolling.go`), proportional
//! scaling (`sync.go`) and the order in which a ReplicaSet deletes its pods
//! (`controller_utils.go`, `ActivePodsWithRanks`).

pub use crate::cluster::int_or_percent::IntOrPercent;
use crate::engine::time::Nanos;
use std::cmp::Ordering;

/// `ResolveFenceposts`: `(maxSurge, maxUnavailable)` in pods for `desired` replicas. Surge
/// rounds up, unavailable down, and when both come to zero one pod may be unavailable so
/// that the rollout can move at all.
pub fn resolve_fenceposts(
    surge: IntOrPercent,
    unavailable: IntOrPercent,
    desired: u32,
) -> (u32, u32) {
    let s = surge.scaled(desired, true);
    let u = unavailable.scaled(desired, false);
    if s == 0 && u == 0 { (0, 1) } else { (s, u) }
}

/// `MaxUnavailable(d)`: the fencepost capped at the desired replicas.
pub fn max_unavailable(surge: IntOrPercent, unavailable: IntOrPercent, desired: u32) -> u32 {
    if desired == 0 {
        return 0;
    }
    resolve_fenceposts(surge, unavailable, desired)
        .1
        .min(desired)
}

/// One ReplicaSet as the Deployment controller sees it: `spec.replicas` and
/// `status.availableReplicas`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RsCounts {
    /// `spec.replicas`.
    pub replicas: u32,
    /// `status.availableReplicas`.
    pub available: u32,
}

/// The rolling-update settings resolved for the Deployment's current `replicas`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rolling {
    /// `spec.replicas`.
    pub replicas: u32,
    /// Resolved `maxSurge`.
    pub surge: u32,
    /// `MaxUnavailable(d)`.
    pub max_unavailable: u32,
}

impl Rolling {
    /// The settings for `replicas` pods.
    pub fn new(surge: IntOrPercent, unavailable: IntOrPercent, replicas: u32) -> Rolling {
        Rolling {
            replicas,
            surge: surge.scaled(replicas, true),
            max_unavailable: max_unavailable(surge, unavailable, replicas),
        }
    }

    fn min_available(self) -> i64 {
        i64::from(self.replicas) - i64::from(self.max_unavailable)
    }
}

fn total(sets: &[RsCounts]) -> i64 {
    sets.iter().map(|r| i64::from(r.replicas)).sum()
}

/// `reconcileNewReplicaSet`: the new ReplicaSet's next size, given the old ones (any order).
/// Above `replicas` it comes down at once; below, it grows as far as `replicas + maxSurge`
/// pods in all allow.
pub fn reconcile_new(d: Rolling, new: RsCounts, old: &[RsCounts]) -> u32 {
    if new.replicas >= d.replicas {
        return d.replicas;
    }
    let max_total = i64::from(d.replicas) + i64::from(d.surge);
    let current = total(old) + i64::from(new.replicas);
    if current >= max_total {
        return new.replicas;
    }
    let up = (max_total - current).min(i64::from(d.replicas - new.replicas));
    new.replicas + up as u32
}

/// `reconcileOldReplicaSets`: scales the old ReplicaSets (oldest first) down as far as
/// the availability floor allows, first by their unavailable pods
/// ([`cleanup_unhealthy`]), then by available ones ([`scale_down_old`]). Returns the pods
/// scaled down in all.
pub fn reconcile_old(d: Rolling, new: RsCounts, old: &mut [RsCounts]) -> u32 {
    if total(old) == 0 {
        return 0;
    }
    let all = total(old) + i64::from(new.replicas);
    let new_unavailable = i64::from(new.replicas) - i64::from(new.available);
    let max_scaled_down = all - d.min_available() - new_unavailable;
    if max_scaled_down <= 0 {
        return 0;
    }
    let cleaned = cleanup_unhealthy(old, max_scaled_down as u32);
    cleaned + scale_down_old(d, new, old)
}

/// `cleanupUnhealthyReplicas`: removes up to `max_cleanup` unavailable pods from the old
/// ReplicaSets, oldest first; they add nothing to availability. Returns how many.
pub fn cleanup_unhealthy(old: &mut [RsCounts], max_cleanup: u32) -> u32 {
    let mut done = 0;
    for rs in old.iter_mut() {
        if done >= max_cleanup {
            break;
        }
        if rs.replicas == 0 || rs.replicas <= rs.available {
            continue;
        }
        let n = (max_cleanup - done).min(rs.replicas - rs.available);
        rs.replicas -= n;
        done += n;
    }
    done
}

/// `scaleDownOldReplicaSetsForRollingUpdate`: scales old ReplicaSets down, oldest first,
/// by as many pods as are available above `replicas − maxUnavailable` (counting the new
/// ReplicaSet's). Returns how many.
pub fn scale_down_old(d: Rolling, new: RsCounts, old: &mut [RsCounts]) -> u32 {
    let available: i64 =
        old.iter().map(|r| i64::from(r.available)).sum::<i64>() + i64::from(new.available);
    if available <= d.min_available() {
        return 0;
    }
    let want = (available - d.min_available()) as u32;
    let mut done = 0;
    for rs in old.iter_mut() {
        if done >= want {
            break;
        }
        if rs.replicas == 0 {
            continue;
        }
        let n = rs.replicas.min(want - done);
        rs.replicas -= n;
        done += n;
    }
    done
}

/// A ReplicaSet in proportional scaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaledRs {
    /// `spec.replicas`, updated in place.
    pub replicas: u32,
    /// Its `deployment.kubernetes.io/max-replicas` annotation: `replicas + maxSurge` of the
    /// Deployment when it last sized this ReplicaSet.
    pub max_replicas: u32,
    /// Creation order (higher is newer).
    pub created: u64,
}

/// `scale` for a rolling update with several active ReplicaSets: spreads the change of
/// `replicas + maxSurge` over them in proportion to their sizes (`GetProportion`,
/// `getReplicaSetFraction`), larger ones first (newer first on ties when growing, older
/// first when shrinking), and gives the rounding leftover to the first.
pub fn scale_proportionally(sets: &mut [ScaledRs], replicas: u32, surge: u32) {
    let active: i64 = sets.iter().map(|r| i64::from(r.replicas)).sum();
    let allowed = if replicas > 0 {
        i64::from(replicas) + i64::from(surge)
    } else {
        0
    };
    let to_add = allowed - active;
    if to_add == 0 {
        return;
    }
    let mut order: Vec<usize> = (0..sets.len()).filter(|&i| sets[i].replicas > 0).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&sets[a], &sets[b]);
        y.replicas.cmp(&x.replicas).then(if to_add > 0 {
            y.created.cmp(&x.created)
        } else {
            x.created.cmp(&y.created)
        })
    });
    let mut added: i64 = 0;
    let mut sizes: Vec<i64> = Vec::with_capacity(order.len());
    for &i in &order {
        let rs = sets[i];
        let fraction = if replicas == 0 {
            -i64::from(rs.replicas)
        } else {
            let d = i64::from(replicas) + i64::from(surge);
            let ann = i64::from(rs.max_replicas.max(1));
            // integer.RoundToInt32: halves away from zero.
            let num = i64::from(rs.replicas) * d;
            ((2 * num + ann) / (2 * ann)) - i64::from(rs.replicas)
        };
        let allowed_here = to_add - added;
        let p = if to_add == added {
            0
        } else if to_add > 0 {
            fraction.min(allowed_here)
        } else {
            fraction.max(allowed_here)
        };
        sizes.push(i64::from(rs.replicas) + p);
        added += p;
    }
    if let Some(first) = sizes.first_mut() {
        *first = (*first + to_add - added).max(0);
    }
    for (&i, s) in order.iter().zip(sizes) {
        sets[i].replicas = s.max(0) as u32;
    }
}

/// What decides the order in which a ReplicaSet deletes one of its pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodRank {
    /// Bound to a node.
    pub assigned: bool,
    /// 0 Pending (waiting for the scheduler or for its containers), 1 Unknown, 2 Running.
    pub phase: u8,
    /// Ready since then.
    pub ready_since: Option<Nanos>,
    /// Active pods of the same Deployment on the pod's node.
    pub colocated: u32,
    /// Container restarts.
    pub restarts: u32,
    /// Creation time.
    pub created: Nanos,
    /// Stands in for the UID tie-break: a hash of the pod's name.
    pub tie: u64,
}

/// `floor(log2(now − t))` of a duration in nanoseconds, −1 when it is not positive.
fn log2_bucket(now: Nanos, t: Nanos) -> i64 {
    let d = now.saturating_sub(t);
    if d == 0 {
        -1
    } else {
        i64::from(63 - d.leading_zeros())
    }
}

/// Compares two times under LogarithmicScaleDown: the more recent bucket first, then the
/// tie-break.
fn by_age(a: Nanos, b: Nanos, ta: u64, tb: u64, now: Nanos) -> Ordering {
    log2_bucket(now, a)
        .cmp(&log2_bucket(now, b))
        .then(ta.cmp(&tb))
}

/// `ActivePodsWithRanks.Less` (without the deletion-cost annotation, which kubesim does
/// not model): `Less` first means deleted first.
pub fn delete_order(a: &PodRank, b: &PodRank, now: Nanos) -> Ordering {
    if a.assigned != b.assigned {
        return if a.assigned {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    if a.phase != b.phase {
        return a.phase.cmp(&b.phase);
    }
    if a.ready_since.is_some() != b.ready_since.is_some() {
        return if a.ready_since.is_none() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    if a.colocated != b.colocated {
        return b.colocated.cmp(&a.colocated);
    }
    if let (Some(ra), Some(rb)) = (a.ready_since, b.ready_since) {
        if ra != rb {
            return by_age(ra, rb, a.tie, b.tie, now);
        }
    }
    if a.restarts != b.restarts {
        return b.restarts.cmp(&a.restarts);
    }
    if a.created != b.created {
        return by_age(a.created, b.created, a.tie, b.tie, now);
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntOrPercent::{Int, Percent};

    fn pct(s: &str) -> IntOrPercent {
        IntOrPercent::parse_percent(s).unwrap()
    }

    /// `TestResolveFenceposts` of upstream's deployment_util_test.go, and the defaults
    /// derived from its formula by hand.
    #[test]
    fn fenceposts_match_upstream() {
        assert_eq!(resolve_fenceposts(pct("0%"), pct("0%"), 0), (0, 1));
        assert_eq!(resolve_fenceposts(pct("39%"), pct("39%"), 10), (4, 3));
        assert!(IntOrPercent::parse_percent("oops").is_err());
        assert!(IntOrPercent::parse_percent("urg").is_err());
        assert!(IntOrPercent::parse_percent("1.5%").is_err());
        // 25 % / 25 %: surge ceil(25·n/100), unavailable floor(25·n/100).
        let d = |n| resolve_fenceposts(pct("25%"), pct("25%"), n);
        assert_eq!(d(10), (3, 2));
        assert_eq!(d(4), (1, 1));
        assert_eq!(d(1), (1, 0));
        assert_eq!(d(3), (1, 0));
        assert_eq!(resolve_fenceposts(Int(2), Int(0), 10), (2, 0));
        assert_eq!(resolve_fenceposts(Int(0), Int(0), 10), (0, 1));
        assert_eq!(max_unavailable(Int(0), Int(5), 3), 3);
        assert_eq!(max_unavailable(Percent(25), Percent(25), 0), 0);
    }

    fn rs(replicas: u32, available: u32) -> RsCounts {
        RsCounts {
            replicas,
            available,
        }
    }

    /// `TestDeploymentController_reconcileNewReplicaSet` (maxUnavailable 0).
    #[test]
    fn reconcile_new_matches_upstream() {
        let d = |surge| Rolling::new(Int(surge), Int(0), 10);
        // (deployment 10, surge, old, new) → new size.
        assert_eq!(reconcile_new(d(0), rs(0, 0), &[rs(10, 10)]), 0);
        assert_eq!(reconcile_new(d(2), rs(0, 0), &[rs(10, 10)]), 2);
        assert_eq!(reconcile_new(d(2), rs(0, 0), &[rs(5, 5)]), 7);
        assert_eq!(reconcile_new(d(2), rs(2, 0), &[rs(10, 10)]), 2);
        assert_eq!(reconcile_new(d(2), rs(11, 0), &[rs(2, 2)]), 10);
    }

    /// `TestDeploymentController_reconcileOldReplicaSets` (maxSurge 0).
    #[test]
    fn reconcile_old_matches_upstream() {
        let d = |unavailable| Rolling::new(Int(0), Int(unavailable), 10);
        let case = |u, old: RsCounts, new: RsCounts| {
            let mut o = [old];
            reconcile_old(d(u), new, &mut o);
            o[0].replicas
        };
        // The fencepost turns maxUnavailable 0 with maxSurge 0 into 1.
        assert_eq!(case(0, rs(10, 10), rs(0, 0)), 9);
        assert_eq!(case(2, rs(10, 10), rs(0, 0)), 8);
        // Two unhealthy pods cleaned up, nothing available to spare.
        assert_eq!(case(2, rs(10, 8), rs(0, 0)), 8);
        assert_eq!(case(2, rs(10, 9), rs(0, 0)), 8);
        // The new ReplicaSet's unavailable pods count against the budget.
        assert_eq!(case(2, rs(8, 8), rs(2, 0)), 8);
    }

    /// `TestDeploymentController_cleanupUnhealthyReplicas`: old 10 pods.
    #[test]
    fn cleanup_unhealthy_matches_upstream() {
        let case = |ready, max| cleanup_unhealthy(&mut [rs(10, ready)], max);
        assert_eq!(case(8, 1), 1);
        assert_eq!(case(8, 3), 2);
        assert_eq!(case(8, 0), 0);
        assert_eq!(case(10, 3), 0);
    }

    /// `TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate` (maxSurge 0).
    #[test]
    fn scale_down_old_matches_upstream() {
        let case = |u, ready| {
            let mut o = [rs(10, ready)];
            scale_down_old(Rolling::new(Int(0), Int(u), 10), rs(0, 0), &mut o);
            o[0].replicas
        };
        assert_eq!(case(0, 10), 9);
        assert_eq!(case(2, 10), 8);
        assert_eq!(case(2, 8), 10);
        assert_eq!(case(2, 1), 10);
    }

    /// Proportional scaling, with the figures of Kubernetes' documentation ("Proportional
    /// scaling": 10 replicas, maxSurge 3, a stuck rollout with 8 old and 5 new pods,
    /// scaled to 15 → 5 extra pods split 3 to the old and 2 to the new ReplicaSet).
    #[test]
    fn proportional_scaling_matches_the_documented_example() {
        let mut sets = [
            ScaledRs {
                replicas: 8,
                max_replicas: 13,
                created: 0,
            },
            ScaledRs {
                replicas: 5,
                max_replicas: 13,
                created: 1,
            },
        ];
        // 15 replicas with maxSurge 3: 18 allowed, 13 now, 5 to add.
        scale_proportionally(&mut sets, 15, 3);
        // old: round(8·18/13) − 8 = 11 − 8 = 3; new: min(round(5·18/13) − 5, 2) = 2.
        assert_eq!((sets[0].replicas, sets[1].replicas), (11, 7));
        // Scaling to zero empties every ReplicaSet.
        scale_proportionally(&mut sets, 0, 0);
        assert_eq!((sets[0].replicas, sets[1].replicas), (0, 0));
    }

    fn pod() -> PodRank {
        PodRank {
            assigned: true,
            phase: 2,
            ready_since: Some(0),
            colocated: 1,
            restarts: 0,
            created: 0,
            tie: 0,
        }
    }

    /// One pair per rule of `ActivePodsWithRanks.Less`: the first pod is deleted first,
    /// and each rule outranks the ones after it.
    #[test]
    fn deletion_order_follows_each_rule() {
        let now = 1 << 40;
        let s = crate::engine::time::NANOS_PER_SEC;
        let pairs: Vec<(&str, PodRank, PodRank)> = vec![
            (
                "unassigned before assigned",
                PodRank {
                    assigned: false,
                    phase: 0,
                    ready_since: None,
                    colocated: 0,
                    ..pod()
                },
                PodRank {
                    restarts: 9,
                    ..pod()
                },
            ),
            (
                "pending before running",
                PodRank {
                    phase: 0,
                    ready_since: None,
                    ..pod()
                },
                PodRank {
                    colocated: 5,
                    ..pod()
                },
            ),
            (
                "not ready before ready",
                PodRank {
                    ready_since: None,
                    ..pod()
                },
                PodRank {
                    colocated: 5,
                    restarts: 5,
                    ..pod()
                },
            ),
            (
                "more pods on its node first",
                PodRank {
                    colocated: 3,
                    ready_since: Some(0),
                    ..pod()
                },
                PodRank {
                    colocated: 2,
                    ready_since: Some(now - s),
                    ..pod()
                },
            ),
            (
                "more recently ready first",
                PodRank {
                    ready_since: Some(now - s),
                    ..pod()
                },
                PodRank {
                    ready_since: Some(now - 100 * s),
                    restarts: 7,
                    ..pod()
                },
            ),
            (
                "ready in the same log2 bucket: the tie-break decides",
                PodRank {
                    ready_since: Some(now - 1000 * s),
                    tie: 1,
                    ..pod()
                },
                PodRank {
                    ready_since: Some(now - 1001 * s),
                    tie: 2,
                    ..pod()
                },
            ),
            (
                "more restarts first",
                PodRank {
                    restarts: 2,
                    created: 0,
                    ..pod()
                },
                PodRank {
                    restarts: 1,
                    created: now - s,
                    ..pod()
                },
            ),
            (
                "newer first",
                PodRank {
                    created: now - s,
                    tie: 9,
                    ..pod()
                },
                PodRank {
                    created: now - 100 * s,
                    tie: 0,
                    ..pod()
                },
            ),
            (
                "created in the same log2 bucket: the tie-break decides",
                PodRank {
                    created: now - 1001 * s,
                    tie: 3,
                    ..pod()
                },
                PodRank {
                    created: now - 1000 * s,
                    tie: 4,
                    ..pod()
                },
            ),
        ];
        for (rule, first, second) in pairs {
            assert_eq!(delete_order(&first, &second, now), Ordering::Less, "{rule}");
            assert_eq!(
                delete_order(&second, &first, now),
                Ordering::Greater,
                "{rule}"
            );
        }
        assert_eq!(delete_order(&pod(), &pod(), now), Ordering::Equal);
    }

    #[test]
    fn log2_buckets_of_nanoseconds() {
        assert_eq!(log2_bucket(10, 10), -1);
        assert_eq!(log2_bucket(11, 10), 0);
        assert_eq!(log2_bucket(1 << 30, 0), 30);
        assert_eq!(log2_bucket((1 << 30) - 1, 0), 29);
    }
}
