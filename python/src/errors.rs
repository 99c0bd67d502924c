//! The exceptions: `Empty` and `Full` *are* the standard library's `queue.Empty` and `queue.Full`
//! (as CPython's own C module reuses them), so `except queue.Empty` catches ours; `ShutDown` is
//! `queue.ShutDown` where it exists (3.13+) and our own subclass of `Exception` before.

use pyo3::prelude::*;
use pyo3::types::PyType;

fn raise(py: Python<'_>, name: &str) -> PyErr {
    match py.import("queue_rs").and_then(|m| m.getattr(name)).and_then(|t| Ok(t.cast_into::<PyType>()?)) {
        Ok(ty) => PyErr::from_type(ty, ()),
        Err(err) => err,
    }
}

pub(crate) fn empty(py: Python<'_>) -> PyErr {
    raise(py, "Empty")
}

pub(crate) fn full(py: Python<'_>) -> PyErr {
    raise(py, "Full")
}

pub(crate) fn shut_down(py: Python<'_>) -> PyErr {
    raise(py, "ShutDown")
}

/// Puts `Empty`, `Full` and `ShutDown` on the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let stdlib = py.import("queue")?;
    m.add("Empty", stdlib.getattr("Empty")?)?;
    m.add("Full", stdlib.getattr("Full")?)?;
    let shut_down = match stdlib.getattr("ShutDown") {
        Ok(ty) => ty,
        Err(_) => {
            let base = py.get_type::<pyo3::exceptions::PyException>();
            PyErr::new_type(
                py,
                c"queue_rs.ShutDown",
                Some(c"Raised by put() or get() on a shut-down queue."),
                Some(&base),
                None,
            )?
            .into_bound(py)
            .into_any()
        }
    };
    m.add("ShutDown", shut_down)?;
    Ok(())
}
