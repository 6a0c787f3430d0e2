//! The `oses` section: platforms and provisioning sets each OS refers to, installers and their
//! templates, Windows editions and locale, and steps that cannot run on an OS's family.

use std::path::Path;

use super::names::suggest_label;
use super::{Checker, builder_of, is_label, iso_platforms};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::spec::{BuilderKind, Family, Installer, Os, PlatformName, SeedChannel, Step};

impl Checker<'_, '_> {
    pub(super) fn oses(&mut self) {
        let spec = self.cx.spec;
        for (name, os) in &spec.oses {
            let configured =
                PlatformName::ALL.map(|p| os.platforms.contains(&p) && self.configured(p));
            let mut seen = Vec::new();
            for (i, platform) in os.platforms.iter().enumerate() {
                let index = i.to_string();
                let span = self.at(&["oses", name, "platforms", &index]).value;
                if seen.contains(platform) {
                    self.push(Diagnostic::error(
                        Code::DuplicateItem,
                        format!("OS `{name}` lists platform `{}` twice", platform.as_str()),
                        span,
                        "listed again here",
                    ));
                }
                seen.push(*platform);
                if !self.configured(*platform) {
                    let configured = self.configured_names();
                    self.push(
                        Diagnostic::error(
                            Code::UnknownReference,
                            format!(
                                "OS `{name}` targets platform `{}`, which is not configured",
                                platform.as_str()
                            ),
                            span,
                            "no such entry under `platforms`",
                        )
                        .with_help(if configured.is_empty() {
                            format!("add `{}:` under `platforms`", platform.as_str())
                        } else {
                            format!(
                                "add `{}:` under `platforms`, or use one of {}",
                                platform.as_str(),
                                configured
                                    .iter()
                                    .map(|c| format!("`{c}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }),
                    );
                }
            }
            for (i, set) in os.provisioning.iter().enumerate() {
                let index = i.to_string();
                if !spec.provisioning.contains_key(set) {
                    let help = did_you_mean(set, spec.provisioning.keys().map(String::as_str))
                        .or_else(|| {
                            (!spec.provisioning.is_empty()).then(|| {
                                format!(
                                    "defined sets: {}",
                                    spec.provisioning
                                        .keys()
                                        .map(|k| format!("`{k}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            })
                        });
                    self.push(
                        Diagnostic::error(
                            Code::UnknownReference,
                            format!(
                                "OS `{name}` uses provisioning set `{set}`, which is not defined"
                            ),
                            self.at(&["oses", name, "provisioning", &index]).value,
                            "no such set under `provisioning`",
                        )
                        .with_optional_help(help),
                    );
                    continue;
                }
            }
            if os.family == Family::Windows && os.seed == Some(SeedChannel::Http) {
                self.push(
                    Diagnostic::error(
                        Code::WrongFamily,
                        format!("Windows OS `{name}` cannot read its answer file over HTTP"),
                        self.at(&["oses", name, "seed"]).value,
                        "Windows Setup reads `autounattend.xml` from a drive",
                    )
                    .with_help("use `seed: cd` (Windows always uses a CD; an inherited `defaults.seed: http` is ignored for Windows)"),
                );
            }
            if os.family == Family::Windows
                && configured[PlatformName::Proxmox as usize]
                && builder_of(spec, os, PlatformName::Proxmox) == BuilderKind::Iso
                && spec
                    .platforms
                    .proxmox
                    .as_ref()
                    .is_some_and(|p| p.virtio_iso.is_none())
            {
                self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("Windows OS `{name}` is installed on Proxmox, which needs `virtio_iso`"),
                        self.key_span(&["platforms", "proxmox"]),
                        "no VirtIO driver ISO",
                    )
                    .with_secondary(self.key_span(&["oses", name]), "Windows installed from an ISO")
                    .with_help("add `virtio_iso: { url: <virtio-win ISO>, checksum: ... }` (or `proxmox_file: local:iso/virtio-win.iso`)"),
                );
            }
            if os.installer == Some(Installer::Preseed)
                && os.seed.unwrap_or(spec.defaults.seed) == SeedChannel::Cd
                && !iso_platforms(spec, os).is_empty()
            {
                let span = match os.seed {
                    Some(_) => self.at(&["oses", name, "seed"]).value,
                    None => self.at(&["defaults", "seed"]).value,
                };
                self.push(
                    Diagnostic::error(
                        Code::Unsupported,
                        format!("OS `{name}` uses preseed, which hybridc serves over HTTP only"),
                        span,
                        "a seed CD is asked for here",
                    )
                    .with_help(format!("set `seed: http` on OS `{name}`")),
                );
            }
            self.installer(name, os);
            self.editions(name, os);
            if os.family == Family::Windows {
                self.windows_locale(name, os);
            }
            self.azure_disk(name, os);
            self.builders(name, os);
        }
    }

    /// Steps that cannot run on the family of an OS that uses their set: one finding per step,
    /// at the step, naming every such OS, however many share the set.
    pub(super) fn step_families(&mut self) {
        let spec = self.cx.spec;
        for (set, steps) in &spec.provisioning {
            for (j, step) in steps.iter().enumerate() {
                let runs_on = match step {
                    Step::Shell(_) => Family::Linux,
                    Step::Powershell(_) | Step::WindowsRestart(_) => Family::Windows,
                    Step::File(_) | Step::Ansible(_) => continue,
                };
                let users: Vec<(&String, usize)> = spec
                    .oses
                    .iter()
                    .filter(|(_, os)| os.family != runs_on)
                    .filter_map(|(name, os)| {
                        let at = os.provisioning.iter().position(|s| s == set)?;
                        Some((name, at))
                    })
                    .collect();
                let Some(family) = users.first().map(|(name, _)| spec.oses[*name].family) else {
                    continue;
                };
                let family = family.as_str();
                let index = j.to_string();
                let oses = match users.as_slice() {
                    [(name, _)] => format!("{family} OS `{name}`"),
                    _ => format!(
                        "{family} OSes {}",
                        and_list(users.iter().map(|(name, _)| format!("`{name}`")))
                    ),
                };
                let mut d = Diagnostic::error(
                    Code::WrongFamily,
                    format!(
                        "provisioning set `{set}` has a `{}` step, which cannot run on {oses}",
                        step.kind()
                    ),
                    self.key_span(&["provisioning", set, &index, step.kind()]),
                    format!("runs on {} only", runs_on.as_str()),
                )
                .with_help(format!("give {family} OSes their own provisioning set"));
                for (name, at) in &users {
                    let at = at.to_string();
                    d = d.with_secondary(
                        self.at(&["oses", name, "provisioning", &at]).value,
                        format!("used by {family} OS `{name}`"),
                    );
                }
                self.push(d);
            }
        }
    }

    pub(super) fn installer(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let iso_platforms = iso_platforms(spec, os);
        match os.installer {
            Some(installer) if installer.family() != os.family => {
                self.push(
                    Diagnostic::error(
                        Code::WrongFamily,
                        format!(
                            "installer `{}` does not install {} OSes",
                            installer.as_str(),
                            os.family.as_str()
                        ),
                        self.at(&["oses", name, "installer"]).value,
                        format!("a {} installer", installer.family().as_str()),
                    )
                    .with_secondary(self.at(&["oses", name, "family"]).value, "the OS family")
                    .with_help(match os.family {
                        Family::Linux => {
                            "Linux installers are `autoinstall`, `kickstart` and `preseed`"
                        }
                        Family::Windows => "Windows is installed with `autounattend`",
                    }),
                );
            }
            Some(installer) if !iso_platforms.is_empty() => self.templates(name, installer),
            None if !iso_platforms.is_empty() => {
                self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("OS `{name}` is installed from an ISO but has no `installer`"),
                        self.key_span(&["oses", name]),
                        format!(
                            "iso builds on {}",
                            and_list(iso_platforms.iter().map(|p| p.as_str().to_owned()))
                        ),
                    )
                    .with_help(match os.family {
                        Family::Linux => "add `installer: autoinstall`, `kickstart` or `preseed`",
                        Family::Windows => "add `installer: autounattend`",
                    }),
                );
            }
            _ => {}
        }
        if iso_platforms.is_empty() {
            return;
        }
        let iso = os.iso.clone().unwrap_or_default();
        self.iso_values(&iso, &["oses", name, "iso"]);
        if iso.url.is_some() && iso.checksum.is_none() {
            self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("the ISO of OS `{name}` has a `url` but no `checksum`"),
                    self.key_span(&["oses", name, "iso", "url"]),
                    "downloaded without verification",
                )
                .with_help("add `checksum: sha256:<hex>` (or `file:<url of a checksum file>`)"),
            );
        }
        for platform in &iso_platforms {
            let local = match platform {
                PlatformName::Proxmox => iso.proxmox_file.is_some(),
                PlatformName::Vsphere => iso.vsphere_path.is_some(),
                PlatformName::Azure => true,
            };
            if iso.url.is_none() && !local {
                let key = match platform {
                    PlatformName::Proxmox => "proxmox_file",
                    _ => "vsphere_path",
                };
                let span = if os.iso.is_some() {
                    self.key_span(&["oses", name, "iso"])
                } else {
                    self.key_span(&["oses", name])
                };
                self.push(
                    Diagnostic::error(
                        Code::MissingIso,
                        format!("OS `{name}` has no ISO for its {} build", platform.as_str()),
                        span,
                        "no ISO source",
                    )
                    .with_help(format!(
                        "add `iso: {{ url: ..., checksum: ... }}` or `iso: {{ {key}: ... }}`"
                    )),
                );
            }
        }
    }

    pub(super) fn templates(&mut self, name: &str, installer: Installer) {
        let folder = Path::new("builds").join(name);
        for file in installer.templates() {
            let relative = folder.join(file);
            if !self.cx.root.join(&relative).is_file() {
                self.push(
                    Diagnostic::error(
                        Code::MissingFile,
                        format!(
                            "installer `{}` of OS `{name}` needs the template `{}`",
                            installer.as_str(),
                            relative.display()
                        ),
                        self.at(&["oses", name, "installer"]).value,
                        "template not found",
                    )
                    .with_help(format!("create `{}` in the repository", relative.display())),
                );
            }
        }
    }

    /// Windows Setup takes its own identifiers: the keyboard as an input profile and the time
    /// zone as a Windows ID (Microsoft-Windows-International-Core `InputLocale`,
    /// Microsoft-Windows-Shell-Setup `TimeZone`). The spec's Linux-style values must map.
    pub(super) fn windows_locale(&mut self, name: &str, os: &Os) {
        let d = &self.cx.spec.defaults.locale;
        let layered =
            |own: &Option<String>, base: &Option<String>, key: &'static str| match (own, base) {
                (Some(v), _) => Some((v.clone(), vec!["oses", name, "locale", key])),
                (None, Some(v)) => Some((v.clone(), vec!["defaults", "locale", key])),
                (None, None) => None,
            };
        if let Some((keyboard, at)) = layered(&os.locale.keyboard, &d.keyboard, "keyboard")
            && crate::windows_locale::windows_input_locale(&keyboard).is_none()
        {
            let help = match crate::windows_locale::keyboard_suggestions(&keyboard).first() {
                Some(close) => format!("did you mean `{close}`? A Windows input profile such as `0407:00000407` or a language tag such as `de-DE` is taken as is"),
                None => "use a keyboard layout name such as `us`, `de` or `gb`, a Windows input profile such as `0407:00000407`, or a language tag such as `de-DE`".into(),
            };
            self.push(
                Diagnostic::error(
                    Code::UnknownKeyboard,
                    format!(
                        "keyboard `{keyboard}` of Windows OS `{name}` has no Windows input profile"
                    ),
                    self.at(&at).value,
                    "Windows Setup needs an input profile here",
                )
                .with_help(help),
            );
        }
        if let Some((zone, at)) = layered(&os.locale.timezone, &d.timezone, "timezone")
            && crate::windows_locale::windows_time_zone(&zone).is_none()
        {
            let help = match crate::windows_locale::time_zone_suggestions(&zone).first() {
                Some(close) => format!("did you mean `{close}`?"),
                None => "use an IANA time zone name such as `Europe/Berlin` or `UTC`, or a Windows time zone ID such as `W. Europe Standard Time`".into(),
            };
            self.push(
                Diagnostic::error(
                    Code::UnknownTimeZone,
                    format!("time zone `{zone}` of Windows OS `{name}` has no Windows time zone"),
                    self.at(&at).value,
                    "not in CLDR's Windows time zone table",
                )
                .with_help(help),
            );
        }
    }

    pub(super) fn editions(&mut self, name: &str, os: &Os) {
        match os.family {
            Family::Linux => {
                if !os.editions.is_empty() {
                    self.push(
                        Diagnostic::error(
                            Code::WrongFamily,
                            format!("OS `{name}` is linux and cannot have `editions`"),
                            self.key_span(&["oses", name, "editions"]),
                            "editions are for Windows",
                        )
                        .with_help("remove `editions`, or define one OS per Linux variant"),
                    );
                }
            }
            Family::Windows => {
                if os.editions.is_empty() {
                    self.push(
                        Diagnostic::error(
                            Code::MissingKey,
                            format!("Windows OS `{name}` needs at least one edition"),
                            self.key_span(&["oses", name]),
                            "no `editions`",
                        )
                        .with_help("add `editions: [{ name: standard, image_name: \"Windows Server 2022 SERVERSTANDARD\" }]`"),
                    );
                }
                let mut seen: Vec<&str> = Vec::new();
                for (i, edition) in os.editions.iter().enumerate() {
                    let index = i.to_string();
                    let span = self.at(&["oses", name, "editions", &index, "name"]).value;
                    if !is_label(&edition.name) {
                        self.push(
                            Diagnostic::error(
                                Code::BadName,
                                format!("edition name `{}` is not valid", edition.name),
                                span,
                                "becomes part of a Packer label",
                            )
                            .with_help(format!(
                                "use lowercase letters, digits and `-`, for example `{}`",
                                suggest_label(&edition.name)
                            )),
                        );
                    }
                    if let Some(first) = seen.iter().position(|n| *n == edition.name) {
                        let first_index = first.to_string();
                        self.push(
                            Diagnostic::error(
                                Code::DuplicateItem,
                                format!("OS `{name}` has two editions named `{}`", edition.name),
                                span,
                                "defined again here",
                            )
                            .with_secondary(
                                self.at(&["oses", name, "editions", &first_index, "name"])
                                    .value,
                                "first defined here",
                            ),
                        );
                    }
                    seen.push(&edition.name);
                    for (j, platform) in edition.platforms.iter().enumerate() {
                        if !os.platforms.contains(platform) {
                            let j = j.to_string();
                            self.push(
                                Diagnostic::error(
                                    Code::UnknownReference,
                                    format!(
                                        "edition `{}` targets `{}`, which OS `{name}` is not built on",
                                        edition.name,
                                        platform.as_str()
                                    ),
                                    self.at(&["oses", name, "editions", &index, "platforms", &j]).value,
                                    "not in the OS's `platforms`",
                                )
                                .with_help(format!("add `{}` to the OS's `platforms`, or remove it here", platform.as_str())),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// `a`, `b` and `c`.
fn and_list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
