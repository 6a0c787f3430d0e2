//! The passthrough `options:` of platforms and OSes, checked against the plugin catalogue.
//!
//! The catalogue's rules are applied by [`crate::catalogue::check`], the same walk conformance
//! makes over the compiled model; this file gives it the options as YAML values with their
//! places in the spec, and words what it finds. What only the spec has is said here: a
//! `{ env: NAME }` reference stands for a string, and its name must be a valid one.

use serde_json::Value;

use super::Checker;
use crate::catalogue::check::{self, Body, Entry, Finding, Hiding, Opened, Problem, Stray};
use crate::catalogue::{self, Argument, BlockSchema, Component, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::spec::Options;

/// Options as the catalogue checker walks them: YAML values by name, findings at JSON pointer
/// tokens.
struct Yaml<'v> {
    entries: Vec<(&'v str, &'v Value)>,
    at: Vec<String>,
}

impl<'v> Yaml<'v> {
    fn new(entries: impl Iterator<Item = (&'v String, &'v Value)>, at: Vec<String>) -> Self {
        Self {
            entries: entries
                .map(|(name, value)| (name.as_str(), value))
                .collect(),
            at,
        }
    }
}

/// `at` with `token` after it.
fn join(at: &[String], token: String) -> Vec<String> {
    let mut tokens = at.to_vec();
    tokens.push(token);
    tokens
}

impl<'v> Body<'v> for Yaml<'v> {
    type Value = Value;
    type At = Vec<String>;

    fn at(&self) -> Vec<String> {
        self.at.clone()
    }

    fn entries(&self) -> Vec<(&'v str, Entry<'v, Self>, Vec<String>)> {
        self.entries
            .iter()
            .map(|(name, value)| {
                (
                    *name,
                    Entry::Value(*value),
                    join(&self.at, (*name).to_owned()),
                )
            })
            .collect()
    }

    fn open(&self, value: &'v Value, at: &Vec<String>, block: &BlockSchema) -> Opened<'v, Self> {
        let Some(items) = block.items(value) else {
            return Opened::Shape;
        };
        let items = items.into_iter().map(|(index, item)| {
            let at = match index {
                Some(i) => join(at, i.to_string()),
                None => at.clone(),
            };
            match item {
                Value::Object(entries) => Ok(Yaml::new(entries.iter(), at)),
                _ => Err(Stray { at, value: item }),
            }
        });
        Opened::Blocks(items.collect())
    }

    /// `{ env: NAME }` is a string; any other value a literal, by [`catalogue::fits`].
    fn fits(&self, value: &'v Value, expected: &Type) -> bool {
        (*expected == Type::String && crate::spec::env_reference(value).is_some())
            || catalogue::fits(expected, value)
    }

    /// A string argument may be read from the environment, `{ env: NAME }`, with a valid name.
    fn hides(&self, value: &'v Value, argument: &Argument) -> Hiding {
        match crate::spec::env_reference(value) {
            Some(env) if argument.kind == Type::String => {
                if crate::spec::is_env_name(env) {
                    Hiding::Hidden
                } else {
                    Hiding::Malformed(env.to_owned())
                }
            }
            _ => Hiding::Shown,
        }
    }
}

impl Checker<'_, '_> {
    /// Checks passthrough `options` against a component's catalogue. A secret must be
    /// `{ env: NAME }`, and so may any other string argument; a literal must fit the argument's
    /// type. hybridc never emits a deprecated argument (conformance refuses it in the model
    /// too), so a deprecated option is refused here, where its replacement can be named.
    pub(super) fn options(&mut self, options: &Options, at: &[&str], component: Component) {
        let body = Yaml::new(options.iter(), at.iter().map(|t| (*t).to_owned()).collect());
        for finding in check::Checker::new().component(component, &body, false) {
            if let Some(diagnostic) = self.option_finding(finding, component) {
                self.push(diagnostic);
            }
        }
    }

