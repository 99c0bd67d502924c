//! Lock-free skiplist priority queue: smallest first, equal items first-in, first-out.
//!
//! The design follows Lindén and Jonsson, *A Skiplist-Based Concurrent Priority Queue with
//! Minimal Memory Contention*, OPODIS 2013, which refines the Lotan–Shavit and Sundell–Tsigas
//! skiplist queues: `pop` deletes logically by tagging a level-0 link, deleted nodes always form a
//! prefix of the level-0 list, and they are unlinked from the front, in batches.
//!
//! # Structure
//!
//! `head` is a sentinel tower of `MAX_HEIGHT` links. Every node is linked at level 0; a node of
//! height `h` is also linked, while it is being inserted, at levels `1..h`, which only speed up
//! searches. Keys are `(item, seq)`, where `seq` is an insertion ticket, so keys are unique and equal
//! items leave in ticket order.
//!
//! A node's tower holds exactly its `h` links, in the node's own allocation (`node.rs` has the
//! layout), so most nodes carry one link. A search's predecessor is a [`Tower`], the head's or a
//! node's: the links are all it uses of it.
//!
//! Link tags: the tag of `x.next[0]` says *the node after `x` is deleted*; the tag of `x.next[i]`,
//! `i > 0`, says *`x` is frozen at level `i`* (about to be unlinked there).
//!
//! # Invariants
//!
//! 1. Level 0 from `head` is `head, d1, …, dk, l1, …, lm`: the `d`s are deleted (claimed by a
//!    `pop`), the `l`s are live and strictly increasing by key under a consistent `Ord`. A link is
//!    tagged exactly when it points to a deleted node, so the deleted nodes are a prefix.
//! 2. A tagged level-0 link never changes, except `head.next[0]`, which only moves forward along
//!    tagged links. An insert links only after a node whose `next[0]` is untagged: the last deleted
//!    node or a live one. So a node is deleted once, by one `pop`.
//! 3. A node's item is read only by a thread holding a borrow (see `node.rs`) or by the claiming
//!    `pop` after every borrow is gone; no comparison can start on a claimed node. So no thread
//!    reads an item after `pop` has handed it out, whatever the user's `Ord` does.
//! 4. Reclamation. Each level is a linked list changed only by CAS on a predecessor's link. A
//!    node leaves a level when it is claimed and its inserter has finished; at an upper level it is
//!    first frozen there (so no insert links after it), at level 0 its `next` is already tagged.
//!    So a node, once unlinked from a level, is never linked there again, and within one level a
//!    node is unlinked no earlier than the node in front of it. Levels are unlinked independently
//!    (a deleted node held up at an upper level by a live node in front of it never holds up level
//!    0, so `pop` stays short even under a lying `Ord`); the node is retired by whoever unlinks its
//!    last level. A traversal descends only from `head` or from a node it saw unclaimed after
//!    pinning, which was then still linked at every level. Together: every node a pinned thread can
//!    reach was retired after the thread pinned, so epoch keeps it alive. No comparison enters
//!    this argument, so an inconsistent `Ord` cannot cause a use after free.
//! 5. Tower bounds. A node is linked at level `i` only if `i < h`: `link_upper` links levels
//!    `1..h`, and an unlink at level `i` installs a successor read from a level-`i` link. So a
//!    traversal at level `i` reaches only nodes that have a link `i`, and it descends from `head`
//!    or from such a node; `Drop` walks each level the same way. Links are indexed through the
//!    tower slice, so a breach of this invariant would panic, never read past the allocation.
//!
//! # Linearization points
//!
//! * `push`: the Release CAS that links the node at level 0.
//! * `pop` returning an item: the CAS that tags the link to the first live node. By invariant 1
//!   that node is the smallest in the queue at that instant.
//! * `pop` returning `None` and `is_empty`: the load that finds an untagged null link after the
//!   deleted prefix.
//!
//! # Progress
//!
//! `push` is lock-free. `pop` is lock-free up to its claim; after it, it waits for comparisons
//! already running against the claimed node to finish before it moves the item out (invariant 3).
//! Those are single calls of `T::cmp` by other threads, plus the node's own inserter finishing its
//! upper levels, so `pop` is **blocking** in the strict sense: a thread descheduled in the middle of
//! one comparison delays a `pop` of that very node, and an `Ord` that never returns blocks it for
//! good. An `Ord` that calls back into the same queue may deadlock. Physical unlinking never waits.
//!
//! # Batching
//!
//! A `pop` that walked past at least `UNLINK_BATCH` deleted nodes unlinks the deleted prefix, as in
//! Lindén–Jonsson, so most `pop`s make a single shared write (the claim). Under loom, Miri and
//! fuzzing the batch is 1, so every `pop` unlinks and use-after-free bugs surface in small runs.
//!
//! # What a step costs, and what we chose (issue 22)
//!
//! Measured first (docs/performance.md, "PriorityQueue against a mutex heap"): on one thread with
//! 1,000 items a pop and a push took 1,619 instructions, against 294 for a `BinaryHeap` behind a
//! mutex. Half is the push's search (17 comparisons, each with a borrow), the rest a fixed cost
//! per step: epoch pins, deferred reclamation, and `malloc`/`free`, whose thread cache the
//! collector's bags of 64 frees overflow. Taken, because they cut that cost without touching the
//! protocol: searches start at the highest height given so far ([`SkipListPq::top`]) and write
//! their position in place, and nodes come from a per-thread cache of freed node memory
//! (cache.rs; per thread rather than per queue, because epoch frees nodes after their queue may be
//! gone and on whatever thread collects; off under Miri, the sanitizers and the fuzzer, which must
//! see every free): 1,382 instructions per step, 7–13% less time at 1,000 items.
//! Measured and not taken: turning the borrows off (unsound, measured only: 7% on this AMD VM,
//! 44% on an Intel one, where locked RMWs cost more; no safe replacement that writes less per
//! comparison exists for arbitrary `T`: hazard slots need a fence per comparison), a per-thread
//! ticket in place of the shared `seq` (no measurable difference), other unlink batches (noise).
//! Not built: elimination (a put whose key is below the minimum handed straight to a get),
//! because it cannot pay enough: in the threaded benchmark rows 4–25% of puts are candidates
//! (the `pq_handoff` benchmark), so even exchanges that cost nothing would leave 2/2 and 4/4 well
//! short of the mutex heap, and it would add a path to the wait protocol and its models. Also
//! measured and not taken: a shared stash behind the per-thread caches (it moved the misses of
//! threaded allocation rather than removing them). Heights stay geometric with p = 1/4: a
//! search's expected comparisons are then as few as with p = 1/2 and within 6% of the optimum
//! (p = 1/e), with half the levels of p = 1/2. Where the rest goes, on one thread and on two
//! CPUs, and what was left missed: docs/performance.md, "Issue 22's targets".
//!
//! # Memory ordering
//!
//! The item, `seq`, `height` and tower travel on the Release link CAS at level 0 (and the
//! upper-level link CASes), acquired by every traversal load; turning a loaded link into a `&Node`
//! reads `height` (to size the tower), so it relies on the same edge. Borrow decrements are Release
//! and the claiming `pop`'s wait is an Acquire load: every comparison happens before the item
//! moves. `docs/memory-ordering.md` has the table.

