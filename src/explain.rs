//! `kubesim explain`: why a pod lands where it does.
//!
//! Replays a run to a time, then evaluates one pod on every node as the scheduler would
//! then: every filter's verdict, every score plugin's raw, normalized and weighted score,
//! and the nodes a sampled cycle would examine. Evaluating draws no random number and
//! leaves the scheduler's rotation alone, so the replay can go on afterwards exactly as
//! the run would have: it does, to find where the pod actually went.

use crate::Simulation;
use crate::cluster::ids::{JobId, PodId, WorkloadId};
use crate::cluster::pod::PodPhase;
use crate::cluster::resources::Resources;
use crate::cluster::{ClusterState, NewPod, OwnerKind};
use crate::engine::dist::Distribution;
use crate::engine::time::Nanos;
use crate::error::Error;
use crate::metrics::format::format_seconds;
use crate::metrics::recorder::amount;
use crate::scenario::Scenario;
use crate::scenario::model::RequestModel;
use crate::scheduler::config::{Baseline, PolicyConfig};
use crate::scheduler::framework::{FilterVerdict, ScoreParts};
use std::io::Write;
use std::path::Path;

/// What the name given to `explain` stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A pod Pending at the time asked: evaluated as it is.
    Pending {
        /// Pod name.
        pod: String,
        /// When it was created.
        created: Nanos,
    },
    /// A pod created after the time asked: the replay went on to its creation, and it is
    /// evaluated then.
    CreatedLater {
        /// Pod name.
        pod: String,
        /// When it was created.
        created: Nanos,
    },
    /// A pod already on a node, or ended, at the time asked: a copy of it (same template
    /// and requests, not yet on any node) is evaluated against the cluster then.
    Placed {
        /// Pod name.
        pod: String,
        /// Its phase then.
        phase: PodPhase,
    },
    /// A workload's template: a fresh pod of it is evaluated.
    Workload {
        /// Workload name.
        workload: String,
    },
}

/// Where the explained pod went in the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Bound to `node` at `at`.
    Bound {
        /// Node name.
        node: String,
        /// Node index.
        index: u32,
        /// When.
        at: Nanos,
        /// Events processed between the evaluation and the binding (0 when it was bound
        /// before the time asked).
        events_after: u64,
    },
    /// Ended without ever being bound (deleted, or refused by its `nodeName` node).
    Ended {
        /// Its final phase.
        phase: PodPhase,
        /// When.
        at: Nanos,
    },
    /// Still Pending when the run ended.
    NeverBound {
        /// The end of the run.
        end: Nanos,
    },
    /// A workload's template is no pod of the run: there is no decision to report.
    NotAPod,
}

/// Everything `explain` found.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// What was explained.
    pub subject: Subject,
    /// The time asked for (`--at`).
    pub at: Nanos,
    /// The time of the state evaluated: the last event at or before `at`, or the pod's
    /// creation when it came later.
    pub evaluated_at: Nanos,
    /// The profile (`schedulerName`) that schedules the pod.
    pub profile: String,
    /// The profile's baseline policy, if it is one rather than the plugin framework.
    pub baseline: Option<Baseline>,
    /// The requests evaluated, as text (`cpu 0.5, memory 536870912`).
    pub requests: String,
    /// Every node's name, by node index.
    pub nodes: Vec<String>,
    /// Every filter's verdict on every node, node by node, `NodeReady` first.
    pub verdicts: Vec<FilterVerdict>,
    /// Nodes that pass every filter, in node order.
    pub feasible: Vec<u32>,
    /// Per score plugin, its scores of the feasible nodes (empty for a baseline).
    pub parts: Vec<ScoreParts>,
    /// Weighted total per feasible node.
    pub totals: Vec<i64>,
    /// Per node, whether a sampled cycle started at the evaluated time would examine it.
    pub in_sample: Vec<bool>,
    /// kube-scheduler's message when no node is feasible.
    pub unschedulable: Option<String>,
    /// Where the pod went.
    pub fate: Fate,
    /// What the reader should know about how this was computed.
    pub notes: Vec<String>,
}

