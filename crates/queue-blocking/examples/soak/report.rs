//! Counting and reporting: the global operation, violation and round counters, the `violation!`
//! macro every check reports through (the first violations printed in full, the rest only
//! counted), and the summary line the run ends with.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::time::Instant;

/// Violations printed in full; later ones are only counted.
const MAX_REPORTED: u64 = 50;

/// Operations done by every thread of every round (added in batches by [`Ops`]).
pub(crate) static OPS: AtomicU64 = AtomicU64::new(0);
/// Violations found so far, counting a watchdog timeout as one.
pub(crate) static VIOLATIONS: AtomicU64 = AtomicU64::new(0);
/// Rounds completed.
pub(crate) static ROUNDS: AtomicU64 = AtomicU64::new(0);

/// Counts a violation found in `ctx` (a queue of a round) and prints it if it is one of the first
/// [`MAX_REPORTED`]. Called through [`violation!`].
pub(crate) fn report(ctx: &str, what: fmt::Arguments<'_>) {
    let n = VIOLATIONS.fetch_add(1, SeqCst) + 1;
    if n <= MAX_REPORTED {
        eprintln!("soak: VIOLATION [{ctx}]: {what}");
    }
    if n == MAX_REPORTED {
        eprintln!("soak: further violations are counted but not printed");
    }
}

/// `violation!(ctx, "format", args...)`: reports a violation found in `ctx`.
macro_rules! violation {
    ($ctx:expr, $($arg:tt)*) => {
        $crate::report::report($ctx, format_args!($($arg)*))
    };
}
pub(crate) use violation;

/// Counts operations locally and adds them to [`OPS`] in batches.
pub(crate) struct Ops(pub(crate) u64);

impl Ops {
    pub(crate) fn tick(&mut self) {
        self.0 += 1;
        if self.0 == 256 {
            OPS.fetch_add(self.0, Relaxed);
            self.0 = 0;
        }
    }
}

impl Drop for Ops {
    fn drop(&mut self) {
        OPS.fetch_add(self.0, Relaxed);
    }
}

/// The message of a caught panic, for its violation report.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)")
}

/// The summary line, printed at the end (and by the watchdog before it exits).
pub(crate) fn summary(start: Instant) {
    println!(
        "soak: {} operations, {} rounds, {} violations in {:.1} s",
        OPS.load(Relaxed),
        ROUNDS.load(SeqCst),
        VIOLATIONS.load(SeqCst),
        start.elapsed().as_secs_f64()
    );
}