// Used outside the checkers only (node.rs says why); its own tests run everywhere, Miri included.
#[cfg(any(test, not(any(loom, miri, fuzzing, crossbeam_sanitize))))]
mod cache;
mod node;
mod search;

use core::fmt;
use std::panic::{self, AssertUnwindSafe};

use crossbeam_epoch::{self as epoch, Atomic};
use crossbeam_utils::CachePadded;

use self::node::{MAX_HEIGHT, Node, Tower};
use self::search::Position;
use crate::backoff::Backoff;
use crate::raw::{PanicPayload, RawQueue};
use crate::sync::{AtomicU64, AtomicUsize, Ordering::*};
use crate::util::drain_and_drop;

/// Deleted nodes a `pop` walks past before it unlinks them (Lindén–Jonsson's `BoundOffset`).
#[cfg(not(any(loom, miri, fuzzing)))]
const UNLINK_BATCH: usize = 16;
#[cfg(any(loom, miri, fuzzing))]
const UNLINK_BATCH: usize = 1;

/// An unbounded concurrent priority queue: [`pop`](Self::pop) returns the smallest item, and equal
/// items in the order they were pushed.
///
/// It compares items from several threads at once, so it is `Send + Sync` only for
/// `T: Send + Sync`. See the module docs for `pop`'s progress guarantee.
///
/// # Examples
///
/// ```
/// use queue_core::SkipListPq;
///
/// let pq = SkipListPq::new();
/// pq.push((2, "b"));
/// pq.push((1, "z"));
/// pq.push((2, "a"));
/// assert_eq!(pq.pop(), Some((1, "z")));
/// assert_eq!(pq.pop(), Some((2, "a")));
/// assert_eq!(pq.pop(), Some((2, "b")));
/// ```
pub struct SkipListPq<T> {
    /// The head sentinel: a tower of `MAX_HEIGHT` links and nothing else.
    head: CachePadded<[Atomic<Node<T>>; MAX_HEIGHT]>,
    /// Next insertion ticket.
    seq: CachePadded<AtomicU64>,
    /// The greatest height any node was given (at least 1): a hint where searches start (see
    /// [`Self::top`]).
    top: AtomicUsize,
}

