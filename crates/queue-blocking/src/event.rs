//! `Event`: an event count for "sleep until something changes" without a lock, on one futex word.
//!
//! A waiter announces itself, re-checks its condition, and only then sleeps on the sequence number
//! it read before the re-check; a notifier changes the state first, then bumps the sequence and
//! wakes. Notifiers skip the sequence bump and the syscall entirely when nobody waits, so a `put`
//! or `get` with no blocked partner never enters the kernel.
//!
//! # One wake per sleep
//!
//! Waking a thread on the other vCPU of a VM takes tens of microseconds, and a producer keeps
//! putting meanwhile. If every put while a waiter is registered made a `FUTEX_WAKE` system call,
//! the producer would spend its time in the kernel waking a thread that is already waking up. So
//! bit 0 of the futex word, `ARMED`, says "someone may be asleep on this value and no wake has
//! been sent for it yet": a waiter sets it when it registers, `notify_one` clears it (and bumps the
//! counter in the upper bits) with one CAS and makes the system call only if it cleared it, and a
//! notifier that finds it clear does nothing.
//!
//! A skipped notification must not be lost. It is skipped only after an earlier notifier cleared
//! `ARMED`; then at least one waiter registered at that moment will leave its wait: the one the
//! wake reached, or, if none was in the kernel yet, all of them (the futex word changed, so their
//! waits return at once). Every leaving waiter that is not the last one re-arms the bit, and every
//! thread that registered re-checks its condition when it leaves its wait loop and passes the
//! notification on if the condition still holds for others ([`Event::pass_on`]). The re-arm (a
//! write to `seq`) and the skipped notifier's state change are ordered by the fences below, so
//! either the notifier sees `ARMED` and wakes, or the leaving waiter sees the state and passes on.
//!
//! # Notes about memory ordering
//!
//! The danger is the classic lost wake-up: a waiter checks the condition (false), a notifier then
//! makes it true and sees no waiter, and the waiter sleeps forever. `fence(SeqCst)` pairs rule it
//! out, in the Dekker pattern:
//!
//! * waiter: `waiters += 1`; arm and read `seq`; **fence**; re-check the condition; sleep on `seq`.
//! * notifier: change the state; **fence**; read `waiters` and `seq`; if armed, bump `seq`, wake.
//! * leaving waiter: `waiters -= 1`, re-arm; ...; **fence**; re-check; notify if it still holds.
//!
//! The fences are totally ordered. If the waiter's comes first, the notifier sees `waiters > 0` and
//! the armed `seq`, and bumps `seq` after the waiter read it, so the waiter's futex wait returns at
//! once or is woken. If the notifier's comes first, the waiter's re-check sees the new state and
//! does not sleep. The same pattern orders a leaving waiter's re-arm against a notifier that found
//! `ARMED` clear. The `seq` bump is Release and the waiter's read of it Acquire, so a waiter that
//! read the bumped value also sees the state change that preceded it. (Loom does not model SeqCst
//! loads and stores, only SeqCst fences, which is why the handshake is written with fences.)
//!
//! # Tasks
//!
//! Async futures wait at the same event, so a put wakes a blocked thread or a waiting task,
//! whichever is there. A task registers its waker ([`Event::register_task`]: in a lock-free slot
//! when it waits alone, `slot.rs`, else in a list, `tasks.rs`) where a thread calls `prepare`,
//! and counts itself in the same waiter word (the upper half; threads are the lower half) until
//! it is woken: the notifier that takes its waker uncounts it. A notifier
//! reads that one word, as before: with nobody waiting a notification still costs one load, and so
//! it does while the only task registered has been woken and has not polled again yet. With tasks registered, `notify_one` wakes the longest-waiting task that
//! has not been woken yet and stops there; only if there is none does it go on to the threads. A
//! task leaving after it registered (done, or its future dropped) passes the notification on
//! exactly as a thread does, which is what makes a dropped future safe: a wake-up it received and
//! did not use goes to another waiter. The handshake is the same fence pair: the task counts
//! itself and stores its waker, fences, and re-checks the condition before it returns `Pending`.

mod advice;
mod slot;
mod tasks;

use std::task::Waker;

use crossbeam_utils::CachePadded;
use queue_core::Claim;

use crate::futex;
use crate::sync::{AtomicU32, AtomicU64, Ordering::*, fence};
use crate::time::Deadline;
pub(crate) use advice::SpinAdvice;
pub(crate) use tasks::Ticket;
use tasks::{TASK, Tasks};

