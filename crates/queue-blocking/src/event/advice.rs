//! Whether a future should spin before it registers at an event: learned from how the last spins
//! at that event ended.
//!
//! A short spin pays when the partner that will make the future's condition true runs on another
//! CPU at that moment: a consumer on the other executor worker frees room within a few pauses, and
//! the putter saves a registration, a wake-up and a re-poll. It is pure loss when the partner can
//! run only after this future returns `Pending`: tokio runs a task that a wake-up made ready on the
//! waker's own worker, next, so in a request–reply exchange, or a bounded(1) queue whose two sides
//! wake each other in turn, the partner is queued behind us for as long as we spin. Both shapes
//! are common, and which one a queue is in shows only at run time, so each event keeps a small
//! credit: a spin that ends in success adds one, a spin that fails takes one away, and a future
//! spins while there is credit. With none, one wait in [`PROBE_EVERY`] spins anyway, so that an
//! event whose traffic changed shape can earn credit again.
//!
//! A heuristic that orders nothing: every operation is `Relaxed`, and the word is a `core` atomic
//! rather than a loom one, since futures do not spin under loom and a model gains nothing from
//! exploring it. A lost update between two racing futures costs one spin more or less.
//!
//! Progress: wait-free (one load, and on the slow path one `fetch_add` or one `fetch_update`
//! whose retries are bounded by the number of racing futures).

use core::sync::atomic::AtomicU32;
use core::sync::atomic::Ordering::Relaxed;

/// Most credit an event holds: after a run of successes, this many failures in a row stop the
/// spinning.
const CREDIT_MAX: u32 = 8;
/// With no credit, one wait in this many spins anyway.
const PROBE_EVERY: u32 = 16;
/// The credit lives in the low byte; above it, a count of waits that skipped the spin.
const CREDIT: u32 = 0xff;
const SKIPPED: u32 = 0x100;

#[derive(Debug)]
pub(crate) struct SpinAdvice(AtomicU32);

impl Default for SpinAdvice {
    /// Starts with half the credit: a new queue spins until it learns otherwise, as all futures
    /// did before the advice existed.
    fn default() -> Self {
        Self(AtomicU32::new(CREDIT_MAX / 2))
    }
}

impl SpinAdvice {
    /// Whether a future about to register should spin first.
    pub(crate) fn spin(&self) -> bool {
        // Relaxed: a heuristic (module docs).
        if self.0.load(Relaxed) & CREDIT != 0 {
            return true;
        }
        // Relaxed: as above. Wraps harmlessly: only the count modulo `PROBE_EVERY` matters, and
        // 2^24 is a multiple of it.
        let skipped = self.0.fetch_add(SKIPPED, Relaxed) / SKIPPED;
        skipped % PROBE_EVERY == PROBE_EVERY - 1
    }

    /// Records how a spin ended: `true` if an attempt during it decided.
    pub(crate) fn spun(&self, decided: bool) {
        // Relaxed: a heuristic (module docs). The closure always returns `Some`.
        let _ = self.0.fetch_update(Relaxed, Relaxed, |word| {
            let credit = word & CREDIT;
            let credit = if decided { (credit + 1).min(CREDIT_MAX) } else { credit.saturating_sub(1) };
            Some(word & !CREDIT | credit)
        });
    }

    #[cfg(test)]
    fn credit(&self) -> u32 {
        self.0.load(Relaxed) & CREDIT
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn failures_stop_the_spin_and_probes_restart_it() {
        let advice = SpinAdvice::default();
        assert!(advice.spin(), "a new event spins");
        for _ in 0..CREDIT_MAX {
            advice.spun(false);
        }
        assert_eq!(advice.credit(), 0);
        // One wait in `PROBE_EVERY` probes.
        let probes = (0..4 * PROBE_EVERY).filter(|_| advice.spin()).count();
        assert_eq!(probes, 4);
        // A probe that succeeds earns credit: the next wait spins.
        advice.spun(true);
        assert!(advice.spin());
        for _ in 0..3 * CREDIT_MAX {
            advice.spun(true);
        }
        assert_eq!(advice.credit(), CREDIT_MAX, "credit is capped");
    }
}
