//! hybridc compiles one YAML spec of golden VM images (OSes x platforms x provisioning x
//! environments) into Packer HCL2 for Proxmox VE, VMware vSphere and Azure.
//!
//! The stages run one way: [`source`] reads the spec file, [`yaml`] parses it with positions,
//! [`schema`] checks its shape, [`spec`] types it and [`semantic`] checks what the schema cannot
//! say; [`lower`] turns it into the Packer [`model`], [`conformance`] checks that model against
//! the plugin [`catalogue`], [`emit`] prints it as files in memory (with [`hcl`]) and [`output`]
//! writes them. Each stage reports every problem it finds as [`diagnostic::Diagnostic`] values,
//! and the pipeline stops between stages: [`Error`] is how a run ends early, [`Loaded`] a spec
//! that passed every check. Above the pipeline, the workflow commands ([`init`], [`explain`],
//! [`matrix`], [`runner`], [`manifests`]) start from its results; no stage imports them. Nothing
//! in the library prints or exits: the binary does.

#![warn(missing_docs)]

pub mod catalogue;
pub mod check;
pub mod conformance;
pub mod diagnostic;
pub mod editor;
pub mod emit;
mod error;
pub mod excerpt;
pub mod family;
pub mod hcl;
pub mod import;
pub mod installer;
pub mod interpolation;
mod loaded;
pub mod lower;
pub mod lsp;
pub mod model;
pub mod output;
mod parallel;
pub mod partitioning;
pub mod platform;
pub mod pointer;
pub mod recheck;
pub mod release;
pub mod schema;
pub mod semantic;
pub mod source;
pub mod span;
pub mod spec;
pub mod version;
pub mod windows_locale;
mod workflow;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use diagnostic::{Code, Diagnostic, SourceFile};
use parallel::both;

pub use error::{Error, count};
pub use loaded::Loaded;
pub use parallel::start as start_worker;
pub use workflow::{add, diff, entry, explain, init, list, manifests, matrix, runner};

/// Reads and checks the spec at `path` (a file, or a folder holding `hybrid.yaml`).
///
/// # Errors
/// [`Error::Read`] when the file cannot be read, [`Error::Invalid`] with every problem of the
/// first stage that found any.
pub fn load(path: &Path) -> Result<Loaded, Error> {
    let _run = parallel::awake();
    let file = source::resolve(path);
    let root = source::repository_root(&file);
    let source = source::read(&file)?;
    check(source, root)
}

/// Checks spec text that was already read; `root` is the repository root for file references.
///
/// # Errors
/// [`Error::Invalid`] with every problem of the first stage that found any.
pub fn check(source: SourceFile, root: PathBuf) -> Result<Loaded, Error> {
    check_in(source, &source::Disk::new(root))
}

/// [`check`] of a spec whose repository files are read through `files` (`diff` reads a git
/// revision's tree this way); its root is `files`' root.
///
/// # Errors
/// [`Error::Invalid`] with every problem of the first stage that found any.
pub fn check_in(source: SourceFile, files: &dyn source::Files) -> Result<Loaded, Error> {
    let _run = parallel::awake();
    // Each path once per check.
    let looked_up = source::LookedUp::new(files);
    let files: &dyn source::Files = &looked_up;
    let root = files.root().to_path_buf();
    let invalid = |source: &SourceFile, diagnostics| Error::Invalid {
        file: source.clone(),
        diagnostics,
    };
    // The schema's validator and the plugin catalogue are read once per process and do not
    // depend on the spec: on a second core they are ready by the time the YAML is parsed.
    let prepare = || {
        schema::prepare();
        for component in catalogue::Component::ALL {
            component.schema();
        }
    };
    let ((), tree) = both(prepare, || yaml::parse(&source.text));
    let tree = tree.map_err(|d| invalid(&source, d))?;
    source::check_top_level(&tree, &source).map_err(|d| invalid(&source, d))?;
    // The schema checks the tree's JSON while the typed spec is decoded from the tree itself (as
    // it would be from that JSON): side by side, and a problem the schema finds is reported
    // before anything the decoding says. The JSON is built on this thread, so that the memory
    // it frees is reused by the stages after it.
    let (typed, shape) = both(
        || <spec::Spec as serde::Deserialize>::deserialize(&tree),
        || schema::check(&tree, &tree.to_json()),
    );
    shape.map_err(|d| invalid(&source, d))?;
    let spec: spec::Spec = match typed {
        Ok(spec) => spec,
        Err(error) => {
            // The schema is generated from these types, so this is a gap between the two.
            let d = Diagnostic::error(
                Code::Invalid,
                format!("the spec does not fit its model: {error}"),
                tree.span,
                "here",
            );
            return Err(invalid(&source, vec![d]));
        }
    };
    let findings = semantic::check(&semantic::Context {
        spec: &spec,
        tree: &tree,
        root: &root,
        files,
    });
    if findings.iter().any(Diagnostic::is_error) {
        return Err(invalid(&source, findings));
    }
    let repository = semantic::repository(&spec, files);
    Ok(Loaded {
        spec,
        source,
        tree,
        root,
        repository,
        warnings: findings,
    })
}

