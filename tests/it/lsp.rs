//! `hybridc lsp`, driven over standard input and output with JSON-RPC frames as an editor
//! drives it: the handshake, the example spec without findings, each kind of mistake reported
//! with the code and at the place `hybridc validate` reports it, the quick fix of a misspelt
//! name, hover, completion and go to definition, a clean shutdown, and a server that keeps
//! serving whatever it is sent. Every wait has
//! a deadline, so a server that hangs fails its test instead of hanging the suite.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{command, example_copy, hybridc, text};

/// How long any one answer may take, even on a busy machine with a debug build.
const DEADLINE: Duration = Duration::from_secs(30);

/// A running `hybridc lsp` and what it has said.
pub struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications received while waiting for something else.
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    /// Starts the server and completes the handshake; returns the `initialize` result too.
    pub fn start() -> (Client, Value) {
        let mut child = command()
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary runs");
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut out = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut out) {
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            pending: Vec::new(),
            next_id: 1,
        };
        let result = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": {} }),
        );
        client.notify("initialized", json!({}));
        (client, result["result"].clone())
    }

    /// Sends raw bytes as one frame's body.
    pub fn send_body(&mut self, body: &[u8]) {
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        self.stdin.write_all(header.as_bytes()).expect("write");
        self.stdin.write_all(body).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn send(&mut self, message: &Value) {
        self.send_body(message.to_string().as_bytes());
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.response(&json!(id))
    }

    /// The response with id `id`, keeping the notifications that come first.
    pub fn response(&mut self, id: &Value) -> Value {
        self.wait(|m| m.get("method").is_none() && &m["id"] == id)
    }

    /// The next message that `wanted` accepts; the others are kept as pending.
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.pending.iter().position(&wanted) {
            return self.pending.remove(at);
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.pending.push(message),
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "the server said nothing wanted in {DEADLINE:?}: {:#?}",
                        self.pending
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server closed its output: {:#?}", self.pending)
                }
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let published = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        published["params"]["diagnostics"]
            .as_array()
            .expect("a list")
            .clone()
    }

    /// Opens `text` as the document `uri`, at version 1.
    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text } }),
        );
    }

    /// Replaces the text of `uri` (full sync).
    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// Says `shutdown` and `exit`, and returns the exit code, failing if the process stays.
    pub fn stop(mut self) -> Option<i32> {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer["result"], Value::Null, "{answer}");
        assert!(answer.get("error").is_none(), "{answer}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave a server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One frame's JSON body from the server's output; `None` at its end.
fn read_frame(out: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse().ok();
        }
    }
    let mut body = vec![0; length?];
    out.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// A scratch repository holding a copy of the example, with its spec's URI and text.
