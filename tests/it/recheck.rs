//! Checking an edited spec again (`hybridc::validate_again`, what `hybridc lsp` runs after each
//! change) finds exactly what a full check (`hybridc::validate_source`) finds, through a
//! series of edits that reach every stage, while the OSes an edit leaves alone are not lowered
//! again.

use hybridc::diagnostic::SourceFile;
use hybridc::recheck::Recheck;

use crate::support::{example_copy, repo};

/// What a check found, as text: whether the spec is valid and the codes found on the first
/// line, then every warning of a valid spec or every problem, whole.
fn found(result: Result<hybridc::Loaded, hybridc::Error>) -> String {
    let (valid, found) = match result {
        Ok(loaded) => ("valid", loaded.warnings),
        Err(hybridc::Error::Invalid { diagnostics, .. }) => ("invalid", diagnostics),
        Err(other) => return format!("error: {other}"),
    };
    let codes: Vec<&str> = found.iter().map(|d| d.code.as_str()).collect();
    format!("{valid} {}\n{found:#?}", codes.join(" "))
}

/// One edit of the spec text, after the ones before it.
struct Edit {
    what: &'static str,
    /// Replaces the first `from` with `to`, which must be there.
    from: &'static str,
    to: &'static str,
    /// How many OSes the check after it leaves out; `None` where it does not matter.
    left_out: Option<usize>,
    /// A file written into the repository before the check, relative to its root.
    writes: Option<&'static str>,
}

const fn edit(what: &'static str, from: &'static str, to: &'static str, left_out: usize) -> Edit {
    Edit {
        what,
        from,
        to,
        left_out: Some(left_out),
        writes: None,
    }
}

