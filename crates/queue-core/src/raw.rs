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
    /// user callback (`Ord`) panics, the panic propagates; whether the item was added then
    /// depends on when it panicked, which [`push_catching_panic`](Self::push_catching_panic)
    /// tells. A container should not keep an item whose `push` panicked before it was added:
    /// the blocking layer does not count such an item, so it would stay hidden until the container
    /// is dropped (and be dropped then, once).
    fn push(&self, item: T);

    /// Like `push`, but says how a panic in user code relates to the item instead of unwinding:
    ///
    /// * `Ok(None)`: added, no panic.
    /// * `Ok(Some(payload))`: added, then user code panicked (the skiplist's `Ord` while it
    ///   indexes the item); the caller finishes its bookkeeping for an added item, then resumes
    ///   the panic.
    /// * `Err((item, payload))`: user code panicked before the item was added; the item comes
    ///   back, so the caller can restore its bookkeeping before the item is dropped.
    ///
    /// The default calls `push`, which suits containers that call no user code; if that `push`
    /// panics, the panic propagates, the caller cannot know whether the item went in, and the
    /// item has been dropped before the caller could restore anything (an item whose `Drop` uses
    /// the same blocking queue then finds it mid-put). A container whose `push` can panic should
    /// implement this method with `std::panic::catch_unwind` and return the item.
    #[inline]
    fn push_catching_panic(&self, item: T) -> Result<Option<PanicPayload>, (T, PanicPayload)> {
        self.push(item);
        Ok(None)
    }

    /// Removes the next item in this container's order, or returns `None` if there was none at the
    /// moment the call looked.
    fn pop(&self) -> Option<T>;

    /// Whether the container held no item at some moment during the call.
    fn is_empty(&self) -> bool;
}
