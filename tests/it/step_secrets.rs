//! Secrets that provisioning steps hand to what they run (`env` of shell and PowerShell steps,
//! `extra_vars` of Ansible steps, written `{ env: NAME }`), on the fixture
//! `tests/fixtures/compile/step-secrets`: one sensitive variable per NAME, read from the
//! environment, and each passed the way the provisioner keeps out of its logs and out of the
//! process list, as its source says (cited per test) and, where the tool runs here, as the
//! tool itself does it. The commands that name credentials name the variable, never a value.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{copy_tree, hybridc, repo, temp_dir, text, tool};

/// A value no file or output may contain, with what shells, JSON and Go templates treat
/// specially.
const SECRET: &str = "s3cr'et \"x\" $HOME `id` \\ {{ .Path }} %{x} ${y}";

fn fixture() -> PathBuf {
    repo().join("tests/fixtures/compile/step-secrets")
}

/// The generated file `name` of the fixture, compiled in memory.
fn generated(name: &str) -> String {
    let root = fixture();
    let compiled = hybridc::compile(&root.join("spec"), &root.join("generated"))
        .unwrap_or_else(|e| panic!("the fixture compiles: {e}"));
    compiled
        .files
        .into_iter()
        .find(|f| f.path == name)
        .unwrap_or_else(|| panic!("{name} is generated"))
        .contents
}

/// The body of the first block opened by `header` after `after`, up to its closing brace at
/// the header's indentation.
fn block(text: &str, after: &str, header: &str) -> String {
    let from = text.find(after).unwrap_or_else(|| panic!("`{after}`"));
    let rest = &text[from..];
    let start = rest.find(header).unwrap_or_else(|| panic!("`{header}`"));
    let indent = &header[..header.len() - header.trim_start().len()];
    let rest = &rest[start..];
    let close = format!("\n{indent}}}\n");
    let end = rest.find(&close).expect("the block closes");
    rest[..end + close.len()].to_owned()
}

/// The value of `key = <string>` in a block, as HCL reads it.
fn string(block: &str, key: &str) -> String {
    let line = block
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{key} ")) && l.contains(" = "))
        .unwrap_or_else(|| panic!("`{key}` in {block}"));
    let value = line.split_once(" = ").map(|(_, v)| v).unwrap_or_default();
    hcl_string(value)
}

fn hcl_string(literal: &str) -> String {
    hcl::from_str::<hcl::Value>(&format!("v = {literal}"))
        .expect("HCL")
        .as_object()
        .and_then(|o| o.get("v"))
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("a string")
}

/// One variable per environment variable, whichever steps use it, sensitive and read from
/// the environment; a secret of a set no OS uses declares nothing.
#[test]
fn each_secret_is_one_sensitive_variable_read_from_the_environment() {
    let common = generated("common.pkr.hcl");
    for name in [
        "DOMAIN_JOIN_PASSWORD",
        "REPOSITORY_TOKEN",
        "RHSM_ACTIVATION_KEY",
    ] {
        let header = format!("variable \"secret_{}\" {{", name.to_ascii_lowercase());
        assert_eq!(common.matches(&header).count(), 1, "{header}");
        let variable = block(&common, &header, &header);
        assert!(variable.contains("sensitive   = true"), "{variable}");
        assert!(
            variable.contains(&format!("default     = env(\"{name}\")")),
            "{variable}"
        );
    }
    assert!(!common.contains("NEVER_USED"), "{common}");
    let builds = generated("builds.pkr.hcl");
    assert_eq!(
        builds.matches("var.secret_rhsm_activation_key").count(),
        2,
        "the shell and the Ansible step share it"
    );
}

