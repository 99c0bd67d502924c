//! `Event`: an event count for "sleep until something changes" without a lock, on one futex word.
//!
//! A waiter announces itself, re-checks its condition, and only then sleeps on the sequence number
//! it read before the re-check; a notifier changes the state first, then bumps the sequence and
//! wakes. Notifiers skip the sequence bump and the syscall entirely when nobody waits, so a `put`
//! or `get` with no blocked partner never enters the kernel.
//!
//! # Notes about memory ordering
//!
//! The danger is the classic lost wake-up: a waiter checks the condition (false), a notifier then
//! makes it true and sees no waiter, and the waiter sleeps forever. Two `fence(SeqCst)` rule it out,
//! in the Dekker pattern:
//!
//! * waiter: `waiters += 1`; **fence**; read `seq`; re-check the condition; sleep on `seq`.
//! * notifier: change the state; **fence**; read `waiters`; if non-zero, `seq += 1` and wake.
//!
//! The fences are totally ordered. If the waiter's comes first, the notifier sees `waiters > 0` and
//! bumps `seq` after the waiter read it, so the waiter's futex wait returns at once or is woken. If
//! the notifier's comes first, the waiter's re-check sees the new state and does not sleep. The
//! `seq` bump is Release and the waiter's read of it Acquire, so a waiter that read the bumped value
//! also sees the state change that preceded it. (Loom does not model SeqCst loads and stores, only
//! SeqCst fences, which is why the handshake is written with fences.)

use crossbeam_utils::CachePadded;

use crate::futex;
use crate::sync::{AtomicU32, Ordering::*, fence};
use crate::time::Deadline;

#[derive(Debug, Default)]
pub(crate) struct Event {
    /// The futex word: bumped by every notification that found a waiter.
    seq: CachePadded<AtomicU32>,
    /// Threads between `prepare` and the end of `wait`/`cancel`.
    waiters: CachePadded<AtomicU32>,
}

/// A registered intention to wait, holding the sequence number read at registration.
#[must_use]
pub(crate) struct Waiter<'a> {
    event: &'a Event,
    seq: u32,
}

impl Event {
    /// Registers the caller as a waiter. Re-check the condition after this, then `wait` or drop.
    pub(crate) fn prepare(&self) -> Waiter<'_> {
        // Relaxed: ordered against the notifier by the fence that follows (module docs).
        self.waiters.fetch_add(1, Relaxed);
        fence(SeqCst);
        // Acquire: pairs with the Release bump in `notify_*`, so if we see a bump we also see the
        // state change made before it.
        let seq = self.seq.load(Acquire);
        Waiter { event: self, seq }
    }

    /// Wakes one waiter, if any is registered. Call after making the waited-for state true.
    pub(crate) fn notify_one(&self) {
        if self.bump() {
            futex::wake_one(&self.seq);
        }
    }

    /// Wakes every registered waiter. Call after making the waited-for state true.
    pub(crate) fn notify_all(&self) {
        if self.bump() {
            futex::wake_all(&self.seq);
        }
    }

    fn bump(&self) -> bool {
        fence(SeqCst);
        // Relaxed: ordered by the fence above against the waiter's fence (module docs).
        if self.waiters.load(Relaxed) == 0 {
            return false;
        }
        // Release: a waiter that reads the new value also sees the state change made before it.
        self.seq.fetch_add(1, Release);
        true
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
        self.event.waiters.fetch_sub(1, Relaxed);
    }
}
