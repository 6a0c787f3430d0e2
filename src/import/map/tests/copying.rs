//! Copying what a step names from outside the repository: a playbook with what Ansible reads
//! beside it, an uploaded folder.

use std::path::{Path, PathBuf};

use super::write;
use crate::import::map::copies;

/// A playbook folder outside the repository, as frameworks lay one out: the playbook, its
/// `ansible.cfg`, roles, variables beside it, a plugin, a binary file its play uploads, a
/// playbook it imports (which names a task file), a variables file it names, and things Ansible
/// does not read for it.
fn playbook_folder(name: &str) -> PathBuf {
    let outside = crate::output::tests::scratch(&format!("import-map-{name}"));
    for (path, text) in [
        (
            "site.yml",
            "- import_playbook: common.yml\n- hosts: all\n  vars_files: [settings/image.yml]\n  roles: [base]\n",
        ),
        (
            "common.yml",
            "- hosts: all\n  tasks:\n    - include_tasks: extra/tasks.yml\n",
        ),
        ("extra/tasks.yml", "- debug: msg=extra\n"),
        ("settings/image.yml", "motd: golden\n"),
        ("ansible.cfg", "[defaults]\nhost_key_checking = False\n"),
        ("requirements.yml", "collections: []\n"),
        (
            "roles/base/tasks/main.yml",
            "- template: src=motd.j2 dest=/etc/motd\n",
        ),
        ("roles/base/templates/motd.j2", "{{ motd }}\n"),
        ("group_vars/all.yml", "base_packages: [curl]\n"),
        ("library/hello.py", "print('hello')\n"),
        ("notes.txt", "not Ansible's\n"),
        ("builds/big.iso", "not Ansible's either\n"),
        ("roles/base/.git/HEAD", "ref: refs/heads/main\n"),
    ] {
        write(&outside, path, text);
    }
    write(&outside, "files/blob.bin", [0u8, 159, 146, 150, 255]);
    outside
}

/// What the copy of `playbook_folder` holds under `base`, relative to it.
fn copied_under(files: &[(PathBuf, Vec<u8>)], base: &str) -> Vec<String> {
    files
        .iter()
        .filter_map(|(p, _)| p.strip_prefix(base).ok())
        .map(|p| p.display().to_string())
        .collect()
}

/// A playbook outside the repository comes with what Ansible reads beside it, in the same
/// layout and with the same bytes, and without what Ansible does not read for it.
#[test]
fn a_playbook_is_copied_with_what_ansible_reads_beside_it() {
    let repo = crate::output::tests::scratch("import-map-playbook-repo");
    let outside = playbook_folder("playbook-outside");
    let mut files = Vec::new();
    let mut cx = copies::Context {
        repo: &repo,
        files: &mut files,
    };
    let playbook = outside.join("site.yml").display().to_string();
    let galaxy = outside.join("requirements.yml").display().to_string();
    let (copied, galaxy_copied) = copies::playbook(&playbook, Some(&galaxy), &mut cx);
    assert_eq!(copied, "ansible/site.yml");
    assert_eq!(galaxy_copied.as_deref(), Some("ansible/requirements.yml"));
    let mut under = copied_under(&files, "ansible");
    under.sort();
    assert_eq!(
        under,
        [
            "ansible.cfg",
            "common.yml",
            "extra/tasks.yml",
            "files/blob.bin",
            "group_vars/all.yml",
            "library/hello.py",
            "requirements.yml",
            "roles/base/tasks/main.yml",
            "roles/base/templates/motd.j2",
            "settings/image.yml",
            "site.yml",
        ]
    );
    for (path, bytes) in &files {
        let rel = path.strip_prefix("ansible").expect("under ansible/");
        assert_eq!(
            *bytes,
            std::fs::read(outside.join(rel)).expect("the original")
        );
    }
    // Copied again (another build's step), it is the same copy, added once.
    let before = files.len();
    let mut cx = copies::Context {
        repo: &repo,
        files: &mut files,
    };
    assert_eq!(
        copies::playbook(&playbook, None, &mut cx).0,
        "ansible/site.yml"
    );
    assert_eq!(files.len(), before);
}

