//! Drains under PodDisruptionBudgets and ResourceQuota admission, checked after every
//! event of a run.

mod common;

use common::{quota_usage, scenario};
use kubesim::Simulation;
use kubesim::cluster::ClusterState;
use kubesim::cluster::disruption::status;
use kubesim::cluster::pod::PodPhase;
use kubesim::engine::time::NANOS_PER_SEC;
use kubesim::scenario::Scenario;

/// Nine 500m replicas over three 4-core nodes, drained one node at a time (each back 30 s
/// after it is empty), under the budget `spec`.
fn drained(spec: &str) -> String {
    format!(
        r#"
apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: drain}}
duration: 30m
cluster:
  nodePools:
    - {{name: w, count: 3, capacity: {{cpu: 4, memory: 16Gi, pods: 110}}}}
workloads:
  deployments:
    - metadata: {{name: app}}
      spec:
        replicas: 9
        template:
          metadata: {{labels: {{app: app}}}}
          spec:
            terminationGracePeriodSeconds: 5
            containers: [{{name: c, resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}}}]
      simulation: {{startupDelay: 10s}}
{budgets}events:
  - {{at: 2m, type: drain, pool: w, oneAtATime: true, uncordonAfter: 30s}}
"#,
        budgets = if spec.is_empty() {
            String::new()
        } else {
            format!(
                "podDisruptionBudgets:\n  - metadata: {{name: app}}\n    spec: {{{spec}, selector: {{matchLabels: {{app: app}}}}}}\n"
            )
        }
    )
}

/// Steps `run` to its end; after every event from the drain's start on, checks that the
/// budgets of `budgets` hold whenever they held when the drain started. Returns the
/// finished run's figures and whether a budget was ever broken.
fn run_checking_budgets(run: &Scenario, budgets: &Scenario) -> (kubesim::Outcome, bool) {
    let drain_at = 120 * NANOS_PER_SEC;
    let mut sim = Simulation::new(run, Box::new(std::io::sink()), Box::new(std::io::sink()))
        .expect("simulation builds");
    sim.check_every_event(true);
    let mut held: Option<Vec<bool>> = None;
    let mut broken = false;
    let holds = |c: &ClusterState| -> Vec<bool> {
        budgets
            .pdbs
            .iter()
            .map(|b| {
                let s = status(c, b);
                s.current_healthy >= s.desired_healthy
            })
            .collect()
    };
    while sim.step().expect("step") {
        if sim.now() < drain_at {
            held = Some(holds(sim.cluster()));
            continue;
        }
        let before = held.clone().expect("events before the drain");
        for (k, ok) in holds(sim.cluster()).into_iter().enumerate() {
            broken |= before[k] && !ok;
        }
    }
    (sim.run(None).expect("run ends"), broken)
}

#[test]
fn a_drain_never_breaks_a_budget() {
    // minAvailable 8 and 80% (⌈7.2⌉ = 8) allow one disruption of nine, maxUnavailable 1
    // one, 20% (⌈1.8⌉ = 2) two: a node holds three pods, so each drain waits for
    // replacements (Ready 10 s after binding) and retries its refused evictions.
    for spec in [
        "minAvailable: 8",
        "minAvailable: 80%",
        "maxUnavailable: 1",
        "maxUnavailable: 20%",
    ] {
        let s = scenario(&drained(spec));
        let (out, broken) = run_checking_budgets(&s, &s);
        assert!(!broken, "{spec}: a budget was broken");
        let rec = &out.recorder;
        assert!(rec.evictions_blocked > 0, "{spec}: no eviction was refused");
        // Every node was drained and uncordoned again, and the nine replicas run; pods
        // moved onto a node drained later are evicted again, so at least nine evictions.
        assert!(rec.pods_evicted >= 9, "{spec}");
        assert_eq!(rec.drain_times.len(), 3, "{spec}");
        assert!(out.cluster.nodes.unschedulable.iter().all(|u| !u), "{spec}");
        assert_eq!(out.cluster.count(PodPhase::Running), 9, "{spec}");
        // One disruption at a time: the first node's three pods go at 120 s, then each
        // when the previous one's replacement is Ready (bound at once, Ready 10 s later,
        // seen by the retry at that same instant), so at 120, 130 and 140 s; the last
        // leaves after its 5 s grace period: 25 s. With two allowed, two go at 120 s
        // and the third at 130 s: 15 s.
        let first = if spec.ends_with("20%") { 15 } else { 25 };
        assert_eq!(rec.drain_times[0], first * NANOS_PER_SEC, "{spec}");
    }
}

