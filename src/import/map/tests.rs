//! The mapper on small trees written as data: what a reader would give for a vSphere and a
//! Proxmox folder of the same Ubuntu release, read for two environments.

use std::path::{Path, PathBuf};

use super::*;
use crate::diagnostic::SourceFile;
use crate::import::tree::{Assignment, Attribute, Body, Build, FileId, Step, Variable};
use crate::span::Span;

fn at(file: usize, start: usize, end: usize) -> Location {
    Location {
        file: FileId(file),
        span: Span::new(start, end),
    }
}

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn n(number: u64) -> Value {
    Value::Number(number.into())
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn unknown(expression: &str) -> Value {
    Value::Unknown {
        expression: expression.to_owned(),
    }
}

fn attr(name: &str, value: Value) -> Attribute {
    Attribute {
        name: name.to_owned(),
        value,
        variable: None,
        at: at(0, 0, 1),
    }
}

fn var(name: &str, value: Value, variable: &str) -> Attribute {
    Attribute {
        variable: Some(variable.to_owned()),
        ..attr(name, value)
    }
}

fn block(attributes: Vec<Attribute>) -> Body {
    Body { attributes }
}

fn blocks(name: &str, bodies: Vec<Body>) -> Attribute {
    attr(name, Value::Blocks(bodies))
}

const ISO: &str = "https://releases.ubuntu.com/22.04.4/ubuntu-22.04.4-live-server-amd64.iso";
const SUM: &str = "sha256:45f873de9f8cb637345d6e66a583762730bbea30277ef7b32c9c3bd6700a32b2";

fn source(builder: &str, name: &str, attributes: Vec<Attribute>) -> Source {
    Source {
        builder: builder.to_owned(),
        name: name.to_owned(),
        body: block(attributes),
        at: at(0, 0, 10),
    }
}

fn build(sources: &[&str], repo: &Path) -> Build {
    let script = repo.join("scripts/linux/update.sh");
    let playbook = repo.join("ansible/linux-playbook.yml");
    let step = |kind: &str, attributes: Vec<Attribute>| Step {
        kind: kind.to_owned(),
        body: block(attributes),
        only: Vec::new(),
        except: Vec::new(),
        at: at(0, 20, 30),
    };
    Build {
        name: None,
        sources: sources.iter().map(|s| format!("source.{s}")).collect(),
        provisioners: vec![
            step(
                "shell",
                vec![
                    attr("scripts", list(vec![s(&script.display().to_string())])),
                    attr(
                        "execute_command",
                        s("echo x | sudo -S -E sh -eu '{{ .Path }}'"),
                    ),
                ],
            ),
            step(
                "ansible",
                vec![attr("playbook_file", s(&playbook.display().to_string()))],
            ),
        ],
        post_processors: vec![step("manifest", vec![])],
        at: at(0, 40, 50),
    }
}

/// The vSphere folder, in an environment whose datacenter is `datacenter`.
fn vsphere(repo: &Path, datacenter: &str) -> Folder {
    let template = repo.join("builds/linux/ubuntu/22.04/data/user-data.pkrtpl.hcl");
    let vars = Box::new(Value::Object(Vec::new()));
    let mut body = vec![
        attr("vcenter_server", s("vc.example.com")),
        attr("username", s("svc-packer@vsphere.local")),
        var("password", s("hunter2"), "vsphere_password"),
        attr("insecure_connection", Value::Bool(true)),
        attr("datacenter", s(datacenter)),
        attr("cluster", s("cluster1")),
        attr("datastore", s("datastore1")),
        attr("folder", s("Templates")),
        attr("vm_name", s("linux-ubuntu-22.04-main")),
        attr("guest_os_type", s("ubuntu64Guest")),
        attr("firmware", s("efi")),
        attr("CPUs", n(2)),
        attr("RAM", n(4096)),
        attr("vm_version", n(19)),
        attr("boot_delay", s("5s")),
        attr("iso_url", s(ISO)),
        attr("iso_checksum", s(SUM)),
        attr(
            "http_content",
            Value::Object(vec![(
                "/user-data".to_owned(),
                Value::Template {
                    path: template,
                    vars,
                },
            )]),
        ),
        blocks("storage", vec![block(vec![attr("disk_size", n(40960))])]),
        blocks(
            "network_adapters",
            vec![block(vec![
                attr("network", s("VM Network")),
                attr("network_card", s("vmxnet3")),
            ])],
        ),
        attr("convert_to_template", Value::Bool(true)),
    ];
    body.extend(ssh_user());
    let files = vec![
        SourceFile::new("linux-ubuntu.pkr.hcl", "source {}\n"),
        SourceFile::new(
            "config/vsphere.pkrvars.hcl",
            "vsphere_password = \"hunter2\"\n",
        ),
    ];
    Folder {
        path: repo.join("builds/linux/ubuntu/22.04"),
        files,
        sources: vec![source("vsphere-iso", "linux-ubuntu", body)],
        builds: vec![build(&["vsphere-iso.linux-ubuntu"], repo)],
        variables: vec![Variable {
            name: "vsphere_password".into(),
            sensitive: true,
            description: None,
            value: Some(s("hunter2")),
            set_at: at(1, 19, 28),
            at: at(0, 0, 1),
        }],
        assignments: vec![Assignment {
            name: "vsphere_password".into(),
            value: s("hunter2"),
            at: at(1, 19, 28),
        }],
    }
}

/// The build user's SSH login, as both Linux sources write it.
fn ssh_user() -> [Attribute; 2] {
    [
        attr("ssh_username", s("packer")),
        var(
            "ssh_password",
            unknown("env(\"BUILD_PASSWORD\")"),
            "build_password",
        ),
    ]
}

/// The Proxmox folder of the same release.
fn proxmox(repo: &Path) -> Folder {
    let mut body = vec![
        attr("proxmox_url", s("https://pve.example.com:8006/api2/json")),
        attr("username", s("packer@pve!packer")),
        var(
            "token",
            unknown("env(\"PROXMOX_TOKEN\")"),
            "proxmox_api_token_secret",
        ),
        attr("node", s("pve1")),
        attr("cores", n(2)),
        attr("memory", n(4096)),
        attr("bios", s("ovmf")),
        attr("qemu_agent", Value::Bool(true)),
        var(
            "ssh_bastion_password",
            unknown("var.bastion_password"),
            "bastion_password",
        ),
        blocks(
            "boot_iso",
            vec![block(vec![
                attr("iso_url", s(ISO)),
                attr("iso_checksum", s(SUM)),
                attr("iso_storage_pool", s("local")),
            ])],
        ),
        blocks(
            "disks",
            vec![block(vec![
                attr("disk_size", s("40G")),
                attr("storage_pool", s("local-lvm")),
            ])],
        ),
        blocks(
            "network_adapters",
            vec![block(vec![
                attr("bridge", s("vmbr0")),
                attr("model", s("virtio")),
            ])],
        ),
    ];
    body.extend(ssh_user());
    Folder {
        path: repo.join("proxmox/ubuntu-2204"),
        files: vec![SourceFile::new("ubuntu.pkr.hcl", "source {}\n")],
        sources: vec![
            source("proxmox-iso", "ubuntu", body),
            source("amazon-ebs", "ubuntu", Vec::new()),
        ],
        builds: vec![build(&["proxmox-iso.ubuntu"], repo)],
        variables: Vec::new(),
        assignments: Vec::new(),
    }
}

fn repository(name: &str) -> PathBuf {
    let repo = crate::output::tests::scratch(&format!("import-map-{name}"));
    for (path, text) in [
        ("scripts/linux/update.sh", "#!/bin/sh\napt-get update\n"),
        ("ansible/linux-playbook.yml", "- hosts: all\n  tasks: []\n"),
        (
            "builds/linux/ubuntu/22.04/data/user-data.pkrtpl.hcl",
            "#cloud-config\nautoinstall:\n  version: 1\n",
        ),
    ] {
        write(&repo, path, text);
    }
    repo
}

/// Writes a file of the repository.
fn write(repo: &Path, path: impl AsRef<Path>, text: impl AsRef<[u8]>) {
    let file = repo.join(path);
    std::fs::create_dir_all(file.parent().expect("a folder")).expect("a folder");
    std::fs::write(file, text).expect("written");
}

fn imported(repo: &Path) -> Imported {
    let environments = [("dev", "dc-dev"), ("prod", "dc-prod")].map(|(name, dc)| Environment {
        name: name.to_owned(),
        folders: vec![vsphere(repo, dc), proxmox(repo)],
    });
    map(&environments, repo)
}

/// The bytes the import writes to the repository-relative `path`, if it writes that file.
fn written<'a>(imported: &'a Imported, path: &str) -> Option<&'a [u8]> {
    imported
        .files
        .iter()
        .find(|(p, _)| p == Path::new(path))
        .map(|(_, bytes)| bytes.as_slice())
}

