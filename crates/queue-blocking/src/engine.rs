//! The one interface [`BlockingQueue`](crate::BlockingQueue) is written against, implemented by
//! the two engines: `fifo::Fifo` (over the segmented core, for `Queue`) and `queue::Inner` (over
//! any [`RawQueue`], for `LifoQueue`, `PriorityQueue` and user containers).
//!
//! Hidden from the docs: users pick an engine by picking a [`Container`](crate::Container), never
//! by name. The methods that move items carry `where C: RawQueue<T>`, so a queue whose container
//! needs `T: Ord` to order items asks for it only on those methods.

use core::time::Duration;

use queue_core::{RawQueue, SegmentedQueue};

use crate::error::{GetError, PutError, TaskDoneError};
use crate::event::Event;
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

    // ---- for the futures (futures.rs) ----

    /// Where getters wait; notified by every put and by shutdown.
    fn not_empty(&self) -> &Event;
    /// Where putters wait; notified by every get, by `set_maxsize` and by shutdown.
    fn not_full(&self) -> &Event;
    /// Where joiners wait; notified (all of them) when no task is left.
    fn all_done(&self) -> &Event;
    /// Whether a get could be decided now: an item is there, or the queue is shut down and no
    /// put can still add one. What a waiting getter re-checks after it registers.
    fn can_get(&self) -> bool;
    /// Whether a put could be decided now: room, or shut down.
    fn can_put(&self) -> bool;
    /// `unfinished_tasks() == 0`, read with Acquire so the tasks' work is visible to the caller.
    fn all_tasks_done(&self) -> bool;

    /// One put attempt that never waits: `Ok` with the verdict, or `Err` with the item back if the
    /// queue is full.
    fn attempt_put(&self, item: T) -> Result<Result<(), PutError<T>>, T>
    where
        C: RawQueue<T>,
    {
        match self.put(item, Deadline::after(Duration::ZERO)) {
            Err(PutError::Full(item)) => Err(item),
            verdict => Ok(verdict),
        }
    }

    /// One get attempt that never waits: `None` if the queue is empty and may fill again.
    fn attempt_get(&self) -> Option<Result<T, GetError>>
    where
        C: RawQueue<T>,
    {
        match self.get(Deadline::after(Duration::ZERO)) {
            Err(GetError::Empty) => None,
            verdict => Some(verdict),
        }
    }
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
        fn not_empty(&self) -> &Event {
            Self::not_empty(self)
        }
        fn not_full(&self) -> &Event {
            Self::not_full(self)
        }
        fn all_done(&self) -> &Event {
            Self::all_done(self)
        }
        fn can_get(&self) -> bool {
            Self::can_get(self)
        }
        fn can_put(&self) -> bool {
            Self::can_put(self)
        }
        fn all_tasks_done(&self) -> bool {
            Self::all_tasks_done(self)
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
    fn attempt_put(&self, item: T) -> Result<Result<(), PutError<T>>, T> {
        Self::try_put(self, item)
    }
    fn attempt_get(&self) -> Option<Result<T, GetError>> {
        Self::try_take(self)
    }
}
