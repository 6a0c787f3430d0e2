//! The output contract, checked by reading the generated files back with an HCL parser and by
//! asking Packer itself: every `var.x` used is declared and every declared variable is used,
//! every pkrvars key is declared and none is a secret, credentials are sensitive variables read
//! from the environment, spec strings survive escaping exactly, output is deterministic and a
//! one-value change stays local.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use hcl::expr::{Expression, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Body, Structure};

use crate::support::{command, example_copy, repo, tool};

/// The repository and every compile fixture: `(root, compiled files)`.
fn trees() -> Vec<(PathBuf, Vec<hybridc::emit::File>)> {
    let mut roots = vec![repo()];
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures/compile"))
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    fixtures.sort();
    roots.extend(fixtures);
    roots
        .into_iter()
        .map(|root| {
            let compiled = hybridc::compile(&root.join("spec"), &root.join("generated"))
                .unwrap_or_else(|e| panic!("{}: {e}", root.display()));
            (root, compiled.files)
        })
        .collect()
}

fn template_refs(template: &Template, out: &mut BTreeSet<String>) {
    for element in template.elements() {
        match element {
            Element::Interpolation(i) => refs(&i.expr, out),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    refs(&d.cond_expr, out);
                    template_refs(&d.true_template, out);
                    if let Some(f) = &d.false_template {
                        template_refs(f, out);
                    }
                }
                Directive::For(d) => {
                    refs(&d.collection_expr, out);
                    template_refs(&d.template, out);
                }
            },
            Element::Literal(_) => {}
        }
    }
}

/// Every `var.<name>` an expression refers to.
fn refs(expr: &Expression, out: &mut BTreeSet<String>) {
    match expr {
        Expression::Traversal(t) => {
            if let (Expression::Variable(v), Some(TraversalOperator::GetAttr(name))) =
                (&t.expr, t.operators.first())
                && v.as_str() == "var"
            {
                out.insert(name.to_string());
            } else {
                refs(&t.expr, out);
            }
            for op in &t.operators {
                if let TraversalOperator::Index(e) = op {
                    refs(e, out);
                }
            }
        }
        Expression::Array(items) => items.iter().for_each(|i| refs(i, out)),
        Expression::Object(object) => object.values().for_each(|v| refs(v, out)),
        Expression::FuncCall(f) => f.args.iter().for_each(|a| refs(a, out)),
        Expression::TemplateExpr(t) => {
            let template = Template::from_expr(t).expect("generated templates parse");
            template_refs(&template, out);
        }
        Expression::Parenthesis(e) => refs(e, out),
        Expression::Conditional(c) => {
            refs(&c.cond_expr, out);
            refs(&c.true_expr, out);
            refs(&c.false_expr, out);
        }
        _ => {}
    }
}

fn body_refs(body: &Body, out: &mut BTreeSet<String>) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => refs(&a.expr, out),
            Structure::Block(b) => body_refs(&b.body, out),
        }
    }
}

struct Declared {
    sensitive: bool,
    env_default: Option<String>,
}

fn declarations(body: &Body, out: &mut BTreeMap<String, Declared>) {
    for block in body.blocks().filter(|b| b.identifier() == "variable") {
        let name = block.labels()[0].as_str().to_owned();
        let sensitive = block
            .body
            .attributes()
            .any(|a| a.key() == "sensitive" && a.expr == Expression::Bool(true));
        let env_default = block
            .body
            .attributes()
            .find(|a| a.key() == "default")
            .and_then(|a| match &a.expr {
                Expression::FuncCall(f) if f.name.to_string() == "env" => match f.args.first() {
                    Some(Expression::String(s)) => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            });
        out.insert(
            name,
            Declared {
                sensitive,
                env_default,
            },
        );
    }
}

/// `{ env: NAME }` values anywhere in a spec.
fn spec_credentials(root: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root.join("spec/hybrid.yaml")).expect("spec");
    let mut out = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("{ env: ") {
        rest = &rest[i + 7..];
        let end = rest.find([' ', '}']).unwrap_or(rest.len());
        out.insert(rest[..end].to_owned());
    }
    out
}

