//! Why hybridc makes a difference: one rule per [`Reason`], each naming the lowering (module
//! and function) whose output it explains. A difference no rule explains is unexpected.

use std::collections::BTreeMap;
use std::path::Path;

use super::Place;
use super::value::{Pending, file_content, hcl};
use crate::catalogue::Component;
use crate::family::FAMILIES;
use crate::import::report::{Basis, Reason};
use crate::import::tree::{Step, Value};

/// Why hybridc sets this argument as it does, when it does so on purpose; each rule names the
/// lowering that makes the difference.
pub(super) fn reason(
    place: &Place<'_>,
    old: Option<&Value>,
    new: Option<&Value>,
    basis: Basis,
) -> Option<Reason> {
    if let Some(step) = place.step {
        return step_reason(step, place, old, new);
    }
    let names: Vec<&str> = place.names.iter().map(String::as_str).collect();
    // `lower::variables::credential`: a credential is a sensitive variable whose default is
    // `env("NAME")`, so it evaluates to that unknown.
    if place.secret()
        && matches!(new, Some(Value::Unknown { expression }) if expression.starts_with("env("))
    {
        return Some(Reason::Credential);
    }
    if new.is_none() && plugin_default(place.component, &names).is_some_and(|d| old == Some(&d)) {
        return Some(Reason::PluginDefault);
    }
    Some(match names.as_slice() {
        // `lower::variables::versioned`, called by `lower::proxmox::proxmox` (vm_name,
        // template_name), `lower::vsphere::vsphere` (vm_name), `lower::azure::azure`
        // (managed_image_name); `lower::variables::gallery_version` for the gallery.
        ["vm_name" | "template_name" | "managed_image_name"]
        | ["shared_image_gallery_destination", "image_version"] => Reason::VersionedName,
        // `lower::vsphere::vsphere` and `lower::azure::azure` name the item after the source.
        ["content_library_destination", "name"]
        | ["shared_image_gallery_destination", "image_name"] => Reason::ArtifactName,
        // `Lowerer::description` (lower/mod.rs), written by `lower::proxmox::proxmox`
        // and `lower::vsphere::vsphere`.
        ["notes" | "template_description"] | ["content_library_destination", "description"] => {
            Reason::Description
        }
        // `lower::installer::boot`.
        ["boot_command" | "boot_wait"] => Reason::BootCommand,
        // `lower::installer::seed_files` serves the seed from memory.
        ["http_directory"] if new.is_none() => Reason::HttpContent,
        ["http_content"] if old.is_none() => Reason::HttpContent,
        // `lower::installer::seed_object`: the shared template unless the repository has
        // the OS's own (`InstallerKind::template_path`).
        [.., "http_content" | "cd_content", _]
            if matches!(
                (old, new),
                (Some(Value::Template { .. }), Some(Value::Template { .. }))
            ) =>
        {
            template_reason(old, new, basis, place.files)?
        }
        // `lower::installer::cd_seed`, `lower::installer::cd_files`, the `cd_label` of
        // `lower::proxmox::proxmox` and `lower::vsphere::vsphere`.
        n if in_seed(n) => Reason::SeedLayout,
        ["additional_iso_files", ..] if seeds(old) || seeds(new) => Reason::SeedLayout,
        // `lower::azure::azure` adds these three to the spec's tags.
        ["azure_tags", "os" | "edition" | "build_version"] if new.is_some() => Reason::Tags,
        // `lower::vsphere::vsphere`.
        ["remove_cdrom"] if place.component == Some(Component::VsphereIso) => Reason::RemoveCdrom,
        // `lower::proxmox::proxmox`.
        ["task_timeout"] if place.component == Some(Component::ProxmoxIso) => Reason::TaskTimeout,
        // `lower::proxmox::proxmox` puts `lower::proxmox::iso_args` in `boot_iso`, in place
        // of the top-level ISO arguments proxmox-iso 1.2 still takes.
        ["boot_iso", ..] if place.component == Some(Component::ProxmoxIso) && old.is_none() => {
            Reason::BootIso
        }
        ["iso_url" | "iso_file" | "iso_checksum" | "iso_storage_pool" | "unmount_iso"]
            if place.component == Some(Component::ProxmoxIso) && new.is_none() =>
        {
            Reason::BootIso
        }
        // `lower::proxmox::proxmox` writes `machine = "q35"` beside `bios = "ovmf"`.
        ["machine"]
            if place.component == Some(Component::ProxmoxIso)
                && matches!(new, Some(Value::String(m)) if m == "q35") =>
        {
            Reason::Q35
        }
        // `lower::vsphere::vsphere`, from the family's `vsphere_shutdown`.
        ["shutdown_command"]
            if place.component == Some(Component::VsphereIso)
                && FAMILIES.iter().any(|f| match (f.vsphere_shutdown, new) {
                    (Some(c), Some(Value::String(s))) => s == c,
                    // No command: VMware Tools shut the VM down.
                    (None, None) => true,
                    _ => false,
                }) =>
        {
            Reason::Shutdown
        }
        // `lower::family::communicator`, from `family::FAMILIES`.
        [name] if communicator_argument(name) => Reason::Communicator,
        _ => return None,
    })
}

