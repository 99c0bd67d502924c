//! Orderings that x86 hides, for Miri's weak-memory emulation (`ci/miri.sh` runs this file under
//! several seeds). Natively each test runs many rounds, which on x86 checks only the logic.
//!
//! `task_done_pairs_done_with_a_fresh_tail` is finding R1 of issue 19: `Queue::task_done` read
//! the task counter Relaxed and compared it with the tail position read after it. Consumer A
//! (holding position 1) marks its task done and raises a flag with a Relaxed store; consumer B
//! (holding position 0) sees the flag and calls `task_done`, reading A's `done` but possibly a
//! tail of 1, and failed with `TaskDoneError` although a task was open; `join` then never
//! returned. The Relaxed flag is deliberate: it gives B no happens-before edge to A, so only the
//! queue's own orderings can make B's `task_done` right.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread;

use queue_blocking::Queue;

const ROUNDS: usize = if cfg!(miri) { 4 } else { 2_000 };

fn one_round() {
    let q = Queue::unbounded();
    let flag = AtomicBool::new(false);
    thread::scope(|s| {
        let consumer = || {
            let item: u32 = q.get().unwrap();
            if item == 1 {
                // Position 1: finish first, then let the other consumer go.
                let done = q.task_done();
                flag.store(true, Relaxed);
                done
            } else {
                // Position 0: finish second.
                while !flag.load(Relaxed) {
                    thread::yield_now();
                }
                q.task_done()
            }
        };
        let a = s.spawn(consumer);
        let b = s.spawn(consumer);
        q.put(0).unwrap();
        q.put(1).unwrap();
        assert_eq!(a.join().unwrap(), Ok(()), "a task_done with a task open failed");
        assert_eq!(b.join().unwrap(), Ok(()), "a task_done with a task open failed");
    });
    assert_eq!(q.unfinished_tasks(), 0);
    assert!(q.join_timeout(std::time::Duration::ZERO));
}

#[test]
fn task_done_pairs_done_with_a_fresh_tail() {
    for _ in 0..ROUNDS {
        one_round();
    }
}
