//! The comparison on real HCL: the repository's own `generated/`, read back by the reader,
//! against itself and against an edited copy.

use std::path::{Path, PathBuf};

use super::at;
use crate::diagnostic::SourceFile;
use crate::import::compare::compare;
use crate::import::map::{Environment, Imported, Origin, Unmapped};
use crate::import::report::{Difference, Reason, Report};
use crate::import::tree::{Folder, Value};
use crate::spec::PlatformName;

fn generated() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("generated")
}

/// `generated/` read with `env/<environment>.pkrvars.hcl`, each `*.pkr.hcl` passed through
/// `edit(file name, text)` first.
fn read(environment: &str, edit: &dyn Fn(&str, String) -> String) -> Folder {
    let dir = generated();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("generated/ is committed")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pkr.hcl"))
        .collect();
    names.sort();
    let files = names
        .iter()
        .map(|name| {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).expect("readable");
            SourceFile::new(path.display().to_string(), edit(name, text))
        })
        .collect();
    let var_file = dir.join("env").join(format!("{environment}.pkrvars.hcl"));
    let text = std::fs::read_to_string(&var_file).expect("readable");
    let var_files = vec![SourceFile::new(var_file.display().to_string(), text)];
    crate::import::read::evaluate(&dir, files, var_files)
        .unwrap_or_else(|f| panic!("generated/ reads: {:?}", f.first().map(|f| &f.diagnostic)))
}

/// Every source of the folder as an origin of itself.
fn origins(folder: &Folder, unmapped: Vec<Unmapped>) -> Imported {
    let origins = folder
        .sources
        .iter()
        .map(|s| Origin {
            folder: folder.path.clone(),
            source: format!("{}.{}", s.builder, s.name),
            os: s.name.clone(),
            platform: PlatformName::ALL
                .into_iter()
                .find(|p| s.builder.starts_with(p.as_str()))
                .expect("a builder of hybridc's"),
            compiled: format!("{}.{}", s.builder, s.name),
        })
        .collect();
    Imported {
        spec: String::new(),
        files: Vec::new(),
        origins,
        unmapped,
        findings: Vec::new(),
    }
}

fn run(edit: &dyn Fn(&str, String) -> String, unmapped: Vec<Unmapped>) -> Report {
    let keep = |_: &str, text: String| text;
    let environments: Vec<Environment> = ["dev", "prod"]
        .into_iter()
        .map(|name| Environment {
            name: name.into(),
            folders: vec![read(name, edit)],
        })
        .collect();
    let compiled: Vec<(String, Folder)> = ["dev", "prod"]
        .into_iter()
        .map(|name| (name.to_owned(), read(name, &keep)))
        .collect();
    let imported = origins(&compiled[0].1, unmapped);
    compare(&environments, &compiled, &imported)
}

#[test]
fn the_repositorys_compiled_tree_against_itself_is_all_equal() {
    let report = run(&|_, text| text, Vec::new());
    let sources = read("dev", &|_, text| text).sources.len();
    assert_eq!(report.sources.len(), sources, "every source of generated/");
    let counts = report.counts();
    assert_eq!(
        (counts.changed, counts.dropped, counts.added),
        (0, 0, 0),
        "{}",
        report.render()
    );
    assert!(report.expected());
    assert!(counts.equal > 300, "{counts:?}");
    // The credentials are unknowns read from the environment: shown, as they hold no secret.
    assert!(!report.render().contains(crate::import::report::MASK));
}

/// `text` with `from` replaced by `to` once, inside the block that starts with `header`.
fn in_block(text: &str, header: &str, from: &str, to: &str) -> String {
    let start = text.find(header).expect("the block is there");
    let end = start + text[start..].find("\n}\n").expect("the block ends");
    let block = &text[start..end];
    assert!(block.contains(from), "{from:?} is in {header}");
    format!(
        "{}{}{}",
        &text[..start],
        block.replacen(from, to, 1),
        &text[end..]
    )
}

#[test]
fn an_edited_copy_shows_each_difference_with_or_without_its_reason() {
    let header = "source \"vsphere-iso\" \"debian-12\" {\n";
    let edit = |name: &str, text: String| {
        if name != "vsphere.pkr.hcl" {
            return text;
        }
        let text = in_block(&text, header, "CPUs                = 2", "CPUs = 3");
        let text = in_block(
            &text,
            header,
            "\"debian-12-${local.build_version}\"",
            "\"debian-12\"",
        );
        let text = in_block(
            &text,
            header,
            "  notes               = \"Debian 12 (bookworm), built by hybridc\"\n",
            "",
        );
        in_block(
            &text,
            header,
            header,
            &format!("{header}  vm_version = 19\n"),
        )
    };
    let report = run(&edit, Vec::new());
    let debian = report
        .sources
        .iter()
        .find(|s| s.compiled == "vsphere-iso.debian-12")
        .expect("compared");
    let differences: Vec<(&str, &str, Option<&Reason>)> = debian
        .entries
        .iter()
        .filter(|e| e.difference != Difference::Equal)
        .map(|e| (e.path.as_str(), e.difference.kind(), e.reason.as_ref()))
        .collect();
    assert_eq!(
        differences,
        [
            ("vm_version", "dropped", None),
            ("vm_name", "changed", Some(&Reason::VersionedName)),
            ("CPUs", "changed", None),
            ("notes", "added", Some(&Reason::Description)),
        ],
        "{}",
        report.render()
    );
    assert!(
        debian
            .entries
            .iter()
            .all(|e| e.environments == ["dev", "prod"])
    );
    assert!(!report.expected());
    let others = report
        .sources
        .iter()
        .filter(|s| s.compiled != "vsphere-iso.debian-12");
    assert!(
        others
            .flat_map(|s| &s.entries)
            .all(|e| e.difference == Difference::Equal)
    );

    // What the mapper reports as unmapped is dropped with its reason, and still unexpected.
    let unmapped = vec![Unmapped {
        folder: generated(),
        source: "vsphere-iso.debian-12".into(),
        argument: "vm_version".into(),
        value: Value::Number(19.into()),
        reason: "no spec field holds the VM hardware version".into(),
        at: at(),
    }];
    let report = run(&edit, unmapped);
    let text = report.render();
    assert!(
        text.contains("  ! dropped vm_version\n      old: 19\n      why: not imported: no spec field holds the VM hardware version\n"),
        "{text}"
    );
    assert_eq!(report.counts().unexpected, 2, "{text}");
}

#[test]
fn the_mappers_account_of_the_generated_tree_pairs_each_source_with_itself() {
    let keep = |_: &str, text: String| text;
    let environments: Vec<Environment> = ["dev", "prod"]
        .into_iter()
        .map(|name| Environment {
            name: name.into(),
            folders: vec![read(name, &keep)],
        })
        .collect();
    let compiled: Vec<(String, Folder)> = environments
        .iter()
        .map(|e| (e.name.clone(), e.folders[0].clone()))
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let imported = crate::import::map::map(&environments, root);
    let report = compare(&environments, &compiled, &imported);
    assert_eq!(report.sources.len(), compiled[0].1.sources.len());
    assert!(report.expected(), "{}", report.render());
    let shares = report.shares;
    assert_eq!(shares.unmapped, 0, "{shares:?}");
    assert!(
        shares.options > 0 && shares.spec > shares.options,
        "{shares:?}"
    );
}
