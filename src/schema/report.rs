//! Wording a jsonschema error for a person, at the YAML node it is about.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use super::schema;
use crate::diagnostic::{Code, Diagnostic, Span, did_you_mean};
use crate::yaml::{self, Node};

/// Adds the diagnostics for one validation error to `out`.
pub(super) fn report(tree: &Node, error: &ValidationError<'_>, out: &mut Vec<Diagnostic>) {
    let pointer = error.instance_path().as_str().to_owned();
    let Some(mut at) = tree.locate(&pointer) else {
        // Every instance path comes from the same document; this only guards the invariant.
        out.push(Diagnostic::error(
            Code::Invalid,
            error.to_string(),
            tree.span,
            "in this document",
        ));
        return;
    };
    let path = display_path(tree, &pointer);
    // An empty value (`key:` and nothing) has no text of its own: point at its key.
    if error.instance().is_null()
        && let Some(key) = at.key
    {
        at.value = key;
    }
    let schema_at = resolve_schema(error.schema_path().as_str());
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = schema_at
                .node
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|p| p.keys().map(String::as_str).collect::<Vec<_>>())
                .unwrap_or_default();
            for key in unexpected {
                let child = crate::pointer::child(&pointer, key);
                let located = tree.locate(&child);
                let span = located.map_or(at.key_or_value(), |l| l.key_or_value());
                // A close key's did-you-mean (below) replaces this help.
                let help = if key == "<<" {
                    Some(
                        "YAML merge keys are not supported; put shared values under `defaults`"
                            .into(),
                    )
                } else if allowed.is_empty() {
                    None
                } else {
                    Some(format!(
                        "allowed keys: {}",
                        backticked(allowed.iter().copied())
                    ))
                };
                if let Some(d) = credential_override(tree, &pointer, key, span) {
                    out.push(d);
                    continue;
                }
                let within = if path.is_empty() {
                    "the spec".to_owned()
                } else {
                    format!("`{path}`")
                };
                let mut diagnostic = Diagnostic::error(
                    Code::UnknownKey,
                    format!("unknown key `{key}` in {within}"),
                    span,
                    "unknown key",
                )
                .with_optional_help(help)
                .with_did_you_mean(key, allowed.iter().copied());
                // `password: { value: hunter2 }`: whatever sits inside a credential is taken
                // for the secret it was meant to hold.
                if schema_at.definition == Some("Credential")
                    && let Some(located) = located
                {
                    diagnostic = diagnostic.with_redacted(located.value);
                }
                out.push(diagnostic);
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let description = schema_at
                .node
                .and_then(|s| s.get("properties"))
                .and_then(|p| p.get(name))
                .and_then(|p| p.get("description"))
                .and_then(Value::as_str);
            let within = if path.is_empty() {
                "the spec".to_owned()
            } else {
                format!("`{path}`")
            };
            let span = if pointer.is_empty() {
                first_line(tree)
            } else {
                at.key_or_value()
            };
            out.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("missing key `{name}` in {within}"),
                    span,
                    format!("`{name}` is required here"),
                )
                .with_optional_help(
                    description.map(|d| format!("add `{name}`: {}", first_sentence(d))),
                ),
            );
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => article(&t.to_string()),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| article(&t.to_string()))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let found = describe_value(error.instance());
            if schema_at.definition == Some("Credential") {
                out.push(
                    Diagnostic::error(
                        Code::LiteralCredential,
                        format!("`{path}` is a credential and cannot be written in the spec"),
                        at.value,
                        "a literal where a credential belongs",
                    )
                    .with_redacted(at.value)
                    .with_help(
                        "read it from an environment variable instead: `{ env: VARIABLE_NAME }`",
                    ),
                );
            } else {
                out.push(Diagnostic::error(
                    Code::WrongType,
                    format!("`{path}` must be {expected}, found {found}"),
                    at.value,
                    format!("expected {expected}"),
                ));
            }
        }
        ValidationErrorKind::Enum { options } => {
            let values: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let given = error
                .instance()
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| error.instance().to_string());
            out.push(
                Diagnostic::error(
                    Code::UnknownValue,
                    format!(
                        "`{path}` must be one of {}, found `{given}`",
                        backticked(values.iter().map(String::as_str))
                    ),
                    at.value,
                    "not an allowed value",
                )
                .with_did_you_mean(&given, values.iter().map(String::as_str)),
            );
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            out.push(Diagnostic::error(
                Code::OutOfRange,
                format!(
                    "`{path}` must be at least {limit}, found {}",
                    error.instance()
                ),
                at.value,
                "too small",
            ));
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            out.push(Diagnostic::error(
                Code::OutOfRange,
                format!(
                    "`{path}` must be at most {limit}, found {}",
                    error.instance()
                ),
                at.value,
                "too large",
            ));
        }
        ValidationErrorKind::Pattern { .. } => {
            // Worded from the format's declaration (see `spec::TextFormat`): a regular
            // expression is not something to show a person.
            let node = schema_at.node;
            let words = node
                .and_then(|s| s.get("patternErrorMessage"))
                .and_then(Value::as_str);
            let examples: Vec<&str> = node
                .and_then(|s| s.get("examples"))
                .and_then(Value::as_array)
                .map(|e| e.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let help = if examples.is_empty() {
                node.and_then(|s| s.get("description"))
                    .and_then(Value::as_str)
                    .map(first_sentence)
            } else {
                Some(format!("for example {}", backticked(examples)))
            };
            out.push(
                Diagnostic::error(
                    Code::BadFormat,
                    format!(
                        "`{path}` has the wrong format, found {}",
                        describe_value(error.instance())
                    ),
                    at.value,
                    words.unwrap_or("wrong format"),
                )
                .with_optional_help(help),
            );
        }
        ValidationErrorKind::MinItems { limit } => {
            out.push(Diagnostic::error(
                Code::TooFew,
                format!(
                    "`{path}` needs at least {limit} item{}",
                    if *limit == 1 { "" } else { "s" }
                ),
                at.value,
                "too few items",
            ));
        }
        ValidationErrorKind::MinProperties { limit } => {
            out.push(Diagnostic::error(
                Code::TooFew,
                format!(
                    "`{path}` needs at least {limit} entr{}",
                    if *limit == 1 { "y" } else { "ies" }
                ),
                at.value,
                "too few entries",
            ));
        }
        ValidationErrorKind::UniqueItems => {
            out.push(Diagnostic::error(
                Code::DuplicateItem,
                format!("`{path}` lists the same item more than once"),
                at.value,
                "items must be unique",
            ));
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            report_alternatives(tree, error, context, &path, at, schema_at.node, out);
        }
        _ => {
            out.push(Diagnostic::error(
                Code::Invalid,
                format!("`{path}`: {error}"),
                at.value,
                "invalid here",
            ));
        }
    }
}

