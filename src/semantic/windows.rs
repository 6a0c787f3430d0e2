//! Windows OSes: their editions (named from the release or described in full), and what a
//! Windows release of the OS catalogue requires of an OS: the hardware its VM must have
//! (Windows 11: UEFI, Secure Boot and a TPM 2.0, which the release's layer turns on and the
//! spec must not turn off), and an answer file of the OS's own that reads the VirtIO drivers
//! of its release, not another's.

use std::collections::BTreeMap;

use super::names::suggest_label;
use super::oses::title;
use super::{Checker, is_label};
use crate::diagnostic::{Code, Diagnostic, Span, prose_list};
use crate::platform::{hardware, spec_hardware_layers};
use crate::release::{OsFacts, Release, WindowsRelease};
use crate::spec::{EditionEntry, Firmware, Installer, Os, PlatformName};

impl Checker<'_, '_> {
    pub(super) fn windows(&mut self) {
        let spec = self.cx.spec;
        for (name, os) in &spec.oses {
            let Some(release) = os.known() else { continue };
            let Some(windows) = release.windows else {
                continue;
            };
            self.required_hardware(name, os, release, windows);
            if os.installer() == Some(Installer::Autounattend) {
                self.driver_folders(name, os, release, windows);
            }
        }
    }

    /// An OS's editions: named ones its release has, full ones with label names, none twice,
    /// on platforms the OS is built on; editions for Windows only.
    pub(super) fn editions(&mut self, name: &str, os: &Os) {
        if crate::family::facts(os.family()).per_edition {
            if os.editions().is_empty() && os.editions.is_empty() {
                self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("Windows OS `{name}` needs at least one edition"),
                        self.key_span(&["oses", name]),
                        "no `editions`",
                    )
                    .with_help("add `editions: [{ name: standard, image_name: \"Windows Server 2022 SERVERSTANDARD\" }]`"),
                );
            }
            let mut seen: Vec<&str> = Vec::new();
            for (i, entry) in os.editions.iter().enumerate() {
                let index = i.to_string();
                let edition = match entry {
                    EditionEntry::Full(edition) => edition,
                    EditionEntry::Known(known) => {
                        let span = self.at(&["oses", name, "editions", &index]).value;
                        if let Some(first) = seen.iter().position(|n| n == known) {
                            self.duplicate_edition(name, known, span, first);
                        }
                        seen.push(known);
                        self.known_edition(name, os, known, span);
                        continue;
                    }
                };
                let span = self.at(&["oses", name, "editions", &index, "name"]).value;
                if !is_label(&edition.name) {
                    self.push(
                        Diagnostic::error(
                            Code::BadName,
                            format!("edition name `{}` is not valid", edition.name),
                            span,
                            "becomes part of a Packer label",
                        )
                        .with_help(format!(
                            "use lowercase letters, digits and `-`, for example `{}`",
                            suggest_label(&edition.name)
                        )),
                    );
                }
                if let Some(first) = seen.iter().position(|n| *n == edition.name) {
                    self.duplicate_edition(name, &edition.name, span, first);
                }
                seen.push(&edition.name);
                for (j, platform) in edition.platforms.iter().enumerate() {
                    if !os.platforms.contains(platform) {
                        let j = j.to_string();
                        self.push(
                            Diagnostic::error(
                                Code::UnknownReference,
                                format!(
                                    "edition `{}` targets `{}`, which OS `{name}` is not built on",
                                    edition.name,
                                    platform.as_str()
                                ),
                                self.at(&["oses", name, "editions", &index, "platforms", &j])
                                    .value,
                                "not in the OS's `platforms`",
                            )
                            .with_help(format!(
                                "add `{}` to the OS's `platforms`, or remove it here",
                                platform.as_str()
                            )),
                        );
                    }
                }
            }
        } else if !os.editions.is_empty() {
            self.push(
                Diagnostic::error(
                    Code::WrongFamily,
                    format!(
                        "OS `{name}` is {} and cannot have `editions`",
                        os.family().as_str()
                    ),
                    self.key_span(&["oses", name, "editions"]),
                    "editions are for Windows",
                )
                .with_help(format!(
                    "remove `editions`, or define one OS per {} variant",
                    title(os.family())
                )),
            );
        }
    }

    /// An edition named twice.
    fn duplicate_edition(&mut self, name: &str, edition: &str, span: Span, first: usize) {
        let first_index = first.to_string();
        let first = self.at(&["oses", name, "editions", &first_index]);
        self.push(
            Diagnostic::error(
                Code::DuplicateItem,
                format!("OS `{name}` has two editions named `{edition}`"),
                span,
                "defined again here",
            )
            .with_secondary(first.key_or_value(), "first defined here"),
        );
    }

    /// An edition named by its short name must be one of the release's, and built on one of
    /// the OS's platforms at least.
    fn known_edition(&mut self, name: &str, os: &Os, edition: &str, span: Span) {
        let known = os.known_editions();
        let Some(found) = known.iter().find(|e| e.name == edition) else {
            let names = known.iter().map(|e| e.name);
            let help = match os.known() {
                // A close name's did-you-mean (below) replaces this help.
                Some(release) if !known.is_empty() => format!(
                    "the editions of `{}` are {}",
                    release.name,
                    prose_list(&names.collect::<Vec<_>>())
                ),
                _ => format!(
                    "describe the edition in full (`{{ name: {edition}, image_name: <its name in install.wim> }}`), or name the OS's release with `release:`"
                ),
            };
            let message = match os.known() {
                Some(release) if !known.is_empty() => {
                    format!(
                        "OS `{name}` names edition `{edition}`, which {} does not have",
                        release.description
                    )
                }
                _ => format!(
                    "OS `{name}` names edition `{edition}`, but it is no release of the OS catalogue"
                ),
            };
            self.push(
                Diagnostic::error(Code::UnknownReference, message, span, "no such edition")
                    .with_help(help)
                    .with_did_you_mean(edition, known.iter().map(|e| e.name)),
            );
            return;
        };
        if found.for_platforms(&os.platforms).is_none() {
            self.push(
                Diagnostic::error(
                    Code::Unsupported,
                    format!("edition `{edition}` of OS `{name}` has no Azure Marketplace image, and the OS is built on Azure only"),
                    span,
                    "not on Azure",
                )
                .with_help("add `proxmox` or `vsphere` to the OS's `platforms`, or pick an edition Azure publishes"),
            );
        }
    }

    /// A spec layer that turns off what the release requires, once per place, naming every
    /// platform it turns it off on.
    fn required_hardware(
        &mut self,
        name: &str,
        os: &Os,
        release: &Release,
        windows: &WindowsRelease,
    ) {
        let spec = self.cx.spec;
        let needs = &windows.hardware;
        // (field, place) -> the platforms it is turned off on.
        let mut off: BTreeMap<(&str, Span), Vec<&str>> = BTreeMap::new();
        for platform in os.platforms.iter().copied().filter(|p| self.configured(*p)) {
            let hw = hardware(spec, os, platform);
            let mut missing = Vec::new();
            if needs.tpm == Some(true) && hw.tpm != Some(true) {
                missing.push("tpm");
            }
            if needs.secure_boot == Some(true) && hw.secure_boot != Some(true) {
                missing.push("secure_boot");
            }
            // Azure's firmware is its image's: generation 2, UEFI.
            if needs.firmware == Some(Firmware::Uefi)
                && hw.firmware == Some(Firmware::Bios)
                && platform != PlatformName::Azure
            {
                missing.push("firmware");
            }
            for field in missing {
                let span = spec_hardware_layers(spec, name, os, platform)
                    .into_iter()
                    .rev()
                    .find_map(|(mut path, _)| {
                        path.push(field);
                        self.cx.tree.locate(&super::ptr(&path))
                    })
                    .map_or_else(|| self.key_span(&["oses", name]), |at| at.key_or_value());
                off.entry((field, span))
                    .or_default()
                    .push(platform.as_str());
            }
        }
        for ((field, span), platforms) in off {
            let need = match field {
                "firmware" => "UEFI firmware",
                "tpm" => "a TPM 2.0",
                _ => "Secure Boot",
            };
            self.push(
                Diagnostic::error(
                    Code::Conflict,
                    format!(
                        "{} needs {need}, which OS `{name}` does not get on {}",
                        release.description,
                        prose_list(&platforms)
                    ),
                    span,
                    if field == "firmware" { "BIOS set here" } else { "turned off here" },
                )
                .with_help(format!(
                    "remove this setting: {} gets UEFI, Secure Boot and a TPM 2.0 on every platform without a line of the spec",
                    release.description
                )),
            );
        }
    }

    /// An answer file of the OS's own (`builds/<os>/` or `templates:`) that reads the VirtIO
    /// drivers from another release's folder (`\2k22\` on Windows Server 2025): Windows Setup
    /// would load drivers built for another Windows, or none.
    fn driver_folders(&mut self, name: &str, os: &Os, release: &Release, windows: &WindowsRelease) {
        let kind = crate::installer::kind(Installer::Autounattend);
        for own in self.own_templates(name, os, kind) {
            let Some((line, folder, owner)) = foreign_driver_folder(&own.text, windows.drivers)
            else {
                continue;
            };
            let (path, span) = (own.path, own.span);
            self.push(
                Diagnostic::error(
                    Code::Conflict,
                    format!(
                        "`{path}` line {line} reads VirtIO drivers from `\\{folder}\\`, the folder of {owner}, but OS `{name}` is {}",
                        release.description
                    ),
                    span,
                    format!("answer file of {}", release.description),
                )
                .with_help(format!(
                    "write `\\${{release.drivers}}\\` (here `{}`) instead of `\\{folder}\\`",
                    windows.drivers
                )),
            );
        }
    }
}

