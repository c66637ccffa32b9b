//! The scheduler end to end, from YAML: profiles and policies, scheduling-cycle time,
//! node sampling and the queue, each checked against values derived by hand from
//! kube-scheduler's rules.

mod common;
use common::*;

const S: u64 = 1_000_000_000;

fn scenario_with(scheduler: &str, pools: &str, workloads: &str) -> String {
    format!(
        "apiVersion: kubesim/v1\nkind: Scenario\nmetadata: {{name: sched}}\nseed: 5\n\
         scheduler:\n{scheduler}\ncluster:\n  nodePools:\n{pools}\nworkloads:\n{workloads}"
    )
}

fn nodes_of(o: &kubesim::Outcome) -> Vec<String> {
    o.cluster
        .pods
        .iter()
        .map(|p| o.cluster.nodes.name[p.node.expect("bound").index()].clone())
        .collect()
}

const TWO_NODES: &str = "    - {name: n, count: 2, capacity: {cpu: 4, memory: 16Gi}}\n";

fn four_replicas(extra_spec: &str) -> String {
    format!(
        "  deployments:\n    - metadata: {{name: web}}\n      spec:\n        replicas: 4\n        template:\n          spec:\n{extra_spec}            containers: [{{name: c, resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}}}]\n"
    )
}

/// Four equal pods on two equal nodes (hand-derived from the default weights):
/// - Job pods (no default spreading, as upstream: a Job is not a ReplicaSet or Service):
///   LeastAllocated spreads them, 2 and 2 (after one pod, the emptier node scores higher);
///   MostAllocated and first-fit pack all four on one node.
/// - Deployment replicas under `most-allocated` still spread: the system default
///   PodTopologySpread constraints (weight 2) outweigh MostAllocated (weight 1). With one
///   replica on node A, MostAllocated favours A by ⌊(25+12)/2⌋ − ⌊(12+6)/2⌋ = 9 points;
///   the hostname constraint (raw ⌊1·ln 4 + 2 + z⌉ on A against ⌊2 + z⌉ on B, z the
///   shared zone part, about 5) gives B 100 and A at most 100·7/8 = 87, so 2 × 13 ≥ 26
///   points to B.
fn four_jobs() -> String {
    "  jobs:\n    - metadata: {name: batch}\n      spec:\n        completions: 4\n        parallelism: 4\n        template:\n          spec:\n            containers: [{name: c, resources: {requests: {cpu: 500m, memory: 1Gi}}}]\n      simulation: {runTime: 1h}\n".to_string()
}

#[test]
fn spreading_and_packing_policies() {
    let count_first = |policy: &str, workloads: &str| {
        let (_, o) = run_checked(&scenario_with(
            &format!("  policy: {policy}"),
            TWO_NODES,
            workloads,
        ));
        let nodes = nodes_of(&o);
        (nodes.iter().filter(|n| *n == &nodes[0]).count(), nodes)
    };
    assert_eq!(count_first("default", &four_jobs()).0, 2);
    assert_eq!(count_first("most-allocated", &four_jobs()).0, 4);
    let (_, nodes) = count_first("first-fit", &four_jobs());
    assert_eq!(nodes, ["n-0", "n-0", "n-0", "n-0"]);
    assert_eq!(count_first("most-allocated", &four_replicas("")).0, 2);
}

/// A profile written in the scenario, picked by `schedulerName`: only
/// NodeResourcesFit scoring with MostAllocated, BalancedAllocation and the rest disabled.
#[test]
fn scenario_profile_chosen_by_scheduler_name() {
    let profile = "  profiles:\n    - schedulerName: packer\n      plugins:\n        score:\n          disabled: [{name: \"*\"}]\n          enabled: [{name: NodeResourcesFit, weight: 1}]\n      pluginConfig:\n        - name: NodeResourcesFit\n          args: {scoringStrategy: {type: MostAllocated}}\n";
    let (s, o) = run_checked(&scenario_with(
        profile,
        TWO_NODES,
        &four_replicas("            schedulerName: packer\n"),
    ));
    assert_eq!(s.scheduler.profiles.len(), 2);
    let nodes = nodes_of(&o);
    assert!(nodes.iter().all(|n| *n == nodes[0]), "{nodes:?}");
}

