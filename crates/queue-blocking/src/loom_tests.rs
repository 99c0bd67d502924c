//! Loom models of the blocking protocol. Run with `ci/loom.sh`.
//!
//! Each protocol model runs twice: over the `Store` engine of `LifoQueue`/`PriorityQueue` with a
//! `Mutex<VecDeque>` back end, which keeps the state space small (the lock-free structures have
//! their own models in queue-core), and over the `Fifo` engine of `Queue`/`SimpleQueue` with the
//! real segmented core (two slots per segment under loom, so the models cross segment
//! boundaries). A few models only make sense for one engine. Sleeping goes through the futex stand-in (`futex/loom_clock.rs`), so a lost
//! wake-up shows up as a loom deadlock, and timeouts use its virtual clock, advanced by a "timer"
//! thread so loom tries a timeout at every point of the race.

use std::collections::VecDeque;
use std::time::Duration;

use loom::sync::{Arc, Mutex};
use loom::thread;
use queue_core::RawQueue;

use crate::error::{GetError, PutError, TaskDoneError};
use crate::fifo::Fifo;
use crate::futex::loom_clock::advance;
use crate::queue::Inner;
use crate::time::Deadline;

pub(crate) struct Locked<T>(Mutex<VecDeque<T>>);

impl<T> Default for Locked<T> {
    fn default() -> Self {
        Self(Mutex::new(VecDeque::new()))
    }
}

impl<T> RawQueue<T> for Locked<T> {
    fn push(&self, item: T) {
        self.0.lock().unwrap().push_back(item);
    }
    fn pop(&self) -> Option<T> {
        self.0.lock().unwrap().pop_front()
    }
    fn is_empty(&self) -> bool {
        self.0.lock().unwrap().is_empty()
    }
}

/// What the models need of an engine; both engines have these methods under the same names.
trait Engine: Send + Sync + 'static {
    fn new(maxsize: usize) -> Self;
    fn put(&self, item: u32, deadline: Deadline) -> Result<(), PutError<u32>>;
    fn get(&self, deadline: Deadline) -> Result<u32, GetError>;
    fn try_get(&self) -> Option<u32>;
    fn len(&self) -> usize;
    fn is_full(&self) -> bool;
    fn unfinished_tasks(&self) -> usize;
    fn task_done(&self) -> Result<(), TaskDoneError>;
    fn join(&self, deadline: Deadline) -> bool;
    fn shutdown(&self);
    fn shutdown_immediate(&self) -> Vec<u32>;
}

macro_rules! engine {
    ($ty:ty, $container:ty) => {
        impl Engine for $ty {
            fn new(maxsize: usize) -> Self {
                <$ty>::new(maxsize)
            }
            fn put(&self, item: u32, deadline: Deadline) -> Result<(), PutError<u32>> {
                <$ty as crate::engine::Engine<u32, $container>>::put(self, item, deadline)
            }
            fn get(&self, deadline: Deadline) -> Result<u32, GetError> {
                <$ty as crate::engine::Engine<u32, $container>>::get(self, deadline)
            }
            fn try_get(&self) -> Option<u32> {
                <$ty as crate::engine::Engine<u32, $container>>::try_get(self)
            }
            fn len(&self) -> usize {
                <$ty as crate::engine::Engine<u32, $container>>::len(self)
            }
            fn is_full(&self) -> bool {
                <$ty as crate::engine::Engine<u32, $container>>::is_full(self)
            }
            fn unfinished_tasks(&self) -> usize {
                <$ty as crate::engine::Engine<u32, $container>>::unfinished_tasks(self)
            }
            fn task_done(&self) -> Result<(), TaskDoneError> {
                <$ty as crate::engine::Engine<u32, $container>>::task_done(self)
            }
            fn join(&self, deadline: Deadline) -> bool {
                <$ty as crate::engine::Engine<u32, $container>>::join(self, deadline)
            }
            fn shutdown(&self) {
                <$ty as crate::engine::Engine<u32, $container>>::shutdown(self)
            }
            fn shutdown_immediate(&self) -> Vec<u32> {
                <$ty as crate::engine::Engine<u32, $container>>::shutdown_immediate(self)
            }
        }
    };
}

engine!(Inner<u32, Locked<u32>>, Locked<u32>);
engine!(Fifo<u32>, queue_core::SegmentedQueue<u32>);

/// Runs each named generic model over both engines: `store::NAME` and `fifo::NAME`.
macro_rules! both_engines {
    ($($model:ident),* $(,)?) => {
        mod store {
            $(
                #[test]
                fn $model() {
                    super::$model::<crate::queue::Inner<u32, super::Locked<u32>>>();
                }
            )*
        }
        mod fifo {
            $(
                #[test]
                fn $model() {
                    super::$model::<crate::fifo::Fifo<u32>>();
                }
            )*
        }
    };
}

both_engines!(
    put_wakes_blocked_get,
    get_wakes_blocked_put,
    timeout_races_wake,
    shutdown_wakes_blocked_get,
    shutdown_wakes_blocked_put,
    shutdown_immediate_races_put,
    shutdown_races_put_and_blocked_get,
    task_done_wakes_join,
    join_timeout_races_task_done,
    two_sleeping_getters_both_served,
    two_sleeping_putters_both_served,
    task_done_from_two_consumers,
);

