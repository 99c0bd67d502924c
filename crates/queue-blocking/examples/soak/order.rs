//! The order checks: what each consumer gets must respect each producer's put order (FIFO, and
//! among equal keys for priority), and what `shutdown_immediate` returns must be in `get` order.

use crate::bq::Order;
use crate::item::Item;
use crate::{KEYS, PRODUCERS};

/// Per-consumer order check: the last `seq` seen per (producer, class).
pub(crate) struct OrderCheck {
    order: Order,
    last: [[Option<u32>; KEYS]; PRODUCERS],
}

impl OrderCheck {
    pub(crate) fn new(order: Order) -> Self {
        Self { order, last: [[None; KEYS]; PRODUCERS] }
    }

    /// `item` must have passed [`Ledger::take`](crate::ledger::Ledger::take) (valid producer and key).
    pub(crate) fn see(&mut self, item: &Item) -> Option<String> {
        let class = match self.order {
            Order::Fifo => 0,
            Order::Priority => item.key as usize,
            Order::Lifo => return None,
        };
        let slot = &mut self.last[item.producer as usize][class];
        if let Some(prev) = *slot
            && item.seq <= prev
        {
            return Some(format!(
                "a consumer got item {}/{} (key {}) after item {}/{prev}: out of put order",
                item.producer, item.seq, item.key, item.producer
            ));
        }
        *slot = Some(item.seq);
        None
    }
}

/// The items `shutdown_immediate` returned must be in `get` order: every put had finished before
/// the drain began, so each pop in it takes the first item in the structure's order.
pub(crate) fn check_drained_order(order: Order, items: &[Item]) -> Option<String> {
    let mut last: [[Option<u32>; KEYS]; PRODUCERS] = [[None; KEYS]; PRODUCERS];
    let mut last_key = None;
    for item in items {
        let (p, k) = (item.producer as usize, item.key as usize);
        if p >= PRODUCERS || k >= KEYS {
            continue; // reported by `Ledger::take`
        }
        let (class, increasing) = match order {
            Order::Fifo => (0, true),
            Order::Lifo => (0, false),
            Order::Priority => (k, true),
        };
        if order == Order::Priority {
            if let Some(prev) = last_key
                && item.key < prev
            {
                return Some(format!("key {} after key {prev}", item.key));
            }
            last_key = Some(item.key);
        }
        if let Some(prev) = last[p][class]
            && (item.seq > prev) != increasing
        {
            return Some(format!("item {p}/{} after item {p}/{prev}", item.seq));
        }
        last[p][class] = Some(item.seq);
    }
    None
}
