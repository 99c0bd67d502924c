//! The engine behind `Queue` and `SimpleQueue`: CPython's `queue.Queue` protocol on
//! `queue_core::SegmentedQueue`, where a put and a get each cost one claim.
//!
//! # State
//!
//! Everything lives in the core's two position words, plus one counter for tasks:
//!
//! * `qsize` is `tail - head` (the core's `len`), not a counter of its own.
//! * The bound is checked inside the producer's claim (`try_push(item, maxsize)`), so a put that
//!   succeeds has left at most `maxsize` items inside. `maxsize` is re-read by every put, so
//!   `set_maxsize` takes effect at the next claim, and it wakes the putters that now fit.
//! * Shutdown is the core's close mark in the tail word: a put whose claim came before it is
//!   delivered, one after it fails with `ShutDown(item)`. So no put that returned `Ok` can be
//!   stranded, and no "puts in flight" count is needed (the `Store` engine of the other queue
//!   kinds needs one).
//! * `unfinished_tasks` is `pushed - done`: the put count is the tail position, and `done` counts
//!   successful `task_done` calls (and items drained by `shutdown_immediate`). A put pays nothing
//!   for task tracking; `task_done` fails exactly when `done` has caught up with `pushed`.
//!
//! Waiting uses three [`Event`]s. Puts and gets notify with `notify_*_after_claim`: their claims
//! are `SeqCst` RMWs, so a notify with nobody waiting is one load (event.rs).
//!
//! # Memory ordering
//!
//! Items travel through the core (its edge W). The edges this file adds: a `task_done` CAS
//! (`SeqCst`, so also Release) → the Acquire load of `done` in `join` that sees all tasks done,
//! so each task's work happens before `join` returns. The handshakes with sleepers are the
//! events' (event.rs).

use crossbeam_utils::CachePadded;
use queue_core::{PopError, PushError, SegmentedQueue};

use crate::error::{GetError, PutError, TaskDoneError};
use crate::event::Event;
use crate::store::{SPIN_ROUNDS, spin};
use crate::sync::{AtomicU64, AtomicUsize, Ordering::*};
use crate::time::Deadline;

/// The engine of `Queue` and `SimpleQueue` (module docs). Hidden: reached only as a
/// `Container`'s associated type.
#[allow(missing_debug_implementations)] // `BlockingQueue`'s Debug shows its state
pub struct Fifo<T> {
    core: SegmentedQueue<T>,
    maxsize: AtomicUsize,
    /// Tasks done (module docs); never above the core's `pushed()`.
    done: CachePadded<AtomicU64>,
    not_empty: Event,
    not_full: Event,
    all_done: Event,
}

impl<T> Fifo<T> {
    pub(crate) fn new(maxsize: usize) -> Self {
        Self {
            core: SegmentedQueue::new(),
            maxsize: AtomicUsize::new(maxsize),
            done: CachePadded::new(AtomicU64::new(0)),
            not_empty: Event::default(),
            not_full: Event::default(),
            all_done: Event::default(),
        }
    }

    pub(crate) fn maxsize(&self) -> usize {
        // Relaxed: a plain setting; waiters re-read it after the `not_full` handshake.
        self.maxsize.load(Relaxed)
    }

    pub(crate) fn set_maxsize(&self, maxsize: usize) {
        // Relaxed: the `notify_all` below orders it for sleeping putters (event handshake).
        self.maxsize.store(maxsize, Relaxed);
        self.not_full.notify_all();
    }

