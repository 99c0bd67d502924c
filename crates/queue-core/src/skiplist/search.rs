//! Searching, linking a new node, and passing deleted nodes (physical unlinking).

use core::cmp::Ordering as CmpOrdering;

use crossbeam_epoch::{Guard, Shared};

use super::SkipListPq;
use super::node::{INSERTING, LEVEL, MAX_HEIGHT, Node, Tower};
use crate::backoff::Backoff;
use crate::sync::Ordering::*;

/// Where a key belongs: for each level, the tower (head's or a node's) to link after and the
/// (untagged) successor the link CAS expects. `preds[i]` has more than `i` levels.
pub(super) struct Position<'g, T> {
    pub(super) preds: [&'g Tower<T>; MAX_HEIGHT],
    pub(super) succs: [Shared<'g, Node<T>>; MAX_HEIGHT],
}

impl<'g, T> Position<'g, T> {
    /// Every level after `head`, before null: right for a level no node has reached yet.
    pub(super) fn new(head: &'g Tower<T>) -> Self {
        Self { preds: [head; MAX_HEIGHT], succs: [Shared::null(); MAX_HEIGHT] }
    }
}

impl<T: Ord> SkipListPq<T> {
    /// Finds where `key` belongs at levels `min_level..key.height()` (and above, up to where the
    /// descent starts), writing them into `pos`.
    ///
    /// The descent starts at the highest height any node was given ([`SkipListPq::top`], a hint)
    /// or at `key`'s own height, whichever is higher: levels above both hold no node the caller
    /// will link at, and starting lower is always correct, only slower (upper levels are an
    /// index). Entries of `pos` above the start are left as they are.
    ///
    /// At level 0, deleted nodes (reached through a tagged link) count as smaller than every key,
    /// so the search ends after the last deleted node at the earliest: inserts never go into the
    /// deleted prefix. At upper levels the search unlinks deleted nodes whose turn has come (see
    /// [`Self::try_unlink`]) and steps past the others; a frozen predecessor ends the level (the
    /// link CAS on it fails and the caller searches again). Upper levels are only an index, so
    /// these choices affect how soon nodes are unlinked, never which items come out.
    ///
    /// # Safety
    ///
    /// `key` is the caller's own node and the caller holds a borrow on its item.
    pub(super) unsafe fn find<'g>(
        &'g self,
        pos: &mut Position<'g, T>,
        key: &Node<T>,
        min_level: usize,
        guard: &'g Guard,
    ) {
        let head: &'g Tower<T> = &*self.head;
        let start = self.top().max(key.height());
        let mut pred = head;
        // The last node a comparison found sorting after `key`: meeting it again one level down
        // ends that level without another comparison (a borrow and an `Ord` call saved; the
        // level-0 link CAS still checks that nothing changed). Only a comparison sets it: a level
        // that ends at a frozen node or at the end of the list says nothing about the successor.
        let mut bound: Shared<'g, Node<T>> = Shared::null();
        for level in (min_level..start).rev() {
            // The tower of the last node at this level seen unclaimed (or `head`): the only kind of
            // node we descend from (invariant 4). `pred` and `anchor` are always the tower of
            // `head` or of a node reached at this level or above, so they reach `level`
            // (invariant 5).
            let mut anchor = pred;
            let succ = loop {
                // Acquire: pairs with the Release link CAS (or unlink CAS) that published the node
                // we may step onto (its item, seq and tower).
                let cur = pred[level].load(Acquire, guard);
                if cur.tag() != 0 {
                    if level == 0 {
                        // The successor is deleted: step past it (it counts as -infinity).
                        // SAFETY: reached along level 0 from a node seen unclaimed after we
                        // pinned, so retired after we pinned (invariant 4).
                        pred = unsafe { &cur.deref().next };
                        continue;
                    }
                    // `pred` is frozen at this level: end the level here; a link CAS on it fails.
                    break cur.with_tag(0);
                }
                // SAFETY: protected by `guard` (invariant 4).
                let Some(cur_ref) = (unsafe { cur.as_ref() }) else { break cur };
                if level > 0 && cur_ref.is_taken() {
                    // Deleted: unlink it here if it may go, else step past it.
                    if !self.try_unlink(pred, cur, level, guard) {
                        pred = &cur_ref.next;
                    }
                    continue;
                }
                if cur == bound {
                    break cur;
                }
                // SAFETY: `cur_ref` is a non-head node protected by `guard`; the caller borrows `key`.
                match unsafe { cur_ref.cmp_key(key) } {
                    // Claimed by a pop meanwhile: deleted, so smaller than every key.
                    None => pred = &cur_ref.next,
                    Some(CmpOrdering::Greater) => {
                        // The comparison held a borrow, so `cur` was unclaimed just now.
                        pred = &cur_ref.next;
                        anchor = pred;
                    }
                    Some(_) => {
                        bound = cur;
                        break cur;
                    }
                }
            };
            pos.preds[level] = pred;
            pos.succs[level] = succ;
            pred = anchor;
        }
    }

    /// Links `node` (already published at level 0) at its upper levels, bottom up. Stops early if
    /// the node is claimed meanwhile: an index entry for a deleted node is useless.
    ///
    /// # Safety
    ///
    /// `node` is the caller's own node, linked at level 0, with `INSERTING` set and the caller's
    /// borrow on its item held.
    pub(super) unsafe fn link_upper<'g>(
        &'g self,
        node: Shared<'g, Node<T>>,
        pos: &mut Position<'g, T>,
        guard: &'g Guard,
    ) {
        // SAFETY: the caller's node; it cannot be retired while `INSERTING` is set.
        let node_ref = unsafe { node.deref() };
        let backoff = Backoff::new();
        for level in 1..node_ref.height() {
            loop {
                if node_ref.is_taken() {
                    return;
                }
                let succ = pos.succs[level];
                // Relaxed: the node is not linked at this level yet, so no thread reads this link
                // until the Release CAS below publishes it.
                node_ref.next[level].store(succ, Relaxed);
                // Release on success: publishes `next[level]` with the link. Relaxed on failure: we
                // search again and read nothing through the failed value.
                if pos.preds[level][level].compare_exchange(succ, node, Release, Relaxed, guard).is_ok() {
                    // Relaxed: `INSERTING` is still set, so no thread acts on this count until our
                    // Release `fetch_and` in `finish_insert`.
                    node_ref.links().fetch_add(LEVEL, Relaxed);
                    break;
                }
                backoff.spin();
                // SAFETY: the caller holds the borrow on `node`'s item.
                unsafe { self.find(pos, node_ref, level, guard) };
            }
        }
    }

    /// Ends the inserter's duties: clears `INSERTING` and gives the item borrow back. Runs on
    /// unwind too, so a panicking `Ord` cannot pin a node in the structure.
    pub(super) fn finish_insert(node: &Node<T>) {
        // Release: pairs with the Acquire load in `unlink_deleted`; the final link count and the
        // tower links are visible to whoever passes this node.
        node.links().fetch_and(!INSERTING, Release);
        node.release_own_borrow();
    }
}