// SAFETY: items move between threads (`T: Send`) and are read through `&T` by several threads at
// once while comparing (`T: Sync`).
unsafe impl<T: Send + Sync> Send for SkipListPq<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for SkipListPq<T> {}

impl<T> SkipListPq<T> {
    /// Creates an empty priority queue.
    ///
    /// ```
    /// assert!(queue_core::SkipListPq::<u32>::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self {
            head: CachePadded::new(core::array::from_fn(|_| Atomic::null())),
            seq: CachePadded::new(AtomicU64::new(0)),
            top: AtomicUsize::new(1),
        }
    }

    /// The greatest height any node was given so far, at least 1. Searches start there, not at
    /// `MAX_HEIGHT`: each empty level cost a load and a loop turn per search. It never comes down,
    /// and heights are geometric with p = 1/4, so a queue that has seen 4^k pushes in all has
    /// reached about k + 1 levels whatever it holds now: the saving is for queues that have seen
    /// fewer than some millions of pushes. Only a hint: a search that reads a stale value starts
    /// lower, which is correct (upper levels are an index), and an insert searches its own levels
    /// whatever it reads (`find`).
    fn top(&self) -> usize {
        // Relaxed: a hint; no data is read through it (see above).
        self.top.load(Relaxed)
    }

    /// Raises [`Self::top`] to `height` before a node of that height links its upper levels.
    fn raise_top(&self, height: usize) {
        if height > self.top() {
            // Relaxed: a hint, as in `top`.
            self.top.fetch_max(height, Relaxed);
        }
    }

    /// Whether the queue held no live item at the moment of the check.
    ///
    /// ```
    /// let pq = queue_core::SkipListPq::new();
    /// pq.push(3);
    /// assert!(!pq.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let guard = &epoch::pin();
        let mut pred: &Tower<T> = &*self.head;
        loop {
            // Acquire: as in `pop`.
            let next = pred[0].load(Acquire, guard);
            if next.tag() == 0 {
                return next.is_null();
            }
            // SAFETY: a tagged link points to a deleted node, protected by `guard` (invariant 4).
            pred = unsafe { &next.deref().next };
        }
    }

    /// Removes and returns the smallest item (the earliest pushed among equals), or `None` if the
    /// queue was empty.
    ///
    /// ```
    /// let pq = queue_core::SkipListPq::new();
    /// pq.push(5);
    /// pq.push(4);
    /// assert_eq!(pq.pop(), Some(4));
    /// assert_eq!(pq.pop(), Some(5));
    /// assert_eq!(pq.pop(), None);
    /// ```
    pub fn pop(&self) -> Option<T> {
        let guard = &epoch::pin();
        let backoff = Backoff::new();
        let mut pred: &Tower<T> = &*self.head;
        let mut walked = 0;
        let claimed = loop {
            // Acquire: pairs with the Release link CAS that published the next node's item.
            let next = pred[0].load(Acquire, guard);
            if next.tag() != 0 {
                // Deleted: walk on through the prefix (invariant 1).
                // SAFETY: protected by `guard` (invariant 4).
                pred = unsafe { &next.deref().next };
                walked += 1;
                continue;
            }
            if next.is_null() {
                return None;
            }
            // Claim the first live node by tagging the link to it (the linearization point).
            // Relaxed on success: the item was acquired by the load above, and the tag publishes
            // no data (threads that act on it re-check with their own CAS). Relaxed on failure: we
            // reload the link with Acquire.
            if pred[0].compare_exchange(next, next.with_tag(1), Relaxed, Relaxed, guard).is_ok() {
                break next;
            }
            backoff.spin();
        };
        // SAFETY: protected by `guard`; we claimed it, so we alone take its item, once.
        let item = unsafe { claimed.deref().take() };
        if walked + 1 >= UNLINK_BATCH {
            self.unlink_deleted(guard);
        }
        Some(item)
        // `guard` is dropped here, before the caller can drop the item.
    }

    fn next_seq(&self) -> u64 {
        // Relaxed: tickets only need to be unique and increasing per thread; a push that returned
        // before another began took its ticket first in the modification order, which keeps FIFO
        // order among equal items.
        self.seq.fetch_add(1, Relaxed)
    }
}

