//! The OS catalogue: every OS release hybridc knows, declared once as data, with the facts its
//! installer templates and its sources take from it. An entry of `oses` whose key is a release's
//! name (or that names one with `release:`) inherits its installer, its family and these facts;
//! the templates under `installers/<kind>/` are shared by every release of that kind and read
//! the facts as template variables, so a new version of a known distribution is a catalogue
//! entry, not a copied template.
//!
//! Data only: lowering and the semantic checks read an entry; nothing matches on a release.

use std::borrow::Cow;

use crate::installer::{self, InstallerKind};
use crate::spec::{
    Arch, AzureImage, Edition, EditionEntry, Family, Hardware, Installer, PlatformName,
};

/// One OS release.
#[derive(Debug, PartialEq)]
pub struct Release {
    /// Its name, which is also the default build name: `rocky-9`.
    pub name: &'static str,
    /// What it is: `Rocky Linux 9`.
    pub description: &'static str,
    /// Its unattended installer.
    pub installer: Installer,
    /// The distribution, as the installer templates name it: `rocky`.
    pub distribution: &'static str,
    /// The version, as the distribution writes it: `9`, `24.04`, `2022`.
    pub version: &'static str,
    /// The platforms it can be built on.
    pub platforms: &'static [PlatformName],
    /// The package repositories the installer installs from; empty: from the install media.
    pub repositories: &'static [PackageRepository],
    /// vSphere's guest OS identifier.
    pub vsphere_guest_os_type: &'static str,
    /// The Azure Marketplace image its Azure builds start from.
    pub azure_image: Option<MarketplaceImage>,
    /// The facts of a Windows release.
    pub windows: Option<&'static WindowsRelease>,
}

/// A package repository of an installer.
#[derive(Debug, PartialEq, Eq)]
pub struct PackageRepository {
    /// Its name (`BaseOS`); the first one is the installation source.
    pub name: &'static str,
    /// Its URL.
    pub url: &'static str,
}

/// An Azure Marketplace image.
#[derive(Debug, PartialEq, Eq)]
pub struct MarketplaceImage {
    /// Publisher.
    pub publisher: &'static str,
    /// Offer.
    pub offer: &'static str,
    /// SKU.
    pub sku: &'static str,
}

/// What a Windows release adds.
#[derive(Debug, PartialEq)]
pub struct WindowsRelease {
    /// The folder of its drivers on the VirtIO driver ISO (`2k22`, `w11`).
    pub drivers: &'static str,
    /// What its VM must have (Windows 11: UEFI, Secure Boot and a TPM 2.0): the lowest layer
    /// of an OS's `hardware`, which the spec cannot turn off.
    pub hardware: Hardware,
    /// The editions in its installation image.
    pub editions: &'static [KnownEdition],
}

/// A Windows edition in an installation image.
#[derive(Debug, PartialEq, Eq)]
pub struct KnownEdition {
    /// Short name, part of the source name.
    pub name: &'static str,
    /// Its image name in `install.wim`.
    pub image_name: &'static str,
    /// Its Azure Marketplace SKU, under the release's publisher and offer; `None`: Azure
    /// publishes no image of it, and it is not built there.
    pub azure_sku: Option<&'static str>,
    /// Built by an OS that does not pick its editions.
    pub default: bool,
}

impl KnownEdition {
    /// The edition as the spec would describe it for an OS built on `platforms`: on every one
    /// of them, but Azure when Azure has no image of it; `None` when that leaves none.
    pub fn for_platforms(&self, platforms: &[PlatformName]) -> Option<Edition> {
        let on_azure = platforms.contains(&PlatformName::Azure);
        let platforms: Vec<PlatformName> = if on_azure && self.azure_sku.is_none() {
            let rest: Vec<PlatformName> = platforms
                .iter()
                .copied()
                .filter(|p| *p != PlatformName::Azure)
                .collect();
            if rest.is_empty() {
                return None;
            }
            rest
        } else {
            Vec::new()
        };
        Some(Edition {
            name: self.name.to_owned(),
            image_name: self.image_name.to_owned(),
            product_key: None,
            azure_sku: self.azure_sku.map(str::to_owned),
            platforms,
        })
    }
}

