//! The catalogue's argument types and rule kinds, parsed once when a component is loaded.
//!
//! The plugin data writes types as HCL type text (`list(string)`) and rules by name
//! (`exactly_one_of`); serde turns them into [`Type`] and [`RuleKind`] as the JSON is read, so
//! no later code slices type text apart or compares rule names. [`compatible`] is the one rule
//! for which value types may stand for which declared ones.

use std::fmt;

use serde::Deserialize;

/// An HCL type, as the catalogue declares an argument's.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Type {
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `list(T)`.
    List(Box<Type>),
    /// `map(T)`.
    Map(Box<Type>),
    /// `object`: a value with named attributes of their own types.
    Object,
    /// `any`: the element type of an empty list, which fits every list.
    Any,
}

impl Type {
    /// `list(string)`.
    pub fn list_of(inner: Type) -> Type {
        Type::List(Box::new(inner))
    }

    /// `map(string)`.
    pub fn map_of(inner: Type) -> Type {
        Type::Map(Box::new(inner))
    }

    /// Reads HCL type text (`list(string)`); `None` for text that is no type the catalogue
    /// uses.
    pub fn parse(text: &str) -> Option<Type> {
        let inner = |prefix: &str| {
            text.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(')'))
                .and_then(Type::parse)
                .map(Box::new)
        };
        Some(match text {
            "string" => Type::String,
            "number" => Type::Number,
            "bool" => Type::Bool,
            "object" => Type::Object,
            "any" => Type::Any,
            _ if text.starts_with("list(") => Type::List(inner("list(")?),
            _ if text.starts_with("map(") => Type::Map(inner("map(")?),
            _ => return None,
        })
    }

    /// The type as a user reads it in a message: `a string`, `a list of strings`.
    pub fn describe(&self) -> String {
        match self {
            Type::String => "a string".into(),
            Type::Number => "a number".into(),
            Type::Bool => "`true` or `false`".into(),
            Type::List(inner) => format!("a list of {inner}s"),
            Type::Map(inner) => format!("a mapping of {inner}s"),
            Type::Object | Type::Any => self.to_string(),
        }
    }
}

impl TryFrom<String> for Type {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Type::parse(&text).ok_or_else(|| format!("unknown HCL type `{text}`"))
    }
}

/// The HCL type text: `list(string)`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(inner) => write!(f, "list({inner})"),
            Type::Map(inner) => write!(f, "map({inner})"),
            Type::Object => f.write_str("object"),
            Type::Any => f.write_str("any"),
        }
    }
}

/// What a rule between arguments demands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Exactly one of the alternatives is set.
    ExactlyOneOf,
    /// At least one of the alternatives is set.
    AtLeastOneOf,
    /// At most one of the alternatives is set.
    MutuallyExclusive,
    /// All of the alternatives are set, or none.
    AllOrNone,
    /// Each named block appears at least `value` times.
    MinItems,
    /// Each named block appears at most `value` times (recorded, not checked).
    MaxItems,
    /// Required under a condition in words (recorded, not checked).
    RequiredIf,
    /// Required together with another argument (recorded, not checked).
    RequiredWith,
    /// Needs another argument (recorded, not checked).
    Requires,
    /// One of the plugin's authentication modes (recorded, not checked).
    AuthModes,
    /// Filled in by the plugin when absent (recorded, not checked).
    Defaulted,
}

/// Whether a value of the HCL type `found` may stand where the catalogue says `expected`: the
/// same type; a number or bool where a string is expected (HCL converts them); an empty list
/// (`list(any)`) where any list is expected. The one rule for types, used for `options:`
/// literals ([`fits`]) and for every argument of the compiled model (conformance).
pub fn compatible(expected: &Type, found: &Type) -> bool {
    expected == found
        || (*expected == Type::String && matches!(found, Type::Number | Type::Bool))
        || (matches!(expected, Type::List(_))
            && matches!(found, Type::List(inner) if **inner == Type::Any))
}

/// Does a JSON literal fit an HCL type from the catalogue? Lists and maps element by element,
/// each element by [`compatible`].
pub fn fits(kind: &Type, value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Array(items) => match kind {
            Type::List(inner) => items.iter().all(|i| fits(inner, i)),
            _ => false,
        },
        Value::Object(entries) => match kind {
            Type::Map(inner) => entries.values().all(|v| fits(inner, v)),
            _ => false,
        },
        Value::String(_) => compatible(kind, &Type::String),
        Value::Number(_) => compatible(kind, &Type::Number),
        Value::Bool(_) => compatible(kind, &Type::Bool),
        Value::Null => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_text_reads_and_prints_back() {
        for text in [
            "string",
            "number",
            "bool",
            "object",
            "list(string)",
            "list(number)",
            "map(string)",
            "list(list(string))",
        ] {
            let parsed = Type::parse(text).unwrap_or_else(|| panic!("{text} parses"));
            assert_eq!(parsed.to_string(), text);
        }
        for bad in ["", "list(", "list(string", "set(string)", "strin"] {
            assert_eq!(Type::parse(bad), None, "{bad}");
        }
        assert_eq!(
            serde_json::from_str::<RuleKind>("\"exactly_one_of\"").ok(),
            Some(RuleKind::ExactlyOneOf)
        );
    }

    #[test]
    fn types_read_as_before() {
        assert_eq!(Type::String.describe(), "a string");
        assert_eq!(Type::Bool.describe(), "`true` or `false`");
        assert_eq!(Type::list_of(Type::String).describe(), "a list of strings");
        assert_eq!(
            Type::map_of(Type::String).describe(),
            "a mapping of strings"
        );
        assert_eq!(Type::Object.describe(), "object");
    }

    #[test]
    fn literal_types_fit_hcl_types() {
        use serde_json::json;
        let list = Type::list_of(Type::String);
        assert!(fits(&list, &json!(["a", "b"])));
        assert!(!fits(&list, &json!([["a"]])));
        assert!(fits(&Type::Number, &json!(4)));
        assert!(!fits(&Type::Bool, &json!("yes")));
        assert!(fits(&Type::map_of(Type::String), &json!({"a": "b"})));
        // The same rule as the compiled model's arguments.
        assert!(fits(&Type::String, &json!(5)) && compatible(&Type::String, &Type::Number));
        assert!(fits(&list, &json!([])) && compatible(&list, &Type::list_of(Type::Any)));
        assert!(!fits(&Type::Number, &json!("5")) && !compatible(&Type::Number, &Type::String));
        assert!(!fits(&Type::String, &json!(null)));
    }
}
