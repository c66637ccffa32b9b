//! Scheduler benchmark: one scheduling cycle (PreFilter, Filter, PreScore, Score,
//! NormalizeScore, select) of the default profile, in pods per second.
//!
//! Nodes (100 to 15,000, 16 cores / 64 GiB) are spread over 3 zones, every tenth one
//! tainted; about half of them hold existing pods labelled `app: web`. The pod placed has a
//! zone topology-spread constraint (DoNotSchedule), a preferred anti-affinity against
//! `app: web` per host and a toleration for the taint, so every default plugin does real
//! work. `sampled` uses the default adaptive `percentageOfNodesToScore`; `all-nodes` scores
//! every node (100 %). The decision is not bound, so each iteration sees the same cluster
//! (the score caches are warm, as they are between pods of one shape in a run).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kubesim::cluster::ClusterState;
use kubesim::cluster::NewPod;
use kubesim::cluster::OwnerKind;
use kubesim::cluster::ids::{PodId, WorkloadId};
use kubesim::cluster::resources::{CPU, MEMORY, Resources};
use kubesim::engine::rng::StreamKey;
use kubesim::scheduler::framework::Profile;
use std::hint::black_box;

fn scenario_text(nodes: usize) -> String {
    let tainted = nodes / 10;
    format!(
        r#"
apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: scheduler-bench}}
cluster:
  nodePools:
    - {{name: plain, count: {plain}, zones: [a, b, c], capacity: {{cpu: 16, memory: 64Gi}}}}
    - name: special
      count: {tainted}
      zones: [a, b, c]
      capacity: {{cpu: 16, memory: 64Gi}}
      taints: [{{key: dedicated, value: batch, effect: NoSchedule}}]
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        replicas: 1
        template:
          metadata: {{labels: {{app: web}}}}
          spec:
            tolerations: [{{key: dedicated, operator: Exists}}]
            containers: [{{name: c, resources: {{requests: {{cpu: "2", memory: 8Gi}}}}}}]
    - metadata: {{name: api}}
      spec:
        replicas: 1
        template:
          metadata: {{labels: {{app: api}}}}
          spec:
            tolerations: [{{key: dedicated, operator: Equal, value: batch, effect: NoSchedule}}]
            topologySpreadConstraints:
              - maxSkew: 1
                topologyKey: topology.kubernetes.io/zone
                whenUnsatisfiable: DoNotSchedule
                labelSelector: {{matchLabels: {{app: api}}}}
            affinity:
              podAntiAffinity:
                preferredDuringSchedulingIgnoredDuringExecution:
                  - weight: 50
                    podAffinityTerm:
                      topologyKey: kubernetes.io/hostname
                      labelSelector: {{matchLabels: {{app: web}}}}
            containers: [{{name: c, resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}}}]
"#,
        plain = nodes - tainted,
    )
}

/// The cluster with existing `web` pods on every other node, and a pending `api` pod.
fn setup(nodes: usize, percentage: Option<u32>) -> (ClusterState, PodId, Profile) {
    let text = scenario_text(nodes);
    let s = kubesim::scenario::load_str(&text, "scheduler-bench.yaml", std::path::Path::new("."))
        .expect("the benchmark scenario is valid");
    let mut c = ClusterState {
        resources: s.resources.clone(),
        zones: s.zones.clone(),
        ..Default::default()
    };
    for n in &s.nodes {
        c.add_node(n.clone());
    }
    c.templates = s.templates.clone();
    let web = c.add_owner("web".into(), OwnerKind::Deployment(WorkloadId(0)));
    let api = c.add_owner("api".into(), OwnerKind::Deployment(WorkloadId(1)));
    let pod = |c: &mut ClusterState, owner: u32, template: u32, cpu: i64, gib: i64| {
        let mut r = Resources::ZERO;
        r.0[CPU] = cpu;
        r.0[MEMORY] = gib << 30;
        c.create_pod(
            NewPod {
                owner,
                workload: WorkloadId(template),
                template,
                requests: r,
                nonzero_requests: [r.0[CPU], r.0[MEMORY]],
                usage: r,
                startup_delay: 0,
                run_time: None,
            },
            0,
        )
    };
    for i in (0..nodes).step_by(2) {
        // Four 2-core pods: half the node's cpu.
        for _ in 0..4 {
            let p = pod(&mut c, web, 0, 2000, 8);
            c.bind(p, kubesim::cluster::ids::NodeId(i as u32), 0);
        }
    }
    let pending = pod(&mut c, api, 1, 500, 1);
    let mut config = s.scheduler.profiles[0].clone();
    config.percentage_of_nodes_to_score = percentage;
    let profile = Profile::new(&config, None);
    (c, pending, profile)
}

fn cycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("scheduler");
    group.throughput(Throughput::Elements(1));
    for (mode, percentage) in [("sampled", None), ("all-nodes", Some(100))] {
        for nodes in [100usize, 1_000, 5_000, 15_000] {
            let (cluster, pod, mut profile) = setup(nodes, percentage);
            let mut rng = StreamKey::new(1, "scheduler").rng();
            group.bench_with_input(BenchmarkId::new(mode, nodes), &nodes, |b, _| {
                b.iter(|| black_box(profile.schedule(&cluster, pod, &mut rng)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, cycle);
criterion_main!(benches);
