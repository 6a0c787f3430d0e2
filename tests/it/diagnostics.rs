//! Golden diagnostics: every folder under `tests/fixtures/invalid/` is a small repository with a
//! `spec/hybrid.yaml` that is wrong in one way (or several). The real binary validates it; its
//! exit code and stderr must equal `expected.code` and `expected.stderr`. Folders under
//! `tests/fixtures/compile-invalid/` hold specs that validate but cannot compile (plugin
//! conformance, option conflicts): the binary compiles them and must write nothing. Each spec also states,
//! in `# expect: LINE:COL CODE` comments, where its diagnostics must point, so positions are
//! checked independently of the snapshot. `HYBRIDC_BLESS=1 cargo test --test it diagnostics::`
//! rewrites the snapshots.
//! A secret written as a literal is masked in every snippet: the example's credentials, each
//! replaced by a literal in turn, must not show up in the rendered errors.

use std::path::{Path, PathBuf};

use crate::support::{copy_tree, golden_problem, repo};

fn fixtures(folder: &str) -> Vec<PathBuf> {
    let root = repo().join("tests/fixtures").join(folder);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures/invalid exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn expectations(spec: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(spec)
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("# expect: "))
        .map(|rest| {
            let (position, code) = rest.split_once(' ').expect("`# expect: LINE:COL CODE`");
            (position.to_owned(), code.trim().to_owned())
        })
        .collect()
}

#[test]
fn invalid_specs_render_expected_diagnostics() {
    let cases = fixtures("invalid");
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    run(&cases, &["validate", "spec/"]);
}

#[test]
fn uncompilable_specs_render_expected_diagnostics_and_write_nothing() {
    let cases = fixtures("compile-invalid");
    assert!(cases.len() >= 4, "the corpus has {} cases", cases.len());
    run(&cases, &["compile", "spec/"]);
    for case in &cases {
        assert!(
            !case.join("generated").exists(),
            "{} wrote output",
            case.display()
        );
    }
}

