//! `hybridc init`: a new image repository, scaffolded from the example this tool ships with.
//!
//! The files are the example's own (spec entries, installer templates, scripts, playbooks),
//! embedded in the binary, cut down to the OSes asked for; plus the schema, editor settings,
//! a `.gitignore`, a GitLab CI file that generates its pipeline with `hybridc matrix` at every
//! run, and the GitHub Actions workflow `hybridc matrix` writes for the compiled spec. This
//! module plans the files in memory and writes them only when none would overwrite an existing
//! file (unless forced); compiling is the caller's job.

use std::path::{Path, PathBuf};

/// The example spec the scaffold is cut from.
const EXAMPLE: &str = include_str!("../../spec/hybrid.yaml");

/// Files shared by every OS of a family, and the files of each OS, embedded from the example.
macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../", $path)))),*]
    };
}

/// Files every Linux repository gets.
const LINUX: &[(&str, &str)] = embed!(
    "scripts/linux/update.sh",
    "scripts/linux/guest-agent.sh",
    "scripts/linux/cleanup.sh",
    "ansible/linux.yml",
);

/// Files every Windows repository gets.
const WINDOWS: &[(&str, &str)] = embed!(
    "scripts/windows/enable-winrm.ps1",
    "scripts/windows/guest-tools.ps1",
    "scripts/windows/cleanup.ps1",
    "ansible/windows.yml",
);

/// Files every repository gets.
const COMMON: &[(&str, &str)] = embed!(
    "ansible/ansible.cfg",
    "ansible/roles/base/defaults/main.yml",
    "ansible/roles/base/tasks/main.yml",
    "ansible/roles/clean/defaults/main.yml",
    "ansible/roles/clean/tasks/main.yml",
    "ansible/roles/configure/defaults/main.yml",
    "ansible/roles/configure/handlers/main.yml",
    "ansible/roles/configure/tasks/main.yml",
    "ansible/roles/users/defaults/main.yml",
    "ansible/roles/users/tasks/main.yml",
);

/// The OSes `init` knows, with the shared templates of their installers.
const OSES: &[(&str, &[(&str, &str)])] = &[
    (
        "ubuntu-2404",
        embed!(
            "installers/autoinstall/user-data.pkrtpl.hcl",
            "installers/autoinstall/meta-data.pkrtpl.hcl"
        ),
    ),
    ("rocky-9", embed!("installers/kickstart/ks.pkrtpl.hcl")),
    ("debian-12", embed!("installers/preseed/preseed.pkrtpl.hcl")),
    (
        "windows-2022",
        embed!("installers/autounattend/autounattend.pkrtpl.hcl"),
    ),
];

/// The shared templates of the installer kinds no OS of the example builds (AutoYaST, Photon
/// OS): shipped with the binary for the catalogue's releases of those kinds.
const KIND_TEMPLATES: &[(&str, &str)] = embed!(
    "installers/autoyast/autoinst.pkrtpl.hcl",
    "installers/photon/ks.json.pkrtpl.hcl"
);

/// The OSes scaffolded when none are named: one per family.
pub const DEFAULT_OSES: &[&str] = &["ubuntu-2404", "windows-2022"];

/// Every embedded path, for the test that keeps the list complete.
pub fn embedded_paths() -> Vec<&'static str> {
    let mut paths: Vec<&str> = LINUX
        .iter()
        .chain(WINDOWS)
        .chain(COMMON)
        .chain(KIND_TEMPLATES)
        .chain(OSES.iter().flat_map(|(_, files)| files.iter()))
        .map(|(p, _)| *p)
        .collect();
    paths.sort_unstable();
    paths
}

/// The OS names `init` knows.
pub fn known_oses() -> Vec<&'static str> {
    OSES.iter().map(|(name, _)| *name).collect()
}

/// Why `init` cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitError {
    /// An OS `init` has no template for.
    #[error("no OS `{name}` to scaffold{hint}; known: {known}")]
    UnknownOs {
        /// The name given.
        name: String,
        /// `; did you mean ...?` or nothing.
        hint: String,
        /// The known names.
        known: String,
    },
    /// Files that exist already.
    #[error("{} already exist{}: {}; nothing was written (use --force to overwrite)", count(.0.len()), if .0.len() == 1 { "s" } else { "" }, .0.join(", "))]
    Exists(Vec<String>),
    /// A file could not be written.
    #[error("cannot write `{path}`: {message}")]
    Write {
        /// The file.
        path: String,
        /// What the system said.
        message: String,
    },
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 file".into()
    } else {
        format!("{n} files")
    }
}

