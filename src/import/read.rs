//! The reader: one Packer HCL2 folder read and evaluated as `packer build DIR` would, into a
//! [`Folder`].
//!
//! [`read`] lists the folder's `*.pkr.hcl` and `*.auto.pkrvars.hcl` files (not sub-folders;
//! symlinked files are followed, a symlink loop is a finding), guards their size and encoding,
//! and hands them to [`evaluate`], which works on text in memory: it parses every file with
//! hcl-edit (spans kept), declares the `variable` blocks (and the older `variables` blocks, one
//! variable per `name = default`), applies the `*.auto.pkrvars.hcl` files in name order and
//! then the given var files (the later wins; an assignment to an undeclared variable is kept in
//! [`Folder::assignments`] but sets nothing, as Packer only warns), resolves `locals` in any
//! order, and evaluates every `source` and `build`.
//!
//! What it keeps of a build: its name, its sources as `TYPE.NAME`, its provisioners and its
//! post-processors (a `post-processors` chain flattened in order), `only`/`except` pulled out
//! of each step. A build-level `source "source.TYPE.NAME" { ... }` block that names the source
//! or overrides arguments becomes an extra [`Source`], after those of the files: a copy of the
//! base source with the overrides set, named by its `name` (else the base's name); the build
//! lists it by that name. What it skips: the `packer` block, `data` blocks (their results are
//! unknown: `data.git-repository.cwd.head` reads as that expression), `hcp_packer_registry` and
//! `error-cleanup-provisioner` blocks, variable types and validations.
//!
//! It must not decide what a value means for the spec: that is the mapper's.

mod blocks;
mod build;
mod eval;
mod functions;
mod template;
mod value;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use self::blocks::Reader;
use self::eval::Evaluator;
use super::tree::{FileId, Finding, Folder};
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::span::Span;
use hcl::edit::structure::Body as HclBody;

/// The largest file the reader reads: the frameworks' files are a few kilobytes.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A configuration file of the folder.
const CONFIG_SUFFIX: &str = ".pkr.hcl";
/// A var file Packer applies without being asked.
const AUTO_VARS_SUFFIX: &str = ".auto.pkrvars.hcl";

/// Reads `dir` as `packer build` would and evaluates it with `var_files` after its own
/// `*.auto.pkrvars.hcl`.
///
/// # Errors
///
/// Every finding that stops the folder from being read: a folder or file that cannot be read
/// (a symlink loop, a file too large or not UTF-8), an HCL syntax error, an expression that
/// cannot be evaluated.
pub fn read(dir: &Path, var_files: &[PathBuf]) -> Result<Folder, Vec<Finding>> {
    read_in(&std::env::current_dir().unwrap_or_default(), dir, var_files)
}

/// [`read`] as if run from `cwd`: relative `dir` and `var_files` are found under it and
/// `path.cwd` is it, while files keep the names they were given by.
///
/// # Errors
///
/// As [`read`].
pub fn read_in(cwd: &Path, dir: &Path, var_files: &[PathBuf]) -> Result<Folder, Vec<Finding>> {
    let mut findings = Vec::new();
    let mut files = Vec::new();
    for name in list(&cwd.join(dir), dir, &mut findings) {
        files.extend(load(
            &cwd.join(dir).join(&name),
            &dir.join(&name),
            &mut findings,
        ));
    }
    let mut extra = Vec::new();
    for path in var_files {
        if cwd.join(path).is_dir() {
            findings.push(io_finding(
                path,
                format!("`{}` is a folder, not a var file", path.display()),
            ));
        }
        extra.extend(load(&cwd.join(path), path, &mut findings));
    }
    if !findings.is_empty() {
        return Err(findings);
    }
    evaluate_in(cwd, dir, files, extra)
}

/// The names of the folder's `*.pkr.hcl` and `*.auto.pkrvars.hcl` entries, sorted.
fn list(dir: &Path, shown: &Path, findings: &mut Vec<Finding>) -> Vec<String> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            findings.push(failure(dir, shown, &e));
            return Vec::new();
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(CONFIG_SUFFIX) || name.ends_with(AUTO_VARS_SUFFIX) {
                    names.push(name);
                }
            }
            Err(e) => findings.push(failure(dir, shown, &e)),
        }
    }
    names.sort();
    names
}

