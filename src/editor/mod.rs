//! What an editor asks of a spec at a cursor: [`hover`], [`completion`] and [`definition`].
//!
//! Byte offsets in, plain values out: this module speaks no editor protocol (a language server
//! turns offsets into its positions and back). A [`Document`] parses the spec once; the three
//! questions read its spanned tree and, where they need the checked spec (an effective value,
//! the builder arguments hybridc sets itself), the result of the compiler's own checks, made
//! the first time one is asked. What they answer comes from where the compiler keeps it: the
//! descriptions from the generated schema, effective values from `explain`, plugin arguments
//! from the catalogue, editions from the release catalogue, installer templates from
//! [`crate::installer::InstallerKind::template_path`]. A spec being typed is often not valid
//! YAML: completion then reads it once more with the word at the cursor (or its line) blanked
//! out, and any question on text that still does not parse has no answer. Nothing here panics
//! on user text, reads anything but the repository's files, or writes.

mod complete;
mod definition;
mod hover;
mod locate;
pub(crate) mod options;
mod schema;
#[cfg(test)]
mod tests;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::diagnostic::SourceFile;
use crate::loaded::Loaded;
use crate::source::Files as _;
use crate::yaml::Node;

pub use complete::completion;
pub use definition::definition;
pub use hover::hover;

/// A spec open in an editor: its text, parsed once.
#[derive(Debug)]
pub struct Document {
    root: PathBuf,
    path: PathBuf,
    text: String,
    tree: Option<Node>,
    loaded: OnceLock<Option<Loaded>>,
    /// The checked spec as `explain` reads it.
    typed: OnceLock<Option<serde_json::Value>>,
}

impl Document {
    /// The spec at `path` with the text `text` (the editor's, saved or not). `root` is the
    /// repository root that paths in the spec are relative to; without it, the folder above
    /// the spec's folder, as `hybridc` takes it.
    pub fn new(root: Option<PathBuf>, path: PathBuf, text: String) -> Self {
        let root = root.unwrap_or_else(|| crate::source::repository_root(&path));
        let tree = crate::yaml::parse(&text).ok();
        Document {
            root,
            path,
            text,
            tree,
            loaded: OnceLock::new(),
            typed: OnceLock::new(),
        }
    }

    /// [`Document::new`] of a spec already checked: `loaded` is what the compiler's checks made
    /// of `text` (a language server has just checked it for its diagnostics), so that the
    /// answers which need it do not check it again.
    pub fn checked(root: PathBuf, path: PathBuf, text: String, loaded: Loaded) -> Self {
        Document {
            root,
            path,
            text,
            tree: Some(loaded.tree.clone()),
            loaded: OnceLock::from(Some(loaded)),
            typed: OnceLock::new(),
        }
    }

    /// The text the document was made from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The spec's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The repository root that paths in the spec are relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the repository path `path` is a file inside the repository, asked through
    /// [`crate::source`]'s access layer as the checks ask it.
    fn is_file(&self, path: &str) -> bool {
        let files = crate::source::Disk::new(self.root.clone());
        files.kind(path) == crate::source::Kind::File && !files.escapes(path)
    }

    /// The parsed spec, when its text is YAML.
    fn tree(&self) -> Option<&Node> {
        self.tree.as_ref()
    }

    /// The spec after every check of the compiler, when it passes them: checked the first time
    /// it is asked for.
    fn loaded(&self) -> Option<&Loaded> {
        self.loaded
            .get_or_init(|| {
                self.tree.as_ref()?;
                self.check(self.text.clone())
            })
            .as_ref()
    }

    /// The checked spec as [`crate::explain::explain_with`] reads it.
    fn typed(&self) -> Option<&serde_json::Value> {
        self.typed
            .get_or_init(|| self.loaded().map(crate::explain::typed))
            .as_ref()
    }

    /// `text` checked as this document's spec would be.
    fn check(&self, text: String) -> Option<Loaded> {
        let name = self.path.to_string_lossy().into_owned();
        crate::check(SourceFile::new(name, text), self.root.clone()).ok()
    }
}

/// What a hover shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    /// The text, in Markdown.
    pub markdown: String,
    /// The bytes it is about: the key or value under the cursor.
    pub range: Range<usize>,
}

/// What a completion offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// A key of a mapping: a plugin argument under `options:`.
    Property,
    /// A value from a fixed catalogue: a release, an edition.
    Value,
    /// A name the spec declares elsewhere: a provisioning set, an OS's build, a platform.
    Reference,
    /// The name of an environment variable a credential reads.
    Variable,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// What is shown, and inserted unless `insert_text` says otherwise.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A short line beside the label.
    pub detail: Option<String>,
    /// More about it, in Markdown.
    pub documentation: Option<String>,
    /// The text to insert, when it is not the label.
    pub insert_text: Option<String>,
    /// The bytes the completion replaces: the word typed so far at the cursor.
    pub replace: Range<usize>,
}

/// Where a definition is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// The bytes in it, when it is the spec itself; `None` for the file's start.
    pub range: Option<Range<usize>>,
}

/// The node at a path of mapping keys and sequence indices.
fn node_at<'t>(tree: &'t Node, tokens: &[&str]) -> Option<&'t Node> {
    let mut node = tree;
    for token in tokens {
        node = match &node.value {
            crate::yaml::Value::Seq(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => &node.get(token)?.value,
        };
    }
    Some(node)
}

/// The string at a path of mapping keys and sequence indices.
fn text_at<'t>(tree: &'t Node, tokens: &[&str]) -> Option<&'t str> {
    match &node_at(tree, tokens)?.value {
        crate::yaml::Value::Str(text) => Some(text),
        _ => None,
    }
}

/// The OS `name` as the spec writes it, typed on its own: the rest of the spec may not be
/// valid yet.
fn typed_os(tree: &Node, name: &str) -> Option<crate::spec::Os> {
    let node = node_at(tree, &["oses", name])?;
    let mut os: crate::spec::Os = serde_json::from_value(node.to_json()).ok()?;
    name.clone_into(&mut os.key);
    Some(os)
}

/// The kind of each step of a provisioning set, in order: `shell`, `ansible`, ...
fn step_kinds(set: &Node) -> Vec<&str> {
    match &set.value {
        crate::yaml::Value::Seq(steps) => steps
            .iter()
            .filter_map(|s| s.entries().first().map(|e| e.key.as_str()))
            .collect(),
        _ => Vec::new(),
    }
}
