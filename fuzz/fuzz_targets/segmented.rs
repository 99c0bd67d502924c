//! `queue_core::SegmentedQueue` against a `VecDeque`, one op at a time. Built with
//! `cfg(fuzzing)`, its segments hold four slots, so short inputs cross many boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use queue_core::SegmentedQueue;
use queue_fuzz::{CoreOp, FifoModel, Item, checked_input, run_core};

fuzz_target!(|ops: Vec<CoreOp>| {
    checked_input(|| run_core::<SegmentedQueue<Item>, FifoModel>(&ops, u8::MAX));
});
