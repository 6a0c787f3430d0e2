//! The comparison of two compiled specs, build by build: settings (see [`super::settings`]), the
//! steps that run for each source, the repository files they use, and plugin versions.
//!
//! It reads the two models, the two checked specs and the repository files of both sides
//! (through each side's [`Files`]); it writes nothing.

use super::settings::{self, Same, Settings};
use super::{BuildDiff, BuildId, Change, Entry, FileStatus, Report, Status};
use crate::loaded::Loaded;
use crate::model::{Arg, Args, Model, Source, SourceRef, Step};
use crate::release::OsFacts;
use crate::source::{Files, Kind};
use crate::spec::{Family, PlatformName, Spec};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One side of a diff: a checked spec and the model it compiles to.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The checked spec.
    pub loaded: &'a Loaded,
    /// Its model.
    pub model: &'a Model,
    /// Its repository files.
    pub files: &'a dyn Files,
}

/// Compares the base side with the work tree's, for the report on revision `base`.
pub fn compare(base: Side<'_>, head: Side<'_>, revision: &str) -> Report {
    let names =
        |m: &Model| -> Vec<String> { m.environments.iter().map(|e| e.name.clone()).collect() };
    let (base_envs, head_envs) = (names(base.model), names(head.model));
    let environments: Vec<String> = head_envs
        .iter()
        .filter(|e| base_envs.contains(e))
        .cloned()
        .collect();
    let mut cx = Context {
        base,
        head,
        base_settings: Settings::new(base.loaded),
        head_settings: Settings::new(head.loaded),
        base_steps: steps_by_source(base.model),
        head_steps: steps_by_source(head.model),
        environments: environments.clone(),
        expanded: HashMap::new(),
        files: HashMap::new(),
    };
    let same = settings::prepare(&mut cx.base_settings, &mut cx.head_settings);
    let base_builds = builds(base.model);
    let head_builds = builds(head.model);
    let ids: BTreeSet<&BuildId> = base_builds.keys().chain(head_builds.keys()).collect();
    let mut report = Report {
        base: revision.to_owned(),
        environments: environments.clone(),
        environments_added: head_envs
            .iter()
            .filter(|e| !base_envs.contains(e))
            .cloned()
            .collect(),
        environments_removed: base_envs
            .iter()
            .filter(|e| !head_envs.contains(e))
            .cloned()
            .collect(),
        required_version: (base.model.required_version != head.model.required_version).then(|| {
            (
                base.model.required_version.clone(),
                head.model.required_version.clone(),
            )
        }),
        builds: Vec::new(),
    };
    cx.compare_files(
        ids.iter()
            .copied()
            .filter(|id| base_builds.contains_key(id) && head_builds.contains_key(id)),
    );
    for id in ids {
        let diff = match (base_builds.get(id), head_builds.get(id)) {
            (None, Some(_)) => Some((Status::Added, Vec::new())),
            (Some(_), None) => Some((Status::Removed, Vec::new())),
            (Some(old), Some(new)) => {
                let changes = cx.changes(&same, id, old, new);
                (!changes.is_empty()).then_some((Status::Changed, changes))
            }
            (None, None) => None,
        };
        if let Some((status, changes)) = diff {
            report.builds.push(BuildDiff {
                id: id.clone(),
                status,
                changes,
            });
        }
    }
    report
}

/// The builds of a model by their identity.
fn builds(model: &Model) -> BTreeMap<BuildId, &Source> {
    model
        .sources
        .iter()
        .map(|s| {
            let id = BuildId {
                os: s.os.clone(),
                platform: s.platform,
                edition: s.edition.clone(),
            };
            (id, s)
        })
        .collect()
}

struct Context<'a> {
    base: Side<'a>,
    head: Side<'a>,
    base_settings: Settings<'a>,
    head_settings: Settings<'a>,
    /// The steps that run for each source of the base's model.
    base_steps: BTreeMap<SourceRef, Vec<&'a Step>>,
    /// The steps that run for each source of the work tree's model.
    head_steps: BTreeMap<SourceRef, Vec<&'a Step>>,
    environments: Vec<String>,
    /// The files at each repository path a build uses, at either side, once listed.
    expanded: HashMap<String, BTreeSet<String>>,
    /// What happened to each repository file, once compared.
    files: HashMap<String, Option<FileStatus>>,
}

