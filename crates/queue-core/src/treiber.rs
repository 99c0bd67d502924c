//! Treiber's lock-free LIFO stack.
//!
//! R. Kent Treiber, *Systems Programming: Coping with Parallelism*, IBM Almaden RJ 5118, 1986.
//! Memory is reclaimed with crossbeam-epoch, which also rules out the ABA problem of the original:
//! a popped node is not freed, so its address is not reused, while any thread that loaded it is
//! still pinned.
//!
//! # Structure and invariants
//!
//! `head → n1 → n2 → … → null`, newest first.
//!
//! 1. A node's `next` is written once, before the node is published, and never changes after.
//! 2. A node's item is initialised before the node is published and read exactly once, by the
//!    `pop` whose CAS unlinked that node.
//! 3. A node is retired only after it is unlinked, so it is unreachable from `head`.
//!
//! # Linearization points
//!
//! `push`: its successful CAS of `head`. `pop` returning an item: its successful CAS of `head`.
//! `pop` returning `None` and `is_empty`: the load that sees `head` null.
//!
//! # Progress
//!
//! Lock-free: a CAS fails only because another operation's CAS on `head` succeeded. One epoch pin
//! per `pop`; `push` does not pin (it never dereferences a shared node).
//!
//! # Memory ordering
//!
//! The Release CAS that publishes a node in `push` pairs with the Acquire load of `head` in `pop`;
//! this edge carries the node's item and `next`. `docs/memory-ordering.md` lists it.

use core::fmt;
use core::mem::MaybeUninit;

use crossbeam_epoch::{self as epoch, Atomic, Owned};
use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::raw::RawQueue;
use crate::sync::{Ordering::*, UnsafeCell};
use crate::util::drain_and_drop;

struct Node<T> {
    item: UnsafeCell<MaybeUninit<T>>,
    /// Written before publication, constant afterwards (invariant 1).
    next: Atomic<Node<T>>,
}

/// An unbounded lock-free LIFO stack (Treiber).
///
/// # Examples
///
/// ```
/// use queue_core::TreiberStack;
///
/// let s = TreiberStack::new();
/// s.push(1);
/// s.push(2);
/// assert_eq!(s.pop(), Some(2));
/// assert_eq!(s.pop(), Some(1));
/// assert_eq!(s.pop(), None);
/// ```
pub struct TreiberStack<T> {
    head: CachePadded<Atomic<Node<T>>>,
}

// SAFETY: items are moved in on one thread and out on another, never shared; `T: Send` suffices.
unsafe impl<T: Send> Send for TreiberStack<T> {}
// SAFETY: as above; `&TreiberStack` never hands out a reference to an item.
unsafe impl<T: Send> Sync for TreiberStack<T> {}

