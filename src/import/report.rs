//! The proof of equivalence as data, and its two forms: the text `hybridc import` prints and
//! the JSON document of `--format json`.
//!
//! A [`Report`] holds values already shown and masked by the comparison: nothing in it is a
//! secret, so neither form can print one. This module only lays the report out; what differs,
//! and why, is decided in [`super::compare`].

use std::path::PathBuf;

use serde_json::{Value as Json, json};

use crate::spec::PlatformName;

/// What stands for a secret value in the report.
pub const MASK: &str = "********";

/// Values longer than this many characters are shown with their middle elided.
pub const MAX_VALUE: usize = 80;

/// The comparison of an imported tree with the tree its spec compiles to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// The environments compared, in order.
    pub environments: Vec<String>,
    /// One entry per original source, by OS, then platform, then compiled source.
    pub sources: Vec<SourceReport>,
    /// Where the original sources' arguments went.
    pub shares: Shares,
}

/// One original source against the compiled source it became.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceReport {
    /// The OS it became.
    pub os: String,
    /// The platform it builds on.
    pub platform: PlatformName,
    /// The original folder.
    pub folder: PathBuf,
    /// The original source, as `TYPE.NAME`.
    pub original: String,
    /// The compiled source, as `TYPE.NAME`.
    pub compiled: String,
    /// Every argument, step and post-processor compared, equal ones included.
    pub entries: Vec<Entry>,
}

/// One compared argument (of the source, of a step, or a whole step).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// What is compared: `vm_name`, `network_adapters[0].network`, `provisioner[2].scripts`,
    /// `post-processor[0]` (a whole step).
    pub path: String,
    /// How the two sides differ.
    pub difference: Difference,
    /// Why hybridc makes this difference, when it makes it on purpose.
    pub reason: Option<Reason>,
    /// What was compared.
    pub basis: Basis,
    /// The environments where this holds; every compared environment when the value does not
    /// differ by environment.
    pub environments: Vec<String>,
    /// What more the comparison knows of an unexpected difference.
    pub note: Option<String>,
}

impl Entry {
    /// Whether this entry is no difference, or one hybridc makes on purpose.
    pub fn expected(&self) -> bool {
        match (&self.difference, &self.reason) {
            (Difference::Equal, _) => true,
            (_, Some(reason)) => reason.expected(),
            (_, None) => false,
        }
    }
}

/// How an argument of the original compares with the compiled one. Values are shown as HCL,
/// secrets masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// The same value.
    Equal,
    /// Both set it, to different values.
    Changed {
        /// The original value.
        old: String,
        /// The compiled value.
        new: String,
    },
    /// Only the original sets it.
    Dropped {
        /// The original value.
        old: String,
    },
    /// Only the compiled tree sets it.
    Added {
        /// The compiled value.
        new: String,
    },
}

impl Difference {
    /// `equal`, `changed`, `dropped` or `added`.
    pub fn kind(&self) -> &'static str {
        match self {
            Difference::Equal => "equal",
            Difference::Changed { .. } => "changed",
            Difference::Dropped { .. } => "dropped",
            Difference::Added { .. } => "added",
        }
    }
}

/// What a value was compared by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The evaluated values.
    Value,
    /// The content of the files both sides name (templates, scripts), both read.
    Content,
    /// The paths of the files both sides name, one of them unreadable.
    Path,
}

impl Basis {
    fn as_str(self) -> &'static str {
        match self {
            Basis::Value => "value",
            Basis::Content => "content",
            Basis::Path => "path",
        }
    }
}

