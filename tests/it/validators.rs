//! The image repository's installer files, scripts and playbooks, checked by the real tools that
//! read them (or by the installer's own schema), not by look-alikes.
//!
//! Installer files are checked as rendered: the golden files under
//! `tests/fixtures/installers/<os>/<case>/<file>` that `tests/it/installers.rs` renders from
//! the templates every OS reads (`installers/<kind>/*.pkrtpl.hcl`) and keeps current, so these tests need no Go. Scripts and playbooks
//! are checked where they live.
//!
//! | file | validator |
//! | --- | --- |
//! | autoinstall `user-data` (every Ubuntu release) | starts with `#cloud-config`; its `autoinstall:` value validates against subiquity's own JSON Schema (`tests/fixtures/validators/subiquity-autoinstall-schema.json`, source in the README there), in process with the `jsonschema` crate |
//! | Ubuntu `meta-data` | parses as YAML (into a mapping, as cloud-init's NoCloud needs) |
//! | kickstart `ks` | `ksvalidator -e -v <syntax>` (PyPI `pykickstart`) with the syntax version of the release it was rendered for: `F<version>` for Fedora, `RHEL<major>` for the others |
//! | preseed (every Debian release) | `debconf-set-selections --checkonly` (Debian `debconf`), with empty stderr: it exits 0 on lines it skips |
//! | Windows `autounattend` | `xmllint --noout` (Debian `libxml2-utils`); exactly one image selection, `/IMAGE/NAME` with the edition's image name; the partition layout of the case's firmware (MBR with one active partition, or GPT with EFI and MSR) and `InstallTo` on its Windows partition; the static network command; Setup's length limits on first-logon commands and the computer name |
//! | SUSE `autoinst` | `xmllint --noout`; a `<profile>` in AutoYaST's namespaces (AutoYaST's RELAX NG schema is in no registry) |
//! | Photon `ks.json` | a JSON object with only the keys the installer accepts (`Installer.known_keys` of photon-os-installer, which publishes no schema), and the documented shapes of `packages`, `postinstall`, `password` and `network` |
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

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hybridc::diagnostic::{SourceFile, render};
use serde_json::Value;

use crate::support::{missing, repo};

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

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
        "no golden file named {name:?} under {}; run `HYBRIDC_BLESS=1 cargo test --test it installers::`",
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

/// Whether `tool` can run. When it is not installed, the test is skipped (see
/// [`missing`](crate::support::missing)), or fails when `CI` is set. A tool that is installed but fails its probe is an error.
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
    missing(&format!("{} is not installed", tool.program), tool.install)
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
// Red Hat family: kickstart
// ---------------------------------------------------------------------------------------------

/// The OS a golden file was rendered for: the folder above its case folder.
fn os_of(file: &Path) -> String {
    file.parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .expect("golden files live in <os>/<case>/")
        .to_string_lossy()
        .into_owned()
}

/// The pykickstart syntax version a kickstart release is read with (`ksvalidator
/// --listversions`): Fedora's own release, `F<version>`; every other Red Hat family release
/// (RHEL and its rebuilds, CentOS Stream) that of the RHEL major version it follows.
fn kickstart_syntax(release: &hybridc::release::Release) -> String {
    let major = release.version.split('.').next().unwrap_or(release.version);
    match release.distribution {
        "fedora" => format!("F{major}"),
        _ => format!("RHEL{major}"),
    }
}

