//! What each OS family means, declared once as data: its communicator on the hypervisors and
//! on Azure, the guest OS type each platform is told, the shutdown command, the steps that
//! strip the build's credentials and generalise the template on each platform, how Ansible
//! reaches it, and the Linux distributions whose layout generated steps depend on. Lowering
//! reads an entry of this table instead of matching on the family. Data only.

use crate::spec::{Family, PlatformName};

/// One OS family.
#[derive(Debug)]
pub struct FamilyFacts {
    /// The spec's name for it.
    pub family: Family,
    /// One source per Windows edition (`editions`), rather than one per OS.
    pub per_edition: bool,
    /// The communicator's name (`ssh`, `winrm`).
    pub communicator: &'static str,
    /// The communicator's port.
    pub port: u16,
    /// The communicator's arguments on Proxmox and vSphere, in order.
    pub hypervisor_communicator: &'static [(&'static str, CommunicatorValue)],
    /// The communicator's arguments on Azure, in order: azure-arm creates its own user.
    pub azure_communicator: &'static [(&'static str, CommunicatorValue)],
    /// Proxmox's `os` of an ISO build.
    pub proxmox_os: &'static str,
    /// Azure's `os_type`.
    pub azure_os_type: &'static str,
    /// vSphere's `shutdown_command`; `None`: VMware Tools shut the VM down.
    pub vsphere_shutdown: Option<&'static str>,
    /// An ISO of the hypervisor's guest tools on the vSphere host's image store, mounted for
    /// the installer.
    pub vsphere_tools_iso: Option<&'static str>,
    /// The installer needs Proxmox's VirtIO driver ISO.
    pub virtio_drivers: bool,
    /// A Proxmox cloud-init drive is of use to its clones (Windows would need cloudbase-init).
    pub cloud_init: bool,
    /// The locale is written with Windows Setup's identifiers.
    pub windows_locale: bool,
    /// How Ansible connects.
    pub ansible: AnsibleConnection,
    /// The steps every template ends with, in order.
    pub finish: &'static [FinishStep],
}

/// The value of a communicator argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommunicatorValue {
    /// A string.
    Text(&'static str),
    /// A boolean.
    Bool(bool),
    /// The build user's name (`var.build_username`).
    BuildUsername,
    /// The build user's password (`var.build_password`).
    BuildPassword,
    /// The build user's password, or, when the build user has an SSH key, its private key
    /// file (`var.build_ssh_private_key_file`) given to this other argument instead.
    BuildPasswordOrKey(&'static str),
}

/// How Ansible reaches the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnsibleConnection {
    /// Through Packer's SSH proxy adapter.
    SshProxy,
    /// Directly over WinRM (`use_proxy = false`), with these extra variables.
    Winrm(&'static [(&'static str, &'static str)]),
}

/// A step every template of the family ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FinishStep {
    /// The platforms it runs on; empty: every platform, without `only`.
    pub platforms: &'static [PlatformName],
    /// The provisioner that runs it.
    pub shell: FinishShell,
    /// Its commands. With `build_user`, `{build_user}` stands for the build user's name.
    pub inline: &'static [&'static str],
    /// It concerns the build user: only when there is one, and its lines are templates.
    pub build_user: bool,
}

/// The provisioner of a finishing step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishShell {
    /// `shell` as root (`sudo`), without cleaning up its script: the step may end the very
    /// access the clean-up would need.
    Sudo,
    /// `powershell`.
    Powershell,
}

/// A Linux distribution family whose layout the generated steps depend on.
#[derive(Debug, PartialEq, Eq)]
pub struct Distribution {
    /// Its name.
    pub name: &'static str,
    /// The SFTP server binary.
    pub sftp_server: &'static str,
    /// Azure Marketplace publishers of its images, lowercase.
    pub azure_publishers: &'static [&'static str],
}

/// Debian and Ubuntu: Debian's `openssh-sftp-server` package installs the SFTP server here.
pub const DEBIAN: Distribution = Distribution {
    name: "debian",
    sftp_server: "/usr/lib/openssh/sftp-server",
    azure_publishers: &["canonical", "debian"],
};

/// Red Hat Enterprise Linux and its rebuilds (Rocky, Alma): RHEL's `openssh-server` package
/// installs the SFTP server here.
pub const REDHAT: Distribution = Distribution {
    name: "redhat",
    sftp_server: "/usr/libexec/openssh/sftp-server",
    azure_publishers: &["redhat", "resf", "almalinux", "openlogic"],
};

/// SUSE Linux Enterprise and openSUSE: SUSE's `openssh` package installs the SFTP server under
/// `%{_libexecdir}/ssh`, which is `/usr/lib` on SLE 15 and Leap 15 (openSUSE `openssh.spec`,
/// `%files`). SUSE publishes both SLES and openSUSE Leap on the Azure Marketplace, as publisher
/// `SUSE` (image URNs such as `SUSE:sles-15-sp7:gen2` and `SUSE:opensuse-leap-15-6:gen2`).
pub const SUSE: Distribution = Distribution {
    name: "suse",
    sftp_server: "/usr/lib/ssh/sftp-server",
    azure_publishers: &["suse"],
};

