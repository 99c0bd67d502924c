//! `SkipListPq` against a misbehaving `Ord`. (a) A comparison that panics on its N-th call during a
//! `push`, for many N and queue sizes (and concurrently): every other item still comes out exactly
//! once and in order, and the pushed item either comes out once or was dropped once (more precisely,
//! as `push` documents: it was dropped and the panic reached the caller, or `push` returned and it
//! comes out). (b) An inconsistent `Ord` (random answers), single-threaded and with several
//! threads pushing and popping: no hang, and every item comes out exactly once (order may be wrong).

mod common;

use std::cell::Cell;
use std::cmp::Ordering;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use common::{INJECTED, SeedReport, Watchdog, base_seed, silence_injected_panics};
use queue_core::SkipListPq;

thread_local! {
    /// Comparisons this thread may still make before the next one panics (`None`: never panic).
    static CMP_BUDGET: Cell<Option<usize>> = const { Cell::new(None) };
    /// Random source of the inconsistent `Ord`.
    static CHAOS: Cell<u64> = const { Cell::new(0x2545_F491_4F6C_DD1D) };
}

/// Arms this thread so that its `n`-th next comparison (1-based) panics.
fn panic_on_comparison(n: usize) {
    assert!(n >= 1);
    CMP_BUDGET.with(|b| b.set(Some(n - 1)));
}

fn disarm() {
    CMP_BUDGET.with(|b| b.set(None));
}

/// Drop counts per id, shared by the items of one test.
#[derive(Debug)]
struct Drops(Vec<AtomicU32>);

impl Drops {
    fn new(n: usize) -> Arc<Self> {
        Arc::new(Self((0..n).map(|_| AtomicU32::new(0)).collect()))
    }
    fn of(&self, id: usize) -> u32 {
        self.0[id].load(SeqCst)
    }
}

/// Ordered by `key`, except that a comparison panics when this thread's budget runs out.
#[derive(Debug)]
struct Fragile {
    key: u8,
    id: usize,
    drops: Arc<Drops>,
}

impl Drop for Fragile {
    fn drop(&mut self) {
        self.drops.0[self.id].fetch_add(1, SeqCst);
    }
}

