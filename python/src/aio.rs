//! asyncio: `put_async`, `get_async` and `join_async` return an [`Awaitable`] that drives the
//! queue's own Rust future (queue-blocking's async methods) from the running event loop.
//!
//! An `Awaitable` is its own iterator, as `await` wants: each step polls the Rust future. When the
//! future is pending, the step yields an asyncio future of the running loop, and the Rust waker,
//! called by whichever thread or task notifies (a thread in a blocking `put`, another loop, this
//! one), resolves it through `loop.call_soon_threadsafe`; the task then steps again. Threads may use
//! the blocking methods on the same queue meanwhile: both wait at the same events.
//!
//! Cancellation: the task throws `CancelledError` in (or drops the awaitable), which drops the Rust
//! future, and those are cancel-safe (queue-blocking's futures.rs): a get that had not returned
//! took no item, and a wake-up it had received goes to the next waiter; a put that had not
//! returned put nothing (the caller still has the object).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use pyo3::PyClass;
use pyo3::exceptions::{PyRuntimeError, PyStopIteration};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::classes::guarded;
use crate::errors::shut_down;

/// How a queue's future ended, in values that need no interpreter to make (a poll may run
/// detached from it).
pub(crate) enum Outcome {
    Value(Py<PyAny>),
    /// `None`: a put or join that completed.
    Done,
    ShutDown,
    /// A comparison that raised (`PriorityQueue`), as the exception again.
    Raised(PyErr),
}

/// One poll of the queue's future, which may borrow the queue for `'a`.
pub(crate) type Step<'a> = Box<dyn FnMut(&mut Context<'_>) -> Poll<Outcome> + Send + Sync + 'a>;

/// Polls `future` as a [`Step`], its output turned into an [`Outcome`] by `done`.
pub(crate) fn step<'a, F, O>(mut future: F, done: O) -> Step<'a>
where
    F: Future + Unpin + Send + Sync + 'a,
    O: Fn(F::Output) -> Outcome + Send + Sync + 'a,
{
    Box::new(move |cx| match guarded(|| Pin::new(&mut future).poll(cx)) {
        Ok(Poll::Ready(output)) => Poll::Ready(done(output)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(raised) => Poll::Ready(Outcome::Raised(raised)),
    })
}

/// A [`Step`] that is ready at once with `outcome` (`SimpleQueue.put_async`: its put never waits).
pub(crate) fn ready(outcome: Outcome) -> Step<'static> {
    let mut outcome = Some(outcome);
    Box::new(move |_| Poll::Ready(outcome.take().expect("polled once: the awaitable drops a ready step")))
}

/// Wakes the task awaiting an [`Awaitable`]: resolves the asyncio future it yielded, on its loop.
struct LoopWaker {
    /// The asyncio future yielded by the last pending step, taken by the first wake-up after it.
    pending: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    /// `(loop.call_soon_threadsafe, future, the loop's thread)`.
    future: Option<(Py<PyAny>, Py<PyAny>, std::thread::ThreadId)>,
    /// A wake-up came while no future was stored (between the poll and the store): the step
    /// polls again instead of yielding.
    woken: bool,
}

impl Wake for LoopWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let taken = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            pending.woken = true;
            pending.future.take()
        };
        if let Some((call_soon_threadsafe, future, loop_thread)) = taken {
            Python::attach(|py| {
                let _ = resolver(py).and_then(|resolve| {
                    if std::thread::current().id() == loop_thread {
                        // Woken from a task (or callback) of the same loop: resolve now; the
                        // future schedules its task itself, and the loop's self-pipe stays quiet.
                        resolve.call1(py, (future,))
                    } else {
                        // A closed loop raises; its task is gone, and so is anyone to tell.
                        call_soon_threadsafe.call1(py, (resolve, future))
                    }
                });
            });
        }
    }
}

static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `lambda future: future.done() or future.set_result(None)`: the future may have been cancelled
/// with its task.
fn resolver(py: Python<'_>) -> PyResult<&Py<PyAny>> {
    RESOLVE.get_or_try_init(py, || {
        let code = c"lambda future: future.done() or future.set_result(None)";
        Ok(py.eval(code, None, None)?.unbind())
    })
}

