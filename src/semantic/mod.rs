//! Semantic checks: what the schema cannot say about a spec that has the right shape.
//!
//! References between sections, names that become Packer labels or file names, files the spec
//! points at, contradictions between settings, and the `options:` passthrough checked against
//! the plugin catalogue. Every finding points at the spec node that causes it. This stage reads
//! the typed spec and the YAML tree (for positions) and may look at files under the repository
//! root; it never writes anything.
//!
//! [`check`] runs one `Checker` over the spec; each section's checks are `impl Checker`
//! blocks in their own file: `names` (labels, file and artifact names), `platforms` (placement,
//! outputs, ISOs, builders), `network`, `oses` (installers, editions, Windows locale, step
//! families), `releases` (what an OS of the catalogue must agree with its release on),
//! `windows` (what a Windows release requires: hardware, its driver folder), `installers` (the
//! hypervisors an installer kind runs on, installer inputs), `machine` (network adapters after
//! the first, and the CPU architecture, on each platform), `disks` (a system disk large enough
//! for its partition layout, no layout on Windows),
//! `provisioning` (steps and the files they name), `environments` (overrides and the build
//! user) and `options` (the passthrough checked against the catalogue).

use std::path::Path;

use crate::diagnostic::{self, Diagnostic, Span};
use crate::spec::{PlatformName, Spec};
use crate::yaml::{Located, Node};

mod disks;
mod environments;
mod installers;
mod machine;
mod names;
mod network;
mod options;
mod oses;
mod platforms;
mod provisioning;
mod releases;
mod templates;
mod windows;

pub use network::{parse_cidr, static_sources};
pub use platforms::iso_url_problem;
pub use provisioning::{Repository, ansible_config, repository};

/// Everything the semantic stage looks at.
pub struct Context<'a> {
    /// The typed spec.
    pub spec: &'a Spec,
    /// The YAML tree, for positions.
    pub tree: &'a Node,
    /// The repository root, which relative paths in the spec start from.
    pub root: &'a Path,
    /// The repository's files.
    pub files: &'a dyn crate::source::Files,
}

/// Runs every check and returns all findings (errors and warnings), sorted by position.
pub fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let checker = || Checker {
        cx,
        out: Vec::new(),
    };
    // The OSes, half of the work, are checked on a second core; the findings are joined in the
    // order one checker would have made them.
    let (oses, (mut out, rest)) = crate::parallel::both(
        || {
            let mut oses = checker();
            oses.oses();
            oses.releases();
            oses.windows();
            oses.installers();
            oses.machines();
            oses.disks();
            oses.out
        },
        || {
            let (mut first, mut rest) = (checker(), checker());
            first.names();
            first.platforms();
            rest.provisioning();
            rest.step_families();
            rest.environments();
            rest.build_user();
            rest.artifact_names();
            (first.out, rest.out)
        },
    );
    out.extend(oses);
    out.extend(rest);
    diagnostic::sort(&mut out);
    out
}

struct Checker<'a, 'b> {
    cx: &'a Context<'b>,
    out: Vec<Diagnostic>,
}

/// Builds a JSON pointer from unescaped tokens.
fn ptr(tokens: &[&str]) -> String {
    crate::pointer::from_tokens(tokens)
}

fn is_label(name: &str) -> bool {
    // Also a valid host name: at most 63 characters.
    if name.len() > 63 {
        return false;
    }
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

impl Checker<'_, '_> {
    fn at(&self, tokens: &[&str]) -> Located {
        self.cx.tree.locate(&ptr(tokens)).unwrap_or(Located {
            key: None,
            value: self.cx.tree.span,
        })
    }

    fn key_span(&self, tokens: &[&str]) -> Span {
        self.at(tokens).key_or_value()
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.out.push(diagnostic);
    }

    fn configured(&self, platform: PlatformName) -> bool {
        crate::platform::configured(self.cx.spec, platform)
    }

    fn configured_names(&self) -> Vec<&'static str> {
        PlatformName::ALL
            .into_iter()
            .filter(|p| self.configured(*p))
            .map(PlatformName::as_str)
            .collect()
    }
}
