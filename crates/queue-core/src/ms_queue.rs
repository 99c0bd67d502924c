//! Michael–Scott lock-free FIFO queue.
//!
//! Maged M. Michael and Michael L. Scott, *Simple, Fast, and Practical Non-Blocking and Blocking
//! Concurrent Queue Algorithms*, PODC 1996. Memory is reclaimed with crossbeam-epoch instead of the
//! paper's counted pointers, which also rules out ABA: a node cannot be freed, so cannot be reused,
//! while any thread that might still compare against its address is pinned.
//!
//! # Structure
//!
//! A singly linked list `head → n1 → n2 → … → nk → null`. `head` points to a *sentinel*: the node
//! whose item was taken last (or the initial dummy). The items in the queue are those of the nodes
//! after the sentinel, oldest first.
//!
//! # Invariants
//!
//! 1. `head` is never null and the list from `head` is finite and null-terminated.
//! 2. `tail` points to a node of that list, at most one step behind the last node (`push` helps a
//!    lagging tail forward before linking).
//! 3. `head` never overtakes `tail`: `pop` swings `tail` forward before retiring the sentinel it
//!    leaves behind, so a retired node is never reachable from `head` or `tail`.
//! 4. A node's item is initialised before the node is linked and read exactly once, by the `pop`
//!    whose CAS made that node the new sentinel.
//!
//! # Linearization points
//!
//! * `push`: the successful CAS that links the node after the last node.
//! * `pop` returning an item: the successful CAS of `head`.
//! * `pop` returning `None` and `is_empty`: the `Acquire` load that sees the sentinel's `next` null.
//!
//! # Progress
//!
//! `push` and `pop` are lock-free: a CAS fails only because another operation's CAS succeeded.
//! No operation waits for another thread. Each operation pins the epoch once.
//!
//! # Memory ordering
//!
//! One happens-before edge carries the item: the `Release` CAS that links a node (push) to the
//! `Acquire` load of `next` in the `pop` that takes it. `head` and `tail` moves publish nothing
//! new (their targets were already published through a `next` link), so they only need `Release`
//! on success for epoch's own bookkeeping and `Acquire` loads so a reader sees a fully linked node.
//! `docs/memory-ordering.md` lists each edge.

use core::fmt;
use core::mem::MaybeUninit;

use crossbeam_epoch::{self as epoch, Atomic, Guard, Owned, Shared};
use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::raw::RawQueue;
use crate::sync::{Ordering::*, UnsafeCell};
use crate::util::{OnDrop, drain_and_drop};

struct Node<T> {
    /// Initialised while the node is in the queue after the sentinel; moved out by the `pop` that
    /// makes this node the sentinel. Uninitialised in a sentinel.
    item: UnsafeCell<MaybeUninit<T>>,
    next: Atomic<Node<T>>,
}

impl<T> Node<T> {
    fn sentinel() -> Self {
        Self { item: UnsafeCell::new(MaybeUninit::uninit()), next: Atomic::null() }
    }
}

/// An unbounded lock-free FIFO queue (Michael–Scott).
///
/// # Examples
///
/// ```
/// use queue_core::MsQueue;
///
/// let q = MsQueue::new();
/// q.push(1);
/// q.push(2);
/// assert_eq!(q.pop(), Some(1));
/// assert_eq!(q.pop(), Some(2));
/// assert!(q.is_empty());
/// ```
pub struct MsQueue<T> {
    head: CachePadded<Atomic<Node<T>>>,
    tail: CachePadded<Atomic<Node<T>>>,
}

// SAFETY: items move between threads (pushed on one, popped on another) but are never shared:
// each is accessed by exactly one thread at a time, so `T: Send` suffices for both.
unsafe impl<T: Send> Send for MsQueue<T> {}
// SAFETY: as above; `&MsQueue` only lets a thread move items in and out, never borrow one.
unsafe impl<T: Send> Sync for MsQueue<T> {}

