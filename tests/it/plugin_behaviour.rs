//! What the pinned plugins do with the generated tree, one test per behaviour a build relies
//! on. No hypervisor is reachable, so each test states the plugin's rule and where it comes
//! from (repository, tag, file, function), checks that the compiled output follows it, and,
//! where HashiCorp's or the installer's own code runs here, runs it: Debian's Packer 1.6.6
//! (its qemu builder's CD step, `packer console`, `packer validate`, the null builder) and
//! Ansible. A test whose tool is missing prints SKIPPED and passes, except under `CI`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use hybridc::diagnostic::{Code, Diagnostic};

use crate::support::{copy_tree, repo, tool};

/// A scratch folder of its own for each test.
fn scratch(name: &str) -> PathBuf {
    crate::support::temp_dir(&format!("behaviour-{name}"))
}

/// The example repository in a scratch folder, its spec changed by `edit`.
fn example(name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let dir = scratch(name);
    for folder in ["spec", "installers", "scripts", "ansible"] {
        copy_tree(&repo().join(folder), &dir.join(folder));
    }
    let spec = dir.join("spec/hybrid.yaml");
    let text = fs::read_to_string(&spec).expect("read the example spec");
    let edited = edit(text.clone());
    fs::write(&spec, edited).expect("write the spec");
    dir
}

/// Replaces exactly one occurrence, so that a changed example fails loudly here.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` once in the spec");
    text.replacen(from, to, 1)
}

struct Output {
    files: BTreeMap<String, String>,
    warnings: Vec<Diagnostic>,
}

impl Output {
    fn file(&self, name: &str) -> &str {
        self.files
            .get(name)
            .unwrap_or_else(|| panic!("{name} is generated"))
    }

    /// The body of `source "<type>" "<name>"`, up to its closing brace.
    fn source(&self, file: &str, kind: &str, name: &str) -> String {
        block(self.file(file), &format!("source \"{kind}\" \"{name}\" {{"))
    }

    /// The body of `build { name = "<os>" ... }`.
    fn build(&self, os: &str) -> String {
        let text = self.file("builds.pkr.hcl");
        let start = text
            .find(&format!("build {{\n  name = \"{os}\"\n"))
            .or_else(|| text.find(&format!("build {{\n  name    = \"{os}\"\n")))
            .unwrap_or_else(|| panic!("build {os}"));
        block(&text[start..], "build {")
    }
}

/// The text of the block opened by `header`, up to its closing brace (at the header's
/// indentation, as the printer writes it).
fn block(text: &str, header: &str) -> String {
    let start = text
        .find(header)
        .unwrap_or_else(|| panic!("`{header}` in the output"));
    let indent = &header[..header.len() - header.trim_start().len()];
    let rest = &text[start..];
    let close = format!("\n{indent}}}\n");
    let end = rest.find(&close).expect("the block closes");
    rest[..end + close.len()].to_owned()
}

fn compile(dir: &Path) -> Output {
    match hybridc::compile(&dir.join("spec"), &dir.join("generated")) {
        Ok(compiled) => Output {
            files: compiled
                .files
                .into_iter()
                .map(|f| (f.path, f.contents))
                .collect(),
            warnings: compiled
                .loaded
                .warnings
                .into_iter()
                .chain(compiled.warnings)
                .collect(),
        },
        Err(e) => panic!("compiles: {e:?}"),
    }
}

fn invalid(dir: &Path) -> Vec<Diagnostic> {
    match hybridc::validate(&dir.join("spec")) {
        Err(hybridc::Error::Invalid { diagnostics, .. }) => diagnostics,
        Err(other) => panic!("an invalid spec, not {other:?}"),
        Ok(_) => panic!("the spec is refused"),
    }
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d.code.as_str().to_owned())
        .collect()
}

/// What `packer console` printed for the expression: its last line (warnings come first).
fn last_line(text: &str) -> String {
    text.trim().lines().last().unwrap_or_default().to_owned()
}

fn run(command: &mut Command) -> (bool, String) {
    let out = command
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("run the tool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

// ---------------------------------------------------------------------------------------------
// 1. The Windows scripts reach the answer file's CD
// ---------------------------------------------------------------------------------------------

/// Runs Packer 1.6.6's own CD step (its qemu builder, which stops right after the step because
/// `qemu_binary` is `false`) on `cd_files`, and lists the ISO it made. packer-plugin-sdk
/// `multistep/commonsteps/step_create_cdrom.go` (`StepCreateCD.AddFile`) is this step's code,
/// unchanged from SDK v0.5.2 to v0.6.10.
pub fn cd_listing(dir: &Path, cd_files: &str) -> Result<String, String> {
    let work = dir.join("cd");
    fs::create_dir_all(&work).expect("cd work folder");
    let disk = work.join("disk.qcow2");
    let (ok, text) = run(Command::new("qemu-img")
        .args(["create", "-f", "qcow2"])
        .arg(&disk)
        .arg("10M"));
    assert!(ok, "qemu-img: {text}");
    // The builder refuses an output folder that exists.
    let out = work.join("out");
    let _ = fs::remove_dir_all(&out);
    let template = format!(
        r#"source "qemu" "t" {{
  disk_image       = true
  iso_url          = "{disk}"
  iso_checksum     = "none"
  cd_files         = {cd_files}
  cd_label         = "cidata"
  communicator     = "none"
  qemu_binary      = "false"
  headless         = true
  output_directory = "{out}"
}}
build {{ sources = ["source.qemu.t"] }}
"#,
        disk = disk.display(),
        out = out.display(),
    );
    // `path.root` is the generated folder, as in the real tree.
    let generated = dir.join("generated");
    fs::create_dir_all(&generated).expect("generated folder");
    fs::write(generated.join("t.pkr.hcl"), template).expect("write the template");
    let (_, log) = run(Command::new("packer")
        .args(["build", "-on-error=abort", "t.pkr.hcl"])
        .env("PACKER_LOG", "1")
        .env("TMPDIR", &work)
        .current_dir(&generated));
    let iso = log
        .lines()
        .find_map(|l| l.split("CD path: ").nth(1))
        .map(|p| p.trim().to_owned());
    // The step names its ISO before it adds the files, and fails while adding them.
    let failed: Vec<&str> = log.lines().filter(|l| l.contains(" on CD")).collect();
    let iso = match iso {
        Some(iso) if failed.is_empty() => iso,
        other => {
            if let Some(iso) = other {
                let _ = fs::remove_file(iso);
            }
            return Err(failed.join("\n"));
        }
    };
    let (ok, listing) = run(Command::new("xorriso").args(["-indev", &iso, "-find", "/"]));
    let _ = fs::remove_file(&iso);
    assert!(ok, "xorriso: {listing}");
    Ok(listing)
}

