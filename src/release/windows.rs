//! The Windows releases of the OS catalogue.

use super::{KnownEdition, MarketplaceImage, Release, WindowsRelease};
use crate::spec::{Installer, PlatformName};

use PlatformName::{Azure, Proxmox, Vsphere};

const ALL: &[PlatformName] = &[Proxmox, Vsphere, Azure];

/// The Windows releases.
pub(super) const RELEASES: &[Release] = &[Release {
    name: "windows-2022",
    description: "Windows Server 2022",
    installer: Installer::Autounattend,
    distribution: "windows-server",
    version: "2022",
    platforms: ALL,
    repositories: &[],
    vsphere_guest_os_type: "windows2019srvNext_64Guest",
    azure_image: Some(MarketplaceImage {
        publisher: "MicrosoftWindowsServer",
        offer: "WindowsServer",
        sku: "2022-datacenter-g2",
    }),
    windows: Some(&WindowsRelease {
        drivers: "2k22",
        editions: &[
            KnownEdition {
                name: "standard",
                image_name: "Windows Server 2022 SERVERSTANDARD",
            },
            KnownEdition {
                name: "datacenter",
                image_name: "Windows Server 2022 SERVERDATACENTER",
            },
        ],
    }),
}];
