//! Services against the semantics of docs/services.md, each expected figure derived by hand
//! (the derivation is beside each test): small deterministic scenarios (constant arrivals,
//! constant demands) whose results are exact, and statistical ones with a fixed seed and a
//! tolerance from the variance. Every run goes through the real binary and checks request
//! conservation (arrived = completed + rejected + failed + in flight) per Service, from
//! `services.csv` (which covers the whole run) and from `summary.csv`.
//!
//! Pods start 1 s after binding (the default `startupDelay`) at time 0 and reach the load
//! balancer `endpointDelay` (default 1 s) later, at 2 s; traffic starts at 5 s unless a
//! test says otherwise.

mod common;
use common::*;
use std::path::Path;

/// A Deployment `name` of `replicas` pods labelled `app: <app>`, each with `cpu` (request
/// and limit) and `serving` (a YAML flow map, e.g. `{workers: 2}`), on `pool` when given.
fn deployment(name: &str, app: &str, replicas: u32, cpu: &str, serving: &str) -> String {
    format!(
        "    - metadata: {{name: {name}}}
      spec:
        replicas: {replicas}
        template:
          metadata: {{labels: {{app: {app}}}}}
          spec:
            containers:
              - name: c
                resources: {{requests: {{cpu: \"{cpu}\", memory: 1Gi}}, limits: {{cpu: \"{cpu}\", memory: 1Gi}}}}
      simulation: {{serving: {serving}}}
"
    )
}

/// [`deployment`] pinned to node pool `pool`.
fn pinned(name: &str, app: &str, cpu: &str, serving: &str, pool: &str) -> String {
    deployment(name, app, 1, cpu, serving).replace(
        "          spec:\n",
        &format!("          spec:\n            nodeSelector: {{kubesim.io/pool: {pool}}}\n"),
    )
}

/// A Service `name` over `app: <name>` with `simulation` (YAML lines at 6 spaces).
fn service(name: &str, kind: &str, simulation: &str) -> String {
    format!(
        "  - metadata: {{name: {name}}}
    spec: {{type: {kind}, selector: {{app: {name}}}}}
    simulation:
{simulation}"
    )
}

/// A whole scenario: two pools `a` and `b` of one big node each, the Deployments and the
/// Services, `metrics` (a flow map) and `events` (YAML list lines, or empty).
fn scenario(
    duration: &str,
    metrics: &str,
    deployments: &str,
    services: &str,
    events: &str,
) -> String {
    let mut y = format!(
        "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: services-test}}
seed: 7
duration: {duration}
metrics: {metrics}
cluster:
  nodePools:
    - {{name: a, count: 1, capacity: {{cpu: 64, memory: 256Gi}}}}
    - {{name: b, count: 1, capacity: {{cpu: 64, memory: 256Gi}}}}
workloads:
  deployments:
{deployments}services:
{services}"
    );
    if !events.is_empty() {
        y += "events:\n";
        y += events;
    }
    y
}

/// Runs `kubesim run` on `yaml` with `args`, expecting success; returns the output folder.
fn run(yaml: &str, args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("scenario.yaml");
    std::fs::write(&file, yaml).expect("write scenario");
    let out = dir.path().join("out");
    let mut all = vec![
        "run",
        file.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
        "--quiet",
    ];
    all.extend_from_slice(args);
    let o = kubesim(&all);
    assert_eq!(
        o.status.code(),
        Some(0),
        "run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    dir
}

/// The output folder of a run made by [`run`].
fn out(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("out")
}

/// A summary figure of Service `svc` as a number.
fn figure(dir: &Path, metric: &str, svc: &str) -> f64 {
    let v = summary(dir, &format!("{metric}[{svc}]"));
    v.parse()
        .unwrap_or_else(|_| panic!("{metric}[{svc}] = `{v}` is not a number"))
}

/// A summary count of Service `svc`.
fn count(dir: &Path, metric: &str, svc: &str) -> u64 {
    figure(dir, metric, svc) as u64
}

/// One Service's `services.csv` rows: (time_s, the named columns as numbers, blank = NaN).
fn rows(dir: &Path, svc: &str, columns: &[&str]) -> Vec<(f64, Vec<f64>)> {
    let all = read_csv(&dir.join("services.csv"));
    let header = &all[0];
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("services.csv has no column {name}"))
    };
    let (t, s) = (at("time_s"), at("service"));
    let idx: Vec<usize> = columns.iter().map(|c| at(c)).collect();
    all[1..]
        .iter()
        .filter(|r| r[s] == svc)
        .map(|r| {
            let num = |i: usize| r[i].parse::<f64>().unwrap_or(f64::NAN);
            (num(t), idx.iter().map(|&i| num(i)).collect())
        })
        .collect()
}

/// Σ of one `services.csv` column of `svc` over the run.
fn total(dir: &Path, svc: &str, column: &str) -> u64 {
    rows(dir, svc, &[column])
        .iter()
        .map(|(_, v)| v[0] as u64)
        .sum()
}

/// Conservation for `svc` over the whole run, from `services.csv`: Σ arrivals = Σ completed
/// + Σ rejected + Σ failed + in flight at the end. Returns those five figures.
fn conserved_run(dir: &Path, svc: &str) -> (u64, u64, u64, u64, u64) {
    let r = rows(dir, svc, &["in_flight"]);
    let last = r.last().expect("rows").1[0] as u64;
    let t = |c| total(dir, svc, c);
    let (a, c, rj, f) = (t("arrivals"), t("completed"), t("rejected"), t("failed"));
    assert_eq!(a, c + rj + f + last, "{svc}: services.csv does not add up");
    (a, c, rj, f, last)
}

/// [`conserved_run`], and for a run without warm-up the same figures in `summary.csv`
/// (with a warm-up its counts start later, and the requests in flight when it ends are
/// answered inside the measured span without having arrived in it).
fn conserved(dir: &Path, svc: &str) -> (u64, u64, u64, u64, u64) {
    let run = conserved_run(dir, svc);
    let s = |m| count(dir, m, svc);
    let summary = (
        s("requests_arrived"),
        s("requests_completed"),
        s("requests_rejected"),
        s("requests_failed"),
        s("requests_in_flight_end"),
    );
    assert_eq!(summary, run, "{svc}: summary.csv and services.csv differ");
    run
}

/// Erlang B blocking probability B(c, a), by the recursion B_0 = 1,
/// B_k = a·B_{k−1} / (k + a·B_{k−1}).
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

#[test]
fn erlang_b_recursion_matches_the_tabulated_values() {
    // Hand values: B(1, a) = a / (1 + a); B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2.
    assert!((erlang_b(1, 3.0) - 0.75).abs() < 1e-12);
    assert!((erlang_b(2, 1.0) - 0.2).abs() < 1e-12);
    // B(3, 2) = (8/6) / (1 + 2 + 2 + 8/6) = 4/19.
    assert!((erlang_b(3, 2.0) - 4.0 / 19.0).abs() < 1e-12);
}

/// M/M/c/c: one pod with c = 3 workers on 3 CPUs (speed 1), no waiting room, Poisson
/// arrivals at 200/s, exponential demand of mean 10 ms: offered load a = 2 Erlangs. The
/// rejected fraction is the Erlang B blocking probability B(3, 2) = 4/19 ≈ 0.2105 (PASTA:
/// the fraction of arrivals blocked is the fraction of time all workers are busy).
/// Tolerance: 4σ, σ from the 240 batches of 10 s after a 10 s warm-up (2,000 arrivals per
/// batch, far longer than the 10 ms correlation time, so close to independent), and at
/// least the binomial σ = √(B(1−B)/n); the band must stay under 3 % of B. Negative
/// control: 10 % more offered load, B(3, 2.2) ≈ 0.240, is far outside the same band.
#[test]
fn loss_system_rejects_the_erlang_b_fraction() {
    let y = scenario(
        "2410s",
        "{interval: 10s, warmup: 10s}",
        &deployment("web", "web", 1, "3", "{workers: 3, queueCapacity: 0}"),
        &service(
            "web",
            "LoadBalancer",
            "      demand: {exponential: {mean: 10ms}}
      traffic: {poisson: 200/s, start: 5s}
",
        ),
        "",
    );
    let d = run(&y, &[]);
    let dir = out(&d);
    let (_, _, _, failed, _) = conserved_run(&dir, "web");
    assert_eq!(failed, 0);
    let arrived = count(&dir, "requests_arrived", "web") as f64;
    let rejected = count(&dir, "requests_rejected", "web") as f64;
    let p = rejected / arrived;
    // Batch means over the measured span.
    let batches: Vec<f64> = rows(&dir, "web", &["arrivals", "rejected"])
        .into_iter()
        .filter(|(t, _)| *t > 10.0)
        .map(|(_, v)| v[1] / v[0])
        .collect();
    assert_eq!(batches.len(), 240);
    let k = batches.len() as f64;
    let mean = batches.iter().sum::<f64>() / k;
    let var = batches.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let binomial = (p * (1.0 - p) / arrived).sqrt();
    let sigma = (var / k).sqrt().max(binomial);
    let band = 4.0 * sigma;
    assert!(band < 0.03 * p, "band {band} too wide for a useful check");
    let expected = erlang_b(3, 2.0);
    assert!(
        (p - expected).abs() < band,
        "rejected fraction {p} vs Erlang B {expected} ± {band}"
    );
    let wrong = erlang_b(3, 2.2);
    assert!(
        (p - wrong).abs() > band,
        "negative control: B(3, 2.2) = {wrong} must fail the check ({p} ± {band})"
    );
}

/// A pod with 2 CPUs and 4 workers runs each worker at min(1, 2/4) = 0.5 CPU: a request
/// of 10 ms demand takes 20 ms. Arrivals every 100 ms never meet a busy pod, so every
/// latency is exactly 20 ms. Its CPU is busy time × speed = the demand, 10 ms per request.
#[test]
fn workers_share_the_cpu_and_serve_at_its_speed() {
    let y = scenario(
        "20s",
        "{interval: 1s}",
        &deployment("web", "web", 1, "2", "{workers: 4}"),
        &service(
            "web",
            "LoadBalancer",
            "      demand: 10ms
      traffic: {constant: 10/s, start: 5s}
",
        ),
        "",
    );
    let d = run(&y, &[]);
    let dir = out(&d);
    // Arrivals at 5 + n/10 s, n = 1..=150 (the last at 20 s, the end, unanswered).
    let (a, c, rj, f, last) = conserved(&dir, "web");
    assert_eq!((a, c, rj, f, last), (150, 149, 0, 0, 1));
    assert_eq!(figure(&dir, "latency_mean_s", "web"), 0.02);
    let max = figure(&dir, "latency_max_s", "web");
    assert!((max - 0.02).abs() <= 0.02 * 1e-3, "max {max}");
    // 149 requests' own work (10 ms of CPU each) is done by the end (the last arrives at
    // the very end): 1.49 core-s over the 20 s run, 0.0745 cores.
    let cpu = figure(&dir, "cpu_cores_mean", "web");
    assert!((cpu - 0.0745).abs() < 1e-4, "cpu {cpu}");
}

/// `front` (1 pod, 1 worker, 1 CPU, demand 10 ms) calls `back` (50 ms, 4 workers on 4
/// CPUs: never queues at this rate) once per request; 20 requests/s arrive at front.
///
/// Synchronous: front's worker is held 10 + 50 = 60 ms per request, more than the 50 ms
/// between arrivals, so from the first request on the worker is never idle: request n
/// (n = 0, 1, …, arriving at 5.05 + 0.05n) answers at 5.05 + 0.06(n + 1), a latency of
/// 0.06 + 0.01n. By the end (20.001 s), requests with 5.11 + 0.06n ≤ 20.001, i.e. n ≤
/// 248, are answered: 249 of the 300 arrived, mean latency 0.06 + 0.01·248/2 = 1.30 s,
/// the largest 0.06 + 2.48 = 2.54 s. back sees one call per finished own work (5.06 +
/// 0.06n ≤ 20.001: n ≤ 249, 250 calls), each 50 ms; 249 answered.
///
/// Asynchronous: front's worker is free after its 10 ms, so it never queues and every
/// latency is 10 + 50 = 60 ms. Request n calls back at 5.06 + 0.05n ≤ 20.001 (n ≤ 298:
/// 299 calls) and answers at 5.11 + 0.05n ≤ 20.001 (n ≤ 297: 298 answered, at front and
/// at back).
#[test]
fn synchronous_calls_hold_the_worker_and_asynchronous_ones_do_not() {
    let make = |synchronous: bool| {
        scenario(
            "20001ms",
            "{interval: 1s}",
            &(deployment("front", "front", 1, "1", "{workers: 1}")
                + &deployment("back", "back", 1, "4", "{workers: 4}")),
            &(service(
                "front",
                "LoadBalancer",
                &format!(
                    "      demand: 10ms
      synchronousCalls: {synchronous}
      calls: [{{service: back}}]
      traffic: {{constant: 20/s, start: 5s}}
"
                ),
            ) + &service("back", "ClusterIP", "      demand: 50ms\n")),
            "",
        )
    };
    let d = run(&make(true), &[]);
    let dir = out(&d);
    assert_eq!(conserved(&dir, "front"), (300, 249, 0, 0, 51));
    assert_eq!(conserved(&dir, "back"), (250, 249, 0, 0, 1));
    let mean = figure(&dir, "latency_mean_s", "front");
    assert!((mean - 1.30).abs() < 1e-9, "front mean {mean}");
    let max = figure(&dir, "latency_max_s", "front");
    assert!((max - 2.54).abs() <= 2.54 * 1e-3, "front max {max}");
    assert_eq!(figure(&dir, "latency_mean_s", "back"), 0.05);

    let d = run(&make(false), &[]);
    let dir = out(&d);
    assert_eq!(conserved(&dir, "front"), (300, 298, 0, 0, 2));
    assert_eq!(conserved(&dir, "back"), (299, 298, 0, 0, 1));
    assert_eq!(figure(&dir, "latency_mean_s", "front"), 0.06);
    assert_eq!(figure(&dir, "latency_mean_s", "back"), 0.05);
}

/// Two Services: `front` calling `back` with `call` (a flow map), both with ample
/// workers, constant traffic `rate` from 5 s, demands 1 ms; the run ends at `duration`.
fn calls_scenario(call: &str, rate: &str, duration: &str) -> String {
    scenario(
        duration,
        "{interval: 10s}",
        &(deployment("front", "front", 1, "8", "{workers: 8}")
            + &deployment("back", "back", 1, "16", "{workers: 16}")),
        &(service(
            "front",
            "LoadBalancer",
            &format!(
                "      demand: 1ms
      calls: [{call}]
      traffic: {{constant: {rate}, start: 5s}}
"
            ),
        ) + &service("back", "ClusterIP", "      demand: 1ms\n")),
        "",
    )
}

/// Probability 1 and fan-out 3: every request of front makes exactly 3 calls when its
/// own work is done. Constant 10/s from 5 s to 20.5 s: 155 requests (at 5 + n/10 s), each
/// done 2 ms after it arrives (1 ms own work, then 3 parallel 1 ms calls); the last, at
/// 20.5 s, has not done its own work at the end. So back sees exactly 3 × 154 = 462.
#[test]
fn fan_out_sends_exactly_that_many_calls() {
    let d = run(
        &calls_scenario("{service: back, fanOut: 3}", "10/s", "20500ms"),
        &[],
    );
    let dir = out(&d);
    assert_eq!(conserved(&dir, "front"), (155, 154, 0, 0, 1));
    assert_eq!(conserved(&dir, "back"), (462, 462, 0, 0, 0));
    assert_eq!(figure(&dir, "latency_mean_s", "front"), 0.002);
}

/// Probability 0.3 and fan-out 2: each of front's N requests makes the call with
/// probability 0.3, so back's arrivals are 2·Binomial(N, 0.3): mean 0.6N, σ =
/// 2√(N·0.3·0.7). Constant 1000/s from 5 s to 55.5 s: 50,500 requests, of which all but
/// the last (arriving at the end) have done their own work, N = 50,499: mean 30,299.4,
/// σ ≈ 206. Check within 4σ; negative control: probability 0.31 (mean 31,309) is far
/// outside.
#[test]
fn call_probability_thins_the_calls_binomially() {
    let d = run(
        &calls_scenario(
            "{service: back, probability: 0.3, fanOut: 2}",
            "1000/s",
            "55500ms",
        ),
        &[],
    );
    let dir = out(&d);
    let (a, n, _, _, last) = conserved(&dir, "front");
    assert_eq!((a, n, last), (50_500, 50_499, 1));
    let (calls, ..) = conserved(&dir, "back");
    assert_eq!(calls % 2, 0, "calls come in pairs");
    let n = n as f64;
    let (mean, sigma) = (0.6 * n, 2.0 * (n * 0.3 * 0.7).sqrt());
    let calls = calls as f64;
    assert!(
        (calls - mean).abs() < 4.0 * sigma,
        "{calls} calls vs {mean} ± {}",
        4.0 * sigma
    );
    assert!(
        (calls - 0.62 * n).abs() > 4.0 * sigma,
        "negative control: p = 0.31 must fail"
    );
}

/// One pod with 4 workers on 4 CPUs; every request takes 100 ms but its caller gives up
/// after 50 ms; constant 10/s from 5 s to 20.001 s: first attempts at 5 + m/10, m = 1..=150.
fn timeouts_scenario(retries: &str) -> String {
    scenario(
        "20001ms",
        "{interval: 1s}",
        &deployment("web", "web", 1, "4", "{workers: 4}"),
        &service(
            "web",
            "LoadBalancer",
            &format!(
                "      demand: 100ms
      timeout: 50ms
{retries}      traffic: {{constant: 10/s, start: 5s}}
"
            ),
        ),
        "",
    )
}

/// Without retries every attempt times out 50 ms after it arrives: the 150 attempts
/// arrived, none completed, all but the last (at 20 s, its timeout due at 20.05 s) timed
/// out: failed = timeouts = 149, in flight 1.
#[test]
fn every_attempt_longer_than_the_timeout_times_out() {
    let d = run(&timeouts_scenario(""), &[]);
    let dir = out(&d);
    assert_eq!(conserved(&dir, "web"), (150, 0, 0, 149, 1));
    assert_eq!(total(&dir, "web", "timeouts"), 149);
    assert_eq!(count(&dir, "requests_timed_out", "web"), 149);
    assert_eq!(count(&dir, "requests_retried", "web"), 0);
}

/// `retries: {attempts: 2, budget: 100}`: the bucket (10 tokens, full at the start) gets
/// 100 per first attempt, capped at 10, and loses 1 per retry, so it never runs out: each
/// request is tried at t, t + 50 ms and t + 100 ms, and each attempt times out. All 150
/// first attempts arrive; the retries of the last one (due at 20.05 and 20.1 s) do not:
/// arrivals 3·150 − 2 = 448, retries 2·150 − 2 = 298. In flight at the end: the last first
/// attempt (20 s) and the second retry of the one before (19.9 + 0.1 = 20 s): 2; every
/// other attempt timed out: failed = timeouts = 446.
#[test]
fn retries_multiply_the_attempts_within_a_large_budget() {
    let d = run(
        &timeouts_scenario("      retries: {attempts: 2, budget: 100}\n"),
        &[],
    );
    let dir = out(&d);
    assert_eq!(conserved(&dir, "web"), (448, 0, 0, 446, 2));
    assert_eq!(total(&dir, "web", "timeouts"), 446);
    assert_eq!(total(&dir, "web", "retries"), 298);
    assert_eq!(count(&dir, "requests_retried", "web"), 298);
}

/// A budget of 0.1: the bucket starts full at 10 tokens, each first attempt adds 0.1 (the
/// first one's is lost to the cap: nothing has been spent yet), each retry spends 1 and
/// needs a whole token. So retries ≤ 10 + 0.1·150 = 25; and under failure on every
/// attempt the bucket is drained to below one token, so retries ≥ 10 + 0.1·149 − 1 −
/// (a retry that would have been due after the end) > 22.
#[test]
fn a_small_retry_budget_caps_the_retries() {
    let d = run(
        &timeouts_scenario("      retries: {attempts: 2, budget: 0.1}\n"),
        &[],
    );
    let dir = out(&d);
    let (a, c, _, f, _) = conserved(&dir, "web");
    assert_eq!(c, 0);
    let retried = total(&dir, "web", "retries");
    assert_eq!(a, 150 + retried);
    assert!((23..=25).contains(&retried), "{retried} retries");
    assert_eq!(total(&dir, "web", "timeouts"), f);
}

/// `web`: 4 pods (1 CPU, 1 worker each, `serving`), `simulation` lines for the Service,
/// constant 10/s from `start` of 10 ms requests unless `simulation` says otherwise.
fn four_pods(duration: &str, serving: &str, simulation: &str, events: &str) -> String {
    scenario(
        duration,
        "{interval: 1s}",
        &deployment("web", "web", 4, "1", serving),
        &service("web", "LoadBalancer", simulation),
        events,
    )
}

/// `endpointDelay: 5s`: the 4 pods run and are Ready at 1 s, and the load balancer sees
/// them from 6 s. Scaled to 2 at 30 s, two pods begin terminating at 30 s, which takes
/// them out of the endpoints at once in the API, and out of the load balancer's view at
/// 35 s. Each row of `services.csv` is taken after every event of its time, so rows 6 to
/// 34 show 4 endpoints and rows from 35 on show 2. A terminating pod serves through its
/// 30 s grace period, so the requests sent to it meanwhile complete: none fails.
#[test]
fn a_scaled_down_pod_leaves_the_endpoints_after_the_delay() {
    let y = four_pods(
        "70s",
        "{workers: 1}",
        "      endpointDelay: 5s
      demand: 10ms
      traffic: {constant: 10/s, start: 10s}
",
        "  - {at: 30s, type: scale, deployment: web, replicas: 2}\n",
    );
    let d = run(&y, &[]);
    let dir = out(&d);
    let events = read_csv(&dir.join("events.csv"));
    let terminating: Vec<&String> = events
        .iter()
        .filter(|r| r[1] == "pod_terminating")
        .map(|r| &r[0])
        .collect();
    assert_eq!(terminating.len(), 2, "{terminating:?}");
    assert!(terminating.iter().all(|t| t.parse::<f64>() == Ok(30.0)));
    for (t, v) in rows(&dir, "web", &["endpoints"]) {
        let expected = match t {
            t if t < 6.0 => 0.0,
            t if t < 35.0 => 4.0,
            _ => 2.0,
        };
        assert_eq!(v[0], expected, "endpoints at {t} s");
    }
    // Arrivals at 10 + n/10 s up to 70 s: 600, the one at 70 s still in flight.
    assert_eq!(conserved(&dir, "web"), (600, 599, 0, 0, 1));
}

/// Pods `web-a` on node a-0 and `web-b` on b-0 behind round robin (with `simulation`
/// lines added to the Service); constant 10/s of 10 ms from 5 s; a-0 fails at 30 s.
fn node_a_fails(simulation: &str) -> String {
    scenario(
        "100s",
        "{interval: 1s}",
        &(pinned("web-a", "web", "1", "{workers: 1}", "a")
            + &pinned("web-b", "web", "1", "{workers: 1}", "b")),
        &service(
            "web",
            "LoadBalancer",
            &format!(
                "      demand: 10ms\n{simulation}      traffic: {{constant: 10/s, start: 5s}}\n"
            ),
        ),
        "  - {at: 30s, type: node_failure, nodes: [a-0]}\n",
    )
}

/// Two pods, one on node a-0 and one on b-0, round robin. a-0 fails at 30 s: its pod's
/// containers stop, but the API keeps it Ready until the node lifecycle controller marks
/// the node not ready at the first 5 s tick strictly after 30 + 50 s, 85 s; the load
/// balancer learns of it 1 s later, at 86 s. Meanwhile round robin sends every other
/// request to the dead pod, where it fails at once: 5 of the 10 arrivals of each 1 s row
/// from 31 to 85 fail, and from 87 on none does; the endpoints drop from 2 to 1 at 86.
#[test]
fn requests_to_a_dead_pod_fail_until_the_node_is_marked_not_ready() {
    let d = run(&node_a_fails(""), &[]);
    let dir = out(&d);
    for (t, v) in rows(&dir, "web", &["failed", "endpoints"]) {
        let (failed, endpoints) = (v[0], v[1]);
        if !(30.0..87.0).contains(&t) {
            assert_eq!(failed, 0.0, "failed at {t} s");
        } else if (31.0..=85.0).contains(&t) {
            assert_eq!(failed, 5.0, "failed at {t} s");
        }
        if (2.0..86.0).contains(&t) {
            assert_eq!(endpoints, 2.0, "endpoints at {t} s");
        } else if t >= 86.0 {
            assert_eq!(endpoints, 1.0, "endpoints at {t} s");
        }
    }
    let (a, c, rj, f, last) = conserved(&dir, "web");
    // Arrivals at 5.1 … 100 s; the last is in flight at the end.
    assert_eq!((a, rj, last), (950, 0, 1));
    // 5 per row from 31 to 85 s; in row 86, 4 or 5 (the arrival at 86 s meets the
    // endpoint change of 86 s); in row 30, 0 or 1 (the arrival at 30 s meets the failure).
    assert!((279..=281).contains(&f), "{f} failed");
    assert_eq!(c, a - f - last);
}

/// Traffic from 0 s, endpoints only from 1 s (startupDelay) + 1.05 s (endpointDelay) =
/// 2.05 s: the 20 arrivals at 0.1 … 2.0 s are rejected (no endpoint), none after.
#[test]
fn requests_before_any_endpoint_are_rejected() {
    let y = four_pods(
        "10s",
        "{workers: 1}",
        "      endpointDelay: 1050ms
      demand: 10ms
      traffic: {constant: 10/s}
",
        "",
    );
    let d = run(&y, &[]);
    let dir = out(&d);
    // The last arrival, at 10 s, is still in flight at the end.
    assert_eq!(conserved(&dir, "web"), (100, 79, 20, 0, 1));
}

/// 4 pods of 1 worker with no waiting room; requests of 250 ms arrive every 100 ms, so a
/// pod that takes a request refuses the next two arrivals it is sent and can take the
/// third. `simulation` adds lines to the Service (`connections`, `affinity`).
fn one_at_a_time(duration: &str, keys: &str, simulation: &str) -> String {
    four_pods(
        duration,
        "{workers: 1, queueCapacity: 0}",
        &format!(
            "      demand: 250ms
{simulation}      traffic: {{constant: 10/s, start: 5s{keys}}}
"
        ),
        "",
    )
}

/// Round robin without keep-alive: each pod gets every 4th request, 400 ms apart, more
/// than 250 ms: nothing is rejected. With `keepAlive: {connections: N}` and a random key
/// per request, request k takes connection k mod N (a fair coin for each request), and
/// the N connections open to N distinct pods (round robin's first N picks). A pod that
/// took a request skips the next 2 arrivals and then takes the first sent to it: its
/// cycle is 2 + G arrivals with G geometric of mean N, variance N(N − 1). So the completed
/// fraction is N/(2 + N): 1/2 for N = 2 (only 2 pods ever serve), 2/3 for N = 4. Over
/// n = 6,000 arrivals, each pod's count has variance ≈ n·σ²/μ³ (renewal theory) = n/32
/// for N = 2; the sum of the two pods at most 4× that: σ ≤ √(n/8) ≈ 27. Check within 4σ;
/// negative control: 2/3, what all 4 pods would give, is far outside.
#[test]
fn keep_alive_pins_the_requests_to_as_many_pods_as_connections() {
    let d = run(&one_at_a_time("605s", "", ""), &[]);
    let (a, c, rj, f, last) = conserved(&out(&d), "web");
    assert_eq!((a, rj, f), (6000, 0, 0));
    assert_eq!(c + last, 6000);

    let d = run(
        &one_at_a_time("605s", "", "      keepAlive: {connections: 2}\n"),
        &[],
    );
    let (a, c, rj, f, last) = conserved(&out(&d), "web");
    assert_eq!((a, f), (6000, 0));
    let n = a as f64;
    let served = (c + last) as f64;
    let band = 4.0 * (n / 8.0).sqrt();
    assert!(
        (served - n / 2.0).abs() < band,
        "{served} served of {n}: expected {} ± {band}",
        n / 2.0
    );
    assert!(
        (served - n * 2.0 / 3.0).abs() > band,
        "negative control: all 4 pods' 2/3 must fail"
    );
    assert_eq!(rj, a - c - last);
}

/// `sessionAffinity: ClientIP` with a single client (`keys: {uniform: 1}`): every request
/// sticks to the pod the first one went to, which takes one arrival in three (see
/// [`one_at_a_time`]): of the 150 arrivals at 5.1 … 20 s (indices 0 … 149), those with
/// index ≡ 0 mod 3 are taken (50) and the other 100 rejected; the last taken (index 147,
/// 19.8 s) is still working at the end: 49 completed, 1 in flight. Without affinity,
/// round robin spreads the same requests over the 4 pods: none rejected, the 3 arrived
/// after 19.75 s still in flight.
#[test]
fn client_ip_affinity_sends_one_client_to_one_pod() {
    let keys = ", keys: {uniform: 1}";
    let d = run(&one_at_a_time("20001ms", keys, ""), &[]);
    assert_eq!(conserved(&out(&d), "web"), (150, 147, 0, 0, 3));
    let d = run(
        &one_at_a_time("20001ms", keys, "").replace(
            "spec: {type: LoadBalancer, selector: {app: web}}",
            "spec: {type: LoadBalancer, selector: {app: web}, sessionAffinity: ClientIP}",
        ),
        &[],
    );
    assert_eq!(conserved(&out(&d), "web"), (150, 49, 100, 0, 1));
}

/// The bundled three-tier chain (with its zone outage at 10 min), run twice with the
/// same seed, writes byte-identical `services.csv`, `summary.csv` and `events.csv`.
/// Under `--lb random` instead of the scenario's policies, the external requests are the
/// same (common random numbers): frontend's arrivals per interval are identical.
#[test]
fn service_chain_is_deterministic_and_its_arrivals_do_not_depend_on_the_lb() {
    let chain = std::fs::read_to_string(root().join("scenarios/service-chain.yaml"))
        .expect("service-chain.yaml");
    let first = run(&chain, &["--duration", "12m"]);
    let second = run(&chain, &["--duration", "12m"]);
    for f in ["services.csv", "summary.csv", "events.csv"] {
        let a = std::fs::read(out(&first).join(f)).expect("first");
        let b = std::fs::read(out(&second).join(f)).expect("second");
        assert!(a == b, "{f} differs between two runs");
    }
    let random = run(&chain, &["--duration", "12m", "--lb", "random"]);
    let arrivals = |d: &tempfile::TempDir| -> Vec<f64> {
        rows(&out(d), "frontend", &["arrivals"])
            .into_iter()
            .map(|(_, v)| v[0])
            .collect()
    };
    let base = arrivals(&first);
    assert_eq!(base.len(), 73);
    assert!(base.iter().sum::<f64>() > 100_000.0);
    assert_eq!(arrivals(&random), base);
    // The policy did change something downstream.
    let db = |d: &tempfile::TempDir| std::fs::read(out(d).join("services.csv")).expect("csv");
    assert!(db(&random) != db(&first));
}

/// `compare --vary lb=random,round-robin` on the load-balancer shoot-out: exits 0, its
/// table names `latency_mean_s[web]`, and round robin's mean latency is the lower for
/// each seed: per pod, round robin makes arrivals Erlang-100 (E_n/M/1), far more regular
/// than random's Poisson split (M/M/1), and at 90 % load the M/M/1 mean (100 ms) is about
/// twice the E_100/M/1 one (~52 ms).
#[test]
fn compare_ranks_round_robin_ahead_of_random() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = kubesim(&[
        "compare",
        "scenarios/lb-shootout.yaml",
        "--vary",
        "lb=random,round-robin",
        "--seeds",
        "1-2",
        "--duration",
        "2m",
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("latency_mean_s[web]"), "{stdout}");
    let rows = read_csv(&dir.path().join("compare.csv"));
    let mean = |variant: &str, seed: &str| -> f64 {
        rows.iter()
            .find(|r| r[0] == variant && r[1] == seed && r[2] == "latency_mean_s[web]")
            .unwrap_or_else(|| panic!("no latency of {variant} seed {seed}"))[3]
            .parse()
            .expect("a number")
    };
    for seed in ["1", "2"] {
        let (random, rr) = (mean("random", seed), mean("round-robin", seed));
        assert!(
            rr < random,
            "seed {seed}: round robin {rr} vs random {random}"
        );
    }
}

/// ClientIP affinity expires: 2 pods of 1 worker with no waiting room, one client
/// (`keys: {uniform: 1}`) sending a 3 s request every 2 s (at 5 + 2n s, n = 1 … 28, up to
/// 61 s). Stuck (the default 10800 s timeout), every request goes to one pod, which takes
/// one in two: the 14 at even indices are taken, the 14 others rejected, and the last
/// taken (59 s) is still working at the end: 13 completed. With `timeoutSeconds: 1` the
/// key has been idle 2 s > 1 s at each request, so round robin picks afresh and
/// alternates the pods, each getting a request every 4 s > 3 s: none rejected, the two
/// arrived at 59 and 61 s still in flight.
#[test]
fn client_ip_affinity_expires_after_its_timeout() {
    let make = |config: &str| {
        scenario(
            "61s",
            "{interval: 1s}",
            &deployment("web", "web", 2, "1", "{workers: 1, queueCapacity: 0}"),
            &service(
                "web",
                "LoadBalancer",
                "      demand: 3s
      traffic: {constant: 1/2s, start: 5s, keys: {uniform: 1}}
",
            )
            .replace(
                "selector: {app: web}}",
                &format!("selector: {{app: web}}, sessionAffinity: ClientIP{config}}}"),
            ),
            "",
        )
    };
    let d = run(&make(""), &[]);
    assert_eq!(conserved(&out(&d), "web"), (28, 13, 14, 0, 1));
    let d = run(
        &make(", sessionAffinityConfig: {clientIP: {timeoutSeconds: 1}}"),
        &[],
    );
    assert_eq!(conserved(&out(&d), "web"), (28, 26, 0, 0, 2));
}

/// A budget of 0: the bucket's first 10 tokens are all the retries there will ever be
/// (whole tokens, so this is exact): the first 5 requests take 2 retries each, then none.
/// Arrivals 150 + 10; all but the last (at 20 s) timed out.
#[test]
fn a_zero_retry_budget_leaves_only_the_full_bucket() {
    let d = run(
        &timeouts_scenario("      retries: {attempts: 2, budget: 0}\n"),
        &[],
    );
    let dir = out(&d);
    assert_eq!(conserved(&dir, "web"), (160, 0, 0, 159, 1));
    assert_eq!(count(&dir, "requests_retried", "web"), 10);
    assert_eq!(count(&dir, "requests_timed_out", "web"), 159);
    // The retries are the first 5 requests' (5.1 … 5.5 s): all in row 6 (5 < t ≤ 6 s).
    let retries: Vec<(f64, f64)> = rows(&dir, "web", &["retries"])
        .into_iter()
        .filter(|(_, v)| v[0] > 0.0)
        .map(|(t, v)| (t, v[0]))
        .collect();
    assert_eq!(retries, [(6.0, 10.0)]);
}

/// A call that fails fails its caller, which does not count it as its own timeout. front
/// (1 ms) calls back (100 ms) whose callers give up after 50 ms; front's requests arrive at
/// 5 + n/10 s (n = 1 … 150) and call back 1 ms later, the last at 20.001 s, the very end.
///
/// Without retries, back's attempt at t + 1 ms times out at t + 51 ms, and front's request
/// fails then: those with t ≤ 19.95 s, 149, fail at both (back's 149 as timeouts, front's
/// as failed calls, not timeouts); the last is in flight at both.
///
/// With `retries: {attempts: 1}` at back (budget 100: never short), back retries at t + 51
/// ms, which times out at t + 101 ms: front fails for t ≤ 19.9 s (149 again); back's
/// arrivals are 149 × 2 + the last one's first attempt = 299, 149 of them retries, 298
/// timed out, 1 in flight.
#[test]
fn a_failed_call_fails_its_caller_after_the_callee_retries() {
    let make = |retries: &str| {
        scenario(
            "20001ms",
            "{interval: 1s}",
            &(deployment("front", "front", 1, "4", "{workers: 4}")
                + &deployment("back", "back", 1, "4", "{workers: 4}")),
            &(service(
                "front",
                "LoadBalancer",
                "      demand: 1ms
      calls: [{service: back}]
      traffic: {constant: 10/s, start: 5s}
",
            ) + &service(
                "back",
                "ClusterIP",
                &format!("      demand: 100ms\n      timeout: 50ms\n{retries}"),
            )),
            "",
        )
    };
    let d = run(&make(""), &[]);
    let dir = out(&d);
    assert_eq!(conserved(&dir, "front"), (150, 0, 0, 149, 1));
    assert_eq!(count(&dir, "requests_timed_out", "front"), 0);
    assert_eq!(conserved(&dir, "back"), (150, 0, 0, 149, 1));
    assert_eq!(count(&dir, "requests_timed_out", "back"), 149);

    let d = run(&make("      retries: {attempts: 1, budget: 100}\n"), &[]);
    let dir = out(&d);
    assert_eq!(conserved(&dir, "front"), (150, 0, 0, 149, 1));
    assert_eq!(count(&dir, "requests_timed_out", "front"), 0);
    assert_eq!(conserved(&dir, "back"), (299, 0, 0, 298, 1));
    assert_eq!(count(&dir, "requests_timed_out", "back"), 298);
    assert_eq!(count(&dir, "requests_retried", "back"), 149);
}

/// One keep-alive connection over the pods of [`node_a_fails`]: it opens to the first
/// endpoint round robin picks, web-a (the lower pod), and every request takes it. When
/// a-0 fails at 30 s the connection stays on the dead pod until it leaves the load
/// balancer's view at 86 s (see the test above): every request of rows 31 to 85 fails.
/// Then the connection reopens to web-b, and from row 87 on every request completes.
#[test]
fn a_keep_alive_connection_stays_on_its_pod_until_the_pod_leaves() {
    let d = run(&node_a_fails("      keepAlive: {connections: 1}\n"), &[]);
    let dir = out(&d);
    for (t, v) in rows(&dir, "web", &["arrivals", "completed", "failed"]) {
        if t <= 29.0 || t >= 87.0 {
            assert_eq!(v[2], 0.0, "failed at {t} s");
        }
        if (31.0..=85.0).contains(&t) {
            assert_eq!((v[0], v[1], v[2]), (10.0, 0.0, 10.0), "row {t} s");
        }
        if t >= 87.0 {
            assert_eq!((v[0], v[1]), (10.0, 10.0), "row {t} s");
        }
    }
    let (a, c, rj, f, last) = conserved(&dir, "web");
    assert_eq!((a, rj, last), (950, 0, 1));
    // 10 per row from 31 to 85 s, plus 9 or 10 in row 86 and 0 or 1 in row 30.
    assert!((559..=561).contains(&f), "{f} failed");
    assert_eq!(c, a - f - last);
}

/// A pod whose containers stop fails every request it held, and once its endpoint is gone
/// the Service rejects (no endpoint). One pod of 1 worker on node a-0, 1 s requests every
/// 100 ms from 5 s: the queue grows; request k (from 0) starts at 5.1 + k s and is done at
/// 6.1 + k, so by 30 s 24 are done (the last at 29.1 s) and 226 of the 250 arrived are
/// held. a-0 fails at 30 s: those 226 fail in row 30. Then each arrival goes to the dead
/// pod and fails at once (10 per row, 31 to 85) until the endpoint leaves at 86 s (see
/// the node-failure test above); from then on there is no endpoint, and every arrival is
/// rejected: 86.0 (after the change of 86 s, in the same row) to 100 s, 141.
#[test]
fn a_stopped_pod_fails_what_it_held_and_then_the_service_rejects() {
    let y = scenario(
        "100s",
        "{interval: 1s}",
        &pinned("web", "web", "1", "{workers: 1}", "a"),
        &service(
            "web",
            "LoadBalancer",
            "      demand: 1s
      traffic: {constant: 10/s, start: 5s}
",
        ),
        "  - {at: 30s, type: node_failure, nodes: [a-0]}\n",
    );
    let d = run(&y, &[]);
    let dir = out(&d);
    for (t, v) in rows(&dir, "web", &["failed", "rejected"]) {
        let expected = match t {
            t if t < 30.0 => (0.0, 0.0),
            30.0 => (226.0, 0.0),
            t if t <= 85.0 => (10.0, 0.0),
            86.0 => (9.0, 1.0),
            _ => (0.0, 10.0),
        };
        assert_eq!((v[0], v[1]), expected, "row {t} s");
    }
    assert_eq!(conserved(&dir, "web"), (950, 24, 141, 785, 0));
}
