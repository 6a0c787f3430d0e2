//! `hybridc check`: prints the verdict of [`hybridc::check`] as text or JSON.

use std::path::Path;

use hybridc::diagnostic::{Diagnostic, SourceFile};

use super::Status;
use super::args::Format;
use super::print::{self, say};

/// Compares the output folder and the committed schema with what the spec compiles to.
pub fn check(spec: &Path, out: &Path, format: Format) -> Status {
    let spec_shown = spec.display().to_string();
    let out_shown = out.display().to_string().trim_end_matches('/').to_owned();
    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) if format == Format::Json => {
            let json = hybridc::check::error_json(&spec_shown, &out_shown, &error);
            say!("{}", pretty(&json));
            return Status::Failure;
        }
        Err(error) => return print::report(error),
    };
    let verdict = match hybridc::check::verdict(
        &compiled.files,
        &compiled.out_dir,
        &out_shown,
        &compiled.loaded.spec.packer.extra_files,
        &compiled.loaded.root,
        &spec_shown,
    ) {
        Ok(verdict) => verdict,
        Err(error) => return print::report(error),
    };
    match format {
        Format::Json => {
            let warnings: Vec<(Diagnostic, Option<&SourceFile>)> = compiled
                .warnings
                .iter()
                .map(|d| (d.clone(), Some(&compiled.loaded.source)))
                .collect();
            let json = hybridc::check::json(
                &spec_shown,
                &out_shown,
                Some(&verdict.report),
                verdict.fix.as_deref(),
                &warnings,
            );
            say!("{}", pretty(&json));
        }
        Format::Text => {
            print::diagnostics(&compiled.warnings, &compiled.loaded.source);
            let text = hybridc::check::text(
                &verdict,
                &out_shown,
                &compiled.loaded.source.name,
                print::stdout_colour(),
            );
            print::out(text.as_bytes());
        }
    }
    let status = if verdict.passes() {
        Status::Success
    } else {
        Status::Findings
    };
    super::keep_until_exit((compiled, verdict));
    status
}

fn pretty(json: &serde_json::Value) -> String {
    serde_json::to_string_pretty(json).expect("a JSON value always serialises")
}
