//! [`Claim`]: a proof, checked by the compiler, that the caller has just made a `SeqCst`
//! read-modify-write.
//!
//! The blocking layer wakes sleepers with a store-load handshake (queue-blocking's event.rs): the
//! waiter announces itself, fences, and re-reads the state; the notifier changes the state, then
//! reads whether anyone waits. Normally both sides fence. A notifier whose state change was a
//! `SeqCst` read-modify-write on the very word the waiter re-reads may skip its fence and use
//! `SeqCst` loads instead (C++20 [atomics.order]: a `SeqCst` write that precedes the waiter's fence
//! in the single total order is seen by the waiter's loads after that fence; otherwise the fence
//! precedes our `SeqCst` load, which sees the waiter's announcement). On x86 that saves an
//! `mfence` per put and per get. The precondition is easy to break silently: weaken the claim to
//! `AcqRel` and wake-ups get lost on weakly ordered CPUs, with no test on x86 noticing.
//!
//! So the fence-free notify takes a `Claim`, and a `Claim` can be made only here, by the
//! functions of this module, each of which performs one `SeqCst` read-modify-write and nothing
//! weaker. Whoever weakens a claim must edit this module, whose contract is the paragraph above.
//! A `Claim` does not say *which* word was written: each caller names it where it takes the
//! `Claim` (the segmented queue's `tail` for a push, `head` for a pop, and [`ClaimWord`]s).

use crate::sync::{AtomicU64, Ordering};

/// Proof that the current thread has just made a `SeqCst` read-modify-write (module docs).
/// Cannot be built outside this module; neither `Clone` nor `Copy`, so one RMW proves one notify.
#[derive(Debug)]
pub struct Claim {
    _only_from_a_seqcst_rmw: (),
}

/// `compare_exchange_weak(current, new)` with `SeqCst` on success, handing out the [`Claim`];
/// `failure` is the ordering of the load on failure.
#[inline]
pub(crate) fn compare_exchange_weak(
    word: &AtomicU64,
    current: u64,
    new: u64,
    failure: Ordering,
) -> Result<Claim, u64> {
    // SeqCst on success: what a `Claim` proves (module docs).
    match word.compare_exchange_weak(current, new, Ordering::SeqCst, failure) {
        Ok(_) => Ok(Claim { _only_from_a_seqcst_rmw: () }),
        Err(seen) => Err(seen),
    }
}

/// A `u64` whose only read-modify-write is a `SeqCst` compare-and-swap that hands out a [`Claim`]:
/// for a counter outside this crate that a waiter re-reads (queue-blocking's count of tasks done).
#[derive(Debug, Default)]
pub struct ClaimWord(AtomicU64);

impl ClaimWord {
    /// A word holding `value`.
    pub fn new(value: u64) -> Self {
        Self(AtomicU64::new(value))
    }

    /// Loads the value with `order`.
    #[inline]
    pub fn load(&self, order: Ordering) -> u64 {
        self.0.load(order)
    }

    /// Replaces `current` with `new` if the word holds `current` (`SeqCst`), giving the
    /// [`Claim`]; otherwise returns the value seen, loaded with `failure`. May fail spuriously.
    #[inline]
    pub fn compare_exchange_weak(&self, current: u64, new: u64, failure: Ordering) -> Result<Claim, u64> {
        compare_exchange_weak(&self.0, current, new, failure)
    }
}
