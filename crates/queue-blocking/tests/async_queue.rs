//! The async methods on every queue kind: threads and tasks on one queue wake each other, cancel
//! safety (a dropped get loses no item and hands its wake-up on; a dropped put drops its item,
//! unput), shutdown and `join_async` wake tasks, the timer forms, and a tokio run mixing tasks
//! and a blocked thread. The by-hand polls use `common::exec` (a waker that counts wake-ups), so
//! each wake-up asserted is deterministic; the tokio runs check conservation under scheduling.

mod common;

use std::collections::BTreeSet;
use std::future::ready;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Poll;
use std::thread;
use std::time::Duration;

use common::exec::{Probe, block_on, poll_once};
use common::*;
use queue_blocking::{GetError, SimpleQueue};

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_time().build().unwrap()
}

/// A task's get is woken by a put, and then returns the item.
fn get_async_is_woken_by_put<F: Family>() {
    let q = new_q::<F, i32>(0);
    let probe = Probe::new();
    let mut get = q.get_async();
    assert!(poll_once(&mut get, &probe).is_pending());
    assert_eq!(probe.wakes(), 0);
    thread::scope(|s| {
        s.spawn(|| q.put(1).unwrap());
    });
    assert_eq!(probe.wakes(), 1, "the put woke the task");
    assert_eq!(poll_once(&mut get, &probe), Poll::Ready(Ok(1)));
}

/// A task's put into a full queue is woken by a get on a thread.
fn put_async_is_woken_by_get<F: Family>() {
    let q = new_q::<F, i32>(1);
    q.put(0).unwrap();
    let probe = Probe::new();
    let mut put = q.put_async(1);
    assert!(poll_once(&mut put, &probe).is_pending());
    thread::scope(|s| {
        s.spawn(|| assert_eq!(q.get(), Ok(0)));
    });
    assert_eq!(probe.wakes(), 1, "the get woke the task");
    assert!(matches!(poll_once(&mut put, &probe), Poll::Ready(Ok(()))));
    assert_eq!(q.get_nowait(), Ok(1));
}

/// A thread blocked in `get()` and a task waiting in `get_async()`: two puts serve both.
fn a_thread_and_a_task_are_both_served<F: Family>() {
    let q = new_q::<F, i32>(0);
    thread::scope(|s| {
        let blocked = s.spawn(|| q.get().unwrap());
        let mut get = q.get_async();
        let probe = Probe::new();
        assert!(poll_once(&mut get, &probe).is_pending());
        let_threads_block();
        q.put(1).unwrap();
        q.put(2).unwrap();
        let by_thread = blocked.join().unwrap();
        // `block_on` parks until woken: a lost wake-up hangs here and the watchdog fails the test.
        let by_task = block_on(get).unwrap();
        assert_eq!(BTreeSet::from([by_thread, by_task]), BTreeSet::from([1, 2]));
    });
}

/// Tasks are woken longest-waiting first, and a dropped get that was woken hands the wake-up to
/// the next task, which gets the item.
fn a_dropped_get_hands_its_wake_up_on<F: Family>() {
    let log = DropLog::new(1);
    let q = new_q::<F, Tracked>(0);
    let (p1, p2) = (Probe::new(), Probe::new());
    let mut first = q.get_async();
    let mut second = q.get_async();
    assert!(poll_once(&mut first, &p1).is_pending());
    assert!(poll_once(&mut second, &p2).is_pending());
    q.put(log.item(0)).unwrap();
    assert_eq!((p1.wakes(), p2.wakes()), (1, 0), "one put wakes one task, the first");
    drop(first);
    assert_eq!(p2.wakes(), 1, "the dropped future handed its wake-up on");
    match poll_once(&mut second, &p2) {
        Poll::Ready(Ok(item)) => assert_eq!(item.id, 0),
        other => panic!("the second get should have the item, got {other:?}"),
    }
    assert_eq!(log.total(), 1, "the item was dropped once, by us");
}

