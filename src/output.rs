//! The output stage: the only code that writes to disk.
//!
//! It decides where the output folder may be (inside the repository, never the spec's own
//! folder), then surveys the output folder before changing anything: every file it would write
//! must be reached through real folders and be a regular file or nothing. A symbolic link on the
//! way (a linked folder, a linked file) could send the write outside the output folder, so any
//! such obstacle is refused, naming the path and what it points to, and then nothing is written.
//! Each folder is checked again when a file is written into it, and must resolve inside the
//! output folder after following links.
//!
//! hybridc owns only the regular files that start with its header. A file at an output path that
//! it did not write (no header, or a symbolic link, whatever it points to) is refused too, unless
//! the caller forces it: then the file or the link itself is replaced, never what a link points
//! to. A changed file is replaced atomically (a temporary file in the same folder, then a
//! rename), an unchanged file is left alone so its modification time stays, and a stale file is
//! removed only when it is a regular file with the header. Links are never followed when the
//! folder is walked, never written through and never removed; a link that looks like a stale
//! generated file (it leads to a file with the header) is refused, since Packer would read it.
//!
//! A temporary file is deleted when it goes out of scope unless it was renamed onto its target,
//! so an error never leaves one; the ones a killed run left (`.NAME.hybridc-PID`, regular files
//! in the folders of the output tree) are removed by the next write, and are neither output nor
//! stale. Runs into one output folder are assumed to take turns.
//!
//! No folder is left empty: a folder below the output folder that removing files emptied is
//! removed (the output folder itself stays, and a folder that was empty before is not touched),
//! and the folders a failed write made are removed when it left them empty.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::emit::{File, HEADER_PREFIX};
use crate::error::Error;

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files created or replaced.
    pub written: Vec<String>,
    /// Files that already had the right contents.
    pub unchanged: Vec<String>,
    /// Stale generated files removed.
    pub removed: Vec<String>,
    /// Temporary files of an interrupted run, removed.
    pub leftovers: Vec<String>,
    /// Folders below the output folder that removing files left empty, removed.
    pub folders_removed: Vec<String>,
}

/// A path in the output folder that stops `compile` before it writes anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// A folder on the way to an output file is a symbolic link.
    #[error(
        "`{path}` is a symbolic link to `{target}`; hybridc writes only into real folders of the output folder"
    )]
    LinkedFolder {
        /// The link, as the user sees it (`generated/env`).
        path: String,
        /// What it points to, as stored in the link.
        target: String,
    },
    /// Something other than a folder stands where a folder of the output must be.
    #[error("`{path}` is not a folder, and an output file goes into it")]
    NotAFolder {
        /// The path, as the user sees it.
        path: String,
    },
    /// An output file is a symbolic link.
    #[error(
        "`{path}` is a symbolic link to `{target}`; --force replaces the link, never what it points to"
    )]
    LinkedFile {
        /// The link, as the user sees it.
        path: String,
        /// What it points to, as stored in the link.
        target: String,
    },
    /// A regular file without hybridc's header stands at an output path.
    #[error(
        "`{path}` was not written by hybridc (it does not start with its header); --force replaces it"
    )]
    NotGenerated {
        /// The file, as the user sees it.
        path: String,
    },
    /// Something other than a regular file (a folder, a device) stands at an output path.
    #[error("`{path}` is not a regular file")]
    NotAFile {
        /// The path, as the user sees it.
        path: String,
    },
    /// A symbolic link the spec does not produce leads to a file with hybridc's header: it looks
    /// like a stale generated file, and Packer would read it, but hybridc never removes a link.
    #[error(
        "`{path}` is a symbolic link to `{target}`, a file with hybridc's header that the spec no longer produces; hybridc never removes a link: remove it yourself"
    )]
    StaleLink {
        /// The link, as the user sees it.
        path: String,
        /// What it points to, as stored in the link.
        target: String,
    },
}

