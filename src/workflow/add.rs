//! `hybridc add os`: an OS added to an existing spec by editing its text, so that every
//! comment, blank line and formatting choice outside the new lines stays byte for byte.
//!
//! The new entry is either a catalogue release written by [`super::entry::entry`], inserted at
//! the end of `oses`, or a copy of an OS of the spec (`--from`) under a new key, inserted after
//! it, with the values that name a release (`release`, `description`, the ISO, the vSphere
//! guest type, the Azure image and the Windows editions) replaced when the new key is another
//! release of the same installer kind. Positions come from the parsed tree's spans; this module
//! returns the edited text and writes nothing: the caller validates it first.

use super::edit::{apply, last_end, line_end, line_start, newline, value_span};
use super::entry::{self, EntryInputs, Indent, IsoSource};
use crate::diagnostic::{did_you_mean, prose_list};
use crate::loaded::Loaded;
use crate::release::{OsFacts, Release};
use crate::span::Span;
use crate::spec::PlatformName;
use crate::yaml::Entry;

/// What to add.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The new key under `oses`.
    pub name: &'a str,
    /// The OS of the spec to copy.
    pub from: Option<&'a str>,
    /// The installer ISO to download, when given.
    pub iso: Option<IsoSource>,
    /// The platforms to build it on, when not the default: those the spec configures and the
    /// release supports (or, with `from`, the copied OS's).
    pub platforms: Option<Vec<PlatformName>>,
}

/// The edited spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addition {
    /// The whole new spec text.
    pub text: String,
    /// The lines inserted, without line ends.
    pub lines: Vec<String>,
    /// The 1-based line of the spec the new lines start at.
    pub line: usize,
}

/// Why an OS cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddError {
    /// The key is taken.
    #[error("the spec has an OS `{0}` already")]
    Exists(String),
    /// No release of that name, and no `--from`.
    #[error(
        "the OS catalogue has no release `{name}`{hint}; `hybridc list oses` shows it, and `--from OS` adds a copy of an OS of the spec under any name"
    )]
    UnknownRelease {
        /// The name given.
        name: String,
        /// ` (did you mean ...?)` or nothing.
        hint: String,
    },
    /// `--from` names no OS of the spec.
    #[error("the spec has no OS `{name}` to copy{hint}")]
    UnknownFrom {
        /// The name given.
        name: String,
        /// ` (did you mean ...?)` or nothing.
        hint: String,
    },
    /// The new key is a release of another installer kind than the OS it copies.
    #[error(
        "`{name}` is a release installed by `{installer}`, but `{from}` is not: add it without `--from`, or under another name"
    )]
    OtherInstaller {
        /// The new key.
        name: String,
        /// Its release's installer.
        installer: &'static str,
        /// The OS copied.
        from: String,
    },
    /// The release installs from an ISO and none was given.
    #[error(
        "`{name}` installs from an ISO on {platforms}, and hybridc knows no ISO of it: pass `--iso-url URL --iso-checksum sha256:HEX` from its download page"
    )]
    NeedsIso {
        /// The new key.
        name: String,
        /// The ISO platforms, in words.
        platforms: String,
    },
    /// The release is built on no platform the spec configures.
    #[error("release `{name}` is built on {supported}, and the spec configures none of them")]
    NoPlatform {
        /// The release.
        name: String,
        /// Where it can be built, in words.
        supported: String,
    },
    /// A platform asked for that the release is not built on.
    #[error("release `{name}` is built on {supported}, not on `{platform}`")]
    Unsupported {
        /// The release.
        name: String,
        /// The platform asked for.
        platform: &'static str,
        /// Where it can be built, in words.
        supported: String,
    },
    /// The spec's `oses` cannot be edited as text.
    #[error("cannot add to `oses`: {0}")]
    Layout(String),
}

