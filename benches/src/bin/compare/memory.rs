//! Memory rows: allocations per item and peak bytes per queued item, counted by the global
//! allocator while one thread fills a contender with `n` items and drains it.

use std::fmt::Write as _;

use queue_benches::alloc::Counting;
use queue_benches::peers::*;
use queue_benches::workloads::value;

struct Usage {
    name: &'static str,
    allocations_per_item: f64,
    peak_bytes_per_item: f64,
}

fn usage<C: Channel>(n: u64) -> Usage {
    let (tx, rx) = C::make(None).expect("unbounded contender");
    Counting::enable();
    for i in 0..n {
        tx.send(value(i));
    }
    for _ in 0..n {
        std::hint::black_box(rx.recv());
    }
    let s = Counting::disable();
    drop((tx, rx));
    Usage {
        name: C::NAME,
        allocations_per_item: s.allocations as f64 / n as f64,
        peak_bytes_per_item: s.peak as f64 / n as f64,
    }
}

/// The memory table for 10^6 items (times `scale`).
pub fn table(scale: f64) -> String {
    let n = ((1_000_000.0 * scale) as u64).max(1);
    let rows = [
        usage::<OurQueue>(n),
        usage::<OurSimple>(n),
        usage::<OurLifo>(n),
        usage::<OurPriority>(n),
        usage::<CoreMsQueue>(n),
        usage::<SegQueuePeer>(n),
        usage::<CrossbeamChannel>(n),
        usage::<Flume>(n),
        usage::<StdMpsc>(n),
        usage::<MutexDeque>(n),
        usage::<MutexHeap>(n),
        usage::<SkipSetPeer>(n),
    ];
    let mut s = format!("\n### Memory ({n} u64 items pushed by one thread, then popped)\n\n");
    s.push_str("| contender | allocations per item | peak bytes per queued item |\n|---|---:|---:|\n");
    for r in rows {
        let _ = writeln!(s, "| {} | {:.3} | {:.1} |", r.name, r.allocations_per_item, r.peak_bytes_per_item);
    }
    s
}
