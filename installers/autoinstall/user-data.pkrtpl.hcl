#cloud-config
# ${release.name}: subiquity autoinstall, shared by every Ubuntu Server release (20.04, 22.04,
# 24.04); each rendering is checked against subiquity's autoinstall schema.
# Rendered by Packer templatefile() and served as NoCloud user-data (HTTP or a CD labelled "cidata").
# Template variables: build_username, build_password_hash, build_ssh_pubkey ("" for none),
# hostname, language, keyboard, timezone,
# network = { dhcp, address, gateway, dns }, platform (proxmox | vsphere), cloud_init (Ubuntu
# Server always has cloud-init), release = { name, distribution, version, repositories, drivers }
# from hybridc's OS catalogue, machine = { system_disk, data_disks, partitioning (lvm | hardened),
# partitions, volumes } (the system disk and its layout).
autoinstall:
  version: 1
  # The live installer starts its own SSH server with a random password. Stop it so that Packer does
  # not use up its SSH handshake attempts on the installer instead of the installed system.
  early-commands:
    - systemctl stop ssh.socket ssh.service || true
    # The build's network is the VM's first adapter: the Ethernet interface with the lowest
    # interface index (adapters are probed in slot order). Its name replaces the placeholder in
    # `network` below: the installer re-reads /autoinstall.yaml after these commands (subiquity's
    # autoinstall reference, early-commands).
    - |
      first=$(for d in /sys/class/net/e*; do printf '%s %s\n' "$(cat "$d/ifindex")" "$(basename "$d")"; done | sort -n | head -n 1 | cut -d ' ' -f 2)
      sed -i "s/hybridc-first-[a]dapter/$first/" /autoinstall.yaml
  refresh-installer:
    update: false
  locale: ${language}.UTF-8
  keyboard:
    layout: ${keyboard}
  timezone: ${timezone}
  # The first adapter gets the build's address; every other one is up with an IPv6 link-local
  # address only, so Packer finds the first adapter's IPv4 address on every platform. systemd-networkd
  # applies the first file in lexical order that matches an interface (systemd.network(5)), and
  # netplan writes `10-netplan-first.network` before `10-netplan-others.network`.
  network:
    version: 2
    ethernets:
      first:
        match:
          name: hybridc-first-adapter
%{ if network.dhcp }
        dhcp4: true
        dhcp6: false
%{ else }
        dhcp4: false
        dhcp6: false
        addresses:
          - ${network.address}
%{ if network.gateway != "" }
        routes:
          - to: default
            via: ${network.gateway}
%{ endif }
%{ if length(network.dns) > 0 }
        nameservers:
          addresses: ${jsonencode(network.dns)}
%{ endif }
%{ endif }
      others:
        match:
          name: "e*"
        dhcp4: false
        dhcp6: false
        link-local: [ipv6]
        optional: true
  # Storage: the system disk alone; the data disks are left as they are.
  storage:
%{ if machine.partitioning == "lvm" ~}
    layout:
      name: lvm
      sizing-policy: all
      match:
        path: ${machine.system_disk}
%{ else ~}
    # The ${machine.partitioning} layout as curtin actions: the firmware's partitions and /boot,
    # then a logical volume for each file system the CIS benchmarks want separate (/ last, as it
    # takes the rest), then each file system formatted and mounted, a parent before its children.
    config:
      - { type: disk, id: disk-system, path: ${machine.system_disk}, ptable: gpt, wipe: superblock-recursive, preserve: false%{ if contains([for p in machine.partitions : p.kind], "biosboot") }, grub_device: true%{ endif } }
%{ for i, p in machine.partitions ~}
%{ if p.kind == "biosboot" ~}
      - { type: partition, id: part-${p.kind}, device: disk-system, number: ${i + 1}, size: ${p.size_mb}M, flag: bios_grub, preserve: false }
%{ endif ~}
%{ if p.kind == "efi" ~}
      - { type: partition, id: part-${p.kind}, device: disk-system, number: ${i + 1}, size: ${p.size_mb}M, flag: boot, grub_device: true, preserve: false }
      - { type: format, id: format-${p.kind}, volume: part-${p.kind}, fstype: fat32, preserve: false }
