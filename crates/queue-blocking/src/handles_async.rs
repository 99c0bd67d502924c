//! The async methods of [`Producer`] and [`Consumer`]: each is the queue's own (async_methods.rs),
//! reached without `.queue()`, so a handle is all a task needs.

use core::future::IntoFuture;

use queue_core::RawQueue;

use crate::container::Container;
use crate::error::{GetError, PutError};
use crate::futures::{GetFuture, JoinFuture, PutFuture};
use crate::handles::{Consumer, Producer};

impl<T, C: Container<T> + RawQueue<T>> Producer<T, C> {
    /// [`BlockingQueue::put_async`](crate::BlockingQueue::put_async): puts `item` without
    /// blocking the thread; cancel-safe (a dropped future drops its item, unput).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx): (queue_blocking::Producer<u32>, _) = queue_blocking::Queue::bounded(1).split();
    /// tx.put_async(7).await.unwrap();
    /// assert_eq!(rx.get_async().await, Ok(7));
    /// # });
    /// ```
    pub fn put_async(&self, item: T) -> PutFuture<'_, T, C> {
        self.queue().put_async(item)
    }

    /// [`BlockingQueue::put_async_timeout`](crate::BlockingQueue::put_async_timeout): gives up
    /// with [`PutError::Full`] when `timer` completes first.
    pub async fn put_async_timeout<F: IntoFuture>(&self, item: T, timer: F) -> Result<(), PutError<T>> {
        self.queue().put_async_timeout(item, timer).await
    }

    /// [`BlockingQueue::join_async`](crate::BlockingQueue::join_async): waits for every task.
    pub fn join_async(&self) -> JoinFuture<'_, T, C> {
        self.queue().join_async()
    }
}

impl<T, C: Container<T> + RawQueue<T>> Consumer<T, C> {
    /// [`BlockingQueue::get_async`](crate::BlockingQueue::get_async): the next item without
    /// blocking the thread; `ShutDown` once the producers are gone and the queue is drained.
    /// Cancel-safe.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx): (_, queue_blocking::Consumer<u32>) = queue_blocking::Queue::unbounded().split();
    /// tx.put(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.get_async().await, Ok(1));
    /// assert!(rx.get_async().await.is_err()); // the last producer is gone
    /// # });
    /// ```
    pub fn get_async(&self) -> GetFuture<'_, T, C> {
        self.queue().get_async()
    }

    /// [`BlockingQueue::get_async_timeout`](crate::BlockingQueue::get_async_timeout): gives up
    /// with [`GetError::Empty`] when `timer` completes first.
    pub async fn get_async_timeout<F: IntoFuture>(&self, timer: F) -> Result<T, GetError> {
        self.queue().get_async_timeout(timer).await
    }

    /// [`BlockingQueue::stream`](crate::BlockingQueue::stream): the items as a
    /// `futures_core::Stream`, ending once the producers are gone and the queue is drained.
    #[cfg(feature = "stream")]
    pub fn stream(&self) -> crate::GetStream<'_, T, C> {
        self.queue().stream()
    }
}
