//! OS entries: the sources grouped into OSes (one per release or derived name, merged across
//! platforms by ISO checksum), each entry's fields from its sources, and the values every OS
//! shares lifted into `defaults`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::import::tree::Value;
use crate::spec::{BuilderKind, Family, PlatformName};

use super::settings::{env_name, set_pointer};
use super::source::{self, EditionGuess, text};
use super::{Draft, Seen, hardware};

/// The OSes: each name with the indices of its sources in `seen`, sorted by name.
pub type Groups = Vec<(String, Vec<usize>)>;

/// The arguments an OS entry's fields hold, besides hardware.
const OS_ARGUMENTS: &[&str] = &[
    "iso_url",
    "iso_urls",
    "iso_checksum",
    "iso_file",
    "iso_paths",
    "boot_iso",
    "http_content",
    "cd_content",
    "cd_files",
    "cd_label",
    "http_directory",
    "additional_iso_files",
    "floppy_files",
    "floppy_dirs",
    "floppy_content",
    "floppy_label",
    "image_publisher",
    "image_offer",
    "image_sku",
    "image_version",
    "os_type",
    "clone_vm",
    "template",
    "guest_os_type",
];

/// Groups the sources into OSes: sources with the same ISO checksum take the first one's
/// name; a second source of one name on the same platform (and edition) gets a name of its
/// own, `<name>-2`.
pub fn group(seen: &mut [Seen<'_>]) -> Groups {
    let mut by_checksum: BTreeMap<String, String> = BTreeMap::new();
    for s in seen.iter_mut() {
        if let Some(checksum) = s.facts.checksum.clone().filter(|c| c != "none") {
            match by_checksum.get(&checksum) {
                Some(name) => s.facts.name.clone_from(name),
                None => {
                    by_checksum.insert(checksum, s.facts.name.clone());
                }
            }
        }
    }
    let mut groups: Groups = Vec::new();
    for (i, s) in seen.iter().enumerate() {
        let edition = s.facts.edition.as_ref().map(EditionGuess::name);
        let mut name = s.facts.name.clone();
        let mut n = 1;
        loop {
            match groups.iter_mut().find(|(g, _)| *g == name) {
                None => {
                    groups.push((name, vec![i]));
                    break;
                }
                Some((_, members)) => {
                    let clash = members.iter().any(|m| {
                        seen[*m].platform == s.platform
                            && seen[*m].facts.edition.as_ref().map(EditionGuess::name) == edition
                    });
                    if !clash {
                        members.push(i);
                        break;
                    }
                    n += 1;
                    name = format!("{}-{n}", s.facts.name);
                }
            }
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups
}

/// The keys of a spec type's mapping, in the order its schema declares them (the struct's).
pub fn field_order<T: schemars::JsonSchema>() -> Vec<String> {
    let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default();
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// `map` with its keys in `order` (others after them, as they were).
pub fn ordered(map: Map<String, Json>, order: &[String]) -> Map<String, Json> {
    let mut rest = map;
    let mut out = Map::new();
    for key in order {
        if let Some(value) = rest.remove(key) {
            out.insert(key.clone(), value);
        }
    }
    out.extend(rest);
    out
}

/// An entry of `oses` per group.
pub fn oses(seen: &mut [Seen<'_>], groups: &Groups, repo: &Path, draft: &mut Draft) {
    let order = field_order::<crate::spec::Os>();
    for (name, members) in groups {
        let mut os = Map::new();
        let lead = &seen[members[0]].facts;
        match lead.release {
            Some(release) if release.name != name => {
                os.insert("release".into(), release.name.into());
            }
            Some(_) => {}
            None => {
                os.insert("family".into(), lead.family.as_str().into());
                let installer = members.iter().find_map(|m| seen[*m].facts.installer);
                if let Some(installer) = installer {
                    os.insert("installer".into(), installer.as_str().into());
                }
            }
        }
        let isos: Vec<usize> = members
            .iter()
            .copied()
            .filter(|m| {
                seen[*m].platform != PlatformName::Azure && seen[*m].builder == BuilderKind::Iso
            })
            .collect();
        super::seeds::templates(seen, &isos, name, repo, &mut os, draft);
        iso(seen, &isos, &mut os);
        azure_image(seen, members, &mut os);
        let mut platforms: Vec<PlatformName> = members.iter().map(|m| seen[*m].platform).collect();
        platforms.sort();
        platforms.dedup();
        let list: Vec<Json> = platforms.iter().map(|p| p.as_str().into()).collect();
        os.insert("platforms".into(), Json::Array(list));
        hardware_of(seen, members, &mut os, draft);
        locale(seen, members, &mut os);
        editions(seen, members, &mut os);
        own_platform_settings(seen, name, members, &mut os);
        for m in members {
            for (pointer, value) in &seen[*m].own {
                let mut entry = Json::Object(std::mem::take(&mut os));
                set_pointer(&mut entry, pointer, value.clone());
                if let Json::Object(back) = entry {
                    os = back;
                }
            }
        }
        for m in members {
            let s = &mut seen[*m];
            s.used.extend(OS_ARGUMENTS.iter().map(|a| (*a).to_owned()));
            s.used
                .extend(hardware::ARGUMENTS.iter().map(|a| (*a).to_owned()));
        }
        draft.oses.push((name.clone(), ordered(os, &order)));
    }
}

/// `iso`: the download and its checksum, and the uploaded files of each platform.
fn iso(seen: &[Seen<'_>], isos: &[usize], os: &mut Map<String, Json>) {
    let mut iso = Map::new();
    for m in isos {
        let found = source::iso(&seen[*m].source.body);
        let mut put = |key: &str, value: Option<String>| {
            if let Some(value) = value
                && !iso.contains_key(key)
            {
                iso.insert(key.to_owned(), value.into());
            }
        };
        put("url", found.url);
        put("checksum", found.checksum);
        if seen[*m].platform == PlatformName::Proxmox {
            put("proxmox_file", found.proxmox_file);
        }
        if seen[*m].platform == PlatformName::Vsphere {
            put("vsphere_path", found.vsphere_path);
        }
    }
    if !iso.is_empty() {
        let order = field_order::<crate::spec::Iso>();
        os.insert("iso".into(), Json::Object(ordered(iso, &order)));
    }
}

/// `azure_image`, when the Azure source starts from another image than its release's.
fn azure_image(seen: &[Seen<'_>], members: &[usize], os: &mut Map<String, Json>) {
    let Some(s) = members
        .iter()
        .map(|m| &seen[*m])
        .find(|s| s.platform == PlatformName::Azure)
    else {
        return;
    };
    let Some((publisher, offer, sku)) = source::azure_image(&s.source.body) else {
        return;
    };
    let version = text(&s.source.body, "image_version").unwrap_or("latest");
    let release = s.facts.release.and_then(|r| r.azure_image.as_ref());
    let same =
        release.is_some_and(|i| i.publisher == publisher && i.offer == offer && i.sku == sku);
    if same && version == "latest" {
        return;
    }
    let mut image = Map::new();
    image.insert("publisher".into(), publisher.into());
    image.insert("offer".into(), offer.into());
    image.insert("sku".into(), sku.into());
    if version != "latest" {
        image.insert("version".into(), version.into());
    }
    os.insert("azure_image".into(), Json::Object(image));
}

/// `hardware`: a field every source of the OS agrees on at the OS level, one that differs by
/// platform under `proxmox.hardware` and `vsphere.hardware`.
fn hardware_of(
    seen: &[Seen<'_>],
    members: &[usize],
    os: &mut Map<String, Json>,
    draft: &mut Draft,
) {
    let mut per: Vec<(PlatformName, Map<String, Json>)> = Vec::new();
    for m in members {
        let s = &seen[*m];
        if !per.iter().any(|(p, _)| *p == s.platform) {
            per.push((s.platform, hardware::of(&s.source.body, s.platform)));
        }
    }
    let fields: BTreeSet<String> = per.iter().flat_map(|(_, h)| h.keys().cloned()).collect();
    let order = field_order::<crate::spec::Hardware>();
    let mut common = Map::new();
    for field in fields {
        let values: Vec<(PlatformName, &Json)> = per
            .iter()
            .filter_map(|(p, h)| Some((*p, h.get(&field)?)))
            .collect();
        if values.iter().all(|(_, v)| *v == values[0].1) {
            common.insert(field, values[0].1.clone());
            continue;
        }
        for (platform, value) in values {
            if platform == PlatformName::Azure {
                let s = members
                    .iter()
                    .map(|m| &seen[*m])
                    .find(|s| s.platform == platform);
                if let Some(s) = s {
                    let at = s
                        .source
                        .body
                        .get("os_disk_size_gb")
                        .map_or(s.source.at, |a| a.at);
                    draft.unmapped.push(
                        s.unmapped(
                            "os_disk_size_gb",
                            &Value::String(value.to_string()),
                            "the spec has one disk size for an OS on Azure and its other platforms"
                                .into(),
                            at,
                        ),
                    );
                }
                continue;
            }
            let own = os
                .entry(platform.as_str())
                .or_insert_with(|| Json::Object(Map::new()));
            set_pointer(own, &format!("/hardware/{field}"), value.clone());
        }
    }
    if !common.is_empty() {
        os.insert("hardware".into(), Json::Object(ordered(common, &order)));
    }
}

/// `editions`: a Windows OS's editions, one per source of a platform.
fn editions(seen: &[Seen<'_>], members: &[usize], os: &mut Map<String, Json>) {
    let mut found: Vec<&EditionGuess> = Vec::new();
    for m in members {
        if let Some(edition) = &seen[*m].facts.edition
            && !found.contains(&edition)
        {
            found.push(edition);
        }
    }
    if found.is_empty() {
        return;
    }
    // The release's editions in the catalogue's order, then the OS's own.
    let known = seen[members[0]]
        .facts
        .release
        .and_then(|r| r.windows)
        .map_or(&[][..], |w| w.editions);
    found.sort_by_key(|e| {
        known
            .iter()
            .position(|k| k.name == e.name())
            .unwrap_or(known.len())
    });
    let list = found
        .iter()
        .map(|e| match e {
            EditionGuess::Known(name) => Json::String(name.clone()),
            EditionGuess::Own(name, image) => {
                serde_json::json!({ "name": name, "image_name": image })
            }
        })
        .collect();
    os.insert("editions".into(), Json::Array(list));
}

/// `proxmox`/`vsphere`/`azure` of an OS: its clone builder and what it clones, its vSphere
/// guest type when it is not its release's, its gallery image when it is not named after it.
fn own_platform_settings(
    seen: &[Seen<'_>],
    name: &str,
    members: &[usize],
    os: &mut Map<String, Json>,
) {
    for m in members {
        let s = &seen[*m];
        let body = &s.source.body;
        let mut put = |key: &str, value: Json| {
            let own = os
                .entry(s.platform.as_str())
                .or_insert_with(|| Json::Object(Map::new()));
            set_pointer(own, &format!("/{key}"), value);
        };
        if s.builder == BuilderKind::Clone && s.platform != PlatformName::Azure {
            put("builder", "clone".into());
            let (key, argument) = match s.platform {
                PlatformName::Proxmox => ("clone_vm", "clone_vm"),
                _ => ("template", "template"),
            };
            if let Some(value) = text(body, argument) {
                put(key, value.into());
            }
        }
        if s.platform == PlatformName::Vsphere
            && let Some(guest) = text(body, "guest_os_type")
            && s.facts
                .release
                .is_none_or(|r| r.vsphere_guest_os_type != guest)
        {
            put("guest_os_type", guest.into());
        }
        if s.platform == PlatformName::Azure
            && let Some(gallery) = source::blocks(body, "shared_image_gallery_destination").first()
            && let Some(image) = text(gallery, "image_name")
            && image
                != crate::spec::source_name(name, s.facts.edition.as_ref().map(EditionGuess::name))
        {
            put("gallery_image", image.into());
        }
    }
}

/// Lifts into `defaults` what every OS shares (hardware), and writes the build user and the
/// tags every Azure image gets.
pub fn defaults(seen: &mut [Seen<'_>], draft: &mut Draft) {
    lift(draft, "hardware");
    lift(draft, "locale");
    build_user(seen, draft);
    tags(seen, draft);
    let order = field_order::<crate::spec::Defaults>();
    draft.defaults = ordered(std::mem::take(&mut draft.defaults), &order);
}

/// Moves the fields of the OSes' `key` mapping that every OS sets alike into `defaults`.
fn lift(draft: &mut Draft, key: &str) {
    let mut lifted = Map::new();
    let own: Vec<Option<&Map<String, Json>>> = draft
        .oses
        .iter()
        .map(|(_, os)| os.get(key).and_then(Json::as_object))
        .collect();
    if let Some(Some(first)) = own.first() {
        for (field, value) in first.iter() {
            if own
                .iter()
                .all(|h| h.and_then(|h| h.get(field)) == Some(value))
            {
                lifted.insert(field.clone(), value.clone());
            }
        }
    }
    if draft.oses.len() < 2 || lifted.is_empty() {
        return;
    }
    for (_, os) in &mut draft.oses {
        if let Some(Json::Object(own)) = os.get_mut(key) {
            own.retain(|k, _| !lifted.contains_key(k));
            if own.is_empty() {
                os.remove(key);
            }
        }
    }
    draft.defaults.insert(key.into(), Json::Object(lifted));
}

/// `locale`: the language, keyboard and time zone its sources pass to their installer
/// templates (`vm_guest_os_language`, `vm_os_keyboard`, ...; not the Windows installation
/// media's `vm_inst_os_*`), the language in its POSIX form (`en-US`: `en_US`), a Windows
/// keyboard input profile as its layout name.
fn locale(seen: &[Seen<'_>], members: &[usize], os: &mut Map<String, Json>) {
    let mut locale = Map::new();
    for m in members {
        for (name, value) in super::served::template_vars(&seen[*m].source.body) {
            let Value::String(value) = value else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            if name.contains("inst") || value.is_empty() {
                continue;
            }
            let field = if name.ends_with("language") {
                "language"
            } else if name.ends_with("keyboard") {
                "keyboard"
            } else if name.ends_with("timezone") || name.ends_with("time_zone") {
                "timezone"
            } else {
                continue;
            };
            let value = match field {
                "language" => value.replace('-', "_"),
                // A Windows input profile as the layout it is (`0407:00000407`: `de`), which
                // hybridc gives Windows Setup as that profile and a Linux installer as it is.
                "keyboard" => crate::windows_locale::keyboard_layout(value)
                    .map_or_else(|| value.clone(), str::to_owned),
                _ => value.clone(),
            };
            locale.entry(field).or_insert(Json::String(value));
        }
    }
    if !locale.is_empty() {
        let order = field_order::<crate::spec::Locale>();
        os.insert("locale".into(), Json::Object(ordered(locale, &order)));
    }
}

/// `defaults.build_user`: the communicator's user and password, and the password hash the
/// Linux installers need.
fn build_user(seen: &mut [Seen<'_>], draft: &mut Draft) {
    let mut user = Map::new();
    let username = seen.iter().find_map(|s| {
        ["ssh_username", "winrm_username"]
            .iter()
            .find_map(|a| text(&s.source.body, a))
            .filter(|u| is_user_name(u))
    });
    let Some(username) = username else {
        return;
    };
    user.insert("username".into(), username.into());
    let password = seen.iter().find_map(|s| {
        ["ssh_password", "winrm_password"]
            .iter()
            .find_map(|a| s.source.body.get(a))
            .map(|a| env_name(&s.folders(), a, "BUILD_PASSWORD"))
    });
    if let Some(name) = password {
        if let Some(comment) = name.comment {
            draft.comments.add("/defaults/build_user/password", comment);
        }
        user.insert("password".into(), serde_json::json!({ "env": name.name }));
    }
    if seen
        .iter()
        .any(|s| s.facts.family == Family::Linux && s.platform != PlatformName::Azure)
    {
        let hash = seen.iter().find_map(|s| {
            let v = s.folder.variables.iter().find(|v| {
                v.name.ends_with("password_encrypted") || v.name.ends_with("password_hash")
            })?;
            let env = v.value.as_ref().and_then(super::settings::env_read);
            Some(env.unwrap_or_else(|| format!("PKR_VAR_{}", v.name)))
        });
        let name = hash.unwrap_or_else(|| "BUILD_PASSWORD_HASH".to_owned());
        if name.starts_with("PKR_VAR_") || name == "BUILD_PASSWORD_HASH" {
            draft.comments.add(
                "/defaults/build_user/password_hash",
                format!("read from ${name}: the SHA-512 crypt hash of the password (`mkpasswd -m sha-512`)"),
            );
        }
        user.insert("password_hash".into(), serde_json::json!({ "env": name }));
    }
    for s in seen.iter_mut() {
        s.used.extend(
            [
                "ssh_username",
                "ssh_password",
                "winrm_username",
                "winrm_password",
            ]
            .map(str::to_owned),
        );
    }
    draft
        .defaults
        .insert("build_user".into(), Json::Object(user));
}

/// Whether a user name fits the spec's format.
fn is_user_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// `defaults.tags`: the Azure tags of the first Azure source, without the ones hybridc sets.
fn tags(seen: &mut [Seen<'_>], draft: &mut Draft) {
    let mut tags = Map::new();
    for s in seen
        .iter_mut()
        .filter(|s| s.platform == PlatformName::Azure)
    {
        if let Some(Value::Object(entries)) = s.source.body.get("azure_tags").map(|a| &a.value)
            && tags.is_empty()
        {
            for (key, value) in entries {
                if let Value::String(v) = value
                    && key != "os"
                    && key != "build_version"
                {
                    tags.insert(key.clone(), v.clone().into());
                }
            }
        }
        s.used.insert("azure_tags".to_owned());
    }
    if !tags.is_empty() {
        draft.defaults.insert("tags".into(), Json::Object(tags));
    }
}
