//! The drift check: the compiled files compared with what is on disk, without writing.
//!
//! Each produced file is unchanged, changed (with a unified diff, three lines of context),
//! missing, or in conflict: something `compile` does not write to on its own stands at its path
//! or on the way to it (a file without hybridc's header, a symbolic link, a file where a folder
//! belongs), and no link is read through, so a link is never up to date. A regular file on disk
//! that carries hybridc's header but is no longer produced is stale; a link that leads to such a
//! file is a conflict, since `compile` never removes links; other files are not looked at. What counts as a conflict is the output stage's [`output::survey`], the
//! same one `compile` refuses by. The committed JSON Schema is compared with this
//! binary's too, since editors complete from it. This module reads files and returns a report;
//! presenting it (text, colour, JSON) is the caller's job.

use std::path::Path;

use serde::Serialize;
use similar::TextDiff;

use crate::emit::File;
use crate::output::{self, shown};

/// How a file differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// On disk with other contents.
    Changed,
    /// Produced by the spec, not on disk.
    Missing,
    /// On disk with hybridc's header, no longer produced.
    Stale,
    /// Something `compile` will not write to stands at the path or on the way to it.
    Conflict,
}

impl Status {
    /// The status as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Changed => "changed",
            Status::Missing => "missing",
            Status::Stale => "stale",
            Status::Conflict => "conflict",
        }
    }
}

/// One file that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// Path as the user sees it (`generated/proxmox.pkr.hcl`).
    pub path: String,
    /// How it differs.
    pub status: Status,
    /// Unified diff from the file on disk to what it should be (empty for a conflict, whose
    /// file is not read).
    pub diff: String,
    /// For a conflict, what stands in the way; `null` otherwise.
    pub reason: Option<String>,
}

/// The result of a check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Files that differ, in path order.
    pub drift: Vec<Drift>,
    /// How many produced files are up to date.
    pub unchanged: usize,
}

impl Report {
    /// No drift at all.
    pub fn is_clean(&self) -> bool {
        self.drift.is_empty()
    }

    /// How many entries have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.drift.iter().filter(|d| d.status == status).count()
    }
}

fn unified(old: &str, new: &str, path: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Compares `files` with the folder `dir` (shown to the user as `shown_dir`).
///
/// # Errors
/// [`crate::Error::Output`] when something in the folder cannot be read.
pub fn compare(files: &[File], dir: &Path, shown_dir: &str) -> Result<Report, crate::error::Error> {
    let survey = output::survey(files, dir, shown_dir)?;
    let mut report = Report::default();
    for (file, (_, found)) in files.iter().zip(&survey.files) {
        let path = shown(shown_dir, &file.path);
        let (status, diff, reason) = match found {
            output::Found::Generated(bytes) if bytes == file.contents.as_bytes() => {
                report.unchanged += 1;
                continue;
            }
            output::Found::Generated(bytes) => {
                let old = String::from_utf8_lossy(bytes);
                (Status::Changed, unified(&old, &file.contents, &path), None)
            }
            output::Found::Nothing => (Status::Missing, unified("", &file.contents, &path), None),
            output::Found::Conflict(conflict, contents) => {
                // A file's contents are shown; a link is not read through.
                let diff = contents.as_ref().map_or_else(String::new, |bytes| {
                    unified(&String::from_utf8_lossy(bytes), &file.contents, &path)
                });
                (Status::Conflict, diff, Some(conflict.to_string()))
            }
        };
        report.drift.push(Drift {
            path,
            status,
            diff,
            reason,
        });
    }
    for stale in &survey.stale {
        let old = std::fs::read(dir.join(stale))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let path = shown(shown_dir, stale);
        report.drift.push(Drift {
            diff: unified(&old, "", &path),
            path,
            status: Status::Stale,
            reason: None,
        });
    }
    for (link, conflict) in &survey.stale_links {
        report.drift.push(Drift {
            path: shown(shown_dir, link),
            status: Status::Conflict,
            diff: String::new(),
            reason: Some(conflict.to_string()),
        });
    }
    report.drift.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(report)
}

/// Compares a committed schema file with this binary's schema; `None` when it is up to date
/// or there is no such file.
pub fn schema(file: &Path, shown_path: &str) -> Option<Drift> {
    let on_disk = std::fs::read_to_string(file).ok()?;
    let current = crate::schema::schema_text();
    (on_disk != current).then(|| Drift {
        diff: unified(&on_disk, &current, shown_path),
        path: shown_path.to_owned(),
        status: Status::Changed,
        reason: None,
    })
}

/// The `--format json` report: a stable shape for bots and merge-request comments.
///
/// `{"format": 1, "status": "up-to-date" | "drift" | "error", "spec": ..., "output": ...,
/// "counts": {"changed", "missing", "stale", "conflict", "unchanged"}, "files": [{"path",
/// "status", "diff", "reason"}],
/// "fix": string or null, "diagnostics": [{"severity", "code", "message", "file", "line",
/// "column", "help"}]}`.
pub fn json(
    spec: &str,
    output: &str,
    report: Option<&Report>,
    fix: Option<&str>,
    diagnostics: &[(
        crate::diagnostic::Diagnostic,
        Option<&crate::diagnostic::SourceFile>,
    )],
) -> serde_json::Value {
    use serde_json::json;
    let status = match report {
        None => "error",
        Some(r) if r.is_clean() => "up-to-date",
        Some(_) => "drift",
    };
    let counts = report.map_or(json!(null), |r| {
        json!({
            "changed": r.count(Status::Changed),
            "missing": r.count(Status::Missing),
            "stale": r.count(Status::Stale),
            "conflict": r.count(Status::Conflict),
            "unchanged": r.unchanged,
        })
    });
    let files = report.map_or(json!([]), |r| json!(r.drift));
    let diagnostics: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|(d, source)| {
            let (line, column) = source.map_or((0, 0), |s| s.line_col(d.primary.span.start));
            json!({
                "severity": if d.is_error() { "error" } else { "warning" },
                "code": d.code,
                "message": d.message,
                "file": source.map(|s| s.name.clone()),
                "line": line,
                "column": column,
                "help": d.help,
            })
        })
        .collect();
    json!({
        "format": 1,
        "status": status,
        "spec": spec,
        "output": output,
        "counts": counts,
        "files": files,
        "fix": fix,
        "diagnostics": diagnostics,
    })
}
