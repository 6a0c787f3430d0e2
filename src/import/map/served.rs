//! What a source serves its installer: the seed files of `http_content`, `cd_content` (also in
//! `additional_iso_files`), `cd_files` and `http_directory`, each with the name the installer
//! reads it by and, for an installer template, which template it is.

use std::path::{Path, PathBuf};

use crate::import::tree::{Body, Value};
use crate::installer::INSTALLERS;
use crate::spec::Installer;

use super::source::{blocks, text};

/// One file the installer reads: the name it is served as and what it holds.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The name the installer asks for (`user-data`, `ks.cfg`).
    pub served: String,
    /// The template's file name, when it is a template (`ks.pkrtpl.hcl`).
    pub file: Option<String>,
    /// Its text (a template's source, unrendered), when readable.
    pub content: Option<String>,
    /// The object the tree renders it with (`templatefile`'s second argument), for a template.
    pub vars: Option<Value>,
    /// The file it is, when the tree serves a file as it is (`cd_files`, `http_directory`).
    pub path: Option<PathBuf>,
    /// The argument that serves it (`cd_files`, `http_content`, ...).
    pub from: &'static str,
    /// Whether it is only one of the files of an `http_directory`, which Packer serves whole:
    /// the installer reads those it is pointed at, which the tree does not say.
    pub listed: bool,
    /// The installer template it is (see [`assign_templates`]); `None` for a file the
    /// installer's answer file reads beside it (a script on the CD).
    pub template: Option<&'static str>,
}

/// The installer kind whose template is served as, or named like, a seed file.
pub fn installer_of(seed: &Seed) -> Option<Installer> {
    INSTALLERS.iter().find_map(|kind| {
        kind.templates
            .iter()
            .any(|t| {
                kind.served_name(t).eq_ignore_ascii_case(&seed.served)
                    || seed.file.as_deref() == Some(*t)
            })
            .then_some(kind.installer)
    })
}

/// The template of `installer` a seed file is by name: the one served under its name, or the
/// one of its file name.
fn named_template(installer: Installer, seed: &Seed) -> Option<&'static str> {
    let kind = crate::installer::kind(installer);
    kind.templates
        .iter()
        .find(|t| {
            kind.served_name(t).eq_ignore_ascii_case(&seed.served)
                || seed.file.as_deref() == Some(**t)
        })
        .copied()
}

/// Which of `installer`'s templates each seed is ([`Seed::template`]): the one it is by name
/// ([`named_template`]). A tree may serve its answer file under a name of its own: when the
/// kind has one template and no seed is it by name, the source's only seed is it, or else its
/// only seed rendered through `templatefile`. Every other seed is a file beside the answer
/// file (the scripts an `autounattend.xml` runs from the CD), never a template.
pub fn assign_templates(installer: Installer, seeds: &mut [Seed]) {
    for seed in seeds.iter_mut() {
        seed.template = named_template(installer, seed);
    }
    let kind = crate::installer::kind(installer);
    let [only] = kind.templates else {
        return;
    };
    if seeds.iter().any(|s| s.template.is_some()) {
        return;
    }
    let rendered: Vec<usize> = (0..seeds.len())
        .filter(|i| seeds[*i].vars.is_some() || seeds[*i].file.is_some())
        .collect();
    let chosen = match (seeds.len(), rendered.as_slice()) {
        (1, _) => Some(0),
        (_, [one]) => Some(*one),
        _ => None,
    };
    if let Some(i) = chosen {
        seeds[i].template = Some(only);
    }
}

/// The bodies that hold a source's seed: its own and its `additional_iso_files` blocks.
fn seed_bodies(body: &Body) -> Vec<&Body> {
    let mut bodies = vec![body];
    bodies.extend(blocks(body, "additional_iso_files"));
    bodies
}

/// The `http_content`, `cd_content` and `floppy_content` entries of a body: the argument,
/// the name served and the value.
fn contents(body: &Body) -> impl Iterator<Item = (&'static str, &str, &Value)> {
    ["http_content", "cd_content", "floppy_content"]
        .into_iter()
        .filter_map(|name| match body.get(name).map(|a| &a.value) {
            Some(Value::Object(entries)) => Some((name, entries)),
            _ => None,
        })
        .flat_map(|(name, entries)| entries.iter().map(move |(k, v)| (name, k.as_str(), v)))
}

