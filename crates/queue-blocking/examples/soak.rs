//! Soak test: a randomized mixed workload over every queue kind, in rounds, until the time is up.
//!
//! Each round creates fresh queues: `Queue`, `LifoQueue` and `PriorityQueue`, each bounded (random
//! maxsize 1 to 4) and unbounded, plus a `SimpleQueue`, and runs them all at once. Every queue gets
//! 2 producers and 2 consumers, and each of the six non-simple queues a coordinator: 34 threads per
//! round, most of them blocked in the queues at any moment on a small machine. Producers mix `put`, `put_timeout` and
//! `put_nowait` (short timeouts; after `Full` they retry the returned item or abandon it);
//! consumers mix `get`, `get_timeout` and `get_nowait` and call `task_done` for every item taken.
//! A coordinator per queue polls `join_timeout` while the producers run, then ends the round in
//! one of five ways: `join` then `shutdown` (graceful), `shutdown` once the producers are done
//! (consumers drain), `shutdown` while producers are still putting (early), `shutdown_immediate`
//! once the producers are done, or `shutdown_immediate` while they are still putting. The
//! `SimpleQueue` ends with one sentinel per consumer.
//!
//! Checked all along, every failure counted as a violation and the first ones printed:
//!
//! * conservation: every item accepted by a successful put comes out exactly once, from a get or
//!   from `shutdown_immediate`; no item whose put failed (or was abandoned) ever comes out; each
//!   item carries a heap-allocated tag derived from its identity, verified on the way out;
//! * a failed put returns its own item (same allocation), `Full` only from bounded queues and timed
//!   or non-blocking puts, `ShutDown` only after a shutdown and again on every later put;
//! * no timed put or get reports `Full`/`Empty` before its timeout; untimed calls never do;
//! * order: each consumer sees each producer's items in put order for `Queue` and `SimpleQueue`,
//!   and among equal priorities for `PriorityQueue`; items returned by `shutdown_immediate` are in
//!   the order `get` would have returned them (per producer for FIFO and LIFO, by key for priority);
//! * `qsize() <= maxsize` seen by a producer right after each successful put on a bounded queue;
//! * `task_done` succeeds for every item taken; `join_timeout` returns true only once every put
//!   that finished before the call has been marked done; after a graceful `join`, every item was
//!   processed; at the end `unfinished_tasks() == 0`, the queue is empty and shut down for good.
//!
//! A watchdog ends the process with status 1 if a round runs for more than 60 s (a lost wake-up,
//! a livelock), printing the state of every queue of that round. A progress line appears every
//! 10 s and a summary at the end; the exit status is 1 if any violation was found.
//!
//! Run with `cargo run --release --example soak -- --seconds N` (default 60), or `bash ci/soak.sh`.
//! `--seed S` replays a round sequence's parameters (the thread interleavings differ every run).

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::process;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Scope};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use queue_blocking::{GetError, LifoQueue, PriorityQueue, PutError, Queue, SimpleQueue, TaskDoneError};

const PRODUCERS: usize = 2;
const CONSUMERS: usize = 2;
/// Distinct priorities (items compare by key only, so equal keys exercise the FIFO tie rule).
const KEYS: usize = 4;
/// A round that takes longer than this is a hang.
const ROUND_LIMIT: Duration = Duration::from_secs(60);
const PROGRESS_EVERY: Duration = Duration::from_secs(10);
/// Violations printed in full; later ones are only counted.
const MAX_REPORTED: u64 = 50;

static OPS: AtomicU64 = AtomicU64::new(0);
static VIOLATIONS: AtomicU64 = AtomicU64::new(0);
static ROUNDS: AtomicU64 = AtomicU64::new(0);

fn report(ctx: &str, what: fmt::Arguments<'_>) {
    let n = VIOLATIONS.fetch_add(1, SeqCst) + 1;
    if n <= MAX_REPORTED {
        eprintln!("soak: VIOLATION [{ctx}]: {what}");
    }
    if n == MAX_REPORTED {
        eprintln!("soak: further violations are counted but not printed");
    }
}

macro_rules! violation {
    ($ctx:expr, $($arg:tt)*) => {
        report($ctx, format_args!($($arg)*))
    };
}

/// Counts operations locally and adds them to [`OPS`] in batches.
struct Ops(u64);

