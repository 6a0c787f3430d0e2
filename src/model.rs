//! The compiled form of a spec in Packer's vocabulary: variables, sources, builds,
//! provisioners, post-processors and per-environment values.
//!
//! Lowering fills it in, conformance checks it against the plugin catalogue, and the emitter
//! prints it. Every argument remembers the spec node that caused it (a JSON pointer), so a
//! problem found later can still point at the spec. This module holds data only.

use std::collections::BTreeSet;

use crate::catalogue::{Component, Type};
use crate::hcl::Expr;
use crate::spec::PlatformName;

/// A JSON pointer into the spec: the node an argument came from.
pub type Origin = String;

/// The body of a source, provisioner, post-processor or nested block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args(pub Vec<Arg>);

/// One argument or nested block.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `name = value`.
    Attr {
        /// Argument name.
        name: String,
        /// Its value.
        value: Expr,
        /// The spec node it comes from.
        origin: Origin,
    },
    /// `name { ... }`, or `dynamic "name" { for_each = ... content { ... } }`.
    Block {
        /// Block type.
        name: String,
        /// Its arguments.
        body: Args,
        /// The spec node it comes from.
        origin: Origin,
        /// For a dynamic block: the collection it iterates over.
        for_each: Option<Expr>,
    },
}

impl Args {
    /// Appends `name = value`.
    pub fn attr(&mut self, name: &str, value: Expr, origin: &str) {
        self.0.push(Arg::Attr {
            name: name.to_owned(),
            value,
            origin: origin.to_owned(),
        });
    }

    /// Appends a nested block.
    pub fn block(&mut self, name: &str, body: Args, origin: &str) {
        self.0.push(Arg::Block {
            name: name.to_owned(),
            body,
            origin: origin.to_owned(),
            for_each: None,
        });
    }

    /// Appends a dynamic block iterating over `for_each`.
    pub fn dynamic(&mut self, name: &str, for_each: Expr, body: Args, origin: &str) {
        self.0.push(Arg::Block {
            name: name.to_owned(),
            body,
            origin: origin.to_owned(),
            for_each: Some(for_each),
        });
    }

    /// The names of the attributes and blocks, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|a| match a {
            Arg::Attr { name, .. } | Arg::Block { name, .. } => name.as_str(),
        })
    }

    /// Whether an attribute or block of that name is present.
    pub fn has(&self, name: &str) -> bool {
        self.names().any(|n| n == name)
    }

    /// Removes the attribute `name` and returns its list items: nothing when it is absent, the
    /// value itself when it is not a list. Used to extend a list argument set earlier.
    pub fn take(&mut self, name: &str) -> Vec<Expr> {
        let Some(at) = self
            .0
            .iter()
            .position(|a| matches!(a, Arg::Attr { name: n, .. } if n == name))
        else {
            return Vec::new();
        };
        match self.0.remove(at) {
            Arg::Attr {
                value: Expr::List(items),
                ..
            } => items,
            Arg::Attr { value, .. } => vec![value],
            Arg::Block { .. } => unreachable!("the position of an attribute"),
        }
    }

    /// The variables (`var.<name>`) the arguments refer to, nested blocks included.
    pub fn variables(&self) -> BTreeSet<String> {
        self.references("var.")
    }

    /// The names after `prefix` (`var.`, `local.`) the arguments refer to, nested blocks and
    /// templates included.
    pub fn references(&self, prefix: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for arg in &self.0 {
            match arg {
                Arg::Attr { value, .. } => references(value, prefix, &mut out),
                Arg::Block { body, for_each, .. } => {
                    out.extend(body.references(prefix));
                    if let Some(e) = for_each {
                        references(e, prefix, &mut out);
                    }
                }
            }
        }
        out
    }
}

/// Collects the names after `prefix` (`var.`, `local.`) in an expression, inside templates too.
pub fn references(expr: &Expr, prefix: &str, out: &mut BTreeSet<String>) {
    let mut scan = |text: &str| {
        for (i, _) in text.match_indices(prefix) {
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let name: String = text[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    };
    match expr {
        Expr::Traversal(text) | Expr::Template(text) => scan(text),
        Expr::Heredoc { lines, .. } => lines.iter().for_each(|l| scan(l)),
        Expr::Call(_, args) | Expr::List(args) => {
            args.iter().for_each(|a| references(a, prefix, out))
        }
        Expr::Object(entries) => entries.iter().for_each(|(_, v)| references(v, prefix, out)),
        Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::Decimal(_) | Expr::String(_) => {}
    }
}

/// HCL type of a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `list(string)`.
    ListString,
}

impl VarType {
    /// The type in the catalogue's terms.
    pub fn catalogue_type(self) -> Type {
        match self {
            VarType::String => Type::String,
            VarType::Number => Type::Number,
            VarType::Bool => Type::Bool,
            VarType::ListString => Type::list_of(Type::String),
        }
    }
}

/// Which generated file a declaration goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKey {
    /// `common.pkr.hcl`.
    Common,
    /// `<platform>.pkr.hcl`.
    Platform(PlatformName),
}

