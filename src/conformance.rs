//! Plugin conformance: every argument and block the model would emit into a source,
//! provisioner or post-processor exists in the pinned component's catalogue with a compatible
//! type, is not deprecated, and the required and either/or rules hold. An argument the
//! catalogue says holds a secret must come from a sensitive variable or from Packer itself,
//! never be written as a value.
//!
//! A violation is reported at the spec node that caused it (each argument carries its origin),
//! so a bad passthrough option points at the option. A node shared by several builds (a
//! platform's `options`, a provisioning set) leads to the same violation in each of them; it is
//! reported once, naming them all. This stage reads the model and the catalogue; it changes
//! nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::catalogue::{self, Argument, BlockSchema, Component, Rule, RuleKind, Type};
use crate::diagnostic::{Code, Diagnostic, Label, Span, did_you_mean};
use crate::hcl::Expr;
use crate::loaded::Loaded;
use crate::model::{Arg, Args, Model, VarType};

/// Checks every source, provisioner and post-processor of the model.
///
/// # Errors
/// Every violation, at its spec location, sorted by position.
pub fn check(model: &Model, loaded: &Loaded) -> Result<(), Vec<Diagnostic>> {
    let vars: BTreeMap<&str, VarType> = model
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v.kind))
        .collect();
    let sensitive = model
        .variables
        .iter()
        .filter(|v| v.sensitive)
        .map(|v| v.name.as_str())
        .collect();
    let mut c = Checker {
        loaded,
        vars,
        sensitive,
        subject: None,
        found: Vec::new(),
        required: BTreeMap::new(),
    };
    for source in &model.sources {
        c.subject = Some(Subject {
            kind: "source",
            component: source.component,
            build: source.os.clone(),
            source: Some(source.selector()),
        });
        c.body(
            source.component,
            &source.body,
            Scope::Component,
            &source.origin,
        );
    }
    for build in &model.builds {
        for (kind, steps) in [
            ("provisioner", &build.provisioners),
            ("post-processor", &build.post_processors),
        ] {
            for step in steps.iter() {
                c.subject = Some(Subject {
                    kind,
                    component: step.component,
                    build: build.name.clone(),
                    source: None,
                });
                c.body(step.component, &step.body, Scope::Component, &step.origin);
            }
        }
    }
    let mut out = merge(c.found);
    if out.is_empty() {
        return Ok(());
    }
    crate::diagnostic::sort(&mut out);
    out.dedup();
    Err(out)
}

/// What a finding is about: a source, or a provisioner or post-processor of a build.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Subject {
    /// `source`, `provisioner` or `post-processor`.
    kind: &'static str,
    component: Component,
    /// The build (the OS key).
    build: String,
    /// The source's selector (`proxmox-iso.ubuntu-2404`), for a source.
    source: Option<String>,
}

/// One violation, before findings that differ only in their subject are merged.
struct Finding {
    subject: Subject,
    /// The message after its subject (`" would set `x`, which is deprecated ..."`).
    rest: String,
    primary: Label,
    secondary: Vec<Label>,
    help: Option<String>,
}

/// One diagnostic per violation and spec node, naming every subject it was found in: a
/// platform option or a shared provisioning set is one mistake, however many builds use it.
fn merge(found: Vec<Finding>) -> Vec<Diagnostic> {
    type Key = (
        Span,
        String,
        String,
        Vec<(Span, String)>,
        Option<String>,
        &'static str,
        Component,
    );
    let mut groups: BTreeMap<Key, (Finding, Vec<Subject>)> = BTreeMap::new();
    for finding in found {
        let key = (
            finding.primary.span,
            finding.rest.clone(),
            finding.primary.text.clone(),
            finding
                .secondary
                .iter()
                .map(|l| (l.span, l.text.clone()))
                .collect(),
            finding.help.clone(),
            finding.subject.kind,
            finding.subject.component,
        );
        let subject = finding.subject.clone();
        let (_, subjects) = groups.entry(key).or_insert_with(|| (finding, Vec::new()));
        if !subjects.contains(&subject) {
            subjects.push(subject);
        }
    }
    groups
        .into_values()
        .map(|(finding, subjects)| Diagnostic {
            secondary: finding.secondary,
            help: finding.help,
            ..Diagnostic::error(
                Code::PluginConformance,
                format!("{}{}", describe(&subjects), finding.rest),
                finding.primary.span,
                finding.primary.text,
            )
        })
        .collect()
}

