//! The effective settings of a build on both sides, from [`crate::explain`], and the ones that
//! differ.
//!
//! Each side's spec is converted for `explain` once, and each OS is explained once per
//! environment at most: an OS whose inputs are the same on both sides is not explained at all,
//! and one is explained per environment only when that can tell more than its base values (see
//! [`changes`]).

use std::collections::{HashMap, HashSet};

use super::{BuildId, Change, LayerName};
use serde_json::Value as Json;

use crate::loaded::Loaded;
use crate::spec::Spec;
use crate::workflow::explain::{self, Explanation, Row};

/// One side's spec, converted for `explain`, and `explain` results once computed.
pub(super) struct Settings<'a> {
    loaded: &'a Loaded,
    /// The spec as `explain` reads it.
    typed: Json,
    /// The spec without `oses` and `environments`: what every OS's explanation shares.
    spec: Spec,
    explained: HashMap<(String, Option<String>), Option<Explanation>>,
}

impl<'a> Settings<'a> {
    pub(super) fn new(loaded: &'a Loaded) -> Self {
        Settings {
            loaded,
            typed: explain::typed(loaded),
            spec: Spec {
                oses: Default::default(),
                environments: Default::default(),
                ..loaded.spec.clone()
            },
            explained: HashMap::new(),
        }
    }

    /// Explains `os` in `env`, once.
    fn explain(&mut self, os: &str, env: Option<&str>) -> (String, Option<String>) {
        let key = (os.to_owned(), env.map(str::to_owned));
        if !self.explained.contains_key(&key) {
            let explanation = explain::explain_with(self.loaded, &self.typed, os, None, env).ok();
            self.explained.insert(key.clone(), explanation);
        }
        key
    }

    /// The effective settings of build `id` in `env`, as `explain` shows them, once
    /// [`Settings::explain`] has explained its OS there.
    fn rows(&self, key: &(String, Option<String>), id: &BuildId) -> Vec<&Row> {
        let Some(Some(explanation)) = self.explained.get(key) else {
            return Vec::new();
        };
        // The addresses of a Windows OS are one row per edition; a build keeps its own.
        let own_address = id
            .edition
            .as_ref()
            .map(|e| format!("network.address ({e})"));
        let common = explanation.common.iter().filter(|r| {
            !r.setting.starts_with("network.address (") || Some(&r.setting) == own_address.as_ref()
        });
        let platform = explanation
            .sections
            .iter()
            .filter(|s| s.platform == id.platform)
            .flat_map(|s| &s.rows);
        common.chain(platform).collect()
    }
}

/// What is the same on both sides for every build, found once.
pub(super) struct Same {
    /// Everything but the OSes and the environments.
    shared: bool,
    /// The environments that are the same on both sides.
    environments: HashSet<String>,
}

/// Explains in their base values, on both sides at once, the OSes that both sides have and
/// whose inputs differ: the explanations [`changes`] needs first. Returns what is the same on
/// both sides, for [`changes`].
pub(super) fn prepare(base: &mut Settings<'_>, head: &mut Settings<'_>) -> Same {
    let shared = base.spec == head.spec;
    let environments = head
        .loaded
        .spec
        .environments
        .iter()
        .filter(|(name, env)| base.loaded.spec.environments.get(*name) == Some(*env))
        .map(|(name, _)| name.clone())
        .collect();
    let oses: Vec<&str> = head
        .loaded
        .spec
        .oses
        .iter()
        .filter(|(name, os)| {
            let before = base.loaded.spec.oses.get(*name);
            before.is_some() && !(shared && before == Some(*os))
        })
        .map(|(name, _)| name.as_str())
        .collect();
    let explain_all = |side: &mut Settings<'_>| {
        for os in &oses {
            side.explain(os, None);
        }
    };
    std::thread::scope(|scope| {
        scope.spawn(|| explain_all(base));
        explain_all(head);
    });
    Same {
        shared,
        environments,
    }
}

