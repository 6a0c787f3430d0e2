//! The `oses` section: platforms and provisioning sets each OS refers to, installers and their
//! templates, Windows locale, and steps that cannot run on an OS's family (editions:
//! `semantic::windows`).

use super::Checker;
use super::templates::Scanned;
use crate::diagnostic::{Code, Diagnostic, did_you_mean, prose_list};
use crate::installer::{INSTALLERS, InstallerKind};
use crate::platform::{builder_of, iso_platforms};
use crate::release::OsFacts;
use crate::spec::{BuilderKind, Family, Installer, Os, PlatformName, SeedChannel, Step};

impl Checker<'_, '_> {
    pub(super) fn oses(&mut self) {
        let spec = self.cx.spec;
        // Each template file is parsed once, however many OSes render it.
        let mut scanned = Scanned::default();
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
                    let help = (!spec.provisioning.is_empty()).then(|| {
                        format!(
                            "defined sets: {}",
                            spec.provisioning
                                .keys()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
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
                        .with_optional_help(help)
                        .with_did_you_mean(set, spec.provisioning.keys().map(String::as_str)),
                    );
                    continue;
                }
            }
            if crate::family::facts(os.family()).virtio_drivers
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
            self.seed_channel(name, os);
            self.installer(name, os, &mut scanned);
            self.editions(name, os);
            if crate::family::facts(os.family()).windows_locale {
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
                    .filter(|(_, os)| os.family() != runs_on)
                    .filter_map(|(name, os)| {
                        let at = os.provisioning.iter().position(|s| s == set)?;
                        Some((name, at))
                    })
                    .collect();
                let Some(family) = users.first().map(|(name, _)| spec.oses[*name].family()) else {
                    continue;
                };
                let family = family.as_str();
                let index = j.to_string();
                let oses = match users.as_slice() {
                    [(name, _)] => format!("{family} OS `{name}`"),
                    _ => format!(
                        "{family} OSes {}",
                        and_words(users.iter().map(|(name, _)| format!("`{name}`")))
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

    pub(super) fn installer(&mut self, name: &str, os: &Os, scanned: &mut Scanned) {
        let spec = self.cx.spec;
        let iso_platforms = iso_platforms(spec, os);
        if !self.release(name, os) {
            return;
        }
        match os.installer() {
            Some(installer) if crate::installer::kind(installer).family != os.family() => {
                self.push(
                    Diagnostic::error(
                        Code::WrongFamily,
                        format!(
                            "installer `{}` does not install {} OSes",
                            installer.as_str(),
                            os.family().as_str()
                        ),
                        self.at(&["oses", name, "installer"]).value,
                        format!(
                            "a {} installer",
                            crate::installer::kind(installer).family.as_str()
                        ),
                    )
                    .with_secondary(
                        if os.family.is_some() {
                            self.at(&["oses", name, "family"]).value
                        } else {
                            self.key_span(&["oses", name])
                        },
                        "the OS family",
                    )
                    .with_help(installers_of(os.family())),
                );
            }
            Some(installer) if !iso_platforms.is_empty() => {
                self.templates(name, os, installer, scanned);
            }
            None if !iso_platforms.is_empty() => {
                self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("OS `{name}` is installed from an ISO but has no `installer`"),
                        self.key_span(&["oses", name]),
                        format!(
                            "iso builds on {}",
                            and_words(iso_platforms.iter().map(|p| p.as_str().to_owned()))
                        ),
                    )
                    .with_help(add_installer(os.family())),
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

    /// Every template of the OS's installer is where the OS reads it from, the OS names only
    /// templates its installer has, and each references only what hybridc passes it
    /// (`semantic::templates`).
    pub(super) fn templates(
        &mut self,
        name: &str,
        os: &Os,
        installer: Installer,
        scanned: &mut Scanned,
    ) {
        let kind = crate::installer::kind(installer);
        for file in os.templates.keys() {
            if !kind.templates.contains(&file.as_str()) {
                self.push(
                    Diagnostic::error(
                        Code::UnknownKey,
                        format!(
                            "installer `{}` has no template `{file}`",
                            installer.as_str()
                        ),
                        self.key_span(&["oses", name, "templates", file]),
                        "not a template of this installer",
                    )
                    .with_help(format!("its templates are {}", prose_list(kind.templates))),
                );
            }
        }
        let files = self.cx.files;
        let is_file = |p: &str| files.kind(p) == crate::source::Kind::File;
        for file in kind.templates {
            let path = kind.template_path(name, os, file, is_file);
            if is_file(&path) {
                continue;
            }
            let (span, help) = if os.templates.contains_key(*file) {
                (
                    self.at(&["oses", name, "templates", file]).value,
                    format!("create `{path}`, or name another file"),
                )
            } else {
                let span = if os.installer.is_some() {
                    self.at(&["oses", name, "installer"]).value
                } else {
                    self.key_span(&["oses", name])
                };
                (
                    span,
                    format!(
                        "create `{path}` (shared by every {} OS; `hybridc init` writes it), or `builds/{name}/{file}` for this OS alone",
                        installer.as_str()
                    ),
                )
            };
            self.push(
                Diagnostic::error(
                    Code::MissingFile,
                    format!(
                        "installer `{}` of OS `{name}` needs the template `{path}`",
                        installer.as_str(),
                    ),
                    span,
                    "template not found",
                )
                .with_help(help),
            );
        }
        self.template_references(name, os, kind, scanned);
    }

    /// An OS's release: an OS outside the catalogue says what it is, and one inside it does not
    /// contradict its release. False when the OS's family or installer is in doubt.
    fn release(&mut self, name: &str, os: &Os) -> bool {
        let Some(release) = os.known() else {
            if let Some(named) = &os.release {
                self.push(
                    Diagnostic::error(
                        Code::UnknownReference,
                        format!("OS `{name}` names release `{named}`, which hybridc does not know"),
                        self.at(&["oses", name, "release"]).value,
                        "not in the OS catalogue",
                    )
                    .with_help("`hybridc list oses` shows the catalogue; an OS outside it sets `family:` and `installer:` instead")
                    .with_did_you_mean(named, crate::release::names()),
                );
                return false;
            }
            if os.family.is_none() {
                let help = match did_you_mean(name, crate::release::names()) {
                    Some(guess) => format!(
                        "the OS catalogue (`hybridc list oses`) has no release `{name}`: {guess} Otherwise add `family:` and `installer:`"
                    ),
                    None => format!(
                        "the OS catalogue (`hybridc list oses`) has no release `{name}`: add `family:` and `installer:`, or `release:` naming the release it is"
                    ),
                };
                self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("OS `{name}` has no `family` and is not a release hybridc knows"),
                        self.key_span(&["oses", name]),
                        "family unknown",
                    )
                    .with_help(help),
                );
                return false;
            }
            return true;
        };
        let mut contradicts = |key: &str, own: &str, known: &str| {
            let d = Diagnostic::error(
                Code::Conflict,
                format!(
                    "OS `{name}` sets `{key}: {own}`, but release `{}` is {key} `{known}`",
                    release.name
                ),
                self.at(&["oses", name, key]).value,
                format!("the release's {key} is `{known}`"),
            )
            .with_help(format!(
                "remove `{key}` (the release sets it), or describe the OS without the catalogue: rename it and drop `release`"
            ));
            self.push(d);
        };
        let mut agrees = true;
        if let Some(family) = os.family.filter(|f| *f != release.family()) {
            contradicts("family", family.as_str(), release.family().as_str());
            agrees = false;
        }
        if let Some(installer) = os.installer.filter(|i| *i != release.installer) {
            contradicts("installer", installer.as_str(), release.installer.as_str());
            agrees = false;
        }
        agrees
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
}

impl Checker<'_, '_> {
    /// The channel an OS's seed reaches the VM by must be one its installer kind reads; a
    /// `seed` the OS sets itself must be one that some installer kind of its family reads.
    fn seed_channel(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let (kinds, channel): (Vec<&InstallerKind>, SeedChannel) = match os.installer() {
            Some(installer) => {
                let kind = crate::installer::kind(installer);
                if iso_platforms(spec, os).is_empty() && os.seed.is_none() {
                    return;
                }
                (vec![kind], kind.channel(os.seed, spec.defaults.seed))
            }
            None => match os.seed {
                Some(seed) => (
                    INSTALLERS
                        .iter()
                        .filter(|k| k.family == os.family())
                        .collect(),
                    seed,
                ),
                None => return,
            },
        };
        if kinds.iter().any(|k| k.channels.contains(&channel)) {
            return;
        }
        let mut readable: Vec<SeedChannel> = Vec::new();
        for channel in kinds.iter().flat_map(|k| k.channels) {
            if !readable.contains(channel) {
                readable.push(*channel);
            }
        }
        let span = match os.seed {
            Some(_) => self.at(&["oses", name, "seed"]).value,
            None => self.at(&["defaults", "seed"]).value,
        };
        let read: Vec<&str> = readable.iter().map(|c| channel_words(*c)).collect();
        let message = match kinds.as_slice() {
            [kind] if os.installer().is_some() => format!(
                "OS `{name}` uses {}, whose files hybridc serves by {} only",
                kind.installer.as_str(),
                crate::diagnostic::words(&read, "or")
            ),
            _ => format!(
                "{} OS `{name}` asks for its installer's files by {}; hybridc serves them to {} installers by {} only",
                title(os.family()),
                channel_words(channel),
                os.family().as_str(),
                crate::diagnostic::words(&read, "or")
            ),
        };
        let options: Vec<String> = readable
            .iter()
            .map(|c| format!("`seed: {}`", c.as_str()))
            .collect();
        let mut help = format!("set {} on OS `{name}`", or_words(options));
        if os.seed.is_some() && kinds.iter().all(|k| k.default_channel.is_some()) {
            help.push_str(", or remove its `seed`");
        }
        self.push(
            Diagnostic::error(
                Code::Unsupported,
                message,
                span,
                format!("a seed by {} is asked for here", channel_words(channel)),
            )
            .with_help(help),
        );
    }
}

/// A seed channel in words.
fn channel_words(channel: SeedChannel) -> &'static str {
    match channel {
        SeedChannel::Http => "HTTP",
        SeedChannel::Cd => "CD",
    }
}

/// The installer kinds of a family, from the installer table, as `` `a`, `b` `` words.
fn installer_names(family: Family) -> Vec<String> {
    crate::installer::INSTALLERS
        .iter()
        .filter(|k| k.family == family)
        .map(|k| format!("`{}`", k.installer.as_str()))
        .collect()
}

/// The family's name with a capital: `Linux`.
pub(super) fn title(family: Family) -> String {
    let name = family.as_str();
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// "Linux installers are `autoinstall`, `kickstart` and `preseed`".
fn installers_of(family: Family) -> String {
    let names = installer_names(family);
    match names.as_slice() {
        [one] => format!("{} is installed with {one}", title(family)),
        _ => format!("{} installers are {}", title(family), and_words(names)),
    }
}

/// "add `installer: autoinstall`, `kickstart` or `preseed`".
fn add_installer(family: Family) -> String {
    let names: Vec<String> = installer_names(family)
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            if i == 0 {
                format!("`installer: {}", &n[1..])
            } else {
                n
            }
        })
        .collect();
    format!("add {}", or_words(names))
}

fn and_words(items: impl IntoIterator<Item = String>) -> String {
    crate::diagnostic::words(&items.into_iter().collect::<Vec<_>>(), "and")
}

fn or_words(items: impl IntoIterator<Item = String>) -> String {
    crate::diagnostic::words(&items.into_iter().collect::<Vec<_>>(), "or")
}
