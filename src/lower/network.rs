//! The installer's own network: a static address, DHCP, or variables each environment sets,
//! as the installer templates' `network` input and as arguments on the kernel command line.

use super::{Lowerer, ptr, s};
use crate::hcl::{Expr, escape_string};
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
    pub(super) fn kernel_arguments(&self, style: KernelNetwork, hostname: &str) -> String {
        let debian = style == KernelNetwork::Netcfg;
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
