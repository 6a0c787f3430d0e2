//! Semantic checks: what the schema cannot say about a spec that has the right shape.
//!
//! References between sections, names that become Packer labels or file names, files the spec
//! points at, contradictions between settings, and the `options:` passthrough checked against
//! the plugin catalogue. Every finding points at the spec node that causes it. This stage reads
//! the typed spec and the YAML tree (for positions) and may look at files under the repository
//! root; it never writes anything.

use std::collections::BTreeMap;
use std::path::{Component as PathComponent, Path, PathBuf};

use serde_json::Value;

use crate::catalogue::{self, Argument, BlockSchema, Component};
use crate::diagnostic::{self, Code, Diagnostic, Span, did_you_mean};
use crate::spec::{
    BuilderKind, Family, GuestNetwork, Installer, Iso, Options, Os, PlatformName, SeedChannel,
    Spec, Step, VsphereTemplate, snake,
};
use crate::yaml::{Located, Node};

/// Everything the semantic stage looks at.
pub struct Context<'a> {
    /// The typed spec.
    pub spec: &'a Spec,
    /// The YAML tree, for positions.
    pub tree: &'a Node,
    /// The repository root, which relative paths in the spec start from.
    pub root: &'a Path,
}

/// Runs every check and returns all findings (errors and warnings), sorted by position.
pub fn check(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut checker = Checker {
        cx,
        out: Vec::new(),
    };
    checker.names();
    checker.platforms();
    checker.oses();
    checker.provisioning();
    checker.step_families();
    checker.environments();
    checker.build_user();
    checker.artifact_names();
    let mut out = checker.out;
    diagnostic::sort(&mut out);
    out
}

struct Checker<'a, 'b> {
    cx: &'a Context<'b>,
    out: Vec<Diagnostic>,
}

/// Builds a JSON pointer from unescaped tokens.
fn ptr(tokens: &[&str]) -> String {
    crate::pointer::from_tokens(tokens)
}

