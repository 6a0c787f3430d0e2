//! What each unattended installer kind is, declared once as data: its family, the template
//! files it reads (shared under `installers/<kind>/`) and the names they are served as, the seed channels it
//! can read them from, its boot command and `boot_wait`, the form its network takes on the
//! kernel command line, the Linux distribution it installs and the tool that checks its
//! rendered files in tests. Lowering builds seeds and boot commands from an entry of this
//! table; `spec::Installer`'s accessors read it. Data only: adding an installer kind is an
//! entry here plus its templates.

use crate::family::{DEBIAN, Distribution, PHOTON, REDHAT, SUSE};
use crate::spec::{Arch, Family, Firmware, Installer, PlatformName, SeedChannel};

pub mod references;
pub mod variables;

pub use variables::TemplateVar;

/// One installer kind.
#[derive(Debug)]
pub struct InstallerKind {
    /// The spec's name for it.
    pub installer: Installer,
    /// The family it installs.
    pub family: Family,
    /// Its template files, rendered with `templatefile`: shared under `installers/<kind>/`,
    /// or an OS's own (see [`InstallerKind::template_path`]).
    pub templates: &'static [&'static str],
    /// What a template is served as: its stem (`ks.pkrtpl.hcl` -> `ks`) plus this extension.
    pub served_extension: &'static str,
    /// The platforms its ISO builds can run on (an Azure build starts from a Marketplace image
    /// and runs no installer).
    pub hypervisors: &'static [PlatformName],
    /// The seed channels it can read its files from.
    pub channels: &'static [SeedChannel],
    /// The channel when the OS names none; `None`: the spec's `defaults.seed`.
    pub default_channel: Option<SeedChannel>,
    /// How its files are rendered: once per OS, or once per edition and platform.
    pub seed: SeedInputs,
    /// Repository files put on the seed CD beside the rendered files, at its root.
    pub cd_files: &'static [&'static str],
    /// `boot_wait`.
    pub boot_wait: &'static str,
    /// The boot command with UEFI firmware.
    pub boot_uefi: &'static [BootLine],
    /// The boot command with BIOS firmware.
    pub boot_bios: &'static [BootLine],
    /// Whether its templates and boot lines install arm64 media too.
    pub arm64: bool,
    /// The boot command of arm64 media, which boot UEFI only, where its kernel and initrd lie
    /// elsewhere than on x86-64 media; `None`: the UEFI lines.
    pub boot_arm64: Option<&'static [BootLine]>,
    /// What its installed system does with the network adapters after the first.
    pub extra_adapters: ExtraAdapters,
    /// The seed's location on the boot line (`{seed}`), by channel: `(http, cd)`. `{url}` in
    /// it is the Packer HTTP server's address, `{nocloud}` the release's cloud-init datasource.
    pub seed_argument: (&'static str, &'static str),
    /// The form the installer's static network takes on its kernel command line.
    pub network: KernelNetwork,
    /// The distribution it installs, whose layout generated steps depend on.
    pub distribution: Option<&'static Distribution>,
    /// What checks its rendered files in `tests/it/validators.rs`.
    pub validator: &'static str,
}

/// How an installer's files are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedInputs {
    /// From one local per OS (user, password hash, host name, locale, network) merged with the
    /// platform: one seed for every source of the OS.
    PerOs,
    /// Per edition and platform (image name, product key, firmware, computer name): a Windows
    /// answer file.
    PerEdition,
}

/// One line of a boot command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootLine {
    /// Keys typed as they are.
    Keys(&'static str),
    /// The kernel line: `before`, the installer's network arguments when it has a static
    /// address, then `after`. `{seed}` is replaced by the seed's location and `{hostname}` by
    /// the OS's name.
    Kernel {
        /// Up to the network arguments.
        before: &'static str,
        /// After them.
        after: &'static str,
    },
}

/// What an installed system does with the network adapters after the first, which decides
/// whether Packer finds the first adapter's address (see `tests/it/machine.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtraAdapters {
    /// Up with an IPv6 link-local address and no IPv4 address: the build's IPv4 address is the
    /// first adapter's, and every adapter has an address, which vsphere-iso waits for.
    LinkLocal,
    /// Left unconfigured and down: the build's IPv4 address is the first adapter's, but the
    /// others never get the address vsphere-iso waits for.
    Down,
    /// Each configured by DHCP, else with a link-local IPv4 address (Windows): any adapter may
    /// have the IPv4 address Packer finds.
    Addressed,
}