/// A pod name split into its owner and ordinal: `batch-3-0` → (`batch-3`, 0). `None` when
/// it cannot be a pod name (no `-<n>`, or `n` written with a sign or leading zeros).
fn split_pod_name(name: &str) -> Option<(&str, u32)> {
    let (owner, n) = name.rsplit_once('-')?;
    let ordinal: u32 = n.parse().ok()?;
    (ordinal.to_string() == n && !owner.is_empty()).then_some((owner, ordinal))
}

/// The pod called `<owner>-<ordinal>`, if it exists.
fn find_pod(cluster: &ClusterState, owner: &str, ordinal: u32) -> Option<PodId> {
    let o = cluster
        .owners
        .iter()
        .position(|x| x.name == owner && x.pods_created > ordinal)?;
    let k = cluster
        .pods
        .iter()
        .position(|p| p.owner as usize == o && p.ordinal == ordinal)?;
    Some(PodId(k as u32))
}

/// The error for a name that is no pod and no workload, with the closest name.
fn unknown(sim: &Simulation, name: &str) -> Error {
    let c = sim.cluster();
    let mut names: Vec<String> = (0..c.pods.len())
        .map(|k| c.pod_name(PodId(k as u32)))
        .collect();
    names.extend(sim.scenario().workloads.iter().map(|w| w.name.clone()));
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let hint = match crate::scenario::closest(name, &refs) {
        Some(m) => format!(" (did you mean `{m}`?)"),
        None => String::new(),
    };
    Error::Usage(format!(
        "--pod: no pod or workload is named `{name}` in this run{hint}; pods are named \
         `<owner>-<n>` as in pods.csv, workloads as in the scenario"
    ))
}

/// What to evaluate: a pod of the run as it is, or a copy made in a clone of the cluster
/// (which no controller ever sees, so the run is untouched).
enum Probe {
    /// A Pending pod of the run.
    Real(PodId),
    /// A new pod made from `new`, under `new.owner` or, with `owner`, under a new owner
    /// of that name and kind.
    Copy {
        new: Box<NewPod>,
        owner: Option<(String, OwnerKind)>,
    },
}

