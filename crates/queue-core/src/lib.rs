//! Concurrent building blocks for `queue-blocking`: three lock-free structures and a segmented
//! FIFO whose get may wait for the put that claimed its slot.
//!
//! | structure | order | `push` | `pop` | reclamation |
//! |---|---|---|---|---|
//! | [`SegmentedQueue`] | FIFO, bounded check and close mark in the claim | see its docs | see its docs | kept segments (free list), no epoch |
//! | [`MsQueue`] | FIFO | lock-free | lock-free | crossbeam-epoch |
//! | [`TreiberStack`] | LIFO | lock-free | lock-free | crossbeam-epoch |
//! | [`SkipListPq`] | smallest first, FIFO among equals | lock-free | see its docs | crossbeam-epoch |
//!
//! All four implement [`RawQueue`], the trait the blocking layer is written against. Each operation
//! pins the epoch at most once, and no item is ever dropped (nor any thread parked) while a pin is
//! held: items leave a structure by value and are dropped by the caller after the pin is gone, so
//! an item's `Drop` may safely call back into the same structure.
//!
//! ```
//! use queue_core::{MsQueue, RawQueue, SkipListPq, TreiberStack};
//!
//! fn drain<Q: RawQueue<u32>>(q: &Q) -> Vec<u32> {
//!     std::iter::from_fn(|| q.pop()).collect()
//! }
//! let (fifo, lifo, pq) = (MsQueue::new(), TreiberStack::new(), SkipListPq::new());
//! for x in [2, 3, 1] {
//!     fifo.push(x);
//!     lifo.push(x);
//!     pq.push(x);
//! }
//! assert_eq!(drain(&fifo), [2, 3, 1]);
//! assert_eq!(drain(&lifo), [1, 3, 2]);
//! assert_eq!(drain(&pq), [1, 2, 3]);
//! ```
//!
//! # Memory reclamation
//!
//! Nodes are freed through crossbeam-epoch: a removed node is handed to the epoch and freed once
//! every thread that was pinned at the time has unpinned, which also rules out ABA. Each operation
//! pins at most once. Garbage is collected as operations run, so a steady push/pop workload keeps
//! memory bounded (the tests check it with a counting allocator). Dropping a structure frees its
//! nodes at once and drops each remaining item exactly once.
//!
//! # Progress
//!
//! `push` and `pop` of [`MsQueue`] and [`TreiberStack`], and [`SkipListPq::push`], are lock-free:
//! some operation always completes in a bounded number of steps. [`SkipListPq::pop`] is lock-free
//! up to the moment it claims an item and then waits for comparisons already running against that
//! item on other threads (so that no thread reads an item after `pop` hands it out); the skiplist
//! module docs state the exact guarantee. Nothing here sleeps; contended retries back off and, in
//! long waits, yield the time slice.
//!
//! Every atomic goes through an internal `sync` facade that switches to loom under `cfg(loom)`;
//! build with `RUSTFLAGS="--cfg loom --cfg crossbeam_loom"` to run the models in `tests/loom_*.rs`.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

mod backoff;
mod claim;
mod ms_queue;
mod raw;
mod segmented;
mod skiplist;
mod sync;
mod treiber;
mod util;

pub use claim::{Claim, ClaimWord};
pub use ms_queue::MsQueue;
pub use raw::{PanicPayload, RawQueue};
pub use segmented::{PopError, PushError, SEGMENT_SIZE, SegmentedQueue};
pub use skiplist::SkipListPq;
pub use treiber::TreiberStack;

/// The README (this crate's crates.io page): its Rust snippets run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