impl<T: Ord> SkipListPq<T> {
    /// Adds `item`.
    ///
    /// If `T::cmp` panics, the panic propagates, and every other item is unaffected. Whether
    /// this item is in the queue depends on when: a panic while `push` looks for the item's place
    /// comes before the item is added (it is dropped, after the epoch is unpinned); a panic while
    /// `push` builds the item's index entries, which compares again only when another insert
    /// raced it, comes after (the item stays in the queue, reachable and popped in order, and
    /// only the building stops). [`push_catching_panic`](Self::push_catching_panic) tells the two
    /// apart. A `push` that returns has added the item.
    ///
    /// ```
    /// let pq = queue_core::SkipListPq::new();
    /// pq.push("only");
    /// assert_eq!(pq.pop(), Some("only"));
    /// ```
    pub fn push(&self, item: T) {
        match self.push_catching_panic(item) {
            Ok(None) => {}
            Ok(Some(payload)) => panic::resume_unwind(payload),
            Err((item, payload)) => {
                drop(item);
                panic::resume_unwind(payload);
            }
        }
    }

    /// Like [`push`](Self::push), but returns a panic of `T::cmp` instead of unwinding:
    /// `Err((item, payload))` if it came before the item was added (the item comes back),
    /// `Ok(Some(payload))` if it came after (the item is in the queue), `Ok(None)` if there was
    /// none. A caller with bookkeeping of its own (the blocking layer's counters) can then settle
    /// it before the item is dropped or the panic resumes, which matters when the item's `Drop`
    /// uses the same queue.
    ///
    /// ```
    /// let pq = queue_core::SkipListPq::new();
    /// assert!(matches!(pq.push_catching_panic(1), Ok(None)));
    /// assert_eq!(pq.pop(), Some(1));
    /// ```
    pub fn push_catching_panic(&self, item: T) -> Result<Option<PanicPayload>, (T, PanicPayload)> {
        let node = Node::new(item, self.next_seq());
        // SAFETY: `unprotected` only lends the pointer a lifetime: the node is ours until linked,
        // and after that it is protected by the pin taken below, which outlives every use.
        let node_ptr = node.into_shared(unsafe { epoch::unprotected() });
        let guard = &epoch::pin();
        // SAFETY: our own node.
        let node_ref = unsafe { node_ptr.deref() };
        self.raise_top(node_ref.height());
        // Outside the closure, so that the position is not copied out of it (288 bytes).
        let mut pos = Position::new(&*self.head);
        let linked = panic::catch_unwind(AssertUnwindSafe(|| {
            let backoff = Backoff::new();
            loop {
                // SAFETY: `node_ref` is our node and we hold its initial borrow.
                unsafe { self.find(&mut pos, node_ref, 0, guard) };
                // Relaxed: published by the Release CAS below.
                node_ref.next[0].store(pos.succs[0], Relaxed);
                // Release on success: publishes the item, `seq` and tower to every thread that
                // Acquire-loads this link. Relaxed on failure: we search again.
                if pos.preds[0][0].compare_exchange(pos.succs[0], node_ptr, Release, Relaxed, guard).is_ok() {
                    return;
                }
                backoff.spin();
            }
        }));
        if let Err(payload) = linked {
            // SAFETY: the node was never published, so it and its item are still ours alone.
            let owned = unsafe { node_ptr.into_owned() };
            // SAFETY: as above; the item is initialised and read once, here.
            let item = unsafe { owned.take_exclusive() };
            drop(owned);
            // The item is moved out, not dropped, so no `T` is dropped while pinned.
            return Err((item, payload));
        }
        // The item is in the queue now. A panicking `Ord` while the index is built only stops the
        // building; the payload goes to the caller, who knows the item is in (`Ok(Some(_))`).
        // SAFETY: linked at level 0, `INSERTING` set, our borrow held until `finish_insert`.
        let built =
            panic::catch_unwind(AssertUnwindSafe(|| unsafe { self.link_upper(node_ptr, &mut pos, guard) }));
        Self::finish_insert(node_ref);
        // Moved out, not dropped: no payload is dropped while pinned.
        Ok(built.err())
    }
}

