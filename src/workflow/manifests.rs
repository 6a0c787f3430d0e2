//! The artifact inventory: what Packer's `manifest` post-processor recorded under `manifests/`.
//!
//! The generated builds write one JSON file per OS (and per Windows edition), and every
//! `packer build` appends its artifacts to it. This module reads the `*.json` files directly
//! in a folder, keeps the latest artifact per (OS, platform, edition), and renders that as a
//! table, Markdown or JSON. A file or entry it cannot use is a [`Problem`] reported next to
//! the rest, never a failure of the whole read. It only reads: it must not touch Packer, the
//! spec or the network, and it neither prints nor exits, which is the binary's job.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

/// Files larger than this are reported, not read: a manifest of thousands of runs is far smaller.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

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

/// Seconds since the Unix epoch as ISO 8601 UTC, e.g. `1732540000` as `2024-11-25T13:06:40Z`.
///
/// Proleptic Gregorian calendar for any `i64`, computed with Howard Hinnant's
/// `civil_from_days`, so no date crate is needed.
pub fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// (year, month, day) of a day count from 1970-01-01, in the proleptic Gregorian calendar.
///
/// Shared with the runner, which names artifacts after the UTC time outside a git work tree.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // Shift the epoch to 0000-03-01, so that the leap day is the last day of a year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // [1, 31]
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The `*.json` files directly in `dir`, sorted by name, and entries that could not be looked at.
fn list(dir: &Path) -> Result<(Vec<std::ffi::OsString>, Vec<String>), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read folder: {}", os(&e)))?;
    let mut names = Vec::new();
    let mut problems = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(format!("cannot list an entry: {}", os(&e)));
                continue;
            }
        };
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        // Follows symbolic links; a folder named `*.json` is not a manifest.
        if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            continue;
        }
        names.push(entry.file_name());
    }
    names.sort();
    Ok((names, problems))
}

/// The file's bytes, or why it could not be read.
fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {}", os(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {}", os(&e)))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!(
            "larger than {} MiB, not read",
            MAX_BYTES / 1024 / 1024
        ));
    }
    Ok(bytes)
}

/// An operating system error in the crate's message style (lowercase first letter).
fn os(error: &std::io::Error) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// Joins the folder as shown and a file name with `/`.
fn shown(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." {
        name.to_owned()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Accumulates the latest artifact per key, and problems, while files are read in order.
#[derive(Default)]
struct Reader {
    latest: BTreeMap<(String, String, String), Artifact>,
    problems: Vec<Problem>,
}

impl Reader {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    /// One manifest file's bytes; `shown` is its path as the user sees it.
    fn file(&mut self, shown: &str, bytes: &[u8]) {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            self.problem(shown, "empty file, not a Packer manifest");
            return;
        }
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(value) => value,
            Err(e) => {
                self.problem(shown, invalid_json(&e));
                return;
            }
        };
        let builds = match value.get("builds") {
            Some(Value::Array(builds)) => builds.as_slice(),
            // Go writes an empty build list as `null`: a manifest with nothing in it yet.
            Some(Value::Null) => &[],
            _ => {
                self.problem(shown, "not a Packer manifest: no `builds` list");
                return;
            }
        };
        for (index, build) in builds.iter().enumerate() {
            match entry(build, shown) {
                Ok(artifact) => self.keep(artifact),
                Err(issues) => {
                    let label = label(index, build);
                    for issue in issues {
                        self.problem(shown, format!("{label}: {issue}"));
                    }
                }
            }
        }
    }

    /// Keeps `artifact` unless an earlier-read one of the same key is newer; a tie goes to
    /// the one read last.
    fn keep(&mut self, artifact: Artifact) {
        let key = (
            artifact.os.clone(),
            artifact.platform.clone(),
            artifact.edition.clone(),
        );
        match self.latest.get(&key) {
            Some(kept) if kept.build_time > artifact.build_time => {}
            _ => {
                self.latest.insert(key, artifact);
            }
        }
    }

    fn finish(self, dir: String, listed: bool) -> Inventory {
        Inventory {
            dir,
            listed,
            artifacts: self.latest.into_values().collect(),
            problems: self.problems,
        }
    }
}

