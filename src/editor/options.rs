//! Passthrough `options:` as an editor sees them: which plugin component a place passes
//! arguments to, the catalogue's entry of an argument, and the arguments hybridc sets itself,
//! which `options:` may not repeat.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::catalogue::{Argument, BlockSchema, Component};
use crate::loaded::Loaded;
use crate::platform;
use crate::spec::{BuilderKind, PlatformName};
use crate::yaml::Node;

/// Where a path is under `options:`: the component it passes arguments to, the OS whose
/// options they are (`None` for a platform's), and the argument names below `options`
/// (sequence indices of repeated blocks left out).
pub(crate) struct Place<'p> {
    /// The builder the options go to.
    pub component: Component,
    /// The platform.
    pub platform: PlatformName,
    /// The OS, for an OS's own options.
    pub os: Option<&'p str>,
    /// Argument and block names below `options`.
    pub names: Vec<&'p str>,
}

/// The options place of `path`, when it is at or below a platform's or an OS's `options`.
/// The builder is the one lowering picks ([`platform::builder_of`]) from `loaded`, the checked
/// spec; from the builders `tree` names when the spec does not load.
pub(super) fn place<'p>(
    tree: &Node,
    loaded: Option<&Loaded>,
    path: &[&'p str],
) -> Option<Place<'p>> {
    let (os, platform, rest) = match path {
        ["platforms", platform, "options", rest @ ..] => (None, *platform, rest),
        ["oses", os, platform, "options", rest @ ..] => (Some(*os), *platform, rest),
        _ => return None,
    };
    let platform = PlatformName::ALL
        .into_iter()
        .find(|p| p.as_str() == platform)?;
    let p = platform.as_str();
    let typed = loaded.map(|l| &l.spec).and_then(|spec| match os {
        Some(os) => Some(platform::builder_of(spec, spec.oses.get(os)?, platform)),
        None => Some(platform::default_builder(spec, platform)),
    });
    let builder = typed.unwrap_or_else(|| {
        let builder_at = |tokens: &[&str]| {
            let text = super::text_at(tree, tokens)?;
            serde_json::from_value::<BuilderKind>(text.into()).ok()
        };
        platform::builder_chosen(
            platform,
            os.and_then(|os| builder_at(&["oses", os, p, "builder"])),
            builder_at(&["platforms", p, "builder"]),
        )
    });
    Some(Place {
        component: platform::component(platform, builder),
        platform,
        os,
        names: rest
            .iter()
            .copied()
            .filter(|t| t.parse::<usize>().is_err())
            .collect(),
    })
}

/// A catalogue entry: an argument or a nested block.
pub(super) enum Entry<'c> {
    /// An argument.
    Argument(&'c Argument),
    /// A nested block.
    Block(&'c BlockSchema),
}

/// The catalogue entry a place names, with its name and component.
pub(super) struct Found<'c> {
    name: String,
    component: Component,
    entry: Entry<'c>,
    doc: Option<&'static str>,
}

/// The catalogue entry of the argument or block the path names under `options:`.
pub(super) fn argument_at(
    tree: &Node,
    loaded: Option<&Loaded>,
    path: &[&str],
) -> Option<Found<'static>> {
    let place = place(tree, loaded, path)?;
    let (last, blocks) = place.names.split_last()?;
    let (arguments, nested) = body(place.component, blocks)?;
    let entry = match (arguments.get(*last), nested.get(*last)) {
        (Some(argument), _) => Entry::Argument(argument),
        (None, Some(block)) => Entry::Block(block),
        (None, None) => return None,
    };
    Some(Found {
        name: (*last).to_owned(),
        component: place.component,
        entry,
        doc: place.component.doc(&place.names),
    })
}

type Body<'c> = (
    &'c std::collections::BTreeMap<String, Argument>,
    &'c std::collections::BTreeMap<String, BlockSchema>,
);

