//! The spec's JSON Schema: generated from the spec model, and checked against a parsed spec.
//!
//! Generation (`generate`) uses schemars (draft-07, which yaml-language-server handles best)
//! plus a few transforms that keep the schema plain for editors and for error reporting:
//! optional fields are not nullable, and documented enum variants become an `enum` with
//! per-value descriptions. Validation ([`check`]) maps every jsonschema error back to the YAML
//! node it is about, and `report` words it for a person. This module must not hold rules of
//! its own: the rules live in `spec.rs`.

mod editor;
mod generate;
mod report;

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::yaml::Node;

pub use generate::{definitions, schema, schema_text};
pub use report::display_path;

/// Builds the validator now rather than at the first [`check`]: it is built once per process
/// and does not depend on the spec, so a caller can have it built on another thread while it
/// parses.
pub fn prepare() {
    validator();
}

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::draft7::new(schema()).expect("the generated schema is a valid draft-07 schema")
    })
}

/// Checks the parsed spec against the schema.
///
/// # Errors
/// One diagnostic per leaf problem, at the key or value it is about, sorted by position.
pub fn check(tree: &Node, json: &Value) -> Result<(), Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    for error in validator().iter_errors(json) {
        report::report(tree, &error, &mut diagnostics);
    }
    if diagnostics.is_empty() {
        return Ok(());
    }
    crate::diagnostic::sort(&mut diagnostics);
    diagnostics.dedup();
    Err(diagnostics)
}
