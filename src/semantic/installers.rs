//! What an OS asks of its installer kind: a hypervisor the kind installs on for each of its ISO
//! builds (Photon OS's installer on vSphere only), installer inputs the templates can read
//! (`inputs.<name>`: an HCL identifier), and package repositories a template reads. Reads the typed spec and the installer table; the
//! other installer checks (family, templates, seed channel) are in `oses`.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::installer::KernelNetwork;
use crate::platform::iso_platforms;
use crate::release::OsFacts;
use crate::spec::{Family, Os, SeedChannel, is_env_name};

impl Checker<'_, '_> {
    /// Every OS's installer kind against its ISO builds and its installer inputs.
    pub(super) fn installers(&mut self) {
        let spec = self.cx.spec;
        for (name, os) in &spec.oses {
            self.installer_platforms(name, os);
            self.installer_network(name, os);
            self.installer_inputs(name, os);
            self.installer_repositories(name, os);
        }
    }

    /// Each ISO build runs on a hypervisor its installer kind installs on.
    fn installer_platforms(&mut self, name: &str, os: &Os) {
        let Some(installer) = os.installer() else {
            return;
        };
        let kind = crate::installer::kind(installer);
        let supported: Vec<String> = kind
            .hypervisors
            .iter()
            .map(|p| format!("`{}`", p.as_str()))
            .collect();
        for platform in iso_platforms(self.cx.spec, os) {
            // A release that is not built there at all is reported once, by `releases`.
            if kind.hypervisors.contains(&platform)
                || os.known().is_some_and(|r| !r.platforms.contains(&platform))
            {
                continue;
            }
            let Some(index) = os.platforms.iter().position(|p| *p == platform) else {
                continue;
            };
            let index = index.to_string();
            self.push(
                Diagnostic::error(
                    Code::Unsupported,
                    format!(
                        "OS `{name}` is installed from an ISO on `{}`, but its installer `{}` runs on {} only",
                        platform.as_str(),
                        installer.as_str(),
                        crate::diagnostic::words(&supported, "and")
                    ),
                    self.at(&["oses", name, "platforms", &index]).value,
                    format!("`{}` cannot install here", installer.as_str()),
                )
                .with_help(format!(
                    "remove `{platform}` from its `platforms`, or clone a template there (`{platform}: {{ builder: clone }}`)",
                    platform = platform.as_str()
                )),
            );
        }
    }

    /// An installer that fetches its files over HTTP but takes no network on its boot line
    /// (Photon OS) gets its own address by DHCP: a static address reaches only the installed
    /// system, so the build needs DHCP on its network as well.
    fn installer_network(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let Some(kind) = os.installer().map(crate::installer::kind) else {
            return;
        };
        if kind.network != KernelNetwork::None
            || kind.family != Family::Linux
            || kind.channel(os.seed, spec.defaults.seed) != SeedChannel::Http
            || iso_platforms(spec, os).is_empty()
        {
            return;
        }
        let networks =
            std::iter::once((vec!["defaults", "network"], spec.defaults.network.as_ref())).chain(
                spec.environments.iter().map(|(env, e)| {
                    (
                        vec!["environments", env.as_str(), "network"],
                        e.network.as_ref(),
                    )
                }),
            );
        for (at, network) in networks {
            if !network.is_some_and(|n| n.addresses.contains_key(name)) {
                continue;
            }
            let mut tokens = at;
            tokens.extend(["addresses", name]);
            self.push(
                Diagnostic::warning(
                    Code::Unsupported,
                    format!(
                        "the {} installer of OS `{name}` fetches its files by DHCP: its static address applies to the installed system only",
                        kind.installer.as_str()
                    ),
                    self.key_span(&tokens),
                    "not on the installer's boot line",
                )
                .with_help("keep DHCP on the build network, or remove the address"),
            );
        }
    }

    /// Installer input names are identifiers, so that a template reads `inputs.<name>`.
    fn installer_inputs(&mut self, name: &str, os: &Os) {
        for input in os.installer_inputs.keys() {
            // The rule of an environment variable's name is an HCL identifier without `-` (HCL
            // allows it, but `inputs.a-b` would read as a subtraction).
            if is_env_name(input) {
                continue;
            }
            let suggestion: String = input
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            self.push(
                Diagnostic::error(
                    Code::BadName,
                    format!("installer input `{input}` of OS `{name}` is not an identifier"),
                    self.key_span(&["oses", name, "installer_inputs", input]),
                    "templates could not read it as `inputs.<name>`",
                )
                .with_help(format!(
                    "use letters, digits and `_`, not starting with a digit, such as `{}`",
                    suggestion.trim_start_matches(|c: char| c.is_ascii_digit())
                )),
            );
        }
    }

    /// An OS's own `repositories` reach its installer through `release.repositories`: a warning
    /// when no template it uses (the shared ones, or its own) reads them, so that they would be
    /// ignored (the shared templates of every kind but kickstart read none).
    fn installer_repositories(&mut self, name: &str, os: &Os) {
        let (Some(_), Some(installer)) = (&os.repositories, os.installer()) else {
            return;
        };
        let kind = crate::installer::kind(installer);
        let files = self.cx.files;
        let reads = kind.templates.iter().any(|file| {
            let path = kind.template_path(name, os, file, |p| {
                files.kind(p) == crate::source::Kind::File
            });
            files
                .read(&path)
                .is_some_and(|text| String::from_utf8_lossy(&text).contains("release.repositories"))
        });
        if reads || iso_platforms(self.cx.spec, os).is_empty() {
            return;
        }
        self.push(
            Diagnostic::warning(
                Code::Unused,
                format!(
                    "OS `{name}` lists package repositories, but no template of its {} installer reads them",
                    installer.as_str()
                ),
                self.key_span(&["oses", name, "repositories"]),
                "ignored",
            )
            .with_help(
                "remove `repositories`, or give the OS a template of its own that reads `release.repositories`",
            ),
        );
    }
}