/// `cycleTime` makes scheduling take simulated time: 20 pods created at t=0 are bound at
/// 0, 10, 20, … 190 ms, one per cycle.
#[test]
fn cycle_time_limits_scheduler_throughput() {
    let workloads = "  deployments:\n    - metadata: {name: web}\n      spec:\n        replicas: 20\n        template:\n          spec:\n            containers: [{name: c, resources: {requests: {cpu: 100m}}}]\n";
    let (_, o) = run_checked(&scenario_with(
        "  cycleTime: 10ms",
        "    - {name: n, count: 4, capacity: {cpu: 4, memory: 16Gi}}\n",
        workloads,
    ));
    let bound: Vec<u64> = o
        .cluster
        .pods
        .iter()
        .map(|p| p.bound.expect("bound"))
        .collect();
    let want: Vec<u64> = (0..20).map(|k| k * S / 100).collect();
    assert_eq!(bound, want);
}

/// The default `percentageOfNodesToScore` at 500 nodes examines 230 (50 − 500/125 = 46 %)
/// and the next cycle starts where the last stopped; at 100 % a pod can reach every node.
/// With every node equal and empty and LeastAllocated spreading, pods land on distinct
/// nodes; the first pod's node is within the first 230, the second's within the next 230.
#[test]
fn sampled_cycles_rotate_through_the_nodes() {
    let pools = "    - {name: n, count: 500, capacity: {cpu: 4, memory: 16Gi}}\n";
    let workloads = "  deployments:\n    - metadata: {name: web}\n      spec:\n        replicas: 2\n        template:\n          spec:\n            containers: [{name: c, resources: {requests: {cpu: 100m}}}]\n";
    let (_, o) = run_checked(&scenario_with("  seed: 1", pools, workloads));
    let idx: Vec<usize> = o
        .cluster
        .pods
        .iter()
        .map(|p| p.node.expect("bound").index())
        .collect();
    assert!(idx[0] < 230, "{idx:?}");
    assert!((230..460).contains(&idx[1]), "{idx:?}");
}

/// Preemption: a high-priority pod that fits nowhere evicts the low-priority pod, which
/// keeps its node for its 30 s grace period; the preemptor binds when it is gone, and the
/// Deployment replaces the victim at once (the replacement then waits, unschedulable).
#[test]
fn preemption_evicts_and_the_controller_replaces() {
    let text = r#"
apiVersion: kubesim/v1
kind: Scenario
metadata: {name: pre}
seed: 1
duration: 5m
priorityClasses: [{name: high, value: 1000}]
cluster:
  nodePools:
    - {name: n, count: 1, capacity: {cpu: 1, memory: 4Gi}}
workloads:
  deployments:
    - metadata: {name: low}
      spec:
        replicas: 1
        template:
          spec:
            containers: [{name: c, resources: {requests: {cpu: 1}}}]
  jobs:
    - metadata: {name: urgent}
      spec:
        template:
          spec:
            priorityClassName: high
            containers: [{name: c, resources: {requests: {cpu: 1}}}]
      simulation: {runTime: 60s, startupDelay: 0s, arrivals: {times: [10s]}}
"#;
    let (_, o) = run_checked(text);
    let c = &o.cluster;
    // Pods: low-0 (t=0), urgent-0-0 (t=10), low-1 (the replacement, t=10).
    assert_eq!(c.pods.len(), 3);
    assert_eq!(
        c.pods[0].finished,
        Some(40 * S),
        "victim leaves after its grace period"
    );
    assert_eq!(
        c.pods[1].bound,
        Some(40 * S),
        "preemptor binds once the victim is gone"
    );
    assert_eq!(c.pods[2].created, 10 * S, "replacement created at once");
    assert_eq!(
        c.pods[2].bound,
        Some(100 * S),
        "replacement waits for the urgent Job"
    );
}

/// A node cordoned by a scheduled event gets no new pods; uncordoned, it takes them again.
/// Job pods arrive at 0 s (before the cordon at 10 s), at 20 s (cordoned: all on n-1) and
/// at 40 s (after the uncordon at 30 s: first-fit takes n-0 again).
#[test]
fn cordon_and_uncordon_events() {
    let workloads = "  jobs:\n    - metadata: {name: j}\n      spec:\n        template:\n          spec:\n            restartPolicy: Never\n            containers: [{name: c, resources: {requests: {cpu: 100m}}}]\n      simulation:\n        runTime: {constant: 5s}\n        arrivals: {times: [0s, 20s, 40s]}\n";
    let text = format!(
        "{}duration: 1m\nevents:\n  - {{at: 10s, type: cordon, nodes: [n-0]}}\n  - {{at: 30s, type: uncordon, pool: n}}\n",
        scenario_with("  policy: first-fit\n", TWO_NODES, workloads)
    );
    let (_, o) = run_checked(&text);
    assert_eq!(nodes_of(&o), vec!["n-0", "n-1", "n-0"]);
    assert_eq!(o.cluster.nodes.cordoned, 0);
}
