//! An OS's unattended installer, from its entry in [`crate::installer::INSTALLERS`]: the seed
//! files and the channel they reach the VM by, the boot command (with the installer's network,
//! from `network`), and the Windows answer file.

use super::{Lowerer, Target, ptr, s};
use crate::hcl::{Expr, Part};
use crate::installer::{BootLine, InstallerKind, KernelNetwork, SeedInputs, TemplateVar};
use crate::model::{FileKey, Local, Model};
use crate::platform::iso_platforms;
use crate::release::OsFacts;
use crate::release::Release;
use crate::spec::{Firmware, Installer, InstallerInput, PlatformName, SeedChannel, snake};

impl Lowerer<'_> {
    /// The repository files an installer puts on its seed CD, as globs: the files land at the
    /// CD's root, where the answer file's first-logon commands look for them.
    ///
    /// Not folders: packer-plugin-sdk `multistep/commonsteps/step_create_cdrom.go`
    /// (`StepCreateCD.AddFile`) strips a folder's prefix as written while the walked children
    /// are cleaned paths, so a folder under `${path.root}/..` never matches and the step fails
    /// to open its files; a glob is expanded first and each match is copied by its base name.
    pub(super) fn cd_files(&self, kind: &InstallerKind) -> Expr {
        Expr::List(kind.cd_files.iter().map(|f| self.path(f)).collect())
    }

    /// The installer inputs shared by every source of an OS whose installer renders its seed
    /// once per OS, as a local value.
    pub(super) fn seed_local(&mut self, t: Target<'_>, model: &mut Model) -> Option<String> {
        let Target { name, os, .. } = t;
        let kind = t.installer?;
        if kind.seed != SeedInputs::PerOs || iso_platforms(self.spec, os).is_empty() {
            return None;
        }
        let shared_machine = self.shared_machine(t);
        let mut entries = Vec::new();
        for var in SeedInputs::PerOs.template_vars() {
            let value = match var {
                // Merged in per source: see `seed_files`.
                TemplateVar::Platform | TemplateVar::CloudInit => continue,
                TemplateVar::Machine => match &shared_machine {
                    Some(machine) => machine.clone(),
                    None => continue,
                },
                _ => self.template_value(t, *var, None),
            };
            entries.push((var.name().into(), value));
        }
        let vars = Expr::Object(entries);
        let vars_name = format!("{}_installer_vars", snake(name));
        model.locals.push(Local {
            name: vars_name.clone(),
            value: vars,
        });
        Some(vars_name)
    }

    /// The value of one template variable for the OS of `t`: with `edition` (and its
    /// platform), of a Windows answer file. `platform` and `cloud_init` of a per-OS seed, and
    /// its machine, are set where they are merged in (`seed_local`, `seed_files`).
    fn template_value(
        &mut self,
        t: Target<'_>,
        var: TemplateVar,
        edition: Option<(&crate::spec::Edition, PlatformName)>,
    ) -> Expr {
        let Target { name, os, .. } = t;
        // A Windows answer file is rendered per source; a per-OS seed once for its sources.
        let source = edition.map_or_else(
            || name.to_owned(),
            |(e, _)| crate::spec::source_name(name, Some(&e.name)),
        );
        match (var, edition) {
            (TemplateVar::BuildUsername, _) => self.var("build_username"),
            (TemplateVar::BuildPasswordHash, _) => self.var("build_password_hash"),
            (TemplateVar::BuildPassword, _) => self.var("build_password"),
            (TemplateVar::BuildSshPubkey, _) => self.ssh_public_key(),
            (TemplateVar::Hostname, _) => s(name),
            (TemplateVar::ComputerName, _) => s(&computer_name(&source)),
            (TemplateVar::Language, _) => s(&self.locale(t).0),
            (TemplateVar::Keyboard, _) => s(&self.locale(t).1),
            (TemplateVar::Timezone, _) => s(&self.locale(t).2),
            (TemplateVar::Network, _) => self.network(&source).object(),
            (TemplateVar::Release, _) => release(name, os),
            (TemplateVar::Inputs, _) => self.installer_inputs(name, os),
            (TemplateVar::ImageName, Some((e, _))) => s(&e.image_name),
            (TemplateVar::ProductKey, Some((e, _))) if e.product_key.is_some() => {
                self.var(&format!("{}_{}_product_key", snake(name), snake(&e.name)))
            }
            (TemplateVar::Firmware, Some((_, platform))) => {
                s(self.hardware(os, platform).3.as_str())
            }
            (TemplateVar::Machine, Some((_, platform))) => self.machine(t, platform),
            (TemplateVar::Platform, Some((_, platform))) => s(platform.as_str()),
            // An edition without a product key gets `""`; the others are not in a per-OS
            // seed's local (see `seed_local`).
            (
                TemplateVar::ImageName
                | TemplateVar::ProductKey
                | TemplateVar::Firmware
                | TemplateVar::Machine
                | TemplateVar::Platform,
                _,
            ) => s(""),
            (TemplateVar::CloudInit, _) => Expr::Bool(false),
        }
    }

    /// The OS's `installer_inputs` as the templates' `inputs` object (`{}` when it has none): a
    /// plain value as written, a secret as a sensitive variable `<os>_input_<name>` whose
    /// default reads the environment when Packer runs, so that its value is never written to a
    /// file.
    fn installer_inputs(&mut self, name: &str, os: &crate::spec::Os) -> Expr {
        let mut entries = Vec::with_capacity(os.installer_inputs.len());
        for (input, value) in &os.installer_inputs {
            let value = match value {
                InstallerInput::Text(text) => s(text),
                InstallerInput::Secret(credential) => {
                    let variable = format!("{}_input_{}", snake(name), snake(input));
                    self.credential(
                        &variable,
                        FileKey::Common,
                        credential,
                        &format!("Installer input `{input}` of {name}"),
                        &ptr(&["oses", name, "installer_inputs", input]),
                    );
                    self.var(&variable)
                }
            };
            entries.push((input.clone(), value));
        }
        Expr::Object(entries)
    }

    /// The installer's files for one source: `{ "/user-data" = templatefile(...) }` (HTTP
    /// paths) or `{ "user-data" = ... }` (CD), rendered with `vars`.
    fn seed_object(&self, t: Target<'_>, kind: &InstallerKind, vars: &Expr) -> Expr {
        let channel = self.channel(t);
        let files = kind
            .templates
            .iter()
            .map(|template| {
                let served = kind.served_name(template);
                let key = match channel {
                    SeedChannel::Http => format!("/{served}"),
                    SeedChannel::Cd => served.clone(),
                };
                let path = self.path(&kind.template_path(t.name, t.os, template, |p| {
                    self.loaded.repository.own_templates.contains(p)
                }));
                (key, Expr::call("templatefile", vec![path, vars.clone()]))
            })
            .collect();
        Expr::Object(files)
    }

    /// The seed of an OS's installer for one source, rendered with the OS's shared inputs
    /// plus the platform, which decides the guest agent the installer adds, and the machine
    /// on that platform (its disks and partition layout) where it differs between the OS's
    /// platforms ([`Self::shared_machine`]).
    pub(super) fn seed_files(
        &mut self,
        t: Target<'_>,
        vars_local: &str,
        platform: PlatformName,
    ) -> Option<Expr> {
        let kind = t.installer?;
        // The platform decides the guest agent; a Proxmox cloud-init drive needs cloud-init in
        // the guest to be of any use to the clones.
        let cloud_init = platform == PlatformName::Proxmox
            && self
                .spec
                .platforms
                .proxmox
                .as_ref()
                .is_some_and(|p| p.cloud_init);
        let shared = self.shared_machine(t).is_some();
        let mut own = Vec::new();
        for var in SeedInputs::PerOs.template_vars() {
            let value = match var {
                TemplateVar::Platform => s(platform.as_str()),
                TemplateVar::CloudInit => Expr::Bool(cloud_init),
                TemplateVar::Machine if !shared => self.machine(t, platform),
                // In the OS's local: see `seed_local`.
                _ => continue,
            };
            own.push((var.name().into(), value));
        }
        let vars = Expr::call("merge", vec![Expr::local(vars_local), Expr::Object(own)]);
        Some(self.seed_object(t, kind, &vars))
    }

    /// The machine of an OS whose installer renders its seed once per OS, when it is the same
    /// on each platform the OS is installed on (the common case: the same disks, layout and
    /// firmware): written once in the OS's installer inputs instead of in each source.
    fn shared_machine(&mut self, t: Target<'_>) -> Option<Expr> {
        let mut machines = iso_platforms(self.spec, t.os)
            .into_iter()
            .map(|platform| self.machine(t, platform))
            .collect::<Vec<_>>()
            .into_iter();
        let first = machines.next()?;
        machines.all(|m| m == first).then_some(first)
    }

    /// The seed CD's arguments of one source (`cd_files`, `cd_content`), without its label:
    /// none when the installer has nothing to put there.
    pub(super) fn cd_seed(
        &mut self,
        t: Target<'_>,
        edition: Option<&crate::spec::Edition>,
        seed_local: Option<&str>,
        platform: PlatformName,
    ) -> Vec<(&'static str, Expr)> {
        let mut args = Vec::new();
        match (t.installer, edition) {
            (Some(kind), Some(e)) if kind.seed == SeedInputs::PerEdition => {
                if !kind.cd_files.is_empty() {
                    args.push(("cd_files", self.cd_files(kind)));
                }
                args.push(("cd_content", self.autounattend(t, kind, e, platform)));
            }
            _ => {
                if let Some(files) =
                    seed_local.and_then(|local| self.seed_files(t, local, platform))
                {
                    args.push(("cd_content", files));
                }
            }
        }
        args
    }

    /// The channel the OS's seed reaches the VM by, as its installer allows.
    pub(super) fn channel(&self, t: Target<'_>) -> SeedChannel {
        let default = self.spec.defaults.seed;
        t.installer.map_or(t.os.seed.unwrap_or(default), |k| {
            k.channel(t.os.seed, default)
        })
    }

    /// The answer file for one edition on one platform, rendered at build time, for an
    /// installer whose seed is rendered per edition.
    pub(super) fn autounattend(
        &mut self,
        t: Target<'_>,
        kind: &InstallerKind,
        edition: &crate::spec::Edition,
        platform: PlatformName,
    ) -> Expr {
        let mut entries = Vec::new();
        for var in SeedInputs::PerEdition.template_vars() {
            let value = self.template_value(t, *var, Some((edition, platform)));
            entries.push((var.name().into(), value));
        }
        let vars = Expr::Object(entries);
        self.seed_object(t, kind, &vars)
    }

    /// `boot_wait` and `boot_command` of an ISO build, from the installer's boot lines. The
    /// lines are HCL templates: Packer's own `{{ .HTTPIP }}` actions and the installer
    /// network's expressions stay live.
    pub(super) fn boot(&mut self, t: Target<'_>, firmware: Firmware) -> (Expr, Expr) {
        let name = t.name;
        // `semantic` refuses an ISO build without an installer.
        let kind = t
            .installer
            .unwrap_or_else(|| crate::installer::kind(Installer::Autoinstall));
        let (http, cd) = kind.seed_argument;
        let seed = match self.channel(t) {
            SeedChannel::Http => http,
            SeedChannel::Cd => cd,
        };
        let net = match kind.network {
            KernelNetwork::None => Vec::new(),
            style => self.network(name).kernel_arguments(style, name),
        };
        let nocloud = t.os.known().map_or("nocloud", |r| r.nocloud_datasource());
        let fill = |text: &str| {
            text.replace("{seed}", seed)
                .replace("{nocloud}", nocloud)
                .replace("{hostname}", name)
                .replace("{url}", "http://{{ .HTTPIP }}:{{ .HTTPPort }}")
        };
        let lines = kind.boot(firmware, t.os.arch());
        let commands = lines.iter().map(|line| match line {
            BootLine::Keys(keys) => vec![Part::text(*keys)],
            BootLine::Kernel { before, after } if net.is_empty() => {
                vec![Part::text(fill(&format!("{before}{after}")))]
            }
            BootLine::Kernel { before, after } => {
                let mut parts = vec![Part::text(format!("{} ", fill(before)))];
                parts.extend(net.iter().cloned());
                parts.push(Part::text(fill(after)));
                parts
            }
        });
        (
            s(kind.boot_wait),
            Expr::List(commands.map(Expr::Template).collect()),
        )
    }
}