/// A string field of `map`: empty when absent or null, `None` (with an issue naming it as
/// `shown`) when it is something else.
fn string(
    map: &Map<String, Value>,
    key: &str,
    shown: &str,
    issues: &mut Vec<String>,
) -> Option<String> {
    match map.get(key) {
        None | Some(Value::Null) => Some(String::new()),
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            issues.push(format!("`{shown}` must be a string"));
            None
        }
    }
}

/// `invalid JSON at line 3 column 5: expected value`.
fn invalid_json(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if error.line() == 0 {
        return format!("invalid JSON: {text}");
    }
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let what = text.strip_suffix(&suffix).unwrap_or(&text);
    format!(
        "invalid JSON at line {} column {}: {what}",
        error.line(),
        error.column()
    )
}

/// `build 2` or, when it has a name, ``build 2 (`ubuntu-2404`)``; counted from 1.
fn label(index: usize, build: &Value) -> String {
    match build.get("name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => format!("build {} (`{name}`)", index + 1),
        _ => format!("build {}", index + 1),
    }
}

/// One entry of `builds` as an artifact, or every reason it cannot be one.
fn entry(build: &Value, manifest: &str) -> Result<Artifact, Vec<String>> {
    let Some(fields) = build.as_object() else {
        return Err(vec!["not an object".to_owned()]);
    };
    let mut issues = Vec::new();
    let name = string(fields, "name", "name", &mut issues).unwrap_or_default();
    let builder_type =
        string(fields, "builder_type", "builder_type", &mut issues).unwrap_or_default();
    let artifact_id = string(fields, "artifact_id", "artifact_id", &mut issues);
    let packer_run_uuid =
        string(fields, "packer_run_uuid", "packer_run_uuid", &mut issues).unwrap_or_default();
    let empty = Map::new();
    let custom = match fields.get("custom_data") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(custom)) => custom,
        Some(_) => {
            issues.push("`custom_data` must be an object".to_owned());
            &empty
        }
    };
    let mut custom_field = |key: &str| {
        string(custom, key, &format!("custom_data.{key}"), &mut issues).unwrap_or_default()
    };
    let custom_os = custom_field("os");
    let custom_platform = custom_field("platform");
    let edition = custom_field("edition");
    let build_version = custom_field("build_version");

    let build_time = match fields.get("build_time") {
        // Packer leaves it out with `strip_time`.
        None | Some(Value::Null) => 0,
        Some(value) => value.as_i64().unwrap_or_else(|| {
            issues.push("`build_time` must be a whole number of seconds".to_owned());
            0
        }),
    };
    let artifact_id = match artifact_id {
        Some(id) if id.is_empty() => {
            issues.push("no `artifact_id`".to_owned());
            id
        }
        Some(id) => id,
        None => String::new(),
    };
    let os = if custom_os.is_empty() {
        name
    } else {
        custom_os
    };
    if os.is_empty() {
        issues.push("no `custom_data.os` and no `name` to tell the OS".to_owned());
    }
    let platform = if custom_platform.is_empty() {
        builder_type
            .split('-')
            .next()
            .unwrap_or_default()
            .to_owned()
    } else {
        custom_platform
    };
    if platform.is_empty() {
        issues.push("no `custom_data.platform` and no `builder_type` to tell the platform".into());
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(Artifact {
        os,
        platform,
        edition,
        builder_type,
        artifact_id,
        build_version,
        build_time,
        built_at: if build_time == 0 {
            String::new()
        } else {
            iso8601(build_time)
        },
        packer_run_uuid,
        manifest: manifest.to_owned(),
    })
}

const HEADER: [&str; 6] = ["OS", "PLATFORM", "EDITION", "VERSION", "BUILT", "ARTIFACT"];

/// The six displayed cells of an artifact, `-` for an empty one.
fn cells(artifact: &Artifact) -> [&str; 6] {
    fn or_dash(text: &str) -> &str {
        if text.is_empty() { "-" } else { text }
    }
    [
        or_dash(&artifact.os),
        or_dash(&artifact.platform),
        or_dash(&artifact.edition),
        or_dash(&artifact.build_version),
        or_dash(&artifact.built_at),
        or_dash(&artifact.artifact_id),
    ]
}

