//! Node failures and the node lifecycle controller, against hand-derived timelines
//! (kube-controller-manager's rules with v1.35 defaults: grace 50 s, monitor period 5 s,
//! eviction rate 0.1/s, secondary rate 0.01/s, unhealthy threshold 0.55, large zone > 50
//! nodes, tolerationSeconds 300) and, for random failures, the closed-form availability of
//! an alternating renewal process. Every run checks the model's invariants after each
//! event (no Running pod on a node that is down, the accounts add up).

mod common;
use common::*;
use kubesim::cluster::pod::{PodPhase, PodReason};

/// The rows named `event` about `object`.
fn rows_of<'a>(rows: &'a [Vec<String>], event: &str, object: &str) -> Vec<&'a Vec<String>> {
    rows.iter()
        .filter(|r| r[1] == event && r[2] == object)
        .collect()
}

/// A pod of the outcome by name.
fn pod<'a>(o: &'a kubesim::Outcome, name: &str) -> &'a kubesim::cluster::pod::Pod {
    let c = &o.cluster;
    let i = (0..c.pods.len())
        .find(|&i| c.pod_name(kubesim::cluster::ids::PodId(i as u32)) == name)
        .unwrap_or_else(|| panic!("no pod {name}"));
    &c.pods[i]
}

const S: u64 = 1_000_000_000;

/// One Deployment of one pod on pool `a`, with `tolerations` (YAML flow list).
fn deployment(name: &str, tolerations: &str) -> String {
    format!(
        "    - metadata: {{name: {name}}}
      spec:
        replicas: 1
        template:
          spec:
            nodeSelector: {{kubesim.io/pool: a}}
            tolerations: {tolerations}
            containers: [{{name: c, resources: {{requests: {{cpu: 100m}}}}}}]
"
    )
}

/// Node `a-0` (zone z1, alone) fails at 100 s; zone z2 stays healthy, so the
/// unreachable NoExecute taint lands at once when the controller notices.
fn eviction_scenario(lifecycle: &str) -> String {
    let mut y = format!(
        "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: eviction}}
duration: 30m
{lifecycle}cluster:
  nodePools:
    - {{name: a, count: 1, zones: [z1], capacity: {{cpu: 8, memory: 32Gi}}}}
    - {{name: b, count: 2, zones: [z2], capacity: {{cpu: 8, memory: 32Gi}}}}
workloads:
  deployments:
"
    );
    y += &deployment("default", "[]");
    y += &deployment(
        "sixty",
        "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]",
    );
    y += &deployment(
        "zero",
        "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 0}]",
    );
    // Names the key, so the admission plugin adds nothing, but matches another value:
    // the taint is not tolerated.
    y += &deployment(
        "mismatch",
        "[{key: node.kubernetes.io/unreachable, operator: Equal, value: x, effect: NoExecute}]",
    );
    y += &deployment(
        "forever",
        "[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}]",
    );
    y += "events:\n  - {at: 100s, type: node_failure, nodes: [a-0]}\n";
    y
}

#[test]
fn pods_are_evicted_when_their_tolerations_run_out() {
    let (o, rows) = run_with_events(&eviction_scenario(""));
    // Failure at 100 s; silent for more than 50 s at the first tick of 5 s after 150 s.
    assert_eq!(times(&rows, "node_failed"), vec![100.0]);
    assert_eq!(times(&rows, "node_not_ready"), vec![155.0]);
    assert_eq!(times(&rows, "node_tainted"), vec![155.0]);
    for (name, at) in [
        ("default-0", 155 + 300),
        ("sixty-0", 155 + 60),
        ("zero-0", 155),
        ("mismatch-0", 155),
    ] {
        let p = pod(&o, name);
        assert_eq!(p.phase, PodPhase::Deleted, "{name}");
        assert_eq!(p.reason, Some(PodReason::DeletionByTaintManager), "{name}");
        assert_eq!(p.finished, Some(at * S), "{name}");
        assert_eq!(rows_of(&rows, "pod_evicted", name).len(), 1, "{name}");
    }
    // Tolerated forever: still bound to the dead node, not ready, never replaced.
    let p = pod(&o, "forever-0");
    assert_eq!(p.phase, PodPhase::Bound);
    assert_eq!(p.ready_since, None);
    assert_eq!(o.recorder.pods_evicted_by_taint, 4);
    // Replacements were created at once but have nowhere to go (pool a is down).
    assert_eq!(pod(&o, "default-1").created, 455 * S);
    assert_eq!(pod(&o, "default-1").phase, PodPhase::Pending);
    assert!(rows_of(&rows, "pod_evicted", "default-0")[0][4].contains("tolerationSeconds 300"));
    assert!(rows_of(&rows, "pod_evicted", "mismatch-0")[0][4].contains("not tolerated"));
}