    /// Words what the catalogue checker found in `options`.
    fn option_finding<'v>(
        &self,
        finding: Finding<'v, Yaml<'v>>,
        component: Component,
    ) -> Option<Diagnostic> {
        let Finding {
            path,
            name,
            at,
            value,
            problem,
        } = finding;
        let tokens: Vec<&str> = at.iter().map(String::as_str).collect();
        let key = self.key_span(&tokens);
        let located = self.at(&tokens).value;
        let version = component
            .schema()
            .plugin_version
            .as_deref()
            .unwrap_or("pinned");
        let c = component.name();
        // The name as the user reads it: `customize.linux_options.host_name`.
        let shown = path
            .iter()
            .copied()
            .chain(std::iter::once(name))
            .collect::<Vec<_>>()
            .join(".");
        let found = || value.map(describe).unwrap_or_default();
        let replaced = |by: &Option<String>| by.as_ref().map(|r| format!("use `{r}` instead"));
        Some(match problem {
            Problem::Internal(argument) => {
                let d = Diagnostic::error(
                    Code::UnknownOption,
                    format!(
                        "`{shown}` is set by Packer itself and cannot be passed through `options`"
                    ),
                    key,
                    "internal argument",
                );
                if argument.is_secret() {
                    d.with_redacted(located)
                } else {
                    d
                }
            }
            Problem::Deprecated(argument) => Diagnostic::error(
                Code::DeprecatedOption,
                format!("`{shown}` is deprecated in {c} {version}"),
                key,
                "deprecated",
            )
            .with_optional_help(replaced(&argument.replaced_by)),
            Problem::Malformed(env) => Diagnostic::error(
                Code::BadFormat,
                format!(
                    "`{shown}` reads the environment variable `{env}`, which is not a valid name"
                ),
                located,
                format!("must match `{}`", crate::spec::ENV_NAME_PATTERN),
            )
            .with_help(format!("for example `{{ env: {} }}`", env_name_for(&shown))),
            Problem::Secret(_) => Diagnostic::error(
                Code::LiteralSecret,
                format!("`{shown}` of {c} holds a secret and cannot be written in the spec"),
                located,
                "a literal where a secret belongs",
            )
            .with_redacted(located)
            .with_help(format!(
                "read it from an environment variable instead: `{{ env: {} }}`",
                env_name_for(&shown)
            )),
            Problem::WrongType(argument) => Diagnostic::error(
                Code::WrongType,
                format!(
                    "`{shown}` of {c} must be {}, found {}",
                    argument.kind.describe(),
                    found()
                ),
                located,
                format!("expected {}", argument.kind.describe()),
            ),
            Problem::NotABlock(block) => {
                let expected = if block.repeatable {
                    "a mapping or a list of mappings"
                } else {
                    "a mapping"
                };
                Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "block `{shown}` of {c} must be {expected}, found {}",
                        found()
                    ),
                    located,
                    format!("expected {expected}"),
                )
            }
            Problem::DeprecatedBlock(block) => Diagnostic::error(
                Code::DeprecatedOption,
                format!("block `{shown}` is deprecated in {c}"),
                key,
                "deprecated",
            )
            .with_optional_help(replaced(&block.replaced_by)),
            Problem::NotABody => Diagnostic::error(
                Code::WrongType,
                format!("each `{shown}` block must be a mapping, found {}", found()),
                located,
                "expected a mapping",
            ),
            Problem::Unknown {
                suggestion,
                suggests_secret,
                ..
            } => {
                let message = if path.is_empty() {
                    format!("{c} {version} has no argument `{name}`")
                } else {
                    format!("block `{}` of {c} has no argument `{name}`", path.join("."))
                };
                let d = Diagnostic::error(Code::UnknownOption, message, key, "unknown argument")
                    .with_did_you_mean(name, suggestion);
                // A misspelt secret is still a secret: by its own name, or by the name it
                // was probably meant to be.
                if suggests_secret || catalogue::secret_by_name(name) {
                    d.with_redacted(located)
                } else {
                    d
                }
            }
            // A part of a body is not held to what the whole must hold.
            Problem::Repeated
            | Problem::MissingArgument
            | Problem::MissingBlock
            | Problem::Rule { .. } => return None,
        })
    }
}

/// A YAML value's kind, as a message says what was found.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// An environment variable name to suggest for the option `shown` (`customize.windows_options.
/// admin_password` -> `ADMIN_PASSWORD`).
fn env_name_for(shown: &str) -> String {
    let last = shown.rsplit('.').next().unwrap_or(shown);
    let name: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if crate::spec::is_env_name(&name) {
        name
    } else {
        "VARIABLE_NAME".to_owned()
    }
}
