//! The retired segments of a [`SegmentedQueue`](super::SegmentedQueue), kept for reuse: a Treiber
//! stack linked through the segments' own `next` words.
//!
//! # Why a stack with one popper
//!
//! A fill–drain–fill cycle should allocate nothing after the first fill: freeing each drained
//! segment hands the memory back to the allocator, which (glibc's, above its trim threshold)
//! returns it to the kernel, and the next fill pays a page fault per 4 KiB (issue 20). So retired
//! segments are kept, and the queue allocates a segment only when this list is empty.
//!
//! # How many are kept
//!
//! As many as the queue's deepest fill needed: `needed` is the high-water mark of
//! `items / SEGMENT_SIZE + 2` (the `+ 2`: the partly written tail segment and the partly read head
//! segment), noted by each install (once per `SEGMENT_SIZE` pushes), and `owned` counts the
//! segments allocated and not yet freed. A retired segment is kept while `owned <= needed` and
//! freed otherwise. Keeping every retired segment is not enough of a rule: a consumer preempted
//! between its claim and its read holds back the reclamation of every later segment (module docs
//! of `segmented`), the other threads allocate fresh ones meanwhile, and a stall of a few
//! milliseconds in a busy stream would leave thousands of segments kept for good (seen: 1.9 MB in
//! `tests/memory.rs`'s two-thread stream with 100 items resident). Bounding by items, not by
//! segments ever allocated, gives those back as soon as the stalled consumer finishes.
//! [`SegmentedQueue::shrink_to_fit`](super::SegmentedQueue::shrink_to_fit) frees the kept ones and
//! lowers `needed` to what the queue holds now.
//!
//! A Treiber stack is ABA-prone when two threads pop: one reads the top `A` and `A.next`, another
//! pops `A` and `B` and pushes `A` back, and the first one's CAS installs the freed `B`. Here
//! at most one thread pops at a time, because popping needs the tail's `INSTALLING` bit: the
//! producer that claimed a segment's last slot holds it, and `shrink_to_fit` takes it. With one
//! popper the top can change under a pop only by pushes, which put fresh segments above it, so
//! a CAS that still finds `A` on top finds `A.next` unchanged. Pushes come only from the holder of
//! the reclaim try-lock.
//!
//! # Invariants
//!
//! 1. A segment on the list is owned by the list: no producer or consumer touches it, and every
//!    slot is `READ` (it was retired after [`Segment::is_consumed`]).
//! 2. A listed segment's `next` points to the segment below it (null at the bottom); only the
//!    popper removes a segment, so a listed segment's `next` does not change while it is listed.
//!
//! 3. `owned` is the number of segments allocated and not freed (live, waiting for reclamation, or
//!    listed), give or take the updates in flight. `needed` only grows, except in
//!    `shrink_to_fit`. Both are heuristics: no thread relies on them for safety.
//!
//! # Progress
//!
//! Push and pop are lock-free (a CAS fails only when the other side changed the top). Taking the
//! whole list is wait-free.

use core::ptr;

// The two counters are `core`'s atomics even under loom: they are heuristics that order nothing
// (invariant 3), and as loom atomics every install and reclaim would add branch points that
// doubled the protocol models' running time (`fifo::two_sleeping_getters_both_served`: 67 s ->
// 153 s). Loom runs one thread at a time, so their values still follow the explored schedule.
use core::sync::atomic::AtomicUsize;

use super::segment::{SEGMENT_SIZE, Segment};
use crate::sync::{AtomicPtr, Ordering::*};

pub(super) struct FreeList<T> {
    top: AtomicPtr<Segment<T>>,
    /// Segments allocated and not freed (invariant 3).
    pub(super) owned: AtomicUsize,
    /// The most segments the queue's items needed at once (module docs).
    pub(super) needed: AtomicUsize,
}

/// Segments that `items` items need, with the partly used one at each end.
fn segments_for(items: u64) -> usize {
    usize::try_from(items / SEGMENT_SIZE as u64).unwrap_or(usize::MAX).saturating_add(2)
}

impl<T> FreeList<T> {
    /// An empty list; the queue's segments, its first one included, come from
    /// [`allocate`](Self::allocate), so `owned` counts them all.
    pub(super) fn new() -> Self {
        Self {
            top: AtomicPtr::new(ptr::null_mut()),
            owned: AtomicUsize::new(0),
            needed: AtomicUsize::new(segments_for(0)),
        }
    }

    /// A fresh segment, counted in `owned`.
    pub(super) fn allocate(&self) -> *mut Segment<T> {
        // Relaxed: a statistic for the keep-or-free choice (invariant 3), ordering nothing.
        self.owned.fetch_add(1, Relaxed);
        Segment::allocate()
    }

    /// Notes that the queue holds about `items` items (module docs): called once per install.
    #[cfg_attr(loom, allow(dead_code))] // not called under loom (see `install_after`)
    pub(super) fn note_depth(&self, items: u64) {
        let want = segments_for(items);
        // Relaxed: a heuristic (invariant 3). The load keeps the common case, no new peak, free of
        // an RMW.
        if want > self.needed.load(Relaxed) {
            self.needed.fetch_max(want, Relaxed);
        }
    }

