//! Whole-process timing of `hybridc import` with the release binary (`cargo bench --bench
//! import`): a Packer tree of 25 build folders in the vSphere example framework's style, with
//! shared var files and two environments, imported with `--dry-run` (read, map, compile,
//! compare; nothing written). Target: under one second wall time (the median of many runs).
//!
//! The tree is generated from the vSphere fixture of `tests/fixtures/import/`: each of its
//! three build folders is copied until there are 25, each copy with its own source name, ISO
//! and guest OS version, so that every folder is an OS of its own.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[allow(
    dead_code,
    reason = "the timer is shared; the rest is the other benchmark's"
)]
#[path = "cli.rs"]
mod cli;

/// The fixture the tree is generated from.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/vsphere")
}

/// Copies `from` to `to`, recursively, through `edit` for each file's text.
fn copy(from: &Path, to: &Path, edit: &dyn Fn(&Path, String) -> String) {
    fs::create_dir_all(to).expect("create folder");
    for entry in fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy(&entry.path(), &target, edit);
        } else {
            let text = fs::read_to_string(entry.path()).expect("a text file");
            fs::write(&target, edit(&entry.path(), text)).expect("write");
        }
    }
}

/// The fixture with its build folders copied to `folders` in all; returns the tree and the
/// folders, relative to it.
fn tree(folders: usize) -> (PathBuf, Vec<String>) {
    let dir = std::env::temp_dir().join(format!("hybridc-bench-import-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    for shared in ["config", "scripts", "ansible"] {
        copy(&fixture().join(shared), &dir.join(shared), &|_, t| t);
    }
    // Each folder, the name its source (or sources) share, and where a copy's number goes.
    let kinds = [
        ("builds/linux/ubuntu/22-04-lts", "linux-ubuntu"),
        ("builds/linux/rhel/9", "linux-rhel"),
        ("builds/windows/server/2022", "windows-server"),
    ];
    let mut made = Vec::new();
    for n in 0..folders {
        let (folder, source) = kinds[n % kinds.len()];
        let to = format!("{folder}-{n:02}");
        copy(&fixture().join(folder), &dir.join(&to), &|path, text| {
            if path.to_string_lossy().ends_with(".auto.pkrvars.hcl") {
                // A checksum of its own: a different ISO.
                text.lines()
                    .map(|line| match line.split_once("iso_checksum_value = \"") {
                        Some((head, value)) if value.len() > 2 => {
                            format!("{head}iso_checksum_value = \"{n:02}{}", &value[2..])
                        }
                        _ => line.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            } else if path.to_string_lossy().ends_with(".pkr.hcl") {
                // Source names of its own.
                text.replace(source, &format!("{source}-{n:02}"))
            } else {
                text
            }
        });
        made.push(to);
    }
    (dir, made)
}

fn main() {
    let (dir, folders) = tree(25);
    let mut args: Vec<String> = vec!["import".into()];
    args.extend(folders);
    for file in ["vsphere", "common", "build", "ansible"] {
        args.push("--var-file".into());
        args.push(format!("config/{file}.pkrvars.hcl"));
    }
    for env in ["dev", "prod"] {
        args.push("--env".into());
        args.push(format!("{env}=config/{env}/vsphere.pkrvars.hcl"));
    }
    args.push("--dry-run".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let cost = cli::measure("import of 25 folders, 2 environments", &dir, &args, 21);
    if cost.median > Duration::from_secs(1) {
        println!("  missed: import of 25 folders is over its one-second target");
    }
    let _ = fs::remove_dir_all(dir);
}
