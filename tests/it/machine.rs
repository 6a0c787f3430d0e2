//! The machine a build runs on past its hardware: network adapters after the first, and arm64.
//! Each behaviour of a pinned plugin the output relies on is stated with where it comes from
//! (repository, tag, file, function) and checked on the compiled fixture
//! `tests/fixtures/compile/adapters-arm64` and the rendered installer files of
//! `tests/fixtures/installers` (the templates do not read the number of adapters, so the files
//! `validators.rs` checks are the ones a build with several adapters gets).

use std::fs;

use crate::support::{hybridc, repo, temp_dir, text};

/// The compiled fixture's file `name`.
fn generated(name: &str) -> String {
    let path = repo()
        .join("tests/fixtures/compile/adapters-arm64/generated")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `network_adapters` blocks of the source `name` of a generated file, each as its lines.
fn adapters(file: &str, source: &str) -> Vec<Vec<String>> {
    let start = format!("\" \"{source}\" {{");
    let body: Vec<&str> = file
        .split("\nsource ")
        .find(|block| block.lines().next().is_some_and(|l| l.ends_with(&start)))
        .unwrap_or_else(|| panic!("no source `{source}`"))
        .lines()
        .collect();
    let mut found = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in body {
        let line = line.trim();
        if line == "network_adapters {" {
            current = Some(Vec::new());
        } else if line == "}" {
            if let Some(block) = current.take() {
                found.push(block);
            }
        } else if let Some(block) = current.as_mut() {
            block.push(line.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    found
}

/// The rendered Ubuntu user-data of a network style.
fn user_data(network: &str) -> String {
    let path = repo().join(format!(
        "tests/fixtures/installers/ubuntu-2404/{network}/user-data"
    ));
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The netplan entry `name` of a rendered user-data, up to the next entry or section.
fn netplan_entry<'a>(user_data: &'a str, name: &str) -> Vec<&'a str> {
    let header = format!("      {name}:");
    user_data
        .lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| l.starts_with("        ") || l.is_empty())
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// Proxmox connects to the first IPv4 address that is not a loopback one, in the order the
/// QEMU guest agent lists the interfaces, unless `vm_interface` names one: packer-plugin-proxmox
/// v1.2.4 `builder/proxmox/common/builder.go`, `commHost` and `getVMIP`. The platform's bridge
/// is the VM's first adapter (`net0`, the first `network_adapters` block), and the installer
/// gives no other adapter an IPv4 address, so that address is the first adapter's whatever the
/// order; interface names differ between machine types and guests, so `vm_interface` is not set.
#[test]
fn proxmox_connects_to_the_first_adapters_address() {
    let proxmox = generated("proxmox.pkr.hcl");
    assert!(!proxmox.contains("vm_interface"));
    let nics = adapters(&proxmox, "ubuntu-2404");
    assert_eq!(nics.len(), 3);
    assert_eq!(nics[0][0], "bridge = var.proxmox_bridge");
    assert!(nics[0].contains(&"vlan_tag = var.proxmox_vlan_tag".to_owned()));
    assert_eq!(
        nics[1],
        [
            "bridge = \"vmbr1\"",
            "model = \"virtio\"",
            "vlan_tag = \"20\""
        ]
    );
    assert_eq!(nics[2], ["bridge = \"vmbr2\"", "model = \"virtio\""]);
    for network in ["dhcp", "static"] {
        let data = user_data(network);
        let others = netplan_entry(&data, "others");
        assert!(
            others.contains(&"        dhcp4: false"),
            "{network}: {others:?}"
        );
        assert!(
            !others.iter().any(|l| l.contains("addresses")),
            "{others:?}"
        );
        let first = netplan_entry(&data, "first");
        assert!(first.contains(&"          name: hybridc-first-adapter"));
        let set = if network == "dhcp" {
            "        dhcp4: true"
        } else {
            "        addresses:"
        };
        assert!(first.contains(&set), "{network}: {first:?}");
        // The early command that names the first adapter does not match its own pattern.
        assert_eq!(data.matches("hybridc-first-adapter").count(), 1);
        assert!(data.contains("sed -i \"s/hybridc-first-[a]dapter/$first/\" /autoinstall.yaml"));
        assert!(data.contains("| sort -n | head -n 1 |"));
    }
}

/// vsphere-iso waits for an address on every adapter, then takes the first address in
/// `ip_wait_address` (default `0.0.0.0/0`: IPv4 only) from a map of adapters, in no fixed
/// order: packer-plugin-vsphere v2.0.0 `builder/vsphere/common/step_wait_for_ip.go`
/// (`WaitIpConfig.Prepare`, `doGetIp`) and `builder/vsphere/driver/vm.go` (`WaitForIP`, which
/// calls govmomi's `WaitForNetIP` with no device), and vmware/govmomi v0.51.0
/// `object/virtual_machine.go` (`WaitForNetIP`: "By default, wait for all NICs to get an IP
/// address"). So every adapter needs an address and only the first an IPv4 one: Ubuntu's
/// installer brings the others up with an IPv6 link-local address only, and the spec refuses
/// installers that leave them down. The default filter is kept.
#[test]
fn vsphere_finds_the_first_adapters_ipv4_address() {
    let vsphere = generated("vsphere.pkr.hcl");
    assert!(!vsphere.contains("ip_wait_address"));
    let nics = adapters(&vsphere, "ubuntu-2404");
    assert_eq!(
        nics,
        [
            vec![
                "network = var.vsphere_network",
                "network_card = \"vmxnet3\""
            ],
            vec!["network = \"Backup\"", "network_card = \"vmxnet3\""],
        ]
    );
    for network in ["dhcp", "static"] {
        let data = user_data(network);
        let others = netplan_entry(&data, "others");
        assert!(others.contains(&"        link-local: [ipv6]"), "{others:?}");
        assert!(others.contains(&"        dhcp6: false"), "{others:?}");
    }
    let dir = temp_dir("machine-vsphere-kickstart");
    let copy = |from: &str, to: &str| {
        let to = dir.join(to);
        fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        fs::copy(repo().join(from), to).expect("copy");
    };
    copy(
        "tests/fixtures/invalid/semantic-extra-adapters-installer/spec/hybrid.yaml",
        "spec/hybrid.yaml",
    );
    copy(
        "installers/kickstart/ks.pkrtpl.hcl",
        "installers/kickstart/ks.pkrtpl.hcl",
    );
    let out = hybridc(&dir, &["validate", "spec/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("vsphere-iso waits until every adapter has an address"));
    let _ = fs::remove_dir_all(&dir);
}

/// No pinned builder has an architecture argument (their argument catalogues under
/// `data/plugins/` have no `arch`); vsphere-iso takes the VM's guest OS identifier and
/// firmware (`builder/vsphere/iso/step_create.go`, `CreateConfig.GuestOSType`;
/// `builder/vsphere/common/step_hardware.go`, `HardwareConfig.Firmware`), which is how an
/// ESXi-Arm host makes an arm64 VM, and azure-arm 2.6.3 the image and VM size
/// (`builder/azure/arm/config.go`, `Config.ImageSku` and `Config.VMSize`), which on Azure
/// decide the architecture.
#[test]
fn arm64_is_the_guest_type_firmware_image_and_size() {
    for plugin in ["proxmox-iso", "proxmox-clone", "vsphere-iso", "azure-arm"] {
        let path = repo().join(format!("data/plugins/{plugin}.json"));
        let catalogue = fs::read_to_string(&path).expect("read the catalogue");
        assert!(!catalogue.contains("\"arch\""), "{}", path.display());
    }
    let vsphere = generated("vsphere.pkr.hcl");
    assert!(vsphere.contains(
        "guest_os_type       = \"arm-debian12_64Guest\"\n  firmware            = \"efi\""
    ));
    assert!(vsphere.contains("\"linux /install.a64/vmlinuz "));
    assert!(vsphere.contains("\"initrd /install.a64/initrd.gz<enter><wait3s>\""));
    let azure = generated("azure.pkr.hcl");
    assert!(azure.contains("image_sku                         = \"server-arm64\""));
    assert!(azure.contains("vm_size                           = \"Standard_D2ps_v5\""));
    let common = generated("common.pkr.hcl");
    assert!(common.contains("https://download.rockylinux.org/pub/rocky/9/BaseOS/aarch64/os/"));
    // The installer templates read the machine's name (`<arch>` of SUSE's modules).
    assert_eq!(
        common.matches("arch         = \"aarch64\"").count()
            + common.matches("arch    = \"aarch64\"").count(),
        3
    );
    let autoyast = fs::read_to_string(repo().join("installers/autoyast/autoinst.pkrtpl.hcl"))
        .expect("the AutoYaST template");
    assert!(autoyast.contains("<arch>${release.arch}</arch>"));
}

/// `explain` shows the architecture with its layer: the OS's own, else x86-64 by default; an
/// arm64 OS's vSphere guest OS type is its own, since the catalogue's are x86-64 ones, and its
/// Azure image the release's arm64 one.
#[test]
fn explain_shows_the_arch_and_its_layer() {
    let dir = repo().join("tests/fixtures/compile/adapters-arm64");
    let out = hybridc(&dir, &["explain", "ubuntu-2404-arm64"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    let row = |setting: &str| -> Vec<String> {
        shown
            .lines()
            .find(|l| l.split_whitespace().next() == Some(setting))
            .unwrap_or_else(|| panic!("no `{setting}` in\n{shown}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(row("arch")[1..3], ["arm64", "OS"]);
    assert_eq!(
        row("vsphere.guest_os_type")[1..3],
        ["arm-ubuntu64Guest", "OS"]
    );
    assert_eq!(
        row("azure_image")[1..3],
        ["Canonical:ubuntu-24_04-lts:server-arm64:latest", "release"]
    );
    let out = hybridc(&dir, &["explain", "ubuntu-2404"]);
    let shown = text(&out.stdout);
    let arch = shown
        .lines()
        .find(|l| l.trim_start().starts_with("arch "))
        .expect("an arch row");
    assert_eq!(
        arch.split_whitespace().collect::<Vec<_>>(),
        ["arch", "x86_64", "default", "-"]
    );
}

/// Each installer kind gives one adapter the build's address, with DHCP and with a static
/// address, and names no other:
/// - kickstart: one `network --device=link` line; anaconda takes the first interface with a
///   link in lexicographic order (rhinstaller/anaconda `pyanaconda/modules/network/nm_client.py`,
///   `get_first_iface_with_link`) and writes the others with `ONBOOT=no`;
/// - preseed: `netcfg/choose_interface select auto`, "netcfg will choose an interface that has
///   link if possible" (Debian installation guide, appendix B.4.3, the example preseed);
/// - AutoYaST: no `<interfaces>`, only `keep_install_network` of the one interface linuxrc
///   set up (SUSE AutoYaST guide, "Networking configuration");
/// - autoinstall: see [`proxmox_connects_to_the_first_adapters_address`].
#[test]
fn installers_configure_one_adapter() {
    let rendered = |release: &str, network: &str, file: &str| -> String {
        let path = repo().join(format!(
            "tests/fixtures/installers/{release}/{network}/{file}"
        ));
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    for network in ["dhcp", "static"] {
        let ks = rendered("rocky-9", network, "ks");
        let lines: Vec<&str> = ks.lines().filter(|l| l.starts_with("network ")).collect();
        assert_eq!(lines.len(), 1, "{network}: {lines:?}");
        assert!(lines[0].contains(" --device=link "), "{}", lines[0]);
        let preseed = rendered("debian-12", network, "preseed");
        assert_eq!(
            preseed
                .lines()
                .filter(|l| l.contains("netcfg/choose_interface"))
                .collect::<Vec<_>>(),
            ["d-i netcfg/choose_interface select auto"]
        );
        let autoyast = rendered("sles-15-sp7", network, "autoinst");
        assert!(!autoyast.contains("<interfaces"));
        assert!(
            autoyast.contains(
                "<keep_install_network config:type=\"boolean\">true</keep_install_network>"
            )
        );
    }
}
