//! The Linux releases of the OS catalogue: every release of the autoinstall, preseed and
//! kickstart installers.
//!
//! Where the facts come from:
//! - Package repositories: each distribution's own mirror layout, as its documentation and its
//!   published kickstarts name it (`download.rockylinux.org/pub/rocky/<v>/`,
//!   `repo.almalinux.org/almalinux/<v>/`, `yum.oracle.com/repo/OracleLinux/OL<v>/`,
//!   `mirror.stream.centos.org/<v>-stream/`, `dl.fedoraproject.org/pub/fedora/linux/`).
//!   CentOS Stream 8 reached its end of life on 2024-05-31: its repositories moved to
//!   `vault.centos.org/8-stream/`, which is where it installs from. RHEL has no public
//!   repository: it installs from its DVD, so it names none (the kickstart then says `cdrom`;
//!   anaconda skips an optical drive without an installation tree, so the seed CD of
//!   `seed: cd` does not confuse it: rhinstaller/anaconda
//!   `pyanaconda/modules/payloads/source/cdrom/initialization.py`,
//!   `SetUpCdromSourceTask._choose_installation_device` mounts each optical drive and keeps
//!   the first that `is_valid_install_disk`). Ubuntu and Debian install from their ISO and
//!   the archive the template names.
//! - vSphere guest OS identifiers: vSphere's `VirtualMachineGuestOsIdentifier` enumeration
//!   (vmware/govmomi `vim25/types/enum.go`): `ubuntu64Guest` for every Ubuntu,
//!   `debian<v>_64Guest`, `rhel<v>_64Guest`, `rockylinux_64Guest`, `almalinux_64Guest`,
//!   `oracleLinux<v>_64Guest`, `centos<v>_64Guest` and `fedora64Guest`. vSphere names no
//!   CentOS Stream 10, which is `other6xLinux64Guest` (a 6.x kernel).
//! - Azure Marketplace images, only where the publisher's own generation 2 image is documented
//!   and needs no purchase plan: Canonical's from Azure's quickstart image aliases
//!   (Azure/azure-rest-api-specs `arm-compute/quickstart-templates/aliases.json`) and the
//!   Azure CLI's image list (the focal offer), Debian's `debian-<v>:<v>-gen2` from the Debian
//!   cloud team's offers (wiki.debian.org/Cloud/MicrosoftAzure), AlmaLinux's
//!   `almalinux-x86_64:9-gen2`. Rocky Linux's images (`resf`) carry a purchase plan whose
//!   terms must be accepted first; Red Hat's (`RedHat:RHEL:<v>-lvm-gen2`) have an OS disk
//!   larger than the default `disk_gb`, which `platform::azure_image_disk_gb` does not know
//!   yet. Both are built on the hypervisors only, like the releases without an image.

use super::{MarketplaceImage, PackageRepository, Release};
use crate::spec::{Installer, PlatformName};

use Installer::{Autoinstall, Kickstart, Preseed};
use PlatformName::{Azure, Proxmox, Vsphere};

const ALL: &[PlatformName] = &[Proxmox, Vsphere, Azure];
const HYPERVISORS: &[PlatformName] = &[Proxmox, Vsphere];

/// A release without Windows facts.
#[allow(clippy::too_many_arguments)]
const fn linux(
    name: &'static str,
    description: &'static str,
    installer: Installer,
    distribution: &'static str,
    version: &'static str,
    repositories: &'static [PackageRepository],
    vsphere_guest_os_type: &'static str,
    azure_image: Option<MarketplaceImage>,
) -> Release {
    Release {
        name,
        description,
        installer,
        distribution,
        version,
        platforms: if azure_image.is_some() {
            ALL
        } else {
            HYPERVISORS
        },
        repositories,
        vsphere_guest_os_type,
        azure_image,
        windows: None,
    }
}

const fn repository(name: &'static str, url: &'static str) -> PackageRepository {
    PackageRepository { name, url }
}

const fn image(
    publisher: &'static str,
    offer: &'static str,
    sku: &'static str,
) -> Option<MarketplaceImage> {
    Some(MarketplaceImage {
        publisher,
        offer,
        sku,
    })
}

