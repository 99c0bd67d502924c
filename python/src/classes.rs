//! `Queue`, `LifoQueue`, `PriorityQueue` and `SimpleQueue` as Python classes.
//!
//! Each wraps a `queue_blocking` queue of Python objects. Every call that can wait detaches from
//! the interpreter (`wait.rs`); the classes are `frozen`, so no call takes a per-object lock, and
//! the module declares itself safe without the GIL (free-threaded builds).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use pyo3::exceptions::{PyAttributeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};
use queue_blocking::{GetError, PutError};

use crate::aio::{self, Outcome};
use crate::errors::{empty, full, shut_down};
use crate::item::{Item, Raised};
use crate::protocol;
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
pub(crate) fn guarded<R>(call: impl FnOnce() -> R) -> Result<R, PyErr> {
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

/// An attribute of a protocol-mode instance that the native class also defines (as a read-only
/// property), kept in the instance's `__dict__` as CPython keeps it.
fn instance_attribute<'py>(slf: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    match slf.getattr("__dict__")?.cast_into::<PyDict>()?.get_item(name)? {
        Some(value) => Ok(value),
        None => Err(PyAttributeError::new_err(format!(
            "'{}' object has no attribute '{name}'",
            slf.get_type().name()?
        ))),
    }
}

fn set_instance_attribute(slf: &Bound<'_, PyAny>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    slf.getattr("__dict__")?.cast_into::<PyDict>()?.set_item(name, value)
}

