//! The one interface [`BlockingQueue`](crate::BlockingQueue) is written against, implemented by
//! the two engines: `fifo::Fifo` (over the segmented core, for `Queue`) and `queue::Inner` (over
//! any [`RawQueue`], for `LifoQueue`, `PriorityQueue` and user containers).
//!
//! Hidden from the docs: users pick an engine by picking a [`Container`](crate::Container), never
//! by name. The methods that move items carry `where C: RawQueue<T>`, so a queue whose container
//! needs `T: Ord` to order items asks for it only on those methods.

use queue_core::{RawQueue, SegmentedQueue};

use crate::error::{GetError, PutError, TaskDoneError};
use crate::event::{Event, Events};
use crate::fifo::Fifo;
use crate::queue::Inner;
use crate::time::Deadline;
use crate::wait::{self, At, RoomGauge, SPIN_ROUNDS};

/// Python's `queue.Queue` protocol over the container `C`. Not for implementing outside this crate.
///
/// An engine supplies the operations that never wait (`attempt_put`, `attempt_get`), what a
/// waiter re-checks (`can_put`, `can_get`, `all_tasks_done`) and its three events; `put`, `get`
/// and `join` are written once, here, over the wait protocol of wait.rs.
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
    fn is_shutdown(&self) -> bool;
    fn unfinished_tasks(&self) -> usize;
    fn task_done(&self) -> Result<(), TaskDoneError>;
    fn shutdown(&self);
    fn shutdown_immediate(&self) -> Vec<T>
    where
        C: RawQueue<T>;

    fn events(&self) -> &Events;
    /// Whether a put would find room now (re-checked by waiting putters).
    fn has_room(&self) -> bool;
    /// Whether a get could be decided now: an item is there, or the queue is shut down and no
    /// put can still add one. What a waiting getter re-checks after it registers.
    fn can_get(&self) -> bool;
    /// `unfinished_tasks() == 0`, read with Acquire so the tasks' work is visible to the caller.
    fn all_tasks_done(&self) -> bool;

    fn is_full(&self) -> bool {
        let max = self.maxsize();
        max > 0 && self.len() >= max
    }

    /// Where getters wait; notified by every put and by shutdown.
    fn not_empty(&self) -> &Event {
        &self.events().not_empty
    }

    /// Where putters wait; notified by every get, by `set_maxsize` and by shutdown.
    fn not_full(&self) -> &Event {
        &self.events().not_full
    }

    /// Where joiners wait; notified (all of them) when no task is left.
    fn all_done(&self) -> &Event {
        &self.events().all_done
    }

    /// Whether a put could be decided now: room, or shut down.
    fn can_put(&self) -> bool {
        self.is_shutdown() || self.has_room()
    }

    /// The gate of a spinning putter's attempts (`wait::until`, `wait::poll_after`): room for a
    /// batch, room that stopped growing, or a shutdown to report (`wait::RoomGauge`).
    fn putter_gate(&self) -> impl FnMut() -> bool + '_ {
        let mut gauge = RoomGauge::new();
        move || self.is_shutdown() || gauge.worth_attempting(self.maxsize(), self.len())
    }

    /// One put attempt that never waits (notifying a getter on success); if the queue is full,
    /// the verdict is `full(item)`. Python's order: shut down first. A continuation rather than a
    /// `Full` to match on afterwards: the second match cost `Queue` about 10 instructions per
    /// put+get pair (callgrind, docs/performance.md).
    fn attempt_put_or(
        &self,
        item: T,
        full: impl FnOnce(T) -> Result<(), PutError<T>>,
    ) -> Result<(), PutError<T>>
    where
        C: RawQueue<T>;

    /// One get attempt that never waits (notifying a putter on success); if the queue is empty
    /// and may fill again, the verdict is `empty()`. `ShutDown` is final.
    fn attempt_get_or(&self, empty: impl FnOnce() -> Result<T, GetError>) -> Result<T, GetError>
    where
        C: RawQueue<T>;

    /// [`attempt_put_or`](Self::attempt_put_or) answering `Full` when full.
    fn attempt_put(&self, item: T) -> Result<(), PutError<T>>
    where
        C: RawQueue<T>,
    {
        self.attempt_put_or(item, |item| Err(PutError::Full(item)))
    }

    /// [`attempt_get_or`](Self::attempt_get_or) answering `Empty` when empty.
    fn attempt_get(&self) -> Result<T, GetError>
    where
        C: RawQueue<T>,
    {
        self.attempt_get_or(|| Err(GetError::Empty))
    }

    /// Puts `item`, waiting for room until `deadline`.
    #[inline]
    fn put(&self, item: T, deadline: Deadline) -> Result<(), PutError<T>>
    where
        C: RawQueue<T>,
    {
        self.attempt_put_or(item, |item| self.put_waiting(item, deadline))
    }

    /// `put` after its first attempt found the queue full. Out of line, so that `put` stays
    /// small enough to inline into callers (it did not when this body was inside it, which cost
    /// the never-blocking put+get about 6 %).
    #[cold]
    #[inline(never)]
    fn put_waiting(&self, item: T, deadline: Deadline) -> Result<(), PutError<T>>
    where
        C: RawQueue<T>,
    {
        wait::until(
            At::one_of(self.not_full(), SPIN_ROUNDS, || self.has_room()),
            deadline,
            item,
            |item| wait::unless_full(self.attempt_put(item)),
            || self.can_put(),
            |item| Err(PutError::Full(item)),
            self.putter_gate(),
        )
    }

    /// Takes an item, waiting for one until `deadline`.
    #[inline]
    fn get(&self, deadline: Deadline) -> Result<T, GetError>
    where
        C: RawQueue<T>,
    {
        self.attempt_get_or(|| self.get_waiting(deadline))
    }

    /// `get` after its first attempt found the queue empty; out of line, as `put_waiting`.
    #[cold]
    #[inline(never)]
    fn get_waiting(&self, deadline: Deadline) -> Result<T, GetError>
    where
        C: RawQueue<T>,
    {
        wait::until(
            At::one_of(self.not_empty(), SPIN_ROUNDS, || !self.is_empty()),
            deadline,
            (),
            |()| wait::unless_empty(self.attempt_get()),
            || self.can_get(),
            |()| Err(GetError::Empty),
            wait::always,
        )
    }

    /// Takes an item if one is there.
    fn try_get(&self) -> Option<T>
    where
        C: RawQueue<T>,
    {
        self.attempt_get().ok()
    }

    /// Waits until every task is done or `deadline` passes; returns whether all are done. No
    /// spinning: tasks take long.
    fn join(&self, deadline: Deadline) -> bool {
        let done = || self.all_tasks_done();
        let attempt = |()| if done() { Ok(true) } else { Err(()) };
        done() || {
            let at = At::all_of(self.all_done());
            wait::until(at, deadline, (), attempt, done, |()| false, wait::always)
        }
    }
}

