//! The lowering of installers: seed files and channels, boot commands, template variables.

use super::super::testing::{attr, layout, loaded, lowered, source, text, texts};
use super::super::{Lowerer, Target};
use crate::hcl::Expr;
use crate::installer::{BootLine, InstallerKind, KernelNetwork, SeedInputs};
use crate::model::Model;
use crate::release::OsFacts;
use crate::spec::{Family, Installer, PlatformName, SeedChannel};

/// The template variable `key` of an OS's installer templates (the local
/// `<os>_installer_vars`).
fn installer_var(model: &Model, os: &str, key: &str) -> Expr {
    let local = model
        .locals
        .iter()
        .find(|l| l.name == format!("{os}_installer_vars"))
        .expect("the OS's installer variables");
    let Expr::Object(vars) = &local.value else {
        panic!("an object: {:?}", local.value)
    };
    vars.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("{key}"))
}

/// The variables a source merges into its OS's local for its seed over HTTP (`seed_files`).
fn source_vars(model: &Model, platform: PlatformName, os: &str) -> Expr {
    let body = &source(model, platform, os).body;
    let Some(Expr::Object(files)) = attr(body, "http_content") else {
        panic!("seed files of {os}")
    };
    let Expr::Call(_, args) = &files[0].1 else {
        panic!("a templatefile call")
    };
    let Expr::Call(_, parts) = &args[1] else {
        panic!("merged variables")
    };
    parts[1].clone()
}

/// The keys of an object attribute.
fn keys(value: Option<&Expr>) -> Vec<String> {
    match value {
        Some(Expr::Object(entries)) => entries.iter().map(|(k, _)| k.clone()).collect(),
        other => panic!("not an object: {other:?}"),
    }
}

/// An installer kind that exists only here: everything lowering knows of it is this entry.
static ANSWERS: InstallerKind = InstallerKind {
    // Only the lookup from the spec reads this; lowering never does.
    installer: Installer::Kickstart,
    family: Family::Linux,
    templates: &["answers.pkrtpl.hcl"],
    served_extension: ".txt",
    hypervisors: &[PlatformName::Proxmox],
    channels: &[SeedChannel::Http, SeedChannel::Cd],
    default_channel: None,
    seed: SeedInputs::PerOs,
    cd_files: &[],
    boot_wait: "7s",
    boot_uefi: &[
        BootLine::Keys("<esc><wait>"),
        BootLine::Kernel {
            before: "linux /boot/vmlinuz answers={seed} host={hostname}",
            after: "<enter>",
        },
    ],
    boot_bios: &[BootLine::Keys("<tab>")],
    arm64: false,
    boot_arm64: None,
    extra_adapters: crate::installer::ExtraAdapters::Down,
    seed_argument: ("{url}/answers.txt", "answers=cdrom:/answers.txt"),
    network: KernelNetwork::Ip,
    distribution: None,
    validator: "none",
};

