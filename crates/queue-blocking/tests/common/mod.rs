//! Helpers shared by the integration tests: a hang watchdog, a gate (Python's `threading.Event`),
//! the blocking-test protocol of CPython's `test_queue.py`, timing assertions, drop counting, and
//! the three queue kinds as containers of one `BlockingQueue`, so that each scenario is written
//! once and run for all.
//!
//! Every test file uses only part of this module.
#![allow(dead_code)]

pub mod exec;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use queue_blocking::{BlockingQueue, Container, RawQueue, SegmentedQueue, SkipListPq, TreiberStack};

// ---------------------------------------------------------------------------------------------
// Watchdog
// ---------------------------------------------------------------------------------------------

/// How long one test may run before the watchdog aborts the process.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `body` on its own thread (named `name`) and waits for it. If it has not finished within
/// [`WATCHDOG`], prints the test name and aborts the whole process, so that a hang (a lost
/// wake-up, a livelock) fails the run instead of stalling CI. A panic in `body` is re-raised here,
/// so the test fails normally. Under Miri, whose clock is virtual, it waits without a limit.
pub fn run<F: FnOnce() + Send + 'static>(name: &'static str, body: F) {
    run_with_limit(name, WATCHDOG, body);
}

/// [`run`] with a custom limit.
pub fn run_with_limit<F: FnOnce() + Send + 'static>(name: &'static str, limit: Duration, body: F) {
    let (tx, rx) = mpsc::channel::<()>();
    let handle = thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            body();
            // The receiver may be gone only if we already aborted; ignore.
            let _ = tx.send(());
        })
        .expect("spawn the test thread");
    if cfg!(miri) {
        let _ = rx.recv();
    } else if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
        // `Disconnected` means the body panicked (the sender was dropped while unwinding): the
        // join below re-raises the panic.
        eprintln!("watchdog: test `{name}` did not finish within {limit:?}; aborting the process");
        std::process::abort();
    }
    if let Err(payload) = handle.join() {
        std::panic::resume_unwind(payload);
    }
}

/// Waits up to `limit` for a message from a helper thread; on timeout, fails the test with
/// `what` (used to assert that something wakes up "soon", with a clear message instead of an
/// abort). Callers must make sure the helper thread can still finish afterwards (e.g. by shutting
/// the queue down in a drop guard) or the enclosing scope will hang until the watchdog fires.
pub fn recv_within<T>(rx: &mpsc::Receiver<T>, limit: Duration, what: &str) -> T {
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(RecvTimeoutError::Timeout) => panic!("{what}: nothing within {limit:?}"),
        Err(RecvTimeoutError::Disconnected) => panic!("{what}: the sender thread died"),
    }
}

// ---------------------------------------------------------------------------------------------
// Synchronisation helpers
// ---------------------------------------------------------------------------------------------

/// A one-shot gate, like Python's `threading.Event`: threads `wait` until someone `open`s it.
#[derive(Debug, Default)]
pub struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
}

impl Gate {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.cv.notify_all();
    }

    pub fn is_open(&self) -> bool {
        *self.open.lock().unwrap()
    }

    pub fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.cv.wait(open).unwrap();
        }
    }
}

/// How long the trigger thread of [`blocking_test`] sleeps before acting (CPython: 0.1 s).
pub const TRIGGER_DELAY: Duration = Duration::from_millis(100);

/// CPython's `do_blocking_test`: a trigger thread sleeps [`TRIGGER_DELAY`], sets a flag, then
/// runs `trigger`; meanwhile this thread runs `block`, which must not return before the flag is
/// set ("appeared not to block"). `block` can only complete through `trigger`'s action, so the
/// check is sound whatever the scheduling; the sleep only makes it likely that `block` really
/// sleeps in the queue first.
pub fn blocking_test<R>(block: impl FnOnce() -> R, trigger: impl FnOnce() + Send) -> R {
    let started = AtomicBool::new(false);
    thread::scope(|s| {
        let t = s.spawn(|| {
            thread::sleep(TRIGGER_DELAY);
            started.store(true, SeqCst);
            trigger();
        });
        let r = block();
        assert!(started.load(SeqCst), "blocking call appeared not to block");
        t.join().expect("trigger thread panicked");
        r
    })
}

/// Sleeps a little to give other threads the chance to block in the queue. Only used before
/// checks that hold whether or not they have blocked yet.
pub fn let_threads_block() {
    thread::sleep(Duration::from_millis(50));
}

// ---------------------------------------------------------------------------------------------
// Timing assertions (generous: the machine is a loaded 2-core VM)
// ---------------------------------------------------------------------------------------------

/// Upper bound for "returned promptly" and for "returned soon after its timeout".
pub const SLACK: Duration = Duration::from_secs(5);

