//! Code actions: the quick fixes of the findings published for a document, each the
//! replacement a did-you-mean proposes, offered where the editor asks.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, Uri, WorkspaceEdit};

use super::diagnostics::fix;

/// The quick fixes of `published` (the diagnostics last published for `uri`) whose range meets
/// `range`.
// The protocol's edit is a map keyed by `Uri`, whose parsed parts are cached in cells; the key
// is never changed while in the map.
#[allow(clippy::mutable_key_type)]
pub fn quick_fixes(
    uri: &Uri,
    published: &[lsp_types::Diagnostic],
    range: Range,
) -> Vec<CodeActionOrCommand> {
    published
        .iter()
        .filter(|d| meets(d.range, range))
        .filter_map(|d| {
            let edit = fix(d)?;
            let title = format!("Change to `{}`", edit.new_text);
            let changes = HashMap::from([(uri.clone(), vec![edit])]);
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}

/// Whether two ranges share a position (touching counts: a cursor at a name's end is on it).
fn meets(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Position;

    #[test]
    fn ranges_meet_when_they_share_a_position() {
        let r = |a, b, c, d| Range::new(Position::new(a, b), Position::new(c, d));
        assert!(meets(r(1, 2, 1, 8), r(1, 8, 1, 8)));
        assert!(meets(r(1, 2, 1, 8), r(0, 0, 5, 0)));
        assert!(!meets(r(1, 2, 1, 8), r(1, 9, 1, 9)));
        assert!(!meets(r(1, 2, 1, 8), r(0, 0, 1, 1)));
    }
}