    /// The capacity handed to the core's claim.
    fn capacity(&self) -> usize {
        match self.maxsize() {
            0 => usize::MAX,
            max => max,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.core.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.core.is_empty()
    }

    pub(crate) fn is_full(&self) -> bool {
        let max = self.maxsize();
        max > 0 && self.len() >= max
    }

    fn has_room(&self) -> bool {
        let max = self.maxsize();
        max == 0 || self.len() < max
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.core.is_closed()
    }

    pub(crate) fn unfinished_tasks(&self) -> usize {
        // Relaxed: a snapshot. `done` first: `pushed` read after it is at least as large.
        let done = self.done.load(Relaxed);
        self.core.pushed().saturating_sub(done) as usize
    }

    pub(crate) fn not_empty(&self) -> &Event {
        &self.not_empty
    }

    pub(crate) fn not_full(&self) -> &Event {
        &self.not_full
    }

    pub(crate) fn all_done(&self) -> &Event {
        &self.all_done
    }

    /// After the close mark a get either finds an item or learns `Closed`; either decides it.
    pub(crate) fn can_get(&self) -> bool {
        !self.is_empty() || self.is_shutdown()
    }

    pub(crate) fn can_put(&self) -> bool {
        self.is_shutdown() || self.has_room()
    }

    // ---- put ----

    pub(crate) fn put(&self, item: T, deadline: Deadline) -> Result<(), PutError<T>> {
        match self.core.try_push(item, self.capacity()) {
            Ok(()) => {
                self.not_empty.notify_one_after_claim();
                Ok(())
            }
            Err(PushError::Closed(item)) => Err(PutError::ShutDown(item)),
            Err(PushError::Full(item)) => self.put_slow(item, deadline),
        }
    }

    /// One claim attempt: `Err` gives the item back unless the verdict is final.
    pub(crate) fn try_put(&self, item: T) -> Result<Result<(), PutError<T>>, T> {
        match self.core.try_push(item, self.capacity()) {
            Ok(()) => {
                self.not_empty.notify_one_after_claim();
                Ok(Ok(()))
            }
            Err(PushError::Closed(item)) => Ok(Err(PutError::ShutDown(item))),
            Err(PushError::Full(item)) => Err(item),
        }
    }

    #[cold]
    fn put_slow(&self, mut item: T, deadline: Deadline) -> Result<(), PutError<T>> {
        for round in 0..SPIN_ROUNDS {
            if deadline.has_passed() {
                break;
            }
            spin(round);
            match self.try_put(item) {
                Ok(verdict) => return verdict,
                Err(back) => item = back,
            }
        }
        let mut registered = false;
        let verdict = loop {
            // Python's order after every wake-up: shut down first (the claim checks the close
            // mark before the bound), then room, then the deadline.
            match self.try_put(item) {
                Ok(verdict) => break verdict,
                Err(back) => item = back,
            }
            if deadline.has_passed() {
                break Err(PutError::Full(item));
            }
            let waiter = self.not_full.prepare();
            registered = true;
            if self.is_shutdown() || self.has_room() {
                continue;
            }
            waiter.wait(deadline);
        };
        if registered {
            // A get's wake-up may have been skipped while ours was on its way (event.rs).
            self.not_full.pass_on(|| self.has_room());
        }
        verdict
    }

    // ---- get ----

    pub(crate) fn get(&self, deadline: Deadline) -> Result<T, GetError> {
        match self.core.try_pop() {
            Ok(item) => {
                // A putter waiting for room may go. Even when unbounded now: a racing
                // `set_maxsize` may have bounded the queue.
                self.not_full.notify_one_after_claim();
                Ok(item)
            }
            Err(PopError::Closed) => Err(GetError::ShutDown),
            Err(PopError::Empty) => self.get_slow(deadline),
        }
    }

    /// One claim attempt: `None` if the queue is empty and may fill again.
    pub(crate) fn try_take(&self) -> Option<Result<T, GetError>> {
        match self.core.try_pop() {
            Ok(item) => {
                self.not_full.notify_one_after_claim();
                Some(Ok(item))
            }
            Err(PopError::Closed) => Some(Err(GetError::ShutDown)),
            Err(PopError::Empty) => None,
        }
    }

    #[cold]
    fn get_slow(&self, deadline: Deadline) -> Result<T, GetError> {
        for round in 0..SPIN_ROUNDS {
            if deadline.has_passed() {
                break;
            }
            spin(round);
            if let Some(verdict) = self.try_take() {
                return verdict;
            }
        }
        let mut registered = false;
        let verdict = loop {
            // Re-checked before every verdict, so a timed get whose deadline passes just as an
            // item arrives still gets it.
            if let Some(verdict) = self.try_take() {
                break verdict;
            }
            if deadline.has_passed() {
                break Err(GetError::Empty);
            }
            let waiter = self.not_empty.prepare();
            registered = true;
            if !self.is_empty() || self.is_shutdown() {
                continue;
            }
            waiter.wait(deadline);
        };
        if registered {
            // A put's wake-up may have been skipped while ours was on its way (event.rs).
            self.not_empty.pass_on(|| !self.is_empty());
        }
        verdict
    }

    pub(crate) fn try_get(&self) -> Option<T> {
        self.try_take()?.ok()
    }

    // ---- tasks ----

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        // Relaxed: a first guess for the CAS.
        let mut done = self.done.load(Relaxed);
        loop {
            // Read after `done`, so at least the `pushed` that was current when `done` was written.
            let pushed = self.core.pushed();
            if done >= pushed {
                return Err(TaskDoneError);
            }
            // SeqCst on success: Release for `join` (module docs), and an RMW the `all_done`
            // notify may rely on (event.rs). Relaxed on failure: retry.
            match self.done.compare_exchange_weak(done, done + 1, SeqCst, Relaxed) {
                Ok(_) => {
                    // `pushed` may have grown since we read it; then this wake is spurious, which
                    // joiners tolerate. It is never missed: if `pushed` is still `done + 1`, it
                    // was `done + 1` when we read it.
                    if done + 1 == pushed {
                        self.all_done.notify_all_after_claim();
                    }
                    return Ok(());
                }
                Err(current) => done = current,
            }
        }
    }

