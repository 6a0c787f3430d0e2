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
//!
//! The catalogue's rules are applied by [`crate::catalogue::check`], the walk the `options:`
//! check makes too; this stage gives it the model's bodies, knows the types of the model's
//! values and which of them stay out of the files, and words what the walk finds.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalogue::check::{self, Body, Entry, Hiding, Opened, Problem};
use crate::catalogue::{self, Argument, BlockSchema, Component, NameMap, Rule, RuleKind, Type};
use crate::diagnostic::{Code, Diagnostic, Label, Span, did_you_mean};
use crate::hcl::Expr;
use crate::loaded::Loaded;
use crate::model::{Arg, Args, Model, VarType};

/// Checks every source, provisioner and post-processor of the model.
///
/// # Errors
/// Every violation, at its spec location, sorted by position.
pub fn check(model: &Model, loaded: &Loaded) -> Result<(), Vec<Diagnostic>> {
    let variables = Variables::of(model);
    report(findings(loaded, &variables, &model.sources, &model.builds))
}

/// [`check`] on both cores, for a caller with nothing else to run meanwhile (`validate`, the
/// language server): sources are most of the work, and the first half of them is checked on
/// the other core. The findings are joined in the order of one pass, so the result is
/// [`check`]'s.
///
/// # Errors
/// As [`check`].
pub fn check_on_both_cores(model: &Model, loaded: &Loaded) -> Result<(), Vec<Diagnostic>> {
    check_naming(model, loaded).0
}

/// [`check_on_both_cores`], with the builds (OS keys) a violation was found in: the others
/// conform.
pub fn check_naming(
    model: &Model,
    loaded: &Loaded,
) -> (Result<(), Vec<Diagnostic>>, BTreeSet<String>) {
    let variables = Variables::of(model);
    let (first, second) = model.sources.split_at(model.sources.len() / 2);
    let (mut found, rest) = crate::parallel::both(
        || findings(loaded, &variables, first, &[]),
        || findings(loaded, &variables, second, &model.builds),
    );
    found.extend(rest);
    let named = found.iter().map(|f| f.subject.build.clone()).collect();
    (report(found), named)
}

/// The violations found, merged and sorted.
fn report(found: Vec<Finding>) -> Result<(), Vec<Diagnostic>> {
    let mut out = merge(found);
    if out.is_empty() {
        return Ok(());
    }
    crate::diagnostic::sort(&mut out);
    out.dedup();
    Err(out)
}

/// The violations of `sources` and of the steps of `builds`, in that order.
fn findings(
    loaded: &Loaded,
    variables: &Variables<'_>,
    sources: &[crate::model::Source],
    builds: &[crate::model::Build],
) -> Vec<Finding> {
    let mut c = Checker {
        loaded,
        variables,
        subject: None,
        found: Vec::new(),
        catalogue: check::Checker::new(),
    };
    for source in sources {
        c.subject = Some(Subject {
            kind: "source",
            component: source.component,
            build: source.os.clone(),
            source: Some(source.selector()),
        });
        c.body(source.component, &source.body, source.origin.as_str());
    }
    for build in builds {
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
                c.body(step.component, &step.body, step.origin.as_str());
            }
        }
    }
    c.found
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
    /// What replaces the name written at the primary span, for the editor's quick fix.
    replacement: Option<String>,
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
            replacement: finding.replacement,
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

/// What the values of the model's variables are: their types, and which are sensitive.
/// Looked up for every reference in every body, never iterated.
struct Variables<'a> {
    kinds: NameMap<'a, VarType>,
    /// The variables declared `sensitive`.
    sensitive: NameMap<'a, ()>,
}

impl<'a> Variables<'a> {
    /// The model's variables.
    fn of(model: &'a Model) -> Self {
        Variables {
            kinds: model
                .variables
                .iter()
                .map(|v| (v.name.as_str(), v.kind))
                .collect(),
            sensitive: model
                .variables
                .iter()
                .filter(|v| v.sensitive)
                .map(|v| (v.name.as_str(), ()))
                .collect(),
        }
    }

