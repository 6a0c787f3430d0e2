//! Whole-process timings of the release binary (`cargo bench`): the numbers users feel.
//!
//! Runs each command many times and prints the median and 90th percentile wall time. Targets:
//! `validate` of the example spec under 20 ms.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn measure(label: &str, dir: &Path, args: &[&str], runs: usize) -> Duration {
    let bin = env!("CARGO_BIN_EXE_hybridc");
    // Warm the page cache and check the command works at all.
    let status = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs")
        .status;
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "`hybridc {}` failed: {status}",
        args.join(" ")
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
        "{label:<40} median {:>7.2} ms   p90 {:>7.2} ms   ({runs} runs)",
        median.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3
    );
    median
}

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let median = measure(
        "validate spec/ (example)",
        repo,
        &["validate", "spec/"],
        101,
    );
    if median > Duration::from_millis(20) {
        println!("  over the 20 ms target");
    }
}
