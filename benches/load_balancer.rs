//! Load-balancer benchmark: picks per second of every policy at 10, 100 and 1,000
//! endpoints, and simulated requests per wall second of a whole traffic run. Active-request counts are random but fixed, 1 to 8 per endpoint (a busy
//! Service: no endpoint is idle, so no least-loaded scan can stop early at a 0), and keys
//! come from a fixed sequence, so each iteration sees the same inputs; set_endpoints runs
//! once, outside the measurement, as it does between endpoint changes in a run.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kubesim::cluster::ids::PodId;
use kubesim::engine::rng::StreamKey;
use kubesim::traffic::load_balancers::{Endpoint, LbSpec, Pick};
use rand::Rng;
use std::hint::black_box;

/// Picks per measured iteration, so the per-iteration overhead is negligible.
const PICKS: u64 = 1_000;

fn picks(c: &mut Criterion) {
    let mut group = c.benchmark_group("lb_pick");
    group.throughput(Throughput::Elements(PICKS));
    for n in [10u32, 100, 1_000] {
        let mut setup = StreamKey::new(1, "bench/setup").rng();
        let endpoints: Vec<Endpoint> = (0..n)
            .map(|i| Endpoint {
                pod: PodId(i),
                cpu_millis: setup.random_range(1..=8) * 250,
            })
            .collect();
        let active: Vec<u32> = (0..n).map(|_| setup.random_range(1..=8)).collect();
        // Keys as a Service's uniform key space would draw them.
        let keys: Vec<u64> = (0..PICKS).map(|_| setup.random_range(0..100_000)).collect();
        for spec in LbSpec::EVERY {
            let mut lb = spec.build();
            lb.set_endpoints(&endpoints);
            let mut rng = StreamKey::new(1, "bench/lb").rng();
            group.bench_with_input(BenchmarkId::new(spec.name(), n), &n, |b, _| {
                b.iter(|| {
                    let mut sum = 0usize;
                    for &key in &keys {
                        let request = Pick {
                            key,
                            active: &active,
                        };
                        sum += lb.pick(black_box(&request), &mut rng);
                    }
                    black_box(sum)
                })
            });
        }
    }
    group.finish();
}

/// Simulated requests per wall second: scenarios/lb-shootout.yaml (one Service over 100
/// single-worker pods at 90 % load, latency histograms on) shortened to one simulated
/// minute, about 500,000 requests, under a few policies. The throughput counts the
/// requests that arrived, read from the run's own summary.
fn traffic(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/lb-shootout.yaml");
    let text = std::fs::read_to_string(path).expect("bundled scenario is readable");
    let text = text
        .replace("duration: 10m", "duration: 60s")
        .replace("warmup: 60s", "warmup: 0s");
    let mut group = c.benchmark_group("traffic");
    group.sample_size(10);
    for lb in ["random", "round-robin", "least-connections", "power-of-two"] {
        let overrides = kubesim::scenario::Overrides {
            lb: Some(lb.to_string()),
            ..Default::default()
        };
        let s = kubesim::scenario::load_str_with(
            &text,
            path,
            std::path::Path::new("scenarios"),
            overrides,
        )
        .expect("bundled scenario is valid");
        let arrived: u64 = kubesim::run(&s, None, None)
            .expect("runs")
            .get("requests_arrived")
            .and_then(|v| v.parse().ok())
            .expect("the summary counts requests");
        group.throughput(Throughput::Elements(arrived));
        group.bench_function(BenchmarkId::new("lb-shootout-60s", lb), |b| {
            b.iter(|| kubesim::run(&s, None, None).expect("runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, picks, traffic);
criterion_main!(benches);