fn is_label(name: &str) -> bool {
    // Also a valid host name: at most 63 characters.
    if name.len() > 63 {
        return false;
    }
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

/// The Packer component an OS uses on a platform.
pub fn component(platform: PlatformName, builder: BuilderKind) -> Component {
    match (platform, builder) {
        (PlatformName::Proxmox, BuilderKind::Iso) => Component::ProxmoxIso,
        (PlatformName::Proxmox, BuilderKind::Clone) => Component::ProxmoxClone,
        (PlatformName::Vsphere, BuilderKind::Iso) => Component::VsphereIso,
        (PlatformName::Vsphere, BuilderKind::Clone) => Component::VsphereClone,
        (PlatformName::Azure, _) => Component::AzureArm,
    }
}

/// The builder kind an OS uses on a platform: the OS's choice, else the platform's.
pub fn builder_of(spec: &Spec, os: &Os, platform: PlatformName) -> BuilderKind {
    match platform {
        PlatformName::Proxmox => os
            .proxmox
            .as_ref()
            .and_then(|p| p.builder)
            .or(spec.platforms.proxmox.as_ref().map(|p| p.builder))
            .unwrap_or_default(),
        PlatformName::Vsphere => os
            .vsphere
            .as_ref()
            .and_then(|p| p.builder)
            .or(spec.platforms.vsphere.as_ref().map(|p| p.builder))
            .unwrap_or_default(),
        PlatformName::Azure => BuilderKind::Clone,
    }
}

/// The configured platforms an OS is installed on from an ISO (with its installer), in the
/// OS's order. Azure starts from a Marketplace image and is never among them.
pub fn iso_platforms(spec: &Spec, os: &Os) -> Vec<PlatformName> {
    let p = &spec.platforms;
    os.platforms
        .iter()
        .copied()
        .filter(|platform| match platform {
            PlatformName::Proxmox => p.proxmox.is_some(),
            PlatformName::Vsphere => p.vsphere.is_some(),
            PlatformName::Azure => false,
        })
        .filter(|platform| builder_of(spec, os, *platform) == BuilderKind::Iso)
        .collect()
}

impl Checker<'_, '_> {
    fn at(&self, tokens: &[&str]) -> Located {
        self.cx.tree.locate(&ptr(tokens)).unwrap_or(Located {
            key: None,
            value: self.cx.tree.span,
        })
    }

    fn key_span(&self, tokens: &[&str]) -> Span {
        self.at(tokens).key_or_value()
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.out.push(diagnostic);
    }

    fn configured(&self, platform: PlatformName) -> bool {
        let p = &self.cx.spec.platforms;
        match platform {
            PlatformName::Proxmox => p.proxmox.is_some(),
            PlatformName::Vsphere => p.vsphere.is_some(),
            PlatformName::Azure => p.azure.is_some(),
        }
    }

    fn configured_names(&self) -> Vec<&'static str> {
        PlatformName::ALL
            .into_iter()
            .filter(|p| self.configured(*p))
            .map(PlatformName::as_str)
            .collect()
    }

    fn names(&mut self) {
        let spec = self.cx.spec;
        // OS names that Packer's variable and local names cannot tell apart (`-` becomes `_`
        // there). Two valid names never collide, so all but one of each group are invalid.
        let mut by_identifier: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for name in spec.oses.keys() {
            by_identifier.entry(snake(name)).or_default().push(name);
        }
        let mut colliding = Vec::new();
        for (identifier, names) in &by_identifier {
            let Some(kept) = names.iter().find(|n| is_label(n)).or(names.first()) else {
                continue;
            };
            for name in names.iter().filter(|n| *n != kept) {
                colliding.push(*name);
                self.push(
                    Diagnostic::error(
                        Code::NameCollision,
                        format!("OS names `{name}` and `{kept}` collide"),
                        self.key_span(&["oses", name]),
                        format!("becomes `{identifier}` in Packer names"),
                    )
                    .with_secondary(self.key_span(&["oses", kept]), format!("becomes `{identifier}` in Packer names"))
                    .with_help(format!(
                        "Packer variable and local names write `-` as `_`, so both OSes would get the same ones (`{identifier}_...`); rename `{name}` (lowercase letters, digits and `-`) or remove one of them"
                    )),
                );
            }
        }
        for name in spec.oses.keys() {
            if !is_label(name) && !colliding.contains(&name.as_str()) {
                let suggestion = suggest_free_label(name, |n| spec.oses.contains_key(n));
                self.push(
                    Diagnostic::error(
                        Code::BadName,
                        format!("OS name `{name}` is not a valid build name"),
                        self.key_span(&["oses", name]),
                        "becomes a Packer label",
                    )
                    .with_help(format!(
                        "use up to 63 lowercase letters, digits and `-`, starting with a letter and without dots, for example `{suggestion}`"
                    )),
                );
            }
        }
        for name in spec.environments.keys() {
            if !is_label(name) {
                let suggestion = suggest_free_label(name, |n| spec.environments.contains_key(n));
                self.push(
                    Diagnostic::error(
                        Code::BadName,
                        format!("environment name `{name}` is not a valid file name"),
                        self.key_span(&["environments", name]),
                        "becomes env/<name>.pkrvars.hcl",
                    )
                    .with_help(format!(
                        "use lowercase letters, digits and `-`, starting with a letter, for example `{suggestion}`"
                    )),
                );
            }
        }
        for (name, set) in &spec.provisioning {
            if set.is_empty() {
                self.push(Diagnostic::warning(
                    Code::EmptySet,
                    format!("provisioning set `{name}` has no steps"),
                    self.key_span(&["provisioning", name]),
                    "empty",
                ));
            }
        }
    }

    fn platforms(&mut self) {
        let spec = self.cx.spec;
        if let Err(problem) =
            crate::version::VersionConstraint::parse(&spec.packer.required_version)
        {
            self.push(
                Diagnostic::error(
                    Code::BadFormat,
                    "`packer.required_version` is not a version constraint",
                    self.at(&["packer", "required_version"]).value,
                    problem,
                )
                .with_help("for example `\">= 1.11.0\"`, or `\"~> 1.11\"` (operators `=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`, comma-separated)"),
            );
        }
        if let Some(virtio) = spec
            .platforms
            .proxmox
            .as_ref()
            .and_then(|p| p.virtio_iso.as_ref())
        {
            self.iso_values(virtio, &["platforms", "proxmox", "virtio_iso"]);
        }
        let networks = std::iter::once((
            vec!["defaults".to_owned(), "network".to_owned()],
            &spec.defaults.network,
        ))
        .chain(spec.environments.iter().map(|(name, env)| {
            (
                vec![
                    "environments".to_owned(),
                    name.clone(),
                    "network".to_owned(),
                ],
                &env.network,
            )
        }));
        let sources = static_sources(spec);
        for (at, network) in networks {
            let Some(network) = network else { continue };
            let base: Vec<&str> = at.iter().map(String::as_str).collect();
            self.network(&base, network, &sources);
        }
        if let Some(vsphere) = &spec.platforms.vsphere
            && vsphere.cluster.is_none()
            && vsphere.host.is_none()
        {
            self.push(
                Diagnostic::error(
                    Code::MissingPlacement,
                    "vSphere needs a `cluster` or a `host` to run the build VM on",
                    self.key_span(&["platforms", "vsphere"]),
                    "neither `cluster` nor `host` is set",
                )
                .with_help("add `cluster: <name>` (or `host: <esxi host>`)"),
            );
        }
        if let Some(vsphere) = &spec.platforms.vsphere
            && vsphere.output.template == VsphereTemplate::Convert
            && vsphere.output.content_library.is_some()
        {
            self.push(
                Diagnostic::error(
                    Code::Conflict,
                    "vSphere cannot convert the VM to a template and also import it into a content library",
                    self.key_span(&["platforms", "vsphere", "output", "content_library"]),
                    "the builder imports the VM here",
                )
                .with_secondary(self.key_span(&["platforms", "vsphere", "output", "template"]), "and converts it here")
                .with_help("use `template: post-processor` (marks the VM as a template after the import) or `template: none`"),
            );
        }
        if let Some(azure) = &spec.platforms.azure {
            if azure.output.managed_image.is_none() && azure.output.gallery.is_none() {
                self.push(
                    Diagnostic::error(
                        Code::NoOutput,
                        "the Azure output has neither a managed image nor a gallery",
                        self.key_span(&["platforms", "azure", "output"]),
                        "produces nothing",
                    )
                    .with_help(
                        "add `managed_image: { resource_group: ... }` and/or `gallery: { ... }`",
                    ),
                );
            }
            // A fixed version exists after the first build: packer-plugin-azure v2.6.3
            // `builder/azure/arm/builder.go` (`Run`) refuses it without `-force`.
            let fixed = azure
                .output
                .gallery
                .as_ref()
                .and_then(|g| g.version.as_ref())
                .map(|_| vec!["platforms", "azure", "output", "gallery", "version"])
                .into_iter()
                .chain(spec.environments.iter().filter_map(|(env, e)| {
                    e.platforms.azure.as_ref()?.gallery_version.as_ref()?;
                    Some(vec![
                        "environments",
                        env.as_str(),
                        "platforms",
                        "azure",
                        "gallery_version",
                    ])
                }))
                .collect::<Vec<_>>();
            for tokens in fixed {
                self.push(
                    Diagnostic::warning(
                        Code::FixedVersion,
                        "a fixed gallery image version can be published only once",
                        self.key_span(&tokens),
                        "every build after the first fails unless Packer runs with `-force`, which deletes this version first",
                    )
                    .with_help("leave the version out: each build then publishes a new one from its UTC time (`2026.1130.84512`)"),
                );
            }
            match (&azure.location, &azure.build_resource_group) {
                (Some(_), Some(_)) => self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        "Azure takes `location` or `build_resource_group`, not both",
                        self.key_span(&["platforms", "azure", "build_resource_group"]),
                        "builds in this existing group",
                    )
                    .with_secondary(self.key_span(&["platforms", "azure", "location"]), "and also creates one here")
                    .with_help("remove one of them: `location` creates a temporary resource group, `build_resource_group` reuses one"),
                ),
                (None, None) => self.push(
                    Diagnostic::error(
                        Code::MissingPlacement,
                        "Azure needs a `location` or a `build_resource_group`",
                        self.key_span(&["platforms", "azure"]),
                        "neither is set",
                    )
                    .with_help("add `location: westeurope` (or the name of an existing resource group)"),
                ),
                _ => {}
            }
        }
        // Platform-wide options are checked against every builder the platform's OSes use.
        let options: [(PlatformName, Option<&Options>); 3] = [
            (
                PlatformName::Proxmox,
                spec.platforms.proxmox.as_ref().map(|p| &p.options),
            ),
            (
                PlatformName::Vsphere,
                spec.platforms.vsphere.as_ref().map(|p| &p.options),
            ),
            (
                PlatformName::Azure,
                spec.platforms.azure.as_ref().map(|p| &p.options),
            ),
        ];
        for (platform, options) in options {
            let Some(options) = options else { continue };
            let mut components: Vec<Component> = spec
                .oses
                .values()
                .filter(|os| os.platforms.contains(&platform))
                .map(|os| component(platform, builder_of(spec, os, platform)))
                .collect();
            components.sort();
            components.dedup();
            if components.is_empty() {
                components.push(component(platform, builder_of_platform(spec, platform)));
            }
            for c in components {
                self.options(options, &["platforms", platform.as_str(), "options"], c);
            }
        }
    }

    /// Artifact names must not collide: every source is named `<os>` or `<os>-<edition>`, and
    /// its artifacts `<source>-<build version>` (at most 40 characters, checked by `hybridc
    /// build`). Azure takes at most 80 characters for a managed image name (packer-plugin-azure
    /// v2.6.3 `builder/azure/arm/config.go`, `validManagedDiskName`), and two builds publishing
    /// to one gallery image definition would publish the same version.
    fn artifact_names(&mut self) {
        let spec = self.cx.spec;
        type Places<'p> = BTreeMap<String, Vec<Vec<&'p str>>>;
        let mut sources: Places = BTreeMap::new();
        let mut gallery_images: Places = BTreeMap::new();
        for (name, os) in &spec.oses {
            let own: Vec<(String, Vec<&str>)> = match os.family {
                Family::Linux => vec![(name.clone(), vec!["oses", name.as_str()])],
                Family::Windows => os
                    .editions
                    .iter()
                    .map(|e| {
                        (
                            crate::spec::source_name(name, Some(&e.name)),
                            vec!["oses", name.as_str(), "editions"],
                        )
                    })
                    .collect(),
            };
            let on_azure =
                os.platforms.contains(&PlatformName::Azure) && self.configured(PlatformName::Azure);
            for (source, at) in own {
                if on_azure && source.len() > MAX_AZURE_SOURCE_NAME {
                    self.push(
                        Diagnostic::error(
                            Code::NameTooLong,
                            format!("build `{source}` is too long for an Azure image name ({} characters, at most {MAX_AZURE_SOURCE_NAME})", source.len()),
                            self.key_span(&at),
                            "names `<build>-<version>` managed images",
                        )
                        .with_help("Azure takes at most 80 characters, and the build version up to 40 of them; use a shorter OS or edition name"),
                    );
                }
                if on_azure
                    && spec
                        .platforms
                        .azure
                        .as_ref()
                        .is_some_and(|a| a.output.gallery.is_some())
                {
                    let image = os
                        .azure
                        .as_ref()
                        .and_then(|a| a.gallery_image.clone())
                        .unwrap_or_else(|| source.clone());
                    let image_at = if os.azure.as_ref().is_some_and(|a| a.gallery_image.is_some()) {
                        vec!["oses", name.as_str(), "azure", "gallery_image"]
                    } else {
                        at.clone()
                    };
                    gallery_images.entry(image).or_default().push(image_at);
                }
                sources.entry(source).or_default().push(at);
            }
        }
        for (what, table, code) in [
            ("build", &sources, Code::DuplicateBuild),
            ("Azure gallery image", &gallery_images, Code::DuplicateBuild),
        ] {
            for (name, places) in table {
                if let [first, second, ..] = places.as_slice() {
                    self.push(
                        Diagnostic::error(
                            code,
                            format!("two builds are named `{name}` ({what}), so their artifacts collide"),
                            self.key_span(second),
                            "named here",
                        )
                        .with_secondary(self.key_span(first), "and here")
                        .with_help("rename one OS or edition (a Windows edition's build is `<os>-<edition>`)"),
                    );
                }
            }
        }
    }

    /// What Packer's download of an ISO needs of `url` and `checksum`: a scheme its getter
    /// knows, or a local path; a digest as long as its algorithm's.
    fn iso_values(&mut self, iso: &Iso, base: &[&str]) {
        let at = |key: &'static str| {
            let mut tokens = base.to_vec();
            tokens.push(key);
            tokens
        };
        if let Some(url) = &iso.url
            && let Some((problem, help)) = iso_url_problem(url)
        {
            self.push(
                Diagnostic::error(
                    Code::BadUrl,
                    format!("`{url}` is not an ISO location Packer can read"),
                    self.at(&at("url")).value,
                    problem,
                )
                .with_help(help),
            );
        }
        if let Some(checksum) = &iso.checksum
            && let Some((algorithm, digest)) = checksum.split_once(':')
            && let Some(length) = digest_length(algorithm)
            && digest.len() != length
        {
            self.push(
                Diagnostic::error(
                    Code::BadChecksum,
                    format!("a {algorithm} digest has {length} hex digits, this one {}", digest.len()),
                    self.at(&at("checksum")).value,
                    "wrong length for its algorithm",
                )
                .with_help("copy the digest again from the distribution's checksum file (`SHA256SUMS`), or use `file:<url of that file>`"),
            );
        }
    }

    /// A guest network: addresses only for builds that install from an ISO, each its own
    /// (builds run at the same time), valid IPv4 values, and gateway or DNS only with an address.
    fn network(&mut self, base: &[&str], network: &GuestNetwork, sources: &[String]) {
        if network.addresses.is_empty() && (network.gateway.is_some() || !network.dns.is_empty()) {
            self.push(
                Diagnostic::error(
                    Code::Conflict,
                    format!("`{}` sets a gateway or DNS servers but no static address", base.join(".")),
                    self.key_span(base),
                    "DHCP provides these",
                )
                .with_help("add `addresses: { <os>: <ip>/<prefix> }` for static addresses, or remove `gateway` and `dns`"),
            );
        }
        let mut seen: BTreeMap<std::net::Ipv4Addr, &str> = BTreeMap::new();
        for (source, address) in &network.addresses {
            let mut tokens = base.to_vec();
            tokens.extend(["addresses", source.as_str()]);
            if !sources.contains(source) {
                let names: Vec<&str> = sources.iter().map(String::as_str).collect();
                let mut d = Diagnostic::error(
                    Code::UnknownReference,
                    format!("`{source}` is not a build that installs from an ISO"),
                    self.key_span(&tokens),
                    "no such build",
                );
                d = match did_you_mean(source, names.iter().copied()) {
                    Some(close) => d.with_help(format!("did you mean `{close}`?")),
                    None => d.with_help(format!(
                        "the builds are named after the OS, or `<os>-<edition>` for Windows: {}",
                        if names.is_empty() {
                            "none here".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )),
                };
                self.push(d);
                continue;
            }
            match parse_cidr(address) {
                Some(ip) => {
                    if let Some(first) = seen.insert(ip, source) {
                        let mut other = base.to_vec();
                        other.extend(["addresses", first]);
                        self.push(
                            Diagnostic::error(
                                Code::DuplicateAddress,
                                format!("`{source}` and `{first}` have the same address {ip}"),
                                self.at(&tokens).value,
                                "used again here",
                            )
                            .with_secondary(self.at(&other).value, "first used here")
                            .with_help("builds run at the same time: give each its own address"),
                        );
                    }
                }
                None => self.push(
                    Diagnostic::error(
                        Code::BadAddress,
                        format!("`{address}` is not an IPv4 address with a prefix length"),
                        self.at(&tokens).value,
                        "expected a.b.c.d/prefix, each number 0-255, prefix 1-32",
                    )
                    .with_help("for example `192.0.2.50/24`"),
                ),
            }
        }
        if network.dns.len() > MAX_DNS_SERVERS {
            let mut tokens = base.to_vec();
            tokens.push("dns");
            self.push(
                Diagnostic::error(
                    Code::TooMany,
                    format!("{} DNS servers, at most {MAX_DNS_SERVERS}", network.dns.len()),
                    self.at(&tokens).value,
                    "too many for the installers",
                )
                .with_help("the kernel's `ip=` takes two and Windows Setup's first-logon command line has a length limit; keep the first three"),
            );
        }
        let singles = network
            .gateway
            .iter()
            .map(|g| (vec!["gateway".to_owned()], g))
            .chain(
                network
                    .dns
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (vec!["dns".to_owned(), i.to_string()], d)),
            );
        for (rest, value) in singles {
            if value.parse::<std::net::Ipv4Addr>().is_err() {
                let mut tokens = base.to_vec();
                tokens.extend(rest.iter().map(String::as_str));
                self.push(Diagnostic::error(
                    Code::BadAddress,
                    format!("`{value}` is not an IPv4 address"),
                    self.at(&tokens).value,
                    "expected a.b.c.d, each number 0-255",
                ));
            }
        }
    }

    fn oses(&mut self) {
        let spec = self.cx.spec;
        for (name, os) in &spec.oses {
            let configured =
                PlatformName::ALL.map(|p| os.platforms.contains(&p) && self.configured(p));
            let mut seen = Vec::new();
            for (i, platform) in os.platforms.iter().enumerate() {
                let index = i.to_string();
                let span = self.at(&["oses", name, "platforms", &index]).value;
                if seen.contains(platform) {
                    self.push(Diagnostic::error(
                        Code::DuplicateItem,
                        format!("OS `{name}` lists platform `{}` twice", platform.as_str()),
                        span,
                        "listed again here",
                    ));
                }
                seen.push(*platform);
                if !self.configured(*platform) {
                    let configured = self.configured_names();
                    self.push(
                        Diagnostic::error(
                            Code::UnknownReference,
                            format!(
                                "OS `{name}` targets platform `{}`, which is not configured",
                                platform.as_str()
                            ),
                            span,
                            "no such entry under `platforms`",
                        )
                        .with_help(if configured.is_empty() {
                            format!("add `{}:` under `platforms`", platform.as_str())
                        } else {
                            format!(
                                "add `{}:` under `platforms`, or use one of {}",
                                platform.as_str(),
                                configured
                                    .iter()
                                    .map(|c| format!("`{c}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }),
                    );
                }
            }
            for (i, set) in os.provisioning.iter().enumerate() {
                let index = i.to_string();
                if !spec.provisioning.contains_key(set) {
                    let help = did_you_mean(set, spec.provisioning.keys().map(String::as_str))
                        .or_else(|| {
                            (!spec.provisioning.is_empty()).then(|| {
                                format!(
                                    "defined sets: {}",
                                    spec.provisioning
                                        .keys()
                                        .map(|k| format!("`{k}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            })
                        });
                    self.push(
                        Diagnostic::error(
                            Code::UnknownReference,
                            format!(
                                "OS `{name}` uses provisioning set `{set}`, which is not defined"
                            ),
                            self.at(&["oses", name, "provisioning", &index]).value,
                            "no such set under `provisioning`",
                        )
                        .with_optional_help(help),
                    );
                    continue;
                }
            }
            if os.family == Family::Windows && os.seed == Some(SeedChannel::Http) {
                self.push(
                    Diagnostic::error(
                        Code::WrongFamily,
                        format!("Windows OS `{name}` cannot read its answer file over HTTP"),
                        self.at(&["oses", name, "seed"]).value,
                        "Windows Setup reads `autounattend.xml` from a drive",
                    )
                    .with_help("use `seed: cd` (Windows always uses a CD; an inherited `defaults.seed: http` is ignored for Windows)"),
                );
            }
            if os.family == Family::Windows
                && configured[PlatformName::Proxmox as usize]
                && builder_of(spec, os, PlatformName::Proxmox) == BuilderKind::Iso
                && spec
                    .platforms
                    .proxmox
                    .as_ref()
                    .is_some_and(|p| p.virtio_iso.is_none())
            {
                self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("Windows OS `{name}` is installed on Proxmox, which needs `virtio_iso`"),
                        self.key_span(&["platforms", "proxmox"]),
                        "no VirtIO driver ISO",
                    )
                    .with_secondary(self.key_span(&["oses", name]), "Windows installed from an ISO")
                    .with_help("add `virtio_iso: { url: <virtio-win ISO>, checksum: ... }` (or `proxmox_file: local:iso/virtio-win.iso`)"),
                );
            }
            if os.installer == Some(Installer::Preseed)
                && os.seed.unwrap_or(spec.defaults.seed) == SeedChannel::Cd
                && !iso_platforms(spec, os).is_empty()
            {
                let span = match os.seed {
                    Some(_) => self.at(&["oses", name, "seed"]).value,
                    None => self.at(&["defaults", "seed"]).value,
                };
                self.push(
                    Diagnostic::error(
                        Code::Unsupported,
                        format!("OS `{name}` uses preseed, which hybridc serves over HTTP only"),
                        span,
                        "a seed CD is asked for here",
                    )
                    .with_help(format!("set `seed: http` on OS `{name}`")),
                );
            }
            self.installer(name, os);
            self.editions(name, os);
            if os.family == Family::Windows {
                self.windows_locale(name, os);
            }
            self.azure_disk(name, os);
            self.builders(name, os);
        }
    }

    /// Steps that cannot run on the family of an OS that uses their set: one finding per step,
    /// at the step, naming every such OS, however many share the set.
    fn step_families(&mut self) {
        let spec = self.cx.spec;
        for (set, steps) in &spec.provisioning {
            for (j, step) in steps.iter().enumerate() {
                let runs_on = match step {
                    Step::Shell(_) => Family::Linux,
                    Step::Powershell(_) | Step::WindowsRestart(_) => Family::Windows,
                    Step::File(_) | Step::Ansible(_) => continue,
                };
                let users: Vec<(&String, usize)> = spec
                    .oses
                    .iter()
                    .filter(|(_, os)| os.family != runs_on)
                    .filter_map(|(name, os)| {
                        let at = os.provisioning.iter().position(|s| s == set)?;
                        Some((name, at))
                    })
                    .collect();
                let Some(family) = users.first().map(|(name, _)| spec.oses[*name].family) else {
                    continue;
                };
                let family = family.as_str();
                let index = j.to_string();
                let oses = match users.as_slice() {
                    [(name, _)] => format!("{family} OS `{name}`"),
                    _ => format!(
                        "{family} OSes {}",
                        and_list(users.iter().map(|(name, _)| format!("`{name}`")))
                    ),
                };
                let mut d = Diagnostic::error(
                    Code::WrongFamily,
                    format!(
                        "provisioning set `{set}` has a `{}` step, which cannot run on {oses}",
                        step.kind()
                    ),
                    self.key_span(&["provisioning", set, &index, step.kind()]),
                    format!("runs on {} only", runs_on.as_str()),
                )
                .with_help(format!("give {family} OSes their own provisioning set"));
                for (name, at) in &users {
                    let at = at.to_string();
                    d = d.with_secondary(
                        self.at(&["oses", name, "provisioning", &at]).value,
                        format!("used by {family} OS `{name}`"),
                    );
                }
                self.push(d);
            }
        }
    }

    fn installer(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let iso_platforms = iso_platforms(spec, os);
        match os.installer {
            Some(installer) if installer.family() != os.family => {
                self.push(
                    Diagnostic::error(
                        Code::WrongFamily,
                        format!(
                            "installer `{}` does not install {} OSes",
                            installer.as_str(),
                            os.family.as_str()
                        ),
                        self.at(&["oses", name, "installer"]).value,
                        format!("a {} installer", installer.family().as_str()),
                    )
                    .with_secondary(self.at(&["oses", name, "family"]).value, "the OS family")
                    .with_help(match os.family {
                        Family::Linux => {
                            "Linux installers are `autoinstall`, `kickstart` and `preseed`"
                        }
                        Family::Windows => "Windows is installed with `autounattend`",
                    }),
                );
            }
            Some(installer) if !iso_platforms.is_empty() => self.templates(name, installer),
            None if !iso_platforms.is_empty() => {
                self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("OS `{name}` is installed from an ISO but has no `installer`"),
                        self.key_span(&["oses", name]),
                        format!("iso builds on {}", names(&iso_platforms)),
                    )
                    .with_help(match os.family {
                        Family::Linux => "add `installer: autoinstall`, `kickstart` or `preseed`",
                        Family::Windows => "add `installer: autounattend`",
                    }),
                );
            }
            _ => {}
        }
        if iso_platforms.is_empty() {
            return;
        }
        let iso = os.iso.clone().unwrap_or_default();
        self.iso_values(&iso, &["oses", name, "iso"]);
        if iso.url.is_some() && iso.checksum.is_none() {
            self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("the ISO of OS `{name}` has a `url` but no `checksum`"),
                    self.key_span(&["oses", name, "iso", "url"]),
                    "downloaded without verification",
                )
                .with_help("add `checksum: sha256:<hex>` (or `file:<url of a checksum file>`)"),
            );
        }
        for platform in &iso_platforms {
            let local = match platform {
                PlatformName::Proxmox => iso.proxmox_file.is_some(),
                PlatformName::Vsphere => iso.vsphere_path.is_some(),
                PlatformName::Azure => true,
            };
            if iso.url.is_none() && !local {
                let key = match platform {
                    PlatformName::Proxmox => "proxmox_file",
                    _ => "vsphere_path",
                };
                let span = if os.iso.is_some() {
                    self.key_span(&["oses", name, "iso"])
                } else {
                    self.key_span(&["oses", name])
                };
                self.push(
                    Diagnostic::error(
                        Code::MissingIso,
                        format!("OS `{name}` has no ISO for its {} build", platform.as_str()),
                        span,
                        "no ISO source",
                    )
                    .with_help(format!(
                        "add `iso: {{ url: ..., checksum: ... }}` or `iso: {{ {key}: ... }}`"
                    )),
                );
            }
        }
    }

    fn templates(&mut self, name: &str, installer: Installer) {
        let folder = Path::new("builds").join(name);
        for file in installer.templates() {
            let relative = folder.join(file);
            if !self.cx.root.join(&relative).is_file() {
                self.push(
                    Diagnostic::error(
                        Code::MissingFile,
                        format!(
                            "installer `{}` of OS `{name}` needs the template `{}`",
                            installer.as_str(),
                            relative.display()
                        ),
                        self.at(&["oses", name, "installer"]).value,
                        "template not found",
                    )
                    .with_help(format!("create `{}` in the repository", relative.display())),
                );
            }
        }
    }

    /// Windows Setup takes its own identifiers: the keyboard as an input profile and the time
    /// zone as a Windows ID (Microsoft-Windows-International-Core `InputLocale`,
    /// Microsoft-Windows-Shell-Setup `TimeZone`). The spec's Linux-style values must map.
    fn windows_locale(&mut self, name: &str, os: &Os) {
        let d = &self.cx.spec.defaults.locale;
        let layered =
            |own: &Option<String>, base: &Option<String>, key: &'static str| match (own, base) {
                (Some(v), _) => Some((v.clone(), vec!["oses", name, "locale", key])),
                (None, Some(v)) => Some((v.clone(), vec!["defaults", "locale", key])),
                (None, None) => None,
            };
        if let Some((keyboard, at)) = layered(&os.locale.keyboard, &d.keyboard, "keyboard")
            && crate::windows_locale::windows_input_locale(&keyboard).is_none()
        {
            let help = match crate::windows_locale::keyboard_suggestions(&keyboard).first() {
                Some(close) => format!("did you mean `{close}`? A Windows input profile such as `0407:00000407` or a language tag such as `de-DE` is taken as is"),
                None => "use a keyboard layout name such as `us`, `de` or `gb`, a Windows input profile such as `0407:00000407`, or a language tag such as `de-DE`".into(),
            };
            self.push(
                Diagnostic::error(
                    Code::UnknownKeyboard,
                    format!(
                        "keyboard `{keyboard}` of Windows OS `{name}` has no Windows input profile"
                    ),
                    self.at(&at).value,
                    "Windows Setup needs an input profile here",
                )
                .with_help(help),
            );
        }
        if let Some((zone, at)) = layered(&os.locale.timezone, &d.timezone, "timezone")
            && crate::windows_locale::windows_time_zone(&zone).is_none()
        {
            let help = match crate::windows_locale::time_zone_suggestions(&zone).first() {
                Some(close) => format!("did you mean `{close}`?"),
                None => "use an IANA time zone name such as `Europe/Berlin` or `UTC`, or a Windows time zone ID such as `W. Europe Standard Time`".into(),
            };
            self.push(
                Diagnostic::error(
                    Code::UnknownTimeZone,
                    format!("time zone `{zone}` of Windows OS `{name}` has no Windows time zone"),
                    self.at(&at).value,
                    "not in CLDR's Windows time zone table",
                )
                .with_help(help),
            );
        }
    }

    /// Azure refuses an OS disk smaller than the image's ("smaller than the size of the
    /// corresponding disk in the VM image"): a smaller `disk_gb` is not written for Azure, and
    /// said here, at the line that sets it.
    fn azure_disk(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let Some(image) = &os.azure_image else { return };
        if !os.platforms.contains(&PlatformName::Azure) || !self.configured(PlatformName::Azure) {
            return;
        }
        let (disk, at) = match (os.hardware.disk_gb, spec.defaults.hardware.disk_gb) {
            (Some(d), _) => (d, vec!["oses", name, "hardware", "disk_gb"]),
            (None, Some(d)) => (d, vec!["defaults", "hardware", "disk_gb"]),
            (None, None) => (DEFAULT_DISK_GB, vec!["oses", name]),
        };
        let mut skus: Vec<&str> = match os.family {
            Family::Linux => vec![image.sku.as_str()],
            Family::Windows => os
                .editions
                .iter()
                .filter(|e| e.platforms.is_empty() || e.platforms.contains(&PlatformName::Azure))
                .map(|e| e.azure_sku.as_deref().unwrap_or(&image.sku))
                .collect(),
        };
        skus.dedup();
        for sku in skus {
            if let Some(size) = azure_image_disk_gb(&image.publisher, sku)
                && disk < size
            {
                self.push(
                    Diagnostic::warning(
                        Code::DiskBelowImage,
                        format!(
                            "OS `{name}` asks for a {disk} GiB disk, smaller than the {size} GiB OS disk of the Azure image `{}:{}:{sku}`",
                            image.publisher, image.offer
                        ),
                        self.at(&at).key_or_value(),
                        "Azure refuses a disk smaller than the image's",
                    )
                    .with_help(format!(
                        "the image's {size} GiB is used on Azure; to silence this, set `disk_gb: {size}` or more"
                    )),
                );
            }
        }
    }

    fn editions(&mut self, name: &str, os: &Os) {
        match os.family {
            Family::Linux => {
                if !os.editions.is_empty() {
                    self.push(
                        Diagnostic::error(
                            Code::WrongFamily,
                            format!("OS `{name}` is linux and cannot have `editions`"),
                            self.key_span(&["oses", name, "editions"]),
                            "editions are for Windows",
                        )
                        .with_help("remove `editions`, or define one OS per Linux variant"),
                    );
                }
            }
            Family::Windows => {
                if os.editions.is_empty() {
                    self.push(
                        Diagnostic::error(
                            Code::MissingKey,
                            format!("Windows OS `{name}` needs at least one edition"),
                            self.key_span(&["oses", name]),
                            "no `editions`",
                        )
                        .with_help("add `editions: [{ name: standard, image_name: \"Windows Server 2022 SERVERSTANDARD\" }]`"),
                    );
                }
                let mut seen: Vec<&str> = Vec::new();
                for (i, edition) in os.editions.iter().enumerate() {
                    let index = i.to_string();
                    let span = self.at(&["oses", name, "editions", &index, "name"]).value;
                    if !is_label(&edition.name) {
                        self.push(
                            Diagnostic::error(
                                Code::BadName,
                                format!("edition name `{}` is not valid", edition.name),
                                span,
                                "becomes part of a Packer label",
                            )
                            .with_help(format!(
                                "use lowercase letters, digits and `-`, for example `{}`",
                                suggest_label(&edition.name)
                            )),
                        );
                    }
                    if let Some(first) = seen.iter().position(|n| *n == edition.name) {
                        let first_index = first.to_string();
                        self.push(
                            Diagnostic::error(
                                Code::DuplicateItem,
                                format!("OS `{name}` has two editions named `{}`", edition.name),
                                span,
                                "defined again here",
                            )
                            .with_secondary(
                                self.at(&["oses", name, "editions", &first_index, "name"])
                                    .value,
                                "first defined here",
                            ),
                        );
                    }
                    seen.push(&edition.name);
                    for (j, platform) in edition.platforms.iter().enumerate() {
                        if !os.platforms.contains(platform) {
                            let j = j.to_string();
                            self.push(
                                Diagnostic::error(
                                    Code::UnknownReference,
                                    format!(
                                        "edition `{}` targets `{}`, which OS `{name}` is not built on",
                                        edition.name,
                                        platform.as_str()
                                    ),
                                    self.at(&["oses", name, "editions", &index, "platforms", &j]).value,
                                    "not in the OS's `platforms`",
                                )
                                .with_help(format!("add `{}` to the OS's `platforms`, or remove it here", platform.as_str())),
                            );
                        }
                    }
                }
            }
        }
    }

    fn builders(&mut self, name: &str, os: &Os) {
        let spec = self.cx.spec;
        let configured = PlatformName::ALL.map(|p| os.platforms.contains(&p) && self.configured(p));
        let targets = |p: PlatformName| configured[p as usize];
        if let Some(proxmox) = &os.proxmox {
            let builder = builder_of(spec, os, PlatformName::Proxmox);
            match (builder, &proxmox.clone_vm) {
                (BuilderKind::Clone, None) if targets(PlatformName::Proxmox) => self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("OS `{name}` clones on Proxmox but names no VM to clone"),
                        self.key_span(&["oses", name, "proxmox"]),
                        "clone builder without `clone_vm`",
                    )
                    .with_help("add `clone_vm: <name of the VM or template>`"),
                ),
                (BuilderKind::Iso, Some(_)) => self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        format!(
                            "OS `{name}` names a VM to clone but builds from an ISO on Proxmox"
                        ),
                        self.key_span(&["oses", name, "proxmox", "clone_vm"]),
                        "only used by the clone builder",
                    )
                    .with_help("add `builder: clone`, or remove `clone_vm`"),
                ),
                _ => {}
            }
            let c = component(PlatformName::Proxmox, builder);
            self.options(&proxmox.options, &["oses", name, "proxmox", "options"], c);
        } else if targets(PlatformName::Proxmox)
            && builder_of(spec, os, PlatformName::Proxmox) == BuilderKind::Clone
        {
            self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("OS `{name}` clones on Proxmox but names no VM to clone"),
                    self.key_span(&["oses", name]),
                    "the Proxmox platform uses the clone builder",
                )
                .with_help("add `proxmox: { clone_vm: <name of the VM or template> }`"),
            );
        }
        if targets(PlatformName::Vsphere)
            && os
                .vsphere
                .as_ref()
                .and_then(|v| v.guest_os_type.as_ref())
                .is_none()
        {
            self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("OS `{name}` is built on vSphere but has no `guest_os_type`"),
                    if os.vsphere.is_some() {
                        self.key_span(&["oses", name, "vsphere"])
                    } else {
                        self.key_span(&["oses", name])
                    },
                    "vSphere needs the guest OS identifier",
                )
                .with_help("add `vsphere: { guest_os_type: ubuntu64Guest }` (the identifier vSphere uses for this OS)"),
            );
        }
        if let Some(vsphere) = &os.vsphere {
            let builder = builder_of(spec, os, PlatformName::Vsphere);
            match (builder, &vsphere.template) {
                (BuilderKind::Clone, None) if targets(PlatformName::Vsphere) => self.push(
                    Diagnostic::error(
                        Code::MissingKey,
                        format!("OS `{name}` clones on vSphere but names no template"),
                        self.key_span(&["oses", name, "vsphere"]),
                        "clone builder without `template`",
                    )
                    .with_help("add `template: <path of the template to clone>`"),
                ),
                (BuilderKind::Iso, Some(_)) => self.push(
                    Diagnostic::error(
                        Code::Conflict,
                        format!("OS `{name}` names a template to clone but builds from an ISO on vSphere"),
                        self.key_span(&["oses", name, "vsphere", "template"]),
                        "only used by the clone builder",
                    )
                    .with_help("add `builder: clone`, or remove `template`"),
                ),
                _ => {}
            }
            let c = component(PlatformName::Vsphere, builder);
            self.options(&vsphere.options, &["oses", name, "vsphere", "options"], c);
        }
        if targets(PlatformName::Azure) && os.azure_image.is_none() {
            self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    format!("OS `{name}` is built on Azure but has no `azure_image`"),
                    self.key_span(&["oses", name]),
                    "Azure builds start from a Marketplace image",
                )
                .with_help("add `azure_image: { publisher: ..., offer: ..., sku: ... }`"),
            );
        }
        if let Some(azure) = &os.azure {
            self.options(
                &azure.options,
                &["oses", name, "azure", "options"],
                Component::AzureArm,
            );
        }
        for (platform, settings_given) in [
            (PlatformName::Proxmox, os.proxmox.is_some()),
            (PlatformName::Vsphere, os.vsphere.is_some()),
            (PlatformName::Azure, os.azure.is_some()),
        ] {
            if settings_given && !targets(platform) {
                self.push(
                    Diagnostic::warning(
                        Code::Unused,
                        format!(
                            "OS `{name}` has `{}` settings but does not target {}",
                            platform.as_str(),
                            platform.as_str()
                        ),
                        self.key_span(&["oses", name, platform.as_str()]),
                        "never used",
                    )
                    .with_help(format!(
                        "add `{}` to `platforms`, or remove these settings",
                        platform.as_str()
                    )),
                );
            }
        }
    }

    fn provisioning(&mut self) {
        let spec = self.cx.spec;
        for (set, steps) in &spec.provisioning {
            for (i, step) in steps.iter().enumerate() {
                let index = i.to_string();
                let base = ["provisioning", set.as_str(), index.as_str(), step.kind()];
                match step {
                    Step::Shell(s) => {
                        if s.scripts.is_empty() && s.inline.is_empty() {
                            self.empty_step(&base, "scripts", "inline");
                        }
                        self.files(&base, "scripts", &s.scripts, false);
                        for (i, line) in s.inline.iter().enumerate() {
                            let i = i.to_string();
                            self.rerendered(&base, &["inline", &i], line, false);
                        }
                        self.rerendered_map(&base, "env", &s.env);
                    }
                    Step::Powershell(s) => {
                        if s.scripts.is_empty() && s.inline.is_empty() {
                            self.empty_step(&base, "scripts", "inline");
                        }
                        self.files(&base, "scripts", &s.scripts, false);
                        self.rerendered_map(&base, "env", &s.env);
                    }
                    Step::File(f) => {
                        let source = std::slice::from_ref(&f.source);
                        self.files(&base, "source", source, true);
                        self.rerendered(&base, &["destination"], &f.destination, false);
                    }
                    Step::Ansible(a) => {
                        self.files(&base, "playbook", std::slice::from_ref(&a.playbook), false);
                        if let Some(galaxy) = &a.galaxy_file {
                            self.files(&base, "galaxy_file", std::slice::from_ref(galaxy), false);
                        }
                        self.rerendered_map(&base, "extra_vars", &a.extra_vars);
                    }
                    Step::WindowsRestart(_) => {}
                }
                for (j, platform) in step.only().iter().enumerate() {
                    if !self.configured(*platform) {
                        let j = j.to_string();
                        let mut tokens = base.to_vec();
                        tokens.extend(["only", j.as_str()]);
                        self.push(
                            Diagnostic::error(
                                Code::UnknownReference,
                                format!(
                                    "step is limited to platform `{}`, which is not configured",
                                    platform.as_str()
                                ),
                                self.at(&tokens).value,
                                "no such entry under `platforms`",
                            )
                            .with_help(format!(
                                "add `{}:` under `platforms`, or remove it here",
                                platform.as_str()
                            )),
                        );
                    }
                }
            }
        }
    }

    /// Refuses `{{` in text that Packer renders as a Go template again at run time, until it
    /// stops changing, where no escape survives (see [`crate::interpolation`]): shell `inline`
    /// and `environment_vars` (hashicorp/packer `provisioner/shell/provisioner.go`,
    /// `Provision`), powershell `environment_vars`, the file provisioner's paths
    /// (`provisioner/file/provisioner.go`), ansible's `extra_arguments` and `ansible_env_vars`
    /// (packer-plugin-ansible v1.1.6 `provisioner/ansible/provisioner.go`, `Provision`).
    fn rerendered(&mut self, base: &[&str], rest: &[&str], text: &str, key: bool) {
        if !crate::interpolation::has_action(text) {
            return;
        }
        let mut tokens = base.to_vec();
        tokens.extend_from_slice(rest);
        let at = self.at(&tokens);
        let span = if key { at.key_or_value() } else { at.value };
        self.push(
            Diagnostic::error(
                Code::TemplateAction,
                "Packer would read `{{` here as the start of a template action",
                span,
                "rendered as a Go template on every run",
            )
            .with_help("keep `{{` out of this text (in a shell command write `{''{`), or move it into a script file"),
        );
    }

    fn rerendered_map(&mut self, base: &[&str], key: &str, map: &BTreeMap<String, String>) {
        for (name, value) in map {
            self.rerendered(base, &[key, name], name, true);
            self.rerendered(base, &[key, name], value, false);
        }
    }

    fn empty_step(&mut self, base: &[&str], a: &str, b: &str) {
        self.push(
            Diagnostic::error(
                Code::EmptyStep,
                format!("a `{}` step needs `{a}` or `{b}`", base[3]),
                self.key_span(base),
                "runs nothing",
            )
            .with_help(format!("add `{a}: [path/to/script]` or `{b}: [command]`")),
        );
    }

    /// Checks that each path is relative, stays inside the repository and exists.
    fn files(&mut self, base: &[&str], key: &str, paths: &[String], folders_allowed: bool) {
        let single = paths.len() == 1 && !matches!(key, "scripts");
        for (i, path) in paths.iter().enumerate() {
            let index = i.to_string();
            let mut tokens = base.to_vec();
            tokens.push(key);
            if !single {
                tokens.push(&index);
            }
            let span = self.at(&tokens).value;
            if crate::interpolation::has_action(path) {
                let rest = tokens[base.len()..].to_vec();
                self.rerendered(base, &rest, path, false);
                continue;
            }
            if let Some(problem) = self.outside(path) {
                self.push(
                    Diagnostic::error(
                        Code::OutsideRepository,
                        format!("`{path}` is outside the repository"),
                        span,
                        problem,
                    )
                    .with_help("paths are relative to the repository root; keep shared files under scripts/, ansible/ or builds/"),
                );
                continue;
            }
            let full = self.cx.root.join(path);
            let ok = if folders_allowed {
                full.exists()
            } else {
                full.is_file()
            };
            if ok {
                continue;
            }
            if full.is_dir() {
                let example = first_file(&full).map(|file| {
                    let folder = path.trim_end_matches('/');
                    format!(", for example `{folder}/{file}`")
                });
                self.push(
                    Diagnostic::error(
                        Code::NotAFile,
                        format!("`{path}` is a folder, not a file"),
                        span,
                        "a folder in the repository",
                    )
                    .with_help(format!(
                        "name a file in the folder instead{}",
                        example.unwrap_or_default()
                    )),
                );
                continue;
            }
            self.push(
                Diagnostic::error(
                    Code::MissingFile,
                    format!("`{path}` does not exist"),
                    span,
                    "not found in the repository",
                )
                .with_help(format!(
                    "paths are relative to the repository root `{}`",
                    display_root(self.cx.root)
                )),
            );
        }
    }

    fn outside(&self, path: &str) -> Option<&'static str> {
        let p = Path::new(path);
        if p.is_absolute() || path.starts_with('/') || path.starts_with('\\') {
            return Some("an absolute path");
        }
        let mut depth: i64 = 0;
        for component in p.components() {
            match component {
                PathComponent::ParentDir => depth -= 1,
                PathComponent::Normal(_) => depth += 1,
                PathComponent::CurDir => {}
                PathComponent::RootDir | PathComponent::Prefix(_) => {
                    return Some("an absolute path");
                }
            }
            if depth < 0 {
                return Some("leaves the repository with `..`");
            }
        }
        // A link inside the repository may still point elsewhere.
        let root = self.cx.root.canonicalize().ok()?;
        let target = self.cx.root.join(p).canonicalize().ok()?;
        (!target.starts_with(&root)).then_some("a link that leads out of the repository")
    }

    /// An environment may change a setting of an optional output (a gallery, a content
    /// library) only when the platform has that output: the settings and the output each needs
    /// come from the one table, [`crate::platform::SETTINGS`].
    fn output_overrides(&mut self, name: &str, env: &crate::spec::Environment) {
        let spec = self.cx.spec;
        let given = serde_json::to_value(&env.platforms).unwrap_or(Value::Null);
        let base = serde_json::to_value(&spec.platforms).unwrap_or(Value::Null);
        for setting in crate::platform::SETTINGS {
            let Some(requires) = setting.requires else {
                continue;
            };
            let platform = setting.platform.as_str();
            let overridden = given
                .get(platform)
                .and_then(|p| p.get(setting.name))
                .is_some_and(|v| !v.is_null());
            let configured = base
                .get(platform)
                .and_then(|p| p.pointer(requires))
                .is_some_and(|v| !v.is_null());
            // The platform missing altogether is reported on its own.
            if !overridden || configured || base.get(platform).is_none_or(Value::is_null) {
                continue;
            }
            let output = requires.trim_start_matches("/output/");
            self.push(
                Diagnostic::error(
                    Code::UnknownReference,
                    format!(
                        "environment `{name}` overrides `{}`, but {platform} has no `{output}` output",
                        setting.name
                    ),
                    self.key_span(&["environments", name, "platforms", platform, setting.name]),
                    "nothing to override",
                )
                .with_help(format!(
                    "add `output.{output}` under `platforms.{platform}`, or remove this override"
                )),
            );
        }
    }

    fn environments(&mut self) {
        let spec = self.cx.spec;
        for (name, env) in &spec.environments {
            let overrides = [
                (PlatformName::Proxmox, env.platforms.proxmox.is_some()),
                (PlatformName::Vsphere, env.platforms.vsphere.is_some()),
                (PlatformName::Azure, env.platforms.azure.is_some()),
            ];
            for (platform, given) in overrides {
                if given && !self.configured(platform) {
                    self.push(
                        Diagnostic::error(
                            Code::UnknownReference,
                            format!(
                                "environment `{name}` overrides platform `{}`, which is not configured",
                                platform.as_str()
                            ),
                            self.key_span(&["environments", name, "platforms", platform.as_str()]),
                            "no such entry under `platforms`",
                        )
                        .with_help(format!("add `{}:` under `platforms`, or remove this override", platform.as_str())),
                    );
                }
            }
            if let (Some(azure), Some(base)) = (&env.platforms.azure, &spec.platforms.azure) {
                let switches = [
                    (
                        "location",
                        azure.location.is_some(),
                        base.location.is_some(),
                        "build_resource_group",
                    ),
                    (
                        "build_resource_group",
                        azure.build_resource_group.is_some(),
                        base.build_resource_group.is_some(),
                        "location",
                    ),
                ];
                for (key, given, used, other) in switches {
                    if given && !used {
                        self.push(
                            Diagnostic::error(
                                Code::Conflict,
                                format!("environment `{name}` sets Azure `{key}`, but the platform places builds with `{other}`"),
                                self.key_span(&["environments", name, "platforms", "azure", key]),
                                "an environment can change the value, not the kind of placement",
                            )
                            .with_help(format!("override `{other}` instead")),
                        );
                    }
                }
            }
            self.output_overrides(name, env);
        }
    }

    fn build_user(&mut self) {
        let spec = self.cx.spec;
        let iso_oses: Vec<(&String, &Os)> = spec
            .oses
            .iter()
            .filter(|(_, os)| !iso_platforms(spec, os).is_empty())
            .collect();
        let Some((first, _)) = iso_oses.first() else {
            return;
        };
        match &spec.defaults.build_user {
            None => self.push(
                Diagnostic::error(
                    Code::MissingKey,
                    "ISO builds need a build user, and `defaults.build_user` is not set",
                    if spec.defaults == Default::default() {
                        self.key_span(&["oses", first])
                    } else {
                        self.key_span(&["defaults"])
                    },
                    format!("OS `{first}` is installed from an ISO"),
                )
                .with_help("add `defaults: { build_user: { username: packer, password: { env: BUILD_PASSWORD }, password_hash: { env: BUILD_PASSWORD_HASH } } }`"),
            ),
            Some(user) => {
                let linux = iso_oses.iter().find(|(_, os)| os.family == Family::Linux);
                if let (None, Some((name, _))) = (&user.password_hash, linux) {
                    self.push(
                        Diagnostic::error(
                            Code::MissingKey,
                            "Linux installers need `password_hash` of the build user",
                            self.key_span(&["defaults", "build_user"]),
                            format!("OS `{name}` is installed from an ISO"),
                        )
                        .with_help("add `password_hash: { env: BUILD_PASSWORD_HASH }` (a SHA-512 crypt hash, `mkpasswd -m sha-512`)"),
                    );
                }
            }
        }
    }

    /// Checks passthrough `options` against a component's catalogue.
    fn options(&mut self, options: &Options, at: &[&str], component: Component) {
        let schema = component.schema();
        let version = schema.plugin_version.as_deref().unwrap_or("pinned");
        for (name, value) in options {
            let mut tokens = at.to_vec();
            tokens.push(name);
            let key = self.key_span(&tokens);
            if let Some(argument) = schema.arguments.get(name) {
                if argument.internal {
                    let mut d = Diagnostic::error(
                        Code::UnknownOption,
                        format!(
                            "`{name}` is set by Packer itself and cannot be passed through `options`"
                        ),
                        key,
                        "internal argument",
                    );
                    if argument.is_secret() {
                        d = d.with_redacted(self.at(&tokens).value);
                    }
                    self.push(d);
                    continue;
                }
                self.argument(name, argument, value, &tokens, component);
                continue;
            }
            if let Some(block) = schema.blocks.get(name) {
                self.block(name, block, value, &tokens, component);
                continue;
            }
            let candidates: Vec<&str> = schema
                .arguments
                .iter()
                .filter(|(_, a)| !a.internal)
                .map(|(n, _)| n.as_str())
                .chain(schema.blocks.keys().map(String::as_str))
                .collect();
            let d = Diagnostic::error(
                Code::UnknownOption,
                format!("{} {version} has no argument `{name}`", component.name()),
                key,
                "unknown argument",
            )
            .with_optional_help(did_you_mean(name, candidates.iter().copied()));
            let d = self.mask_if_secret(d, name, &candidates, &schema.arguments, &tokens);
            self.push(d);
        }
    }

    /// Masks the value of a misspelt option when it looks like a secret: by its own name, or
    /// because the argument it was probably meant to be holds one.
    fn mask_if_secret(
        &self,
        diagnostic: Diagnostic,
        name: &str,
        candidates: &[&str],
        arguments: &BTreeMap<String, Argument>,
        at: &[&str],
    ) -> Diagnostic {
        let meant = diagnostic::closest(name, candidates.iter().copied())
            .and_then(|c| arguments.get(c))
            .is_some_and(Argument::is_secret);
        if meant || catalogue::secret_by_name(name) {
            diagnostic.with_redacted(self.at(at).value)
        } else {
            diagnostic
        }
    }

    /// A catalogued argument given through `options`. A secret must be `{ env: NAME }`, and so
    /// may any other string argument; a literal must fit the argument's type. A deprecated
    /// argument is an error. `shown` is its name as the user reads it.
    fn argument(
        &mut self,
        shown: &str,
        argument: &Argument,
        value: &Value,
        at: &[&str],
        component: Component,
    ) {
        let version = component
            .schema()
            .plugin_version
            .as_deref()
            .unwrap_or("pinned");
        // hybridc never emits a deprecated argument (conformance refuses it in the model too),
        // so the option is refused here, where its replacement can be named.
        if argument.deprecated {
            self.push(
                Diagnostic::error(
                    Code::DeprecatedOption,
                    format!("`{shown}` is deprecated in {} {version}", component.name()),
                    self.key_span(at),
                    "deprecated",
                )
                .with_optional_help(
                    argument
                        .replaced_by
                        .as_ref()
                        .map(|r| format!("use `{r}` instead")),
                ),
            );
        }
        let located = self.at(at).value;
        if let Some(env) = crate::spec::env_reference(value)
            && argument.kind == "string"
        {
            if !crate::spec::is_env_name(env) {
                self.push(
                    Diagnostic::error(
                        Code::BadFormat,
                        format!("`{shown}` reads the environment variable `{env}`, which is not a valid name"),
                        located,
                        format!("must match `{}`", crate::spec::ENV_NAME_PATTERN),
                    )
                    .with_help(format!("for example `{{ env: {} }}`", env_name_for(shown))),
                );
            }
            return;
        }
        if argument.is_secret() {
            self.push(
                Diagnostic::error(
                    Code::LiteralSecret,
                    format!(
                        "`{shown}` of {} holds a secret and cannot be written in the spec",
                        component.name()
                    ),
                    located,
                    "a literal where a secret belongs",
                )
                .with_redacted(located)
                .with_help(format!(
                    "read it from an environment variable instead: `{{ env: {} }}`",
                    env_name_for(shown)
                )),
            );
            return;
        }
        if !catalogue::fits(&argument.kind, value) {
            self.push(Diagnostic::error(
                Code::WrongType,
                format!(
                    "`{shown}` of {} must be {}, found {}",
                    component.name(),
                    catalogue::describe(&argument.kind),
                    describe(value)
                ),
                located,
                format!("expected {}", catalogue::describe(&argument.kind)),
            ));
        }
    }

    fn block(
        &mut self,
        name: &str,
        block: &BlockSchema,
        value: &Value,
        at: &[&str],
        component: Component,
    ) {
        let items: Vec<(Option<usize>, &Value)> = match value {
            Value::Array(items) if block.repeatable => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Some(i), v))
                .collect(),
            Value::Object(_) => vec![(None, value)],
            _ => {
                let expected = if block.repeatable {
                    "a mapping or a list of mappings"
                } else {
                    "a mapping"
                };
                self.push(Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "block `{name}` of {} must be {expected}, found {}",
                        component.name(),
                        describe(value)
                    ),
                    self.at(at).value,
                    format!("expected {expected}"),
                ));
                return;
            }
        };
        if block.deprecated {
            self.push(
                Diagnostic::error(
                    Code::DeprecatedOption,
                    format!("block `{name}` is deprecated in {}", component.name()),
                    self.key_span(at),
                    "deprecated",
                )
                .with_optional_help(
                    block
                        .replaced_by
                        .as_ref()
                        .map(|r| format!("use `{r}` instead")),
                ),
            );
        }
        for (index, item) in items {
            let index_text = index.map(|i| i.to_string());
            let mut base = at.to_vec();
            if let Some(i) = &index_text {
                base.push(i);
            }
            let Value::Object(entries) = item else {
                self.push(Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "each `{name}` block must be a mapping, found {}",
                        describe(item)
                    ),
                    self.at(&base).value,
                    "expected a mapping",
                ));
                continue;
            };
            for (arg, v) in entries {
                let mut tokens = base.clone();
                tokens.push(arg);
                if let Some(argument) = block.arguments.get(arg) {
                    self.argument(&format!("{name}.{arg}"), argument, v, &tokens, component);
                } else if let Some(inner) = block.blocks.get(arg) {
                    self.block(&format!("{name}.{arg}"), inner, v, &tokens, component);
                } else {
                    let candidates: Vec<&str> = block
                        .arguments
                        .keys()
                        .chain(block.blocks.keys())
                        .map(String::as_str)
                        .collect();
                    let d = Diagnostic::error(
                        Code::UnknownOption,
                        format!(
                            "block `{name}` of {} has no argument `{arg}`",
                            component.name()
                        ),
                        self.key_span(&tokens),
                        "unknown argument",
                    )
                    .with_optional_help(did_you_mean(arg, candidates.iter().copied()));
                    let d = self.mask_if_secret(d, arg, &candidates, &block.arguments, &tokens);
                    self.push(d);
                }
            }
        }
    }
}

