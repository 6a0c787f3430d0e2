//! No input panics: many mutated and truncated versions of the example spec go through the
//! library in process (so a panic names its input) and through the real binary (so the exit
//! code is checked), and each must be accepted or rejected with diagnostics, never crash.

use std::path::{Path, PathBuf};
use std::process::Command;

use hybridc::diagnostic::SourceFile;

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
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
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
    Command::new(env!("CARGO_BIN_EXE_hybridc"))
        .args(["validate", "spec/"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
        .status
        .code()
}

#[test]
fn mutated_specs_exit_0_or_2_from_the_binary() {
    let (text, root) = example();
    let dir = std::env::temp_dir().join(format!("hybridc-robust-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).expect("temp dir");
    // Paths in the example are relative to the repository: give the copy the same files.
    for folder in ["builds", "scripts", "ansible"] {
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