/// `source `proxmox-iso.ubuntu-2404``, `provisioner `shell` of build `a``; for several
/// subjects of one kind and component, `each `proxmox-iso` source of builds `a` and `b`` or
/// `provisioner `shell` of builds `a` and `b``, singular either way, as the messages go on.
fn describe(subjects: &[Subject]) -> String {
    let Some(first) = subjects.first() else {
        return String::new();
    };
    let component = first.component.name();
    let mut builds: Vec<&str> = subjects.iter().map(|s| s.build.as_str()).collect();
    builds.sort_unstable();
    builds.dedup();
    let builds_text = match builds.as_slice() {
        [one] => format!("build `{one}`"),
        [rest @ .., last] => format!(
            "builds {} and `{last}`",
            rest.iter()
                .map(|b| format!("`{b}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        [] => String::new(),
    };
    match (&first.source, subjects.len()) {
        (Some(selector), 1) => format!("source `{selector}`"),
        (Some(_), _) => format!("each `{component}` source of {builds_text}"),
        (None, _) => format!("{} `{component}` of {builds_text}", first.kind),
    }
}

/// The spec node an argument or block comes from.
fn origin_of(arg: &Arg) -> &str {
    match arg {
        Arg::Attr { origin, .. } | Arg::Block { origin, .. } => origin,
    }
}

/// The names set in one body, looked up by binary search instead of a scan of the body for
/// each rule and required argument: `(name, position in the body)`, sorted by name, then
/// position.
struct Names<'a>(Vec<(&'a str, usize)>);

impl<'a> Names<'a> {
    fn new(body: &'a Args) -> Self {
        let mut names: Vec<(&str, usize)> = body.names().zip(0..).collect();
        names.sort_unstable();
        Self(names)
    }

    /// The positions of `name`, in body order.
    fn positions(&self, name: &str) -> &[(&'a str, usize)] {
        let start = self.0.partition_point(|(n, _)| *n < name);
        let end = start + self.0[start..].partition_point(|(n, _)| *n == name);
        &self.0[start..end]
    }

    fn has(&self, name: &str) -> bool {
        !self.positions(name).is_empty()
    }

    fn count(&self, name: &str) -> usize {
        self.positions(name).len()
    }

    /// Where `name` is first set.
    fn first(&self, name: &str) -> Option<usize> {
        self.positions(name).first().map(|(_, at)| *at)
    }

    /// Each name set more than once, in name order, with where it is set last.
    fn repeated(&self) -> impl Iterator<Item = (&'a str, usize)> + '_ {
        self.0
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|group| group.len() > 1)
            .map(|group| group[group.len() - 1])
    }
}

#[derive(Clone, Copy)]
enum Scope<'a> {
    Component,
    Block(&'a str, &'static BlockSchema),
}

struct Checker<'a> {
    loaded: &'a Loaded,
    vars: BTreeMap<&'a str, VarType>,
    /// The variables declared `sensitive`.
    sensitive: BTreeSet<&'a str>,
    /// The source or step being checked.
    subject: Option<Subject>,
    found: Vec<Finding>,
    /// What each catalogued body requires, by the address of its schema's argument map.
    required: BTreeMap<usize, Rc<Required>>,
}

/// What a body of one schema must hold: worked out once per schema instead of walking every
/// catalogued argument and rule for each body.
struct Required {
    arguments: Vec<&'static str>,
    blocks: Vec<&'static str>,
    rules: Vec<&'static Rule>,
}