impl Conflict {
    /// Whether `--force` lets `compile` replace it: a file hybridc did not write at an output
    /// path, or a link there (the link, not what it points to). A linked folder, a stale link and
    /// anything that is not a file are never replaced.
    pub fn forceable(&self) -> bool {
        matches!(
            self,
            Conflict::LinkedFile { .. } | Conflict::NotGenerated { .. }
        )
    }
}

/// What stands at the path of a produced file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Nothing: the file is created.
    Nothing,
    /// A regular file with hybridc's header, reached through real folders, with its contents.
    Generated(Vec<u8>),
    /// Something `compile` does not write to on its own, with the contents when it is a regular
    /// file (for a diff).
    Conflict(Conflict, Option<Vec<u8>>),
}

/// The output folder as it is before a write: what stands at each produced path, and the stale
/// files. Links are never followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Survey {
    /// Each produced file's path (relative to the output folder) and what stands there, in the
    /// order of the files.
    pub files: Vec<(String, Found)>,
    /// Regular files with hybridc's header that the spec no longer produces.
    pub stale: Vec<String>,
    /// Temporary files that an interrupted run left (regular files named as
    /// [`is_temp_name`] says): neither output nor stale, and removed by the next write.
    pub leftovers: Vec<String>,
    /// Links that the spec does not produce and that lead to a file with hybridc's header,
    /// each with its path relative to the output folder.
    pub stale_links: Vec<(String, Conflict)>,
}

impl Survey {
    /// Every conflict, each once, in the order of the files.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut conflicts: Vec<Conflict> = Vec::new();
        let at_paths = self.files.iter().filter_map(|(_, found)| match found {
            Found::Conflict(conflict, _) => Some(conflict),
            _ => None,
        });
        for conflict in at_paths.chain(self.stale_links.iter().map(|(_, c)| c)) {
            if !conflicts.contains(conflict) {
                conflicts.push(conflict.clone());
            }
        }
        conflicts
    }
}

fn io_error(path: &Path, error: std::io::Error) -> Error {
    Error::Output {
        message: format!("cannot write `{}`: {error}", path.display()),
    }
}

fn read_error(path: &Path, error: std::io::Error) -> Error {
    Error::Output {
        message: format!("cannot read `{}`: {error}", path.display()),
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

/// Does this file start with hybridc's header? Anything but a regular file (after following a
/// link) does not, and is not opened: a named pipe would block.
pub fn is_generated(path: &Path) -> bool {
    use std::io::Read;
    if !fs::metadata(path).is_ok_and(|meta| meta.is_file()) {
        return false;
    }
    let Ok(mut file) = fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 64];
    let Ok(read) = file.read(&mut head) else {
        return false;
    };
    head[..read].starts_with(HEADER_PREFIX.as_bytes())
}

/// The regular files and the symbolic links under a folder, found without entering a linked
/// folder, as paths relative to it with `/` separators, sorted.
#[derive(Debug, Default)]
struct Walk {
    files: Vec<String>,
    links: Vec<String>,
}

fn walk(dir: &Path) -> Walk {
    fn visit(dir: &Path, prefix: &str, out: &mut Walk) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // The entry's own type: a link is a link here, whatever it points to.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let relative = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if kind.is_dir() {
                visit(&entry.path(), &relative, out);
            } else if kind.is_file() {
                out.files.push(relative);
            } else if kind.is_symlink() {
                out.links.push(relative);
            }
        }
    }
    let mut out = Walk::default();
    visit(dir, "", &mut out);
    out.files.sort();
    out.links.sort();
    out
}

/// Every regular file under `dir` (recursively, never through a linked folder), as paths
/// relative to it with `/` separators, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    walk(dir).files
}

/// Joins a display prefix (`generated`) and a relative path with `/`.
pub fn shown(prefix: &str, path: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() || prefix == "." {
        path.to_owned()
    } else {
        format!("{prefix}/{path}")
    }
}

/// What the link at `path` points to, as stored in it.
fn link_target(path: &Path) -> String {
    fs::read_link(path)
        .map(|target| target.display().to_string())
        .unwrap_or_else(|e| format!("(unreadable: {e})"))
}