/// A credential of a platform written under an environment's overrides of that platform
/// (`environments.dev.platforms.proxmox.token`): not an unknown key but a rule worth saying,
/// with the variable to set instead.
fn credential_override(tree: &Node, pointer: &str, key: &str, span: Span) -> Option<Diagnostic> {
    let tokens = crate::pointer::tokens(pointer);
    let [environments, environment, platforms, platform] = tokens.as_slice() else {
        return None;
    };
    if environments != "environments" || platforms != "platforms" {
        return None;
    }
    let base = property_schema(&["platforms", platform, key])?;
    if definition_of(base) != Some("Credential") {
        return None;
    }
    let variable = tree
        .get("platforms")
        .and_then(|p| p.value.get(platform))
        .and_then(|p| p.value.get(key))
        .and_then(|c| c.value.get("env"))
        .and_then(|e| match &e.value.value {
            yaml::Value::Str(name) => Some(name.as_str()),
            _ => None,
        });
    let variable = match variable {
        Some(name) => format!("`{name}` (which `platforms.{platform}.{key}` reads)"),
        None => format!("the variable that `platforms.{platform}.{key}` names"),
    };
    Some(
        Diagnostic::error(
            Code::CredentialOverride,
            format!(
                "`{key}` is a credential of `platforms.{platform}` and cannot differ in environment `{environment}`"
            ),
            span,
            "credentials are per platform, not per environment",
        )
        .with_help(format!(
            "Packer reads credentials from environment variables when it runs, never from an environment's var file: set {variable} to a different value in each CI environment instead"
        )),
    )
}

