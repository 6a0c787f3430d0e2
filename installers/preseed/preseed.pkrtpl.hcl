# ${release.name}: debian-installer preseed, shared by every Debian release (11, 12, 13 read the
# same questions), rendered by Packer templatefile().
# Template variables: build_username, build_password_hash, build_ssh_pubkey ("" for none),
# hostname, language, keyboard, timezone,
# network = { dhcp, address, gateway, dns }, platform (proxmox | vsphere), cloud_init (install
# cloud-init, for clones that get a Proxmox cloud-init drive), release = { name, distribution,
# version, repositories, drivers } from hybridc's OS catalogue, machine = { system_disk,
# data_disks, partitioning (lvm | hardened), partitions, volumes } (the system disk and its layout).

### Localization
d-i debian-installer/locale string ${language}.UTF-8
d-i localechooser/supported-locales multiselect ${language}.UTF-8
d-i keyboard-configuration/xkb-keymap select ${keyboard}
d-i console-setup/ask_detect boolean false

### Network
# When the preseed file itself is fetched over the network (url=...), the installer has already
# configured the network from the kernel command line; these answers then apply to the installed system.
d-i netcfg/choose_interface select auto
d-i netcfg/link_wait_timeout string 10
d-i netcfg/dhcp_timeout string 60
%{ if network.dhcp }
d-i netcfg/disable_autoconfig boolean false
%{ else }
d-i netcfg/disable_autoconfig boolean true
d-i netcfg/get_ipaddress string ${split("/", network.address)[0]}
d-i netcfg/get_netmask string ${cidrnetmask(network.address)}
d-i netcfg/get_gateway string ${network.gateway}
d-i netcfg/get_nameservers string ${join(" ", network.dns)}
d-i netcfg/confirm_static boolean true
%{ endif }
d-i netcfg/get_hostname string ${hostname}
d-i netcfg/get_domain string
d-i netcfg/hostname string ${hostname}
d-i hw-detect/load_firmware boolean false

### Mirror
d-i mirror/country string manual
d-i mirror/http/hostname string deb.debian.org
d-i mirror/http/directory string /debian
d-i mirror/http/proxy string

### Accounts: no root login; the build user administers the system through sudo.
d-i passwd/root-login boolean false
d-i passwd/make-user boolean true
d-i passwd/user-fullname string ${build_username}
d-i passwd/username string ${build_username}
d-i passwd/user-password-crypted password ${build_password_hash}
d-i passwd/user-default-groups string sudo

### Clock and time zone
d-i clock-setup/utc boolean true
d-i time/zone string ${timezone}
d-i clock-setup/ntp boolean true

### Partitioning: the system disk alone (the data disks are left as they are), LVM.
d-i partman-auto/disk string ${machine.system_disk}
d-i partman-auto/method string lvm
d-i partman-auto-lvm/guided_size string max
d-i partman-lvm/device_remove_lvm boolean true
d-i partman-md/device_remove_md boolean true
d-i partman-lvm/confirm boolean true
d-i partman-lvm/confirm_nooverwrite boolean true
%{ if machine.partitioning == "lvm" ~}
# The "atomic" recipe: everything in one root file system.
d-i partman-auto/choose_recipe select atomic
%{ else ~}
# The ${machine.partitioning} layout: the firmware's partitions and /boot, then a logical volume
# for each file system the CIS benchmarks want separate, with their mount options; / takes the rest
# (its priority is the highest, its maximum unlimited). Swap, the last volume, ends the recipe.
d-i partman-auto-lvm/new_vg_name string vg_system
d-i partman-auto/expert_recipe string \
    ${machine.partitioning} :: \
%{ for p in machine.partitions ~}
%{ if p.kind == "efi" ~}
        ${p.size_mb} ${p.size_mb} ${p.size_mb} free $iflabel{ gpt } $reusemethod{ } method{ efi } format{ } . \
%{ endif ~}
%{ if p.kind == "biosboot" ~}
        ${p.size_mb} ${p.size_mb} ${p.size_mb} free $iflabel{ gpt } $reusemethod{ } method{ biosgrub } . \
%{ endif ~}
%{ if p.kind == "boot" ~}
        ${p.size_mb} ${p.size_mb} ${p.size_mb} ext4 $primary{ } $bootable{ } method{ format } format{ } use_filesystem{ } filesystem{ ext4 } mountpoint{ ${p.mount} } . \
%{ endif ~}
%{ endfor ~}
%{ for v in machine.volumes ~}
%{ if v.mount == "swap" ~}
        ${v.size_mb} ${v.size_mb} ${v.size_mb} linux-swap $lvmok{ } lv_name{ ${v.name} } method{ swap } format{ } .
%{ else ~}
        ${v.size_mb} ${v.mount == "/" ? 10000 : v.size_mb} ${v.mount == "/" ? -1 : v.size_mb} ext4 $lvmok{ } lv_name{ ${v.name} } method{ format } format{ } use_filesystem{ } filesystem{ ext4 } mountpoint{ ${v.mount} }%{ for o in compact(split(",", v.options)) } options/${o}{ ${o} }%{ endfor } . \
%{ endif ~}
%{ endfor ~}
d-i partman-auto/choose_recipe select ${machine.partitioning}
%{ endif ~}
d-i partman-partitioning/confirm_write_new_label boolean true
d-i partman/choose_partition select finish
d-i partman/confirm boolean true
d-i partman/confirm_nooverwrite boolean true
d-i partman-efi/non_efi_system boolean true

### Packages
d-i apt-setup/cdrom/set-first boolean false
d-i apt-setup/cdrom/set-next boolean false
d-i apt-setup/cdrom/set-failed boolean false
d-i apt-setup/disable-cdrom-entries boolean true
d-i apt-setup/services-select multiselect security, updates
tasksel tasksel/first multiselect standard, ssh-server
# The platform's guest agent reports the VM's address, which Packer needs to connect.
d-i pkgsel/include string openssh-server sudo%{ if platform == "proxmox" } qemu-guest-agent%{ endif }%{ if platform == "vsphere" } open-vm-tools%{ endif }%{ if cloud_init } cloud-init%{ endif }
d-i pkgsel/upgrade select full-upgrade
popularity-contest popularity-contest/participate boolean false

### Boot loader
d-i grub-installer/only_debian boolean true
d-i grub-installer/with_other_os boolean false
d-i grub-installer/bootdev string ${machine.system_disk}
d-i grub-installer/force-efi-extra-removable boolean true

### Finish
# Passwordless sudo for the build user (Packer runs its provisioners with sudo).
d-i preseed/late_command string \
    echo '${build_username} ALL=(ALL) NOPASSWD:ALL' > /target/etc/sudoers.d/${build_username} ; \
    in-target chmod 0440 /etc/sudoers.d/${build_username} ; \
    in-target visudo -cf /etc/sudoers.d/${build_username}%{ if build_ssh_pubkey != "" } ; \
    mkdir -p /target/home/${build_username}/.ssh ; \
    echo '${build_ssh_pubkey}' > /target/home/${build_username}/.ssh/authorized_keys ; \
    in-target chown -R ${build_username}: /home/${build_username}/.ssh ; \
    in-target chmod -R go-rwx /home/${build_username}/.ssh%{ endif }
d-i cdrom-detect/eject boolean true
d-i finish-install/reboot_in_progress note