#[test]
fn detection_waits_for_the_first_tick_strictly_after_the_grace_period() {
    // 100 + 40 = 140 s is itself a tick of 7 s (7 × 20): detection at the next, 147 s.
    let (o, rows) = run_with_events(&eviction_scenario(
        "nodeLifecycle: {nodeMonitorGracePeriod: 40s, nodeMonitorPeriod: 7s}\n",
    ));
    assert_eq!(times(&rows, "node_not_ready"), vec![147.0]);
    assert_eq!(pod(&o, "sixty-0").finished, Some(207 * S));
    assert_eq!(pod(&o, "default-0").finished, Some(447 * S));
}

/// A cluster of pools `(name, nodes, zone)` without workloads, with `events` (YAML list
/// entries, one per line).
fn zones_scenario(pools: &[(&str, u32, &str)], events: &[&str]) -> String {
    let mut y = String::from(
        "apiVersion: kubesim/v1\nkind: Scenario\nmetadata: {name: zones}\nduration: 1h\ncluster:\n  nodePools:\n",
    );
    for (name, count, zone) in pools {
        y += &format!(
            "    - {{name: {name}, count: {count}, zones: [{zone}], capacity: {{cpu: 4, memory: 16Gi}}}}\n"
        );
    }
    y += "events:\n";
    for e in events {
        y += &format!("  - {e}\n");
    }
    y
}

/// `first`, `first + step`, … (`n` values).
fn every(first: f64, step: f64, n: usize) -> Vec<f64> {
    (0..n).map(|k| first + step * k as f64).collect()
}

#[test]
fn a_normal_zone_is_tainted_one_node_per_ten_seconds() {
    // 5 of 20 nodes: 0.25 < 0.55, the zone stays Normal at 0.1 nodes/s.
    let text = zones_scenario(
        &[("a", 20, "z1"), ("b", 5, "z2")],
        &["{at: 100s, type: node_failure, pool: a, count: 5}"],
    );
    let (_, rows) = run_with_events(&text);
    assert_eq!(times(&rows, "node_not_ready"), vec![155.0; 5]);
    assert_eq!(times(&rows, "node_tainted"), every(155.0, 10.0, 5));
}

#[test]
fn a_large_partially_disrupted_zone_is_tainted_at_the_secondary_rate() {
    // 40 of 60 nodes: 0.67 >= 0.55 and more than 2: PartialDisruption; 60 > 50 nodes,
    // so 0.01 nodes/s. The swap from 0.1 finds the old bucket full, so the new one starts
    // full: the first taint at once, then one per 100 s until the hour is over.
    let text = zones_scenario(
        &[("a", 60, "z1"), ("b", 5, "z2")],
        &["{at: 100s, type: node_failure, pool: a, count: 40}"],
    );
    let (_, rows) = run_with_events(&text);
    assert_eq!(times(&rows, "node_not_ready").len(), 40);
    // 155, 255, …, 3555 (the run ends at 3600 s).
    assert_eq!(times(&rows, "node_tainted"), every(155.0, 100.0, 35));
}

