//! The platforms section: Proxmox VE, vSphere and Azure, and where their images go.

use super::*;

/// The platforms. Configure the ones you build on; OSes pick from them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Platforms {
    /// Proxmox VE (proxmox-iso / proxmox-clone builders).
    pub proxmox: Option<Proxmox>,
    /// VMware vSphere (vsphere-iso / vsphere-clone builders).
    pub vsphere: Option<Vsphere>,
    /// Microsoft Azure (azure-arm builder).
    pub azure: Option<Azure>,
}

/// The name of a platform.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum PlatformName {
    /// Proxmox VE.
    Proxmox,
    /// VMware vSphere.
    Vsphere,
    /// Microsoft Azure.
    Azure,
}

impl PlatformName {
    /// Every platform, in output order.
    pub const ALL: [PlatformName; 3] = [
        PlatformName::Proxmox,
        PlatformName::Vsphere,
        PlatformName::Azure,
    ];

    /// The name as written in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformName::Proxmox => "proxmox",
            PlatformName::Vsphere => "vsphere",
            PlatformName::Azure => "azure",
        }
    }
}

/// How the build VM is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BuilderKind {
    /// Install from an ISO (proxmox-iso, vsphere-iso).
    #[default]
    Iso,
    /// Clone an existing VM or template (proxmox-clone, vsphere-clone).
    Clone,
}

/// Builder arguments passed through to the source block. Checked against the pinned plugin's
/// argument catalogue: names must exist and literal types must fit. A string argument, at the
/// top level or inside a block, may be `{ env: NAME }`: a sensitive variable read from that
/// environment variable when Packer runs. An argument that holds a secret must be.
pub type Options = BTreeMap<String, serde_json::Value>;

/// Proxmox VE connection, placement and output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Proxmox {
    /// Builder used unless an OS says otherwise.
    #[serde(default)]
    pub builder: BuilderKind,
    /// URL of the Proxmox API.
    #[schemars(example = &"https://pve.example.com:8006/api2/json")]
    pub endpoint: String,
    /// API token ID (`user@realm!token`).
    #[schemars(example = &"packer@pve!packer")]
    pub username: String,
    /// Secret of the API token.
    pub token: Credential,
    /// Skip TLS verification of the API endpoint.
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    /// Node the VM is built on.
    #[schemars(example = &"pve1")]
    pub node: String,
    /// Storage pool for the VM's disks (and EFI/TPM disks).
    #[schemars(example = &"local-lvm")]
    pub vm_storage_pool: String,
    /// Storage pool that holds ISO images (downloads and generated seed CDs).
    #[serde(default = "default_iso_storage_pool")]
    pub iso_storage_pool: String,
    /// Network bridge of the VM's network adapter.
    #[serde(default = "default_bridge")]
    pub bridge: String,
    /// VLAN tag of the network adapter.
    #[schemars(range(min = 1, max = 4094))]
    pub vlan_tag: Option<u16>,
    /// Attach a cloud-init drive to the template.
    #[serde(default)]
    pub cloud_init: bool,
    /// VirtIO driver ISO for Windows guests (storage and network drivers during Setup, guest
    /// tools afterwards). Needed when a Windows OS is installed on Proxmox.
    pub virtio_iso: Option<Iso>,
    /// Other proxmox builder arguments, checked against the plugin catalogue. Secrets (passwords,
    /// tokens, keys) are written as `{ env: NAME }`.
    #[serde(default)]
    pub options: Options,
}

fn default_iso_storage_pool() -> String {
    "local".to_owned()
}

fn default_bridge() -> String {
    "vmbr0".to_owned()
}

/// VMware vSphere connection, placement and output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vsphere {
    /// Builder used unless an OS says otherwise.
    #[serde(default)]
    pub builder: BuilderKind,
    /// vCenter server host name.
    #[schemars(example = &"vcenter.example.com")]
    pub endpoint: String,
    /// vCenter user.
    #[schemars(example = &"svc-packer@vsphere.local")]
    pub username: String,
    /// Password of the vCenter user.
    pub password: Credential,
    /// Skip TLS verification of vCenter.
    #[serde(default)]
    pub insecure_connection: bool,
    /// Datacenter.
    #[schemars(example = &"dc1")]
    pub datacenter: String,
    /// Cluster the VM runs in (this or `host`).
    pub cluster: Option<String>,
    /// ESXi host the VM runs on (this or `cluster`).
    pub host: Option<String>,
    /// Datastore for the VM.
    #[schemars(example = &"datastore1")]
    pub datastore: String,
    /// VM folder for the template.
    pub folder: Option<String>,
    /// Resource pool.
    pub resource_pool: Option<String>,
    /// Port group of the VM's network adapter.
    #[schemars(example = &"VM Network")]
    pub network: String,
    /// What the build produces.
    #[serde(default)]
    pub output: VsphereOutput,
    /// Other vsphere builder arguments, checked against the plugin catalogue. Secrets (passwords,
    /// tokens, keys) are written as `{ env: NAME }`.
    #[serde(default)]
    pub options: Options,
}