fn run(cases: &[PathBuf], args: &[&str]) {
    let mut failures = Vec::new();
    for case in cases {
        let name = case
            .file_name()
            .expect("named")
            .to_string_lossy()
            .into_owned();
        let output = crate::support::hybridc(case, args);
        let code = output
            .status
            .code()
            .expect("exited normally, not by a signal");
        let stderr = String::from_utf8(output.stderr).expect("UTF-8 diagnostics");
        for (file, actual) in [
            ("expected.code", format!("{code}\n")),
            ("expected.stderr", stderr.clone()),
        ] {
            if let Some(problem) = golden_problem(&case.join(file), &actual) {
                failures.push(format!("{name}: {problem}"));
            }
        }
        let spec =
            std::fs::read(case.join("spec/hybrid.yaml")).expect("fixture has spec/hybrid.yaml");
        // An empty spec cannot hold comments: its expectations sit beside it in `expect`.
        let mut wanted = expectations(&spec);
        if let Ok(extra) = std::fs::read(case.join("expect")) {
            wanted.extend(expectations(&extra));
        }
        if wanted.is_empty() {
            failures.push(format!("{name}: no `# expect:` line in the spec"));
        }
        for (position, diagnostic_code) in wanted {
            let anchor = format!("[spec/hybrid.yaml:{position}]");
            // The code heads each diagnostic; its snippet header follows before the next code.
            let found = split_diagnostics(&stderr)
                .iter()
                .any(|d| d.starts_with(&format!("{diagnostic_code}\n")) && d.contains(&anchor));
            if !found {
                failures.push(format!(
                    "{name}: no `{diagnostic_code}` at {position}\n{stderr}"
                ));
            }
        }
        if code == 2
            && !stderr
                .lines()
                .last()
                .is_some_and(|l| l.starts_with("error: "))
        {
            failures.push(format!("{name}: no summary line"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Splits rendered output at each line that starts a diagnostic (its code at column 0).
fn split_diagnostics(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with("hybridc::") || out.is_empty() {
            out.push(String::new());
        }
        let last = out.last_mut().expect("pushed above");
        last.push_str(line);
        last.push('\n');
    }
    out
}

/// A scratch copy of the fixture `case` under `folder`, in a temporary folder of its own.
fn scratch(folder: &str, case: &str, name: &str) -> PathBuf {
    let from = repo().join("tests/fixtures").join(folder).join(case);
    let to = crate::support::temp_dir(&format!("diagnostics-{name}"));
    copy_tree(&from, &to);
    to
}

/// Runs the binary in `dir` without colour: exit code, stdout, stderr.
fn hybridc(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = crate::support::hybridc(dir, args);
    (
        output
            .status
            .code()
            .expect("exited normally, not by a signal"),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
        String::from_utf8(output.stderr).expect("UTF-8 diagnostics"),
    )
}

/// The line and column of the first diagnostic in `check --format json`.
fn json_position(stdout: &str) -> (u64, u64) {
    let report: serde_json::Value = serde_json::from_str(stdout).expect("a JSON report");
    let first = &report["diagnostics"][0];
    (
        first["line"].as_u64().expect("a line"),
        first["column"].as_u64().expect("a column"),
    )
}

#[test]
fn lf_crlf_and_cr_line_ends_give_the_same_positions_and_snippets() {
    for (case, position) in [
        ("schema-enum-value", (14, 13)),
        ("yaml-duplicate-key", (10, 5)),
        ("semantic-missing-script", (20, 26)),
    ] {
        let root = repo().join("tests/fixtures/invalid");
        let lf = std::fs::read_to_string(root.join(case).join("spec/hybrid.yaml"))
            .expect("fixture spec");
        let expected =
            std::fs::read_to_string(root.join(case).join("expected.stderr")).expect("snapshot");
        assert!(!lf.contains('\r'), "{case} is written with LF");
        for (ending, break_) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
            let dir = scratch("invalid", case, &format!("{case}-{ending}"));
            std::fs::write(dir.join("spec/hybrid.yaml"), lf.replace('\n', break_))
                .expect("write spec");
            let (code, _, stderr) = hybridc(&dir, &["validate", "spec/"]);
            assert_eq!(code, 2, "{case} with {ending}");
            // The snippet shows the same lines under the same numbers, whatever ends them.
            assert_eq!(stderr, expected, "{case} with {ending}");
            let (_, stdout, _) = hybridc(&dir, &["check", "spec/", "--format", "json"]);
            assert_eq!(json_position(&stdout), position, "{case} with {ending}");
            std::fs::remove_dir_all(&dir).expect("clean up");
        }
    }
}

/// A spec written as one line of JSON, over 70,000 characters long, whose last OS has an
/// unknown family: the position of `"linx"` in it.
fn one_line_json_spec() -> (String, usize) {
    let mut oses = Vec::new();
    for i in 0..420 {
        let family = if i == 419 { "linx" } else { "linux" };
        oses.push(format!(
            r#""os-{i:03}": {{"family": "{family}", "azure_image": {{"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server"}}, "platforms": ["azure"], "provisioning": ["base"]}}"#
        ));
    }
    let text = format!(
        r#"{{"version": 1, "platforms": {{"azure": {{"client_id": {{"env": "ARM_CLIENT_ID"}}, "client_secret": {{"env": "ARM_CLIENT_SECRET"}}, "tenant_id": {{"env": "ARM_TENANT_ID"}}, "subscription_id": {{"env": "ARM_SUBSCRIPTION_ID"}}, "location": "westeurope", "output": {{"managed_image": {{"resource_group": "rg-images"}}}}}}}}, "provisioning": {{"base": [{{"shell": {{"inline": ["echo hello"]}}}}]}}, "environments": {{"dev": {{}}}}, "oses": {{{}}}}}"#,
        oses.join(", ")
    );
    let column = text.rfind(r#""linx""#).expect("the mistake") + 1;
    assert!(text.len() > 70_000 && !text.contains('\n'));
    (text + "\n", column)
}

#[test]
fn a_mistake_past_column_65535_is_reported_by_every_command() {
    let (text, column) = one_line_json_spec();
    let dir = scratch("invalid", "schema-enum-value", "one-line-json");
    std::fs::write(dir.join("spec/hybrid.yaml"), &text).expect("write spec");
    let anchor = format!("[spec/hybrid.yaml:1:{column}]");
    for args in [
        &["validate", "spec/"][..],
        &["compile", "spec/"],
        &["check", "spec/"],
        &["matrix", "spec/", "--format", "json"],
        &["explain", "os-419", "--spec", "spec/"],
    ] {
        let (code, _, stderr) = hybridc(&dir, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(&anchor),
            "{args:?}: no {anchor} in\n{stderr}"
        );
        assert!(
            stderr.contains(r#""os-419": {"family": "linx""#),
            "{args:?}: the snippet shows the mistake\n{stderr}"
        );
        let widest = stderr.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest < 300, "{args:?}: a line of {widest} characters");
    }
    let (code, stdout, _) = hybridc(&dir, &["check", "spec/", "--format", "json"]);
    assert_eq!(code, 2);
    assert_eq!(json_position(&stdout), (1, column as u64));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_key_and_a_value_of_a_million_characters_are_shown_short() {
    let dir = scratch("invalid", "schema-enum-value", "million");
    let spec = std::fs::read_to_string(dir.join("spec/hybrid.yaml")).expect("fixture spec");
    let long = "k".repeat(1_000_000);
    let spec = spec
        .replace("version: 1\n", &format!("version: 1\n? {long}\n: 1\n"))
        .replace("family: linx", &format!("family: {long}"));
    std::fs::write(dir.join("spec/hybrid.yaml"), spec).expect("write spec");
    let (code, _, stderr) = hybridc(&dir, &["validate", "spec/"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("hybridc::spec::unknown-key"), "{stderr}");
    assert!(stderr.contains("hybridc::spec::unknown-value"), "{stderr}");
    assert!(stderr.contains("[spec/hybrid.yaml:16:13]"), "{stderr}");
    let widest = stderr.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest < 300, "a line of {widest} characters");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// A secret no rendered diagnostic holds otherwise: its first character appears nowhere else,
/// so "no prefix of it is shown" is "its first character is not shown".
const SECRET: &str = "ØqZ7-hunter2";

/// Validates `spec` in a temporary repository and returns the exit code and stderr.
fn validate(name: &str, spec: &str) -> (i32, String) {
    let dir = crate::support::temp_dir(&format!("diagnostics-mask-{name}"));
    std::fs::create_dir_all(dir.join("spec")).expect("temp repository");
    std::fs::write(dir.join("spec/hybrid.yaml"), spec).expect("write spec");
    let output = crate::support::hybridc(&dir, &["validate", "spec/"]);
    let _ = std::fs::remove_dir_all(&dir);
    (
        output.status.code().expect("exited normally"),
        String::from_utf8(output.stderr).expect("UTF-8 diagnostics"),
    )
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Asserts that `stderr` holds a `code` diagnostic pointing at `position` and nothing of the
/// secret, and that the masked line keeps its shape.
fn assert_masked(case: &str, stderr: &str, code: &str, position: (usize, usize)) {
    let first = SECRET.chars().next().expect("a secret");
    for end in SECRET.char_indices().map(|(i, c)| i + c.len_utf8()) {
        assert!(
            !stderr.contains(&SECRET[..end]),
            "{case}: the output shows `{}`\n{stderr}",
            &SECRET[..end]
        );
    }
    assert!(!stderr.contains(first), "{case}: {stderr}");
    let anchor = format!("[spec/hybrid.yaml:{}:{}]", position.0, position.1);
    assert!(
        split_diagnostics(stderr)
            .iter()
            .any(|d| d.starts_with(&format!("{code}\n")) && d.contains(&anchor)),
        "{case}: no `{code}` at {anchor}\n{stderr}"
    );
    let masked = "*".repeat(SECRET.len());
    assert!(stderr.contains(&masked), "{case}: no mask\n{stderr}");
}

#[test]
fn literal_credentials_are_masked_in_rendered_errors() {
    let example =
        std::fs::read_to_string(repo().join("spec/hybrid.yaml")).expect("the example spec");
    let credentials: Vec<(usize, usize)> = example
        .match_indices("{ env: ")
        .map(|(start, _)| {
            (
                start,
                start + example[start..].find('}').expect("closed") + 1,
            )
        })
        .collect();
    assert!(credentials.len() >= 8, "the example has its credentials");
    for (i, (start, end)) in credentials.into_iter().enumerate() {
        // Plain and quoted scalars: the quotes are part of what is masked.
        let literal = if i % 2 == 0 {
            SECRET.to_owned()
        } else {
            format!("\"{SECRET}\"")
        };
        let spec = format!("{}{literal}{}", &example[..start], &example[end..]);
        let case = format!("credential {i} ({})", &example[start..end]);
        let (code, stderr) = validate(&format!("credential-{i}"), &spec);
        assert_eq!(code, 2, "{case}: {stderr}");
        assert_masked(
            &case,
            &stderr,
            "hybridc::spec::literal-credential",
            line_col(&spec, start),
        );
    }
}

#[test]
fn values_inside_a_credential_are_masked() {
    let example =
        std::fs::read_to_string(repo().join("spec/hybrid.yaml")).expect("the example spec");
    let credential = "{ env: PROXMOX_TOKEN }";
    let start = example
        .find(credential)
        .expect("the example reads PROXMOX_TOKEN");
    let spec = example.replacen(
        credential,
        &format!("{{ env: PROXMOX_TOKEN, value: {SECRET} }}"),
        1,
    );
    let key = start + "{ env: PROXMOX_TOKEN, ".len();
    let (code, stderr) = validate("inside-credential", &spec);
    assert_eq!(code, 2, "{stderr}");
    assert_masked(
        "an unknown key in a credential",
        &stderr,
        "hybridc::spec::unknown-key",
        line_col(&spec, key),
    );
}