#[test]
fn a_small_partially_disrupted_zone_is_not_tainted() {
    // 6 of 10: PartialDisruption in a zone of at most 50 nodes: rate 0.
    let text = zones_scenario(
        &[("a", 10, "z1"), ("b", 5, "z2")],
        &["{at: 100s, type: node_failure, pool: a, count: 6}"],
    );
    let (_, rows) = run_with_events(&text);
    assert_eq!(times(&rows, "node_not_ready").len(), 6);
    assert!(times(&rows, "node_tainted").is_empty());
}

#[test]
fn a_fully_disrupted_zone_is_tainted_at_the_normal_rate() {
    // Zone z1 has no Ready node left while z2 is fine: FullDisruption keeps 0.1 nodes/s
    // (the same rate: no swap, the bucket is full).
    let text = zones_scenario(
        &[("a", 5, "z1"), ("b", 5, "z2")],
        &["{at: 100s, type: zone_outage, zone: z1, duration: 30m}"],
    );
    let (_, rows) = run_with_events(&text);
    assert_eq!(times(&rows, "node_tainted"), every(155.0, 10.0, 5));
    assert_eq!(times(&rows, "node_repaired"), vec![1900.0; 5]);
    assert_eq!(times(&rows, "node_ready"), vec![1900.0; 5]);
}

#[test]
fn nothing_is_tainted_while_every_zone_is_fully_disrupted() {
    // Both zones down: all tainting stops. Zone z2 is back at 300 s: the disruption
    // mode ends, z1 (still fully disrupted) gets the normal rate from an emptied
    // bucket (the old limiter granted nothing), so its first taint waits 10 s.
    let text = zones_scenario(
        &[("a", 3, "z1"), ("b", 3, "z2")],
        &[
            "{at: 100s, type: zone_outage, zone: z1, duration: 50m}",
            "{at: 100s, type: zone_outage, zone: z2, duration: 200s}",
        ],
    );
    let (_, rows) = run_with_events(&text);
    assert_eq!(times(&rows, "node_not_ready"), vec![155.0; 6]);
    assert_eq!(times(&rows, "node_tainted"), every(310.0, 10.0, 3));
    // Every node of z1 is tainted, none of z2.
    for r in rows.iter().filter(|r| r[1] == "node_tainted") {
        assert!(r[2].starts_with("a-"), "{r:?}");
    }
}

#[test]
fn taints_are_taken_back_when_every_zone_becomes_fully_disrupted() {
    // z1 goes down at 100 s and its first node is tainted at 155 s (the next could be
    // at 165 s); z2 follows at 110 s and is noticed at the 165 s tick: now every zone is
    // fully disrupted, so tainting stops before the 165 s pass and the taint placed at
    // 155 s is taken back, its pending evictions cancelled.
    let text = zones_scenario(
        &[("a", 3, "z1"), ("b", 3, "z2")],
        &[
            "{at: 100s, type: zone_outage, zone: z1, duration: 50m}",
            "{at: 110s, type: zone_outage, zone: z2, duration: 50m}",
        ],
    );
    let (_, rows) = run_with_events(&text);
    let before_repairs = |t: &f64| *t < 3100.0;
    let tainted: Vec<f64> = times(&rows, "node_tainted")
        .into_iter()
        .filter(before_repairs)
        .collect();
    assert_eq!(tainted, vec![155.0]);
    assert_eq!(times(&rows, "node_untainted"), vec![165.0]);
    assert_eq!(rows_of(&rows, "node_untainted", "a-0").len(), 1);
}

/// Pools a (zone z1) and b, c (zone z2) of one node each with room for one `web` pod:
/// `web-0`/`web-1` land on a-0 and b-0, c-0 stays free for a replacement. a-0 fails at
/// 100 s and comes back `repair_after` later.
fn repair_scenario(repair_after: &str) -> String {
    format!(
        "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: repair}}
duration: 20m
cluster:
  nodePools:
    - {{name: a, count: 1, zones: [z1], capacity: {{cpu: 4, memory: 16Gi}}}}
    - {{name: b, count: 1, zones: [z2], capacity: {{cpu: 4, memory: 16Gi}}}}
    - {{name: c, count: 1, zones: [z2], capacity: {{cpu: 4, memory: 16Gi}}, addedAt: 1s}}
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        replicas: 2
        template:
          spec:
            containers: [{{name: c, resources: {{requests: {{cpu: 3}}}}}}]
events:
  - {{at: 100s, type: node_failure, nodes: [a-0], repairAfter: {repair_after}}}
"
    )
}

