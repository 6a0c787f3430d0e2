//! The artifact inventory read from Packer manifest files: `tests/fixtures/manifests/manifests/`
//! holds files in exactly the format Packer's `manifest` post-processor writes (several OSes on
//! every platform, Windows editions, two runs appended to one file, an entry without
//! `custom_data`, an entry without an artifact id, a file cut short, a JSON file that is not a
//! manifest, a README and a lock file that must be ignored). Its table, Markdown and JSON
//! renderings must match `tests/fixtures/manifests/expected.{txt,md,json}`;
//! `HYBRIDC_BLESS=1 cargo test --test it manifests::` rewrites them for review.

use std::path::{Path, PathBuf};

use hybridc::manifests::{self, Format, Inventory};

use crate::support::repo;

/// The fixture folder as a relative path, as a user would pass it: integration tests run in
/// the package root.
const DIR: &str = "tests/fixtures/manifests/manifests";

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/manifests")
}

fn inventory() -> Inventory {
    manifests::read(Path::new(DIR))
}

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    crate::support::temp_dir(&format!("manifests-{name}"))
}

/// Compares `actual` with the expected file `name`, or rewrites it under `HYBRIDC_BLESS`.
fn golden(name: &str, actual: &str) {
    crate::support::golden(&fixtures().join(name), actual);
}

#[test]
fn the_table_matches_its_golden_file() {
    golden(
        "expected.txt",
        &manifests::render(&inventory(), Format::Table),
    );
}

#[test]
fn the_markdown_matches_its_golden_file() {
    golden(
        "expected.md",
        &manifests::render(&inventory(), Format::Markdown),
    );
}

#[test]
fn the_json_matches_its_golden_file() {
    let text = manifests::render(&inventory(), Format::Json);
    golden("expected.json", &text);
    let value: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    assert_eq!(value["format"], 1);
    let first = &value["artifacts"][0];
    let keys: Vec<&str> = first
        .as_object()
        .expect("an artifact is an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "os",
            "platform",
            "edition",
            "builder_type",
            "artifact_id",
            "build_version",
            "build_time",
            "built_at",
            "packer_run_uuid",
            "manifest"
        ]
    );
}

#[test]
fn the_latest_artifact_per_os_platform_and_edition_is_kept() {
    let inventory = inventory();
    let rows: Vec<String> = inventory
        .artifacts
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {} {} {}",
                a.os, a.platform, a.edition, a.build_version, a.built_at, a.manifest
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "debian-12 azure  1.2.0 2024-11-25T13:33:23Z tests/fixtures/manifests/manifests/debian-12.json",
            "debian-12 proxmox  1.2.0 2024-11-25T13:06:40Z tests/fixtures/manifests/manifests/debian-12.json",
            "debian-12 vsphere  1.2.0 2024-11-25T13:13:32Z tests/fixtures/manifests/manifests/debian-12.json",
            // No custom_data: the OS is the source name, the platform the builder's prefix.
            "rocky-9 vsphere   2024-12-02T14:33:20Z tests/fixtures/manifests/manifests/rocky-9.json",
            // Two runs in one file: the second replaced proxmox and azure, not vsphere.
            "ubuntu-2404 azure  1.2.0 2024-11-25T13:21:40Z tests/fixtures/manifests/manifests/ubuntu-2404.json",
            "ubuntu-2404 proxmox  1.2.0 2024-11-25T12:50:00Z tests/fixtures/manifests/manifests/ubuntu-2404.json",
            "ubuntu-2404 vsphere  1.1.0 2024-11-18T08:58:20Z tests/fixtures/manifests/manifests/ubuntu-2404.json",
            "windows-2022 azure datacenter 1.2.0 2024-11-26T10:11:17Z tests/fixtures/manifests/manifests/windows-2022-datacenter.json",
            "windows-2022 proxmox datacenter 1.2.0 2024-11-26T09:13:22Z tests/fixtures/manifests/manifests/windows-2022-datacenter.json",
            "windows-2022 proxmox standard 1.2.0 2024-11-26T09:12:25Z tests/fixtures/manifests/manifests/windows-2022-standard.json",
            "windows-2022 vsphere datacenter 1.2.0 2024-11-26T09:27:02Z tests/fixtures/manifests/manifests/windows-2022-datacenter.json",
            "windows-2022 vsphere standard 1.2.0 2024-11-26T09:23:30Z tests/fixtures/manifests/manifests/windows-2022-standard.json",
        ]
    );
    let ubuntu_proxmox = &inventory.artifacts[5];
    assert_eq!(ubuntu_proxmox.artifact_id, "pve1:9112");
    assert_eq!(ubuntu_proxmox.builder_type, "proxmox-iso");
    assert_eq!(
        ubuntu_proxmox.packer_run_uuid,
        "c41b8e2d-6a3f-4d9b-8e7c-0f2a5b9d1e66"
    );
    assert_eq!(ubuntu_proxmox.build_time, 1_732_539_000);
    assert_eq!(
        inventory.artifacts[7].artifact_id,
        "/subscriptions/6f1c2a9e-4b7d-4e0a-9c3f-2d8e5b1a7c40/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/golden_images/images/windows-2022-datacenter/versions/1.2.0"
    );
}

