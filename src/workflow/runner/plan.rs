//! The plan of a run: which sources a [`Selection`] names, in Packer's order, the credentials
//! they read and what they need on the build host.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::catalogue::Component;
use crate::diagnostic::{Unknown, closest, prose_list};
use crate::hcl::Expr;
use crate::model::{Arg, Args, Model, Source, SourceRef};
use crate::spec::PlatformName;

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
    /// A program that writes ISO images (any of [`ISO_TOOLS`](super::ISO_TOOLS)): Packer packs a source's
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
                selector: model.only_selector(s),
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
                .push(model.only_selector(source));
        };
        if has_any(&source.body, &["cd_files", "cd_content"]) {
            need(Requirement::IsoTool);
        }
        let ansible = model
            .steps_for(&source.reference())
            .any(|step| step.component == Component::Ansible);
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
            names.contains(&name.as_ref())
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

/// The model's sources in the order of the builds and of each build's `sources` list, as
/// Packer lists them; sources no build uses come last, in model order.
fn ordered_sources(model: &Model) -> Vec<&Source> {
    let mut rank: BTreeMap<&SourceRef, (usize, usize)> = BTreeMap::new();
    for (b, build) in model.builds.iter().enumerate() {
        for (i, reference) in build.sources.iter().enumerate() {
            rank.entry(reference).or_insert((b, i));
        }
    }
    let mut sources: Vec<(usize, &Source)> = model.sources.iter().enumerate().collect();
    sources.sort_by_key(|(position, s)| {
        rank.get(&s.reference())
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn communicator_is_read_from_a_literal() {
        let mut body = Args::default();
        body.attr(
            "communicator",
            Expr::var("c"),
            &crate::pointer::Pointer::root(),
        );
        assert_eq!(communicator(&body), None);
        body.attr(
            "communicator",
            Expr::String("winrm".to_owned()),
            &crate::pointer::Pointer::root(),
        );
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
}
