//! Container crashes, CrashLoopBackOff, readiness, Jobs' backoffLimit and lost work, end to
//! end from YAML. Expected times and counts are derived by hand from the kubelet's back-off
//! (reference §9.1: first restart at once, then 10 s doubling to 300 s, reset after a run of
//! more than 10 minutes) and the Job controller's rules; the scheduler takes no time
//! (`cycleTime` 0) and pods start 1 s after binding (the default `startupDelay`).

mod common;
use common::*;
use kubesim::cluster::pod::{PodPhase, PodReason};
use kubesim::engine::time::NANOS_PER_SEC as S;
use std::path::Path;

/// A scenario with one 8-core node and the given workloads.
fn scenario(workloads: &str, extra: &str) -> String {
    format!(
        "apiVersion: kubesim/v1\nkind: Scenario\nmetadata: {{name: crashes}}\nseed: 5\n{extra}\n\
         cluster:\n  nodePools:\n    - {{name: n, count: 1, capacity: {{cpu: 8, memory: 32Gi}}}}\n\
         workloads:\n{workloads}"
    )
}

/// A Deployment `web` of `replicas` pods of 1 core with `simulation` and extra container
/// fields.
fn deployment(replicas: u32, container: &str, simulation: &str) -> String {
    format!(
        "  deployments:\n    - metadata: {{name: web}}\n      spec:\n        replicas: {replicas}\n\
         \x20       template:\n          spec:\n            containers:\n\
         \x20             - {{name: app, resources: {{requests: {{cpu: 1, memory: 1Gi}}}}{container}}}\n\
         \x20     simulation: {simulation}\n"
    )
}

/// A single Job `batch` of one pod of `cpu` cores.
fn job(spec: &str, restart: &str, cpu: u32, simulation: &str) -> String {
    format!(
        "  jobs:\n    - metadata: {{name: batch}}\n      spec:\n        {spec}\n        template:\n\
         \x20         spec:\n            restartPolicy: {restart}\n            containers:\n\
         \x20             - {{name: w, resources: {{requests: {{cpu: {cpu}, memory: 1Gi}}}}}}\n\
         \x20     simulation: {simulation}\n"
    )
}