fn example(name: &str) -> (PathBuf, String, String) {
    let dir = example_copy(
        &format!("lsp-{name}"),
        &["spec", "installers", "scripts", "ansible"],
    );
    let file = dir.join("spec/hybrid.yaml");
    let spec = std::fs::read_to_string(&file).expect("read spec");
    (dir, uri(&file), spec)
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A finding as an editor places it: code, line and column (1-based; the column in UTF-16
/// code units, as the protocol counts) and message.
type Finding = (String, u64, u64, String);

/// What `hybridc validate` reports on `spec` written in the repository `dir`, in order, with
/// its columns (in characters) counted as the protocol counts them.
fn cli_findings(dir: &Path, spec: &str) -> Vec<Finding> {
    std::fs::write(dir.join("spec/hybrid.yaml"), spec).expect("write spec");
    let out = hybridc(dir, &["validate", "spec/"]);
    let stderr = text(&out.stderr);
    let mut found = Vec::new();
    let mut code = None;
    let mut message = String::new();
    for line in stderr.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("hybridc::") {
            code = Some(trimmed.to_owned());
        } else if let Some(said) = trimmed
            .strip_prefix("× ")
            .or_else(|| trimmed.strip_prefix("⚠ "))
        {
            message = said.to_owned();
        } else if let Some(at) = trimmed.strip_prefix("╭─[")
            && let Some(code) = code.take()
        {
            let at = at.trim_end_matches(']');
            let mut parts = at.rsplitn(3, ':');
            let column: usize = parts.next().and_then(|c| c.parse().ok()).expect("column");
            let line: usize = parts.next().and_then(|l| l.parse().ok()).expect("line");
            let written = spec.lines().nth(line - 1).unwrap_or_default();
            let units: usize = written.chars().take(column - 1).map(char::len_utf16).sum();
            found.push((code, line as u64, units as u64 + 1, message.clone()));
        }
    }
    found
}

/// The same of the server's diagnostics.
fn lsp_findings(diagnostics: &[Value]) -> Vec<Finding> {
    diagnostics
        .iter()
        .map(|d| {
            let start = &d["range"]["start"];
            finding(d, &start["line"], &start["character"])
        })
        .collect()
}

/// A diagnostic of the server as an editor shows it, at a 0-based `line` and `column`: its
/// message is the first line (the help follows).
fn finding(d: &Value, line: &Value, column: &Value) -> Finding {
    assert_eq!(d["source"], "hybridc", "{d}");
    (
        d["code"].as_str().expect("a code").to_owned(),
        line.as_u64().expect("line") + 1,
        column.as_u64().expect("column") + 1,
        d["message"]
            .as_str()
            .expect("a message")
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Both say the same: codes and places always, messages unless the CLI shortened one.
fn assert_same(what: &str, cli: &[Finding], lsp: &[Finding]) {
    let places = |f: &[Finding]| -> Vec<(String, u64, u64)> {
        f.iter()
            .map(|(c, l, col, _)| (c.clone(), *l, *col))
            .collect()
    };
    assert_eq!(
        places(lsp),
        places(cli),
        "{what}: the server and the CLI differ"
    );
    for ((_, _, _, ours), (_, _, _, theirs)) in lsp.iter().zip(cli) {
        if !theirs.contains('…') {
            assert_eq!(ours, theirs, "{what}");
        }
    }
}

#[test]
fn the_example_has_no_findings_and_the_server_exits_cleanly() {
    let (_dir, uri, spec) = example("clean");
    let (mut client, init) = Client::start();
    let capabilities = &init["capabilities"];
    assert_eq!(capabilities["textDocumentSync"]["change"], 1, "{init}");
    assert_eq!(
        capabilities["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    assert_eq!(init["serverInfo"]["name"], "hybridc");
    client.open(&uri, &spec);
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());
    assert_eq!(client.stop(), Some(0));
}

/// Mistakes an engineer makes in the example spec, each an edit of its text: what the edit
/// is about, the text it replaces (once) and what replaces it.
const MISTAKES: &[(&str, &str, &str)] = &[
    (
        "an undefined provisioning set",
        "    provisioning: [linux-base]\n\n  rocky-9:",
        "    provisioning: [linux-bas]\n\n  rocky-9:",
    ),
    (
        "an option the plugin does not have",
        "      cpu_type: host",
        "      cpu_typ: host",
    ),
    (
        "an OS on a platform the spec does not configure, which an environment overrides too",
        "  azure:\n    client_id: { env: ARM_CLIENT_ID }\n    client_secret: { env: ARM_CLIENT_SECRET }\n    tenant_id: { env: ARM_TENANT_ID }\n    subscription_id: { env: ARM_SUBSCRIPTION_ID }\n    location: westeurope\n    vm_size: Standard_D2s_v5\n    output:\n      managed_image:\n        resource_group: rg-images\n      gallery:\n        resource_group: rg-gallery\n        name: sig_golden\n        replication_regions: [westeurope, northeurope]\n",
        "",
    ),
    (
        "a missing installer template",
        "    platforms: [proxmox, vsphere]\n    provisioning: [linux-base]",
        "    platforms: [proxmox, vsphere]\n    templates:\n      ks.pkrtpl.hcl: kickstart/missing.ks.pkrtpl.hcl\n    provisioning: [linux-base]",
    ),
    (
        "a literal secret in options",
        "    vm_size: Standard_D2s_v5\n",
        "    vm_size: Standard_D2s_v5\n    options:\n      client_secret: s3cr3t\n",
    ),
    (
        "an environment overriding an unknown platform setting",
        "      proxmox: { node: pve-lab1, vlan_tag: 20 }",
        "      proxmox: { nod: pve-lab1, vlan_tag: 20 }",
    ),
    (
        "a missing script",
        "scripts/linux/cleanup.sh",
        "scripts/linux/clean-up.sh",
    ),
    (
        "an option of the wrong type",
        "      qemu_agent: true",
        "      qemu_agent: sometimes",
    ),
    (
        "an option hybridc sets itself",
        "      cpu_type: host",
        "      cpu_type: host\n      node: pve2",
    ),
    ("an unknown key", "    cpus: 2\n", "    cpu: 2\n"),
    (
        "a value of the wrong type",
        "    memory_mb: 4096",
        "    memory_mb: lots",
    ),
    (
        "mistakes after characters of two UTF-16 units each",
        "    hardware: { cpus: 4 }",
        "    hardware: { cpus: \"😀😀\", memory_mb: \"é😀\", disk_gb: x }",
    ),
    ("an OS name that is no label", "  rocky-9:", "  rocky.9:"),
    (
        "a duplicate key",
        "version: 1\n",
        "version: 1\nversion: 2\n",
    ),
    ("broken YAML", "version: 1\n", "version: [1\n"),
    (
        "a literal credential",
        "token: { env: PROXMOX_TOKEN }",
        "token: s3cr3t",
    ),
    ("no spec at all", "", ""),
];

#[test]
fn each_mistake_is_reported_as_the_cli_reports_it() {
    let (dir, uri, spec) = example("mistakes");
    let (mut client, _) = Client::start();
    client.open(&uri, &spec);
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());
    let mut version = 1;
    for (what, from, to) in MISTAKES {
        let edited = if from.is_empty() {
            "# nothing yet\n".to_owned()
        } else {
            assert!(spec.contains(from), "{what}: the example has no `{from}`");
            spec.replacen(from, to, 1)
        };
        version += 1;
        client.change(&uri, version, &edited);
        let diagnostics = client.diagnostics(&uri, version);
        let cli = cli_findings(&dir, &edited);
        assert!(!cli.is_empty(), "{what}: the CLI finds nothing");
        assert_same(what, &cli, &lsp_findings(&diagnostics));
        // Back to the valid spec: nothing left.
        version += 1;
        client.change(&uri, version, &spec);
        assert_eq!(
            client.diagnostics(&uri, version),
            Vec::<Value>::new(),
            "{what}"
        );
    }
    assert_eq!(client.stop(), Some(0));
}

#[test]
fn a_misspelt_name_gets_a_quick_fix_that_makes_the_spec_valid() {
    let (_dir, uri, spec) = example("fix");
    let (mut client, _) = Client::start();
    let misspelt = spec.replacen("      cpu_type: host", "      cpu_typ: host", 1);
    client.open(&uri, &misspelt);
    let diagnostics = client.diagnostics(&uri, 1);
    // The error, and the warning that Rocky's CPU needs `cpu_type`, which no longer is set.
    assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");
    let found = &diagnostics[0];
    assert_eq!(found["code"], "hybridc::spec::unknown-option");
    assert_eq!(found["severity"], 1);
    assert_eq!(diagnostics[1]["code"], "hybridc::spec::unsupported");
    assert_eq!(diagnostics[1]["severity"], 2);
    assert!(diagnostics[1].get("data").is_none());
    assert!(
        found["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("\nhelp: did you mean `cpu_type`?")),
        "{found}"
    );
    // The fix travels with the diagnostic as data, not in its words.
    assert_eq!(found["data"]["fix"]["newText"], "cpu_type", "{found}");
    let cursor = &found["range"]["start"];
    let answer = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": cursor, "end": cursor },
            "context": { "diagnostics": [] },
        }),
    );
    let actions = answer["result"].as_array().expect("a list of actions");
    assert_eq!(actions.len(), 1, "{answer}");
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["title"], "Change to `cpu_type`");
    let edits = action["edit"]["changes"][&uri].as_array().expect("edits");
    assert_eq!(edits.len(), 1);
    let fixed = apply(&misspelt, &edits[0]);
    assert_eq!(fixed, spec, "the fix restores the example");
    client.change(&uri, 2, &fixed);
    assert_eq!(client.diagnostics(&uri, 2), Vec::<Value>::new());
    // Elsewhere in the document there is nothing to fix.
    let answer = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } },
            "context": { "diagnostics": [] },
        }),
    );
    assert_eq!(answer["result"], json!([]), "{answer}");
    assert_eq!(client.stop(), Some(0));
}

