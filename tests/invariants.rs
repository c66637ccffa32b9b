//! Property tests: over random scenarios (heterogeneous pools, taints, pinned pods that may
//! not fit, Job streams with varied requests, Deployments with topology spread and
//! anti-affinity, priorities with preemption, every placement policy, scheduling cycles
//! that take time, node failures from pools' `failures` and from `node_failure` and
//! `zone_outage` events), after every single event every
//! pod is in exactly one phase, the phases add up to the pods created, no node holds more
//! requests than its allocatable, and no pod runs on a node that is down.
//! (`run_checked` recounts everything after each event and fails on any difference.)

mod common;
use common::*;
use kubesim::scheduler::config::POLICY_NAMES as POLICIES;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Pool {
    count: u32,
    cpu: u32,
    mem_gi: u32,
    max_pods: u32,
    tainted: bool,
    added_at_s: u32,
    /// Mean time to failure and to repair, minutes.
    failures: Option<(u32, u32)>,
}

/// A scheduled failure: `zone_outage` of zone a or b, or `node_failure` of some nodes of
/// the first pool, with an optional repair.
#[derive(Debug, Clone)]
struct Fault {
    at_s: u32,
    zone: Option<bool>,
    count: u32,
    repair_s: Option<u32>,
}

fn fault() -> impl Strategy<Value = Fault> {
    (
        0u32..1200,
        prop::option::of(any::<bool>()),
        1u32..6,
        prop::option::of(1u32..900),
    )
        .prop_map(|(at_s, zone, count, repair_s)| Fault {
            at_s,
            zone,
            count,
            repair_s,
        })
}

#[derive(Debug, Clone)]
struct Deploy {
    replicas: u32,
    cpu_m: u32,
    mem_mi: u32,
    pinned: Option<u32>,
    tolerates: bool,
    high: bool,
    /// 0: none, 1: zone spread ScheduleAnyway, 2: zone spread DoNotSchedule, 3: required
    /// anti-affinity per host.
    topology: u32,
}

#[derive(Debug, Clone)]
struct JobStream {
    rate_per_min: u32,
    completions: u32,
    parallelism: u32,
    mean_run_s: u32,
    choices: Vec<(u32, u32)>,
    pinned: bool,
    high: bool,
}

fn pool() -> impl Strategy<Value = Pool> {
    (
        1u32..6,
        1u32..16,
        1u32..32,
        1u32..12,
        any::<bool>(),
        prop::option::weighted(0.3, 1u32..900),
        prop::option::weighted(0.3, (1u32..20, 1u32..10)),
    )
        .prop_map(
            |(count, cpu, mem_gi, max_pods, tainted, added_at, failures)| Pool {
                count,
                cpu,
                mem_gi,
                max_pods,
                tainted,
                added_at_s: added_at.unwrap_or(0),
                failures,
            },
        )
}

fn deploy() -> impl Strategy<Value = Deploy> {
    (
        0u32..8,
        0u32..4000,
        0u32..8000,
        prop::option::of(0u32..6),
        any::<bool>(),
        prop::bool::weighted(0.3),
        0u32..4,
    )
        .prop_map(
            |(replicas, cpu_m, mem_mi, pinned, tolerates, high, topology)| Deploy {
                replicas,
                cpu_m,
                mem_mi,
                pinned,
                tolerates,
                high,
                topology,
            },
        )
}

fn job() -> impl Strategy<Value = JobStream> {
    (
        1u32..40,
        1u32..4,
        1u32..4,
        1u32..300,
        prop::collection::vec((1u32..8000, 1u32..16), 1..4),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(rate_per_min, completions, parallelism, mean_run_s, choices, pinned, high)| {
                JobStream {
                    rate_per_min,
                    completions,
                    parallelism,
                    mean_run_s,
                    choices,
                    pinned,
                    high,
                }
            },
        )
}

