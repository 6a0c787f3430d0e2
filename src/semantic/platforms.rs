//! The `platforms` section and the builders each OS uses on them: placement, outputs, ISO locations
//! and checksums, clone sources, the Azure OS disk, and what a TPM and Secure Boot need.

use super::{Checker, static_sources};
use crate::catalogue::Component;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::platform::{
    DEFAULT_DISK_GB, azure_image_disk_gb, azure_image_generation, builder_of, component,
    default_builder, hardware, spec_hardware_layers,
};
use crate::release::OsFacts;
use crate::spec::{
    AzureImage, BuilderKind, EditionEntry, Firmware, Iso, Options, Os, PlatformName,
    VsphereTemplate,
};

impl Checker<'_, '_> {
    pub(super) fn platforms(&mut self) {
        let spec = self.cx.spec;
        if let Err(problem) =
            crate::version::VersionConstraint::parse(&spec.packer.required_version)
        {
            self.push(
                Diagnostic::error(
                    Code::BadFormat,
                    "`packer.required_version` is not a version constraint",
                    self.at(&["packer", "required_version"]).value,
                    problem,
                )
                .with_help("for example `\">= 1.11.0\"`, or `\"~> 1.11\"` (operators `=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`, comma-separated)"),
            );
        }
        if let Some(virtio) = spec
            .platforms
            .proxmox
            .as_ref()
            .and_then(|p| p.virtio_iso.as_ref())
        {
            self.iso_values(virtio, &["platforms", "proxmox", "virtio_iso"]);
        }
        let networks = std::iter::once((
            vec!["defaults".to_owned(), "network".to_owned()],
            &spec.defaults.network,
        ))
        .chain(spec.environments.iter().map(|(name, env)| {
            (
                vec![
                    "environments".to_owned(),
                    name.clone(),
                    "network".to_owned(),
                ],
                &env.network,
            )
        }));
        let sources = static_sources(spec);
        for (at, network) in networks {
            let Some(network) = network else { continue };
            let base: Vec<&str> = at.iter().map(String::as_str).collect();
            self.network(&base, network, &sources);
        }
        if let Some(vsphere) = &spec.platforms.vsphere
            && vsphere.cluster.is_none()
            && vsphere.host.is_none()
        {
            self.push(
                Diagnostic::error(
                    Code::MissingPlacement,
                    "vSphere needs a `cluster` or a `host` to run the build VM on",
                    self.key_span(&["platforms", "vsphere"]),
                    "neither `cluster` nor `host` is set",
                )
                .with_help("add `cluster: <name>` (or `host: <esxi host>`)"),
            );
        }
        if let Some(vsphere) = &spec.platforms.vsphere
            && vsphere.output.template == VsphereTemplate::Convert
            && vsphere.output.content_library.is_some()
        {
            self.push(
                Diagnostic::error(
                    Code::Conflict,
                    "vSphere cannot convert the VM to a template and also import it into a content library",
                    self.key_span(&["platforms", "vsphere", "output", "content_library"]),
                    "the builder imports the VM here",
                )
                .with_secondary(self.key_span(&["platforms", "vsphere", "output", "template"]), "and converts it here")
                .with_help("use `template: post-processor` (marks the VM as a template after the import) or `template: none`"),
            );
        }
        if let Some(azure) = &spec.platforms.azure {
            if azure.output.managed_image.is_none() && azure.output.gallery.is_none() {
                self.push(
                    Diagnostic::error(
                        Code::NoOutput,
                        "the Azure output has neither a managed image nor a gallery",
                        self.key_span(&["platforms", "azure", "output"]),
                        "produces nothing",
                    )
                    .with_help(
                        "add `managed_image: { resource_group: ... }` and/or `gallery: { ... }`",
                    ),
                );
            }
            // A fixed version exists after the first build: packer-plugin-azure v2.6.3
            // `builder/azure/arm/builder.go` (`Run`) refuses it without `-force`.
            let fixed = azure
                .output
                .gallery
                .as_ref()
                .and_then(|g| g.version.as_ref())
                .map(|_| vec!["platforms", "azure", "output", "gallery", "version"])
                .into_iter()
                .chain(spec.environments.iter().filter_map(|(env, e)| {
                    e.platforms.azure.as_ref()?.gallery_version.as_ref()?;
                    Some(vec![
                        "environments",
                        env.as_str(),
                        "platforms",
                        "azure",
                        "gallery_version",
                    ])
                }))
                .collect::<Vec<_>>();
            for tokens in fixed {
                self.push(
                    Diagnostic::warning(
                        Code::FixedVersion,
                        "a fixed gallery image version can be published only once",
                        self.key_span(&tokens),
                        "every build after the first fails unless Packer runs with `-force`, which deletes this version first",
                    )
                    .with_help("leave the version out: each build then publishes a new one from its UTC time (`2026.1130.84512`)"),
                );
            }
            match (&azure.location, &azure.build_resource_group) {
                (Some(_), Some(_)) => self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        "Azure takes `location` or `build_resource_group`, not both",
                        self.key_span(&["platforms", "azure", "build_resource_group"]),
                        "builds in this existing group",
                    )
                    .with_secondary(self.key_span(&["platforms", "azure", "location"]), "and also creates one here")
                    .with_help("remove one of them: `location` creates a temporary resource group, `build_resource_group` reuses one"),
                ),
                (None, None) => self.push(
                    Diagnostic::error(
                        Code::MissingPlacement,
                        "Azure needs a `location` or a `build_resource_group`",
                        self.key_span(&["platforms", "azure"]),
                        "neither is set",
                    )
                    .with_help("add `location: westeurope` (or the name of an existing resource group)"),
                ),
                _ => {}
            }
        }
        // Platform-wide options are checked against every builder the platform's OSes use.
        let options: [(PlatformName, Option<&Options>); 3] = [
            (
                PlatformName::Proxmox,
                spec.platforms.proxmox.as_ref().map(|p| &p.options),
            ),
            (
                PlatformName::Vsphere,
                spec.platforms.vsphere.as_ref().map(|p| &p.options),
            ),
            (
                PlatformName::Azure,
                spec.platforms.azure.as_ref().map(|p| &p.options),
            ),
        ];
        for (platform, options) in options {
            let Some(options) = options else { continue };
            let mut components: Vec<Component> = spec
                .oses
                .values()
                .filter(|os| os.platforms.contains(&platform))
                .map(|os| component(platform, builder_of(spec, os, platform)))
                .collect();
            components.sort();
            components.dedup();
            if components.is_empty() {
                components.push(component(platform, default_builder(spec, platform)));
            }
            for c in components {
                self.options(options, &["platforms", platform.as_str(), "options"], c);
            }
        }
        for (name, os) in &spec.oses {
            self.security(name, os);
        }
    }

    /// What Packer's download of an ISO needs of `url` and `checksum`: a scheme its getter
    /// knows, or a local path; a digest as long as its algorithm's.
    pub(super) fn iso_values(&mut self, iso: &Iso, base: &[&str]) {
        let at = |key: &'static str| {
            let mut tokens = base.to_vec();
            tokens.push(key);
            tokens
        };
        if let Some(url) = &iso.url
            && let Some((problem, help)) = iso_url_problem(url)
        {
            self.push(
                Diagnostic::error(
                    Code::BadUrl,
                    format!("`{url}` is not an ISO location Packer can read"),
                    self.at(&at("url")).value,
                    problem,
                )
                .with_help(help),
            );
        }
        if let Some(checksum) = &iso.checksum
            && let Some((algorithm, digest)) = checksum.split_once(':')
            && let Some(length) = digest_length(algorithm)
            && digest.len() != length
        {
            self.push(
                Diagnostic::error(
                    Code::BadChecksum,
                    format!("a {algorithm} digest has {length} hex digits, this one {}", digest.len()),
                    self.at(&at("checksum")).value,
                    "wrong length for its algorithm",
                )
                .with_help("copy the digest again from the distribution's checksum file (`SHA256SUMS`), or use `file:<url of that file>`"),
            );
        }
    }

    pub(super) fn builders(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let configured = PlatformName::ALL.map(|p| os.platforms.contains(&p) && self.configured(p));
        let targets = |p: PlatformName| configured[p as usize];
        if let Some(proxmox) = &os.proxmox {
            let builder = builder_of(spec, os, PlatformName::Proxmox);
            match (builder, &proxmox.clone_vm) {
                (BuilderKind::Clone, None) if targets(PlatformName::Proxmox) => self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("OS `{name}` clones on Proxmox but names no VM to clone"),
                        self.key_span(&["oses", name, "proxmox"]),
                        "clone builder without `clone_vm`",
                    )
                    .with_help("add `clone_vm: <name of the VM or template>`"),
                ),
                (BuilderKind::Iso, Some(_)) => self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        format!(
                            "OS `{name}` names a VM to clone but builds from an ISO on Proxmox"
                        ),
                        self.key_span(&["oses", name, "proxmox", "clone_vm"]),
                        "only used by the clone builder",
                    )
                    .with_help("add `builder: clone`, or remove `clone_vm`"),
                ),
                _ => {}
            }
            let c = component(PlatformName::Proxmox, builder);
            self.options(&proxmox.options, &["oses", name, "proxmox", "options"], c);
        } else if targets(PlatformName::Proxmox)
            && builder_of(spec, os, PlatformName::Proxmox) == BuilderKind::Clone
        {
            self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("OS `{name}` clones on Proxmox but names no VM to clone"),
                    self.key_span(&["oses", name]),
                    "the Proxmox platform uses the clone builder",
                )
                .with_help("add `proxmox: { clone_vm: <name of the VM or template> }`"),
            );
        }
        if targets(PlatformName::Vsphere) && os.guest_os_type().is_none() {
            self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("OS `{name}` is built on vSphere but has no `guest_os_type`"),
                    if os.vsphere.is_some() {
                        self.key_span(&["oses", name, "vsphere"])
                    } else {
                        self.key_span(&["oses", name])
                    },
                    "vSphere needs the guest OS identifier",
                )
                .with_help(if os.arch() == crate::spec::Arch::Arm64 {
                    "add `vsphere: { guest_os_type: ... }`, the arm64 identifier your ESXi-Arm host lists for this OS (an `arm-` one): the catalogue's are x86-64 ones"
                } else {
                    "add `vsphere: { guest_os_type: ubuntu64Guest }` (the identifier vSphere uses for this OS)"
                }),
            );
        }
        if let Some(vsphere) = &os.vsphere {
            let builder = builder_of(spec, os, PlatformName::Vsphere);
            match (builder, &vsphere.template) {
                (BuilderKind::Clone, None) if targets(PlatformName::Vsphere) => self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("OS `{name}` clones on vSphere but names no template"),
                        self.key_span(&["oses", name, "vsphere"]),
                        "clone builder without `template`",
                    )
                    .with_help("add `template: <path of the template to clone>`"),
                ),
                (BuilderKind::Iso, Some(_)) => self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        format!("OS `{name}` names a template to clone but builds from an ISO on vSphere"),
                        self.key_span(&["oses", name, "vsphere", "template"]),
                        "only used by the clone builder",
                    )
                    .with_help("add `builder: clone`, or remove `template`"),
                ),
                _ => {}
            }
            let c = component(PlatformName::Vsphere, builder);
            self.options(&vsphere.options, &["oses", name, "vsphere", "options"], c);
        }
        if targets(PlatformName::Azure) && os.azure_image().is_none() {
            self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("OS `{name}` is built on Azure but has no `azure_image`"),
                    self.key_span(&["oses", name]),
                    "Azure builds start from a Marketplace image",
                )
                .with_help("add `azure_image: { publisher: ..., offer: ..., sku: ... }`"),
            );
        }
        if let Some(azure) = &os.azure {
            self.options(
                &azure.options,
                &["oses", name, "azure", "options"],
                Component::AzureArm,
            );
        }
        for (platform, settings_given) in [
            (PlatformName::Proxmox, os.proxmox.is_some()),
            (PlatformName::Vsphere, os.vsphere.is_some()),
            (PlatformName::Azure, os.azure.is_some()),
        ] {
            if settings_given && !targets(platform) {
                self.push(
                    Diagnostic::warning(
                        Code::Unused,
                        format!(
                            "OS `{name}` has `{}` settings but does not target {}",
                            platform.as_str(),
                            platform.as_str()
                        ),
                        self.key_span(&["oses", name, platform.as_str()]),
                        "never used",
                    )
                    .with_help(format!(
                        "add `{}` to `platforms`, or remove these settings",
                        platform.as_str()
                    )),
                );
            }
        }
    }

    /// What TPM and Secure Boot need of each platform an OS is built on: UEFI firmware
    /// (Proxmox's Secure Boot is OVMF's; vSphere's vTPM and Secure Boot are EFI's), no OVF
    /// export of a vTPM on vSphere, and on Azure Trusted Launch, which azure-arm does not
    /// capture as a managed image and Azure runs from generation 2 images only.
    pub(super) fn security(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let platforms: Vec<PlatformName> = os
            .platforms
            .iter()
            .copied()
            .filter(|p| self.configured(*p))
            .collect();
        let required_uefi = os
            .known()
            .and_then(|r| r.windows)
            .is_some_and(|w| w.hardware.firmware == Some(Firmware::Uefi));
        let mut found = Vec::new();
        for platform in platforms {
            let hw = hardware(spec, os, platform);
            let on = |value: Option<bool>| value == Some(true);
            let asked: Vec<&str> = [("tpm", on(hw.tpm)), ("secure_boot", on(hw.secure_boot))]
                .into_iter()
                .filter_map(|(field, on)| on.then_some(field))
                .collect();
            let Some(first) = asked.first().copied() else {
                continue;
            };
            let at = |field: &str| self.hardware_span(name, os, platform, field);
            let on_platform = format!("`{}`", platform.as_str());
            match platform {
                // A release that requires UEFI says so itself (`semantic::windows`).
                PlatformName::Proxmox | PlatformName::Vsphere
                    if hw.firmware == Some(Firmware::Bios) && required_uefi => {}
                PlatformName::Proxmox | PlatformName::Vsphere
                    if hw.firmware == Some(Firmware::Bios) =>
                {
                    // Proxmox's TPM state works with SeaBIOS too, its Secure Boot is OVMF's;
                    // vSphere's vTPM and Secure Boot both need EFI firmware.
                    for field in asked
                        .iter()
                        .filter(|f| platform == PlatformName::Vsphere || **f == "secure_boot")
                    {
                        found.push(
                            Diagnostic::error(
                                Code::Conflict,
                                format!("OS `{name}` asks for `{field}` with BIOS firmware on {on_platform}"),
                                at(field),
                                format!("needs UEFI firmware on {on_platform}"),
                            )
                            .with_secondary(at("firmware"), "BIOS firmware is set here")
                            .with_help(format!("set `firmware: uefi`, or turn `{field}` off for this OS")),
                        );
                    }
                }
                PlatformName::Vsphere => {
                    let ovf = spec
                        .platforms
                        .vsphere
                        .as_ref()
                        .and_then(|v| v.output.content_library.as_ref())
                        .is_some_and(|l| l.ovf);
                    if asked.contains(&"tpm") && ovf {
                        found.push(
                            Diagnostic::error(
                                Code::Conflict,
                                format!("OS `{name}` gets a vTPM, which vCenter does not export to an OVF template"),
                                at("tpm"),
                                "a vTPM on vSphere",
                            )
                            .with_secondary(
                                self.ovf_span(),
                                "the VM is exported as an OVF template here",
                            )
                            .with_help("import a VM template into the content library instead (`ovf: false`), or leave `tpm` off for this OS: vsphere 2.0.0 cannot remove the vTPM before the export"),
                        );
                    }
                }
                PlatformName::Azure => {
                    if spec
                        .platforms
                        .azure
                        .as_ref()
                        .is_some_and(|a| a.output.managed_image.is_some())
                    {
                        found.push(
                            Diagnostic::error(
                                Code::Unsupported,
                                format!("OS `{name}` needs Trusted Launch on Azure, which azure-arm cannot capture as a managed image"),
                                at(first),
                                "Trusted Launch on Azure",
                            )
                            .with_secondary(
                                self.key_span(&["platforms", "azure", "output", "managed_image"]),
                                "a managed image is captured here",
                            )
                            .with_help("publish to the gallery only (remove `managed_image`), into an image definition whose security type is `TrustedLaunch`"),
                        );
                    }
                    let Some(image) = os.azure_image() else {
                        continue;
                    };
                    for (sku, path) in azure_skus(name, os, &image) {
                        if azure_image_generation(&image.publisher, &sku) == Some(1) {
                            let path: Vec<&str> = path.iter().map(String::as_str).collect();
                            found.push(
                                Diagnostic::error(
                                    Code::Unsupported,
                                    format!("OS `{name}` needs Trusted Launch on Azure, which the generation 1 image `{}:{}:{sku}` cannot run", image.publisher, image.offer),
                                    at(first),
                                    "Trusted Launch on Azure",
                                )
                                .with_secondary(self.at(&path).value, "a generation 1 image")
                                .with_help("use the image's generation 2 SKU (Windows Server's end in `-g2`)"),
                            );
                        }
                    }
                }
                PlatformName::Proxmox => {}
            }
        }
        self.out.extend(found);
    }

    /// Where the spec asks for an OVF template: `ovf`, else the content library (whose
    /// default it is).
    fn ovf_span(&self) -> Span {
        let library = ["platforms", "vsphere", "output", "content_library"];
        let mut ovf = library.to_vec();
        ovf.push("ovf");
        self.cx
            .tree
            .locate(&super::ptr(&ovf))
            .map_or_else(|| self.key_span(&library), |found| found.key_or_value())
    }

    /// Where the spec sets the `hardware` field that an OS's builds on a platform use: the
    /// key in the last layer that writes it, else the OS's.
    fn hardware_span(&self, name: &str, os: &Os, platform: PlatformName, field: &str) -> Span {
        spec_hardware_layers(self.cx.spec, name, os, platform)
            .into_iter()
            .rev()
            .find_map(|(mut path, _)| {
                path.push(field);
                self.cx.tree.locate(&super::ptr(&path))
            })
            .map_or_else(
                || self.key_span(&["oses", name]),
                |found| found.key_or_value(),
            )
    }

    /// Azure refuses an OS disk smaller than the image's ("smaller than the size of the
    /// corresponding disk in the VM image"): a smaller `disk_gb` is not written for Azure, and
    /// said here, at the line that sets it.
    pub(super) fn azure_disk(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let Some(image) = os.azure_image() else {
            return;
        };
        if !os.platforms.contains(&PlatformName::Azure) || !self.configured(PlatformName::Azure) {
            return;
        }
        let (disk, at) = match (os.hardware.disk_gb, spec.defaults.hardware.disk_gb) {
            (Some(d), _) => (d, vec!["oses", name, "hardware", "disk_gb"]),
            (None, Some(d)) => (d, vec!["defaults", "hardware", "disk_gb"]),
            (None, None) => (DEFAULT_DISK_GB, vec!["oses", name]),
        };
        for (sku, _) in azure_skus(name, os, &image) {
            if let Some(size) = azure_image_disk_gb(&image.publisher, &sku)
                && disk < size
            {
                self.push(
                    Diagnostic::warning(
                        Code::DiskBelowImage,
                        format!(
                            "OS `{name}` asks for a {disk} GiB disk, smaller than the {size} GiB OS disk of the Azure image `{}:{}:{sku}`",
                            image.publisher, image.offer
                        ),
                        self.at(&at).key_or_value(),
                        "Azure refuses a disk smaller than the image's",
                    )
                    .with_help(format!(
                        "the image's {size} GiB is used on Azure; to silence this, set `disk_gb: {size}` or more"
                    )),
                );
            }
        }
    }
}

