//! The HPA controller's loop: every sync period each HPA reads the newest metrics it can
//! see, asks the replica calculator what each metric proposes, normalizes the largest
//! proposal and scales its Deployment.

use super::behavior::{Normalizer, metric_desired};
use super::replica_calc::{self, CalcParams, CalcPhase, PodInfo, Proposal, ReadyCondition, Sample};
use crate::autoscaling::decisions::{Decision, Decisions};
use crate::autoscaling::metrics::{MetricsServer, PodSample, Snapshot};
use crate::autoscaling::spec::MetricSpec;
use crate::cluster::ClusterState;
use crate::cluster::pod::PodPhase;
use crate::cluster::resources::CPU;
use crate::controllers::Ctx;
use crate::controllers::deployment::Deployment;
use crate::engine::event::Event;
use crate::engine::time::Nanos;
use std::io;

/// Every HPA's memory.
#[derive(Debug, Default)]
pub struct HpaController {
    normalizers: Vec<Normalizer>,
    /// How often each HPA changed its Deployment's replicas.
    rescales: Vec<u64>,
}

impl HpaController {
    /// The HPAs of the scenario, each first syncing one sync period in.
    pub fn new(ctx: &mut Ctx) -> HpaController {
        let n = ctx.scenario.hpas.len();
        for i in 0..n {
            ctx.queue.push(
                ctx.scenario.hpa_config.sync_period,
                Event::HpaSync { hpa: i as u16 },
            );
        }
        HpaController {
            normalizers: (0..n).map(|_| Normalizer::default()).collect(),
            rescales: vec![0; n],
        }
    }

    /// How often HPA `i` changed its Deployment's replicas.
    pub fn rescales(&self, i: usize) -> u64 {
        self.rescales[i]
    }

    /// HPA `i` reconciles: scales its Deployment `d` if its metrics ask for it.
    pub fn sync(
        &mut self,
        i: usize,
        ctx: &mut Ctx,
        d: &mut Deployment,
        metrics: &MetricsServer,
        log: &mut Decisions,
    ) -> io::Result<()> {
        let scenario = ctx.scenario;
        let spec = &scenario.hpas[i];
        let cfg = &scenario.hpa_config;
        ctx.queue.push(
            ctx.now.saturating_add(cfg.sync_period),
            Event::HpaSync { hpa: i as u16 },
        );
        let current = d.replicas();
        let snapshot = metrics.visible(spec.target, ctx.now, cfg.metrics_lag);
        let params = CalcParams {
            tolerance: cfg.tolerance,
            cpu_initialization_period: cfg.cpu_initialization_period,
            initial_readiness_delay: cfg.initial_readiness_delay,
            now: ctx.now,
        };
        // Every metric's proposal; the HPA acts on the largest.
        let proposals: Vec<_> = spec
            .metrics
            .iter()
            .map(|&m| {
                let value = |s: &PodSample| match m {
                    MetricSpec::RequestsPerSecond(_) => s.rps,
                    _ => Some(s.cpu),
                };
                let pods = pod_infos(ctx.cluster, d, snapshot, cfg.metrics_resolution, value);
                match m {
                    MetricSpec::CpuUtilization(t) => {
                        replica_calc::utilization_replicas(current, t as i32, &pods, &params)
                    }
                    MetricSpec::CpuAverageValue(t) => {
                        replica_calc::average_value_replicas(current, t, &pods, &params)
                    }
                    MetricSpec::RequestsPerSecond(t) => {
                        replica_calc::pods_metric_replicas(current, t, &pods, &params)
                    }
                }
            })
            .collect();
        // The metric whose proposal won, for the log (the first of equal ones).
        let best = spec
            .metrics
            .iter()
            .zip(&proposals)
            .filter_map(|(&m, p)| p.as_ref().ok().map(|p| (*p, m)))
            .fold(None, |b: Option<(Proposal, MetricSpec)>, (p, m)| match b {
                Some((q, _)) if q.replicas >= p.replicas => b,
                _ => Some((p, m)),
            });
        let desired = metric_desired(current, &proposals);
        let decision = self.normalizers[i].decide(spec, cfg, current, desired, ctx.now);
        let reason = decision.reason;
        if decision.replicas != current {
            self.rescales[i] += 1;
            d.scale_to(ctx, decision.replicas);
            self.normalizers[i].record_scale(
                spec.behavior.as_ref(),
                current,
                decision.replicas,
                ctx.now,
            );
            let target = &scenario.workloads[spec.target.index()].name;
            ctx.rec.object_event(
                ctx.now,
                "hpa_rescaled",
                target,
                &format!(
                    "HorizontalPodAutoscaler {}: {current} -> {} ({reason})",
                    spec.name, decision.replicas
                ),
            )?;
        }
        // Every sync is a decision, a change or not: the rows are the HPA's view over time.
        let (metric, value) = match best {
            Some((p, m)) => metric_figure(m, p),
            None => ("", None),
        };
        log.log(
            ctx.now,
            &Decision {
                autoscaler: "hpa",
                name: &spec.name,
                target: &scenario.workloads[spec.target.index()].name,
                from: current,
                to: decision.replicas,
                reason,
                metric,
                value,
            },
        )
    }
}

/// What the calculator reported for metric `m`, in the units `autoscaling.csv` uses.
fn metric_figure(m: MetricSpec, p: Proposal) -> (&'static str, Option<f64>) {
    match m {
        MetricSpec::CpuUtilization(_) => ("cpu_utilization_percent", Some(p.current as f64)),
        MetricSpec::CpuAverageValue(_) => ("cpu_cores_per_pod", Some(p.current as f64 / 1000.0)),
        MetricSpec::RequestsPerSecond(_) => (
            "requests_per_second_per_pod",
            Some(p.current as f64 / 1000.0),
        ),
    }
}

/// What the replica calculator knows of Deployment `d`'s pods: their phase, readiness,
/// CPU request and, from `snapshot`, the sample `value` picks.
fn pod_infos(
    cluster: &ClusterState,
    d: &Deployment,
    snapshot: Option<&Snapshot>,
    window: Nanos,
    value: impl Fn(&PodSample) -> Option<i64>,
) -> Vec<PodInfo> {
    d.pods()
        .filter(|p| !cluster.pods[p.index()].phase.is_terminal())
        .map(|pod| {
            let p = &cluster.pods[pod.index()];
            // A pod whose containers stopped is Running with Ready=False to the API.
            let phase = match p.phase {
                PodPhase::Running => CalcPhase::Running,
                PodPhase::Bound if p.started.is_some() => CalcPhase::Running,
                _ => CalcPhase::Pending,
            };
            // kubesim keeps when a pod turned Ready, not when it turned unready: an
            // unready pod's transition is taken as its containers' last start.
            let ready = p.started.map(|_| ReadyCondition {
                ready: p.ready_since.is_some(),
                last_transition: p.ready_since.unwrap_or(p.last_start),
            });
            let request = p.requests.0[CPU];
            PodInfo {
                phase,
                deleting: p.terminating,
                ready,
                start_time: p.bound,
                request: (request > 0).then_some(request),
                metric: snapshot.and_then(|s| {
                    let v = value(s.get(pod)?)?;
                    Some(Sample {
                        value: v,
                        timestamp: s.at,
                        window,
                    })
                }),
            }
        })
        .collect()
}
