//! A Service's endpoints: the ready pods it selects, the delayed view of them its load
//! balancer has, and how a request's endpoint is chosen (the load-balancing policy, with
//! `ClientIP` session affinity or keep-alive connections on top).

use super::load_balancers::{Endpoint, LoadBalancer, Pick};
use super::requests::NONE;
use crate::cluster::ids::PodId;
use crate::engine::rng::StreamRng;
use crate::engine::time::Nanos;
use std::collections::{HashMap, VecDeque};

/// Client entries a `ClientIP` affinity table holds before expired ones are dropped.
const AFFINITY_PRUNE_AT: usize = 1 << 20;

/// `ClientIP` affinity entries: per key, the pod it sticks to and when it was last used.
/// Only looked up by key, never iterated into a decision.
type Affinity = HashMap<u64, (u32, Nanos)>;

/// One Service's endpoints and load balancer.
pub struct Endpoints {
    /// The ready pods it selects now, sorted.
    truth: Vec<PodId>,
    /// Changes on their way to the load balancer: (when they arrive, pod, added).
    pending: VecDeque<(Nanos, Endpoint, bool)>,
    /// The endpoints the load balancer sees, sorted by pod.
    visible: Vec<Endpoint>,
    /// Unanswered requests the load balancer sent to each visible endpoint.
    active: Vec<u32>,
    lb: Box<dyn LoadBalancer>,
    rng: StreamRng,
    /// Keep-alive connections: the pod each is open to, or [`NONE`].
    connections: Vec<u32>,
    /// `ClientIP` affinity: the timeout, and per key the pod and its last use.
    affinity: Option<(Nanos, Affinity)>,
}

impl Endpoints {
    /// No endpoints yet.
    pub fn new(
        lb: Box<dyn LoadBalancer>,
        rng: StreamRng,
        keep_alive: Option<u32>,
        affinity: Option<Nanos>,
    ) -> Endpoints {
        Endpoints {
            truth: Vec::new(),
            pending: VecDeque::new(),
            visible: Vec::new(),
            active: Vec::new(),
            lb,
            rng,
            connections: vec![NONE; keep_alive.unwrap_or(0) as usize],
            affinity: affinity.map(|t| (t, HashMap::new())),
        }
    }

    /// Records whether `ep` is an endpoint now. Returns `true` when this is a change
    /// and the first one on its way (the caller schedules the sync at `at`).
    pub fn set(&mut self, ep: Endpoint, ready: bool, at: Nanos) -> bool {
        let found = self.truth.binary_search(&ep.pod);
        match (found, ready) {
            (Ok(_), true) | (Err(_), false) => return false,
            (Ok(k), false) => {
                self.truth.remove(k);
            }
            (Err(k), true) => self.truth.insert(k, ep.pod),
        }
        self.pending.push_back((at, ep, ready));
        self.pending.len() == 1
    }

    /// Applies the changes due by `now`; returns when the next ones are due, if any.
    pub fn sync(&mut self, now: Nanos) -> Option<Nanos> {
        let mut changed = false;
        while let Some(&(at, ep, added)) = self.pending.front() {
            if at > now {
                break;
            }
            self.pending.pop_front();
            changed = true;
            match (self.index_of(ep.pod), added) {
                (Err(k), true) => {
                    self.visible.insert(k, ep);
                    self.active.insert(k, 0);
                }
                (Ok(k), false) => {
                    self.visible.remove(k);
                    self.active.remove(k);
                }
                _ => {}
            }
        }
        if changed {
            self.lb.set_endpoints(&self.visible);
        }
        self.pending.front().map(|p| p.0)
    }

    fn index_of(&self, pod: PodId) -> Result<usize, usize> {
        self.visible.binary_search_by_key(&pod, |e| e.pod)
    }

    /// The endpoints the load balancer sees.
    pub fn visible(&self) -> usize {
        self.visible.len()
    }

