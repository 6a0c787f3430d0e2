//! The arguments of a Proxmox source (proxmox-iso, proxmox-clone).

use super::{Lowerer, Target, n, ptr, s};
use crate::hcl::Expr;
use crate::model::Args;
use crate::pointer::Pointer;
use crate::spec::{BuilderKind, Firmware, Iso, PlatformName, SeedChannel};

impl Lowerer<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn proxmox(
        &mut self,
        body: &mut Args,
        t: Target<'_>,
        builder: BuilderKind,
        edition: Option<&crate::spec::Edition>,
        source_name: &str,
        seed_local: Option<&str>,
    ) {
        let Target { name, os, .. } = t;
        let o = ptr(&["platforms", "proxmox"]);
        let os_origin = ptr(&["oses", name]);
        let hw_origin = os_origin.clone();
        self.connection(body, PlatformName::Proxmox, &o);
        let (cpus, memory, disk, firmware) = self.hardware(os, PlatformName::Proxmox);
        let versioned = self.versioned(source_name);
        body.attr("vm_name", versioned.clone(), &os_origin);
        body.attr("template_name", versioned, &os_origin);
        body.attr(
            "template_description",
            s(&Self::description(os, name, edition)),
            &os_origin,
        );
        if builder == BuilderKind::Clone {
            let clone = os
                .proxmox
                .as_ref()
                .and_then(|p| p.clone_vm.clone())
                .unwrap_or_default();
            body.attr(
                "clone_vm",
                s(&clone),
                &ptr(&["oses", name, "proxmox", "clone_vm"]),
            );
        } else {
            body.attr("os", s(t.family.proxmox_os), &os_origin);
        }
        body.attr("cores", n(cpus), &hw_origin);
        body.attr("sockets", n(1), &hw_origin);
        body.attr("memory", n(memory), &hw_origin);
        // A clone keeps its template's firmware, EFI disk and system disk.
        let iso = builder == BuilderKind::Iso;
        let uefi = firmware == Firmware::Uefi;
        if iso {
            body.attr("bios", s(if uefi { "ovmf" } else { "seabios" }), &hw_origin);
            if uefi {
                body.attr("machine", s("q35"), &hw_origin);
            }
        }
        let spec = self.spec;
        let platform = spec
            .platforms
            .proxmox
            .as_ref()
            .expect("a proxmox source implies a proxmox platform");
        if platform.cloud_init && t.family.cloud_init {
            body.attr(
                "cloud_init",
                Expr::Bool(true),
                &ptr(&["platforms", "proxmox", "cloud_init"]),
            );
            let pool = self.var("proxmox_vm_storage_pool");
            body.attr("cloud_init_storage_pool", pool, &o);
        }
        // The shutdown after provisioning is a Proxmox task awaited for `task_timeout`, 60
        // seconds by default (packer-plugin-proxmox v1.2.4 `builder/proxmox/common/
        // step_convert_to_template.go`, `Run`: `client.ShutdownVm`, then `WaitForCompletion`);
        // a Windows guest that has just been generalised takes longer than that.
        body.attr("task_timeout", s("10m"), &os_origin);
        if builder == BuilderKind::Iso {
            let (wait, command) = self.boot(t, firmware);
            body.attr("boot_wait", wait, &os_origin);
            body.attr("boot_command", command, &os_origin);
            if let (Some(local), SeedChannel::Http) = (seed_local, self.channel(t))
                && let Some(files) = self.seed_files(t, local, PlatformName::Proxmox)
            {
                body.attr("http_content", files, &os_origin);
            }
        }
        self.communicator(body, t.family.hypervisor_communicator, &os_origin);
        if builder == BuilderKind::Iso {
            let iso = os.iso.clone().unwrap_or_default();
            let mut boot = Args::default();
            self.iso_args(&mut boot, &iso, &ptr(&["oses", name, "iso"]));
            boot.attr("unmount", Expr::Bool(true), &os_origin);
            body.block("boot_iso", boot, &ptr(&["oses", name, "iso"]));
            if t.family.virtio_drivers
                && let Some(virtio) = &platform.virtio_iso
            {
                let mut drivers = Args::default();
                self.iso_args(
                    &mut drivers,
                    virtio,
                    &ptr(&["platforms", "proxmox", "virtio_iso"]),
                );
                drivers.attr("unmount", Expr::Bool(true), &o);
                body.block(
                    "additional_iso_files",
                    drivers,
                    &ptr(&["platforms", "proxmox", "virtio_iso"]),
                );
            }
            if self.channel(t) == SeedChannel::Cd {
                let mut cd = Args::default();
                for (arg, value) in self.cd_seed(t, edition, seed_local, PlatformName::Proxmox) {
                    cd.attr(arg, value, &os_origin);
                }
                cd.attr("cd_label", s("cidata"), &os_origin);
                let pool = self.var("proxmox_iso_storage_pool");
                cd.attr("iso_storage_pool", pool, &o);
                cd.attr("unmount", Expr::Bool(true), &os_origin);
                body.block("additional_iso_files", cd, &os_origin);
            }
        }
        let hw = crate::platform::hardware(spec, os, PlatformName::Proxmox);
        // Secure Boot is OVMF with Microsoft's keys enrolled on the EFI disk. A clone keeps
        // its template's EFI disk: `efi_config` there would make a new one, without the
        // installed system's boot entries.
        if iso && uefi {
            let mut efi = Args::default();
            let pool = self.var("proxmox_vm_storage_pool");
            efi.attr("efi_storage_pool", pool, &o);
            efi.attr("efi_type", s("4m"), &hw_origin);
            let keys = hw.secure_boot == Some(true);
            efi.attr("pre_enrolled_keys", Expr::Bool(keys), &hw_origin);
            body.block("efi_config", efi, &hw_origin);
        }
        // A clone keeps its template's TPM state too; with `tpm_config` it gets one when the
        // template has none.
        if hw.tpm == Some(true) {
            let mut tpm = Args::default();
            let pool = self.var("proxmox_vm_storage_pool");
            tpm.attr("tpm_storage_pool", pool, &o);
            tpm.attr("tpm_version", s("v2.0"), &hw_origin);
            body.block("tpm_config", tpm, &hw_origin);
        }
        // The system disk, then the data disks: `scsi0`, `scsi1`, ... on an ISO build. A clone
        // keeps its template's disks and gets the data disks at the next free `scsi` indexes
        // (packer-plugin-proxmox v1.2.4 `builder/proxmox/clone/step_map_source_disks.go`,
        // `StepMapSourceDisks.Run`, and `common/step_start_vm.go`, `generateProxmoxDisks`).
        let system = iso.then_some(disk);
        let data = hw.data_disks_gb.clone().unwrap_or_default();
        for size in system.into_iter().chain(data) {
            let mut disk_args = Args::default();
            disk_args.attr("type", s("scsi"), &hw_origin);
            disk_args.attr("disk_size", s(&format!("{size}G")), &hw_origin);
            let pool = self.var("proxmox_vm_storage_pool");
            disk_args.attr("storage_pool", pool, &o);
            body.block("disks", disk_args, &hw_origin);
        }
        let mut nic = Args::default();
        let bridge = self.var("proxmox_bridge");
        nic.attr("bridge", bridge, &o);
        nic.attr("model", s("virtio"), &o);
        if self.has_var("proxmox_vlan_tag") {
            let tag = self.var("proxmox_vlan_tag");
            nic.attr("vlan_tag", tag, &o);
        }
        body.block("network_adapters", nic, &o);
        // The adapters after the first: net1, net2, ... in order. The build's address is the
        // first adapter's: see `tests/it/machine.rs`.
        let extra = os.proxmox.as_ref().map_or(&[][..], |p| &p.extra_adapters);
        for (i, adapter) in extra.iter().enumerate() {
            let origin = ptr(&["oses", name, "proxmox", "extra_adapters", &i.to_string()]);
            let mut nic = Args::default();
            nic.attr("bridge", s(&adapter.bridge), &origin);
            nic.attr("model", s("virtio"), &origin);
            if let Some(tag) = adapter.vlan_tag {
                nic.attr("vlan_tag", s(&tag.to_string()), &origin);
            }
            body.block("network_adapters", nic, &origin);
        }
    }

    /// ISO arguments inside a Proxmox `boot_iso`/`additional_iso_files` block: a file already
    /// on the platform wins over a download.
    pub(super) fn iso_args(&mut self, args: &mut Args, iso: &Iso, origin: &Pointer) {
        if let Some(file) = &iso.proxmox_file {
            args.attr("iso_file", s(file), origin);
        } else if let Some(url) = &iso.url {
            args.attr("iso_url", s(url), origin);
            args.attr(
                "iso_checksum",
                s(iso.checksum.as_deref().unwrap_or("none")),
                origin,
            );
            let pool = self.var("proxmox_iso_storage_pool");
            args.attr("iso_storage_pool", pool, origin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attr, blocks, lowered, source, text, texts};
    use crate::hcl::Expr;
    use crate::spec::PlatformName;

    const OSES: &str = r"
oses:
  ubuntu-2404:
    family: linux
    installer: autoinstall
    iso: { url: https://example.com/ubuntu.iso, checksum: none }
    platforms: [proxmox]
  windows-2022:
    family: windows
    installer: autounattend
    iso: { proxmox_file: 'local:iso/windows.iso' }
    platforms: [proxmox]
    editions:
      - { name: standard, image_name: Windows Server 2022 SERVERSTANDARD }
";

    /// The connection arguments come from the platform table; a Linux ISO build gets its
    /// guest type, UEFI machine, seed over HTTP and SSH.
    #[test]
    fn a_linux_iso_build() {
        let model = lowered(OSES);
        let body = &source(&model, PlatformName::Proxmox, "ubuntu-2404").body;
        let names: Vec<&str> = body.names().take(5).collect();
        assert_eq!(
            names,
            [
                "proxmox_url",
                "username",
                "token",
                "insecure_skip_tls_verify",
                "node"
            ]
        );
        assert_eq!(text(body, "proxmox_url"), "var.proxmox_endpoint");
        assert_eq!(text(body, "os"), "l26");
        assert_eq!(text(body, "bios"), "ovmf");
        assert_eq!(text(body, "communicator"), "ssh");
        assert_eq!(text(body, "ssh_username"), "var.build_username");
        assert!(attr(body, "http_content").is_some());
        let disks = blocks(body, "disks");
        assert_eq!(text(disks[0], "disk_size"), "40G");
        assert_eq!(blocks(body, "efi_config").len(), 1);
    }

    /// A TPM is a TPM 2.0 state disk in the VM's pool, on the ISO and the clone builder;
    /// Secure Boot is the EFI disk's enrolled keys, which a clone takes from its template.
    #[test]
    fn tpm_and_secure_boot() {
        let model = lowered(
            r"
oses:
  windows-2022:
    family: windows
    installer: autounattend
    iso: { proxmox_file: 'local:iso/windows.iso' }
    platforms: [proxmox]
    hardware: { tpm: true, secure_boot: true }
    editions:
      - { name: standard, image_name: Windows Server 2022 SERVERSTANDARD }
  debian-12:
    family: linux
    installer: preseed
    iso: { url: https://example.com/debian.iso, checksum: none }
    platforms: [proxmox]
    hardware: { secure_boot: false }
  ubuntu-2404:
    family: linux
    platforms: [proxmox]
    hardware: { tpm: true, secure_boot: true }
    proxmox: { builder: clone, clone_vm: ubuntu-template }
",
        );
        let body = &source(&model, PlatformName::Proxmox, "windows-2022-standard").body;
        assert_eq!(text(body, "bios"), "ovmf");
        let efi = blocks(body, "efi_config");
        assert_eq!(attr(efi[0], "pre_enrolled_keys"), Some(&Expr::Bool(true)));
        let tpm = blocks(body, "tpm_config");
        assert_eq!(
            text(tpm[0], "tpm_storage_pool"),
            "var.proxmox_vm_storage_pool"
        );
        assert_eq!(text(tpm[0], "tpm_version"), "v2.0");
        let body = &source(&model, PlatformName::Proxmox, "debian-12").body;
        let efi = blocks(body, "efi_config");
        assert_eq!(attr(efi[0], "pre_enrolled_keys"), Some(&Expr::Bool(false)));
        assert!(blocks(body, "tpm_config").is_empty());
        let body = &source(&model, PlatformName::Proxmox, "ubuntu-2404").body;
        assert_eq!(blocks(body, "tpm_config").len(), 1);
        assert!(blocks(body, "efi_config").is_empty());
        assert!(attr(body, "bios").is_none());
    }

    /// A Windows ISO build gets its guest type, the VirtIO drivers and the answer file's CD
    /// with the scripts beside it, and WinRM.
    #[test]
    fn a_windows_iso_build() {
        let model = lowered(OSES);
        let body = &source(&model, PlatformName::Proxmox, "windows-2022-standard").body;
        assert_eq!(text(body, "os"), "win11");
        assert_eq!(text(body, "communicator"), "winrm");
        assert_eq!(attr(body, "winrm_use_ssl"), Some(&Expr::Bool(false)));
        assert_eq!(
            texts(body, "boot_command"),
            ["<spacebar><wait><spacebar><wait><spacebar>"]
        );
        let isos = blocks(body, "additional_iso_files");
        assert_eq!(text(isos[0], "iso_file"), "local:iso/virtio-win.iso");
        assert_eq!(
            texts(isos[1], "cd_files"),
            ["${path.root}/../scripts/windows/*"]
        );
        let Some(Expr::Object(content)) = attr(isos[1], "cd_content") else {
            panic!("an answer file")
        };
        assert_eq!(content[0].0, "autounattend.xml");
        assert!(attr(body, "http_content").is_none());
    }

    /// The platform's bridge is the first adapter; an OS's extra adapters follow it in their
    /// order, on the ISO and the clone builder, with their own bridge and VLAN tag.
    #[test]
    fn extra_adapters_follow_the_first() {
        let model = lowered(
            r"
oses:
  ubuntu-2404:
    family: linux
    installer: autoinstall
    iso: { url: https://example.com/ubuntu.iso, checksum: none }
    platforms: [proxmox]
    proxmox:
      extra_adapters: [{ bridge: vmbr1, vlan_tag: 20 }, { bridge: vmbr2 }]
  debian-12:
    family: linux
    platforms: [proxmox]
    proxmox:
      builder: clone
      clone_vm: debian-template
      extra_adapters: [{ bridge: vmbr1 }]
",
        );
        let body = &source(&model, PlatformName::Proxmox, "ubuntu-2404").body;
        let nics = blocks(body, "network_adapters");
        assert_eq!(nics.len(), 3);
        assert_eq!(text(nics[0], "bridge"), "var.proxmox_bridge");
        assert_eq!(text(nics[1], "bridge"), "vmbr1");
        assert_eq!(text(nics[1], "vlan_tag"), "20");
        assert_eq!(text(nics[1], "model"), "virtio");
        assert_eq!(text(nics[2], "bridge"), "vmbr2");
        assert!(attr(nics[2], "vlan_tag").is_none());
        let body = &source(&model, PlatformName::Proxmox, "debian-12").body;
        let nics = blocks(body, "network_adapters");
        assert_eq!(nics.len(), 2);
        assert_eq!(text(nics[1], "bridge"), "vmbr1");
    }

    /// Data disks follow the system disk as more `scsi` disks in the VM's pool. A clone keeps
    /// its template's disks and gets the data disks alone, which proxmox-clone puts at the
    /// next free `scsi` indexes (packer-plugin-proxmox v1.2.4 `builder/proxmox/clone/
    /// step_map_source_disks.go`, `StepMapSourceDisks.Run`, with `common/step_start_vm.go`,
    /// `generateProxmoxDisks`): it never replaces the template's system disk.
    #[test]
    fn data_disks_follow_the_system_disk() {
        let model = lowered(
            r"
  hardware: { data_disks_gb: [100, 200] }
oses:
  debian-12:
    iso: { proxmox_file: local:iso/debian.iso }
    platforms: [proxmox]
  ubuntu-2404:
    family: linux
    platforms: [proxmox]
    hardware: { data_disks_gb: [50] }
    proxmox: { builder: clone, clone_vm: ubuntu-template }
  rocky-9:
    iso: { proxmox_file: local:iso/rocky.iso }
    platforms: [proxmox]
    hardware: { data_disks_gb: [] }
",
        );
        let sizes = |os: &str| -> Vec<(String, String, String)> {
            let body = &source(&model, PlatformName::Proxmox, os).body;
            blocks(body, "disks")
                .iter()
                .map(|d| {
                    (
                        text(d, "type"),
                        text(d, "disk_size"),
                        text(d, "storage_pool"),
                    )
                })
                .collect()
        };
        let disk = |size: &str| {
            (
                "scsi".to_owned(),
                size.to_owned(),
                "var.proxmox_vm_storage_pool".to_owned(),
            )
        };
        assert_eq!(
            sizes("debian-12"),
            [disk("40G"), disk("100G"), disk("200G")]
        );
        assert_eq!(sizes("ubuntu-2404"), [disk("50G")]);
        assert_eq!(sizes("rocky-9"), [disk("40G")]);
    }
}
