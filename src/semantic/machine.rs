//! The machine an OS is built on, past its hardware: network adapters after the first, and its
//! CPU architecture. What each platform's builder can do with them, and what the OS's installer
//! and release can.
//!
//! Adapters: the build's address must be the first adapter's. Proxmox's builder connects to
//! the first IPv4 address the guest agent lists, vsphere-iso to any IPv4 address once every
//! adapter has an address (see `tests/it/machine.rs`), so an installer must leave the
//! other adapters without an IPv4 address, and bring them up on vSphere
//! (`installer::ExtraAdapters`).
//!
//! arm64: no pinned builder has an architecture argument. proxmox-iso 1.2.4 creates every VM
//! with QEMU's x86-64 defaults (its `Config` has no `arch`), vSphere builds arm64 VMs only on
//! an ESXi-Arm host, with UEFI firmware and an arm64 guest OS identifier, and Azure with an
//! Arm VM size and an arm64 image (generation 2).

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::installer::{ExtraAdapters, kind};
use crate::platform::builder_of;
use crate::release::OsFacts;
use crate::spec::{Arch, BuilderKind, Firmware, Os, PlatformName};

impl Checker<'_, '_> {
    /// Every OS's extra adapters and architecture.
    pub(super) fn machines(&mut self) {
        let spec = self.cx.spec;
        for (name, os) in &spec.oses {
            self.extra_adapters(name, os);
            self.arch(name, os);
        }
    }

    fn extra_adapters(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let adapters = [
            (
                PlatformName::Proxmox,
                os.proxmox
                    .as_ref()
                    .is_some_and(|p| !p.extra_adapters.is_empty()),
            ),
            (
                PlatformName::Vsphere,
                os.vsphere
                    .as_ref()
                    .is_some_and(|v| !v.extra_adapters.is_empty()),
            ),
        ];
        for (platform, has) in adapters {
            if !has || !os.platforms.contains(&platform) {
                continue;
            }
            let at = ["oses", name, platform.as_str(), "extra_adapters"];
            let builder = builder_of(spec, os, platform);
            if platform == PlatformName::Vsphere && builder == BuilderKind::Clone {
                self.push(
                    Diagnostic::error(
                        Code::Unsupported,
                        format!("OS `{name}` adds network adapters to a vSphere clone"),
                        self.key_span(&at),
                        "vsphere-clone has no `network_adapters`",
                    )
                    .with_help("the clone keeps its template's adapters: give the template its adapters, or build from an ISO"),
                );
                continue;
            }
            // What the installed system does with the other adapters: its installer's rule
            // for an ISO build; a clone's template is Windows' own or unknown.
            let (behaviour, by) = match (builder, os.installer()) {
                (BuilderKind::Iso, Some(installer)) => (
                    kind(installer).extra_adapters,
                    format!("its `{}` installer", installer.as_str()),
                ),
                _ if os.family() == crate::spec::Family::Windows => {
                    (ExtraAdapters::Addressed, "Windows".to_owned())
                }
                _ => continue,
            };
            let problem = match (behaviour, platform) {
                (ExtraAdapters::Addressed, _) => {
                    "gives every adapter an IPv4 address (DHCP, else a link-local one), and Packer connects to whichever it finds first"
                }
                (ExtraAdapters::Down, PlatformName::Vsphere) => {
                    "leaves the adapters after the first down, and vsphere-iso waits until every adapter has an address"
                }
                _ => continue,
            };
            self.push(
                Diagnostic::error(
                    Code::Unsupported,
                    format!(
                        "OS `{name}` cannot build with more than one network adapter on {}",
                        platform.as_str()
                    ),
                    self.key_span(&at),
                    "adapters after the first",
                )
                .with_help(format!(
                    "{by} {problem}: add these adapters to the clones of the image instead"
                )),
            );
        }
    }

