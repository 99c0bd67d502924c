//! `valgrind --tool=callgrind target/release/op_costs KIND N`: N uncontended put+get pairs (a
//! put, then a get that finds the item) on one queue kind, for counting instructions, which are
//! stable on a noisy machine where times are not. KIND is `queue`, `queue-bounded`, `lifo`,
//! `priority`, `simple`, the peers `segqueue`, `kanal`, `kanal-bounded`, `crossbeam`,
//! `crossbeam-bounded` (bounded: 1024), the async forms `queue-async`, `kanal-async` (each future
//! polled once with a no-op waker; it must complete), `queue-async-wait` (a wait cycle: a get
//! future polled on the empty queue registers, the put wakes it, the second poll takes the item
//! and leaves), the round trips `pingpong-queue`, `pingpong-kanal`, `pingpong-tokio` (two tasks
//! on a tokio current-thread runtime echoing through two unbounded queues: N round trips, each a
//! wait cycle on both sides), or `none` (the loop without a queue, to subtract).
//! docs/performance.md has the counts and how they were taken.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use queue_blocking::{LifoQueue, PriorityQueue, Queue, SimpleQueue};

fn pairs<P: FnMut(u64), G: FnMut() -> u64>(n: u64, mut put: P, mut get: G) -> u64 {
    let mut sum = 0u64;
    for i in 0..n {
        put(black_box(i));
        sum = sum.wrapping_add(get());
    }
    sum
}

/// Polls `future` once with a no-op waker; an uncontended put or get must complete at once.
fn now<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("an uncontended async operation returned Pending"),
    }
}

/// `n` round trips between two tasks on a current-thread runtime: `send`/`recv` on the pair
/// `there` (to the echo task) and `back`. Returns the sum of what came back.
macro_rules! ping_pong {
    ($n:expr, $there:expr, $back:expr, $send:ident, $recv:ident) => {{
        let n = $n;
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        // `mut`: tokio's receivers take `&mut self`.
        #[allow(unused_mut)]
        let ((there_tx, mut there_rx), (back_tx, mut back_rx)) = ($there, $back);
        rt.block_on(async move {
            let echo = tokio::spawn(async move {
                for _ in 0..n {
                    let v = $recv!(there_rx);
                    $send!(back_tx, v);
                }
            });
            let mut sum = 0u64;
            for i in 0..n {
                $send!(there_tx, i);
                sum = sum.wrapping_add($recv!(back_rx));
            }
            echo.await.expect("the echo task");
            sum
        })
    }};
}

macro_rules! queue_send {
    ($q:expr, $v:expr) => {
        $q.put_async($v).await.unwrap()
    };
}
macro_rules! queue_recv {
    ($q:expr) => {
        $q.get_async().await.unwrap()
    };
}
macro_rules! kanal_send {
    ($tx:expr, $v:expr) => {
        $tx.send($v).await.unwrap()
    };
}
macro_rules! kanal_recv {
    ($rx:expr) => {
        $rx.recv().await.unwrap()
    };
}
macro_rules! tokio_send {
    ($tx:expr, $v:expr) => {
        $tx.send($v).unwrap()
    };
}
macro_rules! tokio_recv {
    ($rx:expr) => {
        $rx.recv().await.unwrap()
    };
}

fn queue_pair() -> (std::sync::Arc<Queue<u64>>, std::sync::Arc<Queue<u64>>) {
    let q = std::sync::Arc::new(Queue::unbounded());
    (std::sync::Arc::clone(&q), q)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let kind = args.get(1).map_or("queue", String::as_str);
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let sum = match kind {
        "queue" => {
            let q = Queue::unbounded();
            pairs(n, |x| q.put(x).unwrap(), || q.get().unwrap())
        }
        "queue-bounded" => {
            let q = Queue::bounded(1024);
            pairs(n, |x| q.put(x).unwrap(), || q.get().unwrap())
        }
        "lifo" => {
            let q = LifoQueue::unbounded();
            pairs(n, |x| q.put(x).unwrap(), || q.get().unwrap())
        }
        "priority" => {
            let q = PriorityQueue::unbounded();
            pairs(n, |x| q.put(x).unwrap(), || q.get().unwrap())
        }
        "simple" => {
            let q = SimpleQueue::new();
            pairs(n, |x| q.put(x), || q.get())
        }
        "segqueue" => {
            let q = crossbeam_queue::SegQueue::new();
            pairs(n, |x| q.push(x), || q.pop().unwrap())
        }
        "kanal" => {
            let (tx, rx) = kanal::unbounded();
            pairs(n, |x| tx.send(x).unwrap(), || rx.recv().unwrap())
        }
        "kanal-bounded" => {
            let (tx, rx) = kanal::bounded(1024);
            pairs(n, |x| tx.send(x).unwrap(), || rx.recv().unwrap())
        }
        "crossbeam" => {
            let (tx, rx) = crossbeam_channel::unbounded();
            pairs(n, |x| tx.send(x).unwrap(), || rx.recv().unwrap())
        }
        "crossbeam-bounded" => {
            let (tx, rx) = crossbeam_channel::bounded(1024);
            pairs(n, |x| tx.send(x).unwrap(), || rx.recv().unwrap())
        }
        "queue-async" => {
            let q = Queue::unbounded();
            pairs(n, |x| now(q.put_async(x)).unwrap(), || now(q.get_async()).unwrap())
        }
        "queue-async-wait" => {
            let q = Queue::unbounded();
            let cx = &mut Context::from_waker(Waker::noop());
            pairs(
                n,
                |x| {
                    let mut get = pin!(q.get_async());
                    assert!(get.as_mut().poll(cx).is_pending(), "the queue is empty");
                    q.put(x).unwrap();
                    let Poll::Ready(got) = get.poll(cx) else { panic!("woken with an item there") };
                    // Put back for the loop's get, so the pair count stays the loop's.
                    q.put(got.unwrap()).unwrap();
                },
                || q.get().unwrap(),
            )
        }
        "pingpong-queue" => ping_pong!(n, queue_pair(), queue_pair(), queue_send, queue_recv),
        "pingpong-kanal" => {
            ping_pong!(n, kanal::unbounded_async(), kanal::unbounded_async(), kanal_send, kanal_recv)
        }
        "pingpong-tokio" => {
            let (there, back) =
                (tokio::sync::mpsc::unbounded_channel(), tokio::sync::mpsc::unbounded_channel());
            ping_pong!(n, there, back, tokio_send, tokio_recv)
        }
        "kanal-async" => {
            let (tx, rx) = kanal::unbounded_async();
            pairs(n, |x| now(tx.send(x)).unwrap(), || now(rx.recv()).unwrap())
        }
        "none" => pairs(n, |x| _ = black_box(x), || black_box(1)),
        other => panic!("unknown kind {other}"),
    };
    assert_eq!(sum, if kind == "none" { n } else { n * n.saturating_sub(1) / 2 });
    println!("{kind}: {n} put+get pairs");
}
