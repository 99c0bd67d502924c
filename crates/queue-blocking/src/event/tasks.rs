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
//! # Memory ordering
//!
//! All of it is the mutex's. The count of registered tasks in the event's waiter word is changed
//! inside the critical section that adds or removes a ticket, so a notifier that reads the count
//! and then locks finds the entries counted: had its lock come first, its read would happen before
//! the count's change and could not see it.

use std::collections::VecDeque;
use std::sync::PoisonError;
use std::task::Waker;

use crate::sync::{AtomicU64, Mutex, Ordering::*};

/// One registered task, in the event's waiter word (the low half counts threads).
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
        // A panic under the lock (a user waker's `clone`) leaves the map as it was: carry on.
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `waker` under `ticket`, taking a new ticket (and counting the task in `waiters`)
    /// on the first call. Returns whether the ticket had been woken since the previous call.
    pub(super) fn register(&self, ticket: &mut Ticket, waker: &Waker, waiters: &AtomicU64) -> bool {
        let mut list = self.lock();
        match ticket.0 {
            None => {
                let id = list.next;
                list.next += 1;
                // The newest ticket: its place is the back.
                list.waiting.push_back((id, waker.clone()));
                // Relaxed: inside the critical section (module docs); the caller's fence orders it
                // against notifiers that do not lock.
                waiters.fetch_add(TASK, Relaxed);
                ticket.0 = Some(id);
                false
            }
            Some(id) => match list.find(id) {
                Ok(at) => {
                    let stored = &mut list.waiting[at].1;
                    if !stored.will_wake(waker) {
                        stored.clone_from(waker);
                    }
                    false
                }
                Err(at) => {
                    list.waiting.insert(at, (id, waker.clone()));
                    true
                }
            },
        }
    }

    /// Forgets `ticket` and uncounts its task. Returns whether it had been woken and not yet
    /// re-registered (a notification it did not act on).
    pub(super) fn deregister(&self, ticket: &mut Ticket, waiters: &AtomicU64) -> bool {
        let Some(id) = ticket.0.take() else { return false };
        let mut list = self.lock();
        let woken = match list.find(id) {
            Ok(at) => {
                list.waiting.remove(at);
                false
            }
            Err(_) => true,
        };
        // Relaxed: inside the critical section; a stale count costs a notifier one lock.
        waiters.fetch_sub(TASK, Relaxed);
        woken
    }

    /// Wakes the task waiting longest; `false` if every registered task has been woken already.
    pub(super) fn wake_one(&self) -> bool {
        let waker = self.lock().waiting.pop_front();
        match waker {
            // Outside the lock: `wake` runs the executor's code.
            Some((_, waker)) => {
                waker.wake();
                true
            }
            None => false,
        }
    }

    /// Wakes every registered task.
    pub(super) fn wake_all(&self) {
        // Taken out so the wakes run outside the lock (this one allocates; it is rare: shutdown,
        // `set_maxsize`, the last `task_done`).
        let woken: Vec<(u64, Waker)> = self.lock().waiting.drain(..).collect();
        for (_, waker) in woken {
            waker.wake();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::Ordering::Relaxed;
    use std::task::Waker;

    use super::super::{Event, Ticket};

    fn locks(event: &Event) -> usize {
        event.tasks.locks.load(Relaxed)
    }

    #[test]
    fn notifiers_take_the_lock_only_when_a_task_is_registered() {
        let event = Event::default();
        event.notify_one();
        event.notify_all();
        event.notify_one_after_claim();
        event.notify_all_after_claim();
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
        event.notify_one_after_claim();
        assert_eq!(locks(&event), 2);
        // Woken: the next registration learns it, and keeps its ticket.
        assert!(event.register_task(&mut ticket, Waker::noop()));
        event.deregister_task(&mut ticket, || false);
        assert!(!ticket.is_registered());
        let after = locks(&event);
        event.notify_one_after_claim();
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
        let woken: Vec<bool> = tickets.iter_mut().map(|t| event.register_task(t, Waker::noop())).collect();
        assert_eq!(woken, [true, true, false]);
        event.notify_all();
        let woken: Vec<bool> = tickets.iter_mut().map(|t| event.register_task(t, Waker::noop())).collect();
        assert_eq!(woken, [true, true, true]);
        for t in &mut tickets {
            event.deregister_task(t, || false);
        }
        assert_eq!(event.waiters.load(Relaxed), 0);
    }
}