/// What the pinned plugin sets an argument to when it is not set, for the arguments hybridc
/// leaves unset that trees set to that same value.
///
/// - packer-plugin-proxmox v1.2.4 `builder/proxmox/iso/config.go`, `Config.Prepare`: a
///   `boot_iso` without `type` gets type `ide` and index `2` ("For backwards compatibility
///   <= v1.8, set ide2 as default if not configured").
/// - packer-plugin-proxmox v1.2.4 `builder/proxmox/common/config.go`, `Config.Prepare`: a
///   disk without `format` gets `raw`, without `type` gets `scsi`.
const PLUGIN_DEFAULTS: &[(Component, &str, &str)] = &[
    (Component::ProxmoxIso, "boot_iso.type", "ide"),
    (Component::ProxmoxIso, "boot_iso.index", "2"),
    (Component::ProxmoxIso, "disks.format", "raw"),
    (Component::ProxmoxIso, "disks.type", "scsi"),
    (Component::ProxmoxClone, "disks.format", "raw"),
    (Component::ProxmoxClone, "disks.type", "scsi"),
];

/// The pinned plugin's default of the argument at `names` (block names and argument, no
/// indexes) of `component`.
pub(super) fn plugin_default(component: Option<Component>, names: &[&str]) -> Option<Value> {
    let path = names.join(".");
    PLUGIN_DEFAULTS
        .iter()
        .find(|(c, p, _)| Some(*c) == component && *p == path)
        .map(|(_, _, value)| Value::String((*value).to_owned()))
}

fn in_seed(names: &[&str]) -> bool {
    names.iter().any(|n| {
        matches!(
            *n,
            "cd_files"
                | "cd_content"
                | "cd_label"
                | "http_content"
                | "floppy_files"
                | "floppy_dirs"
                | "floppy_content"
                | "floppy_label"
        )
    })
}

/// Whether a value is a block (or blocks) that carries seed files.
fn seeds(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Blocks(bodies)) => bodies.iter().any(|b| {
            b.attributes
                .iter()
                .any(|a| matches!(a.name.as_str(), "cd_files" | "cd_content"))
        }),
        _ => false,
    }
}

fn template_reason(
    old: Option<&Value>,
    new: Option<&Value>,
    basis: Basis,
    files: &Pending,
) -> Option<Reason> {
    let (Some(Value::Template { path: p, vars: v }), Some(Value::Template { path: q, vars: w })) =
        (old, new)
    else {
        return None;
    };
    // `InstallerKind::template_path`: every OS of a kind shares `installers/<kind>/<template>`.
    let shared = q
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|n| n == "installers");
    if shared {
        return Some(Reason::SharedTemplate);
    }
    // The tree's own template, kept: it renders as before only if hybridc still passes every
    // variable the tree passed (`lower::installer::seed_object`); else the render may fail.
    let kept = dropped_variables(v, w).is_some_and(|d| d.is_empty());
    if kept && basis == Basis::Content && file_content(p, q, files).0 {
        return Some(Reason::TemplateVariables);
    }
    reads_inputs(p, v, q, w, files).then_some(Reason::KeptTemplate)
}

