//! The survey before a write: what stands at each path the spec produces, found without
//! following links, and the stale files hybridc wrote before.

use std::fs;
use std::path::Path;

use walkdir::WalkDir;

use super::*;

/// The regular files and the symbolic links under a folder, found without entering a linked
/// folder, as paths relative to it with `/` separators, sorted.
#[derive(Debug, Default)]
struct Walk {
    files: Vec<String>,
    links: Vec<String>,
}

/// The walk under `dir`. Links are not followed (walkdir's `follow_links(false)`): a link is
/// listed as a link, whatever it points to, and a linked folder is never entered, so nothing
/// outside the output folder is listed, pruned or written through one. `dir` itself is read
/// through a link, as the output folder the user named. Entries that cannot be read are
/// skipped.
fn walk(dir: &Path) -> Walk {
    let mut out = Walk::default();
    let entries = WalkDir::new(dir).min_depth(1).follow_links(false);
    for entry in entries.into_iter().flatten() {
        let Ok(relative) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let relative = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let kind = entry.file_type();
        if kind.is_file() {
            out.files.push(relative);
        } else if kind.is_symlink() {
            out.links.push(relative);
        }
    }
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
pub(super) fn link_target(path: &Path) -> String {
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
        // A file on disk is compared as soon as it is read, so that only the ones that differ
        // are held in memory.
        let found = match inspect(dir, shown_dir, &file.path)? {
            Found::Generated(bytes) if bytes == file.contents.as_bytes() => Found::Unchanged,
            other => other,
        };
        survey.files.push((file.path.clone(), found));
    }
    let produced = |p: &String| files.iter().any(|f| &f.path == p);
    let on_disk = walk(dir);
    let (leftovers, others): (Vec<String>, Vec<String>) = on_disk
        .files
        .into_iter()
        .partition(|p| is_temp_name(p.rsplit('/').next().unwrap_or(p)));
    survey.leftovers = leftovers;
    let (stale, unknown): (Vec<String>, Vec<String>) = others
        .into_iter()
        .filter(|p| !produced(p))
        .partition(|p| is_generated(&dir.join(p)));
    survey.stale = stale;
    let loaded = |p: &String| !p.contains('/') && packer_loads(p);
    survey.foreign = unknown.into_iter().filter(loaded).collect();
    // A produced path that is a link is already a conflict above.
    for link in on_disk.links.into_iter().filter(|p| !produced(p)) {
        let path = dir.join(&link);
        if is_generated(&path) {
            let conflict = Conflict::StaleLink {
                path: shown(shown_dir, &link),
                target: link_target(&path),
            };
            survey.stale_links.push((link, conflict));
        } else if loaded(&link) {
            survey.foreign.push(link);
        }
    }
    survey.foreign.sort();
    Ok(survey)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A linked folder is a link in the walk: neither it nor what it points to is entered, and
    /// a linked file is a link too, not a file.
    #[test]
    fn the_walk_lists_links_and_never_enters_them() {
        let dir = crate::output::tests::scratch("walk-links");
        let out = dir.join("out");
        fs::create_dir_all(out.join("env")).expect("folders");
        fs::create_dir_all(dir.join("elsewhere")).expect("folder");
        fs::write(dir.join("elsewhere/secret.pkr.hcl"), "x").expect("file");
        fs::write(out.join("common.pkr.hcl"), "x").expect("file");
        fs::write(out.join("env/dev.pkrvars.hcl"), "x").expect("file");
        std::os::unix::fs::symlink(dir.join("elsewhere"), out.join("linked")).expect("link");
        std::os::unix::fs::symlink(
            dir.join("elsewhere/secret.pkr.hcl"),
            out.join("file.pkr.hcl"),
        )
        .expect("link");
        let walk = walk(&out);
        assert_eq!(walk.files, ["common.pkr.hcl", "env/dev.pkrvars.hcl"]);
        assert_eq!(walk.links, ["file.pkr.hcl", "linked"]);
        let _ = fs::remove_dir_all(&dir);
    }
}
