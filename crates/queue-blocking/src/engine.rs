//! The one interface [`BlockingQueue`](crate::BlockingQueue) is written against, implemented by
//! the two engines: `fifo::Fifo` (over the segmented core, for `Queue`) and `queue::Inner` (over
//! any [`RawQueue`], for `LifoQueue`, `PriorityQueue` and user containers).
//!
//! Hidden from the docs: users pick an engine by picking a [`Container`](crate::Container), never
//! by name. The methods that move items carry `where C: RawQueue<T>`, so a queue whose container
//! needs `T: Ord` to order items asks for it only on those methods.

use queue_core::{RawQueue, SegmentedQueue};

use crate::error::{GetError, PutError, TaskDoneError};
use crate::fifo::Fifo;
use crate::queue::Inner;
use crate::time::Deadline;

/// Python's `queue.Queue` protocol over the container `C`. Not for implementing outside this crate.
// Each method is the `BlockingQueue` method of the same name, documented there.
#[allow(missing_docs)]
pub trait Engine<T, C>: Sized {
    /// An empty engine with Python's `maxsize` (0 = unbounded).
    fn with_maxsize(maxsize: usize) -> Self
    where
        C: RawQueue<T>;
    fn maxsize(&self) -> usize;
    fn set_maxsize(&self, maxsize: usize);
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool;
    fn is_full(&self) -> bool;
    fn is_shutdown(&self) -> bool;
    fn unfinished_tasks(&self) -> usize;
    fn task_done(&self) -> Result<(), TaskDoneError>;
    fn join(&self, deadline: Deadline) -> bool;
    fn shutdown(&self);
    fn put(&self, item: T, deadline: Deadline) -> Result<(), PutError<T>>
    where
        C: RawQueue<T>;
    fn get(&self, deadline: Deadline) -> Result<T, GetError>
    where
        C: RawQueue<T>;
    fn try_get(&self) -> Option<T>
    where
        C: RawQueue<T>;
    fn shutdown_immediate(&self) -> Vec<T>
    where
        C: RawQueue<T>;
}

/// Forwards every method of [`Engine`] to the engine's inherent method of the same name.
macro_rules! forward {
    () => {
        fn maxsize(&self) -> usize {
            Self::maxsize(self)
        }
        fn set_maxsize(&self, maxsize: usize) {
            Self::set_maxsize(self, maxsize)
        }
        fn len(&self) -> usize {
            Self::len(self)
        }
        fn is_empty(&self) -> bool {
            Self::is_empty(self)
        }
        fn is_full(&self) -> bool {
            Self::is_full(self)
        }
        fn is_shutdown(&self) -> bool {
            Self::is_shutdown(self)
        }
        fn unfinished_tasks(&self) -> usize {
            Self::unfinished_tasks(self)
        }
        fn task_done(&self) -> Result<(), TaskDoneError> {
            Self::task_done(self)
        }
        fn join(&self, deadline: Deadline) -> bool {
            Self::join(self, deadline)
        }
        fn shutdown(&self) {
            Self::shutdown(self)
        }
    };
}

impl<T, R> Engine<T, R> for Inner<T, R> {
    fn with_maxsize(maxsize: usize) -> Self
    where
        R: RawQueue<T>,
    {
        Self::new(maxsize)
    }
    forward!();
    fn put(&self, item: T, deadline: Deadline) -> Result<(), PutError<T>>
    where
        R: RawQueue<T>,
    {
        Self::put(self, item, deadline)
    }
    fn get(&self, deadline: Deadline) -> Result<T, GetError>
    where
        R: RawQueue<T>,
    {
        Self::get(self, deadline)
    }
    fn try_get(&self) -> Option<T>
    where
        R: RawQueue<T>,
    {
        Self::try_get(self)
    }
    fn shutdown_immediate(&self) -> Vec<T>
    where
        R: RawQueue<T>,
    {
        Self::shutdown_immediate(self)
    }
}

impl<T> Engine<T, SegmentedQueue<T>> for Fifo<T> {
    fn with_maxsize(maxsize: usize) -> Self {
        Self::new(maxsize)
    }
    forward!();
    fn put(&self, item: T, deadline: Deadline) -> Result<(), PutError<T>> {
        Self::put(self, item, deadline)
    }
    fn get(&self, deadline: Deadline) -> Result<T, GetError> {
        Self::get(self, deadline)
    }
    fn try_get(&self) -> Option<T> {
        Self::try_get(self)
    }
    fn shutdown_immediate(&self) -> Vec<T> {
        Self::shutdown_immediate(self)
    }
}
