//! What an OS of the catalogue must agree with its release on, where the user can forget an
//! edit: the platforms it targets, and the package repositories its own installer template
//! names.
//!
//! A template of its own (`builds/<os>/<file>`, or one named in `templates:`) is often a copy
//! of another release's: a kickstart copied from Rocky Linux 9 into an AlmaLinux 8 OS still
//! installs Rocky 9 packages, and nothing fails until the build. The shared templates under
//! `installers/` read the repositories from the catalogue and are not scanned. A repository is
//! recognised by its root, the part of its URL up to the path segment that names the version
//! (`download.rockylinux.org/pub/rocky/9/`, `mirror.stream.centos.org/9-stream/`,
//! `yum.oracle.com/repo/OracleLinux/OL9/`).

use super::Checker;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::installer::InstallerKind;
use crate::release::{OsFacts, Release, all};
use crate::spec::{Os, PlatformName};

impl Checker<'_, '_> {
    pub(super) fn releases(&mut self) {
        let spec = self.cx.spec;
        for (name, os) in &spec.oses {
            let Some(release) = os.known() else {
                continue;
            };
            // Only when the OS agrees with its release on the installer (`oses` says so
            // otherwise): its templates are then the release's kind's.
            if os.installer.is_some_and(|i| i != release.installer) {
                continue;
            }
            self.release_platforms(name, os, release);
            self.proxmox_cpu(name, os, release);
            self.rhel_registration(name, os, release);
            self.template_repositories(name, os, release);
        }
    }

    /// An OS targets only platforms its release is built on. Azure is left to the
    /// `azure_image` check: an OS may bring its own image.
    fn release_platforms(&mut self, name: &str, os: &Os, release: &Release) {
        for (i, platform) in os.platforms.iter().enumerate() {
            if *platform == PlatformName::Azure || release.platforms.contains(platform) {
                continue;
            }
            let built_on: Vec<&str> = release.platforms.iter().map(|p| p.as_str()).collect();
            self.push(
                Diagnostic::error(
                    Code::Unsupported,
                    format!(
                        "OS `{name}` targets `{}`, where release `{}` cannot be built",
                        platform.as_str(),
                        release.name
                    ),
                    self.at(&["oses", name, "platforms", &i.to_string()]).value,
                    format!("`{}` is built on {}", release.name, built_on.join(", ")),
                )
                .with_help(format!("remove `{}` from its `platforms`; `hybridc list oses` shows where each release is built", platform.as_str())),
            );
        }
    }

    /// The templates of `kind` that an OS has of its own (`builds/<os>/<file>`, or one named in
    /// `templates:`), read, each with the spec node that makes it the OS's; the shared ones
    /// under `installers/` are left out, and a missing one is reported by the `oses` checks.
    pub(super) fn own_templates(
        &self,
        name: &str,
        os: &Os,
        kind: &InstallerKind,
    ) -> Vec<OwnTemplate> {
        let files = self.cx.files;
        kind.templates
            .iter()
            .filter_map(|file| {
                let path = kind.template_path(name, os, file, |p| {
                    files.kind(p) == crate::source::Kind::File
                });
                if path.starts_with("installers/") {
                    return None;
                }
                let text = String::from_utf8(files.read(&path)?).ok()?;
                let span = if os.templates.contains_key(*file) {
                    self.at(&["oses", name, "templates", file]).value
                } else {
                    self.key_span(&["oses", name])
                };
                Some(OwnTemplate {
                    file,
                    path,
                    text,
                    span,
                })
            })
            .collect()
    }

    /// Proxmox gives a VM the `kvm64` CPU model (x86-64 baseline) unless `cpu_type` says
    /// otherwise (packer-plugin-proxmox v1.2.4 `builder/proxmox/common/config.go`, `Prepare`:
    /// "CPU type not set, using default 'kvm64'"); a release that needs x86-64-v2 or -v3 does
    /// not boot on it, which is said as a warning.
    fn proxmox_cpu(&mut self, name: &str, os: &Os, release: &Release) {
        let level = release.x86_64_level();
        let Some(i) = os
            .platforms
            .iter()
            .position(|p| *p == PlatformName::Proxmox)
        else {
            return;
        };
        let Some(platform) = self.cx.spec.platforms.proxmox.as_ref() else {
            return;
        };
        let own = os.proxmox.as_ref().map(|p| &p.options);
        let set = platform.options.contains_key("cpu_type")
            || own.is_some_and(|o| o.contains_key("cpu_type"));
        if level < 2 || set {
            return;
        }
        // Proxmox's model of that level (its x86-64-v2 one without AES is rarely wanted).
        let model = match level {
            2 => "x86-64-v2-AES".to_owned(),
            _ => format!("x86-64-v{level}"),
        };
        // A warning: the spec is sound, but the build would stop at the installer's first boot.
        self.push(
            Diagnostic::warning(
                Code::Unsupported,
                format!(
                    "OS `{name}` needs an x86-64-v{level} CPU, but Proxmox gives its VM `kvm64` (the x86-64 baseline) unless `cpu_type` is set"
                ),
                self.at(&["oses", name, "platforms", &i.to_string()]).value,
                format!("`{}` does not boot on `kvm64`", release.name),
            )
            .with_help(format!(
                "set `options: {{ cpu_type: host }}` (or `{model}`) under `platforms.proxmox`, or under `proxmox` of this OS"
            )),
        );
    }