/// A get dropped before it was woken takes nothing with it; the queue serves the next getter.
fn a_dropped_pending_get_loses_nothing<F: Family>() {
    let q = new_q::<F, i32>(0);
    let probe = Probe::new();
    let mut get = q.get_async();
    assert!(poll_once(&mut get, &probe).is_pending());
    drop(get);
    q.put(5).unwrap();
    assert_eq!(probe.wakes(), 0, "a deregistered task is not woken");
    assert_eq!(q.get_nowait(), Ok(5));
}

/// A dropped put drops its item unput and hands its wake-up to the next putter.
fn a_dropped_put_drops_its_item_and_hands_on<F: Family>() {
    let log = DropLog::new(3);
    let q = new_q::<F, Tracked>(1);
    q.put(log.item(0)).unwrap();
    let (p1, p2) = (Probe::new(), Probe::new());
    let mut first = q.put_async(log.item(1));
    let mut second = q.put_async(log.item(2));
    assert!(poll_once(&mut first, &p1).is_pending());
    assert!(poll_once(&mut second, &p2).is_pending());
    assert_eq!(q.get().unwrap().id, 0);
    assert_eq!((p1.wakes(), p2.wakes()), (1, 0));
    drop(first);
    assert_eq!(log.drops(1), 1, "the dropped put's item is dropped, once");
    assert_eq!(p2.wakes(), 1, "and its wake-up went to the next putter");
    assert!(matches!(poll_once(&mut second, &p2), Poll::Ready(Ok(()))));
    assert_eq!(q.get_nowait().unwrap().id, 2);
    assert_eq!(q.qsize(), 0);
    log.assert_each(0..3, 1, "after the run");
}

/// Shutdown wakes every waiting task: getters fail with `ShutDown`, putters get their item back.
fn shutdown_wakes_every_task<F: Family>() {
    let empty = new_q::<F, i32>(0);
    let full = new_q::<F, i32>(1);
    full.put(0).unwrap();
    let probes: Vec<_> = (0..4).map(|_| Probe::new()).collect();
    let mut gets = [empty.get_async(), empty.get_async()];
    let mut puts = [full.put_async(1), full.put_async(2)];
    for (get, probe) in gets.iter_mut().zip(&probes[..2]) {
        assert!(poll_once(get, probe).is_pending());
    }
    for (put, probe) in puts.iter_mut().zip(&probes[2..]) {
        assert!(poll_once(put, probe).is_pending());
    }
    empty.shutdown();
    full.shutdown();
    assert!(probes.iter().all(|p| p.wakes() == 1), "every task woken once");
    for (get, probe) in gets.iter_mut().zip(&probes[..2]) {
        assert_eq!(poll_once(get, probe), Poll::Ready(Err(GetError::ShutDown)));
    }
    for (put, (probe, item)) in puts.iter_mut().zip(probes[2..].iter().zip([1, 2])) {
        match poll_once(put, probe) {
            Poll::Ready(Err(err)) => assert!(err.is_shutdown() && err.into_inner() == item),
            _ => panic!("a put woken by shutdown fails with ShutDown(item)"),
        }
    }
    // A shut-down queue still hands out what is left.
    assert_eq!(block_on(full.get_async()), Ok(0));
    assert_eq!(block_on(full.get_async()), Err(GetError::ShutDown));
}

/// `shutdown_immediate` wakes a waiting getter too.
fn shutdown_immediate_wakes_a_task<F: Family>() {
    let q = new_q::<F, i32>(0);
    let probe = Probe::new();
    let mut get = q.get_async();
    assert!(poll_once(&mut get, &probe).is_pending());
    assert!(q.shutdown_immediate().is_empty());
    assert_eq!(probe.wakes(), 1);
    assert_eq!(poll_once(&mut get, &probe), Poll::Ready(Err(GetError::ShutDown)));
}

