//! The wait protocol, written once: spin, register, re-check, sleep, and pass on. Every put, get
//! and join of both engines waits through [`until`], and every future polls through [`poll`].
//!
//! An operation that may wait is three things: an *attempt* that never waits and either decides
//! (a verdict) or gives its state back (a put's item), a *ready* check that says whether an
//! attempt could decide now (an item is there, there is room, the queue is shut down, no task is
//! left), and, for blocking waits, what to answer when the deadline passes. The protocol around
//! them:
//!
//! 1. Spin: after the caller's first attempt failed, a few attempts with exponential back-off,
//!    then yields ([`SPIN_ROUNDS`]), since a partner on another CPU usually finishes within them
//!    and a sleep costs two system calls. A putter attempts in these rounds only once there is
//!    room for a batch ([`RoomGauge`]), so that a full queue is refilled in stretches rather
//!    than slot by slot; the last round always attempts.
//! 2. If the deadline has passed, answer the expiry verdict (the last attempt was just made, so
//!    a timed get whose deadline passes as an item arrives still gets it).
//! 3. Register at the event ([`Event::prepare`], which fences), then re-check `ready`. If it
//!    holds, skip the sleep: a notifier may have looked before we registered.
//! 4. Sleep until notified or the deadline. Attempt; if it fails, go back to 2.
//! 5. Leaving, whatever the outcome and also when an attempt unwinds: if we ever registered,
//!    pass a notification on when what a `notify_one` announces still holds (an item, room:
//!    [`At::hand_on`], [`Event::pass_on`]), because one meant for another waiter may have been
//!    skipped while ours was on its way (event.rs). Joiners, only ever woken all at once, skip it.
//!
//! A future attempts, spins (a put future only, and shorter: it holds an executor thread),
//! registers and re-checks (3), and returns `Pending` where a thread would sleep; it leaves (5)
//! when it completes or is dropped (futures.rs).
//!
//! Python's order of checks after a wake-up (shut down first, then the item or room, then the
//! deadline) lives in each engine's attempt.

use std::task::Waker;

use crate::error::{GetError, PutError};
use crate::event::{Event, Ticket};
use crate::sync::spin_loop;
use crate::time::Deadline;

/// Rounds of exponential spinning (2^round pause instructions each, 127 in all) before a getter or
/// putter yields: long enough to catch a partner running on another CPU, short enough not to burn
/// a time slice. What they cost here: `cargo run --release -p queue-benches --bin spin_costs`.
const PAUSE_ROUNDS: u32 = 7;
/// Then `yield_now` rounds before sleeping. When threads outnumber CPUs, each yield hands our CPU
/// to a thread that may be the partner we wait for, which is far cheaper than a sleep and a
/// wake-up from another CPU. Why 40 rather than crossbeam's 4, and why not a pure spin of the same
/// length: docs/performance.md, "What we changed", lever 2.
const YIELD_ROUNDS: u32 = 40;
/// All rounds before a thread sleeps. None under loom, to keep models small.
pub(crate) const SPIN_ROUNDS: u32 = if cfg!(loom) { 0 } else { PAUSE_ROUNDS + YIELD_ROUNDS };
/// Rounds of pause-spinning (2^round pauses each) before a put future registers, where the
/// event's advice says spinning has been paying (event/advice.rs): a consumer on another worker
/// often frees room within them, saving a registration, a wake-up and a re-poll. Never a yield,
/// which would be the OS's and not the executor's. Get futures do not spin: a getter waits for a
/// producer, which in a request–reply exchange is a task that can answer only once we return
/// `Pending` (tokio runs the task a wake-up makes ready on the waker's own worker, next), so every
/// pause there is lost: the async ping-pong round trip took 0.49–0.66 µs with the spin and
/// 0.28–0.31 µs without (docs/performance.md, issue 20 item 4). None under loom, to keep models
/// small.
///
/// Where a batch of room is worth waiting for ([`RoomGauge`], a queue of 4 or more), 6 rounds (63
/// pauses, 1.7 µs here), attempting only when the gauge says so: a full queue is then refilled in
/// stretches: the bounded(1024) rows of `compare_async` went from 11.8–39.8 to 24.9–56.9 M items/s
/// (two runs each; ours/kanal 0.32–1.14× before, 1.02–2.10× after).
/// Otherwise 2 rounds (3 pauses): with room for one item there is nothing to wait for, and the
/// consumer may be a task on our own worker that runs only once we return `Pending` (6 rounds
/// took bounded(1) from 3.3–3.9 to 2.4–2.7 M items/s).
pub(crate) fn async_put_spin_rounds(maxsize: usize) -> u32 {
    if cfg!(loom) {
        0
    } else if RoomGauge::batch(maxsize) > 1 {
        6
    } else {
        2
    }
}