/// Each rendered kickstart passes pykickstart's `ksvalidator` with the syntax version of the
/// release it was rendered for (RHEL8, RHEL9, RHEL10, F43, ...), warnings included (`-e`):
/// a command that release's anaconda removed or deprecated fails. The runs are started
/// together and then awaited.
#[test]
fn kickstart_passes_ksvalidator_of_its_release() {
    let check = "kickstart_passes_ksvalidator_of_its_release";
    if !available(check, &KSVALIDATOR) {
        return;
    }
    let mut problems = Vec::new();
    let mut runs = Vec::new();
    for file in golden_files_named("ks") {
        let os = os_of(&file);
        let Some(release) = hybridc::release::find(&os) else {
            problems.push(format!(
                "{}: {os} is no release of the catalogue, so its kickstart syntax is unknown",
                rel(&file)
            ));
            continue;
        };
        let args = vec!["-e".to_owned(), "-v".to_owned(), kickstart_syntax(release)];
        let child = Command::new(KSVALIDATOR.program)
            .args(&args)
            .arg(rel(&file))
            .current_dir(repo())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", KSVALIDATOR.program));
        runs.push((
            format!("{} {} {}", KSVALIDATOR.program, args.join(" "), rel(&file)),
            child,
        ));
    }
    for (line, child) in runs {
        let out = child.wait_with_output().expect("ksvalidator finishes");
        if !out.status.success() {
            problems.push(describe(&line, &out));
        }
    }
    assert_no_problems(check, &problems);
}

/// Each kickstart release maps to a syntax version pykickstart knows, and the versions are
/// the ones the releases follow.
#[test]
fn every_kickstart_release_has_a_pykickstart_syntax_version() {
    use hybridc::release::{all, find};
    let syntax = |name: &str| find(name).map(kickstart_syntax);
    assert_eq!(syntax("rhel-8").as_deref(), Some("RHEL8"));
    assert_eq!(syntax("rocky-10").as_deref(), Some("RHEL10"));
    assert_eq!(syntax("centos-stream-9").as_deref(), Some("RHEL9"));
    assert_eq!(syntax("fedora-43").as_deref(), Some("F43"));
    let check = "every_kickstart_release_has_a_pykickstart_syntax_version";
    if !available(check, &KSVALIDATOR) {
        return;
    }
    let out = run(Command::new(KSVALIDATOR.program).arg("--listversions"));
    let known = String::from_utf8_lossy(&out.stdout).into_owned();
    let unknown: Vec<String> = all()
        .filter(|r| r.installer == hybridc::spec::Installer::Kickstart)
        .map(kickstart_syntax)
        .filter(|v| !known.split_whitespace().any(|k| k == v))
        .collect();
    assert!(unknown.is_empty(), "pykickstart does not know {unknown:?}");
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

/// The image each Windows case must select, as `tests/it/installers.rs` passes it in `image_name`.
fn expected_image_name(case: &str) -> Option<&'static str> {
    match case {
        "standard-proxmox" | "standard-proxmox-bios" => Some("Windows Server 2022 SERVERSTANDARD"),
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
    const VALIDATED: &[&str] = &[
        "user-data",
        "meta-data",
        "ks",
        "preseed",
        "autounattend",
        "autoinst",
        "ks.json",
    ];
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
        "no validator in tests/it/validators.rs for {unchecked:?}"
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

// ---------------------------------------------------------------------------------------------
// Windows: partitions, static network, first-logon commands, computer name
// ---------------------------------------------------------------------------------------------

/// The static network of a Windows case, as `windows_cases` in `tests/it/installers.rs` passes it
/// (the address split into address and prefix length).
struct WindowsNetwork {
    address: &'static str,
    prefix: &'static str,
    gateway: &'static str,
    dns: &'static [&'static str],
}

/// What a Windows case of `tests/it/installers.rs` passes, as far as the checks below need it.
struct WindowsCase {
    firmware: &'static str,
    computer_name: &'static str,
    /// `None` for DHCP.
    network: Option<WindowsNetwork>,
}

fn windows_case(case: &str) -> Option<WindowsCase> {
    match case {
        "standard-proxmox" => Some(WindowsCase {
            firmware: "uefi",
            computer_name: "WIN2022-STD",
            network: None,
        }),
        "datacenter-vsphere" => Some(WindowsCase {
            firmware: "uefi",
            computer_name: "WIN2022-DC",
            network: Some(WindowsNetwork {
                address: "192.0.2.10",
                prefix: "24",
                gateway: "192.0.2.1",
                dns: &["192.0.2.53", "198.51.100.53"],
            }),
        }),
        "standard-proxmox-bios" => Some(WindowsCase {
            firmware: "bios",
            computer_name: "WIN2022-STD-BIO",
            network: None,
        }),
        _ => None,
    }
}

/// Every rendered answer file (without its XML comments) with its case; a case that
/// `windows_case` does not know is a problem.
fn windows_renders(problems: &mut Vec<String>) -> Vec<(String, String, WindowsCase)> {
    let mut renders = Vec::new();
    for path in golden_files_named("autounattend") {
        let name = rel(&path);
        let case = case_of(&path);
        match windows_case(&case) {
            Some(expected) => renders.push((name, without_comments(&read(&path)), expected)),
            None => problems.push(format!(
                "{name}: unknown case {case:?}: add it to windows_case()"
            )),
        }
    }
    renders
}

/// `text` without `<!-- ... -->` comments, so that only elements are looked at.
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Every `<tag ...>body</tag>` in `text` (not nested in one another): its attributes and body.
/// `<CreatePartition` does not match `<CreatePartitions>`.
fn elements<'a>(text: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find(&open) {
        let after_name = at + i + open.len();
        let rest = &text[after_name..];
        if !rest.starts_with(['>', ' ', '\t', '\r', '\n']) {
            at = after_name;
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        let body_start = after_name + gt + 1;
        let Some(len) = text[body_start..].find(&close) else {
            break;
        };
        found.push((&rest[..gt], &text[body_start..body_start + len]));
        at = body_start + len + close.len();
    }
    found
}