/// The form of an installer's static network on its kernel command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelNetwork {
    /// None: the answer file configures the network itself.
    None,
    /// dracut and casper/klibc `ip=<ip>::<gateway>:<netmask>:<hostname>::none:<dns1>:<dns2>`.
    Ip,
    /// debian-installer `netcfg/*` answers.
    Netcfg,
    /// SUSE linuxrc `ifcfg=*="<ip>/<prefix>,<gateway>,<dns1> <dns2>"`.
    Ifcfg,
}

impl InstallerKind {
    /// The channel the seed reaches the VM by: the OS's, else the kind's own default, else the
    /// spec's default.
    pub fn channel(&self, os: Option<SeedChannel>, spec_default: SeedChannel) -> SeedChannel {
        os.or(self.default_channel).unwrap_or(spec_default)
    }

    /// The name the installer looks for: `user-data.pkrtpl.hcl` is served as `user-data`,
    /// `ks.pkrtpl.hcl` as `ks.cfg`.
    pub fn served_name(&self, template: &str) -> String {
        let stem = template.trim_end_matches(".pkrtpl.hcl");
        format!("{stem}{}", self.served_extension)
    }

    /// Where an OS finds its template `template`, relative to the repository root: the path the
    /// OS names for it, else `builds/<os>/<template>` when `exists` says the repository has one
    /// (a deliberate override), else the template every OS of this kind shares,
    /// `installers/<kind>/<template>`.
    pub fn template_path(
        &self,
        name: &str,
        os: &crate::spec::Os,
        template: &str,
        exists: impl Fn(&str) -> bool,
    ) -> String {
        if let Some(path) = os.templates.get(template) {
            return path.clone();
        }
        let own = format!("builds/{name}/{template}");
        if exists(&own) {
            own
        } else {
            format!("installers/{}/{template}", self.installer.as_str())
        }
    }

    /// The boot command's lines for a firmware and an architecture (`semantic` refuses arm64
    /// with BIOS firmware).
    pub fn boot(&self, firmware: Firmware, arch: Arch) -> &'static [BootLine] {
        match (arch, firmware) {
            (Arch::Arm64, _) => self.boot_arm64.unwrap_or(self.boot_uefi),
            (Arch::X86_64, Firmware::Uefi) => self.boot_uefi,
            (Arch::X86_64, Firmware::Bios) => self.boot_bios,
        }
    }
}

use BootLine::{Kernel, Keys};
use SeedChannel::{Cd, Http};