impl<T> MsQueue<T> {
    /// Creates an empty queue.
    ///
    /// ```
    /// let q = queue_core::MsQueue::<u8>::new();
    /// assert!(q.is_empty());
    /// ```
    pub fn new() -> Self {
        let q = Self { head: CachePadded::new(Atomic::null()), tail: CachePadded::new(Atomic::null()) };
        // SAFETY: the queue is not shared yet, so no other thread can observe the sentinel.
        let sentinel = Owned::new(Node::sentinel()).into_shared(unsafe { epoch::unprotected() });
        // Relaxed: the queue is not shared yet; whoever receives it gets it through a
        // synchronising handoff (thread spawn, channel, Arc), which publishes these stores.
        q.head.store(sentinel, Relaxed);
        q.tail.store(sentinel, Relaxed);
        q
    }

    /// Adds `item` at the back.
    ///
    /// ```
    /// let q = queue_core::MsQueue::new();
    /// q.push("a");
    /// assert_eq!(q.pop(), Some("a"));
    /// ```
    pub fn push(&self, item: T) {
        let node = Owned::new(Node { item: UnsafeCell::new(MaybeUninit::new(item)), next: Atomic::null() });
        let guard = &epoch::pin();
        let node = node.into_shared(guard);
        let backoff = Backoff::new();
        loop {
            // Acquire: pairs with the Release CAS that moved `tail`, so the node it names is one
            // whose `next` field we may read.
            let tail = self.tail.load(Acquire, guard);
            // SAFETY: `tail` is never null (invariant 1) and is protected by `guard`: it can only be
            // retired after `head` passes it, and `head` never passes `tail` (invariant 3).
            let tail_ref = unsafe { tail.deref() };
            // Acquire: if another push linked a node here, we are about to help move `tail` onto
            // it and later threads will read through it, so we must see it fully initialised.
            let next = tail_ref.next.load(Acquire, guard);
            if !next.is_null() {
                // The tail lags: help it forward, then retry.
                // Release on success: keeps the chain node-init → link → tail-move visible to
                // threads that Acquire-load `tail`. Relaxed on failure: we reload and retry.
                let _ = self.tail.compare_exchange(tail, next, Release, Relaxed, guard);
                backoff.spin();
                continue;
            }
            // Release on success: publishes the node's item and null `next` to the `pop` (or
            // helper) that Acquire-loads this link. Relaxed on failure: nothing was read through
            // the failed value; we retry from a fresh load.
            if tail_ref.next.compare_exchange(Shared::null(), node, Release, Relaxed, guard).is_ok() {
                // Swing the tail; if this fails someone already helped.
                // Release: as the helping CAS above.
                let _ = self.tail.compare_exchange(tail, node, Release, Relaxed, guard);
                return;
            }
            backoff.spin();
        }
    }

    /// Removes the item at the front, or returns `None` if the queue was empty.
    ///
    /// ```
    /// let q = queue_core::MsQueue::new();
    /// assert_eq!(q.pop(), None);
    /// q.push(7);
    /// assert_eq!(q.pop(), Some(7));
    /// ```
    pub fn pop(&self) -> Option<T> {
        let guard = &epoch::pin();
        let backoff = Backoff::new();
        loop {
            match self.pop_internal(guard) {
                Ok(item) => return item,
                Err(()) => backoff.spin(),
            }
        }
        // `guard` is dropped before the caller gets the item, so no `T` is dropped while pinned.
    }

