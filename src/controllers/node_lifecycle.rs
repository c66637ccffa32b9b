//! The node lifecycle controller (kube-controller-manager's `nodelifecycle`) and its taint
//! manager: a node silent for `nodeMonitorGracePeriod` turns Ready=Unknown at the next
//! monitor tick and gets `node.kubernetes.io/unreachable:NoSchedule` at once; its
//! `:NoExecute` taint goes through a per-zone rate-limited queue whose rate follows the
//! zone's health; pods on a NoExecute-tainted node are deleted when their tolerations run
//! out. Sources: `pkg/controller/nodelifecycle/node_lifecycle_controller.go`
//! (`monitorNodeHealth`, `handleDisruption`, `ComputeZoneState`, `doNoExecuteTaintingPass`),
//! `scheduler/rate_limited_queue.go` (`Try`, `SwapLimiter`) and
//! `pkg/controller/tainteviction/taint_eviction.go` (`processPodOnNode`).

use super::{Ctx, OwnerNotice};
use crate::cluster::ids::{NodeId, PodId};
use crate::cluster::pod::{PodPhase, PodReason};
use crate::cluster::taints::{Taint, TaintEffect, UNREACHABLE, time_to_eviction};
use crate::engine::event::Event;
use crate::engine::time::{NANOS_PER_SEC, Nanos};
use crate::scenario::model::NodeLifecycleConfig;
use std::collections::VecDeque;
use std::io;

/// A zone's health as `ComputeZoneState` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneState {
    /// Not looked at yet.
    Initial,
    /// Healthy enough: taints at `nodeEvictionRate`.
    Normal,
    /// More than 2 and at least `unhealthyZoneThreshold` of its nodes not Ready.
    PartialDisruption,
    /// No node Ready.
    FullDisruption,
}

