//! Every wait and wake in the crate goes through here, so one module decides how threads sleep.
//!
//! * Normal builds on Linux/Android: untimed waits and all wakes through `atomic-wait`; timed waits
//!   through a raw private `FUTEX_WAIT` with a timeout (`linux.rs`), on the same futex word, so
//!   atomic-wait's wakes reach them.
//! * Other targets, or `--cfg queue_force_fallback` (which CI uses to exercise it on Linux): a
//!   portable table of Mutex+Condvar buckets keyed by address (`fallback.rs`).
//! * `cfg(loom)`: a table on loom's Mutex+Condvar with a virtual clock (`loom_clock.rs`), so loom
//!   sees every sleep and wake and reports a lost wake-up as a deadlock.
//!
//! The contract, as for a futex: `wait` returns when `atom` no longer holds `expected`, when woken,
//! when the deadline passes, or spuriously. Callers loop and re-check their condition.

use crate::sync::AtomicU32;
use crate::time::Deadline;

#[cfg(all(not(loom), not(queue_force_fallback), any(target_os = "linux", target_os = "android")))]
mod linux;
#[cfg(all(not(loom), not(queue_force_fallback), any(target_os = "linux", target_os = "android")))]
use linux as imp;

#[cfg(all(not(loom), any(queue_force_fallback, not(any(target_os = "linux", target_os = "android")))))]
mod fallback;
#[cfg(all(not(loom), any(queue_force_fallback, not(any(target_os = "linux", target_os = "android")))))]
use fallback as imp;

#[cfg(loom)]
pub(crate) mod loom_clock;
#[cfg(loom)]
use loom_clock as imp;

/// Sleeps while `atom` holds `expected`, until woken or `deadline`.
pub(crate) fn wait(atom: &AtomicU32, expected: u32, deadline: Deadline) {
    imp::wait(atom, expected, deadline);
}

/// Wakes at least one thread sleeping in [`wait`] on `atom`, if any.
pub(crate) fn wake_one(atom: &AtomicU32) {
    imp::wake_one(atom);
}

/// Wakes every thread sleeping in [`wait`] on `atom`.
pub(crate) fn wake_all(atom: &AtomicU32) {
    imp::wake_all(atom);
}
