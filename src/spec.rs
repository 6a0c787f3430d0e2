//! The spec model: the Rust types behind `spec/hybrid.yaml` and its JSON Schema.
//!
//! The doc comments here are the descriptions editors show on hover, and the serde attributes
//! are the schema's rules, so this file is the single source of truth for the spec's shape.
//! It describes data only: checks that need more than one field (references between sections,
//! files on disk, contradictions) belong to the semantic stage.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A text format the schema checks with a `pattern`, declared once with what a person is told
/// about it. The schema carries all of it: the `pattern`, `patternErrorMessage` (the format in
/// words, which VS Code and yaml-language-server show instead of the regular expression, and
/// the schema stage uses as its label) and `examples`.
#[derive(Debug)]
pub struct TextFormat {
    /// The regular expression (ECMA-262, as JSON Schema reads it).
    pub pattern: &'static str,
    /// A valid value, in words: "an IPv4 address".
    pub words: &'static str,
    /// Valid values, the most common first.
    pub examples: &'static [&'static str],
}

impl TextFormat {
    /// Every format the spec uses, for tests.
    pub const ALL: &'static [&'static TextFormat] = &[
        &USER_NAME,
        &VARIABLE_NAME,
        &IPV4_ADDRESS,
        &IPV4_PREFIX,
        &CHECKSUM,
        &VERSION,
        &DURATION,
    ];

    fn apply(&self, schema: &mut serde_json::Map<String, serde_json::Value>) {
        schema.insert("pattern".into(), self.pattern.into());
        schema.insert(
            "patternErrorMessage".into(),
            format!("expected {}", self.words).into(),
        );
        schema.insert("examples".into(), self.examples.into());
    }
}

/// A build user name.
pub const USER_NAME: TextFormat = TextFormat {
    pattern: r"^[a-z_][a-z0-9_-]{0,31}$",
    words: "a user name: up to 32 lowercase letters, digits, `_` and `-`, starting with a letter or `_`",
    examples: &["packer"],
};

/// The name of an environment variable.
pub const VARIABLE_NAME: TextFormat = TextFormat {
    pattern: r"^[A-Za-z_][A-Za-z0-9_]*$",
    words: "an environment variable name: letters, digits and `_`, not starting with a digit",
    examples: &["PROXMOX_TOKEN"],
};

/// An IPv4 address.
pub const IPV4_ADDRESS: TextFormat = TextFormat {
    pattern: r"^(\d{1,3}\.){3}\d{1,3}$",
    words: "an IPv4 address",
    examples: &["192.0.2.1"],
};

/// An IPv4 address with its prefix length.
pub const IPV4_PREFIX: TextFormat = TextFormat {
    pattern: r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$",
    words: "an IPv4 address with its prefix length",
    examples: &["192.0.2.50/24"],
};

/// An ISO checksum as Packer's `iso_checksum` takes it.
pub const CHECKSUM: TextFormat = TextFormat {
    pattern: r"^((md5|sha1|sha256|sha512):[0-9a-fA-F]+|file:.+|none)$",
    words: "a checksum after its algorithm (`sha256:`, `sha512:`, `sha1:` or `md5:`), `file:` and the URL of a checksum file, or `none`",
    examples: &[
        "sha256:97f3d7ffb032c3eb3b23d2c8be9cc76e60c2c1f2c0146ba5ba9fe01cafae0fd8",
        "file:https://releases.ubuntu.com/24.04.5/SHA256SUMS",
    ],
};

/// An Azure gallery image version.
pub const VERSION: TextFormat = TextFormat {
    pattern: r"^\d+\.\d+\.\d+$",
    words: "three numbers separated by dots, `major.minor.patch`",
    examples: &["1.0.0"],
};

/// A Go duration, as Packer's timeouts take it.
pub const DURATION: TextFormat = TextFormat {
    pattern: r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",
    words: "a duration: numbers, each with a unit `h`, `m`, `s`, `ms`, `us` or `ns`",
    examples: &["15m", "1h30m"],
};

