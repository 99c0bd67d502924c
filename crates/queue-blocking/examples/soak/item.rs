//! The items every queue of the soak carries, built so that a lost, duplicated, corrupted or
//! invented item can be told apart from the real one.

use crate::KEYS;
use crate::random::mix;

/// A soak item: identified by (producer, seq), compared by `key` only, with a heap-allocated tag
/// derived from its identity so that a corrupted, freed or invented item is noticed.
#[derive(Debug)]
pub(crate) struct Item {
    pub(crate) key: u8,
    pub(crate) producer: u8,
    pub(crate) seq: u32,
    pub(crate) tag: Box<u64>,
}

impl Item {
    pub(crate) fn new(salt: u64, producer: usize, seq: usize) -> Self {
        let tag = Self::tag_for(salt, producer, seq);
        Self { key: (tag % KEYS as u64) as u8, producer: producer as u8, seq: seq as u32, tag: Box::new(tag) }
    }

    pub(crate) fn tag_for(salt: u64, producer: usize, seq: usize) -> u64 {
        mix(salt ^ ((producer as u64) << 40) ^ seq as u64)
    }

    /// The allocation of the tag: tells this very item apart from an equal-looking one.
    pub(crate) fn addr(&self) -> *const u64 {
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