impl Ops {
    fn tick(&mut self) {
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

fn mix(mut x: u64) -> u64 {
    // splitmix64's finaliser.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A short timeout for a timed call: usually tens of microseconds, sometimes zero or a few ms.
fn short_timeout(rng: &mut fastrand::Rng) -> Duration {
    match rng.u8(0..8) {
        0 => Duration::ZERO,
        1 => Duration::from_micros(rng.u64(1_000..3_000)),
        _ => Duration::from_micros(rng.u64(1..200)),
    }
}

/// Now and then, pause a little so queues fill up or run dry and threads really block.
fn maybe_pause(rng: &mut fastrand::Rng) {
    match rng.u16(0..512) {
        0 => thread::sleep(Duration::from_micros(rng.u64(0..300))),
        1..=3 => thread::yield_now(),
        _ => {}
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)")
}

// ---------------------------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------------------------

/// A soak item: identified by (producer, seq), compared by `key` only, with a heap-allocated tag
/// derived from its identity so that a corrupted, freed or invented item is noticed.
#[derive(Debug)]
struct Item {
    key: u8,
    producer: u8,
    seq: u32,
    tag: Box<u64>,
}

impl Item {
    fn new(salt: u64, producer: usize, seq: usize) -> Self {
        let tag = Self::tag_for(salt, producer, seq);
        Self { key: (tag % KEYS as u64) as u8, producer: producer as u8, seq: seq as u32, tag: Box::new(tag) }
    }

    fn tag_for(salt: u64, producer: usize, seq: usize) -> u64 {
        mix(salt ^ ((producer as u64) << 40) ^ seq as u64)
    }

    /// The allocation of the tag: tells this very item apart from an equal-looking one.
    fn addr(&self) -> *const u64 {
        &*self.tag
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

// ---------------------------------------------------------------------------------------------
// One interface over Queue, LifoQueue and PriorityQueue
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    Fifo,
    Lifo,
    Priority,
}

trait Bq: Send + Sync + 'static {
    const NAME: &'static str;
    const ORDER: Order;
    fn new(maxsize: usize) -> Self;
    fn put(&self, item: Item) -> Result<(), PutError<Item>>;
    fn put_timeout(&self, item: Item, timeout: Duration) -> Result<(), PutError<Item>>;
    fn put_nowait(&self, item: Item) -> Result<(), PutError<Item>>;
    fn get(&self) -> Result<Item, GetError>;
    fn get_timeout(&self, timeout: Duration) -> Result<Item, GetError>;
    fn get_nowait(&self) -> Result<Item, GetError>;
    fn task_done(&self) -> Result<(), TaskDoneError>;
    fn join_timeout(&self, timeout: Duration) -> bool;
    fn unfinished_tasks(&self) -> usize;
    fn qsize(&self) -> usize;
    fn is_shutdown(&self) -> bool;
    fn shutdown(&self);
    fn shutdown_immediate(&self) -> Vec<Item>;
}

macro_rules! impl_bq {
    ($q:ident, $order:expr) => {
        impl Bq for $q<Item> {
            const NAME: &'static str = stringify!($q);
            const ORDER: Order = $order;
            fn new(maxsize: usize) -> Self {
                $q::new(maxsize)
            }
            fn put(&self, item: Item) -> Result<(), PutError<Item>> {
                $q::put(self, item)
            }
            fn put_timeout(&self, item: Item, timeout: Duration) -> Result<(), PutError<Item>> {
                $q::put_timeout(self, item, timeout)
            }
            fn put_nowait(&self, item: Item) -> Result<(), PutError<Item>> {
                $q::put_nowait(self, item)
            }
            fn get(&self) -> Result<Item, GetError> {
                $q::get(self)
            }
            fn get_timeout(&self, timeout: Duration) -> Result<Item, GetError> {
                $q::get_timeout(self, timeout)
            }
            fn get_nowait(&self) -> Result<Item, GetError> {
                $q::get_nowait(self)
            }
            fn task_done(&self) -> Result<(), TaskDoneError> {
                $q::task_done(self)
            }
            fn join_timeout(&self, timeout: Duration) -> bool {
                $q::join_timeout(self, timeout)
            }
            fn unfinished_tasks(&self) -> usize {
                $q::unfinished_tasks(self)
            }
            fn qsize(&self) -> usize {
                $q::qsize(self)
            }
            fn is_shutdown(&self) -> bool {
                $q::is_shutdown(self)
            }
            fn shutdown(&self) {
                $q::shutdown(self)
            }
            fn shutdown_immediate(&self) -> Vec<Item> {
                $q::shutdown_immediate(self)
            }
        }
    };
}

impl_bq!(Queue, Order::Fifo);
impl_bq!(LifoQueue, Order::Lifo);
impl_bq!(PriorityQueue, Order::Priority);

// ---------------------------------------------------------------------------------------------
// Bookkeeping shared by the threads of one queue
// ---------------------------------------------------------------------------------------------

/// Per-item conservation records and progress counters of one queue in one round.
struct Ledger {
    name: String,
    salt: u64,
    per_producer: usize,
    /// Set by the producer when the put of item `p * per_producer + seq` returned `Ok`.
    accepted: Vec<AtomicBool>,
    /// How many times the item came out (get or `shutdown_immediate`).
    taken: Vec<AtomicU8>,
    accepted_count: AtomicUsize,
    taken_count: AtomicUsize,
    drained_count: AtomicUsize,
    /// Raised by a consumer just before each `task_done`.
    done_count: AtomicUsize,
    producers_left: AtomicUsize,
    consumers_left: AtomicUsize,
}

impl Ledger {
    fn new(name: String, salt: u64, per_producer: usize) -> Self {
        let n = PRODUCERS * per_producer;
        Self {
            name,
            salt,
            per_producer,
            accepted: (0..n).map(|_| AtomicBool::new(false)).collect(),
            taken: (0..n).map(|_| AtomicU8::new(0)).collect(),
            accepted_count: AtomicUsize::new(0),
            taken_count: AtomicUsize::new(0),
            drained_count: AtomicUsize::new(0),
            done_count: AtomicUsize::new(0),
            producers_left: AtomicUsize::new(PRODUCERS),
            consumers_left: AtomicUsize::new(CONSUMERS),
        }
    }

    fn index(&self, producer: usize, seq: usize) -> usize {
        producer * self.per_producer + seq
    }

    fn accept(&self, producer: usize, seq: usize) {
        if self.accepted[self.index(producer, seq)].swap(true, SeqCst) {
            violation!(&self.name, "item {producer}/{seq} accepted twice (soak bug)");
        }
        self.accepted_count.fetch_add(1, SeqCst);
    }

    /// Records that `item` came out via `how`. Returns false (after reporting) if it is not an item
    /// that was ever put, is corrupted, or came out before.
    fn take(&self, item: &Item, how: &str) -> bool {
        let (p, seq) = (item.producer as usize, item.seq as usize);
        if p >= PRODUCERS || seq >= self.per_producer {
            violation!(&self.name, "{how} returned an item that was never put: {p}/{seq}");
            return false;
        }
        let tag = Item::tag_for(self.salt, p, seq);
        if *item.tag != tag || item.key as u64 != tag % KEYS as u64 {
            violation!(
                &self.name,
                "{how} returned a corrupted item {p}/{seq}: {item:?}, tag should be {tag}"
            );
            return false;
        }
        let before = self.taken[self.index(p, seq)].fetch_add(1, SeqCst);
        self.taken_count.fetch_add(1, SeqCst);
        if before != 0 {
            violation!(
                &self.name,
                "{how} returned item {p}/{seq}, which had already come out {before} time(s)"
            );
            return false;
        }
        true
    }

    /// After every thread of the queue has finished: each accepted item came out exactly once and
    /// no other item came out.
    fn check_conservation(&self) {
        let (mut lost, mut phantom, mut dup) = (0usize, 0usize, 0usize);
        let mut examples = Vec::new();
        for (i, (acc, taken)) in self.accepted.iter().zip(&self.taken).enumerate() {
            let (acc, taken) = (acc.load(SeqCst), taken.load(SeqCst));
            let (p, seq) = (i / self.per_producer, i % self.per_producer);
            if acc && taken == 0 {
                lost += 1;
                if examples.len() < 5 {
                    examples.push(format!("{p}/{seq} lost"));
                }
            } else if !acc && taken > 0 {
                phantom += 1;
                if examples.len() < 5 {
                    examples.push(format!("{p}/{seq} came out but its put failed or never happened"));
                }
            } else if taken > 1 {
                dup += 1;
            }
        }
        if lost + phantom + dup > 0 {
            violation!(
                &self.name,
                "conservation: {lost} lost, {phantom} invented, {dup} duplicated (e.g. {})",
                examples.join(", ")
            );
        }
    }

    fn describe_counts(&self) -> String {
        format!(
            "accepted {}, taken {} (drained {}), task_done {}, producers left {}, consumers left {}",
            self.accepted_count.load(SeqCst),
            self.taken_count.load(SeqCst),
            self.drained_count.load(SeqCst),
            self.done_count.load(SeqCst),
            self.producers_left.load(SeqCst),
            self.consumers_left.load(SeqCst),
        )
    }
}

/// Per-consumer order check: the last `seq` seen per (producer, class).
struct OrderCheck {
    order: Order,
    last: [[Option<u32>; KEYS]; PRODUCERS],
}

impl OrderCheck {
    fn new(order: Order) -> Self {
        Self { order, last: [[None; KEYS]; PRODUCERS] }
    }

    /// `item` must have passed [`Ledger::take`] (valid producer and key).
    fn see(&mut self, item: &Item) -> Option<String> {
        let class = match self.order {
            Order::Fifo => 0,
            Order::Priority => item.key as usize,
            Order::Lifo => return None,
        };
        let slot = &mut self.last[item.producer as usize][class];
        if let Some(prev) = *slot
            && item.seq <= prev
        {
            return Some(format!(
                "a consumer got item {}/{} (key {}) after item {}/{prev}: out of put order",
                item.producer, item.seq, item.key, item.producer
            ));
        }
        *slot = Some(item.seq);
        None
    }
}

/// The items `shutdown_immediate` returned must be in `get` order: every put had finished before
/// the drain began, so each pop in it takes the first item in the structure's order.
fn check_drained_order(order: Order, items: &[Item]) -> Option<String> {
    let mut last: [[Option<u32>; KEYS]; PRODUCERS] = [[None; KEYS]; PRODUCERS];
    let mut last_key = None;
    for item in items {
        let (p, k) = (item.producer as usize, item.key as usize);
        if p >= PRODUCERS || k >= KEYS {
            continue; // reported by `Ledger::take`
        }
        let (class, increasing) = match order {
            Order::Fifo => (0, true),
            Order::Lifo => (0, false),
            Order::Priority => (k, true),
        };
        if order == Order::Priority {
            if let Some(prev) = last_key
                && item.key < prev
            {
                return Some(format!("key {} after key {prev}", item.key));
            }
            last_key = Some(item.key);
        }
        if let Some(prev) = last[p][class]
            && (item.seq > prev) != increasing
        {
            return Some(format!("item {p}/{} after item {p}/{prev}", item.seq));
        }
        last[p][class] = Some(item.seq);
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Queue, LifoQueue, PriorityQueue cases
// ---------------------------------------------------------------------------------------------

/// How a case ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Producers finish; `join` (polled with `join_timeout`) must see every item processed; then
    /// `shutdown`.
    Graceful,
    /// Producers finish; `shutdown` at once; consumers drain what is left.
    Drain,
    /// `shutdown` while producers are still putting.
    Early,
    /// Producers finish; `shutdown_immediate` at once, while consumers are still taking.
    Immediate,
    /// `shutdown_immediate` while producers are still putting.
    ImmediateEarly,
}

impl End {
    const ALL: [End; 5] = [End::Graceful, End::Drain, End::Early, End::Immediate, End::ImmediateEarly];

    fn early(self) -> bool {
        matches!(self, End::Early | End::ImmediateEarly)
    }
}

/// What the watchdog may ask about a running case.
trait Describe: Send + Sync {
    fn describe(&self) -> String;
}

struct Case<Q> {
    q: Q,
    maxsize: usize,
    end: End,
    ledger: Ledger,
    /// A thread of this case panicked (already reported); the queue was shut down to release the
    /// others, so later complaints about an early `ShutDown` are expected.
    failed: AtomicBool,
}

impl<Q: Bq> Case<Q> {
    fn new(round: u64, maxsize: usize, rng: &mut fastrand::Rng) -> Self {
        let end = End::ALL[rng.usize(0..End::ALL.len())];
        let per_producer = rng.usize(500..=4_000);
        let name = format!("round {round} {}(maxsize={maxsize}) end={end:?}", Q::NAME);
        Self {
            q: Q::new(maxsize),
            maxsize,
            end,
            ledger: Ledger::new(name, rng.u64(..), per_producer),
            failed: AtomicBool::new(false),
        }
    }

    fn name(&self) -> &str {
        &self.ledger.name
    }

    /// Runs `body` on a named thread of `s`; a panic is reported as a violation and shuts the
    /// queue down so the other threads of the case finish.
    fn spawn<'s>(&'s self, s: &'s Scope<'s, '_>, role: String, body: impl FnOnce() + Send + 's) {
        let thread_name = format!("{}-{role}", Q::NAME);
        thread::Builder::new()
            .name(thread_name)
            .spawn_scoped(s, move || {
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(body)) {
                    violation!(self.name(), "{role} panicked: {}", panic_message(&*payload));
                    self.failed.store(true, SeqCst);
                    self.q.shutdown();
                }
            })
            .expect("spawn a soak thread");
    }

    fn start<'s>(&'s self, s: &'s Scope<'s, '_>, rng: &mut fastrand::Rng) {
        for p in 0..PRODUCERS {
            let seed = rng.u64(..);
            self.spawn(s, format!("producer{p}"), move || {
                self.producer(p, seed);
            });
        }
        for c in 0..CONSUMERS {
            let seed = rng.u64(..);
            self.spawn(s, format!("consumer{c}"), move || {
                self.consumer(seed);
            });
        }
        let seed = rng.u64(..);
        self.spawn(s, "coordinator".to_owned(), move || self.coordinator(seed));
    }

    /// A failed put must give back the very item it was given.
    fn check_returned(&self, back: &Item, p: usize, seq: usize, addr: *const u64, how: &str) {
        if back.addr() != addr || back.producer as usize != p || back.seq as usize != seq {
            violation!(
                self.name(),
                "a put failing with {how} returned {}/{} (tag at {:p}) instead of its own item {p}/{seq} (tag at {addr:p})",
                back.producer,
                back.seq,
                back.addr()
            );
        }
    }

    fn producer(&self, p: usize, seed: u64) {
        struct Done<'a>(&'a Ledger);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.producers_left.fetch_sub(1, SeqCst);
            }
        }
        let l = &self.ledger;
        let _done = Done(l);
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        'items: for seq in 0..l.per_producer {
            let mut item = Item::new(l.salt, p, seq);
            let addr = item.addr();
            loop {
                let how = rng.u8(0..4);
                let timeout = short_timeout(&mut rng);
                let start = Instant::now();
                let result = match how {
                    0 | 1 => self.q.put(item),
                    2 => self.q.put_timeout(item, timeout),
                    _ => self.q.put_nowait(item),
                };
                let elapsed = start.elapsed();
                ops.tick();
                match result {
                    Ok(()) => {
                        l.accept(p, seq);
                        if self.maxsize > 0 {
                            let n = self.q.qsize();
                            if n > self.maxsize {
                                violation!(
                                    self.name(),
                                    "qsize() {n} above maxsize {} after a put",
                                    self.maxsize
                                );
                            }
                        }
                        break;
                    }
                    Err(PutError::Full(back)) => {
                        self.check_returned(&back, p, seq, addr, "Full");
                        if self.maxsize == 0 {
                            violation!(self.name(), "a put on an unbounded queue failed with Full");
                        }
                        match how {
                            0 | 1 => violation!(self.name(), "an untimed put failed with Full"),
                            2 if elapsed < timeout => violation!(
                                self.name(),
                                "put_timeout({timeout:?}) failed with Full after only {elapsed:?}"
                            ),
                            _ => {}
                        }
                        item = back;
                        if rng.u8(0..4) == 0 {
                            // Abandon it: it was never accepted, so it must never come out.
                            continue 'items;
                        }
                        if how == 3 {
                            thread::yield_now();
                        }
                    }
                    Err(PutError::ShutDown(back)) => {
                        self.check_returned(&back, p, seq, addr, "ShutDown");
                        if !self.end.early() && !self.failed.load(SeqCst) {
                            violation!(
                                self.name(),
                                "a put failed with ShutDown before the queue was shut down"
                            );
                        }
                        if !self.q.is_shutdown() {
                            violation!(self.name(), "a put failed with ShutDown but is_shutdown() is false");
                        }
                        // Shutdown is for good: the next put must fail the same way.
                        match self.q.put_nowait(back) {
                            Ok(()) => {
                                violation!(
                                    self.name(),
                                    "a put succeeded after another had failed with ShutDown"
                                );
                                l.accept(p, seq);
                            }
                            Err(PutError::Full(back)) => {
                                self.check_returned(&back, p, seq, addr, "Full");
                                violation!(self.name(), "a put after a ShutDown failed with Full");
                            }
                            Err(PutError::ShutDown(back)) => {
                                self.check_returned(&back, p, seq, addr, "ShutDown")
                            }
                        }
                        ops.tick();
                        return;
                    }
                }
            }
            maybe_pause(&mut rng);
        }
    }

    fn consumer(&self, seed: u64) {
        struct Done<'a>(&'a Ledger);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.consumers_left.fetch_sub(1, SeqCst);
            }
        }
        let l = &self.ledger;
        let _done = Done(l);
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        let mut order = OrderCheck::new(Q::ORDER);
        loop {
            let how = rng.u8(0..4);
            let timeout = short_timeout(&mut rng);
            let start = Instant::now();
            let result = match how {
                0 | 1 => self.q.get(),
                2 => self.q.get_timeout(timeout),
                _ => self.q.get_nowait(),
            };
            let elapsed = start.elapsed();
            ops.tick();
            match result {
                Ok(item) => {
                    if l.take(&item, "get")
                        && let Some(msg) = order.see(&item)
                    {
                        violation!(self.name(), "{msg}");
                    }
                    l.done_count.fetch_add(1, SeqCst);
                    if self.q.task_done().is_err() {
                        violation!(self.name(), "task_done failed for an item just taken");
                    }
                    ops.tick();
                    drop(item);
                    maybe_pause(&mut rng);
                }
                Err(GetError::Empty) => match how {
                    0 | 1 => violation!(self.name(), "an untimed get failed with Empty"),
                    2 if elapsed < timeout => violation!(
                        self.name(),
                        "get_timeout({timeout:?}) failed with Empty after only {elapsed:?}"
                    ),
                    3 => thread::yield_now(),
                    _ => {}
                },
                Err(GetError::ShutDown) => {
                    if !self.q.is_shutdown() {
                        violation!(self.name(), "a get failed with ShutDown but is_shutdown() is false");
                    }
                    // Shut down and empty is for good.
                    if let Ok(item) = self.q.get_nowait() {
                        violation!(
                            self.name(),
                            "get_nowait returned an item after a get failed with ShutDown"
                        );
                        l.take(&item, "get after ShutDown");
                        l.done_count.fetch_add(1, SeqCst);
                        let _ = self.q.task_done();
                    }
                    return;
                }
            }
        }
    }

    fn coordinator(&self, seed: u64) {
        let l = &self.ledger;
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        let early_end = self.end.early().then(|| Instant::now() + Duration::from_micros(rng.u64(0..15_000)));
        // The joiner: short `join_timeout`s while the producers run.
        while l.producers_left.load(SeqCst) > 0 && early_end.is_none_or(|t| Instant::now() < t) {
            let accepted_before = l.accepted_count.load(SeqCst);
            let all_done = self.q.join_timeout(Duration::from_micros(rng.u64(0..2_000)));
            ops.tick();
            if all_done {
                let done = l.done_count.load(SeqCst);
                if done < accepted_before {
                    violation!(
                        self.name(),
                        "join_timeout returned true with {accepted_before} puts finished before the \
                         call but only {done} task_done calls"
                    );
                }
                // Nothing to wait for right now: do not spin on a `join` that returns at once.
                thread::sleep(Duration::from_micros(rng.u64(50..500)));
            }
        }
        match self.end {
            End::Graceful => {
                // Every producer is done: `join` must come true once consumers catch up (the
                // watchdog reports it if it never does).
                while !self.q.join_timeout(Duration::from_millis(20)) {
                    ops.tick();
                    if self.failed.load(SeqCst) {
                        return; // a thread panicked (reported); the queue is already shut down
                    }
                }
                ops.tick();
                let (accepted, done) = (l.accepted_count.load(SeqCst), l.done_count.load(SeqCst));
                if done != accepted {
                    violation!(self.name(), "join returned with {done} of {accepted} items processed");
                }
                if self.q.qsize() != 0 {
                    violation!(self.name(), "join returned with qsize() {}", self.q.qsize());
                }
                self.q.shutdown();
            }
            End::Drain | End::Early => self.q.shutdown(),
            End::Immediate | End::ImmediateEarly => {
                let drained = self.q.shutdown_immediate();
                if !self.q.is_shutdown() {
                    violation!(self.name(), "is_shutdown() false after shutdown_immediate");
                }
                if let Some(msg) = check_drained_order(Q::ORDER, &drained) {
                    violation!(self.name(), "shutdown_immediate returned items out of order: {msg}");
                }
                l.drained_count.fetch_add(drained.len(), SeqCst);
                for item in &drained {
                    l.take(item, "shutdown_immediate");
                }
            }
        }
        ops.tick();
    }

    /// After every thread of the case has finished.
    fn finish(&self) {
        let l = &self.ledger;
        loop {
            match self.q.get_nowait() {
                Ok(item) => {
                    violation!(
                        self.name(),
                        "an item was left in the queue after every consumer saw ShutDown"
                    );
                    l.take(&item, "final get_nowait");
                    let _ = self.q.task_done();
                }
                Err(GetError::ShutDown) => break,
                Err(GetError::Empty) => {
                    violation!(self.name(), "get_nowait on a shut-down, drained queue failed with Empty");
                    break;
                }
            }
        }
        let extra = Item::new(0, 0, 0);
        let addr = extra.addr();
        match self.q.put_nowait(extra) {
            Err(PutError::ShutDown(back)) if back.addr() == addr => {}
            Err(PutError::ShutDown(_)) => {
                violation!(self.name(), "a put after shutdown returned another item")
            }
            Err(PutError::Full(_)) => violation!(self.name(), "a put after shutdown failed with Full"),
            Ok(()) => violation!(self.name(), "a put after shutdown succeeded"),
        }
        if self.q.qsize() != 0 {
            violation!(self.name(), "qsize() {} at the end", self.q.qsize());
        }
        let unfinished = self.q.unfinished_tasks();
        if unfinished != 0 {
            violation!(
                self.name(),
                "unfinished_tasks() {unfinished} at the end although every item taken got task_done \
                 ({})",
                l.describe_counts()
            );
        }
        if !self.q.join_timeout(Duration::ZERO) {
            violation!(self.name(), "join_timeout(0) false at the end");
        }
        l.check_conservation();
    }
}

