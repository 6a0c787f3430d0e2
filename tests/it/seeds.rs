//! Installer wiring: for every OS and platform, the generated source boots its installer with
//! the kernel arguments of its installer kind and seed channel, and carries the answer files
//! where those arguments look for them (`http_content`, or a CD labelled `cidata`). Checked on
//! the example (HTTP and CD channels mixed), a spec on the CD channel with BIOS firmware and a
//! spec on the HTTP channel, by reading the generated HCL back.

use std::path::PathBuf;

use hcl::expr::{Expression, ObjectKey};
use hcl::{Block, Body};
use hybridc::release::OsFacts;
use hybridc::spec::{Family, Installer, SeedChannel};

use crate::support::repo;

fn strings(expr: &Expression) -> Vec<String> {
    match expr {
        Expression::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Expression::String(s) => Some(s.clone()),
                Expression::TemplateExpr(t) => Some(t.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn keys(expr: &Expression) -> Vec<String> {
    match expr {
        Expression::Object(object) => object
            .keys()
            .map(|k| match k {
                ObjectKey::Identifier(i) => i.to_string(),
                ObjectKey::Expression(Expression::String(s)) => s.clone(),
                ObjectKey::Expression(other) => other.to_string(),
                _ => String::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn attr<'a>(body: &'a Body, name: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == name).map(|a| &a.expr)
}

/// `(cd_content keys, cd_label)` of a source: top-level (vSphere) or in an
/// `additional_iso_files` block (Proxmox).
fn cd(source: &Block) -> Option<(Vec<String>, String)> {
    let label = |body: &Body| match attr(body, "cd_label") {
        Some(Expression::String(s)) => s.clone(),
        _ => String::new(),
    };
    if let Some(content) = attr(&source.body, "cd_content") {
        return Some((keys(content), label(&source.body)));
    }
    source
        .body
        .blocks()
        .filter(|b| b.identifier() == "additional_iso_files")
        .find_map(|b| attr(&b.body, "cd_content").map(|c| (keys(c), label(&b.body))))
}

fn check_tree(case: &str, root: PathBuf) -> usize {
    let compiled = hybridc::compile(&root.join("spec"), &root.join("generated")).expect("compiles");
    let spec = &compiled.loaded.spec;
    let mut checked = 0;
    for file in compiled
        .files
        .iter()
        .filter(|f| f.path.ends_with(".pkr.hcl"))
    {
        let body = hcl::parse(&file.contents).expect("generated HCL parses");
        for source in body.blocks().filter(|b| b.identifier() == "source") {
            let kind = source.labels()[0].as_str();
            let name = source.labels()[1].as_str();
            if !kind.ends_with("-iso") {
                continue;
            }
            let (_, os) = spec
                .oses
                .iter()
                .filter(|(n, _)| name == n.as_str() || name.starts_with(&format!("{n}-")))
                .max_by_key(|(n, _)| n.len())
                .expect("every source belongs to an OS");
            let installer = os.installer().expect("ISO builds have an installer");
            let channel = match os.family() {
                Family::Windows => SeedChannel::Cd,
                Family::Linux => os.seed.unwrap_or(spec.defaults.seed),
            };
            let boot = strings(attr(&source.body, "boot_command").expect("boot_command")).join("");
            let http = attr(&source.body, "http_content").map(keys);
            let cd = cd(source);
            let at = format!("{case}: source {kind}.{name}");
            let http_base = "http://{{ .HTTPIP }}:{{ .HTTPPort }}/";
            let files: Vec<&str> = match installer {
                Installer::Autoinstall => vec!["user-data", "meta-data"],
                Installer::Kickstart => vec!["ks.cfg"],
                Installer::Preseed => vec!["preseed.cfg"],
                Installer::Autounattend => vec!["autounattend.xml"],
                Installer::Autoyast => vec!["autoinst.xml"],
                Installer::Photon => vec!["ks.json"],
            };
            match channel {
                SeedChannel::Http => {
                    let served: Vec<String> = files.iter().map(|f| format!("/{f}")).collect();
                    assert_eq!(
                        http.as_deref(),
                        Some(served.as_slice()),
                        "{at}: http_content"
                    );
                    assert!(cd.is_none(), "{at}: no seed CD with the HTTP channel");
                    let argument = match installer {
                        // `nocloud-net` for the releases whose cloud-init predates 24.1:
                        // `lower::installer`'s tests pin which.
                        Installer::Autoinstall if boot.contains("ds=\"nocloud-net;") => {
                            format!("autoinstall ds=\"nocloud-net;s={http_base}\" ---")
                        }
                        Installer::Autoinstall => {
                            format!("autoinstall ds=\"nocloud;s={http_base}\" ---")
                        }
                        Installer::Kickstart => format!("inst.ks={http_base}ks.cfg"),
                        Installer::Preseed => format!("url={http_base}preseed.cfg"),
                        Installer::Autounattend => unreachable!("Windows always uses a CD"),
                        Installer::Autoyast => format!("autoyast={http_base}autoinst.xml"),
                        Installer::Photon => {
                            format!("insecure_installation=1 ks={http_base}ks.json")
                        }
                    };
                    assert!(
                        boot.contains(&argument),
                        "{at}: boot_command {boot:?} lacks {argument:?}"
                    );
                }
                SeedChannel::Cd => {
                    let (content, label) = cd.unwrap_or_else(|| panic!("{at}: a seed CD"));
                    assert_eq!(content, files, "{at}: cd_content");
                    assert_eq!(label, "cidata", "{at}: cd_label");
                    assert!(http.is_none(), "{at}: no http_content with the CD channel");
                    assert!(
                        !boot.contains("HTTPIP"),
                        "{at}: boot_command points at HTTP: {boot:?}"
                    );
                    let argument = match installer {
                        Installer::Autoinstall => "autoinstall ds=nocloud ---",
                        Installer::Kickstart => "inst.ks=hd:LABEL=cidata:/ks.cfg",
                        Installer::Preseed => unreachable!("preseed is refused on a CD"),
                        Installer::Autounattend => "<spacebar>",
                        Installer::Autoyast => "autoyast=label://cidata/autoinst.xml",
                        Installer::Photon => unreachable!("Photon is refused on a CD"),
                    };
                    assert!(
                        boot.contains(argument),
                        "{at}: boot_command {boot:?} lacks {argument:?}"
                    );
                }
            }
            if installer == Installer::Autounattend && kind == "proxmox-iso" {
                let isos = source
                    .body
                    .blocks()
                    .filter(|b| b.identifier() == "additional_iso_files")
                    .count();
                assert_eq!(isos, 2, "{at}: VirtIO drivers and the seed CD");
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn the_example_boots_each_installer_with_its_seed() {
    // 3 Linux OSes and 2 Windows editions on Proxmox and vSphere.
    assert_eq!(check_tree("example", repo()), 10);
}

#[test]
fn the_cd_channel_and_bios_firmware_are_wired() {
    assert_eq!(
        check_tree("cd-seed", repo().join("tests/fixtures/compile/cd-seed")),
        4
    );
}

#[test]
fn the_http_channel_is_wired() {
    assert_eq!(
        check_tree(
            "proxmox-only",
            repo().join("tests/fixtures/compile/proxmox-only")
        ),
        1
    );
}

#[test]
fn autoyast_and_photon_read_their_seeds() {
    // SLES on Proxmox and vSphere over HTTP (and once more on vSphere without registration),
    // Leap on both from the seed CD, Photon 4 and 5 on vSphere, and the registered RHEL 9 on
    // Proxmox and vSphere.
    assert_eq!(
        check_tree(
            "suse-photon",
            repo().join("tests/fixtures/compile/suse-photon")
        ),
        9
    );
}
