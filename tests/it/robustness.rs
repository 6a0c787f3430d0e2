//! No input panics: many mutated and truncated versions of the example spec go through the
//! library in process (so a panic names its input) and through the real binary (so the exit
//! code is checked), and each must be accepted or rejected with diagnostics, never crash.

use std::path::{Path, PathBuf};
use std::process::Command;

use hybridc::diagnostic::SourceFile;

use crate::support::{copy_tree, hybridc, repo, tool};

/// A small deterministic generator (xorshift64*), so every run tries the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    ":", "-", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "!x ", "\t", "\"", "'", "#",
    "\n", "  ", "?", "|", ">", "~", "null", "0x1F", "1e999", "é", "日本", "${x}", "%{y}", "<<: ",
    "---\n", "...\n", "\u{feff}", "\r",
];

fn example() -> (String, PathBuf) {
    let root = repo();
    let text = std::fs::read_to_string(root.join("spec/hybrid.yaml")).expect("example spec");
    (text, root)
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1).min(out.len());
        match rng.below(6) {
            0 => {
                let end = (at + rng.below(40)).min(out.len());
                out.drain(at..end);
            }
            1 => {
                let piece: Vec<char> = PIECES[rng.below(PIECES.len())].chars().collect();
                out.splice(at..at, piece);
            }
            2 => out.truncate(at),
            3 => {
                // Duplicate a line: duplicate keys, repeated list items.
                let start = out[..at]
                    .iter()
                    .rposition(|c| *c == '\n')
                    .map_or(0, |i| i + 1);
                let end = out[at..]
                    .iter()
                    .position(|c| *c == '\n')
                    .map_or(out.len(), |i| at + i + 1);
                let line: Vec<char> = out[start..end].to_vec();
                out.splice(end..end, line);
            }
            4 => {
                // Re-indent a line by one space.
                let start = out[..at]
                    .iter()
                    .rposition(|c| *c == '\n')
                    .map_or(0, |i| i + 1);
                if rng.below(2) == 0 {
                    out.insert(start, ' ');
                } else if out.get(start) == Some(&' ') {
                    out.remove(start);
                }
            }
            _ => {
                if !out.is_empty() {
                    let i = rng.below(out.len());
                    out[i] = chars[rng.below(chars.len())];
                }
            }
        }
    }
    out.into_iter().collect()
}

#[test]
fn mutated_specs_never_panic_the_library() {
    let (text, root) = example();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut outcomes = [0usize; 2];
    for i in 0..3000 {
        let mut input: String = if i % 10 == 0 {
            let cut = rng.below(text.len());
            text.chars().take(cut).collect()
        } else {
            mutate(&mut rng, &text)
        };
        // Old Mac and Windows line ends, and a line too long for a plain snippet.
        match i % 7 {
            3 => input = input.replace('\n', "\r"),
            5 => input = input.replace('\n', "\r\n"),
            _ => {}
        }
        if i % 11 == 4 {
            let at = input
                .char_indices()
                .nth(rng.below(input.chars().count()))
                .map_or(input.len(), |(at, _)| at);
            input.insert_str(at, &"x".repeat(70_000));
        }
        let source = SourceFile::new("spec/hybrid.yaml", input.clone());
        let result = std::panic::catch_unwind(|| hybridc::check(source, root.clone()));
        match result {
            Ok(Ok(_)) => outcomes[0] += 1,
            Ok(Err(error)) => {
                // Rendering is part of the user-visible path: it must not panic either.
                if let hybridc::Error::Invalid { file, diagnostics } = &error {
                    let rendered = std::panic::catch_unwind(|| {
                        hybridc::diagnostic::render(diagnostics, file, false)
                    });
                    let Ok(rendered) = rendered else {
                        panic!("rendering panicked for input:\n{input}");
                    };
                    let widest = rendered.lines().map(|l| l.chars().count()).max();
                    assert!(
                        widest.unwrap_or(0) < 600,
                        "a rendered line of {widest:?} characters for input:\n{input}"
                    );
                }
                outcomes[1] += 1;
            }
            Err(_) => panic!("hybridc::check panicked for input:\n{input}"),
        }
    }
    // The mutations must exercise both outcomes, or the test proves little.
    assert!(
        outcomes[0] > 0 && outcomes[1] > 1000,
        "valid/invalid: {outcomes:?}"
    );
}

