//! Finding R2: a user container (`Custom<R>`) whose `push` or `pop` panics must not wedge the
//! generic engine (`queue::Inner`, behind `LifoQueue`, `PriorityQueue` and `Custom`).
//!
//! A put registers as publishing, counts its task and (bounded) reserves a slot before it calls
//! the container's `push`; a get claims an item (giving its slot back) before it calls `pop`, and
//! wakes a putter after. When `push` or `pop` unwinds, the panic must reach the caller and the
//! queue must be left as if the failed call had not happened (put) or had completed (get):
//!
//! * put: `qsize()`, `unfinished_tasks()` and the free slots are as before; `join` is not held up;
//!   after `shutdown()` a get on the empty queue fails with `ShutDown` (not `Empty`, not a hang),
//!   and `shutdown_immediate()` returns.
//! * get: the slot the claim gave back reaches a blocked putter, a wake-up the getter received
//!   reaches another waiting getter, and the queue keeps working.
//! * every item is dropped exactly once.
//!
//! `PriorityQueue` with a panicking `Ord` already restores its state (`push_catching_panic`); its
//! test runs the same checks as the `Custom` one and is a control for them.

mod common;

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::thread;
use std::time::Duration;

use common::*;
use queue_blocking::{BlockingQueue, Container, Custom, GetError, RawQueue};

/// How long a woken thread may take to report back before the test calls it a lost wake-up.
const WAKE_LIMIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// Items and the flaky container
// ---------------------------------------------------------------------------------------------

/// What an item makes fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Poison {
    None,
    /// `Flaky::push` panics on it (the item is dropped by the unwind, never added); so does any
    /// comparison with it (for `PriorityQueue`).
    Push,
    /// `Flaky::pop` takes it out and then panics (the item is dropped by the unwind).
    Pop,
}

/// An item that counts its drops (through [`Tracked`]) and may poison a push or a pop.
#[derive(Debug)]
struct Item {
    tracked: Tracked,
    poison: Poison,
}

impl Item {
    fn id(&self) -> usize {
        self.tracked.id
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if self.poison == Poison::Push || other.poison == Poison::Push {
            panic!("{INJECTED}: comparison of item {} with item {}", self.id(), other.id());
        }
        self.tracked.cmp(&other.tracked)
    }
}

/// Hands out items and records their drops.
struct Items(DropLog);

impl Items {
    fn new(n: usize) -> Self {
        Self(DropLog::new(n))
    }
    fn ok(&self, id: usize) -> Item {
        Item { tracked: self.0.item(id), poison: Poison::None }
    }
    fn bad_push(&self, id: usize) -> Item {
        Item { tracked: self.0.item(id), poison: Poison::Push }
    }
    fn bad_pop(&self, id: usize) -> Item {
        Item { tracked: self.0.item(id), poison: Poison::Pop }
    }
    /// Every one of the `n` items dropped exactly once; call after the queue is dropped.
    fn assert_all_dropped_once(&self, n: usize) {
        self.0.assert_each(0..n, 1, "at the end of the test");
    }
}

/// A first-in, first-out user container whose `push` and `pop` panic on poisoned items. The
/// panics never happen under its lock, and the lock ignores poisoning anyway, so the container
/// itself stays consistent: only the engine's bookkeeping is under test.
#[derive(Debug, Default)]
struct Flaky(Mutex<VecDeque<Item>>);

impl Flaky {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Item>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl RawQueue<Item> for Flaky {
    fn push(&self, item: Item) {
        if item.poison == Poison::Push {
            panic!("{INJECTED}: push of item {}", item.id());
        }
        self.lock().push_back(item);
    }

    fn pop(&self) -> Option<Item> {
        let item = self.lock().pop_front()?;
        if item.poison == Poison::Pop {
            panic!("{INJECTED}: pop of item {}", item.id());
        }
        Some(item)
    }

    fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

type FlakyQueue = BlockingQueue<Item, Custom<Flaky>>;

/// Asserts that `r` is a panic injected by this test (and not, say, a failed assertion).
fn assert_injected<T: std::fmt::Debug>(r: std::thread::Result<T>, what: &str) {
    let payload = match r {
        Ok(v) => panic!("{what}: expected the injected panic to reach the caller, got {v:?}"),
        Err(payload) => payload,
    };
    let msg = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    assert!(msg.contains(INJECTED), "{what}: a different panic reached the caller: {msg:?}");
}

/// Shuts the queue down if dropped while a check is failing, so that a thread left blocked by the
/// failure wakes up and the enclosing `thread::scope` can end (and report the failure).
struct ShutdownOnFailure<'a, C: Container<Item> + RawQueue<Item>>(&'a BlockingQueue<Item, C>);

impl<C: Container<Item> + RawQueue<Item>> Drop for ShutdownOnFailure<'_, C> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.shutdown();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A panicking push: the same checks for `Custom` (fails today) and `PriorityQueue` (control).
// Each queue holds one resident item when the poisoned put runs, so that `PriorityQueue` makes a
// comparison (an empty skiplist compares nothing).
// ---------------------------------------------------------------------------------------------

/// After a put whose push panicked: `qsize`, `unfinished_tasks` as before; `join` not held up.
fn push_panic_restores_the_counts<C: Container<Item> + RawQueue<Item>>() {
    silence_injected_panics();
    let items = Items::new(2);
    let q = BlockingQueue::<Item, C>::unbounded();
    q.put(items.ok(0)).unwrap();
    let before = (q.qsize(), q.unfinished_tasks());
    assert_injected(catch_unwind(AssertUnwindSafe(|| q.put(items.bad_push(1)))), "put");
    assert_eq!(items.0.drops(1), 1, "the poisoned item is dropped by the unwind, once");
    assert_eq!(
        (q.qsize(), q.unfinished_tasks()),
        before,
        "(qsize, unfinished_tasks) after the failed put differ from before it"
    );
    assert_eq!(q.get_nowait().map(|i| i.id()), Ok(0));
    q.task_done().unwrap();
    // Nothing is open: the failed put must not have left a task behind.
    assert!(q.join_timeout(Duration::from_millis(100)), "join held up by the failed put's task");
    drop(q);
    items.assert_all_dropped_once(2);
}

/// On a bounded queue, the slot the failed put reserved is given back.
fn push_panic_leaks_no_slot<C: Container<Item> + RawQueue<Item>>() {
    silence_injected_panics();
    let items = Items::new(3);
    let q = BlockingQueue::<Item, C>::bounded(2);
    q.put(items.ok(0)).unwrap();
    assert_injected(catch_unwind(AssertUnwindSafe(|| q.put(items.bad_push(1)))), "put");
    match q.put_nowait(items.ok(2)) {
        Ok(()) => {}
        Err(e) => panic!("put_nowait into a queue of maxsize 2 holding 1 item failed: {e:?} (slot leaked)"),
    }
    assert_eq!(q.qsize(), 2);
    assert!(q.full());
    drop(q);
    items.assert_all_dropped_once(3);
}

/// After `shutdown()`, a get on the drained queue fails with `ShutDown` at once: the failed put is
/// not still "publishing" an item that will never come.
fn push_panic_then_shutdown_gets_fail_with_shutdown<C: Container<Item> + RawQueue<Item>>() {
    silence_injected_panics();
    let items = Items::new(2);
    let q = BlockingQueue::<Item, C>::unbounded();
    q.put(items.ok(0)).unwrap();
    assert_injected(catch_unwind(AssertUnwindSafe(|| q.put(items.bad_push(1)))), "put");
    q.shutdown();
    assert_eq!(q.get().map(|i| i.id()), Ok(0), "the resident item is still there after shutdown");
    assert_eq!(
        q.get_nowait().map(|i| i.id()),
        Err(GetError::ShutDown),
        "get_nowait on the shut-down, empty queue"
    );
    assert_eq!(
        q.get_timeout(Duration::from_millis(200)).map(|i| i.id()),
        Err(GetError::ShutDown),
        "get_timeout on the shut-down, empty queue"
    );
    // Blocks forever if the engine still waits for the failed put (the watchdog fails the test).
    assert_eq!(q.get().map(|i| i.id()), Err(GetError::ShutDown), "get on the shut-down, empty queue");
    drop(q);
    items.assert_all_dropped_once(2);
}

/// `shutdown_immediate()` returns (it waits for puts still publishing; the failed one must not
/// count) with the resident item.
fn push_panic_then_shutdown_immediate_returns<C>()
where
    C: Container<Item, Engine: Send + Sync + 'static> + RawQueue<Item> + 'static,
{
    silence_injected_panics();
    let items = Items::new(2);
    let q = Arc::new(BlockingQueue::<Item, C>::unbounded());
    q.put(items.ok(0)).unwrap();
    assert_injected(catch_unwind(AssertUnwindSafe(|| q.put(items.bad_push(1)))), "put");
    // On a detached thread: if it spins forever, the test fails with a message (the thread is
    // left spinning, with yields, until the test process exits).
    let (tx, rx) = mpsc::channel();
    let drainer = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            let drained: Vec<usize> = q.shutdown_immediate().iter().map(Item::id).collect();
            let _ = tx.send(drained);
        })
    };
    let drained = recv_within(&rx, WAKE_LIMIT, "shutdown_immediate after a put whose push panicked");
    drainer.join().unwrap();
    assert_eq!(drained, [0], "shutdown_immediate drains the resident item");
    assert_eq!(q.unfinished_tasks(), 0);
    drop(q);
    items.assert_all_dropped_once(2);
}

