//! The blocks of a parsed folder: `variable`, `locals`, `local`, `source` and `build` blocks
//! walked and evaluated into the reader's tree. It must not read files: [`super::evaluate`]
//! gives it parsed bodies.

use std::collections::HashMap;

use hcl::edit::Span as _;
use hcl::edit::expr::{Expression, TraversalOperator};
use hcl::edit::structure::{Block, Body as HclBody, Structure};
use hcl::edit::template::Element;

use super::eval::{Evaluator, Local, span_of};
use super::value::pairs;
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::import::tree::{
    Assignment, Attribute, Body, Build, FileId, Finding, Location, Source, Value, Variable,
};
use crate::span::Span;

/// A `variable` block, before var files apply.
struct Declared<'a> {
    name: String,
    file: FileId,
    /// Its `default`.
    default: Option<&'a Expression>,
    /// The `variable` block's body; none for an entry of a `variables` block.
    body: Option<&'a HclBody>,
    at: Span,
}

/// The sources of the files, by `TYPE.NAME`, and those that build-level `source` blocks add.
#[derive(Default)]
pub(super) struct Sources {
    /// The files' sources, in file order.
    pub(super) declared: Vec<Source>,
    /// Where each `TYPE.NAME` is in `declared`.
    pub(super) index: HashMap<String, usize>,
    /// The sources build-level `source` blocks make.
    pub(super) extra: Vec<Source>,
}

/// One folder being evaluated.
pub(super) struct Reader<'a> {
    /// Every file, by [`FileId`].
    pub(super) files: &'a [SourceFile],
    /// The evaluator, with its own findings.
    pub(super) ev: Evaluator<'a>,
    /// Findings about blocks.
    pub(super) findings: Vec<Finding>,
}

/// What the blocks give: variables, assignments, sources and builds.
pub(super) type Outcome = (Vec<Variable>, Vec<Assignment>, Vec<Source>, Vec<Build>);