/// The most room a spinning putter waits for before it attempts ([`RoomGauge`]).
const MAX_BATCH: usize = 256;

/// A spinning putter's gate on a full queue: attempt once there is room for a batch (half the
/// queue, at most [`MAX_BATCH`]), or once room there is has stopped growing.
///
/// Why: a putter that attempts as soon as one slot frees keeps a full queue full, and then every
/// put and every get moves the same cache lines (the slot, the claim words) between the CPUs, one
/// item at a time; bounded(1024) 1/1 ran at 25–29 M items/s so, and at 37–48 with putters that do
/// not spin at all (docs/performance.md, issue 20 item 2). Waiting for a batch lets the consumers
/// drain a stretch of slots that the putters then fill while the consumers work elsewhere, as a
/// sleeping sender of std's bounded channel does. Room that stops growing means the consumers are
/// slow or gone, and a batch will not come within the spin: then waiting gains nothing.
pub(crate) struct RoomGauge {
    last: usize,
}

impl RoomGauge {
    pub(crate) fn new() -> Self {
        Self { last: 0 }
    }

    /// The room worth waiting for in a queue of `maxsize` (not 0).
    pub(crate) fn batch(maxsize: usize) -> usize {
        (maxsize / 2).clamp(1, MAX_BATCH)
    }

    /// Whether to attempt now, given Python's `maxsize` (0: unbounded) and the length read now.
    pub(crate) fn worth_attempting(&mut self, maxsize: usize, len: usize) -> bool {
        if maxsize == 0 {
            return true;
        }
        let room = maxsize.saturating_sub(len);
        let go = room >= Self::batch(maxsize) || (room > 0 && room <= self.last);
        self.last = room;
        go
    }
}

/// The gate of every waiter but a spinning putter: attempt every round.
pub(crate) fn always() -> bool {
    true
}

/// A put attempt's verdict for [`until`]/[`poll`]: `Full` gives the item back to try again.
pub(crate) fn unless_full<T>(verdict: Result<(), PutError<T>>) -> Result<Result<(), PutError<T>>, T> {
    match verdict {
        Err(PutError::Full(item)) => Err(item),
        verdict => Ok(verdict),
    }
}

/// A get attempt's verdict for [`until`]/[`poll`]: `Empty` means try again.
pub(crate) fn unless_empty<T>(verdict: Result<T, GetError>) -> Result<Result<T, GetError>, ()> {
    match verdict {
        Err(GetError::Empty) => Err(()),
        verdict => Ok(verdict),
    }
}

/// Where and how an operation waits: the event, how long to spin first, and when a leaving
/// waiter passes a notification on (step 5).
#[derive(Clone, Copy)]
pub(crate) struct At<'a, H> {
    pub(crate) event: &'a Event,
    /// Rounds of spinning before registering ([`SPIN_ROUNDS`], [`async_put_spin_rounds`] or 0).
    pub(crate) spins: u32,
    /// Whether what this event's `notify_one` announces still holds (an item, room): then a
    /// leaving waiter wakes the next one. Narrower than `ready`, which also counts a shutdown:
    /// a shutdown wakes every waiter itself, and each load here is one more branch for loom.
    pub(crate) hand_on: H,
}

impl<'a, H: Fn() -> bool> At<'a, H> {
    /// Getters and putters: woken one at a time, so they hand on while `hand_on` holds.
    pub(crate) fn one_of(event: &'a Event, spins: u32, hand_on: H) -> Self {
        Self { event, spins, hand_on }
    }
}

impl<'a> At<'a, fn() -> bool> {
    /// Joiners: woken all at once (`notify_all*` only), so they never hand on, and never spin
    /// (tasks take long).
    pub(crate) fn all_of(event: &'a Event) -> Self {
        Self { event, spins: 0, hand_on: || false }
    }
}

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

