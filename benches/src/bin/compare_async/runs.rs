//! The timed runs: async throughput and ping-pong on a shared runtime (sections 1-3), and batch
//! receive between two threads (section 4). Each checks conservation and panics otherwise.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use queue_benches::stats::mega_per_sec;
use queue_benches::workloads::value;
use tokio::runtime::{Builder, Runtime};

use crate::BATCH;
use crate::channels::AsyncChannel;

/// The count and the wrapping sum of `value(0..items)`, what every run must receive.
pub(crate) fn expected(items: u64) -> (u64, u64) {
    (items, (0..items).fold(0u64, |a, i| a.wrapping_add(value(i))))
}

pub(crate) fn check_conservation(name: &str, items: u64, got: (u64, u64)) {
    let want = expected(items);
    assert_eq!(got.0, want.0, "{name}: received {} values, sent {}", got.0, want.0);
    assert_eq!(
        got.1, want.1,
        "{name}: the sum received differs from the sum sent (values lost or duplicated)"
    );
}

/// One task's clock and what it received: (first instant after the barrier, finish, count, sum).
pub(crate) type TaskReport = (Instant, Instant, u64, u64);

/// Sections 1 and 2: `producers` tasks send `items` values in all, `consumers` tasks receive
/// until the channel closes. Timed from the first task's leaving a start barrier to the last
/// task's finish (each task reads the clock itself), so spawning stays outside. M items/s.
pub(crate) fn async_throughput<A: AsyncChannel>(
    rt: &Runtime,
    capacity: Option<usize>,
    producers: usize,
    consumers: usize,
    items: u64,
) -> f64 {
    assert!(items.is_multiple_of(producers as u64));
    let per_producer = items / producers as u64;
    let (txs, rxs) = A::make(capacity, producers, consumers);
    let barrier = Arc::new(tokio::sync::Barrier::new(producers + consumers));
    let reports: Vec<TaskReport> = rt.block_on(async {
        let mut tasks = Vec::with_capacity(producers + consumers);
        for (p, tx) in (0u64..).zip(txs) {
            let barrier = Arc::clone(&barrier);
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let start = Instant::now();
                for i in p * per_producer..(p + 1) * per_producer {
                    A::send(&tx, value(i)).await;
                }
                drop(tx); // the last sender gone closes the channel (ours: shutdown)
                (start, Instant::now(), 0, 0)
            }));
        }
        for mut rx in rxs {
            let barrier = Arc::clone(&barrier);
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let start = Instant::now();
                let (mut count, mut sum) = (0u64, 0u64);
                while let Some(v) = A::recv(&mut rx).await {
                    count += 1;
                    sum = sum.wrapping_add(v);
                }
                (start, Instant::now(), count, sum)
            }));
        }
        let mut reports = Vec::with_capacity(tasks.len());
        for t in tasks {
            reports.push(t.await.unwrap_or_else(|e| panic!("{}: a benchmark task failed: {e}", A::NAME)));
        }
        reports
    });
    let start = reports.iter().map(|r| r.0).min().expect("at least one task");
    let end = reports.iter().map(|r| r.1).max().expect("at least one task");
    let got = reports.iter().fold((0, 0), |(c, s), r| (c + r.2, u64::wrapping_add(s, r.3)));
    check_conservation(A::NAME, items, got);
    mega_per_sec(items, end - start)
}

/// Section 3: round trips between two tasks through two unbounded channels: a pinger sends `i`
/// and waits for it back, an echo task returns what it receives. µs per round trip (the mean of
/// `rounds` timed round trips after `warmup` untimed ones).
pub(crate) fn async_ping_pong<A: AsyncChannel>(rt: &Runtime, warmup: u64, rounds: u64) -> f64 {
    let (mut to_echo, mut from_main) = A::make(None, 1, 1);
    let (mut to_main, mut from_echo) = A::make(None, 1, 1);
    let (to_echo, mut from_main) = (to_echo.pop().expect("one"), from_main.pop().expect("one"));
    let (to_main, mut from_echo) = (to_main.pop().expect("one"), from_echo.pop().expect("one"));
    let total = warmup + rounds;
    let (elapsed, echoed) = rt.block_on(async move {
        let echo = tokio::spawn(async move {
            let (mut count, mut sum) = (0u64, 0u64);
            while count < total {
                let v = A::recv(&mut from_main).await.expect("the pinger's channel stays open");
                count += 1;
                sum = sum.wrapping_add(v);
                A::send(&to_main, v).await;
            }
            (count, sum)
        });
        let ping = tokio::spawn(async move {
            let mut start = Instant::now();
            for i in 0..total {
                if i == warmup {
                    start = Instant::now();
                }
                A::send(&to_echo, value(i)).await;
                let back = A::recv(&mut from_echo).await.expect("the echo's channel stays open");
                assert_eq!(back, value(i), "{}: echo out of order", A::NAME);
            }
            start.elapsed()
        });
        let elapsed = ping.await.unwrap_or_else(|e| panic!("{}: the pinger failed: {e}", A::NAME));
        let echoed = echo.await.unwrap_or_else(|e| panic!("{}: the echo failed: {e}", A::NAME));
        (elapsed, echoed)
    });
    check_conservation(A::NAME, total, echoed);
    elapsed.as_secs_f64() * 1e6 / rounds as f64
}