/// VMware Photon OS: Photon's `openssh` package installs the SFTP server in
/// `%{_libexecdir}` = `/usr/libexec` (vmware/photon `SPECS/openssh/openssh.spec`,
/// `%files server`). Photon has no Azure Marketplace image.
pub const PHOTON: Distribution = Distribution {
    name: "photon",
    sftp_server: "/usr/libexec/sftp-server",
    azure_publishers: &[],
};

/// Every distribution family.
pub const DISTRIBUTIONS: &[&Distribution] = &[&DEBIAN, &REDHAT, &SUSE, &PHOTON];

/// The distribution of an Azure Marketplace publisher, if known.
pub fn distribution_of_publisher(publisher: &str) -> Option<&'static Distribution> {
    let publisher = publisher.to_ascii_lowercase();
    DISTRIBUTIONS
        .iter()
        .copied()
        .find(|d| d.azure_publishers.contains(&publisher.as_str()))
}

use CommunicatorValue::{Bool, BuildPassword, BuildPasswordOrKey, BuildUsername, Text};
use PlatformName::{Azure, Proxmox, Vsphere};

/// Turns SSH password logins off in the installed system. sshd keeps the first value it reads
/// of a keyword. Where its configuration includes `/etc/ssh/sshd_config.d/` (Debian 11+, Ubuntu
/// 20.04+, RHEL 9+, Fedora), a drop-in does it, and a clone's cloud-init, whose
/// `50-cloud-init.conf` sorts first, can turn them on again. RHEL 8 and its rebuilds ship
/// OpenSSH 8.0 with neither the `Include` nor the folder, where writing the drop-in fails
/// (the Red Hat 8 reports in willshersystems/ansible-sshd#282 and
/// stackhpc/ansible-slurm-appliance#565): there the first line of `sshd_config` says it. A
/// configuration only under `/usr/etc/ssh` (SUSE's vendor layout) is copied to `/etc/ssh`
/// first, as SUSE documents for local changes. The step after it checks the effective value
/// with `sshd -T`, so a layout that defeats both fails the build instead of leaving password
/// logins on in the template.
pub const SSHD_NO_PASSWORDS: [&str; 2] = [
    "if [ ! -e /etc/ssh/sshd_config ] && ! grep -qsE '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\\.d/' /usr/etc/ssh/sshd_config; then cp /usr/etc/ssh/sshd_config /etc/ssh/sshd_config; fi",
    "if grep -qsE '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\\.d/' /etc/ssh/sshd_config /usr/etc/ssh/sshd_config; then printf 'PasswordAuthentication no\\n' > /etc/ssh/sshd_config.d/90-hybridc.conf; else sed -i '1i PasswordAuthentication no' /etc/ssh/sshd_config; fi",
];

