//! `hybridc build`: runs Packer on the output folder through [`hybridc::runner`], refusing
//! before anything starts when the folder is out of date, credentials are missing or the build
//! host lacks a tool, and printing one line per build at the end.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use signal_hook::consts::{SIGINT, SIGTERM};

use hybridc::runner;

use super::Status;
use super::print::{self, say};

/// While Packer runs, Ctrl-C must reach Packer (same process group) and let it clean up, not
/// end hybridc and with it the pipes Packer writes to.
fn keep_running_on_interrupt() {
    /// Set by the handler; hybridc reads nothing from it, it only stays alive.
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);
    // signal-hook's handler only stores to the flag, which is async-signal-safe. Unlike
    // SIG_IGN, a handler is reset to the default by exec, so the packer processes keep their
    // own handling of the signal.
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register(signal, &INTERRUPTED)
            .expect("SIGINT and SIGTERM are not among the signals a handler may not take");
    }
}

/// The `build` flags that are not the selection.
pub struct Flags {
    /// Print the commands, run nothing.
    pub dry_run: bool,
    /// Builds at the same time.
    pub jobs: usize,
    /// The version asked for, if any.
    pub build_version: Option<String>,
    /// Replace existing artifacts.
    pub force: bool,
}

/// Builds the selected images with Packer, after checking that the output folder is up to
/// date, the credentials are set and the build host has what the selection needs.
pub fn build(spec: &Path, out: &Path, selection: &runner::Selection, flags: &Flags) -> Status {
    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) => return print::report(error),
    };
    print::diagnostics(&compiled.warnings, &compiled.loaded.source);
    // Packer builds from the files on disk: they must be what the spec says.
    let out_shown = out.display().to_string().trim_end_matches('/').to_owned();
    let drift = match hybridc::check::compare(
        &compiled.files,
        &compiled.out_dir,
        &out_shown,
        &compiled.loaded.spec.packer.extra_files,
    ) {
        Ok(drift) => drift,
        Err(error) => return print::report(error),
    };
    if !drift.is_clean() {
        eprintln!(
            "error: `{out_shown}/` is out of date with {}; run `hybridc compile {}` first",
            compiled.loaded.source.name,
            spec.display()
        );
        return Status::Failure;
    }
    let plan = match runner::select(&compiled.model, out, selection) {
        Ok(plan) => plan,
        Err(error) => return print::fail(error),
    };
    let version = match runner::build_version(
        flags.build_version.as_deref(),
        || runner::git_describe(&compiled.loaded.root),
        runner::unix_now,
    ) {
        Ok(version) => version,
        Err(error) => return print::fail(format!("{error}; nothing was run")),
    };
    let options = runner::BuildOptions {
        jobs: flags.jobs,
        version,
        force: flags.force,
    };
    // The program run for every `packer` command; `preflight` looks it up the same way.
    let packer = Path::new("packer");
    let commands = runner::commands(&plan, &options);
    if flags.dry_run {
        if !plan.credentials.is_empty() {
            say!("# needs: {}", plan.credentials.join(" "));
        }
        for command in &commands {
            say!("{}", runner::shell_quote(command));
        }
        // A dry run starts nothing, so what the build host lacks is only worth a warning.
        let preflight = runner::preflight(&plan, packer, &runner::System::from_env());
        for problem in &preflight.problems {
            eprintln!("warning: {problem}");
        }
        for warning in &preflight.warnings {
            eprintln!("warning: {warning}");
        }
        return Status::Success;
    }
    let missing = runner::missing_credentials(&plan, |name| std::env::var(name).ok());
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
        eprintln!(
            "error: missing credentials for this selection: {} (set these environment variables); nothing was run",
            names.join(", ")
        );
        return Status::Failure;
    }
    let templated = runner::templated_credentials(&plan, |name| std::env::var(name).ok());
    if !templated.is_empty() {
        let names: Vec<String> = templated.iter().map(|m| format!("`{m}`")).collect();
        eprintln!(
            "error: the credentials in {} contain `{{{{`, which Packer reads as the start of a template action in the arguments they reach; choose values without it; nothing was run",
            names.join(", ")
        );
        return Status::Failure;
    }
    let preflight = runner::preflight(&plan, packer, &runner::System::from_env());
    for warning in &preflight.warnings {
        eprintln!("warning: {warning}");
    }
    if !preflight.is_ok() {
        eprintln!("error: the build host lacks what this selection needs; nothing was run");
        for problem in &preflight.problems {
            eprintln!("  - {problem}");
        }
        return Status::Failure;
    }
    eprintln!(
        "build version: {} (from {})",
        options.version,
        options.version.origin()
    );
    keep_running_on_interrupt();
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    match runner::run(&plan, &options, packer, &mut stdout, &mut stderr) {
        Ok(report) => {
            for outcome in &report.builds {
                eprintln!("{}: {}", outcome.selector, outcome.status);
            }
            let failed = report.failed().count();
            eprintln!("{} built, {failed} failed", report.builds.len() - failed);
            if report.succeeded() {
                Status::Success
            } else {
                Status::Findings
            }
        }
        Err(error) => print::fail(error),
    }
}
