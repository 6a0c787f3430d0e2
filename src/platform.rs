//! What a platform's settings are, declared once: each setting an environment may change (and
//! each credential) with its spec field, the variable it becomes, its type and description,
//! the environment override's key, where an OS may set its own value, and how `explain` names
//! it. Lowering declares the variables from this table and `explain` lists the settings from
//! it. Also the facts of a platform that every stage reads alike: the builder component of a
//! builder kind, which builder an OS uses, the default disk and an Azure image's own disk.

use crate::catalogue::Component;
use crate::model::VarType;
use crate::release::OsFacts;
use crate::spec::{BuilderKind, Firmware, Hardware, Os, Partitioning, PlatformName, Spec};

/// A platform setting that becomes a variable `<platform>_<name>`.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The platform it belongs to.
    pub platform: PlatformName,
    /// The variable's name after the platform, and the key of the environment override.
    pub name: &'static str,
    /// JSON pointer of the base value inside `platforms.<platform>`.
    pub base: &'static str,
    /// A node that must be present for the setting to exist (an optional output).
    pub requires: Option<&'static str>,
    /// The variable's type.
    pub kind: VarType,
    /// The variable's description.
    pub description: &'static str,
    /// A `{ env: NAME }` credential: a sensitive variable, never overridden.
    pub credential: bool,
    /// Its name as `explain` shows it.
    pub label: &'static str,
    /// Where an OS sets its own value, inside `oses.<os>`, which wins over the platform's and
    /// every environment's (it is a literal in the OS's source).
    pub os_field: Option<&'static [&'static str]>,
    /// The builder argument a source sets to the variable, among its connection and placement
    /// arguments (in this table's order).
    pub argument: Option<&'static str>,
    /// The `vsphere-template` post-processor's argument set to the variable.
    pub template_argument: Option<&'static str>,
}

impl Setting {
    /// The setting with the builder argument it sets.
    const fn arg(self, argument: &'static str) -> Setting {
        Setting {
            argument: Some(argument),
            ..self
        }
    }

    /// The setting with the `vsphere-template` post-processor's argument it sets too.
    const fn template_arg(self, argument: &'static str) -> Setting {
        Setting {
            template_argument: Some(argument),
            ..self
        }
    }
}

const fn setting(
    platform: PlatformName,
    name: &'static str,
    base: &'static str,
    kind: VarType,
    description: &'static str,
) -> Setting {
    Setting {
        platform,
        name,
        base,
        requires: None,
        kind,
        description,
        credential: false,
        label: name,
        os_field: None,
        argument: None,
        template_argument: None,
    }
}

const fn secret(
    platform: PlatformName,
    name: &'static str,
    description: &'static str,
    base: &'static str,
) -> Setting {
    Setting {
        credential: true,
        ..setting(platform, name, base, VarType::String, description)
    }
}

const fn output(
    platform: PlatformName,
    name: &'static str,
    base: &'static str,
    requires: &'static str,
    kind: VarType,
    description: &'static str,
    label: &'static str,
) -> Setting {
    Setting {
        requires: Some(requires),
        label,
        ..setting(platform, name, base, kind, description)
    }
}

use PlatformName::{Azure, Proxmox, Vsphere};
use VarType::{Bool, ListString, String as Text};