/// Where `ansible/` holds a role of the same name with other content, or with files the
/// tree's role does not have, the playbook and everything beside it go to a folder of their
/// own; where it holds the same files, nothing is copied again.
#[test]
fn a_playbook_that_would_meet_other_files_gets_a_folder_of_its_own() {
    let outside = playbook_folder("playbook-meets");
    let playbook = outside.join("site.yml").display().to_string();
    let place = |repo: &Path| {
        let mut files = Vec::new();
        let mut cx = copies::Context {
            repo,
            files: &mut files,
        };
        let (copied, _) = copies::playbook(&playbook, None, &mut cx);
        (copied, files)
    };

    let other = crate::output::tests::scratch("import-map-playbook-other-role");
    write(
        &other,
        "ansible/roles/base/tasks/main.yml",
        "- debug: msg=ours\n",
    );
    let (copied, files) = place(&other);
    assert_eq!(copied, "ansible/site/site.yml");
    assert!(copied_under(&files, "ansible/site").contains(&"roles/base/tasks/main.yml".into()));

    let more = crate::output::tests::scratch("import-map-playbook-role-with-more");
    for (path, _) in place(&other)
        .1
        .iter()
        .filter(|(p, _)| p.starts_with("ansible/site/roles"))
    {
        let rel = path.strip_prefix("ansible/site").expect("under");
        std::fs::create_dir_all(more.join("ansible").join(rel).parent().expect("a folder"))
            .expect("a folder");
        std::fs::copy(outside.join(rel), more.join("ansible").join(rel)).expect("copied");
    }
    write(
        &more,
        "ansible/roles/base/tasks/other.yml",
        "- debug: msg=more\n",
    );
    assert_eq!(place(&more).0, "ansible/site/site.yml");

    let same = crate::output::tests::scratch("import-map-playbook-same");
    let (_, first) = place(&same);
    for (path, bytes) in &first {
        write(&same, path, bytes);
    }
    let (copied, again) = place(&same);
    assert_eq!(copied, "ansible/site.yml");
    assert!(again.is_empty(), "{again:?}");

    // A playbook with nothing beside it keeps the numbered names of other copies.
    let alone = crate::output::tests::scratch("import-map-playbook-alone");
    write(&alone, "site.yml", "- hosts: all\n  tasks: []\n");
    let taken = crate::output::tests::scratch("import-map-playbook-taken");
    write(&taken, "ansible/site.yml", "- hosts: none\n");
    let mut files = Vec::new();
    let mut cx = copies::Context {
        repo: &taken,
        files: &mut files,
    };
    let path = alone.join("site.yml").display().to_string();
    assert_eq!(
        copies::playbook(&path, None, &mut cx).0,
        "ansible/site-2.yml"
    );
}

/// A folder a file step uploads is copied whole, binary files and all, keeping the trailing
/// `/` that makes Packer upload its content; a folder of that name with other files makes a
/// numbered copy.
#[test]
fn an_uploaded_folder_is_copied_whole() {
    let outside = crate::output::tests::scratch("import-map-upload");
    write(&outside, "certs/ca.pem", "-----BEGIN CERTIFICATE-----\n");
    write(&outside, "certs/der/ca.der", [48u8, 130, 1, 10, 255]);
    let repo = crate::output::tests::scratch("import-map-upload-repo");
    write(&repo, "files/certs/other.pem", "another\n");
    let mut files = Vec::new();
    let mut cx = copies::Context {
        repo: &repo,
        files: &mut files,
    };
    let folder = format!("{}/", outside.join("certs").display());
    assert_eq!(
        copies::repo_path(&folder, "files", &mut cx),
        "files/certs-2/"
    );
    let written: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (p.display().to_string(), b.clone()))
        .collect();
    assert_eq!(
        written,
        [
            (
                "files/certs-2/ca.pem".to_owned(),
                b"-----BEGIN CERTIFICATE-----\n".to_vec()
            ),
            (
                "files/certs-2/der/ca.der".to_owned(),
                vec![48u8, 130, 1, 10, 255]
            ),
        ]
    );
    let mut cx = copies::Context {
        repo: &repo,
        files: &mut files,
    };
    let bare = outside.join("certs").display().to_string();
    assert_eq!(copies::repo_path(&bare, "files", &mut cx), "files/certs-2");
    assert_eq!(files.len(), 2);
}