/// The longest build name that still leaves room for a 40-character build version in an Azure
/// managed image name (`<build>-<version>`, at most 80 characters).
const MAX_AZURE_SOURCE_NAME: usize = 39;

/// The most DNS servers an installer network may list.
const MAX_DNS_SERVERS: usize = 3;

/// The size used when no layer sets `hardware.disk_gb`.
pub const DEFAULT_DISK_GB: u32 = 40;

/// The OS disk size of an Azure Marketplace image, where it is documented: Windows Server and
/// Windows client images have 127 GiB, their `smalldisk` SKUs 30 GiB (Microsoft Learn,
/// "Azure Windows VM images with a smaller OS disk", and the managed-disk sizing notes), and
/// the Ubuntu and Debian images 30 GiB (Microsoft Learn, "Expand virtual hard disks on a
/// Linux VM": the OS disk of most Linux images is 30 GiB). `None` for other images.
pub fn azure_image_disk_gb(publisher: &str, sku: &str) -> Option<u32> {
    let sku = sku.to_ascii_lowercase();
    match publisher.to_ascii_lowercase().as_str() {
        "microsoftwindowsserver" | "microsoftwindowsdesktop" => {
            Some(if sku.contains("smalldisk") { 30 } else { 127 })
        }
        "canonical" | "debian" => Some(30),
        _ => None,
    }
}

