//! Running Packer on the generated tree: which sources a build selection means, which
//! credentials and build-host tools they need, the exact `packer` command lines, and running
//! them without a prompt.
//!
//! [`select`] turns a [`Selection`] (an environment and optional OS, platform and Windows
//! edition) into a [`Plan`]: the sources, each named as Packer's `-only` names it
//! (`<os>.<builder type>.<source name>`), the environment's var file, the environment
//! variables that hold the credentials those sources need, and the [`Requirement`]s they put on
//! the build host. [`build_version`] chooses the version that names the artifacts,
//! [`preflight`] checks the build host through a [`Host`], [`commands`] prints the plan as
//! `packer` command lines and [`run`] runs the same lines, streaming Packer's output. This module
//! owns no output format: it never prints on its own and never exits, it writes only Packer's
//! lines to the writers it is given and returns reports and errors as data. It must not read or
//! write the generated files: the caller compiles (and checks) `generated/` first.
//!
//! The flags, chosen for unattended runs in CI:
//!
//! * `packer init <out>` first, so the pinned plugins are installed (a no-op when they are).
//! * `packer build -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1 [-force]
//!   -only=<selectors> -var-file=<out>/env/<env>.pkrvars.hcl -var build_version=<version> <out>`.
//! * `-color=false`: Packer's output goes through a pipe to CI logs, where ANSI codes are noise
//!   and would break the `[<selector>] ` prefixes.
//! * `-timestamp-ui`: image builds run for tens of minutes; a timestamp on each line shows where
//!   the time went and which step hung, in logs that may have no timestamps of their own.
//! * `-on-error=cleanup`: Packer's default, written out so the log states the policy: a failed
//!   build removes its VM. Never `ask`, which waits for a keyboard; never `abort`, which leaves
//!   VMs behind.
//! * `-force` only when asked for ([`BuildOptions::force`], `hybridc build --force`): Packer
//!   then deletes an existing artifact of the same name before building. Replacing an image
//!   that may be in use is a decision for a person, so it is never the default; versioned
//!   names (below) make it unnecessary for ordinary rebuilds.
//! * `-parallel-builds=1`: concurrency is hybridc's `jobs` alone. With one job, the single
//!   `packer build` builds its sources one after the other (Packer would otherwise start them
//!   all at once); with several jobs each `packer build` has one source anyway.
//! * `-var build_version=<version>`, after the var file so that it wins: the generated tree
//!   names every artifact (VM, template, image) after this variable, so a rebuild makes new
//!   artifacts instead of colliding with the last ones. [`build_version`] takes it from
//!   `--build-version`, else from `git describe --always --dirty` in the repository, else from
//!   the UTC time, and [`BuildVersion::new`] checks that it can be part of every platform's
//!   artifact names.
//! * Every process gets `CHECKPOINT_DISABLE=1` (no update check calling home) and
//!   `PACKER_NO_COLOR=1` (no colour from `packer init`, which has no `-color` flag), and an empty
//!   standard input, so nothing can wait for an answer.
//!
//! Before a run, [`preflight`] looks for what the selected sources need on the build host, so a
//! missing tool is reported at once instead of after a VM has booted: `packer` itself, in a
//! version the spec's `packer.required_version` allows (read as hashicorp/go-version reads
//! constraints, see [`crate::version::VersionConstraint`]); an ISO creation tool ([`ISO_TOOLS`]) when a source
//! has `cd_files` or `cd_content`; `ansible-playbook` when an `ansible` provisioner runs for a
//! source; and Python's `winrm` module when that source is reached over WinRM.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};

use crate::catalogue::Component;
use crate::diagnostic::{Unknown, closest, prose_list};
use crate::hcl::Expr;
use crate::model::{Arg, Args, Model, Source};
use crate::spec::PlatformName;
use crate::version::{PackerVersion, VersionConstraint};

/// Environment variables set for every `packer` process (see the module documentation).
pub const PACKER_ENV: [(&str, &str); 2] = [("CHECKPOINT_DISABLE", "1"), ("PACKER_NO_COLOR", "1")];

/// The flags of every `packer build`, before `-only` (see the module documentation).
pub const BUILD_FLAGS: [&str; 4] = [
    "-color=false",
    "-timestamp-ui",
    "-on-error=cleanup",
    "-parallel-builds=1",
];

/// What to build: an environment, and optionally one OS, one platform, one Windows edition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// The environment whose var file is used.
    pub env: String,
    /// Only this OS (a key of `oses`), or every OS.
    pub os: Option<String>,
    /// Only sources on this platform, or on every platform.
    pub platform: Option<PlatformName>,
    /// Only this Windows edition, or every edition.
    pub edition: Option<String>,
}

/// One source a plan builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The name `-only` selects it by: `<os>.<builder type>.<source name>`.
    pub selector: String,
    /// The OS key (the build's name).
    pub os: String,
    /// The platform it builds on.
    pub platform: PlatformName,
    /// The Windows edition, for Windows sources.
    pub edition: Option<String>,
}

/// The sources to build for a selection, and what building them needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The environment.
    pub env: String,
    /// The sources, in the order of the builds and of each build's sources.
    pub sources: Vec<Planned>,
    /// `<out>/env/<env>.pkrvars.hcl`.
    pub env_file: PathBuf,
    /// The generated tree, as given to [`select`].
    pub out_dir: PathBuf,
    /// Environment variables holding the credentials the sources need, sorted, without
    /// duplicates.
    pub credentials: Vec<String>,
    /// What the sources need on the build host besides Packer: for each requirement, the
    /// selectors of the sources that need it, in plan order. Requirements no source has are
    /// absent.
    pub requirements: BTreeMap<Requirement, Vec<String>>,
    /// The spec's Packer version constraint (`packer.required_version`, as emitted).
    pub required_version: String,
}

/// Something besides Packer that the build host needs for some of the selected sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Requirement {
    /// A program that writes ISO images (any of [`ISO_TOOLS`]): Packer packs a source's
    /// `cd_files` and `cd_content` into a CD image on the build host.
    IsoTool,
    /// `ansible-playbook`: the `ansible` provisioner runs it on the build host.
    Ansible,
    /// Python's `winrm` module (pywinrm): Ansible reaches a guest whose communicator is WinRM
    /// through it.
    Pywinrm,
}