impl Context<'_> {
    /// The repository files build `id` uses at either side.
    fn files_of(&mut self, id: &BuildId) -> BTreeSet<String> {
        let (base, head) = (self.base.files, self.head.files);
        let paths: BTreeSet<String> = dependencies(&self.base.loaded.spec, id)
            .into_iter()
            .chain(dependencies(&self.head.loaded.spec, id))
            .collect();
        let mut files = BTreeSet::new();
        for path in paths {
            let expanded = self.expanded.entry(path).or_insert_with_key(|path| {
                let mut found: BTreeSet<String> = expand(base, path).into_iter().collect();
                found.extend(expand(head, path));
                found
            });
            files.extend(expanded.iter().cloned());
        }
        files
    }

    /// Compares the files of every build in `ids` at once: each side reads them all in one go.
    fn compare_files<'i>(&mut self, ids: impl Iterator<Item = &'i BuildId>) {
        let mut files = BTreeSet::new();
        for id in ids {
            files.extend(self.files_of(id));
        }
        let paths: Vec<&str> = files.iter().map(String::as_str).collect();
        let before = self.base.files.read_all(&paths);
        let after = self.head.files.read_all(&paths);
        for ((path, old), new) in files.iter().zip(before).zip(after) {
            self.files.insert(path.clone(), file_status(old, new));
        }
    }

    /// Every difference of a build that both sides have.
    fn changes(&mut self, same: &Same, id: &BuildId, old: &Source, new: &Source) -> Vec<Entry> {
        let mut entries: Vec<Entry> = settings::changes(
            &mut self.base_settings,
            &mut self.head_settings,
            same,
            id,
            &self.environments,
        )
        .into_iter()
        .map(|(change, environments)| Entry {
            change,
            environments,
        })
        .collect();
        let mut other = Vec::new();
        if entries.is_empty() {
            let names = arguments(&old.body, &new.body);
            if !names.is_empty() {
                other.push(Change::Arguments(names));
            }
        }
        let (base, head) = (self.base, self.head);
        let files = self.files_of(id);
        let none = Vec::new();
        let before = self.base_steps.get(&old.reference()).unwrap_or(&none);
        let after = self.head_steps.get(&new.reference()).unwrap_or(&none);
        other.extend(steps(before, after));
        for path in files {
            let status = *self
                .files
                .entry(path.clone())
                .or_insert_with(|| compare_file(base.files, head.files, &path));
            if let Some(status) = status {
                other.push(Change::File { path, status });
            }
        }
        other.extend(plugins(base.model, old, before, head.model, new, after));
        entries.extend(other.into_iter().map(|change| Entry {
            change,
            environments: self.environments.clone(),
        }));
        entries
    }
}