/// What stands on the way to the produced file `rel` and at it, without following links.
fn inspect(dir: &Path, shown_dir: &str, rel: &str) -> Result<Found, Error> {
    let mut parts: Vec<&str> = rel.split('/').collect();
    let name = parts.pop().unwrap_or_default();
    let mut folder = dir.to_path_buf();
    let mut shown_folder = shown_dir.trim_end_matches('/').to_owned();
    // The output folder itself, then each folder below it on the way to the file.
    for part in std::iter::once(None).chain(parts.into_iter().map(Some)) {
        if let Some(part) = part {
            folder.push(part);
            shown_folder = shown(&shown_folder, part);
        }
        match fs::symlink_metadata(&folder) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
            Err(e) => return Err(read_error(&folder, e)),
            Ok(meta) if meta.file_type().is_symlink() => {
                let conflict = Conflict::LinkedFolder {
                    target: link_target(&folder),
                    path: shown_folder,
                };
                return Ok(Found::Conflict(conflict, None));
            }
            Ok(meta) if !meta.is_dir() => {
                let conflict = Conflict::NotAFolder { path: shown_folder };
                return Ok(Found::Conflict(conflict, None));
            }
            Ok(_) => {}
        }
    }
    let target = folder.join(name);
    let path = shown(&shown_folder, name);
    match fs::symlink_metadata(&target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Found::Nothing),
        Err(e) => Err(read_error(&target, e)),
        Ok(meta) if meta.file_type().is_symlink() => {
            let conflict = Conflict::LinkedFile {
                target: link_target(&target),
                path,
            };
            Ok(Found::Conflict(conflict, None))
        }
        Ok(meta) if !meta.is_file() => Ok(Found::Conflict(Conflict::NotAFile { path }, None)),
        Ok(_) => {
            let contents = fs::read(&target).map_err(|e| read_error(&target, e))?;
            if contents.starts_with(HEADER_PREFIX.as_bytes()) {
                Ok(Found::Generated(contents))
            } else {
                Ok(Found::Conflict(
                    Conflict::NotGenerated { path },
                    Some(contents),
                ))
            }
        }
    }
}

/// Looks at the output folder `dir` (shown to the user as `shown_dir`) before `files` are
/// written to it: what stands at each of their paths, and the stale generated files.
///
/// # Errors
/// [`Error::Output`] when something on the way cannot be read.
pub fn survey(files: &[File], dir: &Path, shown_dir: &str) -> Result<Survey, Error> {
    let mut survey = Survey::default();
    for file in files {
        survey
            .files
            .push((file.path.clone(), inspect(dir, shown_dir, &file.path)?));
    }
    let produced = |p: &String| files.iter().any(|f| &f.path == p);
    let on_disk = walk(dir);
    let (leftovers, others): (Vec<String>, Vec<String>) = on_disk
        .files
        .into_iter()
        .partition(|p| is_temp_name(p.rsplit('/').next().unwrap_or(p)));
    survey.leftovers = leftovers;
    survey.stale = others
        .into_iter()
        .filter(|p| !produced(p))
        .filter(|p| is_generated(&dir.join(p)))
        .collect();
    // A produced path that is a link is already a conflict above.
    for link in on_disk.links.into_iter().filter(|p| !produced(p)) {
        let path = dir.join(&link);
        if is_generated(&path) {
            let conflict = Conflict::StaleLink {
                path: shown(shown_dir, &link),
                target: link_target(&path),
            };
            survey.stale_links.push((link, conflict));
        }
    }
    Ok(survey)
}

/// The error for an obstacle that appeared after the survey, while files were being written.
fn appeared(conflict: Conflict) -> Error {
    Error::Output {
        message: format!("{conflict}; it changed while compile was writing, so compile stopped"),
    }
}