/// Runs the binary on `text`; returns the output folder.
fn run(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, text).expect("write scenario");
    let out = dir.path().join("out");
    let o = kubesim(&[
        "run",
        file.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

/// The `events.csv` rows named `event` of object `object`: (time in whole ns, detail).
fn rows(dir: &Path, event: &str, object: &str) -> Vec<(u64, String)> {
    read_csv(&dir.join("out/events.csv"))[1..]
        .iter()
        .filter(|r| r[1] == event && r[2] == object)
        .map(|r| {
            let t = kubesim::scenario::units::SimDuration::parse(&format!("{}s", r[0]))
                .expect("a time")
                .0;
            (t, r[4].clone())
        })
        .collect()
}

fn times(rows: &[(u64, String)]) -> Vec<u64> {
    rows.iter().map(|r| r.0).collect()
}

fn figure(dir: &Path, metric: &str) -> String {
    summary(&dir.join("out"), metric)
}

#[test]
fn crash_loop_restarts_at_the_kubelet_back_off_times() {
    let text = scenario(
        &deployment(1, "", "{crash: {timeToCrash: {constant: 60s}}}"),
        "duration: 30m",
    );
    let dir = run(&text);
    let start = times(&rows(dir.path(), "pod_started", "web-0"));
    assert_eq!(
        start,
        vec![S],
        "bound at 0, started after the 1 s start-up delay"
    );
    // Each run lasts 60 s; the delays after successive crashes are 0, 10, 20, 40, 80, 160,
    // 300, 300, 300 s. Crash k comes 60 s after restart k−1 (or the start): 61, 121, 191,
    // 271, 371, 511, 731, 1091, 1451; the restarts follow at 61, 131, 211, 311, 451, 671,
    // 1031, 1391, 1751. The 10th crash, at 1811 s, is after the end (1800 s).
    let delays = [0, 10, 20, 40, 80, 160, 300, 300, 300];
    let (mut crashes, mut restarts) = (Vec::new(), Vec::new());
    let mut t = S;
    for d in delays {
        t += 60 * S;
        crashes.push(t);
        t += d * S;
        restarts.push(t);
    }
    assert_eq!(restarts.last(), Some(&(1751 * S)));
    let crashed = rows(dir.path(), "container_crashed", "web-0");
    assert_eq!(times(&crashed), crashes);
    let details: Vec<String> = crashed.iter().map(|r| r.1.clone()).collect();
    let want: Vec<String> = delays.iter().map(|d| format!("back-off {d}s")).collect();
    assert_eq!(details, want);
    let restarted = rows(dir.path(), "container_restarted", "web-0");
    assert_eq!(times(&restarted), restarts);
    assert_eq!(restarted.last().map(|r| r.1.as_str()), Some("9"));
    assert_eq!(figure(dir.path(), "restarts"), "9");
    assert_eq!(figure(dir.path(), "restarts[web]"), "9");
    let pods = dir.path().join("out/pods.csv");
    assert_eq!(column(&pods, "restarts"), vec!["9"]);
    assert_eq!(column(&pods, "phase"), vec!["Running"]);
    assert_eq!(
        column(&pods, "started_s"),
        vec!["1"],
        "the first start stays"
    );
}

#[test]
fn a_run_longer_than_ten_minutes_resets_the_back_off() {
    // 601 s > 2 × 300 s after the last restart: every crash finds an expired entry and
    // restarts at once. 600 s exactly is not expired (hasExpired is strict), so the
    // delays grow as usual.
    let expired = run(&scenario(
        &deployment(1, "", "{crash: {timeToCrash: {constant: 601s}}}"),
        "duration: 1h",
    ));
    let details: Vec<String> = rows(expired.path(), "container_crashed", "web-0")
        .into_iter()
        .map(|r| r.1)
        .collect();
    // Crashes at 1 + 601k s for k = 1..5 (3006 s), all before the end (3600 s).
    assert_eq!(details, vec!["back-off 0s"; 5]);
    let kept = run(&scenario(
        &deployment(1, "", "{crash: {timeToCrash: {constant: 600s}}}"),
        "duration: 1h",
    ));
    let crashed = rows(kept.path(), "container_crashed", "web-0");
    // 601, 1201, 1811 (restart 1211 + 600), 2431 (restart 1831 + 600), 3071.
    assert_eq!(
        times(&crashed),
        [601, 1201, 1811, 2431, 3071].map(|s| s * S).to_vec()
    );
    assert_eq!(
        crashed.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        [
            "back-off 0s",
            "back-off 10s",
            "back-off 20s",
            "back-off 40s",
            "back-off 80s"
        ]
    );
}

#[test]
fn never_fails_the_pod_and_the_job_after_its_backoff_limit() {
    // backoffLimit 2: three failed pods (2 + 1) fail the Job. Pod k starts 1 s after its
    // creation and crashes 10 s later; the Job backoff before pod 1 is 10 s, before pod 2
    // 20 s. Pod 0: created 0, fails 11. Pod 1: created 21, fails 32. Pod 2: created 52,
    // fails 63: the Job fails then.
    let dir = run(&scenario(
        &job(
            "backoffLimit: 2",
            "Never",
            1,
            "{runTime: 60s, crash: {probability: 1, after: 10s}}",
        ),
        "",
    ));
    for (k, (created, failed)) in [(0, 11), (21, 32), (52, 63)].into_iter().enumerate() {
        let pod = format!("batch-{k}");
        assert_eq!(times(&rows(dir.path(), "pod_created", &pod)), [created * S]);
        assert_eq!(
            rows(dir.path(), "pod_failed", &pod),
            [(failed * S, "Error".to_string())]
        );
    }
    assert_eq!(
        times(&rows(dir.path(), "job_failed", "batch")),
        vec![63 * S]
    );
    assert_eq!(figure(dir.path(), "pods_created"), "3");
    assert_eq!(figure(dir.path(), "pods_failed[batch]"), "3");
    assert_eq!(figure(dir.path(), "jobs_failed"), "1");
    assert_eq!(figure(dir.path(), "restarts"), "0");
    let pods = dir.path().join("out/pods.csv");
    assert_eq!(column(&pods, "reason"), vec!["Error"; 3]);
    // Each pod ran 10 s of 1 core before crashing, without a checkpoint: 30 core-s lost.
    assert_eq!(figure(dir.path(), "lost_job_work_core_s"), "30.000000");
}

#[test]
fn on_failure_restarts_count_toward_the_backoff_limit() {
    // backoffLimit 3, every run crashes after 10 s: starts at 1, crashes at 11 (restart at
    // once), 21 (+10 s: restart 31), 41 (+20 s: restart 61). The third restart brings the
    // active pod's restartCount to 3 = backoffLimit: the Job fails at 61 s and its pod is
    // deleted.
    let dir = run(&scenario(
        &job(
            "backoffLimit: 3",
            "OnFailure",
            2,
            "{runTime: 60s, crash: {timeToCrash: 10s}}",
        ),
        "",
    ));
    assert_eq!(
        times(&rows(dir.path(), "container_crashed", "batch-0")),
        [11, 21, 41].map(|s| s * S).to_vec()
    );
    assert_eq!(
        times(&rows(dir.path(), "container_restarted", "batch-0")),
        [11, 31, 61].map(|s| s * S).to_vec()
    );
    assert_eq!(times(&rows(dir.path(), "job_failed", "batch")), [61 * S]);
    assert_eq!(
        figure(dir.path(), "pods_created"),
        "1",
        "restarts are in place"
    );
    assert_eq!(figure(dir.path(), "restarts"), "3");
    let pods = dir.path().join("out/pods.csv");
    assert_eq!(column(&pods, "reason"), vec!["BackoffLimitExceeded"]);
    // Three runs of 10 s on 2 cores lost; the pod deleted at its restart had run 0 s.
    assert_eq!(
        figure(dir.path(), "lost_job_work_core_s[batch]"),
        "60.000000"
    );
}

#[test]
fn backoff_limit_zero_fails_at_the_first_restart() {
    let dir = run(&scenario(
        &job(
            "backoffLimit: 0",
            "OnFailure",
            1,
            "{runTime: 60s, crash: {timeToCrash: 10s}}",
        ),
        "",
    ));
    assert_eq!(times(&rows(dir.path(), "job_failed", "batch")), [11 * S]);
}

#[test]
fn a_checkpoint_keeps_the_work_of_a_restarted_container() {
    // 100 s of work on 2 cores, checkpoints every 30 s, every run crashes after 70 s.
    // Run 1: 1 → 71, saves 60 s, loses 10 s. Restart at once with 40 s left < 70 s: done
    // at 111 s. Lost: 10 s × 2 cores = 20 core-s.
    let dir = run(&scenario(
        &job(
            "backoffLimit: 6",
            "OnFailure",
            2,
            "{runTime: 100s, checkpointInterval: 30s, crash: {timeToCrash: 70s}}",
        ),
        "",
    ));
    assert_eq!(
        times(&rows(dir.path(), "pod_succeeded", "batch-0")),
        [111 * S]
    );
    assert_eq!(figure(dir.path(), "lost_job_work_core_s"), "20.000000");
    assert_eq!(figure(dir.path(), "jobs_completed"), "1");
}

#[test]
fn the_replacement_of_a_failed_pod_resumes_its_work_item() {
    // restartPolicy Never: pod 0 runs 1 → 71, saves 60 s, fails. After the Job backoff
    // (10 s) pod 1 is created at 81 with the same 100 s item and 60 s saved: it starts at
    // 82 and completes 40 s later, at 122 s, before its own crash at 152.
    let with = run(&scenario(
        &job(
            "backoffLimit: 6",
            "Never",
            2,
            "{runTime: 100s, checkpointInterval: 30s, crash: {timeToCrash: 70s}}",
        ),
        "",
    ));
    assert_eq!(
        times(&rows(with.path(), "pod_created", "batch-1")),
        [81 * S]
    );
    assert_eq!(
        times(&rows(with.path(), "pod_succeeded", "batch-1")),
        [122 * S]
    );
    assert_eq!(figure(with.path(), "lost_job_work_core_s"), "20.000000");
    // Without a checkpoint every pod starts the 100 s item over and crashes at 70 s:
    // backoffLimit 1 allows two failed pods, 70 s × 2 cores each.
    let without = run(&scenario(
        &job(
            "backoffLimit: 1",
            "Never",
            2,
            "{runTime: 100s, crash: {timeToCrash: 70s}}",
        ),
        "",
    ));
    assert_eq!(figure(without.path(), "jobs_failed"), "1");
    assert_eq!(figure(without.path(), "pods_failed_end"), "2");
    assert_eq!(figure(without.path(), "lost_job_work_core_s"), "280.000000");
}

#[test]
fn an_evicted_job_pod_resumes_from_its_checkpoint() {
    // A low-priority 8-core Job pod (100 s of work, checkpoints every 30 s) fills the node;
    // a high-priority 8-core Job arrives at 50 s and preempts it: it ran 49 s, saves 30 s,
    // loses 19 s × 8 cores = 152 core-s. Its 30 s grace ends at 80; the high pod binds
    // then, starts at 81 and runs 10 s (to 91). The replacement, created at 50 + 10 s of
    // Job backoff = 60, binds at 91, starts at 92 and runs the remaining 70 s: done at 162.
    let workloads = "  jobs:
    - metadata: {name: low}
      spec:
        template:
          spec:
            restartPolicy: Never
            containers: [{name: w, resources: {requests: {cpu: 8, memory: 1Gi}}}]
      simulation: {runTime: 100s, checkpointInterval: 30s}
    - metadata: {name: high}
      spec:
        template:
          spec:
            restartPolicy: Never
            priorityClassName: high
            containers: [{name: w, resources: {requests: {cpu: 8, memory: 1Gi}}}]
      simulation: {runTime: 10s, arrivals: {times: [50s]}}
";
    let dir = run(&scenario(
        workloads,
        "priorityClasses: [{name: high, value: 1000}]",
    ));
    assert_eq!(times(&rows(dir.path(), "pod_preempted", "low-0")), [50 * S]);
    assert_eq!(times(&rows(dir.path(), "pod_started", "low-1")), [92 * S]);
    assert_eq!(
        times(&rows(dir.path(), "pod_succeeded", "low-1")),
        [162 * S]
    );
    assert_eq!(
        figure(dir.path(), "lost_job_work_core_s[low]"),
        "152.000000"
    );
    assert_eq!(figure(dir.path(), "lost_job_work_core_s[high]"), "0.000000");
}

#[test]
fn probability_zero_never_crashes_and_one_always_does() {
    let never = run(&scenario(
        &deployment(4, "", "{crash: {probability: 0}}"),
        "duration: 10m",
    ));
    assert_eq!(figure(never.path(), "restarts"), "0");
    // Probability 1, 20 s after each start: every pod crashes at 21 s and restarts at
    // once, crashes at 41 s and restarts at 51, crashes at 71 and restarts at 91; the next
    // crash, at 111 s, is after the end. 3 restarts per pod.
    let always = run(&scenario(
        &deployment(4, "", "{crash: {probability: 1, after: 20s}}"),
        "duration: 100s",
    ));
    assert_eq!(figure(always.path(), "restarts"), "12");
    let pods = always.path().join("out/pods.csv");
    assert_eq!(column(&pods, "restarts"), vec!["3"; 4]);
}

#[test]
fn crash_fraction_matches_the_probability_end_to_end() {
    // 40000 Jobs of one pod each (1 s of work, OnFailure) whose container starts crash with
    // p = 0.25, 0.5 s in. A pod has restarted at least once exactly when its first start
    // crashed: Binomial(n, p), sd of the fraction sqrt(p(1−p)/n) = 0.00217. Accept 4 sd
    // (0.0087, 3.5 % of p).
    let n = 40_000;
    let text = scenario(
        &format!(
            "  jobs:\n    - metadata: {{name: b}}\n      spec:\n        template:\n          spec:\n\
             \x20           restartPolicy: OnFailure\n            containers: [{{name: w, resources: {{requests: {{cpu: 10m, memory: 1Mi}}}}}}]\n\
             \x20     simulation:\n        runTime: 1s\n        crash: {{probability: 0.25, after: 500ms}}\n\
             \x20       arrivals: {{poisson: 100/s, limit: {n}}}\n"
        ),
        "duration: 2h",
    );
    let dir = run(&text);
    let restarts = column(&dir.path().join("out/pods.csv"), "restarts");
    assert_eq!(restarts.len(), n);
    let fraction = restarts.iter().filter(|r| *r != "0").count() as f64 / n as f64;
    let tol = 4.0 * (0.25 * 0.75 / n as f64).sqrt();
    assert!((fraction - 0.25).abs() < tol, "{fraction}");
    // Negative control: the same fraction judged against p = 0.27 fails.
    assert!((fraction - 0.27).abs() >= tol, "{fraction}");
}

#[test]
fn readiness_waits_for_the_initial_delay_after_every_start() {
    // initialDelaySeconds 15: Ready at 1 + 15 = 16. A crash at 61 (run of 60 s) restarts
    // at once; Ready again 15 s later, at 76.
    let dir = run(&scenario(
        &deployment(
            1,
            ", readinessProbe: {initialDelaySeconds: 15, periodSeconds: 5, httpGet: {path: /, port: 80}}",
            "{crash: {timeToCrash: 60s}}",
        ),
        "duration: 100s",
    ));
    assert_eq!(
        times(&rows(dir.path(), "pod_ready", "web-0")),
        [16, 76].map(|s| s * S).to_vec()
    );
}

#[test]
fn a_crash_before_ready_voids_the_readiness() {
    // Ready would come 30 s after each start, but every run crashes after 20 s: never
    // Ready, and the pod's ready_since stays empty.
    let text = scenario(
        &deployment(
            1,
            ", readinessProbe: {initialDelaySeconds: 30}",
            "{crash: {timeToCrash: 20s}}",
        ),
        "duration: 5m",
    );
    let (_, o) = run_checked(&text);
    let p = &o.cluster.pods[0];
    assert!(p.ready_since.is_none());
    assert!(p.restarts > 0);
    let dir = run(&text);
    assert!(rows(dir.path(), "pod_ready", "web-0").is_empty());
}

#[test]
fn invariants_hold_through_crash_loops_and_failures() {
    // Every kind of crash handling at once, checked after every event.
    let text = scenario(
        &(deployment(
            3,
            ", readinessProbe: {initialDelaySeconds: 5}",
            "{crash: {probability: 0.5, after: {uniform: {min: 1s, max: 30s}}, timeToCrash: {exponential: {mean: 5m}}}}",
        ) + &job(
            "completions: 4\n        parallelism: 2",
            "Never",
            1,
            "{runTime: {exponential: {mean: 2m}}, checkpointInterval: 20s, crash: {timeToCrash: {exponential: {mean: 3m}}}}",
        )),
        "duration: 1h",
    );
    let (_, o) = run_checked(&text);
    assert!(o.cluster.pods.iter().any(|p| p.restarts > 0));
    assert!(
        o.cluster
            .pods
            .iter()
            .any(|p| p.phase == PodPhase::Failed && p.reason == Some(PodReason::Error))
    );
}

#[test]
fn crashes_are_reproducible_and_do_not_depend_on_the_scheduler() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let run_to = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        let mut args = vec![
            "run",
            "scenarios/crashes.yaml",
            "--out",
            out.to_str().expect("utf-8 path"),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let o = kubesim(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let (a, b) = (run_to("a", &[]), run_to("b", &[]));
    for f in kubesim::OUTPUT_FILES {
        assert_eq!(
            std::fs::read(a.join(f)).expect("file"),
            std::fs::read(b.join(f)).expect("file"),
            "{f} differs between identical runs"
        );
    }
    // The Deployment's pods all fit at once under either policy, so they start at the same
    // times; their crashes are drawn per pod and start, hence the same, on other nodes.
    let packed = run_to("packed", &["--scheduler", "first-fit"]);
    let crashes = |dir: &Path| -> Vec<(String, String, String, String)> {
        read_csv(&dir.join("events.csv"))
            .into_iter()
            .filter(|r| r[1] == "container_crashed" && r[2].starts_with("api-"))
            .map(|r| (r[0].clone(), r[2].clone(), r[3].clone(), r[4].clone()))
            .collect()
    };
    let (spread, dense) = (crashes(&a), crashes(&packed));
    assert!(!spread.is_empty());
    let strip = |v: &[(String, String, String, String)]| -> Vec<(String, String, String)> {
        v.iter()
            .map(|r| (r.0.clone(), r.1.clone(), r.3.clone()))
            .collect()
    };
    assert_eq!(strip(&spread), strip(&dense));
    assert_ne!(
        spread.iter().map(|r| &r.2).collect::<Vec<_>>(),
        dense.iter().map(|r| &r.2).collect::<Vec<_>>(),
        "the policies should place the pods differently"
    );
}

#[test]
fn the_pod_is_ready_when_its_slowest_container_is() {
    // Two containers with probes of 5 s and 12 s, one without: Ready at 1 + 12 = 13 s.
    let text = scenario(
        "  deployments:\n    - metadata: {name: web}\n      spec:\n        template:\n          spec:\n\
         \x20           containers:\n\
         \x20             - {name: a, readinessProbe: {initialDelaySeconds: 5}}\n\
         \x20             - {name: b, readinessProbe: {initialDelaySeconds: 12, failureThreshold: 3}}\n\
         \x20             - {name: c}\n",
        "duration: 1m",
    );
    let dir = run(&text);
    assert_eq!(times(&rows(dir.path(), "pod_ready", "web-0")), [13 * S]);
    let (_, o) = run_checked(&text);
    assert_eq!(o.cluster.pods[0].ready_since, Some(13 * S));
}
