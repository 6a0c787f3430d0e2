//! An entry of `oses` written from the OS catalogue: the one function that turns a
//! [`Release`] into spec lines, shared by `hybridc add os` (which inserts them into an existing
//! spec) and `hybridc init` (which scaffolds a spec from them).
//!
//! The entry holds what the spec needs beside what it inherits from its release (installer,
//! family, description, Azure Marketplace image, vSphere guest type, Windows editions and the
//! hardware a release requires): where the installer ISO comes from, the platforms, the
//! provisioning sets, and the disk an Azure image needs. Text only: it reads no file, and the
//! caller validates the result.

use super::matrix::scalar;
use crate::platform::{azure_image_disk_gb, configured, default_builder};
use crate::release::Release;
use crate::spec::{BuilderKind, PlatformName, Spec};

/// Where an entry's installer ISO comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IsoSource {
    /// Downloaded by Packer from `url`, verified with `checksum`.
    Download {
        /// The ISO's URL.
        url: String,
        /// Its checksum, with the algorithm: `sha256:<hex>`.
        checksum: String,
    },
    /// Uploaded by the user to the platforms beforehand: the catalogue knows no ISO URL, and a
    /// checksum is never guessed.
    Uploaded {
        /// `<storage>:iso/<file>` on Proxmox, when the entry is built there.
        proxmox: Option<String>,
        /// `[datastore] iso/<file>` on vSphere, when the entry is built there.
        vsphere: Option<String>,
    },
    /// None: no platform of the entry installs from an ISO.
    None,
}

impl IsoSource {
    /// The uploaded form for `file` on the ISO builders of `platforms`, at the places the spec
    /// keeps ISOs (Proxmox's `iso_storage_pool`, vSphere's `datastore`).
    pub fn uploaded(spec: &Spec, platforms: &[PlatformName], file: &str) -> IsoSource {
        let proxmox = spec
            .platforms
            .proxmox
            .as_ref()
            .filter(|_| platforms.contains(&PlatformName::Proxmox))
            .map(|p| format!("{}:iso/{file}", p.iso_storage_pool));
        let vsphere = spec
            .platforms
            .vsphere
            .as_ref()
            .filter(|_| platforms.contains(&PlatformName::Vsphere))
            .map(|v| format!("[{}] iso/{file}", v.datastore));
        if proxmox.is_none() && vsphere.is_none() {
            IsoSource::None
        } else {
            IsoSource::Uploaded { proxmox, vsphere }
        }
    }
}

/// What an entry holds beside the release's facts.
#[derive(Debug, Clone)]
pub struct EntryInputs {
    /// The platforms it is built on.
    pub platforms: Vec<PlatformName>,
    /// Its installer ISO.
    pub iso: IsoSource,
    /// The provisioning sets it runs.
    pub provisioning: Vec<String>,
    /// The disk size the spec gives an OS that sets none, in GiB: an Azure image with a larger
    /// OS disk gets its own size.
    pub default_disk_gb: u32,
}

/// The indentation of a spec's `oses` section: the column of its keys and the step of each
/// level below them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indent {
    /// Spaces before an OS's key.
    pub base: usize,
    /// Spaces each level adds.
    pub step: usize,
}

/// The platforms a release is built on in a spec: those the spec configures and the release
/// supports, in the catalogue's order.
pub fn platforms(spec: &Spec, release: &Release) -> Vec<PlatformName> {
    release
        .platforms
        .iter()
        .copied()
        .filter(|p| configured(spec, *p))
        .collect()
}

/// Whether an OS on `platforms` installs from an ISO somewhere: one of them builds from an
/// ISO unless an OS says otherwise.
pub fn needs_iso(spec: &Spec, platforms: &[PlatformName]) -> bool {
    platforms
        .iter()
        .any(|p| *p != PlatformName::Azure && default_builder(spec, *p) == BuilderKind::Iso)
}

/// The provisioning sets of the first OS of `family` in `order` (the spec's order of OSes): a
/// new OS runs what its family runs already.
pub fn provisioning_of_family<'a>(
    spec: &Spec,
    order: impl IntoIterator<Item = &'a str>,
    family: crate::spec::Family,
) -> Vec<String> {
    use crate::release::OsFacts;
    order
        .into_iter()
        .filter_map(|key| spec.oses.get(key))
        .find(|os| os.family() == family)
        .map(|os| os.provisioning.clone())
        .unwrap_or_default()
}

/// The lines of the entry `name` for `release` (without line ends), indented as `indent` says.
pub fn entry(name: &str, release: &Release, inputs: &EntryInputs, indent: Indent) -> Vec<String> {
    let at = |level: usize| " ".repeat(indent.base + level * indent.step);
    let list = |items: &[PlatformName]| {
        let names: Vec<&str> = items.iter().map(|p| p.as_str()).collect();
        format!("[{}]", names.join(", "))
    };
    let mut lines = vec![format!("{}{}:", at(0), scalar(name))];
    if name != release.name {
        lines.push(format!("{}release: {}", at(1), release.name));
    }
    lines.extend(iso_lines(&inputs.iso, indent));
    let azure = inputs.platforms.contains(&PlatformName::Azure);
    let image = release.azure_image.as_ref().filter(|_| azure);
    lines.push(format!("{}platforms: {}", at(1), list(&inputs.platforms)));
    if let Some(size) = image
        .and_then(|i| azure_image_disk_gb(i.publisher, i.sku))
        .filter(|size| *size > inputs.default_disk_gb)
    {
        lines.push(format!("{}hardware: {{ disk_gb: {size} }}", at(1)));
    }
    if !inputs.provisioning.is_empty() {
        let sets: Vec<String> = inputs.provisioning.iter().map(|s| scalar(s)).collect();
        lines.push(format!("{}provisioning: [{}]", at(1), sets.join(", ")));
    }
    lines
}

