//! An installer template kept from another tree, made to render under hybridc. The tree
//! rendered it with its own `templatefile(path, { ... })` object; hybridc renders it with the
//! variables it declares ([`crate::installer::TemplateVar`]) plus the OS's `installer_inputs`,
//! which the template reads as `inputs.<name>`. So every name the tree passed becomes an
//! installer input holding the value the tree passed, and the template reads it from
//! `inputs`: the template renders what it rendered before, whatever hybridc's own variables
//! of the same names hold. A value that is not a string travels as JSON text and is decoded
//! where it is read; a secret travels as an environment variable, never as text.
//!
//! This module only rewrites text and lists inputs; the mapper decides what is a secret.

use crate::installer::references::scan;

use super::tree::Value;

/// What an installer input holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A plain value, written in the spec.
    Text(String),
    /// A secret, read from this environment variable when Packer runs.
    Secret(String),
}

/// A template rewritten to read the tree's values from `inputs`, and those inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapted {
    /// The template's new text.
    pub text: String,
    /// The installer inputs it reads, by name, in the order first read.
    pub inputs: Vec<(String, Input)>,
    /// Names the tree passed whose value only the build knows and that name no environment
    /// variable (`timestamp()`, a data source): left as they were, so hybridc's check of the
    /// template names them.
    pub unresolved: Vec<String>,
}

/// How a read of input `name` is written, for a value of this shape: a string as it is, any
/// other value decoded from its JSON text (Packer's function table has `jsondecode` but no
/// `tobool` or `tonumber`: hashicorp/packer `hcl2template/functions.go`, `Functions`).
fn read_of(name: &str, value: &Value) -> String {
    match value {
        Value::String(_) => format!("inputs.{name}"),
        _ => format!("jsondecode(inputs.{name})"),
    }
}

/// The text an input holds for a plain value: the string itself, else its JSON.
fn text_of(value: &Value) -> Option<String> {
    Some(match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::List(_) | Value::Object(_) => serde_json::to_string(&json(value)?).ok()?,
        _ => return None,
    })
}

/// A plain value as JSON; `None` when part of it is known only to the build.
fn json(value: &Value) -> Option<serde_json::Value> {
    Some(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::String(s) => s.clone().into(),
        Value::List(items) => items.iter().map(json).collect::<Option<Vec<_>>>()?.into(),
        Value::Object(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| Some((k.clone(), json(v)?)))
                .collect::<Option<serde_json::Map<_, _>>>()?,
        ),
        _ => return None,
    })
}

/// The environment variable a value only the build knows is read from: `env("X")` reads
/// `X`, and an unset `var.NAME` is what Packer reads from `PKR_VAR_NAME`.
pub fn environment_variable(value: &Value) -> Option<String> {
    use super::map::settings::{env_read, variable_read};
    env_read(value).or_else(|| variable_read(value).map(|name| format!("PKR_VAR_{name}")))
}

/// Rewrites `text`, which the tree rendered with `vars` (its `templatefile` object), to read
/// each name of `vars` it references from `inputs`. `secret` says, for a name and its value,
/// the environment variable a secret is read from instead (`None`: not a secret).
///
/// # Errors
/// The parser's message when `text` is not an HCL template.
pub fn adapt(
    text: &str,
    vars: &Value,
    secret: &dyn Fn(&str, &Value) -> Option<String>,
) -> Result<Adapted, String> {
    adapt_with(text, vars, secret, &|_| None)
}