/// The settings of build `id` that differ from `base` to `head`, each with the environments
/// it differs in (none when there are no `environments`).
///
/// An environment that is the same on both sides changes only the settings it may override
/// (the platform settings of [`crate::platform::SETTINGS`] and the network, which an
/// environment's `network` replaces); a setting that differs without one (`hardware.cpus`)
/// differs alike in each such environment, so the build is explained in it only when a
/// setting it may override differs.
pub(super) fn changes(
    base: &mut Settings<'_>,
    head: &mut Settings<'_>,
    same: &Same,
    id: &BuildId,
    environments: &[String],
) -> Vec<(Change, Vec<String>)> {
    // Everything but the environments that `explain` reads is the same on both sides.
    let same_os =
        same.shared && base.loaded.spec.oses.get(&id.os) == head.loaded.spec.oses.get(&id.os);
    let plain = if same_os {
        Vec::new()
    } else {
        compare_in(base, head, id, None)
    };
    if environments.is_empty() {
        return plain.into_iter().map(|c| (c, Vec::new())).collect();
    }
    let overridable = plain.iter().any(|change| match change {
        Change::Setting { setting, .. } => {
            setting.starts_with("network.")
                || crate::platform::SETTINGS
                    .iter()
                    .any(|s| s.platform == id.platform && s.label == setting)
        }
        _ => false,
    });
    let mut found: Vec<(Change, Vec<String>)> = Vec::new();
    for env in environments {
        let same_env = same.environments.contains(env);
        let in_env = if same_env && same_os {
            Vec::new()
        } else if same_env && !overridable {
            plain.clone()
        } else {
            compare_in(base, head, id, Some(env))
        };
        for change in in_env {
            match found.iter_mut().find(|(c, _)| *c == change) {
                Some((_, envs)) => envs.push(env.clone()),
                None => found.push((change, vec![env.clone()])),
            }
        }
    }
    found
}

/// The settings of build `id` whose effective value differs in `env`.
fn compare_in(
    base: &mut Settings<'_>,
    head: &mut Settings<'_>,
    id: &BuildId,
    env: Option<&str>,
) -> Vec<Change> {
    let (before, after) = (base.explain(&id.os, env), head.explain(&id.os, env));
    compare_rows(&base.rows(&before, id), &head.rows(&after, id))
}

/// The settings whose effective value differs, in the work tree's order.
fn compare_rows(before: &[&Row], after: &[&Row]) -> Vec<Change> {
    let mut changes = Vec::new();
    // Mostly the same settings in the same order, whose values are then all there is to see.
    let aligned = before.len() == after.len()
        && before
            .iter()
            .zip(after)
            .all(|(a, b)| a.setting == b.setting);
    if aligned && before.iter().zip(after).all(|(a, b)| a.value == b.value) {
        return changes;
    }
    let old: HashMap<&str, &Row> = before.iter().map(|r| (r.setting.as_str(), *r)).collect();
    let new: HashMap<&str, &Row> = after.iter().map(|r| (r.setting.as_str(), *r)).collect();
    let order = after.iter().chain(
        before
            .iter()
            .filter(|r| !new.contains_key(r.setting.as_str())),
    );
    for row in order {
        let (was, is) = (old.get(row.setting.as_str()), new.get(row.setting.as_str()));
        let value =
            |r: Option<&&Row>| r.map_or_else(|| "(not set)".to_owned(), |r| r.value.clone());
        if was.map(|r| &r.value) == is.map(|r| &r.value) {
            continue;
        }
        let layer = is.or(was).map_or(LayerName("default"), |r| r.layer.into());
        changes.push(Change::Setting {
            setting: row.setting.clone(),
            old: value(was),
            new: value(is),
            layer,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Loaded {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        crate::load(&root.join("spec/hybrid.yaml")).expect("the example is valid")
    }

    #[test]
    fn an_unchanged_environment_shows_a_change_it_cannot_override() {
        let loaded = example();
        let mut changed = example();
        changed.spec.defaults.hardware.cpus = Some(6);
        let (mut base, mut head) = (Settings::new(&loaded), Settings::new(&changed));
        let id = BuildId {
            os: "rocky-9".into(),
            platform: crate::spec::PlatformName::Proxmox,
            edition: None,
        };
        let envs = vec!["dev".to_owned(), "prod".to_owned()];
        let same = prepare(&mut base, &mut head);
        let found = changes(&mut base, &mut head, &same, &id, &envs);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, envs);
        // Only the base values were explained, not each environment.
        assert!(head.explained.keys().all(|(_, env)| env.is_none()));
    }
}
