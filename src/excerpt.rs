//! What a diagnostic shows of the spec file, and the `line:col` it names.
//!
//! Lines are the YAML parser's: a line ends at LF, CRLF or a lone CR (YAML 1.2 `b-break`), and
//! columns count characters. [`Lines`] is the one place that counts them; the JSON report,
//! `explain` and the snippet header all read it (through `SourceFile::line_col`).
//!
//! miette draws a snippet from whatever text it is given and counts lines itself, which goes
//! wrong in two ways on a spec as written: it takes a lone CR for a line break in the header but
//! not in the snippet, and it panics when it pads an underline past column 65,535 (a spec
//! written as one long line of JSON). So miette never sees the file itself, but an [`Excerpt`]
//! of it per diagnostic: the file from the line before the first label to the line after the
//! last, with each lone CR made an
//! LF (one byte for one, so byte offsets keep their meaning) and each line longer than
//! [`MAX_LINE`] characters cut down to windows around the labels on it, joined by `…`. The
//! excerpt maps every label into its own text, and answers miette's questions about lines with
//! the file's line numbers and the header's column from the file, not from itself, so that the
//! cost of a diagnostic is the size of its excerpt, not of the file before it. This module only reshapes text for display; it decides nothing about
//! the spec.

use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::span::Span;

/// Lines longer than this many characters are cut around the labels on them.
pub const MAX_LINE: usize = 200;

/// Characters kept on each side of a label's start and end on a cut line.
pub const CONTEXT: usize = 60;

/// What stands for the characters a cut line leaves out.
pub const ELLIPSIS: &str = "…";

/// Words longer than this many characters are shortened in messages, labels and help lines.
pub const MAX_WORD: usize = 120;

/// `text` with each word (a run without whitespace) longer than [`MAX_WORD`] characters cut
/// to its beginning and end around `…`: a message that quotes a key or value of the spec stays
/// readable however long that key or value is.
pub fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    let long = |word: &str| word.len() > MAX_WORD && word.chars().nth(MAX_WORD).is_some();
    if !text.split_whitespace().any(long) {
        return text.into();
    }
    let keep = (MAX_WORD - 1) / 2;
    let mut out = String::with_capacity(text.len().min(4 * 1024));
    let mut rest = text;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        if long(word) {
            let head = forward(word, 0, keep);
            let tail = word
                .char_indices()
                .rev()
                .nth(keep - 1)
                .map_or(0, |(i, _)| i);
            out.push_str(&word[..head]);
            out.push_str(ELLIPSIS);
            out.push_str(&word[tail..]);
        } else {
            out.push_str(word);
        }
        let space_end = after
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(after.len());
        out.push_str(&after[..space_end]);
        rest = &after[space_end..];
    }
    out.into()
}

/// Where each line of a file starts, found once for all the positions asked about it.
#[derive(Debug, Clone)]
pub struct Lines {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl Lines {
    /// The lines of `text`: each LF, CRLF and lone CR ends one.
    pub fn new(text: &str) -> Lines {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, b) in bytes.iter().enumerate() {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        Lines { starts }
    }

    /// The 0-based line that holds byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|s| *s <= offset)
            .saturating_sub(1)
    }

    /// 1-based line and column (in characters) of a byte offset in `text`, the text these
    /// lines were found in.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.starts[line].min(offset);
        // An offset between the CR and the LF of a CRLF is still on the line they end.
        let col = text[start..offset].trim_end_matches('\r').chars().count() + 1;
        (line + 1, col)
    }

    /// Where the line after the 0-based `line` starts (the end of `text` after the last).
    fn start_after(&self, line: usize, text: &str) -> usize {
        self.starts.get(line + 1).copied().unwrap_or(text.len())
    }
}

/// The part of the spec file shown for one diagnostic, as miette's source.
#[derive(Debug)]
pub struct Excerpt<'a> {
    name: String,
    file: Arc<str>,
    lines: &'a Lines,
    /// The 0-based line of the file the excerpt starts with.
    first_line: usize,
    text: String,
    /// Runs of the file copied unchanged into `text`, in order.
    pieces: Vec<Piece>,
    labels: Vec<Span>,
}

/// A run of bytes at `file` in the file and at `text` in the excerpt.
#[derive(Debug, Clone, Copy)]
struct Piece {
    file: usize,
    text: usize,
    len: usize,
}