/// The variables a source passes to its seed templates, in the order written.
pub fn template_vars(body: &Body) -> Vec<(&str, &Value)> {
    let mut out = Vec::new();
    for body in seed_bodies(body) {
        for (_, _, value) in contents(body) {
            if let Value::Template { vars, .. } = value
                && let Value::Object(vars) = vars.as_ref()
            {
                out.extend(vars.iter().map(|(k, v)| (k.as_str(), v)));
            }
        }
    }
    out
}

/// The seed files of a source: `http_content`, `cd_content` and `cd_files` (also in
/// `additional_iso_files`), `floppy_content`, `floppy_files` and `floppy_dirs`, and the files
/// of `http_directory`.
pub fn seeds(body: &Body) -> Vec<Seed> {
    let mut out = Vec::new();
    for inner in seed_bodies(body) {
        for (from, key, value) in contents(inner) {
            out.push(Seed {
                from,
                ..seed(key.trim_start_matches('/'), value)
            });
        }
        for disk in Disk::ALL {
            if let Some(Value::List(items)) = inner.get(disk.argument()).map(|a| &a.value) {
                for item in items {
                    if let Value::String(path) = item {
                        out.extend(files(path, disk));
                    }
                }
            }
        }
    }
    if let Some(dir) = text(body, "http_directory") {
        out.extend(listed(Path::new(dir)));
    }
    out
}

/// The seed of one `http_content`/`cd_content` entry.
fn seed(served: &str, value: &Value) -> Seed {
    let vars = match value {
        Value::Template { vars, .. } => Some((**vars).clone()),
        _ => None,
    };
    let (file, content) = match value {
        Value::Template { path, .. } => (
            path.file_name().map(|f| f.to_string_lossy().into_owned()),
            std::fs::read_to_string(path).ok(),
        ),
        Value::File { path } => (None, std::fs::read_to_string(path).ok()),
        Value::String(s) => (None, Some(s.clone())),
        _ => (None, None),
    };
    Seed {
        served: served.to_owned(),
        file,
        content,
        vars,
        path: None,
        from: "cd_content",
        listed: false,
        template: None,
    }
}

/// The arguments that put files on a disk the installer reads, and how each lays a folder out
/// there (packer-plugin-sdk `multistep/commonsteps`). In each, an entry with `*`, `?` or `[` is
/// a `filepath.Glob` pattern (`CDConfig.Prepare`, `StepCreateFloppy.Run`), and a file lands at
/// the root under its name.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Disk {
    /// `cd_files` (`StepCreateCD.AddFile`): a folder is copied whole under its own name, or
    /// its content at the root when the entry ends with `/`.
    Cd,
    /// `floppy_files` (`StepCreateFloppy.Run`, "copy them flatly"): every file under a folder
    /// lands at the root under its name.
    FloppyFiles,
    /// `floppy_dirs` (`StepCreateFloppy.Add`): a folder is copied whole under its own name.
    FloppyDirs,
}

impl Disk {
    const ALL: [Disk; 3] = [Disk::Cd, Disk::FloppyFiles, Disk::FloppyDirs];

    fn argument(self) -> &'static str {
        match self {
            Disk::Cd => "cd_files",
            Disk::FloppyFiles => "floppy_files",
            Disk::FloppyDirs => "floppy_dirs",
        }
    }
}

/// The files an entry of `disk`'s argument puts on the disk, as seeds served at their place
/// there (see [`Disk`]).
fn files(entry: &str, disk: Disk) -> Vec<Seed> {
    let read = |p: &Path, served: String| Seed {
        from: disk.argument(),
        ..file_seed(p, served, false)
    };
    let mut out = Vec::new();
    for path in glob(entry) {
        if path.is_dir() {
            let own = path
                .file_name()
                .filter(|_| match disk {
                    Disk::Cd => !entry.ends_with('/'),
                    Disk::FloppyDirs => true,
                    Disk::FloppyFiles => false,
                })
                .map(|n| n.to_string_lossy().into_owned());
            for file in walkdir::WalkDir::new(&path)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
            {
                let Ok(inside) = file.path().strip_prefix(&path) else {
                    continue;
                };
                let inside = inside.to_string_lossy().replace('\\', "/");
                let served = match (&own, disk) {
                    (_, Disk::FloppyFiles) => file.file_name().to_string_lossy().into_owned(),
                    (Some(own), _) => format!("{own}/{inside}"),
                    (None, _) => inside,
                };
                out.push(read(file.path(), served));
            }
        } else {
            let served = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push(read(&path, served));
        }
    }
    out
}

