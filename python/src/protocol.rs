//! Subclasses that override a storage hook (`_init`, `_qsize`, `_put`, `_get`) run CPython's
//! protocol (`protocol.py`, embedded here) instead of the Rust queue: the hooks are Python code
//! that must run under one mutex with the others, which the lock-free paths cannot offer.
//!
//! Which protocol an instance runs is decided once, when it is created, from its class
//! ([`overrides_a_hook`]); the native methods check the flag and forward (`classes.rs`).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyModule, PyType};

/// The storage hooks a subclass may override (CPython's names).
pub(crate) const HOOKS: [&str; 4] = ["_init", "_qsize", "_put", "_get"];

static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The protocol module, compiled on first use, with the exception types of `queue_rs`.
pub(crate) fn module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    let module = MODULE.get_or_try_init(py, || {
        let code = std::ffi::CString::new(include_str!("protocol.py")).expect("no NUL in protocol.py");
        let module = PyModule::from_code(py, &code, c"queue_rs/protocol.py", c"queue_rs._protocol")?;
        let queue_rs = py.import("queue_rs")?;
        for name in ["Empty", "Full", "ShutDown"] {
            module.setattr(name, queue_rs.getattr(name)?)?;
        }
        PyResult::Ok(module.unbind())
    })?;
    Ok(module.bind(py))
}

/// Whether `cls`, a subclass of `base`, overrides one of the storage [`HOOKS`].
pub(crate) fn overrides_a_hook(cls: &Bound<'_, PyType>, base: &Bound<'_, PyType>) -> PyResult<bool> {
    if cls.is(base) {
        return Ok(false);
    }
    for hook in HOOKS {
        if !cls.getattr(hook)?.is(&base.getattr(hook)?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Calls the protocol's `name` with `args` (the instance first).
pub(crate) fn call<'py>(
    py: Python<'py>,
    name: &str,
    args: impl pyo3::call::PyCallArgs<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    module(py)?.getattr(name)?.call1(args)
}