#[test]
fn the_budget_check_catches_a_drain_without_budgets() {
    // Negative control: the same drain with no budget in the scenario evicts all three
    // pods of a node at once, which the checker (reading the budget of the first
    // scenario) must see as broken.
    let with = scenario(&drained("minAvailable: 8"));
    let without = scenario(&drained(""));
    let (out, broken) = run_checking_budgets(&without, &with);
    assert!(broken);
    assert_eq!(out.recorder.evictions_blocked, 0);
}

/// Six one-pod Jobs at t = 0 in namespace `batch`, 1 core each for 60 s, under a quota of
/// 2 cores of requests.
const QUOTA: &str = r#"
apiVersion: kubesim/v1
kind: Scenario
metadata: {name: quota}
cluster:
  nodePools:
    - {name: n, count: 2, capacity: {cpu: 8, memory: 32Gi, pods: 110}}
workloads:
  jobs:
    - metadata: {name: report, namespace: batch}
      spec:
        template:
          spec:
            restartPolicy: Never
            containers:
              - name: c
                resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
      simulation:
        arrivals: {times: [0s, 0s, 0s, 0s, 0s, 0s]}
        runTime: 60s
resourceQuotas:
  - metadata: {name: compute, namespace: batch}
    spec:
      hard: {requests.cpu: 2, limits.cpu: 4, pods: 5, count/jobs.batch: 10}
"#;

#[test]
fn a_quota_is_never_exceeded_and_refused_pods_come_later() {
    let s = scenario(QUOTA);
    let mut sim = Simulation::new(&s, Box::new(std::io::sink()), Box::new(std::io::sink()))
        .expect("simulation builds");
    sim.check_every_event(true);
    let mut peak = 0;
    while sim.step().expect("step") {
        for (q, used) in s.quotas.iter().zip(quota_usage(&s, sim.cluster())) {
            for (h, u) in q.hard.iter().zip(used) {
                assert!(u <= h.value, "{} over {} at {}", h.key, h.value, sim.now());
                if h.key == "requests.cpu" {
                    peak = peak.max(u);
                }
            }
        }
    }
    assert_eq!(peak, 2000);
    let out = sim.run(None).expect("run ends");
    // Hand-derived: Jobs 0 and 1 run from 0 (Ready at 1 s, done at 61 s). Jobs 2–5 are
    // refused at 0 and requeued after 5 ms · 2^(n−1): the n-th retry comes at
    // 5 ms · (2^n − 1), first past 61 s at n = 14 (81.915 s), so each is refused 14
    // times; at 81.915 s Jobs 2 and 3 get in, 4 and 5 are refused a 15th time and retry
    // 81.92 s later (163.835 s), after 2 and 3 finished (142.915 s).
    assert_eq!(out.recorder.quota_rejections.get("batch"), Some(&58));
    assert_eq!(out.recorder.jobs[1], 6);
    let starts: Vec<u64> = out
        .cluster
        .pods
        .iter()
        .map(|p| p.created / 1_000_000)
        .collect();
    assert_eq!(starts, vec![0, 0, 81_915, 81_915, 163_835, 163_835]);
}

#[test]
fn object_counts_refuse_jobs_and_deployments() {
    // count/jobs.batch 2 of four Job submissions, count/deployments.apps 1 of two
    // Deployments: two Jobs and one Deployment refused, three refusals in all.
    let (_, out) = common::run_checked(
        r#"
apiVersion: kubesim/v1
kind: Scenario
metadata: {name: objects}
cluster:
  nodePools: [{name: n, count: 1, capacity: {cpu: 8, memory: 32Gi}}]
workloads:
  deployments:
    - metadata: {name: a}
      spec: {replicas: 1, template: {spec: {containers: [{name: c}]}}}
    - metadata: {name: b}
      spec: {replicas: 1, template: {spec: {containers: [{name: c}]}}}
  jobs:
    - metadata: {name: j}
      spec: {template: {spec: {restartPolicy: Never, containers: [{name: c}]}}}
      simulation: {arrivals: {times: [0s, 10s, 20s, 30s]}, runTime: 1s}
resourceQuotas:
  - metadata: {name: objects}
    spec: {hard: {count/jobs.batch: 2, count/deployments.apps: 1}}
"#,
    );
    let rec = &out.recorder;
    assert_eq!(rec.quota_rejections.get("default"), Some(&3));
    assert_eq!(rec.jobs[0], 2);
    assert_eq!(rec.workloads[0].pods_created, 1);
    assert_eq!(rec.workloads[1].pods_created, 0);
}

