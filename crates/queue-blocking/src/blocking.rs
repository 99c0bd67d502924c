//! [`BlockingQueue`]: Python's `queue.Queue` API over any [`Container`], and the three aliases
//! that name Python's queue kinds.

use core::fmt;
use std::time::{Duration, Instant};

use queue_core::{RawQueue, SegmentedQueue, SkipListPq, TreiberStack};

use crate::container::Container;
use crate::engine::Engine;
use crate::error::{GetError, PutError, TaskDoneError};
use crate::time::Deadline;

/// Python's `queue.Queue` (maxsize, blocking put and get with timeouts, `task_done`/`join`,
/// shutdown) over the container `C`, which decides the order items leave in.
///
/// Use it through its aliases, [`Queue`], [`LifoQueue`] and [`PriorityQueue`], or over your own
/// container with [`Custom`](crate::Custom). Share it by reference (scoped threads) or in an
/// `Arc`, or [`split`](Self::split) it into handles that shut it down when one side is gone.
///
/// Methods that only read or change the queue's state (`qsize`, `maxsize`, `task_done`, `join`,
/// `shutdown`, ...) work for every container; those that move items need `C: RawQueue<T>`, which
/// for [`PriorityQueue`] means `T: Ord`.
///
/// ```
/// use queue_blocking::{LifoQueue, PriorityQueue, Queue};
///
/// let fifo = Queue::unbounded();
/// let lifo = LifoQueue::unbounded();
/// let prio = PriorityQueue::unbounded();
/// for i in [2, 1, 3] {
///     fifo.put(i).unwrap();
///     lifo.put(i).unwrap();
///     prio.put(i).unwrap();
/// }
/// assert_eq!(fifo.try_iter().collect::<Vec<_>>(), [2, 1, 3]);
/// assert_eq!(lifo.try_iter().collect::<Vec<_>>(), [3, 1, 2]);
/// assert_eq!(prio.try_iter().collect::<Vec<_>>(), [1, 2, 3]);
/// ```
pub struct BlockingQueue<T, C: Container<T> = SegmentedQueue<T>> {
    pub(crate) engine: C::Engine,
}

/// A first-in, first-out queue (Python's `queue.Queue`), over `queue_core::SegmentedQueue`: a put
/// and a get each cost one claim on a shared position word, and a steady stream allocates next to
/// nothing (docs/design.md). `Send + Sync` for `T: Send`.
pub type Queue<T> = BlockingQueue<T, SegmentedQueue<T>>;

/// A last-in, first-out queue (Python's `queue.LifoQueue`), over the lock-free Treiber stack.
/// `Send + Sync` for `T: Send`.
pub type LifoQueue<T> = BlockingQueue<T, TreiberStack<T>>;

