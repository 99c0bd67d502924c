//! Every contender behind one pair of traits, so a workload is written once and monomorphised
//! for each: no dynamic dispatch in a timed loop, and no contender gets a different harness.
//!
//! A contender is a [`Channel`]: it makes a sending and a receiving end, optionally bounded.
//! Blocking contenders block in `send` when full and in `recv` when empty. The lock-free core
//! structures and crossbeam-queue have no blocking, so their ends spin (with `Backoff`) instead;
//! they are compared only with each other.

use std::collections::{BinaryHeap, VecDeque};
use std::marker::PhantomData;
use std::sync::{Arc, Condvar, Mutex, mpsc};

use crossbeam_queue::{ArrayQueue, SegQueue};
use crossbeam_skiplist::SkipSet;
use crossbeam_utils::Backoff;
use queue_blocking::{BlockingQueue, Container as OurContainer, RawQueue};
use queue_core::{MsQueue, SegmentedQueue, SkipListPq, TreiberStack};

/// The sending end of a contender.
pub trait Sink: Clone + Send + 'static {
    /// Sends `v`, blocking (or spinning) while the contender is full.
    fn send(&self, v: u64);
}

/// The receiving end of a contender.
pub trait Source: Send + 'static {
    /// Receives one value, blocking (or spinning) while the contender is empty.
    fn recv(&self) -> u64;
    /// Another receiving end, or `None` when the contender has a single consumer (std's mpsc).
    fn try_clone(&self) -> Option<Self>
    where
        Self: Sized;
}

/// A contender: something that can be made into a pair of ends.
pub trait Channel {
    /// The name printed in tables and charts.
    const NAME: &'static str;
    /// Sending end.
    type Tx: Sink;
    /// Receiving end.
    type Rx: Source;
    /// Makes a pair with room for `capacity` items (`None`: unbounded), or `None` when this
    /// contender cannot take that capacity (for example an unbounded `SegQueue` asked for 64).
    fn make(capacity: Option<usize>) -> Option<(Self::Tx, Self::Rx)>;
}

// ---------------------------------------------------------------------------------------------
// Ours: the blocking crate.

/// One of our queues: `BlockingQueue` over the container `C`, named after its alias.
#[derive(Debug)]
pub struct Ours<C>(PhantomData<C>);

/// `queue_blocking::Queue`.
pub type OurQueue = Ours<SegmentedQueue<u64>>;
/// `queue_blocking::LifoQueue`.
pub type OurLifo = Ours<TreiberStack<u64>>;
/// `queue_blocking::PriorityQueue`.
pub type OurPriority = Ours<SkipListPq<u64>>;

impl<C: OurContainer<u64, Engine: Send + Sync> + RawQueue<u64> + 'static> Sink
    for Arc<BlockingQueue<u64, C>>
{
    fn send(&self, v: u64) {
        self.put(v).expect("benchmarks never shut the queue down");
    }
}

impl<C: OurContainer<u64, Engine: Send + Sync> + RawQueue<u64> + 'static> Source
    for Arc<BlockingQueue<u64, C>>
{
    fn recv(&self) -> u64 {
        self.get().expect("benchmarks never shut the queue down")
    }
    fn try_clone(&self) -> Option<Self> {
        Some(Arc::clone(self))
    }
}

impl<C: OurContainer<u64, Engine: Send + Sync> + RawQueue<u64> + 'static> Channel for Ours<C> {
    const NAME: &'static str = C::NAME;
    type Tx = Arc<BlockingQueue<u64, C>>;
    type Rx = Arc<BlockingQueue<u64, C>>;
    fn make(capacity: Option<usize>) -> Option<(Self::Tx, Self::Rx)> {
        let q = Arc::new(BlockingQueue::new(capacity.unwrap_or(0)));
        Some((Arc::clone(&q), q))
    }
}

/// `queue_blocking::SimpleQueue` (unbounded only).
#[derive(Debug)]
pub struct OurSimple;

impl Sink for Arc<queue_blocking::SimpleQueue<u64>> {
    fn send(&self, v: u64) {
        self.put(v);
    }
}

impl Source for Arc<queue_blocking::SimpleQueue<u64>> {
    fn recv(&self) -> u64 {
        self.get()
    }
    fn try_clone(&self) -> Option<Self> {
        Some(Arc::clone(self))
    }
}