/// The hex digits of a digest, by the algorithm prefixes Packer's `iso_checksum` takes.
fn digest_length(algorithm: &str) -> Option<usize> {
    match algorithm {
        "md5" => Some(32),
        "sha1" => Some(40),
        "sha256" => Some(64),
        "sha512" => Some(128),
        _ => None,
    }
}

/// Why an `iso.url` cannot work, with a fix, or `None`. Packer's getter (hashicorp/go-getter)
/// takes the schemes below and local paths; a URL without its scheme (`releases.ubuntu.com/...`)
/// would be read as a local path, and text with spaces is no location at all.
pub fn iso_url_problem(url: &str) -> Option<(String, String)> {
    const SCHEMES: [&str; 7] = ["http", "https", "ftp", "file", "s3", "gcs", "smb"];
    if url.trim() != url || url.chars().any(char::is_whitespace) {
        return Some((
            "contains spaces".into(),
            "give the ISO's URL (`https://...`) or a local path without spaces".into(),
        ));
    }
    if let Some((scheme, _)) = url.split_once("://") {
        let lower = scheme.to_ascii_lowercase();
        if !SCHEMES.contains(&lower.as_str()) {
            let close = crate::diagnostic::closest(&lower, SCHEMES.iter().copied());
            return Some((
                format!("unknown scheme `{scheme}`"),
                match close {
                    Some(c) => format!("did you mean `{c}://`?"),
                    None => format!(
                        "use one of {}",
                        SCHEMES.map(|s| format!("`{s}://`")).join(", ")
                    ),
                },
            ));
        }
        return None;
    }
    let first = url.split('/').next().unwrap_or_default();
    if url.contains('/') && first.contains('.') && first != "." && first != ".." {
        return Some((
            format!("`{first}` looks like a host name, but there is no scheme"),
            format!("write `https://{url}`"),
        ));
    }
    None
}

