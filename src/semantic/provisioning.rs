//! The `provisioning` section: steps that run something, files inside the repository, and text
//! Packer would render as a template again.

use std::collections::BTreeMap;
use std::path::{Component as PathComponent, Path, PathBuf};

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::release::OsFacts;
use crate::source::{Files, Kind};
use crate::spec::{Spec, Step, StepValue};

/// `ansible.cfg` beside a playbook (`ansible/site.yml` -> `ansible/ansible.cfg`): Ansible reads
/// it only when named. The path is kept as written: a backslash is part of a file name here.
pub fn ansible_config(playbook: &str) -> String {
    match playbook.rfind('/') {
        Some(slash) => format!("{}/ansible.cfg", &playbook[..slash]),
        None => "ansible.cfg".to_owned(),
    }
}

/// What the repository holds that lowering needs to know, found here so that lowering reads
/// no file itself: the `ansible.cfg` files beside the spec's playbooks.
pub fn repository(spec: &Spec, files: &dyn Files) -> Repository {
    let ansible_configs = spec
        .provisioning
        .values()
        .flatten()
        .filter_map(|step| match step {
            Step::Ansible(ansible) => Some(ansible_config(&ansible.playbook)),
            _ => None,
        })
        .filter(|config| files.kind(config) == Kind::File)
        .collect();
    let own_templates = spec
        .oses
        .iter()
        .filter_map(|(name, os)| Some((name, crate::installer::kind(os.installer()?))))
        .flat_map(|(name, kind)| {
            kind.templates
                .iter()
                .map(move |t| format!("builds/{name}/{t}"))
        })
        .filter(|path| files.kind(path) == Kind::File)
        .collect();
    Repository {
        ansible_configs,
        own_templates,
    }
}

/// Facts about the repository's files that later stages use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repository {
    /// Repository-relative paths of the `ansible.cfg` files beside the spec's playbooks.
    pub ansible_configs: std::collections::BTreeSet<String>,
    /// Repository-relative paths of the installer templates an OS has of its own under
    /// `builds/<os>/`, which it reads instead of the shared ones.
    pub own_templates: std::collections::BTreeSet<String>,
}

impl Checker<'_, '_> {
    pub(super) fn provisioning(&mut self) {
        let spec = self.cx.spec;
        for (set, steps) in &spec.provisioning {
            for (i, step) in steps.iter().enumerate() {
                let index = i.to_string();
                let base = ["provisioning", set.as_str(), index.as_str(), step.kind()];
                match step {
                    Step::Shell(s) => {
                        if s.scripts.is_empty() && s.inline.is_empty() {
                            self.empty_step(&base, "scripts", "inline");
                        }
                        self.files(&base, "scripts", &s.scripts, false);
                        for (i, line) in s.inline.iter().enumerate() {
                            let i = i.to_string();
                            self.rerendered(&base, &["inline", &i], line, false);
                        }
                        self.rerendered_map(&base, "env", &s.env);
                    }
                    Step::Powershell(s) => {
                        if s.scripts.is_empty() && s.inline.is_empty() {
                            self.empty_step(&base, "scripts", "inline");
                        }
                        self.files(&base, "scripts", &s.scripts, false);
                        self.rerendered_map(&base, "env", &s.env);
                    }
                    Step::File(f) => {
                        let source = std::slice::from_ref(&f.source);
                        self.files(&base, "source", source, true);
                        self.rerendered(&base, &["destination"], &f.destination, false);
                    }
                    Step::Ansible(a) => {
                        self.files(&base, "playbook", std::slice::from_ref(&a.playbook), false);
                        if let Some(galaxy) = &a.galaxy_file {
                            self.files(&base, "galaxy_file", std::slice::from_ref(galaxy), false);
                        }
                        self.rerendered_map(&base, "extra_vars", &a.extra_vars);
                    }
                    Step::WindowsRestart(_) => {}
                }
                for (j, platform) in step.only().iter().enumerate() {
                    if !self.configured(*platform) {
                        let j = j.to_string();
                        let mut tokens = base.to_vec();
                        tokens.extend(["only", j.as_str()]);
                        self.push(
                            Diagnostic::error(
                                Code::UnknownReference,
                                format!(
                                    "step is limited to platform `{}`, which is not configured",
                                    platform.as_str()
                                ),
                                self.at(&tokens).value,
                                "no such entry under `platforms`",
                            )
                            .with_help(format!(
                                "add `{}:` under `platforms`, or remove it here",
                                platform.as_str()
                            )),
                        );
                    }
                }
            }
        }
        self.step_secret_names();
    }

