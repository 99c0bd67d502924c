//! `Store`: the raw lock-free container and one counter word; the storage of the `Inner` engine (`LifoQueue`, `PriorityQueue`). `Queue` and `SimpleQueue` use
//! `fifo.rs`, whose core keeps these counts in its positions.
//!
//! The counter word holds two counts, so that the common path changes both with one RMW on one
//! cache line: `items` (low half: items a get may claim, `qsize()`) and `slots` (high half:
//! maxsize slots held, by the items inside and by bounded puts that reserved one and are still
//! publishing). A put into an unbounded queue takes its slot together with publishing its item
//! (one `fetch_add`); a bounded put reserves first (a CAS that checks `maxsize`) and publishes
//! after; a get's claim gives the item's slot back in the same CAS that claims it. Before the
//! merge a put and a get made four RMWs on two shared lines; the 1-producer/1-consumer benchmark
//! measured the difference (docs/performance.md).
//!
//! Each half is 32 bits wide, so a queue holds at most [`MAX_ITEMS`] items; a put past that panics
//! instead of letting one half carry into the other.

use core::marker::PhantomData;

use crossbeam_utils::CachePadded;
use queue_core::{PanicPayload, RawQueue};

use crate::sync::{AtomicU64, Ordering::*, spin_loop};

/// Runs a closure once when dropped, unwinding included.
struct OnDrop<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// One claimable item, in the counter word.
const ITEM: u64 = 1;
/// One held slot, in the counter word.
const SLOT: u64 = 1 << 32;
/// The most items a queue may hold (2^31, half of a counter's range, so that puts racing past the
/// check cannot carry one count into the other).
pub(crate) const MAX_ITEMS: usize = 1 << 31;

fn items_of(word: u64) -> usize {
    (word & (SLOT - 1)) as usize
}

fn slots_of(word: u64) -> usize {
    (word >> 32) as usize
}

pub(crate) struct Store<T, R> {
    raw: R,
    /// `items` and `slots` (module docs). Items are raised after their push and lowered by the
    /// get that claims them before it pops, so a claim always finds an item.
    counts: CachePadded<AtomicU64>,
    /// `fn() -> T`: the store owns `T`s only through `R`, which decides `Send`/`Sync`.
    _items: PhantomData<fn() -> T>,
}

impl<T, R: RawQueue<T>> Store<T, R> {
    pub(crate) fn new() -> Self {
        Self { raw: R::default(), counts: CachePadded::new(AtomicU64::new(0)), _items: PhantomData }
    }

    /// Pushes `item` and makes it claimable, taking its slot now unless the caller `reserved` one;
    /// the caller notifies `not_empty`. A panic in the container's code (its `Ord`, or a user
    /// container's `push`) comes back as `RawQueue::push_catching_panic` says: `Ok(Some(payload))`
    /// if the item is in (and counted), `Err((item, payload))` if not (nothing was counted, the
    /// caller still holds its reservation). A user container's `push` may also unwind through
    /// this call; then nothing was counted either.
    pub(crate) fn publish(&self, item: T, reserved: bool) -> Result<Option<PanicPayload>, (T, PanicPayload)> {
        let panicked = self.raw.push_catching_panic(item)?;
        let add = if reserved { ITEM } else { ITEM + SLOT };
        // Release: pairs with the Acquire claim in `try_take`, so the claiming get's `pop` happens
        // after our `push` and finds the item.
        self.counts.fetch_add(add, Release);
        Ok(panicked)
    }