/// The files directly in an `http_directory`, served by name ([`Seed::listed`]).
fn listed(dir: &Path) -> Vec<Seed> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    entries
        .iter()
        .map(|p| {
            let served = p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            file_seed(p, served, true)
        })
        .collect()
}

/// The largest file read as text: an answer file is a few kilobytes, while a folder on a
/// CD may hold driver images of hundreds of megabytes, which are copied, never read as text.
const TEXT_AT_MOST: u64 = 4 << 20;

/// The seed of a file served as it is.
fn file_seed(path: &Path, served: String, listed: bool) -> Seed {
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= TEXT_AT_MOST);
    Seed {
        served,
        file: None,
        content: small.then(|| std::fs::read_to_string(path).ok()).flatten(),
        vars: None,
        path: Some(path.to_path_buf()),
        from: if listed { "http_directory" } else { "cd_files" },
        listed,
        template: None,
    }
}

/// The paths a `cd_files` entry names: the entry itself, or the matches of the pattern when it
/// has `*`, `?` or `[` (Go's `filepath.Glob`: each component matched within its folder,
/// matches in name order; hidden files match `*` too).
fn glob(entry: &str) -> Vec<PathBuf> {
    if !entry.contains(['*', '?', '[']) {
        return vec![PathBuf::from(entry)];
    }
    let path = Path::new(entry);
    let mut found = vec![PathBuf::new()];
    for component in path.components() {
        let part = component.as_os_str().to_string_lossy();
        if !part.contains(['*', '?', '[']) {
            found.iter_mut().for_each(|f| f.push(component));
            continue;
        }
        let mut next = Vec::new();
        for folder in &found {
            let dir = if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                folder.as_path()
            };
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| glob_match(&part, name))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|name| folder.join(name)));
        }
        found = next;
    }
    found.retain(|p| p.exists());
    found
}