/// One file's text, named `shown`; nothing for a folder that happens to have a file's name.
fn load(path: &Path, shown: &Path, findings: &mut Vec<Finding>) -> Option<SourceFile> {
    let name = shown.display().to_string();
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) => {
            findings.push(failure(path, shown, &e));
            return None;
        }
    };
    if metadata.is_dir() {
        return None;
    }
    if metadata.len() > MAX_FILE_BYTES {
        let message = format!(
            "`{name}` is {} bytes, more than the {MAX_FILE_BYTES} bytes a Packer file may have here",
            metadata.len()
        );
        findings.push(io_finding(shown, message));
        return None;
    }
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            findings.push(failure(path, shown, &e));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(SourceFile::new(name, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let file = SourceFile::new(name.clone(), text);
            let diagnostic = Diagnostic::error(
                Code::ImportSyntax,
                format!("`{name}` is not UTF-8 text"),
                Span::new(at, at + 1),
                "this byte is not UTF-8",
            );
            findings.push(Finding { file, diagnostic });
            None
        }
    }
}

/// A failed read of `path`, named `shown`: a symlink loop by its own code, anything else as
/// an I/O finding.
fn failure(path: &Path, shown: &Path, error: &std::io::Error) -> Finding {
    if error.raw_os_error() == Some(libc::ELOOP) || loops(path) {
        let file = SourceFile::new(shown.display().to_string(), "");
        let diagnostic = Diagnostic::error(
            Code::ImportSymlinkLoop,
            format!(
                "`{}` is a symbolic link that leads back to itself",
                shown.display()
            ),
            Span::default(),
            "symlink loop",
        )
        .with_help("point the link at a file or folder, or remove it");
        return Finding { file, diagnostic };
    }
    io_finding(shown, format!("cannot read `{}`: {error}", shown.display()))
}

fn io_finding(path: &Path, message: String) -> Finding {
    let file = SourceFile::new(path.display().to_string(), "");
    let diagnostic = Diagnostic::error(Code::Io, message, Span::default(), "here");
    Finding { file, diagnostic }
}

/// Whether following `path` (and the folders above it) through symbolic links comes back to a
/// link already followed, or takes more links than any system resolves.
fn loops(path: &Path) -> bool {
    let mut seen = HashSet::new();
    let mut pending: Vec<PathBuf> = Vec::new();
    let mut current = PathBuf::new();
    let mut components: Vec<PathBuf> = path.components().map(|c| c.as_os_str().into()).collect();
    components.reverse();
    let mut hops = 0;
    while let Some(next) = components.pop().or_else(|| pending.pop()) {
        current.push(&next);
        let Ok(meta) = fs::symlink_metadata(&current) else {
            return false;
        };
        if !meta.file_type().is_symlink() {
            continue;
        }
        hops += 1;
        if !seen.insert(current.clone()) || hops > 40 {
            return true;
        }
        let Ok(target) = fs::read_link(&current) else {
            return false;
        };
        current.pop();
        let mut rest: Vec<PathBuf> = target.components().map(|c| c.as_os_str().into()).collect();
        rest.reverse();
        components.extend(rest);
    }
    false
}

/// The same on files already in memory: `files` are the folder's `*.pkr.hcl` and
/// `*.auto.pkrvars.hcl` (by name), `var_files` the extra var files; `dir` is `path.root`.
///
/// # Errors
///
/// Every HCL syntax error; else every expression that cannot be evaluated, every duplicate
/// declaration and every malformed block.
pub fn evaluate(
    dir: &Path,
    files: Vec<SourceFile>,
    var_files: Vec<SourceFile>,
) -> Result<Folder, Vec<Finding>> {
    let cwd = std::env::current_dir().unwrap_or_default();
    evaluate_in(&cwd, dir, files, var_files)
}

