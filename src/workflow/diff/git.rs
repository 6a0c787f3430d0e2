//! The base side of a diff: the repository's tree at a git revision, read from git's object
//! store (`git ls-tree` lists it, one `git cat-file --batch` reads the files on demand), so
//! that neither the work tree nor the repository's index is touched and nothing is written.
//!
//! It runs the `git` binary and nothing else. [`Tree`] answers the compiler's questions about
//! the repository's files ([`Files`]) as the work tree would if the revision were checked out:
//! a link is followed inside the tree, and one that leads out of it leads nowhere.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use super::DiffError;
use crate::source::{Files, Kind};

/// The revision a diff compares with, and where the spec is at both sides.
#[derive(Debug)]
pub struct Base {
    /// The revision as the user wrote it (`main`).
    pub revision: String,
    /// The commit it resolves to.
    pub commit: String,
    /// The work tree's spec file.
    pub head_spec: PathBuf,
    /// The work tree's root (`git rev-parse --show-toplevel`).
    pub head_root: PathBuf,
    /// The spec file relative to the repository root, `/`-separated (`spec/hybrid.yaml`).
    pub spec_relative: String,
    /// The repository's files at the revision.
    pub tree: Tree,
}

/// git with `args`, to run in `dir` with its input closed and its output captured.
fn git(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// What went wrong when git could not be run, for a message.
fn cannot_run(error: std::io::Error) -> String {
    format!("cannot run `git`: {error}")
}

/// Finds the repository that holds `spec` (a file, or a folder holding `hybrid.yaml`) and lists
/// its tree at `revision`.
///
/// # Errors
/// When `spec` is not in a git work tree, `revision` names no commit, the spec is outside the
/// repository, or git cannot list the tree.
pub fn base(spec: &Path, revision: &str) -> Result<Base, DiffError> {
    let file = crate::source::resolve(spec);
    let shown_root = crate::source::repository_root(&file);
    let file = std::path::absolute(&file).map_err(|e| DiffError(e.to_string()))?;
    let folder = file.parent().unwrap_or(Path::new("/"));
    if !folder.is_dir() {
        return Err(DiffError(format!(
            "cannot read the spec `{}`: no such folder",
            spec.display()
        )));
    }
    let not_a_repository = || {
        DiffError(format!(
            "`{}` is not in a git repository; `diff` compares with a git revision",
            spec.display()
        ))
    };
    let target = format!("{revision}^{{commit}}");
    // The listing and the reader of blobs start while rev-parse finds the root and the commit.
    let listing = git(
        folder,
        &[
            "ls-tree",
            "-r",
            "-z",
            "--full-tree",
            "--end-of-options",
            &target,
        ],
    )
    .spawn();
    let blobs = Batch::start(folder);
    // One git for both: the root comes first, and the commit only when the revision names one.
    let found = git(
        folder,
        &[
            "rev-parse",
            "--show-toplevel",
            "--verify",
            "--quiet",
            "--end-of-options",
            &target,
        ],
    )
    .output();
    // Waited for whatever rev-parse says.
    let listing = listing
        .and_then(Child::wait_with_output)
        .map_err(cannot_run);
    let out = found.map_err(|e| DiffError(cannot_run(e)))?.stdout;
    let out = String::from_utf8_lossy(&out);
    let mut lines = out.lines().map(str::trim).filter(|l| !l.is_empty());
    let head_root = PathBuf::from(lines.next().ok_or_else(not_a_repository)?);
    let commit = lines
        .next()
        .ok_or_else(|| DiffError(format!("unknown revision `{revision}`")))?
        .to_owned();
    let canonical_root = head_root.canonicalize().unwrap_or(head_root.clone());
    let canonical_folder = folder.canonicalize().unwrap_or(folder.to_path_buf());
    let name = file.file_name().unwrap_or_default();
    let relative = canonical_folder
        .join(name)
        .strip_prefix(&canonical_root)
        .map(Path::to_path_buf)
        .map_err(|_| {
            DiffError(format!(
                "the spec `{}` is outside the repository `{}`",
                spec.display(),
                head_root.display()
            ))
        })?;
    let failed = |what: String| DiffError(format!("cannot read `{revision}` from git: {what}"));
    let listing = listing.map_err(failed)?;
    if !listing.status.success() {
        let stderr = String::from_utf8_lossy(&listing.stderr);
        let first = stderr.lines().next().unwrap_or("git failed").trim();
        return Err(failed(first.to_owned()));
    }
    let tree = Tree::new(shown_root, head_root.clone(), &listing.stdout, blobs);
    Ok(Base {
        revision: revision.to_owned(),
        commit,
        head_spec: file.clone(),
        head_root,
        spec_relative: relative.to_string_lossy().replace('\\', "/"),
        tree,
    })
}

/// What a tree entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A file (executable or not).
    File,
    /// A symbolic link; its blob holds the target.
    Link,
    /// A submodule: a folder in a work tree.
    Submodule,
}

