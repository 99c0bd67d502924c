//! A tour of the three lock-free structures: two producers and two consumers share each one.
//!
//! Run with `cargo run --release -p queue-core --example core_tour`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use queue_core::{MsQueue, RawQueue, SkipListPq, TreiberStack};

const PER_PRODUCER: usize = 250_000;

/// Moves `2 * PER_PRODUCER` items through `q` with 2 producers and 2 consumers and returns the sum
/// of what came out, which must equal the sum of what went in.
fn run<Q: RawQueue<usize> + Sync>(name: &str, q: &Q) {
    let received = AtomicUsize::new(0);
    let sum = AtomicUsize::new(0);
    let total = 2 * PER_PRODUCER;
    let start = Instant::now();
    std::thread::scope(|s| {
        for p in 0..2 {
            s.spawn(move || (0..PER_PRODUCER).for_each(|i| q.push(p * PER_PRODUCER + i)));
        }
        for _ in 0..2 {
            s.spawn(|| {
                while received.load(Ordering::Relaxed) < total {
                    if let Some(x) = q.pop() {
                        sum.fetch_add(x, Ordering::Relaxed);
                        received.fetch_add(1, Ordering::Relaxed);
                    } else {
                        std::hint::spin_loop();
                    }
                }
            });
        }
    });
    let elapsed = start.elapsed();
    let expected = total * (total - 1) / 2;
    let got = sum.load(Ordering::Relaxed);
    assert_eq!(got, expected, "{name}: items lost or duplicated");
    println!(
        "{name:>13}: {total} items through 2 producers + 2 consumers in {elapsed:?} \
         ({:.0} ns/item), sum checked = {got}",
        elapsed.as_nanos() as f64 / total as f64
    );
}

fn main() {
    run("MsQueue", &MsQueue::new());
    run("TreiberStack", &TreiberStack::new());
    run("SkipListPq", &SkipListPq::new());

    // Single-thread order demo.
    let pq = SkipListPq::new();
    for (prio, job) in [(2, "write report"), (1, "fix outage"), (2, "answer mail"), (3, "tidy desk")] {
        pq.push((prio, job));
    }
    let order: Vec<_> = std::iter::from_fn(|| pq.pop()).collect();
    println!("priority order: {order:?}");
}
