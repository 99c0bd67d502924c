//! A per-thread cache of freed node memory, in front of the global allocator.
//!
//! Why: a skiplist step (one pop, one push) frees one node and allocates one. The epoch collector
//! frees retired nodes in bags of 64, more than glibc's per-thread cache keeps (7 blocks of a
//! size), so most of those frees, and the mallocs after them, went through the allocator's shared
//! bins: about 250 of the 1,567 instructions of a step at 1,000 items, and at 100,000 items a push
//! wrote a node into memory that had left the CPU's caches long ago (docs/performance.md,
//! "PriorityQueue against a mutex heap").
//!
//! How: each thread keeps, for up to [`CLASSES`] node layouts at a time (a queue's nodes have one
//! layout per tower height, and most are of the lowest two; a class whose list is empty goes to
//! the next layout that needs one), a last-in, first-out list of up to [`PER_CLASS`] freed blocks,
//! linked through each block's first word. [`alloc`] takes the block
//! freed last, which is likely still in cache; [`free`] keeps a block when its list has room and
//! hands it to the global allocator otherwise. A block may be allocated on one thread and freed
//! on another (nodes are freed by whichever thread runs the epoch's deferred destruction): blocks
//! come from and go back to the global allocator, which does not mind.
//!
//! Invariants: a block in a list is owned by that list alone (no node and no other list points to
//! it); its size and alignment are the list's layout; every block was allocated by the global
//! allocator with that layout. A thread's lists are freed when the thread exits; a call made
//! while its lists are being torn down, or after, goes straight to the global allocator.
//!
//! Progress: both calls are wait-free apart from the global allocator's own calls; nothing here
//! is shared between threads. Nodes use the cache outside loom, Miri, the fuzzer and the
//! sanitizers only (node.rs): those must see every free, and a node kept for reuse would hide a
//! use after free from them. The tests below run everywhere; under Miri with leak checking
//! (ci/miri.sh) they also prove that a thread's lists are freed when it exits.

use core::alloc::Layout;
use core::cell::RefCell;
use core::mem;
use core::ptr;
use std::alloc;

/// Node layouts a thread caches blocks of.
const CLASSES: usize = 4;
/// Blocks a thread keeps per layout: at most 64 × 4 blocks of 48–104 bytes for a `u64` queue.
const PER_CLASS: usize = 64;

/// The freed blocks of one layout: a list through each block's first word.
struct Class {
    /// `None` while the class is unused.
    layout: Option<Layout>,
    /// The block freed last, or null.
    head: *mut u8,
    len: usize,
}

impl Class {
    /// Unlinks the block freed last.
    fn pop(&mut self) -> Option<*mut u8> {
        if self.head.is_null() {
            return None;
        }
        let block = self.head;
        // SAFETY: `block` is in this list, so it is a live allocation of the list's layout, large
        // and aligned enough for a pointer (checked in `Cache::keep`), whose first word `keep`
        // wrote.
        self.head = unsafe { block.cast::<*mut u8>().read() };
        self.len -= 1;
        Some(block)
    }
}

struct Cache {
    classes: [Class; CLASSES],
}

impl Cache {
    const fn new() -> Self {
        const EMPTY: Class = Class { layout: None, head: ptr::null_mut(), len: 0 };
        Self { classes: [EMPTY; CLASSES] }
    }

    fn take(&mut self, layout: Layout) -> Option<*mut u8> {
        self.classes.iter_mut().find(|c| c.layout == Some(layout))?.pop()
    }

    /// Keeps `block` if a list of its layout has room (making one if a class is free).
    ///
    /// # Safety
    ///
    /// `block` was allocated by the global allocator with `layout` and is no longer used.
    unsafe fn keep(&mut self, block: *mut u8, layout: Layout) -> bool {
        if layout.size() < mem::size_of::<*mut u8>() || layout.align() < mem::align_of::<*mut u8>() {
            return false;
        }
        // This layout's class, else one that holds no block (it may change layout).
        let found = self.classes.iter().position(|c| c.layout == Some(layout));
        let Some(index) = found.or_else(|| self.classes.iter().position(|c| c.len == 0)) else {
            return false;
        };
        let class = &mut self.classes[index];
        if class.len == PER_CLASS {
            return false;
        }
        class.layout = Some(layout);
        // SAFETY: the caller gives us the block, which has room and alignment for a pointer.
        unsafe { block.cast::<*mut u8>().write(class.head) };
        class.head = block;
        class.len += 1;
        true
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        for class in &mut self.classes {
            let Some(layout) = class.layout else { continue };
            while let Some(block) = class.pop() {
                // SAFETY: every block in the list was allocated with the list's layout and is
                // owned by the list alone.
                unsafe { alloc::dealloc(block, layout) };
            }
        }
    }
}

std::thread_local! {
    static CACHE: RefCell<Cache> = const { RefCell::new(Cache::new()) };
}