/// The repository's files at a revision: git's listing, and the blobs read on demand.
#[derive(Debug)]
pub struct Tree {
    /// The repository root, as shown in messages.
    root: PathBuf,
    /// Where git runs.
    repository: PathBuf,
    /// Every entry by path, with its blob id.
    entries: BTreeMap<String, (Mode, String)>,
    /// Every folder that holds an entry.
    folders: BTreeSet<String>,
    /// `git cat-file --batch`, started on the first read.
    blobs: Mutex<Option<Batch>>,
}

/// Where a path leads inside a tree.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// To this path, which no link is on.
    Inside(String),
    /// Out of the tree, through a link.
    Outside,
    /// Nowhere: a loop of links, or one git cannot read.
    Nowhere,
}

/// Links followed on one path at most, as the kernel does (`ELOOP`).
const MAX_LINKS: usize = 40;

impl Tree {
    /// The tree of `git ls-tree -r -z` output, read through git in `repository`, with `blobs`
    /// when it has started.
    fn new(root: PathBuf, repository: PathBuf, listing: &[u8], blobs: Option<Batch>) -> Self {
        let mut entries = BTreeMap::new();
        let mut folders = BTreeSet::new();
        for record in listing.split(|b| *b == 0) {
            // `<mode> <type> <id>\t<path>`
            let Some(tab) = record.iter().position(|b| *b == b'\t') else {
                continue;
            };
            let head = String::from_utf8_lossy(&record[..tab]);
            let path = String::from_utf8_lossy(&record[tab + 1..]).into_owned();
            let mut fields = head.split(' ');
            let (Some(mode), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let mode = match mode {
                "120000" => Mode::Link,
                "160000" => Mode::Submodule,
                _ => Mode::File,
            };
            let mut parent = path.as_str();
            while let Some(slash) = parent.rfind('/') {
                parent = &parent[..slash];
                if !folders.insert(parent.to_owned()) {
                    break;
                }
            }
            entries.insert(path, (mode, id.to_owned()));
        }
        Tree {
            root,
            repository,
            entries,
            folders,
            blobs: Mutex::new(blobs),
        }
    }

    /// The blob `id`, through the one `git cat-file --batch` of this tree.
    fn blob(&self, id: &str) -> Option<Vec<u8>> {
        let mut blobs = self.blobs.lock().unwrap_or_else(|p| p.into_inner());
        if blobs.is_none() {
            *blobs = Batch::start(&self.repository);
        }
        let batch = blobs.as_mut()?;
        let read = batch.read(id);
        if read.is_none() {
            // A broken pipe or an answer out of step: the next read starts over.
            *blobs = None;
        }
        read.flatten()
    }

    /// The blob id of the file at `path`.
    fn id(&self, path: &str) -> Option<&str> {
        let Resolved::Inside(path) = self.resolve(path) else {
            return None;
        };
        match self.entries.get(&path) {
            Some((Mode::File, id)) => Some(id),
            _ => None,
        }
    }

    /// The blobs `ids`, in order, asked for all at once: git answers while they are written.
    fn blobs(&self, ids: &[&str]) -> Vec<Option<Vec<u8>>> {
        let mut blobs = self.blobs.lock().unwrap_or_else(|p| p.into_inner());
        if blobs.is_none() {
            *blobs = Batch::start(&self.repository);
        }
        let answers = blobs.as_mut().map(|batch| batch.read_all(ids));
        match answers {
            Some(Some(answers)) => answers,
            _ => {
                // git did not answer them all: the next read starts over.
                *blobs = None;
                vec![None; ids.len()]
            }
        }
    }

    /// Follows the links on `path` (`/`-separated, from the root).
    fn resolve(&self, path: &str) -> Resolved {
        let mut pending: Vec<String> = path.split('/').rev().map(str::to_owned).collect();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    if done.pop().is_none() {
                        return Resolved::Outside;
                    }
                    continue;
                }
                _ => {}
            }
            done.push(part);
            let here = done.join("/");
            let Some((Mode::Link, id)) = self.entries.get(&here) else {
                continue;
            };
            links += 1;
            let target = match self.blob(id) {
                Some(target) if links <= MAX_LINKS => target,
                _ => return Resolved::Nowhere,
            };
            let target = String::from_utf8_lossy(&target).into_owned();
            if target.starts_with('/') {
                return Resolved::Outside;
            }
            done.pop();
            pending.extend(target.split('/').rev().map(str::to_owned));
        }
        Resolved::Inside(done.join("/"))
    }

    /// What is at `path`, which no link is on.
    fn kind_of(&self, path: &str) -> Kind {
        if path.is_empty() || self.folders.contains(path) {
            return Kind::Folder;
        }
        match self.entries.get(path) {
            Some((Mode::File, _)) => Kind::File,
            Some((Mode::Submodule, _)) => Kind::Folder,
            Some((Mode::Link, _)) | None => Kind::Missing,
        }
    }
}

impl Files for Tree {
    fn root(&self) -> &Path {
        &self.root
    }

    fn kind(&self, path: &str) -> Kind {
        match self.resolve(path) {
            Resolved::Inside(path) => self.kind_of(&path),
            Resolved::Outside | Resolved::Nowhere => Kind::Missing,
        }
    }

    fn escapes(&self, path: &str) -> bool {
        self.resolve(path) == Resolved::Outside
    }

