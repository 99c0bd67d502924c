//! Loom models of the segmented queue (two slots per segment under loom, so every second item
//! crosses a boundary): segment hand-over and recycling, close racing a push at a boundary, and two
//! consumers racing for the last slot. `crossbeam_sanitize` is irrelevant here (no epoch); loom's
//! cell tracking catches an item read before it is written or a slot reused while in use.
//!
//! Each racing side runs on a spawned thread and the model's main thread only sets up and checks:
//! with the main thread racing instead, loom 0.7 explored a single interleaving of the first model
//! (`LOOM_LOG=info` showed "Completed in 1 iterations"), so a bug injected into the slot protocol
//! went unnoticed. Check the iteration counts after changing a model.
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use queue_core::{PopError, SEGMENT_SIZE, SegmentedQueue};

fn drain(q: &SegmentedQueue<u32>) -> Vec<u32> {
    std::iter::from_fn(|| q.pop()).collect()
}

#[test]
fn segment_size_is_two_under_loom() {
    assert_eq!(SEGMENT_SIZE, 2);
}

/// A producer installs the next segment (its push takes the last slot) while a consumer takes the
/// items before it and, at the last slot, moves the head over and retires the old segment.
#[test]
fn producer_installs_while_consumer_retires() {
    loom::model(|| {
        let q = Arc::new(SegmentedQueue::new());
        q.push(0).unwrap();
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                q.push(1).unwrap();
                q.push(2).unwrap();
            })
        };
        let consumer = {
            let q = q.clone();
            thread::spawn(move || (0..2).filter_map(|_| q.pop()).collect::<Vec<u32>>())
        };
        producer.join().unwrap();
        let mut got = consumer.join().unwrap();
        got.extend(drain(&q));
        assert_eq!(got, [0, 1, 2]);
        assert!(q.is_empty());
    });
}

/// The retired segment becomes the spare while the producer's next install may take it: the
/// consumer's reclaim and the producer's take of the spare race.
#[test]
fn reclaimed_segment_is_reused_safely() {
    loom::model(|| {
        let q = Arc::new(SegmentedQueue::new());
        q.push(0).unwrap();
        q.push(1).unwrap();
        let consumer = {
            let q = q.clone();
            thread::spawn(move || (q.pop(), q.pop()))
        };
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                q.push(2).unwrap();
                q.push(3).unwrap();
            })
        };
        producer.join().unwrap();
        let (a, b) = consumer.join().unwrap();
        assert_eq!((a, b), (Some(0), Some(1)), "two items were inside before the consumer began");
        assert_eq!(drain(&q), [2, 3]);
    });
}

/// `close` races a push that takes a segment's last slot: the push is delivered exactly when it
/// returned `Ok`, and draining ends with `Closed`.
#[test]
fn close_races_push_at_boundary() {
    loom::model(|| {
        let q = Arc::new(SegmentedQueue::new());
        q.push(0).unwrap();
        let producer = {
            let q = q.clone();
            thread::spawn(move || q.push(1).is_ok())
        };
        let closer = {
            let q = q.clone();
            thread::spawn(move || {
                q.close();
                // Drain until `Closed`: that verdict may come only once the racing push has
                // failed or been taken, so what was drained is complete.
                let mut got = Vec::new();
                loop {
                    match q.try_pop() {
                        Ok(x) => got.push(x),
                        Err(PopError::Empty) => thread::yield_now(),
                        Err(PopError::Closed) => return got,
                    }
                }
            })
        };
        let accepted = producer.join().unwrap();
        let got = closer.join().unwrap();
        assert_eq!(got, if accepted { vec![0, 1] } else { vec![0] });
        assert!(q.push(9).is_err());
    });
}

/// Two consumers race for a segment's two positions; the one that gets the last slot retires the
/// segment and pushes until it is reused, while the other may still be reading its item: each
/// item comes out once, and the reuse waits for the slow reader.
#[test]
fn two_consumers_race_at_boundary() {
    loom::model(|| {
        let q = Arc::new(SegmentedQueue::new());
        q.push(0).unwrap();
        q.push(1).unwrap();
        let other = {
            let q = q.clone();
            thread::spawn(move || q.pop())
        };
        let mine = {
            let q = q.clone();
            thread::spawn(move || {
                let got = q.pop();
                // Three pushes reach the slot of position 0 again once its segment is recycled:
                // a reclaim that did not wait for the other consumer would race with its read.
                for x in 2..5 {
                    q.push(x).unwrap();
                }
                got
            })
        };
        let theirs = other.join().unwrap();
        let mine = mine.join().unwrap();
        let mut all: Vec<u32> = mine.into_iter().chain(theirs).collect();
        all.sort_unstable();
        assert_eq!(all, [0, 1]);
        assert_eq!(drain(&q), [2, 3, 4]);
    });
}

/// The queue of the two shrink models: segment A filled and drained, so kept on the free list,
/// and the tail at position 2, B's first slot.
fn one_segment_kept() -> Arc<SegmentedQueue<u32>> {
    let q = Arc::new(SegmentedQueue::new());
    q.push(0).unwrap();
    q.push(1).unwrap();
    assert_eq!(drain(&q), [0, 1]);
    q.push(2).unwrap();
    q
}

/// `shrink_to_fit` races a producer whose push ends a segment and so pops the free list: the
/// one-popper rule (the tail's install bit) keeps A from being both reused and freed.
#[test]
fn shrink_races_install() {
    loom::model(|| {
        let q = one_segment_kept();
        let producer = {
            let q = q.clone();
            thread::spawn(move || q.push(3).unwrap())
        };
        let shrinker = {
            let q = q.clone();
            thread::spawn(move || q.shrink_to_fit())
        };
        producer.join().unwrap();
        let freed = shrinker.join().unwrap();
        assert!(freed <= 1, "only A was kept");
        assert_eq!(drain(&q), [2, 3]);
        for x in 4..6 {
            q.push(x).unwrap();
        }
        assert_eq!(drain(&q), [4, 5]);
    });
}

/// `shrink_to_fit` races a consumer whose pop ends a segment and so retires it onto the free list
/// (and may find the reclaim lock taken by the shrinker's own reclaim, leaving B for the
/// shrinker's walk): every segment is freed once, by the shrinker or by the drop.
#[test]
fn shrink_races_reclaim() {
    loom::model(|| {
        let q = one_segment_kept();
        // Position 3 ends B: its install takes A off the free list, so none is kept now.
        q.push(3).unwrap();
        let consumer = {
            let q = q.clone();
            thread::spawn(move || (q.pop(), q.pop()))
        };
        let shrinker = {
            let q = q.clone();
            thread::spawn(move || q.shrink_to_fit())
        };
        assert_eq!(consumer.join().unwrap(), (Some(2), Some(3)));
        let freed = shrinker.join().unwrap();
        assert!(freed <= 1, "only B can have been retired: freed {freed}");
        for x in 4..7 {
            q.push(x).unwrap();
        }
        assert_eq!(drain(&q), [4, 5, 6]);
    });
}