/// Whether the compiled template `q`, rendered with `w`, is the tree's `p` (rendered with `v`)
/// as the import rewrites a kept template (`import::templates::adapt_with`): the same text
/// with each name the tree passed read from `inputs` (or, for an edition's image name, from
/// `image_name`), and `inputs` holding the values the tree passed, a secret as what reads it
/// from the environment.
fn reads_inputs(p: &Path, v: &Value, q: &Path, w: &Value, files: &Pending) -> bool {
    use crate::import::templates::{Input, adapt_with};
    let (Some(old), Some(new)) = (super::value::text(p, files), super::value::text(q, files))
    else {
        return false;
    };
    let Value::Object(passed) = w else {
        return false;
    };
    let inputs: Vec<(String, Value)> = match passed.iter().find(|(k, _)| k == "inputs") {
        Some((_, Value::Object(inputs))) => inputs.clone(),
        _ => Vec::new(),
    };
    let input = |name: &str| inputs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let secret = |name: &str, _: &Value| match input(name) {
        Some(Value::Unknown { expression }) => Some(expression.clone()),
        _ => None,
    };
    let image = passed.iter().any(|(k, _)| k == "image_name");
    let own = |name: &str| (image && input(name).is_none()).then_some("image_name");
    let Ok(adapted) = adapt_with(&old, v, &secret, &own) else {
        return false;
    };
    // Sources of one OS on several platforms with templates of their own share one template
    // that picks each platform's text with `%{ if platform == "..." }` (`import::map::os`).
    let platform = match passed.iter().find(|(k, _)| k == "platform") {
        Some((_, Value::String(p))) => p.clone(),
        _ => String::new(),
    };
    let branch = |text: &str| {
        new.starts_with("%{ if platform == ")
            && (new.contains(&format!(
                "%{{ if platform == \"{platform}\" ~}}\n{text}%{{ else ~}}"
            )) || new.contains(&format!("%{{ else ~}}\n{text}%{{ endif ~}}")))
    };
    (adapted.text == new || branch(&adapted.text))
        && adapted.inputs.iter().all(|(name, value)| match value {
            Input::Text(text) => input(name) == Some(&Value::String(text.clone())),
            Input::Secret(_) => matches!(input(name), Some(Value::Unknown { .. })),
        })
}

/// The variables the tree passed to a template that the compiled tree no longer passes:
/// `None` when either side passes no object.
fn dropped_variables(old: &Value, new: &Value) -> Option<Vec<String>> {
    match (old, new) {
        (Value::Object(had), Value::Object(has)) => Some(
            had.iter()
                .filter(|(k, _)| !has.iter().any(|(j, _)| j == k))
                .map(|(k, _)| format!("`{k}`"))
                .collect(),
        ),
        _ => None,
    }
}

/// For two renders of a template: the variables the tree passed that hybridc does not, which
/// a kept template may still use.
pub(super) fn missing_variables(old: Option<&Value>, new: Option<&Value>) -> Option<String> {
    let (Some(Value::Template { vars: v, .. }), Some(Value::Template { vars: w, .. })) = (old, new)
    else {
        return None;
    };
    let missing = dropped_variables(v, w).filter(|m| !m.is_empty())?;
    Some(format!(
        "the template is passed {} no longer; a template that uses them fails to render",
        missing.join(", ")
    ))
}

fn communicator_argument(name: &str) -> bool {
    FAMILIES.iter().any(|f| {
        f.hypervisor_communicator
            .iter()
            .chain(f.azure_communicator)
            .any(|(argument, value)| {
                *argument == name
                    || matches!(value, crate::family::CommunicatorValue::BuildPasswordOrKey(k) if *k == name)
            })
    })
}

fn step_reason(
    step: &str,
    place: &Place<'_>,
    old: Option<&Value>,
    new: Option<&Value>,
) -> Option<Reason> {
    // `lower::provisioning::post_processors` writes the manifest's output and data.
    if step == "manifest" {
        return Some(Reason::Manifest);
    }
    let names: Vec<&str> = place.names.iter().map(String::as_str).collect();
    match (step, names.as_slice()) {
        // `lower::provisioning::environment` and the ansible step of
        // `lower::provisioning::provisioning` add `HYBRIDC_PLATFORM` (and `ANSIBLE_CONFIG`)
        // to what the step had.
        (_, ["environment_vars" | "ansible_env_vars"]) if keeps_all(old, new, place.files) => {
            Some(Reason::StepEnvironment)
        }
        // `lower::provisioning::provisioning`: `SUDO_EXECUTE` for a shell step with `sudo`
        // (a step that loses its sudo is no such difference), the build user for an elevated
        // PowerShell step.
        ("shell", ["execute_command"]) if matches!(new, Some(Value::String(c)) if c.contains("sudo")) => {
            Some(Reason::StepExecution)
        }
        ("powershell", ["elevated_user" | "elevated_password"])
            if matches!(new, Some(Value::Unknown { expression })
                if expression == "build.User" || expression == "build.Password") =>
        {
            Some(Reason::StepExecution)
        }
        // `lower::provisioning::ansible_over_ssh`, and `user = build.User` in
        // `lower::provisioning::provisioning`.
        ("ansible", ["use_sftp" | "sftp_command"]) if old.is_none() => {
            Some(Reason::AnsibleConnection)
        }
        ("ansible", ["user"]) if matches!(new, Some(Value::Unknown { expression }) if expression == "build.User") => {
            Some(Reason::AnsibleConnection)
        }
        // `lower::provisioning::ansible_over_ssh` adds scp's legacy protocol, and
        // `lower::provisioning::provisioning` passes `extra_vars` as one JSON document: the
        // same variables and the same other arguments are no other difference.
        ("ansible", ["extra_arguments"]) if same_ansible_arguments(old, new) => {
            Some(Reason::AnsibleConnection)
        }
        _ => None,
    }
}

