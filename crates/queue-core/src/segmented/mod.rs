//! A segmented FIFO: a Michael–Scott-linked list of fixed arrays of slots, claimed by two
//! monotonic positions.
//!
//! # Algorithm, and why this one
//!
//! Every item has a position `p = 0, 1, 2, …`; position `p` lives in slot `p % SEGMENT_SIZE` of
//! the `p / SEGMENT_SIZE`-th segment. The `tail` word holds the next position to write and the
//! `head` word the next position to read. A producer claims a position with one CAS on `tail`,
//! writes the item and marks the slot `WRITTEN`; a consumer claims one with one CAS on `head`,
//! waits for `WRITTEN`, moves the item out and marks the slot `READ`. This is the slot protocol of
//! crossbeam's list channel and of concurrent-queue, which claim by CAS on indices.
//!
//! The claim is a CAS, not a fetch-and-add as in FAAArrayQueue, LPRQ or SCQ, because the claim
//! is where the blocking layer puts its two checks: the capacity bound (`try_push` fails when
//! `tail - head` has reached it) and the close mark (a bit in the `tail` word). A fetch-and-add
//! overshoots both and must then undo or poison positions, which costs consumers an RMW per slot
//! to skip them. With CAS a put and a get cost one RMW each on the shared words, and the bound and
//! the close mark are exact. On the 2-core machines we measure on, CAS retries are rare
//! (docs/performance.md).
//!
//! The producer that claims the last slot of a segment installs the next one before it writes its
//! item: it sets `INSTALLING` in `tail` with its claim, links a new (or recycled) segment after the
//! current one, points `tail`'s segment at it and clears the bit. Other producers wait while the
//! bit is set, which lasts a few instructions (plus an allocation when no spare segment is ready).
//! The consumer that claims the last slot does the same for `head`: it waits for the link, moves
//! `head`'s segment on, then clears `head`'s bit.
//!
//! # Reclamation without an epoch
//!
//! No thread dereferences a segment before a successful claim of a position in it, and the claim
//! proves that segment is still alive: a segment is reclaimed only when every one of its slots is
//! `READ`, and a claimed position's slot is not `READ` until its consumer is done with it. So a
//! segment needs no epoch pin: consumers of the last slot of a segment run [`reclaim`], which,
//! under a try-lock, walks from the oldest live segment and retires each one whose slots are all
//! `READ`.
//!
//! # Memory policy
//!
//! A retired segment is kept on a free list (free_list.rs) and the next installer takes it instead
//! of allocating; a segment is allocated only when the list is empty. So neither a steady stream
//! nor a fill–drain–fill cycle allocates after its first fill, and no drain hands memory back to
//! the allocator (which would return it to the kernel and make the next fill fault it in again).
//! Kept are as many segments as the queue's deepest fill needed (its high-water mark in items,
//! divided by `SEGMENT_SIZE`, plus two); a retired segment beyond that is freed, so a consumer
//! stalled between claim and read, which makes a stream allocate behind it, inflates nothing for
//! good. [`shrink_to_fit`](SegmentedQueue::shrink_to_fit) frees the kept segments of a queue that
//! was once deep; dropping the queue frees everything.
//!
//! # Invariants
//!
//! 1. `head_pos <= tail_pos` (a consumer claims only positions below a `tail` it read, and both
//!    only grow); the queue holds positions `head_pos..tail_pos`.
//! 2. Without `INSTALLING`, a word's segment pointer points to the segment of its position.
//! 3. A slot goes `EMPTY → WRITTEN → READ` once per use; its item is initialised exactly in
//!    `WRITTEN`. Each position is claimed by one producer and at most one consumer.
//! 4. Segments from the oldest live one to `tail`'s are linked by `next`; every segment before
//!    `head`'s one has been fully claimed by consumers.
//! 5. Once `CLOSED` is set in `tail`, no position is claimed for writing again.
//!
//! # Linearization points
//!
//! * push: the successful `tail` CAS (its item becomes visible to a consumer later, but no get
//!   can be linearized in between without waiting for it: see Progress).
//! * pop returning an item: the successful `head` CAS.
//! * pop finding the queue empty or closed: its load of `tail` (which read a value `<=` head).
//!
//! # Progress
//!
//! Not lock-free, and honestly so: a consumer that claimed position `p` waits until the producer
//! that claimed `p` has written it, so a producer preempted between its claim and its write stalls
//! that one consumer (crossbeam's list channel has the same wait). Other producers and consumers
//! go on claiming other positions, except during a segment install, when producers (or consumers)
//! wait for the installer. Every wait spins, then yields; nothing sleeps. `len`, `is_empty` and
//! `close` are wait-free.
//!
//! # Memory ordering
//!
//! Both claims are `SeqCst` RMWs; the blocking layer relies on that to pair them with its wake-up
//! handshake (queue-blocking's event.rs). The happens-before edges, named in the code:
//!
//! * **W**: a producer's Release store of `WRITTEN` → the Acquire load that sees it in the
//!   consumer of that position: the item's write happens before its read.
//! * **R**: a consumer's Release store of `READ` → the Acquire load in [`Segment::is_consumed`]:
//!   every access to a segment happens before it is freed or reused.
//! * **L**: the installer's Release store of `next` → the Acquire load of `next` by the consumer of
//!   the last slot: the new segment's initialisation happens before any consumer uses it.
//! * **T**/**H**: the Release store of a segment pointer and the Release that clears `INSTALLING`
//!   → the Acquire loads of the word and the pointer by the next claimer: a claimer that read the
//!   word reads the pointer of that position's segment (invariant 2) and sees the segment's
//!   initialisation.
//! * **S**: a reclaimer's Release push of a retired segment onto the free list → the Acquire pop
//!   of it by an installer (or the Acquire swap of `shrink_to_fit`), and the try-lock's Release
//!   unlock → the next reclaimer's Acquire lock.
//! * **C**: each end caches the other end's position. A consumer's `head` CAS (Release) → a
//!   producer's Acquire load of `head`, then that producer's Release store of the cache → the
//!   Acquire load of the cache by the next producer. The edges carry no data; they rule out a
//!   causal cycle in which a producer compares against a head that was written by a consumer
//!   that had already seen this producer's own claim (and likewise for the tail cache).
//!
//! docs/memory-ordering.md walks through each edge.

