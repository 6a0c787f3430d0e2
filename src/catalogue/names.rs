//! An index of the names set in one body, for the catalogue checker's required arguments and
//! rules: each name is found by binary search instead of a scan of the body.

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
