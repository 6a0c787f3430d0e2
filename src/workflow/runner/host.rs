//! The build host as a run needs it: Packer in a version the spec allows, and the tools the
//! selected sources need ([`Requirement`]), looked up through a [`Host`] so tests can fake it.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::invocation::PACKER_ENV;
use super::plan::{Plan, Requirement};
use crate::diagnostic::prose_list;
use crate::version::{PackerVersion, VersionConstraint};

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
                crate::diagnostic::prose_alternatives(&ISO_TOOLS),
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
/// given to [`run`](super::run)) in a version `plan.required_version` allows, and each of the plan's
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            crate::diagnostic::prose_alternatives(&ISO_TOOLS[..2]),
            "`xorriso` or `mkisofs`"
        );
    }
}
