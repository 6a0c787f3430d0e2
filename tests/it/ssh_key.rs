//! The build user's SSH key, on the fixture `tests/fixtures/compile/ssh-key` (a Linux OS on
//! Proxmox and Azure whose build user has a key and no password): how Packer logs in on each
//! platform, as the SDK's and the Azure plugin's source say (cited per test), what the
//! installer is given, what the end of the build removes, and which OSes cannot do without a
//! password.

use std::fs;

use crate::support::{copy_tree, hybridc, repo, temp_dir, text};

fn fixture() -> std::path::PathBuf {
    repo().join("tests/fixtures/compile/ssh-key")
}

/// The generated files of the fixture, compiled in memory.
fn generated(name: &str) -> String {
    let root = fixture();
    hybridc::compile(&root.join("spec"), &root.join("generated"))
        .unwrap_or_else(|e| panic!("the fixture compiles: {e}"))
        .files
        .into_iter()
        .find(|f| f.path == name)
        .unwrap_or_else(|| panic!("{name} is generated"))
        .contents
}

/// packer-plugin-sdk v0.6.10 `communicator/config.go`: `prepareSSH` expands `~` in
/// `ssh_private_key_file` and refuses a file that does not exist or that `FileSigner` cannot
/// read (an encrypted key), when Packer validates the template; `SSHConfigFunc` logs in with
/// that key, and offers a password only when `ssh_password` is set. So the source names the
/// key file, from a sensitive variable read from the environment, and no password at all.
#[test]
fn packer_logs_in_on_the_hypervisor_with_the_key_alone() {
    let proxmox = generated("proxmox.pkr.hcl");
    assert!(
        proxmox.contains("ssh_private_key_file = var.build_ssh_private_key_file"),
        "{proxmox}"
    );
    assert!(!proxmox.contains("ssh_password"), "{proxmox}");
    let common = generated("common.pkr.hcl");
    let start = common
        .find("variable \"build_ssh_private_key_file\" {")
        .expect("the key file's variable");
    let variable = &common[start..start + common[start..].find("\n}\n").expect("closes")];
    assert!(variable.contains("sensitive   = true"), "{variable}");
    assert!(
        variable.contains("default     = env(\"BUILD_SSH_KEY_FILE\")"),
        "{variable}"
    );
    assert!(!common.contains("build_password\""), "{common}");
}

/// packer-plugin-azure v2.6.3 `builder/azure/arm/config.go`, `setSshValues`: with
/// `ssh_private_key_file` azure-arm reads and parses the file when the template is prepared
/// (`ssh.ParsePrivateKey`, no passphrase) and authorises its public half for the user it
/// creates; without one it makes a key pair for the build (`NewOpenSshKeyPair`). That user is
/// removed by `waagent -deprovision+user` at the end, so the build's own key is enough: the
/// Azure source names no key file, and an Azure job needs no key on its runner.
#[test]
fn azure_logs_in_with_a_key_of_its_own() {
    let azure = generated("azure.pkr.hcl");
    assert!(!azure.contains("ssh_private_key_file"), "{azure}");
    assert!(!azure.contains("ssh_password"), "{azure}");
    let dir = temp_dir("ssh-key-matrix");
    for folder in ["spec", "builds", "ansible"] {
        copy_tree(&fixture().join(folder), &dir.join(folder));
    }
    let out = hybridc(&dir, &["matrix", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let matrix: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let needs = |id: &str| -> bool {
        matrix["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .find(|j| j["id"] == id)
            .and_then(|j| j["credentials"].as_array())
            .expect("the job")
            .iter()
            .any(|c| c == "BUILD_SSH_KEY_FILE")
    };
    assert!(needs("rocky-9-proxmox"));
    assert!(!needs("rocky-9-azure"));
}

/// The installer gets the public key as the template variable `build_ssh_pubkey` (kickstart
/// `sshkey --username`, autoinstall `ssh.authorized-keys`, preseed `late_command`: each
/// template's rendering is a golden file under `tests/fixtures/installers/` that the
/// installers' own validators accept), and the end of the build on the hypervisor removes the
/// build user's `authorized_keys` with its password and sudo rule.
#[test]
fn the_installer_authorises_the_key_and_the_end_removes_it() {
    let common = generated("common.pkr.hcl");
    assert!(
        common.contains("build_ssh_pubkey    = \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuildKeyOfTheFixtureOnly00000000000000 builder@ci\""),
        "{common}"
    );
    for (file, line) in [
        (
            "rocky-9/static/ks",
            "sshkey --username=testbuilder \"ssh-ed25519 ",
        ),
        (
            "ubuntu-2404/static/user-data",
            "    authorized-keys:\n      - \"ssh-ed25519 ",
        ),
        ("debian-12/static/preseed", "echo 'ssh-ed25519 "),
    ] {
        let rendered = fs::read_to_string(repo().join("tests/fixtures/installers").join(file))
            .expect("a rendered template");
        assert!(rendered.contains(line), "{file}");
    }
    let builds = generated("builds.pkr.hcl");
    let finish = &builds[builds.find("passwd -l").expect("the finishing step")..];
    let finish = &finish[..finish.find(']').expect("its lines")];
    assert!(finish.contains("/.ssh/authorized_keys"), "{finish}");
}

/// Without a password, an OS that logs in over WinRM is refused, and so is a Linux OS on a
/// hypervisor when the build user has no key either; each at the OS's name.
#[test]
fn an_os_that_cannot_log_in_without_the_password_is_refused() {
    let dir = temp_dir("ssh-key-no-login");
    for folder in ["spec", "builds", "ansible"] {
        copy_tree(&fixture().join(folder), &dir.join(folder));
    }
    let spec = dir.join("spec/hybrid.yaml");
    let original = fs::read_to_string(&spec).expect("the spec");
    let start = original.find("    ssh_key:\n").expect("the key");
    let end = original.find("platforms:\n").expect("platforms");
    fs::write(&spec, format!("{}{}", &original[..start], &original[end..])).expect("write");
    let out = hybridc(&dir, &["validate", "spec/"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("OS `rocky-9` on proxmox needs the build user's `password`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("neither `password` nor `ssh_key`"),
        "{stderr}"
    );
}
