//! The crate's shape, read from its source: stages depend on each other one way, none of them
//! reaches back into the orchestration in `lib.rs` or up into the workflow commands, and no
//! source file grows past what one person reads in one sitting.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::repo;

/// The longest a source file may be; the printer with its oracle tests is the one exception.
const MAX_LINES: usize = 700;
const EXEMPT: &[&str] = &["src/hcl.rs"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/lower/mod.rs` → `lower`, `src/span.rs` → `span`, `src/lib.rs` → `lib`.
fn top_module(relative: &Path) -> String {
    let first = relative.components().next().expect("a path");
    let name = first.as_os_str().to_string_lossy();
    name.strip_suffix(".rs").unwrap_or(&name).to_owned()
}

/// The code of a file without comments and without its unit tests.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names a file reaches through `crate::` (`crate::spec::Os` → `spec`, and each name of
/// `use crate::{a, b::c}`).
fn crate_names(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    names.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

struct Crate {
    /// Top-level module → the top-level modules and other crate-root names it reaches.
    edges: BTreeMap<String, BTreeSet<String>>,
    /// Top-level modules whose code (tests aside) touches the file system.
    io: BTreeSet<String>,
    /// Each file, relative to the repository, with its line count.
    lines: Vec<(String, usize)>,
}

fn read_crate() -> Crate {
    let root = repo();
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut lines = Vec::new();
    let mut io = BTreeSet::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("read source");
        let relative = file.strip_prefix(root.join("src")).expect("under src");
        lines.push((format!("src/{}", relative.display()), text.lines().count()));
        let module = top_module(relative);
        let code = code(&text);
        if FILE_SYSTEM.iter().any(|call| code.contains(call)) {
            io.insert(module.clone());
        }
        let reached = crate_names(&code);
        edges
            .entry(module.clone())
            .or_default()
            .extend(reached.into_iter().filter(|n| *n != module));
    }
    Crate { edges, io, lines }
}

/// What touching the file system looks like in the source.
const FILE_SYSTEM: &[&str] = &[
    "std::fs",
    "fs::",
    "File::open",
    ".is_file()",
    ".is_dir()",
    ".exists()",
    "read_dir",
    "canonicalize",
    "symlink_metadata",
];

/// The only modules that read or write files: reading the spec and, through `source`'s access
/// layer (the work tree, or a git revision for `diff`), the files it names; writing and
/// comparing the output; and what is above the pipeline. `semantic` asks `source::Files`, so
/// that both sides of a diff are checked against their own files.
const MAY_TOUCH_FILES: &[&str] = &[
    "source", "output", "check", "lib", "main", "cli", "workflow", "import",
];

/// Modules that are the binary or the orchestration, not stages (`editor` answers an editor
/// from what the orchestration and `explain` give; `import` reads a Packer tree and compiles
/// the spec it writes).
const ABOVE: &[&str] = &["lib", "main", "cli", "editor", "import"];

#[test]
fn stages_depend_on_each_other_one_way() {
    let krate = read_crate();
    let modules: BTreeSet<&str> = krate.edges.keys().map(String::as_str).collect();
    let graph: BTreeMap<&str, Vec<&str>> = krate
        .edges
        .iter()
        .filter(|(m, _)| !ABOVE.contains(&m.as_str()))
        .map(|(m, to)| {
            let to = to
                .iter()
                .map(String::as_str)
                .filter(|n| modules.contains(n) && !ABOVE.contains(n))
                .collect();
            (m.as_str(), to)
        })
        .collect();
    // Depth-first search for a back edge; the path to it is the cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!(
                "modules depend on each other in a cycle: {}",
                cycle.join(" -> ")
            );
        }
    }
}

#[test]
fn no_stage_reaches_into_the_orchestration_or_the_workflow_commands() {
    let krate = read_crate();
    let modules: BTreeSet<&str> = krate.edges.keys().map(String::as_str).collect();
    let mut wrong = Vec::new();
    for (module, reached) in &krate.edges {
        if ABOVE.contains(&module.as_str()) {
            continue;
        }
        for name in reached {
            // `crate::Error`, `crate::compile`: a name of lib.rs itself, not of a module.
            if !modules.contains(name.as_str()) {
                wrong.push(format!("{module} uses crate::{name} from lib.rs"));
            }
            if name == "workflow" && module != "workflow" {
                wrong.push(format!("{module} uses the workflow commands"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn lowering_conformance_and_printing_touch_no_file() {
    let krate = read_crate();
    let wrong: Vec<&String> = krate
        .io
        .iter()
        .filter(|m| !MAY_TOUCH_FILES.contains(&m.as_str()))
        .collect();
    assert!(
        wrong.is_empty(),
        "these modules touch the file system: {wrong:?}"
    );
    assert!(
        krate.io.contains("output"),
        "the reader sees the output stage write"
    );
}

#[test]
fn no_source_file_is_longer_than_one_sitting() {
    let krate = read_crate();
    let long: Vec<String> = krate
        .lines
        .iter()
        .filter(|(file, n)| *n > MAX_LINES && !EXEMPT.contains(&file.as_str()))
        .map(|(file, n)| format!("{file}: {n} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_reader_of_the_source_sees_what_it_should() {
    let names = crate_names("use crate::{a, b::c};\nfn f() { crate::d::e(); crate::Error }");
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(names, ["Error", "a", "b", "d"]);
    assert_eq!(
        code("x\n// y crate::z\n#[cfg(test)]\nmod tests { crate::w }"),
        "x"
    );
    assert_eq!(top_module(Path::new("lower/mod.rs")), "lower");
    assert_eq!(top_module(Path::new("span.rs")), "span");
}