/// The Marketplace SKUs an OS's Azure builds start from, once each, with the path of the
/// spec value that names each: the image's SKU, or a Windows edition's own.
fn azure_skus(name: &str, os: &Os, image: &AzureImage) -> Vec<(String, Vec<String>)> {
    let path = |tokens: &[&str]| -> Vec<String> {
        let mut path = vec!["oses".to_owned(), name.to_owned()];
        path.extend(tokens.iter().map(|t| (*t).to_owned()));
        path
    };
    let image_sku = || (image.sku.clone(), path(&["azure_image", "sku"]));
    let mut skus: Vec<(String, Vec<String>)> = if crate::family::facts(os.family()).per_edition {
        os.edition_entries()
            .into_iter()
            .filter(|(_, e)| e.platforms.is_empty() || e.platforms.contains(&PlatformName::Azure))
            .map(|(i, e)| {
                let Some(sku) = e.azure_sku else {
                    return image_sku();
                };
                // An edition named from the catalogue takes its SKU from there: the name says it.
                let at = match i.map(|i| (i.to_string(), &os.editions[i])) {
                    Some((i, EditionEntry::Full(_))) => path(&["editions", &i, "azure_sku"]),
                    Some((i, EditionEntry::Known(_))) => path(&["editions", &i]),
                    None => path(&[]),
                };
                (sku, at)
            })
            .collect()
    } else {
        vec![image_sku()]
    };
    skus.dedup_by(|a, b| a.0 == b.0);
    skus
}

