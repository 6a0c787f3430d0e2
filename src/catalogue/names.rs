//! An index of the names set in one body, for the catalogue checker's required arguments and
//! rules: each name is found by binary search instead of a scan of the body; and a hashed map
//! of names, for looking names up among the many a schema declares.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map from names to `V`, hashed by [`NameHasher`]: for lookups only, never iterated into
/// output.
pub(crate) type NameMap<'k, V> = HashMap<&'k str, V, BuildHasherDefault<NameHasher>>;

/// A hasher for short names from the catalogue and the model: a word at a time, multiplied
/// and rotated (the scheme of rustc's FxHasher). Names are not chosen by an adversary here:
/// they come from the embedded catalogue and the compiled model, and only look each other up.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct NameHasher(u64);

impl NameHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(
                chunk.try_into().expect("a chunk of eight bytes"),
            ));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last));
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The names set in one body, looked up by binary search instead of a scan of the body for
/// each rule and required argument: `(name, position in the body)`, sorted by name, then
/// position.
pub(super) struct Names<'v>(Vec<(&'v str, usize)>);

impl<'v> Names<'v> {
    pub(super) fn new(names: impl Iterator<Item = &'v str>) -> Self {
        let mut names: Vec<(&str, usize)> = names.zip(0..).collect();
        names.sort_unstable();
        Self(names)
    }

    /// The positions of `name`, in body order.
    pub(super) fn positions(&self, name: &str) -> &[(&'v str, usize)] {
        let start = self.0.partition_point(|(n, _)| *n < name);
        let end = start + self.0[start..].partition_point(|(n, _)| *n == name);
        &self.0[start..end]
    }

    pub(super) fn has(&self, name: &str) -> bool {
        !self.positions(name).is_empty()
    }

    pub(super) fn count(&self, name: &str) -> usize {
        self.positions(name).len()
    }

    /// Where `name` is first set.
    pub(super) fn first(&self, name: &str) -> Option<usize> {
        self.positions(name).first().map(|(_, at)| *at)
    }

    /// Each name set more than once, in name order, with where it is set last.
    pub(super) fn repeated(&self) -> impl Iterator<Item = (&'v str, usize)> + '_ {
        self.0
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|group| group.len() > 1)
            .map(|group| group[group.len() - 1])
    }
}