    /// RHEL installs from its DVD (the catalogue lists no repositories for it, and the OS may
    /// list its own: a mirror it is entitled to) and is left
    /// without any package repository until it is registered: a step that installs or updates
    /// packages then fails (`dnf`: "There are no enabled repositories"). The shared kickstart
    /// registers it when the OS passes both `rhsm_*` inputs; without them, a warning says so.
    fn rhel_registration(&mut self, name: &str, os: &Os, release: &Release) {
        let registers = ["rhsm_organization", "rhsm_activation_key"]
            .iter()
            .all(|input| os.installer_inputs.contains_key(*input));
        if release.distribution != "rhel"
            || !os.repositories().is_empty()
            || registers
            || crate::platform::iso_platforms(self.cx.spec, os).is_empty()
        {
            return;
        }
        self.push(
            Diagnostic::warning(
                Code::Unsupported,
                format!(
                    "OS `{name}` installs RHEL from its DVD without registering it: the installed system has no package repository, so a step that installs or updates packages fails"
                ),
                self.key_span(&["oses", name]),
                "not registered",
            )
            .with_help(
                "pass `installer_inputs: { rhsm_organization: \"<org id>\", rhsm_activation_key: { env: RHSM_ACTIVATION_KEY } }` (the kickstart registers it), or register it in its first provisioning step",
            ),
        );
    }

    /// The OS's own templates name no package repository of another release, nor of its
    /// own distribution at another version.
    fn template_repositories(&mut self, name: &str, os: &Os, release: &Release) {
        for own in self.own_templates(name, os, release.installer_kind()) {
            let Some(found) = foreign_repository(&own.text, release) else {
                continue;
            };
            let (file, path, span) = (own.file, own.path, own.span);
            self.push(
                Diagnostic::error(
                    Code::Conflict,
                    format!(
                        "the template `{path}` of OS `{name}` (release `{}`) installs from {} (line {})",
                        release.name, found.what, found.line
                    ),
                    span,
                    format!("its own `{file}`"),
                )
                .with_help(format!(
                    "point it at the repositories of `{}`{}, or remove it: the shared `installers/{}/{file}` reads them from the catalogue",
                    release.name,
                    if release.repositories.is_empty() {
                        " (its install media)"
                    } else {
                        ""
                    },
                    release.installer.as_str()
                )),
            );
        }
    }
}

/// An installer template of an OS's own, read.
pub(super) struct OwnTemplate {
    /// Its file name in the installer kind (`ks.pkrtpl.hcl`).
    pub(super) file: &'static str,
    /// Its path, relative to the repository root.
    pub(super) path: String,
    /// Its text.
    pub(super) text: String,
    /// The spec node that makes it the OS's: its `templates:` entry, else the OS's key.
    pub(super) span: Span,
}

/// A repository of another release found in a template.
struct Found {
    /// What it is, for the message.
    what: String,
    /// Its line, from 1.
    line: usize,
}

/// The first line of `text` that names a repository root of another release, or a root of
/// `release`'s own distribution at another version.
fn foreign_repository(text: &str, release: &Release) -> Option<Found> {
    let own: Vec<Root> = roots(release).collect();
    let others: Vec<(&Release, Root)> = all()
        .filter(|r| r.name != release.name)
        .flat_map(|r| roots(r).map(move |root| (r, root)))
        .filter(|(_, root)| !own.iter().any(|o| o.whole() == root.whole()))
        .collect();
    for (n, line) in text.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        if let Some((other, _)) = others
            .iter()
            .find(|(_, root)| lower.contains(&root.whole()))
        {
            return Some(Found {
                what: format!("the repositories of `{}`", other.name),
                line: n + 1,
            });
        }
        for root in &own {
            if let Some(version) = other_version(&lower, root, release.version) {
                return Some(Found {
                    what: format!(
                        "`{}{version}/`, another version of {}",
                        root.prefix, release.distribution
                    ),
                    line: n + 1,
                });
            }
        }
    }
    None
}

