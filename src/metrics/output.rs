//! The files written at the end of a run: `pods.csv`, `summary.csv` and `run.json`.

use super::format::{format_seconds, ratio};
use super::recorder::{Recorder, amount, unit_suffix};
use super::stats::DurationStats;
use crate::cluster::ClusterState;
use crate::cluster::OwnerKind;
use crate::cluster::pod::PodPhase;
use crate::engine::time::Nanos;
use crate::scenario::Scenario;
use std::io::{self, Write};

/// The Kubernetes minor version whose semantics kubesim follows.
pub const KUBERNETES_VERSION: &str = "v1.35";

/// Writes one row per pod, in creation order.
pub fn write_pods(cluster: &ClusterState, out: impl Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let names = &cluster.resources;
    let mut header: Vec<String> = [
        "pod",
        "namespace",
        "owner_kind",
        "owner",
        "node",
        "zone",
        "priority",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for r in 0..names.len() {
        header.push(format!(
            "{}_request{}",
            names.column_name(r),
            unit_suffix(r, names)
        ));
    }
    header.extend(
        [
            "created_s",
            "bound_s",
            "started_s",
            "finished_s",
            "pending_s",
            "phase",
            "reason",
            "restarts",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    w.write_record(&header)?;
    let opt = |t: Option<Nanos>| t.map(format_seconds).unwrap_or_default();
    for (i, p) in cluster.pods.iter().enumerate() {
        let owner = &cluster.owners[p.owner as usize];
        let template = &cluster.templates[p.template as usize];
        let zone = p
            .node
            .map(|n| cluster.nodes.zone[n.index()])
            .and_then(|z| cluster.zones.get(usize::from(z)))
            .cloned()
            .unwrap_or_default();
        let mut row = vec![
            cluster.pod_name(crate::cluster::ids::PodId(i as u32)),
            template.namespace.clone(),
            match owner.kind {
                OwnerKind::Deployment(_) => "Deployment".to_string(),
                OwnerKind::Job(_) => "Job".to_string(),
            },
            owner.name.clone(),
            p.node
                .map(|n| cluster.nodes.name[n.index()].clone())
                .unwrap_or_default(),
            zone,
            p.priority.to_string(),
        ];
        for r in 0..names.len() {
            row.push(amount(r, p.requests.0[r]));
        }
        row.push(format_seconds(p.created));
        row.push(opt(p.bound));
        row.push(opt(p.started));
        row.push(opt(p.finished));
        row.push(opt(p.bound.map(|b| b - p.created)));
        row.push(p.phase.as_str().to_string());
        row.push(p.reason.map(|r| r.name(names)).unwrap_or_default());
        row.push(p.restarts.to_string());
        w.write_record(&row)?;
    }
    w.flush()
}

/// The `metric,value` rows of `summary.csv`.
pub fn summary(
    scenario: &Scenario,
    cluster: &ClusterState,
    rec: &mut Recorder,
    end: Nanos,
    events: u64,
    served_requests: Option<u64>,
) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| rows.push((k.to_string(), v));
    put("end_s", format_seconds(end));
    put(
        "measured_s",
        format_seconds(end.saturating_sub(scenario.warmup)),
    );
    put("events", events.to_string());
    put("nodes", cluster.nodes.len().to_string());
    // Every machine is billed from its pool's `addedAt` or the autoscaler's request
    // until it is deleted or the run ends, up or failed.
    let prices: Vec<Option<f64>> = scenario.pools.iter().map(|p| p.price_per_hour).collect();
    let bills = rec
        .ledger
        .bills(&prices, scenario.billing, scenario.warmup, end);
    put(
        "node_hours",
        ratio(Some(bills.iter().map(|b| b.hours).sum())),
    );
    let priced = prices.iter().any(Option::is_some);
    let cost: f64 = bills.iter().map(|b| b.cost).sum();
    put("cost", ratio(priced.then_some(cost)));
    if scenario.pools.len() > 1 {
        for (p, b) in scenario.pools.iter().zip(&bills) {
            put(&format!("node_hours[{}]", p.name), ratio(Some(b.hours)));
            if p.price_per_hour.is_some() {
                put(&format!("cost[{}]", p.name), ratio(Some(b.cost)));
            }
        }
    }
    let per = |n: u64| (priced && n > 0).then(|| cost / n as f64);
    put("cost_per_job", ratio(per(rec.jobs[1])));
    if let Some(n) = served_requests {
        put("cost_per_request", ratio(per(n)));
    }
    put("nodes_in_use_peak", rec.peak_nodes_in_use.to_string());
    let ig = &rec.integrals;
    let avg = |area: i128| (ig.span > 0).then(|| area as f64 / ig.span as f64);
    put("nodes_in_use_mean", ratio(avg(ig.nodes_in_use)));
    put("pods_pending_mean", ratio(avg(ig.pending)));
    put("pods_created", cluster.pods_created().to_string());
    put("pods_scheduled", rec.pods_scheduled.to_string());
    put("pods_unschedulable", rec.pods_unschedulable.to_string());
    put("pods_preempted", rec.pods_preempted.to_string());
    for phase in PodPhase::ALL {
        put(
            &format!("pods_{}_end", phase.as_str().to_lowercase()),
            cluster.count(phase).to_string(),
        );
    }
    let pending = DurationStats::of(&mut rec.pending_times);
    put("pending_mean_s", ratio(pending.map(|s| s.mean_s)));
    for (k, f) in [("p50", 0), ("p90", 1), ("p99", 2), ("max", 3)] {
        let v = pending.map(|s| [s.p50, s.p90, s.p99, s.max][f]);
        put(
            &format!("pending_{k}_s"),
            v.map(format_seconds).unwrap_or_default(),
        );
    }
    put("jobs_created", rec.jobs[0].to_string());
    put("jobs_completed", rec.jobs[1].to_string());
    put("jobs_failed", rec.jobs[2].to_string());
    if let Some(target) = scenario.slos.job_pending {
        // A Job pod created in the measured span misses when it waited longer than the
        // target for a node, or is still waiting at the end after longer than that.
        let (mut pods, mut missed) = (0u64, 0u64);
        for p in cluster.pods.iter().filter(|p| p.created >= scenario.warmup) {
            if matches!(
                cluster.owners[p.owner as usize].kind,
                crate::cluster::OwnerKind::Job(_)
            ) {
                pods += 1;
                let waited = p.bound.unwrap_or(end).saturating_sub(p.created);
                missed += u64::from(waited > target);
            }
        }
        put("slo_job_pending_pods", pods.to_string());
        put("slo_job_pending_misses", missed.to_string());
        put(
            "slo_job_pending_miss_ratio",
            ratio((pods > 0).then(|| missed as f64 / pods as f64)),
        );
    }
    let turnaround = DurationStats::of(&mut rec.job_turnaround);
    put("job_turnaround_mean_s", ratio(turnaround.map(|s| s.mean_s)));
    put(
        "job_turnaround_p99_s",
        turnaround
            .map(|s| format_seconds(s.p99))
            .unwrap_or_default(),
    );
    let ig = &rec.integrals;
    for r in 0..cluster.resources.len() {
        let c = cluster.resources.column_name(r);
        let frac =
            |area: i128| (ig.allocatable[r] > 0).then(|| area as f64 / ig.allocatable[r] as f64);
        put(
            &format!("{c}_allocation_mean"),
            ratio(frac(ig.requested[r])),
        );
        put(&format!("{c}_utilization_mean"), ratio(frac(ig.used[r])));
    }
    let stranded = rec.stranded.means();
    put("stranded_cpu_mean", ratio(stranded.map(|s| s.0)));
    put("stranded_memory_mean", ratio(stranded.map(|s| s.1)));
    let ig = &rec.integrals;
    put(
        "node_availability",
        ratio((ig.nodes > 0).then(|| ig.nodes_up as f64 / ig.nodes as f64)),
    );
    put("node_failures", rec.node_failures.to_string());
    put(
        "pods_evicted_by_taint",
        rec.pods_evicted_by_taint.to_string(),
    );
    put("rollouts", rec.rollouts.to_string());
    put("rollbacks", rec.rollbacks.to_string());
    let span = rec.integrals.span;
    for d in &rec.deployments {
        let frac = |area: i128| (span > 0).then(|| area as f64 / span as f64);
        put(
            &format!("availability[{}]", d.name),
            ratio(frac(d.all_available)),
        );
        put(
            &format!("availability_min[{}]", d.name),
            ratio(frac(d.min_available)),
        );
        put(
            &format!("serving_fraction[{}]", d.name),
            ratio((d.desired_area > 0).then(|| d.serving_area as f64 / d.desired_area as f64)),
        );
    }
    for (i, w) in scenario.workloads.iter().enumerate() {
        let t = &rec.workloads[i];
        let n = &w.name;
        put(&format!("pods_created[{n}]"), t.pods_created.to_string());
        put(
            &format!("pods_succeeded[{n}]"),
            t.pods_succeeded.to_string(),
        );
        put(&format!("pods_failed[{n}]"), t.pods_failed.to_string());
        if w.run_time.is_some() {
            put(&format!("jobs_created[{n}]"), t.jobs_created.to_string());
            put(
                &format!("jobs_completed[{n}]"),
                t.jobs_completed.to_string(),
            );
        }
    }
    // Millicore-nanoseconds to core-seconds.
    let core_s = |area: u128| ratio(Some(area as f64 / 1e12));
    let restarts: u64 = rec.workloads.iter().map(|t| t.restarts).sum();
    put("restarts", restarts.to_string());
    let lost: u128 = rec.workloads.iter().map(|t| t.lost_work).sum();
    put("lost_job_work_core_s", core_s(lost));
    for (i, w) in scenario.workloads.iter().enumerate() {
        let t = &rec.workloads[i];
        put(&format!("restarts[{}]", w.name), t.restarts.to_string());
        if w.run_time.is_some() {
            put(
                &format!("lost_job_work_core_s[{}]", w.name),
                core_s(t.lost_work),
            );
        }
    }
    put("pods_evicted", rec.pods_evicted.to_string());
    put("evictions_blocked", rec.evictions_blocked.to_string());
    put(
        "preemption_pdb_violations",
        rec.preemption_pdb_violations.to_string(),
    );
    let drains = DurationStats::of(&mut rec.drain_times);
    put("drain_time_mean_s", ratio(drains.map(|s| s.mean_s)));
    put(
        "drain_time_max_s",
        drains.map(|s| format_seconds(s.max)).unwrap_or_default(),
    );
    put(
        "quota_rejections",
        rec.quota_rejections.values().sum::<u64>().to_string(),
    );
    for (ns, n) in &rec.quota_rejections {
        put(&format!("quota_rejections[{ns}]"), n.to_string());
    }
    let unrecovered = rec.recovery.unrecovered();
    let recovery = DurationStats::of(&mut rec.recovery.times);
    put("recovery_time_mean_s", ratio(recovery.map(|s| s.mean_s)));
    put(
        "recovery_time_max_s",
        recovery.map(|s| format_seconds(s.max)).unwrap_or_default(),
    );
    put("failures_unrecovered", unrecovered.to_string());
    rows
}

/// Writes `summary.csv`.
pub fn write_summary(rows: &[(String, String)], out: impl Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["metric", "value"])?;
    for (k, v) in rows {
        w.write_record([k, v])?;
    }
    w.flush()
}

/// `run.json`: what produced the files, without timestamps (it is deterministic output).
pub fn run_json(scenario: &Scenario) -> String {
    let v = serde_json::json!({
        "kubesim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": env!("KUBESIM_GIT_COMMIT"),
        "kubernetes_version": KUBERNETES_VERSION,
        "scenario": scenario.name,
        "scenario_sha256": scenario.file_sha256,
        "seed": scenario.seed,
        "scheduler_seed": scenario.effective_scheduler_seed(),
        "duration_s": scenario.duration.map(format_seconds),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
