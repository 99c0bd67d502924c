//! `Store`: the raw lock-free container plus a count of the items a get may claim, and the event
//! getters sleep on. Shared by every queue kind, `SimpleQueue` included.

use core::marker::PhantomData;

use crossbeam_utils::CachePadded;
use queue_core::{PanicPayload, RawQueue};

use crate::error::GetError;
use crate::event::Event;
use crate::sync::{AtomicUsize, Ordering::*, spin_loop};
use crate::time::Deadline;

/// Rounds of exponential spinning (2^round pause instructions each) before a getter or putter
/// sleeps: about 2 µs in all, which catches a partner on another CPU (a hand-off costs about
/// 150 ns) without burning a time slice.
const PAUSE_ROUNDS: u32 = 7;
/// Then a few `yield_now` rounds, as crossbeam's `Backoff::snooze` does: when threads outnumber
/// CPUs the partner we wait for may be runnable on ours, and a yield lets it run for the price of
/// a system call instead of a sleep and a cross-CPU wake-up (tens of µs on a VM).
const YIELD_ROUNDS: u32 = 4;
/// All rounds before sleeping. None under loom, to keep models small.
pub(crate) const SPIN_ROUNDS: u32 = if cfg!(loom) { 0 } else { PAUSE_ROUNDS + YIELD_ROUNDS };

/// Backs off for round `round` of [`SPIN_ROUNDS`].
pub(crate) fn spin(round: u32) {
    if round < PAUSE_ROUNDS {
        for _ in 0..1u32 << round {
            spin_loop();
        }
    } else {
        std::thread::yield_now();
    }
}

pub(crate) struct Store<T, R> {
    raw: R,
    /// Items in `raw` not yet claimed by a get: `qsize()`. Raised after an item is pushed, lowered
    /// by the get that claims it before it pops, so a claim always finds an item.
    items: CachePadded<AtomicUsize>,
    /// Getters sleep here; notified when `items` rises and on shutdown.
    pub(crate) not_empty: Event,
    /// `fn() -> T`: the store owns `T`s only through `R`, which decides `Send`/`Sync`.
    _items: PhantomData<fn() -> T>,
}

impl<T, R: RawQueue<T>> Store<T, R> {
    pub(crate) fn new() -> Self {
        Self {
            raw: R::default(),
            items: CachePadded::new(AtomicUsize::new(0)),
            not_empty: Event::default(),
            _items: PhantomData,
        }
    }

    /// Pushes `item` and makes it claimable; the caller notifies `not_empty`. If the container's
    /// user code (`Ord`) panics, nothing was added and the item comes back with the payload.
    pub(crate) fn publish(&self, item: T) -> Result<(), (T, PanicPayload)> {
        self.raw.push_catching_panic(item)?;
        // Release: pairs with the Acquire claim in `try_take`, so the claiming get's `pop` happens
        // after our `push` and finds the item.
        self.items.fetch_add(1, Release);
        Ok(())
    }

    /// Claims and pops one item, if any is claimable.
    pub(crate) fn try_take(&self) -> Option<T> {
        // Relaxed: a first guess for the CAS, which re-reads on failure.
        let mut n = self.items.load(Relaxed);
        loop {
            if n == 0 {
                return None;
            }
            // Acquire on success: pairs with the Release increment in `publish` (every change of
            // `items` is an RMW, so all earlier increments are in the release sequence we read
            // from): the pushes they count happen before our `pop`. Relaxed on failure: retry.
            match self.items.compare_exchange_weak(n, n - 1, Acquire, Relaxed) {
                Ok(_) => break,
                Err(current) => n = current,
            }
        }
        // Our claim guarantees an item is inside; the loop only covers the moment in which a
        // concurrent `pop` has taken "our" item and its own is still on the way.
        loop {
            if let Some(item) = self.raw.pop() {
                return Some(item);
            }
            spin_loop();
        }
    }

    /// Items a get could claim now (`qsize`).
    pub(crate) fn len(&self) -> usize {
        // Relaxed: a snapshot; Python documents `qsize()` as approximate too.
        self.items.load(Relaxed)
    }

    /// Takes an item, waiting until `deadline`. `closed` tells whether waiting is pointless (the
    /// queue is shut down and no put is still publishing); it is checked after every failed take.
    pub(crate) fn take(&self, deadline: Deadline, closed: impl Fn() -> bool) -> Result<T, GetError> {
        for round in 0..SPIN_ROUNDS {
            if let Some(item) = self.try_take() {
                return Ok(item);
            }
            if closed() || deadline.has_passed() {
                break;
            }
            spin(round);
        }
        let mut registered = false;
        let verdict = loop {
            // The queue is re-checked before every verdict, so a timed get whose deadline passes
            // just as an item arrives still gets it.
            if let Some(item) = self.try_take() {
                break Ok(item);
            }
            if closed() {
                break Err(GetError::ShutDown);
            }
            if deadline.has_passed() {
                break Err(GetError::Empty);
            }
            let waiter = self.not_empty.prepare();
            registered = true;
            if self.len() > 0 || closed() {
                continue;
            }
            waiter.wait(deadline);
        };
        if registered {
            // A put's wake-up may have been skipped while ours was on its way (event.rs).
            self.not_empty.pass_on(|| self.len() > 0);
        }
        verdict
    }
}