/// A repository URL without its scheme, cut at the segment that names the version:
/// `prefix` before it (lowercase), `segment` the version segment itself.
struct Root {
    prefix: String,
    segment: String,
}

impl Root {
    fn whole(&self) -> String {
        format!("{}{}/", self.prefix, self.segment)
    }
}

/// The roots of a release's repositories.
fn roots(release: &Release) -> impl Iterator<Item = Root> + '_ {
    release.repositories.iter().filter_map(|repository| {
        let rest = repository
            .url
            .split_once("://")
            .map_or(repository.url, |(_, r)| r);
        let lower = rest.to_ascii_lowercase();
        let mut prefix = String::new();
        for segment in lower.split('/') {
            if names_version(segment, release.version) {
                return Some(Root {
                    prefix,
                    segment: segment.to_owned(),
                });
            }
            prefix.push_str(segment);
            prefix.push('/');
        }
        None
    })
}

/// Whether a path segment names `version`: `9`, `9-stream`, `OL9` (any case).
fn names_version(segment: &str, version: &str) -> bool {
    let version = version.to_ascii_lowercase();
    segment == version
        || segment == format!("{version}-stream")
        || segment == format!("ol{version}")
}

/// The version a line names after `root`'s prefix, when it is not `version` (nor one of its
/// minor releases, `9.4` for `9`).
fn other_version(line: &str, root: &Root, version: &str) -> Option<String> {
    let mut rest = line;
    while let Some(at) = rest.find(&root.prefix) {
        rest = &rest[at + root.prefix.len()..];
        let segment: String = rest.chars().take_while(|c| *c != '/').collect();
        let bare = segment
            .trim_start_matches("ol")
            .trim_end_matches("-stream")
            .to_owned();
        let numbered = bare.starts_with(|c: char| c.is_ascii_digit());
        let same = bare == version || bare.starts_with(&format!("{version}."));
        if numbered && !same {
            return Some(segment);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::find;

    fn release(name: &str) -> &'static Release {
        find(name).expect("a release of the catalogue")
    }

    #[test]
    fn roots_end_at_the_version_segment() {
        let wholes =
            |name: &str| -> Vec<String> { roots(release(name)).map(|r| r.whole()).collect() };
        assert_eq!(
            wholes("rocky-9"),
            ["download.rockylinux.org/pub/rocky/9/"; 2]
        );
        assert_eq!(wholes("centos-stream-8"), ["vault.centos.org/8-stream/"; 2]);
        assert_eq!(
            wholes("oraclelinux-9"),
            ["yum.oracle.com/repo/oraclelinux/ol9/"; 2]
        );
        assert_eq!(
            wholes("fedora-43"),
            [
                "dl.fedoraproject.org/pub/fedora/linux/releases/43/",
                "dl.fedoraproject.org/pub/fedora/linux/updates/43/"
            ]
        );
        assert!(wholes("rhel-9").is_empty());
    }

    #[test]
    fn a_template_of_another_release_is_found_at_its_line() {
        let text =
            "text\nurl --url=https://download.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/\n";
        let found = foreign_repository(text, release("almalinux-8")).expect("found");
        assert_eq!(
            (found.what.as_str(), found.line),
            ("the repositories of `rocky-9`", 2)
        );
        let found = foreign_repository(text, release("rhel-9")).expect("found");
        assert_eq!(found.line, 2);
        assert!(foreign_repository(text, release("rocky-9")).is_none());
    }

    #[test]
    fn another_version_of_the_same_distribution_is_found() {
        let text = "url --url=http://download.rockylinux.org/pub/rocky/7/os/x86_64/\n";
        let found = foreign_repository(text, release("rocky-9")).expect("found");
        assert_eq!(
            found.what,
            "`download.rockylinux.org/pub/rocky/7/`, another version of rocky"
        );
        let minor = "url --url=https://download.rockylinux.org/pub/rocky/9.4/BaseOS/x86_64/os/\n";
        assert!(foreign_repository(minor, release("rocky-9")).is_none());
        let stream =
            "repo --baseurl=https://mirror.stream.centos.org/10-stream/AppStream/x86_64/os/\n";
        assert!(foreign_repository(stream, release("centos-stream-9")).is_some());
    }
}
