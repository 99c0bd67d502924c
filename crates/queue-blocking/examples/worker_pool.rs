//! The worker example from Python's `queue` documentation, at a scale that shows throughput.
//!
//! ```python
//! def worker():
//!     while True:
//!         item = q.get()
//!         ...                 # work on item
//!         q.task_done()
//! for item in range(30):
//!     q.put(item)
//! q.join()
//! ```
//!
//! Here: 4 workers, 1,000,000 jobs through a bounded queue, `join` for completion, then `shutdown`
//! to let the workers leave (Python's version uses daemon threads instead).
//! Run with `cargo run --release --example worker_pool`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use queue_blocking::{GetError, Queue};

const WORKERS: usize = 4;
const JOBS: u64 = 1_000_000;
const MAXSIZE: usize = 1024;

fn main() {
    let q = Queue::new(MAXSIZE);
    let checksum = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                let mut done = 0u64;
                loop {
                    match q.get() {
                        Ok(job) => {
                            // The "work": a little arithmetic the compiler cannot skip.
                            checksum.fetch_add(job ^ (job >> 3), Ordering::Relaxed);
                            done += 1;
                            q.task_done().expect("one task_done per get");
                        }
                        Err(GetError::ShutDown) => break,
                        Err(GetError::Empty) => unreachable!("an untimed get never times out"),
                    }
                }
                done
            });
        }
        for job in 0..JOBS {
            q.put(job).expect("the queue is not shut down yet");
        }
        q.join();
        let elapsed = start.elapsed();
        println!(
            "All work completed: {JOBS} jobs, {WORKERS} workers, maxsize {MAXSIZE}, in {elapsed:.2?} \
             ({:.0} jobs/s)",
            JOBS as f64 / elapsed.as_secs_f64()
        );
        q.shutdown();
    });
    let expected: u64 = (0..JOBS).map(|j| j ^ (j >> 3)).sum();
    assert_eq!(checksum.load(Ordering::Relaxed), expected, "a job was lost or done twice");
    assert_eq!(q.unfinished_tasks(), 0);
    println!("checksum {expected} matches: every job was done exactly once");
}
