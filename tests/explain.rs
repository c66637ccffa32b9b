//! `kubesim explain`: its verdicts and scores on a hand-built cluster against values derived
//! by hand from kube-scheduler's formulas, its handling of names, and the promise that
//! explaining changes nothing in the run it replays.

mod common;
use common::*;
use std::path::Path;

/// Three nodes, one for each way to pass or fail:
/// - `gpu-0` (8 cores, 16 GiB) carries `gpu=true:NoSchedule`, which the pods do not
///   tolerate;
/// - `small-0` (500m, 512 MiB) is too small for 1 core and 1 GiB;
/// - `fit-0` (4 cores, 8 GiB) fits, and carries `spot=yes:PreferNoSchedule`, which the
///   pods do not tolerate either (it only lowers the score).
///
/// At 0 s `base-0` (1 core, 2 GiB) can only go to `fit-0`. At 10 s the Job `train-0`
/// creates `train-0-0` (1 core, 1 GiB); at 20 s `big-0-0` (6 cores) arrives, which fits
/// nowhere but the tainted node.
const HAND: &str = r#"
apiVersion: kubesim/v1
kind: Scenario
metadata: {name: hand}
seed: 1
duration: 120s
cluster:
  nodePools:
    - name: gpu
      count: 1
      capacity: {cpu: 8, memory: 16Gi}
      taints: [{key: gpu, value: "true", effect: NoSchedule}]
    - {name: small, count: 1, capacity: {cpu: 500m, memory: 512Mi}}
    - name: fit
      count: 1
      capacity: {cpu: 4, memory: 8Gi}
      taints: [{key: spot, value: "yes", effect: PreferNoSchedule}]
workloads:
  deployments:
    - metadata: {name: base}
      spec:
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 1, memory: 2Gi}}}]
  jobs:
    - metadata: {name: train}
      spec:
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 1, memory: 1Gi}}}]
      simulation: {runTime: 30s, startupDelay: 0s, arrivals: {times: [10s]}}
    - metadata: {name: big}
      spec:
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 6, memory: 1Gi}}}]
      simulation: {runTime: 30s, startupDelay: 0s, arrivals: {times: [20s]}}
"#;

/// Writes `text` to a scenario file in `dir` and runs `kubesim explain` on it with `args`,
/// writing to `dir/out`.
fn explain(dir: &Path, text: &str, args: &[&str]) -> std::process::Output {
    let file = dir.join("scenario.yaml");
    std::fs::write(&file, text).expect("write the scenario");
    let out = dir.join("out");
    let mut all = vec![
        "explain",
        file.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
    ];
    all.extend_from_slice(args);
    kubesim(&all)
}

fn stdout(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "explain failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn verdicts_and_scores_on_a_hand_built_cluster() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let report = stdout(&explain(
        tmp.path(),
        HAND,
        &["--pod", "train-0-0", "--at", "5s"],
    ));
    // Every node × NodeReady and the default profile's filters, in order. Each filter is
    // judged on its own, so gpu-0 fails only TaintToleration (it has room) and small-0
    // fails only NodeResourcesFit, with a reason per missing resource.
    let mut want = String::from("node,plugin,passed,reason\n");
    let taint = "node(s) had untolerated taint {gpu: true}";
    for (node, taints, fit) in [
        ("gpu-0", taint, ""),
        ("small-0", "", "Insufficient cpu; Insufficient memory"),
        ("fit-0", "", ""),
    ] {
        for (plugin, reason) in [
            ("NodeReady", ""),
            ("NodeUnschedulable", ""),
            ("TaintToleration", taints),
            ("NodeAffinity", ""),
            ("NodePorts", ""),
            ("NodeResourcesFit", fit),
            ("PodTopologySpread", ""),
            ("InterPodAffinity", ""),
        ] {
            let passed = reason.is_empty();
            want.push_str(&format!("{node},{plugin},{passed},{reason}\n"));
        }
    }
    assert_eq!(text(&tmp.path().join("out/filters.csv")), want);

    // fit-0 is the only feasible node. With base-0 (1 core, 2 GiB) on it and train-0-0
    // (1 core, 1 GiB) placed, it would hold 2000m of 4000m and 3 GiB of 8 GiB:
    // - TaintToleration: 1 untolerated PreferNoSchedule taint (raw 1); DefaultNormalizeScore
    //   reversed with the largest raw 1: 100 − 100·1/1 = 0; × 3 = 0.
    // - NodeAffinity: no preferred terms, PreScore skips: 0.
    // - NodeResourcesFit (LeastAllocated): cpu ⌊(4000 − 2000)·100/4000⌋ = 50, memory
    //   ⌊(8 − 3)·100/8⌋ = ⌊62.5⌋ = 62, ⌊(50 + 62)/2⌋ = 56; no NormalizeScore; × 1 = 56.
    // - PodTopologySpread, InterPodAffinity: a Job's pod with no constraints or affinity
    //   terms, PreScore skips: 0.
    // - BalancedAllocation: fractions 0.5 and 0.375, std of two = |0.5 − 0.375|/2 = 0.0625,
    //   ⌊(1 − 0.0625)·100⌋ = ⌊93.75⌋ = 93; × 1 = 93.
    // Total 0 + 0 + 56 + 0 + 0 + 93 = 149. Fewer than 100 nodes: every node is examined.
    assert_eq!(
        text(&tmp.path().join("out/scores.csv")),
        "node,plugin,score,normalized_score,weight,weighted_score,in_sample\n\
         fit-0,TaintToleration,1,0,3,0,true\n\
         fit-0,NodeAffinity,0,0,2,0,true\n\
         fit-0,NodeResourcesFit,56,56,1,56,true\n\
         fit-0,PodTopologySpread,0,0,2,0,true\n\
         fit-0,InterPodAffinity,0,0,2,0,true\n\
         fit-0,NodeResourcesBalancedAllocation,93,93,1,93,true\n\
         fit-0,total,,,,149,true\n"
    );
    for line in [
        "feasible       1 of 3 nodes",
        "went to        fit-0 at 10 s",
        "1  fit-0                  0               0                  56                    0                   0                                 93    149  chosen by the run",
    ] {
        assert!(report.contains(line), "no `{line}` in:\n{report}");
    }
}