/// `#[schemars(transform = Format(&F))]`: the field is a string in the format `F`.
struct Format(&'static TextFormat);

impl schemars::transform::Transform for Format {
    fn transform(&mut self, schema: &mut schemars::Schema) {
        if let Some(object) = schema.as_object_mut() {
            self.0.apply(object);
        }
    }
}

/// `#[schemars(transform = Each(&F))]`: every item of the list, or every value of the map, is
/// a string in the format `F`.
struct Each(&'static TextFormat);

impl schemars::transform::Transform for Each {
    fn transform(&mut self, schema: &mut schemars::Schema) {
        for keyword in ["items", "additionalProperties"] {
            if let Some(serde_json::Value::Object(inner)) = schema.get_mut(keyword) {
                self.0.apply(inner);
            }
        }
    }
}

/// How a spec name (an OS, an edition, a build) is written inside Packer variable and local
/// names, where `-` is not allowed: `ubuntu-2404` declares `local.ubuntu_2404_installer_vars`.
pub fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// A hybridc spec: OSes x platforms x provisioning x environments, compiled into Packer HCL2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "hybridc spec")]
pub struct Spec {
    /// Version of the spec format. Only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// Settings of the generated `packer {}` block.
    #[serde(default)]
    pub packer: PackerSettings,
    /// Values every OS inherits unless it sets its own. Layering: defaults -> OS -> platform -> environment.
    #[serde(default)]
    pub defaults: Defaults,
    /// The platforms images are built on, with their connection, placement and output settings.
    pub platforms: Platforms,
    /// One entry per OS. The key is the build name: lowercase letters, digits and `-`, starting
    /// with a letter (it becomes a Packer label, so no dots).
    #[schemars(length(min = 1))]
    pub oses: BTreeMap<String, Os>,
    /// Named, reusable provisioning step lists. OSes refer to them by name in `provisioning`.
    #[serde(default)]
    pub provisioning: BTreeMap<String, Vec<Step>>,
    /// Environments (for example `dev`, `prod`). Each becomes `env/<name>.pkrvars.hcl`, overriding
    /// platform settings; credentials are never written there.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
}

/// The generated `packer {}` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackerSettings {
    /// Packer version constraint written to `required_version`.
    #[serde(default = "default_required_version")]
    #[schemars(example = &">= 1.11.0")]
    pub required_version: String,
}

impl Default for PackerSettings {
    fn default() -> Self {
        PackerSettings {
            required_version: default_required_version(),
        }
    }
}

fn default_required_version() -> String {
    ">= 1.11.0".to_owned()
}

/// Values every OS inherits.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Virtual hardware of the build VM.
    #[serde(default)]
    pub hardware: Hardware,
    /// Language, keyboard and time zone of the installed system.
    #[serde(default)]
    pub locale: Locale,
    /// The account the installer creates and Packer connects with.
    #[serde(default)]
    pub build_user: Option<BuildUser>,
    /// How the installer receives its answer file, unless an OS says otherwise.
    #[serde(default)]
    pub seed: SeedChannel,
    /// Guest network during the build: DHCP unless a static address is given.
    #[serde(default)]
    pub network: Option<GuestNetwork>,
    /// Tags added to every image (Azure tags, Proxmox tags, vSphere notes and the manifest).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// Virtual hardware. Every field is optional so that OSes and platforms can override single values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hardware {
    /// Number of virtual CPUs.
    #[schemars(range(min = 1, max = 512), example = 2)]
    pub cpus: Option<u32>,
    /// Memory in MiB.
    #[schemars(range(min = 256, max = 4194304), example = 4096)]
    pub memory_mb: Option<u32>,
    /// Size of the system disk in GiB.
    #[schemars(range(min = 1, max = 65536), example = 40)]
    pub disk_gb: Option<u32>,
    /// Firmware of the VM: `bios` or `uefi`.
    pub firmware: Option<Firmware>,
}

impl Hardware {
    /// `self` with every unset field taken from `lower`.
    pub fn or(&self, lower: &Hardware) -> Hardware {
        Hardware {
            cpus: self.cpus.or(lower.cpus),
            memory_mb: self.memory_mb.or(lower.memory_mb),
            disk_gb: self.disk_gb.or(lower.disk_gb),
            firmware: self.firmware.or(lower.firmware),
        }
    }
}

/// VM firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Firmware {
    /// Legacy BIOS.
    Bios,
    /// UEFI.
    Uefi,
}

impl Firmware {
    /// The spec's spelling: `bios` or `uefi`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bios => "bios",
            Self::Uefi => "uefi",
        }
    }
}

/// Locale of the installed system.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Locale {
    /// System language (POSIX locale name).
    #[schemars(example = &"en_US")]
    pub language: Option<String>,
    /// Keyboard layout.
    #[schemars(example = &"us")]
    pub keyboard: Option<String>,
    /// Time zone (IANA name).
    #[schemars(example = &"UTC")]
    pub timezone: Option<String>,
}

