//! `SimpleQueue`: Python's unbounded FIFO without maxsize, task tracking or shutdown.

use core::fmt;
use core::future::IntoFuture;
use std::time::{Duration, Instant};

use queue_core::SegmentedQueue;

use crate::async_methods::get_with_timer;
use crate::batch::append_available;
use crate::engine::Engine;
use crate::error::{GetError, PutError};
use crate::fifo::Fifo;
use crate::futures::GetFuture;
use crate::time::Deadline;

/// An unbounded FIFO queue with the small API of Python's `queue.SimpleQueue`: no `maxsize`, no
/// `task_done`/`join`, no shutdown. A put never blocks and never fails; it costs one claim of a
/// position and, only when a getter sleeps, one wake-up. The same engine as
/// [`Queue`](crate::Queue), unbounded and never shut down.
///
/// ```
/// use queue_blocking::SimpleQueue;
///
/// let q = SimpleQueue::new();
/// std::thread::scope(|s| {
///     s.spawn(|| q.put("hello"));
///     assert_eq!(q.get(), "hello");
/// });
/// ```
pub struct SimpleQueue<T> {
    inner: Fifo<T>,
}

impl<T> SimpleQueue<T> {
    /// Creates an empty queue (Python's `SimpleQueue()`).
    ///
    /// ```
    /// assert!(queue_blocking::SimpleQueue::<u8>::new().empty());
    /// ```
    pub fn new() -> Self {
        Self { inner: Fifo::new(0) }
    }

    /// Adds `item` (Python's `put`); never blocks.
    ///
    /// ```
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put(1);
    /// assert_eq!(q.qsize(), 1);
    /// ```
    #[inline]
    pub fn put(&self, item: T) {
        match self.inner.put(item, Deadline::never()) {
            Ok(()) => {}
            // Unbounded and never shut down: neither can happen.
            Err(PutError::Full(_) | PutError::ShutDown(_)) => unreachable!("a SimpleQueue put cannot fail"),
        }
    }

    /// The same as [`put`](Self::put) (Python's `put_nowait`).
    ///
    /// ```
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put_nowait('x');
    /// assert_eq!(q.get_nowait(), Ok('x'));
    /// ```
    #[inline]
    pub fn put_nowait(&self, item: T) {
        self.put(item);
    }

    /// Removes and returns the oldest item, waiting for one if needed (Python's `get()`).
    ///
    /// ```
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put(3);
    /// assert_eq!(q.get(), 3);
    /// ```
    #[inline]
    pub fn get(&self) -> T {
        match self.inner.get(Deadline::never()) {
            Ok(item) => item,
            Err(_) => unreachable!("an untimed get on a SimpleQueue cannot fail"),
        }
    }

