//! Fill–drain cycles (issue 20): one thread fills a contender with `n` items and drains it, again
//! and again, as a server's queue fills in a burst and empties after it. After a warm-up cycle a
//! queue that keeps its memory allocates nothing and faults in no page; one that hands drained
//! memory back pays for it on every burst. Counted: allocation calls (the counting global
//! allocator) and minor page faults (`getrusage`, the whole process, nothing else running), and
//! the time per item (put and get).

use std::fmt::Write as _;
use std::time::Instant;

use queue_benches::alloc::Counting;
use queue_benches::peers::*;
use queue_benches::stats::median;
use queue_benches::workloads::value;

/// Measured cycles per round, after one warm-up cycle.
const CYCLES: u64 = 4;

fn minor_faults() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is valid for writes of one `rusage`; RUSAGE_SELF is a valid `who`.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage failed");
    // SAFETY: getrusage returned 0, so it filled the struct (and it was zeroed before).
    unsafe { usage.assume_init() }.ru_minflt as f64
}

/// One round for one contender: (allocations per item, minor faults per 1000 items, ns per item)
/// over `CYCLES` cycles after the warm-up.
fn fill<T: Sink>(tx: &T, n: u64) {
    for i in 0..n {
        tx.send(value(i));
    }
}

fn drain<R: Source>(rx: &R, n: u64) {
    for _ in 0..n {
        std::hint::black_box(rx.recv());
    }
}

/// One cycle: fill, then drain, on this thread or (`threads`) each on a thread of its own.
fn cycle<C: Channel>(tx: &C::Tx, rx: C::Rx, n: u64, threads: bool) -> C::Rx {
    if !threads {
        fill(tx, n);
        drain(&rx, n);
        return rx;
    }
    let tx = tx.clone();
    std::thread::spawn(move || fill(&tx, n)).join().expect("filler");
    std::thread::spawn(move || {
        drain(&rx, n);
        rx
    })
    .join()
    .expect("drainer")
}

/// One round for one contender: minor faults per 1000 items in the warm-up cycle, then
/// allocations per item, minor faults per 1000 items and ns per item over `CYCLES` cycles after
/// it.
fn round<C: Channel>(n: u64, threads: bool) -> [f64; 4] {
    let (tx, mut rx) = C::make(None).expect("unbounded contender");
    let faults = minor_faults();
    rx = cycle::<C>(&tx, rx, n, threads);
    let first = (minor_faults() - faults) * 1000.0 / n as f64;
    let faults = minor_faults();
    Counting::enable();
    let started = Instant::now();
    for _ in 0..CYCLES {
        rx = cycle::<C>(&tx, rx, n, threads);
    }
    let elapsed = started.elapsed();
    let counted = Counting::disable();
    let faults = minor_faults() - faults;
    drop((tx, rx));
    let items = (n * CYCLES) as f64;
    [first, counted.allocations as f64 / items, faults * 1000.0 / items, elapsed.as_nanos() as f64 / items]
}

struct Contender {
    name: &'static str,
    run: fn(u64, bool) -> [f64; 4],
}

fn contender<C: Channel>() -> Contender {
    Contender { name: C::NAME, run: round::<C> }
}

/// The table for cycles of 10^6 items (times `scale`), medians of `rounds` interleaved rounds:
/// first everything on one thread, then each fill and each drain on a fresh thread (as a burst
/// served by a new worker: its allocations come from another malloc arena).
pub fn table(scale: f64, rounds: usize) -> String {
    let n = ((1_000_000.0 * scale) as u64).max(1);
    let contenders = [
        contender::<OurQueue>(),
        contender::<OurSimple>(),
        contender::<SegQueuePeer>(),
        contender::<CrossbeamChannel>(),
        contender::<Kanal>(),
        contender::<Flume>(),
        contender::<StdMpsc>(),
        contender::<MutexDeque>(),
    ];
    let mut s = format!(
        "\n### Fill–drain cycles ({n} u64 items in, then out; {CYCLES} cycles after a warm-up \
         one; medians of {rounds} interleaved rounds)\n\n"
    );
    s.push_str(
        "| contender | threads | first cycle: minor page faults per 1000 items | then: allocations per \
         item | then: minor page faults per 1000 items | then: ns per item (put + get) |\n\
         |---|---|---:|---:|---:|---:|\n",
    );
    for threads in [false, true] {
        let mut values: Vec<Vec<[f64; 4]>> = vec![Vec::new(); contenders.len()];
        for _ in 0..rounds {
            for (c, v) in contenders.iter().zip(&mut values) {
                v.push((c.run)(n, threads));
            }
        }
        let mode = if threads { "fill, drain each on a new thread" } else { "one" };
        for (c, v) in contenders.iter().zip(&values) {
            let col = |k: usize| median(&v.iter().map(|x| x[k]).collect::<Vec<_>>());
            let _ = writeln!(
                s,
                "| {} | {mode} | {:.2} | {:.4} | {:.2} | {:.1} |",
                c.name,
                col(0),
                col(1),
                col(2),
                col(3)
            );
        }
    }
    s
}