/// The top-level argument names whose values differ between two source bodies.
fn arguments(old: &Args, new: &Args) -> Vec<String> {
    fn by_name(args: &Args) -> BTreeMap<&str, Vec<&Arg>> {
        let mut map: BTreeMap<&str, Vec<&Arg>> = BTreeMap::new();
        for arg in &args.0 {
            let (Arg::Attr { name, .. } | Arg::Block { name, .. }) = arg;
            map.entry(name.as_ref()).or_default().push(arg);
        }
        map
    }
    let (old, new) = (by_name(old), by_name(new));
    let names: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    let same = |a: Option<&Vec<&Arg>>, b: Option<&Vec<&Arg>>| match (a, b) {
        (Some(a), Some(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_arg(x, y)),
        (a, b) => a.is_none() && b.is_none(),
    };
    names
        .into_iter()
        .filter(|n| !same(old.get(n), new.get(n)))
        .map(str::to_owned)
        .collect()
}

/// Whether two arguments say the same, wherever in the spec they come from.
fn same_arg(a: &Arg, b: &Arg) -> bool {
    match (a, b) {
        (
            Arg::Attr { name, value, .. },
            Arg::Attr {
                name: other_name,
                value: other_value,
                ..
            },
        ) => name == other_name && value == other_value,
        (
            Arg::Block {
                name,
                body,
                for_each,
                ..
            },
            Arg::Block {
                name: other_name,
                body: other_body,
                for_each: other_for_each,
                ..
            },
        ) => name == other_name && for_each == other_for_each && same_args(body, other_body),
        _ => false,
    }
}

/// Whether two argument lists say the same, in the same order, wherever they come from.
fn same_args(a: &Args, b: &Args) -> bool {
    a.0.len() == b.0.len() && a.0.iter().zip(&b.0).all(|(x, y)| same_arg(x, y))
}

/// Whether two steps do the same. Not `only`: that a step runs for the source compared is all
/// that matters here.
fn same_step(a: &Step, b: &Step) -> bool {
    a.component == b.component && same_args(&a.body, &b.body)
}

/// The steps that run for each source of a model, as [`Model::steps_for`] finds them, for all
/// sources at once.
fn steps_by_source(model: &Model) -> BTreeMap<SourceRef, Vec<&Step>> {
    let mut found: BTreeMap<SourceRef, Vec<&Step>> = BTreeMap::new();
    for build in &model.builds {
        for source in &build.sources {
            let steps = build.provisioners.iter().chain(&build.post_processors);
            found
                .entry(source.clone())
                .or_default()
                .extend(steps.filter(|step| step.runs_for(source)));
        }
    }
    found
}

/// A step as a reader finds it: its component and the spec node it comes from.
fn label(step: &Step) -> String {
    format!("{} ({})", step.component.name(), step.origin)
}

/// Steps added and removed, and whether those that stay run in another order: each step of
/// one side is matched with the first unmatched step of the other that does the same.
fn steps(before: &[&Step], after: &[&Step]) -> Vec<Change> {
    // Those beyond what the other side has, in order; the rest, kept for the order check.
    fn split<'a>(steps: &[&'a Step], other: &[&Step]) -> (Vec<&'a Step>, Vec<String>) {
        let mut matched = vec![false; other.len()];
        let mut kept = Vec::new();
        let mut extra = Vec::new();
        for step in steps {
            let twin = (0..other.len()).find(|&i| !matched[i] && same_step(step, other[i]));
            match twin {
                Some(i) => {
                    matched[i] = true;
                    kept.push(*step);
                }
                None => extra.push(label(step)),
            }
        }
        (kept, extra)
    }
    let (kept_before, removed) = split(before, after);
    let (kept_after, added) = split(after, before);
    let mut changes: Vec<Change> = removed.into_iter().map(Change::StepRemoved).collect();
    changes.extend(added.into_iter().map(Change::StepAdded));
    let same_order = kept_before
        .iter()
        .zip(&kept_after)
        .all(|(a, b)| same_step(a, b));
    if !same_order {
        changes.push(Change::StepsReordered);
    }
    changes
}

/// Plugin versions that differ for the components a build uses (its source's and its steps').
fn plugins(
    base: &Model,
    old: &Source,
    old_steps: &[&Step],
    head: &Model,
    new: &Source,
    new_steps: &[&Step],
) -> Vec<Change> {
    let used = |source: &Source, steps: &[&Step]| -> BTreeSet<&'static str> {
        std::iter::once(source.component)
            .chain(steps.iter().map(|s| s.component))
            .filter_map(|c| c.plugin().map(|(name, _)| name))
            .collect()
    };
    let version = |model: &Model, name: &str| {
        model
            .plugins
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.version.clone())
    };
    let names: BTreeSet<&str> = used(old, old_steps)
        .into_iter()
        .chain(used(new, new_steps))
        .collect();
    names
        .into_iter()
        .filter_map(|name| {
            let (was, is) = (version(base, name), version(head, name));
            match (was, is) {
                (Some(old), Some(new)) if old != new => Some(Change::Plugin {
                    name: name.to_owned(),
                    old,
                    new,
                }),
                _ => None,
            }
        })
        .collect()
}

/// The repository paths (files or folders) a build uses, as its spec names them: its installer
/// templates (shared, named or its own under `builds/<os>/`), the Windows scripts its answer-file CD carries, and the files of
/// the provisioning steps that run on its platform (an Ansible playbook brings the roles,
/// variables and `ansible.cfg` beside it).
fn dependencies(spec: &Spec, id: &BuildId) -> Vec<String> {
    let Some(os) = spec.oses.get(&id.os) else {
        return Vec::new();
    };
    let mut paths = vec![format!("builds/{}", id.os)];
    if let Some(kind) = os.installer().map(crate::installer::kind) {
        // The shared templates, unless the OS names its own; an own template under
        // `builds/<os>/` is in the folder above.
        paths.extend(
            kind.templates
                .iter()
                .map(|t| kind.template_path(&id.os, os, t, |_| false)),
        );
    }
    if os.family() == Family::Windows {
        paths.push("scripts/windows".into());
    }
    let on = |only: &[PlatformName]| only.is_empty() || only.contains(&id.platform);
    for set in &os.provisioning {
        for step in spec.provisioning.get(set).into_iter().flatten() {
            if !on(step.only()) {
                continue;
            }
            match step {
                crate::spec::Step::Shell(s) => paths.extend(s.scripts.iter().cloned()),
                crate::spec::Step::Powershell(s) => paths.extend(s.scripts.iter().cloned()),
                crate::spec::Step::WindowsRestart(_) => {}
                crate::spec::Step::File(f) => paths.push(f.source.clone()),
                crate::spec::Step::Ansible(a) => {
                    paths.push(a.playbook.clone());
                    paths.extend(a.galaxy_file.iter().cloned());
                    let folder = a.playbook.rfind('/').map_or("", |i| &a.playbook[..=i]);
                    for beside in ["roles", "group_vars", "host_vars", "ansible.cfg"] {
                        paths.push(format!("{folder}{beside}"));
                    }
                }
            }
        }
    }
    paths
        .into_iter()
        .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_owned())
        .collect()
}

