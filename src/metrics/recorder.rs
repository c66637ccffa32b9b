//! The recorder: streams `events.csv` and `timeseries.csv` rows as the run goes, and keeps
//! the running figures the summary needs (DESIGN §5, §9).

use super::format::{format_seconds, milli, ratio, write_fixed_point};
use super::stats::DurationStats;
use super::stranded::Stranded;
use crate::cluster::ClusterState;
use crate::cluster::ids::{PodId, WorkloadId};
use crate::cluster::pod::PodPhase;
use crate::cluster::resources::{CPU, MAX_RESOURCES, MEMORY, ResourceNames};
use crate::engine::time::Nanos;
use std::io::{self, Write};

/// A resource amount in its output unit: cores for cpu (from millicores), else base units.
pub fn amount(slot: usize, v: i64) -> String {
    if slot == CPU { milli(v) } else { v.to_string() }
}

/// The unit suffix of a resource's columns.
pub fn unit_suffix(slot: usize, names: &ResourceNames) -> &'static str {
    match names.name(slot) {
        "cpu" => "_cores",
        "memory" | "ephemeral-storage" => "_bytes",
        _ => "",
    }
}

/// Counters of the current `timeseries.csv` interval.
#[derive(Debug, Default)]
struct Interval {
    created: u64,
    scheduled: u64,
    started: u64,
    completed: u64,
    failed: u64,
    jobs_arrived: u64,
    jobs_completed: u64,
    jobs_failed: u64,
    pending: Vec<Nanos>,
}

/// Per-workload totals for the summary.
#[derive(Clone, Debug, Default)]
pub struct WorkloadTotals {
    /// Pods created.
    pub pods_created: u64,
    /// Pods that succeeded.
    pub pods_succeeded: u64,
    /// Pods that failed.
    pub pods_failed: u64,
    /// Jobs created.
    pub jobs_created: u64,
    /// Jobs completed.
    pub jobs_completed: u64,
    /// Container restarts of its pods.
    pub restarts: u64,
    /// Work its Job pods lost: Σ cpu request × running time lost, millicore-nanoseconds.
    pub lost_work: u128,
}

/// Time integrals over the measured window, for time-averaged figures.
#[derive(Debug, Default)]
pub struct Integrals {
    /// ∫ requested dt per slot (base units · ns).
    pub requested: [i128; MAX_RESOURCES],
    /// ∫ used dt per slot.
    pub used: [i128; MAX_RESOURCES],
    /// ∫ allocatable dt per slot.
    pub allocatable: [i128; MAX_RESOURCES],
    /// ∫ nodes in use dt.
    pub nodes_in_use: i128,
    /// ∫ pending pods dt.
    pub pending: i128,
    /// ∫ nodes up dt.
    pub nodes_up: i128,
    /// ∫ nodes in the cluster dt.
    pub nodes: i128,
    /// Length of the window integrated so far, ns.
    pub span: i128,
}

/// One Deployment's figures: its last status and the time its availability held.
#[derive(Clone, Debug, Default)]
pub struct DeploymentFigures {
    /// Name.
    pub name: String,
    /// The status after the last event.
    pub status: crate::controllers::deployment::Status,
    /// Time in `[warmup, end]` with `serving ≥ desired`, ns.
    pub all_available: i128,
    /// ∫ min(serving, desired) dt over `[warmup, end]`, pod·ns.
    pub serving_area: i128,
    /// ∫ desired dt over `[warmup, end]`, pod·ns.
    pub desired_area: i128,
    /// Time in `[warmup, end]` with `serving ≥ desired − maxUnavailable`, ns.
    pub min_available: i128,
}