impl Release {
    /// Its installer's entry.
    pub fn installer_kind(&self) -> &'static InstallerKind {
        installer::kind(self.installer)
    }

    /// Its family, its installer's.
    pub fn family(&self) -> Family {
        self.installer_kind().family
    }

    /// The x86-64 micro-architecture level its kernel and C library need: 1 is the baseline
    /// (what Proxmox's `kvm64` CPU model offers), 2 and 3 `x86-64-v2` and `x86-64-v3`.
    pub fn x86_64_level(&self) -> u8 {
        linux::X86_64_LEVELS
            .iter()
            .find(|(name, _)| *name == self.name)
            .map_or(1, |(_, level)| *level)
    }

    /// The cloud-init datasource its installer reads an HTTP seed as: `nocloud-net` for the
    /// releases whose media carry a cloud-init older than 24.1, `nocloud` for the others.
    pub fn nocloud_datasource(&self) -> &'static str {
        if linux::NOCLOUD_NET.contains(&self.name) {
            "nocloud-net"
        } else {
            "nocloud"
        }
    }
}

mod arch;
mod linux;
mod photon;
mod suse;
mod windows;

pub use arch::repository_url;

/// Every release hybridc knows, by group: a group is a table of its own, in its own file.
const GROUPS: &[&[Release]] = &[
    linux::RELEASES,
    windows::RELEASES,
    suse::RELEASES,
    photon::RELEASES,
];

/// Every release hybridc knows, in the catalogue's order.
pub fn all() -> impl Iterator<Item = &'static Release> {
    GROUPS.iter().flat_map(|group| group.iter())
}

/// What an OS of the spec is, from its own settings and its release's: the one place that
/// layers the two.
pub trait OsFacts {
    /// The OS's release: the one it names, else the one its key names.
    fn known(&self) -> Option<&'static Release>;
    /// The OS's family: its own, else its release's. `semantic` refuses an OS with neither, so
    /// later stages never see the fallback.
    fn family(&self) -> Family;
    /// The OS's installer: its own, else its release's.
    fn installer(&self) -> Option<Installer>;
    /// What the OS is: its own `description`, else its release's.
    fn description(&self) -> Option<&str>;
    /// The OS's architecture: its own `arch`, else x86-64.
    fn arch(&self) -> Arch;
    /// vSphere's guest OS identifier of the OS: its own `vsphere.guest_os_type`, else its
    /// release's, which is an x86-64 one (an arm64 OS names its own).
    fn guest_os_type(&self) -> Option<&str>;
    /// The Azure Marketplace image the OS's Azure builds start from: its own `azure_image`,
    /// else its release's for the OS's architecture, at version `latest`.
    fn azure_image(&self) -> Option<Cow<'_, AzureImage>>;
    /// The OS's Windows editions: its own, with a named one taken from its release (a name the
    /// release does not know is left out: `semantic` refuses it), else its release's default
    /// editions that can be built on its platforms.
    fn editions(&self) -> Vec<Edition>;
    /// [`OsFacts::editions`], each with the index of the `editions` entry it comes from
    /// (`None`: a default edition of the release).
    fn edition_entries(&self) -> Vec<(Option<usize>, Edition)>;
    /// The editions of the OS's release, when it is a Windows release.
    fn known_editions(&self) -> &'static [KnownEdition];
    /// The package repositories its installer installs from, as `(name, url)`: its own
    /// `repositories`, else its release's for the OS's architecture (none: the install media).
    fn repositories(&self) -> Vec<(&str, Cow<'_, str>)>;
}

impl OsFacts for crate::spec::Os {
    fn known(&self) -> Option<&'static Release> {
        find(self.release.as_deref().unwrap_or(&self.key))
    }

    fn repositories(&self) -> Vec<(&str, Cow<'_, str>)> {
        match &self.repositories {
            Some(own) => own
                .iter()
                .map(|r| (&*r.name, Cow::Borrowed(&*r.url)))
                .collect(),
            None => self
                .known()
                .map_or(&[][..], |r| r.repositories)
                .iter()
                .map(|r| (r.name, Cow::Owned(repository_url(r.url, self.arch()))))
                .collect(),
        }
    }

    fn family(&self) -> Family {
        self.family
            .or(self.known().map(Release::family))
            .unwrap_or(Family::Linux)
    }

    fn installer(&self) -> Option<Installer> {
        self.installer.or(self.known().map(|r| r.installer))
    }

    fn description(&self) -> Option<&str> {
        self.description
            .as_deref()
            .or(self.known().map(|r| r.description))
    }

