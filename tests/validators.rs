//! The image repository's installer files, scripts and playbooks, checked by the real tools that
//! read them (or by the installer's own schema), not by look-alikes.
//!
//! Installer files are checked as rendered: the golden files under
//! `tests/fixtures/installers/<os>/<case>/<file>` that `tests/installers.rs` renders from
//! `builds/<os>/*.pkrtpl.hcl` and keeps current, so these tests need no Go. Scripts and playbooks
//! are checked where they live.
//!
//! | file | validator |
//! | --- | --- |
//! | Ubuntu `user-data` | starts with `#cloud-config`; its `autoinstall:` value validates against subiquity's own JSON Schema (`tests/fixtures/validators/subiquity-autoinstall-schema.json`, source in the README there), in process with the `jsonschema` crate |
//! | Ubuntu `meta-data` | parses as YAML (into a mapping, as cloud-init's NoCloud needs) |
//! | Rocky `ks` | `ksvalidator -v RHEL9` (PyPI `pykickstart`) |
//! | Debian `preseed` | `debconf-set-selections --checkonly` (Debian `debconf`), with empty stderr: it exits 0 on lines it skips |
//! | Windows `autounattend` | `xmllint --noout` (Debian `libxml2-utils`); exactly one image selection, `/IMAGE/NAME` with the edition's image name |
//! | `scripts/linux/*.sh` | `shellcheck` (Debian `shellcheck`) |
//! | `ansible/linux.yml`, `ansible/windows.yml` | `ansible-playbook --syntax-check` with `ANSIBLE_CONFIG=ansible/ansible.cfg` (PyPI `ansible`, which bundles `ansible.windows`) |
//! | `ansible/` | `ansible-lint --profile production --strict` (PyPI `ansible-lint`) |
//!
//! The schema declares no `$schema`; subiquity validates with Python's `jsonschema.validate`,
//! which then uses draft 2020-12 without asserting `format`, and so does `validator_for` here.
//! The YAML is read with `hybridc::yaml` (YAML 1.2 core schema) where cloud-init uses PyYAML
//! (YAML 1.1). Both read today's `user-data` and `meta-data` into the same data; they would differ
//! on a plain `yes`, `no`, `on`, `off` or a number with a leading zero, so templates should not
//! write those unquoted.
//!
//! A missing tool prints `SKIPPED <check>: <tool> not installed (<install hint>)` and the test
//! passes, except when `CI` is set, where it fails; `.ci/run` installs every tool (the Python
//! ones at pinned versions). A tool that is there but broken always fails. No test writes into
//! the repository: `ansible-lint` runs with `--offline`, which keeps its cache out of the
//! project directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hybridc::diagnostic::{SourceFile, render};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `path` relative to the repository, for messages.
fn rel(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn golden_root() -> PathBuf {
    repo().join("tests/fixtures/installers")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .collect();
    entries.sort();
    entries
}

/// Every rendered installer file: `tests/fixtures/installers/<os>/<case>/<file>`, sorted.
fn golden_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for os in sorted_entries(&golden_root()) {
        for case in sorted_entries(&os).into_iter().filter(|p| p.is_dir()) {
            files.extend(sorted_entries(&case).into_iter().filter(|p| p.is_file()));
        }
    }
    files
}

/// The rendered installer files named `name`; there must be at least one.
fn golden_files_named(name: &str) -> Vec<PathBuf> {
    let files: Vec<PathBuf> = golden_files()
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == name))
        .collect();
    assert!(
        !files.is_empty(),
        "no golden file named {name:?} under {}; run `HYBRIDC_BLESS=1 cargo test --test installers`",
        rel(&golden_root())
    );
    files
}

/// The case a golden file belongs to: the name of the folder it is in.
fn case_of(file: &Path) -> String {
    file.parent()
        .and_then(Path::file_name)
        .expect("golden files live in a case folder")
        .to_string_lossy()
        .into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", rel(path)))
}

// ---------------------------------------------------------------------------------------------
// External tools
// ---------------------------------------------------------------------------------------------

/// A validator that runs as its own program.
struct Tool {
    program: &'static str,
    /// Arguments of a run that must succeed when the tool works.
    probe: &'static [&'static str],
    install: &'static str,
}

