//! Versions and version constraints as Packer reads them (hashicorp/go-version): the
//! `packer.required_version` of a spec, checked by `semantic` when the spec is read, and the
//! version of the `packer` on a build host, checked against it by `runner`'s preflight. Pure:
//! no I/O.

use std::cmp::Ordering;
use std::fmt;

/// A version as hashicorp/go-version (which Packer uses) reads one: `1.11.2`, `v1.12.0-dev`,
/// `1.9`, `1.10.0+ent`. Missing segments count as zero; build metadata (after `+`) is kept for
/// display and ignored in comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackerVersion {
    /// The numeric segments as written, at least one.
    segments: Vec<u64>,
    /// The pre-release (`dev` in `1.12.0-dev`); empty for a release.
    pre: String,
    /// The build metadata (`ent` in `1.10.0+ent`); empty when there is none.
    meta: String,
}

impl PackerVersion {
    /// Reads one version: an optional `v`, dot-separated numbers, then optionally `-` and a
    /// pre-release (or a pre-release starting with a letter right away: `1.0beta`) and `+`
    /// and build metadata, each made of dot-separated runs of letters, digits, `-` and `~`.
    ///
    /// # Examples
    /// ```
    /// use hybridc::version::PackerVersion;
    ///
    /// assert_eq!(PackerVersion::parse("v1.12.0-dev").map(|v| v.to_string()).as_deref(), Some("1.12.0-dev"));
    /// assert!(PackerVersion::parse("1..2").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        // Dot-separated runs of letters, digits, `-` and `~`, none empty.
        let identifiers = |text: &str| {
            text.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '~')
            })
        };
        let text = text.strip_prefix('v').unwrap_or(text);
        let (text, meta) = match text.split_once('+') {
            Some((text, meta)) if identifiers(meta) => (text, meta),
            Some(_) => return None,
            None => (text, ""),
        };
        let numbers_end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (numbers, rest) = text.split_at(numbers_end);
        let pre = match rest.strip_prefix('-') {
            Some(pre) if identifiers(pre) => pre,
            None if rest.is_empty() => "",
            None if rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '~')
                && identifiers(rest) =>
            {
                rest
            }
            _ => return None,
        };
        let segments = numbers
            .split('.')
            .map(|n| n.parse::<u64>().ok().filter(|_| !n.is_empty()))
            .collect::<Option<Vec<u64>>>()?;
        Some(PackerVersion {
            segments,
            pre: pre.to_owned(),
            meta: meta.to_owned(),
        })
    }

    /// The first word of `text` (the output of `packer version`, `Packer v1.11.2`) that reads
    /// as a version with at least two segments.
    pub fn find_in(text: &str) -> Option<Self> {
        text.split_whitespace()
            .map(|word| word.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '"')))
            .filter(|word| {
                word.strip_prefix('v')
                    .unwrap_or(word)
                    .starts_with(|c: char| c.is_ascii_digit())
            })
            .filter_map(PackerVersion::parse)
            .find(|version| version.segments.len() >= 2)
    }

    /// The same version without pre-release and metadata.
    pub fn core(&self) -> Self {
        PackerVersion {
            segments: self.segments.clone(),
            pre: String::new(),
            meta: String::new(),
        }
    }

    /// The segments, padded with zeros to `len`.
    fn padded(&self, len: usize) -> Vec<u64> {
        let mut segments = self.segments.clone();
        segments.resize(len.max(segments.len()), 0);
        segments
    }

    /// Orders versions as go-version does: segments numerically (missing ones are zero), then
    /// a release after its pre-releases, pre-releases by their dot-separated parts.
    pub fn compare(&self, other: &Self) -> Ordering {
        let len = self.segments.len().max(other.segments.len()).max(3);
        self.padded(len)
            .cmp(&other.padded(len))
            .then_with(|| compare_pre(&self.pre, &other.pre))
    }

    /// Whether the segments are the same (missing ones are zero).
    fn same_segments(&self, other: &Self) -> bool {
        let len = self.segments.len().max(other.segments.len()).max(3);
        self.padded(len) == other.padded(len)
    }
}

impl fmt::Display for PackerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let numbers: Vec<String> = self.segments.iter().map(u64::to_string).collect();
        f.write_str(&numbers.join("."))?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.meta.is_empty() {
            write!(f, "+{}", self.meta)?;
        }
        Ok(())
    }
}

/// go-version's order of pre-releases; the empty one (a release) is the highest.
fn compare_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let (a, b): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
            (0..a.len().max(b.len()))
                .map(|i| {
                    compare_part(
                        a.get(i).copied().unwrap_or(""),
                        b.get(i).copied().unwrap_or(""),
                    )
                })
                .find(|order| *order != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        }
    }
}