/// `text` with one single-line edit of the protocol applied (ASCII text: characters are bytes).
fn apply(text: &str, edit: &Value) -> String {
    let offset = |at: &Value| {
        let line = at["line"].as_u64().expect("line") as usize;
        let character = at["character"].as_u64().expect("character") as usize;
        text.split_inclusive('\n')
            .take(line)
            .map(str::len)
            .sum::<usize>()
            + character
    };
    let (start, end) = (
        offset(&edit["range"]["start"]),
        offset(&edit["range"]["end"]),
    );
    format!(
        "{}{}{}",
        &text[..start],
        edit["newText"].as_str().expect("text"),
        &text[end..]
    )
}

/// A request the server answers whatever came before: it is still serving.
fn still_serving(client: &mut Client) {
    let answer = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere/spec/hybrid.yaml" }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(answer["result"], Value::Null, "{answer}");
    assert!(answer.get("error").is_none(), "{answer}");
}

#[test]
fn what_is_no_message_is_answered_and_the_server_goes_on() {
    let (mut client, _) = Client::start();
    client.send_body(b"{ this is not json");
    let answer = client.response(&Value::Null);
    assert_eq!(answer["error"]["code"], -32700, "{answer}");
    still_serving(&mut client);
    client.send_body(br#"{"jsonrpc":"2.0","id":77,"method":5}"#);
    let answer = client.response(&json!(77));
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    still_serving(&mut client);
    client.send_body(&[0xff, 0xfe, b'{']);
    let answer = client.response(&Value::Null);
    assert_eq!(answer["error"]["code"], -32700, "{answer}");
    still_serving(&mut client);
    let answer = client.request("hybridc/unknown", json!({}));
    assert_eq!(answer["error"]["code"], -32601, "{answer}");
    still_serving(&mut client);
    let answer = client.request("textDocument/codeAction", json!({ "nothing": 1 }));
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    still_serving(&mut client);
    // A notification it cannot read is dropped, as notifications are.
    client.notify("textDocument/didOpen", json!({ "textDocument": 5 }));
    still_serving(&mut client);
    assert_eq!(client.stop(), Some(0));
}

#[test]
fn documents_that_are_no_spec_get_findings_and_the_server_goes_on() {
    let (_dir, uri, spec) = example("robust");
    let (mut client, _) = Client::start();
    client.open(&uri, "\t{ this: [is not yaml\n");
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "hybridc::yaml::syntax");
    still_serving(&mut client);

    // 20 MB: beyond what a spec may be, said at its first line, as the CLI says it.
    let mut huge = String::from("version: 1\n");
    while huge.len() < 20 * 1024 * 1024 {
        huge.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    client.change(&uri, 2, &huge);
    let diagnostics = client.diagnostics(&uri, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "hybridc::read::too-large");
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    still_serving(&mut client);

    // Positions past the end of the document get empty answers.
    client.change(&uri, 3, &spec);
    assert_eq!(client.diagnostics(&uri, 3), Vec::<Value>::new());
    let far = json!({ "line": 1_000_000, "character": 1_000_000 });
    let answer = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": far }),
    );
    assert_eq!(answer["result"], Value::Null, "{answer}");
    let answer = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": { "start": far, "end": far }, "context": { "diagnostics": [] } }),
    );
    assert_eq!(answer["result"], json!([]), "{answer}");
    let answer = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": far }),
    );
    assert_eq!(answer["result"], json!([]), "{answer}");
    let answer = client.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": uri }, "position": far }),
    );
    assert_eq!(answer["result"], Value::Null, "{answer}");

    // A document that is not a file named hybrid.yaml is kept, never checked.
    client.open("untitled:Untitled-1", "version: [");
    client.open(&uri.replace("hybrid.yaml", "other.yaml"), "version: [");
    still_serving(&mut client);
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": "untitled:Untitled-1" } }),
    );
    still_serving(&mut client);
    assert_eq!(client.stop(), Some(0));
}

