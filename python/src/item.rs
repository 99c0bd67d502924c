//! A Python object ordered by Python's `<`, for `PriorityQueue`.
//!
//! CPython's `PriorityQueue` is a heap that compares with `<` only; so does this: `a < b` decides
//! `Less`, else `b < a` decides `Greater`, else the two are equal (and leave first in, first out).
//! A comparison that raises cannot return through `Ord`, so it unwinds with the exception as the
//! payload ([`Raised`]); the skiplist leaves itself consistent, the engine restores its counts, and
//! the binding turns the payload back into the exception. `resume_unwind` skips the panic hook, so
//! nothing is printed.

use std::cmp::Ordering;

use pyo3::prelude::*;

/// A queued Python object.
pub(crate) struct Item(pub(crate) Py<PyAny>);

/// The payload of a comparison that raised.
pub(crate) struct Raised(pub(crate) PyErr);

fn less(a: &Py<PyAny>, b: &Py<PyAny>) -> bool {
    // The skiplist compares from whichever thread is inserting, usually detached from the
    // interpreter (the binding detaches around queue operations), so attach for the call.
    let result = Python::attach(|py| a.bind(py).lt(b.bind(py)));
    match result {
        Ok(less) => less,
        Err(err) => std::panic::resume_unwind(Box::new(Raised(err))),
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        if less(&self.0, &other.0) {
            Ordering::Less
        } else if less(&other.0, &self.0) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    }
}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Item {}
