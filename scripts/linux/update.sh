#!/bin/sh
# Full system update for the apt (Debian, Ubuntu) and dnf/yum (Rocky, RHEL) families.
# Runs as root (Packer's shell provisioner with sudo). Idempotent: a second run finds nothing to do.
set -eu

if [ "$(id -u)" -ne 0 ]; then
    echo "update.sh: must run as root" >&2
    exit 1
fi

# On first boot cloud-init may still be configuring the system (and using apt or dnf): wait for it,
# at most 10 minutes (it never finishes where it is installed but not started).
if command -v cloud-init >/dev/null 2>&1; then
    echo "update.sh: waiting for cloud-init to finish"
    timeout 600 cloud-init status --wait >/dev/null 2>&1 || true
fi

if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    # needrestart (Ubuntu) would ask which services to restart: only list them.
    export NEEDRESTART_MODE=l
    # Wait for the dpkg lock (unattended-upgrades may hold it right after boot) instead of failing.
    apt_opts="-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
    # shellcheck disable=SC2086 # apt_opts is a list of options
    apt-get $apt_opts update
    # shellcheck disable=SC2086
    apt-get $apt_opts -y dist-upgrade
    # shellcheck disable=SC2086
    apt-get $apt_opts -y autoremove --purge
elif command -v dnf >/dev/null 2>&1; then
    dnf -y upgrade --refresh
    dnf -y autoremove
elif command -v yum >/dev/null 2>&1; then
    yum -y update
else
    echo "update.sh: no supported package manager (apt-get, dnf, yum) found" >&2
    exit 1
fi

if [ -f /var/run/reboot-required ]; then
    echo "update.sh: the updates ask for a reboot (/var/run/reboot-required)"
elif command -v needs-restarting >/dev/null 2>&1 && ! needs-restarting -r >/dev/null 2>&1; then
    echo "update.sh: the updates ask for a reboot (needs-restarting -r)"
fi
echo "update.sh: system is up to date"
