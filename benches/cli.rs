//! Whole-process timings of the release binary (`cargo bench`): the numbers users feel.
//!
//! Runs each command many times and prints the median and 90th percentile wall time, the
//! median CPU time (user and system, all threads: more than the wall time when a run uses both
//! cores), and the peak memory of that command's processes. Targets: `validate` of the example spec under
//! 20 ms; `compile` and `check` of a synthetic spec of 200 OSes x 3 platforms x 10 environments
//! at most 0.03 times what `packer fmt -check` takes on the same generated tree, measured in the
//! same run when `packer` is on the PATH (so the target moves with the machine), with a peak
//! memory under 25 MiB, and under 60 MiB at 800 OSes; doubling the spec costs at most 2.05 times
//! as much; and `validate` of a spec with thousands of mistakes costing no more than twice as
//! much, plus a little, when the mistakes double (each diagnostic costs the lines it shows, not
//! the file before it).

use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What one command costs: its median wall time and its peak memory.
#[derive(Clone, Copy)]
pub(crate) struct Cost {
    pub(crate) median: Duration,
    peak_mib: f64,
}

/// Runs `program args` in `dir` to the end, with the wall time it took, the CPU time it used
/// and its peak resident memory in KiB (from `wait4`, so of this child alone).
#[allow(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also reports its peak memory"
)]
fn run_once(
    program: &str,
    args: &[&str],
    dir: &Path,
) -> (ExitStatus, Duration, Duration, i64, Vec<u8>) {
    let start = Instant::now();
    let child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid fits");
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stderr {
        let _ = std::io::Read::read_to_end(&mut pipe, &mut stderr);
    }
    let mut status = 0;
    // SAFETY: wait4 only writes into the two values we pass; the child is ours and not yet
    // reaped (std never waits on a dropped `Child`).
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let reaped = libc::wait4(pid, &mut status, 0, &mut usage);
        assert_eq!(reaped, pid, "wait4 failed");
        usage
    };
    let took = start.elapsed();
    let cpu = [usage.ru_utime, usage.ru_stime]
        .iter()
        .map(|t| {
            Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
                + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
        })
        .sum();
    (
        ExitStatus::from_raw(status),
        took,
        cpu,
        usage.ru_maxrss,
        stderr,
    )
}

pub(crate) fn measure(label: &str, dir: &Path, args: &[&str], runs: usize) -> Cost {
    measure_exiting(label, dir, args, runs, 0..=1)
}

fn measure_exiting(
    label: &str,
    dir: &Path,
    args: &[&str],
    runs: usize,
    codes: std::ops::RangeInclusive<i32>,
) -> Cost {
    let bin = env!("CARGO_BIN_EXE_hybridc");
    measure_commands(label, dir, &[(bin, args)], runs, codes)
}

/// Times `commands` run one after the other, as one measurement.
fn measure_commands(
    label: &str,
    dir: &Path,
    commands: &[(&str, &[&str])],
    runs: usize,
    codes: std::ops::RangeInclusive<i32>,
) -> Cost {
    let once = || {
        let mut total = Duration::ZERO;
        let mut cpu = Duration::ZERO;
        let mut peak = 0;
        for (program, args) in commands {
            let (status, took, used, rss, stderr) = run_once(program, args, dir);
            assert!(
                status.code().is_some_and(|c| codes.contains(&c)),
                "`{program} {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&stderr)
            );
            total += took;
            cpu += used;
            peak = peak.max(rss);
        }
        (total, cpu, peak)
    };
    // Warm the page cache and check the commands work at all.
    let (_, _, mut peak) = once();
    let mut cpus = Vec::with_capacity(runs);
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let (took, cpu, rss) = once();
            peak = peak.max(rss);
            cpus.push(cpu);
            took
        })
        .collect();
    times.sort();
    cpus.sort();
    let median = times[runs / 2];
    let p90 = times[runs * 9 / 10];
    let peak_mib = peak as f64 / 1024.0;
    println!(
        "{label:<46} median {:>8.2} ms   p90 {:>8.2} ms   cpu {:>8.2} ms   peak {peak_mib:>5.1} MiB   ({runs} runs)",
        median.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3,
        cpus[runs / 2].as_secs_f64() * 1e3
    );
    Cost { median, peak_mib }
}

