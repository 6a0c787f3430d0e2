//! Where a cursor is in the spec's tree: on a key, on a value, or where a new key or item is
//! being written, with the path of mapping keys and sequence indices that leads there.
//!
//! Spans say where written nodes are; a cursor past them (a new line under `options:`, an
//! empty `- ` item) is placed by its indentation, as YAML itself nests block collections.

use std::ops::Range;

use crate::span::Span;
use crate::yaml::{Node, Value};

/// What the cursor is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// The key at the end of the path.
    Key(Span),
    /// The value at the end of the path: a scalar, or nothing yet after `key:`.
    Value(Span),
    /// A new key of the mapping at the path.
    NewKey,
    /// A new item of the sequence at the path.
    NewItem,
}

/// A cursor in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cursor {
    /// Mapping keys and sequence indices from the root.
    pub tokens: Vec<String>,
    /// What it is on.
    pub place: Place,
    /// The word typed at the cursor, which a completion replaces.
    pub word: Range<usize>,
}

impl Cursor {
    /// The path's tokens as `&str`, for matching.
    pub fn path(&self) -> Vec<&str> {
        self.tokens.iter().map(String::as_str).collect()
    }
}

/// The cursor at byte `offset` of `text`, whose tree is `tree`; `None` past the end, inside a
/// character, or on a line that holds something else already.
pub(super) fn cursor(tree: &Node, text: &str, offset: usize) -> Option<Cursor> {
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    let word = word(text, offset);
    let mut tokens = Vec::new();
    let at = At {
        text,
        offset,
        start: word.start,
    };
    let Found::At(place) = at.descend(tree, &mut tokens) else {
        return None;
    };
    Some(Cursor {
        tokens,
        place,
        word,
    })
}

/// The word at `offset`: the bytes around it up to a space, a quote or YAML punctuation.
pub(super) fn word(text: &str, offset: usize) -> Range<usize> {
    let stop = |c: char| c.is_whitespace() || "[]{},:#\"'".contains(c);
    let start = text[..offset]
        .char_indices()
        .rev()
        .find(|(_, c)| stop(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| stop(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    start..end
}

struct At<'t> {
    text: &'t str,
    offset: usize,
    /// Where the word at the cursor starts: its indentation decides nesting.
    start: usize,
}

impl At<'_> {
    fn within(&self, span: Span) -> bool {
        span.start <= self.offset && self.offset <= span.end
    }

    fn column(&self, at: usize) -> usize {
        at - self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    fn same_line(&self, from: usize, to: usize) -> bool {
        from <= to && !self.text[from..to].contains('\n')
    }

    /// Whether nothing is written yet where a new line of a block starts: the cursor's
    /// line holds at most `- ` before the word.
    fn after_dash(&self) -> bool {
        let line = self.start - self.column(self.start);
        self.text[line..self.start].trim() == "-"
    }

    /// Whether the cursor, on a later line than `first` and indented less, belongs to a
    /// collection around the one that starts there.
    fn outside(&self, first: usize) -> bool {
        !self.same_line(first, self.offset) && self.column(self.start) < self.column(first)
    }

    fn descend(&self, node: &Node, tokens: &mut Vec<String>) -> Found {
        let depth = tokens.len();
        match &node.value {
            Value::Map(entries) => {
                if entries
                    .first()
                    .is_some_and(|e| self.outside(e.key_span.start))
                {
                    return Found::Outside;
                }
                for entry in entries {
                    if self.within(entry.key_span) {
                        tokens.push(entry.key.clone());
                        return Found::At(Place::Key(entry.key_span));
                    }
                    if !empty(&entry.value) && self.within(entry.value.span) {
                        tokens.push(entry.key.clone());
                        match self.descend(&entry.value, tokens) {
                            Found::Outside => tokens.truncate(depth),
                            found => return found,
                        }
                    }
                }
                let Some(last) = entries.iter().rev().find(|e| e.key_span.end <= self.offset)
                else {
                    return Found::At(Place::NewKey);
                };
                if self.same_line(last.key_span.end, self.offset) {
                    let value = &last.value;
                    if empty(value) {
                        // `key: |`: the value is being typed.
                        tokens.push(last.key.clone());
                        return Found::At(Place::Value(Span::new(self.start, self.start)));
                    }
                    if matches!(value.value, Value::Map(_) | Value::Seq(_)) {
                        // A flow collection goes on past its last item: `[a, |]`.
                        tokens.push(last.key.clone());
                        return self.descend(value, tokens);
                    }
                    // `a: 1, |` in a flow mapping; anything else on the line is written.
                    let between = self.text.get(value.span.end..self.start).unwrap_or("");
                    return if between.contains(',') {
                        Found::At(Place::NewKey)
                    } else {
                        Found::Nothing
                    };
                }
                if self.column(self.start) > self.column(last.key_span.start) {
                    tokens.push(last.key.clone());
                    return self.nested(&last.value, tokens);
                }
                Found::At(Place::NewKey)
            }
            Value::Seq(items) => {
                if self.outside(node.span.start) {
                    return Found::Outside;
                }
                for (i, item) in items.iter().enumerate() {
                    if !empty(item) && self.within(item.span) {
                        tokens.push(i.to_string());
                        match self.descend(item, tokens) {
                            Found::Outside => tokens.truncate(depth),
                            found => return found,
                        }
                    }
                }
                let last = items
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|(_, item)| !empty(item) && item.span.start < self.offset);
                if let Some((i, item)) = last
                    && matches!(item.value, Value::Map(_))
                    && !self.same_line(item.span.start, self.offset)
                    && self.column(self.start) > self.column(node.span.start)
                    && !self.after_dash()
                {
                    tokens.push(i.to_string());
                    return self.descend(item, tokens);
                }
                Found::At(Place::NewItem)
            }
            _ if empty(node) => self.nested(node, tokens),
            _ if self.within(node.span) => Found::At(Place::Value(node.span)),
            _ => Found::Nothing,
        }
    }

    /// The cursor on a line below a key, indented deeper: inside its value.
    fn nested(&self, value: &Node, tokens: &mut Vec<String>) -> Found {
        match value.value {
            Value::Map(_) | Value::Seq(_) => self.descend(value, tokens),
            Value::Null if self.after_dash() => Found::At(Place::NewItem),
            Value::Null => Found::At(Place::NewKey),
            _ => Found::Nothing,
        }
    }
}

/// What a walk down the tree found.
enum Found {
    /// The cursor's place.
    At(Place),
    /// Nothing to say there (between a key and its value).
    Nothing,
    /// The cursor belongs to a collection further up.
    Outside,
}

/// A value the spec leaves out: `key:` and nothing.
fn empty(node: &Node) -> bool {
    matches!(node.value, Value::Null) && node.span.start == node.span.end
}
