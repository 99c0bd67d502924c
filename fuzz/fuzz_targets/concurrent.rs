//! Two or three threads run small scripts of mixed ops on one shared queue (std::thread::scope),
//! then the queue is drained and the whole history is checked:
//!
//! * conservation: every item put successfully came out exactly once (taken by a get, returned
//!   by `shutdown_immediate`, or drained at the end), and nothing else came out; every failed put
//!   gave back its own item; every item is dropped exactly once;
//! * per-producer FIFO (`Queue`, and `PriorityQueue`, whose items are keyed by thread id, so one
//!   thread's items are equal and its tie rule makes them FIFO): each thread's items, as seen in order by any one consumer, and as
//!   seen by a consumer followed by the final drain, have increasing sequence numbers;
//! * `qsize() == 0` after the drain, `qsize() <= maxsize` whenever a thread looks (maxsize is
//!   fixed here), `Full` only on a bounded queue, `ShutDown` only once shut down, and every put
//!   after a thread saw the shutdown fails with `ShutDown`;
//! * `unfinished_tasks() == successful puts - successful task_done calls` (with an immediate
//!   shutdown, which lowers it by up to the number of items it drained: within those bounds).
//!
//! Items are `(thread id, sequence number)`; the queue kind (`Queue` mostly, also `PriorityQueue`
//! and `LifoQueue`) comes from the input. Timeouts are at most 1 ms and nothing sleeps, so an
//! input runs in a few milliseconds at worst; the checks hold for every interleaving.
#![no_main]

use std::collections::HashSet;
use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use queue_blocking::{
    BlockingQueue, Container, GetError, RawQueue, SegmentedQueue, SkipListPq, TreiberStack,
};
use queue_fuzz::{Item, assert_no_live_items, checked_input};

/// Ops per thread, at most.
const MAX_SCRIPT: usize = 12;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Kind {
    Fifo,
    /// Keyed by thread id: one thread's items are equal, so FIFO among them by the tie rule.
    Priority,
    /// Conservation only: no order to check across threads.
    Lifo,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    PutNowait,
    /// `put_timeout` with `TIMEOUTS[n % 4]`.
    PutTimeout(u8),
    GetNowait,
    /// `get_timeout` with `TIMEOUTS[n % 4]`.
    GetTimeout(u8),
    TaskDone,
    /// Look at qsize/full/is_shutdown.
    Query,
    Shutdown,
    ShutdownImmediate,
    Yield,
    /// `shrink_to_fit` on a `Queue` (frees its kept segments while the others put and get);
    /// a yield on the other kinds.
    ShrinkToFit,
}

const TIMEOUTS: [Duration; 4] =
    [Duration::ZERO, Duration::from_micros(10), Duration::from_micros(100), Duration::from_millis(1)];

#[derive(Arbitrary, Debug)]
struct Input {
    kind: Kind,
    /// `maxsize % 4`; 0 = unbounded.
    maxsize: u8,
    three_threads: bool,
    scripts: [Vec<Op>; 3],
}

/// What one thread did.
#[derive(Default)]
struct Log {
    /// Sequence numbers of its own successful puts, increasing.
    put_ok: Vec<u32>,
    /// Items it took out (gets and `shutdown_immediate`), in the order it took them.
    taken: Vec<(u8, u32)>,
    task_done_ok: usize,
    /// Items returned by its `shutdown_immediate` calls.
    immediate_drained: usize,
    called_shutdown: bool,
}

fn worker<C: Container<Item, Engine: Sync> + RawQueue<Item>>(
    q: &BlockingQueue<Item, C>,
    maxsize: usize,
    tid: u8,
    script: &[Op],
    shrink: fn(&BlockingQueue<Item, C>),
) -> Log {
    let mut log = Log::default();
    let mut seq: u32 = 0;
    // Once set, the queue is shut down for good: every later put must fail with ShutDown.
    let mut seen_shutdown = false;
    for &op in script.iter().take(MAX_SCRIPT) {
        match op {
            Op::PutNowait | Op::PutTimeout(_) => {
                let id = seq;
                seq += 1;
                let item = Item::new(tid, id);
                let result = match op {
                    Op::PutTimeout(n) => q.put_timeout(item, TIMEOUTS[usize::from(n % 4)]),
                    _ => q.put_nowait(item),
                };
                match result {
                    Ok(()) => {
                        assert!(!seen_shutdown, "thread {tid}: a put succeeded after shutdown");
                        log.put_ok.push(id);
                    }
                    Err(err) => {
                        if err.is_full() {
                            assert!(maxsize > 0, "thread {tid}: Full on an unbounded queue");
                            assert!(!seen_shutdown, "thread {tid}: Full, not ShutDown, after shutdown");
                        } else {
                            assert!(q.is_shutdown(), "thread {tid}: put ShutDown, queue not shut down");
                            seen_shutdown = true;
                        }
                        let back = err.into_inner().pair();
                        assert_eq!(back, (tid, id), "thread {tid}: the failed put gave back another item");
                    }
                }
            }
            Op::GetNowait | Op::GetTimeout(_) => {
                let result = match op {
                    Op::GetTimeout(n) => q.get_timeout(TIMEOUTS[usize::from(n % 4)]),
                    _ => q.get_nowait(),
                };
                match result {
                    Ok(item) => log.taken.push(item.pair()),
                    Err(GetError::ShutDown) => {
                        assert!(q.is_shutdown(), "thread {tid}: get ShutDown, queue not shut down");
                        seen_shutdown = true;
                    }
                    Err(GetError::Empty) => {}
                }
            }
            Op::TaskDone => {
                if q.task_done().is_ok() {
                    log.task_done_ok += 1;
                }
            }
            Op::Query => {
                let n = q.qsize();
                if maxsize > 0 {
                    assert!(n <= maxsize, "thread {tid}: qsize {n} > maxsize {maxsize}");
                } else {
                    assert!(!q.full(), "thread {tid}: an unbounded queue is full");
                }
                if q.is_shutdown() {
                    seen_shutdown = true;
                }
            }
            Op::Shutdown => {
                q.shutdown();
                log.called_shutdown = true;
                seen_shutdown = true;
                assert!(q.is_shutdown());
            }
            Op::ShutdownImmediate => {
                let drained = q.shutdown_immediate();
                log.called_shutdown = true;
                seen_shutdown = true;
                assert!(q.is_shutdown());
                log.immediate_drained += drained.len();
                log.taken.extend(drained.iter().map(Item::pair));
            }
            Op::Yield => std::thread::yield_now(),
            Op::ShrinkToFit => shrink(q),
        }
    }
    log
}