    /// One attempt: `Ok(None)` when empty, `Ok(Some(_))` on success, `Err(())` when another thread
    /// won the race for the front.
    fn pop_internal(&self, guard: &Guard) -> Result<Option<T>, ()> {
        // Acquire: pairs with the Release CAS that installed this sentinel, so its `next` is the
        // value linked before it became the sentinel, or newer.
        let head = self.head.load(Acquire, guard);
        // SAFETY: `head` is never null (invariant 1) and `guard` keeps it alive: it is retired only
        // after `head` has moved past it, which happens after our load.
        let head_ref = unsafe { head.deref() };
        // Acquire: pairs with the Release CAS in `push` that linked `next`; this is the edge that
        // makes the item written before that CAS visible to us.
        let next = head_ref.next.load(Acquire, guard);
        // SAFETY: `next` is protected by `guard` for the same reason as `head`.
        let Some(next_ref) = (unsafe { next.as_ref() }) else {
            return Ok(None);
        };
        // Release on success: the new sentinel is published to later Acquire loads of `head`.
        // Relaxed on failure: we retry from a fresh load and read nothing through the failed value.
        self.head.compare_exchange(head, next, Release, Relaxed, guard).map_err(|_| ())?;
        // `tail` may still point at the old sentinel; move it before retiring that node so a retired
        // node is never reachable from `tail` (invariant 3). Relaxed load: we only compare the
        // address; Release CAS as in `push`.
        if self.tail.load(Relaxed, guard) == head {
            let _ = self.tail.compare_exchange(head, next, Release, Relaxed, guard);
        }
        // SAFETY: our CAS made `next` the sentinel, so we alone own its item (invariant 4); the
        // Acquire load of `next` above makes the pushing thread's write of it visible.
        let item = next_ref.item.with(|item| unsafe { (*item).assume_init_read() });
        // SAFETY: `head` is unreachable from `head` and `tail` now, and every thread that may
        // still hold it is pinned; epoch frees it after they unpin. A sentinel's item is
        // uninitialised (`MaybeUninit`), so destroying the node never drops a `T`.
        unsafe { guard.defer_destroy(head) };
        Ok(Some(item))
    }

    /// Whether the queue was empty at the moment of the check.
    ///
    /// ```
    /// let q = queue_core::MsQueue::new();
    /// assert!(q.is_empty());
    /// q.push(());
    /// assert!(!q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let guard = &epoch::pin();
        // Acquire: as in `pop_internal`.
        let head = self.head.load(Acquire, guard);
        // SAFETY: see `pop_internal`.
        let head_ref = unsafe { head.deref() };
        // Acquire: as in `pop_internal`, so a later `pop` on this thread cannot see less.
        head_ref.next.load(Acquire, guard).is_null()
    }
}

impl<T> MsQueue<T> {
    /// Unlinks and frees the sentinel, returning the item of the node after it.
    ///
    /// # Safety
    ///
    /// The caller has exclusive access to the queue (it is being dropped).
    unsafe fn pop_exclusive(&self) -> Option<T> {
        // SAFETY: exclusive access (caller's contract), so nothing needs protecting.
        let guard = unsafe { epoch::unprotected() };
        // Relaxed: exclusive access, no other thread to synchronise with.
        let head = self.head.load(Relaxed, guard);
        // SAFETY: `head` is never null (invariant 1) and not freed while the queue lives.
        let next = unsafe { head.deref() }.next.load(Relaxed, guard);
        // SAFETY: nodes reachable from `head` are live.
        let next_ref = unsafe { next.as_ref() }?;
        self.head.store(next, Relaxed);
        // SAFETY: `next` was after the sentinel, so its item is initialised, and it becomes the
        // sentinel here, so the item is read exactly once (invariant 4).
        let item = next_ref.item.with(|item| unsafe { (*item).assume_init_read() });
        // SAFETY: the old sentinel is unreachable now and nobody else can hold it.
        drop(unsafe { head.into_owned() });
        Some(item)
    }
}

impl<T> Drop for MsQueue<T> {
    fn drop(&mut self) {
        let this = &*self;
        // Freed last, even if an item's `Drop` panics.
        let _free_sentinel = OnDrop(|| {
            // SAFETY: `drop` has exclusive access.
            let guard = unsafe { epoch::unprotected() };
            // SAFETY: exclusive access; the remaining sentinel is owned by the queue, and this
            // closure runs once.
            drop(unsafe { this.head.load(Relaxed, guard).into_owned() });
        });
        // SAFETY: `drop` has exclusive access.
        drain_and_drop(|| unsafe { this.pop_exclusive() });
    }
}

impl<T> Default for MsQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for MsQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsQueue").field("is_empty", &self.is_empty()).finish_non_exhaustive()
    }
}

impl<T> RawQueue<T> for MsQueue<T> {
    fn push(&self, item: T) {
        MsQueue::push(self, item);
    }
    fn pop(&self) -> Option<T> {
        MsQueue::pop(self)
    }
    fn is_empty(&self) -> bool {
        MsQueue::is_empty(self)
    }
}