/// The spec passes every check `hybridc validate` runs, with the files the mapper asks for.
fn valid(repo: &Path, imported: &Imported) {
    for (path, text) in &imported.files {
        write(repo, path, text);
    }
    let source = SourceFile::new("spec/hybrid.yaml", imported.spec.clone());
    if let Err(error) = crate::validate_source(source, repo.to_path_buf()) {
        panic!("{}\n{error:?}", imported.spec);
    }
}

mod copying;
mod seed_files;

#[test]
fn one_release_on_two_platforms_is_one_valid_os() {
    let repo = repository("two-platforms");
    let imported = imported(&repo);
    valid(&repo, &imported);
    let spec = crate::yaml::parse(&imported.spec).expect("YAML").to_json();
    let os = &spec["oses"]["ubuntu-2204"];
    assert_eq!(
        os["platforms"],
        serde_json::json!(["proxmox", "vsphere"]),
        "{}",
        imported.spec
    );
    assert_eq!(os["iso"]["checksum"], SUM);
    assert_eq!(os["provisioning"], serde_json::json!(["linux-base"]));
    assert!(
        imported
            .spec
            .starts_with("# yaml-language-server: $schema=../schema/hybrid.schema.json\n")
    );
    let origins: Vec<(&str, &str)> = imported
        .origins
        .iter()
        .map(|o| (o.source.as_str(), o.compiled.as_str()))
        .collect();
    assert_eq!(
        origins,
        [
            ("vsphere-iso.linux-ubuntu", "vsphere-iso.ubuntu-2204"),
            ("proxmox-iso.ubuntu", "proxmox-iso.ubuntu-2204"),
        ]
    );
}