impl<Q: Bq> Describe for Case<Q> {
    fn describe(&self) -> String {
        format!(
            "{}: qsize {}, unfinished_tasks {}, is_shutdown {}; {}",
            self.name(),
            self.q.qsize(),
            self.q.unfinished_tasks(),
            self.q.is_shutdown(),
            self.ledger.describe_counts()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// SimpleQueue case
// ---------------------------------------------------------------------------------------------

/// `SimpleQueue`: puts never fail; after the producers finish, one `None` sentinel per consumer.
struct SimpleCase {
    q: SimpleQueue<Option<Item>>,
    ledger: Ledger,
}

impl SimpleCase {
    fn new(round: u64, rng: &mut fastrand::Rng) -> Self {
        let per_producer = rng.usize(500..=4_000);
        let name = format!("round {round} SimpleQueue");
        Self { q: SimpleQueue::new(), ledger: Ledger::new(name, rng.u64(..), per_producer) }
    }

    fn spawn<'s>(&'s self, s: &'s Scope<'s, '_>, role: String, body: impl FnOnce() + Send + 's) {
        thread::Builder::new()
            .name(format!("SimpleQueue-{role}"))
            .spawn_scoped(s, move || {
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(body)) {
                    violation!(&self.ledger.name, "{role} panicked: {}", panic_message(&*payload));
                    // Release the consumers.
                    for _ in 0..CONSUMERS {
                        self.q.put(None);
                    }
                }
            })
            .expect("spawn a soak thread");
    }

    fn start<'s>(&'s self, s: &'s Scope<'s, '_>, rng: &mut fastrand::Rng) {
        for p in 0..PRODUCERS {
            let seed = rng.u64(..);
            self.spawn(s, format!("producer{p}"), move || self.producer(p, seed));
        }
        for c in 0..CONSUMERS {
            let seed = rng.u64(..);
            self.spawn(s, format!("consumer{c}"), move || self.consumer(seed));
        }
    }

