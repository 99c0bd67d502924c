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
//! Waiting uses three [`Event`]s, through the one wait protocol (wait.rs, via engine.rs). Puts,
//! gets and `task_done` notify with `notify_*_after_claim`, handing over the [`Claim`] of their
//! `SeqCst` RMW (the core's claims, the `done` CAS), so a notify with nobody waiting is one load
//! (event.rs).
//!
//! [`Claim`]: queue_core::Claim
//!
//! # Memory ordering
//!
//! Items travel through the core (its edge W). The edges this file adds:
//!
//! * **D**: a `task_done` CAS (`SeqCst`, so also Release) → the Acquire load of `done` in `join`
//!   that sees all tasks done, so each task's work happens before `join` returns.
//! * **The pair rule**: every read of `done` whose value is compared with `pushed` (the tail
//!   position, read after it) is Acquire, in `task_done`, `lower_unfinished`, `unfinished_tasks`
//!   and `all_tasks_done`. Whoever wrote that `done` had read a `pushed` at least as large, and
//!   the Acquire makes that read happen before ours, so our `pushed` is no older. With a Relaxed
//!   read, consumer B (holding position 0) could pair the `done` of consumer A (position 1) with
//!   a tail of 1 and report `TaskDoneError` with a task open, and `join` would never return:
//!   x86 never shows it, AArch64 may (loom model `task_done_from_two_consumers`, Miri test
//!   `tests/weak_memory.rs`).
//!
//! The handshakes with sleepers are the events' (event.rs).
//!
//! # User code
//!
//! None runs inside this engine's operations: the core calls no user code, items leave by value
//! and are dropped by the caller, and a task's waker is woken with its panic contained
//! (event/tasks.rs). So no step here needs an unwind guard; the generic engine (queue.rs) has
//! them around its container's `push` and `pop`.

use crossbeam_utils::CachePadded;
use queue_core::{ClaimWord, PopError, PushError, SegmentedQueue};

use crate::error::{GetError, PutError, TaskDoneError};
use crate::event::Events;
use crate::sync::{AtomicUsize, Ordering::*};

/// The engine of `Queue` and `SimpleQueue` (module docs). Hidden: reached only as a
/// `Container`'s associated type.
#[allow(missing_debug_implementations)] // `BlockingQueue`'s Debug shows its state
pub struct Fifo<T> {
    core: SegmentedQueue<T>,
    maxsize: AtomicUsize,
    /// Tasks done (module docs); never above the core's `pushed()`. A `ClaimWord`: the
    /// `all_done` notify after its CAS is fence-free.
    done: CachePadded<ClaimWord>,
    events: Events,
}

impl<T> Fifo<T> {
    pub(crate) fn new(maxsize: usize) -> Self {
        Self {
            core: SegmentedQueue::new(),
            maxsize: AtomicUsize::new(maxsize),
            done: CachePadded::new(ClaimWord::new(0)),
            events: Events::default(),
        }
    }

    pub(crate) fn maxsize(&self) -> usize {
        // Relaxed: a plain setting; waiters re-read it after the `not_full` handshake.
        self.maxsize.load(Relaxed)
    }

    pub(crate) fn set_maxsize(&self, maxsize: usize) {
        // Relaxed: the `notify_all` below orders it for sleeping putters (event handshake).
        self.maxsize.store(maxsize, Relaxed);
        self.events.not_full.notify_all();
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

    pub(crate) fn shrink_to_fit(&self) -> usize {
        self.core.shrink_to_fit()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.core.is_empty()
    }

    pub(crate) fn has_room(&self) -> bool {
        let max = self.maxsize();
        max == 0 || self.len() < max
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.core.is_closed()
    }

    pub(crate) fn unfinished_tasks(&self) -> usize {
        // Acquire: the pair rule (module docs), so the `pushed` read after it covers `done`.
        let done = self.done.load(Acquire);
        self.core.pushed().saturating_sub(done) as usize
    }

    pub(crate) fn events(&self) -> &Events {
        &self.events
    }

    /// After the close mark a get either finds an item or learns `Closed`; either decides it.
    pub(crate) fn can_get(&self) -> bool {
        !self.is_empty() || self.is_shutdown()
    }

    // ---- put and get (they wait through `Engine::put`/`get`, engine.rs) ----

    /// One claim attempt (`Engine::attempt_put_or`). The claim checks the close mark before the
    /// bound: Python's order, shut down first.
    #[inline(always)]
    pub(crate) fn attempt_put_or(
        &self,
        item: T,
        full: impl FnOnce(T) -> Result<(), PutError<T>>,
    ) -> Result<(), PutError<T>> {
        match self.core.try_push_claim(item, self.capacity()) {
            Ok(claim) => {
                self.events.not_empty.notify_one_after_claim(claim);
                Ok(())
            }
            Err(PushError::Closed(item)) => Err(PutError::ShutDown(item)),
            Err(PushError::Full(item)) => full(item),
        }
    }

    /// One claim attempt (`Engine::attempt_get_or`).
    #[inline(always)]
    pub(crate) fn attempt_get_or(&self, empty: impl FnOnce() -> Result<T, GetError>) -> Result<T, GetError> {
        match self.core.try_pop_claim() {
            Ok((item, claim)) => {
                // A putter waiting for room may go. Even when unbounded now: a racing
                // `set_maxsize` may have bounded the queue.
                self.events.not_full.notify_one_after_claim(claim);
                Ok(item)
            }
            Err(PopError::Closed) => Err(GetError::ShutDown),
            Err(PopError::Empty) => empty(),
        }
    }

    // ---- tasks ----

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        // Acquire: the pair rule (module docs); `done` decides, with the `pushed` read after it,
        // whether a task is open, so it must not be newer than what we know of `pushed`.
        let mut done = self.done.load(Acquire);
        loop {
            let pushed = self.core.pushed();
            if done >= pushed {
                return Err(TaskDoneError);
            }
            // SeqCst on success: Release for `join` and for the next `task_done` (module docs),
            // and an RMW the `all_done` notify may rely on (event.rs). Acquire on failure: the
            // value we retry with is paired with `pushed` again (the pair rule).
            match self.done.compare_exchange_weak(done, done + 1, Acquire) {
                Ok(claim) => {
                    // `pushed` may have grown since we read it; then this wake is spurious, which
                    // joiners tolerate. It is never missed: if `pushed` is still `done + 1`, it
                    // was `done + 1` when we read it.
                    if done + 1 == pushed {
                        self.events.all_done.notify_all_after_claim(claim);
                    }
                    return Ok(());
                }
                Err(current) => done = current,
            }
        }
    }

    /// Raises `done` by up to `k`, never above `pushed`; wakes joiners if no task is left.
    fn lower_unfinished(&self, k: u64) {
        // Acquire: the pair rule, as in `task_done` (a stale `pushed` would leave tasks open).
        let mut done = self.done.load(Acquire);
        loop {
            let pushed = self.core.pushed();
            let new = (done + k).min(pushed);
            if new <= done {
                return;
            }
            // SeqCst on success: as in `task_done`. Acquire on failure: the pair rule.
            match self.done.compare_exchange_weak(done, new, Acquire) {
                Ok(claim) => {
                    if new == pushed {
                        self.events.all_done.notify_all_after_claim(claim);
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

    // ---- shutdown ----

    pub(crate) fn shutdown(&self) {
        self.core.close();
        self.events.not_empty.notify_all();
        self.events.not_full.notify_all();
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
