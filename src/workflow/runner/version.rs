//! The build version that names a run's artifacts: where it comes from (`--build-version`,
//! `git describe`, the clock) and the rule it must follow to be part of every platform's names.

use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The generated tree's variable that names every artifact of a build (`-var build_version=`).
pub const BUILD_VERSION_VARIABLE: &str = "build_version";

/// The longest build version, in characters. It is one part of names that Azure limits to 80
/// characters (managed images) together with the OS and edition names.
pub const BUILD_VERSION_MAX: usize = 40;

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
    /// A [`VersionError`] for a time before the year 0 (a name cannot start with `-`) or
    /// beyond the year 9999.
    pub fn from_time(secs: i64) -> Result<Self, VersionError> {
        let text = match crate::workflow::manifests::utc(secs) {
            Some(time) => time.strftime("%Y%m%d-%H%M%S").to_string(),
            // A clock beyond the years -9999 to 9999 is shown as its seconds, which `@` keeps
            // from being taken for a version.
            None => format!("@{secs}"),
        };
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