/// `join_async` completes when the last task is done, and not before.
fn join_async_waits_for_the_last_task_done<F: Family>() {
    let q = new_q::<F, i32>(0);
    q.put_many([1, 2]).unwrap();
    let probe = Probe::new();
    let mut join = q.join_async();
    assert!(poll_once(&mut join, &probe).is_pending());
    q.get().unwrap();
    q.task_done().unwrap();
    assert!(poll_once(&mut join, &probe).is_pending(), "one task is still unfinished");
    let before = probe.wakes();
    q.get().unwrap();
    q.task_done().unwrap();
    assert!(probe.wakes() > before, "the last task_done woke the joiner");
    assert_eq!(poll_once(&mut join, &probe), Poll::Ready(()));
}

/// The timer forms: a timer that fires gives up with `Empty`/`Full(item)`/`false`, but the queue
/// is re-checked first; an untriggered timer changes nothing.
fn timer_forms<F: Family>() {
    let q = new_q::<F, i32>(1);
    let rt = tokio_rt();
    rt.block_on(async {
        let sleep = || tokio::time::sleep(Duration::from_millis(20));
        assert_eq!(q.get_async_timeout(sleep()).await, Err(GetError::Empty));
        q.put_async_timeout(1, sleep()).await.unwrap();
        let err = q.put_async_timeout(2, sleep()).await.unwrap_err();
        assert!(err.is_full());
        assert_eq!(err.into_inner(), 2);
        assert!(!q.join_async_timeout(sleep()).await);
        // A timer already fired: the queue is still tried once.
        assert_eq!(q.get_async_timeout(ready(())).await, Ok(1));
        q.put_async_timeout(3, ready(())).await.unwrap();
        assert_eq!(q.get_async_timeout(tokio::time::sleep(Duration::from_secs(60))).await, Ok(3));
        q.task_done().unwrap();
        q.task_done().unwrap();
        assert!(q.join_async_timeout(ready(())).await);
    });
}

/// Tokio tasks and a blocked thread on one bounded queue: producers put with `put_async`, two
/// tasks and a thread get; every item arrives exactly once.
fn tokio_tasks_and_a_thread_share_a_queue<F: Family>() {
    const PRODUCERS: usize = 3;
    const PER: usize = 2_000;
    let q = Arc::new(new_q::<F, usize>(8));
    let rt = tokio_rt();
    let thread_sum = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.iter().map(|x| (1, x)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)))
    };
    let (count, sum) = rt.block_on(async {
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                tokio::spawn(async move {
                    let (mut n, mut sum) = (0, 0);
                    while let Ok(x) = q.get_async().await {
                        n += 1;
                        sum += x;
                    }
                    (n, sum)
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let q = Arc::clone(&q);
                tokio::spawn(async move {
                    for i in 0..PER {
                        q.put_async(p * PER + i).await.unwrap();
                    }
                })
            })
            .collect();
        for p in producers {
            p.await.unwrap();
        }
        q.shutdown();
        let mut total = (0, 0);
        for c in consumers {
            let (n, s) = c.await.unwrap();
            total = (total.0 + n, total.1 + s);
        }
        total
    });
    let (tn, ts) = thread_sum.join().unwrap();
    let n = PRODUCERS * PER;
    assert_eq!(count + tn, n, "every item arrived once");
    assert_eq!(sum + ts, n * (n - 1) / 2);
}

/// Gets that are cancelled over and over (short timers racing puts) lose no item.
fn cancelled_gets_lose_nothing<F: Family>() {
    const N: usize = 2_000;
    let log = DropLog::new(N);
    let q = Arc::new(new_q::<F, Tracked>(4));
    let rt = tokio_rt();
    let received = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let (q, received) = (Arc::clone(&q), Arc::clone(&received));
                tokio::spawn(async move {
                    loop {
                        // Mostly times out or is cancelled mid-wait; every item it returns counts.
                        let timer = tokio::task::yield_now();
                        match q.get_async_timeout(timer).await {
                            Ok(item) => {
                                drop(item);
                                received.fetch_add(1, SeqCst);
                            }
                            Err(GetError::Empty) => tokio::task::yield_now().await,
                            Err(GetError::ShutDown) => break,
                        }
                    }
                })
            })
            .collect();
        for id in 0..N {
            q.put_async(log.item(id)).await.unwrap();
        }
        q.shutdown();
        for g in getters {
            g.await.unwrap();
        }
    });
    assert_eq!(received.load(SeqCst), N);
    log.assert_each(0..N, 1, "after cancelled gets");
}