impl<'a> Excerpt<'a> {
    /// The excerpt of `file` (named `name`, its lines found by `lines`) that shows `labels`,
    /// byte spans of the file.
    pub fn new(name: &str, file: &Arc<str>, lines: &'a Lines, labels: &[Span]) -> Excerpt<'a> {
        let text: &str = file;
        let labels: Vec<Span> = labels
            .iter()
            .map(|s| {
                let start = floor_char_boundary(text, s.start.min(text.len()));
                let end = floor_char_boundary(text, s.end.min(text.len()));
                Span::new(start, end)
            })
            .collect();
        let mut points: Vec<usize> = labels.iter().flat_map(|s| [s.start, s.end]).collect();
        points.sort_unstable();
        points.dedup();
        // miette shows one line of context before the first label and after the last.
        let first = points.first().copied().unwrap_or(0);
        let last = points.last().copied().unwrap_or(0);
        let first_line = lines.line_of(first).saturating_sub(1);
        let mut start = lines.starts[first_line];
        let end = lines.start_after(lines.line_of(last) + 1, text);
        let mut excerpt = Excerpt {
            name: name.to_owned(),
            file: file.clone(),
            lines,
            first_line,
            text: String::with_capacity((end - start).min(64 * 1024)),
            pieces: Vec::new(),
            labels: Vec::new(),
        };
        let bytes = text.as_bytes();
        while start < end {
            let line_end = bytes[start..end]
                .iter()
                .position(|b| matches!(b, b'\n' | b'\r'))
                .map_or(end, |i| start + i);
            let line = &text[start..line_end];
            if line.len() > MAX_LINE && line.chars().nth(MAX_LINE).is_some() {
                let on_line = points
                    .iter()
                    .copied()
                    .filter(|p| (start..=line_end).contains(p));
                excerpt.cut(start, line_end, on_line);
            } else {
                excerpt.copy(start, line_end);
            }
            match (bytes.get(line_end), bytes.get(line_end + 1)) {
                (Some(b'\r'), Some(b'\n')) => {
                    excerpt.copy(line_end, line_end + 2);
                    start = line_end + 2;
                }
                (Some(b'\r'), _) => {
                    // A lone CR ends a line for the parser; miette's snippet only breaks at LF.
                    excerpt.pieces.push(Piece {
                        file: line_end,
                        text: excerpt.text.len(),
                        len: 1,
                    });
                    excerpt.text.push('\n');
                    start = line_end + 1;
                }
                (Some(_), _) => {
                    excerpt.copy(line_end, line_end + 1);
                    start = line_end + 1;
                }
                (None, _) => break,
            }
        }
        excerpt.labels = labels
            .iter()
            .map(|s| Span::new(excerpt.to_text(s.start), excerpt.to_text(s.end)))
            .collect();
        excerpt
    }

    /// Where the `i`-th label given to [`Excerpt::new`] is in the excerpt's text.
    pub fn label(&self, i: usize) -> Span {
        self.labels.get(i).copied().unwrap_or_default()
    }

    /// The excerpt's text, as miette renders it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Copies `file[from..to]` unchanged.
    fn copy(&mut self, from: usize, to: usize) {
        if from == to {
            return;
        }
        let at = self.text.len();
        self.text.push_str(&self.file[from..to]);
        match self.pieces.last_mut() {
            Some(last) if last.file + last.len == from && last.text + last.len == at => {
                last.len += to - from;
            }
            _ => self.pieces.push(Piece {
                file: from,
                text: at,
                len: to - from,
            }),
        }
    }

    /// Copies the long line `file[start..end]` as windows around `points`, or its beginning
    /// when no label is on it, with `…` for what is left out.
    fn cut(&mut self, start: usize, end: usize, points: impl Iterator<Item = usize>) {
        let file = self.file.clone();
        let line = &file[..end];
        let mut windows: Vec<(usize, usize)> = points
            .map(|p| (back(line, start, p, CONTEXT), forward(line, p, CONTEXT)))
            .collect();
        if windows.is_empty() {
            windows.push((start, forward(line, start, 2 * CONTEXT)));
        }
        windows.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (from, to) in windows {
            match merged.last_mut() {
                // Windows that overlap, or would leave only a few characters out, become one.
                Some(last) if from <= forward(line, last.1, ELLIPSIS.chars().count() + 3) => {
                    last.1 = last.1.max(to);
                }
                _ => merged.push((from, to)),
            }
        }
        let mut at = start;
        for (from, to) in merged {
            if from > at {
                self.text.push_str(ELLIPSIS);
            }
            self.copy(from, to);
            at = to;
        }
        if at < end {
            self.text.push_str(ELLIPSIS);
        }
    }

    /// Where a byte offset of the file is in the excerpt's text. Offsets in a left-out part of
    /// a cut line (never a label's start or end) land after the text kept before it.
    fn to_text(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.file <= offset);
        match i.checked_sub(1).map(|i| self.pieces[i]) {
            Some(p) => p.text + (offset - p.file).min(p.len),
            None => 0,
        }
    }

