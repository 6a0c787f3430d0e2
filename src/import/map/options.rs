//! `options:`: every argument of a source that no spec field holds goes to its OS's (or, when
//! every OS of the platform sets it alike, the platform's) `options` when the pinned plugin's
//! catalogue knows it for that builder and hybridc does not set it itself; the arguments
//! hybridc sets are found as the editor finds them, by lowering the spec without its options
//! ([`crate::editor::options::set_by_hybridc`]). Anything else is unmapped, with the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::diagnostic::SourceFile;
use crate::editor::options::{Place, set_by_hybridc};
use crate::import::tree::{Attribute, Value};
use crate::loaded::Loaded;
use crate::spec::PlatformName;

use super::os::Groups;
use super::settings::{env_name, plain};
use super::{Draft, Seen};

/// An argument that may go to `options`, with its value as the spec writes it.
struct Candidate<'a> {
    member: usize,
    attribute: &'a Attribute,
    value: Json,
    /// Why a secret reads the environment variable it names, when it was chosen for it.
    comment: Option<String>,
}

/// Fills `options` of the platforms and OSes; `secrets` gets the variables secret arguments
/// read.
pub fn options(
    seen: &mut [Seen<'_>],
    groups: &Groups,
    repo: &Path,
    draft: &mut Draft,
    secrets: &mut BTreeSet<String>,
) {
    let loaded = loaded(draft, repo);
    steps_set_by_hybridc(loaded.as_ref(), draft);
    let mut by_platform: BTreeMap<PlatformName, Vec<(String, Candidate<'_>)>> = BTreeMap::new();
    let mut cache: BTreeMap<(PlatformName, String), BTreeSet<String>> = BTreeMap::new();
    for (name, members) in groups {
        for m in members {
            let s = &seen[*m];
            let component = crate::platform::component(s.platform, s.builder);
            let schema = component.schema();
            for attribute in &s.source.body.attributes {
                // Null is Packer's unset.
                if s.used.contains(&attribute.name) || attribute.value == Value::Null {
                    continue;
                }
                let argument = schema.arguments.get(&attribute.name);
                let block = schema.blocks.get(&attribute.name);
                if argument.is_none() && block.is_none() {
                    draft.unmapped.push(s.unmapped_argument(
                        attribute,
                        format!(
                            "not an argument of `{}` in the pinned plugin",
                            component.name()
                        ),
                    ));
                    continue;
                }
                let Some(loaded) = &loaded else {
                    draft
                        .unmapped
                        .push(s.unmapped_argument(attribute, "the imported spec could not be lowered to check it against what hybridc sets".into()));
                    continue;
                };
                let set = cache.entry((s.platform, name.clone())).or_insert_with(|| {
                    let place = Place {
                        component,
                        platform: s.platform,
                        os: Some(name.as_str()),
                        names: Vec::new(),
                    };
                    set_by_hybridc(loaded, &place)
                });
                if set.contains(&attribute.name) {
                    // hybridc writes its own value: the comparison shows the difference.
                    continue;
                }
                // How a vSphere VM shuts down is the OS family's (`family::FamilyFacts::
                // vsphere_shutdown`; none: VMware Tools), not an option.
                if s.platform == PlatformName::Vsphere && attribute.name == "shutdown_command" {
                    continue;
                }
                let mut comment = None;
                let value = if argument.is_some_and(|a| a.is_secret()) {
                    let fallback = attribute.name.to_ascii_uppercase();
                    let env = env_name(&s.folders(), attribute, &fallback);
                    secrets.extend(attribute.variable.clone());
                    comment = env.comment;
                    Some(serde_json::json!({ "env": env.name }))
                } else {
                    plain(&attribute.value).map(|v| match (v, block) {
                        (Json::Array(mut items), Some(b)) if !b.repeatable && items.len() == 1 => {
                            items.remove(0)
                        }
                        (v, _) => v,
                    })
                };
                let Some(value) = value else {
                    draft.unmapped.push(s.unmapped_argument(
                        attribute,
                        match &attribute.value {
                            Value::Unknown { expression } => {
                                format!("its value is known only when Packer runs: `{expression}`")
                            }
                            _ => "its value is known only when Packer runs".into(),
                        },
                    ));
                    continue;
                };
                if draft.holds_secret(&value) {
                    let reason = "it holds the value of a secret variable, which is never copied: write the argument under `options:` as `{ env: NAME }`";
                    draft.unmapped.push(s.unmapped(
                        &attribute.name,
                        &Value::Null,
                        reason.into(),
                        attribute.at,
                    ));
                    continue;
                }
                by_platform.entry(s.platform).or_default().push((
                    name.clone(),
                    Candidate {
                        member: *m,
                        attribute,
                        value,
                        comment,
                    },
                ));
            }
        }
    }
    for (platform, candidates) in by_platform {
        place(seen, groups, platform, candidates, draft);
    }
}

/// Puts each candidate of a platform in the platform's options when every OS on it has the
/// same value, else in its OS's.
fn place(
    seen: &[Seen<'_>],
    groups: &Groups,
    platform: PlatformName,
    candidates: Vec<(String, Candidate<'_>)>,
    draft: &mut Draft,
) {
    let oses: Vec<&String> = groups
        .iter()
        .filter(|(_, members)| members.iter().any(|m| seen[*m].platform == platform))
        .map(|(name, _)| name)
        .collect();
    let mut names: Vec<&str> = candidates
        .iter()
        .map(|(_, c)| c.attribute.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    for argument in names {
        let of: Vec<&(String, Candidate<'_>)> = candidates
            .iter()
            .filter(|(_, c)| c.attribute.name == argument)
            .collect();
        let shared = oses
            .iter()
            .all(|os| of.iter().any(|(o, c)| o == *os && c.value == of[0].1.value))
            && of.iter().all(|(_, c)| c.value == of[0].1.value);
        if shared {
            let settings = draft.platforms.entry(platform).or_default();
            let options = settings
                .entry("options")
                .or_insert_with(|| Json::Object(Map::new()));
            if let Json::Object(options) = options {
                options.insert(argument.to_owned(), of[0].1.value.clone());
            }
            if let Some(comment) = &of[0].1.comment {
                let path = format!("/platforms/{}/options/{argument}", platform.as_str());
                draft.comments.add(path, comment.clone());
            }
            continue;
        }
        for (os, candidate) in of {
            let Some((_, entry)) = draft.oses.iter_mut().find(|(n, _)| n == os) else {
                continue;
            };
            let own = entry
                .entry(platform.as_str())
                .or_insert_with(|| Json::Object(Map::new()));
            let Json::Object(own) = own else { continue };
            let options = own
                .entry("options")
                .or_insert_with(|| Json::Object(Map::new()));
            let Json::Object(options) = options else {
                continue;
            };
            match options.get(argument) {
                Some(value) if *value != candidate.value => {
                    let s = &seen[candidate.member];
                    draft.unmapped.push(s.unmapped(
                        argument,
                        &candidate.attribute.value,
                        format!(
                            "another source of `{os}` on {} sets it otherwise",
                            platform.as_str()
                        ),
                        candidate.attribute.at,
                    ));
                }
                Some(_) => {}
                None => {
                    options.insert(argument.to_owned(), candidate.value.clone());
                    if let Some(comment) = &candidate.comment {
                        let path = format!("/oses/{os}/{}/options/{argument}", platform.as_str());
                        draft.comments.add(path, comment.clone());
                    }
                }
            }
        }
    }
}

/// Reports the step arguments no spec field holds, except those hybridc writes on its own
/// steps of that kind (a shell step's `execute_command`, an ansible step's `user`), which
/// are its values on purpose.
fn steps_set_by_hybridc(loaded: Option<&Loaded>, draft: &mut Draft) {
    let mut set: BTreeSet<(String, String)> = BTreeSet::new();
    if let Some(loaded) = loaded {
        let layout = crate::lower::Layout {
            spec_path: loaded.source.name.clone(),
            to_root: "..".to_owned(),
        };
        if let Ok((model, _)) = crate::lower::lower(loaded, &layout) {
            for step in model.builds.iter().flat_map(|b| &b.provisioners) {
                let kind = step.component.name();
                set.extend(step.body.names().map(|n| (kind.to_owned(), n.to_owned())));
            }
        }
    }
    for (kind, name, unmapped) in std::mem::take(&mut draft.step_arguments) {
        if !set.contains(&(kind, name)) {
            draft.unmapped.push(unmapped);
        }
    }
}

/// The draft without options as a checked spec would be, for lowering: `None` when it does
/// not read as a spec.
fn loaded(draft: &Draft, repo: &Path) -> Option<Loaded> {
    let json = draft.spec(false);
    let text = super::text::document(&[], &json, &super::text::Comments::default());
    let spec: crate::spec::Spec = serde_json::from_value(json).ok()?;
    let tree = crate::yaml::parse(&text).ok()?;
    let repository =
        crate::semantic::repository(&spec, &crate::source::Disk::new(repo.to_path_buf()));
    Some(Loaded {
        spec,
        source: SourceFile::new("spec/hybrid.yaml", text),
        tree,
        root: repo.to_path_buf(),
        repository,
        warnings: Vec::new(),
    })
}
