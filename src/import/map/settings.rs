//! Platform settings from the sources' connection and placement arguments, read through
//! [`crate::platform::SETTINGS`] (the one table of what a platform setting is and which
//! builder argument it sets); credentials as `{ env: NAME }` with the tree's own variable
//! names; the values that differ between environments; and literal secrets in var files.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use crate::diagnostic::{Code, Diagnostic};
use crate::import::tree::{Attribute, Body, Finding, Folder, Location, Value};
use crate::platform::{SETTINGS, Setting};
use crate::spec::PlatformName;

use super::source::blocks;

/// The settings the table declares without a top-level builder argument, and where a source
/// holds them: the nested block and argument the lowering writes the variable into.
const NESTED: &[(PlatformName, &str, &str, &str)] = &[
    (
        PlatformName::Proxmox,
        "vm_storage_pool",
        "disks",
        "storage_pool",
    ),
    (
        PlatformName::Proxmox,
        "iso_storage_pool",
        "boot_iso",
        "iso_storage_pool",
    ),
    (
        PlatformName::Proxmox,
        "bridge",
        "network_adapters",
        "bridge",
    ),
    (
        PlatformName::Proxmox,
        "vlan_tag",
        "network_adapters",
        "vlan_tag",
    ),
    (
        PlatformName::Vsphere,
        "network",
        "network_adapters",
        "network",
    ),
    (
        PlatformName::Vsphere,
        "content_library",
        "content_library_destination",
        "library",
    ),
    (PlatformName::Azure, "vm_size", "", "vm_size"),
    (
        PlatformName::Azure,
        "managed_image_resource_group",
        "",
        "managed_image_resource_group_name",
    ),
    (
        PlatformName::Azure,
        "gallery_resource_group",
        "shared_image_gallery_destination",
        "resource_group",
    ),
    (
        PlatformName::Azure,
        "gallery_name",
        "shared_image_gallery_destination",
        "gallery_name",
    ),
    (
        PlatformName::Azure,
        "gallery_version",
        "shared_image_gallery_destination",
        "image_version",
    ),
    (
        PlatformName::Azure,
        "replication_regions",
        "shared_image_gallery_destination",
        "replication_regions",
    ),
];

/// The argument of a source that holds a setting, with the top-level argument it is in.
pub fn find<'a>(body: &'a Body, setting: &Setting) -> Option<(&'a Attribute, &'static str)> {
    if let Some(argument) = setting.argument {
        return body.get(argument).map(|a| (a, argument));
    }
    let (_, _, block, argument) = NESTED
        .iter()
        .find(|(p, name, _, _)| *p == setting.platform && *name == setting.name)?;
    if block.is_empty() {
        return body.get(argument).map(|a| (a, *argument));
    }
    // The plugin takes a gallery's regions as `replication_regions` or as `target_region`
    // blocks, which hybridc writes.
    let found = blocks(body, block).first().and_then(|b| {
        b.get(argument)
            .or_else(|| (*argument == "replication_regions").then(|| b.get("target_region"))?)
    });
    // A Proxmox ISO storage pool may also be a top-level argument of older trees.
    found
        .map(|a| (a, *block))
        .or_else(|| body.get(argument).map(|a| (a, *argument)))
}

/// A setting's value as the spec writes it; `None` when only the build knows it.
pub fn json(setting: &Setting, value: &Value) -> Option<Json> {
    // Null is Packer's unset.
    if let Value::Blocks(regions) = value {
        let names = regions.iter().map(|r| plain(&r.get("name")?.value));
        return names.collect::<Option<Vec<_>>>().map(Json::Array);
    }
    let plain = plain(value).filter(|v| !v.is_null())?;
    Some(match (setting.name, plain) {
        ("vlan_tag", Json::String(s)) => s.parse::<u64>().map_or(Json::String(s), Json::from),
        (_, Json::Number(n)) if setting.kind == crate::model::VarType::String => {
            Json::String(n.to_string())
        }
        (_, other) => other,
    })
}

/// A value without anything only the build knows, as JSON: `None` for unknowns, templates
/// and files.
pub fn plain(value: &Value) -> Option<Json> {
    Some(match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Number(n.clone()),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) => Json::Array(items.iter().map(plain).collect::<Option<_>>()?),
        Value::Object(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| Some((k.clone(), plain(v)?)))
                .collect::<Option<Map<_, _>>>()?,
        ),
        Value::Blocks(bodies) => Json::Array(
            bodies
                .iter()
                .map(|b| {
                    b.attributes
                        .iter()
                        .map(|a| Some((a.name.clone(), plain(&a.value)?)))
                        .collect::<Option<Map<_, _>>>()
                        .map(Json::Object)
                })
                .collect::<Option<_>>()?,
        ),
        Value::Template { .. } | Value::File { .. } | Value::Unknown { .. } => return None,
    })
}

/// The environment variable an `env("NAME")` expression reads.
pub fn env_read(value: &Value) -> Option<String> {
    let Value::Unknown { expression } = value else {
        return None;
    };
    let inner = expression.trim().strip_prefix("env(")?.strip_suffix(')')?;
    let name = inner.trim().strip_prefix('"')?.strip_suffix('"')?;
    crate::spec::is_env_name(name).then(|| name.to_owned())
}

/// The variable an unknown value is exactly: `var.NAME` or `"${var.NAME}"`.
pub fn variable_read(value: &Value) -> Option<String> {
    let Value::Unknown { expression } = value else {
        return None;
    };
    let inner = expression.trim();
    let inner = inner
        .strip_prefix("\"${")
        .and_then(|i| i.strip_suffix("}\""))
        .unwrap_or(inner);
    let name = inner.trim().strip_prefix("var.")?;
    crate::spec::is_env_name(name).then(|| name.to_owned())
}

