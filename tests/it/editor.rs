//! Editor support, checked with the real yaml-language-server (tests/editor/lsp.mjs drives it
//! over LSP): completion of top-level and nested keys, of enum values and of step snippets,
//! hover text (the key as heading, the field's own description as markdown), and no
//! diagnostics on the example spec. The server is installed by the README's set-up line,
//! `npm ci --prefix tests/editor` (pinned by its lock file), not by the tests, which run
//! offline; without it the tests say so and skip, except under CI, where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::{missing, repo, tool};

/// Whether node runs and yaml-language-server is installed (by the README's set-up line, `npm ci
/// --prefix tests/editor`); the tests install nothing, so they run offline.
fn server_available() -> bool {
    const HINT: &str =
        "run `npm ci --prefix tests/editor`; it needs node and npm, see the README's set-up";
    if !tool("node", HINT) {
        return false;
    }
    repo()
        .join("tests/editor/node_modules/yaml-language-server")
        .is_dir()
        || missing("yaml-language-server is not installed", HINT)
}

fn ask(file: &Path, queries: Value) -> Vec<Value> {
    let query = json!({ "file": file, "queries": queries });
    let mut child = Command::new("node")
        .arg(repo().join("tests/editor/lsp.mjs"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("piped");
        stdin
            .write_all(query.to_string().as_bytes())
            .expect("write query");
    }
    let out = child.wait_with_output().expect("harness finishes");
    assert!(
        out.status.success(),
        "lsp.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON answer");
    answer["results"].as_array().expect("results").clone()
}

fn labels(result: &Value) -> Vec<String> {
    result["labels"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|l| l.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A scratch repository with the committed schema and one spec document.
fn scratch(name: &str, spec: &str) -> PathBuf {
    let dir = crate::support::temp_dir(&format!("editor-{name}"));
    std::fs::create_dir_all(dir.join("spec")).expect("spec dir");
    std::fs::create_dir_all(dir.join("schema")).expect("schema dir");
    std::fs::copy(
        repo().join("schema/hybrid.schema.json"),
        dir.join("schema/hybrid.schema.json"),
    )
    .expect("copy schema");
    let file = dir.join("spec/hybrid.yaml");
    std::fs::write(&file, spec).expect("write spec");
    file
}

const MODELINE: &str = "# yaml-language-server: $schema=../schema/hybrid.schema.json\n";

#[test]
fn the_example_spec_has_no_editor_diagnostics() {
    if !server_available() {
        return;
    }
    let results = ask(
        &repo().join("spec/hybrid.yaml"),
        json!([{ "kind": "diagnostics" }]),
    );
    assert_eq!(
        results[0]["diagnostics"],
        json!([]),
        "diagnostics on the example spec"
    );
}

#[test]
fn keys_complete_at_every_level_and_fields_explain_themselves() {
    if !server_available() {
        return;
    }
    // Line numbers count the modeline as line 0.
    let file = scratch(
        "keys",
        &format!("{MODELINE}version: 1\ndefaults:\n  hardware:\n    cpus: 2\n  \n"),
    );
    let results = ask(
        &file,
        json!([
            { "kind": "completion", "line": 5, "character": 2 },
            { "kind": "completion", "line": 6, "character": 0 },
            { "kind": "hover", "line": 4, "character": 5 },
        ]),
    );
    assert_eq!(
        labels(&results[0]),
        vec!["build_user", "locale", "network", "seed", "tags"]
    );
    let top = labels(&results[1]);
    // Keys already in the mapping (`version`, `defaults`) are not offered again.
    for key in [
        "packer",
        "platforms",
        "oses",
        "provisioning",
        "environments",
    ] {
        assert!(
            top.contains(&key.to_owned()),
            "top-level completion {top:?} lacks {key}"
        );
    }
    let hover = results[2]["contents"].as_str().unwrap_or_default();
    assert!(hover.contains("Number of virtual CPUs"), "hover: {hover}");
}

#[test]
fn enum_values_complete() {
    if !server_available() {
        return;
    }
    let file = scratch(
        "firmware",
        &format!("{MODELINE}version: 1\ndefaults:\n  hardware:\n    firmware: \n"),
    );
    let results = ask(
        &file,
        json!([{ "kind": "completion", "line": 4, "character": 14 }]),
    );
    assert_eq!(labels(&results[0]), vec!["bios", "uefi"]);
    let file = scratch(
        "installer",
        &format!("{MODELINE}version: 1\noses:\n  ubuntu-2404:\n    installer: \n"),
    );
    let results = ask(
        &file,
        json!([{ "kind": "completion", "line": 4, "character": 15 }]),
    );
    // Every installer kind of the table, as the schema lists them.
    let mut installers: Vec<&str> = hybridc::installer::INSTALLERS
        .iter()
        .map(|k| k.installer.as_str())
        .collect();
    installers.sort_unstable();
    assert_eq!(labels(&results[0]), installers);
}

#[test]
fn a_value_in_the_wrong_format_is_explained_in_words() {
    if !server_available() {
        return;
    }
    let file = scratch(
        "format",
        &format!("{MODELINE}version: 1\ndefaults:\n  network:\n    gateway: 192.0.2\n"),
    );
    let results = ask(&file, json!([{ "kind": "diagnostics" }]));
    let messages: Vec<&str> = results[0]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages.contains(&"expected an IPv4 address"),
        "diagnostics: {messages:?}"
    );
}

/// The committed schema's definition `name`, to compare hover text with.
fn definition(name: &str) -> Value {
    let text = std::fs::read_to_string(repo().join("schema/hybrid.schema.json")).expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("JSON schema");
    schema["definitions"][name].clone()
}

fn text(value: &Value) -> &str {
    value.as_str().expect("a string")
}

#[test]
fn a_hover_shows_the_key_and_its_own_description_as_markdown() {
    if !server_available() {
        return;
    }
    // Line numbers count the modeline as line 0.
    let file = scratch(
        "hover",
        &format!(
            "{MODELINE}version: 1\nplatforms:\n  vsphere:\n    password: {{ env: VSPHERE_PASSWORD }}\n\
             oses:\n  ubuntu-2404:\n    family: linux\n    hardware:\n      cpus: 2\n"
        ),
    );
    let results = ask(
        &file,
        json!([
            { "kind": "hover", "line": 7, "character": 5 },
            { "kind": "hover", "line": 8, "character": 5 },
            { "kind": "hover", "line": 4, "character": 5 },
            { "kind": "hover", "line": 6, "character": 4 },
        ]),
    );
    let hovers: Vec<&str> = results
        .iter()
        .map(|r| r["contents"].as_str().unwrap_or_default())
        .collect();
    let os = definition("Os");
    let vsphere = definition("Vsphere");
    // Each probe: the hover, its heading, the field's own words, and its type's words, which
    // a field declared through its type must not show instead.
    let probes = [
        (
            hovers[0],
            "#### family\n\n",
            &os["properties"]["family"],
            definition("Family"),
        ),
        (
            hovers[1],
            "#### hardware\n\n",
            &os["properties"]["hardware"],
            definition("Hardware"),
        ),
        (
            hovers[2],
            "#### password\n\n",
            &vsphere["properties"]["password"],
            definition("Credential"),
        ),
    ];
    for (hover, heading, field, kind) in probes {
        assert!(hover.starts_with(heading), "hover: {hover}");
        let own = text(&field["markdownDescription"]);
        assert!(hover.contains(own), "hover lacks {own:?}: {hover}");
        let generic = text(&kind["description"]);
        assert!(!hover.contains(generic), "hover shows {generic:?}: {hover}");
    }
    // A multi-line doc comment stays one paragraph: markdown, not text with escaped markup.
    assert!(
        hovers[0].contains("(default:\nthe release's)"),
        "hover: {}",
        hovers[0]
    );
    // Backticks render as code.
    assert!(hovers[3].contains("`oses`"), "hover: {}", hovers[3]);
    assert!(!hovers[3].contains("\\`"), "hover: {}", hovers[3]);
    assert!(!hovers.iter().any(|h| h.contains("hybridc spec")));
}

#[test]
fn a_step_kind_completes_to_a_snippet_with_its_keys() {
    if !server_available() {
        return;
    }
    let file = scratch(
        "step",
        &format!("{MODELINE}version: 1\nprovisioning:\n  linux-base:\n    - \n"),
    );
    let results = ask(
        &file,
        json!([{ "kind": "completion", "line": 4, "character": 6 }]),
    );
    let items = results[0]["items"].as_array().expect("items");
    let insert = |label: &str| {
        items
            .iter()
            .find(|i| i["label"] == label)
            .and_then(|i| i["insertText"].as_str())
            .unwrap_or_else(|| panic!("no {label:?} in {items:?}"))
            .to_owned()
    };
    assert_eq!(
        insert("ansible step"),
        "ansible:\n    playbook: ${1:ansible/linux.yml}"
    );
    assert_eq!(
        insert("file step"),
        "file:\n    source: ${1:}\n    destination: ${2:}"
    );
    assert_eq!(insert("shell step"), "shell:\n    scripts:\n      - ${1:}");
    // The step kinds' keys are still offered on their own.
    let labels = labels(&results[0]);
    for kind in ["shell", "powershell", "windows-restart", "file", "ansible"] {
        assert!(labels.contains(&kind.to_owned()), "{labels:?} lacks {kind}");
    }
}
