//! The reader's expression evaluator: HCL expressions of an imported Packer folder evaluated as
//! Packer 1.x would before a build starts.
//!
//! It owns variable, local, `path` and iterator references, templates, operators, conditionals,
//! `for` expressions, indexing and splats; the functions are in [`super::functions`]. What only a
//! build knows (`env`, `timestamp()`, an unset variable, `source.name`, a data source) stays a
//! [`Value::Unknown`] whose expression is the residual HCL: everything known is folded in, so
//! `"debian-12-${local.build_version}"` reads `"debian-12-${formatdate("YYYYMMDD", timestamp())}"`.
//! It must not read files or walk blocks: the reader gives it expressions and collects its
//! findings.

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;

use hcl::edit::expr::{
    Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator, UnaryOperator,
};
use hcl::edit::{Decorated, Span as _};

use super::functions::{self, Call};
use super::value::{
    as_f64, atom, binary, hcl, json_number, kind, number, opaque, pairs, scalar_text,
};
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::import::tree::{FileId, Finding, Value};
use crate::span::Span;

/// The byte span hcl-edit recorded, or an empty span at the start when it has none.
pub(crate) fn span_of(range: Option<Range<usize>>) -> Span {
    range.map_or(Span::default(), |r| Span::new(r.start, r.end))
}

/// How deep evaluations may nest: the parser allows 64 levels in one expression, and a chain
/// of locals that refer to one another nests further; this keeps the stack of a debug build
/// well within a test thread's.
const MAX_DEPTH: usize = 256;

/// How far a local has been evaluated: locals resolve on first use, in any order.
enum State {
    Pending,
    Busy,
    Done(Value),
}

/// One `locals` entry, evaluated on first use.
pub(crate) struct Local<'a> {
    expr: &'a Expression,
    file: FileId,
    state: State,
}

impl<'a> Local<'a> {
    /// A local whose expression is `expr`, written in `file`.
    pub(crate) fn new(expr: &'a Expression, file: FileId) -> Self {
        Local {
            expr,
            file,
            state: State::Pending,
        }
    }
}

