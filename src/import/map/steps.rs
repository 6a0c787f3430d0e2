//! Provisioners as the spec's steps (shell, powershell, windows-restart, file, ansible), with
//! their scripts, playbooks and uploaded files as repository-relative paths: a file outside
//! the repository is copied into it (`scripts/<family>/`, `ansible/`, `files/`; see
//! [`super::copies`]).

use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::import::tree::{Body, Step, Value};
use crate::spec::PlatformName;

use super::copies::{self, Context, repo_path};
use super::source::{boolean, text};

/// A step that has no spec form, or an argument of one the spec's step has no field for.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// The argument (`provisioner "shell-local"` for a whole step).
    pub argument: String,
    /// Its value.
    pub value: Value,
    /// Why.
    pub reason: String,
    /// Where.
    pub at: crate::import::tree::Location,
    /// For an argument of a step: the step's kind and the argument's name, so that one
    /// hybridc sets on its own steps is not reported.
    pub of_step: Option<(String, String)>,
}

/// A step as the spec writes it, limited to `only` (empty: every platform of the OS), and
/// what of it was left out; `None` with the reason when the spec has no such step.
pub fn step(
    step: &Step,
    only: &[PlatformName],
    cx: &mut Context<'_>,
    skipped: &mut Vec<Skipped>,
) -> Option<Json> {
    let body = &step.body;
    let mut used: Vec<&str> = Vec::new();
    let mut fields = Map::new();
    let kind = step.kind.as_str();
    match kind {
        "shell" | "powershell" => {
            let under = if kind == "shell" {
                "scripts/linux"
            } else {
                "scripts/windows"
            };
            let mut scripts = Vec::new();
            if let Some(one) = text(body, "script") {
                scripts.push(Json::String(repo_path(one, under, cx)));
            }
            for path in strings(body, "scripts") {
                scripts.push(Json::String(repo_path(&path, under, cx)));
            }
            used.extend(["script", "scripts", "inline", "environment_vars", "env"]);
            if !scripts.is_empty() {
                fields.insert("scripts".into(), Json::Array(scripts));
            }
            let inline = strings(body, "inline");
            if !inline.is_empty() {
                fields.insert("inline".into(), inline.into());
            }
            let mut env = Map::new();
            for pair in strings(body, "environment_vars") {
                if let Some((key, value)) = pair.split_once('=') {
                    env.insert(key.to_owned(), value.into());
                }
            }
            if let Some(Value::Object(entries)) = body.get("env").map(|a| &a.value) {
                for (key, value) in entries {
                    if let Value::String(s) = value {
                        env.insert(key.clone(), s.clone().into());
                    }
                }
            }
            if !env.is_empty() {
                fields.insert("env".into(), Json::Object(env));
            }
            if kind == "shell" {
                used.extend(["execute_command", "expect_disconnect"]);
                let sudo = body.get("execute_command").is_some_and(|c| match &c.value {
                    Value::String(command) => command.contains("sudo"),
                    Value::Unknown { expression } => expression.contains("sudo"),
                    _ => false,
                });
                if !sudo {
                    fields.insert("sudo".into(), false.into());
                }
                if boolean(body, "expect_disconnect") == Some(true) {
                    fields.insert("expect_disconnect".into(), true.into());
                }
            } else {
                used.extend(["elevated_user", "elevated_password"]);
                if body.get("elevated_user").is_some() {
                    fields.insert("elevated".into(), true.into());
                }
            }
        }
        "windows-restart" => {
            used.push("restart_timeout");
            if let Some(timeout) = text(body, "restart_timeout") {
                fields.insert("timeout".into(), timeout.into());
            }
        }
        "file" => {
            // hashicorp/packer `provisioner/file/provisioner.go`: `Prepare` appends `source` to
            // `sources`, and `Provision` copies from the VM when `direction` is "download".
            used.extend(["source", "sources", "destination", "direction"]);
            let mut sources: Vec<String> = text(body, "source")
                .map(str::to_owned)
                .into_iter()
                .collect();
            sources.extend(strings(body, "sources"));
            let refused = if text(body, "direction") == Some("download") {
                Some("the spec's `file` step uploads: a download has no place in it".to_owned())
            } else if body.get("content").is_some() {
                Some("the spec's `file` step uploads a file: write the content to a file in the repository and name it as `source`".to_owned())
            } else if sources.len() > 1 {
                Some(
                    "the spec's `file` step uploads one `source`: write one step per file"
                        .to_owned(),
                )
            } else {
                None
            };
            let (Some(source), Some(destination), None) =
                (sources.first(), text(body, "destination"), &refused)
            else {
                return refuse(step, refused.unwrap_or_else(|| "it has no `source` or no `destination`, which Packer's file provisioner requires".into()), skipped);
            };
            fields.insert("source".into(), repo_path(source, "files", cx).into());
            fields.insert("destination".into(), destination.into());
        }
        "ansible" => {
            used.extend(["playbook_file", "galaxy_file", "extra_arguments"]);
            let Some(playbook) = text(body, "playbook_file") else {
                return refuse(
                    step,
                    "it has no `playbook_file`, which the Ansible provisioner requires".into(),
                    skipped,
                );
            };
            // What Ansible reads beside the playbook goes with it: its `ansible.cfg` (which
            // hybridc names with `ANSIBLE_CONFIG`), its roles, variables and plugins.
            let (copied, galaxy) = copies::playbook(playbook, text(body, "galaxy_file"), cx);
            fields.insert("playbook".into(), copied.into());
            if let Some(galaxy) = galaxy {
                fields.insert("galaxy_file".into(), galaxy.into());
            }
            let vars = extra_vars(&strings(body, "extra_arguments"));
            if !vars.is_empty() {
                fields.insert("extra_vars".into(), Json::Object(vars));
            }
        }
        other => return refuse(step, format!("the spec has no `{other}` step"), skipped),
    }
    for attribute in &body.attributes {
        if !used.contains(&attribute.name.as_str()) {
            skipped.push(Skipped {
                argument: format!("provisioner \"{kind}\" {}", attribute.name),
                value: attribute.value.clone(),
                reason: format!("the spec's `{kind}` step has no field for it"),
                at: attribute.at,
                of_step: Some((kind.to_owned(), attribute.name.clone())),
            });
        }
    }
    if !only.is_empty() {
        let names: Vec<Json> = only.iter().map(|p| p.as_str().into()).collect();
        fields.insert("only".into(), Json::Array(names));
    }
    let mut step = Map::new();
    step.insert(kind.to_owned(), Json::Object(fields));
    Some(Json::Object(step))
}

