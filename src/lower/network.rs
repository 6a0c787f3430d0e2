//! The installer's own network: a static address, DHCP, or variables each environment sets,
//! as the installer templates' `network` input and as arguments on the kernel command line.

use super::{Lowerer, ptr, s};
use crate::hcl::{Expr, Part};
use crate::installer::KernelNetwork;
use crate::model::{FileKey, VarType, Variable};
use crate::spec::{GuestNetwork, snake};

impl Lowerer<'_> {
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
        Network::Variable {
            address: self.var(&address),
            gateway: self.var("network_gateway"),
            dns: self.var("network_dns"),
        }
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
    /// A static address or DHCP, from variables each environment sets (references to them;
    /// an empty address means DHCP).
    Variable {
        address: Expr,
        gateway: Expr,
        dns: Expr,
    },
}

impl Network {
    /// SUSE linuxrc's `ifcfg=*="<ip>/<prefix>,<gateway>,<dns> <dns>"`: the first interface
    /// with a link gets the static address (SUSE AutoYaST guide and openSUSE's SDB:Linuxrc,
    /// `ifcfg`: `*` matches every interface, quotes are needed only around a list with spaces;
    /// a field left empty is not set).
    fn ifcfg(&self) -> Vec<Part> {
        match self {
            Self::Dhcp => Vec::new(),
            Self::Fixed { cidr, gateway, dns } => vec![Part::text(format!(
                "ifcfg=*=\"{cidr},{},{}\"",
                gateway.as_deref().unwrap_or_default(),
                dns.join(" ")
            ))],
            Self::Variable {
                address,
                gateway,
                dns,
            } => vec![Part::when(
                address.clone().not_equal(""),
                vec![
                    Part::text("ifcfg=*=\""),
                    Part::Expr(address.clone()),
                    Part::text(","),
                    Part::Expr(gateway.clone()),
                    Part::text(","),
                    Part::Expr(Expr::call("join", vec![s(" "), dns.clone()])),
                    Part::text("\""),
                ],
                Vec::new(),
            )],
        }
    }
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
                address.clone().equal(""),
                address.clone(),
                gateway.clone(),
                dns.clone(),
            ),
        };
        Expr::Object(vec![
            ("dhcp".into(), dhcp),
            ("address".into(), address),
            ("gateway".into(), gateway),
            ("dns".into(), dns),
        ])
    }

    /// The installer's own network on its kernel command line, as template parts (none for
    /// DHCP): an installer that fetches its answer file over HTTP needs the network first.
    ///
    /// - debian-installer: `netcfg/*` answers, which are also the only way to preseed a static
    ///   network when the preseed itself comes over the network (Debian installation guide,
    ///   appendix B.4.3; `netcfg/no_default_route` without a gateway).
    /// - dracut (Rocky's installer) and casper/klibc ipconfig (Ubuntu's live installer) share
    ///   `ip=<ip>::<gateway>:<netmask>:<hostname>::none:<dns1>:<dns2>`: dracut.cmdline(7), and
    ///   dracut `modules.d/40network/parse-ip-opts.sh` (the interface may be left out when there
    ///   is a single `ip=`); the kernel's `Documentation/admin-guide/nfs/nfsroot.rst`
    ///   (`<dns0-ip>:<dns1-ip>` after autoconf `none`).
    pub(super) fn kernel_arguments(&self, style: KernelNetwork, hostname: &str) -> Vec<Part> {
        if style == KernelNetwork::Ifcfg {
            return self.ifcfg();
        }
        let debian = style == KernelNetwork::Netcfg;
        match self {
            Self::Dhcp => Vec::new(),
            Self::Fixed { cidr, gateway, dns } => {
                let (ip, prefix) = cidr.split_once('/').unwrap_or((cidr, "32"));
                let mask = netmask(prefix.parse().unwrap_or(32));
                let gateway = gateway.as_deref().unwrap_or_default();
                let args = if debian {
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
                    args
                } else {
                    let mut args = format!("ip={ip}::{gateway}:{mask}:{hostname}::none");
                    for server in dns.iter().take(2) {
                        args.push_str(&format!(":{server}"));
                    }
                    args
                };
                vec![Part::text(args)]
            }
            Self::Variable {
                address,
                gateway,
                dns,
            } => {
                let ip = Part::Expr(Expr::call("split", vec![s("/"), address.clone()]).index(0));
                let mask = Part::Expr(Expr::call("cidrnetmask", vec![address.clone()]));
                let length = Expr::call("length", vec![dns.clone()]);
                let body = if debian {
                    vec![
                        Part::text("netcfg/disable_autoconfig=true netcfg/get_ipaddress="),
                        ip,
                        Part::text(" netcfg/get_netmask="),
                        mask,
                        Part::when(
                            gateway.clone().not_equal(""),
                            vec![
                                Part::text(" netcfg/get_gateway="),
                                Part::Expr(gateway.clone()),
                            ],
                            vec![Part::text(" netcfg/no_default_route=true")],
                        ),
                        Part::when(
                            length.greater(Expr::Number(0)),
                            vec![
                                Part::text(" netcfg/get_nameservers="),
                                Part::Expr(dns.clone().index(0)),
                            ],
                            Vec::new(),
                        ),
                        Part::text(" netcfg/confirm_static=true"),
                    ]
                } else {
                    let shown = Expr::call("min", vec![Expr::Number(2), length]);
                    vec![
                        Part::text("ip="),
                        ip,
                        Part::text("::"),
                        Part::Expr(gateway.clone()),
                        Part::text(":"),
                        mask,
                        Part::text(format!(":{hostname}::none")),
                        Part::each(
                            "server",
                            Expr::call("slice", vec![dns.clone(), Expr::Number(0), shown]),
                            vec![Part::text(":"), Part::Expr(Expr::traversal("server"))],
                        ),
                    ]
                };
                vec![Part::when(address.clone().not_equal(""), body, Vec::new())]
            }
        }
    }
}
