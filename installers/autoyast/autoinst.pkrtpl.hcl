<?xml version="1.0"?>
<!DOCTYPE profile>
<!--
  AutoYaST profile of every SUSE release (SLES 15, openSUSE Leap 15), rendered by Packer
  templatefile(). Template variables: build_username, build_password_hash, build_ssh_pubkey ("" for
  none: its public key goes in authorized_keys), hostname, language,
  keyboard, timezone, network = { dhcp, address, gateway, dns }, platform (proxmox | vsphere),
  cloud_init (install cloud-init, for clones that get a Proxmox cloud-init drive), release =
  { name, distribution, version, repositories = [{ name, url }], drivers, arch (x86_64 or
  aarch64) } from hybridc's OS catalogue, machine = { system_disk, data_disks, partitioning
  (lvm | hardened), partitions, volumes } (the system disk and its layout), inputs = the OS's
  installer_inputs.

  SLES registers with the SUSE Customer Center when inputs.registration_code is set (and
  inputs.registration_email, if given); otherwise it installs its modules from the Full
  installation medium, which needs no registration. The installer's network (DHCP, or linuxrc's
  ifcfg= on the boot line for a static address) is kept in the installed system.
-->
<profile xmlns="http://www.suse.com/1.0/yast2ns" xmlns:config="http://www.suse.com/1.0/configns">
  <general>
    <mode>
      <confirm config:type="boolean">false</confirm>
      <final_reboot config:type="boolean">true</final_reboot>
    </mode>
  </general>