#[test]
fn connection_settings_go_to_the_platforms_and_credentials_to_the_environment() {
    let repo = repository("credentials");
    let imported = imported(&repo);
    let spec = crate::yaml::parse(&imported.spec).expect("YAML").to_json();
    let vsphere = &spec["platforms"]["vsphere"];
    assert_eq!(vsphere["endpoint"], "vc.example.com");
    assert_eq!(vsphere["datacenter"], "dc-dev");
    assert_eq!(vsphere["network"], "VM Network");
    assert_eq!(
        vsphere["password"],
        serde_json::json!({"env": "PKR_VAR_vsphere_password"})
    );
    assert_eq!(
        spec["platforms"]["proxmox"]["token"],
        serde_json::json!({"env": "PROXMOX_TOKEN"})
    );
    assert_eq!(spec["platforms"]["proxmox"]["vm_storage_pool"], "local-lvm");
    assert_eq!(
        spec["defaults"]["build_user"]["password"],
        serde_json::json!({"env": "BUILD_PASSWORD"})
    );
    assert!(!imported.spec.contains("hunter2"), "{}", imported.spec);
    assert!(
        imported
            .spec
            .contains("# read from $PKR_VAR_vsphere_password")
    );
    assert_eq!(
        spec["environments"],
        serde_json::json!({"dev": {}, "prod": {"platforms": {"vsphere": {"datacenter": "dc-prod"}}}})
    );
}

