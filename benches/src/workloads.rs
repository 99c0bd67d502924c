//! The timed workloads, written once over [`Channel`] and shared by the criterion benches and the
//! `compare` binary.
//!
//! Every multi-threaded workload starts its threads first, lines them up on a barrier and times
//! from the first thread's leaving the barrier to the last thread's finish (each thread reads the
//! clock itself: the spawning thread may be descheduled right after the barrier, and once was, for
//! longer than the whole run), so thread start-up and tear-down stay outside the figure. Every
//! one also checks conservation (the sum of what was received equals the sum of what was sent),
//! so a contender that loses or duplicates a value fails loudly instead of looking fast.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::peers::{Channel, CondvarQueue, Sink, Source};

/// The `i`-th value sent: a bijection on `u64`, so values are distinct (a `SkipSet` needs that)
/// and a priority queue sees keys in a scattered order rather than sorted.
#[inline]
pub fn value(i: u64) -> u64 {
    i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// `producers` threads send `items` values in all, `consumers` threads receive them; returns the
/// time from the starting barrier to the last thread's finish, or `None` when the contender cannot
/// take this shape (a capacity it lacks, or several consumers on std's mpsc).
///
/// # Panics
/// If `items` is not a multiple of both thread counts, or if the contender loses or duplicates a
/// value.
pub fn throughput<C: Channel>(
    capacity: Option<usize>,
    producers: usize,
    consumers: usize,
    items: u64,
) -> Option<Duration> {
    assert!(items.is_multiple_of(producers as u64) && items.is_multiple_of(consumers as u64));
    let (tx, rx) = C::make(capacity)?;
    let mut receivers = Vec::with_capacity(consumers);
    for _ in 1..consumers {
        receivers.push(rx.try_clone()?);
    }
    receivers.push(rx);

    let barrier = Arc::new(Barrier::new(producers + consumers + 1));
    let per_producer = items / producers as u64;
    let per_consumer = items / consumers as u64;
    let mut handles = Vec::with_capacity(producers + consumers);
    for p in 0..producers as u64 {
        let (tx, barrier) = (tx.clone(), Arc::clone(&barrier));
        handles.push(thread::spawn(move || {
            barrier.wait();
            let start = Instant::now();
            for i in p * per_producer..(p + 1) * per_producer {
                tx.send(value(i));
            }
            (start, Instant::now(), 0u64)
        }));
    }
    drop(tx);
    for rx in receivers {
        let barrier = Arc::clone(&barrier);
        handles.push(thread::spawn(move || {
            barrier.wait();
            let start = Instant::now();
            let mut sum = 0u64;
            for _ in 0..per_consumer {
                sum = sum.wrapping_add(rx.recv());
            }
            (start, Instant::now(), sum)
        }));
    }
    barrier.wait();
    let mut times: Option<(Instant, Instant)> = None;
    let mut sum = 0u64;
    for h in handles {
        let (s, e, part) = h.join().expect("benchmark thread panicked");
        times = Some(times.map_or((s, e), |(s0, e0)| (s0.min(s), e0.max(e))));
        sum = sum.wrapping_add(part);
    }
    let (start, end) = times.expect("at least one thread");
    let expected = (0..items).fold(0u64, |a, i| a.wrapping_add(value(i)));
    assert_eq!(sum, expected, "{}: values lost or duplicated", C::NAME);
    Some(end - start)
}

/// Round trips between two threads through two contenders of capacity `capacity`: the main
/// thread sends, an echo thread receives and sends back. Returns each round trip's duration,
/// sorted, after `warmup` untimed rounds; `None` if the contender cannot take `capacity`.
pub fn ping_pong<C: Channel>(capacity: Option<usize>, warmup: usize, rounds: usize) -> Option<Vec<Duration>> {
    let (to_echo, from_main) = C::make(capacity)?;
    let (to_main, from_echo) = C::make(capacity)?;
    let total = warmup + rounds;
    let echo = thread::spawn(move || {
        for _ in 0..total {
            to_main.send(from_main.recv());
        }
    });
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..total {
        let start = Instant::now();
        to_echo.send(i as u64);
        let back = from_echo.recv();
        let elapsed = start.elapsed();
        assert_eq!(back, i as u64, "{}: echo out of order", C::NAME);
        if i >= warmup {
            samples.push(elapsed);
        }
    }
    echo.join().expect("echo thread panicked");
    samples.sort_unstable();
    Some(samples)
}

/// A queue with Python's task tracking, for [`join_pool`].
pub trait TaskQueue: Send + Sync + 'static {
    /// Name printed in tables and charts.
    const NAME: &'static str;
    /// An unbounded queue.
    fn new() -> Self;
    /// `put`.
    fn put(&self, v: u64);
    /// `get`, or `None` once stopped and drained.
    fn get(&self) -> Option<u64>;
    /// `task_done`.
    fn task_done(&self);
    /// `join`.
    fn join(&self);
    /// Lets blocked `get`s return `None` (`shutdown` for ours).
    fn stop(&self);
}

