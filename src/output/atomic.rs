//! Atomic replacement of one file: a temporary file beside it, then a rename; the temporary
//! file is removed on every early return.

use std::fs;
use std::path::{Path, PathBuf};

use super::io_error;
use crate::error::Error;

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
pub(super) fn replace(folder: &Path, target: &Path, contents: &str) -> Result<(), Error> {
    let mut temp = TempFile::create(folder, target).map_err(|e| io_error(target, e))?;
    temp.write_all(contents.as_bytes())
        .map_err(|e| io_error(&temp.path, e))?;
    temp.persist(target).map_err(|e| io_error(target, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::files_under;
    use crate::output::tests::scratch;

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