/// The schema of the property at `path` (property names from the root), through references.
fn property_schema(path: &[&str]) -> Option<&'static Value> {
    let mut node = schema();
    for name in path {
        node = dereference(node).get("properties")?.get(*name)?;
    }
    Some(node)
}

/// The definition a schema only refers to: `$ref`, or `allOf` with one `$ref`.
fn definition_of(node: &Value) -> Option<&str> {
    let reference = node.get("$ref").or_else(|| {
        node.get("allOf")
            .and_then(Value::as_array)
            .filter(|all| all.len() == 1)
            .and_then(|all| all[0].get("$ref"))
    })?;
    reference.as_str()?.strip_prefix("#/definitions/")
}

/// The definition a schema refers to, or the schema itself.
fn dereference(node: &'static Value) -> &'static Value {
    definition_of(node)
        .and_then(|name| schema().get("definitions")?.get(name))
        .unwrap_or(node)
}

/// Reports the leaf problem of a `oneOf`/`anyOf`: the branch that got furthest, or, when no
/// branch gets past the first level, which alternatives exist.
fn report_alternatives(
    tree: &Node,
    error: &ValidationError<'_>,
    context: &[Vec<ValidationError<'static>>],
    path: &str,
    at: yaml::Located,
    schema: Option<&Value>,
    out: &mut Vec<Diagnostic>,
) {
    let own_depth = depth(error.instance_path().as_str());
    let names: Vec<&str> = schema
        .and_then(|s| s.get("oneOf").or_else(|| s.get("anyOf")))
        .and_then(Value::as_array)
        .map(|branches| {
            branches
                .iter()
                .filter_map(|b| {
                    b.get("required")
                        .and_then(|r| r.get(0))
                        .and_then(Value::as_str)
                })
                .collect()
        })
        .unwrap_or_default();
    let best = context
        .iter()
        .filter(|errors| !errors.is_empty())
        .max_by_key(|errors| {
            let deepest = errors
                .iter()
                .map(|e| depth(e.instance_path().as_str()))
                .min()
                .unwrap_or(0);
            (deepest, std::cmp::Reverse(errors.len()))
        });
    let deeper = best.is_some_and(|errors| {
        errors
            .iter()
            .all(|e| depth(e.instance_path().as_str()) > own_depth)
    });
    if let (Some(errors), true) = (best, deeper) {
        for e in errors {
            report(tree, e, out);
        }
        return;
    }
    // No branch matched even its kind: say which kinds exist.
    let keys: Vec<&str> = error
        .instance()
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    if !names.is_empty() {
        let known: Vec<&str> = keys.iter().copied().filter(|k| names.contains(k)).collect();
        let (message, span, help) = match (known.len(), keys.first()) {
            (n, _) if n > 1 => (
                format!(
                    "`{path}` has more than one kind: {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                tree.locate(&format!("{}/{}", error.instance_path().as_str(), known[1]))
                    .map_or(at.value, |l| l.key_or_value()),
                "give each kind its own list item".to_owned(),
            ),
            (_, Some(first)) if known.is_empty() => {
                let child = format!("{}/{}", error.instance_path().as_str(), first);
                (
                    format!("unknown kind `{first}` in `{path}`"),
                    tree.locate(&child).map_or(at.value, |l| l.key_or_value()),
                    did_you_mean(first, names.iter().copied()).unwrap_or_else(|| {
                        format!("expected one of {}", backticked(names.iter().copied()))
                    }),
                )
            }
            _ => (
                format!(
                    "`{path}` must have exactly one of {}",
                    backticked(names.iter().copied())
                ),
                at.value,
                format!("for example `{}: {{ ... }}`", names[0]),
            ),
        };
        // A known kind with problems inside was handled above; here only the kind itself is wrong.
        if known.len() == 1 && keys.len() > 1 {
            for extra in keys.iter().filter(|k| !names.contains(k)) {
                let child = format!("{}/{}", error.instance_path().as_str(), extra);
                out.push(
                    Diagnostic::error(
                        Code::UnknownKey,
                        format!("unknown key `{extra}` in `{path}`"),
                        tree.locate(&child).map_or(at.value, |l| l.key_or_value()),
                        "unknown key",
                    )
                    .with_help(format!(
                        "a `{}` step takes its settings inside `{}:`",
                        known[0], known[0]
                    )),
                );
            }
            return;
        }
        let label = if known.len() > 1 {
            "a second kind"
        } else {
            "not a known kind"
        };
        out.push(Diagnostic::error(Code::UnknownKind, message, span, label).with_help(help));
        return;
    }
    match best {
        Some(errors) => {
            for e in errors {
                report(tree, e, out);
            }
        }
        None => out.push(Diagnostic::error(
            Code::Invalid,
            format!("`{path}` does not match any allowed form"),
            at.value,
            "invalid here",
        )),
    }
}

fn depth(pointer: &str) -> usize {
    pointer.matches('/').count()
}

/// The schema object that holds the failing keyword of a `schema_path`, and the name of the
/// last definition the path went through.
struct SchemaAt<'a> {
    node: Option<&'a Value>,
    definition: Option<&'a str>,
}

fn resolve_schema(schema_path: &str) -> SchemaAt<'static> {
    let root = schema();
    let mut node = Some(root);
    let mut definition = None;
    let segments: Vec<&str> = schema_path.split('/').filter(|s| !s.is_empty()).collect();
    // The last segment is the failing keyword itself; its parent is the schema we want.
    let parents = segments.len().saturating_sub(1);
    let mut previous = "";
    for raw in &segments[..parents] {
        let token = crate::pointer::unescape(raw);
        if previous == "definitions" && parents > 0 {
            definition = root
                .get("definitions")
                .and_then(|d| d.as_object())
                .and_then(|d| d.get_key_value(&token))
                .map(|(k, _)| k.as_str());
        }
        previous = raw;
        node = node.and_then(|n| match n {
            Value::Object(map) => map.get(&token),
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        });
        if token == "$ref" {
            let target = node.and_then(Value::as_str);
            definition = target.and_then(|t| t.strip_prefix("#/definitions/"));
            node = definition.and_then(|name| root.get("definitions").and_then(|d| d.get(name)));
        }
    }
    // A keyword directly after a `$ref` hop: the `$ref` sibling is resolved already.
    if let Some(Value::Object(map)) = node
        && let Some(target) = map.get("$ref").and_then(Value::as_str)
        && let Some(name) = target.strip_prefix("#/definitions/")
    {
        definition = Some(name);
        node = root.get("definitions").and_then(|d| d.get(name));
    }
    SchemaAt { node, definition }
}

/// `oses.ubuntu-2404.hardware.cpus`, with `[0]` for sequence items.
pub fn display_path(tree: &Node, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = Some(tree);
    for raw in pointer.split('/').skip(1) {
        let token = crate::pointer::unescape(raw);
        match node.map(|n| &n.value) {
            Some(yaml::Value::Seq(items)) => {
                out.push_str(&format!("[{token}]"));
                node = token.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            Some(yaml::Value::Map(_)) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&token);
                node = node.and_then(|n| n.get(&token)).map(|e| &e.value);
            }
            _ => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&token);
                node = None;
            }
        }
    }
    out
}

fn first_line(tree: &Node) -> Span {
    tree.entries().first().map_or(tree.span, |e| e.key_span)
}

fn first_sentence(text: &str) -> String {
    let sentence = text
        .split(". ")
        .next()
        .unwrap_or(text)
        .trim_end_matches('.');
    let mut chars = sentence.chars();
    match (chars.next(), chars.clone().next()) {
        // Lowercase a leading capital, but not an acronym ("OS family").
        (Some(c), Some(next)) if !next.is_uppercase() => c.to_lowercase().chain(chars).collect(),
        _ => sentence.to_owned(),
    }
}

fn article(kind: &str) -> String {
    match kind {
        "integer" => "an integer".into(),
        "object" => "a mapping".into(),
        "array" => "a list".into(),
        "boolean" => "`true` or `false`".into(),
        "null" => "empty".into(),
        other => format!("a {other}"),
    }
}

fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!(
            "the string {}",
            serde_json::to_string(s).unwrap_or_default()
        ),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

fn backticked<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| format!("`{i}`")).collect();
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} or {}", items[..n - 1].join(", "), items[n - 1]),
    }
}
