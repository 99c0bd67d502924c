//! A counting global allocator for the memory tests (`memory.rs`, `memory_skiplist.rs`): wraps
//! `System` and tracks the bytes currently allocated, plus the helpers those tests share. Included
//! with `#[path]` by exactly those test files, so no other test binary gets this allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::backtrace::Backtrace;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::time::Duration;

use crate::common::Watchdog;

/// `System`, plus a count of the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Calls to `alloc`, `alloc_zeroed` and `realloc` so far.
static CALLS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged and only updates
// a counter on the side, so `System`'s guarantees carry over.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc(layout) };
        CALLS.fetch_add(1, Relaxed);
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc_zeroed(layout) };
        CALLS.fetch_add(1, Relaxed);
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        CALLS.fetch_add(1, Relaxed);
        if !p.is_null() {
            LIVE.fetch_add(new_size, Relaxed);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The allocator count is process-wide: the tests of a file using it run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Takes `SERIAL`. The first caller also resolves one backtrace: that loads std's symbolisation
/// cache (tens of MB, kept for the life of the process), which a failing test would otherwise load
/// in the middle of another test's measurement and make it look like a leak.
pub fn serial() -> MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    static WARM: Once = Once::new();
    if !cfg!(miri) {
        WARM.call_once(|| drop(format!("{}", Backtrace::force_capture())));
    }
    guard
}

/// Allowed growth of live bytes over the starting level once the loop is over and epoch garbage
/// has been collected. A correct structure then holds its ~100 resident nodes and little else; one
/// that never frees removed nodes exceeds this after ~10_000 pops.
pub const BOUND: usize = 1 << 20;
/// Allowed for `left_after_drops`: epoch bookkeeping only (a few KiB); one leaked node per round
/// would not show, but tens per round add up over `DROP_ROUNDS`.
pub const DROP_SLACK: usize = 64 << 10;
pub const DROP_ROUNDS: u64 = if cfg!(miri) { 2 } else { 10 };

/// Allocation calls made so far, by every thread.
#[allow(dead_code)] // used by memory.rs only
pub fn allocations() -> usize {
    CALLS.load(Relaxed)
}

pub fn live() -> usize {
    LIVE.load(Relaxed)
}

/// Flushes this thread's epoch garbage and runs the collector until live bytes stop falling (each
/// flush frees at most a few bags of garbage, so a backlog needs many).
pub fn collect() {
    let mut best = live();
    let mut stable = 0;
    for _ in 0..100_000 {
        crossbeam_epoch::pin().flush();
        let now = live();
        if now < best {
            best = now;
            stable = 0;
        } else {
            stable += 1;
            if stable == 64 {
                break;
            }
        }
    }
}

pub fn growth(base: usize) -> usize {
    live().saturating_sub(base)
}

/// Runs `rounds` rounds of `round` (each builds a structure, uses it and drops it), collecting
/// garbage after each, and returns how many bytes are still live above the level before the
/// first round. Whatever a structure allocated must be freed once it is dropped, so this stays at
/// a little epoch bookkeeping however many rounds run.
pub fn left_after_drops(what: &'static str, rounds: u64, mut round: impl FnMut(u64)) -> usize {
    let _serial = serial();
    let _watchdog = Watchdog::start(what, Duration::from_secs(120));
    collect();
    let start = live();
    for r in 0..rounds {
        round(r);
        collect();
    }
    let left = growth(start);
    println!("{what}: {left} B still live after {rounds} structures were used and dropped");
    left
}