#[test]
fn a_spec_outside_any_repository_gets_its_findings() {
    // A spec alone in a folder: the repository root the CLI would use holds none of its files.
    let dir = crate::support::temp_dir("lsp-outside");
    let file = dir.join("hybrid.yaml");
    let uri = uri(&file);
    let (mut client, _) = Client::start();
    client.open(&uri, "version: 1\nplatforms: {}\nunknown: 1\n");
    let diagnostics = client.diagnostics(&uri, 1);
    assert!(
        diagnostics
            .iter()
            .any(|d| d["code"] == "hybridc::spec::unknown-key"),
        "{diagnostics:#?}"
    );
    let (_, _, spec) = example("outside");
    client.change(&uri, 2, &spec);
    let diagnostics = client.diagnostics(&uri, 2);
    assert!(
        diagnostics
            .iter()
            .all(|d| d["code"] == "hybridc::spec::missing-file"),
        "{diagnostics:#?}"
    );
    assert!(!diagnostics.is_empty());
    still_serving(&mut client);
    assert_eq!(client.stop(), Some(0));
}

#[test]
fn typing_is_checked_once_it_pauses() {
    let (_dir, uri, spec) = example("typing");
    let (mut client, _) = Client::start();
    client.open(&uri, &spec);
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());
    let last = 21;
    for version in 2..=last {
        let typed = format!("{spec}# {}\n", "x".repeat(version as usize));
        client.change(&uri, version, &typed);
    }
    assert_eq!(client.diagnostics(&uri, last), Vec::<Value>::new());
    let checked = client
        .pending
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .count();
    assert!(
        checked < (last - 1) as usize,
        "{checked} checks for {} changes",
        last - 1
    );
    assert_eq!(client.stop(), Some(0));
}