// `pub` in a private module: the hidden `Engine` trait hands it to the futures.
#[derive(Debug, Default)]
pub struct Event {
    /// The futex word: `ARMED` in bit 0, above it a counter bumped by every notification that
    /// found an armed waiter.
    seq: CachePadded<AtomicU32>,
    /// Low half: threads between `prepare` and the end of their wait. High half: tasks waiting
    /// and not yet woken ([`TASK`] each). One word, so that a notifier checks both with one load.
    waiters: CachePadded<AtomicU64>,
    tasks: Tasks,
    /// Whether futures waiting here should spin before they register (advice.rs).
    pub(crate) spin_advice: SpinAdvice,
}

/// The three places where a queue's callers wait.
#[derive(Debug, Default)]
pub struct Events {
    /// Getters; notified by every put and by shutdown.
    pub(crate) not_empty: Event,
    /// Putters; notified by every get, by `set_maxsize` and by shutdown.
    pub(crate) not_full: Event,
    /// Joiners; notified (all of them) when no task is left.
    pub(crate) all_done: Event,
}

/// A registered intention to wait, holding the sequence number read at registration.
#[must_use]
pub(crate) struct Waiter<'a> {
    event: &'a Event,
    seq: u32,
}

/// Bit 0 of `seq`: a waiter may sleep on the current value and no wake is on its way.
const ARMED: u32 = 1;
/// The counter lives above `ARMED`.
const STEP: u32 = 2;
/// One thread in `waiters`; the low half counts threads.
const THREAD: u64 = 1;
const THREADS: u64 = TASK - 1;

