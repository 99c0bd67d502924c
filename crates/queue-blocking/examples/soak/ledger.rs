//! Conservation bookkeeping of one queue in one round: which items were accepted by a put and how
//! many times each came out, checked item by item as it comes out and in full at the end, plus the
//! progress counters the coordinator's `join` checks and the watchdog's report read.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};

use crate::item::Item;
use crate::report::violation;
use crate::{CONSUMERS, KEYS, PRODUCERS};

/// Per-item conservation records and progress counters of one queue in one round.
pub(crate) struct Ledger {
    pub(crate) name: String,
    pub(crate) salt: u64,
    pub(crate) per_producer: usize,
    /// Set by the producer when the put of item `p * per_producer + seq` returned `Ok`.
    accepted: Vec<AtomicBool>,
    /// How many times the item came out (get or `shutdown_immediate`).
    taken: Vec<AtomicU8>,
    pub(crate) accepted_count: AtomicUsize,
    taken_count: AtomicUsize,
    pub(crate) drained_count: AtomicUsize,
    /// Raised by a consumer just before each `task_done`.
    pub(crate) done_count: AtomicUsize,
    pub(crate) producers_left: AtomicUsize,
    pub(crate) consumers_left: AtomicUsize,
}

impl Ledger {
    pub(crate) fn new(name: String, salt: u64, per_producer: usize) -> Self {
        let n = PRODUCERS * per_producer;
        Self {
            name,
            salt,
            per_producer,
            accepted: (0..n).map(|_| AtomicBool::new(false)).collect(),
            taken: (0..n).map(|_| AtomicU8::new(0)).collect(),
            accepted_count: AtomicUsize::new(0),
            taken_count: AtomicUsize::new(0),
            drained_count: AtomicUsize::new(0),
            done_count: AtomicUsize::new(0),
            producers_left: AtomicUsize::new(PRODUCERS),
            consumers_left: AtomicUsize::new(CONSUMERS),
        }
    }

    fn index(&self, producer: usize, seq: usize) -> usize {
        producer * self.per_producer + seq
    }

    pub(crate) fn accept(&self, producer: usize, seq: usize) {
        if self.accepted[self.index(producer, seq)].swap(true, SeqCst) {
            violation!(&self.name, "item {producer}/{seq} accepted twice (soak bug)");
        }
        self.accepted_count.fetch_add(1, SeqCst);
    }

    /// Records that `item` came out via `how`. Returns false (after reporting) if it is not an item
    /// that was ever put, is corrupted, or came out before.
    pub(crate) fn take(&self, item: &Item, how: &str) -> bool {
        let (p, seq) = (item.producer as usize, item.seq as usize);
        if p >= PRODUCERS || seq >= self.per_producer {
            violation!(&self.name, "{how} returned an item that was never put: {p}/{seq}");
            return false;
        }
        let tag = Item::tag_for(self.salt, p, seq);
        if *item.tag != tag || item.key as u64 != tag % KEYS as u64 {
            violation!(
                &self.name,
                "{how} returned a corrupted item {p}/{seq}: {item:?}, tag should be {tag}"
            );
            return false;
        }
        let before = self.taken[self.index(p, seq)].fetch_add(1, SeqCst);
        self.taken_count.fetch_add(1, SeqCst);
        if before != 0 {
            violation!(
                &self.name,
                "{how} returned item {p}/{seq}, which had already come out {before} time(s)"
            );
            return false;
        }
        true
    }

    /// After every thread of the queue has finished: each accepted item came out exactly once and
    /// no other item came out.
    pub(crate) fn check_conservation(&self) {
        let (mut lost, mut phantom, mut dup) = (0usize, 0usize, 0usize);
        let mut examples = Vec::new();
        for (i, (acc, taken)) in self.accepted.iter().zip(&self.taken).enumerate() {
            let (acc, taken) = (acc.load(SeqCst), taken.load(SeqCst));
            let (p, seq) = (i / self.per_producer, i % self.per_producer);
            if acc && taken == 0 {
                lost += 1;
                if examples.len() < 5 {
                    examples.push(format!("{p}/{seq} lost"));
                }
            } else if !acc && taken > 0 {
                phantom += 1;
                if examples.len() < 5 {
                    examples.push(format!("{p}/{seq} came out but its put failed or never happened"));
                }
            } else if taken > 1 {
                dup += 1;
            }
        }
        if lost + phantom + dup > 0 {
            violation!(
                &self.name,
                "conservation: {lost} lost, {phantom} invented, {dup} duplicated (e.g. {})",
                examples.join(", ")
            );
        }
    }

    pub(crate) fn describe_counts(&self) -> String {
        format!(
            "accepted {}, taken {} (drained {}), task_done {}, producers left {}, consumers left {}",
            self.accepted_count.load(SeqCst),
            self.taken_count.load(SeqCst),
            self.drained_count.load(SeqCst),
            self.done_count.load(SeqCst),
            self.producers_left.load(SeqCst),
            self.consumers_left.load(SeqCst),
        )
    }
}
