//! The editor's answers on the example spec and on small inline specs, each at a cursor
//! written `|` in the text.

use std::path::{Path, PathBuf};

use super::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example spec of the repository.
fn example() -> String {
    include_str!("../../spec/hybrid.yaml").to_owned()
}

/// A document of `text` as the repository's spec, with the cursor at the `|` of `cursor`, the
/// first time it follows `after`: a `|` written in `text` is taken out, else `cursor` is found
/// without it.
fn at(text: &str, after: &str, cursor: &str) -> (Document, usize) {
    let start = text
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} is in the spec"));
    let marked = cursor.find('|').expect("a cursor mark");
    let mut text = text.to_owned();
    let offset = match text[start..].find(cursor) {
        Some(found) => {
            text.remove(start + found + marked);
            start + found + marked
        }
        None => {
            let bare = cursor.replace('|', "");
            let found = text[start..]
                .find(&bare)
                .unwrap_or_else(|| panic!("{cursor:?} follows {after:?}"));
            start + found + marked
        }
    };
    let doc = Document::new(Some(repo()), repo().join("spec/hybrid.yaml"), text);
    (doc, offset)
}

fn hover_at(text: &str, after: &str, cursor: &str) -> String {
    let (doc, offset) = at(text, after, cursor);
    hover(&doc, offset).expect("a hover").markdown
}

fn labels(text: &str, after: &str, cursor: &str) -> Vec<String> {
    let (doc, offset) = at(text, after, cursor);
    completion(&doc, offset)
        .into_iter()
        .map(|c| c.label)
        .collect()
}

/// An inline spec on the example's platforms: an OS that says its family and installer.
fn inline() -> String {
    let example = example();
    let platforms = &example
        [example.find("platforms:").expect("platforms")..example.find("\noses:").expect("oses")];
    format!(
        "version: 1\ndefaults:\n  build_user: {{ username: packer, password: {{ env: BUILD_PASSWORD }}, password_hash: {{ env: BUILD_PASSWORD_HASH }} }}\n  hardware: {{ cpus: 2 }}\n{platforms}\noses:\n  lab-linux:\n    release: ubuntu-2404\n    family: linux\n    installer: autoinstall\n    iso: {{ url: https://example.com/a.iso, checksum: none }}\n    platforms: [proxmox]\n    provisioning: [base]\nprovisioning:\n  base:\n    - shell: {{ scripts: [scripts/linux/update.sh] }}\nenvironments:\n  dev: {{ platforms: {{ proxmox: {{ node: pve-lab }} }} }}\n"
    )
}

#[test]
fn hover_describes_the_family_and_its_value_with_the_layer_that_sets_it() {
    let spec = inline();
    let key = hover_at(&spec, "lab-linux", "fam|ily");
    assert!(key.contains("**`oses.lab-linux.family`**"), "{key}");
    assert!(key.contains("OS family: decides communicator"), "{key}");
    assert!(key.contains("- `linux` from OS: `lab-linux`"), "{key}");
    let value = hover_at(&spec, "family", "lin|ux");
    assert!(
        value.contains("`linux`: Linux: SSH communicator."),
        "{value}"
    );
}

#[test]
fn hover_describes_an_os_hardware_and_the_value_it_sets_in_each_build() {
    let spec = example();
    let hardware = hover_at(&spec, "ubuntu-2404:", "hard|ware: { cpus");
    assert!(
        hardware.contains("Hardware overrides for this OS."),
        "{hardware}"
    );
    let cpus = hover_at(&spec, "ubuntu-2404:", "cpus: |4");
    assert!(cpus.contains("Number of virtual CPUs."), "{cpus}");
    assert!(
        cpus.contains("- `4` from OS: `ubuntu-2404` on proxmox, `ubuntu-2404` on vsphere"),
        "{cpus}"
    );
    // The defaults' value is effective where no OS overrides it, in every environment.
    let defaults = hover_at(&spec, "defaults:", "cp|us: 2");
    assert!(
        defaults.contains("- `2` from defaults: `debian-12` on proxmox"),
        "{defaults}"
    );
    assert!(!defaults.contains("`ubuntu-2404` on proxmox"), "{defaults}");
}

#[test]
fn hover_on_an_environment_value_names_the_environment_layer() {
    let spec = example();
    let node = hover_at(&spec, "dev:", "node: pve-la|b1");
    assert!(
        node.contains("- `pve-lab1` from environment: `debian-12` on proxmox"),
        "{node}"
    );
}

