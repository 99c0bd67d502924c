//! The async methods of [`BlockingQueue`]: the same queue, awaited instead of blocked on.
//!
//! They need no runtime: the futures use only `std`'s `Future` and `Waker`. The timed forms
//! take the caller's timer future (`tokio::time::sleep(d)`, `async_io::Timer::after(d)`, ...)
//! rather than a `Duration` or an `Instant`, because without a runtime nothing could wake a task
//! when an instant passes.

use core::future::{Future, IntoFuture, poll_fn};
use core::pin::{Pin, pin};
use core::task::Poll;

use queue_core::RawQueue;

use crate::blocking::BlockingQueue;
use crate::container::Container;
use crate::engine::Engine;
use crate::error::{GetError, PutError};
use crate::futures::{GetFuture, JoinFuture, PutFuture};

impl<T, C: Container<T> + RawQueue<T>> BlockingQueue<T, C> {
    /// Adds `item`, waiting while the queue is full, without blocking the thread: the async form
    /// of [`put`](Self::put). A blocked `get()` on another thread and a task awaiting
    /// [`get_async`](Self::get_async) are both woken by it.
    ///
    /// Cancel safety: if the future is dropped before it completes, the item was not put and is
    /// dropped with it.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = queue_blocking::Queue::bounded(1);
    /// q.put_async(1).await.unwrap();
    /// assert_eq!(q.get_async().await, Ok(1));
    /// # });
    /// ```
    pub fn put_async(&self, item: T) -> PutFuture<'_, T, C> {
        PutFuture::new(&self.engine, item)
    }

    /// [`put_async`](Self::put_async) that gives up with [`PutError::Full`] (and the item) when
    /// `timer` completes first, like `put(item, timeout=t)`. The queue is tried once more when the
    /// timer fires, so an item that finds room at that moment still goes in.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let q = queue_blocking::Queue::bounded(1);
    /// q.put_nowait(1).unwrap();
    /// let late = q.put_async_timeout(2, tokio::time::sleep(Duration::from_millis(1))).await;
    /// assert_eq!(late.unwrap_err().into_inner(), 2);
    /// # });
    /// ```
    pub async fn put_async_timeout<F: IntoFuture>(&self, item: T, timer: F) -> Result<(), PutError<T>> {
        let mut put = self.put_async(item);
        let mut timer = pin!(timer.into_future());
        poll_fn(|cx| {
            if let Poll::Ready(verdict) = Pin::new(&mut put).poll(cx) {
                return Poll::Ready(verdict);
            }
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let item = put.take_item().expect("a pending put holds its item");
            // One last claim, as a blocking put makes before it reports `Full`.
            Poll::Ready(self.engine.attempt_put(item))
        })
        .await
    }

    /// Removes and returns the next item, waiting while the queue is empty, without blocking the
    /// thread: the async form of [`get`](Self::get). After a shutdown it still returns what is
    /// left, then [`GetError::ShutDown`].
    ///
    /// Cancel safety: an item is taken only in the poll that returns it, so dropping the future
    /// loses nothing, and a wake-up it had received goes to another waiter.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = queue_blocking::Queue::unbounded();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| q.put("from a thread").unwrap());
    /// });
    /// assert_eq!(q.get_async().await, Ok("from a thread"));
    /// # });
    /// ```
    pub fn get_async(&self) -> GetFuture<'_, T, C> {
        GetFuture::new(&self.engine)
    }

    /// [`get_async`](Self::get_async) that gives up with [`GetError::Empty`] when `timer`
    /// completes first, like `get(timeout=t)`. The queue is re-checked when the timer fires.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let q = queue_blocking::Queue::<u8>::unbounded();
    /// let got = q.get_async_timeout(tokio::time::sleep(Duration::from_millis(1))).await;
    /// assert_eq!(got, Err(queue_blocking::GetError::Empty));
    /// # });
    /// ```
    pub async fn get_async_timeout<F: IntoFuture>(&self, timer: F) -> Result<T, GetError> {
        get_with_timer(self.get_async(), timer).await
    }
}

impl<T, C: Container<T>> BlockingQueue<T, C> {
    /// Waits until every item put has been marked done, without blocking the thread: the async
    /// form of [`join`](Self::join).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         q.get().unwrap();
    ///         q.task_done().unwrap();
    ///     });
    /// });
    /// q.join_async().await;
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// # });
    /// ```
    pub fn join_async(&self) -> JoinFuture<'_, T, C> {
        JoinFuture::new(&self.engine)
    }

    /// [`join_async`](Self::join_async) that gives up when `timer` completes first; returns
    /// whether every task is done.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// assert!(!q.join_async_timeout(tokio::time::sleep(Duration::from_millis(1))).await);
    /// # });
    /// ```
    pub async fn join_async_timeout<F: IntoFuture>(&self, timer: F) -> bool {
        let mut join = self.join_async();
        let mut timer = pin!(timer.into_future());
        poll_fn(|cx| {
            if Pin::new(&mut join).poll(cx).is_ready() {
                return Poll::Ready(true);
            }
            match timer.as_mut().poll(cx) {
                Poll::Ready(_) => Poll::Ready(self.engine.all_tasks_done()),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }
}

/// Runs `get` until `timer` completes; then one last attempt decides.
pub(crate) async fn get_with_timer<T, C, F>(mut get: GetFuture<'_, T, C>, timer: F) -> Result<T, GetError>
where
    C: Container<T> + RawQueue<T>,
    F: IntoFuture,
{
    let mut timer = pin!(timer.into_future());
    poll_fn(|cx| {
        if let Poll::Ready(verdict) = Pin::new(&mut get).poll(cx) {
            return Poll::Ready(verdict);
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(_) => Poll::Ready(get.give_up()),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