/// The pod of the outcome bound to node `node` first (by creation).
fn first_pod_on<'a>(
    o: &'a kubesim::Outcome,
    node: &str,
) -> (String, &'a kubesim::cluster::pod::Pod) {
    let c = &o.cluster;
    let i = (0..c.pods.len())
        .find(|&i| {
            c.pods[i]
                .node
                .is_some_and(|n| c.nodes.name[n.index()] == node)
        })
        .unwrap_or_else(|| panic!("no pod on {node}"));
    (
        c.pod_name(kubesim::cluster::ids::PodId(i as u32)),
        &c.pods[i],
    )
}

#[test]
fn a_node_repaired_before_the_eviction_keeps_its_pods() {
    // Repaired at 300 s, before the eviction due at 455 s: the pod restarts in place
    // after its start-up delay (1 s), once.
    let (o, rows) = run_with_events(&repair_scenario("200s"));
    let (name, p) = first_pod_on(&o, "a-0");
    assert_eq!(p.phase, PodPhase::Running);
    assert_eq!(p.restarts, 1);
    assert_eq!(p.started, Some(S), "the first start is kept");
    assert_eq!(p.last_start, 301 * S);
    assert_eq!(o.cluster.pods_created(), 2);
    assert!(times(&rows, "pod_evicted").is_empty());
    assert_eq!(times(&rows, "node_ready"), vec![300.0]);
    let started: Vec<f64> = rows_of(&rows, "pod_started", &name)
        .iter()
        .map(|r| r[0].parse().expect("time"))
        .collect();
    assert_eq!(started, vec![1.0, 301.0]);
    assert_eq!(o.recorder.pods_evicted_by_taint, 0);
}

#[test]
fn a_node_repaired_after_the_eviction_rejoins_empty() {
    // Evicted at 155 + 300 = 455 s; the replacement is created and bound to c-0 at once
    // and runs from 456 s; a-0 comes back at 700 s with nothing on it.
    let (o, rows) = run_with_events(&repair_scenario("600s"));
    let (name, p) = first_pod_on(&o, "a-0");
    assert_eq!(p.phase, PodPhase::Deleted);
    assert_eq!(p.finished, Some(455 * S));
    assert_eq!(times(&rows, "pod_evicted"), vec![455.0]);
    assert_eq!(rows_of(&rows, "pod_evicted", &name).len(), 1);
    let replacement = pod(&o, "web-2");
    assert_eq!(replacement.created, 455 * S);
    assert_eq!(replacement.bound, Some(455 * S));
    assert_eq!(replacement.started, Some(456 * S));
    assert_eq!(replacement.phase, PodPhase::Running);
    let c0 = o
        .cluster
        .nodes
        .ids()
        .find(|n| o.cluster.nodes.name[n.index()] == "c-0");
    assert_eq!(replacement.node, c0);
    assert_eq!(times(&rows, "node_repaired"), vec![700.0]);
    let a0 = o
        .cluster
        .nodes
        .ids()
        .find(|n| o.cluster.nodes.name[n.index()] == "a-0");
    assert!(o.cluster.nodes.pods[a0.expect("a-0").index()].is_empty());
    assert_eq!(o.cluster.count(PodPhase::Running), 2);
}