impl Event {
    /// Registers the caller as a waiter. Re-check the condition after this, then `wait` or drop;
    /// when the wait loop is over, call [`Event::pass_on`].
    pub(crate) fn prepare(&self) -> Waiter<'_> {
        // Relaxed: ordered against the notifier by the fence that follows (module docs).
        self.waiters.fetch_add(THREAD, Relaxed);
        // Acquire: pairs with the Release bump in `notify_*`, so if we see a bump we also see the
        // state change made before it. The arm is ordered before the notifier's read of `seq` by
        // the fence that follows.
        let seq = self.seq.fetch_or(ARMED, Acquire) | ARMED;
        fence(SeqCst);
        Waiter { event: self, seq }
    }

    /// Wakes one waiter, unless nobody is registered or a wake is already on its way to one that
    /// has not left yet (module docs). Call after making the waited-for state true.
    pub(crate) fn notify_one(&self) {
        fence(SeqCst);
        self.notify_one_fenced();
    }

    fn notify_one_fenced(&self) {
        // Relaxed: ordered by the caller's fence against the waiter's fence (module docs).
        let waiters = self.waiters.load(Relaxed);
        if waiters != 0 {
            // Relaxed: a first guess for the CAS, ordered by the same fence.
            self.wake_one(waiters, || self.seq.load(Relaxed));
        }
    }

    /// The part of a `notify_one` after it found `waiters` non-zero: a task if one is waiting and
    /// not yet woken, else a thread if one is armed. `seq` reads the futex word (ordered by the
    /// caller's handshake).
    // Out of line: the notify that finds nobody waiting, the common case, stays a load and a
    // branch where it is inlined.
    #[cold]
    #[inline(never)]
    fn wake_one(&self, waiters: u64, seq: impl FnOnce() -> u32) {
        if waiters >= TASK && self.tasks.wake_one(&self.waiters) {
            return;
        }
        if waiters & THREADS == 0 {
            return;
        }
        let mut seq = seq();
        while seq & ARMED != 0 {
            // Release: a waiter that reads the new value also sees the state change made before
            // it. Relaxed on failure: retry with the value seen.
            match self.seq.compare_exchange_weak(seq, seq.wrapping_add(STEP) & !ARMED, Release, Relaxed) {
                Ok(_) => return futex::wake_one(&self.seq),
                Err(current) => seq = current,
            }
        }
    }

    /// [`Event::notify_one`] for a caller whose state change was a `SeqCst` read-modify-write on
    /// the word the waiters re-read, proven by the [`Claim`] it made (`queue_core`'s claim.rs: a
    /// weakened claim makes no `Claim`, so it does not compile here). Then `SeqCst` loads of
    /// `waiters` and `seq` close the handshake without a fence of our own. The waiter's side is unchanged
    /// (its fence is between its registration and its re-check), and C++20 [atomics.order] gives
    /// both halves of the Dekker argument in the module docs: if the waiter's fence precedes our
    /// load in the single total order, the load sees its registration (an operation sequenced
    /// before a `SeqCst` fence is seen by a later `SeqCst` load); otherwise our RMW precedes the
    /// fence and the waiter's re-check sees it (a `SeqCst` write before a fence is seen by loads
    /// sequenced after the fence). On x86 this saves an `mfence` per operation: the RMW's `lock`
    /// prefix is already a full barrier and a `SeqCst` load is a plain load.
    ///
    /// Loom models `SeqCst` loads as `Acquire`, so under loom the fence is kept: the models check
    /// the fenced handshake, and the fence-free form rests on the argument above.
    #[inline]
    pub(crate) fn notify_one_after_claim(&self, _: Claim) {
        #[cfg(loom)]
        fence(SeqCst);
        // SeqCst: the handshake (above); with nobody waiting, thread or task, this load is all a
        // notify costs.
        let waiters = self.waiters.load(SeqCst);
        if waiters != 0 {
            // SeqCst: as above, so that an armed waiter's `seq` is seen.
            self.wake_one(waiters, || self.seq.load(SeqCst));
        }
    }

    /// [`Event::notify_all`] after a `SeqCst` read-modify-write, as [`Event::notify_one_after_claim`].
    pub(crate) fn notify_all_after_claim(&self, _: Claim) {
        #[cfg(loom)]
        fence(SeqCst);
        // SeqCst: the handshake (see `notify_one_after_claim`).
        let waiters = self.waiters.load(SeqCst);
        self.wake_all(waiters);
    }

    /// The part of a `notify_all` after the handshake: every task and every thread.
    fn wake_all(&self, waiters: u64) {
        if waiters >= TASK {
            self.tasks.wake_all(&self.waiters);
        }
        if waiters & THREADS != 0 {
            // Release: as in `notify_one_fenced`. Adding `STEP` leaves `ARMED` as it was.
            self.seq.fetch_add(STEP, Release);
            futex::wake_all(&self.seq);
        }
    }

    /// Wakes every registered waiter, armed or not. Call after making the waited-for state true.
    pub(crate) fn notify_all(&self) {
        fence(SeqCst);
        // Relaxed: ordered by the fence above against the waiter's fence (module docs).
        let waiters = self.waiters.load(Relaxed);
        self.wake_all(waiters);
    }

    /// Call once a thread that registered (with `prepare`) leaves its wait loop, whatever the
    /// outcome: if `still_true` says the condition holds for another waiter, wake one, since a
    /// notification meant for it may have been skipped while our wake-up was on its way.
    pub(crate) fn pass_on(&self, still_true: impl FnOnce() -> bool) {
        // Orders our re-arm (in `Waiter::drop`) before the re-check, against a notifier that
        // found `ARMED` clear (module docs).
        fence(SeqCst);
        if still_true() {
            self.notify_one_fenced();
        }
    }

    /// A task's `prepare`: stores `waker` for `ticket` (registering it the first time), then
    /// fences. Re-check the condition after this and return `Pending` only if it is still false;
    /// once the future is done or dropped, call [`Event::deregister_task`]. Returns whether the
    /// ticket was woken since the last call (it is waiting again now).
    pub(crate) fn register_task(&self, ticket: &mut Ticket, waker: &Waker) -> bool {
        let woken = self.tasks.register(ticket, waker, &self.waiters);
        // Orders the registration before the caller's re-check, against notifiers (module docs).
        fence(SeqCst);
        woken
    }

    /// A task's [`Event::pass_on`], for a future that registered (else nothing happens): forgets
    /// its ticket and, if `still_true` says the condition holds for another waiter, wakes one.
    pub(crate) fn deregister_task(&self, ticket: &mut Ticket, still_true: impl FnOnce() -> bool) {
        if ticket.is_registered() {
            self.tasks.deregister(ticket, &self.waiters);
            self.pass_on(still_true);
        }
    }
}

#[cfg(all(test, loom))]
impl Event {
    /// The waiter word: threads in the low half, waiting tasks in the high.
    pub(crate) fn waiters_for_tests(&self) -> u64 {
        // Relaxed: read by tests after joining every thread that changed it.
        self.waiters.load(Relaxed)
    }
}

impl Waiter<'_> {
    /// Sleeps until notified (possibly spuriously) or until `deadline`. The caller re-checks its
    /// condition, and the deadline, afterwards.
    pub(crate) fn wait(self, deadline: Deadline) {
        futex::wait(&self.event.seq, self.seq, deadline);
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        // Relaxed: deregistration only makes notifiers skip work; a stale count costs one extra
        // wake, never a lost one.
        if self.event.waiters.fetch_sub(THREAD, Relaxed) & THREADS > 1 {
            // Others still wait: a notifier that finds `ARMED` clear must not assume a wake is on
            // its way to them. Relaxed: ordered by the fence in `pass_on` or the next `prepare`.
            self.event.seq.fetch_or(ARMED, Relaxed);
        }
    }
}
