//! `queue_core::SkipListPq` against a `BinaryHeap` keyed by (key, insertion counter): smallest key
//! first, equal keys first in, first out. `Item`'s `Ord` compares the key only, and keys are
//! masked to 0..=15 so that ties are common.
#![no_main]

use libfuzzer_sys::fuzz_target;
use queue_core::SkipListPq;
use queue_fuzz::{CoreOp, Item, PriorityModel, checked_input, run_core};

fuzz_target!(|ops: Vec<CoreOp>| {
    checked_input(|| run_core::<SkipListPq<Item>, PriorityModel>(&ops, 0x0f));
});
