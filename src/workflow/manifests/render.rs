//! An [`Inventory`] as a terminal table, Markdown or JSON.

use super::{Artifact, Inventory};

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

pub(super) fn table(inventory: &Inventory) -> String {
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

pub(super) fn markdown(inventory: &Inventory) -> String {
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
pub(super) fn json(inventory: &Inventory) -> String {
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
