//! The futures of the async methods: a get, a put and a join that wait at the same events as
//! blocked threads, so a put wakes a thread in `get()` or a task in `get_async()`, whichever waits.
//!
//! Each poll makes attempts that never wait (one, then a short spin of a few more); if they cannot
//! decide, the future registers its waker at the event ([`Event::register_task`]), re-checks, and
//! only then returns `Pending` (wait.rs, [`wait::poll`]). A
//! future that registered deregisters when it completes or is dropped, and passes on a wake-up
//! it may have swallowed (event.rs), so a cancelled future never strands an item or a waiter.
//!
//! # Cancel safety
//!
//! * [`GetFuture`]: an item is taken only inside a poll that returns it, so dropping the future
//!   before it completes loses nothing; a wake-up it received goes to another waiter.
//! * [`PutFuture`]: the item is put inside a poll that returns `Ready(Ok(()))`, or not at all;
//!   dropping the future before it completes drops the item with it, unput.
//! * [`JoinFuture`]: holds nothing.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use queue_core::RawQueue;

use crate::container::Container;
use crate::engine::Engine;
use crate::error::{GetError, PutError};
use crate::event::Ticket;
use crate::wait::{self, At};

/// Where a get future waits (wait.rs); it does not spin (`wait::async_put_spin_rounds` says why).
fn getters<T, C: Container<T>>(engine: &C::Engine) -> At<'_, impl Fn() -> bool + '_> {
    At::one_of(engine.not_empty(), 0, move || !engine.is_empty())
}

/// Where a put future waits (wait.rs).
fn putters<T, C: Container<T>>(engine: &C::Engine) -> At<'_, impl Fn() -> bool + '_> {
    At::one_of(engine.not_full(), wait::async_put_spin_rounds(engine.maxsize()), move || engine.has_room())
}

/// The future of [`get_async`](crate::BlockingQueue::get_async): resolves to the next item, or
/// to [`GetError::ShutDown`] once the queue is shut down and empty. Cancel-safe: dropping it
/// before it completes loses no item.
#[must_use = "futures do nothing unless polled"]
pub struct GetFuture<'a, T, C: Container<T>> {
    engine: &'a C::Engine,
    ticket: Ticket,
    _item: PhantomData<fn() -> T>,
}

/// The future of [`put_async`](crate::BlockingQueue::put_async): resolves once the item is in
/// the queue, or to [`PutError::ShutDown`] with the item. Dropping it before it completes drops
/// the item, unput.
#[must_use = "futures do nothing unless polled"]
pub struct PutFuture<'a, T, C: Container<T>> {
    engine: &'a C::Engine,
    item: Option<T>,
    ticket: Ticket,
}

/// The future of [`join_async`](crate::BlockingQueue::join_async): resolves once every task is
/// done.
#[must_use = "futures do nothing unless polled"]
pub struct JoinFuture<'a, T, C: Container<T>> {
    engine: &'a C::Engine,
    ticket: Ticket,
    _item: PhantomData<fn() -> T>,
}

// The item is never pinned: polls move it in and out of the `Option` by value.
impl<T, C: Container<T>> Unpin for PutFuture<'_, T, C> {}

impl<'a, T, C: Container<T>> GetFuture<'a, T, C> {
    pub(crate) fn new(engine: &'a C::Engine) -> Self {
        Self { engine, ticket: Ticket::default(), _item: PhantomData }
    }
}

impl<'a, T, C: Container<T>> PutFuture<'a, T, C> {
    pub(crate) fn new(engine: &'a C::Engine, item: T) -> Self {
        Self { engine, item: Some(item), ticket: Ticket::default() }
    }

    /// The item back, if not put yet: for a put that gives up (`put_async_timeout`).
    pub(crate) fn take_item(&mut self) -> Option<T> {
        self.item.take()
    }
}

impl<'a, T, C: Container<T>> JoinFuture<'a, T, C> {
    pub(crate) fn new(engine: &'a C::Engine) -> Self {
        Self { engine, ticket: Ticket::default(), _item: PhantomData }
    }
}

impl<T, C: Container<T> + RawQueue<T>> GetFuture<'_, T, C> {
    /// A last attempt for a get that gives up (`get_async_timeout`): the queue is re-checked
    /// before `Empty` is reported, as for a blocking get.
    pub(crate) fn give_up(&mut self) -> Result<T, GetError> {
        let verdict = self.engine.attempt_get();
        self.leave();
        verdict
    }
}