mod free_list;
mod segment;

use core::fmt;

use crossbeam_utils::CachePadded;

use crate::backoff::Backoff;
use crate::claim::{self, Claim};
use crate::raw::RawQueue;
use crate::sync::{AtomicBool, AtomicPtr, AtomicU64, Ordering::*};
use crate::util::{OnDrop, drain_and_drop};
use free_list::FreeList;
pub use segment::SEGMENT_SIZE;
use segment::{READ, Segment, WRITTEN};

/// `tail` bit: closed, no more pushes.
const CLOSED: u64 = 1;
/// `tail`/`head` bit: the claimer of a segment's last slot is moving the word to the next segment.
const INSTALLING: u64 = 2;
/// Positions sit above the two flag bits, so they are 62 bits wide and wrap after 2^62 pushes:
/// at a billion puts a second, after 146 years. Nothing checks for the wrap (it would cost every
/// claim a branch for a state no program reaches); past it, `len` and the task count would be
/// wrong.
const SHIFT: u32 = 2;
const LAST: usize = SEGMENT_SIZE - 1;

fn position(word: u64) -> u64 {
    word >> SHIFT
}

fn offset(pos: u64) -> usize {
    (pos % SEGMENT_SIZE as u64) as usize
}

/// The word after claiming `pos`: the next position, `INSTALLING` if `pos` ends its segment
/// (branch-free: the next position starts a segment exactly then).
#[inline(always)]
fn claimed(pos: u64) -> u64 {
    let next = pos + 1;
    let installing = u64::from(offset(next) == 0) * INSTALLING;
    (next << SHIFT) | installing
}

/// One end of the queue: a position word, the segment that position is in, and a cached copy of
/// the other end's position, so that claimers at this end rarely read the other end's cache line
/// (producers need the head only for the capacity check, consumers the tail only to see that the
/// queue is not empty). A cached position is one the other end really had, and positions only
/// grow, so a stale cache only makes a check more conservative and is refreshed when it fails.
struct End<T> {
    word: AtomicU64,
    segment: AtomicPtr<Segment<T>>,
    other: AtomicU64,
}

