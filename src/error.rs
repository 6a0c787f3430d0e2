//! The error every stage of the pipeline can end with, and its one wording. It holds data
//! (paths, the spec file, the diagnostics); printing it is the binary's job.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, SourceFile};

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
        conflicts: Vec<Conflict>,
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

/// A path in the output folder that stops `compile` before it writes anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// A folder on the way to an output file is a symbolic link.
    #[error(
        "`{path}` is a symbolic link to `{target}`; hybridc writes only into real folders of the output folder"
    )]
    LinkedFolder {
        /// The link, as the user sees it (`generated/env`).
        path: String,
        /// What it points to, as stored in the link.
        target: String,
    },
    /// Something other than a folder stands where a folder of the output must be.
    #[error("`{path}` is not a folder, and an output file goes into it")]
    NotAFolder {
        /// The path, as the user sees it.
        path: String,
    },
    /// An output file is a symbolic link.
    #[error(
        "`{path}` is a symbolic link to `{target}`; --force replaces the link, never what it points to"
    )]
    LinkedFile {
        /// The link, as the user sees it.
        path: String,
        /// What it points to, as stored in the link.
        target: String,
    },
    /// A regular file without hybridc's header stands at an output path.
    #[error(
        "`{path}` was not written by hybridc (it does not start with its header); --force replaces it"
    )]
    NotGenerated {
        /// The file, as the user sees it.
        path: String,
    },
    /// Something other than a regular file (a folder, a device) stands at an output path.
    #[error("`{path}` is not a regular file")]
    NotAFile {
        /// The path, as the user sees it.
        path: String,
    },
    /// A symbolic link the spec does not produce leads to a file with hybridc's header: it looks
    /// like a stale generated file, and Packer would read it, but hybridc never removes a link.
    #[error(
        "`{path}` is a symbolic link to `{target}`, a file with hybridc's header that the spec no longer produces; hybridc never removes a link: remove it yourself"
    )]
    StaleLink {
        /// The link, as the user sees it.
        path: String,
        /// What it points to, as stored in the link.
        target: String,
    },
}

impl Conflict {
    /// Whether `--force` lets `compile` replace it: a file hybridc did not write at an output
    /// path, or a link there (the link, not what it points to). A linked folder, a stale link and
    /// anything that is not a file are never replaced.
    pub fn forceable(&self) -> bool {
        matches!(
            self,
            Conflict::LinkedFile { .. } | Conflict::NotGenerated { .. }
        )
    }
}
