//! Exponential backoff for CAS retry loops and short waits.
//!
//! The shape follows crossbeam-utils' `Backoff`, but every pause goes through [`crate::sync`] so
//! that loom sees each retry as a yield (crossbeam's `snooze` calls std's `yield_now`, which loom
//! cannot see, and a model with an invisible spin never ends).

use core::cell::Cell;

use crate::sync::hint;

/// Spins `2^step` times per call up to this step.
const SPIN_LIMIT: u32 = 6;
/// Past this step [`Backoff::snooze`] yields the time slice instead of spinning.
const YIELD_LIMIT: u32 = 10;

/// Per-operation backoff state; create one per retry loop.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    step: Cell<u32>,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Backs off after a failed CAS: contention, not waiting, so never yields the CPU.
    #[inline]
    pub(crate) fn spin(&self) {
        for _ in 0..1u32 << self.step.get().min(SPIN_LIMIT) {
            hint::spin_loop();
        }
        if self.step.get() <= SPIN_LIMIT {
            self.step.set(self.step.get() + 1);
        }
    }

    /// Waits for another thread to make progress: spins at first, then yields the time slice.
    #[inline]
    pub(crate) fn snooze(&self) {
        if self.step.get() <= SPIN_LIMIT {
            for _ in 0..1u32 << self.step.get() {
                hint::spin_loop();
            }
        } else {
            hint::yield_now();
        }
        if self.step.get() <= YIELD_LIMIT {
            self.step.set(self.step.get() + 1);
        }
    }
}
