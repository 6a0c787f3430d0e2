//! Values as the comparison sees them: equality as Packer evaluates it (objects as maps,
//! numbers by value), files and templates by content, and the one-line HCL a report shows.

use std::path::Path;

use crate::import::report::{Basis, MASK};
use crate::import::tree::{Body, Value};

/// Whether a value only names where a secret is kept (`env("X")`, `var.x`): safe to show.
pub(super) fn is_reference(value: &Value) -> bool {
    match value {
        Value::Unknown { expression } => {
            let e = expression.as_str();
            // `env("NAME")`, or a traversal alone (`var.x`, `build.Password`).
            let traversal = e.split_once('.').is_some_and(|(root, rest)| {
                !root.is_empty()
                    && root.chars().all(|c| c.is_ascii_lowercase())
                    && rest.chars().all(|c| c.is_alphanumeric() || c == '_')
            });
            traversal
                || e.strip_prefix("env(\"")
                    .and_then(|rest| rest.strip_suffix("\")"))
                    .is_some_and(|name| name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        }
        Value::Null => true,
        _ => false,
    }
}

pub(super) fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::List(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(entries) => entries.iter().for_each(|(_, v)| strings(v, out)),
        _ => {}
    }
}

/// Whether two values are the same build input, and what that was decided by: templates and
/// files by the content of the files they name when both can be read (else by path), file
/// paths in strings by content, everything else by value.
pub(super) fn equivalent(a: &Value, b: &Value) -> (bool, Basis) {
    match (a, b) {
        (Value::Template { path: p, vars: v }, Value::Template { path: q, vars: w }) => {
            let (content, basis) = file_content(p, q);
            (content && same(v, w), basis)
        }
        (Value::File { path: p }, Value::File { path: q }) => file_content(p, q),
        (Value::String(p), Value::String(q)) if p != q && looks_like_file(p, q) => {
            (file_content(Path::new(p), Path::new(q)).0, Basis::Content)
        }
        (Value::List(xs), Value::List(ys)) if xs.len() == ys.len() && !same(a, b) => {
            let mut by = Basis::Value;
            for (x, y) in xs.iter().zip(ys) {
                let (equal, basis) = equivalent(x, y);
                if !equal {
                    return (false, Basis::Value);
                }
                if basis != Basis::Value {
                    by = basis;
                }
            }
            (true, by)
        }
        _ => (same(a, b), Basis::Value),
    }
}

fn looks_like_file(p: &str, q: &str) -> bool {
    Path::new(p).is_absolute() && Path::new(q).is_absolute()
}

/// Whether the two files have the same bytes (`Content`), or, when one cannot be read, the
/// same path (`Path`).
pub(super) fn file_content(p: &Path, q: &Path) -> (bool, Basis) {
    match (std::fs::read(p), std::fs::read(q)) {
        (Ok(a), Ok(b)) => (a == b, Basis::Content),
        _ => (p == q, Basis::Path),
    }
}

/// Value equality as Packer sees it: objects as maps, numbers by value, blocks by their
/// arguments (not where they are written).
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.iter().any(|(j, y)| j == k && same(x, y)))
        }
        (Value::Blocks(xs), Value::Blocks(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_body(x, y))
        }
        (Value::Template { path: p, vars: v }, Value::Template { path: q, vars: w }) => {
            p == q && same(v, w)
        }
        _ => a == b,
    }
}

pub(super) fn same_body(a: &Body, b: &Body) -> bool {
    a.attributes.len() == b.attributes.len()
        && a.attributes
            .iter()
            .all(|x| b.get(&x.name).is_some_and(|y| same(&x.value, &y.value)))
}

/// The value of an entry called `name`: masked when the name says it holds a secret and the
/// value is not a mere reference to one.
fn guarded(name: &str, value: &Value) -> String {
    if crate::catalogue::secret_by_name(name) && !is_reference(value) {
        MASK.to_owned()
    } else {
        hcl(value)
    }
}

/// A value as HCL, on one line: objects and blocks as `{ k = v, ... }`.
pub(super) fn hcl(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(hcl).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), guarded(k, v)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        Value::Blocks(bodies) => {
            let bodies: Vec<String> = bodies
                .iter()
                .map(|b| {
                    let args: Vec<String> = b
                        .attributes
                        .iter()
                        .map(|a| match &a.value {
                            Value::Blocks(_) => format!("{} {}", a.name, hcl(&a.value)),
                            v => format!("{} = {}", a.name, guarded(&a.name, v)),
                        })
                        .collect();
                    format!("{{ {} }}", args.join(", "))
                })
                .collect();
            bodies.join(" ")
        }
        Value::Template { path, vars } => {
            format!(
                "templatefile({}, {})",
                quote(&path.display().to_string()),
                hcl(vars)
            )
        }
        Value::File { path } => format!("file({})", quote(&path.display().to_string())),
        Value::Unknown { expression } => expression.clone(),
    }
}

fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !k.starts_with(|c: char| c.is_ascii_digit())
    {
        k.to_owned()
    } else {
        quote(k)
    }
}