    /// Keeps a retired segment if the queue may need it again, frees it otherwise (module docs).
    ///
    /// # Safety
    ///
    /// As for [`push`](Self::push).
    pub(super) unsafe fn keep_or_free(&self, segment: *mut Segment<T>) {
        // Relaxed: heuristics (invariant 3); a stale value only keeps or frees one segment more.
        if self.owned.load(Relaxed) <= self.needed.load(Relaxed) {
            // SAFETY: the caller's contract.
            unsafe { self.push(segment) };
        } else {
            // Relaxed: as in `allocate`.
            self.owned.fetch_sub(1, Relaxed);
            // SAFETY: the caller owns it, and no thread will access it again.
            unsafe { Segment::free(segment) };
        }
    }

    /// Frees every kept segment and lowers `needed` to what `items` items need; returns how many
    /// segments were freed.
    ///
    /// # Safety
    ///
    /// As for [`take_all`](Self::take_all), held only for the take: the caller may pass a
    /// closure that gives up its hold, run after the take and before the frees.
    pub(super) unsafe fn shrink(&self, items: u64, release: impl FnOnce()) -> usize {
        // SAFETY: the caller's contract.
        let chain = unsafe { self.take_all() };
        release();
        // Relaxed: a heuristic (invariant 3).
        self.needed.store(segments_for(items), Relaxed);
        // SAFETY: the chain is ours alone, freed once.
        let freed = unsafe { free_chain(chain) };
        // Relaxed: as in `allocate`.
        self.owned.fetch_sub(freed, Relaxed);
        freed
    }

    /// Keeps `segment` for reuse, whatever the policy says (see [`keep_or_free`](Self::keep_or_free)).
    ///
    /// # Safety
    ///
    /// The caller owns `segment` (invariant 1) and holds the reclaim try-lock, so no other thread
    /// pushes.
    unsafe fn push(&self, segment: *mut Segment<T>) {
        // SAFETY: the caller owns it.
        let segment_ref = unsafe { &*segment };
        segment_ref.touch();
        // Relaxed: the CAS below publishes the segment; this load only seeds it.
        let mut top = self.top.load(Relaxed);
        loop {
            // Relaxed: published by the Release CAS below (invariant 2).
            segment_ref.next.store(top, Relaxed);
            // Release on success: edge S (module docs of `segmented`), our ownership and the
            // consumers' READ stores that `is_consumed` acquired pass to the popper. Relaxed on
            // failure: we only retry with the new top.
            match self.top.compare_exchange_weak(top, segment, Release, Relaxed) {
                Ok(_) => return,
                Err(current) => top = current,
            }
        }
    }

    /// Takes one kept segment, reset to empty, or returns null when none is kept.
    ///
    /// # Safety
    ///
    /// The caller holds the tail's `INSTALLING` bit, so no other thread pops.
    pub(super) unsafe fn pop(&self) -> *mut Segment<T> {
        // Acquire: edge S, the pusher's writes to the segment (its `next`, and through the
        // pusher's own Acquire the consumers' last accesses) happen before ours.
        let mut top = self.top.load(Acquire);
        loop {
            if top.is_null() {
                return top;
            }
            // SAFETY: `top` is listed and only we remove segments, so it stays alive and its
            // `next` stays put (invariant 2).
            let listed = unsafe { &*top };
            listed.touch();
            // Relaxed: the Acquire that gave us `top` made this store visible.
            let below = listed.next.load(Relaxed);
            // Acquire on success and failure: edge S for the segment we take or the new top.
            match self.top.compare_exchange_weak(top, below, Acquire, Acquire) {
                Ok(_) => {
                    // SAFETY: unlinked by our CAS, so ours alone.
                    unsafe { &*top }.reset();
                    return top;
                }
                Err(current) => top = current,
            }
        }
    }

    /// Unlinks every kept segment and returns the chain (null when none), for [`free_chain`].
    ///
    /// # Safety
    ///
    /// As for [`pop`](Self::pop): the caller holds the tail's `INSTALLING` bit, or `&mut` access
    /// to the queue.
    pub(super) unsafe fn take_all(&self) -> *mut Segment<T> {
        // Acquire: edge S for every segment of the chain (the pushes' CASes form a release
        // sequence on `top`, which this RMW reads).
        self.top.swap(ptr::null_mut(), Acquire)
    }
    /// How many segments are kept.
    ///
    /// # Safety
    ///
    /// No pop or `free_all` runs meanwhile (a push may).
    #[cfg(test)]
    pub(super) unsafe fn count(&self) -> usize {
        // Acquire: edge S, as in `pop`.
        let mut segment = self.top.load(Acquire);
        let mut n = 0;
        while !segment.is_null() {
            n += 1;
            // SAFETY: listed segments stay alive while nobody pops (the caller's contract).
            // Relaxed: as in `pop`.
            segment = unsafe { &*segment }.next.load(Relaxed);
        }
        n
    }
}

/// Frees a chain from [`FreeList::take_all`]; returns how many segments it held.
///
/// # Safety
///
/// `chain` came from `take_all` and is freed once.
pub(super) unsafe fn free_chain<T>(mut chain: *mut Segment<T>) -> usize {
    let mut freed = 0;
    while !chain.is_null() {
        // SAFETY: the swap in `take_all` made the whole chain ours (invariant 1).
        // Relaxed: ordered by that swap's Acquire, as in `pop`.
        let below = unsafe { &*chain }.next.load(Relaxed);
        // SAFETY: ours, and no thread will touch it again.
        unsafe { Segment::free(chain) };
        chain = below;
        freed += 1;
    }
    freed
}