/// A difference hybridc makes on purpose, or the mapper's reason for dropping an argument.
///
/// Each variant is something the compiler's lowering does to every source it writes; the
/// comparison names where (`super::compare::reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `vm_name`, `template_name`, `managed_image_name`, the gallery image version.
    VersionedName,
    /// The content library item and the gallery image are named after the OS.
    ArtifactName,
    /// `notes`, `template_description`, `description`.
    Description,
    /// `boot_command`, `boot_wait`.
    BootCommand,
    /// `http_content` in place of `http_directory`.
    HttpContent,
    /// `cd_files`, `cd_content`, `cd_label`, the `floppy_*` arguments and the seed CD.
    SeedLayout,
    /// The installer seed is hybridc's template shared by every OS of its kind.
    SharedTemplate,
    /// The OS's own template, rendered with hybridc's template variables.
    TemplateVariables,
    /// The tree's own template, kept, reads the values the tree passed it from the OS's
    /// installer inputs.
    KeptTemplate,
    /// hybridc leaves the argument unset, and the pinned plugin's default is the tree's value.
    PluginDefault,
    /// A credential read from an environment variable instead of a literal.
    Credential,
    /// `communicator` and its connection settings.
    Communicator,
    /// Azure tags with the OS, edition and build version.
    Tags,
    /// vSphere removes the installer's CD drives before the template is made.
    RemoveCdrom,
    /// Proxmox waits long enough for the VM to shut down.
    TaskTimeout,
    /// Proxmox attaches the installer ISO in a `boot_iso` block.
    BootIso,
    /// A Proxmox UEFI machine is a q35 one.
    Q35,
    /// vSphere shuts a Windows VM down with the family's command.
    Shutdown,
    /// A step's environment names the platform it runs on.
    StepEnvironment,
    /// Shell steps run under sudo with hybridc's `execute_command`, elevated PowerShell steps
    /// as the build user.
    StepExecution,
    /// Ansible's connection settings.
    AnsibleConnection,
    /// The finishing step: the build user locked and the template generalised.
    Finish,
    /// The manifest post-processor.
    Manifest,
    /// The mapper found no spec field and no catalogue argument for it.
    Unmapped {
        /// The mapper's words.
        why: String,
    },
}

impl Reason {
    /// Whether hybridc makes this difference on purpose (all but [`Reason::Unmapped`]).
    pub fn expected(&self) -> bool {
        !matches!(self, Reason::Unmapped { .. })
    }

    /// The reason's stable name, for JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::VersionedName => "versioned-name",
            Reason::ArtifactName => "artifact-name",
            Reason::Description => "description",
            Reason::BootCommand => "boot-command",
            Reason::HttpContent => "http-content",
            Reason::SeedLayout => "seed-layout",
            Reason::SharedTemplate => "shared-template",
            Reason::TemplateVariables => "template-variables",
            Reason::KeptTemplate => "kept-template",
            Reason::PluginDefault => "plugin-default",
            Reason::Credential => "credential",
            Reason::Communicator => "communicator",
            Reason::Tags => "tags",
            Reason::RemoveCdrom => "remove-cdrom",
            Reason::TaskTimeout => "task-timeout",
            Reason::BootIso => "boot-iso",
            Reason::Q35 => "q35",
            Reason::Shutdown => "shutdown",
            Reason::StepEnvironment => "step-environment",
            Reason::StepExecution => "step-execution",
            Reason::AnsibleConnection => "ansible-connection",
            Reason::Finish => "finish",
            Reason::Manifest => "manifest",
            Reason::Unmapped { .. } => "unmapped",
        }
    }

    /// The one-line explanation.
    pub fn explain(&self) -> String {
        match self {
            Reason::VersionedName => {
                "the artifact's name carries the build version, so a rebuild never collides"
            }
            Reason::ArtifactName => "the image is named after its OS and edition",
            Reason::Description => "the description is the OS's, followed by `built by hybridc`",
            Reason::BootCommand => "the boot command is the installer kind's, for the firmware",
            Reason::HttpContent => {
                "the seed is served from memory with `http_content`, not a folder"
            }
            Reason::SeedLayout => {
                "the seed files are laid out as hybridc's installer kind puts them"
            }
            Reason::SharedTemplate => "the installer seed is hybridc's template shared by its kind",
            Reason::TemplateVariables => "the OS's own template gets hybridc's template variables",
            Reason::PluginDefault => {
                "hybridc leaves it unset, and the pinned plugin's default is the same value"
            }
            Reason::KeptTemplate => {
                "the tree's own template is kept, reading the values the tree passed it from the OS's installer_inputs"
            }
            Reason::Credential => {
                "the credential is read from an environment variable, never a literal"
            }
            Reason::Communicator => "hybridc sets the communicator of the OS family",
            Reason::Tags => "hybridc tags the image with its OS, edition and build version",
            Reason::RemoveCdrom => "the installer's CD drives are removed from the template",
            Reason::TaskTimeout => "Proxmox waits long enough for the VM to shut down",
            Reason::BootIso => "the installer ISO is attached with a `boot_iso` block",
            Reason::Q35 => "a UEFI machine on Proxmox is a q35 machine",
            Reason::Shutdown => "the OS family's shutdown command ends the build",
            Reason::StepEnvironment => "steps are told the platform they run on",
            Reason::StepExecution => {
                "steps run elevated: shell under sudo, PowerShell as the build user"
            }
            Reason::AnsibleConnection => "Ansible connects through Packer's SSH proxy with SFTP",
            Reason::Finish => {
                "the finishing step locks the build user and generalises the template"
            }
            Reason::Manifest => "hybridc records each artifact in a manifest",
            Reason::Unmapped { why } => return format!("not imported: {why}"),
        }
        .to_owned()
    }
}

