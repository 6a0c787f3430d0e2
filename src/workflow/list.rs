//! `hybridc list oses`: the OS catalogue as a table for people and as stable JSON for scripts.
//! Reads [`crate::release::all`] and nothing else, so it shows whatever the catalogue holds.

use crate::release::Release;

/// The columns of the table, in order.
const COLUMNS: [&str; 7] = [
    "name",
    "description",
    "installer",
    "family",
    "version",
    "platforms",
    "editions",
];

/// One release's cells, in [`COLUMNS`]' order.
fn cells(release: &Release) -> [String; 7] {
    let platforms: Vec<&str> = release.platforms.iter().map(|p| p.as_str()).collect();
    [
        release.name.to_owned(),
        release.description.to_owned(),
        release.installer.as_str().to_owned(),
        release.family().as_str().to_owned(),
        release.version.to_owned(),
        platforms.join(","),
        editions(release).join(","),
    ]
}

/// The names of a release's Windows editions.
fn editions(release: &Release) -> Vec<&'static str> {
    release
        .windows
        .map(|w| w.editions.iter().map(|e| e.name).collect())
        .unwrap_or_default()
}

/// The releases as aligned columns under a header, in the catalogue's order.
pub fn table<'a>(releases: impl IntoIterator<Item = &'a Release>) -> String {
    let rows: Vec<[String; 7]> = std::iter::once(COLUMNS.map(str::to_uppercase))
        .chain(releases.into_iter().map(cells))
        .collect();
    let mut widths = [0; 7];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The releases as a JSON document: `{"version": 1, "oses": [{name, description, installer,
/// family, distribution, version, platforms, arches, editions}]}` (`arches`: the
/// architectures it ships media or images for, `x86_64` first), the editions with their image names,
/// Azure SKUs (`null`: not built on Azure) and whether an OS builds them unless it picks its
/// own (`default`). `version` is the document's format, raised when a field changes meaning.
pub fn json<'a>(releases: impl IntoIterator<Item = &'a Release>) -> String {
    let oses: Vec<serde_json::Value> = releases
        .into_iter()
        .map(|r| {
            let editions: Vec<serde_json::Value> = r
                .windows
                .map(|w| {
                    w.editions
                        .iter()
                        .map(|e| {
                            serde_json::json!({
                                "name": e.name,
                                "image_name": e.image_name,
                                "azure_sku": e.azure_sku,
                                "default": e.default,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            serde_json::json!({
                "name": r.name,
                "description": r.description,
                "installer": r.installer.as_str(),
                "family": r.family().as_str(),
                "distribution": r.distribution,
                "version": r.version,
                "platforms": r.platforms.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                "arches": r.arches().iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                "editions": editions,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "version": 1, "oses": oses }))
        .expect("a JSON value always serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_aligns_its_columns_and_ends_lines_without_spaces() {
        let text = table(crate::release::find("windows-2022"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("NAME          DESCRIPTION"));
        let release = crate::release::find("windows-2022").expect("in the catalogue");
        assert!(lines[1].ends_with(&format!(
            "proxmox,vsphere,azure  {}",
            editions(release).join(",")
        )));
        assert!(text.lines().all(|l| !l.ends_with(' ')));
    }

    #[test]
    fn the_json_lists_every_release_with_its_facts() {
        let value: serde_json::Value =
            serde_json::from_str(&json(crate::release::all())).expect("JSON");
        let oses = value["oses"].as_array().expect("a list");
        assert_eq!(oses.len(), crate::release::all().count());
        assert!(oses.iter().all(|o| o["platforms"].is_array()));
        assert!(oses.iter().all(|o| o["arches"][0] == "x86_64"));
    }
}