/// The arguments and blocks of a component's body, or of the block the names lead to.
pub(super) fn body(component: Component, blocks: &[&str]) -> Option<Body<'static>> {
    let schema = component.schema();
    let mut here: Body<'static> = (&schema.arguments, &schema.blocks);
    for name in blocks {
        let block = here.1.get(*name)?;
        here = (&block.arguments, &block.blocks);
    }
    Some(here)
}

impl Found<'_> {
    /// The entry in words: type, requirement, which plugin, the plugin's own documentation,
    /// deprecation and secrecy.
    pub fn markdown(&self) -> String {
        let mut out = format!("`{}`: ", self.name);
        out.push_str(&entry_summary(&self.entry));
        let schema = self.component.schema();
        let plugin = self.component.plugin().map_or("Packer", |(name, _)| name);
        let version = schema.plugin_version.as_deref().unwrap_or("pinned");
        let _ = write!(
            out,
            ", passed to `{}` ({plugin} plugin {version})",
            self.component.name()
        );
        if let Some(doc) = self.doc {
            let _ = write!(out, "\n\n{doc}");
        }
        let (deprecated, replaced_by) = match &self.entry {
            Entry::Argument(a) => (a.deprecated, a.replaced_by.as_deref()),
            Entry::Block(b) => (b.deprecated, b.replaced_by.as_deref()),
        };
        if deprecated {
            out.push_str("\n\nDeprecated");
            if let Some(new) = replaced_by {
                let _ = write!(out, ": use `{new}`");
            }
            out.push_str("; hybridc refuses it.");
        }
        if let Entry::Argument(a) = &self.entry
            && a.is_secret()
        {
            out.push_str("\n\nA secret: write it as `{ env: NAME }`.");
        }
        out
    }
}

/// `string, optional`, `block, repeatable`: what completion shows beside a name too.
pub(super) fn entry_summary(entry: &Entry<'_>) -> String {
    match entry {
        Entry::Argument(a) => format!(
            "`{}`, {}",
            a.kind,
            if a.required { "required" } else { "optional" }
        ),
        Entry::Block(b) => format!(
            "block{}, {}",
            if b.repeatable {
                " (a list of them)"
            } else {
                ""
            },
            if b.required { "required" } else { "optional" }
        ),
    }
}

/// The top-level arguments hybridc sets itself in the sources of `place` (its OS's, or every
/// OS's on its platform): the lowered sources of the spec with every `options:` left out,
/// which is what `options:` would collide with.
pub(crate) fn set_by_hybridc(loaded: &Loaded, place: &Place<'_>) -> BTreeSet<String> {
    let mut spec = loaded.spec.clone();
    for platform in [
        spec.platforms.proxmox.as_mut().map(|p| &mut p.options),
        spec.platforms.vsphere.as_mut().map(|p| &mut p.options),
        spec.platforms.azure.as_mut().map(|p| &mut p.options),
    ]
    .into_iter()
    .flatten()
    {
        platform.clear();
    }
    for os in spec.oses.values_mut() {
        for options in [
            os.proxmox.as_mut().map(|p| &mut p.options),
            os.vsphere.as_mut().map(|p| &mut p.options),
            os.azure.as_mut().map(|p| &mut p.options),
        ]
        .into_iter()
        .flatten()
        {
            options.clear();
        }
    }
    let without = Loaded {
        spec,
        source: loaded.source.clone(),
        tree: loaded.tree.clone(),
        root: loaded.root.clone(),
        repository: loaded.repository.clone(),
        warnings: Vec::new(),
    };
    let layout = crate::lower::Layout {
        spec_path: loaded.source.name.clone(),
        to_root: "..".to_owned(),
    };
    let Ok((model, _)) = crate::lower::lower(&without, &layout) else {
        return BTreeSet::new();
    };
    model
        .sources
        .iter()
        .filter(|s| s.platform == place.platform && s.component == place.component)
        .filter(|s| place.os.is_none_or(|os| s.os == os))
        .flat_map(|s| s.body.names().map(str::to_owned))
        .collect()
}