    /// Raises `done` by up to `k`, never above `pushed`; wakes joiners if no task is left.
    fn lower_unfinished(&self, k: u64) {
        // Relaxed: a first guess for the CAS.
        let mut done = self.done.load(Relaxed);
        loop {
            let pushed = self.core.pushed();
            let new = (done + k).min(pushed);
            if new <= done {
                return;
            }
            // SeqCst on success: as in `task_done`. Relaxed on failure: retry.
            match self.done.compare_exchange_weak(done, new, SeqCst, Relaxed) {
                Ok(_) => {
                    if new == pushed {
                        self.all_done.notify_all_after_claim();
                    }
                    return;
                }
                Err(current) => done = current,
            }
        }
    }

    pub(crate) fn all_tasks_done(&self) -> bool {
        // Acquire: pairs with the `task_done` CAS (module docs). `pushed` is read after it, so it
        // is at least the `pushed` that CAS saw: equal means nothing was unfinished at that point.
        let done = self.done.load(Acquire);
        done >= self.core.pushed()
    }

    /// Waits until every task is done or `deadline` passes; returns whether all are done.
    pub(crate) fn join(&self, deadline: Deadline) -> bool {
        loop {
            if self.all_tasks_done() {
                return true;
            }
            if deadline.has_passed() {
                return false;
            }
            // No `pass_on`: `all_done` is only notified with `notify_all*`, which wakes whether
            // or not the event is armed (event.rs).
            let waiter = self.all_done.prepare();
            if self.all_tasks_done() {
                return true;
            }
            waiter.wait(deadline);
        }
    }

    // ---- shutdown ----

    pub(crate) fn shutdown(&self) {
        self.core.close();
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    pub(crate) fn shutdown_immediate(&self) -> Vec<T> {
        self.shutdown();
        // After the close mark no position is claimed for writing, and `try_pop` waits for the
        // puts that claimed one before it, so this takes every item not taken by a getter.
        let mut drained = Vec::new();
        while let Ok(item) = self.core.try_pop() {
            drained.push(item);
        }
        self.lower_unfinished(drained.len() as u64);
        drained
    }
}