impl TaskQueue for queue_blocking::Queue<u64> {
    const NAME: &'static str = "Queue";
    fn new() -> Self {
        queue_blocking::Queue::new(0)
    }
    fn put(&self, v: u64) {
        queue_blocking::Queue::put(self, v).expect("not shut down yet");
    }
    fn get(&self) -> Option<u64> {
        queue_blocking::Queue::get(self).ok()
    }
    fn task_done(&self) {
        queue_blocking::Queue::task_done(self).expect("one task_done per get");
    }
    fn join(&self) {
        queue_blocking::Queue::join(self);
    }
    fn stop(&self) {
        self.shutdown();
    }
}

impl TaskQueue for CondvarQueue<std::collections::VecDeque<u64>> {
    const NAME: &'static str = "Mutex<VecDeque>+Condvar";
    fn new() -> Self {
        CondvarQueue::new(0)
    }
    fn put(&self, v: u64) {
        CondvarQueue::put(self, v);
    }
    fn get(&self) -> Option<u64> {
        CondvarQueue::get(self)
    }
    fn task_done(&self) {
        CondvarQueue::task_done(self);
    }
    fn join(&self) {
        CondvarQueue::join(self);
    }
    fn stop(&self) {
        CondvarQueue::stop(self);
    }
}

/// Python's worker-pool pattern: `workers` threads `get` and `task_done`, the main thread `put`s
/// `tasks` values and `join`s. Timed from the barrier to `join`'s return.
///
/// # Panics
/// If a task is lost or run twice.
pub fn join_pool<Q: TaskQueue>(workers: usize, tasks: u64) -> Duration {
    let q = Arc::new(Q::new());
    let barrier = Arc::new(Barrier::new(workers + 1));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (q, barrier) = (Arc::clone(&q), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                let mut sum = 0u64;
                while let Some(v) = q.get() {
                    sum = sum.wrapping_add(v);
                    q.task_done();
                }
                sum
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for i in 0..tasks {
        q.put(value(i));
    }
    q.join();
    let elapsed = start.elapsed();
    q.stop();
    let sum = handles.into_iter().fold(0u64, |a, h| a.wrapping_add(h.join().expect("worker panicked")));
    let expected = (0..tasks).fold(0u64, |a, i| a.wrapping_add(value(i)));
    assert_eq!(sum, expected, "{}: tasks lost or run twice", Q::NAME);
    elapsed
}

/// One thread pushes `n` then pops `n` through a contender's ends (no blocking ever happens, so
/// `capacity` must be `None` or at least `n`). Returns the elapsed time.
///
/// # Panics
/// If the contender cannot take `capacity`.
pub fn fill_drain<C: Channel>(capacity: Option<usize>, n: u64) -> Duration {
    let (tx, rx) = C::make(capacity).expect("contender takes this capacity");
    let start = Instant::now();
    for i in 0..n {
        tx.send(value(i));
    }
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(rx.recv());
    }
    let elapsed = start.elapsed();
    std::hint::black_box(sum);
    elapsed
}

/// One thread keeps `resident` values in a contender and times `ops` rounds of one receive then
/// one send: the steady-state cost of a pair, and for a priority queue the cost at that size.
/// `capacity` must be `None` or at least `resident`.
///
/// Values follow the classic "hold" model of priority-queue benchmarks: each value sent is the
/// one just received plus a random increment of up to twice the resident count, so a new key lands
/// anywhere among the resident ones. (Random keys independent of time would drift: the resident
/// set becomes the largest keys ever seen and almost every push goes to the front, which flatters
/// every priority queue.) The low 20 bits hold the step number, keeping the values distinct for a
/// `SkipSet`.
///
/// # Panics
/// If the contender cannot take `capacity`, or `resident` is 2^20 or more.
pub fn alternating<C: Channel>(capacity: Option<usize>, resident: u64, ops: u64) -> Duration {
    assert!(resident < 1 << 20, "the step number must fit in 20 bits");
    let (tx, rx) = C::make(capacity).expect("contender takes this capacity");
    let spread = 2 * resident.max(1);
    let key = |time: u64, step: u64| (time << 20) | (step & 0xF_FFFF);
    for i in 0..resident {
        tx.send(key(value(i) % spread, i));
    }
    if resident == 0 {
        tx.send(0);
    }
    let start = Instant::now();
    for i in resident..resident + ops {
        let v = rx.recv();
        tx.send(key((v >> 20) + 1 + value(i) % spread, i));
    }
    let elapsed = start.elapsed();
    std::hint::black_box(rx.recv());
    elapsed
}