/// A step left out of the spec, and why.
fn refuse(step: &Step, reason: String, skipped: &mut Vec<Skipped>) -> Option<Json> {
    skipped.push(Skipped {
        argument: format!("provisioner \"{}\"", step.kind),
        value: Value::Null,
        reason,
        at: step.at,
        of_step: None,
    });
    None
}

/// `--extra-vars`/`-e` arguments of the form `key=value ...` as a mapping.
fn extra_vars(arguments: &[String]) -> Map<String, Json> {
    let mut out = Map::new();
    let mut next_is_vars = false;
    for argument in arguments {
        if next_is_vars {
            for pair in argument.split_whitespace() {
                if let Some((key, value)) = pair.split_once('=') {
                    out.insert(key.to_owned(), value.trim_matches(['"', '\'']).into());
                }
            }
        }
        next_is_vars = argument == "--extra-vars" || argument == "-e";
    }
    out
}

/// The strings of a list argument.
fn strings(body: &Body, name: &str) -> Vec<String> {
    match body.get(name).map(|a| &a.value) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The provisioning sets: each OS's steps (those of the builds of its sources, the same on
/// every platform, or each platform's own limited with `only`), identical lists shared as
/// one set named after the family (`linux-base`) or the first OS that runs it.
pub fn sets(
    seen: &[super::Seen<'_>],
    groups: &super::os::Groups,
    repo: &Path,
    draft: &mut super::Draft,
) {
    let mut places = std::collections::BTreeSet::new();
    let mut lists: Vec<(String, Vec<Json>)> = Vec::new();
    let secrets = draft.secrets.clone();
    for (name, members) in groups {
        let mut per: Vec<(PlatformName, Vec<Json>)> = Vec::new();
        for m in members {
            let s = &seen[*m];
            if per.iter().any(|(p, _)| *p == s.platform) {
                continue;
            }
            let mut skipped = Vec::new();
            let mut cx = Context {
                repo,
                files: &mut draft.files,
            };
            let list = of_source(s, &secrets, &mut cx, &mut skipped);
            for skip in skipped {
                let file = &s.folder.file(skip.at.file).name;
                if places.insert((file.clone(), skip.at.span.start)) {
                    let unmapped = s.unmapped(&skip.argument, &skip.value, skip.reason, skip.at);
                    match skip.of_step {
                        Some((kind, name)) => draft.step_arguments.push((kind, name, unmapped)),
                        None => draft.unmapped.push(unmapped),
                    }
                }
            }
            per.push((s.platform, list));
        }
        let list = merged(per);
        if !list.is_empty() {
            lists.push((name.clone(), list));
        }
    }
    let mut named: Vec<(String, Vec<Json>)> = Vec::new();
    for (os, list) in &lists {
        let set = match named.iter().find(|(_, l)| l == list) {
            Some((set, _)) => set.clone(),
            None => {
                let family = draft
                    .oses
                    .iter()
                    .position(|(n, _)| n == os)
                    .and_then(|i| groups.get(i))
                    .map(|(_, members)| seen[members[0]].facts.family.as_str())
                    .unwrap_or("linux");
                let base = format!("{family}-base");
                let set = if named.iter().any(|(n, _)| *n == base) {
                    format!("{os}-base")
                } else {
                    base
                };
                named.push((set.clone(), list.clone()));
                set
            }
        };
        if let Some((_, entry)) = draft.oses.iter_mut().find(|(n, _)| n == os) {
            entry.insert("provisioning".into(), Json::Array(vec![set.into()]));
            let order = super::os::field_order::<crate::spec::Os>();
            *entry = super::os::ordered(std::mem::take(entry), &order);
        }
    }
    for (set, list) in named {
        draft.provisioning.insert(set, Json::Array(list));
    }
}

/// The steps of the builds that build a source, in order, as the spec writes them.
fn of_source(
    s: &super::Seen<'_>,
    secrets: &[String],
    cx: &mut Context<'_>,
    skipped: &mut Vec<Skipped>,
) -> Vec<Json> {
    let address = s.address();
    let mut out = Vec::new();
    for build in &s.folder.builds {
        if !build
            .sources
            .iter()
            .any(|r| r.trim_start_matches("source.") == address)
        {
            continue;
        }
        for provisioner in &build.provisioners {
            let applies = (provisioner.only.is_empty() || provisioner.only.contains(&address))
                && !provisioner.except.contains(&address);
            if applies
                && !finishes(provisioner)
                && let Some(json) = step(provisioner, &[], cx, skipped)
            {
                if super::holds(secrets, &json) {
                    skipped.push(Skipped {
                        argument: format!("provisioner \"{}\"", provisioner.kind),
                        value: Value::Null,
                        reason: "the step holds the value of a secret variable, which is never copied: pass it as `{ env: NAME }` in the step's `env` or `extra_vars`".into(),
                        at: provisioner.at,
                        of_step: None,
                    });
                } else {
                    out.push(json);
                }
            }
        }
        for post in &build.post_processors {
            if !matches!(post.kind.as_str(), "manifest" | "vsphere-template") {
                skipped.push(Skipped {
                    argument: format!("post-processor \"{}\"", post.kind),
                    value: Value::Null,
                    reason: format!("the spec has no `{}` post-processor", post.kind),
                    at: post.at,
                    of_step: None,
                });
            }
        }
    }
    out
}

/// Whether a step is one of the finishing steps hybridc runs itself at the end of every build
/// ([`crate::family::FAMILIES`]' `finish`: locking the build user, `waagent -deprovision`,
/// Sysprep), which a step of the spec would run twice: each of its lines is a line of one of
/// them (the build user's name for `{build_user}`), or it deprovisions or runs Sysprep.
fn finishes(step: &Step) -> bool {
    let inline = strings(&step.body, "inline");
    if inline.is_empty() {
        return false;
    }
    let ours = |line: &str| {
        crate::family::FAMILIES
            .iter()
            .flat_map(|f| f.finish)
            .flat_map(|f| f.inline)
            .any(|template| fits(template, line))
    };
    let joined = inline.join("\n");
    inline.iter().all(|line| ours(line))
        || (joined.contains("waagent") && joined.contains("-deprovision"))
        || joined.contains("Sysprep.exe")
}

/// Whether `line` is `template` with any text for each `{build_user}`.
fn fits(template: &str, line: &str) -> bool {
    let parts: Vec<&str> = template.split("{build_user}").collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return template == line;
    };
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        let Some(at) = rest.find(part) else {
            return false;
        };
        rest = &rest[at + part.len()..];
    }
    rest.ends_with(last)
}