/// Replays `sim` to the last event at or before `at`, explains `name` (a pod
/// `<owner>-<n>` or a workload), then lets the replay go on until that pod is bound or the
/// run ends, to report where it went. The replay is the run itself: what it writes is
/// exactly what an uninterrupted run writes, and the caller may carry on to the end.
pub fn explain(sim: &mut Simulation, name: &str, at: Nanos) -> Result<Explanation, Error> {
    sim.run_until(at)?;
    let scenario = sim.scenario();
    let mut notes = Vec::new();
    let split = split_pod_name(name);
    let existing = split.and_then(|(o, n)| find_pod(sim.cluster(), o, n));
    let workload = scenario.workloads.iter().position(|w| w.name == name);
    let (subject, probe, pod) = match (existing, workload) {
        (Some(pod), _) => {
            let c = sim.cluster();
            let p = &c.pods[pod.index()];
            if p.phase == PodPhase::Pending {
                let subject = Subject::Pending {
                    pod: name.to_string(),
                    created: p.created,
                };
                (subject, Probe::Real(pod), Some(pod))
            } else {
                let node = p.node.map_or(String::new(), |n| {
                    format!(" on {}", c.nodes.name[n.index()])
                });
                notes.push(format!(
                    "{name} was created at {} s and is {}{node} at {} s: evaluated is a copy of \
                     it (same template and requests) against the cluster then",
                    format_seconds(p.created),
                    p.phase.as_str(),
                    format_seconds(sim.now())
                ));
                let subject = Subject::Placed {
                    pod: name.to_string(),
                    phase: p.phase,
                };
                let new = NewPod {
                    owner: p.owner,
                    workload: p.workload,
                    template: p.template,
                    requests: p.requests,
                    nonzero_requests: p.nonzero_requests,
                    usage: p.usage,
                    startup_delay: 0,
                    run_time: None,
                };
                let probe = Probe::Copy {
                    new: Box::new(new),
                    owner: None,
                };
                (subject, probe, Some(pod))
            }
        }
        (None, Some(w)) => {
            let (probe, note) = template_pod(sim.cluster(), scenario, WorkloadId(w as u32));
            notes.extend(note);
            let subject = Subject::Workload {
                workload: name.to_string(),
            };
            (subject, probe, None)
        }
        (None, None) => {
            // Replaying to the end when the name never appears is what lets the error
            // suggest the closest of every pod the run creates.
            let Some(pod) = wait_for(sim, split)? else {
                return Err(unknown(sim, name));
            };
            let created = sim.cluster().pods[pod.index()].created;
            let subject = Subject::CreatedLater {
                pod: name.to_string(),
                created,
            };
            (subject, Probe::Real(pod), Some(pod))
        }
    };
    if let Some(node) = scenario.templates[template_of(sim.cluster(), &probe)].node_name {
        notes.push(format!(
            "its template pins it with nodeName to {}: the scheduler never places it; this \
             shows what the scheduler would do with it",
            sim.cluster().nodes.name[node.index()]
        ));
    }
    let events_at = sim.events();
    let mut e = evaluate(sim, probe, subject, at);
    notes.append(&mut e.notes);
    e.notes = notes;
    e.fate = match pod {
        Some(pod) => follow(sim, pod, events_at)?,
        None => Fate::NotAPod,
    };
    e.notes.extend(fate_note(&e, sim, pod));
    Ok(e)
}

/// The template index of what is evaluated.
fn template_of(cluster: &ClusterState, probe: &Probe) -> usize {
    match probe {
        Probe::Real(p) => cluster.pods[p.index()].template as usize,
        Probe::Copy { new, .. } => new.template as usize,
    }
}

/// Steps the replay until the pod `<owner>-<ordinal>` is created; `None` if the run ends
/// first (at once, without a name to look for). Only the pods each event creates are
/// looked at.
fn wait_for(sim: &mut Simulation, name: Option<(&str, u32)>) -> Result<Option<PodId>, Error> {
    loop {
        let before = sim.cluster().pods.len();
        if !sim.step()? {
            return Ok(None);
        }
        let Some((owner, ordinal)) = name else {
            continue;
        };
        let c = sim.cluster();
        let found = (before..c.pods.len()).find(|&k| {
            let p = &c.pods[k];
            p.ordinal == ordinal && c.owners[p.owner as usize].name == owner
        });
        if let Some(k) = found {
            return Ok(Some(PodId(k as u32)));
        }
    }
}

/// Steps the replay until `pod` is bound or ends, or the run ends.
fn follow(sim: &mut Simulation, pod: PodId, events_at: u64) -> Result<Fate, Error> {
    loop {
        let c = sim.cluster();
        let p = &c.pods[pod.index()];
        if let (Some(n), Some(at)) = (p.node, p.bound) {
            return Ok(Fate::Bound {
                node: c.nodes.name[n.index()].clone(),
                index: n.0,
                at,
                events_after: sim.events().saturating_sub(events_at),
            });
        }
        if p.phase.is_terminal() {
            return Ok(Fate::Ended {
                phase: p.phase,
                at: p.finished.unwrap_or(sim.now()),
            });
        }
        if !sim.step()? {
            let end = sim.scenario().duration.unwrap_or(sim.now());
            return Ok(Fate::NeverBound { end });
        }
    }
}