impl Channel for OurSimple {
    const NAME: &'static str = "SimpleQueue";
    type Tx = Arc<queue_blocking::SimpleQueue<u64>>;
    type Rx = Arc<queue_blocking::SimpleQueue<u64>>;
    fn make(capacity: Option<usize>) -> Option<(Self::Tx, Self::Rx)> {
        let q = Arc::new(queue_blocking::SimpleQueue::new());
        capacity.is_none().then(|| (Arc::clone(&q), q))
    }
}

// ---------------------------------------------------------------------------------------------
// Channel peers.

/// crossbeam-channel, flume and kanal have the same shape: cloneable ends,
/// `bounded(n)`/`unbounded()`.
macro_rules! mpmc_channel_peer {
    ($marker:ident, $krate:ident, $name:literal) => {
        #[doc = concat!($name, ", `bounded(n)` or `unbounded()`.")]
        #[derive(Debug)]
        pub struct $marker;

        impl Sink for $krate::Sender<u64> {
            fn send(&self, v: u64) {
                $krate::Sender::send(self, v).expect("receiver alive");
            }
        }

        impl Source for $krate::Receiver<u64> {
            fn recv(&self) -> u64 {
                $krate::Receiver::recv(self).expect("sender alive")
            }
            fn try_clone(&self) -> Option<Self> {
                Some(self.clone())
            }
        }

        impl Channel for $marker {
            const NAME: &'static str = $name;
            type Tx = $krate::Sender<u64>;
            type Rx = $krate::Receiver<u64>;
            fn make(capacity: Option<usize>) -> Option<(Self::Tx, Self::Rx)> {
                Some(capacity.map_or_else($krate::unbounded, $krate::bounded))
            }
        }
    };
}

mpmc_channel_peer!(CrossbeamChannel, crossbeam_channel, "crossbeam-channel");
mpmc_channel_peer!(Flume, flume, "flume");
mpmc_channel_peer!(Kanal, kanal, "kanal");

/// `std::sync::mpsc`: `channel()` or `sync_channel(n)`. One consumer only.
#[derive(Debug)]
pub struct StdMpsc;

/// Either kind of std sender.
#[derive(Debug, Clone)]
pub enum StdSender {
    /// From `channel()`.
    Unbounded(mpsc::Sender<u64>),
    /// From `sync_channel(n)`.
    Bounded(mpsc::SyncSender<u64>),
}

impl Sink for StdSender {
    fn send(&self, v: u64) {
        match self {
            StdSender::Unbounded(tx) => tx.send(v),
            StdSender::Bounded(tx) => tx.send(v),
        }
        .expect("receiver alive");
    }
}

impl Source for mpsc::Receiver<u64> {
    fn recv(&self) -> u64 {
        mpsc::Receiver::recv(self).expect("sender alive")
    }
    fn try_clone(&self) -> Option<Self> {
        None
    }
}

