//! One simulation: owns all state and runs the event loop (DESIGN §1).

use super::event::Event;
use super::queue::EventQueue;
use super::rng::StreamKey;
use super::time::Nanos;
use crate::autoscaling::cluster_autoscaler::{self, ClusterAutoscaler};
use crate::autoscaling::decisions::Decisions;
use crate::autoscaling::hpa::controller::HpaController;
use crate::autoscaling::metrics::MetricsServer;
use crate::cluster::ids::{NodeId, PodId, PoolId, WorkloadId};
use crate::cluster::pod::{PodPhase, PodReason};
use crate::cluster::quota::ObjectKind;
use crate::cluster::{ClusterState, OwnerKind};
use crate::controllers::deployment::Deployment;
use crate::controllers::drain::Drains;
use crate::controllers::job::JobController;
use crate::controllers::node_faults::{self, NodeFaults};
use crate::controllers::node_lifecycle::{self, NodeLifecycle};
use crate::controllers::{Ctx, Inbox, OwnerNotice, actions, crash, kubelet};
use crate::error::Error;
use crate::metrics::recorder::Recorder;
use crate::scenario::Scenario;
use crate::scenario::limits::{MAX_PODS, MAX_SAMPLES};
use crate::scenario::model::{Action, WorkloadKind};
use crate::scheduler::{Attempt, Scheduler};
use crate::traffic::Traffic;
use std::io::{self, Write};

/// The handles the cluster autoscaler borrows from the simulation, beside the context
/// (a macro, as a method would borrow the whole simulation).
macro_rules! autoscaler_parts {
    ($sim:ident) => {
        cluster_autoscaler::Parts {
            scheduler: &mut $sim.scheduler,
            drains: &mut $sim.drains,
            faults: &mut $sim.faults,
            lifecycle: &mut $sim.lifecycle,
            log: &mut $sim.decisions,
        }
    };
}

/// Receives progress while a run goes on (the CLI draws a bar with it).
pub trait Progress {
    /// Called every few thousand events with the current simulated time.
    fn update(&mut self, now: Nanos, end: Option<Nanos>, events: u64);
}

/// Events between two progress updates.
const PROGRESS_EVERY: u64 = 1 << 15;

/// What a finished run leaves behind.
pub struct Outcome {
    /// When the run ended.
    pub end: Nanos,
    /// Events processed.
    pub events: u64,
    /// Final cluster state.
    pub cluster: ClusterState,
    /// Metrics.
    pub recorder: Recorder,
    /// The Services' rows of `summary.csv`.
    pub traffic_summary: Vec<(String, String)>,
    /// The autoscalers' rows of `summary.csv`.
    pub autoscaling_summary: Vec<(String, String)>,
    /// External requests answered in the measured span (with Services).
    pub served_requests: Option<u64>,
}

/// A scenario being simulated.
pub struct Simulation<'s> {
    scenario: &'s Scenario,
    now: Nanos,
    queue: EventQueue,
    cluster: ClusterState,
    scheduler: Scheduler,
    deployments: Vec<Option<Deployment>>,
    jobs: JobController,
    faults: NodeFaults,
    lifecycle: NodeLifecycle,
    drains: Drains,
    /// Services and their requests; `None` without Services, so that runs without
    /// them pay nothing.
    traffic: Option<Traffic<'s>>,
    /// What metrics-server reports to the HPAs.
    metrics: MetricsServer,
    hpas: HpaController,
    /// `None` without a `clusterAutoscaler`.
    autoscaler: Option<ClusterAutoscaler>,
    /// `autoscaling.csv`.
    decisions: Decisions,
    rec: Recorder,
    inbox: Inbox,
    cycle_pending: bool,
    /// When a `SchedulerWake` is already queued.
    wake_at: Option<Nanos>,
    events: u64,
    check_every_event: bool,
    /// Whether an event since the recorder last integrated could have changed the
    /// cluster.
    cluster_changed: bool,
}

