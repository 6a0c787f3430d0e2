//! The `build` blocks of a folder: their sources, provisioners and post-processors, for
//! [`super::blocks::Reader`]. It must not read files or evaluate anything but through the
//! reader's evaluator.

use hcl::edit::Span as _;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, Structure};

use super::blocks::{Reader, Sources, header};
use super::eval::span_of;
use crate::import::tree::{Build, FileId, Location, Source, Step, Value};

impl Reader<'_> {
    pub(super) fn build(&mut self, file: FileId, block: &Block, table: &mut Sources) -> Build {
        let mut build = Build {
            name: None,
            sources: Vec::new(),
            provisioners: Vec::new(),
            post_processors: Vec::new(),
            at: Location {
                file,
                span: header(block),
            },
        };
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(attr) => match attr.key.as_str() {
                    "name" => match self.ev.eval(&attr.value) {
                        Value::String(name) => build.name = Some(name),
                        _ => self.error(
                            file,
                            span_of(attr.value.span()),
                            "a build's `name` must be a string",
                            "not a string",
                        ),
                    },
                    "sources" => {
                        let names = self.names(file, &attr.value);
                        build.sources.extend(names);
                    }
                    _ => {}
                },
                Structure::Block(inner) => match inner.ident.as_str() {
                    "source" => {
                        if let Some(name) = self.build_source(file, inner, table) {
                            build.sources.push(name);
                        }
                    }
                    "provisioner" => {
                        if let Some(step) = self.step(file, inner) {
                            build.provisioners.push(step);
                        }
                    }
                    "post-processor" => {
                        if let Some(step) = self.step(file, inner) {
                            build.post_processors.push(step);
                        }
                    }
                    "post-processors" => {
                        for chained in inner.body.get_blocks("post-processor") {
                            if let Some(step) = self.step(file, chained) {
                                build.post_processors.push(step);
                            }
                        }
                    }
                    _ => {}
                },
            }
        }
        build
    }

    /// A build-level `source "source.TYPE.NAME" { ... }`: the reference, or the extra source its
    /// `name` and overrides make.
    fn build_source(&mut self, file: FileId, block: &Block, table: &mut Sources) -> Option<String> {
        let labels = self.labels(file, block, 1)?;
        let reference = strip_source(&labels[0]);
        let Some(&base) = table.index.get(&reference) else {
            let message = format!("no source `{reference}` is declared");
            self.error(file, header(block), message, "unknown source");
            return None;
        };
        let mut body = self.body(file, &block.body);
        let name = body
            .attributes
            .iter()
            .position(|a| a.name == "name")
            .map(|i| body.attributes.remove(i))
            .and_then(|a| match a.value {
                Value::String(name) => Some(name),
                _ => None,
            });
        if name.is_none() && body.attributes.is_empty() {
            return Some(reference);
        }
        let base = &table.declared[base];
        let mut merged = base.body.clone();
        for attr in body.attributes {
            match merged.attributes.iter_mut().find(|a| a.name == attr.name) {
                Some(existing) => *existing = attr,
                None => merged.attributes.push(attr),
            }
        }
        let name = name.unwrap_or_else(|| base.name.clone());
        table.extra.push(Source {
            builder: base.builder.clone(),
            name: name.clone(),
            body: merged,
            at: Location {
                file,
                span: header(block),
            },
        });
        Some(format!("{}.{name}", base.builder))
    }

    /// A provisioner or post-processor, `only` and `except` pulled out.
    fn step(&mut self, file: FileId, block: &Block) -> Option<Step> {
        let labels = self.labels(file, block, 1)?;
        let mut body = self.body(file, &block.body);
        let mut only = Vec::new();
        let mut except = Vec::new();
        for (key, out) in [("only", &mut only), ("except", &mut except)] {
            if let Some(i) = body.attributes.iter().position(|a| a.name == key) {
                let attr = body.attributes.remove(i);
                match attr.value {
                    Value::List(items) => {
                        for item in items {
                            match item {
                                Value::String(s) => out.push(strip_source(&s)),
                                _ => self.error(
                                    file,
                                    attr.at.span,
                                    format!("`{key}` lists sources by name"),
                                    "not a string",
                                ),
                            }
                        }
                    }
                    _ => self.error(
                        file,
                        attr.at.span,
                        format!("`{key}` must be a list of sources"),
                        "not a list",
                    ),
                }
            }
        }
        Some(Step {
            kind: labels[0].clone(),
            body,
            only,
            except,
            at: Location {
                file,
                span: header(block),
            },
        })
    }

    /// A list of `source.TYPE.NAME` strings, as `TYPE.NAME`.
    fn names(&mut self, file: FileId, expr: &Expression) -> Vec<String> {
        match self.ev.eval(expr) {
            Value::List(items) => items
                .into_iter()
                .filter_map(|i| match i {
                    Value::String(s) => Some(strip_source(&s)),
                    _ => {
                        self.error(
                            file,
                            span_of(expr.span()),
                            "a build's `sources` are names",
                            "not a string",
                        );
                        None
                    }
                })
                .collect(),
            _ => {
                self.error(
                    file,
                    span_of(expr.span()),
                    "a build's `sources` must be a list",
                    "not a list",
                );
                Vec::new()
            }
        }
    }
}

/// `source.TYPE.NAME` as `TYPE.NAME`.
fn strip_source(reference: &str) -> String {
    reference
        .strip_prefix("source.")
        .unwrap_or(reference)
        .to_owned()
}
