//! The compiled form of a spec in Packer's vocabulary: variables, sources, builds,
//! provisioners, post-processors and per-environment values.
//!
//! Lowering fills it in, conformance checks it against the plugin catalogue, and the emitter
//! prints it. Every argument remembers the spec node that caused it (a JSON pointer), so a
//! problem found later can still point at the spec. This module holds data only.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use crate::catalogue::{Component, Type};
use crate::hcl::Expr;
use crate::pointer::Pointer;
use crate::spec::PlatformName;

/// A JSON pointer into the spec: the node an argument came from.
pub type Origin = Pointer;

/// The body of a source, provisioner, post-processor or nested block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args(pub Vec<Arg>);

/// One argument or nested block.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `name = value`.
    Attr {
        /// Argument name: the generator's own names are not copied.
        name: Cow<'static, str>,
        /// Its value.
        value: Expr,
        /// The spec node it comes from.
        origin: Origin,
    },
    /// `name { ... }`, or `dynamic "name" { for_each = ... content { ... } }`.
    Block {
        /// Block type.
        name: Cow<'static, str>,
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
    pub fn attr(&mut self, name: impl Into<Cow<'static, str>>, value: Expr, origin: &Pointer) {
        self.0.push(Arg::Attr {
            name: name.into(),
            value,
            origin: origin.clone(),
        });
    }

    /// Appends a nested block.
    pub fn block(&mut self, name: impl Into<Cow<'static, str>>, body: Args, origin: &Pointer) {
        self.0.push(Arg::Block {
            name: name.into(),
            body,
            origin: origin.clone(),
            for_each: None,
        });
    }

    /// Appends a dynamic block iterating over `for_each`.
    pub fn dynamic(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        for_each: Expr,
        body: Args,
        origin: &Pointer,
    ) {
        self.0.push(Arg::Block {
            name: name.into(),
            body,
            origin: origin.clone(),
            for_each: Some(for_each),
        });
    }

    /// The names of the attributes and blocks, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|a| match a {
            Arg::Attr { name, .. } | Arg::Block { name, .. } => name.as_ref(),
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
        self.references(Reference::Variable)
    }

    /// The names of the variables or locals the arguments refer to, nested blocks and
    /// templates included.
    pub fn references(&self, kind: Reference) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for arg in &self.0 {
            match arg {
                Arg::Attr { value, .. } => references(value, kind, &mut out),
                Arg::Block { body, for_each, .. } => {
                    out.extend(body.references(kind));
                    if let Some(e) = for_each {
                        references(e, kind, &mut out);
                    }
                }
            }
        }
        out
    }
}

/// What a reference names: an input variable (`var.x`) or a local value (`local.x`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// [`Expr::Var`].
    Variable,
    /// [`Expr::Local`].
    Local,
}

/// Collects the names of the variables or locals an expression refers to, inside templates
/// too.
pub fn references(expr: &Expr, kind: Reference, out: &mut BTreeSet<String>) {
    match expr {
        Expr::Var(name) if kind == Reference::Variable => {
            out.insert(name.clone());
        }
        Expr::Local(name) if kind == Reference::Local => {
            out.insert(name.clone());
        }
        Expr::Call(_, args) | Expr::List(args) => {
            args.iter().for_each(|a| references(a, kind, out))
        }
        Expr::Object(entries) => entries.iter().for_each(|(_, v)| references(v, kind, out)),
        Expr::Template(parts) => parts
            .iter()
            .for_each(|part| part.each_expression(&mut |e| references(e, kind, out))),
        Expr::Index(a, b) | Expr::Binary(a, _, b) => {
            references(a, kind, out);
            references(b, kind, out);
        }
        Expr::Conditional(a, b, c) => [a, b, c].into_iter().for_each(|e| references(e, kind, out)),
        // A traversal starts at a name Packer provides, and the model holds no heredoc.
        Expr::Var(_)
        | Expr::Local(_)
        | Expr::Traversal(_)
        | Expr::Heredoc { .. }
        | Expr::Null
        | Expr::Bool(_)
        | Expr::Number(_)
        | Expr::Decimal(_)
        | Expr::String(_) => {}
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
    /// The reference that names this source in a build's `sources` and a step's `only`.
    pub fn reference(&self) -> SourceRef {
        SourceRef {
            component: self.component,
            name: self.name.clone(),
        }
    }

    /// `proxmox-iso.ubuntu-2404`: the source's reference as text, for messages.
    pub fn selector(&self) -> String {
        self.reference().to_string()
    }
}

/// A reference to a source, as a build's `sources` and a step's `only` hold it: its builder
/// and its name, which together are unique in a model.
///
/// Lowering builds it from the [`Source`]; later stages compare it, and only the emitter and
/// the runner's command line print it, through [`SourceRef::address`], [`SourceRef::only_in`]
/// and `Display` (`proxmox-iso.ubuntu-2404`, the form `only` takes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceRef {
    /// The builder (`proxmox-iso`).
    pub component: Component,
    /// The source name (`ubuntu-2404`).
    pub name: String,
}

