//! Secrets in the plugin catalogue and in `options:`.
//!
//! Every argument of every catalogued component is classified once (`catalogue::secrecy`); the
//! list of secret arguments is a snapshot, `tests/snapshots/secret-arguments.txt`, so a change
//! to the rule or to the catalogue shows up for review (`HYBRIDC_BLESS=1` rewrites it). Every
//! secret argument a builder's `options` can reach is tried as a literal (refused) and as
//! `{ env: NAME }` (a sensitive variable), and conformance refuses a model that would write a
//! secret argument as a value.

use std::path::PathBuf;

use hybridc::catalogue::{Component, Secrecy, Type};

use crate::support::{copy_tree, repo};

/// Compares `actual` with the committed snapshot, or rewrites it under `HYBRIDC_BLESS`.
fn snapshot(name: &str, actual: &str) {
    crate::support::golden(&repo().join("tests/snapshots").join(name), actual);
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
         # their name. Written by tests/it/secrets.rs; HYBRIDC_BLESS=1 rewrites it.\n\n",
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

/// A secret no output holds otherwise: its first character appears nowhere else, so "no prefix
/// of it is shown" is "its first character is not shown".
const SECRET: &str = "ØqZ7-hunter2";

/// The environment variable the `{ env: NAME }` form reads.
const ENV: &str = "HYBRIDC_SWEEP_SECRET";

/// A repository with the example's installer templates, scripts and playbooks, and a spec that
/// builds one Linux OS with `component` only.
struct Case {
    dir: PathBuf,
    component: Component,
}

impl Case {
    fn new(component: Component) -> Self {
        let dir = crate::support::temp_dir(&format!("secrets-{}", component.name()));
        for folder in ["installers", "scripts", "ansible"] {
            copy_tree(&repo().join(folder), &dir.join(folder));
        }
        std::fs::create_dir_all(dir.join("spec")).expect("spec folder");
        Case { dir, component }
    }

    fn platform(&self) -> &'static str {
        match self.component {
            Component::ProxmoxIso | Component::ProxmoxClone => "proxmox",
            Component::VsphereIso | Component::VsphereClone => "vsphere",
            _ => "azure",
        }
    }

    /// The spec, with `options` (YAML lines of a mapping, unindented) at the platform or the OS.
    fn spec(&self, platform_options: &str, os_options: &str) -> String {
        let platform = self.platform();
        let (platform_body, os_body) = match self.component {
            Component::ProxmoxIso | Component::ProxmoxClone => (
                format!(
                    "    builder: {}\n    endpoint: https://pve.example.com:8006/api2/json\n    username: packer@pve!packer\n    token: {{ env: PROXMOX_TOKEN }}\n    node: pve1\n    vm_storage_pool: local-lvm\n",
                    if self.component == Component::ProxmoxIso { "iso" } else { "clone" }
                ),
                if self.component == Component::ProxmoxClone {
                    "      clone_vm: ubuntu-2404-base\n"
                } else {
                    ""
                }
                .to_owned(),
            ),
            Component::VsphereIso | Component::VsphereClone => (
                format!(
                    "    builder: {}\n    endpoint: vcenter.example.com\n    username: svc-packer@vsphere.local\n    password: {{ env: VSPHERE_PASSWORD }}\n    datacenter: dc1\n    cluster: cluster1\n    datastore: datastore1\n    network: VM Network\n",
                    if self.component == Component::VsphereIso { "iso" } else { "clone" }
                ),
                format!(
                    "      guest_os_type: ubuntu64Guest\n{}",
                    if self.component == Component::VsphereClone {
                        "      template: Templates/ubuntu-2404-base\n"
                    } else {
                        ""
                    }
                ),
            ),
            _ => (
                "    client_id: { env: ARM_CLIENT_ID }\n    client_secret: { env: ARM_CLIENT_SECRET }\n    tenant_id: { env: ARM_TENANT_ID }\n    subscription_id: { env: ARM_SUBSCRIPTION_ID }\n    location: westeurope\n    output:\n      managed_image: { resource_group: rg-images }\n".to_owned(),
                String::new(),
            ),
        };
        let indent = |text: &str, by: &str| -> String {
            text.lines().map(|l| format!("{by}{l}\n")).collect()
        };
        let mut spec = format!(
            "version: 1\ndefaults:\n  build_user:\n    username: builder\n    password: {{ env: BUILD_PASSWORD }}\n    password_hash: {{ env: BUILD_PASSWORD_HASH }}\nplatforms:\n  {platform}:\n{platform_body}"
        );
        if !platform_options.is_empty() {
            spec.push_str("    options:\n");
            spec.push_str(&indent(platform_options, "      "));
        }
        spec.push_str(&format!(
            "oses:\n  ubuntu-2404:\n    family: linux\n    installer: autoinstall\n    iso:\n      url: https://releases.ubuntu.com/24.04.5/ubuntu-24.04.5-live-server-amd64.iso\n      checksum: sha256:97f3d7ffb032c3eb3b23d2c8be9cc76e60c2c1f2c0146ba5ba9fe01cafae0fd8\n    azure_image: {{ publisher: Canonical, offer: ubuntu-24_04-lts, sku: server }}\n    platforms: [{platform}]\n    {platform}:\n{os_body}"
        ));
        if !os_options.is_empty() {
            spec.push_str("      options:\n");
            spec.push_str(&indent(os_options, "        "));
        }
        if os_body.is_empty() && os_options.is_empty() {
            spec = spec.replace(
                &format!("    {platform}:\n"),
                &format!("    {platform}: {{}}\n"),
            );
        }
        spec
    }

    /// Writes `spec`, removes any earlier output, and runs `hybridc compile`.
    fn compile(&self, spec: &str) -> (i32, String) {
        std::fs::write(self.dir.join("spec/hybrid.yaml"), spec).expect("write spec");
        let _ = std::fs::remove_dir_all(self.dir.join("generated"));
        let output = crate::support::command()
            .args(["compile", "spec/"])
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .env(ENV, SECRET)
            .output()
            .expect("the binary runs");
        (
            output.status.code().expect("exited normally"),
            String::from_utf8(output.stderr).expect("UTF-8 diagnostics"),
        )
    }

    fn generated(&self) -> Vec<(String, String)> {
        let out = self.dir.join("generated");
        hybridc::output::files_under(&out)
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(out.join(&path)).expect("read output");
                (path, text)
            })
            .collect()
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `a: { b: { c: VALUE } }` for the path `a.b.c` of `component`, with what each block on the
/// way requires besides, from the catalogue (vsphere-clone's `customize` takes a
/// `network_interface`, its `windows_options` a `computer_name`).
fn nested(component: Component, path: &[&str], value: &str) -> String {
    let mut blocks = Vec::new();
    let mut inner = &component.schema().blocks;
    for name in &path[..path.len() - 1] {
        let block = &inner[*name];
        blocks.push(block);
        inner = &block.blocks;
    }
    let mut text = value.to_owned();
    for (i, name) in path.iter().enumerate().rev() {
        if i == 0 {
            text = format!("{name}: {text}");
            break;
        }
        let block = blocks[i - 1];
        let mut entries = vec![format!("{name}: {text}")];
        for (other, argument) in &block.arguments {
            if argument.required && other != name {
                let filler = match argument.kind {
                    Type::Number => "1",
                    Type::Bool => "true",
                    _ => "filler",
                };
                entries.push(format!("{other}: {filler}"));
            }
        }
        for (other, required) in &block.blocks {
            if required.required && other != name {
                entries.push(format!("{other}: [{{}}]"));
            }
        }
        text = format!("{{ {} }}", entries.join(", "));
    }
    text
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

/// The rendered findings, one string each, from the line with their code.
fn findings(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in stderr.lines() {
        if line.starts_with("hybridc::") || out.is_empty() {
            out.push(String::new());
        }
        let last = out.last_mut().expect("pushed above");
        last.push_str(line);
        last.push('\n');
    }
    out
}

#[test]
fn literal_secrets_in_options_are_refused_and_env_references_compile() {
    let (mut checked, mut compiled_cases, mut expected) = (0, 0, 0);
    for component in Component::BUILDERS {
        let case = Case::new(component);
        // What hybridc sets itself cannot come through `options`, whatever its form.
        std::fs::write(case.dir.join("spec/hybrid.yaml"), case.spec("", "")).expect("write");
        let base = hybridc::compile(&case.dir.join("spec"), &case.dir.join("generated"))
            .unwrap_or_else(|e| panic!("{}: the base spec compiles: {e}", component.name()));
        let source = base
            .model
            .sources
            .iter()
            .find(|s| s.component == component)
            .expect("a source of the component");
        let secrets: Vec<(Vec<&str>, bool)> = component
            .schema()
            .all_arguments()
            .into_iter()
            .filter(|(_, a)| a.is_secret())
            .map(|(path, a)| (path, a.internal))
            .collect();
        assert!(!secrets.is_empty(), "{} has secrets", component.name());
        // Each secret at two places.
        expected += 2 * secrets.len();
        for (path, internal) in secrets {
            let dotted = path.join(".");
            let set_by_hybridc = source.body.has(path[0]);
            for at_os in [false, true] {
                let place = if at_os {
                    "oses.ubuntu-2404"
                } else {
                    "platforms"
                };
                let what = format!("{} `{dotted}` in {place} options", component.name());
                let with = |value: &str| {
                    let line = nested(component, &path, value);
                    if at_os {
                        case.spec("", &line)
                    } else {
                        case.spec(&line, "")
                    }
                };

                // A literal: refused at the value, masked, and nothing written.
                let spec = with(SECRET);
                let (code, stderr) = case.compile(&spec);
                assert_eq!(code, 2, "{what}: refused\n{stderr}");
                assert!(!case.dir.join("generated").exists(), "{what}: wrote output");
                let first = SECRET.chars().next().expect("a secret");
                assert!(
                    !stderr.contains(first),
                    "{what}: the secret is shown\n{stderr}"
                );
                let (line, col) = line_col(&spec, spec.find(SECRET).expect("in the spec"));
                let expected = if internal {
                    "hybridc::spec::unknown-option"
                } else {
                    "hybridc::spec::literal-secret"
                };
                let anchor = format!("[spec/hybrid.yaml:{line}:");
                assert!(
                    findings(&stderr)
                        .iter()
                        .any(|f| f.starts_with(&format!("{expected}\n"))
                            && f.contains(&anchor)
                            && (internal || f.contains(&format!("{anchor}{col}]")))),
                    "{what}: no `{expected}` at {line}:{col}\n{stderr}"
                );

                // `{ env: NAME }`: a sensitive variable, and no secret value in any file.
                let spec = with(&format!("{{ env: {ENV} }}"));
                let (code, stderr) = case.compile(&spec);
                if internal || set_by_hybridc {
                    let expected = if internal {
                        "hybridc::spec::unknown-option"
                    } else {
                        "hybridc::compile::option-conflict"
                    };
                    assert_eq!(code, 2, "{what}: refused\n{stderr}");
                    assert!(stderr.contains(expected), "{what}: `{expected}`\n{stderr}");
                    assert!(!case.dir.join("generated").exists(), "{what}: wrote output");
                    checked += 1;
                    continue;
                }
                assert_eq!(code, 0, "{what}: compiles\n{stderr}");
                let compiled =
                    hybridc::compile(&case.dir.join("spec"), &case.dir.join("generated"))
                        .expect("compiles in memory too");
                let variable = compiled
                    .model
                    .variables
                    .iter()
                    .find(|v| v.credential() == Some(ENV))
                    .unwrap_or_else(|| panic!("{what}: a variable reads ${ENV}"));
                assert!(
                    variable.sensitive,
                    "{what}: `{}` is sensitive",
                    variable.name
                );
                let sources: Vec<&hybridc::model::Source> = compiled.model.sources.iter().collect();
                assert!(
                    compiled
                        .model
                        .credentials(&sources)
                        .contains(&ENV.to_owned()),
                    "{what}: `hybridc build` asks for ${ENV}"
                );
                let files = case.generated();
                let reference = format!("var.{}", variable.name);
                assert!(
                    files.iter().any(|(_, text)| text.contains(&reference)),
                    "{what}: `{reference}` is used"
                );
                for (file, text) in &files {
                    assert!(!text.contains(SECRET), "{what}: {file} holds the secret");
                    if file.ends_with(".pkrvars.hcl") {
                        assert!(
                            !text.contains(&variable.name),
                            "{what}: {file} sets `{}`",
                            variable.name
                        );
                    }
                }
                checked += 1;
                compiled_cases += 1;
            }
        }
    }
    assert_eq!(checked, expected);
    assert!(compiled_cases >= 30, "only {compiled_cases} cases compile");
}

#[test]
fn conformance_refuses_a_secret_argument_written_as_a_value() {
    let compiled = hybridc::compile(&repo().join("spec"), &repo().join("generated"))
        .expect("the example compiles");
    for (value, how) in [
        (hybridc::hcl::Expr::String(SECRET.into()), "a literal"),
        (
            hybridc::hcl::Expr::var("build_username"),
            "a variable that is not sensitive",
        ),
    ] {
        let mut model = compiled.model.clone();
        let source = model
            .sources
            .iter_mut()
            .find(|s| s.body.has("ssh_password"))
            .expect("a Linux source");
        for arg in &mut source.body.0 {
            if let hybridc::model::Arg::Attr { name, value: v, .. } = arg
                && name == "ssh_password"
            {
                *v = value.clone();
            }
        }
        let problems = hybridc::conformance::check(&model, &compiled.loaded)
            .expect_err("a secret written as a value is refused");
        assert!(
            problems
                .iter()
                .any(|d| d.message.contains("`ssh_password`, which holds a secret")),
            "{how}: {problems:?}"
        );
    }
}
