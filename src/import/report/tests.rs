//! The report's two forms on reports built by hand.

use std::path::PathBuf;

use super::*;

fn entry(path: &str, difference: Difference, reason: Option<Reason>) -> Entry {
    Entry {
        path: path.into(),
        difference,
        reason,
        basis: Basis::Value,
        environments: vec!["dev".into(), "prod".into()],
        note: None,
    }
}

fn report(entries: Vec<Entry>) -> Report {
    Report {
        environments: vec!["dev".into(), "prod".into()],
        sources: vec![SourceReport {
            os: "ubuntu-2404".into(),
            platform: PlatformName::Vsphere,
            folder: PathBuf::from("builds/linux/ubuntu"),
            original: "vsphere-iso.linux-ubuntu".into(),
            compiled: "vsphere-iso.ubuntu-2404".into(),
            entries,
        }],
        shares: Shares {
            arguments: 4,
            spec: 2,
            options: 1,
            unmapped: 1,
        },
    }
}

#[test]
fn long_values_lose_their_middle() {
    let long = "a".repeat(50) + &"b".repeat(50);
    let short = elide(&long);
    assert_eq!(short.chars().count(), MAX_VALUE - 1);
    assert!(short.starts_with("aaa") && short.ends_with("bbb") && short.contains('…'));
    assert_eq!(elide("\"short\""), "\"short\"");
}

#[test]
fn a_reasoned_difference_is_expected_and_an_unmapped_one_is_not() {
    let versioned = entry(
        "vm_name",
        Difference::Changed {
            old: "\"u\"".into(),
            new: "\"u-1\"".into(),
        },
        Some(Reason::VersionedName),
    );
    let equal = entry("CPUs", Difference::Equal, None);
    assert!(report(vec![versioned.clone(), equal.clone()]).expected());
    let unmapped = entry(
        "vgpu_profile",
        Difference::Dropped {
            old: "\"x\"".into(),
        },
        Some(Reason::Unmapped {
            why: "no spec field and not in the catalogue".into(),
        }),
    );
    assert!(!report(vec![versioned.clone(), unmapped]).expected());
    let bare = entry("RAM", Difference::Added { new: "4096".into() }, None);
    assert!(!report(vec![versioned, equal, bare]).expected());
}

#[test]
fn the_text_counts_first_then_each_difference_with_its_reason() {
    let mut only_dev = entry(
        "folder",
        Difference::Changed {
            old: "\"a\"".into(),
            new: "\"b\"".into(),
        },
        None,
    );
    only_dev.environments = vec!["dev".into()];
    let r = report(vec![
        entry("CPUs", Difference::Equal, None),
        entry(
            "vm_name",
            Difference::Changed {
                old: "\"u\"".into(),
                new: "\"u-${local.build_version}\"".into(),
            },
            Some(Reason::VersionedName),
        ),
        only_dev,
    ]);
    let text = r.render();
    let expected = "\
ubuntu-2404 on vsphere (vsphere-iso.linux-ubuntu in builds/linux/ubuntu -> vsphere-iso.ubuntu-2404)
  1 equal, 2 changed, 0 dropped, 0 added; 1 of 2 differences expected
  changed vm_name
      old: \"u\"
      new: \"u-${local.build_version}\"
      why: the artifact's name carries the build version, so a rebuild never collides
  ! changed folder [dev]
      old: \"a\"
      new: \"b\"
      why: no reason: unexpected

arguments: 4 set by the original sources: 2 to spec fields (50%), 1 to options (25%), 1 to this report (25%)
1 source compared: 1 equal, 2 changed, 0 dropped, 0 added; 1 of 2 differences expected; 1 unexpected
";
    assert_eq!(text, expected);
}

#[test]
fn the_json_lists_differences_with_reasons() {
    let r = report(vec![
        entry("CPUs", Difference::Equal, None),
        entry(
            "http_directory",
            Difference::Dropped {
                old: "\"${path.root}/http\"".into(),
            },
            Some(Reason::HttpContent),
        ),
    ]);
    let j = r.to_json();
    assert_eq!(j["format"], 1);
    assert_eq!(j["expected"], true);
    assert_eq!(j["counts"]["dropped"], 1);
    assert_eq!(j["shares"]["unmapped"], 1);
    let d = &j["sources"][0]["differences"];
    assert_eq!(d.as_array().map(Vec::len), Some(1));
    assert_eq!(d[0]["kind"], "dropped");
    assert_eq!(d[0]["reason"]["code"], "http-content");
    assert!(d[0].get("new").is_none());
}
