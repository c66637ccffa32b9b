//! The validated, typed scenario the simulation runs.

use crate::cluster::node::NodeSpec;
use crate::cluster::pod::PodTemplate;
use crate::cluster::resources::{ResourceNames, Resources};
use crate::engine::dist::Distribution;
use crate::engine::time::Nanos;

/// A scenario ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// `metadata.name`.
    pub name: String,
    /// SHA-256 of the scenario file's bytes, hex.
    pub file_sha256: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Seed of the scheduler's decisions, when set apart from `seed`.
    pub scheduler_seed: Option<u64>,
    /// Scheduler profiles, queue and cycle settings.
    pub scheduler: crate::scheduler::config::SchedulerConfig,
    /// End of the run; `None` runs until no events remain.
    pub duration: Option<Nanos>,
    /// `timeseries.csv` interval.
    pub interval: Nanos,
    /// Summary figures cover `[warmup, end]`.
    pub warmup: Nanos,
    /// Resource slots.
    pub resources: ResourceNames,
    /// Zone names (the empty name stands for nodes without a zone).
    pub zones: Vec<String>,
    /// Node pools.
    pub pools: Vec<Pool>,
    /// Every node, in the order they join the cluster (pools by `addedAt`, then as
    /// listed), so that a node's index is its `NodeId`.
    pub nodes: Vec<NodeSpec>,
    /// Pod templates, one per workload.
    pub templates: Vec<PodTemplate>,
    /// Deployments and Jobs.
    pub workloads: Vec<Workload>,
    /// Notes for the user (fields accepted but not modelled), one per field.
    pub warnings: Vec<String>,
    /// Scheduled events, in the order the scenario lists them.
    pub actions: Vec<TimedAction>,
    /// The node lifecycle controller's settings.
    pub node_lifecycle: NodeLifecycleConfig,
    /// Pod versions brought by `rollout` events: version `v ≥ 1` of a Deployment is
    /// `versions[v − 1]` (version 0 is the Deployment's own workload entry).
    pub versions: Vec<Workload>,
    /// PodDisruptionBudgets.
    pub pdbs: Vec<Pdb>,
    /// ResourceQuotas, in the order the scenario lists them.
    pub quotas: Vec<Quota>,
    /// Per template: the pod's limits (`resourcehelper.PodLimits`), for quotas on
    /// `limits.*`.
    pub pod_limits: Vec<crate::cluster::resources::Resources>,
    /// Services, in the order the scenario lists them.
    pub services: Vec<crate::traffic::service::ServiceSpec>,
    /// HorizontalPodAutoscalers, in the order the scenario lists them.
    pub hpas: Vec<crate::autoscaling::spec::HpaSpec>,
    /// The HPA controller's flags.
    pub hpa_config: crate::autoscaling::spec::HpaConfig,
    /// The cluster autoscaler's flags; `None`: no cluster autoscaler runs.
    pub cluster_autoscaler: Option<crate::autoscaling::spec::CaConfig>,
    /// How node time is billed.
    pub billing: crate::autoscaling::spec::Billing,
    /// Service-level objectives.
    pub slos: crate::autoscaling::spec::Slos,
}

/// kube-controller-manager's node lifecycle flags (v1.35 defaults in `Default`).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeLifecycleConfig {
    /// `--node-monitor-grace-period`: silence after which a node turns Ready=Unknown.
    pub grace_period: Nanos,
    /// `--node-monitor-period`: how often the controller looks at nodes.
    pub monitor_period: Nanos,
    /// `--node-eviction-rate`: NoExecute taints per second per healthy zone.
    pub eviction_rate: f64,
    /// `--secondary-node-eviction-rate`: the rate in an unhealthy large zone.
    pub secondary_eviction_rate: f64,
    /// `--unhealthy-zone-threshold`: fraction of not-Ready nodes that makes a zone unhealthy.
    pub unhealthy_zone_threshold: f64,
    /// `--large-cluster-size-threshold`: zones above this many nodes keep tainting when
    /// unhealthy (at the secondary rate).
    pub large_cluster_size_threshold: u32,
}

impl Default for NodeLifecycleConfig {
    fn default() -> Self {
        use crate::engine::time::NANOS_PER_SEC;
        NodeLifecycleConfig {
            grace_period: 50 * NANOS_PER_SEC,
            monitor_period: 5 * NANOS_PER_SEC,
            eviction_rate: 0.1,
            secondary_eviction_rate: 0.01,
            unhealthy_zone_threshold: 0.55,
            large_cluster_size_threshold: 50,
        }
    }
}

pub use crate::cluster::disruption::{Budget, IntOrPercent, Pdb};
pub use crate::cluster::quota::{Hard, Quota, QuotaResource};

/// One entry of the scenario's `events:`.
#[derive(Clone, Debug)]
pub struct TimedAction {
    /// When it happens.
    pub at: Nanos,
    /// What happens.
    pub action: Action,
}

