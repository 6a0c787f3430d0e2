//! The machine's disks as the installers see them: which device is the system disk, what the
//! data disks are called, and each partition layout of a Linux system disk, declared once as
//! data (mount point, size, mount options). Lowering passes them to the installer templates as
//! the `machine` variable, where each installer kind renders them in its own syntax; `semantic`
//! reads the sizes to refuse a system disk too small for its layout. Nothing here knows a
//! template's syntax.
//!
//! Device names: Proxmox attaches the system disk as `scsi0` and each `disks` block after it
//! to the next free `scsi` index (packer-plugin-proxmox v1.2.4 `builder/proxmox/common/
//! step_start_vm.go`, `generateProxmoxDisks`), on its default `lsi` controller, and the ISOs as
//! `ide` CD-ROMs; vsphere-iso puts `storage` blocks in order on the first disk controller
//! (packer-plugin-vsphere v2.0.0 `builder/vsphere/driver/disk.go`, `AddStorageDevices`),
//! SCSI by default (LSI Logic, or `pvscsi`), with the CD-ROMs on IDE. Linux names SCSI disks
//! in the order of their target numbers, so the system disk is `/dev/sda` and the data disks
//! `/dev/sdb`, `/dev/sdc`, ... on both; Windows Setup numbers them from 0 in the same order.
//! A vSphere VM whose first disk controller is NVMe (`options: { disk_controller_type:
//! [nvme] }`) has each disk as a namespace of that controller: `/dev/nvme0n1`, `/dev/nvme0n2`.

use crate::spec::{Family, Firmware, Os, Partitioning, PlatformName, Spec};

/// A logical volume of a layout, in the system disk's volume group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Volume {
    /// Where it is mounted; `swap` for the swap space.
    pub mount: &'static str,
    /// The logical volume's name.
    pub name: &'static str,
    /// Its size in MiB; for the root file system the least it may have (it takes the rest).
    pub size_mb: u32,
    /// Mount options beyond the file system's defaults, comma-separated (`""` for none).
    pub options: &'static str,
}

impl Volume {
    /// Whether this is the root file system, which grows to fill the volume group.
    pub fn grows(&self) -> bool {
        self.mount == "/"
    }

    /// Whether this is the swap space.
    pub fn is_swap(&self) -> bool {
        self.mount == "swap"
    }
}

/// What a partition outside the volume group is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionKind {
    /// The EFI system partition (UEFI firmware).
    Efi,
    /// GRUB's BIOS boot partition on a GPT disk (BIOS firmware).
    BiosBoot,
    /// `/boot`, which the boot loader reads outside LVM.
    Boot,
}

impl PartitionKind {
    /// The name the templates test for: `efi`, `biosboot`, `boot`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Efi => "efi",
            Self::BiosBoot => "biosboot",
            Self::Boot => "boot",
        }
    }
}

/// A partition of the system disk outside the volume group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// What it is for.
    pub kind: PartitionKind,
    /// Where it is mounted (`""` for the BIOS boot partition, which is not).
    pub mount: &'static str,
    /// Its size in MiB.
    pub size_mb: u32,
}

/// The EFI system partition: 600 MiB, as Anaconda's default (`reqpart`) makes it.
const EFI: Partition = Partition {
    kind: PartitionKind::Efi,
    mount: "/boot/efi",
    size_mb: 600,
};

/// GRUB's core image on a GPT disk needs 1 MiB.
const BIOS_BOOT: Partition = Partition {
    kind: PartitionKind::BiosBoot,
    mount: "",
    size_mb: 1,
};

/// `/boot` holds a few kernels and their initramfs images: 1 GiB, as Anaconda's default.
const BOOT: Partition = Partition {
    kind: PartitionKind::Boot,
    mount: "/boot",
    size_mb: 1024,
};

/// A partition layout of a Linux system disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The spec's name for it.
    pub partitioning: Partitioning,
    /// Its logical volumes, in mount order (root first, a mount point before those under it),
    /// swap last.
    pub volumes: &'static [Volume],
    /// Whether the installer makes the layout itself (its own guided LVM layout): the
    /// templates then render no volumes, and `volumes` are the sizes it needs at least.
    pub guided: bool,
}

