//! The keys of a large mapping by hash, so that finding one of hundreds of OSes by name costs
//! a binary search rather than a scan; without it, every stage that points at each OS would
//! cost the square of their number.

use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

use super::Entry;

/// How many entries a mapping needs before its keys are indexed: below this, scanning them is
/// as fast as hashing one.
pub(super) const INDEXED_FROM: usize = 16;

/// The hashes of a mapping's keys with each key's position, sorted by hash; `None` for a small
/// mapping, and one pointer wide, since every node of the tree carries one.
#[derive(Clone, Default, PartialEq)]
#[allow(
    clippy::box_collection,
    reason = "the box keeps the field one pointer wide in every node; few nodes fill it"
)]
pub(super) struct KeyIndex(Option<Box<Vec<(u64, u32)>>>);

impl KeyIndex {
    /// The index of `entries`, empty when there are too few to need one.
    pub(super) fn of(entries: &[Entry]) -> Self {
        if entries.len() < INDEXED_FROM {
            return KeyIndex::default();
        }
        let mut hashes: Vec<(u64, u32)> = entries
            .iter()
            .zip(0u32..)
            .map(|(e, i)| (hash(&e.key), i))
            .collect();
        hashes.sort_unstable();
        KeyIndex(Some(Box::new(hashes)))
    }

    /// The entry under `key` when the mapping is indexed; `None` when it is not.
    pub(super) fn find<'e>(&self, entries: &'e [Entry], key: &str) -> Option<Option<&'e Entry>> {
        let hashes = self.0.as_ref()?;
        let wanted = hash(key);
        let from = hashes.partition_point(|(h, _)| *h < wanted);
        let found = hashes[from..]
            .iter()
            .take_while(|(h, _)| *h == wanted)
            .filter_map(|(_, i)| entries.get(*i as usize))
            .find(|e| e.key == key);
        Some(found)
    }
}

impl std::fmt::Debug for KeyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KeyIndex({} keys)",
            self.0.as_ref().map_or(0, |h| h.len())
        )
    }
}

/// A key's hash, the same in every run (the index is never iterated into output anyway).
pub(super) fn hash(key: &str) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(key)
}
