//! Soak test: a randomized mixed workload over every queue kind, in rounds, until the time is up.
//!
//! Each round creates fresh queues: `Queue`, `LifoQueue` and `PriorityQueue`, each bounded (random
//! maxsize 1 to 4) and unbounded, plus a `SimpleQueue`, and runs them all at once. Every queue gets
//! 2 producers and 2 consumers, and each of the six non-simple queues a coordinator: 34 threads per
//! round, most of them blocked in the queues at any moment on a small machine. Producers mix `put`, `put_timeout` and
//! `put_nowait` (short timeouts; after `Full` they retry the returned item or abandon it);
//! consumers mix `get`, `get_timeout` and `get_nowait` and call `task_done` for every item taken.
//! A coordinator per queue polls `join_timeout` while the producers run, then ends the round in
//! one of five ways: `join` then `shutdown` (graceful), `shutdown` once the producers are done
//! (consumers drain), `shutdown` while producers are still putting (early), `shutdown_immediate`
//! once the producers are done, or `shutdown_immediate` while they are still putting. The
//! `SimpleQueue` ends with one sentinel per consumer.
//!
//! Checked all along, every failure counted as a violation and the first ones printed:
//!
//! * conservation: every item accepted by a successful put comes out exactly once, from a get or
//!   from `shutdown_immediate`; no item whose put failed (or was abandoned) ever comes out; each
//!   item carries a heap-allocated tag derived from its identity, verified on the way out;
//! * a failed put returns its own item (same allocation), `Full` only from bounded queues and timed
//!   or non-blocking puts, `ShutDown` only after a shutdown and again on every later put;
//! * no timed put or get reports `Full`/`Empty` before its timeout; untimed calls never do;
//! * order: each consumer sees each producer's items in put order for `Queue` and `SimpleQueue`,
//!   and among equal priorities for `PriorityQueue`; items returned by `shutdown_immediate` are in
//!   the order `get` would have returned them (per producer for FIFO and LIFO, by key for priority);
//! * `qsize() <= maxsize` seen by a producer right after each successful put on a bounded queue;
//! * `task_done` succeeds for every item taken; `join_timeout` returns true only once every put
//!   that finished before the call has been marked done; after a graceful `join`, every item was
//!   processed; at the end `unfinished_tasks() == 0`, the queue is empty and shut down for good.
//!
//! A watchdog ends the process with status 1 if a round runs for more than 60 s (a lost wake-up,
//! a livelock), printing the state of every queue of that round. A progress line appears every
//! 10 s and a summary at the end; the exit status is 1 if any violation was found.
//!
//! Run with `cargo run --release --example soak -- --seconds N` (default 60), or `bash ci/soak.sh`.
//! `--seed S` replays a round sequence's parameters (the thread interleavings differ every run).
//!
//! The code, one idea per file:
//!
//! * `main.rs`: the shape of a round (threads and priorities per queue), one round, and the loop
//!   of rounds until the time is up;
//! * `args.rs`: the command line;
//! * `report.rs`: the global counters, violation reports (`violation!`) and the summary line;
//! * `random.rs`: the seed mixer and the random timeouts and pauses of the workload threads;
//! * `item.rs`: the items the queues carry;
//! * `bq.rs`: the three queue kinds as containers of `BlockingQueue`;
//! * `ledger.rs`: per-item conservation bookkeeping of one queue;
//! * `order.rs`: the order checks, for gets and for what `shutdown_immediate` returns;
//! * `case/`: one `Queue`, `LifoQueue` or `PriorityQueue` in a round: its producers, consumers and
//!   coordinator, and the checks once they are done;
//! * `simple.rs`: the `SimpleQueue` of a round;
//! * `monitor.rs`: the watchdog and the progress line.

mod args;
mod bq;
mod case;
mod item;
mod ledger;
mod monitor;
mod order;
mod random;
mod report;
mod simple;

use std::process;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use queue_blocking::{SegmentedQueue, SkipListPq, TreiberStack};

use crate::args::parse_args;
use crate::case::Case;
use crate::item::Item;
use crate::monitor::Monitor;
use crate::random::mix;
use crate::report::{ROUNDS, VIOLATIONS, summary};
use crate::simple::SimpleCase;

const PRODUCERS: usize = 2;
const CONSUMERS: usize = 2;
/// Distinct priorities (items compare by key only, so equal keys exercise the FIFO tie rule).
const KEYS: usize = 4;

/// One round: fresh queues of every kind, run all at once on one thread scope, then checked.
fn round(round: u64, rng: &mut fastrand::Rng, monitor: &Monitor) {
    let fifo_b = Arc::new(Case::<SegmentedQueue<Item>>::new(round, rng.usize(1..=4), rng));
    let fifo_u = Arc::new(Case::<SegmentedQueue<Item>>::new(round, 0, rng));
    let lifo_b = Arc::new(Case::<TreiberStack<Item>>::new(round, rng.usize(1..=4), rng));
    let lifo_u = Arc::new(Case::<TreiberStack<Item>>::new(round, 0, rng));
    let prio_b = Arc::new(Case::<SkipListPq<Item>>::new(round, rng.usize(1..=4), rng));
    let prio_u = Arc::new(Case::<SkipListPq<Item>>::new(round, 0, rng));
    let simple = Arc::new(SimpleCase::new(round, rng));
    monitor.begin_round(
        round,
        vec![
            fifo_b.clone(),
            fifo_u.clone(),
            lifo_b.clone(),
            lifo_u.clone(),
            prio_b.clone(),
            prio_u.clone(),
            simple.clone(),
        ],
    );
    thread::scope(|s| {
        fifo_b.start(s, rng);
        fifo_u.start(s, rng);
        lifo_b.start(s, rng);
        lifo_u.start(s, rng);
        prio_b.start(s, rng);
        prio_u.start(s, rng);
        simple.start(s, rng);
    });
    fifo_b.finish();
    fifo_u.finish();
    lifo_b.finish();
    lifo_u.finish();
    prio_b.finish();
    prio_u.finish();
    simple.finish();
    monitor.end_round();
}

fn main() {
    let args = parse_args();
    let seed = args.seed.unwrap_or_else(|| {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        mix(nanos ^ u64::from(process::id()))
    });
    println!(
        "soak: {} s, seed {seed}; each round: Queue, LifoQueue, PriorityQueue (bounded and unbounded) \
         and SimpleQueue, {PRODUCERS} producers and {CONSUMERS} consumers each",
        args.seconds
    );
    let monitor = Arc::new(Monitor { start: Instant::now(), state: Mutex::default() });
    let watchdog = {
        let monitor = Arc::clone(&monitor);
        thread::Builder::new()
            .name("soak-watchdog".to_owned())
            .spawn(move || monitor.run())
            .expect("spawn the watchdog")
    };
    let limit = Duration::from_secs(args.seconds);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut r = 0;
    loop {
        r += 1;
        round(r, &mut rng, &monitor);
        ROUNDS.store(r, SeqCst);
        if monitor.start.elapsed() >= limit {
            break;
        }
    }
    monitor.lock().finished = true;
    watchdog.join().expect("the watchdog panicked");
    summary(monitor.start);
    if VIOLATIONS.load(SeqCst) > 0 {
        process::exit(1);
    }
}
