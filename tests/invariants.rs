//! Property tests: over random scenarios (heterogeneous pools, taints, pinned pods that may
//! not fit, Job streams with varied requests, Deployments with topology spread and
//! anti-affinity, priorities with preemption, every placement policy, scheduling cycles
//! that take time, node failures from pools' `failures` and from `node_failure` and
//! `zone_outage` events, rollouts (RollingUpdate and Recreate) to versions that may crash,
//! rollbacks, Job pods that crash and restart or fail, Services with traffic, calls,
//! timeouts and retries over those pods), after every single event every pod is in exactly
//! one phase, the phases add up to the pods created, no node holds more requests than its
//! allocatable, no pod runs on a node that is down, every Service's requests are conserved
//! (arrived = completed + rejected + failed + in flight) and only running pods hold
//! requests.
//! (`run_checked` recounts everything after each event and fails on any difference.)

mod common;
use common::*;
use kubesim::scheduler::config::POLICY_NAMES as POLICIES;
use kubesim::traffic::load_balancers::LbSpec;
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
    /// 0: the default RollingUpdate, 1: Recreate, 2: maxSurge 0 / maxUnavailable 1,
    /// 3: maxSurge 50% / maxUnavailable 0.
    strategy: u32,
    min_ready_s: u32,
    rollout: Option<Rollout>,
}

/// A rollout to a second version at `.0` s, whose containers crash if `.1`, and a rollback
/// `.2` s later if given.
type Rollout = (u32, bool, Option<u32>);

/// Services over the Deployments: Service i selects Deployment i; the first takes
/// external Poisson traffic at `rate` per second and calls the second (if any) with
/// probability 1/2; every Service uses load balancer `lb`.
#[derive(Debug, Clone)]
struct Traffic {
    rate: u32,
    lb: usize,
    workers: u32,
    queue: Option<u32>,
    timeout_ms: Option<u32>,
    retries: Option<u32>,
    keep_alive: bool,
}

fn traffic() -> impl Strategy<Value = Traffic> {
    (
        1u32..40,
        0..LbSpec::EVERY.len(),
        1u32..4,
        prop::option::of(0u32..5),
        prop::option::of(5u32..500),
        prop::option::of(1u32..3),
        any::<bool>(),
    )
        .prop_map(
            |(rate, lb, workers, queue, timeout_ms, retries, keep_alive)| Traffic {
                rate,
                lb,
                workers,
                queue,
                timeout_ms,
                retries,
                keep_alive,
            },
        )
}

