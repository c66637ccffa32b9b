//! What the autoscalers cost: a simulated day of an HPA following a diurnal CPU load and a
//! cluster autoscaler following the replicas (no request traffic, so the time is the
//! metrics scrapes, the HPA syncs, the autoscaler's scans with their what-if copies of the
//! cluster, and the pods and nodes they create), and the bundled `autoscaling-day.yaml`
//! (the same loop driven by 4.75 M simulated requests).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// One day: 40 Deployments' worth of load on a single one (4 to 80 cores), an HPA at 60 %
/// of 2-core pods (about 3 to 67 replicas), 8-CPU nodes from 2 to 40 with 1–4 minute
/// provisioning, and 4-CPU batch Jobs at 30 an hour.
const DAY: &str = "apiVersion: kubesim/v1
kind: Scenario
metadata: {name: autoscaling-bench}
seed: 5
duration: 24h
metrics: {interval: 60s}
cluster:
  nodePools:
    - name: general
      count: 2
      zones: [a, b, c]
      capacity: {cpu: 8, memory: 32Gi}
      reserved: {cpu: 100m, memory: 1Gi}
      pricePerHour: 0.38
      autoscaling: {minCount: 1, maxCount: 40, provisioningDelay: {uniform: {min: 60s, max: 240s}}}
clusterAutoscaler: {expander: least-waste}
workloads:
  deployments:
    - metadata: {name: web}
      spec:
        replicas: 2
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: c, resources: {requests: {cpu: \"2\", memory: 2Gi}, limits: {cpu: \"2\"}}}]
      simulation:
        cpuLoad: {diurnal: {peak: 80, trough: 4, peakAt: 14h}}
  jobs:
    - metadata: {name: batch}
      spec:
        template:
          spec:
            restartPolicy: Never
            containers: [{name: c, resources: {requests: {cpu: \"4\", memory: 8Gi}}}]
      simulation:
        arrivals: {poisson: 30/h}
        runTime: {lognormal: {median: 20m, sigma: 0.5}}
horizontalPodAutoscalers:
  - metadata: {name: web}
    spec:
      scaleTargetRef: {kind: Deployment, name: web}
      minReplicas: 2
      maxReplicas: 100
      metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}]
";

fn autoscaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("autoscaling");
    group.sample_size(10);
    let day = kubesim::scenario::load_str(DAY, "autoscaling-bench.yaml", std::path::Path::new("."))
        .expect("the benchmark scenario is valid");
    // Throughput in simulated hours.
    group.throughput(Throughput::Elements(24));
    group.bench_function("day-cpu-load-hpa-and-cluster-autoscaler", |b| {
        b.iter(|| kubesim::run(&day, None, None).expect("runs"))
    });
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/autoscaling-day.yaml"
    );
    let text = std::fs::read_to_string(path).expect("bundled scenario is readable");
    let bundled = kubesim::scenario::load_str(&text, path, std::path::Path::new("scenarios"))
        .expect("bundled scenario is valid");
    group.bench_function("autoscaling-day-with-traffic", |b| {
        b.iter(|| kubesim::run(&bundled, None, None).expect("runs"))
    });
    group.finish();
}

criterion_group!(benches, autoscaling);
criterion_main!(benches);
