//! The `Send`/`Sync` contract and the bounds the API promises, checked by the compiler:
//! `Queue`, `LifoQueue`, `SimpleQueue` (and the core FIFO and LIFO) are `Send + Sync` for
//! `T: Send`; `PriorityQueue` (and the skiplist) only for `T: Send + Sync`, because it compares
//! items from several threads at once; `Default` asks nothing of `T`.

use std::cell::Cell;
use std::marker::PhantomData;

use queue_blocking::{LifoQueue, PriorityQueue, Queue, SimpleQueue};
use queue_core::{MsQueue, SkipListPq, TreiberStack};

/// Answers "is `T: Sync`?" at compile time without failing to compile when it is not: the
/// inherent method (which needs `T: Sync`) wins when it applies, the trait method otherwise.
struct Probe<T>(PhantomData<T>);

trait NotSync {
    fn is_sync(&self) -> bool {
        false
    }
}
impl<T> NotSync for Probe<T> {}

impl<T: Sync> Probe<T> {
    fn is_sync(&self) -> bool {
        true
    }
}

fn send<T: Send>() {}

/// `Send` but not `Sync`, and ordered, so it fits every queue kind.
type SendOnly = Cell<u8>;

#[test]
fn fifo_and_lifo_are_sync_for_send_items() {
    send::<Queue<SendOnly>>();
    send::<LifoQueue<SendOnly>>();
    send::<SimpleQueue<SendOnly>>();
    assert!(Probe::<Queue<SendOnly>>(PhantomData).is_sync());
    assert!(Probe::<LifoQueue<SendOnly>>(PhantomData).is_sync());
    assert!(Probe::<SimpleQueue<SendOnly>>(PhantomData).is_sync());
    assert!(Probe::<MsQueue<SendOnly>>(PhantomData).is_sync());
    assert!(Probe::<TreiberStack<SendOnly>>(PhantomData).is_sync());
}

#[test]
fn priority_queue_needs_sync_items() {
    // Control: the probe does tell the two apart.
    assert!(!Probe::<SendOnly>(PhantomData).is_sync() && Probe::<u8>(PhantomData).is_sync());
    assert!(!Probe::<PriorityQueue<SendOnly>>(PhantomData).is_sync());
    assert!(!Probe::<SkipListPq<SendOnly>>(PhantomData).is_sync());
    assert!(Probe::<PriorityQueue<u8>>(PhantomData).is_sync());
    send::<PriorityQueue<u8>>();
}

#[test]
fn default_asks_nothing_of_items() {
    /// No `Default`, `Clone` or `Debug`.
    struct Opaque;
    let q: Queue<Opaque> = Queue::default();
    assert_eq!(q.maxsize(), 0);
    let l: LifoQueue<Opaque> = LifoQueue::default();
    assert!(l.put(Opaque).is_ok());
    let s: SimpleQueue<Opaque> = SimpleQueue::default();
    s.put(Opaque);
    assert_eq!(s.qsize(), 1);
    // PutError's Debug never needs T: Debug.
    assert_eq!(format!("{:?}", queue_blocking::PutError::Full(Opaque)), "Full(..)");
}
