//! The workflow commands around the compiler: `init`, `completions` and `man`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{command, copy_tree, hybridc, repo, text};

fn temp(name: &str) -> PathBuf {
    crate::support::temp_dir(&format!("workflow-{name}"))
}

#[test]
fn init_scaffolds_a_repository_that_passes_check_at_once() {
    let dir = temp("init");
    let out = hybridc(
        &dir,
        &["init", "repo", "--os", "ubuntu-2404,debian-12,windows-2022"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let repo = dir.join("repo");
    for file in [
        "spec/hybrid.yaml",
        "schema/hybrid.schema.json",
        ".vscode/settings.json",
        ".gitignore",
        ".gitlab-ci.yml",
        "installers/preseed/preseed.pkrtpl.hcl",
        "installers/autounattend/autounattend.pkrtpl.hcl",
        "scripts/linux/update.sh",
        "scripts/windows/guest-tools.ps1",
        "ansible/linux.yml",
        "ansible/windows.yml",
        "generated/builds.pkr.hcl",
    ] {
        assert!(repo.join(file).is_file(), "{file} is missing");
    }
    assert!(
        !repo.join("installers/kickstart").exists(),
        "only the chosen OSes"
    );
    let spec = std::fs::read_to_string(repo.join("spec/hybrid.yaml")).expect("spec");
    assert!(spec.starts_with("# yaml-language-server: $schema=../schema/hybrid.schema.json\n"));
    assert!(
        std::fs::read_to_string(repo.join(".gitignore"))
            .expect("gitignore")
            .contains("manifests/*.json")
    );
    let check = hybridc(&repo, &["check", "spec/"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
    let validate = hybridc(&repo, &["validate", "spec/"]);
    assert_eq!(
        text(&validate.stdout),
        "spec/hybrid.yaml is valid: 3 OSes, 3 platforms, 2 environments\n"
    );
}

/// The CI files of a new repository: the GitLab file that generates its pipeline with
/// `hybridc matrix` at every run, and the GitHub workflow `hybridc matrix` writes for its spec,
/// with a validate job per environment and the spec's runner tags; both fit the schemas GitLab
/// and GitHub publish.
#[test]
fn init_writes_the_gitlab_and_github_ci() {
    let dir = temp("ci");
    let out = hybridc(&dir, &["init", ".", "--os", "rocky-9"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("wrote ./.github/workflows/images.yml\n"),
        "{}",
        text(&out.stdout)
    );

    let gitlab = std::fs::read_to_string(dir.join(".gitlab-ci.yml")).expect(".gitlab-ci.yml");
    let tree = hybridc::yaml::parse(&gitlab).expect("YAML").to_json();
    assert_eq!(
        tree["matrix"]["script"],
        serde_json::json!(["hybridc matrix --format gitlab > pipeline.yml"])
    );
    assert_eq!(
        tree["pipeline"]["trigger"]["include"],
        serde_json::json!([{ "artifact": "pipeline.yml", "job": "matrix" }])
    );
    assert_eq!(tree["pipeline"]["trigger"]["strategy"], "depend");
    assert_eq!(
        tree["workflow"]["rules"][0]["if"], "$CI_PIPELINE_SOURCE == \"merge_request_event\"",
        "merge request pipelines, for the review job"
    );

    let github = std::fs::read_to_string(dir.join(".github/workflows/images.yml"))
        .expect("the GitHub workflow");
    let matrix = hybridc(&dir, &["matrix", "--format", "github"]);
    assert_eq!(
        text(&matrix.stdout),
        github,
        "what `hybridc matrix --format github` writes"
    );
    let tree = hybridc::yaml::parse(&github).expect("YAML").to_json();
    let jobs = tree["jobs"].as_object().expect("jobs");
    let names: Vec<&str> = jobs.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "check",
            "validate-dev",
            "validate-prod",
            "review",
            "build-proxmox",
            "build-vsphere"
        ]
    );
    assert_eq!(
        tree["jobs"]["build-proxmox"]["runs-on"],
        serde_json::json!(["pve-lan"])
    );
    let spec = std::fs::read_to_string(dir.join("spec/hybrid.yaml")).expect("spec");
    assert!(spec.ends_with("ci:\n  tags:\n    proxmox: [pve-lan]\n    vsphere: [vcenter-lan]\n"));

    if crate::support::tool(
        "check-jsonschema",
        "python3 -m pip install check-jsonschema==0.33.0",
    ) {
        for (file, schema) in [
            (".gitlab-ci.yml", "vendor.gitlab-ci"),
            (".github/workflows/images.yml", "vendor.github-workflows"),
        ] {
            let out = Command::new("check-jsonschema")
                .args(["--builtin-schema", schema, file])
                .current_dir(&dir)
                .output()
                .expect("check-jsonschema runs");
            assert!(
                out.status.success(),
                "{file}: {}{}",
                text(&out.stdout),
                text(&out.stderr)
            );
        }
    }
}

#[test]
fn an_existing_github_workflow_stops_init_before_it_writes() {
    let dir = temp("workflow-exists");
    let workflow = dir.join(".github/workflows/images.yml");
    std::fs::create_dir_all(workflow.parent().expect("folder")).expect("create");
    std::fs::write(&workflow, "# mine\n").expect("write");
    let out = hybridc(&dir, &["init", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: 1 file already exists: .github/workflows/images.yml; nothing was written (use \
         --force to overwrite)\n"
    );
    assert!(!dir.join("spec").exists(), "nothing written");
    assert_eq!(
        std::fs::read_to_string(&workflow).expect("kept"),
        "# mine\n"
    );
}

#[test]
fn a_second_init_refuses_to_overwrite_unless_forced() {
    let dir = temp("again");
    assert_eq!(hybridc(&dir, &["init", "."]).status.code(), Some(0));
    let spec = dir.join("spec/hybrid.yaml");
    std::fs::write(&spec, "# my edits\n").expect("edit");
    let out = hybridc(&dir, &["init", "."]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("spec/hybrid.yaml")
            && stderr.contains("nothing was written (use --force to overwrite)"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&spec).expect("spec"),
        "# my edits\n",
        "an existing file is kept"
    );
    let forced = hybridc(&dir, &["init", ".", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    assert_ne!(
        std::fs::read_to_string(&spec).expect("spec"),
        "# my edits\n"
    );
}

#[test]
fn init_names_an_unknown_os() {
    let dir = temp("unknown");
    let out = hybridc(&dir, &["init", ".", "--os", "ubuntu-2410"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: no OS `ubuntu-2410` in the OS catalogue; did you mean `ubuntu-2404`?; `hybridc list oses` shows every one\n"
    );
    assert!(
        std::fs::read_dir(&dir).expect("dir").next().is_none(),
        "nothing written"
    );
}

#[test]
fn completions_and_the_manual_are_printed() {
    let dir = temp("completions");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = hybridc(&dir, &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            text(&out.stdout).contains("compile"),
            "{shell} completes subcommands"
        );
    }
    let man = hybridc(&dir, &["man"]);
    assert_eq!(man.status.code(), Some(0));
    assert!(
        text(&man.stdout).starts_with(".ie \\n(.g .ds Aq \\(aq"),
        "roff output"
    );
    assert!(
        text(&man.stdout).contains("hybridc\\-check"),
        "subcommands are listed"
    );
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    let repo = repo();
    for args in [
        &["completions", "bash"][..],
        &["man"][..],
        &["schema"][..],
        &["validate", "spec/"][..],
        &["check", "spec/"][..],
    ] {
        // The reading end is gone before the command writes, like `| head` that has finished.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = command()
            .args(args)
            .current_dir(&repo)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}");
    }
}

/// A copy of the example repository and a folder holding a fake `packer` and the build-host
/// tools `build` checks for (scripts that succeed), so the preflight passes on any host.
fn build_repo(name: &str) -> (PathBuf, PathBuf) {
    let dir = temp(name);
    let repo = repo();
    for folder in ["spec", "installers", "scripts", "ansible", "generated"] {
        copy_tree(&repo.join(folder), &dir.join(folder));
    }
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::fs::copy(
        repo.join("tests/fixtures/runner/fake-packer.sh"),
        bin.join("packer"),
    )
    .expect("fake packer");
    for tool in ["xorriso", "ansible-playbook", "python3"] {
        std::fs::write(bin.join(tool), "#!/bin/sh\nexit 0\n").expect("fake tool");
    }
    let status = Command::new("chmod")
        .arg("+x")
        .arg(bin.join("packer"))
        .args(["xorriso", "ansible-playbook", "python3"].map(|t| bin.join(t)))
        .status()
        .expect("chmod");
    assert!(status.success());
    (dir, bin)
}

fn build(dir: &Path, bin: &Path, args: &[&str], credentials: &[&str]) -> Output {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = command();
    // A fixed version: the default depends on git and the clock (tests/it/runner.rs covers it).
    cmd.arg("build")
        .args(["--build-version", "1.0.0"])
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1");
    for name in [
        "BUILD_PASSWORD",
        "BUILD_PASSWORD_HASH",
        "PROXMOX_TOKEN",
        "VSPHERE_PASSWORD",
    ] {
        cmd.env_remove(name);
    }
    for name in credentials {
        cmd.env(name, "test-value");
    }
    cmd.output().expect("runs")
}

const PROXMOX_CREDENTIALS: &[&str] = &["BUILD_PASSWORD", "BUILD_PASSWORD_HASH", "PROXMOX_TOKEN"];

#[test]
fn build_runs_packer_init_then_the_selected_builds() {
    let (dir, bin) = build_repo("build-ok");
    let out = build(
        &dir,
        &bin,
        &[
            "--env",
            "dev",
            "--os",
            "ubuntu-2404",
            "--platform",
            "proxmox",
        ],
        PROXMOX_CREDENTIALS,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = std::fs::read_to_string(dir.join("generated/packer.log")).expect("packer ran");
    assert_eq!(
        log,
        "init generated/\nbuild -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1 \
         -only=ubuntu-2404.proxmox-iso.ubuntu-2404 -var-file=generated/env/dev.pkrvars.hcl \
         -var build_version=1.0.0 generated/\n"
    );
    assert!(
        text(&out.stdout).contains("Build 'ubuntu-2404.proxmox-iso.ubuntu-2404' finished"),
        "packer's output is streamed"
    );
    assert!(
        text(&out.stderr)
            .ends_with("ubuntu-2404.proxmox-iso.ubuntu-2404: built\n1 built, 0 failed\n"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_failing_build_fails_the_run_and_the_others_still_run() {
    let (dir, bin) = build_repo("build-fail");
    std::fs::write(
        dir.join("generated/fail-only"),
        "windows-2022.proxmox-iso.windows-2022-standard",
    )
    .expect("write");
    let out = build(
        &dir,
        &bin,
        &[
            "--env",
            "prod",
            "--os",
            "windows-2022",
            "--platform",
            "proxmox",
            "--jobs",
            "2",
        ],
        &["BUILD_PASSWORD", "PROXMOX_TOKEN"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("[windows-2022.proxmox-iso.windows-2022-datacenter] Build 'windows-2022.proxmox-iso.windows-2022-datacenter' finished"), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("windows-2022.proxmox-iso.windows-2022-standard: failed (exit code 1)\n"),
        "{stderr}"
    );
    assert!(stderr.ends_with("1 built, 1 failed\n"), "{stderr}");
}

#[test]
fn a_missing_credential_is_named_and_nothing_runs() {
    let (dir, bin) = build_repo("build-creds");
    let out = build(
        &dir,
        &bin,
        &[
            "--env",
            "dev",
            "--os",
            "ubuntu-2404",
            "--platform",
            "proxmox",
        ],
        &["BUILD_PASSWORD", "BUILD_PASSWORD_HASH"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: missing credentials for this selection: `PROXMOX_TOKEN` (set these environment variables); nothing was run\n"
    );
    assert!(
        !dir.join("generated/packer.log").exists(),
        "packer must not run"
    );
}

#[test]
fn build_refuses_an_out_of_date_tree_and_dry_run_prints_the_commands() {
    let (dir, bin) = build_repo("build-dry");
    let out = build(
        &dir,
        &bin,
        &[
            "--env",
            "prod",
            "--os",
            "rocky-9",
            "--platform",
            "vsphere",
            "--dry-run",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "# needs: BUILD_PASSWORD BUILD_PASSWORD_HASH VSPHERE_PASSWORD\npacker init generated/\n\
         packer build -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1 \
         -only=rocky-9.vsphere-iso.rocky-9 -var-file=generated/env/prod.pkrvars.hcl \
         -var build_version=1.0.0 generated/\n"
    );
    assert!(
        !dir.join("generated/packer.log").exists(),
        "a dry run runs nothing"
    );
    let file = dir.join("generated/vsphere.pkr.hcl");
    let edited = std::fs::read_to_string(&file)
        .expect("read")
        .replacen("CPUs", "CPUs_", 1);
    std::fs::write(&file, edited).expect("write");
    let out = build(&dir, &bin, &["--env", "prod", "--dry-run"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("is out of date with spec/hybrid.yaml; run `hybridc compile spec/` first"),
        "{}",
        text(&out.stderr)
    );
}
