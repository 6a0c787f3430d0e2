//! `hybridc init`: a new image repository, scaffolded from the example this tool ships with.
//!
//! The files are the example's own (spec entries, installer templates, scripts, playbooks),
//! embedded in the binary, cut down to the OSes asked for; plus the schema, editor settings,
//! a `.gitignore`, a GitLab CI file that generates its pipeline with `hybridc matrix` at every
//! run, and the GitHub Actions workflow `hybridc matrix` writes for the compiled spec. This
//! module plans the files in memory and writes them only when none would overwrite an existing
//! file (unless forced); compiling is the caller's job.

use std::path::{Path, PathBuf};

use super::entry::{self, EntryInputs, Indent, IsoSource};
use crate::installer::InstallerKind;
use crate::release::Release;

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

/// The shared installer templates of the example, under `installers/<kind>/`: which of them a
/// repository gets follows from its releases' installer kinds (`InstallerKind::templates`).
const INSTALLERS: &[(&str, &str)] = embed!(
    "installers/autoinstall/user-data.pkrtpl.hcl",
    "installers/autoinstall/meta-data.pkrtpl.hcl",
    "installers/kickstart/ks.pkrtpl.hcl",
    "installers/preseed/preseed.pkrtpl.hcl",
    "installers/autounattend/autounattend.pkrtpl.hcl",
    "installers/autoyast/autoinst.pkrtpl.hcl",
    "installers/photon/ks.json.pkrtpl.hcl",
);

/// The OSes scaffolded when none are named: one per family.
pub const DEFAULT_OSES: &[&str] = &["ubuntu-2404", "windows-2022"];

/// Every embedded path, for the test that keeps the list complete.
pub fn embedded_paths() -> Vec<&'static str> {
    let mut paths: Vec<&str> = LINUX
        .iter()
        .chain(WINDOWS)
        .chain(COMMON)
        .chain(INSTALLERS)
        .map(|(p, _)| *p)
        .collect();
    paths.sort_unstable();
    paths
}

/// The OS names `init` knows: every release of the catalogue.
pub fn known_oses() -> Vec<&'static str> {
    crate::release::names().collect()
}

/// The shared templates of an installer kind, as `(path, contents)`; the first path missing
/// from the example when it lacks one.
pub(crate) fn templates(kind: &InstallerKind) -> Result<Vec<(String, &'static str)>, String> {
    kind.templates
        .iter()
        .map(|file| {
            let path = format!("installers/{}/{file}", kind.installer.as_str());
            INSTALLERS
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, text)| (path.clone(), *text))
                .ok_or(path)
        })
        .collect()
}

/// The shared installer templates the OSes of `spec` (spec text) read and `files` lacks, as
/// `(path, contents)` from the ones `init` writes: a repository that gets a spec from elsewhere
/// (`import`) gets them too. A spec that does not parse needs none.
pub fn shared_templates_missing(
    spec: &str,
    files: &dyn crate::source::Files,
) -> Vec<(String, String)> {
    use crate::release::OsFacts;
    let Ok(tree) = crate::yaml::parse(spec) else {
        return Vec::new();
    };
    let Some(oses) = tree.get("oses") else {
        return Vec::new();
    };
    let is_file = |p: &str| files.kind(p) == crate::source::Kind::File;
    let mut missing: Vec<(String, String)> = Vec::new();
    for entry in oses.value.entries() {
        let Ok(mut os) = serde_json::from_value::<crate::spec::Os>(entry.value.to_json()) else {
            continue;
        };
        entry.key.as_str().clone_into(&mut os.key);
        let Some(installer) = os.installer() else {
            continue;
        };
        let kind = crate::installer::kind(installer);
        let Ok(shared) = templates(kind) else {
            continue;
        };
        for template in kind.templates {
            let path = kind.template_path(&os.key, &os, template, is_file);
            if is_file(&path) || missing.iter().any(|(p, _)| *p == path) {
                continue;
            }
            if let Some((_, text)) = shared.iter().find(|(p, _)| *p == path) {
                missing.push((path, (*text).to_owned()));
            }
        }
    }
    missing
}

