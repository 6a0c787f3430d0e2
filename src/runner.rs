//! Running Packer on the generated tree: which sources a build selection means, which
//! credentials they need, the exact `packer` command lines, and running them without a prompt.
//!
//! [`select`] turns a [`Selection`] (an environment and optional OS, platform and Windows
//! edition) into a [`Plan`]: the sources, each named as Packer's `-only` names it
//! (`<os>.<builder type>.<source name>`), the environment's var file, and the environment
//! variables that hold the credentials those sources need. [`commands`] prints the plan as
//! `packer` command lines and [`run`] runs the same lines, streaming Packer's output. This module
//! owns no output format: it never prints on its own and never exits, it writes only Packer's
//! lines to the writers it is given and returns reports and errors as data. It must not read or
//! write the generated files: the caller compiles (and checks) `generated/` first.
//!
//! The flags, chosen for unattended runs in CI:
//!
//! * `packer init <out>` first, so the pinned plugins are installed (a no-op when they are).
//! * `packer build -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1
//!   -only=<selectors> -var-file=<out>/env/<env>.pkrvars.hcl <out>`.
//! * `-color=false`: Packer's output goes through a pipe to CI logs, where ANSI codes are noise
//!   and would break the `[<selector>] ` prefixes.
//! * `-timestamp-ui`: image builds run for tens of minutes; a timestamp on each line shows where
//!   the time went and which step hung, in logs that may have no timestamps of their own.
//! * `-on-error=cleanup`: Packer's default, written out so the log states the policy: a failed
//!   build removes its VM. Never `ask`, which waits for a keyboard; never `abort`, which leaves
//!   VMs behind. `-force` is not passed: replacing existing artifacts is a decision for a person.
//! * `-parallel-builds=1`: concurrency is hybridc's `jobs` alone. With one job, the single
//!   `packer build` builds its sources one after the other (Packer would otherwise start them
//!   all at once); with several jobs each `packer build` has one source anyway.
//! * Every process gets `CHECKPOINT_DISABLE=1` (no update check calling home) and
//!   `PACKER_NO_COLOR=1` (no colour from `packer init`, which has no `-color` flag), and an empty
//!   standard input, so nothing can wait for an answer.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};

use crate::diagnostic::closest;
use crate::model::{Model, Source};
use crate::spec::PlatformName;

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
}

/// Why a selection cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectError {
    /// The spec has no environment of that name.
    UnknownEnvironment {
        /// The name asked for.
        name: String,
        /// A close name, if there is one.
        suggestion: Option<String>,
        /// Every environment of the spec.
        known: Vec<String>,
    },
    /// The spec has no OS of that name.
    UnknownOs {
        /// The name asked for.
        name: String,
        /// A close name, if there is one.
        suggestion: Option<String>,
        /// Every OS of the spec.
        known: Vec<String>,
    },
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
            SelectError::UnknownEnvironment {
                name,
                suggestion,
                known,
            } => {
                write!(f, "no environment `{name}` in the spec")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None if known.is_empty() => write!(f, ", which defines none"),
                    None => write!(f, "; it has {}", list(known)),
                }
            }
            SelectError::UnknownOs {
                name,
                suggestion,
                known,
            } => {
                write!(f, "no OS `{name}` in the spec")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => write!(f, "; it has {}", list(known)),
                }
            }
            SelectError::UnknownPlatform { name, suggestion } => {
                write!(f, "unknown platform `{name}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => write!(
                        f,
                        "; expected {}",
                        list(&PlatformName::ALL.map(PlatformName::as_str))
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
                    None => write!(f, "; editions are {}", list(known)),
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
                        list(&built_on)
                    ),
                    (Some(os), None) => write!(
                        f,
                        "OS `{os}` is not built on `{platform}`; it is built on {}",
                        list(&built_on)
                    ),
                    (None, Some(edition)) => write!(
                        f,
                        "edition `{edition}` is not built on `{platform}`; it is built on {}",
                        list(&built_on)
                    ),
                    (None, None) => write!(
                        f,
                        "no OS is built on `{platform}`; the spec builds on {}",
                        list(&built_on)
                    ),
                }
            }
            SelectError::NothingSelected => write!(f, "the selection matches no source"),
        }
    }
}

impl std::error::Error for SelectError {}

/// "`a`", "`a` and `b`", "`a`, `b` and `c`".
fn list<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.split_last() {
        None => "none".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

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
    let environments: Vec<&str> = model.environments.iter().map(|e| e.name.as_str()).collect();
    if !environments.contains(&selection.env.as_str()) {
        return Err(SelectError::UnknownEnvironment {
            name: selection.env.clone(),
            suggestion: closest(&selection.env, environments.iter().copied()).map(str::to_owned),
            known: environments.iter().map(|e| (*e).to_owned()).collect(),
        });
    }

    let ordered = ordered_sources(model);
    let mut scope: Vec<&Source> = ordered.clone();

    if let Some(os) = &selection.os {
        let oses: BTreeSet<&str> = ordered.iter().map(|s| s.os.as_str()).collect();
        if !oses.contains(os.as_str()) {
            return Err(SelectError::UnknownOs {
                name: os.clone(),
                suggestion: closest(os, oses.iter().copied()).map(str::to_owned),
                known: oses.iter().map(|o| (*o).to_owned()).collect(),
            });
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
fn build_invocations(plan: &Plan, jobs: usize) -> Vec<Invocation> {
    let groups: Vec<Vec<String>> = if jobs <= 1 {
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
            args.push(format!("-only={}", selectors.join(",")).into());
            args.push(joined("-var-file=", plan.env_file.as_os_str()));
            args.push(plan.out_dir.clone().into_os_string());
            Invocation { selectors, args }
        })
        .collect()
}

/// The `packer` command lines a run executes, in order: `packer init <out>`, then the builds.
///
/// With `jobs` at most 1, one `packer build` with every selector (`-only=a,b,c`); with more, one
/// `packer build` per source, of which [`run`] runs `jobs` at a time. The program is written as
/// `packer`; paths that are not UTF-8 are shown lossily.
pub fn commands(plan: &Plan, jobs: usize) -> Vec<Vec<String>> {
    std::iter::once(init_invocation(plan))
        .chain(build_invocations(plan, jobs))
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
/// With `jobs` at most 1 there is one `packer build` for every source and its lines are written
/// as they are. With more, one `packer build` per source runs, `jobs` at a time, and each of its
/// lines is prefixed with `[<selector>] ` so interleaved output stays readable (`packer init`
/// runs alone before them, unprefixed). A failing build does not stop the others. Write errors
/// on `out` and `err` are ignored: a closed log must not abandon builds that are running.
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
    jobs: usize,
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

    let invocations = build_invocations(plan, jobs);
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
    fn lists_names_in_prose() {
        assert_eq!(list::<&str>(&[]), "none");
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b"]), "`a` and `b`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
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