/// Why a selection cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectError {
    /// The spec has no environment of that name.
    UnknownEnvironment(Unknown),
    /// The spec has no OS of that name.
    UnknownOs(Unknown),
    /// The text is not a platform name.
    UnknownPlatform {
        /// The text given.
        name: String,
        /// A close name, if there is one.
        suggestion: Option<String>,
    },
    /// An edition was asked for, of an OS without editions (editions are Windows only).
    NoEditions {
        /// The OS.
        os: String,
    },
    /// No OS in scope has an edition of that name.
    UnknownEdition {
        /// The OS, when one was selected.
        os: Option<String>,
        /// The edition asked for.
        edition: String,
        /// A close name, if there is one.
        suggestion: Option<String>,
        /// The editions in scope.
        known: Vec<String>,
    },
    /// Nothing in scope is built on the platform asked for.
    PlatformNotBuilt {
        /// The OS, when one was selected.
        os: Option<String>,
        /// The edition, when one was selected.
        edition: Option<String>,
        /// The platform asked for.
        platform: PlatformName,
        /// The platforms the sources in scope are built on.
        built_on: Vec<PlatformName>,
    },
    /// The selection names no source at all.
    NothingSelected,
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectError::UnknownEnvironment(unknown) | SelectError::UnknownOs(unknown) => {
                write!(f, "{unknown}")
            }
            SelectError::UnknownPlatform { name, suggestion } => {
                write!(f, "unknown platform `{name}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => write!(
                        f,
                        "; expected {}",
                        prose_list(&PlatformName::ALL.map(PlatformName::as_str))
                    ),
                }
            }
            SelectError::NoEditions { os } => {
                write!(f, "OS `{os}` has no editions (only Windows OSes have them)")
            }
            SelectError::UnknownEdition {
                os,
                edition,
                suggestion,
                known,
            } => {
                match os {
                    Some(os) => write!(f, "OS `{os}` has no edition `{edition}`")?,
                    None => write!(f, "no OS has an edition `{edition}`")?,
                }
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None if known.is_empty() => Ok(()),
                    None => write!(f, "; editions are {}", prose_list(known)),
                }
            }
            SelectError::PlatformNotBuilt {
                os,
                edition,
                platform,
                built_on,
            } => {
                let platform = platform.as_str();
                let built_on: Vec<&str> = built_on.iter().map(|p| p.as_str()).collect();
                match (os, edition) {
                    (Some(os), Some(edition)) => write!(
                        f,
                        "edition `{edition}` of `{os}` is not built on `{platform}`; it is built on {}",
                        prose_list(&built_on)
                    ),
                    (Some(os), None) => write!(
                        f,
                        "OS `{os}` is not built on `{platform}`; it is built on {}",
                        prose_list(&built_on)
                    ),
                    (None, Some(edition)) => write!(
                        f,
                        "edition `{edition}` is not built on `{platform}`; it is built on {}",
                        prose_list(&built_on)
                    ),
                    (None, None) => write!(
                        f,
                        "no OS is built on `{platform}`; the spec builds on {}",
                        prose_list(&built_on)
                    ),
                }
            }
            SelectError::NothingSelected => write!(f, "the selection matches no source"),
        }
    }
}

impl std::error::Error for SelectError {}

/// Reads a platform name as written in the spec (`proxmox`, `vsphere`, `azure`).
///
/// # Errors
/// [`SelectError::UnknownPlatform`], with a close name when there is one.
pub fn parse_platform(text: &str) -> Result<PlatformName, SelectError> {
    PlatformName::ALL
        .into_iter()
        .find(|p| p.as_str() == text)
        .ok_or_else(|| SelectError::UnknownPlatform {
            name: text.to_owned(),
            suggestion: closest(text, PlatformName::ALL.map(PlatformName::as_str))
                .map(str::to_owned),
        })
}

/// The sources of `model` that `selection` names, with what building them needs.
///
/// `out_dir` is the generated tree; it is used as given in the commands, so pass the path the
/// user wrote (`generated/`) for readable output, or an absolute one.
///
/// # Errors
/// A [`SelectError`] when the environment, OS, edition or platform does not exist or does not
/// fit the others, or when the selection names no source.
pub fn select(model: &Model, out_dir: &Path, selection: &Selection) -> Result<Plan, SelectError> {
    let environments = model.environments.iter().map(|e| e.name.as_str());
    if let Some(unknown) = Unknown::among("environment", &selection.env, environments) {
        return Err(SelectError::UnknownEnvironment(unknown));
    }

    let ordered = ordered_sources(model);
    let mut scope: Vec<&Source> = ordered.clone();

    if let Some(os) = &selection.os {
        let oses: BTreeSet<&str> = ordered.iter().map(|s| s.os.as_str()).collect();
        if let Some(unknown) = Unknown::among("OS", os, oses.iter().copied()) {
            return Err(SelectError::UnknownOs(unknown));
        }
        scope.retain(|s| &s.os == os);
    }

    if let Some(edition) = &selection.edition {
        let editions: BTreeSet<&str> = scope.iter().filter_map(|s| s.edition.as_deref()).collect();
        if let (Some(os), true) = (&selection.os, editions.is_empty()) {
            return Err(SelectError::NoEditions { os: os.clone() });
        }
        if !editions.contains(edition.as_str()) {
            // Editions in the order the spec lists them, for the message.
            let mut known: Vec<String> = Vec::new();
            for e in scope.iter().filter_map(|s| s.edition.as_ref()) {
                if !known.contains(e) {
                    known.push(e.clone());
                }
            }
            return Err(SelectError::UnknownEdition {
                os: selection.os.clone(),
                edition: edition.clone(),
                suggestion: closest(edition, known.iter().map(String::as_str)).map(str::to_owned),
                known,
            });
        }
        scope.retain(|s| s.edition.as_ref() == Some(edition));
    }

    if let Some(platform) = selection.platform {
        if !scope.iter().any(|s| s.platform == platform) {
            let built_on: BTreeSet<PlatformName> = scope.iter().map(|s| s.platform).collect();
            return Err(SelectError::PlatformNotBuilt {
                os: selection.os.clone(),
                edition: selection.edition.clone(),
                platform,
                built_on: built_on.into_iter().collect(),
            });
        }
        scope.retain(|s| s.platform == platform);
    }

    if scope.is_empty() {
        return Err(SelectError::NothingSelected);
    }

    let credentials = model.credentials(&scope);
    let requirements = requirements(model, &scope);
    Ok(Plan {
        env: selection.env.clone(),
        sources: scope
            .iter()
            .map(|s| Planned {
                selector: only_name(s),
                os: s.os.clone(),
                platform: s.platform,
                edition: s.edition.clone(),
            })
            .collect(),
        env_file: out_dir
            .join("env")
            .join(format!("{}.pkrvars.hcl", selection.env)),
        out_dir: out_dir.to_path_buf(),
        credentials,
        requirements,
        required_version: model.required_version.clone(),
    })
}

