//! The engine behind `LifoQueue` and `PriorityQueue`: CPython's `queue.Queue` protocol (maxsize,
//! blocking with deadlines, task tracking, shutdown) over any `RawQueue`, with atomics and futex
//! events instead of one mutex and three conditions. (`Queue` runs on `fifo.rs`, which gets the
//! same protocol from the segmented core's positions with fewer atomics.)
//!
//! # State
//!
//! * `store` items: items a get may claim (`qsize`).
//! * `store` slots: maxsize slots held, by items inside and by bounded puts that reserved one and
//!   are publishing (one word with the items; see store.rs). A bounded put reserves before its
//!   item becomes visible and gives the slot back if it fails, so `qsize() <= maxsize` whenever a
//!   put has succeeded. A put into an unbounded queue takes its slot as it publishes; so does one
//!   that found the queue unbounded just before `set_maxsize` bounded it, which may thus complete
//!   under the old maxsize (as a CPython put that has passed its check does).
//! * `state`: the `SHUTDOWN` bit and, above it, the number of puts that passed their shutdown check
//!   and have not finished publishing. One word, so that a put's registration and `shutdown`'s flag
//!   are ordered by that word's modification order alone: either the put registers first (and a
//!   get or `shutdown_immediate` that sees the flag also sees the put in flight and waits for its
//!   item), or it sees the flag and fails with `ShutDown(item)`. No put that returns `Ok` can have
//!   its item stranded behind a `ShutDown`.
//! * `unfinished`: Python's `unfinished_tasks`; raised by a put before its item is visible.
//!
//! Waiting uses three events (`Events`: `not_empty`, `not_full`, `all_done`), each with a waiter
//! count so that nobody enters the kernel when nobody sleeps, through the one wait protocol
//! (wait.rs, via engine.rs).

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crossbeam_utils::CachePadded;
use queue_core::RawQueue;

use crate::error::{GetError, PutError, TaskDoneError};
use crate::event::Events;
use crate::store::Store;
use crate::sync::{AtomicUsize, Ordering::*, spin_loop};

/// `state` bit: the queue is shut down.
const SHUTDOWN: usize = 1;
/// `state` unit: one put publishing.
const PUBLISHING: usize = 2;

/// The engine of every container but the segmented one (module docs). Hidden: reached only as a
/// `Container`'s associated type.
#[allow(missing_debug_implementations)] // `BlockingQueue`'s Debug shows its state
pub struct Inner<T, R> {
    store: Store<T, R>,
    maxsize: AtomicUsize,
    state: CachePadded<AtomicUsize>,
    unfinished: CachePadded<AtomicUsize>,
    events: Events,
}

impl<T, R: RawQueue<T>> Inner<T, R> {
    pub(crate) fn new(maxsize: usize) -> Self {
        Self {
            store: Store::new(),
            maxsize: AtomicUsize::new(maxsize),
            state: CachePadded::new(AtomicUsize::new(0)),
            unfinished: CachePadded::new(AtomicUsize::new(0)),
            events: Events::default(),
        }
    }

    /// One put attempt that never waits (`Engine::attempt_put_or`; it waits through
    /// `Engine::put`, engine.rs): `full(item)` if there is no slot.
    pub(crate) fn attempt_put_or(
        &self,
        item: T,
        full: impl FnOnce(T) -> Result<(), PutError<T>>,
    ) -> Result<(), PutError<T>> {
        // Python's order: shut down first, even if there is room.
        if self.is_shutdown() {
            return Err(PutError::ShutDown(item));
        }
        let Some(reserved) = self.reserve() else { return full(item) };
        // After the reservation, so that a retry that finds no slot pays no extra load (loom
        // explores every load); before anything a getter could see.
        if self.store.at_capacity() {
            self.cancel_reservation(reserved);
            panic!("a queue holds at most 2^31 items");
        }
        // Register as publishing; the same RMW tells us whether shutdown came first.
        // Acquire/Release: none needed for data; the single modification order of `state` is
        // what orders us against `shutdown` (module docs). Relaxed.
        if self.state.fetch_add(PUBLISHING, Relaxed) & SHUTDOWN != 0 {
            self.end_publishing();
            self.cancel_reservation(reserved);
            return Err(PutError::ShutDown(item));
        }
        // Relaxed: `task_done`/`join` synchronise on the decrements; an increment publishes nothing.
        self.unfinished.fetch_add(1, Relaxed);
        // From here until the item is in, a panic in the container's code must undo the three
        // steps above, or `join` never returns, a slot leaks and `shutdown_immediate` waits for
        // this put for ever (issue 19, R2).
        let publishing = Publishing { inner: self, reserved };
        match self.store.publish(item, reserved) {
            Ok(panicked) => {
                // In: the put has happened, whatever came after.
                publishing.done();
                self.events.not_empty.notify_one();
                if let Some(payload) = panicked {
                    // The container's code panicked after the item went in (the skiplist's `Ord`
                    // while it indexes the item): the put is complete, the caller learns of it.
                    resume_unwind(payload);
                }
                Ok(())
            }
            Err((item, payload)) => {
                // Not in: give back what we took *before* the item is dropped, so its `Drop`
                // finds the queue consistent (it may use the queue, even wait on it).
                drop(publishing);
                drop(item);
                resume_unwind(payload);
            }
        }
    }

