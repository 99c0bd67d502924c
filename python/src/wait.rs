//! Blocking calls from Python: detached from the interpreter while waiting (other threads run),
//! and woken every [`SLICE`] to run signal handlers, so Ctrl-C ends a blocked call with
//! `KeyboardInterrupt` as CPython's own blocking `get` does.

use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// How long a blocked call waits before it checks for signals. It bounds the delay of
/// `KeyboardInterrupt` only; a put or get wakes a waiter at once, whatever the slice.
pub(crate) const SLICE: Duration = Duration::from_millis(50);

/// Python's `block`/`timeout` pair, validated as CPython does.
#[derive(Clone, Copy)]
pub(crate) enum Wait {
    /// `block=False`: one try (the timeout is ignored, as in CPython).
    Once,
    /// `block=True, timeout=None`.
    Forever,
    /// `block=True, timeout=t`, `t >= 0`.
    Until(Instant),
}

impl Wait {
    pub(crate) fn from_python(block: bool, timeout: Option<f64>) -> PyResult<Self> {
        match (block, timeout) {
            (false, _) => Ok(Self::Once),
            (true, None) => Ok(Self::Forever),
            (true, Some(t)) if t < 0.0 || t.is_nan() => {
                Err(PyValueError::new_err("'timeout' must be a non-negative number"))
            }
            (true, Some(t)) => {
                Ok(match Duration::try_from_secs_f64(t).ok().and_then(|d| Instant::now().checked_add(d)) {
                    Some(deadline) => Self::Until(deadline),
                    None => Self::Forever,
                })
            }
        }
    }
}

/// Runs `attempt(slice)` detached until it returns `Some`, checking signals between slices.
/// `attempt` gets how long it may wait this time (`Duration::ZERO` for a last try at the
/// deadline) and returns `None` to go on waiting. Returns `Ok(None)` when the deadline passed.
///
/// With `try_attached`, a first `attempt(Duration::ZERO)` runs without detaching: detaching hands
/// the GIL to another thread, which costs more than an uncontended put or get. Only for queues
/// whose operations never wait for another thread's Python code (not `PriorityQueue`, whose `pop`
/// can wait for a comparison in flight, and a comparison needs the GIL).
pub(crate) fn wait_detached<R: Send>(
    py: Python<'_>,
    wait: Wait,
    try_attached: bool,
    mut attempt: impl FnMut(Duration) -> Option<R> + Send,
) -> PyResult<Option<R>> {
    if try_attached {
        if let Some(r) = attempt(Duration::ZERO) {
            return Ok(Some(r));
        }
        if matches!(wait, Wait::Once) {
            return Ok(None);
        }
    }
    loop {
        let slice = match wait {
            Wait::Once => Duration::ZERO,
            Wait::Forever => SLICE,
            Wait::Until(deadline) => deadline.saturating_duration_since(Instant::now()).min(SLICE),
        };
        if let Some(r) = py.detach(|| attempt(slice)) {
            return Ok(Some(r));
        }
        let timed_out = match wait {
            Wait::Once => true,
            Wait::Forever => false,
            Wait::Until(deadline) => Instant::now() >= deadline,
        };
        if timed_out {
            return Ok(None);
        }
        py.check_signals()?;
    }
}
