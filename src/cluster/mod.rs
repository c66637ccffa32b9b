//! The cluster's state: nodes, pods and their owners, with running totals kept up to date
//! so that metrics never walk every pod (DESIGN §9).

pub mod disruption;
pub mod exact_div;
#[cfg(test)]
pub mod fixture;
pub mod ids;
pub mod int_or_percent;
pub mod node;
pub mod pod;
pub mod pod_request;
pub mod quota;
pub mod resources;
pub mod selectors;
pub mod taints;
pub mod topology;

use crate::engine::time::Nanos;
use ids::{JobId, NodeId, PodId, WorkloadId};
use node::NodeTable;
use pod::{Pod, PodPhase, PodReason, PodTemplate};
use resources::{CPU, MEMORY, ResourceNames, Resources};

/// The controller that owns a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerKind {
    /// A Deployment's ReplicaSet.
    Deployment(WorkloadId),
    /// One Job.
    Job(JobId),
}

/// Who created a pod: a Deployment, or one Job.
#[derive(Clone, Debug)]
pub struct Owner {
    /// Object name; its pods are `<name>-<n>`.
    pub name: String,
    /// The owning controller.
    pub kind: OwnerKind,
    /// Pods created so far, the next ordinal.
    pub pods_created: u32,
    /// Pods its controller wants (a Deployment's `replicas`), for the disruption budgets
    /// that count in percent.
    pub desired: u32,
    /// Key of its pods' crash draws (`crashes/<name>`), made at its pods' first start.
    pub crash_key: Option<crate::engine::rng::StreamKey>,
}

/// Nodes, pods and owners, with phase counts and cluster-wide totals.
#[derive(Clone, Debug, Default)]
pub struct ClusterState {
    /// Resource slots in use.
    pub resources: ResourceNames,
    /// Zone names, indexed by the node table's zone index.
    pub zones: Vec<String>,
    /// The node table.
    pub nodes: NodeTable,
    /// Every pod ever created, by [`PodId`].
    pub pods: Vec<Pod>,
    /// Owners of pods.
    pub owners: Vec<Owner>,
    /// Pod templates, shared by the pods of a workload.
    pub templates: Vec<PodTemplate>,
    /// Pods per phase, indexed by `PodPhase as usize`.
    pub phase_counts: [u64; 6],
    /// Sum of allocatable over Ready nodes.
    pub allocatable_total: Resources,
    /// Sum of requests of pods on nodes.
    pub requested_total: Resources,
    /// Sum of usage of running pods.
    pub used_total: Resources,
    /// Ready nodes.
    pub nodes_ready: u32,
    /// Nodes whose machine is up.
    pub nodes_up: u32,
    /// Nodes with at least one pod.
    pub nodes_in_use: u32,
    /// Bound pods per node and topology domain, for the topology plugins.
    pub topology: topology::Topology,
    /// PodDisruptionBudgets (the scenario's), which evictions and preemption consult.
    pub pdbs: Vec<disruption::Pdb>,
    /// Pods counted against each ResourceQuota, by quota.
    pub quota_usage: quota::QuotaUsage,
    /// Whether [`ClusterState::pod_changes`] is kept (when the scenario has Services).
    pub log_pod_changes: bool,
    /// Pods whose containers started or stopped, whose readiness changed or that began
    /// terminating, since the traffic model last looked: what may change a Service's
    /// endpoints or a pod's serving.
    pub pod_changes: Vec<PodId>,
}

/// A pod to create.
#[derive(Clone, Debug)]
pub struct NewPod {
    /// Owner index.
    pub owner: u32,
    /// Creating workload.
    pub workload: WorkloadId,
    /// Template index.
    pub template: u32,
    /// Requests.
    pub requests: Resources,
    /// Requests with scheduling defaults for cpu and memory.
    pub nonzero_requests: [i64; 2],
    /// Usage while running.
    pub usage: Resources,
    /// Bound → Running delay.
    pub startup_delay: Nanos,
    /// Run time, `None` for long-running pods.
    pub run_time: Option<Nanos>,
}

impl ClusterState {
    /// Adds a node (Ready, empty) and updates the totals.
    pub fn add_node(&mut self, spec: node::NodeSpec) -> NodeId {
        self.allocatable_total += spec.allocatable;
        self.nodes_ready += 1;
        self.nodes_up += 1;
        let id = self.nodes.add(spec);
        self.sync_topology();
        id
    }