    /// One get attempt that never waits (`Engine::attempt_get_or`): the item, `ShutDown`, or
    /// `empty()` if the queue is empty and may fill again.
    pub(crate) fn attempt_get_or(&self, empty: impl FnOnce() -> Result<T, GetError>) -> Result<T, GetError> {
        match self.try_get() {
            Some(item) => Ok(item),
            None if self.closed() => Err(GetError::ShutDown),
            None => empty(),
        }
    }

    /// Takes an item if one is claimable.
    fn try_get(&self) -> Option<T> {
        // The claim gives the item's slot back, so a putter waiting for one may go: notified
        // after the claim, also if the container's `pop` then panics (the get counts as done,
        // and a putter must not sleep on the slot it freed). Even when unbounded now: a
        // `set_maxsize` racing with us may have bounded the queue.
        self.store.try_take(|| self.events.not_full.notify_one())
    }

    pub(crate) fn shutdown_immediate(&self) -> Vec<T> {
        self.shutdown();
        // Puts that registered before the flag will push; wait for them so their items are among
        // the drained ones and none is stranded. Each is a bounded, non-blocking step (a `push`).
        // Acquire: pairs with `end_publishing`'s Release, so their items are claimable below.
        while self.state.load(Acquire) >> 1 != 0 {
            spin_loop();
            #[cfg(not(loom))]
            std::thread::yield_now();
        }
        let mut drained = Vec::new();
        // A panicking `pop` ends the drain: the tasks of the items drained so far are settled
        // before those items are dropped (R2), then the panic goes on.
        let drain = catch_unwind(AssertUnwindSafe(|| {
            while let Some(item) = self.try_get() {
                drained.push(item);
            }
        }));
        self.lower_unfinished(drained.len());
        // Getters still waiting for the last publisher are woken by it, or were by `shutdown`.
        self.events.not_empty.notify_all();
        if let Err(payload) = drain {
            drop(drained);
            resume_unwind(payload);
        }
        drained
    }
}

impl<T, R> Inner<T, R> {
    pub(crate) fn maxsize(&self) -> usize {
        // Relaxed: a plain setting; waiters re-read it after the `not_full` handshake.
        self.maxsize.load(Relaxed)
    }

    pub(crate) fn set_maxsize(&self, maxsize: usize) {
        // Relaxed: the `notify_all` below orders it for sleeping putters (event handshake).
        self.maxsize.store(maxsize, Relaxed);
        // Growing (or unbounding) may let blocked putters in; each re-checks its own slot.
        self.events.not_full.notify_all();
    }

    pub(crate) fn len(&self) -> usize {
        self.store.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        // Relaxed: a snapshot of a flag that never clears.
        self.state.load(Relaxed) & SHUTDOWN != 0
    }

    pub(crate) fn unfinished_tasks(&self) -> usize {
        // Relaxed: a snapshot.
        self.unfinished.load(Relaxed)
    }

    pub(crate) fn events(&self) -> &Events {
        &self.events
    }

    pub(crate) fn can_get(&self) -> bool {
        !self.is_empty() || self.closed()
    }

    pub(crate) fn all_tasks_done(&self) -> bool {
        // Acquire: pairs with the Release decrements, so the tasks' work is visible to us.
        self.unfinished.load(Acquire) == 0
    }

    /// `Some(true)`: took a slot; `Some(false)`: unbounded, the slot comes with publishing;
    /// `None`: full.
    fn reserve(&self) -> Option<bool> {
        match self.maxsize() {
            0 => Some(false),
            max => self.store.try_reserve(max).then_some(true),
        }
    }

    pub(crate) fn has_room(&self) -> bool {
        let max = self.maxsize();
        max == 0 || self.store.slots() < max
    }

