//! The Linux finishing step that turns SSH password logins off, run as the generated shell
//! provisioner runs it: its inline lines written to one script (Packer core
//! `provisioner/shell/provisioner.go`, `Provision`), which the step's `execute_command` runs
//! with `sudo -E sh -eu`; here against the sshd layouts of the catalogue's distributions, in a
//! temporary root.

use std::path::Path;
use std::process::Command;

use hybridc::family::SSHD_NO_PASSWORDS;

use crate::support::{temp_dir, text};

/// Runs the step with `/etc/ssh` and `/usr/etc/ssh` moved under `root`.
fn run(root: &Path) -> std::process::Output {
    let root = root.display().to_string();
    let include = "Include[[:space:]]+/etc/ssh/sshd_config";
    let script = SSHD_NO_PASSWORDS
        .join("\n")
        .replace(include, "@INCLUDE@")
        .replace("/usr/etc/ssh", "@VENDOR@")
        .replace("/etc/ssh", &format!("{root}/etc/ssh"))
        .replace("@VENDOR@", &format!("{root}/usr/etc/ssh"))
        .replace("@INCLUDE@", include);
    Command::new("sh")
        .args(["-eu", "-c", &script])
        .output()
        .expect("sh runs")
}

/// A layout: the files under the temporary root, before the step.
fn layout(name: &str, files: &[(&str, &str)], folders: &[&str]) -> std::path::PathBuf {
    let root = temp_dir(&format!("finish-{name}"));
    for folder in folders {
        std::fs::create_dir_all(root.join(folder)).unwrap();
    }
    for (path, content) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    root
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap_or_default()
}

/// The temporary root after the step ran, successfully, on `layout`.
fn after(name: &str, files: &[(&str, &str)], folders: &[&str]) -> std::path::PathBuf {
    let root = layout(name, files, folders);
    let out = run(&root);
    assert!(out.status.success(), "{name}: {}", text(&out.stderr));
    root
}

/// The drop-in turns them off.
fn assert_drop_in(root: &Path) {
    assert_eq!(
        read(root, "etc/ssh/sshd_config.d/90-hybridc.conf"),
        "PasswordAuthentication no\n"
    );
}

/// `/etc/ssh/sshd_config` is `original` under a first line that turns them off.
fn assert_first_line(root: &Path, original: &str) {
    assert_eq!(
        read(root, "etc/ssh/sshd_config"),
        format!("PasswordAuthentication no\n{original}")
    );
}

const DEBIAN: &str = "Include /etc/ssh/sshd_config.d/*.conf\n\nKbdInteractiveAuthentication no\n";
const RHEL8: &str = "HostKey /etc/ssh/ssh_host_rsa_key\nPermitRootLogin yes\n#PasswordAuthentication yes\nPasswordAuthentication yes\n";

/// Debian, Ubuntu, RHEL 9+, Fedora: a drop-in, the main file untouched.
#[test]
fn a_configuration_with_the_include_gets_a_drop_in() {
    let folders = ["etc/ssh/sshd_config.d"];
    let root = after("include", &[("etc/ssh/sshd_config", DEBIAN)], &folders);
    assert_drop_in(&root);
    assert_eq!(read(&root, "etc/ssh/sshd_config"), DEBIAN);
}

/// RHEL 8 and its rebuilds: no `sshd_config.d`, so the first line of `sshd_config` (sshd keeps
/// the first value) turns them off; the step does not fail on the missing folder.
#[test]
fn a_configuration_without_the_include_gets_a_first_line() {
    let root = after("rhel8", &[("etc/ssh/sshd_config", RHEL8)], &[]);
    assert_first_line(&root, RHEL8);
    assert!(!root.join("etc/ssh/sshd_config.d").exists());
}

/// SUSE's vendor layout: a configuration only under `/usr/etc/ssh`, with the include, gets a
/// drop-in; without it, a local copy with the first line, the vendor file untouched.
#[test]
fn a_vendor_configuration_is_honoured() {
    let folders = ["etc/ssh/sshd_config.d"];
    let root = after(
        "vendor-include",
        &[("usr/etc/ssh/sshd_config", DEBIAN)],
        &folders,
    );
    assert_drop_in(&root);
    assert!(!root.join("etc/ssh/sshd_config").exists());

    let root = after(
        "vendor",
        &[("usr/etc/ssh/sshd_config", RHEL8)],
        &["etc/ssh"],
    );
    assert_first_line(&root, RHEL8);
    assert_eq!(read(&root, "usr/etc/ssh/sshd_config"), RHEL8);
}

/// The Linux finishing lines, as one `sh` script, pass shellcheck.
#[test]
fn the_finishing_lines_pass_shellcheck() {
    if !crate::support::tool("shellcheck", "apt-get install shellcheck") {
        return;
    }
    let linux = &hybridc::family::FAMILIES[0];
    let mut script = String::from("#!/bin/sh -e\n");
    for step in linux.finish {
        for line in step.inline {
            script.push_str(&line.replace("{build_user}", "packer"));
            script.push('\n');
        }
    }
    let dir = temp_dir("finish-shellcheck");
    let path = dir.join("finish.sh");
    std::fs::write(&path, &script).unwrap();
    let out = Command::new("shellcheck")
        .args(["--shell=sh", "--severity=style"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{script}\n{}", text(&out.stdout));
}
