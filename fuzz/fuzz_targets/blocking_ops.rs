//! Single-threaded op sequences on `queue_blocking::{Queue, LifoQueue, PriorityQueue,
//! SimpleQueue}`, each result checked against a sequential model that follows CPython's
//! `queue.py` (shared/reference/python-queue-semantics.md §1.3, §1.4, §1.7) plus the crate's
//! documented departures:
//!
//! * put: shut down → `ShutDown(item)` (before anything else, even on a full queue); else
//!   `maxsize > 0 && qsize >= maxsize` → `Full(item)`; else the item goes in and
//!   `unfinished_tasks` rises by one. A failed put gives back the very item it was handed.
//! * get: shut down and empty → `ShutDown`; empty → `Empty`; else the next item in the kind's
//!   order (priority: smallest key, equal keys first in, first out, unlike CPython's heap).
//! * `task_done`: fails exactly when `unfinished_tasks` is 0, shut down or not.
//! * `shutdown_immediate`: shuts down, returns the items in get order, lowers `unfinished_tasks`
//!   by one per item, clamped at 0.
//! * `set_maxsize`: any value, 0 = unbounded; shrinking never drops items; `full()` is
//!   `maxsize > 0 && qsize >= maxsize`.
//!
//! With one thread every call is exact, so a zero timeout, a short one, a deadline already past
//! and the non-blocking call must all agree. An untimed `put`/`get`/`join` is made only when the
//! model says it returns at once; otherwise the op falls back to its non-blocking form.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use queue_blocking::{
    BlockingQueue, Container, GetError, PutError, RawQueue, SegmentedQueue, SimpleQueue, SkipListPq,
    TaskDoneError, TreiberStack,
};
use queue_fuzz::{
    FifoModel, Item, LifoModel, MAX_OPS, Model, PriorityModel, assert_no_live_items, checked_input,
};

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Kind {
    Fifo,
    Lifo,
    Priority,
    Simple,
}

/// How a put or get waits.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum How {
    /// `put_nowait` / `get_nowait`.
    Nowait,
    /// `put_timeout` / `get_timeout` with `Duration::ZERO`.
    TimeoutZero,
    /// `put_timeout` / `get_timeout` with `n % 4` microseconds (exercises the sleeping path).
    TimeoutShort(u8),
    /// `put_deadline` / `get_deadline` with a deadline already past.
    DeadlinePast,
    /// `put` / `get`, only when the model says it cannot block; else the `Nowait` form.
    Untimed,
}

/// How a join waits.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum JoinHow {
    TimeoutZero,
    DeadlinePast,
    /// `join()`, only when the model says every task is done; else `join_timeout(ZERO)`.
    Untimed,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    Put {
        how: How,
        key: u8,
    },
    Get(How),
    TaskDone,
    /// `set_maxsize(n % 5)`.
    SetMaxsize(u8),
    Shutdown,
    ShutdownImmediate,
    Join(JoinHow),
    /// `try_iter().take(n % 8)`.
    TryIter(u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    kind: Kind,
    /// `maxsize % 5` at construction.
    maxsize: u8,
    /// Take out what is left at the end (checking its order) instead of dropping the queue with
    /// its items (checking that each is dropped once).
    drain_at_end: bool,
    ops: Vec<Op>,
}

fn short(n: u8) -> Duration {
    Duration::from_micros(u64::from(n % 4))
}

/// CPython's `queue.Queue` state, over a container model `M` that fixes the leaving order.
struct PyModel<M> {
    items: M,
    maxsize: usize,
    unfinished: usize,
    shutdown: bool,
}

/// A put's expected outcome.
#[derive(Debug, PartialEq)]
enum PutOutcome {
    Ok,
    Full,
    ShutDown,
}

impl<M: Model> PyModel<M> {
    fn full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }

    fn put(&mut self, key: u8, id: u32) -> PutOutcome {
        if self.shutdown {
            return PutOutcome::ShutDown;
        }
        if self.full() {
            return PutOutcome::Full;
        }
        self.items.push(key, id);
        self.unfinished += 1;
        PutOutcome::Ok
    }

    /// Whether an untimed put would return at once.
    fn put_returns_at_once(&self) -> bool {
        self.shutdown || !self.full()
    }

    fn get(&mut self) -> Result<(u8, u32), GetError> {
        if self.shutdown && self.items.is_empty() {
            return Err(GetError::ShutDown);
        }
        self.items.pop().ok_or(GetError::Empty)
    }

    /// Whether an untimed get would return at once.
    fn get_returns_at_once(&self) -> bool {
        self.shutdown || !self.items.is_empty()
    }

    fn task_done(&mut self) -> Result<(), TaskDoneError> {
        if self.unfinished == 0 {
            return Err(TaskDoneError);
        }
        self.unfinished -= 1;
        Ok(())
    }

    fn shutdown_immediate(&mut self) -> Vec<(u8, u32)> {
        self.shutdown = true;
        let mut drained = Vec::new();
        while let Some(pair) = self.items.pop() {
            drained.push(pair);
            self.unfinished = self.unfinished.saturating_sub(1);
        }
        drained
    }
}

