//! What the reader knows of an evaluated Packer folder: its sources, builds, variables and
//! var-file assignments, each value evaluated as far as Packer could evaluate it without
//! running, and each place as a byte span of one of the folder's files.
//!
//! This module owns the shape only. It must not read files or decide how a value maps to the
//! spec; the reader fills it, the mapper and the comparison read it.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::span::Span;

/// One file the reader read: an index into [`Folder::files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// A place in one of a folder's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Which file.
    pub file: FileId,
    /// Where in it, as bytes.
    pub span: Span,
}

/// A value as Packer would see it after evaluating variables, locals and functions.
///
/// Objects keep the order they were written in; compare them as maps.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as HCL writes it (`4096`, `1.5`).
    Number(serde_json::Number),
    /// A string, with every interpolation evaluated.
    String(String),
    /// A list or a tuple.
    List(Vec<Value>),
    /// An object or a map.
    Object(Vec<(String, Value)>),
    /// The nested blocks of one type in a block (`network_adapters { ... }` twice: two bodies),
    /// `dynamic` blocks expanded.
    Blocks(Vec<Body>),
    /// `templatefile(path, vars)`: a template the build renders. The template is not rendered
    /// here: `path` is the file it names (absolute, as evaluated), `vars` the object passed.
    Template {
        /// The template file.
        path: PathBuf,
        /// The variables passed to it.
        vars: Box<Value>,
    },
    /// `file(path)`: the file's content at build time; `path` is absolute, as evaluated.
    File {
        /// The file.
        path: PathBuf,
    },
    /// What only the build knows: `env("NAME")`, `timestamp()`, a variable with no value, a
    /// `vault(...)` call. `expression` is its canonical HCL text (`env("VSPHERE_PASSWORD")`,
    /// `timestamp()`, `var.vsphere_password`), so that two unknowns compare by what they read.
    Unknown {
        /// The expression, as HCL.
        expression: String,
    },
}

/// One argument of a block, evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The argument's name (`vm_name`), or the nested block's type for [`Value::Blocks`].
    pub name: String,
    /// Its value.
    pub value: Value,
    /// The variable the expression is exactly (`var.vsphere_password` gives
    /// `vsphere_password`), so that a credential keeps the tree's name for it.
    pub variable: Option<String>,
    /// Where the argument is written.
    pub at: Location,
}

/// The arguments and nested blocks of a block, in source order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    /// Every argument and nested block type.
    pub attributes: Vec<Attribute>,
}

impl Body {
    /// The argument called `name`.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// A `source "TYPE" "NAME"` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The builder (`vsphere-iso`, `proxmox-iso`, `azure-arm`, ...).
    pub builder: String,
    /// The source's name (`linux-ubuntu`).
    pub name: String,
    /// Its arguments, evaluated.
    pub body: Body,
    /// Where the block starts (its type and labels).
    pub at: Location,
}

/// A provisioner or post-processor of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Its type (`shell`, `ansible`, `powershell`, `windows-restart`, `file`, `manifest`).
    pub kind: String,
    /// Its arguments, evaluated, without `only` and `except`.
    pub body: Body,
    /// The sources it is limited to (`only`), as `TYPE.NAME`.
    pub only: Vec<String>,
    /// The sources it skips (`except`), as `TYPE.NAME`.
    pub except: Vec<String>,
    /// Where the block starts.
    pub at: Location,
}

/// A `build` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    /// Its `name`, if it has one.
    pub name: Option<String>,
    /// The sources it builds, as `TYPE.NAME` (`vsphere-iso.linux-ubuntu`).
    pub sources: Vec<String>,
    /// Its provisioners, in order.
    pub provisioners: Vec<Step>,
    /// Its post-processors, in order (a `post-processors` chain flattened in order).
    pub post_processors: Vec<Step>,
    /// Where the block starts.
    pub at: Location,
}

/// A `variable` block, and the value it ends with.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// Its `description`, if any.
    pub description: Option<String>,
    /// The value it ends with: the last var file that sets it, else its default; `None` when
    /// neither sets it (Packer would stop: "Unset variable").
    pub value: Option<Value>,
    /// Where the value comes from: the assignment in a var file, else the declaration.
    pub set_at: Location,
    /// Where it is declared.
    pub at: Location,
}

/// One `name = value` line of a var file.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The variable it sets.
    pub name: String,
    /// The value, evaluated (var files hold constants in Packer).
    pub value: Value,
    /// Where the value is written (the value's span, so that a secret can be masked).
    pub at: Location,
}

/// One Packer folder, evaluated with one list of var files, as `packer build` would read it.
#[derive(Debug, Clone)]
pub struct Folder {
    /// The folder, as given.
    pub path: PathBuf,
    /// Every file read, in the order read: the `*.pkr.hcl` files, the `*.auto.pkrvars.hcl`
    /// files, then the var files given. [`FileId`] indexes this list.
    pub files: Vec<SourceFile>,
    /// Every source, in file order.
    pub sources: Vec<Source>,
    /// Every build, in file order.
    pub builds: Vec<Build>,
    /// Every declared variable, with its final value.
    pub variables: Vec<Variable>,
    /// Every assignment of every var file read, in the order applied.
    pub assignments: Vec<Assignment>,
}

impl Folder {
    /// The file `id` names.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    /// The variable called `name`.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// `path:line:col` of a location, as diagnostics print it.
    pub fn position(&self, at: Location) -> String {
        let file = self.file(at.file);
        let (line, col) = file.line_col(at.span.start);
        format!("{}:{line}:{col}", file.name)
    }
}

/// A problem with the tree being imported, in the file it is about.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The file, with its text, for the snippet.
    pub file: SourceFile,
    /// What is wrong, and where.
    pub diagnostic: Diagnostic,
}