/// Why `init` cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitError {
    /// An OS the catalogue does not know.
    #[error("no OS `{name}` in the OS catalogue{hint}; `hybridc list oses` shows every one")]
    UnknownOs {
        /// The name given.
        name: String,
        /// `; did you mean ...?` or nothing.
        hint: String,
    },
    /// A release whose installer kind has no shared template in this version of hybridc.
    #[error(
        "`{name}` is installed by `{installer}`, and this hybridc ships no `{path}` yet; choose another OS, or add it with `hybridc add os` and write the template yourself"
    )]
    NoTemplate {
        /// The release.
        name: String,
        /// Its installer kind.
        installer: &'static str,
        /// The template missing.
        path: String,
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

/// The example spec, parsed: where the entries of a new spec take their platforms,
/// provisioning sets and ISOs from.
fn example() -> (crate::spec::Spec, Vec<String>) {
    let tree = crate::yaml::parse(EXAMPLE).expect("the example spec is valid YAML");
    let spec = <crate::spec::Spec as serde::Deserialize>::deserialize(&tree)
        .expect("the example spec is a valid spec");
    let order = tree
        .get("oses")
        .map(|oses| oses.value.entries().iter().map(|e| e.key.clone()).collect())
        .unwrap_or_default();
    (spec, order)
}

/// The entry of `release` in a new spec cut from the example: the example's ISO of it when
/// the example builds it, else one to upload to the platforms (the catalogue knows no ISO).
fn entry_of(example: &crate::spec::Spec, order: &[String], release: &Release) -> Vec<String> {
    let platforms = entry::platforms(example, release);
    let iso = match example
        .oses
        .get(release.name)
        .and_then(|os| os.iso.as_ref())
    {
        Some(crate::spec::Iso {
            url: Some(url),
            checksum: Some(checksum),
            ..
        }) => IsoSource::Download {
            url: url.clone(),
            checksum: checksum.clone(),
        },
        _ if entry::needs_iso(example, &platforms) => {
            IsoSource::uploaded(example, &platforms, &format!("{}.iso", release.name))
        }
        _ => IsoSource::None,
    };
    let inputs = EntryInputs {
        provisioning: entry::provisioning_of_family(
            example,
            order.iter().map(String::as_str),
            release.family(),
        ),
        platforms,
        iso,
        default_disk_gb: example
            .defaults
            .hardware
            .disk_gb
            .unwrap_or(crate::platform::DEFAULT_DISK_GB),
    };
    entry::entry(release.name, release, &inputs, Indent { base: 2, step: 2 })
}

/// The spec for the chosen releases: the example's settings, platforms and environments, an
/// entry per release written from the catalogue, and the provisioning sets they run.
pub fn spec(releases: &[&Release]) -> String {
    let (example, order) = example();
    let mut text = head().trim_end().to_owned();
    text.push_str("\n\noses:\n");
    let mut sets: Vec<String> = Vec::new();
    for (i, release) in releases.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        for line in entry_of(&example, &order, release) {
            text.push_str(&line);
            text.push('\n');
        }
        sets.extend(entry::provisioning_of_family(
            &example,
            order.iter().map(String::as_str),
            release.family(),
        ));
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
/// [`InitError::UnknownOs`] for a name the catalogue does not know, [`InitError::NoTemplate`]
/// for a release whose installer's templates this version does not ship.
pub fn plan(oses: &[&str]) -> Result<Vec<(String, String)>, InitError> {
    let mut releases: Vec<&Release> = Vec::new();
    let mut installers: Vec<(String, &str)> = Vec::new();
    for name in oses {
        let Some(release) = crate::release::find(name) else {
            let hint = crate::diagnostic::closest(name, known_oses())
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(InitError::UnknownOs {
                name: (*name).to_owned(),
                hint,
            });
        };
        let kind = release.installer_kind();
        for (path, text) in templates(kind).map_err(|path| InitError::NoTemplate {
            name: release.name.to_owned(),
            installer: kind.installer.as_str(),
            path,
        })? {
            if !installers.iter().any(|(p, _)| *p == path) {
                installers.push((path, text));
            }
        }
        if !releases.contains(&release) {
            releases.push(release);
        }
    }
    let has = |family| releases.iter().any(|r| r.family() == family);
    let mut files: Vec<(String, String)> = vec![
        ("spec/hybrid.yaml".into(), spec(&releases)),
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
    if has(crate::spec::Family::Linux) {
        add(LINUX);
    }
    if has(crate::spec::Family::Windows) {
        add(WINDOWS);
    }
    files.extend(installers.into_iter().map(|(p, t)| (p, t.to_owned())));
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
    write_refusing(dir, files, &[GITHUB_WORKFLOW], force)
}

/// Writes `files` under `dir` (`.sh` files executable), refusing to overwrite anything unless
/// `force`: when one of them or of `also` exists, nothing is written.
///
/// # Errors
/// [`InitError::Exists`] naming every file that exists (nothing is written then), or
/// [`InitError::Write`].
pub fn write_refusing<C: AsRef<[u8]>>(
    dir: &Path,
    files: &[(String, C)],
    also: &[&str],
    force: bool,
) -> Result<Vec<String>, InitError> {
    if !force {
        let mut existing: Vec<String> = files
            .iter()
            .map(|(p, _)| p.as_str())
            .chain(also.iter().copied())
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
        let text = spec(&[crate::release::find("rocky-9").expect("in the catalogue")]);
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

    /// A release the example does not build gets an ISO to upload where the example's
    /// platforms keep ISOs: the catalogue has no ISO URL and a checksum is never made up.
    #[test]
    fn a_release_the_example_does_not_build_gets_an_iso_to_upload() {
        let release = crate::release::find("rocky-9").expect("in the catalogue");
        let (mut example, order) = example();
        example.oses.remove("rocky-9");
        let text = entry_of(&example, &order, release).join("\n");
        assert!(
            text.contains("\n    iso:\n      proxmox_file: \"local:iso/rocky-9.iso\"\n      vsphere_path: \"[datastore1] iso/rocky-9.iso\"\n"),
            "{text}"
        );
    }

    /// Every release of the catalogue scaffolds, or is refused by name when its installer's
    /// templates are not shipped yet; never a spec that reads a missing template.
    #[test]
    fn every_release_scaffolds_or_is_refused_by_name() {
        for release in crate::release::all() {
            match plan(&[release.name]) {
                Ok(files) => {
                    for template in release.installer_kind().templates {
                        let path = format!("installers/{}/{template}", release.installer.as_str());
                        assert!(files.iter().any(|(p, _)| *p == path), "{path}");
                    }
                }
                Err(InitError::NoTemplate { name, .. }) => assert_eq!(name, release.name),
                Err(other) => panic!("{}: {other}", release.name),
            }
        }
    }

    #[test]
    fn a_spec_from_elsewhere_gets_the_shared_templates_its_oses_read() {
        let example = crate::source::Disk::new(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf(),
        );
        // The example repository has every template its spec reads.
        assert_eq!(shared_templates_missing(EXAMPLE, &example), Vec::new());
        // An empty repository lacks each once, with the contents `init` writes.
        let empty = crate::source::Disk::new(std::env::temp_dir().join("hybridc-no-such-repo"));
        let missing = shared_templates_missing(EXAMPLE, &empty);
        let paths: Vec<&str> = missing.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "installers/autoinstall/user-data.pkrtpl.hcl",
                "installers/autoinstall/meta-data.pkrtpl.hcl",
                "installers/kickstart/ks.pkrtpl.hcl",
                "installers/preseed/preseed.pkrtpl.hcl",
                "installers/autounattend/autounattend.pkrtpl.hcl",
            ]
        );
        assert!(
            missing
                .iter()
                .all(|(path, text)| INSTALLERS.contains(&(path, text)))
        );
        // An OS's own template stands in for the shared one.
        let own = EXAMPLE.replace(
            "  rocky-9:\n",
            "  rocky-9:\n    templates: { ks.pkrtpl.hcl: spec/rocky.ks }\n",
        );
        let missing = shared_templates_missing(&own, &empty);
        assert!(!missing.iter().any(|(p, _)| p.contains("kickstart")));
        assert_eq!(shared_templates_missing("not: [valid", &empty), Vec::new());
    }
}
