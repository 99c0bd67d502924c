//! A case's producer thread: puts its items with `put`, `put_timeout` and `put_nowait`, retrying
//! or abandoning an item after `Full`, and checks every failed put (its own item given back,
//! `Full` and `ShutDown` only when allowed, shutdown for good) and `qsize() <= maxsize`.

use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::Instant;

use queue_blocking::PutError;

use super::Case;
use crate::bq::Kind;
use crate::item::Item;
use crate::ledger::Ledger;
use crate::random::{maybe_pause, short_timeout};
use crate::report::{Ops, violation};

impl<Q: Kind> Case<Q> {
    /// A failed put must give back the very item it was given.
    fn check_returned(&self, back: &Item, p: usize, seq: usize, addr: *const u64, how: &str) {
        if back.addr() != addr || back.producer as usize != p || back.seq as usize != seq {
            violation!(
                self.name(),
                "a put failing with {how} returned {}/{} (tag at {:p}) instead of its own item {p}/{seq} (tag at {addr:p})",
                back.producer,
                back.seq,
                back.addr()
            );
        }
    }

    pub(super) fn producer(&self, p: usize, seed: u64) {
        struct Done<'a>(&'a Ledger);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.producers_left.fetch_sub(1, SeqCst);
            }
        }
        let l = &self.ledger;
        let _done = Done(l);
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        'items: for seq in 0..l.per_producer {
            let mut item = Item::new(l.salt, p, seq);
            let addr = item.addr();
            loop {
                let how = rng.u8(0..4);
                let timeout = short_timeout(&mut rng);
                let start = Instant::now();
                let result = match how {
                    0 | 1 => self.q.put(item),
                    2 => self.q.put_timeout(item, timeout),
                    _ => self.q.put_nowait(item),
                };
                let elapsed = start.elapsed();
                ops.tick();
                match result {
                    Ok(()) => {
                        l.accept(p, seq);
                        if self.maxsize > 0 {
                            let n = self.q.qsize();
                            if n > self.maxsize {
                                violation!(
                                    self.name(),
                                    "qsize() {n} above maxsize {} after a put",
                                    self.maxsize
                                );
                            }
                        }
                        break;
                    }
                    Err(PutError::Full(back)) => {
                        self.check_returned(&back, p, seq, addr, "Full");
                        if self.maxsize == 0 {
                            violation!(self.name(), "a put on an unbounded queue failed with Full");
                        }
                        match how {
                            0 | 1 => violation!(self.name(), "an untimed put failed with Full"),
                            2 if elapsed < timeout => violation!(
                                self.name(),
                                "put_timeout({timeout:?}) failed with Full after only {elapsed:?}"
                            ),
                            _ => {}
                        }
                        item = back;
                        if rng.u8(0..4) == 0 {
                            // Abandon it: it was never accepted, so it must never come out.
                            continue 'items;
                        }
                        if how == 3 {
                            thread::yield_now();
                        }
                    }
                    Err(PutError::ShutDown(back)) => {
                        self.check_returned(&back, p, seq, addr, "ShutDown");
                        if !self.end.early() && !self.failed.load(SeqCst) {
                            violation!(
                                self.name(),
                                "a put failed with ShutDown before the queue was shut down"
                            );
                        }
                        if !self.q.is_shutdown() {
                            violation!(self.name(), "a put failed with ShutDown but is_shutdown() is false");
                        }
                        // Shutdown is for good: the next put must fail the same way.
                        match self.q.put_nowait(back) {
                            Ok(()) => {
                                violation!(
                                    self.name(),
                                    "a put succeeded after another had failed with ShutDown"
                                );
                                l.accept(p, seq);
                            }
                            Err(PutError::Full(back)) => {
                                self.check_returned(&back, p, seq, addr, "Full");
                                violation!(self.name(), "a put after a ShutDown failed with Full");
                            }
                            Err(PutError::ShutDown(back)) => {
                                self.check_returned(&back, p, seq, addr, "ShutDown")
                            }
                        }
                        ops.tick();
                        return;
                    }
                }
            }
            maybe_pause(&mut rng);
        }
    }
}