/// Why [`SegmentedQueue::try_push`] gave the item back.
#[derive(Debug, PartialEq, Eq)]
pub enum PushError<T> {
    /// The queue held `capacity` items or more.
    Full(T),
    /// The queue was closed.
    Closed(T),
}

impl<T> PushError<T> {
    /// The item that was not pushed.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(item) | Self::Closed(item) => item,
        }
    }
}

/// Why [`SegmentedQueue::try_pop`] returned no item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopError {
    /// No item, but more may come.
    Empty,
    /// No item, and the queue is closed: none will ever come.
    Closed,
}

/// An unbounded FIFO of fixed-size segments with a capacity check and a close mark in the producer
/// claim (module docs: algorithm, invariants, progress).
///
/// ```
/// use queue_core::{PopError, PushError, SegmentedQueue};
///
/// let q = SegmentedQueue::new();
/// q.push(1).unwrap();
/// assert_eq!(q.try_push(2, 1), Err(PushError::Full(2)));
/// assert!(q.close());
/// assert_eq!(q.push(3), Err(3));
/// assert_eq!(q.try_pop(), Ok(1));
/// assert_eq!(q.try_pop(), Err(PopError::Closed));
/// ```
pub struct SegmentedQueue<T> {
    head: CachePadded<End<T>>,
    tail: CachePadded<End<T>>,
    /// The oldest segment not yet retired; read and written only by the holder of `reclaiming`.
    oldest: AtomicPtr<Segment<T>>,
    /// The try-lock of [`Self::reclaim`]; its holder is the only pusher onto `free`.
    reclaiming: AtomicBool,
    /// Retired segments kept for the next installs (memory policy in the module docs). Popped
    /// only by the holder of the tail's `INSTALLING` bit.
    free: FreeList<T>,
}

// SAFETY: items move between threads by value (a producer writes one, one consumer reads it), and
// the queue only ever hands out owned items, never references to them, so `T: Send` suffices.
unsafe impl<T: Send> Send for SegmentedQueue<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for SegmentedQueue<T> {}

impl<T> SegmentedQueue<T> {
    /// Creates an empty queue; allocates its first segment.
    pub fn new() -> Self {
        let free = FreeList::new();
        let first = free.allocate();
        let end = || {
            CachePadded::new(End {
                word: AtomicU64::new(0),
                segment: AtomicPtr::new(first),
                other: AtomicU64::new(0),
            })
        };
        Self {
            head: end(),
            tail: end(),
            oldest: AtomicPtr::new(first),
            reclaiming: AtomicBool::new(false),
            free,
        }
    }

    /// Appends `item`, or gives it back if the queue is closed.
    pub fn push(&self, item: T) -> Result<(), T> {
        self.try_push(item, usize::MAX).map_err(PushError::into_inner)
    }

    /// Appends `item` if the queue holds fewer than `capacity` items and is not closed. A closed
    /// queue reports `Closed` even when it is also full.
    pub fn try_push(&self, item: T, capacity: usize) -> Result<(), PushError<T>> {
        self.try_push_claim(item, capacity).map(drop)
    }

    /// [`try_push`](Self::try_push), with the [`Claim`] of its `SeqCst` claim on the tail word:
    /// what a fence-free wake-up of the consumers waiting for this item needs (claim.rs).
    #[inline]
    pub fn try_push_claim(&self, item: T, capacity: usize) -> Result<Claim, PushError<T>> {
        // Acquire: edge T (module docs).
        let word = self.tail.word.load(Acquire);
        match self.push_at(word, item, capacity) {
            Ok(verdict) => verdict,
            Err((item, word)) => self.push_contended(word, item, capacity),
        }
    }

