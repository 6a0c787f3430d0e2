//! Lowering: a checked spec becomes the Packer model (variables, sources, builds, pkrvars).
//!
//! This is where the spec's layering (defaults -> OS -> platform -> environment) is resolved,
//! where each platform setting an environment may change becomes a variable, each credential a
//! sensitive variable read from the environment, and where installer seeds, boot commands,
//! communicators, outputs and provisioning are chosen. It produces data only: formatting is the
//! emitter's job, and checking arguments against the plugin catalogue is conformance's.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::Loaded;
use crate::catalogue::{self, Component};
use crate::diagnostic::{Diagnostic, Span};
use crate::hcl::{Expr, escape_string};
use crate::model::{
    Arg, Args, Build, EnvFile, FileKey, Local, Model, Plugin, Source, Step, VarType, Variable,
};
use crate::semantic::{builder_of, component, iso_platforms};
use crate::spec::{
    BuilderKind, Credential, Family, Firmware, Hardware, Installer, Iso, Os, PlatformName,
    SeedChannel, Spec, Step as SpecStep, VsphereTemplate,
};

/// Where the generated files are, relative to the repository root, so that they can refer to
/// `builds/`, `scripts/` and `ansible/` with `${path.root}/..`.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The spec file, relative to the repository root (`spec/hybrid.yaml`), for headers.
    pub spec_path: String,
    /// The way from the output folder back to the repository root (`..`).
    pub to_root: String,
}

/// Hardware used when no layer sets a value.
const DEFAULT_HARDWARE: Hardware = Hardware {
    cpus: Some(2),
    memory_mb: Some(4096),
    disk_gb: Some(40),
    firmware: Some(Firmware::Uefi),
};

/// Lowers a checked spec.
///
/// # Errors
/// Diagnostics for problems only visible now: `options` that collide with arguments hybridc
/// sets itself. Warnings (values that are never used) come back with the model.
pub fn lower(
    loaded: &Loaded,
    layout: &Layout,
) -> Result<(Model, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut l = Lowerer {
        spec: &loaded.spec,
        loaded,
        layout,
        candidates: BTreeMap::new(),
        used: BTreeSet::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    l.declare_common();
    l.declare_platforms();
    let mut model = Model {
        spec_path: layout.spec_path.clone(),
        required_version: loaded.spec.packer.required_version.clone(),
        ..Model::default()
    };
    for (name, os) in &loaded.spec.oses {
        l.os(name, os, &mut model);
    }
    model.plugins = plugins(&model);
    model.environments = l.environments();
    model.variables = l
        .candidates
        .values()
        .filter(|c| l.used.contains(&c.variable.name))
        .map(|c| c.variable.clone())
        .collect();
    if !l.problems.is_empty() {
        crate::diagnostic::sort(&mut l.problems);
        return Err(l.problems);
    }
    crate::diagnostic::sort(&mut l.warnings);
    Ok((model, l.warnings))
}

/// A platform setting that becomes a variable `<platform>_<name>`.
struct Setting {
    platform: PlatformName,
    /// The variable's name after the platform, and the key of the environment override.
    name: &'static str,
    /// JSON pointer of the base value inside `platforms.<platform>`.
    base: &'static str,
    /// A node that must be present for the setting to exist (an optional output).
    requires: Option<&'static str>,
    kind: VarType,
    description: &'static str,
    /// A `{ env: NAME }` credential: a sensitive variable, never overridden.
    credential: bool,
}

const fn setting(
    platform: PlatformName,
    name: &'static str,
    base: &'static str,
    kind: VarType,
    description: &'static str,
) -> Setting {
    Setting {
        platform,
        name,
        base,
        requires: None,
        kind,
        description,
        credential: false,
    }
}

const fn secret(
    platform: PlatformName,
    name: &'static str,
    description: &'static str,
    base: &'static str,
) -> Setting {
    Setting {
        credential: true,
        ..setting(platform, name, base, VarType::String, description)
    }
}

const fn output(
    platform: PlatformName,
    name: &'static str,
    base: &'static str,
    requires: &'static str,
    kind: VarType,
    description: &'static str,
) -> Setting {
    Setting {
        requires: Some(requires),
        ..setting(platform, name, base, kind, description)
    }
}

use PlatformName::{Azure, Proxmox, Vsphere};
use VarType::{Bool, ListString, String as Text};

/// Every platform setting an environment may change, and every credential, in declaration
/// order (variables are printed sorted by name).
const SETTINGS: &[Setting] = &[
    setting(Proxmox, "endpoint", "/endpoint", Text, "Proxmox API URL"),
    setting(
        Proxmox,
        "username",
        "/username",
        Text,
        "Proxmox API token ID (user@realm!token)",
    ),
    secret(Proxmox, "token", "Proxmox API token secret", "/token"),
    setting(
        Proxmox,
        "insecure_skip_tls_verify",
        "/insecure_skip_tls_verify",
        Bool,
        "Skip TLS verification of the Proxmox API",
    ),
    setting(
        Proxmox,
        "node",
        "/node",
        Text,
        "Proxmox node the VM is built on",
    ),
    setting(
        Proxmox,
        "vm_storage_pool",
        "/vm_storage_pool",
        Text,
        "Storage pool for VM disks",
    ),
    setting(
        Proxmox,
        "iso_storage_pool",
        "/iso_storage_pool",
        Text,
        "Storage pool for ISO images",
    ),
    setting(
        Proxmox,
        "bridge",
        "/bridge",
        Text,
        "Network bridge of the VM",
    ),
    setting(
        Proxmox,
        "vlan_tag",
        "/vlan_tag",
        Text,
        "VLAN tag of the VM's network adapter",
    ),
    setting(Vsphere, "endpoint", "/endpoint", Text, "vCenter server"),
    setting(Vsphere, "username", "/username", Text, "vCenter user"),
    secret(Vsphere, "password", "vCenter password", "/password"),
    setting(
        Vsphere,
        "insecure_connection",
        "/insecure_connection",
        Bool,
        "Skip TLS verification of vCenter",
    ),
    setting(
        Vsphere,
        "datacenter",
        "/datacenter",
        Text,
        "vSphere datacenter",
    ),
    setting(Vsphere, "cluster", "/cluster", Text, "vSphere cluster"),
    setting(Vsphere, "host", "/host", Text, "ESXi host"),
    setting(
        Vsphere,
        "datastore",
        "/datastore",
        Text,
        "Datastore of the VM",
    ),
    setting(
        Vsphere,
        "folder",
        "/folder",
        Text,
        "VM folder of the templates",
    ),
    setting(
        Vsphere,
        "resource_pool",
        "/resource_pool",
        Text,
        "Resource pool",
    ),
    setting(Vsphere, "network", "/network", Text, "Port group of the VM"),
    output(
        Vsphere,
        "content_library",
        "/output/content_library/library",
        "/output/content_library",
        Text,
        "Content library the VM is imported into",
    ),
    secret(
        Azure,
        "client_id",
        "Service principal client ID",
        "/client_id",
    ),
    secret(
        Azure,
        "client_secret",
        "Service principal secret",
        "/client_secret",
    ),
    secret(Azure, "tenant_id", "Tenant ID", "/tenant_id"),
    secret(
        Azure,
        "subscription_id",
        "Subscription ID",
        "/subscription_id",
    ),
    setting(
        Azure,
        "location",
        "/location",
        Text,
        "Azure region of the build VM",
    ),
    setting(
        Azure,
        "build_resource_group",
        "/build_resource_group",
        Text,
        "Existing resource group to build in",
    ),
    setting(Azure, "vm_size", "/vm_size", Text, "Size of the build VM"),
    output(
        Azure,
        "managed_image_resource_group",
        "/output/managed_image/resource_group",
        "/output/managed_image",
        Text,
        "Resource group of the managed images",
    ),
    output(
        Azure,
        "gallery_resource_group",
        "/output/gallery/resource_group",
        "/output/gallery",
        Text,
        "Resource group of the Shared Image Gallery",
    ),
    output(
        Azure,
        "gallery_name",
        "/output/gallery/name",
        "/output/gallery",
        Text,
        "Shared Image Gallery",
    ),
    output(
        Azure,
        "gallery_version",
        "/output/gallery/version",
        "/output/gallery",
        Text,
        "Image version published to the gallery",
    ),
    output(
        Azure,
        "replication_regions",
        "/output/gallery/replication_regions",
        "/output/gallery",
        ListString,
        "Regions the image version is replicated to",
    ),
];

/// One environment's value of a variable: `(environment, value, origin)`.
type Override = (String, Expr, String);

/// A variable that exists if something uses it, with the values environments give it.
struct Candidate {
    variable: Variable,
    /// `(environment, value, origin)`.
    overrides: Vec<(String, Expr, String)>,
}

struct Lowerer<'a> {
    spec: &'a Spec,
    loaded: &'a Loaded,
    layout: &'a Layout,
    candidates: BTreeMap<String, Candidate>,
    used: BTreeSet<String>,
    problems: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

fn s(text: &str) -> Expr {
    Expr::String(text.to_owned())
}

fn n(value: u32) -> Expr {
    Expr::Number(i64::from(value))
}

fn list(items: &[&str]) -> Expr {
    Expr::List(items.iter().map(|i| s(i)).collect())
}

fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// A JSON literal from `options` as an HCL expression.
fn literal(value: &Json) -> Expr {
    match value {
        Json::Null => Expr::Null,
        Json::Bool(b) => Expr::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map_or_else(|| Expr::Decimal(n.to_string()), Expr::Number),
        Json::String(text) => Expr::String(text.clone()),
        Json::Array(items) => Expr::List(items.iter().map(literal).collect()),
        Json::Object(entries) => Expr::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), literal(v)))
                .collect(),
        ),
    }
}

