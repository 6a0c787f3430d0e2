//! From text to the spanned tree: saphyr-parser's events, folded into nodes with byte spans,
//! with every duplicate key, the alias budget and the nesting limit checked on the way, and
//! scalars resolved with the YAML 1.2 core schema.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, DefaultHasher};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

use super::index::{INDEXED_FROM, hash};
use super::{ALIAS_EXPANSION_LIMIT, Entry, MAX_DEPTH, Node, Value};
use crate::diagnostic::{Code, Diagnostic, Span};

/// Converts the parser's character positions into byte offsets.
struct Offsets<'a> {
    text: &'a str,
    /// Byte offset of every character, present only when the text is not pure ASCII.
    table: Option<Vec<usize>>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        let table = (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect());
        Offsets { text, table }
    }

    fn byte(&self, marker: &Marker) -> usize {
        let index = marker.index();
        match &self.table {
            None => index.min(self.text.len()),
            Some(table) => table.get(index).copied().unwrap_or(self.text.len()),
        }
    }

    fn span(&self, span: &saphyr_parser::Span) -> Span {
        Span::new(self.byte(&span.start), self.byte(&span.end))
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Span)>,
        /// Hashes of the keys so far, once there are enough of them to be worth it.
        seen: HashSet<u64, BuildHasherDefault<DefaultHasher>>,
    },
}

/// Parses one YAML document into a spanned tree.
///
/// # Errors
/// Every problem found before the tree is complete: a syntax error (parsing stops there),
/// duplicate keys (all of them, each with both places), non-scalar keys, alias bombs, nesting
/// deeper than [`MAX_DEPTH`], a second document.
pub fn parse(text: &str) -> Result<Node, Vec<Diagnostic>> {
    let offsets = Offsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: Vec<Option<(Node, usize)>> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    let mut expanded = 0usize;
    let mut problems = Vec::new();

    while let Some(next) = parser.next_event() {
        let (event, raw_span) = match next {
            Ok(ok) => ok,
            Err(error) => {
                let mut at = offsets.byte(error.marker());
                // Point at the offending tab itself, not at what follows it.
                if error.info().contains("tab") {
                    while at > 0 && text.as_bytes()[at - 1] == b'\t' {
                        at -= 1;
                    }
                }
                let end = next_char_end(text, at);
                problems.push(
                    Diagnostic::error(
                        Code::Syntax,
                        format!("invalid YAML: {}", error.info()),
                        Span::new(at, end),
                        "here",
                    )
                    .with_help(
                        "fix the YAML syntax; indentation must use spaces and be consistent",
                    ),
                );
                return Err(problems);
            }
        };
        let span = offsets.span(&raw_span);
        let complete = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    problems.push(
                        Diagnostic::error(
                            Code::MultipleDocuments,
                            "the spec must be a single YAML document",
                            Span::new(span.start, next_char_end(text, span.start)),
                            "a second document starts here",
                        )
                        .with_help("remove the `---` separator and merge the documents into one"),
                    );
                    return Err(problems);
                }
                None
            }
            Event::Scalar(value, style, anchor, tag) => {
                let span = scalar_span(text, span, style);
                let node = Node::new(span, resolve(value, style, tag.as_deref()));
                remember(&mut anchors, anchor, &node);
                Some(node)
            }
            Event::Alias(id) => match anchors.get(id).and_then(Option::as_ref) {
                Some((node, size)) => {
                    expanded += size;
                    if expanded > ALIAS_EXPANSION_LIMIT {
                        problems.push(
                            Diagnostic::error(
                                Code::AliasLimit,
                                format!("aliases expand to more than {ALIAS_EXPANSION_LIMIT} nodes"),
                                span,
                                "this alias goes over the limit",
                            )
                            .with_help("aliases that refer to aliases grow exponentially; write the values out or use `defaults`"),
                        );
                        return Err(problems);
                    }
                    let mut copy = node.clone();
                    // The copy is reported where the alias is written.
                    copy.span = span;
                    Some(copy)
                }
                None => {
                    problems.push(Diagnostic::error(
                        Code::Syntax,
                        "invalid YAML: alias to an unknown anchor",
                        span,
                        "no anchor of this name before here",
                    ));
                    return Err(problems);
                }
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    problems.push(Diagnostic::error(
                        Code::TooDeep,
                        format!("collections nest deeper than {MAX_DEPTH} levels"),
                        Span::new(span.start, next_char_end(text, span.start)),
                        "too deep here",
                    ));
                    return Err(problems);
                }
                let frame = if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        start: span.start,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        start: span.start,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                        seen: HashSet::default(),
                    }
                };
                stack.push(frame);
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                    }) => {
                        let end = items.last().map_or(span.end, |n| n.span.end).max(start);
                        let node = Node::new(Span::new(start, end), Value::Seq(items));
                        remember(&mut anchors, anchor, &node);
                        node
                    }
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => {
                        let end = entries
                            .last()
                            .map_or(span.end, |e| e.value.span.end)
                            .max(start);
                        let node = Node::new(Span::new(start, end), Value::Map(entries));
                        remember(&mut anchors, anchor, &node);
                        node
                    }
                    None => continue,
                };
                Some(node)
            }
        };
        if let Some(node) = complete {
            match stack.last_mut() {
                None => root = Some(node),
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map {
                    entries, key, seen, ..
                }) => match key.take() {
                    Some((key, key_span)) => entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    }),
                    None => {
                        let key_span = node.span;
                        let name = match node.value {
                            Value::Str(s) => s,
                            Value::Int(i) => i.to_string(),
                            Value::Bool(b) => b.to_string(),
                            Value::Float(f) => f.to_string(),
                            Value::Null => String::new(),
                            Value::Seq(_) | Value::Map(_) => {
                                problems.push(Diagnostic::error(
                                    Code::ComplexKey,
                                    "mapping keys must be plain strings",
                                    key_span,
                                    "a collection used as a key",
                                ));
                                String::new()
                            }
                        };
                        if let Some(first) = earlier_key(entries, seen, &name) {
                            problems.push(
                                Diagnostic::error(
                                    Code::DuplicateKey,
                                    format!("duplicate key `{name}`"),
                                    key_span,
                                    "defined again here",
                                )
                                .with_secondary(first.key_span, "first defined here")
                                .with_help("a key may appear once per mapping; remove one of them"),
                            );
                        }
                        *key = Some((name, key_span));
                    }
                },
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(root.unwrap_or(Node::new(Span::new(0, 0), Value::Null)))
}

