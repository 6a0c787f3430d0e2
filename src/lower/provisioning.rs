//! A build's provisioning steps (the spec's own, then the steps that strip build credentials
//! and generalise the template) and its post-processors (manifest, vSphere template).

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::family::distribution;
use super::{Lowerer, Target, go_template, ptr, s};
use crate::catalogue::Component;
use crate::family::AnsibleConnection;
use crate::hcl::{Expr, Part};
use crate::model::{Args, Build, Source, SourceRef, Step};
use crate::platform::SETTINGS;
use crate::pointer::Pointer;
use crate::spec::{PlatformName, Step as SpecStep, StepValue, VsphereTemplate, secret_variable};

/// The shell provisioner's `execute_command` for steps that run as root.
pub(super) const SUDO_EXECUTE: &str = "{{ .Vars }} sudo -E sh -eu '{{ .Path }}'";

/// [`SUDO_EXECUTE`] with the variables read from the file `use_env_var_file` uploads: the
/// provisioner's own default then is `chmod +x {{.Path}}; . {{.EnvVarFile}} && {{.Path}}`
/// (hashicorp/packer v1.16.0 `provisioner/shell/provisioner.go`, `Prepare`).
pub(super) const SUDO_EXECUTE_ENV_FILE: &str =
    ". '{{ .EnvVarFile }}' && sudo -E sh -eu '{{ .Path }}'";

