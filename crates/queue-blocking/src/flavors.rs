//! The public queue types: `Queue` over the segmented engine (`fifo::Fifo`), `LifoQueue` and
//! `PriorityQueue` over the generic one (`queue::Inner`); one macro gives them the same API.

use core::fmt;
use std::time::{Duration, Instant};

use queue_core::{SkipListPq, TreiberStack};

use crate::error::{GetError, PutError, TaskDoneError};
use crate::fifo::Fifo;
use crate::queue::Inner;
use crate::time::Deadline;

macro_rules! queue_type {
    (
        $(#[$doc:meta])*
        $name:ident, $inner:ty, [$($bound:tt)*]
    ) => {
        $(#[$doc])*
        pub struct $name<T> {
            inner: $inner,
        }

        impl<T: $($bound)*> $name<T> {
            #[doc = concat!("Creates a queue holding at most `maxsize` items; `0` means unbounded \
                (Python's `", stringify!($name), "(maxsize)`, where `maxsize <= 0` is unbounded).")]
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::<u32>::new(2);")]
            /// assert_eq!(q.maxsize(), 2);
            /// ```
            pub fn new(maxsize: usize) -> Self {
                Self { inner: <$inner>::new(maxsize) }
            }

            /// The capacity; `0` means unbounded (Python's `q.maxsize`).
            ///
            /// ```
            #[doc = concat!("assert_eq!(queue_blocking::", stringify!($name), "::<u8>::new(0).maxsize(), 0);")]
            /// ```
            pub fn maxsize(&self) -> usize {
                self.inner.maxsize()
            }

            /// Changes the capacity (Python's `q.maxsize = n`). Unlike CPython, growing it wakes the
            /// blocked putters that now fit, and `0` makes the queue unbounded and wakes them all.
            /// Shrinking it never drops items: the queue is full until enough are taken.
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(1);")]
            /// q.put(1).unwrap();
            /// assert!(q.full());
            /// q.set_maxsize(2);
            /// assert!(!q.full());
            /// ```
            pub fn set_maxsize(&self, maxsize: usize) {
                self.inner.set_maxsize(maxsize);
            }

            /// Number of items in the queue (Python's `qsize()`; a snapshot when others are busy).
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put(5).unwrap();
            /// assert_eq!(q.qsize(), 1);
            /// ```
            pub fn qsize(&self) -> usize {
                self.inner.len()
            }

            /// Same as [`qsize`](Self::qsize).
            ///
            /// ```
            #[doc = concat!("assert_eq!(queue_blocking::", stringify!($name), "::<u8>::new(0).len(), 0);")]
            /// ```
            pub fn len(&self) -> usize {
                self.inner.len()
            }

            /// Whether the queue is empty (Python's `empty()`; a snapshot).
            ///
            /// ```
            #[doc = concat!("assert!(queue_blocking::", stringify!($name), "::<u8>::new(0).empty());")]
            /// ```
            pub fn empty(&self) -> bool {
                self.inner.is_empty()
            }

            /// Same as [`empty`](Self::empty).
            ///
            /// ```
            #[doc = concat!("assert!(queue_blocking::", stringify!($name), "::<u8>::new(0).is_empty());")]
            /// ```
            pub fn is_empty(&self) -> bool {
                self.empty()
            }

            /// Whether the queue holds `maxsize` items or more (Python's `full()`); always false
            /// when unbounded.
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(1);")]
            /// q.put(0).unwrap();
            /// assert!(q.full());
            /// ```
            pub fn full(&self) -> bool {
                self.inner.is_full()
            }

            /// Same as [`full`](Self::full).
            ///
            /// ```
            #[doc = concat!("assert!(!queue_blocking::", stringify!($name), "::<u8>::new(0).is_full());")]
            /// ```
            pub fn is_full(&self) -> bool {
                self.full()
            }

            /// Adds `item`, waiting while the queue is full (Python's `put(item)`). Fails only with
            /// [`PutError::ShutDown`], which gives the item back.
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put("job").unwrap();
            /// q.shutdown();
            /// assert_eq!(q.put("late").unwrap_err().into_inner(), "late");
            /// ```
            pub fn put(&self, item: T) -> Result<(), PutError<T>> {
                self.inner.put(item, Deadline::never())
            }

            /// Like [`put`](Self::put), but gives up with [`PutError::Full`] after `timeout`
            /// (Python's `put(item, timeout=t)`). A zero timeout checks once; a timeout too large
            /// for `Instant` means no timeout.
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(1);")]
            /// q.put(1).unwrap();
            /// assert!(q.put_timeout(2, Duration::from_millis(1)).unwrap_err().is_full());
            /// ```
            pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
                self.inner.put(item, Deadline::after(timeout))
            }

            /// Like [`put_timeout`](Self::put_timeout) with an absolute deadline; one already past
            /// acts as a zero timeout.
            ///
            /// ```
            /// use std::time::Instant;
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(1);")]
            /// assert!(q.put_deadline(1, Instant::now()).is_ok());
            /// ```
            pub fn put_deadline(&self, item: T, deadline: Instant) -> Result<(), PutError<T>> {
                self.inner.put(item, Deadline::at(deadline))
            }

            /// Adds `item` if there is room now, else fails with [`PutError::Full`] at once
            /// (Python's `put_nowait`).
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(1);")]
            /// q.put_nowait(1).unwrap();
            /// assert!(q.put_nowait(2).unwrap_err().is_full());
            /// ```
            pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
                self.inner.put(item, Deadline::after(Duration::ZERO))
            }

            /// Removes and returns the next item, waiting while the queue is empty (Python's
            /// `get()`). After a shutdown it still returns what is left, then fails with
            /// [`GetError::ShutDown`] at once.
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// std::thread::scope(|s| {
            ///     s.spawn(|| q.put(7).unwrap());
            ///     assert_eq!(q.get(), Ok(7));
            /// });
            /// ```
            pub fn get(&self) -> Result<T, GetError> {
                self.inner.get(Deadline::never())
            }

            /// Like [`get`](Self::get), but gives up with [`GetError::Empty`] after `timeout`
            /// (Python's `get(timeout=t)`).
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::<u8>::new(0);")]
            /// assert_eq!(q.get_timeout(Duration::from_millis(1)), Err(queue_blocking::GetError::Empty));
            /// ```
            pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
                self.inner.get(Deadline::after(timeout))
            }

            /// Like [`get_timeout`](Self::get_timeout) with an absolute deadline.
            ///
            /// ```
            /// use std::time::Instant;
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put(1).unwrap();
            /// assert_eq!(q.get_deadline(Instant::now()), Ok(1));
            /// ```
            pub fn get_deadline(&self, deadline: Instant) -> Result<T, GetError> {
                self.inner.get(Deadline::at(deadline))
            }

            /// Returns an item if one is there, else fails at once (Python's `get_nowait`):
            /// [`GetError::ShutDown`] if the queue is shut down and empty, else
            /// [`GetError::Empty`].
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::<u8>::new(0);")]
            /// assert_eq!(q.get_nowait(), Err(queue_blocking::GetError::Empty));
            /// ```
            pub fn get_nowait(&self) -> Result<T, GetError> {
                self.inner.get(Deadline::after(Duration::ZERO))
            }

            /// Marks one task done (Python's `task_done()`). Fails exactly when
            /// [`unfinished_tasks`](Self::unfinished_tasks) is 0. Never fails because of shutdown.
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put(1).unwrap();
            /// q.get().unwrap();
            /// assert!(q.task_done().is_ok());
            /// assert!(q.task_done().is_err());
            /// ```
            pub fn task_done(&self) -> Result<(), TaskDoneError> {
                self.inner.task_done()
            }

            /// Waits until every item put has been marked done (Python's `join()`).
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
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
                self.inner.join(Deadline::never());
            }

            /// Like [`join`](Self::join), but gives up after `timeout`; returns whether every task
            /// is done. (Beyond Python.)
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put(1).unwrap();
            /// assert!(!q.join_timeout(Duration::from_millis(1)));
            /// ```
            pub fn join_timeout(&self, timeout: Duration) -> bool {
                self.inner.join(Deadline::after(timeout))
            }

            /// Like [`join_timeout`](Self::join_timeout) with an absolute deadline.
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::<u8>::new(0);")]
            /// assert!(q.join_deadline(std::time::Instant::now()));
            /// ```
            pub fn join_deadline(&self, deadline: Instant) -> bool {
                self.inner.join(Deadline::at(deadline))
            }

            /// Items put and not yet marked done (Python's `unfinished_tasks`; a snapshot).
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put(1).unwrap();
            /// assert_eq!(q.unfinished_tasks(), 1);
            /// ```
            pub fn unfinished_tasks(&self) -> usize {
                self.inner.unfinished_tasks()
            }

            /// Shuts the queue down (Python's `shutdown()`): puts fail with
            /// [`PutError::ShutDown`]; gets drain what is left, then fail with
            /// [`GetError::ShutDown`]; every blocked put and get wakes.
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put(1).unwrap();
            /// q.shutdown();
            /// assert_eq!(q.get(), Ok(1));
            /// assert_eq!(q.get(), Err(queue_blocking::GetError::ShutDown));
            /// ```
            pub fn shutdown(&self) {
                self.inner.shutdown();
            }

            /// Shuts down and empties the queue (Python's `shutdown(immediate=True)`), returning the
            /// drained items in the order `get` would have returned them, and lowering
            /// [`unfinished_tasks`](Self::unfinished_tasks) by one per drained item (not below 0).
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put(1).unwrap();
            /// assert_eq!(q.shutdown_immediate(), vec![1]);
            /// assert_eq!(q.unfinished_tasks(), 0);
            /// ```
            pub fn shutdown_immediate(&self) -> Vec<T> {
                self.inner.shutdown_immediate()
            }

            /// Whether the queue has been shut down (Python's `is_shutdown`).
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::<u8>::new(0);")]
            /// q.shutdown();
            /// assert!(q.is_shutdown());
            /// ```
            pub fn is_shutdown(&self) -> bool {
                self.inner.is_shutdown()
            }

            /// Takes the items that are there now, without waiting. (Beyond Python.)
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put(1).unwrap();
            /// assert_eq!(q.try_iter().count(), 1);
            /// ```
            pub fn try_iter(&self) -> impl Iterator<Item = T> + '_ {
                core::iter::from_fn(|| self.inner.try_get())
            }

            /// Takes items as they come, waiting for each; ends when the queue is shut down and
            /// empty. (Beyond Python.)
            ///
            /// ```
            #[doc = concat!("let q = queue_blocking::", stringify!($name), "::new(0);")]
            /// q.put(1).unwrap();
            /// q.put(1).unwrap();
            /// q.shutdown();
            /// assert_eq!(q.iter().sum::<i32>(), 2);
            /// ```
            pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
                core::iter::from_fn(|| self.get().ok())
            }
        }

        impl<T: $($bound)*> Default for $name<T> {
            /// An unbounded queue (`new(0)`).
            fn default() -> Self {
                Self::new(0)
            }
        }

        impl<T: $($bound)*> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("qsize", &self.qsize())
                    .field("maxsize", &self.maxsize())
                    .field("unfinished_tasks", &self.unfinished_tasks())
                    .field("is_shutdown", &self.is_shutdown())
                    .finish_non_exhaustive()
            }
        }
    };
}

