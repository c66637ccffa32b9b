//! Behaviour checked against values derived by hand from Kubernetes' rules and from
//! probability theory, never against the program's own output.

mod common;
use common::*;
use kubesim::cluster::pod::{PodPhase, PodReason};
use kubesim::engine::time::NANOS_PER_SEC as S;

fn header(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: kubesim/v1\nkind: Scenario\nmetadata: {{name: {name}}}\nseed: 3\n{extra}\n"
    )
}

fn node_of(o: &kubesim::Outcome, pod: usize) -> String {
    let n = o.cluster.pods[pod].node.expect("pod has a node");
    o.cluster.nodes.name[n.index()].clone()
}

/// least_allocated_test.go "nothing scheduled, resources requested, differently sized
/// nodes": node1 4000m/10000 scores 37, node2 6000m/10000 scores 50 → node2.
#[test]
fn least_allocated_picks_the_upstream_winner() {
    let text = header("la", "")
        + r#"
cluster:
  nodePools:
    - {name: small, count: 1, capacity: {cpu: 4, memory: "10000"}}
    - {name: big, count: 1, capacity: {cpu: 6, memory: "10000"}}
workloads:
  deployments:
    - metadata: {name: web}
      spec:
        template:
          spec:
            containers:
              - {name: a, resources: {requests: {cpu: 1, memory: "2000"}}}
              - {name: b, resources: {requests: {cpu: 2, memory: "3000"}}}
"#;
    let (_, o) = run_checked(&text);
    assert_eq!(node_of(&o, 0), "big-0");
}

/// An empty node scores strictly higher than a used one, so identical replicas spread one
/// per node.
#[test]
fn least_allocated_spreads_replicas() {
    let text = header("spread", "")
        + r#"
cluster:
  nodePools:
    - {name: n, count: 3, capacity: {cpu: 4, memory: 8Gi}}
workloads:
  deployments:
    - metadata: {name: web}
      spec:
        replicas: 3
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 1, memory: 1Gi}}}]
"#;
    let (_, o) = run_checked(&text);
    let mut nodes: Vec<String> = (0..3).map(|i| node_of(&o, i)).collect();
    nodes.sort();
    assert_eq!(nodes, ["n-0", "n-1", "n-2"]);
    assert_eq!(o.cluster.count(PodPhase::Running), 3);
}

/// A pod pinned by nodeName that does not fit fails with OutOfcpu, and its Job retries
/// with Kubernetes' backoff 10 s, 20 s, 40 s, … until backoffLimit (6) is exceeded:
/// failures at 0, 10, 30, 70, 150, 310 and 630 s, and the Job fails at 630 s.
#[test]
fn pinned_pod_that_does_not_fit_is_rejected_and_backs_off() {
    let text = header("pinned", "")
        + r#"
cluster:
  nodePools:
    - {name: n, count: 1, capacity: {cpu: 2, memory: 8Gi}}
workloads:
  jobs:
    - metadata: {name: big}
      spec:
        template:
          spec:
            nodeName: n-0
            containers: [{name: a, resources: {requests: {cpu: 3, memory: 1Gi}}}]
      simulation:
        runTime: 10s
"#;
    let (_, o) = run_checked(&text);
    let pods = &o.cluster.pods;
    assert_eq!(pods.len(), 7);
    let failed_at: Vec<u64> = pods
        .iter()
        .map(|p| p.finished.expect("ended") / S)
        .collect();
    assert_eq!(failed_at, [0, 10, 30, 70, 150, 310, 630]);
    for p in pods {
        assert_eq!(p.phase, PodPhase::Failed);
        assert_eq!(
            p.reason,
            Some(PodReason::OutOf(kubesim::cluster::node::Lack::Resource(
                kubesim::cluster::resources::CPU
            )))
        );
        assert!(p.bound.is_none());
    }
    assert_eq!(o.recorder.jobs, [1, 0, 1]);
    assert_eq!(o.end, 630 * S);
}

/// A pinned pod that fits bypasses the scheduler and runs on its node.
#[test]
fn pinned_pod_that_fits_runs_there() {
    let text = header("pinned-ok", "duration: 1m")
        + r#"
cluster:
  nodePools:
    - {name: n, count: 3, capacity: {cpu: 2, memory: 8Gi}}
workloads:
  deployments:
    - metadata: {name: web}
      spec:
        replicas: 2
        template:
          spec:
            nodeName: n-2
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
"#;
    let (_, o) = run_checked(&text);
    assert_eq!(node_of(&o, 0), "n-2");
    assert_eq!(node_of(&o, 1), "n-2");
}

