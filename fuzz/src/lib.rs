//! Shared pieces of the fuzz targets: a tracked item type, the sequential models the targets
//! check against, and the step-by-step driver of the three core-structure targets.
//!
//! Every check is an `assert!`: libfuzzer-sys turns a panic into an abort, so a failed check is
//! reported as a crash with the input that caused it. Nothing else may panic on any input.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{
    AtomicIsize,
    Ordering::{Relaxed, SeqCst},
};

use arbitrary::Arbitrary;
use queue_core::RawQueue;

/// At most this many decoded ops are run per input.
pub const MAX_OPS: usize = 256;

/// Items alive right now (created and not yet dropped), across all threads.
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// An item whose order is its small `key` only; `id` tells items with equal keys apart. It owns a
/// heap allocation, so AddressSanitizer sees a use after free or a double drop of an item, and
/// every live item is counted, so a lost or duplicated item shows up in [`assert_no_live_items`].
#[derive(Debug)]
pub struct Item {
    /// What `Ord` compares.
    pub key: u8,
    /// Unique per input (an insertion counter).
    pub id: u32,
    check: Box<u32>,
}

impl Item {
    /// A new item, counted as live until dropped.
    pub fn new(key: u8, id: u32) -> Self {
        LIVE.fetch_add(1, SeqCst);
        Self { key, id, check: Box::new(id) }
    }