/// What each source of `scope` needs on the build host (see [`Requirement`]).
fn requirements(model: &Model, scope: &[&Source]) -> BTreeMap<Requirement, Vec<String>> {
    let mut needs: BTreeMap<Requirement, Vec<String>> = BTreeMap::new();
    for source in scope {
        let mut need = |requirement: Requirement| {
            needs
                .entry(requirement)
                .or_default()
                .push(only_name(source));
        };
        if has_any(&source.body, &["cd_files", "cd_content"]) {
            need(Requirement::IsoTool);
        }
        let selector = source.selector();
        let reference = format!("source.{selector}");
        let ansible = model
            .builds
            .iter()
            .filter(|b| b.sources.contains(&reference))
            .flat_map(|b| &b.provisioners)
            .any(|step| {
                step.component == Component::Ansible
                    && (step.only.is_empty() || step.only.contains(&selector))
            });
        if ansible {
            need(Requirement::Ansible);
            if communicator(&source.body) == Some("winrm") {
                need(Requirement::Pywinrm);
            }
        }
    }
    needs
}

/// Whether `body` sets one of `names` to something other than `null` or an empty list or
/// object, at the top level or in a nested block (Proxmox puts CD contents in
/// `additional_iso_files` blocks).
fn has_any(body: &Args, names: &[&str]) -> bool {
    body.0.iter().any(|arg| match arg {
        Arg::Attr { name, value, .. } => {
            names.contains(&name.as_str())
                && !matches!(value, Expr::Null)
                && !matches!(value, Expr::List(items) if items.is_empty())
                && !matches!(value, Expr::Object(entries) if entries.is_empty())
        }
        Arg::Block { body, .. } => has_any(body, names),
    })
}

/// A source's `communicator`, when it is a literal string.
fn communicator(body: &Args) -> Option<&str> {
    body.0.iter().find_map(|arg| match arg {
        Arg::Attr {
            name,
            value: Expr::String(value),
            ..
        } if name == "communicator" => Some(value.as_str()),
        _ => None,
    })
}

/// `<os>.<builder type>.<source name>`: the name Packer matches `-only` against for a source
/// used in the build named after its OS.
fn only_name(source: &Source) -> String {
    format!("{}.{}", source.os, source.selector())
}

/// The model's sources in the order of the builds and of each build's `sources` list, as
/// Packer lists them; sources no build uses come last, in model order.
fn ordered_sources(model: &Model) -> Vec<&Source> {
    let mut rank: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (b, build) in model.builds.iter().enumerate() {
        for (i, reference) in build.sources.iter().enumerate() {
            let name = reference.strip_prefix("source.").unwrap_or(reference);
            rank.entry(format!("{}.{name}", build.name))
                .or_insert((b, i));
        }
    }
    let mut sources: Vec<(usize, &Source)> = model.sources.iter().enumerate().collect();
    sources.sort_by_key(|(position, s)| {
        rank.get(&only_name(s))
            .copied()
            .unwrap_or((usize::MAX, *position))
    });
    sources.into_iter().map(|(_, s)| s).collect()
}

/// The credential environment variables of `plan` that `env` reports unset or empty, in order.
///
/// Packer reads an unset variable as an empty string and would fail late, at the platform's
/// API, so the caller refuses to run while this is not empty.
pub fn missing_credentials(plan: &Plan, env: impl Fn(&str) -> Option<String>) -> Vec<String> {
    plan.credentials
        .iter()
        .filter(|name| env(name).is_none_or(|value| value.is_empty()))
        .cloned()
        .collect()
}

/// The credential environment variables of `plan` whose values hold `{{`, in order.
///
/// A credential reaches plugin arguments that Packer renders as Go templates (`ssh_password`,
/// `winrm_password`, the answer file in `cd_content`: packer-plugin-sdk
/// `template/config/decode.go`, `Decode`), where `{{` starts a template action and the build
/// fails or gets another value. Unlike spec text, a value read at build time cannot be escaped
/// in the generated files, so the caller refuses to run; the values themselves are never shown.
pub fn templated_credentials(plan: &Plan, env: impl Fn(&str) -> Option<String>) -> Vec<String> {
    plan.credentials
        .iter()
        .filter(|name| env(name).is_some_and(|value| value.contains("{{")))
        .cloned()
        .collect()
}

// ---- the build version ---------------------------------------------------------------------

/// The generated tree's variable that names every artifact of a build (`-var build_version=`).
pub const BUILD_VERSION_VARIABLE: &str = "build_version";

/// The longest build version, in characters. It is one part of names that Azure limits to 80
/// characters (managed images) together with the OS and edition names.
pub const BUILD_VERSION_MAX: usize = 40;

/// How the `packer build` processes of a run are called, beyond what the [`Plan`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// `packer build` processes at a time; at most 1 means one process for every source.
    pub jobs: usize,
    /// The version that names the artifacts, passed as `-var build_version=<version>`.
    pub version: BuildVersion,
    /// Whether to pass `-force`, so that Packer replaces existing artifacts of the same name.
    pub force: bool,
}

/// Where a build version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionOrigin {
    /// `hybridc build --build-version`.
    Flag,
    /// `git describe --always --dirty` in the repository root.
    Git,
    /// The UTC time, outside a git work tree.
    Clock,
}

impl fmt::Display for VersionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionOrigin::Flag => "`--build-version`",
            VersionOrigin::Git => "`git describe`",
            VersionOrigin::Clock => "the UTC time",
        })
    }
}