impl Lowerer<'_> {
    pub(super) fn provisioning(
        &mut self,
        t: Target<'_>,
        selectors: &[(PlatformName, SourceRef)],
        build: &mut Build,
    ) {
        let os = t.os;
        let env_platform = Expr::Template(vec![
            Part::text("HYBRIDC_PLATFORM="),
            Part::Expr(platform_of_source()),
        ]);
        for set in &os.provisioning {
            let Some(steps) = self.spec.provisioning.get(set) else {
                continue;
            };
            for (j, step) in steps.iter().enumerate() {
                let index = j.to_string();
                let origin = ptr(&["provisioning", set, &index, step.kind()]);
                let only: Vec<SourceRef> = if step.only().is_empty() {
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
                        let secret =
                            self.environment(&mut body, &env_platform, &shell.env, &origin);
                        if secret {
                            // The values go into a file on the guest rather than onto the
                            // command line: see `shell_secrets_travel_in_a_file`.
                            body.attr("use_env_var_file", Expr::Bool(true), &origin);
                        }
                        if shell.sudo {
                            let command = if secret {
                                SUDO_EXECUTE_ENV_FILE
                            } else {
                                SUDO_EXECUTE
                            };
                            body.attr("execute_command", go_template(command), &origin);
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
                        self.environment(&mut body, &env_platform, &ps.env, &origin);
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
                        match t.family.ansible {
                            AnsibleConnection::SshProxy => {
                                self.ansible_over_ssh(&mut body, t, &origin);
                            }
                            // Ansible connects to the VM itself: see `FAMILIES`.
                            AnsibleConnection::Winrm(winrm_vars) => {
                                body.attr("use_proxy", Expr::Bool(false), &origin);
                                vars.extend(
                                    winrm_vars
                                        .iter()
                                        .map(|(k, v)| ((*k).to_owned(), Json::from(*v))),
                                );
                            }
                        }
                        let mut env = vec![env_platform.clone()];
                        for (key, value) in &ansible.extra_vars {
                            let value = match value {
                                StepValue::Text(text) => text.clone(),
                                StepValue::Secret(credential) => {
                                    // In Ansible's environment, not on its command line.
                                    let variable = self.var(&secret_variable(&credential.env));
                                    let entry = Expr::Template(vec![
                                        Part::text(format!("{}=", credential.env)),
                                        Part::Expr(variable),
                                    ]);
                                    if !env.contains(&entry) {
                                        env.push(entry);
                                    }
                                    env_lookup(&credential.env)
                                }
                            };
                            vars.push((key.clone(), Json::String(value)));
                        }
                        if !vars.is_empty() {
                            // One JSON document: Ansible's key=value form would split a value
                            // at its spaces (`a=x b=c` is two variables).
                            let document = Json::Object(vars.into_iter().collect()).to_string();
                            let mut args = body.take("extra_arguments");
                            args.extend([s("--extra-vars"), s(&document)]);
                            body.attr("extra_arguments", Expr::List(args), &origin);
                        }
                        // An `ansible.cfg` beside the playbook is only read when named.
                        let config = crate::semantic::ansible_config(&ansible.playbook);
                        if self.loaded.repository.ansible_configs.contains(&config) {
                            let mut parts = vec![Part::text("ANSIBLE_CONFIG=")];
                            parts.extend(self.path_parts(&config));
                            env.push(Expr::Template(parts));
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
        self.finish(t, selectors, build);
    }

    /// A shell or PowerShell step's environment: `HYBRIDC_PLATFORM` and the text values in
    /// `environment_vars`, the secrets in the `env` map, each as its variable. Says whether
    /// there is a secret.
    ///
    /// Secrets stay out of `environment_vars`: PowerShell logs an entry whose value its
    /// escaping changes, unmasked (hashicorp/packer v1.16.0 `provisioner/powershell/
    /// provisioner.go`, `createFlattenedEnvVars`), and the `env` map is never logged; the shell
    /// provisioner treats both alike.
    fn environment(
        &mut self,
        body: &mut Args,
        platform: &Expr,
        values: &BTreeMap<String, StepValue>,
        origin: &Pointer,
    ) -> bool {
        let mut env = vec![platform.clone()];
        let mut secrets = Vec::new();
        for (key, value) in values {
            match value {
                StepValue::Text(text) => env.push(s(&format!("{key}={text}"))),
                StepValue::Secret(credential) => {
                    let variable = self.var(&secret_variable(&credential.env));
                    secrets.push((key.clone(), variable));
                }
            }
        }
        body.attr("environment_vars", Expr::List(env), origin);
        if secrets.is_empty() {
            return false;
        }
        body.attr("env", Expr::Object(secrets), origin);
        true
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
    pub(super) fn ansible_over_ssh(&self, body: &mut Args, t: Target<'_>, origin: &Pointer) {
        if let Some(server) = distribution(t).map(|d| d.sftp_server) {
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
        selectors: &[(PlatformName, SourceRef)],
        sources: &[&Source],
        editions: &[Option<&crate::spec::Edition>],
        build: &mut Build,
    ) {
        let origin = ptr(&["oses", name]);
        for edition in editions {
            let only: Vec<SourceRef> = match edition {
                None => Vec::new(),
                Some(e) => sources
                    .iter()
                    .filter(|s| s.edition.as_deref() == Some(e.name.as_str()))
                    .map(|s| s.reference())
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
                Expr::Template(vec![Part::Expr(platform_of_source())]),
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
        let vsphere: Vec<SourceRef> = selectors
            .iter()
            .filter(|(p, _)| *p == PlatformName::Vsphere)
            .map(|(_, s)| s.clone())
            .collect();
        if template == Some(VsphereTemplate::PostProcessor) && !vsphere.is_empty() {
            let o = ptr(&["platforms", "vsphere", "output", "template"]);
            let mut body = Args::default();
            let arguments = SETTINGS.iter().filter_map(|setting| {
                let argument = setting.template_argument?;
                Some((argument, setting.variable()))
            });
            for (arg, var) in arguments {
                if self.has_var(&var) {
                    let value = self.var(&var);
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

/// `split("-", source.type)[0]`: the platform a build runs on, from its builder's type
/// (`proxmox-iso`).
fn platform_of_source() -> Expr {
    Expr::call("split", vec![s("-"), Expr::traversal("source.type")]).index(0)
}

/// An extra variable's value that Ansible reads from its own environment variable `name`
/// when the playbook uses it: `lookup('env', ...)` inside a Jinja filter block, since Packer
/// renders `extra_arguments` as a Go template until it stops changing
/// (packer-plugin-ansible v1.1.6 `provisioner/ansible/provisioner.go`, `Provision`), where no
/// `{{` survives; `{%` is not Go's.
fn env_lookup(name: &str) -> String {
    format!("{{% filter replace('_', lookup('env', '{name}')) %}}_{{% endfilter %}}")
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attr, lowered, text, texts};
    use crate::catalogue::Component;
    use crate::hcl::Expr;
    use crate::model::{SourceRef, Step};

    fn selectors(refs: &[SourceRef]) -> Vec<String> {
        refs.iter().map(ToString::to_string).collect()
    }

    const OSES: &str = r"
oses:
  rocky-9:
    family: linux
    installer: kickstart
    iso: { url: https://example.com/rocky.iso, checksum: none }
    azure_image: { publisher: resf, offer: rockylinux-x86_64, sku: 9-base }
    platforms: [proxmox, azure]
    provisioning: [base]
provisioning:
  base:
    - shell: { inline: ['dnf -y update'], sudo: true, env: { A: b } }
    - ansible: { playbook: ansible/linux.yml }
    - shell: { inline: ['echo proxmox'], only: [proxmox] }
    - shell: { inline: ['echo vsphere'], only: [vsphere] }
";

    fn steps(rest: &str) -> Vec<Step> {
        lowered(rest).builds.remove(0).provisioners
    }

    /// The spec's steps in order, a step limited to a platform the OS does not build on left
    /// out, then the finishing steps of the family, each on its own platforms.
    #[test]
    fn spec_steps_then_the_family_finish() {
        let steps = steps(OSES);
        let components: Vec<Component> = steps.iter().map(|s| s.component).collect();
        assert_eq!(
            components,
            [
                Component::Shell,
                Component::Ansible,
                Component::Shell,
                Component::Shell,
                Component::Shell
            ]
        );
        let shell = &steps[0].body;
        assert_eq!(
            texts(shell, "environment_vars"),
            ["HYBRIDC_PLATFORM=${split(\"-\", source.type)[0]}", "A=b"]
        );
        assert!(text(shell, "execute_command").contains("sudo -E"));
        assert_eq!(selectors(&steps[2].only), ["proxmox-iso.rocky-9"]);
        // Locking the build user on the hypervisor, deprovisioning on Azure.
        assert_eq!(
            texts(&steps[3].body, "inline")[0],
            "passwd -l \\\"${var.build_username}\\\""
        );
        assert_eq!(selectors(&steps[3].only), ["proxmox-iso.rocky-9"]);
        assert!(texts(&steps[4].body, "inline")[0].contains("waagent"));
        assert_eq!(selectors(&steps[4].only), ["azure-arm.rocky-9"]);
        assert_eq!(attr(&steps[4].body, "skip_clean"), Some(&Expr::Bool(true)));
    }

    /// A secret in a step becomes one sensitive variable however many steps use it, in the
    /// shell step's `env` map read from a file on the guest, and in Ansible's environment with
    /// a lookup as the extra variable; a secret no built step uses declares nothing.
    #[test]
    fn step_secrets_become_one_variable_each() {
        let model = lowered(
            r"
oses:
  rocky-9:
    family: linux
    installer: kickstart
    iso: { url: https://example.com/rocky.iso, checksum: none }
    platforms: [proxmox]
    provisioning: [base]
provisioning:
  base:
    - shell: { inline: ['register'], env: { KEY: { env: RHSM_KEY }, ORG: example } }
    - ansible: { playbook: ansible/linux.yml, extra_vars: { key: { env: RHSM_KEY } } }
    - shell: { inline: ['echo'], env: { X: { env: ONLY_VSPHERE } }, only: [vsphere] }
",
        );
        let secrets: Vec<(&str, Option<&str>)> = model
            .variables
            .iter()
            .filter(|v| v.name.starts_with("secret_"))
            .map(|v| (v.name.as_str(), v.credential()))
            .collect();
        assert_eq!(secrets, [("secret_rhsm_key", Some("RHSM_KEY"))]);
        let steps = &model.builds[0].provisioners;
        let shell = &steps[0].body;
        assert_eq!(
            attr(shell, "env"),
            Some(&Expr::Object(vec![(
                "KEY".into(),
                Expr::var("secret_rhsm_key")
            )]))
        );
        assert_eq!(attr(shell, "use_env_var_file"), Some(&Expr::Bool(true)));
        assert!(text(shell, "execute_command").starts_with(". '{{ .EnvVarFile }}' && sudo -E"));
        assert_eq!(texts(shell, "environment_vars")[1], "ORG=example");
        let ansible = &steps[1].body;
        assert_eq!(
            texts(ansible, "ansible_env_vars")[1],
            "RHSM_KEY=${var.secret_rhsm_key}"
        );
        assert!(texts(ansible, "extra_arguments")[3].contains("lookup('env', 'RHSM_KEY')"));
    }

    /// Ansible over SSH names the distribution's SFTP server, which the installer tells.
    #[test]
    fn ansible_names_the_distributions_sftp_server() {
        let steps = steps(OSES);
        let ansible = &steps[1].body;
        assert_eq!(
            text(ansible, "sftp_command"),
            "/usr/libexec/openssh/sftp-server -e"
        );
        assert!(attr(ansible, "use_proxy").is_none());
    }

    /// Windows: Ansible over WinRM, and Sysprep on every platform after the agents on Azure.
    #[test]
    fn windows_ansible_and_sysprep() {
        let steps = steps(
            r"
oses:
  windows-2022:
    family: windows
    azure_image: { publisher: MicrosoftWindowsServer, offer: WindowsServer, sku: 2022-datacenter-g2 }
    platforms: [azure]
    editions:
      - { name: datacenter, image_name: Windows Server 2022 SERVERDATACENTER }
    provisioning: [base]
provisioning:
  base:
    - ansible: { playbook: ansible/windows.yml }
",
        );
        assert_eq!(attr(&steps[0].body, "use_proxy"), Some(&Expr::Bool(false)));
        assert!(
            texts(&steps[0].body, "extra_arguments")[1]
                .contains("\"ansible_winrm_transport\":\"ntlm\"")
        );
        assert!(texts(&steps[1].body, "inline")[0].contains("RdAgent"));
        assert_eq!(
            selectors(&steps[1].only),
            ["azure-arm.windows-2022-datacenter"]
        );
        assert!(texts(&steps[2].body, "inline")[0].contains("Sysprep.exe"));
        assert!(steps[2].only.is_empty());
    }
}