/// The files a spec compiles to, with findings that do not stop it.
#[derive(Debug)]
pub struct Compiled {
    /// The checked spec.
    pub loaded: Loaded,
    /// The output folder, absolute.
    pub out_dir: PathBuf,
    /// The Packer model the files were printed from.
    pub model: model::Model,
    /// The files, in memory.
    pub files: Vec<emit::File>,
    /// Warnings of every stage.
    pub warnings: Vec<Diagnostic>,
}

/// Lowers a loaded spec and checks the model against the plugin catalogue: every problem
/// that only the compiled model shows. With `print`, the files are printed meanwhile on both
/// cores (the second joins once the check is done), and returned in output order only when
/// the model passes.
fn lower_and_check(
    loaded: &Loaded,
    layout: &lower::Layout,
    print: bool,
) -> Result<(model::Model, Vec<Diagnostic>, Vec<emit::File>), Vec<Diagnostic>> {
    let (model, warnings) = lower::lower(loaded, layout)?;
    if !print {
        // Nothing to print: the check has both cores to itself.
        conformance::check_on_both_cores(&model, loaded)?;
        return Ok((model, warnings, Vec::new()));
    }
    let pieces = emit::pieces(&model);
    // The largest files are printed first: the second core joins late, and a large file taken
    // last would leave one core printing alone.
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(emit::weight(&model, pieces[index])));
    let next = AtomicUsize::new(0);
    // Each side takes the next file to print until none is left, keeping its index.
    let take = || {
        let mut printed = Vec::new();
        loop {
            let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                return printed;
            };
            printed.push((index, emit::print(&model, pieces[index])));
        }
    };
    let ((conforms, mut theirs), mut ours) =
        both(|| (conformance::check(&model, loaded), take()), take);
    conforms?;
    ours.append(&mut theirs);
    ours.sort_by_key(|(index, _)| *index);
    let files = ours.into_iter().map(|(_, file)| file).collect();
    Ok((model, warnings, files))
}

/// Validates a spec as `compile` would, writing nothing: reads and checks it ([`load`]), then
/// lowers it and checks the model against the plugin catalogue, so that a spec `validate`
/// accepts also compiles. The returned spec's warnings include those of lowering.
///
/// # Errors
/// [`Error::Read`] when the spec cannot be read, [`Error::Invalid`] with every problem of the
/// first stage that has one.
pub fn validate(spec_path: &Path) -> Result<Loaded, Error> {
    let _run = parallel::awake();
    validate_loaded(load(spec_path)?)
}

/// [`validate`] for spec text that was not read from disk (an edit about to be written), with
/// `root` the repository root for file references.
///
/// # Errors
/// [`Error::Invalid`] with every problem of the first stage that has one.
pub fn validate_source(source: SourceFile, root: PathBuf) -> Result<Loaded, Error> {
    let _run = parallel::awake();
    validate_loaded(check(source, root)?)
}

/// [`validate_source`] of a document checked before with `recheck`, as an editor checks it
/// after each change: the OSes the edit left alone, and that nothing was found about, are not
/// lowered again ([`recheck`]), and a repository file that has not changed is not read again
/// ([`source::Reads`]). The findings are [`validate_source`]'s.
///
/// # Errors
/// As [`validate_source`].
pub fn validate_again(
    source: SourceFile,
    root: PathBuf,
    recheck: &mut recheck::Recheck,
) -> Result<Loaded, Error> {
    let _run = parallel::awake();
    recheck.begin();
    let loaded = check_in(source, &source::Remembered::new(root, recheck.reads()))?;
    let layout = validation_layout(&loaded);
    let lowered = recheck.lower_and_check(&loaded, &layout);
    validated(loaded, lowered)
}

