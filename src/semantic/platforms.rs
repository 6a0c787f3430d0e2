//! The `platforms` section and the builders each OS uses on them: placement, outputs, ISO locations
//! and checksums, clone sources, and the Azure OS disk.

use super::{Checker, static_sources};
use crate::catalogue::Component;
use crate::diagnostic::{Code, Diagnostic};
use crate::platform::{
    DEFAULT_DISK_GB, azure_image_disk_gb, builder_of, component, default_builder,
};
use crate::release::OsFacts;
use crate::spec::{BuilderKind, Iso, Options, Os, PlatformName, VsphereTemplate};

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
        if targets(PlatformName::Vsphere)
            && os
                .vsphere
                .as_ref()
                .and_then(|v| v.guest_os_type.as_ref())
                .is_none()
        {
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
                .with_help("add `vsphere: { guest_os_type: ubuntu64Guest }` (the identifier vSphere uses for this OS)"),
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
        if targets(PlatformName::Azure) && os.azure_image.is_none() {
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

    /// Azure refuses an OS disk smaller than the image's ("smaller than the size of the
    /// corresponding disk in the VM image"): a smaller `disk_gb` is not written for Azure, and
    /// said here, at the line that sets it.
    pub(super) fn azure_disk(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let Some(image) = &os.azure_image else { return };
        if !os.platforms.contains(&PlatformName::Azure) || !self.configured(PlatformName::Azure) {
            return;
        }
        let (disk, at) = match (os.hardware.disk_gb, spec.defaults.hardware.disk_gb) {
            (Some(d), _) => (d, vec!["oses", name, "hardware", "disk_gb"]),
            (None, Some(d)) => (d, vec!["defaults", "hardware", "disk_gb"]),
            (None, None) => (DEFAULT_DISK_GB, vec!["oses", name]),
        };
        let mut skus: Vec<&str> = if crate::family::facts(os.family()).per_edition {
            os.editions
                .iter()
                .filter(|e| e.platforms.is_empty() || e.platforms.contains(&PlatformName::Azure))
                .map(|e| e.azure_sku.as_deref().unwrap_or(&image.sku))
                .collect()
        } else {
            vec![image.sku.as_str()]
        };
        skus.dedup();
        for sku in skus {
            if let Some(size) = azure_image_disk_gb(&image.publisher, sku)
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