%{ if release.distribution == "sles" ~}
%{ if lookup(inputs, "registration_code", "") != "" ~}
  <suse_register>
    <do_registration config:type="boolean">true</do_registration>
    <reg_code>${replace(replace(replace(lookup(inputs, "registration_code", ""), "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</reg_code>
%{ if lookup(inputs, "registration_email", "") != "" ~}
    <email>${replace(replace(replace(lookup(inputs, "registration_email", ""), "&", "&amp;"), "<", "&lt;"), ">", "&gt;")}</email>
%{ endif ~}
    <install_updates config:type="boolean">true</install_updates>
    <addons config:type="list">
%{ for module in compact(["sle-module-basesystem", "sle-module-server-applications", cloud_init ? "sle-module-public-cloud" : ""]) ~}
      <addon>
        <name>${module}</name>
        <version>${release.version}</version>
        <arch>${release.arch}</arch>
      </addon>
%{ endfor ~}
    </addons>
  </suse_register>
%{ else ~}
  <!-- No registration code: the modules come from the Full installation medium. -->
  <add-on>
    <add_on_products config:type="list">
%{ for module in compact(["Basesystem", "Server-Applications", cloud_init ? "Public-Cloud" : ""]) ~}
      <listentry>
        <media_url>relurl://</media_url>
        <product>sle-module-${lower(module)}</product>
        <product_dir>/Module-${module}</product_dir>
      </listentry>
%{ endfor ~}
    </add_on_products>
  </add-on>
%{ endif ~}
%{ endif ~}
  <language>
    <language>${language}</language>
  </language>
  <timezone>
    <hwclock>UTC</hwclock>
    <timezone>${timezone}</timezone>
  </timezone>
  <networking>
    <keep_install_network config:type="boolean">true</keep_install_network>
    <dns>
      <hostname>${hostname}</hostname>
      <dhcp_hostname config:type="boolean">false</dhcp_hostname>
    </dns>
  </networking>
  <!-- Storage: the system disk alone, wiped; the data disks are left as they are. -->
  <partitioning config:type="list">
%{ if machine.partitioning == "lvm" ~}
    <!-- The layout AutoYaST proposes for the firmware. -->
    <drive>
      <device>${machine.system_disk}</device>
      <initialize config:type="boolean">true</initialize>
      <use>all</use>
    </drive>
%{ else ~}
    <!-- The ${machine.partitioning} layout: the firmware's partitions and /boot, then a logical
         volume for each file system the CIS benchmarks want separate, with their mount options;
         /, last, takes the rest. -->
    <drive>
      <device>${machine.system_disk}</device>
      <initialize config:type="boolean">true</initialize>
      <disklabel>gpt</disklabel>
      <use>all</use>
      <partitions config:type="list">
%{ for p in machine.partitions ~}
        <partition>
%{ if p.kind == "efi" ~}
          <mount>${p.mount}</mount>
          <filesystem config:type="symbol">vfat</filesystem>
          <partition_id config:type="integer">259</partition_id>
%{ endif ~}
%{ if p.kind == "biosboot" ~}
          <partition_id config:type="integer">263</partition_id>
%{ endif ~}
%{ if p.kind == "boot" ~}
          <mount>${p.mount}</mount>
          <filesystem config:type="symbol">xfs</filesystem>
%{ endif ~}
          <size>${p.size_mb}M</size>
        </partition>
%{ endfor ~}
        <partition>
          <lvm_group>vg_system</lvm_group>
          <partition_id config:type="integer">142</partition_id>
          <size>max</size>
        </partition>
      </partitions>
    </drive>
    <drive>
      <device>/dev/vg_system</device>
      <type config:type="symbol">CT_LVM</type>
      <use>all</use>
      <partitions config:type="list">
%{ for v in concat([for v in machine.volumes : v if v.mount != "/"], [for v in machine.volumes : v if v.mount == "/"]) ~}
        <partition>
          <lv_name>${v.name}</lv_name>
          <mount>${v.mount}</mount>
          <filesystem config:type="symbol">${v.mount == "swap" ? "swap" : "xfs"}</filesystem>
          <size>${v.mount == "/" ? "max" : "${v.size_mb}M"}</size>
%{ if v.options != "" ~}
          <fstopt>${v.options}</fstopt>
%{ endif ~}
        </partition>
%{ endfor ~}
      </partitions>
    </drive>
%{ endif ~}
  </partitioning>
  <software>
    <install_recommended config:type="boolean">false</install_recommended>
    <products config:type="list">
      <product>${release.distribution == "sles" ? "SLES" : "Leap"}</product>
    </products>
    <patterns config:type="list">
      <pattern>base</pattern>
      <pattern>minimal_base</pattern>
    </patterns>
    <packages config:type="list">
      <package>openssh</package>
      <package>sudo</package>
      <package>chrony</package>
%{ if platform == "proxmox" ~}
      <package>qemu-guest-agent</package>
%{ endif ~}
%{ if platform == "vsphere" ~}
      <package>open-vm-tools</package>
      <!-- vSphere guest customisation of Linux runs its scripts with Perl. -->
      <package>perl</package>
%{ endif ~}
%{ if cloud_init ~}
      <package>cloud-init</package>
%{ endif ~}
    </packages>
  </software>
  <services-manager>
    <default_target>multi-user</default_target>
    <services>
      <enable config:type="list">
        <service>sshd</service>
        <service>chronyd</service>
%{ if platform == "vsphere" ~}
        <service>vmtoolsd</service>
%{ endif ~}
%{ if cloud_init ~}
        <service>cloud-init-local</service>
        <service>cloud-init</service>
        <service>cloud-config</service>
        <service>cloud-final</service>
%{ endif ~}
      </enable>
    </services>
  </services-manager>
  <firewall>
    <enable_firewall config:type="boolean">true</enable_firewall>
    <start_firewall config:type="boolean">true</start_firewall>
    <zones config:type="list">
      <zone>
        <name>public</name>
        <services config:type="list">
          <service>ssh</service>
        </services>
      </zone>
    </zones>
  </firewall>
  <!-- No root password: root cannot log in; the build user administers the system through sudo. -->
  <users config:type="list">
    <user>
      <username>${build_username}</username>
      <encrypted config:type="boolean">true</encrypted>
      <user_password>${build_password_hash}</user_password>
      <home>/home/${build_username}</home>
      <shell>/bin/bash</shell>
%{ if build_ssh_pubkey != "" ~}
      <authorized_keys config:type="list">
        <listentry>${build_ssh_pubkey}</listentry>
      </authorized_keys>
%{ endif ~}
    </user>
  </users>
  <scripts>
    <chroot-scripts config:type="list">
      <script>
        <filename>sudoers.sh</filename>
        <chrooted config:type="boolean">true</chrooted>
        <interpreter>shell</interpreter>
        <source><![CDATA[
set -eu
# The console keymap by its kbd name: AutoYaST's <keymap> takes YaST's own names instead.
printf 'KEYMAP=%s\n' '${keyboard}' > /etc/vconsole.conf
# Passwordless sudo for the build user (Packer runs its provisioners with sudo).
printf '%s ALL=(ALL) NOPASSWD:ALL\n' '${build_username}' > /etc/sudoers.d/${build_username}
chmod 0440 /etc/sudoers.d/${build_username}
visudo -cf /etc/sudoers.d/${build_username}
]]></source>
      </script>
    </chroot-scripts>
  </scripts>
</profile>