/// The files at `path`: itself, or every file below it, from the repository root.
fn expand(files: &dyn Files, path: &str) -> Vec<String> {
    expand_kind(files, path, files.kind(path))
}

/// [`expand`] of a path whose kind is known.
fn expand_kind(files: &dyn Files, path: &str, kind: Kind) -> Vec<String> {
    match kind {
        Kind::File => vec![path.to_owned()],
        Kind::Folder => files
            .list(path)
            .into_iter()
            .flat_map(|(name, kind)| expand_kind(files, &format!("{path}/{name}"), kind))
            .collect(),
        Kind::Missing | Kind::Other => Vec::new(),
    }
}

/// What happened to the file at `path` from the base to the work tree.
fn compare_file(base: &dyn Files, head: &dyn Files, path: &str) -> Option<FileStatus> {
    file_status(base.read(path), head.read(path))
}

/// What happened to a file from its bytes at the base to those in the work tree.
fn file_status(base: Option<Vec<u8>>, head: Option<Vec<u8>>) -> Option<FileStatus> {
    match (base, head) {
        (Some(old), Some(new)) => (old != new).then_some(FileStatus::Changed),
        (Some(_), None) => Some(FileStatus::Removed),
        (None, Some(_)) => Some(FileStatus::Added),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Component;
    use crate::hcl::Expr;
    use crate::model::Build;

    fn source() -> Source {
        Source {
            platform: PlatformName::Proxmox,
            component: Component::ProxmoxIso,
            name: "linux".into(),
            os: "linux".into(),
            edition: None,
            body: Args::default(),
            origin: crate::pointer::Pointer::new(&["oses", "linux"]),
        }
    }

    /// A shell step running `command`, from the spec node `origin`.
    fn step(command: &str, origin: &str) -> Step {
        let origin = crate::pointer::Pointer::new(&crate::pointer::tokens(origin));
        let mut body = Args::default();
        body.attr("inline", Expr::List(vec![Expr::from(command)]), &origin);
        Step {
            component: Component::Shell,
            body,
            only: Vec::new(),
            origin,
        }
    }

    fn model(steps: Vec<Step>) -> Model {
        Model {
            builds: vec![Build {
                name: "linux".into(),
                sources: vec![source().reference()],
                provisioners: steps,
                post_processors: Vec::new(),
            }],
            sources: vec![source()],
            ..Model::default()
        }
    }

    #[test]
    fn steps_added_removed_and_reordered() {
        let (a, b, c) = (
            step("a", "/p/s/0"),
            step("b", "/p/s/1"),
            step("c", "/p/s/2"),
        );
        let s = source();
        let diff = |before: Vec<Step>, after: Vec<Step>| {
            let (before, after) = (model(before), model(after));
            let (before, after) = (steps_by_source(&before), steps_by_source(&after));
            let reference = s.reference();
            steps(&before[&reference], &after[&reference])
        };
        assert_eq!(
            diff(vec![a.clone(), b.clone()], vec![a.clone(), b.clone()]),
            []
        );
        assert_eq!(
            diff(vec![a.clone(), b.clone()], vec![b.clone(), a.clone()]),
            [Change::StepsReordered]
        );
        assert_eq!(
            diff(vec![a.clone(), b.clone()], vec![a.clone(), c.clone()]),
            [
                Change::StepRemoved("shell (/p/s/1)".into()),
                Change::StepAdded("shell (/p/s/2)".into())
            ]
        );
        // A step inserted before others moves their spec nodes, not what they do.
        let moved = step("a", "/p/s/1");
        assert_eq!(
            diff(vec![a.clone()], vec![c.clone(), moved]),
            [Change::StepAdded("shell (/p/s/2)".into())]
        );
    }
}
