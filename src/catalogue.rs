//! The argument catalogue of the pinned Packer components.
//!
//! The data in `data/plugins/*.json` was read from the released sources of each plugin (see
//! `data/plugins/README.md` for repositories, tags and commits) and is embedded in the binary.
//! This module answers "does this component take this argument, with which type, and is it
//! deprecated"; it does not decide what hybridc emits.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// A catalogued Packer component (builder, provisioner or post-processor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Component {
    /// `proxmox-iso` builder.
    ProxmoxIso,
    /// `proxmox-clone` builder.
    ProxmoxClone,
    /// `vsphere-iso` builder.
    VsphereIso,
    /// `vsphere-clone` builder.
    VsphereClone,
    /// `azure-arm` builder.
    AzureArm,
    /// `shell` provisioner.
    Shell,
    /// `powershell` provisioner.
    Powershell,
    /// `windows-restart` provisioner.
    WindowsRestart,
    /// `file` provisioner.
    File,
    /// `ansible` provisioner.
    Ansible,
    /// `manifest` post-processor.
    Manifest,
    /// `vsphere-template` post-processor.
    VsphereTemplate,
}

impl Component {
    /// The component's type name in HCL (`source "proxmox-iso" ...`).
    pub fn name(self) -> &'static str {
        match self {
            Component::ProxmoxIso => "proxmox-iso",
            Component::ProxmoxClone => "proxmox-clone",
            Component::VsphereIso => "vsphere-iso",
            Component::VsphereClone => "vsphere-clone",
            Component::AzureArm => "azure-arm",
            Component::Shell => "shell",
            Component::Powershell => "powershell",
            Component::WindowsRestart => "windows-restart",
            Component::File => "file",
            Component::Ansible => "ansible",
            Component::Manifest => "manifest",
            Component::VsphereTemplate => "vsphere-template",
        }
    }

    /// The `required_plugins` entry the component needs: `(name, source)`; `None` for the
    /// components built into Packer.
    pub fn plugin(self) -> Option<(&'static str, &'static str)> {
        match self {
            Component::ProxmoxIso | Component::ProxmoxClone => {
                Some(("proxmox", "github.com/hashicorp/proxmox"))
            }
            Component::VsphereIso | Component::VsphereClone | Component::VsphereTemplate => {
                Some(("vsphere", "github.com/hashicorp/vsphere"))
            }
            Component::AzureArm => Some(("azure", "github.com/hashicorp/azure")),
            Component::Ansible => Some(("ansible", "github.com/hashicorp/ansible")),
            Component::Shell
            | Component::Powershell
            | Component::WindowsRestart
            | Component::File
            | Component::Manifest => None,
        }
    }

    fn data(self) -> &'static str {
        match self {
            Component::ProxmoxIso => include_str!("../data/plugins/proxmox-iso.json"),
            Component::ProxmoxClone => include_str!("../data/plugins/proxmox-clone.json"),
            Component::VsphereIso => include_str!("../data/plugins/vsphere-iso.json"),
            Component::VsphereClone => include_str!("../data/plugins/vsphere-clone.json"),
            Component::AzureArm => include_str!("../data/plugins/azure-arm.json"),
            Component::Shell => include_str!("../data/plugins/shell.json"),
            Component::Powershell => include_str!("../data/plugins/powershell.json"),
            Component::WindowsRestart => include_str!("../data/plugins/windows-restart.json"),
            Component::File => include_str!("../data/plugins/file.json"),
            Component::Ansible => include_str!("../data/plugins/ansible.json"),
            Component::Manifest => include_str!("../data/plugins/manifest.json"),
            Component::VsphereTemplate => include_str!("../data/plugins/vsphere-template.json"),
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The component's catalogue entry.
    pub fn schema(self) -> &'static ComponentSchema {
        static LOADED: [OnceLock<ComponentSchema>; 12] = [const { OnceLock::new() }; 12];
        LOADED[self.index()].get_or_init(|| {
            serde_json::from_str(self.data())
                .expect("the embedded plugin catalogue is valid JSON of the documented shape")
        })
    }
}

