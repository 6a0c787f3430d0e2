//! Secrets in the plugin catalogue and in `options:`.
//!
//! Every argument of every catalogued component is classified once (`catalogue::secrecy`); the
//! list of secret arguments is a snapshot, `tests/snapshots/secret-arguments.txt`, so a change
//! to the rule or to the catalogue shows up for review (`HYBRIDC_BLESS=1` rewrites it).

use std::path::PathBuf;

use hybridc::catalogue::{Component, Secrecy};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares `actual` with the committed snapshot, or rewrites it under `HYBRIDC_BLESS`.
fn snapshot(name: &str, actual: &str) {
    let path = repo().join("tests/snapshots").join(name);
    if std::env::var_os("HYBRIDC_BLESS").is_some() {
        std::fs::write(&path, actual).expect("bless");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot `{}`: run `HYBRIDC_BLESS=1 cargo test --test secrets`",
            path.display()
        )
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .header("snapshot", "actual")
            .to_string();
        panic!("`{name}` differs from its snapshot (HYBRIDC_BLESS=1 re-blesses):\n{diff}");
    }
}

/// `(component, dotted path, secrecy)` of every argument of every catalogued component.
fn classified() -> Vec<(Component, String, Secrecy)> {
    let mut out = Vec::new();
    for component in Component::ALL {
        for (path, argument) in component.schema().all_arguments() {
            out.push((component, path.join("."), argument.secrecy));
        }
    }
    out
}

#[test]
fn secret_arguments_of_the_whole_catalogue() {
    let mut text = String::from(
        "# Arguments of the pinned Packer components that hold a secret, by component, as\n\
         # `catalogue::secrecy` decides: `name` (the last word is password, secret, token or key)\n\
         # or `docs` (reviewed against the plugin's docs). Then the arguments whose docs overrule\n\
         # their name. Written by tests/secrets.rs; HYBRIDC_BLESS=1 rewrites it.\n\n",
    );
    let all = classified();
    for (component, path, secrecy) in &all {
        let why = match secrecy {
            Secrecy::Name => "name",
            Secrecy::Docs(_) => "docs",
            Secrecy::Plain | Secrecy::NotByDocs(_) => continue,
        };
        text.push_str(&format!("{:<16} {path:<45} {why}\n", component.name()));
    }
    text.push_str("\n# not secret by the docs\n");
    for (component, path, secrecy) in &all {
        if let Secrecy::NotByDocs(_) = secrecy {
            text.push_str(&format!("{:<16} {path}\n", component.name()));
        }
    }
    snapshot("secret-arguments.txt", &text);
}

#[test]
fn known_secrets_and_known_plain_arguments() {
    let all = classified();
    let secret = |component: Component, path: &str| -> bool {
        all.iter()
            .find(|(c, p, _)| *c == component && p == path)
            .unwrap_or_else(|| panic!("{} has no argument `{path}`", component.name()))
            .2
            .is_secret()
    };
    use Component::*;
    for (component, path) in [
        (AzureArm, "client_cert_password"),
        (AzureArm, "oidc_request_token"),
        (AzureArm, "client_secret"),
        (AzureArm, "client_jwt"),
        (ProxmoxIso, "password"),
        (ProxmoxIso, "token"),
        (ProxmoxClone, "token"),
        (VsphereIso, "password"),
        (VsphereTemplate, "password"),
        (AzureArm, "winrm_password"),
        (VsphereIso, "ssh_password"),
        (ProxmoxIso, "ssh_bastion_password"),
        (Powershell, "elevated_password"),
        (VsphereClone, "customize.windows_options.admin_password"),
        (VsphereClone, "customize.windows_options.product_key"),
    ] {
        assert!(
            secret(component, path),
            "{} `{path}` is a secret",
            component.name()
        );
    }
    for (component, path) in [
        (ProxmoxIso, "iso_checksum"),
        (ProxmoxIso, "boot_iso.iso_checksum"),
        (VsphereIso, "iso_checksum"),
        (ProxmoxIso, "ssh_private_key_file"),
        (AzureArm, "ssh_bastion_private_key_file"),
        (AzureArm, "ssh_username"),
        (ProxmoxIso, "vm_name"),
        (VsphereClone, "vm_name"),
        (AzureArm, "build_key_vault_secret_name"),
        (AzureArm, "sas_token_duration"),
        (AzureArm, "client_id"),
        (AzureArm, "ssh_public_key"),
        (Ansible, "ssh_host_key_file"),
    ] {
        assert!(
            !secret(component, path),
            "{} `{path}` is not a secret",
            component.name()
        );
    }
}

#[test]
fn every_plugin_file_is_embedded_or_known_to_be_unused() {
    // The catalogue's other files describe components hybridc never emits.
    let unused = ["ansible-local", "shell-local", "windows-update"];
    let mut files: Vec<String> = std::fs::read_dir(repo().join("data/plugins"))
        .expect("data/plugins")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .collect();
    files.sort();
    let mut known: Vec<String> = Component::ALL
        .iter()
        .map(|c| c.name().to_owned())
        .chain(unused.iter().map(|n| (*n).to_owned()))
        .collect();
    known.sort();
    assert_eq!(files, known);
}