#[test]
fn windows_scripts_land_at_the_root_of_the_answer_files_cd() {
    let dir = example("cd-files", |s| s);
    let out = compile(&dir);
    // Proxmox puts the CD in `additional_iso_files`, vSphere at the top level: both the glob.
    let proxmox = out.source("proxmox.pkr.hcl", "proxmox-iso", "windows-2022-standard");
    let vsphere = out.source("vsphere.pkr.hcl", "vsphere-iso", "windows-2022-standard");
    let expected = r#"cd_files = ["${path.root}/../scripts/windows/*"]"#;
    for body in [&proxmox, &vsphere] {
        assert!(
            body.lines().any(|l| l.trim().starts_with("cd_files")
                && l.trim()
                    .replace("  ", " ")
                    .contains(&expected["cd_files = ".len()..])),
            "{body}"
        );
    }
    // The answer file looks for the scripts at the root of each drive first.
    let answer = fs::read_to_string(repo().join("installers/autounattend/autounattend.pkrtpl.hcl"))
        .expect("the answer file template");
    for script in ["guest-tools.ps1", "enable-winrm.ps1"] {
        assert!(
            answer.contains(&format!("foreach ($r in '{script}'")),
            "the answer file looks for {script} at a drive's root first"
        );
    }
    if !(tool("packer", "apt-get install packer")
        && tool("xorriso", "apt-get install xorriso")
        && tool("qemu-img", "apt-get install qemu-utils"))
    {
        return;
    }
    let listing = cd_listing(&dir, r#"["${path.root}/../scripts/windows/*"]"#)
        .expect("Packer's CD step takes the glob");
    for script in ["/guest-tools.ps1", "/enable-winrm.ps1", "/cleanup.ps1"] {
        assert!(
            listing
                .lines()
                .any(|l| l.trim().trim_matches('\'') == script),
            "{script} at the CD root:\n{listing}"
        );
    }
    // The folder form that the output used to carry fails in the same step.
    let error = cd_listing(&dir, r#"["${path.root}/../scripts/windows/"]"#)
        .expect_err("a folder under `..` fails");
    assert!(error.contains("on CD"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// 2. Ansible reaches the VM
// ---------------------------------------------------------------------------------------------

/// packer-plugin-ansible v1.1.6 `provisioner/ansible/provisioner.go`: with `use_proxy = false`
/// over SSH, `Provision` hands Ansible only the communicator's private key, which proxmox-iso
/// and vsphere-iso do not have when they log in with `ssh_password`; unset, `use_proxy` starts
/// the SSH proxy adapter (`!UseProxy.False()`), which authenticates Ansible with its own ECDSA
/// key (`setupAdapter`) and reaches the VM through Packer's session. Its SFTP server is
/// `sftp_command`, run on the guest (packer-plugin-sdk `adapter/adapter.go`, default
/// `/usr/lib/sftp-server -e`, a path neither family has). Over WinRM, `use_proxy = false` is
/// the documented way, and `createCmdArgs` adds the communicator's password itself.
#[test]
fn ansible_reaches_linux_through_the_proxy_adapter_and_windows_over_winrm() {
    let dir = example("ansible", |s| s);
    let out = compile(&dir);
    for (os, server) in [
        ("ubuntu-2404", "/usr/lib/openssh/sftp-server -e"),
        ("debian-12", "/usr/lib/openssh/sftp-server -e"),
        ("rocky-9", "/usr/libexec/openssh/sftp-server -e"),
    ] {
        let build = out.build(os);
        let ansible = block(&build, "  provisioner \"ansible\" {");
        assert!(!ansible.contains("use_proxy"), "{os}: {ansible}");
        assert!(!ansible.contains("ansible_password"), "{os}: {ansible}");
        assert!(
            ansible.contains(&format!("\"{server}\"")),
            "{os}: {ansible}"
        );
        assert!(
            ansible.contains(r#""--scp-extra-args", "'-O'""#),
            "{os}: {ansible}"
        );
    }
    let windows = out.build("windows-2022");
    let ansible = block(&windows, "  provisioner \"ansible\" {");
    assert!(ansible.contains("use_proxy     = false"), "{ansible}");
    assert!(
        !ansible.contains("ansible_password"),
        "the plugin adds it: {ansible}"
    );
    assert!(ansible.contains("ansible_winrm_transport"), "{ansible}");
}

// ---------------------------------------------------------------------------------------------
// 3. Azure's OS disk is never smaller than the image's
// ---------------------------------------------------------------------------------------------

/// Azure refuses an OS disk smaller than the image's ("smaller than the size of the
/// corresponding disk in the VM image", Azure/azure-sdk-for-python#23051); Windows Server
/// images have 127 GiB, `smalldisk` SKUs 30 GiB (Microsoft Learn).
#[test]
fn azure_os_disk_is_never_smaller_than_the_image() {
    let dir = example("azure-disk", |s| {
        replace_once(
            &s,
            "memory_mb: 8192, disk_gb: 127",
            "memory_mb: 8192, disk_gb: 80",
        )
    });
    let out = compile(&dir);
    let windows = out.source("azure.pkr.hcl", "azure-arm", "windows-2022-datacenter");
    assert!(!windows.contains("os_disk_size_gb"), "{windows}");
    let warning = out
        .warnings
        .iter()
        .find(|w| w.code == Code::DiskBelowImage)
        .expect("a warning");
    assert!(warning.message.contains("127 GiB"), "{}", warning.message);
    let spec = fs::read_to_string(dir.join("spec/hybrid.yaml")).expect("spec");
    let line = spec[..warning.primary.span.start].lines().count();
    assert!(
        spec.lines()
            .nth(line - 1)
            .is_some_and(|l| l.contains("disk_gb: 80")),
        "the warning points at the disk_gb line"
    );
    // Proxmox and vSphere keep the asked size; the Linux images (30 GiB) take 40.
    let proxmox = out.source("proxmox.pkr.hcl", "proxmox-iso", "windows-2022-datacenter");
    assert!(proxmox.contains("disk_size    = \"80G\""), "{proxmox}");
    let ubuntu = out.source("azure.pkr.hcl", "azure-arm", "ubuntu-2404");
    assert!(
        ubuntu.contains("os_disk_size_gb                   = 40"),
        "{ubuntu}"
    );
    // The example asks for the image's size and compiles without a warning.
    let example = compile(&example("azure-disk-ok", |s| s));
    assert!(
        example.warnings.is_empty(),
        "{:?}",
        codes(&example.warnings)
    );
    let windows = example.source("azure.pkr.hcl", "azure-arm", "windows-2022-datacenter");
    assert!(windows.contains("= 127"), "{windows}");
}

// ---------------------------------------------------------------------------------------------
// 4. Rebuilds never collide with the previous build's artifacts
// ---------------------------------------------------------------------------------------------

/// vsphere-iso refuses an existing VM of the same name without `-force`
/// (packer-plugin-vsphere v2.0.0 `builder/vsphere/driver/vm.go`, `PreCleanVM`: "already exists,
/// you can use -force flag to destroy it"); azure-arm an existing managed image or gallery
/// image version (packer-plugin-azure v2.6.3 `builder/azure/arm/builder.go`, `Run`), and it
/// takes gallery versions only as `^[0-9]+\.[0-9]+\.[0-9]+$` (`config.go`). An OVF content
/// library item of the same name is updated in place (`driver/vm.go`,
/// `ImportOvfToContentLibrary`), so its name stays stable for clones.
#[test]
fn every_artifact_name_carries_the_build_version() {
    let dir = example("versions", |s| s);
    let out = compile(&dir);
    for (file, kind, name, args) in [
        (
            "proxmox.pkr.hcl",
            "proxmox-iso",
            "ubuntu-2404",
            &["vm_name", "template_name"][..],
        ),
        (
            "vsphere.pkr.hcl",
            "vsphere-iso",
            "rocky-9",
            &["vm_name"][..],
        ),
        (
            "azure.pkr.hcl",
            "azure-arm",
            "windows-2022-datacenter",
            &["managed_image_name"][..],
        ),
    ] {
        let body = out.source(file, kind, name);
        for arg in args {
            let line = body
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{arg} ")))
                .unwrap_or_else(|| panic!("{arg} in {name}"));
            assert!(
                line.ends_with(&format!("\"{name}-${{local.build_version}}\"")),
                "{line}"
            );
        }
    }
    let vsphere = out.source("vsphere.pkr.hcl", "vsphere-iso", "rocky-9");
    let library = block(&vsphere, "  content_library_destination {");
    assert!(
        library.contains("name        = \"rocky-9\""),
        "stable OVF item: {library}"
    );
    let azure = out.source("azure.pkr.hcl", "azure-arm", "ubuntu-2404");
    assert!(
        azure.contains("image_version  = local.azure_gallery_version"),
        "{azure}"
    );
    // A VM-template library item cannot be updated and must not share the VM's name.
    let templates = compile(&example("versions-vmtx", |s| {
        replace_once(&s, "        ovf: true\n", "        ovf: false\n")
    }));
    let vsphere = templates.source("vsphere.pkr.hcl", "vsphere-iso", "rocky-9");
    assert!(
        vsphere.contains("name        = \"rocky-9-${local.build_version}-library\""),
        "{vsphere}"
    );
    // A fixed gallery version is still possible, with a warning at its line.
    let fixed = compile(&example("versions-fixed", |s| {
        replace_once(
            &s,
            "        name: sig_golden\n",
            "        name: sig_golden\n        version: 1.0.0\n",
        )
    }));
    assert!(
        codes(&fixed.warnings).contains(&"hybridc::spec::fixed-version".to_owned()),
        "{:?}",
        codes(&fixed.warnings)
    );
    assert!(
        fixed
            .file("azure.pkr.hcl")
            .contains("image_version  = var.azure_gallery_version")
    );
}

/// Evaluates the generated locals with Packer itself: an empty `build_version` becomes the
/// build's UTC time, a given one is used as is, and the gallery version is three integers
/// without leading zeros.
#[test]
fn packer_evaluates_the_version_locals() {
    if !tool("packer", "apt-get install packer") {
        return;
    }
    let dir = example("version-locals", |s| s);
    let out = compile(&dir);
    let common = out.file("common.pkr.hcl");
    let variable = block(common, "variable \"build_version\" {");
    let locals: Vec<&str> = common
        .lines()
        .filter(|l| {
            [
                "  build_time ",
                "  build_version ",
                "  azure_gallery_version ",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .collect();
    assert_eq!(locals.len(), 3, "{common}");
    let console = dir.join("console");
    fs::create_dir_all(&console).expect("console folder");
    fs::write(
        console.join("t.pkr.hcl"),
        format!("{variable}\nlocals {{\n{}\n}}\n", locals.join("\n")),
    )
    .expect("write");
    let eval = |expr: &str, args: &[&str]| {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!(
                "echo '{expr}' | packer console {} .",
                args.join(" ")
            ))
            .current_dir(&console);
        let (ok, text) = run(&mut command);
        assert!(ok, "{text}");
        last_line(&text)
    };
    let time = eval("local.build_version", &[]);
    assert!(
        time.len() == 15
            && time.as_bytes()[8] == b'-'
            && time.chars().filter(char::is_ascii_digit).count() == 14,
        "a UTC timestamp: {time}"
    );
    assert_eq!(
        eval("local.build_version", &["-var build_version=v1.2.0-3-gabc"]),
        "v1.2.0-3-gabc"
    );
    let gallery = eval("local.azure_gallery_version", &[]);
    let parts: Vec<&str> = gallery.split('.').collect();
    assert_eq!(parts.len(), 3, "{gallery}");
    for part in parts {
        assert!(
            part.chars().all(|c| c.is_ascii_digit()) && (part == "0" || !part.starts_with('0')),
            "{gallery}"
        );
    }
}

/// Two builds of one name would make the same artifacts; an Azure managed image name takes at
/// most 80 characters (packer-plugin-azure v2.6.3 `builder/azure/arm/config.go`,
/// `validManagedDiskName`), a build version up to 40 of them.
#[test]
fn colliding_or_too_long_artifact_names_are_refused_at_their_line() {
    let dir = example("names", |s| {
        let s = replace_once(
            &s,
            "  rocky-9:\n",
            "  windows-2022-standard:\n    family: linux\n    installer: kickstart\n    iso: { url: https://example.com/r.iso, checksum: sha256:d6eeefdc8437c593d41a3150fcca4a734c55642ed472eecdda99720bb1370881 }\n    platforms: [proxmox]\n    vsphere: { guest_os_type: rhel9_64Guest }\n\n  rocky-9:\n",
        );
        replace_once(
            &s,
            "  debian-12:\n",
            "  debian-12-bookworm-with-a-very-long-name-x:\n",
        )
    });
    let found = invalid(&dir);
    let found = codes(&found);
    assert!(
        found.contains(&"hybridc::spec::duplicate-build".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"hybridc::spec::name-too-long".to_owned()),
        "{found:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Static networking
// ---------------------------------------------------------------------------------------------

fn static_network(s: String) -> String {
    replace_once(
        &s,
        "  seed: http\n",
        "  seed: http\n  network:\n    addresses:\n      ubuntu-2404: 192.0.2.11/24\n      debian-12: 192.0.2.12/24\n      rocky-9: 192.0.2.13/25\n      windows-2022-standard: 192.0.2.14/24\n    gateway: 192.0.2.1\n    dns: [192.0.2.53, 198.51.100.53]\n",
    )
}

/// An installer that fetches its answer file over HTTP needs its network first, from the
/// kernel command line: `netcfg/*` for debian-installer, which ignores a preseed's network
/// when the preseed itself comes over the network (Debian installation guide, appendix
/// B.4.3); `ip=<ip>::<gw>:<mask>:<host>::none:<dns1>:<dns2>` for dracut (dracut.cmdline(7))
/// and Ubuntu's casper (klibc ipconfig). debian-installer asks for the host name before the
/// preseed loads, so `hostname=` and `domain=` go there too.
#[test]
fn static_addresses_are_on_each_installers_boot_line() {
    let out = compile(&example("network", static_network));
    let debian = out.source("proxmox.pkr.hcl", "proxmox-iso", "debian-12");
    assert!(debian.contains("hostname=debian-12 domain= netcfg/disable_autoconfig=true netcfg/get_ipaddress=192.0.2.12 netcfg/get_netmask=255.255.255.0 netcfg/get_gateway=192.0.2.1 netcfg/get_nameservers=192.0.2.53 netcfg/confirm_static=true --- quiet"), "{debian}");
    let ubuntu = out.source("vsphere.pkr.hcl", "vsphere-iso", "ubuntu-2404");
    assert!(ubuntu.contains("ip=192.0.2.11::192.0.2.1:255.255.255.0:ubuntu-2404::none:192.0.2.53:198.51.100.53 ---<enter>"), "{ubuntu}");
    let rocky = out.source("proxmox.pkr.hcl", "proxmox-iso", "rocky-9");
    assert!(rocky.contains("inst.ks=hd:LABEL=cidata:/ks.cfg ip=192.0.2.13::192.0.2.1:255.255.255.128:rocky-9::none:192.0.2.53:198.51.100.53<leftCtrlOn>"), "{rocky}");
    // Each OS its own address in the installer inputs; the Windows edition in its answer file.
    let common = out.file("common.pkr.hcl");
    assert!(common.contains("address = \"192.0.2.12/24\""), "{common}");
    let windows = out.source("proxmox.pkr.hcl", "proxmox-iso", "windows-2022-standard");
    assert!(windows.contains("address = \"192.0.2.14/24\""), "{windows}");
    let datacenter = out.source("proxmox.pkr.hcl", "proxmox-iso", "windows-2022-datacenter");
    assert!(datacenter.contains("dhcp    = true"), "{datacenter}");
    // Without addresses, the boot lines are as before: DHCP.
    let dhcp = compile(&example("network-dhcp", |s| s));
    let debian = dhcp.source("proxmox.pkr.hcl", "proxmox-iso", "debian-12");
    assert!(
        debian.contains("hostname=debian-12 domain= --- quiet"),
        "{debian}"
    );
    assert!(!dhcp.file("proxmox.pkr.hcl").contains("ip="));
}

/// The same boot lines when environments change the network: Packer evaluates the generated
/// template text itself, with each environment's var file.
#[test]
fn per_environment_addresses_reach_the_boot_line_through_variables() {
    let dir = example("network-env", |s| {
        replace_once(
            &s,
            "    description: Lab clusters; images are rebuilt on every merge\n",
            "    description: Lab clusters; images are rebuilt on every merge\n    network:\n      addresses: { debian-12: 198.51.100.12/24, rocky-9: 198.51.100.13/24 }\n      gateway: 198.51.100.1\n      dns: [198.51.100.53]\n",
        )
    });
    let out = compile(&dir);
    let debian = out.source("vsphere.pkr.hcl", "vsphere-iso", "debian-12");
    let line = debian
        .lines()
        .find(|l| l.contains("/install.amd/vmlinuz"))
        .expect("the kernel line")
        .trim()
        .trim_end_matches(',')
        .to_owned();
    assert!(line.contains("var.network_address_debian_12"), "{line}");
    let rocky = out.source("vsphere.pkr.hcl", "vsphere-iso", "rocky-9");
    let rocky_line = rocky
        .lines()
        .find(|l| l.contains("inst.ks="))
        .expect("the kernel line")
        .trim()
        .trim_end_matches(',')
        .to_owned();
    let dev = out.file("env/dev.pkrvars.hcl");
    assert!(
        dev.contains("network_address_debian_12 = \"198.51.100.12/24\""),
        "{dev}"
    );
    if !tool("packer", "apt-get install packer") {
        return;
    }
    let common = out.file("common.pkr.hcl");
    let mut decls = String::new();
    for name in [
        "network_address_debian_12",
        "network_address_rocky_9",
        "network_gateway",
        "network_dns",
    ] {
        decls.push_str(&block(common, &format!("variable \"{name}\" {{")));
        decls.push('\n');
    }
    let console = dir.join("console");
    fs::create_dir_all(&console).expect("console folder");
    fs::write(
        console.join("t.pkr.hcl"),
        format!("{decls}locals {{\n  debian = {line}\n  rocky = {rocky_line}\n}}\n"),
    )
    .expect("write");
    fs::write(console.join("dev.pkrvars.hcl"), dev).expect("write");
    let eval = |expr: &str, var_file: bool| {
        let file = if var_file {
            "-var-file=dev.pkrvars.hcl"
        } else {
            ""
        };
        let (ok, text) = run(Command::new("sh")
            .arg("-c")
            .arg(format!("echo '{expr}' | packer console {file} ."))
            .current_dir(&console));
        assert!(ok, "{text}");
        last_line(&text)
    };
    assert_eq!(
        eval("local.debian", true),
        "linux /install.amd/vmlinuz auto=true priority=critical preseed/url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/preseed.cfg hostname=debian-12 domain= netcfg/disable_autoconfig=true netcfg/get_ipaddress=198.51.100.12 netcfg/get_netmask=255.255.255.0 netcfg/get_gateway=198.51.100.1 netcfg/get_nameservers=198.51.100.53 netcfg/confirm_static=true --- quiet<enter><wait3s>"
    );
    assert_eq!(
        eval("local.rocky", true),
        "<up>e<wait><down><down><end> inst.text inst.ks=hd:LABEL=cidata:/ks.cfg ip=198.51.100.13::198.51.100.1:255.255.255.0:rocky-9::none:198.51.100.53<leftCtrlOn>x<leftCtrlOff>"
    );
    // Without the environment's file (prod): DHCP, nothing on the line.
    assert_eq!(
        eval("local.rocky", false),
        "<up>e<wait><down><down><end> inst.text inst.ks=hd:LABEL=cidata:/ks.cfg <leftCtrlOn>x<leftCtrlOff>"
    );
}

#[test]
fn addresses_are_checked_at_their_spec_line() {
    let dir = example("network-bad", |s| {
        replace_once(
            &s,
            "  seed: http\n",
            "  seed: http\n  network:\n    addresses:\n      ubuntu-2404: 192.0.2.11/24\n      debian-12: 192.0.2.11/24\n      windows-2022: 192.0.2.14/24\n      rocky-9: 192.0.2.300/24\n    gateway: 192.0.2.1\n    dns: [192.0.2.53, 192.0.2.54, 192.0.2.55, 192.0.2.56]\n",
        )
    });
    let found = codes(&invalid(&dir));
    for code in [
        "hybridc::spec::too-many",
        "hybridc::spec::duplicate-address",
        "hybridc::spec::unknown-reference",
        "hybridc::spec::bad-address",
    ] {
        assert!(found.contains(&code.to_owned()), "{code} in {found:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. and 7. Windows firmware and locale reach the answer file in Windows' own terms
// ---------------------------------------------------------------------------------------------

/// The answer file's partition layout follows the firmware (Microsoft Learn, "UEFI/GPT-based
/// hard drive partitions" and "BIOS/MBR-based hard drive partitions"); `<TimeZone>` takes a
/// Windows time zone ID and `<InputLocale>` an input profile (Microsoft-Windows-Shell-Setup
/// `TimeZone`, Microsoft-Windows-International-Core `InputLocale`), mapped from the spec's
/// IANA name (CLDR `windowsZones`) and keyboard layout.
#[test]
fn windows_setup_gets_its_firmware_time_zone_and_keyboard() {
    let out = compile(&example("windows-locale", |s| {
        let s = replace_once(
            &s,
            "    keyboard: us\n    timezone: UTC\n",
            "    keyboard: de\n    timezone: Europe/Berlin\n",
        );
        replace_once(
            &s,
            "    hardware: { memory_mb: 8192, disk_gb: 127 }\n",
            "    hardware: { memory_mb: 8192, disk_gb: 127, firmware: bios }\n",
        )
    }));
    let windows = out.source("proxmox.pkr.hcl", "proxmox-iso", "windows-2022-standard");
    for expected in [
        "keyboard       = \"0407:00000407\"",
        "timezone       = \"W. Europe Standard Time\"",
        "firmware       = \"bios\"",
        "computer_name  = \"windows-2022-st\"",
        "bios                     = \"seabios\"",
    ] {
        assert!(windows.contains(expected), "{expected} in {windows}");
    }
    assert!(!windows.contains("efi_config"), "{windows}");
    // Linux keeps the spec's own forms.
    let common = out.file("common.pkr.hcl");
    assert!(
        common.contains("timezone            = \"Europe/Berlin\""),
        "{common}"
    );
    // A name Windows cannot map is refused at its line, with the close one.
    let dir = example("windows-locale-bad", |s| {
        replace_once(&s, "    timezone: UTC\n", "    timezone: Europe/Berln\n")
    });
    let found = invalid(&dir);
    let tz = found
        .iter()
        .find(|d| d.code == Code::UnknownTimeZone)
        .unwrap_or_else(|| panic!("{:?}", codes(&found)));
    assert!(
        tz.help
            .as_deref()
            .is_some_and(|h| h.contains("Europe/Berlin")),
        "{:?}",
        tz.help
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Finished templates: generalised, no build credential, cloud-init where it is used
// ---------------------------------------------------------------------------------------------

/// The last steps of every build: Windows is generalised with Sysprep on every platform (on
/// Azure after the guest agent's services run, the azure-arm documentation's Windows example);
/// Linux on Proxmox and vSphere locks the build user and removes its sudo rule, after which
/// nothing may need sudo, so vsphere-iso shuts the VM down through VMware Tools (empty
/// `shutdown_command`: packer-plugin-vsphere v2.0.0 `builder/vsphere/common/step_shutdown.go`,
/// `Run`); proxmox-iso shuts down through its API and waits `task_timeout`
/// (packer-plugin-proxmox v1.2.4 `builder/proxmox/common/step_convert_to_template.go`).
#[test]
fn templates_end_generalised_and_without_build_credentials() {
    let out = compile(&example("finish", |s| s));
    let windows = out.build("windows-2022");
    let sysprep = windows
        .find("Sysprep.exe /generalize /oobe")
        .expect("Sysprep");
    let step = &windows[windows[..sysprep].rfind("  provisioner").expect("its step")..sysprep];
    assert!(
        !step.contains("only"),
        "Sysprep runs on every platform: {step}"
    );
    let agent = windows
        .find("WindowsAzureGuestAgent")
        .expect("the agent wait");
    assert!(agent < sysprep);
    assert!(
        windows[..sysprep].rfind("post-processor").is_none(),
        "Sysprep is a late provisioner"
    );
    for os in ["ubuntu-2404", "debian-12", "rocky-9"] {
        let build = out.build(os);
        let lock = build
            .find("passwd -l")
            .unwrap_or_else(|| panic!("{os} locks the build user"));
        let step_start = build[..lock].rfind("  provisioner").expect("its step");
        let step = block(&build[step_start..], "  provisioner \"shell\" {");
        assert!(
            step.contains(&format!(
                "only = [\"proxmox-iso.{os}\", \"vsphere-iso.{os}\"]"
            )),
            "{step}"
        );
        assert!(
            step.contains("/etc/sudoers.d/${var.build_username}"),
            "{step}"
        );
        assert!(step.contains("PasswordAuthentication no"), "{step}");
        // The lock is the last step that runs as root on those platforms.
        let after = &build[step_start + step.len()..];
        assert!(
            after
                .split("  provisioner")
                .skip(1)
                .all(|p| p.contains("only") && p.contains("azure-arm")),
            "{os}: nothing but Azure's own step after the lock"
        );
        let vsphere = out.source("vsphere.pkr.hcl", "vsphere-iso", os);
        assert!(!vsphere.contains("shutdown_command"), "{vsphere}");
        let proxmox = out.source("proxmox.pkr.hcl", "proxmox-iso", os);
        assert!(proxmox.contains("task_timeout"), "{proxmox}");
    }
    // The Proxmox cloud-init drive comes with cloud-init in the guest; no drive elsewhere.
    let rocky = out.source("proxmox.pkr.hcl", "proxmox-iso", "rocky-9");
    assert!(rocky.contains("cloud_init               = true"), "{rocky}");
    assert!(
        rocky.contains("cloud_init = true"),
        "the installer is told: {rocky}"
    );
    let rocky = out.source("vsphere.pkr.hcl", "vsphere-iso", "rocky-9");
    assert!(rocky.contains("cloud_init = false"), "{rocky}");
    let ks =
        fs::read_to_string(repo().join("installers/kickstart/ks.pkrtpl.hcl")).expect("kickstart");
    assert!(
        ks.contains("%{ if cloud_init ~}\ncloud-init\n"),
        "the kickstart installs cloud-init"
    );
    assert!(ks.contains("perl\n"), "vSphere customisation needs Perl");
    let preseed =
        fs::read_to_string(repo().join("installers/preseed/preseed.pkrtpl.hcl")).expect("preseed");
    assert!(
        preseed.contains("%{ if cloud_init } cloud-init%{ endif }"),
        "the preseed installs cloud-init"
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Spec text that Packer would read as a Go template
// ---------------------------------------------------------------------------------------------

/// packer-plugin-sdk `template/config/decode.go` (`Decode`) renders every string of a
/// plugin's configuration as a Go template (`template/interpolate/render.go`, `RenderMap`):
/// a description with `{{` fails the build (`render 'notes': ... error calling user`). The
/// output escapes `{{` as `{{"{{"}}`, which one rendering turns back into `{{`.
#[test]
fn spec_text_reaches_the_plugins_literally() {
    let text = "Ubuntu {{ user \"x\" }} and {{ .Foo }} }}";
    let dir = example("gotemplate", |s| {
        replace_once(
            &s,
            "  ubuntu-2404:\n",
            &format!("  ubuntu-2404:\n    description: '{text}'\n"),
        )
    });
    let out = compile(&dir);
    let vsphere = out.source("vsphere.pkr.hcl", "vsphere-iso", "ubuntu-2404");
    let notes = vsphere
        .lines()
        .find(|l| l.trim_start().starts_with("notes "))
        .expect("notes")
        .split_once('=')
        .expect("an attribute")
        .1
        .trim()
        .to_owned();
    assert!(notes.contains(r#"{{\"{{\"}} user"#), "{notes}");
    // Packer's own boot command actions stay live.
    assert!(
        vsphere.contains("s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/"),
        "{vsphere}"
    );
    if !tool("packer", "apt-get install packer") {
        return;
    }
    // The manifest post-processor renders `output` once, like the builders' arguments: the
    // file it writes is named with exactly the spec's text.
    let work = dir.join("oracle");
    fs::create_dir_all(&work).expect("oracle folder");
    // The notes end in ", built by hybridc"; the name keeps the text as it is.
    let escaped_name = notes.trim_matches('"');
    fs::write(
        work.join("t.pkr.hcl"),
        format!(
            "source \"null\" \"t\" {{\n  communicator = \"none\"\n}}\nbuild {{\n  sources = [\"source.null.t\"]\n  post-processor \"manifest\" {{\n    output = \"${{path.root}}/{escaped_name}.json\"\n  }}\n}}\n"
        ),
    )
    .expect("write");
    let (ok, log) = run(Command::new("packer")
        .args(["build", "t.pkr.hcl"])
        .current_dir(&work));
    assert!(ok, "{log}");
    let expected = format!("{text}, built by hybridc.json");
    assert!(work.join(&expected).is_file(), "{expected} written: {log}");
    // And `packer validate` accepts the escaped notes where the raw text fails.
    let validate = |value: &str| {
        fs::write(
            work.join("v.pkr.hcl"),
            format!(
                "source \"vsphere-iso\" \"t\" {{\n  vcenter_server = \"vc\"\n  username = \"u\"\n  password = \"p\"\n  host = \"h\"\n  guest_os_type = \"otherGuest\"\n  ssh_username = \"u\"\n  ssh_password = \"p\"\n  vm_name = \"t\"\n  storage {{\n    disk_size = 1024\n  }}\n  notes = {value}\n}}\nbuild {{\n  sources = [\"source.vsphere-iso.t\"]\n}}\n"
            ),
        )
        .expect("write");
        run(Command::new("packer")
            .args(["validate", "v.pkr.hcl"])
            .current_dir(&work))
    };
    let (ok, log) = validate(&notes);
    assert!(ok, "escaped: {log}");
    let (ok, log) = validate(&hybridc::hcl::quote_string(text));
    assert!(!ok && log.contains("render 'notes'"), "raw: {log}");
}

/// Some arguments are rendered again at run time until they stop changing (hashicorp/packer
/// `provisioner/shell/provisioner.go` `Provision` for `inline`; packer-plugin-ansible v1.1.6
/// `provisioner/ansible/provisioner.go` `Provision` for `extra_arguments`), where no escape
/// survives: `{{` there is refused at its spec line.
#[test]
fn template_actions_are_refused_where_packer_renders_again() {
    let dir = example("gotemplate-refused", |s| {
        let s = replace_once(
            &s,
            "        scripts: [scripts/linux/cleanup.sh]\n",
            "        scripts: [scripts/linux/cleanup.sh]\n        inline: [\"docker ps --format '{{.ID}}'\"]\n",
        );
        replace_once(
            &s,
            "        playbook: ansible/linux.yml\n",
            "        playbook: ansible/linux.yml\n        extra_vars: { motd: \"{{ lookup('x') }}\" }\n",
        )
    });
    let found = invalid(&dir);
    let refused: Vec<&Diagnostic> = found
        .iter()
        .filter(|d| d.code == Code::TemplateAction)
        .collect();
    assert_eq!(refused.len(), 2, "{:?}", codes(&found));
}

// ---------------------------------------------------------------------------------------------
// 10. Ansible extra variables keep their values whole
// ---------------------------------------------------------------------------------------------

/// Ansible reads `--extra-vars` as key=value pairs split at spaces unless the text is a JSON
/// or YAML document (ansible-core `utils/vars.py`, `load_extra_vars`): `a=x b=c` would be two
/// variables. The output passes one JSON document; Ansible itself reads it back here.
#[test]
fn ansible_extra_vars_arrive_whole() {
    let dir = example("extra-vars", |s| {
        replace_once(
            &s,
            "        playbook: ansible/linux.yml\n",
            "        playbook: ansible/linux.yml\n        extra_vars: { motd: \"x b=c 'q' \\\"d\\\"\", empty: \"\" }\n",
        )
    });
    let out = compile(&dir);
    let build = out.build("ubuntu-2404");
    let ansible = block(&build, "  provisioner \"ansible\" {");
    let document = ansible
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("\"{"))
        .expect("a JSON document")
        .trim_end_matches(',');
    let document: String = hcl::from_str::<hcl::Value>(&format!("v = {document}"))
        .expect("HCL")
        .as_object()
        .and_then(|o| o.get("v"))
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("a string");
    let parsed: serde_json::Value = serde_json::from_str(&document).expect("JSON");
    assert_eq!(parsed["motd"], "x b=c 'q' \"d\"");
    assert_eq!(parsed["empty"], "");
    if !tool("ansible", "python3 -m pip install ansible") {
        return;
    }
    let (ok, log) = run(Command::new("ansible")
        .args([
            "localhost",
            "-m",
            "ansible.builtin.debug",
            "-a",
            "var=motd",
            "--extra-vars",
        ])
        .arg(&document)
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .env("ANSIBLE_INVENTORY_UNPARSED_WARNING", "False"));
    assert!(ok, "{log}");
    assert!(log.contains(r#""motd": "x b=c 'q' \"d\"""#), "{log}");
}

/// Repository paths reach the output exactly as written: a backslash is part of a Linux file
/// name, and Ansible reads the `ansible.cfg` beside the playbook only when `ANSIBLE_CONFIG`
/// names it.
#[test]
fn ansible_config_path_keeps_the_playbook_folder_as_written() {
    let dir = example("ansible-config", |s| {
        replace_once(
            &s,
            "        playbook: ansible/linux.yml\n",
            "        playbook: play\\books/linux.yml\n",
        )
    });
    let folder = dir.join("play\\books");
    fs::create_dir_all(&folder).expect("folder");
    fs::copy(dir.join("ansible/linux.yml"), folder.join("linux.yml")).expect("playbook");
    fs::write(folder.join("ansible.cfg"), "[defaults]\n").expect("config");
    let out = compile(&dir);
    let build = out.build("ubuntu-2404");
    assert!(
        build.contains(r#""ANSIBLE_CONFIG=${path.root}/../play\\books/ansible.cfg""#),
        "{build}"
    );
    assert!(
        build.contains(r#"playbook_file   = "${path.root}/../play\\books/linux.yml""#),
        "{build}"
    );
}

/// One spec node inherited by several sources (here a platform's `options`) breaks a plugin
/// rule in each of them: vsphere-iso refuses `convert_to_template` together with
/// `content_library_destination` (packer-plugin-vsphere v2.0.0 `builder/vsphere/iso/config.go`,
/// `Prepare`). It is reported once, naming the builds.
#[test]
fn a_violation_shared_by_several_sources_is_reported_once() {
    let dir = example("shared-violation", |s| {
        replace_once(
            &s,
            "      tools_upgrade_policy: true\n",
            "      tools_upgrade_policy: true\n      convert_to_template: true\n",
        )
    });
    let found = invalid(&dir);
    let shared: Vec<&Diagnostic> = found
        .iter()
        .filter(|d| d.message.contains("convert_to_template"))
        .collect();
    assert_eq!(
        shared.len(),
        1,
        "{:?}",
        found.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    let message = &shared[0].message;
    assert!(
        message.starts_with("each `vsphere-iso` source of builds "),
        "{message}"
    );
    assert!(message.contains("`windows-2022`"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// TPM and Secure Boot
// ---------------------------------------------------------------------------------------------

/// The fixture that builds Windows 11 (from its ISO) and a hardened Ubuntu (from templates)
/// with `tpm` and `secure_boot` on every platform.
fn trusted_boot() -> Output {
    compile(&repo().join("tests/fixtures/compile/tpm-secure-boot"))
}

/// The example with its default `firmware: uefi` replaced by `hardware`'s lines.
fn example_hardware(name: &str, hardware: &str) -> PathBuf {
    example(name, |s| replace_once(&s, "    firmware: uefi\n", hardware))
}

/// The messages of the diagnostics of a code.
fn messages(found: &[Diagnostic], code: Code) -> Vec<&str> {
    found
        .iter()
        .filter(|d| d.code == code)
        .map(|d| d.message.as_str())
        .collect()
}

/// packer-plugin-proxmox v1.2.4 `builder/proxmox/common/config.go`, `Config.Prepare`: the
/// default `bios` is SeaBIOS; `tpm_config` needs `tpm_storage_pool` and a `tpm_version` of
/// `v1.2` or `v2.0`; `efi_config`'s `pre_enrolled_keys` needs `efi_storage_pool`.
/// `common/step_start_vm.go`: `generateProxmoxTpm` creates the TPM state disk,
/// `generateProxmoxEfi` writes `pre-enrolled-keys=1` (Microsoft's keys, so OVMF enforces
/// Secure Boot), and `Run` sets `efi_config` again on a proxmox-clone VM, which makes a new EFI
/// disk without the template's boot entries: a clone keeps its template's. A clone keeps its
/// template's TPM state too; with `tpm_config`, Telmate/proxmox-api-go at the plugin's pin
/// (b149708f750b, `proxmox/config_qemu_tpm.go`) creates one only when the VM has none
/// (`TpmState.mapToApi`) and keeps one of the same version (`TpmState.markChanges`).
#[test]
fn proxmox_tpm_is_a_state_disk_and_secure_boot_the_efi_disks_keys() {
    let out = trusted_boot();
    let iso = out.source("proxmox.pkr.hcl", "proxmox-iso", "windows-11-pro");
    assert!(iso.contains("bios                     = \"ovmf\""), "{iso}");
    assert!(
        iso.contains(
            "  efi_config {\n    efi_storage_pool  = var.proxmox_vm_storage_pool\n    efi_type          = \"4m\"\n    pre_enrolled_keys = true\n  }\n"
        ),
        "{iso}"
    );
    let tpm = "  tpm_config {\n    tpm_storage_pool = var.proxmox_vm_storage_pool\n    tpm_version      = \"v2.0\"\n  }\n";
    assert!(iso.contains(tpm), "{iso}");
    let clone = out.source("proxmox.pkr.hcl", "proxmox-clone", "ubuntu-2404");
    assert!(clone.contains(tpm), "{clone}");
    assert!(!clone.contains("efi_config"), "{clone}");
    assert!(!clone.contains("bios"), "{clone}");
    // `secure_boot: false` leaves Microsoft's keys out of a UEFI VM's EFI disk.
    let dir = example_hardware(
        "proxmox-no-secure-boot",
        "    firmware: uefi\n    secure_boot: false\n",
    );
    let ubuntu = compile(&dir).source("proxmox.pkr.hcl", "proxmox-iso", "ubuntu-2404");
    assert!(ubuntu.contains("pre_enrolled_keys = false"), "{ubuntu}");
    assert!(!ubuntu.contains("tpm_config"), "{ubuntu}");
}

/// packer-plugin-vsphere v2.0.0 `builder/vsphere/common/step_hardware.go`,
/// `HardwareConfig.Prepare`: `vTPM` only with `firmware` `efi` or `efi-secure`.
/// `builder/vsphere/driver/vm.go`, `Configure`, run on vsphere-iso and vsphere-clone alike:
/// `efi-secure` is EFI firmware with `EfiSecureBootEnabled`, which is set to false for any
/// other value, and a vTPM is added or removed to match `vTPM`; so a clone is given both
/// again, or loses its template's.
#[test]
fn vsphere_secure_boot_is_efi_secure_and_tpm_a_vtpm_on_both_builders() {
    let out = trusted_boot();
    for (kind, name) in [
        ("vsphere-iso", "windows-11-pro"),
        ("vsphere-clone", "ubuntu-2404"),
    ] {
        let source = out.source("vsphere.pkr.hcl", kind, name);
        assert!(
            source.contains("firmware            = \"efi-secure\""),
            "{source}"
        );
        assert!(source.contains("vTPM                = true"), "{source}");
    }
}

/// A vTPM and BIOS firmware are refused by the plugin (above), and Secure Boot is UEFI's, on
/// Proxmox and vSphere; vCenter does not export a VM with a vTPM as an OVF template
/// (vmware/packer-plugin-vsphere#790: the vTPM must be removed first, which v2.0.0 cannot do);
/// azure-arm does not capture Trusted Launch as a managed image (below). Each is refused at
/// the spec's lines.
#[test]
fn what_tpm_and_secure_boot_cannot_have_is_refused_at_its_line() {
    let dir = example_hardware(
        "secure-boot-on-bios",
        "    firmware: bios\n    secure_boot: true\n",
    );
    let found = invalid(&dir);
    let conflicts = messages(&found, Code::Conflict);
    for platform in ["proxmox", "vsphere"] {
        let bios = format!("`secure_boot` with BIOS firmware on `{platform}`");
        assert!(conflicts.iter().any(|m| m.contains(&bios)), "{conflicts:?}");
    }
    // The example exports OVF templates to its content library.
    let found = invalid(&example_hardware(
        "vtpm",
        "    firmware: uefi\n    tpm: true\n",
    ));
    let conflicts = messages(&found, Code::Conflict);
    assert!(
        conflicts.iter().any(|m| m.contains("OVF template")),
        "{conflicts:?}"
    );
    // And it captures a managed image on Azure, which Trusted Launch cannot be.
    let unsupported = messages(&found, Code::Unsupported);
    assert!(
        unsupported.iter().any(|m| m.contains("managed image")),
        "{unsupported:?}"
    );
}

/// packer-plugin-azure v2.6.3 `builder/azure/common/template/template_builder.go`,
/// `SetSecurityProfile`: `secure_boot_enabled` and `vtpm_enabled` become the VM's
/// `uefiSettings`, `security_type` its security type. `builder/azure/arm/config.go`,
/// `assertRequiredParametersSet`: a managed image output refuses Secure Boot and vTPM ("only
/// supported when directly publishing to a Shared Image Gallery"). `builder/azure/arm/builder.go`,
/// `Run`, checks only that the gallery's image definition exists: that it has the security
/// type `TrustedLaunch`, and that the image is generation 2, is Azure's rule (Microsoft Learn,
/// "Trusted Launch for Azure virtual machines"), checked from the spec where it can be.
#[test]
fn azure_trusted_launch_is_published_to_a_gallery_from_generation_2_images() {
    let out = trusted_boot();
    for name in ["windows-11-pro", "ubuntu-2404"] {
        let source = out.source("azure.pkr.hcl", "azure-arm", name);
        assert!(
            source.contains(
                "  security_type       = \"TrustedLaunch\"\n  secure_boot_enabled = true\n  vtpm_enabled        = true\n"
            ),
            "{source}"
        );
        assert!(!source.contains("managed_image"), "{source}");
        assert!(
            source.contains("shared_image_gallery_destination"),
            "{source}"
        );
    }
}
