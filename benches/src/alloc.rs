//! A counting global allocator for the memory rows of `compare`: allocations per operation and
//! peak live bytes. A binary opts in with `#[global_allocator]`; counting costs one relaxed
//! load per call while disabled, the same for every contender.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, Ordering::Relaxed};

/// The system allocator, counting while [`Counting::enable`] is on.
#[derive(Debug)]
pub struct Counting;

// Relaxed everywhere: these are statistics read after the measured threads have been joined (the
// join is the happens-before edge), never used to synchronise anything.
static ENABLED: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

/// What the allocator saw since the last [`Counting::enable`].
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    /// Number of `alloc`/`realloc` calls.
    pub allocations: u64,
    /// Bytes allocated and not yet freed (may be negative: frees of earlier allocations).
    pub live: isize,
    /// Highest `live` seen.
    pub peak: isize,
}

impl Counting {
    /// Resets the counters and starts counting.
    pub fn enable() {
        ALLOCATIONS.store(0, Relaxed);
        LIVE.store(0, Relaxed);
        PEAK.store(0, Relaxed);
        ENABLED.store(true, Relaxed);
    }

    /// Stops counting and returns what was counted.
    pub fn disable() -> Snapshot {
        ENABLED.store(false, Relaxed);
        Self::snapshot()
    }

    /// The counters now.
    pub fn snapshot() -> Snapshot {
        Snapshot {
            allocations: ALLOCATIONS.load(Relaxed),
            live: LIVE.load(Relaxed),
            peak: PEAK.load(Relaxed),
        }
    }

    fn grew(bytes: usize) {
        if ENABLED.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            let live = LIVE.fetch_add(bytes as isize, Relaxed) + bytes as isize;
            PEAK.fetch_max(live, Relaxed);
        }
    }

    fn shrank(bytes: usize) {
        if ENABLED.load(Relaxed) {
            LIVE.fetch_sub(bytes as isize, Relaxed);
        }
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s contract;
// the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::grew(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Self::shrank(layout.size());
        // SAFETY: `ptr` came from `System` (every allocation goes through it) with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::shrank(layout.size());
        Self::grew(new_size);
        // SAFETY: the caller's contract for `realloc` is passed on unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
