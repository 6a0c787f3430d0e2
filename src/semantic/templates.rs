//! Installer templates read only what hybridc passes them. Packer renders each one with
//! `templatefile(path, vars)`, which refuses a template that references a name `vars` does
//! not hold before it renders anything, and fails on an attribute the value does not have; the
//! build then fails as it starts. A template an OS renders (the shared one under
//! `installers/<kind>/`, or its own) is parsed here with hcl-rs's template parser and every
//! root name it references is held to [`crate::installer::TemplateVar`]'s declaration for its
//! installer's rendering, `inputs.<name>` to the OS's `installer_inputs`, and the attributes of
//! `release` and `network` to their declared shapes. Names bound by `%{ for }` directives and
//! `[for ...]` expressions are local. Each template file is parsed once, however many OSes
//! render it.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use hcl::edit::expr::{Expression, ForExpr, Traversal, TraversalOperator};
use hcl::edit::template::ForTemplateExpr;
use hcl::edit::visit::{Visit, visit_expr, visit_traversal_operator};
use hcl::edit::{Decorated, Ident, Span as _};

use super::Checker;
use crate::diagnostic::{Code, Diagnostic, Span, did_you_mean, prose_list};
use crate::installer::{InstallerKind, TemplateVar};
use crate::spec::Os;

/// The templates parsed so far, by repository path; `None`: not a readable UTF-8 file (the
/// `oses` checks report a missing one).
#[derive(Default)]
pub(super) struct Scanned(HashMap<String, Option<Arc<Scan>>>);

/// What a template references, or why it does not parse.
pub(super) type Scan = Result<Vec<Reference>, SyntaxError>;

/// A reference to a name the template does not bind itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reference {
    /// The root name (`release`).
    root: String,
    /// The attribute read from it (`release.version`, `inputs["x"]`), if any.
    attribute: Option<String>,
    /// The line of the root name, from 1.
    line: usize,
}

/// A template's syntax error, as the parser reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    message: String,
    line: usize,
    column: usize,
}

/// Parses an HCL template and lists the names it references from outside, in the order they
/// appear.
pub(super) fn scan(text: &str) -> Scan {
    let template = hcl::edit::parser::parse_template(text).map_err(|e| SyntaxError {
        message: e.message().to_owned(),
        line: e.location().line(),
        column: e.location().column(),
    })?;
    let mut references = References {
        text,
        locals: Vec::new(),
        found: Vec::new(),
    };
    references.visit_template(&template);
    Ok(references.found)
}

/// A template an OS renders, and the spec node that makes it render it.
struct At<'a> {
    path: &'a str,
    span: Span,
    label: &'a str,
}

/// The visitor that collects root references, with the names bound around the current node.
struct References<'a> {
    text: &'a str,
    locals: Vec<String>,
    found: Vec<Reference>,
}

impl References<'_> {
    fn line(&self, span: Option<Range<usize>>) -> usize {
        let start = span.map_or(0, |s| s.start).min(self.text.len());
        self.text.as_bytes()[..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn reference(&mut self, name: &Decorated<Ident>, attribute: Option<String>) {
        let root = name.as_str();
        if self.locals.iter().any(|l| l == root) {
            return;
        }
        let line = self.line(name.span());
        self.found.push(Reference {
            root: root.to_owned(),
            attribute,
            line,
        });
    }

    /// Visits `visit` with `names` bound.
    fn bound(&mut self, names: [Option<&Decorated<Ident>>; 2], visit: impl FnOnce(&mut Self)) {
        let before = self.locals.len();
        self.locals
            .extend(names.into_iter().flatten().map(|n| n.as_str().to_owned()));
        visit(self);
        self.locals.truncate(before);
    }
}

impl Visit for References<'_> {
    fn visit_expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Variable(name) => self.reference(name, None),
            Expression::Traversal(traversal) => self.visit_traversal(traversal),
            _ => visit_expr(self, expr),
        }
    }

    fn visit_traversal(&mut self, traversal: &Traversal) {
        match &traversal.expr {
            Expression::Variable(name) => {
                let attribute = traversal.operators.first().and_then(|op| match op.value() {
                    TraversalOperator::GetAttr(attr) => Some(attr.as_str().to_owned()),
                    TraversalOperator::Index(Expression::String(key)) => Some(key.value().clone()),
                    _ => None,
                });
                self.reference(name, attribute);
            }
            other => self.visit_expr(other),
        }
        for operator in &traversal.operators {
            visit_traversal_operator(self, operator);
        }
    }

    fn visit_for_expr(&mut self, expr: &ForExpr) {
        self.visit_expr(&expr.intro.collection_expr);
        let names = [expr.intro.key_var.as_ref(), Some(&expr.intro.value_var)];
        self.bound(names, |v| {
            if let Some(key) = &expr.key_expr {
                v.visit_expr(key);
            }
            v.visit_expr(&expr.value_expr);
            if let Some(cond) = &expr.cond {
                v.visit_expr(&cond.expr);
            }
        });
    }

    fn visit_for_template_expr(&mut self, expr: &ForTemplateExpr) {
        self.visit_expr(&expr.collection_expr);
        let names = [expr.key_var.as_ref(), Some(&expr.value_var)];
        self.bound(names, |v| v.visit_template(&expr.template));
    }
}

