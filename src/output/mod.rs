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
pub use crate::error::Conflict;
use crate::error::Error;

mod atomic;
mod survey;

pub use atomic::is_temp_name;
use atomic::replace;
use survey::link_target;
pub use survey::{files_under, shown, survey};

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

/// What stands at the path of a produced file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Nothing: the file is created.
    Nothing,
    /// A regular file with hybridc's header, reached through real folders, holding exactly
    /// what would be written: it is left alone.
    Unchanged,
    /// A regular file with hybridc's header, reached through real folders, with its other
    /// contents.
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
    /// Files and links at the top of the output folder that Packer loads with it (see
    /// [`packer_loads`]) and that hybridc neither produces nor wrote.
    pub foreign: Vec<String>,
}

/// Whether `packer build <folder>` loads a file of this name from the top of the folder: Packer
/// reads every `*.pkr.hcl` and `*.pkr.json` as configuration and every `*.auto.pkrvars.hcl`
/// and `*.auto.pkrvars.json` as variable values (hashicorp/packer `hcl2template/parser.go`,
/// `Parser.Parse`, the `hcl2FileExt`, `hcl2JsonFileExt`, `hcl2VarFileExt` and
/// `hcl2VarJsonFileExt` suffixes given to `GetHCL2Files`).
pub fn packer_loads(name: &str) -> bool {
    [
        ".pkr.hcl",
        ".pkr.json",
        ".auto.pkrvars.hcl",
        ".auto.pkrvars.json",
    ]
    .iter()
    .any(|suffix| name.len() > suffix.len() && name.ends_with(suffix))
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
        if *found == Found::Unchanged {
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
pub(crate) mod tests {
    use super::*;

    /// A fresh folder for one test, with an empty `out/` in it.
    pub(crate) fn scratch(name: &str) -> PathBuf {
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
}
