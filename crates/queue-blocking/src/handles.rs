//! [`Producer`] and [`Consumer`]: the two sides of a split [`BlockingQueue`], each counted, so the
//! queue shuts down when a side is gone (as a Rust channel disconnects).
//!
//! The async forms of their methods are in handles_async.rs.
//!
//! The counts only decide *when* to call the queue's own `shutdown`/`shutdown_immediate`; what a
//! racing put or get sees is then the queue's shutdown guarantee (crate docs, "Shutdown").

use core::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::time::{Duration, Instant};

use queue_core::{RawQueue, SegmentedQueue};

use crate::blocking::BlockingQueue;
use crate::container::Container;
use crate::error::{GetError, PutError, TaskDoneError};

struct Shared<T, C: Container<T>> {
    queue: BlockingQueue<T, C>,
    producers: AtomicUsize,
    consumers: AtomicUsize,
}

impl<T, C: Container<T> + RawQueue<T>> BlockingQueue<T, C> {
    /// Splits the queue into cloneable [`Producer`] and [`Consumer`] handles. When the last
    /// producer is dropped the queue shuts down: consumers drain what is left, then `get` fails
    /// with [`GetError::ShutDown`] (and [`Consumer::iter`] ends). When the last consumer is
    /// dropped the queue shuts down immediately: puts fail with [`PutError::ShutDown`], giving the
    /// item back, and the items left inside are dropped (counted as done, so a producer's `join`
    /// waits only for items that a consumer took and has not marked done).
    ///
    /// Sharing the queue itself by `&` or `Arc` needs no handles; they are for code that wants a
    /// queue to close when a side goes away.
    ///
    /// ```
    /// let (tx, rx) = queue_blocking::Queue::bounded(4).split();
    /// let worker = std::thread::spawn(move || rx.iter().sum::<u32>());
    /// for i in 1..=10 {
    ///     tx.put(i).unwrap();
    /// }
    /// drop(tx); // the last producer: the worker's `iter` ends once the queue is empty
    /// assert_eq!(worker.join().unwrap(), 55);
    /// ```
    pub fn split(self) -> (Producer<T, C>, Consumer<T, C>) {
        let shared =
            Arc::new(Shared { queue: self, producers: AtomicUsize::new(1), consumers: AtomicUsize::new(1) });
        (Producer { shared: Arc::clone(&shared) }, Consumer { shared })
    }
}

/// The putting side of a [`split`](BlockingQueue::split) queue. Clone it for more producers; the
/// queue shuts down when the last one is dropped.
///
/// `C` defaults to `Queue`'s container, so a FIFO's handles are `Producer<T>` and `Consumer<T>`.
pub struct Producer<T, C: Container<T> + RawQueue<T> = SegmentedQueue<T>> {
    shared: Arc<Shared<T, C>>,
}

/// The getting side of a [`split`](BlockingQueue::split) queue. Clone it for more consumers; the
/// queue shuts down immediately when the last one is dropped.
///
/// `C` defaults to `Queue`'s container, as for [`Producer`].
pub struct Consumer<T, C: Container<T> + RawQueue<T> = SegmentedQueue<T>> {
    shared: Arc<Shared<T, C>>,
}

impl<T, C: Container<T> + RawQueue<T>> Producer<T, C> {
    /// [`BlockingQueue::put`].
    ///
    /// ```
    /// let (tx, rx) = queue_blocking::Queue::unbounded().split();
    /// drop(rx);
    /// assert_eq!(tx.put(1).unwrap_err().into_inner(), 1);
    /// ```
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.shared.queue.put(item)
    }

    /// [`BlockingQueue::put_timeout`].
    ///
    /// ```
    /// let (tx, _rx) = queue_blocking::Queue::bounded(1).split();
    /// tx.put(1).unwrap();
    /// assert!(tx.put_timeout(2, std::time::Duration::ZERO).unwrap_err().is_full());
    /// ```
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.shared.queue.put_timeout(item, timeout)
    }

    /// [`BlockingQueue::put_deadline`].
    ///
    /// ```
    /// let (tx, _rx) = queue_blocking::Queue::bounded(1).split();
    /// assert!(tx.put_deadline(1, std::time::Instant::now()).is_ok());
    /// ```
    pub fn put_deadline(&self, item: T, deadline: Instant) -> Result<(), PutError<T>> {
        self.shared.queue.put_deadline(item, deadline)
    }

    /// [`BlockingQueue::put_nowait`].
    ///
    /// ```
    /// let (tx, _rx) = queue_blocking::Queue::bounded(1).split();
    /// tx.put_nowait(1).unwrap();
    /// assert!(tx.put_nowait(2).unwrap_err().is_full());
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        self.shared.queue.put_nowait(item)
    }

    /// [`BlockingQueue::join`].
    ///
    /// ```
    /// let (tx, rx) = queue_blocking::Queue::unbounded().split();
    /// tx.put(1).unwrap();
    /// std::thread::spawn(move || {
    ///     rx.get().unwrap();
    ///     rx.task_done().unwrap();
    /// });
    /// tx.join();
    /// ```
    pub fn join(&self) {
        self.shared.queue.join();
    }

    /// [`BlockingQueue::join_timeout`].
    ///
    /// ```
    /// let (tx, _rx) = queue_blocking::Queue::unbounded().split();
    /// tx.put(1).unwrap();
    /// assert!(!tx.join_timeout(std::time::Duration::ZERO));
    /// ```
    #[must_use = "false means tasks are still unfinished"]
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.shared.queue.join_timeout(timeout)
    }

    /// The queue, for what the handle does not forward (`qsize`, `maxsize`, `shutdown`, ...).
    ///
    /// ```
    /// let (tx, _rx) = queue_blocking::Queue::unbounded().split();
    /// tx.put(1).unwrap();
    /// assert_eq!(tx.queue().qsize(), 1);
    /// ```
    pub fn queue(&self) -> &BlockingQueue<T, C> {
        &self.shared.queue
    }
}