    /// Refuses two secrets of steps whose environment variables differ only in case: each NAME
    /// becomes a variable named after it in lowercase (`secret_rhsm_password`), so they would
    /// meet.
    fn step_secret_names(&mut self) {
        let spec = self.cx.spec;
        let mut first: BTreeMap<String, (&str, Vec<String>)> = BTreeMap::new();
        for (set, steps) in &spec.provisioning {
            for (i, step) in steps.iter().enumerate() {
                for (field, key, credential) in step.secrets() {
                    let index = i.to_string();
                    let tokens: Vec<String> =
                        [set.as_str(), &index, step.kind(), field, key, "env"]
                            .iter()
                            .map(|t| (*t).to_owned())
                            .collect();
                    let name = credential.env.as_str();
                    let variable = crate::spec::secret_variable(name);
                    let Some((other, at)) = first.get(&variable) else {
                        first.insert(variable, (name, tokens));
                        continue;
                    };
                    if *other == name {
                        continue;
                    }
                    let path = |tokens: &[String]| {
                        let mut all = vec!["provisioning"];
                        all.extend(tokens.iter().map(String::as_str));
                        self.at(&all).value
                    };
                    self.push(
                        Diagnostic::error(
                            Code::NameCollision,
                            format!("secrets `{name}` and `{other}` differ only in case"),
                            path(&tokens),
                            format!("becomes variable `{variable}`"),
                        )
                        .with_secondary(path(at), format!("becomes variable `{variable}`"))
                        .with_help("Packer variable names are written in lowercase here; rename one of the environment variables"),
                    );
                }
            }
        }
    }

    /// Refuses `{{` in text that Packer renders as a Go template again at run time, until it
    /// stops changing, where no escape survives (see [`crate::interpolation`]): shell `inline`
    /// and `environment_vars` (hashicorp/packer `provisioner/shell/provisioner.go`,
    /// `Provision`), powershell `environment_vars`, the file provisioner's paths
    /// (`provisioner/file/provisioner.go`), ansible's `extra_arguments` and `ansible_env_vars`
    /// (packer-plugin-ansible v1.1.6 `provisioner/ansible/provisioner.go`, `Provision`).
    pub(super) fn rerendered(&mut self, base: &[&str], rest: &[&str], text: &str, key: bool) {
        if !crate::interpolation::has_action(text) {
            return;
        }
        let mut tokens = base.to_vec();
        tokens.extend_from_slice(rest);
        let at = self.at(&tokens);
        let span = if key { at.key_or_value() } else { at.value };
        self.push(
            Diagnostic::error(
                Code::TemplateAction,
                "Packer would read `{{` here as the start of a template action",
                span,
                "rendered as a Go template on every run",
            )
            .with_help("keep `{{` out of this text (in a shell command write `{''{`), or move it into a script file"),
        );
    }

    pub(super) fn rerendered_map(
        &mut self,
        base: &[&str],
        key: &str,
        map: &BTreeMap<String, StepValue>,
    ) {
        for (name, value) in map {
            self.rerendered(base, &[key, name], name, true);
            // A secret's value is not known here; its name is checked by the schema.
            if let StepValue::Text(text) = value {
                self.rerendered(base, &[key, name], text, false);
            }
        }
    }

