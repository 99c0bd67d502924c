//! Portable waits: a fixed table of Mutex+Condvar buckets keyed by the word's address. Checking
//! the word under the bucket lock and waking under the same lock is what rules out a lost wake-up,
//! as the kernel's hashed futex queues do. Used on targets without our futex path and, with
//! `--cfg queue_force_fallback`, on Linux in CI.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Instant;

use crate::sync::{AtomicU32, Ordering::Relaxed};
use crate::time::Deadline;

const BUCKETS: usize = 64;

struct Bucket {
    lock: Mutex<()>,
    cond: Condvar,
}

static TABLE: [Bucket; BUCKETS] = [const { Bucket { lock: Mutex::new(()), cond: Condvar::new() } }; BUCKETS];

fn bucket(atom: &AtomicU32) -> &'static Bucket {
    // Words are 4-byte aligned and our events sit in cache-padded structs: skip the low bits.
    &TABLE[(atom as *const AtomicU32 as usize >> 6) % BUCKETS]
}

pub(super) fn wait(atom: &AtomicU32, expected: u32, deadline: Deadline) {
    let b = bucket(atom);
    // A panic elsewhere while holding a bucket lock cannot corrupt `()`: ignore poisoning.
    let guard = b.lock.lock().unwrap_or_else(PoisonError::into_inner);
    // Relaxed: the bucket lock orders this load after any waker's store (wakers change the word
    // before they take the lock to notify), which is all the futex contract promises.
    if atom.load(Relaxed) != expected {
        return;
    }
    match deadline.tick() {
        None => drop(b.cond.wait(guard).unwrap_or_else(PoisonError::into_inner)),
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                drop(b.cond.wait_timeout(guard, left).unwrap_or_else(PoisonError::into_inner));
            }
        }
    }
}

pub(super) fn wake_one(atom: &AtomicU32) {
    // Buckets are shared between words, so waking one thread could wake the wrong one and leave
    // ours asleep: wake them all (the others see a spurious wake-up and sleep again).
    wake_all(atom);
}

pub(super) fn wake_all(atom: &AtomicU32) {
    let b = bucket(atom);
    drop(b.lock.lock().unwrap_or_else(PoisonError::into_inner));
    b.cond.notify_all();
}