/// The separate file systems and mount options of the CIS benchmarks' section 1.1
/// ("Filesystem Configuration": `/tmp`, `/var`, `/var/tmp`, `/var/log`, `/var/log/audit`,
/// `/home`, each `nodev` and `nosuid`, and `noexec` where no program runs from it) and of
/// DISA's STIGs (separate `/var`, `/var/log`, `/var/log/audit`, `/tmp`, `/home`).
const HARDENED_VOLUMES: &[Volume] = &[
    Volume {
        mount: "/",
        name: "lv_root",
        size_mb: 8192,
        options: "",
    },
    Volume {
        mount: "/home",
        name: "lv_home",
        size_mb: 1024,
        options: "nodev,nosuid",
    },
    Volume {
        mount: "/tmp",
        name: "lv_tmp",
        size_mb: 2048,
        options: "nodev,nosuid,noexec",
    },
    Volume {
        mount: "/var",
        name: "lv_var",
        size_mb: 4096,
        options: "nodev,nosuid",
    },
    Volume {
        mount: "/var/tmp",
        name: "lv_var_tmp",
        size_mb: 1024,
        options: "nodev,nosuid,noexec",
    },
    Volume {
        mount: "/var/log",
        name: "lv_var_log",
        size_mb: 2048,
        options: "nodev,nosuid,noexec",
    },
    Volume {
        mount: "/var/log/audit",
        name: "lv_var_log_audit",
        size_mb: 1024,
        options: "nodev,nosuid,noexec",
    },
    Volume {
        mount: "swap",
        name: "lv_swap",
        size_mb: 1024,
        options: "",
    },
];

/// What the installers' own LVM layouts need at least: a root file system of 4 GiB (a
/// minimal server with room for its updates) and the 1 GiB of swap the kickstart asks for.
const GUIDED_VOLUMES: &[Volume] = &[
    Volume {
        mount: "/",
        name: "lv_root",
        size_mb: 4096,
        options: "",
    },
    Volume {
        mount: "swap",
        name: "lv_swap",
        size_mb: 1024,
        options: "",
    },
];

/// Every layout, one per [`Partitioning`].
pub const LAYOUTS: &[Layout] = &[
    Layout {
        partitioning: Partitioning::Lvm,
        volumes: GUIDED_VOLUMES,
        guided: true,
    },
    Layout {
        partitioning: Partitioning::Hardened,
        volumes: HARDENED_VOLUMES,
        guided: false,
    },
];

/// The layout of a [`Partitioning`].
pub fn layout(partitioning: Partitioning) -> &'static Layout {
    LAYOUTS
        .iter()
        .find(|l| l.partitioning == partitioning)
        .expect("every partitioning has a layout")
}

/// The partitions of the system disk outside the volume group that the firmware needs, in
/// mount order: `/boot` and the EFI system partition under it on UEFI, a BIOS boot partition
/// and `/boot` on BIOS.
pub fn boot_partitions(firmware: Firmware) -> [Partition; 2] {
    match firmware {
        Firmware::Uefi => [BOOT, EFI],
        Firmware::Bios => [BIOS_BOOT, BOOT],
    }
}

impl Layout {
    /// The least system disk this layout fits on, in MiB: the boot partitions, every volume
    /// at its size (the root at its least) and the swap space.
    pub fn required_mb(&self, firmware: Firmware) -> u32 {
        let boot: u32 = boot_partitions(firmware).iter().map(|p| p.size_mb).sum();
        boot + self.volumes.iter().map(|v| v.size_mb).sum::<u32>()
    }
}

/// The kind of controller the disks are on, as far as Linux names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskBus {
    /// SCSI (and SATA): `/dev/sda`, `/dev/sdb`, ...
    Scsi,
    /// NVMe, each disk a namespace of the first controller: `/dev/nvme0n1`, `/dev/nvme0n2`, ...
    Nvme,
}

/// The bus of an OS's disks on a platform: NVMe on vSphere when the first controller of
/// `disk_controller_type` (the OS's `options`, else the platform's) is `nvme`, else SCSI.
pub fn disk_bus(spec: &Spec, os: &Os, platform: PlatformName) -> DiskBus {
    if platform != PlatformName::Vsphere {
        return DiskBus::Scsi;
    }
    let own = os.vsphere.as_ref().map(|v| &v.options);
    let shared = spec.platforms.vsphere.as_ref().map(|v| &v.options);
    let first = [own, shared]
        .into_iter()
        .flatten()
        .find_map(|options| options.get("disk_controller_type"))
        .and_then(|types| types.as_array()?.first()?.as_str());
    match first {
        Some("nvme") => DiskBus::Nvme,
        _ => DiskBus::Scsi,
    }
}

