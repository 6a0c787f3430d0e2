//! The drift check: the compiled files compared with what is on disk, without writing.
//!
//! Each produced file is unchanged, changed (with a unified diff, three lines of context),
//! missing, or in conflict: something `compile` does not write to on its own stands at its path
//! or on the way to it (a file without hybridc's header, a symbolic link, a file where a folder
//! belongs), and no link is read through, so a link is never up to date. A regular file on disk
//! that carries hybridc's header but is no longer produced is stale; a link that leads to such a
//! file is a conflict, since `compile` never removes links; other files are not looked at. What counts as a conflict is the output stage's [`output::survey`], the
//! same one `compile` refuses by. The committed JSON Schema is compared with this
//! binary's too, since editors complete from it.
//!
//! The policy of `hybridc check` lives here too: what it compares ([`verdict`]), the one
//! command line that fixes the drift, the exit code rule ([`Verdict::passes`]) and the text
//! and JSON reports, built as strings. This module reads files and writes none; printing the
//! report is the caller's job.

use std::path::Path;

use serde::Serialize;
use similar::TextDiff;

use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::emit::File;
use crate::error::Error;
use crate::output::{self, shown};

/// Where a repository keeps its committed JSON Schema, relative to its root.
pub const SCHEMA_FILE: &str = "schema/hybrid.schema.json";

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
    /// A file hybridc did not write that Packer loads with the output folder, and the spec does
    /// not list under `packer.extra_files`.
    Foreign,
}

