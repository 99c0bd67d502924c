//! What a [`BlockingQueue`](crate::BlockingQueue) keeps its items in.

use queue_core::{MsQueue, PanicPayload, RawQueue, SegmentedQueue, SkipListPq, TreiberStack};

use crate::engine::Engine;
use crate::fifo::Fifo;
use crate::queue::Inner;

/// The container under a [`BlockingQueue`](crate::BlockingQueue): it decides the order in which
/// items leave, and, through a hidden associated type, which engine runs Python's protocol on it.
///
/// Implemented for the four `queue-core` structures and for [`Custom`], which takes your own
/// container. `SegmentedQueue` gets a dedicated engine, where the bound, the shutdown mark and the
/// task count live in the core's position words (one claim per put or get); every other container
/// gets the generic engine, which keeps those counts beside it (docs/design.md).
///
/// | alias | container | order |
/// |---|---|---|
/// | [`Queue`](crate::Queue) | [`SegmentedQueue`] | first in, first out |
/// | [`LifoQueue`](crate::LifoQueue) | [`TreiberStack`] | last in, first out |
/// | [`PriorityQueue`](crate::PriorityQueue) | [`SkipListPq`] | smallest first, ties first in, first out |
/// | `BlockingQueue<T, MsQueue<T>>` | [`MsQueue`] | first in, first out (the textbook core) |
/// | `BlockingQueue<T, Custom<R>>` | your [`RawQueue`] `R` | yours |
///
/// This trait cannot be implemented outside this crate (its associated type names a hidden
/// engine); wrap your container in [`Custom`] instead.
pub trait Container<T>: Sized {
    /// The name `Debug` prints for a queue over this container.
    const NAME: &'static str;
    #[doc(hidden)]
    type Engine: Engine<T, Self>;
}

impl<T> Container<T> for SegmentedQueue<T> {
    const NAME: &'static str = "Queue";
    type Engine = Fifo<T>;
}

impl<T> Container<T> for TreiberStack<T> {
    const NAME: &'static str = "LifoQueue";
    type Engine = Inner<T, Self>;
}

impl<T> Container<T> for SkipListPq<T> {
    const NAME: &'static str = "PriorityQueue";
    type Engine = Inner<T, Self>;
}

impl<T> Container<T> for MsQueue<T> {
    const NAME: &'static str = "BlockingQueue<MsQueue>";
    type Engine = Inner<T, Self>;
}

/// Your own container under a [`BlockingQueue`](crate::BlockingQueue): the Rust form of Python's
/// subclass that overrides `_init`, `_qsize`, `_put` and `_get`.
///
/// `R` implements [`RawQueue`]: a thread-safe container that is unbounded and never blocks. The
/// queue does everything else (maxsize, blocking with timeouts, `task_done`/`join`, shutdown) and
/// calls `R::push` and `R::pop` only when its own counts say an item may go in or must be there, so
/// `R` needs no locking of its own beyond what keeps it consistent. Python's `_qsize` is not
/// needed: the queue counts items itself.
///
/// ```
/// use std::sync::Mutex;
/// use queue_blocking::{BlockingQueue, Custom, RawQueue};
///
/// /// Hands out the most recently put item among the last two: a toy order.
/// #[derive(Default)]
/// struct Jumbled(Mutex<Vec<u32>>);
///
/// impl RawQueue<u32> for Jumbled {
///     fn push(&self, item: u32) {
///         self.0.lock().unwrap().push(item);
///     }
///     fn pop(&self) -> Option<u32> {
///         let mut v = self.0.lock().unwrap();
///         let n = v.len();
///         if n >= 2 { v.swap(n - 2, n - 1) }
///         v.pop()
///     }
///     fn is_empty(&self) -> bool {
///         self.0.lock().unwrap().is_empty()
///     }
/// }
///
/// let q: BlockingQueue<u32, Custom<Jumbled>> = BlockingQueue::new(2);
/// q.put(1).unwrap();
/// q.put(2).unwrap();
/// assert!(q.put_nowait(3).unwrap_err().is_full());
/// assert_eq!(q.get(), Ok(1));
/// ```
#[derive(Debug, Default)]
pub struct Custom<R>(pub R);

impl<T, R> Container<T> for Custom<R> {
    const NAME: &'static str = "BlockingQueue<Custom>";
    type Engine = Inner<T, Self>;
}

impl<T, R: RawQueue<T>> RawQueue<T> for Custom<R> {
    fn push(&self, item: T) {
        self.0.push(item);
    }

    #[inline]
    fn push_catching_panic(&self, item: T) -> Result<Option<PanicPayload>, (T, PanicPayload)> {
        self.0.push_catching_panic(item)
    }

    fn pop(&self) -> Option<T> {
        self.0.pop()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