/// Whether `measured` availability is within 4σ of `a / (a + b)`, σ² being the
/// asymptotic variance of the time-average of `nodes` independent alternating renewal
/// processes with exponential up (mean `a`) and down (mean `b`) times over `t`:
/// 2·a²·b² / ((a + b)³·t) per node (the up indicator's autocovariance is
/// A(1−A)·e^(−(1/a+1/b)·τ)), divided by the node count.
fn availability_matches(measured: f64, a: f64, b: f64, t: f64, nodes: f64) -> bool {
    let sigma = (2.0 * a * a * b * b / ((a + b).powi(3) * t) / nodes).sqrt();
    assert!(4.0 * sigma < 0.02, "tolerance too loose to mean anything");
    (measured - a / (a + b)).abs() <= 4.0 * sigma
}

#[test]
fn node_availability_matches_mtbf_over_mtbf_plus_mttr() {
    // 200 nodes, up 3 h and down 1 h on average (exponential), measured over 90 h after
    // a 10 h warm-up (the start, all nodes up, is not stationary): A = 0.75, σ ≈ 0.0040.
    let text = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: availability}
seed: 7
duration: 100h
metrics: {interval: 1h, warmup: 10h}
cluster:
  nodePools:
    - name: p
      count: 200
      capacity: {cpu: 4, memory: 16Gi}
      failures:
        timeToFailure: {exponential: {mean: 3h}}
        timeToRepair: {exponential: {mean: 1h}}
";
    let s = scenario(text);
    let o = kubesim::Simulation::new(&s, Box::new(std::io::sink()), Box::new(std::io::sink()))
        .expect("simulation builds")
        .run(None)
        .unwrap_or_else(|e| panic!("{e}"));
    let ig = &o.recorder.integrals;
    let measured = ig.nodes_up as f64 / ig.nodes as f64;
    // About 200 × 100 h / 4 h = 5000 failures.
    assert!(
        (4500..5500).contains(&o.recorder.node_failures),
        "{}",
        o.recorder.node_failures
    );
    assert!(
        availability_matches(measured, 3.0, 1.0, 90.0, 200.0),
        "{measured}"
    );
    // Negative control: a repair time 15 % longer predicts 0.723 and must be refused.
    assert!(
        !availability_matches(measured, 3.0, 1.15, 90.0, 200.0),
        "{measured}"
    );
}