    /// Whether a secret argument's value stays out of the files: a sensitive variable, or a
    /// value Packer fills in itself (`build.Password`).
    fn hides(&self, value: &Expr) -> bool {
        match value {
            Expr::Var(name) => self.sensitive.contains_key(name.as_str()),
            Expr::Traversal(path) => path.starts_with("build."),
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
            Expr::Var(name) => self.kinds.get(name.as_str()).map(|k| k.catalogue_type()),
            Expr::Traversal(_)
            | Expr::Local(_)
            | Expr::Index(..)
            | Expr::Binary(..)
            | Expr::Conditional(..) => None,
            Expr::Call(name, _) => match name.as_str() {
                "templatefile" | "env" => Some(Type::String),
                _ => None,
            },
            Expr::Null => None,
        }
    }
}

/// A body of the model, as the catalogue checker walks it: findings point at each argument's
/// origin, or at the block's for what it lacks.
struct Hcl<'a> {
    args: &'a Args,
    origin: &'a str,
    variables: &'a Variables<'a>,
}

impl<'a> Body<'a> for Hcl<'a> {
    type Value = Expr;
    type At = &'a str;

    fn at(&self) -> &'a str {
        self.origin
    }

    fn entries(&self) -> Vec<(&'a str, Entry<'a, Self>, &'a str)> {
        self.args
            .0
            .iter()
            .map(|arg| match arg {
                Arg::Attr {
                    name,
                    value,
                    origin,
                } => (name.as_ref(), Entry::Value(value), origin.as_str()),
                Arg::Block {
                    name, body, origin, ..
                } => (
                    name.as_ref(),
                    Entry::Block(Hcl {
                        args: body,
                        origin: origin.as_str(),
                        variables: self.variables,
                    }),
                    origin.as_str(),
                ),
            })
            .collect()
    }

    fn open(&self, _: &'a Expr, _: &&'a str, _: &BlockSchema) -> Opened<'a, Self> {
        // An attribute is never a block, whatever its name.
        Opened::NotABlock
    }

    fn fits(&self, value: &'a Expr, expected: &Type) -> bool {
        self.variables
            .type_of(value)
            .is_none_or(|found| catalogue::compatible(expected, &found))
    }

    fn hides(&self, value: &'a Expr, _: &Argument) -> Hiding {
        if self.variables.hides(value) {
            Hiding::Hidden
        } else {
            Hiding::Shown
        }
    }
}

struct Checker<'a> {
    loaded: &'a Loaded,
    variables: &'a Variables<'a>,
    /// The source or step being checked.
    subject: Option<Subject>,
    found: Vec<Finding>,
    catalogue: check::Checker,
}

impl<'a> Checker<'a> {
    fn span(&self, origin: &str) -> Span {
        self.loaded.tree.locate_nearest(origin).key_or_value()
    }

    /// Records a violation of the current subject; `rest` is the message after the subject.
    fn error(&mut self, origin: &str, rest: String, label: &str, help: Option<String>) {
        let span = self.span(origin);
        self.push(rest, span, label, Vec::new(), help);
    }