    /// One claim attempt from `word`, the tail word as last read: the verdict, or the item back
    /// with the word to retry from (an install under way, or a lost CAS). Straight-line, so the
    /// uncontended push is small enough to inline into its caller.
    #[inline(always)]
    fn push_at(&self, word: u64, item: T, capacity: usize) -> Result<Result<Claim, PushError<T>>, (T, u64)> {
        if word & CLOSED != 0 {
            return Ok(Err(PushError::Closed(item)));
        }
        if word & INSTALLING != 0 {
            return Err((item, word));
        }
        let pos = position(word);
        if capacity != usize::MAX && !self.has_room(pos, capacity) {
            return Ok(Err(PushError::Full(item)));
        }
        // Acquire: edge T; with the word's Acquire (the caller's load, or the failed CAS's), this
        // is `pos`'s segment if the CAS below succeeds (invariant 2).
        let segment = self.tail.segment.load(Acquire);
        // SeqCst on success: the claim (module docs; `claim::compare_exchange_weak` is SeqCst by
        // construction). Acquire on failure: edge T for the retry.
        match claim::compare_exchange_weak(&self.tail.word, word, claimed(pos), Acquire) {
            Ok(claim) => {
                // SAFETY: we claimed `pos`, in `segment`, which stays alive until its slot
                // `offset(pos)` is READ, after our write (module docs, reclamation).
                unsafe { self.write(segment, pos, item) };
                Ok(Ok(claim))
            }
            Err(current) => Err((item, current)),
        }
    }

    /// [`try_push_claim`](Self::try_push_claim) after its first attempt had to retry: waits out
    /// installs, backs off after lost CASes.
    #[cold]
    #[inline(never)]
    fn push_contended(&self, mut word: u64, mut item: T, capacity: usize) -> Result<Claim, PushError<T>> {
        let backoff = Backoff::new();
        loop {
            if word & INSTALLING != 0 {
                backoff.snooze();
                // Acquire: edge T.
                word = self.tail.word.load(Acquire);
            } else {
                backoff.spin();
            }
            match self.push_at(word, item, capacity) {
                Ok(verdict) => return verdict,
                Err((back, current)) => (item, word) = (back, current),
            }
        }
    }

    /// Whether a push at `pos` leaves at most `capacity` items inside, by the cached head first.
    fn has_room(&self, pos: u64, capacity: usize) -> bool {
        // Acquire/Release on the cache: edge C (module docs).
        if pos.saturating_sub(self.tail.other.load(Acquire)) < capacity as u64 {
            return true;
        }
        // Acquire: edge C. The consumer CAS that wrote this head read a tail beyond it; the edge
        // makes that read happen before our claim, so the head we compare with is never ahead of
        // what our claim can see.
        let head = position(self.head.word.load(Acquire));
        self.tail.other.store(head, Release);
        pos.saturating_sub(head) < capacity as u64
    }

    /// # Safety
    ///
    /// The caller claimed `pos` for writing and `segment` is the segment of `pos`.
    #[inline(always)]
    unsafe fn write(&self, segment: *mut Segment<T>, pos: u64, item: T) {
        // SAFETY: alive and of the right position, by the caller's contract.
        let segment = unsafe { &*segment };
        segment.touch();
        if offset(pos) == LAST {
            // SAFETY: our claim of the last slot set INSTALLING.
            unsafe { self.install_after(segment, pos) };
        }
        let slot = &segment.slots[offset(pos)];
        // SAFETY: only the claimer of `pos` writes this slot, and it is EMPTY (invariant 3), so no
        // one reads it until our WRITTEN store below.
        slot.item.with_mut(|cell| unsafe { (*cell).write(item) });
        // Release: edge W.
        slot.state.store(WRITTEN, Release);
    }

    /// Links the next segment after `segment`, whose last slot is `pos`, and moves the tail onto
    /// it; notes the queue's depth for the memory policy. Once per
    /// `SEGMENT_SIZE` pushes, so kept out of the push's inlined path.
    ///
    /// # Safety
    ///
    /// The caller's claim of `segment`'s last slot set `INSTALLING` in the tail word.
    #[cold]
    #[inline(never)]
    #[cfg_attr(loom, allow(unused_variables))] // `pos` feeds the depth estimate, off under loom
    unsafe fn install_after(&self, segment: &Segment<T>, pos: u64) {
        // Relaxed: a depth estimate for the memory policy (free_list.rs), ordering nothing; a
        // stale head only overstates it. Not under loom, where this load's possible values would
        // multiply the explored interleavings for no safety property: there the mark stays at its
        // start, so the models free retired segments beyond two as well as keep them.
        #[cfg(not(loom))]
        {
            let head = position(self.head.word.load(Relaxed));
            self.free.note_depth((pos + 1).saturating_sub(head));
        }
        // SAFETY: holding INSTALLING, we are the free list's only popper.
        let next = unsafe { self.free.pop() };
        let next = if next.is_null() { self.free.allocate() } else { next };
        // Release: edge L.
        segment.next.store(next, Release);
        // Release: edge T, then clear our bit (keeping a concurrent CLOSED).
        self.tail.segment.store(next, Release);
        self.tail.word.fetch_and(!INSTALLING, Release);
    }

