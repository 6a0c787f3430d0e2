//! `hybridc explain`: each value is shown with the layer it comes from and its spec line.

use std::path::PathBuf;

use crate::support::hybridc;

const SPEC: &str = "version: 1
defaults:
  hardware: { memory_mb: 2048 }
  build_user: { username: packer, password: { env: BUILD_PASSWORD } }
platforms:
  proxmox:
    builder: clone
    endpoint: https://pve.example.com:8006/api2/json
    username: packer@pve!packer
    token: { env: PROXMOX_TOKEN }
    node: pve1
    vm_storage_pool: local-lvm
    options: { cpu_type: host }
oses:
  ubuntu-2404:
    family: linux
    platforms: [proxmox]
    hardware: { cpus: 6 }
    proxmox: { clone_vm: base, hardware: { disk_gb: 64 }, options: { cpu_type: x86-64-v2-AES } }
environments:
  dev: { platforms: { proxmox: { node: lab1 } } }
";

fn repo_with_spec(name: &str) -> PathBuf {
    let dir = crate::support::temp_dir(&format!("explain-{name}"));
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    std::fs::write(dir.join("spec/hybrid.yaml"), SPEC).expect("spec");
    dir
}

fn row(text: &str, setting: &str) -> Vec<String> {
    text.lines()
        .find(|l| l.split_whitespace().next() == Some(setting))
        .unwrap_or_else(|| panic!("no row `{setting}` in\n{text}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn each_layer_is_named_with_its_line() {
    let dir = repo_with_spec("layers");
    let out = hybridc(&dir, &["explain", "ubuntu-2404", "--env", "dev"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        text.starts_with("ubuntu-2404 (environment `dev`)\n"),
        "{text}"
    );
    assert_eq!(
        row(&text, "hardware.memory_mb"),
        [
            "hardware.memory_mb",
            "2048",
            "defaults",
            "spec/hybrid.yaml:3:15"
        ]
    );
    assert_eq!(
        row(&text, "hardware.cpus"),
        ["hardware.cpus", "6", "OS", "spec/hybrid.yaml:18:17"]
    );
    assert_eq!(
        row(&text, "hardware.disk_gb"),
        ["hardware.disk_gb", "64", "OS", "spec/hybrid.yaml:19:44"]
    );
    assert_eq!(
        row(&text, "hardware.firmware"),
        ["hardware.firmware", "uefi", "default", "-"]
    );
    assert_eq!(
        row(&text, "vm_storage_pool"),
        [
            "vm_storage_pool",
            "local-lvm",
            "platform",
            "spec/hybrid.yaml:12:5"
        ]
    );
    assert_eq!(
        row(&text, "node"),
        ["node", "lab1", "environment", "spec/hybrid.yaml:21:34"]
    );
    assert_eq!(
        row(&text, "token"),
        [
            "token",
            "from",
            "$PROXMOX_TOKEN",
            "platform",
            "spec/hybrid.yaml:10:5"
        ]
    );
    assert_eq!(
        row(&text, "options.cpu_type"),
        [
            "options.cpu_type",
            "x86-64-v2-AES",
            "OS",
            "spec/hybrid.yaml:19:70"
        ]
    );
    assert_eq!(
        row(&text, "builder"),
        ["builder", "clone", "platform", "spec/hybrid.yaml:7:5"]
    );

    // Without an environment, the base value and its line.
    let base = hybridc(&dir, &["explain", "ubuntu-2404", "--platform", "proxmox"]);
    let text = String::from_utf8(base.stdout).expect("UTF-8");
    assert!(
        text.starts_with("ubuntu-2404 (base values, no environment)\n"),
        "{text}"
    );
    assert_eq!(
        row(&text, "node"),
        ["node", "pve1", "platform", "spec/hybrid.yaml:11:5"]
    );
}

#[test]
fn unknown_names_get_a_did_you_mean_and_exit_2() {
    let dir = repo_with_spec("errors");
    for (args, message) in [
        (
            &["explain", "ubuntu-2044"][..],
            "error: no OS `ubuntu-2044` in the spec; did you mean `ubuntu-2404`?\n",
        ),
        (
            &["explain", "ubuntu-2404", "--env", "dve"][..],
            "error: no environment `dve` in the spec; it has `dev`\n",
        ),
        (
            &["explain", "ubuntu-2404", "--platform", "azure"][..],
            "error: OS `ubuntu-2404` is not built on `azure`; it is built on `proxmox`\n",
        ),
    ] {
        let out = hybridc(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), message, "{args:?}");
    }
}

/// `tpm` and `secure_boot` are hardware settings like the others: shown with the layer that
/// sets them, and unset, with what the platform does (Proxmox enrolls Secure Boot's keys in a
/// UEFI VM; Azure's builds do not use firmware).
#[test]
fn tpm_and_secure_boot_are_shown_with_their_layer() {
    let dir = crate::support::temp_dir("explain-tpm");
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    let spec = SPEC
        .replace(
            "  hardware: { memory_mb: 2048 }",
            "  hardware: { memory_mb: 2048, tpm: true }",
        )
        .replace(
            "proxmox: { clone_vm: base, hardware: { disk_gb: 64 }",
            "proxmox: { clone_vm: base, hardware: { disk_gb: 64, secure_boot: false }",
        );
    std::fs::write(dir.join("spec/hybrid.yaml"), &spec).expect("spec");
    let out = hybridc(&dir, &["explain", "ubuntu-2404"]);
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(
        row(&text, "hardware.tpm"),
        ["hardware.tpm", "true", "defaults", "spec/hybrid.yaml:3:32"]
    );
    assert_eq!(
        row(&text, "hardware.secure_boot"),
        [
            "hardware.secure_boot",
            "false",
            "OS",
            "spec/hybrid.yaml:19:57"
        ]
    );
    std::fs::write(dir.join("spec/hybrid.yaml"), SPEC).expect("spec");
    let out = hybridc(&dir, &["explain", "ubuntu-2404"]);
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(
        row(&text, "hardware.tpm"),
        ["hardware.tpm", "false", "default", "-"]
    );
    assert_eq!(
        row(&text, "hardware.secure_boot"),
        ["hardware.secure_boot", "true", "default", "-"]
    );
}

/// What a release requires comes from the catalogue: an OS of Windows 11 gets UEFI, a TPM and
/// Secure Boot on every platform without a spec line, shown as the `release` layer.
#[test]
fn a_release_requirement_is_shown_as_the_release_layer() {
    let dir = crate::support::temp_dir("explain-release");
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    let spec = SPEC.replace(
        "  ubuntu-2404:\n    family: linux\n",
        "  windows-11:\n    editions: [enterprise]\n",
    );
    std::fs::write(dir.join("spec/hybrid.yaml"), &spec).expect("spec");
    let out = hybridc(&dir, &["explain", "windows-11"]);
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (setting, value) in [
        ("hardware.tpm", "true"),
        ("hardware.secure_boot", "true"),
        ("hardware.firmware", "uefi"),
    ] {
        assert_eq!(row(&text, setting), [setting, value, "release", "-"]);
    }
    assert_eq!(
        row(&text, "hardware.cpus"),
        ["hardware.cpus", "6", "OS", "spec/hybrid.yaml:18:17"]
    );
}

/// What an OS of the catalogue inherits (family, installer, description, vSphere guest OS type,
/// Azure image) is the `release` layer, at the OS entry that names the release; a value the
/// OS writes itself is the `OS` layer, at its line.
#[test]
fn what_a_release_gives_is_shown_at_the_os_entry() {
    let dir = crate::support::temp_dir("explain-release-facts");
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    let spec = SPEC.replace("    family: linux\n", "    description: Lab Ubuntu\n");
    std::fs::write(dir.join("spec/hybrid.yaml"), &spec).expect("spec");
    let out = hybridc(&dir, &["explain", "ubuntu-2404"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let at = "spec/hybrid.yaml:15:3";
    assert_eq!(row(&text, "family"), ["family", "linux", "release", at]);
    assert_eq!(
        row(&text, "installer"),
        ["installer", "autoinstall", "release", at]
    );
    assert_eq!(
        row(&text, "description"),
        [
            "description",
            "Lab",
            "Ubuntu",
            "OS",
            "spec/hybrid.yaml:16:5"
        ]
    );
    assert!(
        !text.contains("vsphere.guest_os_type") && !text.contains("azure_image"),
        "only the OS's platforms: {text}"
    );
}
