//! A `Queue`, `LifoQueue` or `PriorityQueue` case: one queue of a round, generic over its container ([`Kind`]), with
//! how it ends ([`End`]), its threads started on the round's scope, and the checks once every
//! thread is done. The threads' bodies have a file each: `producer.rs`, `consumer.rs` and
//! `coordinator.rs` (the coordinator polls `join` and ends the case).

mod consumer;
mod coordinator;
mod producer;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread::{self, Scope};
use std::time::Duration;

use queue_blocking::{BlockingQueue, GetError, PutError};

use crate::bq::Kind;
use crate::item::Item;
use crate::ledger::Ledger;
use crate::monitor::Describe;
use crate::report::{panic_message, violation};
use crate::{CONSUMERS, PRODUCERS};

/// How a case ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Producers finish; `join` (polled with `join_timeout`) must see every item processed; then
    /// `shutdown`.
    Graceful,
    /// Producers finish; `shutdown` at once; consumers drain what is left.
    Drain,
    /// `shutdown` while producers are still putting.
    Early,
    /// Producers finish; `shutdown_immediate` at once, while consumers are still taking.
    Immediate,
    /// `shutdown_immediate` while producers are still putting.
    ImmediateEarly,
}

impl End {
    const ALL: [End; 5] = [End::Graceful, End::Drain, End::Early, End::Immediate, End::ImmediateEarly];

    fn early(self) -> bool {
        matches!(self, End::Early | End::ImmediateEarly)
    }
}

/// One `Queue`, `LifoQueue` or `PriorityQueue` in one round, with its records and how it ends.
pub(crate) struct Case<Q: Kind> {
    q: BlockingQueue<Item, Q>,
    maxsize: usize,
    end: End,
    ledger: Ledger,
    /// A thread of this case panicked (already reported); the queue was shut down to release the
    /// others, so later complaints about an early `ShutDown` are expected.
    failed: AtomicBool,
}

impl<Q: Kind> Case<Q> {
    pub(crate) fn new(round: u64, maxsize: usize, rng: &mut fastrand::Rng) -> Self {
        let end = End::ALL[rng.usize(0..End::ALL.len())];
        let per_producer = rng.usize(500..=4_000);
        let name = format!("round {round} {}(maxsize={maxsize}) end={end:?}", Q::NAME);
        Self {
            q: BlockingQueue::new(maxsize),
            maxsize,
            end,
            ledger: Ledger::new(name, rng.u64(..), per_producer),
            failed: AtomicBool::new(false),
        }
    }

    fn name(&self) -> &str {
        &self.ledger.name
    }

    /// Runs `body` on a named thread of `s`; a panic is reported as a violation and shuts the
    /// queue down so the other threads of the case finish.
    fn spawn<'s>(&'s self, s: &'s Scope<'s, '_>, role: String, body: impl FnOnce() + Send + 's) {
        let thread_name = format!("{}-{role}", Q::NAME);
        thread::Builder::new()
            .name(thread_name)
            .spawn_scoped(s, move || {
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(body)) {
                    violation!(self.name(), "{role} panicked: {}", panic_message(&*payload));
                    self.failed.store(true, SeqCst);
                    self.q.shutdown();
                }
            })
            .expect("spawn a soak thread");
    }

    pub(crate) fn start<'s>(&'s self, s: &'s Scope<'s, '_>, rng: &mut fastrand::Rng) {
        for p in 0..PRODUCERS {
            let seed = rng.u64(..);
            self.spawn(s, format!("producer{p}"), move || {
                self.producer(p, seed);
            });
        }
        for c in 0..CONSUMERS {
            let seed = rng.u64(..);
            self.spawn(s, format!("consumer{c}"), move || {
                self.consumer(seed);
            });
        }
        let seed = rng.u64(..);
        self.spawn(s, "coordinator".to_owned(), move || self.coordinator(seed));
    }

    /// After every thread of the case has finished.
    pub(crate) fn finish(&self) {
        let l = &self.ledger;
        loop {
            match self.q.get_nowait() {
                Ok(item) => {
                    violation!(
                        self.name(),
                        "an item was left in the queue after every consumer saw ShutDown"
                    );
                    l.take(&item, "final get_nowait");
                    let _ = self.q.task_done();
                }
                Err(GetError::ShutDown) => break,
                Err(GetError::Empty) => {
                    violation!(self.name(), "get_nowait on a shut-down, drained queue failed with Empty");
                    break;
                }
            }
        }
        let extra = Item::new(0, 0, 0);
        let addr = extra.addr();
        match self.q.put_nowait(extra) {
            Err(PutError::ShutDown(back)) if back.addr() == addr => {}
            Err(PutError::ShutDown(_)) => {
                violation!(self.name(), "a put after shutdown returned another item")
            }
            Err(PutError::Full(_)) => violation!(self.name(), "a put after shutdown failed with Full"),
            Ok(()) => violation!(self.name(), "a put after shutdown succeeded"),
        }
        if self.q.qsize() != 0 {
            violation!(self.name(), "qsize() {} at the end", self.q.qsize());
        }
        let unfinished = self.q.unfinished_tasks();
        if unfinished != 0 {
            violation!(
                self.name(),
                "unfinished_tasks() {unfinished} at the end although every item taken got task_done \
                 ({})",
                l.describe_counts()
            );
        }
        if !self.q.join_timeout(Duration::ZERO) {
            violation!(self.name(), "join_timeout(0) false at the end");
        }
        l.check_conservation();
    }
}

impl<Q: Kind> Describe for Case<Q> {
    fn describe(&self) -> String {
        format!(
            "{}: qsize {}, unfinished_tasks {}, is_shutdown {}; {}",
            self.name(),
            self.q.qsize(),
            self.q.unfinished_tasks(),
            self.q.is_shutdown(),
            self.ledger.describe_counts()
        )
    }
}
