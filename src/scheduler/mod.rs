//! The scheduler: kube-scheduler's scheduling queue and its profiles.
//!
//! Pods wait in an active queue ordered by priority, then arrival (PrioritySort). A pod no
//! node accepts goes to the unschedulable pool; a cluster event that could help it (a pod
//! left a node it now fits, a node joined) moves it back, through the backoff queue if its
//! backoff (1 s doubling to 10 s per failed attempt) has not expired, and every pod left in
//! the pool for 5 minutes is retried anyway. Each pod is placed by the profile its
//! `schedulerName` names; a profile is either the plugin framework ([`framework`]) or a
//! baseline ([`baselines`]). When a pod fits nowhere, DefaultPreemption ([`preemption`])
//! may evict lower-priority pods to make room.

pub mod baselines;
pub mod config;
pub mod framework;
pub mod plugins;
pub mod preemption;
pub mod score_cache;
#[cfg(test)]
pub mod testkit;

use crate::cluster::ClusterState;
use crate::cluster::ids::{NodeId, PodId};
use crate::cluster::pod::{PodPhase, PodTemplate};
use crate::cluster::resources::MAX_RESOURCES;
use crate::engine::rng::StreamRng;
use crate::engine::time::Nanos;
use config::SchedulerConfig;
use framework::Profile;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// What one scheduling attempt decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Bind the pod to the node.
    Bind(PodId, NodeId),
    /// No node fits; the pod waits in the unschedulable pool.
    Unschedulable(PodId),
    /// No node fits, but evicting `victims` from `node` makes room: the pod is nominated
    /// to `node` and waits for them to terminate.
    Preempt {
        /// The preemptor.
        pod: PodId,
        /// The nominated node.
        node: NodeId,
        /// Pods to evict, most important first.
        victims: Vec<PodId>,
        /// How many of them their PodDisruptionBudgets did not allow to lose.
        pdb_violations: u32,
    },
}

/// Waiting pods of one shape: the same template and requests pass or fail a node as one,
/// so a freed node costs one filter per group, not per pod.
type GroupKey = (u32, [i64; MAX_RESOURCES]);

/// A pod in the unschedulable pool.
#[derive(Clone, Copy, Debug)]
struct Waiting {
    pod: PodId,
    /// When its last attempt failed.
    failed_at: Nanos,
    /// Its place in the pool's insertion order (the key of `Scheduler::pool_order`).
    order: u64,
}

/// Counts changes to nodes and their pods: equal stamps mean an attempt would see the
/// cluster exactly as before.
fn change_stamp(cluster: &ClusterState) -> u64 {
    cluster.nodes.changes_end() + cluster.nodes.len() as u64
}

/// The scheduling queue and the profiles.
pub struct Scheduler {
    config: SchedulerConfig,
    profiles: Vec<Profile>,
    /// Profile index of each template, resolved on first use.
    profile_of: Vec<Option<usize>>,
    rng: StreamRng,
    /// Pods to try, highest priority first, then first enqueued (PrioritySort).
    active: BinaryHeap<(i32, Reverse<u64>, PodId)>,
    /// Pods waiting out their backoff, earliest expiry first.
    backoff: BinaryHeap<Reverse<(Nanos, u64, PodId)>>,
    /// Pods that fit nowhere, by shape, each in enqueue order.
    unschedulable: BTreeMap<GroupKey, BTreeMap<u64, Waiting>>,
    /// The unschedulable pool in insertion order, `(failed_at, order) → change stamp`.
    /// Both the failure time and the cluster's change stamp grow with insertion order, so
    /// the first entry alone decides the next flush.
    pool_order: BTreeMap<(Nanos, u64), u64>,
    next_order: u64,
    next_seq: u64,
    /// Whether some template has required pod (anti-)affinity or a hard spread
    /// constraint: then pods ending or binding anywhere can make room elsewhere.
    topology_sensitive: bool,
}

impl Scheduler {
    /// A scheduler configured by `config`, for pods made from `templates`, drawing its
    /// decisions from `rng`.
    pub fn new(config: &SchedulerConfig, templates: &[PodTemplate], rng: StreamRng) -> Scheduler {
        let profiles = config
            .profiles
            .iter()
            .map(|p| Profile::new(p, config.percentage_of_nodes_to_score))
            .collect();
        Scheduler {
            config: config.clone(),
            profiles,
            profile_of: Vec::new(),
            rng,
            active: BinaryHeap::new(),
            backoff: BinaryHeap::new(),
            unschedulable: BTreeMap::new(),
            pool_order: BTreeMap::new(),
            next_order: 0,
            next_seq: 0,
            topology_sensitive: templates.iter().any(sensitive),
        }
    }

