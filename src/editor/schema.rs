//! The generated schema's entry for a place in the spec: the descriptions editors show.

use serde_json::Value;

/// The schema of one place in the spec.
pub(super) struct At {
    /// The description shown for it: the property's own, else its type's.
    pub description: Option<&'static str>,
    /// Its schema, references followed.
    schema: &'static Value,
}

impl At {
    /// What an enum value means, from the schema's `markdownEnumDescriptions`.
    pub fn value_description(&self, value: &str) -> Option<&'static str> {
        let values = self.schema.get("enum")?.as_array()?;
        let index = values.iter().position(|v| v.as_str() == Some(value))?;
        let text = self
            .schema
            .get("markdownEnumDescriptions")?
            .get(index)?
            .as_str()?;
        (!text.is_empty()).then_some(text)
    }
}

/// The schema at a path of mapping keys and sequence indices.
pub(super) fn at(path: &[&str]) -> Option<At> {
    let mut here = crate::schema::schema();
    let mut description = None;
    for token in path {
        let (inner, around) = child(here, token)?;
        // A list's items are described by the list.
        let item = token.parse::<usize>().is_ok();
        description = text(inner).or(around).or(description.filter(|_| item));
        here = inner;
    }
    let schema = resolve(here);
    Some(At {
        description: description.or_else(|| text(schema)),
        schema,
    })
}

/// The description as editors show it: the schema's Markdown one, else its plain one.
fn text(schema: &'static Value) -> Option<&'static str> {
    ["markdownDescription", "description"]
        .into_iter()
        .find_map(|keyword| schema.get(keyword)?.as_str())
}

/// A schema with its `$ref` and single `allOf` followed.
fn resolve(mut schema: &'static Value) -> &'static Value {
    // The schema is generated and finite; the bound only guards a reference to itself.
    for _ in 0..16 {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/definitions/");
            match crate::schema::definitions().and_then(|d| d.get(name)) {
                Some(found) => schema = found,
                None => break,
            }
        } else if let Some([only]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            schema = only;
        } else {
            break;
        }
    }
    schema
}

/// The schema of `token` inside `schema`, with the description of the alternative it was
/// found in (a provisioning step's kind is described there).
fn child(schema: &'static Value, token: &str) -> Option<(&'static Value, Option<&'static str>)> {
    let schema = resolve(schema);
    if let Some(found) = schema.get("properties").and_then(|p| p.get(token)) {
        return Some((found, None));
    }
    for keyword in ["oneOf", "anyOf"] {
        for alternative in schema
            .get(keyword)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some((found, around)) = child(alternative, token) {
                return Some((found, around.or_else(|| text(alternative))));
            }
        }
    }
    if token.parse::<usize>().is_ok()
        && let Some(items) = schema.get("items")
    {
        return Some((items, None));
    }
    schema
        .get("additionalProperties")
        .filter(|a| a.is_object())
        .map(|a| (a, None))
}