    /// Brings the topology index up to date with the nodes and templates added so far
    /// (cheap when nothing was added).
    fn sync_topology(&mut self) {
        self.topology.sync(&self.templates, &self.nodes, &self.pods);
    }

    /// Registers an owner and returns its index.
    pub fn add_owner(&mut self, name: String, kind: OwnerKind) -> u32 {
        self.owners.push(Owner {
            name,
            kind,
            pods_created: 0,
            desired: 0,
            crash_key: None,
        });
        (self.owners.len() - 1) as u32
    }

    /// The pod's name, `<owner>-<ordinal>`.
    pub fn pod_name(&self, pod: PodId) -> String {
        let mut name = String::new();
        self.write_pod_name(pod, &mut name);
        name
    }

    /// Appends the pod's name to `out`: output files name millions of pods and reuse one
    /// buffer rather than allocate for each.
    pub fn write_pod_name(&self, pod: PodId, out: &mut String) {
        use std::fmt::Write as _;
        let p = &self.pods[pod.index()];
        // Writing to a String cannot fail.
        let _ = write!(out, "{}-{}", self.owners[p.owner as usize].name, p.ordinal);
    }

    /// Creates a Pending pod.
    pub fn create_pod(&mut self, new: NewPod, now: Nanos) -> PodId {
        // A template is indexed before its first pod exists, so it starts with no pods.
        self.sync_topology();
        let id = PodId(self.pods.len() as u32);
        let owner = &mut self.owners[new.owner as usize];
        let ordinal = owner.pods_created;
        owner.pods_created += 1;
        let priority = self.templates[new.template as usize].priority;
        self.pods.push(Pod {
            owner: new.owner,
            ordinal,
            attempts: 0,
            workload: new.workload,
            template: new.template,
            requests: new.requests,
            nonzero_requests: new.nonzero_requests,
            usage: new.usage,
            priority,
            phase: PodPhase::Pending,
            reason: None,
            node: None,
            created: now,
            bound: None,
            started: None,
            finished: None,
            startup_delay: new.startup_delay,
            run_time: new.run_time,
            generation: 0,
            nominated_node: None,
            terminating: false,
            ready_since: None,
            restarts: 0,
            last_start: 0,
            progress: 0,
            crash_backoff: Default::default(),
        });
        self.phase_counts[PodPhase::Pending as usize] += 1;
        id
    }

    fn set_phase(&mut self, pod: PodId, phase: PodPhase) {
        let p = &mut self.pods[pod.index()];
        self.phase_counts[p.phase as usize] -= 1;
        self.phase_counts[phase as usize] += 1;
        p.phase = phase;
    }

    /// Binds a Pending pod to `node`, which must have room (the caller checked).
    pub fn bind(&mut self, pod: PodId, node: NodeId, now: Nanos) {
        self.clear_nomination(pod);
        self.sync_topology();
        let p = &mut self.pods[pod.index()];
        debug_assert_eq!(p.phase, PodPhase::Pending);
        p.node = Some(node);
        p.bound = Some(now);
        let (req, nz) = (p.requests, p.nonzero_requests);
        if self.nodes.pod_count[node.index()] == 0 {
            self.nodes_in_use += 1;
        }
        self.nodes.add_pod(node, &req, nz);
        self.nodes.pods[node.index()].push(pod);
        let template = p.template;
        let ports = &self.templates[template as usize].host_ports;
        if !ports.is_empty() {
            self.nodes.host_ports[node.index()].extend(ports.iter().cloned());
        }
        self.topology.pod_moved(template, node, 1);
        self.requested_total += req;
        self.set_phase(pod, PodPhase::Bound);
    }

    /// A bound pod's containers are up (for the first time, or restarted).
    pub fn start(&mut self, pod: PodId, now: Nanos) {
        let p = &mut self.pods[pod.index()];
        debug_assert_eq!(p.phase, PodPhase::Bound);
        p.started.get_or_insert(now);
        p.last_start = now;
        let usage = p.usage;
        if let Some(n) = p.node {
            self.nodes.used[n.index()] += usage;
        }
        self.used_total += usage;
        self.set_phase(pod, PodPhase::Running);
        self.changed(pod);
    }

