//! Errors, named after Python's exceptions. A failed put always gives the item back.

use core::fmt;

/// Why a put failed; holds the item that was not put, so nothing is lost.
///
/// Its `Debug` prints only the variant (`Full(..)`), never the item, so it is available for every `T`.
///
/// ```
/// use queue_blocking::{PutError, Queue};
///
/// let q = Queue::new(1);
/// q.put_nowait("a").unwrap();
/// let err = q.put_nowait("b").unwrap_err();
/// assert!(matches!(err, PutError::Full(_)));
/// assert_eq!(err.into_inner(), "b");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue stayed full until the call gave up (Python's `queue.Full`).
    Full(T),
    /// The queue was shut down (Python's `queue.ShutDown`); takes precedence over `Full`.
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// let err = queue_blocking::PutError::ShutDown(7);
    /// assert_eq!(err.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(item) | Self::ShutDown(item) => item,
        }
    }

    /// The same error around `f(item)`: for instance the failed item together with those a
    /// batch put did not try (as [`put_many`](crate::BlockingQueue::put_many) returns).
    ///
    /// ```
    /// let err = queue_blocking::PutError::Full(2).map(|item| item * 10);
    /// assert_eq!(err.into_inner(), 20);
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> PutError<U> {
        match self {
            Self::Full(item) => PutError::Full(f(item)),
            Self::ShutDown(item) => PutError::ShutDown(f(item)),
        }
    }

    /// Whether this is [`PutError::Full`].
    ///
    /// ```
    /// assert!(queue_blocking::PutError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether this is [`PutError::ShutDown`].
    ///
    /// ```
    /// assert!(queue_blocking::PutError::ShutDown(()).is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        matches!(self, Self::ShutDown(_))
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "Full(..)",
            Self::ShutDown(_) => "ShutDown(..)",
        })
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "the queue is full",
            Self::ShutDown(_) => "the queue is shut down",
        })
    }
}

impl<T> std::error::Error for PutError<T> {}

/// Why a get failed.
///
/// ```
/// use queue_blocking::{GetError, Queue};
///
/// let q = Queue::<i32>::new(0);
/// assert_eq!(q.get_nowait(), Err(GetError::Empty));
/// q.shutdown();
/// assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GetError {
    /// Nothing arrived before the call gave up (Python's `queue.Empty`).
    Empty,
    /// The queue is shut down and empty (Python's `queue.ShutDown`); takes precedence over `Empty`.
    ShutDown,
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the queue is empty",
            Self::ShutDown => "the queue is shut down and empty",
        })
    }
}

impl std::error::Error for GetError {}

/// `task_done` was called more times than items were put (Python's `ValueError`).
///
/// ```
/// let q = queue_blocking::Queue::<()>::new(0);
/// assert_eq!(q.task_done(), Err(queue_blocking::TaskDoneError));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl std::error::Error for TaskDoneError {}
