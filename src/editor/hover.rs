//! Hover: what a key or value of the spec means, and what it makes of each build.
//!
//! The description is the generated schema's (the text yaml-language-server shows), read at
//! run time; an enum value adds its own. A setting `explain` reports adds its effective value
//! in each build and environment with the layer that set it, read from `explain` itself, so
//! the layering rules stay in one place. A passthrough `options:` key adds the plugin
//! argument's entry in the catalogue.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use super::locate::{self, Place};
use super::{Document, Hover, options};
use crate::explain::{Layer, Row};
use crate::loaded::Loaded;
use crate::spec::PlatformName;

/// How many builds a hover names for one effective value before it only counts the rest.
const SHOWN_BUILDS: usize = 6;

/// What the key or value at byte `offset` means; `None` where the cursor is on neither, or
/// when the text is not YAML.
pub fn hover(doc: &Document, offset: usize) -> Option<Hover> {
    let tree = doc.tree()?;
    let cursor = locate::cursor(tree, doc.text(), offset)?;
    let span = match cursor.place {
        Place::Key(span) | Place::Value(span) if span.start < span.end => span,
        _ => return None,
    };
    let path = cursor.path();
    let pointer = crate::pointer::from_tokens(&path);
    let mut markdown = format!("**`{}`**", crate::schema::display_path(tree, &pointer));
    let schema = super::schema::at(&path);
    if let Some(text) = schema.as_ref().and_then(|s| s.description) {
        let _ = write!(markdown, "\n\n{text}");
    }
    if let (Place::Value(_), Some(schema)) = (cursor.place, &schema)
        && let Some(value) = super::text_at(tree, &path)
        && let Some(text) = schema.value_description(value)
    {
        let _ = write!(markdown, "\n\n`{value}`: {text}");
    }
    if let ["oses", _, "provisioning", _] = path.as_slice()
        && let Some(set) = super::text_at(tree, &path)
        && let Some(steps) = super::node_at(tree, &["provisioning", set])
    {
        let kinds = super::step_kinds(steps);
        let _ = write!(
            markdown,
            "\n\nProvisioning set `{set}`: {}.",
            kinds.join(", ")
        );
    }
    if let Some(argument) = options::argument_at(tree, doc.loaded(), &path) {
        let _ = write!(markdown, "\n\n{}", argument.markdown());
    }
    if let Some((loaded, typed)) = doc.loaded().zip(doc.typed())
        && let Some(key) = tree.locate(&pointer).and_then(|l| l.key)
        && let Some(effective) = effective(loaded, typed, &path, key.start)
    {
        let _ = write!(markdown, "\n\n{effective}");
    }
    Some(Hover {
        markdown,
        range: span.start..span.end,
    })
}

/// The builds and environments a spec location can set a value of, as `explain` asks for
/// them: which OSes, on which platform (every one when `None`), in which environments (`None`
/// for the base values).
fn scope<'s>(loaded: &'s Loaded, path: &[&str]) -> Option<Scope<'s>> {
    let spec = &loaded.spec;
    let all_envs = || {
        std::iter::once(None)
            .chain(spec.environments.keys().map(|e| Some(e.as_str())))
            .collect()
    };
    let all_oses = || spec.oses.keys().map(String::as_str).collect();
    Some(match path {
        ["oses", os, ..] => Scope {
            oses: vec![spec.oses.get_key_value(*os)?.0.as_str()],
            platform: None,
            envs: all_envs(),
        },
        ["environments", env, ..] => Scope {
            oses: all_oses(),
            platform: None,
            envs: vec![Some(spec.environments.get_key_value(*env)?.0.as_str())],
        },
        ["platforms", platform, ..] => {
            let platform = PlatformName::ALL
                .into_iter()
                .find(|p| p.as_str() == *platform)?;
            Scope {
                oses: spec
                    .oses
                    .iter()
                    .filter(|(_, os)| os.platforms.contains(&platform))
                    .map(|(name, _)| name.as_str())
                    .collect(),
                platform: Some(platform),
                envs: all_envs(),
            }
        }
        ["defaults", ..] => Scope {
            oses: all_oses(),
            platform: None,
            envs: all_envs(),
        },
        _ => return None,
    })
}

