//! Single-threaded differential testing: thousands of random push/pop sequences, each checked step
//! by step (every `pop` result and every `is_empty`) against a trivially correct std model:
//! `VecDeque` for `MsQueue`, `Vec` for `TreiberStack`, and a `BinaryHeap` of `(key, insertion
//! counter)` for `SkipListPq`. Keys come from tiny ranges so that equal items are common and the
//! priority queue's first-in, first-out rule among equals is exercised constantly.

mod common;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use common::{Keyed, SeedReport, base_seed};
use queue_core::{MsQueue, RawQueue, SegmentedQueue, SkipListPq, TreiberStack};

/// Random sequences per structure.
const SEQUENCES: usize = if cfg!(miri) { 4 } else { 3_000 };
/// Longest sequence (operations).
const MAX_LEN: usize = if cfg!(miri) { 40 } else { 400 };

/// The sequential specification a structure is compared with.
trait Model: Default {
    fn push(&mut self, item: Keyed);
    fn pop(&mut self) -> Option<Keyed>;
    fn is_empty(&self) -> bool;
}

impl Model for VecDeque<Keyed> {
    fn push(&mut self, item: Keyed) {
        self.push_back(item);
    }
    fn pop(&mut self) -> Option<Keyed> {
        self.pop_front()
    }
    fn is_empty(&self) -> bool {
        VecDeque::is_empty(self)
    }
}

impl Model for Vec<Keyed> {
    fn push(&mut self, item: Keyed) {
        Vec::push(self, item);
    }
    fn pop(&mut self) -> Option<Keyed> {
        Vec::pop(self)
    }
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

/// Smallest key first; among equal keys, smallest insertion counter first. Ids are handed out in
/// push order, so the id doubles as the insertion counter.
#[derive(Default)]
struct PqModel(BinaryHeap<Reverse<(u8, u64)>>);

impl Model for PqModel {
    fn push(&mut self, item: Keyed) {
        self.0.push(Reverse(item.tag()));
    }
    fn pop(&mut self) -> Option<Keyed> {
        self.0.pop().map(|Reverse((key, id))| Keyed::new(key, id))
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Runs one random sequence on a fresh `Q` and a fresh `M`, comparing after every step.
fn run_sequence<Q: RawQueue<Keyed> + std::fmt::Debug, M: Model>(rng: &mut fastrand::Rng) {
    let q = Q::default();
    let mut model = M::default();
    // Vary the shape: some sequences mostly grow, some hover around empty.
    let push_percent = rng.u32(25..=75);
    let key_range = rng.u8(1..=6);
    let len = rng.usize(1..=MAX_LEN);
    let mut next_id = 0u64;
    let mut log: Vec<String> = Vec::new();
    for step in 0..len {
        assert_eq!(
            q.is_empty(),
            model.is_empty(),
            "is_empty disagrees with the model before step {step}; ops so far: {log:?}"
        );
        if rng.u32(0..100) < push_percent {
            let item = Keyed::new(rng.u8(0..key_range), next_id);
            next_id += 1;
            log.push(format!("push{:?}", item.tag()));
            q.push(item);
            model.push(item);
        } else {
            let got = q.pop().map(Keyed::tag);
            let want = model.pop().map(Keyed::tag);
            log.push(format!("pop->{got:?}"));
            assert_eq!(got, want, "pop at step {step} disagrees with the model; ops: {log:?}");
        }
    }
    // `Debug` must not consume or disturb anything.
    let shown = format!("{q:?}");
    assert!(shown.contains(&format!("is_empty: {}", model.is_empty())), "unexpected Debug output {shown}");
    // Drain and compare the rest.
    loop {
        assert_eq!(q.is_empty(), model.is_empty(), "is_empty disagrees while draining; ops: {log:?}");
        let got = q.pop().map(Keyed::tag);
        let want = model.pop().map(Keyed::tag);
        assert_eq!(got, want, "pop while draining disagrees with the model; ops: {log:?}");
        if got.is_none() {
            break;
        }
    }
    assert!(q.is_empty());
}

fn run_many<Q: RawQueue<Keyed> + std::fmt::Debug, M: Model>(what: &'static str) {
    let seed = base_seed();
    let _report = SeedReport { what, seed };
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..SEQUENCES {
        run_sequence::<Q, M>(&mut rng);
    }
}

#[test]
fn ms_queue_matches_vecdeque() {
    run_many::<MsQueue<Keyed>, VecDeque<Keyed>>("ms_queue_matches_vecdeque");
}

#[test]
fn treiber_stack_matches_vec() {
    run_many::<TreiberStack<Keyed>, Vec<Keyed>>("treiber_stack_matches_vec");
}

#[test]
fn skiplist_matches_binary_heap_with_fifo_ties() {
    run_many::<SkipListPq<Keyed>, PqModel>("skiplist_matches_binary_heap_with_fifo_ties");
}

/// A long single sequence that grows the priority queue to thousands of items (tall towers, long
/// upper-level searches) before draining it, still against the model.
#[test]
fn skiplist_large_fill_then_drain() {
    const N: u64 = if cfg!(miri) { 60 } else { 20_000 };
    let seed = base_seed();
    let _report = SeedReport { what: "skiplist_large_fill_then_drain", seed };
    let mut rng = fastrand::Rng::with_seed(seed);
    let q = SkipListPq::new();
    let mut model = PqModel::default();
    for id in 0..N {
        let item = Keyed::new(rng.u8(0..16), id);
        q.push(item);
        model.push(item);
        // Occasionally pop in the middle, so deleted prefixes and inserts interleave.
        if rng.u8(0..8) == 0 {
            assert_eq!(q.pop().map(Keyed::tag), model.pop().map(Keyed::tag));
        }
    }
    while let Some(want) = model.pop() {
        assert!(!q.is_empty());
        assert_eq!(q.pop().map(Keyed::tag), Some(want.tag()));
    }
    assert!(q.is_empty());
    assert!(q.pop().is_none());
}

#[test]
fn segmented_queue_matches_vecdeque() {
    run_many::<SegmentedQueue<Keyed>, VecDeque<Keyed>>("segmented_queue_matches_vecdeque");
}