/// The hex digits of a digest, by the algorithm prefixes Packer's `iso_checksum` takes.
pub(super) fn digest_length(algorithm: &str) -> Option<usize> {
    match algorithm {
        "md5" => Some(32),
        "sha1" => Some(40),
        "sha256" => Some(64),
        "sha512" => Some(128),
        _ => None,
    }
}

/// Why an `iso.url` cannot work, with a fix, or `None`. Packer's getter (hashicorp/go-getter)
/// takes the schemes below and local paths; a URL without its scheme (`releases.ubuntu.com/...`)
/// would be read as a local path, and text with spaces is no location at all.
pub fn iso_url_problem(url: &str) -> Option<(String, String)> {
    const SCHEMES: [&str; 7] = ["http", "https", "ftp", "file", "s3", "gcs", "smb"];
    if url.trim() != url || url.chars().any(char::is_whitespace) {
        return Some((
            "contains spaces".into(),
            "give the ISO's URL (`https://...`) or a local path without spaces".into(),
        ));
    }
    if let Some((scheme, _)) = url.split_once("://") {
        let lower = scheme.to_ascii_lowercase();
        if !SCHEMES.contains(&lower.as_str()) {
            let close = crate::diagnostic::closest(&lower, SCHEMES.iter().copied());
            return Some((
                format!("unknown scheme `{scheme}`"),
                match close {
                    Some(c) => format!("did you mean `{c}://`?"),
                    None => format!(
                        "use one of {}",
                        SCHEMES.map(|s| format!("`{s}://`")).join(", ")
                    ),
                },
            ));
        }
        return None;
    }
    let first = url.split('/').next().unwrap_or_default();
    if url.contains('/') && first.contains('.') && first != "." && first != ".." {
        return Some((
            format!("`{first}` looks like a host name, but there is no scheme"),
            format!("write `https://{url}`"),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_locations_packer_reads_pass_others_say_why() {
        for ok in [
            "https://releases.ubuntu.com/24.04.5/ubuntu.iso",
            "HTTP://mirror/x.iso",
            "file:///srv/isos/x.iso",
            "/srv/isos/x.iso",
            "./isos/x.iso",
            "isos/x.iso",
            "ubuntu.iso",
            "../x.iso",
        ] {
            assert_eq!(iso_url_problem(ok), None, "{ok}");
        }
        for (bad, help) in [
            ("htps://releases.ubuntu.com/x.iso", "https://"),
            (
                "releases.ubuntu.com/24.04/x.iso",
                "https://releases.ubuntu.com",
            ),
            ("see the Ubuntu download page", "without spaces"),
            ("gopher://x/y.iso", "use one of"),
        ] {
            let (_, fix) = iso_url_problem(bad).unwrap_or_else(|| panic!("{bad} is refused"));
            assert!(fix.contains(help), "{bad}: {fix}");
        }
    }

    #[test]
    fn digests_have_their_algorithms_length() {
        assert_eq!(digest_length("sha256"), Some(64));
        assert_eq!(digest_length("sha512"), Some(128));
        assert_eq!(digest_length("md5"), Some(32));
        assert_eq!(digest_length("sha1"), Some(40));
        assert_eq!(digest_length("file"), None);
    }
}
