//! [`GetStream`]: the items of a queue as a `futures_core::Stream` (feature `stream`).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use queue_core::{RawQueue, SegmentedQueue};

use crate::blocking::BlockingQueue;
use crate::container::Container;
use crate::error::GetError;
use crate::futures::GetFuture;
use crate::simple::SimpleQueue;

/// The items of a queue as they come, ending once it is shut down and empty: the async form of
/// [`iter`](BlockingQueue::iter). From [`BlockingQueue::stream`] or [`SimpleQueue::stream`]
/// (which never ends). Dropping it between items loses nothing, as for
/// [`get_async`](BlockingQueue::get_async).
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct GetStream<'a, T, C: Container<T>> {
    // A get future can be polled again after it completes: it simply gets again.
    get: GetFuture<'a, T, C>,
    ended: bool,
}

impl<T, C: Container<T> + RawQueue<T>> BlockingQueue<T, C> {
    /// The items as a [`Stream`], ending once the queue is shut down and empty.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use futures_core::Stream;
    /// use std::pin::pin;
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put_many([1, 2]).unwrap();
    /// q.shutdown();
    /// let mut items = pin!(q.stream());
    /// let mut sum = 0;
    /// while let Some(item) = std::future::poll_fn(|cx| items.as_mut().poll_next(cx)).await {
    ///     sum += item;
    /// }
    /// assert_eq!(sum, 3);
    /// # });
    /// ```
    pub fn stream(&self) -> GetStream<'_, T, C> {
        GetStream { get: self.get_async(), ended: false }
    }
}

impl<T> SimpleQueue<T> {
    /// The items as a [`Stream`] that never ends (a `SimpleQueue` cannot be shut down).
    pub fn stream(&self) -> GetStream<'_, T, SegmentedQueue<T>> {
        GetStream { get: self.get_async(), ended: false }
    }
}

impl<T, C: Container<T> + RawQueue<T>> Stream for GetStream<'_, T, C> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.get).poll(cx) {
            Poll::Ready(Ok(item)) => Poll::Ready(Some(item)),
            // An untimed get fails only with `ShutDown`.
            Poll::Ready(Err(GetError::ShutDown | GetError::Empty)) => {
                this.ended = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T, C: Container<T> + RawQueue<T>> FusedStream for GetStream<'_, T, C> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}