    /// Picks the pod for a request with `key`, counting it active there; `None` when
    /// the load balancer sees no endpoint.
    pub fn pick(&mut self, key: u64, now: Nanos) -> Option<PodId> {
        if self.visible.is_empty() {
            return None;
        }
        let k = if let Some((timeout, table)) = &mut self.affinity {
            let stuck = table
                .get(&key)
                .filter(|(_, last)| now.saturating_sub(*last) <= *timeout)
                .and_then(|(pod, _)| {
                    self.visible
                        .binary_search_by_key(&PodId(*pod), |e| e.pod)
                        .ok()
                });
            let k =
                stuck.unwrap_or_else(|| balance(&mut *self.lb, &mut self.rng, key, &self.active));
            if table.len() >= AFFINITY_PRUNE_AT {
                let t = *timeout;
                table.retain(|_, (_, last)| now.saturating_sub(*last) <= t);
            }
            table.insert(key, (self.visible[k].pod.0, now));
            k
        } else if !self.connections.is_empty() {
            let c = (key % self.connections.len() as u64) as usize;
            let open = self.connections[c];
            match self.index_of(PodId(open)) {
                Ok(k) if open != NONE => k,
                _ => {
                    let k = balance(&mut *self.lb, &mut self.rng, key, &self.active);
                    self.connections[c] = self.visible[k].pod.0;
                    k
                }
            }
        } else {
            balance(&mut *self.lb, &mut self.rng, key, &self.active)
        };
        let k = k.min(self.visible.len() - 1);
        self.active[k] += 1;
        Some(self.visible[k].pod)
    }

    /// A request sent to `pod` was answered (or given up on).
    pub fn answered(&mut self, pod: PodId) {
        if let Ok(k) = self.index_of(pod) {
            self.active[k] = self.active[k].saturating_sub(1);
        }
    }
}

/// The load balancer's pick for a request with `key`.
fn balance(lb: &mut dyn LoadBalancer, rng: &mut StreamRng, key: u64, active: &[u32]) -> usize {
    lb.pick(&Pick { key, active }, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::StreamKey;
    use crate::traffic::load_balancers::LbSpec;

    fn ep(p: u32) -> Endpoint {
        Endpoint {
            pod: PodId(p),
            cpu_millis: 1000,
        }
    }

    fn endpoints(keep_alive: Option<u32>, affinity: Option<Nanos>) -> Endpoints {
        Endpoints::new(
            LbSpec::RoundRobin.build(),
            StreamKey::new(1, "t").rng(),
            keep_alive,
            affinity,
        )
    }

    #[test]
    fn changes_reach_the_load_balancer_after_the_delay() {
        let mut e = endpoints(None, None);
        assert!(e.set(ep(3), true, 100));
        assert!(!e.set(ep(5), true, 150));
        // Setting what is already true is no change.
        assert!(!e.set(ep(3), true, 160));
        assert_eq!(e.sync(99), Some(100));
        assert_eq!(e.visible(), 0);
        assert_eq!(e.pick(0, 99), None);
        assert_eq!(e.sync(100), Some(150));
        assert_eq!(e.visible(), 1);
        assert_eq!(e.sync(150), None);
        assert_eq!(e.visible(), 2);
        // A pod leaving keeps getting requests until its removal arrives.
        assert!(e.set(ep(3), false, 300));
        assert_eq!(e.pick(0, 200), Some(PodId(3)));
        e.sync(300);
        assert_eq!(e.pick(0, 300), Some(PodId(5)));
        assert_eq!(e.pick(0, 300), Some(PodId(5)));
    }

    #[test]
    fn keep_alive_connections_stay_on_their_pod() {
        let mut e = endpoints(Some(2), None);
        for p in [1, 2, 3] {
            e.set(ep(p), true, 0);
        }
        e.sync(0);
        // Round robin opens connection 0 to pod 1 and connection 1 to pod 2; pod 3
        // gets nothing while both stay open.
        let picks: Vec<u32> = (0..6).map(|k| e.pick(k, 0).map_or(0, |p| p.0)).collect();
        assert_eq!(picks, [1, 2, 1, 2, 1, 2]);
        // Pod 1 leaves: connection 0 reopens to the pod round robin gives next (its
        // position, past the shorter list's end, restarts at pod 2), and stays there.
        e.set(ep(1), false, 0);
        e.sync(0);
        assert_eq!(e.pick(0, 0), Some(PodId(2)));
        assert_eq!(e.pick(2, 0), Some(PodId(2)));
        assert_eq!(e.pick(1, 0), Some(PodId(2)));
    }

    #[test]
    fn client_ip_affinity_sticks_until_its_timeout() {
        let mut e = endpoints(None, Some(10));
        for p in [1, 2] {
            e.set(ep(p), true, 0);
        }
        e.sync(0);
        assert_eq!(e.pick(42, 0), Some(PodId(1)));
        assert_eq!(e.pick(7, 0), Some(PodId(2)));
        assert_eq!(e.pick(42, 5), Some(PodId(1)));
        assert_eq!(e.pick(42, 15), Some(PodId(1)));
        // Idle longer than the timeout: balanced afresh (round robin is at pod 1 again,
        // then pod 2).
        assert_eq!(e.pick(7, 100), Some(PodId(1)));
        assert_eq!(e.pick(42, 200), Some(PodId(2)));
    }
}