/// The shell provisioner puts `environment_vars` and `env` alike on the command line by
/// default (`{{.Vars}}`, `%s='%s' `), which the SSH communicator logs whole (packer-plugin-sdk
/// v0.6.10 `sdk-internals/communicator/ssh/communicator.go`, `Start`: `[DEBUG] starting remote
/// command`) after escaping `'` as `'"'"'`, so that Packer's filter of sensitive values, which
/// masks a value only as written (hashicorp/packer v1.16.0 `packer/secrets.go`,
/// `RegisterSecret`), misses it; and the guest's process list shows it to every user while the
/// script runs. With `use_env_var_file = true` it writes `export %s='%s'\n` lines into a file
/// instead, uploads it to `remote_folder` as `varfile_<n>.sh`, makes it 0600 and removes it
/// when the step ends unless `skip_clean` (hashicorp/packer v1.16.0
/// `provisioner/shell/provisioner.go`, `Prepare`, `Provision`, `escapeEnvVars`,
/// `cleanupRemoteFile`). Here that file, written as the provisioner writes it, is sourced by
/// the generated `execute_command` with the shell, and the script run through a `sudo -E`
/// that keeps the environment sees the value whole.
#[test]
fn shell_secrets_travel_in_a_file() {
    let builds = generated("builds.pkr.hcl");
    let step = block(&builds, "name    = \"rhel-9\"", "  provisioner \"shell\" {");
    assert!(step.contains("use_env_var_file = true"), "{step}");
    assert!(
        step.contains("RHSM_ACTIVATION_KEY = var.secret_rhsm_activation_key"),
        "{step}"
    );
    assert!(!step.contains("skip_clean"), "{step}");
    let command = string(&step, "execute_command");
    assert!(!command.contains(".Vars"), "{command}");
    assert!(command.contains("{{ .EnvVarFile }}"), "{command}");
    if !tool("sh", "apt-get install dash") {
        return;
    }
    let dir = temp_dir("step-secrets-shell");
    let varfile = dir.join("varfile_1234.sh");
    let escaped = SECRET.replace('\'', "'\"'\"'");
    fs::write(
        &varfile,
        format!("export HYBRIDC_PLATFORM='azure'\nexport RHSM_ACTIVATION_KEY='{escaped}'\n"),
    )
    .expect("write the var file");
    let script = dir.join("script_1.sh");
    fs::write(&script, "printf '%s' \"$RHSM_ACTIVATION_KEY\" > \"$OUT\"\n").expect("script");
    // `sudo -E` keeps the environment; this one runs the command as it is.
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).expect("bin");
    let sudo = bin.join("sudo");
    fs::write(
        &sudo,
        "#!/bin/sh\n[ \"$1\" = -E ] || exit 99\nshift\nexec \"$@\"\n",
    )
    .expect("sudo");
    make_executable(&sudo);
    let command = command
        .replace("{{ .EnvVarFile }}", &varfile.display().to_string())
        .replace("{{ .Path }}", &script.display().to_string());
    let out = dir.join("out");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new("sh")
        .args(["-c", &command])
        .env("PATH", path)
        .env("OUT", &out)
        .env_remove("RHSM_ACTIVATION_KEY")
        .status()
        .expect("run sh");
    assert!(status.success(), "{command}");
    assert_eq!(fs::read_to_string(&out).expect("the script wrote"), SECRET);
    assert!(!command.contains("s3cr"));
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}

/// The PowerShell provisioner logs an `environment_vars` entry whose value its escaping of
/// `$`, `"`, `` ` `` and `'` changes (`Env var %s converted to %s`), unless the entry's name
/// equals a sensitive Packer variable's; the escaped value is not the one Packer's filter
/// masks. `env` map values are escaped the same way and never logged. Both reach the guest in
/// the uploaded `packer-ps-env-vars-<uuid>.ps1`, dot-sourced and removed after the step
/// (hashicorp/packer v1.16.0 `provisioner/powershell/provisioner.go`,
/// `createFlattenedEnvVars`, `Provision`, `createRemoteCleanUpCommand`).
#[test]
fn powershell_secrets_go_in_the_env_map() {
    let builds = generated("builds.pkr.hcl");
    let step = block(
        &builds,
        "name    = \"windows-2022\"",
        "  provisioner \"powershell\" {",
    );
    assert!(
        step.contains("JOIN_PASSWORD = var.secret_domain_join_password"),
        "{step}"
    );
    assert_eq!(step.matches("var.secret").count(), 1, "{step}");
    assert!(step.contains("\"DOMAIN=corp.example.com\""), "{step}");
    assert!(!step.contains("skip_clean"), "{step}");
}

/// packer-plugin-ansible v1.1.6 `provisioner/ansible/provisioner.go`: `executeAnsible` runs
/// `ansible-playbook` with Packer's environment plus `ansible_env_vars` (`cmd.Env`), and prints
/// its whole command line (`Executing Ansible: ...`), where it masks only `key=value`
/// arguments whose key says `password` or `secret`; the command line is also in the build
/// host's process list. `Provision` renders `extra_arguments` and `ansible_env_vars` as Go
/// templates until they stop changing, so no `{{` can reach Ansible through them. The secret
/// therefore travels in `ansible_env_vars`, and the extra variable reads it with Jinja's
/// `lookup('env', ...)` inside a filter block, which Ansible itself evaluates here to the
/// value, whole, with the value nowhere on the command line.
#[test]
fn ansible_reads_secret_extra_vars_from_its_environment() {
    let builds = generated("builds.pkr.hcl");
    let step = block(
        &builds,
        "name    = \"rhel-9\"",
        "  provisioner \"ansible\" {",
    );
    let document = step
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("\"{"))
        .expect("the extra variables")
        .trim_end_matches(',');
    let document = hcl_string(document);
    assert!(!document.contains("{{"), "{document}");
    let parsed: serde_json::Value = serde_json::from_str(&document).expect("JSON");
    assert_eq!(parsed["role"], "golden");
    assert!(
        step.contains("\"RHSM_ACTIVATION_KEY=${var.secret_rhsm_activation_key}\""),
        "{step}"
    );
    if !tool("ansible", "python3 -m pip install ansible") {
        return;
    }
    let out = Command::new("ansible")
        .args([
            "localhost",
            "-m",
            "ansible.builtin.debug",
            "-a",
            "var=rhsm_activation_key",
            "--extra-vars",
            &document,
        ])
        .env("RHSM_ACTIVATION_KEY", SECRET)
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .env("ANSIBLE_INVENTORY_UNPARSED_WARNING", "False")
        .output()
        .expect("run ansible");
    let log = text(&out.stdout);
    assert!(out.status.success(), "{log}{}", text(&out.stderr));
    // `localhost | SUCCESS => { ... }`
    let (_, result) = log.split_once("=>").expect("a result");
    let result: serde_json::Value = serde_json::from_str(result).expect("JSON output");
    let value = &result["rhsm_activation_key"];
    assert_eq!(value, SECRET, "{log}");
}