#[test]
fn exit_without_shutdown_ends_the_server_with_status_1() {
    let (mut client, _) = Client::start();
    client.notify("exit", Value::Null);
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = client.child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
}

#[test]
fn neovim_shows_what_the_cli_reports() {
    if !crate::support::tool("nvim", "apt-get install neovim") {
        return;
    }
    let (dir, _, spec) = example("neovim");
    let misspelt = spec.replacen(
        "    provisioning: [linux-base]\n\n  rocky-9:",
        "    provisioning: [linux-bas]\n\n  rocky-9:",
        1,
    );
    let cli = cli_findings(&dir, &misspelt);
    let out = dir.join("nvim.json");
    let home = dir.join("nvim-home");
    let script = crate::support::repo().join("tests/editor/nvim/diagnostics.lua");
    let mut nvim = std::process::Command::new("nvim")
        .args(["--headless", "-n", "-i", "NONE", "--noplugin", "-u"])
        .arg(&script)
        .env("SPEC", dir.join("spec/hybrid.yaml"))
        .env("OUT", &out)
        .env("HYBRIDC", crate::support::BIN)
        // Neither the user's configuration nor their LSP log.
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nvim runs");
    let deadline = Instant::now() + DEADLINE * 2;
    let status = loop {
        if let Some(status) = nvim.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = nvim.kill();
            panic!("nvim did not quit");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "nvim failed: {status}");
    let result: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("nvim wrote its result"))
            .expect("JSON");
    assert_eq!(result["published"], true, "{result}");
    assert_eq!(result["stopped"], true, "the server did not stop: {result}");
    let shown: Vec<Finding> = result["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| finding(d, &d["line"], &d["column"]))
        .collect();
    assert_same("neovim", &cli, &shown);
}

/// The protocol position (line, character; ASCII text) of the byte `at` bytes into the first
/// occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str, at: usize) -> Value {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in the spec"))
        + at;
    let line = text[..offset].matches('\n').count();
    let character = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": character })
}