fn render(
    seed: u64,
    (policy, cycle_ms): (usize, u32),
    pools: &[Pool],
    deploys: &[Deploy],
    jobs: &[JobStream],
    faults: &[Fault],
) -> String {
    let mut y = format!(
        "apiVersion: kubesim/v1\nkind: Scenario\nmetadata: {{name: prop}}\nseed: {seed}\nduration: 20m\n\
         scheduler: {{policy: {}, cycleTime: {cycle_ms}ms}}\n\
         priorityClasses: [{{name: high, value: 1000}}]\ncluster:\n  nodePools:\n",
        POLICIES[policy]
    );
    for (i, p) in pools.iter().enumerate() {
        y += &format!(
            "    - name: p{i}\n      count: {}\n      zones: [a, b]\n      capacity: {{cpu: {}, memory: {}Gi, pods: {}}}\n      reserved: {{cpu: 100m}}\n",
            p.count, p.cpu, p.mem_gi, p.max_pods
        );
        if p.tainted {
            y += "      taints: [{key: dedicated, value: batch, effect: NoSchedule}]\n";
        }
        // Pinned pods name nodes of the first pool, which must be there from the start.
        if i > 0 && p.added_at_s > 0 {
            y += &format!("      addedAt: {}s\n", p.added_at_s);
        }
        if let Some((up, down)) = p.failures {
            y += &format!(
                "      failures: {{timeToFailure: {{exponential: {{mean: {up}m}}}}, timeToRepair: {{exponential: {{mean: {down}m}}}}}}\n"
            );
        }
    }
    // Pinned pods name a node of the first pool.
    let first_pool_nodes = pools[0].count;
    y += "workloads:\n  deployments:\n";
    for (i, d) in deploys.iter().enumerate() {
        y += &format!(
            "    - metadata: {{name: d{i}}}\n      spec:\n        replicas: {}\n        template:\n          metadata: {{labels: {{app: d{i}}}}}\n          spec:\n",
            d.replicas
        );
        if d.high {
            y += "            priorityClassName: high\n";
        }
        let selector = format!("labelSelector: {{matchLabels: {{app: d{i}}}}}");
        match d.topology {
            1 | 2 => {
                let when = ["ScheduleAnyway", "DoNotSchedule"][d.topology as usize - 1];
                y += &format!(
                    "            topologySpreadConstraints: [{{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: {when}, {selector}}}]\n"
                );
            }
            3 => {
                y += &format!(
                    "            affinity: {{podAntiAffinity: {{requiredDuringSchedulingIgnoredDuringExecution: [{{topologyKey: kubernetes.io/hostname, {selector}}}]}}}}\n"
                );
            }
            _ => {}
        }
        if let Some(n) = d.pinned {
            y += &format!("            nodeName: p0-{}\n", n % first_pool_nodes);
        }
        if d.tolerates {
            // Tolerates the dedicated taint, and an unreachable node for a while.
            y += &format!(
                "            tolerations: [{{key: dedicated, operator: Exists}}, {{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: {}}}]\n",
                d.cpu_m % 120
            );
        }
        y += &format!(
            "            containers: [{{name: c, resources: {{requests: {{cpu: {}m, memory: {}Mi}}}}}}]\n",
            d.cpu_m, d.mem_mi
        );
        y += "      simulation: {startupDelay: {uniform: {min: 0s, max: 5s}}}\n";
    }
    y += "  jobs:\n";
    for (i, j) in jobs.iter().enumerate() {
        y += &format!(
            "    - metadata: {{name: j{i}}}\n      spec:\n        completions: {}\n        parallelism: {}\n        backoffLimit: 2\n        template:\n          spec:\n",
            j.completions, j.parallelism
        );
        if j.pinned {
            y += "            nodeName: p0-0\n";
        }
        if j.high {
            y += "            priorityClassName: high\n";
        }
        y += "            tolerations: [{key: dedicated, value: batch, effect: NoSchedule}]\n";
        y += "            containers: [{name: c}]\n";
        y += &format!(
            "      simulation:\n        arrivals: {{poisson: {}/min}}\n        runTime: {{exponential: {{mean: {}s}}}}\n        requestChoice:\n",
            j.rate_per_min, j.mean_run_s
        );
        for (cpu_m, mem_gi) in &j.choices {
            y += &format!("          - {{requests: {{cpu: {cpu_m}m, memory: {mem_gi}Gi}}}}\n");
        }
    }
    if !faults.is_empty() {
        y += "events:\n";
    }
    for f in faults {
        let repair = f
            .repair_s
            .map(|r| format!(", repairAfter: {r}s"))
            .unwrap_or_default();
        y += &match f.zone {
            Some(b) => format!(
                "  - {{at: {}s, type: zone_outage, zone: {}, duration: {}s}}\n",
                f.at_s,
                if b { "b" } else { "a" },
                f.repair_s.unwrap_or(600)
            ),
            None => format!(
                "  - {{at: {}s, type: node_failure, pool: p0, count: {}{repair}}}\n",
                f.at_s,
                f.count.min(pools[0].count)
            ),
        };
    }
    y
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_event(
        seed in 0u64..1000,
        policy in 0usize..POLICIES.len(),
        cycle_ms in prop::sample::select(vec![0u32, 0, 5]),
        pools in prop::collection::vec(pool(), 1..4),
        deploys in prop::collection::vec(deploy(), 0..4),
        jobs in prop::collection::vec(job(), 0..3),
        faults in prop::collection::vec(fault(), 0..3),
    ) {
        let text = render(seed, (policy, cycle_ms), &pools, &deploys, &jobs, &faults);
        let (_, o) = run_checked(&text);
        let c = &o.cluster;
        let phases: u64 = kubesim::cluster::pod::PodPhase::ALL.iter().map(|&p| c.count(p)).sum();
        prop_assert_eq!(phases, c.pods_created());
        // Every pod that ever ran was bound first, and a bound pod had been created.
        for p in &c.pods {
            if let Some(b) = p.bound {
                prop_assert!(b >= p.created);
                if let Some(s) = p.started { prop_assert!(s >= b); }
            }
            if let Some(f) = p.finished { prop_assert!(f >= p.created); }
        }
    }
}
