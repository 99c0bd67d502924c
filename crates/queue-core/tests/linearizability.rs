//! Linearizability: thousands of tiny concurrent histories (3 threads x 3 random operations on a
//! fresh, possibly pre-filled structure) are recorded with invocation/response timestamps from a
//! shared counter, then checked with a Wing–Gong backtracking search: some total order of the
//! operations that respects real-time precedence must replay correctly on the sequential model.
//! For `SkipListPq` the items have duplicate keys, and the model hands out equal keys in the order
//! their pushes were linearized.

mod common;

use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

use common::{Keyed, SeedReport, base_seed};
use queue_core::{MsQueue, RawQueue, SegmentedQueue, SkipListPq, TreiberStack};

const RUNS: usize = if cfg!(miri) { 5 } else { 3_000 };
const THREADS: usize = if cfg!(miri) { 2 } else { 3 };
const OPS_PER_THREAD: usize = 3;

#[derive(Clone, Copy, Debug)]
enum Op {
    Push(Keyed),
    Pop,
    IsEmpty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ret {
    Pushed,
    /// `(key, id)` of the item, if any.
    Popped(Option<(u8, u64)>),
    Empty(bool),
}

#[derive(Clone, Copy, Debug)]
struct Event {
    thread: usize,
    op: Op,
    ret: Ret,
    /// Counter value taken just before the call.
    inv: u64,
    /// Counter value taken just after the return.
    resp: u64,
}

/// A sequential specification.
trait Spec: Clone + Default + Debug {
    fn apply(&mut self, op: Op) -> Ret;
}

#[derive(Clone, Default, Debug)]
struct Fifo(VecDeque<Keyed>);
#[derive(Clone, Default, Debug)]
struct Lifo(Vec<Keyed>);
/// Items in the order their pushes were linearized; `pop` takes the first item with the smallest
/// key, so equal keys leave in push order.
#[derive(Clone, Default, Debug)]
struct Pq(Vec<Keyed>);

impl Spec for Fifo {
    fn apply(&mut self, op: Op) -> Ret {
        match op {
            Op::Push(x) => {
                self.0.push_back(x);
                Ret::Pushed
            }
            Op::Pop => Ret::Popped(self.0.pop_front().map(Keyed::tag)),
            Op::IsEmpty => Ret::Empty(self.0.is_empty()),
        }
    }
}

impl Spec for Lifo {
    fn apply(&mut self, op: Op) -> Ret {
        match op {
            Op::Push(x) => {
                self.0.push(x);
                Ret::Pushed
            }
            Op::Pop => Ret::Popped(self.0.pop().map(Keyed::tag)),
            Op::IsEmpty => Ret::Empty(self.0.is_empty()),
        }
    }
}

impl Spec for Pq {
    fn apply(&mut self, op: Op) -> Ret {
        match op {
            Op::Push(x) => {
                self.0.push(x);
                Ret::Pushed
            }
            Op::Pop => {
                // `min_by_key` returns the first of several minima: the earliest pushed.
                let idx = self.0.iter().enumerate().min_by_key(|(_, x)| x.key).map(|(i, _)| i);
                Ret::Popped(idx.map(|i| self.0.remove(i).tag()))
            }
            Op::IsEmpty => Ret::Empty(self.0.is_empty()),
        }
    }
}

/// Wing–Gong: tries every operation that is minimal in real-time order among those not yet placed
/// (no unplaced operation responded before it was invoked), replays it on the model, and recurses.
fn linearizable<S: Spec>(events: &[Event], placed: u32, model: &S) -> bool {
    if placed.count_ones() as usize == events.len() {
        return true;
    }
    let unplaced = || (0..events.len()).filter(move |&i| placed & (1 << i) == 0);
    for i in unplaced() {
        let minimal = unplaced().all(|j| events[j].resp > events[i].inv);
        if !minimal {
            continue;
        }
        let mut next = model.clone();
        if next.apply(events[i].op) == events[i].ret && linearizable(events, placed | (1 << i), &next) {
            return true;
        }
    }
    false
}

fn random_op(rng: &mut fastrand::Rng, keys: u8, next_id: &mut u64) -> Op {
    match rng.u8(0..10) {
        0..=4 => {
            *next_id += 1;
            Op::Push(Keyed::new(rng.u8(0..keys), *next_id))
        }
        5..=8 => Op::Pop,
        _ => Op::IsEmpty,
    }
}

fn call<Q: RawQueue<Keyed>>(q: &Q, op: Op) -> Ret {
    match op {
        Op::Push(x) => {
            q.push(x);
            Ret::Pushed
        }
        Op::Pop => Ret::Popped(q.pop().map(Keyed::tag)),
        Op::IsEmpty => Ret::Empty(q.is_empty()),
    }
}

/// Runs `RUNS` random histories on `Q` and checks each against `S`. `keys` is the key range
/// (small, so that the priority queue sees many equal keys).
fn check_many<Q: RawQueue<Keyed> + Sync, S: Spec>(what: &'static str, keys: u8) {
    let seed = base_seed();
    let _report = SeedReport { what, seed };
    let mut rng = fastrand::Rng::with_seed(seed);
    let clock = AtomicU64::new(0);
    let mut next_id = 0u64;
    // Runs in which operations of different threads actually overlapped (reported, not asserted:
    // on a loaded machine the scheduler decides).
    let mut overlapping = 0usize;
    for run in 0..RUNS {
        let q = Q::default();
        let mut model = S::default();
        for _ in 0..rng.usize(0..=3) {
            next_id += 1;
            let x = Keyed::new(rng.u8(0..keys), next_id);
            q.push(x);
            model.apply(Op::Push(x));
        }
        let prefill = model.clone();
        let plans: Vec<Vec<Op>> = (0..THREADS)
            .map(|_| (0..OPS_PER_THREAD).map(|_| random_op(&mut rng, keys, &mut next_id)).collect())
            .collect();
        let start = Barrier::new(THREADS);
        let events: Vec<Event> = std::thread::scope(|s| {
            let handles: Vec<_> = plans
                .iter()
                .enumerate()
                .map(|(thread, plan)| {
                    let (q, clock, start) = (&q, &clock, &start);
                    s.spawn(move || {
                        start.wait();
                        plan.iter()
                            .map(|&op| {
                                let inv = clock.fetch_add(1, SeqCst);
                                let ret = call(q, op);
                                let resp = clock.fetch_add(1, SeqCst);
                                Event { thread, op, ret, inv, resp }
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        if events
            .iter()
            .any(|a| events.iter().any(|b| a.thread != b.thread && a.inv < b.inv && b.inv < a.resp))
        {
            overlapping += 1;
        }
        if !linearizable(&events, 0, &prefill) {
            let mut history = events.clone();
            history.sort_by_key(|e| e.inv);
            let lines: Vec<String> = history
                .iter()
                .map(|e| {
                    format!("  [{:>6}, {:>6}] thread {} {:?} -> {:?}", e.inv, e.resp, e.thread, e.op, e.ret)
                })
                .collect();
            panic!(
                "{what}: run {run}: history is not linearizable.\nprefill (model state): {prefill:?}\n{}",
                lines.join("\n")
            );
        }
    }
    println!("{what}: {overlapping} of {RUNS} histories had overlapping operations");
}

#[test]
fn ms_queue_is_linearizable() {
    check_many::<MsQueue<Keyed>, Fifo>("ms_queue_is_linearizable", 4);
}

#[test]
fn treiber_stack_is_linearizable() {
    check_many::<TreiberStack<Keyed>, Lifo>("treiber_stack_is_linearizable", 4);
}

#[test]
fn skiplist_is_linearizable_with_fifo_ties() {
    check_many::<SkipListPq<Keyed>, Pq>("skiplist_is_linearizable_with_fifo_ties", 2);
}

/// The checker itself must reject wrong histories; otherwise the tests above prove nothing.
#[test]
fn checker_rejects_non_linearizable_histories() {
    let a = Keyed::new(0, 1);
    let b = Keyed::new(0, 2);
    let ev = |thread, op, ret, inv, resp| Event { thread, op, ret, inv, resp };
    // push(a) completes, then push(b) completes, then a pop returns b: wrong for FIFO, right for LIFO.
    let history = [
        ev(0, Op::Push(a), Ret::Pushed, 0, 1),
        ev(0, Op::Push(b), Ret::Pushed, 2, 3),
        ev(1, Op::Pop, Ret::Popped(Some(b.tag())), 4, 5),
    ];
    assert!(!linearizable(&history, 0, &Fifo::default()));
    assert!(linearizable(&history, 0, &Lifo::default()));
    // Equal keys: the later push may not come out first from the priority queue ...
    assert!(!linearizable(&history, 0, &Pq::default()));
    // ... unless the two pushes overlap, in which case either order is a valid linearization.
    let overlapping = [
        ev(0, Op::Push(a), Ret::Pushed, 0, 3),
        ev(1, Op::Push(b), Ret::Pushed, 1, 2),
        ev(1, Op::Pop, Ret::Popped(Some(b.tag())), 4, 5),
    ];
    assert!(linearizable(&overlapping, 0, &Pq::default()));
    assert!(linearizable(&overlapping, 0, &Fifo::default()));
    // An empty pop after a completed push, with nothing else running, is never linearizable.
    let lost = [ev(0, Op::Push(a), Ret::Pushed, 0, 1), ev(1, Op::Pop, Ret::Popped(None), 2, 3)];
    assert!(!linearizable(&lost, 0, &Fifo::default()));
    assert!(!linearizable(&lost, 0, &Lifo::default()));
    assert!(!linearizable(&lost, 0, &Pq::default()));
    // Smaller key first.
    let c = Keyed::new(1, 3);
    let order = [
        ev(0, Op::Push(c), Ret::Pushed, 0, 1),
        ev(0, Op::Push(a), Ret::Pushed, 2, 3),
        ev(1, Op::Pop, Ret::Popped(Some(c.tag())), 4, 5),
    ];
    assert!(!linearizable(&order, 0, &Pq::default()));
    let empty_wrong = [ev(0, Op::Push(a), Ret::Pushed, 0, 1), ev(1, Op::IsEmpty, Ret::Empty(true), 2, 3)];
    assert!(!linearizable(&empty_wrong, 0, &Fifo::default()));
}

#[test]
fn segmented_queue_is_linearizable() {
    check_many::<SegmentedQueue<Keyed>, Fifo>("segmented_queue_is_linearizable", 4);
}