/// Makes the folder `path` unless it exists as a real folder, recording it in `made`; refuses a
/// link or a file there.
fn make_folder(path: &Path, shown_path: String, made: &mut Vec<PathBuf>) -> Result<(), Error> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(meta) if meta.file_type().is_symlink() => Err(appeared(Conflict::LinkedFolder {
            target: link_target(path),
            path: shown_path,
        })),
        Ok(_) => Err(appeared(Conflict::NotAFolder { path: shown_path })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir(path).map_err(|e| io_error(path, e))?;
            made.push(path.to_path_buf());
            Ok(())
        }
        Err(e) => Err(io_error(path, e)),
    }
}

/// The real folders from the output folder `real_dir` to the one that holds `rel`, each checked
/// again now, and made where missing when `made` is given (which records them); returns that
/// folder, which resolves inside `real_dir`.
fn folder_for(
    real_dir: &Path,
    shown_dir: &str,
    rel: &str,
    mut made: Option<&mut Vec<PathBuf>>,
) -> Result<PathBuf, Error> {
    let mut folder = real_dir.to_path_buf();
    let mut shown_folder = shown_dir.trim_end_matches('/').to_owned();
    let parts: Vec<&str> = rel.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        folder.push(part);
        shown_folder = shown(&shown_folder, part);
        if let Some(made) = made.as_deref_mut() {
            make_folder(&folder, shown_folder.clone(), made)?;
        }
    }
    let resolved = folder.canonicalize().map_err(|e| io_error(&folder, e))?;
    if !resolved.starts_with(real_dir) {
        return Err(Error::Output {
            message: format!(
                "`{shown_folder}` resolves to `{}`, outside the output folder; compile stopped",
                resolved.display()
            ),
        });
    }
    Ok(folder)
}

/// The name of the temporary file that stands in for `name` while it is written: hidden, and
/// marked with this process's id.
fn temp_name(name: &str) -> String {
    format!(".{name}.hybridc-{}", std::process::id())
}

/// Whether `name` is one [`temp_name`] makes, in any process: `.NAME.hybridc-PID`.
pub fn is_temp_name(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|rest| rest.rsplit_once(".hybridc-"))
        .is_some_and(|(file, pid)| {
            !file.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
        })
}

/// A temporary file this process created, removed when dropped unless it was renamed onto its
/// target: every early return after creating one, and a panic, clean it up.
struct TempFile {
    path: PathBuf,
    file: Option<fs::File>,
}

impl TempFile {
    /// Creates the temporary file for `target` in `folder`. It must not exist yet, so a link
    /// planted under its name is never written through.
    fn create(folder: &Path, target: &Path) -> std::io::Result<TempFile> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = folder.join(temp_name(&name));
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(TempFile {
            path,
            file: Some(file),
        })
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        match &mut self.file {
            Some(file) => file.write_all(bytes),
            None => Ok(()),
        }
    }

    /// Renames the file onto `target`; from then on it is no longer removed.
    fn persist(mut self, target: &Path) -> std::io::Result<()> {
        drop(self.file.take());
        fs::rename(&self.path, target)?;
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Replaces the file at `target` (in the checked `folder`) with `contents`, through a
/// temporary file beside it.
fn replace(folder: &Path, target: &Path, contents: &str) -> Result<(), Error> {
    let mut temp = TempFile::create(folder, target).map_err(|e| io_error(target, e))?;
    temp.write_all(contents.as_bytes())
        .map_err(|e| io_error(&temp.path, e))?;
    temp.persist(target).map_err(|e| io_error(target, e))
}

/// Writes `files` into the output folder `dir` (shown to the user as `shown_dir`). With `force`,
/// a file hybridc did not write at an output path, or a link there, is replaced (the link itself,
/// never what it points to); every other conflict refuses the write.
///
/// # Errors
/// [`Error::Refused`] when a path in the output folder stands in the way (nothing is written
/// then); [`Error::Output`] when a file cannot be written or removed, or the folder changed
/// while it was being written.
pub fn write(files: &[File], dir: &Path, shown_dir: &str, force: bool) -> Result<Summary, Error> {
    let survey = survey(files, dir, shown_dir)?;
    let conflicts: Vec<Conflict> = survey
        .conflicts()
        .into_iter()
        .filter(|c| !(force && c.forceable()))
        .collect();
    if !conflicts.is_empty() {
        return Err(Error::Refused {
            dir: shown_dir.trim_end_matches('/').to_owned(),
            conflicts,
        });
    }
    let mut made = Vec::new();
    let result = apply(files, survey, dir, shown_dir, force, &mut made);
    if result.is_err() {
        // A folder this run made and left empty goes too: none is made that gets no file.
        for folder in made.iter().rev() {
            if is_empty_folder(folder) {
                let _ = fs::remove_dir(folder);
            }
        }
    }
    result
}

/// Makes the output folder where missing, one folder at a time, recording what it made. Where
/// it may be was settled by [`resolve`].
fn make_output_folder(dir: &Path, made: &mut Vec<PathBuf>) -> Result<(), Error> {
    let mut missing = Vec::new();
    let mut here = Some(dir);
    while let Some(folder) = here
        && fs::symlink_metadata(folder).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    {
        missing.push(folder);
        here = folder.parent();
    }
    for folder in missing.into_iter().rev() {
        fs::create_dir(folder).map_err(|e| io_error(folder, e))?;
        made.push(folder.to_path_buf());
    }
    Ok(())
}

fn is_empty_folder(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir())
        && fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}

