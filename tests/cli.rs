//! CLI tests: the real binary in temporary folders, checking exit codes, stdout and stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hybridc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hybridc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hybridc-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).expect("create temp dir");
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_example_spec_is_valid() {
    let out = hybridc(&repo(), &["validate", "spec/"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "spec/hybrid.yaml is valid: 4 OSes, 3 platforms, 2 environments\n"
    );
    assert_eq!(text(&out.stderr), "", "the example has no warnings");
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let out = hybridc(&repo(), &["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo().join("schema/hybrid.schema.json"))
        .expect("schema is committed");
    assert!(
        text(&out.stdout) == committed,
        "schema/hybrid.schema.json is stale: run `cargo run -- schema --out schema/hybrid.schema.json`"
    );
}

#[test]
fn schema_out_writes_the_file() {
    let dir = temp_dir("schema-out");
    let out = hybridc(&dir, &["schema", "--out", "s.json"]);
    assert_eq!(out.status.code(), Some(0));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("s.json")).expect("written"))
            .expect("JSON");
    assert_eq!(
        written["$schema"],
        "http://json-schema.org/draft-07/schema#"
    );
}

#[test]
fn a_file_path_is_used_as_is_and_a_missing_one_exits_2() {
    let dir = temp_dir("paths");
    let spec = "version: 1\nplatforms: {}\noses: {}\n";
    std::fs::write(dir.join("spec/other.yaml"), spec).expect("write");
    let out = hybridc(&dir, &["validate", "spec/other.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = hybridc(&dir, &["validate", "nowhere/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: cannot read `nowhere/`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_oversized_spec_is_refused_without_reading_it_all() {
    let dir = temp_dir("large");
    let mut big = String::from("version: 1\n");
    while big.len() <= 4 * 1024 * 1024 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(dir.join("spec/hybrid.yaml"), big).expect("write");
    let out = hybridc(&dir, &["validate"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("hybridc::read::too-large"), "{stderr}");
    assert!(stderr.contains("[spec/hybrid.yaml:1:1]"), "{stderr}");
}

#[test]
fn warnings_do_not_fail_validation() {
    let dir = repo().join("tests/fixtures/invalid/semantic-option-deprecated-warning");
    let out = hybridc(&dir, &["validate"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).ends_with("(1 warning)\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn colour_is_off_when_piped() {
    let out = Command::new(env!("CARGO_BIN_EXE_hybridc"))
        .args(["validate", "spec/"])
        .current_dir(repo().join("tests/fixtures/invalid/schema-wrong-type"))
        .env_remove("NO_COLOR")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !text(&out.stderr).contains('\u{1b}'),
        "no escape codes on a pipe"
    );
}