impl<T> Drop for SkipListPq<T> {
    fn drop(&mut self) {
        // SAFETY: `drop` has exclusive access.
        let guard = unsafe { epoch::unprotected() };
        // A node is retired (handed to epoch) exactly when it is unlinked from its last level, so
        // the nodes we own are those still linked at some level; one may be linked at several, or
        // only above level 0 (held up behind a live node under a lying `Ord`). Collect each once.
        let mut nodes = Vec::new();
        for level in 0..MAX_HEIGHT {
            // Relaxed: exclusive access.
            let mut link = self.head[level].load(Relaxed, guard);
            // SAFETY: exclusive access; every node linked at a level is live and owned by us.
            while let Some(node) = unsafe { link.as_ref() } {
                nodes.push(link.with_tag(0));
                link = node.next[level].load(Relaxed, guard);
            }
        }
        // Untagged, so `Shared`'s order is the nodes' addresses.
        nodes.sort_unstable();
        nodes.dedup();
        let mut nodes = nodes.into_iter();
        drain_and_drop(|| {
            for node in nodes.by_ref() {
                // SAFETY: collected once above, owned by the queue, and freed only here.
                let node = unsafe { node.into_owned() };
                if !node.is_taken() {
                    // SAFETY: never claimed, so its item is still inside; read once, here.
                    return Some(unsafe { node.take_exclusive() });
                }
            }
            None
        });
    }
}

impl<T> Default for SkipListPq<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for SkipListPq<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkipListPq").field("is_empty", &self.is_empty()).finish_non_exhaustive()
    }
}

impl<T: Ord> RawQueue<T> for SkipListPq<T> {
    fn push(&self, item: T) {
        SkipListPq::push(self, item);
    }
    fn push_catching_panic(&self, item: T) -> Result<Option<PanicPayload>, (T, PanicPayload)> {
        SkipListPq::push_catching_panic(self, item)
    }
    fn pop(&self) -> Option<T> {
        SkipListPq::pop(self)
    }
    fn is_empty(&self) -> bool {
        SkipListPq::is_empty(self)
    }
}
