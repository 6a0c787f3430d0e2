//! Reading the spec file: where it is, whether it is text, and whether it has a usable top level;
//! and [`Files`], how every later stage looks at the repository's other files.
//!
//! Owns the checks that come before and right after YAML parsing: size cap, UTF-8, empty file,
//! a top level that is not a mapping. It reads the spec file, and the repository's files only
//! through a [`Files`] (the work tree is [`Disk`]; `diff` reads a git revision through one of its
//! own); it never writes.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, SourceFile, Span};
use crate::error::Error;
use crate::yaml::{Node, Value};

/// File name of the spec inside a spec folder.
pub const SPEC_FILE: &str = "hybrid.yaml";

/// Largest spec accepted, in bytes.
pub const MAX_SIZE: u64 = 4 * 1024 * 1024;

/// `spec/` means `spec/hybrid.yaml`; a file path is used as is.
pub fn resolve(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(SPEC_FILE)
    } else {
        path.to_path_buf()
    }
}

/// The repository root: the folder that holds the spec's folder (`spec/hybrid.yaml` -> `.`).
pub fn repository_root(file: &Path) -> PathBuf {
    let folder = file.parent().unwrap_or(Path::new(""));
    let root = folder.parent().unwrap_or(Path::new(""));
    if root.as_os_str().is_empty() {
        // `hybrid.yaml` in the current folder: its parent is `..` of the current folder.
        if folder.as_os_str().is_empty() {
            return PathBuf::from("..");
        }
        return PathBuf::from(".");
    }
    root.to_path_buf()
}

/// Reads the spec file as UTF-8 text within the size cap.
///
/// # Errors
/// [`Error::Read`] when the file cannot be opened or read; [`Error::Invalid`] when it is too
/// large, not UTF-8 or empty.
pub fn read(file: &Path) -> Result<SourceFile, Error> {
    let read_error = |e: std::io::Error| Error::Read {
        path: file.to_path_buf(),
        message: e.to_string(),
    };
    let handle = std::fs::File::open(file).map_err(read_error)?;
    if handle.metadata().map_err(read_error)?.is_dir() {
        return Err(Error::Read {
            path: file.to_path_buf(),
            message: "is a folder".into(),
        });
    }
    let mut bytes = Vec::new();
    handle
        .take(MAX_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    decode(file.display().to_string(), bytes)
}

/// Checks the bytes of a spec named `name` (its path as shown in diagnostics): within the size
/// cap, UTF-8 and not empty. `bytes` may stop one byte after the cap.
///
/// # Errors
/// [`Error::Invalid`] when they are too many, not UTF-8 or empty.
pub fn decode(name: String, bytes: Vec<u8>) -> Result<SourceFile, Error> {
    if bytes.len() as u64 > MAX_SIZE {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
        let first_line = first_line(&head).to_owned();
        let end = first_line.len();
        let source = SourceFile::new(name, first_line);
        return Err(Error::Invalid {
            file: source,
            diagnostics: vec![
                Diagnostic::error(
                    Code::TooLarge,
                    format!("the spec is larger than {} MiB", MAX_SIZE / 1024 / 1024),
                    Span::new(0, end),
                    "file starts here",
                )
                .with_help("a spec this large is almost certainly not a spec; check the path"),
            ],
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            if text.trim().is_empty() {
                return Err(Error::Invalid {
                    file: SourceFile::new(name, text),
                    diagnostics: vec![empty()],
                });
            }
            Ok(SourceFile::new(name, text))
        }
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            // Everything before `at` is valid UTF-8, so offsets in the lossy text match there.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            Err(Error::Invalid {
                file: SourceFile::new(name, text),
                diagnostics: vec![
                    Diagnostic::error(
                        Code::NotUtf8,
                        "the spec is not valid UTF-8",
                        Span::new(at, end),
                        "invalid byte here",
                    )
                    .with_help("save the file as UTF-8"),
                ],
            })
        }
    }
}

fn empty() -> Diagnostic {
    Diagnostic::error(
        Code::Empty,
        "the spec is empty",
        Span::new(0, 0),
        "nothing here",
    )
    .with_help(
        "start from the example: `version: 1`, then `platforms`, `oses` and the other sections",
    )
}