fn check_put(op: Op, id: u32, key: u8, got: Result<(), PutError<Item>>, want: PutOutcome) {
    let outcome = match got {
        Ok(()) => PutOutcome::Ok,
        Err(err) => {
            let outcome = if err.is_full() { PutOutcome::Full } else { PutOutcome::ShutDown };
            assert_eq!(err.is_shutdown(), outcome == PutOutcome::ShutDown);
            let back = err.into_inner().pair();
            assert_eq!(back, (key, id), "{op:?}: the failed put gave back another item");
            outcome
        }
    };
    assert_eq!(outcome, want, "{op:?} (item id {id}): got {outcome:?}, CPython's rules say {want:?}");
}

fn check_get(op: Op, got: Result<Item, GetError>, want: Result<(u8, u32), GetError>) {
    let got = got.map(|item| item.pair());
    assert_eq!(got, want, "{op:?}: got (key, id) {got:?}, CPython's rules say {want:?}");
}

fn check_state<C: Container<Item, Engine: Sync> + RawQueue<Item>, M: Model>(
    q: &BlockingQueue<Item, C>,
    m: &PyModel<M>,
    op: Op,
) {
    let n = m.items.len();
    assert_eq!(q.qsize(), n, "qsize after {op:?}");
    assert_eq!(q.len(), n, "len after {op:?}");
    assert_eq!(q.empty(), n == 0, "empty after {op:?}");
    assert_eq!(q.is_empty(), n == 0, "is_empty after {op:?}");
    assert_eq!(q.full(), m.full(), "full after {op:?} (qsize {n}, maxsize {})", m.maxsize);
    assert_eq!(q.is_full(), m.full(), "is_full after {op:?}");
    assert_eq!(q.maxsize(), m.maxsize, "maxsize after {op:?}");
    assert_eq!(q.unfinished_tasks(), m.unfinished, "unfinished_tasks after {op:?}");
    assert_eq!(q.is_shutdown(), m.shutdown, "is_shutdown after {op:?}");
}

fn run<C: Container<Item, Engine: Sync> + RawQueue<Item>, M: Model>(
    maxsize: usize,
    drain_at_end: bool,
    ops: &[Op],
) {
    let q = BlockingQueue::<Item, C>::new(maxsize);
    let mut m = PyModel { items: M::default(), maxsize, unfinished: 0, shutdown: false };
    let mut next_id: u32 = 0;
    for &op in ops.iter().take(MAX_OPS) {
        match op {
            Op::Put { how, key } => {
                let key = key & 0x0f; // small keys: ties for the priority queue
                let id = next_id;
                next_id += 1;
                let item = Item::new(key, id);
                let got = match how {
                    How::Nowait => q.put_nowait(item),
                    How::TimeoutZero => q.put_timeout(item, Duration::ZERO),
                    How::TimeoutShort(n) => q.put_timeout(item, short(n)),
                    How::DeadlinePast => q.put_deadline(item, Instant::now()),
                    How::Untimed if m.put_returns_at_once() => q.put(item),
                    How::Untimed => q.put_nowait(item),
                };
                let want = m.put(key, id);
                check_put(op, id, key, got, want);
            }
            Op::Get(how) => {
                let got = match how {
                    How::Nowait => q.get_nowait(),
                    How::TimeoutZero => q.get_timeout(Duration::ZERO),
                    How::TimeoutShort(n) => q.get_timeout(short(n)),
                    How::DeadlinePast => q.get_deadline(Instant::now()),
                    How::Untimed if m.get_returns_at_once() => q.get(),
                    How::Untimed => q.get_nowait(),
                };
                check_get(op, got, m.get());
            }
            Op::TaskDone => {
                let got = q.task_done();
                let want = m.task_done();
                assert_eq!(got, want, "task_done");
            }
            Op::SetMaxsize(n) => {
                let n = usize::from(n % 5);
                q.set_maxsize(n);
                m.maxsize = n;
            }
            Op::Shutdown => {
                q.shutdown();
                m.shutdown = true;
            }
            Op::ShutdownImmediate => {
                let got: Vec<_> = q.shutdown_immediate().iter().map(Item::pair).collect();
                let want = m.shutdown_immediate();
                assert_eq!(got, want, "shutdown_immediate returned other items (or order)");
            }
            Op::Join(how) => {
                let want = m.unfinished == 0;
                let got = match how {
                    JoinHow::TimeoutZero => q.join_timeout(Duration::ZERO),
                    JoinHow::DeadlinePast => q.join_deadline(Instant::now()),
                    JoinHow::Untimed if want => {
                        q.join();
                        true
                    }
                    JoinHow::Untimed => q.join_timeout(Duration::ZERO),
                };
                assert_eq!(got, want, "{op:?} with {} unfinished", m.unfinished);
            }
            Op::TryIter(n) => {
                let n = usize::from(n % 8);
                let got: Vec<_> = q.try_iter().take(n).collect::<Vec<_>>().iter().map(Item::pair).collect();
                let want: Vec<_> = std::iter::from_fn(|| m.items.pop()).take(n).collect();
                assert_eq!(got, want, "try_iter().take({n})");
            }
        }
        check_state(&q, &m, op);
    }
    if drain_at_end {
        // What is left comes out in the model's order.
        while let Some(want) = m.items.pop() {
            check_get(Op::Get(How::Nowait), q.get_nowait(), Ok(want));
        }
        let end = if m.shutdown { GetError::ShutDown } else { GetError::Empty };
        check_get(Op::Get(How::Nowait), q.get_nowait(), Err(end));
    }
    // Dropping the queue drops each remaining item exactly once.
    drop(q);
    drop(m);
    assert_no_live_items();
}