const SHELLCHECK: Tool = Tool {
    program: "shellcheck",
    probe: &["--version"],
    install: "apt-get install shellcheck",
};

const XMLLINT: Tool = Tool {
    program: "xmllint",
    probe: &["--version"],
    install: "apt-get install libxml2-utils",
};

const DEBCONF_SET_SELECTIONS: Tool = Tool {
    program: "debconf-set-selections",
    probe: &["--checkonly", "/dev/null"],
    install: "apt-get install debconf",
};

const KSVALIDATOR: Tool = Tool {
    program: "ksvalidator",
    probe: &["--listversions"],
    install: "python3 -m pip install pykickstart, at the version pinned in .ci/run",
};

const ANSIBLE_PLAYBOOK: Tool = Tool {
    program: "ansible-playbook",
    probe: &["--version"],
    install: "python3 -m pip install ansible, at the version pinned in .ci/run",
};

const ANSIBLE_LINT: Tool = Tool {
    program: "ansible-lint",
    probe: &["--version"],
    install: "python3 -m pip install ansible-lint, at the version pinned in .ci/run",
};

/// Whether `tool` can run. When it is not installed, prints why `check` is skipped and returns
/// false, or fails when `CI` is set. A tool that is installed but fails its probe is an error.
fn available(check: &str, tool: &Tool) -> bool {
    match Command::new(tool.program).args(tool.probe).output() {
        Ok(out) if out.status.success() => return true,
        // 127: a wrapper (such as a pyenv shim) that found no program behind it.
        Ok(out) if out.status.code() == Some(127) => {}
        Ok(out) => panic!(
            "{check}: {} is installed but does not work:\n{}",
            tool.program,
            describe(&probe_line(tool), &out)
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("{check}: cannot run {}: {e}", tool.program),
    }
    let message = format!(
        "SKIPPED {check}: {} not installed ({})",
        tool.program, tool.install
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}; CI must run every validator");
    }
    // Straight to stderr: the test harness would swallow eprintln! of a passing test.
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***\n");
    false
}

