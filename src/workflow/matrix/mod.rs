//! The CI build matrix: one job per compiled source (OS x platform x edition), and the ways of
//! handing it to CI: a complete GitLab child pipeline ([`gitlab`]), a complete GitHub Actions
//! workflow ([`github`]), the JSON of a GitHub Actions `strategy.matrix` ([`github_matrix`]),
//! and a stable JSON list for other tools ([`json`]).
//!
//! Both pipelines gate what a reviewer relies on: `hybridc check`, then `packer validate` with
//! each environment's var file, the `hybridc diff` report on merge and pull requests, and the
//! builds of every OS x platform (x edition) x environment on the runners the spec's `ci.tags`
//! name for each platform.
//!
//! Jobs are read from the compiled [`Model`], so each job's `-only` selector and the
//! credentials it needs always match what `generated/` declares. This module only builds text:
//! it reads and writes no files, prints nothing and runs nothing. The caller checks `--env` with
//! [`check_env`] before asking for output. Credential values never appear in any output, only
//! the names of the environment variables that hold them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::json;

use crate::diagnostic::Unknown;
use crate::model::Model;
use crate::spec::PlatformName;

mod document;
mod github;
mod gitlab;

pub(crate) use document::scalar;

pub use github::github;
pub use gitlab::gitlab;

/// Everything a pipeline is written from besides the jobs' own data.
#[derive(Debug, Clone, Copy)]
pub struct Pipeline<'a> {
    /// The builds.
    pub jobs: &'a [Job],
    /// The environments to validate and build for: every one of the spec's, or the one asked for.
    pub environments: &'a [String],
    /// Runner tags per platform, from the spec's `ci.tags`.
    pub tags: &'a BTreeMap<PlatformName, Vec<String>>,
    /// The spec as the runner sees it, relative to the repository root (`spec/`).
    pub spec: &'a str,
    /// The output folder as the runner sees it (`generated/`).
    pub out_dir: &'a str,
}

impl Pipeline<'_> {
    /// The credentials any job reads, sorted.
    fn credentials(&self) -> BTreeSet<&str> {
        self.jobs
            .iter()
            .flat_map(|j| j.credentials.iter().map(String::as_str))
            .collect()
    }

    /// The platforms that have jobs, in output order.
    fn platforms(&self) -> Vec<PlatformName> {
        PlatformName::ALL
            .into_iter()
            .filter(|p| self.jobs.iter().any(|j| j.platform == *p))
            .collect()
    }

    /// The build jobs of each platform, in groups of at most `limit` matrix entries (each job
    /// in every environment), named `build-<platform>`, or `build-<platform>-<n>` when the
    /// platform needs more than one group.
    fn build_groups(&self, limit: usize) -> Vec<(String, PlatformName, Vec<&Job>)> {
        let per_group = (limit / self.environments.len().max(1)).max(1);
        let mut groups = Vec::new();
        for platform in self.platforms() {
            let jobs: Vec<&Job> = self
                .jobs
                .iter()
                .filter(|j| j.platform == platform)
                .collect();
            let split = jobs.len() > per_group;
            for (i, chunk) in jobs.chunks(per_group).enumerate() {
                let name = if split {
                    format!("build-{}-{}", platform.as_str(), i + 1)
                } else {
                    format!("build-{}", platform.as_str())
                };
                groups.push((name, platform, chunk.to_vec()));
            }
        }
        groups
    }

    /// The runner tags of `platform`'s jobs.
    fn tags_of(&self, platform: PlatformName) -> &[String] {
        self.tags.get(&platform).map(Vec::as_slice).unwrap_or(&[])
    }

    /// `hybridc check` as the pipeline runs it.
    fn check_command(&self) -> String {
        let out = out_path(self.out_dir);
        let mut check = format!("hybridc check {}", super::shell::word(self.spec));
        if out != "generated" {
            check.push_str(&format!(" --out {}", super::shell::word(&out)));
        }
        check
    }

    /// `packer validate` with the var file of `env` (none without environments).
    fn validate_commands(&self, env: Option<&str>) -> [String; 2] {
        let out = super::shell::word(&out_path(self.out_dir));
        let var_file = env
            .map(|env| {
                format!(
                    "-var-file={} ",
                    super::shell::word(&format!(
                        "{}/env/{env}.pkrvars.hcl",
                        out_path(self.out_dir)
                    ))
                )
            })
            .unwrap_or_default();
        [
            format!("packer init {out}/"),
            format!("packer validate {var_file}{out}/"),
        ]
    }

    /// `hybridc build` of one matrix entry, reading `ENV`, `OS`, `PLATFORM`, `EDITION` (empty
    /// for Linux) and the version `version_variable` from the shell's environment.
    fn build_command(&self, version_variable: &str) -> String {
        let mut build = format!(
            "hybridc build --env \"$ENV\" --os \"$OS\" --platform \"$PLATFORM\" \
             ${{EDITION:+--edition \"$EDITION\"}} --build-version \"${version_variable}\" --spec {}",
            super::shell::word(self.spec)
        );
        let out = out_path(self.out_dir);
        if out != "generated" {
            build.push_str(&format!(" --out {}", super::shell::word(&out)));
        }
        build
    }

    /// `hybridc diff` against `base`, as Markdown into [`REVIEW_FILE`].
    fn diff_command(&self, base: &str) -> String {
        format!(
            "hybridc diff {} --base {base} --format markdown > {REVIEW_FILE}",
            super::shell::word(self.spec)
        )
    }
}

/// The file the review job writes the `hybridc diff` report to.
pub const REVIEW_FILE: &str = "hybridc-diff.md";

