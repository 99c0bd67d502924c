//! Three stages connected by bounded queues: a fast reader, a slow parser, a writer. The small
//! capacities give back-pressure (the reader can never run more than a few lines ahead), and a
//! clean shutdown at the end loses nothing: each stage drains its input until `ShutDown`, then
//! shuts the next queue down. Run with `cargo run --release --example bounded_pipeline`.

use std::sync::atomic::{AtomicUsize, Ordering};

use queue_blocking::Queue;

const LINES: usize = 100_000;

fn main() {
    let raw = Queue::new(16); // reader -> parser
    let parsed = Queue::new(16); // parser -> writer
    let most_in_flight = AtomicUsize::new(0);
    let (written, checksum) = std::thread::scope(|s| {
        // Stage 1: produce lines as fast as possible; `put` blocks while the parser lags.
        s.spawn(|| {
            for i in 0..LINES {
                raw.put(format!("{i},{}", i * 3)).expect("open until the reader is done");
                most_in_flight.fetch_max(raw.qsize(), Ordering::Relaxed);
            }
            raw.shutdown(); // what is queued still gets parsed
        });
        // Stage 2: parse until the reader's queue is shut down and drained.
        s.spawn(|| {
            for line in raw.iter() {
                let (a, b) = line.split_once(',').expect("well-formed");
                let pair: (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
                parsed.put(pair).expect("open until the parser is done");
            }
            parsed.shutdown();
        });
        // Stage 3: write (here: count and checksum).
        s.spawn(|| {
            let mut written = 0usize;
            let mut checksum = 0u64;
            for (a, b) in parsed.iter() {
                assert_eq!(b, a * 3);
                written += 1;
                checksum += a;
            }
            (written, checksum)
        })
        .join()
        .unwrap()
    });
    println!(
        "pipeline: {written} of {LINES} lines went through 3 stages; at most {} were waiting \
         between reader and parser (capacity 16)",
        most_in_flight.load(Ordering::Relaxed)
    );
    assert_eq!(written, LINES, "a clean shutdown loses nothing");
    assert_eq!(checksum, (0..LINES as u64).sum::<u64>());
    assert!(most_in_flight.load(Ordering::Relaxed) <= 16, "back-pressure held");
    println!("checksum matches: every line arrived exactly once, in a bounded amount of memory");
}