impl<T> SkipListPq<T> {
    /// Unlinks the deleted node `cur` from `pred` at `level` (`pred[level]` was seen holding
    /// `cur`, untagged) if it may go: it is claimed, its inserter is done, and, at level 0, it is
    /// not the last deleted node (whose untagged `next` is where inserts of small keys link).
    /// Levels are unlinked independently; the node is retired by whoever unlinks its last level.
    /// Returns whether `cur` is gone from `pred` at this level (unlinked by us, or `pred`'s link
    /// changed meanwhile).
    fn try_unlink<'g>(
        &self,
        pred: &'g Tower<T>,
        cur: Shared<'g, Node<T>>,
        level: usize,
        guard: &'g Guard,
    ) -> bool {
        // SAFETY: `cur` was loaded from a link while pinned and is protected by `guard`.
        let n = unsafe { cur.deref() };
        if !n.is_taken() {
            return false;
        }
        // Acquire: pairs with the Release `fetch_and` in `finish_insert`: the tower is complete
        // and visible, and no level will be linked any more.
        if n.links().load(Acquire) & INSERTING != 0 {
            return false;
        }
        let succ = if level == 0 {
            // Acquire: we install this successor in `pred`; it was published by a Release link CAS.
            // A tagged `next[0]` never changes again (invariant 2).
            let succ = n.next[0].load(Acquire, guard);
            if succ.tag() == 0 {
                return false;
            }
            succ
        } else {
            // Freeze `n` at this level so no insert links after it while we unlink it.
            // Acquire: as above, for the successor we install.
            n.next[level].fetch_or(1, Acquire, guard).with_tag(0)
        };
        // At level 0 the link to a deleted node is tagged, and so stays the link to its successor.
        let expected = if level == 0 { cur.with_tag(1) } else { cur };
        // Release on success: a thread that Acquire-loads `pred[level]` and finds `succ` must
        // see `succ` initialised, but `succ` was published on a different word (`n.next[level]`),
        // which we acquired above; this Release passes that edge on. Relaxed on failure: we only
        // look at the link again.
        if pred[level].compare_exchange(expected, succ, Release, Relaxed, guard).is_err() {
            // Relaxed: only to tell whether `cur` is still `pred`'s successor.
            return pred[level].load(Relaxed, guard).with_tag(0) != cur;
        }
        // AcqRel: Release so our unlink happens before the retirement by whoever unlinks the last
        // level, Acquire so that, if that is us, the other levels' unlinks happen before it.
        if n.links().fetch_sub(LEVEL, AcqRel) == LEVEL {
            // SAFETY: `n` is now unlinked at every level it was linked at and cannot be linked
            // again (its inserter is done, and frozen or tagged links take no insert). Threads
            // that reached it earlier are pinned; epoch frees it after they unpin. Its item was or
            // will be moved out by the claiming `pop`, which is pinned until then; the item is a
            // `MaybeUninit`, so freeing the node drops no `T`.
            unsafe { guard.defer_destroy(cur.with_tag(0)) };
        }
        true
    }

    /// Unlinks the deleted nodes at the front of every level, as far as they may go (see
    /// [`Self::try_unlink`]). Called by `pop` (Lindén–Jonsson's batch restructure).
    pub(super) fn unlink_deleted(&self, guard: &Guard) {
        let head: &Tower<T> = &*self.head;
        for level in (0..MAX_HEIGHT).rev() {
            loop {
                // Acquire: pairs with the Release link CAS that published the first node.
                let first = head[level].load(Acquire, guard);
                if first.is_null() || !self.try_unlink(head, first.with_tag(0), level, guard) {
                    break;
                }
            }
        }
    }
}
