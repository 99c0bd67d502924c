//! The quick suite: which workloads, which contenders, how many items, and the targets.

use std::time::Duration;

use queue_benches::peers::*;
use queue_benches::stats::{mega_per_sec, percentile};
use queue_benches::workloads::{self, TaskQueue};

use crate::report::{Better, Case, Contender, Metric};

const NS_PAIR: Metric = Metric { name: "ns per push+pop", better: Better::Lower };
pub(crate) const THROUGHPUT: Metric = Metric { name: "M items/s", better: Better::Higher };
const P50: Metric = Metric { name: "p50 µs", better: Better::Lower };
const P99: Metric = Metric { name: "p99 µs", better: Better::Lower };

/// Sizes of the quick suite, scaled by `--scale` (1.0 is the default run; how long it takes is in
/// docs/performance.md, "How to run it").
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub single: u64,
    pub threaded: u64,
    pub bounded_one: u64,
    pub ping_pongs: usize,
    pub tasks: u64,
}

impl Sizes {
    pub fn scaled(scale: f64) -> Self {
        let s = |n: f64| ((n * scale) as u64).max(12) / 12 * 12;
        Sizes {
            single: s(200_000.0),
            threaded: s(240_000.0),
            bounded_one: s(24_000.0),
            ping_pongs: s(4_000.0) as usize,
            tasks: s(240_000.0),
        }
    }
}

fn alternating<C: Channel + 'static>(capacity: Option<usize>, resident: u64, ops: u64) -> Contender {
    Contender {
        name: C::NAME,
        run: Box::new(move || {
            vec![workloads::alternating::<C>(capacity, resident, ops).as_nanos() as f64 / ops as f64]
        }),
    }
}

/// Nanoseconds per item of `workloads::fill_drain` at `n`, repeated until about `items` items
/// went through (at least once), so that small `n` are timed over many fills.
fn fill_drain<C: Channel + 'static>(n: u64, items: u64) -> Contender {
    Contender {
        name: C::NAME,
        run: Box::new(move || {
            let reps = (items / n).max(1);
            let total: Duration = (0..reps).map(|_| workloads::fill_drain::<C>(None, n)).sum();
            vec![total.as_nanos() as f64 / (reps * n) as f64]
        }),
    }
}

pub(crate) fn throughput<C: Channel + 'static>(
    capacity: Option<usize>,
    p: usize,
    c: usize,
    items: u64,
) -> Contender {
    Contender {
        name: C::NAME,
        run: Box::new(move || {
            let d = workloads::throughput::<C>(capacity, p, c, items).expect("shape supported");
            vec![mega_per_sec(items, d)]
        }),
    }
}

fn ping_pong<C: Channel + 'static>(rounds: usize) -> Contender {
    Contender {
        name: C::NAME,
        run: Box::new(move || {
            let s = workloads::ping_pong::<C>(None, rounds / 4, rounds).expect("unbounded supported");
            let us = |d: Duration| d.as_secs_f64() * 1e6;
            vec![us(percentile(&s, 50.0)), us(percentile(&s, 99.0))]
        }),
    }
}

fn join_pool<Q: TaskQueue>(tasks: u64) -> Contender {
    Contender {
        name: Q::NAME,
        run: Box::new(move || vec![mega_per_sec(tasks, workloads::join_pool::<Q>(4, tasks))]),
    }
}

