//! `platforms` and `environments`: each platform's settings from its sources' connection and
//! placement arguments, the base value the first environment's, and each environment's
//! override where its value differs.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use crate::spec::PlatformName;

use super::os::{field_order, ordered};
use super::settings::{self, env_name, set_pointer};
use super::source::{blocks, boolean, text};
use super::{Draft, Seen};

/// The platforms the sources build on, with their settings, and the environments.
pub fn platforms(seen: &mut [Seen<'_>], environments: &[String], draft: &mut Draft) {
    let mut overrides: Vec<Map<String, Json>> = vec![Map::new(); environments.len()];
    for platform in PlatformName::ALL {
        let members: Vec<usize> = (0..seen.len())
            .filter(|i| seen[*i].platform == platform)
            .collect();
        if members.is_empty() {
            continue;
        }
        let mut base = Json::Object(Map::new());
        for setting in settings::of(platform) {
            if setting.credential {
                let found = members.iter().find_map(|m| {
                    let (attribute, top) = settings::find(&seen[*m].source.body, setting)?;
                    Some((*m, attribute, top))
                });
                let fallback = setting.variable().to_ascii_uppercase();
                let name = match found {
                    Some((m, attribute, _)) => env_name(&seen[m].folders(), attribute, &fallback),
                    None => settings::EnvName {
                        comment: Some(format!(
                            "read from ${fallback}: the imported tree did not set it"
                        )),
                        name: fallback,
                    },
                };
                let path = format!("/platforms/{}{}", platform.as_str(), setting.base);
                if let Some(comment) = name.comment {
                    draft.comments.add(path, comment);
                }
                set_pointer(
                    &mut base,
                    setting.base,
                    serde_json::json!({ "env": name.name }),
                );
                for m in &members {
                    if let Some((_, top)) = settings::find(&seen[*m].source.body, setting) {
                        seen[*m].used.insert(top.to_owned());
                    }
                }
                continue;
            }
            // The value per environment: the first source's that sets it, and whether it is
            // the default of the variable it reads (no var file of the environment set it).
            let value_in = |e: usize| {
                members.iter().find_map(|m| {
                    let (folder, source) = seen[*m].each[e];
                    let (attribute, _) = settings::find(&source.body, setting)?;
                    let value = settings::json(setting, &attribute.value)?;
                    let default = attribute
                        .variable
                        .as_ref()
                        .and_then(|v| folder.variable(v))
                        .is_some_and(|v| !folder.assignments.iter().any(|a| a.at == v.set_at));
                    Some((value, default))
                })
            };
            // An environment without a value leaves the base without one, as an environment
            // can set a value but not unset one; the others set theirs. Otherwise the base is
            // a variable's default where an environment keeps it, else the first environment's.
            let found: Vec<Option<(Json, bool)>> = (0..environments.len()).map(value_in).collect();
            let base_env = found
                .iter()
                .position(|v| v.as_ref().is_some_and(|(_, default)| *default))
                .unwrap_or(0);
            let values: Vec<Option<Json>> = found.into_iter().map(|v| v.map(|(j, _)| j)).collect();
            let first = match values.iter().all(Option::is_some) {
                true => values[base_env].clone(),
                false => None,
            };
            for (e, changes) in overrides.iter_mut().enumerate() {
                if let Some(value) = values[e].clone().filter(|v| Some(v) != first.as_ref()) {
                    let platform_changes = changes
                        .entry(platform.as_str())
                        .or_insert_with(|| Json::Object(Map::new()));
                    set_pointer(platform_changes, &format!("/{}", setting.name), value);
                }
            }
            let Some(first) = first else {
                for m in &members {
                    if let Some((_, top)) = settings::find(&seen[*m].source.body, setting) {
                        seen[*m].used.insert(top.to_owned());
                    }
                }
                continue;
            };
            let mut own = Vec::new();
            let mut used = Vec::new();
            for m in &members {
                let s = &seen[*m];
                let (_, source) = s.each[base_env];
                let Some((attribute, top)) = settings::find(&source.body, setting) else {
                    continue;
                };
                let value = settings::json(setting, &attribute.value);
                if value.as_ref().is_some_and(|v| *v != first) {
                    let reason = match setting.os_field {
                        Some(_) => String::new(),
                        None => format!(
                            "the spec has one `{}` per platform; the first source's value is used",
                            setting.name
                        ),
                    };
                    if reason.is_empty() {
                        let field = setting.os_field.map(|f| f.join("/")).unwrap_or_default();
                        let value = value.clone().unwrap_or_default();
                        own.push((*m, format!("/{field}"), value));
                    } else {
                        draft.unmapped.push(s.unmapped(
                            top,
                            &attribute.value,
                            reason,
                            attribute.at,
                        ));
                    }
                }
                used.push((*m, top));
            }
            for (m, pointer, value) in own {
                seen[m].own.push((pointer, value));
            }
            for (m, top) in used {
                seen[m].used.insert(top.to_owned());
            }
            set_pointer(&mut base, setting.base, first);
        }
        extras(seen, &members, platform, &mut base);
        let Json::Object(base) = base else { continue };
        let order = match platform {
            PlatformName::Proxmox => field_order::<crate::spec::Proxmox>(),
            PlatformName::Vsphere => field_order::<crate::spec::Vsphere>(),
            PlatformName::Azure => field_order::<crate::spec::Azure>(),
        };
        draft.platforms.insert(platform, ordered(base, &order));
    }
    if environments.len() > 1 || environments.first().is_some_and(|e| e != "default") {
        for (name, changes) in environments.iter().zip(overrides) {
            let mut environment = Map::new();
            if !changes.is_empty() {
                environment.insert("platforms".into(), Json::Object(changes));
            }
            draft
                .environments
                .insert(name.clone(), Json::Object(environment));
        }
    }
}

/// The settings that are not variables: Proxmox's cloud-init drive, vSphere's template and
/// content library output.
fn extras(seen: &mut [Seen<'_>], members: &[usize], platform: PlatformName, base: &mut Json) {
    let mut used: BTreeSet<&str> = BTreeSet::new();
    match platform {
        PlatformName::Proxmox => {
            used.insert("cloud_init");
            if members
                .iter()
                .any(|m| boolean(&seen[*m].source.body, "cloud_init") == Some(true))
            {
                set_pointer(base, "/cloud_init", true.into());
            }
            // The VirtIO driver ISO Windows sources attach beside their installer ISO.
            let virtio = members.iter().find_map(|m| {
                blocks(&seen[*m].source.body, "additional_iso_files")
                    .iter()
                    .find(|b| {
                        ["iso_url", "iso_file"].iter().any(|a| {
                            text(b, a).is_some_and(|v| v.to_ascii_lowercase().contains("virtio"))
                        })
                    })
            });
            if let Some(iso) = virtio {
                for (argument, field) in [
                    ("iso_url", "url"),
                    ("iso_checksum", "checksum"),
                    ("iso_file", "proxmox_file"),
                ] {
                    if let Some(value) = text(iso, argument) {
                        set_pointer(base, &format!("/virtio_iso/{field}"), value.into());
                    }
                }
            }
        }
        PlatformName::Vsphere => {
            used.insert("convert_to_template");
            let convert = members
                .iter()
                .any(|m| boolean(&seen[*m].source.body, "convert_to_template") == Some(true));
            let post = members.iter().any(|m| {
                let s = &seen[*m];
                let address = s.address();
                s.folder.builds.iter().any(|b| {
                    b.sources
                        .iter()
                        .any(|r| r.trim_start_matches("source.") == address)
                        && b.post_processors
                            .iter()
                            .any(|p| p.kind == "vsphere-template")
                })
            });
            let template = if convert {
                "convert"
            } else if post {
                "post-processor"
            } else {
                "none"
            };
            set_pointer(base, "/output/template", template.into());
            if let Some(library) = members
                .iter()
                .find_map(|m| blocks(&seen[*m].source.body, "content_library_destination").first())
            {
                let ovf = boolean(library, "ovf").unwrap_or(false);
                set_pointer(base, "/output/content_library/ovf", ovf.into());
                if boolean(library, "destroy") == Some(true) {
                    set_pointer(base, "/output/content_library/destroy", true.into());
                }
                used.insert("content_library_destination");
            }
            if let Some(Json::Object(output)) = base.get_mut("output") {
                let order = field_order::<crate::spec::VsphereOutput>();
                *output = ordered(std::mem::take(output), &order);
                if let Some(Json::Object(library)) = output.get_mut("content_library") {
                    let order = field_order::<crate::spec::ContentLibrary>();
                    *library = ordered(std::mem::take(library), &order);
                }
            }
        }
        PlatformName::Azure => {
            used.extend(["managed_image_name", "shared_image_gallery_destination"]);
        }
    }
    for m in members {
        seen[*m].used.extend(used.iter().map(|u| (*u).to_owned()));
    }
}

/// The variables the sources read their credentials from: the platforms' credentials and
/// the build user's password.
pub fn secrets(seen: &[Seen<'_>]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in seen {
        for (_, source) in &s.each {
            let credentials = settings::of(s.platform)
                .filter(|setting| setting.credential)
                .filter_map(|setting| settings::find(&source.body, setting).map(|(a, _)| a));
            let passwords = ["ssh_password", "winrm_password"]
                .iter()
                .filter_map(|a| source.body.get(a));
            for attribute in credentials.chain(passwords) {
                out.extend(
                    (attribute.variable.clone())
                        .or_else(|| settings::variable_read(&attribute.value)),
                );
            }
        }
    }
    out
}

/// An argument other than a platform setting whose value differs between environments: the
/// spec sets it per OS, for every environment, so the first environment's value is used.
pub fn environment_differences(seen: &[Seen<'_>], environments: &[String], draft: &mut Draft) {
    for s in seen {
        let settings: BTreeSet<&str> = settings::of(s.platform)
            .filter_map(|setting| settings::find(&s.source.body, setting).map(|(_, top)| top))
            .collect();
        for attribute in &s.source.body.attributes {
            if settings.contains(attribute.name.as_str()) {
                continue;
            }
            let other = s
                .each
                .iter()
                .zip(environments)
                .skip(1)
                .find(|((_, source), _)| {
                    source.body.get(&attribute.name).map(|a| &a.value) != Some(&attribute.value)
                });
            if let Some((_, name)) = other {
                let reason = format!(
                    "its value differs in the environment `{name}`; the spec sets it for every environment, and the value of `{}` is used",
                    environments[0]
                );
                draft.unmapped.push(s.unmapped_argument(attribute, reason));
            }
        }
    }
}
