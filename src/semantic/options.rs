//! The passthrough `options:` of platforms and OSes, checked against the plugin catalogue.

use std::collections::BTreeMap;

use serde_json::Value;

use super::*;
use crate::catalogue::{self, Argument, BlockSchema, Component};
use crate::diagnostic::{self, Code, Diagnostic, did_you_mean};
use crate::spec::Options;

impl Checker<'_, '_> {
    /// Checks passthrough `options` against a component's catalogue.
    pub(super) fn options(&mut self, options: &Options, at: &[&str], component: Component) {
        let schema = component.schema();
        let version = schema.plugin_version.as_deref().unwrap_or("pinned");
        for (name, value) in options {
            let mut tokens = at.to_vec();
            tokens.push(name);
            let key = self.key_span(&tokens);
            if let Some(argument) = schema.arguments.get(name) {
                if argument.internal {
                    let mut d = Diagnostic::error(
                        Code::UnknownOption,
                        format!(
                            "`{name}` is set by Packer itself and cannot be passed through `options`"
                        ),
                        key,
                        "internal argument",
                    );
                    if argument.is_secret() {
                        d = d.with_redacted(self.at(&tokens).value);
                    }
                    self.push(d);
                    continue;
                }
                self.argument(name, argument, value, &tokens, component);
                continue;
            }
            if let Some(block) = schema.blocks.get(name) {
                self.block(name, block, value, &tokens, component);
                continue;
            }
            let candidates: Vec<&str> = schema
                .arguments
                .iter()
                .filter(|(_, a)| !a.internal)
                .map(|(n, _)| n.as_str())
                .chain(schema.blocks.keys().map(String::as_str))
                .collect();
            let d = Diagnostic::error(
                Code::UnknownOption,
                format!("{} {version} has no argument `{name}`", component.name()),
                key,
                "unknown argument",
            )
            .with_optional_help(did_you_mean(name, candidates.iter().copied()));
            let d = self.mask_if_secret(d, name, &candidates, &schema.arguments, &tokens);
            self.push(d);
        }
    }

    /// Masks the value of a misspelt option when it looks like a secret: by its own name, or
    /// because the argument it was probably meant to be holds one.
    pub(super) fn mask_if_secret(
        &self,
        diagnostic: Diagnostic,
        name: &str,
        candidates: &[&str],
        arguments: &BTreeMap<String, Argument>,
        at: &[&str],
    ) -> Diagnostic {
        let meant = diagnostic::closest(name, candidates.iter().copied())
            .and_then(|c| arguments.get(c))
            .is_some_and(Argument::is_secret);
        if meant || catalogue::secret_by_name(name) {
            diagnostic.with_redacted(self.at(at).value)
        } else {
            diagnostic
        }
    }

