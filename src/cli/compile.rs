//! `hybridc validate`, `hybridc compile` and `hybridc schema`: the compiler itself.

use std::path::Path;

use super::Status;
use super::print::{self, say};

/// Checks the spec as `compile` would and prints a one-line summary.
pub fn validate(spec: &Path) -> Status {
    let loaded = match hybridc::validate(spec) {
        Ok(loaded) => loaded,
        Err(error) => return print::report(error),
    };
    print::diagnostics(&loaded.warnings, &loaded.source);
    let s = &loaded.spec;
    let platforms = [
        s.platforms.proxmox.is_some(),
        s.platforms.vsphere.is_some(),
        s.platforms.azure.is_some(),
    ]
    .iter()
    .filter(|p| **p)
    .count();
    let mut line = format!(
        "{} is valid: {} OS{}, {} platform{}, {} environment{}",
        loaded.source.name,
        s.oses.len(),
        if s.oses.len() == 1 { "" } else { "es" },
        platforms,
        if platforms == 1 { "" } else { "s" },
        s.environments.len(),
        if s.environments.len() == 1 { "" } else { "s" },
    );
    if !loaded.warnings.is_empty() {
        line.push_str(&format!(
            " ({})",
            hybridc::count(&loaded.warnings).replacen("0 errors, ", "", 1)
        ));
    }
    say!("{line}");
    super::keep_until_exit(loaded);
    Status::Success
}

/// Compiles the spec and writes the output folder, printing each change.
pub fn compile(spec: &Path, out: &Path, force: bool) -> Status {
    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) => return print::report(error),
    };
    print::diagnostics(&compiled.warnings, &compiled.loaded.source);
    let out_shown = out.display().to_string();
    let summary =
        match hybridc::output::write(&compiled.files, &compiled.out_dir, &out_shown, force) {
            Ok(summary) => summary,
            Err(error) => return print::report(error),
        };
    for path in &summary.written {
        say!("wrote {}", out.join(path).display());
    }
    for path in &summary.removed {
        say!("removed {}", out.join(path).display());
    }
    for path in &summary.folders_removed {
        say!("removed {}/", out.join(path).display());
    }
    for path in &summary.leftovers {
        say!(
            "removed {}, left by an interrupted compile",
            out.join(path).display()
        );
    }
    say!(
        "{}: {} written, {} unchanged, {} removed",
        out.display(),
        summary.written.len(),
        summary.unchanged.len(),
        summary.removed.len()
    );
    super::keep_until_exit((compiled, summary));
    Status::Success
}

/// Prints the spec's JSON Schema, or writes it to `out`.
pub fn schema(out: Option<&Path>) -> Status {
    let text = hybridc::schema::schema_text();
    match out {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => Status::Success,
            Err(e) => print::fail(format!("cannot write `{}`: {e}", path.display())),
        },
        None => {
            print::out(text.as_bytes());
            Status::Success
        }
    }
}