/// A fresh pod of workload `w`'s template, with its requests (their means when they are
/// drawn per Job, said in the returned note).
fn template_pod(
    cluster: &ClusterState,
    scenario: &Scenario,
    w: WorkloadId,
) -> (Probe, Option<String>) {
    let workload = &scenario.workloads[w.index()];
    let (requests, nonzero, note) = mean_requests(&workload.requests);
    let new = NewPod {
        owner: 0,
        workload: w,
        template: workload.template,
        requests,
        nonzero_requests: nonzero,
        usage: requests,
        startup_delay: 0,
        run_time: None,
    };
    let deployment = cluster
        .owners
        .iter()
        .position(|o| o.kind == OwnerKind::Deployment(w));
    let probe = match deployment {
        Some(o) => Probe::Copy {
            new: Box::new(NewPod {
                owner: o as u32,
                ..new
            }),
            owner: None,
        },
        // A Job workload's pods belong to Jobs that may not exist yet: the copy gets an
        // owner of its own, a Job no controller knows (`u32::MAX`).
        None => Probe::Copy {
            new: Box::new(new),
            owner: Some((workload.name.clone(), OwnerKind::Job(JobId(u32::MAX)))),
        },
    };
    (probe, note)
}

/// A request model's requests: the template's own, or the means of what is drawn.
fn mean_requests(model: &RequestModel) -> (Resources, [i64; 2], Option<String>) {
    match model {
        RequestModel::Fixed { requests, nonzero } => (*requests, *nonzero, None),
        RequestModel::PerResource {
            base,
            base_nonzero,
            draws,
            overhead,
        } => {
            let (r, nz) = crate::controllers::per_resource(
                (*base, *base_nonzero),
                draws,
                overhead,
                Distribution::mean,
            );
            let note = "its requests are drawn per Job (simulation.requests): evaluated with \
                        the mean of each distribution, rounded up as a drawn request is";
            (r, nz, Some(note.to_string()))
        }
        RequestModel::Choice { options, pick } => {
            let (mut r, mut nz) = (Resources::ZERO, [0i64; 2]);
            if let Distribution::Choice { values, weights } = pick {
                let total = weights.total_weight();
                let mut sum = ([0f64; crate::cluster::resources::MAX_RESOURCES], [0f64; 2]);
                for (&v, w) in values.iter().zip(weights.weights()) {
                    let Some((o, onz)) = options.get(v as usize) else {
                        continue;
                    };
                    for (s, x) in sum.0.iter_mut().zip(o.0) {
                        *s += x as f64 * w / total;
                    }
                    for (s, x) in sum.1.iter_mut().zip(onz) {
                        *s += *x as f64 * w / total;
                    }
                }
                for (x, s) in r.0.iter_mut().zip(sum.0) {
                    *x = s.ceil() as i64;
                }
                for (x, s) in nz.iter_mut().zip(sum.1) {
                    *x = s.ceil() as i64;
                }
            }
            let note = "its requests are one of several per Job (simulation.requestChoice): \
                        evaluated with their weighted mean, rounded up";
            (r, nz, Some(note.to_string()))
        }
    }
}