/// What `put_async`, `get_async` and `join_async` return: await it once. (`QueueAwaitable` in
/// Python, so that `from queue_rs import *` leaves `typing.Awaitable` alone.)
#[pyclass(module = "queue_rs", name = "QueueAwaitable")]
pub(crate) struct Awaitable {
    /// Declared first, so dropped first: it may borrow the queue inside `_owner`.
    step: Option<Step<'static>>,
    waker: Option<(Arc<LoopWaker>, Waker)>,
    /// Poll detached from the interpreter: for queues whose operations can wait for another
    /// thread's Python code (`PriorityQueue`: a pop waits for a comparison in flight, which needs
    /// the interpreter this thread would be holding).
    detached: bool,
    /// Keeps the queue that `step` borrows alive, at the same address.
    _owner: Py<PyAny>,
}

/// An [`Awaitable`] over the step `make` builds from `owner`'s Rust value (a queue): what every
/// `*_async` method returns. The one place where a step's borrow outlives the call.
pub(crate) fn awaitable<'py, T>(
    owner: &Bound<'py, T>,
    detached: bool,
    make: impl for<'a> FnOnce(&'a T) -> Step<'a>,
) -> PyResult<Bound<'py, PyAny>>
where
    T: PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync,
{
    let step = make(owner.get());
    // SAFETY: by `make`'s higher-ranked bound, `step` borrows nothing but `owner`'s Rust value,
    // which its Python object keeps at one address for its whole life; the `Awaitable` holds that
    // object in `_owner` and drops `step` first (field order), so the borrow never dangles.
    let step = unsafe { std::mem::transmute::<Step<'_>, Step<'static>>(step) };
    let awaitable =
        Awaitable { step: Some(step), waker: None, detached, _owner: owner.clone().into_any().unbind() };
    Ok(Bound::new(owner.py(), awaitable)?.into_any())
}

#[pymethods]
impl Awaitable {
    fn __await__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let Self { step: slot, waker, detached, .. } = self;
        let Some(step) = slot.as_mut() else {
            return Err(PyRuntimeError::new_err("this queue_rs awaitable was already awaited"));
        };
        let (shared, waker) = waker.get_or_insert_with(|| {
            let shared = Arc::new(LoopWaker { pending: Mutex::default() });
            let waker = Waker::from(Arc::clone(&shared));
            (shared, waker)
        });
        loop {
            shared.pending.lock().unwrap_or_else(PoisonError::into_inner).woken = false;
            let polled = if *detached {
                let waker = &*waker;
                py.detach(|| step(&mut Context::from_waker(waker)))
            } else {
                step(&mut Context::from_waker(waker))
            };
            if let Poll::Ready(outcome) = polled {
                *slot = None;
                return Err(match outcome {
                    Outcome::Value(value) => PyStopIteration::new_err((value,)),
                    Outcome::Done => PyStopIteration::new_err((py.None(),)),
                    Outcome::ShutDown => shut_down(py),
                    Outcome::Raised(err) => err,
                });
            }
            let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
            let future = event_loop.call_method0("create_future")?;
            let mut pending = shared.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if pending.woken {
                // Notified since the poll: poll again rather than wait for nothing.
                continue;
            }
            let call_soon = event_loop.getattr("call_soon_threadsafe")?.unbind();
            pending.future = Some((call_soon, future.clone().unbind(), std::thread::current().id()));
            drop(pending);
            // What `asyncio.Future.__await__` sets before yielding itself to the task.
            future.setattr("_asyncio_future_blocking", true)?;
            return Ok(future.unbind());
        }
    }

    /// The task steps us with `send(None)` after the future we yielded resolved.
    fn send(&mut self, py: Python<'_>, _value: Py<PyAny>) -> PyResult<Py<PyAny>> {
        self.__next__(py)
    }

    /// Cancellation (or any exception the task throws in): drops the Rust future, which leaves
    /// the queue cancel-safely, then raises the exception where the `await` is.
    #[pyo3(signature = (typ, val = None, _tb = None))]
    fn throw(
        &mut self,
        typ: Bound<'_, PyAny>,
        val: Option<Bound<'_, PyAny>>,
        _tb: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.step = None;
        match val {
            Some(val) if !val.is_none() => Err(PyErr::from_value(val)),
            _ => Err(PyErr::from_value(typ)),
        }
    }

    fn close(&mut self) {
        self.step = None;
    }
}