/// A priority queue (Python's `queue.PriorityQueue`): smallest item first, and, unlike Python's
/// heap, **equal items in the order they were put**. Over the lock-free skiplist.
///
/// It compares items from several threads at once, so it is `Send + Sync` for `T: Send + Sync`.
/// Use `(priority, payload)` tuples, or `std::cmp::Reverse` for largest first.
///
/// # This or a heap behind a mutex
///
/// On few cores a `Mutex<BinaryHeap>` is faster. Measured on a 2-vCPU VM (docs/performance.md,
/// "PriorityQueue against a mutex heap" and "Issue 22's targets"): one thread, about 1,000 items
/// inside, a put and a get take 6–8× as long as the heap's (250–410 ns against 41–60), 7–12× at
/// 100,000 items (a skiplist search visits about 40 nodes, each a cache line of its own);
/// producers and consumers on two CPUs, in the runs of two days, 0.54–1.49× the heap's
/// throughput at 1/1, 0.21–0.81× at 2/2, 0.26–0.80× at 4/4 (the machine's noise is that wide; the
/// last runs gave 0.80–1.25×, 0.67–0.79× and 0.49–0.53×). The skiplist's costs are its fixed
/// per-operation work (an epoch pin, a node allocation, deferred reclamation), a borrow on each
/// node it compares against, and, with threads, a cache miss on each node another CPU wrote
/// last; they buy what the heap cannot give: no lock, so a thread descheduled in the middle of a
/// put holds no one else up (a `get` waits only for comparisons in flight against the very item
/// it takes), and equal items in put order.
///
/// Pick this queue when those matter, or with many cores and threads, where a single lock is the
/// bottleneck (not measured here: the machine has two). Pick a heap behind a mutex when the queue
/// is used from one or two threads, or when your own measurements on your machine say so; Python's
/// protocol (blocking, timeouts, `task_done`/`join`, shutdown) comes with it through
/// [`Custom`](crate::Custom):
///
/// ```
/// use std::cmp::Reverse;
/// use std::collections::BinaryHeap;
/// use std::panic::{self, AssertUnwindSafe};
/// use std::sync::{Mutex, MutexGuard};
/// use queue_blocking::{BlockingQueue, Custom, PanicPayload, RawQueue};
///
/// /// Smallest first; equal items in put order (the ticket breaks ties).
/// struct LockedHeap<T>(Mutex<(BinaryHeap<Reverse<(T, u64)>>, u64)>);
///
/// impl<T: Ord> Default for LockedHeap<T> {
///     fn default() -> Self {
///         Self(Mutex::new((BinaryHeap::new(), 0)))
///     }
/// }
///
/// impl<T> LockedHeap<T> {
///     fn heap(&self) -> MutexGuard<'_, (BinaryHeap<Reverse<(T, u64)>>, u64)> {
///         // A panicking `Ord` poisons the lock but leaves every item in the heap.
///         self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
///     }
/// }
///
/// impl<T: Ord> RawQueue<T> for LockedHeap<T> {
///     fn push(&self, item: T) {
///         if let Ok(Some(payload)) = self.push_catching_panic(item) {
///             panic::resume_unwind(payload);
///         }
///     }
///     fn push_catching_panic(&self, item: T) -> Result<Option<PanicPayload>, (T, PanicPayload)> {
///         let mut guard = self.heap();
///         let (heap, ticket) = &mut *guard;
///         *ticket += 1;
///         let entry = Reverse((item, *ticket));
///         // The heap keeps an item whose sift panicked: it was added, then `Ord` panicked.
///         Ok(panic::catch_unwind(AssertUnwindSafe(|| heap.push(entry))).err())
///     }
///     fn pop(&self) -> Option<T> {
///         self.heap().0.pop().map(|Reverse((item, _))| item)
///     }
///     fn is_empty(&self) -> bool {
///         self.heap().0.is_empty()
///     }
/// }
///
/// let q: BlockingQueue<(u8, &str), Custom<LockedHeap<(u8, &str)>>> = BlockingQueue::unbounded();
/// q.put((2, "later")).unwrap();
/// q.put((1, "first")).unwrap();
/// assert_eq!(q.get(), Ok((1, "first")));
/// ```
pub type PriorityQueue<T> = BlockingQueue<T, SkipListPq<T>>;

impl<T, C: Container<T> + RawQueue<T>> BlockingQueue<T, C> {
    /// Creates a queue holding at most `maxsize` items, with Python's meaning: **`0` is
    /// unbounded** (Python's `Queue(maxsize)`, where `maxsize <= 0` is unbounded). Rust channels
    /// read 0 differently; [`bounded`](Self::bounded) and [`unbounded`](Self::unbounded) say what
    /// they mean at the call site.
    ///
    /// ```
    /// let q = queue_blocking::Queue::<u32>::new(2);
    /// assert_eq!(q.maxsize(), 2);
    /// assert_eq!(queue_blocking::Queue::<u32>::new(0).capacity(), None);
    /// ```
    pub fn new(maxsize: usize) -> Self {
        Self { engine: C::Engine::with_maxsize(maxsize) }
    }

