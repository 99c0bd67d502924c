//! One thread: the cost of the operations themselves (epoch pin, allocation, CAS, the blocking
//! layer's counters) without contention. Every contender runs in the same process, so ratios
//! within one run are comparable on a noisy machine.
//!
//! - `alternating/*`: 64 values resident, one push then one pop per element;
//! - `fill_drain/*`: push 10,000 then pop 10,000;
//! - `priority_{1k,100k}`: one push then one pop with that many values resident.

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use queue_benches::peers::*;
use queue_benches::workloads::{alternating, fill_drain};

const FILL: u64 = 10_000;

fn steady<C: Channel>(g: &mut BenchmarkGroup<'_, WallTime>, capacity: Option<usize>, resident: u64) {
    g.throughput(Throughput::Elements(1));
    g.bench_function(C::NAME, |b| b.iter_custom(|iters| alternating::<C>(capacity, resident, iters)));
}

fn batch<C: Channel>(g: &mut BenchmarkGroup<'_, WallTime>, capacity: Option<usize>) {
    g.throughput(Throughput::Elements(FILL));
    g.bench_function(C::NAME, |b| {
        b.iter_custom(|iters| (0..iters).map(|_| fill_drain::<C>(capacity, FILL)).sum())
    });
}

fn fifo(c: &mut Criterion) {
    let mut g = c.benchmark_group("alternating/fifo");
    steady::<CoreMsQueue>(&mut g, None, 64);
    steady::<OurQueue>(&mut g, None, 64);
    steady::<OurSimple>(&mut g, None, 64);
    steady::<SegQueuePeer>(&mut g, None, 64);
    steady::<ArrayQueuePeer>(&mut g, Some(128), 64);
    steady::<CrossbeamChannel>(&mut g, None, 64);
    steady::<Flume>(&mut g, None, 64);
    steady::<StdMpsc>(&mut g, None, 64);
    steady::<MutexDeque>(&mut g, None, 64);
    g.finish();

    let mut g = c.benchmark_group("fill_drain/fifo");
    batch::<CoreMsQueue>(&mut g, None);
    batch::<OurQueue>(&mut g, None);
    batch::<SegQueuePeer>(&mut g, None);
    batch::<ArrayQueuePeer>(&mut g, Some(FILL as usize));
    batch::<CrossbeamChannel>(&mut g, None);
    batch::<Flume>(&mut g, None);
    batch::<MutexDeque>(&mut g, None);
    g.finish();
}

fn lifo(c: &mut Criterion) {
    let mut g = c.benchmark_group("alternating/lifo");
    steady::<CoreTreiber>(&mut g, None, 64);
    steady::<OurLifo>(&mut g, None, 64);
    steady::<MutexStack>(&mut g, None, 64);
    g.finish();

    let mut g = c.benchmark_group("fill_drain/lifo");
    batch::<CoreTreiber>(&mut g, None);
    batch::<OurLifo>(&mut g, None);
    batch::<MutexStack>(&mut g, None);
    g.finish();
}

fn priority(c: &mut Criterion) {
    for (name, resident) in [("priority_1k", 1_000), ("priority_100k", 100_000)] {
        let mut g = c.benchmark_group(format!("alternating/{name}"));
        steady::<CoreSkipList>(&mut g, None, resident);
        steady::<OurPriority>(&mut g, None, resident);
        steady::<MutexHeap>(&mut g, None, resident);
        steady::<SkipSetPeer>(&mut g, None, resident);
        g.finish();
    }
    let mut g = c.benchmark_group("fill_drain/priority");
    batch::<CoreSkipList>(&mut g, None);
    batch::<OurPriority>(&mut g, None);
    batch::<MutexHeap>(&mut g, None);
    batch::<SkipSetPeer>(&mut g, None);
    g.finish();
}

criterion_group!(benches, fifo, lifo, priority);
criterion_main!(benches);
