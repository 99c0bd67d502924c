//! Skiplist nodes: tower layout, the item borrow protocol and the link count.

use core::cmp::Ordering as CmpOrdering;
use core::mem::MaybeUninit;

use crossbeam_epoch::Atomic;

use crate::backoff::Backoff;
use crate::sync::{AtomicUsize, Ordering::*, UnsafeCell};

/// Levels per tower. Loom explores every interleaving, so its models use two levels; that still
/// exercises the upper-level code paths.
#[cfg(not(loom))]
pub(super) const MAX_HEIGHT: usize = 12;
#[cfg(loom)]
pub(super) const MAX_HEIGHT: usize = 2;

/// `borrows` bit: the node was claimed by a `pop`; no new comparison may start against its item.
const TAKEN: usize = 1;
/// `borrows` unit: one thread is comparing against (or, for the inserter, still using) the item.
const BORROW: usize = 2;

/// `links` bit: the inserting thread is still linking upper levels.
pub(super) const INSERTING: usize = 1;
/// `links` unit: one level at which the node is linked and not yet passed by `head`.
pub(super) const LEVEL: usize = 2;

pub(super) struct Node<T> {
    /// Initialised from creation until the claiming `pop` takes it (after `borrows` drains).
    /// Uninitialised in the head sentinel.
    item: UnsafeCell<MaybeUninit<T>>,
    /// Insertion ticket: orders equal items first-in, first-out.
    pub(super) seq: u64,
    /// Number of levels this node is meant to reach (1..=MAX_HEIGHT).
    pub(super) height: usize,
    /// `TAKEN` bit plus `BORROW` per comparison in flight; see [`Node::borrow`].
    borrows: AtomicUsize,
    /// `INSERTING` bit plus `LEVEL` per level linked and not yet passed; see the module docs.
    pub(super) links: AtomicUsize,
    /// `next[0]`'s tag means "the successor is deleted"; `next[i]`'s tag (i > 0) means "this node
    /// is frozen at level i" (being passed by `head`; no insert may link after it).
    pub(super) next: [Atomic<Node<T>>; MAX_HEIGHT],
}

impl<T> Node<T> {
    pub(super) fn head() -> Self {
        Self {
            item: UnsafeCell::new(MaybeUninit::uninit()),
            seq: 0,
            height: MAX_HEIGHT,
            borrows: AtomicUsize::new(0),
            links: AtomicUsize::new(0),
            next: core::array::from_fn(|_| Atomic::null()),
        }
    }

    /// A node not yet linked anywhere. Its inserter holds one borrow on the item and the
    /// `INSERTING` bit, and counts level 0 as linked (it links level 0 before anything can see it).
    pub(super) fn new(item: T, seq: u64) -> Self {
        Self {
            item: UnsafeCell::new(MaybeUninit::new(item)),
            seq,
            height: height_for(seq),
            borrows: AtomicUsize::new(BORROW),
            links: AtomicUsize::new(LEVEL | INSERTING),
            next: core::array::from_fn(|_| Atomic::null()),
        }
    }

    /// Whether a `pop` has claimed this node (it may not have taken the item yet).
    pub(super) fn is_taken(&self) -> bool {
        // Relaxed: a hint for searches and unlinking; safety never rests on it (the borrow
        // protocol and the tagged CASes do).
        self.borrows.load(Relaxed) & TAKEN != 0
    }

    /// Compares this node's key `(item, seq)` with `key`'s, or returns `None` if this node has been
    /// claimed by a `pop` (its item may be about to move; it counts as deleted).
    ///
    /// # Safety
    ///
    /// `self` is a non-head node protected by the caller's epoch guard, and the caller holds a
    /// borrow on `key` (it is the caller's own node).
    pub(super) unsafe fn cmp_key(&self, key: &Node<T>) -> Option<CmpOrdering>
    where
        T: Ord,
    {
        // Relaxed: the item itself was published by the Release link CAS that the caller
        // Acquire-loaded on the way here. This RMW only has to be ordered against the claiming
        // `pop`'s `fetch_or(TAKEN)` in the single modification order of `borrows`: whichever comes
        // first, either we see TAKEN and back off, or the `pop` sees our borrow and waits for it.
        let prev = self.borrows.fetch_add(BORROW, Relaxed);
        let _borrow = BorrowGuard(&self.borrows);
        if prev & TAKEN != 0 {
            return None;
        }
        let ord = self.item.with(|mine| {
            key.item.with(|theirs| {
                // SAFETY: both items are initialised and stay in place: ours is borrowed (TAKEN was
                // clear when we registered, so the claiming `pop` waits for `_borrow`), `key`'s is
                // borrowed by the caller. Only shared references are formed, and sharing the
                // structure requires `T: Sync`, so concurrent `&T` on several threads are allowed.
                unsafe { (*theirs).assume_init_ref().cmp((*mine).assume_init_ref()) }
            })
        });
        Some(ord.then(key.seq.cmp(&self.seq)))
    }

    /// Gives up the inserter's borrow on its own item, after which a claiming `pop` may take it.
    pub(super) fn release_own_borrow(&self) {
        // Release: our reads of the item (comparisons while linking) happen before the claiming
        // `pop`'s Acquire load sees the count drain, and so before the item moves.
        self.borrows.fetch_sub(BORROW, Release);
    }

    /// Called by the `pop` that claimed this node (won the tag CAS on its level-0 link): stops new
    /// comparisons, waits for those in flight, then moves the item out.
    ///
    /// # Safety
    ///
    /// The caller claimed this node, and so is the only thread that ever calls this on it.
    pub(super) unsafe fn take(&self) -> T {
        // Relaxed: see `cmp_key`; the edge that matters is made by the Acquire load below.
        self.borrows.fetch_or(TAKEN, Relaxed);
        let backoff = Backoff::new();
        // Acquire: pairs with the Release decrement of every borrow holder, so all their reads of
        // the item happen before we move it.
        while self.borrows.load(Acquire) != TAKEN {
            backoff.snooze();
        }
        // SAFETY: the item is initialised (only this call moves it, and it runs once) and no thread
        // reads it any more: borrows drained, and none can start after TAKEN.
        self.item.with_mut(|item| unsafe { (*item).assume_init_read() })
    }

    /// Moves the item out with exclusive access to the node.
    ///
    /// # Safety
    ///
    /// No other thread can reach the node (it was never published, or the structure is being
    /// dropped), and the item is still initialised.
    pub(super) unsafe fn take_exclusive(&self) -> T {
        // SAFETY: caller's contract.
        self.item.with_mut(|item| unsafe { (*item).assume_init_read() })
    }
}

/// Decrements a borrow count on drop, so a panicking `Ord` cannot leave a `pop` waiting forever.
struct BorrowGuard<'a>(&'a AtomicUsize);

impl Drop for BorrowGuard<'_> {
    fn drop(&mut self) {
        // Release: our reads of the item happen before the claiming `pop` moves it (it
        // Acquire-loads the drained count).
        self.0.fetch_sub(BORROW, Release);
    }
}

/// Under loom, heights alternate 1, 2, 1, 2, … so that even two-item models use the upper level.
#[cfg(loom)]
fn height_for(seq: u64) -> usize {
    1 + (seq % 2) as usize
}

/// Tower height from the insertion ticket: geometric with p = 1/4, deterministic (so fuzz runs
/// are reproducible) and cheap.
#[cfg(not(loom))]
fn height_for(seq: u64) -> usize {
    // splitmix64 finaliser: spreads consecutive tickets over all bits.
    let mut z = seq.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    1 + ((z.trailing_zeros() / 2) as usize).min(MAX_HEIGHT - 1)
}
