//! `Queue`, `LifoQueue`, `PriorityQueue` and `SimpleQueue` as Python classes.
//!
//! Each wraps a `queue_blocking` queue of Python objects. Every call that can wait detaches from
//! the interpreter (`wait.rs`); the classes are `frozen`, so no call takes a per-object lock, and
//! the module declares itself safe without the GIL (free-threaded builds).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use queue_blocking::{GetError, PutError};

use crate::errors::{empty, full, shut_down};
use crate::item::{Item, Raised};
use crate::wait::{Wait, wait_detached};

/// Python's `block` argument: any object, read by its truth value (`block=0` is `False`).
pub(crate) struct Truthy(bool);

impl<'py> FromPyObject<'_, 'py> for Truthy {
    type Error = PyErr;

    fn extract(ob: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        Ok(Self(ob.is_truthy()?))
    }
}

/// Runs one queue call, turning a comparison that raised (`item.rs`) back into its exception.
fn guarded<R>(call: impl FnOnce() -> R) -> Result<R, PyErr> {
    catch_unwind(AssertUnwindSafe(call)).map_err(|payload| match payload.downcast::<Raised>() {
        Ok(raised) => raised.0,
        Err(other) => std::panic::resume_unwind(other),
    })
}

/// `Queue.__class_getitem__`, as in CPython (`queue.Queue[int]`).
fn generic_alias<'py>(cls: &Bound<'py, PyType>, item: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = cls.py();
    py.import("types")?.getattr("GenericAlias")?.call1((cls, item))
}