/// The entry of `entries` with the key `name`, if any; `seen` holds the hashes of their keys
/// once there are many, so that a mapping of hundreds of OSes is not scanned once per key.
fn earlier_key<'e>(
    entries: &'e [Entry],
    seen: &mut HashSet<u64, BuildHasherDefault<DefaultHasher>>,
    name: &str,
) -> Option<&'e Entry> {
    if entries.len() < INDEXED_FROM {
        return entries.iter().find(|e| e.key == name);
    }
    if seen.is_empty() {
        seen.extend(entries.iter().map(|e| hash(&e.key)));
    }
    // Only a key whose hash was seen can be a duplicate; the rest are the common case.
    if seen.insert(hash(name)) {
        return None;
    }
    entries.iter().find(|e| e.key == name)
}

fn remember(anchors: &mut Vec<Option<(Node, usize)>>, anchor: usize, node: &Node) {
    if anchor == 0 {
        return;
    }
    if anchors.len() <= anchor {
        anchors.resize(anchor + 1, None);
    }
    anchors[anchor] = Some((node.clone(), node.size()));
}

fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| {
            if matches!(c, '\n' | '\r') {
                at
            } else {
                at + c.len_utf8()
            }
        })
}

/// Trims a scalar's span to its own text: the parser's end marker of a quoted scalar can run
/// over trailing blanks and a comment.
fn scalar_span(text: &str, span: Span, style: ScalarStyle) -> Span {
    let Some(slice) = text.get(span.start..span.end) else {
        return span;
    };
    let len = match style {
        ScalarStyle::DoubleQuoted => closing_quote(slice, '"', true),
        ScalarStyle::SingleQuoted => closing_quote(slice, '\'', false),
        _ => Some(slice.trim_end().len()),
    };
    Span::new(span.start, span.start + len.unwrap_or(slice.len()))
}

