//! The compiler's findings about one document, as the protocol's diagnostics: the same code,
//! message and place as `hybridc validate` prints, with the help line after the message, the
//! secondary labels as related information, and the replacement a did-you-mean proposes as
//! data, for [`super::actions`] to offer as a fix. It converts; it decides nothing about the
//! spec.

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range, TextEdit,
    Uri,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::span::Span;

use super::position::LineIndex;

/// What every diagnostic of this server says it comes from.
pub const SOURCE: &str = "hybridc";

/// The key of a diagnostic's `data` that holds its fix, a text edit.
pub const FIX: &str = "fix";

/// The text of one document with its line index, for converting spans.
#[derive(Debug)]
pub struct Text<'a> {
    /// The document's text.
    pub text: &'a str,
    /// Its lines.
    pub index: &'a LineIndex,
}

impl Text<'_> {
    /// The range of the byte span `span`.
    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.index.position(self.text, span.start),
            self.index.position(self.text, span.end),
        )
    }

    /// Where a name at `span` is replaced: inside its quotes when it is quoted, so that the
    /// replacement keeps them.
    fn name_range(&self, span: Span) -> Range {
        let written = self.text.get(span.start..span.end).unwrap_or_default();
        let quoted = written.len() >= 2
            && (written.starts_with('"') && written.ends_with('"')
                || written.starts_with('\'') && written.ends_with('\''));
        if quoted {
            self.range(Span::new(span.start + 1, span.end - 1))
        } else {
            self.range(span)
        }
    }
}

/// `found`, the findings about the document `uri` whose text is `text`, as the protocol says
/// them.
pub fn convert(found: &[Diagnostic], uri: &Uri, text: &Text) -> Vec<lsp_types::Diagnostic> {
    found.iter().map(|d| one(d, uri, text)).collect()
}

fn one(d: &Diagnostic, uri: &Uri, text: &Text) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), text.range(label.span)),
            message: label.text.clone(),
        })
        .collect();
    let data = d.replacement.as_ref().map(|replacement| {
        let edit = TextEdit::new(text.name_range(d.primary.span), replacement.clone());
        serde_json::json!({ FIX: edit })
    });
    lsp_types::Diagnostic {
        range: text.range(d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_owned())),
        code_description: None,
        source: Some(SOURCE.to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data,
    }
}

/// The fix a converted diagnostic carries, if any.
pub fn fix(diagnostic: &lsp_types::Diagnostic) -> Option<TextEdit> {
    let edit = diagnostic.data.as_ref()?.get(FIX)?;
    serde_json::from_value(edit.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn a_finding_keeps_its_code_place_help_labels_and_fix() {
        let source = "oses:\n  é: { provisioning: [\"linux-bas\"] }\n";
        let index = LineIndex::new(source);
        let text = Text {
            text: source,
            index: &index,
        };
        let uri: Uri = "file:///r/spec/hybrid.yaml".parse().expect("a URI");
        let at = source.find("\"linux-bas\"").expect("present");
        let span = Span::new(at, at + "\"linux-bas\"".len());
        let d = Diagnostic::error(Code::UnknownReference, "no set", span, "here")
            .with_did_you_mean("linux-bas", ["linux-base", "windows-base"])
            .with_secondary(Span::new(0, 4), "the OSes");
        let converted = one(&d, &uri, &text);
        assert_eq!(
            converted.range,
            Range::new(
                lsp_types::Position::new(1, 22),
                lsp_types::Position::new(1, 33)
            )
        );
        assert_eq!(
            converted.message,
            "no set\nhelp: did you mean `linux-base`?"
        );
        assert_eq!(
            converted.code,
            Some(NumberOrString::String(
                "hybridc::spec::unknown-reference".into()
            ))
        );
        assert_eq!(converted.severity, Some(DiagnosticSeverity::ERROR));
        let related = converted.related_information.clone().expect("one label");
        assert_eq!(related[0].message, "the OSes");
        // The fix replaces the name inside its quotes.
        let edit = fix(&converted).expect("a fix");
        assert_eq!(edit.new_text, "linux-base");
        assert_eq!(
            edit.range,
            Range::new(
                lsp_types::Position::new(1, 23),
                lsp_types::Position::new(1, 32)
            )
        );
    }
}
