//! A user container under `BlockingQueue`: a fair queue that serves tenants in turn, so one
//! tenant's burst cannot starve the others. In Python this is a `Queue` subclass overriding
//! `_put` and `_get`; here it is a `RawQueue` wrapped in `Custom`, and the queue adds maxsize,
//! blocking, `task_done`/`join` and shutdown.
//!
//! `cargo run --release --example custom_container`

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::thread;

use queue_blocking::{BlockingQueue, Custom, RawQueue};

/// A job of one tenant.
#[derive(Debug)]
struct Job {
    tenant: u32,
    seq: u32,
}

/// One FIFO per tenant, served round robin.
#[derive(Default)]
struct RoundRobin {
    inner: Mutex<State>,
}

#[derive(Default)]
struct State {
    queues: BTreeMap<u32, VecDeque<Job>>,
    /// The tenant served last; the next get serves the first tenant after it.
    last: Option<u32>,
}

impl RawQueue<Job> for RoundRobin {
    fn push(&self, job: Job) {
        let mut state = self.inner.lock().unwrap();
        state.queues.entry(job.tenant).or_default().push_back(job);
    }

    fn pop(&self) -> Option<Job> {
        let mut state = self.inner.lock().unwrap();
        let after = state.last.map_or(0, |t| t + 1);
        let tenant =
            state.queues.range(after..).chain(state.queues.range(..after)).map(|(t, _)| *t).next()?;
        let queue = state.queues.get_mut(&tenant)?;
        let job = queue.pop_front();
        if queue.is_empty() {
            state.queues.remove(&tenant);
        }
        state.last = Some(tenant);
        job
    }

    fn is_empty(&self) -> bool {
        self.inner.lock().unwrap().queues.is_empty()
    }
}

fn main() {
    let q: BlockingQueue<Job, Custom<RoundRobin>> = BlockingQueue::bounded(64);
    // Tenant 0 floods the queue first; tenants 1 and 2 arrive with a few jobs each.
    for seq in 0..40 {
        q.put(Job { tenant: 0, seq }).unwrap();
    }
    for tenant in 1..=2 {
        for seq in 0..4 {
            q.put(Job { tenant, seq }).unwrap();
        }
    }
    let served = thread::scope(|s| {
        let worker = s.spawn(|| {
            let mut served = Vec::new();
            let mut next_seq = BTreeMap::new();
            for job in q.iter() {
                // Within a tenant, first in, first out.
                let expected = next_seq.entry(job.tenant).or_insert(0);
                assert_eq!(job.seq, *expected, "tenant {} out of order", job.tenant);
                *expected += 1;
                served.push(job.tenant);
                q.task_done().unwrap();
            }
            served
        });
        q.join(); // every job done
        q.shutdown(); // ends the worker's iter()
        worker.join().unwrap()
    });
    // Round robin: tenants 1 and 2 are done within the first 12 jobs despite tenant 0's head start.
    let first: Vec<u32> = served.iter().copied().take(12).collect();
    println!("first 12 served: {first:?}");
    assert_eq!(served.len(), 48);
    assert_eq!(first.iter().filter(|&&t| t != 0).count(), 8);
    println!("served {} jobs; no tenant waited behind another's burst", served.len());
}
