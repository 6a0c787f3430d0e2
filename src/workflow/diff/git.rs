//! The base side of a diff: the repository's tree at a git revision, written into a temporary
//! folder through an index file of its own (`git read-tree` and `git checkout-index`), so that
//! neither the work tree nor the repository's index is touched.
//!
//! It runs the `git` binary and nothing else; the folder is removed when the [`Checkout`] is
//! dropped, so an error on the way out leaves nothing behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::DiffError;

/// The repository's tree at a revision, in a temporary folder, and where the spec is in it.
#[derive(Debug)]
pub struct Checkout {
    /// The revision as the user wrote it (`main`).
    pub revision: String,
    /// The commit it resolves to.
    pub commit: String,
    /// The work tree's spec file.
    pub head_spec: PathBuf,
    /// The work tree's root (`git rev-parse --show-toplevel`).
    pub head_root: PathBuf,
    /// The spec file inside the extracted tree: the same path relative to the repository root.
    pub base_spec: PathBuf,
    /// The extracted tree.
    pub base_root: PathBuf,
    /// The temporary folder holding the tree and its index file.
    folder: PathBuf,
    /// The spec file relative to the repository root, `/`-separated (`spec/hybrid.yaml`).
    pub spec_relative: String,
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// Runs git in `dir` and returns its standard output, trimmed, or its first line of error.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `git`: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr
            .lines()
            .next()
            .unwrap_or("git failed")
            .trim()
            .to_owned())
    }
}

/// Extracts the tree of `revision` of the repository that holds `spec` (a file, or a folder
/// holding `hybrid.yaml`) into a temporary folder.
///
/// # Errors
/// When `spec` is not in a git work tree, `revision` names no commit, the spec is not in the
/// repository, or the tree cannot be extracted.
pub fn checkout(spec: &Path, revision: &str) -> Result<Checkout, DiffError> {
    let file = crate::source::resolve(spec);
    let file = std::path::absolute(&file).map_err(|e| DiffError(e.to_string()))?;
    let folder = file.parent().unwrap_or(Path::new("/"));
    if !folder.is_dir() {
        return Err(DiffError(format!(
            "cannot read the spec `{}`: no such folder",
            spec.display()
        )));
    }
    let toplevel = git(folder, &["rev-parse", "--show-toplevel"]).map_err(|_| {
        DiffError(format!(
            "`{}` is not in a git repository; `diff` compares with a git revision",
            spec.display()
        ))
    })?;
    let head_root = PathBuf::from(toplevel);
    let commit = git(
        folder,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{revision}^{{commit}}"),
        ],
    )
    .ok()
    .filter(|c| !c.is_empty())
    .ok_or_else(|| DiffError(format!("unknown revision `{revision}`")))?;
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
    let folder = temporary_folder()?;
    let base_root = folder.join("tree");
    // From here on, dropping the checkout removes the folder.
    let checkout = Checkout {
        folder,
        revision: revision.to_owned(),
        commit,
        head_spec: file.clone(),
        head_root,
        base_spec: base_root.join(&relative),
        base_root,
        spec_relative: relative.to_string_lossy().replace('\\', "/"),
    };
    extract(&checkout)?;
    Ok(checkout)
}

/// A new, empty folder under the system's temporary folder.
fn temporary_folder() -> Result<PathBuf, DiffError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0..100u32 {
        let dir = std::env::temp_dir().join(format!(
            "hybridc-diff-{}-{nanos}-{attempt}",
            std::process::id()
        ));
        // `create_dir` fails when the folder exists: never reuse someone else's.
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(DiffError(format!("cannot create a temporary folder: {e}")));
            }
        }
    }
    Err(DiffError("cannot create a temporary folder".into()))
}

/// `git read-tree <commit>` into an index file of the checkout's own, then `git
/// checkout-index -a` from it into the checkout's tree.
fn extract(checkout: &Checkout) -> Result<(), DiffError> {
    let failed = |what: String| {
        DiffError(format!(
            "cannot extract `{}` from git: {what}",
            checkout.revision
        ))
    };
    let index = checkout.folder.join("index");
    let mut prefix = checkout.base_root.to_string_lossy().into_owned();
    prefix.push('/');
    let prefix = format!("--prefix={prefix}");
    for args in [
        &["read-tree", checkout.commit.as_str()][..],
        &["checkout-index", "--all", prefix.as_str()][..],
    ] {
        let output = Command::new("git")
            .args(args)
            .env("GIT_INDEX_FILE", &index)
            .current_dir(&checkout.head_root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| failed(format!("cannot run `git`: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(failed(stderr.trim().to_owned()));
        }
    }
    Ok(())
}
