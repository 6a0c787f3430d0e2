//! Values as the comparison sees them: equality as Packer evaluates it (objects as maps,
//! numbers by value), files and templates by content, and the one-line HCL a report shows.

use std::path::Path;

use crate::import::report::{Basis, MASK};
use crate::import::tree::{Attribute, Body, Value};

/// Whether a value only names where a secret is kept (`env("X")`, `var.x`): safe to show.
pub(super) fn is_reference(value: &Value) -> bool {
    match value {
        Value::Unknown { expression } => {
            let e = expression.as_str();
            // `env("NAME")`, or a traversal alone (`var.x`, `build.Password`).
            let traversal = e.split_once('.').is_some_and(|(root, rest)| {
                !root.is_empty()
                    && root.chars().all(|c| c.is_ascii_lowercase())
                    && rest.chars().all(|c| c.is_alphanumeric() || c == '_')
            });
            traversal || crate::import::map::settings::env_read(value).is_some()
        }
        Value::Null => true,
        _ => false,
    }
}

pub(super) fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::List(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(entries) => entries.iter().for_each(|(_, v)| strings(v, out)),
        _ => {}
    }
}

/// Whether two values are the same build input, and what that was decided by: templates and
/// files by the content of the files they name when both can be read (else by path), file
/// paths in strings by content, everything else by value.
pub(super) fn equivalent(a: &Value, b: &Value, files: &Pending) -> (bool, Basis) {
    match (a, b) {
        (Value::Template { path: p, vars: v }, Value::Template { path: q, vars: w }) => {
            let (content, basis) = file_content(p, q, files);
            (content && same(v, w), basis)
        }
        (Value::File { path: p }, Value::File { path: q }) => file_content(p, q, files),
        (Value::String(p), Value::String(q)) if p != q => match same_named(p, q, files) {
            Some(equal) => (equal, Basis::Content),
            None => (false, Basis::Value),
        },
        (Value::List(xs), Value::List(ys)) if xs.len() == ys.len() && !same(a, b) => {
            let mut by = Basis::Value;
            for (x, y) in xs.iter().zip(ys) {
                let (equal, basis) = equivalent(x, y, files);
                if !equal {
                    return (false, Basis::Value);
                }
                if basis != Basis::Value {
                    by = basis;
                }
            }
            (true, by)
        }
        _ => (same(a, b), Basis::Value),
    }
}

/// What a string that names a file or a folder here holds.
#[derive(PartialEq)]
enum Named {
    File(Vec<u8>),
    Folder(std::collections::BTreeMap<String, Vec<u8>>),
}

/// Whether two strings name the same build input, when both name files (an `ANSIBLE_CONFIG=`
/// kind of prefix allowed, the same on both), either absolute or from the working folder, as
/// a step's paths are: the same bytes. Or folders, when the import writes files under one of
/// them and not under the other (the copy of a folder a step uploads, and the folder it
/// copies): the same files, both written with a trailing `/` or neither (Packer's file
/// provisioner uploads a folder's content for one, the folder itself for the other). `None`
/// when they do not both name one: any other string that names a folder here, such as a path
/// on the VM or a folder that holds the repository, is compared as text. Each side is read
/// once.
fn same_named(p: &str, q: &str, files: &Pending) -> Option<bool> {
    let (a, b) = (setting(p), setting(q));
    if a.0 != b.0 {
        return None;
    }
    let (x, y) = (from_cwd(a.1), from_cwd(b.1));
    let folders = files.writes_under(&x) != files.writes_under(&y);
    let read = |path: &Path| match files.bytes(path) {
        Some(bytes) => Some(Named::File(bytes)),
        None if folders => files.folder(path).map(Named::Folder),
        None => None,
    };
    let (m, n) = (read(&x)?, read(&y)?);
    let slashes = matches!(m, Named::File(_)) || p.ends_with('/') == q.ends_with('/');
    Some(m == n && slashes)
}

/// `NAME=path` as `("NAME=", "path")`; a plain path as `("", path)`.
fn setting(text: &str) -> (&str, &str) {
    match text.split_once('=') {
        Some((name, path))
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_') =>
        {
            (&text[..=name.len()], path)
        }
        _ => ("", text),
    }
}

fn from_cwd(path: &str) -> std::path::PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    crate::import::read::functions::absolute(&cwd, path)
}

/// The files an import is about to write, by absolute path: the comparison runs before they
/// are on disk (and a dry run never writes them), so their bytes are read from here first.
#[derive(Debug, Default)]
pub struct Pending(std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>);

