//! Load-balancer benchmark: picks per second of every policy at 10, 100 and 1,000
//! endpoints. Active-request counts are random but fixed, 1 to 8 per endpoint (a busy
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

const POLICIES: [LbSpec; 13] = [
    LbSpec::RoundRobin,
    LbSpec::Random,
    LbSpec::WeightedRoundRobin,
    LbSpec::LeastConnections,
    LbSpec::PowerOfD { d: 2 },
    LbSpec::PowerOfD { d: 3 },
    LbSpec::RingHash,
    LbSpec::Maglev,
    LbSpec::Iptables,
    LbSpec::IpvsRr,
    LbSpec::IpvsLc,
    LbSpec::IpvsSed,
    LbSpec::IpvsNq,
];

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
        for spec in POLICIES {
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

criterion_group!(benches, picks);
criterion_main!(benches);