/// How many of the original sources' arguments went where (counted over every source, in the
/// first environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shares {
    /// Every argument the original sources set.
    pub arguments: usize,
    /// Those a spec field holds.
    pub spec: usize,
    /// Those passed through `options:`.
    pub options: usize,
    /// Those left to the report (unmapped).
    pub unmapped: usize,
}

/// Counts of one source's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Equal entries.
    pub equal: usize,
    /// Changed entries.
    pub changed: usize,
    /// Dropped entries.
    pub dropped: usize,
    /// Added entries.
    pub added: usize,
    /// Differences hybridc makes on purpose.
    pub expected: usize,
    /// Differences without a reason, or unmapped arguments.
    pub unexpected: usize,
}

impl Counts {
    /// The counts of `entries`.
    pub fn of<'e>(entries: impl IntoIterator<Item = &'e Entry>) -> Counts {
        let mut c = Counts::default();
        for e in entries {
            match e.difference {
                Difference::Equal => c.equal += 1,
                Difference::Changed { .. } => c.changed += 1,
                Difference::Dropped { .. } => c.dropped += 1,
                Difference::Added { .. } => c.added += 1,
            }
            if e.difference != Difference::Equal {
                if e.expected() {
                    c.expected += 1;
                } else {
                    c.unexpected += 1;
                }
            }
        }
        c
    }

    fn line(self) -> String {
        format!(
            "{} equal, {} changed, {} dropped, {} added; {} of {} differences expected",
            self.equal,
            self.changed,
            self.dropped,
            self.added,
            self.expected,
            self.expected + self.unexpected
        )
    }

    fn to_json(self) -> Json {
        json!({
            "equal": self.equal,
            "changed": self.changed,
            "dropped": self.dropped,
            "added": self.added,
            "expected": self.expected,
            "unexpected": self.unexpected,
        })
    }
}

impl Report {
    /// No difference but those hybridc makes on purpose (and none unmapped): exit 0, else 1.
    pub fn expected(&self) -> bool {
        self.sources
            .iter()
            .flat_map(|s| &s.entries)
            .all(Entry::expected)
    }

    /// The counts over every source.
    pub fn counts(&self) -> Counts {
        Counts::of(self.sources.iter().flat_map(|s| &s.entries))
    }

