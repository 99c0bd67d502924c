//! One interface over `Queue`, `LifoQueue` and `PriorityQueue`, so that a single generic case
//! (`case/`) soaks all three; `Order` tells the checks which order to expect.

use std::time::Duration;

use queue_blocking::{GetError, LifoQueue, PriorityQueue, PutError, Queue, TaskDoneError};

use crate::item::Item;

/// The order a queue hands its items out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Fifo,
    Lifo,
    Priority,
}

/// The blocking queue API the soak drives, implemented by the three queues that have a `maxsize`,
/// `task_done`/`join` and shutdown (`SimpleQueue` has none of these and gets its own case).
pub(crate) trait Bq: Send + Sync + 'static {
    const NAME: &'static str;
    const ORDER: Order;
    fn new(maxsize: usize) -> Self;
    fn put(&self, item: Item) -> Result<(), PutError<Item>>;
    fn put_timeout(&self, item: Item, timeout: Duration) -> Result<(), PutError<Item>>;
    fn put_nowait(&self, item: Item) -> Result<(), PutError<Item>>;
    fn get(&self) -> Result<Item, GetError>;
    fn get_timeout(&self, timeout: Duration) -> Result<Item, GetError>;
    fn get_nowait(&self) -> Result<Item, GetError>;
    fn task_done(&self) -> Result<(), TaskDoneError>;
    fn join_timeout(&self, timeout: Duration) -> bool;
    fn unfinished_tasks(&self) -> usize;
    fn qsize(&self) -> usize;
    fn is_shutdown(&self) -> bool;
    fn shutdown(&self);
    fn shutdown_immediate(&self) -> Vec<Item>;
}

macro_rules! impl_bq {
    ($q:ident, $order:expr) => {
        impl Bq for $q<Item> {
            const NAME: &'static str = stringify!($q);
            const ORDER: Order = $order;
            fn new(maxsize: usize) -> Self {
                $q::new(maxsize)
            }
            fn put(&self, item: Item) -> Result<(), PutError<Item>> {
                $q::put(self, item)
            }
            fn put_timeout(&self, item: Item, timeout: Duration) -> Result<(), PutError<Item>> {
                $q::put_timeout(self, item, timeout)
            }
            fn put_nowait(&self, item: Item) -> Result<(), PutError<Item>> {
                $q::put_nowait(self, item)
            }
            fn get(&self) -> Result<Item, GetError> {
                $q::get(self)
            }
            fn get_timeout(&self, timeout: Duration) -> Result<Item, GetError> {
                $q::get_timeout(self, timeout)
            }
            fn get_nowait(&self) -> Result<Item, GetError> {
                $q::get_nowait(self)
            }
            fn task_done(&self) -> Result<(), TaskDoneError> {
                $q::task_done(self)
            }
            fn join_timeout(&self, timeout: Duration) -> bool {
                $q::join_timeout(self, timeout)
            }
            fn unfinished_tasks(&self) -> usize {
                $q::unfinished_tasks(self)
            }
            fn qsize(&self) -> usize {
                $q::qsize(self)
            }
            fn is_shutdown(&self) -> bool {
                $q::is_shutdown(self)
            }
            fn shutdown(&self) {
                $q::shutdown(self)
            }
            fn shutdown_immediate(&self) -> Vec<Item> {
                $q::shutdown_immediate(self)
            }
        }
    };
}

impl_bq!(Queue, Order::Fifo);
impl_bq!(LifoQueue, Order::Lifo);
impl_bq!(PriorityQueue, Order::Priority);
