//! `cargo run --release -p queue-benches --bin spin_costs`: what one `spin_loop()` (a `pause`
//! on x86) and one `yield_now()` with nothing else runnable cost on this machine. The blocking
//! layer's spin-then-yield budget (`queue-blocking/src/wait.rs`) is sized from these.

use std::hint::{black_box, spin_loop};
use std::time::Instant;

fn main() {
    const PAUSES: u32 = 2_000_000;
    const YIELDS: u32 = 10_000;
    let start = Instant::now();
    for _ in 0..black_box(PAUSES) {
        spin_loop();
    }
    let pause = start.elapsed().as_nanos() as f64 / f64::from(PAUSES);
    let start = Instant::now();
    for _ in 0..black_box(YIELDS) {
        std::thread::yield_now();
    }
    let yield_ns = start.elapsed().as_nanos() as f64 / f64::from(YIELDS);
    println!("spin_loop: {pause:.1} ns (127 of them: {:.2} µs)", pause * 127.0 / 1000.0);
    println!("yield_now: {yield_ns:.0} ns (40 of them: {:.1} µs)", yield_ns * 40.0 / 1000.0);
}
