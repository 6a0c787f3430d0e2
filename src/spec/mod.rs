//! The spec model: the Rust types behind `spec/hybrid.yaml` and its JSON Schema.
//!
//! The doc comments here are the descriptions editors show on hover, and the serde attributes
//! are the schema's rules, so this module is the single source of truth for the spec's shape.
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
        &SSH_PUBLIC_KEY,
        &IPV4_ADDRESS,
        &IPV4_PREFIX,
        &CHECKSUM,
        &VERSION,
        &DURATION,
        &PACKER_FILE,
        &REPOSITORY_NAME,
        &REPOSITORY_URL,
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

/// An OpenSSH public key as one line of `authorized_keys`, with an optional plain comment. No
/// quote, backslash or line break: the installers write it into shell commands and YAML.
pub const SSH_PUBLIC_KEY: TextFormat = TextFormat {
    pattern: r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [A-Za-z0-9@._+=:,/ -]*)?$",
    words: "an OpenSSH public key: its type, the key in base64 and an optional comment of letters, digits, spaces and `@._+=:,/-`",
    examples: &[
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuildKeyOfTheExampleOnly0000000000000000 packer",
    ],
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

/// A file name Packer loads from a folder.
pub const PACKER_FILE: TextFormat = TextFormat {
    pattern: r"^[^/\\]+\.(pkr\.hcl|pkr\.json|auto\.pkrvars\.hcl|auto\.pkrvars\.json)$",
    words: "a file name in the output folder ending in `.pkr.hcl`, `.pkr.json`, `.auto.pkrvars.hcl` or `.auto.pkrvars.json`",
    examples: &["extra.pkr.hcl"],
};

/// A package repository's name, as kickstart's `repo --name` takes it.
pub const REPOSITORY_NAME: TextFormat = TextFormat {
    pattern: r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    words: "a repository name: letters, digits, `_`, `.` and `-`, starting with a letter or digit",
    examples: &["BaseOS", "AppStream"],
};

/// A package repository's URL: no space, quote or backslash, which the installers' answer
/// files would have to escape.
pub const REPOSITORY_URL: TextFormat = TextFormat {
    pattern: r#"^(https?|ftp)://[^\s"'\\]+$"#,
    words: "an `http://`, `https://` or `ftp://` URL without spaces, quotes or backslashes",
    examples: &["https://mirror.example.com/rocky/9/BaseOS/x86_64/os/"],
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
    #[serde(deserialize_with = "os::oses")]
    pub oses: BTreeMap<String, Os>,
    /// Named, reusable provisioning step lists. OSes refer to them by name in `provisioning`.
    #[serde(default)]
    pub provisioning: BTreeMap<String, Vec<Step>>,
    /// Environments (for example `dev`, `prod`). Each becomes `env/<name>.pkrvars.hcl`, overriding
    /// platform settings; credentials are never written there.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// Where the CI jobs written by `hybridc matrix` and `hybridc init` run.
    #[serde(default)]
    pub ci: Ci,
}

/// The CI runners of the generated pipelines.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ci {
    /// Runner tags per platform: the build jobs of a platform get them as GitLab `tags:` and as
    /// GitHub `runs-on:` labels, so that they run where the hypervisor or cloud API is
    /// reachable. A platform without tags builds on any runner (GitHub: `ubuntu-latest`).
    #[serde(default)]
    #[schemars(example = &serde_json::json!({"proxmox": ["pve-lan"], "vsphere": ["vcenter-lan"]}))]
    #[schemars(extend("propertyNames" = {"$ref": "#/definitions/PlatformName"}))]
    pub tags: BTreeMap<PlatformName, Vec<String>>,
}

/// The generated `packer {}` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackerSettings {
    /// Packer version constraint written to `required_version`.
    #[serde(default = "default_required_version")]
    #[schemars(example = &">= 1.11.0")]
    pub required_version: String,
    /// Files in the output folder that hybridc does not write and that Packer is meant to load
    /// with it: a hand-written `*.pkr.hcl`, `*.pkr.json` or `*.auto.pkrvars.hcl` beside the
    /// generated files. `check` and `build` report any other such file as foreign.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(transform = Each(&PACKER_FILE))]
    pub extra_files: Vec<String>,
}