/// The blocks of `section` in the example spec (2-space-indented keys), by key, in order.
fn blocks(section: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut inside = false;
    for line in EXAMPLE.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            inside = line == format!("{section}:");
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(key) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !key.starts_with(' ')
            && !key.contains(' ')
        {
            out.push((key.to_owned(), format!("{line}\n")));
        } else if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    for (_, text) in &mut out {
        // Blank lines between entries belong to neither.
        while text.ends_with("\n\n") {
            text.pop();
        }
    }
    out
}

/// The example spec's text before the `oses:` section (header, packer, defaults, platforms).
fn head() -> &'static str {
    EXAMPLE.split("\noses:\n").next().unwrap_or(EXAMPLE)
}

/// The spec for the chosen OSes.
pub fn spec(oses: &[&str]) -> String {
    let mut text = head().trim_end().to_owned();
    text.push_str("\n\noses:\n");
    let chosen: Vec<(String, String)> = blocks("oses")
        .into_iter()
        .filter(|(k, _)| oses.contains(&k.as_str()))
        .collect();
    let sets: Vec<String> = chosen
        .iter()
        .flat_map(|(_, block)| {
            block
                .lines()
                .filter_map(|l| {
                    l.trim()
                        .strip_prefix("provisioning: [")
                        .and_then(|r| r.strip_suffix(']'))
                })
                .flat_map(|r| r.split(',').map(|s| s.trim().to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (i, (_, block)) in chosen.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(block);
    }
    text.push_str("\nprovisioning:\n");
    for (name, block) in blocks("provisioning") {
        if sets.contains(&name) {
            text.push_str(&block);
        }
    }
    text.push_str("\nenvironments:\n");
    for (_, block) in blocks("environments") {
        text.push_str(&block);
    }
    text.push('\n');
    text.push_str(ci_section());
    text
}

/// The example spec's `ci:` section with the comment above it: the file's last lines.
fn ci_section() -> &'static str {
    let start = EXAMPLE.find("\nci:\n").map_or(EXAMPLE.len(), |at| at + 1);
    let comment = EXAMPLE[..start]
        .trim_end_matches('\n')
        .rfind("\n\n")
        .map_or(start, |at| at + 2);
    &EXAMPLE[comment..]
}

const GITIGNORE: &str = "# Packer's manifests and caches are build output, not sources.\nmanifests/*.json\npacker_cache/\n";

const VSCODE: &str = "{\n  \"yaml.schemas\": {\n    \"./schema/hybrid.schema.json\": [\"spec/*.yaml\", \"spec/*.yml\"]\n  }\n}\n";

const GITLAB_CI: &str = r#"# CI for this image repository. The runners need hybridc and packer on their PATH.
#
# matrix: writes this repository's pipeline from spec/ with `hybridc matrix --format gitlab`:
#   check, `packer validate` per environment, the `hybridc diff` report on merge requests,
#   and the builds of every OS x platform (x edition) x environment, on the runners the
#   spec's `ci.tags` name (the builds need the credential variables of their platform).
# pipeline: runs it as a child pipeline.
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS
      when: never
    - if: $CI_COMMIT_BRANCH

stages: [matrix, pipeline]

matrix:
  stage: matrix
  script:
    - hybridc matrix --format gitlab > pipeline.yml
  artifacts:
    paths: [pipeline.yml]

pipeline:
  stage: pipeline
  needs: [matrix]
  trigger:
    include:
      - artifact: pipeline.yml
        job: matrix
    strategy: depend
"#;

/// Where `init` writes the GitHub Actions workflow.
pub const GITHUB_WORKFLOW: &str = ".github/workflows/images.yml";

/// The GitHub Actions workflow of a new repository, as `(path, contents)`: what
/// `hybridc matrix --format github` writes for every environment of the compiled spec, from
/// `spec/` to `generated/`. Its jobs come from the compiled model, so it is written after
/// compiling; [`write`] checks its path with the planned files, so that an existing workflow
/// stops `init` before anything is written.
pub fn github_workflow(model: &crate::model::Model, spec: &crate::spec::Spec) -> (String, String) {
    let jobs = super::matrix::jobs(model);
    let environments: Vec<String> = model.environments.iter().map(|e| e.name.clone()).collect();
    let pipeline = super::matrix::Pipeline {
        jobs: &jobs,
        environments: &environments,
        tags: &spec.ci.tags,
        spec: "spec/",
        out_dir: "generated/",
    };
    (GITHUB_WORKFLOW.to_owned(), super::matrix::github(&pipeline))
}

/// Every file of a new repository with the chosen OSes, as `(path, contents)`.
///
/// # Errors
/// [`InitError::UnknownOs`] for a name `init` has no templates for.
pub fn plan(oses: &[&str]) -> Result<Vec<(String, String)>, InitError> {
    for name in oses {
        if !known_oses().contains(name) {
            let hint = crate::diagnostic::closest(name, known_oses())
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(InitError::UnknownOs {
                name: (*name).to_owned(),
                hint,
                known: known_oses()
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let linux = oses.iter().any(|o| *o != "windows-2022");
    let windows = oses.contains(&"windows-2022");
    let mut files: Vec<(String, String)> = vec![
        ("spec/hybrid.yaml".into(), spec(oses)),
        (
            "schema/hybrid.schema.json".into(),
            crate::schema::schema_text(),
        ),
        (".vscode/settings.json".into(), VSCODE.into()),
        (".gitignore".into(), GITIGNORE.into()),
        (".gitlab-ci.yml".into(), GITLAB_CI.into()),
        ("manifests/.gitkeep".into(), String::new()),
    ];
    let mut add = |set: &[(&str, &str)]| {
        files.extend(set.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())))
    };
    add(COMMON);
    if linux {
        add(LINUX);
    }
    if windows {
        add(WINDOWS);
    }
    for (name, templates) in OSES {
        if oses.contains(name) {
            add(templates);
        }
    }
    Ok(files)
}

/// Writes the planned files under `dir`, refusing to overwrite anything unless `force`: when
/// one of them or [`GITHUB_WORKFLOW`] exists, nothing is written.
///
/// # Errors
/// [`InitError::Exists`] naming every file that exists (nothing is written then), or
/// [`InitError::Write`].
pub fn write(
    dir: &Path,
    files: &[(String, String)],
    force: bool,
) -> Result<Vec<String>, InitError> {
    if !force {
        let mut existing: Vec<String> = files
            .iter()
            .map(|(p, _)| p.as_str())
            .chain([GITHUB_WORKFLOW])
            .filter(|p| dir.join(p).exists())
            .map(str::to_owned)
            .collect();
        existing.dedup();
        if !existing.is_empty() {
            return Err(InitError::Exists(existing));
        }
    }
    let mut written = Vec::new();
    for (path, contents) in files {
        let target: PathBuf = dir.join(path);
        let fail = |e: std::io::Error| InitError::Write {
            path: target.display().to_string(),
            message: e.to_string(),
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&target, contents).map_err(fail)?;
        #[cfg(unix)]
        if path.ends_with(".sh") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
                .map_err(fail)?;
        }
        written.push(path.clone());
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_file_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk: Vec<String> = ["builds", "installers", "scripts", "ansible"]
            .iter()
            .flat_map(|folder| {
                crate::output::files_under(&root.join(folder))
                    .into_iter()
                    .map(move |p| format!("{folder}/{p}"))
            })
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = embedded_paths().into_iter().map(str::to_owned).collect();
        assert_eq!(
            embedded, on_disk,
            "init must ship every template, script and role of the example"
        );
    }

    #[test]
    fn the_spec_keeps_only_the_chosen_oses_and_their_sets() {
        let text = spec(&["rocky-9"]);
        assert!(text.starts_with("# yaml-language-server: $schema=../schema/hybrid.schema.json\n"));
        assert!(text.contains("\n  rocky-9:\n"));
        assert!(!text.contains("ubuntu-2404:"));
        assert!(text.contains("\n  linux-base:\n"));
        assert!(!text.contains("windows-base:"));
        assert!(text.contains("\nenvironments:\n  dev:\n"));
        assert!(
            text.ends_with("\nci:\n  tags:\n    proxmox: [pve-lan]\n    vsphere: [vcenter-lan]\n")
        );
        assert!(text.contains("\n\n# The CI runners of `hybridc matrix` and `hybridc init`:"));
    }
}