/// [`adapt`], with the names of `vars` that read one of hybridc's own variables instead
/// (`own` gives that variable): a value that differs between the sources of one OS, such as
/// the image name of each Windows edition, which no single installer input can hold.
///
/// # Errors
/// As [`adapt`].
pub fn adapt_with(
    text: &str,
    vars: &Value,
    secret: &dyn Fn(&str, &Value) -> Option<String>,
    own: &dyn Fn(&str) -> Option<&'static str>,
) -> Result<Adapted, String> {
    let references = scan(text).map_err(|e| format!("{}:{}: {}", e.line, e.column, e.message))?;
    let Value::Object(passed) = vars else {
        return Ok(Adapted {
            text: text.to_owned(),
            inputs: Vec::new(),
            unresolved: Vec::new(),
        });
    };
    let mut inputs: Vec<(String, Input)> = Vec::new();
    let mut unresolved: Vec<String> = Vec::new();
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for reference in references {
        // A name the tree passed twice keeps the last value, as HCL objects do.
        let Some((_, value)) = passed.iter().rev().find(|(k, _)| *k == reference.root) else {
            continue;
        };
        let name = &reference.root;
        if let Some(variable) = own(name) {
            edits.push((reference.span, variable.to_owned()));
            continue;
        }
        let input = match secret(name, value).or_else(|| {
            matches!(value, Value::Unknown { .. })
                .then(|| environment_variable(value))
                .flatten()
        }) {
            Some(variable) => Input::Secret(variable),
            None => match text_of(value) {
                Some(text) => Input::Text(text),
                None => {
                    if !unresolved.contains(name) {
                        unresolved.push(name.clone());
                    }
                    continue;
                }
            },
        };
        // A secret is a string when Packer reads it from the environment.
        let read = match input {
            Input::Secret(_) => format!("inputs.{name}"),
            Input::Text(_) => read_of(name, value),
        };
        if !inputs.iter().any(|(n, _)| n == name) {
            inputs.push((name.clone(), input));
        }
        edits.push((reference.span, read));
    }
    let mut out = text.to_owned();
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    for (span, read) in edits {
        out.replace_range(span, &read);
    }
    Ok(Adapted {
        text: out,
        inputs,
        unresolved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::String(text.to_owned())
    }

    fn object(entries: &[(&str, Value)]) -> Value {
        Value::Object(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    fn not_secret(_: &str, _: &Value) -> Option<String> {
        None
    }

    /// Each name the tree passed is read from `inputs`, by the shape of its value; a name it
    /// did not pass and a loop's own name stay as they are.
    #[test]
    fn names_the_tree_passed_are_read_from_inputs() {
        let text = "lang ${vm_guest_os_language}\n%{ for p in additional_packages ~}\n- ${p}\n%{ endfor ~}\n%{ if use_swap }swap ${swap_mb}%{ endif }\n${hostname}\n";
        let vars = object(&[
            ("vm_guest_os_language", s("en_US")),
            (
                "additional_packages",
                Value::List(vec![s("vim"), s("curl")]),
            ),
            ("use_swap", Value::Bool(true)),
            ("swap_mb", Value::Number(2048.into())),
        ]);
        let adapted = adapt(text, &vars, &not_secret).expect("a template");
        assert_eq!(
            adapted.text,
            "lang ${inputs.vm_guest_os_language}\n%{ for p in jsondecode(inputs.additional_packages) ~}\n- ${p}\n%{ endfor ~}\n%{ if jsondecode(inputs.use_swap) }swap ${jsondecode(inputs.swap_mb)}%{ endif }\n${hostname}\n"
        );
        assert_eq!(
            adapted.inputs,
            [
                (
                    "vm_guest_os_language".to_owned(),
                    Input::Text("en_US".into())
                ),
                (
                    "additional_packages".to_owned(),
                    Input::Text("[\"vim\",\"curl\"]".into())
                ),
                ("use_swap".to_owned(), Input::Text("true".into())),
                ("swap_mb".to_owned(), Input::Text("2048".into())),
            ]
        );
        assert!(adapted.unresolved.is_empty());
        // The rewritten template reads nothing hybridc does not pass but `inputs`.
        let roots: Vec<String> = scan(&adapted.text)
            .expect("still a template")
            .into_iter()
            .map(|r| r.root)
            .collect();
        assert_eq!(roots, ["inputs", "inputs", "inputs", "inputs", "hostname"]);
    }

    /// A secret is read from the environment: the one the mapper names, an `env("X")`, or
    /// `PKR_VAR_<name>` for an unset variable; its value is never an input's text. A value
    /// only the build knows otherwise is left for hybridc's check to name.
    #[test]
    fn secrets_travel_as_environment_variables_never_as_text() {
        let text = "${build_password_encrypted} ${rhsm_password} ${token} ${stamp}";
        let vars = object(&[
            ("build_password_encrypted", s("$6$rounds=4096$literal")),
            (
                "rhsm_password",
                Value::Unknown {
                    expression: "var.rhsm_password".into(),
                },
            ),
            (
                "token",
                Value::Unknown {
                    expression: "env(\"VAULT_TOKEN\")".into(),
                },
            ),
            (
                "stamp",
                Value::Unknown {
                    expression: "timestamp()".into(),
                },
            ),
        ]);
        let secret = |name: &str, _: &Value| {
            (name == "build_password_encrypted")
                .then(|| "PKR_VAR_build_password_encrypted".to_owned())
        };
        let adapted = adapt(text, &vars, &secret).expect("a template");
        assert_eq!(
            adapted.text,
            "${inputs.build_password_encrypted} ${inputs.rhsm_password} ${inputs.token} ${stamp}"
        );
        assert_eq!(
            adapted.inputs,
            [
                (
                    "build_password_encrypted".to_owned(),
                    Input::Secret("PKR_VAR_build_password_encrypted".into())
                ),
                (
                    "rhsm_password".to_owned(),
                    Input::Secret("PKR_VAR_rhsm_password".into())
                ),
                ("token".to_owned(), Input::Secret("VAULT_TOKEN".into())),
            ]
        );
        assert_eq!(adapted.unresolved, ["stamp"]);
        assert!(!format!("{adapted:?}").contains("literal"));
    }

    #[test]
    fn a_template_that_does_not_parse_is_an_error() {
        assert!(adapt("${ unclosed", &object(&[]), &not_secret).is_err());
    }

    /// A name hybridc passes a value of its own for (each edition's image name) reads that
    /// variable, not an input.
    #[test]
    fn a_name_can_read_one_of_hybridcs_own_variables() {
        let vars = object(&[("vm_inst_os_image", s("Windows Server 2022 SERVERSTANDARD"))]);
        let own = |name: &str| (name == "vm_inst_os_image").then_some("image_name");
        let adapted = adapt_with(
            "<Value>${vm_inst_os_image}</Value>",
            &vars,
            &not_secret,
            &own,
        )
        .expect("ok");
        assert_eq!(adapted.text, "<Value>${image_name}</Value>");
        assert!(adapted.inputs.is_empty());
    }
}
