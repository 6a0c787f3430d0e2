//! An OS's unattended installer, from its entry in [`crate::installer::INSTALLERS`]: the seed
//! files and the channel they reach the VM by, the boot command (with the installer's network,
//! from `network`), and the Windows answer file.

use super::{Lowerer, Target, ptr, s};
use crate::hcl::{Expr, Part};
use crate::installer::{BootLine, InstallerKind, KernelNetwork, SeedInputs};
use crate::model::{FileKey, Local, Model};
use crate::platform::iso_platforms;
use crate::release::OsFacts;
use crate::release::Release;
use crate::spec::{Firmware, Installer, InstallerInput, PlatformName, SeedChannel, snake};

impl Lowerer<'_> {
    /// The repository files an installer puts on its seed CD, as globs: the files land at the
    /// CD's root, where the answer file's first-logon commands look for them.
    ///
    /// Not folders: packer-plugin-sdk `multistep/commonsteps/step_create_cdrom.go`
    /// (`StepCreateCD.AddFile`) strips a folder's prefix as written while the walked children
    /// are cleaned paths, so a folder under `${path.root}/..` never matches and the step fails
    /// to open its files; a glob is expanded first and each match is copied by its base name.
    pub(super) fn cd_files(&self, kind: &InstallerKind) -> Expr {
        Expr::List(kind.cd_files.iter().map(|f| self.path(f)).collect())
    }

    /// The installer inputs shared by every source of an OS whose installer renders its seed
    /// once per OS, as a local value.
    pub(super) fn seed_local(&mut self, t: Target<'_>, model: &mut Model) -> Option<String> {
        let Target { name, os, .. } = t;
        let kind = t.installer?;
        if kind.seed != SeedInputs::PerOs || iso_platforms(self.spec, os).is_empty() {
            return None;
        }
        let locale = self.locale(t);
        let network = self.network(name).object();
        let vars = Expr::Object(vec![
            ("build_username".into(), self.var("build_username")),
            (
                "build_password_hash".into(),
                self.var("build_password_hash"),
            ),
            ("build_ssh_pubkey".into(), self.ssh_public_key()),
            ("hostname".into(), s(name)),
            ("language".into(), s(&locale.0)),
            ("keyboard".into(), s(&locale.1)),
            ("timezone".into(), s(&locale.2)),
            ("network".into(), network),
            ("release".into(), release(name, os)),
            ("inputs".into(), self.installer_inputs(name, os)),
        ]);
        let vars = match (vars, self.shared_machine(t)) {
            (Expr::Object(mut entries), Some(machine)) => {
                entries.push(("machine".into(), machine));
                Expr::Object(entries)
            }
            (vars, _) => vars,
        };
        let vars_name = format!("{}_installer_vars", snake(name));
        model.locals.push(Local {
            name: vars_name.clone(),
            value: vars,
        });
        Some(vars_name)
    }

    /// The OS's `installer_inputs` as the templates' `inputs` object (`{}` when it has none): a
    /// plain value as written, a secret as a sensitive variable `<os>_input_<name>` whose
    /// default reads the environment when Packer runs, so that its value is never written to a
    /// file.
    fn installer_inputs(&mut self, name: &str, os: &crate::spec::Os) -> Expr {
        let mut entries = Vec::with_capacity(os.installer_inputs.len());
        for (input, value) in &os.installer_inputs {
            let value = match value {
                InstallerInput::Text(text) => s(text),
                InstallerInput::Secret(credential) => {
                    let variable = format!("{}_input_{}", snake(name), snake(input));
                    self.credential(
                        &variable,
                        FileKey::Common,
                        credential,
                        &format!("Installer input `{input}` of {name}"),
                        &ptr(&["oses", name, "installer_inputs", input]),
                    );
                    self.var(&variable)
                }
            };
            entries.push((input.clone(), value));
        }
        Expr::Object(entries)
    }

    /// The installer's files for one source: `{ "/user-data" = templatefile(...) }` (HTTP
    /// paths) or `{ "user-data" = ... }` (CD), rendered with `vars`.
    fn seed_object(&self, t: Target<'_>, kind: &InstallerKind, vars: &Expr) -> Expr {
        let channel = self.channel(t);
        let files = kind
            .templates
            .iter()
            .map(|template| {
                let served = kind.served_name(template);
                let key = match channel {
                    SeedChannel::Http => format!("/{served}"),
                    SeedChannel::Cd => served.clone(),
                };
                let path = self.path(&kind.template_path(t.name, t.os, template, |p| {
                    self.loaded.repository.own_templates.contains(p)
                }));
                (key, Expr::call("templatefile", vec![path, vars.clone()]))
            })
            .collect();
        Expr::Object(files)
    }

    /// The seed of an OS's installer for one source, rendered with the OS's shared inputs
    /// plus the platform, which decides the guest agent the installer adds, and the machine
    /// on that platform (its disks and partition layout) where it differs between the OS's
    /// platforms ([`Self::shared_machine`]).
    pub(super) fn seed_files(
        &mut self,
        t: Target<'_>,
        vars_local: &str,
        platform: PlatformName,
    ) -> Option<Expr> {
        let kind = t.installer?;
        // The platform decides the guest agent; a Proxmox cloud-init drive needs cloud-init in
        // the guest to be of any use to the clones.
        let cloud_init = platform == PlatformName::Proxmox
            && self
                .spec
                .platforms
                .proxmox
                .as_ref()
                .is_some_and(|p| p.cloud_init);
        let mut own = vec![
            ("platform".into(), s(platform.as_str())),
            ("cloud_init".into(), Expr::Bool(cloud_init)),
        ];
        if self.shared_machine(t).is_none() {
            own.push(("machine".into(), self.machine(t, platform)));
        }
        let vars = Expr::call("merge", vec![Expr::local(vars_local), Expr::Object(own)]);
        Some(self.seed_object(t, kind, &vars))
    }

    /// The machine of an OS whose installer renders its seed once per OS, when it is the same
    /// on each platform the OS is installed on (the common case: the same disks, layout and
    /// firmware): written once in the OS's installer inputs instead of in each source.
    fn shared_machine(&mut self, t: Target<'_>) -> Option<Expr> {
        let mut machines = iso_platforms(self.spec, t.os)
            .into_iter()
            .map(|platform| self.machine(t, platform))
            .collect::<Vec<_>>()
            .into_iter();
        let first = machines.next()?;
        machines.all(|m| m == first).then_some(first)
    }

    /// The seed CD's arguments of one source (`cd_files`, `cd_content`), without its label:
    /// none when the installer has nothing to put there.
    pub(super) fn cd_seed(
        &mut self,
        t: Target<'_>,
        edition: Option<&crate::spec::Edition>,
        seed_local: Option<&str>,
        platform: PlatformName,
    ) -> Vec<(&'static str, Expr)> {
        let mut args = Vec::new();
        match (t.installer, edition) {
            (Some(kind), Some(e)) if kind.seed == SeedInputs::PerEdition => {
                if !kind.cd_files.is_empty() {
                    args.push(("cd_files", self.cd_files(kind)));
                }
                args.push(("cd_content", self.autounattend(t, kind, e, platform)));
            }
            _ => {
                if let Some(files) =
                    seed_local.and_then(|local| self.seed_files(t, local, platform))
                {
                    args.push(("cd_content", files));
                }
            }
        }
        args
    }

    /// The channel the OS's seed reaches the VM by, as its installer allows.
    pub(super) fn channel(&self, t: Target<'_>) -> SeedChannel {
        let default = self.spec.defaults.seed;
        t.installer.map_or(t.os.seed.unwrap_or(default), |k| {
            k.channel(t.os.seed, default)
        })
    }

    /// The answer file for one edition on one platform, rendered at build time, for an
    /// installer whose seed is rendered per edition.
    pub(super) fn autounattend(
        &mut self,
        t: Target<'_>,
        kind: &InstallerKind,
        edition: &crate::spec::Edition,
        platform: PlatformName,
    ) -> Expr {
        let Target { name, os, .. } = t;
        let locale = self.locale(t);
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
            ("machine".into(), self.machine(t, platform)),
            ("release".into(), release(name, os)),
            ("inputs".into(), self.installer_inputs(name, os)),
        ]);
        self.seed_object(t, kind, &vars)
    }

    /// `boot_wait` and `boot_command` of an ISO build, from the installer's boot lines. The
    /// lines are HCL templates: Packer's own `{{ .HTTPIP }}` actions and the installer
    /// network's expressions stay live.
    pub(super) fn boot(&mut self, t: Target<'_>, firmware: Firmware) -> (Expr, Expr) {
        let name = t.name;
        // `semantic` refuses an ISO build without an installer.
        let kind = t
            .installer
            .unwrap_or_else(|| crate::installer::kind(Installer::Autoinstall));
        let (http, cd) = kind.seed_argument;
        let seed = match self.channel(t) {
            SeedChannel::Http => http,
            SeedChannel::Cd => cd,
        };
        let net = match kind.network {
            KernelNetwork::None => Vec::new(),
            style => self.network(name).kernel_arguments(style, name),
        };
        let nocloud = t.os.known().map_or("nocloud", |r| r.nocloud_datasource());
        let fill = |text: &str| {
            text.replace("{seed}", seed)
                .replace("{nocloud}", nocloud)
                .replace("{hostname}", name)
                .replace("{url}", "http://{{ .HTTPIP }}:{{ .HTTPPort }}")
        };
        let lines = kind.boot(firmware, t.os.arch());
        let commands = lines.iter().map(|line| match line {
            BootLine::Keys(keys) => vec![Part::text(*keys)],
            BootLine::Kernel { before, after } if net.is_empty() => {
                vec![Part::text(fill(&format!("{before}{after}")))]
            }
            BootLine::Kernel { before, after } => {
                let mut parts = vec![Part::text(format!("{} ", fill(before)))];
                parts.extend(net.iter().cloned());
                parts.push(Part::text(fill(after)));
                parts
            }
        });
        (
            s(kind.boot_wait),
            Expr::List(commands.map(Expr::Template).collect()),
        )
    }
}

