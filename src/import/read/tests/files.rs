//! The reader on folders written to a temporary folder: var-file order, file names, syntax
//! errors, symbolic links, file guards.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::super::{read, read_in};
use super::{arg, n, s, unknown};
use crate::diagnostic::Code;
use crate::import::tree::Value;

/// A folder of files under the system's temporary folder, removed when dropped.
struct Tree {
    dir: PathBuf,
}

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hybridc-read-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp folder");
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("sub-folder");
            std::fs::write(path, text).expect("write");
        }
        Tree { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One in-memory `main.pkr.hcl` in folder `root`.

// Packer parses the folder's `*.auto.pkrvars.hcl` and then appends the `-var-file`s
// (hashicorp/packer `hcl2template/parser.go`, `Parser.Parse`, "parse var files"), and the
// later assignment of a variable wins.
#[test]
fn var_files_apply_after_defaults_auto_files_in_name_order_then_the_given_ones() {
    let tree = Tree::new(&[
        (
            "main.pkr.hcl",
            r#"
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "unset" {}
variables {
  e = "older form"
}
source "null" "x" {
  e     = var.e
  a     = var.a
  b     = var.b
  c     = var.c
  d     = var.d
  unset = var.unset
}
"#,
        ),
        ("2.auto.pkrvars.hcl", "b = \"auto2\"\nc = \"auto2\"\n"),
        ("1.auto.pkrvars.hcl", "b = \"auto1\"\nundeclared = 1\n"),
        ("given.pkrvars.hcl", "c = \"given\"\nd = \"given\"\n"),
        ("sub/ignored.pkr.hcl", "this is not read"),
    ]);
    let folder = read(&tree.dir, &[tree.path("given.pkrvars.hcl")]).expect("reads");
    assert_eq!(arg(&folder, "null.x", "a"), &s("default"));
    assert_eq!(arg(&folder, "null.x", "e"), &s("older form"));
    assert_eq!(arg(&folder, "null.x", "b"), &s("auto2"));
    assert_eq!(arg(&folder, "null.x", "c"), &s("given"));
    assert_eq!(arg(&folder, "null.x", "d"), &s("given"));
    assert_eq!(arg(&folder, "null.x", "unset"), &unknown("var.unset"));
    let names: Vec<&str> = folder.files.iter().map(|f| f.name.as_str()).collect();
    let dir = tree.dir.display().to_string();
    assert_eq!(
        names,
        [
            format!("{dir}/main.pkr.hcl"),
            format!("{dir}/1.auto.pkrvars.hcl"),
            format!("{dir}/2.auto.pkrvars.hcl"),
            tree.path("given.pkrvars.hcl").display().to_string(),
        ]
    );
    // Every assignment is kept, the undeclared one too; it sets nothing.
    let assigned: Vec<&str> = folder.assignments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(assigned, ["b", "undeclared", "b", "c", "c", "d"]);
    let c = folder.variable("c").expect("c");
    assert_eq!(
        folder.position(c.set_at),
        format!("{}:1:5", tree.path("given.pkrvars.hcl").display())
    );
    assert_eq!(folder.variable("unset").and_then(|v| v.value.clone()), None);
}

#[test]
fn a_syntax_error_is_reported_at_its_place() {
    let tree = Tree::new(&[
        ("a.pkr.hcl", "source \"null\" \"x\" {\n  a = 1\n}\n"),
        ("b.pkr.hcl", "variable \"x\" {\n  default = [1, 2\n}\n"),
    ]);
    let findings = read(&tree.dir, &[]).expect_err("a syntax error");
    assert_eq!(findings.len(), 1);
    let finding = &findings[0];
    assert_eq!(finding.diagnostic.code, Code::ImportSyntax);
    let (line, col) = finding.file.line_col(finding.diagnostic.primary.span.start);
    assert_eq!(
        format!("{}:{line}:{col}", finding.file.name),
        format!("{}:3:1", tree.path("b.pkr.hcl").display())
    );
}

#[test]
fn a_symlink_loop_is_a_finding_not_a_hang() {
    let tree = Tree::new(&[("ok.pkr.hcl", "source \"null\" \"x\" {}\n")]);
    std::os::unix::fs::symlink("a.pkr.hcl", tree.path("a.pkr.hcl")).expect("symlink");
    let findings = read(&tree.dir, &[]).expect_err("a loop");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].diagnostic.code, Code::ImportSymlinkLoop);
    assert_eq!(
        findings[0].file.name,
        tree.path("a.pkr.hcl").display().to_string()
    );

    let looping = tree.path("dir");
    std::os::unix::fs::symlink("dir", &looping).expect("symlink");
    let findings = read(&looping, &[]).expect_err("a loop");
    assert_eq!(findings[0].diagnostic.code, Code::ImportSymlinkLoop);

    // A symlinked file is followed.
    let other = Tree::new(&[("real.hcl", "source \"null\" \"linked\" {}\n")]);
    let clean = Tree::new(&[]);
    std::os::unix::fs::symlink(other.path("real.hcl"), clean.path("linked.pkr.hcl"))
        .expect("symlink");
    let folder = read(&clean.dir, &[]).expect("reads");
    assert_eq!(folder.sources[0].name, "linked");
}