fn closing_quote(slice: &str, quote: char, backslash_escapes: bool) -> Option<usize> {
    let mut chars = slice.char_indices();
    if chars.next()?.1 != quote {
        return None;
    }
    let mut escaped = false;
    let mut pending_quote: Option<usize> = None;
    for (i, c) in chars {
        if let Some(q) = pending_quote {
            // In single quotes, '' is an escaped quote.
            if c == quote {
                pending_quote = None;
                continue;
            }
            return Some(q + 1);
        }
        if escaped {
            escaped = false;
        } else if backslash_escapes && c == '\\' {
            escaped = true;
        } else if c == quote {
            if backslash_escapes {
                return Some(i + 1);
            }
            pending_quote = Some(i);
        }
    }
    pending_quote.map(|q| q + 1)
}

/// YAML 1.2 core schema: only plain scalars are typed; quoted and block scalars are strings.
fn resolve(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag
        && (tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!")
        && tag.suffix == "str"
    {
        return Value::Str(owned(value));
    }
    if style != ScalarStyle::Plain {
        return Value::Str(owned(value));
    }
    let v = value.as_ref();
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(int) = parse_int(v) {
        return int;
    }
    if is_float(v)
        && let Ok(f) = v.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(owned(value))
}

/// A scalar's text as a string of its own size: the parser's buffers are larger than their
/// text, and the tree keeps every one of them until the process ends.
fn owned(text: Cow<'_, str>) -> String {
    let mut text = text.into_owned();
    text.shrink_to_fit();
    text
}

fn parse_int(v: &str) -> Option<Value> {
    let (digits, radix) = if let Some(hex) = v.strip_prefix("0x") {
        (hex, 16)
    } else if let Some(oct) = v.strip_prefix("0o") {
        (oct, 8)
    } else {
        let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
        if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return Some(match v.parse::<i64>() {
            Ok(i) => Value::Int(i),
            // Too large for i64: keep the number, as JSON would.
            Err(_) => v
                .parse::<f64>()
                .map_or_else(|_| Value::Str(v.to_owned()), Value::Float),
        });
    };
    if digits.is_empty() {
        return None;
    }
    i64::from_str_radix(digits, radix).ok().map(Value::Int)
}

fn is_float(v: &str) -> bool {
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(v, ".nan" | ".NaN" | ".NAN") {
        // Not representable in JSON; such values stay strings.
        return false;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, frac)) => {
            (!whole.is_empty() || !frac.is_empty())
                && whole.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok && (mantissa.contains('.') || exponent.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Node {
        parse(text).expect("valid yaml")
    }

    #[test]
    fn resolves_core_schema_scalars() {
        let node = parse_ok("a: no\nb: 0755\nc: 1.5\nd: ~\ne: true\nf: '12'\ng: 0x1F\nh: 1e3\n");
        let json = node.to_json();
        assert_eq!(json["a"], "no");
        assert_eq!(json["b"], 755);
        assert_eq!(json["c"], 1.5);
        assert!(json["d"].is_null());
        assert_eq!(json["e"], true);
        assert_eq!(json["f"], "12");
        assert_eq!(json["g"], 31);
        assert_eq!(json["h"], 1000.0);
    }

    #[test]
    fn reports_every_duplicate_key_with_both_places() {
        let errors = parse("a: 1\nb: 2\na: 3\nc:\n  x: 1\n  x: 2\n").expect_err("duplicates");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].code, Code::DuplicateKey);
        assert_eq!(errors[0].primary.span.start, 10);
        assert_eq!(errors[0].secondary[0].span.start, 0);
    }

    #[test]
    fn refuses_alias_bombs_quickly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let errors = parse(&text).expect_err("bomb");
        assert_eq!(errors[0].code, Code::AliasLimit);
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing() {
        let errors = parse(&"[".repeat(MAX_DEPTH + 5)).expect_err("too deep");
        assert_eq!(errors[0].code, Code::TooDeep);
        // Far deeper input is refused too (by the parser's own limit), never by a stack overflow.
        assert!(parse(&"[".repeat(100_000)).is_err());
    }
}