impl Channel for StdMpsc {
    const NAME: &'static str = "std mpsc";
    type Tx = StdSender;
    type Rx = mpsc::Receiver<u64>;
    fn make(capacity: Option<usize>) -> Option<(Self::Tx, Self::Rx)> {
        Some(match capacity {
            None => {
                let (tx, rx) = mpsc::channel();
                (StdSender::Unbounded(tx), rx)
            }
            Some(n) => {
                let (tx, rx) = mpsc::sync_channel(n);
                (StdSender::Bounded(tx), rx)
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Python's own design: one mutex, two condition variables, a container.

/// The container under a [`CondvarQueue`]: which end `take` serves decides the discipline.
pub trait Container: Default + Send + 'static {
    /// Adds one value.
    fn add(&mut self, v: u64);
    /// Removes the next value by this container's discipline.
    fn take(&mut self) -> Option<u64>;
    /// Number of values held.
    fn count(&self) -> usize;
}

impl Container for VecDeque<u64> {
    fn add(&mut self, v: u64) {
        self.push_back(v);
    }
    fn take(&mut self) -> Option<u64> {
        self.pop_front()
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl Container for Vec<u64> {
    fn add(&mut self, v: u64) {
        self.push(v);
    }
    fn take(&mut self) -> Option<u64> {
        self.pop()
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// A min-heap, like `PriorityQueue` (smallest first).
#[derive(Debug, Default)]
pub struct MinHeap(BinaryHeap<std::cmp::Reverse<u64>>);

impl Container for MinHeap {
    fn add(&mut self, v: u64) {
        self.0.push(std::cmp::Reverse(v));
    }
    fn take(&mut self) -> Option<u64> {
        self.0.pop().map(|r| r.0)
    }
    fn count(&self) -> usize {
        self.0.len()
    }
}

/// CPython's `queue.Queue` transcribed: a mutex around the container and the unfinished-task
/// count, `not_empty`, `not_full` and `all_tasks_done` condition variables, one notify per put and
/// get. Like CPython's `threading.Condition`, a notify with nobody waiting does nothing: the
/// waiting threads are counted under the mutex (std's `Condvar::notify_one` would otherwise make a
/// `FUTEX_WAKE` system call on every put, which made this peer 5-10x slower than CPython's design
/// deserves). `stop` plays the role of `shutdown` for the worker-pool benchmark.
#[derive(Debug, Default)]
pub struct CondvarQueue<C> {
    state: Mutex<CondvarState<C>>,
    not_empty: Condvar,
    not_full: Condvar,
    all_tasks_done: Condvar,
    capacity: usize,
}

#[derive(Debug, Default)]
struct CondvarState<C> {
    items: C,
    unfinished: usize,
    stopped: bool,
    getters: usize,
    putters: usize,
    joiners: usize,
}

impl<C: Container> CondvarQueue<C> {
    /// A queue holding at most `capacity` values (0: unbounded, as in Python).
    pub fn new(capacity: usize) -> Self {
        CondvarQueue {
            state: Mutex::default(),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_tasks_done: Condvar::new(),
            capacity,
        }
    }

    /// Python's `put`.
    pub fn put(&self, v: u64) {
        let mut s = self.state.lock().unwrap();
        while self.capacity > 0 && s.items.count() >= self.capacity {
            s.putters += 1;
            s = self.not_full.wait(s).unwrap();
            s.putters -= 1;
        }
        s.items.add(v);
        s.unfinished += 1;
        if s.getters > 0 {
            self.not_empty.notify_one();
        }
    }

    /// Python's `get`, or `None` once stopped and empty.
    pub fn get(&self) -> Option<u64> {
        let mut s = self.state.lock().unwrap();
        loop {
            if let Some(v) = s.items.take() {
                if s.putters > 0 {
                    self.not_full.notify_one();
                }
                return Some(v);
            }
            if s.stopped {
                return None;
            }
            s.getters += 1;
            s = self.not_empty.wait(s).unwrap();
            s.getters -= 1;
        }
    }

    /// Python's `task_done`.
    pub fn task_done(&self) {
        let mut s = self.state.lock().unwrap();
        s.unfinished -= 1;
        if s.unfinished == 0 && s.joiners > 0 {
            self.all_tasks_done.notify_all();
        }
    }

    /// Python's `join`.
    pub fn join(&self) {
        let mut s = self.state.lock().unwrap();
        while s.unfinished > 0 {
            s.joiners += 1;
            s = self.all_tasks_done.wait(s).unwrap();
            s.joiners -= 1;
        }
    }

    /// Wakes every blocked `get`, which then returns `None` once the queue is empty.
    pub fn stop(&self) {
        self.state.lock().unwrap().stopped = true;
        self.not_empty.notify_all();
    }
}

impl<C: Container> Sink for Arc<CondvarQueue<C>> {
    fn send(&self, v: u64) {
        self.put(v);
    }
}

impl<C: Container> Source for Arc<CondvarQueue<C>> {
    fn recv(&self) -> u64 {
        self.get().expect("benchmarks never stop a sending queue")
    }
    fn try_clone(&self) -> Option<Self> {
        Some(Arc::clone(self))
    }
}

macro_rules! condvar_peer {
    ($marker:ident, $container:ty, $name:literal) => {
        #[doc = concat!("`", $name, "` (Python's design).")]
        #[derive(Debug)]
        pub struct $marker;

        impl Channel for $marker {
            const NAME: &'static str = $name;
            type Tx = Arc<CondvarQueue<$container>>;
            type Rx = Arc<CondvarQueue<$container>>;
            fn make(capacity: Option<usize>) -> Option<(Self::Tx, Self::Rx)> {
                let q = Arc::new(CondvarQueue::new(capacity.unwrap_or(0)));
                Some((Arc::clone(&q), q))
            }
        }
    };
}

condvar_peer!(MutexDeque, VecDeque<u64>, "Mutex<VecDeque>+Condvar");
condvar_peer!(MutexStack, Vec<u64>, "Mutex<Vec>+Condvar");
condvar_peer!(MutexHeap, MinHeap, "Mutex<BinaryHeap>+Condvar");

// ---------------------------------------------------------------------------------------------
// Non-blocking structures: the ends spin.

/// A non-blocking structure shared by both ends; `send`/`recv` retry with `Backoff`.
#[derive(Debug)]
pub struct Spin<Q>(pub Arc<Q>);

impl<Q> Clone for Spin<Q> {
    fn clone(&self) -> Self {
        Spin(Arc::clone(&self.0))
    }
}

/// Push and pop that may fail (full or empty) instead of blocking.
pub trait TryQueue: Send + Sync + 'static {
    /// Pushes, or gives the value back when full.
    fn try_push(&self, v: u64) -> Result<(), u64>;
    /// Pops, or `None` when empty.
    fn try_pop(&self) -> Option<u64>;
}

impl<Q: TryQueue> Sink for Spin<Q> {
    fn send(&self, mut v: u64) {
        let backoff = Backoff::new();
        while let Err(back) = self.0.try_push(v) {
            v = back;
            backoff.snooze();
        }
    }
}

impl<Q: TryQueue> Source for Spin<Q> {
    fn recv(&self) -> u64 {
        let backoff = Backoff::new();
        loop {
            if let Some(v) = self.0.try_pop() {
                return v;
            }
            backoff.snooze();
        }
    }
    fn try_clone(&self) -> Option<Self> {
        Some(self.clone())
    }
}

macro_rules! unbounded_try_queue {
    ($ty:ty, $push:ident, $pop:ident) => {
        impl TryQueue for $ty {
            fn try_push(&self, v: u64) -> Result<(), u64> {
                self.$push(v);
                Ok(())
            }
            fn try_pop(&self) -> Option<u64> {
                self.$pop()
            }
        }
    };
}

unbounded_try_queue!(MsQueue<u64>, push, pop);
unbounded_try_queue!(TreiberStack<u64>, push, pop);
unbounded_try_queue!(SkipListPq<u64>, push, pop);
unbounded_try_queue!(SegQueue<u64>, push, pop);

impl TryQueue for ArrayQueue<u64> {
    fn try_push(&self, v: u64) -> Result<(), u64> {
        self.push(v)
    }
    fn try_pop(&self) -> Option<u64> {
        self.pop()
    }
}

/// crossbeam-skiplist's `SkipSet` used as a priority queue (values must be distinct: the
/// workloads send distinct values).
impl TryQueue for SkipSet<u64> {
    fn try_push(&self, v: u64) -> Result<(), u64> {
        self.insert(v);
        Ok(())
    }
    fn try_pop(&self) -> Option<u64> {
        self.pop_front().map(|e| *e.value())
    }
}

macro_rules! spin_peer {
    ($marker:ident, $ty:ty, $name:literal, |$cap:ident| $make:expr) => {
        #[doc = concat!("`", $name, "`, spinning ends.")]
        #[derive(Debug)]
        pub struct $marker;

        impl Channel for $marker {
            const NAME: &'static str = $name;
            type Tx = Spin<$ty>;
            type Rx = Spin<$ty>;
            fn make($cap: Option<usize>) -> Option<(Self::Tx, Self::Rx)> {
                let q: Option<$ty> = $make;
                q.map(|q| {
                    let q = Arc::new(q);
                    (Spin(Arc::clone(&q)), Spin(q))
                })
            }
        }
    };
}

spin_peer!(CoreMsQueue, MsQueue<u64>, "MsQueue", |c| c.is_none().then(MsQueue::new));
spin_peer!(CoreTreiber, TreiberStack<u64>, "TreiberStack", |c| c.is_none().then(TreiberStack::new));
spin_peer!(CoreSkipList, SkipListPq<u64>, "SkipListPq", |c| c.is_none().then(SkipListPq::new));
spin_peer!(SegQueuePeer, SegQueue<u64>, "SegQueue", |c| c.is_none().then(SegQueue::new));
spin_peer!(ArrayQueuePeer, ArrayQueue<u64>, "ArrayQueue", |c| c.map(ArrayQueue::new));
spin_peer!(SkipSetPeer, SkipSet<u64>, "SkipSet", |c| c.is_none().then(SkipSet::new));
