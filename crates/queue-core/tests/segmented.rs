//! What only the segmented queue has: exact lengths at segment boundaries, the capacity check in
//! the claim, and the close mark. The generic checks (differential, drops, stress,
//! linearizability, memory) run it too, from their own files.

mod common;

use std::collections::HashSet;
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use common::Watchdog;
use queue_core::{PopError, PushError, SEGMENT_SIZE, SegmentedQueue};

const THREADS: usize = 2;
const PER_THREAD: usize = if cfg!(miri) { 40 } else { 20_000 };

/// The lengths tokio once got wrong every 32 messages: just before, at and after each boundary,
/// while filling, while draining, and with the head and tail in different segments.
#[test]
fn len_and_is_empty_are_exact_around_segment_boundaries() {
    for k in 1..=3 {
        for n in [k * SEGMENT_SIZE - 1, k * SEGMENT_SIZE, k * SEGMENT_SIZE + 1] {
            // Filling from a fresh queue, and from one whose head already sits at `n`.
            for offset in [0, n] {
                let q = SegmentedQueue::new();
                for i in 0..offset {
                    q.push(i).unwrap();
                    q.pop().unwrap();
                }
                for i in 0..n {
                    assert_eq!(q.len(), i, "filling: n={n} offset={offset}");
                    q.push(i).unwrap();
                }
                assert_eq!(q.len(), n);
                assert!(!q.is_empty());
                for i in 0..n {
                    assert_eq!(q.pop(), Some(i), "draining: n={n} offset={offset}");
                    assert_eq!(q.len(), n - 1 - i);
                    assert_eq!(q.is_empty(), i == n - 1);
                }
                assert_eq!(q.try_pop(), Err(PopError::Empty));
            }
        }
    }
}

#[test]
fn capacity_is_exact_at_segment_boundaries() {
    for capacity in [1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 2 * SEGMENT_SIZE] {
        let q = SegmentedQueue::new();
        for round in 0..3 {
            for i in 0..capacity {
                assert_eq!(q.try_push(i, capacity), Ok(()), "capacity {capacity} round {round}");
            }
            assert_eq!(q.try_push(99, capacity), Err(PushError::Full(99)));
            assert_eq!(q.len(), capacity);
            // Make room for one, and only one.
            assert_eq!(q.pop(), Some(0));
            assert_eq!(q.try_push(7, capacity), Ok(()));
            assert_eq!(q.try_push(8, capacity), Err(PushError::Full(8)));
            while q.pop().is_some() {}
        }
        assert_eq!(q.try_push(1, 0), Err(PushError::Full(1)), "capacity 0 takes nothing");
    }
}

#[test]
fn close_fails_later_pushes_and_lets_pops_drain() {
    let q = SegmentedQueue::new();
    for i in 0..SEGMENT_SIZE + 1 {
        q.push(i).unwrap();
    }
    assert!(!q.is_closed());
    assert!(q.close());
    assert!(!q.close(), "only the first close reports that it closed");
    assert!(q.is_closed());
    assert_eq!(q.push(100), Err(100));
    assert_eq!(q.try_push(101, 1), Err(PushError::Closed(101)), "closed wins over full");
    for i in 0..SEGMENT_SIZE + 1 {
        assert_eq!(q.try_pop(), Ok(i));
    }
    assert_eq!(q.try_pop(), Err(PopError::Closed));
    assert_eq!(q.pushed(), SEGMENT_SIZE as u64 + 1);
    assert_eq!(q.popped(), SEGMENT_SIZE as u64 + 1);
}

/// Producers race `close`: every push that returned `Ok` comes out exactly once, none that failed
/// does, and pops end with `Closed`, not with an item stranded after it.
#[test]
fn close_racing_pushes_strands_nothing() {
    let _watchdog = Watchdog::start("close_racing_pushes_strands_nothing", Duration::from_secs(120));
    for round in 0..if cfg!(miri) { 2 } else { 50 } {
        let q = SegmentedQueue::new();
        let accepted = AtomicUsize::new(0);
        let start = Barrier::new(THREADS + 1);
        let delivered = std::thread::scope(|s| {
            for t in 0..THREADS {
                let (q, accepted, start) = (&q, &accepted, &start);
                s.spawn(move || {
                    start.wait();
                    for i in 0..PER_THREAD {
                        match q.push((t, i)) {
                            Ok(()) => accepted.fetch_add(1, Relaxed),
                            Err(back) => {
                                assert_eq!(back, (t, i), "the failed item comes back");
                                break;
                            }
                        };
                    }
                });
            }
            let consumer = s.spawn(|| {
                let mut seen = HashSet::new();
                loop {
                    match q.try_pop() {
                        Ok(item) => assert!(seen.insert(item), "{item:?} delivered twice"),
                        Err(PopError::Empty) => std::thread::yield_now(),
                        Err(PopError::Closed) => return seen,
                    }
                }
            });
            start.wait();
            // Let some pushes through first, in most rounds.
            while round % 5 != 0 && q.pushed() < (PER_THREAD / 4) as u64 {
                std::thread::yield_now();
            }
            q.close();
            consumer.join().unwrap()
        });
        assert_eq!(delivered.len(), accepted.load(Relaxed), "round {round}");
        assert_eq!(q.len(), 0);
    }
}

/// Bounded producers and consumers: the length never exceeds the capacity, and everything arrives
/// once, in each producer's order.
#[test]
fn concurrent_bounded_pushes_respect_capacity() {
    let _watchdog = Watchdog::start("concurrent_bounded_pushes_respect_capacity", Duration::from_secs(120));
    let capacity = SEGMENT_SIZE + 3;
    let q = SegmentedQueue::new();
    let total = THREADS * PER_THREAD;
    let taken = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let q = &q;
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    let mut item = (t, i);
                    loop {
                        match q.try_push(item, capacity) {
                            Ok(()) => break,
                            Err(PushError::Full(back)) => {
                                item = back;
                                std::thread::yield_now();
                            }
                            Err(PushError::Closed(_)) => unreachable!("never closed"),
                        }
                    }
                    // An exact snapshot of the length needs the head unchanged around the tail
                    // read; `len()` alone may pair an old head with a newer tail. (On x86 the
                    // three loads stay in order; Miri's weak-memory emulation may make the tail
                    // read stale-new, so it skips this check.)
                    let (head, tail, again) = (q.popped(), q.pushed(), q.popped());
                    if head == again && !cfg!(miri) {
                        assert!(tail - head <= capacity as u64, "{} items, capacity {capacity}", tail - head);
                    }
                }
            });
        }
        for _ in 0..THREADS {
            let (q, taken) = (&q, &taken);
            s.spawn(move || {
                let mut last = [None; THREADS];
                while taken.load(Relaxed) < total {
                    if let Some((t, i)) = q.pop() {
                        taken.fetch_add(1, Relaxed);
                        assert!(last[t].is_none_or(|l| l < i), "producer {t}'s order broken");
                        last[t] = Some(i);
                    } else {
                        std::thread::yield_now();
                    }
                }
            });
        }
    });
    assert_eq!(taken.load(Relaxed), total);
    assert!(q.is_empty());
}