/// The write itself, after the survey found nothing in the way.
fn apply(
    files: &[File],
    survey: Survey,
    dir: &Path,
    shown_dir: &str,
    force: bool,
    made: &mut Vec<PathBuf>,
) -> Result<Summary, Error> {
    let mut summary = Summary::default();
    make_output_folder(dir, made)?;
    let real_dir = dir.canonicalize().map_err(|e| io_error(dir, e))?;
    let mut emptied = Vec::new();
    for path in survey.leftovers {
        if remove_file(&real_dir, shown_dir, &path)? {
            emptied.push(path.clone());
            summary.leftovers.push(path);
        }
    }
    for (file, (_, found)) in files.iter().zip(&survey.files) {
        if matches!(found, Found::Generated(bytes) if bytes == file.contents.as_bytes()) {
            summary.unchanged.push(file.path.clone());
            continue;
        }
        let folder = folder_for(&real_dir, shown_dir, &file.path, Some(made))?;
        let target = real_dir.join(&file.path);
        if let Ok(meta) = fs::symlink_metadata(&target) {
            let path = shown(shown_dir, &file.path);
            if meta.file_type().is_symlink() && !force {
                return Err(appeared(Conflict::LinkedFile {
                    target: link_target(&target),
                    path,
                }));
            }
            if !meta.is_file() && !meta.file_type().is_symlink() {
                return Err(appeared(Conflict::NotAFile { path }));
            }
        }
        // The rename replaces a link itself, never the file it points to.
        replace(&folder, &target, &file.contents)?;
        summary.written.push(file.path.clone());
    }
    for path in survey.stale {
        if remove_file(&real_dir, shown_dir, &path)? {
            emptied.push(path.clone());
            summary.removed.push(path);
        }
    }
    // Folders below the output folder that the removals left empty; the output folder stays.
    for path in emptied {
        let mut folder = Path::new(&path).parent();
        while let Some(rel) = folder.filter(|rel| !rel.as_os_str().is_empty()) {
            let absolute = real_dir.join(rel);
            if !is_empty_folder(&absolute) {
                break;
            }
            fs::remove_dir(&absolute).map_err(|e| io_error(&absolute, e))?;
            summary
                .folders_removed
                .push(rel.to_string_lossy().replace('\\', "/"));
            folder = rel.parent();
        }
    }
    Ok(summary)
}