/// The builds that install from an ISO, by source name (`<os>` or `<os>-<edition>`): the
/// ones a static address can be given to.
pub fn static_sources(spec: &Spec) -> Vec<String> {
    let mut names = Vec::new();
    for (name, os) in &spec.oses {
        if os.installer.is_none() || iso_platforms(spec, os).is_empty() {
            continue;
        }
        match os.family {
            Family::Linux => names.push(name.clone()),
            Family::Windows => names.extend(
                os.editions
                    .iter()
                    .map(|e| crate::spec::source_name(name, Some(&e.name))),
            ),
        }
    }
    names
}

/// The address of `a.b.c.d/prefix`, when every part is in range (prefix 1 to 32).
pub fn parse_cidr(text: &str) -> Option<std::net::Ipv4Addr> {
    let (ip, prefix) = text.split_once('/')?;
    let prefix: u8 = prefix.parse().ok()?;
    (1..=32).contains(&prefix).then_some(())?;
    ip.parse().ok()
}

fn builder_of_platform(spec: &Spec, platform: PlatformName) -> BuilderKind {
    match platform {
        PlatformName::Proxmox => spec
            .platforms
            .proxmox
            .as_ref()
            .map(|p| p.builder)
            .unwrap_or_default(),
        PlatformName::Vsphere => spec
            .platforms
            .vsphere
            .as_ref()
            .map(|p| p.builder)
            .unwrap_or_default(),
        PlatformName::Azure => BuilderKind::Clone,
    }
}

