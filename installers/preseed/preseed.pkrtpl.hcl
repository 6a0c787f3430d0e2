# ${release.name}: debian-installer preseed, shared by every Debian release (11, 12, 13 read the
# same questions), rendered by Packer templatefile().
# Template variables: build_username, build_password_hash, build_ssh_pubkey ("" for none),
# hostname, language, keyboard, timezone,
# network = { dhcp, address, gateway, dns }, platform (proxmox | vsphere), cloud_init (install
# cloud-init, for clones that get a Proxmox cloud-init drive), release = { name, distribution,
# version, repositories, drivers } from hybridc's OS catalogue.

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

### Partitioning: the first disk, LVM, "atomic" recipe (everything in one root file system).
d-i partman/early_command string debconf-set partman-auto/disk "$(list-devices disk | head -n1)"
d-i partman-auto/method string lvm
d-i partman-auto-lvm/guided_size string max
d-i partman-lvm/device_remove_lvm boolean true
d-i partman-md/device_remove_md boolean true
d-i partman-lvm/confirm boolean true
d-i partman-lvm/confirm_nooverwrite boolean true
d-i partman-auto/choose_recipe select atomic
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
d-i grub-installer/bootdev string default
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
