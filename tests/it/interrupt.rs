//! Ctrl-C during `hybridc build`: the terminal sends SIGINT to the whole foreground process
//! group, Packer cleans up and ends, and hybridc, which must not die first (it holds the pipes
//! Packer writes to), reports the build and exits with its own status.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{command, example_copy};

/// A `packer` that passes `version` and `init`, and on `build` writes `building` into the
/// folder it is given and waits for SIGINT, which it answers by writing `interrupted` and
/// ending with exit code 1, as Packer does after cleaning up.
const FAKE_PACKER: &str = r#"#!/bin/sh
if [ "$1" = version ]; then echo "Packer v1.11.2"; exit 0; fi
if [ "$1" = init ]; then exit 0; fi
dir=
for dir; do :; done
trap 'echo interrupted > "$dir/interrupted"; exit 1' INT
echo building > "$dir/building"
i=0
while [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
exit 0
"#;

/// The fake `packer` in `bin`, and an `ansible-playbook` that the preflight finds there (the
/// build's Ansible steps never run).
fn write_fakes(bin: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(bin).expect("a folder for the fakes");
    for (name, script) in [
        ("packer", FAKE_PACKER),
        ("ansible-playbook", "#!/bin/sh\nexit 0\n"),
    ] {
        let path = bin.join(name);
        std::fs::write(&path, script).expect("write a fake");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make a fake executable");
    }
}

/// Waits up to 30 seconds for `path` to exist.
fn appears(path: &Path) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn ctrl_c_reaches_packer_and_build_still_reports() {
    let dir = example_copy(
        "interrupt",
        &[
            "spec",
            "generated",
            "installers",
            "scripts",
            "ansible",
            "schema",
        ],
    );
    let bin = dir.join("fake-bin");
    write_fakes(&bin);
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("a PATH");
    let mut build = command();
    build
        .args([
            "build",
            "--env",
            "dev",
            "--os",
            "debian-12",
            "--platform",
            "proxmox",
            "--build-version",
            "1",
        ])
        .current_dir(&dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        // Its own process group, as a shell gives a foreground job, so the signal below
        // reaches hybridc and its packer as Ctrl-C does and not the test harness.
        .process_group(0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for name in [
        "BUILD_PASSWORD",
        "BUILD_PASSWORD_HASH",
        "PROXMOX_TOKEN",
        "VSPHERE_PASSWORD",
        "ARM_CLIENT_ID",
        "ARM_CLIENT_SECRET",
        "ARM_SUBSCRIPTION_ID",
        "ARM_TENANT_ID",
    ] {
        build.env(name, "secret");
    }
    let child = build.spawn().expect("hybridc starts");
    let generated = dir.join("generated");
    if !appears(&generated.join("building")) {
        let out = child.wait_with_output().expect("hybridc ends");
        panic!(
            "the fake packer never started building: {:?}\n{}{}",
            out.status,
            crate::support::text(&out.stdout),
            crate::support::text(&out.stderr)
        );
    }
    let group = libc::pid_t::try_from(child.id()).expect("a pid fits");
    // SAFETY: sends a signal to the process group the test made for the child above.
    let sent = unsafe { libc::kill(-group, libc::SIGINT) };
    assert_eq!(sent, 0, "SIGINT sent to the build's process group");
    let out = child.wait_with_output().expect("hybridc ends");
    let stderr = crate::support::text(&out.stderr);
    assert_eq!(out.status.signal(), None, "hybridc was killed: {stderr}");
    assert_eq!(out.status.code(), Some(1), "the build failed: {stderr}");
    assert!(
        generated.join("interrupted").exists(),
        "packer got the signal"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
