//! `compare --scaling`: the producer/consumer rows at growing thread counts, for a machine with
//! more cores than this one (the lent many-core machine; docs/performance.md, "How to run it").
//!
//! Each shape `p/c` puts `p` producers and `c` consumers on one queue; the rows are the FIFO
//! (unbounded and bounded(1024)), the priority queue and the LIFO queue, each against the peers of
//! the quick suite. Items scale with nothing but `--scale`: 960,000 per run, so that the 8/8
//! shape still gives each thread 120,000.

use queue_benches::peers::*;

use crate::cases::{THROUGHPUT, throughput};
use crate::report::Case;

/// Items moved per run at `--scale 1`.
const ITEMS: f64 = 960_000.0;

/// The default shapes: 2 to 16 threads.
pub const SHAPES: &[(usize, usize)] = &[(1, 1), (2, 2), (4, 4), (8, 8)];

/// Parses `1/1,2/2,8/8`.
pub fn parse_shapes(text: &str) -> Vec<(usize, usize)> {
    text.split(',')
        .map(|shape| {
            let (p, c) = shape.split_once('/').expect("--shapes P/C,P/C,...");
            let n = |s: &str| {
                s.trim().parse::<usize>().ok().filter(|&n| n > 0).expect("--shapes P/C with P, C > 0")
            };
            (n(p), n(c))
        })
        .collect()
}

/// The scaling suite at `scale` for `shapes`.
pub fn cases(scale: f64, shapes: &[(usize, usize)]) -> Vec<Case> {
    // A multiple of every thread count in `shapes` (the workload divides the items evenly).
    let gcd = |mut a: u64, mut b: u64| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let lcm = shapes.iter().flat_map(|&(p, c)| [p as u64, c as u64]).fold(1, |l, n| l / gcd(l, n) * n);
    let items = (((ITEMS * scale) as u64) / lcm).max(1) * lcm;
    let row = |section, label: String, ours, peers| Case {
        section,
        label,
        metrics: vec![THROUGHPUT],
        ours,
        peers,
        targets: vec![],
    };
    let mut cases = Vec::new();
    for cap in [None, Some(1024)] {
        let name = cap.map_or("unbounded".to_string(), |c| format!("bounded({c})"));
        for &(p, c) in shapes {
            cases.push(row(
                "Scaling, FIFO (producers/consumers)",
                format!("Queue {name} {p}/{c}"),
                throughput::<OurQueue>(cap, p, c, items),
                vec![
                    throughput::<CrossbeamChannel>(cap, p, c, items),
                    throughput::<Kanal>(cap, p, c, items),
                    throughput::<Flume>(cap, p, c, items),
                    throughput::<MutexDeque>(cap, p, c, items),
                ],
            ));
        }
    }
    let section = "Scaling, priority and LIFO";
    for &(p, c) in shapes {
        cases.push(row(
            section,
            format!("PriorityQueue {p}/{c}"),
            throughput::<OurPriority>(None, p, c, items),
            vec![throughput::<MutexHeap>(None, p, c, items), throughput::<SkipSetPeer>(None, p, c, items)],
        ));
    }
    for &(p, c) in shapes {
        cases.push(row(
            section,
            format!("LifoQueue {p}/{c}"),
            throughput::<OurLifo>(None, p, c, items),
            vec![throughput::<MutexStack>(None, p, c, items)],
        ));
    }
    cases
}
