//! `hybridc diff`: which images a change makes different, in which environments, and how.
//!
//! It compares two compiled specs, the one at a git revision ([`base`] reads it from git's
//! object store, never touching the work tree or the repository's index) and the one in the
//! work tree, per
//! build (a model source: OS x platform x edition) and per environment: builds added and
//! removed, each effective setting that changed with the layer that sets it (from
//! [`crate::explain`], run on both sides), the steps that run for the build, the bytes of the
//! repository files it uses (scripts, playbooks and their roles, installer templates), and
//! the plugins its components come from. [`render`] prints the [`Report`] as text, Markdown
//! or JSON.
//!
//! It compiles nothing itself and writes nothing: the caller compiles both sides in memory (the
//! base through its [`Tree`]) and hands over the results. Values are the spec's; a credential shows as the environment
//! variable it is read from, never as a value.

mod compare;
mod git;
mod render;
mod settings;

pub use compare::{Side, compare};
pub use git::{Base, Tree, base};
pub use render::{Format, render};

use crate::spec::PlatformName;
use crate::workflow::explain::Layer;

/// Why `diff` cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DiffError(pub String);

/// One build: an OS on a platform, for one Windows edition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BuildId {
    /// The OS key.
    pub os: String,
    /// The platform.
    pub platform: PlatformName,
    /// The Windows edition.
    pub edition: Option<String>,
}

impl std::fmt::Display for BuildId {
    /// `ubuntu-2404 on proxmox`, `windows-2022 standard on vsphere`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.edition {
            Some(edition) => write!(f, "{} {edition} on {}", self.os, self.platform.as_str()),
            None => write!(f, "{} on {}", self.os, self.platform.as_str()),
        }
    }
}

/// How a build differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Only the work tree builds it.
    Added,
    /// Only the base builds it.
    Removed,
    /// Both build it, differently.
    Changed,
}

impl Status {
    /// The status as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        }
    }
}

/// What happened to a repository file a build uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileStatus {
    /// Its bytes differ.
    Changed,
    /// Only the work tree has it.
    Added,
    /// Only the base has it.
    Removed,
}

impl FileStatus {
    /// The status as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Changed => "changed",
            FileStatus::Added => "added",
            FileStatus::Removed => "removed",
        }
    }
}

/// One difference of a build.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// An effective setting, as `explain` shows it.
    Setting {
        /// The setting (`hardware.cpus`).
        setting: String,
        /// The base value.
        old: String,
        /// The work tree's value.
        new: String,
        /// The layer that sets the work tree's value (the base's, when the work tree no longer
        /// has the setting).
        layer: LayerName,
    },
    /// Arguments of the Packer source differ (by their Packer names), whatever the cause.
    Arguments(Vec<String>),
    /// A provisioner or post-processor runs that did not.
    StepAdded(String),
    /// A provisioner or post-processor no longer runs.
    StepRemoved(String),
    /// The same steps run in another order.
    StepsReordered,
    /// A repository file the build uses.
    File {
        /// Its path from the repository root.
        path: String,
        /// What happened to it.
        status: FileStatus,
    },
    /// The version of the plugin a component of the build comes from.
    Plugin {
        /// The plugin's local name.
        name: String,
        /// The base's version.
        old: String,
        /// The work tree's version.
        new: String,
    },
}

/// A [`Layer`] that orders, for grouping changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LayerName(pub &'static str);

impl From<Layer> for LayerName {
    fn from(layer: Layer) -> Self {
        LayerName(layer.as_str())
    }
}

/// A change and the environments it shows in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The change.
    pub change: Change,
    /// The environments (of those both sides have) where it shows; every one for a change
    /// that does not depend on the environment.
    pub environments: Vec<String>,
}

/// One build that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildDiff {
    /// The build.
    pub id: BuildId,
    /// Added, removed or changed.
    pub status: Status,
    /// For a changed build, its changes; empty otherwise.
    pub changes: Vec<Entry>,
}

impl BuildDiff {
    /// The environments where a changed build changes, in the report's order.
    pub fn environments<'a>(&self, order: &'a [String]) -> Vec<&'a str> {
        order
            .iter()
            .filter(|e| self.changes.iter().any(|c| c.environments.contains(e)))
            .map(String::as_str)
            .collect()
    }
}

