//! Timings of `hybridc lsp` in process, with the release build (`cargo bench --bench lsp`): the
//! server runs on an in-memory connection, as the editor would drive it.
//!
//! For each spec (the example `spec/`, the synthetic spec of 200 OSes x 3 platforms x 10
//! environments of `benches/cli.rs`, and one of the same shape about 5,000 lines long), it
//! times the re-check of a document after a change: from the `didChange` notification to the
//! `publishDiagnostics` that answers it, less the quiet time the server waits for after a
//! change ([`hybridc::lsp::QUIET`]). Three edits are timed apart: a comment (every OS stays as
//! it was), one OS's CPU count (that OS is lowered again) and the build user's name in
//! `defaults` (every OS is). It prints the median and 90th percentile wall time and the median
//! CPU time of the process (both cores) over many changes. It also times a hover on a
//! platform-wide setting (`platforms.proxmox.node`, whose effective value every build on that
//! platform shows), the first one after a change and one more on the same text, and the
//! stages a full check runs, without the server: [`hybridc::check`] (YAML, schema, typed spec,
//! semantics) and [`hybridc::validate_source`] (all of them, through lowering and the plugin
//! catalogue). Targets, at 5,000 lines: a re-check after a comment or an edit of one OS under
//! 25 ms, after an edit of `defaults` under 50 ms; a hover on the 200-OS spec under 20 ms.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hybridc::diagnostic::SourceFile;
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

#[allow(
    dead_code,
    reason = "the generator is shared; the rest is the other benchmark's"
)]
#[path = "cli.rs"]
mod cli;

/// The CPU time this process has used so far, on every thread.
fn cpu() -> Duration {
    // SAFETY: getrusage only writes into the value we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    [usage.ru_utime, usage.ru_stime]
        .iter()
        .map(|t| {
            Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
                + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
        })
        .sum()
}

/// Median and 90th percentile of `times`, with the median of `cpus`, printed under `label`;
/// the median is returned.
fn report(label: &str, mut times: Vec<Duration>, mut cpus: Vec<Duration>) -> Duration {
    times.sort();
    cpus.sort();
    let runs = times.len();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label:<52} median {:>8.2} ms   p90 {:>8.2} ms   cpu {:>8.2} ms   ({runs} runs)",
        ms(times[runs / 2]),
        ms(times[runs * 9 / 10]),
        ms(cpus[runs / 2]),
    );
    times[runs / 2]
}

/// The editor's side of an in-memory connection to a server running on its own thread.
struct Editor {
    client: Connection,
    server: Option<std::thread::JoinHandle<Result<hybridc::lsp::Ended, String>>>,
    next_id: i32,
}

impl Editor {
    fn start() -> Self {
        let (server, client) = Connection::memory();
        let server =
            std::thread::spawn(move || hybridc::lsp::run(&server, hybridc::validate_again));
        let mut editor = Editor {
            client,
            server: Some(server),
            next_id: 0,
        };
        editor.request("initialize", json!({ "capabilities": {} }));
        editor.notify("initialized", json!({}));
        editor
    }

    fn notify(&self, method: &str, params: Value) {
        let message = Notification::new(method.to_owned(), params);
        self.client
            .sender
            .send(message.into())
            .expect("the server listens");
    }

    /// Sends a request and waits for its answer, leaving other messages aside.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        let message = Request::new(id.clone(), method.to_owned(), params);
        self.client
            .sender
            .send(message.into())
            .expect("the server listens");
        loop {
            match self.receive() {
                Message::Response(r) if r.id == id => {
                    return r.response_result.unwrap_or(Value::Null);
                }
                _ => {}
            }
        }
    }

    fn receive(&self) -> Message {
        self.client
            .receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers")
    }

    /// Waits for the diagnostics of `version`, and returns how many there are.
    fn published(&self, version: i32) -> usize {
        loop {
            if let Message::Notification(n) = self.receive()
                && n.method == "textDocument/publishDiagnostics"
                && n.params["version"] == version
            {
                return n.params["diagnostics"].as_array().map_or(0, Vec::len);
            }
        }
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        if let Some(server) = self.server.take() {
            let ended = server.join().expect("the server does not panic");
            assert_eq!(ended, Ok(hybridc::lsp::Ended::Clean));
        }
    }
}

/// The LSP position of the first `needle` in `text`, all ASCII here.
fn position(text: &str, needle: &str) -> Value {
    let at = text.find(needle).expect("the needle is in the text");
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1);
    json!({ "line": line, "character": column })
}

