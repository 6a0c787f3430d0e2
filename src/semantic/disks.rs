//! The machine's disks and partition layout: a Linux system disk large enough for the layout
//! its installer lays out (the sizes of [`crate::partitioning`]), and no partition layout on a
//! Windows OS, whose answer file has its own.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic, Span, prose_list};
use crate::partitioning::{Layout, boot_partitions, layout};
use crate::platform::{hardware, iso_platforms, spec_hardware_layers};
use crate::release::OsFacts;
use crate::spec::{Family, Firmware, Os, Partitioning};

impl Checker<'_, '_> {
    pub(super) fn disks(&mut self) {
        let spec = self.cx.spec;
        for (name, os) in &spec.oses {
            match os.family() {
                Family::Windows => self.windows_partitioning(name, os),
                Family::Linux => self.system_disk_size(name, os),
            }
        }
    }

    /// `partitioning` set on a Windows OS (its own `hardware`, or its platform's): Windows
    /// Setup lays the disk out as the answer file says. Set in `defaults`, it applies to the
    /// Linux OSes only, and is not reported.
    fn windows_partitioning(&mut self, name: &str, os: &Os) {
        let mut places: Vec<Vec<&str>> = Vec::new();
        for platform in os.platforms.iter().copied() {
            for (mut path, hw) in spec_hardware_layers(self.cx.spec, name, os, platform) {
                if path[0] == "oses" && hw.partitioning.is_some() && !places.contains(&path) {
                    path.push("partitioning");
                    places.push(path);
                }
            }
        }
        for path in places {
            self.push(
                Diagnostic::error(
                    Code::WrongFamily,
                    format!("`partitioning` does not apply to Windows OS `{name}`"),
                    self.key_span(&path),
                    "a Linux installer's layout",
                )
                .with_help(
                    "remove it: Windows Setup lays out the system disk as its answer file says \
                     (GPT on UEFI, MBR on BIOS)",
                ),
            );
        }
    }

    /// A system disk smaller than the layout its installer lays out on it, reported once at
    /// the field that sets the size, naming the platforms.
    fn system_disk_size(&mut self, name: &str, os: &Os) {
        if os.installer().is_none() {
            return;
        }
        let spec = self.cx.spec;
        // (place of `disk_gb`, size, layout, firmware) and the platforms, in the OS's order.
        type Key = (Span, u32, Partitioning, Firmware);
        let mut small: Vec<(Key, Vec<&str>)> = Vec::new();
        for platform in iso_platforms(spec, os) {
            let hw = hardware(spec, os, platform);
            let (Some(disk_gb), Some(partitioning), Some(firmware)) =
                (hw.disk_gb, hw.partitioning, hw.firmware)
            else {
                continue;
            };
            let needed = layout(partitioning).required_mb(firmware);
            if u64::from(disk_gb) * 1024 >= u64::from(needed) {
                continue;
            }
            let span = spec_hardware_layers(spec, name, os, platform)
                .into_iter()
                .rev()
                .find(|(_, hw)| hw.disk_gb.is_some())
                .and_then(|(mut path, _)| {
                    path.push("disk_gb");
                    self.cx.tree.locate(&super::ptr(&path))
                })
                .map_or_else(|| self.key_span(&["oses", name]), |at| at.value);
            let key = (span, disk_gb, partitioning, firmware);
            match small.iter_mut().find(|(k, _)| *k == key) {
                Some((_, platforms)) => platforms.push(platform.as_str()),
                None => small.push((key, vec![platform.as_str()])),
            }
        }
        for ((span, disk_gb, partitioning, firmware), platforms) in small {
            let layout = layout(partitioning);
            let needed = layout.required_mb(firmware);
            let gib = needed.div_ceil(1024);
            self.push(
                Diagnostic::error(
                    Code::OutOfRange,
                    format!(
                        "the system disk of `{name}` is {disk_gb} GiB on {}: the `{}` layout needs {gib} GiB",
                        prose_list(&platforms),
                        partitioning.as_str(),
                    ),
                    span,
                    format!("{disk_gb} GiB, less than the layout's {needed} MiB"),
                )
                .with_help(format!(
                    "set `disk_gb: {gib}` or more; the layout takes {}",
                    sizes(layout, firmware)
                )),
            );
        }
    }
}

/// The sizes a layout takes on a firmware, in words: "/boot 1 GiB, /boot/efi 600 MiB, / 8 GiB
/// or more, ...".
fn sizes(layout: &Layout, firmware: Firmware) -> String {
    let size = |mb: u32| {
        if mb.is_multiple_of(1024) {
            format!("{} GiB", mb / 1024)
        } else {
            format!("{mb} MiB")
        }
    };
    let partitions = boot_partitions(firmware).into_iter().map(|p| {
        let what = if p.mount.is_empty() {
            "BIOS boot"
        } else {
            p.mount
        };
        format!("{what} {}", size(p.size_mb))
    });
    let volumes = layout.volumes.iter().map(|v| {
        let more = if v.grows() { " or more" } else { "" };
        format!("{} {}{more}", v.mount, size(v.size_mb))
    });
    partitions.chain(volumes).collect::<Vec<_>>().join(", ")
}
