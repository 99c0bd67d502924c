//! The queue kinds as containers of one `BlockingQueue`, so that a single generic case (`case/`)
//! soaks all three; `Order` tells the checks which order to expect.

use queue_blocking::{Container, RawQueue, SegmentedQueue, SkipListPq, TreiberStack};

use crate::item::Item;

/// The order a queue hands its items out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Fifo,
    Lifo,
    Priority,
}

/// A queue kind the soak drives, named by its container: `Queue`, `LifoQueue` and
/// `PriorityQueue` are one `BlockingQueue` over three containers (`SimpleQueue` has no `maxsize`,
/// `task_done`/`join` or shutdown and gets its own case).
pub(crate) trait Kind:
    Container<Item, Engine: Send + Sync + 'static> + RawQueue<Item> + 'static
{
    const ORDER: Order;
}

impl Kind for SegmentedQueue<Item> {
    const ORDER: Order = Order::Fifo;
}

impl Kind for TreiberStack<Item> {
    const ORDER: Order = Order::Lifo;
}

impl Kind for SkipListPq<Item> {
    const ORDER: Order = Order::Priority;
}