/// What a scheduled event does.
#[derive(Clone, Debug)]
pub enum Action {
    /// Cordon nodes.
    Cordon(NodeTargets),
    /// Uncordon nodes.
    Uncordon(NodeTargets),
    /// Nodes fail; with `repair_after` they come back that long after.
    NodeFailure {
        /// The nodes.
        targets: NodeTargets,
        /// Time to repair; `None`: the pool's `timeToRepair`, or never.
        repair_after: Option<Nanos>,
    },
    /// Every node of a zone fails, and is repaired `duration` later.
    ZoneOutage {
        /// Zone index (as in `Scenario::zones`).
        zone: u16,
        /// How long the outage lasts.
        duration: Nanos,
    },
    /// Change a Deployment's pod template to a version.
    Rollout {
        /// The Deployment.
        deployment: crate::cluster::ids::WorkloadId,
        /// The version (see [`Scenario::versions`]).
        version: u32,
    },
    /// Roll a Deployment back.
    Rollback {
        /// The Deployment.
        deployment: crate::cluster::ids::WorkloadId,
        /// The revision to return to; `None` for the previous one.
        to_revision: Option<u32>,
    },
    /// Set a Deployment's `replicas`.
    Scale {
        /// The Deployment.
        deployment: crate::cluster::ids::WorkloadId,
        /// The new count.
        replicas: u32,
    },
    /// Drain nodes.
    Drain(Drain),
}

/// A drain: cordon, then evict every pod through the disruption budgets.
#[derive(Clone, Debug)]
pub struct Drain {
    /// The nodes.
    pub targets: NodeTargets,
    /// Uncordon each node this long after it is drained.
    pub uncordon_after: Option<Nanos>,
    /// One node after another, in node order.
    pub one_at_a_time: bool,
}

/// The nodes an event acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeTargets {
    /// These nodes.
    Nodes(Vec<crate::cluster::ids::NodeId>),
    /// Nodes of a pool: all of them, or `count` picked at random when the event happens
    /// (from the event's own stream, among the nodes it can act on).
    Pool {
        /// The pool.
        pool: crate::cluster::ids::PoolId,
        /// How many; `None` for all.
        count: Option<u32>,
    },
}

/// A node pool.
#[derive(Clone, Debug)]
pub struct Pool {
    /// Name.
    pub name: String,
    /// Price of one node per hour.
    pub price_per_hour: Option<f64>,
    /// When its nodes join the cluster.
    pub added_at: Nanos,
    /// Its nodes: `Scenario::nodes[first_node..first_node + count]`.
    pub first_node: usize,
    /// How many nodes it has.
    pub count: usize,
    /// Random failures of its nodes, if any.
    pub failures: Option<PoolFailures>,
    /// As a node group of the cluster autoscaler: its bounds and provisioning delay.
    pub autoscaling: Option<crate::autoscaling::spec::NodeGroup>,
    /// Zone indices its nodes are spread over, round robin (empty: no zone).
    pub zones: Vec<u16>,
    /// What its nodes share: all but the name, the zone and their labels.
    pub template: NodeSpec,
}

impl Pool {
    /// The pool's node number `k` (`<pool>-<k>`): the initial nodes are `0..count`, the
    /// cluster autoscaler's go on from there. `zone_names` are the scenario's zones.
    pub fn node_spec(&self, k: u64, zone_names: &[String]) -> NodeSpec {
        let mut spec = self.template.clone();
        spec.name = format!("{}-{k}", self.name);
        let mut extra = vec![("kubernetes.io/hostname".to_string(), spec.name.clone())];
        if !self.zones.is_empty() {
            let z = self.zones[(k % self.zones.len() as u64) as usize];
            spec.zone = z;
            extra.push((
                "topology.kubernetes.io/zone".to_string(),
                zone_names[usize::from(z)].clone(),
            ));
        }
        spec.labels.extend(extra);
        spec.labels.sort();
        spec
    }
}

/// How a pool's nodes fail and come back: each node alternates between up periods drawn
/// from `time_to_failure` and down periods drawn from `time_to_repair` (seconds).
#[derive(Clone, Debug)]
pub struct PoolFailures {
    /// Up time before a failure.
    pub time_to_failure: Distribution,
    /// Down time before the repair.
    pub time_to_repair: Distribution,
}

/// What kind of workload, with its kind's settings.
#[derive(Clone, Debug)]
pub enum WorkloadKind {
    /// Long-running pods kept at `replicas`.
    Deployment {
        /// Desired pods.
        replicas: u32,
        /// Strategy, availability and history settings.
        rollout: RolloutSpec,
    },
    /// Pods that run to completion, as one Job or a stream of Jobs.
    Job {
        /// Successful pods a Job needs; `None` makes it a work queue: `parallelism` pods,
        /// and the Job is done once one has succeeded and none is left running.
        completions: Option<u32>,
        /// Pods a Job runs at once.
        parallelism: u32,
        /// Failed pods tolerated before a Job fails.
        backoff_limit: u32,
        /// `None`: a single Job at time 0.
        arrivals: Option<Arrivals>,
        /// `simulation.checkpointInterval`: a pod saves its progress after every interval
        /// of running time; `None` loses all of it when the pod stops.
        checkpoint: Option<Nanos>,
    },
}

