//! The comparison of two compiled specs, build by build: settings (see [`super::settings`]), the
//! steps that run for each source, the repository files they use, and plugin versions.
//!
//! It reads the two models, the two checked specs and the repository files of both sides
//! (through each side's [`Files`]); it writes nothing.

use super::settings::{self, Settings};
use super::{BuildDiff, BuildId, Change, Entry, FileStatus, Report, Status};
use crate::loaded::Loaded;
use crate::model::{Arg, Args, Model, Source, Step};
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
        environments: environments.clone(),
        files: HashMap::new(),
    };
    settings::prepare(&mut cx.base_settings, &mut cx.head_settings);
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
    for id in ids {
        let diff = match (base_builds.get(id), head_builds.get(id)) {
            (None, Some(_)) => Some((Status::Added, Vec::new())),
            (Some(_), None) => Some((Status::Removed, Vec::new())),
            (Some(old), Some(new)) => {
                let changes = cx.changes(id, old, new);
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
    environments: Vec<String>,
    /// What happened to each repository file, once compared.
    files: HashMap<String, Option<FileStatus>>,
}

impl Context<'_> {
    /// Every difference of a build that both sides have.
    fn changes(&mut self, id: &BuildId, old: &Source, new: &Source) -> Vec<Entry> {
        let mut entries: Vec<Entry> = settings::changes(
            &mut self.base_settings,
            &mut self.head_settings,
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
        other.extend(steps(base.model, old, head.model, new));
        let paths: BTreeSet<String> = dependencies(&base.loaded.spec, id)
            .into_iter()
            .chain(dependencies(&head.loaded.spec, id))
            .collect();
        let mut files = BTreeSet::new();
        for path in &paths {
            files.extend(expand(base.files, path));
            files.extend(expand(head.files, path));
        }
        for path in files {
            let status = *self
                .files
                .entry(path.clone())
                .or_insert_with(|| compare_file(base.files, head.files, &path));
            if let Some(status) = status {
                other.push(Change::File { path, status });
            }
        }
        other.extend(plugins(base.model, old, head.model, new));
        entries.extend(other.into_iter().map(|change| Entry {
            change,
            environments: self.environments.clone(),
        }));
        entries
    }
}

/// Arguments as comparable text: names and values, without the spec locations they came from
/// (which move when the spec is edited elsewhere).
fn fingerprint(args: &Args, out: &mut String) {
    for arg in &args.0 {
        match arg {
            Arg::Attr { name, value, .. } => {
                out.push_str(&format!("{name}={value:?};"));
            }
            Arg::Block {
                name,
                body,
                for_each,
                ..
            } => {
                out.push_str(&format!("{name}[{for_each:?}]{{"));
                fingerprint(body, out);
                out.push('}');
            }
        }
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
        ) => {
            name == other_name
                && for_each == other_for_each
                && body.0.len() == other_body.0.len()
                && body
                    .0
                    .iter()
                    .zip(&other_body.0)
                    .all(|(x, y)| same_arg(x, y))
        }
        _ => false,
    }
}

/// A step as a reader finds it: its component and the spec node it comes from.
fn label(step: &Step) -> String {
    format!("{} ({})", step.component.name(), step.origin)
}

/// Steps added and removed, and whether those that stay run in another order.
fn steps(base: &Model, old: &Source, head: &Model, new: &Source) -> Vec<Change> {
    let list = |model: &Model, source: &Source| -> Vec<(String, String)> {
        let reference = source.reference();
        model
            .steps_for(&reference)
            .map(|step| {
                // Not `only`: that the step runs for this source is all that matters here.
                let mut text = format!("{:?}|", step.component);
                fingerprint(&step.body, &mut text);
                (text, label(step))
            })
            .collect()
    };
    let (before, after) = (list(base, old), list(head, new));
    let count = |steps: &[(String, String)]| {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (text, _) in steps {
            *counts.entry(text.clone()).or_default() += 1;
        }
        counts
    };
    let (in_before, in_after) = (count(&before), count(&after));
    let mut changes = Vec::new();
    // Those beyond what the other side has, in order; the rest, kept for the order check.
    let split = |steps: &[(String, String)], other: &HashMap<String, usize>| {
        let mut quota = other.clone();
        let mut kept = Vec::new();
        let mut extra = Vec::new();
        for (text, label) in steps {
            match quota.get_mut(text) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    kept.push(text.clone());
                }
                _ => extra.push(label.clone()),
            }
        }
        (kept, extra)
    };
    let (kept_before, removed) = split(&before, &in_after);
    let (kept_after, added) = split(&after, &in_before);
    changes.extend(removed.into_iter().map(Change::StepRemoved));
    changes.extend(added.into_iter().map(Change::StepAdded));
    if kept_before != kept_after {
        changes.push(Change::StepsReordered);
    }
    changes
}

/// Plugin versions that differ for the components a build uses.
fn plugins(base: &Model, old: &Source, head: &Model, new: &Source) -> Vec<Change> {
    let used = |model: &Model, source: &Source| -> BTreeSet<&'static str> {
        let reference = source.reference();
        std::iter::once(source.component)
            .chain(model.steps_for(&reference).map(|s| s.component))
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
    let names: BTreeSet<&str> = used(base, old).into_iter().chain(used(head, new)).collect();
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
    match files.kind(path) {
        Kind::File => vec![path.to_owned()],
        Kind::Folder => files
            .list(path)
            .into_iter()
            .flat_map(|(name, _)| expand(files, &format!("{path}/{name}")))
            .collect(),
        Kind::Missing | Kind::Other => Vec::new(),
    }
}

/// What happened to the file at `path` from the base to the work tree.
fn compare_file(base: &dyn Files, head: &dyn Files, path: &str) -> Option<FileStatus> {
    match (base.read(path), head.read(path)) {
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
        let diff =
            |before: Vec<Step>, after: Vec<Step>| steps(&model(before), &s, &model(after), &s);
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