#[test]
fn variables_are_declared_once_used_and_secret_only_by_environment() {
    for (root, files) in trees() {
        let mut declared = BTreeMap::new();
        let mut used = BTreeSet::new();
        for file in files.iter().filter(|f| f.path.ends_with(".pkr.hcl")) {
            let body = hcl::parse(&file.contents)
                .unwrap_or_else(|e| panic!("{}/{}: {e}", root.display(), file.path));
            let before = declared.len();
            let count = body
                .blocks()
                .filter(|b| b.identifier() == "variable")
                .count();
            declarations(&body, &mut declared);
            assert_eq!(
                declared.len(),
                before + count,
                "{}: a variable is declared twice",
                root.display()
            );
            let rest: Body = body
                .into_iter()
                .filter(|s| !matches!(s, Structure::Block(b) if b.identifier() == "variable"))
                .collect();
            body_refs(&rest, &mut used);
        }
        let names: BTreeSet<String> = declared.keys().cloned().collect();
        assert_eq!(
            names,
            used,
            "{}: declared and used variables differ",
            root.display()
        );
        for (name, d) in &declared {
            assert_eq!(
                d.env_default.is_some(),
                d.sensitive,
                "{}: `{name}` reads the environment iff it is sensitive",
                root.display()
            );
        }
        let credentials: BTreeSet<String> = declared
            .values()
            .filter_map(|d| d.env_default.clone())
            .collect();
        let in_spec = spec_credentials(&root);
        assert!(
            credentials.is_subset(&in_spec),
            "{}: {credentials:?} not all in the spec's {in_spec:?}",
            root.display()
        );
        for file in files.iter().filter(|f| f.path.ends_with(".pkrvars.hcl")) {
            let body = hcl::parse(&file.contents).expect("pkrvars parse");
            for attribute in body.attributes() {
                let d = declared.get(attribute.key()).unwrap_or_else(|| {
                    panic!(
                        "{}/{}: `{}` is not declared",
                        root.display(),
                        file.path,
                        attribute.key()
                    )
                });
                assert!(
                    !d.sensitive,
                    "{}/{}: secret `{}` in a var file",
                    root.display(),
                    file.path,
                    attribute.key()
                );
            }
        }
    }
}