/// completions 3, parallelism 1, start-up 2 s, run 10 s: one pod after another, each
/// 12 s, so the Job completes at 36 s. With parallelism 2: two at once, then one: 24 s.
#[test]
fn job_completions_and_parallelism() {
    for (parallelism, done) in [(1, 36), (2, 24), (3, 12)] {
        let text = header("job", "")
            + &format!(
                r#"
cluster:
  nodePools:
    - {{name: n, count: 1, capacity: {{cpu: 8, memory: 8Gi}}}}
workloads:
  jobs:
    - metadata: {{name: j}}
      spec:
        completions: 3
        parallelism: {parallelism}
        template:
          spec:
            containers: [{{name: a, resources: {{requests: {{cpu: 1}}}}}}]
      simulation:
        runTime: 10s
        startupDelay: 2s
"#
            );
        let (_, o) = run_checked(&text);
        assert_eq!(o.cluster.pods.len(), 3);
        assert_eq!(o.cluster.count(PodPhase::Succeeded), 3);
        assert_eq!(o.recorder.jobs, [1, 1, 0]);
        assert_eq!(
            o.recorder.job_turnaround,
            vec![done * S],
            "parallelism {parallelism}"
        );
    }
}

/// The effective request includes the largest init container: containers 1 cpu, init
/// 3 cpu, so a 2-cpu node cannot take it, and the message is kube-scheduler's.
#[test]
fn init_container_request_counts_and_message_is_upstreams() {
    let text = header("init", "")
        + r#"
cluster:
  nodePools:
    - {name: n, count: 2, capacity: {cpu: 2, memory: 8Gi}}
workloads:
  deployments:
    - metadata: {name: web}
      spec:
        template:
          spec:
            initContainers: [{name: setup, resources: {requests: {cpu: 3}}}]
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
"#;
    let s = scenario(&text);
    let tmp = tempfile::tempdir().expect("temp dir");
    let r = kubesim::run(&s, Some(tmp.path()), None).expect("runs");
    assert_eq!(r.pods_pending, 1);
    let events = read_csv(&tmp.path().join("events.csv"));
    let row = events
        .iter()
        .find(|r| r[1] == "pod_unschedulable")
        .expect("reported");
    assert_eq!(row[2], "web-0");
    assert_eq!(row[4], "0/2 nodes are available: 2 Insufficient cpu.");
}

/// Taints repel pods without a matching toleration; nodeSelector restricts to labels.
#[test]
fn taints_tolerations_and_node_selector() {
    let text = header("taints", "")
        + r#"
cluster:
  nodePools:
    - name: gpu
      count: 2
      capacity: {cpu: 64, memory: 256Gi, nvidia.com/gpu: 8}
      labels: {accelerator: a100}
      taints: [{key: gpu, value: "true", effect: NoSchedule}]
    - {name: cpu, count: 1, capacity: {cpu: 4, memory: 8Gi}}
workloads:
  deployments:
    - metadata: {name: plain}
      spec:
        replicas: 3
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
    - metadata: {name: trainer}
      spec:
        replicas: 2
        template:
          spec:
            nodeSelector: {accelerator: a100}
            tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]
            containers: [{name: a, resources: {requests: {cpu: 1, nvidia.com/gpu: 4}}}]
    - metadata: {name: stray}
      spec:
        template:
          spec:
            nodeSelector: {accelerator: h100}
            containers: [{name: a}]
"#;
    let (_, o) = run_checked(&text);
    // The spare cpu node is emptier than the big gpu nodes only relatively: the untainted
    // pods must all land on cpu-0 because the gpu nodes are tainted.
    for i in 0..3 {
        assert_eq!(node_of(&o, i), "cpu-0");
    }
    for i in 3..5 {
        assert!(node_of(&o, i).starts_with("gpu-"));
    }
    assert_eq!(o.cluster.pods[5].phase, PodPhase::Pending);
}

/// Priority and preemption, derived by hand from upstream's rules (PrioritySort,
/// DefaultPreemption, 30 s termination grace, Job backoff 10 s): `first-0` holds the only
/// slot from t=0; `low` (priority 0) arrives at 10 s and waits; `high` (1000) arrives at
/// 20 s, preempts `first-0`, whose grace period ends at 50 s, and binds then. The Job
/// `first` counts the evicted pod as failed and creates `first-1` after its 10 s backoff.
/// When `high` ends at 150 s, `low` goes first (same priority, enqueued earlier), and
/// `first-1` follows at 250 s.
#[test]
fn higher_priority_pending_pod_goes_first() {
    let (bound, o) = one_slot_priorities("");
    // Pods in creation order: first-0 (t=0), low-0-0 (t=10), high-0-0 (t=20), first-1 (t=30).
    assert_eq!(bound, [0, 150, 50, 250]);
    assert_eq!(
        o.cluster.pods[0].reason,
        Some(kubesim::cluster::pod::PodReason::Preempted)
    );
    assert_eq!(o.cluster.pods[2].priority, 1000);
}

