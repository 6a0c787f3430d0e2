//! An OS's unattended installer: the seed files and the channel they reach the VM by, the
//! boot command, the installer's network on its kernel command line, and the Windows answer
//! file.

use super::{Lowerer, ptr, s};
use crate::hcl::{Expr, escape_string};
use crate::model::{FileKey, Local, Model, VarType, Variable};
use crate::semantic::iso_platforms;
use crate::spec::{
    Family, Firmware, GuestNetwork, Installer, Os, PlatformName, SeedChannel, snake,
};

impl Lowerer<'_> {
    /// The Windows scripts on the answer file's CD, as a glob: the files land at the CD's root,
    /// where the answer file's first-logon commands look for them.
    ///
    /// Not the folder itself: packer-plugin-sdk `multistep/commonsteps/step_create_cdrom.go`
    /// (`StepCreateCD.AddFile`) strips a folder's prefix as written while the walked children
    /// are cleaned paths, so a folder under `${path.root}/..` never matches and the step fails
    /// to open its files; a glob is expanded first and each match is copied by its base name.
    pub(super) fn windows_cd_files(&self) -> Expr {
        Expr::List(vec![self.path("scripts/windows/*")])
    }

    /// The installer inputs shared by every source of a Linux OS, as a local value.
    pub(super) fn seed_local(&mut self, name: &str, os: &Os, model: &mut Model) -> Option<String> {
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
    pub(super) fn seed_files(
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
    pub(super) fn network(&mut self, source: &str) -> Network {
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

    pub(super) fn channel(&self, os: &Os) -> SeedChannel {
        match os.family {
            Family::Windows => SeedChannel::Cd,
            Family::Linux => os.seed.unwrap_or(self.spec.defaults.seed),
        }
    }

    /// The Windows answer file for one edition on one platform, rendered at build time.
    pub(super) fn autounattend(
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
    pub(super) fn boot(&mut self, name: &str, os: &Os, firmware: Firmware) -> (Expr, Expr) {
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
}

/// The network of one build's installer.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Network {
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
pub(super) fn netmask(prefix: u8) -> String {
    let bits = u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0);
    std::net::Ipv4Addr::from(bits).to_string()
}

impl Network {
    /// The installer templates' `network` input: `{ dhcp, address, gateway, dns }`.
    pub(super) fn object(&self) -> Expr {
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
    pub(super) fn kernel_arguments(&self, installer: Installer, hostname: &str) -> String {
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
pub(super) fn computer_name(source: &str) -> String {
    let short: String = source.chars().take(15).collect();
    short.trim_end_matches('-').to_owned()
}

/// The name the installer looks for: `user-data.pkrtpl.hcl` is served as `user-data`,
/// `ks.pkrtpl.hcl` as `ks.cfg`, `preseed.pkrtpl.hcl` as `preseed.cfg`.
pub(super) fn served_name(installer: Installer, template: &str) -> String {
    let stem = template.trim_end_matches(".pkrtpl.hcl");
    match installer {
        Installer::Autoinstall => stem.to_owned(),
        Installer::Kickstart | Installer::Preseed => format!("{stem}.cfg"),
        Installer::Autounattend => format!("{stem}.xml"),
    }
}