    /// The profile that schedules pods of `template` (validation guarantees one exists;
    /// an unknown name falls back to the first profile).
    fn profile_index(&mut self, cluster: &ClusterState, template: u32) -> usize {
        let t = template as usize;
        if self.profile_of.len() <= t {
            self.profile_of.resize(t + 1, None);
        }
        *self.profile_of[t].get_or_insert_with(|| {
            let name = &cluster.templates[t].scheduler_name;
            self.profiles
                .iter()
                .position(|p| p.name() == name)
                .unwrap_or(0)
        })
    }

    /// The profile of `pod`.
    pub fn profile_for(&mut self, cluster: &ClusterState, pod: PodId) -> &mut Profile {
        let k = self.profile_index(cluster, cluster.pods[pod.index()].template);
        &mut self.profiles[k]
    }

    /// The first of `nodes` of `cluster` (which may be a copy with extra nodes: the
    /// cluster autoscaler's what-if) on which `pod` passes its profile's filters.
    pub fn first_fit(
        &mut self,
        cluster: &ClusterState,
        pod: PodId,
        nodes: impl IntoIterator<Item = NodeId>,
    ) -> Option<NodeId> {
        self.profile_for(cluster, pod)
            .first_fit(cluster, pod, nodes.into_iter().map(NodeId::index))
            .map(|i| NodeId(i as u32))
    }