/// The installer's name for the disk at `index` (0: the system disk, then the data disks in
/// order): `/dev/sda`, `/dev/sdb`, ... (or `/dev/nvme0n1`, ...) on Linux, `0`, `1`, ... for
/// Windows Setup's `DiskID` (see the module's notes).
pub fn disk_name(family: Family, bus: DiskBus, index: usize) -> String {
    match (family, bus) {
        (Family::Windows, _) => index.to_string(),
        (Family::Linux, DiskBus::Scsi) => format!("/dev/sd{}", sd_letters(index)),
        (Family::Linux, DiskBus::Nvme) => format!("/dev/nvme0n{}", index + 1),
    }
}

/// Linux's letters for the SCSI disk at `index`: `a` to `z`, then `aa`, `ab`, ...
fn sd_letters(index: usize) -> String {
    let letter = |i: usize| char::from(b'a' + (i % 26) as u8);
    if index < 26 {
        letter(index).to_string()
    } else {
        format!("{}{}", sd_letters(index / 26 - 1), letter(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The system disk is the first SCSI disk; after `sdz` Linux goes on with `sdaa`. On NVMe
    /// each disk is a namespace of the first controller; Windows numbers them all alike.
    #[test]
    fn disks_are_named_as_the_installers_see_them() {
        let linux = |index| disk_name(Family::Linux, DiskBus::Scsi, index);
        assert_eq!(linux(0), "/dev/sda");
        assert_eq!(linux(2), "/dev/sdc");
        assert_eq!(linux(25), "/dev/sdz");
        assert_eq!(linux(26), "/dev/sdaa");
        assert_eq!(linux(27), "/dev/sdab");
        assert_eq!(disk_name(Family::Linux, DiskBus::Nvme, 0), "/dev/nvme0n1");
        assert_eq!(disk_name(Family::Linux, DiskBus::Nvme, 2), "/dev/nvme0n3");
        assert_eq!(disk_name(Family::Windows, DiskBus::Scsi, 0), "0");
        assert_eq!(disk_name(Family::Windows, DiskBus::Nvme, 3), "3");
    }

    /// The hardened layout mounts each parent before what is under it, ends with swap, and
    /// fits in the default 40 GiB disk on either firmware.
    #[test]
    fn the_hardened_layout_is_in_mount_order_and_fits_the_default_disk() {
        let hardened = layout(Partitioning::Hardened);
        let mounts: Vec<&str> = hardened.volumes.iter().map(|v| v.mount).collect();
        for (i, mount) in mounts.iter().enumerate() {
            for later in &mounts[i + 1..] {
                assert!(
                    !mount.starts_with(&format!("{later}/")),
                    "{later} is mounted after {mount}, which is under it"
                );
            }
        }
        assert_eq!(mounts.first(), Some(&"/"));
        assert_eq!(mounts.last(), Some(&"swap"));
        assert_eq!(hardened.volumes.iter().filter(|v| v.grows()).count(), 1);
        for firmware in [Firmware::Uefi, Firmware::Bios] {
            let mb = hardened.required_mb(firmware);
            assert!(mb < crate::platform::DEFAULT_DISK_GB * 1024, "{mb} MiB");
            assert!(mb > layout(Partitioning::Lvm).required_mb(firmware));
        }
        assert_eq!(hardened.required_mb(Firmware::Uefi), 600 + 1024 + 20480);
    }

    /// `/tmp`, `/var/tmp` and the log file systems are `noexec`; every separate file system
    /// but the root is `nodev` and `nosuid`.
    #[test]
    fn the_hardened_layout_sets_the_benchmarks_mount_options() {
        for volume in layout(Partitioning::Hardened).volumes {
            if volume.grows() || volume.is_swap() {
                assert_eq!(volume.options, "", "{}", volume.mount);
                continue;
            }
            assert!(
                volume.options.starts_with("nodev,nosuid"),
                "{}",
                volume.mount
            );
            let noexec = matches!(
                volume.mount,
                "/tmp" | "/var/tmp" | "/var/log" | "/var/log/audit"
            );
            assert_eq!(
                volume.options.ends_with(",noexec"),
                noexec,
                "{}",
                volume.mount
            );
        }
    }
}
