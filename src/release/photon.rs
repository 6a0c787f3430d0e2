//! The VMware Photon OS releases of the OS catalogue, installed by the Photon installer's JSON
//! kickstart on vSphere.
//!
//! Where the facts come from: the vSphere guest OS identifier `vmwarePhoton64Guest` from the
//! vSphere API's `VirtualMachineGuestOsIdentifier` (and vmware-samples/packer-examples-for-vsphere
//! `builds/linux/photon/{4,5}`). Both install from their ISO (`photon.media=cdrom`), so neither
//! names a package repository; Photon has no Azure Marketplace image.

use super::Release;
use crate::spec::{Installer, PlatformName};

const VSPHERE: &[PlatformName] = &[PlatformName::Vsphere];

/// The Photon OS releases.
pub(super) const RELEASES: &[Release] = &[
    Release {
        name: "photon-4",
        description: "VMware Photon OS 4.0",
        installer: Installer::Photon,
        distribution: "photon",
        version: "4.0",
        platforms: VSPHERE,
        repositories: &[],
        vsphere_guest_os_type: "vmwarePhoton64Guest",
        azure_image: None,
        windows: None,
    },
    Release {
        name: "photon-5",
        description: "VMware Photon OS 5.0",
        installer: Installer::Photon,
        distribution: "photon",
        version: "5.0",
        platforms: VSPHERE,
        repositories: &[],
        vsphere_guest_os_type: "vmwarePhoton64Guest",
        azure_image: None,
        windows: None,
    },
];
