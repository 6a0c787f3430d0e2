//! Steps, post-processors and the gallery's regions: what hybridc writes in its own form, and
//! what the mapper could not place in a step.

use std::path::PathBuf;

use super::{blocks, body, find, folder, imported, list, one, s, step, unknown};
use crate::import::map::Unmapped;
use crate::import::report::{Difference, Reason};
use crate::import::tree::Value;

fn report(
    old: Vec<crate::import::tree::Step>,
    new: Vec<crate::import::tree::Step>,
    unmapped: Vec<Unmapped>,
) -> crate::import::report::Report {
    let path = PathBuf::from("/trees/w");
    let a = folder(&path, "vsphere-iso", "w", Vec::new(), old, Vec::new());
    let b = folder(&path, "vsphere-iso", "w-1", Vec::new(), new, Vec::new());
    one(
        a,
        b,
        &imported(&path, "vsphere-iso.w", "vsphere-iso.w-1", unmapped),
    )
}

#[test]
fn elevation_is_hybridcs_only_where_it_keeps_the_steps_privileges() {
    let r = report(
        vec![
            step("powershell", vec![("elevated_user", s("packer"))]),
            step(
                "shell",
                vec![("execute_command", s("echo x | sudo -S sh '{{ .Path }}'"))],
            ),
        ],
        vec![
            step("powershell", vec![("elevated_user", unknown("build.User"))]),
            step("shell", Vec::new()),
        ],
        Vec::new(),
    );
    assert_eq!(
        find(&r, "provisioner[0].elevated_user").reason,
        Some(Reason::StepExecution)
    );
    // A step that loses its sudo runs differently: no reason covers it.
    assert_eq!(find(&r, "provisioner[1].execute_command").reason, None);
}

#[test]
fn ansible_arguments_compare_by_the_variables_they_pass() {
    let old = list(&["--extra-vars", "a=1 b=two", "-e", "c=3"]);
    let same = list(&[
        "--scp-extra-args",
        "'-O'",
        "--extra-vars",
        r#"{"a":"1","b":"two","c":"3"}"#,
    ]);
    let other = list(&["--scp-extra-args", "'-O'", "--extra-vars", r#"{"a":"1"}"#]);
    for (new, reason) in [(same, Some(Reason::AnsibleConnection)), (other, None)] {
        let r = report(
            vec![step("ansible", vec![("extra_arguments", old.clone())])],
            vec![step("ansible", vec![("extra_arguments", new)])],
            Vec::new(),
        );
        assert_eq!(find(&r, "provisioner[0].extra_arguments").reason, reason);
    }
}

#[test]
fn a_manifest_is_one_entry_and_a_step_argument_the_mapper_left_is_dropped() {
    let path = PathBuf::from("/trees/w");
    let manifest = |output: &str| step("manifest", vec![("output", s(output))]);
    let a = folder(
        &path,
        "vsphere-iso",
        "w",
        Vec::new(),
        vec![step("ansible", vec![("user", s("packer"))])],
        vec![manifest("a.json")],
    );
    let b = folder(
        &path,
        "vsphere-iso",
        "w-1",
        Vec::new(),
        vec![step("ansible", vec![("user", unknown("build.User"))])],
        vec![manifest("b.json")],
    );
    let unmapped = vec![Unmapped {
        folder: path.clone(),
        source: "vsphere-iso.w".into(),
        argument: "provisioner \"ansible\" user".into(),
        value: s("packer"),
        reason: "no field".into(),
        at: super::at(),
    }];
    let r = one(
        a,
        b,
        &imported(&path, "vsphere-iso.w", "vsphere-iso.w-1", unmapped),
    );
    let m = find(&r, "post-processor[0] manifest");
    assert_eq!(m.reason, Some(Reason::Manifest));
    assert_eq!(r.sources[0].entries.len(), 2, "{:#?}", r.sources[0].entries);
    let user = find(&r, "provisioner[0].user");
    assert!(matches!(user.reason, Some(Reason::Unmapped { .. })));
    assert!(matches!(user.difference, Difference::Dropped { .. }));
}

#[test]
fn gallery_regions_compare_as_a_list_whatever_their_form() {
    let path = PathBuf::from("/trees/w");
    let gallery =
        |inner: Vec<(&str, Value)>| vec![("shared_image_gallery_destination", blocks(inner))];
    let regions =
        |names: &[&str]| Value::Blocks(names.iter().map(|n| body(vec![("name", s(n))])).collect());
    for (names, equal) in [(&["a", "b"][..], true), (&["a"][..], false)] {
        let a = folder(
            &path,
            "azure-arm",
            "w",
            gallery(vec![("replication_regions", list(&["a", "b"]))]),
            Vec::new(),
            Vec::new(),
        );
        let b = folder(
            &path,
            "azure-arm",
            "w-1",
            gallery(vec![("target_region", regions(names))]),
            Vec::new(),
            Vec::new(),
        );
        let r = one(
            a,
            b,
            &imported(&path, "azure-arm.w", "azure-arm.w-1", Vec::new()),
        );
        let e = find(
            &r,
            "shared_image_gallery_destination[0].replication_regions",
        );
        assert_eq!(e.difference == Difference::Equal, equal, "{e:?}");
        assert_eq!(r.sources[0].entries.len(), 1);
    }
}

#[test]
fn null_is_unset_and_a_uefi_proxmox_machine_is_q35() {
    let path = PathBuf::from("/trees/p");
    let a = folder(
        &path,
        "proxmox-iso",
        "p",
        vec![("vlan_tag", Value::Null)],
        Vec::new(),
        Vec::new(),
    );
    let b = folder(
        &path,
        "proxmox-iso",
        "p-1",
        vec![("machine", s("q35"))],
        Vec::new(),
        Vec::new(),
    );
    let r = one(
        a,
        b,
        &imported(&path, "proxmox-iso.p", "proxmox-iso.p-1", Vec::new()),
    );
    assert_eq!(find(&r, "vlan_tag").difference, Difference::Equal);
    assert_eq!(find(&r, "machine").reason, Some(Reason::Q35));
    assert!(r.expected());
}

#[test]
fn the_trees_own_generalisation_gives_way_to_the_finishing_step() {
    let finish: Vec<Value> = crate::family::FAMILIES[0].finish[1]
        .inline
        .iter()
        .map(|l| s(l))
        .collect();
    let r = report(
        vec![
            step("shell", vec![("inline", list(&["apt-get -y upgrade"]))]),
            step(
                "shell",
                vec![("inline", list(&["waagent -force -deprovision+user"]))],
            ),
        ],
        vec![
            step("shell", vec![("inline", list(&["apt-get -y upgrade"]))]),
            step("shell", vec![("inline", Value::List(finish))]),
        ],
        Vec::new(),
    );
    assert_eq!(
        find(&r, "provisioner[1] shell").reason,
        Some(Reason::Finish)
    );
    let kinds: Vec<&str> = r.sources[0]
        .entries
        .iter()
        .map(|e| e.difference.kind())
        .collect();
    assert_eq!(kinds, ["equal", "dropped", "added"]);
    assert!(r.expected());
}
