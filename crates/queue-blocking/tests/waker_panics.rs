//! Finding R3: a task's `Waker` that panics must not stop a notification halfway.
//!
//! Notifiers call user wakers (an executor's code) in the middle of their work: `notify_all`
//! (shutdown, `set_maxsize`, the last `task_done`) wakes the tasks and then the threads, and a
//! get wakes a waiting putter task after it has taken its item. When a waker panics:
//!
//! * threads blocked at the same wait point (or a later one of the same call) are still woken;
//! * the other registered tasks are still woken;
//! * a get that has taken its item still returns it (the item is not dropped by the unwind).
//!
//! Whether the notifying call itself then panics is not specified: the tests accept both. Every
//! scenario runs for each queue kind (`Queue`: the fifo engine; `LifoQueue`, `PriorityQueue`: the
//! generic engine).

mod common;

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use common::exec::{Probe, poll_once};
use common::*;
use queue_blocking::{GetError, PutError};

/// How long a woken thread may take to report back before the test calls it a lost wake-up.
const WAKE_LIMIT: Duration = Duration::from_secs(5);

/// Time for a spawned thread to fall asleep in the queue. If it has not by then, it sees the
/// state change directly and the test passes trivially; it cannot fail spuriously.
const FALL_ASLEEP: Duration = Duration::from_millis(200);

/// A waker that counts its wake-ups and then panics.
struct Bomb {
    wakes: AtomicUsize,
}

impl Bomb {
    fn new() -> Arc<Self> {
        Arc::new(Self { wakes: AtomicUsize::new(0) })
    }

    fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }

    fn waker(self: &Arc<Self>) -> Waker {
        Waker::from(self.clone())
    }
}

impl Wake for Bomb {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
        panic!("{INJECTED}: a task's waker");
    }
}

/// Polls `fut` once with `bomb`'s waker.
fn poll_bomb<F: Future + Unpin>(fut: &mut F, bomb: &Arc<Bomb>) -> Poll<F::Output> {
    let waker = bomb.waker();
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// Runs `action`, which may panic with the injected waker panic (unspecified either way).
fn tolerate_waker_panic(action: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(action));
}