impl Checker<'_> {
    fn span(&self, origin: &str) -> Span {
        self.loaded.tree.locate_nearest(origin).key_or_value()
    }

    /// Records a violation of the current subject; `rest` is the message after the subject.
    fn error(&mut self, origin: &str, rest: String, label: &str, help: Option<String>) {
        let span = self.span(origin);
        self.push(rest, span, label, Vec::new(), help);
    }

    fn push(
        &mut self,
        rest: String,
        span: Span,
        label: &str,
        secondary: Vec<Label>,
        help: Option<String>,
    ) {
        let subject = self
            .subject
            .clone()
            .expect("a subject is set before any body is checked");
        self.found.push(Finding {
            subject,
            rest,
            primary: Label {
                span,
                text: label.to_owned(),
            },
            secondary,
            help,
        });
    }

    fn body(&mut self, component: Component, body: &Args, scope: Scope<'_>, origin: &str) {
        let schema = component.schema();
        let (arguments, blocks): (
            &'static BTreeMap<String, Argument>,
            &'static BTreeMap<String, BlockSchema>,
        ) = match scope {
            Scope::Component => (&schema.arguments, &schema.blocks),
            Scope::Block(_, block) => (&block.arguments, &block.blocks),
        };
        let version = schema.plugin_version.as_deref().unwrap_or("pinned");
        let names = Names::new(body);
        for arg in &body.0 {
            match arg {
                Arg::Attr {
                    name,
                    value,
                    origin,
                } => {
                    if let Some(argument) = arguments.get(name) {
                        if argument.internal || argument.deprecated {
                            let why = if argument.internal {
                                "set by Packer itself"
                            } else {
                                "deprecated"
                            };
                            self.error(
                                origin,
                                format!(
                                    " would set `{name}`, which is {why} in {} {version}",
                                    component.name()
                                ),
                                "leads to this argument",
                                argument
                                    .replaced_by
                                    .as_ref()
                                    .map(|r| format!("use `{r}` instead")),
                            );
                        }
                        if argument.is_secret() && !self.hides(value) {
                            self.error(
                                origin,
                                format!(
                                    " would write `{name}`, which holds a secret, into the generated files"
                                ),
                                "leads to this value",
                                Some("read it from the environment: `{ env: NAME }`".into()),
                            );
                        }
                        if let Some(found) = self.type_of(value)
                            && !catalogue::compatible(&argument.kind, &found)
                        {
                            self.error(
                                origin,
                                format!(
                                    ": `{name}` must be {}, but would be {}",
                                    argument.kind.describe(),
                                    found.describe()
                                ),
                                "leads to this value",
                                None,
                            );
                        }
                    } else if matches!(scope, Scope::Component)
                        && schema.core_block_arguments.contains_key(name)
                    {
                        // `only`, `name`, ... are decoded by Packer core on every block.
                    } else {
                        let candidates = arguments.keys().chain(blocks.keys()).map(String::as_str);
                        self.error(
                            origin,
                            format!(": {} {version} has no argument `{name}`", component.name()),
                            "leads to this argument",
                            did_you_mean(name, candidates),
                        );
                    }
                }
                Arg::Block {
                    name,
                    body: inner,
                    origin,
                    ..
                } => match blocks.get(name) {
                    Some(block) => {
                        if block.deprecated {
                            self.error(
                                origin,
                                format!(" would use block `{name}`, which is deprecated"),
                                "leads to this block",
                                block
                                    .replaced_by
                                    .as_ref()
                                    .map(|r| format!("use `{r}` instead")),
                            );
                        }
                        self.body(component, inner, Scope::Block(name, block), origin);
                    }
                    None => {
                        let candidates = blocks.keys().map(String::as_str);
                        self.error(
                            origin,
                            format!(": {} {version} has no block `{name}`", component.name()),
                            "leads to this block",
                            did_you_mean(name, candidates),
                        );
                    }
                },
            }
        }
        for (name, at) in names.repeated() {
            if blocks.get(name).is_none_or(|b| !b.repeatable) {
                self.error(
                    origin_of(&body.0[at]),
                    format!(" would set `{name}` more than once"),
                    "set again here",
                    None,
                );
            }
        }
        let required = self.required(component, scope, arguments, blocks);
        for name in &required.arguments {
            if !names.has(name) {
                self.error(
                    origin,
                    format!(" lacks `{name}`, which {} requires", component.name()),
                    "required argument missing",
                    Some(format!("add `{name}` through the spec or `options`")),
                );
            }
        }
        for name in &required.blocks {
            if !names.has(name) {
                self.error(
                    origin,
                    format!(" lacks block `{name}`, which {} requires", component.name()),
                    "required block missing",
                    None,
                );
            }
        }
        for rule in &required.rules {
            self.rule(component, body, &names, rule, origin);
        }
    }

    /// The required arguments, blocks and rules of a body with these `arguments` and `blocks`.
    fn required(
        &mut self,
        component: Component,
        scope: Scope<'_>,
        arguments: &'static BTreeMap<String, Argument>,
        blocks: &'static BTreeMap<String, BlockSchema>,
    ) -> Rc<Required> {
        // The catalogue is static, so a schema's address names it.
        let key = std::ptr::from_ref(arguments) as usize;
        let scope_name = match scope {
            Scope::Component => None,
            Scope::Block(name, _) => Some(name),
        };
        let required = self.required.entry(key).or_insert_with(|| {
            Rc::new(Required {
                arguments: arguments
                    .iter()
                    .filter(|(_, a)| a.required)
                    .map(|(name, _)| name.as_str())
                    .collect(),
                blocks: blocks
                    .iter()
                    .filter(|(_, b)| b.required)
                    .map(|(name, _)| name.as_str())
                    .collect(),
                rules: component
                    .schema()
                    .conditional_requirements
                    .iter()
                    .filter(|r| r.scope.as_deref() == scope_name)
                    .collect(),
            })
        });
        Rc::clone(required)
    }

    fn rule(
        &mut self,
        component: Component,
        body: &Args,
        names: &Names<'_>,
        rule: &Rule,
        origin: &str,
    ) {
        let satisfied = |alternative: &str| -> bool {
            if alternative.contains('+') {
                alternative.split('+').all(|a| names.has(a))
            } else {
                alternative.split('|').any(|a| names.has(a))
            }
        };
        let present = rule.arguments.iter().filter(|a| satisfied(a)).count();
        // The message is only worded for a rule that fails.
        let choices = || {
            rule.arguments
                .iter()
                .map(|a| format!("`{}`", a.replace('|', "`/`").replace('+', "` + `")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let name = component.name();
        let message = match rule.rule {
            RuleKind::ExactlyOneOf if present != 1 => {
                format!(
                    " must set exactly one of {} ({name} requires it), but sets {}",
                    choices(),
                    present
                )
            }
            RuleKind::AtLeastOneOf if present == 0 => {
                format!(
                    " must set at least one of {} ({name} requires it)",
                    choices()
                )
            }
            RuleKind::MutuallyExclusive if present > 1 => {
                format!(" sets {} together, which {name} does not allow", choices())
            }
            RuleKind::AllOrNone if present != 0 && present != rule.arguments.len() => {
                format!(" must set all of {} or none", choices())
            }
            RuleKind::MinItems => {
                let minimum = rule.value.unwrap_or(1);
                match rule.arguments.iter().find(|a| names.count(a) < minimum) {
                    Some(block) => {
                        format!(" needs at least {minimum} `{block}` block(s), {name} requires it")
                    }
                    None => return,
                }
            }
            _ => return,
        };
        // Point at what the user wrote when a passthrough option is involved, else at the
        // spec node behind the whole block.
        let origins: Vec<String> = rule
            .arguments
            .iter()
            .filter(|a| satisfied(a))
            .flat_map(|alternative| alternative.split(['|', '+']))
            .filter_map(|arg| names.first(arg).map(|at| origin_of(&body.0[at]).to_owned()))
            .collect();
        let primary = origins
            .iter()
            .find(|o| o.contains("/options/"))
            .cloned()
            .unwrap_or_else(|| origin.to_owned());
        let span = self.span(&primary);
        let mut secondary: Vec<Label> = Vec::new();
        for other in origins.iter().filter(|o| **o != primary) {
            let other_span = self.span(other);
            if other_span != span && !secondary.iter().any(|l| l.span == other_span) {
                secondary.push(Label {
                    span: other_span,
                    text: "and this one".into(),
                });
            }
        }
        self.push(message, span, "leads to this argument", secondary, None);
    }

    /// Whether a secret argument's value stays out of the files: a sensitive variable, or a
    /// value Packer fills in itself (`build.Password`).
    fn hides(&self, value: &Expr) -> bool {
        match value {
            Expr::Traversal(path) => match path.strip_prefix("var.") {
                Some(name) => self.sensitive.contains(name),
                None => path.starts_with("build."),
            },
            _ => false,
        }
    }

    /// The HCL type a value will have, when it can be known without evaluating it.
    fn type_of(&self, value: &Expr) -> Option<Type> {
        match value {
            Expr::String(_) | Expr::Template(_) | Expr::Heredoc { .. } => Some(Type::String),
            Expr::Number(_) | Expr::Decimal(_) => Some(Type::Number),
            Expr::Bool(_) => Some(Type::Bool),
            Expr::List(items) => {
                let inner: Vec<Option<Type>> = items.iter().map(|i| self.type_of(i)).collect();
                match inner.first() {
                    None => Some(Type::list_of(Type::Any)),
                    Some(Some(first @ (Type::String | Type::Number)))
                        if inner.iter().all(|t| t.as_ref() == Some(first)) =>
                    {
                        Some(Type::list_of(first.clone()))
                    }
                    _ => None,
                }
            }
            Expr::Object(entries) => {
                // Values whose type is only known at build time (`source.name`) are not held
                // against the map.
                if entries
                    .iter()
                    .all(|(_, v)| matches!(self.type_of(v), Some(Type::String) | None))
                {
                    Some(Type::map_of(Type::String))
                } else {
                    Some(Type::Object)
                }
            }
            Expr::Traversal(path) => {
                let name = path.strip_prefix("var.")?;
                self.vars.get(name).map(|k| k.catalogue_type())
            }
            Expr::Call(name, _) => match name.as_str() {
                "templatefile" | "env" => Some(Type::String),
                _ => None,
            },
            Expr::Null => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(kind: &'static str, build: &str, source: Option<&str>) -> Subject {
        Subject {
            kind,
            component: if source.is_some() {
                Component::ProxmoxIso
            } else {
                Component::Shell
            },
            build: build.into(),
            source: source.map(str::to_owned),
        }
    }

    #[test]
    fn names_one_subject_as_before_and_several_once() {
        let a = subject("source", "a", Some("proxmox-iso.a"));
        assert_eq!(describe(std::slice::from_ref(&a)), "source `proxmox-iso.a`");
        let b = subject("source", "b", Some("proxmox-iso.b"));
        let c = subject("source", "c", Some("proxmox-iso.c"));
        assert_eq!(
            describe(&[a, b, c]),
            "each `proxmox-iso` source of builds `a`, `b` and `c`"
        );
        let editions = [
            subject("source", "windows", Some("proxmox-iso.windows-standard")),
            subject("source", "windows", Some("proxmox-iso.windows-datacenter")),
        ];
        assert_eq!(
            describe(&editions),
            "each `proxmox-iso` source of build `windows`"
        );
        let steps = [
            subject("provisioner", "b", None),
            subject("provisioner", "a", None),
        ];
        assert_eq!(describe(&steps[..1]), "provisioner `shell` of build `b`");
        assert_eq!(
            describe(&steps),
            "provisioner `shell` of builds `a` and `b`"
        );
    }
}
