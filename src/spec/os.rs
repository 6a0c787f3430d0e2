//! The OSes section: what each OS installs from, how, and its per-platform settings.

use super::*;

/// One OS. Its key in `oses` is the build name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Os {
    /// The release of hybridc's OS catalogue this OS is (`hybridc list oses`; default: the OS's
    /// key, when it is a release's name). Its installer, family and the facts its installer
    /// templates read (distribution, version, package repositories, Windows drivers) come from
    /// the catalogue.
    pub release: Option<String>,
    /// Human-readable description, used in template notes.
    pub description: Option<String>,
    /// OS family: decides communicator (ssh or winrm), installers and generalisation (default:
    /// the release's).
    pub family: Option<Family>,
    /// Unattended installer of the ISO builds (default: the release's).
    pub installer: Option<Installer>,
    /// Installer templates of this OS by file name, instead of the shared
    /// `installers/<installer>/<file>` (or a `builds/<os>/<file>` beside it): a path relative to
    /// the repository root.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(example = &serde_json::json!({"ks.pkrtpl.hcl": "installers/kickstart-cis/ks.pkrtpl.hcl"}))]
    pub templates: BTreeMap<String, String>,
    /// Extra inputs of this OS's installer templates, which read them as `inputs.<name>`: a
    /// plain string, or a secret written as `{ env: NAME }` (a sensitive variable read from the
    /// environment when Packer runs, never written to a file). Names are identifiers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(example = &serde_json::json!({"registration_code": {"env": "SLES_REGCODE"}, "proxy": "http://proxy.example.com:3128"}))]
    pub installer_inputs: BTreeMap<String, InstallerInput>,
    /// The package repositories its installer installs from, instead of the catalogue's (a
    /// mirror of them, say): the first one is the installation source. `[]` installs from the
    /// install media (the DVD). Read by the kickstart installer only.
    #[schemars(example = &serde_json::json!([{"name": "BaseOS", "url": "https://mirror.example.com/rocky/9/BaseOS/x86_64/os/"}, {"name": "AppStream", "url": "https://mirror.example.com/rocky/9/AppStream/x86_64/os/"}]))]
    pub repositories: Option<Vec<Repository>>,
    /// How the installer's answer file reaches the VM (default: `defaults.seed`).
    pub seed: Option<SeedChannel>,
    /// Installer ISO for iso builders.
    pub iso: Option<Iso>,
    /// Azure Marketplace image the Azure build starts from.
    pub azure_image: Option<AzureImage>,
    /// Platforms this OS is built on.
    #[schemars(length(min = 1))]
    pub platforms: Vec<PlatformName>,
    /// CPU architecture of the image (default `x86_64`). `arm64` builds on vSphere (an ESXi-Arm
    /// host: UEFI firmware, and the OS's own `vsphere.guest_os_type`, an `arm-` one) and on
    /// Azure (an Arm VM size such as `Standard_D2ps_v5`, and the release's arm64 image or the
    /// OS's `azure_image`); Proxmox's builder cannot set a VM's architecture. The release must
    /// ship arm64 media (`hybridc list oses --format json`, `arches`).
    pub arch: Option<Arch>,
    /// Hardware overrides for this OS.
    #[serde(default)]
    pub hardware: Hardware,
    /// Locale overrides for this OS.
    #[serde(default)]
    pub locale: Locale,
    /// Windows editions: one source per edition on each platform. An edition of the release
    /// is named (`standard-core`), another one described in full (default: the release's
    /// default editions).
    #[serde(default)]
    pub editions: Vec<EditionEntry>,
    /// Names of `provisioning` sets to run, in order.
    #[serde(default)]
    pub provisioning: Vec<String>,
    /// Proxmox settings of this OS.
    pub proxmox: Option<OsProxmox>,
    /// vSphere settings of this OS.
    pub vsphere: Option<OsVsphere>,
    /// Azure settings of this OS.
    pub azure: Option<OsAzure>,
    /// Its key in `oses`, set when the spec is read.
    #[serde(skip)]
    #[schemars(skip)]
    pub key: String,
}

