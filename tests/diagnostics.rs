//! Golden diagnostics: every folder under `tests/fixtures/invalid/` is a small repository with a
//! `spec/hybrid.yaml` that is wrong in one way (or several). The real binary validates it; its
//! exit code and stderr must equal `expected.code` and `expected.stderr`. Folders under
//! `tests/fixtures/compile-invalid/` hold specs that validate but cannot compile (plugin
//! conformance, option conflicts): the binary compiles them and must write nothing. Each spec also states,
//! in `# expect: LINE:COL CODE` comments, where its diagnostics must point, so positions are
//! checked independently of the snapshot. `HYBRIDC_BLESS=1 cargo test` rewrites the snapshots.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures(folder: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder);
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
    let bless = std::env::var_os("HYBRIDC_BLESS").is_some();
    let mut failures = Vec::new();
    for case in cases {
        let name = case
            .file_name()
            .expect("named")
            .to_string_lossy()
            .into_owned();
        let output = Command::new(env!("CARGO_BIN_EXE_hybridc"))
            .args(args)
            .current_dir(case)
            .env("NO_COLOR", "1")
            .output()
            .expect("the binary runs");
        let code = output
            .status
            .code()
            .expect("exited normally, not by a signal");
        let stderr = String::from_utf8(output.stderr).expect("UTF-8 diagnostics");
        let expected_stderr = case.join("expected.stderr");
        let expected_code = case.join("expected.code");
        if bless {
            std::fs::write(&expected_stderr, &stderr).expect("write snapshot");
            std::fs::write(&expected_code, format!("{code}\n")).expect("write snapshot");
        }
        let want_stderr = std::fs::read_to_string(&expected_stderr).unwrap_or_default();
        let want_code: i32 = std::fs::read_to_string(&expected_code)
            .ok()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(-1);
        if code != want_code {
            failures.push(format!("{name}: exit code {code}, expected {want_code}"));
        }
        if stderr != want_stderr {
            failures.push(format!(
                "{name}: stderr differs\n--- expected\n{want_stderr}\n--- actual\n{stderr}"
            ));
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