    /// Adds a new pending pod to the active queue.
    pub fn enqueue(&mut self, cluster: &ClusterState, pod: PodId) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let prio = cluster.pods[pod.index()].priority;
        self.active.push((prio, Reverse(seq), pod));
    }

    /// Whether pods wait in the active queue.
    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    /// When the scheduler next needs to wake up by itself: the earliest backoff expiry,
    /// or the next flush of the unschedulable pool. Pods that failed on the cluster as it
    /// still is are not flushed: their retry would fail the same way, and a run without
    /// other events must be able to end.
    pub fn next_wake(&self, cluster: &ClusterState) -> Option<Nanos> {
        let backoff = self.backoff.peek().map(|Reverse((t, _, _))| *t);
        // The oldest entry has the oldest stamp: if even it saw the cluster as it is, all
        // did.
        let flush = self
            .pool_order
            .first_key_value()
            .filter(|&(_, &stamp)| stamp != change_stamp(cluster))
            .map(|(&(failed_at, _), _)| failed_at + self.config.max_in_unschedulable);
        match (backoff, flush) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Moves pods whose backoff expired to the active queue, and pods that waited in the
    /// unschedulable pool for `podMaxInUnschedulablePodsDuration` back towards it.
    pub fn wake(&mut self, cluster: &ClusterState, now: Nanos) {
        let limit = self.config.max_in_unschedulable;
        let stale: Vec<GroupKey> = self
            .unschedulable
            .iter()
            .filter(|(_, g)| g.values().any(|w| w.failed_at + limit <= now))
            .map(|(k, _)| *k)
            .collect();
        for key in stale {
            if let Some(group) = self.unschedulable.get_mut(&key) {
                let (old, keep): (BTreeMap<u64, Waiting>, BTreeMap<u64, Waiting>) =
                    std::mem::take(group)
                        .into_iter()
                        .partition(|(_, w)| w.failed_at + limit <= now);
                *group = keep;
                if group.is_empty() {
                    self.unschedulable.remove(&key);
                }
                self.requeue(cluster, old, now);
            }
        }
        while let Some(&Reverse((t, seq, pod))) = self.backoff.peek() {
            if t > now {
                break;
            }
            self.backoff.pop();
            self.active
                .push((cluster.pods[pod.index()].priority, Reverse(seq), pod));
        }
    }

    /// The backoff after `attempts` failed attempts: initial, doubling, capped.
    pub fn backoff_duration(&self, attempts: u32) -> Nanos {
        let mut d = self.config.initial_backoff;
        for _ in 1..attempts {
            d = d.saturating_mul(2);
            if d >= self.config.max_backoff {
                return self.config.max_backoff;
            }
        }
        d.min(self.config.max_backoff)
    }

    /// Sends waiting pods back: to the active queue if their backoff has expired, else
    /// to the backoff queue.
    fn requeue(&mut self, cluster: &ClusterState, group: BTreeMap<u64, Waiting>, now: Nanos) {
        for (seq, w) in group {
            self.pool_order.remove(&(w.failed_at, w.order));
            let p = &cluster.pods[w.pod.index()];
            let until = w.failed_at + self.backoff_duration(p.attempts);
            if until <= now {
                self.active.push((p.priority, Reverse(seq), w.pod));
            } else {
                self.backoff.push(Reverse((until, seq, w.pod)));
            }
        }
    }

    /// A pod left node `n` (ended, deleted or evicted). Pods that now pass the filters on
    /// `n` go back towards the active queue: nothing else changed, so a pod that fit
    /// nowhere before can only fit on `n` now (with topology constraints in play, a pod
    /// leaving can help anywhere, and every waiting pod of such a shape moves).
    pub fn node_freed(&mut self, cluster: &ClusterState, n: NodeId, now: Nanos) {
        let keys: Vec<GroupKey> = self.unschedulable.keys().copied().collect();
        let mut movable = Vec::new();
        for key in keys {
            let Some(&w) = self.unschedulable[&key].values().next() else {
                continue;
            };
            // Every pod of the group has the same filters; any one stands for all (even
            // one deleted meanwhile: deleted pods are dropped when taken off the queue).
            let t = &cluster.templates[key.0 as usize];
            if self.topology_sensitive && sensitive(t)
                || self
                    .profile_for(cluster, w.pod)
                    .fits_on(cluster, w.pod, n.index())
            {
                movable.push(key);
            }
        }
        for key in movable {
            if let Some(group) = self.unschedulable.remove(&key) {
                self.requeue(cluster, group, now);
            }
        }
    }

    /// Nodes joined or changed: every waiting pod is retried.
    pub fn nodes_changed(&mut self, cluster: &ClusterState, now: Nanos) {
        for (_, group) in std::mem::take(&mut self.unschedulable) {
            self.requeue(cluster, group, now);
        }
    }

    /// A pod was bound: pods waiting for an affinity partner or a spread domain may fit.
    fn pod_bound(&mut self, cluster: &ClusterState, now: Nanos) {
        if !self.topology_sensitive {
            return;
        }
        let keys: Vec<GroupKey> = self
            .unschedulable
            .keys()
            .filter(|k| sensitive(&cluster.templates[k.0 as usize]))
            .copied()
            .collect();
        for key in keys {
            if let Some(group) = self.unschedulable.remove(&key) {
                self.requeue(cluster, group, now);
            }
        }
    }

    /// Takes the next pod off the active queue and decides where it goes. The caller
    /// applies the decision before the next call, so each decision sees the cluster as
    /// the previous one left it.
    pub fn next(&mut self, cluster: &ClusterState, now: Nanos) -> Option<Attempt> {
        let (seq, pod) = loop {
            let (_, Reverse(seq), pod) = self.active.pop()?;
            // A pod deleted while it waited is dropped here rather than searched for.
            if cluster.pods[pod.index()].phase == PodPhase::Pending {
                break (seq, pod);
            }
        };
        let k = self.profile_index(cluster, cluster.pods[pod.index()].template);
        let profile = &mut self.profiles[k];
        if let Some(n) = profile.schedule(cluster, pod, &mut self.rng) {
            self.pod_bound(cluster, now);
            return Some(Attempt::Bind(pod, n));
        }
        let p = &cluster.pods[pod.index()];
        let order = self.next_order;
        self.next_order += 1;
        self.pool_order.insert((now, order), change_stamp(cluster));
        self.unschedulable
            .entry((p.template, p.requests.0))
            .or_default()
            .insert(
                seq,
                Waiting {
                    pod,
                    // The caller counts this attempt; the backoff is measured from now.
                    failed_at: now,
                    order,
                },
            );
        let profile = &mut self.profiles[k];
        if profile.preemption()
            && let Some(c) = preemption::find(cluster, profile, pod, &mut self.rng)
        {
            return Some(Attempt::Preempt {
                pod,
                node: c.node,
                victims: c.victims,
                pdb_violations: c.pdb_violations,
            });
        }
        Some(Attempt::Unschedulable(pod))
    }

    /// kube-scheduler's message for a pod no node accepts: "0/3 nodes are available:
    /// 2 Insufficient cpu, 1 node(s) had untolerated taint {gpu: true}." Each node counts
    /// under the first filter that rejects it; reasons are sorted as strings, as upstream
    /// sorts them.
    pub fn unschedulable_message(&mut self, cluster: &ClusterState, pod: PodId) -> String {
        let counts = self.profile_for(cluster, pod).diagnose(cluster, pod);
        message(cluster.nodes.len(), &counts)
    }
}

/// Formats a diagnosis as kube-scheduler's event message.
pub fn message(nodes: usize, counts: &BTreeMap<String, u32>) -> String {
    let mut reasons: Vec<String> = counts.iter().map(|(r, c)| format!("{c} {r}")).collect();
    reasons.sort();
    let mut msg = format!("0/{nodes} nodes are available");
    if !reasons.is_empty() {
        msg.push_str(": ");
        msg.push_str(&reasons.join(", "));
    }
    msg.push('.');
    msg
}

