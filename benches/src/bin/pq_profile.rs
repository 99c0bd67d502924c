//! `valgrind --tool=callgrind target/release/pq_profile KIND RESIDENT OPS`: one thread runs the
//! hold model of `compare`'s priority rows (`workloads::alternating`: RESIDENT keys kept, OPS steps
//! of one pop then one push) on KIND, `skiplist` (`SkipListPq`), `priority`
//! (`queue_blocking::PriorityQueue`), `heap` (`Mutex<BinaryHeap>`+`Condvar`) or `skipset`
//! (crossbeam's `SkipSet`), and prints the nanoseconds per step. For profiles: where a step's
//! instructions go (docs/performance.md, "PriorityQueue: where the time goes").

use queue_benches::peers::{CoreSkipList, MutexHeap, OurPriority, SkipSetPeer};
use queue_benches::workloads::alternating;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: pq_profile skiplist|priority|heap|skipset RESIDENT OPS";
    let [_, kind, resident, ops] = &args[..] else { panic!("{usage}") };
    let resident: u64 = resident.parse().expect(usage);
    let ops: u64 = ops.parse().expect(usage);
    let elapsed = match kind.as_str() {
        "skiplist" => alternating::<CoreSkipList>(None, resident, ops),
        "priority" => alternating::<OurPriority>(None, resident, ops),
        "heap" => alternating::<MutexHeap>(None, resident, ops),
        "skipset" => alternating::<SkipSetPeer>(None, resident, ops),
        _ => panic!("{usage}"),
    };
    println!("{kind}: {:.1} ns per step", elapsed.as_nanos() as f64 / ops as f64);
}
