//! The HPA and the cluster autoscaler running in whole scenarios, against figures derived
//! by hand from upstream's rules (the derivation is beside each test): the tolerance band
//! a constant load settles in, the nodes the binpacking estimator asks for and when they
//! join, scale-down after the unneeded time and never below the group's minimum, failed
//! provisioning and its back-off, what the nodes cost and the SLO misses. Every run checks
//! the cluster's invariants after every event.

mod common;
use common::*;
use std::path::Path;

/// Runs scenario text with invariants checked after every event, writing every output
/// file to a temporary folder; returns the folder.
fn run_files(text: &str) -> tempfile::TempDir {
    let s = scenario(text);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut run = kubesim::Run::start(&s, Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    run.sim().check_every_event(true);
    run.finish(None).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// Rows of `autoscaling.csv` (header dropped) whose column `autoscaler` is `who`.
fn decisions(dir: &Path, who: &str) -> Vec<Vec<String>> {
    read_csv(&dir.join("autoscaling.csv"))
        .split_off(1)
        .into_iter()
        .filter(|r| r[1] == who)
        .collect()
}

/// `deployments.csv` rows of Deployment `name`: (time_s, desired).
fn desired(dir: &Path, name: &str) -> Vec<(f64, u32)> {
    let rows = read_csv(&dir.join("deployments.csv"));
    let col = |h: &str| rows[0].iter().position(|x| x == h).expect("column");
    let (t, d, w) = (col("time_s"), col("desired"), col("deployment"));
    rows[1..]
        .iter()
        .filter(|r| r[w] == name)
        .map(|r| (r[t].parse().expect("time"), r[d].parse().expect("desired")))
        .collect()
}

/// Times of the `events.csv` rows named `event`.
fn event_times(dir: &Path, event: &str) -> Vec<f64> {
    times(&read_csv(&dir.join("events.csv")).split_off(1), event)
}

/// A scenario of one big node pool and a Deployment `web` of `replicas` pods requesting
/// `cpu` each, its CPU driven by `cpu_load` (a YAML flow map), scaled by an HPA with
/// `metrics` (YAML flow list) between 1 and `max` replicas.
fn hpa_scenario(replicas: u32, cpu: &str, cpu_load: &str, metrics: &str, max: u32) -> String {
    format!(
        "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: hpa}}
duration: 2h
metrics: {{interval: 15s}}
cluster:
  nodePools:
    - {{name: big, count: 1, capacity: {{cpu: 200, memory: 1000Gi, pods: 500}}}}
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        replicas: {replicas}
        template:
          metadata: {{labels: {{app: web}}}}
          spec:
            containers:
              - name: c
                resources: {{requests: {{cpu: \"{cpu}\", memory: 1Gi}}}}
      simulation:
        cpuLoad: {cpu_load}
horizontalPodAutoscalers:
  - metadata: {{name: web}}
    spec:
      scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
      minReplicas: 1
      maxReplicas: {max}
      metrics: {metrics}
"
    )
}

/// A CPU-utilization metric at `percent`.
fn cpu_target(percent: u32) -> String {
    format!(
        "[{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {percent}}}}}}}]"
    )
}

/// Steady state. A constant load of L cores over pods requesting r cores at target
/// utilization u: with n pods the HPA sees utilization L/(n·r) (truncated to a whole
/// percent, as upstream) and keeps n while |1 − util/u| <= 0.1, so it settles in
/// ceil(L/(1.1·u·r)) … floor(L/(0.9·u·r)). The bands below were checked by hand against
/// the truncation (no n at a band edge is kept or dropped by it):
///   L = 6, u = 50 %, r = 1:      n = 11: 54 % (1.08) … n = 13: 46 % (0.92); 10: 60 %, 14: 42 %.
///   L = 10, u = 80 %, r = 0.5:   n = 23: 86 % (1.075) … n = 27: 74 % (0.925); 22: 90 %, 28: 71 %.
///   L = 4, u = 70 %, r = 0.25:   n = 21: 76 % (1.086) … n = 25: 64 % (0.914); 20: 80 %, 26: 61 %.
/// From 1 replica (scaling up under the legacy limit of max(2n, 4) per sync) and from 60
/// (scaling down, one 5-minute window), the replicas enter the band and never leave it.
#[test]
fn constant_load_settles_inside_the_tolerance_band_and_stays() {
    for (load, percent, cpu, r) in [
        (6.0, 50, "1", 1.0),
        (10.0, 80, "500m", 0.5),
        (4.0, 70, "250m", 0.25),
    ] {
        let u = f64::from(percent) / 100.0;
        let low = (load / (1.1 * u * r)).ceil() as u32;
        let high = (load / (0.9 * u * r)).floor() as u32;
        for start in [1, 60] {
            let text = hpa_scenario(
                start,
                cpu,
                &format!("{{constant: {load}}}"),
                &cpu_target(percent),
                100,
            );
            let dir = run_files(&text);
            let rows = desired(dir.path(), "web");
            let first = rows
                .iter()
                .position(|&(_, d)| (low..=high).contains(&d))
                .unwrap_or_else(|| {
                    panic!("L={load} from {start}: never in {low}..={high}: {rows:?}")
                });
            assert!(
                rows[first..]
                    .iter()
                    .all(|&(_, d)| (low..=high).contains(&d)),
                "L={load} u={u} r={r} from {start}: left {low}..={high} after entering it: {rows:?}"
            );
            // It gets there within 10 minutes (a few syncs up; one stabilization window down).
            assert!(
                rows[first].0 <= 600.0,
                "L={load} from {start}: entered at {}",
                rows[first].0
            );
        }
    }
}

/// Requests per second per pod: 40 requests/s spread evenly (round robin, evenly spaced
/// arrivals) over n pods is 40/n each; a target of 5 per pod keeps n while
/// |1 − 8/n| <= 0.1, i.e. n = 8 only (7: 1.14, 9: 0.89). The rate is a counter's rate
/// over each 15 s window, so a pod has one from its second scrape on.
#[test]
fn requests_per_second_metric_settles_on_load_over_target() {
    let metric = "{type: Pods, pods: {metric: {name: requests_per_second}, target: {type: AverageValue, averageValue: \"5\"}}}";
    let dir = run_files(&served_scenario("30m", "{}", 4, ("10ms", "40/s"), metric));
    let rows = desired(dir.path(), "web");
    let last: Vec<u32> = rows.iter().filter(|r| r.0 >= 900.0).map(|r| r.1).collect();
    assert!(last.iter().all(|&d| d == 8), "{rows:?}");
    let hpa = decisions(dir.path(), "hpa");
    assert!(
        hpa.iter().any(|r| r[7] == "requests_per_second_per_pod"),
        "{hpa:?}"
    );
}

/// CPU from served requests: 50 requests/s of 40 ms each is 2 cores; pods requesting
/// 500m at a 50 % target keep n while |1 − 2/(0.25 n)| <= 0.1 → n = 8 only (7: 114 %,
/// 9: 88 %). The HPA's utilization is the CPU the pods' finished requests took per
/// second of each window.
#[test]
fn cpu_utilization_from_served_traffic_settles() {
    let metric = "{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}";
    let text = served_scenario("40m", "{cpu: \"1\"}", 1, ("40ms", "50/s"), metric);
    let dir = run_files(&text);
    let rows = desired(dir.path(), "web");
    let last: Vec<u32> = rows.iter().filter(|r| r.0 >= 1200.0).map(|r| r.1).collect();
    assert!(last.iter().all(|&d| d == 8), "{rows:?}");
    // The served CPU is what timeseries.csv reports as used: 2 cores.
    let used = column(&dir.path().join("timeseries.csv"), "cpu_used_cores");
    let tail: Vec<f64> = used[used.len() - 10..]
        .iter()
        .map(|v| v.parse().expect("number"))
        .collect();
    assert!(tail.iter().all(|&c| (c - 2.0).abs() < 0.05), "{tail:?}");
}

/// A Deployment `web` of 2 pods requesting 500m (with `limits`), serving with `workers`,
/// behind a Service with constant traffic (`demand`, `rate`), scaled by an HPA with one
/// `metric` (YAML flow map) up to 20 replicas.
fn served_scenario(
    duration: &str,
    limits: &str,
    workers: u32,
    (demand, rate): (&str, &str),
    metric: &str,
) -> String {
    format!(
        "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: served}}
duration: {duration}
cluster:
  nodePools:
    - {{name: big, count: 1, capacity: {{cpu: 100, memory: 100Gi}}}}
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        replicas: 2
        template:
          metadata: {{labels: {{app: web}}}}
          spec:
            containers:
              - {{name: c, resources: {{requests: {{cpu: 500m, memory: 1Gi}}, limits: {limits}}}}}
      simulation: {{serving: {{workers: {workers}}}}}
services:
  - metadata: {{name: web}}
    spec: {{type: LoadBalancer, selector: {{app: web}}}}
    simulation:
      loadBalancer: round-robin
      demand: {demand}
      traffic: {{constant: {rate}}}
horizontalPodAutoscalers:
  - metadata: {{name: web}}
    spec:
      scaleTargetRef: {{kind: Deployment, name: web}}
      maxReplicas: 20
      metrics: [{metric}]
"
    )
}

/// A cluster of one autoscaled pool `g` (nodes of 8 CPUs, `count` at the start) with
/// `group` settings and `ca` flags, and Deployments given as YAML.
fn ca_scenario(count: u32, group: &str, ca: &str, deployments: &str, extra: &str) -> String {
    format!(
        "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: ca}}
duration: 1h
cluster:
  nodePools:
    - name: g
      count: {count}
      capacity: {{cpu: 8, memory: 64Gi}}
      pricePerHour: 1.0
      autoscaling: {group}
clusterAutoscaler: {ca}
workloads:
  deployments:
{deployments}{extra}"
    )
}

/// A Deployment of `replicas` pods requesting `cpu` each.
fn deploy(name: &str, replicas: u32, cpu: &str) -> String {
    format!(
        "    - metadata: {{name: {name}}}
      spec:
        replicas: {replicas}
        template:
          metadata: {{labels: {{app: {name}}}}}
          spec:
            containers:
              - {{name: c, resources: {{requests: {{cpu: \"{cpu}\", memory: 1Gi}}}}}}
"
    )
}

/// The estimator and the provisioning delay. No node at the start; 10 pods of 3 CPUs and
/// 4 of 1.5 CPUs wait. First-fit decreasing onto 8-CPU nodes: the 3-CPU pods two to a
/// node (5 nodes, 2 CPUs left on each), then each 1.5-CPU pod into one of those gaps: 5
/// nodes (and 36 CPUs need at least ceil(36/8) = 5). The first scan, at 10 s, asks for
/// 5; they join 120 s later, at 130 s, and no pod is bound before; nodes on their way
/// take the pods, so no scan asks again.
#[test]
fn scale_up_asks_for_the_estimated_nodes_which_join_after_the_delay() {
    let deps = deploy("big", 10, "3") + &deploy("small", 4, "1500m");
    let text = ca_scenario(
        0,
        "{minCount: 0, maxCount: 10, provisioningDelay: 120s}",
        "{}",
        &deps,
        "",
    );
    let dir = run_files(&text);
    let ca = decisions(dir.path(), "cluster-autoscaler");
    let ups: Vec<&Vec<String>> = ca.iter().filter(|r| r[6].starts_with("ScaleUp")).collect();
    assert_eq!(ups.len(), 1, "{ca:?}");
    assert_eq!(
        (ups[0][0].as_str(), ups[0][4].as_str(), ups[0][5].as_str()),
        ("10", "0", "5")
    );
    assert_eq!(event_times(dir.path(), "node_added"), vec![130.0; 5]);
    let bound = event_times(dir.path(), "pod_bound");
    assert_eq!(bound.len(), 14);
    assert!(bound.iter().all(|&t| t == 130.0), "{bound:?}");
    assert_eq!(summary(dir.path(), "autoscaler_nodes_added"), "5");
    // Each new node is billed from the request at 10 s to the end at 3600 s, at 1/h.
    let cost: f64 = summary(dir.path(), "cost").parse().expect("cost");
    assert!((cost - 5.0 * 3590.0 / 3600.0).abs() < 1e-6, "{cost}");
}

/// Never above the maximum: 14 pods of 3 CPUs need 7 nodes, the group allows 3: one
/// scale-up to 3, and the 8 pods left wait without another.
#[test]
fn scale_up_stops_at_the_group_maximum() {
    let text = ca_scenario(
        0,
        "{maxCount: 3, provisioningDelay: 60s}",
        "{}",
        &deploy("big", 14, "3"),
        "",
    );
    let dir = run_files(&text);
    let ca = decisions(dir.path(), "cluster-autoscaler");
    assert!(
        ca.iter().all(|r| r[5].parse::<u32>().expect("to") <= 3),
        "{ca:?}"
    );
    assert_eq!(summary(dir.path(), "autoscaler_nodes_added"), "3");
    let pending = column(&dir.path().join("timeseries.csv"), "pods_pending");
    assert_eq!(pending.last().map(String::as_str), Some("8"));
}

/// Scale-down. Four nodes (minimum 2) hold 8 pods of 3 CPUs, 2 per node. At 600 s the
/// Deployment is scaled to 1: 7 pods terminate within their 30 s grace period, so by
/// 630 s three nodes are empty and the fourth is at 3/8 < 0.5 with a pod that fits
/// elsewhere. Nodes are removed only once unneeded for 10 minutes (after 1230 s), and
/// only two, down to the minimum.
#[test]
fn scale_down_waits_the_unneeded_time_and_keeps_the_minimum() {
    let events = "events:\n  - {at: 600s, type: scale, deployment: big, replicas: 1}\n";
    let text = ca_scenario(
        4,
        "{minCount: 2, maxCount: 6}",
        "{}",
        &deploy("big", 8, "3"),
        events,
    );
    let dir = run_files(&text);
    let removed = event_times(dir.path(), "node_removed");
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert!(
        removed.iter().all(|&t| (1230.0..=1250.0).contains(&t)),
        "{removed:?}"
    );
    assert_eq!(summary(dir.path(), "autoscaler_nodes_removed"), "2");
}

/// Provisioning that never completes: every node takes 20 minutes, more than the 15
/// minutes allowed. The scale-up at 10 s fails at 910 s, the group is backed off for
/// 5 minutes, and the next scale-up comes at the first scan after, 1210 s (failing at
/// 2110 s). The failed machines are billed for their 900 s each.
#[test]
fn failed_provisioning_backs_the_group_off() {
    let text = ca_scenario(
        0,
        "{maxCount: 4, provisioningDelay: 20m}",
        "{}",
        &deploy("big", 1, "3"),
        "",
    );
    let dir = run_files(&text);
    let ca = decisions(dir.path(), "cluster-autoscaler");
    let at = |prefix: &str| -> Vec<String> {
        ca.iter()
            .filter(|r| r[6].starts_with(prefix))
            .map(|r| r[0].clone())
            .collect()
    };
    assert_eq!(at("ScaleUp"), vec!["10", "1210", "2410"]);
    assert_eq!(at("FailedScaleUp"), vec!["910", "2110", "3310"]);
    assert!(event_times(dir.path(), "node_added").is_empty());
    let cost: f64 = summary(dir.path(), "cost").parse().expect("cost");
    // Three failed machines of 900 s, and the fourth asked at 3610 s is past the end.
    assert!((cost - 3.0 * 900.0 / 3600.0).abs() < 1e-9, "{cost}");
}

/// Billing: two fixed nodes at 1/h for 90 minutes cost 3 per second, 4 with each node's
/// time rounded up to whole hours.
#[test]
fn billing_per_second_and_hourly() {
    for (rounding, expected) in [("perSecond", 3.0), ("hourly", 4.0)] {
        let text = format!(
            "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: bill}}
duration: 90m
billing: {{rounding: {rounding}}}
cluster:
  nodePools:
    - {{name: a, count: 2, capacity: {{cpu: 4, memory: 8Gi}}, pricePerHour: 1.0}}
"
        );
        let dir = run_files(&text);
        let cost: f64 = summary(dir.path(), "cost").parse().expect("cost");
        assert!((cost - expected).abs() < 1e-9, "{rounding}: {cost}");
    }
}

/// SLOs. One node of 4 CPUs; three Jobs of 4 CPUs arrive at 0 s and run 10 minutes after
/// a 1 s start: they bind at 0, 601 and 1202 s. With a 15-minute pending target one of
/// the three misses. A Service answering in exactly 100 ms (10 workers on 10 CPUs: each at
/// full speed, and 2 × 5 requests/s of 0.1 s keep one busy on average) misses a 50 ms p99 target in
/// every measured interval and meets a 200 ms one in all.
#[test]
fn slo_misses_are_counted() {
    let text = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: slo}
duration: 40m
cluster:
  nodePools:
    - {name: a, count: 1, capacity: {cpu: 4, memory: 16Gi}}
    - {name: b, count: 1, capacity: {cpu: 16, memory: 16Gi}}
workloads:
  jobs:
    - metadata: {name: batch}
      spec:
        template:
          spec:
            restartPolicy: Never
            nodeSelector: {kubesim.io/pool: a}
            containers: [{name: c, resources: {requests: {cpu: \"4\", memory: 1Gi}}}]
      simulation:
        arrivals: {times: [0s, 0s, 0s]}
        runTime: 10m
  deployments:
    - metadata: {name: web}
      spec:
        replicas: 1
        template:
          metadata: {labels: {app: web}}
          spec:
            nodeSelector: {kubesim.io/pool: b}
            containers: [{name: c, resources: {requests: {cpu: \"10\", memory: 1Gi}}}]
      simulation: {serving: {workers: 10}}
services:
  - metadata: {name: web}
    spec: {type: LoadBalancer, selector: {app: web}}
    simulation:
      demand: 100ms
      traffic: {constant: 5/s, start: 5s}
  - metadata: {name: web2}
    spec: {type: LoadBalancer, selector: {app: web}}
    simulation:
      demand: 100ms
      traffic: {constant: 5/s, start: 5s}
slos:
  jobPendingTime: 15m
  serviceLatency:
    - {service: web, percentile: 99, target: 50ms}
    - {service: web2, percentile: 99, target: 200ms}
";
    let dir = run_files(text);
    assert_eq!(summary(dir.path(), "slo_job_pending_pods"), "3");
    assert_eq!(summary(dir.path(), "slo_job_pending_misses"), "1");
    let n: u64 = summary(dir.path(), "slo_latency_intervals[web]")
        .parse()
        .expect("count");
    assert!(n >= 230, "{n}");
    assert_eq!(
        summary(dir.path(), "slo_latency_misses[web]"),
        n.to_string()
    );
    assert_eq!(summary(dir.path(), "slo_latency_misses[web2]"), "0");
}

/// The bundled trace replay, on kubesim's own 30-row sample of the trace format (the real
/// trace is not shipped): the blank cell and the gap of the sample are reported as notes
/// and the rate held across them; the HPA scales up as the rate climbs from 40 to 160
/// requests/s (×40) each 7 minutes, and the cluster autoscaler adds nodes behind it.
#[test]
fn the_trace_replay_runs_on_the_sample_and_reports_its_holes() {
    let text = std::fs::read_to_string(root().join("scenarios/autoscaling-genai-replay.yaml"))
        .expect("bundled scenario")
        .replace(
            "../../shared/traces/alibaba-genai-2026/qps_aggregated.csv",
            "scenarios/traces/genai-qps-sample.csv",
        )
        .replace("duration: 22h", "duration: 30m");
    let s = scenario(&text);
    let notes = s.warnings.join("\n");
    assert!(notes.contains("1 blank or non-numeric cell"), "{notes}");
    assert!(
        notes.contains("1 gap longer than 3 × the median step"),
        "{notes}"
    );
    let dir = run_files(&text);
    let hpa = decisions(dir.path(), "hpa");
    let top = hpa.iter().map(|r| r[5].parse::<u32>().expect("to")).max();
    assert!(top.is_some_and(|t| t > 4), "{hpa:?}");
    assert!(!event_times(dir.path(), "node_added").is_empty());
}

/// Reproducibility: the same scenario and seed give byte-identical autoscaling output.
#[test]
fn autoscaling_output_is_deterministic() {
    let deps = deploy("big", 10, "3") + &deploy("small", 4, "1500m");
    let text = ca_scenario(
        1,
        "{minCount: 1, maxCount: 10, provisioningDelay: {uniform: {min: 30s, max: 200s}}}",
        "{expander: random}",
        &deps,
        "events:\n  - {at: 20m, type: scale, deployment: big, replicas: 2}\n",
    );
    let a = run_files(&text);
    let b = run_files(&text);
    for f in kubesim::OUTPUT_FILES {
        let x = std::fs::read(a.path().join(f)).expect("file");
        let y = std::fs::read(b.path().join(f)).expect("file");
        assert!(x == y, "{f} differs between two runs");
    }
    assert!(decisions(a.path(), "cluster-autoscaler").len() > 2);
}

/// A deleted node's zone is no longer a spreading domain. Nodes g-0 (zone a) and g-1
/// (zone b): g-1 is empty from the start, so the first scan (10 s) finds it unneeded and
/// it is deleted at 610 s; g-0 keeps its pod, which its nodeSelector holds in zone a. At
/// 20 min two pods with a DoNotSchedule zone spread (maxSkew 1) arrive: zone a is the only
/// domain left, so both bind on g-0 at once. Were zone b still counted (at 0 pods), the
/// second pod would find a skew of 2 and wait.
#[test]
fn a_deleted_nodes_zone_stops_counting_for_spread() {
    let text = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: spread}
duration: 30m
cluster:
  nodePools:
    - name: g
      count: 2
      zones: [a, b]
      capacity: {cpu: 4, memory: 16Gi}
      autoscaling: {minCount: 0, maxCount: 2}
clusterAutoscaler: {}
workloads:
  deployments:
    - metadata: {name: anchor}
      spec:
        replicas: 1
        template:
          metadata: {labels: {app: anchor}}
          spec:
            nodeSelector: {topology.kubernetes.io/zone: a}
            containers: [{name: c, resources: {requests: {cpu: \"1\", memory: 1Gi}}}]
    - metadata: {name: spread}
      spec:
        replicas: 0
        template:
          metadata: {labels: {app: spread}}
          spec:
            topologySpreadConstraints:
              - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: spread}}}
            containers: [{name: c, resources: {requests: {cpu: \"1\", memory: 1Gi}}}]
events:
  - {at: 20m, type: scale, deployment: spread, replicas: 2}
";
    let dir = run_files(text);
    assert_eq!(event_times(dir.path(), "node_removed"), vec![610.0]);
    let rows = read_csv(&dir.path().join("events.csv")).split_off(1);
    let bound: Vec<f64> = rows
        .iter()
        .filter(|r| r[1] == "pod_bound" && r[2].starts_with("spread-"))
        .map(|r| r[0].parse().expect("time"))
        .collect();
    assert_eq!(bound, vec![1200.0, 1200.0]);
}

/// `cpuLoad` as a fraction of each pod's request: every pod's usage follows the curve
/// whatever the replica count. At 0.6 of the request against a 60 % target the ratio is
/// exactly 1 and the 3 replicas never change; at 0.9 the ratio stays 1.5 however many pods
/// there are, so the HPA climbs to its maximum (10) and stays, and the pods use 0.9 × 1
/// core each (9 cores in `timeseries.csv`).
#[test]
fn a_per_pod_load_fraction_holds_or_drives_to_the_maximum() {
    let metric = cpu_target(60);
    for (fraction, replicas) in [(0.6, 3), (0.9, 10)] {
        let load = format!("{{constant: {fraction}, unit: fractionOfRequest}}");
        let dir = run_files(&hpa_scenario(3, "1", &load, &metric, 10));
        let rows = desired(dir.path(), "web");
        let end = rows.last().map(|r| r.1);
        assert_eq!(end, Some(replicas), "{fraction}: {rows:?}");
        if fraction < 0.7 {
            assert!(rows.iter().all(|r| r.1 == 3), "{rows:?}");
        }
        let used = column(&dir.path().join("timeseries.csv"), "cpu_used_cores");
        let last: f64 = used.last().expect("rows").parse().expect("number");
        assert!(
            (last - fraction * f64::from(replicas)).abs() < 1e-9,
            "{last}"
        );
    }
}
