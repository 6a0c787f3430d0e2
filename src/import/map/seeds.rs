//! An OS's installer templates: the tree's own where they differ from hybridc's shared ones,
//! rewritten to render what they rendered in the tree (one template when the OS's platforms
//! agree, else one that chooses on `platform`), and `seed: cd` where the tree seeds from a CD.

use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::import::tree::Value;
use crate::spec::{PlatformName, SeedChannel};

use super::served::Seed;
use super::source::EditionGuess;
use super::{Draft, Seen};

/// `templates` (and the files they name) for the seed files that differ from hybridc's
/// shared templates, the shared ones the repository lacks, and `seed: cd`.
pub fn templates(
    seen: &[Seen<'_>],
    isos: &[usize],
    name: &str,
    repo: &Path,
    os: &mut Map<String, Json>,
    draft: &mut Draft,
) {
    let Some(facts) = isos
        .iter()
        .map(|m| &seen[*m].facts)
        .find(|f| !f.seeds.is_empty())
    else {
        return;
    };
    let Some(installer) = facts.installer else {
        return;
    };
    let kind = crate::installer::kind(installer);
    let shared = crate::init::templates(kind).unwrap_or_default();
    let mut own = Map::new();
    let mut inputs = Map::new();
    for seed in &facts.seeds {
        let (Some(template), Some(content)) = (seed.template, &seed.content) else {
            continue;
        };
        if own.contains_key(template) {
            continue;
        }
        // The template as each platform's source has it (sources of one OS on several
        // platforms may each have their own).
        let mut variants: Vec<(PlatformName, &String, Option<&Value>)> = Vec::new();
        for m in isos {
            let found = seen[*m]
                .facts
                .seeds
                .iter()
                .find(|s| s.template == Some(template));
            if let Some(Seed {
                content: Some(text),
                vars,
                ..
            }) = found
                && !variants.iter().any(|(p, _, _)| *p == seen[*m].platform)
            {
                variants.push((seen[*m].platform, text, vars.as_ref()));
            }
        }
        if variants.is_empty() {
            variants.push((seen[isos[0]].platform, content, seed.vars.as_ref()));
        }
        let same = variants.iter().all(|(_, content, _)| {
            shared
                .iter()
                .any(|(path, text)| path.ends_with(template) && text == *content)
        });
        if !same {
            let images = per_edition(seen, isos, template);
            let image = |name: &str| images.contains(&name.to_owned()).then_some("image_name");
            let mut texts: Vec<(PlatformName, String)> = Vec::new();
            for (platform, content, vars) in &variants {
                let text = kept(seen, isos, content, *vars, draft, &image, &mut inputs);
                texts.push((*platform, text));
            }
            let content = by_platform(texts);
            let under = format!("builds/{name}");
            let path = super::copies::copy_to(
                &under,
                template,
                content.into_bytes(),
                repo,
                &mut draft.files,
            );
            own.insert(template.to_owned(), path.into());
        }
    }
    if !own.is_empty() {
        os.insert("templates".into(), Json::Object(own));
    }
    if !inputs.is_empty() {
        os.insert("installer_inputs".into(), Json::Object(inputs));
    }
    if facts.seed == Some(SeedChannel::Cd) && kind.channels.contains(&SeedChannel::Cd) {
        os.insert("seed".into(), "cd".into());
    }
    beside(seen, isos, kind, repo, draft);
}

/// The files a tree serves beside the answer file (the scripts an `autounattend.xml` runs from
/// the CD). hybridc puts its installer kind's `cd_files` folder on the CD, its content at the
/// root (`scripts/windows/*`, `lower::installer` `cd_files`), so each goes into that folder at
/// its place on the tree's CD. One that cannot (the folder holds another file of that name, or
/// the kind puts no folder on the CD) is reported: the compiled build would not have it.
fn beside(
    seen: &[Seen<'_>],
    isos: &[usize],
    kind: &crate::installer::InstallerKind,
    repo: &Path,
    draft: &mut Draft,
) {
    let folder = kind
        .cd_files
        .iter()
        .find_map(|entry| entry.strip_suffix("/*"));
    let mut done: Vec<&str> = Vec::new();
    for m in isos {
        let s = &seen[*m];
        for seed in s
            .facts
            .seeds
            .iter()
            .filter(|seed| seed.template.is_none() && !seed.listed)
        {
            if done.contains(&seed.served.as_str()) {
                continue;
            }
            let bytes = match (&seed.path, &seed.content) {
                (Some(path), _) => std::fs::read(path).ok(),
                (None, Some(text)) => Some(text.clone().into_bytes()),
                (None, None) => None,
            };
            let Some(bytes) = bytes else {
                continue;
            };
            done.push(&seed.served);
            let reason = match folder {
                Some(folder) => {
                    let target = format!("{folder}/{}", seed.served);
                    let mut cx = super::copies::Context {
                        repo,
                        files: &mut draft.files,
                    };
                    if super::copies::put(&target, bytes, &mut cx) {
                        continue;
                    }
                    format!(
                        "hybridc puts `{folder}/*` on the CD, and `{target}` holds another file: \
                         the compiled build's CD would not have this one"
                    )
                }
                None => format!(
                    "hybridc serves only the {} installer's templates ({}): the compiled build \
                     would not serve this file",
                    kind.installer.as_str(),
                    kind.templates.join(", ")
                ),
            };
            let value = Value::String(seed.served.clone());
            let argument = format!("{} ({})", seed.from, seed.served);
            let unmapped = s.unmapped(&argument, &value, reason, seed_at(s, seed));
            draft.unmapped.push(unmapped);
        }
    }
}

/// Where the argument that serves `seed` is written: the source's own, else its
/// `additional_iso_files` block, else the source.
fn seed_at(s: &Seen<'_>, seed: &Seed) -> crate::import::tree::Location {
    let body = &s.source.body;
    [seed.from, "additional_iso_files"]
        .iter()
        .find_map(|name| body.get(name).map(|a| a.at))
        .unwrap_or(s.source.at)
}

/// One template from the texts each platform's source renders: the text itself when they
/// agree, else a `%{ if platform == "..." }` chain on the `platform` variable hybridc passes
/// every seed template (`installer::TemplateVar::Platform`), each branch the platform's own
/// text, byte for byte.
fn by_platform(mut texts: Vec<(PlatformName, String)>) -> String {
    texts.dedup_by(|a, b| a.1 == b.1);
    if texts.iter().all(|(_, t)| *t == texts[0].1) {
        return texts.swap_remove(0).1;
    }
    let last = texts.pop().map(|(_, t)| t).unwrap_or_default();
    let mut out = String::new();
    for (platform, text) in &texts {
        out.push_str(&format!(
            "%{{ if platform == \"{}\" ~}}\n{text}%{{ else ~}}\n",
            platform.as_str()
        ));
    }
    out.push_str(&last);
    for _ in &texts {
        out.push_str("%{ endif ~}\n");
    }
    out
}

/// The names of template `template`'s object whose value, in each source of the OS, is that
/// source's Windows edition image name: hybridc passes each edition's own as `image_name`.
fn per_edition(seen: &[Seen<'_>], isos: &[usize], template: &str) -> Vec<String> {
    let mut each: Vec<(String, &Value)> = Vec::new();
    for m in isos {
        let facts = &seen[*m].facts;
        let image = match &facts.edition {
            Some(EditionGuess::Own(_, image)) => image.clone(),
            Some(EditionGuess::Known(name)) => match facts
                .release
                .and_then(|r| r.windows)
                .and_then(|w| w.editions.iter().find(|e| e.name == name))
            {
                Some(edition) => edition.image_name.to_owned(),
                None => return Vec::new(),
            },
            None => return Vec::new(),
        };
        let Some(vars) = facts
            .seeds
            .iter()
            .find(|s| s.template == Some(template))
            .and_then(|s| s.vars.as_ref())
        else {
            return Vec::new();
        };
        each.push((image, vars));
    }
    let Some((_, Value::Object(first))) = each.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|(name, _)| name)
        .filter(|name| {
            each.iter().all(|(image, vars)| match vars {
                Value::Object(entries) => entries
                    .iter()
                    .rev()
                    .find(|(k, _)| k == *name)
                    .is_some_and(|(_, v)| *v == Value::String(image.clone())),
                _ => false,
            })
        })
        .cloned()
        .collect()
}

/// A template kept from the tree, rewritten to read the values the tree passed it from the
/// OS's installer inputs ([`crate::import::templates`]), which are added to `inputs`. A value
/// that is one of the tree's secrets, or that a name like a password's holds, is read from
/// the environment (`PKR_VAR_<variable>` of the tree's variable that holds it), never copied.
/// A template that does not parse is kept as it is: hybridc's check of it says why.
fn kept(
    seen: &[Seen<'_>],
    isos: &[usize],
    content: &str,
    vars: Option<&Value>,
    draft: &Draft,
    own: &dyn Fn(&str) -> Option<&'static str>,
    inputs: &mut Map<String, Json>,
) -> String {
    let Some(vars) = vars else {
        return content.to_owned();
    };
    let secret = |name: &str, value: &Value| -> Option<String> {
        let Value::String(text) = value else {
            return None;
        };
        let held = draft.secrets.contains(text);
        let named = ["password", "secret", "token", "encrypted", "passphrase"]
            .iter()
            .any(|word| name.to_ascii_lowercase().contains(word));
        if !held && !named {
            return None;
        }
        // The tree's own variable that holds the value names the environment variable.
        let variable = isos
            .iter()
            .flat_map(|m| &seen[*m].folder.variables)
            .find(|v| v.value.as_ref() == Some(value))
            .map_or(name, |v| v.name.as_str());
        Some(format!("PKR_VAR_{variable}"))
    };
    match crate::import::templates::adapt_with(content, vars, &secret, own) {
        Ok(adapted) => {
            for (name, input) in adapted.inputs {
                let value = match input {
                    crate::import::templates::Input::Text(text) => Json::String(text),
                    crate::import::templates::Input::Secret(variable) => {
                        serde_json::json!({ "env": variable })
                    }
                };
                inputs.entry(name).or_insert(value);
            }
            adapted.text
        }
        Err(_) => content.to_owned(),
    }
}
