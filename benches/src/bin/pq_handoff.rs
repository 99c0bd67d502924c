//! `cargo run --release -p queue-benches --bin pq_handoff [ROUNDS]`: how much of `compare`'s
//! threaded `PriorityQueue` rows (1/1, 2/2, 4/4, 240,000 scattered keys) elimination could reach,
//! the measurement behind issue 22's choice not to build it (docs/performance.md).
//!
//! Elimination hands a put straight to a get when the put's key is below every key in the queue
//! (or the queue is empty), so that neither touches the skiplist. Per row this prints:
//! - the puts that found the queue empty (`qsize() == 0` just before the put);
//! - the gets that found nothing (`get_nowait` failed; they then `get`, and wait);
//! - the puts whose key was below the queue's minimum when the put began, and the mean queue size
//!   then: an estimate from replaying the operations in the order of a shared counter, read before
//!   each put and after each get, so that an item's put always comes before its get. The queue
//!   the replay sees is the true one give or take the operations in flight.
//!
//! The counter is one more shared RMW per operation: the run is slower than `compare`'s, and
//! its fractions are an estimate, not a figure for the benchmark's throughput.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier};
use std::thread;

use queue_benches::workloads::value;
use queue_blocking::PriorityQueue;

const ITEMS: u64 = 240_000;

/// One operation as the replay sees it: (stamp, whether a put, the key).
type Event = (u64, bool, u64);

struct Row {
    into_empty: u64,
    found_nothing: u64,
    below_min: u64,
    resident_sum: u64,
}

fn run(producers: usize, consumers: usize) -> Row {
    let q = Arc::new(PriorityQueue::<u64>::new(0));
    // Relaxed throughout: the stamps order the replay only; the queue orders the items.
    let clock = Arc::new(AtomicU64::new(0));
    let barrier = Arc::new(Barrier::new(producers + consumers));
    let mut handles = Vec::new();
    let per_producer = ITEMS / producers as u64;
    for p in 0..producers as u64 {
        let (q, clock, barrier) = (Arc::clone(&q), Arc::clone(&clock), Arc::clone(&barrier));
        handles.push(thread::spawn(move || {
            let mut events: Vec<Event> = Vec::with_capacity(per_producer as usize);
            let mut into_empty = 0;
            barrier.wait();
            for i in p * per_producer..(p + 1) * per_producer {
                into_empty += u64::from(q.qsize() == 0);
                events.push((clock.fetch_add(1, Relaxed), true, value(i)));
                q.put(value(i)).expect("unbounded, never shut down");
            }
            (events, into_empty)
        }));
    }
    let per_consumer = ITEMS / consumers as u64;
    for _ in 0..consumers {
        let (q, clock, barrier) = (Arc::clone(&q), Arc::clone(&clock), Arc::clone(&barrier));
        handles.push(thread::spawn(move || {
            let mut events: Vec<Event> = Vec::with_capacity(per_consumer as usize);
            let mut found_nothing = 0;
            barrier.wait();
            for _ in 0..per_consumer {
                let v = q.get_nowait().unwrap_or_else(|_| {
                    found_nothing += 1;
                    q.get().expect("never shut down")
                });
                events.push((clock.fetch_add(1, Relaxed), false, v));
            }
            (events, found_nothing)
        }));
    }
    let mut events = Vec::with_capacity(2 * ITEMS as usize);
    let mut row = Row { into_empty: 0, found_nothing: 0, below_min: 0, resident_sum: 0 };
    for (i, h) in handles.into_iter().enumerate() {
        let (mut part, count) = h.join().expect("thread panicked");
        events.append(&mut part);
        if i < producers {
            row.into_empty += count;
        } else {
            row.found_nothing += count;
        }
    }
    events.sort_unstable();
    let mut queue = BTreeSet::new();
    for (_, put, key) in events {
        if put {
            row.below_min += u64::from(queue.first().is_none_or(|min| key < *min));
            row.resident_sum += queue.len() as u64;
            queue.insert(key);
        } else {
            // Fails if an item was got twice or before its put: the replay's order is wrong.
            assert!(queue.remove(&key), "replay out of order");
        }
    }
    assert!(queue.is_empty(), "items lost");
    row
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(3, |r| r.parse().expect("usage: pq_handoff [ROUNDS]"));
    let pct = |n: u64| 100.0 * n as f64 / ITEMS as f64;
    println!(
        "| p/c | round | puts into an empty queue | gets that found nothing | puts below the minimum | mean size at a put |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for round in 1..=rounds {
        for (p, c) in [(1, 1), (2, 2), (4, 4)] {
            let r = run(p, c);
            println!(
                "| {p}/{c} | {round} | {:.1}% | {:.1}% | {:.1}% | {:.0} |",
                pct(r.into_empty),
                pct(r.found_nothing),
                pct(r.below_min),
                r.resident_sum as f64 / ITEMS as f64
            );
        }
    }
}
