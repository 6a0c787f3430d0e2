#!/bin/sh
# Installs and enables the guest agent of the platform named by HYBRIDC_PLATFORM:
#   proxmox -> qemu-guest-agent
#   vsphere -> open-vm-tools
#   azure   -> the Azure Linux agent (walinuxagent on Ubuntu, waagent on Debian, WALinuxAgent on
#              dnf/yum systems).
#              Azure Marketplace images already have it; then the script only makes sure it is enabled.
# Runs as root. Idempotent.
set -eu

platform="${HYBRIDC_PLATFORM:-}"

if [ "$(id -u)" -ne 0 ]; then
    echo "guest-agent.sh: must run as root" >&2
    exit 1
fi

if command -v apt-get >/dev/null 2>&1; then
    family=apt
elif command -v dnf >/dev/null 2>&1; then
    family=dnf
elif command -v yum >/dev/null 2>&1; then
    family=yum
else
    echo "guest-agent.sh: no supported package manager (apt-get, dnf, yum) found" >&2
    exit 1
fi

case "$platform" in
    proxmox)
        package=qemu-guest-agent
        service=qemu-guest-agent
        ;;
    vsphere)
        package=open-vm-tools
        if [ "$family" = apt ]; then service=open-vm-tools; else service=vmtoolsd; fi
        ;;
    azure)
        if [ "$family" = apt ]; then
            # Ubuntu packages the agent as walinuxagent, Debian as waagent; both name the unit walinuxagent.
            os_id="$(sed -n 's/^ID=//p' /etc/os-release 2>/dev/null | tr -d '"')"
            if [ "$os_id" = debian ]; then package=waagent; else package=walinuxagent; fi
            service=walinuxagent
        else
            package=WALinuxAgent
            service=waagent
        fi
        ;;
    *)
        echo "guest-agent.sh: set HYBRIDC_PLATFORM to proxmox, vsphere or azure (got '$platform')" >&2
        exit 1
        ;;
esac

is_installed() {
    case "$family" in
        apt) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' ;;
        *) rpm -q "$1" >/dev/null 2>&1 ;;
    esac
}

if is_installed "$package"; then
    echo "guest-agent.sh: $package is already installed"
else
    echo "guest-agent.sh: installing $package"
    case "$family" in
        apt)
            export DEBIAN_FRONTEND=noninteractive
            # needrestart (Ubuntu) would ask which services to restart: only list them.
            export NEEDRESTART_MODE=l
            apt-get -o DPkg::Lock::Timeout=600 update
            apt-get -o DPkg::Lock::Timeout=600 -y install "$package"
            ;;
        dnf) dnf -y install "$package" ;;
        yum) yum -y install "$package" ;;
    esac
fi

# Some units (qemu-guest-agent on Debian and Ubuntu) are "static": started by udev when the
# virtio-serial port appears, and cannot be enabled.
state="$(systemctl is-enabled "$service" 2>/dev/null || true)"
case "$state" in
    enabled | static | indirect | generated | alias) ;;
    *) systemctl enable "$service" ;;
esac

if systemctl start "$service"; then
    echo "guest-agent.sh: $service is running"
else
    # For example the QEMU agent cannot start without its virtio-serial port (Proxmox VM option
    # "QEMU Guest Agent"), and nothing starts inside a chroot. The unit is enabled for the next boot.
    echo "guest-agent.sh: $service is installed and enabled but could not be started now" >&2
fi
