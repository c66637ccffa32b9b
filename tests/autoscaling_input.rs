//! Bad autoscaling input (HorizontalPodAutoscalers, the cluster autoscaler and its node
//! groups, billing, SLOs, `cpuLoad`) runs the real binary and must end in exit code 2 with
//! one clear message on stderr naming the file, the field path and how to fix it, nothing
//! on stdout and no panic (DESIGN §6). Each case changes one thing in [`BASE`], a valid
//! scenario that uses every autoscaling section.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A valid scenario: an autoscaled pool and a fixed one, the cluster autoscaler, an HPA on
/// cpu utilization of a Deployment with a `cpuLoad`, an HPA on requests per second of a
/// Deployment behind a Service, billing and SLOs.
const BASE: &str = "\
apiVersion: kubesim/v1
kind: Scenario
metadata:
  name: autoscaling-input
duration: 1h
cluster:
  nodePools:
    - name: general
      count: 2
      pricePerHour: 0.20
      capacity: {cpu: 4, memory: 16Gi}
      autoscaling:
        minCount: 1
        maxCount: 20
    - name: fixed
      count: 1
      capacity: {cpu: 4, memory: 16Gi}
clusterAutoscaler:
  expander: least-waste
  scaleDownUtilizationThreshold: 0.5
horizontalPodAutoscaling:
  tolerance: 0.1
