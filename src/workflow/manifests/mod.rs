//! The artifact inventory: what Packer's `manifest` post-processor recorded under `manifests/`.
//!
//! The generated builds write one JSON file per OS (and per Windows edition), and every
//! `packer build` appends its artifacts to it. This module reads the `*.json` files directly
//! in a folder, keeps the latest artifact per (OS, platform, edition), and renders that as a
//! table, Markdown or JSON. A file or entry it cannot use is a [`Problem`] reported next to
//! the rest, never a failure of the whole read. It only reads: it must not touch Packer, the
//! spec or the network, and it neither prints nor exits, which is the binary's job.

mod files;
mod reader;
mod render;
mod time;

use std::path::Path;

use serde::Serialize;

use files::{list, read_capped, shown};
use reader::Reader;
use render::{json, markdown, table};

pub use time::iso8601;
pub(crate) use time::utc;

/// The latest artifact of one OS, platform and edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artifact {
    /// The OS: `custom_data.os`, else the build's source name (`name`).
    pub os: String,
    /// The platform: `custom_data.platform`, else `builder_type` up to its first `-`.
    pub platform: String,
    /// The Windows edition: `custom_data.edition`, else empty.
    pub edition: String,
    /// The Packer builder (`proxmox-iso`, `vsphere-clone`, `azure-arm`), empty if not recorded.
    pub builder_type: String,
    /// What the builder produced: a Proxmox template id, a vSphere VM or template name, an
    /// Azure managed image or gallery image version resource ID.
    pub artifact_id: String,
    /// `custom_data.build_version`, else empty.
    pub build_version: String,
    /// When the artifact was recorded, in seconds since the Unix epoch; 0 when Packer left it
    /// out (`strip_time`).
    pub build_time: i64,
    /// `build_time` as ISO 8601 UTC (`2024-11-25T13:06:40Z`), empty when `build_time` is 0.
    pub built_at: String,
    /// The `packer build` run that recorded it, empty if not recorded.
    pub packer_run_uuid: String,
    /// The manifest file it came from, shown as under the folder that was read.
    pub manifest: String,
}

/// A file or entry that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file (or folder), shown as under the folder that was read.
    pub path: String,
    /// What was wrong with it.
    pub message: String,
}

/// Every latest artifact found in a folder, and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The folder as the caller gave it, with `/` separators.
    pub dir: String,
    /// Whether the folder itself could be listed; when not, [`Inventory::problems`] says why
    /// and there is nothing else in it.
    pub listed: bool,
    /// One artifact per (OS, platform, edition), sorted by those three.
    pub artifacts: Vec<Artifact>,
    /// Unusable files and entries, in file order, then entry order.
    pub problems: Vec<Problem>,
}

/// How [`render`] presents an inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain-text columns, for a terminal.
    Table,
    /// A stable JSON document, for scripts and bots.
    Json,
    /// A GitHub-flavoured Markdown table, for merge requests and wikis.
    Markdown,
}