impl Checker<'_, '_> {
    /// Every template the OS renders references only what its installer's rendering passes:
    /// the declared template variables, the OS's own `installer_inputs`, and the declared
    /// attributes of `release` and `network`.
    pub(super) fn template_references(
        &mut self,
        name: &str,
        os: &Os,
        kind: &InstallerKind,
        scanned: &mut Scanned,
    ) {
        let files = self.cx.files;
        let is_file = |p: &str| files.kind(p) == crate::source::Kind::File;
        for file in kind.templates {
            let path = kind.template_path(name, os, file, is_file);
            let scan = scanned
                .0
                .entry(path.clone())
                .or_insert_with(|| {
                    let text = String::from_utf8(files.read(&path)?).ok()?;
                    Some(Arc::new(scan(&text)))
                })
                .clone();
            let Some(scan) = scan else { continue };
            let (span, label) = if os.templates.contains_key(*file) {
                let span = self.at(&["oses", name, "templates", file]).value;
                (span, format!("OS `{name}` renders `{path}`"))
            } else {
                let span = self.key_span(&["oses", name]);
                (span, format!("renders `{path}`"))
            };
            match scan.as_ref() {
                Err(e) => self.push(
                    Diagnostic::error(
                        Code::BadFormat,
                        format!(
                            "template `{path}` is not a valid HCL template: {} (line {}, column {})",
                            e.message, e.line, e.column
                        ),
                        span,
                        label,
                    )
                    .with_help("Packer's `templatefile()` cannot render it; a literal `${` is written `$${`, and `%{` is written `%%{`"),
                ),
                Ok(references) => {
                    let at = At { path: &path, span, label: &label };
                    self.references(name, os, kind, references, &at);
                }
            }
        }
    }

