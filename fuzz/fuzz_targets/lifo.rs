//! `queue_core::TreiberStack` against a `Vec`, one op at a time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use queue_core::TreiberStack;
use queue_fuzz::{CoreOp, Item, LifoModel, checked_input, run_core};

fuzz_target!(|ops: Vec<CoreOp>| {
    checked_input(|| run_core::<TreiberStack<Item>, LifoModel>(&ops, u8::MAX));
});
