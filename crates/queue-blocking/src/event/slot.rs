//! One waiting task's waker, held without a lock: the common case of a single task waiting at an
//! event (a consumer task on an empty queue, a producer task on a full one, each side of a
//! request–reply exchange) registers, is woken and leaves without touching the list's mutex.
//!
//! A task takes the slot when it first waits and the slot is free and no task is listed (so that
//! the slot's owner is older than every listed task, and serving the slot first keeps the order
//! first-come, first-served); it keeps the slot, woken or not, until its future completes or is
//! dropped. Others wait in the list (tasks.rs).
//!
//! # States
//!
//! `state` is `0` (free) or `OWNED` plus, optionally, `WAITING` (the owner's waker is in the cell
//! and no notifier has taken it) and `BUSY` (one thread has the cell: the owner storing or
//! replacing its waker, or a notifier taking it). `BUSY` is taken with a CAS from a state without
//! it and given back with a store, so the cell has one user at a time:
//!
//! * owner, first wait: `0` → `OWNED|BUSY`, store the waker, count the task → `OWNED|WAITING`;
//! * notifier: `OWNED|WAITING` → `OWNED|BUSY`, take the waker, uncount the task → `OWNED`; it
//!   wakes the waker after the store. A notifier never waits: finding the slot in any other state
//!   it goes on to the list, and then to the threads.
//! * owner, waiting again after it was woken: `OWNED` → `OWNED|BUSY`, store the waker, count →
//!   `OWNED|WAITING`; polled again while still waiting: `OWNED|WAITING` → `OWNED|WAITING|BUSY`,
//!   replace the waker if it changed → `OWNED|WAITING`;
//! * owner, leaving: `OWNED[|WAITING]` → the same `|BUSY`, take the waker (uncount if it was
//!   `WAITING`) → `0`.
//!
//! The owner waits (spins) only while a notifier holds `BUSY`, which covers a few moves and no
//! user code: wakers are cloned before `BUSY` is taken and woken or dropped after it is given back.
//!
//! # Memory ordering
//!
//! The cell's accesses are ordered like a spin lock's: every `BUSY` is taken by an `Acquire` CAS
//! and given back by a `Release` store, so each user of the cell sees what the previous one left.
//! The task count in the event's waiter word changes while `BUSY` is held, so a notifier that
//! takes a waker uncounts a task that its owner counted before (the owner's count precedes its
//! `Release` store of `WAITING`, which the notifier's `Acquire` CAS reads).
//!
//! The lost wake-up is ruled out by the event's fence pair (event.rs): an owner that stores
//! `WAITING` fences and re-checks its condition before it returns `Pending`, and a notifier
//! changes the state, fences (or claims with a `SeqCst` read-modify-write) and only then reads
//! the waiter word and tries the slot, with a `SeqCst` CAS so that the argument of
//! `Event::notify_one_after_claim` covers it. If the owner's fence comes first, the notifier's CAS
//! sees `WAITING` or a later state; if the notifier's comes first, the re-check sees the new
//! state. A notifier that finds `BUSY` set by the owner skips a task that is inside a poll or
//! leaving: the poll re-checks after it gives `BUSY` back, and a leaving task passes a
//! notification on (`Event::pass_on`).
//!
//! Progress: a notifier's attempt is wait-free (one CAS); an owner's operations are lock-free
//! except for the wait on a notifier inside its `BUSY` section (blocking, and short).

use std::task::Waker;

use crate::sync::{AtomicU32, AtomicU64, Ordering::*, UnsafeCell, spin_loop};

use super::tasks::TASK;

const OWNED: u32 = 1;
const WAITING: u32 = 2;
const BUSY: u32 = 4;

#[derive(Debug, Default)]
pub(super) struct Slot {
    state: AtomicU32,
    /// The owner's waker while `WAITING`; `None` otherwise. Accessed only under `BUSY`.
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the cell is accessed only by the holder of `BUSY` (module docs), one thread at a time;
// a `Waker` is `Send + Sync`.
unsafe impl Sync for Slot {}

impl Slot {
    /// Takes the free slot for a task's first wait and stores `waker` in it, counted in
    /// `waiters`. Gives the waker back if the slot is owned.
    pub(super) fn claim(&self, waker: Waker, waiters: &AtomicU64) -> Result<(), Waker> {
        // Acquire: the previous owner's last use of the cell (its `Release` store of 0) happens
        // before ours. Relaxed on failure: nothing is read.
        if self.state.compare_exchange(0, OWNED | BUSY, Acquire, Relaxed).is_err() {
            return Err(waker);
        }
        // SAFETY: we hold `BUSY`.
        let old = self.waker.with_mut(|cell| unsafe { (*cell).replace(waker) });
        debug_assert!(old.is_none(), "a free slot holds no waker");
        self.publish(waiters);
        Ok(())
    }