/// `textDocument/<method>` at a position of `uri`.
fn ask(client: &mut Client, method: &str, uri: &str, position: Value) -> Value {
    let answer = client.request(
        &format!("textDocument/{method}"),
        json!({ "textDocument": { "uri": uri }, "position": position }),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    answer["result"].clone()
}

/// The labels of a completion answer.
fn labels(answer: &Value) -> Vec<String> {
    answer
        .as_array()
        .expect("a list of completions")
        .iter()
        .map(|c| c["label"].as_str().expect("a label").to_owned())
        .collect()
}

/// Hover, completion and go to definition answer over the protocol with what the compiler
/// knows: a setting's description and its effective value with the layer that set it, a
/// plugin argument's type, a provisioning set's steps; the names the schema cannot know; and
/// the places a name or path leads to.
#[test]
fn hover_completion_and_definition_answer_with_what_the_compiler_knows() {
    let (dir, uri, spec) = example("features");
    let (mut client, capabilities) = Client::start();
    let capabilities = &capabilities["capabilities"];
    assert_eq!(capabilities["hoverProvider"], true, "{capabilities}");
    assert_eq!(capabilities["definitionProvider"], true, "{capabilities}");
    assert!(
        capabilities["completionProvider"].is_object(),
        "{capabilities}"
    );
    client.open(&uri, &spec);
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());

    for (needle, at, says) in [
        (
            "    cpus: 2",
            5,
            &["Number of virtual CPUs", "`2` from defaults"][..],
        ),
        (
            "      cpu_type: host",
            8,
            &["`string`", "`proxmox-iso`", "`host` from platform"],
        ),
        (
            "    node: pve1",
            5,
            &["Node the VM is built on", "(base, prod)"],
        ),
        (
            "[linux-base]",
            3,
            &["Provisioning set `linux-base`: shell, ansible, shell"],
        ),
        ("    seed: cd", 5, &["`cd` from OS: `rocky-9`"]),
    ] {
        let hover = ask(&mut client, "hover", &uri, position_of(&spec, needle, at));
        assert_eq!(hover["contents"]["kind"], "markdown", "{needle}: {hover}");
        let text = hover["contents"]["value"].as_str().expect("markdown");
        for words in says {
            assert!(text.contains(words), "{needle}: {words:?} not in {text}");
        }
    }

    // A provisioning reference leads to its set, a script path to the script.
    let set = ask(
        &mut client,
        "definition",
        &uri,
        position_of(&spec, "[linux-base]", 3),
    );
    assert_eq!(set[0]["uri"], uri, "{set}");
    assert_eq!(
        set[0]["range"]["start"],
        position_of(&spec, "  linux-base:", 2)
    );
    let script = ask(
        &mut client,
        "definition",
        &uri,
        position_of(&spec, "scripts/linux/update.sh", 3),
    );
    assert_eq!(
        script[0]["uri"].as_str(),
        Some(format!("file://{}", dir.join("scripts/linux/update.sh").display()).as_str()),
        "{script}"
    );

    // Completions, each in a spec being edited.
    let cases: [(&str, &str, &str, usize); 5] = [
        // Under `options:`: the builder's arguments that hybridc does not set and the spec
        // does not pass yet.
        (
            "      qemu_agent: true\n",
            "      qemu_agent: true\n      \n",
            "true\n      \n",
            11,
        ),
        // An OS's provisioning sets.
        (
            "hardware: { cpus: 4 }\n    provisioning: [linux-base]",
            "hardware: { cpus: 4 }\n    provisioning: []",
            "provisioning: []",
            15,
        ),
        // The environment variables the spec's other credentials read.
        (
            "token: { env: PROXMOX_TOKEN }",
            "token: { env: P }",
            "{ env: P }",
            7,
        ),
        // The configured platforms the OS is not on yet.
        (
            "platforms: [proxmox, vsphere, azure]\n    hardware: { cpus: 4 }",
            "platforms: [proxmox, vsphere, ]\n    hardware: { cpus: 4 }",
            "vsphere, ]",
            9,
        ),
        // The editions of the OS's release.
        (
            "    provisioning: [windows-base]\n",
            "    provisioning: [windows-base]\n    editions: []\n",
            "editions: []",
            11,
        ),
    ];
    let mut answers = Vec::new();
    for (version, (from, to, needle, at)) in (2..).zip(cases) {
        let edited = spec.replacen(from, to, 1);
        assert_ne!(edited, spec, "{from:?} is in the example");
        client.change(&uri, version, &edited);
        answers.push(labels(&ask(
            &mut client,
            "completion",
            &uri,
            position_of(&edited, needle, at),
        )));
    }
    let options = &answers[0];
    assert!(
        options.contains(&"ballooning_minimum".to_owned()),
        "{options:?}"
    );
    for set_by_hybridc_or_written in ["cores", "memory", "node", "cpu_type", "qemu_agent"] {
        assert!(
            !options.contains(&set_by_hybridc_or_written.to_owned()),
            "{set_by_hybridc_or_written} in {options:?}"
        );
    }
    assert_eq!(answers[1], ["linux-base", "windows-base"]);
    for variable in ["VSPHERE_PASSWORD", "BUILD_PASSWORD", "ARM_CLIENT_ID"] {
        assert!(
            answers[2].contains(&variable.to_owned()),
            "{variable} in {:?}",
            answers[2]
        );
    }
    assert_eq!(answers[3], ["azure"]);
    for edition in ["datacenter", "datacenter-core", "standard", "standard-core"] {
        assert!(
            answers[4].contains(&edition.to_owned()),
            "{edition} in {:?}",
            answers[4]
        );
    }
    assert_eq!(client.stop(), Some(0));
}