/// The Linux releases.
pub(super) const RELEASES: &[Release] = &[
    linux(
        "ubuntu-2004",
        "Ubuntu Server 20.04 LTS",
        Autoinstall,
        "ubuntu",
        "20.04",
        &[],
        "ubuntu64Guest",
        image(
            "Canonical",
            "0001-com-ubuntu-server-focal",
            "20_04-lts-gen2",
        ),
    ),
    linux(
        "ubuntu-2204",
        "Ubuntu Server 22.04 LTS",
        Autoinstall,
        "ubuntu",
        "22.04",
        &[],
        "ubuntu64Guest",
        image(
            "Canonical",
            "0001-com-ubuntu-server-jammy",
            "22_04-lts-gen2",
        ),
    ),
    linux(
        "ubuntu-2404",
        "Ubuntu Server 24.04 LTS",
        Autoinstall,
        "ubuntu",
        "24.04",
        &[],
        "ubuntu64Guest",
        image("Canonical", "ubuntu-24_04-lts", "server"),
    ),
    linux(
        "debian-11",
        "Debian 11 (bullseye)",
        Preseed,
        "debian",
        "11",
        &[],
        "debian11_64Guest",
        image("Debian", "debian-11", "11-gen2"),
    ),
    linux(
        "debian-12",
        "Debian 12 (bookworm)",
        Preseed,
        "debian",
        "12",
        &[],
        "debian12_64Guest",
        image("Debian", "debian-12", "12-gen2"),
    ),
    linux(
        "debian-13",
        "Debian 13 (trixie)",
        Preseed,
        "debian",
        "13",
        &[],
        "debian13_64Guest",
        image("Debian", "debian-13", "13-gen2"),
    ),
    linux(
        "rhel-8",
        "Red Hat Enterprise Linux 8",
        Kickstart,
        "rhel",
        "8",
        &[],
        "rhel8_64Guest",
        None,
    ),
    linux(
        "rhel-9",
        "Red Hat Enterprise Linux 9",
        Kickstart,
        "rhel",
        "9",
        &[],
        "rhel9_64Guest",
        None,
    ),
    linux(
        "rhel-10",
        "Red Hat Enterprise Linux 10",
        Kickstart,
        "rhel",
        "10",
        &[],
        "rhel10_64Guest",
        None,
    ),
    linux(
        "rocky-8",
        "Rocky Linux 8",
        Kickstart,
        "rocky",
        "8",
        &[
            repository(
                "BaseOS",
                "https://download.rockylinux.org/pub/rocky/8/BaseOS/x86_64/os/",
            ),
            repository(
                "AppStream",
                "https://download.rockylinux.org/pub/rocky/8/AppStream/x86_64/os/",
            ),
        ],
        "rockylinux_64Guest",
        None,
    ),
    linux(
        "rocky-9",
        "Rocky Linux 9",
        Kickstart,
        "rocky",
        "9",
        &[
            repository(
                "BaseOS",
                "https://download.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/",
            ),
            repository(
                "AppStream",
                "https://download.rockylinux.org/pub/rocky/9/AppStream/x86_64/os/",
            ),
        ],
        "rockylinux_64Guest",
        None,
    ),
    linux(
        "rocky-10",
        "Rocky Linux 10",
        Kickstart,
        "rocky",
        "10",
        &[
            repository(
                "BaseOS",
                "https://download.rockylinux.org/pub/rocky/10/BaseOS/x86_64/os/",
            ),
            repository(
                "AppStream",
                "https://download.rockylinux.org/pub/rocky/10/AppStream/x86_64/os/",
            ),
        ],
        "rockylinux_64Guest",
        None,
    ),
    linux(
        "almalinux-8",
        "AlmaLinux OS 8",
        Kickstart,
        "almalinux",
        "8",
        &[
            repository(
                "BaseOS",
                "https://repo.almalinux.org/almalinux/8/BaseOS/x86_64/os/",
            ),
            repository(
                "AppStream",
                "https://repo.almalinux.org/almalinux/8/AppStream/x86_64/os/",
            ),
        ],
        "almalinux_64Guest",
        None,
    ),
    linux(
        "almalinux-9",
        "AlmaLinux OS 9",
        Kickstart,
        "almalinux",
        "9",
        &[
            repository(
                "BaseOS",
                "https://repo.almalinux.org/almalinux/9/BaseOS/x86_64/os/",
            ),
            repository(
                "AppStream",
                "https://repo.almalinux.org/almalinux/9/AppStream/x86_64/os/",
            ),
        ],
        "almalinux_64Guest",
        image("almalinux", "almalinux-x86_64", "9-gen2"),
    ),
    linux(
        "almalinux-10",
        "AlmaLinux OS 10",
        Kickstart,
        "almalinux",
        "10",
        &[
            repository(
                "BaseOS",
                "https://repo.almalinux.org/almalinux/10/BaseOS/x86_64/os/",
            ),
            repository(
                "AppStream",
                "https://repo.almalinux.org/almalinux/10/AppStream/x86_64/os/",
            ),
        ],
        "almalinux_64Guest",
        None,
    ),
    linux(
        "oraclelinux-8",
        "Oracle Linux 8",
        Kickstart,
        "oraclelinux",
        "8",
        &[
            repository(
                "BaseOS",
                "https://yum.oracle.com/repo/OracleLinux/OL8/baseos/latest/x86_64/",
            ),
            repository(
                "AppStream",
                "https://yum.oracle.com/repo/OracleLinux/OL8/appstream/x86_64/",
            ),
        ],
        "oracleLinux8_64Guest",
        None,
    ),
    linux(
        "oraclelinux-9",
        "Oracle Linux 9",
        Kickstart,
        "oraclelinux",
        "9",
        &[
            repository(
                "BaseOS",
                "https://yum.oracle.com/repo/OracleLinux/OL9/baseos/latest/x86_64/",
            ),
            repository(
                "AppStream",
                "https://yum.oracle.com/repo/OracleLinux/OL9/appstream/x86_64/",
            ),
        ],
        "oracleLinux9_64Guest",
        None,
    ),
    linux(
        "centos-stream-8",
        "CentOS Stream 8 (end of life: installs from vault.centos.org)",
        Kickstart,
        "centos-stream",
        "8",
        &[
            repository(
                "BaseOS",
                "https://vault.centos.org/8-stream/BaseOS/x86_64/os/",
            ),
            repository(
                "AppStream",
                "https://vault.centos.org/8-stream/AppStream/x86_64/os/",
            ),
        ],
        "centos8_64Guest",
        None,
    ),
    linux(
        "centos-stream-9",
        "CentOS Stream 9",
        Kickstart,
        "centos-stream",
        "9",
        &[
            repository(
                "BaseOS",
                "https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/os/",
            ),
            repository(
                "AppStream",
                "https://mirror.stream.centos.org/9-stream/AppStream/x86_64/os/",
            ),
        ],
        "centos9_64Guest",
        None,
    ),
    linux(
        "centos-stream-10",
        "CentOS Stream 10",
        Kickstart,
        "centos-stream",
        "10",
        &[
            repository(
                "BaseOS",
                "https://mirror.stream.centos.org/10-stream/BaseOS/x86_64/os/",
            ),
            repository(
                "AppStream",
                "https://mirror.stream.centos.org/10-stream/AppStream/x86_64/os/",
            ),
        ],
        "other6xLinux64Guest",
        None,
    ),
    linux(
        "fedora-43",
        "Fedora Server 43",
        Kickstart,
        "fedora",
        "43",
        &[
            repository(
                "fedora",
                "https://dl.fedoraproject.org/pub/fedora/linux/releases/43/Everything/x86_64/os/",
            ),
            repository(
                "updates",
                "https://dl.fedoraproject.org/pub/fedora/linux/updates/43/Everything/x86_64/",
            ),
        ],
        "fedora64Guest",
        None,
    ),
    linux(
        "fedora-44",
        "Fedora Server 44",
        Kickstart,
        "fedora",
        "44",
        &[
            repository(
                "fedora",
                "https://dl.fedoraproject.org/pub/fedora/linux/releases/44/Everything/x86_64/os/",
            ),
            repository(
                "updates",
                "https://dl.fedoraproject.org/pub/fedora/linux/updates/44/Everything/x86_64/",
            ),
        ],
        "fedora64Guest",
        None,
    ),
];