/// The same three pods without preemption: when `first-0` ends at 100 s, `high` (waiting
/// since 20 s) goes before `low` (waiting since 10 s), then `low` at 200 s.
#[test]
fn without_preemption_the_queue_still_takes_higher_priority_first() {
    let (bound, _) = one_slot_priorities(", preemptionPolicy: Never");
    assert_eq!(bound, [0, 200, 100]);
}

/// One 1-core node; Job `first` from 0 s, `low` at 10 s and `high` (priority 1000, with
/// `class_extra` in its class) at 20 s, each 1 core for 100 s. Returns every pod's bind
/// time in seconds, in creation order, and the run.
fn one_slot_priorities(class_extra: &str) -> (Vec<u64>, kubesim::Outcome) {
    let text = header("prio", "")
        + &format!("priorityClasses:\n  - {{name: high, value: 1000{class_extra}}}\n")
        + r#"
cluster:
  nodePools:
    - {name: n, count: 1, capacity: {cpu: 1, memory: 8Gi}}
workloads:
  jobs:
    - metadata: {name: first}
      spec:
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
      simulation: {runTime: 100s, startupDelay: 0s}
    - metadata: {name: low}
      spec:
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
      simulation: {runTime: 100s, startupDelay: 0s, arrivals: {times: [10s]}}
    - metadata: {name: high}
      spec:
        template:
          spec:
            priorityClassName: high
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
      simulation: {runTime: 100s, startupDelay: 0s, arrivals: {times: [20s]}}
"#;
    let (_, o) = run_checked(&text);
    let bound = o
        .cluster
        .pods
        .iter()
        .map(|p| p.bound.expect("bound") / S)
        .collect();
    (bound, o)
}

/// A Poisson stream at rate λ over T seconds produces N ~ Poisson(λT): with λT = 20,000
/// the count lies within 4 standard deviations (√20000 ≈ 141) of 20,000. Negative control:
/// the same check on runs at 10 % lower and higher rates must fail.
#[test]
fn poisson_arrivals_match_the_rate() {
    let arrivals = |rate: &str| -> f64 {
        let text = header("poisson", "duration: 20000s")
            + &format!(
                r#"
cluster:
  nodePools:
    - {{name: n, count: 1, capacity: {{cpu: 1000, memory: 1000Gi, pods: 10000}}}}
workloads:
  jobs:
    - metadata: {{name: j}}
      spec:
        template:
          spec:
            containers: [{{name: a, resources: {{requests: {{cpu: 1m}}}}}}]
      simulation: {{arrivals: {{poisson: {rate}}}, runTime: 1s}}
"#
            );
        let r = kubesim::run(&scenario(&text), None, None).expect("runs");
        r.get("jobs_created")
            .expect("metric")
            .parse()
            .expect("number")
    };
    let check = |n: f64| (n - 20_000.0).abs() <= 4.0 * 20_000f64.sqrt();
    let n = arrivals("1/s");
    assert!(check(n), "{n} arrivals, expected 20000 ± 566");
    for wrong in ["0.9/s", "1.1/s"] {
        let n = arrivals(wrong);
        assert!(
            !check(n),
            "negative control at {wrong} passed with {n}: tolerance too loose"
        );
    }
}