#[test]
fn a_pod_created_after_at_is_evaluated_at_its_creation() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let report = stdout(&explain(
        tmp.path(),
        HAND,
        &["--pod", "train-0-0", "--at", "5s"],
    ));
    for line in [
        "pod            train-0-0 (created at 10 s, after --at 5 s)",
        "evaluated at   10 s, when it was created",
    ] {
        assert!(report.contains(line), "no `{line}` in:\n{report}");
    }
    let scores = text(&tmp.path().join("out/scores.csv"));
    // The workload's template, at 5 s, sees the same cluster (nothing binds between 0 s
    // and 10 s) with the same requests: the same scores.
    let report = stdout(&explain(
        tmp.path(),
        HAND,
        &["--pod", "train", "--at", "5s"],
    ));
    assert!(report.contains("a new pod of workload train"), "{report}");
    assert!(!report.contains("went to"), "{report}");
    assert_eq!(text(&tmp.path().join("out/scores.csv")), scores);
}

#[test]
fn a_pending_pod_gets_the_unschedulable_message_and_never_a_node() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let report = stdout(&explain(
        tmp.path(),
        HAND,
        &["--pod", "big-0-0", "--at", "30s"],
    ));
    // Each node counts under the first filter that rejects it: gpu-0 its taint, small-0
    // cpu and memory, fit-0 cpu (3 cores free of 4); reasons sorted as strings.
    for line in [
        "pod            big-0-0 (Pending since 20 s)",
        "evaluated at   20 s, the state after the last event at or before --at 30 s",
        "feasible       0 of 3 nodes",
        "unschedulable  0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {gpu: true}, 2 Insufficient cpu.",
        "went to        no node: still Pending when the run ended at 120 s",
    ] {
        assert!(report.contains(line), "no `{line}` in:\n{report}");
    }
    assert_eq!(
        text(&tmp.path().join("out/scores.csv")),
        "node,plugin,score,normalized_score,weight,weighted_score,in_sample\n"
    );
    let filters = read_csv(&tmp.path().join("out/filters.csv"));
    let failed: Vec<(&str, &str, &str)> = filters[1..]
        .iter()
        .filter(|r| r[2] == "false")
        .map(|r| (r[0].as_str(), r[1].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (
                "gpu-0",
                "TaintToleration",
                "node(s) had untolerated taint {gpu: true}"
            ),
            (
                "small-0",
                "NodeResourcesFit",
                "Insufficient cpu; Insufficient memory"
            ),
            ("fit-0", "NodeResourcesFit", "Insufficient cpu"),
        ]
    );
}

#[test]
fn a_pod_placed_before_at_is_evaluated_as_a_copy_and_says_where_it_went() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut report = stdout(&explain(
        tmp.path(),
        HAND,
        &["--pod", "base-0", "--at", "5s"],
    ));
    report.push_str(&text(&tmp.path().join("out/scores.csv")));
    // At 5 s the last event was base-0's start at 1 s (the default startupDelay). The copy
    // of base-0 joins it on fit-0: cpu 2000m of 4000m and memory 4 GiB of 8 GiB give
    // LeastAllocated ⌊(50 + 50)/2⌋ = 50 and BalancedAllocation (1 − |0.5 − 0.5|/2)·100 = 100;
    // TaintToleration 0 as before. base-0 is a Deployment pod, so the system default
    // spreading constraints apply: on the only feasible node, PodTopologySpread normalizes
    // to 100·(max + min − s)/max = 100, weight 2. Total 50 + 100 + 200 = 350.
    for line in [
        "pod            base-0 (Running at 1 s)",
        "evaluated at   1 s, the state after the last event at or before --at 5 s",
        "went to        fit-0 at 0 s",
        "base-0 was created at 0 s and is Running on fit-0 at 1 s",
        "fit-0,total,,,,350,true",
    ] {
        assert!(report.contains(line), "no `{line}` in:\n{report}");
    }
}

