//! A [`Report`] as text for terminals (identical changes grouped, each with the builds it
//! affects), Markdown for a merge-request comment (one `<details>` per build) and versioned
//! JSON for tools. Rendering only: no I/O.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::{BuildDiff, BuildId, Change, Entry, Report, Status, in_environments};

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grouped changes, for terminals.
    Text,
    /// A merge-request comment.
    Markdown,
    /// A stable JSON document (`"version": 1`).
    Json,
}

/// The report in `format`, ending with a newline.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text(report),
        Format::Markdown => markdown(report),
        Format::Json => json_text(report),
    }
}

/// A change in words; `code` marks names and values (backticks in Markdown, nothing in text).
fn describe(change: &Change, code: fn(&str) -> String) -> String {
    match change {
        Change::Setting {
            setting,
            old,
            new,
            layer,
        } => format!(
            "{} {} -> {} ({})",
            code(setting),
            code(old),
            code(new),
            layer.0
        ),
        Change::Arguments(names) => {
            let names: Vec<String> = names.iter().map(|n| code(n)).collect();
            format!("Packer arguments changed: {}", names.join(", "))
        }
        Change::StepAdded(step) => format!("step added: {}", code(step)),
        Change::StepRemoved(step) => format!("step removed: {}", code(step)),
        Change::StepsReordered => "steps run in another order".into(),
        Change::File { path, status } => format!("file {} {}", code(path), status.as_str()),
        Change::Plugin { name, old, new } => {
            format!("plugin {} {} -> {}", code(name), code(old), code(new))
        }
    }
}

fn plain(s: &str) -> String {
    s.to_owned()
}

/// A Markdown code span that holds any text: a fence longer than any run of backticks in it.
fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Lines about the whole spec rather than a build: environments and Packer's version.
fn notes(report: &Report, code: fn(&str) -> String) -> Vec<String> {
    let mut notes = Vec::new();
    for env in &report.environments_added {
        notes.push(format!("environment {} added", code(env)));
    }
    for env in &report.environments_removed {
        notes.push(format!("environment {} removed", code(env)));
    }
    if let Some((old, new)) = &report.required_version {
        notes.push(format!("required_version {} -> {}", code(old), code(new)));
    }
    notes
}

fn environments(entry: &Entry) -> Vec<&str> {
    entry.environments.iter().map(String::as_str).collect()
}

fn builds_word(n: usize) -> String {
    match n {
        1 => "1 build".into(),
        n => format!("{n} builds"),
    }
}

fn text(report: &Report) -> String {
    let mut out = report.summary();
    out.push('\n');
    for note in notes(report, plain) {
        let _ = write!(out, "\n{note}");
    }
    if !report.environments_added.is_empty()
        || !report.environments_removed.is_empty()
        || report.required_version.is_some()
    {
        out.push('\n');
    }
    // Identical changes, each with the builds it affects, in the order first met.
    let mut groups: Vec<(&Entry, Vec<&BuildId>)> = Vec::new();
    for build in report.builds.iter().filter(|b| b.status == Status::Changed) {
        for entry in &build.changes {
            match groups.iter_mut().find(|(e, _)| *e == entry) {
                Some((_, ids)) => ids.push(&build.id),
                None => groups.push((entry, vec![&build.id])),
            }
        }
    }
    for (entry, ids) in groups {
        let _ = writeln!(
            out,
            "\n{}, affects {}{}",
            describe(&entry.change, plain),
            builds_word(ids.len()),
            in_environments(&environments(entry))
        );
        for id in ids {
            let _ = writeln!(out, "  {id}");
        }
    }
    for status in [Status::Added, Status::Removed] {
        let ids: Vec<&BuildDiff> = report
            .builds
            .iter()
            .filter(|b| b.status == status)
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "\n{}:", status.as_str());
            for build in ids {
                let _ = writeln!(out, "  {}", build.id);
            }
        }
    }
    out
}

/// Text inside HTML: `<`, `>` and `&` escaped.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn markdown(report: &Report) -> String {
    let mut out = format!(
        "**{}** (compared with {})\n",
        report.summary(),
        code(&report.base)
    );
    let notes = notes(report, code);
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    for build in &report.builds {
        match build.status {
            Status::Changed => {
                let envs = build.environments(&report.environments);
                let _ = writeln!(
                    out,
                    "\n<details><summary><code>{}</code>: {} {}{}</summary>\n",
                    html(&build.id.to_string()),
                    build.changes.len(),
                    if build.changes.len() == 1 {
                        "change"
                    } else {
                        "changes"
                    },
                    html(&in_environments(&envs))
                );
                for entry in &build.changes {
                    let scope = if entry.environments.len() < report.environments.len() {
                        in_environments(&environments(entry))
                    } else {
                        String::new()
                    };
                    let _ = writeln!(out, "- {}{scope}", describe(&entry.change, code));
                }
                out.push_str("\n</details>\n");
            }
            Status::Added | Status::Removed => {
                let _ = writeln!(
                    out,
                    "\n- {} {}",
                    code(&build.id.to_string()),
                    build.status.as_str()
                );
            }
        }
    }
    out
}

fn change_json(entry: &Entry) -> Json {
    let mut value = match &entry.change {
        Change::Setting {
            setting,
            old,
            new,
            layer,
        } => {
            json!({ "kind": "setting", "setting": setting, "old": old, "new": new, "layer": layer.0 })
        }
        Change::Arguments(names) => json!({ "kind": "arguments", "names": names }),
        Change::StepAdded(step) => json!({ "kind": "step-added", "step": step }),
        Change::StepRemoved(step) => json!({ "kind": "step-removed", "step": step }),
        Change::StepsReordered => json!({ "kind": "steps-reordered" }),
        Change::File { path, status } => {
            json!({ "kind": "file", "path": path, "status": status.as_str() })
        }
        Change::Plugin { name, old, new } => {
            json!({ "kind": "plugin", "name": name, "old": old, "new": new })
        }
    };
    if let Some(object) = value.as_object_mut() {
        object.insert("environments".into(), json!(entry.environments));
    }
    value
}

fn json_text(report: &Report) -> String {
    let changed_in: Vec<&str> = report
        .environments
        .iter()
        .filter(|e| {
            report
                .builds
                .iter()
                .any(|b| b.changes.iter().any(|c| c.environments.contains(e)))
        })
        .map(String::as_str)
        .collect();
    let builds: Vec<Json> = report
        .builds
        .iter()
        .map(|b| {
            json!({
                "os": b.id.os,
                "platform": b.id.platform.as_str(),
                "edition": b.id.edition,
                "status": b.status.as_str(),
                "environments": b.environments(&report.environments),
                "changes": b.changes.iter().map(change_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let document = json!({
        "version": 1,
        "base": report.base,
        "summary": {
            "text": report.summary(),
            "changed": report.count(Status::Changed),
            "added": report.count(Status::Added),
            "removed": report.count(Status::Removed),
            "environments": changed_in,
        },
        "environments": {
            "compared": report.environments,
            "added": report.environments_added,
            "removed": report.environments_removed,
        },
        "required_version": report.required_version.as_ref().map(|(old, new)| json!({ "old": old, "new": new })),
        "builds": builds,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value always prints");
    text.push('\n');
    text
}
