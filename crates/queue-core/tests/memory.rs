//! Memory stays bounded in steady use: with a counting global allocator, each structure holds ~100
//! items while millions of push+pop pairs go through it (single-threaded, two threads doing pairs,
//! and a producer/consumer pair), and the bytes live during and after the loop must stay within a
//! fixed bound above the starting level. This fails if removed nodes are never freed, i.e. if
//! epoch garbage is not collected or nodes are never retired. Also: dropping a used structure
//! gives back everything it allocated. Skiplist-specific cases are in `memory_skiplist.rs`.
//!
//! The count is process-wide: when one test of this file fails, the panic machinery and the test
//! harness allocate while the next test measures, which can make it fail too. Rerun a failing test
//! alone (`cargo test --test memory NAME`) before believing the second failure.

mod common;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::time::Duration;

use common::Watchdog;
use counting_alloc::{
    BOUND, DROP_ROUNDS, DROP_SLACK, allocations, collect, growth, left_after_drops, live, serial,
};
use queue_core::{MsQueue, RawQueue, SegmentedQueue, SkipListPq, TreiberStack};

/// Items kept inside the structure throughout.
const RESIDENT: u64 = if cfg!(miri) { 10 } else { 100 };
/// Push+pop pairs, single-threaded: 10^7 operations for the FIFO and LIFO structures, 10^6 for
/// the skiplist (about 6x slower per operation in a debug build), to stay within this file's time
/// budget.
const PAIRS: u64 = if cfg!(miri) { 300 } else { 5_000_000 };
const PQ_PAIRS: u64 = if cfg!(miri) { 200 } else { 500_000 };
/// Push+pop pairs per thread, two threads.
const PAIRS_PER_THREAD: u64 = if cfg!(miri) { 100 } else { 300_000 };
/// Items moved from the producer to the consumer in the producer/consumer variant.
const HANDOFFS: u64 = if cfg!(miri) { 100 } else { 100_000 };
/// How many items beyond `RESIDENT` the producer may have inside in the producer/consumer variant.
const WINDOW: u64 = if cfg!(miri) { 20 } else { 10_000 };
/// Allowed growth while the loop runs: not yet collected garbage is legitimate then (a thread
/// descheduled while pinned holds back collection), so this only catches a runaway leak early.
const RUNNING_BOUND: usize = 32 << 20;
/// How often (in pairs) the loop checks `RUNNING_BOUND`.
const CHECK_EVERY: u64 = 1_000;

/// Pushes `RESIDENT` items, then has `threads` threads each run `pairs` push+pop pairs, checking
/// live bytes against the bound along the way and after the loop. Items are increasing per thread,
/// so the priority queue is used like a timer queue.
fn steady<Q: RawQueue<u64> + Sync>(what: &'static str, threads: u64, pairs: u64) {
    let _serial = serial();
    let _watchdog = Watchdog::start(what, Duration::from_secs(120));
    let q = Q::default();
    for i in 0..RESIDENT {
        q.push(i);
    }
    collect();
    let base = live();
    let peak = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (q, peak) = (&q, &peak);
            s.spawn(move || {
                for i in 0..pairs {
                    q.push(RESIDENT + i * threads + t);
                    assert!(q.pop().is_some(), "{what}: pop found nothing with {RESIDENT} items resident");
                    if i % CHECK_EVERY == 0 {
                        let g = growth(base);
                        peak.fetch_max(g, Relaxed);
                        assert!(
                            g < RUNNING_BOUND,
                            "{what}: live bytes grew by {g} after {i} pairs on thread {t}"
                        );
                    }
                }
            });
        }
    });
    collect();
    let after = growth(base);
    assert!(after < BOUND, "{what}: live bytes grew by {after} (bound {BOUND})");
    println!("{what}: growth after loop {after} B, peak sampled {} B", peak.load(Relaxed));
    // Everything still inside comes out, and dropping the structure gives its memory back.
    let mut left = 0;
    while q.pop().is_some() {
        left += 1;
    }
    assert_eq!(left, RESIDENT, "{what}: wrong number of items left");
    drop(q);
    collect();
    let end = live();
    assert!(end < base + BOUND, "{what}: {} bytes still live after drop", end.saturating_sub(base));
}