/// The edits, in order: each keeps the spec as the ones before left it.
fn edits() -> Vec<Edit> {
    vec![
        edit("a comment", "version: 1\n", "version: 1\n# edited\n", 4),
        edit(
            "one OS's hardware",
            "hardware: { cpus: 4 }",
            "hardware: { cpus: 8 }",
            3,
        ),
        // A provisioning set: the OSes that run it are lowered again, the others not.
        edit(
            "the Linux OSes' provisioning set",
            "          - scripts/linux/guest-agent.sh\n",
            "          - scripts/linux/guest-agent.sh\n          - scripts/linux/update.sh\n",
            1,
        ),
        edit(
            "the Windows OS's provisioning set",
            "    - windows-restart: { timeout: 15m }",
            "    - windows-restart: { timeout: 20m }",
            3,
        ),
        // Conformance: azure-arm takes exactly one of `image_url` and the Marketplace image
        // (the fixture `conformance-exactly-one-of`), found in one OS's builds only.
        edit(
            "an option the catalogue refuses in one OS",
            "    hardware: { cpus: 8 }\n",
            "    hardware: { cpus: 8 }\n    azure: { options: { image_url: \"https://example.com/disk.vhd\" } }\n",
            3,
        ),
        edit(
            "another OS while the first is refused",
            "hardware: { memory_mb: 8192, disk_gb: 127 }",
            "hardware: { memory_mb: 16384, disk_gb: 127 }",
            2,
        ),
        edit(
            "the refused option removed",
            "    azure: { options: { image_url: \"https://example.com/disk.vhd\" } }\n",
            "",
            3,
        ),
        // Lowering: an option hybridc sets itself (the fixture `option-conflict`).
        edit(
            "an option that collides in one OS",
            "    seed: cd\n    iso:\n      url: https://download.rockylinux.org",
            "    seed: cd\n    proxmox: { options: { template_name: custom } }\n    iso:\n      url: https://download.rockylinux.org",
            // A problem of lowering is looked for again with every OS lowered.
            0,
        ),
        edit(
            "the colliding option removed",
            "    proxmox: { options: { template_name: custom } }\n",
            "",
            // The check that found it taught nothing.
            0,
        ),
        // Sections no OS's lowering reads.
        edit(
            "the CI runners",
            "    vsphere: [vcenter-lan]",
            "    vsphere: [vcenter-lan, lab]",
            4,
        ),
        edit(
            "the Packer version required",
            "required_version: \">= 1.11.0\"",
            "required_version: \">= 1.11.2\"",
            4,
        ),
        // An environment's values reach only its var file; a setting it is the first to set
        // adds a variable every source on the platform reads, and its network is each
        // installer's.
        edit(
            "an environment's platform value",
            "proxmox: { node: pve-lab1, vlan_tag: 20 }",
            "proxmox: { node: pve-lab2, vlan_tag: 20 }",
            4,
        ),
        edit(
            "a platform setting only an environment sets",
            "vsphere: { content_library: golden-images-prod }",
            "vsphere: { content_library: golden-images-prod, resource_pool: images }",
            0,
        ),
        edit(
            "an environment's network",
            "    description: Production clusters\n",
            "    description: Production clusters\n    network: { addresses: { ubuntu-2404: 10.0.0.20/24 }, gateway: 10.0.0.1, dns: [10.0.0.53] }\n",
            0,
        ),
        edit(
            "an environment's description",
            "    description: Production clusters\n",
            "    description: Production clusters, Frankfurt\n",
            4,
        ),
        edit(
            "the spec around the OSes",
            "    memory_mb: 4096\n",
            "    memory_mb: 2048\n",
            0,
        ),
        // An environment's value that only one OS uses: vSphere leaves every OS but one.
        edit(
            "vSphere leaves Rocky",
            "platforms: [proxmox, vsphere]\n    provisioning: [linux-base]\n\n  debian-12",
            "platforms: [proxmox]\n    provisioning: [linux-base]\n\n  debian-12",
            3,
        ),
        edit(
            "vSphere leaves Debian",
            "165ad76e\n    platforms: [proxmox, vsphere, azure]",
            "165ad76e\n    platforms: [proxmox, azure]",
            3,
        ),
        edit(
            "vSphere leaves Windows",
            "    platforms: [proxmox, vsphere, azure]\n    hardware: { memory_mb: 16384",
            "    platforms: [proxmox, azure]\n    hardware: { memory_mb: 16384",
            3,
        ),
        // Ubuntu alone uses the environments' vSphere values; it is left out now, and they
        // are still used.
        edit(
            "an OS that does not build on vSphere",
            "    platforms: [proxmox, azure]\n    hardware: { memory_mb: 16384",
            "    platforms: [proxmox, azure]\n    hardware: { memory_mb: 12288",
            3,
        ),
        // Now no build uses them: the environments' vSphere values are warned about.
        edit(
            "vSphere leaves Ubuntu",
            "    platforms: [proxmox, vsphere, azure]\n    hardware: { cpus: 8 }",
            "    platforms: [proxmox, azure]\n    hardware: { cpus: 8 }",
            3,
        ),
        edit(
            "an OS again, with the warnings standing",
            "hardware: { cpus: 8 }",
            "hardware: { cpus: 6 }",
            3,
        ),
        edit(
            "vSphere back for Ubuntu",
            "    platforms: [proxmox, azure]\n    hardware: { cpus: 6 }",
            "    platforms: [proxmox, vsphere, azure]\n    hardware: { cpus: 6 }",
            3,
        ),
        // The repository facts lowering reads: an OS's own installer template.
        Edit {
            what: "an own installer template appears",
            from: "# edited\n",
            to: "# edited again\n",
            left_out: Some(0),
            writes: Some("builds/debian-12/preseed.pkrtpl.hcl"),
        },
        edit("nothing but a comment", "# edited again\n", "# edited\n", 4),
        // Its own template under `builds/debian-12/` is no longer the OS's: the repository
        // facts change, and every OS is lowered.
        edit(
            "an OS renamed to a key of its own",
            "  debian-12:\n",
            "  debian-12-min:\n    release: debian-12\n",
            0,
        ),
        edit(
            "an OS removed",
            "  rocky-9:\n    seed: cd\n    iso:\n      url: https://download.rockylinux.org/pub/rocky/9.8/isos/x86_64/Rocky-9.8-x86_64-boot.iso\n      checksum: sha256:d6eeefdc8437c593d41a3150fcca4a734c55642ed472eecdda99720bb1370881\n    platforms: [proxmox]\n    provisioning: [linux-base]\n\n",
            "",
            3,
        ),
        edit(
            "the removed OS back",
            "  windows-2022:\n",
            "  rocky-9:\n    seed: cd\n    iso:\n      url: https://download.rockylinux.org/pub/rocky/9.8/isos/x86_64/Rocky-9.8-x86_64-boot.iso\n      checksum: sha256:d6eeefdc8437c593d41a3150fcca4a734c55642ed472eecdda99720bb1370881\n    platforms: [proxmox]\n    provisioning: [linux-base]\n\n  windows-2022:\n",
            3,
        ),
    ]
}

