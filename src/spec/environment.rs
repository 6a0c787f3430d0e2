//! Environments: per-environment overrides of platform settings.

use super::*;

/// One environment: overrides of platform settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// What the environment is for.
    pub description: Option<String>,
    /// Platform settings that differ in this environment. Credentials cannot differ: they are
    /// read from environment variables.
    #[serde(default)]
    pub platforms: EnvironmentPlatforms,
    /// Guest network of the installers in this environment (replaces `defaults.network`; a build
    /// without an address uses DHCP).
    pub network: Option<GuestNetwork>,
}

/// Per-platform overrides of one environment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentPlatforms {
    /// Proxmox overrides.
    pub proxmox: Option<ProxmoxOverride>,
    /// vSphere overrides.
    pub vsphere: Option<VsphereOverride>,
    /// Azure overrides.
    pub azure: Option<AzureOverride>,
}

/// Proxmox settings an environment may change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxmoxOverride {
    /// URL of the Proxmox API.
    pub endpoint: Option<String>,
    /// API token ID (`user@realm!token`).
    pub username: Option<String>,
    /// Skip TLS verification of the API endpoint.
    pub insecure_skip_tls_verify: Option<bool>,
    /// Node the VM is built on.
    pub node: Option<String>,
    /// Storage pool for the VM's disks.
    pub vm_storage_pool: Option<String>,
    /// Storage pool that holds ISO images.
    pub iso_storage_pool: Option<String>,
    /// Network bridge.
    pub bridge: Option<String>,
    /// VLAN tag.
    #[schemars(range(min = 1, max = 4094))]
    pub vlan_tag: Option<u16>,
}

/// vSphere settings an environment may change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VsphereOverride {
    /// vCenter server host name.
    pub endpoint: Option<String>,
    /// vCenter user.
    pub username: Option<String>,
    /// Skip TLS verification of vCenter.
    pub insecure_connection: Option<bool>,
    /// Datacenter.
    pub datacenter: Option<String>,
    /// Cluster.
    pub cluster: Option<String>,
    /// ESXi host.
    pub host: Option<String>,
    /// Datastore.
    pub datastore: Option<String>,
    /// VM folder.
    pub folder: Option<String>,
    /// Resource pool.
    pub resource_pool: Option<String>,
    /// Port group.
    pub network: Option<String>,
    /// Content library name.
    pub content_library: Option<String>,
}

/// Azure settings an environment may change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AzureOverride {
    /// Region the build VM runs in.
    pub location: Option<String>,
    /// Existing resource group to build in.
    pub build_resource_group: Option<String>,
    /// Size of the build VM.
    pub vm_size: Option<String>,
    /// Resource group of the managed image.
    pub managed_image_resource_group: Option<String>,
    /// Resource group of the gallery.
    pub gallery_resource_group: Option<String>,
    /// Name of the gallery.
    pub gallery_name: Option<String>,
    /// Image version to publish.
    #[schemars(transform = Format(&VERSION))]
    pub gallery_version: Option<String>,
    /// Regions to replicate the version to.
    pub replication_regions: Option<Vec<String>>,
}