/// Records a run's metrics.
pub struct Recorder {
    events: csv::Writer<Box<dyn Write>>,
    timeseries: csv::Writer<Box<dyn Write>>,
    interval: Nanos,
    next_sample: Nanos,
    warmup: Nanos,
    current: Interval,
    last_t: Nanos,
    /// Integrals over `[warmup, end]`.
    pub integrals: Integrals,
    /// Pending times of pods created at or after warmup that got bound.
    pub pending_times: Vec<Nanos>,
    /// Created → completed times of Jobs created at or after warmup.
    pub job_turnaround: Vec<Nanos>,
    /// Per workload.
    pub workloads: Vec<WorkloadTotals>,
    /// Pods bound over the run.
    pub pods_scheduled: u64,
    /// Pods found unschedulable at least once.
    pub pods_unschedulable: u64,
    /// Pods evicted by preemption.
    pub pods_preempted: u64,
    /// Node machines that failed.
    pub node_failures: u64,
    /// Pods deleted by the taint manager.
    pub pods_evicted_by_taint: u64,
    /// Pods evicted by drains.
    pub pods_evicted: u64,
    /// Evictions a disruption budget refused (each retry counts).
    pub evictions_blocked: u64,
    /// Preemption victims whose budget did not allow their loss.
    pub preemption_pdb_violations: u64,
    /// Creations refused by a ResourceQuota, by namespace.
    pub quota_rejections: std::collections::BTreeMap<String, u64>,
    /// How long each node drain took.
    pub drain_times: Vec<Nanos>,
    /// Recovery after node failures.
    pub recovery: super::recovery::Recovery,
    /// Jobs created / completed / failed over the run.
    pub jobs: [u64; 3],
    /// Most nodes in use at once.
    pub peak_nodes_in_use: u32,
    /// Stranded capacity, measured at every sample.
    pub stranded: Stranded,
    /// Per Deployment, in scenario order.
    pub deployments: Vec<DeploymentFigures>,
    /// Rollouts started after a Deployment's creation (rollbacks included).
    pub rollouts: u64,
    /// Rollbacks done.
    pub rollbacks: u64,
    /// Every machine billed, for the cost figures.
    pub ledger: crate::autoscaling::cost::Ledger,
    deployments_csv: Option<csv::Writer<Box<dyn Write>>>,
    buf: String,
    time_buf: String,
}

