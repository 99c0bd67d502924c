//! `GetStream` (feature `stream`): the items as a `futures_core::Stream`, ending at shutdown,
//! fused, and fed by threads and tasks alike. Run by `.ci/run` with `--features stream`.
#![cfg(feature = "stream")]

mod common;

use std::future::poll_fn;
use std::pin::{Pin, pin};
use std::task::Poll;
use std::thread;

use common::exec::{Probe, block_on};
use common::*;
use futures_core::Stream;
use futures_core::stream::FusedStream;
use queue_blocking::{GetStream, SimpleQueue};

async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

fn stream_ends_at_shutdown<F: Family>() {
    let q = new_q::<F, i32>(2);
    let mut got = thread::scope(|s| {
        s.spawn(|| {
            q.put_many(0..50).unwrap();
            q.shutdown();
        });
        block_on(async {
            let mut items = q.stream();
            let mut got = Vec::new();
            while let Some(x) = next(&mut items).await {
                got.push(x);
            }
            assert!(items.is_terminated());
            assert_eq!(next(&mut items).await, None, "fused: stays ended");
            got
        })
    });
    got.sort();
    assert_eq!(got, (0..50).collect::<Vec<_>>());
}

fn a_pending_stream_is_woken_by_a_put<F: Family>() {
    let q = new_q::<F, i32>(0);
    let probe = Probe::new();
    let waker = probe.waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut items: Pin<&mut GetStream<'_, i32, _>> = pin!(q.stream());
    assert!(items.as_mut().poll_next(&mut cx).is_pending());
    q.put(3).unwrap();
    assert_eq!(probe.wakes(), 1);
    assert_eq!(items.as_mut().poll_next(&mut cx), Poll::Ready(Some(3)));
    assert!(!items.is_terminated());
}

for_each_kind!(stream_ends_at_shutdown, a_pending_stream_is_woken_by_a_put);

#[test]
fn simple_queue_stream() {
    run("simple_queue_stream", || {
        let q = SimpleQueue::new();
        q.put_many([1, 2]);
        let sum = block_on(async {
            let mut items = q.stream();
            next(&mut items).await.unwrap() + next(&mut items).await.unwrap()
        });
        assert_eq!(sum, 3);
    });
}

/// A `Consumer`'s stream ends once the last `Producer` is gone and the queue is drained.
#[test]
fn a_consumer_stream_ends_when_the_producers_go() {
    run("a_consumer_stream_ends_when_the_producers_go", || {
        let (tx, rx) = queue_blocking::Queue::bounded(4).split();
        let producer = thread::spawn(move || {
            for i in 0..40u32 {
                tx.put(i).unwrap();
            }
        });
        let got = block_on(async {
            let mut items = rx.stream();
            let mut got = Vec::new();
            while let Some(x) = next(&mut items).await {
                got.push(x);
            }
            got
        });
        producer.join().unwrap();
        assert_eq!(got, (0..40).collect::<Vec<_>>());
    });
}