/// The spec with the OS of `request` added.
///
/// # Errors
/// An [`AddError`] saying why nothing can be added.
pub fn plan(loaded: &Loaded, request: &Request) -> Result<Addition, AddError> {
    let text: &str = &loaded.source.text;
    let oses = oses(loaded)?;
    if loaded.spec.oses.contains_key(request.name) {
        return Err(AddError::Exists(request.name.to_owned()));
    }
    let newline = newline(text);
    let separate = blank_between(text, oses);
    let (after, lines) = match request.from {
        None => (oses.last(), new_entry(loaded, oses, request)?),
        Some(from) => {
            let Some(source) = oses.iter().find(|e| e.key == from) else {
                let hint = did_you_mean(from, oses.iter().map(|e| e.key.as_str()))
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                return Err(AddError::UnknownFrom {
                    name: from.to_owned(),
                    hint,
                });
            };
            (Some(source), copy(loaded, source, request)?)
        }
    };
    let after = after.expect("`oses` has entries: checked by `oses`");
    let at = line_end(text, last_end(text, after));
    let mut inserted = String::new();
    if at == text.len() && !text.ends_with('\n') {
        inserted.push_str(newline);
    }
    if separate {
        inserted.push_str(newline);
    }
    for line in &lines {
        inserted.push_str(line);
        inserted.push_str(newline);
    }
    let line = text[..at].matches('\n').count() + 1 + usize::from(separate);
    let mut edited = String::with_capacity(text.len() + inserted.len());
    edited.push_str(&text[..at]);
    edited.push_str(&inserted);
    edited.push_str(&text[at..]);
    Ok(Addition {
        text: edited,
        lines,
        line,
    })
}

/// The entries of `oses`, which must be a block mapping with at least one OS.
fn oses(loaded: &Loaded) -> Result<&[Entry], AddError> {
    let Some(section) = loaded.tree.get("oses") else {
        return Err(AddError::Layout("the spec has no `oses:` section".into()));
    };
    let entries = section.value.entries();
    let flow = loaded.source.text[section.value.span.start..].starts_with(['{', '[']);
    if entries.is_empty() || flow {
        return Err(AddError::Layout(
            "it is not a block mapping of OSes (`oses:` followed by indented keys)".into(),
        ));
    }
    Ok(entries)
}

/// The indentation `oses` uses: its keys' column and the step of the keys below them.
fn indent(text: &str, oses: &[Entry]) -> Indent {
    let column = |at: usize| at - line_start(text, at);
    let base = column(oses[0].key_span.start);
    let step = oses
        .iter()
        .filter(|e| !text[e.value.span.start..].starts_with('{'))
        .find_map(|e| e.value.entries().first())
        .map(|inner| column(inner.key_span.start).saturating_sub(base))
        .filter(|step| *step > 0)
        .unwrap_or(2);
    Indent { base, step }
}

/// Whether the spec leaves a blank line between its first two OSes.
fn blank_between(text: &str, oses: &[Entry]) -> bool {
    let [first, second, ..] = oses else {
        return false;
    };
    let from = line_end(text, last_end(text, first));
    let to = line_start(text, second.key_span.start);
    from < to && text[from..to].lines().any(|l| l.trim().is_empty())
}

/// The release named `name`, or why there is none.
fn release(name: &str) -> Result<&'static Release, AddError> {
    crate::release::find(name).ok_or_else(|| AddError::UnknownRelease {
        name: name.to_owned(),
        hint: did_you_mean(name, crate::release::names())
            .map(|h| format!(" ({h})"))
            .unwrap_or_default(),
    })
}

/// The lines of a new entry for the release `request.name`.
fn new_entry(loaded: &Loaded, oses: &[Entry], request: &Request) -> Result<Vec<String>, AddError> {
    let spec = &loaded.spec;
    let release = release(request.name)?;
    let platforms = match &request.platforms {
        Some(asked) => {
            supported(release, asked)?;
            asked.clone()
        }
        None => entry::platforms(spec, release),
    };
    if platforms.is_empty() {
        return Err(AddError::NoPlatform {
            name: release.name.to_owned(),
            supported: names(release.platforms),
        });
    }
    let iso = iso(spec, request, &platforms)?;
    let inputs = EntryInputs {
        provisioning: entry::provisioning_of_family(
            spec,
            oses.iter().map(|e| e.key.as_str()),
            release.family(),
        ),
        platforms,
        iso,
        default_disk_gb: spec
            .defaults
            .hardware
            .disk_gb
            .unwrap_or(crate::platform::DEFAULT_DISK_GB),
    };
    Ok(entry::entry(
        request.name,
        release,
        &inputs,
        indent(&loaded.source.text, oses),
    ))
}

