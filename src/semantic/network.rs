//! Guest networks: static addresses only for builds that install from an ISO, each its own, with
//! valid IPv4 values.

use std::collections::BTreeMap;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::platform::iso_platforms;
use crate::release::OsFacts;
use crate::spec::{GuestNetwork, Spec};

impl Checker<'_, '_> {
    /// A guest network: addresses only for builds that install from an ISO, each its own
    /// (builds run at the same time), valid IPv4 values, and gateway or DNS only with an address.
    pub(super) fn network(&mut self, base: &[&str], network: &GuestNetwork, sources: &[String]) {
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
                d = d
                    .with_help(format!(
                        "the builds are named after the OS, or `<os>-<edition>` for Windows: {}",
                        if names.is_empty() {
                            "none here".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ))
                    .with_did_you_mean(source, names.iter().copied());
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
}

/// The most DNS servers an installer network may list.
pub(super) const MAX_DNS_SERVERS: usize = 3;

/// The builds that install from an ISO, by source name (`<os>` or `<os>-<edition>`): the
/// ones a static address can be given to.
pub fn static_sources(spec: &Spec) -> Vec<String> {
    let mut names = Vec::new();
    for (name, os) in &spec.oses {
        if os.installer().is_none() || iso_platforms(spec, os).is_empty() {
            continue;
        }
        names.extend(crate::release::build_names(name, os));
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