horizontalPodAutoscalers:
  - metadata: {name: worker}
    spec:
      scaleTargetRef: {kind: Deployment, name: worker}
      minReplicas: 1
      maxReplicas: 10
      metrics:
        - type: Resource
          resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
      behavior:
        scaleDown: {stabilizationWindowSeconds: 300, selectPolicy: Max, policies: [{type: Percent, value: 100, periodSeconds: 15}]}
  - metadata: {name: web}
    spec:
      scaleTargetRef: {kind: Deployment, name: web}
      maxReplicas: 8
      metrics:
        - type: Pods
          pods: {metric: {name: requests_per_second}, target: {type: AverageValue, averageValue: \"20\"}}
billing: {rounding: perSecond}
slos:
  jobPendingTime: 60s
  serviceLatency:
    - {service: web, percentile: 99, target: 250ms}
workloads:
  deployments:
    - metadata: {name: web}
      spec:
        replicas: 2
        template:
          metadata: {labels: {app: web}}
          spec:
            containers:
              - name: app
                resources: {requests: {cpu: 500m, memory: 512Mi}}
    - metadata: {name: worker}
      spec:
        replicas: 2
        template:
          metadata: {labels: {app: worker}}
          spec:
            containers:
              - name: app
                resources: {requests: {cpu: 1, memory: 1Gi}}
      simulation:
        cpuLoad: {constant: 3}
  jobs:
    - metadata: {name: batch}
      spec:
        template:
          spec:
            restartPolicy: Never
            containers:
              - name: work
                resources: {requests: {cpu: 1, memory: 1Gi}}
      simulation:
        runTime: {constant: 30s}
services:
  - metadata: {name: web}
    spec: {type: LoadBalancer, selector: {app: web}}
    simulation:
      demand: 10ms
      traffic: {poisson: 20/s}
";

/// A scenario with nothing recurring but what a case adds: no `duration` is needed.
const QUIET: &str = "\
apiVersion: kubesim/v1
kind: Scenario
metadata:
  name: autoscaling-quiet
cluster:
  nodePools:
    - name: general
      count: 1
      capacity: {cpu: 4, memory: 16Gi}
workloads:
  deployments:
    - metadata: {name: worker}
      spec:
        template:
          spec:
            containers:
              - name: app
                resources: {requests: {cpu: 1, memory: 1Gi}}
";

/// The name every scenario file gets; messages must name it.
const FILE: &str = "scenario.yaml";

/// [`BASE`] with each `(from, to)` applied; every `from` must occur exactly once.
fn with(edits: &[(&str, &str)]) -> String {
    edit(BASE, edits)
}

/// `text` with each `(from, to)` applied; every `from` must occur exactly once.
fn edit(text: &str, edits: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (from, to) in edits {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` must occur exactly once in the scenario"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

/// A scratch folder; the binary runs inside it, so that a run that wrongly succeeds writes
/// nothing into the source tree.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `kubesim <command> <scenario> [--out <scratch>/out]` on `text`: (exit code,
    /// stdout, stderr).
    fn kubesim(&self, command: &str, text: &str) -> (Option<i32>, String, String) {
        let file = self.path(FILE);
        std::fs::write(&file, text).expect("write the scenario");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubesim"));
        cmd.arg(command).arg(&file);
        if command == "run" {
            cmd.arg("--out").arg(self.path("out"));
        }
        let out = cmd
            .current_dir(self.dir.path())
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("start the kubesim binary");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Runs `kubesim run` on `text` and checks the contract of a refusal: exit code 2, one
/// `error: ` line naming the file, empty stdout, no panic, no output folder. Returns the
/// message.
fn refused(text: &str) -> String {
    let scratch = Scratch::new();
    let (code, stdout, stderr) = scratch.kubesim("run", text);
    assert!(
        !stderr.contains("panicked") && !stdout.contains("panicked"),
        "panic on bad input:\n{stderr}"
    );
    assert_eq!(code, Some(2), "exit code must be 2; stderr:\n{stderr}");
    assert!(stdout.is_empty(), "stdout must be empty, got:\n{stdout}");
    assert!(stderr.starts_with("error: "), "stderr:\n{stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one message:\n{stderr}"
    );
    assert!(
        stderr.contains(FILE),
        "the message must name the file:\n{stderr}"
    );
    assert!(
        !Path::new(&scratch.path("out")).exists(),
        "a refused scenario must not create the output folder"
    );
    stderr.trim_end().to_string()
}

/// Asserts that `message` names the field `path` and says every one of `parts`.
fn assert_says(message: &str, path: &str, parts: &[&str]) {
    let want = format!("{FILE}: {path}: ");
    assert!(
        message.contains(&want),
        "the message must name the field {want:?}:\n{message}"
    );
    for part in parts {
        assert!(
            message.contains(part),
            "the message must say {part:?}:\n{message}"
        );
    }
}

/// `kubesim validate` on `text`: it must succeed; returns stderr (the notes).
fn notes(text: &str) -> String {
    let (code, _, stderr) = Scratch::new().kubesim("validate", text);
    assert_eq!(code, Some(0), "stderr:\n{stderr}");
    stderr
}

const HPA0: &str = "horizontalPodAutoscalers[0]";
const HPA1: &str = "horizontalPodAutoscalers[1]";
const WORKER_TARGET: &str = "scaleTargetRef: {kind: Deployment, name: worker}";
const UTILIZATION: &str = "averageUtilization: 60";
const POLICY: &str = "policies: [{type: Percent, value: 100, periodSeconds: 15}]";

#[test]
fn the_base_scenario_is_valid_and_quiet() {
    assert_eq!(notes(BASE), "");
}

// HorizontalPodAutoscalers.

#[test]
fn hpa_on_an_unknown_deployment_suggests_the_real_one() {
    let m = refused(&with(&[(
        WORKER_TARGET,
        "scaleTargetRef: {kind: Deployment, name: wroker}",
    )]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.scaleTargetRef.name"),
        &["no Deployment `wroker`", "did you mean `worker`?"],
    );
}

#[test]
fn hpa_on_a_deployment_of_another_namespace() {
    let m = refused(&with(&[(
        "metadata: {name: worker}\n    spec:",
        "metadata: {name: worker, namespace: team}\n    spec:",
    )]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.scaleTargetRef.name"),
        &["namespace `default`", "set the HPA's metadata.namespace"],
    );
}

#[test]
fn hpa_target_kind_must_be_deployment() {
    let m = refused(&with(&[(
        WORKER_TARGET,
        "scaleTargetRef: {kind: StatefulSet, name: worker}",
    )]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.scaleTargetRef.kind"),
        &["`StatefulSet`", "use `kind: Deployment`"],
    );
}

#[test]
fn two_hpas_on_one_deployment_are_ambiguous() {
    let m = refused(&with(&[(
        "scaleTargetRef: {kind: Deployment, name: web}",
        WORKER_TARGET,
    )]));
    assert_says(
        &m,
        &format!("{HPA1}.spec.scaleTargetRef.name"),
        &[
            "horizontalPodAutoscalers[0]",
            "AmbiguousSelector",
            "one HPA per Deployment",
        ],
    );
}

#[test]
fn min_replicas_above_max_replicas() {
    let m = refused(&with(&[("minReplicas: 1", "minReplicas: 11")]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.maxReplicas"),
        &["less than minReplicas (11)", ">= minReplicas"],
    );
}

#[test]
fn min_replicas_zero_needs_a_feature_gate() {
    let m = refused(&with(&[("minReplicas: 1", "minReplicas: 0")]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.minReplicas"),
        &["HPAScaleToZero", "use 1 or more"],
    );
}

#[test]
fn max_replicas_zero_and_absurd() {
    let m = refused(&with(&[("maxReplicas: 10", "maxReplicas: 0")]));
    assert_says(&m, &format!("{HPA0}.spec.maxReplicas"), &["at least 1"]);
    let m = refused(&with(&[("maxReplicas: 10", "maxReplicas: 2000000")]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.maxReplicas"),
        &["limit of 1000000 replicas"],
    );
}

#[test]
fn max_replicas_is_required() {
    let m = refused(&with(&[("      maxReplicas: 8\n", "")]));
    assert_says(&m, &format!("{HPA1}.spec.maxReplicas"), &["is required"]);
}

#[test]
fn utilization_target_zero_or_negative() {
    let path = format!("{HPA0}.spec.metrics[0].resource.target.averageUtilization");
    for bad in ["0", "-10"] {
        let m = refused(&with(&[(
            UTILIZATION,
            &format!("averageUtilization: {bad}"),
        )]));
        assert_says(&m, &path, &["must be greater than 0"]);
    }
}

#[test]
fn average_value_target_zero() {
    let m = refused(&with(&[("averageValue: \"20\"", "averageValue: \"0\"")]));
    assert_says(
        &m,
        &format!("{HPA1}.spec.metrics[0].pods.target.averageValue"),
        &["must be greater than 0"],
    );
}

#[test]
fn unknown_metric_type_lists_the_allowed() {
    let m = refused(&with(&[("- type: Resource", "- type: Resorce")]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.metrics[0].type"),
        &["did you mean `Resource`?", "`Pods`", "`External`"],
    );
}

#[test]
fn external_metrics_are_not_modelled() {
    let m = refused(&with(&[("- type: Resource", "- type: External")]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.metrics[0].type"),
        &["not modelled", "`Resource` (cpu)"],
    );
}

#[test]
fn memory_metric_is_refused() {
    let m = refused(&with(&[(
        "resource: {name: cpu",
        "resource: {name: memory",
    )]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.metrics[0].resource.name"),
        &["only cpu is modelled"],
    );
}

#[test]
fn unknown_pods_metric_name() {
    let m = refused(&with(&[(
        "metric: {name: requests_per_second}",
        "metric: {name: queue_length}",
    )]));
    assert_says(
        &m,
        &format!("{HPA1}.spec.metrics[0].pods.metric.name"),
        &["`queue_length`", "only Pods metric", "requests_per_second"],
    );
}

#[test]
fn requests_per_second_needs_a_service() {
    let m = refused(&with(&[(
        "selector: {app: web}",
        "selector: {app: elsewhere}",
    )]));
    assert_says(
        &m,
        &format!("{HPA1}.spec.metrics[0].pods.metric.name"),
        &[
            "no Service selects the pods of Deployment `web`",
            "add a Service",
        ],
    );
}

#[test]
fn cpu_utilization_needs_a_cpu_request() {
    let m = refused(&with(&[(
        "resources: {requests: {cpu: 1, memory: 1Gi}}\n      simulation:\n        cpuLoad",
        "resources: {requests: {memory: 1Gi}}\n      simulation:\n        cpuLoad",
    )]));
    assert_says(
        &m,
        "workloads.deployments[1].spec.template.spec.containers[0].resources.requests.cpu",
        &[
            "missing request for cpu",
            "HorizontalPodAutoscaler `worker`",
        ],
    );
}

#[test]
fn policy_value_and_period_out_of_range() {
    let path = format!("{HPA0}.spec.behavior.scaleDown.policies[0]");
    let m = refused(&with(&[(
        POLICY,
        "policies: [{type: Percent, value: 0, periodSeconds: 15}]",
    )]));
    assert_says(&m, &format!("{path}.value"), &["greater than 0"]);
    for period in ["0", "1801"] {
        let m = refused(&with(&[(
            POLICY,
            &format!("policies: [{{type: Percent, value: 100, periodSeconds: {period}}}]"),
        )]));
        assert_says(&m, &format!("{path}.periodSeconds"), &["from 1 to 1800"]);
    }
    let m = refused(&with(&[(POLICY, "policies: []")]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.behavior.scaleDown.policies"),
        &["at least one policy"],
    );
}

#[test]
fn unknown_select_policy_lists_the_allowed() {
    let m = refused(&with(&[("selectPolicy: Max", "selectPolicy: max")]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.behavior.scaleDown.selectPolicy"),
        &["did you mean `Max`?", "`Max`, `Min`, `Disabled`"],
    );
}

#[test]
fn stabilization_window_over_an_hour() {
    let m = refused(&with(&[(
        "stabilizationWindowSeconds: 300",
        "stabilizationWindowSeconds: 3601",
    )]));
    assert_says(
        &m,
        &format!("{HPA0}.spec.behavior.scaleDown.stabilizationWindowSeconds"),
        &["from 0 to 3600"],
    );
}

#[test]
fn hpa_api_version_and_kind() {
    let m = refused(&with(&[(
        "horizontalPodAutoscalers:\n  - metadata: {name: worker}",
        "horizontalPodAutoscalers:\n  - apiVersion: autoscaling/v1\n    metadata: {name: worker}",
    )]));
    assert_says(&m, &format!("{HPA0}.apiVersion"), &["use `autoscaling/v2`"]);
    let m = refused(&with(&[(
        "horizontalPodAutoscalers:\n  - metadata: {name: worker}",
        "horizontalPodAutoscalers:\n  - kind: Deployment\n    metadata: {name: worker}",
    )]));
    assert_says(
        &m,
        &format!("{HPA0}.kind"),
        &["use `HorizontalPodAutoscaler`"],
    );
}

#[test]
fn autoscaling_v1_fields_are_unknown() {
    let m = refused(&with(&[(
        "minReplicas: 1",
        "targetCPUUtilizationPercentage: 50",
    )]));
    assert!(
        m.contains("unknown field `targetCPUUtilizationPercentage`"),
        "{m}"
    );
}

#[test]
fn hpa_without_duration() {
    let text = format!(
        "{QUIET}horizontalPodAutoscalers:\n  - metadata: {{name: w}}\n    spec: \
         {{scaleTargetRef: {{kind: Deployment, name: worker}}, maxReplicas: 3}}\n"
    );
    let m = refused(&text);
    assert_says(
        &m,
        "duration",
        &["horizontalPodAutoscalers", "set the scenario's `duration`"],
    );
}

#[test]
fn controller_tolerance_out_of_range() {
    let m = refused(&with(&[("tolerance: 0.1", "tolerance: 1")]));
    assert_says(
        &m,
        "horizontalPodAutoscaling.tolerance",
        &["at least 0 and below 1"],
    );
}

// The cluster autoscaler and its node groups.

#[test]
fn max_count_below_min_count() {
    let m = refused(&with(&[("minCount: 1", "minCount: 21")]));
    assert_says(
        &m,
        "cluster.nodePools[0].autoscaling.maxCount",
        &["less than minCount (21)"],
    );
}

#[test]
fn count_outside_the_group_bounds() {
    let m = refused(&with(&[("count: 2\n", "count: 30\n")]));
    assert_says(
        &m,
        "cluster.nodePools[0].count",
        &["[minCount, maxCount] = [1, 20]"],
    );
}

#[test]
fn max_count_absurd() {
    let m = refused(&with(&[("maxCount: 20", "maxCount: 200000")]));
    assert_says(
        &m,
        "cluster.nodePools[0].autoscaling.maxCount",
        &["limit of 100000 nodes"],
    );
}

#[test]
fn all_groups_at_max_count_must_fit_the_node_limit() {
    // 100000 + the fixed pool's 1 node.
    let m = refused(&with(&[("maxCount: 20", "maxCount: 100000")]));
    assert_says(
        &m,
        "cluster.nodePools",
        &["100001 nodes", "limit of 100000"],
    );
}

#[test]
fn provisioning_delay_zero_or_negative() {
    let m = refused(&with(&[(
        "maxCount: 20",
        "maxCount: 20\n        provisioningDelay: {constant: 0s}",
    )]));
    assert_says(
        &m,
        "cluster.nodePools[0].autoscaling.provisioningDelay",
        &["more than 0s"],
    );
    let m = refused(&with(&[(
        "maxCount: 20",
        "maxCount: 20\n        provisioningDelay: {constant: -5s}",
    )]));
    assert!(m.contains("negative"), "{m}");
}

#[test]
fn cluster_autoscaler_without_an_autoscaled_pool() {
    let m = refused(&with(&[(
        "      autoscaling:\n        minCount: 1\n        maxCount: 20\n",
        "",
    )]));
    assert_says(&m, "clusterAutoscaler", &["no node pool has `autoscaling`"]);
}

#[test]
fn autoscaled_pool_without_cluster_autoscaler_is_a_note() {
    let text = with(&[(
        "clusterAutoscaler:\n  expander: least-waste\n  scaleDownUtilizationThreshold: 0.5\n",
        "",
    )]);
    let n = notes(&text);
    assert!(
        n.contains("cluster.nodePools[0].autoscaling")
            && n.contains("the pool keeps its count: add clusterAutoscaler to size it"),
        "{n}"
    );
}

#[test]
fn unknown_expander_lists_the_allowed() {
    let m = refused(&with(&[("expander: least-waste", "expander: leastwaste")]));
    assert_says(
        &m,
        "clusterAutoscaler.expander",
        &[
            "did you mean `least-waste`?",
            "`random`, `least-waste`, `most-pods`, `price`",
        ],
    );
}

#[test]
fn price_expander_needs_prices() {
    let m = refused(&with(&[
        ("expander: least-waste", "expander: price"),
        ("      pricePerHour: 0.20\n", ""),
    ]));
    assert_says(
        &m,
        "cluster.nodePools[0].pricePerHour",
        &["expander: price", "pool `general`"],
    );
}

#[test]
fn utilization_threshold_outside_zero_to_one() {
    for bad in ["0", "1.5"] {
        let m = refused(&with(&[(
            "scaleDownUtilizationThreshold: 0.5",
            &format!("scaleDownUtilizationThreshold: {bad}"),
        )]));
        assert_says(
            &m,
            "clusterAutoscaler.scaleDownUtilizationThreshold",
            &["above 0 and at most 1"],
        );
    }
}

#[test]
fn cluster_autoscaler_without_duration() {
    let text = edit(
        QUIET,
        &[(
            "      capacity: {cpu: 4, memory: 16Gi}\n",
            "      capacity: {cpu: 4, memory: 16Gi}\n      autoscaling: {maxCount: 3}\n",
        )],
    ) + "clusterAutoscaler: {}\n";
    let m = refused(&text);
    assert_says(
        &m,
        "duration",
        &["clusterAutoscaler", "set the scenario's `duration`"],
    );
}

#[test]
fn unknown_top_level_key_suggests_the_real_one() {
    let m = refused(&with(&[("clusterAutoscaler:\n", "clusterAutoscaller:\n")]));
    assert!(m.contains("did you mean `clusterAutoscaler`?"), "{m}");
}

#[test]
fn unknown_billing_rounding() {
    let m = refused(&with(&[("rounding: perSecond", "rounding: daily")]));
    assert_says(&m, "billing.rounding", &["`perSecond`, `hourly`"]);
}

// cpuLoad.

#[test]
fn cpu_load_needs_exactly_one_shape() {
    let m = refused(&with(&[(
        "cpuLoad: {constant: 3}",
        "cpuLoad: {constant: 3, steps: [{at: 0s, value: 1}]}",
    )]));
    assert_says(
        &m,
        "workloads.deployments[1].simulation.cpuLoad",
        &["2 shapes (constant, steps)", "exactly one of"],
    );
    let m = refused(&with(&[("cpuLoad: {constant: 3}", "cpuLoad: {}")]));
    assert_says(
        &m,
        "workloads.deployments[1].simulation.cpuLoad",
        &["no shape"],
    );
}

#[test]
fn cpu_load_negative() {
    let m = refused(&with(&[(
        "cpuLoad: {constant: 3}",
        "cpuLoad: {steps: [{at: 0s, value: 2}, {at: 1m, value: -1}]}",
    )]));
    assert_says(
        &m,
        "workloads.deployments[1].simulation.cpuLoad.steps[1].value",
        &["cores >= 0"],
    );
}

#[test]
fn cpu_load_on_a_job() {
    let m = refused(&with(&[(
        "runTime: {constant: 30s}",
        "runTime: {constant: 30s}\n        cpuLoad: {constant: 1}",
    )]));
    assert_says(
        &m,
        "workloads.jobs[0].simulation.cpuLoad",
        &["Deployments only"],
    );
}

#[test]
fn cpu_load_and_service_traffic_would_count_twice() {
    let m = refused(&with(&[(
        "cpuLoad: {constant: 3}",
        "cpuLoad: {constant: 3}\n    - metadata: {name: web2}\n      spec:\n        template:\n          metadata: {labels: {app: web}}\n          spec:\n            containers: [{name: app, resources: {requests: {cpu: 1}}}]\n      simulation: {cpuLoad: {constant: 1}}",
    )]));
    assert_says(
        &m,
        "workloads.deployments[2].simulation.cpuLoad",
        &[
            "Service `web`",
            "pick one (cpuLoad, or the Service's traffic)",
        ],
    );
}

// SLOs.

#[test]
fn slo_on_an_unknown_service() {
    let m = refused(&with(&[("{service: web,", "{service: webb,")]));
    assert_says(
        &m,
        "slos.serviceLatency[0].service",
        &["no Service `webb`", "did you mean `web`?"],
    );
}

#[test]
fn slo_percentile_not_measured() {
    let m = refused(&with(&[("percentile: 99,", "percentile: 95,")]));
    assert_says(
        &m,
        "slos.serviceLatency[0].percentile",
        &["50, 90, 99 or 99.9"],
    );
}

#[test]
fn slo_target_zero() {
    let m = refused(&with(&[("target: 250ms", "target: 0s")]));
    assert_says(&m, "slos.serviceLatency[0].target", &["more than 0s"]);
}

#[test]
fn all_hpas_at_max_replicas_must_fit_the_pod_limit() {
    // 1,000,000 + 1,000,000 + 8 > 2,000,000.
    let text = with(&[
        ("maxReplicas: 10", "maxReplicas: 1000000"),
        (
            "cpuLoad: {constant: 3}",
            "cpuLoad: {constant: 3}\n    - metadata: {name: third}\n      spec:\n        template:\n          spec:\n            containers: [{name: app, resources: {requests: {cpu: 1}}}]",
        ),
        (
            "billing:",
            "  - metadata: {name: third}\n    spec: {scaleTargetRef: {kind: Deployment, name: third}, maxReplicas: 1000000}\nbilling:",
        ),
    ]);
    let m = refused(&text);
    assert_says(
        &m,
        "horizontalPodAutoscalers",
        &["2000008 pods", "limit of 2000000"],
    );
}

#[test]
fn cpu_load_and_a_cpu_usage_fraction_conflict() {
    let m = refused(&with(&[(
        "cpuLoad: {constant: 3}",
        "cpuLoad: {constant: 3}\n        usage: {cpu: {constant: 0.5}}",
    )]));
    assert_says(
        &m,
        "workloads.deployments[1].simulation.usage.cpu",
        &["both set the pods' cpu usage: keep one"],
    );
}

#[test]
fn a_pool_joining_later_cannot_be_combined_with_the_cluster_autoscaler() {
    let m = refused(&with(&[(
        "    - name: fixed\n      count: 1\n",
        "    - name: fixed\n      count: 1\n      addedAt: 10m\n",
    )]));
    assert_says(
        &m,
        "cluster.nodePools[1].addedAt",
        &[
            "cannot be combined with clusterAutoscaler",
            "remove addedAt",
        ],
    );
}

#[test]
fn cpu_load_unit_is_checked() {
    let m = refused(&with(&[(
        "cpuLoad: {constant: 3}",
        "cpuLoad: {constant: 3, unit: core}",
    )]));
    assert_says(
        &m,
        "workloads.deployments[1].simulation.cpuLoad.unit",
        &["did you mean `cores`?", "fractionOfRequest"],
    );
    let m = refused(&with(&[(
        "cpuLoad: {constant: 3}",
        "cpuLoad: {constant: 30, unit: fractionOfRequest}",
    )]));
    assert_says(
        &m,
        "workloads.deployments[1].simulation.cpuLoad.unit",
        &["above the largest usage fraction, 16", "use unit: cores"],
    );
}
