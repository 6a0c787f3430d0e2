//! `hybridc import` on the Packer trees of `tests/fixtures/import/`, each written in the style
//! of one framework: the spec it writes and the report it prints are snapshots; the spec
//! validates, compiles and is up to date; a tree hybridc generated comes back as a spec that
//! compiles to the same tree; and bad input is refused at its file:line:col, writing nothing.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{copy_tree, golden, hybridc, repo, temp_dir, text, tool};

/// The fixture trees, with the folder each import runs in and its argument file.
const FIXTURES: &[(&str, &str, &str)] = &[
    ("vsphere", "vsphere", "vsphere/import.args"),
    ("proxmox", "proxmox", "proxmox/import.args"),
    ("azure", "azure", "azure/import.args"),
    ("combined", "vsphere", "combined.args"),
];

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/import")
}

/// The arguments of an `import.args` file, one per line.
fn arguments(file: &Path) -> Vec<String> {
    fs::read_to_string(file)
        .expect("the argument file")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Imports fixture `name` in a copy of the fixtures; returns the folder it ran in, its exit
/// code, standard output and standard error.
fn import(
    name: &str,
    cwd: &str,
    args_file: &str,
    extra: &[&str],
) -> (PathBuf, i32, String, String) {
    let dir = temp_dir(&format!("import-{name}"));
    copy_tree(&fixtures(), &dir);
    let cwd = dir.join(cwd);
    let mut args: Vec<String> = vec!["import".into()];
    args.extend(arguments(&dir.join(args_file)));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = hybridc(&cwd, &args);
    (
        cwd,
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn each_fixture_imports_to_a_spec_that_compiles_with_every_difference_explained() {
    for (name, cwd, args) in FIXTURES {
        let (dir, code, stdout, stderr) = import(name, cwd, args, &["--into", "."]);
        assert!(
            code == 0 || code == 1,
            "import of {name} could not run (exit {code}):\n{stderr}"
        );
        let spec = fs::read_to_string(dir.join("spec/hybrid.yaml")).expect("the imported spec");
        let snapshots = repo().join("tests/snapshots/import");
        golden(&snapshots.join(format!("{name}.hybrid.yaml")), &spec);
        golden(
            &snapshots.join(format!("{name}.report.txt")),
            &format!("exit {code}\n--- stderr\n{stderr}--- stdout\n{stdout}"),
        );
        for command in [&["validate", "spec/"][..], &["check", "spec/"]] {
            let out = hybridc(&dir, command);
            assert!(
                out.status.success(),
                "{name}: `hybridc {}` after import:\n{}{}",
                command.join(" "),
                text(&out.stdout),
                text(&out.stderr)
            );
        }
        // Every difference the report lists has its reason: an unexpected one is marked so.
        let json = hybridc(
            &dir,
            &{
                let mut a: Vec<String> = vec!["import".into()];
                a.extend(arguments(&fixtures().join(args)));
                a.extend(["--dry-run", "--format", "json"].map(String::from));
                a
            }
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        );
        let report: serde_json::Value =
            serde_json::from_slice(&json.stdout).expect("the JSON report parses");
        assert_eq!(
            json.status.code(),
            Some(code),
            "{name}: same exit code in JSON"
        );
        assert!(report.is_object(), "{name}: {report}");
    }
}

#[test]
fn a_literal_secret_in_a_var_file_is_reported_masked_and_never_copied() {
    let (dir, _, stdout, stderr) =
        import("secret", "vsphere", "vsphere/import.args", &["--into", "."]);
    let secret_file = dir.join("config/dev/vsphere.pkrvars.hcl");
    let var_file = fs::read_to_string(&secret_file).expect("the var file");
    let line = var_file
        .lines()
        .find(|l| l.trim_start().starts_with("vsphere_password"))
        .expect("the literal secret");
    let secret = line.split('"').nth(1).expect("a quoted value");
    assert!(
        stderr.contains("hybridc::import::literal-secret"),
        "{stderr}"
    );
    assert!(
        stderr.contains("config/dev/vsphere.pkrvars.hcl:"),
        "{stderr}"
    );
    for (what, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(!text.contains(secret), "the secret is in {what}");
    }
    for entry in walk(&dir.join("spec"))
        .into_iter()
        .chain(walk(&dir.join("generated")))
    {
        let text = fs::read_to_string(&entry).unwrap_or_default();
        assert!(
            !text.contains(secret),
            "the secret is in {}",
            entry.display()
        );
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_tree_hybridc_generated_imports_back_to_a_spec_that_compiles_to_the_same_tree() {
    let dir = temp_dir("import-round-trip");
    for folder in [
        "spec",
        "generated",
        "installers",
        "scripts",
        "ansible",
        "schema",
    ] {
        copy_tree(&repo().join(folder), &dir.join("original").join(folder));
    }
    // The scripts and playbooks the tree runs are outside the new repository: the import
    // brings them in.
    let into = dir.join("imported");
    let out = hybridc(
        &dir.join("original"),
        &[
            "import",
            "generated",
            "--env",
            "dev=generated/env/dev.pkrvars.hcl",
            "--env",
            "prod=generated/env/prod.pkrvars.hcl",
            "--into",
            into.to_str().expect("UTF-8 path"),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // The same build files, and what the builds run: the scripts, and the playbooks with the
    // roles and `ansible.cfg` Ansible finds beside them (the repository's playbooks use roles:
    // a playbook copied alone fails at its first role).
    for folder in ["generated", "scripts", "ansible"] {
        same_tree(&dir.join("original").join(folder), &into.join(folder));
    }
}

/// `again` holds the files `original` holds, with the same bytes, and no others.
fn same_tree(original: &Path, again: &Path) {
    let relative = |root: &Path| {
        let mut files: Vec<PathBuf> = walk(root)
            .into_iter()
            .map(|p| p.strip_prefix(root).expect("under").to_path_buf())
            .collect();
        files.sort();
        files
    };
    let files = relative(original);
    assert!(!files.is_empty(), "{} holds files", original.display());
    assert_eq!(
        files,
        relative(again),
        "the same files in {}",
        again.display()
    );
    for file in files {
        let a = fs::read_to_string(original.join(&file)).expect("original");
        let b = fs::read_to_string(again.join(&file)).expect("imported");
        assert!(
            a == b,
            "{} differs after the round trip:\n{}",
            file.display(),
            crate::support::diff(&a, &b)
        );
    }
}

#[test]
fn bad_input_is_refused_at_its_place_and_nothing_is_written() {
    let dir = temp_dir("import-bad");
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
        fs::write(path, text).expect("write");
    };
    // An HCL syntax error, at its file:line:col.
    write(
        "syntax/build.pkr.hcl",
        "source \"vsphere-iso\" \"x\" {\n  CPUs = 2\n  RAM = = 4096\n}\n",
    );
    // A folder with no source.
    write(
        "empty/variables.pkr.hcl",
        "variable \"x\" {\n  default = 1\n}\n",
    );
    // A symlink loop.
    fs::create_dir_all(dir.join("loop")).expect("folder");
    std::os::unix::fs::symlink("loop.pkr.hcl", dir.join("loop/loop.pkr.hcl")).expect("link");
    for (folder, code, expected) in [
        (
            "syntax",
            "hybridc::import::syntax",
            "syntax/build.pkr.hcl:3:",
        ),
        ("empty", "hybridc::import::no-sources", "empty"),
        ("loop", "hybridc::import::symlink-loop", "loop/loop.pkr.hcl"),
        ("missing", "", "missing"),
    ] {
        let out = hybridc(&dir, &["import", folder, "--into", "repo"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{folder}: {stderr}");
        assert!(stderr.contains(code), "{folder}: {stderr}");
        assert!(stderr.contains(expected), "{folder}: {stderr}");
        assert!(
            !dir.join("repo").exists(),
            "{folder}: something was written"
        );
    }
}

#[test]
fn a_builder_hybridc_does_not_compile_to_is_listed_and_skipped() {
    let dir = temp_dir("import-unsupported");
    copy_tree(&fixtures().join("proxmox"), &dir);
    let extra = dir.join("builds/linux/ubuntu/22-04-lts/qemu.pkr.hcl");
    fs::write(
        &extra,
        "source \"qemu\" \"local\" {\n  iso_url      = \"https://example.com/x.iso\"\n  iso_checksum = \"none\"\n}\n",
    )
    .expect("write");
    let mut args: Vec<String> = vec!["import".into()];
    args.extend(arguments(&dir.join("import.args")));
    args.extend(["--dry-run".to_owned()]);
    let out = hybridc(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("hybridc::import::unsupported-builder"),
        "{stderr}"
    );
    assert!(stderr.contains("qemu.pkr.hcl:1:"), "{stderr}");
    assert!(!dir.join("spec").exists(), "a dry run writes nothing");
}

/// A template kept from another tree renders the same text under hybridc as it did in the
/// tree: rendered by HashiCorp's own template engine (`tests/render`, as Packer's
/// `templatefile()` in hashicorp/packer `hcl2template/function/templatefile.go`), once with
/// the tree's `templatefile` object and once, rewritten, with the installer inputs the import
/// gives the OS (`inputs`, strings only, as the spec writes them).
#[test]
fn a_kept_template_renders_what_it_rendered_in_its_tree() {
    use crate::installers::{Rendered, helper, render};
    use hybridc::import::templates::{Input, adapt};
    use hybridc::import::tree::Value;
    let Some(exe) = helper() else {
        return;
    };
    let dir = temp_dir("import-kept-template");
    let original = "lang ${vm_guest_os_language}\n%{ for p in additional_packages ~}\n- ${p}\n%{ endfor ~}\n%{ if vm_disk_use_swap }swap ${vm_disk_swap_mb}%{ endif }\nuser ${build_username}\n%{ for k, v in vm_network }${k}=${v}\n%{ endfor }";
    let s = |t: &str| Value::String(t.to_owned());
    let vars = Value::Object(vec![
        ("vm_guest_os_language".into(), s("en_US")),
        (
            "additional_packages".into(),
            Value::List(vec![s("open-vm-tools"), s("curl")]),
        ),
        ("vm_disk_use_swap".into(), Value::Bool(true)),
        ("vm_disk_swap_mb".into(), Value::Number(2048.into())),
        ("build_username".into(), s("packer")),
        (
            "vm_network".into(),
            Value::Object(vec![
                ("device".into(), s("ens192")),
                ("dhcp".into(), Value::Bool(true)),
            ]),
        ),
    ]);
    let adapted = adapt(original, &vars, &|_, _| None).expect("a template");
    let as_json = serde_json::json!({
        "vm_guest_os_language": "en_US",
        "additional_packages": ["open-vm-tools", "curl"],
        "vm_disk_use_swap": true,
        "vm_disk_swap_mb": 2048,
        "build_username": "packer",
        "vm_network": { "device": "ens192", "dhcp": true },
    });
    let inputs: serde_json::Map<String, serde_json::Value> = adapted
        .inputs
        .iter()
        .map(|(name, input)| match input {
            Input::Text(text) => (name.clone(), text.clone().into()),
            Input::Secret(_) => panic!("no secret here"),
        })
        .collect();
    // hybridc passes its own variables beside `inputs`; the rewritten template reads none of
    // the names the tree passed from them.
    let hybridc_vars = serde_json::json!({ "inputs": inputs, "build_username": "someone-else" });
    let mut rendered = Vec::new();
    for (name, text, vars) in [
        ("original", original, &as_json),
        ("adapted", adapted.text.as_str(), &hybridc_vars),
    ] {
        let path = dir.join(format!("{name}.pkrtpl.hcl"));
        fs::write(&path, text).expect("write the template");
        match render(exe, &path, vars, &format!("import-kept-{name}")) {
            Rendered::Text(out) => rendered.push(out),
            Rendered::Error(e) => panic!("{name} does not render:\n{e}\n{text}"),
        }
    }
    assert_eq!(rendered[0], rendered[1]);
    assert!(rendered[0].contains("- curl\n") && rendered[0].contains("swap 2048"));
}

/// Imported into a new repository, a Windows build's CD still holds every file the tree's CD
/// held: Packer's own CD step (Packer 1.6.6, `plugin_behaviour::cd_listing`) lists the CD the
/// tree's `cd_files` make and the CD the compiled tree's make. The vSphere tree puts its
/// `scripts/windows/` folder on the CD, which its answer file runs scripts from.
#[test]
fn an_imported_windows_cd_holds_what_the_trees_cd_held() {
    let dir = temp_dir("import-windows-cd");
    let into = dir.join("imported");
    let into_arg = into.display().to_string();
    let (cwd, code, stdout, stderr) = import(
        "windows-cd",
        "vsphere",
        "vsphere/import.args",
        &["--into", &into_arg],
    );
    assert!(matches!(code, 0 | 1), "{stdout}{stderr}");
    let scripts: Vec<String> = fs::read_dir(cwd.join("scripts/windows"))
        .expect("the tree's scripts")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!scripts.is_empty());
    for script in &scripts {
        let original = fs::read(cwd.join("scripts/windows").join(script)).expect("the tree's");
        let copied = fs::read(into.join("scripts/windows").join(script))
            .unwrap_or_else(|e| panic!("{script} in the new repository: {e}"));
        assert_eq!(original, copied, "{script}");
    }
    if !(tool("packer", "apt-get install packer")
        && tool("xorriso", "apt-get install xorriso")
        && tool("qemu-img", "apt-get install qemu-utils"))
    {
        return;
    }
    // The tree's `cd_files`, as Packer evaluates `${path.cwd}/scripts/windows/`.
    let theirs = format!("[\"{}/scripts/windows/\"]", cwd.display());
    let original = crate::plugin_behaviour::cd_listing(&dir, &theirs).expect("the tree's CD");
    let compiled = fs::read_to_string(into.join("generated/vsphere.pkr.hcl")).expect("compiled");
    let ours = compiled
        .lines()
        .find_map(|l| l.trim().strip_prefix("cd_files"))
        .map(|l| l.trim().trim_start_matches('=').trim().to_owned())
        .expect("the compiled source's cd_files");
    let listing = crate::plugin_behaviour::cd_listing(&into, &ours).expect("the compiled CD");
    let files = |listing: &str| -> Vec<String> {
        listing
            .lines()
            .map(|l| l.trim().trim_matches('\'').to_owned())
            .filter(|l| l.ends_with(".ps1"))
            .collect()
    };
    let on_theirs = files(&original);
    assert_eq!(on_theirs.len(), scripts.len(), "{original}");
    let on_ours = files(&listing);
    for file in &on_theirs {
        assert!(
            on_ours.contains(file),
            "{file} on the compiled CD:\n{listing}"
        );
    }
}