    /// Removes the oldest item, or returns `None` if the queue is empty (closed or not).
    pub fn pop(&self) -> Option<T> {
        self.try_pop().ok()
    }

    /// Removes the oldest item; when there is none, says whether more may come.
    pub fn try_pop(&self) -> Result<T, PopError> {
        self.try_pop_claim().map(|(item, _)| item)
    }

    /// [`try_pop`](Self::try_pop), with the [`Claim`] of its `SeqCst` claim on the head word:
    /// what a fence-free wake-up of the producers waiting for room needs (claim.rs).
    #[inline]
    pub fn try_pop_claim(&self) -> Result<(T, Claim), PopError> {
        // Acquire: edge H.
        let word = self.head.word.load(Acquire);
        match self.pop_at(word) {
            Ok(verdict) => verdict,
            Err(word) => self.pop_contended(word),
        }
    }

    /// One claim attempt from `word`, the head word as last read: the verdict, or the word to
    /// retry from; as [`push_at`](Self::push_at).
    #[inline(always)]
    fn pop_at(&self, word: u64) -> Result<Result<(T, Claim), PopError>, u64> {
        if word & INSTALLING != 0 {
            return Err(word);
        }
        let pos = position(word);
        // Acquire/Release on the cache: edge C (module docs).
        if pos >= self.head.other.load(Acquire) {
            // Relaxed: the claim's exactness rests on both words only growing; the item itself is
            // carried by edge W, not by this load.
            let tail = self.tail.word.load(Relaxed);
            if pos >= position(tail) {
                return Ok(Err(if tail & CLOSED != 0 { PopError::Closed } else { PopError::Empty }));
            }
            self.head.other.store(position(tail), Release);
        }
        // Acquire: edge H, as for the tail segment in `push_at`.
        let segment = self.head.segment.load(Acquire);
        // SeqCst on success: the claim (by construction). Acquire on failure: edge H for the
        // retry.
        match claim::compare_exchange_weak(&self.head.word, word, claimed(pos), Acquire) {
            // SAFETY: we claimed `pos` for reading, in `segment`, alive until we mark it READ.
            Ok(claim) => Ok(Ok((unsafe { self.read(segment, pos) }, claim))),
            Err(current) => Err(current),
        }
    }

    /// [`try_pop_claim`](Self::try_pop_claim) after its first attempt had to retry, as
    /// [`push_contended`](Self::push_contended).
    #[cold]
    #[inline(never)]
    fn pop_contended(&self, mut word: u64) -> Result<(T, Claim), PopError> {
        let backoff = Backoff::new();
        loop {
            if word & INSTALLING != 0 {
                backoff.snooze();
                // Acquire: edge H.
                word = self.head.word.load(Acquire);
            } else {
                backoff.spin();
            }
            match self.pop_at(word) {
                Ok(verdict) => return verdict,
                Err(current) => word = current,
            }
        }
    }

    /// # Safety
    ///
    /// The caller claimed `pos` for reading and `segment` is the segment of `pos`.
    #[inline(always)]
    unsafe fn read(&self, segment: *mut Segment<T>, pos: u64) -> T {
        // SAFETY: alive and of the right position, by the caller's contract.
        let segment = unsafe { &*segment };
        segment.touch();
        if offset(pos) == LAST {
            self.advance_head(segment, pos);
        }
        let slot = &segment.slots[offset(pos)];
        // Acquire: edge W.
        if slot.state.load(Acquire) != WRITTEN {
            wait_written(slot);
        }
        // SAFETY: WRITTEN, so initialised; we are the one consumer of `pos` (invariant 3), and the
        // READ store below keeps anyone from reading it again.
        let item = slot.item.with(|cell| unsafe { (*cell).assume_init_read() });
        // Release: edge R. After this store we do not touch the segment.
        slot.state.store(READ, Release);
        if offset(pos) == LAST {
            self.reclaim();
        }
        item
    }

