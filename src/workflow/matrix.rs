//! The CI build matrix: one job per compiled source (OS x platform x edition), and the three
//! ways of handing it to CI: a complete GitLab child pipeline, the JSON of a GitHub Actions
//! `strategy.matrix`, and a stable JSON list for other tools.
//!
//! Jobs are read from the compiled [`Model`], so each job's `-only` selector and the
//! credentials it needs always match what `generated/` declares. This module only builds text:
//! it reads and writes no files, prints nothing and runs nothing. The caller checks `--env` with
//! [`check_env`] before asking for output. Credential values never appear in any output, only
//! the names of the environment variables that hold them.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::json;

use crate::diagnostic::Unknown;
use crate::model::Model;
use crate::spec::PlatformName;

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

/// A complete GitLab CI child pipeline building every job.
///
/// Stages `validate` (runs `hybridc check <spec>`) and `build`: one `build` job whose
/// `parallel:matrix` has one entry per job with the variables `OS`, `PLATFORM`, `EDITION`
/// (empty for Linux) and `ONLY`; beyond [`GITLAB_MATRIX_LIMIT`] jobs, several (`build-1`,
/// `build-2`, ...). Each runs `packer init` and `packer build -only="$ONLY"` on `out_dir`, with
/// `-var-file=<out_dir>/env/$ENV.pkrvars.hcl`, where the pipeline variable `ENV` defaults to
/// `env`, else to the first of `environments`; with neither, there is no var file. `env` is
/// expected to have passed [`check_env`]. Credentials stay out: a comment lists the CI/CD
/// variables to define. `spec` and `out_dir` are paths as the runner sees them, relative to the
/// repository root (`spec/`, `generated`).
pub fn gitlab(
    jobs: &[Job],
    env: Option<&str>,
    environments: &[String],
    spec: &str,
    out_dir: &str,
) -> String {
    let out = out_path(out_dir);
    let env = env.or(environments.first().map(String::as_str));
    let credentials: BTreeSet<&str> = jobs
        .iter()
        .flat_map(|j| j.credentials.iter().map(String::as_str))
        .collect();

    let mut y = String::new();
    y.push_str(
        "# GitLab CI child pipeline written by `hybridc matrix --format gitlab`: regenerate it,\n",
    );
    y.push_str("# do not edit it. Runners need `hybridc`, `packer` and a POSIX shell.\n");
    if credentials.is_empty() {
        y.push_str("# No credentials are read from CI/CD variables.\n");
    } else {
        y.push_str(
            "# Credentials are read from these CI/CD variables (define them masked in the\n",
        );
        y.push_str("# project settings, never in this file):\n");
        for name in &credentials {
            y.push_str(&format!("#   {}\n", comment(name)));
        }
    }
    if let Some(env) = env {
        let known: Vec<String> = environments.iter().map(|e| comment(e)).collect();
        y.push_str(&format!(
            "# ENV selects {}/env/$ENV.pkrvars.hcl (default `{}`; the spec has: {}).\n",
            comment(&out),
            comment(env),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ));
    }
    y.push('\n');

    y.push_str("stages:\n  - validate\n  - build\n");
    if let Some(env) = env {
        y.push_str(&format!("variables:\n  ENV: {}\n", scalar(env)));
    }
    y.push('\n');

    let mut check = format!("hybridc check {}", shell_word(spec));
    if out != "generated" {
        check.push_str(&format!(" --out {}", shell_word(&out)));
    }
    y.push_str("validate:\n  stage: validate\n  script:\n");
    y.push_str(&format!("    - {}\n", scalar(&check)));
    y.push('\n');

    let mut build = "packer build -only=\"$ONLY\"".to_owned();
    if env.is_some() {
        build.push_str(&format!(
            " -var-file=\"{}/env/$ENV.pkrvars.hcl\"",
            shell_double_quoted(&out)
        ));
    }
    build.push_str(&format!(" {}/", shell_word(&out)));
    y.push_str(".packer-build:\n  script:\n");
    y.push_str(&format!(
        "    - {}\n",
        scalar(&format!("packer init {}/", shell_word(&out)))
    ));
    y.push_str(&format!("    - {}\n", scalar(&build)));

    let split = jobs.len() > GITLAB_MATRIX_LIMIT;
    for (i, chunk) in jobs.chunks(GITLAB_MATRIX_LIMIT).enumerate() {
        let name = if split {
            format!("build-{}", i + 1)
        } else {
            "build".to_owned()
        };
        y.push('\n');
        y.push_str(&format!("{name}:\n"));
        y.push_str("  extends: .packer-build\n");
        y.push_str("  stage: build\n  needs:\n    - validate\n");
        y.push_str("  parallel:\n    matrix:\n");
        for job in chunk {
            y.push_str(&format!("      - OS: {}\n", scalar(&job.os)));
            y.push_str(&format!(
                "        PLATFORM: {}\n",
                scalar(job.platform.as_str())
            ));
            y.push_str(&format!(
                "        EDITION: {}\n",
                scalar(job.edition.as_deref().unwrap_or(""))
            ));
            y.push_str(&format!("        ONLY: {}\n", scalar(&job.only)));
        }
    }
    y
}

/// The JSON of a GitHub Actions `strategy.matrix`, on one line for `$GITHUB_OUTPUT`
/// (`matrix=<json>`): `{"include": [{"id", "os", "platform", "edition", "only"}]}`, with an
/// empty `edition` for Linux. GitHub runs at most [`GITHUB_MATRIX_LIMIT`] jobs per matrix.
pub fn github(jobs: &[Job]) -> String {
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

/// A YAML scalar that reads back as exactly `text`: plain when that is unambiguous, else
/// double-quoted with `\` and `"` escaped and control characters written as escapes.
fn scalar(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | ' ');
    let plain = !text.is_empty()
        && text.chars().all(safe)
        && !text.starts_with([' ', '-'])
        && !text.ends_with(' ')
        // Numbers, in YAML 1.1 and 1.2 forms (`1e3`, `0x1f`, `.5`, `.inf`, `.nan`).
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && !text
            .strip_prefix('.')
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | ".inf" | ".nan"
        );
    if plain {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A shell word that the shell reads back as exactly `text`: as is when plain, else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `text` escaped for use inside a double-quoted shell string.
fn shell_double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` on one comment line: line breaks and other control characters become spaces.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_back(text: &str) {
        let yaml = format!("key: {}\n", scalar(text));
        let tree = crate::yaml::parse(&yaml).expect("valid YAML");
        assert_eq!(tree.to_json()["key"], text, "{yaml}");
    }

    #[test]
    fn scalars_read_back_exactly() {
        for text in [
            "ubuntu-2404",
            "",
            " lead",
            "trail ",
            "a: b",
            "a #b",
            "{x}",
            "*alias",
            "&anchor",
            "- item",
            "-only",
            ".packer-build",
            "true",
            "No",
            "null",
            "~",
            "2022",
            "1e3",
            "0x1f",
            ".5",
            ".inf",
            ".NaN",
            "back\\slash \"quoted\"",
            "line\nbreak\ttab",
            "bell\u{7}",
            "non-ascii é",
            "packer build -only=\"$ONLY\" generated/",
        ] {
            reads_back(text);
        }
        assert_eq!(
            scalar("ubuntu-2404.proxmox-iso.ubuntu-2404"),
            "ubuntu-2404.proxmox-iso.ubuntu-2404"
        );
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar(".packer-build"), ".packer-build");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("spec/"), "spec/");
        assert_eq!(shell_word("my spec/"), "'my spec/'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_double_quoted("a$b\"c"), "a\\$b\\\"c");
    }

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