    /// For the owner, at a later poll: stores `waker` (if it is not the one already stored) and
    /// waits again. Returns whether the owner had been woken since its last wait, and the waker it
    /// replaced (to drop outside).
    pub(super) fn wait_again(&self, waker: &Waker, waiters: &AtomicU64) -> (bool, Option<Waker>) {
        // Cloned before `BUSY` is taken: a clone runs the executor's code (module docs). Needed
        // if the waker was taken (cloned ahead on a first look) or differs from the stored one;
        // a poll while waiting with the same waker, the common re-poll, clones nothing.
        // Relaxed: a guess; `acquire` below orders.
        let mut fresh = (self.state.load(Relaxed) & WAITING == 0).then(|| waker.clone());
        loop {
            let state = self.acquire();
            debug_assert!(state & OWNED != 0, "only the owner waits again");
            let woken = state & WAITING == 0;
            // SAFETY: we hold `BUSY`.
            let same = !woken
                && self.waker.with(|cell| unsafe { (*cell).as_ref().is_some_and(|w| w.will_wake(waker)) });
            if same {
                // Release: gives `BUSY` back (module docs).
                self.state.store(state, Release);
                return (false, None);
            }
            let Some(new) = fresh.take() else {
                // We must not run the executor's code under `BUSY`: give it back, clone, and
                // start over (a notifier may take the waker meanwhile).
                // Release: gives `BUSY` back (module docs).
                self.state.store(state, Release);
                fresh = Some(waker.clone());
                continue;
            };
            // SAFETY: we hold `BUSY`.
            let old = self.waker.with_mut(|cell| unsafe { (*cell).replace(new) });
            if woken {
                debug_assert!(old.is_none(), "a notifier took the waker");
                self.publish(waiters);
                return (true, None);
            }
            // Release: gives `BUSY` back (module docs).
            self.state.store(state, Release);
            return (false, old);
        }
    }

    /// Takes `BUSY` for the owner, waiting while a notifier holds it; returns the state it was
    /// taken from.
    fn acquire(&self) -> u32 {
        loop {
            // Relaxed: a first guess for the CAS, which orders.
            let state = self.state.load(Relaxed);
            if state & BUSY != 0 {
                spin_loop();
                continue;
            }
            // Acquire: the last user's `Release` give-back of `BUSY` (a notifier's take, or our
            // own earlier use) happens before our use of the cell. Relaxed on failure: retried.
            if self.state.compare_exchange_weak(state, state | BUSY, Acquire, Relaxed).is_ok() {
                return state;
            }
        }
    }

    /// Counts the owner's task and marks it waiting, giving `BUSY` back.
    fn publish(&self, waiters: &AtomicU64) {
        // Relaxed: ordered before a notifier's uncount by the store below (module docs); the
        // caller's fence orders it against notifiers that read the count.
        waiters.fetch_add(TASK, Relaxed);
        // Release: the waker we stored, and the count, to the notifier whose CAS reads this.
        self.state.store(OWNED | WAITING, Release);
    }

    /// A notifier's attempt: the owner's waker, if the owner is waiting and not woken yet, with
    /// its task uncounted. Never waits.
    pub(super) fn take(&self, waiters: &AtomicU64) -> Option<Waker> {
        // SeqCst: part of the notifier's handshake (module docs), and Acquire for the cell.
        // Relaxed on failure: nothing is read.
        if self.state.compare_exchange(OWNED | WAITING, OWNED | BUSY, SeqCst, Relaxed).is_err() {
            return None;
        }
        // SAFETY: we hold `BUSY`.
        let waker = self.waker.with_mut(|cell| unsafe { (*cell).take() });
        // Relaxed: inside `BUSY`; a stale count costs a notifier one look at the list.
        waiters.fetch_sub(TASK, Relaxed);
        // Release: our take, to the owner's next use of the cell.
        self.state.store(OWNED, Release);
        debug_assert!(waker.is_some(), "a waiting owner stored its waker");
        waker
    }

    /// The owner leaves: frees the slot and returns its waker if it was still waiting (to drop
    /// outside), uncounting its task.
    pub(super) fn release(&self, waiters: &AtomicU64) -> Option<Waker> {
        let state = self.acquire();
        debug_assert!(state & OWNED != 0, "only the owner leaves");
        if state & WAITING != 0 {
            // Relaxed: inside `BUSY`, as in `take`.
            waiters.fetch_sub(TASK, Relaxed);
        }
        // SAFETY: we hold `BUSY`.
        let waker = self.waker.with_mut(|cell| unsafe { (*cell).take() });
        // Release: the cell, empty, to the next owner's `Acquire` claim.
        self.state.store(0, Release);
        waker
    }
}
