//! The `environments` section and the build user: overrides of configured platforms and outputs
//! only, and a build user for ISO installs.

use serde_json::Value;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::platform::iso_platforms;
use crate::release::OsFacts;
use crate::spec::{Family, Os, PlatformName};

impl Checker<'_, '_> {
    /// An environment may change a setting of an optional output (a gallery, a content
    /// library) only when the platform has that output: the settings and the output each needs
    /// come from the one table, [`crate::platform::SETTINGS`].
    pub(super) fn output_overrides(&mut self, name: &str, env: &crate::spec::Environment) {
        let spec = self.cx.spec;
        let given = serde_json::to_value(&env.platforms).unwrap_or(Value::Null);
        let base = serde_json::to_value(&spec.platforms).unwrap_or(Value::Null);
        for setting in crate::platform::SETTINGS {
            let Some(requires) = setting.requires else {
                continue;
            };
            let platform = setting.platform.as_str();
            let overridden = given
                .get(platform)
                .and_then(|p| p.get(setting.name))
                .is_some_and(|v| !v.is_null());
            let configured = base
                .get(platform)
                .and_then(|p| p.pointer(requires))
                .is_some_and(|v| !v.is_null());
            // The platform missing altogether is reported on its own.
            if !overridden || configured || base.get(platform).is_none_or(Value::is_null) {
                continue;
            }
            let output = requires.trim_start_matches("/output/");
            self.push(
                Diagnostic::error(
                    Code::UnknownReference,
                    format!(
                        "environment `{name}` overrides `{}`, but {platform} has no `{output}` output",
                        setting.name
                    ),
                    self.key_span(&["environments", name, "platforms", platform, setting.name]),
                    "nothing to override",
                )
                .with_help(format!(
                    "add `output.{output}` under `platforms.{platform}`, or remove this override"
                )),
            );
        }
    }

    pub(super) fn environments(&mut self) {
        let spec = self.cx.spec;
        for (name, env) in &spec.environments {
            let overrides = [
                (PlatformName::Proxmox, env.platforms.proxmox.is_some()),
                (PlatformName::Vsphere, env.platforms.vsphere.is_some()),
                (PlatformName::Azure, env.platforms.azure.is_some()),
            ];
            for (platform, given) in overrides {
                if given && !self.configured(platform) {
                    self.push(
                        Diagnostic::error(
                            Code::UnknownReference,
                            format!(
                                "environment `{name}` overrides platform `{}`, which is not configured",
                                platform.as_str()
                            ),
                            self.key_span(&["environments", name, "platforms", platform.as_str()]),
                            "no such entry under `platforms`",
                        )
                        .with_help(format!("add `{}:` under `platforms`, or remove this override", platform.as_str())),
                    );
                }
            }
            if let (Some(azure), Some(base)) = (&env.platforms.azure, &spec.platforms.azure) {
                let switches = [
                    (
                        "location",
                        azure.location.is_some(),
                        base.location.is_some(),
                        "build_resource_group",
                    ),
                    (
                        "build_resource_group",
                        azure.build_resource_group.is_some(),
                        base.build_resource_group.is_some(),
                        "location",
                    ),
                ];
                for (key, given, used, other) in switches {
                    if given && !used {
                        self.push(
                            Diagnostic::error(
                                Code::Conflict,
                                format!("environment `{name}` sets Azure `{key}`, but the platform places builds with `{other}`"),
                                self.key_span(&["environments", name, "platforms", "azure", key]),
                                "an environment can change the value, not the kind of placement",
                            )
                            .with_help(format!("override `{other}` instead")),
                        );
                    }
                }
            }
            self.output_overrides(name, env);
        }
    }

    pub(super) fn build_user(&mut self) {
        self.build_user_login();
        let spec = self.cx.spec;
        let iso_oses: Vec<(&String, &Os)> = spec
            .oses
            .iter()
            .filter(|(_, os)| !iso_platforms(spec, os).is_empty())
            .collect();
        let Some((first, _)) = iso_oses.first() else {
            return;
        };
        match &spec.defaults.build_user {
            None => self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    "ISO builds need a build user, and `defaults.build_user` is not set",
                    if spec.defaults == Default::default() {
                        self.key_span(&["oses", first])
                    } else {
                        self.key_span(&["defaults"])
                    },
                    format!("OS `{first}` is installed from an ISO"),
                )
                .with_help("add `defaults: { build_user: { username: packer, password: { env: BUILD_PASSWORD }, password_hash: { env: BUILD_PASSWORD_HASH } } }`"),
            ),
            Some(user) => {
                let linux = iso_oses.iter().find(|(_, os)| os.family() == Family::Linux);
                if let (None, Some((name, _))) = (&user.password_hash, linux) {
                    self.push(
                        Diagnostic::error(
                            Code::MissingKey,
                            "Linux installers need `password_hash` of the build user",
                            self.key_span(&["defaults", "build_user"]),
                            format!("OS `{name}` is installed from an ISO"),
                        )
                        .with_help("add `password_hash: { env: BUILD_PASSWORD_HASH }` (a SHA-512 crypt hash, `mkpasswd -m sha-512`)"),
                    );
                }
            }
        }
    }

    /// Packer logs in to an OS on Proxmox or vSphere as the build user, with its password or,
    /// where the family's communicator can ([`crate::family::FamilyFacts::key_login`]), its
    /// SSH key: an OS that can use neither is refused at its name.
    fn build_user_login(&mut self) {
        let spec = self.cx.spec;
        let Some(user) = &spec.defaults.build_user else {
            return;
        };
        if user.password.is_some() {
            return;
        }
        for (name, os) in &spec.oses {
            let facts = crate::family::facts(os.family());
            let hypervisor = os
                .platforms
                .iter()
                .find(|p| matches!(p, PlatformName::Proxmox | PlatformName::Vsphere));
            let (Some(platform), false) = (hypervisor, facts.key_login() && user.ssh_key.is_some())
            else {
                continue;
            };
            let (label, help) = if facts.key_login() {
                (
                    "logs in as the build user, which has neither `password` nor `ssh_key`",
                    "add `ssh_key: { public_key: ..., private_key_file: { env: BUILD_SSH_KEY_FILE } }` or `password: { env: BUILD_PASSWORD }` to `defaults.build_user`",
                )
            } else {
                (
                    "logs in over WinRM, which takes a password, never an SSH key",
                    "add `password: { env: BUILD_PASSWORD }` to `defaults.build_user`; its `ssh_key` serves Linux OSes only",
                )
            };
            self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!(
                        "OS `{name}` on {} needs the build user's `password`",
                        platform.as_str()
                    ),
                    self.key_span(&["oses", name]),
                    label,
                )
                .with_secondary(
                    self.key_span(&["defaults", "build_user"]),
                    "no `password` here",
                )
                .with_help(help),
            );
        }
    }
}