    /// Moves the head onto the segment after `segment`, once the producer of its last slot, `pos`,
    /// has linked it. The caller's claim of `pos` set `INSTALLING` in the head word.
    #[cold]
    #[inline(never)]
    fn advance_head(&self, segment: &Segment<T>, pos: u64) {
        let backoff = Backoff::new();
        // The producer of `pos` links the next segment right after its claim.
        let next = loop {
            // Acquire: edge L.
            let next = segment.next.load(Acquire);
            if !next.is_null() {
                break next;
            }
            backoff.snooze();
        };
        // Release: edge H. A plain store suffices for the word: while INSTALLING is set every
        // other consumer's CAS fails, so nobody else writes it.
        self.head.segment.store(next, Release);
        self.head.word.store((pos + 1) << SHIFT, Release);
    }

    /// Retires every leading segment whose slots are all READ (module docs, reclamation).
    #[cold]
    #[inline(never)]
    fn reclaim(&self) {
        // Acquire: edge S, the previous reclaimer's work happens before ours.
        if self.reclaiming.swap(true, Acquire) {
            return;
        }
        // Relaxed: `oldest` is only touched under the try-lock, whose edges order it.
        let mut oldest = self.oldest.load(Relaxed);
        loop {
            // SAFETY: `oldest` is alive: only the lock holder retires segments, and only from here.
            let segment = unsafe { &*oldest };
            if !segment.is_consumed() {
                break;
            }
            // Relaxed: non-null and visible; the consumer of the last slot loaded it before its
            // READ store, which `is_consumed` acquired (edge R).
            let next = segment.next.load(Relaxed);
            // SAFETY: fully consumed, so no thread touches it again (module docs); we hold the
            // try-lock, so we are the free list's only pusher.
            unsafe { self.free.keep_or_free(oldest) };
            oldest = next;
        }
        // Relaxed: see above.
        self.oldest.store(oldest, Relaxed);
        // Release: edge S.
        self.reclaiming.store(false, Release);
    }

    /// Frees the segments kept for reuse (module docs, memory policy), after retiring every fully
    /// read one; returns how many were freed. The queue then owns only the segments that hold
    /// items, or the one it writes next; the next fills allocate again.
    ///
    /// Producers that reach a segment boundary meanwhile wait for it, as they wait for any
    /// install: the call takes the tail's install bit for a swap of one pointer, and frees the
    /// segments after giving it back.
    ///
    /// ```
    /// let q = queue_core::SegmentedQueue::new();
    /// for i in 0..1000 {
    ///     q.push(i).unwrap();
    /// }
    /// while q.pop().is_some() {}
    /// assert!(q.shrink_to_fit() > 0);
    /// assert_eq!(q.shrink_to_fit(), 0);
    /// ```
    pub fn shrink_to_fit(&self) -> usize {
        self.reclaim();
        let backoff = Backoff::new();
        // Relaxed: only a seed for the CAS, which carries the ordering.
        let mut word = self.tail.word.load(Relaxed);
        loop {
            if word & INSTALLING != 0 {
                backoff.snooze();
                // Relaxed: as above.
                word = self.tail.word.load(Relaxed);
                continue;
            }
            // Acquire on success: the previous installer's Release clear of the bit happens before
            // our pop (the free list's one-popper rule). Relaxed on failure: we only retry.
            match self.tail.word.compare_exchange_weak(word, word | INSTALLING, Acquire, Relaxed) {
                Ok(_) => break,
                Err(current) => word = current,
            }
        }
        // Take the chain while holding the bit, free it after giving the bit back: producers wait
        // for a swap, not for the frees.
        // SAFETY: we hold INSTALLING, so no installer pops until `release` has run.
        unsafe {
            self.free.shrink(self.len() as u64, || {
                // Release: the next installer's pop happens after our swap (one-popper rule); a
                // concurrent `close` keeps its bit.
                self.tail.word.fetch_and(!INSTALLING, Release);
            })
        }
    }

