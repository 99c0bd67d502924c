//! Batch methods: several items per call, in the order single calls would move them.
//!
//! They are loops over the single-item operations, so every guarantee of those holds per item
//! (bound, shutdown, wake-ups, `unfinished_tasks`); what a batch saves is the calls and, for
//! gets, the blocking after the first item. Whatever a batch put does not put comes back in the
//! error, in order: nothing is dropped.

use std::time::Duration;

use queue_core::RawQueue;

use crate::blocking::BlockingQueue;
use crate::container::Container;
use crate::error::{GetError, PutError};

impl<T, C: Container<T> + RawQueue<T>> BlockingQueue<T, C> {
    /// Puts every item of `items` in order, waiting for room for each, as a loop of
    /// [`put`](Self::put). If the queue is shut down on the way, fails with
    /// [`PutError::ShutDown`] holding the item that failed followed by those not tried; the
    /// items before it are in the queue.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put_many([1, 2, 3]).unwrap();
    /// q.shutdown();
    /// assert_eq!(q.put_many([4, 5]).unwrap_err().into_inner(), [4, 5]);
    /// assert_eq!(q.drain(), [1, 2, 3]);
    /// ```
    pub fn put_many<I: IntoIterator<Item = T>>(&self, items: I) -> Result<(), PutError<Vec<T>>> {
        put_each(items, |item| self.put(item))
    }

    /// Puts the items of `items` that fit now, in order, without waiting. Fails with
    /// [`PutError::Full`] (or [`PutError::ShutDown`]) holding the first item that did not fit
    /// followed by those not tried.
    ///
    /// ```
    /// let q = queue_blocking::Queue::bounded(2);
    /// let rest = q.put_many_nowait([1, 2, 3, 4]).unwrap_err();
    /// assert!(rest.is_full());
    /// assert_eq!(rest.into_inner(), [3, 4]);
    /// assert_eq!(q.qsize(), 2);
    /// ```
    pub fn put_many_nowait<I: IntoIterator<Item = T>>(&self, items: I) -> Result<(), PutError<Vec<T>>> {
        put_each(items, |item| self.put_nowait(item))
    }

    /// Waits for an item like [`get`](Self::get), then takes up to `max - 1` more that are
    /// already there, appending them all to `buf`; returns how many it appended (tokio's
    /// `recv_many`). `max == 0` returns `Ok(0)` at once. Fails only with [`GetError::ShutDown`],
    /// once the queue is shut down and empty.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put_many(0..10).unwrap();
    /// let mut buf = Vec::new();
    /// assert_eq!(q.get_many(&mut buf, 4), Ok(4));
    /// assert_eq!(buf, [0, 1, 2, 3]);
    /// ```
    pub fn get_many(&self, buf: &mut Vec<T>, max: usize) -> Result<usize, GetError> {
        if max == 0 {
            return Ok(0);
        }
        let first = self.get()?;
        Ok(self.append_more(buf, first, max))
    }

    /// [`get_many`](Self::get_many) that gives up with [`GetError::Empty`] if no item comes
    /// within `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = queue_blocking::Queue::<u8>::unbounded();
    /// let mut buf = Vec::new();
    /// assert!(q.get_many_timeout(&mut buf, 8, Duration::from_millis(1)).is_err());
    /// ```
    pub fn get_many_timeout(
        &self,
        buf: &mut Vec<T>,
        max: usize,
        timeout: Duration,
    ) -> Result<usize, GetError> {
        if max == 0 {
            return Ok(0);
        }
        let first = self.get_timeout(timeout)?;
        Ok(self.append_more(buf, first, max))
    }

    /// The async form of [`get_many`](Self::get_many). Cancel-safe, as
    /// [`get_async`](Self::get_async): items are appended only in the poll that completes it.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put_many(["a", "b"]).unwrap();
    /// let mut buf = Vec::new();
    /// assert_eq!(q.get_many_async(&mut buf, 10).await, Ok(2));
    /// # });
    /// ```
    pub async fn get_many_async(&self, buf: &mut Vec<T>, max: usize) -> Result<usize, GetError> {
        if max == 0 {
            return Ok(0);
        }
        let first = self.get_async().await?;
        Ok(self.append_more(buf, first, max))
    }

    /// Takes every item that is there now, without waiting, in the order `get` would return
    /// them. Unlike [`shutdown_immediate`](Self::shutdown_immediate) it does not shut the queue
    /// down; items put meanwhile may or may not be among them.
    ///
    /// ```
    /// let q = queue_blocking::LifoQueue::unbounded();
    /// q.put_many([1, 2, 3]).unwrap();
    /// assert_eq!(q.drain(), [3, 2, 1]);
    /// assert!(q.empty());
    /// ```
    pub fn drain(&self) -> Vec<T> {
        self.try_iter().collect()
    }

    /// Appends `first` and up to `max - 1` items that are there now; returns how many.
    fn append_more(&self, buf: &mut Vec<T>, first: T, max: usize) -> usize {
        buf.push(first);
        1 + append_available(buf, max - 1, self.try_iter())
    }
}

/// Puts each item with `put` until one fails; the error then holds that item followed by the
/// ones not tried.
fn put_each<T>(
    items: impl IntoIterator<Item = T>,
    put: impl Fn(T) -> Result<(), PutError<T>>,
) -> Result<(), PutError<Vec<T>>> {
    let mut items = items.into_iter();
    for item in items.by_ref() {
        if let Err(err) = put(item) {
            return Err(err.map(|failed| core::iter::once(failed).chain(items).collect()));
        }
    }
    Ok(())
}

/// Appends up to `max` items of `available` to `buf`; returns how many.
pub(crate) fn append_available<T>(buf: &mut Vec<T>, max: usize, available: impl Iterator<Item = T>) -> usize {
    let before = buf.len();
    buf.extend(available.take(max));
    buf.len() - before
}