/// Runs the protocol (module docs) for a blocking operation waiting `at` an event, after the
/// caller's own attempt failed with `state` left over: spins, then sleeps until `attempt` decides
/// or `deadline` passes, when `expire` gives the verdict for the state left over. Every deadline
/// check follows a failed attempt, the caller's or ours, so a timed get whose deadline passes as
/// an item arrives still gets it; and no attempt is repeated without something in between (a
/// spin, a re-check, a sleep), which keeps the loom models from exploring wasted loads.
///
/// `worth_attempting` gates the spin's attempts: a round whose gate says no spins on without
/// attempting, except the last round, which always attempts. Putters use it to wait for a batch of
/// room ([`RoomGauge`]); everyone else passes [`always`].
#[cold]
pub(crate) fn until<S, V, H: Fn() -> bool>(
    at: At<'_, H>,
    deadline: Deadline,
    mut state: S,
    mut attempt: impl FnMut(S) -> Result<V, S>,
    ready: impl Fn() -> bool,
    expire: impl FnOnce(S) -> V,
    mut worth_attempting: impl FnMut() -> bool,
) -> V {
    let event = at.event;
    if at.spins > 0 && deadline.has_passed() {
        return expire(state);
    }
    for round in 0..at.spins {
        spin(round);
        // The gate delays attempts, never the last one, nor one the deadline is about to end.
        if round + 1 < at.spins && !worth_attempting() && !deadline.has_passed() {
            continue;
        }
        match attempt(state) {
            Ok(verdict) => return verdict,
            Err(back) => state = back,
        }
        if deadline.has_passed() {
            return expire(state);
        }
    }
    // Passes on in its drop, on every way out of the loop, unwinding included.
    let mut leaving = Leaving { event, hand_on: &at.hand_on, registered: false };
    loop {
        if deadline.has_passed() {
            return expire(state);
        }
        let waiter = event.prepare();
        leaving.registered = true;
        if ready() {
            drop(waiter);
        } else {
            waiter.wait(deadline);
        }
        match attempt(state) {
            Ok(verdict) => return verdict,
            Err(back) => state = back,
        }
    }
}

/// Step 5 of the protocol for a thread, as a guard.
struct Leaving<'a, F: Fn() -> bool> {
    event: &'a Event,
    hand_on: &'a F,
    registered: bool,
}

impl<F: Fn() -> bool> Drop for Leaving<'_, F> {
    fn drop(&mut self) {
        if self.registered {
            self.event.pass_on(self.hand_on);
        }
    }
}

/// One poll of a future waiting `at` an event (module docs): `Ok(verdict)` once `attempt`
/// decides (the future has then left the event), or `Err(state)` after registering `waker` under
/// `ticket` with `ready` still false (return `Pending`). The future must call [`leave`] when it is
/// dropped.
pub(crate) fn poll<S, V, H: Fn() -> bool>(
    at: &At<'_, H>,
    ticket: &mut Ticket,
    waker: &Waker,
    state: S,
    mut attempt: impl FnMut(S) -> Result<V, S>,
    ready: impl Fn() -> bool,
) -> Result<V, S> {
    match attempt(state) {
        Ok(verdict) => {
            leave(at, ticket);
            Ok(verdict)
        }
        Err(state) => poll_after(at, ticket, waker, state, attempt, ready, always),
    }
}

/// [`poll`] after the caller's own attempt failed with `state` left over: the spin, then the
/// registration and re-check. Out of line, so that a future's poll that decides at once (the
/// common case in a stream) stays an inlined attempt: a call into the whole protocol cost the
/// uncontended `put_async`+`get_async` pair about 50 instructions of saves and restores
/// (callgrind, docs/performance.md).
#[cold]
#[inline(never)]
pub(crate) fn poll_after<S, V, H: Fn() -> bool>(
    at: &At<'_, H>,
    ticket: &mut Ticket,
    waker: &Waker,
    mut state: S,
    mut attempt: impl FnMut(S) -> Result<V, S>,
    ready: impl Fn() -> bool,
    mut worth_attempting: impl FnMut() -> bool,
) -> Result<V, S> {
    // Spin only where spinning has been paying at this event (event/advice.rs).
    let advice = &at.event.spin_advice;
    let spins = if at.spins > 0 && advice.spin() { at.spins } else { 0 };
    for round in 0..spins {
        spin(round);
        // As in `until`: the gate delays attempts, never the last one.
        if round + 1 < spins && !worth_attempting() {
            continue;
        }
        match attempt(state) {
            Ok(verdict) => {
                advice.spun(true);
                leave(at, ticket);
                return Ok(verdict);
            }
            Err(back) => state = back,
        }
    }
    if spins > 0 {
        advice.spun(false);
    }
    loop {
        at.event.register_task(ticket, waker);
        if !ready() {
            return Err(state);
        }
        match attempt(state) {
            Ok(verdict) => {
                leave(at, ticket);
                return Ok(verdict);
            }
            Err(back) => state = back,
        }
    }
}

