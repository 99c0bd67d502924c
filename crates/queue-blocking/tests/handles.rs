//! `split()` handles: the queue shuts down when the last producer or the last consumer is gone,
//! and no item is lost or dropped twice on the way.

mod common;

use std::thread;
use std::time::Duration;

use common::*;
use queue_blocking::{GetError, PriorityQueue, Queue};

#[test]
fn last_producer_gone_ends_consumers_after_the_drain() {
    run("last_producer_gone", || {
        let (tx, rx) = Queue::bounded(8).split();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let rx = rx.clone();
                thread::spawn(move || rx.iter().collect::<Vec<u32>>())
            })
            .collect();
        drop(rx);
        let producers: Vec<_> = (0..3)
            .map(|p| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..1_000 {
                        tx.put(p * 1_000 + i).unwrap();
                    }
                })
            })
            .collect();
        // Two of four producers are still alive when this one goes: nothing shuts down yet.
        drop(tx);
        for p in producers {
            p.join().unwrap();
        }
        let mut got: Vec<u32> = consumers.into_iter().flat_map(|c| c.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, (0..3_000).collect::<Vec<_>>());
    });
}

#[test]
fn a_live_producer_keeps_the_queue_open() {
    let (tx, rx) = Queue::<u8>::unbounded().split();
    let tx2 = tx.clone();
    drop(tx);
    assert!(!rx.queue().is_shutdown());
    assert_eq!(rx.get_timeout(Duration::from_millis(1)), Err(GetError::Empty));
    drop(tx2);
    assert!(rx.queue().is_shutdown());
    assert_eq!(rx.get(), Err(GetError::ShutDown));
}

#[test]
fn last_consumer_gone_fails_puts_and_drops_what_was_left_once() {
    let log = DropLog::new(4);
    let (tx, rx) = PriorityQueue::unbounded().split();
    tx.put(log.item(0)).unwrap();
    tx.put(log.item(1)).unwrap();
    let taken = rx.get().unwrap();
    assert_eq!(taken.id, 0);
    let rx2 = rx.clone();
    drop(rx);
    tx.put(log.item(2)).unwrap();
    drop(rx2);
    // Items 1 and 2 were left inside: dropped now, once, and counted done.
    log.assert_each([1, 2], 1, "left in the queue");
    let back = tx.put(log.item(3)).unwrap_err();
    assert!(back.is_shutdown());
    assert_eq!(back.into_inner().id, 3);
    // Only the item a consumer took and did not mark done still holds join.
    assert_eq!(tx.queue().unfinished_tasks(), 1);
    assert!(!tx.join_timeout(Duration::from_millis(1)));
    tx.queue().task_done().unwrap();
    tx.join();
    drop(taken);
    drop(tx);
    log.assert_each(0..4, 1, "every item");
}

#[test]
fn a_blocked_producer_wakes_when_the_consumers_go() {
    run("blocked_producer_wakes", || {
        let (tx, rx) = Queue::bounded(1).split();
        tx.put(1u32).unwrap();
        let err = blocking_test(|| tx.put(2), move || drop(rx)).unwrap_err();
        assert!(err.is_shutdown());
        assert_eq!(err.into_inner(), 2);
    });
}

#[test]
fn a_blocked_consumer_wakes_when_the_producers_go() {
    run("blocked_consumer_wakes", || {
        let (tx, rx) = Queue::<u32>::unbounded().split();
        assert_eq!(blocking_test(|| rx.get(), move || drop(tx)), Err(GetError::ShutDown));
    });
}

/// A FIFO's handles name no container: `Producer<T>` and `Consumer<T>` are `Queue`'s.
fn pump(tx: &queue_blocking::Producer<u32>, rx: &queue_blocking::Consumer<u32>) -> u32 {
    tx.put(2).unwrap();
    rx.get().unwrap()
}

#[test]
fn handles_default_to_the_fifo_container() {
    let (tx, rx) = Queue::unbounded().split();
    assert_eq!(pump(&tx, &rx), 2);
}

/// The handles' own async methods: a task puts through a `Producer` and another side gets
/// through a `Consumer`, `join_async` waits for the tasks, and dropping the last producer ends
/// the consumer's `get_async` after the drain.
#[test]
fn handles_have_async_methods() {
    run("handles_have_async_methods", || {
        let (tx, rx) = Queue::bounded(2).split();
        let consumer = thread::spawn(move || {
            let mut got = Vec::new();
            while let Ok(item) = exec::block_on(rx.get_async()) {
                got.push(item);
                rx.task_done().unwrap();
            }
            got
        });
        exec::block_on(async {
            for i in 0..100u32 {
                tx.put_async(i).await.unwrap();
            }
            tx.join_async().await;
        });
        assert_eq!(tx.queue().unfinished_tasks(), 0);
        drop(tx);
        assert_eq!(consumer.join().unwrap(), (0..100).collect::<Vec<_>>());
    });
}
