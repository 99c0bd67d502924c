//! A case's consumer thread: takes items with `get`, `get_timeout` and `get_nowait` until the
//! queue is shut down and empty, records each item in the ledger, checks its order, and calls
//! `task_done` for every one.

use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::Instant;

use queue_blocking::GetError;

use super::Case;
use crate::bq::Kind;
use crate::ledger::Ledger;
use crate::order::OrderCheck;
use crate::random::{maybe_pause, short_timeout};
use crate::report::{Ops, violation};

impl<Q: Kind> Case<Q> {
    pub(super) fn consumer(&self, seed: u64) {
        struct Done<'a>(&'a Ledger);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.consumers_left.fetch_sub(1, SeqCst);
            }
        }
        let l = &self.ledger;
        let _done = Done(l);
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        let mut order = OrderCheck::new(Q::ORDER);
        loop {
            let how = rng.u8(0..4);
            let timeout = short_timeout(&mut rng);
            let start = Instant::now();
            let result = match how {
                0 | 1 => self.q.get(),
                2 => self.q.get_timeout(timeout),
                _ => self.q.get_nowait(),
            };
            let elapsed = start.elapsed();
            ops.tick();
            match result {
                Ok(item) => {
                    if l.take(&item, "get")
                        && let Some(msg) = order.see(&item)
                    {
                        violation!(self.name(), "{msg}");
                    }
                    l.done_count.fetch_add(1, SeqCst);
                    if self.q.task_done().is_err() {
                        violation!(self.name(), "task_done failed for an item just taken");
                    }
                    ops.tick();
                    drop(item);
                    maybe_pause(&mut rng);
                }
                Err(GetError::Empty) => match how {
                    0 | 1 => violation!(self.name(), "an untimed get failed with Empty"),
                    2 if elapsed < timeout => violation!(
                        self.name(),
                        "get_timeout({timeout:?}) failed with Empty after only {elapsed:?}"
                    ),
                    3 => thread::yield_now(),
                    _ => {}
                },
                Err(GetError::ShutDown) => {
                    if !self.q.is_shutdown() {
                        violation!(self.name(), "a get failed with ShutDown but is_shutdown() is false");
                    }
                    // Shut down and empty is for good.
                    if let Ok(item) = self.q.get_nowait() {
                        violation!(
                            self.name(),
                            "get_nowait returned an item after a get failed with ShutDown"
                        );
                        l.take(&item, "get after ShutDown");
                        l.done_count.fetch_add(1, SeqCst);
                        let _ = self.q.task_done();
                    }
                    return;
                }
            }
        }
    }
}
