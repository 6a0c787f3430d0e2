//! The imported spec as text: a JSON value built in the spec's key order, written as block
//! YAML whose every scalar comes from the emitter `add os` and `init` use
//! ([`crate::matrix::scalar`]), with comment lines where the mapper asks for them. Small
//! mappings and lists of scalars are written in flow style (`{ env: NAME }`, `[proxmox,
//! vsphere]`), as the example spec writes them.

use serde_json::Value;

/// The widest flow collection written on one line, in characters.
const FLOW_WIDTH: usize = 72;

/// Comment lines to write above the entry at a path (`/platforms/vsphere/password`).
#[derive(Debug, Default)]
pub struct Comments(Vec<(String, String)>);

impl Comments {
    /// Adds a comment line above the entry at `path`.
    pub fn add(&mut self, path: impl Into<String>, line: impl Into<String>) {
        self.0.push((path.into(), line.into()));
    }

    fn at(&self, path: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(p, _)| p == path)
            .map(|(_, line)| line.as_str())
    }
}

/// The document: `header` as comment lines, then each top-level entry of `spec` (a mapping)
/// as a block, separated by blank lines.
pub fn document(header: &[String], spec: &Value, comments: &Comments) -> String {
    let mut out = String::new();
    for line in header {
        push_comment(&mut out, 0, line);
    }
    if let Value::Object(entries) = spec {
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 || !header.is_empty() {
                out.push('\n');
            }
            entry(
                &mut out,
                0,
                key,
                value,
                &format!("/{}", pointer_token(key)),
                comments,
            );
        }
    }
    out
}

fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn push_comment(out: &mut String, indent: usize, line: &str) {
    out.push_str(&" ".repeat(indent));
    out.push('#');
    if !line.is_empty() {
        out.push(' ');
        let clean: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        out.push_str(&clean);
    }
    out.push('\n');
}

/// `key: value` at `indent`, with the comments of `path` above it.
fn entry(
    out: &mut String,
    indent: usize,
    key: &str,
    value: &Value,
    path: &str,
    comments: &Comments,
) {
    for line in comments.at(path) {
        push_comment(out, indent, line);
    }
    let pad = " ".repeat(indent);
    let key_text = crate::matrix::scalar(key);
    if let Some(inline) = inline(value) {
        out.push_str(&format!("{pad}{key_text}: {inline}\n"));
        return;
    }
    out.push_str(&format!("{pad}{key_text}:\n"));
    match value {
        Value::Object(entries) => {
            for (k, v) in entries {
                entry(
                    out,
                    indent + 2,
                    k,
                    v,
                    &format!("{path}/{}", pointer_token(k)),
                    comments,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                list_item(out, indent + 2, item, &format!("{path}/{i}"), comments);
            }
        }
        _ => unreachable!("scalars are written inline"),
    }
}

/// `- item` at `indent`: a mapping's first entry on the dash's line.
fn list_item(out: &mut String, indent: usize, item: &Value, path: &str, comments: &Comments) {
    let pad = " ".repeat(indent);
    if let Some(inline) = inline(item) {
        out.push_str(&format!("{pad}- {inline}\n"));
        return;
    }
    let mut inner = String::new();
    match item {
        Value::Object(entries) => {
            for (k, v) in entries {
                entry(
                    &mut inner,
                    indent + 2,
                    k,
                    v,
                    &format!("{path}/{}", pointer_token(k)),
                    comments,
                );
            }
        }
        Value::Array(items) => {
            for (i, nested) in items.iter().enumerate() {
                list_item(
                    &mut inner,
                    indent + 2,
                    nested,
                    &format!("{path}/{i}"),
                    comments,
                );
            }
        }
        _ => unreachable!("scalars are written inline"),
    }
    out.push_str(&pad);
    out.push_str("- ");
    out.push_str(&inner[indent + 2..]);
}

/// The value on one line: a scalar, an empty collection, or a short flow collection of
/// scalars; `None` when it needs lines of its own.
fn inline(value: &Value) -> Option<String> {
    let text = match value {
        Value::Null => "~".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => crate::matrix::scalar(s),
        Value::Array(items) => {
            let items: Option<Vec<String>> = items.iter().map(scalar_only).collect();
            format!("[{}]", items?.join(", "))
        }
        Value::Object(entries) if entries.is_empty() => "{}".to_owned(),
        Value::Object(entries) => {
            let items: Option<Vec<String>> = entries
                .iter()
                .map(|(k, v)| Some(format!("{}: {}", crate::matrix::scalar(k), scalar_only(v)?)))
                .collect();
            format!("{{ {} }}", items?.join(", "))
        }
    };
    (text.len() <= FLOW_WIDTH || !matches!(value, Value::Array(_) | Value::Object(_)))
        .then_some(text)
}

fn scalar_only(value: &Value) -> Option<String> {
    match value {
        Value::Array(_) | Value::Object(_) => None,
        other => inline(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn specs_are_block_yaml_with_short_flow_collections() {
        let spec = json!({
            "version": 1,
            "platforms": { "vsphere": { "password": { "env": "VSPHERE_PASSWORD" }, "endpoint": "vc: 1" } },
            "provisioning": { "linux-base": [ { "shell": { "scripts": ["scripts/linux/a.sh"] } }, { "windows-restart": {} } ] },
        });
        let mut comments = Comments::default();
        comments.add("/platforms/vsphere/password", "read from $VSPHERE_PASSWORD");
        let text = document(&["imported".to_owned()], &spec, &comments);
        assert_eq!(
            text,
            "# imported\n\nversion: 1\n\nplatforms:\n  vsphere:\n    # read from $VSPHERE_PASSWORD\n    \
             password: { env: VSPHERE_PASSWORD }\n    endpoint: \"vc: 1\"\n\nprovisioning:\n  linux-base:\n    \
             - shell:\n        scripts: [scripts/linux/a.sh]\n    - windows-restart: {}\n"
        );
        let tree = crate::yaml::parse(&text).expect("valid YAML");
        assert_eq!(tree.to_json(), spec);
    }
}