impl<'s> Simulation<'s> {
    /// Builds the cluster of `scenario` and schedules its workloads; events and time
    /// series stream to the two sinks.
    pub fn new(
        scenario: &'s Scenario,
        events: Box<dyn Write>,
        timeseries: Box<dyn Write>,
    ) -> io::Result<Simulation<'s>> {
        let mut cluster = ClusterState {
            resources: scenario.resources.clone(),
            zones: scenario.zones.clone(),
            templates: scenario.templates.clone(),
            pdbs: scenario.pdbs.clone(),
            quota_usage: crate::cluster::quota::QuotaUsage::new(scenario.quotas.len()),
            ..ClusterState::default()
        };
        let mut queue = EventQueue::new();
        for (i, pool) in scenario.pools.iter().enumerate() {
            if pool.added_at == 0 {
                add_pool(&mut cluster, scenario, i);
            } else {
                queue.push(
                    pool.added_at,
                    Event::PoolAdded {
                        pool: PoolId(i as u32),
                    },
                );
            }
        }
        let mut rec = Recorder::new(
            events,
            timeseries,
            scenario.interval,
            scenario.warmup,
            scenario.workloads.len(),
            &scenario.resources,
        )?;
        // Every pool's nodes are billed from when the pool joins.
        for (i, pool) in scenario.pools.iter().enumerate() {
            for k in 0..pool.count {
                let m = rec.ledger.open(PoolId(i as u32), pool.added_at);
                rec.ledger.attach(m, NodeId((pool.first_node + k) as u32));
            }
        }
        let scheduler = Scheduler::new(
            &scenario.scheduler,
            &scenario.templates,
            StreamKey::new(scenario.effective_scheduler_seed(), "scheduler").rng(),
        );
        let mut deployments = Vec::new();
        for (i, w) in scenario.workloads.iter().enumerate() {
            let id = WorkloadId(i as u32);
            deployments.push(match w.kind {
                WorkloadKind::Deployment { replicas, rollout } => {
                    let owner = cluster.add_owner(w.name.clone(), OwnerKind::Deployment(id));
                    cluster.owners[owner as usize].desired = replicas;
                    let key = StreamKey::new(scenario.seed, &format!("deployments/{}", w.name));
                    let row = rec.add_deployment(&w.name);
                    Some(Deployment::new(id, owner, row, replicas, rollout, key))
                }
                WorkloadKind::Job { .. } => None,
            });
            queue.push(0, Event::WorkloadStart { workload: id });
        }
        for (i, a) in scenario.actions.iter().enumerate() {
            queue.push(a.at, Event::Action { index: i as u32 });
        }
        let mut rec = rec;
        let mut inbox = Inbox::default();
        let mut faults = NodeFaults::default();
        let mut lifecycle = NodeLifecycle::new(scenario.zones.len(), &scenario.node_lifecycle);
        let traffic;
        let hpas;
        let autoscaler;
        let metrics = MetricsServer::new(scenario);
        if metrics.is_active() {
            queue.push(scenario.hpa_config.metrics_resolution, Event::MetricsScrape);
        }
        {
            let initial: Vec<NodeId> = cluster.nodes.ids().collect();
            let mut ctx = Ctx {
                now: 0,
                scenario,
                cluster: &mut cluster,
                queue: &mut queue,
                rec: &mut rec,
                inbox: &mut inbox,
            };
            faults.nodes_added(&mut ctx, &initial);
            lifecycle.nodes_added(&mut ctx, &initial)?;
            traffic = (!scenario.services.is_empty()).then(|| Traffic::new(&mut ctx, scenario));
            hpas = HpaController::new(&mut ctx);
            autoscaler = scenario
                .cluster_autoscaler
                .as_ref()
                .map(|cfg| ClusterAutoscaler::new(&mut ctx, cfg));
        }
        Ok(Simulation {
            scenario,
            now: 0,
            queue,
            cluster,
            scheduler,
            deployments,
            jobs: JobController::new(scenario.seed, &scenario.workloads),
            faults,
            lifecycle,
            drains: Drains::default(),
            traffic,
            metrics,
            hpas,
            autoscaler,
            decisions: Decisions::default(),
            rec,
            inbox,
            cycle_pending: false,
            wake_at: None,
            events: 0,
            check_every_event: false,
            cluster_changed: true,
        })
    }

    /// Checks the model's invariants after every event instead of once at the end: slow
    /// (it recounts every pod), for tests.
    pub fn check_every_event(&mut self, on: bool) {
        self.check_every_event = on;
    }

    /// Runs to the scenario's `duration`, or until no events remain, then checks the
    /// model's invariants. After [`Simulation::run_until`] it carries on from where that
    /// stopped, so a run stopped and resumed writes exactly what an uninterrupted one does.
    pub fn run(mut self, progress: Option<&mut dyn Progress>) -> Result<Outcome, Error> {
        self.advance(Nanos::MAX, progress)?;
        let end = self.scenario.duration.unwrap_or(self.now);
        self.rec.finish(&self.cluster, end).map_err(Error::output)?;
        self.cluster.check_invariants().map_err(Error::Invariant)?;
        self.decisions.flush().map_err(Error::output)?;
        let autoscaling_summary =
            crate::autoscaling::summary(self.scenario, &self.hpas, self.autoscaler.as_ref());
        let mut traffic_summary = Vec::new();
        if let Some(t) = &mut self.traffic {
            t.finish(end).map_err(Error::output)?;
            t.check_conservation(&self.cluster, true)
                .map_err(Error::Invariant)?;
            traffic_summary = t.summary();
        }
        let served_requests = self.traffic.as_ref().map(|t| t.served());
        Ok(Outcome {
            end,
            events: self.events,
            cluster: self.cluster,
            recorder: self.rec,
            traffic_summary,
            autoscaling_summary,
            served_requests,
        })
    }

    /// Processes every event at or before `t` (and within the scenario's `duration`), then
    /// stops: the state is the one after the last of them. Nothing is written for the
    /// stop itself, so the files are those of a run that never stopped.
    pub fn run_until(&mut self, t: Nanos) -> Result<(), Error> {
        self.advance(t, None)
    }

    /// Processes the next event; `false` when none is left within the scenario's
    /// `duration` (the run is over).
    pub fn step(&mut self) -> Result<bool, Error> {
        let Some(t) = self.next_time() else {
            return Ok(false);
        };
        // t / interval > MAX_SAMPLES, without a division per event.
        if t >= self.scenario.interval.saturating_mul(MAX_SAMPLES + 1)
            && t / self.scenario.interval > MAX_SAMPLES
        {
            return Err(Error::Limit(format!(
                "the run reaches {} s, which needs more than {MAX_SAMPLES} rows of timeseries.csv; \
                 set a longer metrics.interval or a shorter duration",
                t / super::time::NANOS_PER_SEC
            )));
        }
        // Integrating over a span in which the cluster did not change can wait for the
        // next change: the integrals come out the same, and request events, most of a
        // traffic run's events, skip the work.
        if self.cluster_changed || self.rec.sample_due(t) {
            self.rec.advance(&self.cluster, t).map_err(Error::output)?;
            self.cluster_changed = false;
        }
        if let Some(tr) = &mut self.traffic {
            tr.advance(t).map_err(Error::output)?;
        }
        let Some((t, event)) = self.queue.pop() else {
            return Ok(false);
        };
        self.now = t;
        self.events += 1;
        // Requests change no pod, node or controller: nothing for the scheduler, the
        // owners or the recorder's integrals.
        if self.dispatch_request(event) {
            if let Some(tr) = &self.traffic {
                tr.check_limit(self.now)?;
                if self.check_every_event {
                    tr.check_conservation(&self.cluster, false).map_err(|m| {
                        Error::Invariant(format!("at t={} ns after {event:?}: {m}", self.now))
                    })?;
                }
            }
            return Ok(true);
        }
        self.cluster_changed = true;
        self.dispatch(event).map_err(Error::output)?;
        self.after_event();
        if self.rec.recovery.waiting() {
            let deployments = &self.deployments;
            self.rec.recovery.check(self.now, |w| {
                deployments[w.index()]
                    .as_ref()
                    .is_none_or(|d| d.status().serving >= d.status().desired)
            });
        }
        if self.check_every_event {
            self.cluster.check_invariants().map_err(|m| {
                Error::Invariant(format!("at t={} ns after {event:?}: {m}", self.now))
            })?;
            if let Some(tr) = &self.traffic {
                tr.check_conservation(&self.cluster, false).map_err(|m| {
                    Error::Invariant(format!("at t={} ns after {event:?}: {m}", self.now))
                })?;
            }
        }
        if self.cluster.pods.len() as u64 > MAX_PODS {
            return Err(Error::Limit(format!(
                "the run created more than {MAX_PODS} pods, the limit; shorten the duration or lower the arrival rate"
            )));
        }
        Ok(true)
    }

    /// The time of the next event, if the run has one left.
    fn next_time(&mut self) -> Option<Nanos> {
        let t = self.queue.peek_time()?;
        self.scenario.duration.is_none_or(|e| t <= e).then_some(t)
    }

    /// Processes events up to `until`, reporting progress every few thousand.
    fn advance(
        &mut self,
        until: Nanos,
        mut progress: Option<&mut dyn Progress>,
    ) -> Result<(), Error> {
        while self.next_time().is_some_and(|t| t <= until) {
            self.step()?;
            if self.events % PROGRESS_EVERY == 0 {
                if let Some(p) = progress.as_deref_mut() {
                    p.update(self.now, self.scenario.duration, self.events);
                }
            }
        }
        Ok(())
    }

    /// The time of the last event processed.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The scenario being simulated.
    pub fn scenario(&self) -> &'s Scenario {
        self.scenario
    }

    /// The cluster as the last event left it.
    pub fn cluster(&self) -> &ClusterState {
        &self.cluster
    }

    /// The controller of Deployment `w` (`None` for a Job), to read its status.
    pub fn deployment(&self, w: WorkloadId) -> Option<&Deployment> {
        self.deployments.get(w.index()).and_then(Option::as_ref)
    }

    /// Streams `services.csv` to `out` (by default it goes nowhere); a scenario without
    /// Services writes its header only.
    pub fn write_services_to(&mut self, out: Box<dyn Write>) -> io::Result<()> {
        match &mut self.traffic {
            Some(t) => t.write_services_to(out),
            None => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(crate::traffic::output::COLUMNS)?;
                w.flush()
            }
        }
    }

    /// Streams `autoscaling.csv` to `out` (by default it goes nowhere).
    pub fn write_autoscaling_to(&mut self, out: Box<dyn Write>) -> io::Result<()> {
        self.decisions.write_to(out)
    }

    /// The traffic model, if the scenario has Services.
    pub fn traffic(&self) -> Option<&Traffic<'s>> {
        self.traffic.as_ref()
    }

    /// Streams `deployments.csv` to `out` (by default it goes nowhere).
    pub fn write_deployments_to(&mut self, out: Box<dyn Write>) -> io::Result<()> {
        self.rec.write_deployments_to(out)
    }

    /// The scheduler, to evaluate pods with (`kubesim explain`), beside the cluster it
    /// reads. Callers must leave it as they found it in everything that decides later
    /// placements: [`crate::scheduler::framework::Profile::evaluate`] and
    /// [`crate::scheduler::framework::Profile::sample_of`] do.
    pub fn scheduler(&mut self) -> (&mut Scheduler, &ClusterState) {
        (&mut self.scheduler, &self.cluster)
    }

    fn dispatch(&mut self, event: Event) -> io::Result<()> {
        let mut ctx = Ctx {
            now: self.now,
            scenario: self.scenario,
            cluster: &mut self.cluster,
            queue: &mut self.queue,
            rec: &mut self.rec,
            inbox: &mut self.inbox,
        };
        let handled = match event {
            Event::WorkloadStart { workload } => match &mut self.deployments[workload.index()] {
                Some(d) => {
                    let name = &self.scenario.workloads[workload.index()].name;
                    if self.scenario.quotas.is_empty()
                        || ctx.admit_object(workload, name, ObjectKind::Deployment)?
                    {
                        d.sync(&mut ctx)
                    } else {
                        // The API refused the object: it does not exist, and later
                        // events about it (scale, rollout, rollback) find nothing.
                        self.deployments[workload.index()] = None;
                        Ok(())
                    }
                }
                None => {
                    self.jobs.start(&mut ctx, workload);
                    Ok(())
                }
            },
            Event::JobArrival { workload } => self.jobs.arrive(&mut ctx, workload),
            Event::PoolAdded { pool } => {
                let added = add_pool(ctx.cluster, self.scenario, pool.index());
                for n in &added {
                    let name = &ctx.cluster.nodes.name[n.index()];
                    ctx.rec.object_event(ctx.now, "node_added", name, "")?;
                }
                self.faults.nodes_added(&mut ctx, &added);
                ctx.inbox.nodes_added = true;
                self.lifecycle.nodes_added(&mut ctx, &added)
            }
            Event::ScheduleCycle => {
                self.cycle_pending = false;
                let cycle_time = self.scenario.scheduler.cycle_time;
                let mut attempt = |ctx: &mut Ctx, scheduler: &mut Scheduler| {
                    let Some(a) = scheduler.next(ctx.cluster, ctx.now) else {
                        return Ok(false);
                    };
                    apply(scheduler, ctx, a, &mut self.deployments, &mut self.jobs)?;
                    Ok::<bool, io::Error>(true)
                };
                if cycle_time == 0 {
                    while attempt(&mut ctx, &mut self.scheduler)? {}
                } else if attempt(&mut ctx, &mut self.scheduler)? {
                    // The scheduler is busy for one cycle before it takes the next pod.
                    self.cycle_pending = true;
                    ctx.queue
                        .push(ctx.now.saturating_add(cycle_time), Event::ScheduleCycle);
                }
                Ok(())
            }
            Event::SchedulerWake => {
                self.wake_at = None;
                self.scheduler.wake(ctx.cluster, ctx.now);
                Ok(())
            }
            Event::PodTerminated { pod, generation } => {
                if kubelet::current(&ctx, pod, generation) {
                    kubelet::terminated(&mut ctx, pod)?;
                    // A Recreate rollout waits for the old pods to be gone.
                    let owner = ctx.cluster.pods[pod.index()].owner;
                    if let OwnerKind::Deployment(w) = ctx.cluster.owners[owner as usize].kind
                        && let Some(d) = &mut self.deployments[w.index()]
                    {
                        let now = ctx.now;
                        d.request(&mut ctx, now);
                    }
                }
                Ok(())
            }
            Event::PodStarted { pod, generation } => {
                if kubelet::current(&ctx, pod, generation) {
                    kubelet::started(&mut ctx, pod)?;
                }
                Ok(())
            }
            Event::PodCompleted { pod, generation } => {
                if !kubelet::current(&ctx, pod, generation) {
                    return Ok(());
                }
                kubelet::completed(&mut ctx, pod)?;
                let owner = ctx.cluster.pods[pod.index()].owner;
                match ctx.cluster.owners[owner as usize].kind {
                    OwnerKind::Job(job) => self.jobs.pod_succeeded(&mut ctx, job),
                    // Deployment pods are long-running: they never complete.
                    OwnerKind::Deployment(_) => Ok(()),
                }
            }
            Event::ContainerCrashed { pod, generation } => {
                if !kubelet::current(&ctx, pod, generation) || !crash::crashed(&mut ctx, pod)? {
                    Ok(())
                } else {
                    let owner = ctx.cluster.pods[pod.index()].owner;
                    match ctx.cluster.owners[owner as usize].kind {
                        // Its Job replaces it as it does an evicted pod.
                        OwnerKind::Job(job) => self.jobs.pod_evicted(&mut ctx, job, pod),
                        // A Deployment's pods restart always: they never fail by crashing.
                        OwnerKind::Deployment(_) => Ok(()),
                    }
                }
            }
            Event::ContainerRestart { pod, generation } => {
                if !kubelet::current(&ctx, pod, generation) {
                    return Ok(());
                }
                crash::restart(&mut ctx, pod)?;
                let owner = ctx.cluster.pods[pod.index()].owner;
                match ctx.cluster.owners[owner as usize].kind {
                    OwnerKind::Job(job) => self.jobs.pod_restarted(&mut ctx, job),
                    OwnerKind::Deployment(_) => Ok(()),
                }
            }
            Event::PodReady { pod, generation } => {
                if kubelet::current(&ctx, pod, generation) {
                    kubelet::ready(&mut ctx, pod)?;
                }
                Ok(())
            }
            Event::DeploymentSync { workload } => match &mut self.deployments[workload.index()] {
                Some(d) => d.queued_sync(&mut ctx),
                None => Ok(()),
            },
            Event::JobSync { job } => self.jobs.sync(&mut ctx, job),
            Event::Action { index } => {
                let i = index as usize;
                match &self.scenario.actions[i].action {
                    Action::Cordon(t) => actions::cordon(&mut ctx, i, t, true),
                    Action::Uncordon(t) => actions::cordon(&mut ctx, i, t, false),
                    Action::NodeFailure {
                        targets,
                        repair_after,
                    } => node_faults::node_failure_event(
                        &mut self.faults,
                        &mut self.lifecycle,
                        &mut ctx,
                        (i, targets),
                        *repair_after,
                    ),
                    Action::ZoneOutage { zone, duration } => node_faults::zone_outage(
                        &mut self.faults,
                        &mut self.lifecycle,
                        &mut ctx,
                        *zone,
                        *duration,
                    ),
                    Action::Rollout {
                        deployment,
                        version,
                    } => match &mut self.deployments[deployment.index()] {
                        Some(d) => d.roll_out(&mut ctx, *version),
                        None => Ok(()),
                    },
                    Action::Rollback {
                        deployment,
                        to_revision,
                    } => match &mut self.deployments[deployment.index()] {
                        Some(d) => d.roll_back(&mut ctx, *to_revision, ""),
                        None => Ok(()),
                    },
                    Action::Scale {
                        deployment,
                        replicas,
                    } => {
                        if let Some(d) = &mut self.deployments[deployment.index()] {
                            d.scale_to(&mut ctx, *replicas);
                        }
                        Ok(())
                    }
                    Action::Drain(d) => self.drains.start(&mut ctx, i, d),
                }
            }
            Event::DrainRetry { node } => self.drains.retry(&mut ctx, node),
            Event::DrainUncordon { node } => self.drains.uncordon(&mut ctx, node),
            Event::NodeFailure { node, epoch } => {
                if !self.faults.current(node, epoch) {
                    return Ok(());
                }
                node_faults::fail_node(
                    &mut self.faults,
                    &mut self.lifecycle,
                    &mut ctx,
                    node,
                    (None, "timeToFailure"),
                )
            }
            Event::NodeRepair { node, epoch } => {
                if !self.faults.current(node, epoch) {
                    return Ok(());
                }
                self.faults.repair(&mut ctx, node)?;
                self.lifecycle.node_repaired(&mut ctx, node)
            }
            Event::NodeMonitor => self.lifecycle.monitor(&mut ctx),
            Event::TaintPass { zone } => self.lifecycle.pass_due(&mut ctx, zone),
            Event::TaintEviction { pod, generation } => {
                if kubelet::current(&ctx, pod, generation) {
                    node_lifecycle::evict(&mut ctx, pod)?;
                }
                Ok(())
            }
            // Handled by `dispatch_request`; only a scenario with Services has them.
            Event::RequestArrival { .. }
            | Event::RequestDone { .. }
            | Event::RequestTimeout { .. }
            | Event::EndpointsSync { .. } => Ok(()),
            Event::MetricsScrape => {
                let cfg = &self.scenario.hpa_config;
                self.metrics.scrape(
                    ctx.now,
                    self.scenario,
                    cfg,
                    ctx.cluster,
                    &self.deployments,
                    self.traffic.as_ref(),
                );
                ctx.queue.push(
                    ctx.now.saturating_add(cfg.metrics_resolution),
                    Event::MetricsScrape,
                );
                Ok(())
            }
            Event::HpaSync { hpa } => {
                let target = self.scenario.hpas[usize::from(hpa)].target;
                match &mut self.deployments[target.index()] {
                    Some(d) => self.hpas.sync(
                        usize::from(hpa),
                        &mut ctx,
                        d,
                        &self.metrics,
                        &mut self.decisions,
                    ),
                    None => Ok(()),
                }
            }
            Event::AutoscalerScan => match &mut self.autoscaler {
                Some(ca) => {
                    let mut parts = autoscaler_parts!(self);
                    ca.scan(&mut ctx, &mut parts)
                }
                None => Ok(()),
            },
            Event::NodeProvisioned { request } => match &mut self.autoscaler {
                Some(ca) => {
                    let mut parts = autoscaler_parts!(self);
                    ca.provisioned(&mut ctx, &mut parts, request)
                }
                None => Ok(()),
            },
        };
        handled?;
        if self.drains.busy() {
            self.drains.check(&mut ctx)?;
            if !self.drains.autoscaler_done.is_empty()
                && let Some(ca) = &mut self.autoscaler
            {
                let done = std::mem::take(&mut self.drains.autoscaler_done);
                let mut parts = autoscaler_parts!(self);
                ca.drained(&mut ctx, &mut parts, &done)?;
            }
        }
        notify_owners(&mut ctx, &mut self.deployments, &mut self.jobs)?;
        if let Some(t) = &mut self.traffic
            && !ctx.cluster.pod_changes.is_empty()
        {
            t.pods_changed(&mut ctx);
        }
        Ok(())
    }

    /// Handles `event` if it belongs to the traffic model; returns whether it did.
    fn dispatch_request(&mut self, event: Event) -> bool {
        let Some(t) = &mut self.traffic else {
            return false;
        };
        let mut ctx = Ctx {
            now: self.now,
            scenario: self.scenario,
            cluster: &mut self.cluster,
            queue: &mut self.queue,
            rec: &mut self.rec,
            inbox: &mut self.inbox,
        };
        match event {
            Event::RequestArrival { service } => t.arrival(&mut ctx, service),
            Event::RequestDone {
                request,
                generation,
            } => t.work_done(&mut ctx, request, generation),
            Event::RequestTimeout {
                request,
                generation,
            } => t.timeout(&mut ctx, request, generation),
            Event::EndpointsSync { service } => t.endpoints_sync(&mut ctx, service),
            _ => return false,
        }
        true
    }

    /// Hands the scheduler what the event changed and starts a cycle if pods wait.
    fn after_event(&mut self) {
        if std::mem::take(&mut self.inbox.nodes_added) {
            self.scheduler.nodes_changed(&self.cluster, self.now);
        }
        for n in self.inbox.freed.drain(..) {
            self.scheduler.node_freed(&self.cluster, n, self.now);
        }
        for p in self.inbox.new_pods.drain(..) {
            self.scheduler.enqueue(&self.cluster, p);
        }
        if self.scheduler.has_active() && !self.cycle_pending {
            self.cycle_pending = true;
            self.queue.push(self.now, Event::ScheduleCycle);
        }
        if let Some(t) = self.scheduler.next_wake(&self.cluster)
            && self.wake_at.is_none_or(|w| t < w)
        {
            self.wake_at = Some(t);
            self.queue.push(t.max(self.now), Event::SchedulerWake);
        }
    }
}