/// Forwards every method of [`Engine`] that an engine defines to its inherent method of the
/// same name.
macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(
            fn $method(&self, $($arg: $ty),*) -> $ret {
                Self::$method(self, $($arg),*)
            }
        )*
    };
}

macro_rules! engine_methods {
    () => {
        forward! {
            maxsize() -> usize;
            set_maxsize(maxsize: usize) -> ();
            len() -> usize;
            is_empty() -> bool;
            is_shutdown() -> bool;
            unfinished_tasks() -> usize;
            task_done() -> Result<(), TaskDoneError>;
            shutdown() -> ();
            events() -> &Events;
            has_room() -> bool;
            can_get() -> bool;
            all_tasks_done() -> bool;
        }
    };
}

/// Forwards the item-moving methods to the engine's inherent ones, with the bound on `$c` that
/// the trait puts on them.
macro_rules! item_methods {
    ($c:ty) => {
        fn shutdown_immediate(&self) -> Vec<T>
        where
            $c: RawQueue<T>,
        {
            Self::shutdown_immediate(self)
        }
        #[inline]
        fn attempt_put_or(
            &self,
            item: T,
            full: impl FnOnce(T) -> Result<(), PutError<T>>,
        ) -> Result<(), PutError<T>>
        where
            $c: RawQueue<T>,
        {
            Self::attempt_put_or(self, item, full)
        }
        #[inline]
        fn attempt_get_or(&self, empty: impl FnOnce() -> Result<T, GetError>) -> Result<T, GetError>
        where
            $c: RawQueue<T>,
        {
            Self::attempt_get_or(self, empty)
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
    engine_methods!();
    item_methods!(R);
}

impl<T> Engine<T, SegmentedQueue<T>> for Fifo<T> {
    fn with_maxsize(maxsize: usize) -> Self {
        Self::new(maxsize)
    }
    engine_methods!();
    item_methods!(SegmentedQueue<T>);
}
