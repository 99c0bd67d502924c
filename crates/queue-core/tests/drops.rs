//! Ownership of items: every pushed item is dropped exactly once, whether a caller pops and drops
//! it or it is still inside when the structure is dropped (also after concurrent pushes and pops,
//! and when one item's `Drop` panics during the structure's drop). No item is dropped while the
//! dropping thread is pinned by crossbeam-epoch (after `pop`, in the structure's `Drop`, and for
//! `SkipListPq` when a push's `Ord` panics). An item whose `Drop` calls back into a structure of
//! the same type (the same one or another) does not deadlock.

mod common;

use std::cmp::Ordering;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Weak};
use std::time::Duration;

use common::{INJECTED, Watchdog, silence_injected_panics};
use queue_core::{MsQueue, RawQueue, SegmentedQueue, SkipListPq, TreiberStack};

const N: usize = if cfg!(miri) { 12 } else { 2_000 };
const THREADS: usize = if cfg!(miri) { 2 } else { 4 };
const PER_THREAD: usize = if cfg!(miri) { 10 } else { 5_000 };

/// Shared record of what happened to the items of one test.
#[derive(Debug)]
struct Tracker {
    /// Drop count per item id.
    drops: Vec<AtomicU32>,
    /// Drops that happened while the dropping thread was pinned.
    pinned_drops: AtomicUsize,
}

impl Tracker {
    fn new(items: usize) -> Arc<Self> {
        Arc::new(Self {
            drops: (0..items).map(|_| AtomicU32::new(0)).collect(),
            pinned_drops: AtomicUsize::new(0),
        })
    }

    fn drops_of(&self, id: usize) -> u32 {
        self.drops[id].load(SeqCst)
    }

    /// Every item in `ids` was dropped exactly once, and never while pinned.
    fn assert_all_dropped_once(&self, ids: std::ops::Range<usize>) {
        for id in ids {
            assert_eq!(self.drops_of(id), 1, "item {id} was dropped {} times", self.drops_of(id));
        }
        assert_eq!(self.pinned_drops.load(SeqCst), 0, "items were dropped while the thread was pinned");
    }
}

/// An item that counts its drops. Optionally its `Drop` panics, or its `Ord` panics.
#[derive(Debug)]
struct Counted {
    key: u8,
    id: usize,
    tracker: Arc<Tracker>,
    panic_on_drop: bool,
    panic_on_cmp: bool,
}

impl Counted {
    fn new(key: u8, id: usize, tracker: &Arc<Tracker>) -> Self {
        Self { key, id, tracker: Arc::clone(tracker), panic_on_drop: false, panic_on_cmp: false }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.tracker.drops[self.id].fetch_add(1, SeqCst);
        if crossbeam_epoch::is_pinned() {
            self.tracker.pinned_drops.fetch_add(1, SeqCst);
        }
        if self.panic_on_drop {
            panic!("{INJECTED}: drop of item {}", self.id);
        }
    }
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Counted {}
impl PartialOrd for Counted {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Counted {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.panic_on_cmp || other.panic_on_cmp {
            panic!("{INJECTED}: comparison involving item {} / {}", self.id, other.id);
        }
        self.key.cmp(&other.key)
    }
}

/// Pop about half the items and drop each one right away; the rest go down with the structure.
fn popped_and_remaining<Q: RawQueue<Counted>>() {
    let tracker = Tracker::new(N);
    let q = Q::default();
    let mut rng = fastrand::Rng::with_seed(1);
    for id in 0..N {
        q.push(Counted::new(rng.u8(0..8), id, &tracker));
    }
    for _ in 0..N / 2 {
        let item = q.pop().expect("structure lost items");
        let id = item.id;
        assert_eq!(tracker.drops_of(id), 0, "item {id} was dropped before the caller dropped it");
        drop(item);
        assert_eq!(tracker.drops_of(id), 1);
    }
    let dropped_by_caller = tracker.drops.iter().filter(|d| d.load(SeqCst) == 1).count();
    assert_eq!(dropped_by_caller, N / 2, "items still inside were dropped early");
    drop(q);
    tracker.assert_all_dropped_once(0..N);
}

#[test]
fn ms_queue_drops_popped_and_remaining_items_once() {
    popped_and_remaining::<MsQueue<Counted>>();
}

#[test]
fn treiber_stack_drops_popped_and_remaining_items_once() {
    popped_and_remaining::<TreiberStack<Counted>>();
}

#[test]
fn skiplist_drops_popped_and_remaining_items_once() {
    popped_and_remaining::<SkipListPq<Counted>>();
}

/// The pinned-drop detector itself works: an item dropped inside a pin is reported.
#[test]
fn pinned_drop_detector_works() {
    let tracker = Tracker::new(1);
    let item = Counted::new(0, 0, &tracker);
    let guard = crossbeam_epoch::pin();
    drop(item);
    drop(guard);
    assert_eq!(tracker.pinned_drops.load(SeqCst), 1);
}

/// Several threads push and pop at random (dropping what they pop); then the structure is dropped
/// with whatever is left.
fn concurrent_then_drop<Q: RawQueue<Counted> + Sync>() {
    let _watchdog = Watchdog::start("concurrent_then_drop", Duration::from_secs(120));
    let tracker = Tracker::new(THREADS * PER_THREAD);
    let q = Q::default();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (q, tracker) = (&q, &tracker);
            s.spawn(move || {
                let mut rng = fastrand::Rng::with_seed(t as u64);
                for i in 0..PER_THREAD {
                    q.push(Counted::new(rng.u8(0..8), t * PER_THREAD + i, tracker));
                    if rng.bool() {
                        drop(q.pop());
                    }
                }
            });
        }
    });
    drop(q);
    tracker.assert_all_dropped_once(0..THREADS * PER_THREAD);
}