#[test]
fn a_literal_secret_in_a_var_file_is_reported_once_and_masked() {
    let repo = repository("secret");
    let imported = imported(&repo);
    let secrets: Vec<&Finding> = imported
        .findings
        .iter()
        .filter(|f| f.diagnostic.code == Code::ImportLiteralSecret)
        .collect();
    assert_eq!(secrets.len(), 1, "{:?}", imported.findings);
    assert_eq!(secrets[0].file.name, "config/vsphere.pkrvars.hcl");
    assert_eq!(secrets[0].diagnostic.primary.span, Span::new(19, 28));
    assert!(!secrets[0].diagnostic.is_error());
}

#[test]
fn an_unsupported_builder_is_an_error_and_left_out() {
    let repo = repository("unsupported");
    let imported = imported(&repo);
    let errors: Vec<&str> = imported
        .findings
        .iter()
        .filter(|f| f.diagnostic.code == Code::ImportUnsupportedBuilder)
        .map(|f| f.diagnostic.message.as_str())
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("amazon-ebs"), "{errors:?}");
}

#[test]
fn the_installer_comes_from_the_release_and_its_own_template_is_kept() {
    let repo = repository("installer");
    let imported = imported(&repo);
    let spec = crate::yaml::parse(&imported.spec).expect("YAML").to_json();
    assert_eq!(
        spec["oses"]["ubuntu-2204"]["templates"]["user-data.pkrtpl.hcl"],
        "builds/ubuntu-2204/user-data.pkrtpl.hcl"
    );
    let own = written(&imported, "builds/ubuntu-2204/user-data.pkrtpl.hcl")
        .expect("the template is kept");
    assert!(own.starts_with(b"#cloud-config"));
}

#[test]
fn other_arguments_are_options_or_unmapped() {
    let repo = repository("options");
    let imported = imported(&repo);
    let spec = crate::yaml::parse(&imported.spec).expect("YAML").to_json();
    assert_eq!(
        spec["platforms"]["vsphere"]["options"]["vm_version"], 19,
        "{}",
        imported.spec
    );
    assert_eq!(spec["platforms"]["proxmox"]["options"]["qemu_agent"], true);
    assert_eq!(
        spec["platforms"]["proxmox"]["options"]["ssh_bastion_password"],
        serde_json::json!({"env": "PKR_VAR_bastion_password"})
    );
    assert!(imported.spec.contains(
        "      # read from $PKR_VAR_bastion_password, where Packer read the imported tree's `var.bastion_password`\n      ssh_bastion_password:"
    ));
    let unmapped: Vec<&str> = imported
        .unmapped
        .iter()
        .map(|u| u.argument.as_str())
        .collect();
    assert_eq!(unmapped, ["boot_delay"], "{:?}", imported.unmapped);
}

#[test]
fn the_same_steps_are_one_set_with_repository_paths() {
    let repo = repository("steps");
    let imported = imported(&repo);
    let spec = crate::yaml::parse(&imported.spec).expect("YAML").to_json();
    assert_eq!(
        spec["provisioning"],
        serde_json::json!({"linux-base": [
            {"shell": {"scripts": ["scripts/linux/update.sh"]}},
            {"ansible": {"playbook": "ansible/linux-playbook.yml"}},
        ]})
    );
}

#[test]
fn the_spec_is_the_same_every_time() {
    let repo = repository("deterministic");
    assert_eq!(imported(&repo).spec, imported(&repo).spec);
}