impl<T, C: Container<T> + RawQueue<T>> Consumer<T, C> {
    /// [`BlockingQueue::get`]; fails with [`GetError::ShutDown`] once every producer is gone and
    /// the queue is empty.
    ///
    /// ```
    /// let (tx, rx) = queue_blocking::Queue::unbounded().split();
    /// tx.put(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.get(), Ok(1));
    /// assert_eq!(rx.get(), Err(queue_blocking::GetError::ShutDown));
    /// ```
    pub fn get(&self) -> Result<T, GetError> {
        self.shared.queue.get()
    }

    /// [`BlockingQueue::get_timeout`].
    ///
    /// ```
    /// let (_tx, rx) = queue_blocking::Queue::<u8>::unbounded().split();
    /// assert_eq!(rx.get_timeout(std::time::Duration::ZERO), Err(queue_blocking::GetError::Empty));
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.shared.queue.get_timeout(timeout)
    }

    /// [`BlockingQueue::get_deadline`].
    ///
    /// ```
    /// let (tx, rx) = queue_blocking::Queue::unbounded().split();
    /// tx.put(1).unwrap();
    /// assert_eq!(rx.get_deadline(std::time::Instant::now()), Ok(1));
    /// ```
    pub fn get_deadline(&self, deadline: Instant) -> Result<T, GetError> {
        self.shared.queue.get_deadline(deadline)
    }

    /// [`BlockingQueue::get_nowait`].
    ///
    /// ```
    /// let (_tx, rx) = queue_blocking::Queue::<u8>::unbounded().split();
    /// assert_eq!(rx.get_nowait(), Err(queue_blocking::GetError::Empty));
    /// ```
    pub fn get_nowait(&self) -> Result<T, GetError> {
        self.shared.queue.get_nowait()
    }

    /// [`BlockingQueue::task_done`].
    ///
    /// ```
    /// let (tx, rx) = queue_blocking::Queue::unbounded().split();
    /// tx.put(1).unwrap();
    /// rx.get().unwrap();
    /// assert!(rx.task_done().is_ok());
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.shared.queue.task_done()
    }

    /// [`BlockingQueue::iter`]: items as they come, until every producer is gone and the queue is
    /// empty.
    ///
    /// ```
    /// let (tx, rx) = queue_blocking::Queue::unbounded().split();
    /// tx.put(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [2]);
    /// ```
    #[must_use = "iterators are lazy: nothing is taken until it is consumed"]
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.shared.queue.iter()
    }

    /// [`BlockingQueue::try_iter`].
    ///
    /// ```
    /// let (tx, rx) = queue_blocking::Queue::unbounded().split();
    /// tx.put(2).unwrap();
    /// assert_eq!(rx.try_iter().count(), 1);
    /// ```
    #[must_use = "iterators are lazy: nothing is taken until it is consumed"]
    pub fn try_iter(&self) -> impl Iterator<Item = T> + '_ {
        self.shared.queue.try_iter()
    }

    /// The queue, for what the handle does not forward.
    ///
    /// ```
    /// let (_tx, rx) = queue_blocking::Queue::<u8>::bounded(3).split();
    /// assert_eq!(rx.queue().capacity(), Some(3));
    /// ```
    pub fn queue(&self) -> &BlockingQueue<T, C> {
        &self.shared.queue
    }
}

impl<T, C: Container<T> + RawQueue<T>> Clone for Producer<T, C> {
    fn clone(&self) -> Self {
        // Relaxed: a new handle is made from a live one, so the count cannot be at zero here, and
        // nothing is published by the increment (as in `Arc::clone`).
        self.shared.producers.fetch_add(1, Relaxed);
        Self { shared: Arc::clone(&self.shared) }
    }
}

impl<T, C: Container<T> + RawQueue<T>> Clone for Consumer<T, C> {
    fn clone(&self) -> Self {
        // Relaxed: as in `Producer::clone`.
        self.shared.consumers.fetch_add(1, Relaxed);
        Self { shared: Arc::clone(&self.shared) }
    }
}

impl<T, C: Container<T> + RawQueue<T>> Drop for Producer<T, C> {
    fn drop(&mut self) {
        // AcqRel: the decrements form one release sequence, so every other producer's puts
        // happen before the last one's shutdown; puts racing it are the queue's shutdown race.
        if self.shared.producers.fetch_sub(1, AcqRel) == 1 {
            self.shared.queue.shutdown();
        }
    }
}

impl<T, C: Container<T> + RawQueue<T>> Drop for Consumer<T, C> {
    fn drop(&mut self) {
        // AcqRel: as in `Producer::drop`, for the consumers' gets and task_done calls.
        if self.shared.consumers.fetch_sub(1, AcqRel) == 1 {
            // Nobody can take these any more; drop them now and count them done.
            drop(self.shared.queue.shutdown_immediate());
        }
    }
}

impl<T, C: Container<T> + RawQueue<T>> fmt::Debug for Producer<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer").field("queue", &self.shared.queue).finish()
    }
}

impl<T, C: Container<T> + RawQueue<T>> fmt::Debug for Consumer<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer").field("queue", &self.shared.queue).finish()
    }
}