    /// Records an unknown name of the current subject, written at `origin`, with the did-you-mean
    /// of `suggestion`; its replacement is data for the editor's quick fix when the spec writes
    /// the name there (a name lowering made up has nothing in the spec to replace).
    fn unknown(
        &mut self,
        origin: &str,
        rest: String,
        label: &str,
        name: &str,
        suggestion: Option<&'static str>,
    ) {
        let help = did_you_mean(name, suggestion);
        let span = self.span(origin);
        let written = self.loaded.source.text.get(span.start..span.end);
        let replacement = suggestion
            .filter(|_| help.is_some())
            .filter(|_| written.is_some_and(|w| w.trim_matches(['"', '\'']) == name));
        self.push(rest, span, label, Vec::new(), help);
        if let Some(finding) = self.found.last_mut() {
            finding.replacement = replacement.map(str::to_owned);
        }
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
            replacement: None,
        });
    }

    /// Checks a component's body and words what fails.
    fn body(&mut self, component: Component, body: &'a Args, origin: &'a str) {
        let hcl = Hcl {
            args: body,
            origin,
            variables: self.variables,
        };
        let findings = self.catalogue.component(component, &hcl, true);
        let version = component
            .schema()
            .plugin_version
            .as_deref()
            .unwrap_or("pinned");
        let replaced = |by: &Option<String>| by.as_ref().map(|r| format!("use `{r}` instead"));
        for finding in findings {
            let name = finding.name;
            let at = finding.at;
            match finding.problem {
                Problem::Internal(argument) | Problem::Deprecated(argument) => {
                    let why = if argument.internal {
                        "set by Packer itself"
                    } else {
                        "deprecated"
                    };
                    self.error(
                        at,
                        format!(
                            " would set `{name}`, which is {why} in {} {version}",
                            component.name()
                        ),
                        "leads to this argument",
                        replaced(&argument.replaced_by),
                    );
                }
                Problem::Secret(_) => self.error(
                    at,
                    format!(
                        " would write `{name}`, which holds a secret, into the generated files"
                    ),
                    "leads to this value",
                    Some("read it from the environment: `{ env: NAME }`".into()),
                ),
                Problem::WrongType(argument) => {
                    let found = finding
                        .value
                        .and_then(|v| self.variables.type_of(v))
                        .map_or_else(String::new, |t| t.describe());
                    self.error(
                        at,
                        format!(
                            ": `{name}` must be {}, but would be {found}",
                            argument.kind.describe()
                        ),
                        "leads to this value",
                        None,
                    );
                }
                Problem::Unknown {
                    block, suggestion, ..
                } => {
                    let what = if block { "block" } else { "argument" };
                    self.unknown(
                        at,
                        format!(": {} {version} has no {what} `{name}`", component.name()),
                        if block {
                            "leads to this block"
                        } else {
                            "leads to this argument"
                        },
                        name,
                        suggestion,
                    );
                }
                Problem::DeprecatedBlock(block) => self.error(
                    at,
                    format!(" would use block `{name}`, which is deprecated"),
                    "leads to this block",
                    replaced(&block.replaced_by),
                ),
                Problem::Repeated => self.error(
                    at,
                    format!(" would set `{name}` more than once"),
                    "set again here",
                    None,
                ),
                Problem::MissingArgument => self.error(
                    at,
                    format!(" lacks `{name}`, which {} requires", component.name()),
                    "required argument missing",
                    Some(format!("add `{name}` through the spec or `options`")),
                ),
                Problem::MissingBlock => self.error(
                    at,
                    format!(" lacks block `{name}`, which {} requires", component.name()),
                    "required block missing",
                    None,
                ),
                Problem::Rule {
                    rule,
                    present,
                    block,
                    involved,
                } => self.rule(component, rule, present, block, &involved, at),
                // The model's bodies are built as HCL: no malformed references, no values
                // standing for blocks.
                Problem::Malformed(_) | Problem::NotABlock(_) | Problem::NotABody => {}
            }
        }
    }

    /// Words a rule between arguments that does not hold.
    fn rule(
        &mut self,
        component: Component,
        rule: &Rule,
        present: usize,
        block: Option<&str>,
        origins: &[&str],
        origin: &str,
    ) {
        let choices = || {
            rule.arguments
                .iter()
                .map(|a| format!("`{}`", a.replace('|', "`/`").replace('+', "` + `")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let name = component.name();
        let message = match (rule.rule, block) {
            (RuleKind::ExactlyOneOf, _) => format!(
                " must set exactly one of {} ({name} requires it), but sets {present}",
                choices()
            ),
            (RuleKind::AtLeastOneOf, _) => format!(
                " must set at least one of {} ({name} requires it)",
                choices()
            ),
            (RuleKind::MutuallyExclusive, _) => {
                format!(" sets {} together, which {name} does not allow", choices())
            }
            (RuleKind::AllOrNone, _) => format!(" must set all of {} or none", choices()),
            (RuleKind::MinItems, Some(block)) => format!(
                " needs at least {} `{block}` block(s), {name} requires it",
                rule.minimum()
            ),
            _ => return,
        };
        // Point at what the user wrote when a passthrough option is involved, else at the
        // spec node behind the whole block.
        let primary = origins
            .iter()
            .find(|o| o.contains("/options/"))
            .copied()
            .unwrap_or(origin);
        let span = self.span(primary);
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