#[test]
fn the_bundled_zone_outage_scenario_tells_its_story() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("zo");
    let o = kubesim(&[
        "run",
        "scenarios/zone-outage.yaml",
        "--out",
        out.to_str().expect("utf-8"),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // 3 of 9 nodes down for 1200 of 2400 s: 1 − 3600/21600.
    assert_eq!(summary(&out, "node_availability"), "0.833333");
    assert_eq!(summary(&out, "node_failures"), "3");
    // zone-c held 2 checkout, 2 checkout-honor and 6 reports pods.
    assert_eq!(summary(&out, "pods_evicted_by_taint"), "10");
    let rows = read_csv(&out.join("events.csv"));
    assert_eq!(times(&rows, "node_tainted"), vec![655.0, 665.0, 675.0]);
    assert_eq!(summary(&out, "pods_running_end"), "18");
    // Serving pod-seconds lost out of 6 × 2400 per Deployment (every pod starts 5 s after
    // 0 s: 30 lost at the start; a replacement runs 5 s after it is bound):
    // - checkout (nodeTaintsPolicy Ignore): its zone-c pods (on general-2 and general-8)
    //   are replaced only when zone-c is back, bound at 1800 s: 2 × 1205 + 30 = 2440.
    // - checkout-honor: its zone-c pods (general-2, general-5) are evicted at 955 and
    //   965 s and replaced at once in zone-a/b: 360 + 370 + 30 = 760.
    // - reports: all six in zone-c, evicted two by two at 955, 965, 975 s:
    //   2 × (360 + 370 + 380) + 30 = 2250.
    for (d, lost) in [
        ("checkout", 2440.0),
        ("checkout-honor", 760.0),
        ("reports", 2250.0),
    ] {
        let want = format!("{:.6}", 1.0 - lost / (6.0 * 2400.0));
        assert_eq!(
            summary(&out, &format!("serving_fraction[{d}]")),
            want,
            "{d}"
        );
    }
    // Recovery: general-2 hit all three Deployments (checkout back at 1805 s: 1205 s),
    // general-5 checkout-honor and reports (reports back at 980 s: 380 s), general-8
    // checkout and reports (1205 s).
    assert_eq!(summary(&out, "recovery_time_mean_s"), "930.000000");
    assert_eq!(summary(&out, "recovery_time_max_s"), "1205");
    let up = column(&out.join("timeseries.csv"), "nodes_up");
    // Rows every 30 s, each the state after the events at its time.
    assert_eq!((up[19].as_str(), up[20].as_str()), ("9", "6")); // 570 s, 600 s
    assert_eq!((up[59].as_str(), up[60].as_str()), ("6", "9")); // 1770 s, 1800 s
}

#[test]
fn a_pod_bound_to_a_failed_node_before_anyone_noticed_never_starts() {
    // a-0 fails at 100 s; a Job arriving at 120 s is bound to it (still Ready to the
    // scheduler) but never starts; it is deleted at 155 + 300 s and the Job counts a
    // failed pod (backoff 10 s), whose replacement waits: pool a is not Ready.
    let text = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: unnoticed}
duration: 20m
cluster:
  nodePools:
    - {name: a, count: 1, zones: [z1], capacity: {cpu: 4, memory: 16Gi}}
    - {name: b, count: 1, zones: [z2], capacity: {cpu: 4, memory: 16Gi}}
workloads:
  jobs:
    - metadata: {name: late}
      spec:
        backoffLimit: 3
        template:
          spec:
            restartPolicy: Never
            nodeSelector: {kubesim.io/pool: a}
            containers: [{name: c, resources: {requests: {cpu: 1}}}]
      simulation:
        runTime: 60s
        arrivals: {times: [120s]}
events:
  - {at: 100s, type: node_failure, nodes: [a-0]}
";
    let (o, rows) = run_with_events(text);
    let p = pod(&o, "late-0-0");
    assert_eq!(p.bound, Some(120 * S));
    assert_eq!(p.started, None);
    assert_eq!(p.finished, Some(455 * S));
    assert_eq!(p.reason, Some(PodReason::DeletionByTaintManager));
    assert!(rows_of(&rows, "pod_started", "late-0-0").is_empty());
    let replacement = pod(&o, "late-0-1");
    assert_eq!(replacement.created, 465 * S);
    assert_eq!(replacement.phase, PodPhase::Pending);
}

/// A pool failing at random under a Deployment, scheduled by `policy`.
fn random_failures(policy: &str) -> String {
    format!(
        "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: crn}}
seed: 11
duration: 6h
scheduler: {{policy: {policy}}}
cluster:
  nodePools:
    - name: p
      count: 12
      zones: [a, b, c]
      capacity: {{cpu: 4, memory: 16Gi}}
      failures:
        timeToFailure: {{exponential: {{mean: 2h}}}}
        timeToRepair: {{uniform: {{min: 1m, max: 20m}}}}
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        replicas: 20
        template:
          spec:
            containers: [{{name: c, resources: {{requests: {{cpu: 1}}}}}}]
"
    )
}

/// The node rows of a run: what failed and was repaired when.
fn node_rows(text: &str) -> Vec<Vec<String>> {
    let (_, rows) = run_with_events(text);
    rows.into_iter()
        .filter(|r| r[1] == "node_failed" || r[1] == "node_repaired")
        .collect()
}

#[test]
fn failures_are_the_same_whatever_the_scheduler_does() {
    let default = node_rows(&random_failures("default"));
    assert!(default.len() > 20, "{}", default.len());
    // Common random numbers: another placement policy sees the same failures.
    assert_eq!(default, node_rows(&random_failures("most-allocated")));
    // And the same run gives the same events, byte for byte.
    let (_, a) = run_with_events(&random_failures("default"));
    let (_, b) = run_with_events(&random_failures("default"));
    assert_eq!(a, b);
}

