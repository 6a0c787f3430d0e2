//! The reader on small inline files evaluated in memory, and on the repository's own compiled
//! tree; [`files`] has the tests that need a folder on disk.

use std::path::{Path, PathBuf};

mod files;

use super::{evaluate, read};
use crate::diagnostic::{Code, SourceFile};
use crate::import::tree::{Folder, Value};

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
pub(super) fn failing(text: &str) -> Vec<(Code, String, String)> {
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
pub(super) fn local(text: &str, name: &str) -> Value {
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
    // Where the argument is written: its own line of `vsphere.pkr.hcl`.
    let file = folder.file(password.at.file);
    assert_eq!(
        file.name,
        root.join("vsphere.pkr.hcl").display().to_string()
    );
    assert!(file.text[password.at.span.start..].starts_with("password"));
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
    assert!(matches!(
        storage[0].get("disk_size").map(|a| &a.value),
        Some(Value::Number(_))
    ));
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
        "locals { a = format(\"%.99999999999f\", 1) }",
        "locals { a = substr(\"abc\", 1, 9223372036854775807) }",
        "locals { a = element([1], -9223372036854775807) }",
        "locals { a = parseint(\"zz\", 99) }",
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
        failing("locals { a = try({ b = 1 }.c) }")
            .iter()
            .any(|(_, m, _)| m == "no argument of `try` can be evaluated")
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

// HCL's strip markers trim the whitespace next to them, one line at most: Go's lexer cuts a
// literal into one token per line and a marker trims the token next to it (hashicorp/hcl
// `hclsyntax/parser_template.go`, `parseTemplateParts`).
#[test]
fn template_directives_apply_their_strip_markers() {
    let text = r#"
locals {
  disks = ["sda", "sdb"]
  efi   = true
  text  = <<EOT
%{ for i, d in local.disks ~}
- ${d} ${i}
%{ endfor ~}
%{ if local.efi ~}
efi: yes
%{ else ~}
efi: no
%{ endif ~}
done ${~ " " ~}   !
EOT
  flat  = "a ${~ "b" ~}  c %{ if true ~}  d  %{~ endif } e"
}
"#;
    assert_eq!(
        local(text, "text"),
        s("- sda 0\n- sdb 1\nefi: yes\ndone !\n")
    );
    assert_eq!(local(text, "flat"), s("abc d e"));
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

#[test]
fn a_chain_of_locals_too_deep_is_a_finding_not_a_stack_overflow() {
    let mut text = String::from("locals {\n");
    for i in 0..2000 {
        text.push_str(&format!("  l{i} = local.l{}\n", i + 1));
    }
    text.push_str("  l2000 = 1\n}\n");
    let findings = failing(&text);
    assert!(
        findings
            .iter()
            .any(|(_, m, _)| m.contains("nests too deeply"))
    );
    // A chain of a reasonable length evaluates.
    let mut text = String::from("locals {\n");
    for i in 0..50 {
        text.push_str(&format!("  l{i} = \"${{local.l{}}}\"\n", i + 1));
    }
    text.push_str("  l50 = \"end\"\n}\n");
    assert_eq!(local(&text, "l0"), s("end"));
}