#[test]
fn hover_on_an_option_shows_the_plugin_argument() {
    let spec = example();
    let option = hover_at(&spec, "options:", "cpu_t|ype: host");
    assert!(
        option.contains(
            "`cpu_type`: `string`, optional, passed to `proxmox-iso` (proxmox plugin 1.2.4)"
        ),
        "{option}"
    );
    assert!(
        option.contains("- `host` from platform: `debian-12` on proxmox"),
        "{option}"
    );
}

/// The builder an OS's options go to is the one lowering picks, whether the spec loads or
/// not yet: here the OS's own `clone` over the platform's `iso`.
#[test]
fn an_os_options_go_to_its_own_builder() {
    let spec = inline().replacen(
        "    provisioning: [base]\n",
        "    provisioning: [base]\n    proxmox: { builder: clone, clone_vm: tpl, options: { full_clone: false } }\n",
        1,
    );
    let broken = format!("{spec}wat: 1\n");
    for (text, loads) in [(spec, true), (broken, false)] {
        let (doc, offset) = at(&text, "clone_vm", "full_cl|one");
        assert_eq!(doc.loaded().is_some(), loads, "{text}");
        let shown = hover(&doc, offset).expect("a hover").markdown;
        assert!(shown.contains("passed to `proxmox-clone`"), "{shown}");
    }
}

#[test]
fn hover_on_an_option_adds_the_plugins_own_documentation() {
    let spec = example().replacen(
        "    options:\n      cpu_type: host\n      qemu_agent: true\n      scsi_controller: virtio-scsi-single\n",
        "    options: { cpu_type: host, disks: [{ disk_size: 20G }] }\n",
        1,
    );
    let option = hover_at(&spec, "options:", "cpu_t|ype: host");
    assert!(
        option.contains(
            "`cpu_type`: `string`, optional, passed to `proxmox-iso` (proxmox plugin 1.2.4)\n\n\
             The CPU type to emulate. See the Proxmox API\n\
             documentation for the complete list of accepted values."
        ),
        "{option}"
    );
    // A nested block's argument is documented from its block, past the list index.
    let nested = hover_at(&spec, "options:", "disk_si|ze");
    assert!(
        nested.contains("The size of the disk, including a unit suffix"),
        "{nested}"
    );
}

#[test]
fn hover_on_a_step_kind_uses_its_alternative_in_the_schema() {
    let spec = example();
    let shell = hover_at(&spec, "linux-base:\n", "- sh|ell:");
    assert!(
        shell.contains("Run shell scripts or inline commands (Linux)."),
        "{shell}"
    );
    let set = hover_at(&spec, "debian-12:", "provisioning: [linux|-base]");
    assert!(
        set.contains("Names of `provisioning` sets to run, in order."),
        "{set}"
    );
    assert!(
        set.contains("Provisioning set `linux-base`: shell, ansible, shell."),
        "{set}"
    );
}

#[test]
fn completes_provisioning_sets_in_an_os_list() {
    let spec = example();
    let sets = labels(&spec, "rocky-9:", "provisioning: [linux-base|]");
    assert_eq!(sets, ["linux-base", "windows-base"]);
    let typed = spec.replacen("provisioning: [linux-base]", "provisioning:\n      - ", 1);
    let (doc, offset) = at(&typed, "ubuntu-2404:", "      - |");
    let items: Vec<String> = completion(&doc, offset)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert_eq!(items, ["linux-base", "windows-base"]);
}

