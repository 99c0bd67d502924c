//! Deadlines: the monotonic clock normally, a virtual clock under loom (loom cannot time out a
//! real wait, so models advance time by hand; see `futex::loom_clock`).

use std::time::{Duration, Instant};

/// When a timed operation gives up. `never()` for untimed operations and for timeouts too large
/// for `Instant` (as std does, an overflowing timeout means no timeout; it never panics).
#[derive(Clone, Copy, Debug)]
pub struct Deadline(Option<Tick>);

#[cfg(not(loom))]
type Tick = Instant;
/// Virtual milliseconds.
#[cfg(loom)]
type Tick = u64;

impl Deadline {
    pub(crate) const fn never() -> Self {
        Self(None)
    }

    /// `timeout` from now.
    pub(crate) fn after(timeout: Duration) -> Self {
        #[cfg(not(loom))]
        {
            // `put_nowait`/`get_nowait` pass zero: any instant already past will do, and a fixed
            // one keeps the clock read off their success path (the deadline is only consulted
            // after a failed attempt).
            static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
            if timeout.is_zero() {
                return Self(Some(*START.get_or_init(Instant::now)));
            }
            Self(Instant::now().checked_add(timeout))
        }
        #[cfg(loom)]
        return Self(u64::try_from(timeout.as_millis()).ok().and_then(|ms| now().checked_add(ms)));
    }

    /// At `instant`; one already past acts as a zero timeout.
    pub(crate) fn at(instant: Instant) -> Self {
        #[cfg(not(loom))]
        return Self(Some(instant));
        #[cfg(loom)]
        return Self::after(instant.saturating_duration_since(Instant::now()));
    }

    pub(crate) fn has_passed(self) -> bool {
        self.0.is_some_and(|d| now() >= d)
    }

    /// The deadline itself, `None` for never. (The loom back end reads its virtual clock through
    /// `has_passed` instead.)
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) fn tick(self) -> Option<Tick> {
        self.0
    }
}

#[cfg(not(loom))]
fn now() -> Tick {
    Instant::now()
}

#[cfg(loom)]
pub(crate) use crate::futex::loom_clock::now;
