//! The Packer functions the reader evaluates, on [`Value`]s, and the value helpers they share
//! with the evaluator (conversions, equality, the residual HCL text of a value).
//!
//! A function evaluates when its arguments are known; `env`, `timestamp`, `vault` and any
//! other function whose result only the build knows give [`Call::Unknown`], which the
//! evaluator turns into a residual expression. `templatefile` and `file` are not read: they
//! become [`Value::Template`] and [`Value::File`]. This module must not read files or know
//! about blocks.

use std::path::{Component, Path, PathBuf};

use super::value::{as_f64, equal, hcl, json, kind, number, opaque, scalar_text};
use crate::hcl::quote_string;
use crate::import::tree::Value;

/// What calling a function gave.
pub(crate) enum Call {
    /// Its result.
    Value(Value),
    /// Only the build knows the result.
    Unknown,
    /// The arguments are wrong: the message says how.
    Error(String),
    /// Packer has no function of this name.
    NoSuchFunction,
}

/// Every function Packer 1.x knows, for did-you-mean and to tell a typo from a function the
/// reader leaves unknown.
#[rustfmt::skip]
pub(crate) const NAMES: &[&str] = &[
    "abs", "abspath", "alltrue", "anytrue", "aws_secretsmanager", "aws_secretsmanager_raw",
    "base64decode", "base64encode", "base64gzip", "basename", "bcrypt", "can", "ceil", "chomp",
    "chunklist", "cidrhost", "cidrnetmask", "cidrsubnet", "cidrsubnets", "coalesce",
    "coalescelist", "compact", "concat", "consul_key", "contains", "convert", "csvdecode",
    "dirname", "distinct", "element", "endswith", "env", "file", "fileexists", "fileset",
    "flatten", "floor", "format", "formatdate", "formatlist", "indent", "index", "join",
    "jsondecode", "jsonencode", "keys", "legacy_isotime", "legacy_strftime", "length", "log",
    "lookup", "lower", "max", "md5", "merge", "min", "one", "parseint", "pathexpand", "pow",
    "range", "regex", "regex_replace", "regexall", "replace", "reverse", "rsadecrypt",
    "setintersection", "setproduct", "setunion", "sha1", "sha256", "sha512", "signum", "slice",
    "sort", "split", "startswith", "strcontains", "strrev", "substr", "sum", "templatefile",
    "textdecodebase64", "textencodebase64", "timeadd", "timestamp", "title", "tobool", "tolist",
    "tomap", "tonumber", "toset", "tostring", "transpose", "trim", "trimprefix", "trimspace",
    "trimsuffix", "try", "upper", "urlencode", "uuidv4", "uuidv5", "values", "vault", "yamldecode",
    "yamlencode", "zipmap",
];

/// Calls `name` on evaluated `args`; `cwd` anchors relative paths.
pub(crate) fn call(name: &str, args: &[Value], cwd: &Path) -> Call {
    if !NAMES.contains(&name) {
        return Call::NoSuchFunction;
    }
    // `templatefile` keeps unknown variables inside its `vars`: only the path must be known.
    if name == "templatefile" {
        return match args {
            [Value::String(path), vars] => Call::Value(Value::Template {
                path: absolute(cwd, path),
                vars: Box::new(vars.clone()),
            }),
            [path, _] if opaque(path) => Call::Unknown,
            _ => Call::Error("expects a path and an object of variables".to_owned()),
        };
    }
    if args.iter().any(|a| matches!(a, Value::Unknown { .. })) {
        return Call::Unknown;
    }
    match evaluate(name, args, cwd) {
        Ok(Some(value)) => Call::Value(value),
        Ok(None) => Call::Unknown,
        Err(message) => Call::Error(message),
    }
}

