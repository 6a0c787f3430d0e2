//! Generating the schema from the spec model, and the transforms that keep it plain.

use std::sync::OnceLock;

use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use serde_json::{Map, Value};

use crate::spec::Spec;

/// The spec's JSON Schema as a value.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        // Draft-07: yaml-language-server supports it best (completion, hover, `$ref` with
        // annotation siblings, `defaultSnippets`), and hybridc's own validator checks the same
        // draft.
        let mut settings = SchemaSettings::draft07();
        settings.transforms.push(Box::new(Plain));
        let mut schema = settings.into_generator().into_root_schema_for::<Spec>();
        super::editor::annotate(&mut schema);
        schema.to_value()
    })
}

/// The schema as the text committed at `schema/hybrid.schema.json`.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(schema()).expect("a JSON value always serialises");
    text.push('\n');
    text
}

/// Removes the `null` alternative schemars adds to `Option` fields, and turns documented unit
/// enums (`oneOf` of `const`) into a plain `enum` with `markdownEnumDescriptions`.
#[derive(Clone)]
struct Plain;

impl Transform for Plain {
    fn transform(&mut self, schema: &mut schemars::Schema) {
        transform_subschemas(self, schema);
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        if let Some(Value::Array(types)) = object.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                object.insert("type".into(), only);
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(Value::Array(variants)) = object.get(keyword) {
                let non_null: Vec<Value> = variants
                    .iter()
                    .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
                    .cloned()
                    .collect();
                if non_null.len() == 1 && variants.len() == 2 {
                    object.remove(keyword);
                    if let Value::Object(inner) = &non_null[0] {
                        for (k, v) in inner {
                            object.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
            }
        }
        if let Some(Value::Array(variants)) = object.get("oneOf") {
            let consts: Option<Vec<(Value, Option<Value>)>> = variants
                .iter()
                .map(|v| {
                    v.get("const")
                        .map(|c| (c.clone(), v.get("description").cloned()))
                })
                .collect();
            if let Some(consts) = consts {
                object.remove("oneOf");
                let values: Vec<Value> = consts.iter().map(|(c, _)| c.clone()).collect();
                let descriptions: Vec<Value> = consts
                    .iter()
                    .map(|(_, d)| d.clone().unwrap_or_else(|| Value::String(String::new())))
                    .collect();
                if let Some(kind) = values.first().and_then(json_type) {
                    object.insert("type".into(), Value::String(kind.into()));
                }
                object.insert("enum".into(), Value::Array(values));
                object.insert(
                    "markdownEnumDescriptions".into(),
                    Value::Array(descriptions),
                );
            }
        }
    }
}

fn json_type(value: &Value) -> Option<&'static str> {
    match value {
        Value::String(_) => Some("string"),
        Value::Number(_) => Some("number"),
        Value::Bool(_) => Some("boolean"),
        _ => None,
    }
}

/// The JSON object of a schema's `definitions`, for tests and tools.
pub fn definitions() -> Option<&'static Map<String, Value>> {
    schema().get("definitions").and_then(Value::as_object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_draft07_and_plain() {
        let schema = schema();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        let text = schema_text();
        assert!(
            !text.contains("\"null\""),
            "optional fields must not be nullable"
        );
        let firmware = &definitions().expect("definitions")["Firmware"];
        assert_eq!(firmware["enum"], serde_json::json!(["bios", "uefi"]));
    }

    #[test]
    fn every_pattern_is_worded_and_has_examples_that_match_it() {
        fn walk(path: &str, value: &Value, found: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
                        found.push(pattern.to_owned());
                        assert!(
                            map.get("patternErrorMessage").is_some(),
                            "{path}: a pattern without words"
                        );
                        let examples = map["examples"].as_array().expect("examples");
                        let checker =
                            jsonschema::draft7::new(&serde_json::json!({ "pattern": pattern }))
                                .expect("a valid pattern");
                        for example in examples {
                            assert!(
                                checker.is_valid(example),
                                "{path}: {example} does not match"
                            );
                        }
                    }
                    for (key, inner) in map {
                        walk(&format!("{path}/{key}"), inner, found);
                    }
                }
                Value::Array(items) => items.iter().for_each(|i| walk(path, i, found)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        walk("", schema(), &mut found);
        for format in crate::spec::TextFormat::ALL {
            assert!(
                found.iter().any(|p| p == format.pattern),
                "{} is unused",
                format.pattern
            );
        }
    }
}
