//! HCL templates: quoted strings with interpolations, heredocs, and `%{ if }` / `%{ for }`
//! directives, rendered by the evaluator. An unknown interpolation leaves the template a
//! residual string with everything known folded in. Strip markers (`${~`, `~}`, `%{~`) trim the
//! whitespace of the line next to them, as Go's HCL does. A `<<-` heredoc is dedented by the
//! parser, whose rule differs from Go's for lines inside directives.

use hcl::edit::Span as _;
use hcl::edit::template::{Directive, Element, Template};

use super::eval::{Evaluator, span_of};
use super::value::{hcl, is_atomic, kind, opaque, pairs, scalar_text};
use crate::import::tree::Value;

impl Evaluator<'_> {
    /// A quoted or heredoc template: one interpolation alone keeps its value's type, as in HCL.
    pub(super) fn template(&mut self, t: &Template) -> Value {
        let mut elements = t.iter();
        if let (Some(Element::Interpolation(only)), None) = (elements.next(), elements.next()) {
            return self.eval(&only.expr);
        }
        let mut out = String::new();
        let mut residual = String::new();
        let known = self.render(t, (false, false), &mut out, &mut residual);
        if known {
            Value::String(out)
        } else {
            Value::Unknown {
                expression: format!("\"{residual}\""),
            }
        }
    }

    /// Renders `t` into `out`, and its residual (literals escaped) into `residual`; false when
    /// something in it is unknown. `edges`: whether the tags around `t` strip its first
    /// literal's leading and its last literal's trailing whitespace.
    fn render(
        &mut self,
        t: &Template,
        edges: (bool, bool),
        out: &mut String,
        residual: &mut String,
    ) -> bool {
        let elements: Vec<&Element> = t.iter().collect();
        let mut known = true;
        for (i, element) in elements.iter().enumerate() {
            match element {
                Element::Literal(text) => {
                    let last = i + 1 == elements.len();
                    let text = strip(
                        text.value(),
                        (i == 0 && edges.0) || (i > 0 && strips(elements[i - 1]).1),
                        (last && edges.1) || (!last && strips(elements[i + 1]).0),
                    );
                    out.push_str(&text);
                    residual.push_str(&crate::hcl::escape_string(&text));
                }
                Element::Interpolation(i) => {
                    let value = self.eval(&i.expr);
                    if let Some(text) = scalar_text(&value) {
                        out.push_str(&text);
                        residual.push_str(&crate::hcl::escape_string(&text));
                    } else if opaque(&value) {
                        known = false;
                        // An unknown string template is spliced in, not nested in `${...}`.
                        match quoted_template(&value) {
                            Some(inner) => residual.push_str(inner),
                            None => residual.push_str(&format!("${{{}}}", hcl(&value))),
                        }
                    } else {
                        let message = format!("{} cannot be written into a string", kind(&value));
                        self.error(span_of(i.expr.span()), message, "not a string");
                        known = false;
                        residual.push_str(&format!("${{{}}}", hcl(&value)));
                    }
                }
                Element::Directive(d) => {
                    let mut inner = String::new();
                    let mut ignored = String::new();
                    let ok = self.directive(d, &mut inner, &mut ignored);
                    if ok {
                        out.push_str(&inner);
                        residual.push_str(&crate::hcl::escape_string(&inner));
                    } else {
                        known = false;
                        residual.push_str(&self.written(d.span()));
                    }
                }
            }
        }
        known
    }

    fn directive(&mut self, d: &Directive, out: &mut String, residual: &mut String) -> bool {
        match d {
            Directive::If(d) => {
                let end = d.endif_expr.strip.strip_start();
                match self.eval(&d.if_expr.cond_expr) {
                    Value::Bool(true) => {
                        let close = d.else_expr.as_ref().map_or(end, |e| e.strip.strip_start());
                        let edges = (d.if_expr.strip.strip_end(), close);
                        self.render(&d.if_expr.template, edges, out, residual)
                    }
                    Value::Bool(false) => match &d.else_expr {
                        Some(e) => {
                            self.render(&e.template, (e.strip.strip_end(), end), out, residual)
                        }
                        None => true,
                    },
                    _ => false,
                }
            }
            Directive::For(d) => {
                let f = &d.for_expr;
                let Ok(items) = pairs(self.eval(&f.collection_expr)) else {
                    return false;
                };
                let mut known = true;
                for (key, value) in items {
                    let mut bound = vec![(f.value_var.as_str().to_owned(), value)];
                    if let Some(k) = &f.key_var {
                        bound.push((k.as_str().to_owned(), key));
                    }
                    let edges = (f.strip.strip_end(), d.endfor_expr.strip.strip_start());
                    known &=
                        self.with_binding(bound, |ev| ev.render(&f.template, edges, out, residual));
                }
                known
            }
        }
    }
}

/// A literal with its strip markers applied as Go's HCL applies them: its lexer cuts a
/// literal into one token per line, and a marker trims only the token next to it
/// (hashicorp/hcl `hclsyntax/parser_template.go`, `parseTemplateParts`): `~}` the leading
/// whitespace of the first line (its newline included when the rest is blank), `${~` the
/// trailing whitespace of the last line (the line before when the literal ends a line).
fn strip(text: &str, start: bool, end: bool) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    if start && let Some(first) = lines.first_mut() {
        *first = first.trim_start();
    }
    if end && let Some(last) = lines.last_mut() {
        *last = last.trim_end();
    }
    lines.concat()
}

/// Whether `element` strips the trailing whitespace of the literal before it (`${~`,
/// `%{~ if`) and the leading whitespace of the literal after it (`~}` closing an
/// interpolation, an `endif` or an `endfor`).
fn strips(element: &Element) -> (bool, bool) {
    let (open, close) = match element {
        Element::Literal(_) => return (false, false),
        Element::Interpolation(i) => (i.strip, i.strip),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(d) => (d.if_expr.strip, d.endif_expr.strip),
            Directive::For(d) => (d.for_expr.strip, d.endfor_expr.strip),
        },
    };
    (open.strip_start(), close.strip_end())
}

/// The inside of an unknown that is one quoted template (`"a-${env("X")}"`).
fn quoted_template(value: &Value) -> Option<&str> {
    let Value::Unknown { expression } = value else {
        return None;
    };
    let inner = expression.strip_prefix('"')?.strip_suffix('"')?;
    is_atomic(expression).then_some(inner)
}