    /// Marks the queue closed: every later push fails; pops drain what is there. Returns whether
    /// this call closed it.
    pub fn close(&self) -> bool {
        // SeqCst: an RMW in `tail`'s modification order, so each push's claim is either before it
        // (and delivered) or after it (and fails); SeqCst for the blocking layer's handshake.
        self.tail.word.fetch_or(CLOSED, SeqCst) & CLOSED == 0
    }

    /// Whether the queue is closed.
    pub fn is_closed(&self) -> bool {
        // Relaxed: a snapshot of a flag that never clears.
        self.tail.word.load(Relaxed) & CLOSED != 0
    }

    /// Items in the queue: positions claimed for writing and not yet for reading (a snapshot).
    ///
    /// Never more than any capacity every push used: the tail is read first, so the value can
    /// only understate (when gets run between the two loads), never pair an old head with a newer
    /// tail.
    pub fn len(&self) -> usize {
        // Acquire: edge C's reasoning. The claim that wrote this tail read a head (directly, or
        // through the cache) that is at most `tail - capacity` behind; that read happens before
        // our head load below, which therefore reads that head or a later one.
        let tail = position(self.tail.word.load(Acquire));
        // Relaxed: coherence on `head` is all the bound above needs.
        let head = position(self.head.word.load(Relaxed));
        tail.saturating_sub(head) as usize
    }

    /// Whether the queue was empty at some moment during the call.
    pub fn is_empty(&self) -> bool {
        // Head first, the other way round from `len`: if the tail we read afterwards equals that
        // head, the queue was empty when we read the tail (the head cannot pass the tail).
        // Acquire: the consumer CAS that wrote this head read a tail at least as large, and that
        // read happens before our tail load.
        let head = position(self.head.word.load(Acquire));
        // Relaxed: coherence on `tail` suffices.
        position(self.tail.word.load(Relaxed)) <= head
    }

    /// Positions claimed for writing so far: the number of successful pushes, ever.
    pub fn pushed(&self) -> u64 {
        // Relaxed: a snapshot; callers that need an edge pair it with their own.
        position(self.tail.word.load(Relaxed))
    }

    /// Positions claimed for reading so far: the number of successful pops, ever.
    pub fn popped(&self) -> u64 {
        // Relaxed: a snapshot.
        position(self.head.word.load(Relaxed))
    }
}

/// Waits for the producer that claimed `slot`'s position to finish writing it (module docs,
/// progress): only when a get overtakes a put between its claim and its write.
#[cold]
#[inline(never)]
fn wait_written<T>(slot: &segment::Slot<T>) {
    let backoff = Backoff::new();
    // Acquire: edge W.
    while slot.state.load(Acquire) != WRITTEN {
        backoff.snooze();
    }
}

impl<T> Drop for SegmentedQueue<T> {
    fn drop(&mut self) {
        let this = &*self;
        // Runs after the items are dropped, even if one item's `Drop` panics.
        let _free = OnDrop(|| {
            // Relaxed: `&mut self`, no other thread is left.
            let mut segment = this.oldest.load(Relaxed);
            while !segment.is_null() {
                // SAFETY: every segment from `oldest` on is alive and linked (invariant 4).
                let next = unsafe { &*segment }.next.load(Relaxed);
                // SAFETY: exclusively ours; every item was moved out by the drain.
                unsafe { Segment::free(segment) };
                segment = next;
            }
            // SAFETY: `&mut self`, so no one pops; the chain is freed once.
            unsafe { free_list::free_chain(this.free.take_all()) };
        });
        drain_and_drop(|| this.pop());
    }
}