/// Everything `diff` finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The base revision as the user wrote it.
    pub base: String,
    /// The environments both sides have, in the work tree's order; the settings are compared
    /// in each of them (in the base values when the sides have none in common).
    pub environments: Vec<String>,
    /// Environments only the work tree has.
    pub environments_added: Vec<String>,
    /// Environments only the base has.
    pub environments_removed: Vec<String>,
    /// `required_version`, when it changed: `(old, new)`.
    pub required_version: Option<(String, String)>,
    /// The builds that differ, in order of OS, platform and edition.
    pub builds: Vec<BuildDiff>,
}

impl Report {
    /// The builds with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.builds.iter().filter(|b| b.status == status).count()
    }

    /// The one-line summary: `3 builds change in dev and prod; 1 added; 0 removed`, or
    /// `no build changes`.
    pub fn summary(&self) -> String {
        let changed: Vec<&BuildDiff> = self
            .builds
            .iter()
            .filter(|b| b.status == Status::Changed)
            .collect();
        let (added, removed) = (self.count(Status::Added), self.count(Status::Removed));
        if changed.is_empty() && added == 0 && removed == 0 {
            return "no build changes".into();
        }
        let builds = |n: usize| match n {
            1 => "1 build changes".to_owned(),
            n => format!("{n} builds change"),
        };
        let mut sets: Vec<(Vec<&str>, usize)> = Vec::new();
        for build in &changed {
            let envs = build.environments(&self.environments);
            match sets.iter_mut().find(|(e, _)| *e == envs) {
                Some((_, n)) => *n += 1,
                None => sets.push((envs, 1)),
            }
        }
        let first = match sets.as_slice() {
            [] => builds(0),
            [(envs, n)] => format!("{}{}", builds(*n), in_environments(envs)),
            _ => {
                sets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let parts: Vec<String> = sets
                    .iter()
                    .map(|(envs, n)| format!("{n}{}", in_environments(envs)))
                    .collect();
                format!("{}: {}", builds(changed.len()), parts.join(", "))
            }
        };
        format!("{first}; {added} added; {removed} removed")
    }
}

/// ` in dev and prod`, or nothing when there are no environments.
pub(crate) fn in_environments(envs: &[&str]) -> String {
    match envs {
        [] => String::new(),
        [one] => format!(" in {one}"),
        [init @ .., last] => format!(" in {} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(os: &str, status: Status, envs: &[&str]) -> BuildDiff {
        BuildDiff {
            id: BuildId {
                os: os.into(),
                platform: PlatformName::Proxmox,
                edition: None,
            },
            status,
            changes: if status == Status::Changed {
                vec![Entry {
                    change: Change::StepsReordered,
                    environments: envs.iter().map(|e| (*e).to_owned()).collect(),
                }]
            } else {
                Vec::new()
            },
        }
    }

    fn report(builds: Vec<BuildDiff>) -> Report {
        Report {
            base: "main".into(),
            environments: vec!["dev".into(), "prod".into()],
            environments_added: Vec::new(),
            environments_removed: Vec::new(),
            required_version: None,
            builds,
        }
    }

    #[test]
    fn the_summary_is_exact_in_every_case() {
        assert_eq!(report(Vec::new()).summary(), "no build changes");
        let both = ["dev", "prod"];
        assert_eq!(
            report(vec![
                build("a", Status::Changed, &both),
                build("b", Status::Changed, &both),
                build("c", Status::Added, &[]),
            ])
            .summary(),
            "2 builds change in dev and prod; 1 added; 0 removed"
        );
        assert_eq!(
            report(vec![
                build("a", Status::Changed, &both),
                build("b", Status::Changed, &["dev"]),
                build("c", Status::Changed, &["dev"]),
            ])
            .summary(),
            "3 builds change: 2 in dev, 1 in dev and prod; 0 added; 0 removed"
        );
        assert_eq!(
            report(vec![build("c", Status::Removed, &[])]).summary(),
            "0 builds change; 0 added; 1 removed"
        );
        assert_eq!(
            report(vec![build("a", Status::Changed, &["prod"])]).summary(),
            "1 build changes in prod; 0 added; 0 removed"
        );
    }
}