/// go-version's order of two parts of pre-releases: numbers numerically and before words,
/// words alphabetically; a missing part comes after a word and before a number.
fn compare_part(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    let (x_number, y_number) = (x.parse::<u64>().ok(), y.parse::<u64>().ok());
    if x.is_empty() {
        return if y_number.is_some() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    if y.is_empty() {
        return if x_number.is_some() {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    match (x_number, y_number) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => x.cmp(y),
    }
}

/// An operator of a version constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=`, or no operator.
    Equal,
    /// `!=`.
    NotEqual,
    /// `>`.
    Greater,
    /// `>=`.
    GreaterOrEqual,
    /// `<`.
    Less,
    /// `<=`.
    LessOrEqual,
    /// `~>`: at least this version, with the same segments but the last one written (`~> 1.11`
    /// is `>= 1.11, < 2.0`; `~> 1.11.2` is `>= 1.11.2, < 1.12.0`).
    Pessimistic,
}

impl Operator {
    /// The operators as written, the two-character ones before their one-character prefixes.
    const WRITTEN: [(&'static str, Operator); 7] = [
        (">=", Operator::GreaterOrEqual),
        ("<=", Operator::LessOrEqual),
        ("!=", Operator::NotEqual),
        ("~>", Operator::Pessimistic),
        (">", Operator::Greater),
        ("<", Operator::Less),
        ("=", Operator::Equal),
    ];
}

/// A Packer version constraint as hashicorp/go-version reads `required_version`:
/// comma-separated terms `<operator> <version>`, all of which must hold. Operators are `=` (the
/// default), `!=`, `>`, `>=`, `<`, `<=` and `~>`. As in go-version, a version with a pre-release
/// satisfies `>`, `>=`, `<`, `<=` and `~>` only when the term has a pre-release too, on the same
/// segments. An empty constraint allows every version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionConstraint {
    terms: Vec<(Operator, PackerVersion)>,
}

impl VersionConstraint {
    /// Reads a constraint (`>= 1.11.0`, `~> 1.11, != 1.11.1`).
    ///
    /// # Errors
    /// Which term is not an operator followed by a version.
    ///
    /// # Examples
    /// ```
    /// use hybridc::version::{PackerVersion, VersionConstraint};
    ///
    /// let constraint = VersionConstraint::parse(">= 1.11.0, < 2").expect("a constraint");
    /// let version = |text| PackerVersion::parse(text).expect("a version");
    /// assert!(constraint.allows(&version("1.11.2")));
    /// assert!(!constraint.allows(&version("1.6.6")));
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(VersionConstraint { terms: Vec::new() });
        }
        let mut terms = Vec::new();
        for term in text.split(',') {
            let term = term.trim();
            let (operator, version) = Operator::WRITTEN
                .iter()
                .find_map(|(written, operator)| {
                    term.strip_prefix(written).map(|rest| (*operator, rest))
                })
                .unwrap_or((Operator::Equal, term));
            let version = PackerVersion::parse(version.trim()).ok_or_else(|| {
                format!(
                    "`{term}` is not an operator (`=`, `!=`, `>`, `>=`, `<`, `<=` or `~>`) \
                     followed by a version"
                )
            })?;
            terms.push((operator, version));
        }
        Ok(VersionConstraint { terms })
    }

    /// Whether `version` satisfies every term.
    pub fn allows(&self, version: &PackerVersion) -> bool {
        self.terms
            .iter()
            .all(|(operator, term)| holds(*operator, version, term))
    }
}

/// go-version's rule for pre-releases in `>`, `>=`, `<`, `<=` and `~>`.
fn prerelease_check(version: &PackerVersion, term: &PackerVersion) -> bool {
    match (version.pre.is_empty(), term.pre.is_empty()) {
        (false, false) => version.same_segments(term),
        (false, true) => false,
        (true, _) => true,
    }
}

fn holds(operator: Operator, version: &PackerVersion, term: &PackerVersion) -> bool {
    let order = version.compare(term);
    match operator {
        Operator::Equal => order == Ordering::Equal,
        Operator::NotEqual => order != Ordering::Equal,
        Operator::Greater => prerelease_check(version, term) && order == Ordering::Greater,
        Operator::GreaterOrEqual => prerelease_check(version, term) && order != Ordering::Less,
        Operator::Less => prerelease_check(version, term) && order == Ordering::Less,
        Operator::LessOrEqual => prerelease_check(version, term) && order != Ordering::Greater,
        Operator::Pessimistic => {
            if !prerelease_check(version, term)
                || (!term.pre.is_empty() && version.pre.is_empty())
                || order == Ordering::Less
            {
                return false;
            }
            // go-version pads both to three segments; the written ones but the last must
            // match, and the last may only grow.
            let len = term.segments.len().max(3);
            if len > version.segments.len().max(3) {
                return false;
            }
            let (v, t) = (version.padded(len), term.padded(len));
            let written = term.segments.len();
            v[..written - 1] == t[..written - 1] && t[len - 1] <= v[len - 1]
        }
    }
}
