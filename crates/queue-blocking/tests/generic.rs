//! `BlockingQueue` over a user container (Python's subclass that overrides `_put`/`_get`), the
//! constructors that say what they mean, and the bounds: methods that only read or change state
//! ask nothing of `T`.

mod common;

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

use common::*;
use queue_blocking::{
    BlockingQueue, Container, Custom, GetError, LifoQueue, MsQueue, PriorityQueue, Queue, RawQueue,
};

/// A user container: a locked deque that hands out the *newest* item at odd pops and the oldest
/// at even ones.
#[derive(Default)]
struct Zigzag {
    items: Mutex<VecDeque<Tracked>>,
    pops: AtomicUsize,
}

impl RawQueue<Tracked> for Zigzag {
    fn push(&self, item: Tracked) {
        self.items.lock().unwrap().push_back(item);
    }
    fn pop(&self) -> Option<Tracked> {
        let mut items = self.items.lock().unwrap();
        let odd = self.pops.fetch_add(1, SeqCst) % 2 == 1;
        if odd { items.pop_back() } else { items.pop_front() }
    }
    fn is_empty(&self) -> bool {
        self.items.lock().unwrap().is_empty()
    }
}

type ZigzagQueue = BlockingQueue<Tracked, Custom<Zigzag>>;

#[test]
fn a_user_container_decides_the_order_and_the_queue_does_the_rest() {
    let log = DropLog::new(8);
    let q = ZigzagQueue::bounded(4);
    for id in 0..4 {
        q.put(log.item(id)).unwrap();
    }
    // Bounded by the queue, not by the container.
    assert!(q.full());
    let rejected = q.put_timeout(log.item(4), Duration::from_millis(1)).unwrap_err();
    assert!(rejected.is_full());
    assert_eq!(rejected.into_inner().id, 4);
    // The container's order: oldest, newest, oldest, newest.
    let order: Vec<usize> = (0..4).map(|_| q.get().unwrap().id).collect();
    assert_eq!(order, [0, 3, 1, 2]);
    assert_eq!(q.get_nowait().unwrap_err(), GetError::Empty);
    // Task tracking and shutdown are the queue's.
    assert_eq!(q.unfinished_tasks(), 4);
    for _ in 0..4 {
        q.task_done().unwrap();
    }
    assert!(q.task_done().is_err());
    q.put(log.item(5)).unwrap();
    q.put(log.item(6)).unwrap();
    q.shutdown();
    assert!(q.put(log.item(7)).unwrap_err().is_shutdown());
    let drained: Vec<usize> = q.shutdown_immediate().into_iter().map(|t| t.id).collect();
    assert_eq!(drained, [5, 6]);
    drop(q);
    log.assert_each(0..8, 1, "user container");
}

#[test]
fn a_user_container_is_popped_only_when_an_item_is_there() {
    #[derive(Default)]
    struct Strict(Mutex<VecDeque<u32>>);
    impl RawQueue<u32> for Strict {
        fn push(&self, item: u32) {
            self.0.lock().unwrap().push_back(item);
        }
        fn pop(&self) -> Option<u32> {
            let item = self.0.lock().unwrap().pop_front();
            assert!(item.is_some(), "the queue popped an empty container");
            item
        }
        fn is_empty(&self) -> bool {
            self.0.lock().unwrap().is_empty()
        }
    }
    run("user_container_blocking", || {
        let q: BlockingQueue<u32, Custom<Strict>> = BlockingQueue::bounded(2);
        let total: u32 = thread::scope(|s| {
            let consumers: Vec<_> = (0..2).map(|_| s.spawn(|| q.iter().sum::<u32>())).collect();
            for i in 0..2_000 {
                q.put(i).unwrap();
            }
            q.shutdown();
            consumers.into_iter().map(|c| c.join().unwrap()).sum()
        });
        assert_eq!(total, (0..2_000).sum());
    });
}

/// Compiles only if these methods ask nothing of `T` beyond the container: `NoOrd` has no
/// `Ord`, yet a generic function over any container can observe and shut down the queue.
fn observe<T, C: Container<T>>(q: &BlockingQueue<T, C>) -> String {
    let _ = (q.qsize(), q.maxsize(), q.capacity(), q.empty(), q.full(), q.unfinished_tasks());
    let _ = q.join_timeout(Duration::ZERO);
    q.shutdown();
    format!("{q:?}")
}

/// Compiles only if a `PriorityQueue`'s state methods and `Debug` ask nothing of `T` (when the
/// three kinds were made by a macro, `T: Ord` sat on all of them).
fn priority_state<T>(q: &PriorityQueue<T>) -> (usize, bool, String) {
    (q.qsize(), q.is_shutdown(), format!("{q:?}"))
}

#[test]
fn state_methods_need_no_ord() {
    #[derive(Debug)]
    struct NoOrd;
    let q: BlockingQueue<NoOrd, MsQueue<NoOrd>> = BlockingQueue::bounded(3);
    q.put(NoOrd).unwrap();
    let debug = observe(&q);
    assert!(debug.contains("qsize: 1") && debug.contains("is_shutdown: true"), "{debug}");
    let pq = PriorityQueue::<u8>::unbounded();
    pq.put(3).unwrap();
    assert_eq!(&priority_state(&pq).0, &1);
    assert!(observe(&pq).starts_with("PriorityQueue"));
    assert!(observe(&LifoQueue::<u8>::unbounded()).starts_with("LifoQueue"));
    assert!(observe(&Queue::<u8>::unbounded()).starts_with("Queue"));
}

#[test]
fn constructors_say_what_they_mean() {
    let q = Queue::<u8>::bounded(2);
    assert_eq!((q.maxsize(), q.capacity()), (2, Some(2)));
    let q = Queue::<u8>::unbounded();
    assert_eq!((q.maxsize(), q.capacity()), (0, None));
    // Python's meaning of 0 is kept by `new`.
    assert_eq!(Queue::<u8>::new(0).capacity(), None);
    let default: LifoQueue<u8> = Default::default();
    assert_eq!(default.capacity(), None);
    // set_maxsize moves capacity with it.
    let q = Queue::<u8>::bounded(2);
    q.set_maxsize(0);
    assert_eq!(q.capacity(), None);
    let zero = std::panic::catch_unwind(|| Queue::<u8>::bounded(0)).unwrap_err();
    let msg = zero.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("bounded(0)"), "{msg}");
}

#[test]
fn the_textbook_core_runs_the_same_protocol() {
    let q: BlockingQueue<u32, MsQueue<u32>> = BlockingQueue::bounded(1);
    q.put(1).unwrap();
    assert!(q.put_nowait(2).unwrap_err().is_full());
    assert_eq!(q.get(), Ok(1));
    q.shutdown();
    assert_eq!(q.get(), Err(GetError::ShutDown));
}
