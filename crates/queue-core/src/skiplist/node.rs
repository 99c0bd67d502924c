//! Skiplist nodes: the variable-height allocation, the item borrow protocol and the link count.
//!
//! # Layout
//!
//! A node is one allocation: a fixed [`Header`], then exactly `height` links. `Node` is a
//! `#[repr(C)]` type whose last field is the slice `next`, so a `&Node<T>` carries the height as
//! that slice's length and every `next[level]` is bounds-checked against the node's own tower.
//! Heights are geometric with p = 1/4, so three nodes in four carry one link, not `MAX_HEIGHT`.
//!
//! crossbeam-epoch keeps node pointers as thin addresses; our [`Pointable`] impl turns one back
//! into a wide pointer by reading `height` from the header first, then giving a pointer derived
//! from the allocation's base address the tower's length. So the tower is never reached through a
//! reference that does not cover it. [`Node::layout`] of that same height allocates and frees the
//! node, through this thread's cache of freed nodes (cache.rs). `Owned`, `Shared` and
//! `defer_destroy` work unchanged on top of this.
//!
//! The head sentinel is not a node: it is an array of `MAX_HEIGHT` links, and searches treat any
//! predecessor, head or node, as a [`Tower`].

use core::alloc::Layout;
use core::cmp::Ordering as CmpOrdering;
use core::mem::{self, MaybeUninit};
use core::ptr;
use std::alloc;

use crossbeam_epoch::{Atomic, Owned, Pointable};

use crate::backoff::Backoff;
use crate::sync::{AtomicUsize, Ordering::*, UnsafeCell};

/// Levels in the head's tower, and the greatest node height. Loom explores every interleaving, so
/// its models use two levels; that still exercises the upper-level code paths.
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

/// A tower of links, level 0 first: a node's `height` links, or the head's `MAX_HEIGHT`.
pub(super) type Tower<T> = [Atomic<Node<T>>];

/// A node of height `h`: its header and, in the same allocation, `h` links. Only ever created by
/// [`Node::new`] (through [`Pointable::init`]); never on the stack.
#[repr(C)]
pub(super) struct Node<T> {
    header: Header<T>,
    /// Exactly `height` links. `next[0]`'s tag means "the successor is deleted"; `next[i]`'s tag
    /// (i > 0) means "this node is frozen at level i" (being passed by `head`; no insert may link
    /// after it).
    pub(super) next: Tower<T>,
}

/// The fixed part of a node, in front of its tower. Immutable after `init` except through the
/// atomics and the `UnsafeCell`.
struct Header<T> {
    /// Initialised from creation until the claiming `pop` takes it (after `borrows` drains).
    item: UnsafeCell<MaybeUninit<T>>,
    /// Insertion ticket: orders equal items first-in, first-out.
    seq: u64,
    /// Length of the tower (1..=MAX_HEIGHT). Read before the tower is touched, to size it.
    height: usize,
    /// `TAKEN` bit plus `BORROW` per comparison in flight; see [`Node::cmp_key`].
    borrows: AtomicUsize,
    /// `INSERTING` bit plus `LEVEL` per level linked and not yet passed; see the module docs.
    links: AtomicUsize,
}

impl<T> Node<T> {
    /// A node not yet linked anywhere, with a tower of `height_for(seq)` null links. Its inserter
    /// holds one borrow on the item and the `INSERTING` bit, and counts level 0 as linked (it links
    /// level 0 before anything can see it).
    pub(super) fn new(item: T, seq: u64) -> Owned<Self> {
        Owned::init((item, seq))
    }

    /// Number of levels this node is meant to reach: the length of its tower.
    pub(super) fn height(&self) -> usize {
        self.next.len()
    }

    /// `INSERTING` bit plus `LEVEL` per level linked and not yet passed; see the module docs.
    pub(super) fn links(&self) -> &AtomicUsize {
        &self.header.links
    }

    /// The allocation of a node of `height` levels: the header, then the tower, placed as
    /// `#[repr(C)]` places `Node`'s fields (the tests check it against `size_of_val`).
    fn layout(height: usize) -> Layout {
        let tower = Layout::array::<Atomic<Self>>(height).expect("tower size overflows");
        let (layout, _) = Layout::new::<Header<T>>().extend(tower).expect("node size overflows");
        layout.pad_to_align()
    }

    /// The node pointer for an allocation at `base` with `height` levels: a pointer to a
    /// slice-tailed type carries its tail's length, so this one spans the header and the tower,
    /// with `base`'s provenance.
    fn from_base(base: *mut u8, height: usize) -> *mut Self {
        ptr::slice_from_raw_parts_mut(base, height) as *mut Self
    }

