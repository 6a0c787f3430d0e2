//! CLI tests: the real binary in temporary folders, checking exit codes, stdout and stderr.

use std::path::PathBuf;

use crate::support::{command, hybridc, repo, text};

/// A temporary folder with an empty `spec/`.
fn temp_dir(name: &str) -> PathBuf {
    let dir = crate::support::temp_dir(&format!("cli-{name}"));
    std::fs::create_dir_all(dir.join("spec")).expect("create spec/");
    dir
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
    // A fixed gallery version is worth a warning, not an error.
    let dir = temp_dir("warning");
    for folder in ["installers", "scripts", "ansible"] {
        crate::support::copy_tree(&repo().join(folder), &dir.join(folder));
    }
    let spec = std::fs::read_to_string(repo().join("spec/hybrid.yaml")).expect("example");
    let spec = spec.replacen(
        "        name: sig_golden\n",
        "        name: sig_golden\n        version: 1.0.0\n",
        1,
    );
    std::fs::write(dir.join("spec/hybrid.yaml"), spec).expect("write");
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
    let out = command()
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

/// A scratch repository holding a copy of the example (spec, templates, scripts, playbooks).
fn example_copy(name: &str) -> PathBuf {
    crate::support::example_copy(
        &format!("cli-{name}"),
        &["spec", "installers", "scripts", "ansible"],
    )
}

#[test]
fn compile_writes_the_tree_then_leaves_unchanged_files_alone() {
    let dir = example_copy("compile");
    let out = hybridc(&dir, &["compile", "spec/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("generated/: 7 written, 0 unchanged, 0 removed\n"),
        "{}",
        text(&out.stdout)
    );
    for path in hybridc::output::files_under(&repo().join("generated")) {
        assert_eq!(
            std::fs::read(dir.join("generated").join(&path)).expect("written"),
            std::fs::read(repo().join("generated").join(&path)).expect("committed"),
            "{path}"
        );
    }
    let file = dir.join("generated/common.pkr.hcl");
    let before = std::fs::metadata(&file)
        .and_then(|m| m.modified())
        .expect("mtime");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = hybridc(&dir, &["compile", "spec/"]);
    assert_eq!(
        text(&again.stdout),
        "generated/: 0 written, 7 unchanged, 0 removed\n"
    );
    let after = std::fs::metadata(&file)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after, "an unchanged file is not rewritten");
    let leftovers: Vec<String> = hybridc::output::files_under(&dir.join("generated"))
        .into_iter()
        .filter(|p| p.contains(".hybridc-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn compile_prunes_only_its_own_stale_files() {
    let dir = example_copy("prune");
    assert_eq!(hybridc(&dir, &["compile", "spec/"]).status.code(), Some(0));
    let generated = dir.join("generated");
    std::fs::write(
        generated.join("old.pkr.hcl"),
        "# Generated by hybridc from spec/hybrid.yaml. Do not edit this file:\n",
    )
    .expect("write");
    std::fs::write(
        generated.join("env/qa.pkrvars.hcl"),
        "# Generated by hybridc from spec/hybrid.yaml. Do not edit this file:\n",
    )
    .expect("write");
    std::fs::write(
        generated.join("mine.pkr.hcl"),
        "# hand-written\nvariable \"x\" {}\n",
    )
    .expect("write");
    std::fs::write(generated.join("README.md"), "notes\n").expect("write");
    let out = hybridc(&dir, &["compile", "spec/"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("removed generated/env/qa.pkrvars.hcl\n"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).ends_with("0 written, 7 unchanged, 2 removed\n"),
        "{}",
        text(&out.stdout)
    );
    assert!(!generated.join("old.pkr.hcl").exists());
    assert!(
        generated.join("mine.pkr.hcl").exists(),
        "a file without the header is kept"
    );
    assert!(generated.join("README.md").exists());
}

#[test]
fn an_invalid_spec_writes_nothing() {
    let dir = example_copy("invalid");
    assert_eq!(hybridc(&dir, &["compile", "spec/"]).status.code(), Some(0));
    let before: Vec<(String, Vec<u8>)> = hybridc::output::files_under(&dir.join("generated"))
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(dir.join("generated").join(&p)).expect("read");
            (p, bytes)
        })
        .collect();
    let spec = std::fs::read_to_string(dir.join("spec/hybrid.yaml")).expect("spec");
    std::fs::write(
        dir.join("spec/hybrid.yaml"),
        spec.replace("cpus: 4", "cpus: four"),
    )
    .expect("write");
    let out = hybridc(&dir, &["compile", "spec/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("hybridc::spec::wrong-type"));
    let after: Vec<(String, Vec<u8>)> = hybridc::output::files_under(&dir.join("generated"))
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(dir.join("generated").join(&p)).expect("read");
            (p, bytes)
        })
        .collect();
    assert_eq!(before, after);
}

#[test]
fn compile_refuses_output_folders_that_are_not_its_own() {
    let dir = example_copy("refuse");
    let outside = std::env::temp_dir().join(format!("hybridc-cli-outside-{}", std::process::id()));
    for (out_dir, why) in [
        ("spec", "it is the spec's folder"),
        (".", "it contains the spec"),
        ("..", "it contains the spec"),
        (
            outside.to_str().expect("UTF-8 temp path"),
            "it is outside the repository",
        ),
    ] {
        let out = hybridc(&dir, &["compile", "spec/", "--out", out_dir]);
        assert_eq!(out.status.code(), Some(2), "--out {out_dir}");
        assert!(
            text(&out.stderr).contains(why),
            "--out {out_dir}: {}",
            text(&out.stderr)
        );
    }
    assert!(!outside.exists());
    assert_eq!(
        hybridc::output::files_under(&dir.join("spec")),
        vec!["hybrid.yaml".to_owned()]
    );
    let out = hybridc(&dir, &["compile", "spec/", "--out", "packer/images"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let proxmox =
        std::fs::read_to_string(dir.join("packer/images/proxmox.pkr.hcl")).expect("written");
    assert!(
        proxmox.contains("\"${path.root}/../../installers/autoinstall/user-data.pkrtpl.hcl\""),
        "paths follow the output depth"
    );
}
