//! The mapper: evaluated Packer folders, read once per environment, turned into a spec and
//! the files it names.
//!
//! Each supported `source` becomes an OS on its builder's platform (the catalogue release it
//! installs names it; sources of one OS on several platforms merge by ISO checksum or name);
//! connection and placement arguments become platform settings through
//! [`crate::platform::SETTINGS`], credentials `{ env: NAME }` with the tree's own variable
//! names; values every OS shares go to `defaults`; provisioner lists become named sets;
//! environment differences become environment overrides; any other argument goes to
//! `options:` when the catalogue knows it and hybridc does not set it itself, else to
//! [`Imported::unmapped`]. Nothing here writes a file or prints: the spec and the files come
//! back as data, and the command writes them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::diagnostic::{Code, Diagnostic};
use crate::import::tree::{Attribute, Finding, Folder, Location, Source, Value};
use crate::spec::{BuilderKind, PlatformName};

mod copies;
#[cfg(test)]
mod fixtures;
mod hardware;
mod options;
mod os;
mod platforms;
mod seeds;
mod served;
pub(crate) mod settings;
mod source;
mod steps;
#[cfg(test)]
mod tests;
mod text;

/// The tree read once per environment: `folders[i]` of every environment is the same DIR.
#[derive(Debug, Clone)]
pub struct Environment {
    /// The environment's name (`default` when the command was given none).
    pub name: String,
    /// Every folder, read with the environment's var files.
    pub folders: Vec<Folder>,
}

/// What importing a tree gives: the spec, the files it names, and what could not be mapped.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// `spec/hybrid.yaml`, as text: commented, in the spec's key order, with the
    /// yaml-language-server modeline.
    pub spec: String,
    /// Files the spec names that must be written into the repository: repository-relative
    /// path and content (the OSes' own templates, copied scripts and playbooks, and the
    /// shared installer templates the repository lacks).
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// Which original source became which OS on which platform, and its name in the compiled
    /// tree.
    pub origins: Vec<Origin>,
    /// Arguments that are neither a spec field nor a catalogue argument for `options:`.
    pub unmapped: Vec<Unmapped>,
    /// Literal secrets (warnings, value masked through `Diagnostic::with_redacted`), sources
    /// skipped because their builder is not supported (errors).
    pub findings: Vec<Finding>,
}

/// Where an OS of the spec comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The folder of the original source.
    pub folder: PathBuf,
    /// The original source, as `TYPE.NAME`.
    pub source: String,
    /// The OS it became.
    pub os: String,
    /// On which platform.
    pub platform: PlatformName,
    /// Its `TYPE.NAME` in the compiled tree (`vsphere-iso.ubuntu-2204`).
    pub compiled: String,
}

/// An argument the spec cannot hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmapped {
    /// The folder it is in.
    pub folder: PathBuf,
    /// The source (or, for a step, the first source of its build), as `TYPE.NAME`.
    pub source: String,
    /// The argument (`vm_version`, or `provisioner "shell-local"`).
    pub argument: String,
    /// Its value.
    pub value: Value,
    /// Why it is not in the spec.
    pub reason: String,
    /// Where it is written.
    pub at: Location,
}

/// One supported source of the tree, seen in every environment.
pub(crate) struct Seen<'a> {
    /// Its folder, in the first environment.
    pub folder: &'a Folder,
    /// The source, in the first environment.
    pub source: &'a Source,
    /// The folder and the source in each environment, in order.
    pub each: Vec<(&'a Folder, &'a Source)>,
    /// Its platform.
    pub platform: PlatformName,
    /// Its builder kind.
    pub builder: BuilderKind,
    /// What it installs.
    pub facts: source::Facts,
    /// The top-level arguments a spec field holds.
    pub used: BTreeSet<String>,
    /// Values its OS holds of its own, by JSON pointer inside the OS's entry
    /// (`/azure/vm_size`), where it differs from its platform's.
    pub own: Vec<(String, Json)>,
}

impl Seen<'_> {
    /// `TYPE.NAME`.
    pub fn address(&self) -> String {
        format!("{}.{}", self.source.builder, self.source.name)
    }

    /// Its folder as each environment read it.
    pub fn folders(&self) -> Vec<&Folder> {
        self.each.iter().map(|(folder, _)| *folder).collect()
    }

    /// An argument of the source that the spec cannot hold, and why.
    fn unmapped_argument(&self, attribute: &Attribute, reason: String) -> Unmapped {
        self.unmapped(&attribute.name, &attribute.value, reason, attribute.at)
    }

    fn unmapped(&self, argument: &str, value: &Value, reason: String, at: Location) -> Unmapped {
        Unmapped {
            folder: self.folder.path.clone(),
            source: self.address(),
            argument: argument.to_owned(),
            value: value.clone(),
            reason,
            at,
        }
    }
}