#[test]
fn credential_values_never_reach_the_output() {
    let dir = example_copy(
        "contract-secrets",
        &["spec", "installers", "scripts", "ansible"],
    );
    let mut cmd = command();
    cmd.args(["compile", "spec/"]).current_dir(&dir);
    let secrets: Vec<(String, String)> = spec_credentials(&repo())
        .into_iter()
        .enumerate()
        .map(|(i, name)| (name, format!("s3cret-value-{i}-xyzzy")))
        .collect();
    for (name, value) in &secrets {
        cmd.env(name, value);
    }
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for path in hybridc::output::files_under(&dir.join("generated")) {
        let text = std::fs::read_to_string(dir.join("generated").join(&path)).expect("read");
        for (name, value) in &secrets {
            assert!(
                !text.contains(value),
                "{path} contains the value of ${name}"
            );
            assert!(!text.contains("xyzzy"), "{path} contains a secret");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compiling_twice_gives_the_same_bytes() {
    let first = hybridc::compile(&repo().join("spec"), &repo().join("generated"))
        .expect("compiles")
        .files;
    let second = hybridc::compile(&repo().join("spec"), &repo().join("generated"))
        .expect("compiles")
        .files;
    assert_eq!(first, second);
}

#[test]
fn changing_one_os_cpus_changes_only_its_source_lines() {
    let dir = example_copy(
        "contract-local",
        &["spec", "installers", "scripts", "ansible"],
    );
    let spec = std::fs::read_to_string(dir.join("spec/hybrid.yaml")).expect("spec");
    let changed = spec.replacen(
        "    hardware: { cpus: 4 }\n",
        "    hardware: { cpus: 6 }\n",
        1,
    );
    assert_ne!(spec, changed, "the example sets ubuntu-2404's cpus");
    let before = hybridc::compile(&dir.join("spec"), &dir.join("generated"))
        .expect("compiles")
        .files;
    std::fs::write(dir.join("spec/hybrid.yaml"), changed).expect("write");
    let after = hybridc::compile(&dir.join("spec"), &dir.join("generated"))
        .expect("compiles")
        .files;
    let mut changes = Vec::new();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.path, a.path);
        let (bl, al): (Vec<&str>, Vec<&str>) =
            (b.contents.lines().collect(), a.contents.lines().collect());
        assert_eq!(bl.len(), al.len(), "{} changed its line count", b.path);
        let mut source = "";
        for (x, y) in bl.iter().zip(&al) {
            if x.starts_with("source ") {
                source = x;
            }
            if x != y {
                changes.push((b.path.clone(), source.to_owned(), y.trim().to_owned()));
            }
        }
    }
    assert_eq!(
        changes,
        vec![
            (
                "proxmox.pkr.hcl".to_owned(),
                "source \"proxmox-iso\" \"ubuntu-2404\" {".to_owned(),
                "cores                    = 6".to_owned()
            ),
            (
                "vsphere.pkr.hcl".to_owned(),
                "source \"vsphere-iso\" \"ubuntu-2404\" {".to_owned(),
                "CPUs                = 6".to_owned()
            ),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `variable` blocks of a generated file, as written (Packer 1.6.6 cannot load the rest:
/// it predates `required_plugins` and `templatefile`).
fn variable_blocks(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("variable \"") {
            inside = true;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
        if inside && line == "}" {
            inside = false;
        }
    }
    out
}

#[test]
fn spec_strings_survive_escaping_exactly() {
    if !tool("packer", "apt-get install packer") {
        return;
    }
    let tricky = [
        "dc ${var.x} and %{ if true }y%{ endif }",
        "already $${escaped} and %%{kept}",
        "quotes \" and 'single' and back\\slash \\n",
        "line one\nline two\ttabbed\r\n",
        "non-ASCII: é 日本 😀",
    ];
    let dir = crate::support::temp_dir("contract-escape");
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    let yaml = |s: &str| serde_json::to_string(s).expect("JSON strings are YAML strings");
    let spec = format!(
        "version: 1\nplatforms:\n  vsphere:\n    endpoint: {}\n    username: {}\n    password: {{ env: VSPHERE_PASSWORD }}\n    datacenter: {}\n    cluster: {}\n    datastore: {}\n    network: {}\n    folder: {}\n    builder: clone\noses:\n  ubuntu-2404:\n    family: linux\n    platforms: [vsphere]\n    vsphere: {{ template: base, guest_os_type: ubuntu64Guest }}\n\
         defaults:\n  build_user: {{ username: packer, password: {{ env: BUILD_PASSWORD }} }}\nenvironments:\n  dev:\n    platforms:\n      vsphere: {{ datacenter: {}, network: {} }}\n",
        yaml(tricky[0]),
        yaml(tricky[1]),
        yaml(tricky[2]),
        yaml(tricky[3]),
        yaml(tricky[4]),
        yaml(tricky[0]),
        yaml(tricky[1]),
        yaml(tricky[4]),
        yaml(tricky[2]),
    );
    std::fs::write(dir.join("spec/hybrid.yaml"), spec).expect("write spec");
    let compiled = hybridc::compile(&dir.join("spec"), &dir.join("generated")).expect("compiles");
    let vars: String = compiled
        .files
        .iter()
        .filter(|f| f.path.ends_with(".pkr.hcl"))
        .map(|f| variable_blocks(&f.contents))
        .collect();
    let console = dir.join("console");
    std::fs::create_dir_all(&console).expect("console dir");
    std::fs::write(console.join("variables.pkr.hcl"), vars).expect("write variables");
    let pkrvars = compiled
        .files
        .iter()
        .find(|f| f.path == "env/dev.pkrvars.hcl")
        .expect("dev values");
    std::fs::write(dir.join("dev.pkrvars.hcl"), &pkrvars.contents).expect("write pkrvars");
    let eval = |expr: &str, var_file: bool| {
        let mut cmd = Command::new("packer");
        cmd.arg("console").env("CHECKPOINT_DISABLE", "1");
        if var_file {
            cmd.arg(format!(
                "-var-file={}",
                dir.join("dev.pkrvars.hcl").display()
            ));
        }
        cmd.arg(&console)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("packer runs");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin
                .write_all(format!("{expr}\n").as_bytes())
                .expect("write");
        }
        let out = child.wait_with_output().expect("packer finishes");
        assert!(
            out.status.success(),
            "{expr}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The console prints a string raw, followed by one newline.
        let mut text = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(text.ends_with('\n'));
        text.pop();
        text
    };
    let defaults = [
        ("var.vsphere_endpoint", tricky[0]),
        ("var.vsphere_username", tricky[1]),
        ("var.vsphere_datacenter", tricky[2]),
        ("var.vsphere_cluster", tricky[3]),
        ("var.vsphere_datastore", tricky[4]),
        ("var.vsphere_network", tricky[0]),
        ("var.vsphere_folder", tricky[1]),
    ];
    for (expr, want) in defaults {
        assert_eq!(eval(expr, false), want, "default of {expr}");
    }
    assert_eq!(
        eval("var.vsphere_datacenter", true),
        tricky[4],
        "dev value of the datacenter"
    );
    assert_eq!(
        eval("var.vsphere_network", true),
        tricky[2],
        "dev value of the network"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Is there a crypt(3) password hash (`$1$`, `$5$`, `$6$`, `$y$`, `$2b$`... salt `$` hash) in
/// the text?
fn has_crypt_hash(text: &str) -> bool {
    let bytes = text.as_bytes();
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'/';
    for (i, _) in text.match_indices('$') {
        let rest = &bytes[i + 1..];
        let id_len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if !(1..=2).contains(&id_len) || rest.get(id_len) != Some(&b'$') {
            continue;
        }
        let after_id = &rest[id_len + 1..];
        let salt = after_id.iter().take_while(|b| alphabet(**b)).count();
        if salt == 0 || after_id.get(salt) != Some(&b'$') {
            continue;
        }
        let hash = after_id[salt + 1..]
            .iter()
            .take_while(|b| alphabet(**b))
            .count();
        if hash >= 20 {
            return true;
        }
    }
    false
}

#[test]
fn no_committed_file_holds_a_password_hash() {
    // Built at run time, so that this file does not hold a hash-shaped string itself.
    let sample = format!("x ${}$saltsalt${} y", 6, "abcdefghij".repeat(3));
    assert!(has_crypt_hash(&sample));
    assert!(!has_crypt_hash("echo $HOME ${x} $$ $1 $6$"));
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(repo())
        .output();
    let files: Vec<PathBuf> = match listed {
        Ok(out) if out.status.success() => out
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| repo().join(String::from_utf8_lossy(p).as_ref()))
            .collect(),
        _ => {
            eprintln!("SKIPPED committed-file scan: not a git checkout");
            return;
        }
    };
    assert!(files.len() > 50, "git lists the repository's files");
    let offenders: Vec<String> = files
        .iter()
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|text| has_crypt_hash(&text)))
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "password hashes committed in {offenders:?}"
    );
}