    /// A catalogued argument given through `options`. A secret must be `{ env: NAME }`, and so
    /// may any other string argument; a literal must fit the argument's type. A deprecated
    /// argument is an error. `shown` is its name as the user reads it.
    pub(super) fn argument(
        &mut self,
        shown: &str,
        argument: &Argument,
        value: &Value,
        at: &[&str],
        component: Component,
    ) {
        let version = component
            .schema()
            .plugin_version
            .as_deref()
            .unwrap_or("pinned");
        // hybridc never emits a deprecated argument (conformance refuses it in the model too),
        // so the option is refused here, where its replacement can be named.
        if argument.deprecated {
            self.push(
                Diagnostic::error(
                    Code::DeprecatedOption,
                    format!("`{shown}` is deprecated in {} {version}", component.name()),
                    self.key_span(at),
                    "deprecated",
                )
                .with_optional_help(
                    argument
                        .replaced_by
                        .as_ref()
                        .map(|r| format!("use `{r}` instead")),
                ),
            );
        }
        let located = self.at(at).value;
        if let Some(env) = crate::spec::env_reference(value)
            && argument.kind == catalogue::Type::String
        {
            if !crate::spec::is_env_name(env) {
                self.push(
                    Diagnostic::error(
                        Code::BadFormat,
                        format!("`{shown}` reads the environment variable `{env}`, which is not a valid name"),
                        located,
                        format!("must match `{}`", crate::spec::ENV_NAME_PATTERN),
                    )
                    .with_help(format!("for example `{{ env: {} }}`", env_name_for(shown))),
                );
            }
            return;
        }
        if argument.is_secret() {
            self.push(
                Diagnostic::error(
                    Code::LiteralSecret,
                    format!(
                        "`{shown}` of {} holds a secret and cannot be written in the spec",
                        component.name()
                    ),
                    located,
                    "a literal where a secret belongs",
                )
                .with_redacted(located)
                .with_help(format!(
                    "read it from an environment variable instead: `{{ env: {} }}`",
                    env_name_for(shown)
                )),
            );
            return;
        }
        if !catalogue::fits(&argument.kind, value) {
            self.push(Diagnostic::error(
                Code::WrongType,
                format!(
                    "`{shown}` of {} must be {}, found {}",
                    component.name(),
                    argument.kind.describe(),
                    describe(value)
                ),
                located,
                format!("expected {}", argument.kind.describe()),
            ));
        }
    }

    pub(super) fn block(
        &mut self,
        name: &str,
        block: &BlockSchema,
        value: &Value,
        at: &[&str],
        component: Component,
    ) {
        let items: Vec<(Option<usize>, &Value)> = match value {
            Value::Array(items) if block.repeatable => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Some(i), v))
                .collect(),
            Value::Object(_) => vec![(None, value)],
            _ => {
                let expected = if block.repeatable {
                    "a mapping or a list of mappings"
                } else {
                    "a mapping"
                };
                self.push(Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "block `{name}` of {} must be {expected}, found {}",
                        component.name(),
                        describe(value)
                    ),
                    self.at(at).value,
                    format!("expected {expected}"),
                ));
                return;
            }
        };
        if block.deprecated {
            self.push(
                Diagnostic::error(
                    Code::DeprecatedOption,
                    format!("block `{name}` is deprecated in {}", component.name()),
                    self.key_span(at),
                    "deprecated",
                )
                .with_optional_help(
                    block
                        .replaced_by
                        .as_ref()
                        .map(|r| format!("use `{r}` instead")),
                ),
            );
        }
        for (index, item) in items {
            let index_text = index.map(|i| i.to_string());
            let mut base = at.to_vec();
            if let Some(i) = &index_text {
                base.push(i);
            }
            let Value::Object(entries) = item else {
                self.push(Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "each `{name}` block must be a mapping, found {}",
                        describe(item)
                    ),
                    self.at(&base).value,
                    "expected a mapping",
                ));
                continue;
            };
            for (arg, v) in entries {
                let mut tokens = base.clone();
                tokens.push(arg);
                if let Some(argument) = block.arguments.get(arg) {
                    self.argument(&format!("{name}.{arg}"), argument, v, &tokens, component);
                } else if let Some(inner) = block.blocks.get(arg) {
                    self.block(&format!("{name}.{arg}"), inner, v, &tokens, component);
                } else {
                    let candidates: Vec<&str> = block
                        .arguments
                        .keys()
                        .chain(block.blocks.keys())
                        .map(String::as_str)
                        .collect();
                    let d = Diagnostic::error(
                        Code::UnknownOption,
                        format!(
                            "block `{name}` of {} has no argument `{arg}`",
                            component.name()
                        ),
                        self.key_span(&tokens),
                        "unknown argument",
                    )
                    .with_optional_help(did_you_mean(arg, candidates.iter().copied()));
                    let d = self.mask_if_secret(d, arg, &candidates, &block.arguments, &tokens);
                    self.push(d);
                }
            }
        }
    }
}

pub(super) fn describe(value: &Value) -> String {
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
pub(super) fn env_name_for(shown: &str) -> String {
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