impl SourceRef {
    /// `source.proxmox-iso.ubuntu-2404`: how a build's `sources` list names it.
    pub fn address(&self) -> String {
        format!("source.{self}")
    }

    /// `ubuntu-2404.proxmox-iso.ubuntu-2404`: how `packer build -only` names it when it is
    /// used in the build named `build`.
    pub fn only_in(&self, build: &str) -> String {
        format!("{build}.{self}")
    }
}

impl fmt::Display for SourceRef {
    /// `proxmox-iso.ubuntu-2404`, as a step's `only` names it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.component.name(), self.name)
    }
}

/// A provisioner or post-processor in a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The component.
    pub component: Component,
    /// Its arguments.
    pub body: Args,
    /// Sources it is limited to; empty for all.
    pub only: Vec<SourceRef>,
    /// The spec node it comes from.
    pub origin: Origin,
}

/// A `build` block: one per OS.
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    /// The build name: the OS key.
    pub name: String,
    /// Its sources.
    pub sources: Vec<SourceRef>,
    /// Provisioners, in order.
    pub provisioners: Vec<Step>,
    /// Post-processors, in order.
    pub post_processors: Vec<Step>,
}

impl Step {
    /// Whether it runs for `source`: it is limited to no source, or to that one among others.
    pub fn runs_for(&self, source: &SourceRef) -> bool {
        self.only.is_empty() || self.only.contains(source)
    }
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
    /// The build whose `sources` list `source`.
    pub fn build_of(&self, source: &SourceRef) -> Option<&Build> {
        self.builds.iter().find(|b| b.sources.contains(source))
    }

    /// The provisioners and post-processors that run for `source`, in order: those of the build
    /// that lists it, without the steps limited to other sources.
    pub fn steps_for<'a>(&'a self, source: &'a SourceRef) -> impl Iterator<Item = &'a Step> {
        self.builds
            .iter()
            .filter(|b| b.sources.contains(source))
            .flat_map(|b| b.provisioners.iter().chain(&b.post_processors))
            .filter(|step| step.runs_for(source))
    }

    /// How `packer build -only` names `source`: `<build>.<builder>.<source name>`, the build
    /// being the one that lists it, else the one named after its OS.
    pub fn only_selector(&self, source: &Source) -> String {
        let reference = source.reference();
        let build = self
            .build_of(&reference)
            .map_or(source.os.as_str(), |b| b.name.as_str());
        reference.only_in(build)
    }

