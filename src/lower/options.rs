//! Passthrough `options:`: builder arguments hybridc does not model, checked against the
//! plugin catalogue's schema, with `{ env: NAME }` secrets turned into sensitive variables.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::{Lowerer, literal, ptr};
use crate::catalogue::{self, Component};
use crate::diagnostic::{Code, Diagnostic};
use crate::hcl::Expr;
use crate::model::{Args, FileKey};
use crate::pointer::Pointer;
use crate::spec::{Credential, Os, PlatformName, snake};

impl Lowerer<'_> {
    /// Adds `options` (platform-wide, then the OS's own, which win), refusing arguments
    /// hybridc sets itself.
    pub(super) fn passthrough(
        &mut self,
        body: &mut Args,
        name: &str,
        os: &Os,
        platform: PlatformName,
        component: Component,
    ) {
        let spec = self.spec;
        let (platform_options, os_options) = match platform {
            PlatformName::Proxmox => (
                spec.platforms.proxmox.as_ref().map(|p| &p.options),
                os.proxmox.as_ref().map(|p| &p.options),
            ),
            PlatformName::Vsphere => (
                spec.platforms.vsphere.as_ref().map(|p| &p.options),
                os.vsphere.as_ref().map(|p| &p.options),
            ),
            PlatformName::Azure => (
                spec.platforms.azure.as_ref().map(|p| &p.options),
                os.azure.as_ref().map(|p| &p.options),
            ),
        };
        let mut merged: BTreeMap<&str, (&Json, Pointer)> = BTreeMap::new();
        let p = platform.as_str();
        for (options, tokens) in [
            (platform_options, &["platforms", p, "options"][..]),
            (os_options, &["oses", name, p, "options"][..]),
        ] {
            // Most sources pass nothing through: no pointer, no schema for them.
            let Some(options) = options.filter(|o| !o.is_empty()) else {
                continue;
            };
            let at = ptr(tokens);
            for (key, value) in options {
                let origin = at.child(key);
                merged.insert(key, (value, origin));
            }
        }
        if merged.is_empty() {
            return;
        }
        let schema = component.schema();
        for (key, (value, origin)) in merged {
            if body.has(key) {
                self.problems.push(
                    Diagnostic::error(
                        Code::OptionConflict,
                        format!("`{key}` is set by hybridc for {} and cannot be passed through `options`", component.name()),
                        self.span(&origin),
                        "hybridc already sets this argument",
                    )
                    .with_help("set it through the spec's own field (hardware, placement, output), or remove it here"),
                );
                continue;
            }
            match schema.blocks.get(key) {
                Some(block) => {
                    for (item, at) in block_items(value, block, &origin) {
                        let mut args = Args::default();
                        self.option_block(&mut args, item, block, &at, platform);
                        body.block(key.to_owned(), args, &at);
                    }
                }
                None => {
                    let value =
                        self.option_value(value, schema.arguments.get(key), &origin, platform);
                    body.attr(key.to_owned(), value, &origin);
                }
            }
        }
    }

    /// A passthrough block from its JSON form, nested blocks included.
    pub(super) fn option_block(
        &mut self,
        args: &mut Args,
        value: &Json,
        block: &catalogue::BlockSchema,
        origin: &Pointer,
        platform: PlatformName,
    ) {
        let Json::Object(entries) = value else { return };
        for (key, v) in entries {
            let at = origin.child(key);
            match block.blocks.get(key) {
                Some(inner) => {
                    for (item, item_at) in block_items(v, inner, &at) {
                        let mut nested = Args::default();
                        self.option_block(&mut nested, item, inner, &item_at, platform);
                        args.block(key.clone(), nested, &item_at);
                    }
                }
                None => {
                    let value = self.option_value(v, block.arguments.get(key), &at, platform);
                    args.attr(key.clone(), value, &at);
                }
            }
        }
    }

    /// An `options` value as HCL. `{ env: NAME }` for a string argument becomes a sensitive
    /// variable read from that environment variable, as credentials do, named after where the
    /// option is written (`platforms.azure.options.client_cert_password` ->
    /// `azure_options_client_cert_password`), so that options written once share it; any
    /// other value is the literal.
    pub(super) fn option_value(
        &mut self,
        value: &Json,
        argument: Option<&catalogue::Argument>,
        origin: &Pointer,
        platform: PlatformName,
    ) -> Expr {
        let Some(env) = crate::spec::env_reference(value)
            .filter(|_| argument.is_some_and(|a| a.kind == crate::catalogue::Type::String))
        else {
            return literal(value);
        };
        let tokens = origin.tokens();
        // `platforms` or `oses` first, then the place of the options, then the argument's path.
        let name = snake(&tokens[1..].join("_"));
        let split = tokens
            .iter()
            .position(|t| t == "options")
            .map_or(tokens.len(), |i| i + 1);
        let description = format!(
            "`{}` of `{}`",
            tokens[split..].join("."),
            tokens[..split].join(".")
        );
        let credential = Credential {
            env: env.to_owned(),
        };
        // Names are unique by construction; this guards against a spec that still makes two
        // meet (an OS named like a platform's options), rather than overwrite one silently.
        if self
            .candidates
            .get(&name)
            .is_some_and(|c| c.variable.credential() != Some(env))
        {
            self.problems.push(Diagnostic::error(
                Code::OptionConflict,
                format!("this option would become variable `{name}`, which stands for something else already"),
                self.span(origin),
                "variable name taken",
            ));
            return Expr::Null;
        }
        self.credential(
            &name,
            FileKey::Platform(platform),
            &credential,
            &description,
            origin,
        );
        self.var(&name)
    }
}

/// The items of a passthrough block value, each with its origin: the items of a list for a
/// repeatable block (`/0`, `/1`, ...), else the value itself.
pub(super) fn block_items<'v>(
    value: &'v Json,
    block: &catalogue::BlockSchema,
    origin: &Pointer,
) -> Vec<(&'v Json, Pointer)> {
    match value {
        Json::Array(items) if block.repeatable => items
            .iter()
            .enumerate()
            .map(|(i, item)| (item, origin.child(&i.to_string())))
            .collect(),
        other => vec![(other, origin.to_owned())],
    }
}