/// For each producer, the sequence numbers in `seen` must increase.
fn check_per_producer_fifo<'a>(what: &str, seen: impl IntoIterator<Item = &'a (u8, u32)>) {
    let mut last: [Option<u32>; 3] = [None; 3];
    for &(tid, seq) in seen {
        let slot = &mut last[usize::from(tid)];
        if let Some(prev) = *slot {
            assert!(
                prev < seq,
                "{what}: producer {tid}'s item {seq} came out after its item {prev} (FIFO violated)"
            );
        }
        *slot = Some(seq);
    }
}

fn run<C: Container<Item, Engine: Sync> + RawQueue<Item>>(
    input: &Input,
    fifo: bool,
    shrink: fn(&BlockingQueue<Item, C>),
) {
    let maxsize = usize::from(input.maxsize % 4);
    let threads = if input.three_threads { 3 } else { 2 };
    let q = BlockingQueue::<Item, C>::new(maxsize);
    let logs: Vec<Log> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|tid| {
                let (q, script) = (&q, &input.scripts[tid]);
                s.spawn(move || worker(q, maxsize, tid as u8, script, shrink))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a worker panicked")).collect()
    });

    let shut_down = logs.iter().any(|l| l.called_shutdown);
    assert_eq!(q.is_shutdown(), shut_down, "is_shutdown after the threads joined");
    let before_drain = q.qsize();
    if maxsize > 0 {
        assert!(before_drain <= maxsize, "qsize {before_drain} > maxsize {maxsize} after join");
    }
    let mut drained = Vec::new();
    let end = loop {
        match q.get_nowait() {
            Ok(item) => drained.push(item.pair()),
            Err(e) => break e,
        }
    };
    let want_end = if shut_down { GetError::ShutDown } else { GetError::Empty };
    assert_eq!(end, want_end, "the final drain ended with the wrong error");
    assert_eq!(drained.len(), before_drain, "qsize before the drain vs items drained");
    assert_eq!(q.qsize(), 0, "qsize after the drain");
    assert!(q.empty());

    // Conservation: what came out is exactly what was put, each once.
    let put: HashSet<(u8, u32)> = logs
        .iter()
        .enumerate()
        .flat_map(|(tid, l)| l.put_ok.iter().map(move |&seq| (tid as u8, seq)))
        .collect();
    let mut out = HashSet::new();
    for pair in logs.iter().flat_map(|l| l.taken.iter()).chain(drained.iter()) {
        assert!(out.insert(*pair), "item {pair:?} came out twice");
        assert!(put.contains(pair), "item {pair:?} came out but was never put successfully");
    }
    if let Some(lost) = put.difference(&out).next() {
        panic!(
            "item {lost:?} was put successfully but never came out ({} put, {} out)",
            put.len(),
            out.len()
        );
    }

    if fifo {
        for (tid, l) in logs.iter().enumerate() {
            // Everything a thread took precedes, in the queue's order, everything drained after
            // the join.
            check_per_producer_fifo(
                &format!("thread {tid} then the final drain"),
                l.taken.iter().chain(drained.iter()),
            );
        }
    }

    // unfinished_tasks = successful puts - successful task_done - what immediate shutdowns
    // lowered (between 0 and the number of items they drained: clamped at 0).
    let puts = put.len() as i64;
    let done: i64 = logs.iter().map(|l| l.task_done_ok as i64).sum();
    let imm: i64 = logs.iter().map(|l| l.immediate_drained as i64).sum();
    let unfinished = q.unfinished_tasks() as i64;
    let (lo, hi) = (puts - done - imm, puts - done);
    assert!(
        lo.max(0) <= unfinished && unfinished <= hi,
        "unfinished_tasks {unfinished}: {puts} puts, {done} task_done, {imm} drained by shutdown_immediate"
    );
    assert_eq!(q.join_timeout(Duration::ZERO), unfinished == 0);

    drop(q);
    drop(logs);
    assert_no_live_items();
}

fuzz_target!(|input: Input| {
    checked_input(|| match input.kind {
        Kind::Fifo => run::<SegmentedQueue<Item>>(&input, true, |q| _ = q.shrink_to_fit()),
        Kind::Priority => run::<SkipListPq<Item>>(&input, true, |_| std::thread::yield_now()),
        Kind::Lifo => run::<TreiberStack<Item>>(&input, false, |_| std::thread::yield_now()),
    });
});
