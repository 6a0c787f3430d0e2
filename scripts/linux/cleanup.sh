#!/bin/sh
# Prepares a Linux image to be cloned: run it as root as the last provisioning step.
#   - cloud-init: reset its state (cloud-init clean --logs) and drop the Ubuntu installer's leftovers
#     (they pin the "None" datasource and disable cloud-init networking, so clones would ignore the
#     platform's cloud-init data); harmless where they do not exist
#   - SSH host keys removed (each clone gets its own; on Debian and Ubuntu a small unit recreates
#     missing keys at boot, Red Hat family systems have sshd-keygen for that)
#   - /etc/machine-id truncated (systemd generates a new one at the next boot)
#   - package caches cleaned, DHCP leases removed
#   - logs truncated, journal vacuumed
#   - shell history of root and of the users under /home removed
# Idempotent.
set -eu

if [ "$(id -u)" -ne 0 ]; then
    echo "cleanup.sh: must run as root" >&2
    exit 1
fi

say() {
    echo "cleanup.sh: $*"
}

# --- cloud-init --------------------------------------------------------------------------------
if [ -d /etc/cloud/cloud.cfg.d ]; then
    for leftover in \
        /etc/cloud/cloud.cfg.d/99-installer.cfg \
        /etc/cloud/cloud.cfg.d/90-installer-network.cfg \
        /etc/cloud/cloud.cfg.d/subiquity-disable-cloudinit-networking.cfg \
        /etc/cloud/cloud.cfg.d/00-subiquity-disable-cloudinit-networking.cfg \
        /etc/cloud/ds-identify.cfg; do
        if [ -e "$leftover" ]; then
            say "removing installer leftover $leftover"
            rm -f "$leftover"
        fi
    done
fi
if command -v cloud-init >/dev/null 2>&1; then
    say "resetting cloud-init"
    cloud-init clean --logs
fi

# --- package caches ------------------------------------------------------------------------------
if command -v apt-get >/dev/null 2>&1; then
    say "cleaning the apt caches"
    export DEBIAN_FRONTEND=noninteractive
    # needrestart (Ubuntu) would ask which services to restart: only list them.
    export NEEDRESTART_MODE=l
    apt-get -o DPkg::Lock::Timeout=600 -y autoremove --purge
    apt-get -o DPkg::Lock::Timeout=600 clean
    rm -rf /var/lib/apt/lists/*
fi
if command -v dnf >/dev/null 2>&1; then
    say "cleaning the dnf caches"
    dnf -y autoremove
    dnf clean all
    rm -rf /var/cache/dnf/*
elif command -v yum >/dev/null 2>&1; then
    say "cleaning the yum caches"
    yum clean all
    rm -rf /var/cache/yum/*
fi

# --- SSH host keys -------------------------------------------------------------------------------
if command -v dpkg >/dev/null 2>&1 && command -v systemctl >/dev/null 2>&1 && [ -d /etc/ssh ]; then
    unit=/etc/systemd/system/regenerate-ssh-host-keys.service
    if [ ! -f "$unit" ]; then
        say "installing $unit (recreates missing SSH host keys at boot)"
        cat >"$unit" <<'EOF'
[Unit]
Description=Generate missing SSH host keys
Before=ssh.service sshd.service
ConditionPathExists=/usr/bin/ssh-keygen

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
EOF
        chmod 0644 "$unit"
    fi
    systemctl enable regenerate-ssh-host-keys.service >/dev/null 2>&1
fi
say "removing the SSH host keys"
rm -f /etc/ssh/ssh_host_*

# --- machine identity ----------------------------------------------------------------------------
say "truncating /etc/machine-id"
if [ -e /etc/machine-id ]; then
    truncate -s 0 /etc/machine-id
fi
if [ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ]; then
    rm -f /var/lib/dbus/machine-id
    ln -s /etc/machine-id /var/lib/dbus/machine-id
fi
rm -f /var/lib/systemd/random-seed

say "removing DHCP leases"
rm -f /var/lib/dhcp/*.leases /var/lib/dhclient/*.lease* /var/lib/NetworkManager/*.lease

# --- logs ----------------------------------------------------------------------------------------
say "truncating the logs"
if [ -d /var/log ]; then
    find /var/log -path /var/log/journal -prune -o -type f \
        \( -name '*.gz' -o -name '*.xz' -o -name '*.[0-9]' -o -name '*.old' -o -name '*-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' \) \
        -exec rm -f {} +
    find /var/log -path /var/log/journal -prune -o -type f -exec truncate -s 0 {} +
fi
if command -v journalctl >/dev/null 2>&1; then
    journalctl --rotate >/dev/null 2>&1 || true
    journalctl --vacuum-time=1s >/dev/null 2>&1 || true
fi
rm -rf /var/tmp/*

# --- shell history -------------------------------------------------------------------------------
say "removing shell history"
for home in /root /home/*; do
    [ -d "$home" ] || continue
    rm -f "$home/.bash_history" "$home/.zsh_history" "$home/.sh_history" "$home/.history" \
        "$home/.python_history" "$home/.lesshst" "$home/.viminfo" "$home/.wget-hsts"
done

sync
say "done"