impl Pending {
    /// The files (absolute path, bytes) to read as if written.
    pub fn new(files: impl IntoIterator<Item = (std::path::PathBuf, Vec<u8>)>) -> Self {
        Pending(files.into_iter().collect())
    }

    /// Whether a pending file is under the folder `path`.
    fn writes_under(&self, path: &Path) -> bool {
        let path =
            crate::import::read::functions::absolute(Path::new("/"), &path.to_string_lossy());
        self.0
            .keys()
            .any(|file| file != &path && file.starts_with(&path))
    }

    /// The files under the folder at `path` (`.` and `..` folded), by their path inside it, with
    /// their bytes: the pending ones and the disk's; `None` when it is no folder.
    fn folder(&self, path: &Path) -> Option<std::collections::BTreeMap<String, Vec<u8>>> {
        let path =
            crate::import::read::functions::absolute(Path::new("/"), &path.to_string_lossy());
        let mut out = std::collections::BTreeMap::new();
        for (file, bytes) in &self.0 {
            if let Ok(inside) = file.strip_prefix(&path)
                && !inside.as_os_str().is_empty()
            {
                out.insert(inside.to_string_lossy().into_owned(), bytes.clone());
            }
        }
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(&path)
                .follow_links(true)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
            {
                let Ok(inside) = entry.path().strip_prefix(&path) else {
                    continue;
                };
                let inside = inside.to_string_lossy().into_owned();
                if !out.contains_key(&inside)
                    && let Ok(bytes) = std::fs::read(entry.path())
                {
                    out.insert(inside, bytes);
                }
            }
        } else if out.is_empty() {
            return None;
        }
        Some(out)
    }

    /// The bytes of the file at `path` (`.` and `..` folded): a pending one, else the disk's.
    fn bytes(&self, path: &Path) -> Option<Vec<u8>> {
        let path =
            crate::import::read::functions::absolute(Path::new("/"), &path.to_string_lossy());
        self.0
            .get(&path)
            .cloned()
            .or_else(|| std::fs::read(&path).ok())
    }
}

/// The text of the file at `path` (pending or on disk), when it is UTF-8.
pub(super) fn text(path: &Path, files: &Pending) -> Option<String> {
    String::from_utf8(files.bytes(path)?).ok()
}

/// Whether the two files have the same bytes (`Content`), or, when one cannot be read, the
/// same path (`Path`).
pub(super) fn file_content(p: &Path, q: &Path, files: &Pending) -> (bool, Basis) {
    match (files.bytes(p), files.bytes(q)) {
        (Some(a), Some(b)) => (a == b, Basis::Content),
        _ => (p == q, Basis::Path),
    }
}

/// Value equality as Packer sees it: objects as maps, numbers by value, blocks by their
/// arguments (not where they are written).
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Blocks(xs), Value::Blocks(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_body(x, y))
        }
        _ => crate::import::read::value::equal(a, b),
    }
}

pub(super) fn same_body(a: &Body, b: &Body) -> bool {
    a.attributes.len() == b.attributes.len()
        && a.attributes
            .iter()
            .all(|x| b.get(&x.name).is_some_and(|y| same(&x.value, &y.value)))
}

/// A value as HCL, on one line, as the reader prints it (blocks as a list of objects), with
/// the value of every entry whose name says it holds a secret masked, unless it only refers
/// to one.
pub(super) fn hcl(value: &Value) -> String {
    crate::import::read::value::hcl(&masked(value))
}

fn masked(value: &Value) -> Value {
    let entry = |name: &str, v: &Value| {
        if crate::catalogue::secret_by_name(name) && !is_reference(v) {
            Value::Unknown {
                expression: MASK.to_owned(),
            }
        } else {
            masked(v)
        }
    };
    match value {
        Value::List(items) => Value::List(items.iter().map(masked).collect()),
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), entry(k, v)))
                .collect(),
        ),
        Value::Blocks(bodies) => Value::Blocks(
            bodies
                .iter()
                .map(|b| Body {
                    attributes: b
                        .attributes
                        .iter()
                        .map(|a| Attribute {
                            value: entry(&a.name, &a.value),
                            ..a.clone()
                        })
                        .collect(),
                })
                .collect(),
        ),
        Value::Template { path, vars } => Value::Template {
            path: path.clone(),
            vars: Box::new(masked(vars)),
        },
        other => other.clone(),
    }
}