    /// Where a byte offset of the excerpt's text is in the file.
    fn to_file(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.text <= offset);
        match i.checked_sub(1).map(|i| self.pieces[i]) {
            Some(p) => p.file + (offset - p.text).min(p.len),
            None => 0,
        }
    }
}

impl SourceCode for Excerpt<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let contents =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // Lines are counted from the excerpt's first line, which is the file's `first_line`:
        // miette numbers the snippet, and decides which snippets to join, with the file's lines.
        let mut line = contents.line() + self.first_line;
        let line_count = contents.line_count() + self.first_line;
        let mut column = contents.column();
        if context_lines_before == 0 && context_lines_after == 0 {
            // miette reads a label without context only for the snippet's `[file:line:col]`
            // header: that column is the file's, in characters, not the excerpt's bytes.
            let (l, c) = self.lines.line_col(&self.file, self.to_file(span.offset()));
            (line, column) = (l - 1, c - 1);
        }
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            line,
            column,
            line_count,
        )))
    }
}

/// `n` characters before `offset`, but not before `floor`.
fn back(text: &str, floor: usize, offset: usize, n: usize) -> usize {
    text[floor..offset]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(floor, |(i, _)| floor + i)
}

/// `n` characters after `offset`, but not past the end of `text`.
fn forward(text: &str, offset: usize, n: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| offset + i)
}