/// Control characters escaped, so that one cell stays on one line.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn table(inventory: &Inventory) -> String {
    let mut out = String::new();
    if inventory.artifacts.is_empty() {
        out.push_str(&format!(
            "no artifacts found in {}\n",
            printable(&inventory.dir)
        ));
        if inventory.listed && inventory.problems.is_empty() {
            out.push_str("(Packer's manifest post-processor writes one file per OS there as images are built)\n");
        }
    } else {
        let rows: Vec<[String; 6]> = std::iter::once(HEADER.map(str::to_owned))
            .chain(inventory.artifacts.iter().map(|a| cells(a).map(printable)))
            .collect();
        let mut widths = [0; 6];
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in &rows {
            let mut line = String::new();
            for (column, cell) in row.iter().enumerate() {
                if column > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                let pad = widths[column] - cell.chars().count();
                line.extend(std::iter::repeat_n(' ', pad));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if !inventory.problems.is_empty() {
        out.push_str("\nproblems:\n");
        for problem in &inventory.problems {
            out.push_str(&format!(
                "  {}: {}\n",
                printable(&problem.path),
                printable(&problem.message)
            ));
        }
    }
    out
}

fn markdown(inventory: &Inventory) -> String {
    let cell = |text: &str| printable(text).replace('|', "\\|");
    let mut out = String::new();
    if inventory.artifacts.is_empty() {
        out.push_str(&format!(
            "no artifacts found in `{}`\n",
            printable(&inventory.dir)
        ));
    } else {
        out.push_str(&format!("| {} |\n", HEADER.join(" | ")));
        out.push_str(&format!("|{}\n", "---|".repeat(HEADER.len())));
        for artifact in &inventory.artifacts {
            let row: Vec<String> = cells(artifact).iter().map(|c| cell(c)).collect();
            out.push_str(&format!("| {} |\n", row.join(" | ")));
        }
    }
    if !inventory.problems.is_empty() {
        out.push_str("\n**Problems**\n\n");
        for problem in &inventory.problems {
            out.push_str(&format!(
                "- `{}`: {}\n",
                printable(&problem.path),
                printable(&problem.message)
            ));
        }
    }
    out
}

/// `{"format": 1, "artifacts": [...], "problems": [{"path", "message"}]}`, pretty-printed.
fn json(inventory: &Inventory) -> String {
    let document = serde_json::json!({
        "format": 1,
        "artifacts": inventory.artifacts,
        "problems": inventory.problems,
    });
    let mut text = serde_json::to_string_pretty(&document)
        .expect("a JSON value of strings and integers always serialises");
    text.push('\n');
    text
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
    fn known_dates() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_732_540_000, "2024-11-25T13:06:40Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (1_735_689_599, "2024-12-31T23:59:59Z"),
            (1_735_689_600, "2025-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(iso8601(secs), text, "{secs}");
        }
    }

    #[test]
    fn extreme_times_do_not_panic() {
        for secs in [i64::MIN, i64::MIN + 1, i64::MAX] {
            assert!(iso8601(secs).ends_with('Z'));
        }
    }

    #[test]
    fn every_day_follows_the_previous_one() {
        // From 1600-03-01 to 2400-12-31: month lengths, leap years and the century rules.
        let mut previous = civil_from_days(-135_080 - 1);
        for days in -135_080..157_420 {
            let (y, m, d) = civil_from_days(days);
            let (py, pm, pd) = previous;
            let next_day = y == py && m == pm && d == pd + 1;
            let next_month = y == py && m == pm + 1 && d == 1;
            let next_year = y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31;
            assert!(
                next_day || next_month || next_year,
                "{previous:?} -> {y}-{m}-{d}"
            );
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let last = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            assert!((1..=last).contains(&d), "{y}-{m}-{d}");
            previous = (y, m, d);
        }
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
            "nonsense"
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
    fn non_utf8_bytes_are_invalid_json() {
        let mut reader = Reader::default();
        reader.file("m.json", b"{\"builds\": [\"\xff\"]}");
        assert_eq!(reader.problems.len(), 1);
        assert!(
            reader.problems[0]
                .message
                .starts_with("invalid JSON at line 1 column"),
            "{:?}",
            reader.problems
        );
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

    #[test]
    fn shown_paths_join_with_a_slash() {
        assert_eq!(shown("manifests", "a.json"), "manifests/a.json");
        assert_eq!(shown("manifests/", "a.json"), "manifests/a.json");
        assert_eq!(shown(".", "a.json"), "a.json");
        assert_eq!(shown("", "a.json"), "a.json");
        assert_eq!(shown("/", "a.json"), "/a.json");
    }
}