/// Every platform of `asked` is one `release` is built on.
fn supported(release: &Release, asked: &[PlatformName]) -> Result<(), AddError> {
    match asked.iter().find(|p| !release.platforms.contains(p)) {
        Some(platform) => Err(AddError::Unsupported {
            name: release.name.to_owned(),
            platform: platform.as_str(),
            supported: names(release.platforms),
        }),
        None => Ok(()),
    }
}

/// Platforms' names as prose: "`a`, `b` and `c`".
fn names(platforms: &[PlatformName]) -> String {
    let names: Vec<&str> = platforms.iter().map(|p| p.as_str()).collect();
    prose_list(&names)
}

/// The ISO of a new entry: the one given, else none when no platform needs one.
fn iso(
    spec: &crate::spec::Spec,
    request: &Request,
    platforms: &[crate::spec::PlatformName],
) -> Result<IsoSource, AddError> {
    match &request.iso {
        Some(iso) => Ok(iso.clone()),
        None if entry::needs_iso(spec, platforms) => Err(AddError::NeedsIso {
            name: request.name.to_owned(),
            platforms: names(
                &platforms
                    .iter()
                    .copied()
                    .filter(|p| entry::needs_iso(spec, &[*p]))
                    .collect::<Vec<_>>(),
            ),
        }),
        None => Ok(IsoSource::None),
    }
}

/// The lines of a copy of the OS `source` under the key `request.name`.
fn copy(loaded: &Loaded, source: &Entry, request: &Request) -> Result<Vec<String>, AddError> {
    let text: &str = &loaded.source.text;
    let Some(os) = loaded.spec.oses.get(&source.key) else {
        return Err(AddError::UnknownFrom {
            name: source.key.clone(),
            hint: String::new(),
        });
    };
    let was = os.known();
    let target = match crate::release::find(request.name) {
        Some(named) if Some(named.installer) != os.installer() => {
            return Err(AddError::OtherInstaller {
                name: request.name.to_owned(),
                installer: named.installer.as_str(),
                from: source.key.clone(),
            });
        }
        Some(named) => Some(named),
        None => None,
    };
    let start = line_start(text, source.key_span.start);
    let end = line_end(text, last_end(text, source));
    let indent = indent(text, std::slice::from_ref(source));
    let mut edits: Vec<(Span, String)> = vec![(source.key_span, request.name.to_owned())];
    // Lines that go right after the key.
    let mut added: Vec<String> = Vec::new();
    let value = |key: &str| source.value.get(key).map(|e| e.value.span);
    match target {
        // The new key names its release; one the copy names itself must agree.
        Some(named) => {
            if let Some(span) = value("release") {
                edits.push((span, named.name.to_owned()));
            }
        }
        // A copy under a new name stays the release its source is.
        None => {
            if let (None, Some(was)) = (&os.release, was) {
                added.push(format!("release: {}", was.name));
            }
        }
    }
    // The templates the source has of its own in `builds/<source>/` are named, so that the
    // copy installs as its source does.
    let own: Vec<(&str, String)> = os
        .installer()
        .map(|i| crate::installer::kind(i).templates)
        .unwrap_or_default()
        .iter()
        .filter(|file| !os.templates.contains_key(**file))
        .map(|file| (*file, format!("builds/{}/{file}", source.key)))
        .filter(|(_, path)| loaded.repository.own_templates.contains(path))
        .collect();
    if !own.is_empty() && value("templates").is_none() {
        let pairs: Vec<(&str, &str)> = own.iter().map(|(f, p)| (*f, p.as_str())).collect();
        added.push(format!("templates: {}", entry::flow(&pairs)));
    }
    if !added.is_empty() {
        let after_key = line_end(text, source.key_span.end);
        let pad = " ".repeat(indent.base + indent.step);
        let newline = newline(text);
        let lines: String = added.iter().map(|l| format!("{pad}{l}{newline}")).collect();
        edits.push((Span::new(after_key, after_key), lines));
    }
    let changes_release = target.is_some_and(|named| Some(named) != was);
    if let Some(named) = target.filter(|_| changes_release) {
        edits.extend(release_values(loaded, source, named));
    }
    if let Some(asked) = &request.platforms {
        if let Some(release) = target.or(was) {
            supported(release, asked)?;
        }
        if let Some(span) = value_span(text, source, "platforms") {
            let names: Vec<&str> = asked.iter().map(|p| p.as_str()).collect();
            edits.push((span, format!("[{}]", names.join(", "))));
        }
    }
    match (&request.iso, value_span(text, source, "iso")) {
        (Some(IsoSource::Download { url, checksum }), Some(span)) => {
            edits.push((
                span,
                entry::mapping_at(text, span.start, &[("url", url), ("checksum", checksum)]),
            ));
        }
        (Some(iso), None) => {
            let lines = entry::iso_lines(iso, indent);
            let newline = newline(text);
            edits.push((
                Span::new(end, end),
                lines.iter().map(|l| format!("{l}{newline}")).collect(),
            ));
        }
        (None, Some(_)) if changes_release => {
            let platforms = crate::platform::iso_platforms(&loaded.spec, os);
            return Err(AddError::NeedsIso {
                name: request.name.to_owned(),
                platforms: names(&platforms),
            });
        }
        _ => {}
    }
    let copied = apply(text, start..end, edits);
    Ok(copied
        .lines()
        .map(|l| l.trim_end_matches('\r').to_owned())
        .collect())
}

