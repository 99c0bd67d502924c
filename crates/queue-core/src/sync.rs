//! The one place that names the concurrency primitives.
//!
//! Under `cfg(loom)` every atomic, cell and yield comes from loom so that the model checker sees
//! each access; otherwise they come from `core`/`std`. The rest of the crate imports from here and
//! never from `std::sync::atomic` directly, so a loom build checks exactly the code we ship.
//! crossbeam-epoch switches in the same way under `cfg(crossbeam_loom)`.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};

/// Spin-wait hints and yields. Loom turns both into a scheduling point, which is what keeps a
/// model with a retry loop finite.
pub(crate) mod hint {
    #[cfg(not(loom))]
    pub(crate) use core::hint::spin_loop;
    #[cfg(loom)]
    pub(crate) use loom::hint::spin_loop;

    #[cfg(loom)]
    pub(crate) use loom::thread::yield_now;
    #[cfg(not(loom))]
    pub(crate) use std::thread::yield_now;
}

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `core::cell::UnsafeCell` with loom's closure-based API, so that payload accesses read the same
/// under both builds and loom can check each one for a data race.
#[cfg(not(loom))]
#[derive(Debug)]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a shared raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with an exclusive raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