/// Asserts that a call that started at `start` waited at least `timeout` and less than
/// `timeout + SLACK`.
pub fn assert_waited(what: &str, start: Instant, timeout: Duration) {
    let e = start.elapsed();
    assert!(e >= timeout, "{what}: returned after {e:?}, before its timeout of {timeout:?}");
    assert!(e < timeout + SLACK, "{what}: returned after {e:?}, far beyond its timeout of {timeout:?}");
}

/// Asserts that a call that started at `start` returned promptly (well under `SLACK`).
pub fn assert_prompt(what: &str, start: Instant) {
    let e = start.elapsed();
    assert!(e < SLACK, "{what}: took {e:?}, expected to return at once");
}

// ---------------------------------------------------------------------------------------------
// Injected panics
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Drop counting
// ---------------------------------------------------------------------------------------------

/// Per-id drop counters shared by [`Tracked`] items.
#[derive(Debug, Clone)]
pub struct DropLog(Arc<Vec<AtomicUsize>>);

impl DropLog {
    pub fn new(n: usize) -> Self {
        Self(Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect()))
    }

    pub fn item(&self, id: usize) -> Tracked {
        Tracked { id, log: self.clone() }
    }

    pub fn drops(&self, id: usize) -> usize {
        self.0[id].load(SeqCst)
    }

    pub fn total(&self) -> usize {
        self.0.iter().map(|c| c.load(SeqCst)).sum()
    }

    /// Asserts that every id in `ids` was dropped exactly `times` times.
    pub fn assert_each(&self, ids: impl IntoIterator<Item = usize>, times: usize, what: &str) {
        for id in ids {
            let n = self.drops(id);
            assert_eq!(n, times, "{what}: item {id} dropped {n} times, expected {times}");
        }
    }
}

/// An item that counts its drops in a [`DropLog`]; ordered by `id`.
#[derive(Debug)]
pub struct Tracked {
    pub id: usize,
    log: DropLog,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.log.0[self.id].fetch_add(1, SeqCst);
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Tracked {}
impl PartialOrd for Tracked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Tracked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.id.cmp(&other.id)
    }
}

// ---------------------------------------------------------------------------------------------
// Queue kinds
// ---------------------------------------------------------------------------------------------

/// A queue kind: names the container and the order in which it returns items.
pub trait Family: 'static {
    const NAME: &'static str;
    type C<T: Ord + Send + Sync + 'static>: Container<T, Engine: Send + Sync + 'static>
        + RawQueue<T>
        + 'static;
    /// The order in which a fresh queue returns `puts` (put in this order, nothing taken between).
    fn order<T: Ord + Clone>(puts: &[T]) -> Vec<T>;
}

/// `Queue`: first in, first out.
pub struct Fifo;
/// `LifoQueue`: last in, first out.
pub struct Lifo;
/// `PriorityQueue`: smallest first, equal items first in, first out.
pub struct Prio;

impl Family for Fifo {
    const NAME: &'static str = "Queue";
    type C<T: Ord + Send + Sync + 'static> = SegmentedQueue<T>;
    fn order<T: Ord + Clone>(puts: &[T]) -> Vec<T> {
        puts.to_vec()
    }
}

impl Family for Lifo {
    const NAME: &'static str = "LifoQueue";
    type C<T: Ord + Send + Sync + 'static> = TreiberStack<T>;
    fn order<T: Ord + Clone>(puts: &[T]) -> Vec<T> {
        puts.iter().rev().cloned().collect()
    }
}

impl Family for Prio {
    const NAME: &'static str = "PriorityQueue";
    type C<T: Ord + Send + Sync + 'static> = SkipListPq<T>;
    fn order<T: Ord + Clone>(puts: &[T]) -> Vec<T> {
        let mut v = puts.to_vec();
        // Stable: equal items keep their put order, as the crate documents.
        v.sort();
        v
    }
}

/// Declares one `#[test]` per queue kind (modules `fifo`, `lifo`, `priority`) for each generic
/// function `$test::<F: Family>` named, each run under the watchdog.
#[macro_export]
macro_rules! for_each_kind {
    ($($test:ident),* $(,)?) => {
        mod fifo {
            $(
                #[test]
                fn $test() {
                    $crate::common::run(concat!("fifo::", stringify!($test)), super::$test::<$crate::common::Fifo>);
                }
            )*
        }
        mod lifo {
            $(
                #[test]
                fn $test() {
                    $crate::common::run(concat!("lifo::", stringify!($test)), super::$test::<$crate::common::Lifo>);
                }
            )*
        }
        mod priority {
            $(
                #[test]
                fn $test() {
                    $crate::common::run(concat!("priority::", stringify!($test)), super::$test::<$crate::common::Prio>);
                }
            )*
        }
    };
}

/// A new queue of kind `F`.
pub fn new_q<F: Family, T: Ord + Send + Sync + 'static>(maxsize: usize) -> Q<F, T> {
    BlockingQueue::new(maxsize)
}

/// The queue of kind `F` holding `T`s.
pub type Q<F, T> = BlockingQueue<T, <F as Family>::C<T>>;
