//! Finding and reading the manifest files of a folder, with errors worded as problems.

use std::io::Read;
use std::path::Path;

/// Files larger than this are reported, not read: a manifest of thousands of runs is far smaller.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The `*.json` files directly in `dir`, sorted by name, and entries that could not be looked at.
pub(super) fn list(dir: &Path) -> Result<(Vec<std::ffi::OsString>, Vec<String>), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read folder: {}", os(&e)))?;
    let mut names = Vec::new();
    let mut problems = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(format!("cannot list an entry: {}", os(&e)));
                continue;
            }
        };
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        // Follows symbolic links; a folder named `*.json` is not a manifest.
        if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            continue;
        }
        names.push(entry.file_name());
    }
    names.sort();
    Ok((names, problems))
}

/// The file's bytes, or why it could not be read.
pub(super) fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {}", os(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {}", os(&e)))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!(
            "larger than {} MiB, not read",
            MAX_BYTES / 1024 / 1024
        ));
    }
    Ok(bytes)
}

/// An operating system error in the crate's message style (lowercase first letter).
fn os(error: &std::io::Error) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// Joins the folder as shown and a file name with `/`.
pub(super) fn shown(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." {
        name.to_owned()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_paths_join_with_a_slash() {
        assert_eq!(shown("manifests", "a.json"), "manifests/a.json");
        assert_eq!(shown("manifests/", "a.json"), "manifests/a.json");
        assert_eq!(shown(".", "a.json"), "a.json");
        assert_eq!(shown("", "a.json"), "a.json");
        assert_eq!(shown("/", "a.json"), "/a.json");
    }
}
