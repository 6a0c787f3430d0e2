//! Whole-process timings of the release binary (`cargo bench`): the numbers users feel.
//!
//! Runs each command many times and prints the median and 90th percentile wall time, and the
//! peak memory of the child processes. Targets: `validate` of the example spec under 20 ms;
//! `compile` of a synthetic spec of 200 OSes x 3 platforms x 10 environments under 150 ms, with
//! the doubled spec costing at most 2.2 times as much; `check` of that spec under 200 ms, both
//! up to date and with one file changed; and `validate` of a spec with thousands of mistakes
//! costing no more than twice as much, plus a little, when the mistakes double (each diagnostic
//! costs the lines it shows, not the file before it).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn measure(label: &str, dir: &Path, args: &[&str], runs: usize) -> Duration {
    measure_exiting(label, dir, args, runs, 0..=1)
}

fn measure_exiting(
    label: &str,
    dir: &Path,
    args: &[&str],
    runs: usize,
    codes: std::ops::RangeInclusive<i32>,
) -> Duration {
    let bin = env!("CARGO_BIN_EXE_hybridc");
    // Warm the page cache and check the command works at all.
    let first = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs");
    assert!(
        first.status.code().is_some_and(|c| codes.contains(&c)),
        "`hybridc {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&first.stderr)
    );
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let _ = Command::new(bin)
                .args(args)
                .current_dir(dir)
                .output()
                .expect("runs");
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[runs / 2];
    let p90 = times[runs * 9 / 10];
    println!(
        "{label:<52} median {:>7.2} ms   p90 {:>7.2} ms   ({runs} runs)",
        median.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3
    );
    median
}

/// Peak resident memory of any child process so far, in MiB.
fn peak_child_memory_mib() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    usage.ru_maxrss as f64 / 1024.0
}

const INSTALLERS: [(&str, &[&str]); 3] = [
    (
        "autoinstall",
        &["user-data.pkrtpl.hcl", "meta-data.pkrtpl.hcl"],
    ),
    ("kickstart", &["ks.pkrtpl.hcl"]),
    ("preseed", &["preseed.pkrtpl.hcl"]),
];

/// A repository with a synthetic spec of `oses` Linux OSes on all three platforms and
/// `environments` environments, each overriding a few settings.
fn synthetic(name: &str, oses: usize, environments: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hybridc-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    std::fs::create_dir_all(dir.join("scripts")).expect("scripts");
    std::fs::write(dir.join("scripts/update.sh"), "#!/bin/sh\nset -eu\n").expect("script");
    let mut spec = String::from(
        "version: 1\ndefaults:\n  build_user: { username: packer, password: { env: BUILD_PASSWORD }, password_hash: { env: BUILD_PASSWORD_HASH } }\n\
         platforms:\n  proxmox: { endpoint: https://pve:8006/api2/json, username: packer@pve!packer, token: { env: PROXMOX_TOKEN }, node: pve1, vm_storage_pool: local-lvm, options: { cpu_type: host } }\n\
         \x20 vsphere: { endpoint: vcenter, username: packer, password: { env: VSPHERE_PASSWORD }, datacenter: dc1, cluster: c1, datastore: ds1, network: net1 }\n\
         \x20 azure: { client_id: { env: ARM_CLIENT_ID }, client_secret: { env: ARM_CLIENT_SECRET }, tenant_id: { env: ARM_TENANT_ID }, subscription_id: { env: ARM_SUBSCRIPTION_ID }, location: westeurope, output: { managed_image: { resource_group: rg } } }\n\
         provisioning:\n  base:\n    - shell: { scripts: [scripts/update.sh] }\n    - shell: { inline: [\"echo done\"], only: [azure] }\noses:\n",
    );
    for i in 0..oses {
        let (installer, templates) = INSTALLERS[i % INSTALLERS.len()];
        let os = format!("os-{i:04}");
        let _ = write!(
            spec,
            "  {os}:\n    family: linux\n    installer: {installer}\n    iso: {{ url: https://example.com/{os}.iso, checksum: \"sha256:{:064x}\" }}\n    azure_image: {{ publisher: Canonical, offer: ubuntu-24_04-lts, sku: server }}\n    platforms: [proxmox, vsphere, azure]\n    hardware: {{ cpus: {} }}\n    vsphere: {{ guest_os_type: ubuntu64Guest }}\n    provisioning: [base]\n",
            i,
            2 + i % 4
        );
        std::fs::create_dir_all(dir.join("builds").join(&os)).expect("builds");
        for template in templates {
            std::fs::write(dir.join("builds").join(&os).join(template), "# template\n")
                .expect("template");
        }
    }
    spec.push_str("environments:\n");
    for e in 0..environments {
        let _ = writeln!(
            spec,
            "  env-{e:02}: {{ platforms: {{ proxmox: {{ node: pve{e} }}, vsphere: {{ datacenter: dc{e}, folder: f{e} }}, azure: {{ location: region{e} }} }} }}"
        );
    }
    std::fs::write(dir.join("spec/hybrid.yaml"), spec).expect("spec");
    dir
}