/// One list of steps from each platform's: the list itself when they agree; else, when they
/// have as many steps, each step where they agree and each variant limited to the platforms
/// that run it; else each platform's steps limited to it, one platform after the other.
fn merged(per: Vec<(PlatformName, Vec<Json>)>) -> Vec<Json> {
    let Some((_, first)) = per.first() else {
        return Vec::new();
    };
    if per.iter().all(|(_, l)| l == first) {
        return first.clone();
    }
    if per.iter().all(|(_, l)| l.len() == first.len()) {
        let mut out = Vec::new();
        for i in 0..first.len() {
            let mut variants: Vec<(&Json, Vec<PlatformName>)> = Vec::new();
            for (platform, list) in &per {
                match variants.iter_mut().find(|(step, _)| **step == list[i]) {
                    Some((_, platforms)) => platforms.push(*platform),
                    None => variants.push((&list[i], vec![*platform])),
                }
            }
            if let [(step, _)] = variants.as_slice() {
                out.push((*step).clone());
            } else {
                out.extend(
                    variants
                        .into_iter()
                        .map(|(step, p)| limited(step.clone(), &p)),
                );
            }
        }
        return out;
    }
    per.into_iter()
        .flat_map(|(platform, list)| list.into_iter().map(move |step| limited(step, &[platform])))
        .collect()
}