fn never() -> Deadline {
    Deadline::never()
}

/// A blocked get is woken by a put and gets its item.
fn put_wakes_blocked_get<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(0));
        let q2 = q.clone();
        let t = thread::spawn(move || q2.put(1, never()).unwrap());
        assert_eq!(q.get(never()), Ok(1));
        t.join().unwrap();
    });
}

/// A put blocked on a full bounded queue is woken by a get; nothing is lost, order is kept.
fn get_wakes_blocked_put<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(1));
        q.put(1, never()).unwrap();
        let q2 = q.clone();
        let t = thread::spawn(move || q2.put(2, never()).unwrap());
        assert_eq!(q.get(never()), Ok(1));
        assert_eq!(q.get(never()), Ok(2));
        t.join().unwrap();
        assert!(q.len() == 0 && !q.is_full());
    });
}

/// A timed get races a put and a timer: it gets the item or reports `Empty`, and in the second case
/// the item is still there for the next get.
fn timeout_races_wake<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(0));
        let q2 = q.clone();
        let putter = thread::spawn(move || q2.put(1, never()).unwrap());
        let timer = thread::spawn(|| advance(10));
        let got = q.get(Deadline::after(Duration::from_millis(5)));
        putter.join().unwrap();
        timer.join().unwrap();
        match got {
            Ok(item) => assert_eq!(item, 1),
            Err(GetError::Empty) => assert_eq!(q.try_get(), Some(1)),
            Err(e) => panic!("unexpected {e:?}"),
        }
        assert_eq!(q.try_get(), None);
    });
}

/// `shutdown` wakes a get blocked on an empty queue, which then fails with `ShutDown`.
fn shutdown_wakes_blocked_get<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(0));
        let q2 = q.clone();
        let t = thread::spawn(move || q2.shutdown());
        assert_eq!(q.get(never()), Err(GetError::ShutDown));
        t.join().unwrap();
    });
}

/// `shutdown` wakes a put blocked on a full queue, which fails with `ShutDown` and returns its item.
fn shutdown_wakes_blocked_put<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(1));
        q.put(1, never()).unwrap();
        let q2 = q.clone();
        let t = thread::spawn(move || q2.shutdown());
        match q.put(2, never()) {
            Err(PutError::ShutDown(2)) => {}
            other => panic!("unexpected {other:?}"),
        }
        t.join().unwrap();
        // The item inside can still be drained, then the queue reports ShutDown.
        assert_eq!(q.get(never()), Ok(1));
        assert_eq!(q.get(never()), Err(GetError::ShutDown));
    });
}

/// A put racing `shutdown_immediate` either fails with `ShutDown(item)` or its item is among the
/// drained ones; never stranded inside, never lost. The task count follows.
fn shutdown_immediate_races_put<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(0));
        let q2 = q.clone();
        let t = thread::spawn(move || q2.put(7, never()));
        let drained = q.shutdown_immediate();
        let put = t.join().unwrap();
        match put {
            Ok(()) => assert_eq!(drained, vec![7]),
            Err(PutError::ShutDown(7)) => assert!(drained.is_empty()),
            Err(e) => panic!("unexpected {e:?}"),
        }
        assert_eq!(q.try_get(), None);
        assert_eq!(q.unfinished_tasks(), 0);
        assert_eq!(q.get(never()), Err(GetError::ShutDown));
    });
}

/// A get blocked on an empty queue while a put is publishing and a shutdown arrives: the get either
/// receives the item or `ShutDown`, and in the second case the put must have failed.
fn shutdown_races_put_and_blocked_get<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(0));
        let (q2, q3) = (q.clone(), q.clone());
        let putter = thread::spawn(move || q2.put(1, never()));
        let stopper = thread::spawn(move || q3.shutdown());
        let got = q.get(never());
        let put = putter.join().unwrap();
        stopper.join().unwrap();
        match (got, put) {
            (Ok(1), Ok(())) => {}
            (Err(GetError::ShutDown), Err(PutError::ShutDown(1))) => {}
            other => panic!("item stranded or lost: {other:?}"),
        }
    });
}

/// `task_done` bringing the count to zero wakes a joiner.
fn task_done_wakes_join<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(0));
        q.put(1, never()).unwrap();
        let q2 = q.clone();
        let worker = thread::spawn(move || {
            assert_eq!(q2.get(never()), Ok(1));
            q2.task_done().unwrap();
        });
        assert!(q.join(never()));
        assert_eq!(q.unfinished_tasks(), 0);
        worker.join().unwrap();
        assert!(q.task_done().is_err());
    });
}

/// A timed join races `task_done` and a timer: it reports done only when the count is zero.
fn join_timeout_races_task_done<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(0));
        q.put(1, never()).unwrap();
        assert_eq!(q.try_get(), Some(1));
        let q2 = q.clone();
        let worker = thread::spawn(move || q2.task_done().unwrap());
        let timer = thread::spawn(|| advance(10));
        let done = q.join(Deadline::after(Duration::from_millis(5)));
        worker.join().unwrap();
        timer.join().unwrap();
        assert!(!done || q.unfinished_tasks() == 0);
        assert!(q.join(Deadline::after(Duration::ZERO)));
    });
}

