//! The variables every build may share: the build version and time, the build user's and
//! the platforms' credentials, each platform setting an environment may change (declared from
//! [`crate::platform::SETTINGS`]), and each environment's var file of the values it sets.

use serde_json::Value as Json;

use super::{Lowerer, Override, literal, ptr, s};
use crate::diagnostic::{Code, Diagnostic};
use crate::hcl::{Expr, Part};
use crate::model::{Args, EnvFile, FileKey, VarType, Variable};
use crate::platform::SETTINGS;
use crate::pointer::Pointer;
use crate::spec::{Credential, PlatformName, secret_variable, snake};

/// The variable of the build user's SSH private key file, when it has an SSH key.
pub(super) const SSH_KEY_FILE: &str = "build_ssh_private_key_file";

impl Lowerer<'_> {
    /// `local.build_version`: `var.build_version`, or the build's UTC time when it is empty, so
    /// that even a plain `packer build` never reuses the previous build's artifact names.
    pub(super) fn build_version(&mut self) -> Expr {
        if !self.locals.contains_key("build_version") {
            let version = self.var("build_version");
            let time = self.build_time();
            self.locals.insert(
                "build_version".into(),
                Expr::conditional(
                    version.clone().not_equal(""),
                    version,
                    Expr::call("formatdate", vec![s("YYYYMMDD-hhmmss"), time]),
                ),
            );
        }
        Expr::local("build_version")
    }

    /// `local.build_time`: the build's start, read once so that every name derived from it
    /// agrees.
    pub(super) fn build_time(&mut self) -> Expr {
        self.locals
            .entry("build_time".into())
            .or_insert_with(|| Expr::call("timestamp", Vec::new()));
        Expr::local("build_time")
    }

    /// `local.azure_gallery_version`: a new gallery image version for every build, from its
    /// UTC time as `<year>.<month><day>.<hour><minute><second>` without leading zeros, so each
    /// part is an integer (packer-plugin-azure v2.6.3 `builder/azure/arm/config.go` requires
    /// `^[0-9]+\.[0-9]+\.[0-9]+$`) and later builds sort higher. A version that exists is
    /// refused without `-force` (`builder.go`, `Run`).
    pub(super) fn gallery_version(&mut self) -> Expr {
        let time = self.build_time();
        let date = |format: &str| Expr::call("formatdate", vec![s(format), time.clone()]);
        let number = |format: &str| Expr::call("parseint", vec![date(format), Expr::Number(10)]);
        self.locals.insert(
            "azure_gallery_version".into(),
            Expr::call(
                "format",
                vec![
                    s("%s.%d.%d"),
                    date("YYYY"),
                    number("MMDD"),
                    number("hhmmss"),
                ],
            ),
        );
        Expr::local("azure_gallery_version")
    }

    /// `"<name>-${local.build_version}"`: an artifact name that a rebuild does not collide with.
    /// vsphere-iso refuses an existing VM of the same name without `-force`
    /// (packer-plugin-vsphere v2.0.0 `builder/vsphere/driver/vm.go`, `PreCleanVM`), azure-arm an
    /// existing managed image (packer-plugin-azure v2.6.3 `builder/azure/arm/builder.go`,
    /// `Run`); Proxmox accepts duplicate names, which then cannot be told apart.
    pub(super) fn versioned(&mut self, name: &str) -> Expr {
        self.build_version();
        Expr::Template(vec![
            Part::text(format!("{name}-")),
            Part::Expr(Expr::local("build_version")),
        ])
    }

    /// A platform's connection and placement arguments, from [`crate::platform::SETTINGS`]:
    /// each setting with a builder argument whose variable exists.
    pub(super) fn connection(&mut self, body: &mut Args, platform: PlatformName, origin: &Pointer) {
        // One buffer for the names: this runs for every source.
        let mut variable = String::new();
        for (argument, setting) in crate::platform::source_arguments(platform) {
            setting.variable_into(&mut variable);
            if self.has_var(&variable) {
                let value = self.var(&variable);
                body.attr(argument, value, origin);
            }
        }
    }

    pub(super) fn credential(
        &mut self,
        name: &str,
        file: FileKey,
        credential: &Credential,
        description: &str,
        origin: &Pointer,
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

    pub(super) fn declare_common(&mut self) {
        self.candidate(
            Variable {
                name: "build_version".into(),
                kind: VarType::String,
                description: "Version in every artifact's name and manifest (`hybridc build` passes `git describe`); empty: the build's UTC time"
                    .into(),
                default: s(""),
                sensitive: false,
                file: FileKey::Common,
                origin: ptr(&["version"]),
            },
            Vec::new(),
        );
        self.declare_step_secrets();
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
                origin: ptr(&["defaults", "build_user", "username"]),
            },
            Vec::new(),
        );
        if let Some(password) = &user.password {
            self.credential(
                "build_password",
                FileKey::Common,
                password,
                "Password of the build user",
                &ptr(&["defaults", "build_user", "password"]),
            );
        }
        if let Some(key) = &user.ssh_key {
            self.credential(
                SSH_KEY_FILE,
                FileKey::Common,
                &key.private_key_file,
                "Path of the build user's SSH private key file on the build host",
                &ptr(&["defaults", "build_user", "ssh_key", "private_key_file"]),
            );
        }
        if let Some(hash) = &user.password_hash {
            self.credential(
                "build_password_hash",
                FileKey::Common,
                hash,
                "SHA-512 crypt hash of the build user's password",
                &ptr(&["defaults", "build_user", "password_hash"]),
            );
        }
        for (os_name, os) in &self.spec.oses {
            for (i, edition) in os.editions.iter().enumerate() {
                if let crate::spec::EditionEntry::Full(edition) = edition
                    && let Some(key) = &edition.product_key
                {
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

    /// The secrets provisioning steps hand to what they run (`env` and `extra_vars` values
    /// written `{ env: NAME }`): one variable per NAME, [`secret_variable`], whichever steps
    /// use it, declared where the first of them is written.
    fn declare_step_secrets(&mut self) {
        for (set, steps) in &self.spec.provisioning {
            for (i, step) in steps.iter().enumerate() {
                for (field, key, credential) in step.secrets() {
                    let name = secret_variable(&credential.env);
                    if self.has_var(&name) {
                        continue;
                    }
                    let index = i.to_string();
                    let origin = ptr(&["provisioning", set, &index, step.kind(), field, key]);
                    self.credential(
                        &name,
                        FileKey::Common,
                        credential,
                        "Secret of provisioning steps",
                        &origin,
                    );
                }
            }
        }
    }

    /// The build user's SSH public key for the installer to authorise, `""` without one.
    pub(super) fn ssh_public_key(&self) -> Expr {
        let key = self
            .spec
            .defaults
            .build_user
            .as_ref()
            .and_then(|u| u.ssh_key.as_ref());
        s(key.map_or("", |k| k.public_key.as_str()))
    }

    /// Declares the platform settings an environment may change, from [`SETTINGS`]: a variable
    /// whose default is the base value, with each environment's value. Only settings the base
    /// or an environment sets become candidates. Credentials become sensitive variables.
    pub(super) fn declare_platforms(&mut self) {
        let spec = self.spec;
        // The typed spec as JSON holds serde's defaults, so every setting can be read by path.
        let platforms = serde_json::to_value(&spec.platforms).unwrap_or(Json::Null);
        // Each environment's overrides as JSON, once for every setting.
        let overridden: Vec<Json> = spec
            .environments
            .values()
            .map(|e| serde_json::to_value(&e.platforms).unwrap_or(Json::Null))
            .collect();
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
            let base_origin = ptr(&["platforms", name]).join(&crate::pointer::tokens(setting.base));
            let variable = setting.variable();
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
                .zip(&overridden)
                .filter_map(|((env, _), over)| {
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

    pub(super) fn environments(&mut self) -> Vec<EnvFile> {
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
}
