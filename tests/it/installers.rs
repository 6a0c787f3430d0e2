//! Installer templates, rendered as Packer renders them: every template an OS of the example
//! spec or of the union fixture (one OS per release of the catalogue, written here from it)
//! reads (`installers/<kind>/*.pkrtpl.hcl`, or the OS's own) goes
//! through HashiCorp's own HCL template engine (the Go helper in `tests/render/main.go`, built
//! against Debian's `golang-github-hashicorp-hcl-v2-dev`), exactly like Packer's
//! `templatefile()`, with fixed inputs that are the template variables `installer::variables`
//! declares for each rendering (`seed_local` merged with the `platform`, `cloud_init` and
//! `machine` of `seed_files` for Linux, `autounattend` for Windows).
//!
//! What it checks:
//! - every template renders (syntax, undefined variables, unknown functions are errors, as in
//!   Packer), for each case: Linux templates for the network cases `dhcp` (on Proxmox, the
//!   default `lvm` layout) and `static` (on vSphere, the `hardened` layout with two data disks),
//!   and `hardened-bios` (the hardened layout on BIOS), the Windows answer file for the edition/platform cases
//!   `standard-proxmox` and `datacenter-vsphere`;
//! - the union fixture's spec is the catalogue's (`union_spec`), and a known release takes at
//!   most 12 spec lines;
//! - the result equals the golden file `tests/fixtures/installers/<os>/<case>/<template>` (the
//!   template's name without `.pkrtpl.hcl`); a missing and an extra golden file both fail;
//! - the shared answer file renders for every edition of every Windows release of the OS
//!   catalogue, with that release's facts, and equals its golden file
//!   `tests/fixtures/answer-files/<release>/<edition>/autounattend`;
//! - secrets land only where they belong: the password hash only on the installer's password
//!   line, the Windows password only XML-escaped inside `<Value>` elements, neither anywhere else;
//! - the helper itself renders a few hand-checked templates as HCL does (`$${`, `%{ if }`,
//!   `%{ for }`, `~` strip markers, undefined variables).
//!
//! Review changes and bless them with `HYBRIDC_BLESS=1 cargo test --test it installers::`, which
//! rewrites the golden files (and removes stale ones).
//!
//! Needs `go` and the HCL sources from Debian: `apt-get install golang-go
//! golang-github-hashicorp-hcl-v2-dev`. Without them the tests print SKIPPED and pass, except
//! when `CI` is set, where they fail. The helper is built once per test run into
//! `target/hybridc-render/render`; the inputs of each case are kept next to it in `vars/`, so a
//! case can be rerun by hand: `target/hybridc-render/render render <template> <vars.json>`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use hybridc::installer::INSTALLERS;
use hybridc::partitioning::{DiskBus, boot_partitions, disk_name};
use hybridc::release::OsFacts;
use hybridc::spec::{Family, Firmware, Partitioning};
use serde_json::{Value, json};

use crate::support::{blessing, golden_problem, missing, repo};

// ---------------------------------------------------------------------------------------------
// Fixed inputs
// ---------------------------------------------------------------------------------------------

const BUILD_USERNAME: &str = "testbuilder";

/// Stands where the installer reads the password hash. Deliberately not a crypt string, so that
/// no committed file holds anything shaped like a password hash.
const BUILD_PASSWORD_HASH: &str = "PLACEHOLDER-FOR-THE-BUILD-PASSWORD-HASH";

/// Stands where the installer authorises the build user's SSH key (`static` cases; `dhcp` has
/// none): shaped like an Ed25519 public key, not one.
const BUILD_SSH_PUBLIC_KEY: &str =
    "ssh-ed25519 AAAAPLACEHOLDERFORTHEBUILDUSERSSHPUBLICKEY00000000000000000 build@example";

/// Stands where Windows Setup reads the password; holds `&`, `<` and `>` so that the answer
/// file's XML escaping is exercised.
const BUILD_PASSWORD: &str = "PLACEHOLDER&<build-password>";

/// Product key for the edition that has one: five groups of five characters from the product
/// key alphabet, not a real key.
const PRODUCT_KEY: &str = "BCDFG-HJKMP-QRTVW-XY234-6789B";

/// One set of inputs for one template.
struct Case {
    /// Folder name under `tests/fixtures/installers/<os>/`.
    name: &'static str,
    vars: Value,
}

