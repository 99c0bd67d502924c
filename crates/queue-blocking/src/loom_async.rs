//! Loom models of the async side: tasks waiting at the same events as threads (event/tasks.rs,
//! futures.rs). Run with `ci/loom.sh`. Each model runs over both engines, as in `loom_tests.rs`:
//! `async_store::*` (`Inner` over a locked deque, through `Custom`) and `async_fifo::*` (`Fifo`
//! over the segmented core). A task blocks in `loom::future::block_on`, whose waker is a loom
//! notification, so a lost wake-up shows up as a loom deadlock. The racing operations run on
//! spawned threads (a model whose main thread races can be explored too narrowly, see
//! docs/verification.md).

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use queue_core::{RawQueue, SegmentedQueue};

use crate::blocking::BlockingQueue;
use crate::container::{Container, Custom};
use crate::engine::Engine;
use crate::error::GetError;
use crate::loom_tests::Locked;

/// The two containers the models run over.
trait Model: Container<u32, Engine: Send + Sync> + RawQueue<u32> + Send + Sync + 'static {}
impl Model for Custom<Locked<u32>> {}
impl Model for SegmentedQueue<u32> {}

macro_rules! both_engines {
    ($($model:ident),* $(,)?) => {
        mod async_store {
            $(
                #[test]
                fn $model() {
                    super::$model::<crate::container::Custom<crate::loom_tests::Locked<u32>>>();
                }
            )*
        }
        mod async_fifo {
            $(
                #[test]
                fn $model() {
                    super::$model::<queue_core::SegmentedQueue<u32>>();
                }
            )*
        }
    };
}

both_engines!(
    put_races_get_async_registration,
    cancelled_get_async_races_put,
    shutdown_wakes_async_waiters,
    join_async_races_task_done,
    task_and_thread_both_served,
);

fn queue<C: Model>(maxsize: usize) -> Arc<BlockingQueue<u32, C>> {
    Arc::new(BlockingQueue::new(maxsize))
}

/// A put races a task registering its waker: the task is woken (or sees the item) and gets it.
fn put_races_get_async_registration<C: Model>() {
    loom::model(|| {
        let q = queue::<C>(0);
        let (q1, q2) = (q.clone(), q.clone());
        let getter = thread::spawn(move || block_on(q1.get_async()));
        let putter = thread::spawn(move || q2.put(1).unwrap());
        putter.join().unwrap();
        assert_eq!(getter.join().unwrap(), Ok(1));
    });
}

/// A task polls its get once and drops it, racing a put, while a second task waits: if the first
/// took no item, the second gets it, whether or not the dropped one had swallowed the wake-up.
fn cancelled_get_async_races_put<C: Model>() {
    loom::model(|| {
        let q = queue::<C>(0);
        let (q1, q2, q3) = (q.clone(), q.clone(), q.clone());
        let cancelled = thread::spawn(move || {
            let mut get = pin!(q1.get_async());
            match get.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(got) => Some(got.unwrap()),
                Poll::Pending => None,
            }
            // `get` is dropped here, registered or not.
        });
        let waiting = thread::spawn(move || block_on(q2.get_async()));
        let putter = thread::spawn(move || q3.put(1).unwrap());
        putter.join().unwrap();
        if cancelled.join().unwrap() == Some(1) {
            // The item is gone: only shutdown can end the other wait.
            q.shutdown();
            assert_eq!(waiting.join().unwrap(), Err(GetError::ShutDown));
        } else {
            assert_eq!(waiting.join().unwrap(), Ok(1));
        }
        assert_eq!(q.qsize(), 0);
    });
}

/// Shutdown wakes a task waiting to get from an empty queue and one waiting to put into a full
/// one; the putter gets its item back.
fn shutdown_wakes_async_waiters<C: Model>() {
    loom::model(|| {
        let q = queue::<C>(1);
        q.put(0).unwrap();
        let empty = queue::<C>(0);
        let (q1, e1, q2, e2) = (q.clone(), empty.clone(), q.clone(), empty.clone());
        let putter = thread::spawn(move || block_on(q1.put_async(7)));
        let getter = thread::spawn(move || block_on(e1.get_async()));
        let closer = thread::spawn(move || {
            q2.shutdown();
            e2.shutdown();
        });
        closer.join().unwrap();
        assert_eq!(putter.join().unwrap().unwrap_err().into_inner(), 7);
        assert_eq!(getter.join().unwrap(), Err(GetError::ShutDown));
        assert_eq!(q.get_nowait(), Ok(0));
    });
}

/// `join_async` races the `task_done` that finishes the last task: it completes, and only then.
fn join_async_races_task_done<C: Model>() {
    loom::model(|| {
        let q = queue::<C>(0);
        q.put(1).unwrap();
        let (q1, q2) = (q.clone(), q.clone());
        let joiner = thread::spawn(move || {
            block_on(q1.join_async());
            q1.engine.all_tasks_done()
        });
        let worker = thread::spawn(move || {
            q2.get().unwrap();
            q2.task_done().unwrap();
        });
        worker.join().unwrap();
        assert!(joiner.join().unwrap(), "join_async completed before the last task_done");
    });
}

/// A task in `get_async` and a thread blocked in `get` on one queue: two puts serve both.
fn task_and_thread_both_served<C: Model>() {
    loom::model(|| {
        let q = queue::<C>(0);
        let (q1, q2, q3) = (q.clone(), q.clone(), q.clone());
        let task = thread::spawn(move || block_on(q1.get_async()).unwrap());
        let blocked = thread::spawn(move || q2.get().unwrap());
        let putter = thread::spawn(move || {
            q3.put(1).unwrap();
            q3.put(2).unwrap();
        });
        putter.join().unwrap();
        let mut got = [task.join().unwrap(), blocked.join().unwrap()];
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

/// The waker slot (event/slot.rs), once over one engine (the slot is the event's, not the
/// container's): a task polls its get with one waker, then waits with another, while a put
/// races both polls. The notification must reach the second waker, or be seen by the re-check,
/// whichever way the put falls: before the first poll, between the two (the first waker is taken
/// and the second poll finds the task woken), or after the second (the waker was replaced).
#[test]
fn slot_waker_replaced_races_put() {
    loom::model(|| {
        let q = queue::<SegmentedQueue<u32>>(0);
        let (q1, q2) = (q.clone(), q.clone());
        let getter = thread::spawn(move || {
            let mut get = Box::pin(q1.get_async());
            if let Poll::Ready(got) = get.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                return got;
            }
            block_on(get)
        });
        let putter = thread::spawn(move || q2.put(1).unwrap());
        putter.join().unwrap();
        assert_eq!(getter.join().unwrap(), Ok(1));
        assert_eq!(q.engine.not_empty().waiters_for_tests(), 0, "the task left the slot uncounted");
    });
}
