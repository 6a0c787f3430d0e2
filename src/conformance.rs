//! Plugin conformance: every argument and block the model would emit into a source,
//! provisioner or post-processor exists in the pinned component's catalogue with a compatible
//! type, is not deprecated, and the required and either/or rules hold. An argument the
//! catalogue says holds a secret must come from a sensitive variable or from Packer itself,
//! never be written as a value.
//!
//! A violation is reported at the spec node that caused it (each argument carries its origin),
//! so a bad passthrough option points at the option. This stage reads the model and the
//! catalogue; it changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use crate::Loaded;
use crate::catalogue::{self, Argument, BlockSchema, Component, Rule};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::hcl::Expr;
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
        out: Vec::new(),
    };
    for source in &model.sources {
        let what = format!("source `{}`", source.selector());
        c.body(
            source.component,
            &what,
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
                let what = format!(
                    "{kind} `{}` of build `{}`",
                    step.component.name(),
                    build.name
                );
                c.body(
                    step.component,
                    &what,
                    &step.body,
                    Scope::Component,
                    &step.origin,
                );
            }
        }
    }
    if c.out.is_empty() {
        return Ok(());
    }
    let mut out = merge_sources(c.out);
    crate::diagnostic::sort(&mut out);
    Err(out)
}

/// One violation caused by one spec node (a platform's `options`, a provisioning set) shows in
/// every source that inherits it: report it once, naming the other sources in its help.
fn merge_sources(found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    /// Where, which rule, and the message without its leading "source `x`".
    type Key = (usize, usize, &'static str, String);
    // Key -> index in `out`, and the other sources.
    let mut seen: BTreeMap<Key, (usize, Vec<String>)> = BTreeMap::new();
    let mut out: Vec<Diagnostic> = Vec::new();
    for d in found {
        let (who, rest) = match d
            .message
            .strip_prefix("source `")
            .and_then(|m| m.split_once("` "))
        {
            Some((who, rest)) => (Some(who.to_owned()), rest.to_owned()),
            None => (None, d.message.clone()),
        };
        let key = (d.primary.span.start, d.primary.span.end, d.code, rest);
        match (seen.get_mut(&key), who) {
            (Some((_, others)), Some(who)) => others.push(who),
            (Some(_), None) => {}
            (None, _) => {
                seen.insert(key, (out.len(), Vec::new()));
                out.push(d);
            }
        }
    }
    for (at, others) in seen.into_values() {
        if others.is_empty() {
            continue;
        }
        let names: Vec<String> = others.iter().map(|o| format!("`{o}`")).collect();
        let also = format!(
            "the same holds for source{} {}",
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        );
        let d = &mut out[at];
        d.help = Some(match d.help.take() {
            Some(help) => format!("{help}; {also}"),
            None => also,
        });
    }
    out
}

#[derive(Clone, Copy)]
enum Scope<'a> {
    Component,
    Block(&'a str, &'a BlockSchema),
}