/// What `seed_local` passes, plus the `platform`, `cloud_init` and `machine` that `seed_files`
/// merges in per source, and the release facts of [`release_facts`]: hostname is the OS key.
/// `dhcp` uses the compiler's default locale, no network settings, Proxmox and the default
/// layout; `static` uses another locale, a full static network, vSphere, two data disks and the
/// hardened layout on UEFI, so that hard-coded values in a template show up and both platforms'
/// branches are covered; `hardened-bios` the hardened layout on BIOS with one data disk.
fn linux_cases(os: &str) -> Vec<Case> {
    let dhcp = json!({
        "build_username": BUILD_USERNAME,
        "build_password_hash": BUILD_PASSWORD_HASH,
        "build_ssh_pubkey": "",
        "hostname": os,
        "language": "en_US",
        "keyboard": "us",
        "timezone": "UTC",
        "network": { "dhcp": true, "address": "", "gateway": "", "dns": [] },
        "platform": "proxmox",
        "cloud_init": true,
        "machine": machine(Family::Linux, Firmware::Uefi, Partitioning::Lvm, &[]),
    });
    let mut hardened_bios = dhcp.clone();
    hardened_bios["platform"] = json!("vsphere");
    hardened_bios["cloud_init"] = json!(false);
    hardened_bios["machine"] =
        machine(Family::Linux, Firmware::Bios, Partitioning::Hardened, &[50]);
    vec![
        Case {
            name: "dhcp",
            vars: dhcp,
        },
        Case {
            name: "static",
            vars: json!({
                "build_username": BUILD_USERNAME,
                "build_password_hash": BUILD_PASSWORD_HASH,
                "build_ssh_pubkey": BUILD_SSH_PUBLIC_KEY,
                "hostname": os,
                "language": "de_DE",
                "keyboard": "de",
                "timezone": "Europe/Berlin",
                "network": {
                    "dhcp": false,
                    "address": "192.0.2.10/24",
                    "gateway": "192.0.2.1",
                    "dns": ["192.0.2.53", "198.51.100.53"],
                },
                "platform": "vsphere",
                "cloud_init": false,
                "machine": machine(Family::Linux, Firmware::Uefi, Partitioning::Hardened, &[100, 200]),
            }),
        },
        Case {
            name: "hardened-bios",
            vars: hardened_bios,
        },
    ]
}

/// The `machine` variable as lowering passes it (`Lowerer::machine`): the disks by the names
/// the installer gives them and, for a layout hybridc declares, its partitions and volumes
/// from `hybridc::partitioning`.
fn machine(family: Family, firmware: Firmware, partitioning: Partitioning, data: &[u32]) -> Value {
    let data_disks: Vec<Value> = data
        .iter()
        .enumerate()
        .map(|(i, size)| json!({ "device": disk_name(family, DiskBus::Scsi, i + 1), "size_gb": size }))
        .collect();
    let mut machine =
        json!({ "system_disk": disk_name(family, DiskBus::Scsi, 0), "data_disks": data_disks });
    if family == Family::Windows {
        return machine;
    }
    let layout = hybridc::partitioning::layout(partitioning);
    let (partitions, volumes): (Vec<Value>, Vec<Value>) = if layout.guided {
        (Vec::new(), Vec::new())
    } else {
        (
            boot_partitions(firmware)
                .iter()
                .map(|p| json!({ "kind": p.kind.as_str(), "mount": p.mount, "size_mb": p.size_mb }))
                .collect(),
            layout
                .volumes
                .iter()
                .map(|v| {
                    json!({ "mount": v.mount, "name": v.name, "size_mb": v.size_mb, "options": v.options })
                })
                .collect(),
        )
    };
    machine["partitioning"] = json!(partitioning.as_str());
    machine["partitions"] = json!(partitions);
    machine["volumes"] = json!(volumes);
    machine
}