/// A version that can be part of an artifact name on every platform: 1 to
/// [`BUILD_VERSION_MAX`] characters matching
/// `^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`.
///
/// The rule is what every name it becomes part of allows: Proxmox VM names are DNS names
/// (dot-separated labels of letters, digits and `-`, none empty, none starting or ending with
/// `-`); vSphere VM and template names and Azure managed image names allow letters, digits,
/// `.`, `-` and `_`, Azure at most 80 characters with the OS name. A `git describe` result such
/// as `v1.2.0-3-g1a2b3c4-dirty` fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildVersion {
    text: String,
    origin: VersionOrigin,
}

impl BuildVersion {
    /// Checks `text`, which came from `origin`, against the rule.
    ///
    /// # Errors
    /// A [`VersionError`] naming the value, where it came from and what is wrong with it.
    ///
    /// # Examples
    /// ```
    /// use hybridc::runner::{BuildVersion, VersionOrigin};
    ///
    /// let version = BuildVersion::new("v1.2.0-3-g1a2b3c4-dirty", VersionOrigin::Git);
    /// assert_eq!(version.map(|v| v.as_str().to_owned()).ok().as_deref(), Some("v1.2.0-3-g1a2b3c4-dirty"));
    /// assert!(BuildVersion::new("release/1.2", VersionOrigin::Git).is_err());
    /// ```
    pub fn new(text: &str, origin: VersionOrigin) -> Result<Self, VersionError> {
        match version_problem(text) {
            None => Ok(BuildVersion {
                text: text.to_owned(),
                origin,
            }),
            Some(problem) => Err(VersionError {
                value: text.to_owned(),
                origin,
                problem,
            }),
        }
    }

    /// The UTC time `secs` seconds after the Unix epoch as `YYYYMMDD-HHMMSS`: `1732540000` is
    /// `20241125-130640`.
    ///
    /// # Errors
    /// A [`VersionError`] for a time so long before the epoch that its year is negative.
    pub fn from_time(secs: i64) -> Result<Self, VersionError> {
        let (year, month, day) = super::manifests::civil_from_days(secs.div_euclid(86_400));
        let of_day = secs.rem_euclid(86_400);
        let text = format!(
            "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
            of_day / 3600,
            of_day % 3600 / 60,
            of_day % 60
        );
        BuildVersion::new(&text, VersionOrigin::Clock)
    }

    /// The version as passed to Packer.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Where it came from.
    pub fn origin(&self) -> VersionOrigin {
        self.origin
    }
}

impl fmt::Display for BuildVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What is wrong with a build version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionProblem {
    /// It is empty.
    Empty,
    /// It is longer than [`BUILD_VERSION_MAX`].
    TooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// It has a character other than an ASCII letter, a digit, `-` or `.`.
    Character {
        /// The first such character.
        found: char,
    },
    /// A `.` starts or ends it, or two follow each other.
    EmptyLabel,
    /// A dot-separated label starts or ends with `-`.
    Hyphen {
        /// The label.
        label: String,
    },
}

impl fmt::Display for VersionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionProblem::Empty => write!(f, "it is empty"),
            VersionProblem::TooLong { chars } => write!(f, "it has {chars} characters"),
            VersionProblem::Character { found } => {
                write!(f, "`{}` is not allowed", found.escape_debug())
            }
            VersionProblem::EmptyLabel => write!(
                f,
                "it has an empty label (a `.` at the start or the end, or two in a row)"
            ),
            VersionProblem::Hyphen { label } => {
                write!(f, "its label `{label}` starts or ends with `-`")
            }
        }
    }
}

/// A build version that cannot name artifacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError {
    /// The value.
    pub value: String,
    /// Where it came from.
    pub origin: VersionOrigin,
    /// What is wrong with it.
    pub problem: VersionProblem,
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "build version `{}` (from {}) cannot be part of artifact names: {}; a build version \
             is 1 to {BUILD_VERSION_MAX} characters, dot-separated labels of ASCII letters, \
             digits and `-` that start and end with a letter or digit",
            self.value.escape_debug(),
            self.origin,
            self.problem
        )?;
        if self.origin != VersionOrigin::Flag {
            write!(f, "; choose one with `--build-version`")?;
        }
        Ok(())
    }
}

impl std::error::Error for VersionError {}

/// What is wrong with `text` as a build version, if anything (see [`BuildVersion`]).
fn version_problem(text: &str) -> Option<VersionProblem> {
    if text.is_empty() {
        return Some(VersionProblem::Empty);
    }
    let chars = text.chars().count();
    if chars > BUILD_VERSION_MAX {
        return Some(VersionProblem::TooLong { chars });
    }
    if let Some(found) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Some(VersionProblem::Character { found });
    }
    for label in text.split('.') {
        if label.is_empty() {
            return Some(VersionProblem::EmptyLabel);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(VersionProblem::Hyphen {
                label: label.to_owned(),
            });
        }
    }
    None
}

/// The build version of a run: `flag` when given; else what `describe` returns (normally
/// [`git_describe`] of the repository root); else the UTC time, `now` seconds after the Unix
/// epoch (normally [`unix_now`]). `describe` and `now` are called only when needed.
///
/// # Errors
/// A [`VersionError`] when the value chosen cannot be part of artifact names. The next source is
/// not tried then: a tag that cannot name artifacts is a mistake to see, not to paper over.
pub fn build_version(
    flag: Option<&str>,
    describe: impl FnOnce() -> Option<String>,
    now: impl FnOnce() -> i64,
) -> Result<BuildVersion, VersionError> {
    if let Some(text) = flag {
        return BuildVersion::new(text, VersionOrigin::Flag);
    }
    if let Some(text) = describe() {
        return BuildVersion::new(&text, VersionOrigin::Git);
    }
    BuildVersion::from_time(now())
}

