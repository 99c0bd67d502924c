//! Helpers shared by the integration tests: a hang watchdog, reproducible seeds, a keyed item whose
//! `Ord` looks only at its key, and a panic hook that keeps deliberately injected panics quiet.
//!
//! Every test file uses only part of this module.
#![allow(dead_code)]

use std::cmp::Ordering;
use std::sync::Once;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Aborts the whole process if it is still alive after `limit`, so that a hang (a lost wake-up, a
/// livelock, a `pop` waiting forever) fails the run instead of stalling CI. Disarmed when dropped,
/// including while unwinding. Inactive under Miri, whose clock has nothing to do with wall time.
pub struct Watchdog {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    pub fn start(what: &'static str, limit: Duration) -> Self {
        if cfg!(miri) {
            return Self { stop: None, thread: None };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let thread = thread::spawn(move || {
            // `Disconnected` means the watchdog was dropped: the test finished (or failed) in time.
            if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                eprintln!("watchdog: `{what}` did not finish within {limit:?}; aborting the process");
                std::process::abort();
            }
        });
        Self { stop: Some(tx), thread: Some(thread) }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The base seed of a randomised test: `QUEUE_CORE_SEED` if set (to replay a failure), otherwise
/// a fresh random one. [`SeedReport`] prints it if the test fails.
pub fn base_seed() -> u64 {
    match std::env::var("QUEUE_CORE_SEED") {
        Ok(s) => s.trim().parse().expect("QUEUE_CORE_SEED must be a u64"),
        Err(_) => fastrand::u64(..),
    }
}

/// Prints `seed` if the current thread is unwinding when this is dropped.
pub struct SeedReport {
    pub what: &'static str,
    pub seed: u64,
}

impl Drop for SeedReport {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!(
                "{}: failed with seed {} (replay with QUEUE_CORE_SEED={})",
                self.what, self.seed, self.seed
            );
        }
    }
}

/// An item whose `Eq`/`Ord` compare only `key`; `id` is unique and tells equal items apart, so
/// tests can check which of several equal items came out.
#[derive(Debug, Clone, Copy)]
pub struct Keyed {
    pub key: u8,
    pub id: u64,
}

impl Keyed {
    pub fn new(key: u8, id: u64) -> Self {
        Self { key, id }
    }

    /// Everything that identifies the item, for exact comparisons in assertions.
    pub fn tag(self) -> (u8, u64) {
        (self.key, self.id)
    }
}

impl PartialEq for Keyed {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// Marker carried by every panic a test injects on purpose.
pub const INJECTED: &str = "injected test panic";

/// Installs (once per process) a panic hook that swallows panics whose message contains
/// [`INJECTED`] and forwards every other panic to the previous hook.
pub fn silence_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("");
            if !msg.contains(INJECTED) {
                previous(info);
            }
        }));
    });
}