/// Every platform setting an environment may change, and every credential, in declaration
/// order (variables are printed sorted by name).
pub const SETTINGS: &[Setting] = &[
    setting(Proxmox, "endpoint", "/endpoint", Text, "Proxmox API URL").arg("proxmox_url"),
    setting(
        Proxmox,
        "username",
        "/username",
        Text,
        "Proxmox API token ID (user@realm!token)",
    )
    .arg("username"),
    secret(Proxmox, "token", "Proxmox API token secret", "/token").arg("token"),
    setting(
        Proxmox,
        "insecure_skip_tls_verify",
        "/insecure_skip_tls_verify",
        Bool,
        "Skip TLS verification of the Proxmox API",
    )
    .arg("insecure_skip_tls_verify"),
    setting(
        Proxmox,
        "node",
        "/node",
        Text,
        "Proxmox node the VM is built on",
    )
    .arg("node"),
    setting(
        Proxmox,
        "vm_storage_pool",
        "/vm_storage_pool",
        Text,
        "Storage pool for VM disks",
    ),
    setting(
        Proxmox,
        "iso_storage_pool",
        "/iso_storage_pool",
        Text,
        "Storage pool for ISO images",
    ),
    setting(
        Proxmox,
        "bridge",
        "/bridge",
        Text,
        "Network bridge of the VM",
    ),
    setting(
        Proxmox,
        "vlan_tag",
        "/vlan_tag",
        Text,
        "VLAN tag of the VM's network adapter",
    ),
    setting(Vsphere, "endpoint", "/endpoint", Text, "vCenter server")
        .arg("vcenter_server")
        .template_arg("host"),
    setting(Vsphere, "username", "/username", Text, "vCenter user")
        .arg("username")
        .template_arg("username"),
    secret(Vsphere, "password", "vCenter password", "/password")
        .arg("password")
        .template_arg("password"),
    setting(
        Vsphere,
        "insecure_connection",
        "/insecure_connection",
        Bool,
        "Skip TLS verification of vCenter",
    )
    .arg("insecure_connection")
    .template_arg("insecure"),
    setting(
        Vsphere,
        "datacenter",
        "/datacenter",
        Text,
        "vSphere datacenter",
    )
    .arg("datacenter")
    .template_arg("datacenter"),
    setting(Vsphere, "cluster", "/cluster", Text, "vSphere cluster").arg("cluster"),
    setting(Vsphere, "host", "/host", Text, "ESXi host").arg("host"),
    setting(
        Vsphere,
        "datastore",
        "/datastore",
        Text,
        "Datastore of the VM",
    )
    .arg("datastore"),
    setting(
        Vsphere,
        "folder",
        "/folder",
        Text,
        "VM folder of the templates",
    )
    .arg("folder")
    .template_arg("folder"),
    setting(
        Vsphere,
        "resource_pool",
        "/resource_pool",
        Text,
        "Resource pool",
    )
    .arg("resource_pool"),
    setting(Vsphere, "network", "/network", Text, "Port group of the VM"),
    output(
        Vsphere,
        "content_library",
        "/output/content_library/library",
        "/output/content_library",
        Text,
        "Content library the VM is imported into",
        "output.content_library",
    ),
    secret(
        Azure,
        "client_id",
        "Service principal client ID",
        "/client_id",
    )
    .arg("client_id"),
    secret(
        Azure,
        "client_secret",
        "Service principal secret",
        "/client_secret",
    )
    .arg("client_secret"),
    secret(Azure, "tenant_id", "Tenant ID", "/tenant_id").arg("tenant_id"),
    secret(
        Azure,
        "subscription_id",
        "Subscription ID",
        "/subscription_id",
    )
    .arg("subscription_id"),
    setting(
        Azure,
        "location",
        "/location",
        Text,
        "Azure region of the build VM",
    )
    .arg("location"),
    setting(
        Azure,
        "build_resource_group",
        "/build_resource_group",
        Text,
        "Existing resource group to build in",
    )
    .arg("build_resource_group_name"),
    Setting {
        os_field: Some(&["azure", "vm_size"]),
        ..setting(Azure, "vm_size", "/vm_size", Text, "Size of the build VM")
    },
    output(
        Azure,
        "managed_image_resource_group",
        "/output/managed_image/resource_group",
        "/output/managed_image",
        Text,
        "Resource group of the managed images",
        "output.managed_image.resource_group",
    ),
    output(
        Azure,
        "gallery_resource_group",
        "/output/gallery/resource_group",
        "/output/gallery",
        Text,
        "Resource group of the Shared Image Gallery",
        "output.gallery.resource_group",
    ),
    output(
        Azure,
        "gallery_name",
        "/output/gallery/name",
        "/output/gallery",
        Text,
        "Shared Image Gallery",
        "output.gallery.name",
    ),
    output(
        Azure,
        "gallery_version",
        "/output/gallery/version",
        "/output/gallery",
        Text,
        "Image version published to the gallery",
        "output.gallery.version",
    ),
    output(
        Azure,
        "replication_regions",
        "/output/gallery/replication_regions",
        "/output/gallery",
        ListString,
        "Regions the image version is replicated to",
        "output.gallery.replication_regions",
    ),
];

/// The settings a platform's sources set as builder arguments, in order, with the argument.
pub fn source_arguments(
    platform: PlatformName,
) -> impl Iterator<Item = (&'static str, &'static Setting)> {
    SETTINGS
        .iter()
        .filter(move |s| s.platform == platform)
        .filter_map(|s| Some((s.argument?, s)))
}