/// Every installer kind.
pub const INSTALLERS: &[InstallerKind] = &[
    InstallerKind {
        installer: Installer::Autoinstall,
        family: Family::Linux,
        templates: &["user-data.pkrtpl.hcl", "meta-data.pkrtpl.hcl"],
        served_extension: "",
        hypervisors: HYPERVISORS,
        channels: &[Http, Cd],
        default_channel: None,
        seed: SeedInputs::PerOs,
        cd_files: &[],
        boot_wait: "5s",
        // Arguments before `---` are for the installer only; after it they would be copied
        // into the installed system's boot line.
        boot_uefi: UBUNTU_BOOT,
        boot_bios: UBUNTU_BOOT,
        arm64: true,
        // Ubuntu's arm64 live server ISO has its kernel and initrd under `/casper/` too.
        boot_arm64: None,
        // The template's netplan gives the first adapter (by interface index, found by an
        // early command) the build's address and the others link-local IPv6 only.
        extra_adapters: ExtraAdapters::LinkLocal,
        // `{nocloud}`: the release's HTTP datasource name (`Release::nocloud_datasource`).
        seed_argument: ("ds=\"{nocloud};s={url}/\"", "ds=nocloud"),
        network: KernelNetwork::Ip,
        distribution: Some(&DEBIAN),
        validator: "subiquity's autoinstall JSON Schema (user-data); a YAML mapping (meta-data)",
    },
    InstallerKind {
        installer: Installer::Kickstart,
        family: Family::Linux,
        templates: &["ks.pkrtpl.hcl"],
        served_extension: ".cfg",
        hypervisors: HYPERVISORS,
        channels: &[Http, Cd],
        default_channel: None,
        seed: SeedInputs::PerOs,
        cd_files: &[],
        boot_wait: "5s",
        boot_uefi: &[Kernel {
            before: "<up>e<wait><down><down><end> inst.text {seed}",
            after: "<leftCtrlOn>x<leftCtrlOff>",
        }],
        boot_bios: &[Kernel {
            before: "<up><tab> inst.text {seed}",
            after: "<enter>",
        }],
        arm64: true,
        // The aarch64 DVDs and boot ISOs edit the same GRUB entry (`images/pxeboot/`).
        boot_arm64: None,
        // `network --device=link` configures the first interface with a link in lexicographic
        // order (rhinstaller/anaconda `pyanaconda/modules/network/nm_client.py`,
        // `get_first_iface_with_link`), which is the first adapter while their slot numbers
        // have as many digits (Proxmox's `ens18`, `ens19`, ...); anaconda writes the others
        // with `ONBOOT=no`.
        extra_adapters: ExtraAdapters::Down,
        seed_argument: ("inst.ks={url}/ks.cfg", "inst.ks=hd:LABEL=cidata:/ks.cfg"),
        network: KernelNetwork::Ip,
        distribution: Some(&REDHAT),
        validator: "pykickstart's ksvalidator -v RHEL9",
    },
    // debian-installer asks for the host and domain name before it loads a preseed from the
    // network, so they are answered on the boot line (Debian installation guide, appendix B.2).
    InstallerKind {
        installer: Installer::Preseed,
        family: Family::Linux,
        templates: &["preseed.pkrtpl.hcl"],
        served_extension: ".cfg",
        hypervisors: HYPERVISORS,
        channels: &[Http],
        default_channel: None,
        seed: SeedInputs::PerOs,
        cd_files: &[],
        boot_wait: "5s",
        boot_uefi: &[
            Keys("<wait3s>c<wait3s>"),
            Kernel {
                before: "linux /install.amd/vmlinuz auto=true priority=critical preseed/url={seed} hostname={hostname} domain=",
                after: " --- quiet<enter><wait3s>",
            },
            Keys("initrd /install.amd/initrd.gz<enter><wait3s>"),
            Keys("boot<enter>"),
        ],
        boot_bios: &[
            Keys("<esc><wait>"),
            Kernel {
                before: "auto priority=critical url={seed} hostname={hostname} domain=",
                after: "<enter>",
            },
        ],
        arm64: true,
        // The arm64 netinst ISO has its kernel and initrd under `/install.a64/` (Debian
        // installation guide for arm64, "Booting from a CD-ROM"; the ISO's `boot/grub/grub.cfg`).
        boot_arm64: Some(&[
            Keys("<wait3s>c<wait3s>"),
            Kernel {
                before: "linux /install.a64/vmlinuz auto=true priority=critical preseed/url={seed} hostname={hostname} domain=",
                after: " --- quiet<enter><wait3s>",
            },
            Keys("initrd /install.a64/initrd.gz<enter><wait3s>"),
            Keys("boot<enter>"),
        ]),
        // netcfg configures one interface, `choose_interface auto`: the first with a link;
        // `/etc/network/interfaces` names no other.
        extra_adapters: ExtraAdapters::Down,
        seed_argument: ("{url}/preseed.cfg", ""),
        network: KernelNetwork::Netcfg,
        distribution: Some(&DEBIAN),
        validator: "debconf-set-selections --checkonly",
    },
    InstallerKind {
        installer: Installer::Autounattend,
        family: Family::Windows,
        templates: &["autounattend.pkrtpl.hcl"],
        served_extension: ".xml",
        hypervisors: HYPERVISORS,
        channels: &[Cd],
        default_channel: Some(Cd),
        seed: SeedInputs::PerEdition,
        // The scripts the answer file's first-logon commands run, as a glob: see
        // `lower::installer`.
        cd_files: &["scripts/windows/*"],
        boot_wait: "2s",
        boot_uefi: WINDOWS_BOOT,
        boot_bios: WINDOWS_BOOT,
        // The answer file is for amd64 Setup.
        arm64: false,
        boot_arm64: None,
        extra_adapters: ExtraAdapters::Addressed,
        seed_argument: ("", ""),
        network: KernelNetwork::None,
        distribution: None,
        validator: "xmllint --noout, and the image, partition and network checks",
    },
    // SUSE's AutoYaST, read by linuxrc from `autoyast=` (SUSE AutoYaST guide, "Invoking the
    // auto-installation process": `http://`, `label://<label>/<path>`; yast2-autoinstallation
    // `ProfileLocation.rb` mounts the partition with that label). The boot lines drive the
    // install media's GRUB prompt on UEFI (the kernel and initrd under `/boot/x86_64/loader/`)
    // and its isolinux boot prompt on BIOS, as vmware-samples/packer-examples-for-vsphere
    // `builds/linux/sles/15` and chef/bento's SLES and openSUSE templates do.
    InstallerKind {
        installer: Installer::Autoyast,
        family: Family::Linux,
        templates: &["autoinst.pkrtpl.hcl"],
        served_extension: ".xml",
        hypervisors: HYPERVISORS,
        channels: &[Http, Cd],
        default_channel: None,
        seed: SeedInputs::PerOs,
        cd_files: &[],
        boot_wait: "5s",
        boot_uefi: &[
            Keys("<wait3s>c<wait3s>"),
            Kernel {
                before: "linux /boot/x86_64/loader/linux textmode=1 {seed}",
                after: "<enter><wait3s>",
            },
            Keys("initrd /boot/x86_64/loader/initrd<enter><wait3s>"),
            Keys("boot<enter>"),
        ],
        boot_bios: &[
            Keys("<esc><enter><wait>"),
            Kernel {
                before: "linux textmode=1 {seed}",
                after: "<enter>",
            },
        ],
        arm64: true,
        // The aarch64 media keep them under `/boot/aarch64/loader/`.
        boot_arm64: Some(&[
            Keys("<wait3s>c<wait3s>"),
            Kernel {
                before: "linux /boot/aarch64/loader/linux textmode=1 {seed}",
                after: "<enter><wait3s>",
            },
            Keys("initrd /boot/aarch64/loader/initrd<enter><wait3s>"),
            Keys("boot<enter>"),
        ]),
        // linuxrc sets up one interface, which `keep_install_network` keeps; no other is
        // configured.
        extra_adapters: ExtraAdapters::Down,
        seed_argument: (
            "autoyast={url}/autoinst.xml",
            "autoyast=label://cidata/autoinst.xml",
        ),
        network: KernelNetwork::Ifcfg,
        distribution: Some(&SUSE),
        validator: "xmllint --noout",
    },
    // Photon OS's installer reads `ks=` from the kernel line and refuses an `http://` URL
    // without `insecure_installation=1` (vmware/photon-os-installer
    // `photon_installer/isoInstaller.py`, `_load_ks_config`); `photon.media=cdrom` mounts the
    // install media with the packages (`mount_media`). Served over HTTP only: no label-based
    // form is documented for the CD. The boot lines are vmware-samples'
    // `builds/linux/photon/5/linux-photon.pkr.hcl` (GRUB prompt, UEFI) and the ISO's isolinux
    // prompt (BIOS). Its initrd configures the network by DHCP: no kernel network form.
    InstallerKind {
        installer: Installer::Photon,
        family: Family::Linux,
        templates: &["ks.json.pkrtpl.hcl"],
        served_extension: "",
        hypervisors: &[PlatformName::Vsphere],
        channels: &[Http],
        default_channel: Some(Http),
        seed: SeedInputs::PerOs,
        cd_files: &[],
        boot_wait: "5s",
        boot_uefi: &[
            Keys("<esc><wait>c<wait3s>"),
            Kernel {
                before: "linux /isolinux/vmlinuz root=/dev/ram0 loglevel=3 insecure_installation=1 {seed} photon.media=cdrom",
                after: "<enter><wait3s>",
            },
            Keys("initrd /isolinux/initrd.img<enter><wait3s>"),
            Keys("boot<enter>"),
        ],
        boot_bios: &[
            Keys("<esc><wait>"),
            Kernel {
                before: "vmlinuz initrd=initrd.img root=/dev/ram0 loglevel=3 insecure_installation=1 {seed} photon.media=cdrom",
                after: "<enter>",
            },
        ],
        // The catalogue has no arm64 Photon OS release.
        arm64: false,
        boot_arm64: None,
        // Not established for several adapters: treated as leaving them down.
        extra_adapters: ExtraAdapters::Down,
        seed_argument: ("ks={url}/ks.json", ""),
        network: KernelNetwork::None,
        distribution: Some(&PHOTON),
        validator: "a JSON object with the installer's keys (no published schema)",
    },
];

