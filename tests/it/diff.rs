//! `hybridc diff`: a temporary git repository holding the example, a change, and what the
//! binary says about it, in every format (snapshots under `tests/snapshots/diff/`).
//!
//! git runs without the user's or the system's configuration, with its identity from the
//! environment; each run of the binary gets its own temporary folder, which must be empty
//! afterwards.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{command, example_copy, golden, repo, text};

/// git's environment: no configuration but an identity.
const GIT_ENV: [(&str, &str); 6] = [
    ("GIT_AUTHOR_NAME", "t"),
    ("GIT_AUTHOR_EMAIL", "t@example.com"),
    ("GIT_COMMITTER_NAME", "t"),
    ("GIT_COMMITTER_EMAIL", "t@example.com"),
    ("GIT_CONFIG_GLOBAL", "/dev/null"),
    ("GIT_CONFIG_NOSYSTEM", "1"),
];

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .envs(GIT_ENV)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// The example in a new git repository, committed once.
fn repository(name: &str) -> PathBuf {
    let dir = example_copy(
        &format!("diff-{name}"),
        &["spec", "installers", "scripts", "ansible", "schema"],
    );
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "images"]);
    dir
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// Replaces the one occurrence of `from` in the file at `path` with `to`.
fn edit(dir: &Path, path: &str, from: &str, to: &str) {
    let file = dir.join(path);
    let text = fs::read_to_string(&file).expect("read the file to edit");
    assert_eq!(text.matches(from).count(), 1, "`{from}` once in {path}");
    fs::write(&file, text.replacen(from, to, 1)).expect("write the edit");
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The repository's index file and what `git status` says of the work tree, when `dir` is a
/// repository.
fn untouched(dir: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
    let index = fs::read(dir.join(".git/index")).ok()?;
    let status = Command::new("git")
        .args([
            "--no-optional-locks",
            "status",
            "--porcelain",
            "--untracked-files=all",
        ])
        .current_dir(dir)
        .envs(GIT_ENV)
        .output()
        .expect("run git");
    Some((index, status.stdout))
}

/// `hybridc diff ARGS` in `dir`, with a temporary folder of its own that it must leave empty;
/// the repository's index and work tree must be as they were.
fn diff(dir: &Path, args: &[&str]) -> Run {
    let before = untouched(dir);
    let tmp = dir.with_extension("tmp");
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).expect("a temporary folder");
    let out = command()
        .arg("diff")
        .args(args)
        .current_dir(dir)
        .envs(GIT_ENV)
        .env("NO_COLOR", "1")
        .env("TMPDIR", &tmp)
        .output()
        .expect("run hybridc");
    let left: Vec<_> = fs::read_dir(&tmp)
        .expect("read the temporary folder")
        .collect();
    assert!(left.is_empty(), "diff left {left:?} behind");
    let _ = fs::remove_dir_all(&tmp);
    assert!(
        untouched(dir) == before,
        "diff changed the repository's index or work tree"
    );
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: text(&out.stdout),
        stderr: text(&out.stderr),
    }
}

/// `run` stopped because the spec `side` (`at `HEAD``, `in the work tree`) is invalid, and its
/// diagnostics show `shown`.
fn invalid(run: &Run, side: &str, shown: &str) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let first = format!("error: the spec {side} is invalid:\n");
    assert!(run.stderr.starts_with(&first), "{}", run.stderr);
    assert!(run.stderr.contains(shown), "{}", run.stderr);
}

fn snapshot(name: &str) -> PathBuf {
    repo().join("tests/snapshots/diff").join(name)
}

