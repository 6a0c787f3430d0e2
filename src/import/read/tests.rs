//! The reader on small trees written to a temporary folder, and on the repository's own
//! compiled tree.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{evaluate, read};
use crate::diagnostic::{Code, SourceFile};
use crate::import::tree::{Folder, Value};

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
pub(super) fn one(text: &str) -> Folder {
    match evaluate(
        Path::new("root"),
        vec![SourceFile::new("root/main.pkr.hcl", text)],
        Vec::new(),
    ) {
        Ok(folder) => folder,
        Err(findings) => panic!(
            "{:?}",
            findings
                .iter()
                .map(|f| f.diagnostic.message.clone())
                .collect::<Vec<_>>()
        ),
    }
}

/// The messages of the findings of an in-memory `main.pkr.hcl`.
fn failing(text: &str) -> Vec<(Code, String, String)> {
    match evaluate(
        Path::new("root"),
        vec![SourceFile::new("root/main.pkr.hcl", text)],
        Vec::new(),
    ) {
        Ok(_) => panic!("expected findings"),
        Err(findings) => findings
            .iter()
            .map(|f| {
                let (line, col) = f.file.line_col(f.diagnostic.primary.span.start);
                (
                    f.diagnostic.code,
                    f.diagnostic.message.clone(),
                    format!("{}:{line}:{col}", f.file.name),
                )
            })
            .collect(),
    }
}

/// The value of local `name`, through a `null` source that sets `value = local.name`.
fn local(text: &str, name: &str) -> Value {
    let folder = one(&format!(
        "{text}\nsource \"null\" \"probe\" {{\n  value = local.{name}\n}}\n"
    ));
    arg(&folder, "null.probe", "value").clone()
}

pub(super) fn arg<'a>(folder: &'a Folder, source: &str, name: &str) -> &'a Value {
    let s = folder
        .sources
        .iter()
        .find(|s| format!("{}.{}", s.builder, s.name) == source)
        .unwrap_or_else(|| panic!("no source {source}"));
    &s.body
        .get(name)
        .unwrap_or_else(|| panic!("no argument {name}"))
        .value
}

pub(super) fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

pub(super) fn n(number: i64) -> Value {
    Value::Number(number.into())
}

pub(super) fn unknown(expression: &str) -> Value {
    Value::Unknown {
        expression: expression.to_owned(),
    }
}

pub(super) fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

