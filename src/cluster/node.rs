//! The node table, kept as parallel arrays indexed by [`NodeId`] so that the scheduler's
//! per-node loop reads contiguous integers (DESIGN §9).

use super::exact_div::ExactDivisor;
use super::ids::{NodeId, PoolId};
use super::resources::{CPU, MEMORY, Resources};
use super::taints::Taint;

/// Everything needed to add one node.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    /// Unique node name (`<pool>-<n>`), also its `kubernetes.io/hostname` label.
    pub name: String,
    /// The pool it belongs to.
    pub pool: PoolId,
    /// Index into the scenario's zone list.
    pub zone: u16,
    /// Total resources of the machine.
    pub capacity: Resources,
    /// Capacity minus what the system reserves: what pods may request.
    pub allocatable: Resources,
    /// Most pods the node accepts (its `pods` allocatable).
    pub max_pods: u32,
    /// All labels, well-known ones included, sorted by key.
    pub labels: Vec<(String, String)>,
    /// Taints, in the order the scenario lists them.
    pub taints: Vec<Taint>,
}

/// All nodes of the cluster.
#[derive(Clone, Debug, Default)]
pub struct NodeTable {
    /// Node names.
    pub name: Vec<String>,
    /// Pool of each node.
    pub pool: Vec<PoolId>,
    /// Zone index of each node.
    pub zone: Vec<u16>,
    /// Machine capacity.
    pub capacity: Vec<Resources>,
    /// Allocatable resources (what the scheduler and the kubelet's admission use).
    pub allocatable: Vec<Resources>,
    /// Sum of the requests of the pods bound to each node.
    pub requested: Vec<Resources>,
    /// Requested cpu (millicores) with Kubernetes' non-zero defaults, for scoring.
    pub nonzero_cpu: Vec<i64>,
    /// Requested memory (bytes) with Kubernetes' non-zero defaults, for scoring.
    pub nonzero_memory: Vec<i64>,
    /// Allocatable cpu, contiguous for the scoring loop.
    pub alloc_cpu: Vec<i64>,
    /// Allocatable memory, contiguous for the scoring loop.
    pub alloc_memory: Vec<i64>,
    /// Free allocatable cpu (allocatable − requested), contiguous for the filter loop.
    pub free_cpu: Vec<i64>,
    /// Free allocatable memory, contiguous for the filter loop.
    pub free_memory: Vec<i64>,
    /// Allocatable cpu prepared as a divisor.
    pub div_cpu: Vec<ExactDivisor>,
    /// Allocatable memory prepared as a divisor.
    pub div_memory: Vec<ExactDivisor>,
    /// Sum of the usage of the running pods on each node.
    pub used: Vec<Resources>,
    /// Pod capacity.
    pub max_pods: Vec<u32>,
    /// Pods bound to each node.
    pub pod_count: Vec<u32>,
    /// Whether the node is Ready and accepts pods.
    pub ready: Vec<bool>,
    /// Whether the machine is up (its kubelet runs). A node that fails stays Ready until
    /// the node lifecycle controller notices the silence.
    pub up: Vec<bool>,
    /// Whether the node was deleted (by the cluster autoscaler): it never comes back.
    pub removed: Vec<bool>,
    /// Labels, sorted by key.
    pub labels: Vec<Vec<(String, String)>>,
    /// Taints.
    pub taints: Vec<Vec<Taint>>,
    /// Whether any node has a taint (lets the scheduler skip the taint filter).
    pub any_taints: bool,
    /// Bumped whenever a node's taints change after it joined, or a node is deleted, so
    /// that what plugins derive from taints and the node set (topology spread's domains
    /// and `nodeTaintsPolicy: Honor`) is redone.
    pub taints_epoch: u64,
    /// Cordoned (`spec.unschedulable`).
    pub unschedulable: Vec<bool>,
    /// How many nodes are cordoned (lets the scheduler skip NodeUnschedulable).
    pub cordoned: u32,
    /// Host ports held by the pods bound to each node.
    pub host_ports: Vec<Vec<super::selectors::HostPort>>,
    /// Pods bound to each node (Bound or Running), in no particular order.
    pub pods: Vec<Vec<super::ids::PodId>>,
    /// Pending pods nominated to each node by a preemption (`nominatedNodeName`).
    pub nominated: Vec<Vec<super::ids::PodId>>,
    /// How many pods are nominated anywhere (lets the filter skip the check).
    pub nominated_total: u32,
    /// Nodes whose requests changed, oldest first: score caches replay this log to update
    /// only those nodes. Entry `k` has sequence number `changes_base + k`.
    pub changes: Vec<u32>,
    /// Sequence number of the first entry of `changes`; older entries were dropped.
    pub changes_base: u64,
}