/// The text before the first line break (LF, CRLF or a lone CR, as the YAML parser reads them).
fn first_line(text: &str) -> &str {
    text.split(['\n', '\r']).next().unwrap_or_default()
}

/// The top level must be a mapping with content.
///
/// # Errors
/// A diagnostic when the document is empty (only comments) or not a mapping.
pub fn check_top_level(tree: &Node, source: &SourceFile) -> Result<(), Vec<Diagnostic>> {
    match &tree.value {
        Value::Map(_) => Ok(()),
        Value::Null => {
            let mut d = empty();
            let end = first_line(&source.text).len();
            d.primary.span = Span::new(0, end);
            d.primary.text = "only comments".into();
            Err(vec![d])
        }
        other => {
            let found = match other {
                Value::Seq(_) => "a list",
                _ => "a single value",
            };
            Err(vec![Diagnostic::error(
                Code::NotAMapping,
                format!("the top level of the spec must be a mapping of keys, found {found}"),
                tree.span,
                "expected `key: value` lines",
            )
            .with_help("the spec starts with `version: 1` followed by `platforms:`, `oses:` and the other sections")])
        }
    }
}

/// What a repository path is, after following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing, or a link to nothing.
    Missing,
    /// A file.
    File,
    /// A folder.
    Folder,
    /// Something else: a socket, a device.
    Other,
}

/// Read access to the repository's files, by `/`-separated paths relative to its root as the
/// spec writes them: the work tree ([`Disk`]), or a git revision's tree.
pub trait Files: Sync + std::fmt::Debug {
    /// The repository root, as shown in messages.
    fn root(&self) -> &Path;
    /// What is at `path`.
    fn kind(&self, path: &str) -> Kind;
    /// Whether `path`, which stays inside the repository as written, leads out of it through
    /// a link.
    fn escapes(&self, path: &str) -> bool;
    /// The names of the entries directly in the folder `path`, with what each is, in no
    /// particular order; nothing when it is not a folder.
    fn list(&self, path: &str) -> Vec<(String, Kind)>;
    /// The bytes of the file at `path`, or `None` when there is no file to read.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// [`Files::read`] of each of `paths`, in order: for a tree that reads faster many at once.
    fn read_all(&self, paths: &[&str]) -> Vec<Option<Vec<u8>>> {
        paths.iter().map(|path| self.read(path)).collect()
    }
}

/// The repository in the work tree, under `root`.
#[derive(Debug, Clone)]
pub struct Disk {
    root: PathBuf,
}

impl Disk {
    /// The work tree under `root`.
    pub fn new(root: PathBuf) -> Self {
        Disk { root }
    }
}

impl Files for Disk {
    fn root(&self) -> &Path {
        &self.root
    }

    fn kind(&self, path: &str) -> Kind {
        match std::fs::metadata(self.root.join(path)) {
            Ok(meta) if meta.is_dir() => Kind::Folder,
            Ok(meta) if meta.is_file() => Kind::File,
            Ok(_) => Kind::Other,
            Err(_) => Kind::Missing,
        }
    }

    fn escapes(&self, path: &str) -> bool {
        let (Ok(root), Ok(target)) = (
            self.root.canonicalize(),
            self.root.join(path).canonicalize(),
        ) else {
            return false;
        };
        !target.starts_with(root)
    }

    fn list(&self, path: &str) -> Vec<(String, Kind)> {
        let Ok(entries) = std::fs::read_dir(self.root.join(path)) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                // The entry's own type needs no look-up; a link is followed.
                let kind = match entry.file_type() {
                    Ok(t) if t.is_dir() => Kind::Folder,
                    Ok(t) if t.is_file() => Kind::File,
                    Ok(t) if !t.is_symlink() => Kind::Other,
                    _ => self.kind(&format!("{}/{name}", path.trim_end_matches('/'))),
                };
                Some((name, kind))
            })
            .collect()
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(self.root.join(path)).ok()
    }
}

/// How long after its last change a file's times are trusted to tell it from a later version:
/// the kernel stamps a change with a clock that may lag a few milliseconds, so two writes of
/// the same length in quick succession can carry the same times.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// The repository files read by earlier checks of one document, kept for the next: a file is
/// read again unless it is the same file (device and inode), of the same length, with the same
/// modification and change times, and had not changed for [`SETTLED`] when it was read. (A
/// change after that read gets a later change time, which user space cannot set back.)
#[derive(Debug, Default)]
pub struct Reads {
    files: std::sync::Mutex<std::collections::HashMap<String, Kept>>,
    kept: std::sync::atomic::AtomicUsize,
}