/// Batch methods move what single calls would, in order, and give back what they did not put.
fn batches<F: Family>() {
    let q = new_q::<F, i32>(3);
    let rest = q.put_many_nowait([1, 2, 3, 4, 5]).unwrap_err();
    assert!(rest.is_full());
    assert_eq!(rest.into_inner(), [4, 5]);
    let mut buf = vec![0];
    assert_eq!(q.get_many(&mut buf, 2), Ok(2));
    assert_eq!(buf[1..], F::order(&[1, 2, 3])[..2]);
    assert_eq!(q.get_many(&mut buf, 10), Ok(1));
    assert_eq!(buf.len(), 4);
    assert_eq!(q.get_many(&mut buf, 0), Ok(0));
    assert!(q.get_many_timeout(&mut buf, 5, Duration::from_millis(10)).is_err());
    // A blocking batch put: a consumer thread makes room as it goes.
    thread::scope(|s| {
        let consumer = s.spawn(|| {
            let mut got = Vec::new();
            while got.len() < 100 {
                q.get_many(&mut got, 7).unwrap();
            }
            got
        });
        q.put_many(0..100).unwrap();
        let mut got = consumer.join().unwrap();
        got.sort();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    });
    q.put_many([7, 8]).unwrap();
    q.shutdown();
    assert_eq!(q.put_many([9, 10]).unwrap_err().into_inner(), [9, 10]);
    assert_eq!(q.drain(), F::order(&[7, 8]));
    assert_eq!(q.get_many(&mut buf, 3), Err(GetError::ShutDown));
    assert_eq!(block_on(q.get_many_async(&mut buf, 3)), Err(GetError::ShutDown));
}

/// `get_many` waits for the first item only.
fn get_many_blocks_for_the_first_item<F: Family>() {
    let q = new_q::<F, i32>(0);
    let mut buf = Vec::new();
    let n = blocking_test(|| q.get_many(&mut buf, 4).unwrap(), || q.put(1).unwrap());
    assert_eq!((n, buf), (1, vec![1]));
    let mut buf = Vec::new();
    let probe = Probe::new();
    {
        let mut get = Box::pin(q.get_many_async(&mut buf, 4));
        let waker = probe.waker();
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(get.as_mut().poll(&mut cx).is_pending());
        q.put_many([1, 2, 3, 4, 5]).unwrap();
        assert_eq!(probe.wakes(), 1);
        assert_eq!(get.as_mut().poll(&mut cx), Poll::Ready(Ok(4)));
    }
    assert_eq!(buf.len(), 4);
    assert_eq!(q.qsize(), 1);
}

/// A worker that panics while holding a task guard still marks the task done, so `join` returns;
/// the item is dropped before `task_done` runs.
fn task_guard_marks_done_on_panic<F: Family>() {
    silence_injected_panics();
    let q = new_q::<F, i32>(0);
    q.put_many([1, 2, 3]).unwrap();
    thread::scope(|s| {
        let worker = s.spawn(|| {
            let task = q.get_task().unwrap();
            assert!(*task > 0);
            panic!("{INJECTED}: the worker fails with its task in hand");
        });
        assert!(worker.join().is_err());
    });
    assert_eq!(q.unfinished_tasks(), 2);
    let mut task = q.get_task_nowait().unwrap();
    *task += 10;
    assert!(*task > 10);
    assert_eq!(q.unfinished_tasks(), 2, "not done while held");
    let value = task.into_inner();
    assert!(value > 10);
    assert_eq!(q.unfinished_tasks(), 1, "into_inner marks it done");
    let task = block_on(q.get_task_async()).unwrap();
    assert!(q.get_task_timeout(Duration::from_millis(1)).is_err());
    drop(task);
    assert!(q.join_timeout(Duration::from_secs(10)), "join returns once every guard is gone");
}