/// How a Deployment replaces the pods of an old template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// A few pods at a time, within `maxSurge` extra and `maxUnavailable` missing pods.
    RollingUpdate {
        /// `maxSurge`.
        max_surge: crate::controllers::rollout::IntOrPercent,
        /// `maxUnavailable`.
        max_unavailable: crate::controllers::rollout::IntOrPercent,
    },
    /// Every old pod is gone before any new one is created.
    Recreate,
}

/// A Deployment's rollout settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RolloutSpec {
    /// `strategy`.
    pub strategy: Strategy,
    /// `minReadySeconds`.
    pub min_ready: Nanos,
    /// `revisionHistoryLimit`.
    pub revision_history_limit: u32,
    /// `progressDeadlineSeconds`.
    pub progress_deadline: Nanos,
    /// `simulation.rollbackOnProgressDeadline`.
    pub rollback_on_deadline: bool,
}

/// How Jobs of a stream arrive.
#[derive(Clone, Debug)]
pub enum ArrivalProcess {
    /// Exponential inter-arrival times at `rate` per second, from `start`.
    Poisson {
        /// Jobs per second.
        rate: f64,
        /// First possible arrival.
        start: Nanos,
    },
    /// Given times, sorted.
    Times(Vec<Nanos>),
}

/// A job stream's arrivals.
#[derive(Clone, Debug)]
pub struct Arrivals {
    /// The process.
    pub process: ArrivalProcess,
    /// At most this many Jobs.
    pub limit: Option<u64>,
}

/// How a workload's pods get their requests.
#[derive(Clone, Debug)]
pub enum RequestModel {
    /// From the template: the same for every pod.
    Fixed {
        /// Effective pod request.
        requests: Resources,
        /// Cpu and memory with the scheduler's non-zero defaults.
        nonzero: [i64; 2],
    },
    /// Drawn per Job: each listed slot from its distribution (cpu in cores, others in base
    /// units) plus the pod overhead; unlisted slots from `base`.
    PerResource {
        /// Template requests for unlisted slots.
        base: Resources,
        /// Non-zero cpu/memory of the template.
        base_nonzero: [i64; 2],
        /// Drawn slots.
        draws: Vec<(usize, Distribution)>,
        /// The template's pod overhead, added to drawn slots.
        overhead: Resources,
    },
    /// One of several vectors, by weight, per Job.
    Choice {
        /// The vectors (overhead included) with their non-zero cpu and memory.
        options: Vec<(Resources, [i64; 2])>,
        /// Index distribution over `options`.
        pick: Distribution,
    },
}

/// A Deployment or a Job entry.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Name.
    pub name: String,
    /// Kind and its settings.
    pub kind: WorkloadKind,
    /// Template index.
    pub template: u32,
    /// Requests.
    pub requests: RequestModel,
    /// Usage fraction per slot (unlisted slots use all of their request).
    pub usage: Vec<(usize, Distribution)>,
    /// Bound → Running delay.
    pub startup_delay: Distribution,
    /// Run time of a Job's pods.
    pub run_time: Option<Distribution>,
    /// When its containers crash; `None` never.
    pub crash: Option<CrashModel>,
    /// From a container start to the pod's Ready (the largest `readinessProbe`
    /// `initialDelaySeconds` of its containers; 0 without probes).
    pub ready_delay: Nanos,
    /// `simulation.serving`: how its pods serve requests.
    pub serving: crate::traffic::service::Serving,
    /// `simulation.cpuLoad`: the CPU its pods share over time (Deployments only).
    pub cpu_load: Option<crate::autoscaling::spec::CpuLoad>,
}

/// `simulation.crash`: when a started container crashes. Each container start draws
/// once, in this order: whether it crashes early (with `probability`, `after` that long),
/// and if not, after `time_to_crash`.
#[derive(Clone, Debug)]
pub struct CrashModel {
    /// Chance that a start crashes early, with the delay of that crash (seconds).
    pub early: Option<(f64, Distribution)>,
    /// Running time before a crash, seconds (drawn when there is no early crash).
    pub time_to_crash: Option<Distribution>,
}

impl Scenario {
    /// The seed of the scheduler's stream: its own if the scenario sets one, else `seed`.
    pub fn effective_scheduler_seed(&self) -> u64 {
        self.scheduler_seed.unwrap_or(self.seed)
    }

    /// The pods of version `version` of workload `w` (0: the workload's own).
    pub fn version(&self, w: crate::cluster::ids::WorkloadId, version: u32) -> &Workload {
        match version.checked_sub(1) {
            Some(v) => &self.versions[v as usize],
            None => &self.workloads[w.index()],
        }
    }

    /// What pods of workload `w` made from pod template `template` are: the workload
    /// itself, or the version of it (brought by a `rollout`) that has that template.
    pub fn spec_of(&self, w: crate::cluster::ids::WorkloadId, template: u32) -> &Workload {
        let own = &self.workloads[w.index()];
        if own.template == template {
            return own;
        }
        self.versions
            .iter()
            .find(|v| v.template == template)
            .unwrap_or(own)
    }
}