/// The account the installer creates. Its password is a credential, read from the environment at build time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildUser {
    /// User name (lowercase letters, digits, `_` and `-`, starting with a letter or `_`).
    #[schemars(transform = Format(&USER_NAME))]
    pub username: String,
    /// Password Packer connects with (SSH or WinRM).
    pub password: Credential,
    /// SHA-512 crypt hash of the password, for Linux installers (`mkpasswd -m sha-512`).
    pub password_hash: Option<Credential>,
}

/// A secret, read from an environment variable when Packer runs. Never a literal value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Name of the environment variable that holds the secret.
    #[schemars(transform = Format(&VARIABLE_NAME))]
    pub env: String,
}

/// What an environment variable's name may be, in a credential and in `options`.
pub const ENV_NAME_PATTERN: &str = VARIABLE_NAME.pattern;

/// Whether `name` matches [`ENV_NAME_PATTERN`].
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The environment variable an `options` value reads: `Some(NAME)` for `{ env: NAME }` (a
/// mapping whose only key is `env`, holding a string), `None` for any other value.
pub fn env_reference(value: &serde_json::Value) -> Option<&str> {
    match value {
        serde_json::Value::Object(entries) if entries.len() == 1 => entries.get("env")?.as_str(),
        _ => None,
    }
}

/// How the installer's answer file reaches the VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeedChannel {
    /// Served by Packer's HTTP server (`http_content`).
    #[default]
    Http,
    /// On a CD labelled `cidata` (`cd_content`).
    Cd,
}

/// Guest network during the installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestNetwork {
    /// Static IPv4 address with prefix length of each build that needs one, by source name: the
    /// OS's key, or `<os>-<edition>` for a Windows edition. A build that is not listed uses
    /// DHCP. Builds of several OSes run at the same time, so each gets its own address.
    #[serde(default)]
    #[schemars(
        transform = Each(&IPV4_PREFIX),
        example = &serde_json::json!({ "ubuntu-2404": "192.0.2.50/24" })
    )]
    pub addresses: BTreeMap<String, String>,
    /// Default gateway, with a static address.
    #[schemars(transform = Format(&IPV4_ADDRESS))]
    pub gateway: Option<String>,
    /// DNS servers, with a static address.
    #[serde(default)]
    #[schemars(transform = Each(&IPV4_ADDRESS))]
    pub dns: Vec<String>,
}

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

fn yes() -> bool {
    true
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

/// One OS. Its key in `oses` is the build name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Os {
    /// Human-readable description, used in template notes.
    pub description: Option<String>,
    /// OS family: decides communicator (ssh or winrm), installers and generalisation.
    pub family: Family,
    /// Unattended installer of the ISO builds.
    pub installer: Option<Installer>,
    /// How the installer's answer file reaches the VM (default: `defaults.seed`).
    pub seed: Option<SeedChannel>,
    /// Installer ISO for iso builders.
    pub iso: Option<Iso>,
    /// Azure Marketplace image the Azure build starts from.
    pub azure_image: Option<AzureImage>,
    /// Platforms this OS is built on.
    #[schemars(length(min = 1))]
    pub platforms: Vec<PlatformName>,
    /// Hardware overrides for this OS.
    #[serde(default)]
    pub hardware: Hardware,
    /// Locale overrides for this OS.
    #[serde(default)]
    pub locale: Locale,
    /// Windows editions: one source per edition on each platform.
    #[serde(default)]
    pub editions: Vec<Edition>,
    /// Names of `provisioning` sets to run, in order.
    #[serde(default)]
    pub provisioning: Vec<String>,
    /// Proxmox settings of this OS.
    pub proxmox: Option<OsProxmox>,
    /// vSphere settings of this OS.
    pub vsphere: Option<OsVsphere>,
    /// Azure settings of this OS.
    pub azure: Option<OsAzure>,
}

/// OS family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Linux: SSH communicator.
    Linux,
    /// Windows: WinRM communicator.
    Windows,
}

impl Family {
    /// The family as written in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Linux => "linux",
            Family::Windows => "windows",
        }
    }
}

/// Unattended installer kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Installer {
    /// Ubuntu subiquity autoinstall (cloud-init `user-data` and `meta-data`).
    Autoinstall,
    /// Red Hat family kickstart (`ks.cfg`).
    Kickstart,
    /// Debian preseed (`preseed.cfg`).
    Preseed,
    /// Windows Setup answer file (`autounattend.xml`).
    Autounattend,
}