impl PartialEq for Fragile {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Fragile {}
impl PartialOrd for Fragile {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Fragile {
    fn cmp(&self, other: &Self) -> Ordering {
        CMP_BUDGET.with(|b| match b.get() {
            Some(0) => {
                b.set(None);
                panic!("{INJECTED}: comparison of {} with {}", self.id, other.id);
            }
            Some(n) => b.set(Some(n - 1)),
            None => {}
        });
        self.key.cmp(&other.key)
    }
}

/// Drains `q`, returning `(key, id)` in pop order and dropping each item.
fn drain(q: &SkipListPq<Fragile>) -> Vec<(u8, usize)> {
    let mut out = Vec::new();
    while let Some(item) = q.pop() {
        out.push((item.key, item.id));
    }
    out
}

#[test]
fn panicking_comparison_during_push_loses_and_duplicates_nothing() {
    silence_injected_panics();
    const SIZES: &[usize] = if cfg!(miri) { &[0, 3] } else { &[0, 1, 2, 3, 5, 8, 13, 40, 200, 1000] };
    let seed = base_seed();
    let _report = SeedReport { what: "panicking_comparison_during_push", seed };
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut scenarios = 0;
    for &size in SIZES {
        // Raise N until the victim's push makes fewer than N comparisons.
        for n in 1.. {
            // Ids: 0..size resident, `size` the victim, `size + 1` pushed after the panic.
            let drops = Drops::new(size + 2);
            let q = SkipListPq::new();
            for id in 0..size {
                q.push(Fragile { key: rng.u8(0..4), id, drops: Arc::clone(&drops) });
            }
            let victim = Fragile { key: rng.u8(0..4), id: size, drops: Arc::clone(&drops) };
            panic_on_comparison(n);
            let panicked = catch_unwind(AssertUnwindSafe(|| q.push(victim))).is_err();
            disarm();
            let victim_dropped = drops.of(size);
            assert!(victim_dropped <= 1, "size {size}, N {n}: victim dropped {victim_dropped} times");
            assert!(panicked || victim_dropped == 0, "size {size}, N {n}: victim dropped without a panic");
            // The queue still takes items.
            q.push(Fragile { key: rng.u8(0..4), id: size + 1, drops: Arc::clone(&drops) });
            let out = drain(&q);
            let victim_out = out.iter().filter(|&&(_, id)| id == size).count();
            // `SkipListPq::push` documents the stronger rule that a push that panics did not add
            // its item and a push that returns did.
            assert_eq!(
                (victim_out, victim_dropped),
                if panicked { (0, 1) } else { (1, 0) },
                "size {size}, N {n}: push panicked: {panicked}, but the victim came out {victim_out} times \
                 and was dropped {victim_dropped} times before the drain"
            );
            assert_eq!(
                victim_out + victim_dropped as usize,
                1,
                "size {size}, N {n}: victim came out {victim_out} times and was dropped {victim_dropped} times \
                 before the drain"
            );
            // Every other item exactly once, and in order: by key, then push order (= id order).
            let mut ids: Vec<usize> = out.iter().map(|&(_, id)| id).filter(|&id| id != size).collect();
            ids.sort_unstable();
            assert_eq!(
                ids,
                (0..size).chain([size + 1]).collect::<Vec<_>>(),
                "size {size}, N {n}: items lost"
            );
            assert!(out.windows(2).all(|w| w[0] < w[1]), "size {size}, N {n}: wrong order {out:?}");
            drop(q);
            for id in 0..size + 2 {
                assert_eq!(drops.of(id), 1, "size {size}, N {n}: item {id} dropped {} times", drops.of(id));
            }
            scenarios += 1;
            if !panicked {
                break;
            }
        }
    }
    assert!(scenarios > SIZES.len(), "no push ever reached a comparison");
}

/// `push_catching_panic` hands the item back with the panic payload instead of dropping it when a
/// comparison panics before the item is in the queue, and adds it (returning `Ok`) otherwise.
#[test]
fn push_catching_panic_returns_the_item_on_a_comparison_panic() {
    silence_injected_panics();
    let drops = Drops::new(4);
    let q = SkipListPq::new();
    for id in 0..2 {
        q.push(Fragile { key: id as u8, id, drops: Arc::clone(&drops) });
    }
    panic_on_comparison(1);
    let result = q.push_catching_panic(Fragile { key: 1, id: 2, drops: Arc::clone(&drops) });
    disarm();
    let Err((item, payload)) = result else { panic!("the comparison panic was not reported") };
    assert_eq!(item.id, 2, "a different item came back");
    assert_eq!(drops.of(2), 0, "the returned item was dropped as well");
    let msg = payload.downcast_ref::<String>().map(String::as_str).unwrap_or("");
    assert!(msg.contains(INJECTED), "unexpected payload {msg:?}");
    drop(item);
    assert_eq!(drops.of(2), 1);
    assert!(q.push_catching_panic(Fragile { key: 0, id: 3, drops: Arc::clone(&drops) }).is_ok());
    assert_eq!(drain(&q), [(0, 0), (0, 3), (1, 1)], "the failed push left a trace, or the next one was lost");
    for id in 0..4 {
        assert_eq!(drops.of(id), 1, "item {id} dropped {} times", drops.of(id));
    }
    // Structures that call no user code use the trait's default: always `Ok`, item added.
    let fifo = queue_core::MsQueue::new();
    assert!(queue_core::RawQueue::push_catching_panic(&fifo, 7).is_ok());
    assert_eq!(fifo.pop(), Some(7));
}

/// Pushers with armed comparisons race with poppers, so a panic can also strike after the node is
/// linked (while linking its upper levels, which only re-searches under contention).
#[test]
fn panicking_comparisons_under_concurrency_conserve_items() {
    silence_injected_panics();
    const PUSHERS: usize = if cfg!(miri) { 1 } else { 3 };
    const POPPERS: usize = if cfg!(miri) { 1 } else { 2 };
    const PER_PUSHER: usize = if cfg!(miri) { 20 } else { 50_000 };
    let _watchdog = Watchdog::start("panicking_comparisons_under_concurrency", Duration::from_secs(120));
    let seed = base_seed();
    let _report = SeedReport { what: "panicking_comparisons_under_concurrency", seed };
    let total = PUSHERS * PER_PUSHER;
    let drops = Drops::new(total);
    let popped: Vec<AtomicU32> = (0..total).map(|_| AtomicU32::new(0)).collect();
    let pushers_done = AtomicUsize::new(0);
    // Panics that struck after the item was linked (reported, not asserted: it takes contention).
    let after_linking = AtomicUsize::new(0);
    let q = SkipListPq::new();
    let panicked: Vec<Vec<usize>> = std::thread::scope(|s| {
        let pushers: Vec<_> = (0..PUSHERS)
            .map(|p| {
                let (q, drops, pushers_done, after_linking) = (&q, &drops, &pushers_done, &after_linking);
                s.spawn(move || {
                    let mut rng = fastrand::Rng::with_seed(seed ^ p as u64);
                    let mut panicked = Vec::new();
                    for i in 0..PER_PUSHER {
                        let id = p * PER_PUSHER + i;
                        let item = Fragile { key: rng.u8(0..8), id, drops: Arc::clone(drops) };
                        let armed = rng.u8(0..4) == 0;
                        if armed {
                            panic_on_comparison(if rng.bool() { rng.usize(1..12) } else { rng.usize(1..60) });
                        }
                        // `push` would unwind in both cases; `push_catching_panic` says which.
                        match q.push_catching_panic(item) {
                            Ok(None) => {}
                            Ok(Some(_payload)) => {
                                // The panic fired while the index was built: the item is in.
                                after_linking.fetch_add(1, SeqCst);
                            }
                            Err((item, _payload)) => {
                                drop(item);
                                panicked.push(id);
                            }
                        }
                        disarm();
                    }
                    pushers_done.fetch_add(1, SeqCst);
                    panicked
                })
            })
            .collect();
        for _ in 0..POPPERS {
            let (q, popped, pushers_done) = (&q, &popped, &pushers_done);
            s.spawn(move || {
                loop {
                    let done = pushers_done.load(SeqCst) == PUSHERS;
                    match q.pop() {
                        Some(item) => {
                            popped[item.id].fetch_add(1, SeqCst);
                        }
                        None if done => break,
                        None => std::hint::spin_loop(),
                    }
                }
            });
        }
        pushers.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(q.is_empty());
    drop(q);
    let panicked: std::collections::HashSet<usize> = panicked.into_iter().flatten().collect();
    assert!(!panicked.is_empty() || cfg!(miri), "no injected panic fired");
    println!(
        "{} pushes panicked before linking their item, {} after",
        panicked.len(),
        after_linking.load(SeqCst)
    );
    for (id, popped) in popped.iter().enumerate() {
        let (p, d) = (popped.load(SeqCst), drops.of(id));
        assert_eq!(
            d,
            1,
            "item {id} dropped {d} times (popped {p} times, push panicked: {})",
            panicked.contains(&id)
        );
        // Documented: a push whose panic came before linking did not add its item (the weaker
        // rule, out once or dropped once, is the `d == 1` above); every other push did, including
        // one whose comparison panicked while it built the index entries.
        if panicked.contains(&id) {
            assert_eq!(p, 0, "item {id}: its push panicked, yet it was popped {p} times");
        } else {
            assert_eq!(p, 1, "item {id} popped {p} times");
        }
    }
}

/// Compares by nothing at all: every answer is random.
#[derive(Debug)]
struct Chaotic {
    id: usize,
}

impl PartialEq for Chaotic {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Chaotic {}
impl PartialOrd for Chaotic {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Chaotic {
    fn cmp(&self, _: &Self) -> Ordering {
        CHAOS.with(|c| {
            // xorshift64
            let mut x = c.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            c.set(x);
            match x % 3 {
                0 => Ordering::Less,
                1 => Ordering::Equal,
                _ => Ordering::Greater,
            }
        })
    }
}

/// `threads` threads each push `per_thread` chaotic items, popping about as often; then the rest is
/// drained. Every id must come out exactly once.
fn chaotic(threads: usize, per_thread: usize) {
    let _watchdog = Watchdog::start("inconsistent Ord", Duration::from_secs(120));
    let total = threads * per_thread;
    let seen: Vec<AtomicU32> = (0..total).map(|_| AtomicU32::new(0)).collect();
    let q = SkipListPq::new();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (q, seen) = (&q, &seen);
            s.spawn(move || {
                CHAOS.with(|c| c.set(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1)));
                let mut rng = fastrand::Rng::with_seed(t as u64);
                for i in 0..per_thread {
                    q.push(Chaotic { id: t * per_thread + i });
                    if rng.bool()
                        && let Some(x) = q.pop()
                    {
                        seen[x.id].fetch_add(1, SeqCst);
                    }
                }
            });
        }
    });
    while let Some(x) = q.pop() {
        seen[x.id].fetch_add(1, SeqCst);
    }
    assert!(q.is_empty());
    for (id, n) in seen.iter().enumerate() {
        assert_eq!(n.load(SeqCst), 1, "item {id} came out {} times", n.load(SeqCst));
    }
}

#[test]
fn inconsistent_ord_single_thread_conserves_items() {
    chaotic(1, if cfg!(miri) { 40 } else { 8_000 });
}

#[test]
fn inconsistent_ord_concurrent_conserves_items() {
    chaotic(if cfg!(miri) { 2 } else { 4 }, if cfg!(miri) { 15 } else { 2_000 });
}

/// At scale, under a lying `Ord`: a deleted node held up at an upper level must not hold up
/// level 0, or every `pop` walks all nodes popped so far (quadratic) and the watchdog fires. This
/// test caught exactly that in a first version that unlinked levels strictly top-down.
#[test]
fn inconsistent_ord_concurrent_conserves_items_large() {
    chaotic(if cfg!(miri) { 2 } else { 4 }, if cfg!(miri) { 10 } else { 25_000 });
}
