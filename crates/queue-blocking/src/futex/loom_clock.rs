//! The loom stand-in for the kernel: a Mutex+Condvar per address (comparing the word under the
//! table lock models the kernel's atomic compare-and-sleep) and a virtual clock in milliseconds.
//! A model advances the clock with [`advance`], which wakes every sleeper as a timer expiry would,
//! so loom explores a timeout racing a wake-up in every interleaving.

use std::collections::HashMap;

use loom::sync::atomic::AtomicU64;
use loom::sync::{Arc, Condvar, Mutex};

use crate::sync::{AtomicU32, Ordering::*};
use crate::time::Deadline;

loom::lazy_static! {
    static ref TABLE: Mutex<HashMap<usize, Arc<Condvar>>> = Mutex::new(HashMap::new());
    static ref CLOCK: AtomicU64 = AtomicU64::new(0);
}

/// The virtual time.
pub(crate) fn now() -> u64 {
    // SeqCst is not modelled by loom, but the clock is only read under the table lock where it
    // matters (see `wait`), and the lock orders it.
    CLOCK.load(SeqCst)
}

/// Moves the virtual clock forward and wakes every sleeper so timed waits re-check.
pub(crate) fn advance(ms: u64) {
    let table = TABLE.lock().unwrap();
    CLOCK.fetch_add(ms, SeqCst);
    for cond in table.values() {
        cond.notify_all();
    }
}

pub(super) fn wait(atom: &AtomicU32, expected: u32, deadline: Deadline) {
    let mut table = TABLE.lock().unwrap();
    if atom.load(SeqCst) != expected || deadline.has_passed() {
        return;
    }
    let cond =
        table.entry(atom as *const AtomicU32 as usize).or_insert_with(|| Arc::new(Condvar::new())).clone();
    drop(cond.wait(table).unwrap());
}

pub(super) fn wake_one(atom: &AtomicU32) {
    let table = TABLE.lock().unwrap();
    if let Some(cond) = table.get(&(atom as *const AtomicU32 as usize)) {
        cond.notify_one();
    }
}

pub(super) fn wake_all(atom: &AtomicU32) {
    let table = TABLE.lock().unwrap();
    if let Some(cond) = table.get(&(atom as *const AtomicU32 as usize)) {
        cond.notify_all();
    }
}
