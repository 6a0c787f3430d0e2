//! Lowering: a checked spec becomes the Packer model (variables, sources, builds, pkrvars).
//!
//! This is where the spec's layering (defaults -> OS -> platform -> environment) is resolved,
//! where each platform setting an environment may change becomes a variable, each credential a
//! sensitive variable read from the environment, and where installer seeds, boot commands,
//! communicators, outputs and provisioning are chosen. It produces data only: formatting is the
//! emitter's job, and checking arguments against the plugin catalogue is conformance's.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::catalogue::{self, Component};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::hcl::{Expr, escape_string};
use crate::loaded::Loaded;
use crate::model::{
    Args, Build, EnvFile, FileKey, Local, Model, Plugin, Source, SourceRef, Step, VarType, Variable,
};
use crate::platform::SETTINGS;
use crate::semantic::{builder_of, component, iso_platforms};
use crate::spec::{
    BuilderKind, Credential, Family, Firmware, GuestNetwork, Hardware, Installer, Iso, Os,
    PlatformName, SeedChannel, Spec, Step as SpecStep, VsphereTemplate, snake,
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

/// The shell provisioner's `execute_command` for steps that run as root.
const SUDO_EXECUTE: &str = "{{ .Vars }} sudo -E sh -eu '{{ .Path }}'";

/// Hardware used when no layer sets a value.
const DEFAULT_HARDWARE: Hardware = Hardware {
    cpus: Some(2),
    memory_mb: Some(4096),
    disk_gb: Some(crate::semantic::DEFAULT_DISK_GB),
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
        locals: BTreeMap::new(),
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
    // Locals shared by every build come before the per-OS ones.
    let shared = std::mem::take(&mut l.locals)
        .into_iter()
        .map(|(name, value)| Local { name, value });
    model.locals.splice(0..0, shared);
    model.environments = l.environments();
    model.variables = l
        .candidates
        .values()
        .filter(|c| l.used.contains(&c.variable.name))
        .map(|c| c.variable.clone())
        .collect();
    crate::interpolation::escape_model(&mut model);
    if !l.problems.is_empty() {
        crate::diagnostic::sort(&mut l.problems);
        // A platform's options are lowered once per OS: one conflict there is one finding.
        l.problems.dedup();
        return Err(l.problems);
    }
    crate::diagnostic::sort(&mut l.warnings);
    Ok((model, l.warnings))
}

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
    /// Locals shared by every build, by name.
    locals: BTreeMap<String, Expr>,
    problems: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

fn s(text: &str) -> Expr {
    Expr::String(text.to_owned())
}

/// Text the generator writes with Packer's Go-template actions on purpose (`{{ .HTTPIP }}`,
/// `{{ .Path }}`), which [`crate::interpolation`] must leave as it is.
fn go_template(text: &str) -> Expr {
    Expr::Template(escape_string(text))
}

fn n(value: u32) -> Expr {
    Expr::Number(i64::from(value))
}

fn list(items: &[&str]) -> Expr {
    Expr::List(items.iter().map(|i| s(i)).collect())
}

/// A line for an HCL quoted template that may refer to expressions: only `"` and `\\` are
/// escaped, `${...}` stays live.
fn escape_hcl_quotes(line: &str) -> String {
    line.replace('\\', "\\\\").replace('"', "\\\"")
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
    crate::pointer::from_tokens(tokens)
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

    /// The Windows scripts on the answer file's CD, as a glob: the files land at the CD's root,
    /// where the answer file's first-logon commands look for them.
    ///
    /// Not the folder itself: packer-plugin-sdk `multistep/commonsteps/step_create_cdrom.go`
    /// (`StepCreateCD.AddFile`) strips a folder's prefix as written while the walked children
    /// are cleaned paths, so a folder under `${path.root}/..` never matches and the step fails
    /// to open its files; a glob is expanded first and each match is copied by its base name.
    fn windows_cd_files(&self) -> Expr {
        Expr::List(vec![self.path("scripts/windows/*")])
    }

    /// `local.build_version`: `var.build_version`, or the build's UTC time when it is empty, so
    /// that even a plain `packer build` never reuses the previous build's artifact names.
    fn build_version(&mut self) -> Expr {
        if !self.locals.contains_key("build_version") {
            let version = self.var("build_version");
            let Expr::Traversal(version) = version else {
                unreachable!("a variable reference is a traversal")
            };
            let time = self.build_time();
            self.locals.insert(
                "build_version".into(),
                Expr::Traversal(format!(
                    "{version} != \"\" ? {version} : formatdate(\"YYYYMMDD-hhmmss\", {time})"
                )),
            );
        }
        Expr::Traversal("local.build_version".into())
    }

    /// `local.build_time`: the build's start, read once so that every name derived from it
    /// agrees.
    fn build_time(&mut self) -> &'static str {
        self.locals
            .entry("build_time".into())
            .or_insert_with(|| Expr::call("timestamp", Vec::new()));
        "local.build_time"
    }

    /// `local.azure_gallery_version`: a new gallery image version for every build, from its
    /// UTC time as `<year>.<month><day>.<hour><minute><second>` without leading zeros, so each
    /// part is an integer (packer-plugin-azure v2.6.3 `builder/azure/arm/config.go` requires
    /// `^[0-9]+\.[0-9]+\.[0-9]+$`) and later builds sort higher. A version that exists is
    /// refused without `-force` (`builder.go`, `Run`).
    fn gallery_version(&mut self) -> Expr {
        let time = self.build_time();
        self.locals.insert(
            "azure_gallery_version".into(),
            Expr::Traversal(format!(
                "format(\"%s.%d.%d\", formatdate(\"YYYY\", {time}), parseint(formatdate(\"MMDD\", {time}), 10), parseint(formatdate(\"hhmmss\", {time}), 10))"
            )),
        );
        Expr::Traversal("local.azure_gallery_version".into())
    }

    /// `"<name>-${local.build_version}"`: an artifact name that a rebuild does not collide with.
    /// vsphere-iso refuses an existing VM of the same name without `-force`
    /// (packer-plugin-vsphere v2.0.0 `builder/vsphere/driver/vm.go`, `PreCleanVM`), azure-arm an
    /// existing managed image (packer-plugin-azure v2.6.3 `builder/azure/arm/builder.go`,
    /// `Run`); Proxmox accepts duplicate names, which then cannot be told apart.
    fn versioned(&mut self, name: &str) -> Expr {
        self.build_version();
        Expr::Template(format!("{}-${{local.build_version}}", escape_string(name)))
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
                description: "Version in every artifact's name and manifest (`hybridc build` passes `git describe`); empty: the build's UTC time"
                    .into(),
                default: s(""),
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
                    Code::UnusedOverride,
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
                let source_name = crate::spec::source_name(name, edition.map(|e| e.name.as_str()));
                let source = self.source(
                    name,
                    os,
                    platform,
                    *edition,
                    &source_name,
                    seed_local.as_deref(),
                );
                build.sources.push(source.reference());
                model.sources.push(source);
            }
        }
        let own: Vec<&Source> = model
            .sources
            .iter()
            .filter(|s| s.origin == origin)
            .collect();
        let selectors: Vec<(PlatformName, SourceRef)> =
            own.iter().map(|s| (s.platform, s.reference())).collect();
        self.provisioning(name, os, &selectors, &mut build);
        self.post_processors(name, &selectors, &own, &editions, &mut build);
        model.builds.push(build);
    }

    /// The installer inputs shared by every source of a Linux OS, as a local value.
    fn seed_local(&mut self, name: &str, os: &Os, model: &mut Model) -> Option<String> {
        os.installer?;
        if os.family != Family::Linux || iso_platforms(self.spec, os).is_empty() {
            return None;
        }
        let locale = self.locale(os);
        let network = self.network(name).object();
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
        // The platform decides the guest agent; a Proxmox cloud-init drive needs cloud-init in
        // the guest to be of any use to the clones.
        let cloud_init = platform == PlatformName::Proxmox
            && self
                .spec
                .platforms
                .proxmox
                .as_ref()
                .is_some_and(|p| p.cloud_init);
        let vars = Expr::call(
            "merge",
            vec![
                Expr::Traversal(format!("local.{vars_local}")),
                Expr::Object(vec![
                    ("platform".into(), s(platform.as_str())),
                    ("cloud_init".into(), Expr::Bool(cloud_init)),
                ]),
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

    /// The installer's network of one build (`<os>` or `<os>-<edition>`): its address from
    /// `network.addresses` (an environment's `network` replaces `defaults.network` whole), as a
    /// literal when no environment changes the network, else as variables that each
    /// environment's var file sets.
    fn network(&mut self, source: &str) -> Network {
        let base = self.spec.defaults.network.as_ref();
        let varies = self.spec.environments.values().any(|e| e.network.is_some());
        let address_in =
            |n: Option<&GuestNetwork>| n.and_then(|n| n.addresses.get(source)).cloned();
        if !varies {
            return match (base, address_in(base)) {
                (Some(n), Some(cidr)) => Network::Fixed {
                    cidr,
                    gateway: n.gateway.clone(),
                    dns: n.dns.clone(),
                },
                _ => Network::Dhcp,
            };
        }
        let envs: Vec<(&String, &GuestNetwork)> = self
            .spec
            .environments
            .iter()
            .filter_map(|(name, e)| e.network.as_ref().map(|n| (name, n)))
            .collect();
        if address_in(base).is_none() && envs.iter().all(|(_, n)| address_in(Some(n)).is_none()) {
            return Network::Dhcp;
        }
        let address = format!("network_address_{}", snake(source));
        if !self.has_var(&address) {
            let overrides = envs
                .iter()
                .map(|(env, n)| {
                    (
                        (*env).clone(),
                        s(&address_in(Some(n)).unwrap_or_default()),
                        ptr(&["environments", env, "network", "addresses", source]),
                    )
                })
                .collect();
            self.candidate(
                Variable {
                    name: address.clone(),
                    kind: VarType::String,
                    description: format!(
                        "Static IPv4 address/prefix of the {source} installer; empty for DHCP"
                    ),
                    default: s(&address_in(base).unwrap_or_default()),
                    sensitive: false,
                    file: FileKey::Common,
                    origin: ptr(&["defaults", "network", "addresses", source]),
                },
                overrides,
            );
        }
        if !self.has_var("network_gateway") {
            let gateway = |n: &GuestNetwork| s(n.gateway.as_deref().unwrap_or_default());
            let dns = |n: &GuestNetwork| Expr::List(n.dns.iter().map(|d| s(d)).collect());
            type Field<'f> = &'f dyn Fn(&GuestNetwork) -> Expr;
            let shared: [(&str, VarType, &str, &str, Field, Expr); 2] = [
                (
                    "network_gateway",
                    VarType::String,
                    "Default gateway of the installers with a static address",
                    "gateway",
                    &gateway,
                    s(""),
                ),
                (
                    "network_dns",
                    VarType::ListString,
                    "DNS servers of the installers with a static address",
                    "dns",
                    &dns,
                    Expr::List(Vec::new()),
                ),
            ];
            for (name, kind, description, key, value, empty) in shared {
                let overrides = envs
                    .iter()
                    .map(|(env, n)| {
                        (
                            (*env).clone(),
                            value(n),
                            ptr(&["environments", env, "network", key]),
                        )
                    })
                    .collect();
                self.candidate(
                    Variable {
                        name: name.into(),
                        kind,
                        description: description.into(),
                        default: base.map_or(empty, value),
                        sensitive: false,
                        file: FileKey::Common,
                        origin: ptr(&["defaults", "network", key]),
                    },
                    overrides,
                );
            }
        }
        let Expr::Traversal(address) = self.var(&address) else {
            unreachable!("a variable reference is a traversal")
        };
        self.var("network_gateway");
        self.var("network_dns");
        Network::Variable {
            address,
            gateway: "var.network_gateway".into(),
            dns: "var.network_dns".into(),
        }
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
            // Windows Setup's own identifiers; `semantic` has checked that both map.
            Family::Windows => (
                language.replace('_', "-"),
                crate::windows_locale::windows_input_locale(&keyboard).unwrap_or(keyboard),
                crate::windows_locale::windows_time_zone(&timezone).map_or(timezone, str::to_owned),
            ),
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
        let source = crate::spec::source_name(name, Some(&edition.name));
        let (_, _, _, firmware) = self.hardware(os, platform);
        let network = self.network(&source).object();
        let vars = Expr::Object(vec![
            ("build_username".into(), self.var("build_username")),
            ("build_password".into(), self.var("build_password")),
            ("image_name".into(), s(&edition.image_name)),
            ("product_key".into(), product_key),
            ("language".into(), s(&locale.0)),
            ("keyboard".into(), s(&locale.1)),
            ("timezone".into(), s(&locale.2)),
            ("firmware".into(), s(firmware.as_str())),
            ("computer_name".into(), s(&computer_name(&source))),
            ("platform".into(), s(platform.as_str())),
            ("network".into(), network),
        ]);
        let path = self.path(&format!("builds/{name}/autounattend.pkrtpl.hcl"));
        Expr::Object(vec![(
            "autounattend.xml".into(),
            Expr::call("templatefile", vec![path, vars]),
        )])
    }

    /// `boot_wait` and `boot_command` of an ISO build. The lines are HCL templates: Packer's
    /// own `{{ .HTTPIP }}` actions and the installer network's expressions stay live.
    fn boot(&mut self, name: &str, os: &Os, firmware: Firmware) -> (Expr, Expr) {
        let installer = os.installer.unwrap_or(Installer::Autoinstall);
        let http = self.channel(os) == SeedChannel::Http;
        let base = "http://{{ .HTTPIP }}:{{ .HTTPPort }}";
        let net = if installer == Installer::Autounattend {
            String::new()
        } else {
            self.network(name).kernel_arguments(installer, name)
        };
        // Static text is escaped for HCL; `net` already is a template body.
        let e = escape_string;
        let with_net = |before: &str, after: &str| {
            if net.is_empty() {
                e(&format!("{before}{after}"))
            } else {
                format!("{} {net}{}", e(before), e(after))
            }
        };
        let commands: Vec<String> = match (installer, firmware) {
            (Installer::Autoinstall, _) => {
                let ds = if http {
                    format!("ds=\"nocloud;s={base}/\"")
                } else {
                    "ds=nocloud".into()
                };
                vec![
                    e("<wait3s>c<wait3s>"),
                    // Arguments before `---` are for the installer only; after it they would be
                    // copied into the installed system's boot line.
                    with_net(
                        &format!("linux /casper/vmlinuz autoinstall {ds}"),
                        " ---<enter><wait3s>",
                    ),
                    e("initrd /casper/initrd<enter><wait3s>"),
                    e("boot<enter>"),
                ]
            }
            (Installer::Kickstart, firmware) => {
                let ks = if http {
                    format!("inst.ks={base}/ks.cfg")
                } else {
                    "inst.ks=hd:LABEL=cidata:/ks.cfg".into()
                };
                match firmware {
                    Firmware::Uefi => vec![with_net(
                        &format!("<up>e<wait><down><down><end> inst.text {ks}"),
                        "<leftCtrlOn>x<leftCtrlOff>",
                    )],
                    Firmware::Bios => {
                        vec![with_net(&format!("<up><tab> inst.text {ks}"), "<enter>")]
                    }
                }
            }
            // debian-installer asks for the host and domain name before it loads a preseed
            // from the network, so they are answered here (Debian installation guide, appendix B.2).
            (Installer::Preseed, Firmware::Uefi) => vec![
                e("<wait3s>c<wait3s>"),
                with_net(
                    &format!(
                        "linux /install.amd/vmlinuz auto=true priority=critical preseed/url={base}/preseed.cfg hostname={name} domain="
                    ),
                    " --- quiet<enter><wait3s>",
                ),
                e("initrd /install.amd/initrd.gz<enter><wait3s>"),
                e("boot<enter>"),
            ],
            (Installer::Preseed, Firmware::Bios) => vec![
                e("<esc><wait>"),
                with_net(
                    &format!(
                        "auto priority=critical url={base}/preseed.cfg hostname={name} domain="
                    ),
                    "<enter>",
                ),
            ],
            (Installer::Autounattend, _) => {
                vec![e("<spacebar><wait><spacebar><wait><spacebar>")]
            }
        };
        let wait = if installer == Installer::Autounattend {
            "2s"
        } else {
            "5s"
        };
        (
            s(wait),
            Expr::List(commands.into_iter().map(Expr::Template).collect()),
        )
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
        let versioned = self.versioned(source_name);
        body.attr("vm_name", versioned.clone(), &os_origin);
        body.attr("template_name", versioned, &os_origin);
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
        // The shutdown after provisioning is a Proxmox task awaited for `task_timeout`, 60
        // seconds by default (packer-plugin-proxmox v1.2.4 `builder/proxmox/common/
        // step_convert_to_template.go`, `Run`: `client.ShutdownVm`, then `WaitForCompletion`);
        // a Windows guest that has just been generalised takes longer than that.
        body.attr("task_timeout", s("10m"), &os_origin);
        if builder == BuilderKind::Iso {
            let (wait, command) = self.boot(name, os, firmware);
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
                        cd.attr("cd_files", self.windows_cd_files(), &os_origin);
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
        let versioned = self.versioned(source_name);
        body.attr("vm_name", versioned, &os_origin);
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
                    body.attr("cd_files", self.windows_cd_files(), &os_origin);
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
            let (wait, command) = self.boot(name, os, firmware);
            body.attr("boot_wait", wait, &os_origin);
            body.attr("boot_command", command, &os_origin);
            body.attr("remove_cdrom", Expr::Bool(true), &os_origin);
        }
        self.communicator(body, os, &os_origin);
        // Linux: VMware Tools shut the VM down (the build user's sudo rule is gone by then; see
        // `finish`).
        if os.family == Family::Windows {
            body.attr(
                "shutdown_command",
                s("shutdown /s /t 10 /f /d p:4:1 /c \"Packer shutdown\""),
                &os_origin,
            );
        }
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
            // An OVF item of the same name is updated in place, so clones keep one stable name
            // (packer-plugin-vsphere v2.0.0 `builder/vsphere/driver/vm.go`,
            // `ImportOvfToContentLibrary`). A VM template item cannot be updated and must not
            // share the VM's name (`common/step_import_to_content_library.go`, `Prepare`), so
            // each build imports a new one.
            let item = if library.ovf {
                s(source_name)
            } else {
                Expr::Template(format!(
                    "{}-${{local.build_version}}-library",
                    escape_string(source_name)
                ))
            };
            cl.attr("name", item, &lib_origin);
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
        // Never below the image's own disk, which Azure refuses; `semantic` warns about it.
        let (_, _, disk, _) = self.hardware(os, PlatformName::Azure);
        let image_disk = os.azure_image.as_ref().and_then(|image| {
            let sku = edition
                .and_then(|e| e.azure_sku.as_deref())
                .unwrap_or(&image.sku);
            crate::semantic::azure_image_disk_gb(&image.publisher, sku)
        });
        if image_disk.is_none_or(|size| disk >= size) {
            body.attr("os_disk_size_gb", n(disk), &os_origin);
        }
        let platform = self
            .spec
            .platforms
            .azure
            .clone()
            .expect("an azure source implies an azure platform");
        if platform.output.managed_image.is_some() {
            let mi = ptr(&["platforms", "azure", "output", "managed_image"]);
            let versioned = self.versioned(source_name);
            body.attr("managed_image_name", versioned, &mi);
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
        let build_version = self.build_version();
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
            let version = if self.has_var("azure_gallery_version") {
                self.var("azure_gallery_version")
            } else {
                self.gallery_version()
            };
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
                let origin = crate::pointer::child(&at, &key);
                merged.insert(key, (value, origin));
            }
        }
        let schema = component.schema();
        for (key, (value, origin)) in merged {
            if body.has(&key) {
                self.problems.push(
                    Diagnostic::error(
                        Code::OptionConflict,
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
                    for (item, at) in block_items(&value, block, &origin) {
                        let mut args = Args::default();
                        self.option_block(&mut args, item, block, &at, platform);
                        body.block(&key, args, &at);
                    }
                }
                None => {
                    let value =
                        self.option_value(&value, schema.arguments.get(&key), &origin, platform);
                    body.attr(&key, value, &origin);
                }
            }
        }
    }

    /// A passthrough block from its JSON form, nested blocks included.
    fn option_block(
        &mut self,
        args: &mut Args,
        value: &Json,
        block: &catalogue::BlockSchema,
        origin: &str,
        platform: PlatformName,
    ) {
        let Json::Object(entries) = value else { return };
        for (key, v) in entries {
            let at = crate::pointer::child(origin, key);
            match block.blocks.get(key) {
                Some(inner) => {
                    for (item, item_at) in block_items(v, inner, &at) {
                        let mut nested = Args::default();
                        self.option_block(&mut nested, item, inner, &item_at, platform);
                        args.block(key, nested, &item_at);
                    }
                }
                None => {
                    let value = self.option_value(v, block.arguments.get(key), &at, platform);
                    args.attr(key, value, &at);
                }
            }
        }
    }

    /// An `options` value as HCL. `{ env: NAME }` for a string argument becomes a sensitive
    /// variable read from that environment variable, as credentials do, named after where the
    /// option is written (`platforms.azure.options.client_cert_password` ->
    /// `azure_options_client_cert_password`), so that options written once share it; any
    /// other value is the literal.
    fn option_value(
        &mut self,
        value: &Json,
        argument: Option<&catalogue::Argument>,
        origin: &str,
        platform: PlatformName,
    ) -> Expr {
        let Some(env) = crate::spec::env_reference(value)
            .filter(|_| argument.is_some_and(|a| a.kind == catalogue::Type::String))
        else {
            return literal(value);
        };
        let tokens = crate::pointer::tokens(origin);
        // `platforms` or `oses` first, then the place of the options, then the argument's path.
        let name = snake(&tokens[1..].join("_"));
        let split = tokens
            .iter()
            .position(|t| t == "options")
            .map_or(tokens.len(), |i| i + 1);
        let description = format!(
            "`{}` of `{}`",
            tokens[split..].join("."),
            tokens[..split].join(".")
        );
        let credential = Credential {
            env: env.to_owned(),
        };
        // Names are unique by construction; this guards against a spec that still makes two
        // meet (an OS named like a platform's options), rather than overwrite one silently.
        if self
            .candidates
            .get(&name)
            .is_some_and(|c| c.variable.credential() != Some(env))
        {
            self.problems.push(Diagnostic::error(
                Code::OptionConflict,
                format!("this option would become variable `{name}`, which stands for something else already"),
                self.span(origin),
                "variable name taken",
            ));
            return Expr::Null;
        }
        self.credential(
            &name,
            FileKey::Platform(platform),
            &credential,
            &description,
            origin,
        );
        self.var(&name)
    }

    fn provisioning(
        &mut self,
        name: &str,
        os: &Os,
        selectors: &[(PlatformName, SourceRef)],
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
                let only: Vec<SourceRef> = if step.only().is_empty() {
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
                            body.attr("execute_command", go_template(SUDO_EXECUTE), &origin);
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
                        let mut vars: Vec<(String, Json)> = Vec::new();
                        match os.family {
                            Family::Linux => self.ansible_over_ssh(&mut body, os, &origin),
                            Family::Windows => {
                                // WinRM: Ansible connects to the VM itself. packer-plugin-ansible
                                // v1.1.6 `provisioner/ansible/provisioner.go`: with
                                // `use_proxy = false` `createInventoryFile` writes
                                // `ansible_connection=winrm` with the communicator's host, port
                                // and user, and `createCmdArgs` adds `-e ansible_password=...`
                                // from the communicator itself; the scheme follows the port
                                // (5985: http) in Ansible's winrm connection plugin.
                                body.attr("use_proxy", Expr::Bool(false), &origin);
                                vars.push(("ansible_winrm_transport".into(), "ntlm".into()));
                                vars.push((
                                    "ansible_winrm_server_cert_validation".into(),
                                    "ignore".into(),
                                ));
                            }
                        }
                        vars.extend(
                            ansible
                                .extra_vars
                                .iter()
                                .map(|(k, v)| (k.clone(), Json::String(v.clone()))),
                        );
                        if !vars.is_empty() {
                            // One JSON document: Ansible's key=value form would split a value
                            // at its spaces (`a=x b=c` is two variables).
                            let document = Json::Object(vars.into_iter().collect()).to_string();
                            let mut args = body.take("extra_arguments");
                            args.extend([s("--extra-vars"), s(&document)]);
                            body.attr("extra_arguments", Expr::List(args), &origin);
                        }
                        let mut env = vec![Expr::Template(
                            "HYBRIDC_PLATFORM=${split(\"-\", source.type)[0]}".into(),
                        )];
                        // An `ansible.cfg` beside the playbook is only read when named. The
                        // path is kept as written: a backslash is part of a file name here.
                        let config = match ansible.playbook.rfind('/') {
                            Some(slash) => format!("{}/ansible.cfg", &ansible.playbook[..slash]),
                            None => "ansible.cfg".to_owned(),
                        };
                        if self.loaded.root.join(&config).is_file() {
                            let Expr::Template(path) = self.path(&config) else {
                                unreachable!("a repository path is a template")
                            };
                            env.push(Expr::Template(format!("ANSIBLE_CONFIG={path}")));
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
        self.finish(name, os, selectors, build);
    }

    /// The steps every template ends with, after the spec's own: no build credential may
    /// survive in it, and it must be generalised for cloning.
    ///
    /// - Linux on Proxmox and vSphere: the build user's password is locked, its passwordless
    ///   sudo rule removed and SSH password logins turned off (a clone's cloud-init may turn
    ///   them on again: its `50-cloud-init.conf` is read before `90-hybridc.conf`). Nothing runs
    ///   as root after it: vsphere-iso then shuts the VM down through VMware Tools when
    ///   `shutdown_command` is empty (packer-plugin-vsphere v2.0.0
    ///   `builder/vsphere/common/step_shutdown.go`, `Run`), proxmox-iso through the Proxmox API
    ///   (packer-plugin-proxmox v1.2.4 `builder/proxmox/common/step_convert_to_template.go`).
    /// - Linux on Azure: `waagent -deprovision+user` removes the user Azure created for the
    ///   build and generalises the VM (Microsoft Learn, "Create a generalized image of a Linux
    ///   VM"; the azure-arm documentation's Linux example).
    /// - Windows everywhere: Sysprep `/generalize /oobe`, waiting until the image state says it
    ///   is done, so that every clone gets its own SID and name and asks for its own
    ///   Administrator password; on Azure only once the guest agent's services run (the
    ///   azure-arm documentation's Windows example, Microsoft's documented sequence). The build
    ///   user is removed at a clone's first start by the task `scripts/windows/cleanup.ps1`
    ///   registers.
    fn finish(
        &mut self,
        name: &str,
        os: &Os,
        selectors: &[(PlatformName, SourceRef)],
        build: &mut Build,
    ) {
        let origin = ptr(&["oses", name]);
        let on = |platforms: &[PlatformName]| -> Vec<SourceRef> {
            selectors
                .iter()
                .filter(|(p, _)| platforms.contains(p))
                .map(|(_, s)| s.clone())
                .collect()
        };
        let mut steps: Vec<(Component, Args, Vec<SourceRef>)> = Vec::new();
        match os.family {
            Family::Linux => {
                let hypervisors = on(&[PlatformName::Proxmox, PlatformName::Vsphere]);
                if !hypervisors.is_empty() && self.has_var("build_username") {
                    let user = self.var("build_username");
                    let Expr::Traversal(user) = user else {
                        unreachable!("a variable reference is a traversal")
                    };
                    let mut body = Args::default();
                    body.attr(
                        "inline",
                        Expr::List(
                            [
                                format!("passwd -l \"${{{user}}}\""),
                                format!("rm -f \"/etc/sudoers.d/${{{user}}}\""),
                                "rm -f /etc/ssh/sshd_config.d/50-cloud-init.conf".into(),
                                "printf 'PasswordAuthentication no\\n' > /etc/ssh/sshd_config.d/90-hybridc.conf"
                                    .into(),
                            ]
                            .iter()
                            .map(|line| Expr::Template(escape_hcl_quotes(line)))
                            .collect(),
                        ),
                        &origin,
                    );
                    body.attr("execute_command", go_template(SUDO_EXECUTE), &origin);
                    body.attr("skip_clean", Expr::Bool(true), &origin);
                    steps.push((Component::Shell, body, hypervisors));
                }
                let azure = on(&[PlatformName::Azure]);
                if !azure.is_empty() {
                    let mut body = Args::default();
                    body.attr("inline", list(&["/usr/sbin/waagent -force -deprovision+user && export HISTSIZE=0 && sync"]), &origin);
                    body.attr("execute_command", go_template(SUDO_EXECUTE), &origin);
                    body.attr("skip_clean", Expr::Bool(true), &origin);
                    steps.push((Component::Shell, body, azure));
                }
            }
            Family::Windows => {
                let azure = on(&[PlatformName::Azure]);
                if !azure.is_empty() {
                    let mut body = Args::default();
                    body.attr(
                        "inline",
                        list(&[
                            "while ((Get-Service RdAgent).Status -ne 'Running') { Start-Sleep -Seconds 5 }",
                            "while ((Get-Service WindowsAzureGuestAgent).Status -ne 'Running') { Start-Sleep -Seconds 5 }",
                        ]),
                        &origin,
                    );
                    steps.push((Component::Powershell, body, azure));
                }
                let mut body = Args::default();
                body.attr(
                    "inline",
                    list(&[
                        "& $env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /generalize /oobe /mode:vm /quiet /quit",
                        "while ($true) { $state = (Get-ItemProperty HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State).ImageState; if ($state -ne 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE') { Write-Output $state; Start-Sleep -Seconds 10 } else { break } }",
                    ]),
                    &origin,
                );
                steps.push((Component::Powershell, body, Vec::new()));
            }
        }
        for (component, body, only) in steps {
            build.provisioners.push(Step {
                component,
                body,
                only,
                origin: origin.clone(),
            });
        }
    }

    /// Ansible over SSH goes through Packer's SSH proxy adapter (`use_proxy` left unset), the
    /// one way that works with every communicator: packer-plugin-ansible v1.1.6
    /// `provisioner/ansible/provisioner.go` (`Provision`) passes only the communicator's
    /// private key when `use_proxy = false`, and proxmox-iso and vsphere-iso have none when
    /// they log in with `ssh_password`. The adapter authenticates Ansible with a one-time ECDSA
    /// key (`setupAdapter`, `ansible_proxy_key_type` defaults to `ECDSA`) and serves scp itself
    /// and SFTP by running `sftp_command` on the guest (packer-plugin-sdk `adapter/adapter.go`),
    /// whose default path `/usr/lib/sftp-server` exists on neither family: name the real one, and
    /// let scp fall back to its legacy protocol (`-O`) where the path is not known.
    fn ansible_over_ssh(&self, body: &mut Args, os: &Os, origin: &str) {
        if let Some(server) = linux_distribution(os).map(Distribution::sftp_server) {
            body.attr("use_sftp", Expr::Bool(true), origin);
            body.attr("sftp_command", s(&format!("{server} -e")), origin);
        }
        body.attr(
            "extra_arguments",
            Expr::List(vec![s("--scp-extra-args"), s("'-O'")]),
            origin,
        );
    }

    fn post_processors(
        &mut self,
        name: &str,
        selectors: &[(PlatformName, SourceRef)],
        sources: &[&Source],
        editions: &[Option<&crate::spec::Edition>],
        build: &mut Build,
    ) {
        let origin = ptr(&["oses", name]);
        for edition in editions {
            let only: Vec<SourceRef> = match edition {
                None => Vec::new(),
                Some(e) => sources
                    .iter()
                    .filter(|s| s.edition.as_deref() == Some(e.name.as_str()))
                    .map(|s| s.reference())
                    .collect(),
            };
            let source = crate::spec::source_name(name, edition.map(|e| e.name.as_str()));
            let file = format!("manifests/{source}.json");
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
            let version = self.build_version();
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
        let vsphere: Vec<SourceRef> = selectors
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

/// The network of one build's installer.
#[derive(Debug, Clone, PartialEq)]
enum Network {
    /// DHCP.
    Dhcp,
    /// A static address known when compiling.
    Fixed {
        cidr: String,
        gateway: Option<String>,
        dns: Vec<String>,
    },
    /// A static address or DHCP, from variables each environment sets (`var.x` references;
    /// an empty address means DHCP).
    Variable {
        address: String,
        gateway: String,
        dns: String,
    },
}

/// The dotted netmask of a prefix length (`24` -> `255.255.255.0`).
fn netmask(prefix: u8) -> String {
    let bits = u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0);
    std::net::Ipv4Addr::from(bits).to_string()
}

impl Network {
    /// The installer templates' `network` input: `{ dhcp, address, gateway, dns }`.
    fn object(&self) -> Expr {
        let (dhcp, address, gateway, dns) = match self {
            Self::Dhcp => (Expr::Bool(true), s(""), s(""), Expr::List(Vec::new())),
            Self::Fixed { cidr, gateway, dns } => (
                Expr::Bool(false),
                s(cidr),
                s(gateway.as_deref().unwrap_or_default()),
                Expr::List(dns.iter().map(|d| s(d)).collect()),
            ),
            Self::Variable {
                address,
                gateway,
                dns,
            } => (
                Expr::Traversal(format!("{address} == \"\"")),
                Expr::Traversal(address.clone()),
                Expr::Traversal(gateway.clone()),
                Expr::Traversal(dns.clone()),
            ),
        };
        Expr::Object(vec![
            ("dhcp".into(), dhcp),
            ("address".into(), address),
            ("gateway".into(), gateway),
            ("dns".into(), dns),
        ])
    }

    /// The installer's own network on its kernel command line, as HCL template text (empty
    /// for DHCP): an installer that fetches its answer file over HTTP needs the network first.
    ///
    /// - debian-installer: `netcfg/*` answers, which are also the only way to preseed a static
    ///   network when the preseed itself comes over the network (Debian installation guide,
    ///   appendix B.4.3; `netcfg/no_default_route` without a gateway).
    /// - dracut (Rocky's installer) and casper/klibc ipconfig (Ubuntu's live installer) share
    ///   `ip=<ip>::<gateway>:<netmask>:<hostname>::none:<dns1>:<dns2>`: dracut.cmdline(7), and
    ///   dracut `modules.d/40network/parse-ip-opts.sh` (the interface may be left out when there
    ///   is a single `ip=`); the kernel's `Documentation/admin-guide/nfs/nfsroot.rst`
    ///   (`<dns0-ip>:<dns1-ip>` after autoconf `none`).
    fn kernel_arguments(&self, installer: Installer, hostname: &str) -> String {
        let debian = installer == Installer::Preseed;
        match self {
            Self::Dhcp => String::new(),
            Self::Fixed { cidr, gateway, dns } => {
                let (ip, prefix) = cidr.split_once('/').unwrap_or((cidr, "32"));
                let mask = netmask(prefix.parse().unwrap_or(32));
                let gateway = gateway.as_deref().unwrap_or_default();
                if debian {
                    let mut args = format!(
                        "netcfg/disable_autoconfig=true netcfg/get_ipaddress={ip} netcfg/get_netmask={mask}"
                    );
                    if gateway.is_empty() {
                        args.push_str(" netcfg/no_default_route=true");
                    } else {
                        args.push_str(&format!(" netcfg/get_gateway={gateway}"));
                    }
                    if let Some(first) = dns.first() {
                        args.push_str(&format!(" netcfg/get_nameservers={first}"));
                    }
                    args.push_str(" netcfg/confirm_static=true");
                    escape_string(&args)
                } else {
                    let mut args = format!("ip={ip}::{gateway}:{mask}:{hostname}::none");
                    for server in dns.iter().take(2) {
                        args.push_str(&format!(":{server}"));
                    }
                    escape_string(&args)
                }
            }
            Self::Variable {
                address,
                gateway,
                dns,
            } => {
                let ip = format!("${{split(\"/\", {address})[0]}}");
                let mask = format!("${{cidrnetmask({address})}}");
                let body = if debian {
                    format!(
                        "netcfg/disable_autoconfig=true netcfg/get_ipaddress={ip} netcfg/get_netmask={mask}\
                         %{{if {gateway} != \"\"}} netcfg/get_gateway=${{{gateway}}}%{{else}} netcfg/no_default_route=true%{{endif}}\
                         %{{if length({dns}) > 0}} netcfg/get_nameservers=${{{dns}[0]}}%{{endif}} netcfg/confirm_static=true"
                    )
                } else {
                    format!(
                        "ip={ip}::${{{gateway}}}:{mask}:{hostname}::none\
                         %{{for server in slice({dns}, 0, min(2, length({dns})))}}:${{server}}%{{endfor}}"
                    )
                };
                format!("%{{if {address} != \"\"}}{body}%{{endif}}")
            }
        }
    }
}

/// A NetBIOS computer name from a source name: at most 15 characters, not ending in `-`
/// (Microsoft-Windows-Shell-Setup `ComputerName`).
fn computer_name(source: &str) -> String {
    let short: String = source.chars().take(15).collect();
    short.trim_end_matches('-').to_owned()
}

/// The Linux distribution families whose layout the generated steps depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Distribution {
    /// Debian and Ubuntu.
    Debian,
    /// Red Hat Enterprise Linux and its rebuilds (Rocky, Alma).
    RedHat,
}

impl Distribution {
    /// The SFTP server binary: Debian's `openssh-sftp-server` package and RHEL's
    /// `openssh-server` package install it at these paths.
    fn sftp_server(self) -> &'static str {
        match self {
            Self::Debian => "/usr/lib/openssh/sftp-server",
            Self::RedHat => "/usr/libexec/openssh/sftp-server",
        }
    }
}

/// The distribution family of a Linux OS: from its installer, else from its Azure image's
/// publisher; `None` when neither tells.
fn linux_distribution(os: &Os) -> Option<Distribution> {
    match os.installer {
        Some(Installer::Autoinstall | Installer::Preseed) => return Some(Distribution::Debian),
        Some(Installer::Kickstart) => return Some(Distribution::RedHat),
        Some(Installer::Autounattend) | None => {}
    }
    let publisher = os.azure_image.as_ref()?.publisher.to_ascii_lowercase();
    match publisher.as_str() {
        "canonical" | "debian" => Some(Distribution::Debian),
        "redhat" | "resf" | "almalinux" | "openlogic" => Some(Distribution::RedHat),
        _ => None,
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

/// The items of a passthrough block value, each with its origin: the items of a list for a
/// repeatable block (`/0`, `/1`, ...), else the value itself.
fn block_items<'v>(
    value: &'v Json,
    block: &catalogue::BlockSchema,
    origin: &str,
) -> Vec<(&'v Json, String)> {
    match value {
        Json::Array(items) if block.repeatable => items
            .iter()
            .enumerate()
            .map(|(i, item)| (item, format!("{origin}/{i}")))
            .collect(),
        other => vec![(other, origin.to_owned())],
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