    /// The text report: per OS and platform, the counts, then each difference with its old and
    /// new value and its reason (`[dev]` after the path where it holds in some environments
    /// only); the shares; a summary line last.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for source in &self.sources {
            out.push_str(&format!(
                "{} on {} ({} in {} -> {})\n",
                source.os,
                source.platform.as_str(),
                source.original,
                source.folder.display(),
                source.compiled
            ));
            out.push_str(&format!("  {}\n", Counts::of(&source.entries).line()));
            for entry in source
                .entries
                .iter()
                .filter(|e| e.difference != Difference::Equal)
            {
                self.render_entry(&mut out, entry);
            }
            out.push('\n');
        }
        let s = self.shares;
        out.push_str(&format!(
            "arguments: {} set by the original sources: {} to spec fields ({}), {} to options ({}), {} to this report ({})\n",
            s.arguments,
            s.spec,
            percent(s.spec, s.arguments),
            s.options,
            percent(s.options, s.arguments),
            s.unmapped,
            percent(s.unmapped, s.arguments),
        ));
        let c = self.counts();
        let verdict = if self.expected() {
            "every difference is one hybridc makes on purpose".to_owned()
        } else {
            format!("{} unexpected", c.unexpected)
        };
        let n = self.sources.len();
        let plural = if n == 1 { "" } else { "s" };
        out.push_str(&format!(
            "{n} source{plural} compared: {}; {verdict}\n",
            c.line()
        ));
        out
    }

    fn render_entry(&self, out: &mut String, entry: &Entry) {
        let envs = if entry.environments.len() == self.environments.len() {
            String::new()
        } else {
            format!(" [{}]", entry.environments.join(", "))
        };
        let basis = match entry.basis {
            Basis::Value => "",
            Basis::Content => " (by file content)",
            Basis::Path => " (by path: a file is unreadable)",
        };
        let mark = if entry.expected() { "" } else { "! " };
        out.push_str(&format!(
            "  {mark}{} {}{envs}{basis}\n",
            entry.difference.kind(),
            entry.path
        ));
        match &entry.difference {
            Difference::Equal => {}
            Difference::Changed { old, new } => {
                out.push_str(&format!("      old: {}\n", elide(old)));
                out.push_str(&format!("      new: {}\n", elide(new)));
            }
            Difference::Dropped { old } => out.push_str(&format!("      old: {}\n", elide(old))),
            Difference::Added { new } => out.push_str(&format!("      new: {}\n", elide(new))),
        }
        let why = entry
            .reason
            .as_ref()
            .map_or_else(|| "no reason: unexpected".to_owned(), Reason::explain);
        out.push_str(&format!("      why: {why}\n"));
        if let Some(note) = &entry.note {
            out.push_str(&format!("      note: {note}\n"));
        }
    }

    /// The report for tools (`--format json`). Its schema, stable across releases:
    ///
    /// ```json
    /// {
    ///   "format": 1,
    ///   "expected": true,
    ///   "environments": ["dev", "prod"],
    ///   "counts": { "equal": 40, "changed": 3, "dropped": 1, "added": 5, "expected": 9, "unexpected": 0 },
    ///   "shares": { "arguments": 44, "spec": 40, "options": 3, "unmapped": 1 },
    ///   "sources": [
    ///     { "os": "ubuntu-2404", "platform": "vsphere", "folder": "builds/linux/ubuntu",
    ///       "original": "vsphere-iso.linux-ubuntu", "compiled": "vsphere-iso.ubuntu-2404",
    ///       "counts": { ... },
    ///       "differences": [
    ///         { "path": "vm_name", "kind": "changed", "old": "\"ubuntu\"", "new": "\"ubuntu-…\"",
    ///           "basis": "value", "environments": ["dev", "prod"],
    ///           "reason": { "code": "versioned-name", "text": "the artifact's name carries …" } }
    ///       ] }
    ///   ]
    /// }
    /// ```
    ///
    /// `expected` is [`Report::expected`]. `differences` lists every entry but the equal ones;
    /// `kind` is `changed` (`old`, `new`), `dropped` (`old`) or `added` (`new`), the values as
    /// HCL with secrets masked and the middle of long ones elided; `basis` is `value`,
    /// `content` or `path`; `reason` is null when the difference is unexpected, and its `code`
    /// is `unmapped` for an argument the import could not place; `note` (null or text) says
    /// more of an unexpected difference where the comparison knows more.
    pub fn to_json(&self) -> Json {
        let sources: Vec<Json> = self
            .sources
            .iter()
            .map(|s| {
                let differences: Vec<Json> = s
                    .entries
                    .iter()
                    .filter(|e| e.difference != Difference::Equal)
                    .map(entry_json)
                    .collect();
                json!({
                    "os": s.os,
                    "platform": s.platform.as_str(),
                    "folder": s.folder.display().to_string(),
                    "original": s.original,
                    "compiled": s.compiled,
                    "counts": Counts::of(&s.entries).to_json(),
                    "differences": differences,
                })
            })
            .collect();
        let sh = self.shares;
        json!({
            "format": 1,
            "expected": self.expected(),
            "environments": self.environments,
            "counts": self.counts().to_json(),
            "shares": {
                "arguments": sh.arguments,
                "spec": sh.spec,
                "options": sh.options,
                "unmapped": sh.unmapped,
            },
            "sources": sources,
        })
    }
}

fn entry_json(e: &Entry) -> Json {
    let mut object = serde_json::Map::new();
    object.insert("path".into(), json!(e.path));
    object.insert("kind".into(), json!(e.difference.kind()));
    match &e.difference {
        Difference::Equal => {}
        Difference::Changed { old, new } => {
            object.insert("old".into(), json!(elide(old)));
            object.insert("new".into(), json!(elide(new)));
        }
        Difference::Dropped { old } => {
            object.insert("old".into(), json!(elide(old)));
        }
        Difference::Added { new } => {
            object.insert("new".into(), json!(elide(new)));
        }
    }
    object.insert("basis".into(), json!(e.basis.as_str()));
    object.insert("environments".into(), json!(e.environments));
    let reason = e.reason.as_ref().map_or(
        Json::Null,
        |r| json!({ "code": r.code(), "text": r.explain() }),
    );
    object.insert("reason".into(), reason);
    object.insert("note".into(), json!(e.note));
    Json::Object(object)
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0%".into();
    }
    format!("{}%", (part * 100 + whole / 2) / whole)
}

/// `text` with its middle replaced by `…` when it is longer than [`MAX_VALUE`] characters, and
/// on one line.
pub fn elide(text: &str) -> String {
    let text = text.replace('\n', "\\n");
    let count = text.chars().count();
    if count <= MAX_VALUE {
        return text;
    }
    let keep = (MAX_VALUE - 1) / 2;
    let head: String = text.chars().take(keep).collect();
    let tail: String = text.chars().skip(count - keep).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests;
