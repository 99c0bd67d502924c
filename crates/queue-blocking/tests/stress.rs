//! Multi-producer, multi-consumer stress for `Queue`, `LifoQueue`, `PriorityQueue` (bounded with
//! maxsize 8, and unbounded) and `SimpleQueue`: 4 producers and 4 consumers move 200 000 distinct
//! items per case in release builds (fewer in debug builds, a handful under Miri).
//!
//! Checked in every case:
//! * conservation: per-item hit counters; every item comes out exactly once (nothing lost,
//!   duplicated or invented), and the queue ends empty;
//! * bounded queues: `qsize() <= maxsize` whenever a producer or consumer looks;
//! * order: for `Queue` and `SimpleQueue`, every consumer sees each producer's items in the order
//!   that producer put them; for `PriorityQueue`, the same among items of equal priority (the crate
//!   documents FIFO ties).
//!
//! Consumers stop through `shutdown` + `get` failing with `ShutDown` (or a per-consumer sentinel
//! for `SimpleQueue`), never by sleeping. Variants: blocking calls, timed calls with short
//! timeouts that keep expiring, non-blocking calls, and a `task_done`/`join` variant in which
//! `join` must not return before every item was processed. A watchdog aborts on a hang.

mod common;

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

use common::*;
use queue_blocking::{BlockingQueue, Container, GetError, PutError, SimpleQueue};

const PRODUCERS: usize = if cfg!(miri) { 2 } else { 4 };
const CONSUMERS: usize = if cfg!(miri) { 2 } else { 4 };
/// Items per producer: 4 x 50 000 = 200 000 per case in release, 80 000 in debug builds.
const PER_PRODUCER: usize = if cfg!(miri) {
    20
} else if cfg!(debug_assertions) {
    20_000
} else {
    50_000
};
/// Distinct priorities; items of equal priority must leave a `PriorityQueue` in put order.
const KEYS: u32 = 4;
/// The bounded variant's maxsize.
const BOUND: usize = 8;
/// Timeout of the timed variant: short, so that many calls expire while others succeed.
const SHORT: Duration = Duration::from_micros(50);

/// A stress item: ordered by `key` only, so that equal keys exercise the FIFO tie rule.
#[derive(Debug, Clone, Copy)]
struct Item {
    key: u32,
    producer: u32,
    seq: u32,
}

impl Item {
    fn new(producer: usize, seq: usize) -> Self {
        Self { key: seq as u32 % KEYS, producer: producer as u32, seq: seq as u32 }
    }