    /// Sets a pod's Ready condition: ready since `since`, or not ready.
    pub fn set_ready(&mut self, pod: PodId, since: Option<Nanos>) {
        self.pods[pod.index()].ready_since = since;
        self.changed(pod);
    }

    /// Notes a change that may concern the pod's Services.
    fn changed(&mut self, pod: PodId) {
        if self.log_pod_changes {
            self.pod_changes.push(pod);
        }
    }

    /// A running pod's containers stop (they crashed, or its node went down): it is on
    /// its node still, holding its requests, but uses nothing and is not ready.
    pub fn stop(&mut self, pod: PodId) {
        let p = &mut self.pods[pod.index()];
        debug_assert_eq!(p.phase, PodPhase::Running);
        p.ready_since = None;
        let usage = p.usage;
        if let Some(n) = p.node {
            self.nodes.used[n.index()] -= usage;
        }
        self.used_total -= usage;
        self.set_phase(pod, PodPhase::Bound);
        self.changed(pod);
    }

    /// Nominates a pending pod to `node` (a preemption made room there): until it binds
    /// or ends, the scheduler holds its requests back on that node from pods of equal or
    /// lower priority.
    pub fn nominate(&mut self, pod: PodId, node: NodeId) {
        self.clear_nomination(pod);
        self.pods[pod.index()].nominated_node = Some(node);
        self.nodes.nominated[node.index()].push(pod);
        self.nodes.nominated_total += 1;
    }

    /// Drops `pod`'s nomination, if any (it bound, or ended).
    fn clear_nomination(&mut self, pod: PodId) {
        if let Some(n) = self.pods[pod.index()].nominated_node.take() {
            let list = &mut self.nodes.nominated[n.index()];
            if let Some(k) = list.iter().position(|&q| q == pod) {
                list.swap_remove(k);
                self.nodes.nominated_total -= 1;
            }
        }
    }

    /// A pod on a node starts its graceful termination: it keeps its resources until it
    /// finishes, but no longer counts for topology spreading and pod affinity.
    pub fn begin_termination(&mut self, pod: PodId) {
        let p = &mut self.pods[pod.index()];
        if p.terminating || !p.phase.on_node() {
            return;
        }
        p.terminating = true;
        // A terminating pod leaves its Service's ready endpoints at once.
        p.ready_since = None;
        if let Some(n) = p.node {
            let template = p.template;
            self.topology.pod_moved(template, n, -1);
        }
        self.changed(pod);
    }

    /// Ends a pod in a terminal `phase`, releasing what it held on its node.
    pub fn finish(&mut self, pod: PodId, phase: PodPhase, reason: PodReason, now: Nanos) {
        self.clear_nomination(pod);
        debug_assert!(phase.is_terminal());
        let p = &mut self.pods[pod.index()];
        let was = p.phase;
        debug_assert!(!was.is_terminal());
        p.finished = Some(now);
        p.reason = Some(reason);
        p.ready_since = None;
        p.generation = p.generation.wrapping_add(1);
        let (req, nz, usage, node, template, terminating) = (
            p.requests,
            p.nonzero_requests,
            p.usage,
            p.node,
            p.template,
            p.terminating,
        );
        if let (true, Some(n)) = (was.on_node(), node) {
            self.nodes.remove_pod(n, &req, nz);
            let on = &mut self.nodes.pods[n.index()];
            if let Some(k) = on.iter().position(|&q| q == pod) {
                on.swap_remove(k);
            }
            for port in &self.templates[template as usize].host_ports {
                let held = &mut self.nodes.host_ports[n.index()];
                if let Some(k) = held.iter().position(|h| h == port) {
                    held.swap_remove(k);
                }
            }
            self.requested_total -= req;
            if !terminating {
                self.topology.pod_moved(template, n, -1);
            }
            if self.nodes.pod_count[n.index()] == 0 {
                self.nodes_in_use -= 1;
            }
            if was == PodPhase::Running {
                self.nodes.used[n.index()] -= usage;
                self.used_total -= usage;
            }
        }
        self.set_phase(pod, phase);
        if was.on_node() {
            self.changed(pod);
        }
    }

