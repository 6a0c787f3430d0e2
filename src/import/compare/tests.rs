//! The comparison on folders built by hand: a tree against itself, a framework-style source
//! against the source hybridc compiles, secrets, environments and shares.

mod folders;
mod hcl;
mod steps;

use std::path::{Path, PathBuf};

use super::compare;
use crate::import::map::{Environment, Imported, Origin, Unmapped};
use crate::import::report::{Basis, Difference, Entry, MASK, Reason, Report};
use crate::import::tree::{
    Attribute, Body, Build, FileId, Folder, Location, Source, Step, Value, Variable,
};
use crate::span::Span;
use crate::spec::PlatformName;

pub(super) fn at() -> Location {
    Location {
        file: FileId(0),
        span: Span { start: 0, end: 0 },
    }
}

pub(super) fn s(text: &str) -> Value {
    Value::String(text.into())
}

pub(super) fn n(value: i64) -> Value {
    Value::Number(value.into())
}

pub(super) fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

pub(super) fn unknown(expression: &str) -> Value {
    Value::Unknown {
        expression: expression.into(),
    }
}

pub(super) fn body(arguments: Vec<(&str, Value)>) -> Body {
    Body {
        attributes: arguments
            .into_iter()
            .map(|(name, value)| Attribute {
                name: name.into(),
                value,
                variable: None,
                at: at(),
            })
            .collect(),
    }
}

pub(super) fn blocks(arguments: Vec<(&str, Value)>) -> Value {
    Value::Blocks(vec![body(arguments)])
}

pub(super) fn step(kind: &str, arguments: Vec<(&str, Value)>) -> Step {
    Step {
        kind: kind.into(),
        body: body(arguments),
        only: Vec::new(),
        except: Vec::new(),
        at: at(),
    }
}

fn sensitive(name: &str, value: &str) -> Variable {
    Variable {
        name: name.into(),
        sensitive: true,
        description: None,
        value: Some(s(value)),
        set_at: at(),
        at: at(),
    }
}

/// A folder with one source (`builder.name`) and one build of it.
pub(super) fn folder(
    path: &Path,
    builder: &str,
    name: &str,
    arguments: Vec<(&str, Value)>,
    provisioners: Vec<Step>,
    post_processors: Vec<Step>,
) -> Folder {
    Folder {
        path: path.to_owned(),
        files: Vec::new(),
        sources: vec![Source {
            builder: builder.into(),
            name: name.into(),
            body: body(arguments),
            at: at(),
        }],
        builds: vec![Build {
            name: None,
            sources: vec![format!("{builder}.{name}")],
            provisioners,
            post_processors,
            at: at(),
        }],
        variables: Vec::new(),
        assignments: Vec::new(),
    }
}

pub(super) fn imported(
    folder: &Path,
    source: &str,
    compiled: &str,
    unmapped: Vec<Unmapped>,
) -> Imported {
    Imported {
        spec: String::new(),
        files: Vec::new(),
        origins: vec![Origin {
            folder: folder.to_owned(),
            source: source.into(),
            os: "ubuntu-2404".into(),
            platform: PlatformName::Vsphere,
            compiled: compiled.into(),
        }],
        unmapped,
        findings: Vec::new(),
    }
}

pub(super) fn one(original: Folder, compiled: Folder, imported: &Imported) -> Report {
    let environments = [Environment {
        name: "default".into(),
        folders: vec![original],
    }];
    compare(&environments, &[("default".into(), compiled)], imported)
}

pub(super) fn find<'r>(report: &'r Report, path: &str) -> &'r Entry {
    report.sources[0]
        .entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no entry {path} in {:#?}", report.sources[0].entries))
}

/// A scratch folder with `files` written into it.
fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("hybridc-compare-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    root
}

fn vsphere_source() -> Vec<(&'static str, Value)> {
    vec![
        ("vcenter_server", s("vcenter.example.com")),
        ("CPUs", n(2)),
        (
            "network_adapters",
            blocks(vec![
                ("network", s("VM Network")),
                ("network_card", s("vmxnet3")),
            ]),
        ),
        (
            "configuration_parameters",
            Value::Object(
                vec![("a", s("1")), ("b", s("2"))]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            ),
        ),
    ]
}