/// A file step the spec's `file` step cannot be is left out with its reason, never turned into
/// something else: a download is not made an upload, and inline content or several sources are
/// not dropped in silence; one source written as `sources` is a `source` (hashicorp/packer
/// `provisioner/file/provisioner.go`, `Provisioner.Prepare` and `ProvisionUpload`: one list of
/// sources, each uploaded to the destination).
#[test]
fn a_file_step_the_spec_cannot_hold_is_reported_not_changed() {
    use super::{at, attr, block, list, s};
    use crate::import::map::steps;
    use crate::import::tree::{Attribute, Step};
    let repo = crate::output::tests::scratch("import-map-file-steps");
    write(&repo, "files/motd", "hello\n");
    let motd = repo.join("files/motd").display().to_string();
    let file = |attributes: Vec<Attribute>| Step {
        kind: "file".to_owned(),
        body: block(attributes),
        only: Vec::new(),
        except: Vec::new(),
        at: at(0, 1, 2),
    };
    let map = |step: &Step| {
        let mut files = Vec::new();
        let mut cx = copies::Context {
            repo: &repo,
            files: &mut files,
        };
        let mut skipped = Vec::new();
        let json = steps::step(step, &[], &mut cx, &mut skipped);
        let reasons: Vec<String> = skipped.into_iter().map(|s| s.reason).collect();
        (json, reasons)
    };
    let destination = attr("destination", s("/etc/motd"));
    let (json, reasons) = map(&file(vec![
        attr("sources", list(vec![s(&motd)])),
        destination.clone(),
    ]));
    assert_eq!(
        json,
        Some(serde_json::json!({"file": {"source": "files/motd", "destination": "/etc/motd"}}))
    );
    assert!(reasons.is_empty(), "{reasons:?}");
    for (attributes, reason) in [
        (
            vec![
                attr("source", s(&motd)),
                destination.clone(),
                attr("direction", s("download")),
            ],
            "a download",
        ),
        (
            vec![attr("content", s("hello\n")), destination.clone()],
            "write the content",
        ),
        (
            vec![
                attr("sources", list(vec![s(&motd), s(&motd)])),
                destination.clone(),
            ],
            "one step per file",
        ),
        (vec![attr("source", s(&motd))], "no `destination`"),
    ] {
        let (json, reasons) = map(&file(attributes));
        assert_eq!(json, None);
        assert!(
            reasons.len() == 1 && reasons[0].contains(reason),
            "{reason}: {reasons:?}"
        );
    }
}

/// A file where the copies' folder has to be keeps every name from fitting: the copy gives up
/// after a bounded number of names, adds nothing, and names the first place, which the spec's
/// check then reports as missing.
#[test]
fn a_file_in_the_way_of_the_copies_ends_the_search() {
    let repo = crate::output::tests::scratch("import-map-file-in-the-way");
    write(&repo, "files", "a file, not a folder\n");
    write(&repo, "ansible", "a file, not a folder\n");
    let outside = playbook_folder("file-in-the-way-outside");
    write(&outside, "certs/ca.pem", "ca\n");
    let mut files = Vec::new();
    let mut cx = copies::Context {
        repo: &repo,
        files: &mut files,
    };
    let motd = outside.join("notes.txt").display().to_string();
    assert_eq!(
        copies::repo_path(&motd, "files", &mut cx),
        "files/notes.txt"
    );
    let certs = format!("{}/", outside.join("certs").display());
    assert_eq!(copies::repo_path(&certs, "files", &mut cx), "files/certs/");
    let playbook = outside.join("site.yml").display().to_string();
    assert_eq!(
        copies::playbook(&playbook, None, &mut cx).0,
        "ansible/site.yml"
    );
    assert!(files.is_empty(), "{files:?}");
}
