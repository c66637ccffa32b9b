//! metrics-server, as the HPA sees it: every `metricsResolution` it samples the pods of
//! the Deployments that an HPA scales or that have a `cpuLoad`, each sample an average
//! over the window since the previous scrape. The HPA reads the newest sample that is at
//! least `metricsLag` old.
//!
//! A pod's CPU comes from, in this order: its Deployment's `cpuLoad` (the load shared
//! evenly by the Running and Ready pods, or a fraction of each Running pod's request,
//! capped at its CPU limit), the requests it
//! served (the CPU their demands took in the window, from the traffic model's
//! cumulative counter, as cAdvisor's: a pod has a rate only from its second scrape on),
//! or else its fixed `simulation.usage`. The first two also set the pod's usage, so
//! `timeseries.csv` and the nodes' `used` follow them.

use super::spec::{HpaConfig, LoadUnit};
use crate::cluster::ClusterState;
use crate::cluster::ids::{PodId, WorkloadId};
use crate::cluster::pod::PodPhase;
use crate::cluster::resources::CPU;
use crate::controllers::deployment::Deployment;
use crate::engine::time::Nanos;
use crate::scenario::Scenario;
use crate::traffic::Traffic;
use std::collections::{BTreeMap, VecDeque};

/// One pod's sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodSample {
    /// The pod.
    pub pod: PodId,
    /// CPU, millicores, averaged over the window.
    pub cpu: i64,
    /// Requests received per second, in milli-requests; `None` when the pod serves no
    /// Service.
    pub rps: Option<i64>,
}

/// One scrape of one Deployment's pods.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// When the window ends (the samples' timestamp).
    pub at: Nanos,
    /// Samples, by pod id.
    pub samples: Vec<PodSample>,
}

impl Snapshot {
    /// Pod `pod`'s sample, if it has one.
    pub fn get(&self, pod: PodId) -> Option<&PodSample> {
        self.samples
            .binary_search_by_key(&pod, |s| s.pod)
            .ok()
            .map(|k| &self.samples[k])
    }
}

/// A counter reading of a serving pod: its containers' start, CPU and requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reading {
    started: Nanos,
    cpu_done: Nanos,
    received: u64,
    at: Nanos,
}

/// The samples of every watched Deployment.
#[derive(Debug, Default)]
pub struct MetricsServer {
    /// The Deployments sampled, by workload index.
    watched: Vec<WorkloadId>,
    /// Per watched Deployment: its snapshots, oldest first, from the newest one old
    /// enough to be read on.
    history: Vec<VecDeque<Snapshot>>,
    /// Each serving pod's last counter reading.
    last: BTreeMap<PodId, Reading>,
}

impl MetricsServer {
    /// Watches the Deployments of `scenario` that an HPA scales or that have a CPU load.
    pub fn new(scenario: &Scenario) -> MetricsServer {
        let watched: Vec<WorkloadId> = (0..scenario.workloads.len())
            .map(|i| WorkloadId(i as u32))
            .filter(|w| {
                scenario.workloads[w.index()].cpu_load.is_some()
                    || scenario.hpas.iter().any(|h| h.target == *w)
            })
            .collect();
        MetricsServer {
            history: vec![VecDeque::new(); watched.len()],
            watched,
            last: BTreeMap::new(),
        }
    }

    /// Whether anything is watched (else no scrape is ever scheduled).
    pub fn is_active(&self) -> bool {
        !self.watched.is_empty()
    }

    /// Scrapes every watched Deployment at `now`, setting the usage of pods whose CPU
    /// follows a load curve or served requests.
    pub fn scrape(
        &mut self,
        now: Nanos,
        scenario: &Scenario,
        cfg: &HpaConfig,
        cluster: &mut ClusterState,
        deployments: &[Option<Deployment>],
        traffic: Option<&Traffic>,
    ) {
        let mut seen: Vec<PodId> = Vec::new();
        for (k, &w) in self.watched.iter().enumerate() {
            let Some(d) = &deployments[w.index()] else {
                continue;
            };
            let mut pods: Vec<PodId> = d
                .pods()
                .filter(|p| cluster.pods[p.index()].phase == PodPhase::Running)
                .collect();
            pods.sort_unstable();
            let load = scenario.workloads[w.index()].cpu_load.as_ref();
            // Millicores per pod: a share of the total, or a fraction of each request.
            let share = load.map(|l| match l.unit {
                LoadUnit::Cores => {
                    let ready = pods.iter().filter(|p| serves(cluster, **p)).count();
                    (l.curve.value_at(now) * 1000.0 / ready.max(1) as f64, true)
                }
                LoadUnit::FractionOfRequest => (l.curve.value_at(now), false),
            });
            let mut snap = Snapshot {
                at: now,
                samples: Vec::with_capacity(pods.len()),
            };
            for &pod in &pods {
                let p = &cluster.pods[pod.index()];
                let counters = traffic.and_then(|t| t.pod_counters(pod));
                let (cpu, rps) = match (share, counters) {
                    (Some((share, shared)), _) => {
                        let limit = scenario.pod_limits[p.template as usize].0[CPU];
                        let mut cpu = match shared {
                            true if serves(cluster, pod) => share,
                            true => 0.0,
                            false => share * p.requests.0[CPU] as f64,
                        };
                        if limit > 0 {
                            cpu = cpu.min(limit as f64);
                        }
                        (cpu.round() as i64, None)
                    }
                    (None, Some((started, cpu_done, received))) => {
                        seen.push(pod);
                        let now_reading = Reading {
                            started,
                            cpu_done,
                            received,
                            at: now,
                        };
                        let prev = self.last.insert(pod, now_reading);
                        // A rate needs two readings of the same containers.
                        let Some(prev) = prev.filter(|r| r.started == started && r.at < now) else {
                            continue;
                        };
                        let window = (now - prev.at) as f64;
                        let cpu = (cpu_done - prev.cpu_done) as f64 * 1000.0 / window;
                        let rps = (received - prev.received) as f64 * 1e12 / window;
                        (cpu.round() as i64, Some(rps.round() as i64))
                    }
                    (None, None) => (p.usage.0[CPU], None),
                };
                if share.is_some() || counters.is_some() {
                    cluster.set_usage_cpu(pod, cpu);
                }
                snap.samples.push(PodSample { pod, cpu, rps });
            }
            let history = &mut self.history[k];
            history.push_back(snap);
            // Keep the newest snapshot old enough to be read, and those after it.
            while history
                .get(1)
                .is_some_and(|s| s.at.saturating_add(cfg.metrics_lag) <= now)
            {
                history.pop_front();
            }
        }
        // Pods that stopped serving take their readings with them.
        if self.last.len() > seen.len() {
            seen.sort_unstable();
            self.last.retain(|p, _| seen.binary_search(p).is_ok());
        }
    }

    /// The newest snapshot of Deployment `w` that is at least `lag` old at `now`.
    pub fn visible(&self, w: WorkloadId, now: Nanos, lag: Nanos) -> Option<&Snapshot> {
        let k = self.watched.iter().position(|&x| x == w)?;
        self.history[k]
            .iter()
            .rev()
            .find(|s| s.at.saturating_add(lag) <= now)
    }
}

/// Whether pod `pod` takes its share of a load: Running, Ready, not terminating.
fn serves(cluster: &ClusterState, pod: PodId) -> bool {
    let p = &cluster.pods[pod.index()];
    p.phase == PodPhase::Running && p.ready_since.is_some() && !p.terminating
}