/// What `git describe --always --dirty` prints in `root`, trimmed (`v1.2.0-3-g1a2b3c4-dirty`,
/// or an abbreviated commit without tags). `None` when git is not installed, `root` is not in a
/// git work tree (or one without commits), or git prints nothing.
pub fn git_describe(root: &Path) -> Option<String> {
    let output = Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Seconds since the Unix epoch now, by the system clock (negative before it).
pub fn unix_now() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

// ---- the build host ------------------------------------------------------------------------

/// Programs that write ISO images; Packer uses the first it finds for `cd_files` and
/// `cd_content`.
pub const ISO_TOOLS: [&str; 4] = ["xorriso", "mkisofs", "genisoimage", "oscdimg"];

/// The program the `ansible` provisioner runs on the build host.
pub const ANSIBLE_PLAYBOOK: &str = "ansible-playbook";

/// The Python module Ansible's `winrm` connection needs (PyPI: pywinrm).
pub const WINRM_MODULE: &str = "winrm";

/// Where Packer is downloaded from, for the install hints.
const PACKER_DOWNLOAD: &str = "https://developer.hashicorp.com/packer/install";

/// The build host as [`preflight`] sees it. [`System`] looks at the real one; tests implement
/// it to simulate missing or outdated tools without touching `PATH`.
pub trait Host {
    /// The executable file `program` stands for: a path with a folder in it as it is, a bare
    /// name the first executable file of that name in a folder of `PATH`; `None` when there is
    /// none.
    fn find(&self, program: &Path) -> Option<PathBuf>;

    /// What `<packer> version` prints on its standard output.
    ///
    /// # Errors
    /// Why it printed nothing to read: it could not be started, or it failed.
    fn packer_version(&self, packer: &Path) -> Result<String, String>;

    /// Whether Python imports `module`.
    fn python_imports(&self, module: &str) -> bool;
}

/// The real build host, with a `PATH` to look programs up in.
///
/// [`Host::python_imports`] runs `python3 -c "import <module>"` with the `python3` on that
/// `PATH`. This approximates the interpreter Ansible uses on the controller, which is the one
/// `ansible-playbook` was installed with; they are the same in the usual installations
/// (`pip install ansible`, distribution packages) and may differ in a virtual environment that
/// is not activated.
#[derive(Debug, Clone, Default)]
pub struct System {
    path: Option<OsString>,
}

impl System {
    /// The host with this process's `PATH`.
    pub fn from_env() -> Self {
        System {
            path: std::env::var_os("PATH"),
        }
    }

    /// The host with `path` as `PATH`, to look programs up in and to run them with.
    pub fn with_path(path: impl Into<OsString>) -> Self {
        System {
            path: Some(path.into()),
        }
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command.stdin(Stdio::null()).stderr(Stdio::null());
        if let Some(path) = &self.path {
            command.env("PATH", path);
        }
        command
    }
}

impl Host for System {
    fn find(&self, program: &Path) -> Option<PathBuf> {
        let bare = program
            .parent()
            .is_none_or(|parent| parent.as_os_str().is_empty());
        if !bare {
            return is_executable(program).then(|| program.to_path_buf());
        }
        let path = self.path.as_ref()?;
        std::env::split_paths(path)
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate))
    }

    fn packer_version(&self, packer: &Path) -> Result<String, String> {
        let mut command = self.command(packer);
        command.arg("version");
        for (key, value) in PACKER_ENV {
            command.env(key, value);
        }
        let output = command.output().map_err(|e| e.to_string())?;
        match output.status.code() {
            Some(0) => Ok(String::from_utf8_lossy(&output.stdout).into_owned()),
            Some(code) => Err(format!("exit code {code}")),
            None => Err("killed by a signal".to_owned()),
        }
    }

    fn python_imports(&self, module: &str) -> bool {
        let Some(python) = self.find(Path::new("python3")) else {
            return false;
        };
        let mut command = self.command(&python);
        command
            .arg("-c")
            .arg(format!("import {module}"))
            .stdout(Stdio::null());
        command.status().is_ok_and(|status| status.success())
    }
}

/// Whether `path` is a file this process may execute.
fn is_executable(path: &Path) -> bool {
    let Ok(metadata) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.is_file() && metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        metadata.is_file()
    }
}

/// What [`preflight`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preflight {
    /// What the build host lacks, in the order of the checks; a run must not start while
    /// there is any.
    pub problems: Vec<HostProblem>,
    /// What could not be checked; a run may start.
    pub warnings: Vec<HostWarning>,
}

impl Preflight {
    /// Whether nothing is missing.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Something the build host lacks for the selected sources. Its text says how to install it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostProblem {
    /// `packer` was not found.
    NoPacker {
        /// The program as given (`packer`).
        program: PathBuf,
    },
    /// `packer` is a version the spec's `packer.required_version` does not allow.
    PackerVersion {
        /// The version found.
        found: PackerVersion,
        /// The constraint.
        required: String,
    },
    /// None of [`ISO_TOOLS`] was found.
    NoIsoTool {
        /// The sources with CD contents.
        needed_by: Vec<String>,
    },
    /// [`ANSIBLE_PLAYBOOK`] was not found.
    NoAnsible {
        /// The sources an `ansible` provisioner runs for.
        needed_by: Vec<String>,
    },
    /// Python cannot import [`WINRM_MODULE`].
    NoPywinrm {
        /// The WinRM sources an `ansible` provisioner runs for.
        needed_by: Vec<String>,
    },
}

impl fmt::Display for HostProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostProblem::NoPacker { program } => write!(
                f,
                "`{}` is not on `PATH`; install Packer from {PACKER_DOWNLOAD}",
                program.display()
            ),
            HostProblem::PackerVersion { found, required } => write!(
                f,
                "`packer` is version {found}, which `packer.required_version` (`{required}`) \
                 does not allow; install a Packer it allows from {PACKER_DOWNLOAD}"
            ),
            HostProblem::NoIsoTool { needed_by } => write!(
                f,
                "no ISO creation tool ({}) on `PATH`, needed for the CD files of {}; install \
                 xorriso (`apt-get install xorriso`, `dnf install xorriso` or `brew install \
                 xorriso`)",
                or_list(&ISO_TOOLS),
                sources(needed_by)
            ),
            HostProblem::NoAnsible { needed_by } => write!(
                f,
                "`{ANSIBLE_PLAYBOOK}` is not on `PATH`, needed for the Ansible steps of {}; \
                 install Ansible (`python3 -m pip install ansible`)",
                sources(needed_by)
            ),
            HostProblem::NoPywinrm { needed_by } => write!(
                f,
                "Python cannot import `{WINRM_MODULE}` (pywinrm; checked with `python3 -c \
                 \"import {WINRM_MODULE}\"`), needed for Ansible over WinRM on {}; install it \
                 with `python3 -m pip install pywinrm`",
                sources(needed_by)
            ),
        }
    }
}