impl Status {
    /// The status as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Changed => "changed",
            Status::Missing => "missing",
            Status::Stale => "stale",
            Status::Conflict => "conflict",
            Status::Foreign => "foreign",
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

/// Compares `files` with the folder `dir` (shown to the user as `shown_dir`); of the files
/// hybridc did not write that Packer loads with the folder, those named in `extra` are
/// expected.
///
/// # Errors
/// [`crate::Error::Output`] when something in the folder cannot be read.
pub fn compare(
    files: &[File],
    dir: &Path,
    shown_dir: &str,
    extra: &[String],
) -> Result<Report, Error> {
    let survey = output::survey(files, dir, shown_dir)?;
    let mut report = Report::default();
    for (file, (_, found)) in files.iter().zip(&survey.files) {
        let path = shown(shown_dir, &file.path);
        let (status, diff, reason) = match found {
            output::Found::Unchanged => {
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
    for foreign in survey.foreign.iter().filter(|f| !extra.contains(f)) {
        report.drift.push(Drift {
            path: shown(shown_dir, foreign),
            status: Status::Foreign,
            diff: String::new(),
            reason: Some(
                "hybridc did not write it, and `packer build` loads it with the generated files"
                    .to_owned(),
            ),
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

/// Compares a committed schema file with this binary's schema; `None` when it is up to date.
/// A schema file that is not there (or cannot be read) is missing: editors and reviewers rely
/// on it.
pub fn schema(file: &Path, shown_path: &str) -> Option<Drift> {
    let current = crate::schema::schema_text();
    let Ok(on_disk) = std::fs::read_to_string(file) else {
        return Some(Drift {
            diff: unified("", &current, shown_path),
            path: shown_path.to_owned(),
            status: Status::Missing,
            reason: None,
        });
    };
    (on_disk != current).then(|| Drift {
        diff: unified(&on_disk, &current, shown_path),
        path: shown_path.to_owned(),
        status: Status::Changed,
        reason: None,
    })
}

/// What `hybridc check` found: the drift of the output folder and of the committed schema, and
/// what to run about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Every file that differs, the committed schema included, in path order (the schema last).
    pub report: Report,
    /// The command line that fixes the drift, `None` when there is none.
    pub fix: Option<String>,
}

impl Verdict {
    /// The exit code rule: only an up-to-date output folder and schema pass (exit 0); drift of
    /// any kind, conflicts included, is a finding (exit 1). A check that could not compare at
    /// all (an invalid spec, an unreadable folder) has no verdict and exits 2.
    pub fn passes(&self) -> bool {
        self.report.is_clean()
    }
}

/// The output folder `compile` writes when not told otherwise.
pub const DEFAULT_OUT: &str = "generated";

/// Compares the compiled `files` with the output folder `out_dir` (shown as `out_shown`;
/// `extra` are the files there that the spec expects Packer to load beside them) and the
/// committed schema under `root` with this binary's, and words the fix for `spec_shown`.
///
/// # Errors
/// [`crate::Error::Output`] when something in the output folder cannot be read.
pub fn verdict(
    files: &[File],
    out_dir: &Path,
    out_shown: &str,
    extra: &[String],
    root: &Path,
    spec_shown: &str,
) -> Result<Verdict, Error> {
    let mut report = compare(files, out_dir, out_shown, extra)?;
    let root_shown = root.display().to_string();
    let schema_shown = if root_shown == "." {
        SCHEMA_FILE.to_owned()
    } else {
        format!("{root_shown}/{SCHEMA_FILE}")
    };
    if let Some(drift) = schema(&root.join(SCHEMA_FILE), &schema_shown) {
        report.drift.push(drift);
    }
    let foreign: Vec<&str> = report
        .drift
        .iter()
        .filter(|d| d.status == Status::Foreign)
        .map(|d| d.path.as_str())
        .collect();
    let generated_drift = report
        .drift
        .iter()
        .any(|d| d.path != schema_shown && d.status != Status::Foreign);
    let schema_drift = report.drift.iter().any(|d| d.path == schema_shown);
    let conflicts = report.count(Status::Conflict) > 0;
    // The fix repeats the output folder the check was given.
    let compile = if out_shown == DEFAULT_OUT {
        format!("hybridc compile {spec_shown}")
    } else {
        format!("hybridc compile {spec_shown} --out {out_shown}")
    };
    let fix = match (generated_drift, schema_drift) {
        (false, false) => None,
        (true, false) => Some(format!("run {compile} and commit the result")),
        (false, true) => Some(format!(
            "run hybridc schema --out {schema_shown} and commit the result"
        )),
        (true, true) => Some(format!(
            "run {compile} and hybridc schema --out {schema_shown}, and commit the result"
        )),
    };
    let fix = match (foreign.as_slice(), fix) {
        ([], fix) => fix,
        (paths, fix) => {
            let remove = format!(
                "remove {} or list {} under `packer.extra_files`",
                crate::diagnostic::prose_list(paths),
                if paths.len() == 1 { "it" } else { "them" }
            );
            Some(match fix {
                None => remove,
                Some(fix) => format!("{remove}, then {fix}"),
            })
        }
    }
    .map(|fix| {
        if conflicts {
            format!("resolve each conflict, then {fix}")
        } else {
            fix
        }
    });
    Ok(Verdict { report, fix })
}

/// The text report: each differing file with its status, reason and diff (coloured when
/// `colour`), then one summary line about `out_shown` and `spec_name`, then the fix.
pub fn text(verdict: &Verdict, out_shown: &str, spec_name: &str, colour: bool) -> String {
    let result = &verdict.report;
    let mut text = String::new();
    for drift in &result.drift {
        text.push_str(&format!("{}: {}\n", drift.status.as_str(), drift.path));
        if let Some(reason) = &drift.reason {
            text.push_str(&format!("  {reason}\n"));
        }
        // A conflict's diff is there when its file was read (one without the header).
        if matches!(drift.status, Status::Changed | Status::Conflict) {
            text.push_str(&if colour {
                paint(&drift.diff)
            } else {
                drift.diff.clone()
            });
        }
    }
    if result.is_clean() {
        text.push_str(&format!(
            "{out_shown}/ is up to date with {spec_name} ({} files)\n",
            result.unchanged
        ));
    } else {
        let conflicts = match result.count(Status::Conflict) {
            0 => String::new(),
            n => format!("{n} in conflict, "),
        };
        let conflicts = match result.count(Status::Foreign) {
            0 => conflicts,
            n => format!("{conflicts}{n} foreign, "),
        };
        text.push_str(&format!(
            "{out_shown}/ is out of date: {} changed, {} missing, {} stale, {conflicts}{} unchanged\n",
            result.count(Status::Changed),
            result.count(Status::Missing),
            result.count(Status::Stale),
            result.unchanged
        ));
    }
    if let Some(fix) = &verdict.fix {
        text.push_str(fix);
        text.push('\n');
    }
    text
}

/// A unified diff with ANSI colours: headers bold, additions green, removals red, hunks cyan.
fn paint(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + 64);
    for line in diff.split_inclusive('\n') {
        let colour = if line.starts_with("+++") || line.starts_with("---") {
            "\x1b[1m"
        } else if line.starts_with('+') {
            "\x1b[32m"
        } else if line.starts_with('-') {
            "\x1b[31m"
        } else if line.starts_with("@@") {
            "\x1b[36m"
        } else {
            ""
        };
        if colour.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(colour);
            out.push_str(line.trim_end_matches('\n'));
            out.push_str("\x1b[0m");
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

/// The `--format json` report of a check that could not compare: the spec's problems, or the
/// one error that stopped it.
pub fn error_json(spec: &str, output: &str, error: &Error) -> serde_json::Value {
    let diagnostics: Vec<(Diagnostic, Option<&SourceFile>)> = match error {
        Error::Invalid { file, diagnostics } => diagnostics
            .iter()
            .map(|d| (d.clone(), Some(file)))
            .collect(),
        other => vec![(
            Diagnostic::error(Code::Io, other.to_string(), Default::default(), ""),
            None,
        )],
    };
    json(spec, output, None, None, &diagnostics)
}

/// The `--format json` report: a stable shape for bots and merge-request comments.
///
/// `{"format": 1, "status": "up-to-date" | "drift" | "error", "spec": ..., "output": ...,
/// "counts": {"changed", "missing", "stale", "conflict", "foreign", "unchanged"}, "files":
/// [{"path",
/// "status", "diff", "reason"}],
/// "fix": string or null, "diagnostics": [{"severity", "code", "message", "file", "line",
/// "column", "help"}]}`.
pub fn json(
    spec: &str,
    output: &str,
    report: Option<&Report>,
    fix: Option<&str>,
    diagnostics: &[(Diagnostic, Option<&SourceFile>)],
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
            "foreign": r.count(Status::Foreign),
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