/// Whether `name` matches the pattern `pattern` as Go's `filepath.Match` reads it: `*` any
/// run of characters, `?` one character, `[...]` a class (`^` negates, `a-z` ranges), `\\`
/// escapes.
fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => {
                let Some(end) = p.iter().skip(1).position(|c| *c == ']').map(|i| i + 1) else {
                    return false;
                };
                let Some(c) = n.first() else {
                    return false;
                };
                let class = &p[1..end];
                let (negated, class) = match class.first() {
                    Some('^') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        hit |= class[i] <= *c && *c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == *c;
                        i += 1;
                    }
                }
                hit != negated && go(&p[end + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && go(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table is what Go's `filepath.Match` answers for each pair (Go 1.19, the
    /// function `CDConfig.Prepare` globs `cd_files` with).
    #[test]
    fn patterns_match_as_go_matches_them() {
        let cases = [
            ("*", "a.ps1", true),
            ("*", ".hidden", true),
            ("*.ps1", "a.ps1", true),
            ("*.ps1", "a.ps1x", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("[a-c]x", "bx", true),
            ("[^a-c]x", "bx", false),
            ("[^a-c]x", "dx", true),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("[ab", "a", false),
        ];
        for (pattern, name, matches) in cases {
            assert_eq!(glob_match(pattern, name), matches, "{pattern} {name}");
        }
    }

    /// Where each `cd_files` form puts a folder's files on the CD (packer-plugin-sdk
    /// `StepCreateCD.AddFile`): a glob's matches at the root, a folder under its own name, a
    /// folder written with a trailing `/` at the root. Packer 1.6.6's own CD step lays out the
    /// glob (`tests/it/plugin_behaviour.rs`) and the trailing `/` (`tests/it/import.rs`,
    /// `an_imported_windows_cd_holds_what_the_trees_cd_held`) the same way. An
    /// `http_directory` serves the files directly in it, by name.
    #[test]
    fn cd_files_entries_are_laid_out_as_packer_lays_them_out() {
        let dir = crate::output::tests::scratch("import-source-cd-files");
        for path in ["windows/a.ps1", "windows/drivers/b.inf", "windows/.c"] {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().expect("a folder")).expect("a folder");
            std::fs::write(file, path).expect("written");
        }
        let seeds = |entry: &str, http: bool| {
            if http {
                listed(Path::new(entry))
            } else {
                files(entry, Disk::Cd)
            }
        };
        let served = |entry: &str, http: bool| -> Vec<(String, String)> {
            seeds(entry, http)
                .into_iter()
                .map(|seed| (seed.served, seed.content.unwrap_or_default()))
                .collect()
        };
        let base = dir.display().to_string();
        let all = [
            (".c", "windows/.c"),
            ("a.ps1", "windows/a.ps1"),
            ("drivers/b.inf", "windows/drivers/b.inf"),
        ];
        let at = |prefix: &str| -> Vec<(String, String)> {
            all.iter()
                .map(|(name, content)| (format!("{prefix}{name}"), (*content).to_owned()))
                .collect()
        };
        // The glob matches `drivers` too, a folder, which keeps its name.
        assert_eq!(served(&format!("{base}/windows/*"), false), at(""));
        assert_eq!(served(&format!("{base}/windows"), false), at("windows/"));
        assert_eq!(served(&format!("{base}/windows/"), false), at(""));
        assert_eq!(
            served(&format!("{base}/windows"), true),
            [
                (".c".to_owned(), "windows/.c".to_owned()),
                ("a.ps1".to_owned(), "windows/a.ps1".to_owned())
            ]
        );
        assert!(
            seeds(&format!("{base}/windows"), true)
                .iter()
                .all(|s| s.listed)
        );
        assert!(
            !seeds(&format!("{base}/windows"), false)
                .iter()
                .any(|s| s.listed)
        );
        assert_eq!(
            served(&format!("{base}/*/a.ps1"), false),
            [("a.ps1".to_owned(), "windows/a.ps1".to_owned())]
        );
        assert_eq!(served(&format!("{base}/none/*"), false), []);
    }
    /// Where `floppy_files` and `floppy_dirs` put a folder's files (packer-plugin-sdk
    /// `StepCreateFloppy.Run`, which copies `floppy_files` "flatly", and
    /// `StepCreateFloppy.Add`, which keeps a `floppy_dirs` folder under its own name).
    #[test]
    fn floppy_entries_are_laid_out_as_packer_lays_them_out() {
        let dir = crate::output::tests::scratch("import-source-floppy");
        for path in ["answer/Autounattend.xml", "answer/scripts/a.ps1"] {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().expect("a folder")).expect("a folder");
            std::fs::write(file, path).expect("written");
        }
        let served = |entry: &str, disk: Disk| -> Vec<(String, &'static str)> {
            files(entry, disk)
                .into_iter()
                .map(|seed| (seed.served, seed.from))
                .collect()
        };
        let base = dir.display().to_string();
        assert_eq!(
            served(&format!("{base}/answer"), Disk::FloppyFiles),
            [
                ("Autounattend.xml".to_owned(), "floppy_files"),
                ("a.ps1".to_owned(), "floppy_files")
            ]
        );
        assert_eq!(
            served(&format!("{base}/answer/"), Disk::FloppyDirs),
            [
                ("answer/Autounattend.xml".to_owned(), "floppy_dirs"),
                ("answer/scripts/a.ps1".to_owned(), "floppy_dirs")
            ]
        );
        assert_eq!(
            served(&format!("{base}/answer/*.xml"), Disk::FloppyFiles),
            [("Autounattend.xml".to_owned(), "floppy_files")]
        );
    }
    /// A large file on the disk (a driver image) is served and copied, but not read as text.
    #[test]
    fn a_large_file_is_not_read_as_text() {
        let dir = crate::output::tests::scratch("import-source-large");
        std::fs::write(dir.join("small.ps1"), "small").expect("written");
        let large = vec![b'x'; usize::try_from(TEXT_AT_MOST).expect("fits") + 1];
        std::fs::write(dir.join("virtio.img"), large).expect("written");
        let seeds = files(&format!("{}/*", dir.display()), Disk::Cd);
        let read: Vec<(&str, bool, bool)> = seeds
            .iter()
            .map(|s| (s.served.as_str(), s.content.is_some(), s.path.is_some()))
            .collect();
        assert_eq!(
            read,
            [("small.ps1", true, true), ("virtio.img", false, true)]
        );
    }
}
