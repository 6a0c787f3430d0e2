//! Helpers of the lowering modules' unit tests: an inline spec checked against this
//! repository's files (its `builds/`, `scripts/` and `ansible/`), lowered, and read back.

use std::path::PathBuf;

use crate::diagnostic::SourceFile;
use crate::hcl::Expr;
use crate::loaded::Loaded;
use crate::model::{Arg, Args, Model, Source};
use crate::spec::PlatformName;

/// The platforms and defaults the tests' OSes build on, `defaults` last: each test adds its
/// `oses`, and may add to `defaults` first.
pub(super) const PLATFORMS: &str = r#"
version: 1
packer: { required_version: ">= 1.11.0" }
platforms:
  proxmox:
    builder: iso
    endpoint: https://pve.example.com:8006/api2/json
    username: packer@pve!packer
    token: { env: PROXMOX_TOKEN }
    node: pve1
    vm_storage_pool: local-lvm
    iso_storage_pool: local
    bridge: vmbr0
    virtio_iso: { proxmox_file: "local:iso/virtio-win.iso" }
  vsphere:
    builder: iso
    endpoint: vcenter.example.com
    username: packer@vsphere.local
    password: { env: VSPHERE_PASSWORD }
    datacenter: dc1
    cluster: cluster1
    datastore: datastore1
    network: VM Network
  azure:
    client_id: { env: ARM_CLIENT_ID }
    client_secret: { env: ARM_CLIENT_SECRET }
    tenant_id: { env: ARM_TENANT_ID }
    subscription_id: { env: ARM_SUBSCRIPTION_ID }
    location: westeurope
    vm_size: Standard_D2s_v5
    output: { managed_image: { resource_group: rg-images } }
defaults:
  build_user:
    username: packer
    password: { env: BUILD_PASSWORD }
    password_hash: { env: BUILD_PASSWORD_HASH }
  seed: http
"#;

/// The common part plus `rest` (`oses:`, `provisioning:`, ...), read and checked as
/// `validate` reads a spec, against this repository's files: a test's spec must pass every
/// check, so that lowering is tested only on specs it can be given.
pub(super) fn loaded(rest: &str) -> Loaded {
    let text = format!("{PLATFORMS}{rest}");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match crate::check(SourceFile::new("hybrid.yaml", text), root) {
        Ok(loaded) => loaded,
        Err(error) => panic!("the test's spec does not pass the checks: {error:?}"),
    }
}

/// The layout of the repository's own `generated/`.
pub(super) fn layout() -> super::Layout {
    super::Layout {
        spec_path: "spec/hybrid.yaml".into(),
        to_root: "..".into(),
    }
}

/// The common part plus `rest`, lowered.
pub(super) fn lowered(rest: &str) -> Model {
    match super::lower(&loaded(rest), &layout()) {
        Ok((model, _)) => model,
        Err(problems) => panic!("lowering failed: {problems:?}"),
    }
}

/// The source of an OS (or edition, `<os>-<edition>`) on a platform.
pub(super) fn source<'m>(model: &'m Model, platform: PlatformName, name: &str) -> &'m Source {
    model
        .sources
        .iter()
        .find(|s| s.platform == platform && s.name == name)
        .unwrap_or_else(|| panic!("no {} source `{name}`", platform.as_str()))
}

/// The value of an attribute.
pub(super) fn attr<'a>(args: &'a Args, name: &str) -> Option<&'a Expr> {
    args.0.iter().find_map(|a| match a {
        Arg::Attr { name: n, value, .. } if n == name => Some(value),
        _ => None,
    })
}

/// The bodies of the blocks of a name, in order.
pub(super) fn blocks<'a>(args: &'a Args, name: &str) -> Vec<&'a Args> {
    args.0
        .iter()
        .filter_map(|a| match a {
            Arg::Block { name: n, body, .. } if n == name => Some(body),
            _ => None,
        })
        .collect()
}

/// An expression as text: a string's value, a template's body between its quotes, anything
/// else as printed.
pub(super) fn as_text(value: &Expr) -> String {
    match value {
        Expr::String(text) => text.clone(),
        Expr::Template(parts) => crate::hcl::template_body(parts),
        other => crate::hcl::inline(other).unwrap_or_else(|| format!("{other:?}")),
    }
}

/// A string or template attribute's text.
pub(super) fn text(args: &Args, name: &str) -> String {
    match attr(args, name) {
        Some(value) => as_text(value),
        None => panic!("no `{name}`"),
    }
}

/// A list attribute's items as text.
pub(super) fn texts(args: &Args, name: &str) -> Vec<String> {
    match attr(args, name) {
        Some(Expr::List(items)) => items.iter().map(as_text).collect(),
        other => panic!("`{name}` is no list: {other:?}"),
    }
}
