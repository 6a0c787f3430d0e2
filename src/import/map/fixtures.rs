//! The mapper on trees on disk, read by the reader: the fixture trees of
//! `tests/fixtures/import/`, read as `hybridc import` reads them (their `import.args`, from
//! the tree's folder), each imported spec passing every check `hybridc validate` runs in a
//! copy of the tree holding the files the mapper asks for; and the repository's own
//! generated tree, which imports back to a spec that compiles to it.

use std::path::{Path, PathBuf};

use super::*;
use crate::diagnostic::SourceFile;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");

/// The environments an `import.args` file describes, read from `cwd`.
fn environments(cwd: &Path, args: &str) -> Vec<Environment> {
    let text = std::fs::read_to_string(cwd.join(args)).expect("the arguments");
    let mut lines = text.lines();
    let (mut dirs, mut shared, mut envs) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(line) = lines.next() {
        match line {
            "--var-file" => shared.push(PathBuf::from(lines.next().expect("a var file"))),
            "--env" => {
                let (name, files) = lines
                    .next()
                    .and_then(|l| l.split_once('='))
                    .expect("NAME=FILES");
                envs.push((
                    name.to_owned(),
                    files.split(',').map(PathBuf::from).collect::<Vec<_>>(),
                ));
            }
            dir => dirs.push(PathBuf::from(dir)),
        }
    }
    if envs.is_empty() {
        envs.push(("default".to_owned(), Vec::new()));
    }
    envs.into_iter()
        .map(|(name, own)| {
            let var_files: Vec<PathBuf> = shared.iter().chain(&own).cloned().collect();
            let folders = dirs
                .iter()
                .map(
                    |dir| match crate::import::read::read_in(cwd, dir, &var_files) {
                        Ok(folder) => folder,
                        Err(findings) => panic!("{}: {:?}", dir.display(), findings[0].diagnostic),
                    },
                )
                .collect();
            Environment { name, folders }
        })
        .collect()
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a folder") {
        let path = entry.expect("an entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copied");
        }
    }
}

/// Imports `tree` with `args` and checks the spec in a copy of the tree.
fn import(tree: &str, args: &str) -> Imported {
    let cwd = Path::new(FIXTURES).join(tree);
    let imported = map(&environments(&cwd, args), &cwd);
    let name: String = format!("{tree}-{args}")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let repo = crate::output::tests::scratch(&format!("import-map-fixture-{name}"));
    copy(&cwd, &repo);
    for (path, text) in &imported.files {
        let file = repo.join(path);
        std::fs::create_dir_all(file.parent().expect("a folder")).expect("a folder");
        std::fs::write(file, text).expect("written");
    }
    let source = SourceFile::new("spec/hybrid.yaml", imported.spec.clone());
    if let Err(error) = crate::validate_source(source, repo) {
        panic!("{}\n{error:?}", imported.spec);
    }
    imported
}

fn compiled(imported: &Imported) -> Vec<&str> {
    imported
        .origins
        .iter()
        .map(|o| o.compiled.as_str())
        .collect()
}

#[test]
fn the_vsphere_tree_imports_with_its_literal_secret_reported() {
    let imported = import("vsphere", "import.args");
    assert_eq!(
        compiled(&imported),
        [
            "vsphere-iso.ubuntu-2204",
            "vsphere-iso.rhel-9",
            "vsphere-iso.windows-2022-standard",
            "vsphere-iso.windows-2022-datacenter",
        ]
    );
    let secrets: Vec<String> = imported
        .findings
        .iter()
        .map(|f| format!("{} {}", f.file.name, f.diagnostic.code.as_str()))
        .collect();
    assert_eq!(
        secrets,
        ["config/dev/vsphere.pkrvars.hcl hybridc::import::literal-secret"]
    );
    assert!(imported.unmapped.iter().any(|u| u.argument == "boot_delay"));
    assert!(
        imported.spec.contains("vm_version: 19"),
        "{}",
        imported.spec
    );
}

#[test]
fn the_proxmox_tree_imports() {
    let imported = import("proxmox", "import.args");
    assert_eq!(
        compiled(&imported),
        ["proxmox-iso.ubuntu-2204", "proxmox-iso.debian-12"]
    );
    assert!(
        imported.spec.contains("boot: order=scsi0;ide2"),
        "{}",
        imported.spec
    );
}

#[test]
fn the_azure_tree_imports() {
    let imported = import("azure", "import.args");
    assert_eq!(
        compiled(&imported),
        ["azure-arm.ubuntu-2204", "azure-arm.windows-2022-datacenter"]
    );
}

#[test]
fn one_release_of_three_trees_is_one_os_on_three_platforms() {
    let imported = import("vsphere", "../combined.args");
    assert_eq!(
        compiled(&imported),
        [
            "vsphere-iso.ubuntu-2204",
            "proxmox-iso.ubuntu-2204",
            "azure-arm.ubuntu-2204",
        ]
    );
    assert!(
        imported
            .spec
            .contains("    platforms: [proxmox, vsphere, azure]\n")
    );
}

/// The round trip: the repository's own generated tree, read for both environments, gives a
/// spec that compiles to the same files, with nothing left over.
#[test]
fn the_generated_tree_imports_to_a_spec_that_compiles_to_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = root.join("generated");
    let environments: Vec<Environment> = ["dev", "prod"]
        .into_iter()
        .map(|name| {
            let var_file = generated.join(format!("env/{name}.pkrvars.hcl"));
            let folder = crate::import::read::read(&generated, &[var_file]);
            Environment {
                name: name.to_owned(),
                folders: vec![folder.expect("the generated tree reads")],
            }
        })
        .collect();
    let imported = map(&environments, root);
    assert!(imported.files.is_empty(), "{:?}", imported.files);
    assert!(imported.unmapped.is_empty(), "{:?}", imported.unmapped);
    assert!(imported.findings.is_empty());
    let source = SourceFile::new("spec/hybrid.yaml", imported.spec.clone());
    let loaded = crate::check(source, root.to_path_buf()).expect("a valid spec");
    let layout = crate::lower::Layout {
        spec_path: "spec/hybrid.yaml".to_owned(),
        to_root: "..".to_owned(),
    };
    let (model, _) = crate::lower::lower(&loaded, &layout).expect("lowered");
    let files = crate::emit::emit(&model);
    assert_eq!(files.len(), 7);
    for file in files {
        let committed = std::fs::read_to_string(generated.join(&file.path)).expect("committed");
        assert!(
            file.contents == committed,
            "{} differs:\n{}",
            file.path,
            imported.spec
        );
    }
}