/// A work-queue Job (no `completions`) whose first pod succeeded completes when its other
/// pod is evicted from a failed node: one success and none left active, as upstream.
/// Node b-0 fails at 5 s; detected at the first tick after 55 s (60 s) and tainted at
/// once (the zone is not disrupted: 1 of 2 nodes down); the pod's 300 s toleration runs
/// out at 360 s. The pod on a-0 starts at 1 s and succeeds at 11 s.
#[test]
fn a_work_queue_job_completes_when_its_last_other_pod_is_evicted() {
    let text = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: workqueue}
duration: 20m
scheduler: {policy: first-fit}
cluster:
  nodePools:
    - {name: a, count: 1, capacity: {cpu: 1, memory: 4Gi}}
    - {name: b, count: 1, capacity: {cpu: 1, memory: 4Gi}}
workloads:
  jobs:
    - metadata: {name: q}
      spec:
        parallelism: 2
        template:
          spec:
            restartPolicy: Never
            containers: [{name: c, resources: {requests: {cpu: 1}}}]
      simulation:
        runTime: 10s
events:
  - {at: 5s, type: node_failure, nodes: [b-0]}
";
    let (_, rows) = run_with_events(text);
    assert_eq!(times(&rows, "pod_succeeded"), vec![11.0]);
    assert_eq!(times(&rows, "pod_evicted"), vec![360.0]);
    assert_eq!(times(&rows, "job_completed"), vec![360.0]);
}

/// A `restartPolicy: Never` pod whose node comes back before its eviction does not restart
/// in place: the kubelet finds its container gone and the pod fails
/// (`ContainerStatusUnknown`); its Job replaces it after the 10 s Job backoff. Node a-0
/// fails at 5 s and is repaired at 25 s; the replacement is bound at 35 s, starts at 36 s
/// and succeeds at 46 s.
#[test]
fn a_never_restart_pod_fails_when_its_node_comes_back() {
    let text = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: never}
duration: 20m
cluster:
  nodePools:
    - {name: a, count: 1, capacity: {cpu: 1, memory: 4Gi}}
workloads:
  jobs:
    - metadata: {name: j}
      spec:
        template:
          spec:
            restartPolicy: Never
            containers: [{name: c, resources: {requests: {cpu: 1}}}]
      simulation:
        runTime: 10s
events:
  - {at: 5s, type: node_failure, nodes: [a-0], repairAfter: 20s}
";
    let (o, rows) = run_with_events(text);
    let failed = rows_of(&rows, "pod_failed", "j-0");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0][0].as_str(), failed[0][4].as_str()),
        ("25", "ContainerStatusUnknown")
    );
    assert_eq!(pod(&o, "j-0").restarts, 0);
    assert_eq!(times(&rows, "pod_bound"), vec![0.0, 35.0]);
    assert_eq!(times(&rows, "job_completed"), vec![46.0]);
}

/// A `restartPolicy: OnFailure` Job pod restarted in place when its node comes back counts
/// the restart toward `backoffLimit`, as upstream's `pastBackoffLimitOnFailure`: with
/// `backoffLimit: 1`, the Job fails at the repair (25 s) instead of completing at 36 s.
#[test]
fn a_restart_after_repair_counts_toward_the_backoff_limit() {
    let text = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: onfailure}
duration: 20m
cluster:
  nodePools:
    - {name: a, count: 1, capacity: {cpu: 1, memory: 4Gi}}
workloads:
  jobs:
    - metadata: {name: j}
      spec:
        backoffLimit: 1
        template:
          spec:
            restartPolicy: OnFailure
            containers: [{name: c, resources: {requests: {cpu: 1}}}]
      simulation:
        runTime: 10s
events:
  - {at: 5s, type: node_failure, nodes: [a-0], repairAfter: 20s}
";
    let (o, rows) = run_with_events(text);
    assert_eq!(pod(&o, "j-0").restarts, 1);
    assert_eq!(times(&rows, "job_failed"), vec![25.0]);
    assert!(times(&rows, "job_completed").is_empty());
}
