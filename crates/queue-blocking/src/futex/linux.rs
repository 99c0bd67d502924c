//! Linux/Android: atomic-wait for untimed waits and wakes, a raw private `FUTEX_WAIT` with a
//! relative timeout for timed waits. Both use private futexes on the same word, so a wake from
//! atomic-wait reaches a timed waiter.

use core::sync::atomic::AtomicU32;
use std::time::Instant;

use crate::time::Deadline;

pub(super) fn wait(atom: &AtomicU32, expected: u32, deadline: Deadline) {
    let Some(deadline) = deadline.tick() else {
        atomic_wait::wait(atom, expected);
        return;
    };
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return;
    }
    // A remaining time beyond `time_t` cannot happen with an `Instant` deadline in practice; clamp.
    let ts = libc::timespec {
        tv_sec: libc::time_t::try_from(left.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: libc::c_long::from(left.subsec_nanos() as i32),
    };
    // SAFETY: FUTEX_WAIT reads the `u32` at `atom` (a valid, aligned, live `AtomicU32` we borrow
    // for the whole call) and the `timespec` we own; it writes nothing. Errors (EAGAIN when the
    // value already changed, EINTR, ETIMEDOUT) all mean "return and let the caller re-check", which
    // is exactly the contract.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            atom.as_ptr(),
            libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
            expected,
            &ts as *const libc::timespec,
        );
    }
}

pub(super) fn wake_one(atom: &AtomicU32) {
    atomic_wait::wake_one(atom);
}

pub(super) fn wake_all(atom: &AtomicU32) {
    atomic_wait::wake_all(atom);
}