#[test]
fn ms_queue_drops_once_after_concurrent_use() {
    concurrent_then_drop::<MsQueue<Counted>>();
}

#[test]
fn treiber_stack_drops_once_after_concurrent_use() {
    concurrent_then_drop::<TreiberStack<Counted>>();
}

#[test]
fn skiplist_drops_once_after_concurrent_use() {
    concurrent_then_drop::<SkipListPq<Counted>>();
}

/// One item's `Drop` panics while the structure is being dropped: the panic reaches the caller,
/// and every other item is still dropped exactly once (the panicking one counted its drop too).
fn panicking_item_drop<Q: RawQueue<Counted>>() {
    silence_injected_panics();
    for victim in [0, 1, N / 2, N - 1] {
        let tracker = Tracker::new(N);
        let q = Q::default();
        for id in 0..N {
            let mut item = Counted::new((id % 5) as u8, id, &tracker);
            item.panic_on_drop = id == victim;
            q.push(item);
        }
        let result = catch_unwind(AssertUnwindSafe(move || drop(q)));
        assert!(result.is_err(), "the panic of item {victim}'s Drop did not reach the caller");
        tracker.assert_all_dropped_once(0..N);
    }
}

#[test]
fn ms_queue_survives_panicking_item_drop() {
    panicking_item_drop::<MsQueue<Counted>>();
}

#[test]
fn treiber_stack_survives_panicking_item_drop() {
    panicking_item_drop::<TreiberStack<Counted>>();
}

#[test]
fn skiplist_survives_panicking_item_drop() {
    panicking_item_drop::<SkipListPq<Counted>>();
}

/// A push whose `Ord` panics drops its item (not linked yet) exactly once, unpinned, and leaves
/// every other item in place.
#[test]
fn skiplist_item_of_panicked_push_dropped_once_unpinned() {
    silence_injected_panics();
    let tracker = Tracker::new(N + 1);
    let q = SkipListPq::new();
    for id in 0..N {
        q.push(Counted::new((id % 7) as u8, id, &tracker));
    }
    let mut poison = Counted::new(3, N, &tracker);
    poison.panic_on_cmp = true;
    let result = catch_unwind(AssertUnwindSafe(|| q.push(poison)));
    assert!(result.is_err(), "the comparison panic did not reach the caller");
    assert_eq!(tracker.drops_of(N), 1, "the item of the failed push was not dropped exactly once");
    assert_eq!(tracker.pinned_drops.load(SeqCst), 0, "the item of the failed push was dropped while pinned");
    let mut out = Vec::new();
    while let Some(item) = q.pop() {
        out.push((item.key, item.id));
    }
    assert_eq!(out.len(), N);
    assert!(out.windows(2).all(|w| w[0] < w[1]), "order broken after a failed push: {out:?}");
    tracker.assert_all_dropped_once(0..N + 1);
}

/// Object-safe view of a structure of `Reentrant` items, so that an item can point at the
/// structure that holds it without a recursive type.
trait DynQueue: Send + Sync {
    fn push_item(&self, item: Reentrant);
    fn pop_item(&self) -> Option<Reentrant>;
}

impl<Q: RawQueue<Reentrant> + Send + Sync> DynQueue for Q {
    fn push_item(&self, item: Reentrant) {
        self.push(item);
    }
    fn pop_item(&self) -> Option<Reentrant> {
        self.pop()
    }
}

enum Target {
    None,
    /// The structure holding this item: a strong pointer would be a cycle.
    Weak(Weak<dyn DynQueue>),
    /// Another structure, which outlives this item.
    Strong(Arc<dyn DynQueue>),
}

/// An item whose `Drop` (while `depth > 0`) pushes a new item into its target and pops one from it
/// (dropping that one too, which may recurse).
struct Reentrant {
    depth: u8,
    target: Target,
    created: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
    pinned_drops: Arc<AtomicUsize>,
}

impl Reentrant {
    fn new(depth: u8, target: Target, counters: &Counters) -> Self {
        counters.0.fetch_add(1, SeqCst);
        Self {
            depth,
            target,
            created: Arc::clone(&counters.0),
            dropped: Arc::clone(&counters.1),
            pinned_drops: Arc::clone(&counters.2),
        }
    }
}

/// (created, dropped, dropped while pinned).
type Counters = (Arc<AtomicUsize>, Arc<AtomicUsize>, Arc<AtomicUsize>);