/// The unescaped, trimmed text of the first `<tag>` in `text`.
fn child(text: &str, tag: &str) -> Option<String> {
    elements(text, tag)
        .first()
        .map(|(_, body)| xml_unescape(body.trim()))
}

/// One partition of disk 0 as the answer file has Setup create and format it.
#[derive(Debug, Default)]
struct Partition {
    /// The `PartitionID` Setup gives it: its `Order` among the created (primary) partitions.
    id: u32,
    kind: String,
    extend: bool,
    format: Option<String>,
    label: Option<String>,
    active: bool,
    letter: Option<String>,
}

/// The partitions of the single wiped disk 0 and the `InstallTo` partition of disk 0.
fn disk_layout(text: &str) -> Result<(Vec<Partition>, u32), String> {
    let disks = elements(text, "Disk");
    let [(_, disk)] = disks.as_slice() else {
        return Err(format!("want exactly one <Disk>, found {}", disks.len()));
    };
    if child(disk, "DiskID").as_deref() != Some("0")
        || child(disk, "WillWipeDisk").as_deref() != Some("true")
    {
        return Err("the disk is not disk 0 with WillWipeDisk true".into());
    }
    let number = |text: &str, tag: &str| -> Result<u32, String> {
        child(text, tag)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no numeric <{tag}> in {text:?}"))
    };
    let mut partitions = Vec::new();
    for (_, create) in elements(disk, "CreatePartition") {
        partitions.push(Partition {
            id: number(create, "Order")?,
            kind: child(create, "Type").unwrap_or_default(),
            extend: child(create, "Extend").as_deref() == Some("true"),
            ..Partition::default()
        });
    }
    let orders: Vec<u32> = partitions.iter().map(|p| p.id).collect();
    if orders != (1..=partitions.len() as u32).collect::<Vec<_>>() {
        return Err(format!("partition orders are not 1, 2, ...: {orders:?}"));
    }
    for (_, modify) in elements(disk, "ModifyPartition") {
        let id = number(modify, "PartitionID")?;
        let Some(partition) = partitions.iter_mut().find(|p| p.id == id) else {
            return Err(format!(
                "ModifyPartition of PartitionID {id}, which is not created"
            ));
        };
        partition.format = child(modify, "Format");
        partition.label = child(modify, "Label");
        partition.active = child(modify, "Active").as_deref() == Some("true");
        partition.letter = child(modify, "Letter");
    }
    let install = elements(text, "InstallTo");
    let [(_, install)] = install.as_slice() else {
        return Err(format!(
            "want exactly one <InstallTo>, found {}",
            install.len()
        ));
    };
    if child(install, "DiskID").as_deref() != Some("0") {
        return Err("InstallTo is not on disk 0".into());
    }
    Ok((partitions, number(install, "PartitionID")?))
}