/// The credentials a job needs are named by their environment variables, per job: a step's
/// secret only where the step runs; no command prints a value.
#[test]
fn commands_name_the_environment_variable_never_the_value() {
    let dir = temp_dir("step-secrets-commands");
    for folder in ["spec", "scripts", "ansible"] {
        copy_tree(&fixture().join(folder), &dir.join(folder));
    }
    let with_secrets = |args: &[&str]| {
        let mut command = crate::support::command();
        command
            .current_dir(&dir)
            .args(args)
            .env("RHSM_ACTIVATION_KEY", SECRET)
            .env("REPOSITORY_TOKEN", SECRET)
            .env("DOMAIN_JOIN_PASSWORD", SECRET);
        let out = command.output().expect("run hybridc");
        (out.status.code(), text(&out.stdout) + &text(&out.stderr))
    };
    let (code, matrix) = with_secrets(&["matrix", "--format", "json"]);
    assert_eq!(code, Some(0), "{matrix}");
    let jobs: serde_json::Value = serde_json::from_str(&matrix).expect("JSON");
    let credentials = |id: &str| -> Vec<String> {
        jobs["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .find(|j| j["id"] == id)
            .and_then(|j| j["credentials"].as_array())
            .expect("the job's credentials")
            .iter()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect()
    };
    let linux = credentials("rhel-9-azure");
    assert!(
        linux.contains(&"RHSM_ACTIVATION_KEY".to_owned()),
        "{linux:?}"
    );
    assert!(linux.contains(&"REPOSITORY_TOKEN".to_owned()), "{linux:?}");
    assert!(
        !linux.contains(&"DOMAIN_JOIN_PASSWORD".to_owned()),
        "{linux:?}"
    );
    let windows = credentials("windows-2022-datacenter-azure");
    assert!(
        windows.contains(&"DOMAIN_JOIN_PASSWORD".to_owned()),
        "{windows:?}"
    );
    assert!(
        !windows.contains(&"RHSM_ACTIVATION_KEY".to_owned()),
        "{windows:?}"
    );
    let compile = hybridc(&dir, &["compile", "spec/"]);
    assert!(compile.status.success(), "{}", text(&compile.stderr));
    for args in [
        &["explain", "rhel-9"][..],
        &["validate", "spec/"],
        &["check", "spec/"],
        &["compile", "spec/"],
    ] {
        let (_, output) = with_secrets(args);
        assert!(!output.contains("s3cr"), "{args:?}: {output}");
    }
    for file in hybridc::output::files_under(&dir.join("generated")) {
        let contents = fs::read_to_string(dir.join("generated").join(&file)).expect("read");
        assert!(!contents.contains("s3cr"), "{file}");
    }
}

/// `diff` compares the compiled steps, whose secrets are variables: a step whose secret is
/// read from another environment variable changes, and no value is printed.
#[test]
fn diff_sees_a_changed_secret_without_its_value() {
    if !tool("git", "apt-get install git") {
        return;
    }
    let dir = temp_dir("step-secrets-diff");
    for folder in ["spec", "scripts", "ansible"] {
        copy_tree(&fixture().join(folder), &dir.join(folder));
    }
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("run git")
            .status;
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    let spec = dir.join("spec/hybrid.yaml");
    let text_before = fs::read_to_string(&spec).expect("the spec");
    let changed = text_before.replacen(
        "RHSM_ACTIVATION_KEY: { env: RHSM_ACTIVATION_KEY }",
        "RHSM_ACTIVATION_KEY: { env: RHSM_KEY_V2 }",
        1,
    );
    assert_ne!(changed, text_before);
    fs::write(&spec, changed).expect("write the spec");
    for format in ["text", "json", "markdown"] {
        let out = crate::support::command()
            .args(["diff", "--base", "HEAD", "--format", format])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env("RHSM_KEY_V2", SECRET)
            .env("RHSM_ACTIVATION_KEY", SECRET)
            .output()
            .expect("run hybridc");
        let output = text(&out.stdout) + &text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{output}");
        assert!(
            output.contains("/provisioning/register/0/shell"),
            "{output}"
        );
        assert!(!output.contains("s3cr"), "{output}");
    }
}