/// Runs `diff --base REV` in every format, checks the snapshots `<name>.txt`, `.md` and
/// `.json`, and returns the text.
fn formats(dir: &Path, base: &str, name: &str) -> String {
    let mut shown = String::new();
    for (format, ext) in [("text", "txt"), ("markdown", "md"), ("json", "json")] {
        let run = diff(dir, &["--base", base, "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
        golden(&snapshot(&format!("{name}.{ext}")), &run.stdout);
        if format == "text" {
            shown = run.stdout;
        }
    }
    let _ = fs::remove_dir_all(dir);
    shown
}

#[test]
fn a_changed_default_lists_every_build_it_affects_and_no_other() {
    let dir = repository("default");
    edit(&dir, "spec/hybrid.yaml", "    cpus: 2\n", "    cpus: 4\n");
    let shown = formats(&dir, "HEAD", "default");
    assert!(shown.starts_with("8 builds change in dev and prod; 0 added; 0 removed\n"));
    assert!(shown.contains("hardware.cpus 2 -> 4 (defaults), affects 8 builds in dev and prod\n"));
    // Ubuntu sets its own cores, and Azure sizes by `vm_size`.
    assert!(!shown.contains("ubuntu-2404"), "{shown}");
    assert!(!shown.contains("on azure"), "{shown}");
}

#[test]
fn an_os_added_and_one_removed() {
    let dir = repository("oses");
    let spec = fs::read_to_string(dir.join("spec/hybrid.yaml")).expect("spec");
    let start = spec.find("  rocky-9:\n").expect("rocky-9");
    let end = spec.find("  debian-12:\n").expect("debian-12");
    let debian_end = spec.find("  windows-2022:\n").expect("windows-2022");
    let debian = spec[end..debian_end].replace("debian-12:", "debian-13:");
    let spec = format!(
        "{}{}{debian}{}",
        &spec[..start],
        &spec[end..debian_end],
        &spec[debian_end..]
    );
    fs::write(dir.join("spec/hybrid.yaml"), spec).expect("write the spec");
    commit(&dir, "debian 13 in, rocky 9 out");
    let shown = formats(&dir, "HEAD~1", "oses");
    assert!(
        shown.starts_with("0 builds change; 3 added; 2 removed\n"),
        "{shown}"
    );
}

#[test]
fn a_renamed_os_is_a_removal_and_an_addition() {
    let dir = repository("rename");
    edit(
        &dir,
        "spec/hybrid.yaml",
        "  rocky-9:\n",
        "  rocky-9-lts:\n    release: rocky-9\n",
    );
    let run = diff(&dir, &["--base", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    golden(&snapshot("rename.txt"), &run.stdout);
    assert!(
        run.stdout
            .contains("\nadded:\n  rocky-9-lts on proxmox\n  rocky-9-lts on vsphere\n")
    );
    assert!(
        run.stdout
            .contains("\nremoved:\n  rocky-9 on proxmox\n  rocky-9 on vsphere\n")
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_changed_script_changes_its_builds_with_the_spec_untouched() {
    let dir = repository("script");
    let script = dir.join("scripts/windows/cleanup.ps1");
    let mut text = fs::read_to_string(&script).expect("the script");
    text.push_str("Write-Output 'one more thing'\n");
    fs::write(&script, text).expect("edit the script");
    let run = diff(&dir, &["--base", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    golden(&snapshot("script.txt"), &run.stdout);
    assert!(run.stdout.starts_with("5 builds change in dev and prod;"));
    assert!(
        run.stdout
            .contains("file scripts/windows/cleanup.ps1 changed, affects 5 builds")
    );
    assert!(!run.stdout.contains("ubuntu"), "{}", run.stdout);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_environment_override_shows_in_that_environment_only() {
    let dir = repository("environment");
    edit(
        &dir,
        "spec/hybrid.yaml",
        "content_library: golden-images-prod",
        "content_library: golden-images-prod2",
    );
    commit(&dir, "a new library");
    let run = diff(&dir, &["--base", "HEAD~1", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    golden(&snapshot("environment.json"), &run.stdout);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        report["summary"]["environments"],
        serde_json::json!(["prod"])
    );
    for build in report["builds"].as_array().expect("builds") {
        assert_eq!(build["platform"], "vsphere");
        assert_eq!(build["environments"], serde_json::json!(["prod"]));
    }
    let text = diff(&dir, &["--base", "HEAD~1"]);
    golden(&snapshot("environment.txt"), &text.stdout);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_step_added_and_a_new_packer_version() {
    let dir = repository("steps");
    edit(
        &dir,
        "spec/hybrid.yaml",
        "        scripts: [scripts/linux/cleanup.sh]\n",
        "        scripts: [scripts/linux/cleanup.sh]\n    - shell:\n        inline: [sync]\n",
    );
    edit(&dir, "spec/hybrid.yaml", "\">= 1.11.0\"", "\">= 1.12.0\"");
    let shown = formats(&dir, "HEAD", "steps");
    assert!(
        shown.contains("\nrequired_version >= 1.11.0 -> >= 1.12.0\n"),
        "{shown}"
    );
    assert!(
        shown.contains("step added: shell (/provisioning/linux-base/3/shell), affects 8 builds")
    );
}

#[test]
fn no_change_says_so() {
    let dir = repository("none");
    let run = diff(&dir, &["spec/hybrid.yaml", "--base", "HEAD"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "no build changes\n"));
    edit(&dir, "spec/hybrid.yaml", "\">= 1.11.0\"", "\">= 1.12.0\"");
    let run = diff(&dir, &["--base", "HEAD", "--format", "markdown"]);
    assert_eq!(
        run.stdout,
        "**no build changes** (compared with `HEAD`)\n\n- required_version `>= 1.11.0` -> `>= 1.12.0`\n"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_invalid_base_spec_is_named() {
    let dir = repository("invalid");
    edit(&dir, "spec/hybrid.yaml", "    cpus: 2\n", "    cpus: two\n");
    commit(&dir, "broken");
    edit(&dir, "spec/hybrid.yaml", "    cpus: two\n", "    cpus: 2\n");
    let run = diff(&dir, &["--base", "HEAD"]);
    invalid(&run, "at `HEAD`", "[HEAD:spec/hybrid.yaml:12:");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_revision_or_no_repository_cannot_run() {
    let dir = repository("unknown");
    let run = diff(&dir, &["--base", "no-such-branch"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (2, "error: unknown revision `no-such-branch`\n")
    );
    fs::remove_dir_all(dir.join(".git")).expect("remove the repository");
    let run = diff(&dir, &["--base", "HEAD"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not in a git repository"),
        "{}",
        run.stderr
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_invalid_work_tree_spec_or_no_spec_at_the_base_is_named() {
    let dir = repository("head");
    edit(&dir, "spec/hybrid.yaml", "    cpus: 2\n", "    cpus: two\n");
    let run = diff(&dir, &["--base", "HEAD"]);
    invalid(&run, "in the work tree", "[spec/hybrid.yaml:12:");
    edit(&dir, "spec/hybrid.yaml", "    cpus: two\n", "    cpus: 2\n");
    fs::rename(dir.join("spec"), dir.join("images")).expect("move the spec");
    let run = diff(&dir, &["images/", "--base", "HEAD"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            "error: there is no spec `images/hybrid.yaml` at `HEAD`\n"
        )
    );
    let _ = fs::remove_dir_all(&dir);
}

/// The base is read from git's object store, where a link is a blob holding its target: it is
/// followed inside the revision's tree, and one that leads out of the repository makes that
/// side invalid, as it would in a checked-out copy.
#[test]
fn links_at_the_base_are_followed_inside_its_tree() {
    let dir = repository("links");
    let script = dir.join("scripts/linux/cleanup.sh");
    let text = fs::read_to_string(&script).expect("the script");
    fs::create_dir_all(dir.join("shared")).expect("a folder");
    fs::write(dir.join("shared/cleanup.sh"), &text).expect("the shared script");
    fs::remove_file(&script).expect("remove the script");
    std::os::unix::fs::symlink("../../shared/cleanup.sh", &script).expect("a link");
    commit(&dir, "a linked script");
    let run = diff(&dir, &["--base", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "no build changes\n");
    fs::write(dir.join("shared/cleanup.sh"), format!("{text}echo more\n")).expect("edit");
    let run = diff(&dir, &["--base", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("file scripts/linux/cleanup.sh changed, affects"),
        "{}",
        run.stdout
    );
    fs::remove_file(&script).expect("remove the link");
    std::os::unix::fs::symlink("/etc/hostname", &script).expect("a link out");
    commit(&dir, "a script outside");
    fs::remove_file(&script).expect("remove the link");
    fs::write(&script, &text).expect("the script again");
    let run = diff(&dir, &["--base", "HEAD"]);
    invalid(&run, "at `HEAD`", "a link that leads out of the repository");
    let _ = fs::remove_dir_all(&dir);
}
