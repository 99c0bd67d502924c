//! The tasks waiting at one [`Event`](super::Event): their wakers, keyed by a ticket, behind a
//! mutex.
//!
//! The lock is taken only on slow paths: by a future that must wait (to store or refresh its
//! waker), by one that leaves after registering, and by a notifier that found a task registered
//! (the event's waiter word says so; with no task registered a notifier never looks here). A
//! lock-free list (tokio's intrusive one, or an `AtomicWaker` per slot) would save the lock on
//! those paths but needs pinned, self-referential nodes and `unsafe`; here every one of those
//! paths has already paid a failed attempt and is about to park a task, which costs more than an
//! uncontended lock.
//!
//! The list is a `VecDeque` sorted by ticket, and tickets grow, so its front is the task waiting
//! longest: `wake_one` serves tasks first-come, first-served, and a task that was woken and must
//! wait again keeps its ticket, and with it its place (it goes back in by binary search, near the
//! front). A ticket's entry leaves the list when it is woken; that absence is how the future
//! learns it was notified. The deque keeps its buffer when it empties, so a wait cycle in a steady
//! stream allocates nothing.
//!
//! # User code
//!
//! A waker is the executor's code, and none of it runs under the lock: wakers are cloned before
//! it is taken, and woken and dropped after it is released, so a waker that calls back into the
//! same queue cannot deadlock on it. A waker that panics in `wake` (or in its drop) is caught:
//! its task counts as woken, the other wake-ups of the same notification still happen (a
//! `notify_one` goes on to the next waiter, as if that task had not been there), and the panic
//! goes no further. It could not: it would surface in whichever thread notified, in the
//! middle of a put, a get or a shutdown that has already changed the queue, and there it would
//! drop an item just taken, or stop a shutdown halfway with blocked threads left asleep (issue 19,
//! R3). The task of a waker that panicked is the executor's to recover.
//!
//! # Memory ordering
//!
//! All of it is the mutex's. The event's waiter word counts the tasks in the list, waiting and not
//! yet woken: a registration adds one with its entry, a notifier that takes an entry out removes
//! one, and so does a future that leaves while still listed. Every change is made inside the
//! critical section that adds or removes the entry, so a notifier that reads the count and then
//! locks finds the entries counted: had its lock come first, its read would happen before the
//! count's change and could not see it.
//!
//! A woken task is uncounted by its notifier, not when it next polls: until then, which under a
//! busy executor can be the whole of a stream (tokio runs a woken task on the waker's worker, after
//! the task that woke it yields), every notifier would otherwise find the count non-zero and take
//! the lock to find nobody (2,000,000 such locks in one `compare_async` 1P/1C run, one per put).

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::PoisonError;
use std::task::Waker;

use crate::sync::{AtomicU64, Mutex, Ordering::*};

/// One listed task (waiting, not yet woken), in the event's waiter word (the low half counts
/// threads).
pub(super) const TASK: u64 = 1 << 32;

#[derive(Debug, Default)]
pub(super) struct Tasks {
    list: Mutex<List>,
    /// Times the lock was taken: the unit tests check that notifiers with no task registered
    /// never take it.
    #[cfg(all(test, not(loom)))]
    locks: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Default)]
struct List {
    /// Tasks waiting and not yet woken, sorted by ticket.
    waiting: VecDeque<(u64, Waker)>,
    next: u64,
}

/// A future's place at an event: `None` until it first registers.
#[derive(Debug, Default)]
pub(crate) struct Ticket(Option<u64>);

impl Ticket {
    pub(crate) fn is_registered(&self) -> bool {
        self.0.is_some()
    }
}

impl List {
    /// Where `id` is, or would go.
    fn find(&self, id: u64) -> Result<usize, usize> {
        self.waiting.binary_search_by_key(&id, |&(ticket, _)| ticket)
    }
}