    fn list(&self, path: &str) -> Vec<(String, Kind)> {
        let Resolved::Inside(folder) = self.resolve(path) else {
            return Vec::new();
        };
        if self.kind_of(&folder) != Kind::Folder {
            return Vec::new();
        }
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for entry in self
            .entries
            .range(prefix.clone()..)
            .map(|(p, _)| p)
            .take_while(|p| p.starts_with(&prefix))
        {
            let rest = &entry[prefix.len()..];
            names.insert(rest.split('/').next().unwrap_or(rest));
        }
        names
            .into_iter()
            .map(|name| (name.to_owned(), self.kind(&format!("{prefix}{name}"))))
            .collect()
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.blob(self.id(path)?)
    }

    fn read_all(&self, paths: &[&str]) -> Vec<Option<Vec<u8>>> {
        let ids: Vec<Option<&str>> = paths.iter().map(|path| self.id(path)).collect();
        let wanted: Vec<&str> = ids.iter().flatten().copied().collect();
        let mut blobs = self.blobs(&wanted).into_iter();
        ids.iter()
            .map(|id| id.and_then(|_| blobs.next().flatten()))
            .collect()
    }
}

/// A running `git cat-file --batch`: one blob id in, its header and bytes out.
#[derive(Debug)]
struct Batch {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Batch {
    fn start(repository: &Path) -> Option<Batch> {
        let mut child = Command::new("git")
            .args(["cat-file", "--batch"])
            .current_dir(repository)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let input = child.stdin.take()?;
        let output = BufReader::new(child.stdout.take()?);
        Some(Batch {
            child,
            input,
            output,
        })
    }

    /// The blob `id`: `Some(None)` when git has no such blob, `None` when git did not answer.
    fn read(&mut self, id: &str) -> Option<Option<Vec<u8>>> {
        writeln!(self.input, "{id}").ok()?;
        self.input.flush().ok()?;
        self.answer(id)
    }

    /// The blobs `ids`, in order, written on another thread while git's answers are read, so
    /// that neither side waits for the other; `None` when git did not answer them all.
    fn read_all(&mut self, ids: &[&str]) -> Option<Vec<Option<Vec<u8>>>> {
        let (input, answers, child) = (&mut self.input, &mut self.output, &mut self.child);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                let mut requests = String::new();
                for id in ids {
                    requests.push_str(id);
                    requests.push('\n');
                }
                let _ = input.write_all(requests.as_bytes());
                let _ = input.flush();
            });
            let read: Option<Vec<_>> = ids
                .iter()
                .map(|id| Self::answer_from(answers, id))
                .collect();
            if read.is_none() {
                // An answer out of step: git may be waiting to write more, and the writer for
                // git to read more. Ending git ends both.
                let _ = child.kill();
            }
            read
        })
    }

    /// git's answer for blob `id`.
    fn answer(&mut self, id: &str) -> Option<Option<Vec<u8>>> {
        Self::answer_from(&mut self.output, id)
    }

    /// git's answer for blob `id`, read from `output`.
    fn answer_from(output: &mut BufReader<ChildStdout>, id: &str) -> Option<Option<Vec<u8>>> {
        let mut header = String::new();
        output.read_line(&mut header).ok()?;
        // `<id> <type> <size>`, or `<id> missing`.
        let mut fields = header.split_whitespace();
        if fields.next() != Some(id) {
            return None;
        }
        let (Some("blob"), Some(size)) = (fields.next(), fields.next()) else {
            return Some(None);
        };
        let size: usize = size.parse().ok()?;
        let mut bytes = vec![0; size + 1];
        output.read_exact(&mut bytes).ok()?;
        // The blob is followed by a line break.
        bytes.pop();
        Some(Some(bytes))
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Its input closes as the fields drop; git then ends, and is reaped here.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, &str)]) -> Tree {
        let mut listing = Vec::new();
        for (mode, path) in entries {
            listing.extend_from_slice(format!("{mode} blob 0000\t{path}\0").as_bytes());
        }
        Tree::new(PathBuf::from("."), PathBuf::from("."), &listing, None)
    }

    #[test]
    fn folders_come_from_the_paths_below_them() {
        let t = tree(&[("100644", "builds/a/ks.cfg"), ("100755", "scripts/x.sh")]);
        assert_eq!(t.kind("builds"), Kind::Folder);
        assert_eq!(t.kind("builds/a/"), Kind::Folder);
        assert_eq!(t.kind("./builds/a/ks.cfg"), Kind::File);
        assert_eq!(t.kind("builds/b"), Kind::Missing);
        assert_eq!(t.kind("scripts/../builds/a/ks.cfg"), Kind::File);
        assert_eq!(t.kind("../scripts/x.sh"), Kind::Missing);
        assert_eq!(t.list("builds/a"), vec![("ks.cfg".to_owned(), Kind::File)]);
        assert_eq!(
            t.list(""),
            vec![
                ("builds".to_owned(), Kind::Folder),
                ("scripts".to_owned(), Kind::Folder)
            ]
        );
        assert!(!t.escapes("scripts/x.sh"));
    }
}