/// Evaluates `probe` on every node with the profile that schedules it.
fn evaluate(sim: &mut Simulation, probe: Probe, subject: Subject, at: Nanos) -> Explanation {
    let evaluated_at = sim.now();
    let scenario = sim.scenario();
    let (scheduler, cluster) = sim.scheduler();
    let copy;
    let (cluster, pod) = match probe {
        Probe::Real(p) => (cluster, p),
        Probe::Copy { mut new, owner } => {
            let mut c = cluster.clone();
            if let Some((name, kind)) = owner {
                new.owner = c.add_owner(name, kind);
            }
            let p = c.create_pod(*new, evaluated_at);
            copy = c;
            (&copy, p)
        }
    };
    let profile = scheduler.profile_for(cluster, pod);
    let (verdicts, feasible, parts, totals) = profile.evaluate(cluster, pod);
    let sample = profile.sample_of(cluster, pod);
    let profile_name = profile.name().to_string();
    let unschedulable = feasible
        .is_empty()
        .then(|| scheduler.unschedulable_message(cluster, pod));
    let mut in_sample = vec![false; cluster.nodes.len()];
    for &i in &sample {
        in_sample[i as usize] = true;
    }
    let baseline = scenario
        .scheduler
        .profiles
        .iter()
        .find(|p| p.name == profile_name)
        .and_then(|p| match p.policy {
            PolicyConfig::Baseline(b) => Some(b),
            PolicyConfig::Framework(_) => None,
        });
    let mut notes = Vec::new();
    if sample.len() < cluster.nodes.len() {
        notes.push(format!(
            "a cycle started now would examine only {} of the {} nodes (percentageOfNodesToScore, \
             from where the rotation stands); scores here are normalized over every feasible \
             node, a real cycle normalizes over the feasible nodes it examined",
            sample.len(),
            cluster.nodes.len()
        ));
    }
    let requests = &cluster.pods[pod.index()].requests;
    let requests = (0..cluster.resources.len())
        .filter(|&r| requests.0[r] != 0)
        .map(|r| format!("{} {}", cluster.resources.name(r), amount(r, requests.0[r])))
        .collect::<Vec<_>>()
        .join(", ");
    Explanation {
        subject,
        at,
        evaluated_at,
        profile: profile_name,
        baseline,
        requests: if requests.is_empty() {
            "none".to_string()
        } else {
            requests
        },
        nodes: cluster.nodes.name.clone(),
        verdicts,
        feasible,
        parts,
        totals,
        in_sample,
        unschedulable,
        fate: Fate::NotAPod,
        notes,
    }
}

/// Why the run's choice may differ from what the evaluation ranks first.
fn fate_note(e: &Explanation, sim: &Simulation, pod: Option<PodId>) -> Option<String> {
    let Fate::Bound {
        node,
        index,
        events_after,
        ..
    } = &e.fate
    else {
        return None;
    };
    if matches!(e.subject, Subject::Placed { .. }) {
        return None;
    }
    let nominated = pod.and_then(|p| sim.cluster().pods[p.index()].nominated_node);
    if nominated.is_some_and(|n| n.0 == *index) {
        return Some(format!(
            "preemption nominated {node} for it, and a nominated pod's cycle tries that node first"
        ));
    }
    let changed = format!(
        "the cluster changed in the {events_after} events between this evaluation and its binding"
    );
    if e.feasible.is_empty() {
        return Some(format!(
            "no node fit here; it was bound {events_after} events later, once the cluster \
             had changed"
        ));
    }
    let Some(k) = e.feasible.iter().position(|n| n == index) else {
        return Some(format!("{node} did not pass the filters here: {changed}"));
    };
    if e.baseline.is_some() {
        return None;
    }
    // A cycle picks among the feasible nodes it examined.
    let sampled: Vec<i64> = (0..e.feasible.len())
        .filter(|&j| e.in_sample[e.feasible[j] as usize])
        .map(|j| e.totals[j])
        .collect();
    let best = sampled.iter().copied().max().unwrap_or(0);
    let ties = sampled.iter().filter(|&&t| t == best).count();
    if e.totals[k] < best {
        Some(format!(
            "{node} scored {} here, below the best {best}: {changed}",
            e.totals[k]
        ))
    } else if ties > 1 {
        Some(format!(
            "{ties} examined nodes tie at the best total {best}; the scheduler picks one of \
             them at random from its own stream"
        ))
    } else {
        None
    }
}