/// The layout [`validate`] lowers a spec for: as `compile` writes `generated/`.
fn validation_layout(loaded: &Loaded) -> lower::Layout {
    lower::Layout {
        spec_path: loaded.source.name.clone(),
        to_root: "..".to_owned(),
    }
}

/// The checks of [`validate`] after the spec was read and checked.
fn validate_loaded(loaded: Loaded) -> Result<Loaded, Error> {
    let layout = validation_layout(&loaded);
    let lowered =
        lower_and_check(&loaded, &layout, false).map(|(model, warnings, _)| (model, warnings));
    validated(loaded, lowered)
}

/// The end of a validation: `loaded` with the warnings of its model, or the problems found.
fn validated(mut loaded: Loaded, lowered: lower::Lowered) -> Result<Loaded, Error> {
    match lowered {
        Ok((model, warnings)) => {
            // Nothing reads the model any more, and freeing a large one takes a while: another
            // thread does it, while the caller goes on (or the process ends).
            parallel::drop_aside(model);
            loaded.warnings.extend(warnings);
            diagnostic::sort(&mut loaded.warnings);
            Ok(loaded)
        }
        Err(diagnostics) => Err(Error::Invalid {
            file: loaded.source.clone(),
            diagnostics,
        }),
    }
}

/// Reads, checks and compiles the spec at `spec_path` for the output folder `out`, in memory.
///
/// # Errors
/// [`Error::Read`] or [`Error::Invalid`] for the spec, [`Error::Output`] when `out` is not an
/// acceptable output folder.
pub fn compile(spec_path: &Path, out: &Path) -> Result<Compiled, Error> {
    compile_printing(spec_path, out, true)
}

/// [`compile`] without printing the files (`files` is empty): for callers that read the model
/// only, such as `diff`.
///
/// # Errors
/// As [`compile`].
pub fn compile_model(spec_path: &Path, out: &Path) -> Result<Compiled, Error> {
    compile_printing(spec_path, out, false)
}

fn compile_printing(spec_path: &Path, out: &Path, print: bool) -> Result<Compiled, Error> {
    // One run from the first stage to the last: the worker stays awake between them.
    let _run = parallel::awake();
    let file = source::resolve(spec_path);
    let loaded = load(spec_path)?;
    let (out_dir, to_root) = output::resolve(out, &loaded.root, &file)?;
    let root_abs = loaded
        .root
        .canonicalize()
        .unwrap_or_else(|_| loaded.root.clone());
    let spec_abs = file.canonicalize().unwrap_or_else(|_| file.clone());
    let spec_rel = spec_abs
        .strip_prefix(&root_abs)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| loaded.source.name.clone());
    let layout = lower::Layout {
        spec_path: spec_rel,
        to_root,
    };
    finish(loaded, &layout, out_dir, print)
}

/// [`compile`] of spec text already read, whose repository files are read through `files`,
/// laid out as `layout` says for the output folder `out_dir`: `diff` compiles a git revision
/// this way, from git's object store, for the model only (`print` false); `import` the spec it
/// is about to write, over the repository it goes to, with the files printed.
///
/// # Errors
/// [`Error::Invalid`] for the spec.
pub fn compile_in(
    source: SourceFile,
    files: &dyn source::Files,
    layout: &lower::Layout,
    out_dir: PathBuf,
    print: bool,
) -> Result<Compiled, Error> {
    let _run = parallel::awake();
    finish(check_in(source, files)?, layout, out_dir, print)
}

/// Lowers, checks and (with `print`) prints a loaded spec.
fn finish(
    loaded: Loaded,
    layout: &lower::Layout,
    out_dir: PathBuf,
    print: bool,
) -> Result<Compiled, Error> {
    // The files are printed while the model is checked, and dropped if it fails.
    let (model, lower_warnings, files) = match lower_and_check(&loaded, layout, print) {
        Ok(lowered) => lowered,
        Err(diagnostics) => {
            return Err(Error::Invalid {
                file: loaded.source.clone(),
                diagnostics,
            });
        }
    };
    let mut warnings = loaded.warnings.clone();
    warnings.extend(lower_warnings);
    Ok(Compiled {
        loaded,
        out_dir,
        model,
        files,
        warnings,
    })
}
