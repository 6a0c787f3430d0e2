{
  "hostname": ${jsonencode(hostname)},
  "password": { "crypted": true, "text": "*" },
  "disk": ${jsonencode(machine.system_disk)},
%{ if machine.partitioning == "lvm" ~}
  "partitions": [
    { "mountpoint": "/", "size": 0, "filesystem": "ext4" },
    { "size": 1024, "filesystem": "swap" }
  ],
%{ else ~}
  "partitions": [
%{ for i, p in concat(
    [for p in machine.partitions : { "mountpoint": p.mount, "size": p.size_mb, "filesystem": "ext4" } if p.kind == "boot"],
    [for v in machine.volumes : merge(
      { "size": v.mount == "/" ? 0 : v.size_mb, "filesystem": v.mount == "swap" ? "swap" : "ext4", "lvm": { "vg_name": "vg_system", "lv_name": v.name } },
      v.mount == "swap" ? {} : { "mountpoint": v.mount },
      v.options == "" ? {} : { "fs_options": v.options },
    )],
  ) ~}
    ${jsonencode(p)}${i < length(machine.volumes) ? "," : ""}
%{ endfor ~}
  ],
%{ endif ~}
  "packages": ${jsonencode(compact([
    "minimal",
    "linux",
    "initramfs",
    "openssh-server",
    "sudo",
    "chrony",
    platform == "vsphere" ? "open-vm-tools" : "",
    cloud_init ? "cloud-init" : "",
  ]))},
  "linux_flavor": "linux",
%{ if network.dhcp ~}
  "network": { "type": "dhcp", "hostname": ${jsonencode(hostname)} },
%{ else ~}
  "network": {
    "type": "static",
    "ip_addr": ${jsonencode(split("/", network.address)[0])},
    "netmask": ${jsonencode(cidrnetmask(network.address))},
    "gateway": ${jsonencode(network.gateway)},
    "nameserver": ${jsonencode(length(network.dns) > 0 ? network.dns[0] : "")}
  },
%{ endif ~}
  "postinstall": ${jsonencode(compact([
    "#!/bin/sh",
    "set -eu",
    "useradd -m -s /bin/bash -p '${build_password_hash}' ${build_username}",
    "printf '%s ALL=(ALL) NOPASSWD:ALL\\n' '${build_username}' > /etc/sudoers.d/${build_username}",
    "chmod 0440 /etc/sudoers.d/${build_username}",
    "systemctl enable sshd",
    build_ssh_pubkey != "" ? "install -d -m 0700 /home/${build_username}/.ssh && printf '%s\\n' '${build_ssh_pubkey}' > /home/${build_username}/.ssh/authorized_keys && chmod 0600 /home/${build_username}/.ssh/authorized_keys && chown -R ${build_username}: /home/${build_username}/.ssh" : "",
  ]))}
}