impl Reads {
    /// How many reads were answered from what was kept.
    pub fn kept(&self) -> usize {
        self.kept.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A file as it was read, and what it was then.
type Kept = (Stamp, Box<[u8]>);

/// What tells one version of a file from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    device: u64,
    inode: u64,
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            device: meta.dev(),
            inode: meta.ino(),
            len: meta.size(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// Whether the file had not changed for [`SETTLED`] at `now`.
    fn settled(&self, now: std::time::SystemTime) -> bool {
        let Ok(now) = now.duration_since(std::time::UNIX_EPOCH) else {
            return false;
        };
        let (seconds, nanos) = self.changed;
        let changed = std::time::Duration::new(
            u64::try_from(seconds).unwrap_or(u64::MAX),
            u32::try_from(nanos).unwrap_or(0),
        );
        changed.saturating_add(SETTLED) <= now
    }
}

/// The work tree ([`Disk`]), reading each file through `reads`: what a language server checks
/// again after every edit.
#[derive(Debug)]
pub struct Remembered<'r> {
    disk: Disk,
    reads: &'r Reads,
}

impl<'r> Remembered<'r> {
    /// The work tree under `root`, with what earlier checks read.
    pub fn new(root: PathBuf, reads: &'r Reads) -> Self {
        Remembered {
            disk: Disk::new(root),
            reads,
        }
    }
}

impl Files for Remembered<'_> {
    fn root(&self) -> &Path {
        self.disk.root()
    }

    fn kind(&self, path: &str) -> Kind {
        self.disk.kind(path)
    }

    fn escapes(&self, path: &str) -> bool {
        self.disk.escapes(path)
    }

    fn list(&self, path: &str) -> Vec<(String, Kind)> {
        self.disk.list(path)
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let full = self.disk.root.join(path);
        let Some(meta) = std::fs::metadata(&full)
            .ok()
            .filter(std::fs::Metadata::is_file)
        else {
            return self.disk.read(path);
        };
        // Looked at before the file is read: a change while it is read leaves a later stamp.
        let stamp = Stamp::of(&meta);
        let settled = stamp.settled(std::time::SystemTime::now());
        // A poisoned lock only means another rule panicked; what it holds is still right.
        let lock = || self.reads.files.lock().unwrap_or_else(|p| p.into_inner());
        if settled {
            let kept = lock()
                .get(path)
                .filter(|(kept, _)| *kept == stamp)
                .map(|(_, bytes)| bytes.to_vec());
            if kept.is_some() {
                self.reads
                    .kept
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return kept;
            }
        }
        let bytes = std::fs::read(&full).ok();
        match &bytes {
            Some(read) if settled => {
                lock().insert(path.to_owned(), (stamp, read.as_slice().into()));
            }
            _ => {
                lock().remove(path);
            }
        }
        bytes
    }
}

/// [`Files`] that looks each path up once: one check asks what is at the same path from
/// several rules (an OS's own installer template is looked for by the installer's rule, the
/// templates' rule and the repository facts), and the answers of one check agree.
#[derive(Debug)]
pub struct LookedUp<'f> {
    files: &'f dyn Files,
    kinds: std::sync::Mutex<std::collections::HashMap<String, Kind>>,
}

impl<'f> LookedUp<'f> {
    /// Nothing looked up yet.
    pub fn new(files: &'f dyn Files) -> Self {
        LookedUp {
            files,
            kinds: std::sync::Mutex::default(),
        }
    }
}