/// Something [`preflight`] could not check; the run may go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostWarning {
    /// `packer version` could not be run or failed.
    PackerVersionFailed {
        /// Why.
        reason: String,
    },
    /// `packer version` printed nothing that reads as a version.
    PackerVersionUnreadable {
        /// Its first line that is not blank.
        printed: String,
    },
    /// The spec's `packer.required_version` is not a constraint hybridc can read.
    ConstraintUnreadable {
        /// The constraint.
        constraint: String,
        /// Why it cannot be read.
        reason: String,
    },
}

impl fmt::Display for HostWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostWarning::PackerVersionFailed { reason } => write!(
                f,
                "`packer version` failed ({reason}); the Packer version is not checked against \
                 `packer.required_version`"
            ),
            HostWarning::PackerVersionUnreadable { printed } => write!(
                f,
                "no version in what `packer version` printed (`{}`); the Packer version is not \
                 checked against `packer.required_version`",
                printed.escape_debug()
            ),
            HostWarning::ConstraintUnreadable { constraint, reason } => write!(
                f,
                "cannot read `packer.required_version` (`{constraint}`): {reason}; the Packer \
                 version is not checked"
            ),
        }
    }
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
fn or_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => "none".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The sources that need something, at most three by name, so a long selection stays one line.
fn sources(selectors: &[String]) -> String {
    const SHOWN: usize = 3;
    if selectors.len() <= SHOWN {
        return prose_list(selectors);
    }
    let shown: Vec<String> = selectors[..SHOWN]
        .iter()
        .map(|s| format!("`{s}`"))
        .collect();
    format!("{} and {} more", shown.join(", "), selectors.len() - SHOWN)
}

/// Checks that the build host has what `plan` needs, asking `host`: the program `packer` (as
/// given to [`run`]) in a version `plan.required_version` allows, and each of the plan's
/// [`Requirement`]s. Every problem is reported, not only the first.
///
/// The Packer version is read leniently (the first word of `packer version`'s output that
/// reads as a version, `v` prefix allowed) and compared without its pre-release, so a
/// `1.12.0-dev` build counts as 1.12.0. When it cannot be read, or the constraint cannot, that
/// is a warning: Packer checks `required_version` itself when it starts.
pub fn preflight(plan: &Plan, packer: &Path, host: &dyn Host) -> Preflight {
    let mut report = Preflight::default();
    match host.find(packer) {
        None => report.problems.push(HostProblem::NoPacker {
            program: packer.to_path_buf(),
        }),
        Some(found) => check_packer_version(&plan.required_version, &found, host, &mut report),
    }
    for (requirement, needed_by) in &plan.requirements {
        let needed_by = needed_by.clone();
        match requirement {
            Requirement::IsoTool => {
                if !ISO_TOOLS
                    .iter()
                    .any(|tool| host.find(Path::new(tool)).is_some())
                {
                    report.problems.push(HostProblem::NoIsoTool { needed_by });
                }
            }
            Requirement::Ansible => {
                if host.find(Path::new(ANSIBLE_PLAYBOOK)).is_none() {
                    report.problems.push(HostProblem::NoAnsible { needed_by });
                }
            }
            Requirement::Pywinrm => {
                if !host.python_imports(WINRM_MODULE) {
                    report.problems.push(HostProblem::NoPywinrm { needed_by });
                }
            }
        }
    }
    report
}

fn check_packer_version(required: &str, packer: &Path, host: &dyn Host, report: &mut Preflight) {
    let constraint = match VersionConstraint::parse(required) {
        Ok(constraint) => constraint,
        Err(reason) => {
            report.warnings.push(HostWarning::ConstraintUnreadable {
                constraint: required.to_owned(),
                reason,
            });
            return;
        }
    };
    let printed = match host.packer_version(packer) {
        Ok(printed) => printed,
        Err(reason) => {
            report
                .warnings
                .push(HostWarning::PackerVersionFailed { reason });
            return;
        }
    };
    let Some(found) = PackerVersion::find_in(&printed) else {
        let first = printed
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        report.warnings.push(HostWarning::PackerVersionUnreadable {
            printed: first.chars().take(80).collect(),
        });
        return;
    };
    if !constraint.allows(&found.core()) {
        report.problems.push(HostProblem::PackerVersion {
            found,
            required: required.to_owned(),
        });
    }
}

/// One `packer` process of a run.
struct Invocation {
    /// The sources it builds; empty for `packer init`.
    selectors: Vec<String>,
    /// Arguments after the program name.
    args: Vec<OsString>,
}

fn joined(flag: &str, value: &OsStr) -> OsString {
    let mut text = OsString::from(flag);
    text.push(value);
    text
}

fn init_invocation(plan: &Plan) -> Invocation {
    Invocation {
        selectors: Vec::new(),
        args: vec!["init".into(), plan.out_dir.clone().into_os_string()],
    }
}

/// The `packer build` processes: one for every source with one job, one per source with more.
fn build_invocations(plan: &Plan, options: &BuildOptions) -> Vec<Invocation> {
    let groups: Vec<Vec<String>> = if options.jobs <= 1 {
        vec![plan.sources.iter().map(|s| s.selector.clone()).collect()]
    } else {
        plan.sources
            .iter()
            .map(|s| vec![s.selector.clone()])
            .collect()
    };
    groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|selectors| {
            let mut args: Vec<OsString> = vec!["build".into()];
            args.extend(BUILD_FLAGS.iter().map(OsString::from));
            if options.force {
                args.push("-force".into());
            }
            args.push(format!("-only={}", selectors.join(",")).into());
            args.push(joined("-var-file=", plan.env_file.as_os_str()));
            args.push("-var".into());
            args.push(format!("{BUILD_VERSION_VARIABLE}={}", options.version.as_str()).into());
            args.push(plan.out_dir.clone().into_os_string());
            Invocation { selectors, args }
        })
        .collect()
}

/// The `packer` command lines a run executes, in order: `packer init <out>`, then the builds.
///
/// With `options.jobs` at most 1, one `packer build` with every selector (`-only=a,b,c`); with
/// more, one `packer build` per source, of which [`run`] runs `jobs` at a time. Every
/// `packer build` carries `-var build_version=<version>`, and `-force` when asked for. The
/// program is written as `packer`; paths that are not UTF-8 are shown lossily.
pub fn commands(plan: &Plan, options: &BuildOptions) -> Vec<Vec<String>> {
    std::iter::once(init_invocation(plan))
        .chain(build_invocations(plan, options))
        .map(|invocation| {
            std::iter::once("packer".to_owned())
                .chain(
                    invocation
                        .args
                        .iter()
                        .map(|a| a.to_string_lossy().into_owned()),
                )
                .collect()
        })
        .collect()
}

