//! The `SimpleQueue` case: one `SimpleQueue` of a round with its producers (puts never fail) and
//! consumers (stopped by one `None` sentinel each, put after every item), and the checks at the end.
//! It has no `maxsize`, `task_done`/`join` or shutdown, so it does not fit the generic case.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::Ordering::SeqCst;
use std::thread::{self, Scope};
use std::time::Instant;

use queue_blocking::{GetError, SimpleQueue};

use crate::bq::Order;
use crate::item::Item;
use crate::ledger::Ledger;
use crate::monitor::Describe;
use crate::order::OrderCheck;
use crate::random::{maybe_pause, short_timeout};
use crate::report::{Ops, panic_message, violation};
use crate::{CONSUMERS, PRODUCERS};

/// `SimpleQueue`: puts never fail; after the producers finish, one `None` sentinel per consumer.
pub(crate) struct SimpleCase {
    q: SimpleQueue<Option<Item>>,
    ledger: Ledger,
}

impl SimpleCase {
    pub(crate) fn new(round: u64, rng: &mut fastrand::Rng) -> Self {
        let per_producer = rng.usize(500..=4_000);
        let name = format!("round {round} SimpleQueue");
        Self { q: SimpleQueue::new(), ledger: Ledger::new(name, rng.u64(..), per_producer) }
    }

    fn spawn<'s>(&'s self, s: &'s Scope<'s, '_>, role: String, body: impl FnOnce() + Send + 's) {
        thread::Builder::new()
            .name(format!("SimpleQueue-{role}"))
            .spawn_scoped(s, move || {
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(body)) {
                    violation!(&self.ledger.name, "{role} panicked: {}", panic_message(&*payload));
                    // Release the consumers.
                    for _ in 0..CONSUMERS {
                        self.q.put(None);
                    }
                }
            })
            .expect("spawn a soak thread");
    }

    pub(crate) fn start<'s>(&'s self, s: &'s Scope<'s, '_>, rng: &mut fastrand::Rng) {
        for p in 0..PRODUCERS {
            let seed = rng.u64(..);
            self.spawn(s, format!("producer{p}"), move || self.producer(p, seed));
        }
        for c in 0..CONSUMERS {
            let seed = rng.u64(..);
            self.spawn(s, format!("consumer{c}"), move || self.consumer(seed));
        }
    }

    fn producer(&self, p: usize, seed: u64) {
        let l = &self.ledger;
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        for seq in 0..l.per_producer {
            let item = Item::new(l.salt, p, seq);
            if rng.bool() {
                self.q.put(Some(item));
            } else {
                self.q.put_nowait(Some(item));
            }
            ops.tick();
            l.accept(p, seq);
            maybe_pause(&mut rng);
        }
        // The last producer to finish puts the sentinels, after every item: consumers stop at them
        // with nothing left behind (FIFO).
        if l.producers_left.fetch_sub(1, SeqCst) == 1 {
            for _ in 0..CONSUMERS {
                self.q.put(None);
                ops.tick();
            }
        }
    }

    fn consumer(&self, seed: u64) {
        let l = &self.ledger;
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        let mut order = OrderCheck::new(Order::Fifo);
        loop {
            let how = rng.u8(0..4);
            let timeout = short_timeout(&mut rng);
            let start = Instant::now();
            let result = match how {
                0 | 1 => Ok(self.q.get()),
                2 => self.q.get_timeout(timeout),
                _ => self.q.get_nowait(),
            };
            let elapsed = start.elapsed();
            ops.tick();
            match result {
                Ok(Some(item)) => {
                    if l.take(&item, "get")
                        && let Some(msg) = order.see(&item)
                    {
                        violation!(&l.name, "{msg}");
                    }
                    maybe_pause(&mut rng);
                }
                Ok(None) => break,
                Err(GetError::Empty) => match how {
                    2 if elapsed < timeout => violation!(
                        &l.name,
                        "get_timeout({timeout:?}) failed with Empty after only {elapsed:?}"
                    ),
                    3 => thread::yield_now(),
                    _ => {}
                },
                Err(GetError::ShutDown) => violation!(&l.name, "a SimpleQueue get failed with ShutDown"),
            }
        }
        l.consumers_left.fetch_sub(1, SeqCst);
    }

    pub(crate) fn finish(&self) {
        let l = &self.ledger;
        while let Ok(left) = self.q.get_nowait() {
            match left {
                Some(item) => {
                    violation!(&l.name, "item {}/{} was left behind the sentinels", item.producer, item.seq);
                    l.take(&item, "final get_nowait");
                }
                None => violation!(&l.name, "a sentinel was left in the queue"),
            }
        }
        if self.q.qsize() != 0 {
            violation!(&l.name, "qsize() {} at the end", self.q.qsize());
        }
        l.check_conservation();
    }
}

impl Describe for SimpleCase {
    fn describe(&self) -> String {
        format!("{}: qsize {}; {}", self.ledger.name, self.q.qsize(), self.ledger.describe_counts())
    }
}
