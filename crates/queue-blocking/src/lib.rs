//! Python's `queue` module on concurrent structures.
//!
//! One type, [`BlockingQueue<T, C>`](BlockingQueue), runs Python's protocol (maxsize, blocking
//! put and get with timeouts, `task_done`/`join`, shutdown) over a [`Container`] `C` that decides
//! the order: [`Queue`] (FIFO, over `queue-core`'s segmented queue, where a put and a get cost one
//! claim each), [`LifoQueue`] (Treiber stack) and [`PriorityQueue`] (skiplist) are its aliases,
//! and [`Custom`] takes your own container. [`SimpleQueue`] is Python's small unbounded FIFO.
//! Share a queue by `&` (scoped threads) or in an `Arc`, or [`split`](BlockingQueue::split) it
//! into [`Producer`] and [`Consumer`] handles that shut it down when a side is gone.
//!
//! ```
//! use queue_blocking::Queue;
//!
//! let q = Queue::bounded(8); // at most 8 items
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         for job in q.iter() {
//!             // ... work on `job` ...
//!             let _ = job;
//!             q.task_done().unwrap();
//!         }
//!     });
//!     for job in 0..100 {
//!         q.put(job).unwrap();
//!     }
//!     q.join(); // every job done
//!     q.shutdown(); // ends the worker's `iter()`
//! });
//! ```
//!
//! # From Python
//!
//! | Python | Rust |
//! |---|---|
//! | `Queue(maxsize)`, `LifoQueue`, `PriorityQueue` | `Queue::new(maxsize)` (0 = unbounded, as in Python), or `Queue::bounded(n)` / `Queue::unbounded()`; the same for `LifoQueue`, `PriorityQueue` |
//! | a subclass overriding `_put`/`_get` | `BlockingQueue<T, Custom<R>>` with your [`RawQueue`] `R` |
//! | `q.maxsize`, `q.maxsize = n` | `maxsize()`, `set_maxsize(n)` (wakes putters that now fit; CPython does not) |
//! | `qsize()`, `empty()`, `full()` | the same, plus `len()`, `is_empty()`, `is_full()` |
//! | `put(x)` | `put(x) -> Result<(), PutError<T>>`: blocks while full; fails only with `ShutDown(x)` |
//! | `put(x, timeout=t)` | `put_timeout(x, t)`, `put_deadline(x, instant)`: `Full(x)` when time runs out |
//! | `put_nowait(x)` | `put_nowait(x)`: `Full(x)` at once |
//! | `get()` | `get() -> Result<T, GetError>`: blocks while empty; fails only with `ShutDown` |
//! | `get(timeout=t)` | `get_timeout(t)`, `get_deadline(instant)`: `Empty` when time runs out |
//! | `get_nowait()` | `get_nowait()` |
//! | `task_done()` (`ValueError`) | `task_done() -> Result<(), TaskDoneError>` |
//! | `join()` | `join()`, plus `join_timeout(t)` and `join_deadline(instant)` returning whether all is done |
//! | `unfinished_tasks` | `unfinished_tasks()` |
//! | `shutdown()`, `shutdown(immediate=True)` | `shutdown()`, `shutdown_immediate() -> Vec<T>` (the drained items) |
//! | `is_shutdown` | `is_shutdown()` |
//! | `queue.Full`, `queue.Empty`, `queue.ShutDown` | [`PutError::Full`], [`GetError::Empty`], [`PutError::ShutDown`] / [`GetError::ShutDown`] |
//! | `SimpleQueue` | [`SimpleQueue`]: `put` and `get` cannot fail |
//! | (no equivalent) | [`split`](BlockingQueue::split): handles; the last producer dropped shuts the queue down, the last consumer dropped shuts it down immediately |
//! | (no equivalent) | `put_async`, `get_async`, `join_async` and their `_timeout(timer)` forms; `stream()` (feature `stream`) |
//! | (no equivalent) | `put_many`, `put_many_nowait`, `get_many`, `get_many_timeout`, `get_many_async`, `drain` |
//! | (no equivalent) | `shrink_to_fit()` on `Queue` and `SimpleQueue`: frees the segments kept from a deeper fill (they are reused otherwise, so refills allocate nothing) |
//! | `item = q.get()` ... `finally: q.task_done()` | `let item = q.get_task()?;` (a [`Task`] guard calls `task_done` when dropped) |
//!
//! Deliberate differences: failed puts return the item inside the error (ownership); negative
//! timeouts cannot be expressed (`Duration`); an immediate shutdown returns the drained items
//! instead of discarding them; `set_maxsize` wakes putters; equal priorities leave first-in,
//! first-out.
//!
//! # Async
//!
//! Every queue has async forms of its waiting methods: [`put_async`](BlockingQueue::put_async),
//! [`get_async`](BlockingQueue::get_async), [`join_async`](BlockingQueue::join_async),
//! [`get_many_async`](BlockingQueue::get_many_async) and
//! [`get_task_async`](BlockingQueue::get_task_async) ([`SimpleQueue`] has the get side). They need
//! no runtime (only `std`'s `Future` and `Waker`), and tasks wait at the same places as threads:
//! a put wakes a thread blocked in `get()` or a task awaiting `get_async()`, whichever waits, and
//! a get wakes a blocked putter of either kind. The timed forms
//! ([`get_async_timeout`](BlockingQueue::get_async_timeout) and the others) take the caller's
//! timer future, such as `tokio::time::sleep(d)`: without a runtime nothing could wake a task at
//! an `Instant`. With the `stream` feature, `stream()` gives the items as a
//! `futures_core::Stream` (`GetStream`).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let q = queue_blocking::Queue::bounded(4);
//! std::thread::scope(|s| {
//!     s.spawn(|| q.put("from a thread").unwrap()); // a blocking producer
//! });
//! assert_eq!(q.get_async().await, Ok("from a thread")); // an async consumer
//! # });
//! ```
//!
//! Cancel safety: a [`GetFuture`] takes an item only in the poll that returns it, so dropping one
//! loses nothing, and a wake-up it had received goes on to another waiter. A [`PutFuture`]
//! dropped before it completes drops its item, unput. A waiting task costs the queue nothing
//! until it registers its waker; with no task registered, a put or get checks for tasks with the
//! same single load that checks for sleeping threads. The first task waiting at a wait point
//! keeps its waker in a lock-free slot; only when several tasks wait at once does registering
//! take a short lock (a `Mutex` per wait point, around the others' wakers), and a notifier takes
//! it only when the slot's task is not the one waiting.
//!
//! # Batches and task guards
//!
//! [`put_many`](BlockingQueue::put_many) puts in order, waiting for room for each item;
//! [`put_many_nowait`](BlockingQueue::put_many_nowait) puts what fits. Both return what they did
//! not put inside the error, in order. [`get_many`](BlockingQueue::get_many) waits for one item,
//! then takes up to `max - 1` more that are already there (tokio's `recv_many`);
//! [`drain`](BlockingQueue::drain) takes what is there. They are loops over the single-item
//! operations, so every guarantee of those holds per item.
//!
//! [`get_task`](BlockingQueue::get_task) returns the item in a [`Task`] guard that calls
//! [`task_done`](BlockingQueue::task_done) when dropped, after dropping the item, so a worker that
//! returns early or panics still marks its task done and `join` cannot hang on it.
//!
//! # Timeouts
//!
//! A zero timeout, or a deadline already past, checks once and returns at once. No timed call
//! fails before its deadline, and every timed call re-checks the queue before it reports `Full` or
//! `Empty`, so an item that arrives as the deadline passes is still taken. A timed call may return
//! slightly after its deadline (the OS wakes it late). A timeout too large for `Instant` (such as
//! `Duration::MAX`) means no deadline; it never panics.
//!
//! # Shutdown
//!
//! `ShutDown` takes precedence over `Full` and `Empty`. After [`shutdown`](BlockingQueue::shutdown) every put fails
//! with `ShutDown(item)`, gets drain what is left and then fail with `ShutDown` at once, and every
//! blocked put and get wakes. [`shutdown_immediate`](BlockingQueue::shutdown_immediate) also drains the queue, returns the
//! items and lowers `unfinished_tasks` by one per drained item (never below zero); items already
//! taken but not yet `task_done` still hold `join`. `task_done` and `join` never fail because of
//! shutdown. A put racing a shutdown either fails with `ShutDown(item)` or its item is in the
//! queue (for `shutdown_immediate`: among the returned items); never stranded.
//!
//! # Panics in user code
//!
//! User code runs inside a queue's operations in three places, and none of them can leave the
//! queue inconsistent:
//!
//! * **A container's code**: a [`Custom`] container's `push` or `pop`, or a `PriorityQueue`
//!   item's `Ord`. The panic reaches the caller, and the queue's counts are those of an operation
//!   that did not happen, or that completed. A put whose item did not go in leaves no task, no
//!   held slot and no put in flight behind (so `join`, `put_nowait`, `get` after `shutdown()` and
//!   `shutdown_immediate()` behave as if it had not been tried), and its item is dropped after the
//!   counts are restored, so its `Drop` may use the queue. (Unless a custom container's `push`
//!   unwinds with the item inside it, which drops the item first: implement
//!   `RawQueue::push_catching_panic` to hand it back.) A put whose item went in before the panic completes first (counted,
//!   gettable, a getter woken) and then panics: a `PriorityQueue` can do this when its `Ord`
//!   panics while the skiplist indexes the item, which only happens under a racing put. A get
//!   whose `pop` panics after its claim counts as done: its slot is free and a waiting putter is
//!   woken. An item that a custom container keeps although its `push` panicked, or still holds
//!   although its `pop` panicked, is not counted: it stays inside until the queue is dropped, and
//!   is dropped then, once.
//! * **A task's [`Waker`](std::task::Waker)**: wakers are cloned, woken and dropped outside every
//!   lock (and outside the waker slot's busy section), so one may call back into the same queue. A waker whose `wake` or `drop` panics is
//!   treated as woken, every other waiter of the same notification is still woken, and the panic
//!   is caught there: it would otherwise surface in whichever thread notified, in the middle of a
//!   get that has taken its item or a shutdown that has woken only some of the waiters.
//! * **An item's `Drop`**: items are dropped outside the queue's critical steps (below, and the
//!   exception above), so a `Drop` may use the same queue.
//!
//! # Fairness
//!
//! Waiters are not served in arrival order (CPython's `Condition` happens to be FIFO). A put wakes
//! at most one sleeping getter and a get at most one sleeping putter, but a thread that arrives
//! spinning may take the item first; the woken thread then waits again. `task_done` reaching zero
//! wakes every joiner. Under sustained contention a particular waiter can wait longer than others.
//!
//! # Blocking, memory and progress
//!
//! A thread that must wait spins briefly, yields a few dozen times, and then sleeps on
//! a futex (Linux) or a condition variable (elsewhere, or with `--cfg queue_force_fallback`). A
//! putter spinning on a full queue of 4 or more waits for room for a batch (half the queue, at
//! most 256 items) or for room that stops growing before it tries again, so that a full queue is
//! refilled in stretches rather than slot by slot; it always tries before it sleeps, and before
//! its timeout expires. Put futures do the same in a shorter spin. A put
//! or get with nobody waiting never makes a system call, and while a woken thread is on its way
//! further puts do not make one either. A `LifoQueue` or `PriorityQueue` holds at most 2^31 items:
//! a put beyond that panics (before changing anything), as Rust's collections do on capacity
//! overflow. The stack and the skiplist are lock-free (the priority queue's `pop` can wait for a
//! comparison in flight, see `queue_core::SkipListPq`), with memory reclaimed by crossbeam-epoch;
//! the segmented queue under `Queue` is not lock-free: a get that claimed a position waits for the
//! put that claimed it to finish writing (see `queue_core::SegmentedQueue`). No item is dropped, and
//! no thread sleeps, while the epoch is pinned, so an item's `Drop` may use the same queue.
//! Dropping a queue drops each remaining item once.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

mod async_methods;
mod batch;
mod blocking;
mod container;
mod engine;
mod error;
mod event;
mod fifo;
mod futex;
mod futures;
mod handles;
mod handles_async;
mod queue;
mod simple;
mod store;
#[cfg(feature = "stream")]
mod stream;
mod sync;
mod task;
mod time;
mod wait;

pub use blocking::{BlockingQueue, LifoQueue, PriorityQueue, Queue};
pub use container::{Container, Custom};
pub use error::{GetError, PutError, TaskDoneError};
pub use futures::{GetFuture, JoinFuture, PutFuture};
pub use handles::{Consumer, Producer};
pub use queue_core::{MsQueue, PanicPayload, RawQueue, SegmentedQueue, SkipListPq, TreiberStack};
pub use simple::SimpleQueue;
#[cfg(feature = "stream")]
pub use stream::GetStream;
pub use task::Task;

/// Names that [`Container`]'s hidden associated type must reach; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::engine::Engine;
    pub use crate::fifo::Fifo;
    pub use crate::queue::Inner;
    pub use crate::time::Deadline;
}

#[cfg(all(test, loom))]
mod loom_async;
#[cfg(all(test, loom))]
mod loom_tests;

/// The README's Rust snippets, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// This crate's own README (its crates.io page), checked the same way.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