impl<'a> Reader<'a> {
    /// Walks the top-level blocks of the configuration files (the first `config_count`
    /// bodies), applies the var files (the rest) and evaluates sources and builds.
    pub(super) fn run(&mut self, bodies: &'a [HclBody], config_count: usize) -> Outcome {
        let mut declared: Vec<Declared<'a>> = Vec::new();
        let mut declared_at: HashMap<String, (FileId, Span)> = HashMap::new();
        let mut locals: HashMap<String, Local<'a>> = HashMap::new();
        let mut local_order: Vec<(FileId, String, Span)> = Vec::new();
        let mut source_blocks: Vec<(FileId, &'a Block)> = Vec::new();
        let mut build_blocks: Vec<(FileId, &'a Block)> = Vec::new();
        for (i, body) in bodies.iter().enumerate().take(config_count) {
            let file = FileId(i);
            for block in body.blocks() {
                match block.ident.as_str() {
                    "variable" => {
                        let Some(name) = self.labels(file, block, 1).map(|l| l[0].clone()) else {
                            continue;
                        };
                        let at = header(block);
                        if self.duplicate(&mut declared_at, &name, file, at, "variable") {
                            continue;
                        }
                        let default = block.body.get_attribute("default").map(|a| &a.value);
                        let body = Some(&block.body);
                        declared.push(Declared {
                            name,
                            file,
                            default,
                            body,
                            at,
                        });
                    }
                    // The older form: each `name = default` declares a variable.
                    "variables" => {
                        for attr in block.body.attributes() {
                            let name = attr.key.as_str().to_owned();
                            let at = span_of(attr.key.span());
                            if self.duplicate(&mut declared_at, &name, file, at, "variable") {
                                continue;
                            }
                            let default = Some(&attr.value);
                            declared.push(Declared {
                                name,
                                file,
                                default,
                                body: None,
                                at,
                            });
                        }
                    }
                    "locals" => {
                        for attr in block.body.attributes() {
                            let at = span_of(attr.key.span());
                            self.local(
                                &mut locals,
                                &mut local_order,
                                attr.key.as_str(),
                                &attr.value,
                                file,
                                at,
                            );
                        }
                    }
                    "local" => {
                        let Some(name) = self.labels(file, block, 1).map(|l| l[0].clone()) else {
                            continue;
                        };
                        match block.body.get_attribute("expression") {
                            Some(attr) => self.local(
                                &mut locals,
                                &mut local_order,
                                &name,
                                &attr.value,
                                file,
                                header(block),
                            ),
                            None => self.error(
                                file,
                                header(block),
                                "a `local` block needs an `expression`",
                                "no `expression`",
                            ),
                        }
                    }
                    "source" => source_blocks.push((file, block)),
                    "build" => build_blocks.push((file, block)),
                    _ => {}
                }
            }
        }

        let mut variables = self.variables(&declared);
        let assignments = self.var_files(bodies, config_count, &mut variables);
        let values: HashMap<String, Option<Value>> = variables
            .iter()
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect();
        self.ev.configure(values, locals);
        self.ev.resolve_locals(&local_order);

        let mut table = Sources::default();
        for (file, block) in source_blocks {
            let Some(labels) = self.labels(file, block, 2) else {
                continue;
            };
            let at = header(block);
            let key = format!("{}.{}", labels[0], labels[1]);
            if let Some(&first) = table.index.get(&key) {
                let first: &Source = &table.declared[first];
                let message = format!("source `{key}` is declared twice");
                let diagnostic =
                    Diagnostic::error(Code::ImportEvaluation, message, at, "declared again here");
                let diagnostic = if first.at.file == file {
                    diagnostic.with_secondary(first.at.span, "first declared here")
                } else {
                    diagnostic
                };
                self.findings.push(Finding {
                    file: self.files[file.0].clone(),
                    diagnostic,
                });
                continue;
            }
            self.ev.set_file(file);
            let body = self.body(file, &block.body);
            table.index.insert(key, table.declared.len());
            table.declared.push(Source {
                builder: labels[0].clone(),
                name: labels[1].clone(),
                body,
                at: Location { file, span: at },
            });
        }

        let mut builds = Vec::with_capacity(build_blocks.len());

        for (file, block) in build_blocks {
            self.ev.set_file(file);
            builds.push(self.build(file, block, &mut table));
        }
        let mut sources = table.declared;
        sources.extend(table.extra);
        (variables, assignments, sources, builds)
    }

    pub(super) fn error(
        &mut self,
        file: FileId,
        span: Span,
        message: impl Into<String>,
        label: &str,
    ) {
        let diagnostic = Diagnostic::error(Code::ImportEvaluation, message, span, label);
        self.findings.push(Finding {
            file: self.files[file.0].clone(),
            diagnostic,
        });
    }

    /// The block's labels when it has exactly `count`.
    pub(super) fn labels(
        &mut self,
        file: FileId,
        block: &Block,
        count: usize,
    ) -> Option<Vec<String>> {
        if block.labels.len() == count {
            return Some(block.labels.iter().map(|l| l.as_str().to_owned()).collect());
        }
        let message = format!(
            "a `{}` block needs {count} label{}, not {}",
            block.ident.as_str(),
            if count == 1 { "" } else { "s" },
            block.labels.len()
        );
        self.error(file, header(block), message, "wrong number of labels");
        None
    }

    /// Reports a second declaration of `name`; true when it is one.
    fn duplicate(
        &mut self,
        seen: &mut HashMap<String, (FileId, Span)>,
        name: &str,
        file: FileId,
        at: Span,
        what: &str,
    ) -> bool {
        if let Some(&(first_file, first)) = seen.get(name) {
            let message = format!("{what} `{name}` is declared twice");
            let mut diagnostic =
                Diagnostic::error(Code::ImportEvaluation, message, at, "declared again here");
            if first_file == file {
                diagnostic = diagnostic.with_secondary(first, "first declared here");
            } else {
                let first_name = &self.files[first_file.0].name;
                diagnostic =
                    diagnostic.with_help(format!("it is first declared in `{first_name}`"));
            }
            self.findings.push(Finding {
                file: self.files[file.0].clone(),
                diagnostic,
            });
            return true;
        }
        seen.insert(name.to_owned(), (file, at));
        false
    }

    fn local(
        &mut self,
        locals: &mut HashMap<String, Local<'a>>,
        order: &mut Vec<(FileId, String, Span)>,
        name: &str,
        expr: &'a Expression,
        file: FileId,
        at: Span,
    ) {
        let mut seen: HashMap<String, (FileId, Span)> = HashMap::new();
        if let Some((first_file, _, first)) = order.iter().find(|(_, n, _)| n == name) {
            seen.insert(name.to_owned(), (*first_file, *first));
        }
        if self.duplicate(&mut seen, name, file, at, "local") {
            return;
        }
        locals.insert(name.to_owned(), Local::new(expr, file));
        order.push((file, name.to_owned(), at));
    }

    /// Every declared variable with its default.
    fn variables(&mut self, declared: &[Declared<'a>]) -> Vec<Variable> {
        let mut variables = Vec::with_capacity(declared.len());
        for d in declared {
            self.ev.set_file(d.file);
            let value = d.default.map(|e| self.ev.eval(e));
            let attribute = |name: &str| d.body.and_then(|b| b.get_attribute(name));
            let sensitive = attribute("sensitive")
                .map(|a| self.ev.eval(&a.value))
                .is_some_and(|v| v == Value::Bool(true));
            let description = attribute("description").and_then(|a| match self.ev.eval(&a.value) {
                Value::String(s) => Some(s),
                _ => None,
            });
            let set_at = d.default.map_or(d.at, |e| span_of(e.span()));
            variables.push(Variable {
                name: d.name.clone(),
                sensitive,
                description,
                value,
                set_at: Location {
                    file: d.file,
                    span: set_at,
                },
                at: Location {
                    file: d.file,
                    span: d.at,
                },
            });
        }
        variables
    }

    /// Applies the var files (every file after the configuration files), in order.
    fn var_files(
        &mut self,
        bodies: &'a [HclBody],
        config_count: usize,
        variables: &mut [Variable],
    ) -> Vec<Assignment> {
        let position: HashMap<String, usize> = variables
            .iter()
            .enumerate()
            .map(|(i, v)| (v.name.clone(), i))
            .collect();
        let mut assignments = Vec::new();
        for (i, body) in bodies.iter().enumerate().skip(config_count) {
            let file = FileId(i);
            self.ev.set_file(file);
            for structure in body.iter() {
                match structure {
                    Structure::Attribute(attr) => {
                        let value = self.ev.eval(&attr.value);
                        let at = Location {
                            file,
                            span: span_of(attr.value.span()),
                        };
                        if let Some(&v) = position.get(attr.key.as_str()) {
                            variables[v].value = Some(value.clone());
                            variables[v].set_at = at;
                        }
                        assignments.push(Assignment {
                            name: attr.key.as_str().to_owned(),
                            value,
                            at,
                        });
                    }
                    Structure::Block(block) => self.error(
                        file,
                        header(block),
                        "a var file holds only `name = value` lines",
                        "a block",
                    ),
                }
            }
        }
        assignments
    }

    /// A block's arguments and nested blocks, `dynamic` blocks expanded.
    pub(super) fn body(&mut self, file: FileId, body: &HclBody) -> Body {
        let mut out = Body::default();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => out.attributes.push(Attribute {
                    name: attr.key.as_str().to_owned(),
                    value: self.ev.eval(&attr.value),
                    variable: exact_variable(&attr.value),
                    at: Location {
                        file,
                        span: span_of(attr.span()),
                    },
                }),
                Structure::Block(block) if block.ident.as_str() == "dynamic" => {
                    self.dynamic(file, block, &mut out);
                }
                Structure::Block(block) => {
                    let inner = self.body(file, &block.body);
                    push_block(
                        &mut out,
                        block.ident.as_str(),
                        inner,
                        Location {
                            file,
                            span: header(block),
                        },
                    );
                }
            }
        }
        out
    }

    /// `dynamic "TYPE" { for_each, iterator, content { ... } }`: one `TYPE` block per element.
    fn dynamic(&mut self, file: FileId, block: &Block, out: &mut Body) {
        let Some(labels) = self.labels(file, block, 1) else {
            return;
        };
        let kind = labels[0].clone();
        let at = Location {
            file,
            span: header(block),
        };
        let Some(for_each) = block.body.get_attribute("for_each") else {
            self.error(
                file,
                at.span,
                "a `dynamic` block needs `for_each`",
                "no `for_each`",
            );
            return;
        };
        let Some(content) = block.body.get_blocks("content").next() else {
            self.error(
                file,
                at.span,
                "a `dynamic` block needs a `content` block",
                "no `content`",
            );
            return;
        };
        let iterator = match block.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(name)) => name.as_str().to_owned(),
            Some(other) => {
                self.error(
                    file,
                    span_of(other.span()),
                    "`iterator` must be a bare name",
                    "not a name",
                );
                return;
            }
            None => kind.clone(),
        };
        let items = match pairs(self.ev.eval(&for_each.value)) {
            Ok(items) => items,
            Err(Value::Null) => Vec::new(),
            Err(Value::Unknown { expression }) => {
                // Packer knows the blocks only at build time: keep what decides them.
                out.attributes.push(Attribute {
                    name: kind,
                    value: Value::Unknown { expression },
                    variable: None,
                    at,
                });
                return;
            }
            Err(other) => {
                let message = format!(
                    "`for_each` must be a list or an object, not {}",
                    super::value::kind(&other)
                );
                self.error(
                    file,
                    span_of(for_each.value.span()),
                    message,
                    "cannot be iterated",
                );
                return;
            }
        };
        for (key, value) in items {
            let bound = vec![(
                iterator.clone(),
                Value::Object(vec![("key".to_owned(), key), ("value".to_owned(), value)]),
            )];
            let depth = self.ev.bind(bound);
            let inner = self.body(file, &content.body);
            self.ev.unbind(depth);
            push_block(out, &kind, inner, at);
        }
    }
}