impl Setting {
    /// The variable it becomes: `<platform>_<name>`.
    pub fn variable(&self) -> String {
        let mut name = String::new();
        self.variable_into(&mut name);
        name
    }

    /// [`Setting::variable`] written into `out`, cleared first: for loops that run per source.
    pub fn variable_into(&self, out: &mut String) {
        out.clear();
        out.push_str(self.platform.as_str());
        out.push('_');
        out.push_str(self.name);
    }
}

/// The plugin component of a builder kind on a platform.
pub fn component(platform: PlatformName, builder: BuilderKind) -> Component {
    match (platform, builder) {
        (PlatformName::Proxmox, BuilderKind::Iso) => Component::ProxmoxIso,
        (PlatformName::Proxmox, BuilderKind::Clone) => Component::ProxmoxClone,
        (PlatformName::Vsphere, BuilderKind::Iso) => Component::VsphereIso,
        (PlatformName::Vsphere, BuilderKind::Clone) => Component::VsphereClone,
        (PlatformName::Azure, _) => Component::AzureArm,
    }
}

/// The builder kind an OS uses on a platform: the OS's choice, else the platform's.
pub fn builder_of(spec: &Spec, os: &Os, platform: PlatformName) -> BuilderKind {
    let own = match platform {
        PlatformName::Proxmox => os.proxmox.as_ref().and_then(|p| p.builder),
        PlatformName::Vsphere => os.vsphere.as_ref().and_then(|p| p.builder),
        PlatformName::Azure => None,
    };
    builder_chosen(platform, own, platform_builder(spec, platform))
}

/// The builder kind a platform uses unless an OS chooses its own.
pub fn default_builder(spec: &Spec, platform: PlatformName) -> BuilderKind {
    builder_chosen(platform, None, platform_builder(spec, platform))
}

/// The builder kind `platforms.<platform>.builder` says, when the platform is configured.
fn platform_builder(spec: &Spec, platform: PlatformName) -> Option<BuilderKind> {
    let p = &spec.platforms;
    match platform {
        PlatformName::Proxmox => p.proxmox.as_ref().map(|p| p.builder),
        PlatformName::Vsphere => p.vsphere.as_ref().map(|p| p.builder),
        PlatformName::Azure => None,
    }
}

/// The rule behind [`builder_of`], for callers that read the two choices themselves (an editor
/// on a spec that does not load yet): the OS's own builder, else the platform's, else `iso`;
/// Azure always clones a Marketplace image.
pub fn builder_chosen(
    platform: PlatformName,
    os: Option<BuilderKind>,
    platform_builder: Option<BuilderKind>,
) -> BuilderKind {
    match platform {
        PlatformName::Azure => BuilderKind::Clone,
        PlatformName::Proxmox | PlatformName::Vsphere => {
            os.or(platform_builder).unwrap_or_default()
        }
    }
}

/// Whether the spec configures `platform` under `platforms`.
pub fn configured(spec: &Spec, platform: PlatformName) -> bool {
    let p = &spec.platforms;
    match platform {
        PlatformName::Proxmox => p.proxmox.is_some(),
        PlatformName::Vsphere => p.vsphere.is_some(),
        PlatformName::Azure => p.azure.is_some(),
    }
}

/// The configured platforms an OS is installed on from an ISO (with its installer), in the
/// OS's order. Azure starts from a Marketplace image and is never among them.
pub fn iso_platforms(spec: &Spec, os: &Os) -> Vec<PlatformName> {
    os.platforms
        .iter()
        .copied()
        .filter(|platform| configured(spec, *platform))
        .filter(|platform| builder_of(spec, os, *platform) == BuilderKind::Iso)
        .collect()
}

/// The disk size when no layer sets one, in GiB.
pub const DEFAULT_DISK_GB: u32 = 40;

/// Hardware used when no layer sets a value. Secure Boot has no default of its own: see
/// [`hardware`].
pub const DEFAULT_HARDWARE: Hardware = Hardware {
    cpus: Some(2),
    memory_mb: Some(4096),
    disk_gb: Some(DEFAULT_DISK_GB),
    data_disks_gb: Some(Vec::new()),
    partitioning: Some(Partitioning::Lvm),
    firmware: Some(Firmware::Uefi),
    tpm: Some(false),
    secure_boot: None,
};

