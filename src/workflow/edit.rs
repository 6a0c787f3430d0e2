//! Edits of YAML text at the spans of its parsed tree: where an entry's text ends (the tree's
//! spans end at a collection's last item, before a flow collection's closing bracket), its
//! lines, and replacements applied without touching any other byte. Used by `add os`, which
//! must keep every comment and formatting choice of the spec outside its own lines.

use crate::span::Span;
use crate::yaml::{Entry, Node, Value};

/// The line end a text uses: CRLF when it has one, else LF.
pub(super) fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// Where the line holding the offset `at` starts.
pub(super) fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |n| n + 1)
}

/// The end of the last thing written in an entry: its last scalar, or the closing bracket of
/// its last flow collection.
pub(super) fn last_end(text: &str, entry: &Entry) -> usize {
    fn node_end(text: &str, node: &Node) -> Option<usize> {
        let start = node.span.start;
        match &node.value {
            Value::Map(_) | Value::Seq(_) if text[start..].starts_with(['[', '{']) => {
                flow_end(text, start)
            }
            Value::Map(entries) => entries
                .last()
                .map(|e| node_end(text, &e.value).unwrap_or(e.key_span.end)),
            Value::Seq(items) => items.last().and_then(|item| node_end(text, item)),
            Value::Null => None,
            _ => Some(node.span.end),
        }
        .map(|end| end.max(start))
    }
    node_end(text, &entry.value).map_or(entry.key_span.end, |end| end.max(entry.key_span.end))
}

/// The span of the value of `key` in the OS `source`, up to its [`last_end`].
pub(super) fn value_span(text: &str, source: &Entry, key: &str) -> Option<Span> {
    let entry = source.value.get(key)?;
    let start = entry.value.span.start;
    Some(Span::new(start, last_end(text, entry)))
}

/// The offset after the bracket that closes the flow collection opening at `start` (the
/// tree's spans end at a collection's last item): brackets are counted outside quoted scalars
/// and comments.
pub(super) fn flow_end(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut chars = text[start..].char_indices().peekable();
    let mut previous = ' ';
    while let Some((at, c)) = chars.next() {
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(start + at + 1);
                }
            }
            '\'' | '"' => {
                while let Some((_, q)) = chars.next() {
                    if q == '\\' && c == '"' {
                        chars.next();
                    } else if q == c {
                        if c == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '#' if previous.is_whitespace() => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            _ => {}
        }
        previous = c;
    }
    None
}

/// The offset after the line end at or after `at` (the text's end when there is none).
pub(super) fn line_end(text: &str, at: usize) -> usize {
    if at > 0 && text.as_bytes()[at - 1] == b'\n' {
        return at;
    }
    text[at..].find('\n').map_or(text.len(), |n| at + n + 1)
}

/// The text of `range` with each `(span, replacement)` of `edits` (spans inside the range, none
/// overlapping) applied.
pub(super) fn apply(
    text: &str,
    range: std::ops::Range<usize>,
    mut edits: Vec<(Span, String)>,
) -> String {
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut out = text[range.clone()].to_owned();
    for (span, replacement) in edits {
        out.replace_range(
            span.start - range.start..span.end - range.start,
            &replacement,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_collection_ends_at_its_bracket_outside_strings_and_comments() {
        assert_eq!(flow_end("{ a: '}''x', \"\\\"]\", b: [1] } x", 0), Some(28));
        assert_eq!(flow_end("[a, # ]\n b]", 0), Some(11));
        assert_eq!(flow_end("[a", 0), None);
    }

    #[test]
    fn lines_end_after_their_line_break() {
        assert_eq!(line_end("ab\ncd", 1), 3);
        assert_eq!(line_end("ab\ncd", 3), 3);
        assert_eq!(line_end("ab\ncd", 4), 5);
        assert_eq!(line_start("ab\ncd", 4), 3);
        assert_eq!(newline("a\r\nb"), "\r\n");
    }
}