/// A fourth installer kind, added through its table entry alone, gets its seed files,
/// served name, boot command with the static network, and `boot_wait`. The spec names a
/// real kind (and an OS whose templates exist) so that it passes the checks; lowering is
/// then given the test's entry instead.
#[test]
fn an_installer_kind_is_lowered_from_its_table_entry_alone() {
    let loaded = loaded(
        r"
  network:
    addresses: { rocky-9: 10.0.0.5/24 }
    gateway: 10.0.0.1
    dns: [10.0.0.2]
oses:
  rocky-9:
    family: linux
    installer: kickstart
    iso: { url: https://example.com/rocky.iso, checksum: none }
    platforms: [proxmox]
",
    );
    let layout = layout();
    let mut l = Lowerer::new(&loaded, &layout);
    let (name, os) = loaded.spec.oses.first_key_value().expect("one OS");
    let target = Target {
        name,
        os,
        family: crate::family::facts(os.family()),
        installer: Some(&ANSWERS),
    };
    let mut model = Model::default();
    l.os(target, &mut model);
    let body = &source(&model, PlatformName::Proxmox, "rocky-9").body;
    assert_eq!(keys(attr(body, "http_content")), ["/answers.txt"]);
    let Some(Expr::Object(files)) = attr(body, "http_content") else {
        unreachable!("checked above")
    };
    let Expr::Call(function, args) = &files[0].1 else {
        panic!("a templatefile call: {:?}", files[0].1)
    };
    assert_eq!(function, "templatefile");
    assert_eq!(
        super::super::testing::as_text(&args[0]),
        "${path.root}/../installers/kickstart/answers.pkrtpl.hcl"
    );
    assert_eq!(text(body, "boot_wait"), "7s");
    assert_eq!(
        texts(body, "boot_command"),
        [
            "<esc><wait>",
            "linux /boot/vmlinuz answers=http://{{ .HTTPIP }}:{{ .HTTPPort }}/answers.txt host=rocky-9 \
                 ip=10.0.0.5::10.0.0.1:255.255.255.0:rocky-9::none:10.0.0.2<enter>",
        ]
    );
    // The OS's shared inputs are a local, as for every installer rendered once per OS.
    assert_eq!(model.locals[0].name, "rocky_9_installer_vars");
}

/// Preseed's static network is debian-installer's `netcfg` answers, on the kernel line of
/// its BIOS boot menu.
#[test]
fn preseed_boots_with_netcfg_answers_on_bios() {
    let model = lowered(
        r"
  network:
    addresses: { debian-12: 192.168.1.20/24 }
oses:
  debian-12:
    family: linux
    installer: preseed
    iso: { url: https://example.com/debian.iso, checksum: none }
    platforms: [proxmox]
    hardware: { firmware: bios }
",
    );
    let body = &source(&model, PlatformName::Proxmox, "debian-12").body;
    assert_eq!(
        texts(body, "boot_command"),
        [
            "<esc><wait>",
            "auto priority=critical url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/preseed.cfg hostname=debian-12 domain= \
                 netcfg/disable_autoconfig=true netcfg/get_ipaddress=192.168.1.20 netcfg/get_netmask=255.255.255.0 \
                 netcfg/no_default_route=true netcfg/confirm_static=true<enter>",
        ]
    );
    assert_eq!(keys(attr(body, "http_content")), ["/preseed.cfg"]);
}

/// Autoinstall's two files are served under their stems; on a CD without a leading `/`.
#[test]
fn autoinstall_serves_both_files_by_channel() {
    let model = lowered(
        r"
oses:
  ubuntu-2404:
    family: linux
    installer: autoinstall
    seed: cd
    iso: { url: https://example.com/ubuntu.iso, checksum: none }
    platforms: [vsphere]
    vsphere: { guest_os_type: ubuntu64Guest }
",
    );
    let body = &source(&model, PlatformName::Vsphere, "ubuntu-2404").body;
    assert_eq!(keys(attr(body, "cd_content")), ["user-data", "meta-data"]);
    assert_eq!(text(body, "cd_label"), "cidata");
    assert_eq!(text(body, "boot_wait"), "5s");
    assert!(texts(body, "boot_command")[1].contains("autoinstall ds=nocloud ---"));
}

/// Over HTTP, Ubuntu 20.04 and 22.04 name the seed's datasource `nocloud-net`, which their
/// media's cloud-init needs for an HTTP seed; 24.04's cloud-init (24.1) reads `nocloud`
/// with an HTTP seed and deprecates `nocloud-net`. An Ubuntu the catalogue doesn't know
/// gets `nocloud`. On a CD every release reads `ds=nocloud`.
#[test]
fn the_http_seed_names_the_datasource_the_release_reads() {
    let model = lowered(
        r"
oses:
  ubuntu-2004: { platforms: [proxmox], iso: { proxmox_file: 'local:iso/u.iso' } }
  ubuntu-2204: { platforms: [proxmox], iso: { proxmox_file: 'local:iso/u.iso' } }
  ubuntu-2404: { platforms: [proxmox], iso: { proxmox_file: 'local:iso/u.iso' } }
  ubuntu-2510:
    family: linux
    installer: autoinstall
    platforms: [proxmox]
    iso: { proxmox_file: 'local:iso/u.iso' }
",
    );
    for (name, datasource) in [
        ("ubuntu-2004", "nocloud-net"),
        ("ubuntu-2204", "nocloud-net"),
        ("ubuntu-2404", "nocloud"),
        ("ubuntu-2510", "nocloud"),
    ] {
        let body = &source(&model, PlatformName::Proxmox, name).body;
        let expected = format!(
            "autoinstall ds=\\\"{datasource};s=http://{{{{ .HTTPIP }}}}:{{{{ .HTTPPort }}}}/\\\" ---"
        );
        assert!(
            texts(body, "boot_command")[1].contains(&expected),
            "{name}: {:?} lacks {expected}",
            texts(body, "boot_command")
        );
    }
}

/// AutoYaST boots from the install media's GRUB prompt with the profile's URL and linuxrc's
/// `ifcfg=` for a static address; on BIOS it types its options at the isolinux prompt and
/// reads the profile from the seed CD by its label. (The boot lines are read back as HCL
/// writes them: the quotes escaped.)
#[test]
fn autoyast_boots_with_ifcfg_and_reads_its_profile_by_url_or_label() {
    let model = lowered(
        r"
  network:
    addresses: { sles-15-sp7: 10.0.0.5/24, opensuse-leap-156: 10.0.0.6/24 }
    dns: [10.0.0.2, 10.0.0.3]
oses:
  sles-15-sp7:
    iso: { proxmox_file: local:iso/sles.iso }
    platforms: [proxmox]
  opensuse-leap-156:
    seed: cd
    hardware: { firmware: bios }
    iso: { vsphere_path: '[datastore1] iso/leap.iso' }
    platforms: [vsphere]
    vsphere: { guest_os_type: opensuse64Guest }
",
    );
    let sles = &source(&model, PlatformName::Proxmox, "sles-15-sp7").body;
    assert_eq!(keys(attr(sles, "http_content")), ["/autoinst.xml"]);
    assert_eq!(
        texts(sles, "boot_command"),
        [
            "<wait3s>c<wait3s>",
            "linux /boot/x86_64/loader/linux textmode=1 autoyast=http://{{ .HTTPIP }}:{{ .HTTPPort }}/autoinst.xml \
                 ifcfg=*=\\\"10.0.0.5/24,,10.0.0.2 10.0.0.3\\\"<enter><wait3s>",
            "initrd /boot/x86_64/loader/initrd<enter><wait3s>",
            "boot<enter>",
        ]
    );
    let leap = &source(&model, PlatformName::Vsphere, "opensuse-leap-156").body;
    assert_eq!(keys(attr(leap, "cd_content")), ["autoinst.xml"]);
    assert_eq!(
        texts(leap, "boot_command"),
        [
            "<esc><enter><wait>",
            "linux textmode=1 autoyast=label://cidata/autoinst.xml \
                 ifcfg=*=\\\"10.0.0.6/24,,10.0.0.2 10.0.0.3\\\"<enter>",
        ]
    );
}

/// Photon OS fetches its kickstart over HTTP (the only channel it reads) with
/// `insecure_installation=1`, from the GRUB prompt on UEFI.
#[test]
fn photon_fetches_its_kickstart_over_http() {
    let model = lowered(
        r"
oses:
  photon-5:
    iso: { vsphere_path: '[datastore1] iso/photon.iso' }
    platforms: [vsphere]
    vsphere: { guest_os_type: vmwarePhoton64Guest }
",
    );
    let body = &source(&model, PlatformName::Vsphere, "photon-5").body;
    assert_eq!(keys(attr(body, "http_content")), ["/ks.json"]);
    assert_eq!(
        texts(body, "boot_command")[1],
        "linux /isolinux/vmlinuz root=/dev/ram0 loglevel=3 insecure_installation=1 \
             ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.json photon.media=cdrom<enter><wait3s>"
    );
}

/// `installer_inputs` reach the templates as `inputs`: a plain value as written, a secret as
/// a sensitive variable read from the environment, and `{}` for an OS without inputs.
#[test]
fn installer_inputs_become_the_templates_inputs() {
    let model = lowered(
        r"
oses:
  rocky-9:
    installer_inputs:
      activation_key: { env: RHSM_ACTIVATION_KEY }
      proxy: http://proxy.example.com:3128
    iso: { proxmox_file: local:iso/rocky.iso }
    platforms: [proxmox]
  debian-12:
    iso: { proxmox_file: local:iso/debian.iso }
    platforms: [proxmox]
",
    );
    let inputs = |os: &str| installer_var(&model, os, "inputs");
    assert_eq!(inputs("debian_12"), Expr::Object(Vec::new()));
    let Expr::Object(rocky) = inputs("rocky_9") else {
        panic!("an object")
    };
    assert_eq!(
        rocky[0],
        (
            "activation_key".into(),
            Expr::var("rocky_9_input_activation_key")
        )
    );
    assert_eq!(rocky[1].0, "proxy");
    assert_eq!(
        super::super::testing::as_text(&rocky[1].1),
        "http://proxy.example.com:3128"
    );
    let variable = model
        .variables
        .iter()
        .find(|v| v.name == "rocky_9_input_activation_key")
        .expect("a variable for the secret");
    assert!(variable.sensitive);
    assert_eq!(variable.credential(), Some("RHSM_ACTIVATION_KEY"));
    assert_eq!(variable.file, crate::model::FileKey::Common);
}
/// An OS's own `repositories` replace its release's in the templates' `release`; `[]`
/// leaves none (the kickstart installs from the media); without them, the catalogue's.
#[test]
fn an_os_may_name_its_own_repositories() {
    let model = lowered(
        r"
oses:
  rocky-9:
    repositories:
      - { name: BaseOS, url: 'https://mirror.example.com/rocky/9/BaseOS/x86_64/os/' }
    iso: { proxmox_file: local:iso/rocky.iso }
    platforms: [proxmox]
  almalinux-9:
    repositories: []
    iso: { proxmox_file: local:iso/alma.iso }
    platforms: [proxmox]
  oraclelinux-9:
    iso: { proxmox_file: local:iso/ol.iso }
    platforms: [proxmox]
",
    );
    let urls = |os: &str| -> Vec<String> {
        let Expr::Object(release) = installer_var(&model, os, "release") else {
            panic!("a release object")
        };
        let Some((_, Expr::List(repositories))) = release.iter().find(|(k, _)| k == "repositories")
        else {
            panic!("a repository list")
        };
        repositories
            .iter()
            .map(|r| match r {
                Expr::Object(fields) => super::super::testing::as_text(&fields[1].1),
                other => panic!("an object: {other:?}"),
            })
            .collect()
    };
    assert_eq!(
        urls("rocky_9"),
        ["https://mirror.example.com/rocky/9/BaseOS/x86_64/os/"]
    );
    assert!(urls("almalinux_9").is_empty());
    let catalogue: Vec<String> = crate::release::find("oraclelinux-9")
        .expect("in the catalogue")
        .repositories
        .iter()
        .map(|r| r.url.to_owned())
        .collect();
    assert!(!catalogue.is_empty());
    assert_eq!(urls("oraclelinux_9"), catalogue);
}
/// A machine that is the same on each platform an OS is installed on is written once, in
/// the OS's installer inputs; one that differs goes with each source.
#[test]
fn a_machine_shared_by_the_platforms_is_written_once() {
    let model = lowered(
        r"
oses:
  rocky-9:
    iso: { url: https://example.com/rocky.iso, checksum: none }
    platforms: [proxmox, vsphere]
    hardware: { data_disks_gb: [100] }
  debian-12:
    iso: { url: https://example.com/debian.iso, checksum: none }
    platforms: [proxmox, vsphere]
    vsphere: { hardware: { data_disks_gb: [50] } }
",
    );
    let Expr::Call(merge, parts) = installer_var(&model, "rocky_9", "machine") else {
        panic!("the layout merged with the disks")
    };
    assert_eq!(merge, "merge");
    assert_eq!(parts[0], Expr::local("partition_layout_lvm"));
    let own = |platform: PlatformName, os: &str| -> Vec<String> {
        keys(Some(&source_vars(&model, platform, os)))
    };
    for platform in [PlatformName::Proxmox, PlatformName::Vsphere] {
        assert_eq!(own(platform, "rocky-9"), ["platform", "cloud_init"]);
        assert_eq!(
            own(platform, "debian-12"),
            ["platform", "cloud_init", "machine"]
        );
    }
    let local = model
        .locals
        .iter()
        .find(|l| l.name == "debian_12_installer_vars")
        .expect("the OS's installer variables");
    let Expr::Object(vars) = &local.value else {
        panic!("an object")
    };
    assert!(vars.iter().all(|(k, _)| k != "machine"));
}

/// A per-OS seed's `vars` are the declared template variables (the OS's local and the
/// source's own); `release` and `network` have their declared attributes, which
/// `semantic::templates` holds templates to.
#[test]
fn per_os_seed_variables_are_the_declared_ones() {
    let model = lowered(
        r"
oses:
  rocky-9:
    iso: { url: https://example.com/rocky.iso, checksum: none }
    platforms: [proxmox]
",
    );
    let local = model
        .locals
        .iter()
        .find(|l| l.name == "rocky_9_installer_vars")
        .expect("the OS's installer variables");
    let mut names = keys(Some(&local.value));
    names.extend(keys(Some(&source_vars(
        &model,
        PlatformName::Proxmox,
        "rocky-9",
    ))));
    names.sort();
    let mut declared = SeedInputs::PerOs.template_var_names();
    declared.sort_unstable();
    assert_eq!(names, declared);
    for var in SeedInputs::PerOs.template_vars() {
        if let Some(attributes) = var.attributes() {
            let value = installer_var(&model, "rocky_9", var.name());
            assert_eq!(keys(Some(&value)), attributes, "{}", var.name());
        }
    }
}