/// A step limited to some platforms.
fn limited(mut step: Json, platforms: &[PlatformName]) -> Json {
    if let Some(Json::Object(fields)) = step.as_object_mut().and_then(|s| s.values_mut().next()) {
        let mut platforms = platforms.to_vec();
        platforms.sort();
        let names = platforms.iter().map(|p| Json::from(p.as_str())).collect();
        fields.insert("only".into(), Json::Array(names));
    }
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_vars_are_read_from_their_arguments() {
        let args = [
            "--extra-vars".to_owned(),
            "a=1 b='x'".to_owned(),
            "-v".to_owned(),
        ];
        let vars = extra_vars(&args);
        assert_eq!(Json::Object(vars), serde_json::json!({"a": "1", "b": "x"}));
    }

    /// Platforms whose steps differ share the steps they agree on.
    #[test]
    fn platform_lists_share_the_steps_they_agree_on() {
        let step = |name: &str| serde_json::json!({ "shell": { "inline": [name] } });
        let per = vec![
            (PlatformName::Vsphere, vec![step("a"), step("b")]),
            (PlatformName::Proxmox, vec![step("a"), step("b")]),
            (PlatformName::Azure, vec![step("a"), step("c")]),
        ];
        assert_eq!(
            merged(per),
            [
                step("a"),
                serde_json::json!({ "shell": { "inline": ["b"], "only": ["proxmox", "vsphere"] } }),
                serde_json::json!({ "shell": { "inline": ["c"], "only": ["azure"] } }),
            ]
        );
        let uneven = vec![
            (PlatformName::Proxmox, vec![step("a")]),
            (PlatformName::Azure, vec![]),
        ];
        assert_eq!(
            merged(uneven),
            [serde_json::json!({ "shell": { "inline": ["a"], "only": ["proxmox"] } })]
        );
    }

    #[test]
    fn finishing_lines_fit_with_any_build_user() {
        assert!(fits("passwd -l \"{build_user}\"", "passwd -l \"packer\""));
        assert!(fits("a {build_user} b {build_user} c", "a x b y c"));
        assert!(!fits("passwd -l \"{build_user}\"", "passwd -u \"packer\""));
        assert!(fits("sync", "sync"));
    }
}