%{ endif ~}
%{ if p.kind == "boot" ~}
      - { type: partition, id: part-${p.kind}, device: disk-system, number: ${i + 1}, size: ${p.size_mb}M, preserve: false }
      - { type: format, id: format-${p.kind}, volume: part-${p.kind}, fstype: ext4, preserve: false }
%{ endif ~}
%{ endfor ~}
      - { type: partition, id: part-pv, device: disk-system, number: ${length(machine.partitions) + 1}, size: -1, preserve: false }
      - { type: lvm_volgroup, id: vg-system, name: vg_system, devices: [part-pv], preserve: false }
%{ for v in machine.volumes ~}
%{ if v.mount != "/" ~}
      - { type: lvm_partition, id: lv-${v.name}, volgroup: vg-system, name: ${v.name}, size: ${v.size_mb}M, preserve: false }
%{ endif ~}
%{ endfor ~}
%{ for v in machine.volumes ~}
%{ if v.mount == "/" ~}
      - { type: lvm_partition, id: lv-${v.name}, volgroup: vg-system, name: ${v.name}, preserve: false }
%{ endif ~}
%{ endfor ~}
%{ for v in machine.volumes ~}
      - { type: format, id: format-${v.name}, volume: lv-${v.name}, fstype: ${v.mount == "swap" ? "swap" : "ext4"}, preserve: false }
%{ endfor ~}
%{ for v in machine.volumes ~}
%{ if v.mount == "/" ~}
      - { type: mount, id: mount-${v.name}, device: format-${v.name}, path: / }
%{ endif ~}
%{ endfor ~}
%{ for p in machine.partitions ~}
%{ if p.kind != "biosboot" ~}
      - { type: mount, id: mount-${p.kind}, device: format-${p.kind}, path: ${p.mount} }
%{ endif ~}
%{ endfor ~}
%{ for v in machine.volumes ~}
%{ if v.mount != "/" ~}
      - { type: mount, id: mount-${v.name}, device: format-${v.name}, path: ${v.mount == "swap" ? "none" : v.mount}%{ if v.options != "" }, options: "${v.options}"%{ endif } }
%{ endif ~}
%{ endfor ~}
    # No swap file: the layout has its swap volume.
    swap:
      size: 0
%{ endif ~}
  identity:
    realname: ${build_username}
    hostname: ${hostname}
    username: ${build_username}
    password: "${build_password_hash}"
  ssh:
    install-server: true
    allow-pw: true
%{ if build_ssh_pubkey != "" ~}
    authorized-keys:
      - "${build_ssh_pubkey}"
%{ endif ~}
  packages:
    - openssh-server
    - sudo
    # The platform's guest agent reports the VM's address, which Packer needs to connect.
%{ if platform == "proxmox" ~}
    - qemu-guest-agent
%{ endif ~}
%{ if platform == "vsphere" ~}
    - open-vm-tools
%{ endif ~}
  updates: security
  late-commands:
    # Passwordless sudo for the build user (Packer runs its provisioners with sudo).
    - echo '${build_username} ALL=(ALL) NOPASSWD:ALL' > /target/etc/sudoers.d/${build_username}
    - chmod 0440 /target/etc/sudoers.d/${build_username}
    - curtin in-target --target=/target -- visudo -cf /etc/sudoers.d/${build_username}
    # Subiquity copies the kernel arguments given after "---" into the installed system. Drop the
    # installer's "autoinstall" and "ds=..." arguments so that the installed system's cloud-init does
    # not go back to the installer seed (which would reapply it or hang once the seed is gone).
    - |
      sed -i -E \
        -e '/^GRUB_CMDLINE_LINUX_DEFAULT=/ s/(^|[ "'"'"'])ds=("[^"]*"|[^"'"'"' ]*)/\1/g' \
        -e '/^GRUB_CMDLINE_LINUX_DEFAULT=/ s/(^|[ "'"'"'])autoinstall([ "'"'"']|$)/\1\2/g' \
        /target/etc/default/grub
    - curtin in-target --target=/target -- update-grub
  shutdown: reboot
