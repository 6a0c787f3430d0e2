//! What a step names outside the repository, copied into it with what it needs beside it.
//!
//! A script or an uploaded file is one file, copied under a name of its own. An uploaded
//! folder is copied whole. A playbook is copied with what Ansible reads relative to the
//! playbook's folder, in the same layout, since Ansible finds those by where they are:
//!
//! - `ansible.cfg`, which hybridc names with `ANSIBLE_CONFIG` when it is beside the playbook;
//! - `roles/` (ansible-core `lib/ansible/playbook/role/definition.py`,
//!   `RoleDefinition._load_role_path`: the roles search path is the configured roles path and
//!   `roles/` under the loader's base folder, the playbook's);
//! - `group_vars/` and `host_vars/` (`lib/ansible/plugins/vars/host_group_vars.py`: both are
//!   read under the playbook's folder as well as the inventory's);
//! - `collections/` (`lib/ansible/cli/playbook.py`, `PlaybookCLI.run`: "allow collections
//!   adjacent to these playbooks");
//! - the plugin folders (`PlaybookCLI.run` calls `add_all_plugin_dirs(playbook_dir)`, which
//!   adds each plugin loader's `subdir` found beside the playbook, `lib/ansible/plugins/loader.py`);
//! - `files/`, `templates/` and `vars/`, where a play's relative `src:` and `include_vars`
//!   are searched (`lib/ansible/parsing/dataloader.py`, `DataLoader.path_dwim_relative`);
//! - every file inside the playbook's folder that the playbook (or a YAML file it names) names
//!   by a relative path: `import_playbook`, `vars_files`, `include_tasks` and the like.

use std::path::{Component, Path, PathBuf};

/// The folders beside a playbook that Ansible reads without the playbook naming them (see the
/// module documentation); each plugin folder is a plugin loader's `subdir` in ansible-core 2.19.
const BESIDE_PLAYBOOK: &[&str] = &[
    "roles",
    "group_vars",
    "host_vars",
    "collections",
    "files",
    "templates",
    "vars",
    "action_plugins",
    "become_plugins",
    "cache_plugins",
    "callback_plugins",
    "cliconf_plugins",
    "connection_plugins",
    "doc_fragments",
    "filter_plugins",
    "httpapi_plugins",
    "inventory_plugins",
    "library",
    "lookup_plugins",
    "module_utils",
    "netconf_plugins",
    "shell_plugins",
    "strategy_plugins",
    "terminal_plugins",
    "test_plugins",
    "vars_plugins",
];

/// What copying needs: the repository the spec goes to, and the files to write into it, added
/// to as files are copied (repository-relative path and bytes).
pub struct Context<'a> {
    /// The repository the spec goes to.
    pub repo: &'a Path,
    /// Files to write into the repository, added to as files are copied.
    pub files: &'a mut Vec<(PathBuf, Vec<u8>)>,
}

/// Where `path` is: inside the repository (its repository-relative path), or outside (its
/// absolute path, links resolved where it exists).
enum Found {
    Inside(String),
    Outside(PathBuf),
}

fn find(path: &str, repo: &Path) -> Found {
    // Packer opens a step's files from its working folder, as `import` runs: a path built
    // from `path.root` is relative to it, not to the folder.
    let absolute = normal(&std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path)));
    let repo = normal(&repo.canonicalize().unwrap_or_else(|_| repo.to_path_buf()));
    let found = absolute
        .canonicalize()
        .map(|p| normal(&p))
        .unwrap_or(absolute);
    match found.strip_prefix(&repo) {
        Ok(inside) => Found::Inside(slashed(inside)),
        Err(_) => Found::Outside(found),
    }
}

/// A path as the spec writes it, relative to the repository root: the path of the file or
/// folder when it is inside the repository, else the path of its copy under `under`, which
/// is added to the files to write. A folder is copied whole (a trailing `/`, which Packer's
/// file provisioner reads as "the folder's content", is kept).
pub fn repo_path(path: &str, under: &str, cx: &mut Context<'_>) -> String {
    let found = match find(path, cx.repo) {
        Found::Inside(inside) => return inside,
        Found::Outside(found) => found,
    };
    let name = found
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    if found.is_dir() {
        let bundle = Bundle {
            files: walk(&found, ""),
            whole: vec![String::new()],
        };
        let first = format!("{under}/{name}");
        let candidates = (1..).map(|n| numbered(&first, n));
        let base = place(&bundle, candidates, cx).unwrap_or(first);
        return if path.ends_with('/') {
            format!("{base}/")
        } else {
            base
        };
    }
    let Ok(content) = std::fs::read(&found) else {
        return format!("{under}/{name}");
    };
    copy_to(under, &name, content, cx.repo, cx.files)
}

