//! The cluster autoscaler (kubernetes/autoscaler, reference §7): every scan interval it
//! looks for pods the scheduler could not place. If a new node of some node group would
//! take them (the scheduler's own filters, on a copy of the cluster with the new nodes),
//! the expander picks a group and the binpacking estimator says how many nodes; they join
//! after a provisioning delay, or never, and then the group is backed off. When no
//! scale-up is needed, nodes whose requested share of CPU and memory stays under the
//! threshold for the unneeded time, and whose pods fit elsewhere within their disruption
//! budgets, are drained and deleted.

pub mod estimator;
pub mod expander;

use crate::autoscaling::decisions::{Decision, Decisions};
use crate::autoscaling::spec::{CaConfig, NodeGroup};
use crate::cluster::ClusterState;
use crate::cluster::disruption::{PdbStatus, may_evict};
use crate::cluster::ids::{NodeId, PodId, PoolId};
use crate::cluster::pod::PodPhase;
use crate::cluster::resources::{CPU, MEMORY};
use crate::controllers::Ctx;
use crate::controllers::drain::Drains;
use crate::controllers::node_faults::NodeFaults;
use crate::controllers::node_lifecycle::NodeLifecycle;
use crate::engine::event::Event;
use crate::engine::rng::{StreamKey, StreamRng};
use crate::engine::time::{Nanos, secs_to_nanos};
use crate::scheduler::Scheduler;
use expander::ScaleUpOption;
use std::collections::BTreeMap;
use std::io;

/// Pods below this priority neither trigger a scale-up nor block a scale-down
/// (`--expendable-pods-priority-cutoff`).
const EXPENDABLE_PRIORITY: i32 = -10;

/// One node group: an autoscaled pool.
#[derive(Debug)]
struct Group {
    pool: PoolId,
    /// Its bounds and provisioning delay.
    ng: NodeGroup,
    /// The number of the group's next node (`<pool>-<k>`).
    next_index: u64,
    /// Its nodes in the cluster, deleted ones excluded.
    nodes: Vec<NodeId>,
    /// Nodes asked for that have not joined yet.
    upcoming: u32,
    /// No scale-up of the group before then (after a failed one).
    backoff_until: Nanos,
    /// Provisioning delays, `autoscaler/provisioning/<pool>`.
    rng: StreamRng,
}

/// A node asked for.
#[derive(Clone, Copy, Debug)]
struct Provision {
    group: usize,
    requested: Nanos,
    /// Whether it never registers (its delay exceeds `maxNodeProvisionTime`).
    fails: bool,
    /// Its billed machine.
    machine: u32,
}

/// The handles the autoscaler needs besides the context.
pub struct Parts<'a> {
    /// The scheduler, whose filters decide what fits.
    pub scheduler: &'a mut Scheduler,
    /// Drains, for deleting nodes with pods.
    pub drains: &'a mut Drains,
    /// Node faults, forgotten for a deleted node.
    pub faults: &'a mut NodeFaults,
    /// The node lifecycle controller, whose zones change size.
    pub lifecycle: &'a mut NodeLifecycle,
    /// `autoscaling.csv`.
    pub log: &'a mut Decisions,
}

/// The cluster autoscaler's state.
#[derive(Debug)]
pub struct ClusterAutoscaler {
    cfg: CaConfig,
    groups: Vec<Group>,
    provisions: Vec<Provision>,
    /// Since when each candidate node has been unneeded.
    unneeded_since: BTreeMap<NodeId, Nanos>,
    /// Nodes being drained for deletion.
    deleting: Vec<NodeId>,
    last_scale_up: Option<Nanos>,
    last_delete: Option<Nanos>,
    last_failure: Option<Nanos>,
    expander_rng: StreamRng,
    /// Pods before this index are not pending (pods never return to Pending).
    pending_from: usize,
    /// What-if copies made so far (each gets its own taint epoch, so that plugin caches
    /// keyed by it never mistake a copy for the cluster).
    sandboxes: u64,
    /// Counters for the summary.
    pub stats: Stats,
}

/// What the autoscaler did, for `summary.csv`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Scale-ups decided.
    pub scale_ups: u64,
    /// Nodes asked for.
    pub nodes_requested: u64,
    /// Nodes that joined.
    pub nodes_added: u64,
    /// Nodes that never registered.
    pub provisioning_failures: u64,
    /// Nodes deleted.
    pub nodes_removed: u64,
}

