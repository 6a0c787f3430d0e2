//! One import from start to end, in memory: read every folder once per environment, map them
//! to a spec, check and compile that spec against the repository it goes to (its own files
//! added), read the compiled tree back and compare. Nothing is written here: the command
//! writes [`Outcome::files`] and the compiled tree only when the caller asks for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::compare;
use super::map::{self, Environment, Imported};
use super::read;
use super::report::Report;
use super::tree::{Finding, Folder};
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::source::{self, Files, Kind};
use crate::span::Span;

/// What to import.
#[derive(Debug, Clone)]
pub struct Request {
    /// The Packer folders, as given.
    pub dirs: Vec<PathBuf>,
    /// Var files every environment reads, in order, after each folder's own.
    pub var_files: Vec<PathBuf>,
    /// The environments and their own var files; none means one environment, `default`.
    pub environments: Vec<(String, Vec<PathBuf>)>,
    /// The repository the spec goes to.
    pub repo: PathBuf,
}

/// The environment an import without `--env` has.
pub const DEFAULT_ENVIRONMENT: &str = "default";

/// Where the spec goes, relative to the repository.
pub const SPEC_PATH: &str = "spec/hybrid.yaml";

/// A finished import, not yet written.
#[derive(Debug)]
pub struct Outcome {
    /// The spec and the files it needs.
    pub imported: Imported,
    /// Every file to write into the repository: the spec, the schema its modeline names, and
    /// the mapper's files (its OSes' own templates, the shared ones the repository lacks, the
    /// scripts it copies); repository-relative.
    pub files: Vec<(String, Vec<u8>)>,
    /// The compiled tree, as `compile` would write it to `generated/`.
    pub compiled: Vec<crate::emit::File>,
    /// The comparison of the original tree with the compiled one.
    pub report: Report,
    /// Warnings of the compiler about the imported spec.
    pub warnings: Vec<crate::diagnostic::Diagnostic>,
    /// The spec, as the compiler read it (for rendering its warnings).
    pub spec: SourceFile,
}

/// Why an import stopped.
#[derive(Debug)]
pub enum Failure {
    /// The tree cannot be read: every problem found, each in its file.
    Unreadable(Vec<Finding>),
    /// The spec the import wrote does not compile: what the compiler said.
    Spec(crate::Error),
}

/// Runs an import in memory.
///
/// # Errors
/// [`Failure::Unreadable`] with every problem of every folder, [`Failure::Spec`] when the
/// written spec does not compile.
pub fn run(request: &Request) -> Result<Outcome, Failure> {
    let environments = read_all(request)?;
    let imported = map::map(&environments, &request.repo);
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (SPEC_PATH.to_owned(), imported.spec.clone().into_bytes()),
        (
            "schema/hybrid.schema.json".to_owned(),
            crate::schema::schema_text().into_bytes(),
        ),
    ];
    files.extend(
        imported
            .files
            .iter()
            .map(|(path, text)| (slash(path), text.clone())),
    );
    let overlay = Overlay::new(&request.repo, &files);
    let source = SourceFile::new(SPEC_PATH, imported.spec.as_str());
    let layout = crate::lower::Layout {
        spec_path: SPEC_PATH.to_owned(),
        to_root: "..".to_owned(),
    };
    let compiled = crate::compile_in(
        source,
        &overlay,
        &layout,
        request.repo.join("generated"),
        true,
    )
    .map_err(Failure::Spec)?;
    // The compiled tree is read where `compile` writes it, so that the paths it names compare
    // with the original tree's, which the reader makes absolute.
    let repo = std::path::absolute(&request.repo).unwrap_or_else(|_| request.repo.clone());
    let generated = compiled_folders(&repo.join("generated"), &compiled.files, &environments)?;
    // The files the import writes are compared by content before they are written.
    let pending: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .map(|(path, bytes)| (repo.join(path), bytes.clone()))
        .chain(compiled.files.iter().map(|f| {
            (
                repo.join("generated").join(&f.path),
                f.contents.as_bytes().to_vec(),
            )
        }))
        .collect();
    let report = compare::compare_with(
        &environments,
        &generated,
        &imported,
        &compare::Pending::new(pending),
    );
    Ok(Outcome {
        spec: compiled.loaded.source.clone(),
        warnings: compiled.warnings.clone(),
        compiled: compiled.files,
        imported,
        files,
        report,
    })
}