/// Adds the nodes of pool `i` to the cluster, in scenario order (their index in
/// `Scenario::nodes` is their id), and returns their ids.
fn add_pool(cluster: &mut ClusterState, scenario: &Scenario, i: usize) -> Vec<NodeId> {
    let pool = &scenario.pools[i];
    let specs = &scenario.nodes[pool.first_node..pool.first_node + pool.count];
    let ids: Vec<NodeId> = specs.iter().map(|n| cluster.add_node(n.clone())).collect();
    debug_assert!(
        ids.iter()
            .zip(pool.first_node..)
            .all(|(id, k)| id.index() == k)
    );
    ids
}

/// Carries out one scheduling decision.
fn apply(
    scheduler: &mut Scheduler,
    ctx: &mut Ctx,
    attempt: Attempt,
    deployments: &mut [Option<Deployment>],
    jobs: &mut JobController,
) -> io::Result<()> {
    let pod = match &attempt {
        Attempt::Bind(p, _) | Attempt::Unschedulable(p) => *p,
        Attempt::Preempt { pod, .. } => *pod,
    };
    ctx.cluster.pods[pod.index()].attempts += 1;
    let first_failure = ctx.cluster.pods[pod.index()].attempts == 1;
    match attempt {
        Attempt::Bind(p, n) => return bind(ctx, p, n),
        Attempt::Unschedulable(_) | Attempt::Preempt { .. } if first_failure => {
            ctx.rec.pods_unschedulable += 1;
            let msg = scheduler.unschedulable_message(ctx.cluster, pod);
            ctx.rec
                .pod_event(ctx.now, "pod_unschedulable", ctx.cluster, pod, &msg)?;
        }
        _ => {}
    }
    if let Attempt::Preempt {
        pod,
        node,
        victims,
        pdb_violations,
    } = attempt
    {
        ctx.rec.preemption_pdb_violations += u64::from(pdb_violations);
        ctx.cluster.nominate(pod, node);
        let detail = format!("by {}", ctx.cluster.pod_name(pod));
        for v in victims {
            ctx.rec.pods_preempted += 1;
            kubelet::evict(ctx, v, PodReason::Preempted, "pod_preempted", &detail)?;
        }
        notify_owners(ctx, deployments, jobs)?;
        let node_name = ctx.cluster.nodes.name[node.index()].clone();
        ctx.rec
            .pod_event(ctx.now, "pod_nominated", ctx.cluster, pod, &node_name)?;
    }
    Ok(())
}