    pub(super) fn empty_step(&mut self, base: &[&str], a: &str, b: &str) {
        self.push(
            Diagnostic::error(
                Code::EmptyStep,
                format!("a `{}` step needs `{a}` or `{b}`", base[3]),
                self.key_span(base),
                "runs nothing",
            )
            .with_help(format!("add `{a}: [path/to/script]` or `{b}: [command]`")),
        );
    }

    /// Checks that each path is relative, stays inside the repository and exists.
    pub(super) fn files(
        &mut self,
        base: &[&str],
        key: &str,
        paths: &[String],
        folders_allowed: bool,
    ) {
        let single = paths.len() == 1 && !matches!(key, "scripts");
        for (i, path) in paths.iter().enumerate() {
            let index = i.to_string();
            let mut tokens = base.to_vec();
            tokens.push(key);
            if !single {
                tokens.push(&index);
            }
            let span = self.at(&tokens).value;
            if crate::interpolation::has_action(path) {
                let rest = tokens[base.len()..].to_vec();
                self.rerendered(base, &rest, path, false);
                continue;
            }
            if let Some(problem) = self.outside(path) {
                self.push(
                    Diagnostic::error(
                        Code::OutsideRepository,
                        format!("`{path}` is outside the repository"),
                        span,
                        problem,
                    )
                    .with_help("paths are relative to the repository root; keep shared files under scripts/, ansible/ or builds/"),
                );
                continue;
            }
            let kind = self.cx.files.kind(path);
            let ok = if folders_allowed {
                kind != Kind::Missing
            } else {
                kind == Kind::File
            };
            if ok {
                continue;
            }
            if kind == Kind::Folder {
                let example = first_file(self.cx.files, path).map(|file| {
                    let folder = path.trim_end_matches('/');
                    format!(", for example `{folder}/{file}`")
                });
                self.push(
                    Diagnostic::error(
                        Code::NotAFile,
                        format!("`{path}` is a folder, not a file"),
                        span,
                        "a folder in the repository",
                    )
                    .with_help(format!(
                        "name a file in the folder instead{}",
                        example.unwrap_or_default()
                    )),
                );
                continue;
            }
            self.push(
                Diagnostic::error(
                    Code::MissingFile,
                    format!("`{path}` does not exist"),
                    span,
                    "not found in the repository",
                )
                .with_help(format!(
                    "paths are relative to the repository root `{}`",
                    display_root(self.cx.root)
                )),
            );
        }
    }

    pub(super) fn outside(&self, path: &str) -> Option<&'static str> {
        let p = Path::new(path);
        if p.is_absolute() || path.starts_with('/') || path.starts_with('\\') {
            return Some("an absolute path");
        }
        let mut depth: i64 = 0;
        for component in p.components() {
            match component {
                PathComponent::ParentDir => depth -= 1,
                PathComponent::Normal(_) => depth += 1,
                PathComponent::CurDir => {}
                PathComponent::RootDir | PathComponent::Prefix(_) => {
                    return Some("an absolute path");
                }
            }
            if depth < 0 {
                return Some("leaves the repository with `..`");
            }
        }
        // A link inside the repository may still point elsewhere.
        self.cx
            .files
            .escapes(path)
            .then_some("a link that leads out of the repository")
    }
}

/// The name of the first file (by name) directly in the folder `folder`, for a help line.
pub(super) fn first_file(files: &dyn Files, folder: &str) -> Option<String> {
    let mut files: Vec<String> = files
        .list(folder)
        .into_iter()
        .filter(|(_, kind)| *kind == Kind::File)
        .map(|(name, _)| name)
        .collect();
    files.sort();
    files.into_iter().next()
}

pub(super) fn display_root(root: &Path) -> String {
    let shown: PathBuf = if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root.to_path_buf()
    };
    shown.display().to_string()
}
