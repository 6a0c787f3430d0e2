//! Golden output: every folder under `tests/fixtures/compile/` is a small repository whose
//! `spec/hybrid.yaml` must compile to exactly the committed `generated/` tree (a missing and an
//! extra file both fail), and that tree must be what `packer fmt` writes. The repository's own
//! `generated/` must match `spec/` the same way. `HYBRIDC_BLESS=1 cargo test --test it compile::`
//! rewrites the expected trees for review.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{blessing, golden_problem, repo, tool};

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures/compile"))
        .expect("tests/fixtures/compile exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// Compares the compiled files with a folder on disk, both ways.
fn compare(root: &Path, out: &Path) -> Vec<String> {
    let compiled = hybridc::compile(&root.join("spec"), out)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    if blessing() {
        // The writer also removes the files it wrote that the spec no longer makes.
        hybridc::output::write(
            &compiled.files,
            &compiled.out_dir,
            &out.display().to_string(),
            false,
        )
        .expect("bless");
    }
    let mut problems = Vec::new();
    let on_disk = hybridc::output::files_under(out);
    for file in &compiled.files {
        if let Some(problem) = golden_problem(&out.join(&file.path), &file.contents) {
            problems.push(format!("{}: {problem}", root.display()));
        }
    }
    for path in on_disk {
        if !compiled.files.iter().any(|f| f.path == path) {
            problems.push(format!(
                "{}: {} is not produced by the spec",
                root.display(),
                path
            ));
        }
    }
    problems
}

#[test]
fn fixtures_compile_to_their_expected_trees() {
    let cases = cases();
    assert!(cases.len() >= 7, "{} compile fixtures", cases.len());
    let problems: Vec<String> = cases
        .iter()
        .flat_map(|c| compare(c, &c.join("generated")))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_repository_generated_tree_matches_its_spec() {
    let problems = compare(&repo(), &repo().join("generated"));
    assert!(
        problems.is_empty(),
        "{}\nrun `cargo run -- compile spec/`",
        problems.join("\n")
    );
}

#[test]
fn every_generated_tree_is_packer_fmt_canonical() {
    if !tool("packer", "apt-get install packer") {
        return;
    }
    let mut folders: Vec<PathBuf> = cases().iter().map(|c| c.join("generated")).collect();
    folders.push(repo().join("generated"));
    let mut failures = Vec::new();
    for folder in folders {
        // packer 1.6.6 has no -recursive: check each folder.
        for dir in [folder.clone(), folder.join("env")] {
            if !dir.is_dir() {
                continue;
            }
            let out = Command::new("packer")
                .args(["fmt", "-check", "-diff"])
                .arg(&dir)
                .env("CHECKPOINT_DISABLE", "1")
                .output()
                .expect("packer runs");
            if !out.status.success() {
                failures.push(format!(
                    "{}: {}{}",
                    dir.display(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
