//! The one interface the blocking layer is written against.

/// What `std::panic::catch_unwind` returns on a panic.
pub type PanicPayload = Box<dyn core::any::Any + Send + 'static>;

/// A concurrent container that decides the order in which items leave.
///
/// This plays the role of the `_put`/`_get` hooks of Python's `queue.Queue`: `queue-blocking`
/// runs Python's protocol (maxsize, blocking, `task_done`/`join`, shutdown) over any
/// implementation, through its `BlockingQueue<T, Custom<R>>`, and over the ones in this crate.
/// Implementations are unbounded, never block and never drop an item they were given: every pushed
/// item is either returned by exactly one `pop` or dropped exactly once when the container is
/// dropped.
pub trait RawQueue<T>: Default {
    /// Adds `item`. Never blocks and never fails (allocation failure aborts, as in `std`). If a
    /// user callback (`Ord`) panics, the panic propagates and the item was not added (it is
    /// dropped); a `push` that returns has added it.
    fn push(&self, item: T);

    /// Like `push`, but if a user callback panics before the item is added, returns the item and
    /// the panic payload instead of unwinding, so the caller can restore its own bookkeeping before
    /// the item is dropped (and then resume the panic). The default suits containers that call no
    /// user code.
    fn push_catching_panic(&self, item: T) -> Result<(), (T, PanicPayload)> {
        self.push(item);
        Ok(())
    }

    /// Removes the next item in this container's order, or returns `None` if there was none at the
    /// moment the call looked.
    fn pop(&self) -> Option<T>;

    /// Whether the container held no item at some moment during the call.
    fn is_empty(&self) -> bool;
}
