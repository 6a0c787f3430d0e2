# ${release.name}: kickstart of every Red Hat family release (RHEL, Rocky Linux, AlmaLinux, Oracle
# Linux, CentOS Stream 8 to 10, Fedora: each validates with pykickstart's handler of its version),
# rendered by Packer templatefile().
# Template variables: build_username, build_password_hash, build_ssh_pubkey ("" for none),
# hostname, language, keyboard, timezone,
# network = { dhcp, address, gateway, dns }, platform (proxmox | vsphere), cloud_init (install
# cloud-init, for clones that get a Proxmox cloud-init drive), release = { name, distribution,
# version, repositories = [{ name, url }], drivers } from hybridc's OS catalogue, machine = {
# system_disk, data_disks, partitioning (lvm | hardened), partitions, volumes } (the system disk
# and its layout; see hybridc's `partitioning`), inputs = the OS's
# installer_inputs: RHEL registers with Red Hat Subscription Management when both
# inputs.rhsm_organization and inputs.rhsm_activation_key are set (quoted for the kickstart
# parser: a `"` or `\` in them is escaped).

text
eula --agreed
%{ if lookup(inputs, "rhsm_organization", "") != "" && lookup(inputs, "rhsm_activation_key", "") != "" ~}
rhsm --organization="${replace(replace(lookup(inputs, "rhsm_organization", ""), "\\", "\\\\"), "\"", "\\\"")}" --activation-key="${replace(replace(lookup(inputs, "rhsm_activation_key", ""), "\\", "\\\\"), "\"", "\\\"")}"
%{ endif ~}
firstboot --disabled
skipx

%{ if length(release.repositories) > 0 ~}
# Installation sources of ${release.name} (a boot ISO carries no packages).
url --url=${release.repositories[0].url}
%{ for repository in slice(release.repositories, 1, length(release.repositories)) ~}
repo --name=${repository.name} --baseurl=${repository.url}
%{ endfor ~}
%{ else ~}
# Installation source: the install media (the DVD). Anaconda mounts each optical drive and keeps
# the first with an installation tree, so a seed CD beside it is never taken for it.
cdrom
%{ endif ~}

lang ${language}.UTF-8
keyboard --vckeymap=${keyboard} --xlayouts=${keyboard}
timezone ${timezone} --utc

# Network of the installer and of the installed system: the first interface with a link.
%{ if network.dhcp }
network --bootproto=dhcp --device=link --onboot=on --noipv6 --activate --hostname=${hostname}
%{ else }
network --bootproto=static --device=link --onboot=on --noipv6 --activate --ip=${split("/", network.address)[0]} --netmask=${cidrnetmask(network.address)}%{ if network.gateway != "" } --gateway=${network.gateway}%{ endif }%{ if length(network.dns) > 0 } --nameserver=${join(",", network.dns)}%{ endif } --hostname=${hostname}
%{ endif }

firewall --enabled --service=ssh
selinux --enforcing
services --enabled=sshd,chronyd

# No root login: root is locked; the build user administers the system through sudo.
rootpw --lock
user --name=${build_username} --groups=wheel --iscrypted --password=${build_password_hash}
%{ if build_ssh_pubkey != "" ~}
sshkey --username=${build_username} "${build_ssh_pubkey}"
%{ endif ~}

# Storage: the system disk alone, wiped; the data disks are left as they are.
ignoredisk --only-use=${replace(machine.system_disk, "/dev/", "")}
zerombr
clearpart --all --initlabel --drives=${replace(machine.system_disk, "/dev/", "")}%{ if machine.partitioning != "lvm" } --disklabel=gpt%{ endif }
%{ if machine.partitioning == "lvm" ~}
# What the firmware needs (biosboot or an EFI system partition) plus /boot, the rest into LVM.
reqpart --add-boot
part pv.01 --size=1 --grow
volgroup vg_system pv.01
logvol swap --vgname=vg_system --name=lv_swap --fstype=swap --size=1024
logvol / --vgname=vg_system --name=lv_root --fstype=xfs --size=1 --grow
%{ else ~}
# The ${machine.partitioning} layout on GPT (its BIOS boot partition needs it): the firmware's
# partitions and /boot, then a logical volume for each file system the CIS benchmarks want
# separate, with their mount options; / takes the rest.
%{ for p in machine.partitions ~}
%{ if p.kind == "efi" ~}
part ${p.mount} --fstype=efi --size=${p.size_mb} --ondisk=${replace(machine.system_disk, "/dev/", "")}
%{ endif ~}
%{ if p.kind == "biosboot" ~}
part biosboot --fstype=biosboot --size=${p.size_mb} --ondisk=${replace(machine.system_disk, "/dev/", "")}
%{ endif ~}
%{ if p.kind == "boot" ~}
part ${p.mount} --fstype=xfs --size=${p.size_mb} --ondisk=${replace(machine.system_disk, "/dev/", "")}
%{ endif ~}
%{ endfor ~}
part pv.01 --size=1 --grow --ondisk=${replace(machine.system_disk, "/dev/", "")}
volgroup vg_system pv.01
%{ for v in machine.volumes ~}
%{ if v.mount == "swap" ~}
logvol swap --vgname=vg_system --name=${v.name} --fstype=swap --size=${v.size_mb}
%{ else ~}
logvol ${v.mount} --vgname=vg_system --name=${v.name} --fstype=xfs --size=${v.size_mb}%{ if v.mount == "/" } --grow%{ endif }%{ if v.options != "" } --fsoptions="${v.options}"%{ endif }
%{ endif ~}
%{ endfor ~}
%{ endif ~}
bootloader --timeout=3 --boot-drive=${replace(machine.system_disk, "/dev/", "")}

%packages
@^minimal-environment
openssh-server
sudo
chrony
%{ if platform == "proxmox" ~}
qemu-guest-agent
%{ endif ~}
%{ if platform == "vsphere" ~}
open-vm-tools
# vSphere guest customisation of Linux runs its scripts with Perl.
perl
%{ endif ~}
%{ if cloud_init ~}
cloud-init
cloud-utils-growpart
%{ endif ~}
%end

%post --erroronfail --log=/root/ks-post.log
set -eu
# Passwordless sudo for the build user (Packer runs its provisioners with sudo).
printf '%s ALL=(ALL) NOPASSWD:ALL\n' '${build_username}' > /etc/sudoers.d/${build_username}
chmod 0440 /etc/sudoers.d/${build_username}
visudo -cf /etc/sudoers.d/${build_username}
if command -v restorecon >/dev/null 2>&1; then
  restorecon -F /etc/sudoers.d/${build_username}
fi
%end

reboot --eject
