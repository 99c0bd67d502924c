//! The watchdog: a thread that knows the round under way and its queues, ends the process with
//! status 1 (printing the state of every queue of the round and the summary) if a round runs for
//! more than [`ROUND_LIMIT`] (a lost wake-up, a livelock), and prints a progress line every
//! [`PROGRESS_EVERY`].

use std::process;
use std::sync::atomic::{Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::report::{OPS, ROUNDS, VIOLATIONS, summary};

/// A round that takes longer than this is a hang.
const ROUND_LIMIT: Duration = Duration::from_secs(60);
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// What the watchdog may ask about a running case.
pub(crate) trait Describe: Send + Sync {
    fn describe(&self) -> String;
}

/// The round under way, as far as the watchdog needs to know.
#[derive(Default)]
pub(crate) struct MonitorState {
    round: u64,
    round_start: Option<Instant>,
    cases: Vec<Arc<dyn Describe>>,
    /// Set by `main` after the last round: the watchdog thread returns.
    pub(crate) finished: bool,
}

/// Shared by `main` (which reports each round's start and end) and the watchdog thread.
pub(crate) struct Monitor {
    pub(crate) start: Instant,
    pub(crate) state: Mutex<MonitorState>,
}

impl Monitor {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, MonitorState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn begin_round(&self, round: u64, cases: Vec<Arc<dyn Describe>>) {
        let mut st = self.lock();
        st.round = round;
        st.round_start = Some(Instant::now());
        st.cases = cases;
    }

    pub(crate) fn end_round(&self) {
        let mut st = self.lock();
        st.round_start = None;
        st.cases.clear();
    }

    /// The watchdog thread's body: every 100 ms, ends the process if the round under way is hung,
    /// and prints a progress line when one is due; returns once `finished` is set.
    pub(crate) fn run(&self) {
        let mut next_progress = PROGRESS_EVERY;
        loop {
            thread::sleep(Duration::from_millis(100));
            let st = self.lock();
            if st.finished {
                return;
            }
            if let Some(round_start) = st.round_start
                && round_start.elapsed() > ROUND_LIMIT
            {
                eprintln!(
                    "soak: WATCHDOG: round {} did not finish within {ROUND_LIMIT:?} (a hang: lost \
                     wake-up or livelock); state of its queues:",
                    st.round
                );
                for case in &st.cases {
                    eprintln!("soak:   {}", case.describe());
                }
                VIOLATIONS.fetch_add(1, SeqCst);
                summary(self.start);
                process::exit(1);
            }
            drop(st);
            if self.start.elapsed() >= next_progress {
                println!(
                    "soak: progress: {:.0} s, {} operations, {} rounds, {} violations",
                    self.start.elapsed().as_secs_f64(),
                    OPS.load(Relaxed),
                    ROUNDS.load(SeqCst),
                    VIOLATIONS.load(SeqCst)
                );
                next_progress += PROGRESS_EVERY;
            }
        }
    }
}