/// The `hardware` fields a platform's builds use, in the order `explain` shows them. On
/// Azure the VM size decides CPUs and memory, and the image the firmware and the partitions.
pub fn hardware_fields(platform: PlatformName) -> &'static [&'static str] {
    match platform {
        PlatformName::Azure => &["disk_gb", "data_disks_gb", "tpm", "secure_boot"],
        _ => &[
            "cpus",
            "memory_mb",
            "disk_gb",
            "data_disks_gb",
            "partitioning",
            "firmware",
            "tpm",
            "secure_boot",
        ],
    }
}

/// Where a layer of an OS's `hardware` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HardwareOrigin<'a> {
    /// What the OS's release requires (Windows 11: UEFI, Secure Boot, a TPM), from the
    /// catalogue: the release's name.
    Release(&'static str),
    /// A `hardware` mapping of the spec, by its path.
    Spec(Vec<&'a str>),
}

/// The `hardware` layers that apply to an OS's builds on a platform, in increasing
/// precedence: what its release requires, then the spec's mappings, each with its path:
/// `defaults.hardware`, `oses.<os>.hardware`, and `oses.<os>.<platform>.hardware` on the
/// platforms that have one (Proxmox, vSphere).
pub fn hardware_layers<'a>(
    spec: &'a Spec,
    name: &'a str,
    os: &'a Os,
    platform: PlatformName,
) -> Vec<(HardwareOrigin<'a>, &'a Hardware)> {
    let mut layers = Vec::new();
    if let Some(release) = os.known()
        && let Some(windows) = release.windows
    {
        layers.push((HardwareOrigin::Release(release.name), &windows.hardware));
    }
    layers.push((
        HardwareOrigin::Spec(vec!["defaults", "hardware"]),
        &spec.defaults.hardware,
    ));
    layers.push((
        HardwareOrigin::Spec(vec!["oses", name, "hardware"]),
        &os.hardware,
    ));
    let own = match platform {
        PlatformName::Proxmox => os.proxmox.as_ref().map(|p| &p.hardware),
        PlatformName::Vsphere => os.vsphere.as_ref().map(|p| &p.hardware),
        PlatformName::Azure => None,
    };
    if let Some(hardware) = own {
        layers.push((
            HardwareOrigin::Spec(vec!["oses", name, platform.as_str(), "hardware"]),
            hardware,
        ));
    }
    layers
}

/// The spec's own `hardware` layers of [`hardware_layers`], by path: the ones a user can edit.
pub fn spec_hardware_layers<'a>(
    spec: &'a Spec,
    name: &'a str,
    os: &'a Os,
    platform: PlatformName,
) -> Vec<(Vec<&'a str>, &'a Hardware)> {
    hardware_layers(spec, name, os, platform)
        .into_iter()
        .filter_map(|(origin, hardware)| match origin {
            HardwareOrigin::Spec(path) => Some((path, hardware)),
            HardwareOrigin::Release(_) => None,
        })
        .collect()
}

/// The hardware of an OS's builds on a platform, every field set: each layer of
/// [`hardware_layers`] over [`DEFAULT_HARDWARE`]. Unset, Secure Boot is what the platform does
/// by default: Proxmox enrolls Microsoft's keys on the EFI disk of a UEFI VM (as hybridc always
/// has), vSphere's `efi` and Azure's standard security type leave it off.
pub fn hardware(spec: &Spec, os: &Os, platform: PlatformName) -> Hardware {
    // Only the values count here, not the paths, which are the only use of the OS's name.
    let hw = hardware_layers(spec, "", os, platform)
        .into_iter()
        .rev()
        .fold(Hardware::default(), |hw, (_, layer)| hw.or(layer))
        .or(&DEFAULT_HARDWARE);
    let uefi = hw.firmware == Some(Firmware::Uefi);
    Hardware {
        secure_boot: Some(
            hw.secure_boot
                .unwrap_or(platform == PlatformName::Proxmox && uefi),
        ),
        ..hw
    }
}

