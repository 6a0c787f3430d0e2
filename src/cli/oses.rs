//! `hybridc list oses` and `hybridc add os`: the OS catalogue, and an OS added to a spec from
//! it. `add` checks the edited spec as `validate` does before it writes it, and writes nothing
//! when the result is invalid.

use std::path::Path;

use hybridc::diagnostic::SourceFile;
use hybridc::entry::IsoSource;
use hybridc::spec::PlatformName;

use super::Status;
use super::args::ListFormat;
use super::print::{self, say};

/// Prints the OS catalogue.
pub fn list(format: ListFormat) -> Status {
    let text = match format {
        ListFormat::Text => hybridc::list::table(hybridc::release::all()),
        ListFormat::Json => hybridc::list::json(hybridc::release::all()),
    };
    print::out(text.as_bytes());
    Status::Success
}

/// What `add os` was asked for besides the OS's name.
pub struct AddFlags {
    /// The OS of the spec to copy.
    pub from: Option<String>,
    /// The ISO's `(url, checksum)`.
    pub iso: Option<(String, String)>,
    /// The platforms, when not the default.
    pub platforms: Vec<PlatformName>,
}

/// Adds the OS `name` to the spec at `spec`, as `flags` say.
pub fn add(spec: &Path, name: &str, flags: AddFlags) -> Status {
    let loaded = match hybridc::load(spec) {
        Ok(loaded) => loaded,
        Err(error) => return print::report(error),
    };
    let request = hybridc::add::Request {
        name,
        from: flags.from.as_deref(),
        iso: flags
            .iso
            .map(|(url, checksum)| IsoSource::Download { url, checksum }),
        platforms: (!flags.platforms.is_empty()).then_some(flags.platforms),
    };
    let addition = match hybridc::add::plan(&loaded, &request) {
        Ok(addition) => addition,
        Err(error) => return print::fail(error),
    };
    let edited = SourceFile::new(loaded.source.name.clone(), addition.text.as_str());
    let checked = match hybridc::validate_source(edited, loaded.root.clone()) {
        Ok(checked) => checked,
        Err(error) => {
            let status = print::report(error);
            eprintln!("{} was not changed", loaded.source.name);
            return status;
        }
    };
    print::diagnostics(&checked.warnings, &checked.source);
    let file = hybridc::source::resolve(spec);
    if let Err(error) = replace(&file, &addition.text) {
        return print::fail(format_args!(
            "cannot write `{}`: {error}",
            loaded.source.name
        ));
    }
    say!(
        "added OS `{name}` to {} at line {}:",
        loaded.source.name,
        addition.line
    );
    for line in &addition.lines {
        say!("{line}");
    }
    say!(
        "next: run `hybridc compile {}` and commit the spec with generated/",
        spec.display()
    );
    Status::Success
}

/// Checks a planned scaffold as `validate` would, in a temporary folder, so that `init` writes
/// nothing into `dir` when the chosen OSes do not compile with the example's platforms
/// (Windows 11's vTPM and an OVF export, for one).
///
/// # Errors
/// The status to end with, after the diagnostics are printed.
pub fn check_scaffold(dir: &Path, files: &[(String, String)]) -> Result<(), Status> {
    let scratch = std::env::temp_dir().join(format!(".hybridc-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let result = hybridc::init::write(&scratch, files, true).map(|_| {
        let spec = files
            .iter()
            .find(|(path, _)| path == "spec/hybrid.yaml")
            .map_or("", |(_, text)| text.as_str());
        let name = dir.join("spec/hybrid.yaml").display().to_string();
        hybridc::validate_source(SourceFile::new(name, spec), scratch.clone())
    });
    let _ = std::fs::remove_dir_all(&scratch);
    match result {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => {
            let status = print::report(error);
            eprintln!(
                "nothing was written: choose other OSes, or add this one with `hybridc add os` and adapt the platforms"
            );
            Err(status)
        }
        Err(error) => Err(print::fail(error)),
    }
}

/// Replaces `file`'s contents atomically: a temporary file beside it, then a rename, so that an
/// interrupted write leaves the old spec.
fn replace(file: &Path, text: &str) -> std::io::Result<()> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = file.with_file_name(format!(".{name}.hybridc-{}", std::process::id()));
    std::fs::write(&temp, text)?;
    if let Ok(metadata) = std::fs::metadata(file) {
        let _ = std::fs::set_permissions(&temp, metadata.permissions());
    }
    std::fs::rename(&temp, file).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}