/// Hands the notices the event left to the pods' owning controllers, oldest first;
/// what they do may leave more.
fn notify_owners(
    ctx: &mut Ctx,
    deployments: &mut [Option<Deployment>],
    jobs: &mut JobController,
) -> io::Result<()> {
    let mut k = 0;
    while k < ctx.inbox.notices.len() {
        let notice = ctx.inbox.notices[k];
        k += 1;
        let (OwnerNotice::Evicted(pod) | OwnerNotice::Changed(pod)) = notice;
        let owner = ctx.cluster.pods[pod.index()].owner;
        match (ctx.cluster.owners[owner as usize].kind, notice) {
            // The Deployment recounts its pods at its next sync, at this same instant.
            (OwnerKind::Deployment(w), _) => {
                if let Some(d) = &mut deployments[w.index()] {
                    d.request(ctx, ctx.now);
                }
            }
            (OwnerKind::Job(job), OwnerNotice::Evicted(_)) => jobs.pod_evicted(ctx, job, pod)?,
            // A restarted pod (after its node's repair) may take the Job past its
            // backoffLimit (`OnFailure`).
            (OwnerKind::Job(job), OwnerNotice::Changed(_)) => {
                if ctx.cluster.pods[pod.index()].restarts > 0 {
                    jobs.pod_restarted(ctx, job)?;
                }
            }
        }
    }
    ctx.inbox.notices.clear();
    Ok(())
}

fn bind(ctx: &mut Ctx, pod: PodId, node: NodeId) -> io::Result<()> {
    debug_assert_eq!(ctx.cluster.pods[pod.index()].phase, PodPhase::Pending);
    kubelet::bind(ctx, pod, node)
}
