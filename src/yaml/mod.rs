//! The spec's YAML, parsed into a tree that remembers where every node stands.
//!
//! Built on saphyr-parser's event stream, because the later stages need the byte span of every
//! key and value (to point diagnostics at the exact line and column), every duplicate key with
//! both places, and a bound on alias expansion. Scalars are resolved with the YAML 1.2 core
//! schema, so `no` stays a string and `0755` is a decimal integer. This module only turns text
//! into a tree (and the tree into JSON); it knows nothing about what a spec must contain.
//!
//! The tree and how to walk it live here; [`parse`] builds it from text, `index` finds the
//! keys of large mappings, and `de` decodes a typed value from it (`T::deserialize(&node)`)
//! exactly as `serde_json` would from [`Node::to_json`].

mod de;
mod index;
mod parse;

use std::borrow::Cow;

use crate::diagnostic::Span;
use index::KeyIndex;

pub use de::Error as DecodeError;
pub use parse::parse;

/// How many nodes aliases may add to the tree before the document is refused.
pub const ALIAS_EXPANSION_LIMIT: usize = 10_000;

/// How deeply collections may nest.
pub const MAX_DEPTH: usize = 64;

/// A YAML node and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The bytes the node's text covers.
    pub span: Span,
    /// What the node holds.
    pub value: Value,
    /// Where each key of a large mapping is (empty for anything else).
    index: KeyIndex,
}

/// The content of a node, after YAML 1.2 core-schema resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// Any other scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<Entry>),
}

/// One key and value of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key's text.
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

/// Where a JSON pointer leads in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// The key that holds the value, when the value sits in a mapping.
    pub key: Option<Span>,
    /// The value itself.
    pub value: Span,
}

impl Located {
    /// The key when there is one, else the value: where "this key is wrong" should point.
    pub fn key_or_value(&self) -> Span {
        self.key.unwrap_or(self.value)
    }
}

impl Node {
    /// The entries of a mapping node.
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// A node; a mapping's keys are indexed when there are many.
    pub(super) fn new(span: Span, value: Value) -> Self {
        let index = match &value {
            Value::Map(entries) => KeyIndex::of(entries),
            _ => KeyIndex::default(),
        };
        Node { span, value, index }
    }

    /// The value under `key` in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        let entries = self.entries();
        match self.index.find(entries, key) {
            Some(found) => found,
            None => entries.iter().find(|e| e.key == key),
        }
    }

    /// Follows an RFC 6901 JSON pointer (`/oses/ubuntu/hardware/cpus`) through the tree.
    pub fn locate(&self, pointer: &str) -> Option<Located> {
        let mut here = Located {
            key: None,
            value: self.span,
        };
        let mut node = self;
        if pointer.is_empty() {
            return Some(here);
        }
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token: Cow<'_, str> = if raw.contains('~') {
                Cow::Owned(crate::pointer::unescape(raw))
            } else {
                Cow::Borrowed(raw)
            };
            match &node.value {
                Value::Map(_) => {
                    let entry = node.get(&token)?;
                    here = Located {
                        key: Some(entry.key_span),
                        value: entry.value.span,
                    };
                    node = &entry.value;
                }
                Value::Seq(items) => {
                    let item = items.get(token.parse::<usize>().ok()?)?;
                    here = Located {
                        key: None,
                        value: item.span,
                    };
                    node = item;
                }
                _ => return None,
            }
        }
        Some(here)
    }

    /// Like [`Node::locate`], but a pointer to a key the spec leaves out (a default) leads to
    /// the nearest node the spec does write.
    pub fn locate_nearest(&self, pointer: &str) -> Located {
        let mut pointer = pointer;
        loop {
            if let Some(found) = self.locate(pointer) {
                return found;
            }
            match pointer.rfind('/') {
                Some(i) => pointer = &pointer[..i],
                None => {
                    return Located {
                        key: None,
                        value: self.span,
                    };
                }
            }
        }
    }

    /// The same data as JSON, for schema validation and typed decoding.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    pub(super) fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|e| 1 + e.value.size()).sum(),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Node {
        parse(text).expect("valid yaml")
    }

    #[test]
    fn locates_keys_and_values_in_bytes() {
        let text = "oses:\n  \"ü\": {cpus: 4}\n  b:\n    - x\n    - \"y\"   # comment\n";
        let node = parse_ok(text);
        let at = node.locate("/oses/ü/cpus").expect("found");
        assert_eq!(&text[at.key.expect("key").start..at.value.end], "cpus: 4");
        let y = node.locate("/oses/b/1").expect("found");
        assert_eq!(&text[y.value.start..y.value.end], "\"y\"");
        assert!(node.locate("/oses/c").is_none());
    }

    #[test]
    fn finds_and_refuses_duplicates_in_large_mappings() {
        let mut text = String::from("oses:\n");
        for i in 0..40 {
            text.push_str(&format!("  os-{i}: {{ cpus: {i} }}\n  \"a/b~{i}\": {i}\n"));
        }
        let node = parse_ok(&text);
        let oses = &node.get("oses").expect("oses").value;
        for i in 0..40 {
            let os = oses.get(&format!("os-{i}")).expect("indexed");
            assert_eq!(os.value.to_json()["cpus"], i);
            let at = node.locate(&format!("/oses/a~1b~0{i}")).expect("escaped");
            assert_eq!(&text[at.value.start..at.value.end], i.to_string());
        }
        assert!(oses.get("os-40").is_none());
        text.push_str("  os-7: {}\n  os-39: {}\n");
        let errors = parse(&text).expect_err("duplicates");
        assert_eq!(errors.len(), 2);
        assert!(
            errors
                .iter()
                .all(|e| e.code == crate::diagnostic::Code::DuplicateKey)
        );
        assert_eq!(&text[errors[0].secondary[0].span.start..][..4], "os-7");
    }
}
