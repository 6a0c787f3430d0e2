//! The output stage: the only code that writes to disk.
//!
//! It decides where the output folder may be (inside the repository, never the spec's own
//! folder), replaces each changed file atomically (a temporary file in the same folder, then a
//! rename), leaves unchanged files alone so their modification time stays, and removes stale
//! files only when they carry hybridc's header. Nothing outside the output folder is touched.

use std::path::{Component, Path, PathBuf};

use crate::Error;
use crate::emit::{File, HEADER_PREFIX};

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files created or replaced.
    pub written: Vec<String>,
    /// Files that already had the right contents.
    pub unchanged: Vec<String>,
    /// Stale generated files removed.
    pub removed: Vec<String>,
}

fn io_error(path: &Path, error: std::io::Error) -> Error {
    Error::Output {
        message: format!("cannot write `{}`: {error}", path.display()),
    }
}

/// An absolute, lexically normalised path (the folder may not exist yet).
fn absolute(path: &Path) -> Result<PathBuf, Error> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::Output {
                message: format!("cannot read the current folder: {e}"),
            })?
            .join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    // Resolve links in the part that exists, so a link cannot lead the output elsewhere.
    let mut existing = out.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match existing.file_name() {
            Some(name) => {
                rest.push(name.to_owned());
                existing.pop();
            }
            None => break,
        }
    }
    let mut resolved = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    Ok(resolved)
}

/// Where the output goes, checked: inside the repository root, and neither the spec's folder
/// nor a folder that contains it. Returns the folder and the way back to the root from it.
///
/// # Errors
/// [`Error::Output`] when the folder is not acceptable.
pub fn resolve(out: &Path, root: &Path, spec_file: &Path) -> Result<(PathBuf, String), Error> {
    let out_abs = absolute(out)?;
    let root_abs = absolute(root)?;
    let spec_dir = absolute(spec_file.parent().unwrap_or(Path::new(".")))?;
    let refuse = |why: &str| Error::Output {
        message: format!("refusing to write to `{}`: {why}", out.display()),
    };
    if out_abs == spec_dir {
        return Err(refuse("it is the spec's folder"));
    }
    if spec_dir.starts_with(&out_abs) {
        return Err(refuse("it contains the spec"));
    }
    let Ok(inside) = out_abs.strip_prefix(&root_abs) else {
        return Err(refuse(&format!(
            "it is outside the repository `{}`",
            root.display()
        )));
    };
    let depth = inside.components().count();
    if depth == 0 {
        return Err(refuse("it is the repository root"));
    }
    let to_root = vec![".."; depth].join("/");
    Ok((out_abs, to_root))
}

/// Does this file start with hybridc's header?
pub fn is_generated(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 64];
    let Ok(read) = file.read(&mut head) else {
        return false;
    };
    head[..read].starts_with(HEADER_PREFIX.as_bytes())
}

/// Every file under `dir` (recursively), as paths relative to it with `/` separators, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let relative = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if kind.is_dir() {
                walk(&entry.path(), &relative, out);
            } else if kind.is_file() {
                out.push(relative);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out.sort();
    out
}

/// Generated files on disk that the spec no longer produces.
pub fn stale(dir: &Path, files: &[File]) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter(|p| !files.iter().any(|f| &f.path == p))
        .filter(|p| is_generated(&dir.join(p)))
        .collect()
}

/// Writes `files` into `dir`.
///
/// # Errors
/// [`Error::Output`] when a file cannot be written or removed.
pub fn write(dir: &Path, files: &[File]) -> Result<Summary, Error> {
    let mut summary = Summary::default();
    for file in files {
        let target = dir.join(&file.path);
        if std::fs::read(&target).is_ok_and(|bytes| bytes == file.contents.as_bytes()) {
            summary.unchanged.push(file.path.clone());
            continue;
        }
        let folder = target.parent().unwrap_or(dir);
        std::fs::create_dir_all(folder).map_err(|e| io_error(folder, e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = folder.join(format!(".{name}.hybridc-{}", std::process::id()));
        std::fs::write(&temp, &file.contents).map_err(|e| io_error(&temp, e))?;
        if let Err(e) = std::fs::rename(&temp, &target) {
            let _ = std::fs::remove_file(&temp);
            return Err(io_error(&target, e));
        }
        summary.written.push(file.path.clone());
    }
    for path in stale(dir, files) {
        let target = dir.join(&path);
        std::fs::remove_file(&target).map_err(|e| io_error(&target, e))?;
        summary.removed.push(path);
    }
    Ok(summary)
}
