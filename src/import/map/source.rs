//! What one original source is: its platform and builder, the catalogue release it installs
//! (from its ISO, its folder and source names, its Azure image), the OS name it becomes, its
//! Windows edition, its installer kind and seed files, and the values of its arguments as the
//! spec writes them (ISO, hardware). The files it serves its installer are read by
//! [`super::served`]; this module reads none.

use std::collections::BTreeSet;
use std::path::Path;

use crate::import::tree::{Body, Source, Value};
use crate::release::Release;
use crate::spec::{BuilderKind, Family, Installer, PlatformName, SeedChannel};

use super::served::{self, Seed};

/// The platform and builder kind of a Packer builder type; `None` for one hybridc does not
/// build with.
pub fn builder(kind: &str) -> Option<(PlatformName, BuilderKind)> {
    crate::catalogue::Component::BUILDERS
        .into_iter()
        .find(|c| c.name() == kind)
        .and_then(|component| {
            PlatformName::ALL.into_iter().find_map(|platform| {
                [BuilderKind::Iso, BuilderKind::Clone]
                    .into_iter()
                    .find(|b| crate::platform::component(platform, *b) == component)
                    .map(|b| (platform, b))
            })
        })
}

/// The string value of an argument.
pub fn text<'a>(body: &'a Body, name: &str) -> Option<&'a str> {
    match &body.get(name)?.value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// A number or a numeric string, as an integer.
pub fn integer(body: &Body, name: &str) -> Option<u64> {
    match &body.get(name)?.value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A boolean argument.
pub fn boolean(body: &Body, name: &str) -> Option<bool> {
    match &body.get(name)?.value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The bodies of a nested block type.
pub fn blocks<'a>(body: &'a Body, name: &str) -> &'a [Body] {
    match body.get(name).map(|a| &a.value) {
        Some(Value::Blocks(bodies)) => bodies,
        _ => &[],
    }
}

/// Everything one source says about its OS.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The catalogue release it installs, when recognised.
    pub release: Option<&'static Release>,
    /// Its OS family.
    pub family: Family,
    /// Its installer kind (ISO builders).
    pub installer: Option<Installer>,
    /// The OS name it becomes.
    pub name: String,
    /// Its Windows edition: a release's edition name, or `(name, image name)` of its own.
    pub edition: Option<EditionGuess>,
    /// How its seed reaches the VM, when it has one.
    pub seed: Option<SeedChannel>,
    /// Its seed files.
    pub seeds: Vec<Seed>,
    /// The ISO checksum, which identifies the OS across platforms.
    pub checksum: Option<String>,
}

/// A Windows edition recognised in a source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum EditionGuess {
    /// An edition of the release, by name.
    Known(String),
    /// Another one: short name and image name.
    Own(String, String),
}

impl EditionGuess {
    /// Its short name.
    pub fn name(&self) -> &str {
        match self {
            EditionGuess::Known(name) | EditionGuess::Own(name, _) => name,
        }
    }
}

/// The facts of `source` in `folder`.
pub fn facts(folder: &Path, source: &Source, platform: PlatformName) -> Facts {
    let body = &source.body;
    let mut seeds = served::seeds(body);
    let azure = (platform == PlatformName::Azure)
        .then(|| azure_image(body))
        .flatten();
    let words = words(folder, source, &iso(body).url);
    let release = azure
        .as_ref()
        .and_then(|(publisher, offer, sku)| {
            crate::release::all().find(|r| {
                r.azure_image.as_ref().is_some_and(|i| {
                    i.publisher.eq_ignore_ascii_case(publisher)
                        && i.offer.eq_ignore_ascii_case(offer)
                        && i.sku.eq_ignore_ascii_case(sku)
                })
            })
        })
        .or_else(|| recognise(&words));
    let installer = release
        .map(|r| r.installer)
        .or_else(|| seeds.iter().find_map(served::installer_of));
    if let Some(installer) = installer {
        served::assign_templates(installer, &mut seeds);
    }
    let family = release
        .map(Release::family)
        .or_else(|| installer.map(|i| crate::installer::kind(i).family))
        .unwrap_or_else(|| family_of(body));
    let edition = (family == Family::Windows)
        .then(|| edition(body, release))
        .flatten();
    let name = match release {
        Some(r) => r.name.to_owned(),
        None => derived_name(folder, &source.name),
    };
    let seed = if body.get("http_content").is_some() || body.get("http_directory").is_some() {
        Some(SeedChannel::Http)
    } else if seeds.is_empty() {
        None
    } else {
        Some(SeedChannel::Cd)
    };
    Facts {
        release,
        family,
        installer,
        name,
        edition,
        seed,
        seeds,
        checksum: iso(body).checksum,
    }
}

