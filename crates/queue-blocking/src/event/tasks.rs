//! The tasks waiting at one [`Event`](super::Event): the first in a lock-free slot (slot.rs), the
//! others' wakers in a list behind a mutex, keyed by a ticket.
//!
//! The slot serves the common case, one task waiting at a time, without the lock: registering,
//! being woken and leaving are a few atomic operations each. The list is for the others; its lock
//! is taken only on slow paths: by a listed future that must wait (to store or refresh its waker),
//! by one that leaves, and by a notifier that found a task counted and the slot not waiting.
//!
//! The list is a `VecDeque` sorted by ticket, and tickets grow, so its front is the task waiting
//! longest: `wake_one` serves tasks first-come, first-served, and a task that was woken and must
//! wait again keeps its ticket, and with it its place (it goes back in by binary search, near the
//! front). A ticket's entry leaves the list when it is woken; that absence is how the future
//! learns it was notified. The deque keeps its buffer when it empties, so a wait cycle in a steady
//! stream allocates nothing. The slot's owner is served before the list: a task takes the free slot
//! only when no listed ticket exists, so the owner is older than every listed task.
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

use super::slot::Slot;
use crate::sync::{AtomicU64, Mutex, Ordering::*};

/// One waiting task not yet woken, in the slot or the list, in the event's waiter word (the low
/// half counts threads).
pub(super) const TASK: u64 = 1 << 32;

#[derive(Debug, Default)]
pub(super) struct Tasks {
    slot: Slot,
    list: Mutex<List>,
    /// Listed tickets, woken or not: a task takes the free slot only when this is 0, so that it
    /// is younger than no listed task. Changed under the lock; read without it as a hint (a
    /// registration racing with another may take either place), so a `core` atomic, out of loom's
    /// view.
    listed: core::sync::atomic::AtomicUsize,
    /// Times the lock was taken: the unit tests check that notifiers with no task listed never
    /// take it.
    #[cfg(all(test, not(loom)))]
    locks: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Default)]
struct List {
    /// Tasks waiting and not yet woken, sorted by ticket.
    waiting: VecDeque<(u64, Waker)>,
    next: u64,
}

/// A future's place at an event.
#[derive(Debug, Default)]
pub(crate) enum Ticket {
    /// Not waiting yet.
    #[default]
    None,
    /// The owner of the event's slot.
    Slot,
    /// In the list, under this ticket.
    Listed(u64),
}

