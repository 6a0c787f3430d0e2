//! The SUSE releases of the OS catalogue, installed by AutoYaST.
//!
//! Where the facts come from: the vSphere guest OS identifiers `sles15_64Guest` and
//! `opensuse64Guest` from the vSphere API's `VirtualMachineGuestOsIdentifier` (and
//! vmware-samples/packer-examples-for-vsphere `builds/linux/sles/15`); the Azure Marketplace
//! images are SUSE's Azure Marketplace listings (publisher `SUSE`, offers `sles-15-sp7` and
//! `opensuse-leap-15-6`, SKU `gen2`, the Generation 2 images). Both install from
//! their full install media (SLES's "Full" ISO needs no registration to install), so neither
//! names a package repository. SLES 16 and Leap 16 install with Agama, not AutoYaST, and are
//! not AutoYaST releases.

use super::{MarketplaceImage, Release};
use crate::spec::{Installer, PlatformName};

use PlatformName::{Azure, Proxmox, Vsphere};

const ALL: &[PlatformName] = &[Proxmox, Vsphere, Azure];

/// The SUSE releases.
pub(super) const RELEASES: &[Release] = &[
    Release {
        name: "sles-15-sp7",
        description: "SUSE Linux Enterprise Server 15 SP7",
        installer: Installer::Autoyast,
        distribution: "sles",
        version: "15.7",
        platforms: ALL,
        repositories: &[],
        vsphere_guest_os_type: "sles15_64Guest",
        azure_image: Some(MarketplaceImage {
            publisher: "SUSE",
            offer: "sles-15-sp7",
            sku: "gen2",
        }),
        windows: None,
    },
    Release {
        name: "opensuse-leap-156",
        description: "openSUSE Leap 15.6",
        installer: Installer::Autoyast,
        distribution: "opensuse-leap",
        version: "15.6",
        platforms: ALL,
        repositories: &[],
        vsphere_guest_os_type: "opensuse64Guest",
        azure_image: Some(MarketplaceImage {
            publisher: "SUSE",
            offer: "opensuse-leap-15-6",
            sku: "gen2",
        }),
        windows: None,
    },
];