/// A repository whose spec has `mistakes` unknown platforms, one per line, in one OS's list.
/// (Mistakes spread over as many OSes would measure the schema stage too, which looks each OS
/// up by name among all of them.)
fn mistaken(name: &str, mistakes: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hybridc-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    let mut spec = String::from(
        "version: 1\nplatforms:\n  azure: { client_id: { env: ARM_CLIENT_ID }, client_secret: { env: ARM_CLIENT_SECRET }, tenant_id: { env: ARM_TENANT_ID }, subscription_id: { env: ARM_SUBSCRIPTION_ID }, location: westeurope, output: { managed_image: { resource_group: rg } } }\n\
         oses:\n  os-1:\n    family: linux\n    azure_image: { publisher: Canonical, offer: ubuntu-24_04-lts, sku: server }\n    platforms:\n",
    );
    for i in 0..mistakes {
        let _ = writeln!(spec, "      - azur{i}");
    }
    std::fs::write(dir.join("spec/hybrid.yaml"), spec).expect("spec");
    dir
}

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let validate = measure(
        "validate spec/ (example)",
        repo,
        &["validate", "spec/"],
        101,
    );
    let large = synthetic("large", 200, 10);
    let compile = measure(
        "compile (200 OSes x 3 platforms x 10 envs)",
        &large,
        &["compile", "spec/"],
        31,
    );
    let up_to_date = measure(
        "check, up to date (200 OSes)",
        &large,
        &["check", "spec/"],
        31,
    );
    let file = large.join("generated/proxmox.pkr.hcl");
    let text = std::fs::read_to_string(&file).expect("compiled");
    std::fs::write(&file, text.replacen("cores", "sockets_", 1)).expect("edit");
    let drifted = measure(
        "check, one file changed (200 OSes)",
        &large,
        &["check", "spec/"],
        31,
    );
    let double = synthetic("double", 400, 10);
    let doubled = measure(
        "compile (400 OSes x 3 platforms x 10 envs)",
        &double,
        &["compile", "spec/"],
        31,
    );
    let some = mistaken("mistakes", 2_000);
    let rendered = measure_exiting(
        "validate, 2,000 mistakes",
        &some,
        &["validate", "spec/"],
        11,
        2..=2,
    );
    let more = mistaken("more-mistakes", 4_000);
    let rendered_more = measure_exiting(
        "validate, 4,000 mistakes",
        &more,
        &["validate", "spec/"],
        11,
        2..=2,
    );
    println!(
        "peak memory of a child process: {:.1} MiB",
        peak_child_memory_mib()
    );
    let ratio = doubled.as_secs_f64() / compile.as_secs_f64();
    println!("doubling the spec costs {ratio:.2}x the time");
    for (what, took, limit) in [
        ("validate", validate, Duration::from_millis(20)),
        ("compile", compile, Duration::from_millis(150)),
        ("check (up to date)", up_to_date, Duration::from_millis(200)),
        ("check (drift)", drifted, Duration::from_millis(200)),
    ] {
        if took > limit {
            println!("  {what} is over its {} ms target", limit.as_millis());
        }
    }
    if ratio > 2.2 {
        println!("  doubling costs more than 2.2x");
    }
    let render_ratio = rendered_more.as_secs_f64() / rendered.as_secs_f64();
    println!("doubling the mistakes costs {render_ratio:.2}x the time");
    if render_ratio > 2.2 {
        println!("  doubling the mistakes costs more than 2.2x");
    }
    let _ = std::fs::remove_dir_all(some);
    let _ = std::fs::remove_dir_all(more);
    let _ = std::fs::remove_dir_all(large);
    let _ = std::fs::remove_dir_all(double);
}
