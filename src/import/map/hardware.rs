//! A source's virtual hardware as the spec's `hardware` fields: the reverse of what lowering
//! writes for each builder (Proxmox `cores`, `memory`, `disks`, `bios`; vSphere `CPUs`,
//! `RAM`, `storage`, `firmware`, `vTPM`; Azure `os_disk_size_gb`).

use serde_json::{Map, Value as Json};

use crate::import::tree::{Body, Value};
use crate::spec::PlatformName;

use super::source::{blocks, boolean, integer, text};

/// The top-level arguments [`of`] reads.
pub const ARGUMENTS: &[&str] = &[
    "cores",
    "sockets",
    "memory",
    "disks",
    "bios",
    "tpm_config",
    "CPUs",
    "RAM",
    "storage",
    "firmware",
    "vTPM",
    "os_disk_size_gb",
    "disk_additional_size",
];

/// The `hardware` mapping of a source, in the spec's field order.
pub fn of(body: &Body, platform: PlatformName) -> Map<String, Json> {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Json>| {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    };
    match platform {
        PlatformName::Proxmox => {
            let sockets = integer(body, "sockets").unwrap_or(1).max(1);
            put(
                "cpus",
                integer(body, "cores").map(|c| Json::from(c * sockets)),
            );
            put("memory_mb", integer(body, "memory").map(Json::from));
            let disks: Vec<u64> = blocks(body, "disks")
                .iter()
                .filter_map(|d| text(d, "disk_size").and_then(gib))
                .collect();
            disk(&mut put, &disks);
            put(
                "firmware",
                text(body, "bios").map(|b| if b == "ovmf" { "uefi" } else { "bios" }.into()),
            );
            put(
                "tpm",
                (!blocks(body, "tpm_config").is_empty()).then_some(Json::Bool(true)),
            );
        }
        PlatformName::Vsphere => {
            put("cpus", integer(body, "CPUs").map(Json::from));
            put("memory_mb", integer(body, "RAM").map(Json::from));
            let disks: Vec<u64> = blocks(body, "storage")
                .iter()
                .filter_map(|d| integer(d, "disk_size"))
                .map(|mb| mb.div_ceil(1024))
                .collect();
            disk(&mut put, &disks);
            let firmware = text(body, "firmware");
            put(
                "firmware",
                firmware.map(|f| if f.starts_with("efi") { "uefi" } else { "bios" }.into()),
            );
            put("tpm", boolean(body, "vTPM").filter(|t| *t).map(Json::Bool));
            put(
                "secure_boot",
                (firmware == Some("efi-secure")).then_some(Json::Bool(true)),
            );
        }
        PlatformName::Azure => {
            put("disk_gb", integer(body, "os_disk_size_gb").map(Json::from));
            if let Some(Value::List(items)) = body.get("disk_additional_size").map(|a| &a.value) {
                let sizes: Vec<Json> = items
                    .iter()
                    .filter_map(|v| match v {
                        Value::Number(n) => n.as_u64().map(Json::from),
                        _ => None,
                    })
                    .collect();
                put(
                    "data_disks_gb",
                    (!sizes.is_empty()).then_some(Json::Array(sizes)),
                );
            }
        }
    }
    out
}

/// `disk_gb` and `data_disks_gb` from the sizes of a source's disks, the system disk first.
fn disk(put: &mut impl FnMut(&str, Option<Json>), disks: &[u64]) {
    put("disk_gb", disks.first().map(|d| Json::from(*d)));
    if disks.len() > 1 {
        put(
            "data_disks_gb",
            Some(disks[1..].iter().copied().map(Json::from).collect()),
        );
    }
}

/// A Proxmox disk size (`40G`, `40960M`, `1T`) in GiB, rounded up.
fn gib(size: &str) -> Option<u64> {
    let size = size.trim();
    let (number, unit) = size.split_at(
        size.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(size.len()),
    );
    let n: u64 = number.parse().ok()?;
    match unit.to_ascii_uppercase().as_str() {
        "G" | "" => Some(n),
        "M" => Some(n.div_ceil(1024)),
        "T" => Some(n.saturating_mul(1024)),
        "K" => Some(n.div_ceil(1024 * 1024)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxmox_disk_sizes_are_gibibytes() {
        assert_eq!(gib("40G"), Some(40));
        assert_eq!(gib("40960M"), Some(40));
        assert_eq!(gib("1T"), Some(1024));
        assert_eq!(gib("x"), None);
    }
}