#[test]
fn reads_the_repository_compiled_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("generated");
    let folder = read(&root, &[root.join("env/dev.pkrvars.hcl")]).unwrap_or_else(|findings| {
        panic!(
            "{:?}",
            findings
                .iter()
                .map(|f| f.diagnostic.message.clone())
                .collect::<Vec<_>>()
        )
    });
    assert_eq!(
        arg(&folder, "vsphere-iso.debian-12", "vcenter_server"),
        &s("vcenter.example.com")
    );
    // From `env/dev.pkrvars.hcl`, over the declaration's default.
    assert_eq!(
        arg(&folder, "vsphere-iso.debian-12", "folder"),
        &s("Templates/dev")
    );
    assert_eq!(
        arg(&folder, "vsphere-iso.debian-12", "vm_name"),
        &unknown(r#""debian-12-${formatdate("YYYYMMDD-hhmmss", timestamp())}""#)
    );
    let source = folder
        .sources
        .iter()
        .find(|s| s.builder == "vsphere-iso" && s.name == "debian-12")
        .expect("the source");
    let password = source.body.get("password").expect("password");
    assert_eq!(password.value, unknown(r#"env("VSPHERE_PASSWORD")"#));
    assert_eq!(password.variable.as_deref(), Some("vsphere_password"));
    assert_eq!(
        folder.position(password.at),
        format!("{}:68:3", root.join("vsphere.pkr.hcl").display())
    );
    let Value::Object(http) = arg(&folder, "vsphere-iso.debian-12", "http_content") else {
        panic!("http_content is an object")
    };
    let Value::Template { path, vars } = &http[0].1 else {
        panic!("a template")
    };
    assert!(path.ends_with("installers/preseed/preseed.pkrtpl.hcl"));
    assert!(!path.to_string_lossy().contains(".."));
    let Value::Object(vars) = vars.as_ref() else {
        panic!("vars")
    };
    assert!(vars.contains(&("platform".to_owned(), s("vsphere"))));
    assert!(vars.contains(&("hostname".to_owned(), s("debian-12"))));
    let Value::Blocks(storage) = arg(&folder, "vsphere-iso.debian-12", "storage") else {
        panic!("storage blocks")
    };
    assert_eq!(
        storage[0].get("disk_size").map(|a| &a.value),
        Some(&n(40960))
    );
    let build = folder
        .builds
        .iter()
        .find(|b| b.name.as_deref() == Some("debian-12"))
        .expect("the build");
    assert!(build.sources.contains(&"vsphere-iso.debian-12".to_owned()));
    assert!(build.provisioners.iter().any(|p| p.kind == "ansible"));
    assert!(
        build
            .post_processors
            .iter()
            .any(|p| p.kind == "vsphere-template" && p.only == ["vsphere-iso.debian-12"])
    );
}

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
source "null" "x" {
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
fn locals_resolve_in_any_order_across_blocks() {
    let text = r#"
locals { c = "${local.b}-c" }
locals {
  b = "${local.a}-b"
  a = upper(var.name)
}
local "d" { expression = local.c }
variable "name" { default = "x" }
"#;
    assert_eq!(local(text, "c"), s("X-b-c"));
    assert_eq!(local(text, "d"), s("X-b-c"));
}

#[test]
fn a_cycle_of_locals_is_a_finding() {
    let findings = failing("locals {\n  a = local.b\n  b = \"${local.a}\"\n}\n");
    assert!(
        findings
            .iter()
            .any(|(code, message, _)| *code == Code::ImportEvaluation
                && message.contains("depends on itself")),
        "{findings:?}"
    );
}

#[test]
fn interpolations_fold_what_is_known_and_keep_the_rest() {
    let text = r#"
variable "os" { default = "ubuntu" }
variable "cpus" { default = 2 }
variable "secret" { default = env("SECRET") }
locals {
  name    = "linux-${var.os}-${var.cpus * 2}"
  version = formatdate("YY.MM", timestamp())
  full    = "${local.name}-${local.version}"
  same    = "${var.cpus}"
  cond    = var.cpus > 1 ? "many" : "one"
  unknown = var.secret != "" ? "set" : "unset"
  heredoc = <<-EOF
    a ${var.os}
    b
  EOF
  data    = data.git-repository.cwd.head
  list    = [for i, x in ["a", "b"] : "${i}${x}" if x != "c"]
  obj     = { for k, v in { a = 1, b = 2 } : upper(k) => v + 1 }
  splat   = [{ n = 1 }, { n = 2 }][*].n
  index   = { a = ["x", "y"] }["a"][1]
  escaped = "$${not} %%{this}"
}
"#;
    assert_eq!(local(text, "name"), s("linux-ubuntu-4"));
    assert_eq!(
        local(text, "full"),
        unknown(r#""linux-ubuntu-4-${formatdate("YY.MM", timestamp())}""#)
    );
    assert_eq!(local(text, "same"), n(2));
    assert_eq!(local(text, "cond"), s("many"));
    assert_eq!(
        local(text, "unknown"),
        unknown(r#"env("SECRET") != "" ? "set" : "unset""#)
    );
    assert_eq!(local(text, "heredoc"), s("a ubuntu\nb\n"));
    assert_eq!(local(text, "data"), unknown("data.git-repository.cwd.head"));
    assert_eq!(local(text, "list"), list(&["0a", "1b"]));
    assert_eq!(
        local(text, "obj"),
        Value::Object(vec![("A".to_owned(), n(2)), ("B".to_owned(), n(3))])
    );
    assert_eq!(local(text, "splat"), Value::List(vec![n(1), n(2)]));
    assert_eq!(local(text, "index"), s("y"));
    assert_eq!(local(text, "escaped"), s("${not} %{this}"));
}

#[test]
fn templatefile_and_file_are_kept_not_read() {
    let folder = one(r#"
variable "user" { default = "packer" }
source "null" "x" {
  seed = templatefile("${path.root}/http/user-data.pkrtpl.hcl", { user = var.user, pass = env("P") })
  key  = file("/keys/id.pub")
}
"#);
    let cwd = std::env::current_dir().expect("cwd");
    assert_eq!(
        arg(&folder, "null.x", "seed"),
        &Value::Template {
            path: cwd.join("root/http/user-data.pkrtpl.hcl"),
            vars: Box::new(Value::Object(vec![
                ("user".to_owned(), s("packer")),
                ("pass".to_owned(), unknown(r#"env("P")"#)),
            ])),
        }
    );
    assert_eq!(
        arg(&folder, "null.x", "key"),
        &Value::File {
            path: PathBuf::from("/keys/id.pub")
        }
    );
}

#[test]
fn dynamic_blocks_expand_in_place() {
    let folder = one(r#"
locals {
  disks = [{ size = 10 }, { size = 20 }]
}
source "proxmox-iso" "x" {
  disks {
    size = 1
  }
  dynamic "disks" {
    for_each = local.disks
    iterator = disk
    content {
      size  = disk.value.size
      index = disk.key
    }
  }
  dynamic "efi_config" {
    for_each = []
    content {
      efi_type = "4m"
    }
  }
}
"#);
    let Value::Blocks(disks) = arg(&folder, "proxmox-iso.x", "disks") else {
        panic!("blocks")
    };
    let sizes: Vec<&Value> = disks
        .iter()
        .filter_map(|d| d.get("size"))
        .map(|a| &a.value)
        .collect();
    assert_eq!(sizes, [&n(1), &n(10), &n(20)]);
    assert_eq!(disks[2].get("index").map(|a| &a.value), Some(&n(1)));
    let source = &folder.sources[0];
    assert!(source.body.get("efi_config").is_none());
}

#[test]
fn builds_keep_sources_steps_and_the_post_processor_chain() {
    let folder = one(r#"
variable "user" {}
source "vsphere-iso" "base" {
  CPUs = 2
  RAM  = 4096
}
build {
  name    = "linux"
  sources = ["source.vsphere-iso.base"]
  source "source.vsphere-iso.base" {
    name = "big"
    RAM  = 8192
  }
  provisioner "shell" {
    only   = ["vsphere-iso.big"]
    inline = ["echo ${source.name}"]
  }
  provisioner "ansible" {
    except        = ["source.vsphere-iso.base"]
    playbook_file = "${path.root}/site.yml"
    user          = "${var.user}"
  }
  post-processor "manifest" {
    output = "manifest.json"
  }
  post-processors {
    post-processor "shell-local" {
      inline = ["echo one"]
    }
    post-processor "checksum" {}
  }
}
"#);
    let build = &folder.builds[0];
    assert_eq!(build.name.as_deref(), Some("linux"));
    assert_eq!(build.sources, ["vsphere-iso.base", "vsphere-iso.big"]);
    assert_eq!(arg(&folder, "vsphere-iso.big", "RAM"), &n(8192));
    assert_eq!(arg(&folder, "vsphere-iso.big", "CPUs"), &n(2));
    assert_eq!(arg(&folder, "vsphere-iso.base", "RAM"), &n(4096));
    let shell = &build.provisioners[0];
    assert_eq!(shell.kind, "shell");
    assert_eq!(shell.only, ["vsphere-iso.big"]);
    assert!(shell.body.get("only").is_none());
    assert_eq!(
        shell.body.get("inline").map(|a| &a.value),
        Some(&Value::List(vec![unknown(r#""echo ${source.name}""#)]))
    );
    assert_eq!(build.provisioners[1].except, ["vsphere-iso.base"]);
    let user = build.provisioners[1].body.get("user").expect("user");
    assert_eq!(user.variable.as_deref(), Some("user"));
    let chain: Vec<&str> = build
        .post_processors
        .iter()
        .map(|p| p.kind.as_str())
        .collect();
    assert_eq!(chain, ["manifest", "shell-local", "checksum"]);
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
fn odd_input_gives_findings_never_a_panic() {
    let inputs = [
        "",
        "\u{feff}",
        "}}}",
        "source {}",
        "source \"a\" {}",
        "build { sources = 1 }",
        "build { source \"source.x.y\" {} }",
        "locals { a = [for x in 1 : x] }",
        "locals { a = nosuch(1) }",
        "locals { a = 1 / 0 }",
        "locals { a = \"${[1]}\" }",
        "locals { a = [1][5] }",
        "locals { a = { b = 1 }.c }",
        "locals { a = var }",
        "locals { a = local.a }",
        "locals { a = substr(\"x\", 5, 9) }",
        "locals { a = element([], 1) }",
        "locals { a = format(\"%d\") }",
        "variable \"x\" { default = var.y }",
        "variable \"x\" {}\nvariable \"x\" {}",
        "locals { a = -\"x\" }",
        "locals { a = !1 }",
        "locals { a = 1 + \"b\" }",
        "locals { a = true ? 1 }",
        "x = 1",
        "source \"a\" \"b\" { dynamic \"d\" { for_each = 1 } }",
    ];
    for input in inputs {
        let _ = evaluate(
            Path::new("root"),
            vec![SourceFile::new("root/main.pkr.hcl", input)],
            vec![SourceFile::new("root/x.pkrvars.hcl", input)],
        );
    }
    assert!(
        failing("locals { a = nosuch(1) }")
            .iter()
            .any(|(_, m, at)| m == "unknown function `nosuch`" && at == "root/main.pkr.hcl:1:14")
    );
    assert!(
        failing("locals { a = uper(\"x\") }")
            .iter()
            .any(|(_, m, _)| m == "unknown function `uper`")
    );
}

#[test]
fn a_repeated_object_key_is_accepted_and_the_later_value_wins() {
    // Packer's HCL fills an object constructor's map item by item (hashicorp/hcl
    // `hclsyntax/expression.go`, `ObjectConsExpr.Value`), so a repeated key is no error; the
    // vSphere examples' Windows Server builds repeat keys in `templatefile` vars.
    let text = r#"
locals {
  vars = {
    a        = 1
    language = "en"
    "quoted" = 1
    language = "fr"
    "quoted" = 2
  }
}
"#;
    assert_eq!(
        local(text, "vars"),
        Value::Object(vec![
            ("a".to_owned(), n(1)),
            ("language".to_owned(), s("fr")),
            ("quoted".to_owned(), n(2)),
        ])
    );
}

#[test]
fn build_time_names_stay_unknown_and_nested_templates_splice() {
    let text = r#"
locals {
  by    = "Built by: Packer ${packer.version}"
  notes = "${local.by}\n${source.name}"
}
"#;
    assert_eq!(
        local(text, "notes"),
        unknown(r#""Built by: Packer ${packer.version}\n${source.name}""#)
    );
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
fn var_files_hold_constants() {
    let findings = match evaluate(
        Path::new("root"),
        vec![SourceFile::new(
            "root/main.pkr.hcl",
            "variable \"a\" {}\nvariable \"b\" {}\n",
        )],
        vec![SourceFile::new(
            "root/x.pkrvars.hcl",
            "a = var.b\nb = \"ok\"\n",
        )],
    ) {
        Ok(_) => panic!("a finding"),
        Err(findings) => findings,
    };
    assert_eq!(
        findings[0].diagnostic.message,
        "`var.` references are not allowed here"
    );
    assert_eq!(findings[0].file.name, "root/x.pkrvars.hcl");
}