    /// The node pointer for an address crossbeam-epoch stored (untagged).
    ///
    /// # Safety
    ///
    /// `addr` came from [`Pointable::init`] and the node is not freed yet.
    unsafe fn from_addr(addr: usize) -> *mut Self {
        let base = ptr::with_exposed_provenance_mut::<u8>(addr);
        // SAFETY: `base` starts a live node, whose header `init` wrote before exposing the address;
        // `height` never changes after that. This reads through the header alone, not the tower.
        let height = unsafe { (*base.cast::<Header<T>>()).height };
        Self::from_base(base, height)
    }
}

// Node memory: through this thread's cache of freed nodes (cache.rs, the same signatures as
// `alloc`/`dealloc`), or straight from the allocator under loom, Miri, the fuzzer and the
// sanitizers (`crossbeam_sanitize`), which must see every free: a freed node kept for reuse would
// hide a use after free from them.
#[cfg(not(any(loom, miri, fuzzing, crossbeam_sanitize)))]
use super::cache::{alloc as node_alloc, free as node_free};
#[cfg(any(loom, miri, fuzzing, crossbeam_sanitize))]
use std::alloc::{alloc as node_alloc, dealloc as node_free};

/// Alignment of a node (and so of its address, whose low bits hold the link tags).
const fn node_align<T>() -> usize {
    let (header, link) = (mem::align_of::<Header<T>>(), mem::align_of::<Atomic<Node<T>>>());
    if header > link { header } else { link }
}

impl<T> Pointable for Node<T> {
    const ALIGN: usize = node_align::<T>();

    /// The item and its insertion ticket; the height follows from the ticket.
    type Init = (T, u64);

    unsafe fn init((item, seq): Self::Init) -> usize {
        let height = height_for(seq);
        let layout = Self::layout(height);
        debug_assert_eq!(layout.align(), Self::ALIGN);
        // SAFETY: `layout` has a non-zero size: the header holds two counters.
        let base = unsafe { node_alloc(layout) };
        if base.is_null() {
            alloc::handle_alloc_error(layout);
        }
        let node = Self::from_base(base, height);
        // SAFETY: `node` is derived from `base` and spans the fresh allocation, which `layout`
        // sized and aligned for a header and `height` links. We write through raw pointers only;
        // no reference to the node exists before every field is initialised.
        unsafe {
            (&raw mut (*node).header).write(Header {
                item: UnsafeCell::new(MaybeUninit::new(item)),
                seq,
                height,
                borrows: AtomicUsize::new(BORROW),
                links: AtomicUsize::new(LEVEL | INSERTING),
            });
            let tower = (&raw mut (*node).next).cast::<Atomic<Self>>();
            for level in 0..height {
                tower.add(level).write(Atomic::null());
            }
        }
        base.expose_provenance()
    }

    unsafe fn deref<'a>(addr: usize) -> &'a Self {
        // SAFETY: the caller passes a live node (Pointable's contract). Every field was initialised
        // by `init`; shared access mutates only atomics and the `UnsafeCell`.
        unsafe { &*Self::from_addr(addr) }
    }

    unsafe fn deref_mut<'a>(addr: usize) -> &'a mut Self {
        // SAFETY: as in `deref`, and the caller guarantees no other reference to the node exists.
        unsafe { &mut *Self::from_addr(addr) }
    }

    unsafe fn drop(addr: usize) {
        // SAFETY: the caller passes a live node that no one references any more.
        unsafe {
            let node = Self::from_addr(addr);
            // The layout it was allocated with: `height` is the one `init` stored.
            let layout = Self::layout((*node).header.height);
            // Drops no `T`: the item is a `MaybeUninit`, moved out (or not) by its owner.
            ptr::drop_in_place(node);
            node_free(node.cast::<u8>(), layout);
        }
    }
}

impl<T> Node<T> {
    /// Whether a `pop` has claimed this node (it may not have taken the item yet).
    pub(super) fn is_taken(&self) -> bool {
        // Relaxed: a hint for searches and unlinking; safety never rests on it (the borrow
        // protocol and the tagged CASes do).
        self.header.borrows.load(Relaxed) & TAKEN != 0
    }

