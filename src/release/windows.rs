//! The Windows releases of the OS catalogue.
//!
//! Where the facts come from:
//! - image names in `install.wim` and vSphere guest OS identifiers: the answer files and var
//!   files of vmware-samples/packer-examples-for-vsphere (`builds/windows/server/<version>/`,
//!   `builds/windows/desktop/<version>/`, Windows Server 2016 in its history), which install
//!   `Windows Server 2022 SERVERSTANDARDCORE`, `Windows 11 Enterprise`, ... and set
//!   `windows9Server64Guest` (2016), `windows2019srv_64Guest` (2019),
//!   `windows2019srvNext_64Guest` (2022, 2025) and `windows9_64Guest` (Windows 10 and 11);
//! - VirtIO driver folders: the virtio-win ISO's `<driver>\<folder>\amd64` layout (`2k16`,
//!   `2k19`, `2k22`, `2k25`, `w10`, `w11`), as installed by trippsoft/packer-vagrant
//!   (`windows/01-base/cd/w2025/qemu/install-drivers.ps1`: `vioscsi\2k25\amd64`);
//! - Azure Marketplace images: `MicrosoftWindowsServer:WindowsServer` publishes Datacenter only
//!   (generation 2: `2016-datacenter-gensecond`, `2016-datacenter-server-core-g2`,
//!   `2019-datacenter-gensecond`, `2019-datacenter-core-g2`, `20xx-datacenter[-core]-g2`
//!   for 2022 and 2025; Azure quickstart templates' allowed SKU lists), so the Standard
//!   editions are not built on Azure; `MicrosoftWindowsDesktop:windows-10` (`win10-22h2-pro-g2`,
//!   `win10-22h2-ent-g2`) and `MicrosoftWindowsDesktop:windows-11` (`win11-24h2-pro`,
//!   `win11-24h2-ent`, generation 2 only);
//! - what the hardware must have: Microsoft Learn, "Windows 11 specifications and system
//!   requirements" (UEFI, Secure Boot capable, TPM 2.0); Windows Server 2025 does not require
//!   a TPM or Secure Boot ("Hardware requirements for Windows Server").

use super::{KnownEdition, MarketplaceImage, Release, WindowsRelease};
use crate::spec::{Firmware, Hardware, Installer, PlatformName};

use PlatformName::{Azure, Proxmox, Vsphere};

const ALL: &[PlatformName] = &[Proxmox, Vsphere, Azure];

/// No hardware requirement beyond what every build has.
const ANY_HARDWARE: Hardware = Hardware {
    cpus: None,
    memory_mb: None,
    disk_gb: None,
    data_disks_gb: None,
    partitioning: None,
    firmware: None,
    tpm: None,
    secure_boot: None,
};

/// Windows 11's requirements: UEFI with Secure Boot and a TPM 2.0.
const TPM_AND_SECURE_BOOT: Hardware = Hardware {
    firmware: Some(Firmware::Uefi),
    tpm: Some(true),
    secure_boot: Some(true),
    ..ANY_HARDWARE
};

/// An edition of a release.
const fn edition(
    name: &'static str,
    image_name: &'static str,
    azure_sku: Option<&'static str>,
    default: bool,
) -> KnownEdition {
    KnownEdition {
        name,
        image_name,
        azure_sku,
        default,
    }
}

/// A Windows Server release: Standard and Datacenter, each with the Desktop Experience
/// (`SERVERSTANDARD`, built unless an OS picks its editions) and as Server Core
/// (`SERVERSTANDARDCORE`); Azure publishes the Datacenter editions only.
macro_rules! server {
    ($version:literal, $guest:literal, $drivers:literal, $desktop:literal, $core:literal) => {
        Release {
            name: concat!("windows-", $version),
            description: concat!("Windows Server ", $version),
            installer: Installer::Autounattend,
            distribution: "windows-server",
            version: $version,
            platforms: ALL,
            repositories: &[],
            vsphere_guest_os_type: $guest,
            azure_image: Some(MarketplaceImage {
                publisher: "MicrosoftWindowsServer",
                offer: "WindowsServer",
                sku: $desktop,
            }),
            windows: Some(&WindowsRelease {
                drivers: $drivers,
                hardware: ANY_HARDWARE,
                editions: &[
                    edition(
                        "standard",
                        concat!("Windows Server ", $version, " SERVERSTANDARD"),
                        None,
                        true,
                    ),
                    edition(
                        "standard-core",
                        concat!("Windows Server ", $version, " SERVERSTANDARDCORE"),
                        None,
                        false,
                    ),
                    edition(
                        "datacenter",
                        concat!("Windows Server ", $version, " SERVERDATACENTER"),
                        Some($desktop),
                        true,
                    ),
                    edition(
                        "datacenter-core",
                        concat!("Windows Server ", $version, " SERVERDATACENTERCORE"),
                        Some($core),
                        false,
                    ),
                ],
            }),
        }
    };
}

/// A Windows client release: Pro and Enterprise, both built unless an OS picks its editions.
macro_rules! client {
    ($version:literal, $drivers:literal, $offer:literal, $pro:literal, $enterprise:literal, $hardware:expr) => {
        Release {
            name: concat!("windows-", $version),
            description: concat!("Windows ", $version),
            installer: Installer::Autounattend,
            distribution: "windows",
            version: $version,
            platforms: ALL,
            repositories: &[],
            vsphere_guest_os_type: "windows9_64Guest",
            azure_image: Some(MarketplaceImage {
                publisher: "MicrosoftWindowsDesktop",
                offer: $offer,
                sku: $pro,
            }),
            windows: Some(&WindowsRelease {
                drivers: $drivers,
                hardware: $hardware,
                editions: &[
                    edition(
                        "pro",
                        concat!("Windows ", $version, " Pro"),
                        Some($pro),
                        true,
                    ),
                    edition(
                        "enterprise",
                        concat!("Windows ", $version, " Enterprise"),
                        Some($enterprise),
                        true,
                    ),
                ],
            }),
        }
    };
}

/// The Windows releases.
pub(super) const RELEASES: &[Release] = &[
    server!(
        "2016",
        "windows9Server64Guest",
        "2k16",
        "2016-datacenter-gensecond",
        "2016-datacenter-server-core-g2"
    ),
    server!(
        "2019",
        "windows2019srv_64Guest",
        "2k19",
        "2019-datacenter-gensecond",
        "2019-datacenter-core-g2"
    ),
    server!(
        "2022",
        "windows2019srvNext_64Guest",
        "2k22",
        "2022-datacenter-g2",
        "2022-datacenter-core-g2"
    ),
    server!(
        "2025",
        "windows2019srvNext_64Guest",
        "2k25",
        "2025-datacenter-g2",
        "2025-datacenter-core-g2"
    ),
    client!(
        "10",
        "w10",
        "windows-10",
        "win10-22h2-pro-g2",
        "win10-22h2-ent-g2",
        ANY_HARDWARE
    ),
    client!(
        "11",
        "w11",
        "windows-11",
        "win11-24h2-pro",
        "win11-24h2-ent",
        TPM_AND_SECURE_BOOT
    ),
];
