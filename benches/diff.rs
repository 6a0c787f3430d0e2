//! Whole-process timing of `hybridc diff --base HEAD` with the release binary (`cargo bench
//! --bench diff`): the synthetic spec of 200 OSes x 3 platforms x 10 environments of
//! `benches/cli.rs`, committed in a git repository, with one default changed in the work tree.
//! Target: under 100 ms wall time (the median of many runs).
//!
//! Two changes are timed: `defaults.hardware.cpus`, which every OS of the synthetic spec
//! overrides (so every OS is explained on both sides and no build changes), and
//! `defaults.hardware.memory_mb`, which changes every Proxmox and vSphere build.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

#[allow(
    dead_code,
    reason = "the generator and the timer are shared; the rest is the other benchmark's"
)]
#[path = "cli.rs"]
mod cli;

/// Runs git in `dir` without the user's configuration, with an identity of its own.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(Stdio::null())
        .status()
        .expect("runs git");
    assert!(status.success(), "git {args:?} failed");
}

/// Replaces the one occurrence of `from` in the spec of `dir` with `to`.
fn edit(dir: &Path, from: &str, to: &str) {
    let file = dir.join("spec/hybrid.yaml");
    let text = std::fs::read_to_string(&file).expect("the spec");
    assert_eq!(text.matches(from).count(), 1, "`{from}` once in the spec");
    std::fs::write(&file, text.replacen(from, to, 1)).expect("the edit");
}

fn main() {
    let base = "defaults:\n  hardware: { cpus: 2, memory_mb: 4096 }\n";
    let mut missed = Vec::new();
    for (name, changed) in [
        (
            "cpus",
            "defaults:\n  hardware: { cpus: 4, memory_mb: 4096 }\n",
        ),
        (
            "memory",
            "defaults:\n  hardware: { cpus: 2, memory_mb: 8192 }\n",
        ),
    ] {
        let dir = cli::synthetic(&format!("diff-{name}"), 200, 10);
        edit(&dir, "defaults:\n", base);
        git(&dir, &["init", "-q"]);
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-q", "-m", "images"]);
        edit(&dir, base, changed);
        let label = format!("diff --base HEAD, {name} changed (200 OSes)");
        let cost = cli::measure(&label, &dir, &["diff", "--base", "HEAD"], 31);
        if cost.median > Duration::from_millis(100) {
            missed.push(format!("{label} is over its 100 ms target"));
        }
        let _ = std::fs::remove_dir_all(dir);
    }
    for missed in &missed {
        println!("  missed: {missed}");
    }
}
