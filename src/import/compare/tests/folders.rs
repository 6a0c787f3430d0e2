//! Folders a step uploads, compared with their copies.

use super::{s, scratch};
use crate::import::report::Basis;
use crate::import::tree::Value;

/// A folder a step uploads compares by the files in it with the copy the import is about to
/// write (written with a trailing `/` on both or neither); a folder that holds the repository,
/// such as a path on the VM that happens to exist here, compares as text.
#[test]
fn an_uploaded_folder_compares_by_its_files() {
    let outside = scratch(
        "folder-outside",
        &[("certs/ca.pem", "ca\n"), ("certs/a/b", "b\n")],
    );
    let repo = scratch("folder-repo", &[("README", "\n")]);
    let pending = |b: &str| {
        crate::import::compare::Pending::new([
            (repo.join("files/certs/ca.pem"), b"ca\n".to_vec()),
            (repo.join("files/certs/a/b"), b.as_bytes().to_vec()),
        ])
    };
    let old = |slash: &str| s(&format!("{}/certs{slash}", outside.display()));
    let new = |slash: &str| {
        s(&format!(
            "{}/generated/../files/certs{slash}",
            repo.display()
        ))
    };
    let same = |a: &Value, b: &Value, files: &crate::import::compare::Pending| {
        crate::import::compare::value::equivalent(a, b, files)
    };
    assert_eq!(
        same(&old("/"), &new("/"), &pending("b\n")),
        (true, Basis::Content)
    );
    assert_eq!(
        same(&old(""), &new(""), &pending("b\n")),
        (true, Basis::Content)
    );
    assert!(!same(&old("/"), &new(""), &pending("b\n")).0);
    assert!(!same(&old("/"), &new("/"), &pending("other\n")).0);
    let holder = s(&repo.parent().expect("a parent").display().to_string());
    assert_eq!(
        same(&holder, &new("/"), &pending("b\n")),
        (false, Basis::Value)
    );
}
