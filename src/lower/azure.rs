//! The arguments of an Azure source (azure-arm).

use super::{Lowerer, Target, n, ptr, s};
use crate::hcl::Expr;
use crate::model::Args;
use crate::platform::azure_image_disk_gb;
use crate::release::OsFacts;
use crate::spec::PlatformName;

impl Lowerer<'_> {
    pub(super) fn azure(
        &mut self,
        body: &mut Args,
        t: Target<'_>,
        edition: Option<&crate::spec::Edition>,
        source_name: &str,
    ) {
        let Target { name, os, .. } = t;
        let o = ptr(&["platforms", "azure"]);
        let os_origin = ptr(&["oses", name]);
        self.connection(body, PlatformName::Azure, &o);
        match os.azure.as_ref().and_then(|a| a.vm_size.clone()) {
            Some(size) => body.attr(
                "vm_size",
                s(&size),
                &ptr(&["oses", name, "azure", "vm_size"]),
            ),
            None => {
                let size = self.var("azure_vm_size");
                body.attr("vm_size", size, &o);
            }
        }
        body.attr("os_type", s(t.family.azure_os_type), &os_origin);
        // The OS's own image, else its release's (the OS entry is then the origin).
        let image_origin = if os.azure_image.is_some() {
            ptr(&["oses", name, "azure_image"])
        } else {
            os_origin.clone()
        };
        let image = os.azure_image();
        if let Some(image) = &image {
            body.attr("image_publisher", s(&image.publisher), &image_origin);
            body.attr("image_offer", s(&image.offer), &image_origin);
            let sku = edition
                .and_then(|e| e.azure_sku.clone())
                .unwrap_or_else(|| image.sku.clone());
            body.attr("image_sku", s(&sku), &image_origin);
            body.attr("image_version", s(&image.version), &image_origin);
        }
        // Never below the image's own disk, which Azure refuses; `semantic` warns about it.
        let (_, _, disk, _) = self.hardware(os, PlatformName::Azure);
        let image_disk = image.as_ref().and_then(|image| {
            let sku = edition
                .and_then(|e| e.azure_sku.as_deref())
                .unwrap_or(&image.sku);
            azure_image_disk_gb(&image.publisher, sku)
        });
        if image_disk.is_none_or(|size| disk >= size) {
            body.attr("os_disk_size_gb", n(disk), &os_origin);
        }
        let hw = crate::platform::hardware(self.spec, os, PlatformName::Azure);
        // Data disks: empty managed disks at the next free LUNs, captured into the image with
        // the OS disk (packer-plugin-azure v2.6.3 `builder/azure/common/template/
        // template_builder.go`, `TemplateBuilder.SetAdditionalDisks`).
        if let Some(data) = hw.data_disks_gb.as_ref().filter(|d| !d.is_empty()) {
            let sizes = data.iter().map(|size| n(*size)).collect();
            body.attr("disk_additional_size", Expr::List(sizes), &os_origin);
        }
        // Trusted Launch: a Gen2 VM with Secure Boot and a vTPM (packer-plugin-azure v2.6.3
        // `builder/azure/common/template/template_builder.go`, `SetSecurityProfile`).
        let (tpm, secure_boot) = (hw.tpm == Some(true), hw.secure_boot == Some(true));
        if tpm || secure_boot {
            body.attr("security_type", s("TrustedLaunch"), &os_origin);
            body.attr("secure_boot_enabled", Expr::Bool(secure_boot), &os_origin);
            body.attr("vtpm_enabled", Expr::Bool(tpm), &os_origin);
        }
        let spec = self.spec;
        let platform = spec
            .platforms
            .azure
            .as_ref()
            .expect("an azure source implies an azure platform");
        if platform.output.managed_image.is_some() {
            let mi = ptr(&["platforms", "azure", "output", "managed_image"]);
            let versioned = self.versioned(source_name);
            body.attr("managed_image_name", versioned, &mi);
            let group = self.var("azure_managed_image_resource_group");
            body.attr("managed_image_resource_group_name", group, &mi);
        }
        let mut tags: Vec<(String, Expr)> = self
            .spec
            .defaults
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), s(v)))
            .collect();
        tags.push(("os".into(), s(name)));
        if let Some(e) = edition {
            tags.push(("edition".into(), s(&e.name)));
        }
        let build_version = self.build_version();
        tags.push(("build_version".into(), build_version));
        tags.sort_by(|a, b| a.0.cmp(&b.0));
        tags.dedup_by(|a, b| a.0 == b.0);
        body.attr(
            "azure_tags",
            Expr::Object(tags),
            &ptr(&["defaults", "tags"]),
        );
        self.communicator(body, t.family.azure_communicator, &os_origin);
        if platform.output.gallery.is_some() {
            let g = ptr(&["platforms", "azure", "output", "gallery"]);
            let mut dest = Args::default();
            let subscription = self.var("azure_subscription_id");
            dest.attr("subscription", subscription, &g);
            let group = self.var("azure_gallery_resource_group");
            dest.attr("resource_group", group, &g);
            let gallery = self.var("azure_gallery_name");
            dest.attr("gallery_name", gallery, &g);
            let image = os
                .azure
                .as_ref()
                .and_then(|a| a.gallery_image.clone())
                .unwrap_or_else(|| source_name.to_owned());
            dest.attr("image_name", s(&image), &os_origin);
            let version = if self.has_var("azure_gallery_version") {
                self.var("azure_gallery_version")
            } else {
                self.gallery_version()
            };
            dest.attr("image_version", version, &g);
            if self.has_var("azure_replication_regions") {
                let regions = self.var("azure_replication_regions");
                let mut region = Args::default();
                region.attr("name", Expr::Traversal("target_region.value".into()), &g);
                dest.dynamic("target_region", regions, region, &g);
            }
            body.block("shared_image_gallery_destination", dest, &g);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attr, lowered, source, text};
    use crate::hcl::Expr;
    use crate::spec::PlatformName;

    const OSES: &str = r"
