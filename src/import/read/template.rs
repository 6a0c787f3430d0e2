//! HCL templates: quoted strings with interpolations, heredocs, and `%{ if }` / `%{ for }`
//! directives, rendered by the evaluator. An unknown interpolation leaves the template a
//! residual string with everything known folded in. Strip markers (`~`) are not applied.

use hcl::edit::Span as _;
use hcl::edit::template::{Directive, Element, Template};

use super::eval::{Evaluator, span_of};
use super::value::{hcl, is_atomic, kind, number, opaque, scalar_text};
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
        let known = self.render(t, &mut out, &mut residual);
        if known {
            Value::String(out)
        } else {
            Value::Unknown {
                expression: format!("\"{residual}\""),
            }
        }
    }

    /// Renders `t` into `out`, and its residual (literals escaped) into `residual`; false when
    /// something in it is unknown.
    fn render(&mut self, t: &Template, out: &mut String, residual: &mut String) -> bool {
        let mut known = true;
        for element in t.iter() {
            match element {
                Element::Literal(text) => {
                    out.push_str(text.value());
                    residual.push_str(&crate::hcl::escape_string(text.value()));
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
            Directive::If(d) => match self.eval(&d.if_expr.cond_expr) {
                Value::Bool(true) => self.render(&d.if_expr.template, out, residual),
                Value::Bool(false) => match &d.else_expr {
                    Some(e) => self.render(&e.template, out, residual),
                    None => true,
                },
                _ => false,
            },
            Directive::For(d) => {
                let f = &d.for_expr;
                let items: Vec<(Value, Value)> = match self.eval(&f.collection_expr) {
                    Value::List(items) => items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (number(i as f64), v))
                        .collect(),
                    Value::Object(entries) => entries
                        .into_iter()
                        .map(|(k, v)| (Value::String(k), v))
                        .collect(),
                    _ => return false,
                };
                let mut known = true;
                for (key, value) in items {
                    let mut bound = vec![(f.value_var.as_str().to_owned(), value)];
                    if let Some(k) = &f.key_var {
                        bound.push((k.as_str().to_owned(), key));
                    }
                    known &= self.with_binding(bound, |ev| ev.render(&f.template, out, residual));
                }
                known
            }
        }
    }
}

/// The inside of an unknown that is one quoted template (`"a-${env("X")}"`).
fn quoted_template(value: &Value) -> Option<&str> {
    let Value::Unknown { expression } = value else {
        return None;
    };
    let inner = expression.strip_prefix('"')?.strip_suffix('"')?;
    is_atomic(expression).then_some(inner)
}
