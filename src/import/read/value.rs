//! Values as HCL sees them: conversions, equality, operators, and the one-line HCL text of a
//! value that residual expressions and messages are written with. It must not evaluate
//! expressions: the evaluator and the functions call it.

use hcl::edit::expr::BinaryOperator;

use crate::hcl::{object_key, quote_string};
use crate::import::tree::Value;

/// The `(key, value)` pairs a `for` expression or a `dynamic` block iterates: a list's
/// indexes or an object's keys; the value itself back when it cannot be iterated.
pub(crate) fn pairs(value: Value) -> Result<Vec<(Value, Value)>, Value> {
    match value {
        Value::List(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (number(i as f64), v))
            .collect()),
        Value::Object(entries) => Ok(entries
            .into_iter()
            .map(|(k, v)| (Value::String(k), v))
            .collect()),
        other => Err(other),
    }
}

/// What a value is, for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Object(_) | Value::Blocks(_) => "an object",
        Value::Template { .. } => "a template",
        Value::File { .. } => "a file",
        Value::Unknown { .. } => "an unknown value",
    }
}

pub(crate) fn json_number(n: &hcl::edit::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        number(n.as_f64().unwrap_or(0.0))
    }
}

/// A binary operation: `Ok(None)` when an operand is unknown.
pub(crate) fn binary(
    op: BinaryOperator,
    left: &Value,
    right: &Value,
) -> Result<Option<Value>, String> {
    use BinaryOperator as B;
    if matches!(op, B::Eq | B::NotEq) {
        if opaque(left) || opaque(right) {
            return Ok(None);
        }
        let same = equal(left, right);
        return Ok(Some(Value::Bool(if op == B::Eq { same } else { !same })));
    }
    if opaque(left) || opaque(right) {
        return Ok(None);
    }
    if matches!(op, B::And | B::Or) {
        let (Value::Bool(l), Value::Bool(r)) = (left, right) else {
            return Err(format!("`{}` needs two bools", op.as_str()));
        };
        return Ok(Some(Value::Bool(if op == B::And {
            *l && *r
        } else {
            *l || *r
        })));
    }
    let (Some(l), Some(r)) = (as_f64(left), as_f64(right)) else {
        return Err(format!(
            "`{}` needs two numbers, not {} and {}",
            op.as_str(),
            kind(left),
            kind(right)
        ));
    };
    let value = match op {
        B::Less => Value::Bool(l < r),
        B::LessEq => Value::Bool(l <= r),
        B::Greater => Value::Bool(l > r),
        B::GreaterEq => Value::Bool(l >= r),
        B::Plus => number(l + r),
        B::Minus => number(l - r),
        B::Mul => number(l * r),
        B::Div if r == 0.0 => return Err("division by zero".to_owned()),
        B::Div => number(l / r),
        B::Mod if r == 0.0 => return Err("modulo by zero".to_owned()),
        B::Mod => number(l % r),
        B::Eq | B::NotEq | B::And | B::Or => unreachable!("handled above"),
    };
    Ok(Some(value))
}

pub(crate) fn json(value: &Value) -> Option<serde_json::Value> {
    Some(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::List(items) => {
            serde_json::Value::Array(items.iter().map(json).collect::<Option<_>>()?)
        }
        Value::Object(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| Some((k.clone(), json(v)?)))
                .collect::<Option<_>>()?,
        ),
        Value::Blocks(_) | Value::Template { .. } | Value::File { .. } | Value::Unknown { .. } => {
            return None;
        }
    })
}

/// A number value: whole numbers are written without a fraction, as HCL prints them.
pub(crate) fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::Number((n as i64).into())
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// A number, or a string that reads as one (HCL converts).
pub(crate) fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A string, number or bool as the text a template writes.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether the value holds anything only the build knows (an unknown, a template or a file).
pub(crate) fn opaque(value: &Value) -> bool {
    match value {
        Value::Unknown { .. } | Value::Template { .. } | Value::File { .. } => true,
        Value::List(items) => items.iter().any(opaque),
        Value::Object(entries) => entries.iter().any(|(_, v)| opaque(v)),
        _ => false,
    }
}

/// HCL's equality: numbers by value, containers element by element.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && equal(v, v2)))
        }
        _ => a == b,
    }
}

/// The value as HCL text, on one line: known values as literals, unknowns as their residual.
pub(crate) fn hcl(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote_string(s),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(hcl).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(entries) => {
            if entries.is_empty() {
                return "{}".to_owned();
            }
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{} = {}", object_key(k), hcl(v)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        Value::Blocks(bodies) => {
            let objects: Vec<String> = bodies
                .iter()
                .map(|b| {
                    let entries = b
                        .attributes
                        .iter()
                        .map(|a| (a.name.clone(), a.value.clone()));
                    hcl(&Value::Object(entries.collect()))
                })
                .collect();
            format!("[{}]", objects.join(", "))
        }
        Value::Template { path, vars } => format!(
            "templatefile({}, {})",
            quote_string(&path.display().to_string()),
            hcl(vars)
        ),
        Value::File { path } => format!("file({})", quote_string(&path.display().to_string())),
        Value::Unknown { expression } => expression.clone(),
    }
}

/// [`hcl`], in parentheses when it would not bind as an operand (`a + b`, `c ? t : f`).
pub(crate) fn atom(value: &Value) -> String {
    let text = hcl(value);
    if is_atomic(&text) {
        text
    } else {
        format!("({text})")
    }
}

/// No space outside brackets and strings and no leading unary operator: a literal, a call, a
/// traversal or a bracketed expression.
pub(crate) fn is_atomic(text: &str) -> bool {
    if text.starts_with(['-', '!']) {
        return false;
    }
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ' ' if depth == 0 => return false,
            _ => {}
        }
    }
    true
}