/// Step 5 for a future: deregisters `ticket`, passing a notification on if `at.hand_on` holds;
/// nothing if the future never registered or already left.
#[inline]
pub(crate) fn leave<H: Fn() -> bool>(at: &At<'_, H>, ticket: &mut Ticket) {
    at.event.deregister_task(ticket, &at.hand_on);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::event::Ticket;

    #[test]
    fn the_gate_delays_the_spins_attempts_but_never_the_last() {
        let event = Event::default();
        let (gate_calls, attempts) = (Cell::new(0), Cell::new(0));
        let verdict = until(
            At::one_of(&event, SPIN_ROUNDS, || false),
            Deadline::never(),
            (),
            |()| {
                attempts.set(attempts.get() + 1);
                Ok(7)
            },
            || true,
            |()| 0,
            || {
                gate_calls.set(gate_calls.get() + 1);
                false
            },
        );
        assert_eq!(verdict, 7);
        assert_eq!(attempts.get(), 1, "only the last round attempts");
        assert_eq!(gate_calls.get(), SPIN_ROUNDS - 1);
    }

    #[test]
    fn a_deadline_that_passes_while_the_gate_says_wait_still_gets_an_attempt() {
        let event = Event::default();
        let deadline = Instant::now() + Duration::from_millis(5);
        let log = RefCell::new(Vec::new());
        let verdict = until(
            At::one_of(&event, SPIN_ROUNDS, || false),
            Deadline::at(deadline),
            (),
            |()| {
                log.borrow_mut().push("attempt");
                Err(())
            },
            || false,
            |()| "expired",
            || {
                log.borrow_mut().push("gate");
                while Instant::now() <= deadline {
                    std::hint::spin_loop();
                }
                false
            },
        );
        assert_eq!(verdict, "expired");
        // The room the gate waited for may have come with the deadline: one attempt, then expiry.
        assert_eq!(*log.borrow(), ["gate", "attempt"]);
    }

    #[test]
    fn a_put_futures_gate_delays_its_spins_attempts_but_never_the_last() {
        let event = Event::default();
        let mut ticket = Ticket::default();
        let (gate_calls, attempts) = (Cell::new(0), Cell::new(0));
        let spins = async_put_spin_rounds(1024);
        let verdict = poll_after(
            &At::one_of(&event, spins, || false),
            &mut ticket,
            Waker::noop(),
            (),
            |()| {
                attempts.set(attempts.get() + 1);
                Ok(7)
            },
            || true,
            || {
                gate_calls.set(gate_calls.get() + 1);
                false
            },
        );
        assert_eq!(verdict.ok(), Some(7));
        assert_eq!(attempts.get(), 1, "only the last round attempts");
        assert_eq!(gate_calls.get(), spins - 1);
        assert!(!ticket.is_registered(), "decided while spinning: never registered");
    }

    #[test]
    fn put_futures_spin_longer_only_where_a_batch_is_worth_waiting_for() {
        assert_eq!(async_put_spin_rounds(1), 2);
        assert_eq!(async_put_spin_rounds(3), 2);
        assert_eq!(async_put_spin_rounds(4), 6);
        assert_eq!(async_put_spin_rounds(1024), 6);
    }

    #[test]
    fn the_gauge_waits_for_a_batch_or_for_room_that_stops_growing() {
        let mut gauge = RoomGauge::new();
        assert!(gauge.worth_attempting(0, 1_000), "unbounded: always");
        let mut gauge = RoomGauge::new();
        assert!(!gauge.worth_attempting(1024, 1024), "full");
        assert!(!gauge.worth_attempting(1024, 1000), "24 free, growing");
        assert!(!gauge.worth_attempting(1024, 900), "124 free, growing");
        assert!(gauge.worth_attempting(1024, 1024 - MAX_BATCH), "a full batch");
        let mut gauge = RoomGauge::new();
        assert!(!gauge.worth_attempting(64, 60), "4 free of a batch of 32");
        assert!(gauge.worth_attempting(64, 60), "still 4: the consumers are not draining");
        let mut gauge = RoomGauge::new();
        assert!(!gauge.worth_attempting(64, 64));
        assert!(gauge.worth_attempting(64, 32), "half the queue");
        let mut gauge = RoomGauge::new();
        assert!(gauge.worth_attempting(1, 0), "bounded(1): any room is the batch");
        assert!(!RoomGauge::new().worth_attempting(1, 1));
        assert!(!RoomGauge::new().worth_attempting(3, 3));
        assert!(RoomGauge::new().worth_attempting(3, 2), "bounded(3): batches of one");
    }
}
