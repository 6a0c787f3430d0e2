//! `hybridc explain`: the effective settings of one OS's build, each with the layer it came
//! from (defaults, OS, platform, environment) and where the spec sets it.
//!
//! The layering rules are the compiler's (see `lower.rs`); this module restates them as lists
//! of spec locations in precedence order, reads which of them the spec actually writes, and
//! renders the result. It reads the checked spec only and changes nothing.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::diagnostic::Unknown;
use crate::loaded::Loaded;
use crate::platform::HardwareOrigin;
use crate::release::OsFacts;
use crate::spec::{PlatformName, SeedChannel};

/// Where an effective value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// hybridc's own default: the spec does not say.
    Default,
    /// What the OS's release gives or requires, from hybridc's OS catalogue (its family and
    /// installer, Windows 11's TPM).
    Release,
    /// `defaults:`.
    Defaults,
    /// The OS entry.
    Os,
    /// The platform entry (`platforms.<name>`).
    Platform,
    /// The selected environment.
    Environment,
}

impl Layer {
    /// The layer as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Default => "default",
            Layer::Release => "release",
            Layer::Defaults => "defaults",
            Layer::Os => "OS",
            Layer::Platform => "platform",
            Layer::Environment => "environment",
        }
    }
}

/// One effective setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The setting, as the spec names it (`hardware.cpus`).
    pub setting: String,
    /// The effective value, as YAML would show it.
    pub value: String,
    /// The layer it comes from.
    pub layer: Layer,
    /// `line:col` in the spec, when the spec writes it.
    pub at: Option<(usize, usize)>,
}

/// The settings of the OS on one platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The platform.
    pub platform: PlatformName,
    /// The settings, in a fixed order.
    pub rows: Vec<Row>,
}

/// Everything `explain` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The OS key.
    pub os: String,
    /// The environment, when one was selected.
    pub environment: Option<String>,
    /// The spec file's name, for locations.
    pub spec: String,
    /// Settings that do not depend on the platform.
    pub common: Vec<Row>,
    /// One section per platform shown.
    pub sections: Vec<Section>,
}

/// Why `explain` cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ExplainError(pub String);

/// A candidate location of a setting, with its layer, in increasing precedence.
type Candidate = (Layer, Vec<String>);

struct Explainer<'a> {
    loaded: &'a Loaded,
    /// The typed spec as JSON: holds serde's defaults where the YAML says nothing.
    typed: &'a Json,
    /// The key asked about ([`explain_at`]): a setting without a layer of that name is skipped.
    focus: Option<&'a str>,
}

/// The typed spec as [`explain_with`] reads it: convert it once to explain many builds.
pub fn typed(loaded: &Loaded) -> Json {
    serde_json::to_value(&loaded.spec).unwrap_or(Json::Null)
}

fn tokens(path: &[&str]) -> Vec<String> {
    path.iter().map(|s| (*s).to_owned()).collect()
}

fn pointer(tokens: &[String]) -> String {
    crate::pointer::from_tokens(tokens)
}

/// The value at a path of tokens in the spec's JSON: [`Json::pointer`] without a pointer to
/// parse and unescape for each of the many rows explained.
fn typed_at<'j>(typed: &'j Json, path: &[String]) -> Option<&'j Json> {
    path.iter().try_fold(typed, |value, token| match value {
        Json::Object(map) => map.get(token),
        // An index as a pointer writes it: digits, no sign, no leading zero.
        Json::Array(items) if token == "0" || !token.starts_with(['0', '+']) => {
            items.get(token.parse::<usize>().ok()?)
        }
        _ => None,
    })
}

/// The node at a path of mapping keys.
fn walk<'t>(tree: &'t crate::yaml::Node, path: &[String]) -> Option<&'t crate::yaml::Node> {
    let mut node = tree;
    for t in path {
        node = &node.get(t)?.value;
    }
    Some(node)
}

fn show(value: &Json) -> String {
    match value {
        Json::Null => "(not set)".into(),
        Json::String(s) => s.clone(),
        other => match crate::spec::env_reference(other) {
            Some(name) => format!("from ${name}"),
            None => other.to_string(),
        },
    }
}