    fn arch(&mut self, name: &str, os: &Os) {
        if os.arch() == Arch::X86_64 {
            self.azure_size_arch(name, os);
            return;
        }
        let at = ["oses", name, "arch"];
        if let Some(release) = os.known()
            && !release.arches().contains(&Arch::Arm64)
        {
            self.push(
                Diagnostic::error(
                    Code::Unsupported,
                    format!("release `{}` has no arm64 media", release.name),
                    self.at(&at).value,
                    "not an architecture of the release",
                )
                .with_help(
                    "`hybridc list oses` shows the releases with arm64 media; remove `arch: arm64`",
                ),
            );
            return;
        }
        if let Some(installer) = os.installer()
            && !kind(installer).arm64
        {
            self.push(
                Diagnostic::error(
                    Code::Unsupported,
                    format!(
                        "the `{}` installer templates and boot lines are for x86-64 only",
                        installer.as_str()
                    ),
                    self.at(&at).value,
                    "no arm64 install",
                )
                .with_help("remove `arch: arm64`"),
            );
            return;
        }
        if os.platforms.contains(&PlatformName::Proxmox) {
            self.push(
                Diagnostic::error(
                    Code::Unsupported,
                    format!("OS `{name}` is arm64 and built on Proxmox"),
                    self.at(&at).value,
                    "proxmox-iso and proxmox-clone make x86-64 VMs only",
                )
                .with_help("the Proxmox builder has no argument for a VM's architecture: build arm64 on vSphere (ESXi-Arm) or Azure"),
            );
        }
        if os.platforms.contains(&PlatformName::Vsphere) {
            let hw = crate::platform::hardware(self.cx.spec, os, PlatformName::Vsphere);
            if hw.firmware == Some(Firmware::Bios) {
                self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        format!("OS `{name}` is arm64 with BIOS firmware"),
                        self.at(&at).value,
                        "arm64 VMs boot with UEFI only",
                    )
                    .with_help("set `hardware: { firmware: uefi }`"),
                );
            }
            // A missing guest OS type is reported with the other vSphere settings: the
            // catalogue's identifiers are x86-64 ones (`OsFacts::guest_os_type`).
        }
        if os.platforms.contains(&PlatformName::Azure) {
            self.azure_size_arch(name, os);
        }
    }

    /// The Azure VM sizes of an OS (its own, else the platform's and each environment's) fit
    /// its architecture: an Arm size is written with `p` among its features
    /// (`Standard_D2ps_v5`; Microsoft Learn, "Azure virtual machine sizes naming
    /// conventions": `p` denotes an ARM CPU).
    fn azure_size_arch(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        if !os.platforms.contains(&PlatformName::Azure) {
            return;
        }
        let Some(azure) = &spec.platforms.azure else {
            return;
        };
        let own = os.azure.as_ref().and_then(|a| a.vm_size.as_deref());
        let mut sizes: Vec<(String, Vec<String>)> = Vec::new();
        if let Some(size) = own {
            sizes.push((
                size.to_owned(),
                vec!["oses".into(), name.into(), "azure".into(), "vm_size".into()],
            ));
        } else {
            sizes.push((
                azure.vm_size.clone(),
                vec!["platforms".into(), "azure".into(), "vm_size".into()],
            ));
            for (env, e) in &spec.environments {
                if let Some(size) = e.platforms.azure.as_ref().and_then(|a| a.vm_size.clone()) {
                    sizes.push((
                        size,
                        vec![
                            "environments".into(),
                            env.clone(),
                            "platforms".into(),
                            "azure".into(),
                            "vm_size".into(),
                        ],
                    ));
                }
            }
        }
        let arm = os.arch() == Arch::Arm64;
        for (size, tokens) in sizes {
            let Some(is_arm) = arm_size(&size) else {
                continue;
            };
            if is_arm == arm {
                continue;
            }
            let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
            // The platform's default size is written nowhere: point at `platforms.azure`.
            let span = match self.cx.tree.locate(&super::ptr(&tokens)) {
                Some(found) => found.value,
                None => self.key_span(&tokens[..2]),
            };
            let (label, help) = if arm {
                (
                    "not an Arm size",
                    "an arm64 image needs an Arm size, with `p` among its features: `Standard_D2ps_v5`, or set `azure: { vm_size: ... }` on the OS",
                )
            } else {
                (
                    "an Arm size",
                    "an x86-64 image needs a size without `p` among its features (`Standard_D2s_v5`), or set `arch: arm64`",
                )
            };
            self.push(
                Diagnostic::error(
                    Code::Conflict,
                    format!(
                        "OS `{name}` is `{}` and builds on Azure size `{size}`",
                        os.arch().as_str()
                    ),
                    span,
                    label,
                )
                .with_help(help),
            );
        }
    }
}

/// Whether an Azure VM size has an Arm CPU: `Standard_<family><vCPUs>[-<constrained>]<features>
/// [_<accelerator>][_v<version>]`, where the lowercase features after the vCPU count include
/// `p` for Arm. `None` when the size does not read so.
pub(super) fn arm_size(size: &str) -> Option<bool> {
    let rest = size.strip_prefix("Standard_")?;
    let head = rest.split('_').next()?;
    let digits = head.find(|c: char| c.is_ascii_digit())?;
    let family = &head[..digits];
    if family.is_empty() || !family.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let after = head[digits..].trim_start_matches(|c: char| c.is_ascii_digit());
    let after = match after.strip_prefix('-') {
        Some(constrained) => constrained.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => after,
    };
    after
        .chars()
        .all(|c| c.is_ascii_lowercase())
        .then(|| after.contains('p'))
}

#[cfg(test)]
mod tests {
    use super::arm_size;

    /// Arm sizes carry `p` among their features; x86 sizes do not; other names are not read.
    #[test]
    fn arm_sizes_are_told_by_their_features() {
        for size in [
            "Standard_D2ps_v5",
            "Standard_D4pds_v5",
            "Standard_E8pds_v5",
            "Standard_B2pls_v2",
            "Standard_D2pls_v6",
            "Standard_B2pts_v2",
        ] {
            assert_eq!(arm_size(size), Some(true), "{size}");
        }
        for size in [
            "Standard_D2s_v5",
            "Standard_D4ds_v5",
            "Standard_B2ms",
            "Standard_F4s_v2",
            "Standard_E4-2ds_v5",
            "Standard_NC6s_v3",
        ] {
            assert_eq!(arm_size(size), Some(false), "{size}");
        }
        for size in ["Basic_A1", "Standard_", "large", "Standard_d2s_v5"] {
            assert_eq!(arm_size(size), None, "{size}");
        }
    }
}
