//! Hover, completion and go to definition: what [`crate::editor`] answers at a byte offset of a
//! spec, in the protocol's terms (UTF-16 positions, file URIs, Markdown). It converts; what
//! the answers say is the editor module's.

use std::fmt::Write as _;
use std::ops::Range as Bytes;
use std::path::Path;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionResponse, CompletionTextEdit,
    GotoDefinitionResponse, Hover, HoverContents, Location, MarkupContent, MarkupKind, Position,
    Range, TextEdit, Uri,
};

use crate::editor::{self, CompletionKind};

use super::position::LineIndex;

/// A spec's text with its editor view and line index.
pub struct Spec<'a> {
    /// What the editor module knows of it.
    pub document: &'a editor::Document,
    /// Its lines.
    pub index: &'a LineIndex,
}

impl Spec<'_> {
    fn range(&self, bytes: &Bytes<usize>) -> Range {
        let text = self.document.text();
        Range::new(
            self.index.position(text, bytes.start),
            self.index.position(text, bytes.end),
        )
    }

    /// The hover at `offset`: Markdown about the key or value there.
    pub fn hover(&self, offset: usize) -> Option<Hover> {
        let hover = editor::hover(self.document, offset)?;
        Some(Hover {
            contents: HoverContents::Markup(markdown(hover.markdown)),
            range: Some(self.range(&hover.range)),
        })
    }

    /// The completions at `offset`, each an edit of the word typed so far.
    pub fn completion(&self, offset: usize) -> CompletionResponse {
        let items = editor::completion(self.document, offset)
            .into_iter()
            .map(|c| CompletionItem {
                kind: Some(match c.kind {
                    CompletionKind::Property => CompletionItemKind::PROPERTY,
                    CompletionKind::Value => CompletionItemKind::VALUE,
                    CompletionKind::Reference => CompletionItemKind::REFERENCE,
                    CompletionKind::Variable => CompletionItemKind::VARIABLE,
                }),
                detail: c.detail,
                documentation: c
                    .documentation
                    .map(|d| lsp_types::Documentation::MarkupContent(markdown(d))),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                    self.range(&c.replace),
                    c.insert_text.unwrap_or_else(|| c.label.clone()),
                ))),
                label: c.label,
                ..CompletionItem::default()
            })
            .collect();
        CompletionResponse::Array(items)
    }

    /// Where the name or path at `offset` is defined: a place in the spec, or a file.
    pub fn definition(&self, offset: usize) -> Option<GotoDefinitionResponse> {
        let locations: Vec<Location> = editor::definition(self.document, offset)
            .into_iter()
            .filter_map(|location| {
                let range = match &location.range {
                    Some(bytes) => self.range(bytes),
                    None => Range::new(Position::new(0, 0), Position::new(0, 0)),
                };
                Some(Location::new(file_uri(&location.path)?, range))
            })
            .collect();
        (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations))
    }
}

fn markdown(value: String) -> MarkupContent {
    MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    }
}

/// The `file://` URI of an absolute path, every byte but the unreserved ones and `/`
/// percent-encoded; `None` for a path that is not UTF-8 or not absolute.
pub fn file_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str().filter(|_| path.is_absolute())?;
    let mut uri = String::from("file://");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    uri.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_encode_what_is_not_plain() {
        let uri = file_uri(Path::new("/work/my specs/é/hybrid.yaml")).expect("a URI");
        assert_eq!(uri.as_str(), "file:///work/my%20specs/%C3%A9/hybrid.yaml");
        assert_eq!(
            super::super::percent_decoded(uri.path().as_str()).as_deref(),
            Some("/work/my specs/é/hybrid.yaml")
        );
        assert!(file_uri(Path::new("relative/hybrid.yaml")).is_none());
    }
}
