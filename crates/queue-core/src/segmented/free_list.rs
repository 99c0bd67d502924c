//! The retired segments of a [`SegmentedQueue`](super::SegmentedQueue), kept for reuse: a Treiber
//! stack linked through the segments' own `next` words.
//!
//! # Why a stack with one popper
//!
//! A fill–drain–fill cycle should allocate nothing after the first fill: freeing each drained
//! segment hands the memory back to the allocator, which (glibc's, above its trim threshold)
//! returns it to the kernel, and the next fill pays a page fault per 4 KiB (issue 20). So every
//! retired segment is kept. The queue allocates a segment only when this list is empty, so the
//! segments it owns never number more than the most it ever held at once: memory is bounded by the
//! queue's own high-water mark, and [`SegmentedQueue::shrink_to_fit`](super::SegmentedQueue::shrink_to_fit)
//! gives the kept ones back.
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
//! # Progress
//!
//! Push and pop are lock-free (a CAS fails only when the other side changed the top). Taking the
//! whole list is wait-free.

use core::ptr;

use super::segment::Segment;
use crate::sync::{AtomicPtr, Ordering::*};

pub(super) struct FreeList<T> {
    top: AtomicPtr<Segment<T>>,
}

impl<T> FreeList<T> {
    pub(super) fn new() -> Self {
        Self { top: AtomicPtr::new(ptr::null_mut()) }
    }

    /// Keeps `segment` for reuse.
    ///
    /// # Safety
    ///
    /// The caller owns `segment` (invariant 1) and holds the reclaim try-lock, so no other thread
    /// pushes.
    pub(super) unsafe fn push(&self, segment: *mut Segment<T>) {
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