/// Reads every `*.json` file directly in `dir`, in name order, and keeps the latest artifact
/// per (OS, platform, edition).
///
/// "Latest" is the highest `build_time`; on a tie the later entry wins, in a file and across
/// files in name order. Other files, folders and Packer's `*.json.lock` files are ignored. A
/// folder that does not exist (nothing was built yet) gives an empty inventory; one that cannot
/// be listed gives an empty inventory with one problem.
pub fn read(dir: &Path) -> Inventory {
    let shown_dir = dir.to_string_lossy().replace('\\', "/");
    let mut reader = Reader::default();
    // Before the first build there is no folder yet: an empty inventory, not a problem.
    if matches!(std::fs::symlink_metadata(dir), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
    {
        return reader.finish(shown_dir, true);
    }
    let listed = match list(dir) {
        Ok((names, listing_problems)) => {
            for message in listing_problems {
                reader.problem(&shown_dir, message);
            }
            for name in names {
                let shown = shown(&shown_dir, &name.to_string_lossy());
                match read_capped(&dir.join(&name)) {
                    Ok(bytes) => reader.file(&shown, &bytes),
                    Err(message) => reader.problem(&shown, message),
                }
            }
            true
        }
        Err(message) => {
            reader.problem(&shown_dir, message);
            false
        }
    };
    reader.finish(shown_dir, listed)
}

/// Renders `inventory` as `format`; the text ends with a newline.
pub fn render(inventory: &Inventory, format: Format) -> String {
    match format {
        Format::Table => table(inventory),
        Format::Json => json(inventory),
        Format::Markdown => markdown(inventory),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(files: &[(&str, &str)]) -> Inventory {
        let mut reader = Reader::default();
        for (name, text) in files {
            reader.file(&shown("manifests", name), text.as_bytes());
        }
        reader.finish("manifests".to_owned(), true)
    }

    fn build(name: &str, builder: &str, time: i64, id: &str, custom: &str) -> String {
        format!(
            r#"{{"name": "{name}", "builder_type": "{builder}", "build_time": {time}, "files": null, "artifact_id": "{id}", "packer_run_uuid": "u-{time}", "custom_data": {custom}}}"#
        )
    }

    fn manifest(builds: &[String]) -> String {
        format!(
            r#"{{"builds": [{}], "last_run_uuid": "x"}}"#,
            builds.join(", ")
        )
    }
    #[test]
    fn custom_data_wins_and_fallbacks_fill_in() {
        let custom = r#"{"os": "windows-2022", "edition": "standard", "platform": "proxmox", "source": "windows-2022-standard", "build_version": "1.0.0"}"#;
        let text = manifest(&[
            build(
                "windows-2022-standard",
                "proxmox-iso",
                10,
                "pve1:200",
                custom,
            ),
            build("rocky-9", "vsphere-clone", 11, "rocky-9", "null"),
            build("debian-12", "azure-arm", 12, "/subscriptions/s/x", "{}"),
        ]);
        let inv = inventory(&[("a.json", &text)]);
        assert!(inv.problems.is_empty(), "{:?}", inv.problems);
        let keys: Vec<(&str, &str, &str, &str)> = inv
            .artifacts
            .iter()
            .map(|a| {
                (
                    a.os.as_str(),
                    a.platform.as_str(),
                    a.edition.as_str(),
                    a.build_version.as_str(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                ("debian-12", "azure", "", ""),
                ("rocky-9", "vsphere", "", ""),
                ("windows-2022", "proxmox", "standard", "1.0.0"),
            ]
        );
    }

    #[test]
    fn the_highest_build_time_wins_and_ties_go_to_the_last_read() {
        let first = manifest(&[
            build("u", "proxmox-iso", 300, "new", "null"),
            build("u", "proxmox-iso", 100, "old", "null"),
            build("t", "proxmox-iso", 50, "t-first", "null"),
            build("t", "proxmox-iso", 50, "t-second", "null"),
        ]);
        let second = manifest(&[
            build("t", "proxmox-iso", 50, "t-next-file", "null"),
            build("u", "proxmox-iso", 200, "older-in-later-file", "null"),
        ]);
        let inv = inventory(&[("a.json", &first), ("b.json", &second)]);
        let ids: Vec<(&str, &str)> = inv
            .artifacts
            .iter()
            .map(|a| (a.artifact_id.as_str(), a.manifest.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("t-next-file", "manifests/b.json"),
                ("new", "manifests/a.json")
            ]
        );
    }

    #[test]
    fn unusable_entries_are_problems_and_the_rest_is_kept() {
        let text = r#"{"builds": [
            {"name": "ok", "builder_type": "proxmox-iso", "artifact_id": "pve1:1"},
            {"name": "no-id", "builder_type": "proxmox-iso", "build_time": 5},
            {"builder_type": "vsphere-iso", "artifact_id": "vm"},
            {"name": "bad", "builder_type": 7, "artifact_id": "x", "build_time": "soon", "custom_data": []},
            {"name": "odd", "builder_type": "azure-arm", "artifact_id": "x", "custom_data": {"os": 1}},
            "nonsense",
            {"name": "far", "builder_type": "proxmox-iso", "artifact_id": "y", "build_time": 253402300800}
        ], "last_run_uuid": ""}"#;
        let inv = inventory(&[("m.json", text)]);
        let messages: Vec<String> = inv
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        assert_eq!(
            messages,
            [
                "manifests/m.json: build 2 (`no-id`): no `artifact_id`",
                "manifests/m.json: build 3: no `custom_data.os` and no `name` to tell the OS",
                "manifests/m.json: build 4 (`bad`): `builder_type` must be a string",
                "manifests/m.json: build 4 (`bad`): `custom_data` must be an object",
                "manifests/m.json: build 4 (`bad`): `build_time` must be a whole number of seconds",
                "manifests/m.json: build 4 (`bad`): no `custom_data.platform` and no `builder_type` to tell the platform",
                "manifests/m.json: build 5 (`odd`): `custom_data.os` must be a string",
                "manifests/m.json: build 6: not an object",
                "manifests/m.json: build 7 (`far`): `build_time` 253402300800 is not a time between the years -9999 and 9999",
            ]
        );
        assert_eq!(inv.artifacts.len(), 1);
        let ok = &inv.artifacts[0];
        assert_eq!((ok.os.as_str(), ok.platform.as_str()), ("ok", "proxmox"));
        // No `build_time` (Packer's `strip_time`): 0, and no date shown.
        assert_eq!((ok.build_time, ok.built_at.as_str()), (0, ""));
        assert!(
            render(&inv, Format::Table).contains("ok  proxmox   -        -        -      pve1:1\n")
        );
    }

    #[test]
    fn files_that_are_not_manifests_are_problems() {
        let inv = inventory(&[
            ("a.json", "{\"foo\": 1}"),
            ("b.json", "[1, 2]"),
            ("c.json", "  \n"),
            ("d.json", "{\"builds\": [\n  {\"name\": \"x\",\n"),
            ("e.json", "{\"builds\": null, \"last_run_uuid\": \"\"}"),
        ]);
        let messages: Vec<(&str, &str)> = inv
            .problems
            .iter()
            .map(|p| (p.path.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "manifests/a.json",
                    "not a Packer manifest: no `builds` list"
                ),
                (
                    "manifests/b.json",
                    "not a Packer manifest: no `builds` list"
                ),
                ("manifests/c.json", "empty file, not a Packer manifest"),
                (
                    "manifests/d.json",
                    "invalid JSON at line 3 column 0: EOF while parsing a value"
                ),
            ]
        );
        assert!(inv.artifacts.is_empty());
    }

    #[test]
    fn cells_stay_on_one_line_and_markdown_escapes_pipes() {
        let text = manifest(&[build("a|b", "proxmox-iso", 1, "x\\ny|z", "null")]);
        let inv = inventory(&[("m.json", &text)]);
        let table = render(&inv, Format::Table);
        assert_eq!(table.lines().count(), 2, "{table}");
        assert!(
            table.ends_with("a|b  proxmox   -        -        1970-01-01T00:00:01Z  x\\ny|z\n")
        );
        let md = render(&inv, Format::Markdown);
        assert!(
            md.ends_with("| a\\|b | proxmox | - | - | 1970-01-01T00:00:01Z | x\\ny\\|z |\n"),
            "{md}"
        );
    }

    #[test]
    fn an_empty_inventory_says_so() {
        let inv = Inventory {
            dir: "manifests/".to_owned(),
            listed: false,
            artifacts: Vec::new(),
            problems: vec![Problem {
                path: "manifests/".to_owned(),
                message: "cannot read folder: no such file or directory (os error 2)".to_owned(),
            }],
        };
        assert_eq!(
            render(&inv, Format::Table),
            "no artifacts found in manifests/\n\nproblems:\n  manifests/: cannot read folder: no such file or directory (os error 2)\n"
        );
        assert_eq!(
            render(&inv, Format::Markdown),
            "no artifacts found in `manifests/`\n\n**Problems**\n\n- `manifests/`: cannot read folder: no such file or directory (os error 2)\n"
        );
        assert_eq!(
            render(&inv, Format::Json),
            "{\n  \"format\": 1,\n  \"artifacts\": [],\n  \"problems\": [\n    {\n      \"path\": \"manifests/\",\n      \"message\": \"cannot read folder: no such file or directory (os error 2)\"\n    }\n  ]\n}\n"
        );
    }
}
