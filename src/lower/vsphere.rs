//! The arguments of a vSphere source (vsphere-iso, vsphere-clone).

use super::{Lowerer, Target, n, ptr, s};
use crate::hcl::{Expr, Part};
use crate::model::Args;
use crate::release::OsFacts;
use crate::spec::{BuilderKind, Firmware, PlatformName, SeedChannel, VsphereTemplate};

impl Lowerer<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn vsphere(
        &mut self,
        body: &mut Args,
        t: Target<'_>,
        builder: BuilderKind,
        edition: Option<&crate::spec::Edition>,
        source_name: &str,
        seed_local: Option<&str>,
    ) {
        let Target { name, os, .. } = t;
        let o = ptr(&["platforms", "vsphere"]);
        let os_origin = ptr(&["oses", name]);
        self.connection(body, PlatformName::Vsphere, &o);
        let settings = os.vsphere.as_ref();
        let (cpus, memory, disk, firmware) = self.hardware(os, PlatformName::Vsphere);
        let versioned = self.versioned(source_name);
        body.attr("vm_name", versioned, &os_origin);
        if builder == BuilderKind::Clone {
            body.attr(
                "template",
                s(settings
                    .and_then(|v| v.template.as_deref())
                    .unwrap_or_default()),
                &ptr(&["oses", name, "vsphere", "template"]),
            );
            body.attr("linked_clone", Expr::Bool(false), &os_origin);
        } else {
            // The OS's own identifier, else its release's (the OS entry is then the origin).
            let own = settings.is_some_and(|v| v.guest_os_type.is_some());
            body.attr(
                "guest_os_type",
                s(os.guest_os_type().unwrap_or_default()),
                &if own {
                    ptr(&["oses", name, "vsphere", "guest_os_type"])
                } else {
                    os_origin.clone()
                },
            );
        }
        let hw = crate::platform::hardware(self.spec, os, PlatformName::Vsphere);
        let tpm = hw.tpm == Some(true);
        let secure_boot = hw.secure_boot == Some(true);
        // A clone keeps its template's firmware unless told, but loses Secure Boot and its
        // vTPM when they are not asked for again (packer-plugin-vsphere v2.0.0
        // `builder/vsphere/driver/vm.go`, `Configure`); `vTPM` needs EFI firmware
        // (`common/step_hardware.go`, `HardwareConfig.Prepare`).
        if builder == BuilderKind::Iso || tpm || secure_boot {
            let value = match (firmware, secure_boot) {
                (Firmware::Bios, _) => "bios",
                (Firmware::Uefi, false) => "efi",
                (Firmware::Uefi, true) => "efi-secure",
            };
            body.attr("firmware", s(value), &os_origin);
        }
        if tpm {
            body.attr("vTPM", Expr::Bool(true), &os_origin);
        }
        body.attr("CPUs", n(cpus), &os_origin);
        body.attr("RAM", n(memory), &os_origin);
        body.attr(
            "notes",
            s(&Self::description(os, name, edition)),
            &os_origin,
        );
        if builder == BuilderKind::Clone {
            let network = self.var("vsphere_network");
            body.attr("network", network, &o);
        }
        if builder == BuilderKind::Iso {
            let iso = os.iso.clone().unwrap_or_default();
            let iso_origin = ptr(&["oses", name, "iso"]);
            let mut paths: Vec<Expr> = Vec::new();
            if let Some(path) = &iso.vsphere_path {
                paths.push(s(path));
            } else if let Some(url) = &iso.url {
                body.attr("iso_url", s(url), &iso_origin);
                body.attr(
                    "iso_checksum",
                    s(iso.checksum.as_deref().unwrap_or("none")),
                    &iso_origin,
                );
            }
            if let Some(tools) = t.family.vsphere_tools_iso {
                paths.push(s(tools));
            }
            if !paths.is_empty() {
                body.attr("iso_paths", Expr::List(paths), &iso_origin);
            }
            match self.channel(t) {
                SeedChannel::Http => {
                    if let Some(files) = seed_local
                        .and_then(|local| self.seed_files(t, local, PlatformName::Vsphere))
                    {
                        body.attr("http_content", files, &os_origin);
                    }
                }
                SeedChannel::Cd => {
                    let cd = self.cd_seed(t, edition, seed_local, PlatformName::Vsphere);
                    if !cd.is_empty() {
                        for (arg, value) in cd {
                            body.attr(arg, value, &os_origin);
                        }
                        body.attr("cd_label", s("cidata"), &os_origin);
                    }
                }
            }
            let (wait, command) = self.boot(t, firmware);
            body.attr("boot_wait", wait, &os_origin);
            body.attr("boot_command", command, &os_origin);
            body.attr("remove_cdrom", Expr::Bool(true), &os_origin);
        }
        self.communicator(body, t.family.hypervisor_communicator, &os_origin);
        // Else VMware Tools shut the VM down (a Linux build user's sudo rule is gone by then;
        // see `finish`).
        if let Some(command) = t.family.vsphere_shutdown {
            body.attr("shutdown_command", s(command), &os_origin);
        }
        let spec = self.spec;
        let platform = spec
            .platforms
            .vsphere
            .as_ref()
            .expect("a vsphere source implies a vsphere platform");
        let output_origin = ptr(&["platforms", "vsphere", "output"]);
        if platform.output.template == VsphereTemplate::Convert {
            body.attr("convert_to_template", Expr::Bool(true), &output_origin);
        }
        self.vsphere_disks(body, t, builder, disk, hw.data_disks_gb.as_deref());
        if builder == BuilderKind::Iso {
            let mut nic = Args::default();
            let network = self.var("vsphere_network");
            nic.attr("network", network, &o);
            nic.attr("network_card", s("vmxnet3"), &o);
            body.block("network_adapters", nic, &o);
            // The adapters after the first, in order (`semantic` refuses them with the clone
            // builder, which has no `network_adapters`).
            let extra = settings.map_or(&[][..], |v| &v.extra_adapters);
            for (i, adapter) in extra.iter().enumerate() {
                let origin = ptr(&["oses", name, "vsphere", "extra_adapters", &i.to_string()]);
                let mut nic = Args::default();
                nic.attr("network", s(&adapter.network), &origin);
                nic.attr("network_card", s("vmxnet3"), &origin);
                body.block("network_adapters", nic, &origin);
            }
        }
        if let Some(library) = &platform.output.content_library {
            let lib_origin = ptr(&["platforms", "vsphere", "output", "content_library"]);
            let mut cl = Args::default();
            let value = self.var("vsphere_content_library");
            cl.attr("library", value, &lib_origin);
            // An OVF item of the same name is updated in place, so clones keep one stable name
            // (packer-plugin-vsphere v2.0.0 `builder/vsphere/driver/vm.go`,
            // `ImportOvfToContentLibrary`). A VM template item cannot be updated and must not
            // share the VM's name (`common/step_import_to_content_library.go`, `Prepare`), so
            // each build imports a new one.
            let item = if library.ovf {
                s(source_name)
            } else {
                Expr::Template(vec![
                    Part::text(format!("{source_name}-")),
                    Part::Expr(Expr::local("build_version")),
                    Part::text("-library"),
                ])
            };
            cl.attr("name", item, &lib_origin);
            cl.attr(
                "description",
                s(&Self::description(os, name, edition)),
                &lib_origin,
            );
            cl.attr("ovf", Expr::Bool(library.ovf), &lib_origin);
            cl.attr("destroy", Expr::Bool(library.destroy), &lib_origin);
            body.block("content_library_destination", cl, &lib_origin);
        }
    }

    /// The `storage` blocks of a vSphere source: on an ISO build the system disk, then the
    /// data disks, in order on the first disk controller (packer-plugin-vsphere v2.0.0
    /// `builder/vsphere/driver/disk.go`, `StorageConfig.AddStorageDevices`). A clone keeps its
    /// template's disks: `storage` there adds disks only, on a controller that
    /// `disk_controller_type` adds (`driver/vm.go`, `Clone`), which a `storage` block needs
    /// (`common/storage_config.go`, `StorageConfig.Prepare`); a paravirtual one, unless the
    /// spec's `options` name the controllers.
    fn vsphere_disks(
        &self,
        body: &mut Args,
        t: Target<'_>,
        builder: BuilderKind,
        system: u32,
        data: Option<&[u32]>,
    ) {
        let os_origin = ptr(&["oses", t.name]);
        let iso = builder == BuilderKind::Iso;
        let data = data.unwrap_or_default();
        if !iso && !data.is_empty() && !self.sets_option(t, "disk_controller_type") {
            body.attr(
                "disk_controller_type",
                Expr::List(vec![s("pvscsi")]),
                &os_origin,
            );
        }
        for size in iso
            .then_some(system)
            .into_iter()
            .chain(data.iter().copied())
        {
            let mut storage = Args::default();
            storage.attr("disk_size", n(size * 1024), &os_origin);
            storage.attr("disk_thin_provisioned", Expr::Bool(true), &os_origin);
            body.block("storage", storage, &os_origin);
        }
    }

    /// Whether the platform's or the OS's vSphere `options` pass `key` through.
    fn sets_option(&self, t: Target<'_>, key: &str) -> bool {
        let platform = self.spec.platforms.vsphere.as_ref();
        let os = t.os.vsphere.as_ref();
        platform.is_some_and(|p| p.options.contains_key(key))
            || os.is_some_and(|o| o.options.contains_key(key))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attr, blocks, lowered, source, text, texts};
    use crate::hcl::Expr;
    use crate::spec::PlatformName;

    const OSES: &str = r"