impl Default for PackerSettings {
    fn default() -> Self {
        PackerSettings {
            required_version: default_required_version(),
            extra_files: Vec::new(),
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
    /// Data disks after the system disk, in GiB each, in order (`[100, 200]`): on Proxmox
    /// and vSphere more disks of the system disk's kind, on Azure empty managed data disks.
    /// The installer never touches them. A list in a higher layer replaces the lower one;
    /// `[]` removes them. At most 14: a vSphere SCSI controller holds 15 disks.
    #[schemars(length(max = 14), inner(range(min = 1, max = 65536)), example = [100, 200])]
    pub data_disks_gb: Option<Vec<u32>>,
    /// How a Linux installer lays out the system disk: `lvm` (default: the installer's own
    /// LVM layout, one root file system and swap) or `hardened` (the CIS/STIG layout: separate
    /// `/home`, `/tmp`, `/var`, `/var/tmp`, `/var/log` and `/var/log/audit` logical volumes,
    /// mounted `nodev`, `nosuid` and `noexec` where the benchmarks ask). Windows has one layout.
    pub partitioning: Option<Partitioning>,
    /// Firmware of the VM: `bios` or `uefi`.
    pub firmware: Option<Firmware>,
    /// A TPM 2.0 in the VM (Windows 11 requires one): a Proxmox TPM state disk, a vSphere
    /// vTPM (vCenter needs a key provider), Azure Trusted Launch's vTPM. Default `false`.
    pub tpm: Option<bool>,
    /// UEFI Secure Boot with Microsoft's keys (Windows 11 requires it): needs `firmware: uefi`
    /// on Proxmox and vSphere, and Trusted Launch on Azure. Unset, each platform keeps its own
    /// default: on, in a UEFI VM on Proxmox (its EFI disk holds Microsoft's keys); off on vSphere
    /// and Azure.
    pub secure_boot: Option<bool>,
}

impl Hardware {
    /// `self` with every unset field taken from `lower`.
    pub fn or(&self, lower: &Hardware) -> Hardware {
        Hardware {
            cpus: self.cpus.or(lower.cpus),
            memory_mb: self.memory_mb.or(lower.memory_mb),
            disk_gb: self.disk_gb.or(lower.disk_gb),
            data_disks_gb: self
                .data_disks_gb
                .clone()
                .or_else(|| lower.data_disks_gb.clone()),
            partitioning: self.partitioning.or(lower.partitioning),
            firmware: self.firmware.or(lower.firmware),
            tpm: self.tpm.or(lower.tpm),
            secure_boot: self.secure_boot.or(lower.secure_boot),
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

/// The partition layout of a Linux system disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Partitioning {
    /// The installer's own LVM layout: one root file system and swap.
    Lvm,
    /// The CIS/STIG layout: separate file systems for the paths the benchmarks name.
    Hardened,
}

impl Partitioning {
    /// The spec's spelling: `lvm` or `hardened`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lvm => "lvm",
            Self::Hardened => "hardened",
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

/// The account the installer creates and Packer connects as. Its password is a credential,
/// read from the environment at build time; Linux builds may log in with an SSH key instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildUser {
    /// User name (lowercase letters, digits, `_` and `-`, starting with a letter or `_`).
    #[schemars(transform = Format(&USER_NAME))]
    pub username: String,
    /// Password Packer connects with: over WinRM always, over SSH unless `ssh_key` is set.
    /// Needed by Windows OSes built on Proxmox or vSphere, and by Linux ones there without
    /// `ssh_key`.
    pub password: Option<Credential>,
    /// SHA-512 crypt hash of the password, for Linux installers (`mkpasswd -m sha-512`).
    pub password_hash: Option<Credential>,
    /// The SSH key Packer logs in with on Linux OSes built on Proxmox or vSphere, instead of
    /// the password. Windows OSes keep the password (WinRM has no key login); on Azure,
    /// azure-arm makes a key of its own for the user it creates.
    pub ssh_key: Option<SshKey>,
}

/// The build user's SSH key: the public half for the installer, the private one for Packer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SshKey {
    /// The public key, one line of `authorized_keys`: the installer writes it for the build
    /// user, and the end of every build removes it. Not a secret.
    #[schemars(transform = Format(&SSH_PUBLIC_KEY))]
    pub public_key: String,
    /// The private key file on the build host, read from an environment variable that holds
    /// its path (a CI file variable does: GitLab's `File` type), since its place differs
    /// between hosts and a key must never be committed. Unencrypted: Packer reads it when it
    /// validates the template.
    pub private_key_file: Credential,
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

impl SeedChannel {
    /// The spec's spelling: `http` or `cd`.
    pub fn as_str(self) -> &'static str {
        match self {
            SeedChannel::Http => "http",
            SeedChannel::Cd => "cd",
        }
    }
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

/// `#[serde(default = "yes")]`: a switch that is on unless turned off.
fn yes() -> bool {
    true
}

mod environment;
mod os;
mod platforms;
mod provisioning;

pub use environment::*;
pub use os::*;
pub use platforms::*;
pub use provisioning::*;

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