/// `Ok(None)`: only the build knows.
fn evaluate(name: &str, args: &[Value], cwd: &Path) -> Result<Option<Value>, String> {
    let value = match (name, args) {
        ("file", [Value::String(path)]) => Value::File {
            path: absolute(cwd, path),
        },
        ("abspath", [Value::String(path)]) => {
            Value::String(absolute(cwd, path).display().to_string())
        }
        ("basename", [Value::String(path)]) => Value::String(basename(path)),
        ("dirname", [Value::String(path)]) => Value::String(dirname(path)),
        ("concat", lists) => {
            let mut out = Vec::new();
            for list in lists {
                out.extend(list_of(list)?.iter().cloned());
            }
            Value::List(out)
        }
        ("merge", objects) => {
            let mut out: Vec<(String, Value)> = Vec::new();
            for object in objects {
                match object {
                    Value::Null => {}
                    Value::Object(entries) => {
                        for (k, v) in entries {
                            set(&mut out, k, v.clone());
                        }
                    }
                    other => return Err(format!("expects objects, not {}", kind(other))),
                }
            }
            Value::Object(out)
        }
        ("flatten", [list]) => {
            let mut out = Vec::new();
            flatten(list_of(list)?, &mut out);
            Value::List(out)
        }
        ("coalesce", values) => match values
            .iter()
            .find(|v| !matches!(v, Value::Null) && *v != &Value::String(String::new()))
        {
            Some(v) => v.clone(),
            None => return Err("every argument is null or empty".to_owned()),
        },
        ("coalescelist", lists) => lists
            .iter()
            .find(|l| matches!(l, Value::List(items) if !items.is_empty()))
            .cloned()
            .unwrap_or(Value::List(Vec::new())),
        ("length", [value]) => match value {
            Value::List(items) => number(items.len() as f64),
            Value::Object(entries) => number(entries.len() as f64),
            Value::String(s) => number(s.chars().count() as f64),
            v if opaque(v) => return Ok(None),
            v => return Err(format!("cannot measure {}", kind(v))),
        },
        ("element", [list, index]) => {
            let items = list_of(list)?;
            let i = whole(index)?;
            if items.is_empty() {
                return Err("cannot take an element of an empty list".to_owned());
            }
            items[(i.rem_euclid(items.len() as i64)) as usize].clone()
        }
        ("lookup", [object, key, rest @ ..]) if rest.len() <= 1 => {
            let key = text(key)?;
            match (object, rest) {
                (Value::Object(entries), _) => match entries.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => v.clone(),
                    None => match rest {
                        [default] => default.clone(),
                        _ => return Err(format!("no key `{key}` and no default")),
                    },
                },
                (v, _) if opaque(v) => return Ok(None),
                (v, _) => return Err(format!("expects an object, not {}", kind(v))),
            }
        }
        ("keys", [Value::Object(entries)]) => {
            let mut keys: Vec<&String> = entries.iter().map(|(k, _)| k).collect();
            keys.sort();
            Value::List(keys.into_iter().map(|k| Value::String(k.clone())).collect())
        }
        ("values", [Value::Object(entries)]) => {
            let mut sorted: Vec<&(String, Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            Value::List(sorted.into_iter().map(|(_, v)| v.clone()).collect())
        }
        ("contains", [list, value]) => {
            let items = list_of(list)?;
            if opaque(value) || items.iter().any(opaque) {
                return Ok(None);
            }
            Value::Bool(items.iter().any(|i| equal(i, value)))
        }
        ("tolist", [list]) => Value::List(list_of(list)?.to_vec()),
        ("toset", [list]) => {
            let mut items: Vec<Value> = Vec::new();
            for item in list_of(list)? {
                if !items.iter().any(|i| equal(i, item)) {
                    items.push(item.clone());
                }
            }
            if items.iter().all(|i| matches!(i, Value::String(_))) {
                items.sort_by_key(|i| scalar_text(i).unwrap_or_default());
            }
            Value::List(items)
        }
        ("tomap", [Value::Object(entries)]) => Value::Object(entries.clone()),
        ("tostring", [Value::Null]) => Value::Null,
        ("tostring", [value]) => Value::String(known_text(value)?),
        ("tonumber", [Value::Null]) => Value::Null,
        ("tonumber", [value]) => match as_f64(value) {
            Some(n) => number(n),
            None => return Err(format!("cannot convert {} to a number", hcl(value))),
        },
        ("tobool", [Value::Bool(b)]) => Value::Bool(*b),
        ("tobool", [Value::String(s)]) if s == "true" || s == "false" => Value::Bool(s == "true"),
        ("parseint", [value, base]) => {
            let radix = whole(base)?;
            if !(2..=62).contains(&radix) {
                return Err("the base must be between 2 and 62".to_owned());
            }
            let digits = known_text(value)?;
            match i64::from_str_radix(&digits, radix as u32) {
                Ok(n) => Value::Number(n.into()),
                Err(_) => return Err(format!("cannot parse `{digits}` in base {radix}")),
            }
        }
        ("join", [separator, lists @ ..]) if !lists.is_empty() => {
            let separator = text(separator)?;
            let mut parts = Vec::new();
            for list in lists {
                for item in list_of(list)? {
                    if opaque(item) {
                        return Ok(None);
                    }
                    parts.push(known_text(item)?);
                }
            }
            Value::String(parts.join(&separator))
        }
        ("split", [separator, s]) => {
            let (separator, s) = (text(separator)?, text(s)?);
            if s.is_empty() {
                Value::List(Vec::new())
            } else {
                let parts = s.split(separator.as_str());
                Value::List(parts.map(|p| Value::String(p.to_owned())).collect())
            }
        }
        ("lower", [s]) => Value::String(text(s)?.to_lowercase()),
        ("upper", [s]) => Value::String(text(s)?.to_uppercase()),
        ("title", [s]) => Value::String(title(&text(s)?)),
        ("trimspace", [s]) => Value::String(text(s)?.trim().to_owned()),
        ("chomp", [s]) => Value::String(text(s)?.trim_end_matches(['\n', '\r']).to_owned()),
        ("trimprefix", [s, p]) => {
            let (s, p) = (text(s)?, text(p)?);
            Value::String(s.strip_prefix(p.as_str()).unwrap_or(&s).to_owned())
        }
        ("trimsuffix", [s, p]) => {
            let (s, p) = (text(s)?, text(p)?);
            Value::String(s.strip_suffix(p.as_str()).unwrap_or(&s).to_owned())
        }
        ("trim", [s, cut]) => {
            let (s, cut) = (text(s)?, text(cut)?);
            Value::String(s.trim_matches(|c| cut.contains(c)).to_owned())
        }
        ("strrev", [s]) => Value::String(text(s)?.chars().rev().collect()),
        ("startswith", [s, p]) => Value::Bool(text(s)?.starts_with(text(p)?.as_str())),
        ("endswith", [s, p]) => Value::Bool(text(s)?.ends_with(text(p)?.as_str())),
        ("strcontains", [s, p]) => Value::Bool(text(s)?.contains(text(p)?.as_str())),
        // A `/.../` pattern is a regular expression, which the reader does not evaluate.
        ("replace", [s, search, with]) => {
            let (s, search, with) = (text(s)?, text(search)?, text(with)?);
            if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
                return Ok(None);
            }
            Value::String(s.replace(&search, &with))
        }
        ("substr", [s, offset, length]) => {
            let s: Vec<char> = text(s)?.chars().collect();
            let (offset, length) = (whole(offset)?, whole(length)?);
            let start = if offset < 0 {
                (s.len() as i64 + offset).max(0)
            } else {
                offset
            } as usize;
            let start = start.min(s.len());
            let end = if length < 0 {
                s.len()
            } else {
                start.saturating_add(length as usize).min(s.len())
            };
            Value::String(s[start..end].iter().collect())
        }
        ("format", [spec, rest @ ..]) => match format(&text(spec)?, rest)? {
            Some(s) => Value::String(s),
            None => return Ok(None),
        },
        ("formatlist", [spec, rest @ ..]) => {
            let spec = text(spec)?;
            let lengths: Vec<usize> = rest
                .iter()
                .filter_map(|a| match a {
                    Value::List(items) => Some(items.len()),
                    _ => None,
                })
                .collect();
            let n = lengths.first().copied().unwrap_or(1);
            if lengths.iter().any(|l| *l != n) {
                return Err("the lists must have the same length".to_owned());
            }
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let row: Vec<Value> = rest
                    .iter()
                    .map(|a| match a {
                        Value::List(items) => items[i].clone(),
                        other => other.clone(),
                    })
                    .collect();
                match format(&spec, &row)? {
                    Some(s) => out.push(Value::String(s)),
                    None => return Ok(None),
                }
            }
            Value::List(out)
        }
        ("jsonencode", [value]) => match json(value) {
            Some(json) => Value::String(json.to_string()),
            None => return Ok(None),
        },
        ("distinct", [list]) => {
            let mut out: Vec<Value> = Vec::new();
            for item in list_of(list)? {
                if !out.iter().any(|o| equal(o, item)) {
                    out.push(item.clone());
                }
            }
            Value::List(out)
        }
        ("compact", [list]) => Value::List(
            list_of(list)?
                .iter()
                .filter(|v| !matches!(v, Value::Null) && *v != &Value::String(String::new()))
                .cloned()
                .collect(),
        ),
        ("alltrue" | "anytrue", [list]) => {
            let items = list_of(list)?;
            if items.iter().any(opaque) {
                return Ok(None);
            }
            let truth =
                |v: &Value| matches!(v, Value::Bool(true)) || *v == Value::String("true".into());
            Value::Bool(if name == "alltrue" {
                items.iter().all(truth)
            } else {
                items.iter().any(truth)
            })
        }
        ("reverse", [list]) => Value::List(list_of(list)?.iter().rev().cloned().collect()),
        ("max" | "min", values) if !values.is_empty() => {
            let mut numbers = Vec::new();
            for v in values {
                numbers.push(as_f64(v).ok_or_else(|| format!("expects numbers, not {}", kind(v)))?);
            }
            let pick = if name == "max" { f64::max } else { f64::min };
            number(numbers.into_iter().reduce(pick).unwrap_or(0.0))
        }
        _ if UNKNOWN.contains(&name) => return Ok(None),
        // Any other function of Packer's, or a known one with other arguments: the build
        // decides. The reader stays conservative rather than guess a result.
        _ => return Ok(None),
    };
    Ok(Some(value))
}