/// The OS disk size of an Azure Marketplace image, where it is documented: Windows Server and
/// Windows client images have 127 GiB, their `smalldisk` SKUs 30 GiB (Microsoft Learn,
/// "Azure Windows VM images with a smaller OS disk", and the managed-disk sizing notes), and
/// the Ubuntu and Debian images 30 GiB (Microsoft Learn, "Expand virtual hard disks on a
/// Linux VM": the OS disk of most Linux images is 30 GiB). `None` for other images.
pub fn azure_image_disk_gb(publisher: &str, sku: &str) -> Option<u32> {
    let sku = sku.to_ascii_lowercase();
    match publisher.to_ascii_lowercase().as_str() {
        "microsoftwindowsserver" | "microsoftwindowsdesktop" => {
            Some(if sku.contains("smalldisk") { 30 } else { 127 })
        }
        "canonical" | "debian" => Some(30),
        _ => None,
    }
}

/// The Hyper-V generation of an Azure Marketplace image, where its SKU says it (Microsoft
/// Learn, "Support for generation 2 VMs on Azure", its list of generation 2 Marketplace
/// images): Windows Server's generation 2 SKUs end in `-g2` or are `gensecond` or Azure
/// Edition SKUs, Windows 10's end in `-g2` and Windows 11 has generation 2 only; Canonical's
/// generation 1 SKUs end in `gen1` or, in the older offers, in `-lts` (`22_04-lts`, whose
/// generation 2 twin is `22_04-lts-gen2`); Debian's generation 2 SKUs end in `gen2`. `None`
/// for other publishers.
pub fn azure_image_generation(publisher: &str, sku: &str) -> Option<u8> {
    let sku = sku.to_ascii_lowercase();
    let second = |yes: bool| Some(if yes { 2 } else { 1 });
    match publisher.to_ascii_lowercase().as_str() {
        "microsoftwindowsserver" => second(
            sku.ends_with("-g2") || sku.contains("gensecond") || sku.contains("azure-edition"),
        ),
        "microsoftwindowsdesktop" => second(sku.ends_with("-g2") || sku.starts_with("win11")),
        "canonical" => second(!(sku.ends_with("gen1") || sku.ends_with("-lts"))),
        "debian" => second(sku.ends_with("gen2")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys an environment may set under `platforms.<platform>`.
    fn override_keys<T: schemars::JsonSchema>() -> Vec<String> {
        let schema = serde_json::to_value(schemars::schema_for!(T)).expect("a schema");
        let mut keys: Vec<String> = schema["properties"]
            .as_object()
            .expect("an object schema")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    /// The example's images and their documented twins.
    #[test]
    fn azure_image_generations_follow_their_skus() {
        for (publisher, sku, generation) in [
            ("MicrosoftWindowsServer", "2022-datacenter-g2", Some(2)),
            ("MicrosoftWindowsServer", "2022-datacenter", Some(1)),
            (
                "MicrosoftWindowsServer",
                "2022-datacenter-azure-edition",
                Some(2),
            ),
            (
                "MicrosoftWindowsServer",
                "2019-datacenter-gensecond",
                Some(2),
            ),
            ("MicrosoftWindowsDesktop", "win11-23h2-pro", Some(2)),
            ("MicrosoftWindowsDesktop", "win10-22h2-pro", Some(1)),
            ("Canonical", "server", Some(2)),
            ("Canonical", "server-gen1", Some(1)),
            ("Canonical", "22_04-lts", Some(1)),
            ("Canonical", "22_04-lts-gen2", Some(2)),
            ("Debian", "12-gen2", Some(2)),
            ("Debian", "12", Some(1)),
            ("resf", "9-base", None),
        ] {
            assert_eq!(
                azure_image_generation(publisher, sku),
                generation,
                "{publisher}:{sku}"
            );
        }
    }

    /// Every key an environment's override struct accepts is a setting of this table, and the
    /// reverse: a field added to one but not the other would be ignored without a word.
    #[test]
    fn the_table_and_the_environment_overrides_name_the_same_settings() {
        for (platform, keys) in [
            (
                PlatformName::Proxmox,
                override_keys::<crate::spec::ProxmoxOverride>(),
            ),
            (
                PlatformName::Vsphere,
                override_keys::<crate::spec::VsphereOverride>(),
            ),
            (
                PlatformName::Azure,
                override_keys::<crate::spec::AzureOverride>(),
            ),
        ] {
            let mut settings: Vec<String> = SETTINGS
                .iter()
                .filter(|s| s.platform == platform && !s.credential)
                .map(|s| s.name.to_owned())
                .collect();
            settings.sort();
            assert_eq!(settings, keys, "{}", platform.as_str());
        }
    }
}