/// Memory for a node of `layout`: a cached block if this thread has one, else the allocator's.
/// Null only if the allocator failed.
///
/// # Safety
///
/// `layout` has a non-zero size (as `GlobalAlloc::alloc` requires).
pub(super) unsafe fn alloc(layout: Layout) -> *mut u8 {
    let cached = CACHE.try_with(|cache| cache.borrow_mut().take(layout)).ok().flatten();
    match cached {
        Some(block) => block,
        // SAFETY: the caller's contract.
        None => unsafe { alloc::alloc(layout) },
    }
}

/// Gives back the memory of a node: kept for this thread's next node, or freed.
///
/// # Safety
///
/// `block` came from [`alloc`] with the same `layout`, and nothing uses it any more.
pub(super) unsafe fn free(block: *mut u8, layout: Layout) {
    // SAFETY: the caller's contract is `keep`'s.
    let kept = CACHE.try_with(|cache| unsafe { cache.borrow_mut().keep(block, layout) }).unwrap_or(false);
    if !kept {
        // SAFETY: the caller's contract: from the allocator (directly or through a list) with
        // `layout`, and unused.
        unsafe { alloc::dealloc(block, layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 8).unwrap()
    }

    /// `alloc`, for the tests' layouts.
    fn get(layout: Layout) -> *mut u8 {
        assert_ne!(layout.size(), 0);
        // SAFETY: a non-zero size, checked above.
        unsafe { alloc(layout) }
    }

    /// Blocks of `layout` this thread's list holds now.
    fn cached(layout: Layout) -> usize {
        CACHE.with(|c| c.borrow().classes.iter().find(|c| c.layout == Some(layout)).map_or(0, |c| c.len))
    }

    /// Empties this thread's lists (each test runs on its own thread, but be independent of that).
    fn clear() {
        CACHE.with(|c| drop(std::mem::replace(&mut *c.borrow_mut(), Cache::new())));
    }

    #[test]
    fn the_block_freed_last_comes_back_first() {
        clear();
        let l = layout(48);
        let (a, b) = (get(l), get(l));
        assert!(!a.is_null() && !b.is_null() && a != b);
        // SAFETY: from `alloc` with `l`, unused.
        unsafe {
            free(a, l);
            free(b, l);
        }
        assert_eq!(cached(l), 2);
        assert_eq!(get(l), b);
        assert_eq!(get(l), a);
        assert_eq!(cached(l), 0);
        // A different layout never gets these blocks.
        // SAFETY: as above.
        unsafe { free(a, l) };
        let other = get(layout(56));
        assert_ne!(other, a);
        // SAFETY: as above.
        unsafe {
            free(other, layout(56));
            free(b, l);
        }
        clear();
    }

    #[test]
    fn a_list_keeps_at_most_per_class() {
        clear();
        let l = layout(64);
        let blocks: Vec<_> = (0..PER_CLASS + 3).map(|_| get(l)).collect();
        for &block in &blocks {
            // SAFETY: from `alloc` with `l`, unused.
            unsafe { free(block, l) };
        }
        assert_eq!(cached(l), PER_CLASS);
        clear();
    }

    #[test]
    fn at_most_classes_layouts_and_none_too_small() {
        clear();
        let fill = |i: usize| {
            let l = layout(40 + 8 * i);
            let block = get(l);
            // SAFETY: from `alloc` with `l`, unused.
            unsafe { free(block, l) };
            cached(l)
        };
        for i in 0..CLASSES + 2 {
            assert_eq!(fill(i), usize::from(i < CLASSES), "layout {i}");
        }
        // A class whose list is empty goes to a new layout.
        let first = layout(40);
        // The block cached for `first` by `fill(0)`.
        let block = get(first);
        assert_eq!(cached(first), 0);
        assert_eq!(fill(CLASSES + 2), 1);
        // SAFETY: from `alloc` with `first`, unused; no class is free now, so it is deallocated.
        unsafe { free(block, first) };
        assert_eq!(cached(first), 0);
        // Too small to hold the list's link: straight back to the allocator.
        let tiny = Layout::from_size_align(4, 4).unwrap();
        let block = get(tiny);
        // SAFETY: as above.
        unsafe { free(block, tiny) };
        assert_eq!(cached(tiny), 0);
        clear();
    }

    /// Blocks allocated on one thread are kept by the thread that frees them and serve its next
    /// allocations. That thread's lists go back to the allocator when it exits: the Miri run with
    /// leak checking (ci/miri.sh) would report them otherwise.
    #[test]
    fn blocks_cross_threads_and_are_freed_at_exit() {
        let l = layout(72);
        let blocks: Vec<usize> = (0..8).map(|_| get(l) as usize).collect();
        std::thread::spawn(move || {
            for &block in &blocks {
                // SAFETY: from `alloc` with `l` on another thread, unused; blocks are not tied to
                // a thread.
                unsafe { free(block as *mut u8, l) };
            }
            assert_eq!(cached(l), 8);
            let again = get(l) as usize;
            assert_eq!(again, blocks[7], "the block freed last serves the next allocation");
            // SAFETY: from `alloc` with `l`, unused; kept again, then freed at thread exit.
            unsafe { free(again as *mut u8, l) };
        })
        .join()
        .unwrap();
    }
}