oses:
  ubuntu-2404:
    family: linux
    azure_image: { publisher: Canonical, offer: ubuntu-24_04-lts, sku: server }
    platforms: [azure]
  windows-2022:
    family: windows
    azure_image: { publisher: MicrosoftWindowsServer, offer: WindowsServer, sku: 2022-datacenter-g2 }
    platforms: [azure]
    editions:
      - { name: datacenter, image_name: Windows Server 2022 SERVERDATACENTER }
";

    /// A Linux image: SSH alone (azure-arm makes its own user), the disk asked for, and a
    /// versioned managed image.
    #[test]
    fn a_linux_image() {
        let model = lowered(OSES);
        let body = &source(&model, PlatformName::Azure, "ubuntu-2404").body;
        assert_eq!(text(body, "client_id"), "var.azure_client_id");
        assert_eq!(text(body, "os_type"), "Linux");
        assert_eq!(text(body, "communicator"), "ssh");
        assert!(attr(body, "ssh_username").is_none());
        assert_eq!(attr(body, "os_disk_size_gb"), Some(&Expr::Number(40)));
        assert_eq!(
            text(body, "managed_image_name"),
            "ubuntu-2404-${local.build_version}"
        );
    }

    /// A Windows image: WinRM over TLS as azure-arm's user, and never a disk below the image's
    /// own 127 GiB.
    #[test]
    fn a_windows_image() {
        let model = lowered(OSES);
        let body = &source(&model, PlatformName::Azure, "windows-2022-datacenter").body;
        assert_eq!(text(body, "os_type"), "Windows");
        assert_eq!(text(body, "winrm_username"), "packer");
        assert_eq!(attr(body, "winrm_use_ssl"), Some(&Expr::Bool(true)));
        assert!(attr(body, "os_disk_size_gb").is_none());
    }

    /// An arm64 OS of a release with an arm64 Marketplace image starts from it, on the Arm size
    /// it names.
    #[test]
    fn an_arm64_build_starts_from_the_arm64_image() {
        let model = lowered(
            r"
oses:
  ubuntu-2404:
    arch: arm64
    platforms: [azure]
    azure: { vm_size: Standard_D2ps_v5 }
",
        );
        let body = &source(&model, PlatformName::Azure, "ubuntu-2404").body;
        assert_eq!(text(body, "image_offer"), "ubuntu-24_04-lts");
        assert_eq!(text(body, "image_sku"), "server-arm64");
        assert_eq!(text(body, "vm_size"), "Standard_D2ps_v5");
    }

    /// Data disks are `disk_additional_size`, in GiB: azure-arm attaches each as an empty
    /// managed disk at the next free LUN and captures it into the image (packer-plugin-azure
    /// v2.6.3 `builder/azure/common/template/template_builder.go`,
    /// `TemplateBuilder.SetAdditionalDisks`). None without data disks.
    #[test]
    fn data_disks_are_additional_managed_disks() {
        let model = lowered(&OSES.replace(
            "    platforms: [azure]\n  windows-2022:",
            "    platforms: [azure]\n    hardware: { data_disks_gb: [100, 200] }\n  windows-2022:",
        ));
        let body = &source(&model, PlatformName::Azure, "ubuntu-2404").body;
        assert_eq!(
            attr(body, "disk_additional_size"),
            Some(&Expr::List(vec![Expr::Number(100), Expr::Number(200)]))
        );
        let body = &source(&model, PlatformName::Azure, "windows-2022-datacenter").body;
        assert!(attr(body, "disk_additional_size").is_none());
    }
}
