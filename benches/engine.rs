//! Event-engine benchmarks.
//!
//! `hold`: the classic hold model on the real `EventQueue` and `Event` type: with N events
//! pending, pop the earliest and push one at an exponential increment (mean 1 s), so the
//! queue stays at N. Reported as events per second (one pop + one push per event).
//!
//! `scenario`: a whole run of a shortened bench scenario (10,000 jobs on 1,000 nodes),
//! without output files, to catch regressions across the engine, scheduler and controllers.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kubesim::cluster::ids::PodId;
use kubesim::engine::event::Event;
use kubesim::engine::queue::EventQueue;
use kubesim::engine::time::secs_to_nanos;
use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use std::hint::black_box;

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    const OPS: u64 = 100_000;
    group.throughput(Throughput::Elements(OPS));
    for &pending in &[1_000usize, 100_000, 1_000_000] {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let exp = Exp::new(1.0).expect("rate 1 is valid");
        // Pre-draw increments so the benchmark measures the queue, not the generator.
        let incs: Vec<u64> = (0..1 << 16)
            .map(|_| secs_to_nanos(exp.sample(&mut rng)))
            .collect();
        let mut q = EventQueue::with_capacity(pending + 1);
        for i in 0..pending {
            q.push(
                incs[i % incs.len()],
                Event::PodStarted {
                    pod: PodId(i as u32),
                    generation: 0,
                },
            );
        }
        let mut k = 0usize;
        group.bench_with_input(BenchmarkId::from_parameter(pending), &pending, |b, _| {
            b.iter(|| {
                for _ in 0..OPS {
                    let (t, ev) = q.pop().expect("the hold model never empties the queue");
                    k = (k + 1) & (incs.len() - 1);
                    q.push(t + incs[k], black_box(ev));
                }
            })
        });
    }
    group.finish();
}

fn scenario(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/bench-1k-nodes-100k-jobs.yaml"
    );
    let text = std::fs::read_to_string(path).expect("bundled scenario is readable");
    let text = text.replace("limit: 100000", "limit: 10000");
    let s = kubesim::scenario::load_str(&text, path, std::path::Path::new("scenarios"))
        .expect("bundled scenario is valid");
    let mut group = c.benchmark_group("scenario");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("bench-1k-nodes-10k-jobs", |b| {
        b.iter(|| kubesim::run(&s, None, None).expect("runs"))
    });
    group.finish();
}

criterion_group!(benches, hold, scenario);
criterion_main!(benches);
