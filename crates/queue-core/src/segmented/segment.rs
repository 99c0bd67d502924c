//! One segment of [`SegmentedQueue`](super::SegmentedQueue): a fixed array of slots and the link to
//! the next segment.

use core::mem::MaybeUninit;
use core::ptr;

use crate::sync::{AtomicPtr, AtomicU8, Ordering::*, UnsafeCell};

/// Slots per segment. Small under loom, Miri and the fuzzer so that every run crosses segment
/// boundaries many times; 32 otherwise (crossbeam and tokio use 31 and 32: large enough that the
/// per-segment work, one allocation or reuse and one link, vanishes per item, small enough that a
/// mostly empty queue wastes little).
pub const SEGMENT_SIZE: usize = if cfg!(loom) {
    2
} else if cfg!(any(miri, fuzzing)) {
    4
} else {
    32
};

/// `Slot::state`: no item yet (the slot may be claimed, its producer still writing).
pub(super) const EMPTY: u8 = 0;
/// `Slot::state`: the item is written and belongs to whoever claimed the position for reading.
pub(super) const WRITTEN: u8 = 1;
/// `Slot::state`: the item has been moved out; nothing touches this slot again until the segment
/// is recycled.
pub(super) const READ: u8 = 2;

pub(super) struct Slot<T> {
    pub(super) state: AtomicU8,
    /// Initialised exactly while `state == WRITTEN`.
    pub(super) item: UnsafeCell<MaybeUninit<T>>,
}

pub(super) struct Segment<T> {
    /// The segment after this one; null until the producer that claims this segment's last slot
    /// installs it. On the free list: the kept segment below this one.
    pub(super) next: AtomicPtr<Segment<T>>,
    pub(super) slots: [Slot<T>; SEGMENT_SIZE],
    /// Loom only: written by [`Segment::free`], read by [`Segment::touch`]. A free that does not
    /// happen after every access (a use after free, or a free racing a use) is then a data race
    /// on this cell, which loom reports; the slots' item cells, also written by `free`, do the
    /// same for the item accesses.
    #[cfg(loom)]
    alive: UnsafeCell<()>,
}

impl<T> Segment<T> {
    /// A fresh segment on the heap, owned by the caller.
    pub(super) fn allocate() -> *mut Self {
        let slots = core::array::from_fn(|_| Slot {
            state: AtomicU8::new(EMPTY),
            item: UnsafeCell::new(MaybeUninit::uninit()),
        });
        Box::into_raw(Box::new(Self {
            next: AtomicPtr::new(ptr::null_mut()),
            slots,
            #[cfg(loom)]
            alive: UnsafeCell::new(()),
        }))
    }

    /// Marks an access to the segment's own words for loom's use-after-free check (`alive`);
    /// nothing outside loom.
    #[inline(always)]
    pub(super) fn touch(&self) {
        #[cfg(loom)]
        self.alive.with(|_| ());
    }

    /// Makes a recycled segment fresh again. The caller owns it exclusively.
    pub(super) fn reset(&self) {
        self.touch();
        // Relaxed: the caller owns the segment; it is published later by a Release link.
        self.next.store(ptr::null_mut(), Relaxed);
        for slot in &self.slots {
            // Relaxed: as above. Every item was moved out (state READ), so nothing leaks.
            slot.state.store(EMPTY, Relaxed);
        }
    }

    /// Whether every slot's item has been taken, so that no thread will touch this segment again.
    pub(super) fn is_consumed(&self) -> bool {
        self.touch();
        // Acquire: pairs with each consumer's Release store of READ (edge R in the module docs):
        // every access to the segment by its producers and consumers happens before the caller
        // frees or reuses it.
        self.slots.iter().all(|slot| slot.state.load(Acquire) == READ)
    }

    /// Frees a segment the caller owns. Items are not dropped: the caller has moved them all out.
    ///
    /// # Safety
    ///
    /// `segment` came from [`Segment::allocate`], is not freed yet, and no other thread will access
    /// it again.
    pub(super) unsafe fn free(segment: *mut Self) {
        // SAFETY: the caller's contract; the slots hold `MaybeUninit`, so no item is dropped.
        let segment = unsafe { Box::from_raw(segment) };
        #[cfg(loom)]
        {
            // Writes that race with any access not ordered before the free (field docs). The
            // memory is leaked, not freed: a use after free must reach loom's checks, not a
            // reused allocation.
            segment.alive.with_mut(|_| ());
            for slot in &segment.slots {
                slot.item.with_mut(|_| ());
            }
            core::mem::forget(segment);
        }
        #[cfg(not(loom))]
        drop(segment);
    }
}