    /// One finding per name a template references that the OS's rendering does not hold, at
    /// its first use.
    fn references(
        &mut self,
        name: &str,
        os: &Os,
        kind: &InstallerKind,
        references: &[Reference],
        at: &At<'_>,
    ) {
        let At { path, span, label } = *at;
        let vars = kind.seed.template_vars();
        let names = kind.seed.template_var_names();
        let mut reported: Vec<(&str, Option<&str>)> = Vec::new();
        for reference in references {
            let Reference {
                root,
                attribute,
                line,
            } = reference;
            let Some(var) = vars.iter().find(|v| v.name() == root) else {
                if reported.contains(&(root, None)) {
                    continue;
                }
                reported.push((root, None));
                let listed = format!(
                    "installer templates get {}; other values go through the OS's `installer_inputs`, read as `inputs.<name>`",
                    prose_list(&names)
                );
                let help = match did_you_mean(root, names.iter().copied()) {
                    Some(close) => format!("{close} {listed}"),
                    None => listed,
                };
                self.push(
                    Diagnostic::error(
                        Code::UnknownReference,
                        format!(
                            "template `{path}` uses `{root}` (line {line}), which hybridc does not pass to installer templates"
                        ),
                        span,
                        label,
                    )
                    .with_help(help),
                );
                continue;
            };
            let Some(attribute) = attribute else { continue };
            let known: Vec<&str> = match (var, var.attributes()) {
                (TemplateVar::Inputs, _) => {
                    os.installer_inputs.keys().map(String::as_str).collect()
                }
                (_, Some(attributes)) => attributes.to_vec(),
                (_, None) => continue,
            };
            if known.contains(&attribute.as_str())
                || reported.contains(&(root, Some(attribute.as_str())))
            {
                continue;
            }
            reported.push((root, Some(attribute)));
            let (message, help) = if *var == TemplateVar::Inputs {
                (
                    format!(
                        "template `{path}` reads `inputs.{attribute}` (line {line}), but OS `{name}` has no installer input `{attribute}`"
                    ),
                    format!(
                        "add `{attribute}` to the OS's `installer_inputs`, or read it as `lookup(inputs, \"{attribute}\", \"\")` where it is optional"
                    ),
                )
            } else {
                (
                    format!(
                        "template `{path}` reads `{root}.{attribute}` (line {line}), which `{root}` does not have"
                    ),
                    format!("`{root}` has {}", prose_list(&known)),
                )
            };
            let help = match did_you_mean(attribute, known.iter().copied()) {
                Some(close) => format!("{close} {help}"),
                None => help,
            };
            self.push(
                Diagnostic::error(Code::UnknownReference, message, span, label).with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(text: &str) -> Vec<(String, Option<String>, usize)> {
        scan(text)
            .expect("a template")
            .into_iter()
            .map(|r| (r.root, r.attribute, r.line))
            .collect()
    }

    fn owned(root: &str, attribute: Option<&str>, line: usize) -> (String, Option<String>, usize) {
        (root.to_owned(), attribute.map(str::to_owned), line)
    }

    /// Names bound by `%{ for }` and by for-expressions are local; the collections they range
    /// over, conditions and function arguments are not.
    #[test]
    fn locals_of_for_directives_and_expressions_are_not_references() {
        let text = "%{ for k, v in machine.volumes ~}\n${k}=${v.size_mb} ${hostname}\n%{ endfor ~}\n${join(\",\", [for p in machine.partitions : p.kind if p.kind != lang])}\n%{ if cloud_init }${inputs[\"x\"]}%{ endif }";
        assert_eq!(
            roots(text),
            [
                owned("machine", Some("volumes"), 1),
                owned("hostname", None, 2),
                owned("machine", Some("partitions"), 4),
                owned("lang", None, 4),
                owned("cloud_init", None, 5),
                owned("inputs", Some("x"), 5),
            ]
        );
        // A bound name is local only inside its loop.
        assert_eq!(
            roots("%{ for v in xs }${v}%{ endfor }${v}"),
            [owned("xs", None, 1), owned("v", None, 1)]
        );
    }

    /// Every shared template under `installers/<kind>/` references only the variables its
    /// kind's rendering is declared to pass, and only declared attributes of `release` and
    /// `network`; an installer input only through `lookup(inputs, ...)`, since an OS may not
    /// have it. So adding a variable to a shared template without passing it fails here.
    #[test]
    fn shared_templates_reference_only_declared_variables() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for kind in crate::installer::INSTALLERS {
            let vars = kind.seed.template_vars();
            for file in kind.templates {
                let path = format!("installers/{}/{file}", kind.installer.as_str());
                let text = std::fs::read_to_string(root.join(&path)).expect("a shared template");
                let references = scan(&text).unwrap_or_else(|e| panic!("{path}: {e:?}"));
                for Reference {
                    root,
                    attribute,
                    line,
                } in references
                {
                    let var = vars.iter().find(|v| v.name() == root);
                    let var = var.unwrap_or_else(|| panic!("{path}:{line} uses `{root}`"));
                    assert!(
                        *var != TemplateVar::Inputs || attribute.is_none(),
                        "{path}:{line} reads an input without `lookup`"
                    );
                    if let (Some(attributes), Some(attribute)) = (var.attributes(), &attribute) {
                        assert!(
                            attributes.contains(&attribute.as_str()),
                            "{path}:{line} reads `{root}.{attribute}`"
                        );
                    }
                }
            }
        }
    }

    /// Escaped sequences (`$${`, `%%{`) are text, not references.
    #[test]
    fn escaped_sequences_are_text() {
        assert_eq!(
            roots("echo $${HOME} %%{ if x } ${hostname}"),
            [owned("hostname", None, 1)]
        );
    }

    /// A syntax error carries the parser's line and column.
    #[test]
    fn a_syntax_error_has_its_position() {
        let Err(e) = scan("line one\n${ hostname\n") else {
            panic!("not a template")
        };
        assert_eq!(e.line, 2, "{e:?}");
        assert!(e.column > 0, "{e:?}");
        assert!(scan("%{ if x }no end").is_err());
    }
}