impl Ticket {
    pub(crate) fn is_registered(&self) -> bool {
        !matches!(self, Ticket::None)
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

    /// Stores `waker` for `ticket`, taking the slot or a new ticket (and counting the task in
    /// `waiters`) on the first call. Returns whether the ticket had been woken since the previous
    /// call.
    pub(super) fn register(&self, ticket: &mut Ticket, waker: &Waker, waiters: &AtomicU64) -> bool {
        match *ticket {
            Ticket::Slot => {
                let (woken, replaced) = self.slot.wait_again(waker, waiters);
                drop_contained(replaced);
                woken
            }
            Ticket::Listed(id) => self.register_listed(id, waker, waiters),
            Ticket::None => {
                // Cloned before any lock or `BUSY`: a clone runs the executor's code (module
                // docs). A panic here reaches the poll that registers, before anything changed.
                let waker = waker.clone();
                // Relaxed: a hint (the field's docs).
                let waker = if self.listed.load(Relaxed) == 0 {
                    match self.slot.claim(waker, waiters) {
                        Ok(()) => {
                            *ticket = Ticket::Slot;
                            return false;
                        }
                        Err(waker) => waker,
                    }
                } else {
                    waker
                };
                let mut list = self.lock();
                let id = list.next;
                list.next += 1;
                // The newest ticket: its place is the back.
                list.waiting.push_back((id, waker));
                // Relaxed: inside the critical section (module docs); the caller's fence orders it
                // against notifiers that do not lock.
                waiters.fetch_add(TASK, Relaxed);
                // Relaxed: a hint, changed under the lock.
                self.listed.fetch_add(1, Relaxed);
                *ticket = Ticket::Listed(id);
                false
            }
        }
    }

    /// [`Tasks::register`] for a listed ticket.
    fn register_listed(&self, id: u64, waker: &Waker, waiters: &AtomicU64) -> bool {
        // The common re-registration: still waiting, same waker. Nothing to clone or store.
        {
            let list = self.lock();
            if list.find(id).is_ok_and(|at| list.waiting[at].1.will_wake(waker)) {
                return false;
            }
        }
        // Cloned before locking, as above. (If the ticket is woken between the two locks, the
        // code below finds it gone and says so.)
        let mut waker = Some(waker.clone());
        let mut list = self.lock();
        let woken = match list.find(id) {
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
        };
        drop(list);
        drop_contained(waker);
        woken
    }

    /// Forgets `ticket`, uncounting its task if it is still waiting. Returns whether it had been
    /// woken and not yet re-registered (a notification it did not act on).
    pub(super) fn deregister(&self, ticket: &mut Ticket, waiters: &AtomicU64) -> bool {
        match core::mem::take(ticket) {
            Ticket::None => false,
            Ticket::Slot => {
                let waker = self.slot.release(waiters);
                let woken = waker.is_none();
                drop_contained(waker);
                woken
            }
            Ticket::Listed(id) => {
                let mut list = self.lock();
                let (woken, waker) = match list.find(id) {
                    Ok(at) => {
                        // Relaxed: inside the critical section; a stale count costs a notifier
                        // one lock.
                        waiters.fetch_sub(TASK, Relaxed);
                        (false, list.waiting.remove(at).map(|(_, waker)| waker))
                    }
                    // Its notifier uncounted it.
                    Err(_) => (true, None),
                };
                // Relaxed: a hint, changed under the lock.
                self.listed.fetch_sub(1, Relaxed);
                drop(list);
                drop_contained(waker);
                woken
            }
        }
    }

    /// Wakes the task waiting longest: the slot's owner, else the list's front; `false` if every
    /// registered task has been woken already. A task whose waker panics counts as woken but not
    /// as served: the wake-up goes on to the next task (or, with none left, to the threads), so a
    /// broken executor cannot swallow it.
    pub(super) fn wake_one(&self, waiters: &AtomicU64) -> bool {
        if let Some(waker) = self.slot.take(waiters)
            && wake_contained(waker)
        {
            return true;
        }
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
        if let Some(waker) = self.slot.take(waiters) {
            // Every task is woken either way.
            let _ = wake_contained(waker);
        }
        // SeqCst: after the caller's handshake, as its own load of the count was (event.rs), so
        // that a listed task registered before it is seen. With none, the list is not locked.
        if waiters.load(SeqCst) < TASK {
            return;
        }
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
    fn notifiers_take_the_lock_only_when_a_task_is_listed() {
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
        // One task waiting: it holds the slot, and neither it nor its notifiers lock.
        let mut ticket = Ticket::default();
        assert!(!event.register_task(&mut ticket, Waker::noop()));
        assert!(matches!(ticket, Ticket::Slot));
        assert!(!event.register_task(&mut ticket, Waker::noop()), "polled again, not woken");
        event.notify_one_after_claim(claim());
        // Woken and not polled again yet: uncounted, so notifiers skip it.
        event.notify_one_after_claim(claim());
        event.notify_all();
        // Woken: the next registration learns it, and keeps the slot.
        assert!(event.register_task(&mut ticket, Waker::noop()));
        assert!(matches!(ticket, Ticket::Slot));
        event.notify_all();
        assert!(event.register_task(&mut ticket, Waker::noop()), "woken by notify_all");
        assert_eq!(locks(&event), 0, "a single task: no lock");
        // A second task waits in the list: its registration locks, and so does a notification
        // that finds the slot's owner already woken.
        let mut second = Ticket::default();
        assert!(!event.register_task(&mut second, Waker::noop()));
        assert!(matches!(second, Ticket::Listed(_)));
        assert_eq!(locks(&event), 1);
        event.notify_one_after_claim(claim()); // the slot's owner: no lock
        assert_eq!(locks(&event), 1);
        event.notify_one_after_claim(claim()); // the listed one
        assert_eq!(locks(&event), 2);
        for t in [&mut ticket, &mut second] {
            event.deregister_task(t, || false);
            assert!(!t.is_registered());
        }
        assert_eq!(event.waiters.load(Relaxed), 0);
        let after = locks(&event);
        event.notify_one_after_claim(claim());
        event.notify_all();
        assert_eq!(locks(&event), after, "the tasks left: no lock again");
        // The slot is free again, and no ticket is listed: the next task takes it.
        let mut third = Ticket::default();
        event.register_task(&mut third, Waker::noop());
        assert!(matches!(third, Ticket::Slot));
        event.deregister_task(&mut third, || false);
        assert_eq!(event.waiters.load(Relaxed), 0);
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