#[test]
fn completes_plugin_arguments_hybridc_does_not_set_under_options() {
    let spec = example();
    let typed = spec.replacen(
        "      scsi_controller: virtio-scsi-single\n",
        "      scsi_controller: virtio-scsi-single\n      onb|\n",
        1,
    );
    let (doc, offset) = at(&typed, "scsi_controller", "onb|");
    let found = completion(&doc, offset);
    let onboot = found
        .iter()
        .find(|c| c.label == "onboot")
        .expect("onboot is offered");
    assert_eq!(onboot.detail.as_deref(), Some("`bool`, optional"));
    assert_eq!(onboot.insert_text.as_deref(), Some("onboot: "));
    assert_eq!(onboot.replace, offset - 3..offset);
    assert_eq!(
        onboot.documentation.as_deref(),
        Some(
            "Argument of `proxmox-iso`\n\n\
             Specifies whether a VM will be started during system\n\
             bootup. Defaults to `false`."
        )
    );
    // The pinned docs say nothing of `http_interface`: nothing is added.
    let bare = found
        .iter()
        .find(|c| c.label == "http_interface")
        .expect("http_interface is offered");
    assert_eq!(
        bare.documentation.as_deref(),
        Some("Argument of `proxmox-iso`")
    );
    for taken in [
        "node",
        "cores",
        "memory",
        "proxmox_url",
        "cpu_type",
        "packer_build_name",
    ] {
        assert!(found.iter().all(|c| c.label != taken), "{taken} is offered");
    }
    // An OS's own options go to its builder too.
    let own = spec.replacen(
        "    hardware: { cpus: 4 }\n",
        "    hardware: { cpus: 4 }\n    vsphere:\n      options:\n        |\n",
        1,
    );
    let (doc, offset) = at(&own, "vsphere:\n      options:", "|");
    let names: Vec<String> = completion(&doc, offset)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(names.iter().any(|n| n == "NestedHV"), "{names:?}");
    assert!(
        names.iter().all(|n| n != "CPUs" && n != "datacenter"),
        "{names:?}"
    );
}

#[test]
fn completes_platforms_editions_credentials_builds_and_releases() {
    let spec = example();
    let listed = spec.replacen(
        "platforms: [proxmox, vsphere]",
        "platforms: [proxmox, |]",
        1,
    );
    let platforms = labels(&listed, "rocky-9:", "platforms: [proxmox, |]");
    assert_eq!(platforms, ["azure", "vsphere"]);
    let on = labels(&spec, "rocky-9:", "platforms: [proxmox, vsph|ere]");
    assert_eq!(on, ["azure", "vsphere"]);
    let tags = spec.replacen(
        "    vsphere: [vcenter-lan]\n",
        "    vsphere: [vcenter-lan]\n    a|\n",
        1,
    );
    assert_eq!(labels(&tags, "ci:", "a|"), ["azure"]);
    let editions = spec.replacen(
        "    hardware: { memory_mb: 8192, disk_gb: 127 }\n",
        "    hardware: { memory_mb: 8192, disk_gb: 127 }\n    editions: [standard-core, ]\n",
        1,
    );
    let found = labels(&editions, "editions:", "standard-core, |");
    assert!(found.contains(&"datacenter-core".to_owned()), "{found:?}");
    assert!(!found.contains(&"standard-core".to_owned()), "{found:?}");
    let credentials = labels(&spec, "vsphere:", "password: { env: VSPH|ERE_PASSWORD }");
    assert!(
        credentials.contains(&"PROXMOX_TOKEN".to_owned()),
        "{credentials:?}"
    );
    assert!(
        !credentials.contains(&"VSPHERE_PASSWORD".to_owned()),
        "{credentials:?}"
    );
    let addresses = spec.replacen(
        "  seed: http\n",
        "  seed: http\n  network:\n    addresses:\n      \n",
        1,
    );
    let (doc, offset) = at(&addresses, "addresses:\n", "      |\n");
    let builds: Vec<String> = completion(&doc, offset)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(builds.contains(&"ubuntu-2404".to_owned()), "{builds:?}");
    assert!(
        builds.iter().any(|b| b.starts_with("windows-2022-")),
        "{builds:?}"
    );
    assert!(!builds.contains(&"windows-2022".to_owned()), "{builds:?}");
    let releases = labels(&inline(), "lab-linux:", "release: ubuntu|-2404");
    assert!(releases.contains(&"rocky-9".to_owned()), "{releases:?}");
}

#[test]
fn goes_from_a_provisioning_reference_to_its_set() {
    let spec = example();
    let (doc, offset) = at(&spec, "ubuntu-2404:", "provisioning: [linux-|base]");
    let found = definition(&doc, offset);
    let set = spec.find("\n  linux-base:").expect("the set") + 3;
    assert_eq!(
        found,
        [Location {
            path: repo().join("spec/hybrid.yaml"),
            range: Some(set..set + "linux-base".len()),
        }]
    );
}