/// Adds one nested block to the attribute of its type, made on its first block.
fn push_block(out: &mut Body, kind: &str, body: Body, at: Location) {
    let existing = out
        .attributes
        .iter_mut()
        .find(|a| a.name == kind && matches!(a.value, Value::Blocks(_)));
    match existing {
        Some(Attribute {
            value: Value::Blocks(bodies),
            ..
        }) => bodies.push(body),
        _ => out.attributes.push(Attribute {
            name: kind.to_owned(),
            value: Value::Blocks(vec![body]),
            variable: None,
            at,
        }),
    }
}

/// The block's type and labels: where a finding about the block points.
pub(super) fn header(block: &Block) -> Span {
    let whole = span_of(block.span());
    let start = span_of(block.ident.span()).start;
    let end = block
        .labels
        .last()
        .map_or(span_of(block.ident.span()).end, |l| span_of(l.span()).end);
    if whole == Span::default() {
        return Span::new(start, end);
    }
    Span::new(start, end.max(start))
}

/// `NAME` when the expression is exactly `var.NAME`, or `"${var.NAME}"`, which HCL reads the
/// same.
fn exact_variable(expr: &Expression) -> Option<String> {
    let expr = match expr {
        Expression::StringTemplate(t) => match t.iter().collect::<Vec<_>>().as_slice() {
            [Element::Interpolation(only)] => &only.expr,
            _ => return None,
        },
        other => other,
    };
    let Expression::Traversal(t) = expr else {
        return None;
    };
    match (&t.expr, t.operators.as_slice()) {
        (Expression::Variable(root), [op]) if root.as_str() == "var" => match op.value() {
            TraversalOperator::GetAttr(name) => Some(name.as_str().to_owned()),
            _ => None,
        },
        _ => None,
    }
}