impl<T> TreiberStack<T> {
    /// Creates an empty stack.
    ///
    /// ```
    /// assert!(queue_core::TreiberStack::<u8>::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self { head: CachePadded::new(Atomic::null()) }
    }

    /// Pushes `item` on top.
    ///
    /// ```
    /// let s = queue_core::TreiberStack::new();
    /// s.push('x');
    /// assert_eq!(s.pop(), Some('x'));
    /// ```
    pub fn push(&self, item: T) {
        let mut node =
            Owned::new(Node { item: UnsafeCell::new(MaybeUninit::new(item)), next: Atomic::null() });
        // SAFETY: `push` never dereferences a shared node: it only compares `head`'s address, so it
        // needs no protection; the node it links is its own until the CAS succeeds.
        let guard = unsafe { epoch::unprotected() };
        // Relaxed: we only copy the address into our own node; the Release CAS below orders it.
        let mut head = self.head.load(Relaxed, guard);
        let backoff = Backoff::new();
        loop {
            // Relaxed: the node is private until the CAS publishes it.
            node.next.store(head, Relaxed);
            // Release on success: publishes the item and `next` to the `pop` that Acquire-loads
            // `head`. Relaxed on failure: the returned value is only copied into `next` again.
            match self.head.compare_exchange(head, node, Release, Relaxed, guard) {
                Ok(_) => return,
                Err(e) => {
                    head = e.current;
                    node = e.new;
                    backoff.spin();
                }
            }
        }
    }

    /// Pops the most recently pushed item, or returns `None` if the stack was empty.
    ///
    /// ```
    /// let s = queue_core::TreiberStack::new();
    /// assert_eq!(s.pop(), None::<i32>);
    /// ```
    pub fn pop(&self) -> Option<T> {
        let guard = &epoch::pin();
        let backoff = Backoff::new();
        loop {
            // Acquire: pairs with the Release CAS in `push`, so the node's item and `next` are
            // visible before we read them.
            let head = self.head.load(Acquire, guard);
            // SAFETY: `guard` protects `head`: it is retired only after being unlinked, and that
            // happens after our load (invariant 3).
            let head_ref = unsafe { head.as_ref() }?;
            // Relaxed: `next` is constant since publication (invariant 1) and the Acquire load of
            // `head` already made it visible.
            let next = head_ref.next.load(Relaxed, guard);
            // Acquire on success is not needed for the item (already acquired above); Release is not
            // needed either (we publish no new data). Relaxed on both: a CAS's atomicity alone makes
            // us the single owner of `head`'s item. Epoch makes the address comparison ABA-free.
            if self.head.compare_exchange(head, next, Relaxed, Relaxed, guard).is_ok() {
                // SAFETY: our CAS unlinked `head`, so we alone read its item (invariant 2).
                let item = head_ref.item.with(|item| unsafe { (*item).assume_init_read() });
                // SAFETY: `head` is unlinked; threads still holding it are pinned. Its item is a
                // `MaybeUninit`, so freeing the node drops no `T`.
                unsafe { guard.defer_destroy(head) };
                return Some(item);
            }
            backoff.spin();
        }
    }

    /// Whether the stack was empty at the moment of the check.
    ///
    /// ```
    /// let s = queue_core::TreiberStack::new();
    /// s.push(1);
    /// assert!(!s.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        // SAFETY: we only test the address for null and never dereference it.
        let guard = unsafe { epoch::unprotected() };
        // Acquire: keeps this check ordered like a `pop`'s, so `!is_empty()` followed by `pop`
        // on the same thread sees at least that node.
        self.head.load(Acquire, guard).is_null()
    }

    /// Pops with exclusive access, freeing the node at once.
    ///
    /// # Safety
    ///
    /// The caller has exclusive access to the stack (it is being dropped).
    unsafe fn pop_exclusive(&self) -> Option<T> {
        // SAFETY: exclusive access (caller's contract).
        let guard = unsafe { epoch::unprotected() };
        // Relaxed: exclusive access.
        let head = self.head.load(Relaxed, guard);
        if head.is_null() {
            return None;
        }
        // SAFETY: reachable nodes are live and, with exclusive access, ours to free.
        let node = unsafe { head.into_owned() };
        self.head.store(node.next.load(Relaxed, guard), Relaxed);
        // SAFETY: a linked node holds an initialised item (invariant 2), read once here.
        let item = node.item.with(|item| unsafe { (*item).assume_init_read() });
        drop(node);
        Some(item)
    }
}

impl<T> Drop for TreiberStack<T> {
    fn drop(&mut self) {
        let this = &*self;
        // SAFETY: `drop` has exclusive access.
        drain_and_drop(|| unsafe { this.pop_exclusive() });
    }
}

impl<T> Default for TreiberStack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for TreiberStack<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreiberStack").field("is_empty", &self.is_empty()).finish_non_exhaustive()
    }
}

impl<T> RawQueue<T> for TreiberStack<T> {
    fn push(&self, item: T) {
        TreiberStack::push(self, item);
    }
    fn pop(&self) -> Option<T> {
        TreiberStack::pop(self)
    }
    fn is_empty(&self) -> bool {
        TreiberStack::is_empty(self)
    }
}