/// Removes the file `rel` under the output folder `real_dir` if it is still a regular file
/// reached through real folders; never a link that took its place. Returns whether it did.
fn remove_file(real_dir: &Path, shown_dir: &str, rel: &str) -> Result<bool, Error> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let target = folder_for(real_dir, shown_dir, rel, None)?.join(name);
    if !fs::symlink_metadata(&target).is_ok_and(|meta| meta.is_file()) {
        return Ok(false);
    }
    fs::remove_file(&target).map_err(|e| io_error(&target, e))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("hybridc-output-unit-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("out")).expect("scratch folder");
        dir.canonicalize().expect("scratch folder")
    }

    #[test]
    fn a_link_planted_after_the_survey_is_refused_when_the_file_is_written() {
        let dir = scratch("planted");
        let out = dir.join("out");
        let files = [File {
            path: "env/dev.pkrvars.hcl".to_owned(),
            contents: "# Generated by hybridc\n".to_owned(),
        }];
        let survey = survey(&files, &out, "out").expect("survey");
        assert_eq!(survey.files[0].1, Found::Nothing);
        fs::create_dir_all(dir.join("elsewhere")).expect("folder");
        std::os::unix::fs::symlink(dir.join("elsewhere"), out.join("env")).expect("link");
        let error = folder_for(&out, "out", "env/dev.pkrvars.hcl", Some(&mut Vec::new()))
            .expect_err("a linked folder is refused");
        assert!(
            error
                .to_string()
                .starts_with("`out/env` is a symbolic link to `"),
            "{error}"
        );
        assert!(
            fs::read_dir(dir.join("elsewhere"))
                .expect("read")
                .next()
                .is_none()
        );
    }

    #[test]
    fn the_survey_never_reads_through_a_link() {
        let dir = scratch("survey");
        let out = dir.join("out");
        fs::write(dir.join("common.pkr.hcl"), "same\n").expect("file");
        std::os::unix::fs::symlink(dir.join("common.pkr.hcl"), out.join("common.pkr.hcl"))
            .expect("link");
        let files = [File {
            path: "common.pkr.hcl".to_owned(),
            contents: "same\n".to_owned(),
        }];
        let survey = survey(&files, &out, "generated/").expect("survey");
        assert_eq!(
            survey.files[0].1,
            Found::Conflict(
                Conflict::LinkedFile {
                    path: "generated/common.pkr.hcl".to_owned(),
                    target: dir.join("common.pkr.hcl").display().to_string(),
                },
                None
            ),
            "a link is never up to date, even to the right contents"
        );
    }

    #[test]
    fn temporary_names_are_recognised_and_nothing_else() {
        let name = temp_name("common.pkr.hcl");
        assert!(is_temp_name(&name), "{name}");
        assert!(is_temp_name(".dev.pkrvars.hcl.hybridc-1"));
        for other in [
            "common.pkr.hcl",
            ".common.pkr.hcl",
            "common.pkr.hcl.hybridc-12",
            "..hybridc-12",
            ".common.pkr.hcl.hybridc-",
            ".common.pkr.hcl.hybridc-12a",
            ".notes.hybridc-x",
        ] {
            assert!(!is_temp_name(other), "{other}");
        }
    }

    #[test]
    fn a_temporary_file_is_removed_unless_persisted() {
        let dir = scratch("temp");
        let target = dir.join("out/common.pkr.hcl");
        let mut temp = TempFile::create(&dir.join("out"), &target).expect("create");
        temp.write_all(b"half").expect("write");
        let path = temp.path.clone();
        assert!(path.exists());
        drop(temp);
        assert!(!path.exists(), "dropped before the rename: removed");

        let mut temp = TempFile::create(&dir.join("out"), &target).expect("create");
        temp.write_all(b"whole").expect("write");
        temp.persist(&target).expect("rename");
        assert_eq!(fs::read(&target).expect("read"), b"whole");
        assert_eq!(files_under(&dir.join("out")), vec!["common.pkr.hcl"]);
    }

    #[test]
    fn a_temporary_file_someone_else_made_is_not_removed() {
        let dir = scratch("not-mine");
        let target = dir.join("out/common.pkr.hcl");
        let theirs = dir.join("out").join(temp_name("common.pkr.hcl"));
        fs::write(&theirs, "theirs").expect("write");
        assert!(TempFile::create(&dir.join("out"), &target).is_err());
        assert_eq!(fs::read(&theirs).expect("still there"), b"theirs");
    }
}
