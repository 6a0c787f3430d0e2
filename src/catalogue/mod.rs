//! The argument catalogue of the pinned Packer components.
//!
//! The data in `data/plugins/*.json` was read from the released sources of each plugin (see
//! `data/plugins/README.md` for repositories, tags and commits) and is embedded in the binary.
//! This module answers "does this component take this argument, with which type, is it
//! deprecated, and does it hold a secret"; it does not decide what hybridc emits.
//!
//! Whether an argument holds a secret is decided here, once, by [`secrecy`], and stored on every
//! [`Argument`] as it is loaded, so the stages that care (the `options:` check, the lowering of
//! `{ env: NAME }` values, conformance) read the same answer.
//!
//! Argument types and rule kinds are parsed into [`Type`] and [`RuleKind`] as the data is
//! loaded (`types.rs`). [`check`] is the one walk of a body against a component's entry, which
//! the `options:` check and conformance both use.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

pub mod check;
mod docs;
mod names;
mod required;

use required::Required;
mod types;

pub(crate) use names::NameMap;
pub use types::{RuleKind, Type, compatible, fits};

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
    /// How many components there are: the length of [`Component::ALL`] and of the schema cache.
    pub const COUNT: usize = 12;

    /// Every catalogued component, in declaration order.
    pub const ALL: [Component; Component::COUNT] = [
        Component::ProxmoxIso,
        Component::ProxmoxClone,
        Component::VsphereIso,
        Component::VsphereClone,
        Component::AzureArm,
        Component::Shell,
        Component::Powershell,
        Component::WindowsRestart,
        Component::File,
        Component::Ansible,
        Component::Manifest,
        Component::VsphereTemplate,
    ];

    /// The builders, whose source blocks take passthrough `options`.
    pub const BUILDERS: [Component; 5] = [
        Component::ProxmoxIso,
        Component::ProxmoxClone,
        Component::VsphereIso,
        Component::VsphereClone,
        Component::AzureArm,
    ];

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
            Component::ProxmoxIso => include_str!("../../data/plugins/proxmox-iso.json"),
            Component::ProxmoxClone => include_str!("../../data/plugins/proxmox-clone.json"),
            Component::VsphereIso => include_str!("../../data/plugins/vsphere-iso.json"),
            Component::VsphereClone => include_str!("../../data/plugins/vsphere-clone.json"),
            Component::AzureArm => include_str!("../../data/plugins/azure-arm.json"),
            Component::Shell => include_str!("../../data/plugins/shell.json"),
            Component::Powershell => include_str!("../../data/plugins/powershell.json"),
            Component::WindowsRestart => include_str!("../../data/plugins/windows-restart.json"),
            Component::File => include_str!("../../data/plugins/file.json"),
            Component::Ansible => include_str!("../../data/plugins/ansible.json"),
            Component::Manifest => include_str!("../../data/plugins/manifest.json"),
            Component::VsphereTemplate => include_str!("../../data/plugins/vsphere-template.json"),
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The component's catalogue entry, with the [`Secrecy`] of every argument filled in.
    pub fn schema(self) -> &'static ComponentSchema {
        static LOADED: [OnceLock<ComponentSchema>; Component::COUNT] =
            [const { OnceLock::new() }; Component::COUNT];
        LOADED[self.index()].get_or_init(|| {
            let mut schema: ComponentSchema = serde_json::from_str(self.data())
                .expect("the embedded plugin catalogue is valid JSON of the documented shape");
            classify(
                self,
                &mut Vec::new(),
                &mut schema.arguments,
                &mut schema.blocks,
            );
            schema
        })
    }
}

/// Fills in the secrecy of the arguments of one body and of its nested blocks; `path` holds
/// the names of the blocks around it.
fn classify<'a>(
    component: Component,
    path: &mut Vec<&'a str>,
    arguments: &'a mut BTreeMap<String, Argument>,
    blocks: &'a mut BTreeMap<String, BlockSchema>,
) {
    for (name, argument) in arguments.iter_mut() {
        path.push(name);
        argument.secrecy = secrecy(component, path);
        path.pop();
    }
    for (name, block) in blocks.iter_mut() {
        path.push(name);
        classify(component, path, &mut block.arguments, &mut block.blocks);
        path.pop();
    }
}