    fn arch(&self) -> Arch {
        self.arch.unwrap_or(Arch::X86_64)
    }

    fn guest_os_type(&self) -> Option<&str> {
        let own = self
            .vsphere
            .as_ref()
            .and_then(|v| v.guest_os_type.as_deref());
        match self.arch() {
            Arch::X86_64 => own.or(self.known().map(|r| r.vsphere_guest_os_type)),
            Arch::Arm64 => own,
        }
    }

    fn azure_image(&self) -> Option<Cow<'_, AzureImage>> {
        if let Some(own) = &self.azure_image {
            return Some(Cow::Borrowed(own));
        }
        let known = self.known()?.azure_image_for(self.arch())?;
        Some(Cow::Owned(AzureImage {
            publisher: known.publisher.to_owned(),
            offer: known.offer.to_owned(),
            sku: known.sku.to_owned(),
            version: "latest".to_owned(),
        }))
    }

    fn editions(&self) -> Vec<Edition> {
        self.edition_entries().into_iter().map(|(_, e)| e).collect()
    }

    fn edition_entries(&self) -> Vec<(Option<usize>, Edition)> {
        let known = self.known_editions();
        if self.editions.is_empty() {
            return known
                .iter()
                .filter(|e| e.default)
                .filter_map(|e| Some((None, e.for_platforms(&self.platforms)?)))
                .collect();
        }
        self.editions
            .iter()
            .enumerate()
            .filter_map(|(i, entry)| {
                let edition = match entry {
                    EditionEntry::Full(edition) => edition.clone(),
                    EditionEntry::Known(name) => known
                        .iter()
                        .find(|e| e.name == name)?
                        .for_platforms(&self.platforms)?,
                };
                Some((Some(i), edition))
            })
            .collect()
    }

    fn known_editions(&self) -> &'static [KnownEdition] {
        self.known()
            .and_then(|r| r.windows)
            .map_or(&[], |w| w.editions)
    }
}

/// The names of an OS's builds: its own name, or `<name>-<edition>` for each edition when its
/// family is built per edition.
pub fn build_names(name: &str, os: &crate::spec::Os) -> Vec<String> {
    if crate::family::facts(os.family()).per_edition {
        os.editions()
            .iter()
            .map(|e| crate::spec::source_name(name, Some(&e.name)))
            .collect()
    } else {
        vec![name.to_owned()]
    }
}

/// The release named `name`.
pub fn find(name: &str) -> Option<&'static Release> {
    all().find(|r| r.name == name)
}