/// One producer and one consumer: the producer pushes `HANDOFFS` items, keeping at most
/// `RESIDENT + WINDOW` inside; the consumer pops whenever more than `RESIDENT` items are inside, until `HANDOFFS`
/// items are out, so that exactly `RESIDENT` are left when the bound is checked. Both wait by
/// spinning on shared counters.
fn producer_consumer<Q: RawQueue<u64> + Sync>(what: &'static str) {
    let _serial = serial();
    let _watchdog = Watchdog::start(what, Duration::from_secs(120));
    let q = Q::default();
    for i in 0..RESIDENT {
        q.push(i);
    }
    collect();
    let base = live();
    let pushed = AtomicU64::new(RESIDENT);
    let popped = AtomicU64::new(0);
    let peak = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in RESIDENT..RESIDENT + HANDOFFS {
                while i - popped.load(SeqCst) >= RESIDENT + WINDOW {
                    std::thread::yield_now();
                }
                q.push(i);
                pushed.store(i + 1, SeqCst);
            }
        });
        s.spawn(|| {
            for n in 0..HANDOFFS {
                while pushed.load(SeqCst) - n <= RESIDENT {
                    std::thread::yield_now();
                }
                assert!(
                    q.pop().is_some(),
                    "{what}: pop found nothing with more than {RESIDENT} items inside"
                );
                popped.store(n + 1, SeqCst);
                if n % CHECK_EVERY == 0 {
                    let g = growth(base);
                    peak.fetch_max(g, Relaxed);
                    assert!(g < RUNNING_BOUND, "{what}: live bytes grew by {g} after {n} handoffs");
                }
            }
        });
    });
    collect();
    let after = growth(base);
    println!("{what}: growth after loop {after} B, peak sampled {} B", peak.load(Relaxed));
    assert!(after < BOUND, "{what}: live bytes grew by {after} (bound {BOUND}) with {RESIDENT} items inside");
    drop(q);
}

#[test]
fn ms_queue_memory_bounded_single_thread() {
    steady::<MsQueue<u64>>("ms_queue single-thread", 1, PAIRS);
}

#[test]
fn treiber_stack_memory_bounded_single_thread() {
    steady::<TreiberStack<u64>>("treiber_stack single-thread", 1, PAIRS);
}

#[test]
fn skiplist_memory_bounded_single_thread() {
    steady::<SkipListPq<u64>>("skiplist single-thread", 1, PQ_PAIRS);
}

#[test]
fn ms_queue_memory_bounded_two_threads() {
    steady::<MsQueue<u64>>("ms_queue two threads", 2, PAIRS_PER_THREAD);
}

#[test]
fn treiber_stack_memory_bounded_two_threads() {
    steady::<TreiberStack<u64>>("treiber_stack two threads", 2, PAIRS_PER_THREAD);
}

#[test]
fn skiplist_memory_bounded_two_threads() {
    steady::<SkipListPq<u64>>("skiplist two threads", 2, PAIRS_PER_THREAD);
}

#[test]
fn ms_queue_memory_bounded_producer_consumer() {
    producer_consumer::<MsQueue<u64>>("ms_queue producer/consumer");
}

#[test]
fn treiber_stack_memory_bounded_producer_consumer() {
    producer_consumer::<TreiberStack<u64>>("treiber_stack producer/consumer");
}

#[test]
fn skiplist_memory_bounded_producer_consumer() {
    producer_consumer::<SkipListPq<u64>>("skiplist producer/consumer");
}

/// Two threads push and pop at random, then the structure is dropped with items still inside.
fn used_then_dropped<Q: RawQueue<u64> + Sync>(what: &'static str) {
    const OPS: u64 = if cfg!(miri) { 30 } else { 20_000 };
    let left = left_after_drops(what, DROP_ROUNDS, |r| {
        let q = Q::default();
        std::thread::scope(|s| {
            for t in 0..2 {
                let q = &q;
                s.spawn(move || {
                    let mut rng = fastrand::Rng::with_seed(r * 2 + t);
                    for i in 0..OPS {
                        q.push(rng.u64(..1_000) * 1_000_000 + i);
                        if rng.bool() {
                            q.pop();
                        }
                    }
                });
            }
        });
    });
    assert!(left < DROP_SLACK, "{what}: {left} B still live after dropping every structure");
}

#[test]
fn ms_queue_drop_frees_everything() {
    used_then_dropped::<MsQueue<u64>>("ms_queue used then dropped");
}

#[test]
fn treiber_stack_drop_frees_everything() {
    used_then_dropped::<TreiberStack<u64>>("treiber_stack used then dropped");
}

#[test]
fn skiplist_drop_frees_everything() {
    used_then_dropped::<SkipListPq<u64>>("skiplist used then dropped");
}