/// Times the server on the spec `spec` of the repository `root`, `runs` times each.
fn measure(label: &str, root: &Path, runs: usize) -> (Vec<Duration>, Duration) {
    let spec = root.join("spec/hybrid.yaml");
    let text = std::fs::read_to_string(&spec).expect("the spec");
    let lines = text.lines().count();
    let label = format!("{label}, {lines} lines");
    let uri = format!("file://{}", spec.display());
    let document = || json!({ "uri": uri });

    // The stages on their own, as the server runs them.
    let name = spec.display().to_string();
    let stage = |what: &str, run: &dyn Fn(SourceFile, PathBuf) -> bool| {
        let (mut times, mut cpus) = (Vec::new(), Vec::new());
        for _ in 0..=runs {
            let source = SourceFile::new(name.clone(), text.clone());
            let (start, used) = (Instant::now(), cpu());
            assert!(run(source, root.to_path_buf()), "{what} passes");
            times.push(start.elapsed());
            cpus.push(cpu() - used);
        }
        // The first run warms up.
        times.remove(0);
        cpus.remove(0);
        report(&format!("  {what} ({label})"), times, cpus);
    };
    stage("check", &|s, r| hybridc::check(s, r).is_ok());
    stage("validate_source", &|s, r| {
        hybridc::validate_source(s, r).is_ok()
    });
    stages(&label, &name, &text, root, runs);

    let mut editor = Editor::start();
    let item = json!({ "textDocument": {
        "uri": uri, "languageId": "yaml", "version": 0, "text": text,
    }});
    editor.notify("textDocument/didOpen", item);
    assert_eq!(editor.published(0), 0, "{label} has no findings");

    let (mut first_hovers, mut hovers) = (Vec::new(), Vec::new());
    let (mut first_hover_cpus, mut hover_cpus) = (Vec::new(), Vec::new());
    let at = position(&text, "node: pve");
    let mut version = 0;
    let mut rechecks = Vec::new();
    for edit in EDITS {
        let (mut changes, mut change_cpus) = (Vec::new(), Vec::new());
        for run in 0..=runs {
            version += 1;
            let changed = edit.apply(&text, run);
            let params = json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": changed }],
            });
            let (start, used) = (Instant::now(), cpu());
            editor.notify("textDocument/didChange", params);
            assert_eq!(editor.published(version), 0, "{label} has no findings");
            changes.push(start.elapsed().saturating_sub(hybridc::lsp::QUIET));
            change_cpus.push(cpu() - used);
            if !matches!(edit, Edit::Comment) || run == 0 {
                continue;
            }
            let hover = json!({ "textDocument": document(), "position": at });
            for (times, cpus) in [
                (&mut first_hovers, &mut first_hover_cpus),
                (&mut hovers, &mut hover_cpus),
            ] {
                let (start, used) = (Instant::now(), cpu());
                let answer = editor.request("textDocument/hover", hover.clone());
                times.push(start.elapsed());
                cpus.push(cpu() - used);
                let shown = answer["contents"]["value"].as_str().unwrap_or_default();
                assert!(
                    shown.contains("Effective value"),
                    "the hover shows the effective value: {answer}"
                );
            }
        }
        // The first change of each kind warms up.
        changes.remove(0);
        change_cpus.remove(0);
        rechecks.push(report(
            &format!("re-check after {} ({label})", edit.what()),
            changes,
            change_cpus,
        ));
    }
    editor.stop();
    let hover = report(
        &format!("hover, first after a change ({label})"),
        first_hovers,
        first_hover_cpus,
    );
    report(&format!("hover, again ({label})"), hovers, hover_cpus);
    (rechecks, hover)
}

/// The edits a re-check is timed after; none changes what is found.
#[derive(Clone, Copy)]
enum Edit {
    /// A comment at the end: the text changes, every OS stays as it was.
    Comment,
    /// The CPU count of the middle OS that sets one: that OS changes.
    OneOs,
    /// The build user's name in `defaults`: every OS is lowered again.
    Defaults,
}

const EDITS: [Edit; 3] = [Edit::Comment, Edit::OneOs, Edit::Defaults];

impl Edit {
    fn what(self) -> &'static str {
        match self {
            Edit::Comment => "a comment",
            Edit::OneOs => "an edit of one OS",
            Edit::Defaults => "an edit of defaults",
        }
    }

    /// The text after the edit of run `run`: each run's text differs from the one before.
    fn apply(self, text: &str, run: usize) -> String {
        match self {
            Edit::Comment => format!("{text}# change {run}\n"),
            Edit::OneOs => {
                let needle = "hardware: { cpus: ";
                let starts: Vec<usize> = text.match_indices(needle).map(|(at, _)| at).collect();
                let at = starts[starts.len() / 2] + needle.len();
                let digits = text[at..]
                    .find(|c: char| !c.is_ascii_digit())
                    .expect("a number");
                let cpus = if run.is_multiple_of(2) { "3" } else { "5" };
                format!("{}{cpus}{}", &text[..at], &text[at + digits..])
            }
            Edit::Defaults => {
                let name = format!("username: packer{}", run % 2);
                text.replacen("username: packer", &name, 1)
            }
        }
    }
}