#[test]
fn an_unknown_name_exits_2_with_the_closest_name() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (name, hint) in [
        ("trian-0-0", "did you mean `train-0-0`?"),
        ("base-7", "did you mean `base-0`?"),
        (
            "nothing-like-it",
            "no pod or workload is named `nothing-like-it`",
        ),
    ] {
        let o = explain(tmp.path(), HAND, &["--pod", name]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(hint), "{name}: {err}");
    }
    let o = explain(tmp.path(), HAND, &["--pod", "base-0", "--at", "soon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--at"));
    let o = explain(tmp.path(), HAND, &["--pod", "base-0", "--at", "10m"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("after the end of the run"));
}

/// 200 identical nodes: kube-scheduler examines only 100 per cycle from a rotating start
/// (`percentageOfNodesToScore`), and equal scores are broken at random, so both the
/// rotation and the scheduler's stream decide placements. A Poisson stream keeps pods
/// arriving; large ones wait for room.
const SAMPLED: &str = r#"
apiVersion: kubesim/v1
kind: Scenario
metadata: {name: sampled}
seed: 11
duration: 10m
cluster:
  nodePools:
    - {name: n, count: 200, capacity: {cpu: 4, memory: 16Gi}}
workloads:
  deployments:
    - metadata: {name: web}
      spec:
        replicas: 150
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
  jobs:
    - metadata: {name: batch}
      spec:
        template:
          spec:
            containers: [{name: a, resources: {requests: {cpu: 1, memory: 2Gi}}}]
      simulation:
        runTime: {exponential: {mean: 300s}}
        arrivals: {poisson: 3/s}
        requestChoice:
          - {weight: 3, requests: {cpu: 1, memory: 2Gi}}
          - {weight: 1, requests: {cpu: 3500m, memory: 4Gi}}
"#;

/// Explaining, at several times and of every kind of name, then carrying on, gives exactly
/// the files of a run that was never stopped. This needs the library: the binary's
/// `explain` writes only its own two files.
#[test]
fn explaining_changes_nothing_in_the_run_it_replays() {
    let quickstart = std::fs::read_to_string(root().join("scenarios/quickstart.yaml"))
        .expect("bundled scenario");
    let s = kubesim::engine::time::NANOS_PER_SEC;
    let cases: [(&str, &[(&str, u64)]); 3] = [
        (
            HAND,
            &[
                ("base-0", 5),
                ("train-0-0", 5),
                ("big", 15),
                ("big-0-0", 30),
            ],
        ),
        (
            &quickstart,
            &[
                ("web-1", 0),
                ("batch-3-0", 10),
                ("batch", 60),
                ("batch-10-0", 95),
            ],
        ),
        (
            SAMPLED,
            &[
                ("web-149", 0),
                ("batch-40-0", 5),
                ("batch", 60),
                ("batch-900-0", 100),
            ],
        ),
    ];
    let tmp = tempfile::tempdir().expect("temp dir");
    for (k, (text, explains)) in cases.iter().enumerate() {
        let sc = scenario(text);
        let plain = tmp.path().join(format!("plain-{k}"));
        kubesim::run(&sc, Some(&plain), None).expect("plain run");
        let stopped = tmp.path().join(format!("explained-{k}"));
        let mut run = kubesim::Run::start(&sc, Some(&stopped)).expect("run starts");
        for (name, at) in explains.iter() {
            kubesim::explain::explain(run.sim(), name, at * s)
                .unwrap_or_else(|e| panic!("{name} at {at} s: {e}"));
        }
        run.finish(None).expect("run finishes");
        for f in ["events.csv", "pods.csv", "summary.csv", "timeseries.csv"] {
            assert!(
                std::fs::read(plain.join(f)).expect("plain file")
                    == std::fs::read(stopped.join(f)).expect("explained file"),
                "scenario {k}: {f} differs after explaining"
            );
        }
    }
}

/// A baseline has no scores: scores.csv holds totals of 0, and the report states the
/// baseline's rule instead of a ranking.
#[test]
fn a_baseline_profile_reports_its_rule() {
    let mut sc = scenario(HAND);
    sc.scheduler.profiles[0].policy = kubesim::scheduler::config::PolicyConfig::Baseline(
        kubesim::scheduler::config::Baseline::FirstFit,
    );
    let mut sim =
        kubesim::Simulation::new(&sc, Box::new(std::io::sink()), Box::new(std::io::sink()))
            .expect("simulation builds");
    let e = kubesim::explain::explain(
        &mut sim,
        "train-0-0",
        5 * kubesim::engine::time::NANOS_PER_SEC,
    )
    .expect("explains");
    let mut scores = Vec::new();
    e.write_scores(&mut scores).expect("writes");
    assert_eq!(
        String::from_utf8(scores).expect("utf-8"),
        "node,plugin,score,normalized_score,weight,weighted_score,in_sample\n\
         fit-0,total,,,,0,true\n"
    );
    let report = kubesim::cli::explain::report(&e, "out");
    assert!(
        report.contains("baseline first-fit: picks the first feasible node in node order"),
        "{report}"
    );
}