impl Explainer<'_> {
    /// Whether a setting whose layers end in one of `keys` may be looked up (see `focus`).
    fn may(&self, keys: &[&str]) -> bool {
        self.focus.is_none_or(|focus| keys.contains(&focus))
    }

    /// The effective row: the last candidate the spec writes, else serde's default at the first
    /// candidate, else `fallback`. One no layer of which [`Explainer::may`] be is left unread.
    fn row(&self, setting: &str, candidates: &[Candidate], fallback: Option<Json>) -> Row {
        let keys = candidates.iter().filter_map(|(_, path)| path.last());
        if self
            .focus
            .is_some_and(|focus| !keys.into_iter().any(|k| k == focus))
        {
            return Row {
                setting: setting.to_owned(),
                value: String::new(),
                layer: Layer::Default,
                at: None,
            };
        }
        for (layer, path) in candidates.iter().rev() {
            let at = pointer(path);
            if let Some(found) = self.loaded.tree.locate(&at) {
                // Values outside the typed model (passthrough options) come from the YAML.
                let value = typed_at(self.typed, path)
                    .cloned()
                    .or_else(|| walk(&self.loaded.tree, path).map(crate::yaml::Node::to_json))
                    .unwrap_or(Json::Null);
                let span = found.key.unwrap_or(found.value);
                return Row {
                    setting: setting.to_owned(),
                    value: show(&value),
                    layer: *layer,
                    at: Some(self.loaded.source.line_col(span.start)),
                };
            }
        }
        let typed = candidates
            .first()
            .and_then(|(_, path)| typed_at(self.typed, path))
            .filter(|v| !v.is_null())
            .cloned();
        Row {
            setting: setting.to_owned(),
            value: show(&typed.or(fallback).unwrap_or(Json::Null)),
            layer: Layer::Default,
            at: None,
        }
    }
}

/// Explains the build of OS `os`, on `platform` (or every platform it builds on), with the
/// values of environment `env` (or the base values).
///
/// # Errors
/// An unknown OS, platform or environment, with a did-you-mean.
pub fn explain(
    loaded: &Loaded,
    os_name: &str,
    platform: Option<PlatformName>,
    env: Option<&str>,
) -> Result<Explanation, ExplainError> {
    explain_with(loaded, &typed(loaded), os_name, platform, env)
}

/// [`explain`] with the spec already converted by [`typed`].
///
/// # Errors
/// As [`explain`].
pub fn explain_with(
    loaded: &Loaded,
    typed: &Json,
    os_name: &str,
    platform: Option<PlatformName>,
    env: Option<&str>,
) -> Result<Explanation, ExplainError> {
    explain_focused(loaded, typed, os_name, platform, env, None)
}

/// The rows of [`explain_with`] whose value the spec writes at `at`, a path of keys: what
/// one spec location sets in one build (an editor's hover asks it of every build). Only the
/// settings that can be set there are looked up; the rest are left out of the explanation.
///
/// # Errors
/// As [`explain`].
pub fn explain_at(
    loaded: &Loaded,
    typed: &Json,
    os_name: &str,
    platform: Option<PlatformName>,
    env: Option<&str>,
    at: &[String],
) -> Result<Explanation, ExplainError> {
    // A row from `at` is read from a key of the same name there (aliases copy keys with their
    // places); what a release gives is shown at its OS's key, where all is looked up.
    let focus = at.last().map(String::as_str).filter(|key| *key != os_name);
    let mut explanation = explain_focused(loaded, typed, os_name, platform, env, focus)?;
    let here = loaded
        .tree
        .locate(&pointer(at))
        .map(|found| loaded.source.line_col(found.key_or_value().start));
    let keep = |rows: &mut Vec<Row>| rows.retain(|row| row.at.is_some() && row.at == here);
    keep(&mut explanation.common);
    for section in &mut explanation.sections {
        keep(&mut section.rows);
    }
    Ok(explanation)
}