/// The family of a source no release or installer names: its communicator or Azure OS type.
fn family_of(body: &Body) -> Family {
    let windows = text(body, "communicator") == Some("winrm")
        || text(body, "os_type").is_some_and(|t| t.eq_ignore_ascii_case("windows"));
    if windows {
        Family::Windows
    } else {
        Family::Linux
    }
}

/// The Azure Marketplace image of an azure-arm source.
pub fn azure_image(body: &Body) -> Option<(String, String, String)> {
    Some((
        text(body, "image_publisher")?.to_owned(),
        text(body, "image_offer")?.to_owned(),
        text(body, "image_sku")?.to_owned(),
    ))
}

/// Where an ISO builder's installer ISO comes from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IsoFacts {
    /// Download URL.
    pub url: Option<String>,
    /// Checksum, with its algorithm.
    pub checksum: Option<String>,
    /// A file on Proxmox storage.
    pub proxmox_file: Option<String>,
    /// A path on a vSphere datastore.
    pub vsphere_path: Option<String>,
}

/// The ISO of a source: Proxmox's `boot_iso` block or the top-level arguments.
pub fn iso(body: &Body) -> IsoFacts {
    let inner = blocks(body, "boot_iso").first().unwrap_or(body);
    let url = text(inner, "iso_url").map(str::to_owned).or_else(|| {
        match inner.get("iso_urls").map(|a| &a.value) {
            Some(Value::List(items)) => items.iter().find_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        }
    });
    let vsphere_path = match inner.get("iso_paths").map(|a| &a.value) {
        Some(Value::List(items)) => items.iter().find_map(|v| match v {
            Value::String(s) if !s.contains("/vmimages/tools-isoimages/") => Some(s.clone()),
            _ => None,
        }),
        _ => None,
    };
    IsoFacts {
        url,
        checksum: text(inner, "iso_checksum").map(checksum),
        proxmox_file: text(inner, "iso_file").map(str::to_owned),
        vsphere_path,
    }
}

/// A checksum with its algorithm: a bare hexadecimal digest gets the one its length says.
fn checksum(value: &str) -> String {
    if value.contains(':') || value == "none" || !value.chars().all(|c| c.is_ascii_hexdigit()) {
        return value.to_owned();
    }
    let algorithm = match value.len() {
        32 => "md5",
        40 => "sha1",
        128 => "sha512",
        _ => "sha256",
    };
    format!("{algorithm}:{value}")
}

/// The lowercase words that say what a source installs: the last folders of its path, its
/// name and its ISO's file name.
fn words(folder: &Path, source: &Source, url: &Option<String>) -> BTreeSet<String> {
    let mut text: Vec<String> = folder
        .components()
        .rev()
        .take(4)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    text.push(source.name.clone());
    if let Some(url) = url {
        text.push(url.rsplit('/').next().unwrap_or(url).to_owned());
    }
    // `22-04-lts` names version 22.04 as the frameworks write it in folder names.
    let versions: Vec<String> = text
        .iter()
        .map(|t| {
            t.split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .collect::<Vec<_>>()
                .join(".")
        })
        .filter(|v| v.contains('.'))
        .collect();
    text.extend(versions);
    text.iter()
        .flat_map(|t| {
            t.to_ascii_lowercase()
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                .map(|w| w.trim_matches('.').trim_end_matches(".iso").to_owned())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The release whose name's words and version all occur in `words`; the one naming the
/// most words when several do.
fn recognise(words: &BTreeSet<String>) -> Option<&'static Release> {
    let version_in = |version: &str| {
        let bare = version.replace('.', "");
        words
            .iter()
            .any(|w| w == version || w == &bare || w.starts_with(&format!("{version}.")))
    };
    crate::release::all()
        .filter_map(|r| {
            let names: Vec<&str> = r
                .name
                .split('-')
                .filter(|t| !t.chars().all(|c| c.is_ascii_digit()))
                .collect();
            let all = names.iter().all(|n| {
                words.contains(*n) || (n.len() > 2 && words.iter().any(|w| w.starts_with(n)))
            });
            (all && version_in(r.version)).then_some((names.len(), r))
        })
        .max_by_key(|(n, r)| (*n, std::cmp::Reverse(r.name)))
        .map(|(_, r)| r)
}

/// A build name from a source no release matches: the source's name without a leading
/// family word, with the version its folder names (`linux-ubuntu` in `.../ubuntu/22.04`:
/// `ubuntu-2204`).
pub fn derived_name(folder: &Path, source: &str) -> String {
    let mut words: Vec<String> = source
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if words.len() > 1 && words[0] == "linux" {
        words.remove(0);
    }
    let version = folder
        .file_name()
        .map(|f| f.to_string_lossy().replace('.', ""))
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()));
    if let Some(version) = version
        && !words.contains(&version)
    {
        words.push(version);
    }
    let mut name = words.join("-");
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "os-");
    }
    name
}