#[test]
fn files_too_large_or_not_utf8_are_findings() {
    let tree = Tree::new(&[("ok.pkr.hcl", "source \"null\" \"x\" {}\n")]);
    std::fs::write(tree.path("latin1.pkr.hcl"), b"# caf\xe9\n").expect("write");
    let big = std::fs::File::create(tree.path("big.auto.pkrvars.hcl")).expect("create");
    big.set_len(8 * 1024 * 1024 + 1).expect("a sparse file");
    let findings = read(&tree.dir, &[]).expect_err("two findings");
    let mut found: Vec<(Code, String)> = findings
        .iter()
        .map(|f| {
            let (line, col) = f.file.line_col(f.diagnostic.primary.span.start);
            (
                f.diagnostic.code,
                format!("{line}:{col} {}", f.diagnostic.message),
            )
        })
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, Code::Io);
    assert!(found[0].1.contains("more than the 8388608 bytes"));
    assert_eq!(found[1].0, Code::ImportSyntax);
    assert!(found[1].1.starts_with("1:6 ") && found[1].1.ends_with("is not UTF-8 text"));
}

#[test]
fn read_in_resolves_relative_paths_under_the_given_working_folder() {
    let tree = Tree::new(&[
        (
            "builds/os/main.pkr.hcl",
            r#"
variable "cpus" {}
source "null" "x" {
  cpus    = var.cpus
  cwd     = path.cwd
  root    = path.root
  script  = abspath("${path.cwd}/scripts/a.sh")
  seed    = file("${path.root}/data/seed")
}
"#,
        ),
        ("config/common.pkrvars.hcl", "cpus = 4\n"),
    ]);
    let folder = read_in(
        &tree.dir,
        Path::new("builds/os"),
        &[PathBuf::from("config/common.pkrvars.hcl")],
    )
    .expect("reads");
    let names: Vec<&str> = folder.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["builds/os/main.pkr.hcl", "config/common.pkrvars.hcl"]
    );
    let cwd = tree.dir.display().to_string();
    assert_eq!(arg(&folder, "null.x", "cpus"), &n(4));
    assert_eq!(arg(&folder, "null.x", "cwd"), &s(&cwd));
    assert_eq!(arg(&folder, "null.x", "root"), &s("builds/os"));
    assert_eq!(
        arg(&folder, "null.x", "script"),
        &s(&format!("{cwd}/scripts/a.sh"))
    );
    assert_eq!(
        arg(&folder, "null.x", "seed"),
        &Value::File {
            path: tree.path("builds/os/data/seed")
        }
    );
}