    /// `(key, id)`: what the models store and the checks compare.
    pub fn pair(&self) -> (u8, u32) {
        assert_eq!(*self.check, self.id, "item {} is corrupted", self.id);
        (self.key, self.id)
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        assert_eq!(*self.check, self.id, "dropping a corrupted item");
        let before = LIVE.fetch_sub(1, SeqCst);
        assert!(before > 0, "an item was dropped twice (live count went negative)");
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// Checks that every item created so far has been dropped exactly once. Call it after the
/// structure under test, the model and every item taken out are gone.
pub fn assert_no_live_items() {
    let live = LIVE.load(SeqCst);
    assert_eq!(live, 0, "{live} item(s) still alive after everything was dropped (leaked or lost)");
}

/// Counts live heap allocations of the process (all threads), so that [`checked_input`] can tell
/// when crossbeam-epoch has given back what an input allocated.
struct CountingAlloc;

static LIVE_ALLOCS: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE_ALLOCS.fetch_add(1, Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE_ALLOCS.fetch_add(1, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_ALLOCS.fetch_sub(1, Relaxed);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded. A failed realloc leaves the old block live.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Runs one input's checks, then lets crossbeam-epoch free what the input retired and checks
/// that every item was dropped exactly once. Every target wraps its body in this.
///
/// Why the epoch step: the structures retire nodes to crossbeam-epoch, which frees them only
/// after the global epoch has advanced twice, so they outlive the input. Then nearly every input
/// ends with more mallocs than frees, and libFuzzer re-runs it under a full LeakSanitizer scan
/// (milliseconds each) and, after 1000 such scans, turns per-input leak detection off for the
/// rest of the run. So after the input this thread flushes its garbage and advances the epoch
/// until the process holds no more allocations than when the input started (at most 64 rounds:
/// epoch's own bookkeeping cycles, so an exact count is reached within a few). A real leak never
/// gets there, and libFuzzer's leak check then reports it. Freed nodes also reach
/// AddressSanitizer's quarantine sooner, as under `crossbeam_sanitize`.
pub fn checked_input(f: impl FnOnce()) {
    let baseline = LIVE_ALLOCS.load(Relaxed);
    f();
    for _ in 0..64 {
        if LIVE_ALLOCS.load(Relaxed) <= baseline {
            break;
        }
        crossbeam_epoch::pin().flush();
    }
    assert_no_live_items();
}

/// A sequential container of `(key, id)` pairs in some leaving order.
pub trait Model: Default {
    /// Adds an item; `id`s are handed out increasing.
    fn push(&mut self, key: u8, id: u32);
    /// Takes the next item in this model's order.
    fn pop(&mut self) -> Option<(u8, u32)>;
    /// Number of items.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out.
#[derive(Default)]
pub struct FifoModel(VecDeque<(u8, u32)>);

impl Model for FifoModel {
    fn push(&mut self, key: u8, id: u32) {
        self.0.push_back((key, id));
    }
    fn pop(&mut self) -> Option<(u8, u32)> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Last in, first out.
#[derive(Default)]
pub struct LifoModel(Vec<(u8, u32)>);

impl Model for LifoModel {
    fn push(&mut self, key: u8, id: u32) {
        self.0.push((key, id));
    }
    fn pop(&mut self) -> Option<(u8, u32)> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Smallest key first; equal keys in insertion order (ids increase with insertion, so the heap
/// is keyed by `(key, id)`).
#[derive(Default)]
pub struct PriorityModel(BinaryHeap<Reverse<(u8, u32)>>);

impl Model for PriorityModel {
    fn push(&mut self, key: u8, id: u32) {
        self.0.push(Reverse((key, id)));
    }
    fn pop(&mut self) -> Option<(u8, u32)> {
        self.0.pop().map(|Reverse(pair)| pair)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// One step on a core structure.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum CoreOp {
    /// `push` one item with this key.
    Push(u8),
    /// `push` `count % 64` items, keys `key, key + step, ...` (wrapping, then masked).
    PushMany { key: u8, step: u8, count: u8 },
    /// `pop` once.
    Pop,
    /// `pop` up to `count % 64` times.
    PopMany(u8),
    /// `is_empty`.
    IsEmpty,
    /// Drop the structure with whatever it holds (every item must be dropped exactly once) and
    /// start over with a new one.
    DropAndNew,
}

/// Runs `ops` on a fresh `R` and on the model `M` side by side, checking every result. Keys are
/// masked with `key_mask` (a small mask makes equal keys common, for the priority queue's FIFO
/// tie rule).
pub fn run_core<R: RawQueue<Item>, M: Model>(ops: &[CoreOp], key_mask: u8) {
    let mut next_id: u32 = 0;
    let mut raw = R::default();
    let mut model = M::default();
    let mut push = |raw: &R, model: &mut M, key: u8| {
        let key = key & key_mask;
        let id = next_id;
        next_id += 1;
        raw.push(Item::new(key, id));
        model.push(key, id);
    };
    let pop = |raw: &R, model: &mut M| {
        let got = raw.pop().map(|item| item.pair());
        let want = model.pop();
        assert_eq!(got, want, "pop returned (key, id) {got:?}, the model says {want:?}");
    };
    for &op in ops.iter().take(MAX_OPS) {
        match op {
            CoreOp::Push(key) => push(&raw, &mut model, key),
            CoreOp::PushMany { key, step, count } => {
                for i in 0..count % 64 {
                    push(&raw, &mut model, key.wrapping_add(step.wrapping_mul(i)));
                }
            }
            CoreOp::Pop => pop(&raw, &mut model),
            CoreOp::PopMany(count) => {
                for _ in 0..count % 64 {
                    pop(&raw, &mut model);
                }
            }
            CoreOp::IsEmpty => {}
            CoreOp::DropAndNew => {
                drop(std::mem::take(&mut raw));
                model = M::default();
                assert_no_live_items();
            }
        }
        // Single-threaded, so `is_empty` is exact.
        assert_eq!(raw.is_empty(), model.is_empty(), "is_empty disagrees after {op:?}");
    }
    // Whatever is left must come out in the model's order, then the structure is empty.
    while let Some(want) = model.pop() {
        let got = raw.pop().map(|item| item.pair());
        assert_eq!(got, Some(want), "final drain: got {got:?}, the model says {want:?}");
    }
    assert!(raw.pop().is_none(), "the structure holds more items than were pushed");
    assert!(raw.is_empty());
    drop(raw);
    assert_no_live_items();
}