/// Every string in a value, nested ones and a template's variables included.
fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::List(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(entries) => entries.iter().for_each(|(_, v)| strings(v, out)),
        Value::Blocks(bodies) => bodies
            .iter()
            .flat_map(|b| &b.attributes)
            .for_each(|a| strings(&a.value, out)),
        Value::Template { vars, .. } => strings(vars, out),
        _ => {}
    }
}

/// The Windows edition a source installs: the release's edition whose image name it passes
/// to its answer file, else an image name of its own with the words of the source's name
/// that its release's name lacks.
fn edition(body: &Body, release: Option<&Release>) -> Option<EditionGuess> {
    let mut all = Vec::new();
    for attribute in &body.attributes {
        strings(&attribute.value, &mut all);
    }
    let known = release
        .and_then(|r| r.windows)
        .map_or(&[][..], |w| w.editions);
    let sku = text(body, "image_sku");
    if let Some(edition) = known.iter().find(|e| {
        all.iter().any(|s| s.eq_ignore_ascii_case(e.image_name))
            || (sku.is_some() && e.azure_sku == sku)
    }) {
        return Some(EditionGuess::Known(edition.name.to_owned()));
    }
    let image = all
        .iter()
        .find(|s| s.starts_with("Windows ") && s.split(' ').count() >= 3)?;
    let name: String = image
        .rsplit(' ')
        .next()
        .unwrap_or("edition")
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (!name.is_empty()).then(|| EditionGuess::Own(name, (*image).to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str) -> Source {
        Source {
            builder: "vsphere-iso".into(),
            name: name.into(),
            body: Body::default(),
            at: crate::import::tree::Location {
                file: crate::import::tree::FileId(0),
                span: crate::span::Span::new(0, 0),
            },
        }
    }

    #[test]
    fn releases_are_recognised_from_folders_names_and_isos() {
        let cases = [
            (
                "builds/linux/ubuntu/22.04",
                "linux-ubuntu",
                None,
                Some("ubuntu-2204"),
            ),
            (
                "builds/linux/rocky/9",
                "linux-rocky",
                Some("https://x/Rocky-9.4-x86_64-dvd.iso"),
                Some("rocky-9"),
            ),
            (
                "builds/windows/server/2022",
                "windows-server-standard-dexp",
                None,
                Some("windows-2022"),
            ),
            ("builds/linux/debian/12", "debian", None, Some("debian-12")),
            (
                "builds/linux/ubuntu/22-04-lts",
                "linux-ubuntu",
                None,
                Some("ubuntu-2204"),
            ),
            ("builds/linux/gentoo/1", "linux-gentoo", None, None),
        ];
        for (folder, name, url, expected) in cases {
            let found = recognise(&words(
                Path::new(folder),
                &source(name),
                &url.map(str::to_owned),
            ));
            assert_eq!(found.map(|r| r.name), expected, "{folder} {name}");
        }
    }

    #[test]
    fn names_no_release_matches_come_from_the_source_and_the_folder() {
        assert_eq!(
            derived_name(Path::new("builds/linux/gentoo/22.04"), "linux-gentoo"),
            "gentoo-2204"
        );
        assert_eq!(derived_name(Path::new("x"), "9lives"), "os-9lives");
    }

    #[test]
    fn builders_belong_to_their_platforms() {
        assert_eq!(
            builder("proxmox-clone"),
            Some((PlatformName::Proxmox, BuilderKind::Clone))
        );
        assert_eq!(
            builder("vsphere-iso"),
            Some((PlatformName::Vsphere, BuilderKind::Iso))
        );
        assert_eq!(builder("azure-arm").map(|b| b.0), Some(PlatformName::Azure));
        assert_eq!(builder("amazon-ebs"), None);
    }

    #[test]
    fn bare_checksums_get_their_algorithm() {
        assert_eq!(
            checksum(&"a".repeat(64)),
            format!("sha256:{}", "a".repeat(64))
        );
        assert_eq!(checksum("sha512:ab"), "sha512:ab");
    }
}