fn probe_line(tool: &Tool) -> String {
    std::iter::once(tool.program)
        .chain(tool.probe.iter().copied())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `command` in the repository and returns what it did.
fn run(command: &mut Command) -> Output {
    command
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

/// A command line, its exit status and everything it printed.
fn describe(command_line: &str, out: &Output) -> String {
    let mut text = format!("$ {command_line}\n{}\n", out.status);
    for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let stream = String::from_utf8_lossy(stream);
        if !stream.trim().is_empty() {
            text.push_str(&format!("--- {name}\n{}\n", stream.trim_end()));
        }
    }
    text
}

/// Fails with every problem found, if any.
fn assert_no_problems(check: &str, problems: &[String]) {
    if !problems.is_empty() {
        panic!(
            "{check}: {} problem(s):\n\n{}",
            problems.len(),
            problems.join("\n\n")
        );
    }
}

/// Runs `program args.. file` on every file and collects the runs that fail (and, when
/// `quiet_stderr`, the runs that print anything on stderr).
fn check_each(tool: &Tool, args: &[&str], files: &[PathBuf], quiet_stderr: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for file in files {
        let file = rel(file);
        let out = run(Command::new(tool.program).args(args).arg(&file));
        let line = format!("{} {} {file}", tool.program, args.join(" "));
        if !out.status.success() {
            problems.push(describe(&line, &out));
        } else if quiet_stderr && !out.stderr.is_empty() {
            problems.push(format!(
                "{file}: exit status 0, but stderr is not empty (skipped or bad lines)\n{}",
                describe(&line, &out)
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// Ubuntu: autoinstall user-data and meta-data
// ---------------------------------------------------------------------------------------------

const SUBIQUITY_SCHEMA: &str = "tests/fixtures/validators/subiquity-autoinstall-schema.json";

fn subiquity_validator() -> jsonschema::Validator {
    let path = repo().join(SUBIQUITY_SCHEMA);
    let schema: Value = serde_json::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{SUBIQUITY_SCHEMA} is not JSON: {e}"));
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{SUBIQUITY_SCHEMA} is not a valid JSON Schema: {e}"))
}

/// Parses a YAML file with the crate's parser, or describes why it does not parse.
fn parse_yaml(path: &Path, text: &str) -> Result<hybridc::yaml::Node, String> {
    hybridc::yaml::parse(text).map_err(|diagnostics| {
        let source = SourceFile::new(rel(path), text);
        format!(
            "{} is not valid YAML:\n{}",
            rel(path),
            render(&diagnostics, &source, false)
        )
    })
}

/// Every schema error of `autoinstall` (found at `/autoinstall` of `tree`), with its instance
/// path and where it is in the file.
fn autoinstall_errors(
    validator: &jsonschema::Validator,
    autoinstall: &Value,
    tree: &hybridc::yaml::Node,
    source: &SourceFile,
) -> Vec<String> {
    validator
        .iter_errors(autoinstall)
        .map(|error| {
            let pointer = format!("/autoinstall{}", error.instance_path().as_str());
            let at = tree.locate_nearest(&pointer).key_or_value();
            let (line, col) = source.line_col(at.start);
            format!(
                "{}:{line}:{col}: at {pointer}: {error} (schema: {})",
                source.name,
                error.schema_path().as_str()
            )
        })
        .collect()
}

/// Each `user-data` is cloud-config (first line `#cloud-config`, which cloud-init needs to read
/// it as such) and its `autoinstall:` value validates against subiquity's autoinstall schema.
#[test]
fn ubuntu_user_data_is_cloud_config_valid_against_subiquity_autoinstall_schema() {
    let validator = subiquity_validator();
    let mut problems = Vec::new();
    for path in golden_files_named("user-data") {
        let text = read(&path);
        let name = rel(&path);
        if text.lines().next().map(str::trim_end) != Some("#cloud-config") {
            problems.push(format!(
                "{name}:1: the first line must be `#cloud-config`, found {:?}",
                text.lines().next().unwrap_or("")
            ));
        }
        let tree = match parse_yaml(&path, &text) {
            Ok(tree) => tree,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let Some(autoinstall) = tree.to_json().get("autoinstall").cloned() else {
            problems.push(format!("{name}: no top-level `autoinstall:` key"));
            continue;
        };
        let source = SourceFile::new(name, text.as_str());
        problems.extend(autoinstall_errors(&validator, &autoinstall, &tree, &source));
    }
    assert_no_problems("subiquity autoinstall schema", &problems);
}

/// The schema copy is not vacuous: the same validation rejects a broken autoinstall section
/// (a version other than 1, an identity without username and password, an unknown shutdown
/// action).
#[test]
fn subiquity_autoinstall_schema_rejects_a_broken_autoinstall_section() {
    let validator = subiquity_validator();
    let path = golden_files_named("user-data")
        .into_iter()
        .next()
        .expect("at least one user-data");
    let text = read(&path);
    let tree = parse_yaml(&path, &text).unwrap_or_else(|e| panic!("{e}"));
    let mut autoinstall = tree
        .to_json()
        .get("autoinstall")
        .cloned()
        .unwrap_or_else(|| panic!("{}: no autoinstall section", rel(&path)));
    autoinstall["version"] = Value::from(2);
    autoinstall["identity"] = serde_json::json!({ "hostname": "x" });
    autoinstall["shutdown"] = Value::from("halt-and-catch-fire");
    let paths: Vec<String> = validator
        .iter_errors(&autoinstall)
        .map(|e| e.instance_path().as_str().to_owned())
        .collect();
    for want in ["/version", "/identity", "/shutdown"] {
        assert!(
            paths.iter().any(|p| p == want),
            "expected a schema error at {want}, got errors at {paths:?}"
        );
    }
}

/// Each `meta-data` parses as YAML, into a mapping (cloud-init's NoCloud reads it as one).
#[test]
fn ubuntu_meta_data_is_a_yaml_mapping() {
    let mut problems = Vec::new();
    for path in golden_files_named("meta-data") {
        let text = read(&path);
        match parse_yaml(&path, &text) {
            Ok(tree) if tree.to_json().is_object() => {}
            Ok(tree) => problems.push(format!(
                "{}: parses, but as {} instead of a mapping",
                rel(&path),
                tree.to_json()
            )),
            Err(e) => problems.push(e),
        }
    }
    assert_no_problems("meta-data YAML", &problems);
}

// ---------------------------------------------------------------------------------------------
// Rocky: kickstart
// ---------------------------------------------------------------------------------------------

/// Each rendered kickstart passes pykickstart's `ksvalidator` for RHEL 9 syntax.
#[test]
fn rocky_kickstart_passes_ksvalidator_rhel9() {
    let check = "rocky_kickstart_passes_ksvalidator_rhel9";
    if !available(check, &KSVALIDATOR) {
        return;
    }
    let problems = check_each(
        &KSVALIDATOR,
        &["-v", "RHEL9"],
        &golden_files_named("ks"),
        false,
    );
    assert_no_problems(check, &problems);
}

// ---------------------------------------------------------------------------------------------
// Debian: preseed
// ---------------------------------------------------------------------------------------------

/// Each rendered preseed passes `debconf-set-selections --checkonly` without a word on stderr
/// (the tool exits 0 when it skips a line with an unknown type).
#[test]
fn debian_preseed_passes_debconf_set_selections_checkonly() {
    let check = "debian_preseed_passes_debconf_set_selections_checkonly";
    if !available(check, &DEBCONF_SET_SELECTIONS) {
        return;
    }
    let problems = check_each(
        &DEBCONF_SET_SELECTIONS,
        &["--checkonly"],
        &golden_files_named("preseed"),
        true,
    );
    assert_no_problems(check, &problems);
}

// ---------------------------------------------------------------------------------------------
// Windows: autounattend
// ---------------------------------------------------------------------------------------------

/// The image each Windows case must select, as `tests/installers.rs` passes it in `image_name`.
fn expected_image_name(case: &str) -> Option<&'static str> {
    match case {
        "standard-proxmox" => Some("Windows Server 2022 SERVERSTANDARD"),
        "datacenter-vsphere" => Some("Windows Server 2022 SERVERDATACENTER"),
        _ => None,
    }
}

/// Each rendered answer file is well-formed XML for `xmllint`.
#[test]
fn windows_autounattend_is_well_formed_xml() {
    let check = "windows_autounattend_is_well_formed_xml";
    if !available(check, &XMLLINT) {
        return;
    }
    let problems = check_each(
        &XMLLINT,
        &["--noout"],
        &golden_files_named("autounattend"),
        false,
    );
    assert_no_problems(check, &problems);
}

/// The text between `open` and the next `close` in `text`, from `from` on, and where it ends.
fn between<'a>(text: &'a str, from: usize, open: &str, close: &str) -> Option<(&'a str, usize)> {
    let start = from + text[from..].find(open)? + open.len();
    let end = start + text[start..].find(close)?;
    Some((&text[start..end], end + close.len()))
}

/// Undoes XML's predefined entities.
fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every `<MetaData>` image selection (`<Key>` and `<Value>`) in an answer file.
fn image_selections(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some((metadata, end)) = between(text, at, "<MetaData", "</MetaData>") {
        let key = between(metadata, 0, "<Key>", "</Key>").map(|(k, _)| xml_unescape(k.trim()));
        let value =
            between(metadata, 0, "<Value>", "</Value>").map(|(v, _)| xml_unescape(v.trim()));
        found.push((key.unwrap_or_default(), value.unwrap_or_default()));
        at = end;
    }
    found
}

/// Each answer file selects exactly one image, by `/IMAGE/NAME`, and it is the image of the
/// case's edition: Setup would otherwise stop and ask, or install the wrong edition.
#[test]
fn windows_autounattend_selects_exactly_the_editions_image() {
    let mut problems = Vec::new();
    for path in golden_files_named("autounattend") {
        let name = rel(&path);
        let case = case_of(&path);
        let Some(want) = expected_image_name(&case) else {
            problems.push(format!(
                "{name}: unknown case {case:?}: add its image name to expected_image_name()"
            ));
            continue;
        };
        let selections = image_selections(&read(&path));
        let wanted = [("/IMAGE/NAME".to_owned(), want.to_owned())];
        if selections != wanted {
            problems.push(format!(
                "{name}: want exactly one image selection {wanted:?}, found {selections:?}"
            ));
        }
    }
    assert_no_problems("autounattend image selection", &problems);
}

// ---------------------------------------------------------------------------------------------
// Every rendered installer file has a validator
// ---------------------------------------------------------------------------------------------

/// A new kind of installer file must get a validator here.
#[test]
fn every_rendered_installer_file_has_a_validator() {
    const VALIDATED: &[&str] = &["user-data", "meta-data", "ks", "preseed", "autounattend"];
    let unchecked: Vec<String> = golden_files()
        .iter()
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| VALIDATED.iter().any(|v| n == *v))
        })
        .map(|p| rel(p))
        .collect();
    assert!(
        unchecked.is_empty(),
        "no validator in tests/validators.rs for {unchecked:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------------------------

/// Every `scripts/linux/*.sh`, sorted, relative to the repository.
fn linux_scripts() -> Vec<PathBuf> {
    let scripts: Vec<PathBuf> = sorted_entries(&repo().join("scripts/linux"))
        .into_iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sh"))
        .collect();
    assert!(!scripts.is_empty(), "no scripts/linux/*.sh");
    scripts
}

/// Every Linux provisioning script passes `shellcheck` (all severities, dialect from the
/// shebang).
#[test]
fn linux_scripts_pass_shellcheck() {
    let check = "linux_scripts_pass_shellcheck";
    if !available(check, &SHELLCHECK) {
        return;
    }
    let scripts: Vec<String> = linux_scripts().iter().map(|p| rel(p)).collect();
    let out = run(Command::new(SHELLCHECK.program).args(&scripts));
    if !out.status.success() {
        let line = format!("shellcheck {}", scripts.join(" "));
        assert_no_problems(check, &[describe(&line, &out)]);
    }
}

// ---------------------------------------------------------------------------------------------
// Ansible
// ---------------------------------------------------------------------------------------------

const ANSIBLE_CONFIG: &str = "ansible/ansible.cfg";
const PLAYBOOKS: &[&str] = &["ansible/linux.yml", "ansible/windows.yml"];

/// Both playbooks pass `ansible-playbook --syntax-check`, which also resolves every role and
/// module (the Windows one's come from the `ansible.windows` collection).
#[test]
fn ansible_playbooks_pass_syntax_check() {
    let check = "ansible_playbooks_pass_syntax_check";
    if !available(check, &ANSIBLE_PLAYBOOK) {
        return;
    }
    let mut problems = Vec::new();
    for playbook in PLAYBOOKS {
        let out = run(Command::new(ANSIBLE_PLAYBOOK.program)
            .env("ANSIBLE_CONFIG", ANSIBLE_CONFIG)
            .env("ANSIBLE_NOCOLOR", "1")
            .args(["--syntax-check", playbook]));
        if !out.status.success() {
            let line = format!(
                "ANSIBLE_CONFIG={ANSIBLE_CONFIG} ansible-playbook --syntax-check {playbook}"
            );
            problems.push(describe(&line, &out));
        }
    }
    assert_no_problems(check, &problems);
}

/// `ansible/` (playbooks and roles) passes `ansible-lint` with the `production` profile, warnings
/// counted as failures. `--offline` keeps it from installing anything and from writing its cache
/// into the repository.
#[test]
fn ansible_lint_passes_production_profile() {
    let check = "ansible_lint_passes_production_profile";
    if !available(check, &ANSIBLE_LINT) {
        return;
    }
    let args = [
        "--offline",
        "--nocolor",
        "--profile",
        "production",
        "--strict",
        "ansible/",
    ];
    let out = run(Command::new(ANSIBLE_LINT.program)
        .env("ANSIBLE_CONFIG", ANSIBLE_CONFIG)
        .args(args));
    if !out.status.success() {
        let line = format!(
            "ANSIBLE_CONFIG={ANSIBLE_CONFIG} ansible-lint {}",
            args.join(" ")
        );
        assert_no_problems(check, &[describe(&line, &out)]);
    }
}