/// M/G/∞ (Little's law): with room for everyone, pods in the system (bound or running)
/// average λ·E[start-up + run time] = 2/s × (0 + 50 s) = 100. Each pod requests 1 cpu, so
/// the time-averaged cpu allocation × allocatable is that mean. The autocorrelation time
/// is about E[S] = 50 s; over 40,000 s the standard error is about √(2·100·50/40000)
/// = 0.5, so ±3 (6 standard errors). Negative control: runs with a 10 % shorter or
/// longer mean run time must fail the same check.
#[test]
fn infinite_server_mean_matches_littles_law() {
    let mean_in_system = |run_time: &str| -> f64 {
        let text = header("mginf", "duration: 40500s\nmetrics: {warmup: 500s}")
            + &format!(
                r#"
cluster:
  nodePools:
    - {{name: n, count: 1, capacity: {{cpu: 1000, memory: 1000Gi, pods: 100000}}}}
workloads:
  jobs:
    - metadata: {{name: j}}
      spec:
        template:
          spec:
            containers: [{{name: a, resources: {{requests: {{cpu: 1}}}}}}]
      simulation:
        arrivals: {{poisson: 2/s}}
        runTime: {{exponential: {{mean: {run_time}}}}}
        startupDelay: 0s
"#
            );
        let r = kubesim::run(&scenario(&text), None, None).expect("runs");
        let alloc: f64 = r
            .get("cpu_allocation_mean")
            .expect("metric")
            .parse()
            .expect("number");
        alloc * 1000.0
    };
    let check = |m: f64| (m - 100.0).abs() < 3.0;
    let m = mean_in_system("50s");
    assert!(check(m), "mean pods in system {m}, expected 100 ± 3");
    for wrong in ["45s", "55s"] {
        let m = mean_in_system(wrong);
        assert!(
            !check(m),
            "negative control at {wrong} passed with {m}: tolerance too loose"
        );
    }
}

/// A resource with only a limit requests its limit (Kubernetes defaulting).
#[test]
fn limits_default_requests() {
    let text = header("limits", "")
        + r#"
cluster:
  nodePools:
    - {name: n, count: 1, capacity: {cpu: 4, memory: 8Gi}}
workloads:
  deployments:
    - metadata: {name: web}
      spec:
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 250m}, limits: {cpu: 1, memory: 1Gi}}}]
"#;
    let (_, o) = run_checked(&text);
    let r = o.cluster.pods[0].requests;
    assert_eq!(r.0[0], 250);
    assert_eq!(r.0[1], 1 << 30);
}

/// Rows at 0, Δ, 2Δ, … and a last row at the end when it is not a multiple of Δ; the
/// snapshot at t includes events at t.
#[test]
fn timeseries_rows_and_snapshot_semantics() {
    let text = header("rows", "duration: 95s\nmetrics: {interval: 30s}")
        + r#"
cluster:
  nodePools:
    - {name: n, count: 1, capacity: {cpu: 4, memory: 8Gi}}
workloads:
  jobs:
    - metadata: {name: j}
      spec:
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
      simulation: {runTime: 30s, startupDelay: 0s, arrivals: {times: [0s, 30s, 60s]}}
"#;
    let s = scenario(&text);
    let tmp = tempfile::tempdir().expect("temp dir");
    kubesim::run(&s, Some(tmp.path()), None).expect("runs");
    let ts = tmp.path().join("timeseries.csv");
    assert_eq!(column(&ts, "time_s"), ["0", "30", "60", "90", "95"]);
    // Each job runs 30 s: the one started at t ends exactly when the next starts, so the
    // state after all events at 30 s and 60 s has exactly one running pod.
    assert_eq!(column(&ts, "pods_running"), ["1", "1", "1", "0", "0"]);
    assert_eq!(column(&ts, "pods_succeeded"), ["0", "1", "2", "3", "3"]);
    // Counters cover (t − Δ, t]: one arrival at 0 (in the row at 0), one in (0, 30], …
    assert_eq!(column(&ts, "jobs_arrived"), ["1", "1", "1", "0", "0"]);
    assert_eq!(column(&ts, "completed"), ["0", "1", "1", "1", "0"]);
}

/// The kubelet checks a pinned pod's resources, nodeSelector and NoExecute taints, but not
/// NoSchedule taints (only the scheduler honours those).
#[test]
fn kubelet_admission_of_pinned_pods() {
    let text = header("admit", "duration: 10m")
        + r#"
cluster:
  nodePools:
    - name: soft
      count: 1
      capacity: {cpu: 4, memory: 8Gi}
      labels: {disk: ssd}
      taints: [{key: maintenance, effect: NoSchedule}]
    - name: hard
      count: 1
      capacity: {cpu: 4, memory: 8Gi}
      taints: [{key: quarantine, effect: NoExecute}]
workloads:
  deployments:
    - metadata: {name: on-noschedule}
      spec:
        template:
          spec:
            nodeName: soft-0
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
    - metadata: {name: wrong-label}
      spec:
        template:
          spec:
            nodeName: soft-0
            nodeSelector: {disk: hdd}
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
    - metadata: {name: on-noexecute}
      spec:
        template:
          spec:
            nodeName: hard-0
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
"#;
    let s = scenario(&text);
    let tmp = tempfile::tempdir().expect("temp dir");
    kubesim::run(&s, Some(tmp.path()), None).expect("runs");
    let pods = tmp.path().join("pods.csv");
    let first = |col: &str, owner: &str| -> String {
        let owners = column(&pods, "owner");
        let i = owners
            .iter()
            .position(|o| o == owner)
            .expect("owner has pods");
        column(&pods, col)[i].clone()
    };
    assert_eq!(first("phase", "on-noschedule"), "Running");
    assert_eq!(first("phase", "wrong-label"), "Failed");
    assert_eq!(first("reason", "wrong-label"), "NodeAffinity");
    assert_eq!(first("reason", "on-noexecute"), "TaintToleration");
    assert_eq!(first("zone", "on-noexecute"), "");
    assert_eq!(first("node", "on-noexecute"), "hard-0");
}

