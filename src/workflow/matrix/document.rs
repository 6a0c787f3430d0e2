//! YAML documents as data, written by saphyr's emitter: the GitLab pipeline and the GitHub
//! workflow are built as [`Node`] trees and emitted whole, and the spec lines of `add os` and
//! `init` take their scalars from the same emitter ([`scalar`]). No YAML text is assembled by
//! hand here.
//!
//! The emitter writes no comments, so a CI document is a block of comment lines (who wrote it,
//! the credentials it reads and where to define them) followed by the emitted data, which
//! starts with the document marker `---`.
//!
//! In CI documents every string value is double-quoted: GitLab reads YAML 1.1, where a plain
//! `2024-01-01`, `1_000` or `0b11` would be a date or a number, and a quoted string is a string
//! in YAML 1.1 and 1.2 alike, whatever the spec names its environments, editions and runner
//! tags. Keys are plain where the emitter finds them unambiguous; the keys hybridc writes are
//! fixed names, `validate-<environment>` and environment variable names.

use std::borrow::Cow;

use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};

/// A node of a document.
pub(super) type Node = Yaml<'static>;

/// A string node.
pub(super) fn text(value: impl Into<String>) -> Node {
    Yaml::Value(Scalar::String(Cow::Owned(value.into())))
}

/// A boolean node.
pub(super) fn boolean(value: bool) -> Node {
    Yaml::Value(Scalar::Boolean(value))
}

/// An integer node.
pub(super) fn integer(value: i64) -> Node {
    Yaml::Value(Scalar::Integer(value))
}

/// A null node (`~`): a key whose presence is the setting, as GitHub's `pull_request:`.
pub(super) fn null() -> Node {
    Yaml::Value(Scalar::Null)
}

/// A list of strings.
pub(super) fn texts<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Node {
    Yaml::Sequence(values.into_iter().map(|v| text(v.as_ref())).collect())
}

/// A list of nodes.
pub(super) fn list(values: impl IntoIterator<Item = Node>) -> Node {
    Yaml::Sequence(values.into_iter().collect())
}

/// A mapping, in the order its entries are added.
#[derive(Debug, Default)]
pub(super) struct Map(Mapping<'static>);

impl Map {
    /// An empty mapping.
    pub(super) fn new() -> Map {
        Map::default()
    }

    /// Adds `key: value` at the end.
    pub(super) fn with(mut self, key: impl Into<String>, value: Node) -> Map {
        self.set(key, value);
        self
    }

    /// Adds `key: value` at the end, in place.
    pub(super) fn set(&mut self, key: impl Into<String>, value: Node) {
        self.0.insert(text(key), value);
    }

    /// The mapping as a node.
    pub(super) fn node(self) -> Node {
        Yaml::Mapping(self.0)
    }
}

/// The document: `comments` as comment lines (each line of them prefixed with `# `), then
/// `data`, every string value double-quoted, ending with a line break.
pub(super) fn write(comments: &[String], data: &Node) -> String {
    let mut out = String::new();
    for line in comments {
        out.push_str("# ");
        out.push_str(&comment(line));
        out.push('\n');
    }
    let mut emitter = YamlEmitter::new(&mut out);
    emitter.quoted_value(true);
    emitter
        .dump(data)
        .expect("writing YAML into a String cannot fail");
    out.push('\n');
    out
}

/// A YAML scalar that reads back as exactly `value` (YAML 1.2, also inside a flow mapping):
/// plain when the emitter finds that unambiguous, else double-quoted with escapes. The scalar
/// writer of the spec lines `add os` and `init` write.
pub(crate) fn scalar(value: &str) -> String {
    let mut out = String::new();
    YamlEmitter::new(&mut out)
        .dump(&text(value))
        .expect("writing YAML into a String cannot fail");
    out.strip_prefix("---\n")
        .map(str::to_owned)
        .expect("the emitter starts every document with `---`")
}

/// `line` as the text of one comment line: line breaks and other control characters become
/// spaces, so a name cannot end the comment.
fn comment(line: &str) -> String {
    line.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `key: <scalar>`, plain and in a flow mapping, reads back as the text.
    fn reads_back(value: &str) {
        for yaml in [
            format!("key: {}\n", scalar(value)),
            format!("{{ key: {}, other: 1 }}\n", scalar(value)),
        ] {
            let tree = crate::yaml::parse(&yaml).expect("valid YAML");
            assert_eq!(tree.to_json()["key"], value, "{yaml}");
        }
    }

    #[test]
    fn scalars_read_back_exactly() {
        for value in [
            "ubuntu-2404",
            "",
            " lead",
            "trail ",
            "a: b",
            "a #b",
            "{x}",
            "*alias",
            "&anchor",
            "- item",
            "-only",
            ".packer-build",
            "true",
            "No",
            "null",
            "~",
            "2022",
            "1e3",
            "0x1f",
            "0o17",
            ".5",
            ".inf",
            ".NaN",
            "back\\slash \"quoted\"",
            "line\nbreak\ttab",
            "bell\u{7}",
            "non-ascii é",
            "https://a.org/x.iso",
            "[ds1] iso/x.iso",
            "packer build -only=\"$ONLY\" generated/",
        ] {
            reads_back(value);
        }
        assert_eq!(scalar("ubuntu-2404"), "ubuntu-2404");
        assert_eq!(scalar("Debian 12 (bookworm)"), "Debian 12 (bookworm)");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("2022"), "\"2022\"");
    }

    #[test]
    fn documents_start_with_their_comments_and_quote_every_string_value() {
        let data = Map::new()
            .with("name", text("2024-01-01"))
            .with("count", integer(0))
            .with("on", Map::new().with("push", null()).node())
            .with("flag", boolean(false))
            .with("list", texts(["1_000", "b"]))
            .node();
        let written = write(&["first".to_owned(), "two\nlines".to_owned()], &data);
        assert_eq!(
            written,
            "# first\n# two lines\n---\nname: \"2024-01-01\"\ncount: 0\n\"on\":\n  push: ~\n\
             flag: false\nlist:\n  - \"1_000\"\n  - \"b\"\n"
        );
    }
}