/// Functions whose result only the build knows, whatever their arguments.
#[rustfmt::skip]
const UNKNOWN: &[&str] = &[
    "env", "timestamp", "uuidv4", "vault", "aws_secretsmanager", "aws_secretsmanager_raw",
    "consul_key", "formatdate", "timeadd", "bcrypt", "legacy_isotime", "legacy_strftime",
    "fileexists", "fileset", "rsadecrypt",
];

fn set(entries: &mut Vec<(String, Value)>, key: &str, value: Value) {
    match entries.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key.to_owned(), value)),
    }
}

fn flatten(items: &[Value], out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::List(inner) => flatten(inner, out),
            other => out.push(other.clone()),
        }
    }
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

/// The most digits `%.Nf` writes: a larger precision is a typo, not a reason to allocate.
const MAX_PRECISION: usize = 64;

/// Go's `fmt` verbs as Packer's `format` accepts them: `%s %d %f %v %q %t %x %%`, with an
/// optional precision (`%.2f`); `Ok(None)` when an argument is unknown.
fn format(spec: &str, args: &[Value]) -> Result<Option<String>, String> {
    let mut out = String::with_capacity(spec.len());
    let mut args = args.iter();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut precision = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || d == '.' || d == '-' || d == '+' || d == '#' {
                precision.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let Some(verb) = chars.next() else {
            return Err("the format ends in `%`".to_owned());
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.next() else {
            return Err("too few arguments for the format".to_owned());
        };
        if opaque(arg) {
            return Ok(None);
        }
        match verb {
            's' | 'v' => match arg {
                Value::List(_) | Value::Object(_) => out.push_str(&hcl(arg)),
                _ => out.push_str(&known_text(arg)?),
            },
            'q' => out.push_str(&quote_string(&known_text(arg)?)),
            't' => out.push_str(&known_text(arg)?),
            'd' => {
                let n =
                    as_f64(arg).ok_or_else(|| format!("`%d` needs a number, not {}", kind(arg)))?;
                out.push_str(&format!("{}", n.trunc() as i64));
            }
            'x' => {
                let n =
                    as_f64(arg).ok_or_else(|| format!("`%x` needs a number, not {}", kind(arg)))?;
                out.push_str(&format!("{:x}", n.trunc() as i64));
            }
            'f' => {
                let n =
                    as_f64(arg).ok_or_else(|| format!("`%f` needs a number, not {}", kind(arg)))?;
                let digits = precision
                    .split_once('.')
                    .and_then(|(_, p)| p.parse().ok())
                    .unwrap_or(6)
                    .min(MAX_PRECISION);
                out.push_str(&format!("{n:.digits$}"));
            }
            other => return Err(format!("unsupported format verb `%{other}`")),
        }
    }
    Ok(Some(out))
}

/// `path` against `cwd` when relative, `.` and `..` folded as Go's `filepath.Abs` does.
pub(crate) fn absolute(cwd: &Path, path: &str) -> PathBuf {
    let joined = cwd.join(path);
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Go's `filepath.Base`.
fn basename(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" }.to_owned();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_owned()
}

/// Go's `filepath.Dir`.
fn dirname(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".to_owned(),
        Some(i) => {
            let dir = path[..i].trim_end_matches('/');
            if dir.is_empty() { "/" } else { dir }.to_owned()
        }
        None => ".".to_owned(),
    }
}

fn list_of(value: &Value) -> Result<&[Value], String> {
    match value {
        Value::List(items) => Ok(items),
        other => Err(format!("expects a list, not {}", kind(other))),
    }
}

fn text(value: &Value) -> Result<String, String> {
    known_text(value)
}

fn known_text(value: &Value) -> Result<String, String> {
    scalar_text(value).ok_or_else(|| format!("expects a string, not {}", kind(value)))
}

fn whole(value: &Value) -> Result<i64, String> {
    match as_f64(value) {
        Some(n) if n.fract() == 0.0 => Ok(n as i64),
        _ => Err(format!("expects a whole number, not {}", hcl(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, list, n, one, s, unknown};
    use crate::import::tree::Value;

    #[test]
    fn functions_the_frameworks_use() {
        let cases: &[(&str, Value)] = &[
            (r#"join("-", ["a", "b"], ["c"])"#, s("a-b-c")),
            (
                r#"format("%s-%d-%.1f-%%-%v", "a", 2, 1.25, true)"#,
                s("a-2-1.2-%-true"),
            ),
            (
                r#"formatlist("%s=%s", ["a", "b"], "x")"#,
                list(&["a=x", "b=x"]),
            ),
            (r#"concat(["a"], [], ["b"])"#, list(&["a", "b"])),
            (r#"lower("AbC")"#, s("abc")),
            (r#"upper("AbC")"#, s("ABC")),
            (r#"replace("a.b.c", ".", "-")"#, s("a-b-c")),
            (r#"split(",", "a,b")"#, list(&["a", "b"])),
            (r#"trimspace("  a \n")"#, s("a")),
            (r#"substr("hello", 1, 3)"#, s("ell")),
            (r#"substr("hello", -3, -1)"#, s("llo")),
            (r#"length(["a", "b"])"#, n(2)),
            (r#"length("héllo")"#, n(5)),
            (r#"element(["a", "b"], 3)"#, s("b")),
            (r#"lookup({ a = "x" }, "a", "d")"#, s("x")),
            (r#"lookup({ a = "x" }, "b", "d")"#, s("d")),
            (
                r#"merge({ a = 1, b = 1 }, { b = 2 })"#,
                Value::Object(vec![("a".to_owned(), n(1)), ("b".to_owned(), n(2))]),
            ),
            (r#"flatten([["a"], [["b"]], "c"])"#, list(&["a", "b", "c"])),
            (r#"coalesce("", "b")"#, s("b")),
            (r#"abspath("/x/./y/../z")"#, s("/x/z")),
            (r#"basename("/a/b.iso")"#, s("b.iso")),
            (r#"dirname("/a/b/c.iso")"#, s("/a/b")),
            (r#"jsonencode({ a = [1, "b"] })"#, s(r#"{"a":[1,"b"]}"#)),
            (r#"tostring(5)"#, s("5")),
            (r#"tonumber("42")"#, n(42)),
            (r#"tolist(["a"])"#, list(&["a"])),
            (r#"toset(["b", "a", "b"])"#, list(&["a", "b"])),
            (r#"keys({ b = 1, a = 2 })"#, list(&["a", "b"])),
            (r#"values({ b = 1, a = 2 })"#, Value::List(vec![n(2), n(1)])),
            (r#"contains(["a", "b"], "b")"#, Value::Bool(true)),
            (r#"parseint("0123", 10)"#, n(123)),
            (r#"alltrue([true, "true"])"#, Value::Bool(true)),
            (r#"anytrue([false])"#, Value::Bool(false)),
            (r#"try({ a = 1 }.b, "fallback")"#, s("fallback")),
            (r#"try(env("X"), "fallback")"#, unknown(r#"env("X")"#)),
            (r#"can({ a = 1 }.b)"#, Value::Bool(false)),
            (r#"can(nosuch(1))"#, Value::Bool(false)),
            (r#"can([1][0])"#, Value::Bool(true)),
            (
                r#"join(",", ["a", env("B")])"#,
                unknown(r#"join(",", ["a", env("B")])"#),
            ),
            (
                r#"env("VSPHERE_PASSWORD")"#,
                unknown(r#"env("VSPHERE_PASSWORD")"#),
            ),
            ("uuidv4()", unknown("uuidv4()")),
            (
                r#"vault("/secret/data/x", "key")"#,
                unknown(r#"vault("/secret/data/x", "key")"#),
            ),
            (
                r#"aws_secretsmanager("name", "key")"#,
                unknown(r#"aws_secretsmanager("name", "key")"#),
            ),
            (r#"upper(var.unset)"#, unknown("upper(var.unset)")),
        ];
        let mut text = String::from("variable \"unset\" {}\nlocals {\n");
        for (i, (expr, _)) in cases.iter().enumerate() {
            text.push_str(&format!("  f{i} = {expr}\n"));
        }
        text.push_str("}\nsource \"null\" \"probe\" {\n");
        for i in 0..cases.len() {
            text.push_str(&format!("  f{i} = local.f{i}\n"));
        }
        text.push_str("}\n");
        let folder = one(&text);
        for (i, (expr, expected)) in cases.iter().enumerate() {
            assert_eq!(
                arg(&folder, "null.probe", &format!("f{i}")),
                expected,
                "{expr}"
            );
        }
    }
}
