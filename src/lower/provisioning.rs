//! A build's provisioning steps (the spec's own, then the steps that strip build credentials
//! and generalise the template) and its post-processors (manifest, vSphere template).

use serde_json::Value as Json;

use super::family::{Distribution, linux_distribution};
use super::{Lowerer, escape_hcl_quotes, go_template, list, ptr, s};
use crate::catalogue::Component;
use crate::hcl::Expr;
use crate::model::{Args, Build, Source, Step};
use crate::spec::{Family, Os, PlatformName, Step as SpecStep, VsphereTemplate};

/// The shell provisioner's `execute_command` for steps that run as root.
const SUDO_EXECUTE: &str = "{{ .Vars }} sudo -E sh -eu '{{ .Path }}'";

impl Lowerer<'_> {
    pub(super) fn provisioning(
        &mut self,
        name: &str,
        os: &Os,
        selectors: &[(PlatformName, String)],
        build: &mut Build,
    ) {
        let env_platform =
            Expr::Template("HYBRIDC_PLATFORM=${split(\"-\", source.type)[0]}".into());
        for set in &os.provisioning {
            let Some(steps) = self.spec.provisioning.get(set) else {
                continue;
            };
            for (j, step) in steps.iter().enumerate() {
                let index = j.to_string();
                let origin = ptr(&["provisioning", set, &index, step.kind()]);
                let only: Vec<String> = if step.only().is_empty() {
                    Vec::new()
                } else {
                    selectors
                        .iter()
                        .filter(|(p, _)| step.only().contains(p))
                        .map(|(_, sel)| sel.clone())
                        .collect()
                };
                if !step.only().is_empty() && only.is_empty() {
                    // Limited to platforms this OS does not build on.
                    continue;
                }
                let mut body = Args::default();
                let component = match step {
                    SpecStep::Shell(shell) => {
                        if !shell.scripts.is_empty() {
                            let scripts = shell.scripts.iter().map(|p| self.path(p)).collect();
                            body.attr("scripts", Expr::List(scripts), &origin);
                        } else {
                            body.attr(
                                "inline",
                                Expr::List(shell.inline.iter().map(|c| s(c)).collect()),
                                &origin,
                            );
                        }
                        let mut env = vec![env_platform.clone()];
                        env.extend(shell.env.iter().map(|(k, v)| s(&format!("{k}={v}"))));
                        body.attr("environment_vars", Expr::List(env), &origin);
                        if shell.sudo {
                            body.attr("execute_command", go_template(SUDO_EXECUTE), &origin);
                        }
                        if shell.expect_disconnect {
                            body.attr("expect_disconnect", Expr::Bool(true), &origin);
                        }
                        Component::Shell
                    }
                    SpecStep::Powershell(ps) => {
                        if !ps.scripts.is_empty() {
                            let scripts = ps.scripts.iter().map(|p| self.path(p)).collect();
                            body.attr("scripts", Expr::List(scripts), &origin);
                        } else {
                            body.attr(
                                "inline",
                                Expr::List(ps.inline.iter().map(|c| s(c)).collect()),
                                &origin,
                            );
                        }
                        let mut env = vec![env_platform.clone()];
                        env.extend(ps.env.iter().map(|(k, v)| s(&format!("{k}={v}"))));
                        body.attr("environment_vars", Expr::List(env), &origin);
                        if ps.elevated {
                            body.attr(
                                "elevated_user",
                                Expr::Traversal("build.User".into()),
                                &origin,
                            );
                            body.attr(
                                "elevated_password",
                                Expr::Traversal("build.Password".into()),
                                &origin,
                            );
                        }
                        Component::Powershell
                    }
                    SpecStep::WindowsRestart(restart) => {
                        body.attr(
                            "restart_timeout",
                            s(restart.timeout.as_deref().unwrap_or("15m")),
                            &origin,
                        );
                        Component::WindowsRestart
                    }
                    SpecStep::File(file) => {
                        body.attr("source", self.path(&file.source), &origin);
                        body.attr("destination", s(&file.destination), &origin);
                        Component::File
                    }
                    SpecStep::Ansible(ansible) => {
                        body.attr("playbook_file", self.path(&ansible.playbook), &origin);
                        if let Some(galaxy) = &ansible.galaxy_file {
                            body.attr("galaxy_file", self.path(galaxy), &origin);
                        }
                        body.attr("user", Expr::Traversal("build.User".into()), &origin);
                        let mut vars: Vec<(String, Json)> = Vec::new();
                        match os.family {
                            Family::Linux => self.ansible_over_ssh(&mut body, os, &origin),
                            Family::Windows => {
                                // WinRM: Ansible connects to the VM itself. packer-plugin-ansible
                                // v1.1.6 `provisioner/ansible/provisioner.go`: with
                                // `use_proxy = false` `createInventoryFile` writes
                                // `ansible_connection=winrm` with the communicator's host, port
                                // and user, and `createCmdArgs` adds `-e ansible_password=...`
                                // from the communicator itself; the scheme follows the port
                                // (5985: http) in Ansible's winrm connection plugin.
                                body.attr("use_proxy", Expr::Bool(false), &origin);
                                vars.push(("ansible_winrm_transport".into(), "ntlm".into()));
                                vars.push((
                                    "ansible_winrm_server_cert_validation".into(),
                                    "ignore".into(),
                                ));
                            }
                        }
                        vars.extend(
                            ansible
                                .extra_vars
                                .iter()
                                .map(|(k, v)| (k.clone(), Json::String(v.clone()))),
                        );
                        if !vars.is_empty() {
                            // One JSON document: Ansible's key=value form would split a value
                            // at its spaces (`a=x b=c` is two variables).
                            let document = Json::Object(vars.into_iter().collect()).to_string();
                            let mut args = body.take("extra_arguments");
                            args.extend([s("--extra-vars"), s(&document)]);
                            body.attr("extra_arguments", Expr::List(args), &origin);
                        }
                        let mut env = vec![Expr::Template(
                            "HYBRIDC_PLATFORM=${split(\"-\", source.type)[0]}".into(),
                        )];
                        // An `ansible.cfg` beside the playbook is only read when named. The
                        // path is kept as written: a backslash is part of a file name here.
                        let config = match ansible.playbook.rfind('/') {
                            Some(slash) => format!("{}/ansible.cfg", &ansible.playbook[..slash]),
                            None => "ansible.cfg".to_owned(),
                        };
                        if self.loaded.root.join(&config).is_file() {
                            let Expr::Template(path) = self.path(&config) else {
                                unreachable!("a repository path is a template")
                            };
                            env.push(Expr::Template(format!("ANSIBLE_CONFIG={path}")));
                        }
                        body.attr("ansible_env_vars", Expr::List(env), &origin);
                        Component::Ansible
                    }
                };
                build.provisioners.push(Step {
                    component,
                    body,
                    only,
                    origin,
                });
            }
        }
        self.finish(name, os, selectors, build);
    }

    /// The steps every template ends with, after the spec's own: no build credential may
    /// survive in it, and it must be generalised for cloning.
    ///
    /// - Linux on Proxmox and vSphere: the build user's password is locked, its passwordless
    ///   sudo rule removed and SSH password logins turned off (a clone's cloud-init may turn
    ///   them on again: its `50-cloud-init.conf` is read before `90-hybridc.conf`). Nothing runs
    ///   as root after it: vsphere-iso then shuts the VM down through VMware Tools when
    ///   `shutdown_command` is empty (packer-plugin-vsphere v2.0.0
    ///   `builder/vsphere/common/step_shutdown.go`, `Run`), proxmox-iso through the Proxmox API
    ///   (packer-plugin-proxmox v1.2.4 `builder/proxmox/common/step_convert_to_template.go`).
    /// - Linux on Azure: `waagent -deprovision+user` removes the user Azure created for the
    ///   build and generalises the VM (Microsoft Learn, "Create a generalized image of a Linux
    ///   VM"; the azure-arm documentation's Linux example).
    /// - Windows everywhere: Sysprep `/generalize /oobe`, waiting until the image state says it
    ///   is done, so that every clone gets its own SID and name and asks for its own
    ///   Administrator password; on Azure only once the guest agent's services run (the
    ///   azure-arm documentation's Windows example, Microsoft's documented sequence). The build
    ///   user is removed at a clone's first start by the task `scripts/windows/cleanup.ps1`
    ///   registers.
    pub(super) fn finish(
        &mut self,
        name: &str,
        os: &Os,
        selectors: &[(PlatformName, String)],
        build: &mut Build,
    ) {
        let origin = ptr(&["oses", name]);
        let on = |platforms: &[PlatformName]| -> Vec<String> {
            selectors
                .iter()
                .filter(|(p, _)| platforms.contains(p))
                .map(|(_, s)| s.clone())
                .collect()
        };
        let mut steps: Vec<(Component, Args, Vec<String>)> = Vec::new();
        match os.family {
            Family::Linux => {
                let hypervisors = on(&[PlatformName::Proxmox, PlatformName::Vsphere]);
                if !hypervisors.is_empty() && self.has_var("build_username") {
                    let user = self.var("build_username");
                    let Expr::Traversal(user) = user else {
                        unreachable!("a variable reference is a traversal")
                    };
                    let mut body = Args::default();
                    body.attr(
                        "inline",
                        Expr::List(
                            [
                                format!("passwd -l \"${{{user}}}\""),
                                format!("rm -f \"/etc/sudoers.d/${{{user}}}\""),
                                "rm -f /etc/ssh/sshd_config.d/50-cloud-init.conf".into(),
                                "printf 'PasswordAuthentication no\\n' > /etc/ssh/sshd_config.d/90-hybridc.conf"
                                    .into(),
                            ]
                            .iter()
                            .map(|line| Expr::Template(escape_hcl_quotes(line)))
                            .collect(),
                        ),
                        &origin,
                    );
                    body.attr("execute_command", go_template(SUDO_EXECUTE), &origin);
                    body.attr("skip_clean", Expr::Bool(true), &origin);
                    steps.push((Component::Shell, body, hypervisors));
                }
                let azure = on(&[PlatformName::Azure]);
                if !azure.is_empty() {
                    let mut body = Args::default();
                    body.attr("inline", list(&["/usr/sbin/waagent -force -deprovision+user && export HISTSIZE=0 && sync"]), &origin);
                    body.attr("execute_command", go_template(SUDO_EXECUTE), &origin);
                    body.attr("skip_clean", Expr::Bool(true), &origin);
                    steps.push((Component::Shell, body, azure));
                }
            }
            Family::Windows => {
                let azure = on(&[PlatformName::Azure]);
                if !azure.is_empty() {
                    let mut body = Args::default();
                    body.attr(
                        "inline",
                        list(&[
                            "while ((Get-Service RdAgent).Status -ne 'Running') { Start-Sleep -Seconds 5 }",
                            "while ((Get-Service WindowsAzureGuestAgent).Status -ne 'Running') { Start-Sleep -Seconds 5 }",
                        ]),
                        &origin,
                    );
                    steps.push((Component::Powershell, body, azure));
                }
                let mut body = Args::default();
                body.attr(
                    "inline",
                    list(&[
                        "& $env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /generalize /oobe /mode:vm /quiet /quit",
                        "while ($true) { $state = (Get-ItemProperty HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State).ImageState; if ($state -ne 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE') { Write-Output $state; Start-Sleep -Seconds 10 } else { break } }",
                    ]),
                    &origin,
                );
                steps.push((Component::Powershell, body, Vec::new()));
            }
        }
        for (component, body, only) in steps {
            build.provisioners.push(Step {
                component,
                body,
                only,
                origin: origin.clone(),
            });
        }
    }

    /// Ansible over SSH goes through Packer's SSH proxy adapter (`use_proxy` left unset), the
    /// one way that works with every communicator: packer-plugin-ansible v1.1.6
    /// `provisioner/ansible/provisioner.go` (`Provision`) passes only the communicator's
    /// private key when `use_proxy = false`, and proxmox-iso and vsphere-iso have none when
    /// they log in with `ssh_password`. The adapter authenticates Ansible with a one-time ECDSA
    /// key (`setupAdapter`, `ansible_proxy_key_type` defaults to `ECDSA`) and serves scp itself
    /// and SFTP by running `sftp_command` on the guest (packer-plugin-sdk `adapter/adapter.go`),
    /// whose default path `/usr/lib/sftp-server` exists on neither family: name the real one, and
    /// let scp fall back to its legacy protocol (`-O`) where the path is not known.
    pub(super) fn ansible_over_ssh(&self, body: &mut Args, os: &Os, origin: &str) {
        if let Some(server) = linux_distribution(os).map(Distribution::sftp_server) {
            body.attr("use_sftp", Expr::Bool(true), origin);
            body.attr("sftp_command", s(&format!("{server} -e")), origin);
        }
        body.attr(
            "extra_arguments",
            Expr::List(vec![s("--scp-extra-args"), s("'-O'")]),
            origin,
        );
    }

    pub(super) fn post_processors(
        &mut self,
        name: &str,
        selectors: &[(PlatformName, String)],
        sources: &[&Source],
        editions: &[Option<&crate::spec::Edition>],
        build: &mut Build,
    ) {
        let origin = ptr(&["oses", name]);
        for edition in editions {
            let only: Vec<String> = match edition {
                None => Vec::new(),
                Some(e) => sources
                    .iter()
                    .filter(|s| s.edition.as_deref() == Some(e.name.as_str()))
                    .map(|s| s.selector())
                    .collect(),
            };
            let source = crate::spec::source_name(name, edition.map(|e| e.name.as_str()));
            let file = format!("manifests/{source}.json");
            let mut body = Args::default();
            body.attr("output", self.path(&file), &origin);
            body.attr("strip_path", Expr::Bool(true), &origin);
            let mut data = vec![("os".to_owned(), s(name))];
            data.push(("edition".into(), s(edition.map_or("", |e| e.name.as_str()))));
            data.push((
                "platform".into(),
                Expr::Template("${split(\"-\", source.type)[0]}".into()),
            ));
            data.push(("source".into(), Expr::Traversal("source.name".into())));
            let version = self.build_version();
            data.push(("build_version".into(), version));
            body.attr("custom_data", Expr::Object(data), &origin);
            build.post_processors.push(Step {
                component: Component::Manifest,
                body,
                only,
                origin: origin.clone(),
            });
        }
        let template = self
            .spec
            .platforms
            .vsphere
            .as_ref()
            .map(|v| v.output.template);
        let vsphere: Vec<String> = selectors
            .iter()
            .filter(|(p, _)| *p == PlatformName::Vsphere)
            .map(|(_, s)| s.clone())
            .collect();
        if template == Some(VsphereTemplate::PostProcessor) && !vsphere.is_empty() {
            let o = ptr(&["platforms", "vsphere", "output", "template"]);
            let mut body = Args::default();
            for (arg, var) in [
                ("host", "vsphere_endpoint"),
                ("username", "vsphere_username"),
                ("password", "vsphere_password"),
                ("insecure", "vsphere_insecure_connection"),
                ("datacenter", "vsphere_datacenter"),
                ("folder", "vsphere_folder"),
            ] {
                if self.has_var(var) {
                    let value = self.var(var);
                    body.attr(arg, value, &o);
                }
            }
            build.post_processors.push(Step {
                component: Component::VsphereTemplate,
                body,
                only: vsphere,
                origin: o,
            });
        }
    }
}
