//! What an OS family decides for every source, from its entry in [`crate::family::FAMILIES`]:
//! the communicator, the locale's form, the Linux distribution, and the steps that strip the
//! build's credentials and generalise the template.

use super::provisioning::SUDO_EXECUTE;
use super::variables::SSH_KEY_FILE;
use super::{Lowerer, Target, go_template, list, ptr, s};
use crate::catalogue::Component;
use crate::family::{CommunicatorValue, Distribution, FinishShell, distribution_of_publisher};
use crate::hcl::{Expr, Part};
use crate::model::{Args, Build, SourceRef, Step};
use crate::pointer::Pointer;
use crate::spec::PlatformName;

impl Lowerer<'_> {
    /// The communicator's arguments, in the family table's order.
    pub(super) fn communicator(
        &mut self,
        body: &mut Args,
        arguments: &[(&'static str, CommunicatorValue)],
        origin: &Pointer,
    ) {
        for (name, value) in arguments {
            let value = match value {
                CommunicatorValue::Text(text) => s(text),
                CommunicatorValue::Bool(b) => Expr::Bool(*b),
                CommunicatorValue::BuildUsername => self.var("build_username"),
                CommunicatorValue::BuildPassword => self.var("build_password"),
                CommunicatorValue::BuildPasswordOrKey(key) if self.has_var(SSH_KEY_FILE) => {
                    // Without `ssh_password`: the key is the one way in.
                    body.attr(*key, self.var(SSH_KEY_FILE), origin);
                    continue;
                }
                CommunicatorValue::BuildPasswordOrKey(_) => self.var("build_password"),
            };
            body.attr(*name, value, origin);
        }
    }

    /// Language, keyboard and time zone after layering, in the form the family expects.
    pub(super) fn locale(&self, t: Target<'_>) -> (String, String, String) {
        let os = t.os;
        let d = &self.spec.defaults.locale;
        let language = os
            .locale
            .language
            .clone()
            .or(d.language.clone())
            .unwrap_or_else(|| "en_US".into());
        let keyboard = os
            .locale
            .keyboard
            .clone()
            .or(d.keyboard.clone())
            .unwrap_or_else(|| "us".into());
        let timezone = os
            .locale
            .timezone
            .clone()
            .or(d.timezone.clone())
            .unwrap_or_else(|| "UTC".into());
        if !t.family.windows_locale {
            return (language, keyboard, timezone);
        }
        // Windows Setup's own identifiers; `semantic` has checked that both map.
        (
            language.replace('_', "-"),
            crate::windows_locale::windows_input_locale(&keyboard).unwrap_or(keyboard),
            crate::windows_locale::windows_time_zone(&timezone).map_or(timezone, str::to_owned),
        )
    }

    /// The steps every template ends with, after the spec's own, from the family's table
    /// entry (see [`crate::family::FAMILIES`] for why each is needed): a step limited to some
    /// platforms runs only on the ones the OS builds on, and not at all when it builds on none.
    pub(super) fn finish(
        &mut self,
        t: Target<'_>,
        selectors: &[(PlatformName, SourceRef)],
        build: &mut Build,
    ) {
        let origin = ptr(&["oses", t.name]);
        for step in t.family.finish {
            let only: Vec<SourceRef> = selectors
                .iter()
                .filter(|(p, _)| step.platforms.contains(p))
                .map(|(_, s)| s.clone())
                .collect();
            if !step.platforms.is_empty() && only.is_empty() {
                continue;
            }
            let inline = if step.build_user {
                if !self.has_var("build_username") {
                    continue;
                }
                let user = self.var("build_username");
                Expr::List(
                    step.inline
                        .iter()
                        .map(|line| {
                            let mut parts = Vec::new();
                            for (i, piece) in line.split("{build_user}").enumerate() {
                                if i > 0 {
                                    parts.push(Part::Expr(user.clone()));
                                }
                                if !piece.is_empty() {
                                    parts.push(Part::text(piece));
                                }
                            }
                            Expr::Template(parts)
                        })
                        .collect(),
                )
            } else {
                list(step.inline)
            };
            let mut body = Args::default();
            body.attr("inline", inline, &origin);
            let component = match step.shell {
                FinishShell::Sudo => {
                    body.attr("execute_command", go_template(SUDO_EXECUTE), &origin);
                    body.attr("skip_clean", Expr::Bool(true), &origin);
                    Component::Shell
                }
                FinishShell::Powershell => Component::Powershell,
            };
            build.provisioners.push(Step {
                component,
                body,
                only,
                origin: origin.clone(),
            });
        }
    }
}

/// The distribution family of a Linux OS: from its installer, else from its Azure image's
/// publisher; `None` when neither tells.
pub(super) fn distribution(t: Target<'_>) -> Option<&'static Distribution> {
    if let Some(distribution) = t.installer.and_then(|k| k.distribution) {
        return Some(distribution);
    }
    distribution_of_publisher(&t.os.azure_image.as_ref()?.publisher)
}

#[cfg(test)]
mod tests {
    use super::super::testing::loaded;
    use super::super::{Lowerer, Target};
    use crate::family::{DEBIAN, REDHAT};

    const OSES: &str = r"
  locale: { language: de_DE, keyboard: de, timezone: Europe/Berlin }
oses:
  debian-12:
    family: linux
    azure_image: { publisher: Debian, offer: debian-12, sku: 12-gen2 }
    platforms: [azure]
  rocky-9:
    family: linux
    installer: kickstart
    iso: { url: https://example.com/rocky.iso, checksum: none }
    platforms: [proxmox]
  windows-2022:
    family: windows
    azure_image: { publisher: MicrosoftWindowsServer, offer: WindowsServer, sku: 2022-datacenter-g2 }
    platforms: [azure]
    editions:
      - { name: datacenter, image_name: Windows Server 2022 SERVERDATACENTER }
";

    /// The locale in the family's form: as written for Linux, Windows Setup's identifiers for
    /// Windows.
    #[test]
    fn the_locale_in_the_familys_form() {
        let loaded = loaded(OSES);
        let layout = super::super::testing::layout();
        let l = Lowerer::new(&loaded, &layout);
        let target = |name: &str| {
            let (name, os) = loaded.spec.oses.get_key_value(name).expect("an OS");
            Target::new(name, os)
        };
        assert_eq!(
            l.locale(target("debian-12")),
            ("de_DE".into(), "de".into(), "Europe/Berlin".into())
        );
        let (language, keyboard, timezone) = l.locale(target("windows-2022"));
        assert_eq!(language, "de-DE");
        assert_eq!(keyboard, "0407:00000407");
        assert_eq!(timezone, "W. Europe Standard Time");
    }

    /// The distribution: from the installer, else from the Azure image's publisher.
    #[test]
    fn the_distribution_from_the_installer_or_the_image() {
        let loaded = loaded(OSES);
        let target = |name: &str| {
            let (name, os) = loaded.spec.oses.get_key_value(name).expect("an OS");
            Target::new(name, os)
        };
        assert_eq!(super::distribution(target("rocky-9")), Some(&REDHAT));
        assert_eq!(super::distribution(target("debian-12")), Some(&DEBIAN));
        assert_eq!(super::distribution(target("windows-2022")), None);
    }
}