/// A credential's environment variable, and a comment when it was chosen for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvName {
    /// The variable's name.
    pub name: String,
    /// Why this name, when it is not what the tree read already.
    pub comment: Option<String>,
}

/// Where a credential comes from: the variable `env()` reads in the tree (in the argument or
/// the value of the variable it names in one of `folders`, the same folder read for each
/// environment), else `PKR_VAR_<variable>`, which Packer already
/// read the tree's variable from, else `fallback`.
pub fn env_name(folders: &[&Folder], attribute: &Attribute, fallback: &str) -> EnvName {
    if let Some(name) = env_read(&attribute.value) {
        return EnvName {
            name,
            comment: None,
        };
    }
    let named = attribute
        .variable
        .clone()
        .or_else(|| variable_read(&attribute.value));
    let Some(variable) = &named else {
        return EnvName {
            name: fallback.to_owned(),
            comment: Some(format!(
                "read from ${fallback}: the imported tree gave no variable for it"
            )),
        };
    };
    // The default an environment's var files do not override shows what the tree reads.
    if let Some(name) = folders.iter().find_map(|folder| {
        folder
            .variable(variable)
            .and_then(|v| v.value.as_ref())
            .and_then(env_read)
    }) {
        return EnvName {
            name,
            comment: None,
        };
    }
    let name = format!("PKR_VAR_{variable}");
    EnvName {
        comment: Some(format!(
            "read from ${name}, where Packer read the imported tree's `var.{variable}`"
        )),
        name,
    }
}

/// The variables of a folder that hold secrets: those declared `sensitive` and `used`.
pub fn secret_variables(folder: &Folder, used: &BTreeSet<String>) -> BTreeSet<String> {
    folder
        .variables
        .iter()
        .filter(|v| v.sensitive)
        .map(|v| v.name.clone())
        .chain(used.iter().cloned())
        .collect()
}

/// A warning for each literal value a var file assigns to a secret variable, its value
/// masked; `seen` keeps one per place when several environments read the same file.
pub fn literal_secrets(
    folder: &Folder,
    secrets: &BTreeSet<String>,
    seen: &mut BTreeSet<(String, usize)>,
    out: &mut Vec<Finding>,
) {
    for assignment in &folder.assignments {
        let literal = match &assignment.value {
            Value::String(s) => !s.is_empty(),
            Value::Number(_) => true,
            _ => false,
        };
        if !literal || !secrets.contains(&assignment.name) {
            continue;
        }
        let file = folder.file(assignment.at.file);
        if !seen.insert((file.name.clone(), assignment.at.span.start)) {
            continue;
        }
        out.push(literal_secret(folder, &assignment.name, assignment.at));
    }
}

fn literal_secret(folder: &Folder, name: &str, at: Location) -> Finding {
    let diagnostic = Diagnostic::warning(
        Code::ImportLiteralSecret,
        format!("`{name}` is a secret written as a literal in a var file"),
        at.span,
        "a literal secret",
    )
    .with_redacted(at.span)
    .with_help(format!(
        "the imported spec reads it from the environment instead: remove the value from this file, rotate it if the file was ever shared, and set `PKR_VAR_{name}` or the variable the spec names"
    ));
    Finding {
        file: folder.file(at.file).clone(),
        diagnostic,
    }
}

/// Sets `value` at a JSON pointer inside `target` (an object), creating objects on the way.
pub fn set_pointer(target: &mut Json, pointer: &str, value: Json) {
    let mut here = target;
    let tokens: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, token) in tokens.iter().enumerate() {
        if !here.is_object() {
            *here = Json::Object(Map::new());
        }
        let map = here.as_object_mut().expect("made an object above");
        if i + 1 == tokens.len() {
            map.insert((*token).to_owned(), value);
            return;
        }
        here = map
            .entry(*token)
            .or_insert_with(|| Json::Object(Map::new()));
    }
}

/// The settings of `platform`, in the table's order.
pub fn of(platform: PlatformName) -> impl Iterator<Item = &'static Setting> {
    SETTINGS.iter().filter(move |s| s.platform == platform)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_reads_are_recognised() {
        let unknown = |e: &str| Value::Unknown {
            expression: e.to_owned(),
        };
        assert_eq!(
            env_read(&unknown("env(\"VSPHERE_PASSWORD\")")),
            Some("VSPHERE_PASSWORD".into())
        );
        assert_eq!(env_read(&unknown("var.x")), None);
        assert_eq!(env_read(&unknown("env(\"A B\")")), None);
        assert_eq!(variable_read(&unknown("var.token")), Some("token".into()));
        assert_eq!(
            variable_read(&unknown("\"${var.token}\"")),
            Some("token".into())
        );
        assert_eq!(variable_read(&unknown("var.a.b")), None);
    }

    #[test]
    fn pointers_make_the_objects_they_cross() {
        let mut v = serde_json::json!({});
        set_pointer(&mut v, "/output/gallery/name", "g".into());
        set_pointer(&mut v, "/output/gallery/resource_group", "rg".into());
        assert_eq!(
            v,
            serde_json::json!({"output": {"gallery": {"name": "g", "resource_group": "rg"}}})
        );
    }

    /// Every nested place names a setting of the table that has no builder argument of its own.
    #[test]
    fn nested_places_name_settings_of_the_table() {
        for (platform, name, _, _) in NESTED {
            let setting = of(*platform).find(|s| s.name == *name).expect("a setting");
            assert!(setting.argument.is_none(), "{name}");
        }
    }
}