    /// Gives back the slot of a put that failed, if it held one, and lets a waiting putter have it.
    fn cancel_reservation(&self, reserved: bool) {
        if reserved {
            self.store.cancel_reservation();
            self.events.not_full.notify_one();
        }
    }

    fn end_publishing(&self) {
        // Release: our `items` increment happens before a get that Acquire-loads `state` and finds
        // no publisher left (see `closed`), so that get sees the item.
        let prev = self.state.fetch_sub(PUBLISHING, Release);
        if prev & SHUTDOWN != 0 && prev >> 1 == 1 {
            // The last put in flight after a shutdown: getters waiting for it may now finish.
            self.events.not_empty.notify_all();
        }
    }

    /// Shut down, no put still publishing, and empty: a get can only fail with `ShutDown`.
    fn closed(&self) -> bool {
        // Acquire: pairs with the Release in `end_publishing`, so the items of the puts that
        // finished are visible to the `len` check below.
        let state = self.state.load(Acquire);
        state & SHUTDOWN != 0 && state >> 1 == 0 && self.store.len() == 0
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        // Relaxed: a first guess for the CAS.
        let mut n = self.unfinished.load(Relaxed);
        loop {
            if n == 0 {
                return Err(TaskDoneError);
            }
            // Release on success: the work done for this task happens before a `join` that
            // Acquire-loads zero. Relaxed on failure: retry.
            match self.unfinished.compare_exchange_weak(n, n - 1, Release, Relaxed) {
                Ok(_) if n == 1 => {
                    self.events.all_done.notify_all();
                    return Ok(());
                }
                Ok(_) => return Ok(()),
                Err(current) => n = current,
            }
        }
    }

    /// Lowers `unfinished` by up to `k`, never below zero; wakes joiners if it reaches zero.
    fn lower_unfinished(&self, k: usize) {
        if k == 0 {
            return;
        }
        // Relaxed: a first guess for the CAS.
        let mut n = self.unfinished.load(Relaxed);
        while n > 0 {
            let new = n.saturating_sub(k);
            // Release on success: as in `task_done`. Relaxed on failure: retry.
            match self.unfinished.compare_exchange_weak(n, new, Release, Relaxed) {
                Ok(_) => {
                    if new == 0 {
                        self.events.all_done.notify_all();
                    }
                    return;
                }
                Err(current) => n = current,
            }
        }
    }

    pub(crate) fn shutdown(&self) {
        // Relaxed: the modification order of `state` orders us against every put (module docs);
        // the notifications below carry the handshake for sleepers.
        self.state.fetch_or(SHUTDOWN, Relaxed);
        self.events.not_empty.notify_all();
        self.events.not_full.notify_all();
    }
}

/// Undoes a put's registration, task count and reservation unless [`Publishing::done`] is called:
/// what runs when the container's `push` panics, or unwinds.
struct Publishing<'a, T, R> {
    inner: &'a Inner<T, R>,
    reserved: bool,
}

impl<T, R> Publishing<'_, T, R> {
    /// The item is in: keep the task and the slot, stop publishing.
    fn done(self) {
        let inner = self.inner;
        // Forgotten first, so that nothing below can run the undo as well.
        core::mem::forget(self);
        inner.end_publishing();
    }
}

impl<T, R> Drop for Publishing<'_, T, R> {
    fn drop(&mut self) {
        self.inner.lower_unfinished(1);
        self.inner.cancel_reservation(self.reserved);
        self.inner.end_publishing();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use queue_core::MsQueue;

    use super::*;
    use crate::engine::Engine;
    use crate::store::MAX_ITEMS;

    /// A put into a queue at its limit panics having changed nothing: no task, no slot, no put in
    /// flight, and the item is dropped.
    #[test]
    fn a_put_past_the_limit_panics_before_changing_anything() {
        for maxsize in [0, usize::MAX] {
            let q: Inner<u8, MsQueue<u8>> = Inner::new(maxsize);
            q.store.set_counts(MAX_ITEMS, MAX_ITEMS);
            assert!(catch_unwind(AssertUnwindSafe(|| Engine::attempt_put(&q, 1))).is_err());
            assert_eq!((q.len(), q.store.slots()), (MAX_ITEMS, MAX_ITEMS));
            assert_eq!((q.unfinished_tasks(), q.state.load(Relaxed)), (0, 0));
            // Below the limit again: puts work. (Reset so Drop finds no phantom items.)
            q.store.set_counts(0, 0);
            assert_eq!(Engine::attempt_put(&q, 2), Ok(()));
            assert_eq!(Engine::attempt_get(&q), Ok(2));
        }
    }
}