fn ptr(tokens: &[&str]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

impl Lowerer<'_> {
    fn span(&self, origin: &str) -> Span {
        self.loaded.tree.locate_nearest(origin).key_or_value()
    }

    /// Registers a variable that may be used.
    fn candidate(&mut self, variable: Variable, overrides: Vec<(String, Expr, String)>) {
        self.candidates.insert(
            variable.name.clone(),
            Candidate {
                variable,
                overrides,
            },
        );
    }

    /// `var.<name>`, marking the variable as used.
    fn var(&mut self, name: &str) -> Expr {
        debug_assert!(
            self.candidates.contains_key(name),
            "variable `{name}` is registered before use"
        );
        self.used.insert(name.to_owned());
        Expr::Traversal(format!("var.{name}"))
    }

    fn has_var(&self, name: &str) -> bool {
        self.candidates.contains_key(name)
    }

    /// `"${path.root}/../scripts/x.sh"`: a repository file seen from the generated folder.
    fn path(&self, relative: &str) -> Expr {
        let relative = relative.trim_start_matches("./");
        Expr::Template(format!(
            "${{path.root}}/{}/{}",
            self.layout.to_root,
            escape_string(relative)
        ))
    }

    fn credential(
        &mut self,
        name: &str,
        file: FileKey,
        credential: &Credential,
        description: &str,
        origin: &str,
    ) {
        self.candidate(
            Variable {
                name: name.to_owned(),
                kind: VarType::String,
                description: format!("{description}, read from ${}", credential.env),
                default: Expr::call("env", vec![s(&credential.env)]),
                sensitive: true,
                file,
                origin: origin.to_owned(),
            },
            Vec::new(),
        );
    }

    fn declare_common(&mut self) {
        self.candidate(
            Variable {
                name: "build_version".into(),
                kind: VarType::String,
                description: "Version recorded in the manifests (for example `-var build_version=$(git describe)`)"
                    .into(),
                default: s("dev"),
                sensitive: false,
                file: FileKey::Common,
                origin: "/version".into(),
            },
            Vec::new(),
        );
        let Some(user) = self.spec.defaults.build_user.clone() else {
            return;
        };
        self.candidate(
            Variable {
                name: "build_username".into(),
                kind: VarType::String,
                description: "User the installer creates and Packer connects as".into(),
                default: s(&user.username),
                sensitive: false,
                file: FileKey::Common,
                origin: "/defaults/build_user/username".into(),
            },
            Vec::new(),
        );
        self.credential(
            "build_password",
            FileKey::Common,
            &user.password,
            "Password of the build user",
            "/defaults/build_user/password",
        );
        if let Some(hash) = &user.password_hash {
            self.credential(
                "build_password_hash",
                FileKey::Common,
                hash,
                "SHA-512 crypt hash of the build user's password",
                "/defaults/build_user/password_hash",
            );
        }
        for (os_name, os) in &self.spec.oses {
            for (i, edition) in os.editions.iter().enumerate() {
                if let Some(key) = &edition.product_key {
                    let index = i.to_string();
                    self.credential(
                        &format!("{}_{}_product_key", snake(os_name), snake(&edition.name)),
                        FileKey::Common,
                        key,
                        &format!("Product key of {os_name} {}", edition.name),
                        &ptr(&["oses", os_name, "editions", &index, "product_key"]),
                    );
                }
            }
        }
    }

    /// Declares the platform settings an environment may change, from [`SETTINGS`]: a variable
    /// whose default is the base value, with each environment's value. Only settings the base
    /// or an environment sets become candidates. Credentials become sensitive variables.
    fn declare_platforms(&mut self) {
        let spec = self.spec;
        // The typed spec as JSON holds serde's defaults, so every setting can be read by path.
        let platforms = serde_json::to_value(&spec.platforms).unwrap_or(Json::Null);
        for setting in SETTINGS {
            let name = setting.platform.as_str();
            let Some(base_platform) = platforms.get(name).filter(|p| !p.is_null()) else {
                continue;
            };
            if let Some(parent) = setting.requires
                && base_platform.pointer(parent).is_none_or(Json::is_null)
            {
                continue;
            }
            let base_origin = format!("/platforms/{name}{}", setting.base);
            let variable = format!("{name}_{}", setting.name);
            if setting.credential {
                if let Some(env) = base_platform
                    .pointer(setting.base)
                    .and_then(|c| c.get("env"))
                    .and_then(Json::as_str)
                {
                    let credential = Credential {
                        env: env.to_owned(),
                    };
                    let file = FileKey::Platform(setting.platform);
                    self.credential(
                        &variable,
                        file,
                        &credential,
                        setting.description,
                        &base_origin,
                    );
                }
                continue;
            }
            let value = |json: Option<&Json>| -> Option<Expr> {
                match json? {
                    Json::Null => None,
                    // A VLAN tag is a number in the spec and a string to the plugin.
                    Json::Number(n) if setting.kind == VarType::String => Some(s(&n.to_string())),
                    other => Some(literal(other)),
                }
            };
            // An empty base list (no replication regions) is the same as none.
            let base = value(base_platform.pointer(setting.base))
                .filter(|e| !matches!(e, Expr::List(l) if l.is_empty()));
            let overrides: Vec<Override> = spec
                .environments
                .iter()
                .filter_map(|(env, e)| {
                    let over = serde_json::to_value(&e.platforms).ok()?;
                    let found = value(over.get(name)?.get(setting.name))?;
                    Some((
                        env.clone(),
                        found,
                        ptr(&["environments", env, "platforms", name, setting.name]),
                    ))
                })
                .collect();
            if base.is_none() && overrides.is_empty() {
                continue;
            }
            self.candidate(
                Variable {
                    name: variable,
                    kind: setting.kind,
                    description: setting.description.to_owned(),
                    default: base.unwrap_or(Expr::Null),
                    sensitive: false,
                    file: FileKey::Platform(setting.platform),
                    origin: base_origin,
                },
                overrides,
            );
        }
    }

    fn environments(&mut self) -> Vec<EnvFile> {
        let mut files: Vec<EnvFile> = self
            .spec
            .environments
            .keys()
            .map(|name| EnvFile {
                name: name.clone(),
                values: Vec::new(),
            })
            .collect();
        let mut unused = Vec::new();
        for candidate in self.candidates.values() {
            for (env, value, origin) in &candidate.overrides {
                if !self.used.contains(&candidate.variable.name) {
                    unused.push((env.clone(), candidate.variable.name.clone(), origin.clone()));
                    continue;
                }
                if let Some(file) = files.iter_mut().find(|f| &f.name == env) {
                    file.values
                        .push((candidate.variable.name.clone(), value.clone()));
                }
            }
        }
        for (env, variable, origin) in unused {
            let (platform, field) = variable.split_once('_').unwrap_or_default();
            let (platform, field) = (platform.to_owned(), field.to_owned());
            self.warnings.push(
                Diagnostic::warning(
                    "hybridc::compile::unused-override",
                    format!("environment `{env}` sets {platform} `{field}`, which no build uses"),
                    self.span(&origin),
                    "not written to the environment's file",
                )
                .with_help(format!(
                    "no OS builds on {platform}, or nothing there uses this setting; remove it"
                )),
            );
        }
        files
    }

    fn os(&mut self, name: &str, os: &Os, model: &mut Model) {
        let origin = ptr(&["oses", name]);
        let mut build = Build {
            name: name.to_owned(),
            sources: Vec::new(),
            provisioners: Vec::new(),
            post_processors: Vec::new(),
        };
        let editions: Vec<Option<&crate::spec::Edition>> = match os.family {
            Family::Linux => vec![None],
            Family::Windows => os.editions.iter().map(Some).collect(),
        };
        let seed_local = self.seed_local(name, os, model);
        for platform in PlatformName::ALL {
            if !os.platforms.contains(&platform) {
                continue;
            }
            for edition in &editions {
                if let Some(e) = edition
                    && !e.platforms.is_empty()
                    && !e.platforms.contains(&platform)
                {
                    continue;
                }
                let source_name = match edition {
                    Some(e) => format!("{name}-{}", e.name),
                    None => name.to_owned(),
                };
                let source = self.source(
                    name,
                    os,
                    platform,
                    *edition,
                    &source_name,
                    seed_local.as_deref(),
                );
                build.sources.push(format!("source.{}", source.selector()));
                model.sources.push(source);
            }
        }
        let selectors: Vec<(PlatformName, String)> = model
            .sources
            .iter()
            .filter(|s| s.origin == origin)
            .map(|s| (s.platform, s.selector()))
            .collect();
        self.provisioning(name, os, &selectors, &mut build);
        self.post_processors(name, &selectors, &editions, &mut build);
        model.builds.push(build);
    }

    /// The installer inputs shared by every source of a Linux OS, as a local value.
    fn seed_local(&mut self, name: &str, os: &Os, model: &mut Model) -> Option<String> {
        os.installer?;
        if os.family != Family::Linux || iso_platforms(self.spec, os).is_empty() {
            return None;
        }
        let locale = self.locale(os);
        let network = self.network();
        let vars = Expr::Object(vec![
            ("build_username".into(), self.var("build_username")),
            (
                "build_password_hash".into(),
                self.var("build_password_hash"),
            ),
            ("hostname".into(), s(name)),
            ("language".into(), s(&locale.0)),
            ("keyboard".into(), s(&locale.1)),
            ("timezone".into(), s(&locale.2)),
            ("network".into(), network),
        ]);
        let vars_name = format!("{}_installer_vars", snake(name));
        model.locals.push(Local {
            name: vars_name.clone(),
            value: vars,
        });
        Some(vars_name)
    }

    /// The installer's files for one source: `{ "/user-data" = templatefile(...) }` (HTTP
    /// paths) or `{ "user-data" = ... }` (CD), rendered with the OS's shared inputs plus the
    /// platform, which decides the guest agent the installer adds.
    fn seed_files(
        &self,
        name: &str,
        os: &Os,
        vars_local: &str,
        platform: PlatformName,
    ) -> Option<Expr> {
        let installer = os.installer?;
        let channel = self.channel(os);
        let vars = Expr::call(
            "merge",
            vec![
                Expr::Traversal(format!("local.{vars_local}")),
                Expr::Object(vec![("platform".into(), s(platform.as_str()))]),
            ],
        );
        let files = installer
            .templates()
            .iter()
            .map(|template| {
                let served = served_name(installer, template);
                let key = match channel {
                    SeedChannel::Http => format!("/{served}"),
                    SeedChannel::Cd => served.clone(),
                };
                let path = self.path(&format!("builds/{name}/{template}"));
                (key, Expr::call("templatefile", vec![path, vars.clone()]))
            })
            .collect();
        Some(Expr::Object(files))
    }

    /// The installers' network: a literal when no environment changes it, else variables that
    /// each environment's var file sets.
    fn network(&mut self) -> Expr {
        let base = self.spec.defaults.network.clone();
        let address = |n: &Option<crate::spec::GuestNetwork>| {
            n.as_ref()
                .and_then(|n| n.address.clone())
                .unwrap_or_default()
        };
        let gateway = |n: &Option<crate::spec::GuestNetwork>| {
            n.as_ref()
                .and_then(|n| n.gateway.clone())
                .unwrap_or_default()
        };
        let dns = |n: &Option<crate::spec::GuestNetwork>| {
            Expr::List(
                n.as_ref()
                    .map(|n| n.dns.iter().map(|d| s(d)).collect())
                    .unwrap_or_default(),
            )
        };
        let varies = self.spec.environments.values().any(|e| e.network.is_some());
        if !varies {
            return Expr::Object(vec![
                ("dhcp".into(), Expr::Bool(address(&base).is_empty())),
                ("address".into(), s(&address(&base))),
                ("gateway".into(), s(&gateway(&base))),
                ("dns".into(), dns(&base)),
            ]);
        }
        if !self.has_var("network_address") {
            let overrides = |f: &dyn Fn(&Option<crate::spec::GuestNetwork>) -> Expr,
                             key: &str|
             -> Vec<(String, Expr, String)> {
                self.spec
                    .environments
                    .iter()
                    .filter(|(_, e)| e.network.is_some())
                    .map(|(name, e)| {
                        (
                            name.clone(),
                            f(&e.network),
                            ptr(&["environments", name, "network", key]),
                        )
                    })
                    .collect()
            };
            let specs: [(&str, VarType, &str, Expr, Vec<Override>); 3] = [
                (
                    "network_address",
                    VarType::String,
                    "Static IPv4 address/prefix of the Linux installers; empty for DHCP",
                    s(&address(&base)),
                    overrides(&|n| s(&address(n)), "address"),
                ),
                (
                    "network_gateway",
                    VarType::String,
                    "Default gateway of the Linux installers with a static address",
                    s(&gateway(&base)),
                    overrides(&|n| s(&gateway(n)), "gateway"),
                ),
                (
                    "network_dns",
                    VarType::ListString,
                    "DNS servers of the Linux installers with a static address",
                    dns(&base),
                    overrides(&dns, "dns"),
                ),
            ];
            for (name, kind, description, default, overrides) in specs {
                self.candidate(
                    Variable {
                        name: name.into(),
                        kind,
                        description: description.into(),
                        default,
                        sensitive: false,
                        file: FileKey::Common,
                        origin: "/defaults/network".into(),
                    },
                    overrides,
                );
            }
        }
        let address = self.var("network_address");
        let gateway = self.var("network_gateway");
        let dns = self.var("network_dns");
        Expr::Object(vec![
            (
                "dhcp".into(),
                Expr::Traversal("var.network_address == \"\"".into()),
            ),
            ("address".into(), address),
            ("gateway".into(), gateway),
            ("dns".into(), dns),
        ])
    }

    fn channel(&self, os: &Os) -> SeedChannel {
        match os.family {
            Family::Windows => SeedChannel::Cd,
            Family::Linux => os.seed.unwrap_or(self.spec.defaults.seed),
        }
    }

    /// Language, keyboard and time zone after layering, in the form the family expects.
    fn locale(&self, os: &Os) -> (String, String, String) {
        let d = &self.spec.defaults.locale;
        let language = os
            .locale
            .language
            .clone()
            .or(d.language.clone())
            .unwrap_or_else(|| "en_US".into());
        let keyboard = os
            .locale
            .keyboard
            .clone()
            .or(d.keyboard.clone())
            .unwrap_or_else(|| "us".into());
        let timezone = os
            .locale
            .timezone
            .clone()
            .or(d.timezone.clone())
            .unwrap_or_else(|| "UTC".into());
        match os.family {
            Family::Linux => (language, keyboard, timezone),
            Family::Windows => {
                let tag = language.replace('_', "-");
                let tz = if matches!(timezone.as_str(), "UTC" | "Etc/UTC") {
                    "UTC".into()
                } else {
                    timezone
                };
                (tag.clone(), tag, tz)
            }
        }
    }

    fn hardware(&self, os: &Os, platform: PlatformName) -> (u32, u32, u32, Firmware) {
        let platform_hw = match platform {
            PlatformName::Proxmox => os.proxmox.as_ref().map(|p| p.hardware.clone()),
            PlatformName::Vsphere => os.vsphere.as_ref().map(|p| p.hardware.clone()),
            PlatformName::Azure => None,
        }
        .unwrap_or_default();
        let hw = platform_hw
            .or(&os.hardware)
            .or(&self.spec.defaults.hardware)
            .or(&DEFAULT_HARDWARE);
        (
            hw.cpus.unwrap_or(2),
            hw.memory_mb.unwrap_or(4096),
            hw.disk_gb.unwrap_or(40),
            hw.firmware.unwrap_or(Firmware::Uefi),
        )
    }

    fn source(
        &mut self,
        name: &str,
        os: &Os,
        platform: PlatformName,
        edition: Option<&crate::spec::Edition>,
        source_name: &str,
        seed_local: Option<&str>,
    ) -> Source {
        let origin = ptr(&["oses", name]);
        let builder = builder_of(self.spec, os, platform);
        let component = component(platform, builder);
        let mut body = Args::default();
        match platform {
            PlatformName::Proxmox => self.proxmox(
                &mut body,
                name,
                os,
                builder,
                edition,
                source_name,
                seed_local,
            ),
            PlatformName::Vsphere => self.vsphere(
                &mut body,
                name,
                os,
                builder,
                edition,
                source_name,
                seed_local,
            ),
            PlatformName::Azure => self.azure(&mut body, name, os, edition, source_name),
        }
        self.passthrough(&mut body, name, os, platform, component);
        Source {
            platform,
            component,
            name: source_name.to_owned(),
            os: name.to_owned(),
            edition: edition.map(|e| e.name.clone()),
            body,
            origin,
        }
    }

    fn communicator(&mut self, body: &mut Args, os: &Os, origin: &str) {
        match os.family {
            Family::Linux => {
                body.attr("communicator", s("ssh"), origin);
                let user = self.var("build_username");
                body.attr("ssh_username", user, origin);
                let password = self.var("build_password");
                body.attr("ssh_password", password, origin);
                body.attr("ssh_timeout", s("30m"), origin);
            }
            Family::Windows => {
                body.attr("communicator", s("winrm"), origin);
                let user = self.var("build_username");
                body.attr("winrm_username", user, origin);
                let password = self.var("build_password");
                body.attr("winrm_password", password, origin);
                body.attr("winrm_timeout", s("2h"), origin);
                body.attr("winrm_use_ssl", Expr::Bool(false), origin);
                body.attr("winrm_insecure", Expr::Bool(true), origin);
            }
        }
    }

    fn description(os: &Os, name: &str, edition: Option<&crate::spec::Edition>) -> String {
        let what = os.description.clone().unwrap_or_else(|| name.to_owned());
        match edition {
            Some(e) => format!("{what} {}, built by hybridc", e.name),
            None => format!("{what}, built by hybridc"),
        }
    }

    /// The Windows answer file for one edition on one platform, rendered at build time.
    fn autounattend(
        &mut self,
        name: &str,
        os: &Os,
        edition: &crate::spec::Edition,
        platform: PlatformName,
    ) -> Expr {
        let locale = self.locale(os);
        let product_key = match &edition.product_key {
            Some(_) => {
                let var = format!("{}_{}_product_key", snake(name), snake(&edition.name));
                self.var(&var)
            }
            None => s(""),
        };
        let vars = Expr::Object(vec![
            ("build_username".into(), self.var("build_username")),
            ("build_password".into(), self.var("build_password")),
            ("image_name".into(), s(&edition.image_name)),
            ("product_key".into(), product_key),
            ("language".into(), s(&locale.0)),
            ("keyboard".into(), s(&locale.1)),
            ("timezone".into(), s(&locale.2)),
            ("platform".into(), s(platform.as_str())),
        ]);
        let path = self.path(&format!("builds/{name}/autounattend.pkrtpl.hcl"));
        Expr::Object(vec![(
            "autounattend.xml".into(),
            Expr::call("templatefile", vec![path, vars]),
        )])
    }

    fn boot(&self, os: &Os, firmware: Firmware) -> (Expr, Expr) {
        let installer = os.installer.unwrap_or(Installer::Autoinstall);
        let http = self.channel(os) == SeedChannel::Http;
        let base = "http://{{ .HTTPIP }}:{{ .HTTPPort }}";
        let commands: Vec<String> = match (installer, firmware) {
            (Installer::Autoinstall, _) => {
                let ds = if http {
                    format!("ds=\"nocloud;s={base}/\"")
                } else {
                    "ds=nocloud".into()
                };
                vec![
                    "<wait3s>c<wait3s>".into(),
                    // Arguments before `---` are for the installer only; after it they would be
                    // copied into the installed system's boot line.
                    format!("linux /casper/vmlinuz autoinstall {ds} ---<enter><wait3s>"),
                    "initrd /casper/initrd<enter><wait3s>".into(),
                    "boot<enter>".into(),
                ]
            }
            (Installer::Kickstart, firmware) => {
                let ks = if http {
                    format!("inst.ks={base}/ks.cfg")
                } else {
                    "inst.ks=hd:LABEL=cidata:/ks.cfg".into()
                };
                match firmware {
                    Firmware::Uefi => vec![format!(
                        "<up>e<wait><down><down><end> inst.text {ks}<leftCtrlOn>x<leftCtrlOff>"
                    )],
                    Firmware::Bios => vec![format!("<up><tab> inst.text {ks}<enter>")],
                }
            }
            (Installer::Preseed, Firmware::Uefi) => vec![
                "<wait3s>c<wait3s>".into(),
                format!(
                    "linux /install.amd/vmlinuz auto=true priority=critical preseed/url={base}/preseed.cfg --- quiet<enter><wait3s>"
                ),
                "initrd /install.amd/initrd.gz<enter><wait3s>".into(),
                "boot<enter>".into(),
            ],
            (Installer::Preseed, Firmware::Bios) => {
                vec![
                    "<esc><wait>".into(),
                    format!("auto priority=critical url={base}/preseed.cfg<enter>"),
                ]
            }
            (Installer::Autounattend, _) => {
                vec!["<spacebar><wait><spacebar><wait><spacebar>".into()]
            }
        };
        let wait = if installer == Installer::Autounattend {
            "2s"
        } else {
            "5s"
        };
        (s(wait), Expr::List(commands.iter().map(|c| s(c)).collect()))
    }

    #[allow(clippy::too_many_arguments)]
    fn proxmox(
        &mut self,
        body: &mut Args,
        name: &str,
        os: &Os,
        builder: BuilderKind,
        edition: Option<&crate::spec::Edition>,
        source_name: &str,
        seed_local: Option<&str>,
    ) {
        let o = ptr(&["platforms", "proxmox"]);
        let os_origin = ptr(&["oses", name]);
        let hw_origin = os_origin.clone();
        for (arg, var) in [
            ("proxmox_url", "proxmox_endpoint"),
            ("username", "proxmox_username"),
            ("token", "proxmox_token"),
            (
                "insecure_skip_tls_verify",
                "proxmox_insecure_skip_tls_verify",
            ),
            ("node", "proxmox_node"),
        ] {
            let value = self.var(var);
            body.attr(arg, value, &o);
        }
        let (cpus, memory, disk, firmware) = self.hardware(os, PlatformName::Proxmox);
        body.attr("vm_name", s(source_name), &os_origin);
        body.attr("template_name", s(source_name), &os_origin);
        body.attr(
            "template_description",
            s(&Self::description(os, name, edition)),
            &os_origin,
        );
        if builder == BuilderKind::Clone {
            let clone = os
                .proxmox
                .as_ref()
                .and_then(|p| p.clone_vm.clone())
                .unwrap_or_default();
            body.attr(
                "clone_vm",
                s(&clone),
                &ptr(&["oses", name, "proxmox", "clone_vm"]),
            );
        } else {
            body.attr(
                "os",
                s(if os.family == Family::Windows {
                    "win11"
                } else {
                    "l26"
                }),
                &os_origin,
            );
        }
        body.attr("cores", n(cpus), &hw_origin);
        body.attr("sockets", n(1), &hw_origin);
        body.attr("memory", n(memory), &hw_origin);
        // A clone keeps its template's firmware, EFI disk and system disk.
        let iso = builder == BuilderKind::Iso;
        let uefi = firmware == Firmware::Uefi;
        if iso {
            body.attr("bios", s(if uefi { "ovmf" } else { "seabios" }), &hw_origin);
            if uefi {
                body.attr("machine", s("q35"), &hw_origin);
            }
        }
        let platform = self
            .spec
            .platforms
            .proxmox
            .clone()
            .expect("a proxmox source implies a proxmox platform");
        // A cloud-init drive is for Linux guests; Windows would need cloudbase-init.
        if platform.cloud_init && os.family == Family::Linux {
            body.attr(
                "cloud_init",
                Expr::Bool(true),
                &ptr(&["platforms", "proxmox", "cloud_init"]),
            );
            let pool = self.var("proxmox_vm_storage_pool");
            body.attr("cloud_init_storage_pool", pool, &o);
        }
        if builder == BuilderKind::Iso {
            let (wait, command) = self.boot(os, firmware);
            body.attr("boot_wait", wait, &os_origin);
            body.attr("boot_command", command, &os_origin);
            if let (Some(local), SeedChannel::Http) = (seed_local, self.channel(os))
                && let Some(files) = self.seed_files(name, os, local, PlatformName::Proxmox)
            {
                body.attr("http_content", files, &os_origin);
            }
        }
        self.communicator(body, os, &os_origin);
        if builder == BuilderKind::Iso {
            let iso = os.iso.clone().unwrap_or_default();
            let mut boot = Args::default();
            self.iso_args(&mut boot, &iso, &ptr(&["oses", name, "iso"]));
            boot.attr("unmount", Expr::Bool(true), &os_origin);
            body.block("boot_iso", boot, &ptr(&["oses", name, "iso"]));
            if os.family == Family::Windows {
                if let Some(virtio) = &platform.virtio_iso {
                    let mut drivers = Args::default();
                    self.iso_args(
                        &mut drivers,
                        virtio,
                        &ptr(&["platforms", "proxmox", "virtio_iso"]),
                    );
                    drivers.attr("unmount", Expr::Bool(true), &o);
                    body.block(
                        "additional_iso_files",
                        drivers,
                        &ptr(&["platforms", "proxmox", "virtio_iso"]),
                    );
                }
            }
            if self.channel(os) == SeedChannel::Cd {
                let mut cd = Args::default();
                match (os.family, edition) {
                    (Family::Windows, Some(e)) => {
                        cd.attr(
                            "cd_files",
                            Expr::List(vec![self.path("scripts/windows/")]),
                            &os_origin,
                        );
                        let content = self.autounattend(name, os, e, PlatformName::Proxmox);
                        cd.attr("cd_content", content, &os_origin);
                    }
                    _ => {
                        if let Some(files) = seed_local.and_then(|local| {
                            self.seed_files(name, os, local, PlatformName::Proxmox)
                        }) {
                            cd.attr("cd_content", files, &os_origin);
                        }
                    }
                }
                cd.attr("cd_label", s("cidata"), &os_origin);
                let pool = self.var("proxmox_iso_storage_pool");
                cd.attr("iso_storage_pool", pool, &o);
                cd.attr("unmount", Expr::Bool(true), &os_origin);
                body.block("additional_iso_files", cd, &os_origin);
            }
        }
        if iso && uefi {
            let mut efi = Args::default();
            let pool = self.var("proxmox_vm_storage_pool");
            efi.attr("efi_storage_pool", pool, &o);
            efi.attr("efi_type", s("4m"), &hw_origin);
            efi.attr("pre_enrolled_keys", Expr::Bool(true), &hw_origin);
            body.block("efi_config", efi, &hw_origin);
        }
        if iso {
            let mut disk_args = Args::default();
            disk_args.attr("type", s("scsi"), &hw_origin);
            disk_args.attr("disk_size", s(&format!("{disk}G")), &hw_origin);
            let pool = self.var("proxmox_vm_storage_pool");
            disk_args.attr("storage_pool", pool, &o);
            body.block("disks", disk_args, &hw_origin);
        }
        let mut nic = Args::default();
        let bridge = self.var("proxmox_bridge");
        nic.attr("bridge", bridge, &o);
        nic.attr("model", s("virtio"), &o);
        if self.has_var("proxmox_vlan_tag") {
            let tag = self.var("proxmox_vlan_tag");
            nic.attr("vlan_tag", tag, &o);
        }
        body.block("network_adapters", nic, &o);
    }

    /// ISO arguments inside a Proxmox `boot_iso`/`additional_iso_files` block: a file already
    /// on the platform wins over a download.
    fn iso_args(&mut self, args: &mut Args, iso: &Iso, origin: &str) {
        if let Some(file) = &iso.proxmox_file {
            args.attr("iso_file", s(file), origin);
        } else if let Some(url) = &iso.url {
            args.attr("iso_url", s(url), origin);
            args.attr(
                "iso_checksum",
                s(iso.checksum.as_deref().unwrap_or("none")),
                origin,
            );
            let pool = self.var("proxmox_iso_storage_pool");
            args.attr("iso_storage_pool", pool, origin);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn vsphere(
        &mut self,
        body: &mut Args,
        name: &str,
        os: &Os,
        builder: BuilderKind,
        edition: Option<&crate::spec::Edition>,
        source_name: &str,
        seed_local: Option<&str>,
    ) {
        let o = ptr(&["platforms", "vsphere"]);
        let os_origin = ptr(&["oses", name]);
        for (arg, var) in [
            ("vcenter_server", "vsphere_endpoint"),
            ("username", "vsphere_username"),
            ("password", "vsphere_password"),
            ("insecure_connection", "vsphere_insecure_connection"),
            ("datacenter", "vsphere_datacenter"),
            ("cluster", "vsphere_cluster"),
            ("host", "vsphere_host"),
            ("datastore", "vsphere_datastore"),
            ("folder", "vsphere_folder"),
            ("resource_pool", "vsphere_resource_pool"),
        ] {
            if self.has_var(var) {
                let value = self.var(var);
                body.attr(arg, value, &o);
            }
        }
        let settings = os.vsphere.clone().unwrap_or_default();
        let (cpus, memory, disk, firmware) = self.hardware(os, PlatformName::Vsphere);
        body.attr("vm_name", s(source_name), &os_origin);
        if builder == BuilderKind::Clone {
            body.attr(
                "template",
                s(settings.template.as_deref().unwrap_or_default()),
                &ptr(&["oses", name, "vsphere", "template"]),
            );
            body.attr("linked_clone", Expr::Bool(false), &os_origin);
        } else {
            let guest = settings.guest_os_type.clone().unwrap_or_default();
            body.attr(
                "guest_os_type",
                s(&guest),
                &ptr(&["oses", name, "vsphere", "guest_os_type"]),
            );
            body.attr(
                "firmware",
                s(if firmware == Firmware::Uefi {
                    "efi"
                } else {
                    "bios"
                }),
                &os_origin,
            );
        }
        body.attr("CPUs", n(cpus), &os_origin);
        body.attr("RAM", n(memory), &os_origin);
        body.attr(
            "notes",
            s(&Self::description(os, name, edition)),
            &os_origin,
        );
        if builder == BuilderKind::Clone {
            let network = self.var("vsphere_network");
            body.attr("network", network, &o);
        }
        if builder == BuilderKind::Iso {
            let iso = os.iso.clone().unwrap_or_default();
            let iso_origin = ptr(&["oses", name, "iso"]);
            let mut paths: Vec<Expr> = Vec::new();
            if let Some(path) = &iso.vsphere_path {
                paths.push(s(path));
            } else if let Some(url) = &iso.url {
                body.attr("iso_url", s(url), &iso_origin);
                body.attr(
                    "iso_checksum",
                    s(iso.checksum.as_deref().unwrap_or("none")),
                    &iso_origin,
                );
            }
            if os.family == Family::Windows {
                // VMware Tools, from the ESXi host's own image store.
                paths.push(s("[] /vmimages/tools-isoimages/windows.iso"));
            }
            if !paths.is_empty() {
                body.attr("iso_paths", Expr::List(paths), &iso_origin);
            }
            match (self.channel(os), os.family, edition) {
                (SeedChannel::Http, _, _) => {
                    if let Some(files) = seed_local
                        .and_then(|local| self.seed_files(name, os, local, PlatformName::Vsphere))
                    {
                        body.attr("http_content", files, &os_origin);
                    }
                }
                (SeedChannel::Cd, Family::Windows, Some(e)) => {
                    body.attr(
                        "cd_files",
                        Expr::List(vec![self.path("scripts/windows/")]),
                        &os_origin,
                    );
                    let content = self.autounattend(name, os, e, PlatformName::Vsphere);
                    body.attr("cd_content", content, &os_origin);
                    body.attr("cd_label", s("cidata"), &os_origin);
                }
                (SeedChannel::Cd, _, _) => {
                    if let Some(files) = seed_local
                        .and_then(|local| self.seed_files(name, os, local, PlatformName::Vsphere))
                    {
                        body.attr("cd_content", files, &os_origin);
                        body.attr("cd_label", s("cidata"), &os_origin);
                    }
                }
            }
            let (wait, command) = self.boot(os, firmware);
            body.attr("boot_wait", wait, &os_origin);
            body.attr("boot_command", command, &os_origin);
            body.attr("remove_cdrom", Expr::Bool(true), &os_origin);
        }
        self.communicator(body, os, &os_origin);
        let shutdown = match os.family {
            Family::Linux => "sudo shutdown -P now",
            Family::Windows => "shutdown /s /t 10 /f /d p:4:1 /c \"Packer shutdown\"",
        };
        body.attr("shutdown_command", s(shutdown), &os_origin);
        let platform = self
            .spec
            .platforms
            .vsphere
            .clone()
            .expect("a vsphere source implies a vsphere platform");
        let output_origin = ptr(&["platforms", "vsphere", "output"]);
        if platform.output.template == VsphereTemplate::Convert {
            body.attr("convert_to_template", Expr::Bool(true), &output_origin);
        }
        if builder == BuilderKind::Iso {
            let mut storage = Args::default();
            storage.attr("disk_size", n(disk * 1024), &os_origin);
            storage.attr("disk_thin_provisioned", Expr::Bool(true), &os_origin);
            body.block("storage", storage, &os_origin);
            let mut nic = Args::default();
            let network = self.var("vsphere_network");
            nic.attr("network", network, &o);
            nic.attr("network_card", s("vmxnet3"), &o);
            body.block("network_adapters", nic, &o);
        }
        if let Some(library) = &platform.output.content_library {
            let lib_origin = ptr(&["platforms", "vsphere", "output", "content_library"]);
            let mut cl = Args::default();
            let value = self.var("vsphere_content_library");
            cl.attr("library", value, &lib_origin);
            cl.attr("name", s(source_name), &lib_origin);
            cl.attr(
                "description",
                s(&Self::description(os, name, edition)),
                &lib_origin,
            );
            cl.attr("ovf", Expr::Bool(library.ovf), &lib_origin);
            cl.attr("destroy", Expr::Bool(library.destroy), &lib_origin);
            body.block("content_library_destination", cl, &lib_origin);
        }
    }

    fn azure(
        &mut self,
        body: &mut Args,
        name: &str,
        os: &Os,
        edition: Option<&crate::spec::Edition>,
        source_name: &str,
    ) {
        let o = ptr(&["platforms", "azure"]);
        let os_origin = ptr(&["oses", name]);
        for (arg, var) in [
            ("client_id", "azure_client_id"),
            ("client_secret", "azure_client_secret"),
            ("tenant_id", "azure_tenant_id"),
            ("subscription_id", "azure_subscription_id"),
            ("location", "azure_location"),
            ("build_resource_group_name", "azure_build_resource_group"),
        ] {
            if self.has_var(var) {
                let value = self.var(var);
                body.attr(arg, value, &o);
            }
        }
        match os.azure.as_ref().and_then(|a| a.vm_size.clone()) {
            Some(size) => body.attr(
                "vm_size",
                s(&size),
                &ptr(&["oses", name, "azure", "vm_size"]),
            ),
            None => {
                let size = self.var("azure_vm_size");
                body.attr("vm_size", size, &o);
            }
        }
        body.attr(
            "os_type",
            s(if os.family == Family::Windows {
                "Windows"
            } else {
                "Linux"
            }),
            &os_origin,
        );
        let image_origin = ptr(&["oses", name, "azure_image"]);
        if let Some(image) = &os.azure_image {
            body.attr("image_publisher", s(&image.publisher), &image_origin);
            body.attr("image_offer", s(&image.offer), &image_origin);
            let sku = edition
                .and_then(|e| e.azure_sku.clone())
                .unwrap_or_else(|| image.sku.clone());
            body.attr("image_sku", s(&sku), &image_origin);
            body.attr("image_version", s(&image.version), &image_origin);
        }
        let (_, _, disk, _) = self.hardware(os, PlatformName::Azure);
        body.attr("os_disk_size_gb", n(disk), &os_origin);
        let platform = self
            .spec
            .platforms
            .azure
            .clone()
            .expect("an azure source implies an azure platform");
        if platform.output.managed_image.is_some() {
            let mi = ptr(&["platforms", "azure", "output", "managed_image"]);
            body.attr("managed_image_name", s(source_name), &mi);
            let group = self.var("azure_managed_image_resource_group");
            body.attr("managed_image_resource_group_name", group, &mi);
        }
        let mut tags: Vec<(String, Expr)> = self
            .spec
            .defaults
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), s(v)))
            .collect();
        tags.push(("os".into(), s(name)));
        if let Some(e) = edition {
            tags.push(("edition".into(), s(&e.name)));
        }
        let build_version = if self.has_var("build_version") {
            self.var("build_version")
        } else {
            s("dev")
        };
        tags.push(("build_version".into(), build_version));
        tags.sort_by(|a, b| a.0.cmp(&b.0));
        tags.dedup_by(|a, b| a.0 == b.0);
        body.attr(
            "azure_tags",
            Expr::Object(tags),
            &ptr(&["defaults", "tags"]),
        );
        match os.family {
            Family::Linux => body.attr("communicator", s("ssh"), &os_origin),
            Family::Windows => {
                body.attr("communicator", s("winrm"), &os_origin);
                body.attr("winrm_use_ssl", Expr::Bool(true), &os_origin);
                body.attr("winrm_insecure", Expr::Bool(true), &os_origin);
                body.attr("winrm_timeout", s("10m"), &os_origin);
                body.attr("winrm_username", s("packer"), &os_origin);
            }
        }
        if platform.output.gallery.is_some() {
            let g = ptr(&["platforms", "azure", "output", "gallery"]);
            let mut dest = Args::default();
            let subscription = self.var("azure_subscription_id");
            dest.attr("subscription", subscription, &g);
            let group = self.var("azure_gallery_resource_group");
            dest.attr("resource_group", group, &g);
            let gallery = self.var("azure_gallery_name");
            dest.attr("gallery_name", gallery, &g);
            let image = os
                .azure
                .as_ref()
                .and_then(|a| a.gallery_image.clone())
                .unwrap_or_else(|| source_name.to_owned());
            dest.attr("image_name", s(&image), &os_origin);
            let version = self.var("azure_gallery_version");
            dest.attr("image_version", version, &g);
            if self.has_var("azure_replication_regions") {
                let regions = self.var("azure_replication_regions");
                let mut region = Args::default();
                region.attr("name", Expr::Traversal("target_region.value".into()), &g);
                dest.dynamic("target_region", regions, region, &g);
            }
            body.block("shared_image_gallery_destination", dest, &g);
        }
    }

    /// Adds `options` (platform-wide, then the OS's own, which win), refusing arguments
    /// hybridc sets itself.
    fn passthrough(
        &mut self,
        body: &mut Args,
        name: &str,
        os: &Os,
        platform: PlatformName,
        component: Component,
    ) {
        let (platform_options, os_options) = match platform {
            PlatformName::Proxmox => (
                self.spec
                    .platforms
                    .proxmox
                    .as_ref()
                    .map(|p| p.options.clone()),
                os.proxmox.as_ref().map(|p| p.options.clone()),
            ),
            PlatformName::Vsphere => (
                self.spec
                    .platforms
                    .vsphere
                    .as_ref()
                    .map(|p| p.options.clone()),
                os.vsphere.as_ref().map(|p| p.options.clone()),
            ),
            PlatformName::Azure => (
                self.spec
                    .platforms
                    .azure
                    .as_ref()
                    .map(|p| p.options.clone()),
                os.azure.as_ref().map(|p| p.options.clone()),
            ),
        };
        let mut merged: BTreeMap<String, (Json, String)> = BTreeMap::new();
        for (options, at) in [
            (
                platform_options,
                ptr(&["platforms", platform.as_str(), "options"]),
            ),
            (
                os_options,
                ptr(&["oses", name, platform.as_str(), "options"]),
            ),
        ] {
            for (key, value) in options.unwrap_or_default() {
                let origin = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                merged.insert(key, (value, origin));
            }
        }
        let schema = component.schema();
        for (key, (value, origin)) in merged {
            if body.has(&key) {
                self.problems.push(
                    Diagnostic::error(
                        "hybridc::compile::option-conflict",
                        format!("`{key}` is set by hybridc for {} and cannot be passed through `options`", component.name()),
                        self.span(&origin),
                        "hybridc already sets this argument",
                    )
                    .with_help("set it through the spec's own field (hardware, placement, output), or remove it here"),
                );
                continue;
            }
            match schema.blocks.get(&key) {
                Some(block) => {
                    let items: Vec<&Json> = match &value {
                        Json::Array(items) if block.repeatable => items.iter().collect(),
                        other => vec![other],
                    };
                    for item in items {
                        let mut args = Args::default();
                        json_block(&mut args, item, block, &origin);
                        body.block(&key, args, &origin);
                    }
                }
                None => body.attr(&key, literal(&value), &origin),
            }
        }
    }

    fn provisioning(
        &mut self,
        name: &str,
        os: &Os,
        selectors: &[(PlatformName, String)],
        build: &mut Build,
    ) {
        let env_platform =
            Expr::Template("HYBRIDC_PLATFORM=${split(\"-\", source.type)[0]}".into());
        for set in &os.provisioning {
            let Some(steps) = self.spec.provisioning.get(set) else {
                continue;
            };
            for (j, step) in steps.iter().enumerate() {
                let index = j.to_string();
                let origin = ptr(&["provisioning", set, &index, step.kind()]);
                let only: Vec<String> = if step.only().is_empty() {
                    Vec::new()
                } else {
                    selectors
                        .iter()
                        .filter(|(p, _)| step.only().contains(p))
                        .map(|(_, sel)| sel.clone())
                        .collect()
                };
                if !step.only().is_empty() && only.is_empty() {
                    // Limited to platforms this OS does not build on.
                    continue;
                }
                let mut body = Args::default();
                let component = match step {
                    SpecStep::Shell(shell) => {
                        if !shell.scripts.is_empty() {
                            let scripts = shell.scripts.iter().map(|p| self.path(p)).collect();
                            body.attr("scripts", Expr::List(scripts), &origin);
                        } else {
                            body.attr(
                                "inline",
                                Expr::List(shell.inline.iter().map(|c| s(c)).collect()),
                                &origin,
                            );
                        }
                        let mut env = vec![env_platform.clone()];
                        env.extend(shell.env.iter().map(|(k, v)| s(&format!("{k}={v}"))));
                        body.attr("environment_vars", Expr::List(env), &origin);
                        if shell.sudo {
                            body.attr(
                                "execute_command",
                                s("{{ .Vars }} sudo -E sh -eu '{{ .Path }}'"),
                                &origin,
                            );
                        }
                        if shell.expect_disconnect {
                            body.attr("expect_disconnect", Expr::Bool(true), &origin);
                        }
                        Component::Shell
                    }
                    SpecStep::Powershell(ps) => {
                        if !ps.scripts.is_empty() {
                            let scripts = ps.scripts.iter().map(|p| self.path(p)).collect();
                            body.attr("scripts", Expr::List(scripts), &origin);
                        } else {
                            body.attr(
                                "inline",
                                Expr::List(ps.inline.iter().map(|c| s(c)).collect()),
                                &origin,
                            );
                        }
                        let mut env = vec![env_platform.clone()];
                        env.extend(ps.env.iter().map(|(k, v)| s(&format!("{k}={v}"))));
                        body.attr("environment_vars", Expr::List(env), &origin);
                        if ps.elevated {
                            body.attr(
                                "elevated_user",
                                Expr::Traversal("build.User".into()),
                                &origin,
                            );
                            body.attr(
                                "elevated_password",
                                Expr::Traversal("build.Password".into()),
                                &origin,
                            );
                        }
                        Component::Powershell
                    }
                    SpecStep::WindowsRestart(restart) => {
                        body.attr(
                            "restart_timeout",
                            s(restart.timeout.as_deref().unwrap_or("15m")),
                            &origin,
                        );
                        Component::WindowsRestart
                    }
                    SpecStep::File(file) => {
                        body.attr("source", self.path(&file.source), &origin);
                        body.attr("destination", s(&file.destination), &origin);
                        Component::File
                    }
                    SpecStep::Ansible(ansible) => {
                        body.attr("playbook_file", self.path(&ansible.playbook), &origin);
                        if let Some(galaxy) = &ansible.galaxy_file {
                            body.attr("galaxy_file", self.path(galaxy), &origin);
                        }
                        body.attr("user", Expr::Traversal("build.User".into()), &origin);
                        body.attr("use_proxy", Expr::Bool(false), &origin);
                        let mut extra: Vec<String> = ansible
                            .extra_vars
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect();
                        if os.family == Family::Windows {
                            extra.extend(
                                [
                                    "ansible_connection=winrm",
                                    "ansible_winrm_transport=ntlm",
                                    "ansible_winrm_server_cert_validation=ignore",
                                ]
                                .map(str::to_owned),
                            );
                        }
                        let mut args: Vec<Expr> = Vec::new();
                        for e in &extra {
                            args.push(s("--extra-vars"));
                            args.push(s(e));
                        }
                        if os.family == Family::Windows {
                            args.push(s("--extra-vars"));
                            args.push(Expr::Template("ansible_password=${build.Password}".into()));
                        }
                        if !args.is_empty() {
                            body.attr("extra_arguments", Expr::List(args), &origin);
                        }
                        let mut env = vec![Expr::Template(
                            "HYBRIDC_PLATFORM=${split(\"-\", source.type)[0]}".into(),
                        )];
                        // An `ansible.cfg` beside the playbook is only read when named.
                        let config =
                            std::path::Path::new(&ansible.playbook).with_file_name("ansible.cfg");
                        if self.loaded.root.join(&config).is_file() {
                            let path = config.to_string_lossy().replace('\\', "/");
                            env.push(Expr::Template(format!(
                                "ANSIBLE_CONFIG=${{path.root}}/{}/{}",
                                self.layout.to_root,
                                escape_string(&path)
                            )));
                        }
                        body.attr("ansible_env_vars", Expr::List(env), &origin);
                        Component::Ansible
                    }
                };
                build.provisioners.push(Step {
                    component,
                    body,
                    only,
                    origin,
                });
            }
        }
        // Azure images must be generalised as the very last step.
        let azure: Vec<String> = selectors
            .iter()
            .filter(|(p, _)| *p == PlatformName::Azure)
            .map(|(_, s)| s.clone())
            .collect();
        if !azure.is_empty() {
            let origin = ptr(&["oses", name]);
            let mut body = Args::default();
            let component = match os.family {
                Family::Linux => {
                    body.attr("inline", list(&["/usr/sbin/waagent -force -deprovision+user && export HISTSIZE=0 && sync"]), &origin);
                    body.attr(
                        "execute_command",
                        s("{{ .Vars }} sudo -E sh -eu '{{ .Path }}'"),
                        &origin,
                    );
                    body.attr("skip_clean", Expr::Bool(true), &origin);
                    Component::Shell
                }
                Family::Windows => {
                    body.attr(
                        "inline",
                        list(&[
                            "& $env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /generalize /oobe /mode:vm /quiet /quit",
                            "while ($true) { $state = (Get-ItemProperty HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State).ImageState; if ($state -ne 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE') { Write-Output $state; Start-Sleep -Seconds 10 } else { break } }",
                        ]),
                        &origin,
                    );
                    Component::Powershell
                }
            };
            build.provisioners.push(Step {
                component,
                body,
                only: azure,
                origin,
            });
        }
    }

    fn post_processors(
        &mut self,
        name: &str,
        selectors: &[(PlatformName, String)],
        editions: &[Option<&crate::spec::Edition>],
        build: &mut Build,
    ) {
        let origin = ptr(&["oses", name]);
        for edition in editions {
            let only: Vec<String> = match edition {
                None => Vec::new(),
                Some(e) => selectors
                    .iter()
                    .filter(|(_, sel)| sel.ends_with(&format!(".{name}-{}", e.name)))
                    .map(|(_, sel)| sel.clone())
                    .collect(),
            };
            let file = match edition {
                Some(e) => format!("manifests/{name}-{}.json", e.name),
                None => format!("manifests/{name}.json"),
            };
            let mut body = Args::default();
            body.attr("output", self.path(&file), &origin);
            body.attr("strip_path", Expr::Bool(true), &origin);
            let mut data = vec![("os".to_owned(), s(name))];
            data.push(("edition".into(), s(edition.map_or("", |e| e.name.as_str()))));
            data.push((
                "platform".into(),
                Expr::Template("${split(\"-\", source.type)[0]}".into()),
            ));
            data.push(("source".into(), Expr::Traversal("source.name".into())));
            let version = if self.has_var("build_version") {
                self.var("build_version")
            } else {
                s("dev")
            };
            data.push(("build_version".into(), version));
            body.attr("custom_data", Expr::Object(data), &origin);
            build.post_processors.push(Step {
                component: Component::Manifest,
                body,
                only,
                origin: origin.clone(),
            });
        }
        let template = self
            .spec
            .platforms
            .vsphere
            .as_ref()
            .map(|v| v.output.template);
        let vsphere: Vec<String> = selectors
            .iter()
            .filter(|(p, _)| *p == PlatformName::Vsphere)
            .map(|(_, s)| s.clone())
            .collect();
        if template == Some(VsphereTemplate::PostProcessor) && !vsphere.is_empty() {
            let o = ptr(&["platforms", "vsphere", "output", "template"]);
            let mut body = Args::default();
            for (arg, var) in [
                ("host", "vsphere_endpoint"),
                ("username", "vsphere_username"),
                ("password", "vsphere_password"),
                ("insecure", "vsphere_insecure_connection"),
                ("datacenter", "vsphere_datacenter"),
                ("folder", "vsphere_folder"),
            ] {
                if self.has_var(var) {
                    let value = self.var(var);
                    body.attr(arg, value, &o);
                }
            }
            build.post_processors.push(Step {
                component: Component::VsphereTemplate,
                body,
                only: vsphere,
                origin: o,
            });
        }
    }
}