    /// Claims and pops one item, if any is claimable. `claimed` runs after a successful claim,
    /// also when the container's `pop` then panics: the claim stands (the item's slot is free),
    /// since the item may have left the container before the panic, and a claim given back for
    /// an item that is gone would make a later get wait for ever. (An item the panicking `pop`
    /// left inside stays uncounted until the queue is dropped, and is dropped then.)
    pub(crate) fn try_take(&self, claimed: impl FnOnce()) -> Option<T> {
        // Relaxed: a first guess for the CAS, which re-reads on failure.
        let mut word = self.counts.load(Relaxed);
        loop {
            if items_of(word) == 0 {
                return None;
            }
            // The claim also gives back the item's slot. Acquire on success: pairs with the
            // Release increment in `publish` (every change of the word is an RMW, so all earlier
            // increments are in the release sequence we read from): the pushes they count happen
            // before our `pop`. Relaxed on failure: retry.
            match self.counts.compare_exchange_weak(word, word - ITEM - SLOT, Acquire, Relaxed) {
                Ok(_) => break,
                Err(current) => word = current,
            }
        }
        let _claimed = OnDrop(Some(claimed));
        // Our claim guarantees an item is inside; the loop only covers the moment in which a
        // concurrent `pop` has taken "our" item and its own is still on the way.
        loop {
            if let Some(item) = self.raw.pop() {
                return Some(item);
            }
            spin_loop();
        }
    }
}

impl<T, R> Store<T, R> {
    /// Takes a slot if fewer than `max` are held.
    pub(crate) fn try_reserve(&self, max: usize) -> bool {
        // Relaxed throughout: a slot publishes nothing; sleepers are ordered by the `not_full`
        // handshake, and the item itself by `publish`'s Release.
        let mut word = self.counts.load(Relaxed);
        while slots_of(word) < max {
            match self.counts.compare_exchange_weak(word, word + SLOT, Relaxed, Relaxed) {
                Ok(_) => return true,
                Err(current) => word = current,
            }
        }
        false
    }

    /// Gives back a slot reserved by a put that then failed.
    pub(crate) fn cancel_reservation(&self) {
        // Relaxed: see `try_reserve`.
        self.counts.fetch_sub(SLOT, Relaxed);
    }

    /// Slots held now.
    pub(crate) fn slots(&self) -> usize {
        // Relaxed: a snapshot, re-checked after the `not_full` handshake by whoever acts on it.
        slots_of(self.counts.load(Relaxed))
    }

    /// Whether the queue holds [`MAX_ITEMS`] items: a put must then panic before it publishes.
    pub(crate) fn at_capacity(&self) -> bool {
        self.len() >= MAX_ITEMS
    }

    /// Sets the counts word: for tests that need a queue at its limit without 2^31 pushes.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn set_counts(&self, items: usize, slots: usize) {
        self.counts.store(items as u64 * ITEM + slots as u64 * SLOT, Relaxed);
    }

    /// Items a get could claim now (`qsize`).
    pub(crate) fn len(&self) -> usize {
        // Relaxed: a snapshot; Python documents `qsize()` as approximate too.
        items_of(self.counts.load(Relaxed))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use queue_core::MsQueue;

    #[test]
    fn halves_count_items_and_slots() {
        let s: Store<u8, MsQueue<u8>> = Store::new();
        assert!(s.try_reserve(2));
        s.publish(1, true).unwrap();
        s.publish(2, false).unwrap();
        assert_eq!((s.len(), s.slots()), (2, 2));
        assert!(!s.try_reserve(2));
        assert_eq!(s.try_take(|| {}), Some(1));
        assert_eq!((s.len(), s.slots()), (1, 1));
        assert!(s.try_reserve(2));
        s.cancel_reservation();
        assert_eq!((s.len(), s.slots()), (1, 1));
    }

    #[test]
    fn the_limit_is_max_items() {
        let s: Store<u8, MsQueue<u8>> = Store::new();
        let full = MAX_ITEMS as u64 * (ITEM + SLOT);
        s.counts.store(full, Relaxed);
        assert!(s.at_capacity());
        s.counts.store(full - ITEM - SLOT, Relaxed);
        assert!(!s.at_capacity());
        // Reset so Drop does not look for items that were never pushed.
        s.counts.store(0, Relaxed);
    }
}