fn names(platforms: &[PlatformName]) -> String {
    platforms
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" and ")
}

/// `a`, `b` and `c`.
fn and_list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// An environment variable name to suggest for the option `shown` (`customize.windows_options.
/// admin_password` -> `ADMIN_PASSWORD`).
fn env_name_for(shown: &str) -> String {
    let last = shown.rsplit('.').next().unwrap_or(shown);
    let name: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if crate::spec::is_env_name(&name) {
        name
    } else {
        "VARIABLE_NAME".to_owned()
    }
}

/// A valid label close to `name`, for help lines.
fn suggest_label(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out
        .trim_matches('-')
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .to_owned();
    if trimmed.is_empty() {
        "name".into()
    } else {
        trimmed
    }
}

/// The name of the first file (by name) directly in `folder`, for a help line.
fn first_file(folder: &Path) -> Option<String> {
    let mut files: Vec<String> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    files.sort();
    files.into_iter().next()
}

/// Like [`suggest_label`], but never a name that `taken` says is in use already: the help must
/// not suggest renaming one entry to another.
fn suggest_free_label(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let label = suggest_label(name);
    (1..)
        .map(|n| match n {
            1 => label.clone(),
            n => format!("{label}-{n}"),
        })
        .find(|candidate| !taken(candidate))
        .expect("names in use are finitely many")
}