/// Proxmox and vSphere.
const HYPERVISORS: &[PlatformName] = &[PlatformName::Proxmox, PlatformName::Vsphere];

const UBUNTU_BOOT: &[BootLine] = &[
    Keys("<wait3s>c<wait3s>"),
    Kernel {
        before: "linux /casper/vmlinuz autoinstall {seed}",
        after: " ---<enter><wait3s>",
    },
    Keys("initrd /casper/initrd<enter><wait3s>"),
    Keys("boot<enter>"),
];

/// Windows Setup's "press any key to boot from CD".
const WINDOWS_BOOT: &[BootLine] = &[Keys("<spacebar><wait><spacebar><wait><spacebar>")];

/// The table's entry of an installer.
pub fn kind(installer: Installer) -> &'static InstallerKind {
    INSTALLERS
        .iter()
        .find(|k| k.installer == installer)
        .expect("every installer has an entry in INSTALLERS")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every installer the spec accepts has one entry, and its name is the spec's.
    #[test]
    fn every_installer_has_one_entry_named_as_in_the_spec() {
        for kind in INSTALLERS {
            let spelled = serde_json::to_value(kind.installer).expect("serialisable");
            assert_eq!(spelled, kind.installer.as_str());
            assert_eq!(
                INSTALLERS
                    .iter()
                    .filter(|k| k.installer == kind.installer)
                    .count(),
                1
            );
            assert!(
                kind.channels
                    .contains(&kind.channel(None, kind.channels[0]))
            );
        }
        for installer in [
            Installer::Autoinstall,
            Installer::Kickstart,
            Installer::Preseed,
            Installer::Autounattend,
            Installer::Autoyast,
            Installer::Photon,
        ] {
            assert_eq!(kind(installer).installer, installer);
        }
    }

    /// Every kind's default channel is one it can read, its HTTP seed argument names the file
    /// it serves, and a kernel line carries the seed.
    #[test]
    fn every_kind_reads_its_seed_where_it_is_served() {
        for kind in INSTALLERS {
            if let Some(channel) = kind.default_channel {
                assert!(kind.channels.contains(&channel), "{:?}", kind.installer);
            }
            assert!(!kind.hypervisors.is_empty());
            assert!(!kind.hypervisors.contains(&PlatformName::Azure));
            for template in kind.templates {
                assert!(template.ends_with(".pkrtpl.hcl"), "{template}");
            }
            let (http, _) = kind.seed_argument;
            if kind.channels.contains(&Http) && kind.templates.len() == 1 {
                let served = kind.served_name(kind.templates[0]);
                assert!(http.ends_with(&served), "{http} serves {served}");
            }
            for (firmware, arch) in [
                (Firmware::Uefi, Arch::X86_64),
                (Firmware::Bios, Arch::X86_64),
                (Firmware::Uefi, Arch::Arm64),
            ] {
                assert!(
                    kind.family == Family::Windows
                        || kind.boot(firmware, arch).iter().any(|line| matches!(
                            line,
                            Kernel { before, .. } if before.contains("{seed}")
                        )),
                    "{:?} on {firmware:?}",
                    kind.installer
                );
            }
        }
    }

    /// Every character a boot line types is one the keyboard drivers can type: packer-plugin-
    /// proxmox v1.2.4 `builder/proxmox/common/bootcommand_driver.go` (`NewProxmoxDriver`'s rune
    /// map, `SendKey`: any other rune is sent to QEMU's `sendkey` as its own key name, which
    /// only letters and digits are) and packer-plugin-sdk `bootcommand/usb_driver.go`
    /// (`NewUSBDriver`, used by vsphere-iso's `StepBootCommand`: the same US layout). Special
    /// keys (`<enter>`) and placeholders (`{seed}`) are not typed as written.
    #[test]
    fn boot_lines_type_only_characters_the_drivers_map() {
        const MAPPED: &str = " .,;*-[]='`/\\!@#$%^&(){}\"+_:<>~?|";
        let typed = |text: &str| -> Vec<char> {
            let mut out = Vec::new();
            let mut special = false;
            for c in text.chars() {
                match c {
                    '<' => special = true,
                    '>' if special => special = false,
                    _ if !special => out.push(c),
                    _ => {}
                }
            }
            out
        };
        for kind in INSTALLERS {
            let (http, cd) = kind.seed_argument;
            let lines = kind
                .boot_uefi
                .iter()
                .chain(kind.boot_bios)
                .chain(kind.boot_arm64.unwrap_or_default())
                .flat_map(|line| match line {
                    Keys(keys) => vec![*keys],
                    Kernel { before, after } => vec![*before, *after],
                });
            for text in lines.chain([http, cd]) {
                for c in typed(text) {
                    assert!(
                        c.is_ascii_alphanumeric() || MAPPED.contains(c),
                        "{:?} types {c:?} in {text:?}",
                        kind.installer
                    );
                }
            }
        }
        // linuxrc's static network, as `lower::network` writes it.
        for c in typed("ifcfg=*=\"192.0.2.10/24,192.0.2.1,192.0.2.53 198.51.100.53\"") {
            assert!(c.is_ascii_alphanumeric() || MAPPED.contains(c), "{c:?}");
        }
    }

    /// AutoYaST: `autoinst.xml` from HTTP or the seed CD by its label, linuxrc's `ifcfg=`.
    #[test]
    fn autoyast_reads_its_profile_by_url_or_label() {
        let autoyast = kind(Installer::Autoyast);
        assert_eq!(autoyast.served_name("autoinst.pkrtpl.hcl"), "autoinst.xml");
        assert_eq!(
            autoyast.seed_argument,
            (
                "autoyast={url}/autoinst.xml",
                "autoyast=label://cidata/autoinst.xml"
            )
        );
        assert_eq!(autoyast.network, KernelNetwork::Ifcfg);
        assert_eq!(autoyast.distribution, Some(&SUSE));
        assert_eq!(autoyast.hypervisors, HYPERVISORS);
    }

    /// Photon: `ks.json` over HTTP only, on vSphere only.
    #[test]
    fn photon_reads_its_kickstart_over_http_on_vsphere() {
        let photon = kind(Installer::Photon);
        assert_eq!(photon.served_name("ks.json.pkrtpl.hcl"), "ks.json");
        assert_eq!(photon.channels, [Http]);
        assert_eq!(photon.channel(None, Cd), Http);
        assert_eq!(photon.hypervisors, [PlatformName::Vsphere]);
        assert_eq!(photon.network, KernelNetwork::None);
        assert_eq!(photon.distribution, Some(&PHOTON));
    }

    /// arm64 media boot UEFI only, from the kernel paths of their architecture: Debian's
    /// `/install.a64/`, SUSE's `/boot/aarch64/loader/`; Ubuntu's `/casper/` and the Red Hat
    /// family's GRUB entry are the same as on x86-64. Windows and Photon OS install x86-64 only.
    #[test]
    fn arm64_media_boot_from_their_own_kernel_paths() {
        let kernel = |installer, arch| -> String {
            kind(installer)
                .boot(Firmware::Bios, arch)
                .iter()
                .map(|line| match line {
                    Keys(keys) => (*keys).to_owned(),
                    Kernel { before, after } => format!("{before}{after}"),
                })
                .collect()
        };
        let debian = kernel(Installer::Preseed, Arch::Arm64);
        assert!(debian.contains("linux /install.a64/vmlinuz "), "{debian}");
        assert!(debian.contains("initrd /install.a64/initrd.gz"), "{debian}");
        assert!(!debian.contains("install.amd"));
        let suse = kernel(Installer::Autoyast, Arch::Arm64);
        assert!(suse.contains("linux /boot/aarch64/loader/linux "), "{suse}");
        assert!(
            suse.contains("initrd /boot/aarch64/loader/initrd"),
            "{suse}"
        );
        for installer in [Installer::Autoinstall, Installer::Kickstart] {
            assert_eq!(
                kind(installer).boot(Firmware::Bios, Arch::Arm64),
                kind(installer).boot_uefi
            );
        }
        for kind in INSTALLERS {
            assert_eq!(
                kind.arm64,
                !matches!(kind.installer, Installer::Autounattend | Installer::Photon),
                "{:?}",
                kind.installer
            );
            assert!(kind.arm64 || kind.boot_arm64.is_none());
        }
        assert_eq!(
            kind(Installer::Autoinstall).extra_adapters,
            ExtraAdapters::LinkLocal
        );
        assert_eq!(
            kind(Installer::Autounattend).extra_adapters,
            ExtraAdapters::Addressed
        );
    }
}
