//! Go to definition: from a provisioning set's name to the set, from a script, playbook or
//! template path to the file, and from an OS to the installer templates it reads.

use super::locate::{self, Place};
use super::{Document, Location};
use crate::release::OsFacts;

/// Where what is at byte `offset` is defined: empty where it names nothing, or names a file
/// the repository does not have.
pub fn definition(doc: &Document, offset: usize) -> Vec<Location> {
    let Some(tree) = doc.tree() else {
        return Vec::new();
    };
    let Some(cursor) = locate::cursor(tree, doc.text(), offset) else {
        return Vec::new();
    };
    let path = cursor.path();
    let value = || super::text_at(tree, &path);
    let files = |paths: Vec<&str>| -> Vec<Location> {
        paths
            .into_iter()
            .filter(|p| doc.is_file(p))
            .map(|p| Location {
                path: doc.root().join(p),
                range: None,
            })
            .collect()
    };
    match (cursor.place, path.as_slice()) {
        (Place::Value(_), ["oses", _, "provisioning", _]) => {
            let Some(set) = value() else {
                return Vec::new();
            };
            let key = tree.get("provisioning").and_then(|p| p.value.get(set));
            key.map(|entry| Location {
                path: doc.path().to_path_buf(),
                range: Some(entry.key_span.start..entry.key_span.end),
            })
            .into_iter()
            .collect()
        }
        (
            Place::Value(_),
            ["provisioning", _, _, "shell" | "powershell", "scripts", _]
            | ["provisioning", _, _, "ansible", "playbook" | "galaxy_file"]
            | ["provisioning", _, _, "file", "source"]
            | ["oses", _, "templates", _],
        )
        | (Place::Key(_), ["oses", _, "templates", _]) => files(value().into_iter().collect()),
        (Place::Key(_), ["oses", os])
        | (Place::Value(_), ["oses", os, "installer" | "release"]) => templates(doc, tree, os),
        _ => Vec::new(),
    }
}

/// The installer templates OS `name` reads, as [`crate::installer::InstallerKind::template_path`]
/// resolves them.
fn templates(doc: &Document, tree: &crate::yaml::Node, name: &str) -> Vec<Location> {
    let Some(os) = super::typed_os(tree, name) else {
        return Vec::new();
    };
    let Some(installer) = os.installer() else {
        return Vec::new();
    };
    let kind = crate::installer::kind(installer);
    kind.templates
        .iter()
        .map(|template| kind.template_path(name, &os, template, |p| doc.is_file(p)))
        .filter(|path| doc.is_file(path))
        .map(|path| Location {
            path: doc.root().join(path),
            range: None,
        })
        .collect()
}