/// A Job without completions is a work queue: `parallelism` pods start together and, once
/// one has succeeded, no new pods start; the Job completes when none is left running.
#[test]
fn work_queue_job() {
    let text = header("wq", "")
        + r#"
cluster:
  nodePools:
    - {name: n, count: 1, capacity: {cpu: 8, memory: 8Gi}}
workloads:
  jobs:
    - metadata: {name: q}
      spec:
        parallelism: 3
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 1}}}]
      simulation:
        runTime: {uniform: {min: 10s, max: 20s}}
        startupDelay: 0s
"#;
    let (_, o) = run_checked(&text);
    assert_eq!(o.cluster.pods.len(), 3);
    assert_eq!(o.cluster.count(PodPhase::Succeeded), 3);
    let last = o
        .cluster
        .pods
        .iter()
        .map(|p| p.finished.expect("ended"))
        .max();
    assert_eq!(o.recorder.job_turnaround, vec![last.expect("pods")]);
}

/// Drawn requests stand for the containers' requests: a left-out memory request scores
/// with the 200 MiB default, and the template's pod overhead is added.
#[test]
fn drawn_requests_get_scoring_defaults_and_overhead() {
    let text = header("draw", "")
        + r#"
cluster:
  nodePools:
    - {name: n, count: 1, capacity: {cpu: 8, memory: 8Gi}}
workloads:
  jobs:
    - metadata: {name: j}
      spec:
        template:
          spec:
            overhead: {cpu: 250m}
            containers: [{name: a}]
      simulation:
        runTime: 10s
        requestChoice: [{requests: {cpu: 1}}]
"#;
    let (_, o) = run_checked(&text);
    let p = &o.cluster.pods[0];
    assert_eq!(p.requests.0[0], 1250);
    assert_eq!(p.requests.0[1], 0);
    assert_eq!(p.nonzero_requests, [1250, 200 * 1024 * 1024]);
}

/// A pool that joins later: pods that fit nowhere wait, and are bound the moment its nodes
/// are added (the scheduler retries every waiting pod on a node addition). Node-hours
/// count each pool from when it joined: 1 node × 120 s + 2 nodes × 60 s = 240 s.
#[test]
fn pool_added_later_unblocks_pending_pods() {
    let text = header("added", "duration: 120s")
        + r#"
cluster:
  nodePools:
    - {name: small, count: 1, capacity: {cpu: 1, memory: 4Gi}, pricePerHour: 3.6}
    - {name: big, count: 2, capacity: {cpu: 8, memory: 32Gi}, addedAt: 60s, pricePerHour: 36}
workloads:
  deployments:
    - metadata: {name: web}
      spec:
        replicas: 2
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 4}}}]
"#;
    let s = scenario(&text);
    let tmp = tempfile::tempdir().expect("temp dir");
    let r = kubesim::run(&s, Some(tmp.path()), None).expect("runs");
    let pods = tmp.path().join("pods.csv");
    assert_eq!(column(&pods, "bound_s"), ["60", "60"]);
    let mut nodes = column(&pods, "node");
    nodes.sort();
    assert_eq!(nodes, ["big-0", "big-1"]);
    assert_eq!(
        r.get("node_hours"),
        Some(format!("{:.6}", 240.0 / 3600.0).as_str())
    );
    // 3.6/h × 120 s + 2 × 36/h × 60 s = 0.12 + 1.2
    assert_eq!(r.get("cost"), Some("1.320000"));
    let ts = tmp.path().join("timeseries.csv");
    assert_eq!(
        column(&ts, "nodes_ready"),
        [
            "1", "1", "1", "1", "1", "1", "3", "3", "3", "3", "3", "3", "3"
        ]
    );
}
