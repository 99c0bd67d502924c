//! [`Task`]: an item taken from a queue together with the duty to mark it done.
//!
//! Python's workers pair every `get` with a `task_done` in a `finally:`; forgetting it (or a
//! worker dying between the two) makes `join` wait forever. The guard makes the pairing
//! structural: `task_done` runs when the guard is dropped, also while a panicking worker unwinds.

use core::fmt;
use core::ops::{Deref, DerefMut};
use std::time::Duration;

use queue_core::RawQueue;

use crate::blocking::BlockingQueue;
use crate::container::Container;
use crate::error::GetError;

/// An item from [`get_task`](BlockingQueue::get_task): derefs to the item, and marks its task done
/// ([`task_done`](BlockingQueue::task_done)) when dropped, after the item itself is dropped.
///
/// ```
/// let q = queue_blocking::Queue::unbounded();
/// q.put(String::from("job")).unwrap();
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         let job = q.get_task().unwrap();
///         assert_eq!(job.len(), 3);
///         // the task is done when `job` goes out of scope, even if this thread panics
///     });
///     q.join();
/// });
/// ```
#[must_use = "dropping the guard marks the task done at once"]
pub struct Task<'a, T, C: Container<T>> {
    // Declared first, so dropped before `done` marks the task done.
    item: T,
    done: MarkDone<'a, T, C>,
}

/// Calls `task_done` when dropped.
struct MarkDone<'a, T, C: Container<T>>(&'a BlockingQueue<T, C>);

impl<T, C: Container<T>> Drop for MarkDone<'_, T, C> {
    fn drop(&mut self) {
        // It can only fail if the caller also called `task_done` for this item by hand; the task
        // is done either way, and a panic here could abort an unwinding worker.
        let _ = self.0.task_done();
    }
}

impl<'a, T, C: Container<T>> Task<'a, T, C> {
    fn new(queue: &'a BlockingQueue<T, C>, item: T) -> Self {
        Self { item, done: MarkDone(queue) }
    }

    /// Marks the task done now and returns the item (for an item that lives on after its work,
    /// such as a reply to send).
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(5).unwrap();
    /// let five = q.get_task().unwrap().into_inner();
    /// assert_eq!((five, q.unfinished_tasks()), (5, 0));
    /// ```
    pub fn into_inner(self) -> T {
        let Self { item, done } = self;
        drop(done);
        item
    }
}

impl<T, C: Container<T> + RawQueue<T>> BlockingQueue<T, C> {
    /// [`get`](Self::get), with the item inside a [`Task`] guard that calls
    /// [`task_done`](Self::task_done) when dropped, so a worker that returns early or panics
    /// still marks its task done and [`join`](Self::join) cannot hang on it.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// let worker = std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         let _task = q.get_task().unwrap();
    ///         panic!("the worker fails");
    ///     })
    ///     .join()
    /// });
    /// assert!(worker.is_err());
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// q.join(); // returns at once
    /// ```
    pub fn get_task(&self) -> Result<Task<'_, T, C>, GetError> {
        self.get().map(|item| Task::new(self, item))
    }

    /// [`get_timeout`](Self::get_timeout) with a [`Task`] guard.
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = queue_blocking::Queue::<u8>::unbounded();
    /// assert!(q.get_task_timeout(Duration::from_millis(1)).is_err());
    /// ```
    pub fn get_task_timeout(&self, timeout: Duration) -> Result<Task<'_, T, C>, GetError> {
        self.get_timeout(timeout).map(|item| Task::new(self, item))
    }

    /// [`get_nowait`](Self::get_nowait) with a [`Task`] guard.
    ///
    /// ```
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put('a').unwrap();
    /// assert_eq!(*q.get_task_nowait().unwrap(), 'a');
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// ```
    pub fn get_task_nowait(&self) -> Result<Task<'_, T, C>, GetError> {
        self.get_nowait().map(|item| Task::new(self, item))
    }

    /// [`get_async`](Self::get_async) with a [`Task`] guard; cancel-safe as `get_async`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let q = queue_blocking::Queue::unbounded();
    /// q.put(1).unwrap();
    /// let task = q.get_task_async().await.unwrap();
    /// assert_eq!(*task, 1);
    /// drop(task);
    /// q.join_async().await;
    /// # });
    /// ```
    pub async fn get_task_async(&self) -> Result<Task<'_, T, C>, GetError> {
        self.get_async().await.map(|item| Task::new(self, item))
    }
}

impl<T, C: Container<T>> Deref for Task<'_, T, C> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.item
    }
}

impl<T, C: Container<T>> DerefMut for Task<'_, T, C> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.item
    }
}

impl<T: fmt::Debug, C: Container<T>> fmt::Debug for Task<'_, T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Task").field(&self.item).finish()
    }
}