/// A `variable` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// Its name (`proxmox_node`).
    pub name: String,
    /// Its type.
    pub kind: VarType,
    /// What it is, for people reading the generated file.
    pub description: String,
    /// Its default value (`env("X")` for credentials).
    pub default: Expr,
    /// Marked `sensitive = true`.
    pub sensitive: bool,
    /// The file that declares it.
    pub file: FileKey,
    /// The spec node it comes from.
    pub origin: Origin,
}

impl Variable {
    /// The environment variable a credential reads (its default is `env("NAME")`).
    pub fn credential(&self) -> Option<&str> {
        if !self.sensitive {
            return None;
        }
        match &self.default {
            Expr::Call(function, args) if function == "env" => match args.as_slice() {
                [Expr::String(name)] => Some(name),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A `source` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The platform it builds on.
    pub platform: PlatformName,
    /// The builder.
    pub component: Component,
    /// Source name (`ubuntu-2404`, `windows-2022-standard`).
    pub name: String,
    /// The OS key (the build's name).
    pub os: String,
    /// The Windows edition, for Windows sources.
    pub edition: Option<String>,
    /// Its arguments.
    pub body: Args,
    /// The spec node it comes from (the OS).
    pub origin: Origin,
}

impl Source {
    /// `proxmox-iso.ubuntu-2404`, as `only` and `-only` name it.
    pub fn selector(&self) -> String {
        format!("{}.{}", self.component.name(), self.name)
    }
}

/// A provisioner or post-processor in a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The component.
    pub component: Component,
    /// Its arguments.
    pub body: Args,
    /// Sources it is limited to (`proxmox-iso.ubuntu-2404`); empty for all.
    pub only: Vec<String>,
    /// The spec node it comes from.
    pub origin: Origin,
}

/// A `build` block: one per OS.
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    /// The build name: the OS key.
    pub name: String,
    /// Its sources, as `source.<type>.<name>` references.
    pub sources: Vec<String>,
    /// Provisioners, in order.
    pub provisioners: Vec<Step>,
    /// Post-processors, in order.
    pub post_processors: Vec<Step>,
}

/// A local value.
#[derive(Debug, Clone, PartialEq)]
pub struct Local {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: Expr,
}

/// A `required_plugins` entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Plugin {
    /// Local name (`proxmox`).
    pub name: String,
    /// Source address.
    pub source: String,
    /// Pinned version.
    pub version: String,
}

/// The values of one environment's `.pkrvars.hcl`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvFile {
    /// Environment name.
    pub name: String,
    /// Variable assignments, in output order.
    pub values: Vec<(String, Expr)>,
}

impl Model {
    /// The environment variables behind the credentials a build of `sources` needs: in their
    /// arguments, in the provisioners and post-processors of their builds that run for them,
    /// and in the locals those refer to, transitively. Sorted, without duplicates.
    pub fn credentials(&self, sources: &[&Source]) -> Vec<String> {
        let mut variables = BTreeSet::new();
        let mut locals = BTreeSet::new();
        for source in sources {
            variables.extend(source.body.references("var."));
            locals.extend(source.body.references("local."));
            let selector = source.selector();
            let reference = format!("source.{selector}");
            for build in self
                .builds
                .iter()
                .filter(|b| b.sources.contains(&reference))
            {
                for step in build.provisioners.iter().chain(&build.post_processors) {
                    if step.only.is_empty() || step.only.contains(&selector) {
                        variables.extend(step.body.references("var."));
                        locals.extend(step.body.references("local."));
                    }
                }
            }
        }
        let mut pending: Vec<String> = locals.iter().cloned().collect();
        while let Some(name) = pending.pop() {
            for local in self.locals.iter().filter(|l| l.name == name) {
                references(&local.value, "var.", &mut variables);
                let mut found = BTreeSet::new();
                references(&local.value, "local.", &mut found);
                for next in found {
                    if locals.insert(next.clone()) {
                        pending.push(next);
                    }
                }
            }
        }
        let names: BTreeSet<&str> = self
            .variables
            .iter()
            .filter(|v| variables.contains(&v.name))
            .filter_map(Variable::credential)
            .collect();
        names.into_iter().map(str::to_owned).collect()
    }
}

/// Everything the emitter prints.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    /// The spec file, relative to the repository root, named in every header.
    pub spec_path: String,
    /// `required_version`.
    pub required_version: String,
    /// Plugins in use.
    pub plugins: Vec<Plugin>,
    /// Declared variables (only those used).
    pub variables: Vec<Variable>,
    /// Local values.
    pub locals: Vec<Local>,
    /// Sources.
    pub sources: Vec<Source>,
    /// Builds.
    pub builds: Vec<Build>,
    /// Environments.
    pub environments: Vec<EnvFile>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_references_in_templates_and_calls() {
        let mut out = BTreeSet::new();
        references(
            &Expr::Call(
                "merge".to_owned(),
                vec![
                    Expr::Traversal("local.a_vars".to_owned()),
                    Expr::Template("${local.b}-${x.local.c}-${var.d}".to_owned()),
                ],
            ),
            "local.",
            &mut out,
        );
        assert_eq!(out.into_iter().collect::<Vec<_>>(), ["a_vars", "b"]);
    }
}
