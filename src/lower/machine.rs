//! The machine as an installer sees it: the `machine` template variable, with the system disk
//! and the data disks by the names the installer gives them and the partition layout of
//! [`crate::partitioning`], per platform (each platform's hardware is its own).

use super::{Lowerer, Target, n, s};
use crate::hcl::Expr;
use crate::partitioning::{Layout, boot_partitions, disk_bus, disk_name, layout};
use crate::release::OsFacts;
use crate::spec::{Family, Firmware, Partitioning, PlatformName};

impl Lowerer<'_> {
    /// The machine's disks and partition layout as the installer sees them, on one platform:
    /// `machine = { system_disk, data_disks = [{ device, size_gb }], partitioning, partitions
    /// = [{ kind, mount, size_mb }], volumes = [{ mount, name, size_mb, options }] }`. Disks
    /// are named as the installer names them (`/dev/sda`, `/dev/nvme0n1` on an NVMe
    /// controller; Windows Setup's `0`). The layout is
    /// a local shared by every source that has it ([`Self::partition_layout`]), merged with
    /// the disks; Windows gets the disks alone, its answer file has its own layout.
    pub(super) fn machine(&mut self, t: Target<'_>, platform: PlatformName) -> Expr {
        let hw = crate::platform::hardware(self.spec, t.os, platform);
        let family = t.os.family();
        let bus = disk_bus(self.spec, t.os, platform);
        let data = hw.data_disks_gb.unwrap_or_default();
        let data_disks = data.iter().enumerate().map(|(i, size)| {
            Expr::Object(vec![
                ("device".into(), s(&disk_name(family, bus, i + 1))),
                ("size_gb".into(), n(*size)),
            ])
        });
        let disks = Expr::Object(vec![
            ("system_disk".into(), s(&disk_name(family, bus, 0))),
            ("data_disks".into(), Expr::List(data_disks.collect())),
        ]);
        if family == Family::Windows {
            return disks;
        }
        let layout = layout(hw.partitioning.unwrap_or(Partitioning::Lvm));
        let firmware = hw.firmware.unwrap_or(Firmware::Uefi);
        let layout = self.partition_layout(layout, firmware);
        Expr::call("merge", vec![layout, disks])
    }

    /// `local.partition_layout_<layout>[_<firmware>]`: `{ partitioning, partitions, volumes }`
    /// of a layout on a firmware, written once for every source that has it. `partitions`
    /// (outside LVM, for the firmware: `efi`, `biosboot`, `boot`, in mount order) and
    /// `volumes` (the logical volumes, in mount order) are empty where the installer lays the
    /// disk out itself (`lvm`), which then does not depend on the firmware.
    fn partition_layout(&mut self, layout: &Layout, firmware: Firmware) -> Expr {
        let partitioning = layout.partitioning.as_str();
        let name = if layout.guided {
            format!("partition_layout_{partitioning}")
        } else {
            format!("partition_layout_{partitioning}_{}", firmware.as_str())
        };
        self.locals.entry(name.clone()).or_insert_with(|| {
            let (partitions, volumes) = if layout.guided {
                (Vec::new(), Vec::new())
            } else {
                let partitions = boot_partitions(firmware).into_iter().map(|p| {
                    Expr::Object(vec![
                        ("kind".into(), s(p.kind.as_str())),
                        ("mount".into(), s(p.mount)),
                        ("size_mb".into(), n(p.size_mb)),
                    ])
                });
                let volumes = layout.volumes.iter().map(|v| {
                    Expr::Object(vec![
                        ("mount".into(), s(v.mount)),
                        ("name".into(), s(v.name)),
                        ("size_mb".into(), n(v.size_mb)),
                        ("options".into(), s(v.options)),
                    ])
                });
                (partitions.collect(), volumes.collect())
            };
            Expr::Object(vec![
                ("partitioning".into(), s(partitioning)),
                ("partitions".into(), Expr::List(partitions)),
                ("volumes".into(), Expr::List(volumes)),
            ])
        });
        Expr::local(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{as_text, attr, lowered, source};
    use crate::hcl::Expr;
    use crate::spec::PlatformName;

    /// The templates' `machine`: the system disk and the data disks by the names the installer
    /// gives them, and the hardened layout's partitions (for the platform's firmware) and
    /// volumes, per platform, since each platform's hardware is its own; the default layout
    /// is the installer's own, with no partitions of hybridc's. Windows gets the disks alone.
    /// A vSphere NVMe controller names the disks as namespaces.
    #[test]
    fn the_templates_get_the_machine_of_each_platform() {
        let model = lowered(
            r"
  hardware: { partitioning: hardened }
oses:
  rocky-9:
    iso: { url: https://example.com/rocky.iso, checksum: none }
    platforms: [proxmox, vsphere]
    hardware: { data_disks_gb: [100] }
    vsphere: { hardware: { firmware: bios, partitioning: lvm, data_disks_gb: [] } }
  windows-2022:
    iso: { url: https://example.com/windows.iso, checksum: none }
    platforms: [vsphere]
    editions: [standard]
    hardware: { data_disks_gb: [100, 200] }
  debian-12:
    iso: { url: https://example.com/debian.iso, checksum: none }
    platforms: [proxmox, vsphere]
    hardware: { data_disks_gb: [100] }
    vsphere: { options: { disk_controller_type: [nvme] } }
",
        );
        let machine = |platform: PlatformName, os: &str, attribute: &str| -> Expr {
            let body = &source(&model, platform, os).body;
            let Some(Expr::Object(files)) = attr(body, attribute) else {
                panic!("seed files of {os}")
            };
            let Expr::Call(_, args) = &files[0].1 else {
                panic!("a templatefile call")
            };
            let vars = match &args[1] {
                Expr::Call(merge, parts) if merge == "merge" => &parts[1],
                vars => vars,
            };
            let Expr::Object(vars) = vars else {
                panic!("template variables: {vars:?}")
            };
            let machine = vars
                .iter()
                .find(|(k, _)| k == "machine")
                .map(|(_, v)| v.clone())
                .expect("machine");
            // A Linux machine merges its layout's local with its disks: read as one object.
            let Expr::Call(merge, parts) = &machine else {
                return machine;
            };
            assert_eq!(merge, "merge");
            let mut entries = Vec::new();
            for part in parts {
                let part = match part {
                    Expr::Local(name) => {
                        let local = model.locals.iter().find(|l| &l.name == name);
                        &local.expect("the layout's local").value
                    }
                    part => part,
                };
                let Expr::Object(part) = part else {
                    panic!("an object: {part:?}")
                };
                entries.extend(part.iter().cloned());
            }
            Expr::Object(entries)
        };
        let field = |machine: &Expr, name: &str| -> Expr {
            let Expr::Object(entries) = machine else {
                panic!("an object")
            };
            entries
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no `{name}`"))
        };
        let list = |value: Expr| -> Vec<Expr> {
            let Expr::List(items) = value else {
                panic!("a list")
            };
            items
        };
        let proxmox = machine(PlatformName::Proxmox, "rocky-9", "http_content");
        assert_eq!(as_text(&field(&proxmox, "system_disk")), "/dev/sda");
        let data = list(field(&proxmox, "data_disks"));
        assert_eq!(as_text(&field(&data[0], "device")), "/dev/sdb");
        assert_eq!(field(&data[0], "size_gb"), Expr::Number(100));
        assert_eq!(as_text(&field(&proxmox, "partitioning")), "hardened");
        let partitions = list(field(&proxmox, "partitions"));
        let kinds: Vec<String> = partitions
            .iter()
            .map(|p| as_text(&field(p, "kind")))
            .collect();
        assert_eq!(kinds, ["boot", "efi"]);
        let volumes = list(field(&proxmox, "volumes"));
        assert_eq!(volumes.len(), 8);
        assert_eq!(as_text(&field(&volumes[2], "mount")), "/tmp");
        assert_eq!(
            as_text(&field(&volumes[2], "options")),
            "nodev,nosuid,noexec"
        );
        assert_eq!(field(&volumes[2], "size_mb"), Expr::Number(2048));
        let vsphere = machine(PlatformName::Vsphere, "rocky-9", "http_content");
        assert_eq!(as_text(&field(&vsphere, "partitioning")), "lvm");
        assert!(list(field(&vsphere, "data_disks")).is_empty());
        assert!(list(field(&vsphere, "partitions")).is_empty());
        assert!(list(field(&vsphere, "volumes")).is_empty());
        let windows = machine(PlatformName::Vsphere, "windows-2022-standard", "cd_content");
        assert_eq!(as_text(&field(&windows, "system_disk")), "0");
        let data = list(field(&windows, "data_disks"));
        assert_eq!(as_text(&field(&data[1], "device")), "2");
        let Expr::Object(entries) = &windows else {
            unreachable!("checked above")
        };
        assert_eq!(entries.len(), 2, "no layout on Windows");
        // On vSphere's NVMe controller each disk is a namespace; Proxmox keeps SCSI.
        let nvme = machine(PlatformName::Vsphere, "debian-12", "http_content");
        assert_eq!(as_text(&field(&nvme, "system_disk")), "/dev/nvme0n1");
        let data = list(field(&nvme, "data_disks"));
        assert_eq!(as_text(&field(&data[0], "device")), "/dev/nvme0n2");
        let scsi = machine(PlatformName::Proxmox, "debian-12", "http_content");
        assert_eq!(as_text(&field(&scsi, "system_disk")), "/dev/sda");
        // Each layout once, for every source that has it.
        let mut layouts: Vec<&str> = model.locals.iter().map(|l| l.name.as_str()).collect();
        layouts.retain(|name| name.starts_with("partition_layout_"));
        assert_eq!(
            layouts,
            ["partition_layout_hardened_uefi", "partition_layout_lvm"]
        );
    }
}
