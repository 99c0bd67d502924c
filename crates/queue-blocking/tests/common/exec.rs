//! A minimal executor for the async tests: `block_on` parks the thread until its waker fires,
//! and `Probe` is a waker that counts its wake-ups, for polling a future by hand.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Counts wake-ups and unparks the thread that made it.
pub struct Probe {
    wakes: AtomicUsize,
    thread: Thread,
}

impl Probe {
    pub fn new() -> Arc<Self> {
        Arc::new(Self { wakes: AtomicUsize::new(0), thread: thread::current() })
    }

    pub fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }

    pub fn waker(self: &Arc<Self>) -> Waker {
        Waker::from(self.clone())
    }
}

impl Wake for Probe {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
        self.thread.unpark();
    }
}

/// Polls `fut` once with `probe`'s waker.
pub fn poll_once<F: Future + Unpin>(fut: &mut F, probe: &Arc<Probe>) -> Poll<F::Output> {
    let waker = probe.waker();
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// Runs `fut` to completion on this thread, parking between polls.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let probe = Probe::new();
    let waker = probe.waker();
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let mut seen = 0;
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        // Park until a wake-up we have not consumed (unpark tokens may also be spurious).
        while probe.wakes() == seen {
            thread::park();
        }
        seen = probe.wakes();
    }
}