/// The first line (from 1) of `text` that names another release's VirtIO driver folder as a
/// path component, with the folder and the releases it belongs to.
fn foreign_driver_folder(text: &str, own: &str) -> Option<(usize, &'static str, String)> {
    let folders: Vec<&'static str> = crate::release::all()
        .filter_map(|r| r.windows.map(|w| w.drivers))
        .filter(|folder| !folder.eq_ignore_ascii_case(own))
        .collect();
    for (i, line) in text.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        for folder in &folders {
            if lower.contains(&format!("\\{folder}\\")) {
                let owners: Vec<&str> = crate::release::all()
                    .filter(|r| r.windows.is_some_and(|w| w.drivers == *folder))
                    .map(|r| r.description)
                    .collect();
                return Some((i + 1, folder, crate::diagnostic::words(&owners, "and")));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::foreign_driver_folder;
    use crate::diagnostic::SourceFile;
    use crate::platform::{HardwareOrigin, hardware, hardware_layers};
    use crate::spec::{Firmware, PlatformName};

    /// An OS of Windows 11 gets UEFI, Secure Boot and a TPM on every platform from its
    /// release's layer, the lowest, without a hardware line in the spec.
    #[test]
    fn windows_11_gets_its_requirements_on_every_platform() {
        let spec = r#"
version: 1
platforms:
  proxmox:
    builder: clone
    endpoint: https://pve.example.com:8006/api2/json
    username: packer@pve!packer
    token: { env: PROXMOX_TOKEN }
    node: pve1
    vm_storage_pool: local-lvm
  vsphere:
    builder: clone
    endpoint: vcenter.example.com
    username: packer@vsphere.local
    password: { env: VSPHERE_PASSWORD }
    datacenter: dc1
    cluster: cluster1
    datastore: datastore1
    network: VM Network
oses:
  windows-11:
    platforms: [proxmox, vsphere]
    proxmox: { clone_vm: windows-11 }
    vsphere: { template: templates/windows-11, guest_os_type: windows9_64Guest }
"#;
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let loaded = crate::check(SourceFile::new("hybrid.yaml", spec), root)
            .unwrap_or_else(|e| panic!("the spec is valid: {e:?}"));
        let os = &loaded.spec.oses["windows-11"];
        for platform in [PlatformName::Proxmox, PlatformName::Vsphere] {
            let hw = hardware(&loaded.spec, os, platform);
            assert_eq!(
                (hw.firmware, hw.tpm, hw.secure_boot),
                (Some(Firmware::Uefi), Some(true), Some(true)),
                "{}",
                platform.as_str()
            );
            let layers = hardware_layers(&loaded.spec, "windows-11", os, platform);
            assert_eq!(layers[0].0, HardwareOrigin::Release("windows-11"));
        }
    }

    #[test]
    fn another_releases_driver_folder_is_found_on_its_line() {
        let text = "<Path>E:\\viostor\\2k25\\amd64</Path>\n<Path>E:\\NetKVM\\2K22\\amd64</Path>\n";
        assert_eq!(
            foreign_driver_folder(text, "2k25"),
            Some((2, "2k22", "Windows Server 2022".to_owned()))
        );
        assert_eq!(foreign_driver_folder(text, "2k22").map(|f| f.0), Some(1));
        assert_eq!(
            foreign_driver_folder("E:\\viostor\\${release.drivers}\\amd64", "w11"),
            None
        );
    }
}