macro_rules! push_panic_tests {
    ($($test:ident),* $(,)?) => {
        /// The generic engine over a user container whose `push` panics (finding R2).
        mod custom {
            $(
                #[test]
                fn $test() {
                    $crate::common::run(concat!("custom::", stringify!($test)), super::$test::<queue_blocking::Custom<super::Flaky>>);
                }
            )*
        }
        /// The same checks over `PriorityQueue` with a panicking `Ord`: already right today.
        mod priority {
            $(
                #[test]
                fn $test() {
                    $crate::common::run(concat!("priority::", stringify!($test)), super::$test::<queue_blocking::SkipListPq<super::Item>>);
                }
            )*
        }
    };
}

push_panic_tests!(
    push_panic_restores_the_counts,
    push_panic_leaks_no_slot,
    push_panic_then_shutdown_gets_fail_with_shutdown,
    push_panic_then_shutdown_immediate_returns,
);

// ---------------------------------------------------------------------------------------------
// A panicking pop (`Custom` only: the crate's own containers call no user code in `pop`).
// ---------------------------------------------------------------------------------------------

/// A putter blocked on a full queue is woken when a get's `pop` panics: the claim gave the slot
/// back, so the get counts as completed and its wake-up is owed.
#[test]
fn custom_pop_panic_still_wakes_a_blocked_putter() {
    run("custom_pop_panic_still_wakes_a_blocked_putter", || {
        silence_injected_panics();
        let items = Items::new(2);
        let q = FlakyQueue::bounded(1);
        q.put(items.bad_pop(0)).unwrap();
        thread::scope(|s| {
            let _unblock = ShutdownOnFailure(&q);
            let (tx, rx) = mpsc::channel();
            let (q, items) = (&q, &items);
            s.spawn(move || {
                let r = q.put(items.ok(1)).map_err(|e| e.into_inner().id());
                let _ = tx.send(r);
            });
            // Give the putter time to fall asleep on the full queue. Should it start late, it
            // finds the slot free and the test passes trivially; it cannot fail spuriously.
            thread::sleep(Duration::from_millis(200));
            assert_injected(catch_unwind(AssertUnwindSafe(|| q.get())), "get");
            let put =
                recv_within(&rx, WAKE_LIMIT, "the putter blocked on the full queue (the get's pop panicked)");
            assert_eq!(put, Ok(()), "the woken put succeeds");
        });
        // The queue goes on working.
        assert_eq!(q.get_nowait().map(|i| i.id()), Ok(1));
        q.task_done().unwrap();
        q.task_done().unwrap();
        assert!(q.join_timeout(Duration::from_millis(100)));
        q.shutdown();
        assert_eq!(q.get().map(|i| i.id()), Err(GetError::ShutDown));
        drop(q);
        items.assert_all_dropped_once(2);
    });
}