/// vSphere outputs: a template and/or a content library item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VsphereOutput {
    /// How the VM becomes a template: `convert` (builder's `convert_to_template`),
    /// `post-processor` (the `vsphere-template` post-processor) or `none`.
    #[serde(default)]
    pub template: VsphereTemplate,
    /// Also import the VM into a content library.
    pub content_library: Option<ContentLibrary>,
}

impl Default for VsphereOutput {
    fn default() -> Self {
        VsphereOutput {
            template: VsphereTemplate::Convert,
            content_library: None,
        }
    }
}

/// How a vSphere VM becomes a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VsphereTemplate {
    /// The builder converts the VM (`convert_to_template = true`).
    #[default]
    Convert,
    /// The `vsphere-template` post-processor marks the VM as a template.
    PostProcessor,
    /// Leave a VM.
    None,
}

/// A vSphere content library destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentLibrary {
    /// Name of the content library.
    #[schemars(example = &"packer-images")]
    pub library: String,
    /// Store as an OVF template (otherwise a VM template).
    #[serde(default = "yes")]
    pub ovf: bool,
    /// Delete the VM after importing it.
    #[serde(default)]
    pub destroy: bool,
}

/// Microsoft Azure connection, placement and output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Azure {
    /// Service principal application (client) ID.
    pub client_id: Credential,
    /// Service principal secret.
    pub client_secret: Credential,
    /// Entra ID tenant.
    pub tenant_id: Credential,
    /// Subscription the images are built in.
    pub subscription_id: Credential,
    /// Region the build VM runs in (this or `build_resource_group`).
    #[schemars(example = &"westeurope")]
    pub location: Option<String>,
    /// Existing resource group to build in (this or `location`).
    pub build_resource_group: Option<String>,
    /// Size of the build VM.
    #[serde(default = "default_vm_size")]
    pub vm_size: String,
    /// What the build produces: a managed image, a Shared Image Gallery version, or both.
    pub output: AzureOutput,
    /// Other azure-arm builder arguments, checked against the plugin catalogue. Secrets (passwords,
    /// tokens, keys) are written as `{ env: NAME }`.
    #[serde(default)]
    pub options: Options,
}

fn default_vm_size() -> String {
    "Standard_D2s_v5".to_owned()
}

/// Azure outputs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AzureOutput {
    /// Write a managed image.
    pub managed_image: Option<ManagedImage>,
    /// Publish an image version to a Shared Image Gallery.
    pub gallery: Option<Gallery>,
}

/// Managed image destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagedImage {
    /// Resource group of the managed image.
    #[schemars(example = &"rg-images")]
    pub resource_group: String,
}

/// Shared Image Gallery destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gallery {
    /// Resource group of the gallery.
    pub resource_group: String,
    /// Name of the gallery.
    #[schemars(example = &"sig_images")]
    pub name: String,
    /// A fixed image version to publish (`major.minor.patch`). Leave it out to publish a new
    /// version with every build, `<year>.<month><day>.<hour><minute><second>` in UTC (for
    /// example `2026.1130.84512`): a fixed version exists after the first build, and Azure
    /// refuses to publish it again unless Packer runs with `-force`, which deletes it first.
    #[schemars(transform = Format(&VERSION))]
    pub version: Option<String>,
    /// Regions to replicate the version to.
    #[serde(default)]
    pub replication_regions: Vec<String>,
}

/// The name of one of an OS's sources, the same on every platform: the OS's key, or
/// `<os>-<edition>` for a Windows edition. Artifacts, manifests and static addresses are named
/// after it.
pub fn source_name(os: &str, edition: Option<&str>) -> String {
    match edition {
        Some(edition) => format!("{os}-{edition}"),
        None => os.to_owned(),
    }
}