/// The guard drops its item before it marks the task done (the item's work ends first).
fn task_guard_drops_the_item_first<F: Family>() {
    // Shared between the item's Drop and the test: the unfinished count the item saw.
    struct Witness {
        queue: std::sync::Weak<Q<Fifo, Witness>>,
        seen: Arc<AtomicUsize>,
    }
    impl Drop for Witness {
        fn drop(&mut self) {
            if let Some(q) = self.queue.upgrade() {
                self.seen.store(q.unfinished_tasks(), SeqCst);
            }
        }
    }
    impl PartialEq for Witness {
        fn eq(&self, _: &Self) -> bool {
            true
        }
    }
    impl Eq for Witness {}
    impl PartialOrd for Witness {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Witness {
        fn cmp(&self, _: &Self) -> std::cmp::Ordering {
            std::cmp::Ordering::Equal
        }
    }
    let _ = F::NAME; // one container suffices: the order of drops is the guard's
    let q = Arc::new(new_q::<Fifo, Witness>(0));
    let seen = Arc::new(AtomicUsize::new(usize::MAX));
    q.put(Witness { queue: Arc::downgrade(&q), seen: Arc::clone(&seen) }).unwrap();
    drop(q.get_task().unwrap());
    assert_eq!(seen.load(SeqCst), 1, "the item saw its task still unfinished");
    assert_eq!(q.unfinished_tasks(), 0);
}

for_each_kind!(
    get_async_is_woken_by_put,
    put_async_is_woken_by_get,
    a_thread_and_a_task_are_both_served,
    a_dropped_get_hands_its_wake_up_on,
    a_dropped_pending_get_loses_nothing,
    a_dropped_put_drops_its_item_and_hands_on,
    shutdown_wakes_every_task,
    shutdown_immediate_wakes_a_task,
    join_async_waits_for_the_last_task_done,
    timer_forms,
    tokio_tasks_and_a_thread_share_a_queue,
    cancelled_gets_lose_nothing,
    batches,
    get_many_blocks_for_the_first_item,
    task_guard_marks_done_on_panic,
    task_guard_drops_the_item_first,
);

#[test]
fn simple_queue_async_and_batches() {
    run("simple_queue_async_and_batches", || {
        let q = SimpleQueue::new();
        let probe = Probe::new();
        let mut get = q.get_async();
        assert!(poll_once(&mut get, &probe).is_pending());
        thread::scope(|s| {
            s.spawn(|| q.put_many([1, 2, 3]));
        });
        assert_eq!(probe.wakes(), 1);
        assert_eq!(poll_once(&mut get, &probe), Poll::Ready(Ok(1)));
        let mut buf = Vec::new();
        assert_eq!(q.get_many(&mut buf, 1), 1);
        assert_eq!(block_on(q.get_many_async(&mut buf, 5)), 1);
        assert_eq!(buf, [2, 3]);
        assert_eq!(block_on(q.get_async_timeout(ready(()))), Err(GetError::Empty));
        q.put(4);
        assert_eq!(q.drain(), [4]);
    });
}

#[test]
fn async_futures_are_send() {
    fn is_send<T: Send>(_: &T) {}
    let q = queue_blocking::Queue::<String>::unbounded();
    is_send(&q.get_async());
    is_send(&q.put_async(String::new()));
    is_send(&q.join_async());
    is_send(&q.get_async_timeout(ready(())));
    is_send(&q.get_task_async());
    let p = queue_blocking::PriorityQueue::<String>::unbounded();
    is_send(&p.get_async());
}