/// Two getters sleep on an empty queue; two puts each owe one of them a wake-up. The woken
/// getter whose `pop` panics must hand on a wake-up meant for the other (event.rs: a notifier that
/// found the event disarmed relies on it), so the other still gets the second item.
///
/// Today's code fails only when the second put skips its wake-up, which depends on timing (the
/// woken getter must not re-arm the event before the second put): about 9 runs in 10 on a 2-core
/// VM, hence several rounds. Fixed code passes every round whatever the timing.
#[test]
fn custom_pop_panic_in_a_woken_getter_hands_its_wake_up_on() {
    run("custom_pop_panic_in_a_woken_getter_hands_its_wake_up_on", || {
        silence_injected_panics();
        for round in 0..3 {
            let items = Items::new(2);
            let q = FlakyQueue::unbounded();
            thread::scope(|s| {
                let _unblock = ShutdownOnFailure(&q);
                let (tx, rx) = mpsc::channel();
                for _ in 0..2 {
                    let (tx, q) = (tx.clone(), &q);
                    s.spawn(move || {
                        // `None`: this getter's get panicked.
                        let r = catch_unwind(AssertUnwindSafe(|| q.get())).ok().map(|r| r.map(|i| i.id()));
                        let _ = tx.send(r);
                    });
                }
                // Both getters asleep before the puts (if not, the round passes trivially).
                thread::sleep(Duration::from_millis(200));
                // Back to back: the second put usually finds the wake-up of the first on its way
                // and skips its own, relying on the woken getter to pass it on.
                q.put(items.bad_pop(0)).unwrap();
                q.put(items.ok(1)).unwrap();
                let first = recv_within(&rx, WAKE_LIMIT, "the first getter to finish");
                let second = recv_within(&rx, WAKE_LIMIT, "the second getter (the other one's pop panicked)");
                assert!(
                    matches!((first, second), (None, Some(Ok(1))) | (Some(Ok(1)), None)),
                    "round {round}: expected one get to panic and the other to get item 1, got {first:?} and {second:?}"
                );
            });
            q.task_done().unwrap();
            q.task_done().unwrap();
            assert!(q.join_timeout(Duration::from_millis(100)));
            drop(q);
            items.assert_all_dropped_once(2);
        }
    });
}

/// After a get whose `pop` panicked, the queue keeps working: puts up to maxsize, gets, shutdown,
/// join. (Already right today: the claim's bookkeeping is consistent with the item having left.)
#[test]
fn custom_pop_panic_leaves_the_queue_usable() {
    run("custom_pop_panic_leaves_the_queue_usable", || {
        silence_injected_panics();
        let items = Items::new(6);
        let q = FlakyQueue::bounded(2);
        q.put(items.bad_pop(0)).unwrap();
        q.put(items.ok(1)).unwrap();
        assert_injected(catch_unwind(AssertUnwindSafe(|| q.get_nowait())), "get_nowait");
        assert_eq!(items.0.drops(0), 1, "the item whose pop panicked is dropped by the unwind, once");
        assert_eq!(q.qsize(), 1);
        // Room for exactly one more.
        q.put_nowait(items.ok(2)).unwrap();
        assert!(q.put_nowait(items.ok(3)).unwrap_err().is_full());
        assert_eq!(q.get().map(|i| i.id()), Ok(1));
        assert_eq!(q.get().map(|i| i.id()), Ok(2));
        // A pop panic in a blocking get, too.
        q.put(items.bad_pop(4)).unwrap();
        assert_injected(catch_unwind(AssertUnwindSafe(|| q.get())), "get");
        q.put(items.ok(5)).unwrap();
        q.shutdown();
        assert_eq!(q.get().map(|i| i.id()), Ok(5));
        assert_eq!(q.get().map(|i| i.id()), Err(GetError::ShutDown));
        // Five puts succeeded (0, 1, 2, 4, 5): one `task_done` per get, the panicked ones included.
        assert_eq!(q.unfinished_tasks(), 5);
        for _ in 0..5 {
            q.task_done().unwrap();
        }
        assert!(q.join_timeout(Duration::from_millis(100)));
        drop(q);
        items.assert_all_dropped_once(6);
    });
}

