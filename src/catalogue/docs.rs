//! The pinned plugins' own words on each builder argument, for an editor to show.
//!
//! `data/plugins/docs/<component>.json` maps an argument's path (the names of the blocks
//! around it, then its own, joined with `.`) to the first paragraph of its entry in the
//! plugin's generated docs partials, read at the pinned commits by
//! `data/plugins/extract_docs.py` (`data/plugins/README.md` records the sources and their
//! licence). An argument the partials do not document has no entry: nothing is made up.
//!
//! The text is only ever shown; no stage decides anything by it. It is parsed apart from the
//! facts of [`Component::schema`], at its first use, so compiling never pays for it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::Component;

impl Component {
    /// The argument documentation of a builder; `None` for the components the editor never
    /// documents (provisioners and post-processors take no passthrough `options:`).
    fn docs_data(self) -> Option<&'static str> {
        Some(match self {
            Component::ProxmoxIso => include_str!("../../data/plugins/docs/proxmox-iso.json"),
            Component::ProxmoxClone => include_str!("../../data/plugins/docs/proxmox-clone.json"),
            Component::VsphereIso => include_str!("../../data/plugins/docs/vsphere-iso.json"),
            Component::VsphereClone => include_str!("../../data/plugins/docs/vsphere-clone.json"),
            Component::AzureArm => include_str!("../../data/plugins/docs/azure-arm.json"),
            _ => return None,
        })
    }

    fn docs(self) -> &'static BTreeMap<String, String> {
        static LOADED: [OnceLock<BTreeMap<String, String>>; Component::COUNT] =
            [const { OnceLock::new() }; Component::COUNT];
        LOADED[self as usize].get_or_init(|| {
            self.docs_data().map_or_else(BTreeMap::new, |data| {
                serde_json::from_str(data)
                    .expect("the embedded argument documentation is a JSON object of strings")
            })
        })
    }

    /// The plugin's documentation of the argument or block at `path` (the names of the blocks
    /// around it, then its own), as markdown; `None` where the pinned docs have none.
    ///
    /// # Examples
    ///
    /// ```
    /// use hybridc::catalogue::Component;
    ///
    /// let doc = Component::ProxmoxIso.doc(&["cpu_type"]).expect("documented upstream");
    /// assert!(doc.starts_with("The CPU type to emulate."));
    /// assert_eq!(Component::ProxmoxIso.doc(&["packer_build_name"]), None);
    /// ```
    pub fn doc(self, path: &[&str]) -> Option<&'static str> {
        self.docs().get(&path.join(".")).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Per builder, how many of its arguments and blocks the pinned partials document, and the
    /// ones they do not, as `data/plugins/extract_docs.py` reports them: fields tagged
    /// `undocumented:"true"` (`http_interface`, `ssh_wait_timeout`); the SDK v0.6.0 tunnel
    /// settings, whose entries vSphere's pinned SDK leaves empty; and azure's `azure_tag`
    /// block, whose `name`/`value` come from the SDK's `config.NameValue`, which has no partial.
    /// Packer's own `packer_*` settings and the key material it fills in are never documented
    /// and never offered ([`packer_own`]).
    const COVERAGE: [(Component, usize, &[&str]); 5] = [
        (
            Component::ProxmoxIso,
            183,
            &["http_interface", "ssh_wait_timeout"],
        ),
        (
            Component::ProxmoxClone,
            167,
            &["http_interface", "ssh_wait_timeout"],
        ),
        (
            Component::VsphereIso,
            164,
            &[
                "http_interface",
                "ssh_local_tunnels",
                "ssh_remote_tunnels",
                "ssh_wait_timeout",
            ],
        ),
        (
            Component::VsphereClone,
            183,
            &[
                "http_interface",
                "ssh_local_tunnels",
                "ssh_remote_tunnels",
                "ssh_wait_timeout",
            ],
        ),
        (
            Component::AzureArm,
            159,
            &["azure_tag.name", "azure_tag.value", "ssh_wait_timeout"],
        ),
    ];

    /// Filled in by Packer itself: never documented, never offered.
    fn packer_own(path: &str) -> bool {
        path.starts_with("packer_") || path == "ssh_private_key" || path == "ssh_public_key"
    }

    #[test]
    fn every_builder_argument_is_documented_or_listed_as_undocumented_upstream() {
        for (component, documented, listed) in COVERAGE {
            let schema = component.schema();
            let mut paths: Vec<String> = schema
                .all_arguments()
                .into_iter()
                .map(|(path, _)| path.join("."))
                .collect();
            paths.extend(block_paths(&schema.blocks, ""));
            paths.retain(|p| !packer_own(p));
            let (mut found, mut missing): (Vec<&str>, Vec<&str>) = paths
                .iter()
                .map(String::as_str)
                .partition(|p| component.doc(&p.split('.').collect::<Vec<_>>()).is_some());
            missing.sort_unstable();
            assert_eq!(missing, listed, "{}", component.name());
            assert_eq!(found.len(), documented, "{}", component.name());
            found.sort_unstable();
            let entries: Vec<&str> = component.docs().keys().map(String::as_str).collect();
            assert_eq!(
                entries,
                found,
                "{}: every entry names a catalogued argument",
                component.name()
            );
        }
    }

    fn block_paths(
        blocks: &BTreeMap<String, crate::catalogue::BlockSchema>,
        at: &str,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for (name, block) in blocks {
            let path = format!("{at}{name}");
            out.extend(block_paths(&block.blocks, &format!("{path}.")));
            out.push(path);
        }
        out
    }

    #[test]
    fn the_documentation_is_the_plugins_text() {
        assert_eq!(
            Component::ProxmoxIso.doc(&["cpu_type"]),
            Some(
                "The CPU type to emulate. See the Proxmox API\n\
                 documentation for the complete list of accepted values. For best\n\
                 performance, set this to `host`. Defaults to `kvm64`."
            )
        );
        // A nested argument is read from its own block's struct, not from a top-level namesake.
        let nested = Component::ProxmoxIso.doc(&["boot_iso", "iso_file"]);
        assert!(nested.is_some_and(|d| !d.starts_with("DEPRECATED")));
        let top = Component::ProxmoxIso.doc(&["iso_file"]);
        assert!(top.is_some_and(|d| d.starts_with("DEPRECATED")));
        assert_eq!(Component::Shell.doc(&["inline"]), None);
        for c in Component::BUILDERS {
            for text in c.docs().values() {
                assert!(
                    !text.is_empty() && text.len() <= 600,
                    "{}: {text:?}",
                    c.name()
                );
            }
        }
    }
}