impl ClusterAutoscaler {
    /// The autoscaler of `ctx.scenario`'s node groups, the nodes they start with already
    /// in the cluster; its first scan is one interval in.
    pub fn new(ctx: &mut Ctx, cfg: &CaConfig) -> ClusterAutoscaler {
        let scenario = ctx.scenario;
        let groups = scenario
            .pools
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.autoscaling.clone().map(|ng| (i, p, ng)))
            .map(|(i, p, ng)| Group {
                pool: PoolId(i as u32),
                ng,
                next_index: p.count as u64,
                nodes: (p.first_node..p.first_node + p.count)
                    .map(|n| NodeId(n as u32))
                    .collect(),
                upcoming: 0,
                backoff_until: 0,
                rng: StreamKey::new(
                    scenario.seed,
                    &format!("autoscaler/provisioning/{}", p.name),
                )
                .rng(),
            })
            .collect();
        ctx.queue.push(cfg.scan_interval, Event::AutoscalerScan);
        ClusterAutoscaler {
            cfg: cfg.clone(),
            groups,
            provisions: Vec::new(),
            unneeded_since: BTreeMap::new(),
            deleting: Vec::new(),
            last_scale_up: None,
            last_delete: None,
            last_failure: None,
            expander_rng: StreamKey::new(scenario.seed, "autoscaler/expander").rng(),
            pending_from: 0,
            sandboxes: 0,
            stats: Stats::default(),
        }
    }

    /// A copy of `cluster` to try things on.
    fn sandbox(&mut self, cluster: &ClusterState) -> ClusterState {
        self.sandboxes += 1;
        let mut s = cluster.clone();
        s.nodes.taints_epoch = (1 << 63) | self.sandboxes;
        s.log_pod_changes = false;
        s
    }

    /// The nodes of all groups and fixed pools that count against `maxNodesTotal`:
    /// those in the cluster and those on their way.
    fn total_nodes(&self, cluster: &ClusterState) -> u32 {
        let present = cluster.nodes.removed.iter().filter(|&&r| !r).count() as u32;
        present + self.groups.iter().map(|g| g.upcoming).sum::<u32>()
    }

    /// The scan: scale up for pods that fit nowhere, else consider scaling down.
    pub fn scan(&mut self, ctx: &mut Ctx, parts: &mut Parts) -> io::Result<()> {
        ctx.queue.push(
            ctx.now.saturating_add(self.cfg.scan_interval),
            Event::AutoscalerScan,
        );
        let pending = self.unschedulable(ctx);
        let scaled_up = !pending.is_empty() && self.scale_up(ctx, parts, &pending)?;
        if !scaled_up && self.cfg.scale_down_enabled {
            self.scale_down(ctx, parts)?;
        }
        Ok(())
    }

    /// Pods the scheduler tried and could not place, old enough to count.
    fn unschedulable(&mut self, ctx: &Ctx) -> Vec<PodId> {
        let pods = &ctx.cluster.pods;
        while self.pending_from < pods.len() && pods[self.pending_from].phase != PodPhase::Pending {
            self.pending_from += 1;
        }
        (self.pending_from..pods.len())
            .filter(|&i| {
                let p = &pods[i];
                p.phase == PodPhase::Pending
                    && p.attempts > 0
                    && p.nominated_node.is_none()
                    && p.priority >= EXPENDABLE_PRIORITY
                    && p.created.saturating_add(self.cfg.new_pod_scale_up_delay) <= ctx.now
            })
            .map(|i| PodId(i as u32))
            .collect()
    }

    /// Scales up for `pending` if some group helps; returns whether it did.
    fn scale_up(
        &mut self,
        ctx: &mut Ctx,
        parts: &mut Parts,
        pending: &[PodId],
    ) -> io::Result<bool> {
        let scenario = ctx.scenario;
        let mut sandbox = self.sandbox(ctx.cluster);
        let mut upcoming: Vec<NodeId> = Vec::new();
        for g in &self.groups {
            let pool = &scenario.pools[g.pool.index()];
            for k in 0..u64::from(g.upcoming) {
                let spec = pool.node_spec(g.next_index + k, &scenario.zones);
                upcoming.push(sandbox.add_node(spec));
            }
        }
        // Pods that fit a node already there (one that joined since the scheduler's
        // last try) or on its way do not count either (upstream's
        // FilterOutSchedulable).
        let mut left = Vec::new();
        for &pod in pending {
            let nodes = upcoming.iter().copied().chain(ctx.cluster.nodes.ids());
            let fits = parts.scheduler.first_fit(&sandbox, pod, nodes);
            match fits {
                Some(n) => sandbox.bind(pod, n, ctx.now),
                None => left.push(pod),
            }
        }
        if left.is_empty() {
            return Ok(false);
        }
        let total = self.total_nodes(ctx.cluster);
        let mut options = Vec::new();
        for g in 0..self.groups.len() {
            let group = &self.groups[g];
            let size = group.nodes.len() as u32 + group.upcoming;
            let mut room = group.ng.max.saturating_sub(size);
            if self.cfg.max_nodes_total > 0 {
                room = room.min(self.cfg.max_nodes_total.saturating_sub(total));
            }
            if room == 0 || group.backoff_until > ctx.now {
                continue;
            }
            let pool = &scenario.pools[group.pool.index()];
            let first = group.next_index + u64::from(group.upcoming);
            let mut copy = self.sandbox(&sandbox);
            let estimate = estimator::binpack(
                &mut copy,
                parts.scheduler,
                &left,
                |k| pool.node_spec(first + k, &scenario.zones),
                room,
                ctx.now,
            );
            if estimate.nodes > 0 {
                let alloc = pool.template.allocatable.0;
                options.push(ScaleUpOption {
                    group: g,
                    estimate,
                    node: [alloc[CPU], alloc[MEMORY]],
                    price: pool.price_per_hour.unwrap_or(0.0),
                });
            }
        }
        if options.is_empty() {
            return Ok(false);
        }
        let pick = expander::choose(self.cfg.expander, &options, &mut self.expander_rng);
        let option = &options[pick];
        let g = option.group;
        let from = self.groups[g].nodes.len() as u32 + self.groups[g].upcoming;
        for _ in 0..option.estimate.nodes {
            let group = &mut self.groups[g];
            let delay = secs_to_nanos(group.ng.provisioning_delay.sample(&mut group.rng));
            let fails = delay > self.cfg.max_node_provision_time;
            let machine = ctx.rec.ledger.open(self.groups[g].pool, ctx.now);
            let request = self.provisions.len() as u32;
            self.provisions.push(Provision {
                group: g,
                requested: ctx.now,
                fails,
                machine,
            });
            let due = if fails {
                self.cfg.max_node_provision_time
            } else {
                delay
            };
            ctx.queue.push(
                ctx.now.saturating_add(due),
                Event::NodeProvisioned { request },
            );
            self.groups[g].upcoming += 1;
        }
        self.stats.scale_ups += 1;
        self.stats.nodes_requested += u64::from(option.estimate.nodes);
        self.last_scale_up = Some(ctx.now);
        let pool = &scenario.pools[self.groups[g].pool.index()];
        let reason = format!(
            "ScaleUp: {} of {} unschedulable pods fit; expander {}",
            option.estimate.pods.len(),
            left.len(),
            crate::autoscaling::spec::Expander::NAMES[self.cfg.expander as usize]
        );
        ctx.rec.object_event(
            ctx.now,
            "autoscaler_scale_up",
            &pool.name,
            &format!(
                "{from} -> {} nodes ({reason})",
                from + option.estimate.nodes
            ),
        )?;
        parts.log.log(
            ctx.now,
            &Decision {
                autoscaler: "cluster-autoscaler",
                name: &pool.name,
                target: &pool.name,
                from,
                to: from + option.estimate.nodes,
                reason: &reason,
                metric: "unschedulable_pods",
                value: Some(left.len() as f64),
            },
        )?;
        Ok(true)
    }

    /// A requested node's time is up: it joins, or it never registered.
    pub fn provisioned(
        &mut self,
        ctx: &mut Ctx,
        parts: &mut Parts,
        request: u32,
    ) -> io::Result<()> {
        let p = self.provisions[request as usize];
        let scenario = ctx.scenario;
        let group = &mut self.groups[p.group];
        group.upcoming -= 1;
        let pool = &scenario.pools[group.pool.index()];
        let size = group.nodes.len() as u32 + group.upcoming;
        if p.fails {
            ctx.rec.ledger.close(p.machine, ctx.now);
            group.backoff_until = ctx.now.saturating_add(self.cfg.backoff);
            self.last_failure = Some(ctx.now);
            self.stats.provisioning_failures += 1;
            let reason = "FailedScaleUp: the node did not register within maxNodeProvisionTime; group backed off";
            ctx.rec.object_event(
                ctx.now,
                "autoscaler_provisioning_failed",
                &pool.name,
                reason,
            )?;
            return parts.log.log(
                ctx.now,
                &Decision {
                    autoscaler: "cluster-autoscaler",
                    name: &pool.name,
                    target: &pool.name,
                    from: size + 1,
                    to: size,
                    reason,
                    metric: "provisioning_s",
                    value: Some((ctx.now - p.requested) as f64 / 1e9),
                },
            );
        }
        let spec = pool.node_spec(group.next_index, &scenario.zones);
        group.next_index += 1;
        let n = ctx.cluster.add_node(spec);
        let present = group.nodes.len() as u32;
        group.nodes.push(n);
        ctx.rec.ledger.attach(p.machine, n);
        self.stats.nodes_added += 1;
        let name = ctx.cluster.nodes.name[n.index()].clone();
        ctx.rec
            .object_event(ctx.now, "node_added", &name, "cluster autoscaler")?;
        parts.faults.nodes_added(ctx, &[n]);
        ctx.inbox.nodes_added = true;
        parts.lifecycle.nodes_added(ctx, &[n])?;
        parts.log.log(
            ctx.now,
            &Decision {
                autoscaler: "cluster-autoscaler",
                name: &pool.name,
                target: &name,
                from: present,
                to: present + 1,
                reason: "NodeRegistered",
                metric: "provisioning_s",
                value: Some((ctx.now - p.requested) as f64 / 1e9),
            },
        )
    }

    /// Scale-down: marks the nodes that are unneeded now, and deletes those unneeded for
    /// long enough.
    fn scale_down(&mut self, ctx: &mut Ctx, parts: &mut Parts) -> io::Result<()> {
        let now = ctx.now;
        let cooling =
            |last: Option<Nanos>, delay: Nanos| last.is_some_and(|t| now < t.saturating_add(delay));
        let after_delete = if self.cfg.delay_after_delete == 0 {
            self.cfg.scan_interval
        } else {
            self.cfg.delay_after_delete
        };
        let unneeded = self.unneeded_nodes(ctx, parts.scheduler);
        self.unneeded_since
            .retain(|n, _| unneeded.iter().any(|(m, _)| m == n));
        for &(n, _) in &unneeded {
            self.unneeded_since.entry(n).or_insert(now);
        }
        if cooling(self.last_scale_up, self.cfg.delay_after_add)
            || cooling(self.last_delete, after_delete)
            || cooling(self.last_failure, self.cfg.delay_after_failure)
        {
            return Ok(());
        }
        let mut empty_deleted = 0;
        let mut drained_one = !self.deleting.is_empty();
        for (n, util) in unneeded {
            let since = self.unneeded_since[&n];
            if now < since.saturating_add(self.cfg.unneeded_time) {
                continue;
            }
            let Some(g) = self.groups.iter().position(|g| g.nodes.contains(&n)) else {
                continue;
            };
            let min = self.groups[g].ng.min;
            let staying = self.groups[g].nodes.len() - self.deleting_in(g);
            if staying as u32 <= min {
                continue;
            }
            let empty = ctx.cluster.nodes.pod_count[n.index()] == 0;
            if empty && empty_deleted >= self.cfg.max_empty_bulk_delete || !empty && drained_one {
                continue;
            }
            let pool = &ctx.scenario.pools[self.groups[g].pool.index()];
            let name = ctx.cluster.nodes.name[n.index()].clone();
            let reason = format!(
                "ScaleDown: {} node unneeded for {} s (requests {:.0} % of allocatable)",
                if empty { "empty" } else { "underutilized" },
                (now - since) / crate::engine::time::NANOS_PER_SEC,
                util * 100.0
            );
            let size = staying as u32;
            parts.log.log(
                now,
                &Decision {
                    autoscaler: "cluster-autoscaler",
                    name: &pool.name,
                    target: &name,
                    from: size,
                    to: size - 1,
                    reason: &reason,
                    metric: "node_utilization",
                    value: Some(util),
                },
            )?;
            self.unneeded_since.remove(&n);
            self.last_delete = Some(now);
            if empty {
                empty_deleted += 1;
                self.delete(ctx, parts, n)?;
            } else {
                drained_one = true;
                self.deleting.push(n);
                parts.drains.start_for_autoscaler(ctx, n)?;
            }
        }
        Ok(())
    }

    /// How many of group `g`'s nodes are being drained for deletion.
    fn deleting_in(&self, g: usize) -> usize {
        self.deleting
            .iter()
            .filter(|n| self.groups[g].nodes.contains(n))
            .count()
    }

    /// The groups' nodes that could go now, with their utilization: under the threshold,
    /// every pod movable (within its budget, onto some other node the scheduler's filters
    /// accept), considered in node order, each one's pods placed before the next is
    /// looked at.
    fn unneeded_nodes(&mut self, ctx: &Ctx, scheduler: &mut Scheduler) -> Vec<(NodeId, f64)> {
        let cluster = &*ctx.cluster;
        let nodes = &cluster.nodes;
        let mut candidates: Vec<(NodeId, f64)> = self
            .groups
            .iter()
            .flat_map(|g| g.nodes.iter().copied())
            .filter(|&n| {
                let i = n.index();
                nodes.ready[i]
                    && nodes.up[i]
                    && !nodes.unschedulable[i]
                    && !self.deleting.contains(&n)
            })
            .filter_map(|n| {
                let i = n.index();
                let share = |k: usize, alloc: i64| {
                    if alloc > 0 {
                        nodes.requested[i].0[k] as f64 / alloc as f64
                    } else {
                        0.0
                    }
                };
                let util = share(CPU, nodes.alloc_cpu[i]).max(share(MEMORY, nodes.alloc_memory[i]));
                (util < self.cfg.utilization_threshold).then_some((n, util))
            })
            .collect();
        candidates.sort_by_key(|&(n, _)| n);
        if candidates.is_empty() {
            return candidates;
        }
        let mut sandbox = self.sandbox(cluster);
        let mut statuses: Vec<Option<PdbStatus>> = vec![None; cluster.pdbs.len()];
        let mut out = Vec::new();
        for (n, util) in candidates {
            // The node's pods, if all can go: each onto another node that stays.
            let mut moved: Vec<(PodId, NodeId)> = Vec::new();
            let mut movable = true;
            for &pod in &cluster.nodes.pods[n.index()] {
                let p = &cluster.pods[pod.index()];
                if p.terminating || p.priority < EXPENDABLE_PRIORITY {
                    continue;
                }
                if may_evict(cluster, pod, &mut statuses).is_err() {
                    movable = false;
                    break;
                }
                let others = sandbox
                    .nodes
                    .ids()
                    .filter(|&m| m != n && !sandbox.nodes.unschedulable[m.index()]);
                let dest = scheduler.first_fit(&sandbox, pod, others);
                match dest {
                    Some(m) => {
                        let (req, nz) = (p.requests, p.nonzero_requests);
                        sandbox.nodes.add_pod(m, &req, nz);
                        moved.push((pod, m));
                    }
                    None => {
                        movable = false;
                        break;
                    }
                }
            }
            if movable {
                // Nothing moves onto a node that is going.
                sandbox.nodes.set_unschedulable(n, true);
                out.push((n, util));
            } else {
                for (pod, m) in moved {
                    let p = &cluster.pods[pod.index()];
                    sandbox.nodes.remove_pod(m, &p.requests, p.nonzero_requests);
                }
            }
        }
        out
    }

    /// Deletes node `n`, which holds no pod.
    fn delete(&mut self, ctx: &mut Ctx, parts: &mut Parts, n: NodeId) -> io::Result<()> {
        parts.lifecycle.node_removed(ctx, n)?;
        parts.faults.forget(n);
        ctx.cluster.remove_node(n);
        ctx.rec.ledger.close_node(n, ctx.now);
        for g in &mut self.groups {
            g.nodes.retain(|&m| m != n);
        }
        self.deleting.retain(|&m| m != n);
        self.unneeded_since.remove(&n);
        self.stats.nodes_removed += 1;
        let name = ctx.cluster.nodes.name[n.index()].clone();
        ctx.rec
            .object_event(ctx.now, "node_removed", &name, "cluster autoscaler")
    }

    /// Nodes the autoscaler drained are empty: they are deleted.
    pub fn drained(
        &mut self,
        ctx: &mut Ctx,
        parts: &mut Parts,
        nodes: &[NodeId],
    ) -> io::Result<()> {
        for &n in nodes {
            if self.deleting.contains(&n) && ctx.cluster.nodes.pod_count[n.index()] == 0 {
                self.delete(ctx, parts, n)?;
            }
        }
        Ok(())
    }
}
