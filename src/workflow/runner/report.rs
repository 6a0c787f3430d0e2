//! How a run ended: each source's [`BuildStatus`] in a [`RunReport`], or the [`RunError`] that
//! stopped it before any build.

use std::fmt;
use std::path::PathBuf;

/// How one source's build ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildStatus {
    /// Packer built it.
    Succeeded,
    /// Packer failed it, or the process building it failed.
    Failed {
        /// Exit code of the `packer build` process; `None` when a signal ended it.
        exit_code: Option<i32>,
    },
    /// Its `packer build` process could not be started.
    NotStarted {
        /// What the operating system said.
        message: String,
    },
}

impl fmt::Display for BuildStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildStatus::Succeeded => write!(f, "built"),
            BuildStatus::Failed {
                exit_code: Some(code),
            } => write!(f, "failed (exit code {code})"),
            BuildStatus::Failed { exit_code: None } => write!(f, "failed (killed by a signal)"),
            BuildStatus::NotStarted { message } => write!(f, "not started: {message}"),
        }
    }
}

/// One source of a run and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOutcome {
    /// `<os>.<builder type>.<source name>`.
    pub selector: String,
    /// How it ended.
    pub status: BuildStatus,
}

/// What a run did: every planned source, in plan order, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// One entry per source of the plan.
    pub builds: Vec<BuildOutcome>,
}

impl RunReport {
    /// Whether every source was built.
    pub fn succeeded(&self) -> bool {
        self.builds
            .iter()
            .all(|b| b.status == BuildStatus::Succeeded)
    }

    /// The sources that were not built.
    pub fn failed(&self) -> impl Iterator<Item = &BuildOutcome> {
        self.builds
            .iter()
            .filter(|b| b.status != BuildStatus::Succeeded)
    }
}

/// Why a run built nothing.
#[derive(Debug)]
pub enum RunError {
    /// `packer` could not be started (most often: it is not installed).
    Spawn {
        /// The program as given.
        program: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// `packer init` failed, so no build was started.
    Init {
        /// Its exit code; `None` when a signal ended it.
        exit_code: Option<i32>,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Spawn { program, error } if error.kind() == std::io::ErrorKind::NotFound => {
                write!(
                    f,
                    "cannot run `{}`: not found; install Packer 1.11 or newer and put it on `PATH`",
                    program.display()
                )
            }
            RunError::Spawn { program, error } => {
                write!(f, "cannot run `{}`: {error}", program.display())
            }
            RunError::Init {
                exit_code: Some(code),
            } => write!(
                f,
                "`packer init` failed with exit code {code}; nothing was built"
            ),
            RunError::Init { exit_code: None } => {
                write!(f, "`packer init` was killed by a signal; nothing was built")
            }
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Spawn { error, .. } => Some(error),
            RunError::Init { .. } => None,
        }
    }
}