impl Tasks {
    fn lock(&self) -> impl core::ops::DerefMut<Target = List> + '_ {
        // Relaxed: a count read by the unit tests on this thread only.
        #[cfg(all(test, not(loom)))]
        self.locks.fetch_add(1, Relaxed);
        // No user code runs under the lock (module docs), so it is never poisoned by one; a
        // poisoned lock could only come from an allocation failure, and the list is consistent
        // between its statements: carry on.
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `waker` under `ticket`, taking a new ticket (and counting the task in `waiters`)
    /// on the first call. Returns whether the ticket had been woken since the previous call.
    pub(super) fn register(&self, ticket: &mut Ticket, waker: &Waker, waiters: &AtomicU64) -> bool {
        // The common re-registration: still waiting, same waker. Nothing to clone or store.
        if let Some(id) = ticket.0 {
            let list = self.lock();
            if list.find(id).is_ok_and(|at| list.waiting[at].1.will_wake(waker)) {
                return false;
            }
        }
        // Cloned before locking: a clone runs the executor's code (module docs). A panic here
        // reaches the poll that registers, before anything changed. (If the ticket is woken
        // between the two locks, the code below finds it gone and says so.)
        let mut waker = Some(waker.clone());
        let mut list = self.lock();
        let woken = match ticket.0 {
            None => {
                let id = list.next;
                list.next += 1;
                // The newest ticket: its place is the back.
                list.waiting.push_back((id, waker.take().expect("cloned above")));
                // Relaxed: inside the critical section (module docs); the caller's fence orders it
                // against notifiers that do not lock.
                waiters.fetch_add(TASK, Relaxed);
                ticket.0 = Some(id);
                false
            }
            Some(id) => match list.find(id) {
                Ok(at) => {
                    let stored = &mut list.waiting[at].1;
                    if !stored.will_wake(waker.as_ref().expect("cloned above")) {
                        // The old waker leaves in `waker`, dropped after the lock.
                        core::mem::swap(stored, waker.as_mut().expect("cloned above"));
                    }
                    false
                }
                Err(at) => {
                    // Woken, so uncounted by its notifier: waiting again, it counts again.
                    list.waiting.insert(at, (id, waker.take().expect("cloned above")));
                    // Relaxed: inside the critical section, as above.
                    waiters.fetch_add(TASK, Relaxed);
                    true
                }
            },
        };
        drop(list);
        drop_contained(waker);
        woken
    }

    /// Forgets `ticket`, uncounting its task if it is still listed. Returns whether it had been woken and not yet
    /// re-registered (a notification it did not act on).
    pub(super) fn deregister(&self, ticket: &mut Ticket, waiters: &AtomicU64) -> bool {
        let Some(id) = ticket.0.take() else { return false };
        let mut list = self.lock();
        let (woken, waker) = match list.find(id) {
            Ok(at) => {
                // Relaxed: inside the critical section; a stale count costs a notifier one lock.
                waiters.fetch_sub(TASK, Relaxed);
                (false, list.waiting.remove(at).map(|(_, waker)| waker))
            }
            // Its notifier uncounted it.
            Err(_) => (true, None),
        };
        drop(list);
        drop_contained(waker);
        woken
    }

    /// Wakes the task waiting longest; `false` if every registered task has been woken already.
    /// A task whose waker panics counts as woken but not as served: the wake-up goes on to the
    /// next task (or, with none left, to the threads), so a broken executor cannot swallow it.
    pub(super) fn wake_one(&self, waiters: &AtomicU64) -> bool {
        loop {
            let waker = {
                let mut list = self.lock();
                let front = list.waiting.pop_front();
                if front.is_some() {
                    // Relaxed: inside the critical section (module docs).
                    waiters.fetch_sub(TASK, Relaxed);
                }
                front
            };
            match waker {
                // Outside the lock (module docs).
                Some((_, waker)) => {
                    if wake_contained(waker) {
                        return true;
                    }
                }
                None => return false,
            }
        }
    }

    /// Wakes every registered task, each even if another one's waker panics.
    pub(super) fn wake_all(&self, waiters: &AtomicU64) {
        // Taken out so the wakes run outside the lock (this one allocates; it is rare: shutdown,
        // `set_maxsize`, the last `task_done`).
        let woken: Vec<(u64, Waker)> = {
            let mut list = self.lock();
            // Relaxed: inside the critical section (module docs).
            waiters.fetch_sub(TASK * list.waiting.len() as u64, Relaxed);
            list.waiting.drain(..).collect()
        };
        for (_, waker) in woken {
            // Every task is woken either way.
            let _ = wake_contained(waker);
        }
    }
}