/// Whether `new` is a list holding every entry of `old` (absent: none) and hybridc's platform
/// variable.
fn keeps_all(old: Option<&Value>, new: Option<&Value>, files: &Pending) -> bool {
    let Some(Value::List(added)) = new else {
        return false;
    };
    let kept = match old {
        None => true,
        // A path to the same file in both trees is the same value (`ANSIBLE_CONFIG=`).
        Some(Value::List(had)) => had.iter().all(|h| {
            added
                .iter()
                .any(|a| super::value::equivalent(a, h, files).0)
        }),
        Some(_) => false,
    };
    kept && added.iter().any(|a| hcl(a).contains("HYBRIDC_PLATFORM="))
}

/// A step hybridc adds to every build: the manifest (`lower::provisioning::post_processors`)
/// and the family's finishing steps (`lower::family::finish`, from `family::FAMILIES`).
pub(super) fn added_step_reason(step: &Step) -> Option<Reason> {
    if step.kind == "manifest" {
        return Some(Reason::Manifest);
    }
    let Some(Value::List(lines)) = step.body.get("inline").map(|a| &a.value) else {
        return None;
    };
    let finishes = FAMILIES.iter().flat_map(|f| f.finish).any(|finish| {
        finish.inline.len() == lines.len()
            && finish.inline.iter().zip(lines).all(|(pattern, line)| {
                let Value::String(line) = line else {
                    return false;
                };
                let pieces: Vec<&str> = pattern.split("{build_user}").collect();
                match pieces.as_slice() {
                    [only] => line == only,
                    [first, .., last] => line.starts_with(first) && line.ends_with(last),
                    [] => false,
                }
            })
    });
    finishes.then_some(Reason::Finish)
}

/// Whether two `extra_arguments` lists pass the same variables and other arguments, once
/// hybridc's `--scp-extra-args '-O'` is set aside: `-e`/`--extra-vars` as `k=v` words or a
/// JSON object alike.
fn same_ansible_arguments(old: Option<&Value>, new: Option<&Value>) -> bool {
    let split = |value: Option<&Value>| -> Option<(Vec<String>, BTreeMap<String, String>)> {
        let items = match value {
            None => Vec::new(),
            Some(Value::List(items)) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()?,
            Some(_) => return None,
        };
        let mut rest = Vec::new();
        let mut vars = BTreeMap::new();
        let mut words = items.into_iter();
        while let Some(word) = words.next() {
            if word == "-e" || word == "--extra-vars" {
                let document = words.next()?;
                match serde_json::from_str::<serde_json::Value>(&document) {
                    Ok(serde_json::Value::Object(map)) => {
                        for (k, v) in map {
                            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                            vars.insert(k, v);
                        }
                    }
                    _ => {
                        for pair in document.split_whitespace() {
                            let (k, v) = pair.split_once('=')?;
                            vars.insert(k.to_owned(), v.to_owned());
                        }
                    }
                }
            } else if word == "--scp-extra-args" {
                let next = words.next()?;
                if next != "'-O'" {
                    rest.extend([word, next]);
                }
            } else {
                rest.push(word);
            }
        }
        Some((rest, vars))
    };
    matches!((split(old), split(new)), (Some(a), Some(b)) if a == b)
}

/// A step of the tree that generalises the template (Sysprep, `waagent -deprovision`), which
/// the family's finishing step does in its place (`lower::family::finish`).
pub(super) fn dropped_step_reason(step: &Step) -> Option<Reason> {
    if !matches!(step.kind.as_str(), "shell" | "powershell") {
        return None;
    }
    let text = hcl(&Value::Blocks(vec![step.body.clone()])).to_ascii_lowercase();
    let generalises =
        text.contains("sysprep") || text.contains("waagent") && text.contains("-deprovision");
    generalises.then_some(Reason::Finish)
}