/// The name the installer looks for: `user-data.pkrtpl.hcl` is served as `user-data`,
/// `ks.pkrtpl.hcl` as `ks.cfg`, `preseed.pkrtpl.hcl` as `preseed.cfg`.
fn served_name(installer: Installer, template: &str) -> String {
    let stem = template.trim_end_matches(".pkrtpl.hcl");
    match installer {
        Installer::Autoinstall => stem.to_owned(),
        Installer::Kickstart | Installer::Preseed => format!("{stem}.cfg"),
        Installer::Autounattend => format!("{stem}.xml"),
    }
}

/// A passthrough block from its JSON form, nested blocks included.
fn json_block(args: &mut Args, value: &Json, block: &catalogue::BlockSchema, origin: &str) {
    let Json::Object(entries) = value else { return };
    for (key, v) in entries {
        let at = format!("{origin}/{}", key.replace('~', "~0").replace('/', "~1"));
        match block.blocks.get(key) {
            Some(inner) => {
                let items: Vec<&Json> = match v {
                    Json::Array(items) if inner.repeatable => items.iter().collect(),
                    other => vec![other],
                };
                for item in items {
                    let mut nested = Args::default();
                    json_block(&mut nested, item, inner, &at);
                    args.0.push(Arg::Block {
                        name: key.clone(),
                        body: nested,
                        origin: at.clone(),
                        for_each: None,
                    });
                }
            }
            None => args.attr(key, literal(v), &at),
        }
    }
}

/// `required_plugins` for the components in use, pinned to the catalogued versions.
fn plugins(model: &Model) -> Vec<Plugin> {
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