/// The playbook's path as the spec writes it, and the galaxy file's: a playbook outside the
/// repository is copied with what Ansible reads beside it (see the module documentation),
/// keeping their layout, under `ansible/`, or under `ansible/<playbook's name>/` when
/// `ansible/` holds other files at those paths.
pub fn playbook(
    path: &str,
    galaxy: Option<&str>,
    cx: &mut Context<'_>,
) -> (String, Option<String>) {
    let found = match find(path, cx.repo) {
        Found::Inside(inside) => {
            return (inside, galaxy.map(|g| repo_path(g, "ansible", cx)));
        }
        Found::Outside(found) => found,
    };
    let (Some(folder), Some(name)) = (found.parent(), found.file_name()) else {
        return (
            repo_path(path, "ansible", cx),
            galaxy.map(|g| repo_path(g, "ansible", cx)),
        );
    };
    let name = name.to_string_lossy().into_owned();
    let Ok(content) = std::fs::read(&found) else {
        return (
            format!("ansible/{name}"),
            galaxy.map(|g| repo_path(g, "ansible", cx)),
        );
    };
    let mut bundle = Bundle {
        files: vec![(name.clone(), content)],
        whole: Vec::new(),
    };
    if folder.join("ansible.cfg").is_file() {
        bundle.add(folder, "ansible.cfg");
    }
    // The galaxy file goes with the playbook when it is in the playbook's folder.
    let galaxy_inside = galaxy.and_then(|g| match find(g, cx.repo) {
        Found::Outside(g) => g
            .strip_prefix(folder)
            .ok()
            .filter(|_| g.is_file())
            .map(slashed),
        Found::Inside(_) => None,
    });
    if let Some(rel) = &galaxy_inside {
        bundle.add(folder, rel);
    }
    for beside in BESIDE_PLAYBOOK {
        let dir = folder.join(beside);
        if !dir.is_dir() {
            continue;
        }
        if *beside == "roles" {
            // Each role is a whole: a role of the same name with other files is another role.
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry.path().is_dir() {
                    let role = format!("roles/{}", entry.file_name().to_string_lossy());
                    bundle.whole.push(role);
                }
            }
        } else {
            bundle.whole.push((*beside).to_owned());
        }
        bundle.files.extend(walk(&dir, beside));
    }
    named(folder, &mut bundle);
    bundle.files.sort_by(|a, b| a.0.cmp(&b.0));
    bundle.files.dedup_by(|a, b| a.0 == b.0);
    let copied_galaxy = |base: &str, cx: &mut Context<'_>| match (&galaxy_inside, galaxy) {
        (Some(rel), _) => Some(join(base, rel)),
        (None, Some(g)) => Some(repo_path(g, "ansible", cx)),
        (None, None) => None,
    };
    if bundle.files.len() == 1 {
        let (_, content) = bundle.files.pop().expect("the playbook");
        let copied = copy_to("ansible", &name, content, cx.repo, cx.files);
        return (copied, copied_galaxy("ansible", cx));
    }
    let stem = name.split_once('.').map_or(name.as_str(), |(stem, _)| stem);
    let candidates = std::iter::once("ansible".to_owned())
        .chain((1..).map(|n| numbered(&format!("ansible/{stem}"), n)));
    let base = place(&bundle, candidates, cx).unwrap_or_else(|| "ansible".to_owned());
    (join(&base, &name), copied_galaxy(&base, cx))
}

/// Files copied together so that the paths between them hold.
struct Bundle {
    /// Each file's path relative to the folder the bundle goes to, and its bytes.
    files: Vec<(String, Vec<u8>)>,
    /// Folders (relative, `""` for the bundle's own) that must hold the bundle's files and no
    /// others where it goes: a role, `group_vars/`, an uploaded folder.
    whole: Vec<String>,
}

impl Bundle {
    /// Adds the file `rel` of `folder`, when it can be read.
    fn add(&mut self, folder: &Path, rel: &str) {
        if let Ok(bytes) = std::fs::read(folder.join(rel)) {
            self.files.push((rel.to_owned(), bytes));
        }
    }
}

/// Puts a file with `bytes` at `path` (repository-relative) when the path is free or holds
/// the same bytes already; `false` when another file is there.
pub fn put(path: &str, bytes: Vec<u8>, cx: &mut Context<'_>) -> bool {
    let bundle = Bundle {
        files: vec![(String::new(), bytes)],
        whole: Vec::new(),
    };
    place(&bundle, std::iter::once(path.to_owned()), cx).is_some()
}