impl Installer {
    /// The installer as written in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            Installer::Autoinstall => "autoinstall",
            Installer::Kickstart => "kickstart",
            Installer::Preseed => "preseed",
            Installer::Autounattend => "autounattend",
        }
    }

    /// The family whose installer this is.
    pub fn family(self) -> Family {
        match self {
            Installer::Autounattend => Family::Windows,
            _ => Family::Linux,
        }
    }

    /// The template files the installer needs under `builds/<os>/`.
    pub fn templates(self) -> &'static [&'static str] {
        match self {
            Installer::Autoinstall => &["user-data.pkrtpl.hcl", "meta-data.pkrtpl.hcl"],
            Installer::Kickstart => &["ks.pkrtpl.hcl"],
            Installer::Preseed => &["preseed.pkrtpl.hcl"],
            Installer::Autounattend => &["autounattend.pkrtpl.hcl"],
        }
    }
}

/// Where the installer ISO comes from: a URL with checksum (downloaded by Packer), and/or a file
/// already on the platform.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Iso {
    /// Download URL.
    #[schemars(example = &"https://releases.ubuntu.com/24.04.5/ubuntu-24.04.5-live-server-amd64.iso")]
    pub url: Option<String>,
    /// Checksum with algorithm prefix, or `file:<url>` of a checksum file.
    #[schemars(transform = Format(&CHECKSUM))]
    pub checksum: Option<String>,
    /// ISO already uploaded to Proxmox storage (`<storage>:iso/<file>`), used instead of the URL there.
    #[schemars(example = &"local:iso/ubuntu-24.04.5-live-server-amd64.iso")]
    pub proxmox_file: Option<String>,
    /// ISO already on a vSphere datastore (`[datastore] path`), used instead of the URL there.
    #[schemars(example = &"[datastore1] iso/ubuntu-24.04.5-live-server-amd64.iso")]
    pub vsphere_path: Option<String>,
}

/// An Azure Marketplace image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AzureImage {
    /// Publisher.
    #[schemars(example = &"Canonical")]
    pub publisher: String,
    /// Offer.
    #[schemars(example = &"ubuntu-24_04-lts")]
    pub offer: String,
    /// SKU.
    #[schemars(example = &"server")]
    pub sku: String,
    /// Version, or `latest`.
    #[serde(default = "latest")]
    pub version: String,
}

fn latest() -> String {
    "latest".to_owned()
}

/// A Windows edition in the installation image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edition {
    /// Short name, part of the source name: lowercase letters, digits and `-`.
    #[schemars(example = &"standard")]
    pub name: String,
    /// Image name in `install.wim`, as Windows Setup expects it.
    #[schemars(example = &"Windows Server 2022 SERVERSTANDARD")]
    pub image_name: String,
    /// Product key, when the media needs one.
    pub product_key: Option<Credential>,
    /// Azure Marketplace SKU of this edition, when it differs from the OS's `azure_image`.
    pub azure_sku: Option<String>,
    /// Platforms this edition is built on (default: every platform of the OS).
    #[serde(default)]
    pub platforms: Vec<PlatformName>,
}

/// Proxmox settings of one OS.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OsProxmox {
    /// Builder for this OS (default: the platform's).
    pub builder: Option<BuilderKind>,
    /// VM or template to clone, with the clone builder.
    pub clone_vm: Option<String>,
    /// Hardware overrides on Proxmox.
    #[serde(default)]
    pub hardware: Hardware,
    /// Other proxmox builder arguments for this OS, checked against the plugin catalogue.
    /// Secrets (passwords, tokens, keys) are written as `{ env: NAME }`.
    #[serde(default)]
    pub options: Options,
}

/// vSphere settings of one OS.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OsVsphere {
    /// Builder for this OS (default: the platform's).
    pub builder: Option<BuilderKind>,
    /// Template to clone, with the clone builder.
    pub template: Option<String>,
    /// vSphere guest OS identifier.
    #[schemars(example = &"ubuntu64Guest")]
    pub guest_os_type: Option<String>,
    /// Hardware overrides on vSphere.
    #[serde(default)]
    pub hardware: Hardware,
    /// Other vsphere builder arguments for this OS, checked against the plugin catalogue.
    /// Secrets (passwords, tokens, keys) are written as `{ env: NAME }`.
    #[serde(default)]
    pub options: Options,
}