/// A Windows Server folder of the vSphere framework: one source per edition, which differ
/// by the image name passed to the answer file.
fn windows(repo: &Path) -> Folder {
    let template = repo.join("builds/windows/server/2022/data/autounattend.pkrtpl.hcl");
    let edition = |name: &str, image: &str| {
        let vars = Value::Object(vec![
            ("vm_inst_os_image".to_owned(), s(image)),
            ("vm_inst_os_language".to_owned(), s("de-DE")),
            ("vm_guest_os_language".to_owned(), s("en-US")),
            ("vm_guest_os_keyboard".to_owned(), s("0407:00000407")),
            ("vm_guest_os_timezone".to_owned(), s("UTC")),
        ]);
        let body = vec![
            attr("vcenter_server", s("vc.example.com")),
            attr("username", s("svc-packer@vsphere.local")),
            var("password", s("hunter2"), "vsphere_password"),
            attr("datacenter", s("dc-dev")),
            attr("cluster", s("cluster1")),
            attr("datastore", s("datastore1")),
            attr("CPUs", n(2)),
            attr("RAM", n(8192)),
            attr("firmware", s("efi")),
            attr(
                "iso_url",
                s("https://example.com/SERVER_EVAL_x64FRE_en-us.iso"),
            ),
            attr("iso_checksum", s(&format!("sha256:{}", "3e".repeat(32)))),
            attr(
                "cd_content",
                Value::Object(vec![(
                    "autounattend.xml".to_owned(),
                    Value::Template {
                        path: template.clone(),
                        vars: Box::new(vars),
                    },
                )]),
            ),
            blocks(
                "network_adapters",
                vec![block(vec![attr("network", s("VM Network"))])],
            ),
            attr("communicator", s("winrm")),
            attr("winrm_username", s("packer")),
            var(
                "winrm_password",
                unknown("var.build_password"),
                "build_password",
            ),
        ];
        source("vsphere-iso", name, body)
    };
    Folder {
        path: repo.join("builds/windows/server/2022"),
        files: vec![SourceFile::new("windows-server.pkr.hcl", "source {}\n")],
        sources: vec![
            edition(
                "windows-server-standard-dexp",
                "Windows Server 2022 SERVERSTANDARD",
            ),
            edition(
                "windows-server-datacenter-dexp",
                "Windows Server 2022 SERVERDATACENTER",
            ),
        ],
        builds: Vec::new(),
        variables: Vec::new(),
        assignments: Vec::new(),
    }
}

#[test]
fn the_editions_of_a_windows_folder_are_one_os() {
    let repo = repository("windows");
    let template = "builds/windows/server/2022/data/autounattend.pkrtpl.hcl";
    write(&repo, template, "<unattend/>\n");
    let environments = [Environment {
        name: "default".to_owned(),
        folders: vec![vsphere(&repo, "dc-dev"), windows(&repo)],
    }];
    let imported = map(&environments, &repo);
    valid(&repo, &imported);
    let spec = crate::yaml::parse(&imported.spec).expect("YAML").to_json();
    let os = &spec["oses"]["windows-2022"];
    assert_eq!(
        os["editions"],
        serde_json::json!(["standard", "datacenter"]),
        "{}",
        imported.spec
    );
    assert_eq!(os["hardware"], serde_json::json!({"memory_mb": 8192}));
    assert_eq!(
        os["locale"],
        serde_json::json!({"language": "en_US", "keyboard": "de", "timezone": "UTC"})
    );
    assert_eq!(spec["defaults"]["hardware"]["cpus"], 2);
    assert_eq!(spec.get("environments"), None);
    let compiled: Vec<&str> = imported
        .origins
        .iter()
        .map(|o| o.compiled.as_str())
        .collect();
    assert_eq!(
        compiled,
        [
            "vsphere-iso.ubuntu-2204",
            "vsphere-iso.windows-2022-standard",
            "vsphere-iso.windows-2022-datacenter",
        ]
    );
}