/// Every OS family.
///
/// The finishing steps: no build credential may survive in a template, and it must be
/// generalised for cloning.
///
/// - Linux on Proxmox and vSphere: the build user's password is locked, its `authorized_keys`
///   (where the installer put its SSH key) and passwordless sudo rule removed, and SSH
///   password logins turned off ([`SSHD_NO_PASSWORDS`]) and checked. Nothing runs as root
///   after it: vsphere-iso then shuts the VM down through VMware Tools when `shutdown_command`
///   is empty (packer-plugin-vsphere v2.0.0 `builder/vsphere/common/step_shutdown.go`, `Run`),
///   proxmox-iso through the Proxmox API (packer-plugin-proxmox v1.2.4
///   `builder/proxmox/common/step_convert_to_template.go`).
/// - Linux on Azure: `waagent -deprovision+user` removes the user Azure created for the build
///   and generalises the VM (Microsoft Learn, "Create a generalized image of a Linux VM"; the
///   azure-arm documentation's Linux example).
/// - Windows everywhere: Sysprep `/generalize /oobe`, waiting until the image state says it is
///   done, so that every clone gets its own SID and name and asks for its own Administrator
///   password; on Azure only once the guest agent's services run (the azure-arm
///   documentation's Windows example, Microsoft's documented sequence). The build user is
///   removed at a clone's first start by the task `scripts/windows/cleanup.ps1` registers.
///
/// Ansible over WinRM connects to the VM itself: packer-plugin-ansible v1.1.6
/// `provisioner/ansible/provisioner.go`: with `use_proxy = false` `createInventoryFile` writes
/// `ansible_connection=winrm` with the communicator's host, port and user, and `createCmdArgs`
/// adds `-e ansible_password=...` from the communicator itself; the scheme follows the port
/// (5985: http) in Ansible's winrm connection plugin.
pub const FAMILIES: &[FamilyFacts] = &[
    FamilyFacts {
        family: Family::Linux,
        per_edition: false,
        communicator: "ssh",
        port: 22,
        hypervisor_communicator: &[
            ("communicator", Text("ssh")),
            ("ssh_username", BuildUsername),
            ("ssh_password", BuildPasswordOrKey("ssh_private_key_file")),
            ("ssh_timeout", Text("30m")),
        ],
        azure_communicator: &[("communicator", Text("ssh"))],
        proxmox_os: "l26",
        azure_os_type: "Linux",
        vsphere_shutdown: None,
        vsphere_tools_iso: None,
        virtio_drivers: false,
        cloud_init: true,
        windows_locale: false,
        ansible: AnsibleConnection::SshProxy,
        finish: &[
            FinishStep {
                platforms: &[Proxmox, Vsphere],
                shell: FinishShell::Sudo,
                inline: &[
                    "passwd -l \"{build_user}\"",
                    "rm -f \"$(getent passwd \"{build_user}\" | cut -d: -f6)/.ssh/authorized_keys\"",
                    "rm -f \"/etc/sudoers.d/{build_user}\"",
                    "rm -f /etc/ssh/sshd_config.d/50-cloud-init.conf",
                    SSHD_NO_PASSWORDS[0],
                    SSHD_NO_PASSWORDS[1],
                    "/usr/sbin/sshd -T | grep -qix 'passwordauthentication no'",
                ],
                build_user: true,
            },
            FinishStep {
                platforms: &[Azure],
                shell: FinishShell::Sudo,
                inline: &[
                    "/usr/sbin/waagent -force -deprovision+user && export HISTSIZE=0 && sync",
                ],
                build_user: false,
            },
        ],
    },
    FamilyFacts {
        family: Family::Windows,
        per_edition: true,
        communicator: "winrm",
        port: 5985,
        hypervisor_communicator: &[
            ("communicator", Text("winrm")),
            ("winrm_username", BuildUsername),
            ("winrm_password", BuildPassword),
            ("winrm_timeout", Text("2h")),
            ("winrm_use_ssl", Bool(false)),
            ("winrm_insecure", Bool(true)),
        ],
        azure_communicator: &[
            ("communicator", Text("winrm")),
            ("winrm_use_ssl", Bool(true)),
            ("winrm_insecure", Bool(true)),
            ("winrm_timeout", Text("10m")),
            ("winrm_username", Text("packer")),
        ],
        proxmox_os: "win11",
        azure_os_type: "Windows",
        vsphere_shutdown: Some("shutdown /s /t 10 /f /d p:4:1 /c \"Packer shutdown\""),
        // VMware Tools, from the ESXi host's own image store.
        vsphere_tools_iso: Some("[] /vmimages/tools-isoimages/windows.iso"),
        virtio_drivers: true,
        cloud_init: false,
        windows_locale: true,
        ansible: AnsibleConnection::Winrm(&[
            ("ansible_winrm_transport", "ntlm"),
            ("ansible_winrm_server_cert_validation", "ignore"),
        ]),
        finish: &[
            FinishStep {
                platforms: &[Azure],
                shell: FinishShell::Powershell,
                inline: &[
                    "while ((Get-Service RdAgent).Status -ne 'Running') { Start-Sleep -Seconds 5 }",
                    "while ((Get-Service WindowsAzureGuestAgent).Status -ne 'Running') { Start-Sleep -Seconds 5 }",
                ],
                build_user: false,
            },
            FinishStep {
                platforms: &[],
                shell: FinishShell::Powershell,
                inline: &[
                    "& $env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /generalize /oobe /mode:vm /quiet /quit",
                    "while ($true) { $state = (Get-ItemProperty HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State).ImageState; if ($state -ne 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE') { Write-Output $state; Start-Sleep -Seconds 10 } else { break } }",
                ],
                build_user: false,
            },
        ],
    },
];

impl FamilyFacts {
    /// Whether its communicator on Proxmox and vSphere can log in with the build user's SSH
    /// key rather than its password.
    pub fn key_login(&self) -> bool {
        self.hypervisor_communicator
            .iter()
            .any(|(_, value)| matches!(value, BuildPasswordOrKey(_)))
    }
}

/// The table's entry of a family.
pub fn facts(family: Family) -> &'static FamilyFacts {
    FAMILIES
        .iter()
        .find(|f| f.family == family)
        .expect("every family has an entry in FAMILIES")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_one_entry_named_as_in_the_spec() {
        for facts in FAMILIES {
            let spelled = serde_json::to_value(facts.family).expect("serialisable");
            assert_eq!(spelled, facts.family.as_str());
            assert_eq!(
                FAMILIES.iter().filter(|f| f.family == facts.family).count(),
                1
            );
        }
        for family in [Family::Linux, Family::Windows] {
            assert_eq!(facts(family).family, family);
        }
    }

    #[test]
    fn publishers_name_one_distribution() {
        assert_eq!(distribution_of_publisher("Canonical"), Some(&DEBIAN));
        assert_eq!(distribution_of_publisher("RESF"), Some(&REDHAT));
        assert_eq!(distribution_of_publisher("SUSE"), Some(&SUSE));
        assert_eq!(distribution_of_publisher("MicrosoftWindowsServer"), None);
    }
}
