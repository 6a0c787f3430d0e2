//! What an editor shows from the schema: the heading and text of a hover, and the snippets a
//! completion inserts.
//!
//! yaml-language-server (the server behind VS Code's YAML extension, Neovim's and Helix's YAML
//! support) builds a hover from the schema nodes that match the YAML node: the first `title`,
//! else the nearest title above it (the root's, `hybridc spec`, for a key without one), then the
//! first `markdownDescription`, else the `description` with its markdown escaped. Three shapes
//! of a plain schemars schema read badly there, and this module reshapes them:
//!
//! - a field whose type is a definition is `{ "description": ..., "allOf": [{ "$ref": ... }] }`
//!   for draft-07; the server adds the `allOf` member's matches first, so the hover shows the
//!   type's description instead of the field's. A `$ref` with annotation siblings only keeps
//!   the field's words: the server (draft-07) keeps `title`, `description`,
//!   `markdownDescription`, `default` and `examples` beside a `$ref` and fills in only what the
//!   field does not say itself, and validators ignore `$ref` siblings in draft-07, which is
//!   harmless for keywords that never reject a value;
//! - every property gets its key as `title`, and its own `description` (a step kind's key, the
//!   only property of its variant, has the variant's);
//! - every `description` is doc-comment markdown, so it is given again as
//!   `markdownDescription`, which the server renders as is (backticks become code).
//!
//! `defaultSnippets` (a yaml-language-server extension) make completion of a step kind, an OS
//! or an environment insert the keys they need. hybridc's own validator ignores every keyword
//! added here: none of them constrains a value.

use schemars::Schema;
use schemars::transform::{RecursiveTransform, Transform};
use serde_json::{Map, Value, json};

/// Keywords that never reject a value, and that yaml-language-server keeps beside a `$ref` in
/// a draft-07 schema (its `REF_SIBLING_NONCONSTRAINT_KEYS`); any other sibling is dropped there.
const REF_ANNOTATIONS: [&str; 5] = [
    "title",
    "description",
    "markdownDescription",
    "default",
    "examples",
];

