//! One thread, a steady queue of 64 items, one push then one pop per iteration: the cost of the
//! operations themselves (epoch pin, allocation, CAS) without contention. The peers run in the same
//! process so their ratios are comparable on a noisy machine.

use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::sync::Mutex;

use criterion::{Criterion, criterion_group, criterion_main};
use crossbeam_queue::SegQueue;
use queue_core::{MsQueue, SkipListPq, TreiberStack};

const RESIDENT: u64 = 64;

fn fifo(c: &mut Criterion) {
    let mut g = c.benchmark_group("push_pop/fifo");
    let ms = MsQueue::new();
    (0..RESIDENT).for_each(|i| ms.push(i));
    g.bench_function("MsQueue", |b| {
        b.iter(|| {
            ms.push(black_box(1u64));
            black_box(ms.pop())
        })
    });
    let seg = SegQueue::new();
    (0..RESIDENT).for_each(|i| seg.push(i));
    g.bench_function("crossbeam SegQueue", |b| {
        b.iter(|| {
            seg.push(black_box(1u64));
            black_box(seg.pop())
        })
    });
    let m = Mutex::new((0..RESIDENT).collect::<VecDeque<_>>());
    g.bench_function("Mutex<VecDeque>", |b| {
        b.iter(|| {
            m.lock().unwrap().push_back(black_box(1u64));
            black_box(m.lock().unwrap().pop_front())
        })
    });
    g.finish();
}

fn lifo(c: &mut Criterion) {
    let mut g = c.benchmark_group("push_pop/lifo");
    let s = TreiberStack::new();
    (0..RESIDENT).for_each(|i| s.push(i));
    g.bench_function("TreiberStack", |b| {
        b.iter(|| {
            s.push(black_box(1u64));
            black_box(s.pop())
        })
    });
    let m = Mutex::new((0..RESIDENT).collect::<Vec<_>>());
    g.bench_function("Mutex<Vec>", |b| {
        b.iter(|| {
            m.lock().unwrap().push(black_box(1u64));
            black_box(m.lock().unwrap().pop())
        })
    });
    g.finish();
}

fn priority(c: &mut Criterion) {
    let mut g = c.benchmark_group("push_pop/priority");
    // Keys cycle so each push lands at a different place, as in a scheduler.
    let pq = SkipListPq::new();
    (0..RESIDENT).for_each(|i| pq.push(i * 7 % RESIDENT));
    let mut k = 0u64;
    g.bench_function("SkipListPq", |b| {
        b.iter(|| {
            k = (k + 37) % RESIDENT;
            pq.push(black_box(k));
            black_box(pq.pop())
        })
    });
    let m = Mutex::new((0..RESIDENT).map(|i| std::cmp::Reverse(i * 7 % RESIDENT)).collect::<BinaryHeap<_>>());
    let mut k = 0u64;
    g.bench_function("Mutex<BinaryHeap>", |b| {
        b.iter(|| {
            k = (k + 37) % RESIDENT;
            m.lock().unwrap().push(std::cmp::Reverse(black_box(k)));
            black_box(m.lock().unwrap().pop())
        })
    });
    g.finish();
}

criterion_group!(benches, fifo, lifo, priority);
criterion_main!(benches);