#[test]
fn a_tree_against_itself_is_all_equal() {
    let path = PathBuf::from("/trees/ubuntu");
    let steps = vec![step("shell", vec![("inline", list(&["echo hi"]))])];
    let tree = folder(
        &path,
        "vsphere-iso",
        "ubuntu",
        vsphere_source(),
        steps.clone(),
        Vec::new(),
    );
    let imported = imported(
        &path,
        "vsphere-iso.ubuntu",
        "vsphere-iso.ubuntu",
        Vec::new(),
    );
    let report = one(tree.clone(), tree, &imported);
    assert!(report.expected(), "{}", report.render());
    let counts = report.counts();
    assert_eq!((counts.changed, counts.dropped, counts.added), (0, 0, 0));
    assert!(counts.equal >= 5, "{counts:?}");
    // Objects compare as maps: the order they are written in does not matter.
    let mut reordered = vsphere_source();
    reordered[3].1 = Value::Object(vec![("b".into(), s("2")), ("a".into(), s("1"))]);
    let other = folder(&path, "vsphere-iso", "ubuntu", reordered, steps, Vec::new());
    let same = folder(
        &path,
        "vsphere-iso",
        "ubuntu",
        vsphere_source(),
        vec![step("shell", vec![("inline", list(&["echo hi"]))])],
        Vec::new(),
    );
    assert!(one(same, other, &imported).expected());
}