/// The spec being built, section by section, and what mapping found on the way.
#[derive(Default)]
pub(crate) struct Draft {
    /// `defaults`.
    pub defaults: Map<String, Json>,
    /// `platforms`, by platform.
    pub platforms: BTreeMap<PlatformName, Map<String, Json>>,
    /// `oses`, in order.
    pub oses: Vec<(String, Map<String, Json>)>,
    /// `provisioning`.
    pub provisioning: Map<String, Json>,
    /// `environments`.
    pub environments: Map<String, Json>,
    /// Comment lines by JSON pointer.
    pub comments: text::Comments,
    /// Arguments not mapped.
    pub unmapped: Vec<Unmapped>,
    /// Arguments of steps the spec's steps have no field for, with the step's kind and the
    /// argument's name: unmapped unless hybridc sets them on its own steps of that kind.
    pub step_arguments: Vec<(String, String, Unmapped)>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Files to write.
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// The literal values of the tree's secret variables, which nothing written may hold.
    pub secrets: Vec<String>,
}

impl Draft {
    /// Whether a value holds the literal value of one of the tree's secrets.
    pub fn holds_secret(&self, value: &Json) -> bool {
        holds(&self.secrets, value)
    }

    /// The spec as JSON, in the README's key order; `options` out when `with_options` is false.
    pub fn spec(&self, with_options: bool) -> Json {
        let mut spec = Map::new();
        spec.insert("version".into(), 1.into());
        if !self.defaults.is_empty() {
            spec.insert("defaults".into(), Json::Object(self.defaults.clone()));
        }
        let mut platforms = Map::new();
        for (platform, settings) in &self.platforms {
            let mut settings = settings.clone();
            if !with_options {
                settings.remove("options");
            }
            platforms.insert(platform.as_str().into(), Json::Object(settings));
        }
        spec.insert("platforms".into(), Json::Object(platforms));
        let mut oses = Map::new();
        for (name, os) in &self.oses {
            let mut os = os.clone();
            if !with_options {
                for p in PlatformName::ALL {
                    if let Some(Json::Object(own)) = os.get_mut(p.as_str()) {
                        own.remove("options");
                        if own.is_empty() {
                            os.remove(p.as_str());
                        }
                    }
                }
            }
            oses.insert(name.clone(), Json::Object(os));
        }
        spec.insert("oses".into(), Json::Object(oses));
        if !self.provisioning.is_empty() {
            spec.insert(
                "provisioning".into(),
                Json::Object(self.provisioning.clone()),
            );
        }
        if !self.environments.is_empty() {
            spec.insert(
                "environments".into(),
                Json::Object(self.environments.clone()),
            );
        }
        Json::Object(spec)
    }
}

