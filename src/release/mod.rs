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
use crate::spec::{AzureImage, Family, Installer, PlatformName};

/// One OS release.
#[derive(Debug, PartialEq, Eq)]
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
#[derive(Debug, PartialEq, Eq)]
pub struct WindowsRelease {
    /// The folder of its drivers on the VirtIO driver ISO (`2k22`, `w11`).
    pub drivers: &'static str,
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
}

mod linux;
mod windows;

/// Every release hybridc knows, by group: a group is a table of its own, in its own file.
const GROUPS: &[&[Release]] = &[linux::RELEASES, windows::RELEASES];

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
    /// vSphere's guest OS identifier of the OS: its own `vsphere.guest_os_type`, else its
    /// release's.
    fn guest_os_type(&self) -> Option<&str>;
    /// The Azure Marketplace image the OS's Azure builds start from: its own `azure_image`,
    /// else its release's, at version `latest`.
    fn azure_image(&self) -> Option<Cow<'_, AzureImage>>;
}

impl OsFacts for crate::spec::Os {
    fn known(&self) -> Option<&'static Release> {
        find(self.release.as_deref().unwrap_or(&self.key))
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

    fn guest_os_type(&self) -> Option<&str> {
        self.vsphere
            .as_ref()
            .and_then(|v| v.guest_os_type.as_deref())
            .or(self.known().map(|r| r.vsphere_guest_os_type))
    }

    fn azure_image(&self) -> Option<Cow<'_, AzureImage>> {
        if let Some(own) = &self.azure_image {
            return Some(Cow::Borrowed(own));
        }
        let known = self.known()?.azure_image.as_ref()?;
        Some(Cow::Owned(AzureImage {
            publisher: known.publisher.to_owned(),
            offer: known.offer.to_owned(),
            sku: known.sku.to_owned(),
            version: "latest".to_owned(),
        }))
    }
}

/// The names of an OS's builds: its own name, or `<name>-<edition>` for each edition when its
/// family is built per edition.
pub fn build_names(name: &str, os: &crate::spec::Os) -> Vec<String> {
    if crate::family::facts(os.family()).per_edition {
        os.editions
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

    fn os(key: &str, json: serde_json::Value) -> crate::spec::Os {
        let mut os: crate::spec::Os = serde_json::from_value(json).expect("an OS");
        os.key = key.to_owned();
        os
    }

    /// The OS's own description, guest OS type and Azure image win; without them, its
    /// release's; outside the catalogue, none.
    #[test]
    fn an_os_layers_its_own_facts_over_its_releases() {
        let known = os("debian-12", serde_json::json!({ "platforms": ["azure"] }));
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
        let own = os(
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
        let unknown = os("custom", serde_json::json!({ "platforms": ["proxmox"] }));
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
}