/// Wakes `waker`, catching a panic of its `wake` (module docs, "User code"); `false` if it
/// panicked.
fn wake_contained(waker: Waker) -> bool {
    match catch_unwind(AssertUnwindSafe(|| waker.wake())) {
        Ok(()) => true,
        Err(payload) => {
            forget_payload(payload);
            false
        }
    }
}

/// Drops `waker`, if any, catching a panic of its drop.
fn drop_contained(waker: Option<Waker>) {
    if waker.is_some()
        && let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(waker)))
    {
        forget_payload(payload);
    }
}

/// Drops a caught panic's payload; if even that panics, leaks the second payload rather than
/// unwind out of a notification.
fn forget_payload(payload: queue_core::PanicPayload) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        core::mem::forget(again);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::Ordering::Relaxed;
    use std::task::Waker;

    use queue_core::ClaimWord;

    use super::super::{Event, Ticket};

    fn locks(event: &Event) -> usize {
        event.tasks.locks.load(Relaxed)
    }

    #[test]
    fn notifiers_take_the_lock_only_when_a_task_is_registered() {
        let event = Event::default();
        let word = ClaimWord::new(0);
        // A weak CAS may fail spuriously (LL/SC machines): retry until it succeeds.
        let claim = || loop {
            if let Ok(claim) = word.compare_exchange_weak(0, 0, Relaxed) {
                break claim;
            }
        };
        event.notify_one();
        event.notify_all();
        event.notify_one_after_claim(claim());
        event.notify_all_after_claim(claim());
        assert_eq!(locks(&event), 0, "nobody waits: no lock");
        // A thread waiting: the futex side only.
        let waiter = event.prepare();
        event.notify_one();
        event.notify_all();
        drop(waiter);
        assert_eq!(locks(&event), 0, "only a thread waits: no lock");
        // A task waiting: registration locks, and so does each notification that finds it.
        let mut ticket = Ticket::default();
        assert!(!event.register_task(&mut ticket, Waker::noop()));
        assert_eq!(locks(&event), 1);
        event.notify_one_after_claim(claim());
        assert_eq!(locks(&event), 2);
        // Woken and not polled again yet: uncounted, so notifiers do not lock for it.
        event.notify_one_after_claim(claim());
        event.notify_all();
        assert_eq!(locks(&event), 2, "the only task was woken: no lock");
        // Woken: the next registration learns it, and keeps its ticket.
        assert!(event.register_task(&mut ticket, Waker::noop()));
        event.deregister_task(&mut ticket, || false);
        assert!(!ticket.is_registered());
        let after = locks(&event);
        event.notify_one_after_claim(claim());
        event.notify_all();
        assert_eq!(locks(&event), after, "the task left: no lock again");
    }

    #[test]
    fn tasks_are_woken_longest_waiting_first_and_once_each() {
        let event = Event::default();
        let mut tickets: Vec<Ticket> = (0..3).map(|_| Ticket::default()).collect();
        for t in &mut tickets {
            event.register_task(t, Waker::noop());
        }
        event.notify_one();
        event.notify_one();
        assert_eq!(event.waiters.load(Relaxed), super::TASK, "the woken two are uncounted");
        let woken: Vec<bool> = tickets.iter_mut().map(|t| event.register_task(t, Waker::noop())).collect();
        assert_eq!(woken, [true, true, false]);
        assert_eq!(event.waiters.load(Relaxed), 3 * super::TASK, "waiting again, counted again");
        event.notify_all();
        assert_eq!(event.waiters.load(Relaxed), 0);
        let woken: Vec<bool> = tickets.iter_mut().map(|t| event.register_task(t, Waker::noop())).collect();
        assert_eq!(woken, [true, true, true]);
        assert_eq!(event.waiters.load(Relaxed), 3 * super::TASK, "waiting again, counted again");
        for t in &mut tickets {
            event.deregister_task(t, || false);
        }
        assert_eq!(event.waiters.load(Relaxed), 0);
    }
}