/// Reads `oses`, telling each OS its key (the release it is when it names none).
pub(super) fn oses<'de, D>(deserializer: D) -> Result<BTreeMap<String, Os>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let mut oses = <BTreeMap<String, Os> as Deserialize>::deserialize(deserializer)?;
    for (name, os) in &mut oses {
        os.key.clone_from(name);
    }
    Ok(oses)
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

/// CPU architecture of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Arch {
    /// 64-bit x86 (amd64).
    #[serde(rename = "x86_64")]
    X86_64,
    /// 64-bit Arm (aarch64).
    #[serde(rename = "arm64")]
    Arm64,
}

impl Arch {
    /// The architecture as written in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The machine's name as `uname -m` prints it, which RPM repositories and SUSE's modules
    /// use: `x86_64`, `aarch64`.
    pub fn machine(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "aarch64",
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
    /// SUSE AutoYaST profile (`autoinst.xml`).
    Autoyast,
    /// Photon OS installer kickstart (`ks.json`).
    Photon,
}

impl Installer {
    /// The installer as written in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            Installer::Autoinstall => "autoinstall",
            Installer::Kickstart => "kickstart",
            Installer::Preseed => "preseed",
            Installer::Autounattend => "autounattend",
            Installer::Autoyast => "autoyast",
            Installer::Photon => "photon",
        }
    }
}

/// A package repository of an OS's installer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Repository {
    /// Its name (kickstart's `repo --name`; unused for the first, the installation source).
    #[schemars(transform = Format(&REPOSITORY_NAME))]
    pub name: String,
    /// Its URL.
    #[schemars(transform = Format(&REPOSITORY_URL))]
    pub url: String,
}

/// One input of an OS's installer templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum InstallerInput {
    /// A value written in the spec.
    Text(String),
    /// A secret, read from an environment variable when Packer runs.
    Secret(Credential),
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

/// A Windows edition of an OS: one of its release's, by name, or one described in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EditionEntry {
    /// An edition of the OS's release, by its short name (`hybridc list oses`).
    #[schemars(example = &"datacenter-core")]
    Known(String),
    /// An edition described in full.
    Full(Edition),
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
    /// Network adapters after the first, in order. The first is the platform's `bridge` and
    /// `vlan_tag`, the build's network: the installer configures it alone, and Packer connects
    /// to its address. A clone's adapters are set the same way. Not for Windows, which gives
    /// every adapter an address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_adapters: Vec<ProxmoxAdapter>,
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
    /// Network adapters after the first, in order, with the ISO builder (vsphere-clone keeps
    /// its template's adapters and cannot add any). The first is the platform's `network`, the
    /// build's network: the installer configures it alone, and Packer connects to its address.
    /// vsphere-iso waits for an address on every adapter, so only an installer that brings the
    /// others up (autoinstall, with IPv6 link-local addresses) can build with them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_adapters: Vec<VsphereAdapter>,
    /// Other vsphere builder arguments for this OS, checked against the plugin catalogue.
    /// Secrets (passwords, tokens, keys) are written as `{ env: NAME }`.
    #[serde(default)]
    pub options: Options,
}

/// A Proxmox network adapter after the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxmoxAdapter {
    /// The bridge it is attached to.
    #[schemars(example = &"vmbr1")]
    pub bridge: String,
    /// Its VLAN tag (default: untagged).
    #[schemars(range(min = 1, max = 4094), example = 20)]
    pub vlan_tag: Option<u16>,
}

/// A vSphere network adapter after the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VsphereAdapter {
    /// The network (port group) it is attached to.
    #[schemars(example = &"Backup")]
    pub network: String,
}

/// Azure settings of one OS. An azure-arm build VM has one network interface, in the
/// platform's virtual network: Azure takes no extra adapters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OsAzure {
    /// Size of the build VM for this OS; with `arch: arm64`, an Arm size (`Standard_D2ps_v5`).
    pub vm_size: Option<String>,
    /// Image definition name in the gallery (default: the OS key).
    pub gallery_image: Option<String>,
    /// Other azure-arm builder arguments for this OS, checked against the plugin catalogue.
    /// Secrets (passwords, tokens, keys) are written as `{ env: NAME }`.
    #[serde(default)]
    pub options: Options,
}