/// The arguments and nested blocks of a component, or of one of its blocks.
#[derive(Debug, Clone, Deserialize)]
pub struct ComponentSchema {
    /// Plugin version the data was read from.
    #[serde(default)]
    pub plugin_version: Option<String>,
    /// Arguments by name.
    #[serde(default)]
    pub arguments: BTreeMap<String, Argument>,
    /// Nested blocks by name.
    #[serde(default)]
    pub blocks: BTreeMap<String, BlockSchema>,
    /// Arguments Packer core decodes on every provisioner or post-processor block (`only`, ...).
    #[serde(default)]
    pub core_block_arguments: BTreeMap<String, CoreArgument>,
    /// Either/or and other rules between arguments.
    #[serde(default)]
    pub conditional_requirements: Vec<Rule>,
}

/// An argument Packer core decodes itself.
#[derive(Debug, Clone, Deserialize)]
pub struct CoreArgument {
    /// HCL type.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// A rule between arguments (`exactly_one_of`, `at_least_one_of`, ...).
#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    /// The rule kind.
    pub rule: String,
    /// The block the rule applies inside; the component's body when absent.
    #[serde(default)]
    pub scope: Option<String>,
    /// Alternatives: `a|b` is either spelling of one choice, `a+b` a group set together.
    #[serde(default)]
    pub arguments: Vec<String>,
    /// A condition in words, when the rule is conditional.
    #[serde(default)]
    pub when: Option<String>,
    /// The bound of `min_items` / `max_items`.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
}

/// A nested block.
#[derive(Debug, Clone, Deserialize)]
pub struct BlockSchema {
    /// May appear more than once.
    pub repeatable: bool,
    /// Must appear whenever its scope is present.
    #[serde(default)]
    pub required: bool,
    /// Deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Replacement of a deprecated block.
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// Arguments by name.
    #[serde(default)]
    pub arguments: BTreeMap<String, Argument>,
    /// Nested blocks by name.
    #[serde(default)]
    pub blocks: BTreeMap<String, BlockSchema>,
}

/// One argument.
#[derive(Debug, Clone, Deserialize)]
pub struct Argument {
    /// HCL type: `string`, `number`, `bool`, `list(string)`, `map(string)`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Required whenever its scope is present.
    #[serde(default)]
    pub required: bool,
    /// Deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Replacement of a deprecated argument.
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// Filled in by Packer itself; never set by users.
    #[serde(default)]
    pub internal: bool,
}

/// Does a JSON literal fit an HCL type string from the catalogue?
pub fn fits(kind: &str, value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (kind, value) {
        ("string", Value::String(_)) => true,
        // HCL converts numbers and bools to strings where a string is expected.
        ("string", Value::Number(_) | Value::Bool(_)) => true,
        ("number", Value::Number(_)) => true,
        ("bool", Value::Bool(_)) => true,
        (list, Value::Array(items)) if list.starts_with("list(") => {
            let inner = &list[5..list.len() - 1];
            items.iter().all(|i| fits(inner, i))
        }
        (map, Value::Object(entries)) if map.starts_with("map(") => {
            let inner = &map[4..map.len() - 1];
            entries.values().all(|v| fits(inner, v))
        }
        _ => false,
    }
}

/// The type as a user reads it in a message.
pub fn describe(kind: &str) -> String {
    match kind {
        "string" => "a string".into(),
        "number" => "a number".into(),
        "bool" => "`true` or `false`".into(),
        other if other.starts_with("list(") => format!("a list of {}s", &other[5..other.len() - 1]),
        other if other.starts_with("map(") => {
            format!("a mapping of {}s", &other[4..other.len() - 1])
        }
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_component_loads() {
        for c in [
            Component::ProxmoxIso,
            Component::ProxmoxClone,
            Component::VsphereIso,
            Component::VsphereClone,
            Component::AzureArm,
        ] {
            assert!(
                c.schema().arguments.len() > 50,
                "{} has arguments",
                c.name()
            );
        }
        let iso = Component::ProxmoxIso.schema();
        assert!(iso.arguments["iso_file"].deprecated);
        assert!(iso.blocks.contains_key("boot_iso"));
        assert_eq!(
            Component::VsphereIso.schema().arguments["CPUs"].kind,
            "number"
        );
    }

    #[test]
    fn literal_types_fit_hcl_types() {
        use serde_json::json;
        assert!(fits("list(string)", &json!(["a", "b"])));
        assert!(!fits("list(string)", &json!([["a"]])));
        assert!(fits("number", &json!(4)));
        assert!(!fits("bool", &json!("yes")));
        assert!(fits("map(string)", &json!({"a": "b"})));
    }
}
