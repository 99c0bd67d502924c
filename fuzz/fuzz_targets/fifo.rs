//! `queue_core::MsQueue` against a `VecDeque`, one op at a time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use queue_core::MsQueue;
use queue_fuzz::{CoreOp, FifoModel, Item, checked_input, run_core};

fuzz_target!(|ops: Vec<CoreOp>| {
    checked_input(|| run_core::<MsQueue<Item>, FifoModel>(&ops, u8::MAX));
});
