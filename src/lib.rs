//! hybridc compiles one YAML spec of golden VM images (OSes x platforms x provisioning x
//! environments) into Packer HCL2 for Proxmox VE, VMware vSphere and Azure.
//!
//! The stages run one way: [`source`] reads the spec file, [`yaml`] parses it with positions,
//! [`schema`] checks its shape, [`spec`] types it and [`semantic`] checks what the schema cannot
//! say. Each stage reports every problem it finds as [`diagnostic::Diagnostic`] values, and the
//! pipeline stops between stages. Nothing in the library prints or exits: the binary does.

#![warn(missing_docs)]

pub mod catalogue;
pub mod diagnostic;
pub mod hcl;
pub mod schema;
pub mod semantic;
pub mod source;
pub mod spec;
pub mod yaml;

use std::path::{Path, PathBuf};

use diagnostic::{Diagnostic, SourceFile};

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
    /// Findings that do not stop the build.
    pub warnings: Vec<Diagnostic>,
}

/// Reads and checks the spec at `path` (a file, or a folder holding `hybrid.yaml`).
///
/// # Errors
/// [`Error::Read`] when the file cannot be read, [`Error::Invalid`] with every problem of the
/// first stage that found any.
pub fn load(path: &Path) -> Result<Loaded, Error> {
    let file = source::resolve(path);
    let root = source::repository_root(&file);
    let source = source::read(&file)?;
    check(source, root)
}

/// Checks spec text that was already read; `root` is the repository root for file references.
///
/// # Errors
/// [`Error::Invalid`] with every problem of the first stage that found any.
pub fn check(source: SourceFile, root: PathBuf) -> Result<Loaded, Error> {
    let invalid = |source: &SourceFile, diagnostics| Error::Invalid {
        file: source.clone(),
        diagnostics,
    };
    let tree = yaml::parse(&source.text).map_err(|d| invalid(&source, d))?;
    source::check_top_level(&tree, &source).map_err(|d| invalid(&source, d))?;
    let json = tree.to_json();
    schema::check(&tree, &json).map_err(|d| invalid(&source, d))?;
    let spec: spec::Spec = match serde_json::from_value(json) {
        Ok(spec) => spec,
        Err(error) => {
            // The schema is generated from these types, so this is a gap between the two.
            let d = Diagnostic::error(
                "hybridc::spec::invalid",
                format!("the spec does not fit its model: {error}"),
                tree.span,
                "here",
            );
            return Err(invalid(&source, vec![d]));
        }
    };
    let findings = semantic::check(&semantic::Context {
        spec: &spec,
        tree: &tree,
        root: &root,
    });
    if findings.iter().any(Diagnostic::is_error) {
        return Err(invalid(&source, findings));
    }
    Ok(Loaded {
        spec,
        source,
        tree,
        root,
        warnings: findings,
    })
}
