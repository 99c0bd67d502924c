//! The lock-free waker slot (src/event/slot.rs) under real threads: one task waiting at a time at
//! each event, as in a request–reply exchange, registers, is woken and leaves through the slot.
//! The executor here is a minimal `block_on` whose every poll gets a new waker and which waits
//! only for that waker: a notification delivered to a replaced waker is lost to it, so a slot that
//! kept a stale waker hangs the test (and the watchdog fails it).

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use queue_blocking::Queue;

/// Wakes one thread, and says whether it was this waker that did.
struct Flag {
    woken: AtomicBool,
    thread: Thread,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Release: the parked thread's Acquire load sees what the waking thread did before.
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Polls `future` to completion on this thread, with a new waker for every poll; between polls it
/// parks until the current waker (not an earlier one) was woken.
fn block_on_fresh_wakers<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    loop {
        let flag = Arc::new(Flag { woken: AtomicBool::new(false), thread: thread::current() });
        let waker = Waker::from(Arc::clone(&flag));
        if let Poll::Ready(out) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
            return out;
        }
        // Acquire: pairs with the Release store in `wake_by_ref`.
        while !flag.woken.load(Ordering::Acquire) {
            thread::park();
        }
    }
}

const ROUND_TRIPS: u64 = if cfg!(miri) { 50 } else { 20_000 };

#[test]
fn ping_pong_through_the_slot_loses_no_wake_up() {
    common::run("ping_pong_through_the_slot_loses_no_wake_up", || {
        let there: Arc<Queue<u64>> = Arc::new(Queue::unbounded());
        let back: Arc<Queue<u64>> = Arc::new(Queue::unbounded());
        let (there2, back2) = (Arc::clone(&there), Arc::clone(&back));
        let echo = thread::spawn(move || {
            let mut sum = 0u64;
            for _ in 0..ROUND_TRIPS {
                let v = block_on_fresh_wakers(there2.get_async()).expect("not shut down");
                sum += v;
                block_on_fresh_wakers(back2.put_async(v)).expect("not shut down");
            }
            sum
        });
        for i in 0..ROUND_TRIPS {
            block_on_fresh_wakers(there.put_async(i)).expect("not shut down");
            assert_eq!(block_on_fresh_wakers(back.get_async()), Ok(i), "echo out of order");
        }
        assert_eq!(echo.join().expect("the echo thread panicked"), ROUND_TRIPS * (ROUND_TRIPS - 1) / 2);
        assert!(there.empty() && back.empty());
    });
}

#[test]
fn bounded_one_hand_offs_through_both_slots() {
    common::run("bounded_one_hand_offs_through_both_slots", || {
        // Capacity 1: the producer waits at `not_full`, the consumer at `not_empty`, each alone
        // at its event, so both sides go through the slot.
        let q: Arc<Queue<u64>> = Arc::new(Queue::bounded(1));
        let q2 = Arc::clone(&q);
        let consumer = thread::spawn(move || {
            let mut next = 0u64;
            while let Ok(v) = block_on_fresh_wakers(q2.get_async()) {
                assert_eq!(v, next, "out of order");
                next += 1;
            }
            next
        });
        for i in 0..ROUND_TRIPS {
            block_on_fresh_wakers(q.put_async(i)).expect("not shut down");
        }
        q.shutdown();
        assert_eq!(consumer.join().expect("the consumer panicked"), ROUND_TRIPS);
    });
}

#[test]
fn a_cancelled_slot_owner_hands_its_wake_up_on() {
    common::run("a_cancelled_slot_owner_hands_its_wake_up_on", || {
        // Each round: a future takes the slot and is dropped while a put may be notifying it; a
        // second getter, waiting in the list or the slot, must still get the item.
        for round in 0..if cfg!(miri) { 10 } else { 2_000 } {
            let q: Arc<Queue<u64>> = Arc::new(Queue::unbounded());
            let (q1, q2) = (Arc::clone(&q), Arc::clone(&q));
            let cancelled = thread::spawn(move || {
                let mut get = Box::pin(q1.get_async());
                let poll = get.as_mut().poll(&mut Context::from_waker(Waker::noop()));
                drop(get);
                poll
            });
            let waiting = thread::spawn(move || block_on_fresh_wakers(q2.get_async()));
            q.put(round).expect("not shut down");
            match cancelled.join().expect("the cancelled getter panicked") {
                Poll::Ready(got) => {
                    assert_eq!(got, Ok(round));
                    q.shutdown();
                    assert!(waiting.join().expect("the waiting getter panicked").is_err());
                }
                Poll::Pending => assert_eq!(waiting.join().expect("the waiting getter panicked"), Ok(round)),
            }
        }
    });
}
