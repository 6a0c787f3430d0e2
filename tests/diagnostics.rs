//! Golden diagnostics: every folder under `tests/fixtures/invalid/` is a small repository with a
//! `spec/hybrid.yaml` that is wrong in one way (or several). The real binary validates it; its
//! exit code and stderr must equal `expected.code` and `expected.stderr`. Folders under
//! `tests/fixtures/compile-invalid/` hold specs that validate but cannot compile (plugin
//! conformance, option conflicts): the binary compiles them and must write nothing. Each spec also states,
//! in `# expect: LINE:COL CODE` comments, where its diagnostics must point, so positions are
//! checked independently of the snapshot. `HYBRIDC_BLESS=1 cargo test` rewrites the snapshots.
//! A secret written as a literal is masked in every snippet: the example's credentials, each
//! replaced by a literal in turn, must not show up in the rendered errors.

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

/// A secret no rendered diagnostic holds otherwise: its first character appears nowhere else,
/// so "no prefix of it is shown" is "its first character is not shown".
const SECRET: &str = "ØqZ7-hunter2";

/// Validates `spec` in a temporary repository and returns the exit code and stderr.
fn validate(name: &str, spec: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("hybridc-mask-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).expect("temp repository");
    std::fs::write(dir.join("spec/hybrid.yaml"), spec).expect("write spec");
    let output = Command::new(env!("CARGO_BIN_EXE_hybridc"))
        .args(["validate", "spec/"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
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
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/hybrid.yaml"))
            .expect("the example spec");
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
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/hybrid.yaml"))
            .expect("the example spec");
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