    fn producer(&self, p: usize, seed: u64) {
        let l = &self.ledger;
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        for seq in 0..l.per_producer {
            let item = Item::new(l.salt, p, seq);
            if rng.bool() {
                self.q.put(Some(item));
            } else {
                self.q.put_nowait(Some(item));
            }
            ops.tick();
            l.accept(p, seq);
            maybe_pause(&mut rng);
        }
        // The last producer to finish puts the sentinels, after every item: consumers stop at them
        // with nothing left behind (FIFO).
        if l.producers_left.fetch_sub(1, SeqCst) == 1 {
            for _ in 0..CONSUMERS {
                self.q.put(None);
                ops.tick();
            }
        }
    }

    fn consumer(&self, seed: u64) {
        let l = &self.ledger;
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ops = Ops(0);
        let mut order = OrderCheck::new(Order::Fifo);
        loop {
            let how = rng.u8(0..4);
            let timeout = short_timeout(&mut rng);
            let start = Instant::now();
            let result = match how {
                0 | 1 => Ok(self.q.get()),
                2 => self.q.get_timeout(timeout),
                _ => self.q.get_nowait(),
            };
            let elapsed = start.elapsed();
            ops.tick();
            match result {
                Ok(Some(item)) => {
                    if l.take(&item, "get")
                        && let Some(msg) = order.see(&item)
                    {
                        violation!(&l.name, "{msg}");
                    }
                    maybe_pause(&mut rng);
                }
                Ok(None) => break,
                Err(GetError::Empty) => match how {
                    2 if elapsed < timeout => violation!(
                        &l.name,
                        "get_timeout({timeout:?}) failed with Empty after only {elapsed:?}"
                    ),
                    3 => thread::yield_now(),
                    _ => {}
                },
                Err(GetError::ShutDown) => violation!(&l.name, "a SimpleQueue get failed with ShutDown"),
            }
        }
        l.consumers_left.fetch_sub(1, SeqCst);
    }