/// One producer thread runs `produce` (send `value(0..items)`, then close), one consumer thread
/// runs `consume` (receive until closed, return the count and the sum). Timed like the async
/// runs: from the first thread's leaving a barrier to the last one's finish. M items/s.
pub(crate) fn threaded_pair(
    name: &str,
    items: u64,
    produce: impl FnOnce() + Send,
    consume: impl FnOnce() -> (u64, u64) + Send,
) -> f64 {
    let barrier = Barrier::new(2);
    let ((p_start, p_end), (c_start, c_end, got)) = thread::scope(|s| {
        let producer = s.spawn(|| {
            barrier.wait();
            let start = Instant::now();
            produce();
            (start, Instant::now())
        });
        let consumer = s.spawn(|| {
            barrier.wait();
            let start = Instant::now();
            let got = consume();
            (start, Instant::now(), got)
        });
        (producer.join().expect("producer panicked"), consumer.join().expect("consumer panicked"))
    });
    check_conservation(name, items, got);
    mega_per_sec(items, p_end.max(c_end) - p_start.min(c_start))
}

/// Adds `buf`'s values to the running count and sum, and empties it for the next batch.
pub(crate) fn tally(buf: &mut Vec<u64>, acc: &mut (u64, u64)) {
    acc.0 += buf.len() as u64;
    acc.1 = buf.drain(..).fold(acc.1, u64::wrapping_add);
}

pub(crate) fn ours_queue(capacity: Option<usize>) -> queue_blocking::Queue<u64> {
    capacity.map_or_else(queue_blocking::Queue::unbounded, queue_blocking::Queue::bounded)
}

/// How the consumer of ours takes the items.
#[derive(Clone, Copy)]
pub(crate) enum OursReceive {
    Get,
    GetMany,
    GetManyAsync,
}

pub(crate) fn batch_ours(how: OursReceive, capacity: Option<usize>, items: u64) -> f64 {
    let q = ours_queue(capacity);
    // Built before the barrier, so its construction is not timed; used only by `GetManyAsync`.
    let rt = Builder::new_current_thread().build().expect("a current-thread runtime");
    let produce = || {
        for i in 0..items {
            q.put(value(i)).expect("put before shutdown");
        }
        q.shutdown();
    };
    let consume = || {
        let mut acc = (0u64, 0u64);
        let mut buf = Vec::with_capacity(BATCH);
        match how {
            OursReceive::Get => {
                while let Ok(v) = q.get() {
                    acc.0 += 1;
                    acc.1 = acc.1.wrapping_add(v);
                }
            }
            OursReceive::GetMany => {
                while q.get_many(&mut buf, BATCH).is_ok() {
                    tally(&mut buf, &mut acc);
                }
            }
            OursReceive::GetManyAsync => rt.block_on(async {
                while q.get_many_async(&mut buf, BATCH).await.is_ok() {
                    tally(&mut buf, &mut acc);
                }
            }),
        }
        acc
    };
    threaded_pair("Queue", items, produce, consume)
}

/// tokio's `recv_many(64)` on a current-thread runtime in the consumer thread; the producer
/// thread uses `blocking_send` (bounded) or `send` (unbounded). The two receivers are different
/// types with the same `recv_many`, hence the macro.
pub(crate) fn batch_tokio(capacity: Option<usize>, items: u64) -> f64 {
    // Built before the barrier, so its construction is not timed.
    let rt = Builder::new_current_thread().build().expect("a current-thread runtime");
    macro_rules! consume {
        ($rx:ident) => {
            || {
                rt.block_on(async {
                    let mut acc = (0u64, 0u64);
                    let mut buf = Vec::with_capacity(BATCH);
                    while $rx.recv_many(&mut buf, BATCH).await > 0 {
                        tally(&mut buf, &mut acc);
                    }
                    acc
                })
            }
        };
    }
    match capacity {
        Some(n) => {
            let (tx, mut rx) = tokio::sync::mpsc::channel(n);
            let produce = move || {
                for i in 0..items {
                    tx.blocking_send(value(i)).expect("receiver alive");
                }
            };
            threaded_pair("tokio recv_many", items, produce, consume!(rx))
        }
        None => {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let produce = move || {
                for i in 0..items {
                    tx.send(value(i)).expect("receiver alive");
                }
            };
            threaded_pair("tokio recv_many", items, produce, consume!(rx))
        }
    }
}

/// crossbeam-channel: a blocking `recv()` for the first item, then `try_iter()` for up to 63 more.
pub(crate) fn batch_crossbeam(capacity: Option<usize>, items: u64) -> f64 {
    let (tx, rx) = capacity.map_or_else(crossbeam_channel::unbounded, crossbeam_channel::bounded);
    let produce = move || {
        for i in 0..items {
            tx.send(value(i)).expect("receiver alive");
        }
    };
    let consume = || {
        let mut acc = (0u64, 0u64);
        let mut buf = Vec::with_capacity(BATCH);
        while let Ok(first) = rx.recv() {
            buf.push(first);
            buf.extend(rx.try_iter().take(BATCH - 1));
            tally(&mut buf, &mut acc);
        }
        acc
    };
    threaded_pair("crossbeam-channel", items, produce, consume)
}