#[test]
fn unusable_files_and_entries_are_problems_and_other_files_are_ignored() {
    let inventory = inventory();
    assert!(inventory.listed);
    let problems: Vec<(String, String)> = inventory
        .problems
        .into_iter()
        .map(|p| (p.path, p.message))
        .collect();
    let expected = [
        (
            "tests/fixtures/manifests/manifests/broken.json",
            "invalid JSON at line 7 column 0: EOF while parsing an object",
        ),
        (
            "tests/fixtures/manifests/manifests/notes.json",
            "not a Packer manifest: no `builds` list",
        ),
        (
            "tests/fixtures/manifests/manifests/rocky-9.json",
            "build 2 (`rocky-9`): no `artifact_id`",
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect();
    // README.md and ubuntu-2404.json.lock are not `*.json`: not read, not reported.
    assert_eq!(problems, expected);
}

#[test]
fn a_missing_folder_means_nothing_was_built_yet() {
    let inventory = manifests::read(Path::new("tests/fixtures/manifests/no-such-folder"));
    assert!(inventory.listed);
    assert!(inventory.artifacts.is_empty());
    assert_eq!(inventory.problems, []);
    assert_eq!(
        manifests::render(&inventory, Format::Table),
        "no artifacts found in tests/fixtures/manifests/no-such-folder\n(Packer's manifest post-processor writes one file per OS there as images are built)\n"
    );
    // The binary says so and succeeds, as on a fresh clone.
    let dir = scratch("fresh-clone");
    let out = crate::support::hybridc(&dir, &["manifests"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("no artifacts found in manifests/\n"));
}

#[test]
fn a_folder_that_cannot_be_listed_is_one_problem() {
    let dir = scratch("not-a-folder");
    let file = dir.join("manifests");
    std::fs::write(&file, "not a folder").expect("write");
    let inventory = manifests::read(&file);
    assert!(!inventory.listed);
    assert!(inventory.artifacts.is_empty());
    assert_eq!(inventory.problems.len(), 1);
    assert!(
        inventory.problems[0]
            .message
            .starts_with("cannot read folder: "),
        "{:?}",
        inventory.problems
    );
    let table = manifests::render(&inventory, Format::Table);
    assert!(table.contains("\n\nproblems:\n"), "{table}");
}

#[test]
fn an_empty_folder_has_no_artifacts_and_no_problems() {
    let dir = scratch("empty");
    let inventory = manifests::read(&dir);
    assert!(inventory.listed);
    assert_eq!(inventory.artifacts, []);
    assert_eq!(inventory.problems, []);
    assert_eq!(
        manifests::render(&inventory, Format::Table),
        format!(
            "no artifacts found in {}\n(Packer's manifest post-processor writes one file per OS there as images are built)\n",
            dir.display()
        )
    );
    let json: serde_json::Value =
        serde_json::from_str(&manifests::render(&inventory, Format::Json)).expect("JSON");
    assert_eq!(
        json,
        serde_json::json!({"format": 1, "artifacts": [], "problems": []})
    );
}

#[test]
fn folders_named_json_are_skipped_and_bad_bytes_are_reported() {
    let dir = scratch("odd-entries");
    std::fs::create_dir(dir.join("folder.json")).expect("mkdir");
    std::fs::write(dir.join("bytes.json"), b"{\"builds\": [\"\xff\xfe\"]}").expect("write");
    std::fs::copy(
        fixtures().join("manifests/debian-12.json"),
        dir.join("debian-12.json"),
    )
    .expect("copy");
    let shown = format!("{}/", dir.display());
    let inventory = manifests::read(Path::new(&shown));
    assert_eq!(inventory.artifacts.len(), 3);
    assert_eq!(
        inventory.artifacts[0].manifest,
        format!("{shown}debian-12.json")
    );
    assert_eq!(inventory.problems.len(), 1, "{:?}", inventory.problems);
    assert_eq!(inventory.problems[0].path, format!("{shown}bytes.json"));
    assert!(
        inventory.problems[0]
            .message
            .starts_with("invalid JSON at line 1 column "),
        "{:?}",
        inventory.problems
    );
}

#[test]
fn build_times_render_as_iso_8601_utc() {
    for (secs, text) in [
        (0, "1970-01-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (1_732_540_000, "2024-11-25T13:06:40Z"),
        (1_735_689_600, "2025-01-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
    ] {
        assert_eq!(manifests::iso8601(secs).as_deref(), Some(text), "{secs}");
    }
}
