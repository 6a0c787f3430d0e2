//! Provisioning steps: shell, PowerShell, restarts, files and Ansible.

use super::*;

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
    /// Environment variables for the scripts: text, or `{ env: NAME }` for a secret read from
    /// the environment when Packer runs.
    #[serde(default)]
    pub env: BTreeMap<String, StepValue>,
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
    /// Environment variables for the scripts: text, or `{ env: NAME }` for a secret read from
    /// the environment when Packer runs.
    #[serde(default)]
    pub env: BTreeMap<String, StepValue>,
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
    /// Extra variables (`--extra-vars`): text, or `{ env: NAME }` for a secret read from the
    /// environment when Packer runs.
    #[serde(default)]
    pub extra_vars: BTreeMap<String, StepValue>,
    /// Run only on these platforms.
    #[serde(default)]
    pub only: Vec<PlatformName>,
}

/// A value a step hands to what it runs: text as written, or a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StepValue {
    /// A secret, read from an environment variable when Packer runs and never written to a
    /// file: `{ env: NAME }`. The provisioners read the value as a Go template, so it must
    /// not contain `{{`.
    Secret(Credential),
    /// Text, passed as written.
    Text(String),
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

    /// The secrets the step hands to what it runs, in the spec's order: `(field, key,
    /// credential)` for each entry of `env` (shell, PowerShell) or `extra_vars` (Ansible)
    /// written `{ env: NAME }`.
    pub fn secrets(&self) -> Vec<(&'static str, &str, &Credential)> {
        let (field, values) = match self {
            Step::Shell(s) => ("env", &s.env),
            Step::Powershell(s) => ("env", &s.env),
            Step::Ansible(a) => ("extra_vars", &a.extra_vars),
            Step::WindowsRestart(_) | Step::File(_) => return Vec::new(),
        };
        values
            .iter()
            .filter_map(|(key, value)| match value {
                StepValue::Secret(credential) => Some((field, key.as_str(), credential)),
                StepValue::Text(_) => None,
            })
            .collect()
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

/// The Packer variable of a step's secret read from `$env`: `secret_<env>` in lowercase
/// (`RHSM_PASSWORD` -> `secret_rhsm_password`), one per name whichever steps use it. The
/// semantic stage refuses two names that differ only in case.
pub fn secret_variable(env: &str) -> String {
    format!("secret_{}", env.to_ascii_lowercase())
}