/// Whether an argument holds a secret value, and what says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Secrecy {
    /// Not a secret.
    #[default]
    Plain,
    /// A secret by its name: the last word is one of [`SECRET_WORDS`].
    Name,
    /// A secret by the plugin's docs, although its name does not say so ([`REVIEWED`]).
    Docs(&'static str),
    /// Not a secret by the plugin's docs, although its name looks like one ([`REVIEWED`]).
    NotByDocs(&'static str),
}

impl Secrecy {
    /// True when the argument holds a secret.
    pub fn is_secret(self) -> bool {
        matches!(self, Secrecy::Name | Secrecy::Docs(_))
    }
}

/// The words that, as the last word of an argument's name, say it holds a secret value:
/// `ssh_password`, `client_secret`, `oidc_request_token`, `product_key`. Only the last word
/// counts, because the others name something about a secret that is not one itself: a path
/// (`ssh_private_key_file`), a name (`build_key_vault_secret_name`, `temporary_key_pair_name`),
/// a duration (`sas_token_duration`), a setting (`ssh_key_exchange_algorithms`).
///
/// The catalogue keeps no argument descriptions (`data/plugins/README.md`), so the docs'
/// wording enters through [`REVIEWED`]: every argument of the pinned components whose docs
/// speak of passwords, secrets, tokens, keys or credentials was read against this rule, and
/// only the ones it gets wrong are listed there. Arguments that hold whole files or free-form
/// values (`http_content`, `cd_content`, `custom_data`, `user_data`,
/// `customize.windows_sysprep_text`, `vapp.properties`, `configuration_parameters`) are not
/// secrets by their docs and stay plain: what goes into them is the user's to judge.
pub const SECRET_WORDS: [&str; 4] = ["password", "secret", "token", "key"];

/// An argument whose docs decide against the name rule.
#[derive(Debug)]
pub struct Review {
    /// The components it applies to.
    pub components: &'static [Component],
    /// The argument: its name, after the names of the blocks around it, joined with `.`.
    pub path: &'static str,
    /// A secret or not.
    pub secret: bool,
    /// The docs' words, with where they were read.
    pub why: &'static str,
}

/// The arguments whose docs decide against [`SECRET_WORDS`], each checked against the pinned
/// sources (`data/plugins/README.md` names them).
pub const REVIEWED: &[Review] = &[
    Review {
        components: &[Component::AzureArm],
        path: "client_jwt",
        secret: true,
        why: "packer-plugin-azure v2.6.3 docs-partials/builder/azure/common/client/Config-not-required.mdx: \
              \"The ID token when authenticating using OpenID Connect (OIDC).\", a bearer credential",
    },
    Review {
        components: &Component::BUILDERS,
        path: "ssh_public_key",
        secret: false,
        why: "packer-plugin-sdk communicator/config.go: the public half of the key pair Packer \
              generates (set by Packer itself, never by users)",
    },
];

/// Whether the argument at `path` (the names of the blocks around it, then its own) of
/// `component` holds a secret: [`REVIEWED`] where it lists the argument, else [`SECRET_WORDS`].
pub fn secrecy(component: Component, path: &[&str]) -> Secrecy {
    let dotted = path.join(".");
    if let Some(review) = REVIEWED
        .iter()
        .find(|r| r.path == dotted && r.components.contains(&component))
    {
        return if review.secret {
            Secrecy::Docs(review.why)
        } else {
            Secrecy::NotByDocs(review.why)
        };
    }
    if secret_by_name(path.last().copied().unwrap_or_default()) {
        Secrecy::Name
    } else {
        Secrecy::Plain
    }
}

/// The name rule alone: the last `_`-separated word of `name` is one of [`SECRET_WORDS`]. Also
/// good for names the catalogue does not know (a misspelt option).
pub fn secret_by_name(name: &str) -> bool {
    let last = name.rsplit('_').next().unwrap_or(name).to_ascii_lowercase();
    SECRET_WORDS.contains(&last.as_str())
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
    /// What the component's own body must hold, worked out at its first check.
    #[serde(skip)]
    holds: OnceLock<Required>,
}

/// An argument Packer core decodes itself.
#[derive(Debug, Clone, Deserialize)]
pub struct CoreArgument {
    /// HCL type.
    #[serde(rename = "type", default)]
    pub kind: Option<Type>,
}

/// A rule between arguments (`exactly_one_of`, `at_least_one_of`, ...).
#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    /// The rule kind.
    pub rule: RuleKind,
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
    pub value: Option<usize>,
}

