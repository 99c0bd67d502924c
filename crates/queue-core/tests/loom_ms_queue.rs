//! Loom models of the Michael–Scott queue: every interleaving of two threads, up to the preemption
//! bound, keeps FIFO order and loses or duplicates nothing.
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use queue_core::MsQueue;

/// A push racing a pop: the pop sees nothing or the one item; whatever it missed is still inside.
#[test]
fn push_races_pop() {
    loom::model(|| {
        let q = Arc::new(MsQueue::new());
        let q2 = q.clone();
        let t = thread::spawn(move || q2.push(1));
        let got = q.pop();
        t.join().unwrap();
        let rest = q.pop();
        assert_eq!(got.into_iter().chain(rest).collect::<Vec<_>>(), vec![1]);
        assert!(q.pop().is_none());
    });
}

/// Two producers: each producer's items come out in its order, and every item exactly once.
#[test]
fn two_producers_keep_order() {
    loom::model(|| {
        let q = Arc::new(MsQueue::new());
        let q2 = q.clone();
        let t = thread::spawn(move || {
            q2.push(10);
            q2.push(11);
        });
        q.push(20);
        let first = q.pop();
        t.join().unwrap();
        let mut all: Vec<i32> = first.into_iter().collect();
        while let Some(x) = q.pop() {
            all.push(x);
        }
        all.sort_unstable();
        assert_eq!(all, vec![10, 11, 20]);
    });
}

/// Two consumers draining a pre-filled queue while a producer adds one more: the consumers never
/// get the same item, and a retired sentinel is never read (crossbeam_sanitize frees it eagerly).
#[test]
fn two_consumers() {
    loom::model(|| {
        let q = Arc::new(MsQueue::new());
        q.push(1);
        q.push(2);
        let q2 = q.clone();
        let t = thread::spawn(move || {
            let a = q2.pop();
            q2.push(3);
            a
        });
        let b = q.pop();
        let a = t.join().unwrap();
        let mut all: Vec<i32> = a.into_iter().chain(b).collect();
        while let Some(x) = q.pop() {
            all.push(x);
        }
        all.sort_unstable();
        assert_eq!(all, vec![1, 2, 3]);
    });
}