/// The `iso:` lines of an entry, at level 1 of `indent`.
pub fn iso_lines(iso: &IsoSource, indent: Indent) -> Vec<String> {
    let at = |level: usize| " ".repeat(indent.base + level * indent.step);
    match iso {
        IsoSource::Download { url, checksum } => vec![
            format!("{}iso:", at(1)),
            format!("{}url: {}", at(2), scalar(url)),
            format!("{}checksum: {}", at(2), scalar(checksum)),
        ],
        IsoSource::Uploaded { proxmox, vsphere } => {
            let mut lines = vec![
                format!(
                    "{}# Upload the installer ISO here, or download it instead:",
                    at(1)
                ),
                format!("{}# `iso: {{ url: ..., checksum: sha256:... }}`.", at(1)),
                format!("{}iso:", at(1)),
            ];
            if let Some(file) = proxmox {
                lines.push(format!("{}proxmox_file: {}", at(2), scalar(file)));
            }
            if let Some(path) = vsphere {
                lines.push(format!("{}vsphere_path: {}", at(2), scalar(path)));
            }
            lines
        }
        IsoSource::None => Vec::new(),
    }
}

/// A flow mapping of string values: `{ key: value, ... }`.
pub(super) fn flow(pairs: &[(&str, &str)]) -> String {
    let items: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{key}: {}", scalar(value)))
        .collect();
    format!("{{ {} }}", items.join(", "))
}

/// A mapping's value written over `span` in the style it had: a flow mapping when the text
/// there opens one, else block lines at the span's column.
pub(super) fn mapping_at(text: &str, span_start: usize, pairs: &[(&str, &str)]) -> String {
    if text[span_start..].starts_with('{') {
        return flow(pairs);
    }
    let items: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{key}: {}", scalar(value)))
        .collect();
    let pad = " ".repeat(span_start - super::edit::line_start(text, span_start));
    items.join(&format!("{}{pad}", super::edit::newline(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOUR: Indent = Indent { base: 2, step: 2 };

    fn inputs(platforms: &[PlatformName]) -> EntryInputs {
        EntryInputs {
            platforms: platforms.to_vec(),
            iso: IsoSource::Download {
                url: "https://example.org/os.iso".into(),
                checksum: "sha256:ab".into(),
            },
            provisioning: vec!["linux-base".into()],
            default_disk_gb: 40,
        }
    }

    #[test]
    fn a_linux_entry_holds_what_the_catalogue_cannot_give() {
        let release = crate::release::find("ubuntu-2404").expect("in the catalogue");
        let lines = entry(
            "ubuntu-2404",
            release,
            &inputs(&[PlatformName::Proxmox, PlatformName::Azure]),
            FOUR,
        );
        assert_eq!(
            lines.join("\n"),
            "  ubuntu-2404:
    iso:
      url: \"https://example.org/os.iso\"
      checksum: \"sha256:ab\"
    platforms: [proxmox, azure]
    provisioning: [linux-base]"
        );
    }

    /// A Windows entry leaves its editions to the release (its default editions, each on the
    /// platforms that publish it) and needs only the Azure image's disk size.
    #[test]
    fn a_windows_entry_takes_its_editions_from_the_release() {
        let release = crate::release::find("windows-2022").expect("in the catalogue");
        let mut given = inputs(&PlatformName::ALL);
        given.provisioning = vec!["windows-base".into()];
        let text = entry("win", release, &given, Indent { base: 4, step: 4 }).join("\n");
        assert!(text.starts_with("    win:\n        release: windows-2022\n"));
        assert!(text.contains("\n        hardware: { disk_gb: 127 }\n"));
        assert!(!text.contains("editions"), "{text}");
    }

    #[test]
    fn scalars_are_plain_only_when_they_read_back_the_same() {
        assert_eq!(scalar("https://a.org/x.iso"), "\"https://a.org/x.iso\"");
        assert_eq!(scalar("local:iso/x.iso"), "\"local:iso/x.iso\"");
        assert_eq!(scalar("[ds1] iso/x.iso"), "\"[ds1] iso/x.iso\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("Debian 12 (bookworm)"), "Debian 12 (bookworm)");
        assert_eq!(scalar("12-gen2"), "12-gen2");
        assert_eq!(scalar("2022"), "\"2022\"");
        assert_eq!(scalar("0x1f"), "\"0x1f\"");
        assert_eq!(scalar("-x"), "\"-x\"");
        assert_eq!(scalar("a #b"), "\"a #b\"");
    }
}
