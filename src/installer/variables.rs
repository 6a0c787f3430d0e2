//! The variables hybridc passes to installer templates, declared once: the names a template
//! may read, what each holds, and which renderings receive it. `lower::installer` builds the
//! `vars` object of every `templatefile()` call from these lists, in their order, and
//! `semantic::templates` refuses a template that reads any other name, since Packer's
//! `templatefile()` fails on it when the build starts. Data only.

use super::SeedInputs;

/// A variable of installer templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateVar {
    /// The build user's name.
    BuildUsername,
    /// The build user's password hash (SHA-512 crypt), for Linux installers.
    BuildPasswordHash,
    /// The build user's password, for Windows Setup (its answer file takes it in clear text).
    BuildPassword,
    /// The build user's SSH public key, `""` without one.
    BuildSshPubkey,
    /// The host name: the OS's name.
    Hostname,
    /// The Windows computer name: the source's name, at most 15 characters.
    ComputerName,
    /// The Windows image to install from the medium.
    ImageName,
    /// The edition's product key, `""` without one.
    ProductKey,
    /// The locale (Windows: its input locale).
    Language,
    /// The keyboard layout (Windows: its input profile).
    Keyboard,
    /// The time zone (Windows: its time zone ID).
    Timezone,
    /// The firmware: `bios` or `uefi`.
    Firmware,
    /// DHCP or the build's static address.
    Network,
    /// The release's facts from hybridc's OS catalogue.
    Release,
    /// The OS's `installer_inputs`.
    Inputs,
    /// The machine's shape: system disk, data disks, partition layout.
    Machine,
    /// The platform the source builds on.
    Platform,
    /// Whether Proxmox attaches a cloud-init drive to the VM.
    CloudInit,
}

impl TemplateVar {
    /// Its name in a template.
    pub fn name(self) -> &'static str {
        match self {
            Self::BuildUsername => "build_username",
            Self::BuildPasswordHash => "build_password_hash",
            Self::BuildPassword => "build_password",
            Self::BuildSshPubkey => "build_ssh_pubkey",
            Self::Hostname => "hostname",
            Self::ComputerName => "computer_name",
            Self::ImageName => "image_name",
            Self::ProductKey => "product_key",
            Self::Language => "language",
            Self::Keyboard => "keyboard",
            Self::Timezone => "timezone",
            Self::Firmware => "firmware",
            Self::Network => "network",
            Self::Release => "release",
            Self::Inputs => "inputs",
            Self::Machine => "machine",
            Self::Platform => "platform",
            Self::CloudInit => "cloud_init",
        }
    }

    /// The attributes of an object whose shape is fixed, which a template reads as
    /// `<name>.<attribute>`; `None` for a scalar, for `inputs` (its keys are the OS's
    /// `installer_inputs`) and for `machine` (its layout is the partitioning's).
    pub fn attributes(self) -> Option<&'static [&'static str]> {
        match self {
            Self::Release => Some(&[
                "name",
                "distribution",
                "version",
                "repositories",
                "drivers",
                "arch",
            ]),
            Self::Network => Some(&["dhcp", "address", "gateway", "dns"]),
            _ => None,
        }
    }
}

impl SeedInputs {
    /// The variables a template of this rendering receives, in the order of the `vars` object.
    /// Every installer kind's templates get them on every platform the kind installs on.
    pub fn template_vars(self) -> &'static [TemplateVar] {
        use TemplateVar::*;
        match self {
            // `platform` and `cloud_init` are merged in per source, and so is `machine` unless
            // it is the same on every platform (then it is last of the OS's local).
            Self::PerOs => &[
                BuildUsername,
                BuildPasswordHash,
                BuildSshPubkey,
                Hostname,
                Language,
                Keyboard,
                Timezone,
                Network,
                Release,
                Inputs,
                Platform,
                CloudInit,
                Machine,
            ],
            Self::PerEdition => &[
                BuildUsername,
                BuildPassword,
                ImageName,
                ProductKey,
                Language,
                Keyboard,
                Timezone,
                Firmware,
                ComputerName,
                Platform,
                Network,
                Machine,
                Release,
                Inputs,
            ],
        }
    }

    /// The names of [`Self::template_vars`].
    pub fn template_var_names(self) -> Vec<&'static str> {
        self.template_vars().iter().map(|v| v.name()).collect()
    }
}
