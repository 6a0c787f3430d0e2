//! The error every stage of the pipeline can end with, and its one wording. It holds data
//! (paths, the spec file, the diagnostics); printing it is the binary's job.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::output;

/// Why a spec could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec file could not be read at all.
    #[error("cannot read `{path}`: {message}")]
    Read {
        /// The path as given.
        path: PathBuf,
        /// What the operating system said.
        message: String,
    },
    /// The output folder cannot be used or written.
    #[error("{message}")]
    Output {
        /// What went wrong.
        message: String,
    },
    /// Paths in the output folder stand in the way of the files to write; nothing was written.
    #[error(
        "refusing to write to `{dir}/`, nothing was written:{}",
        .conflicts.iter().map(|c| format!("\n  {c}")).collect::<String>()
    )]
    Refused {
        /// The output folder, as the user sees it.
        dir: String,
        /// Every obstacle, each once.
        conflicts: Vec<output::Conflict>,
    },
    /// The spec was read, and has problems: every one found in the first failing stage.
    #[error("{} in `{}`", count(.diagnostics), .file.name)]
    Invalid {
        /// The spec file.
        file: SourceFile,
        /// The problems, sorted by position (warnings may be among them).
        diagnostics: Vec<Diagnostic>,
    },
}

/// "1 error" / "3 errors" (and warnings, when there are some).
pub fn count(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let mut text = format!("{errors} error{}", if errors == 1 { "" } else { "s" });
    if warnings > 0 {
        text.push_str(&format!(
            ", {warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        ));
    }
    text
}