impl<T> Default for SegmentedQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for SegmentedQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.len();
        f.debug_struct("SegmentedQueue")
            .field("len", &len)
            .field("is_empty", &(len == 0))
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl<T> RawQueue<T> for SegmentedQueue<T> {
    /// # Panics
    ///
    /// If the queue is closed (only the inherent [`SegmentedQueue::close`] closes it).
    fn push(&self, item: T) {
        if SegmentedQueue::push(self, item).is_err() {
            panic!("push on a closed SegmentedQueue");
        }
    }

    fn pop(&self) -> Option<T> {
        SegmentedQueue::pop(self)
    }

    fn is_empty(&self) -> bool {
        SegmentedQueue::is_empty(self)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_segment_boundary_moves_both_ends() {
        let q = SegmentedQueue::new();
        for i in 0..3 * SEGMENT_SIZE {
            q.push(i).unwrap();
            assert_eq!(q.len(), i + 1);
        }
        for i in 0..3 * SEGMENT_SIZE {
            assert_eq!(q.pop(), Some(i));
        }
        assert!(q.is_empty());
        assert_eq!((q.pushed(), q.popped()), (3 * SEGMENT_SIZE as u64, 3 * SEGMENT_SIZE as u64));
        // Retired segments are all kept (the first three; the live one is the tail's), and
        // `shrink_to_fit` frees them.
        // SAFETY: no pop runs concurrently.
        assert_eq!(unsafe { q.free.count() }, 3);
        assert_eq!(q.oldest.load(Relaxed), q.tail.segment.load(Relaxed));
        assert_eq!(q.shrink_to_fit(), 3);
        // SAFETY: as above.
        assert_eq!(unsafe { q.free.count() }, 0);
        q.push(7).unwrap();
        assert_eq!(q.pop(), Some(7));
    }

    #[test]
    fn a_steady_stream_reuses_one_kept_segment() {
        let q = SegmentedQueue::new();
        q.push(0u8).unwrap();
        let mut seen = std::collections::HashSet::new();
        for i in 0..20 * SEGMENT_SIZE {
            q.push(i as u8).unwrap();
            q.pop().unwrap();
            seen.insert(q.tail.segment.load(Relaxed) as usize);
        }
        // Two segments alternate: the live one and the kept one.
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn refills_reuse_the_kept_segments() {
        let q = SegmentedQueue::new();
        let fill = 10 * SEGMENT_SIZE;
        for _ in 0..3 {
            for i in 0..fill {
                q.push(i).unwrap();
            }
            // Ten segments filled, the tail in an eleventh: none kept, whatever came before.
            // SAFETY: no pop runs concurrently.
            assert_eq!(unsafe { q.free.count() }, 0);
            for i in 0..fill {
                assert_eq!(q.pop(), Some(i));
            }
            // SAFETY: as above.
            assert_eq!(unsafe { q.free.count() }, 10);
        }
    }

    /// A consumer stalled between its claim and its read holds back reclamation, so a stream
    /// allocates segments meanwhile; once it finishes, the policy frees those beyond what the
    /// items needed instead of keeping them for good (free_list.rs, "How many are kept").
    #[test]
    fn a_stalled_consumer_does_not_inflate_the_kept_segments() {
        let q = SegmentedQueue::new();
        q.push(0u64).unwrap();
        // Stall: claim position 0 for reading as `try_pop_claim` would, but do not read it yet.
        let word = q.head.word.load(Relaxed);
        let segment = q.head.segment.load(Relaxed);
        // A weak CAS may fail spuriously (Miri makes it do so): retry; nobody else runs.
        while claim::compare_exchange_weak(&q.head.word, word, claimed(position(word)), Relaxed).is_err() {}
        // A stream with 10 items resident: every segment stays unreclaimed behind the stalled one.
        for i in 1..=10 {
            q.push(i).unwrap();
        }
        for i in 11..(100 * SEGMENT_SIZE as u64) {
            q.push(i).unwrap();
            assert_eq!(q.pop(), Some(i - 10));
        }
        let owned = q.free.owned.load(Relaxed);
        assert!(owned >= 90, "the stall should have made the stream allocate, owned {owned}");
        // SAFETY: we claimed position 0, in `segment`, and never read it.
        assert_eq!(unsafe { q.read(segment, 0) }, 0);
        // The next reclaim (at a segment's last slot) retires the backlog.
        while q.pop().is_some() {}
        for i in 0..(2 * SEGMENT_SIZE as u64) {
            q.push(i).unwrap();
            assert_eq!(q.pop(), Some(i));
        }
        let needed = q.free.needed.load(Relaxed);
        let owned = q.free.owned.load(Relaxed);
        // At most 11 items were inside at once (10 resident and one put before its get).
        assert!(needed <= 11 / SEGMENT_SIZE + 2, "11 items and the two ends need fewer than {needed}");
        assert!(owned <= needed + 1, "owned {owned} segments, needed {needed}");
        // SAFETY: no pop runs concurrently.
        assert!(unsafe { q.free.count() } < owned);
    }
}
