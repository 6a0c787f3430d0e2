//! The OS catalogue's commands: `list oses` (snapshots of both formats), `add os` (a release of
//! the catalogue and a copy with `--from`, inserted into the spec's text with every other byte
//! kept, an invalid result and every refusal writing nothing, with exit 2) and `init` with a
//! release of each installer kind the catalogue holds.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{example_copy, golden, hybridc, repo, text};

/// A copy of the example repository (without `generated/`).
fn example(name: &str) -> PathBuf {
    example_copy(
        &format!("oses-{name}"),
        &["spec", "installers", "scripts", "ansible", "schema"],
    )
}

fn spec_text(dir: &Path) -> String {
    fs::read_to_string(dir.join("spec/hybrid.yaml")).expect("the spec")
}

/// The example's Debian entry, the text before it and the text after it.
fn without_debian(text: &str) -> (String, String) {
    let start = text.find("  debian-12:\n").expect("the Debian entry");
    let end = text.find("  windows-2022:\n").expect("the Windows entry");
    (text[..start].to_owned(), text[end..].to_owned())
}

/// The Debian ISO of the example, as the flags of `add os` give it.
fn debian_iso(text: &str) -> (String, String) {
    let field = |key: &str| {
        let entry = &text[text.find("  debian-12:\n").expect("Debian")..];
        let at = entry.find(&format!("      {key}: ")).expect(key) + key.len() + 8;
        entry[at..].lines().next().expect("a value").to_owned()
    };
    (field("url"), field("checksum"))
}

/// `after` is `before` with `lines` inserted as whole lines, and nothing else changed.
fn only_inserted(before: &str, after: &str, lines: &[&str]) {
    let newline = if before.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let block: String = lines.iter().map(|l| format!("{l}{newline}")).collect();
    let at = after
        .find(&block)
        .expect("the inserted lines, in one block");
    let mut rest = after[..at].to_owned();
    rest.push_str(&after[at + block.len()..]);
    // A blank line goes before the new entry when the spec separates its OSes with one.
    let rest = if rest != before {
        let mut without = after[..at - newline.len()].to_owned();
        without.push_str(&after[at + block.len()..]);
        without
    } else {
        rest
    };
    assert_eq!(rest, before, "only the new lines were added");
}

