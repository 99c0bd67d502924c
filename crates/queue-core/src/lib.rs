//! Lock-free building blocks for `queue-blocking`.
//!
//! | structure | order | `push` | `pop` | reclamation |
//! |---|---|---|---|---|
//! | [`MsQueue`] | FIFO | lock-free | lock-free | crossbeam-epoch |
//! | [`TreiberStack`] | LIFO | lock-free | lock-free | crossbeam-epoch |
//! | [`SkipListPq`] | smallest first, FIFO among equals | lock-free | see its docs | crossbeam-epoch |
//!
//! All three implement [`RawQueue`], the trait the blocking layer is written against. Each operation
//! pins the epoch at most once, and no item is ever dropped (nor any thread parked) while a pin is
//! held: items leave a structure by value and are dropped by the caller after the pin is gone, so
//! an item's `Drop` may safely call back into the same structure.
//!
//! Every atomic goes through an internal `sync` facade that switches to loom under `cfg(loom)`;
//! build with `RUSTFLAGS="--cfg loom --cfg crossbeam_loom"` to run the models in `tests/loom_*.rs`.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod backoff;
mod ms_queue;
mod raw;
mod skiplist;
mod sync;
mod treiber;
mod util;

pub use ms_queue::MsQueue;
pub use raw::{PanicPayload, RawQueue};
pub use skiplist::SkipListPq;
pub use treiber::TreiberStack;