#[test]
fn segmented_memory_bounded_single_thread() {
    steady::<SegmentedQueue<u64>>("segmented single-thread", 1, PAIRS);
}

#[test]
fn segmented_memory_bounded_two_threads() {
    steady::<SegmentedQueue<u64>>("segmented two threads", 2, PAIRS_PER_THREAD);
}

#[test]
fn segmented_memory_bounded_producer_consumer() {
    producer_consumer::<SegmentedQueue<u64>>("segmented producer/consumer");
}

#[test]
fn segmented_drop_frees_everything() {
    used_then_dropped::<SegmentedQueue<u64>>("segmented used then dropped");
}

/// The segmented queue recycles emptied segments, so a stream through it allocates next to
/// nothing per item (issue 10 asks for at most 0.05); the Michael–Scott queue allocates one node
/// per item, which this check would catch.
#[test]
fn segmented_allocates_almost_nothing_per_item() {
    let _serial = serial();
    let q = SegmentedQueue::new();
    let before = allocations();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..HANDOFFS {
                while q.len() as u64 >= WINDOW {
                    std::thread::yield_now();
                }
                q.push(i).unwrap();
            }
        });
        s.spawn(|| {
            let mut next = 0;
            while next < HANDOFFS {
                match q.pop() {
                    Some(x) => {
                        assert_eq!(x, next, "FIFO order");
                        next += 1;
                    }
                    None => std::thread::yield_now(),
                }
            }
        });
    });
    // Two thread spawns allocate too; they are counted against us.
    let per_item = (allocations() - before) as f64 / HANDOFFS as f64;
    println!("segmented: {per_item:.4} allocations per item");
    // Under Miri the stream is 100 items through four-slot segments, too short for a per-item
    // bound to mean anything (0.22 was seen, mostly the window's segments and the spawns); the
    // run still checks the recycling for undefined behaviour.
    if !cfg!(miri) {
        assert!(per_item <= 0.05, "segmented: {per_item} allocations per item");
    }
}

/// Issue 20: a fill–drain–fill cycle allocates nothing after the first fill (drained segments are
/// kept, not handed back to the allocator), the kept memory is bounded by the deepest fill, and
/// `shrink_to_fit` gives it back. Before the free list, every refill allocated all but one of its
/// segments again (3,125 calls per refill here).
///
/// The counts are process-wide and the test harness's own thread allocates now and then (it
/// prints the previous test's result), which on a loaded machine can land inside a measurement:
/// hence a slack of some calls (17 or 18 were seen under load) and KiB, far below what one refill
/// without reuse costs.
#[test]
fn segmented_refill_allocates_nothing_and_shrink_gives_memory_back() {
    const DEEP: u64 = if cfg!(miri) { 200 } else { 100_000 };
    const CALLS_SLACK: usize = if cfg!(miri) { 8 } else { 256 };
    const BYTES_SLACK: usize = 64 << 10;
    let _serial = serial();
    let q = SegmentedQueue::new();
    let base = live();
    let fill_and_drain = |n: u64| {
        for i in 0..n {
            q.push(i).unwrap();
        }
        for i in 0..n {
            assert_eq!(q.pop(), Some(i), "FIFO order");
        }
    };
    fill_and_drain(DEEP);
    let kept = growth(base);
    assert!(kept as u64 >= DEEP * 8, "a drained queue keeps its segments ({kept} B)");
    for cycle in 0..3 {
        let before = allocations();
        fill_and_drain(DEEP);
        let calls = allocations() - before;
        assert!(calls <= CALLS_SLACK, "refill {cycle} made {calls} allocation calls");
        let now = growth(base);
        assert!(now.abs_diff(kept) <= BYTES_SLACK, "refill {cycle}: {now} B held, {kept} B before");
    }
    // A shallower cycle reuses the kept segments too; nothing grows past the deepest fill.
    let before = allocations();
    fill_and_drain(DEEP / 2);
    let calls = allocations() - before;
    assert!(calls <= CALLS_SLACK, "a shallower refill made {calls} allocation calls");
    let freed = q.shrink_to_fit();
    assert!(freed as u64 >= DEEP / queue_core::SEGMENT_SIZE as u64 - 2, "freed only {freed} segments");
    let left = growth(base);
    assert!(left <= BYTES_SLACK, "{left} B still held after shrink_to_fit");
    // Still a working queue: the next fill allocates again, then drains in order.
    let before = allocations();
    fill_and_drain(DEEP);
    assert!(allocations() - before > CALLS_SLACK, "a fill after shrink_to_fit must allocate");
}