macro_rules! bounded_queue {
    (
        $(#[$doc:meta])* $name:ident, $queue:ty, $wrap:expr, $unwrap:expr, try_attached: $attached:expr,
        hooks: $init:literal, $put:literal, $get:literal
    ) => {
        $(#[$doc])*
        #[pyclass(module = "queue_rs", frozen, subclass)]
        pub(crate) struct $name {
            queue: $queue,
            /// `maxsize` as Python set it (negative means unbounded, and reads back as set).
            maxsize: AtomicIsize,
            /// Held by the `maxsize` setter across its two stores (here and in the queue), so
            /// that racing setters (free-threaded Python) leave both holding the same value.
            setting: Mutex<()>,
            /// The instance's class overrides a storage hook: every method runs CPython's
            /// protocol over the hooks (`protocol.rs`), and `queue` above stays unused.
            protocol: bool,
        }

        #[pymethods]
        impl $name {
            /// Any arguments, so that a subclass's constructor may take its own; `__init__`
            /// takes Python's `maxsize`.
            #[new]
            #[classmethod]
            #[pyo3(signature = (*_args, **_kwargs), text_signature = "(maxsize=0)")]
            fn new(
                cls: &Bound<'_, PyType>,
                _args: &Bound<'_, PyTuple>,
                _kwargs: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<Self> {
                let base = cls.py().get_type::<Self>();
                Ok(Self {
                    queue: <$queue>::new(0),
                    maxsize: AtomicIsize::new(0),
                    setting: Mutex::new(()),
                    protocol: protocol::overrides_a_hook(cls, &base)?,
                })
            }

            #[pyo3(signature = (maxsize = 0))]
            fn __init__(slf: &Bound<'_, Self>, maxsize: isize) -> PyResult<()> {
                if slf.get().protocol {
                    protocol::call(slf.py(), "init", (slf, maxsize))?;
                } else {
                    slf.get().set_maxsize(maxsize);
                }
                Ok(())
            }

            // The storage hooks of CPython's class, for a protocol-mode subclass that calls the
            // base class's (`Queue._put(self, item)`, `super()._get()`).

            fn _init(slf: &Bound<'_, Self>, maxsize: isize) -> PyResult<()> {
                protocol::call(slf.py(), $init, (slf, maxsize)).map(drop)
            }

            fn _qsize<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                protocol::call(slf.py(), "stored", (slf,))
            }

            fn _put(slf: &Bound<'_, Self>, item: Py<PyAny>) -> PyResult<()> {
                protocol::call(slf.py(), $put, (slf, item)).map(drop)
            }

            fn _get<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                protocol::call(slf.py(), $get, (slf,))
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

            fn qsize<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                if slf.get().protocol {
                    return protocol::call(slf.py(), "qsize", (slf,));
                }
                slf.get().queue.qsize().into_pyobject(slf.py()).map(Bound::into_any).map_err(Into::into)
            }

            fn empty(slf: &Bound<'_, Self>) -> PyResult<bool> {
                if slf.get().protocol {
                    return protocol::call(slf.py(), "empty", (slf,))?.is_truthy();
                }
                Ok(slf.get().queue.empty())
            }

            fn full(slf: &Bound<'_, Self>) -> PyResult<bool> {
                if slf.get().protocol {
                    return protocol::call(slf.py(), "full", (slf,))?.is_truthy();
                }
                Ok(slf.get().queue.full())
            }

            #[getter]
            fn get_unfinished_tasks<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                if slf.get().protocol {
                    return instance_attribute(slf.as_any(), "unfinished_tasks");
                }
                slf.get().queue.unfinished_tasks().into_pyobject(slf.py()).map(Bound::into_any).map_err(Into::into)
            }

            /// Writable only in protocol mode, where it is the protocol's counter.
            #[setter]
            fn set_unfinished_tasks(slf: &Bound<'_, Self>, value: Bound<'_, PyAny>) -> PyResult<()> {
                if slf.get().protocol {
                    return set_instance_attribute(slf.as_any(), "unfinished_tasks", &value);
                }
                Err(PyAttributeError::new_err("unfinished_tasks is counted by the queue"))
            }

            #[getter]
            fn get_is_shutdown<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                if slf.get().protocol {
                    return instance_attribute(slf.as_any(), "is_shutdown");
                }
                slf.get().queue.is_shutdown().into_pyobject(slf.py()).map(|b| b.to_owned().into_any()).map_err(Into::into)
            }

            /// Writable only in protocol mode, where it is the protocol's flag.
            #[setter]
            fn set_is_shutdown(slf: &Bound<'_, Self>, value: Bound<'_, PyAny>) -> PyResult<()> {
                if slf.get().protocol {
                    return set_instance_attribute(slf.as_any(), "is_shutdown", &value);
                }
                Err(PyAttributeError::new_err("is_shutdown is set by shutdown()"))
            }

            #[pyo3(
                signature = (item, block = Truthy(true), timeout = None),
                text_signature = "($self, item, block=True, timeout=None)"
            )]
            fn put(slf: &Bound<'_, Self>, item: Py<PyAny>, block: Truthy, timeout: Option<f64>) -> PyResult<()> {
                let py = slf.py();
                if slf.get().protocol {
                    return protocol::call(py, "put", (slf, item, block.0, timeout)).map(drop);
                }
                let this = slf.get();
                this.put_native(py, item, block.0, timeout)
            }

            fn put_nowait(slf: &Bound<'_, Self>, item: Py<PyAny>) -> PyResult<()> {
                Self::put(slf, item, Truthy(false), None)
            }

            #[pyo3(signature = (block = Truthy(true), timeout = None), text_signature = "($self, block=True, timeout=None)")]
            fn get(slf: &Bound<'_, Self>, block: Truthy, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
                let py = slf.py();
                if slf.get().protocol {
                    return protocol::call(py, "get", (slf, block.0, timeout)).map(Bound::unbind);
                }
                slf.get().get_native(py, block.0, timeout)
            }

            fn get_nowait(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
                Self::get(slf, Truthy(false), None)
            }

            fn task_done(slf: &Bound<'_, Self>) -> PyResult<()> {
                if slf.get().protocol {
                    return protocol::call(slf.py(), "task_done", (slf,)).map(drop);
                }
                slf.get()
                    .queue
                    .task_done()
                    .map_err(|_| PyValueError::new_err("task_done() called too many times"))
            }

            /// Waits until every item put has been marked done. `timeout` (seconds) is our
            /// extension: with it, returns whether all were done in time.
            #[pyo3(signature = (timeout = None))]
            fn join<'py>(slf: &Bound<'py, Self>, timeout: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
                let py = slf.py();
                if slf.get().protocol {
                    return protocol::call(py, "join", (slf, timeout));
                }
                let this = slf.get();
                let wait = Wait::from_python(true, timeout)?;
                let done = wait_detached(py, wait, true, |slice: Duration| this.queue.join_timeout(slice).then_some(()))?;
                timeout.map(|_| done.is_some()).into_pyobject(py).map(|b| b.to_owned().into_any()).map_err(Into::into)
            }

            #[pyo3(signature = (immediate = false))]
            fn shutdown(slf: &Bound<'_, Self>, immediate: bool) -> PyResult<()> {
                let py = slf.py();
                if slf.get().protocol {
                    return protocol::call(py, "shutdown", (slf, immediate)).map(drop);
                }
                let this = slf.get();
                if immediate {
                    // Dropped here, attached, so their `__del__`s run now as CPython's would.
                    let drained = py.detach(|| this.queue.shutdown_immediate());
                    drop(drained);
                } else {
                    this.queue.shutdown();
                }
                Ok(())
            }

            /// Puts `item` from an asyncio task, waiting for room without blocking the loop; raises
            /// `ShutDown` as `put` does. Cancel-safe: a cancelled put put nothing.
            fn put_async<'py>(slf: &Bound<'py, Self>, item: Py<PyAny>) -> PyResult<Bound<'py, PyAny>> {
                if slf.get().protocol {
                    return protocol::call(slf.py(), "put_async", (slf, item));
                }
                aio::awaitable(slf, !$attached, |this| {
                    aio::step(this.queue.put_async($wrap(item)), |put| match put {
                        Ok(()) => Outcome::Done,
                        // A put future waits while the queue is full: it never answers `Full`.
                        Err(_) => Outcome::ShutDown,
                    })
                })
            }

            /// Takes an item from an asyncio task, waiting without blocking the loop; raises
            /// `ShutDown` as `get` does. Cancel-safe: a cancelled get took nothing.
            fn get_async<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                if slf.get().protocol {
                    return protocol::call(slf.py(), "get_async", (slf,));
                }
                aio::awaitable(slf, !$attached, |this| {
                    aio::step(this.queue.get_async(), |got| match got {
                        Ok(item) => Outcome::Value($unwrap(item)),
                        Err(_) => Outcome::ShutDown,
                    })
                })
            }

            /// Waits, from an asyncio task, until every task is done.
            fn join_async<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                if slf.get().protocol {
                    return protocol::call(slf.py(), "join_async", (slf,));
                }
                aio::awaitable(slf, !$attached, |this| aio::step(this.queue.join_async(), |()| Outcome::Done))
            }

            #[classmethod]
            fn __class_getitem__<'py>(cls: &Bound<'py, PyType>, item: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                generic_alias(cls, item)
            }
        }

        impl $name {
            fn put_native(&self, py: Python<'_>, item: Py<PyAny>, block: bool, timeout: Option<f64>) -> PyResult<()> {
                // CPython checks the timeout only where it would wait: in a bounded queue.
                let bounded = self.queue.capacity().is_some();
                let mut item = $wrap(item);
                // The common call first, where no timeout needs validating (CPython validates
                // it before looking for room): one attempt, attached.
                if $attached && (!bounded || timeout.is_none() || !block) {
                    match self.queue.put_nowait(item) {
                        Ok(()) => return Ok(()),
                        Err(PutError::ShutDown(_)) => return Err(shut_down(py)),
                        Err(PutError::Full(_)) if !block => return Err(full(py)),
                        Err(PutError::Full(back)) => item = back,
                    }
                } else if self.queue.is_shutdown() {
                    return Err(shut_down(py));
                }
                let wait = if bounded { Wait::from_python(block, timeout)? } else { Wait::Once };
                let mut item = Some(item);
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

            fn get_native(&self, py: Python<'_>, block: bool, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
                // The common call first, as in `put_native`: an item there, no timeout to validate.
                if $attached
                    && (timeout.is_none() || !block)
                    && let Ok(item) = self.queue.get_nowait()
                {
                    return Ok($unwrap(item));
                }
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
    Queue, queue_blocking::Queue<Py<PyAny>>, same, same, try_attached: true,
    hooks: "fifo_init", "fifo_put", "fifo_get"
}

bounded_queue! {
    /// Python's `queue.LifoQueue` on the Treiber stack.
    LifoQueue, queue_blocking::LifoQueue<Py<PyAny>>, same, same, try_attached: true,
    hooks: "lifo_init", "lifo_put", "lifo_get"
}

bounded_queue! {
    /// Python's `queue.PriorityQueue` on the skiplist, ordered by Python's `<`; equal items leave
    /// first in, first out.
    PriorityQueue, queue_blocking::PriorityQueue<Item>, Item, unwrap_item, try_attached: false,
    hooks: "priority_init", "priority_put", "priority_get"
}

/// Python's `queue.SimpleQueue`: unbounded, no task tracking, no shutdown.
#[pyclass(module = "queue_rs", frozen, subclass)]
pub(crate) struct SimpleQueue {
    queue: queue_blocking::SimpleQueue<Py<PyAny>>,
}

/// For fastcall.rs.
impl SimpleQueue {
    pub(crate) fn put_item(&self, item: Py<PyAny>) {
        self.queue.put(item);
    }

    pub(crate) fn try_item(&self) -> Option<Py<PyAny>> {
        self.queue.get_nowait().ok()
    }
}

#[pymethods]
impl SimpleQueue {
    /// No arguments, as CPython's; a subclass's constructor may take its own (CPython's C
    /// `SimpleQueue` checks the arguments only for the class itself).
    #[new]
    #[classmethod]
    #[pyo3(signature = (*args, **kwargs), text_signature = "()")]
    fn new(
        cls: &Bound<'_, PyType>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        if cls.is(cls.py().get_type::<Self>()) {
            if !args.is_empty() {
                return Err(PyTypeError::new_err("SimpleQueue() takes no positional arguments"));
            }
            if kwargs.is_some_and(|k| !k.is_empty()) {
                return Err(PyTypeError::new_err("SimpleQueue() takes no keyword arguments"));
            }
        }
        Ok(Self { queue: queue_blocking::SimpleQueue::new() })
    }

    /// Never blocks; `block` and `timeout` exist for compatibility with `Queue.put`.
    #[pyo3(
        signature = (item, block = Truthy(true), timeout = None),
        text_signature = "($self, item, block=True, timeout=None)"
    )]
    fn put(&self, item: Py<PyAny>, block: Truthy, timeout: Option<f64>) {
        let _ = (block, timeout);
        self.queue.put(item);
    }

    fn put_nowait(&self, item: Py<PyAny>) {
        self.queue.put(item);
    }

    /// `put` with any arguments: where fastcall.rs's `put` sends every call but `put(item)`.
    #[pyo3(signature = (item, block = Truthy(true), timeout = None))]
    fn _put_full(&self, item: Py<PyAny>, block: Truthy, timeout: Option<f64>) {
        self.put(item, block, timeout);
    }

    /// `get` with any arguments: where fastcall.rs's `get` sends every call but a `get()` that
    /// finds an item.
    #[pyo3(signature = (block = Truthy(true), timeout = None))]
    fn _get_full(&self, py: Python<'_>, block: Truthy, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        self.get(py, block, timeout)
    }

    #[pyo3(signature = (block = Truthy(true), timeout = None), text_signature = "($self, block=True, timeout=None)")]
    fn get(&self, py: Python<'_>, block: Truthy, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        // The common call first: no timeout to validate (CPython checks it before looking), and
        // an item there.
        if (timeout.is_none() || !block.0)
            && let Ok(item) = self.queue.get_nowait()
        {
            return Ok(item);
        }
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

    /// `put` for asyncio code: it never waits, so the awaitable is ready at once.
    fn put_async<'py>(slf: &Bound<'py, Self>, item: Py<PyAny>) -> PyResult<Bound<'py, PyAny>> {
        slf.get().queue.put(item);
        aio::awaitable(slf, false, |_| aio::ready(Outcome::Done))
    }

    /// Takes an item from an asyncio task, waiting without blocking the loop. Cancel-safe.
    fn get_async<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        aio::awaitable(slf, false, |this| {
            aio::step(this.queue.get_async(), |got| match got {
                Ok(item) => Outcome::Value(item),
                Err(_) => Outcome::ShutDown,
            })
        })
    }

    #[classmethod]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, PyType>,
        item: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        generic_alias(cls, item)
    }
}