/// `SimpleQueue`: unbounded FIFO, puts always succeed, gets fail only with `Empty`; the ops it
/// lacks (task_done, maxsize, shutdown, join) are skipped.
fn run_simple(drain_at_end: bool, ops: &[Op]) {
    let q = SimpleQueue::new();
    let mut m = FifoModel::default();
    let mut next_id: u32 = 0;
    for &op in ops.iter().take(MAX_OPS) {
        match op {
            Op::Put { how, key } => {
                let id = next_id;
                next_id += 1;
                let item = Item::new(key, id);
                match how {
                    How::Untimed => q.put(item),
                    _ => q.put_nowait(item),
                }
                m.push(key, id);
            }
            Op::Get(how) => {
                let got = match how {
                    How::Nowait => q.get_nowait(),
                    How::TimeoutZero => q.get_timeout(Duration::ZERO),
                    How::TimeoutShort(n) => q.get_timeout(short(n)),
                    How::DeadlinePast => q.get_deadline(Instant::now()),
                    How::Untimed if !m.is_empty() => Ok(q.get()),
                    How::Untimed => q.get_nowait(),
                };
                check_get(op, got, m.pop().ok_or(GetError::Empty));
            }
            Op::TaskDone
            | Op::SetMaxsize(_)
            | Op::Shutdown
            | Op::ShutdownImmediate
            | Op::Join(_)
            | Op::TryIter(_) => {}
        }
        let n = m.len();
        assert_eq!(q.qsize(), n, "SimpleQueue qsize after {op:?}");
        assert_eq!(q.len(), n, "SimpleQueue len after {op:?}");
        assert_eq!(q.empty(), n == 0, "SimpleQueue empty after {op:?}");
        assert_eq!(q.is_empty(), n == 0, "SimpleQueue is_empty after {op:?}");
    }
    if drain_at_end {
        while let Some(want) = m.pop() {
            check_get(Op::Get(How::Nowait), q.get_nowait(), Ok(want));
        }
        check_get(Op::Get(How::Nowait), q.get_nowait(), Err(GetError::Empty));
    }
    // Dropping the queue drops each remaining item exactly once.
    drop(q);
    drop(m);
    assert_no_live_items();
}

fuzz_target!(|input: Input| {
    checked_input(|| {
        let maxsize = usize::from(input.maxsize % 5);
        let (drain, ops) = (input.drain_at_end, &input.ops);
        match input.kind {
            Kind::Fifo => run::<SegmentedQueue<Item>, FifoModel>(maxsize, drain, ops),
            Kind::Lifo => run::<TreiberStack<Item>, LifoModel>(maxsize, drain, ops),
            Kind::Priority => run::<SkipListPq<Item>, PriorityModel>(maxsize, drain, ops),
            Kind::Simple => run_simple(drain, ops),
        }
    });
});
