//! A case's coordinator thread: polls `join_timeout` while the producers run (checking it never
//! comes true too early), then ends the case the way its [`End`] says: `join` then `shutdown`,
//! `shutdown`, or `shutdown_immediate` (checking the items it returns).

use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::{Duration, Instant};

use super::{Case, End};
use crate::bq::Kind;
use crate::order::check_drained_order;
use crate::report::{Ops, violation};

impl<Q: Kind> Case<Q> {
    pub(super) fn coordinator(&self, seed: u64) {
        let l = &self.ledger;
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        let early_end = self.end.early().then(|| Instant::now() + Duration::from_micros(rng.u64(0..15_000)));
        // The joiner: short `join_timeout`s while the producers run.
        while l.producers_left.load(SeqCst) > 0 && early_end.is_none_or(|t| Instant::now() < t) {
            let accepted_before = l.accepted_count.load(SeqCst);
            let all_done = self.q.join_timeout(Duration::from_micros(rng.u64(0..2_000)));
            ops.tick();
            if all_done {
                let done = l.done_count.load(SeqCst);
                if done < accepted_before {
                    violation!(
                        self.name(),
                        "join_timeout returned true with {accepted_before} puts finished before the \
                         call but only {done} task_done calls"
                    );
                }
                // Nothing to wait for right now: do not spin on a `join` that returns at once.
                thread::sleep(Duration::from_micros(rng.u64(50..500)));
            }
        }
        match self.end {
            End::Graceful => {
                // Every producer is done: `join` must come true once consumers catch up (the
                // watchdog reports it if it never does).
                while !self.q.join_timeout(Duration::from_millis(20)) {
                    ops.tick();
                    if self.failed.load(SeqCst) {
                        return; // a thread panicked (reported); the queue is already shut down
                    }
                }
                ops.tick();
                let (accepted, done) = (l.accepted_count.load(SeqCst), l.done_count.load(SeqCst));
                if done != accepted {
                    violation!(self.name(), "join returned with {done} of {accepted} items processed");
                }
                if self.q.qsize() != 0 {
                    violation!(self.name(), "join returned with qsize() {}", self.q.qsize());
                }
                self.q.shutdown();
            }
            End::Drain | End::Early => self.q.shutdown(),
            End::Immediate | End::ImmediateEarly => {
                let drained = self.q.shutdown_immediate();
                if !self.q.is_shutdown() {
                    violation!(self.name(), "is_shutdown() false after shutdown_immediate");
                }
                if let Some(msg) = check_drained_order(Q::ORDER, &drained) {
                    violation!(self.name(), "shutdown_immediate returned items out of order: {msg}");
                }
                l.drained_count.fetch_add(drained.len(), SeqCst);
                for item in &drained {
                    l.take(item, "shutdown_immediate");
                }
            }
        }
        ops.tick();
    }
}