    /// Creates a queue holding at most `capacity` items.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0. (crossbeam's `bounded(0)` is a rendezvous channel, Python's
    /// `Queue(0)` is unbounded; this queue is neither, so 0 is refused rather than guessed.)
    ///
    /// ```
    /// let q = queue_blocking::Queue::bounded(1);
    /// q.put(1).unwrap();
    /// assert!(q.put_nowait(2).unwrap_err().is_full());
    /// assert!(std::panic::catch_unwind(|| queue_blocking::Queue::<u8>::bounded(0)).is_err());
    /// ```
    pub fn bounded(capacity: usize) -> Self {
        assert!(capacity > 0, "bounded(0): a queue needs room for one item; use unbounded() for no bound");
        Self::new(capacity)
    }

    /// Creates a queue without a bound (`new(0)`).
    ///
    /// ```
    /// let q = queue_blocking::LifoQueue::unbounded();
    /// q.put("a").unwrap();
    /// assert_eq!(q.capacity(), None);
    /// ```
    pub fn unbounded() -> Self {
        Self::new(0)
    }

    /// Adds `item`, waiting while the queue is full (Python's `put(item)`). Fails only with
    /// [`PutError::ShutDown`], which gives the item back.
    ///
    /// # Panics
    ///
    /// If the container's code panics (a user `Ord`, a [`Custom`](crate::Custom) container's
    /// `push`): after restoring the queue's counts if the item did not go in, or after completing
    /// the put if it did (crate docs, "Panics in user code"). And if a `LifoQueue` or
    /// `PriorityQueue` already holds 2^31 items.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put("job").unwrap();
    /// q.shutdown();
    /// assert_eq!(q.put("late").unwrap_err().into_inner(), "late");
    /// ```
    #[inline]
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.engine.put(item, Deadline::never())
    }

    /// Like [`put`](Self::put), but gives up with [`PutError::Full`] after `timeout` (Python's
    /// `put(item, timeout=t)`). A zero timeout checks once; a timeout too large for `Instant`
    /// means no timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = queue_blocking::Queue::bounded(1);
    /// q.put(1).unwrap();
    /// assert!(q.put_timeout(2, Duration::from_millis(1)).unwrap_err().is_full());
    /// ```
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.engine.put(item, Deadline::after(timeout))
    }

    /// Like [`put_timeout`](Self::put_timeout) with an absolute deadline; one already past acts as
    /// a zero timeout.
    ///
    /// ```
    /// use std::time::Instant;
    /// let q = queue_blocking::Queue::bounded(1);
    /// assert!(q.put_deadline(1, Instant::now()).is_ok());
    /// assert!(q.put_deadline(2, Instant::now()).unwrap_err().is_full());
    /// ```
    pub fn put_deadline(&self, item: T, deadline: Instant) -> Result<(), PutError<T>> {
        self.engine.put(item, Deadline::at(deadline))
    }

    /// Adds `item` if there is room now, else fails with [`PutError::Full`] at once (Python's
    /// `put_nowait`).
    ///
    /// ```
    /// let q = queue_blocking::Queue::bounded(1);
    /// q.put_nowait(1).unwrap();
    /// assert_eq!(q.put_nowait(2).unwrap_err().into_inner(), 2);
    /// ```
    #[inline]
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        self.engine.put(item, Deadline::after(Duration::ZERO))
    }

    /// Removes and returns the next item, waiting while the queue is empty (Python's `get()`).
    /// After a shutdown it still returns what is left, then fails with [`GetError::ShutDown`] at
    /// once.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| q.put(7).unwrap());
    ///     assert_eq!(q.get(), Ok(7));
    /// });
    /// ```
    #[inline]
    pub fn get(&self) -> Result<T, GetError> {
        self.engine.get(Deadline::never())
    }

    /// Like [`get`](Self::get), but gives up with [`GetError::Empty`] after `timeout` (Python's
    /// `get(timeout=t)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = queue_blocking::Queue::<u8>::unbounded();
    /// assert_eq!(q.get_timeout(Duration::from_millis(1)), Err(queue_blocking::GetError::Empty));
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.engine.get(Deadline::after(timeout))
    }

    /// Like [`get_timeout`](Self::get_timeout) with an absolute deadline.
    ///
    /// ```
    /// use std::time::Instant;
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// assert_eq!(q.get_deadline(Instant::now()), Ok(1));
    /// ```
    pub fn get_deadline(&self, deadline: Instant) -> Result<T, GetError> {
        self.engine.get(Deadline::at(deadline))
    }

    /// Returns an item if one is there, else fails at once (Python's `get_nowait`):
    /// [`GetError::ShutDown`] if the queue is shut down and empty, else [`GetError::Empty`].
    ///
    /// ```
    /// use queue_blocking::{GetError, Queue};
    /// let q = Queue::<u8>::unbounded();
    /// assert_eq!(q.get_nowait(), Err(GetError::Empty));
    /// q.shutdown();
    /// assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
    /// ```
    #[inline]
    pub fn get_nowait(&self) -> Result<T, GetError> {
        self.engine.get(Deadline::after(Duration::ZERO))
    }

    /// Shuts down and empties the queue (Python's `shutdown(immediate=True)`), returning the
    /// drained items in the order `get` would have returned them, and lowering
    /// [`unfinished_tasks`](Self::unfinished_tasks) by one per drained item (not below 0).
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// assert_eq!(q.shutdown_immediate(), vec![1]);
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// ```
    pub fn shutdown_immediate(&self) -> Vec<T> {
        self.engine.shutdown_immediate()
    }

    /// Takes the items that are there now, without waiting. (Beyond Python.)
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// assert_eq!(q.try_iter().count(), 1);
    /// ```
    #[must_use = "iterators are lazy: nothing is taken until it is consumed"]
    pub fn try_iter(&self) -> impl Iterator<Item = T> + '_ {
        core::iter::from_fn(|| self.engine.try_get())
    }

    /// Takes items as they come, waiting for each; ends when the queue is shut down and empty.
    /// (Beyond Python.)
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// q.put(1).unwrap();
    /// q.shutdown();
    /// assert_eq!(q.iter().sum::<i32>(), 2);
    /// ```
    #[must_use = "iterators are lazy: nothing is taken until it is consumed"]
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        core::iter::from_fn(|| self.get().ok())
    }
}