/// One command line as a POSIX shell reads it: arguments made only of `A-Z a-z 0-9 _ . / = , :
/// @ % + -` are written as they are, any other in single quotes.
pub fn shell_quote(args: &[String]) -> String {
    args.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_./=,:@%+-".contains(c));
            if plain {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

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

/// Runs `packer init`, then the builds of `plan`, with the executable `packer` (a bare name is
/// looked up on `PATH`), streaming Packer's standard output to `out` and its standard error to
/// `err`, line by line as they come.
///
/// The command lines are those of [`commands`]. With `options.jobs` at most 1 there is one
/// `packer build` for every source and its lines are written as they are. With more, one
/// `packer build` per source runs, `jobs` at a time, and each of its lines is prefixed with
/// `[<selector>] ` so interleaved output stays readable (`packer init` runs alone before them,
/// unprefixed). A failing build does not stop the others. Write errors on `out` and `err` are
/// ignored: a closed log must not abandon builds that are running.
///
/// With one `packer build` for several sources, a source whose `Build '<selector>' finished`
/// line Packer printed counts as built even when another failed the process; one with an
/// `errored` line, or with neither line when the process failed, counts as failed.
///
/// # Errors
/// [`RunError::Spawn`] when `packer` cannot be started and [`RunError::Init`] when `packer init`
/// fails; in both cases no build was started. A build that fails, or whose process cannot be
/// started, is reported in the [`RunReport`] instead.
pub fn run(
    plan: &Plan,
    options: &BuildOptions,
    packer: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunReport, RunError> {
    let init = run_invocations(vec![init_invocation(plan)], 1, false, packer, out, err)
        .pop()
        .expect("one invocation has one result");
    match init.result {
        Err(error) => {
            return Err(RunError::Spawn {
                program: packer.to_path_buf(),
                error,
            });
        }
        Ok(status) if !status.success() => {
            return Err(RunError::Init {
                exit_code: status.code(),
            });
        }
        Ok(_) => {}
    }

    let jobs = options.jobs;
    let invocations = build_invocations(plan, options);
    let prefixed = jobs > 1;
    let finished = run_invocations(invocations, jobs.max(1), prefixed, packer, out, err);
    let mut statuses: BTreeMap<String, BuildStatus> = BTreeMap::new();
    for process in finished {
        for selector in &process.selectors {
            let status = match &process.result {
                Err(error) => BuildStatus::NotStarted {
                    message: error.to_string(),
                },
                Ok(status) if status.success() && !process.errored.contains(selector) => {
                    BuildStatus::Succeeded
                }
                Ok(status) => {
                    let several = process.selectors.len() > 1;
                    if several
                        && process.finished.contains(selector)
                        && !process.errored.contains(selector)
                    {
                        BuildStatus::Succeeded
                    } else {
                        BuildStatus::Failed {
                            exit_code: status.code(),
                        }
                    }
                }
            };
            statuses.insert(selector.clone(), status);
        }
    }
    Ok(RunReport {
        builds: plan
            .sources
            .iter()
            .map(|s| BuildOutcome {
                selector: s.selector.clone(),
                status: statuses
                    .remove(&s.selector)
                    .unwrap_or(BuildStatus::NotStarted {
                        message: "no `packer build` was planned for it".to_owned(),
                    }),
            })
            .collect(),
    })
}

/// How one process ended, with what its lines said about its sources.
struct Finished {
    selectors: Vec<String>,
    result: std::io::Result<ExitStatus>,
    /// Sources with a `Build '<selector>' finished` line.
    finished: BTreeSet<String>,
    /// Sources with a `Build '<selector>' errored` line.
    errored: BTreeSet<String>,
}

#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

enum Event {
    Line {
        index: usize,
        stream: Stream,
        text: String,
    },
    Done {
        index: usize,
        result: std::io::Result<ExitStatus>,
    },
}

/// Sends `Done` for its process when dropped, so the scheduler is told even if the thread
/// watching the process ends early.
struct DoneGuard {
    tx: Sender<Event>,
    index: usize,
    result: Option<std::io::Result<ExitStatus>>,
}

impl Drop for DoneGuard {
    fn drop(&mut self) {
        let result = self.result.take().unwrap_or_else(|| {
            Err(std::io::Error::other(
                "the thread watching `packer` stopped early",
            ))
        });
        let _ = self.tx.send(Event::Done {
            index: self.index,
            result,
        });
    }
}

/// Runs the invocations, at most `jobs` at a time, in order; writes their lines on this thread.
fn run_invocations(
    invocations: Vec<Invocation>,
    jobs: usize,
    prefixed: bool,
    packer: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Vec<Finished> {
    let (tx, rx) = mpsc::channel::<Event>();
    let mut finished: Vec<Finished> = invocations
        .iter()
        .map(|i| Finished {
            selectors: i.selectors.clone(),
            result: Err(std::io::Error::other("not run")),
            finished: BTreeSet::new(),
            errored: BTreeSet::new(),
        })
        .collect();
    let prefixes: Vec<String> = invocations
        .iter()
        .map(|i| {
            if prefixed {
                format!("[{}] ", i.selectors.join(","))
            } else {
                String::new()
            }
        })
        .collect();
    let mut pending = invocations.into_iter().enumerate();
    let mut running = 0usize;
    loop {
        while running < jobs {
            let Some((index, invocation)) = pending.next() else {
                break;
            };
            match start(packer, &invocation, index, &tx) {
                Ok(()) => running += 1,
                Err(error) => finished[index].result = Err(error),
            }
        }
        if running == 0 {
            break;
        }
        // This thread holds a sender, so `recv` fails only if that is gone; stop waiting then.
        let Ok(event) = rx.recv() else { break };
        match event {
            Event::Line {
                index,
                stream,
                text,
            } => {
                note_build_lines(&mut finished[index], &text);
                let target: &mut dyn Write = match stream {
                    Stream::Out => &mut *out,
                    Stream::Err => &mut *err,
                };
                let _ = writeln!(target, "{}{text}", prefixes[index]);
                let _ = target.flush();
            }
            Event::Done { index, result } => {
                finished[index].result = result;
                running -= 1;
            }
        }
    }
    finished
}

/// Records Packer's `Build '<name>' finished` and `Build '<name>' errored` lines.
fn note_build_lines(process: &mut Finished, line: &str) {
    for selector in &process.selectors {
        let head = format!("Build '{selector}' ");
        if let Some(i) = line.find(&head) {
            let rest = &line[i + head.len()..];
            if rest.starts_with("finished") {
                process.finished.insert(selector.clone());
            } else if rest.starts_with("errored") {
                process.errored.insert(selector.clone());
            }
        }
    }
}

/// Starts one `packer` process and the threads that forward its lines and its end.
fn start(
    packer: &Path,
    invocation: &Invocation,
    index: usize,
    tx: &Sender<Event>,
) -> std::io::Result<()> {
    let mut command = Command::new(packer);
    command
        .args(&invocation.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in PACKER_ENV {
        command.env(key, value);
    }
    let mut child = command.spawn()?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let guard = DoneGuard {
        tx: tx.clone(),
        index,
        result: None,
    };
    let tx = tx.clone();
    // When the thread cannot be started, the closure is dropped with the guard in it, which
    // reports the process as failed; either way exactly one `Done` arrives for it.
    let _ = std::thread::Builder::new()
        .name(format!("packer-{index}"))
        .spawn(move || watch(child, stdout, stderr, tx, index, guard));
    Ok(())
}

/// Forwards a process's lines, then its exit status (through the guard), in that order.
fn watch(
    mut child: Child,
    stdout: Option<impl Read + Send + 'static>,
    stderr: Option<impl Read + Send + 'static>,
    tx: Sender<Event>,
    index: usize,
    mut guard: DoneGuard,
) {
    let err_tx = tx.clone();
    let err_reader = stderr.map(|stderr| {
        std::thread::Builder::new()
            .name(format!("packer-{index}-stderr"))
            .spawn(move || forward(stderr, Stream::Err, index, &err_tx))
    });
    if let Some(stdout) = stdout {
        forward(stdout, Stream::Out, index, &tx);
    }
    match err_reader {
        Some(Ok(handle)) => {
            let _ = handle.join();
        }
        // Without a reader, a full stderr pipe could block Packer; no thread means no reader.
        Some(Err(_)) => {
            let _ = child.kill();
        }
        None => {}
    }
    guard.result = Some(child.wait());
}

/// Sends each line of `reader` (lossy UTF-8, without its line ending) until it closes.
fn forward(reader: impl Read, stream: Stream, index: usize, tx: &Sender<Event>) {
    let mut reader = BufReader::new(reader);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                while buffer.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buffer.pop();
                }
                let text = String::from_utf8_lossy(&buffer).into_owned();
                if tx
                    .send(Event::Line {
                        index,
                        stream,
                        text,
                    })
                    .is_err()
                {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        let args: Vec<String> = [
            "packer",
            "-only=a.b-c.d,e.f",
            "-var-file=generated/env/dev.pkrvars.hcl",
            "my dir",
            "it's",
            "",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            shell_quote(&args),
            r"packer -only=a.b-c.d,e.f -var-file=generated/env/dev.pkrvars.hcl 'my dir' 'it'\''s' ''"
        );
    }

    #[test]
    fn credentials_packer_would_read_as_templates_are_named_never_shown() {
        let plan = Plan {
            env: "dev".into(),
            sources: Vec::new(),
            env_file: PathBuf::new(),
            out_dir: PathBuf::new(),
            credentials: vec!["A".into(), "B".into(), "C".into()],
            requirements: BTreeMap::new(),
            required_version: String::new(),
        };
        let env = |name: &str| match name {
            "A" => Some("pa{{ss".to_owned()),
            "B" => Some("plain }} {".to_owned()),
            _ => None,
        };
        assert_eq!(templated_credentials(&plan, env), vec!["A".to_owned()]);
    }

    #[test]
    fn lists_names_in_prose() {
        assert_eq!(prose_list::<&str>(&[]), "none");
        assert_eq!(prose_list(&["a"]), "`a`");
        assert_eq!(prose_list(&["a", "b"]), "`a` and `b`");
        assert_eq!(prose_list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }

    #[test]
    fn names_a_few_sources_and_counts_the_rest() {
        let selectors: Vec<String> = ["a", "b", "c", "d", "e"].map(str::to_owned).to_vec();
        assert_eq!(sources(&selectors[..1]), "`a`");
        assert_eq!(sources(&selectors[..3]), "`a`, `b` and `c`");
        assert_eq!(sources(&selectors), "`a`, `b`, `c` and 2 more");
        assert_eq!(or_list(&ISO_TOOLS[..2]), "`xorriso` or `mkisofs`");
    }

    #[test]
    fn communicator_is_read_from_a_literal() {
        let mut body = Args::default();
        body.attr("communicator", Expr::Traversal("var.c".to_owned()), "/");
        assert_eq!(communicator(&body), None);
        body.attr("communicator", Expr::String("winrm".to_owned()), "/");
        assert_eq!(communicator(&body), Some("winrm"));
    }

    #[test]
    fn parses_platforms_with_a_suggestion() {
        assert_eq!(parse_platform("azure"), Ok(PlatformName::Azure));
        let error = parse_platform("azur").expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "unknown platform `azur`; did you mean `azure`?"
        );
        let error = parse_platform("aws").expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "unknown platform `aws`; expected `proxmox`, `vsphere` and `azure`"
        );
    }

    #[test]
    fn notes_packer_build_result_lines() {
        let mut process = Finished {
            selectors: vec!["os.null.a".to_owned(), "os.null.b".to_owned()],
            result: Err(std::io::Error::other("not run")),
            finished: BTreeSet::new(),
            errored: BTreeSet::new(),
        };
        note_build_lines(
            &mut process,
            "2026-01-01T00:00:00Z: Build 'os.null.a' finished after 8 milliseconds.",
        );
        note_build_lines(
            &mut process,
            "Build 'os.null.b' errored after 6 milliseconds: exit status 3",
        );
        assert!(process.finished.contains("os.null.a"));
        assert!(process.errored.contains("os.null.b"));
        assert!(!process.finished.contains("os.null.b"));
    }
}
