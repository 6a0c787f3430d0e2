//! Byte offsets of a document's text and the positions the Language Server Protocol speaks in:
//! a zero-based line and a character counted in UTF-16 code units, as the protocol's default
//! position encoding says. Every span the compiler reports is a byte range; this is the one
//! place that converts between the two, both ways.
//!
//! Lines end at LF, CRLF or a lone CR, as the protocol and the YAML parser count them. A
//! position past the end of its line means the end of that line, and a line past the end of the
//! text means the end of the text, as the protocol asks; an offset inside a character or past
//! the end is taken to the character's start or the text's end. Nothing here fails.

use lsp_types::Position;

/// Where the lines of one text start, for converting both ways.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// The byte offset of each line's first byte; the first is 0.
    starts: Vec<usize>,
    /// The text's length in bytes.
    len: usize,
}

impl LineIndex {
    /// The line starts of `text`.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut at = 0;
        while at < bytes.len() {
            match bytes[at] {
                b'\n' => starts.push(at + 1),
                b'\r' if bytes.get(at + 1) == Some(&b'\n') => {
                    starts.push(at + 2);
                    at += 1;
                }
                b'\r' => starts.push(at + 1),
                _ => {}
            }
            at += 1;
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The position of the byte `offset` of `text` (the text this index was made from).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_boundary(text, offset.min(self.len));
        // The last line that starts at or before `offset`.
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(character))
    }

    /// The byte offset of `position` in `text` (the text this index was made from).
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.len;
        };
        let end = self.line_end(text, position.line as usize);
        let mut left = position.character as usize;
        for (at, c) in text[start..end].char_indices() {
            if left < c.len_utf16() {
                // Inside a surrogate pair, or at this character: its start.
                return start + at;
            }
            left -= c.len_utf16();
        }
        end
    }

    /// The offset of the line break that ends line `line` (or of the text's end).
    fn line_end(&self, text: &str, line: usize) -> usize {
        let Some(&next) = self.starts.get(line + 1) else {
            return self.len;
        };
        // A line that has a next one ends with a line break: LF, CR, or CRLF.
        let bytes = text.as_bytes();
        let mut end = next - 1;
        if bytes[end] == b'\n' && end > self.starts[line] && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        end
    }
}

/// `offset`, moved back to the start of the character it is in.
fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A count as the protocol carries it; a text of 4 GiB is far beyond what is read.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both_ways(text: &str, offset: usize, line: u32, character: u32) {
        let index = LineIndex::new(text);
        let position = Position::new(line, character);
        assert_eq!(index.position(text, offset), position, "offset {offset}");
        assert_eq!(index.offset(text, position), offset, "{position:?}");
    }

    #[test]
    fn ascii_lines_count_bytes() {
        let text = "a: 1\nbc: 2\n";
        both_ways(text, 0, 0, 0);
        both_ways(text, 3, 0, 3);
        both_ways(text, 4, 0, 4);
        both_ways(text, 5, 1, 0);
        both_ways(text, 9, 1, 4);
        both_ways(text, 11, 2, 0);
    }

    #[test]
    fn characters_are_utf16_code_units() {
        // `é` is two bytes and one unit; `😀` four bytes and two units (a surrogate pair).
        let text = "é: 😀x\n";
        both_ways(text, 2, 0, 1);
        both_ways(text, 4, 0, 3);
        both_ways(text, 8, 0, 5);
        both_ways(text, 9, 0, 6);
        let index = LineIndex::new(text);
        // Between the two halves of the pair: the character's start.
        assert_eq!(index.offset(text, Position::new(0, 4)), 4);
        // Inside a character's bytes: its start.
        assert_eq!(index.position(text, 5), Position::new(0, 3));
    }

    #[test]
    fn every_line_break_counts() {
        let text = "a\r\nb\rc\nd";
        both_ways(text, 3, 1, 0);
        both_ways(text, 5, 2, 0);
        both_ways(text, 7, 3, 0);
        both_ways(text, 8, 3, 1);
        let index = LineIndex::new(text);
        // The end of a line is before its break, whichever it is.
        assert_eq!(index.offset(text, Position::new(0, 9)), 1);
        assert_eq!(index.offset(text, Position::new(1, 9)), 4);
        assert_eq!(index.offset(text, Position::new(2, 9)), 6);
    }

    #[test]
    fn past_the_end_is_the_end() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(0, 99)), 2);
        assert_eq!(index.offset(text, Position::new(7, 0)), 5);
        assert_eq!(index.offset(text, Position::new(u32::MAX, u32::MAX)), 5);
        assert_eq!(index.position(text, 99), Position::new(1, 2));
        let empty = LineIndex::new("");
        assert_eq!(empty.position("", 0), Position::new(0, 0));
        assert_eq!(empty.offset("", Position::new(3, 3)), 0);
    }
}