/// The partition layout is the one Windows Setup needs for the case's firmware (Microsoft Learn,
/// "Sample: Configure BIOS/MBR-Based Hard Drive Partitions by Using Windows Setup" and its
/// UEFI/GPT counterpart): on BIOS an MBR layout, a system partition marked active and no EFI or
/// MSR partition; on UEFI an EFI system partition (FAT32), an MSR and nothing marked active. On
/// both, Windows goes on the last partition, which takes the rest of the disk and gets C:, and
/// `InstallTo` names that partition.
#[test]
fn windows_partition_layout_matches_the_firmware() {
    let mut problems = Vec::new();
    for (name, text, case) in windows_renders(&mut problems) {
        let (partitions, install_to) = match disk_layout(&text) {
            Ok(layout) => layout,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        let mut problem = |what: String| {
            problems.push(format!(
                "{name} ({}): {what}\n{partitions:#?}",
                case.firmware
            ))
        };
        let kinds: Vec<&str> = partitions.iter().map(|p| p.kind.as_str()).collect();
        let active: Vec<u32> = partitions
            .iter()
            .filter(|p| p.active)
            .map(|p| p.id)
            .collect();

        match partitions.last() {
            Some(windows)
                if windows.kind == "Primary"
                    && windows.extend
                    && windows.format.as_deref() == Some("NTFS")
                    && windows.label.as_deref() == Some("Windows")
                    && windows.letter.as_deref() == Some("C") =>
            {
                if install_to != windows.id {
                    problem(format!(
                        "InstallTo PartitionID is {install_to}, the Windows partition is {}",
                        windows.id
                    ));
                }
            }
            _ => problem(
                "the last partition is not the extended NTFS Windows partition on C:".into(),
            ),
        }

        match case.firmware {
            "bios" => {
                if kinds != ["Primary", "Primary"] {
                    problem(format!(
                        "want two primary partitions (MBR), found {kinds:?}"
                    ));
                }
                if text.contains("<Type>EFI</Type>") || text.contains("<Type>MSR</Type>") {
                    problem("an EFI or MSR partition on BIOS".into());
                }
                if active != [1] {
                    problem(format!("want exactly partition 1 active, found {active:?}"));
                }
                let system = &partitions[0];
                if system.format.as_deref() != Some("NTFS") || system.letter.is_some() {
                    problem("the system partition must be NTFS without a drive letter".into());
                }
            }
            "uefi" => {
                if kinds != ["EFI", "MSR", "Primary"] {
                    problem(format!("want EFI, MSR, Primary (GPT), found {kinds:?}"));
                }
                if partitions.first().and_then(|p| p.format.as_deref()) != Some("FAT32") {
                    problem("the EFI system partition must be FAT32".into());
                }
                if text.contains("<Active>") {
                    problem("<Active> has no place on GPT".into());
                }
            }
            other => problem(format!("unknown firmware {other:?}")),
        }
    }
    assert_no_problems("autounattend partition layout", &problems);
}

/// One `<SynchronousCommand>` of `<FirstLogonCommands>`.
#[derive(Debug)]
struct FirstLogonCommand {
    order: String,
    description: String,
    command_line: String,
}

fn first_logon_commands(text: &str) -> Vec<FirstLogonCommand> {
    elements(text, "FirstLogonCommands")
        .iter()
        .flat_map(|(_, body)| elements(body, "SynchronousCommand"))
        .map(|(_, command)| FirstLogonCommand {
            order: child(command, "Order").unwrap_or_default(),
            description: child(command, "Description").unwrap_or_default(),
            command_line: child(command, "CommandLine").unwrap_or_default(),
        })
        .collect()
}

/// The order of the one first-logon command whose command line mentions `needle`.
fn order_of(commands: &[FirstLogonCommand], needle: &str) -> Result<u32, String> {
    let found: Vec<&FirstLogonCommand> = commands
        .iter()
        .filter(|c| c.command_line.contains(needle))
        .collect();
    match found.as_slice() {
        [one] => one
            .order
            .parse()
            .map_err(|_| format!("the command with {needle} has order {:?}", one.order)),
        _ => Err(format!(
            "want one first-logon command with {needle}, found {}",
            found.len()
        )),
    }
}

/// With a static network, one first-logon command sets the address, prefix length, gateway and
/// DNS servers of the case on the first adapter that is up, with DHCP off, after the guest tools
/// (the NIC driver on vSphere) and before WinRM is enabled (Packer connects as soon as WinRM
/// answers). With DHCP there is no such command.
#[test]
fn windows_static_network_is_set_before_winrm() {
    let mut problems = Vec::new();
    for (name, text, case) in windows_renders(&mut problems) {
        let commands = first_logon_commands(&text);
        let network: Vec<&FirstLogonCommand> = commands
            .iter()
            .filter(|c| {
                c.command_line.contains("New-NetIPAddress")
                    || c.command_line.contains("Set-DnsClientServerAddress")
            })
            .collect();
        let Some(want) = &case.network else {
            if !network.is_empty() {
                problems.push(format!(
                    "{name}: DHCP, but a command sets the network: {network:#?}"
                ));
            }
            continue;
        };
        let [command] = network.as_slice() else {
            problems.push(format!(
                "{name}: want one network command, found {}",
                network.len()
            ));
            continue;
        };
        let dns: Vec<String> = want.dns.iter().map(|d| format!("'{d}'")).collect();
        for part in [
            "Get-NetAdapter | Where-Object Status -eq 'Up' | Sort-Object ifIndex | Select-Object -First 1".to_owned(),
            "-Dhcp Disabled".to_owned(),
            format!("New-NetIPAddress -InterfaceIndex $i -IPAddress '{}'", want.address),
            format!("-PrefixLength '{}'", want.prefix),
            format!("-DefaultGateway '{}'", want.gateway),
            format!("Set-DnsClientServerAddress -InterfaceIndex $i -ServerAddresses {}", dns.join(",")),
        ] {
            if !command.command_line.contains(&part) {
                problems.push(format!(
                    "{name}: the network command lacks {part:?}:\n{}",
                    command.command_line
                ));
            }
        }
        let orders = (
            order_of(&commands, "guest-tools.ps1"),
            order_of(&commands, "New-NetIPAddress"),
            order_of(&commands, "enable-winrm.ps1"),
        );
        match orders {
            (Ok(tools), Ok(net), Ok(winrm)) if tools < net && net < winrm => {}
            (Ok(tools), Ok(net), Ok(winrm)) => problems.push(format!(
                "{name}: want guest tools < network < WinRM, found orders {tools}, {net}, {winrm}"
            )),
            (a, b, c) => problems.extend(
                [a, b, c]
                    .into_iter()
                    .filter_map(Result::err)
                    .map(|e| format!("{name}: {e}")),
            ),
        }
    }
    assert_no_problems("autounattend static network", &problems);
}

/// The first-logon commands keep within Setup's limits (Microsoft Learn,
/// Microsoft-Windows-Shell-Setup | FirstLogonCommands | SynchronousCommand: CommandLine at most
/// 1024 characters, Description at most 256), are numbered 1, 2, ... in the order written, and
/// look for each script at the root of every drive before any subfolder: the compiler puts the
/// scripts at the root of the "cidata" CD.
#[test]
fn windows_first_logon_commands_fit_setup_limits_and_find_scripts_at_the_cd_root() {
    let mut problems = Vec::new();
    for (name, text, _) in windows_renders(&mut problems) {
        let commands = first_logon_commands(&text);
        let orders: Vec<&str> = commands.iter().map(|c| c.order.as_str()).collect();
        let want: Vec<String> = (1..=commands.len()).map(|n| n.to_string()).collect();
        if orders != want {
            problems.push(format!("{name}: want orders {want:?}, found {orders:?}"));
        }
        for command in &commands {
            let length = command.command_line.chars().count();
            if length > 1024 {
                problems.push(format!(
                    "{name}: command {} is {length} characters long (at most 1024)",
                    command.order
                ));
            }
            let length = command.description.chars().count();
            if length > 256 {
                problems.push(format!(
                    "{name}: description {} is {length} characters long (at most 256)",
                    command.order
                ));
            }
        }
        for script in ["guest-tools.ps1", "enable-winrm.ps1"] {
            let found: Vec<&FirstLogonCommand> = commands
                .iter()
                .filter(|c| c.command_line.contains(script))
                .collect();
            let [command] = found.as_slice() else {
                problems.push(format!(
                    "{name}: want one command that runs {script}, found {}",
                    found.len()
                ));
                continue;
            };
            let line = &command.command_line;
            // Relative paths in the outer loop, drives in the inner one: every drive's root is
            // tried before any subfolder of any drive.
            let paths = line.find(&format!("foreach ($r in '{script}', "));
            let drives = line.find("foreach ($d in Get-PSDrive -PSProvider FileSystem)");
            match (paths, drives) {
                (Some(p), Some(d)) if p < d => {}
                _ => problems.push(format!(
                    "{name}: {script} is not looked for at the drive roots first:\n{line}"
                )),
            }
        }
    }
    assert_no_problems("autounattend first-logon commands", &problems);
}

/// The build VM gets the case's computer name, once, in the specialize pass (where
/// Microsoft-Windows-Shell-Setup | ComputerName is read), within NetBIOS's 15 characters.
#[test]
fn windows_computer_name_is_set_in_the_specialize_pass() {
    let mut problems = Vec::new();
    for (name, text, case) in windows_renders(&mut problems) {
        let names: Vec<(String, String)> = elements(&text, "settings")
            .into_iter()
            .flat_map(|(attributes, body)| {
                elements(body, "ComputerName")
                    .into_iter()
                    .map(move |(_, value)| {
                        (attributes.trim().to_owned(), xml_unescape(value.trim()))
                    })
            })
            .collect();
        let want = vec![(
            r#"pass="specialize""#.to_owned(),
            case.computer_name.to_owned(),
        )];
        if names != want {
            problems.push(format!("{name}: want {want:?}, found {names:?}"));
        }
        if case.computer_name.chars().count() > 15 {
            problems.push(format!(
                "{name}: computer name {:?} is longer than 15 characters",
                case.computer_name
            ));
        }
    }
    assert_no_problems("autounattend computer name", &problems);
}

// ---------------------------------------------------------------------------------------------
// The shared answer file of every Windows release (`tests/fixtures/answer-files/`)
// ---------------------------------------------------------------------------------------------

/// The renders of the shared answer file per Windows release and edition, with the release and
/// the edition they were rendered for (`<release>/<edition>/autounattend`).
fn release_answer_files() -> Vec<(PathBuf, &'static hybridc::release::Release, String)> {
    let root = repo().join("tests/fixtures/answer-files");
    let mut found = Vec::new();
    for release in sorted_entries(&root) {
        let name = release
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let known = hybridc::release::find(&name)
            .unwrap_or_else(|| panic!("{}: not a release of the catalogue", rel(&release)));
        for edition in sorted_entries(&release) {
            let edition_name = edition
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            found.push((edition.join("autounattend"), known, edition_name));
        }
    }
    assert!(!found.is_empty(), "no answer file under {}", rel(&root));
    found
}

/// Each release's answer file is well-formed XML for `xmllint`.
#[test]
fn every_windows_release_answer_file_is_well_formed_xml() {
    let check = "every_windows_release_answer_file_is_well_formed_xml";
    if !available(check, &XMLLINT) {
        return;
    }
    let files: Vec<PathBuf> = release_answer_files().into_iter().map(|f| f.0).collect();
    assert_no_problems(check, &check_each(&XMLLINT, &["--noout"], &files, false));
}

/// Each release's answer file selects exactly its edition's image from the catalogue, loads
/// the VirtIO drivers of its own release's folder only, and keeps Server Manager's settings to
/// Windows Server; its UEFI layout is the GPT one of every other answer file.
#[test]
fn every_windows_release_answer_file_selects_its_image_and_drivers() {
    let mut problems = Vec::new();
    for (path, release, edition) in release_answer_files() {
        let name = rel(&path);
        let windows = release.windows.expect("a Windows release");
        let Some(known) = windows.editions.iter().find(|e| e.name == edition) else {
            problems.push(format!(
                "{name}: {edition:?} is no edition of {}",
                release.name
            ));
            continue;
        };
        let text = without_comments(&read(&path));
        let wanted = [("/IMAGE/NAME".to_owned(), known.image_name.to_owned())];
        let selections = image_selections(&text);
        if selections != wanted {
            problems.push(format!("{name}: want {wanted:?}, found {selections:?}"));
        }
        let mut at = 0;
        let mut drivers = 0;
        while let Some((driver_path, end)) = between(&text, at, "<Path>", "</Path>") {
            let parts: Vec<&str> = driver_path.split('\\').collect();
            drivers += 1;
            if parts.len() != 4 || parts[2] != windows.drivers || parts[3] != "amd64" {
                problems.push(format!(
                    "{name}: driver path {driver_path:?} is not `<drive>\\<driver>\\{}\\amd64`",
                    windows.drivers
                ));
            }
            at = end;
        }
        if drivers == 0 {
            problems.push(format!("{name}: no VirtIO driver path"));
        }
        let server_manager = text.contains("Microsoft-Windows-ServerManager-SvrMgrNc");
        if server_manager != (release.distribution == "windows-server") {
            problems.push(format!(
                "{name}: Server Manager's settings belong to Windows Server answer files only"
            ));
        }
        for part in [
            "<Type>EFI</Type>",
            "<Type>MSR</Type>",
            "<PartitionID>3</PartitionID>",
        ] {
            if !text.contains(part) {
                problems.push(format!("{name}: no {part} in the UEFI layout"));
            }
        }
    }
    assert_no_problems("answer files of the Windows releases", &problems);
}

// ---------------------------------------------------------------------------------------------
// SUSE: AutoYaST
// ---------------------------------------------------------------------------------------------

/// Each rendered AutoYaST profile is well-formed XML for `xmllint`. AutoYaST's RELAX NG schema
/// (`profile.rng` of yast2-schema, assembled from every YaST module's `.rnc` when that package
/// is built) is in no registry this project installs from, so the profile is not validated
/// against it here.
#[test]
fn suse_autoyast_profile_is_well_formed_xml() {
    let check = "suse_autoyast_profile_is_well_formed_xml";
    if !available(check, &XMLLINT) {
        return;
    }
    let problems = check_each(
        &XMLLINT,
        &["--noout"],
        &golden_files_named("autoinst"),
        false,
    );
    assert_no_problems(check, &problems);
}

/// Each rendered AutoYaST profile is a `<profile>` in AutoYaST's namespaces (yast2-schema
/// `profile.rnc`: `http://www.suse.com/1.0/yast2ns`, types in
/// `http://www.suse.com/1.0/configns`), and names the build user with an encrypted password.
#[test]
fn suse_autoyast_profile_is_in_the_autoyast_namespace() {
    let mut problems = Vec::new();
    for file in golden_files_named("autoinst") {
        let text = read(&file);
        for needle in [
            "<profile xmlns=\"http://www.suse.com/1.0/yast2ns\" xmlns:config=\"http://www.suse.com/1.0/configns\">",
            "<encrypted config:type=\"boolean\">true</encrypted>",
            "<user_password>",
        ] {
            if !text.contains(needle) {
                problems.push(format!("{}: lacks {needle}", rel(&file)));
            }
        }
    }
    assert_no_problems(
        "suse_autoyast_profile_is_in_the_autoyast_namespace",
        &problems,
    );
}

// ---------------------------------------------------------------------------------------------
// Photon OS: JSON kickstart
// ---------------------------------------------------------------------------------------------

/// The keys the Photon installer accepts at the top of its kickstart: it refuses any other
/// (vmware/photon-os-installer `photon_installer/installer.py`, `Installer.known_keys`, checked
/// in `_check_install_config`). The installer publishes no JSON Schema.
const PHOTON_KNOWN_KEYS: &[&str] = &[
    "additional_files",
    "additional_packages",
    "additional_rpms_path",
    "ansible",
    "arch",
    "autopartition",
    "bootmode",
    "build_mounts",
    "disk",
    "disks",
    "docker",
    "dps",
    "eject_cdrom",
    "environment",
    "firstboot",
    "hostname",
    "insecure_repo",
    "linux_flavor",
    "live",
    "log_level",
    "manifest_file",
    "ostree",
    "packages",
    "packagelist_file",
    "packagelist_files",
    "partition_type",
    "partitions",
    "security",
    "network",
    "no_unmount",
    "no_clean",
    "password",
    "postinstall",
    "postinstallscripts",
    "preinstall",
    "preinstallscripts",
    "prepkgsinstall",
    "prepkgsinstallscripts",
    "public_key",
    "photon_docker_image",
    "repos",
    "search_path",
    "setup_grub_script",
    "shadow_password",
    "tdnf_cachedir",
    "type",
    "ui",
    "user_grub_cfg_file",
];

/// What is wrong with a Photon kickstart: not a JSON object, a key the installer refuses, or a
/// value of the wrong shape (vmware/photon-os-installer `docs/ks_config.md`: `packages` and
/// `postinstall` are lists of strings, `password` has `crypted` and `text`, the legacy
/// `network` has `type` `dhcp` or `static`, and a static one `ip_addr`, `netmask`, `gateway`
/// and `nameserver`).
fn photon_kickstart_problems(text: &str) -> Vec<String> {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return vec![format!("not JSON: {e}")],
    };
    let Some(config) = value.as_object() else {
        return vec!["not a JSON object".into()];
    };
    let mut problems: Vec<String> = config
        .keys()
        .filter(|k| !PHOTON_KNOWN_KEYS.contains(&k.as_str()))
        .map(|k| format!("the installer refuses the key `{k}`"))
        .collect();
    let strings = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(|items| !items.is_empty() && items.iter().all(Value::is_string))
    };
    for key in ["packages", "postinstall"] {
        if !strings(key) {
            problems.push(format!("`{key}` is not a list of strings"));
        }
    }
    let password = config.get("password");
    if password
        .and_then(|p| p.get("crypted"))
        .and_then(Value::as_bool)
        != Some(true)
        || password
            .and_then(|p| p.get("text"))
            .and_then(Value::as_str)
            .is_none()
    {
        problems.push("`password` is not `{ crypted: true, text }`".into());
    }
    let network = config.get("network");
    let text_at = |key: &str| network.and_then(|n| n.get(key)).and_then(Value::as_str);
    match text_at("type") {
        Some("dhcp") => {}
        Some("static") => {
            for key in ["ip_addr", "netmask", "gateway", "nameserver"] {
                if text_at(key).is_none_or(str::is_empty) {
                    problems.push(format!("a static `network` without `{key}`"));
                }
            }
        }
        other => problems.push(format!("`network.type` is {other:?}")),
    }
    problems
}