impl<T, C: Container<T>> GetFuture<'_, T, C> {
    /// Deregisters, handing on a wake-up this future may have received (wait.rs, step 5); does
    /// nothing if it never registered or already left.
    #[inline]
    fn leave(&mut self) {
        if self.ticket.is_registered() {
            self.leave_registered();
        }
    }

    /// [`GetFuture::leave`] for a future that registered; out of line, since most never do.
    #[cold]
    #[inline(never)]
    fn leave_registered(&mut self) {
        let engine = self.engine;
        wait::leave(&getters::<T, C>(engine), &mut self.ticket);
    }
}

impl<T, C: Container<T> + RawQueue<T>> Future for GetFuture<'_, T, C> {
    type Output = Result<T, GetError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let engine = this.engine;
        // The first attempt inline, the rest of the protocol out of line (`wait::poll_after`).
        let verdict = match engine.attempt_get_or(|| Err(GetError::Empty)) {
            Err(GetError::Empty) => wait::poll_after(
                &getters::<T, C>(engine),
                &mut this.ticket,
                cx.waker(),
                (),
                |()| wait::unless_empty(engine.attempt_get()),
                || engine.can_get(),
                wait::always,
            ),
            verdict => {
                this.leave();
                Ok(verdict)
            }
        };
        match verdict {
            Ok(verdict) => Poll::Ready(verdict),
            Err(()) => Poll::Pending,
        }
    }
}

impl<T, C: Container<T>> PutFuture<'_, T, C> {
    /// As [`GetFuture::leave`], at `not_full`.
    #[inline]
    fn leave(&mut self) {
        if self.ticket.is_registered() {
            self.leave_registered();
        }
    }

    /// As [`GetFuture::leave_registered`].
    #[cold]
    #[inline(never)]
    fn leave_registered(&mut self) {
        let engine = self.engine;
        wait::leave(&putters::<T, C>(engine), &mut self.ticket);
    }
}

impl<T, C: Container<T> + RawQueue<T>> Future for PutFuture<'_, T, C> {
    type Output = Result<(), PutError<T>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let engine = this.engine;
        let item = this.item.take().expect("PutFuture polled after it completed");
        // As in `GetFuture::poll`: the first attempt inline.
        let verdict = match engine.attempt_put_or(item, |item| Err(PutError::Full(item))) {
            Err(PutError::Full(item)) => wait::poll_after(
                &putters::<T, C>(engine),
                &mut this.ticket,
                cx.waker(),
                item,
                |item| wait::unless_full(engine.attempt_put(item)),
                || engine.can_put(),
                engine.putter_gate(),
            ),
            verdict => {
                this.leave();
                Ok(verdict)
            }
        };
        match verdict {
            Ok(verdict) => Poll::Ready(verdict),
            Err(item) => {
                this.item = Some(item);
                Poll::Pending
            }
        }
    }
}

impl<T, C: Container<T>> JoinFuture<'_, T, C> {
    /// As [`GetFuture::leave`], at `all_done`.
    fn leave(&mut self) {
        let engine = self.engine;
        wait::leave(&At::all_of(engine.all_done()), &mut self.ticket);
    }
}

impl<T, C: Container<T>> Future for JoinFuture<'_, T, C> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let engine = this.engine;
        let done = || engine.all_tasks_done();
        let attempt = |()| done().then_some(()).ok_or(());
        match wait::poll(&At::all_of(engine.all_done()), &mut this.ticket, cx.waker(), (), attempt, done) {
            Ok(()) => Poll::Ready(()),
            Err(()) => Poll::Pending,
        }
    }
}

// Drop is where cancel safety lives: a future that registered and is dropped hands on a
// wake-up it may have received.
impl<T, C: Container<T>> Drop for GetFuture<'_, T, C> {
    fn drop(&mut self) {
        self.leave();
    }
}

impl<T, C: Container<T>> Drop for PutFuture<'_, T, C> {
    fn drop(&mut self) {
        self.leave();
    }
}

impl<T, C: Container<T>> Drop for JoinFuture<'_, T, C> {
    fn drop(&mut self) {
        self.leave();
    }
}

impl<T, C: Container<T>> fmt::Debug for GetFuture<'_, T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetFuture").field("waiting", &self.ticket.is_registered()).finish_non_exhaustive()
    }
}

impl<T, C: Container<T>> fmt::Debug for PutFuture<'_, T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PutFuture").field("waiting", &self.ticket.is_registered()).finish_non_exhaustive()
    }
}

impl<T, C: Container<T>> fmt::Debug for JoinFuture<'_, T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinFuture").field("waiting", &self.ticket.is_registered()).finish_non_exhaustive()
    }
}
