//! Randomness shared by the workload: the seed mixer, and the short timeouts and occasional
//! pauses the producer and consumer threads draw so that queues fill up, run dry and block.

use std::thread;
use std::time::Duration;

/// Scrambles `x` (for item tags and the default seed).
pub(crate) fn mix(mut x: u64) -> u64 {
    // splitmix64's finaliser.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A short timeout for a timed call: usually tens of microseconds, sometimes zero or a few ms.
pub(crate) fn short_timeout(rng: &mut fastrand::Rng) -> Duration {
    match rng.u8(0..8) {
        0 => Duration::ZERO,
        1 => Duration::from_micros(rng.u64(1_000..3_000)),
        _ => Duration::from_micros(rng.u64(1..200)),
    }
}

/// Now and then, pause a little so queues fill up or run dry and threads really block.
pub(crate) fn maybe_pause(rng: &mut fastrand::Rng) {
    match rng.u16(0..512) {
        0 => thread::sleep(Duration::from_micros(rng.u64(0..300))),
        1..=3 => thread::yield_now(),
        _ => {}
    }
}