impl Explanation {
    /// Writes `filters.csv` and `scores.csv` to `dir` (created if needed).
    pub fn write_files(&self, dir: &Path) -> Result<(), Error> {
        let out = |e: std::io::Error| Error::Output(format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(out)?;
        let file = |name: &str| {
            let path = dir.join(name);
            std::fs::File::create(&path)
                .map(std::io::BufWriter::new)
                .map_err(|e| Error::Output(format!("{}: {e}", path.display())))
        };
        self.write_filters(file("filters.csv")?)
            .map_err(Error::output)?;
        self.write_scores(file("scores.csv")?)
            .map_err(Error::output)
    }

    /// `node,plugin,passed,reason`: every node × (`NodeReady` and every filter plugin).
    pub fn write_filters(&self, out: impl Write) -> std::io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(["node", "plugin", "passed", "reason"])?;
        for v in &self.verdicts {
            let passed = if v.reasons.is_empty() {
                "true"
            } else {
                "false"
            };
            w.write_record([
                self.nodes[v.node as usize].as_str(),
                v.plugin,
                passed,
                &v.reasons.join("; "),
            ])?;
        }
        w.flush()
    }

    /// `node,plugin,score,normalized_score,weight,weighted_score,in_sample`: every
    /// feasible node × score plugin, then the node's `total` row.
    pub fn write_scores(&self, out: impl Write) -> std::io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "node",
            "plugin",
            "score",
            "normalized_score",
            "weight",
            "weighted_score",
            "in_sample",
        ])?;
        for (k, &i) in self.feasible.iter().enumerate() {
            let node = self.nodes[i as usize].as_str();
            let sampled = if self.in_sample[i as usize] {
                "true"
            } else {
                "false"
            };
            for p in &self.parts {
                w.write_record([
                    node,
                    p.plugin,
                    &p.raw[k].to_string(),
                    &p.normalized[k].to_string(),
                    &p.weight.to_string(),
                    &(p.normalized[k] * p.weight).to_string(),
                    sampled,
                ])?;
            }
            let total = self.totals.get(k).copied().unwrap_or(0).to_string();
            w.write_record([node, "total", "", "", "", &total, sampled])?;
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::resources::{CPU, MEMORY};

    #[test]
    fn pod_names_split_at_the_last_dash() {
        assert_eq!(split_pod_name("batch-3-0"), Some(("batch-3", 0)));
        assert_eq!(split_pod_name("web-12"), Some(("web", 12)));
        // Not names kubesim writes: no ordinal, a sign, leading zeros, no owner.
        for bad in ["web", "web-", "web-+1", "web-01", "-3", "web-x"] {
            assert_eq!(split_pod_name(bad), None, "{bad}");
        }
    }

    fn res(cpu: i64, memory: i64) -> Resources {
        let mut r = Resources::ZERO;
        r.0[CPU] = cpu;
        r.0[MEMORY] = memory;
        r
    }

    /// Drawn requests are evaluated with their means: uniform on [0.5, 1.5) cores has
    /// mean 1 core, plus 100m overhead; a 3:1 choice between 1000m/2 GiB and 3500m/4 GiB
    /// has mean (3·1000 + 3500)/4 = 1625m and (3·2 + 4)/4 = 2.5 GiB.
    #[test]
    fn drawn_requests_are_evaluated_with_their_means() {
        let gib = 1i64 << 30;
        let per = RequestModel::PerResource {
            base: res(250, gib),
            base_nonzero: [250, gib],
            draws: vec![(CPU, Distribution::Uniform { min: 0.5, max: 1.5 })],
            overhead: res(100, 0),
        };
        let (r, nz, note) = mean_requests(&per);
        assert_eq!((r, nz), (res(1100, gib), [1100, gib]));
        assert!(note.is_some_and(|n| n.contains("mean")));
        let choice = RequestModel::Choice {
            options: vec![
                (res(1000, 2 * gib), [1000, 2 * gib]),
                (res(3500, 4 * gib), [3500, 4 * gib]),
            ],
            pick: Distribution::choice(vec![0.0, 1.0], &[3.0, 1.0]).expect("valid choice"),
        };
        let (r, nz, _) = mean_requests(&choice);
        assert_eq!((r, nz), (res(1625, 5 * gib / 2), [1625, 5 * gib / 2]));
    }
}