/// Azure settings of one OS.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OsAzure {
    /// Size of the build VM for this OS.
    pub vm_size: Option<String>,
    /// Image definition name in the gallery (default: the OS key).
    pub gallery_image: Option<String>,
    /// Other azure-arm builder arguments for this OS, checked against the plugin catalogue.
    /// Secrets (passwords, tokens, keys) are written as `{ env: NAME }`.
    #[serde(default)]
    pub options: Options,
}

/// One provisioning step. Exactly one key says its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Step {
    /// Run shell scripts or inline commands (Linux).
    Shell(Shell),
    /// Run PowerShell scripts or inline commands (Windows).
    Powershell(Powershell),
    /// Restart Windows and wait for it to come back.
    WindowsRestart(WindowsRestart),
    /// Upload a file or folder.
    File(FileStep),
    /// Run an Ansible playbook from the build host.
    Ansible(Ansible),
}

/// Shell provisioner.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shell {
    /// Script files, relative to the repository root (under `scripts/`).
    #[serde(default)]
    pub scripts: Vec<String>,
    /// Commands to run.
    #[serde(default)]
    pub inline: Vec<String>,
    /// Environment variables for the scripts.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Run with sudo.
    #[serde(default = "yes")]
    pub sudo: bool,
    /// The step reboots the machine; wait for it to come back.
    #[serde(default)]
    pub expect_disconnect: bool,
    /// Run only on these platforms.
    #[serde(default)]
    pub only: Vec<PlatformName>,
}

/// PowerShell provisioner.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Powershell {
    /// Script files, relative to the repository root (under `scripts/`).
    #[serde(default)]
    pub scripts: Vec<String>,
    /// Commands to run.
    #[serde(default)]
    pub inline: Vec<String>,
    /// Environment variables for the scripts.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Run elevated as the build user.
    #[serde(default)]
    pub elevated: bool,
    /// Run only on these platforms.
    #[serde(default)]
    pub only: Vec<PlatformName>,
}

/// Windows restart provisioner.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowsRestart {
    /// How long to wait for the restart (Go duration).
    #[schemars(transform = Format(&DURATION))]
    pub timeout: Option<String>,
    /// Run only on these platforms.
    #[serde(default)]
    pub only: Vec<PlatformName>,
}

/// File provisioner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileStep {
    /// File or folder, relative to the repository root.
    pub source: String,
    /// Path in the guest.
    pub destination: String,
    /// Run only on these platforms.
    #[serde(default)]
    pub only: Vec<PlatformName>,
}

/// Ansible provisioner (runs on the build host over SSH or WinRM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ansible {
    /// Playbook, relative to the repository root (under `ansible/`).
    #[schemars(example = &"ansible/linux.yml")]
    pub playbook: String,
    /// Galaxy requirements file, relative to the repository root.
    pub galaxy_file: Option<String>,
    /// Extra variables (`--extra-vars`).
    #[serde(default)]
    pub extra_vars: BTreeMap<String, String>,
    /// Run only on these platforms.
    #[serde(default)]
    pub only: Vec<PlatformName>,
}

impl Step {
    /// The step's kind as written in the spec.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Shell(_) => "shell",
            Step::Powershell(_) => "powershell",
            Step::WindowsRestart(_) => "windows-restart",
            Step::File(_) => "file",
            Step::Ansible(_) => "ansible",
        }
    }

    /// Platforms the step is limited to (empty: all).
    pub fn only(&self) -> &[PlatformName] {
        match self {
            Step::Shell(s) => &s.only,
            Step::Powershell(s) => &s.only,
            Step::WindowsRestart(s) => &s.only,
            Step::File(s) => &s.only,
            Step::Ansible(s) => &s.only,
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_follow_the_schema_pattern() {
        let schema = serde_json::json!({ "type": "string", "pattern": ENV_NAME_PATTERN });
        let validator = jsonschema::draft7::new(&schema).expect("a valid schema");
        for name in [
            "ARM_CLIENT_SECRET",
            "_x",
            "a1",
            "",
            "1A",
            "A-B",
            "A B",
            "É",
            "A\n",
        ] {
            assert_eq!(
                is_env_name(name),
                validator.is_valid(&serde_json::json!(name)),
                "{name:?}"
            );
        }
    }

    #[test]
    fn only_a_lone_env_key_is_a_reference() {
        use serde_json::json;
        assert_eq!(env_reference(&json!({ "env": "X" })), Some("X"));
        assert_eq!(env_reference(&json!({ "env": "X", "value": "y" })), None);
        assert_eq!(env_reference(&json!({ "env": 1 })), None);
        assert_eq!(env_reference(&json!("X")), None);
    }
}