/// End to end through the public `Queue` type: a bounded hand-off in both directions.
#[test]
fn end_to_end_queue() {
    loom::model(|| {
        let q = Arc::new(crate::Queue::new(1));
        let q2 = q.clone();
        let t = thread::spawn(move || {
            q2.put(1).unwrap();
            q2.put(2).unwrap();
        });
        assert_eq!(q.get(), Ok(1));
        assert_eq!(q.get(), Ok(2));
        t.join().unwrap();
    });
}

/// Two getters asleep, two puts: a put that finds the event disarmed (a wake already on its way)
/// skips its wake-up, and the woken getter must pass it on, or the second getter sleeps forever.
fn two_sleeping_getters_both_served<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(0));
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || q.get(never()).unwrap())
            })
            .collect();
        q.put(1, never()).unwrap();
        q.put(2, never()).unwrap();
        let mut got: Vec<u32> = getters.into_iter().map(|t| t.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

/// The same for putters waiting for room in a full bounded queue, woken by gets.
fn two_sleeping_putters_both_served<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(1));
        q.put(0, never()).unwrap();
        let putters: Vec<_> = (1..3)
            .map(|i| {
                let q = q.clone();
                thread::spawn(move || q.put(i, never()).unwrap())
            })
            .collect();
        let mut got: Vec<u32> = (0..3).map(|_| q.get(never()).unwrap()).collect();
        putters.into_iter().for_each(|t| t.join().unwrap());
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2]);
    });
}

/// Two consumers each take an item and call `task_done`, while the producer still puts. Each call
/// must succeed and the count must reach zero: `Fifo::task_done` once paired the other consumer's
/// `done` with a stale tail position and failed (the pair rule in fifo.rs).
fn task_done_from_two_consumers<Q: Engine>() {
    loom::model(|| {
        let q = Arc::new(Q::new(0));
        // The first put happens before both consumers start; only the second races them.
        q.put(1, never()).unwrap();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || {
                    q.get(never()).unwrap();
                    q.task_done()
                })
            })
            .collect();
        q.put(2, never()).unwrap();
        for consumer in consumers {
            assert_eq!(consumer.join().unwrap(), Ok(()));
        }
        assert_eq!(q.unfinished_tasks(), 0);
    });
}

// ---- the `Fifo` engine only: segment boundaries and the position-based task count ----

/// A put that takes a segment's last slot (and so installs the next segment inside its claim)
/// wakes a getter that is registering at the same time; the getter's claim then waits for the
/// link.
#[test]
fn fifo_put_at_boundary_wakes_blocked_get() {
    loom::model(|| {
        let q = Arc::new(Fifo::new(0));
        q.put(0, never()).unwrap();
        assert_eq!(q.try_get(), Some(0));
        let getter = {
            let q = q.clone();
            thread::spawn(move || q.get(never()))
        };
        let putter = {
            let q = q.clone();
            thread::spawn(move || q.put(1, never()))
        };
        putter.join().unwrap().unwrap();
        assert_eq!(getter.join().unwrap(), Ok(1));
        assert_eq!(q.len(), 0);
    });
}

/// `shutdown_immediate` races a put that takes a segment's last slot: the put fails with
/// `ShutDown(item)` or its item is drained; the task count follows either way.
#[test]
fn fifo_shutdown_immediate_races_put_at_boundary() {
    loom::model(|| {
        let q = Arc::new(Fifo::new(0));
        q.put(0, never()).unwrap();
        let putter = {
            let q = q.clone();
            thread::spawn(move || q.put(1, never()))
        };
        let stopper = {
            let q = q.clone();
            thread::spawn(move || q.shutdown_immediate())
        };
        let put = putter.join().unwrap();
        let drained = stopper.join().unwrap();
        match put {
            Ok(()) => assert_eq!(drained, [0, 1]),
            Err(PutError::ShutDown(1)) => assert_eq!(drained, [0]),
            Err(e) => panic!("unexpected {e:?}"),
        }
        assert_eq!(q.unfinished_tasks(), 0);
        assert_eq!(q.get(never()), Err(GetError::ShutDown));
    });
}

/// `task_done` races the put it would account for: it succeeds exactly when the put's claim came
/// first, and `unfinished_tasks` (puts minus done) agrees afterwards.
#[test]
fn fifo_task_done_races_put() {
    loom::model(|| {
        let q = Arc::new(Fifo::new(0));
        let putter = {
            let q = q.clone();
            thread::spawn(move || q.put(1, never()).unwrap())
        };
        let worker = {
            let q = q.clone();
            thread::spawn(move || q.task_done().is_ok())
        };
        putter.join().unwrap();
        let counted = worker.join().unwrap();
        assert_eq!(q.unfinished_tasks(), if counted { 0 } else { 1 });
        assert_eq!(q.join(Deadline::after(Duration::ZERO)), counted);
    });
}