/// The most jobs one GitLab `parallel:matrix` may create; larger matrices are split.
pub const GITLAB_MATRIX_LIMIT: usize = 200;

/// The most jobs one GitHub Actions matrix may create per workflow run. [`github`] does not
/// split, so a caller with more jobs should say so.
pub const GITHUB_MATRIX_LIMIT: usize = 256;

/// One Packer build to run in CI: one source of one OS (and edition) on one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// Stable identifier: the source name and the platform (`ubuntu-2404-proxmox`,
    /// `windows-2022-standard-vsphere`).
    pub id: String,
    /// The OS key, which is also the Packer build's name.
    pub os: String,
    /// The platform it builds on.
    pub platform: PlatformName,
    /// The Windows edition; `None` for Linux.
    pub edition: Option<String>,
    /// The builder type (`proxmox-iso`).
    pub builder: String,
    /// The `packer build -only=` selector: `<build>.<builder>.<source>`.
    pub only: String,
    /// The environment variables holding the credentials this job reads, sorted.
    pub credentials: Vec<String>,
}

/// One job per source of the model, sorted by OS, edition (none first), then platform in the
/// order proxmox, vsphere, azure.
pub fn jobs(model: &Model) -> Vec<Job> {
    let mut jobs: Vec<Job> = model
        .sources
        .iter()
        .map(|source| Job {
            id: format!("{}-{}", source.name, source.platform.as_str()),
            os: source.os.clone(),
            platform: source.platform,
            edition: source.edition.clone(),
            builder: source.component.name().to_owned(),
            only: model.only_selector(source),
            credentials: model.credentials(&[source]),
        })
        .collect();
    jobs.sort_by(|a, b| {
        (&a.os, &a.edition, a.platform, &a.id).cmp(&(&b.os, &b.edition, b.platform, &b.id))
    });
    jobs
}

/// Checks that `env` is one of the spec's environments.
///
/// # Errors
/// A message naming the unknown environment, with a did-you-mean when one is close, else the
/// environments the spec has.
pub fn check_env(env: &str, environments: &[String]) -> Result<(), String> {
    match Unknown::among("environment", env, environments.iter().map(String::as_str)) {
        None => Ok(()),
        Some(unknown) => Err(unknown.to_string()),
    }
}

/// The JSON of a GitHub Actions `strategy.matrix`, on one line for `$GITHUB_OUTPUT`
/// (`matrix=<json>`): `{"include": [{"id", "os", "platform", "edition", "only"}]}`, with an
/// empty `edition` for Linux. GitHub runs at most [`GITHUB_MATRIX_LIMIT`] jobs per matrix.
pub fn github_matrix(jobs: &[Job]) -> String {
    let include: Vec<serde_json::Value> = jobs
        .iter()
        .map(|j| {
            json!({
                "id": j.id,
                "os": j.os,
                "platform": j.platform.as_str(),
                "edition": j.edition.as_deref().unwrap_or(""),
                "only": j.only,
            })
        })
        .collect();
    let mut text = json!({ "include": include }).to_string();
    text.push('\n');
    text
}

/// A stable, pretty JSON list of the jobs for other tools: `{"format": 1, "environment": env or
/// null, "jobs": [{"id", "os", "platform", "edition" (null for Linux), "builder", "only",
/// "credentials"}]}`.
pub fn json(jobs: &[Job], env: Option<&str>) -> String {
    let value = json!({
        "format": 1,
        "environment": env,
        "jobs": jobs,
    });
    let mut text =
        serde_json::to_string_pretty(&value).expect("a JSON value with string keys serializes");
    text.push('\n');
    text
}

/// The output folder as written in commands: no trailing slash, `.` when empty.
fn out_path(out_dir: &str) -> String {
    let trimmed = out_dir.trim_end_matches('/');
    let trimmed = trimmed.strip_prefix("./").unwrap_or(trimmed);
    if trimmed.is_empty() {
        ".".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The comment lines every generated CI file starts with: who wrote it, what its runners need,
/// and the names (never the values) of the credentials it reads from `store`, to be defined
/// where `define` says.
fn header(
    written_by: &str,
    runners_need: &str,
    credentials: &BTreeSet<&str>,
    store: &str,
    define: &str,
) -> Vec<String> {
    let mut lines = vec![
        format!("{written_by}: regenerate it,"),
        format!("do not edit it. Runners need {runners_need}."),
    ];
    if credentials.is_empty() {
        lines.push(format!("No credentials are read from {store}."));
    } else {
        lines.push(format!(
            "Credentials are read from these {store}, by the validate and build"
        ));
        lines.push(format!("jobs ({define}, never in this file):"));
        lines.extend(credentials.iter().map(|name| format!("  {name}")));
    }
    lines
}

/// The comment of a pipeline without build jobs.
const NO_BUILD_JOBS: &str =
    "No build jobs: `hybridc build` needs an environment, and the spec has none.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_folder_is_normalised() {
        assert_eq!(out_path("generated/"), "generated");
        assert_eq!(out_path("./out"), "out");
        assert_eq!(out_path("./"), ".");
    }

    #[test]
    fn env_check_suggests() {
        let envs = vec!["dev".to_owned(), "prod".to_owned()];
        assert_eq!(check_env("dev", &envs), Ok(()));
        assert_eq!(
            check_env("prdo", &envs),
            Err("no environment `prdo` in the spec; did you mean `prod`?".to_owned())
        );
        assert_eq!(
            check_env("staging", &envs),
            Err("no environment `staging` in the spec; it has `dev` and `prod`".to_owned())
        );
        assert_eq!(
            check_env("dev", &[]),
            Err("no environment `dev` in the spec, which defines none".to_owned())
        );
    }
}