impl NodeTable {
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.name.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.name.is_empty()
    }

    /// Adds a Ready, empty node.
    pub fn add(&mut self, spec: NodeSpec) -> NodeId {
        let id = NodeId(self.name.len() as u32);
        self.name.push(spec.name);
        self.pool.push(spec.pool);
        self.zone.push(spec.zone);
        self.capacity.push(spec.capacity);
        self.allocatable.push(spec.allocatable);
        self.requested.push(Resources::ZERO);
        self.nonzero_cpu.push(0);
        self.nonzero_memory.push(0);
        self.alloc_cpu.push(spec.allocatable.0[CPU]);
        self.alloc_memory.push(spec.allocatable.0[MEMORY]);
        self.free_cpu.push(spec.allocatable.0[CPU]);
        self.free_memory.push(spec.allocatable.0[MEMORY]);
        self.div_cpu
            .push(ExactDivisor::new(spec.allocatable.0[CPU].max(1) as u64));
        self.div_memory
            .push(ExactDivisor::new(spec.allocatable.0[MEMORY].max(1) as u64));
        self.used.push(Resources::ZERO);
        self.max_pods.push(spec.max_pods);
        self.pod_count.push(0);
        self.ready.push(true);
        self.up.push(true);
        self.removed.push(false);
        self.labels.push(spec.labels);
        self.any_taints |= !spec.taints.is_empty();
        self.taints.push(spec.taints);
        self.unschedulable.push(false);
        self.host_ports.push(Vec::new());
        self.pods.push(Vec::new());
        self.nominated.push(Vec::new());
        id
    }

    /// All node ids, in table order.
    pub fn ids(&self) -> impl Iterator<Item = NodeId> + use<> {
        (0..self.name.len() as u32).map(NodeId)
    }

    /// The value of label `key` on node `n`.
    pub fn label(&self, n: NodeId, key: &str) -> Option<&str> {
        let labels = &self.labels[n.index()];
        labels
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| labels[i].1.as_str())
    }

    /// Free allocatable resources of node `n`.
    #[inline]
    pub fn free(&self, n: NodeId) -> Resources {
        let mut f = self.allocatable[n.index()];
        f -= self.requested[n.index()];
        f
    }

    /// Sequence number one past the newest entry of `changes`.
    pub fn changes_end(&self) -> u64 {
        self.changes_base + self.changes.len() as u64
    }

    fn log_change(&mut self, i: usize) {
        // Bounded: past a few entries per node a full rescore is as cheap as a replay, so
        // the log is dropped and caches that fall behind `changes_base` rescore everything.
        if self.changes.len() >= 4 * self.name.len().max(64) {
            self.changes_base += self.changes.len() as u64;
            self.changes.clear();
        }
        self.changes.push(i as u32);
    }

    /// Adds `taint` to node `n`.
    pub fn add_taint(&mut self, n: NodeId, taint: Taint) {
        self.taints[n.index()].push(taint);
        self.any_taints = true;
        self.taints_epoch += 1;
    }

    /// Removes node `n`'s taints for which `drop` holds.
    pub fn remove_taints(&mut self, n: NodeId, drop: impl Fn(&Taint) -> bool) {
        self.taints[n.index()].retain(|t| !drop(t));
        self.taints_epoch += 1;
    }

    /// Cordons (`true`) or uncordons node `n`; returns whether that changed it.
    pub fn set_unschedulable(&mut self, n: NodeId, on: bool) -> bool {
        let i = n.index();
        if self.unschedulable[i] == on {
            return false;
        }
        self.unschedulable[i] = on;
        if on {
            self.cordoned += 1;
        } else {
            self.cordoned -= 1;
        }
        true
    }

    /// Accounts a pod's requests to node `n`.
    pub fn add_pod(&mut self, n: NodeId, requests: &Resources, nonzero: [i64; 2]) {
        let i = n.index();
        self.log_change(i);
        self.requested[i] += *requests;
        self.nonzero_cpu[i] += nonzero[0];
        self.nonzero_memory[i] += nonzero[1];
        self.free_cpu[i] -= requests.0[CPU];
        self.free_memory[i] -= requests.0[MEMORY];
        self.pod_count[i] += 1;
    }

    /// Releases a pod's requests from node `n`.
    pub fn remove_pod(&mut self, n: NodeId, requests: &Resources, nonzero: [i64; 2]) {
        let i = n.index();
        self.log_change(i);
        self.requested[i] -= *requests;
        self.nonzero_cpu[i] -= nonzero[0];
        self.nonzero_memory[i] -= nonzero[1];
        self.free_cpu[i] += requests.0[CPU];
        self.free_memory[i] += requests.0[MEMORY];
        self.pod_count[i] -= 1;
    }

    /// What node `n` lacks for a pod with `requests`, in the order Kubernetes checks (pod
    /// count, then each resource); empty if the pod fits. The kubelet reports the first,
    /// the scheduler's message all of them.
    pub fn shortfalls<'a>(
        &'a self,
        n: NodeId,
        requests: &'a Resources,
    ) -> impl Iterator<Item = Lack> + 'a {
        self.shortfalls_reserved(n, requests, Resources::ZERO, 0)
    }

    /// [`NodeTable::shortfalls`] with `reserved` resources and `reserved_pods` pod slots
    /// of node `n` held back (for pods nominated to it).
    pub fn shortfalls_reserved<'a>(
        &'a self,
        n: NodeId,
        requests: &'a Resources,
        reserved: Resources,
        reserved_pods: u32,
    ) -> impl Iterator<Item = Lack> + 'a {
        let i = n.index();
        let mut free = self.free(n);
        free -= reserved;
        let pods = (self.pod_count[i] + reserved_pods >= self.max_pods[i]).then_some(Lack::Pods);
        pods.into_iter().chain(
            (0..requests.0.len())
                .filter(move |&r| requests.0[r] > 0 && requests.0[r] > free.0[r])
                .map(Lack::Resource),
        )
    }
}

/// Something a node has too little of for a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lack {
    /// Its pod capacity is used up.
    Pods,
    /// This resource slot.
    Resource(usize),
}
