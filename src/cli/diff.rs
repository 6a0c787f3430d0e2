//! `hybridc diff`: compiles the spec at a git revision and the one in the work tree, in memory,
//! and prints what differs build by build.

use std::path::Path;

use hybridc::diagnostic::SourceFile;
use hybridc::diff::{self, Checkout, Side};

use super::Status;
use super::args::DiffFormat;
use super::print;

/// Prints how the builds of the work tree's spec differ from those at revision `base`.
pub fn diff(spec: &Path, base: &str, format: DiffFormat) -> Status {
    let out = |file: &Path| hybridc::source::repository_root(file).join("generated");
    let head_out = out(&hybridc::source::resolve(spec));
    // The work tree's spec compiles while git extracts the base and it compiles.
    let (checkout, older, head) = std::thread::scope(|scope| {
        let head = scope.spawn(|| hybridc::compile_model(spec, &head_out));
        let checkout = diff::checkout(spec, base);
        let older = checkout.as_ref().ok().and_then(|c| {
            c.base_spec
                .is_file()
                .then(|| hybridc::compile_model(&c.base_spec, &out(&c.base_spec)))
        });
        let head = head
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (checkout, older, head)
    });
    let checkout = match checkout {
        Ok(checkout) => checkout,
        Err(error) => return print::fail(error),
    };
    let head = match head {
        Ok(compiled) => compiled,
        Err(error) => return invalid(error, "in the work tree", None),
    };
    let older = match older {
        Some(Ok(compiled)) => compiled,
        Some(Err(error)) => return invalid(error, &format!("at `{base}`"), Some(&checkout)),
        None => {
            return print::fail(format!(
                "there is no spec `{}` at `{base}`",
                checkout.spec_relative
            ));
        }
    };
    let report = diff::compare(
        Side {
            loaded: &older.loaded,
            model: &older.model,
        },
        Side {
            loaded: &head.loaded,
            model: &head.model,
        },
        base,
    );
    let format = match format {
        DiffFormat::Text => diff::Format::Text,
        DiffFormat::Markdown => diff::Format::Markdown,
        DiffFormat::Json => diff::Format::Json,
    };
    print::out(diff::render(&report, format).as_bytes());
    super::keep_until_exit((report, older, head));
    Status::Success
}

/// Reports a side whose spec does not compile (`where`: `at `main``, `in the work tree`); a
/// base spec is named `REV:path`, as git names a file at a revision, not by its temporary copy.
fn invalid(error: hybridc::Error, side: &str, base: Option<&Checkout>) -> Status {
    match error {
        hybridc::Error::Invalid { file, diagnostics } => {
            eprintln!("error: the spec {side} is invalid:");
            let file = match base {
                Some(checkout) => SourceFile::new(
                    format!("{}:{}", checkout.revision, checkout.spec_relative),
                    file.text.clone(),
                ),
                None => file,
            };
            print::diagnostics(&diagnostics, &file);
            Status::Failure
        }
        other => print::fail(format!("the spec {side} cannot be compiled: {other}")),
    }
}
