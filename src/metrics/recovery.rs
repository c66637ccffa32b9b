//! Time to recover after node failures: from a node's failure until every Deployment that
//! had a pod serving on it serves all its desired replicas again.

use crate::cluster::ids::WorkloadId;
use crate::engine::time::Nanos;

/// Failures still waiting for their Deployments, and the recovery times measured.
#[derive(Debug, Default)]
pub struct Recovery {
    /// (failure time, Deployments hit), oldest first.
    open: Vec<(Nanos, Vec<WorkloadId>)>,
    /// Recovery times of the failures whose Deployments all recovered, in order.
    pub times: Vec<Nanos>,
}

impl Recovery {
    /// A node failed at `now`, taking serving pods of the Deployments `hit` with it (none:
    /// nothing to recover, not counted).
    pub fn failed(&mut self, now: Nanos, mut hit: Vec<WorkloadId>) {
        hit.sort();
        hit.dedup();
        if !hit.is_empty() {
            self.open.push((now, hit));
        }
    }

    /// Whether a failure is waiting for its Deployments.
    pub fn waiting(&self) -> bool {
        !self.open.is_empty()
    }

    /// Closes the failures whose Deployments all serve their desired replicas at `now`.
    /// A Deployment's status catches up with a failure at the failure's own instant, so
    /// only failures from before `now` are judged.
    pub fn check(&mut self, now: Nanos, recovered: impl Fn(WorkloadId) -> bool) {
        let times = &mut self.times;
        self.open.retain(|(t, hit)| {
            if *t < now && hit.iter().all(|&w| recovered(w)) {
                times.push(now - t);
                false
            } else {
                true
            }
        });
    }

    /// Failures whose Deployments had not all recovered by the end of the run.
    pub fn unrecovered(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_closes_when_all_its_deployments_recover() {
        let mut r = Recovery::default();
        r.failed(10, vec![WorkloadId(1), WorkloadId(0), WorkloadId(1)]);
        r.failed(20, vec![]);
        r.failed(30, vec![WorkloadId(0)]);
        // At the failure's own instant nothing is judged.
        r.check(10, |_| true);
        assert_eq!((r.times.len(), r.unrecovered()), (0, 2));
        // Deployment 1 still short: only the second failure (Deployment 0) closes.
        r.check(45, |w| w == WorkloadId(0));
        assert_eq!(r.times, vec![15]);
        r.check(60, |_| true);
        assert_eq!(r.times, vec![15, 50]);
        assert!(!r.waiting());
    }
}