/// Files outside the repository are copied into it; another file of the same name gets a
/// numbered name, and a file the repository has already is named, not copied.
#[test]
fn scripts_outside_the_repository_are_copied_under_names_of_their_own() {
    let repo = repository("copies");
    let outside = crate::output::tests::scratch("import-map-outside");
    write(&outside, "a/update.sh", "echo a\n");
    write(&outside, "b/update.sh", "echo b\n");
    let mut files = Vec::new();
    let mut cx = copies::Context {
        repo: &repo,
        files: &mut files,
    };
    let a = outside.join("a/update.sh").display().to_string();
    let b = outside.join("b/update.sh").display().to_string();
    let ours = repo.join("scripts/linux/update.sh").display().to_string();
    assert_eq!(
        copies::repo_path(&a, "scripts/linux", &mut cx),
        "scripts/linux/update-2.sh"
    );
    assert_eq!(
        copies::repo_path(&b, "scripts/linux", &mut cx),
        "scripts/linux/update-3.sh"
    );
    assert_eq!(
        copies::repo_path(&a, "scripts/linux", &mut cx),
        "scripts/linux/update-2.sh"
    );
    assert_eq!(
        copies::repo_path(&ours, "scripts/linux", &mut cx),
        "scripts/linux/update.sh"
    );
    let written: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    assert_eq!(
        written,
        ["scripts/linux/update-2.sh", "scripts/linux/update-3.sh"]
    );
}

/// An OS's value that one environment changes cannot be an environment override: it is
/// reported, and the first environment's value is used.
#[test]
fn an_os_value_that_differs_between_environments_is_reported() {
    let repo = repository("environment-os");
    let mut prod = vsphere(&repo, "dc-prod");
    let cpus = prod.sources[0]
        .body
        .attributes
        .iter_mut()
        .find(|a| a.name == "CPUs")
        .expect("CPUs");
    cpus.value = n(4);
    let environments = [
        Environment {
            name: "dev".to_owned(),
            folders: vec![vsphere(&repo, "dc-dev")],
        },
        Environment {
            name: "prod".to_owned(),
            folders: vec![prod],
        },
    ];
    let imported = map(&environments, &repo);
    let unmapped: Vec<&str> = imported
        .unmapped
        .iter()
        .map(|u| u.argument.as_str())
        .collect();
    assert_eq!(unmapped, ["CPUs", "boot_delay"], "{:?}", imported.unmapped);
    assert!(imported.unmapped[0].reason.contains("`prod`"));
    let spec = crate::yaml::parse(&imported.spec).expect("YAML").to_json();
    assert_eq!(spec["oses"]["ubuntu-2204"]["hardware"]["cpus"], 2);
}

/// A value that holds a secret's literal value (a shutdown command that pipes the password
/// to sudo, a step that echoes it) is never copied into the spec, and its report does not
/// show it.
#[test]
fn values_that_hold_a_literal_secret_are_never_copied() {
    let repo = repository("holds-secret");
    let mut folder = vsphere(&repo, "dc-dev");
    let command = s("echo 'hunter2' | sudo -S shutdown -P now");
    folder.sources[0]
        .body
        .attributes
        .push(attr("shutdown_command", command));
    let mut step = folder.builds[0].provisioners[0].clone();
    step.body = block(vec![attr("inline", list(vec![s("echo hunter2")]))]);
    step.at = at(0, 60, 70);
    folder.builds[0].provisioners.push(step);
    let environments = [Environment {
        name: "default".to_owned(),
        folders: vec![folder],
    }];
    let imported = map(&environments, &repo);
    assert!(!imported.spec.contains("hunter2"), "{}", imported.spec);
    let held: Vec<(&str, &Value)> = imported
        .unmapped
        .iter()
        .filter(|u| u.reason.contains("secret"))
        .map(|u| (u.argument.as_str(), &u.value))
        .collect();
    assert_eq!(
        held,
        // A vSphere source's shutdown is the OS family's: never an option, so its command,
        // secret and all, is left to the comparison.
        [("provisioner \"shell\"", &Value::Null)]
    );
}