/// The facts of the OS's release its templates read: `release = { name, distribution, version,
/// repositories = [{ name, url }], drivers, arch }` (`arch` as `uname -m` prints it); an OS outside the catalogue has its own name and
/// empty facts (no repositories: the installer installs from its media).
fn release(name: &str, os: &crate::spec::Os) -> Expr {
    let known = os.known();
    let text = |f: fn(&Release) -> &'static str| s(known.map_or("", f));
    let repositories = os.repositories();
    Expr::Object(vec![
        ("name".into(), s(known.map_or(name, |r| r.name))),
        ("distribution".into(), text(|r| r.distribution)),
        ("version".into(), text(|r| r.version)),
        (
            "repositories".into(),
            Expr::List(
                repositories
                    .into_iter()
                    .map(|(name, url)| {
                        Expr::Object(vec![("name".into(), s(name)), ("url".into(), s(&url))])
                    })
                    .collect(),
            ),
        ),
        (
            "drivers".into(),
            text(|r| r.windows.map_or("", |w| w.drivers)),
        ),
        ("arch".into(), s(os.arch().machine())),
    ])
}

/// A NetBIOS computer name from a source name: at most 15 characters, not ending in `-`
/// (Microsoft-Windows-Shell-Setup `ComputerName`).
pub(super) fn computer_name(source: &str) -> String {
    let short: String = source.chars().take(15).collect();
    short.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests;