impl Recorder {
    /// A recorder writing events and time series to the given sinks (`io::sink()` when a
    /// caller wants figures only).
    pub fn new(
        events: Box<dyn Write>,
        timeseries: Box<dyn Write>,
        interval: Nanos,
        warmup: Nanos,
        workloads: usize,
        names: &ResourceNames,
    ) -> io::Result<Recorder> {
        let mut events = csv::Writer::from_writer(events);
        events.write_record(["time_s", "event", "object", "node", "detail"])?;
        let mut timeseries = csv::Writer::from_writer(timeseries);
        let mut header: Vec<String> = [
            "time_s",
            "nodes_ready",
            "nodes_in_use",
            "pods_pending",
            "pods_bound",
            "pods_running",
            "pods_succeeded",
            "pods_failed",
            "pods_deleted",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for r in 0..names.len() {
            let (c, u) = (names.column_name(r), unit_suffix(r, names));
            header.push(format!("{c}_allocatable{u}"));
            header.push(format!("{c}_requested{u}"));
            header.push(format!("{c}_used{u}"));
            header.push(format!("{c}_allocation"));
            header.push(format!("{c}_utilization"));
        }
        for h in [
            "created",
            "scheduled",
            "started",
            "completed",
            "failed",
            "jobs_arrived",
            "jobs_completed",
            "jobs_failed",
            "pending_mean_s",
            "pending_p50_s",
            "pending_p99_s",
            "pending_max_s",
            "stranded_cpu_cores",
            "stranded_memory_bytes",
            "nodes_up",
        ] {
            header.push(h.to_string());
        }
        timeseries.write_record(&header)?;
        Ok(Recorder {
            events,
            timeseries,
            interval,
            next_sample: 0,
            warmup,
            current: Interval::default(),
            last_t: 0,
            integrals: Integrals::default(),
            pending_times: Vec::new(),
            job_turnaround: Vec::new(),
            workloads: vec![WorkloadTotals::default(); workloads],
            pods_scheduled: 0,
            pods_unschedulable: 0,
            pods_preempted: 0,
            node_failures: 0,
            pods_evicted_by_taint: 0,
            pods_evicted: 0,
            evictions_blocked: 0,
            preemption_pdb_violations: 0,
            quota_rejections: Default::default(),
            drain_times: Vec::new(),
            recovery: Default::default(),
            jobs: [0; 3],
            peak_nodes_in_use: 0,
            stranded: Stranded::default(),
            deployments: Vec::new(),
            rollouts: 0,
            rollbacks: 0,
            ledger: Default::default(),
            deployments_csv: None,
            buf: String::new(),
            time_buf: String::new(),
        })
    }

    /// Brings the time series and the integrals up to `t`, the time of the next event:
    /// writes every row due before it (each row is the state after all events at or before
    /// its time) and integrates the state over `[last, t)`.
    pub fn advance(&mut self, cluster: &ClusterState, t: Nanos) -> io::Result<()> {
        while self.next_sample < t {
            self.integrate(cluster, self.next_sample);
            self.sample(cluster, self.next_sample)?;
            self.next_sample = self.next_sample.saturating_add(self.interval);
        }
        self.integrate(cluster, t);
        Ok(())
    }

    /// Whether a `timeseries.csv` row is due before `t`.
    pub fn sample_due(&self, t: Nanos) -> bool {
        self.next_sample < t
    }

    /// Ends the run at `end`: the remaining rows, the last one at `end` itself.
    pub fn finish(&mut self, cluster: &ClusterState, end: Nanos) -> io::Result<()> {
        self.advance(cluster, end)?;
        self.sample(cluster, end)?;
        self.events.flush()?;
        if let Some(w) = &mut self.deployments_csv {
            w.flush()?;
        }
        self.timeseries.flush()
    }

    /// Streams `deployments.csv` to `out`, from the next row on (call before the run).
    pub fn write_deployments_to(&mut self, out: Box<dyn Write>) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "time_s",
            "deployment",
            "desired",
            "current",
            "ready",
            "available",
            "updated",
            "unavailable",
        ])?;
        self.deployments_csv = Some(w);
        Ok(())
    }

    /// Registers a Deployment; returns its row for [`Recorder::deployment_status`].
    pub fn add_deployment(&mut self, name: &str) -> usize {
        self.deployments.push(DeploymentFigures {
            name: name.to_string(),
            ..DeploymentFigures::default()
        });
        self.deployments.len() - 1
    }

    /// Deployment `row` has a new status.
    pub fn deployment_status(
        &mut self,
        row: usize,
        status: crate::controllers::deployment::Status,
    ) {
        self.deployments[row].status = status;
    }

    fn integrate(&mut self, cluster: &ClusterState, t: Nanos) {
        let from = self.last_t.max(self.warmup);
        if t > from {
            let dt = i128::from(t - from);
            let ig = &mut self.integrals;
            for r in 0..MAX_RESOURCES {
                ig.requested[r] += i128::from(cluster.requested_total.0[r]) * dt;
                ig.used[r] += i128::from(cluster.used_total.0[r]) * dt;
                ig.allocatable[r] += i128::from(cluster.allocatable_total.0[r]) * dt;
            }
            ig.nodes_in_use += i128::from(cluster.nodes_in_use) * dt;
            ig.pending += i128::from(cluster.count(PodPhase::Pending)) * dt;
            ig.nodes_up += i128::from(cluster.nodes_up) * dt;
            ig.nodes += cluster.nodes.len() as i128 * dt;
            ig.span += dt;
            for d in &mut self.deployments {
                let s = d.status;
                if s.serving >= s.desired {
                    d.all_available += dt;
                }
                d.serving_area += i128::from(s.serving.min(s.desired)) * dt;
                d.desired_area += i128::from(s.desired) * dt;
                if s.serving + s.max_unavailable >= s.desired {
                    d.min_available += dt;
                }
            }
        }
        self.last_t = self.last_t.max(t);
    }

    fn sample(&mut self, cluster: &ClusterState, t: Nanos) -> io::Result<()> {
        let mut row: Vec<String> = vec![
            format_seconds(t),
            cluster.nodes_ready.to_string(),
            cluster.nodes_in_use.to_string(),
        ];
        row.extend(PodPhase::ALL.iter().map(|&p| cluster.count(p).to_string()));
        for r in 0..cluster.resources.len() {
            let alloc = cluster.allocatable_total.0[r];
            let req = cluster.requested_total.0[r];
            let used = cluster.used_total.0[r];
            row.push(amount(r, alloc));
            row.push(amount(r, req));
            row.push(amount(r, used));
            let frac = |x: i64| (alloc > 0).then(|| x as f64 / alloc as f64);
            row.push(ratio(frac(req)));
            row.push(ratio(frac(used)));
        }
        let c = &mut self.current;
        for v in [
            c.created,
            c.scheduled,
            c.started,
            c.completed,
            c.failed,
            c.jobs_arrived,
            c.jobs_completed,
            c.jobs_failed,
        ] {
            row.push(v.to_string());
        }
        match DurationStats::of(&mut c.pending) {
            Some(s) => {
                row.push(ratio(Some(s.mean_s)));
                row.push(format_seconds(s.p50));
                row.push(format_seconds(s.p99));
                row.push(format_seconds(s.max));
            }
            None => row.extend(std::iter::repeat_n(String::new(), 4)),
        }
        let stranded = self.stranded.sample(cluster, t >= self.warmup);
        row.push(amount(CPU, stranded.cpu));
        row.push(amount(MEMORY, stranded.memory));
        row.push(cluster.nodes_up.to_string());
        self.current = Interval::default();
        self.timeseries.write_record(&row)?;
        if let Some(w) = &mut self.deployments_csv {
            let time = format_seconds(t);
            for d in &self.deployments {
                let s = d.status;
                w.write_record([
                    time.as_str(),
                    d.name.as_str(),
                    &s.desired.to_string(),
                    &s.current.to_string(),
                    &s.ready.to_string(),
                    &s.available.to_string(),
                    &s.updated.to_string(),
                    &s.unavailable.to_string(),
                ])?;
            }
        }
        Ok(())
    }

    fn write_event(
        &mut self,
        now: Nanos,
        event: &str,
        object: &str,
        node: &str,
        detail: &str,
    ) -> io::Result<()> {
        let mut t = std::mem::take(&mut self.time_buf);
        t.clear();
        write_fixed_point(&mut t, now, 9);
        let r = self
            .events
            .write_record([t.as_str(), event, object, node, detail])
            .map_err(io::Error::from);
        self.time_buf = t;
        r
    }

    /// A row of `events.csv` about a pod; `node` is the pod's node if it has one.
    pub fn pod_event(
        &mut self,
        now: Nanos,
        event: &str,
        cluster: &ClusterState,
        pod: PodId,
        detail: &str,
    ) -> io::Result<()> {
        let p = &cluster.pods[pod.index()];
        let mut name = std::mem::take(&mut self.buf);
        name.clear();
        cluster.write_pod_name(pod, &mut name);
        let node = p
            .node
            .map_or("", |n| cluster.nodes.name[n.index()].as_str());
        let r = self.write_event(now, event, &name, node, detail);
        self.buf = name;
        r
    }

    /// A row of `events.csv` about a workload object (a Deployment, a Job).
    pub fn object_event(
        &mut self,
        now: Nanos,
        event: &str,
        object: &str,
        detail: &str,
    ) -> io::Result<()> {
        self.write_event(now, event, object, "", detail)
    }

    /// A ResourceQuota of `namespace` refused a creation.
    pub fn quota_rejected(&mut self, namespace: &str) {
        match self.quota_rejections.get_mut(namespace) {
            Some(n) => *n += 1,
            None => {
                self.quota_rejections.insert(namespace.to_string(), 1);
            }
        }
    }

    /// A pod was created.
    pub fn pod_created(&mut self, w: WorkloadId) {
        self.current.created += 1;
        self.workloads[w.index()].pods_created += 1;
    }

    /// A pod was bound after waiting `pending` since it was created at `created`.
    pub fn pod_bound(&mut self, created: Nanos, pending: Nanos, nodes_in_use: u32) {
        self.current.scheduled += 1;
        self.pods_scheduled += 1;
        self.current.pending.push(pending);
        if created >= self.warmup {
            self.pending_times.push(pending);
        }
        self.peak_nodes_in_use = self.peak_nodes_in_use.max(nodes_in_use);
    }

    /// A pod's containers started.
    pub fn pod_started(&mut self) {
        self.current.started += 1;
    }

    /// A pod ended as Succeeded (`ok`) or Failed.
    pub fn pod_ended(&mut self, w: WorkloadId, ok: bool) {
        if ok {
            self.current.completed += 1;
            self.workloads[w.index()].pods_succeeded += 1;
        } else {
            self.current.failed += 1;
            self.workloads[w.index()].pods_failed += 1;
        }
    }

    /// A container of workload `w` restarted.
    pub fn container_restarted(&mut self, w: WorkloadId) {
        self.workloads[w.index()].restarts += 1;
    }

    /// A Job pod of workload `w` requesting `millicores` of cpu lost `lost` of running time.
    pub fn work_lost(&mut self, w: WorkloadId, millicores: i64, lost: Nanos) {
        let area = u128::from(millicores.unsigned_abs()) * u128::from(lost);
        self.workloads[w.index()].lost_work += area;
    }

    /// A Job was created.
    pub fn job_created(&mut self, w: WorkloadId) {
        self.current.jobs_arrived += 1;
        self.jobs[0] += 1;
        self.workloads[w.index()].jobs_created += 1;
    }

    /// A Job completed (`ok`) or failed, `turnaround` after it was created at `created`.
    pub fn job_ended(&mut self, w: WorkloadId, ok: bool, created: Nanos, turnaround: Nanos) {
        if ok {
            self.current.jobs_completed += 1;
            self.jobs[1] += 1;
            self.workloads[w.index()].jobs_completed += 1;
            if created >= self.warmup {
                self.job_turnaround.push(turnaround);
            }
        } else {
            self.current.jobs_failed += 1;
            self.jobs[2] += 1;
        }
    }
}