/// Reshapes a generated schema for editors, in place.
pub(super) fn annotate(schema: &mut Schema) {
    RecursiveTransform(unwrap_all_of).transform(schema);
    let definitions: Map<String, Value> = schema
        .get("definitions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    RecursiveTransform(|node: &mut Schema| describe_properties(node, &definitions))
        .transform(schema);
    RecursiveTransform(markdown).transform(schema);
    let snippets = snippets(&definitions);
    if let Some(Value::Object(definitions)) = schema.get_mut("definitions") {
        for (name, snippets) in snippets {
            if let Some(Value::Object(definition)) = definitions.get_mut(name) {
                definition.insert("defaultSnippets".into(), snippets);
            }
        }
    }
}

/// `{ "description": ..., "allOf": [{ "$ref": R }] }` becomes `{ "description": ..., "$ref": R }`
/// when every other keyword is an annotation.
fn unwrap_all_of(node: &mut Schema) {
    let Some(object) = node.as_object_mut() else {
        return;
    };
    let reference = match object.get("allOf") {
        Some(Value::Array(all)) if all.len() == 1 => match &all[0] {
            Value::Object(only) if only.len() == 1 => only.get("$ref").cloned(),
            _ => None,
        },
        _ => None,
    };
    let Some(reference) = reference else {
        return;
    };
    let annotations_only = object
        .keys()
        .all(|k| k == "allOf" || REF_ANNOTATIONS.contains(&k.as_str()));
    if annotations_only {
        object.remove("allOf");
        object.insert("$ref".into(), reference);
    }
}

/// Gives each property its key as `title`, and a `description` when it has none of its own.
fn describe_properties(node: &mut Schema, definitions: &Map<String, Value>) {
    let Some(object) = node.as_object_mut() else {
        return;
    };
    let own = object.get("description").cloned();
    let Some(Value::Object(properties)) = object.get_mut("properties") else {
        return;
    };
    let only = properties.len() == 1;
    for (name, property) in properties.iter_mut() {
        // A step kind's key is its variant's only property: the variant's doc says what it does.
        let inherited = own.clone().filter(|_| only).or_else(|| {
            referenced(property, definitions)?
                .get("description")
                .cloned()
        });
        let Value::Object(property) = property else {
            continue;
        };
        property
            .entry("title")
            .or_insert_with(|| Value::String(name.clone()));
        if let Some(description) = inherited {
            property.entry("description").or_insert(description);
        }
    }
}

/// Gives every described schema its description again as markdown.
fn markdown(node: &mut Schema) {
    let Some(object) = node.as_object_mut() else {
        return;
    };
    if let Some(description) = object.get("description").cloned() {
        object.entry("markdownDescription").or_insert(description);
    }
}

/// The snippets of the definitions a user fills in often, by definition name: one per step
/// kind ([`step_snippets`]), an OS's ISO and platforms, an environment's platform overrides.
fn snippets(definitions: &Map<String, Value>) -> Vec<(&'static str, Value)> {
    vec![
        ("Step", Value::Array(step_snippets(definitions))),
        (
            "Os",
            json!([snippet(
                "OS from its ISO",
                "An OS installed from its ISO on the platforms it is built on.",
                json!({
                    "iso": { "url": "$1", "checksum": "${2:sha256:}" },
                    "platforms": ["${3:proxmox}"],
                    "provisioning": ["$4"]
                }),
            )]),
        ),
        (
            "Environment",
            json!([snippet(
                "environment",
                "An environment that overrides a platform's settings.",
                json!({
                    "description": "$1",
                    "platforms": { "${2:vsphere}": { "$3": "$4" } }
                }),
            )]),
        ),
    ]
}

/// One snippet per step kind, read from the schema of `Step` (one variant per kind, its only
/// key the kind): the kind's key and under it its required keys, or its first key when none is
/// required (`scripts` of a shell step), each with its first example as placeholder text.
fn step_snippets(definitions: &Map<String, Value>) -> Vec<Value> {
    let variants = definitions
        .get("Step")
        .and_then(|step| step.get("oneOf"))
        .and_then(Value::as_array);
    let mut out = Vec::new();
    for variant in variants.into_iter().flatten() {
        let Some((kind, schema)) = variant
            .get("properties")
            .and_then(Value::as_object)
            .and_then(|p| p.iter().next())
        else {
            continue;
        };
        let target = referenced(schema, definitions).unwrap_or(schema);
        let properties = target.get("properties").and_then(Value::as_object);
        let required: Vec<&str> = target
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let keys: Vec<&str> = if required.is_empty() {
            properties
                .and_then(|p| p.keys().next())
                .map(String::as_str)
                .into_iter()
                .collect()
        } else {
            required
        };
        let mut body = Map::new();
        for (index, key) in keys.into_iter().enumerate() {
            let property = properties.and_then(|p| p.get(key));
            let example = property
                .and_then(|p| p.get("examples"))
                .and_then(|e| e.get(0))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let placeholder = Value::String(format!("${{{}:{example}}}", index + 1));
            let is_list = property.and_then(|p| p.get("type")) == Some(&json!("array"));
            let value = if is_list {
                Value::Array(vec![placeholder])
            } else {
                placeholder
            };
            body.insert(key.to_owned(), value);
        }
        let description = variant
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        out.push(snippet(
            &format!("{kind} step"),
            description,
            json!({ kind.as_str(): body }),
        ));
    }
    out
}

fn snippet(label: &str, description: &str, body: Value) -> Value {
    json!({
        "label": label,
        "description": description,
        "markdownDescription": description,
        "body": body
    })
}

/// The definition a schema refers to with its `$ref`.
fn referenced<'a>(schema: &Value, definitions: &'a Map<String, Value>) -> Option<&'a Value> {
    let reference = schema.get("$ref")?.as_str()?;
    definitions.get(reference.strip_prefix("#/definitions/")?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{definitions, schema};

    /// Every schema object of the generated schema with its JSON pointer, definitions included.
    fn schemas() -> Vec<(String, &'static Map<String, Value>)> {
        fn walk<'a>(
            path: String,
            value: &'a Value,
            out: &mut Vec<(String, &'a Map<String, Value>)>,
        ) {
            let Value::Object(object) = value else {
                return;
            };
            out.push((path.clone(), object));
            for (key, inner) in object {
                match (key.as_str(), inner) {
                    ("properties" | "patternProperties" | "definitions", Value::Object(map)) => {
                        for (name, schema) in map {
                            walk(format!("{path}/{key}/{name}"), schema, out);
                        }
                    }
                    ("allOf" | "anyOf" | "oneOf" | "items", Value::Array(list)) => {
                        for (i, schema) in list.iter().enumerate() {
                            walk(format!("{path}/{key}/{i}"), schema, out);
                        }
                    }
                    ("additionalProperties" | "items" | "not" | "propertyNames", _) => {
                        walk(format!("{path}/{key}"), inner, out);
                    }
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(String::new(), schema(), &mut out);
        out
    }

    #[test]
    fn a_reference_keeps_only_annotations_beside_it() {
        for (path, object) in schemas() {
            assert!(
                !object.contains_key("allOf"),
                "{path}: an allOf wrapper is left"
            );
            if object.contains_key("$ref") {
                for key in object.keys().filter(|k| *k != "$ref") {
                    assert!(
                        REF_ANNOTATIONS.contains(&key.as_str()),
                        "{path}: `{key}` beside a $ref is dropped by editors and validators"
                    );
                }
            }
        }
    }

    #[test]
    fn every_property_has_its_own_title_and_markdown() {
        for (path, object) in schemas() {
            let Some(Value::Object(properties)) = object.get("properties") else {
                continue;
            };
            for (name, property) in properties {
                assert_eq!(property["title"], json!(name), "{path}/{name}");
                let description = property.get("description");
                assert!(description.is_some(), "{path}/{name} has no description");
                assert_eq!(
                    property.get("markdownDescription"),
                    description,
                    "{path}/{name}"
                );
            }
        }
    }

    #[test]
    fn a_field_describes_itself_not_its_type() {
        let defs = definitions().expect("definitions");
        let family = &defs["Os"]["properties"]["family"];
        assert_eq!(family["$ref"], "#/definitions/Family");
        assert_ne!(family["description"], defs["Family"]["description"]);
        let password = &defs["Vsphere"]["properties"]["password"];
        assert_eq!(password["$ref"], "#/definitions/Credential");
        assert_ne!(password["description"], defs["Credential"]["description"]);
        let step = defs["Step"]["oneOf"]
            .as_array()
            .expect("step kinds")
            .iter()
            .find(|v| v["properties"].get("ansible").is_some())
            .expect("an ansible step");
        assert_eq!(
            step["properties"]["ansible"]["description"],
            step["description"]
        );
    }

    #[test]
    fn each_snippet_fills_in_keys_of_its_definition() {
        let defs = definitions().expect("definitions");
        let fills = |definition: &Value, body: &Map<String, Value>, what: &str| {
            let properties = definition["properties"].as_object().expect("properties");
            for key in body.keys() {
                assert!(properties.contains_key(key), "{what}: unknown key `{key}`");
            }
            for required in definition["required"].as_array().into_iter().flatten() {
                let required = required.as_str().expect("a key");
                assert!(
                    body.contains_key(required),
                    "{what}: `{required}` is missing"
                );
            }
        };
        for (name, snippets) in snippets(defs) {
            assert_eq!(defs[name]["defaultSnippets"], snippets, "{name}");
            if name == "Step" {
                continue;
            }
            let body = snippets[0]["body"].as_object().expect("a mapping");
            fills(&defs[name], body, name);
        }
        let steps = step_snippets(defs);
        let kinds = defs["Step"]["oneOf"].as_array().expect("step kinds");
        assert_eq!(steps.len(), kinds.len(), "one snippet per step kind");
        for (step, kind) in steps.iter().zip(kinds) {
            let body = step["body"].as_object().expect("a mapping");
            let (key, inner) = body.iter().next().expect("the kind's key");
            let definition = referenced(&kind["properties"][key], defs).expect("a definition");
            let inner = inner.as_object().expect("the kind's keys");
            assert!(!inner.is_empty(), "{key}: the snippet inserts no key");
            fills(definition, inner, key);
        }
        let ansible = steps
            .iter()
            .find(|s| s["label"] == "ansible step")
            .expect("an ansible step");
        assert_eq!(
            ansible["body"],
            json!({ "ansible": { "playbook": "${1:ansible/linux.yml}" } })
        );
    }
}