/// Each rendered Photon kickstart is a JSON object the installer accepts.
#[test]
fn photon_kickstart_is_json_the_installer_accepts() {
    let mut problems = Vec::new();
    for file in golden_files_named("ks.json") {
        for problem in photon_kickstart_problems(&read(&file)) {
            problems.push(format!("{}: {problem}", rel(&file)));
        }
    }
    assert_no_problems("photon_kickstart_is_json_the_installer_accepts", &problems);
}

/// The Photon check refuses what the installer refuses.
#[test]
fn photon_kickstart_check_refuses_a_broken_kickstart() {
    let good = r#"{"packages": ["minimal"], "postinstall": ["true"],
        "password": {"crypted": true, "text": "*"}, "network": {"type": "dhcp"}}"#;
    assert_eq!(photon_kickstart_problems(good), Vec::<String>::new());
    let broken = r#"{"packages": "minimal", "services": {}, "postinstall": ["true"],
        "password": {"crypted": true, "text": "*"}, "network": {"type": "static"}}"#;
    let problems = photon_kickstart_problems(broken);
    assert!(
        problems.iter().any(|p| p.contains("`services`")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("`packages`")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("`ip_addr`")),
        "{problems:?}"
    );
    assert!(!photon_kickstart_problems("{").is_empty());
}