/// The whole quick suite.
pub fn all(n: Sizes) -> Vec<Case> {
    let mut cases = Vec::new();
    let one = |section, label: &str, metric, ours, peers, targets| Case {
        section,
        label: label.to_string(),
        metrics: vec![metric],
        ours,
        peers,
        targets,
    };

    // Single thread: the cost of the operations themselves.
    let st = "Single thread (64 resident unless stated; one push then one pop per step)";
    cases.push(one(
        st,
        "MsQueue push+pop",
        NS_PAIR,
        alternating::<CoreMsQueue>(None, 64, n.single),
        vec![
            alternating::<SegQueuePeer>(None, 64, n.single),
            alternating::<ArrayQueuePeer>(Some(128), 64, n.single),
            alternating::<MutexDeque>(None, 64, n.single),
        ],
        vec![("SegQueue", 0.5)],
    ));
    cases.push(one(
        st,
        "Queue put+get, never blocking",
        NS_PAIR,
        alternating::<OurQueue>(None, 64, n.single),
        vec![
            alternating::<SegQueuePeer>(None, 64, n.single),
            alternating::<CrossbeamChannel>(None, 64, n.single),
            alternating::<Flume>(None, 64, n.single),
            alternating::<Kanal>(None, 64, n.single),
            alternating::<MutexDeque>(None, 64, n.single),
        ],
        vec![("SegQueue", 0.5)],
    ));
    // SimpleQueue has no maxsize, task count or shutdown: the gap between it and `Queue` is the
    // cost of those counters, and between it and `MsQueue` the cost of the blocking layer's core.
    cases.push(one(
        st,
        "SimpleQueue put+get, never blocking",
        NS_PAIR,
        alternating::<OurSimple>(None, 64, n.single),
        vec![alternating::<SegQueuePeer>(None, 64, n.single), alternating::<CoreMsQueue>(None, 64, n.single)],
        vec![],
    ));
    cases.push(one(
        st,
        "TreiberStack push+pop",
        NS_PAIR,
        alternating::<CoreTreiber>(None, 64, n.single),
        vec![alternating::<MutexStack>(None, 64, n.single)],
        vec![],
    ));
    for (resident, label) in [(1_000, "priority, 1k resident"), (100_000, "priority, 100k resident")] {
        cases.push(one(
            st,
            &format!("SkipListPq {label}"),
            NS_PAIR,
            alternating::<CoreSkipList>(None, resident, n.single),
            vec![
                alternating::<MutexHeap>(None, resident, n.single),
                alternating::<SkipSetPeer>(None, resident, n.single),
            ],
            vec![],
        ));
    }
    // Issue 22's single-thread rows: the blocking `PriorityQueue` at two sizes, in the hold model
    // and as put N then get N, against a heap behind a mutex (target 0.5×) and crossbeam's SkipSet.
    for (size, label) in [(1_000, "1k"), (100_000, "100k")] {
        cases.push(one(
            st,
            &format!("PriorityQueue, {label} resident"),
            NS_PAIR,
            alternating::<OurPriority>(None, size, n.single),
            vec![
                alternating::<MutexHeap>(None, size, n.single),
                alternating::<SkipSetPeer>(None, size, n.single),
            ],
            vec![("Mutex<BinaryHeap>+Condvar", 0.5)],
        ));
        cases.push(one(
            st,
            &format!("PriorityQueue put {label} then get {label}"),
            NS_PAIR,
            fill_drain::<OurPriority>(size, n.single),
            vec![fill_drain::<MutexHeap>(size, n.single), fill_drain::<SkipSetPeer>(size, n.single)],
            vec![("Mutex<BinaryHeap>+Condvar", 0.5)],
        ));
    }

    // Threads: producers/consumers through one queue.
    let shapes = [(1, 1), (2, 2), (4, 4)];
    for cap in [None, Some(1), Some(64), Some(1024)] {
        let items = if cap == Some(1) { n.bounded_one } else { n.threaded };
        let name = cap.map_or("unbounded".to_string(), |c| format!("bounded({c})"));
        for (p, c) in shapes {
            let mut peers = vec![
                throughput::<CrossbeamChannel>(cap, p, c, items),
                throughput::<Flume>(cap, p, c, items),
                throughput::<Kanal>(cap, p, c, items),
            ];
            if c == 1 {
                peers.push(throughput::<StdMpsc>(cap, p, c, items));
            }
            peers.push(throughput::<MutexDeque>(cap, p, c, items));
            let mut targets = vec![];
            if p <= 2 {
                targets.extend([("crossbeam-channel", 1.0), ("flume", 1.0)]);
            }
            if cap == Some(1024) && p == 4 {
                targets.push(("Mutex<VecDeque>+Condvar", 1.0));
            }
            cases.push(one(
                "Threads, FIFO (producers/consumers)",
                &format!("Queue {name} {p}/{c}"),
                THROUGHPUT,
                throughput::<OurQueue>(cap, p, c, items),
                peers,
                targets,
            ));
        }
    }
    cases.push(one(
        "Threads, FIFO (producers/consumers)",
        "SimpleQueue unbounded 1/1",
        THROUGHPUT,
        throughput::<OurSimple>(None, 1, 1, n.threaded),
        vec![
            throughput::<CrossbeamChannel>(None, 1, 1, n.threaded),
            throughput::<OurQueue>(None, 1, 1, n.threaded),
        ],
        vec![],
    ));
    for (p, c) in shapes {
        cases.push(one(
            "Threads, core structures (spinning ends)",
            &format!("MsQueue {p}/{c}"),
            THROUGHPUT,
            throughput::<CoreMsQueue>(None, p, c, n.threaded),
            vec![throughput::<SegQueuePeer>(None, p, c, n.threaded)],
            vec![],
        ));
    }
    for (p, c) in [(1, 1), (2, 2), (4, 4)] {
        cases.push(one(
            "Threads, priority and LIFO",
            &format!("PriorityQueue {p}/{c}"),
            THROUGHPUT,
            throughput::<OurPriority>(None, p, c, n.threaded),
            vec![
                throughput::<MutexHeap>(None, p, c, n.threaded),
                throughput::<SkipSetPeer>(None, p, c, n.threaded),
            ],
            if p >= 2 { vec![("Mutex<BinaryHeap>+Condvar", 1.0)] } else { vec![] },
        ));
    }
    for (p, c) in [(1, 1), (4, 4)] {
        cases.push(one(
            "Threads, priority and LIFO",
            &format!("LifoQueue {p}/{c}"),
            THROUGHPUT,
            throughput::<OurLifo>(None, p, c, n.threaded),
            vec![throughput::<MutexStack>(None, p, c, n.threaded)],
            if p == 4 { vec![("Mutex<Vec>+Condvar", 1.0)] } else { vec![] },
        ));
    }
    cases.push(one(
        "Threads, priority and LIFO",
        "SkipListPq 2/2",
        THROUGHPUT,
        throughput::<CoreSkipList>(None, 2, 2, n.threaded),
        vec![throughput::<SkipSetPeer>(None, 2, 2, n.threaded)],
        vec![],
    ));

    // Latency and task tracking.
    cases.push(Case {
        section: "Hand-off latency (ping-pong through two unbounded queues)",
        label: "Queue round trip".to_string(),
        metrics: vec![P50, P99],
        ours: ping_pong::<OurQueue>(n.ping_pongs),
        peers: vec![
            ping_pong::<CrossbeamChannel>(n.ping_pongs),
            ping_pong::<Flume>(n.ping_pongs),
            ping_pong::<Kanal>(n.ping_pongs),
            ping_pong::<StdMpsc>(n.ping_pongs),
        ],
        targets: vec![("crossbeam-channel", 1.0)],
    });
    cases.push(one(
        "task_done/join (4 workers, unbounded)",
        "Queue worker pool, join",
        THROUGHPUT,
        join_pool::<queue_blocking::Queue<u64>>(n.tasks),
        vec![join_pool::<CondvarQueue<std::collections::VecDeque<u64>>>(n.tasks)],
        vec![("Mutex<VecDeque>+Condvar", 1.0)],
    ));
    cases
}