    /// Sets the CPU a running pod uses (what metrics-server reports), in millicores.
    pub fn set_usage_cpu(&mut self, pod: PodId, millicores: i64) {
        let p = &mut self.pods[pod.index()];
        let delta = millicores - p.usage.0[CPU];
        p.usage.0[CPU] = millicores;
        if p.phase == PodPhase::Running {
            if let Some(n) = p.node {
                self.nodes.used[n.index()].0[CPU] += delta;
            }
            self.used_total.0[CPU] += delta;
        }
    }

    /// Removes node `n`, which holds no pod, from the cluster for good: it is down, not
    /// Ready and cordoned, and keeps its id (ids are indices).
    pub fn remove_node(&mut self, n: NodeId) {
        let i = n.index();
        debug_assert_eq!(self.nodes.pod_count[i], 0);
        // Pods a preemption nominated here must look elsewhere.
        for pod in self.nodes.nominated[i].clone() {
            self.clear_nomination(pod);
        }
        if self.nodes.ready[i] {
            self.nodes.ready[i] = false;
            self.nodes_ready -= 1;
            self.allocatable_total -= self.nodes.allocatable[i];
        }
        if self.nodes.up[i] {
            self.nodes.up[i] = false;
            self.nodes_up -= 1;
        }
        self.nodes.set_unschedulable(n, true);
        self.nodes.removed[i] = true;
        // What plugins derived from the node set (spread domains) is redone.
        self.nodes.taints_epoch += 1;
    }

    /// Pods created so far.
    pub fn pods_created(&self) -> u64 {
        self.pods.len() as u64
    }

    /// Pods in `phase`.
    pub fn count(&self, phase: PodPhase) -> u64 {
        self.phase_counts[phase as usize]
    }

