//! `hybridc import`: a Packer tree turned into a spec, written with its compiled tree, and the
//! report of what compiling it changes.

use hybridc::import::run::{self, Failure, Request};

use super::Status;
use super::args::Format;
use super::print::{self, say};

/// The flags of `import`, resolved.
pub struct Flags {
    /// What to import, and where to.
    pub request: Request,
    /// Print, don't write.
    pub dry_run: bool,
    /// Overwrite files that exist.
    pub force: bool,
    /// The report's format.
    pub format: Format,
}

/// Imports, writes (unless a dry run) and prints the report: exit 0 when compiling the spec
/// changes only what hybridc changes on purpose, 1 when something else would change or a
/// source was skipped, 2 when the tree cannot be read or the spec cannot be written.
pub fn import(flags: Flags) -> Status {
    let outcome = match run::run(&flags.request) {
        Ok(outcome) => outcome,
        Err(Failure::Unreadable(findings)) => {
            let errors: Vec<_> = findings
                .iter()
                .filter(|f| f.diagnostic.is_error())
                .map(|f| f.diagnostic.clone())
                .collect();
            for finding in &findings {
                print::diagnostics(std::slice::from_ref(&finding.diagnostic), &finding.file);
            }
            return print::fail(format!(
                "cannot import: {}, nothing was written",
                hybridc::count(&errors)
            ));
        }
        Err(Failure::Spec(error)) => {
            eprintln!("the imported spec does not compile; nothing was written");
            return print::report(error);
        }
    };
    for finding in &outcome.imported.findings {
        print::diagnostics(std::slice::from_ref(&finding.diagnostic), &finding.file);
    }
    print::diagnostics(&outcome.warnings, &outcome.spec);
    let repo = &flags.request.repo;
    if flags.dry_run {
        if flags.format == Format::Text {
            print::out(outcome.imported.spec.as_bytes());
            say!("");
        }
    } else {
        let written = match hybridc::init::write_refusing(repo, &outcome.files, &[], flags.force) {
            Ok(written) => written,
            Err(error) => return print::fail(error),
        };
        let out = repo.join("generated");
        let shown = out.display().to_string();
        let summary = match hybridc::output::write(&outcome.compiled, &out, &shown, flags.force) {
            Ok(summary) => summary,
            Err(error) => return print::report(error),
        };
        if flags.format == Format::Text {
            for path in &written {
                say!("wrote {}", repo.join(path).display());
            }
            say!(
                "{shown}: {} written, {} unchanged, {} removed",
                summary.written.len(),
                summary.unchanged.len(),
                summary.removed.len()
            );
            say!("");
        }
    }
    match flags.format {
        Format::Text => print::out(outcome.report.render().as_bytes()),
        Format::Json => {
            let text = serde_json::to_string_pretty(&outcome.report.to_json())
                .expect("a JSON value serialises");
            say!("{text}");
        }
    }
    let skipped = outcome
        .imported
        .findings
        .iter()
        .any(|f| f.diagnostic.is_error());
    if outcome.report.expected() && !skipped {
        Status::Success
    } else {
        Status::Findings
    }
}