fn run_binary(dir: &Path, bytes: &[u8]) -> Option<i32> {
    std::fs::write(dir.join("spec/hybrid.yaml"), bytes).expect("write");
    hybridc(dir, &["validate", "spec/"]).status.code()
}

#[test]
fn mutated_specs_exit_0_or_2_from_the_binary() {
    let (text, root) = example();
    let dir = crate::support::temp_dir("robustness-robust");
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    // Paths in the example are relative to the repository: give the copy the same files.
    for folder in ["installers", "scripts", "ansible"] {
        let _ = std::os::unix::fs::symlink(root.join(folder), dir.join(folder));
    }
    let mut rng = Rng(42);
    for i in 0..150 {
        let mut bytes = mutate(&mut rng, &text).into_bytes();
        if i % 5 == 0 && !bytes.is_empty() {
            // Invalid UTF-8 somewhere.
            let at = rng.below(bytes.len());
            bytes[at] = [0xff, 0xc3, 0x80, 0xfe][rng.below(4)];
        }
        let code = run_binary(&dir, &bytes);
        assert!(
            matches!(code, Some(0) | Some(2)),
            "exit {code:?} for input:\n{}",
            String::from_utf8_lossy(&bytes)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The compile errors of a spec, or `None` when it compiles. `compile` works in memory; only
/// the output folder's place is checked.
fn compile_errors(spec: &Path) -> Option<Vec<String>> {
    match hybridc::compile(
        spec,
        &spec.parent().expect("spec folder").join("../generated"),
    ) {
        Ok(compiled) => {
            names_are_unique(&compiled, spec);
            None
        }
        Err(hybridc::Error::Invalid { diagnostics, .. }) => Some(
            diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| {
                    format!(
                        "{} {}..{}",
                        d.code, d.primary.span.start, d.primary.span.end
                    )
                })
                .collect(),
        ),
        Err(other) => Some(vec![other.to_string()]),
    }
}

/// Every name the output gives Packer or the file system is unique: source labels per
/// builder, build names, variables, locals, environments and file paths. Two of one name
/// would make Packer refuse the tree or one file overwrite another.
fn names_are_unique(compiled: &hybridc::Compiled, spec: &Path) {
    let model = &compiled.model;
    let groups: [(&str, Vec<String>); 6] = [
        (
            "source",
            model.sources.iter().map(|s| s.selector()).collect(),
        ),
        (
            "build",
            model.builds.iter().map(|b| b.name.clone()).collect(),
        ),
        (
            "variable",
            model.variables.iter().map(|v| v.name.clone()).collect(),
        ),
        (
            "local",
            model.locals.iter().map(|l| l.name.clone()).collect(),
        ),
        (
            "environment",
            model.environments.iter().map(|e| e.name.clone()).collect(),
        ),
        (
            "file",
            compiled.files.iter().map(|f| f.path.clone()).collect(),
        ),
    ];
    for (what, names) in groups {
        let mut seen = std::collections::BTreeSet::new();
        for name in names {
            assert!(
                seen.insert(name.clone()),
                "{}: two {what}s named `{name}`",
                spec.display()
            );
        }
    }
}

fn validate_errors(spec: &Path) -> Option<Vec<String>> {
    match hybridc::validate(spec) {
        Ok(_) => None,
        Err(hybridc::Error::Invalid { diagnostics, .. }) => Some(
            diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| {
                    format!(
                        "{} {}..{}",
                        d.code, d.primary.span.start, d.primary.span.end
                    )
                })
                .collect(),
        ),
        Err(other) => Some(vec![other.to_string()]),
    }
}

/// `validate` and `compile` agree: a spec `validate` accepts compiles, and every compile error
/// is one `validate` reported; every spec that compiles has unique names. Over the invalid fixtures, the specs that validate but cannot
/// compile, and mutants of the example.
#[test]
fn validate_reports_every_error_compile_would() {
    let root = repo();
    let mut specs: Vec<PathBuf> = Vec::new();
    for corpus in [
        "tests/fixtures/invalid",
        "tests/fixtures/compile-invalid",
        "tests/fixtures/compile",
    ] {
        let mut cases: Vec<PathBuf> = std::fs::read_dir(root.join(corpus))
            .expect("fixtures")
            .map(|e| e.expect("entry").path().join("spec/hybrid.yaml"))
            .filter(|p| p.is_file())
            .collect();
        cases.sort();
        specs.extend(cases);
    }
    let dir = crate::support::temp_dir("robustness-agree");
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    for folder in ["installers", "scripts", "ansible"] {
        copy_tree(&root.join(folder), &dir.join(folder));
    }
    let (text, _) = example();
    let mut rng = Rng(7);
    let (mut mutants, mut compiled_ok) = (0, 0);
    let mut check = |spec: &Path| {
        let validated = validate_errors(spec);
        let compiled = compile_errors(spec);
        match (&validated, &compiled) {
            (None, None) => compiled_ok += 1,
            (Some(v), Some(c)) => {
                for error in c {
                    assert!(
                        v.contains(error),
                        "{}: compile reports {error}, validate only {v:?}",
                        spec.display()
                    );
                }
            }
            _ => panic!(
                "{}: validate {validated:?}, compile {compiled:?}",
                spec.display()
            ),
        }
    };
    for spec in &specs {
        check(spec);
    }
    let spec = dir.join("spec/hybrid.yaml");
    for _ in 0..300 {
        std::fs::write(&spec, mutate(&mut rng, &text)).expect("write");
        check(&spec);
        mutants += 1;
    }
    assert!(
        compiled_ok > specs.len() / 10,
        "too few specs compile: {compiled_ok}"
    );
    eprintln!(
        "validate and compile agree on {} fixtures and {mutants} mutants ({compiled_ok} compile)",
        specs.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A valid mutant's output is what `packer fmt` writes, and an invalid one writes nothing,
/// through the real binary.
#[test]
fn mutants_compile_to_canonical_hcl_or_write_nothing() {
    let (text, root) = example();
    let dir = crate::support::temp_dir("robustness-mutants");
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    for folder in ["installers", "scripts", "ansible"] {
        copy_tree(&root.join(folder), &dir.join(folder));
    }
    let trees = dir.join("trees");
    let mut rng = Rng(1234);
    let (mut valid, mut invalid) = (0, 0);
    for i in 0..200 {
        let generated = dir.join("generated");
        let _ = std::fs::remove_dir_all(&generated);
        std::fs::write(dir.join("spec/hybrid.yaml"), mutate(&mut rng, &text)).expect("write");
        let code = hybridc(&dir, &["compile", "spec/"]).status.code();
        match code {
            Some(0) => {
                valid += 1;
                std::fs::rename(&generated, trees.join(i.to_string()))
                    .or_else(|_| {
                        std::fs::create_dir_all(&trees)?;
                        std::fs::rename(&generated, trees.join(i.to_string()))
                    })
                    .expect("keep the tree");
            }
            Some(2) => {
                invalid += 1;
                assert!(
                    !generated.exists(),
                    "an invalid spec wrote {}",
                    generated.display()
                );
            }
            other => panic!("exit {other:?}"),
        }
    }
    assert!(valid > 0 && invalid > 0, "valid {valid}, invalid {invalid}");
    eprintln!("{valid} valid and {invalid} invalid mutants compiled");
    if tool("packer", "apt-get install packer") {
        // Packer 1.6.6 formats one folder at a time.
        for tree in std::fs::read_dir(&trees).expect("trees") {
            let tree = tree.expect("tree").path();
            for folder in [tree.clone(), tree.join("env")] {
                if !folder.is_dir() {
                    continue;
                }
                let out = Command::new("packer")
                    .args(["fmt", "-check"])
                    .arg(&folder)
                    .output()
                    .expect("packer fmt");
                assert!(
                    out.status.success(),
                    "not canonical: {}",
                    String::from_utf8_lossy(&out.stdout)
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
