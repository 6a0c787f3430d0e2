//! `hybridc diff`: compiles the spec at a git revision (read from git's object store) and the
//! one in the work tree, in memory, and prints what differs build by build.

use std::path::Path;

use hybridc::diff::{self, Side};
use hybridc::source::{Disk, Files};

use super::Status;
use super::args::DiffFormat;
use super::print;

/// Prints how the builds of the work tree's spec differ from those at revision `base`.
pub fn diff(spec: &Path, base: &str, format: DiffFormat) -> Status {
    let head_file = hybridc::source::resolve(spec);
    let head_out = hybridc::source::repository_root(&head_file).join("generated");
    // The work tree's spec compiles while git lists the base and it compiles.
    let (found, older, head) = std::thread::scope(|scope| {
        let head = scope.spawn(|| hybridc::compile_model(spec, &head_out));
        let found = diff::base(spec, base);
        let older = found.as_ref().ok().and_then(|found| {
            let text = found.tree.read(&found.spec_relative)?;
            let name = format!("{}:{}", found.revision, found.spec_relative);
            let layout = hybridc::lower::Layout {
                spec_path: found.spec_relative.clone(),
                to_root: "..".to_owned(),
            };
            Some(hybridc::source::decode(name, text).and_then(|source| {
                hybridc::compile_in(source, &found.tree, &layout, head_out.clone(), false)
            }))
        });
        let head = head
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (found, older, head)
    });
    let found = match found {
        Ok(found) => found,
        Err(error) => return print::fail(error),
    };
    let head = match head {
        Ok(compiled) => compiled,
        Err(error) => return invalid(error, "in the work tree"),
    };
    let older = match older {
        Some(Ok(compiled)) => compiled,
        Some(Err(error)) => return invalid(error, &format!("at `{base}`")),
        None => {
            return print::fail(format!(
                "there is no spec `{}` at `{base}`",
                found.spec_relative
            ));
        }
    };
    let work_tree = Disk::new(head.loaded.root.clone());
    let report = diff::compare(
        Side {
            loaded: &older.loaded,
            model: &older.model,
            files: &found.tree,
        },
        Side {
            loaded: &head.loaded,
            model: &head.model,
            files: &work_tree,
        },
        base,
    );
    let format = match format {
        DiffFormat::Text => diff::Format::Text,
        DiffFormat::Markdown => diff::Format::Markdown,
        DiffFormat::Json => diff::Format::Json,
    };
    print::out(diff::render(&report, format).as_bytes());
    super::keep_until_exit((report, older, head, found));
    Status::Success
}

/// Reports a side whose spec does not compile (`where`: `at `main``, `in the work tree`); a
/// base spec is named `REV:path`, as git names a file at a revision.
fn invalid(error: hybridc::Error, side: &str) -> Status {
    match error {
        hybridc::Error::Invalid { file, diagnostics } => {
            eprintln!("error: the spec {side} is invalid:");
            print::diagnostics(&diagnostics, &file);
            Status::Failure
        }
        other => print::fail(format!("the spec {side} cannot be compiled: {other}")),
    }
}