fn render_traffic(y: &mut String, deploys: usize, t: &Traffic) {
    if deploys == 0 {
        return;
    }
    let lb = LbSpec::EVERY[t.lb].name();
    *y += "services:\n";
    for i in 0..deploys {
        *y += &format!(
            "  - metadata: {{name: s{i}}}\n    spec: {{type: {}, selector: {{app: d{i}}}}}\n    simulation:\n      loadBalancer: {lb}\n      demand: {{exponential: {{mean: 20ms}}}}\n",
            if i == 0 { "LoadBalancer" } else { "ClusterIP" }
        );
        if i == 0 {
            *y += &format!(
                "      traffic: {{poisson: {}/s, keys: {{uniform: 20}}}}\n",
                t.rate
            );
            if deploys > 1 {
                *y += "      calls: [{service: s1, probability: 0.5}]\n";
            }
        }
        if let Some(ms) = t.timeout_ms {
            *y += &format!("      timeout: {ms}ms\n");
        }
        if let Some(n) = t.retries {
            *y += &format!("      retries: {{attempts: {n}, budget: 0.5}}\n");
        }
        if t.keep_alive {
            *y += "      keepAlive: {connections: 3}\n";
        }
    }
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
    /// Chance (percent) that a container start crashes, and whether the pod restarts in
    /// place (`OnFailure`) rather than failing (`Never`).
    crash: Option<(u32, bool)>,
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
        (
            0u32..4,
            prop::sample::select(vec![0u32, 0, 10]),
            prop::option::weighted(
                0.5,
                (0u32..1100, any::<bool>(), prop::option::of(0u32..300)),
            ),
        ),
    )
        .prop_map(
            |(
                replicas,
                cpu_m,
                mem_mi,
                pinned,
                tolerates,
                high,
                topology,
                (strategy, min_ready_s, rollout),
            )| Deploy {
                replicas,
                cpu_m,
                mem_mi,
                pinned,
                tolerates,
                high,
                topology,
                strategy,
                min_ready_s,
                rollout,
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
        prop::option::weighted(0.3, (1u32..60, any::<bool>())),
    )
        .prop_map(
            |(rate_per_min, completions, parallelism, mean_run_s, choices, pinned, high, crash)| {
                JobStream {
                    rate_per_min,
                    completions,
                    parallelism,
                    mean_run_s,
                    choices,
                    pinned,
                    high,
                    crash,
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
    traffic: Option<&Traffic>,
) -> String {
    let serving = traffic.map_or((1, None), |t| (t.workers, t.queue));
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
        let strategy = [
            "",
            "        strategy: {type: Recreate}\n",
            "        strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}\n",
            "        strategy: {rollingUpdate: {maxSurge: 50%, maxUnavailable: 0}}\n",
        ][d.strategy as usize];
        y += &format!(
            "    - metadata: {{name: d{i}}}\n      spec:\n        replicas: {}\n{strategy}        minReadySeconds: {}\n        template:\n          metadata: {{labels: {{app: d{i}}}}}\n          spec:\n",
            d.replicas, d.min_ready_s
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
        y += &format!(
            "      simulation: {{startupDelay: {{uniform: {{min: 0s, max: 5s}}}}, serving: {{workers: {}{}}}}}\n",
            serving.0,
            serving
                .1
                .map(|q| format!(", queueCapacity: {q}"))
                .unwrap_or_default()
        );
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
        if let Some((_, true)) = j.crash {
            y += "            restartPolicy: OnFailure\n";
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
        if let Some((p, _)) = j.crash {
            y += &format!(
                "        crash: {{probability: 0.{p:02}, after: {{uniform: {{min: 0s, max: 30s}}}}}}\n        checkpointInterval: 10s\n"
            );
        }
    }
    let rollouts: Vec<(usize, &Rollout)> = deploys
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.rollout.as_ref().map(|r| (i, r)))
        .collect();
    if !faults.is_empty() || !rollouts.is_empty() {
        y += "events:\n";
    }
    for (i, (at, crashes, rollback)) in rollouts {
        let crash = if *crashes {
            ", simulation: {crash: {timeToCrash: {exponential: {mean: 2m}}}}"
        } else {
            ""
        };
        y += &format!(
            "  - {{at: {at}s, type: rollout, deployment: d{i}, template: {{metadata: {{labels: {{app: d{i}, version: v2}}}}, \
             spec: {{containers: [{{name: c, resources: {{requests: {{cpu: 200m, memory: 100Mi}}}}}}]}}}}{crash}}}\n"
        );
        if let Some(after) = rollback {
            y += &format!(
                "  - {{at: {}s, type: rollback, deployment: d{i}}}\n",
                (at + after).min(1200)
            );
        }
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
    if let Some(t) = traffic {
        render_traffic(&mut y, deploys.len(), t);
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
        traffic in prop::option::of(traffic()),
    ) {
        let text = render(seed, (policy, cycle_ms), &pools, &deploys, &jobs, &faults, traffic.as_ref());
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

/// Budgets, a quota and a drain added to a random scenario (priorities dropped, so that
/// drains are the only disruption).
#[derive(Debug, Clone)]
struct Disruption {
    /// Per Deployment: 0 minAvailable n, 1 minAvailable n%, 2 maxUnavailable n,
    /// 3 maxUnavailable n%, with the value.
    budgets: Vec<(u32, u32)>,
    quota_pods: u32,
    quota_jobs: u32,
    quota_cpu_m: u32,
    drain_at_s: u32,
    one_at_a_time: bool,
    uncordon_after_s: Option<u32>,
}

fn disruption() -> impl Strategy<Value = Disruption> {
    (
        prop::collection::vec((0u32..4, 0u32..101), 4),
        1u32..30,
        1u32..20,
        1u32..20_000,
        0u32..900,
        any::<bool>(),
        prop::option::of(0u32..120),
    )
        .prop_map(
            |(
                budgets,
                quota_pods,
                quota_jobs,
                quota_cpu_m,
                drain_at_s,
                one_at_a_time,
                uncordon_after_s,
            )| {
                Disruption {
                    budgets,
                    quota_pods,
                    quota_jobs,
                    quota_cpu_m,
                    drain_at_s,
                    one_at_a_time,
                    uncordon_after_s,
                }
            },
        )
}

fn render_disruption(base: String, deploys: usize, has_jobs: bool, d: &Disruption) -> String {
    let mut y = base.replace("            priorityClassName: high\n", "");
    y += "podDisruptionBudgets:\n";
    for (i, (kind, v)) in d.budgets.iter().take(deploys).enumerate() {
        let field = [
            "minAvailable",
            "minAvailable",
            "maxUnavailable",
            "maxUnavailable",
        ][*kind as usize];
        let value = if kind % 2 == 1 {
            format!("\"{v}%\"")
        } else {
            (v % 10).to_string()
        };
        y += &format!(
            "  - metadata: {{name: b{i}}}\n    spec: {{{field}: {value}, selector: {{matchLabels: {{app: d{i}}}}}}}\n"
        );
    }
    // A cpu quota needs every container to request cpu: the Jobs' do not.
    let cpu = if has_jobs {
        String::new()
    } else {
        format!(", requests.cpu: {}m", d.quota_cpu_m)
    };
    y += &format!(
        "resourceQuotas:\n  - metadata: {{name: q}}\n    spec: {{hard: {{pods: {}, count/jobs.batch: {}{cpu}}}}}\n",
        d.quota_pods, d.quota_jobs
    );
    let after = d
        .uncordon_after_s
        .map(|s| format!(", uncordonAfter: {s}s"))
        .unwrap_or_default();
    y += &format!(
        "events:\n  - {{at: {}s, type: drain, pool: p0, oneAtATime: {}{after}}}\n",
        d.drain_at_s, d.one_at_a_time
    );
    y
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// After every event: no quota is exceeded (recounted from the pods), and no event
    /// takes a budget's healthy pods below what it desires.
    #[test]
    fn budgets_and_quotas_hold_after_every_event(
        seed in 0u64..1000,
        policy in 0usize..POLICIES.len(),
        pools in prop::collection::vec(pool(), 1..3),
        deploys in prop::collection::vec(deploy(), 1..4),
        jobs in prop::collection::vec(job(), 0..2),
        d in disruption(),
    ) {
        // Drains are the only disruption here: no node fails, no rollout replaces pods,
        // no container crashes.
        let pools: Vec<Pool> = pools.into_iter().map(|p| Pool { failures: None, ..p }).collect();
        let deploys: Vec<Deploy> = deploys.into_iter().map(|d| Deploy { rollout: None, ..d }).collect();
        let jobs: Vec<JobStream> = jobs.into_iter().map(|j| JobStream { crash: None, ..j }).collect();
        let base = render(seed, (policy, 0), &pools, &deploys, &jobs, &[], None);
        let text = render_disruption(base, deploys.len(), !jobs.is_empty(), &d);
        let s = scenario(&text);
        let mut sim = kubesim::Simulation::new(&s, Box::new(std::io::sink()), Box::new(std::io::sink()))
            .expect("simulation builds");
        sim.check_every_event(true);
        let healthy = |c: &kubesim::cluster::ClusterState| -> Vec<(u32, u32)> {
            s.pdbs
                .iter()
                .map(|b| {
                    let st = kubesim::cluster::disruption::status(c, b);
                    (st.current_healthy, st.desired_healthy)
                })
                .collect()
        };
        let mut before = healthy(sim.cluster());
        while sim.step().expect("step") {
            let now = healthy(sim.cluster());
            // Only evictions take Ready pods away here: none may leave fewer healthy pods
            // than desired. (Desired itself may rise while a budget has no pods yet, as
            // upstream's expected count is 0 until it sees a pod.)
            for (k, &(current, desired)) in now.iter().enumerate() {
                prop_assert!(
                    current >= desired || current >= before[k].0,
                    "budget {} broken at {}", k, sim.now()
                );
            }
            before = now;
            for (q, used) in s.quotas.iter().zip(quota_usage(&s, sim.cluster())) {
                for (h, u) in q.hard.iter().zip(used) {
                    prop_assert!(u <= h.value, "{} at {} over {}", h.key, u, h.value);
                }
            }
        }
    }
}

/// An HPA and a cluster autoscaler added to a random scenario.
#[derive(Debug, Clone)]
struct Autoscale {
    /// Extra nodes the last pool may grow by.
    room: u32,
    expander: usize,
    /// Provisioning delay, s (some beyond the 5-minute maxNodeProvisionTime).
    delay_s: u32,
    /// cpuLoad of the first Deployment, cores (when no Service selects it).
    load: u32,
    target_percent: u32,
}

fn autoscale() -> impl Strategy<Value = Autoscale> {
    (1u32..6, 0usize..4, 10u32..400, 1u32..12, 20u32..90).prop_map(
        |(room, expander, delay_s, load, target_percent)| Autoscale {
            room,
            expander,
            delay_s,
            load,
            target_percent,
        },
    )
}

/// `base` with its last pool made a node group (bounds 0 … count + room), every `addedAt`
/// dropped (a cluster autoscaler needs the pools from the start), a cluster autoscaler
/// with short timers, and an HPA on the first Deployment (driven by a CPU load unless a
/// Service serves it).
fn render_autoscale(base: String, pools: &[Pool], served: bool, a: &Autoscale) -> String {
    let last = pools.len() - 1;
    let mut y: String = base
        .lines()
        .filter(|l| !l.contains("addedAt"))
        .map(|l| format!("{l}\n"))
        .collect();
    let at = y
        .find(&format!("    - name: p{last}\n"))
        .expect("last pool");
    let reserved = "      reserved: {cpu: 100m}\n";
    let end = at + y[at..].find(reserved).expect("pool reserved") + reserved.len();
    y.insert_str(
        end,
        &format!(
            "      pricePerHour: 1\n      autoscaling: {{minCount: 0, maxCount: {}, provisioningDelay: {{uniform: {{min: 10s, max: {}s}}}}}}\n",
            pools[last].count + a.room,
            a.delay_s
        ),
    );
    if !served {
        y = y.replacen(
            "      simulation: {startupDelay:",
            &format!(
                "      simulation: {{cpuLoad: {{constant: {}}}, startupDelay:",
                a.load
            ),
            1,
        );
    }
    y += &format!(
        "clusterAutoscaler: {{expander: {}, scaleDownUnneededTime: 2m, scaleDownDelayAfterAdd: 1m, maxNodeProvisionTime: 5m}}\n",
        kubesim::autoscaling::spec::Expander::NAMES[a.expander]
    );
    y += &format!(
        "horizontalPodAutoscalers:\n  - metadata: {{name: d0}}\n    spec:\n      scaleTargetRef: {{kind: Deployment, name: d0}}\n      maxReplicas: 12\n      metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {}}}}}}}]\n",
        a.target_percent
    );
    y
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// With autoscalers at work, the invariants hold after every event, and at the end each
    /// node group's nodes lie within its bounds.
    #[test]
    fn invariants_hold_with_autoscalers(
        seed in 0u64..1000,
        pools in prop::collection::vec(pool(), 1..3),
        deploys in prop::collection::vec(deploy(), 1..3),
        jobs in prop::collection::vec(job(), 0..2),
        faults in prop::collection::vec(fault(), 0..2),
        traffic in prop::option::of(traffic()),
        a in autoscale(),
    ) {
        // Pinned pods name nodes that may be deleted: keep them out.
        let deploys: Vec<Deploy> = deploys.into_iter().map(|d| Deploy { pinned: None, ..d }).collect();
        let jobs: Vec<JobStream> = jobs.into_iter().map(|j| JobStream { pinned: false, ..j }).collect();
        let base = render(seed, (0, 0), &pools, &deploys, &jobs, &faults, traffic.as_ref());
        let text = render_autoscale(base, &pools, traffic.is_some(), &a);
        let (s, o) = run_checked(&text);
        let c = &o.cluster;
        for (i, pool) in s.pools.iter().enumerate() {
            if let Some(g) = &pool.autoscaling {
                let present = (0..c.nodes.len())
                    .filter(|&n| c.nodes.pool[n].index() == i && !c.nodes.removed[n])
                    .count() as u32;
                prop_assert!(present >= g.min && present <= g.max, "{} nodes in {}", present, pool.name);
            }
        }
    }
}