/// Runs `unblock` if dropped while a check is failing, so that a thread left asleep by the
/// failure wakes up and the enclosing `thread::scope` can end (and report the failure). By then
/// the panicking waker has been taken out of the queue, so the repeated notification reaches
/// the thread.
struct OnFailure<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnFailure<F> {
    fn drop(&mut self) {
        if thread::panicking() {
            tolerate_waker_panic(&mut self.0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Threads blocked at the same wait point are still woken.
// ---------------------------------------------------------------------------------------------

/// `shutdown()` wakes a thread blocked in `get()` although a task waiting at the same event has a
/// panicking waker (today the tasks are woken first and the panic skips the threads).
fn shutdown_wakes_a_blocked_getter_despite_a_panicking_waker<F: Family>() {
    silence_injected_panics();
    let q = new_q::<F, i32>(0);
    let bomb = Bomb::new();
    let mut get = q.get_async();
    assert!(poll_bomb(&mut get, &bomb).is_pending());
    thread::scope(|s| {
        let _unblock = OnFailure(|| q.shutdown());
        let (tx, rx) = mpsc::channel();
        let q = &q;
        s.spawn(move || {
            let _ = tx.send(q.get());
        });
        thread::sleep(FALL_ASLEEP);
        tolerate_waker_panic(|| q.shutdown());
        assert!(q.is_shutdown());
        let got =
            recv_within(&rx, WAKE_LIMIT, "the thread blocked in get() (a task's waker panicked in shutdown)");
        assert_eq!(got, Err(GetError::ShutDown));
    });
    assert_eq!(bomb.wakes(), 1, "the task was woken too");
    assert_eq!(poll_once(&mut get, &Probe::new()), Poll::Ready(Err(GetError::ShutDown)));
}

/// `shutdown()` wakes a thread blocked in `put()` on a full queue although a putter task has a
/// panicking waker; the put fails with `ShutDown(item)`.
fn shutdown_wakes_a_blocked_putter_despite_a_panicking_waker<F: Family>() {
    silence_injected_panics();
    let q = new_q::<F, i32>(1);
    q.put(0).unwrap();
    let bomb = Bomb::new();
    let mut put = q.put_async(1);
    assert!(poll_bomb(&mut put, &bomb).is_pending());
    thread::scope(|s| {
        let _unblock = OnFailure(|| q.shutdown());
        let (tx, rx) = mpsc::channel();
        let q = &q;
        s.spawn(move || {
            let _ = tx.send(q.put(2));
        });
        thread::sleep(FALL_ASLEEP);
        tolerate_waker_panic(|| q.shutdown());
        let put =
            recv_within(&rx, WAKE_LIMIT, "the thread blocked in put() (a task's waker panicked in shutdown)");
        assert!(matches!(put, Err(PutError::ShutDown(2))), "expected Err(ShutDown(2)), got {put:?}");
    });
    assert_eq!(bomb.wakes(), 1, "the task was woken too");
    assert!(matches!(poll_once(&mut put, &Probe::new()), Poll::Ready(Err(PutError::ShutDown(1)))));
    assert_eq!(q.get(), Ok(0));
    assert_eq!(q.get(), Err(GetError::ShutDown));
}

/// `set_maxsize()` wakes a thread blocked in `put()` although a putter task has a panicking waker.
fn set_maxsize_wakes_a_blocked_putter_despite_a_panicking_waker<F: Family>() {
    silence_injected_panics();
    let q = new_q::<F, i32>(1);
    q.put(0).unwrap();
    let bomb = Bomb::new();
    let mut put = q.put_async(1);
    assert!(poll_bomb(&mut put, &bomb).is_pending());
    thread::scope(|s| {
        let _unblock = OnFailure(|| q.shutdown());
        let (tx, rx) = mpsc::channel();
        let q = &q;
        s.spawn(move || {
            let _ = tx.send(q.put(2));
        });
        thread::sleep(FALL_ASLEEP);
        // Room for both waiting puts.
        tolerate_waker_panic(|| q.set_maxsize(3));
        let put = recv_within(
            &rx,
            WAKE_LIMIT,
            "the thread blocked in put() (a task's waker panicked in set_maxsize)",
        );
        assert!(matches!(put, Ok(())), "expected Ok(()), got {put:?}");
    });
    assert_eq!(bomb.wakes(), 1, "the task was woken too");
    assert!(matches!(poll_once(&mut put, &Probe::new()), Poll::Ready(Ok(()))));
    assert_eq!(q.qsize(), 3);
}

/// The last `task_done()` wakes a thread blocked in `join()` although a `join_async` task has a
/// panicking waker.
fn last_task_done_wakes_a_blocked_joiner_despite_a_panicking_waker<F: Family>() {
    silence_injected_panics();
    let q = new_q::<F, i32>(0);
    q.put(0).unwrap();
    let bomb = Bomb::new();
    let mut join = q.join_async();
    assert!(poll_bomb(&mut join, &bomb).is_pending());
    assert_eq!(q.get(), Ok(0));
    thread::scope(|s| {
        // On failure: one more task, done at once, notifies the joiners again.
        let _unblock = OnFailure(|| {
            let _ = q.put(1);
            let _ = q.get_nowait();
            let _ = q.task_done();
        });
        let (tx, rx) = mpsc::channel();
        let q = &q;
        s.spawn(move || {
            q.join();
            let _ = tx.send(());
        });
        thread::sleep(FALL_ASLEEP);
        tolerate_waker_panic(|| {
            let _ = q.task_done();
        });
        assert_eq!(q.unfinished_tasks(), 0, "task_done counted the task");
        recv_within(&rx, WAKE_LIMIT, "the thread blocked in join() (a task's waker panicked in task_done)");
    });
    assert_eq!(bomb.wakes(), 1, "the task was woken too");
    assert_eq!(poll_once(&mut join, &Probe::new()), Poll::Ready(()));
}

// ---------------------------------------------------------------------------------------------
// The other tasks are still woken.
// ---------------------------------------------------------------------------------------------

/// `shutdown()` with two getter tasks registered, the first with a panicking waker: the second is
/// still woken (today the panic drops its waker unwoken).
fn shutdown_wakes_the_next_task_after_a_panicking_waker<F: Family>() {
    silence_injected_panics();
    let q = new_q::<F, i32>(0);
    let (bomb, probe) = (Bomb::new(), Probe::new());
    let mut first = q.get_async();
    let mut second = q.get_async();
    assert!(poll_bomb(&mut first, &bomb).is_pending());
    assert!(poll_once(&mut second, &probe).is_pending());
    tolerate_waker_panic(|| q.shutdown());
    assert_eq!(bomb.wakes(), 1, "the first task was woken");
    assert_eq!(probe.wakes(), 1, "the second task was not woken (the first task's waker panicked)");
    assert_eq!(poll_once(&mut second, &probe), Poll::Ready(Err(GetError::ShutDown)));
    assert_eq!(poll_once(&mut first, &Probe::new()), Poll::Ready(Err(GetError::ShutDown)));
}

/// `set_maxsize()` with two putter tasks registered on a full queue, the first with a panicking
/// waker: the second is still woken, and both puts then fit.
fn set_maxsize_wakes_the_next_task_after_a_panicking_waker<F: Family>() {
    silence_injected_panics();
    let q = new_q::<F, i32>(1);
    q.put(0).unwrap();
    let (bomb, probe) = (Bomb::new(), Probe::new());
    let mut first = q.put_async(1);
    let mut second = q.put_async(2);
    assert!(poll_bomb(&mut first, &bomb).is_pending());
    assert!(poll_once(&mut second, &probe).is_pending());
    tolerate_waker_panic(|| q.set_maxsize(3));
    assert_eq!(bomb.wakes(), 1, "the first task was woken");
    assert_eq!(probe.wakes(), 1, "the second task was not woken (the first task's waker panicked)");
    assert!(matches!(poll_once(&mut second, &probe), Poll::Ready(Ok(()))));
    assert!(matches!(poll_once(&mut first, &Probe::new()), Poll::Ready(Ok(()))));
    assert_eq!(q.qsize(), 3);
}

// ---------------------------------------------------------------------------------------------
// A get that took its item returns it.
// ---------------------------------------------------------------------------------------------

/// On a full `maxsize = 1` queue with a putter task registered whose waker panics, `take` (a get)
/// takes the item and wakes the putter: it must return the item, not drop it in the unwind.
fn a_get_keeps_its_item_when_a_putter_waker_panics<F: Family>(
    take: fn(&Q<F, Tracked>) -> Result<Tracked, GetError>,
    what: &str,
) {
    silence_injected_panics();
    let log = DropLog::new(2);
    let q = new_q::<F, Tracked>(1);
    q.put(log.item(0)).unwrap();
    let bomb = Bomb::new();
    let mut put = q.put_async(log.item(1));
    assert!(poll_bomb(&mut put, &bomb).is_pending());
    let got = catch_unwind(AssertUnwindSafe(|| take(&q)));
    assert_eq!(
        log.drops(0),
        0,
        "{what}: the taken item was dropped (the putter's waker panicked after the take)"
    );
    let item = match got {
        Ok(Ok(item)) => item,
        Ok(Err(e)) => panic!("{what}: expected the item, got Err({e:?})"),
        Err(_) => panic!("{what}: panicked (the putter's waker) instead of returning the item"),
    };
    assert_eq!(item.id, 0);
    assert_eq!(bomb.wakes(), 1, "{what}: the putter task was woken");
    // The woken put completes into the slot the get freed.
    assert!(matches!(poll_once(&mut put, &Probe::new()), Poll::Ready(Ok(()))));
    drop(put);
    assert_eq!(q.get_nowait().map(|i| i.id), Ok(1));
    drop(item);
    drop(q);
    log.assert_each(0..2, 1, what);
}

fn get_nowait_keeps_its_item_when_a_putter_waker_panics<F: Family>() {
    a_get_keeps_its_item_when_a_putter_waker_panics::<F>(|q| q.get_nowait(), "get_nowait");
}

fn get_keeps_its_item_when_a_putter_waker_panics<F: Family>() {
    a_get_keeps_its_item_when_a_putter_waker_panics::<F>(|q| q.get(), "get");
}

/// A put wakes one waiter; when the task it picks has a panicking waker, the wake-up goes on to
/// the thread blocked in `get()` instead of being lost with the panic.
fn a_put_wakes_a_blocked_getter_after_a_panicking_waker<F: Family>() {
    silence_injected_panics();
    let q = new_q::<F, i32>(0);
    let bomb = Bomb::new();
    let mut get = q.get_async();
    assert!(poll_bomb(&mut get, &bomb).is_pending());
    thread::scope(|s| {
        let _unblock = OnFailure(|| q.shutdown());
        let (tx, rx) = mpsc::channel();
        let q = &q;
        s.spawn(move || {
            let _ = tx.send(q.get());
        });
        thread::sleep(FALL_ASLEEP);
        tolerate_waker_panic(|| q.put(5).unwrap());
        let got =
            recv_within(&rx, WAKE_LIMIT, "the thread blocked in get() (the task's waker panicked in put)");
        assert_eq!(got, Ok(5));
    });
    assert_eq!(bomb.wakes(), 1, "the task was tried first");
    assert_eq!(poll_once(&mut get, &Probe::new()), Poll::Pending);
}

for_each_kind!(
    a_put_wakes_a_blocked_getter_after_a_panicking_waker,
    shutdown_wakes_a_blocked_getter_despite_a_panicking_waker,
    shutdown_wakes_a_blocked_putter_despite_a_panicking_waker,
    set_maxsize_wakes_a_blocked_putter_despite_a_panicking_waker,
    last_task_done_wakes_a_blocked_joiner_despite_a_panicking_waker,
    shutdown_wakes_the_next_task_after_a_panicking_waker,
    set_maxsize_wakes_the_next_task_after_a_panicking_waker,
    get_nowait_keeps_its_item_when_a_putter_waker_panics,
    get_keeps_its_item_when_a_putter_waker_panics,
);
