//! Running the `packer` processes of a run: at most `jobs` at a time, their lines forwarded as
//! they come (prefixed with the source when several run at once), and each source's result read
//! from Packer's own `Build '<selector>' finished` and `errored` lines.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};

use super::invocation::{BuildOptions, Invocation, PACKER_ENV, build_invocations, init_invocation};
use super::plan::Plan;
use super::report::{BuildOutcome, BuildStatus, RunError, RunReport};

/// Runs `packer init`, then the builds of `plan`, with the executable `packer` (a bare name is
/// looked up on `PATH`), streaming Packer's standard output to `out` and its standard error to
/// `err`, line by line as they come.
///
/// The command lines are those of [`commands`](super::commands). With `options.jobs` at most 1 there is one
/// `packer build` for every source and its lines are written as they are. With more, one
/// `packer build` per source runs, `jobs` at a time, and each of its lines is prefixed with
/// `[<selector>] ` so interleaved output stays readable (`packer init` runs alone before them,
/// unprefixed). A failing build does not stop the others. Write errors on `out` and `err` are
/// ignored: a closed log must not abandon builds that are running.
///
/// With one `packer build` for several sources, a source whose `Build '<selector>' finished`
/// line Packer printed counts as built even when another failed the process; one with an
/// `errored` line, or with neither line when the process failed, counts as failed.
///
/// # Errors
/// [`RunError::Spawn`] when `packer` cannot be started and [`RunError::Init`] when `packer init`
/// fails; in both cases no build was started. A build that fails, or whose process cannot be
/// started, is reported in the [`RunReport`] instead.
pub fn run(
    plan: &Plan,
    options: &BuildOptions,
    packer: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunReport, RunError> {
    let init = run_invocations(vec![init_invocation(plan)], 1, false, packer, out, err)
        .pop()
        .expect("one invocation has one result");
    match init.result {
        Err(error) => {
            return Err(RunError::Spawn {
                program: packer.to_path_buf(),
                error,
            });
        }
        Ok(status) if !status.success() => {
            return Err(RunError::Init {
                exit_code: status.code(),
            });
        }
        Ok(_) => {}
    }

    let jobs = options.jobs;
    let invocations = build_invocations(plan, options);
    let prefixed = jobs > 1;
    let finished = run_invocations(invocations, jobs.max(1), prefixed, packer, out, err);
    let mut statuses: BTreeMap<String, BuildStatus> = BTreeMap::new();
    for process in finished {
        for selector in &process.selectors {
            let status = match &process.result {
                Err(error) => BuildStatus::NotStarted {
                    message: error.to_string(),
                },
                Ok(status) if status.success() && !process.errored.contains(selector) => {
                    BuildStatus::Succeeded
                }
                Ok(status) => {
                    let several = process.selectors.len() > 1;
                    if several
                        && process.finished.contains(selector)
                        && !process.errored.contains(selector)
                    {
                        BuildStatus::Succeeded
                    } else {
                        BuildStatus::Failed {
                            exit_code: status.code(),
                        }
                    }
                }
            };
            statuses.insert(selector.clone(), status);
        }
    }
    Ok(RunReport {
        builds: plan
            .sources
            .iter()
            .map(|s| BuildOutcome {
                selector: s.selector.clone(),
                status: statuses
                    .remove(&s.selector)
                    .unwrap_or(BuildStatus::NotStarted {
                        message: "no `packer build` was planned for it".to_owned(),
                    }),
            })
            .collect(),
    })
}

/// How one process ended, with what its lines said about its sources.
struct Finished {
    selectors: Vec<String>,
    result: std::io::Result<ExitStatus>,
    /// Sources with a `Build '<selector>' finished` line.
    finished: BTreeSet<String>,
    /// Sources with a `Build '<selector>' errored` line.
    errored: BTreeSet<String>,
}

#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

enum Event {
    Line {
        index: usize,
        stream: Stream,
        text: String,
    },
    Done {
        index: usize,
        result: std::io::Result<ExitStatus>,
    },
}

/// Sends `Done` for its process when dropped, so the scheduler is told even if the thread
/// watching the process ends early.
struct DoneGuard {
    tx: Sender<Event>,
    index: usize,
    result: Option<std::io::Result<ExitStatus>>,
}

impl Drop for DoneGuard {
    fn drop(&mut self) {
        let result = self.result.take().unwrap_or_else(|| {
            Err(std::io::Error::other(
                "the thread watching `packer` stopped early",
            ))
        });
        let _ = self.tx.send(Event::Done {
            index: self.index,
            result,
        });
    }
}

/// Runs the invocations, at most `jobs` at a time, in order; writes their lines on this thread.
fn run_invocations(
    invocations: Vec<Invocation>,
    jobs: usize,
    prefixed: bool,
    packer: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Vec<Finished> {
    let (tx, rx) = mpsc::channel::<Event>();
    let mut finished: Vec<Finished> = invocations
        .iter()
        .map(|i| Finished {
            selectors: i.selectors.clone(),
            result: Err(std::io::Error::other("not run")),
            finished: BTreeSet::new(),
            errored: BTreeSet::new(),
        })
        .collect();
    let prefixes: Vec<String> = invocations
        .iter()
        .map(|i| {
            if prefixed {
                format!("[{}] ", i.selectors.join(","))
            } else {
                String::new()
            }
        })
        .collect();
    let mut pending = invocations.into_iter().enumerate();
    let mut running = 0usize;
    loop {
        while running < jobs {
            let Some((index, invocation)) = pending.next() else {
                break;
            };
            match start(packer, &invocation, index, &tx) {
                Ok(()) => running += 1,
                Err(error) => finished[index].result = Err(error),
            }
        }
        if running == 0 {
            break;
        }
        // This thread holds a sender, so `recv` fails only if that is gone; stop waiting then.
        let Ok(event) = rx.recv() else { break };
        match event {
            Event::Line {
                index,
                stream,
                text,
            } => {
                note_build_lines(&mut finished[index], &text);
                let target: &mut dyn Write = match stream {
                    Stream::Out => &mut *out,
                    Stream::Err => &mut *err,
                };
                let _ = writeln!(target, "{}{text}", prefixes[index]);
                let _ = target.flush();
            }
            Event::Done { index, result } => {
                finished[index].result = result;
                running -= 1;
            }
        }
    }
    finished
}

/// Records Packer's `Build '<name>' finished` and `Build '<name>' errored` lines.
fn note_build_lines(process: &mut Finished, line: &str) {
    for selector in &process.selectors {
        let head = format!("Build '{selector}' ");
        if let Some(i) = line.find(&head) {
            let rest = &line[i + head.len()..];
            if rest.starts_with("finished") {
                process.finished.insert(selector.clone());
            } else if rest.starts_with("errored") {
                process.errored.insert(selector.clone());
            }
        }
    }
}

/// Starts one `packer` process and the threads that forward its lines and its end.
fn start(
    packer: &Path,
    invocation: &Invocation,
    index: usize,
    tx: &Sender<Event>,
) -> std::io::Result<()> {
    let mut command = Command::new(packer);
    command
        .args(&invocation.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in PACKER_ENV {
        command.env(key, value);
    }
    let mut child = command.spawn()?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let guard = DoneGuard {
        tx: tx.clone(),
        index,
        result: None,
    };
    let tx = tx.clone();
    // When the thread cannot be started, the closure is dropped with the guard in it, which
    // reports the process as failed; either way exactly one `Done` arrives for it.
    let _ = std::thread::Builder::new()
        .name(format!("packer-{index}"))
        .spawn(move || watch(child, stdout, stderr, tx, index, guard));
    Ok(())
}

/// Forwards a process's lines, then its exit status (through the guard), in that order.
fn watch(
    mut child: Child,
    stdout: Option<impl Read + Send + 'static>,
    stderr: Option<impl Read + Send + 'static>,
    tx: Sender<Event>,
    index: usize,
    mut guard: DoneGuard,
) {
    let err_tx = tx.clone();
    let err_reader = stderr.map(|stderr| {
        std::thread::Builder::new()
            .name(format!("packer-{index}-stderr"))
            .spawn(move || forward(stderr, Stream::Err, index, &err_tx))
    });
    if let Some(stdout) = stdout {
        forward(stdout, Stream::Out, index, &tx);
    }
    match err_reader {
        Some(Ok(handle)) => {
            let _ = handle.join();
        }
        // Without a reader, a full stderr pipe could block Packer; no thread means no reader.
        Some(Err(_)) => {
            let _ = child.kill();
        }
        None => {}
    }
    guard.result = Some(child.wait());
}

/// Sends each line of `reader` (lossy UTF-8, without its line ending) until it closes.
fn forward(reader: impl Read, stream: Stream, index: usize, tx: &Sender<Event>) {
    let mut reader = BufReader::new(reader);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                while buffer.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buffer.pop();
                }
                let text = String::from_utf8_lossy(&buffer).into_owned();
                if tx
                    .send(Event::Line {
                        index,
                        stream,
                        text,
                    })
                    .is_err()
                {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_packer_build_result_lines() {
        let mut process = Finished {
            selectors: vec!["os.null.a".to_owned(), "os.null.b".to_owned()],
            result: Err(std::io::Error::other("not run")),
            finished: BTreeSet::new(),
            errored: BTreeSet::new(),
        };
        note_build_lines(
            &mut process,
            "2026-01-01T00:00:00Z: Build 'os.null.a' finished after 8 milliseconds.",
        );
        note_build_lines(
            &mut process,
            "Build 'os.null.b' errored after 6 milliseconds: exit status 3",
        );
        assert!(process.finished.contains("os.null.a"));
        assert!(process.errored.contains("os.null.b"));
        assert!(!process.finished.contains("os.null.b"));
    }
}