    fn index(self, per_producer: usize) -> usize {
        self.producer as usize * per_producer + self.seq as usize
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// Which order a consumer can check: `None` for LIFO; otherwise items of one class from one
/// producer must arrive in increasing `seq` (FIFO: one class; priority: one class per key).
fn order_class<F: Family>(item: Item) -> Option<usize> {
    match F::NAME {
        "Queue" => Some(0),
        "PriorityQueue" => Some(item.key as usize),
        _ => None,
    }
}

/// Per-item hit counters and a per-consumer order check.
struct Hits {
    per_producer: usize,
    hits: Vec<AtomicU8>,
    taken: AtomicUsize,
}

impl Hits {
    fn new(per_producer: usize) -> Self {
        Self {
            per_producer,
            hits: (0..PRODUCERS * per_producer).map(|_| AtomicU8::new(0)).collect(),
            taken: AtomicUsize::new(0),
        }
    }

    fn record(&self, item: Item) {
        assert!(
            (item.producer as usize) < PRODUCERS && (item.seq as usize) < self.per_producer,
            "an item that was never put came out: {item:?}"
        );
        let before = self.hits[item.index(self.per_producer)].fetch_add(1, SeqCst);
        assert_eq!(before, 0, "item {item:?} came out twice");
        self.taken.fetch_add(1, SeqCst);
    }

    fn assert_all_once(&self, what: &str) {
        let missing = self.hits.iter().filter(|h| h.load(SeqCst) == 0).count();
        assert_eq!(missing, 0, "{what}: {missing} items never came out");
        assert_eq!(self.taken.load(SeqCst), self.hits.len(), "{what}");
    }
}

/// The order state of one consumer: the last `seq` seen per (producer, class).
struct OrderCheck {
    last: Vec<Vec<Option<u32>>>,
}

impl OrderCheck {
    fn new() -> Self {
        Self { last: vec![vec![None; KEYS as usize]; PRODUCERS] }
    }

    fn see(&mut self, class: Option<usize>, item: Item, what: &str) {
        let Some(class) = class else { return };
        let slot = &mut self.last[item.producer as usize][class];
        if let Some(prev) = *slot {
            assert!(
                item.seq > prev,
                "{what}: a consumer saw item {} of producer {} after item {prev} (class {class})",
                item.seq,
                item.producer
            );
        }
        *slot = Some(item.seq);
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// `put` / `get`.
    Blocking,
    /// `put_timeout` / `get_timeout` with a short timeout, retried.
    Timed,
    /// `put_nowait` / `get_nowait`, retried after a yield.
    NoWait,
}

fn put_with<F: Family>(q: &Q<F, Item>, mut item: Item, mode: Mode, failed: &AtomicBool) {
    loop {
        let r = match mode {
            Mode::Blocking => q.put(item),
            Mode::Timed => q.put_timeout(item, SHORT),
            Mode::NoWait => q.put_nowait(item),
        };
        match r {
            Ok(()) => return,
            Err(PutError::Full(back)) => {
                assert_ne!(mode, Mode::Blocking, "an untimed put failed with Full");
                item = back;
                if mode == Mode::NoWait {
                    thread::yield_now();
                }
            }
            Err(PutError::ShutDown(_)) => {
                // Only a failing thread shuts the queue down early (see `OnPanic`).
                assert!(failed.load(SeqCst), "a put failed with ShutDown before the shutdown");
                return;
            }
        }
    }
}

/// `None` once the queue is shut down and empty.
fn get_with<F: Family>(q: &Q<F, Item>, mode: Mode) -> Option<Item> {
    loop {
        let r = match mode {
            Mode::Blocking => q.get(),
            Mode::Timed => q.get_timeout(SHORT),
            Mode::NoWait => q.get_nowait(),
        };
        match r {
            Ok(item) => return Some(item),
            Err(GetError::ShutDown) => return None,
            Err(GetError::Empty) => {
                assert_ne!(mode, Mode::Blocking, "an untimed get failed with Empty");
                if mode == Mode::NoWait {
                    thread::yield_now();
                }
            }
        }
    }
}

/// Set on a thread that panics: records the failure and shuts the queue down, so that every other
/// thread finishes and the failure is reported instead of turning into a hang.
struct OnPanic<'a, C: Container<Item>> {
    q: &'a BlockingQueue<Item, C>,
    failed: &'a AtomicBool,
}

impl<C: Container<Item>> Drop for OnPanic<'_, C> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.failed.store(true, SeqCst);
            self.q.shutdown();
        }
    }
}

/// Waits for `join` by polling `join_timeout`, giving up if another thread failed.
fn join_unless_failed<C: Container<Item>>(q: &BlockingQueue<Item, C>, failed: &AtomicBool) -> bool {
    loop {
        if q.join_timeout(Duration::from_millis(50)) {
            return true;
        }
        if failed.load(SeqCst) {
            return false;
        }
    }
}

/// One case: `PRODUCERS` x `per_producer` items through a queue of kind `F`. With `with_join`,
/// consumers call `task_done` after each item, and `join` (from the main thread and two joiner
/// threads) must return only after every item was processed.
fn mpmc<F: Family>(maxsize: usize, mode: Mode, per_producer: usize, with_join: bool) {
    let what = format!("{} maxsize={maxsize} {mode:?} join={with_join}", F::NAME);
    let q = new_q::<F, Item>(maxsize);
    let hits = Hits::new(per_producer);
    let processed = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let start = Barrier::new(PRODUCERS + CONSUMERS);
    let producers_done = Gate::new();
    let bounded_ok = |q: &Q<F, Item>| maxsize == 0 || q.qsize() <= maxsize;

    thread::scope(|s| {
        let (q, hits, processed, failed, start, producers_done, what) =
            (&q, &hits, &processed, &failed, &start, &producers_done, what.as_str());
        // Whatever happens below, release the consumers and joiners at the end.
        let _finish = OnDropDo(|| {
            producers_done.open();
            q.shutdown();
        });
        let _on_panic = OnPanic { q, failed };
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                s.spawn(move || {
                    let _on_panic = OnPanic { q, failed };
                    start.wait();
                    for i in 0..per_producer {
                        put_with::<F>(q, Item::new(p, i), mode, failed);
                        assert!(bounded_ok(q), "{what}: qsize {} above maxsize {maxsize}", q.qsize());
                    }
                })
            })
            .collect();
        for _ in 0..CONSUMERS {
            s.spawn(move || {
                let _on_panic = OnPanic { q, failed };
                start.wait();
                let mut order = OrderCheck::new();
                while let Some(item) = get_with::<F>(q, mode) {
                    assert!(bounded_ok(q), "{what}: qsize {} above maxsize {maxsize}", q.qsize());
                    order.see(order_class::<F>(item), item, what);
                    hits.record(item);
                    if with_join {
                        processed.fetch_add(1, SeqCst);
                        q.task_done().expect("task_done with an unfinished task");
                    }
                }
            });
        }
        if with_join {
            for _ in 0..2 {
                s.spawn(move || {
                    let _on_panic = OnPanic { q, failed };
                    producers_done.wait();
                    if join_unless_failed(q, failed) {
                        assert_eq!(
                            processed.load(SeqCst),
                            PRODUCERS * per_producer,
                            "{what}: join returned before every task was done"
                        );
                    }
                });
            }
        }
        for p in producers {
            // A panic is reported by the scope; the others are released by `OnPanic`.
            let _ = p.join();
        }
        producers_done.open();
        if with_join && join_unless_failed(q, failed) {
            assert_eq!(processed.load(SeqCst), PRODUCERS * per_producer, "{what}: join returned early");
            assert_eq!(q.unfinished_tasks(), 0);
        }
        // Consumers drain what is left, then see ShutDown (`_finish`).
    });
    hits.assert_all_once(&what);
    assert!(q.empty(), "{what}");
    assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
    if with_join {
        assert_eq!(q.unfinished_tasks(), 0);
    } else {
        assert_eq!(q.unfinished_tasks(), PRODUCERS * per_producer, "nobody called task_done");
    }
}