/// Whether `packer` can be run.
fn packer_available() -> bool {
    Command::new("packer")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
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
pub(crate) fn synthetic(name: &str, oses: usize, environments: usize) -> PathBuf {
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
    // A repository keeps its schema: without it `check` reports drift.
    std::fs::create_dir_all(dir.join("schema")).expect("schema folder");
    std::fs::write(
        dir.join(hybridc::check::SCHEMA_FILE),
        hybridc::schema::schema_text(),
    )
    .expect("schema");
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
    let mut targets: Vec<String> = Vec::new();
    if validate.median > Duration::from_millis(20) {
        targets.push("validate is over its 20 ms target".into());
    }

    // Each size: (OSes, compile, check up to date).
    let mut sizes: Vec<(usize, Cost, Cost)> = Vec::new();
    let mut trees = Vec::new();
    for (oses, runs) in [(200, 31), (400, 21), (800, 11)] {
        let dir = synthetic(&format!("oses-{oses}"), oses, 10);
        let compile = measure(
            &format!("compile ({oses} OSes x 3 platforms x 10 envs)"),
            &dir,
            &["compile", "spec/"],
            runs,
        );
        // Up to date means exit 0: anything else would measure a report of drift.
        let check = measure_exiting(
            &format!("check, up to date ({oses} OSes)"),
            &dir,
            &["check", "spec/"],
            runs,
            0..=0,
        );
        sizes.push((oses, compile, check));
        trees.push(dir);
    }
    let large = &trees[0];
    let packer = if packer_available() {
        // packer 1.6.6 has no -recursive: the variables files are a folder of their own.
        Some(measure_commands(
            "packer fmt -check (200 OSes, same tree)",
            large,
            &[
                ("packer", &["fmt", "-check", "generated"]),
                ("packer", &["fmt", "-check", "generated/env"]),
            ],
            11,
            0..=0,
        ))
    } else {
        println!("packer is not on the PATH: no comparison with `packer fmt -check`");
        None
    };
    let file = large.join("generated/proxmox.pkr.hcl");
    let text = std::fs::read_to_string(&file).expect("compiled");
    std::fs::write(&file, text.replacen("cores", "sockets_", 1)).expect("edit");
    let drifted = measure(
        "check, one file changed (200 OSes)",
        large,
        &["check", "spec/"],
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

    println!();
    if let Some(packer) = packer {
        let (_, compile, check) = sizes[0];
        let ms = packer.median.as_secs_f64() * 1e3;
        for (what, cost) in [
            ("check (up to date)", check),
            ("check (drift)", drifted),
            ("compile", compile),
        ] {
            let ratio = cost.median.as_secs_f64() / packer.median.as_secs_f64();
            println!(
                "{what} at 200 OSes takes {ratio:.3}x the time of `packer fmt -check` ({ms:.0} ms)"
            );
            if ratio > 0.03 {
                targets.push(format!("{what} takes more than 0.03x `packer fmt -check`"));
            }
        }
    }
    for pair in sizes.windows(2) {
        let [
            (small, small_compile, small_check),
            (big, big_compile, big_check),
        ] = pair
        else {
            continue;
        };
        for (what, before, after) in [
            ("compile", small_compile, big_compile),
            ("check", small_check, big_check),
        ] {
            let ratio = after.median.as_secs_f64() / before.median.as_secs_f64();
            println!("{what}: {small} -> {big} OSes costs {ratio:.2}x the time");
            if ratio > 2.05 {
                targets.push(format!(
                    "{what} from {small} to {big} OSes costs more than 2.05x"
                ));
            }
        }
    }
    for (oses, compile, check) in &sizes {
        let peak = compile.peak_mib.max(check.peak_mib);
        println!("peak memory at {oses} OSes: {peak:.1} MiB");
        let limit = match oses {
            200 => 25.0,
            800 => 60.0,
            _ => continue,
        };
        if peak > limit {
            targets.push(format!("peak memory at {oses} OSes is over {limit} MiB"));
        }
    }
    let render_ratio = rendered_more.median.as_secs_f64() / rendered.median.as_secs_f64();
    println!("doubling the mistakes costs {render_ratio:.2}x the time");
    if render_ratio > 2.2 {
        targets.push("doubling the mistakes costs more than 2.2x".into());
    }
    for missed in &targets {
        println!("  missed: {missed}");
    }
    let _ = std::fs::remove_dir_all(some);
    let _ = std::fs::remove_dir_all(more);
    for tree in trees {
        let _ = std::fs::remove_dir_all(tree);
    }
}