/// Whether pods of `t` can be helped by pods arriving or leaving elsewhere.
fn sensitive(t: &PodTemplate) -> bool {
    !t.affinity.pod.required.is_empty()
        || !t.affinity.anti.required.is_empty()
        || t.spread.iter().any(|c| {
            c.when_unsatisfiable == crate::cluster::selectors::WhenUnsatisfiable::DoNotSchedule
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::secs_to_nanos;

    #[test]
    fn backoff_doubles_from_one_second_to_ten() {
        let s = Scheduler::new(
            &SchedulerConfig::default(),
            &[],
            crate::engine::rng::StreamKey::new(1, "scheduler").rng(),
        );
        let got: Vec<Nanos> = (1..=6).map(|a| s.backoff_duration(a)).collect();
        let want: Vec<Nanos> = [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
            .iter()
            .map(|&x| secs_to_nanos(x))
            .collect();
        assert_eq!(got, want);
    }

    use crate::scheduler::testkit::{Kit, rng, template};

    fn names(s: &mut Scheduler, kit: &Kit, now: Nanos) -> Vec<Attempt> {
        std::iter::from_fn(|| s.next(&kit.cluster, now)).collect()
    }

    /// PrioritySort: higher priority first, then enqueue order.
    #[test]
    fn active_queue_orders_by_priority_then_arrival() {
        let mut kit = Kit::new();
        let (low, high) = (kit.template(template(0)), kit.template(template(10)));
        let pods = [
            kit.pending(low, 0, 0),
            kit.pending(high, 0, 0),
            kit.pending(low, 0, 0),
            kit.pending(high, 0, 0),
        ];
        let mut s = Scheduler::new(&SchedulerConfig::default(), &kit.cluster.templates, rng());
        for p in pods {
            s.enqueue(&kit.cluster, p);
        }
        // No nodes: every attempt fails, in queue order.
        let order: Vec<PodId> = names(&mut s, &kit, 0)
            .into_iter()
            .map(|a| match a {
                Attempt::Unschedulable(p) => p,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(order, [pods[1], pods[3], pods[0], pods[2]]);
    }

    /// A freed node moves back only the pods that fit on it; they wait out their backoff
    /// (1 s after the first failure) in the backoff queue.
    #[test]
    fn freed_node_moves_only_pods_that_fit_through_backoff() {
        let mut kit = Kit::new();
        let n = kit.node(1000, 1 << 30);
        let t = kit.template(template(0));
        let hog = kit.running(n, t, 1000, 0, 0);
        let small = kit.pending(t, 500, 0);
        let huge = kit.pending(t, 5000, 0);
        let mut s = Scheduler::new(&SchedulerConfig::default(), &kit.cluster.templates, rng());
        s.enqueue(&kit.cluster, small);
        s.enqueue(&kit.cluster, huge);
        assert_eq!(names(&mut s, &kit, 0).len(), 2);
        for p in [small, huge] {
            kit.cluster.pods[p.index()].attempts = 1;
        }
        kit.cluster.finish(
            hog,
            PodPhase::Succeeded,
            crate::cluster::pod::PodReason::Completed,
            0,
        );
        let half = secs_to_nanos(0.5);
        s.node_freed(&kit.cluster, n, half);
        assert!(!s.has_active(), "still backing off");
        assert_eq!(s.next_wake(&kit.cluster), Some(secs_to_nanos(1.0)));
        s.wake(&kit.cluster, secs_to_nanos(1.0));
        assert_eq!(
            names(&mut s, &kit, secs_to_nanos(1.0)),
            [Attempt::Bind(small, n)]
        );
    }

    /// The 5-minute flush retries pods that wait in the unschedulable pool, but only once
    /// the cluster has changed since they failed.
    #[test]
    fn unschedulable_pool_is_flushed_after_five_minutes_of_change() {
        let mut kit = Kit::new();
        let n = kit.node(1000, 1 << 30);
        let t = kit.template(template(0));
        let big = kit.pending(t, 2000, 0);
        let mut s = Scheduler::new(&SchedulerConfig::default(), &kit.cluster.templates, rng());
        s.enqueue(&kit.cluster, big);
        assert_eq!(names(&mut s, &kit, 0), [Attempt::Unschedulable(big)]);
        kit.cluster.pods[big.index()].attempts = 1;
        assert_eq!(s.next_wake(&kit.cluster), None, "nothing changed");
        // A pod comes and goes: the cluster changed, yet no event moved `big`.
        kit.running(n, t, 10, 0, 0);
        assert_eq!(s.next_wake(&kit.cluster), Some(secs_to_nanos(300.0)));
        s.wake(&kit.cluster, secs_to_nanos(299.0));
        assert!(!s.has_active());
        s.wake(&kit.cluster, secs_to_nanos(300.0));
        assert!(s.has_active());
    }
}