    /// Checks the model's invariants by recounting from scratch: every pod in exactly one
    /// phase and the phase counts adding up to the pods created; each node's accounted
    /// requests equal to the sum over its pods and within its allocatable and pod capacity;
    /// no Running pod on a node that is down, and every node that is up Ready; the running
    /// totals equal to their recounts; the
    /// topology index equal to a recount from the pods.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut phases = [0u64; 6];
        let mut requested = vec![Resources::ZERO; self.nodes.len()];
        let mut nonzero = vec![[0i64; 2]; self.nodes.len()];
        let mut used = vec![Resources::ZERO; self.nodes.len()];
        let mut counts = vec![0u32; self.nodes.len()];
        let mut on_node: Vec<Vec<PodId>> = vec![Vec::new(); self.nodes.len()];
        let mut ports: Vec<Vec<&selectors::HostPort>> = vec![Vec::new(); self.nodes.len()];
        let mut used_total = Resources::ZERO;
        for (i, p) in self.pods.iter().enumerate() {
            phases[p.phase as usize] += 1;
            if p.terminating && !p.phase.on_node() && !p.phase.is_terminal() {
                return Err(format!("pod {i} is terminating while {:?}", p.phase));
            }
            if p.phase.on_node() {
                let Some(n) = p.node else {
                    return Err(format!("pod {} is {:?} without a node", i, p.phase));
                };
                on_node[n.index()].push(PodId(i as u32));
                ports[n.index()].extend(&self.templates[p.template as usize].host_ports);
                requested[n.index()] += p.requests;
                nonzero[n.index()][0] += p.nonzero_requests[0];
                nonzero[n.index()][1] += p.nonzero_requests[1];
                counts[n.index()] += 1;
                if p.phase == PodPhase::Running {
                    used[n.index()] += p.usage;
                }
                if p.phase == PodPhase::Running && !self.nodes.up[n.index()] {
                    return Err(format!(
                        "pod {} is Running on node {} which is down",
                        self.pod_name(PodId(i as u32)),
                        self.nodes.name[n.index()]
                    ));
                }
            }
            if p.phase == PodPhase::Running {
                used_total += p.usage;
            }
        }
        let nominated = self
            .pods
            .iter()
            .filter(|p| p.nominated_node.is_some())
            .count();
        if nominated != self.nodes.nominated_total as usize
            || nominated != self.nodes.nominated.iter().map(Vec::len).sum::<usize>()
        {
            return Err("nominated pod counts differ from a recount".into());
        }
        if phases != self.phase_counts {
            return Err(format!(
                "phase counts {:?} differ from a recount {:?}",
                self.phase_counts, phases
            ));
        }
        if phases.iter().sum::<u64>() != self.pods_created() {
            return Err("phase counts do not add up to the pods created".into());
        }
        let mut requested_total = Resources::ZERO;
        for n in self.nodes.ids() {
            let i = n.index();
            if requested[i] != self.nodes.requested[i] || counts[i] != self.nodes.pod_count[i] {
                return Err(format!(
                    "node {} accounts {:?} ({} pods) but its pods request {:?} ({} pods)",
                    self.nodes.name[i],
                    self.nodes.requested[i],
                    self.nodes.pod_count[i],
                    requested[i],
                    counts[i]
                ));
            }
            let alloc = self.nodes.allocatable[i];
            if requested[i].0.iter().zip(alloc.0).any(|(&r, a)| r > a)
                || counts[i] > self.nodes.max_pods[i]
            {
                return Err(format!(
                    "node {} is over-committed: requests {:?} ({} pods) exceed allocatable {:?} ({} pods)",
                    self.nodes.name[i], requested[i], counts[i], alloc, self.nodes.max_pods[i]
                ));
            }
            // Nominations are held only by pending pods, on the node they name.
            if self.nodes.nominated[i].iter().any(|&q| {
                let p = &self.pods[q.index()];
                p.phase != PodPhase::Pending || p.nominated_node != Some(n)
            }) {
                return Err(format!(
                    "node {}: a nomination is held by a pod that is not pending on it",
                    self.nodes.name[i]
                ));
            }
            // The per-node pod and host-port lists the scheduler reads match the pods.
            let mut listed = self.nodes.pods[i].clone();
            listed.sort();
            let mut held: Vec<&selectors::HostPort> = self.nodes.host_ports[i].iter().collect();
            held.sort();
            ports[i].sort();
            if listed != on_node[i] || held != ports[i] {
                return Err(format!(
                    "node {}: its pod or host-port list differs from a recount",
                    self.nodes.name[i]
                ));
            }
            // The copies the scheduler's loops read must agree with the accounts.
            let nodes = &self.nodes;
            let copies_agree = nodes.free_cpu[i] == alloc.0[CPU] - requested[i].0[CPU]
                && nodes.free_memory[i] == alloc.0[MEMORY] - requested[i].0[MEMORY]
                && nodes.alloc_cpu[i] == alloc.0[CPU]
                && nodes.alloc_memory[i] == alloc.0[MEMORY]
                && [nodes.nonzero_cpu[i], nodes.nonzero_memory[i]] == nonzero[i]
                && nodes.used[i] == used[i];
            if !copies_agree {
                return Err(format!(
                    "node {}: free, non-zero or used amounts differ from a recount",
                    nodes.name[i]
                ));
            }
            requested_total += requested[i];
        }
        let ready = self.nodes.ready.iter().filter(|&&r| r).count() as u32;
        let up = self.nodes.up.iter().filter(|&&u| u).count() as u32;
        // Ready is the controller's view of a node: a node that is up again is Ready at once.
        if let Some(i) = (0..self.nodes.len()).find(|&i| self.nodes.up[i] && !self.nodes.ready[i]) {
            return Err(format!("node {} is up but not Ready", self.nodes.name[i]));
        }
        let in_use = counts.iter().filter(|&&c| c > 0).count() as u32;
        let mut allocatable_total = Resources::ZERO;
        for (a, _) in self
            .nodes
            .allocatable
            .iter()
            .zip(&self.nodes.ready)
            .filter(|(_, r)| **r)
        {
            allocatable_total += *a;
        }
        if requested_total != self.requested_total
            || used_total != self.used_total
            || allocatable_total != self.allocatable_total
            || ready != self.nodes_ready
            || up != self.nodes_up
            || in_use != self.nodes_in_use
            || self.nodes.unschedulable.iter().filter(|&&u| u).count() as u32 != self.nodes.cordoned
        {
            return Err("cluster-wide totals differ from a recount".into());
        }
        self.topology
            .check(&self.templates, &self.nodes, &self.pods)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ids::PoolId;
    use crate::cluster::node::NodeSpec;
    use crate::cluster::pod::{PodTemplate, RestartPolicy};