fn display_root(root: &Path) -> String {
    let shown: PathBuf = if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root.to_path_buf()
    };
    shown.display().to_string()
}

#[cfg(test)]
mod tests {

    #[test]
    fn iso_locations_packer_reads_pass_others_say_why() {
        for ok in [
            "https://releases.ubuntu.com/24.04.5/ubuntu.iso",
            "HTTP://mirror/x.iso",
            "file:///srv/isos/x.iso",
            "/srv/isos/x.iso",
            "./isos/x.iso",
            "isos/x.iso",
            "ubuntu.iso",
            "../x.iso",
        ] {
            assert_eq!(iso_url_problem(ok), None, "{ok}");
        }
        for (bad, help) in [
            ("htps://releases.ubuntu.com/x.iso", "https://"),
            (
                "releases.ubuntu.com/24.04/x.iso",
                "https://releases.ubuntu.com",
            ),
            ("see the Ubuntu download page", "without spaces"),
            ("gopher://x/y.iso", "use one of"),
        ] {
            let (_, fix) = iso_url_problem(bad).unwrap_or_else(|| panic!("{bad} is refused"));
            assert!(fix.contains(help), "{bad}: {fix}");
        }
    }

    #[test]
    fn digests_have_their_algorithms_length() {
        assert_eq!(digest_length("sha256"), Some(64));
        assert_eq!(digest_length("sha512"), Some(128));
        assert_eq!(digest_length("md5"), Some(32));
        assert_eq!(digest_length("sha1"), Some(40));
        assert_eq!(digest_length("file"), None);
    }

    use super::*;

    #[test]
    fn labels() {
        assert!(is_label("ubuntu-2404"));
        assert!(!is_label("ubuntu-24.04"));
        assert!(!is_label("2404"));
        assert!(!is_label("Ubuntu"));
        assert_eq!(suggest_label("Ubuntu_24.04"), "ubuntu-24-04");
        assert_eq!(suggest_free_label("Dev", |n| n == "dev"), "dev-2");
        assert_eq!(
            suggest_free_label("Dev", |n| ["dev", "dev-2"].contains(&n)),
            "dev-3"
        );
        assert_eq!(suggest_free_label("Dev", |_| false), "dev");
    }
}
