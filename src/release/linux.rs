//! The Linux releases of the OS catalogue.

use super::{MarketplaceImage, PackageRepository, Release};
use crate::spec::{Installer, PlatformName};

use PlatformName::{Azure, Proxmox, Vsphere};

const ALL: &[PlatformName] = &[Proxmox, Vsphere, Azure];
const HYPERVISORS: &[PlatformName] = &[Proxmox, Vsphere];

/// The Linux releases.
pub(super) const RELEASES: &[Release] = &[
    Release {
        name: "debian-12",
        description: "Debian 12 (bookworm)",
        installer: Installer::Preseed,
        distribution: "debian",
        version: "12",
        platforms: ALL,
        repositories: &[],
        vsphere_guest_os_type: "debian12_64Guest",
        azure_image: Some(MarketplaceImage {
            publisher: "Debian",
            offer: "debian-12",
            sku: "12-gen2",
        }),
        windows: None,
    },
    Release {
        name: "rocky-9",
        description: "Rocky Linux 9",
        installer: Installer::Kickstart,
        distribution: "rocky",
        version: "9",
        platforms: HYPERVISORS,
        repositories: &[
            PackageRepository {
                name: "BaseOS",
                url: "https://download.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/",
            },
            PackageRepository {
                name: "AppStream",
                url: "https://download.rockylinux.org/pub/rocky/9/AppStream/x86_64/os/",
            },
        ],
        vsphere_guest_os_type: "rhel9_64Guest",
        azure_image: None,
        windows: None,
    },
    Release {
        name: "ubuntu-2404",
        description: "Ubuntu Server 24.04 LTS",
        installer: Installer::Autoinstall,
        distribution: "ubuntu",
        version: "24.04",
        platforms: ALL,
        repositories: &[],
        vsphere_guest_os_type: "ubuntu64Guest",
        azure_image: Some(MarketplaceImage {
            publisher: "Canonical",
            offer: "ubuntu-24_04-lts",
            sku: "server",
        }),
        windows: None,
    },
];