struct Scope<'s> {
    oses: Vec<&'s str>,
    platform: Option<PlatformName>,
    envs: Vec<Option<&'s str>>,
}

/// One row of `explain` that names the hovered place as its origin: value, layer, OS,
/// platform (empty for a row common to every platform) and environment.
type Match<'s> = (String, &'static str, &'s str, &'static str, Option<&'s str>);

/// The rows of `explain` for the OSes `oses` that come from the place `path`, at `here`
/// (`line:col`).
fn matches<'s>(
    loaded: &Loaded,
    typed: &Json,
    scope: &Scope<'s>,
    oses: &[&'s str],
    (path, here): (&[String], (usize, usize)),
) -> Vec<Match<'s>> {
    let mut out = Vec::new();
    for os in oses {
        for env in &scope.envs {
            let Ok(explanation) =
                crate::explain::explain_at(loaded, typed, os, scope.platform, *env, path)
            else {
                continue;
            };
            let common = explanation.common.iter().map(|row| ("", row));
            let sections = explanation
                .sections
                .iter()
                .flat_map(|s| s.rows.iter().map(move |row| (s.platform.as_str(), row)));
            let before = out.len();
            for (platform, row) in common.chain(sections) {
                if row.at == Some(here) {
                    out.push((shown(row), row.layer.as_str(), *os, platform, *env));
                }
            }
            // An environment only adds layers above the others: where the base values do
            // not come from a place outside `environments`, no environment's do.
            if env.is_none() && out.len() == before {
                break;
            }
        }
    }
    out
}

/// The builds one effective value holds in: (OS, platform) -> environments.
type Builds<'s> = BTreeMap<(&'s str, &'static str), Vec<Option<&'s str>>>;

/// The effective values the spec location whose key starts at byte `key` sets, per build
/// and environment, with their layer: the rows of `explain` that name it as their origin.
fn effective(loaded: &Loaded, typed: &Json, path: &[&str], key: usize) -> Option<String> {
    let scope = scope(loaded, path)?;
    let here = loaded.source.line_col(key);
    let tokens: Vec<String> = path.iter().map(|t| (*t).to_owned()).collect();
    let at = (tokens.as_slice(), here);
    // Each OS is explained on its own: half of them on each core.
    let (first, second) = scope.oses.split_at(scope.oses.len() / 2);
    let (mut rows, later) = crate::parallel::both(
        || matches(loaded, typed, &scope, first, at),
        || matches(loaded, typed, &scope, second, at),
    );
    rows.extend(later);
    let mut found: BTreeMap<(String, &str), Builds<'_>> = BTreeMap::new();
    for (value, layer, os, platform, env) in rows {
        found
            .entry((value, layer))
            .or_default()
            .entry((os, platform))
            .or_default()
            .push(env);
    }
    if found.is_empty() {
        return None;
    }
    let mut out = String::from("Effective value (`hybridc explain`):");
    for ((value, layer), builds) in &found {
        let labels: Vec<String> = builds
            .iter()
            .map(|((os, platform), envs)| {
                let mut label = format!("`{os}`");
                if !platform.is_empty() {
                    let _ = write!(label, " on {platform}");
                }
                if envs.len() < scope.envs.len() {
                    let names: Vec<&str> = envs.iter().map(|e| e.unwrap_or("base")).collect();
                    let _ = write!(label, " ({})", names.join(", "));
                }
                label
            })
            .collect();
        let _ = write!(out, "\n- `{value}` from {layer}: ");
        out.push_str(&labels[..labels.len().min(SHOWN_BUILDS)].join(", "));
        if labels.len() > SHOWN_BUILDS {
            let _ = write!(out, " and {} more", labels.len() - SHOWN_BUILDS);
        }
    }
    Some(out)
}

/// A row's value as a hover shows it: its setting when it is not the hovered key's own name.
fn shown(row: &Row) -> String {
    let value = row.value.replace('`', "'");
    match row.layer {
        Layer::Release => format!("{}: {value}", row.setting),
        _ => value,
    }
}