/// The did-you-mean of every stage is a quick fix: a misspelt key and enum value (schema), a
/// misspelt build under `network.addresses` (semantics); applying each restores the spec.
#[test]
fn each_stages_did_you_mean_is_a_quick_fix() {
    let (_dir, uri, spec) = example("fixes");
    let (mut client, _) = Client::start();
    let network = spec.replacen(
        "  seed: http\n",
        "  seed: http\n  network:\n    addresses: { rocky-9: 192.0.2.50/24 }\n",
        1,
    );
    let cases = [
        (
            spec.clone(),
            "    memory_mb: 4096",
            "    memroy_mb: 4096",
            "memory_mb",
        ),
        (
            spec.clone(),
            "    firmware: uefi",
            "    firmware: uefii",
            "uefi",
        ),
        (
            network.clone(),
            "{ rocky-9: 192",
            "{ rocky-8: 192",
            "rocky-9",
        ),
    ];
    for (version, (valid, right, wrong, fix)) in (1..).zip(cases) {
        let misspelt = valid.replacen(right, wrong, 1);
        assert_ne!(misspelt, valid, "{right:?} is in the spec");
        if version == 1 {
            client.open(&uri, &misspelt);
        } else {
            client.change(&uri, version, &misspelt);
        }
        let diagnostics = client.diagnostics(&uri, version);
        let found = diagnostics
            .iter()
            .find(|d| d.get("data").is_some())
            .unwrap_or_else(|| panic!("{wrong}: a finding with a fix in {diagnostics:#?}"));
        assert_eq!(found["data"]["fix"]["newText"], fix, "{found}");
        let answer = client.request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": found["range"],
                "context": { "diagnostics": [] },
            }),
        );
        let actions = answer["result"].as_array().expect("a list of actions");
        let action = actions
            .iter()
            .find(|a| a["title"] == format!("Change to `{fix}`"))
            .unwrap_or_else(|| panic!("{wrong}: {answer}"));
        let edits = action["edit"]["changes"][&uri].as_array().expect("edits");
        assert_eq!(apply(&misspelt, &edits[0]), valid, "{wrong}");
    }
    assert_eq!(client.stop(), Some(0));
}