#[test]
fn goes_from_a_script_path_to_the_file_and_from_an_os_to_its_templates() {
    let spec = example();
    let (doc, offset) = at(&spec, "scripts:", "scripts/linux/up|date.sh");
    let found = definition(&doc, offset);
    assert_eq!(
        found,
        [Location {
            path: repo().join("scripts/linux/update.sh"),
            range: None,
        }]
    );
    let (doc, offset) = at(&spec, "oses:", "ubuntu-|2404:");
    let paths: Vec<PathBuf> = definition(&doc, offset)
        .into_iter()
        .map(|l| l.path)
        .collect();
    assert_eq!(
        paths,
        [
            repo().join("installers/autoinstall/user-data.pkrtpl.hcl"),
            repo().join("installers/autoinstall/meta-data.pkrtpl.hcl"),
        ]
    );
}

#[test]
fn answers_nothing_past_the_end_or_without_yaml_and_never_panics() {
    let path = Path::new("spec/hybrid.yaml").to_path_buf();
    for text in [
        "",
        "{[:",
        "oses: [\n  - {",
        "\u{feff}é: ü\n",
        "- a\n- b",
        "version: 1\n",
    ] {
        let doc = Document::new(None, path.clone(), text.to_owned());
        for offset in 0..=text.len() + 2 {
            let _ = hover(&doc, offset);
            let _ = completion(&doc, offset);
            let _ = definition(&doc, offset);
        }
        assert!(hover(&doc, text.len() + 1).is_none());
        assert!(completion(&doc, text.len() + 1).is_empty());
        assert!(definition(&doc, text.len() + 1).is_empty());
    }
    let doc = Document::new(None, path, "{[:".to_owned());
    assert!(hover(&doc, 1).is_none() && completion(&doc, 1).is_empty());
    // Places all over the example spec, at every column (an explanation per hover and a
    // lowering per completion under `options:` make every byte too slow for a unit test).
    let spec = example();
    let doc = Document::new(Some(repo()), repo().join("spec/hybrid.yaml"), spec.clone());
    for offset in (0..=spec.len()).filter(|o| spec.is_char_boundary(*o)) {
        let _ = definition(&doc, offset);
        if offset % 7 == 0 {
            let _ = hover(&doc, offset);
        }
        if offset % 11 == 0 {
            let _ = completion(&doc, offset);
        }
    }
}

#[test]
fn a_document_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Document>();
}

/// Every key path of `node`, below `prefix`.
fn key_paths(node: &Node, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    for entry in node.entries() {
        prefix.push(entry.key.clone());
        out.push(prefix.clone());
        key_paths(&entry.value, prefix, out);
        prefix.pop();
    }
}

/// `explain_at`, which a hover asks of every build, says what `explain` says of the place
/// asked about, at every key of the example, for every build and environment: the rows it
/// skips come from elsewhere. An alias copies keys with their places: a key it copies is the
/// place of both.
#[test]
fn explain_at_a_place_is_explain_filtered_to_that_place() {
    let aliased = example().replacen(
        "environments:\n",
        "environments:\n  copied:\n    platforms: { proxmox: &node { node: pve-copy } }\n  again:\n    platforms: { proxmox: *node }\n",
        1,
    );
    for text in [example(), aliased] {
        let doc = Document::new(Some(repo()), repo().join("spec/hybrid.yaml"), text);
        let loaded = doc.loaded().expect("the spec loads");
        let typed = crate::explain::typed(loaded);
        let mut paths = Vec::new();
        key_paths(&loaded.tree, &mut Vec::new(), &mut paths);
        let envs: Vec<Option<&str>> = std::iter::once(None)
            .chain(loaded.spec.environments.keys().map(|e| Some(e.as_str())))
            .collect();
        let mut found = 0;
        for os in loaded.spec.oses.keys() {
            for env in &envs {
                let all =
                    crate::explain::explain_with(loaded, &typed, os, None, *env).expect("explains");
                for path in &paths {
                    let pointer = crate::pointer::from_tokens(path);
                    let key = loaded.tree.locate(&pointer).expect("a key").key_or_value();
                    let here = Some(loaded.source.line_col(key.start));
                    let mut expected = all.clone();
                    expected.common.retain(|r| r.at == here);
                    for section in &mut expected.sections {
                        section.rows.retain(|r| r.at == here);
                    }
                    let at = crate::explain::explain_at(loaded, &typed, os, None, *env, path)
                        .expect("explains");
                    assert_eq!(at, expected, "{os} {env:?} {path:?}");
                    found += at.common.len();
                    found += at.sections.iter().map(|s| s.rows.len()).sum::<usize>();
                }
            }
        }
        assert!(found > 100, "only {found} rows");
    }
}
