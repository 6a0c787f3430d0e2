//! The architectures of the OS catalogue: which releases ship arm64 installation media, and
//! the arm64 Azure Marketplace images of those built on Azure. Every release ships x86-64.
//!
//! Where the facts come from:
//! - arm64 media: each distribution's download pages: Ubuntu's `live-server-arm64` ISOs
//!   (`cdimage.ubuntu.com/releases/<v>/release/`), Debian's `arm64` netinst
//!   (`cdimage.debian.org/debian-cd/current/arm64/`), the `aarch64` DVDs and boot ISOs of RHEL,
//!   Rocky Linux, AlmaLinux, Oracle Linux, CentOS Stream and Fedora Server, and SUSE's and
//!   openSUSE's `aarch64` media. Photon OS and Windows are left out: their arm64 media are
//!   not what the shared templates and boot lines were written for.
//! - Kernel paths on the media: see `installer::INSTALLERS` (`boot_arm64`).
//! - Package repositories: the kickstart releases' mirrors name the architecture in the path
//!   (`BaseOS/x86_64/os/`), and serve `aarch64` beside it.
//! - Azure Marketplace arm64 images, only those published by the distribution itself and
//!   widely used: Canonical's `ubuntu-24_04-lts:server-arm64`,
//!   `0001-com-ubuntu-server-jammy:22_04-lts-arm64` and
//!   `0001-com-ubuntu-server-focal:20_04-lts-arm64`, and Debian's `debian-12:12-arm64` and
//!   `debian-13:13-arm64` (all generation 2, as every Arm VM on Azure is). Any other arm64
//!   build on Azure names its image with `azure_image`.

use super::{MarketplaceImage, Release};
use crate::spec::Arch;

/// The releases with arm64 installation media.
const ARM64_MEDIA: &[&str] = &[
    "ubuntu-2004",
    "ubuntu-2204",
    "ubuntu-2404",
    "debian-11",
    "debian-12",
    "debian-13",
    "rhel-8",
    "rhel-9",
    "rhel-10",
    "rocky-8",
    "rocky-9",
    "rocky-10",
    "almalinux-8",
    "almalinux-9",
    "almalinux-10",
    "oraclelinux-8",
    "oraclelinux-9",
    "centos-stream-8",
    "centos-stream-9",
    "centos-stream-10",
    "fedora-43",
    "fedora-44",
    "sles-15-sp7",
    "opensuse-leap-156",
];

/// The arm64 Azure Marketplace image of a release, under the release's own publisher and
/// offer unless given here.
const ARM64_AZURE: &[(&str, MarketplaceImage)] = &[
    (
        "ubuntu-2004",
        MarketplaceImage {
            publisher: "Canonical",
            offer: "0001-com-ubuntu-server-focal",
            sku: "20_04-lts-arm64",
        },
    ),
    (
        "ubuntu-2204",
        MarketplaceImage {
            publisher: "Canonical",
            offer: "0001-com-ubuntu-server-jammy",
            sku: "22_04-lts-arm64",
        },
    ),
    (
        "ubuntu-2404",
        MarketplaceImage {
            publisher: "Canonical",
            offer: "ubuntu-24_04-lts",
            sku: "server-arm64",
        },
    ),
    (
        "debian-12",
        MarketplaceImage {
            publisher: "Debian",
            offer: "debian-12",
            sku: "12-arm64",
        },
    ),
    (
        "debian-13",
        MarketplaceImage {
            publisher: "Debian",
            offer: "debian-13",
            sku: "13-arm64",
        },
    ),
];

impl Release {
    /// The architectures it ships installation media or images for, x86-64 first.
    pub fn arches(&self) -> &'static [Arch] {
        if ARM64_MEDIA.contains(&self.name) {
            &[Arch::X86_64, Arch::Arm64]
        } else {
            &[Arch::X86_64]
        }
    }

    /// Its Azure Marketplace image for `arch`, when it has one.
    pub fn azure_image_for(&self, arch: Arch) -> Option<&MarketplaceImage> {
        match arch {
            Arch::X86_64 => self.azure_image.as_ref(),
            Arch::Arm64 => ARM64_AZURE
                .iter()
                .find(|(name, _)| *name == self.name)
                .map(|(_, image)| image),
        }
    }
}

/// A package repository's URL for `arch`: the x86-64 URL with its architecture folder
/// (`/x86_64/`) renamed, as every mirror of the catalogue lays them out.
pub fn repository_url(url: &str, arch: Arch) -> String {
    match arch {
        Arch::X86_64 => url.to_owned(),
        Arch::Arm64 => url.replace("/x86_64/", "/aarch64/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::PlatformName;

    /// Every release named here is one of the catalogue; an arm64 image only for a release
    /// with arm64 media that is built on Azure; every repository names its architecture.
    #[test]
    fn arm64_facts_name_known_releases() {
        for name in ARM64_MEDIA {
            assert!(super::super::find(name).is_some(), "{name}");
        }
        for (name, _) in ARM64_AZURE {
            let release = super::super::find(name).expect("a release");
            assert!(release.arches().contains(&Arch::Arm64), "{name}");
            assert!(release.platforms.contains(&PlatformName::Azure), "{name}");
        }
        for release in super::super::all() {
            for repository in release.repositories {
                let arm = repository_url(repository.url, Arch::Arm64);
                assert!(arm.contains("/aarch64/"), "{}", repository.url);
            }
        }
    }

    /// Debian 12 has arm64 media and an arm64 image; Windows and Photon OS have neither.
    #[test]
    fn arches_of_releases() {
        let debian = super::super::find("debian-12").expect("debian-12");
        assert_eq!(debian.arches(), [Arch::X86_64, Arch::Arm64]);
        let image = debian.azure_image_for(Arch::Arm64).expect("an arm64 image");
        assert_eq!((image.offer, image.sku), ("debian-12", "12-arm64"));
        assert_eq!(
            debian.azure_image_for(Arch::X86_64).map(|i| i.sku),
            Some("12-gen2")
        );
        for name in ["windows-2022", "photon-5"] {
            let release = super::super::find(name).expect("a release");
            assert_eq!(release.arches(), [Arch::X86_64]);
        }
        let alma = super::super::find("almalinux-9").expect("almalinux-9");
        assert!(alma.azure_image_for(Arch::Arm64).is_none());
        assert_eq!(
            repository_url(alma.repositories[0].url, Arch::Arm64),
            "https://repo.almalinux.org/almalinux/9/BaseOS/aarch64/os/"
        );
    }
}