// ---------------------------------------------------------------------------------------------
// Both kinds of panic in one longer run, with several threads: each item dropped exactly once.
// ---------------------------------------------------------------------------------------------

/// Two threads put and one gets through a small bounded queue; every 7th put's push and every 5th
/// item's pop panic. No put stays blocked (a wedged queue fails the test instead of hanging it),
/// `shutdown_immediate` returns, and every item is dropped exactly once (by the unwind, by its
/// getter, or with the queue).
#[test]
fn custom_panics_under_concurrency_drop_every_item_once() {
    run("custom_panics_under_concurrency_drop_every_item_once", || {
        silence_injected_panics();
        const PER_PUTTER: usize = 300;
        const PUTTERS: usize = 2;
        let n = PUTTERS * PER_PUTTER;
        let items = Items::new(n);
        let q = Arc::new(FlakyQueue::bounded(2));
        let putters_done = AtomicUsize::new(0);
        let wedged = AtomicUsize::new(0);
        thread::scope(|s| {
            for p in 0..PUTTERS {
                let (q, items, putters_done, wedged) = (&q, &items, &putters_done, &wedged);
                s.spawn(move || {
                    for id in p * PER_PUTTER..(p + 1) * PER_PUTTER {
                        let item = if id % 7 == 0 {
                            items.bad_push(id)
                        } else if id % 5 == 0 {
                            items.bad_pop(id)
                        } else {
                            items.ok(id)
                        };
                        // Timed, so that a queue wedged by leaked slots fails the test: the getter
                        // below never pauses for long.
                        match catch_unwind(AssertUnwindSafe(|| q.put_timeout(item, WAKE_LIMIT))) {
                            Ok(Ok(())) => {}
                            Ok(Err(e)) => {
                                wedged.fetch_add(1, SeqCst);
                                eprintln!("put of item {id} failed: {e:?}");
                                break;
                            }
                            Err(_) => assert_eq!(id % 7, 0, "only poisoned pushes panic"),
                        }
                    }
                    putters_done.fetch_add(1, SeqCst);
                });
            }
            let (q, putters_done) = (&q, &putters_done);
            s.spawn(move || {
                loop {
                    let done = putters_done.load(SeqCst) == PUTTERS;
                    match catch_unwind(AssertUnwindSafe(|| q.get_timeout(Duration::from_millis(10)))) {
                        Ok(Err(GetError::Empty)) if done => break,
                        Ok(Err(GetError::ShutDown)) => unreachable!("nobody shuts it down yet"),
                        Ok(_) | Err(_) => {}
                    }
                }
            });
        });
        assert_eq!(wedged.load(SeqCst), 0, "puts timed out on a queue that a getter keeps emptying");
        assert_eq!(q.qsize(), 0);
        // On a detached thread: if it spins forever the test fails with a message.
        let (tx, rx) = mpsc::channel();
        let drainer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let _ = tx.send(q.shutdown_immediate().len());
            })
        };
        assert_eq!(recv_within(&rx, WAKE_LIMIT, "shutdown_immediate"), 0);
        drainer.join().unwrap();
        drop(q);
        items.assert_all_dropped_once(n);
    });
}