#[test]
fn list_oses_prints_the_catalogue_as_a_table_and_as_json() {
    let dir = example("list");
    let out = hybridc(&dir, &["list", "oses"]);
    assert_eq!(out.status.code(), Some(0));
    golden(
        &repo().join("tests/snapshots/list-oses.txt"),
        &text(&out.stdout),
    );
    let json = hybridc(&dir, &["list", "oses", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    golden(
        &repo().join("tests/snapshots/list-oses.json"),
        &text(&json.stdout),
    );
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let names: Vec<&str> = parsed["oses"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    let expected: Vec<&str> = hybridc::release::names().collect();
    assert_eq!(names, expected, "every release, in the catalogue's order");
    let _ = fs::remove_dir_all(&dir);
}

/// A release the spec lacks is written from the catalogue at the end of `oses`, in the spec's
/// indentation, on the platforms the spec configures, with the provisioning of its family, and
/// the result compiles.
#[test]
fn add_os_writes_a_release_of_the_catalogue() {
    let dir = example("add");
    let (before, after) = without_debian(&spec_text(&dir));
    let (url, checksum) = debian_iso(&spec_text(&dir));
    let original = format!("{before}{after}");
    fs::write(dir.join("spec/hybrid.yaml"), &original).expect("write");
    let out = hybridc(
        &dir,
        &[
            "add",
            "os",
            "debian-12",
            "--iso-url",
            &url,
            "--iso-checksum",
            &checksum,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let added = [
        "  debian-12:",
        "    iso:",
        &format!("      url: \"{url}\""),
        &format!("      checksum: \"{checksum}\""),
        "    platforms: [proxmox, vsphere, azure]",
        "    provisioning: [linux-base]",
    ];
    let edited = spec_text(&dir);
    only_inserted(&original, &edited, &added);
    assert!(
        edited.find("  debian-12:\n") > edited.find("  windows-2022:\n"),
        "at the end of `oses`"
    );
    let line = edited[..edited.find("  debian-12:\n").expect("added")]
        .matches('\n')
        .count()
        + 1;
    assert_eq!(
        text(&out.stdout),
        format!(
            "added OS `debian-12` to spec/hybrid.yaml at line {line}:\n{}\nnext: run `hybridc compile spec/` and commit the spec with generated/\n",
            added.join("\n")
        )
    );
    let compile = hybridc(&dir, &["compile", "spec/"]);
    assert_eq!(compile.status.code(), Some(0), "{}", text(&compile.stderr));
    let _ = fs::remove_dir_all(&dir);
}

/// `--platforms` chooses where a release is built: only those platforms' settings are written.
#[test]
fn add_os_builds_on_the_platforms_asked_for() {
    let dir = example("platforms");
    let (before, after) = without_debian(&spec_text(&dir));
    let (url, checksum) = debian_iso(&spec_text(&dir));
    fs::write(dir.join("spec/hybrid.yaml"), format!("{before}{after}")).expect("write");
    let out = hybridc(
        &dir,
        &[
            "add",
            "os",
            "debian-12",
            "--platforms",
            "proxmox",
            "--iso-url",
            &url,
            "--iso-checksum",
            &checksum,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let edited = spec_text(&dir);
    let entry = &edited[edited.find("  debian-12:\n").expect("added")..];
    let entry = &entry[..entry.find("\nprovisioning:").expect("the next section")];
    assert!(entry.contains("\n    platforms: [proxmox]\n"), "{entry}");
    assert!(
        !entry.contains("azure_image") && !entry.contains("vsphere:"),
        "{entry}"
    );
    let copy = hybridc(
        &dir,
        &[
            "add",
            "os",
            "ubuntu-lab",
            "--from",
            "ubuntu-2404",
            "--platforms",
            "proxmox",
        ],
    );
    assert_eq!(copy.status.code(), Some(0), "{}", text(&copy.stderr));
    assert!(text(&copy.stdout).contains("\n    platforms: [proxmox]\n"));
    let _ = fs::remove_dir_all(&dir);
}

/// A copy of an OS under a new name goes right after it, keeps the release its source is, and
/// leaves every comment and line of the spec as it was, with CRLF line ends too.
#[test]
fn add_os_from_copies_an_os_and_keeps_every_other_byte() {
    for crlf in [false, true] {
        let dir = example(if crlf { "from-crlf" } else { "from" });
        let mut original = spec_text(&dir).replace(
            "  rocky-9:\n",
            "  # Rocky, as the installer team wants it.\n  rocky-9:   # keep\n",
        );
        original = original.replace("    seed: cd\n", "    seed: cd      # CD seed\n");
        if crlf {
            original = original.replace('\n', "\r\n");
        }
        fs::write(dir.join("spec/hybrid.yaml"), &original).expect("write");
        let out = hybridc(&dir, &["add", "os", "rocky-9-cis", "--from", "rocky-9"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let edited = spec_text(&dir);
        let rocky = &original[original.find("  rocky-9:").expect("Rocky")..];
        let copied: Vec<String> = rocky[..rocky.find("  debian-12:").expect("next OS")]
            .lines()
            .map(|l| l.trim_end_matches('\r').to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let mut lines: Vec<String> = vec![
            "  rocky-9-cis:   # keep".into(),
            "    release: rocky-9".into(),
        ];
        lines.extend(copied[1..].iter().cloned());
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        only_inserted(&original, &edited, &lines);
        assert!(edited.find("  rocky-9-cis:") < edited.find("  debian-12:"));
        assert!(
            !crlf || !edited.replace("\r\n", "").contains('\n'),
            "CRLF throughout"
        );
        let validate = hybridc(&dir, &["validate", "spec/"]);
        assert_eq!(
            validate.status.code(),
            Some(0),
            "{}",
            text(&validate.stderr)
        );
        let _ = fs::remove_dir_all(&dir);
    }
}

/// A copy of an OS with templates of its own in `builds/<os>/` names them, so that it installs
/// as its source does.
#[test]
fn a_copy_names_the_templates_its_source_has_of_its_own() {
    let dir = example("own");
    fs::create_dir_all(dir.join("builds/rocky-9")).expect("folder");
    fs::copy(
        dir.join("installers/kickstart/ks.pkrtpl.hcl"),
        dir.join("builds/rocky-9/ks.pkrtpl.hcl"),
    )
    .expect("copy");
    let out = hybridc(&dir, &["add", "os", "rocky-9-cis", "--from", "rocky-9"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(
            "\n  rocky-9-cis:\n    release: rocky-9\n    templates: { ks.pkrtpl.hcl: builds/rocky-9/ks.pkrtpl.hcl }\n    seed: cd\n"
        ),
        "{}",
        text(&out.stdout)
    );
    let _ = fs::remove_dir_all(&dir);
}

/// What `add os` refuses, with exit 2 and the spec untouched.
#[test]
fn add_os_refusals_write_nothing() {
    let dir = example("refused");
    let original = spec_text(&dir);
    let cases: &[(&[&str], &str)] = &[
        (
            &["add", "os", "rocky-9"],
            "error: the spec has an OS `rocky-9` already\n",
        ),
        (
            &["add", "os", "rocky-99"],
            "error: the OS catalogue has no release `rocky-99` (did you mean `rocky-9`?); `hybridc list oses` shows it, and `--from OS` adds a copy of an OS of the spec under any name\n",
        ),
        (
            &["add", "os", "rocky-9-cis", "--from", "rocky-8"],
            "error: the spec has no OS `rocky-8` to copy (did you mean `rocky-9`?)\n",
        ),
        (
            &[
                "add",
                "os",
                "debian-12-copy",
                "--from",
                "debian-12",
                "missing/",
            ],
            "error: cannot read `missing/`: No such file or directory (os error 2)\n",
        ),
    ];
    let unsupported: (&[&str], &str) = (
        &[
            "add",
            "os",
            "rocky-9-copy",
            "--from",
            "rocky-9",
            "--platforms",
            "proxmox,azure",
        ],
        "error: release `rocky-9` is built on `proxmox` and `vsphere`, not on `azure`\n",
    );
    for (args, stderr) in cases.iter().chain([&unsupported]) {
        let out = hybridc(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stderr), *stderr, "{args:?}");
        assert_eq!(text(&out.stdout), "", "{args:?}");
        assert_eq!(spec_text(&dir), original, "{args:?}");
    }
    let (before, after) = without_debian(&original);
    let shorter = format!("{before}{after}");
    fs::write(dir.join("spec/hybrid.yaml"), &shorter).expect("write");
    let out = hybridc(&dir, &["add", "os", "debian-12"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: `debian-12` installs from an ISO on `proxmox` and `vsphere`, and hybridc knows no ISO of it: pass `--iso-url URL --iso-checksum sha256:HEX` from its download page\n"
    );
    assert_eq!(spec_text(&dir), shorter);
    let _ = fs::remove_dir_all(&dir);
}

/// An edit whose result the checks refuse is reported against the edited text, and the spec
/// stays as it was.
#[test]
fn an_invalid_result_writes_nothing() {
    let dir = example("invalid");
    let original = spec_text(&dir);
    let out = hybridc(
        &dir,
        &[
            "add",
            "os",
            "rocky-9-copy",
            "--from",
            "rocky-9",
            "--iso-url",
            "https://example.org/rocky.iso",
            "--iso-checksum",
            "123",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("`oses.rocky-9-copy.iso.checksum` has the wrong format"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("spec/hybrid.yaml was not changed\n"),
        "{stderr}"
    );
    assert_eq!(text(&out.stdout), "");
    assert_eq!(spec_text(&dir), original);
    let _ = fs::remove_dir_all(&dir);
}

/// `init` scaffolds every release of the catalogue into a repository that passes `check` at
/// once, or refuses it writing nothing: by name when this version ships no template of its
/// installer kind, with the diagnostics when it cannot be built with the example's platforms
/// (Windows 11's vTPM and the example's OVF export). At least one release of each installer
/// kind is scaffolded.
#[test]
fn init_scaffolds_a_release_of_each_installer_kind() {
    let mut scaffolded = Vec::new();
    let mut kinds = Vec::new();
    for release in hybridc::release::all() {
        if !kinds.contains(&release.installer) {
            kinds.push(release.installer);
        }
        let dir = crate::support::temp_dir(&format!("oses-init-{}", release.name));
        let out = hybridc(&dir, &["init", "repo", "--os", release.name]);
        let stderr = text(&out.stderr);
        if out.status.code() == Some(2) {
            assert!(
                stderr.contains(&format!("`{}`", release.name)),
                "{}: {stderr}",
                release.name
            );
            assert!(
                stderr.contains("ships no `installers/") || stderr.contains("nothing was written"),
                "{}: {stderr}",
                release.name
            );
            assert!(
                !dir.join("repo").exists(),
                "{}: nothing written",
                release.name
            );
            let _ = fs::remove_dir_all(&dir);
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{}: {stderr}", release.name);
        let repo = dir.join("repo");
        let spec = spec_text(&repo);
        assert!(spec.contains(&format!("\n  {}:\n", release.name)));
        for template in release.installer_kind().templates {
            let path = format!("installers/{}/{template}", release.installer.as_str());
            assert!(repo.join(&path).is_file(), "{path}");
        }
        let check = hybridc(&repo, &["check", "spec/"]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{}: {}{}",
            release.name,
            text(&check.stdout),
            text(&check.stderr)
        );
        if !scaffolded.contains(&release.installer) {
            scaffolded.push(release.installer);
        }
        let _ = fs::remove_dir_all(&dir);
    }
    assert!(kinds.len() >= 4, "the catalogue has a release of each kind");
    for kind in hybridc::installer::INSTALLERS {
        let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("installers")
            .join(kind.installer.as_str())
            .is_dir();
        assert!(
            !shipped || !kinds.contains(&kind.installer) || scaffolded.contains(&kind.installer),
            "no release installed by `{}` scaffolds",
            kind.installer.as_str()
        );
    }
}
