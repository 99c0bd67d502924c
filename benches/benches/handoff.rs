//! Blocking hand-off and task tracking.
//!
//! - `ping_pong/*`: a round trip between two threads through two unbounded queues; criterion
//!   reports the mean round trip. The p50 and p99 come from the `compare` binary, which keeps
//!   every sample (`workloads::ping_pong` returns them sorted).
//! - `join_pool/*`: Python's worker-pool pattern, 4 workers, 10^6 tasks, `task_done` and `join`,
//!   against CPython's design (`Mutex<VecDeque>` with condition variables).

use std::time::Duration;

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use queue_benches::peers::*;
use queue_benches::workloads::{TaskQueue, join_pool, ping_pong};

fn round_trip<C: Channel>(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.bench_function(C::NAME, |b| {
        b.iter_custom(|iters| {
            let samples = ping_pong::<C>(None, 100, iters as usize).expect("unbounded supported");
            samples.iter().sum::<Duration>()
        })
    });
}

fn ping_pongs(c: &mut Criterion) {
    let mut g = c.benchmark_group("ping_pong");
    g.throughput(Throughput::Elements(1));
    round_trip::<OurQueue>(&mut g);
    round_trip::<OurSimple>(&mut g);
    round_trip::<CrossbeamChannel>(&mut g);
    round_trip::<Flume>(&mut g);
    round_trip::<StdMpsc>(&mut g);
    round_trip::<MutexDeque>(&mut g);
    g.finish();
}

const TASKS: u64 = 1_000_000;

fn pool<Q: TaskQueue>(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.bench_function(Q::NAME, |b| b.iter_custom(|iters| (0..iters).map(|_| join_pool::<Q>(4, TASKS)).sum()));
}

fn join_pools(c: &mut Criterion) {
    let mut g = c.benchmark_group("join_pool");
    g.sample_size(10).throughput(Throughput::Elements(TASKS));
    pool::<queue_blocking::Queue<u64>>(&mut g);
    pool::<CondvarQueue<std::collections::VecDeque<u64>>>(&mut g);
    g.finish();
}

criterion_group!(benches, ping_pongs, join_pools);
criterion_main!(benches);