    /// Compares this node's key `(item, seq)` with `key`'s, or returns `None` if this node has been
    /// claimed by a `pop` (its item may be about to move; it counts as deleted).
    ///
    /// # Safety
    ///
    /// `self` is protected by the caller's epoch guard, and the caller holds a borrow on `key` (it
    /// is the caller's own node).
    pub(super) unsafe fn cmp_key(&self, key: &Node<T>) -> Option<CmpOrdering>
    where
        T: Ord,
    {
        // Relaxed: the item itself was published by the Release link CAS that the caller
        // Acquire-loaded on the way here. This RMW only has to be ordered against the claiming
        // `pop`'s `fetch_or(TAKEN)` in the single modification order of `borrows`: whichever comes
        // first, either we see TAKEN and back off, or the `pop` sees our borrow and waits for it.
        let prev = self.header.borrows.fetch_add(BORROW, Relaxed);
        let _borrow = BorrowGuard(&self.header.borrows);
        if prev & TAKEN != 0 {
            return None;
        }
        let ord = self.header.item.with(|mine| {
            key.header.item.with(|theirs| {
                // SAFETY: both items are initialised and stay in place: ours is borrowed (TAKEN was
                // clear when we registered, so the claiming `pop` waits for `_borrow`), `key`'s is
                // borrowed by the caller. Only shared references are formed, and sharing the
                // structure requires `T: Sync`, so concurrent `&T` on several threads are allowed.
                unsafe { (*theirs).assume_init_ref().cmp((*mine).assume_init_ref()) }
            })
        });
        Some(ord.then(key.header.seq.cmp(&self.header.seq)))
    }

    /// Gives up the inserter's borrow on its own item, after which a claiming `pop` may take it.
    pub(super) fn release_own_borrow(&self) {
        // Release: our reads of the item (comparisons while linking) happen before the claiming
        // `pop`'s Acquire load sees the count drain, and so before the item moves.
        self.header.borrows.fetch_sub(BORROW, Release);
    }

    /// Called by the `pop` that claimed this node (won the tag CAS on its level-0 link): stops new
    /// comparisons, waits for those in flight, then moves the item out.
    ///
    /// # Safety
    ///
    /// The caller claimed this node, and so is the only thread that ever calls this on it.
    pub(super) unsafe fn take(&self) -> T {
        // Relaxed: see `cmp_key`; the edge that matters is made by the Acquire load below.
        self.header.borrows.fetch_or(TAKEN, Relaxed);
        let backoff = Backoff::new();
        // Acquire: pairs with the Release decrement of every borrow holder, so all their reads of
        // the item happen before we move it.
        while self.header.borrows.load(Acquire) != TAKEN {
            backoff.snooze();
        }
        // SAFETY: the item is initialised (only this call moves it, and it runs once) and no thread
        // reads it any more: borrows drained, and none can start after TAKEN.
        self.header.item.with_mut(|item| unsafe { (*item).assume_init_read() })
    }

    /// Moves the item out with exclusive access to the node.
    ///
    /// # Safety
    ///
    /// No other thread can reach the node (it was never published, or the structure is being
    /// dropped), and the item is still initialised.
    pub(super) unsafe fn take_exclusive(&self) -> T {
        // SAFETY: caller's contract.
        self.header.item.with_mut(|item| unsafe { (*item).assume_init_read() })
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// The layout we allocate and free with is the one the compiler gives `Node<T>` for that
    /// height, for items smaller than, equal to and more aligned than a word.
    fn layout_matches<T>(item: impl Fn(u64) -> T) {
        let tickets = if cfg!(miri) { 64 } else { 20_000 };
        let mut seen = [false; MAX_HEIGHT + 1];
        let guard = &crossbeam_epoch::pin();
        for seq in 0..tickets {
            let node = Node::new(item(seq), seq);
            let height = node.height();
            assert_eq!(height, height_for(seq));
            let layout = Node::<T>::layout(height);
            assert_eq!(mem::size_of_val::<Node<T>>(&node), layout.size());
            assert_eq!(mem::align_of_val::<Node<T>>(&node), layout.align());
            assert_eq!(node.links().load(Relaxed), LEVEL | INSERTING);
            assert!(node.next.iter().all(|link| link.load(Relaxed, guard).is_null()));
            // SAFETY: never published; the item is still inside.
            drop(unsafe { node.take_exclusive() });
            seen[height] = true;
        }
        assert!(seen[1] && seen[2]);
    }

    #[test]
    fn layout_matches_type() {
        layout_matches(|seq| seq);
        layout_matches(|seq| seq as u8);
        layout_matches(u128::from);
        layout_matches(|seq| seq.to_string());
    }

    /// A word-sized item costs the header plus one word per level.
    #[test]
    fn node_size() {
        let word = mem::size_of::<usize>();
        for height in 1..=MAX_HEIGHT {
            assert_eq!(Node::<u64>::layout(height).size(), mem::size_of::<Header<u64>>() + height * word);
        }
    }
}