struct Checker<'a> {
    loaded: &'a Loaded,
    vars: BTreeMap<&'a str, VarType>,
    /// The variables declared `sensitive`.
    sensitive: BTreeSet<&'a str>,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn span(&self, origin: &str) -> crate::diagnostic::Span {
        self.loaded.tree.locate_nearest(origin).key_or_value()
    }

    fn error(&mut self, origin: &str, message: String, label: &str, help: Option<String>) {
        let span = self.span(origin);
        self.out.push(
            Diagnostic::error("hybridc::compile::plugin-conformance", message, span, label)
                .with_optional_help(help),
        );
    }

    fn body(
        &mut self,
        component: Component,
        what: &str,
        body: &Args,
        scope: Scope<'_>,
        origin: &str,
    ) {
        let schema = component.schema();
        let (arguments, blocks): (&BTreeMap<String, Argument>, &BTreeMap<String, BlockSchema>) =
            match scope {
                Scope::Component => (&schema.arguments, &schema.blocks),
                Scope::Block(_, block) => (&block.arguments, &block.blocks),
            };
        let version = schema.plugin_version.as_deref().unwrap_or("pinned");
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for arg in &body.0 {
            match arg {
                Arg::Attr {
                    name,
                    value,
                    origin,
                } => {
                    *counts.entry(name.as_str()).or_default() += 1;
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
                                    "{what} would set `{name}`, which is {why} in {} {version}",
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
                                    "{what} would write `{name}`, which holds a secret, into the generated files"
                                ),
                                "leads to this value",
                                Some("read it from the environment: `{ env: NAME }`".into()),
                            );
                        }
                        if let Some(found) = self.type_of(value)
                            && !compatible(&argument.kind, found)
                        {
                            self.error(
                                origin,
                                format!(
                                    "{what}: `{name}` must be {}, but would be {}",
                                    catalogue::describe(&argument.kind),
                                    catalogue::describe(found)
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
                            format!(
                                "{what}: {} {version} has no argument `{name}`",
                                component.name()
                            ),
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
                } => {
                    *counts.entry(name.as_str()).or_default() += 1;
                    match blocks.get(name) {
                        Some(block) => {
                            if block.deprecated {
                                self.error(
                                    origin,
                                    format!("{what} would use block `{name}`, which is deprecated"),
                                    "leads to this block",
                                    block
                                        .replaced_by
                                        .as_ref()
                                        .map(|r| format!("use `{r}` instead")),
                                );
                            }
                            self.body(component, what, inner, Scope::Block(name, block), origin);
                        }
                        None => {
                            let candidates = blocks.keys().map(String::as_str);
                            self.error(
                                origin,
                                format!(
                                    "{what}: {} {version} has no block `{name}`",
                                    component.name()
                                ),
                                "leads to this block",
                                did_you_mean(name, candidates),
                            );
                        }
                    }
                }
            }
        }
        for (name, count) in &counts {
            if *count > 1 && blocks.get(*name).is_none_or(|b| !b.repeatable) {
                let at = body.0.iter().rev().find_map(|a| match a {
                    Arg::Attr {
                        name: n, origin, ..
                    }
                    | Arg::Block {
                        name: n, origin, ..
                    } if n == name => Some(origin.clone()),
                    _ => None,
                });
                self.error(
                    at.as_deref().unwrap_or(origin),
                    format!("{what} would set `{name}` more than once"),
                    "set again here",
                    None,
                );
            }
        }
        for (name, argument) in arguments {
            if argument.required && !body.has(name) {
                self.error(
                    origin,
                    format!("{what} lacks `{name}`, which {} requires", component.name()),
                    "required argument missing",
                    Some(format!("add `{name}` through the spec or `options`")),
                );
            }
        }
        for (name, block) in blocks {
            if block.required && !body.has(name) {
                self.error(
                    origin,
                    format!(
                        "{what} lacks block `{name}`, which {} requires",
                        component.name()
                    ),
                    "required block missing",
                    None,
                );
            }
        }
        let scope_name = match scope {
            Scope::Component => None,
            Scope::Block(name, _) => Some(name),
        };
        for rule in schema
            .conditional_requirements
            .iter()
            .filter(|r| r.scope.as_deref() == scope_name)
        {
            self.rule(component, what, body, rule, origin);
        }
    }

    fn rule(&mut self, component: Component, what: &str, body: &Args, rule: &Rule, origin: &str) {
        let satisfied = |alternative: &str| -> bool {
            if alternative.contains('+') {
                alternative.split('+').all(|a| body.has(a))
            } else {
                alternative.split('|').any(|a| body.has(a))
            }
        };
        let present: Vec<&String> = rule.arguments.iter().filter(|a| satisfied(a)).collect();
        let choices = rule
            .arguments
            .iter()
            .map(|a| format!("`{}`", a.replace('|', "`/`").replace('+', "` + `")))
            .collect::<Vec<_>>()
            .join(", ");
        let name = component.name();
        let message = match rule.rule.as_str() {
            "exactly_one_of" if present.len() != 1 => {
                format!(
                    "{what} must set exactly one of {choices} ({name} requires it), but sets {}",
                    present.len()
                )
            }
            "at_least_one_of" if present.is_empty() => {
                format!("{what} must set at least one of {choices} ({name} requires it)")
            }
            "mutually_exclusive" if present.len() > 1 => {
                format!("{what} sets {choices} together, which {name} does not allow")
            }
            "all_or_none" if !present.is_empty() && present.len() != rule.arguments.len() => {
                format!("{what} must set all of {choices} or none")
            }
            "min_items" => {
                let minimum = rule
                    .value
                    .as_ref()
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(1) as usize;
                match rule
                    .arguments
                    .iter()
                    .find(|a| body.names().filter(|n| n == a).count() < minimum)
                {
                    Some(block) => format!(
                        "{what} needs at least {minimum} `{block}` block(s), {name} requires it"
                    ),
                    None => return,
                }
            }
            _ => return,
        };
        // Point at what the user wrote when a passthrough option is involved, else at the
        // spec node behind the whole block.
        let origins: Vec<String> = present
            .iter()
            .flat_map(|alternative| alternative.split(['|', '+']))
            .filter_map(|arg| {
                body.0.iter().find_map(|a| match a {
                    Arg::Attr { name, origin, .. } | Arg::Block { name, origin, .. }
                        if name == arg =>
                    {
                        Some(origin.clone())
                    }
                    _ => None,
                })
            })
            .collect();
        let primary = origins
            .iter()
            .find(|o| o.contains("/options/"))
            .cloned()
            .unwrap_or_else(|| origin.to_owned());
        let span = self.span(&primary);
        let mut diagnostic = Diagnostic::error(
            "hybridc::compile::plugin-conformance",
            message,
            span,
            "leads to this argument",
        );
        for other in origins.iter().filter(|o| **o != primary) {
            let other_span = self.span(other);
            if other_span != span && !diagnostic.secondary.iter().any(|l| l.span == other_span) {
                diagnostic = diagnostic.with_secondary(other_span, "and this one");
            }
        }
        self.out.push(diagnostic);
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
    fn type_of(&self, value: &Expr) -> Option<&'static str> {
        match value {
            Expr::String(_) | Expr::Template(_) | Expr::Heredoc { .. } => Some("string"),
            Expr::Number(_) | Expr::Decimal(_) => Some("number"),
            Expr::Bool(_) => Some("bool"),
            Expr::List(items) => {
                let inner: Vec<Option<&str>> = items.iter().map(|i| self.type_of(i)).collect();
                match inner.first() {
                    None => Some("list(any)"),
                    Some(Some("string")) if inner.iter().all(|t| *t == Some("string")) => {
                        Some("list(string)")
                    }
                    Some(Some("number")) if inner.iter().all(|t| *t == Some("number")) => {
                        Some("list(number)")
                    }
                    _ => None,
                }
            }
            Expr::Object(entries) => {
                // Values whose type is only known at build time (`source.name`) are not held
                // against the map.
                if entries
                    .iter()
                    .all(|(_, v)| matches!(self.type_of(v), Some("string") | None))
                {
                    Some("map(string)")
                } else {
                    Some("object")
                }
            }
            Expr::Traversal(path) => {
                let name = path.strip_prefix("var.")?;
                self.vars.get(name).map(|k| k.catalogue_name())
            }
            Expr::Call(name, _) => match name.as_str() {
                "templatefile" | "env" => Some("string"),
                _ => None,
            },
            Expr::Null => None,
        }
    }
}

fn compatible(expected: &str, found: &str) -> bool {
    expected == found
        || (expected == "string" && matches!(found, "number" | "bool"))
        || (expected.starts_with("list(") && found == "list(any)")
        || (expected.starts_with("map(") && found == "map(string)" && expected == "map(string)")
}