/// The facts of the OS's release its templates read: `release = { name, distribution, version,
/// repositories = [{ name, url }], drivers, arch }` (`arch` as `uname -m` prints it); an OS outside the catalogue has its own name and
/// empty facts (no repositories: the installer installs from its media).
fn release(name: &str, os: &crate::spec::Os) -> Expr {
    let known = os.known();
    let text = |f: fn(&Release) -> &'static str| s(known.map_or("", f));
    let repositories = os.repositories();
    Expr::Object(vec![
        ("name".into(), s(known.map_or(name, |r| r.name))),
        ("distribution".into(), text(|r| r.distribution)),
        ("version".into(), text(|r| r.version)),
        (
            "repositories".into(),
            Expr::List(
                repositories
                    .into_iter()
                    .map(|(name, url)| {
                        Expr::Object(vec![("name".into(), s(name)), ("url".into(), s(&url))])
                    })
                    .collect(),
            ),
        ),
        (
            "drivers".into(),
            text(|r| r.windows.map_or("", |w| w.drivers)),
        ),
        ("arch".into(), s(os.arch().machine())),
    ])
}

/// A NetBIOS computer name from a source name: at most 15 characters, not ending in `-`
/// (Microsoft-Windows-Shell-Setup `ComputerName`).
pub(super) fn computer_name(source: &str) -> String {
    let short: String = source.chars().take(15).collect();
    short.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attr, layout, loaded, lowered, source, text, texts};
    use super::super::{Lowerer, Target};
    use crate::hcl::Expr;
    use crate::installer::{BootLine, InstallerKind, KernelNetwork, SeedInputs};
    use crate::model::Model;
    use crate::release::OsFacts;
    use crate::spec::{Family, Installer, PlatformName, SeedChannel};

    /// The template variable `key` of an OS's installer templates (the local
    /// `<os>_installer_vars`).
    fn installer_var(model: &Model, os: &str, key: &str) -> Expr {
        let local = model
            .locals
            .iter()
            .find(|l| l.name == format!("{os}_installer_vars"))
            .expect("the OS's installer variables");
        let Expr::Object(vars) = &local.value else {
            panic!("an object: {:?}", local.value)
        };
        vars.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{key}"))
    }

    /// The keys of an object attribute.
    fn keys(value: Option<&Expr>) -> Vec<String> {
        match value {
            Some(Expr::Object(entries)) => entries.iter().map(|(k, _)| k.clone()).collect(),
            other => panic!("not an object: {other:?}"),
        }
    }

    /// An installer kind that exists only here: everything lowering knows of it is this entry.
    static ANSWERS: InstallerKind = InstallerKind {
        // Only the lookup from the spec reads this; lowering never does.
        installer: Installer::Kickstart,
        family: Family::Linux,
        templates: &["answers.pkrtpl.hcl"],
        served_extension: ".txt",
        hypervisors: &[PlatformName::Proxmox],
        channels: &[SeedChannel::Http, SeedChannel::Cd],
        default_channel: None,
        seed: SeedInputs::PerOs,
        cd_files: &[],
        boot_wait: "7s",
        boot_uefi: &[
            BootLine::Keys("<esc><wait>"),
            BootLine::Kernel {
                before: "linux /boot/vmlinuz answers={seed} host={hostname}",
                after: "<enter>",
            },
        ],
        boot_bios: &[BootLine::Keys("<tab>")],
        arm64: false,
        boot_arm64: None,
        extra_adapters: crate::installer::ExtraAdapters::Down,
        seed_argument: ("{url}/answers.txt", "answers=cdrom:/answers.txt"),
        network: KernelNetwork::Ip,
        distribution: None,
        validator: "none",
    };

    /// A fourth installer kind, added through its table entry alone, gets its seed files,
    /// served name, boot command with the static network, and `boot_wait`. The spec names a
    /// real kind (and an OS whose templates exist) so that it passes the checks; lowering is
    /// then given the test's entry instead.
    #[test]
    fn an_installer_kind_is_lowered_from_its_table_entry_alone() {
        let loaded = loaded(
            r"
  network:
    addresses: { rocky-9: 10.0.0.5/24 }
    gateway: 10.0.0.1
    dns: [10.0.0.2]
oses:
  rocky-9:
    family: linux
    installer: kickstart
    iso: { url: https://example.com/rocky.iso, checksum: none }
    platforms: [proxmox]
",
        );
        let layout = layout();
        let mut l = Lowerer::new(&loaded, &layout);
        let (name, os) = loaded.spec.oses.first_key_value().expect("one OS");
        let target = Target {
            name,
            os,
            family: crate::family::facts(os.family()),
            installer: Some(&ANSWERS),
        };
        let mut model = Model::default();
        l.os(target, &mut model);
        let body = &source(&model, PlatformName::Proxmox, "rocky-9").body;
        assert_eq!(keys(attr(body, "http_content")), ["/answers.txt"]);
        let Some(Expr::Object(files)) = attr(body, "http_content") else {
            unreachable!("checked above")
        };
        let Expr::Call(function, args) = &files[0].1 else {
            panic!("a templatefile call: {:?}", files[0].1)
        };
        assert_eq!(function, "templatefile");
        assert_eq!(
            super::super::testing::as_text(&args[0]),
            "${path.root}/../installers/kickstart/answers.pkrtpl.hcl"
        );
        assert_eq!(text(body, "boot_wait"), "7s");
        assert_eq!(
            texts(body, "boot_command"),
            [
                "<esc><wait>",
                "linux /boot/vmlinuz answers=http://{{ .HTTPIP }}:{{ .HTTPPort }}/answers.txt host=rocky-9 \
                 ip=10.0.0.5::10.0.0.1:255.255.255.0:rocky-9::none:10.0.0.2<enter>",
            ]
        );
        // The OS's shared inputs are a local, as for every installer rendered once per OS.
        assert_eq!(model.locals[0].name, "rocky_9_installer_vars");
    }

    /// Preseed's static network is debian-installer's `netcfg` answers, on the kernel line of
    /// its BIOS boot menu.
    #[test]
    fn preseed_boots_with_netcfg_answers_on_bios() {
        let model = lowered(
            r"
  network:
    addresses: { debian-12: 192.168.1.20/24 }
oses:
  debian-12:
    family: linux
    installer: preseed
    iso: { url: https://example.com/debian.iso, checksum: none }
    platforms: [proxmox]
    hardware: { firmware: bios }
",
        );
        let body = &source(&model, PlatformName::Proxmox, "debian-12").body;
        assert_eq!(
            texts(body, "boot_command"),
            [
                "<esc><wait>",
                "auto priority=critical url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/preseed.cfg hostname=debian-12 domain= \
                 netcfg/disable_autoconfig=true netcfg/get_ipaddress=192.168.1.20 netcfg/get_netmask=255.255.255.0 \
                 netcfg/no_default_route=true netcfg/confirm_static=true<enter>",
            ]
        );
        assert_eq!(keys(attr(body, "http_content")), ["/preseed.cfg"]);
    }

    /// Autoinstall's two files are served under their stems; on a CD without a leading `/`.
    #[test]
    fn autoinstall_serves_both_files_by_channel() {
        let model = lowered(
            r"
oses:
  ubuntu-2404:
    family: linux
    installer: autoinstall
    seed: cd
    iso: { url: https://example.com/ubuntu.iso, checksum: none }
    platforms: [vsphere]
    vsphere: { guest_os_type: ubuntu64Guest }
",
        );
        let body = &source(&model, PlatformName::Vsphere, "ubuntu-2404").body;
        assert_eq!(keys(attr(body, "cd_content")), ["user-data", "meta-data"]);
        assert_eq!(text(body, "cd_label"), "cidata");
        assert_eq!(text(body, "boot_wait"), "5s");
        assert!(texts(body, "boot_command")[1].contains("autoinstall ds=nocloud ---"));
    }

    /// Over HTTP, Ubuntu 20.04 and 22.04 name the seed's datasource `nocloud-net`, which their
    /// media's cloud-init needs for an HTTP seed; 24.04's cloud-init (24.1) reads `nocloud`
    /// with an HTTP seed and deprecates `nocloud-net`. An Ubuntu the catalogue doesn't know
    /// gets `nocloud`. On a CD every release reads `ds=nocloud`.
    #[test]
    fn the_http_seed_names_the_datasource_the_release_reads() {
        let model = lowered(
            r"
oses:
  ubuntu-2004: { platforms: [proxmox], iso: { proxmox_file: 'local:iso/u.iso' } }
  ubuntu-2204: { platforms: [proxmox], iso: { proxmox_file: 'local:iso/u.iso' } }
  ubuntu-2404: { platforms: [proxmox], iso: { proxmox_file: 'local:iso/u.iso' } }
  ubuntu-2510:
    family: linux
    installer: autoinstall
    platforms: [proxmox]
    iso: { proxmox_file: 'local:iso/u.iso' }
",
        );
        for (name, datasource) in [
            ("ubuntu-2004", "nocloud-net"),
            ("ubuntu-2204", "nocloud-net"),
            ("ubuntu-2404", "nocloud"),
            ("ubuntu-2510", "nocloud"),
        ] {
            let body = &source(&model, PlatformName::Proxmox, name).body;
            let expected = format!(
                "autoinstall ds=\\\"{datasource};s=http://{{{{ .HTTPIP }}}}:{{{{ .HTTPPort }}}}/\\\" ---"
            );
            assert!(
                texts(body, "boot_command")[1].contains(&expected),
                "{name}: {:?} lacks {expected}",
                texts(body, "boot_command")
            );
        }
    }

    /// AutoYaST boots from the install media's GRUB prompt with the profile's URL and linuxrc's
    /// `ifcfg=` for a static address; on BIOS it types its options at the isolinux prompt and
    /// reads the profile from the seed CD by its label. (The boot lines are read back as HCL
    /// writes them: the quotes escaped.)
    #[test]
    fn autoyast_boots_with_ifcfg_and_reads_its_profile_by_url_or_label() {
        let model = lowered(
            r"
  network:
    addresses: { sles-15-sp7: 10.0.0.5/24, opensuse-leap-156: 10.0.0.6/24 }
    dns: [10.0.0.2, 10.0.0.3]
oses:
  sles-15-sp7:
    iso: { proxmox_file: local:iso/sles.iso }
    platforms: [proxmox]
  opensuse-leap-156:
    seed: cd
    hardware: { firmware: bios }
    iso: { vsphere_path: '[datastore1] iso/leap.iso' }
    platforms: [vsphere]
    vsphere: { guest_os_type: opensuse64Guest }
",
        );
        let sles = &source(&model, PlatformName::Proxmox, "sles-15-sp7").body;
        assert_eq!(keys(attr(sles, "http_content")), ["/autoinst.xml"]);
        assert_eq!(
            texts(sles, "boot_command"),
            [
                "<wait3s>c<wait3s>",
                "linux /boot/x86_64/loader/linux textmode=1 autoyast=http://{{ .HTTPIP }}:{{ .HTTPPort }}/autoinst.xml \
                 ifcfg=*=\\\"10.0.0.5/24,,10.0.0.2 10.0.0.3\\\"<enter><wait3s>",
                "initrd /boot/x86_64/loader/initrd<enter><wait3s>",
                "boot<enter>",
            ]
        );
        let leap = &source(&model, PlatformName::Vsphere, "opensuse-leap-156").body;
        assert_eq!(keys(attr(leap, "cd_content")), ["autoinst.xml"]);
        assert_eq!(
            texts(leap, "boot_command"),
            [
                "<esc><enter><wait>",
                "linux textmode=1 autoyast=label://cidata/autoinst.xml \
                 ifcfg=*=\\\"10.0.0.6/24,,10.0.0.2 10.0.0.3\\\"<enter>",
            ]
        );
    }

    /// Photon OS fetches its kickstart over HTTP (the only channel it reads) with
    /// `insecure_installation=1`, from the GRUB prompt on UEFI.
    #[test]
    fn photon_fetches_its_kickstart_over_http() {
        let model = lowered(
            r"
oses:
  photon-5:
    iso: { vsphere_path: '[datastore1] iso/photon.iso' }
    platforms: [vsphere]
    vsphere: { guest_os_type: vmwarePhoton64Guest }
",
        );
        let body = &source(&model, PlatformName::Vsphere, "photon-5").body;
        assert_eq!(keys(attr(body, "http_content")), ["/ks.json"]);
        assert_eq!(
            texts(body, "boot_command")[1],
            "linux /isolinux/vmlinuz root=/dev/ram0 loglevel=3 insecure_installation=1 \
             ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.json photon.media=cdrom<enter><wait3s>"
        );
    }

    /// `installer_inputs` reach the templates as `inputs`: a plain value as written, a secret as
    /// a sensitive variable read from the environment, and `{}` for an OS without inputs.
    #[test]
    fn installer_inputs_become_the_templates_inputs() {
        let model = lowered(
            r"
oses:
  rocky-9:
    installer_inputs:
      activation_key: { env: RHSM_ACTIVATION_KEY }
      proxy: http://proxy.example.com:3128
    iso: { proxmox_file: local:iso/rocky.iso }
    platforms: [proxmox]
  debian-12:
    iso: { proxmox_file: local:iso/debian.iso }
    platforms: [proxmox]
",
        );
        let inputs = |os: &str| installer_var(&model, os, "inputs");
        assert_eq!(inputs("debian_12"), Expr::Object(Vec::new()));
        let Expr::Object(rocky) = inputs("rocky_9") else {
            panic!("an object")
        };
        assert_eq!(
            rocky[0],
            (
                "activation_key".into(),
                Expr::var("rocky_9_input_activation_key")
            )
        );
        assert_eq!(rocky[1].0, "proxy");
        assert_eq!(
            super::super::testing::as_text(&rocky[1].1),
            "http://proxy.example.com:3128"
        );
        let variable = model
            .variables
            .iter()
            .find(|v| v.name == "rocky_9_input_activation_key")
            .expect("a variable for the secret");
        assert!(variable.sensitive);
        assert_eq!(variable.credential(), Some("RHSM_ACTIVATION_KEY"));
        assert_eq!(variable.file, crate::model::FileKey::Common);
    }
    /// An OS's own `repositories` replace its release's in the templates' `release`; `[]`
    /// leaves none (the kickstart installs from the media); without them, the catalogue's.
    #[test]
    fn an_os_may_name_its_own_repositories() {
        let model = lowered(
            r"
oses:
  rocky-9:
    repositories:
      - { name: BaseOS, url: 'https://mirror.example.com/rocky/9/BaseOS/x86_64/os/' }
    iso: { proxmox_file: local:iso/rocky.iso }
    platforms: [proxmox]
  almalinux-9:
    repositories: []
    iso: { proxmox_file: local:iso/alma.iso }
    platforms: [proxmox]
  oraclelinux-9:
    iso: { proxmox_file: local:iso/ol.iso }
    platforms: [proxmox]
",
        );
        let urls = |os: &str| -> Vec<String> {
            let Expr::Object(release) = installer_var(&model, os, "release") else {
                panic!("a release object")
            };
            let Some((_, Expr::List(repositories))) =
                release.iter().find(|(k, _)| k == "repositories")
            else {
                panic!("a repository list")
            };
            repositories
                .iter()
                .map(|r| match r {
                    Expr::Object(fields) => super::super::testing::as_text(&fields[1].1),
                    other => panic!("an object: {other:?}"),
                })
                .collect()
        };
        assert_eq!(
            urls("rocky_9"),
            ["https://mirror.example.com/rocky/9/BaseOS/x86_64/os/"]
        );
        assert!(urls("almalinux_9").is_empty());
        let catalogue: Vec<String> = crate::release::find("oraclelinux-9")
            .expect("in the catalogue")
            .repositories
            .iter()
            .map(|r| r.url.to_owned())
            .collect();
        assert!(!catalogue.is_empty());
        assert_eq!(urls("oraclelinux_9"), catalogue);
    }
    /// A machine that is the same on each platform an OS is installed on is written once, in
    /// the OS's installer inputs; one that differs goes with each source.
    #[test]
    fn a_machine_shared_by_the_platforms_is_written_once() {
        let model = lowered(
            r"
oses:
  rocky-9:
    iso: { url: https://example.com/rocky.iso, checksum: none }
    platforms: [proxmox, vsphere]
    hardware: { data_disks_gb: [100] }
  debian-12:
    iso: { url: https://example.com/debian.iso, checksum: none }
    platforms: [proxmox, vsphere]
    vsphere: { hardware: { data_disks_gb: [50] } }
",
        );
        let Expr::Call(merge, parts) = installer_var(&model, "rocky_9", "machine") else {
            panic!("the layout merged with the disks")
        };
        assert_eq!(merge, "merge");
        assert_eq!(parts[0], Expr::local("partition_layout_lvm"));
        let own = |platform: PlatformName, os: &str| -> Vec<String> {
            let body = &source(&model, platform, os).body;
            let Some(Expr::Object(files)) = attr(body, "http_content") else {
                panic!("seed files of {os}")
            };
            let Expr::Call(_, args) = &files[0].1 else {
                panic!("a templatefile call")
            };
            let Expr::Call(_, parts) = &args[1] else {
                panic!("merged variables")
            };
            let Expr::Object(own) = &parts[1] else {
                panic!("the source's own variables")
            };
            own.iter().map(|(k, _)| k.clone()).collect()
        };
        for platform in [PlatformName::Proxmox, PlatformName::Vsphere] {
            assert_eq!(own(platform, "rocky-9"), ["platform", "cloud_init"]);
            assert_eq!(
                own(platform, "debian-12"),
                ["platform", "cloud_init", "machine"]
            );
        }
        let local = model
            .locals
            .iter()
            .find(|l| l.name == "debian_12_installer_vars")
            .expect("the OS's installer variables");
        let Expr::Object(vars) = &local.value else {
            panic!("an object")
        };
        assert!(vars.iter().all(|(k, _)| k != "machine"));
    }
}