    /// The environment variables behind the credentials a build of `sources` needs: in their
    /// arguments, in the provisioners and post-processors of their builds that run for them,
    /// and in the locals those refer to, transitively. Sorted, without duplicates.
    pub fn credentials(&self, sources: &[&Source]) -> Vec<String> {
        let mut variables = BTreeSet::new();
        let mut locals = BTreeSet::new();
        for source in sources {
            variables.extend(source.body.references(Reference::Variable));
            locals.extend(source.body.references(Reference::Local));
            for step in self.steps_for(&source.reference()) {
                variables.extend(step.body.references(Reference::Variable));
                locals.extend(step.body.references(Reference::Local));
            }
        }
        let mut pending: Vec<String> = locals.iter().cloned().collect();
        while let Some(name) = pending.pop() {
            for local in self.locals.iter().filter(|l| l.name == name) {
                references(&local.value, Reference::Variable, &mut variables);
                let mut found = BTreeSet::new();
                references(&local.value, Reference::Local, &mut found);
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

    fn source(component: Component, platform: PlatformName, name: &str, os: &str) -> Source {
        Source {
            platform,
            component,
            name: name.to_owned(),
            os: os.to_owned(),
            edition: None,
            body: Args::default(),
            origin: Pointer::new(&["oses", os]),
        }
    }

    fn step(component: Component, variable: &str, only: &[&Source]) -> Step {
        let mut body = Args::default();
        body.attr("x", Expr::var(variable), &Pointer::root());
        Step {
            component,
            body,
            only: only.iter().map(|s| s.reference()).collect(),
            origin: Pointer::new(&["provisioning"]),
        }
    }

    /// One build `linux` of two sources, with a step for both, one for each, and a
    /// post-processor for the vSphere one; and a build `other` of its own source.
    fn model() -> (Model, [Source; 3]) {
        let proxmox = source(
            Component::ProxmoxIso,
            PlatformName::Proxmox,
            "linux",
            "linux",
        );
        let vsphere = source(
            Component::VsphereIso,
            PlatformName::Vsphere,
            "linux",
            "linux",
        );
        let other = source(
            Component::ProxmoxIso,
            PlatformName::Proxmox,
            "other",
            "other",
        );
        let model = Model {
            builds: vec![
                Build {
                    name: "linux".to_owned(),
                    sources: vec![proxmox.reference(), vsphere.reference()],
                    provisioners: vec![
                        step(Component::Shell, "all", &[]),
                        step(Component::Shell, "proxmox", &[&proxmox]),
                        step(Component::Ansible, "vsphere", &[&vsphere]),
                    ],
                    post_processors: vec![step(Component::Manifest, "template", &[&vsphere])],
                },
                Build {
                    name: "other".to_owned(),
                    sources: vec![other.reference()],
                    provisioners: vec![step(Component::Shell, "other", &[])],
                    post_processors: Vec::new(),
                },
            ],
            sources: vec![proxmox.clone(), vsphere.clone(), other.clone()],
            ..Model::default()
        };
        (model, [proxmox, vsphere, other])
    }

    #[test]
    fn a_source_reference_prints_as_packer_names_it() {
        let (model, [proxmox, vsphere, _]) = model();
        let reference = proxmox.reference();
        assert_eq!(reference.to_string(), "proxmox-iso.linux");
        assert_eq!(proxmox.selector(), "proxmox-iso.linux");
        assert_eq!(reference.address(), "source.proxmox-iso.linux");
        assert_eq!(reference.only_in("linux"), "linux.proxmox-iso.linux");
        assert_eq!(model.only_selector(&vsphere), "linux.vsphere-iso.linux");
        // The builder tells apart sources of one name on two platforms.
        assert_ne!(reference, vsphere.reference());
    }

    #[test]
    fn a_source_outside_every_build_is_selected_in_the_build_of_its_os() {
        let (model, _) = model();
        let loose = source(Component::AzureArm, PlatformName::Azure, "linux", "linux");
        assert!(model.build_of(&loose.reference()).is_none());
        assert_eq!(model.only_selector(&loose), "linux.azure-arm.linux");
        assert_eq!(model.steps_for(&loose.reference()).count(), 0);
    }

    #[test]
    fn the_steps_for_a_source_are_those_of_its_build_not_limited_to_others() {
        let (model, [proxmox, vsphere, other]) = model();
        let variables = |source: &Source| -> Vec<String> {
            model
                .steps_for(&source.reference())
                .flat_map(|step| step.body.variables())
                .collect()
        };
        assert_eq!(variables(&proxmox), ["all", "proxmox"]);
        assert_eq!(variables(&vsphere), ["all", "vsphere", "template"]);
        assert_eq!(variables(&other), ["other"]);
        assert_eq!(
            model.build_of(&other.reference()).map(|b| b.name.as_str()),
            Some("other")
        );
    }

    #[test]
    fn credentials_come_from_the_steps_that_run_for_the_sources() {
        let (mut model, [proxmox, vsphere, other]) = model();
        for name in ["all", "proxmox", "vsphere", "template", "other"] {
            model.variables.push(Variable {
                name: name.to_owned(),
                kind: VarType::String,
                description: String::new(),
                default: Expr::call("env", vec![Expr::String(name.to_uppercase())]),
                sensitive: true,
                file: FileKey::Common,
                origin: Pointer::root(),
            });
        }
        assert_eq!(model.credentials(&[&proxmox]), ["ALL", "PROXMOX"]);
        assert_eq!(
            model.credentials(&[&vsphere, &other]),
            ["ALL", "OTHER", "TEMPLATE", "VSPHERE"]
        );
    }

    #[test]
    fn finds_references_in_templates_and_calls() {
        use crate::hcl::Part;
        let expr = Expr::Call(
            "merge".to_owned(),
            vec![
                Expr::local("a_vars"),
                Expr::Template(vec![
                    Part::Expr(Expr::local("b")),
                    Part::text("-${local.c}-"),
                    Part::Expr(Expr::traversal("x.local.c")),
                    Part::when(
                        Expr::var("d").not_equal(""),
                        vec![Part::Expr(Expr::local("e").index(0))],
                        Vec::new(),
                    ),
                ]),
            ],
        );
        let mut out = BTreeSet::new();
        references(&expr, Reference::Local, &mut out);
        assert_eq!(out.into_iter().collect::<Vec<_>>(), ["a_vars", "b", "e"]);
        let mut out = BTreeSet::new();
        references(&expr, Reference::Variable, &mut out);
        assert_eq!(out.into_iter().collect::<Vec<_>>(), ["d"]);
    }
}
