//! Finding R7 of issue 19: wakers were cloned and dropped while the event's waker list was
//! locked, so a waker whose `clone` or `drop` calls back into the same queue (a put, which wakes a
//! task and so takes that lock) deadlocked. Wakers are now cloned before the lock is taken and
//! dropped after it is released.
//!
//! The wakers here are hand-built (`RawWaker`) so that their clone and drop can run code; each
//! hook fires once, when armed, and puts an item into the queue under test.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;

use common::exec::Probe;
use common::run_with_limit;
use queue_blocking::Queue;

/// A lock that is never released shows up as a hang: fail it well before the global watchdog.
const LIMIT: Duration = Duration::from_secs(20);

/// What a hook does when it fires: put an item into the queue.
struct Hook {
    queue: Arc<Queue<u32>>,
    item: u32,
    on_clone: AtomicBool,
    on_drop: AtomicBool,
    /// What the hook's put returned, for the test to check that it ran.
    fired: Mutex<Vec<&'static str>>,
}

impl Hook {
    fn new(queue: &Arc<Queue<u32>>, item: u32) -> Arc<Self> {
        Arc::new(Self {
            queue: Arc::clone(queue),
            item,
            on_clone: AtomicBool::new(false),
            on_drop: AtomicBool::new(false),
            fired: Mutex::new(Vec::new()),
        })
    }

    fn fire(&self, armed: &AtomicBool, what: &'static str) {
        if armed.swap(false, SeqCst) {
            self.queue.put_nowait(self.item).unwrap();
            self.fired.lock().unwrap().push(what);
        }
    }

    fn waker(self: &Arc<Self>) -> Waker {
        // SAFETY: the vtable below treats the data pointer as an `Arc<Hook>` it owns one count of.
        unsafe { Waker::from_raw(raw(Arc::into_raw(Arc::clone(self)))) }
    }
}

fn raw(hook: *const Hook) -> RawWaker {
    RawWaker::new(hook.cast(), &VTABLE)
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

unsafe fn clone(data: *const ()) -> RawWaker {
    let hook = data.cast::<Hook>();
    // SAFETY: `data` holds one count of an `Arc<Hook>` (see `Hook::waker`); we add one.
    unsafe { Arc::increment_strong_count(hook) };
    // SAFETY: the count just added keeps the hook alive for this call.
    let hook_ref = unsafe { &*hook };
    hook_ref.fire(&hook_ref.on_clone, "clone");
    raw(hook)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: waking by value consumes the waker's count.
    unsafe { drop_waker(data) };
}

unsafe fn wake_by_ref(_: *const ()) {}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: `data` holds one count of an `Arc<Hook>`, which this drop gives back.
    let hook = unsafe { Arc::from_raw(data.cast::<Hook>()) };
    hook.fire(&hook.on_drop, "drop");
}

fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// A task re-polled with another waker replaces its stored one; the old one's drop puts an item,
/// which wakes the task and so takes the waker list's lock.
#[test]
fn a_waker_dropped_by_registration_may_put() {
    run_with_limit("a_waker_dropped_by_registration_may_put", LIMIT, || {
        let q = Arc::new(Queue::unbounded());
        let hook = Hook::new(&q, 7);
        let mut get = Box::pin(q.get_async());
        assert!(poll(&mut get, &hook.waker()).is_pending());
        // The stored clone is the only one left; the next registration replaces and drops it.
        hook.on_drop.store(true, SeqCst);
        let probe = Probe::new();
        let polled = poll(&mut get, &probe.waker());
        assert_eq!(*hook.fired.lock().unwrap(), ["drop"], "the hook did not run");
        // The hook's item was put while the task was registered: this poll, or the next one
        // after the wake-up, returns it.
        let got = match polled {
            Poll::Ready(got) => got,
            Poll::Pending => {
                assert!(probe.wakes() >= 1, "the put did not wake the task");
                match poll(&mut get, &probe.waker()) {
                    Poll::Ready(got) => got,
                    Poll::Pending => panic!("woken, yet the item is not there"),
                }
            }
        };
        assert_eq!(got, Ok(7));
    });
}

/// A task registering for the first time clones its waker; the clone puts an item, which wakes
/// another registered task and so takes the waker list's lock.
#[test]
fn a_waker_cloned_by_registration_may_put() {
    run_with_limit("a_waker_cloned_by_registration_may_put", LIMIT, || {
        let q = Arc::new(Queue::unbounded());
        let other = Probe::new();
        let mut first = Box::pin(q.get_async());
        assert!(poll(&mut first, &other.waker()).is_pending());
        let hook = Hook::new(&q, 8);
        let waker = hook.waker();
        hook.on_clone.store(true, SeqCst);
        let mut second = Box::pin(q.get_async());
        let polled = poll(&mut second, &waker);
        assert_eq!(*hook.fired.lock().unwrap(), ["clone"], "the hook did not run");
        assert_eq!(other.wakes(), 1, "the hook's put did not wake the first task");
        // The item went to whichever get polled first after the put: this one, which re-checks
        // after registering, or the woken first one.
        let got = match polled {
            Poll::Ready(got) => got,
            Poll::Pending => match poll(&mut first, &other.waker()) {
                Poll::Ready(got) => got,
                Poll::Pending => panic!("the item is in neither get"),
            },
        };
        assert_eq!(got, Ok(8));
        assert!(q.is_empty());
    });
}