fn counters() -> Counters {
    Default::default()
}

impl Drop for Reentrant {
    fn drop(&mut self) {
        if crossbeam_epoch::is_pinned() {
            self.pinned_drops.fetch_add(1, SeqCst);
        }
        self.dropped.fetch_add(1, SeqCst);
        let target: Option<Arc<dyn DynQueue>> = match &self.target {
            Target::None => None,
            Target::Weak(w) => w.upgrade(),
            Target::Strong(s) => Some(Arc::clone(s)),
        };
        if let Some(q) = target.filter(|_| self.depth > 0) {
            let counters =
                (Arc::clone(&self.created), Arc::clone(&self.dropped), Arc::clone(&self.pinned_drops));
            let child_target = match &self.target {
                Target::Weak(w) => Target::Weak(Weak::clone(w)),
                _ => Target::None,
            };
            q.push_item(Reentrant::new(self.depth - 1, child_target, &counters));
            drop(q.pop_item());
        }
    }
}

impl PartialEq for Reentrant {
    fn eq(&self, other: &Self) -> bool {
        self.depth == other.depth
    }
}
impl Eq for Reentrant {}
impl PartialOrd for Reentrant {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Reentrant {
    fn cmp(&self, other: &Self) -> Ordering {
        // Deepest first in the priority queue, so that the re-entrant chains are long.
        other.depth.cmp(&self.depth)
    }
}

/// Items pointing (weakly) at their own structure, popped and dropped from several threads at once;
/// then items pointing (strongly) at a second structure, left inside the first when it is dropped.
fn reentrant<Q: RawQueue<Reentrant> + Send + Sync + 'static>() {
    let _watchdog = Watchdog::start("reentrant drop", Duration::from_secs(60));
    let c = counters();
    const ITEMS: usize = if cfg!(miri) { 3 } else { 64 };
    const ROUNDS: usize = if cfg!(miri) { 2 } else { 200 };

    // Same structure, via `Weak`.
    let q: Arc<Q> = Arc::new(Q::default());
    let dyn_q: Arc<dyn DynQueue> = q.clone();
    let weak = Arc::downgrade(&dyn_q);
    drop(dyn_q);
    for i in 0..ITEMS {
        q.push(Reentrant::new((i % 4) as u8, Target::Weak(Weak::clone(&weak)), &c));
    }
    std::thread::scope(|s| {
        for _ in 0..2 {
            let q = &q;
            s.spawn(move || {
                for _ in 0..ROUNDS {
                    // Popping and dropping an item pushes one and pops one, recursively.
                    drop(q.pop());
                }
            });
        }
    });
    // The rest are dropped with the structure; `Weak::upgrade` fails then, so nothing re-enters.
    drop(q);
    assert!(c.0.load(SeqCst) > ITEMS, "no item's Drop re-entered the structure");
    assert_eq!(c.1.load(SeqCst), c.0.load(SeqCst), "created and dropped items differ (same structure)");
    let created_before = c.0.load(SeqCst);

    // Another structure, via `Arc`, re-entered while the first is being dropped.
    let other: Arc<Q> = Arc::new(Q::default());
    let other_dyn: Arc<dyn DynQueue> = other.clone();
    for _ in 0..ITEMS {
        other.push(Reentrant::new(0, Target::None, &c));
    }
    let first = Q::default();
    for i in 0..ITEMS {
        first.push(Reentrant::new((i % 3) as u8 + 1, Target::Strong(Arc::clone(&other_dyn)), &c));
    }
    drop(first);
    assert!(
        c.0.load(SeqCst) > created_before + 2 * ITEMS,
        "no item's Drop re-entered the other structure while the first was dropped"
    );
    drop(other_dyn);
    assert_eq!(Arc::strong_count(&other), 1, "an item of the dropped structure was not dropped");
    drop(other);
    assert_eq!(c.1.load(SeqCst), c.0.load(SeqCst), "created and dropped items differ (other structure)");
    assert_eq!(c.2.load(SeqCst), 0, "items were dropped while the thread was pinned");
}

#[test]
fn ms_queue_reentrant_drop_does_not_deadlock() {
    reentrant::<MsQueue<Reentrant>>();
}

#[test]
fn treiber_stack_reentrant_drop_does_not_deadlock() {
    reentrant::<TreiberStack<Reentrant>>();
}

#[test]
fn skiplist_reentrant_drop_does_not_deadlock() {
    reentrant::<SkipListPq<Reentrant>>();
}

#[test]
fn segmented_drops_popped_and_remaining_items_once() {
    popped_and_remaining::<SegmentedQueue<Counted>>();
}

#[test]
fn segmented_drops_once_after_concurrent_use() {
    concurrent_then_drop::<SegmentedQueue<Counted>>();
}

#[test]
fn segmented_survives_panicking_item_drop() {
    panicking_item_drop::<SegmentedQueue<Counted>>();
}

#[test]
fn segmented_reentrant_drop_does_not_deadlock() {
    reentrant::<SegmentedQueue<Reentrant>>();
}
