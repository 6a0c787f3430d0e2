//! Reading the spec file: where it is, whether it is text, and whether it has a usable top level.
//!
//! Owns the checks that come before and right after YAML parsing: size cap, UTF-8, empty file,
//! a top level that is not a mapping. It reads exactly one file and never writes.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, SourceFile, Span};
use crate::error::Error;
use crate::yaml::{Node, Value};

/// File name of the spec inside a spec folder.
pub const SPEC_FILE: &str = "hybrid.yaml";

/// Largest spec accepted, in bytes.
pub const MAX_SIZE: u64 = 4 * 1024 * 1024;

/// `spec/` means `spec/hybrid.yaml`; a file path is used as is.
pub fn resolve(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(SPEC_FILE)
    } else {
        path.to_path_buf()
    }
}

/// The repository root: the folder that holds the spec's folder (`spec/hybrid.yaml` -> `.`).
pub fn repository_root(file: &Path) -> PathBuf {
    let folder = file.parent().unwrap_or(Path::new(""));
    let root = folder.parent().unwrap_or(Path::new(""));
    if root.as_os_str().is_empty() {
        // `hybrid.yaml` in the current folder: its parent is `..` of the current folder.
        if folder.as_os_str().is_empty() {
            return PathBuf::from("..");
        }
        return PathBuf::from(".");
    }
    root.to_path_buf()
}

/// Reads the spec file as UTF-8 text within the size cap.
///
/// # Errors
/// [`Error::Read`] when the file cannot be opened or read; [`Error::Invalid`] when it is too
/// large, not UTF-8 or empty.
pub fn read(file: &Path) -> Result<SourceFile, Error> {
    let name = file.display().to_string();
    let read_error = |e: std::io::Error| Error::Read {
        path: file.to_path_buf(),
        message: e.to_string(),
    };
    let handle = std::fs::File::open(file).map_err(read_error)?;
    if handle.metadata().map_err(read_error)?.is_dir() {
        return Err(Error::Read {
            path: file.to_path_buf(),
            message: "is a folder".into(),
        });
    }
    let mut bytes = Vec::new();
    handle
        .take(MAX_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_SIZE {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
        let first_line = first_line(&head).to_owned();
        let end = first_line.len();
        let source = SourceFile::new(name, first_line);
        return Err(Error::Invalid {
            file: source,
            diagnostics: vec![
                Diagnostic::error(
                    Code::TooLarge,
                    format!("the spec is larger than {} MiB", MAX_SIZE / 1024 / 1024),
                    Span::new(0, end),
                    "file starts here",
                )
                .with_help("a spec this large is almost certainly not a spec; check the path"),
            ],
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            if text.trim().is_empty() {
                return Err(Error::Invalid {
                    file: SourceFile::new(name, text),
                    diagnostics: vec![empty()],
                });
            }
            Ok(SourceFile::new(name, text))
        }
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            // Everything before `at` is valid UTF-8, so offsets in the lossy text match there.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            Err(Error::Invalid {
                file: SourceFile::new(name, text),
                diagnostics: vec![
                    Diagnostic::error(
                        Code::NotUtf8,
                        "the spec is not valid UTF-8",
                        Span::new(at, end),
                        "invalid byte here",
                    )
                    .with_help("save the file as UTF-8"),
                ],
            })
        }
    }
}

fn empty() -> Diagnostic {
    Diagnostic::error(
        Code::Empty,
        "the spec is empty",
        Span::new(0, 0),
        "nothing here",
    )
    .with_help(
        "start from the example: `version: 1`, then `platforms`, `oses` and the other sections",
    )
}

/// The text before the first line break (LF, CRLF or a lone CR, as the YAML parser reads them).
fn first_line(text: &str) -> &str {
    text.split(['\n', '\r']).next().unwrap_or_default()
}

/// The top level must be a mapping with content.
///
/// # Errors
/// A diagnostic when the document is empty (only comments) or not a mapping.
pub fn check_top_level(tree: &Node, source: &SourceFile) -> Result<(), Vec<Diagnostic>> {
    match &tree.value {
        Value::Map(_) => Ok(()),
        Value::Null => {
            let mut d = empty();
            let end = first_line(&source.text).len();
            d.primary.span = Span::new(0, end);
            d.primary.text = "only comments".into();
            Err(vec![d])
        }
        other => {
            let found = match other {
                Value::Seq(_) => "a list",
                _ => "a single value",
            };
            Err(vec![Diagnostic::error(
                Code::NotAMapping,
                format!("the top level of the spec must be a mapping of keys, found {found}"),
                tree.span,
                "expected `key: value` lines",
            )
            .with_help("the spec starts with `version: 1` followed by `platforms:`, `oses:` and the other sections")])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_the_folder_above_the_spec_folder() {
        assert_eq!(
            repository_root(Path::new("spec/hybrid.yaml")),
            PathBuf::from(".")
        );
        assert_eq!(
            repository_root(Path::new("/r/spec/hybrid.yaml")),
            PathBuf::from("/r")
        );
        assert_eq!(
            repository_root(Path::new("hybrid.yaml")),
            PathBuf::from("..")
        );
    }
}