    fn finish(&self) {
        let l = &self.ledger;
        while let Ok(left) = self.q.get_nowait() {
            match left {
                Some(item) => {
                    violation!(&l.name, "item {}/{} was left behind the sentinels", item.producer, item.seq);
                    l.take(&item, "final get_nowait");
                }
                None => violation!(&l.name, "a sentinel was left in the queue"),
            }
        }
        if self.q.qsize() != 0 {
            violation!(&l.name, "qsize() {} at the end", self.q.qsize());
        }
        l.check_conservation();
    }
}

impl Describe for SimpleCase {
    fn describe(&self) -> String {
        format!("{}: qsize {}; {}", self.ledger.name, self.q.qsize(), self.ledger.describe_counts())
    }
}

// ---------------------------------------------------------------------------------------------
// Rounds, progress and the watchdog
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct MonitorState {
    round: u64,
    round_start: Option<Instant>,
    cases: Vec<Arc<dyn Describe>>,
    finished: bool,
}

struct Monitor {
    start: Instant,
    state: Mutex<MonitorState>,
}

impl Monitor {
    fn lock(&self) -> std::sync::MutexGuard<'_, MonitorState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn begin_round(&self, round: u64, cases: Vec<Arc<dyn Describe>>) {
        let mut st = self.lock();
        st.round = round;
        st.round_start = Some(Instant::now());
        st.cases = cases;
    }

    fn end_round(&self) {
        let mut st = self.lock();
        st.round_start = None;
        st.cases.clear();
    }

    fn run(&self) {
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

fn summary(start: Instant) {
    println!(
        "soak: {} operations, {} rounds, {} violations in {:.1} s",
        OPS.load(Relaxed),
        ROUNDS.load(SeqCst),
        VIOLATIONS.load(SeqCst),
        start.elapsed().as_secs_f64()
    );
}

fn round(round: u64, rng: &mut fastrand::Rng, monitor: &Monitor) {
    let fifo_b = Arc::new(Case::<Queue<Item>>::new(round, rng.usize(1..=4), rng));
    let fifo_u = Arc::new(Case::<Queue<Item>>::new(round, 0, rng));
    let lifo_b = Arc::new(Case::<LifoQueue<Item>>::new(round, rng.usize(1..=4), rng));
    let lifo_u = Arc::new(Case::<LifoQueue<Item>>::new(round, 0, rng));
    let prio_b = Arc::new(Case::<PriorityQueue<Item>>::new(round, rng.usize(1..=4), rng));
    let prio_u = Arc::new(Case::<PriorityQueue<Item>>::new(round, 0, rng));
    let simple = Arc::new(SimpleCase::new(round, rng));
    monitor.begin_round(
        round,
        vec![
            fifo_b.clone(),
            fifo_u.clone(),
            lifo_b.clone(),
            lifo_u.clone(),
            prio_b.clone(),
            prio_u.clone(),
            simple.clone(),
        ],
    );
    thread::scope(|s| {
        fifo_b.start(s, rng);
        fifo_u.start(s, rng);
        lifo_b.start(s, rng);
        lifo_u.start(s, rng);
        prio_b.start(s, rng);
        prio_u.start(s, rng);
        simple.start(s, rng);
    });
    fifo_b.finish();
    fifo_u.finish();
    lifo_b.finish();
    lifo_u.finish();
    prio_b.finish();
    prio_u.finish();
    simple.finish();
    monitor.end_round();
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

struct Args {
    seconds: u64,
    seed: Option<u64>,
}

const USAGE: &str = "usage: soak [--seconds N] [--seed S]\n  \
    --seconds N  run rounds until N seconds have passed (default 60; at least one round runs)\n  \
    --seed S     seed the round parameters (default: from the clock; printed at start)";

fn parse_args() -> Args {
    fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> T {
        match v.as_deref().map(str::parse) {
            Some(Ok(v)) => v,
            _ => {
                eprintln!("soak: {flag} needs a non-negative integer\n{USAGE}");
                process::exit(2);
            }
        }
    }
    let mut args = Args { seconds: 60, seed: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        match flag.as_str() {
            "--seconds" => args.seconds = value(&flag, inline.or_else(|| it.next())),
            "--seed" => args.seed = Some(value(&flag, inline.or_else(|| it.next()))),
            "-h" | "--help" => {
                println!("{USAGE}");
                process::exit(0);
            }
            _ => {
                eprintln!("soak: unknown argument `{arg}`\n{USAGE}");
                process::exit(2);
            }
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let seed = args.seed.unwrap_or_else(|| {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        mix(nanos ^ u64::from(process::id()))
    });
    println!(
        "soak: {} s, seed {seed}; each round: Queue, LifoQueue, PriorityQueue (bounded and unbounded) \
         and SimpleQueue, {PRODUCERS} producers and {CONSUMERS} consumers each",
        args.seconds
    );
    let monitor = Arc::new(Monitor { start: Instant::now(), state: Mutex::default() });
    let watchdog = {
        let monitor = Arc::clone(&monitor);
        thread::Builder::new()
            .name("soak-watchdog".to_owned())
            .spawn(move || monitor.run())
            .expect("spawn the watchdog")
    };
    let limit = Duration::from_secs(args.seconds);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut r = 0;
    loop {
        r += 1;
        round(r, &mut rng, &monitor);
        ROUNDS.store(r, SeqCst);
        if monitor.start.elapsed() >= limit {
            break;
        }
    }
    monitor.lock().finished = true;
    watchdog.join().expect("the watchdog panicked");
    summary(monitor.start);
    if VIOLATIONS.load(SeqCst) > 0 {
        process::exit(1);
    }
}
