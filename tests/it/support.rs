//! Support shared by the integration tests: the binary and the repository root, temporary
//! folders and copies of the example repository, one diff, one rule for external tools that are
//! not installed, and one snapshot mechanism (`HYBRIDC_BLESS=1` rewrites the snapshots).
//!
//! All test modules run in one process, so every temporary folder is named after its module
//! and test as well as the process.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_hybridc");

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary under test, ready to be given arguments, a folder and an environment.
pub fn command() -> Command {
    Command::new(BIN)
}

/// Runs the binary in `dir` with `args`, without colour.
pub fn hybridc(dir: &Path, args: &[&str]) -> Output {
    command()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// Output bytes as text, invalid UTF-8 replaced.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An empty temporary folder `hybridc-<name>-<process id>`, emptied first if a previous run
/// left it behind. `name` starts with the module's name, so tests of two modules never share one.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hybridc-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}

/// A temporary folder (see [`temp_dir`]) holding a copy of each of the repository's `folders`.
pub fn example_copy(name: &str, folders: &[&str]) -> PathBuf {
    let dir = temp_dir(name);
    for folder in folders {
        copy_tree(&repo().join(folder), &dir.join(folder));
    }
    dir
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create folder");
    let entries =
        fs::read_dir(from).unwrap_or_else(|e| panic!("read folder {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A unified line diff from `expected` to `actual`.
pub fn diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .header("expected", "actual")
        .to_string()
}

/// The running test's name (the test harness names each test's thread after it), if known.
fn test_name() -> Option<String> {
    std::thread::current()
        .name()
        .filter(|name| *name != "main")
        .map(str::to_owned)
}

/// Whether the external tool `name` is on `PATH`. When it is not, the test is skipped: it says
/// `SKIPPED` and how to install the tool (`install_hint`) on stderr, and passes; under `CI` it
/// fails instead, since CI installs every tool.
pub fn tool(name: &str, install_hint: &str) -> bool {
    if on_path(name) {
        return true;
    }
    missing(&format!("`{name}` is not installed"), install_hint)
}

/// The "external tool missing" rule for a reason other than a missing executable: prints
/// `SKIPPED <test>: <why> (<install_hint>)` and returns `false`, or fails under `CI`.
pub fn missing(why: &str, install_hint: &str) -> bool {
    let test = test_name().unwrap_or_else(|| "test".to_owned());
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {why}, and CI needs it ({install_hint})"
    );
    // Straight to stderr: the test harness would swallow eprintln! of a passing test.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why} ({install_hint})");
    false
}

/// Whether an executable file `name` is in a folder of `PATH` (or is a path to one).
fn on_path(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |path: &Path| {
        fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        return executable(Path::new(name));
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(name))))
}

/// Whether this run rewrites snapshots: `HYBRIDC_BLESS` is set, to anything but `0`.
pub fn blessing() -> bool {
    std::env::var_os("HYBRIDC_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// How to rewrite the snapshots of the running test.
fn bless_command() -> String {
    match test_name() {
        Some(test) => format!("HYBRIDC_BLESS=1 cargo test --test it {test}"),
        None => "HYBRIDC_BLESS=1 cargo test --test it".to_owned(),
    }
}

/// Compares `actual` with the snapshot file `path` and says how they differ; under
/// `HYBRIDC_BLESS` rewrites the file (and its folder) instead and says nothing.
pub fn golden_problem(path: &Path, actual: &str) -> Option<String> {
    let shown = path.strip_prefix(repo()).unwrap_or(path).display();
    if blessing() {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create the snapshot's folder");
        }
        fs::write(path, actual).expect("write the snapshot");
        return None;
    }
    match fs::read_to_string(path) {
        Ok(expected) if expected == actual => None,
        Ok(expected) => Some(format!(
            "`{shown}` differs from what the test produced (if the change is intended, `{}` \
             rewrites it):\n{}",
            bless_command(),
            diff(&expected, actual)
        )),
        Err(e) => Some(format!(
            "cannot read the snapshot `{shown}` ({e}); `{}` writes it",
            bless_command()
        )),
    }
}

/// Compares `actual` with the snapshot file `path`, failing with a diff, or rewrites the file
/// under `HYBRIDC_BLESS`.
pub fn golden(path: &Path, actual: &str) {
    if let Some(problem) = golden_problem(path, actual) {
        panic!("{problem}");
    }
}
