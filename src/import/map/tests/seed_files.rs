//! The files a tree serves its installer beside the answer file.
use super::*;

/// The files a Windows source puts on its CD beside the answer file go into the folder hybridc
/// puts on the CD (`scripts/windows/*`), at their place on the tree's CD; one whose name is
/// taken there by another file is reported. None of them is taken for the answer file, even
/// when the tree's answer file is hybridc's own and so is not kept.
#[test]
fn files_beside_the_answer_file_go_where_hybridc_puts_them_on_the_cd() {
    let repo = repository("windows-cd");
    let template = "builds/windows/server/2022/data/autounattend.pkrtpl.hcl";
    let kind = crate::installer::kind(crate::spec::Installer::Autounattend);
    let (_, shared) = crate::init::templates(kind)
        .unwrap_or_default()
        .into_iter()
        .find(|(path, _)| path.ends_with("autounattend.pkrtpl.hcl"))
        .expect("hybridc's answer file");
    write(&repo, template, shared);
    write(
        &repo,
        "scripts/windows/taken.ps1",
        "# the repository's own\n",
    );
    let outside = crate::output::tests::scratch("import-map-windows-cd-outside");
    write(&outside, "scripts/enable.ps1", "Enable-PSRemoting\n");
    write(
        &outside,
        "scripts/drivers/net.inf",
        [0xffu8, 0xfe, 0x5b, 0x00],
    );
    write(&outside, "scripts/taken.ps1", "# the tree's\n");
    let mut windows = windows(&repo);
    for source in &mut windows.sources {
        let pattern = format!("{}/scripts/*", outside.display());
        source
            .body
            .attributes
            .push(attr("cd_files", list(vec![s(&pattern)])));
    }
    let environments = [Environment {
        name: "default".to_owned(),
        folders: vec![vsphere(&repo, "dc-dev"), windows],
    }];
    let imported = map(&environments, &repo);
    valid(&repo, &imported);
    let spec = crate::yaml::parse(&imported.spec).expect("YAML").to_json();
    assert_eq!(
        spec["oses"]["windows-2022"].get("templates"),
        None,
        "{}",
        imported.spec
    );
    let file = |path: &str| written(&imported, path);
    assert_eq!(
        file("scripts/windows/enable.ps1"),
        Some(&b"Enable-PSRemoting\n"[..])
    );
    assert_eq!(
        file("scripts/windows/drivers/net.inf"),
        Some(&[0xffu8, 0xfe, 0x5b, 0x00][..])
    );
    assert_eq!(file("scripts/windows/taken.ps1"), None);
    let reported: Vec<&str> = imported
        .unmapped
        .iter()
        .filter(|u| u.argument.starts_with("cd_files"))
        .map(|u| u.argument.as_str())
        .collect();
    assert_eq!(
        reported,
        ["cd_files (taken.ps1)"],
        "{:?}",
        imported.unmapped
    );
}

/// A file a Linux tree serves its installer beside the answer file (`http_content`) has no
/// place in the spec and is reported, while the answer file is still recognised by its name.
/// The other files of an `http_directory` are not: Packer serves the folder whole, and which
/// of them the installer reads the tree does not say.
#[test]
fn files_a_linux_installer_is_served_besides_its_templates_are_reported() {
    let repo = repository("linux-http");
    let served = crate::output::tests::scratch("import-map-linux-http-served");
    write(
        &served,
        "user-data",
        "#cloud-config\nautoinstall:\n  version: 1\n",
    );
    write(&served, "meta-data", "");
    write(&served, "README", "not read by the installer\n");
    write(&served, "post.sh", "#!/bin/sh\n");
    let mut folder = vsphere(&repo, "dc-dev");
    let body = &mut folder.sources[0].body;
    body.attributes.retain(|a| a.name != "http_content");
    body.attributes
        .push(attr("http_directory", s(&served.display().to_string())));
    body.attributes.push(attr(
        "http_content",
        Value::Object(vec![(
            "/post.sh".to_owned(),
            Value::File {
                path: served.join("post.sh"),
            },
        )]),
    ));
    let environments = [Environment {
        name: "default".to_owned(),
        folders: vec![folder],
    }];
    let imported = map(&environments, &repo);
    valid(&repo, &imported);
    let reported: Vec<(&str, bool)> = imported
        .unmapped
        .iter()
        .filter(|u| u.reason.contains("serves only"))
        .map(|u| {
            (
                u.argument.as_str(),
                u.reason.contains("user-data.pkrtpl.hcl"),
            )
        })
        .collect();
    assert_eq!(
        reported,
        [("http_content (post.sh)", true)],
        "{:?}",
        imported.unmapped
    );
}

/// A Windows source that boots its answer file from a floppy (`floppy_files`, as vSphere trees
/// often do) is read like one that boots it from a CD: its own answer file is kept as the OS's
/// template, the scripts beside it go to `scripts/windows/`, which hybridc puts on the CD, and
/// no floppy argument reaches `options:`, where it would put a second answer file on a drive
/// Windows Setup searches first.
#[test]
fn a_windows_answer_file_on_a_floppy_is_read_as_the_seed() {
    let repo = repository("windows-floppy");
    let outside = crate::output::tests::scratch("import-map-windows-floppy-outside");
    write(
        &outside,
        "answer/Autounattend.xml",
        "<unattend>the tree's own</unattend>\n",
    );
    write(&outside, "answer/scripts/enable.ps1", "Enable-PSRemoting\n");
    let mut windows = windows(&repo);
    for source in &mut windows.sources {
        source.body.attributes.retain(|a| a.name != "cd_content");
        let folder = outside.join("answer").display().to_string();
        source
            .body
            .attributes
            .push(attr("floppy_files", list(vec![s(&folder)])));
    }
    let environments = [Environment {
        name: "default".to_owned(),
        folders: vec![vsphere(&repo, "dc-dev"), windows],
    }];
    let imported = map(&environments, &repo);
    valid(&repo, &imported);
    let spec = crate::yaml::parse(&imported.spec).expect("YAML").to_json();
    let os = &spec["oses"]["windows-2022"];
    let template = os["templates"]["autounattend.pkrtpl.hcl"]
        .as_str()
        .unwrap_or_else(|| panic!("the tree's answer file is kept:\n{}", imported.spec));
    assert_eq!(
        written(&imported, template),
        Some(&b"<unattend>the tree's own</unattend>\n"[..])
    );
    assert_eq!(
        written(&imported, "scripts/windows/enable.ps1"),
        Some(&b"Enable-PSRemoting\n"[..])
    );
    assert!(!imported.spec.contains("floppy"), "{}", imported.spec);
}