impl Files for LookedUp<'_> {
    fn root(&self) -> &Path {
        self.files.root()
    }

    fn kind(&self, path: &str) -> Kind {
        let known = |kinds: &std::collections::HashMap<String, Kind>| kinds.get(path).copied();
        // A poisoned lock only means another rule panicked; what it holds is still right.
        if let Some(kind) = known(&self.kinds.lock().unwrap_or_else(|p| p.into_inner())) {
            return kind;
        }
        let kind = self.files.kind(path);
        self.kinds
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.to_owned(), kind);
        kind
    }

    fn escapes(&self, path: &str) -> bool {
        self.files.escapes(path)
    }

    fn list(&self, path: &str) -> Vec<(String, Kind)> {
        self.files.list(path)
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.files.read(path)
    }

    fn read_all(&self, paths: &[&str]) -> Vec<Option<Vec<u8>>> {
        self.files.read_all(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_the_folder_above_the_spec_folder() {
        assert_eq!(
            repository_root(Path::new("spec/hybrid.yaml")),
            PathBuf::from(".")
        );
        assert_eq!(
            repository_root(Path::new("/r/spec/hybrid.yaml")),
            PathBuf::from("/r")
        );
        assert_eq!(
            repository_root(Path::new("hybrid.yaml")),
            PathBuf::from("..")
        );
    }

    /// A file's times are trusted once it has not changed for two seconds.
    #[test]
    fn a_file_is_settled_two_seconds_after_its_change() {
        let stamp = Stamp {
            device: 1,
            inode: 2,
            len: 3,
            modified: (1_000, 500),
            changed: (1_000, 500),
        };
        let at = |seconds, nanos| std::time::UNIX_EPOCH + std::time::Duration::new(seconds, nanos);
        assert!(!stamp.settled(at(1_000, 500)));
        assert!(!stamp.settled(at(1_002, 499)));
        assert!(stamp.settled(at(1_002, 500)));
        assert!(stamp.settled(at(5_000, 0)));
    }

    /// A file read again is the file as it is now: a new one is read each time, a settled one
    /// is kept until it changes, in place or replaced.
    #[test]
    fn a_file_is_read_again_unless_it_is_the_one_read_before() {
        let root = std::env::temp_dir().join(format!("hybridc-reads-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("a folder");
        let reads = Reads::default();
        let files = Remembered::new(root.clone(), &reads);
        let write = |text: &str| std::fs::write(root.join("t.txt"), text).expect("write");
        let read = || {
            files
                .read("t.txt")
                .map(|b| String::from_utf8(b).expect("UTF-8"))
        };
        write("one");
        assert_eq!(read().as_deref(), Some("one"));
        // Just written: the same length and maybe the same times, read again.
        write("two");
        assert_eq!(read().as_deref(), Some("two"));
        assert_eq!(reads.kept(), 0);
        std::thread::sleep(SETTLED + std::time::Duration::from_millis(100));
        assert_eq!(read().as_deref(), Some("two"));
        assert_eq!(read().as_deref(), Some("two"));
        assert_eq!(reads.kept(), 1, "the settled file is kept");
        // Changed in place, the same length.
        write("six");
        assert_eq!(read().as_deref(), Some("six"));
        // Replaced by another file.
        std::fs::write(root.join("new.txt"), "ten").expect("write");
        std::fs::rename(root.join("new.txt"), root.join("t.txt")).expect("rename");
        assert_eq!(read().as_deref(), Some("ten"));
        std::fs::remove_file(root.join("t.txt")).expect("remove");
        assert_eq!(read(), None);
        assert_eq!(files.read("."), None, "a folder is not read");
        let _ = std::fs::remove_dir_all(&root);
    }

    /// Each path is looked up once; every answer is the files' own.
    #[test]
    fn a_path_is_looked_up_once() {
        #[derive(Debug, Default)]
        struct Counted(std::sync::atomic::AtomicUsize);
        impl Files for Counted {
            fn root(&self) -> &Path {
                Path::new("/r")
            }
            fn kind(&self, path: &str) -> Kind {
                self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if path.ends_with('/') {
                    Kind::Folder
                } else {
                    Kind::File
                }
            }
            fn escapes(&self, _: &str) -> bool {
                false
            }
            fn list(&self, _: &str) -> Vec<(String, Kind)> {
                Vec::new()
            }
            fn read(&self, _: &str) -> Option<Vec<u8>> {
                None
            }
        }
        let counted = Counted::default();
        let looked_up = LookedUp::new(&counted);
        for _ in 0..3 {
            assert_eq!(looked_up.kind("a/"), Kind::Folder);
            assert_eq!(looked_up.kind("a/b"), Kind::File);
        }
        assert_eq!(counted.0.load(std::sync::atomic::Ordering::Relaxed), 2);
        assert_eq!(looked_up.root(), Path::new("/r"));
    }
}