/// [`explain_with`], looking up only the settings that can be set at a key named `focus`.
fn explain_focused(
    loaded: &Loaded,
    typed: &Json,
    os_name: &str,
    platform: Option<PlatformName>,
    env: Option<&str>,
    focus: Option<&str>,
) -> Result<Explanation, ExplainError> {
    let spec = &loaded.spec;
    let Some(os) = spec.oses.get(os_name) else {
        let keys = spec.oses.keys().map(String::as_str);
        let unknown = Unknown::among("OS", os_name, keys).map(|u| u.to_string());
        return Err(ExplainError(unknown.unwrap_or_default()));
    };
    if let Some(env) = env
        && let Some(unknown) = Unknown::among(
            "environment",
            env,
            spec.environments.keys().map(String::as_str),
        )
    {
        return Err(ExplainError(unknown.to_string()));
    }
    if let Some(p) = platform
        && !os.platforms.contains(&p)
    {
        let on: Vec<&str> = os.platforms.iter().map(|p| p.as_str()).collect();
        return Err(ExplainError(format!(
            "OS `{os_name}` is not built on `{}`; it is built on {}",
            p.as_str(),
            on.iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let x = Explainer {
        loaded,
        typed,
        focus,
    };
    let o = |path: &[&str]| -> Vec<String> {
        let mut t = tokens(&["oses", os_name]);
        t.extend(tokens(path));
        t
    };
    let e = |path: &[&str]| -> Option<Vec<String>> {
        env.map(|env| {
            let mut t = tokens(&["environments", env]);
            t.extend(tokens(path));
            t
        })
    };
    // What the OS's release gives is the release layer, at the OS entry, which names the
    // release (by its key or `release:`).
    let known = os.known();
    let from_release = |mut row: Row, value: Option<Json>| -> Row {
        if let (Layer::Default, Some(value)) = (row.layer, value.filter(|_| known.is_some())) {
            let key = x.loaded.tree.locate(&pointer(&o(&[])));
            row.value = show(&value);
            row.layer = Layer::Release;
            row.at = key.map(|k| x.loaded.source.line_col(k.key_or_value().start));
        }
        row
    };
    let text = |value: &str| Some(Json::from(value));
    let mut common = vec![
        from_release(
            x.row("family", &[(Layer::Os, o(&["family"]))], None),
            text(os.family().as_str()),
        ),
        from_release(
            x.row("installer", &[(Layer::Os, o(&["installer"]))], None),
            os.installer().and_then(|i| text(i.as_str())),
        ),
        from_release(
            x.row("description", &[(Layer::Os, o(&["description"]))], None),
            known.and_then(|r| text(r.description)),
        ),
    ];
    if os.platforms.contains(&PlatformName::Vsphere) {
        common.push(from_release(
            x.row(
                "vsphere.guest_os_type",
                &[(Layer::Os, o(&["vsphere", "guest_os_type"]))],
                None,
            ),
            // The catalogue's identifiers are x86-64 ones.
            known
                .filter(|_| os.arch() == crate::spec::Arch::X86_64)
                .and_then(|r| text(r.vsphere_guest_os_type)),
        ));
    }
    if os.platforms.contains(&PlatformName::Azure) {
        // As Azure writes an image: its URN, `publisher:offer:sku:version`.
        let mut row = from_release(
            x.row("azure_image", &[(Layer::Os, o(&["azure_image"]))], None),
            os.azure_image().map(|_| Json::Null),
        );
        if let Some(image) = os.azure_image() {
            row.value = format!(
                "{}:{}:{}:{}",
                image.publisher, image.offer, image.sku, image.version
            );
        }
        common.push(row);
    }
    // An installer with a channel of its own (Windows Setup reads a CD) ignores the layers.
    let fixed = os
        .installer()
        .and_then(|installer| crate::installer::kind(installer).default_channel);
    let seed = if let Some(channel) = fixed {
        Row {
            setting: "seed".into(),
            value: match channel {
                SeedChannel::Http => "http",
                SeedChannel::Cd => "cd",
            }
            .into(),
            layer: Layer::Default,
            at: None,
        }
    } else {
        x.row(
            "seed",
            &[
                (Layer::Defaults, tokens(&["defaults", "seed"])),
                (Layer::Os, o(&["seed"])),
            ],
            None,
        )
    };
    common.push(seed);
    common.push(x.row(
        "arch",
        &[(Layer::Os, o(&["arch"]))],
        text(crate::spec::Arch::X86_64.as_str()),
    ));
    for field in ["language", "keyboard", "timezone"] {
        let fallback = match field {
            "language" => "en_US",
            "keyboard" => "us",
            _ => "UTC",
        };
        common.push(x.row(
            &format!("locale.{field}"),
            &[
                (Layer::Defaults, tokens(&["defaults", "locale", field])),
                (Layer::Os, o(&["locale", field])),
            ],
            Some(Json::String(fallback.into())),
        ));
    }
    // An environment's network replaces the whole `defaults.network`.
    let env_network = env.is_some_and(|env| {
        spec.environments
            .get(env)
            .is_some_and(|e| e.network.is_some())
    });
    // Addresses are per build: the OS, or each Windows edition.
    let mut fields: Vec<(String, Vec<String>)> = if crate::family::facts(os.family()).per_edition {
        os.editions()
            .iter()
            .map(|e| {
                (
                    format!("network.address ({})", e.name),
                    vec![
                        "addresses".into(),
                        crate::spec::source_name(os_name, Some(&e.name)),
                    ],
                )
            })
            .collect()
    } else {
        vec![(
            "network.address".into(),
            vec!["addresses".into(), os_name.into()],
        )]
    };
    fields.push(("network.gateway".into(), vec!["gateway".into()]));
    fields.push(("network.dns".into(), vec!["dns".into()]));
    for (setting, path) in &fields {
        let is_address = path[0] == "addresses";
        let mut network_path = vec!["network"];
        network_path.extend(path.iter().map(String::as_str));
        let mut defaults = vec!["defaults"];
        defaults.extend(network_path.iter().copied());
        let mut candidates = vec![(Layer::Defaults, tokens(&defaults))];
        if env_network && let Some(path) = e(&network_path) {
            candidates = vec![(Layer::Environment, path.clone())];
            let row = x.row(setting, &candidates, None);
            common.push(if row.layer == Layer::Default {
                Row {
                    layer: Layer::Environment,
                    at: None,
                    value: if is_address {
                        "(DHCP)".into()
                    } else {
                        "(not set)".into()
                    },
                    ..row
                }
            } else {
                row
            });
            continue;
        }
        let fallback = is_address.then(|| Json::String("(DHCP)".into()));
        common.push(x.row(setting, &candidates, fallback));
    }
    let platforms: Vec<PlatformName> = match platform {
        Some(p) => vec![p],
        None => os.platforms.clone(),
    };
    let mut sections = Vec::new();
    for p in platforms {
        let name = p.as_str();
        let mut rows = Vec::new();
        let base =
            |field: &str| -> Candidate { (Layer::Platform, tokens(&["platforms", name, field])) };
        let over = |field: &str| -> Option<Candidate> {
            e(&["platforms", name, field]).map(|path| (Layer::Environment, path))
        };
        if p != PlatformName::Azure {
            rows.push(x.row(
                "builder",
                &[base("builder"), (Layer::Os, o(&[name, "builder"]))],
                Some(Json::String("iso".into())),
            ));
        }
        // The hardware, from the layers and the defaults lowering reads (resolved once, if read).
        let mut resolved = None;
        let layers = crate::platform::hardware_layers(spec, os_name, os, p);
        for field in crate::platform::hardware_fields(p) {
            if !x.may(&[field]) {
                continue;
            }
            let candidates: Vec<Candidate> = layers
                .iter()
                .filter_map(|(origin, _)| match origin {
                    HardwareOrigin::Spec(path) => Some(path),
                    HardwareOrigin::Release(_) => None,
                })
                .map(|path| {
                    let layer = if path[0] == "defaults" {
                        Layer::Defaults
                    } else {
                        Layer::Os
                    };
                    let mut path = tokens(path);
                    path.push((*field).to_owned());
                    (layer, path)
                })
                .collect();
            let hardware = || serde_json::to_value(crate::platform::hardware(spec, os, p)).ok();
            let resolved = resolved.get_or_insert_with(hardware).as_ref();
            let fallback = resolved.and_then(|r| r.get(*field)).cloned();
            let mut row = x.row(&format!("hardware.{field}"), &candidates, fallback);
            // Unset in the spec, a value the release requires comes from the catalogue.
            let required = layers.iter().any(|(origin, hardware)| {
                matches!(origin, HardwareOrigin::Release(_))
                    && serde_json::to_value(hardware)
                        .ok()
                        .is_some_and(|h| h.get(*field).is_some_and(|v| !v.is_null()))
            });
            if row.layer == Layer::Default && required {
                row.layer = Layer::Release;
            }
            rows.push(row);
        }
        // The platform's settings, from the one table lowering declares its variables from.
        for setting in crate::platform::SETTINGS.iter().filter(|s| s.platform == p) {
            let base = crate::pointer::tokens(setting.base).pop();
            let base = base.unwrap_or_default();
            let os_key = setting.os_field.and_then(<[_]>::last).copied();
            if !x.may(&[&base, setting.name, os_key.unwrap_or(&base)]) {
                continue;
            }
            let mut path = tokens(&["platforms", name]);
            path.extend(crate::pointer::tokens(setting.base));
            let mut candidates = vec![(Layer::Platform, path)];
            candidates.extend(over(setting.name));
            if let Some(field) = setting.os_field {
                candidates.push((Layer::Os, o(field)));
            }
            rows.push(x.row(setting.label, &candidates, None));
        }
        // Passthrough options: the OS's own win over the platform's (keys from the typed spec).
        let mut keys: Vec<String> = Vec::new();
        for path in [
            tokens(&["platforms", name, "options"]),
            o(&[name, "options"]),
        ] {
            if let Some(options) = typed_at(typed, &path).and_then(Json::as_object) {
                keys.extend(options.keys().filter(|k| x.may(&[k])).cloned());
            }
        }
        keys.sort();
        keys.dedup();
        for key in keys {
            let mut platform_path = tokens(&["platforms", name, "options"]);
            platform_path.push(key.clone());
            let mut os_path = o(&[name, "options"]);
            os_path.push(key.clone());
            rows.push(x.row(
                &format!("options.{key}"),
                &[(Layer::Platform, platform_path), (Layer::Os, os_path)],
                None,
            ));
        }
        sections.push(Section { platform: p, rows });
    }
    Ok(Explanation {
        os: os_name.to_owned(),
        environment: env.map(str::to_owned),
        spec: loaded.source.name.clone(),
        common,
        sections,
    })
}

/// The explanation as aligned text.
pub fn render(explanation: &Explanation) -> String {
    let mut out = String::new();
    let env = match &explanation.environment {
        Some(e) => format!("environment `{e}`"),
        None => "base values, no environment".into(),
    };
    let _ = writeln!(out, "{} ({env})", explanation.os);
    let table = |out: &mut String, rows: &[Row]| {
        let w0 = rows
            .iter()
            .map(|r| r.setting.chars().count())
            .max()
            .unwrap_or(0)
            .max(7);
        let w1 = rows
            .iter()
            .map(|r| r.value.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let w2 = rows
            .iter()
            .map(|r| r.layer.as_str().len())
            .max()
            .unwrap_or(0)
            .max(5);
        // Padded by hand: a value is the spec's, and `{:<width$}` panics past 65,535.
        let line = |cells: [&str; 4]| {
            let mut line = String::new();
            for (cell, width) in cells.into_iter().zip([w0, w1, w2, 0]) {
                line.push_str("  ");
                line.push_str(cell);
                line.extend(std::iter::repeat_n(
                    ' ',
                    width.saturating_sub(cell.chars().count()),
                ));
            }
            line.trim_end().to_owned()
        };
        let _ = writeln!(out, "{}", line(["setting", "value", "layer", "from"]));
        for r in rows {
            let from = match r.at {
                Some((line, col)) => format!("{}:{line}:{col}", explanation.spec),
                None => "-".into(),
            };
            let _ = writeln!(
                out,
                "{}",
                line([&r.setting, &r.value, r.layer.as_str(), &from])
            );
        }
    };
    out.push('\n');
    table(&mut out, &explanation.common);
    for section in &explanation.sections {
        let _ = writeln!(out, "\non {}:", section.platform.as_str());
        table(&mut out, &section.rows);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(setting: &str, value: &str, at: Option<(usize, usize)>) -> Row {
        Row {
            setting: setting.into(),
            value: value.into(),
            layer: Layer::Os,
            at,
        }
    }

    #[test]
    fn aligns_columns() {
        let explanation = Explanation {
            os: "ubuntu-2404".into(),
            environment: None,
            spec: "spec/hybrid.yaml".into(),
            common: vec![
                row("family", "linux", Some((3, 5))),
                row("hardware.cpus", "4", None),
            ],
            sections: Vec::new(),
        };
        assert_eq!(
            render(&explanation),
            "ubuntu-2404 (base values, no environment)\n\n  \
             setting        value  layer  from\n  \
             family         linux  OS     spec/hybrid.yaml:3:5\n  \
             hardware.cpus  4      OS     -\n"
        );
    }

    #[test]
    fn a_value_wider_than_a_format_width_does_not_panic() {
        let long = "x".repeat(70_000);
        let explanation = Explanation {
            os: "a".into(),
            environment: None,
            spec: "spec/hybrid.yaml".into(),
            common: vec![
                row("description", &long, Some((1, 70_000))),
                row("b", "1", None),
            ],
            sections: Vec::new(),
        };
        let text = render(&explanation);
        assert!(text.contains(&format!(
            "  description  {long}  OS     spec/hybrid.yaml:1:70000\n"
        )));
        assert!(text.contains(&format!(
            "  b            1{}  OS     -\n",
            " ".repeat(69_999)
        )));
    }
}