/// How many places are tried for a copy: past that, something in the repository's way (a
/// file where a folder has to be) keeps every place from fitting.
const TRIES: usize = 1000;

/// The first of `candidates` (each a repository-relative folder, the first [`TRIES`] of them)
/// where the bundle fits, with the bundle's new files added to the files to write; `None`
/// when none fits, and nothing is added: the spec then names a file the repository lacks,
/// which its check reports.
fn place(
    bundle: &Bundle,
    candidates: impl Iterator<Item = String>,
    cx: &mut Context<'_>,
) -> Option<String> {
    for base in candidates.take(TRIES) {
        if fits(bundle, &base, cx) {
            for (rel, bytes) in &bundle.files {
                let path = join(&base, rel);
                if held(&path, cx) == Held::Free {
                    cx.files.push((PathBuf::from(path), bytes.clone()));
                }
            }
            return Some(base);
        }
    }
    None
}

/// What the repository (with the files to write) holds at a path.
#[derive(Debug, PartialEq)]
enum Held {
    Free,
    Bytes(Vec<u8>),
    Other,
}

fn held(path: &str, cx: &Context<'_>) -> Held {
    if let Some((_, bytes)) = cx.files.iter().find(|(p, _)| slashed(p) == path) {
        return Held::Bytes(bytes.clone());
    }
    let on_disk = cx.repo.join(path);
    if on_disk.is_file() {
        return std::fs::read(&on_disk).map_or(Held::Other, Held::Bytes);
    }
    if std::fs::symlink_metadata(&on_disk).is_ok() {
        return Held::Other;
    }
    // A file where the path needs a folder.
    let mut ancestor = Path::new(path).parent();
    while let Some(folder) = ancestor.filter(|a| !a.as_os_str().is_empty()) {
        if cx.repo.join(folder).is_file() || cx.files.iter().any(|(p, _)| p == folder) {
            return Held::Other;
        }
        ancestor = folder.parent();
    }
    Held::Free
}

/// Whether every file of the bundle is free or already the same at `base`, and each of its
/// whole folders holds no file the bundle does not bring.
fn fits(bundle: &Bundle, base: &str, cx: &Context<'_>) -> bool {
    let same = bundle
        .files
        .iter()
        .all(|(rel, bytes)| match held(&join(base, rel), cx) {
            Held::Free => true,
            Held::Bytes(there) => there == *bytes,
            Held::Other => false,
        });
    same && bundle.whole.iter().all(|whole| {
        let folder = join(base, whole);
        let brought = |path: &str| bundle.files.iter().any(|(rel, _)| join(base, rel) == path);
        let pending = cx
            .files
            .iter()
            .map(|(p, _)| slashed(p))
            .filter(|p| p.starts_with(&format!("{folder}/")));
        let on_disk = walk_names(&cx.repo.join(&folder))
            .into_iter()
            .map(|rel| join(&folder, &rel));
        pending.chain(on_disk).all(|path| brought(&path))
    })
}

/// Every file under `dir` (links followed, `.git` folders left out), each with its path
/// relative to `dir` under `prefix`, and its bytes; in path order.
fn walk(dir: &Path, prefix: &str) -> Vec<(String, Vec<u8>)> {
    walk_names(dir)
        .into_iter()
        .filter_map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).ok()?;
            Some((join(prefix, &rel), bytes))
        })
        .collect()
}

/// The paths of the files under `dir`, relative to it (see [`walk`]).
fn walk_names(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || e.file_name() != ".git")
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().strip_prefix(dir).ok().map(slashed))
        .collect()
}

/// Adds the files inside `folder` that the bundle's YAML files name by a relative path, and
/// what those name in turn.
fn named(folder: &Path, bundle: &mut Bundle) {
    let mut queue: Vec<String> = bundle
        .files
        .iter()
        .map(|(rel, _)| rel.clone())
        .filter(|rel| is_yaml(rel))
        .collect();
    let mut seen: std::collections::BTreeSet<String> = queue.iter().cloned().collect();
    while let Some(rel) = queue.pop() {
        let Some(text) = bundle
            .files
            .iter()
            .find(|(r, _)| *r == rel)
            .and_then(|(_, b)| std::str::from_utf8(b).ok().map(str::to_owned))
        else {
            continue;
        };
        let from = folder.join(&rel);
        let beside = from.parent().unwrap_or(folder);
        for scalar in scalars(&text) {
            if scalar.starts_with('/') || scalar.starts_with('~') || scalar.contains("{{") {
                continue;
            }
            for base in [folder, beside] {
                let path = normal(&base.join(&scalar));
                let Ok(inside) = path.strip_prefix(folder) else {
                    continue;
                };
                let inside = slashed(inside);
                if inside.is_empty() || seen.contains(&inside) {
                    continue;
                }
                if path.is_file() {
                    seen.insert(inside.clone());
                    bundle.add(folder, &inside);
                    if is_yaml(&inside) {
                        queue.push(inside);
                    }
                } else if path.is_dir() {
                    seen.insert(inside.clone());
                    bundle.files.extend(walk(&path, &inside));
                }
            }
        }
    }
}