/// Evaluates expressions of one folder, one file at a time.
pub(crate) struct Evaluator<'a> {
    files: &'a [SourceFile],
    file: FileId,
    /// Declared variables and their final values (`None`: unset). Empty while constants (var
    /// files, defaults) are evaluated, where Packer allows no references.
    variables: HashMap<String, Option<Value>>,
    locals: HashMap<String, Local<'a>>,
    constants: bool,
    root: String,
    cwd: PathBuf,
    bindings: Vec<(String, Value)>,
    /// How many evaluations are under way, one inside the other.
    depth: usize,
    /// Object keys parsed under a stand-in name, by file and offset: their real names.
    renamed: HashMap<(FileId, usize), String>,
    /// What went wrong, in evaluation order.
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator of constants only (var files, variable defaults): `path.root` is `root`.
    pub(crate) fn new(files: &'a [SourceFile], root: String, cwd: PathBuf) -> Self {
        Evaluator {
            files,
            file: FileId(0),
            variables: HashMap::new(),
            locals: HashMap::new(),
            constants: true,
            root,
            cwd,
            bindings: Vec::new(),
            depth: 0,
            renamed: HashMap::new(),
            findings: Vec::new(),
        }
    }

    /// From now on, `var.` and `local.` read these.
    pub(crate) fn configure(
        &mut self,
        variables: HashMap<String, Option<Value>>,
        locals: HashMap<String, Local<'a>>,
    ) {
        self.variables = variables;
        self.locals = locals;
        self.constants = false;
    }

    /// The real names of object keys the parser read under a stand-in.
    pub(crate) fn set_renamed(&mut self, renamed: HashMap<(FileId, usize), String>) {
        self.renamed = renamed;
    }

    /// The file the next expressions are written in.
    pub(crate) fn set_file(&mut self, file: FileId) {
        self.file = file;
    }

    /// Evaluates every local (`(file, name, where it is defined)`), so that a cycle or an error
    /// in one nobody uses is still reported.
    pub(crate) fn resolve_locals(&mut self, names: &[(FileId, String, Span)]) {
        for (file, name, span) in names {
            self.file = *file;
            self.local(name, *span);
        }
    }

    /// Binds names (a `dynamic` iterator) until [`Evaluator::unbind`] with the depth returned.
    pub(crate) fn bind(&mut self, bound: Vec<(String, Value)>) -> usize {
        let depth = self.bindings.len();
        self.bindings.extend(bound);
        depth
    }

    /// Drops the bindings made since `depth`.
    pub(crate) fn unbind(&mut self, depth: usize) {
        self.bindings.truncate(depth);
    }

    /// Runs `f` with names bound (a `for` expression's variables).
    pub(super) fn with_binding<T>(
        &mut self,
        bound: Vec<(String, Value)>,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let depth = self.bind(bound);
        let out = f(self);
        self.unbind(depth);
        out
    }

    /// An error finding at `span` of the current file.
    pub(crate) fn error(&mut self, span: Span, message: impl Into<String>, label: &str) {
        let file = self.files[self.file.0].clone();
        let diagnostic = Diagnostic::error(Code::ImportEvaluation, message, span, label);
        self.findings.push(Finding { file, diagnostic });
    }

    /// The expression's text as written, its whitespace folded, for a residual the evaluator
    /// cannot fold.
    pub(super) fn written(&self, range: Option<Range<usize>>) -> String {
        let span = span_of(range);
        let text = self.files[self.file.0]
            .text
            .get(span.start..span.end)
            .unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Evaluates one expression.
    pub(crate) fn eval(&mut self, e: &Expression) -> Value {
        if self.depth >= MAX_DEPTH {
            let message = "the expression nests too deeply (through its locals) to be evaluated";
            self.error(span_of(e.span()), message, "nested too deeply");
            return Value::Unknown {
                expression: self.written(e.span()),
            };
        }
        self.depth += 1;
        let value = self.expression(e);
        self.depth -= 1;
        value
    }

    fn expression(&mut self, e: &Expression) -> Value {
        match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => json_number(n.value()),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(a) => Value::List(a.iter().map(|e| self.eval(e)).collect()),
            Expression::Object(o) => {
                let mut entries: Vec<(String, Value)> = Vec::with_capacity(o.len());
                for (key, value) in o.iter() {
                    let real = self.renamed.get(&(self.file, span_of(key.span()).start));
                    let key = match (real, key) {
                        (Some(real), _) => real.clone(),
                        (None, ObjectKey::Ident(ident)) => ident.as_str().to_owned(),
                        (None, ObjectKey::Expression(k)) => match self.eval(k) {
                            ref v if scalar_text(v).is_some() => {
                                scalar_text(v).expect("checked just above")
                            }
                            v if opaque(&v) => {
                                return Value::Unknown {
                                    expression: self.written(e.span()),
                                };
                            }
                            _ => {
                                self.error(
                                    span_of(k.span()),
                                    "an object key must be a string",
                                    "not a string",
                                );
                                continue;
                            }
                        },
                    };
                    let value = self.eval(value.expr());
                    match entries.iter_mut().find(|(k, _)| *k == key) {
                        Some(entry) => entry.1 = value,
                        None => entries.push((key, value)),
                    }
                }
                Value::Object(entries)
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(name) => self.root(name),
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr);
                match cond {
                    Value::Bool(true) => self.eval(&c.true_expr),
                    Value::Bool(false) => self.eval(&c.false_expr),
                    Value::String(ref s) if s == "true" || s == "false" => {
                        if s == "true" {
                            self.eval(&c.true_expr)
                        } else {
                            self.eval(&c.false_expr)
                        }
                    }
                    ref v if opaque(v) => {
                        let t = self.eval(&c.true_expr);
                        let f = self.eval(&c.false_expr);
                        // A condition binds looser than any operator but another conditional.
                        let cond = hcl(v);
                        let cond = if cond.contains(" ? ") { atom(v) } else { cond };
                        let expression = format!("{cond} ? {} : {}", hcl(&t), hcl(&f));
                        Value::Unknown { expression }
                    }
                    _ => {
                        self.error(
                            span_of(c.cond_expr.span()),
                            "a condition must be `true` or `false`",
                            "not a bool",
                        );
                        Value::Unknown {
                            expression: self.written(e.span()),
                        }
                    }
                }
            }
            Expression::FuncCall(call) => self.call(call),
            Expression::Traversal(t) => self.traversal(t),
            Expression::UnaryOp(op) => {
                let value = self.eval(&op.expr);
                if opaque(&value) {
                    return Value::Unknown {
                        expression: format!("{}{}", op.operator.value().as_str(), atom(&value)),
                    };
                }
                match (op.operator.value(), &value) {
                    (UnaryOperator::Neg, v) if as_f64(v).is_some() => {
                        number(-as_f64(v).expect("checked by the guard"))
                    }
                    (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                    _ => {
                        self.error(
                            span_of(op.span()),
                            "this operator does not apply to this value",
                            "wrong type",
                        );
                        Value::Unknown {
                            expression: self.written(e.span()),
                        }
                    }
                }
            }
            Expression::BinaryOp(op) => {
                let left = self.eval(&op.lhs_expr);
                let right = self.eval(&op.rhs_expr);
                match binary(*op.operator.value(), &left, &right) {
                    Ok(Some(value)) => value,
                    Ok(None) => Value::Unknown {
                        expression: format!(
                            "{} {} {}",
                            atom(&left),
                            op.operator.value().as_str(),
                            atom(&right)
                        ),
                    },
                    Err(message) => {
                        self.error(span_of(op.span()), message, "cannot be evaluated");
                        Value::Unknown {
                            expression: self.written(e.span()),
                        }
                    }
                }
            }
            Expression::ForExpr(f) => self.for_expr(f),
        }
    }

    /// A bare name: an iterator, or a namespace only a build knows.
    fn root(&mut self, name: &Decorated<hcl::edit::Ident>) -> Value {
        let text = name.as_str();
        if let Some((_, value)) = self.bindings.iter().rev().find(|(n, _)| n == text) {
            return value.clone();
        }
        match text {
            // Known per build only: `source.name`, `build.User`, data sources' results,
            // `packer.version`.
            "source" | "build" | "data" | "packer" => Value::Unknown {
                expression: text.to_owned(),
            },
            _ => {
                self.error(
                    span_of(name.span()),
                    format!("unknown name `{text}`"),
                    "not a variable, a local or an iterator",
                );
                Value::Unknown {
                    expression: text.to_owned(),
                }
            }
        }
    }

    /// `var.NAME`, `local.NAME`, `path.root`, `path.cwd`, or any other traversal.
    fn traversal(&mut self, t: &Traversal) -> Value {
        let ops = t.operators.as_slice();
        if let (Expression::Variable(root), Some(first)) = (&t.expr, ops.first())
            && let TraversalOperator::GetAttr(attr) = first.value()
            && !self.bindings.iter().any(|(n, _)| n == root.as_str())
        {
            let span = Span::new(span_of(root.span()).start, span_of(attr.span()).end);
            let value = match root.as_str() {
                // Var files and variable defaults are constants in Packer.
                "var" | "local" if self.constants => {
                    let message = format!("`{}.` references are not allowed here", root.as_str());
                    self.error(span, message, "a constant is expected");
                    Some(unknown_ref(root.as_str(), attr.as_str()))
                }
                "var" => Some(self.variable(attr.as_str(), span)),
                "local" => Some(self.local(attr.as_str(), span)),
                "path" => Some(self.path(attr.as_str(), span)),
                _ => None,
            };
            if let Some(value) = value {
                return self.apply(value, &ops[1..]);
            }
        }
        let base = self.eval(&t.expr);
        self.apply(base, ops)
    }

    fn variable(&mut self, name: &str, span: Span) -> Value {
        match self.variables.get(name) {
            Some(Some(value)) => value.clone(),
            Some(None) => unknown_ref("var", name),
            None => {
                let message = format!("unknown variable `{name}`");
                let mut names: Vec<&str> = self.variables.keys().map(String::as_str).collect();
                names.sort_unstable();
                let file = self.files[self.file.0].clone();
                let diagnostic = Diagnostic::error(
                    Code::ImportEvaluation,
                    message,
                    span,
                    "no `variable` block declares it",
                )
                .with_did_you_mean(name, names);
                self.findings.push(Finding { file, diagnostic });
                unknown_ref("var", name)
            }
        }
    }

    fn local(&mut self, name: &str, span: Span) -> Value {
        let Some(local) = self.locals.get_mut(name) else {
            let message = format!("unknown local `{name}`");
            self.error(span, message, "no `locals` block defines it");
            return unknown_ref("local", name);
        };
        match &local.state {
            State::Done(value) => return value.clone(),
            State::Busy => {
                let message = format!("`local.{name}` depends on itself");
                self.error(span, message, "this reference closes a cycle of locals");
                return unknown_ref("local", name);
            }
            State::Pending => {}
        }
        local.state = State::Busy;
        let (expr, file) = (local.expr, local.file);
        let saved_file = std::mem::replace(&mut self.file, file);
        let saved_bindings = std::mem::take(&mut self.bindings);
        let value = self.eval(expr);
        self.file = saved_file;
        self.bindings = saved_bindings;
        if let Some(local) = self.locals.get_mut(name) {
            local.state = State::Done(value.clone());
        }
        value
    }

    fn path(&mut self, name: &str, span: Span) -> Value {
        match name {
            "root" => Value::String(self.root.clone()),
            "cwd" => Value::String(self.cwd.display().to_string()),
            _ => {
                self.error(
                    span,
                    format!("unknown path `path.{name}`"),
                    "`path.root` or `path.cwd` is expected",
                );
                unknown_ref("path", name)
            }
        }
    }

    /// Applies traversal operators, splats included.
    fn apply(&mut self, mut value: Value, ops: &[Decorated<TraversalOperator>]) -> Value {
        for (i, op) in ops.iter().enumerate() {
            if let Value::Unknown { expression } = &value {
                let mut residual = atom_text(expression);
                for op in &ops[i..] {
                    residual.push_str(&self.operator_text(op));
                }
                return Value::Unknown {
                    expression: residual,
                };
            }
            value = match op.value() {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &ops[i + 1..];
                    return match value {
                        Value::List(items) => {
                            Value::List(items.into_iter().map(|v| self.apply(v, rest)).collect())
                        }
                        Value::Null => Value::List(Vec::new()),
                        other => Value::List(vec![self.apply(other, rest)]),
                    };
                }
                TraversalOperator::GetAttr(name) => {
                    let key = Value::String(name.as_str().to_owned());
                    self.index(value, &key, span_of(op.span()))
                }
                TraversalOperator::LegacyIndex(n) => {
                    let key = number(*n.value() as f64);
                    self.index(value, &key, span_of(op.span()))
                }
                TraversalOperator::Index(e) => {
                    let key = self.eval(e);
                    if opaque(&key) {
                        let mut residual = format!("{}[{}]", atom(&value), hcl(&key));
                        for op in &ops[i + 1..] {
                            residual.push_str(&self.operator_text(op));
                        }
                        return Value::Unknown {
                            expression: residual,
                        };
                    }
                    self.index(value, &key, span_of(op.span()))
                }
            };
        }
        value
    }

    fn operator_text(&mut self, op: &Decorated<TraversalOperator>) -> String {
        match op.value() {
            TraversalOperator::AttrSplat(_) => ".*".to_owned(),
            TraversalOperator::FullSplat(_) => "[*]".to_owned(),
            TraversalOperator::GetAttr(name) => format!(".{}", name.as_str()),
            TraversalOperator::LegacyIndex(n) => format!("[{}]", n.value()),
            TraversalOperator::Index(e) => format!("[{}]", hcl(&self.eval(e))),
        }
    }

    fn index(&mut self, value: Value, key: &Value, span: Span) -> Value {
        let found = match (&value, key) {
            (Value::List(items), k) => as_f64(k)
                .filter(|n| n.fract() == 0.0 && *n >= 0.0)
                .and_then(|n| items.get(n as usize).cloned()),
            (Value::Object(entries), k) => scalar_text(k).and_then(|k| {
                entries
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.clone())
            }),
            _ => None,
        };
        found.unwrap_or_else(|| {
            let what = match &value {
                Value::List(_) => format!("no element {} in this list", hcl(key)),
                Value::Object(_) => format!("no attribute {} in this object", hcl(key)),
                _ => format!("{} cannot be indexed", kind(&value)),
            };
            self.error(span, what, "not found");
            Value::Unknown {
                expression: format!("{}[{}]", atom(&value), hcl(key)),
            }
        })
    }

    fn call(&mut self, call: &FuncCall) -> Value {
        if !call.name.is_namespaced() && matches!(call.name.name.as_str(), "try" | "can") {
            return self.attempt(call, call.name.name.as_str() == "can");
        }
        let mut args: Vec<Value> = call.args.iter().map(|a| self.eval(a)).collect();
        let name = if call.name.is_namespaced() {
            let mut parts: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
            parts.push(call.name.name.as_str());
            parts.join("::")
        } else {
            call.name.name.as_str().to_owned()
        };
        let residual = |args: &[Value]| {
            let list: Vec<String> = args.iter().map(hcl).collect();
            let dots = if call.args.expand_final() { "..." } else { "" };
            format!("{name}({}{dots})", list.join(", "))
        };
        if call.args.expand_final() {
            match args.pop() {
                Some(Value::List(items)) => args.extend(items),
                Some(last) => {
                    args.push(last);
                    return Value::Unknown {
                        expression: residual(&args),
                    };
                }
                None => {}
            }
        }
        match functions::call(&name, &args, &self.cwd) {
            Call::Value(value) => value,
            Call::Unknown => Value::Unknown {
                expression: residual(&args),
            },
            Call::Error(message) => {
                let message = format!("`{name}`: {message}");
                self.error(span_of(call.span()), message, "cannot be evaluated");
                Value::Unknown {
                    expression: residual(&args),
                }
            }
            Call::NoSuchFunction => {
                let file = self.files[self.file.0].clone();
                let diagnostic = Diagnostic::error(
                    Code::ImportEvaluation,
                    format!("unknown function `{name}`"),
                    span_of(call.name.name.span()),
                    "Packer has no function of this name",
                )
                .with_did_you_mean(&name, functions::NAMES.iter().copied());
                self.findings.push(Finding { file, diagnostic });
                Value::Unknown {
                    expression: residual(&args),
                }
            }
        }
    }

    /// `try(a, b, ...)`: the first argument that evaluates without an error; `can(a)`: whether
    /// it does. An argument's errors are dropped, not reported: that is what these are for.
    fn attempt(&mut self, call: &FuncCall, can: bool) -> Value {
        for arg in call.args.iter() {
            let mark = self.findings.len();
            let value = self.eval(arg);
            if self.findings.len() > mark {
                self.findings.truncate(mark);
                if can {
                    return Value::Bool(false);
                }
                continue;
            }
            return match value {
                Value::Unknown { .. } if can => Value::Unknown {
                    expression: format!("can({})", hcl(&value)),
                },
                _ if can => Value::Bool(true),
                value => value,
            };
        }
        if !can {
            let message = "no argument of `try` can be evaluated";
            self.error(span_of(call.span()), message, "every argument fails");
        }
        Value::Unknown {
            expression: self.written(call.span()),
        }
    }

    fn for_expr(&mut self, f: &ForExpr) -> Value {
        let collection = self.eval(&f.intro.collection_expr);
        let whole = || f.span();
        let items = match pairs(collection) {
            Ok(items) => items,
            Err(ref v) if opaque(v) => {
                return Value::Unknown {
                    expression: self.written(whole()),
                };
            }
            Err(ref v) => {
                let message = format!("a `for` expression cannot iterate over {}", kind(v));
                self.error(
                    span_of(f.intro.collection_expr.span()),
                    message,
                    "not a list or an object",
                );
                return Value::Unknown {
                    expression: self.written(whole()),
                };
            }
        };
        let mut list = Vec::new();
        let mut object: Vec<(String, Value)> = Vec::new();
        for (key, value) in items {
            let mut bound = vec![(f.intro.value_var.as_str().to_owned(), value)];
            if let Some(k) = &f.intro.key_var {
                bound.insert(0, (k.as_str().to_owned(), key));
            }
            let produced = self.with_binding(bound, |ev| {
                if let Some(cond) = &f.cond {
                    match ev.eval(&cond.expr) {
                        Value::Bool(true) => {}
                        Value::Bool(false) => return Ok(None),
                        _ => return Err(()),
                    }
                }
                let key = f.key_expr.as_ref().map(|k| ev.eval(k));
                let value = ev.eval(&f.value_expr);
                Ok(Some((key, value)))
            });
            match produced {
                Ok(None) => {}
                Ok(Some((None, value))) => list.push(value),
                Ok(Some((Some(key), value))) => {
                    let Some(key) = scalar_text(&key) else {
                        return Value::Unknown {
                            expression: self.written(whole()),
                        };
                    };
                    match object.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, Value::List(group))) if f.grouping => group.push(value),
                        Some(entry) => entry.1 = value,
                        None if f.grouping => object.push((key, Value::List(vec![value]))),
                        None => object.push((key, value)),
                    }
                }
                Err(()) => {
                    return Value::Unknown {
                        expression: self.written(whole()),
                    };
                }
            }
        }
        if f.key_expr.is_some() {
            Value::Object(object)
        } else {
            Value::List(list)
        }
    }
}

/// `var.NAME` (or `local.NAME`) as an unknown.
fn unknown_ref(namespace: &str, name: &str) -> Value {
    Value::Unknown {
        expression: format!("{namespace}.{name}"),
    }
}

/// A residual as the operand of a traversal.
fn atom_text(expression: &str) -> String {
    atom(&Value::Unknown {
        expression: expression.to_owned(),
    })
}