    /// A cluster with one node and one running pod, consistent by construction.
    fn small() -> ClusterState {
        let mut c = ClusterState::default();
        let mut alloc = Resources::ZERO;
        alloc.0[CPU] = 4000;
        alloc.0[MEMORY] = 1 << 30;
        c.add_node(NodeSpec {
            name: "n-0".into(),
            pool: PoolId(0),
            zone: 0,
            capacity: alloc,
            allocatable: alloc,
            max_pods: 10,
            labels: vec![],
            taints: vec![],
        });
        c.templates.push(PodTemplate {
            labels: vec![],
            node_selector: vec![],
            tolerations: vec![],
            priority: 0,
            restart_policy: RestartPolicy::Always,
            node_name: None,
            namespace: "default".into(),
            affinity: Default::default(),
            spread: vec![],
            host_ports: vec![],
            scheduler_name: "default-scheduler".into(),
            preemption_policy: Default::default(),
            termination_grace: crate::engine::time::secs_to_nanos(30.0),
        });
        let owner = c.add_owner("w".into(), OwnerKind::Deployment(WorkloadId(0)));
        let mut req = Resources::ZERO;
        req.0[CPU] = 1000;
        let pod = c.create_pod(
            NewPod {
                owner,
                workload: WorkloadId(0),
                template: 0,
                requests: req,
                nonzero_requests: [1000, 200 << 20],
                usage: req,
                startup_delay: 0,
                run_time: None,
            },
            0,
        );
        c.bind(pod, NodeId(0), 0);
        c.start(pod, 0);
        c
    }

    /// Each account the checker recounts, corrupted alone, is caught.
    #[test]
    fn every_corrupted_account_is_caught() {
        assert_eq!(small().check_invariants(), Ok(()));
        type Corruption = (&'static str, fn(&mut ClusterState));
        let corruptions: Vec<Corruption> = vec![
            ("phase count", |c| {
                c.phase_counts[PodPhase::Running as usize] += 1
            }),
            ("node requested", |c| c.nodes.requested[0].0[CPU] += 1),
            ("pod count", |c| c.nodes.pod_count[0] += 1),
            ("free cpu", |c| c.nodes.free_cpu[0] -= 1),
            ("free memory", |c| c.nodes.free_memory[0] += 1),
            ("non-zero cpu", |c| c.nodes.nonzero_cpu[0] += 1),
            ("non-zero memory", |c| c.nodes.nonzero_memory[0] -= 1),
            ("node used", |c| c.nodes.used[0].0[CPU] += 1),
            ("alloc copy", |c| c.nodes.alloc_cpu[0] += 1),
            ("requested total", |c| c.requested_total.0[CPU] += 1),
            ("used total", |c| c.used_total.0[CPU] -= 1),
            ("allocatable total", |c| c.allocatable_total.0[MEMORY] += 1),
            ("nodes ready", |c| c.nodes_ready += 1),
            ("nodes in use", |c| c.nodes_in_use -= 1),
            ("node pod list", |c| c.nodes.pods[0].clear()),
            ("node host ports", |c| {
                c.nodes.host_ports[0].push(selectors::HostPort {
                    protocol: "TCP".into(),
                    host_ip: String::new(),
                    port: 80,
                })
            }),
            ("Running pod on a node that is down", |c| {
                c.nodes.up[0] = false;
                c.nodes.ready[0] = false;
                c.nodes_up -= 1;
                c.nodes_ready -= 1;
                c.allocatable_total -= c.nodes.allocatable[0];
            }),
            ("node up but not Ready", |c| {
                c.nodes.ready[0] = false;
                c.nodes_ready -= 1;
                c.allocatable_total -= c.nodes.allocatable[0];
            }),
            ("nodes up", |c| c.nodes_up += 1),
            ("over-commit", |c| {
                c.pods[0].requests.0[CPU] = 5000;
                c.nodes.requested[0].0[CPU] = 5000;
            }),
        ];
        for (what, corrupt) in corruptions {
            let mut c = small();
            corrupt(&mut c);
            assert!(c.check_invariants().is_err(), "{what} was not caught");
        }
    }
}
