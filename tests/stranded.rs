//! Stranded capacity (`stranded_cpu_mean`, `stranded_memory_mean` and the time-series
//! columns) against values worked out by hand from the definition in docs/metrics.md.

mod common;
use common::*;

const GI: i64 = 1 << 30;

/// Runs scenario text with two 4-core, 8 GiB nodes (unless `pools` says otherwise) and the
/// given Deployments; returns (stranded_cpu_mean, stranded_memory_mean, the time-series
/// columns stranded_cpu_cores and stranded_memory_bytes).
fn stranded(pools: &str, deployments: &str) -> (String, String, Vec<String>, Vec<String>) {
    let text = format!(
        "apiVersion: kubesim/v1\nkind: Scenario\nmetadata: {{name: stranded}}\nseed: 1\n\
         duration: 60s\nmetrics: {{interval: 20s}}\ncluster:\n  nodePools:\n{pools}\n\
         workloads:\n  deployments:\n{deployments}"
    );
    let s = scenario(&text);
    let dir = tempfile::tempdir().expect("temp dir");
    let r = kubesim::run(&s, Some(dir.path()), None).unwrap_or_else(|e| panic!("{e}"));
    let ts = dir.path().join("timeseries.csv");
    (
        r.get("stranded_cpu_mean").expect("row").to_string(),
        r.get("stranded_memory_mean").expect("row").to_string(),
        column(&ts, "stranded_cpu_cores"),
        column(&ts, "stranded_memory_bytes"),
    )
}

const TWO_NODES: &str = "    - {name: n, count: 2, capacity: {cpu: 4, memory: 8Gi}}";

fn deployment(name: &str, replicas: u32, cpu: &str, extra: &str) -> String {
    format!(
        "    - metadata: {{name: {name}}}\n      spec:\n        replicas: {replicas}\n        \
         template:\n          spec:\n{extra}            containers: \
         [{{name: c, resources: {{requests: {{cpu: {cpu}, memory: 1Gi}}}}}}]\n"
    )
}

/// Two 3-core pods fill one node each (1 core, 7 GiB free on each). Pending: 2, 2.5 and 8
/// cores, so the median pending shape is 2.5 cores and 1 GiB, which fits neither node: both
/// nodes' free capacity is stranded, 2 cores and 14 GiB, at every sample.
#[test]
fn pending_median_shape_that_fits_nowhere_strands_all_free_capacity() {
    let d = deployment("fill", 2, "3", "")
        + &deployment("small", 1, "2", "")
        + &deployment("mid", 1, "2500m", "")
        + &deployment("huge", 1, "8", "");
    let (cpu, mem, cpu_col, mem_col) = stranded(TWO_NODES, &d);
    assert_eq!(cpu, "2.000000");
    assert_eq!(mem, format!("{}.000000", 14 * GI));
    // Rows at 0, 20, 40 and 60 s.
    assert_eq!(cpu_col, ["2"; 4]);
    assert_eq!(mem_col, vec![(14 * GI).to_string(); 4]);
}

/// Pods pending for another reason (a nodeSelector no node matches) whose median shape
/// (500m) fits the 1 core left on each node: nothing is stranded.
#[test]
fn pending_shape_that_fits_strands_nothing() {
    let d = deployment("fill", 2, "3", "")
        + &deployment(
            "picky",
            3,
            "500m",
            "            nodeSelector: {disk: ssd}\n",
        );
    let (cpu, mem, cpu_col, _) = stranded(TWO_NODES, &d);
    assert_eq!((cpu.as_str(), mem.as_str()), ("0.000000", "0.000000"));
    assert_eq!(cpu_col, ["0"; 4]);
}

/// No pod pending: the shape is the median request of all pods, here one 3-core pod. The
/// node it runs on has 1 core and 7 GiB left, too little for another: stranded. The empty
/// node is not.
#[test]
fn without_pending_pods_the_shape_is_the_median_of_all_pods() {
    let (cpu, mem, _, _) = stranded(TWO_NODES, &deployment("one", 1, "3", ""));
    assert_eq!(cpu, "1.000000");
    assert_eq!(mem, format!("{}.000000", 7 * GI));
}

/// The median is the lower one (nearest rank): of a 1-core and a 3-core pod it is 1 core,
/// which still fits both nodes (3 and 1 cores free), so nothing is stranded. (The upper
/// median, 3 cores, would strand the node holding the 3-core pod.)
#[test]
fn median_of_an_even_count_is_the_lower_middle_value() {
    let d = deployment("a", 1, "1", "") + &deployment("b", 1, "3", "");
    let (cpu, _, _, _) = stranded(TWO_NODES, &d);
    assert_eq!(cpu, "0.000000");
}

/// A node whose pod capacity is used up strands all its free resources, even when the
/// shape would fit them.
#[test]
fn a_full_node_strands_what_is_left() {
    let pools = "    - {name: n, count: 1, capacity: {cpu: 4, memory: 8Gi, pods: 1}}";
    let (cpu, mem, _, _) = stranded(pools, &deployment("one", 1, "1", ""));
    assert_eq!(cpu, "3.000000");
    assert_eq!(mem, format!("{}.000000", 7 * GI));
}