/// Times each stage the re-check runs, one after the other on this thread (a stage may use
/// the second core itself): where the time of a re-check goes.
fn stages(label: &str, name: &str, text: &str, root: &Path, runs: usize) {
    let files = hybridc::source::Disk::new(root.to_path_buf());
    let layout = hybridc::lower::Layout {
        spec_path: name.to_owned(),
        to_root: "..".to_owned(),
    };
    let mut times: Vec<(&str, Vec<Duration>)> = Vec::new();
    let mut time =
        |what: &'static str, took: Duration| match times.iter_mut().find(|(w, _)| *w == what) {
            Some((_, list)) => list.push(took),
            None => times.push((what, vec![took])),
        };
    for _ in 0..=runs {
        let start = Instant::now();
        let tree = hybridc::yaml::parse(text).expect("YAML");
        time("yaml", start.elapsed());
        let start = Instant::now();
        let json = tree.to_json();
        time("to_json", start.elapsed());
        let start = Instant::now();
        hybridc::schema::check(&tree, &json).expect("the schema passes");
        time("schema", start.elapsed());
        let start = Instant::now();
        let spec: hybridc::spec::Spec = serde::Deserialize::deserialize(&tree).expect("typed");
        time("typed spec", start.elapsed());
        let start = Instant::now();
        let found = hybridc::semantic::check(&hybridc::semantic::Context {
            spec: &spec,
            tree: &tree,
            root,
            files: &files,
        });
        time("semantic", start.elapsed());
        let start = Instant::now();
        let repository = hybridc::semantic::repository(&spec, &files);
        time("repository", start.elapsed());
        let loaded = hybridc::Loaded {
            spec,
            source: SourceFile::new(name.to_owned(), text.to_owned()),
            tree,
            root: root.to_path_buf(),
            repository,
            warnings: found,
        };
        let start = Instant::now();
        let (model, _) = hybridc::lower::lower(&loaded, &layout).expect("lowers");
        time("lower", start.elapsed());
        let start = Instant::now();
        hybridc::conformance::check(&model, &loaded).expect("conforms");
        time("conformance", start.elapsed());
        for (what, dropped) in [
            ("drop model", Box::new(model) as Box<dyn std::any::Any>),
            ("drop loaded", Box::new(loaded)),
            ("drop json", Box::new(json)),
        ] {
            let start = Instant::now();
            drop(dropped);
            time(what, start.elapsed());
        }
    }
    for (what, mut list) in times {
        list.remove(0);
        list.sort();
        println!(
            "    stage {what:<12} median {:>8.2} ms ({label})",
            list[list.len() / 2].as_secs_f64() * 1e3
        );
    }
}

fn main() {
    // The allocator as `hybridc` sets it up (`src/main.rs`): heaps grow 32 MiB at a time.
    // SAFETY: one of glibc's allocator parameters, set before a second thread allocates.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, 32 << 20);
    }
    hybridc::start_worker();
    // `cargo bench --bench lsp -- profile`: only the re-check of the 5,000-line spec, many
    // times, for a profiler (valgrind --tool=callgrind on the bench binary).
    if std::env::args().any(|a| a == "profile") {
        let large = cli::synthetic("lsp-profile", 554, 10);
        let spec = large.join("spec/hybrid.yaml");
        let text = std::fs::read_to_string(&spec).expect("the spec");
        // `-- profile again`: the re-check after a comment, as the server runs it.
        let again = std::env::args().any(|a| a == "again");
        let mut recheck = hybridc::recheck::Recheck::new();
        for run in 0..10 {
            let text = if again {
                Edit::Comment.apply(&text, run)
            } else {
                text.clone()
            };
            let source = SourceFile::new(spec.display().to_string(), text);
            if again {
                let start = Instant::now();
                assert!(hybridc::validate_again(source, large.clone(), &mut recheck).is_ok());
                println!(
                    "validate_again {:>8.2} ms, {} OSes left out",
                    start.elapsed().as_secs_f64() * 1e3,
                    recheck.left_out()
                );
            } else {
                assert!(hybridc::validate_source(source, large.clone()).is_ok());
            }
        }
        let _ = std::fs::remove_dir_all(large);
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missed = Vec::new();
    measure("example spec/", repo, 31);
    let synthetic = cli::synthetic("lsp-200", 200, 10);
    let (_, hover) = measure("200 OSes", &synthetic, 31);
    if hover > Duration::from_millis(20) {
        missed.push("a hover at 200 OSes is over its 20 ms target".to_owned());
    }
    // Nine lines per OS, and about twenty more: 554 OSes make 5,000 lines.
    let large = cli::synthetic("lsp-5000", 554, 10);
    let (rechecks, _) = measure("5,000 lines", &large, 31);
    for (edit, recheck) in EDITS.iter().zip(rechecks) {
        let target = match edit {
            Edit::Comment | Edit::OneOs => Duration::from_millis(25),
            Edit::Defaults => Duration::from_millis(50),
        };
        if recheck > target {
            missed.push(format!(
                "a re-check of 5,000 lines after {} is over its {} ms target",
                edit.what(),
                target.as_millis()
            ));
        }
    }
    for missed in &missed {
        println!("  missed: {missed}");
    }
    for dir in [synthetic, large] {
        let _ = std::fs::remove_dir_all(dir);
    }
}