/// Runs its closure when dropped.
struct OnDropDo<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDropDo<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

macro_rules! stress_kind {
    ($module:ident, $family:ty) => {
        mod $module {
            use super::*;

            fn go(name: &'static str, maxsize: usize, mode: Mode, per_producer: usize, with_join: bool) {
                run(name, move || mpmc::<$family>(maxsize, mode, per_producer, with_join));
            }

            #[test]
            fn bounded() {
                go(concat!(stringify!($module), "::bounded"), BOUND, Mode::Blocking, PER_PRODUCER, false);
            }

            #[test]
            fn unbounded() {
                go(concat!(stringify!($module), "::unbounded"), 0, Mode::Blocking, PER_PRODUCER, false);
            }

            #[test]
            fn bounded_join() {
                go(concat!(stringify!($module), "::bounded_join"), BOUND, Mode::Blocking, PER_PRODUCER, true);
            }

            #[test]
            fn unbounded_join() {
                go(concat!(stringify!($module), "::unbounded_join"), 0, Mode::Blocking, PER_PRODUCER, true);
            }

            #[test]
            fn bounded_timed() {
                go(
                    concat!(stringify!($module), "::bounded_timed"),
                    BOUND,
                    Mode::Timed,
                    PER_PRODUCER / 4,
                    false,
                );
            }

            #[test]
            fn bounded_nowait() {
                go(
                    concat!(stringify!($module), "::bounded_nowait"),
                    BOUND,
                    Mode::NoWait,
                    PER_PRODUCER / 4,
                    false,
                );
            }
        }
    };
}

stress_kind!(fifo, Fifo);
stress_kind!(lifo, Lifo);
stress_kind!(priority, Prio);

/// `SimpleQueue`: producers put, then the main thread puts one sentinel per consumer; consumers
/// stop at their sentinel. Conservation and per-producer FIFO order. `timed` uses short
/// `get_timeout`s that keep expiring.
fn simple_mpmc(per_producer: usize, timed: bool) {
    let q: SimpleQueue<Option<Item>> = SimpleQueue::new();
    let hits = Hits::new(per_producer);
    let start = Barrier::new(PRODUCERS + CONSUMERS);
    thread::scope(|s| {
        let (q, hits, start) = (&q, &hits, &start);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                s.spawn(move || {
                    start.wait();
                    for i in 0..per_producer {
                        q.put(Some(Item::new(p, i)));
                    }
                })
            })
            .collect();
        for _ in 0..CONSUMERS {
            s.spawn(move || {
                start.wait();
                let mut order = OrderCheck::new();
                loop {
                    let next = if timed {
                        match q.get_timeout(SHORT) {
                            Ok(v) => v,
                            Err(GetError::Empty) => continue,
                            Err(GetError::ShutDown) => panic!("a SimpleQueue cannot be shut down"),
                        }
                    } else {
                        q.get()
                    };
                    let Some(item) = next else { return };
                    order.see(Some(0), item, "SimpleQueue");
                    hits.record(item);
                }
            });
        }
        for p in producers {
            p.join().unwrap();
        }
        for _ in 0..CONSUMERS {
            q.put(None);
        }
    });
    hits.assert_all_once("SimpleQueue");
    assert!(q.empty());
    assert_eq!(q.qsize(), 0);
}

#[test]
fn simple() {
    run("simple", || simple_mpmc(PER_PRODUCER, false));
}

#[test]
fn simple_timed() {
    run("simple_timed", || simple_mpmc(PER_PRODUCER / 4, true));
}