/// Through every edit, the re-check finds what a full check finds, and leaves out the OSes
/// it should: an edit within one OS lowers that OS only.
#[test]
fn a_recheck_finds_what_a_full_check_finds() {
    let root = example_copy(
        "recheck-edits",
        &["spec", "installers", "scripts", "ansible"],
    );
    let spec = root.join("spec/hybrid.yaml");
    let name = spec.display().to_string();
    let mut text = std::fs::read_to_string(&spec).expect("the example");
    let mut recheck = Recheck::new();
    let check = |text: &str, recheck: &mut Recheck| {
        let again = hybridc::validate_again(
            SourceFile::new(name.clone(), text.to_owned()),
            root.clone(),
            recheck,
        );
        let full =
            hybridc::validate_source(SourceFile::new(name.clone(), text.to_owned()), root.clone());
        (found(again), found(full))
    };
    let (again, full) = check(&text, &mut recheck);
    assert_eq!(again, full, "the first check");
    assert_eq!(recheck.left_out(), 0, "the first check lowers every OS");
    let mut kinds = Vec::new();
    for edit in edits() {
        assert!(
            text.contains(edit.from),
            "{}: the text to edit is there",
            edit.what
        );
        text = text.replacen(edit.from, edit.to, 1);
        if let Some(path) = edit.writes {
            let shared = repo().join("installers/preseed/preseed.pkrtpl.hcl");
            let target = root.join(path);
            if let Some(folder) = target.parent() {
                std::fs::create_dir_all(folder).expect("the OS's own folder");
            }
            std::fs::copy(shared, target).expect("write the template");
        }
        let (again, full) = check(&text, &mut recheck);
        assert_eq!(again, full, "after {}", edit.what);
        if let Some(left_out) = edit.left_out {
            assert_eq!(
                recheck.left_out(),
                left_out,
                "OSes left out after {}",
                edit.what
            );
        }
        kinds.push(full.lines().next().unwrap_or_default().to_owned());
    }
    // The edits reach each stage's findings: none of these comparisons is between two
    // empty results only.
    for expected in [
        "hybridc::compile::plugin-conformance",
        "hybridc::compile::option-conflict",
        "hybridc::compile::unused-override",
        "valid",
    ] {
        assert!(
            kinds.iter().any(|k| k.contains(expected)),
            "no edit led to {expected}: {kinds:#?}"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// A spec that stays invalid before lowering teaches the re-check nothing, and one that
/// becomes valid again is checked in full.
#[test]
fn a_spec_refused_before_lowering_is_checked_in_full_after() {
    let root = repo();
    let spec = root.join("spec/hybrid.yaml");
    let name = spec.display().to_string();
    let text = std::fs::read_to_string(&spec).expect("the example");
    let mut recheck = Recheck::new();
    let run = |text: &str, recheck: &mut Recheck| {
        hybridc::validate_again(
            SourceFile::new(name.clone(), text.to_owned()),
            root.clone(),
            recheck,
        )
    };
    assert!(run(&text, &mut recheck).is_ok());
    let broken = text.replacen("provisioning: [linux-base]", "provisioning: [linux-bas]", 1);
    assert!(run(&broken, &mut recheck).is_err());
    assert!(run(&text, &mut recheck).is_ok());
    assert_eq!(
        recheck.left_out(),
        4,
        "nothing was learnt from the refused spec"
    );
}
