//! Small unwind-safety helpers shared by the structures' `Drop` impls.

/// Runs a closure when dropped, including during unwinding.
pub(crate) struct OnDrop<F: FnMut()>(pub(crate) F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// Drops every item `pop` yields. If one item's `Drop` panics, the rest are still dropped on the
/// way out and the panic then continues; a second panic aborts. This is what `Vec` does.
pub(crate) fn drain_and_drop<T>(mut pop: impl FnMut() -> Option<T>) {
    let mut rest = OnDrop(move || while pop().is_some() {});
    (rest.0)();
}
