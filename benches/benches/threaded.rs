//! Producers and consumers through one queue: 1/1, 2/2 and 4/4 threads (4/4 oversubscribes a
//! 2-core machine: a robustness test), unbounded and bounded (1, 64, 1024). Each sample starts its
//! threads, lines them up on a barrier and times from the barrier to the last thread's finish
//! (`workloads::throughput`), reported as elements per second.

use std::time::Duration;

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use queue_benches::peers::*;
use queue_benches::workloads::throughput;

const ITEMS: u64 = 100_000;
/// Bounded(1) hands over one item per wake-up: fewer items keep a sample short.
const ITEMS_CAP1: u64 = 10_000;

fn one<C: Channel>(g: &mut BenchmarkGroup<'_, WallTime>, cap: Option<usize>, p: usize, c: usize) {
    let items = if cap == Some(1) { ITEMS_CAP1 } else { ITEMS };
    // A shape the contender cannot take (several consumers on std's mpsc) is skipped.
    if throughput::<C>(cap, p, c, 12).is_none() {
        return;
    }
    g.throughput(Throughput::Elements(items));
    g.bench_function(C::NAME, |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| throughput::<C>(cap, p, c, items).expect("shape checked above"))
                .sum::<Duration>()
        })
    });
}

fn group<'a>(c: &'a mut Criterion, name: String) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    g
}

fn fifo(c: &mut Criterion) {
    for cap in [None, Some(1), Some(64), Some(1024)] {
        let cap_name = cap.map_or("unbounded".to_string(), |n| format!("bounded{n}"));
        for (p, k) in [(1, 1), (2, 2), (4, 4)] {
            let mut g = group(c, format!("fifo_{cap_name}/{p}x{k}"));
            one::<OurQueue>(&mut g, cap, p, k);
            if cap.is_none() {
                one::<OurSimple>(&mut g, cap, p, k);
                one::<CoreMsQueue>(&mut g, cap, p, k);
                one::<SegQueuePeer>(&mut g, cap, p, k);
            } else {
                one::<ArrayQueuePeer>(&mut g, cap, p, k);
            }
            one::<CrossbeamChannel>(&mut g, cap, p, k);
            one::<Flume>(&mut g, cap, p, k);
            one::<StdMpsc>(&mut g, cap, p, k);
            one::<MutexDeque>(&mut g, cap, p, k);
            g.finish();
        }
    }
}

fn lifo_and_priority(c: &mut Criterion) {
    for (p, k) in [(1, 1), (2, 2), (4, 4)] {
        let mut g = group(c, format!("lifo/{p}x{k}"));
        one::<OurLifo>(&mut g, None, p, k);
        one::<CoreTreiber>(&mut g, None, p, k);
        one::<MutexStack>(&mut g, None, p, k);
        g.finish();

        let mut g = group(c, format!("priority/{p}x{k}"));
        one::<OurPriority>(&mut g, None, p, k);
        one::<CoreSkipList>(&mut g, None, p, k);
        one::<MutexHeap>(&mut g, None, p, k);
        one::<SkipSetPeer>(&mut g, None, p, k);
        g.finish();
    }
}

criterion_group!(benches, fifo, lifo_and_priority);
criterion_main!(benches);