queue_type! {
    /// A first-in, first-out queue (Python's `queue.Queue`), over `queue_core::SegmentedQueue`: a
    /// put and a get each cost one claim on a shared position word, and a steady stream allocates
    /// next to nothing (docs/design.md).
    ///
    /// `Send + Sync` for `T: Send`: share it by reference (scoped threads) or in an `Arc`.
    ///
    /// ```
    /// let q = queue_blocking::Queue::new(0);
    /// for i in 0..3 {
    ///     q.put(i).unwrap();
    /// }
    /// assert_eq!(q.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// ```
    Queue, Fifo<T>, [Sized]
}

queue_type! {
    /// A last-in, first-out queue (Python's `queue.LifoQueue`), over the lock-free Treiber stack.
    ///
    /// `Send + Sync` for `T: Send`.
    ///
    /// ```
    /// let q = queue_blocking::LifoQueue::new(0);
    /// for i in 0..3 {
    ///     q.put(i).unwrap();
    /// }
    /// assert_eq!(q.try_iter().collect::<Vec<_>>(), [2, 1, 0]);
    /// ```
    LifoQueue, Inner<T, TreiberStack<T>>, [Sized]
}

queue_type! {
    /// A priority queue (Python's `queue.PriorityQueue`): smallest item first, and, unlike
    /// Python's heap, **equal items in the order they were put**. Over the lock-free skiplist.
    ///
    /// It compares items from several threads at once, so it is `Send + Sync` for
    /// `T: Send + Sync`. Use `(priority, payload)` tuples, or `std::cmp::Reverse` for largest first.
    ///
    /// ```
    /// let q = queue_blocking::PriorityQueue::new(0);
    /// q.put((2, "b")).unwrap();
    /// q.put((1, "a")).unwrap();
    /// q.put((3, "c")).unwrap();
    /// assert_eq!(q.try_iter().map(|(_, s)| s).collect::<String>(), "abc");
    /// ```
    PriorityQueue, Inner<T, SkipListPq<T>>, [Ord]
}