/// What `autounattend` passes for one edition on one platform, in Windows' own vocabulary (the
/// compiler maps locale, keyboard and time zone). `standard-proxmox` uses the compiler's defaults
/// (UEFI, DHCP, en-US, UTC); `datacenter-vsphere` another locale, keyboard and time zone, a product
/// key and a full static network; `standard-proxmox-bios` the MBR layout, so that both firmware
/// and both network branches are covered.
fn windows_cases() -> Vec<Case> {
    let dhcp = json!({ "dhcp": true, "address": "", "gateway": "", "dns": [] });
    vec![
        Case {
            name: "standard-proxmox",
            vars: json!({
                "build_username": BUILD_USERNAME,
                "build_password": BUILD_PASSWORD,
                "image_name": "Windows Server 2022 SERVERSTANDARD",
                "product_key": "",
                "language": "en-US",
                "keyboard": "0409:00000409",
                "timezone": "UTC",
                "firmware": "uefi",
                "network": dhcp,
                "computer_name": "WIN2022-STD",
                "platform": "proxmox",
                "machine": machine(Family::Windows, Firmware::Uefi, Partitioning::Lvm, &[]),
            }),
        },
        Case {
            name: "datacenter-vsphere",
            vars: json!({
                "build_username": BUILD_USERNAME,
                "build_password": BUILD_PASSWORD,
                "image_name": "Windows Server 2022 SERVERDATACENTER",
                "product_key": PRODUCT_KEY,
                "language": "de-DE",
                "keyboard": "0407:00000407",
                "timezone": "W. Europe Standard Time",
                "firmware": "uefi",
                "network": {
                    "dhcp": false,
                    "address": "192.0.2.10/24",
                    "gateway": "192.0.2.1",
                    "dns": ["192.0.2.53", "198.51.100.53"],
                },
                "computer_name": "WIN2022-DC",
                "platform": "vsphere",
                "machine": machine(Family::Windows, Firmware::Uefi, Partitioning::Lvm, &[100]),
            }),
        },
        Case {
            name: "standard-proxmox-bios",
            vars: json!({
                "build_username": BUILD_USERNAME,
                "build_password": BUILD_PASSWORD,
                "image_name": "Windows Server 2022 SERVERSTANDARD",
                "product_key": "",
                "language": "en-US",
                "keyboard": "0409:00000409",
                "timezone": "UTC",
                "firmware": "bios",
                "network": dhcp,
                "computer_name": "WIN2022-STD-BIO",
                "platform": "proxmox",
                "machine": machine(Family::Windows, Firmware::Bios, Partitioning::Lvm, &[]),
            }),
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Paths and templates
// ---------------------------------------------------------------------------------------------

const SUFFIX: &str = ".pkrtpl.hcl";

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => repo().join(dir),
        None => repo().join("target"),
    }
}

/// Where the helper, its Go build cache and the per-case inputs live.
fn work_dir() -> PathBuf {
    target_dir().join("hybridc-render")
}

fn golden_root() -> PathBuf {
    repo().join("tests/fixtures/installers")
}

/// One installer template as one OS reads it: `installers/<kind>/<stem>.pkrtpl.hcl` or the
/// OS's own.
struct Template {
    os: String,
    stem: String,
    path: PathBuf,
    /// The OS's `installer_inputs` as the templates receive them ([`installer_inputs`]).
    inputs: Value,
    /// The release the OS is (`release:`, else its key), or its key outside the catalogue.
    release: String,
    /// The platforms its installer kind runs on, by name.
    hypervisors: Vec<&'static str>,
}

impl Template {
    /// Whether an installer of the Windows family reads it, by the installer table.
    fn is_windows(&self) -> bool {
        let file = format!("{}{SUFFIX}", self.stem);
        INSTALLERS
            .iter()
            .any(|k| k.family == Family::Windows && k.templates.contains(&file.as_str()))
    }

    fn cases(&self) -> Vec<Case> {
        let mut cases = if self.is_windows() {
            windows_cases()
        } else {
            linux_cases(&self.os)
        };
        cases.retain(|case| {
            case.vars["platform"]
                .as_str()
                .is_none_or(|p| self.hypervisors.contains(&p))
        });
        for case in &mut cases {
            case.vars["release"] = release_facts(&self.release);
            case.vars["inputs"] = self.inputs.clone();
        }
        cases
    }

    fn golden(&self, case: &Case) -> PathBuf {
        golden_root()
            .join(&self.os)
            .join(case.name)
            .join(&self.stem)
    }

    fn label(&self, case: &Case) -> String {
        let path = self.path.strip_prefix(repo()).unwrap_or(&self.path);
        format!("{} of {} [{}]", path.display(), self.os, case.name)
    }
}

/// The template every OS reads, per template of its installer: the shared `installers/<kind>/`
/// one unless the OS has its own. The OSes are the example spec's, those of the AutoYaST and
/// Photon fixture (SLES with and without installer inputs), then those of the union fixture
/// (one per release of the catalogue, see [`union_spec`]) that neither has, so every template
/// is rendered for every release it serves.
fn templates() -> Vec<Template> {
    let mut found: Vec<Template> = Vec::new();
    for root in [repo(), repo().join(INSTALLER_KINDS_FIXTURE), union_root()] {
        let loaded = hybridc::load(&root.join("spec"))
            .unwrap_or_else(|e| panic!("{} loads: {e}", root.display()));
        for (name, os) in &loaded.spec.oses {
            if found.iter().any(|t| &t.os == name) {
                continue;
            }
            let Some(kind) = os.installer().map(hybridc::installer::kind) else {
                continue;
            };
            for file in kind.templates {
                let path = kind.template_path(name, os, file, |p| root.join(p).is_file());
                found.push(Template {
                    os: name.clone(),
                    stem: file.trim_end_matches(SUFFIX).to_owned(),
                    path: root.join(path),
                    inputs: installer_inputs(os),
                    release: os.known().map_or(name.as_str(), |r| r.name).to_owned(),
                    hypervisors: kind.hypervisors.iter().map(|p| p.as_str()).collect(),
                });
            }
        }
    }
    assert!(!found.is_empty(), "no OS has installer templates");
    found
}

// ---------------------------------------------------------------------------------------------
// The union fixture: every release of the catalogue
// ---------------------------------------------------------------------------------------------

/// `tests/fixtures/compile/union/`: a repository with one OS per release of the catalogue, on
/// every platform the release is built on, and no template of its own (its `installers` is a
/// link to the repository's). `compile.rs` compiles it like every fixture.
fn union_root() -> PathBuf {
    repo().join("tests/fixtures/compile/union")
}

/// What the union fixture's OSes share: the platforms (with what a Windows build on Proxmox
/// needs, and the host's CPU model, which RHEL 9 and 10 and their rebuilds need), the build
/// user, and an environment.
const UNION_HEAD: &str = r#"# Generated from hybridc's OS catalogue by tests/it/installers.rs (`union_spec`): one OS per
# release, written as a user writes a known release (its ISO and its platforms), on every
# platform the release is built on. Rewrite it with
# `HYBRIDC_BLESS=1 cargo test --test it installers::`.
version: 1
defaults:
  build_user:
    username: builder
    password: { env: BUILD_PASSWORD }
    password_hash: { env: BUILD_PASSWORD_HASH }
platforms:
  proxmox:
    endpoint: https://pve.example.com:8006/api2/json
    username: packer@pve!packer
    token: { env: PROXMOX_TOKEN }
    node: pve1
    vm_storage_pool: local-lvm
    virtio_iso: { proxmox_file: local:iso/virtio-win.iso }
    options: { cpu_type: host }
  vsphere:
    endpoint: vcenter.example.com
    username: svc-packer@vsphere.local
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
    output:
      gallery: { resource_group: rg-gallery, name: sig_golden }
environments:
  dev: {}
oses:
"#;

/// The lines a user writes for one known release: its name, its ISO (a mirror of the
/// fixture's own, with the checksum file beside it: no digest is made up) and its platforms
/// (a Windows release builds its default editions).
fn union_os(release: &hybridc::release::Release) -> String {
    let platforms: Vec<&str> = release.platforms.iter().map(|p| p.as_str()).collect();
    format!(
        "  {name}:\n    iso:\n      url: https://mirror.example.com/iso/{name}.iso\n      checksum: file:https://mirror.example.com/iso/{name}.iso.sha256\n    platforms: [{}]\n",
        platforms.join(", "),
        name = release.name,
    )
}

/// The union fixture's spec, from the catalogue.
fn union_spec() -> String {
    let mut spec = UNION_HEAD.to_owned();
    for release in hybridc::release::all() {
        spec.push_str(&union_os(release));
    }
    spec
}

/// The fixed inputs are the variables lowering passes, as `installer::variables` declares
/// them for each rendering, so a template rendered here cannot read a name the build lacks.
#[test]
fn case_inputs_are_the_declared_template_variables() {
    use hybridc::installer::SeedInputs;
    let names = |vars: &Value| -> BTreeSet<String> {
        let mut names: BTreeSet<String> = vars
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        names.extend(["release".to_owned(), "inputs".to_owned()]);
        names
    };
    let declared = |seed: SeedInputs| -> BTreeSet<String> {
        seed.template_var_names()
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    for case in linux_cases("rocky-9") {
        assert_eq!(
            names(&case.vars),
            declared(SeedInputs::PerOs),
            "{}",
            case.name
        );
    }
    for case in windows_cases() {
        assert_eq!(
            names(&case.vars),
            declared(SeedInputs::PerEdition),
            "{}",
            case.name
        );
    }
}

/// The union fixture's spec is the catalogue's: a release added to the catalogue flows into
/// it (and so into the compiled fixture and the rendered templates) when re-blessed.
#[test]
fn union_fixture_has_one_os_per_release_of_the_catalogue() {
    let path = union_root().join("spec/hybrid.yaml");
    if let Some(problem) = golden_problem(&path, &union_spec()) {
        panic!("{problem}");
    }
}

/// A known release takes at most 12 spec lines: everything else comes from the catalogue.
#[test]
fn a_known_release_is_at_most_twelve_spec_lines() {
    for release in hybridc::release::all() {
        let lines = union_os(release).lines().count();
        assert!(lines <= 12, "{}: {lines} lines", release.name);
    }
}

/// The facts of an OS's release as the compiler passes them (`release` in
/// `src/lower/installer.rs`): empty for an OS outside the catalogue.
fn release_facts(os: &str) -> Value {
    let known = hybridc::release::find(os);
    json!({
        "name": known.map_or(os, |r| r.name),
        "distribution": known.map_or("", |r| r.distribution),
        "version": known.map_or("", |r| r.version),
        "repositories": known.map_or(&[][..], |r| r.repositories).iter()
            .map(|r| json!({ "name": r.name, "url": r.url }))
            .collect::<Vec<_>>(),
        "drivers": known.and_then(|r| r.windows).map_or("", |w| w.drivers),
        "arch": "x86_64",
    })
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return out;
    }
    for entry in sorted_entries(dir) {
        if entry.is_dir() {
            out.extend(files_under(&entry));
        } else {
            out.push(entry);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The Go helper
// ---------------------------------------------------------------------------------------------

const INSTALL_HINT: &str = "apt-get install golang-go golang-github-hashicorp-hcl-v2-dev";

/// Where Debian's golang-*-dev packages put their sources.
const DEBIAN_GOPATH: &str = "/usr/share/gocode";

enum Helper {
    Ready(PathBuf),
    /// A prerequisite is missing (not an error outside CI).
    Missing(String),
    /// The prerequisites are there but the build failed: always an error.
    Broken(String),
}

/// Builds `tests/render/main.go` once per test process (cheap after the first time: Go caches).
fn build_helper() -> Helper {
    match Command::new("go").arg("version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            return Helper::Missing(format!(
                "`go version` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Err(e) => return Helper::Missing(format!("`go` cannot be run ({e})")),
    }
    let hcl = Path::new(DEBIAN_GOPATH).join("src/github.com/hashicorp/hcl/v2/hclsyntax");
    if !hcl.is_dir() {
        return Helper::Missing(format!("the HCL sources are not in {}", hcl.display()));
    }

    let work = work_dir();
    let gopath = work.join("gopath");
    let gocache = work.join("gocache");
    for dir in [&gopath, &gocache] {
        if let Err(e) = std::fs::create_dir_all(dir) {
            return Helper::Broken(format!("{}: {e}", dir.display()));
        }
    }
    let exe = work.join("render");
    // GOPATH mode against Debian's sources: no go.mod, no module download. The writable first
    // GOPATH entry and GOCACHE keep the build inside the target directory.
    let out = Command::new("go")
        .current_dir(repo())
        .env("GO111MODULE", "off")
        .env(
            "GOPATH",
            format!("{}:{DEBIAN_GOPATH}", gopath.to_string_lossy()),
        )
        .env("GOCACHE", &gocache)
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .args(["build", "-o"])
        .arg(&exe)
        .arg("tests/render/main.go")
        .output();
    match out {
        Ok(out) if out.status.success() => Helper::Ready(exe),
        Ok(out) => Helper::Broken(format!(
            "go build of tests/render/main.go failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(e) => Helper::Broken(format!("go build could not start: {e}")),
    }
}

/// The helper, or `None` after printing why the test is skipped. Fails instead of skipping
/// when `CI` is set.
pub(crate) fn helper() -> Option<&'static Path> {
    static HELPER: OnceLock<Helper> = OnceLock::new();
    match HELPER.get_or_init(build_helper) {
        Helper::Ready(exe) => Some(exe),
        Helper::Broken(why) => panic!("{why}"),
        Helper::Missing(why) => {
            missing(
                &format!("cannot render installer templates: {why}"),
                INSTALL_HINT,
            );
            None
        }
    }
}

/// What the helper said.
pub(crate) enum Rendered {
    Text(String),
    /// HCL diagnostics (exit status 1).
    Error(String),
}

/// Renders `template` with `vars` written to `target/hybridc-render/vars/<tag>.json`.
pub(crate) fn render(exe: &Path, template: &Path, vars: &Value, tag: &str) -> Rendered {
    let dir = work_dir().join("vars");
    std::fs::create_dir_all(&dir).expect("create vars dir");
    let vars_path = dir.join(format!("{tag}.json"));
    let text = serde_json::to_string_pretty(vars).expect("vars serialise");
    // Tests running at the same time render the same cases: each writes its own file and
    // renames it into place, so that no helper reads a file another test is still writing.
    static WRITES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let partial = dir.join(format!("{tag}.json.{}-{n}.partial", std::process::id()));
    std::fs::write(&partial, text).expect("write vars");
    std::fs::rename(&partial, &vars_path).expect("move vars into place");
    let out = Command::new(exe)
        .current_dir(repo())
        .arg("render")
        .arg(template)
        .arg(&vars_path)
        .output()
        .expect("run render helper");
    match out.status.code() {
        Some(0) => Rendered::Text(String::from_utf8(out.stdout).expect("rendered text is UTF-8")),
        Some(1) => Rendered::Error(String::from_utf8_lossy(&out.stderr).into_owned()),
        _ => panic!(
            "render helper failed on {} with {:?}:\n{}",
            template.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Renders a template of the repository for one case, failing with the diagnostics on error.
fn render_case(exe: &Path, template: &Template, case: &Case) -> Result<String, String> {
    let tag = format!("{}-{}-{}", template.os, template.stem, case.name);
    // Relative to the repository (the helper runs there), so that diagnostics name the file
    // as a person would.
    let rel = template.path.strip_prefix(repo()).unwrap_or(&template.path);
    match render(exe, rel, &case.vars, &tag) {
        Rendered::Text(text) => Ok(text),
        Rendered::Error(diags) => Err(format!(
            "{} does not render:\n{diags}\n(inputs: {})",
            template.label(case),
            work_dir()
                .join("vars")
                .join(format!("{tag}.json"))
                .display()
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

fn fail_with(problems: Vec<String>) {
    if !problems.is_empty() {
        panic!(
            "{} problem(s):\n\n{}\n\nIf the change is intended: HYBRIDC_BLESS=1 cargo test --test it installers::",
            problems.len(),
            problems.join("\n\n")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// Every template renders for every case and matches its golden file; no golden file is stale.
#[test]
fn installer_templates_match_golden_files() {
    let Some(exe) = helper() else {
        return;
    };
    let bless = blessing();
    let mut problems = Vec::new();
    let mut expected = BTreeSet::new();

    for template in templates() {
        for case in template.cases() {
            let golden = template.golden(&case);
            expected.insert(golden.clone());
            let rendered = match render_case(exe, &template, &case) {
                Ok(text) => text,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            if let Some(problem) = golden_problem(&golden, &rendered) {
                problems.push(format!("{}: {problem}", template.label(&case)));
            }
        }
    }

    stale_goldens(&golden_root(), &expected, bless, &mut problems);
    fail_with(problems);
}

/// Golden files under `root` that no case produced: removed when blessing, problems otherwise.
fn stale_goldens(
    root: &Path,
    expected: &BTreeSet<PathBuf>,
    bless: bool,
    problems: &mut Vec<String>,
) {
    for file in files_under(root) {
        if expected.contains(&file) {
            continue;
        }
        let rel = file.strip_prefix(repo()).unwrap_or(&file).display();
        if bless {
            std::fs::remove_file(&file).expect("remove stale golden file");
            let _ = writeln!(std::io::stderr(), "removed stale golden file {rel}");
        } else {
            problems.push(format!(
                "{rel} is not produced by any template and case (stale golden file)"
            ));
        }
    }
    if bless {
        remove_empty_dirs(root);
    }
}

fn remove_empty_dirs(dir: &Path) {
    if !dir.is_dir() {
        return;
    }
    for entry in sorted_entries(dir) {
        if entry.is_dir() {
            remove_empty_dirs(&entry);
            if sorted_entries(&entry).is_empty() {
                std::fs::remove_dir(&entry).expect("remove empty golden dir");
            }
        }
    }
}

/// The secret a template receives (the Windows password as the answer file must hold it:
/// XML-escaped) and the lines on which it may appear.
fn secret_lines(template: &Template) -> (&'static str, fn(&str) -> bool) {
    match template.stem.as_str() {
        "autounattend" => (XML_ESCAPED_PASSWORD, |line: &str| {
            let t = line.trim();
            t.starts_with("<Value>") && t.ends_with("</Value>")
        }),
        "user-data" => (BUILD_PASSWORD_HASH, |line: &str| {
            line.trim_start().starts_with("password: ")
        }),
        "ks" => (BUILD_PASSWORD_HASH, |line: &str| {
            line.starts_with("user ") && line.contains(" --iscrypted ")
        }),
        "preseed" => (BUILD_PASSWORD_HASH, |line: &str| {
            line.starts_with("d-i passwd/user-password-crypted password ")
        }),
        "autoinst" => (BUILD_PASSWORD_HASH, |line: &str| {
            let t = line.trim();
            t.starts_with("<user_password>") && t.ends_with("</user_password>")
        }),
        "ks.json" => (BUILD_PASSWORD_HASH, |line: &str| {
            line.contains("\"useradd -m -s /bin/bash -p '")
        }),
        _ => (BUILD_PASSWORD_HASH, |_: &str| false),
    }
}

/// `BUILD_PASSWORD` with `&`, `<` and `>` escaped, as the answer file must hold it.
const XML_ESCAPED_PASSWORD: &str = "PLACEHOLDER&amp;&lt;build-password&gt;";

/// Values that must never appear in what `template` renders: the other family's secrets and,
/// for Windows, the password unescaped (it holds XML metacharacters).
fn foreign_secrets(template: &Template) -> Vec<String> {
    if template.is_windows() {
        vec![BUILD_PASSWORD_HASH.into(), BUILD_PASSWORD.into()]
    } else {
        vec![
            BUILD_PASSWORD.into(),
            XML_ESCAPED_PASSWORD.into(),
            PRODUCT_KEY.into(),
        ]
    }
}

/// The password hash and the Windows password appear only where the installer reads them, at
/// most once per line, and the Windows password only XML-escaped; the product key only in
/// `<Key>`. None leaks into comments, host names, commands or files that do not need it (such
/// as `meta-data`).
#[test]
fn secrets_appear_only_where_the_installer_reads_them() {
    let Some(exe) = helper() else {
        return;
    };
    let mut problems = Vec::new();
    for template in templates() {
        let (secret, allowed) = secret_lines(&template);
        for case in template.cases() {
            let text = match render_case(exe, &template, &case) {
                Ok(text) => text,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            let label = template.label(&case);
            for (n, line) in text.split('\n').enumerate() {
                let n = n + 1;
                let count = line.matches(secret).count();
                if count > 1 || (count == 1 && !allowed(line)) {
                    problems.push(format!("{label}:{n}: secret outside its field: {line}"));
                }
                for other in foreign_secrets(&template) {
                    if line.contains(other.as_str()) {
                        problems.push(format!(
                            "{label}:{n}: {other:?} does not belong here: {line}"
                        ));
                    }
                }
                if template.is_windows()
                    && line.contains(PRODUCT_KEY)
                    && line.trim() != format!("<Key>{PRODUCT_KEY}</Key>")
                {
                    problems.push(format!("{label}:{n}: product key outside <Key>: {line}"));
                }
            }
        }
    }
    fail_with(problems);
}

/// The fixed inputs are what the comments say: placeholders that are no password and no
/// crypt hash, the escaped password is the password escaped, a product key of the right shape.
#[test]
fn fixed_inputs_are_well_formed_test_values() {
    for placeholder in [BUILD_PASSWORD_HASH, BUILD_PASSWORD] {
        assert!(placeholder.starts_with("PLACEHOLDER"), "{placeholder}");
        assert!(
            !placeholder.starts_with('$'),
            "not shaped like a crypt hash"
        );
    }
    assert_eq!(
        BUILD_PASSWORD
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
        XML_ESCAPED_PASSWORD
    );
    let groups: Vec<&str> = PRODUCT_KEY.split('-').collect();
    assert_eq!(groups.len(), 5);
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 5 && g.chars().all(|c| "BCDFGHJKMPQRTVWXY2346789".contains(c)))
    );
}

/// The helper renders hand-checked templates exactly as HCL (and so Packer) does.
#[test]
fn helper_renders_like_hcl_templatefile() {
    let Some(exe) = helper() else {
        return;
    };
    let vars = json!({
        "name": "web",
        "n": 3,
        "network": {
            "dhcp": false,
            "address": "192.0.2.10/24",
            "gateway": "",
            "dns": ["192.0.2.53", "198.51.100.53"],
        },
        "empty": [],
    });
    let cases: &[(&str, &str)] = &[
        ("Hello ${name}!", "Hello web!"),
        // Escapes; `$` and `%` not followed by `{` are literal.
        (
            "$${name} %%{ if } $HOME %SystemRoot% $(cmd)",
            "${name} %{ if } $HOME %SystemRoot% $(cmd)",
        ),
        (
            "%{ if network.dhcp }dhcp%{ else }static ${network.address}%{ endif }",
            "static 192.0.2.10/24",
        ),
        // No strip markers: the directive lines leave their newlines behind.
        (
            "a\n%{ if !network.dhcp }\nstatic\n%{ endif }\nb",
            "a\n\nstatic\n\nb",
        ),
        // `~}` eats the newline after the directive, `%{~` the whitespace before it.
        (
            "a\n%{ if !network.dhcp ~}\nstatic\n%{ endif ~}\nb",
            "a\nstatic\nb",
        ),
        (
            "a\n%{~ if !network.dhcp ~}\nstatic\n%{~ endif ~}\nb",
            "astaticb",
        ),
        (
            "%{ for d in network.dns ~}\nnameserver ${d}\n%{ endfor ~}\nend",
            "nameserver 192.0.2.53\nnameserver 198.51.100.53\nend",
        ),
        (
            "%{ for i, d in network.dns }[${i}=${d}]%{ endfor }",
            "[0=192.0.2.53][1=198.51.100.53]",
        ),
        ("%{ for d in empty }x%{ endfor }", ""),
        // Functions on the object/tuple values an HCL object literal gives.
        (
            "${length(network.dns)} ${length(empty)} ${length(name)} ${length(network)}",
            "2 0 3 4",
        ),
        (
            r#"${join(",", network.dns)} ${jsonencode(network.dns)} ${jsonencode(empty)}"#,
            r#"192.0.2.53,198.51.100.53 ["192.0.2.53","198.51.100.53"] []"#,
        ),
        (
            r#"${split("/", network.address)[0]} ${cidrnetmask(network.address)}"#,
            "192.0.2.10 255.255.255.0",
        ),
        (
            r#"${upper(name)} ${lower("AB")} ${replace("a&b", "&", "&amp;")} ${format("%03d", n)} ${trimspace("  x ")}"#,
            "WEB ab a&amp;b 003 x",
        ),
        (
            r#"${contains(network.dns, "192.0.2.53")} ${jsonencode(concat(network.dns, ["x"]))}"#,
            r#"true ["192.0.2.53","198.51.100.53","x"]"#,
        ),
        ("%{ if network.gateway != \"\" }gw%{ endif }.", "."),
        // A lone interpolation may yield a number; Packer converts it to a string.
        ("${n}", "3"),
        ("", ""),
        ("no newline at end", "no newline at end"),
        ("two newlines\n\n", "two newlines\n\n"),
    ];
    let dir = work_dir().join("selftest");
    std::fs::create_dir_all(&dir).expect("create selftest dir");
    let mut problems = Vec::new();
    for (i, (template, want)) in cases.iter().enumerate() {
        let path = dir.join(format!("case-{i}.pkrtpl.hcl"));
        std::fs::write(&path, template).expect("write template");
        match render(exe, &path, &vars, &format!("selftest-{i}")) {
            Rendered::Text(got) if got == *want => {}
            Rendered::Text(got) => {
                problems.push(format!("{template:?}\n  want {want:?}\n  got  {got:?}"))
            }
            Rendered::Error(e) => problems.push(format!("{template:?} failed:\n{e}")),
        }
    }

    // Errors, as in Packer: undefined variables (even in a branch not taken), syntax errors,
    // a result that is not a string, an unknown function.
    let errors: &[(&str, &str)] = &[
        ("x ${nope} y", "vars map does not contain key \"nope\""),
        (
            "%{ if false }${nope}%{ endif }",
            "vars map does not contain key \"nope\"",
        ),
        ("${name", "Unclosed template interpolation sequence"),
        (
            "%{ for d in network.dns }${d}",
            "missing its corresponding endfor",
        ),
        ("${network}", "Template result is not a string"),
        (
            "${no_such_function(1)}",
            "There is no function named \"no_such_function\"",
        ),
    ];
    for (i, (template, want)) in errors.iter().enumerate() {
        let path = dir.join(format!("error-{i}.pkrtpl.hcl"));
        std::fs::write(&path, template).expect("write template");
        match render(exe, &path, &vars, &format!("selftest-error-{i}")) {
            Rendered::Error(e) if e.contains(want) => {}
            Rendered::Error(e) => problems.push(format!(
                "{template:?}: want an error with {want:?}, got:\n{e}"
            )),
            Rendered::Text(got) => {
                problems.push(format!("{template:?}: want an error, rendered {got:?}"))
            }
        }
    }
    if !problems.is_empty() {
        panic!("the render helper is off:\n\n{}", problems.join("\n\n"));
    }
}

/// Every template of every installer kind in the table is rendered here for some OS (a kind
/// with a release in the catalogue is, through the union fixture), so that
/// `validators.rs` checks it: a new installer kind comes with its golden files.
#[test]
fn every_installer_kind_in_the_table_is_rendered_and_checked() {
    let stems: BTreeSet<String> = templates().into_iter().map(|t| t.stem).collect();
    let mut missing_kinds = Vec::new();
    for kind in INSTALLERS {
        for template in kind.templates {
            let stem = template.trim_end_matches(SUFFIX);
            if !stems.contains(stem) {
                missing_kinds.push(format!("{} ({template})", kind.installer.as_str()));
            }
        }
    }
    assert!(
        missing_kinds.is_empty(),
        "installer kinds no OS of the example spec or the union fixture renders: {missing_kinds:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The shared answer file, for every Windows release of the catalogue
// ---------------------------------------------------------------------------------------------

/// Where the renders of [`every_windows_release_renders_the_shared_answer_file`] are kept:
/// `<release>/<edition>/autounattend`.
fn answer_file_root() -> PathBuf {
    repo().join("tests/fixtures/answer-files")
}

/// The cases of the shared answer file: every edition of every Windows release of the
/// catalogue, on Proxmox (which reads the release's VirtIO driver folder), with the compiler's
/// defaults (UEFI, DHCP, en-US, UTC) and the release's facts as the compiler passes them.
fn windows_release_cases() -> Vec<(String, Case)> {
    let mut cases = Vec::new();
    for release in hybridc::release::all() {
        let Some(windows) = release.windows else {
            continue;
        };
        for edition in windows.editions {
            let source = format!("{}-{}", release.name, edition.name);
            let computer_name: String = source.chars().take(15).collect();
            let mut vars = json!({
                "build_username": BUILD_USERNAME,
                "build_password": BUILD_PASSWORD,
                "image_name": edition.image_name,
                "product_key": "",
                "language": "en-US",
                "keyboard": "0409:00000409",
                "timezone": "UTC",
                "firmware": "uefi",
                "network": { "dhcp": true, "address": "", "gateway": "", "dns": [] },
                "computer_name": computer_name.trim_end_matches('-'),
                "platform": "proxmox",
                "machine": machine(Family::Windows, Firmware::Uefi, Partitioning::Lvm, &[]),
            });
            vars["release"] = release_facts(release.name);
            vars["inputs"] = json!({});
            cases.push((
                release.name.to_owned(),
                Case {
                    name: edition.name,
                    vars,
                },
            ));
        }
    }
    cases
}

/// The one answer file every Windows release shares renders for each release and edition, and
/// matches its golden file; no golden file is stale.
#[test]
fn every_windows_release_renders_the_shared_answer_file() {
    let Some(exe) = helper() else {
        return;
    };
    let bless = blessing();
    let mut problems = Vec::new();
    let mut expected = BTreeSet::new();
    for (release, case) in windows_release_cases() {
        let template = Template {
            os: release.clone(),
            stem: "autounattend".to_owned(),
            path: repo().join("installers/autounattend/autounattend.pkrtpl.hcl"),
            inputs: json!({}),
            release: release.clone(),
            hypervisors: vec!["proxmox", "vsphere"],
        };
        let golden = answer_file_root()
            .join(&release)
            .join(case.name)
            .join("autounattend");
        expected.insert(golden.clone());
        match render_case(exe, &template, &case) {
            Ok(text) => {
                if let Some(problem) = golden_problem(&golden, &text) {
                    problems.push(format!("{}: {problem}", template.label(&case)));
                }
            }
            Err(e) => problems.push(e),
        }
    }
    stale_goldens(&answer_file_root(), &expected, bless, &mut problems);
    fail_with(problems);
}

// ---------------------------------------------------------------------------------------------
// Installer kinds outside the example spec, and installer inputs
// ---------------------------------------------------------------------------------------------

/// The compile fixture whose OSes read the AutoYaST and Photon templates (SLES, openSUSE Leap,
/// Photon OS) and pass installer inputs (SLES's and RHEL's registration): its templates are
/// rendered here like the example spec's.
const INSTALLER_KINDS_FIXTURE: &str = "tests/fixtures/compile/suse-photon";

/// What a secret installer input `name` holds in the renders: a placeholder, never a real value.
fn input_placeholder(name: &str) -> String {
    format!("PLACEHOLDER-FOR-THE-INPUT-{name}")
}

/// The OS's `installer_inputs` as `src/lower/installer.rs` passes them (`inputs`): a plain value
/// as written, a secret (read from the environment at build time) as [`input_placeholder`].
fn installer_inputs(os: &hybridc::spec::Os) -> Value {
    let inputs: serde_json::Map<String, Value> = os
        .installer_inputs
        .iter()
        .map(|(name, value)| {
            let value = match value {
                hybridc::spec::InstallerInput::Text(text) => text.clone(),
                hybridc::spec::InstallerInput::Secret(_) => input_placeholder(name),
            };
            (name.clone(), Value::String(value))
        })
        .collect();
    Value::Object(inputs)
}

/// Where a template reads a secret installer input: the line on which it may appear.
fn input_secret_lines(template: &Template, input: &str) -> fn(&str) -> bool {
    match (template.stem.as_str(), input) {
        ("autoinst", "registration_code") => |line: &str| {
            let t = line.trim();
            t.starts_with("<reg_code>") && t.ends_with("</reg_code>")
        },
        ("ks", "rhsm_activation_key") => |line: &str| line.starts_with("rhsm --organization="),
        _ => |_: &str| false,
    }
}

/// Secret installer inputs appear only where the installer reads them, once per line (SLES's
/// registration code only in `<reg_code>`), and the renders of an OS without them hold none.
/// Reads the golden files, which `installer_templates_match_golden_files` keeps equal to the
/// renders.
#[test]
fn secret_installer_inputs_appear_only_where_the_installer_reads_them() {
    let mut problems = Vec::new();
    let mut seen = 0;
    for template in templates() {
        let inputs = template.inputs.as_object().cloned().unwrap_or_default();
        for case in template.cases() {
            let golden = template.golden(&case);
            let Ok(text) = std::fs::read_to_string(&golden) else {
                problems.push(format!("{} has no golden file", template.label(&case)));
                continue;
            };
            let label = template.label(&case);
            for (n, line) in text.split('\n').enumerate() {
                for name in inputs.keys() {
                    let placeholder = input_placeholder(name);
                    let count = line.matches(&placeholder).count();
                    if count > 1 || (count == 1 && !input_secret_lines(&template, name)(line)) {
                        problems.push(format!(
                            "{label}:{}: input `{name}` outside its field: {line}",
                            n + 1
                        ));
                    }
                    seen += count;
                }
                if inputs.is_empty() && line.contains("PLACEHOLDER-FOR-THE-INPUT-") {
                    problems.push(format!("{label}:{}: another OS's input", n + 1));
                }
            }
        }
    }
    assert!(seen > 0, "no render reads a secret installer input");
    fail_with(problems);
}