macro_rules! bounded_queue {
    ($(#[$doc:meta])* $name:ident, $queue:ty, $wrap:expr, $unwrap:expr, try_attached: $attached:expr) => {
        $(#[$doc])*
        #[pyclass(module = "queue_rs", frozen, subclass)]
        pub(crate) struct $name {
            queue: $queue,
            /// `maxsize` as Python set it (negative means unbounded, and reads back as set).
            maxsize: AtomicIsize,
            /// Held by the `maxsize` setter across its two stores (here and in the queue), so
            /// that racing setters (free-threaded Python) leave both holding the same value.
            setting: Mutex<()>,
        }

        #[pymethods]
        impl $name {
            #[new]
            #[pyo3(signature = (maxsize = 0))]
            fn new(maxsize: isize) -> Self {
                Self {
                    queue: <$queue>::new(maxsize.max(0) as usize),
                    maxsize: AtomicIsize::new(maxsize),
                    setting: Mutex::new(()),
                }
            }

            #[getter]
            fn get_maxsize(&self) -> isize {
                // Relaxed: a setting read on its own; the queue keeps its own copy for puts.
                self.maxsize.load(Relaxed)
            }

            #[setter]
            fn set_maxsize(&self, maxsize: isize) {
                // Two stores, one setter at a time: without the lock, setters A and B could store
                // A, B here and B, A in the queue, leaving `q.maxsize` saying B while A is the
                // bound in force. Nothing runs under the lock but the two stores and the queue's
                // wake-up of putters (no Python code), so holding it attached cannot deadlock.
                let _one_setter = self.setting.lock().unwrap_or_else(PoisonError::into_inner);
                // Relaxed: as above; the lock orders racing setters.
                self.maxsize.store(maxsize, Relaxed);
                self.queue.set_maxsize(maxsize.max(0) as usize);
            }

            fn qsize(&self) -> usize {
                self.queue.qsize()
            }

            fn empty(&self) -> bool {
                self.queue.empty()
            }

            fn full(&self) -> bool {
                self.queue.full()
            }

            #[getter]
            fn unfinished_tasks(&self) -> usize {
                self.queue.unfinished_tasks()
            }

            #[getter]
            fn is_shutdown(&self) -> bool {
                self.queue.is_shutdown()
            }

            #[pyo3(signature = (item, block = Truthy(true), timeout = None))]
            fn put(&self, py: Python<'_>, item: Py<PyAny>, block: Truthy, timeout: Option<f64>) -> PyResult<()> {
                let block = block.0;
                if self.queue.is_shutdown() {
                    return Err(shut_down(py));
                }
                // CPython checks the timeout only where it would wait: in a bounded queue.
                let wait = if self.queue.capacity().is_some() {
                    Wait::from_python(block, timeout)?
                } else {
                    Wait::Once
                };
                let mut item = Some($wrap(item));
                let done = wait_detached(py, wait, $attached, |slice: Duration| {
                    let it = item.take().expect("the item is back after every failed try");
                    match guarded(|| self.queue.put_timeout(it, slice)) {
                        Ok(Ok(())) => Some(Ok(())),
                        Ok(Err(PutError::Full(it))) => {
                            item = Some(it);
                            None
                        }
                        Ok(Err(PutError::ShutDown(_))) => Some(Err(None)),
                        Err(raised) => Some(Err(Some(raised))),
                    }
                })?;
                match done {
                    Some(Ok(())) => Ok(()),
                    Some(Err(Some(raised))) => Err(raised),
                    Some(Err(None)) => Err(shut_down(py)),
                    None => Err(full(py)),
                }
            }

            fn put_nowait(&self, py: Python<'_>, item: Py<PyAny>) -> PyResult<()> {
                self.put(py, item, Truthy(false), None)
            }

            #[pyo3(signature = (block = Truthy(true), timeout = None))]
            fn get(&self, py: Python<'_>, block: Truthy, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
                let block = block.0;
                // CPython: shut down and empty wins over `Empty` and over a bad timeout.
                if self.queue.is_shutdown() && self.queue.empty() {
                    return Err(shut_down(py));
                }
                let wait = Wait::from_python(block, timeout)?;
                let got = wait_detached(py, wait, $attached, |slice: Duration| {
                    match guarded(|| self.queue.get_timeout(slice)) {
                        Ok(Ok(item)) => Some(Ok(item)),
                        Ok(Err(GetError::Empty)) => None,
                        Ok(Err(GetError::ShutDown)) => Some(Err(None)),
                        Err(raised) => Some(Err(Some(raised))),
                    }
                })?;
                match got {
                    Some(Ok(item)) => Ok($unwrap(item)),
                    Some(Err(Some(raised))) => Err(raised),
                    Some(Err(None)) => Err(shut_down(py)),
                    None => Err(empty(py)),
                }
            }

            fn get_nowait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                self.get(py, Truthy(false), None)
            }

            fn task_done(&self) -> PyResult<()> {
                self.queue
                    .task_done()
                    .map_err(|_| PyValueError::new_err("task_done() called too many times"))
            }

            /// Waits until every item put has been marked done. `timeout` (seconds) is our
            /// extension: with it, returns whether all were done in time.
            #[pyo3(signature = (timeout = None))]
            fn join(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<bool>> {
                let wait = Wait::from_python(true, timeout)?;
                let done = wait_detached(py, wait, true, |slice: Duration| self.queue.join_timeout(slice).then_some(()))?;
                Ok(timeout.map(|_| done.is_some()))
            }

            #[pyo3(signature = (immediate = false))]
            fn shutdown(&self, py: Python<'_>, immediate: bool) {
                if immediate {
                    // Dropped here, attached, so their `__del__`s run now as CPython's would.
                    let drained = py.detach(|| self.queue.shutdown_immediate());
                    drop(drained);
                } else {
                    self.queue.shutdown();
                }
            }

            #[classmethod]
            fn __class_getitem__<'py>(cls: &Bound<'py, PyType>, item: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                generic_alias(cls, item)
            }
        }
    };
}

fn same(item: Py<PyAny>) -> Py<PyAny> {
    item
}

fn unwrap_item(item: Item) -> Py<PyAny> {
    item.0
}

bounded_queue! {
    /// Python's `queue.Queue` on the segmented lock-free FIFO.
    Queue, queue_blocking::Queue<Py<PyAny>>, same, same, try_attached: true
}

bounded_queue! {
    /// Python's `queue.LifoQueue` on the Treiber stack.
    LifoQueue, queue_blocking::LifoQueue<Py<PyAny>>, same, same, try_attached: true
}

bounded_queue! {
    /// Python's `queue.PriorityQueue` on the skiplist, ordered by Python's `<`; equal items leave
    /// first in, first out.
    PriorityQueue, queue_blocking::PriorityQueue<Item>, Item, unwrap_item, try_attached: false
}

/// Python's `queue.SimpleQueue`: unbounded, no task tracking, no shutdown.
#[pyclass(module = "queue_rs", frozen)]
pub(crate) struct SimpleQueue {
    queue: queue_blocking::SimpleQueue<Py<PyAny>>,
}

#[pymethods]
impl SimpleQueue {
    #[new]
    fn new() -> Self {
        Self { queue: queue_blocking::SimpleQueue::new() }
    }

    /// Never blocks; `block` and `timeout` exist for compatibility with `Queue.put`.
    #[pyo3(signature = (item, block = Truthy(true), timeout = None))]
    fn put(&self, item: Py<PyAny>, block: Truthy, timeout: Option<f64>) {
        let _ = (block, timeout);
        self.queue.put(item);
    }

    fn put_nowait(&self, item: Py<PyAny>) {
        self.queue.put(item);
    }

    #[pyo3(signature = (block = Truthy(true), timeout = None))]
    fn get(&self, py: Python<'_>, block: Truthy, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let wait = Wait::from_python(block.0, timeout)?;
        let got = wait_detached(py, wait, true, |slice: Duration| self.queue.get_timeout(slice).ok())?;
        got.ok_or_else(|| empty(py))
    }

    fn get_nowait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.get(py, Truthy(false), None)
    }

    fn empty(&self) -> bool {
        self.queue.empty()
    }

    fn qsize(&self) -> usize {
        self.queue.qsize()
    }

    #[classmethod]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, PyType>,
        item: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        generic_alias(cls, item)
    }
}