oses:
  rocky-9:
    family: linux
    installer: kickstart
    seed: cd
    iso: { vsphere_path: '[datastore1] iso/rocky.iso' }
    platforms: [vsphere]
    hardware: { firmware: bios }
    vsphere: { guest_os_type: rhel9_64Guest }
  windows-2022:
    family: windows
    installer: autounattend
    iso: { url: https://example.com/windows.iso, checksum: none }
    platforms: [vsphere]
    vsphere: { guest_os_type: windows2019srvNext_64Guest }
    editions:
      - { name: standard, image_name: Windows Server 2022 SERVERSTANDARD }
";

    /// A Linux build seeded from a CD boots with the CD's kickstart and lets VMware Tools
    /// shut it down.
    #[test]
    fn a_linux_build_seeded_from_a_cd() {
        let model = lowered(OSES);
        let body = &source(&model, PlatformName::Vsphere, "rocky-9").body;
        assert_eq!(text(body, "vcenter_server"), "var.vsphere_endpoint");
        assert_eq!(text(body, "guest_os_type"), "rhel9_64Guest");
        assert_eq!(text(body, "firmware"), "bios");
        assert_eq!(texts(body, "iso_paths"), ["[datastore1] iso/rocky.iso"]);
        assert_eq!(text(body, "cd_label"), "cidata");
        assert_eq!(
            texts(body, "boot_command"),
            ["<up><tab> inst.text inst.ks=hd:LABEL=cidata:/ks.cfg<enter>"]
        );
        assert!(attr(body, "shutdown_command").is_none());
    }

    /// Secure Boot is `efi-secure` firmware and a TPM a vTPM, on the ISO builder and, asked
    /// for again, on the clone builder.
    #[test]
    fn tpm_and_secure_boot() {
        let model = lowered(
            r"
oses:
  windows-2022:
    family: windows
    installer: autounattend
    iso: { url: https://example.com/windows.iso, checksum: none }
    platforms: [vsphere]
    hardware: { tpm: true, secure_boot: true }
    vsphere: { guest_os_type: windows2019srvNext_64Guest }
    editions:
      - { name: standard, image_name: Windows Server 2022 SERVERSTANDARD }
  ubuntu-2404:
    family: linux
    platforms: [vsphere]
    hardware: { tpm: true }
    vsphere: { builder: clone, template: templates/ubuntu, guest_os_type: ubuntu64Guest }
  debian-12:
    family: linux
    platforms: [vsphere]
    vsphere: { builder: clone, template: templates/debian, guest_os_type: debian12_64Guest }
",
        );
        let body = &source(&model, PlatformName::Vsphere, "windows-2022-standard").body;
        assert_eq!(text(body, "firmware"), "efi-secure");
        assert_eq!(attr(body, "vTPM"), Some(&Expr::Bool(true)));
        let body = &source(&model, PlatformName::Vsphere, "ubuntu-2404").body;
        assert_eq!(text(body, "firmware"), "efi");
        assert_eq!(attr(body, "vTPM"), Some(&Expr::Bool(true)));
        let body = &source(&model, PlatformName::Vsphere, "debian-12").body;
        assert!(attr(body, "firmware").is_none());
        assert!(attr(body, "vTPM").is_none());
    }

    /// A Windows build mounts VMware Tools, takes its answer file from a CD and shuts down
    /// with its own command.
    #[test]
    fn a_windows_build() {
        let model = lowered(OSES);
        let body = &source(&model, PlatformName::Vsphere, "windows-2022-standard").body;
        assert_eq!(
            texts(body, "iso_paths"),
            ["[] /vmimages/tools-isoimages/windows.iso"]
        );
        assert_eq!(text(body, "iso_url"), "https://example.com/windows.iso");
        assert!(attr(body, "cd_files").is_some());
        assert!(text(body, "shutdown_command").starts_with("shutdown /s"));
        assert_eq!(text(body, "winrm_timeout"), "2h");
    }

    /// The platform's network is the first adapter; an OS's extra adapters follow it in their
    /// order. An arm64 OS keeps its own guest OS type and UEFI firmware.
    #[test]
    fn extra_adapters_and_arm64() {
        let model = lowered(
            r"
oses:
  ubuntu-2404:
    family: linux
    installer: autoinstall
    arch: arm64
    iso: { url: https://example.com/ubuntu-arm64.iso, checksum: none }
    platforms: [vsphere]
    vsphere:
      guest_os_type: arm-ubuntu64Guest
      extra_adapters: [{ network: Backup }, { network: Storage }]
",
        );
        let body = &source(&model, PlatformName::Vsphere, "ubuntu-2404").body;
        let nics = blocks(body, "network_adapters");
        assert_eq!(nics.len(), 3);
        assert_eq!(text(nics[0], "network"), "var.vsphere_network");
        assert_eq!(text(nics[1], "network"), "Backup");
        assert_eq!(text(nics[2], "network"), "Storage");
        assert_eq!(text(nics[2], "network_card"), "vmxnet3");
        assert_eq!(text(body, "guest_os_type"), "arm-ubuntu64Guest");
        assert_eq!(text(body, "firmware"), "efi");
    }

    /// Data disks follow the system disk as more `storage` blocks, thin like it, on the first
    /// controller. A clone keeps its template's disks (its system disk is not a `storage`
    /// block): vsphere-clone adds each `storage` block as a new disk on a controller of
    /// `disk_controller_type`, which it refuses to leave empty then (packer-plugin-vsphere
    /// v2.0.0 `builder/vsphere/driver/vm.go`, `VirtualMachineDriver.Clone`;
    /// `driver/disk.go`, `StorageConfig.AddStorageDevices`; `common/storage_config.go`,
    /// `StorageConfig.Prepare`), so one is added unless `options` name the controllers.
    #[test]
    fn data_disks_follow_the_system_disk() {
        let model = lowered(
            r"
oses:
  rocky-9:
    iso: { vsphere_path: '[datastore1] iso/rocky.iso' }
    platforms: [vsphere]
    hardware: { disk_gb: 60, data_disks_gb: [100, 200] }
  debian-12:
    family: linux
    platforms: [vsphere]
    hardware: { data_disks_gb: [50] }
    vsphere: { builder: clone, template: templates/debian, guest_os_type: debian12_64Guest }
  ubuntu-2404:
    family: linux
    platforms: [vsphere]
    hardware: { data_disks_gb: [50] }
    vsphere:
      builder: clone
      template: templates/ubuntu
      guest_os_type: ubuntu64Guest
      options: { disk_controller_type: [lsilogic-sas] }
",
        );
        let sizes = |os: &str| -> Vec<Expr> {
            let body = &source(&model, PlatformName::Vsphere, os).body;
            for storage in blocks(body, "storage") {
                assert_eq!(
                    attr(storage, "disk_thin_provisioned"),
                    Some(&Expr::Bool(true))
                );
            }
            blocks(body, "storage")
                .iter()
                .map(|s| attr(s, "disk_size").cloned().expect("a size"))
                .collect()
        };
        let mib = |gib: u32| Expr::Number((gib * 1024).into());
        assert_eq!(sizes("rocky-9"), [mib(60), mib(100), mib(200)]);
        let iso = &source(&model, PlatformName::Vsphere, "rocky-9").body;
        assert!(attr(iso, "disk_controller_type").is_none());
        assert_eq!(sizes("debian-12"), [mib(50)]);
        let clone = &source(&model, PlatformName::Vsphere, "debian-12").body;
        assert_eq!(texts(clone, "disk_controller_type"), ["pvscsi"]);
        assert_eq!(sizes("ubuntu-2404"), [mib(50)]);
        let own = &source(&model, PlatformName::Vsphere, "ubuntu-2404").body;
        assert_eq!(texts(own, "disk_controller_type"), ["lsilogic-sas"]);
    }
}
