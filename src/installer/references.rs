//! The names an installer template reads from outside: what `templatefile(path, vars)` looks
//! up in `vars`. Packer refuses a template that references a name `vars` does not hold, so
//! `semantic` holds each template an OS renders to [`super::TemplateVar`]'s declaration, and
//! `import` rewrites a template from another tree to read what hybridc passes. Names bound by
//! `%{ for }` directives and `[for ...]` expressions are local.

use std::ops::Range;

use hcl::edit::expr::{Expression, ForExpr, Traversal, TraversalOperator};
use hcl::edit::template::ForTemplateExpr;
use hcl::edit::visit::{Visit, visit_expr, visit_traversal_operator};
use hcl::edit::{Decorated, Ident, Span as _};

/// What a template references, or why it does not parse.
pub type Scan = Result<Vec<Reference>, SyntaxError>;

/// A reference to a name the template does not bind itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The root name (`release`).
    pub root: String,
    /// The attribute read from it (`release.version`, `inputs["x"]`), if any.
    pub attribute: Option<String>,
    /// The line of the root name, from 1.
    pub line: usize,
    /// The root name's bytes in the template.
    pub span: Range<usize>,
}

/// A template's syntax error, as the parser reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What the parser says.
    pub message: String,
    /// Its line, from 1.
    pub line: usize,
    /// Its column, from 1.
    pub column: usize,
}

/// Parses an HCL template and lists the names it references from outside, in the order they
/// appear.
pub fn scan(text: &str) -> Scan {
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
        let span = name.span().unwrap_or(0..0);
        let line = self.line(Some(span.clone()));
        self.found.push(Reference {
            root: root.to_owned(),
            attribute,
            line,
            span,
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

    /// A reference's span is its root name's bytes, so that a rewrite replaces exactly it.
    #[test]
    fn a_reference_spans_its_root_name() {
        let text = "a ${ hostname } b ${release.version}";
        let spans: Vec<&str> = scan(text)
            .expect("a template")
            .iter()
            .map(|r| &text[r.span.clone()])
            .collect();
        assert_eq!(spans, ["hostname", "release"]);
    }
}