/// Every folder read once per environment; every problem of every folder when one fails.
fn read_all(request: &Request) -> Result<Vec<Environment>, Failure> {
    let named: Vec<(String, Vec<PathBuf>)> = if request.environments.is_empty() {
        vec![(DEFAULT_ENVIRONMENT.to_owned(), Vec::new())]
    } else {
        request.environments.clone()
    };
    let mut findings = Vec::new();
    let mut environments = Vec::new();
    for (name, own) in named {
        let var_files: Vec<PathBuf> = request.var_files.iter().chain(&own).cloned().collect();
        let mut folders = Vec::new();
        for dir in &request.dirs {
            match read::read(dir, &var_files) {
                Ok(folder) if folder.sources.is_empty() => findings.push(no_sources(&folder)),
                Ok(folder) => folders.push(folder),
                Err(mut found) => findings.append(&mut found),
            }
        }
        environments.push(Environment { name, folders });
    }
    if findings.iter().any(|f| f.diagnostic.is_error()) {
        // The same problem read once per environment is reported once.
        let mut seen = std::collections::BTreeSet::new();
        findings.retain(|f| {
            seen.insert((
                f.file.name.clone(),
                f.diagnostic.primary.span,
                f.diagnostic.message.clone(),
            ))
        });
        return Err(Failure::Unreadable(findings));
    }
    Ok(environments)
}

/// A folder that builds nothing: shown at the top of its first file.
fn no_sources(folder: &Folder) -> Finding {
    let shown = folder.path.display().to_string();
    let file = folder
        .files
        .first()
        .cloned()
        .unwrap_or_else(|| SourceFile::new(shown.clone(), ""));
    let diagnostic = Diagnostic::error(
        Code::ImportNoSources,
        format!("`{shown}` has no `source` block"),
        Span::new(0, 0),
        "no source in this folder",
    )
    .with_help(
        "name the folders that hold Packer builds: `*.pkr.hcl` files with `source` and `build` \
         blocks, as `packer build DIR` reads them",
    );
    Finding { file, diagnostic }
}

/// The compiled tree read back per environment, with that environment's var file.
fn compiled_folders(
    dir: &Path,
    files: &[crate::emit::File],
    environments: &[Environment],
) -> Result<Vec<(String, Folder)>, Failure> {
    let hcl: Vec<SourceFile> = files
        .iter()
        .filter(|f| !f.path.contains('/') && f.path.ends_with(".pkr.hcl"))
        .map(|f| SourceFile::new(format!("generated/{}", f.path), f.contents.as_str()))
        .collect();
    environments
        .iter()
        .map(|env| {
            let var_file = format!("env/{}.pkrvars.hcl", env.name);
            let vars: Vec<SourceFile> = files
                .iter()
                .filter(|f| f.path == var_file)
                .map(|f| SourceFile::new(format!("generated/{}", f.path), f.contents.as_str()))
                .collect();
            read::evaluate(dir, hcl.clone(), vars)
                .map(|folder| (env.name.clone(), folder))
                .map_err(Failure::Unreadable)
        })
        .collect()
}

fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The repository as it will be once the import's files are written: those files in memory
/// over the work tree.
#[derive(Debug)]
struct Overlay {
    disk: source::Disk,
    root: PathBuf,
    files: BTreeMap<String, Vec<u8>>,
}

impl Overlay {
    fn new(root: &Path, files: &[(String, Vec<u8>)]) -> Self {
        Overlay {
            disk: source::Disk::new(root.to_path_buf()),
            root: root.to_path_buf(),
            files: files.iter().cloned().collect(),
        }
    }

    fn is_folder(&self, path: &str) -> bool {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        self.files.keys().any(|p| p.starts_with(&prefix))
    }
}

impl Files for Overlay {
    fn root(&self) -> &Path {
        &self.root
    }

    fn kind(&self, path: &str) -> Kind {
        if self.files.contains_key(path) {
            Kind::File
        } else if self.is_folder(path) {
            Kind::Folder
        } else {
            self.disk.kind(path)
        }
    }

    fn escapes(&self, path: &str) -> bool {
        !self.files.contains_key(path) && self.disk.escapes(path)
    }

    fn list(&self, path: &str) -> Vec<(String, Kind)> {
        let mut entries: BTreeMap<String, Kind> = self.disk.list(path).into_iter().collect();
        let prefix = match path.trim_end_matches('/') {
            "" | "." => String::new(),
            p => format!("{p}/"),
        };
        for file in self.files.keys() {
            if let Some(rest) = file.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((folder, _)) => entries.insert(folder.to_owned(), Kind::Folder),
                    None => entries.insert(rest.to_owned(), Kind::File),
                };
            }
        }
        entries.into_iter().collect()
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        match self.files.get(path) {
            Some(bytes) => Some(bytes.clone()),
            None => self.disk.read(path),
        }
    }
}
