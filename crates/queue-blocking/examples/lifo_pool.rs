//! A pool of reusable buffers on `LifoQueue`: borrowing takes the most recently returned buffer,
//! the one most likely still warm in cache. Four workers borrow, use and return buffers; the pool
//! never allocates after start-up. Run with `cargo run --release --example lifo_pool`.

use std::time::Duration;

use queue_blocking::LifoQueue;

const BUFFERS: usize = 3;
const WORKERS: usize = 4;
const TASKS_PER_WORKER: usize = 10_000;

struct Buffer {
    id: usize,
    data: Vec<u8>,
    uses: usize,
}

fn main() {
    let pool = LifoQueue::new(BUFFERS);
    for id in 0..BUFFERS {
        pool.put(Buffer { id, data: vec![0; 4096], uses: 0 }).unwrap();
    }

    // Last in, first out: the buffer returned last is handed out first.
    let a = pool.get().unwrap();
    let b = pool.get().unwrap();
    let (a_id, b_id) = (a.id, b.id);
    pool.put(a).unwrap();
    pool.put(b).unwrap();
    assert_eq!(pool.get().unwrap().id, b_id, "the most recently returned buffer comes out first");
    println!("lifo: returned {a_id} then {b_id}; the next borrow got {b_id}");
    // (That buffer is dropped here; put a fresh one in its place.)
    pool.put(Buffer { id: b_id, data: vec![0; 4096], uses: 0 }).unwrap();

    std::thread::scope(|s| {
        for w in 0..WORKERS {
            let pool = &pool;
            s.spawn(move || {
                for t in 0..TASKS_PER_WORKER {
                    // With more workers than buffers someone waits; a timeout shows the pool is
                    // exhausted rather than hanging forever.
                    let mut buf = pool.get_timeout(Duration::from_secs(10)).expect("a buffer comes back");
                    buf.data[t % 4096] = w as u8;
                    buf.uses += 1;
                    pool.put(buf).expect("the pool is never shut down");
                }
            });
        }
    });

    let buffers: Vec<Buffer> = pool.try_iter().collect();
    let uses: usize = buffers.iter().map(|b| b.uses).sum();
    for b in &buffers {
        println!("buffer {} was used {} times", b.id, b.uses);
    }
    assert_eq!(buffers.len(), BUFFERS, "every buffer came back");
    assert_eq!(uses, WORKERS * TASKS_PER_WORKER);
    println!("{WORKERS} workers ran {uses} tasks with {BUFFERS} buffers and no further allocation");
}