    /// Like [`get`](Self::get), but gives up with [`GetError::Empty`] after `timeout`
    /// (Python's `get(timeout=t)`). A zero timeout checks once.
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = queue_blocking::SimpleQueue::<u8>::new();
    /// assert_eq!(q.get_timeout(Duration::from_millis(1)), Err(queue_blocking::GetError::Empty));
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.inner.get(Deadline::after(timeout))
    }

    /// Like [`get_timeout`](Self::get_timeout) with an absolute deadline.
    ///
    /// ```
    /// use std::time::Instant;
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put(1);
    /// assert_eq!(q.get_deadline(Instant::now()), Ok(1));
    /// ```
    pub fn get_deadline(&self, deadline: Instant) -> Result<T, GetError> {
        self.inner.get(Deadline::at(deadline))
    }

    /// Returns an item if one is there, else [`GetError::Empty`] at once (Python's `get_nowait`).
    ///
    /// ```
    /// let q = queue_blocking::SimpleQueue::<i32>::new();
    /// assert_eq!(q.get_nowait(), Err(queue_blocking::GetError::Empty));
    /// ```
    #[inline]
    pub fn get_nowait(&self) -> Result<T, GetError> {
        self.inner.try_get().ok_or(GetError::Empty)
    }

    /// Waits for the oldest item without blocking the thread: the async form of
    /// [`get`](Self::get). Cancel-safe: dropping the future loses no item. (There is no
    /// `put_async`: a put into a `SimpleQueue` never waits.)
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put(1);
    /// assert_eq!(q.get_async().await, Ok(1));
    /// # });
    /// ```
    pub fn get_async(&self) -> GetFuture<'_, T, SegmentedQueue<T>> {
        GetFuture::new(&self.inner)
    }

    /// [`get_async`](Self::get_async) that gives up with [`GetError::Empty`] when `timer`
    /// completes first; the queue is re-checked when it fires.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let q = queue_blocking::SimpleQueue::<u8>::new();
    /// let timer = tokio::time::sleep(std::time::Duration::from_millis(1));
    /// assert!(q.get_async_timeout(timer).await.is_err());
    /// # });
    /// ```
    pub async fn get_async_timeout<F: IntoFuture>(&self, timer: F) -> Result<T, GetError> {
        get_with_timer(self.get_async(), timer).await
    }

    /// Waits for an item, then takes up to `max - 1` more that are there, appending them to
    /// `buf`; returns how many (as [`Queue::get_many`](crate::BlockingQueue::get_many)).
    ///
    /// ```
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put_many(0..5);
    /// let mut buf = Vec::new();
    /// assert_eq!(q.get_many(&mut buf, 3), 3);
    /// ```
    pub fn get_many(&self, buf: &mut Vec<T>, max: usize) -> usize {
        if max == 0 {
            return 0;
        }
        buf.push(self.get());
        1 + append_available(buf, max - 1, self.try_iter())
    }

    /// The async form of [`get_many`](Self::get_many); cancel-safe.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put(1);
    /// let mut buf = Vec::new();
    /// assert_eq!(q.get_many_async(&mut buf, 3).await, 1);
    /// # });
    /// ```
    pub async fn get_many_async(&self, buf: &mut Vec<T>, max: usize) -> usize {
        if max == 0 {
            return 0;
        }
        match self.get_async().await {
            Ok(item) => buf.push(item),
            Err(_) => unreachable!("an untimed get on a SimpleQueue cannot fail"),
        }
        1 + append_available(buf, max - 1, self.try_iter())
    }

    /// Puts every item, in order; never blocks.
    ///
    /// ```
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put_many("abc".chars());
    /// assert_eq!(q.drain(), ['a', 'b', 'c']);
    /// ```
    pub fn put_many<I: IntoIterator<Item = T>>(&self, items: I) {
        for item in items {
            self.put(item);
        }
    }

    /// Takes every item that is there now, without waiting, oldest first.
    ///
    /// ```
    /// let q = queue_blocking::SimpleQueue::<u8>::new();
    /// assert!(q.drain().is_empty());
    /// ```
    pub fn drain(&self) -> Vec<T> {
        self.try_iter().collect()
    }

    fn try_iter(&self) -> impl Iterator<Item = T> + '_ {
        core::iter::from_fn(|| self.inner.try_get())
    }

    /// Frees the memory a once-deep queue keeps for its next fill; returns how many segments it
    /// freed. As [`Queue::shrink_to_fit`](crate::Queue::shrink_to_fit).
    ///
    /// ```
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put_many(0..10_000);
    /// assert_eq!(q.drain().len(), 10_000);
    /// assert!(q.shrink_to_fit() > 0);
    /// ```
    pub fn shrink_to_fit(&self) -> usize {
        self.inner.shrink_to_fit()
    }

    /// Number of items (Python's `qsize()`; a snapshot).
    ///
    /// ```
    /// let q = queue_blocking::SimpleQueue::new();
    /// q.put(());
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.inner.len()
    }

    /// Same as [`qsize`](Self::qsize).
    ///
    /// ```
    /// assert_eq!(queue_blocking::SimpleQueue::<()>::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.qsize()
    }

    /// Whether the queue is empty (Python's `empty()`; a snapshot).
    ///
    /// ```
    /// assert!(queue_blocking::SimpleQueue::<()>::new().empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Same as [`empty`](Self::empty).
    ///
    /// ```
    /// assert!(queue_blocking::SimpleQueue::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.empty()
    }
}

impl<T> Default for SimpleQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for SimpleQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleQueue").field("qsize", &self.qsize()).finish_non_exhaustive()
    }
}
