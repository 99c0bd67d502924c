//! Blocking threads and async tasks on the same queues. A thread reads "requests" (blocking
//! `put` into a bounded queue: back-pressure), tokio tasks handle them (`get_task_async`: the
//! guard marks each task done, also if a handler fails), send replies into a second queue with
//! `put_async`, and a blocking thread collects them in batches with `get_many`. The main task waits
//! for every request with `join_async`, then shuts both queues down. Nothing is lost: the
//! collector checks the count and the checksum.
//!
//! Run with `cargo run --release --example async_pipeline`.

use std::sync::Arc;
use std::thread;

use queue_blocking::Queue;

const REQUESTS: u64 = 50_000;
const HANDLERS: usize = 4;

fn main() {
    let requests = Arc::new(Queue::bounded(64));
    let replies = Arc::new(Queue::bounded(256));

    // A blocking producer thread.
    let reader = {
        let requests = Arc::clone(&requests);
        thread::spawn(move || {
            for id in 0..REQUESTS {
                requests.put(id).expect("open until every request is in");
            }
        })
    };

    // A blocking consumer thread, taking replies in batches of up to 128.
    let collector = {
        let replies = Arc::clone(&replies);
        thread::spawn(move || {
            let (mut count, mut checksum, mut batches) = (0u64, 0u64, 0u64);
            let mut batch = Vec::with_capacity(128);
            while replies.get_many(&mut batch, 128).is_ok() {
                batches += 1;
                count += batch.len() as u64;
                checksum += batch.drain(..).sum::<u64>();
            }
            (count, checksum, batches)
        })
    };

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    runtime.block_on(async {
        let handlers: Vec<_> = (0..HANDLERS)
            .map(|_| {
                let (requests, replies) = (Arc::clone(&requests), Arc::clone(&replies));
                tokio::spawn(async move {
                    let mut out = Vec::with_capacity(8);
                    // Ends when the request queue is shut down and empty.
                    while let Ok(request) = requests.get_task_async().await {
                        out.push(*request * 2);
                        if out.len() == out.capacity() {
                            put_all(&replies, &mut out).await;
                        }
                        // `request` (the guard) is dropped here: its task is done.
                    }
                    put_all(&replies, &mut out).await;
                })
            })
            .collect();
        reader.join().unwrap();
        // Every request put has been handled (its guard dropped) once this returns.
        requests.join_async().await;
        requests.shutdown();
        for handler in handlers {
            handler.await.unwrap();
        }
        replies.shutdown();
    });

    let (count, checksum, batches) = collector.join().unwrap();
    assert_eq!(count, REQUESTS, "every reply arrived once");
    assert_eq!(checksum, REQUESTS * (REQUESTS - 1), "and each is right");
    println!("{count} requests handled by {HANDLERS} tasks; replies collected in {batches} batches");
}

/// Sends the buffered replies, waiting for room without blocking the worker thread.
async fn put_all(queue: &Queue<u64>, items: &mut Vec<u64>) {
    for item in items.drain(..) {
        queue.put_async(item).await.expect("open until every handler is done");
    }
}