fn is_yaml(path: &str) -> bool {
    path.ends_with(".yml") || path.ends_with(".yaml")
}

/// The scalar values of a YAML text (not its mapping keys, which never name a file), up to
/// its first syntax error.
fn scalars(text: &str) -> Vec<String> {
    use saphyr_parser::Event;
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut out = Vec::new();
    // Per open collection: whether it is a mapping, and whether its next node is a key.
    let mut open: Vec<(bool, bool)> = Vec::new();
    let done = |open: &mut Vec<(bool, bool)>| {
        if let Some((true, key)) = open.last_mut() {
            *key = !*key;
        }
    };
    while let Some(Ok((event, _))) = parser.next_event() {
        match event {
            Event::Scalar(value, ..) => {
                if !matches!(open.last(), Some((true, true))) {
                    out.push(value.into_owned());
                }
                done(&mut open);
            }
            Event::Alias(_) => done(&mut open),
            Event::MappingStart(..) => open.push((true, true)),
            Event::SequenceStart(..) => open.push((false, false)),
            Event::MappingEnd | Event::SequenceEnd => {
                open.pop();
                done(&mut open);
            }
            _ => {}
        }
    }
    out
}

/// Where a file with `content` goes under the repository folder `under`: `under/name` when
/// that is free or holds the same bytes already, else `under/<stem>-<n><extensions>`, the
/// first such name free or holding the same bytes; a new copy is added to `files`. When no
/// name fits (a file named like `under` is in the way), `under/name`, and nothing is added.
pub fn copy_to(
    under: &str,
    name: &str,
    content: Vec<u8>,
    repo: &Path,
    files: &mut Vec<(PathBuf, Vec<u8>)>,
) -> String {
    let mut cx = Context { repo, files };
    let bundle = Bundle {
        files: vec![(String::new(), content)],
        whole: Vec::new(),
    };
    let first = format!("{under}/{name}");
    place(&bundle, (1..).map(|n| numbered(&first, n)), &mut cx).unwrap_or(first)
}

/// `path` for `n` = 1, else with `-<n>` before the extensions of its last component
/// (`a/b.tar.gz`, 2 -> `a/b-2.tar.gz`).
fn numbered(path: &str, n: usize) -> String {
    if n == 1 {
        return path.to_owned();
    }
    let (folder, name) = match path.rsplit_once('/') {
        Some((folder, name)) => (format!("{folder}/"), name),
        None => (String::new(), path),
    };
    match name.split_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{folder}{stem}-{n}.{extension}"),
        _ => format!("{folder}{name}-{n}"),
    }
}

/// `base/rel`, or `base` when `rel` is empty.
fn join(base: &str, rel: &str) -> String {
    match (base, rel) {
        (_, "") => base.to_owned(),
        ("", _) => rel.to_owned(),
        _ => format!("{base}/{rel}"),
    }
}

/// A path with `.` and `..` resolved lexically.
pub(super) fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_lexically() {
        assert_eq!(normal(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
    }

    #[test]
    fn only_values_are_read_as_paths() {
        let text = "- hosts: all\n  roles: [base]\n  vars_files:\n    - a.yml\n  tasks:\n    - include_tasks: {file: t.yml}\n      files: x\n";
        assert_eq!(scalars(text), ["all", "base", "a.yml", "t.yml", "x"]);
        assert_eq!(scalars("a: [b\nc: d"), Vec::<String>::new());
    }

    #[test]
    fn numbered_names_keep_their_extensions() {
        assert_eq!(numbered("ansible/site.yml", 1), "ansible/site.yml");
        assert_eq!(numbered("ansible/site.yml", 2), "ansible/site-2.yml");
        assert_eq!(numbered("files/b.tar.gz", 3), "files/b-3.tar.gz");
        assert_eq!(numbered("files/motd", 2), "files/motd-2");
        assert_eq!(numbered("files/.env", 2), "files/.env-2");
    }
}