/// The pipeline of [`the_catalogue_checks_unknown_argument_is_a_quick_fix`]: a spec that passes
/// `cpu_typ` through Proxmox's `options:` is checked as if it passed `cpu_type`, and its model
/// then gets the name as written, where the spec writes it. (From the spec alone, the semantic
/// check of `options:` refuses the misspelt option before the catalogue's check of the model
/// sees it, with a fix of its own: above.)
fn misspelt_in_model(
    source: hybridc::diagnostic::SourceFile,
    root: PathBuf,
    _: &mut hybridc::recheck::Recheck,
) -> Result<hybridc::Loaded, hybridc::Error> {
    let text = source.text.to_string();
    if !text.contains("cpu_typ:") {
        return hybridc::validate_source(source, root);
    }
    let meant = text.replacen("cpu_typ:", "cpu_type:", 1);
    let name = source.name.clone();
    let mut loaded = hybridc::check(hybridc::diagnostic::SourceFile::new(name, meant), root)?;
    let layout = hybridc::lower::Layout {
        spec_path: loaded.source.name.clone(),
        to_root: "..".to_owned(),
    };
    let (mut model, _) = hybridc::lower::lower(&loaded, &layout).expect("the example lowers");
    let written = hybridc::pointer::Pointer::new(&["platforms", "proxmox", "options", "cpu_typ"]);
    for source in &mut model.sources {
        for arg in &mut source.body.0 {
            if let hybridc::model::Arg::Attr { name, origin, .. } = arg
                && name == "cpu_type"
                && origin.as_str() == "/platforms/proxmox/options/cpu_type"
            {
                *name = "cpu_typ".into();
                *origin = written.clone();
            }
        }
    }
    loaded.tree = hybridc::yaml::parse(&text).expect("still YAML");
    loaded.source = source;
    let diagnostics = match hybridc::conformance::check(&model, &loaded) {
        Ok(()) => Vec::new(),
        Err(found) => found,
    };
    Err(hybridc::Error::Invalid {
        file: loaded.source,
        diagnostics,
    })
}

/// The plugin catalogue's check of the model proposes the name an unknown argument was meant
/// to be as data, as the semantic checks do: the server offers it as a quick fix, which
/// restores the spec.
#[test]
fn the_catalogue_checks_unknown_argument_is_a_quick_fix() {
    use lsp_server::{Connection, Message, Notification, Request};
    let (_dir, uri, spec) = example("conformance-fix");
    let misspelt = spec.replacen("      cpu_type: host", "      cpu_typ: host", 1);
    assert_ne!(misspelt, spec, "the example passes `cpu_type`");
    let (server, client) = Connection::memory();
    let serving = std::thread::spawn(move || hybridc::lsp::run(&server, misspelt_in_model));
    let send = |message: Message| client.sender.send(message).expect("the server listens");
    let next = || {
        client
            .receiver
            .recv_timeout(DEADLINE)
            .expect("the server answers")
    };
    send(
        Request::new(
            1.into(),
            "initialize".to_owned(),
            json!({ "capabilities": {} }),
        )
        .into(),
    );
    assert!(matches!(next(), Message::Response(_)));
    send(Notification::new("initialized".to_owned(), json!({})).into());
    let open = json!({ "textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": misspelt,
    }});
    send(Notification::new("textDocument/didOpen".to_owned(), open).into());
    let Message::Notification(published) = next() else {
        panic!("the diagnostics come first");
    };
    let diagnostics = published.params["diagnostics"]
        .as_array()
        .expect("a list")
        .clone();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let found = &diagnostics[0];
    assert_eq!(found["code"], "hybridc::compile::plugin-conformance");
    assert!(
        found["message"].as_str().is_some_and(
            |m| m.ends_with("has no argument `cpu_typ`\nhelp: did you mean `cpu_type`?")
        ),
        "{found}"
    );
    assert_eq!(found["data"]["fix"]["newText"], "cpu_type", "{found}");
    let ask = json!({
        "textDocument": { "uri": uri },
        "range": found["range"],
        "context": { "diagnostics": [] },
    });
    send(Request::new(2.into(), "textDocument/codeAction".to_owned(), ask).into());
    let Message::Response(answer) = next() else {
        panic!("the answer to the code action request");
    };
    let actions = answer.response_result.expect("actions");
    let actions = actions.as_array().expect("a list of actions");
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(actions[0]["title"], "Change to `cpu_type`");
    let edits = actions[0]["edit"]["changes"][&uri]
        .as_array()
        .expect("edits");
    assert_eq!(
        apply(&misspelt, &edits[0]),
        spec,
        "the fix restores the example"
    );
    send(Request::new(3.into(), "shutdown".to_owned(), json!(null)).into());
    assert!(matches!(next(), Message::Response(_)));
    send(Notification::new("exit".to_owned(), json!(null)).into());
    let ended = serving.join().expect("the server does not panic");
    assert_eq!(ended, Ok(hybridc::lsp::Ended::Clean));
}
