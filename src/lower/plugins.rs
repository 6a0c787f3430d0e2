//! `required_plugins`: the plugins of the components a model uses.

use std::collections::BTreeSet;

use crate::catalogue::Component;
use crate::model::{Model, Plugin};

/// `required_plugins` for the components in use, pinned to the catalogued versions.
pub(super) fn plugins(model: &Model) -> Vec<Plugin> {
    let mut components: BTreeSet<Component> = model.sources.iter().map(|s| s.component).collect();
    for build in &model.builds {
        components.extend(build.provisioners.iter().map(|p| p.component));
        components.extend(build.post_processors.iter().map(|p| p.component));
    }
    let mut plugins: Vec<Plugin> = components
        .into_iter()
        .filter_map(|c| {
            let (name, source) = c.plugin()?;
            let version = c.schema().plugin_version.clone().unwrap_or_default();
            Some(Plugin {
                name: name.to_owned(),
                source: source.to_owned(),
                version,
            })
        })
        .collect();
    plugins.sort();
    plugins.dedup();
    plugins
}
