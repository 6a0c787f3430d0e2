//! The README's console examples are what the binary prints today, and its dependency notes
//! name the dependencies of `Cargo.toml`.
//!
//! Every ```` ```console ```` block of `README.md` is run: each `$ hybridc ...` line runs the
//! real binary in a fresh copy of the example repository, prepared as the text around the block
//! describes (see [`prepare`]), and its standard output must match the lines that follow, where
//! a line `...` stands for any number of lines. Lines that pipe or redirect (`> file`, `| man`)
//! are shown for the shell and not run. A git commit abbreviation (`-g1a2b3c4`) matches any.
//!
//! The crates in bold in "Design notes: dependencies" are those of `[dependencies]`
//! ("Runtime") and `[dev-dependencies]` ("Tests and benchmarks").

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{command, copy_tree, repo};

/// One `$ command` and the output the README shows for it.
struct Example {
    /// The README line of the command.
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// The console blocks, each a list of examples.
fn blocks(readme: &str) -> Vec<Vec<Example>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<Example>> = None;
    for (i, line) in readme.lines().enumerate() {
        match (&mut current, line) {
            (None, "```console") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(examples), line) => match line.strip_prefix("$ ") {
                Some(command) => examples.push(Example {
                    line: i + 1,
                    command: command.to_owned(),
                    expected: Vec::new(),
                }),
                None => {
                    if let Some(last) = examples.last_mut() {
                        last.expected.push(line.to_owned());
                    }
                }
            },
            (None, _) => {}
        }
    }
    blocks
}

fn hybridc(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = command()
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .output()
        .expect("run hybridc");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// A fresh copy of the example, made ready for the block whose first command is `first`: what
/// the README's text says has happened before it.
fn prepare(dir: &Path, first: &str) -> PathBuf {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).expect("scratch folder");
    if first.starts_with("hybridc init") {
        return dir.to_owned();
    }
    for folder in ["spec", "installers", "scripts", "ansible", "schema"] {
        copy_tree(&repo().join(folder), &dir.join(folder));
    }
    if first.starts_with("hybridc validate") {
        return dir.to_owned();
    }
    copy_tree(&repo().join("generated"), &dir.join("generated"));
    if first.starts_with("hybridc check") {
        // Someone raised Ubuntu's cores on Proxmox by hand.
        let file = dir.join("generated/proxmox.pkr.hcl");
        let text = fs::read_to_string(&file).expect("generated file");
        let (head, tail) = text
            .split_once("source \"proxmox-iso\" \"ubuntu-2404\"")
            .expect("the Ubuntu source");
        let tail = tail.replacen(
            "cores                    = 4",
            "cores                    = 8",
            1,
        );
        fs::write(
            &file,
            format!("{head}source \"proxmox-iso\" \"ubuntu-2404\"{tail}"),
        )
        .expect("edit");
    }
    if first.starts_with("hybridc manifests") {
        copy_tree(
            &repo().join("tests/fixtures/manifests/manifests"),
            &dir.join("manifests"),
        );
    }
    if first.starts_with("hybridc build") {
        // A tagged release and two commits since.
        git(dir, &["init", "-q"]);
        git(dir, &["add", "."]);
        git(dir, &["commit", "-q", "-m", "images"]);
        git(dir, &["tag", "-a", "v1.4.0", "-m", "v1.4.0"]);
        git(dir, &["commit", "-q", "--allow-empty", "-m", "one"]);
        git(dir, &["commit", "-q", "--allow-empty", "-m", "two"]);
    }
    if first.starts_with("hybridc diff") {
        // A committed repository; the change under review is in the work tree.
        git(dir, &["init", "-q"]);
        git(dir, &["add", "."]);
        git(dir, &["commit", "-q", "-m", "images"]);
        let spec = dir.join("spec/hybrid.yaml");
        let text = fs::read_to_string(&spec).expect("spec");
        fs::write(&spec, text.replacen("    cpus: 2\n", "    cpus: 4\n", 1)).expect("edit");
        let script = dir.join("scripts/linux/cleanup.sh");
        let text = fs::read_to_string(&script).expect("script");
        fs::write(&script, format!("{text}rm -f /etc/machine-id\n")).expect("edit");
    }
    dir.to_owned()
}

/// `-g<hex>` (a commit in `git describe`) as one token, so any commit matches.
fn normalise(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("-g") {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let hex = after[2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .count();
        if hex >= 7 {
            out.push_str("-gCOMMIT");
            rest = &after[2 + hex..];
        } else {
            out.push_str("-g");
            rest = &after[2..];
        }
    }
    out.push_str(rest);
    out
}

/// Whether `actual` matches `expected`, where a `...` line matches any number of lines.
fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| normalise(a) == normalise(first) && matches(rest, more)),
    }
}