/// [`evaluate`] as if run from `cwd`: `path.cwd` is `cwd`, and relative paths (`abspath`,
/// `file`, `templatefile`) resolve under it.
///
/// # Errors
///
/// As [`evaluate`].
pub fn evaluate_in(
    cwd: &Path,
    dir: &Path,
    files: Vec<SourceFile>,
    var_files: Vec<SourceFile>,
) -> Result<Folder, Vec<Finding>> {
    let (mut autos, configs): (Vec<SourceFile>, Vec<SourceFile>) = files
        .into_iter()
        .partition(|f| f.name.ends_with(AUTO_VARS_SUFFIX));
    autos.sort_by(|a, b| file_name(&a.name).cmp(file_name(&b.name)));
    let config_count = configs.len();
    let mut all = configs;
    all.extend(autos);
    all.extend(var_files);

    let mut findings = Vec::new();
    let mut bodies = Vec::with_capacity(all.len());
    let mut renamed = HashMap::new();
    for (i, file) in all.iter().enumerate() {
        match parse(file, FileId(i), &mut renamed) {
            Ok(body) => bodies.push(body),
            Err(error) => findings.push(syntax(file, &error)),
        }
    }
    if !findings.is_empty() {
        return Err(findings);
    }
    let mut ev = Evaluator::new(&all, dir.display().to_string(), cwd.to_path_buf());
    ev.set_renamed(renamed);
    let mut reader = Reader {
        files: &all,
        ev,
        findings: Vec::new(),
    };
    let (variables, assignments, sources, builds) = reader.run(&bodies, config_count);
    let mut findings = reader.findings;
    findings.extend(reader.ev.findings);
    if findings.iter().any(|f| f.diagnostic.is_error()) {
        // By file, in the order read, then by position.
        let order: HashMap<&str, usize> = all
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        findings.sort_by_key(|f| {
            let file = order
                .get(f.file.name.as_str())
                .copied()
                .unwrap_or(usize::MAX);
            (file, f.diagnostic.primary.span.start)
        });
        return Err(findings);
    }
    Ok(Folder {
        path: dir.to_path_buf(),
        files: all,
        sources,
        builds,
        variables,
        assignments,
    })
}

fn file_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Parses a file as Packer's HCL does.
///
/// hcl-edit refuses an object constructor that repeats a key; Packer accepts it, the later
/// value winning (hashicorp/hcl `hclsyntax/expression.go`, `ObjectConsExpr.Value`, fills a map
/// item by item), and the vSphere examples' Windows builds repeat keys in `templatefile` vars.
/// Each repeated key is parsed under a stand-in of the same length (offsets unchanged), and
/// `renamed` gives the evaluator its real name by file and offset.
fn parse(
    file: &SourceFile,
    id: FileId,
    renamed: &mut HashMap<(FileId, usize), String>,
) -> Result<HclBody, hcl::edit::parser::Error> {
    let mut text: Option<String> = None;
    loop {
        let error = match hcl::edit::parser::parse_body(text.as_deref().unwrap_or(&file.text)) {
            Ok(body) => return Ok(body),
            Err(error) => error,
        };
        let at = error.location().offset();
        // Each round renames a key the parser has not stopped at before, so this ends.
        if !error.message().contains("redefined object key") || renamed.contains_key(&(id, at)) {
            return Err(error);
        }
        let text = text.get_or_insert_with(|| file.text.to_string());
        match stand_in(text, at, renamed.len()) {
            Some(original) => renamed.insert((id, at), original),
            None => return Err(error),
        };
    }
}

/// Replaces the object key at `at` (a bare name or the inside of a quoted one) with a stand-in
/// of the same length made from `n`; the key as written, or nothing when it is too short.
fn stand_in(text: &mut String, at: usize, n: usize) -> Option<String> {
    let rest = text.get(at..)?;
    let (start, len) = match rest.strip_prefix('"') {
        Some(quoted) => (at + 1, quoted.find('"')?),
        None => (
            at,
            rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))?,
        ),
    };
    let digits = format!("{n:x}");
    if len < digits.len() + 1 || !text.is_char_boundary(start + len) {
        return None;
    }
    let original = text[start..start + len].to_owned();
    let replacement = format!("_{digits:0>width$}", width = len - 1);
    text.replace_range(start..start + len, &replacement);
    Some(original)
}

/// A parser error at its exact place, with the parser's message.
fn syntax(file: &SourceFile, error: &hcl::edit::parser::Error) -> Finding {
    let at = error.location().offset().min(file.text.len());
    let end = file.text[at..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    let diagnostic = Diagnostic::error(
        Code::ImportSyntax,
        format!("`{}` is not valid HCL: {}", file.name, error.message()),
        Span::new(at, end),
        error.message().to_owned(),
    );
    Finding {
        file: file.clone(),
        diagnostic,
    }
}