impl<T> Queue<T> {
    /// Frees the memory a once-deep queue keeps for its next fill; returns how many segments of
    /// `SEGMENT_SIZE` slots it freed.
    ///
    /// A `Queue` keeps the segments its gets have emptied, so a fill after a drain allocates
    /// nothing and touches no fresh page; it keeps as many as the most items it ever held at once
    /// need (docs/design.md, "Segment memory"). Call this after a burst when that memory is
    /// better given back. Safe at any time, with puts and gets running: a put that reaches a
    /// segment boundary meanwhile waits for one pointer swap.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// for i in 0..10_000 {
    ///     q.put(i).unwrap();
    /// }
    /// q.try_iter().for_each(drop);
    /// assert!(q.shrink_to_fit() > 0);
    /// ```
    pub fn shrink_to_fit(&self) -> usize {
        self.engine.shrink_to_fit()
    }
}

impl<T, C: Container<T>> BlockingQueue<T, C> {
    /// The capacity; `0` means unbounded (Python's `q.maxsize`).
    ///
    /// ```
    /// assert_eq!(queue_blocking::Queue::<u8>::new(3).maxsize(), 3);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.engine.maxsize()
    }

    /// The capacity, `None` when unbounded: [`maxsize`](Self::maxsize) in Rust's terms.
    ///
    /// ```
    /// assert_eq!(queue_blocking::Queue::<u8>::bounded(3).capacity(), Some(3));
    /// assert_eq!(queue_blocking::Queue::<u8>::unbounded().capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        Some(self.maxsize()).filter(|&max| max > 0)
    }

    /// Changes the capacity (Python's `q.maxsize = n`). Unlike CPython, growing it wakes the
    /// blocked putters that now fit, and `0` makes the queue unbounded and wakes them all.
    /// Shrinking it never drops items: the queue is full until enough are taken.
    ///
    /// ```
    /// let q = queue_blocking::Queue::bounded(1);
    /// q.put(1).unwrap();
    /// assert!(q.full());
    /// q.set_maxsize(2);
    /// assert!(!q.full());
    /// ```
    pub fn set_maxsize(&self, maxsize: usize) {
        self.engine.set_maxsize(maxsize);
    }

    /// Number of items in the queue (Python's `qsize()`; a snapshot when others are busy). Never
    /// above `maxsize` while `maxsize` is not lowered.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(5).unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.engine.len()
    }

    /// Same as [`qsize`](Self::qsize).
    ///
    /// ```
    /// assert_eq!(queue_blocking::Queue::<u8>::unbounded().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.engine.len()
    }

    /// Whether the queue is empty (Python's `empty()`; a snapshot).
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// assert!(q.empty());
    /// q.put(1).unwrap();
    /// assert!(!q.empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.engine.is_empty()
    }

    /// Same as [`empty`](Self::empty).
    ///
    /// ```
    /// assert!(queue_blocking::Queue::<u8>::unbounded().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.engine.is_empty()
    }

    /// Whether the queue holds `maxsize` items or more (Python's `full()`); always false when
    /// unbounded.
    ///
    /// ```
    /// let q = queue_blocking::Queue::bounded(1);
    /// assert!(!q.full());
    /// q.put(0).unwrap();
    /// assert!(q.full());
    /// ```
    pub fn full(&self) -> bool {
        self.engine.is_full()
    }

    /// Same as [`full`](Self::full).
    ///
    /// ```
    /// assert!(!queue_blocking::Queue::<u8>::unbounded().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.engine.is_full()
    }

    /// Marks one task done (Python's `task_done()`). Fails exactly when
    /// [`unfinished_tasks`](Self::unfinished_tasks) is 0. Never fails because of shutdown.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// q.get().unwrap();
    /// assert!(q.task_done().is_ok());
    /// assert!(q.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.engine.task_done()
    }

    /// Waits until every item put has been marked done (Python's `join()`).
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         q.get().unwrap();
    ///         q.task_done().unwrap();
    ///     });
    ///     q.join();
    /// });
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// ```
    pub fn join(&self) {
        self.engine.join(Deadline::never());
    }

    /// Like [`join`](Self::join), but gives up after `timeout`; returns whether every task is
    /// done. (Beyond Python.)
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// assert!(!q.join_timeout(Duration::from_millis(1)));
    /// ```
    #[must_use = "false means tasks are still unfinished"]
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.engine.join(Deadline::after(timeout))
    }

    /// Like [`join_timeout`](Self::join_timeout) with an absolute deadline.
    ///
    /// ```
    /// let q = queue_blocking::Queue::<u8>::unbounded();
    /// assert!(q.join_deadline(std::time::Instant::now()));
    /// ```
    #[must_use = "false means tasks are still unfinished"]
    pub fn join_deadline(&self, deadline: Instant) -> bool {
        self.engine.join(Deadline::at(deadline))
    }

    /// Items put and not yet marked done (Python's `unfinished_tasks`; a snapshot).
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// assert_eq!(q.unfinished_tasks(), 1);
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.engine.unfinished_tasks()
    }

    /// Shuts the queue down (Python's `shutdown()`): puts fail with [`PutError::ShutDown`]; gets
    /// drain what is left, then fail with [`GetError::ShutDown`]; every blocked put and get wakes.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// q.shutdown();
    /// assert_eq!(q.get(), Ok(1));
    /// assert_eq!(q.get(), Err(queue_blocking::GetError::ShutDown));
    /// ```
    pub fn shutdown(&self) {
        self.engine.shutdown();
    }

    /// Whether the queue has been shut down (Python's `is_shutdown`).
    ///
    /// ```
    /// let q = queue_blocking::Queue::<u8>::unbounded();
    /// assert!(!q.is_shutdown());
    /// q.shutdown();
    /// assert!(q.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.engine.is_shutdown()
    }
}

impl<T, C: Container<T> + RawQueue<T>> Default for BlockingQueue<T, C> {
    /// An unbounded queue.
    fn default() -> Self {
        Self::unbounded()
    }
}

impl<T, C: Container<T>> fmt::Debug for BlockingQueue<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(C::NAME)
            .field("qsize", &self.qsize())
            .field("maxsize", &self.maxsize())
            .field("unfinished_tasks", &self.unfinished_tasks())
            .field("is_shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}