/// `ComputeZoneState`, in float32 as upstream compares the fraction.
pub fn zone_state(size: u32, not_ready: u32, unhealthy_threshold: f64) -> ZoneState {
    let ready = size - not_ready;
    if ready == 0 && not_ready > 0 {
        ZoneState::FullDisruption
    } else if not_ready > 2 && (not_ready as f32) / (size as f32) >= unhealthy_threshold as f32 {
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

/// The tainting rate of a zone of `size` nodes in `state` (`setLimiterInZone`): the
/// eviction rate when Normal or fully disrupted, the secondary rate when partially
/// disrupted and larger than the large-cluster threshold, else none.
pub fn zone_rate(cfg: &NodeLifecycleConfig, size: u32, state: ZoneState) -> f64 {
    match state {
        ZoneState::PartialDisruption if size > cfg.large_cluster_size_threshold => {
            cfg.secondary_eviction_rate
        }
        ZoneState::PartialDisruption => 0.0,
        _ => cfg.eviction_rate,
    }
}

/// A token bucket of burst 1 (client-go's, as the tainter uses it): full when made, one
/// token every `1/qps`; a rate of 0 never grants one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limiter {
    qps: f64,
    /// When the bucket holds its token again.
    full_at: Nanos,
}

impl Limiter {
    /// A full bucket filling at `qps`.
    pub fn new(qps: f64) -> Limiter {
        Limiter {
            qps,
            full_at: if qps > 0.0 { 0 } else { Nanos::MAX },
        }
    }

    /// Takes the token if there is one (`TryAccept`).
    pub fn try_accept(&mut self, now: Nanos) -> bool {
        if self.qps <= 0.0 || now < self.full_at {
            return false;
        }
        // Burst 1: the bucket was full, so it is empty now and full again one period on.
        self.full_at = now.saturating_add((NANOS_PER_SEC as f64 / self.qps).round() as Nanos);
        true
    }

    /// `SwapLimiter`: a new bucket at `qps`, emptied if the old one had no token.
    pub fn swap(&mut self, qps: f64, now: Nanos) {
        if self.qps == qps {
            return;
        }
        let mut new = Limiter::new(qps);
        if qps > 0.0 && !self.try_accept(now) {
            new.try_accept(now);
        }
        *self = new;
    }

    /// When the next token is there, if ever.
    pub fn next_token(&self) -> Option<Nanos> {
        (self.qps > 0.0).then_some(self.full_at)
    }
}

/// One zone's tainter.
#[derive(Debug)]
struct Zone {
    size: u32,
    not_ready: u32,
    state: ZoneState,
    /// Nodes waiting for their NoExecute taint, first come first served.
    queue: VecDeque<NodeId>,
    limiter: Limiter,
    /// When a `TaintPass` is already queued.
    pass_at: Option<Nanos>,
}

/// The controller's view of the nodes.
#[derive(Debug)]
pub struct NodeLifecycle {
    /// When each node's machine last failed (its last heartbeat).
    failed_at: Vec<Nanos>,
    /// In its zone's tainting queue.
    queued: Vec<bool>,
    /// Carries the unreachable NoExecute taint.
    tainted: Vec<bool>,
    /// Per zone index; the last entry holds the nodes without a zone.
    zones: Vec<Zone>,
}

impl NodeLifecycle {
    /// The controller of a cluster with `zones` named zones.
    pub fn new(zones: usize, cfg: &NodeLifecycleConfig) -> NodeLifecycle {
        NodeLifecycle {
            failed_at: Vec::new(),
            queued: Vec::new(),
            tainted: Vec::new(),
            zones: (0..=zones)
                .map(|_| Zone {
                    size: 0,
                    not_ready: 0,
                    state: ZoneState::Initial,
                    queue: VecDeque::new(),
                    limiter: Limiter::new(cfg.eviction_rate),
                    pass_at: None,
                })
                .collect(),
        }
    }

    fn zone_of(&self, ctx: &Ctx, n: NodeId) -> usize {
        let z = ctx.cluster.nodes.zone[n.index()];
        if z == u16::MAX {
            self.zones.len() - 1
        } else {
            usize::from(z)
        }
    }

    /// Nodes joined: their zones grow.
    pub fn nodes_added(&mut self, ctx: &mut Ctx, nodes: &[NodeId]) -> io::Result<()> {
        for &n in nodes {
            self.failed_at.push(0);
            self.queued.push(false);
            self.tainted.push(false);
            let z = self.zone_of(ctx, n);
            self.zones[z].size += 1;
        }
        self.handle_disruption(ctx)?;
        self.run_passes(ctx)
    }

    /// Node `n` stopped heartbeating: look again at the first monitor tick after the
    /// grace period.
    pub fn node_failed(&mut self, ctx: &mut Ctx, n: NodeId) {
        self.failed_at[n.index()] = ctx.now;
        let cfg = &ctx.scenario.node_lifecycle;
        let tick = (ctx.now.saturating_add(cfg.grace_period) / cfg.monitor_period)
            .saturating_add(1)
            .saturating_mul(cfg.monitor_period);
        ctx.queue.push(tick, Event::NodeMonitor);
    }

    /// A monitor tick: nodes silent for longer than the grace period turn Ready=Unknown.
    pub fn monitor(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        let grace = ctx.scenario.node_lifecycle.grace_period;
        let mut changed = false;
        for i in 0..ctx.cluster.nodes.len() {
            let nodes = &ctx.cluster.nodes;
            if nodes.up[i] || !nodes.ready[i] || self.failed_at[i].saturating_add(grace) >= ctx.now
            {
                continue;
            }
            self.not_ready(ctx, NodeId(i as u32))?;
            changed = true;
        }
        if changed {
            self.handle_disruption(ctx)?;
            self.run_passes(ctx)?;
        }
        Ok(())
    }

    /// Ready=Unknown: the scheduler stops placing pods there (NoSchedule taint), the
    /// node's pods stop being ready (they leave Service endpoints), and the node waits
    /// in its zone's queue for the NoExecute taint.
    fn not_ready(&mut self, ctx: &mut Ctx, n: NodeId) -> io::Result<()> {
        let i = n.index();
        let c = &mut *ctx.cluster;
        c.nodes.ready[i] = false;
        c.nodes_ready -= 1;
        c.allocatable_total -= c.nodes.allocatable[i];
        c.nodes.add_taint(n, unreachable(TaintEffect::NoSchedule));
        for k in 0..c.nodes.pods[i].len() {
            let pod = c.nodes.pods[i][k];
            if c.pods[pod.index()].ready_since.is_some() {
                c.set_ready(pod, None);
                ctx.inbox.notices.push(OwnerNotice::Changed(pod));
            }
        }
        let z = self.zone_of(ctx, n);
        self.zones[z].not_ready += 1;
        ctx.rec.object_event(
            ctx.now,
            "node_not_ready",
            &ctx.cluster.nodes.name[i],
            "Ready=Unknown; taint node.kubernetes.io/unreachable:NoSchedule",
        )?;
        self.enqueue(ctx, n);
        Ok(())
    }

    fn enqueue(&mut self, ctx: &Ctx, n: NodeId) {
        let i = n.index();
        if !self.queued[i] && !self.tainted[i] {
            self.queued[i] = true;
            let z = self.zone_of(ctx, n);
            self.zones[z].queue.push_back(n);
        }
    }

    /// Node `n`'s machine is back (its pods were restarted already): its kubelet reports
    /// Ready at once, its unreachable taints go and it leaves the tainting queue.
    pub fn node_repaired(&mut self, ctx: &mut Ctx, n: NodeId) -> io::Result<()> {
        let i = n.index();
        if ctx.cluster.nodes.ready[i] {
            // Back before anyone noticed.
            return Ok(());
        }
        let c = &mut *ctx.cluster;
        c.nodes.ready[i] = true;
        c.nodes_ready += 1;
        c.allocatable_total += c.nodes.allocatable[i];
        c.nodes.remove_taints(n, |t| t.key == UNREACHABLE);
        self.tainted[i] = false;
        let z = self.zone_of(ctx, n);
        if std::mem::take(&mut self.queued[i]) {
            self.zones[z].queue.retain(|&m| m != n);
        }
        self.zones[z].not_ready -= 1;
        ctx.rec
            .object_event(ctx.now, "node_ready", &ctx.cluster.nodes.name[i], "")?;
        self.handle_disruption(ctx)?;
        self.run_passes(ctx)
    }

    /// Node `n` leaves the cluster for good (the cluster autoscaler deleted it): its zone
    /// shrinks, and it leaves the tainting queue. Called before the node is removed.
    pub fn node_removed(&mut self, ctx: &mut Ctx, n: NodeId) -> io::Result<()> {
        let i = n.index();
        let z = self.zone_of(ctx, n);
        self.zones[z].size -= 1;
        if !ctx.cluster.nodes.ready[i] {
            self.zones[z].not_ready -= 1;
        }
        if std::mem::take(&mut self.queued[i]) {
            self.zones[z].queue.retain(|&m| m != n);
        }
        self.tainted[i] = false;
        self.handle_disruption(ctx)?;
        self.run_passes(ctx)
    }

    /// `handleDisruption`: recomputes every zone's state and sets its tainting rate; when
    /// every zone is fully disrupted, stops all tainting and takes the NoExecute taints
    /// back (the controller blames itself, not the nodes), until some zone recovers.
    fn handle_disruption(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        let cfg = &ctx.scenario.node_lifecycle;
        let present = || self.zones.iter().enumerate().filter(|(_, z)| z.size > 0);
        let new: Vec<ZoneState> = self
            .zones
            .iter()
            .map(|z| zone_state(z.size, z.not_ready, cfg.unhealthy_zone_threshold))
            .collect();
        let all_are_full = present().all(|(k, _)| new[k] == ZoneState::FullDisruption);
        let all_were_full = present().all(|(_, z)| z.state == ZoneState::FullDisruption);
        if all_are_full && all_were_full {
            return Ok(());
        }
        let now = ctx.now;
        if all_are_full {
            for z in self.zones.iter_mut().filter(|z| z.size > 0) {
                z.limiter.swap(0.0, now);
                z.state = ZoneState::FullDisruption;
            }
            return self.mark_all_reachable(ctx);
        }
        for (z, &state) in self.zones.iter_mut().zip(&new) {
            if z.size > 0 && (all_were_full || z.state != state) {
                z.limiter.swap(zone_rate(cfg, z.size, state), now);
                z.state = state;
            }
        }
        if all_were_full {
            // Upstream re-queues every unreachable node at each monitor pass; the first
            // pass after the disruption ends is where that shows.
            for i in 0..ctx.cluster.nodes.len() {
                if !ctx.cluster.nodes.ready[i] {
                    self.enqueue(ctx, NodeId(i as u32));
                }
            }
        }
        Ok(())
    }

    /// `markNodeAsReachable` on every node: NoExecute taints removed, queues emptied,
    /// scheduled evictions cancelled.
    fn mark_all_reachable(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        for z in &mut self.zones {
            z.queue.clear();
        }
        for i in 0..ctx.cluster.nodes.len() {
            self.queued[i] = false;
            if !std::mem::take(&mut self.tainted[i]) {
                continue;
            }
            let c = &mut *ctx.cluster;
            c.nodes.remove_taints(NodeId(i as u32), |t| {
                t.key == UNREACHABLE && t.effect == TaintEffect::NoExecute
            });
            for k in 0..c.nodes.pods[i].len() {
                let p = &mut c.pods[c.nodes.pods[i][k].index()];
                if !p.terminating {
                    p.generation = p.generation.wrapping_add(1);
                }
            }
            ctx.rec.object_event(
                ctx.now,
                "node_untainted",
                &ctx.cluster.nodes.name[i],
                "every zone fully disrupted: tainting stops",
            )?;
        }
        Ok(())
    }

    fn run_passes(&mut self, ctx: &mut Ctx) -> io::Result<()> {
        for z in 0..self.zones.len() {
            self.pass(ctx, z)?;
        }
        Ok(())
    }

    /// A `TaintPass` event for zone `z`.
    pub fn pass_due(&mut self, ctx: &mut Ctx, z: u16) -> io::Result<()> {
        let zone = &mut self.zones[usize::from(z)];
        if zone.pass_at == Some(ctx.now) {
            zone.pass_at = None;
        }
        self.pass(ctx, usize::from(z))
    }

    /// `doNoExecuteTaintingPass` for one zone: taints queued nodes while the limiter
    /// grants tokens, then waits for the next token.
    fn pass(&mut self, ctx: &mut Ctx, z: usize) -> io::Result<()> {
        while let Some(&n) = self.zones[z].queue.front() {
            if !self.zones[z].limiter.try_accept(ctx.now) {
                break;
            }
            self.zones[z].queue.pop_front();
            self.queued[n.index()] = false;
            self.taint(ctx, n)?;
        }
        let zone = &mut self.zones[z];
        if let (false, Some(at)) = (zone.queue.is_empty(), zone.limiter.next_token()) {
            if zone.pass_at.is_none_or(|p| p > at) {
                zone.pass_at = Some(at);
                ctx.queue.push(at, Event::TaintPass { zone: z as u16 });
            }
        }
        Ok(())
    }

    /// The NoExecute taint lands: the taint manager looks at every pod on the node.
    fn taint(&mut self, ctx: &mut Ctx, n: NodeId) -> io::Result<()> {
        let i = n.index();
        self.tainted[i] = true;
        ctx.cluster
            .nodes
            .add_taint(n, unreachable(TaintEffect::NoExecute));
        ctx.rec.object_event(
            ctx.now,
            "node_tainted",
            &ctx.cluster.nodes.name[i],
            "node.kubernetes.io/unreachable:NoExecute",
        )?;
        let pods = ctx.cluster.nodes.pods[i].clone();
        for pod in pods {
            schedule_eviction(ctx, pod)?;
        }
        Ok(())
    }
}

fn unreachable(effect: TaintEffect) -> Taint {
    Taint {
        key: UNREACHABLE.into(),
        value: String::new(),
        effect,
    }
}

/// The taint manager's `processPodOnNode` for a pod on a node with the unreachable
/// NoExecute taint: deleted now if a NoExecute taint is not tolerated, at now +
/// `tolerationSeconds` if tolerated for a while, never if tolerated forever.
fn schedule_eviction(ctx: &mut Ctx, pod: PodId) -> io::Result<()> {
    let p = &ctx.cluster.pods[pod.index()];
    let Some(n) = p.node else { return Ok(()) };
    if p.terminating || !p.phase.on_node() {
        return Ok(());
    }
    let tolerations = &ctx.cluster.templates[p.template as usize].tolerations;
    match time_to_eviction(tolerations, &ctx.cluster.nodes.taints[n.index()]) {
        None => Ok(()),
        Some(0) => evict(ctx, pod),
        Some(t) => {
            let generation = p.generation;
            ctx.queue.push(
                ctx.now.saturating_add(t),
                Event::TaintEviction { pod, generation },
            );
            Ok(())
        }
    }
}

/// The taint manager deletes the pod. Its node is down, so there is no graceful
/// termination: it is gone at once, and its owner replaces it.
pub fn evict(ctx: &mut Ctx, pod: PodId) -> io::Result<()> {
    let p = &ctx.cluster.pods[pod.index()];
    if p.terminating || !p.phase.on_node() {
        return Ok(());
    }
    let Some(n) = p.node else { return Ok(()) };
    let tolerations = &ctx.cluster.templates[p.template as usize].tolerations;
    let detail = match time_to_eviction(tolerations, &ctx.cluster.nodes.taints[n.index()]) {
        Some(t) if t > 0 => format!(
            "tolerationSeconds {} of node.kubernetes.io/unreachable:NoExecute expired",
            t / NANOS_PER_SEC
        ),
        _ => "node.kubernetes.io/unreachable:NoExecute not tolerated".to_string(),
    };
    ctx.rec
        .pod_event(ctx.now, "pod_evicted", ctx.cluster, pod, &detail)?;
    ctx.cluster.finish(
        pod,
        PodPhase::Deleted,
        PodReason::DeletionByTaintManager,
        ctx.now,
    );
    ctx.rec.pods_evicted_by_taint += 1;
    ctx.inbox.notices.push(OwnerNotice::Evicted(pod));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    const S: Nanos = NANOS_PER_SEC;

    // The cases of upstream's TestComputeZoneState-style reasoning, derived by hand from
    // ComputeZoneState: full when nothing is Ready, partial from 3 not-Ready nodes and
    // 55 %, otherwise normal.
    #[test]
    fn zone_states_follow_compute_zone_state() {
        use ZoneState::*;
        let t = 0.55;
        assert_eq!(zone_state(3, 3, t), FullDisruption);
        assert_eq!(zone_state(1, 1, t), FullDisruption);
        assert_eq!(zone_state(3, 2, t), Normal); // 2 not-Ready: never partial
        assert_eq!(zone_state(4, 3, t), PartialDisruption); // 0.75
        assert_eq!(zone_state(20, 11, t), PartialDisruption); // exactly 0.55
        assert_eq!(zone_state(20, 10, t), Normal); // 0.5
        assert_eq!(zone_state(100, 0, t), Normal);
        assert_eq!(zone_state(0, 0, t), Normal);
    }

    #[test]
    fn zone_rates_follow_set_limiter_in_zone() {
        let cfg = NodeLifecycleConfig::default();
        assert_eq!(zone_rate(&cfg, 10, ZoneState::Normal), 0.1);
        assert_eq!(zone_rate(&cfg, 10, ZoneState::FullDisruption), 0.1);
        assert_eq!(zone_rate(&cfg, 50, ZoneState::PartialDisruption), 0.0);
        assert_eq!(zone_rate(&cfg, 51, ZoneState::PartialDisruption), 0.01);
    }

    #[test]
    fn limiter_grants_one_token_per_period_with_burst_one() {
        let mut l = Limiter::new(0.1);
        assert!(l.try_accept(7 * S));
        assert!(!l.try_accept(7 * S));
        assert!(!l.try_accept(17 * S - 1));
        assert!(l.try_accept(17 * S));
        // A long idle spell still holds one token only.
        assert!(l.try_accept(1000 * S));
        assert!(!l.try_accept(1000 * S));
        assert_eq!(l.next_token(), Some(1010 * S));
        let mut never = Limiter::new(0.0);
        assert!(!never.try_accept(u64::MAX / 2));
        assert_eq!(never.next_token(), None);
    }

    #[test]
    fn swapping_drains_the_new_bucket_only_when_the_old_was_empty() {
        // Old bucket full: the swap spends its token, the new bucket starts full.
        let mut l = Limiter::new(0.1);
        l.swap(0.01, 5 * S);
        assert!(l.try_accept(5 * S));
        assert_eq!(l.next_token(), Some(105 * S));
        // Old bucket empty: the new one starts empty too.
        let mut l = Limiter::new(0.1);
        assert!(l.try_accept(5 * S));
        l.swap(0.01, 6 * S);
        assert!(!l.try_accept(6 * S));
        assert_eq!(l.next_token(), Some(106 * S));
        // From "never", a new rate starts empty.
        let mut l = Limiter::new(0.0);
        l.swap(0.1, 6 * S);
        assert_eq!(l.next_token(), Some(16 * S));
        // Same rate: nothing changes.
        let mut l = Limiter::new(0.1);
        assert!(l.try_accept(0));
        l.swap(0.1, 3 * S);
        assert_eq!(l.next_token(), Some(10 * S));
    }
}