/// The last character boundary at or before `offset`.
pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(text: &str, labels: &[Span]) -> Excerpt<'static> {
        let lines: &'static Lines = Box::leak(Box::new(Lines::new(text)));
        Excerpt::new("x.yaml", &Arc::from(text), lines, labels)
    }

    fn shown<'e>(e: &'e Excerpt<'_>, i: usize) -> &'e str {
        let s = e.label(i);
        &e.text()[s.start..s.end]
    }

    fn line_col(text: &str, offset: usize) -> (usize, usize) {
        Lines::new(text).line_col(text, offset)
    }

    #[test]
    fn lines_end_at_lf_crlf_and_a_lone_cr() {
        for text in ["a: 1\nb: x\n", "a: 1\r\nb: x\r\n", "a: 1\rb: x\r"] {
            let at = text.find('x').expect("present");
            assert_eq!(line_col(text, at), (2, 4), "{text:?}");
        }
        assert_eq!(line_col("a\r\nb", 2), (1, 2), "between CR and LF");
        assert_eq!(line_col("a\r\nb", 3), (2, 1));
        assert_eq!(line_col("a\r\r\nb", 2), (2, 1), "a lone CR, then a CRLF");
        assert_eq!(
            line_col("né: é2\n", "né: é".len()),
            (1, 6),
            "characters, not bytes"
        );
        assert_eq!(line_col("ab", 99), (1, 3), "clamped to the end");
        assert_eq!(line_col("é", 1), (1, 1), "inside a character");
        assert_eq!(line_col("", 0), (1, 1));
    }

    /// Counts from the start of the text, one byte at a time: what the index must agree with.
    fn counted(text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let bytes = text.as_bytes();
        let (mut line, mut start) = (1, 0);
        for (i, b) in bytes[..offset].iter().enumerate() {
            if *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                (line, start) = (line + 1, i + 1);
            }
        }
        let col = text[start..offset].trim_end_matches('\r').chars().count() + 1;
        (line, col)
    }

    #[test]
    fn the_line_index_agrees_with_counting_from_the_start() {
        for text in [
            "",
            "a",
            "a\n",
            "a\r\nb\rc\n\nd",
            "é\r\r\n日\n",
            "\r\n\r",
            "\n\n",
        ] {
            for offset in 0..=text.len() + 1 {
                assert_eq!(
                    line_col(text, offset),
                    counted(text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn an_excerpt_from_the_middle_keeps_the_file_s_line_numbers() {
        let text: String = (1..=50).map(|i| format!("k{i}: {i}\n")).collect();
        let at = text.find("k40").expect("present");
        let e = excerpt(&text, &[Span::new(at, at + 3)]);
        assert_eq!(e.text(), "k39: 39\nk40: 40\nk41: 41\n");
        let view = e.label(0);
        let span = SourceSpan::new(view.start.into(), view.end - view.start);
        let context = e.read_span(&span, 1, 1).expect("in range");
        assert_eq!(context.line(), 38, "0-based line of `k39`");
        let header = e.read_span(&span, 0, 0).expect("in range");
        assert_eq!((header.line(), header.column()), (39, 0));
    }

    #[test]
    fn short_lines_are_shown_as_written_up_to_the_line_after_the_label() {
        let text = "a: 1\nb: 2\nc: 3\nd: 4\n";
        let at = text.find("2").expect("present");
        let e = excerpt(text, &[Span::new(at, at + 1)]);
        assert_eq!(e.text(), "a: 1\nb: 2\nc: 3\n");
        assert_eq!(shown(&e, 0), "2");
    }

    #[test]
    fn a_lone_cr_becomes_lf_and_keeps_offsets() {
        let text = "a: 1\rb: 2\r\nc: 3\r";
        let at = text.find("3").expect("present");
        let e = excerpt(text, &[Span::new(at, at + 1)]);
        assert_eq!(e.text(), "b: 2\r\nc: 3\n");
        assert_eq!(shown(&e, 0), "3");
    }

    #[test]
    fn a_long_line_is_cut_around_its_label() {
        let text = format!("{{\"a\": [{}], \"b\": linx}}\nnext\n", "1, ".repeat(30_000));
        let at = text.find("linx").expect("present");
        let e = excerpt(&text, &[Span::new(at, at + 4)]);
        assert_eq!(shown(&e, 0), "linx");
        let first = e.text().lines().next().expect("a line");
        assert!(first.starts_with(ELLIPSIS), "{first}");
        assert!(first.ends_with("\"b\": linx}"), "{first}");
        assert!(first.chars().count() <= 2 * CONTEXT + 5, "{first}");
        assert_eq!(e.text().lines().nth(1), Some("next"));
    }

    #[test]
    fn a_label_longer_than_a_line_keeps_both_ends() {
        let text = format!("k: [{}]\n", "x".repeat(100_000));
        let (start, end) = (3, text.len() - 1);
        let e = excerpt(&text, &[Span::new(start, end)]);
        let label = shown(&e, 0);
        assert!(
            label.starts_with("[xxx") && label.ends_with("xxx]"),
            "{label}"
        );
        assert!(label.contains(ELLIPSIS));
        assert!(e.text().chars().count() < 4 * CONTEXT, "{}", e.text());
    }

    #[test]
    fn labels_far_apart_on_one_line_get_a_window_each() {
        let text = format!("first {} last\n", "y".repeat(50_000));
        let a = Span::new(0, 5);
        let b = Span::new(text.len() - 5, text.len() - 1);
        let e = excerpt(&text, &[a, b]);
        assert_eq!(shown(&e, 0), "first");
        assert_eq!(shown(&e, 1), "last");
        assert_eq!(e.text().matches(ELLIPSIS).count(), 1, "{}", e.text());
    }

    #[test]
    fn a_long_context_line_shows_its_beginning() {
        let text = format!("{}\nkey: bad\n", "z".repeat(10_000));
        let at = text.find("bad").expect("present");
        let e = excerpt(&text, &[Span::new(at, at + 3)]);
        let first = e.text().lines().next().expect("a line");
        assert_eq!(first, format!("{}{ELLIPSIS}", "z".repeat(2 * CONTEXT)));
        assert_eq!(shown(&e, 0), "bad");
    }

    #[test]
    fn cuts_at_character_boundaries() {
        let text = format!("{}: bad\n", "é日".repeat(20_000));
        let at = text.find("bad").expect("present");
        let e = excerpt(&text, &[Span::new(at, at + 3)]);
        assert_eq!(shown(&e, 0), "bad");
        assert!(e.text().starts_with(ELLIPSIS));
    }

    #[test]
    fn the_header_names_the_position_in_the_file() {
        let text = format!("{{\"a\": \"{}\", \"b\": linx}}\n", "é".repeat(70_000));
        let at = text.find("linx").expect("present");
        let e = excerpt(&text, &[Span::new(at, at + 4)]);
        let view = e.label(0);
        let contents = e
            .read_span(
                &SourceSpan::new(view.start.into(), view.end - view.start),
                0,
                0,
            )
            .expect("in range");
        assert_eq!((contents.line(), contents.column()), (0, 70_015));
        assert_eq!(contents.name(), Some("x.yaml"));
    }

    #[test]
    fn shortens_long_words_in_messages() {
        let fine = format!("unknown key `{}` in  the\nspec", "k".repeat(MAX_WORD - 2));
        assert_eq!(shorten(&fine), fine);
        let key = "é".repeat(1_000_000);
        let message = format!("unknown key `{key}` in `oses.{key}.x`");
        let keep = (MAX_WORD - 1) / 2;
        let e = |n: usize| "é".repeat(n);
        assert_eq!(
            shorten(&message),
            format!(
                "unknown key `{}{ELLIPSIS}{}` in `oses.{}{ELLIPSIS}{}.x`",
                e(keep - 1),
                e(keep - 1),
                e(keep - 6),
                e(keep - 3)
            )
        );
    }
}