#[test]
fn preemption_counts_budget_violations() {
    // Hand-built: one 2-core node full with two 1-core low-priority pods under
    // minAvailable 2 (no disruption allowed); a high-priority 2-core pod must evict both,
    // and both evictions break the budget.
    let (_, out) = common::run_checked(
        r#"
apiVersion: kubesim/v1
kind: Scenario
metadata: {name: preempt}
duration: 5m
cluster:
  nodePools: [{name: n, count: 1, capacity: {cpu: 2, memory: 8Gi}}]
priorityClasses: [{name: high, value: 1000}]
workloads:
  deployments:
    - metadata: {name: low}
      spec:
        replicas: 2
        template:
          metadata: {labels: {app: low}}
          spec: {containers: [{name: c, resources: {requests: {cpu: 1}}}]}
  jobs:
    - metadata: {name: urgent}
      spec:
        template:
          spec:
            priorityClassName: high
            restartPolicy: Never
            containers: [{name: c, resources: {requests: {cpu: 2}}}]
      simulation: {arrivals: {times: [1m]}, runTime: 10s}
podDisruptionBudgets:
  - metadata: {name: low}
    spec: {minAvailable: 2, selector: {matchLabels: {app: low}}}
"#,
    );
    assert_eq!(out.recorder.pods_preempted, 2);
    assert_eq!(out.recorder.preemption_pdb_violations, 2);
}

/// A Deployment the quota refused does not exist: a later `scale` of it creates nothing.
#[test]
fn a_refused_deployment_stays_refused_when_scaled() {
    let text = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: refused}
duration: 5m
cluster:
  nodePools:
    - {name: n, count: 1, capacity: {cpu: 8, memory: 16Gi}}
resourceQuotas:
  - metadata: {name: q, namespace: team}
    spec: {hard: {count/deployments.apps: 1}}
workloads:
  deployments:
    - metadata: {name: a, namespace: team}
      spec:
        replicas: 1
        template:
          spec:
            containers: [{name: c, resources: {requests: {cpu: 100m}}}]
    - metadata: {name: b, namespace: team}
      spec:
        replicas: 1
        template:
          spec:
            containers: [{name: c, resources: {requests: {cpu: 100m}}}]
events:
  - {at: 1m, type: scale, deployment: b, replicas: 3}
";
    let (_, o) = common::run_checked(text);
    let owners: Vec<&str> = o
        .cluster
        .pods
        .iter()
        .map(|p| o.cluster.owners[p.owner as usize].name.as_str())
        .collect();
    assert_eq!(owners, vec!["a"]);
    assert_eq!(o.recorder.quota_rejections.get("team"), Some(&1));
}

/// A rollout under a pod quota that leaves no room to surge: each step waits for the two
/// old pods it terminates (30 s grace) to give their quota back, and the Deployment creates
/// the new pods at that instant (as the ReplicaSet controller re-syncs on a pod deletion),
/// not at the end of its quota back-off. Rollout at 60 s; each step: 30 s grace, then the
/// new pods start 1 s later and are available at once: 5 steps of 31 s, complete at 215 s.
#[test]
fn a_rollout_under_a_full_quota_moves_as_soon_as_its_pods_free_the_quota() {
    let text = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: tight}
duration: 10m
cluster:
  nodePools:
    - {name: n, count: 2, capacity: {cpu: 16, memory: 64Gi}}
resourceQuotas:
  - metadata: {name: q, namespace: team}
    spec: {hard: {pods: 10}}
workloads:
  deployments:
    - metadata: {name: web, namespace: team}
      spec:
        replicas: 10
        strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 2}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: c, resources: {requests: {cpu: 100m}}}]
events:
  - at: 60s
    type: rollout
    deployment: web
    template:
      metadata: {labels: {app: web, version: v2}}
      spec:
        containers: [{name: c, resources: {requests: {cpu: 200m}}}]
";
    let (o, rows) = common::run_with_events(text);
    let complete: Vec<&str> = rows
        .iter()
        .filter(|r| r[1] == "rollout_complete" && r[4] == "revision 2")
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(complete, vec!["215"]);
    assert!(
        o.recorder
            .quota_rejections
            .get("team")
            .is_some_and(|&n| n >= 5)
    );
}
