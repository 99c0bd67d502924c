//! `queue_rs`: Python's `queue` module on `queue-blocking`. The classes take the same arguments
//! and raise the same exceptions as CPython 3.13's `queue`; `join(timeout)` is an extension.
//! What differs, and why: `python/README.md`.

mod aio;
mod classes;
mod errors;
mod fastcall;
mod item;
mod protocol;
mod wait;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn queue_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<classes::Queue>()?;
    m.add_class::<classes::LifoQueue>()?;
    m.add_class::<classes::PriorityQueue>()?;
    m.add_class::<classes::SimpleQueue>()?;
    m.add_class::<aio::Awaitable>()?;
    fastcall::install(m.py())?;
    Ok(())
}