#[test]
fn each_difference_hybridc_makes_has_its_reason() {
    let root = scratch(
        "reasons",
        &[
            ("orig/scripts/update.sh", "apt-get update\n"),
            ("repo/scripts/linux/update.sh", "apt-get update\n"),
            (
                "repo/installers/autoinstall/user-data.pkrtpl.hcl",
                "#cloud-config\n",
            ),
            ("repo/generated/builds.pkr.hcl", ""),
        ],
    );
    let old_dir = root.join("orig");
    let new_dir = root.join("repo/generated");
    let mut original = vsphere_source();
    original.extend([
        ("vm_name", s("linux-ubuntu")),
        ("password", s("hunter2-secret")),
        ("notes", s("Built by Packer")),
        ("http_directory", s(&format!("{}/http", old_dir.display()))),
        ("boot_command", list(&["<esc>linux"])),
        ("vm_version", n(19)),
        ("floppy_files", list(&["answer/"])),
    ]);
    let mut compiled = vsphere_source();
    compiled[1].1 = n(4);
    compiled[2].1 = blocks(vec![("network", s("Lab")), ("network_card", s("vmxnet3"))]);
    compiled.extend([
        ("vm_name", unknown("\"ubuntu-2404-${local.build_version}\"")),
        ("password", unknown("env(\"VSPHERE_PASSWORD\")")),
        ("notes", s("Ubuntu Server 24.04 LTS, built by hybridc")),
        (
            "http_content",
            Value::Object(vec![(
                "/user-data".into(),
                Value::Template {
                    path: root
                        .join("repo/generated/../installers/autoinstall/user-data.pkrtpl.hcl"),
                    vars: Box::new(Value::Object(vec![
                        ("hostname".into(), s("ubuntu-2404")),
                        ("root_password".into(), s("plain-in-vars")),
                    ])),
                },
            )]),
        ),
        ("boot_command", list(&["c<wait>linux /casper/vmlinuz"])),
        ("communicator", s("ssh")),
        ("ssh_timeout", s("30m")),
    ]);
    let old_script = format!("{}/scripts/update.sh", old_dir.display());
    let new_script = format!("{}/../scripts/linux/update.sh", new_dir.display());
    let old_steps = vec![step("shell", vec![("scripts", list(&[&old_script]))])];
    let new_steps = vec![
        step(
            "shell",
            vec![
                ("scripts", list(&[&new_script])),
                (
                    "environment_vars",
                    Value::List(vec![unknown(
                        "\"HYBRIDC_PLATFORM=${split(\"-\", source.type)[0]}\"",
                    )]),
                ),
                (
                    "execute_command",
                    s("{{ .Vars }} sudo -E sh -eu '{{ .Path }}'"),
                ),
            ],
        ),
        step(
            "shell",
            vec![(
                "inline",
                Value::List(
                    crate::family::FAMILIES[0].finish[0]
                        .inline
                        .iter()
                        .map(|l| s(&l.replace("{build_user}", "packer")))
                        .collect(),
                ),
            )],
        ),
    ];
    let post = vec![step(
        "manifest",
        vec![("output", s("manifests/ubuntu-2404.json"))],
    )];
    let mut old = folder(
        &old_dir,
        "vsphere-iso",
        "linux-ubuntu",
        original,
        old_steps,
        Vec::new(),
    );
    old.variables
        .push(sensitive("vsphere_password", "hunter2-secret"));
    let new = folder(
        &new_dir,
        "vsphere-iso",
        "ubuntu-2404",
        compiled,
        new_steps,
        post,
    );
    let unmapped = vec![Unmapped {
        folder: old_dir.clone(),
        source: "vsphere-iso.linux-ubuntu".into(),
        argument: "vm_version".into(),
        value: n(19),
        reason: "no spec field, and `options` cannot hold it".into(),
        at: at(),
    }];
    let imported = imported(
        &old_dir,
        "vsphere-iso.linux-ubuntu",
        "vsphere-iso.ubuntu-2404",
        unmapped,
    );
    let report = one(old, new, &imported);
    let reason = |path: &str| find(&report, path).reason.clone();
    assert_eq!(reason("vm_name"), Some(Reason::VersionedName));
    assert_eq!(reason("password"), Some(Reason::Credential));
    assert_eq!(reason("notes"), Some(Reason::Description));
    assert_eq!(reason("http_directory"), Some(Reason::HttpContent));
    assert_eq!(reason("http_content"), Some(Reason::HttpContent));
    // `lower::installer` seeds from a CD, never a floppy.
    assert_eq!(reason("floppy_files"), Some(Reason::SeedLayout));
    assert_eq!(reason("boot_command"), Some(Reason::BootCommand));
    assert_eq!(reason("communicator"), Some(Reason::Communicator));
    assert_eq!(reason("ssh_timeout"), Some(Reason::Communicator));
    assert_eq!(
        reason("provisioner[0].environment_vars"),
        Some(Reason::StepEnvironment)
    );
    assert_eq!(
        reason("provisioner[0].execute_command"),
        Some(Reason::StepExecution)
    );
    assert_eq!(reason("provisioner[1] shell"), Some(Reason::Finish));
    assert_eq!(reason("post-processor[0] manifest"), Some(Reason::Manifest));
    // The script is the repository's copy: the same bytes at another path.
    let script = find(&report, "provisioner[0].scripts");
    assert_eq!(
        (&script.difference, script.basis),
        (&Difference::Equal, Basis::Content)
    );
    // Unexpected: a changed value no lowering explains, in a nested block too, and what the
    // mapper could not place.
    assert_eq!(reason("CPUs"), None);
    assert_eq!(reason("network_adapters[0].network"), None);
    assert_eq!(
        find(&report, "network_adapters[0].network_card").difference,
        Difference::Equal
    );
    assert!(matches!(
        reason("vm_version"),
        Some(Reason::Unmapped { .. })
    ));
    assert!(matches!(
        find(&report, "vm_version").difference,
        Difference::Dropped { .. }
    ));
    assert!(!report.expected());
    assert_eq!(report.counts().unexpected, 3, "{}", report.render());
    // The secret is masked wherever it would show.
    let text = report.render();
    let json = report.to_json().to_string();
    assert!(
        !text.contains("hunter2") && !json.contains("hunter2"),
        "{text}"
    );
    assert!(text.contains(MASK), "{text}");
    assert!(
        text.contains("env(\\\"VSPHERE_PASSWORD\\\")")
            || text.contains("env(\"VSPHERE_PASSWORD\")"),
        "{text}"
    );
    // Values show paths from their folder, not from where the trees happen to be.
    let root_text = root.display().to_string();
    assert!(
        text.lines()
            .filter(|l| l.contains("old:") || l.contains("new:"))
            .all(|l| !l.contains(&root_text)),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(root);
}

/// The report of a vSphere source `rocky` in `old_dir` whose `cd_content` is `old`, compiled
/// to `rocky-9` in `new_dir` with `cd_content` `new`.
fn cd_content(old_dir: &Path, new_dir: &Path, old: Value, new: Value) -> Report {
    let a = folder(
        old_dir,
        "vsphere-iso",
        "rocky",
        vec![("cd_content", old)],
        Vec::new(),
        Vec::new(),
    );
    let b = folder(
        new_dir,
        "vsphere-iso",
        "rocky-9",
        vec![("cd_content", new)],
        Vec::new(),
        Vec::new(),
    );
    let imported = imported(
        old_dir,
        "vsphere-iso.rocky",
        "vsphere-iso.rocky-9",
        Vec::new(),
    );
    one(a, b, &imported)
}

#[test]
fn a_template_compares_by_its_content_or_says_it_compared_paths() {
    let root = scratch(
        "templates",
        &[
            ("orig/ks.pkrtpl.hcl", "text ${hostname}\n"),
            ("repo/builds/rocky-9/ks.pkrtpl.hcl", "text ${hostname}\n"),
        ],
    );
    let template = |path: PathBuf, host: &str| {
        Value::Object(vec![(
            "ks.cfg".into(),
            Value::Template {
                path,
                vars: Box::new(Value::Object(vec![("hostname".into(), s(host))])),
            },
        )])
    };
    let old_dir = root.join("orig");
    let new_dir = root.join("repo/generated");
    let compare_with = |old: Value, new: Value| cd_content(&old_dir, &new_dir, old, new);
    let kept = root.join("repo/builds/rocky-9/ks.pkrtpl.hcl");
    let report = compare_with(
        template(old_dir.join("ks.pkrtpl.hcl"), "rocky"),
        template(kept.clone(), "rocky"),
    );
    let e = find(&report, "cd_content[\"ks.cfg\"]");
    assert_eq!(
        (&e.difference, e.basis),
        (&Difference::Equal, Basis::Content)
    );
    let report = compare_with(
        template(old_dir.join("ks.pkrtpl.hcl"), "rocky"),
        template(kept.clone(), "rocky-9"),
    );
    let e = find(&report, "cd_content[\"ks.cfg\"]");
    assert_eq!(
        (e.reason.clone(), e.basis),
        (Some(Reason::TemplateVariables), Basis::Content)
    );
    // The tree's template with a variable hybridc no longer passes may not render: unexpected.
    let without = Value::Object(vec![(
        "ks.cfg".into(),
        Value::Template {
            path: kept,
            vars: Box::new(Value::Object(vec![("host_name".into(), s("rocky-9"))])),
        },
    )]);
    let report = compare_with(template(old_dir.join("ks.pkrtpl.hcl"), "rocky"), without);
    let e = find(&report, "cd_content[\"ks.cfg\"]");
    assert_eq!(e.reason, None);
    assert!(
        e.note.as_deref().is_some_and(|n| n.contains("`hostname`")),
        "{e:?}"
    );
    assert!(
        report
            .render()
            .contains("      note: the template is passed `hostname` no longer")
    );
    let report = compare_with(
        template(old_dir.join("missing.pkrtpl.hcl"), "rocky"),
        template(
            root.join("repo/installers/kickstart/ks.pkrtpl.hcl"),
            "rocky-9",
        ),
    );
    let e = find(&report, "cd_content[\"ks.cfg\"]");
    assert_eq!(
        (e.reason.clone(), e.basis),
        (Some(Reason::SharedTemplate), Basis::Path)
    );
    assert!(report.render().contains("(by path: a file is unreadable)"));
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn a_value_that_differs_by_environment_is_reported_where_it_differs() {
    let path = PathBuf::from("/trees/ubuntu");
    let out = PathBuf::from("/repo/generated");
    let with = |dir: &Path, name: &str, value: &str| {
        folder(
            dir,
            "vsphere-iso",
            name,
            vec![("folder", s(value))],
            Vec::new(),
            Vec::new(),
        )
    };
    let environments = [
        Environment {
            name: "dev".into(),
            folders: vec![with(&path, "ubuntu", "Templates/dev")],
        },
        Environment {
            name: "prod".into(),
            folders: vec![with(&path, "ubuntu", "Templates")],
        },
    ];
    let compiled = [
        ("dev".to_owned(), with(&out, "ubuntu-2404", "Templates/dev")),
        (
            "prod".to_owned(),
            with(&out, "ubuntu-2404", "Templates/prod"),
        ),
    ];
    let imported = imported(
        &path,
        "vsphere-iso.ubuntu",
        "vsphere-iso.ubuntu-2404",
        Vec::new(),
    );
    let report = compare(&environments, &compiled, &imported);
    let entries = &report.sources[0].entries;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(entries[0].environments, ["dev"]);
    assert_eq!(entries[1].environments, ["prod"]);
    assert!(
        report.render().contains("! changed folder [prod]"),
        "{}",
        report.render()
    );
}

#[test]
fn the_shares_count_spec_fields_options_and_the_unmapped() {
    let path = PathBuf::from("/trees/ubuntu");
    let tree = folder(
        &path,
        "vsphere-iso",
        "ubuntu",
        vsphere_source(),
        Vec::new(),
        Vec::new(),
    );
    let mut imported = imported(
        &path,
        "vsphere-iso.ubuntu",
        "vsphere-iso.ubuntu",
        vec![Unmapped {
            folder: path.clone(),
            source: "vsphere-iso.ubuntu".into(),
            argument: "vcenter_server".into(),
            value: s("vcenter.example.com"),
            reason: "test".into(),
            at: at(),
        }],
    );
    imported.spec =
        "platforms:\n  vsphere:\n    options:\n      configuration_parameters: { a: '1' }\n".into();
    let report = one(tree.clone(), tree, &imported);
    let shares = report.shares;
    assert_eq!(
        (
            shares.arguments,
            shares.spec,
            shares.options,
            shares.unmapped
        ),
        (4, 2, 1, 1)
    );
}

/// A kept template the import rewrote to read the tree's values from `inputs` is the tree's
/// own, as long as the inputs hold what the tree passed; and a default the plugin applies is
/// no difference: hashicorp/packer-plugin-proxmox v1.2.4 `builder/proxmox/iso/config.go`,
/// `Config.Prepare`, gives a `boot_iso` without `type` type `ide` (and index `2`).
#[test]
fn a_kept_template_reading_inputs_and_a_plugin_default_are_expected() {
    let root = scratch(
        "kept-inputs",
        &[
            ("orig/ks.pkrtpl.hcl", "lang ${lang}\n"),
            ("repo/builds/rocky-9/ks.pkrtpl.hcl", "lang ${inputs.lang}\n"),
        ],
    );
    let old_dir = root.join("orig");
    let new_dir = root.join("repo/generated");
    let run = |lang: &str| {
        let old = Value::Object(vec![(
            "ks.cfg".into(),
            Value::Template {
                path: old_dir.join("ks.pkrtpl.hcl"),
                vars: Box::new(Value::Object(vec![("lang".into(), s("en_US"))])),
            },
        )]);
        let new = Value::Object(vec![(
            "ks.cfg".into(),
            Value::Template {
                path: root.join("repo/builds/rocky-9/ks.pkrtpl.hcl"),
                vars: Box::new(Value::Object(vec![
                    (
                        "inputs".into(),
                        Value::Object(vec![("lang".into(), s(lang))]),
                    ),
                    ("platform".into(), s("vsphere")),
                ])),
            },
        )]);
        find(
            &cd_content(&old_dir, &new_dir, old, new),
            "cd_content[\"ks.cfg\"]",
        )
        .reason
        .clone()
    };
    assert_eq!(run("en_US"), Some(Reason::KeptTemplate));
    assert_eq!(run("de_DE"), None);
    assert_eq!(
        super::reason::plugin_default(
            Some(crate::catalogue::Component::ProxmoxIso),
            &["boot_iso", "type"]
        ),
        Some(s("ide"))
    );
    assert_eq!(
        super::reason::plugin_default(
            Some(crate::catalogue::Component::VsphereIso),
            &["boot_iso", "type"]
        ),
        None
    );
    let _ = std::fs::remove_dir_all(root);
}