/// The releases whose kernel and C library need more than the x86-64 baseline, with the
/// micro-architecture level they need: RHEL 9 and the releases built from its sources need
/// x86-64-v2, RHEL 10 and its rebuilds x86-64-v3 (Red Hat's "Considerations in adopting RHEL
/// 9" and "... RHEL 10", processor architecture sections; AlmaLinux 10's default build, and
/// CentOS Stream follows its RHEL). Fedora, Ubuntu and Debian run on the baseline.
pub(super) const X86_64_LEVELS: &[(&str, u8)] = &[
    ("rhel-9", 2),
    ("rocky-9", 2),
    ("almalinux-9", 2),
    ("oraclelinux-9", 2),
    ("centos-stream-9", 2),
    ("rhel-10", 3),
    ("rocky-10", 3),
    ("almalinux-10", 3),
    ("centos-stream-10", 3),
];

/// The Ubuntu releases whose installer media read an HTTP seed only as the `nocloud-net`
/// datasource. Until cloud-init 24.1, `ds=nocloud` takes a seed from `/` or `file://` only
/// (canonical/cloud-init `doc/rtd/topics/datasources/nocloud.rst`: "With `ds=nocloud-net`, the
/// `seedfrom` value must start with `http://` or `https://`"; issue #5389 shows 23.4 refusing
/// an HTTP seed under `nocloud`); from 24.1 `cloudinit/sources/DataSourceNoCloud.py`
/// `load_cmdline_data` picks the network mode from the seed's scheme and `ds_detect`
/// deprecates `nocloud-net`, which still works. Ubuntu 20.04's media (cloud-init 23.1 and
/// older) and 22.04's up to 22.04.3 (23.2 and older) need `nocloud-net`; 24.04's ship 24.1.
pub(super) const NOCLOUD_NET: &[&str] = &["ubuntu-2004", "ubuntu-2204"];
