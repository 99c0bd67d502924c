//! Multi-producer, multi-consumer stress: 4 producers and 4 consumers move a million distinct items
//! through each structure. Every item must come out exactly once (per-value hit counters: nothing
//! lost, nothing duplicated, nothing invented), and for the FIFO queue every consumer must see each
//! producer's items in the order that producer pushed them. A watchdog turns a hang into a failure.

mod common;

use std::sync::Barrier;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::*};
use std::time::Duration;

use common::Watchdog;
use queue_core::{MsQueue, RawQueue, SegmentedQueue, SkipListPq, TreiberStack};

const PRODUCERS: usize = if cfg!(miri) { 1 } else { 4 };
const CONSUMERS: usize = if cfg!(miri) { 1 } else { 4 };
/// Items per producer; 4 x 250_000 = 1_000_000 items per structure.
const PER_PRODUCER: usize = if cfg!(miri) { 30 } else { 250_000 };
const WATCHDOG: Duration = Duration::from_secs(120);

/// Runs the scenario on `Q`; item `p * PER_PRODUCER + i` is the `i`-th item of producer `p`.
/// `per_producer_fifo` additionally checks that each consumer sees each producer's items in
/// increasing order.
fn mpmc<Q: RawQueue<usize> + Sync>(what: &'static str, per_producer_fifo: bool) {
    let (per_producer, total) = (PER_PRODUCER, PRODUCERS * PER_PRODUCER);
    let _watchdog = Watchdog::start(what, WATCHDOG);
    let q = Q::default();
    let hits: Vec<AtomicU8> = (0..total).map(|_| AtomicU8::new(0)).collect();
    let popped = AtomicUsize::new(0);
    let producers_done = AtomicUsize::new(0);
    let start = Barrier::new(PRODUCERS + CONSUMERS);

    std::thread::scope(|s| {
        for p in 0..PRODUCERS {
            let (q, start, producers_done) = (&q, &start, &producers_done);
            s.spawn(move || {
                start.wait();
                for i in 0..per_producer {
                    q.push(p * per_producer + i);
                }
                producers_done.fetch_add(1, SeqCst);
            });
        }
        for c in 0..CONSUMERS {
            let (q, start, producers_done, popped, hits) = (&q, &start, &producers_done, &popped, &hits);
            s.spawn(move || {
                start.wait();
                let mut last_seen: Vec<Option<usize>> = vec![None; PRODUCERS];
                loop {
                    if popped.load(SeqCst) == total {
                        break;
                    }
                    // Read before popping: if every producer had finished before a pop that finds
                    // nothing, the structure is empty for good, and any item not yet counted is lost
                    // (the check after the join reports it instead of waiting for the watchdog).
                    let all_pushed = producers_done.load(SeqCst) == PRODUCERS;
                    match q.pop() {
                        Some(v) => {
                            assert!(v < total, "consumer {c} popped {v}, which was never pushed");
                            let before = hits[v].fetch_add(1, Relaxed);
                            assert_eq!(before, 0, "consumer {c} popped {v}, which was already popped");
                            if per_producer_fifo {
                                let p = v / per_producer;
                                if let Some(prev) = last_seen[p] {
                                    assert!(
                                        prev < v,
                                        "consumer {c} saw producer {p}'s item {v} after {prev}: FIFO violated"
                                    );
                                }
                                last_seen[p] = Some(v);
                            }
                            popped.fetch_add(1, SeqCst);
                        }
                        None if all_pushed => break,
                        None => std::hint::spin_loop(),
                    }
                }
            });
        }
    });

    let missing: Vec<usize> = (0..total).filter(|&v| hits[v].load(Relaxed) == 0).take(10).collect();
    assert!(
        missing.is_empty(),
        "{} items never came out (popped {}), e.g. {missing:?}",
        total - popped.load(SeqCst),
        popped.load(SeqCst)
    );
    assert_eq!(popped.load(SeqCst), total);
    assert!(hits.iter().all(|h| h.load(Relaxed) == 1));
    assert!(q.is_empty(), "structure not empty after every item was popped");
    assert!(q.pop().is_none(), "an extra item came out after every item was popped");
}

#[test]
fn ms_queue_mpmc_exactly_once_and_per_producer_fifo() {
    mpmc::<MsQueue<usize>>("ms_queue_mpmc", true);
}

#[test]
fn treiber_stack_mpmc_exactly_once() {
    mpmc::<TreiberStack<usize>>("treiber_stack_mpmc", false);
}

#[test]
fn skiplist_mpmc_exactly_once() {
    mpmc::<SkipListPq<usize>>("skiplist_mpmc", false);
}

/// The priority queue with heavy key duplication, producers and consumers at once: each consumer
/// must see each producer's items of a given key in push order (equal items leave first-in,
/// first-out, and one producer's pushes are ordered in real time).
#[test]
fn skiplist_mpmc_equal_keys_fifo_per_producer() {
    let _watchdog = Watchdog::start("skiplist_mpmc_equal_keys", WATCHDOG);
    const KEYS: usize = 4;
    const PER: usize = if cfg!(miri) { 20 } else { 50_000 };
    // Item = (key, producer, sequence number within producer).
    let q: SkipListPq<(usize, usize, usize)> = SkipListPq::new();
    let popped = AtomicUsize::new(0);
    let producers_done = AtomicUsize::new(0);
    let total = PRODUCERS * PER;
    let hits: Vec<AtomicU8> = (0..total).map(|_| AtomicU8::new(0)).collect();
    std::thread::scope(|s| {
        for p in 0..PRODUCERS {
            let (q, producers_done) = (&q, &producers_done);
            s.spawn(move || {
                for i in 0..PER {
                    q.push((i % KEYS, p, i));
                }
                producers_done.fetch_add(1, SeqCst);
            });
        }
        for c in 0..CONSUMERS {
            let (q, producers_done, popped, hits) = (&q, &producers_done, &popped, &hits);
            s.spawn(move || {
                // last[key][producer]
                let mut last = vec![vec![None::<usize>; PRODUCERS]; KEYS];
                while popped.load(SeqCst) < total {
                    let all_pushed = producers_done.load(SeqCst) == PRODUCERS;
                    match q.pop() {
                        Some((k, p, i)) => {
                            assert_eq!(
                                hits[p * PER + i].fetch_add(1, Relaxed),
                                0,
                                "({k},{p},{i}) popped twice"
                            );
                            if let Some(prev) = last[k][p] {
                                assert!(prev < i, "consumer {c}: key {k} producer {p}: {i} after {prev}");
                            }
                            last[k][p] = Some(i);
                            popped.fetch_add(1, SeqCst);
                        }
                        None if all_pushed => break,
                        None => std::hint::spin_loop(),
                    }
                }
            });
        }
    });
    assert_eq!(popped.load(SeqCst), total, "items were lost");
    assert!(hits.iter().all(|h| h.load(Relaxed) == 1));
    assert!(q.pop().is_none());
}

#[test]
fn segmented_mpmc_exactly_once_and_per_producer_fifo() {
    mpmc::<SegmentedQueue<usize>>("segmented_mpmc", true);
}