/// Maps the tree read per environment to a spec for the repository at `repo`.
pub fn map(environments: &[Environment], repo: &Path) -> Imported {
    let mut draft = Draft::default();
    let Some(first) = environments.first() else {
        return Imported::default();
    };
    let mut seen = Vec::new();
    for (i, folder) in first.folders.iter().enumerate() {
        for source in &folder.sources {
            let Some((platform, builder)) = source::builder(&source.builder) else {
                draft.findings.push(unsupported(folder, source));
                continue;
            };
            let each = environments
                .iter()
                .map(|e| {
                    let other = e.folders.get(i).unwrap_or(folder);
                    let same = other
                        .sources
                        .iter()
                        .find(|s| s.builder == source.builder && s.name == source.name);
                    same.map_or((folder, source), |s| (other, s))
                })
                .collect();
            seen.push(Seen {
                folder,
                source,
                each,
                platform,
                builder,
                facts: source::facts(&folder.path, source, platform),
                used: BTreeSet::new(),
                own: Vec::new(),
            });
        }
    }
    draft.secrets = secret_values(environments, &platforms::secrets(&seen));
    let groups = os::group(&mut seen);
    let names: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
    platforms::platforms(&mut seen, &names, &mut draft);
    platforms::environment_differences(&seen, &names, &mut draft);
    os::oses(&mut seen, &groups, repo, &mut draft);
    os::defaults(&mut seen, &mut draft);
    steps::sets(&seen, &groups, repo, &mut draft);
    let mut secrets = BTreeSet::new();
    options::options(&mut seen, &groups, repo, &mut draft, &mut secrets);
    secrets.extend(platforms::secrets(&seen));
    let mut places = BTreeSet::new();
    for environment in environments {
        for folder in &environment.folders {
            let all = settings::secret_variables(folder, &secrets);
            settings::literal_secrets(folder, &all, &mut places, &mut draft.findings);
        }
    }
    let origins = seen
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let (name, _) = groups.iter().find(|(_, members)| members.contains(&i))?;
            let edition = s.facts.edition.as_ref().map(|e| e.name());
            Some(Origin {
                folder: s.folder.path.clone(),
                source: s.address(),
                os: name.clone(),
                platform: s.platform,
                compiled: format!(
                    "{}.{}",
                    crate::platform::component(s.platform, s.builder).name(),
                    crate::spec::source_name(name, edition)
                ),
            })
        })
        .collect();
    let folders: Vec<String> = first
        .folders
        .iter()
        .map(|f| {
            let path = f.path.strip_prefix(repo).unwrap_or(&f.path);
            path.display().to_string()
        })
        .collect();
    let mut header = vec![
        "yaml-language-server: $schema=../schema/hybrid.schema.json".to_owned(),
        String::new(),
        "Imported by `hybridc import` from these Packer folders:".to_owned(),
    ];
    header.extend(folders.iter().map(|f| format!("  {f}")));
    if environments.len() > 1 || first.name != "default" {
        header.push(format!("with the environments {}.", names.join(", ")));
    }
    header.push(
        "Credentials are never written here: each one names the environment variable that holds it."
            .to_owned(),
    );
    let spec = text::document(&header, &draft.spec(true), &draft.comments);
    for unmapped in &mut draft.unmapped {
        let shown = settings::plain(&unmapped.value).unwrap_or(Json::Null);
        if holds(&draft.secrets, &shown) {
            unmapped.value = Value::Null;
            unmapped
                .reason
                .push_str(" (its value holds a secret and is not shown)");
        }
    }
    let mut files = draft.files;
    // The shared installer templates the OSes read, which a new repository lacks.
    let disk = crate::source::Disk::new(repo.to_path_buf());
    let shared = crate::init::shared_templates_missing(&spec, &disk);
    files.extend(
        shared
            .into_iter()
            .map(|(path, text)| (PathBuf::from(path), text.into_bytes())),
    );
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    Imported {
        spec,
        files,
        origins,
        unmapped: draft.unmapped,
        findings: draft.findings,
    }
}

/// The literal values the tree gives its secret variables (declared `sensitive`, or read by
/// a credential) in any environment.
fn secret_values(environments: &[Environment], used: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for folder in environments.iter().flat_map(|e| &e.folders) {
        let secrets = settings::secret_variables(folder, used);
        for variable in folder
            .variables
            .iter()
            .filter(|v| secrets.contains(&v.name))
        {
            if let Some(Value::String(value)) = &variable.value
                && !value.is_empty()
                && !out.contains(value)
            {
                out.push(value.clone());
            }
        }
    }
    out
}

/// Whether a value holds one of `secrets` (in JSON's escaping, as the value is compared).
fn holds(secrets: &[String], value: &Json) -> bool {
    let text = value.to_string();
    secrets.iter().any(|secret| {
        let escaped = Json::String(secret.clone()).to_string();
        text.contains(escaped.trim_matches('"'))
    })
}

/// The error of a source whose builder hybridc does not build with.
fn unsupported(folder: &Folder, source: &Source) -> Finding {
    let builders: Vec<&str> = crate::catalogue::Component::BUILDERS
        .iter()
        .map(|c| c.name())
        .collect();
    let diagnostic = Diagnostic::error(
        Code::ImportUnsupportedBuilder,
        format!(
            "source `{}.{}` uses the builder `{}`, which hybridc does not build with",
            source.builder, source.name, source.builder
        ),
        source.at.span,
        "not imported",
    )
    .with_help(format!(
        "hybridc builds with {}; this source is left out of the spec",
        builders.join(", ")
    ));
    Finding {
        file: folder.file(source.at.file).clone(),
        diagnostic,
    }
}
