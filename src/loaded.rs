//! [`Loaded`]: a spec that was read and passed every check, the value that every stage after
//! the checks (lowering, conformance, explain) starts from.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::{spec, yaml};

/// A spec that passed every check.
#[derive(Debug)]
pub struct Loaded {
    /// The typed spec.
    pub spec: spec::Spec,
    /// The spec file, for later diagnostics.
    pub source: SourceFile,
    /// The parsed YAML, for positions.
    pub tree: yaml::Node,
    /// The repository root that paths in the spec are relative to.
    pub root: PathBuf,
    /// What the checks found in the repository that later stages need.
    pub repository: crate::semantic::Repository,
    /// Findings that do not stop the build.
    pub warnings: Vec<Diagnostic>,
}