/// Every release's name, in the catalogue's order.
pub fn names() -> impl Iterator<Item = &'static str> {
    all().map(|r| r.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os_from(key: &str, json: serde_json::Value) -> crate::spec::Os {
        let mut os: crate::spec::Os = serde_json::from_value(json).expect("an OS");
        os.key = key.to_owned();
        os
    }

    /// The OS's own description, guest OS type and Azure image win; without them, its
    /// release's; outside the catalogue, none.
    #[test]
    fn an_os_layers_its_own_facts_over_its_releases() {
        let known = os_from("debian-12", serde_json::json!({ "platforms": ["azure"] }));
        assert_eq!(known.description(), Some("Debian 12 (bookworm)"));
        assert_eq!(known.guest_os_type(), Some("debian12_64Guest"));
        let image = known.azure_image().expect("the release's image");
        assert_eq!(
            (
                image.offer.as_str(),
                image.sku.as_str(),
                image.version.as_str()
            ),
            ("debian-12", "12-gen2", "latest")
        );
        let own = os_from(
            "bookworm",
            serde_json::json!({
                "release": "debian-12",
                "description": "Ours",
                "platforms": ["vsphere"],
                "vsphere": { "guest_os_type": "other5xLinux64Guest" },
                "azure_image": { "publisher": "Debian", "offer": "debian-12", "sku": "12" },
            }),
        );
        assert_eq!(own.description(), Some("Ours"));
        assert_eq!(own.guest_os_type(), Some("other5xLinux64Guest"));
        assert_eq!(
            own.azure_image().map(|i| i.sku.clone()).as_deref(),
            Some("12")
        );
        let unknown = os_from("custom", serde_json::json!({ "platforms": ["proxmox"] }));
        assert_eq!(unknown.description(), None);
        assert_eq!(unknown.guest_os_type(), None);
        assert!(unknown.azure_image().is_none());
    }

    /// Names are unique and usable as build names; every release is built on a platform its
    /// family can be built on and names a repository only for an installer that reads one.
    #[test]
    fn every_release_is_well_formed() {
        let releases: Vec<&Release> = all().collect();
        for (i, release) in releases.iter().enumerate() {
            assert!(
                releases[..i].iter().all(|r| r.name != release.name),
                "{} twice",
                release.name
            );
            assert!(
                release
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                release.name
            );
            assert!(!release.platforms.is_empty(), "{}", release.name);
            assert_eq!(
                release.platforms.contains(&PlatformName::Azure),
                release.azure_image.is_some(),
                "{}: built on Azure exactly when it has a Marketplace image",
                release.name
            );
            assert_eq!(
                release.windows.is_some(),
                release.family() == Family::Windows,
                "{}",
                release.name
            );
            for repository in release.repositories {
                assert!(repository.url.starts_with("https://"), "{}", release.name);
            }
        }
        for (name, _) in linux::X86_64_LEVELS {
            assert!(
                find(name).is_some(),
                "{name} in X86_64_LEVELS is no release"
            );
        }
        assert_eq!(find("rocky-10").map(Release::x86_64_level), Some(3));
        assert_eq!(find("ubuntu-2404").map(Release::x86_64_level), Some(1));
        assert_eq!(find("rocky-9").map(|r| r.version), Some("9"));
        assert_eq!(find("rocky-10-typo"), None);
    }

    /// An OS of `release` built on `platforms`, with the spec's `editions`.
    fn os(release: &str, platforms: &[&str], editions: serde_json::Value) -> crate::spec::Os {
        let mut os: crate::spec::Os = serde_json::from_value(serde_json::json!({
            "platforms": platforms,
            "editions": editions,
        }))
        .expect("an OS");
        os.key = release.to_owned();
        os
    }

    fn names(editions: &[Edition]) -> Vec<(&str, &str, Vec<PlatformName>)> {
        editions
            .iter()
            .map(|e| (e.name.as_str(), e.image_name.as_str(), e.platforms.clone()))
            .collect()
    }

    /// Every Windows release has editions with label names, a default one at least, and an
    /// Azure SKU for each edition Azure publishes under the release's own image.
    #[test]
    fn every_windows_release_has_default_editions() {
        for release in all() {
            let Some(windows) = release.windows else {
                continue;
            };
            assert!(
                windows.editions.iter().any(|e| e.default),
                "{}",
                release.name
            );
            for edition in windows.editions {
                assert!(
                    edition
                        .name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '-'),
                    "{}",
                    edition.name
                );
                assert!(edition.image_name.starts_with(release.description));
            }
            let image = release.azure_image.as_ref().expect("Windows is on Azure");
            assert!(
                windows
                    .editions
                    .iter()
                    .any(|e| e.azure_sku == Some(image.sku)),
                "{}: its image is one of its editions'",
                release.name
            );
        }
    }

    /// Without `editions`, an OS builds its release's default editions (the Standard ones not
    /// on Azure, which publishes Datacenter only); a name picks one of the release's; a full
    /// entry stays as written.
    #[test]
    fn editions_come_from_the_spec_or_the_release() {
        use PlatformName::Proxmox;
        let all = os("windows-2025", &["proxmox", "azure"], serde_json::json!([]));
        assert_eq!(
            names(&all.editions()),
            [
                (
                    "standard",
                    "Windows Server 2025 SERVERSTANDARD",
                    vec![Proxmox]
                ),
                ("datacenter", "Windows Server 2025 SERVERDATACENTER", vec![]),
            ]
        );
        assert_eq!(
            all.editions()[1].azure_sku.as_deref(),
            Some("2025-datacenter-g2")
        );
        let azure = os("windows-2025", &["azure"], serde_json::json!([]));
        assert_eq!(names(&azure.editions()).len(), 1);
        let picked = os(
            "windows-11",
            &["vsphere"],
            serde_json::json!(["enterprise", "home", { "name": "edu", "image_name": "Windows 11 Education" }]),
        );
        assert_eq!(
            names(&picked.editions()),
            [
                ("enterprise", "Windows 11 Enterprise", vec![]),
                ("edu", "Windows 11 Education", vec![]),
            ]
        );
        assert_eq!(
            picked
                .edition_entries()
                .iter()
                .map(|(i, _)| *i)
                .collect::<Vec<_>>(),
            [Some(0), Some(2)]
        );
    }
}