#[test]
fn readme_console_examples_are_what_the_binary_prints() {
    let readme = fs::read_to_string(repo().join("README.md")).expect("README.md");
    let blocks = blocks(&readme);
    assert!(blocks.len() >= 6, "the README has its console examples");
    let mut ran = 0;
    let mut problems = Vec::new();
    for (n, block) in blocks.iter().enumerate() {
        let Some(first) = block.first() else { continue };
        let dir = prepare(
            &crate::support::temp_dir(&format!("readme-{n}")),
            &first.command,
        );
        for example in block {
            if example.command.contains(['>', '|']) {
                continue;
            }
            let words: Vec<&str> = example.command.split_whitespace().collect();
            let (Some(&"hybridc"), args) = (words.first(), &words[1..]) else {
                problems.push(format!("README.md:{}: not a hybridc command", example.line));
                continue;
            };
            let (_, stdout) = hybridc(&dir, args);
            ran += 1;
            let actual: Vec<String> = stdout.lines().map(str::to_owned).collect();
            if !matches(&example.expected, &actual) {
                problems.push(format!(
                    "README.md:{}: `{}` printed\n{}\n--- but the README shows\n{}",
                    example.line,
                    example.command,
                    stdout.trim_end(),
                    example.expected.join("\n")
                ));
            }
        }
        let _ = fs::remove_dir_all(&dir);
    }
    assert!(ran >= 8, "ran {ran} examples");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_matcher_takes_ellipses_and_commits() {
    let lines = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
    assert!(matches(&lines("a\n...\nd"), &lines("a\nb\nc\nd")));
    assert!(matches(&lines("a\n..."), &lines("a\nb")));
    assert!(!matches(&lines("a\nc"), &lines("a\nb")));
    assert!(!matches(&lines("a"), &lines("a\nb")));
    assert!(matches(
        &lines("v1.4.0-2-g8c1d2e3 x"),
        &lines("v1.4.0-2-gabcdef0 x")
    ));
    assert!(!matches(
        &lines("v1.4.0-2-g8c1d2e3"),
        &lines("v1.4.0-3-gabcdef0")
    ));
}

/// The README's "What an error looks like" block is the rendered output of the fixture
/// `tests/fixtures/invalid/readme-error-example`, whose snapshot `tests/it/diagnostics.rs` checks
/// against the binary.
#[test]
fn the_error_example_is_what_the_binary_prints() {
    let readme = fs::read_to_string(repo().join("README.md")).expect("README.md");
    let start = readme
        .find("```text\nhybridc::spec::")
        .expect("an error example in the README")
        + "```text\n".len();
    let end = start + readme[start..].find("```").expect("the end of the block");
    let snapshot = fs::read_to_string(
        repo().join("tests/fixtures/invalid/readme-error-example/expected.stderr"),
    )
    .expect("the fixture's snapshot");
    assert_eq!(&readme[start..end], snapshot);
}

/// The crate names in bold (`**name**`) in the subsection `### {heading}` of the README's
/// "Design notes: dependencies".
fn explained(readme: &str, heading: &str) -> Vec<String> {
    let notes = readme
        .split("\n## Design notes: dependencies\n")
        .nth(1)
        .expect("the README has a section \"Design notes: dependencies\"");
    let notes = notes.split("\n## ").next().unwrap_or(notes);
    let sub = notes
        .split(&format!("\n### {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("the dependency notes have a subsection \"{heading}\""));
    let sub = sub.split("\n### ").next().unwrap_or(sub);
    let mut names: Vec<String> = sub
        .split("**")
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The dependency names of the `[section]` of `Cargo.toml`, sorted (none when it has no such
/// section).
fn declared(manifest: &str, section: &str) -> Vec<String> {
    let mut names: Vec<String> = manifest
        .split(&format!("\n[{section}]\n"))
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| {
            line.split_once(" = ")
                .map(|(name, _)| name.trim().to_owned())
        })
        .collect();
    names.sort();
    names
}

/// Every dependency is explained in the README's dependency notes, and the notes explain no
/// crate hybridc does not depend on: runtime dependencies under "Runtime", dev-dependencies
/// under "Tests and benchmarks".
#[test]
fn the_dependency_notes_list_the_dependencies_of_cargo_toml() {
    let readme = fs::read_to_string(repo().join("README.md")).expect("README.md");
    let manifest = fs::read_to_string(repo().join("Cargo.toml")).expect("Cargo.toml");
    assert_eq!(
        explained(&readme, "Runtime"),
        declared(&manifest, "dependencies"),
        "the README's runtime dependencies and Cargo.toml's [dependencies]"
    );
    assert_eq!(
        explained(&readme, "Tests and benchmarks"),
        declared(&manifest, "dev-dependencies"),
        "the README's test dependencies and Cargo.toml's [dev-dependencies]"
    );
}