/// The edits that make a copy of `source` the release `named`: the values of its description,
/// vSphere guest type and Azure image that the source sets, and its Windows editions left to
/// the release.
fn release_values(loaded: &Loaded, source: &Entry, named: &Release) -> Vec<(Span, String)> {
    let text: &str = &loaded.source.text;
    let at = |pointer: &str| source.value.locate(pointer).map(|l| l.value);
    let mut edits = Vec::new();
    if let Some(span) = at("/description") {
        edits.push((span, super::matrix::scalar(named.description)));
    }
    if let Some(span) = at("/vsphere/guest_os_type") {
        edits.push((span, super::matrix::scalar(named.vsphere_guest_os_type)));
    }
    if let (Some(span), Some(image)) = (value_span(text, source, "azure_image"), &named.azure_image)
    {
        let pairs = [
            ("publisher", image.publisher),
            ("offer", image.offer),
            ("sku", image.sku),
        ];
        edits.push((span, entry::mapping_at(text, span.start, &pairs)));
    }
    // The source's editions name another release's images: the copy builds the new
    // release's default editions instead.
    if let Some(editions) = source
        .value
        .get("editions")
        .filter(|_| named.windows.is_some())
    {
        let start = line_start(text, editions.key_span.start);
        edits.push((
            Span::new(start, line_end(text, last_end(text, editions))),
            String::new(),
        ));
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::MarketplaceImage;

    /// The example spec, with the values its catalogue releases give written out on Ubuntu
    /// and Windows (description, Azure image, vSphere guest OS type), in flow style.
    fn written_out() -> String {
        let example = include_str!("../../spec/hybrid.yaml");
        let ubuntu = "    hardware: { cpus: 4 }\n";
        let windows =
            "    hardware: { memory_mb: 8192, disk_gb: 127 }\n    provisioning: [windows-base]\n";
        assert!(example.contains(ubuntu) && example.contains(windows));
        example
            .replace(
                ubuntu,
                &format!("    azure_image: {{ publisher: Canonical, offer: ubuntu-24_04-lts, sku: server }}\n{ubuntu}"),
            )
            .replace(
                windows,
                &format!(
                    "    description: Windows Server 2022\n    azure_image: {{ publisher: MicrosoftWindowsServer, offer: WindowsServer, sku: 2022-datacenter-g2 }}\n{windows}    vsphere: {{ guest_os_type: windows2019srvNext_64Guest }}\n"
                ),
            )
    }

    fn example(text: &str) -> Loaded {
        let source = crate::diagnostic::SourceFile::new("spec/hybrid.yaml", text);
        crate::check(source, std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
            .expect("the example is valid")
    }

    /// A copy that becomes another release of its installer kind takes that release's values
    /// where the source sets them, in the style the source writes them.
    #[test]
    fn a_copy_takes_the_values_of_its_new_release() {
        let block = written_out().replace(
            "    azure_image: { publisher: MicrosoftWindowsServer, offer: WindowsServer, sku: 2022-datacenter-g2 }\n",
            "    azure_image:\n      publisher: MicrosoftWindowsServer\n      offer: WindowsServer\n      sku: 2022-datacenter-g2\n",
        );
        let loaded = example(&block);
        let text: &str = &loaded.source.text;
        let source = loaded
            .tree
            .get("oses")
            .expect("oses")
            .value
            .get("windows-2022");
        let source = source.expect("Windows");
        let base = crate::release::find("windows-2022").expect("in the catalogue");
        let named = Release {
            name: "windows-2099",
            description: "Windows Server 2099",
            vsphere_guest_os_type: "windows2099_64Guest",
            azure_image: Some(MarketplaceImage {
                publisher: "MicrosoftWindowsServer",
                offer: "WindowsServer",
                sku: "2099-datacenter-g2",
            }),
            ..*base
        };
        let start = line_start(text, source.key_span.start);
        let copied = apply(
            text,
            start..line_end(text, last_end(text, source)),
            release_values(&loaded, source, &named),
        );
        assert!(
            copied.contains("\n    description: Windows Server 2099\n"),
            "{copied}"
        );
        assert!(copied.contains("\n    azure_image:\n      publisher: MicrosoftWindowsServer\n      offer: WindowsServer\n      sku: 2099-datacenter-g2\n"), "{copied}");
        assert!(
            copied.contains("\n    hardware: { memory_mb: 8192, disk_gb: 127 }\n    provisioning:"),
            "the editions are the release's: {copied}"
        );
        assert!(
            copied.ends_with("    vsphere: { guest_os_type: windows2099_64Guest }\n"),
            "{copied}"
        );
    }

    /// A flow-style value is replaced with its closing bracket.
    #[test]
    fn a_flow_value_is_replaced_whole() {
        let loaded = example(&written_out());
        let text: &str = &loaded.source.text;
        let oses = oses(&loaded).expect("oses");
        let source = oses
            .iter()
            .find(|e| e.key == "ubuntu-2404")
            .expect("Ubuntu");
        let span = value_span(text, source, "azure_image").expect("an image");
        assert_eq!(
            &text[span.start..span.end],
            "{ publisher: Canonical, offer: ubuntu-24_04-lts, sku: server }"
        );
        let span = value_span(text, source, "platforms").expect("platforms");
        assert_eq!(&text[span.start..span.end], "[proxmox, vsphere, azure]");
        let span = value_span(text, source, "iso").expect("an ISO");
        assert!(text[span.start..span.end].starts_with("url: "));
        assert!(text[span.start..span.end].ends_with("0fd8"));
    }

    /// An OS whose last value is a flow collection over several lines is copied whole, and the
    /// new entry goes after its closing bracket.
    #[test]
    fn a_multi_line_flow_value_ends_the_entry_at_its_bracket() {
        let text = written_out().replace(
            "    vsphere: { guest_os_type: windows2019srvNext_64Guest }\n",
            "    vsphere: {\n      guest_os_type: windows2019srvNext_64Guest\n    }\n",
        );
        let loaded = example(&text);
        let request = Request {
            name: "windows-lab",
            from: Some("windows-2022"),
            iso: None,
            platforms: None,
        };
        let addition = plan(&loaded, &request).expect("added");
        assert_eq!(addition.lines.last().map(String::as_str), Some("    }"));
        let source = crate::diagnostic::SourceFile::new("spec/hybrid.yaml", addition.text);
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let added = crate::check(source, root).expect("still valid");
        assert!(added.spec.oses.contains_key("windows-lab"));
    }

    /// The indentation and the blank lines between OSes are the file's own.
    #[test]
    fn the_layout_is_read_from_the_file() {
        let layout = |text: &str| {
            let tree = crate::yaml::parse(text).expect("YAML");
            let oses = tree.get("oses").expect("oses").value.entries().to_vec();
            (indent(text, &oses), blank_between(text, &oses))
        };
        let four = "oses:\n    a: { x: 1 }\n\n    b:\n        # b\n        y: 2\n";
        assert_eq!(layout(four), (Indent { base: 4, step: 4 }, true));
        let tight = "oses:\n a:\n   x: 1\n b:\n   y: 2\n";
        assert_eq!(layout(tight), (Indent { base: 1, step: 2 }, false));
    }
}