impl BlockSchema {
    /// How a passthrough value (`options:`) gives this block: each item of a list, with its
    /// index, for a repeatable block, or one mapping; `None` for a value of neither shape.
    pub fn items<'v>(
        &self,
        value: &'v serde_json::Value,
    ) -> Option<Vec<(Option<usize>, &'v serde_json::Value)>> {
        match value {
            serde_json::Value::Array(items) if self.repeatable => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (Some(i), v))
                    .collect(),
            ),
            serde_json::Value::Object(_) => Some(vec![(None, value)]),
            _ => None,
        }
    }
}

impl Rule {
    /// The bound of a `min_items` rule: at least one when the data gives none.
    pub fn minimum(&self) -> usize {
        self.value.unwrap_or(1)
    }
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
    /// What the block's body must hold, worked out at its first check.
    #[serde(skip)]
    holds: OnceLock<Required>,
}

/// One argument.
#[derive(Debug, Clone, Deserialize)]
pub struct Argument {
    /// HCL type: `string`, `number`, `bool`, `list(string)`, `map(string)`, ...
    #[serde(rename = "type")]
    pub kind: Type,
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
    /// Whether it holds a secret: not in the data, decided by [`secrecy`] on loading.
    #[serde(skip)]
    pub secrecy: Secrecy,
}

impl Argument {
    /// True when the argument holds a secret, which is never written as a literal.
    pub fn is_secret(&self) -> bool {
        self.secrecy.is_secret()
    }
}

impl ComponentSchema {
    /// Every argument, nested ones included, with the names of the blocks around it and its
    /// own, in name order (a body's arguments, then its blocks').
    pub fn all_arguments(&self) -> Vec<(Vec<&str>, &Argument)> {
        let mut out = Vec::new();
        collect(&mut Vec::new(), &self.arguments, &self.blocks, &mut out);
        out
    }
}

fn collect<'a>(
    path: &mut Vec<&'a str>,
    arguments: &'a BTreeMap<String, Argument>,
    blocks: &'a BTreeMap<String, BlockSchema>,
    out: &mut Vec<(Vec<&'a str>, &'a Argument)>,
) {
    for (name, argument) in arguments {
        path.push(name);
        out.push((path.clone(), argument));
        path.pop();
    }
    for (name, block) in blocks {
        path.push(name);
        collect(path, &block.arguments, &block.blocks, out);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_component_loads() {
        for c in Component::ALL {
            assert!(!c.schema().arguments.is_empty(), "{} loads", c.name());
        }
        for c in Component::BUILDERS {
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
            Type::Number
        );
    }

    #[test]
    fn a_passthrough_block_is_a_mapping_or_a_list_of_them_when_it_repeats() {
        use serde_json::json;
        let blocks = &Component::ProxmoxIso.schema().blocks;
        let (disks, boot) = (&blocks["disks"], &blocks["boot_iso"]);
        let two = json!([{ "disk_size": "1G" }, 5]);
        let items = disks.items(&two).expect("a list of a repeatable block");
        assert_eq!(
            items.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            [Some(0), Some(1)]
        );
        let one = json!({ "iso_file": "local:iso/x.iso" });
        assert_eq!(boot.items(&one).map(|i| i.len()), Some(1));
        assert!(boot.items(&json!([one])).is_none());
        assert!(disks.items(&json!("disk")).is_none());
    }

    #[test]
    fn the_name_rule_reads_the_last_word() {
        for secret in [
            "password",
            "ssh_password",
            "client_secret",
            "oidc_request_token",
            "product_key",
        ] {
            assert!(secret_by_name(secret), "{secret}");
        }
        for plain in [
            "ssh_private_key_file",
            "build_key_vault_secret_name",
            "sas_token_duration",
            "ssh_key_exchange_algorithms",
            "iso_checksum",
            "keyboard",
        ] {
            assert!(!secret_by_name(plain), "{plain}");
        }
    }

    #[test]
    fn every_review_names_a_catalogued_argument_and_changes_the_answer() {
        for review in REVIEWED {
            for component in review.components {
                let path: Vec<&str> = review.path.split('.').collect();
                let found = component
                    .schema()
                    .all_arguments()
                    .into_iter()
                    .find(|(p, _)| *p == path);
                let (_, argument) = found.unwrap_or_else(|| {
                    panic!("{} has no argument `{}`", component.name(), review.path)
                });
                assert_eq!(argument.is_secret(), review.secret, "{}", review.path);
                assert_ne!(
                    secret_by_name(path.last().expect("a name")),
                    review.secret,
                    "`{}` is decided by its name already",
                    review.path
                );
            }
        }
    }
}
