//! The `hybridc` command: parses arguments, calls the library, prints, and maps the outcome
//! to an exit code (0 ok, 2 invalid input or could not run).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use hybridc::diagnostic::{self, SourceFile};

/// `println!` that ignores a closed pipe (`hybridc ... | head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        let _ = std::io::stdout().write_all(line.as_bytes());
    }};
}

/// Compile one YAML spec of golden VM images into Packer HCL2 for Proxmox, vSphere and Azure.
#[derive(Parser)]
#[command(name = "hybridc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Diffs for people.
    Text,
    /// A stable JSON report for tools.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MatrixFormat {
    /// A complete GitLab child pipeline using `parallel:matrix`.
    Gitlab,
    /// The JSON for GitHub Actions' `strategy.matrix`.
    Github,
    /// The jobs as JSON.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ManifestFormat {
    /// Aligned columns.
    Table,
    /// A stable JSON document.
    Json,
    /// A Markdown table, for merge-request comments and wikis.
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Platform {
    Proxmox,
    Vsphere,
    Azure,
}

impl From<Platform> for hybridc::spec::PlatformName {
    fn from(p: Platform) -> Self {
        match p {
            Platform::Proxmox => hybridc::spec::PlatformName::Proxmox,
            Platform::Vsphere => hybridc::spec::PlatformName::Vsphere,
            Platform::Azure => hybridc::spec::PlatformName::Azure,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check the spec and report every problem with its file:line:col.
    Validate {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
    },
    /// Scaffold a new image repository (spec, schema, installer templates, scripts, playbooks,
    /// CI file) and compile it.
    Init {
        /// The folder of the new repository.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The OSes to start with, comma-separated (known: ubuntu-2404, rocky-9, debian-12,
        /// windows-2022).
        #[arg(long, value_delimiter = ',', default_values_t = hybridc::init::DEFAULT_OSES.iter().map(|s| s.to_string()))]
        os: Vec<String>,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Compile the spec into Packer HCL2 in the output folder.
    Compile {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
        /// Output folder, inside the repository.
        #[arg(long, default_value = "generated/")]
        out: PathBuf,
        /// Replace files at output paths that hybridc did not write (without its header, or
        /// symbolic links: the link is replaced, never what it points to).
        #[arg(long)]
        force: bool,
    },
    /// Compare the output folder with what the spec compiles to, without writing: exit 0 when
    /// up to date, 1 on drift, 2 when the spec is invalid or files cannot be read.
    Check {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
        /// Output folder, inside the repository.
        #[arg(long, default_value = "generated/")]
        out: PathBuf,
        /// Report format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show the effective settings of one OS's build, each with the layer it comes from
    /// (defaults, OS, platform, environment) and where the spec sets it.
    Explain {
        /// The OS (its key under `oses`).
        os: String,
        /// Only this platform.
        #[arg(long, value_enum)]
        platform: Option<Platform>,
        /// With this environment's values.
        #[arg(long)]
        env: Option<String>,
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(long, default_value = "spec/")]
        spec: PathBuf,
    },
    /// Build images with Packer from the output folder, non-interactively: `packer init`, then
    /// `packer build` with exactly the right `-only` selectors and the environment's var file.
    Build {
        /// The environment whose var file is used.
        #[arg(long)]
        env: String,
        /// Only this OS.
        #[arg(long)]
        os: Option<String>,
        /// Only this platform.
        #[arg(long, value_enum)]
        platform: Option<Platform>,
        /// Only this Windows edition.
        #[arg(long)]
        edition: Option<String>,
        /// Print the packer commands and run nothing.
        #[arg(long)]
        dry_run: bool,
        /// Builds to run at the same time (each its own `packer build`, output prefixed).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        jobs: u16,
        /// The version that names the artifacts (`-var build_version=V`); default: `git
        /// describe --always --dirty` in the repository, else the UTC time as
        /// `YYYYMMDD-HHMMSS`. 1 to 40 letters, digits, `-` and `.`.
        #[arg(long, value_name = "V")]
        build_version: Option<String>,
        /// Pass `-force` to `packer build`: replace existing artifacts of the same name.
        #[arg(long)]
        force: bool,
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(long, default_value = "spec/")]
        spec: PathBuf,
        /// Output folder the images are built from.
        #[arg(long, default_value = "generated/")]
        out: PathBuf,
    },
    /// Print the CI jobs, one per OS x platform (x edition), each with its `-only` selector:
    /// a GitLab child pipeline, GitHub's `strategy.matrix`, or JSON.
    Matrix {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
        /// Output format.
        #[arg(long, value_enum)]
        format: MatrixFormat,
        /// The environment the jobs build for (default: the first one).
        #[arg(long)]
        env: Option<String>,
        /// Output folder the jobs build from.
        #[arg(long, default_value = "generated/")]
        out: PathBuf,
    },
    /// List the latest artifact per OS x platform x edition from the files Packer's manifest
    /// post-processor wrote. Unreadable or foreign files are reported, not fatal.
    Manifests {
        /// The folder of the manifest files.
        #[arg(default_value = "manifests/")]
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ManifestFormat::Table)]
        format: ManifestFormat,
    },
    /// Print a shell completion script (for example `hybridc completions bash > /etc/bash_completion.d/hybridc`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), for `man -l -` or a `man1` folder.
    Man,
    /// Print the spec's JSON Schema (draft-07), or write it to a file.
    Schema {
        /// Write the schema to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { spec } => validate(&spec),
        Command::Compile { spec, out, force } => compile(&spec, &out, force),
        Command::Init { dir, os, force } => init(&dir, &os, force),
        Command::Check { spec, out, format } => check(&spec, &out, format),
        Command::Explain {
            os,
            platform,
            env,
            spec,
        } => explain(&spec, &os, platform.map(Into::into), env.as_deref()),
        Command::Schema { out } => schema(out),
        Command::Build {
            env,
            os,
            platform,
            edition,
            dry_run,
            jobs,
            build_version,
            force,
            spec,
            out,
        } => {
            let selection = hybridc::runner::Selection {
                env,
                os,
                platform: platform.map(Into::into),
                edition,
            };
            let flags = BuildFlags {
                dry_run,
                jobs: usize::from(jobs),
                build_version,
                force,
            };
            build(&spec, &out, &selection, &flags)
        }
        Command::Matrix {
            spec,
            format,
            env,
            out,
        } => matrix(&spec, &out, format, env.as_deref()),
        Command::Manifests { dir, format } => {
            let inventory = hybridc::manifests::read(&dir);
            let format = match format {
                ManifestFormat::Table => hybridc::manifests::Format::Table,
                ManifestFormat::Json => hybridc::manifests::Format::Json,
                ManifestFormat::Markdown => hybridc::manifests::Format::Markdown,
            };
            let _ = std::io::stdout()
                .write_all(hybridc::manifests::render(&inventory, format).as_bytes());
            // Problems with single files are part of the report; only an unreadable folder fails.
            if inventory.listed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            }
        }
        Command::Completions { shell } => {
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "hybridc", &mut text);
            // A closed pipe (`hybridc completions bash | head`) is not an error worth a panic.
            let _ = std::io::stdout().write_all(&text);
            ExitCode::SUCCESS
        }
        Command::Man => {
            let mut text = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut text) {
                Ok(()) => {
                    let _ = std::io::stdout().write_all(&text);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot render the manual page: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn colour() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn print_diagnostics(diagnostics: &[diagnostic::Diagnostic], source: &SourceFile) {
    let text = diagnostic::render(diagnostics, source, colour());
    let _ = std::io::stderr().write_all(text.as_bytes());
}

fn validate(spec: &std::path::Path) -> ExitCode {
    match hybridc::validate(spec) {
        Ok(loaded) => {
            print_diagnostics(&loaded.warnings, &loaded.source);
            let s = &loaded.spec;
            let platforms = [
                &s.platforms.proxmox.is_some(),
                &s.platforms.vsphere.is_some(),
                &s.platforms.azure.is_some(),
            ]
            .iter()
            .filter(|p| ***p)
            .count();
            let mut line = format!(
                "{} is valid: {} OS{}, {} platform{}, {} environment{}",
                loaded.source.name,
                s.oses.len(),
                if s.oses.len() == 1 { "" } else { "es" },
                platforms,
                if platforms == 1 { "" } else { "s" },
                s.environments.len(),
                if s.environments.len() == 1 { "" } else { "s" },
            );
            if !loaded.warnings.is_empty() {
                line.push_str(&format!(
                    " ({})",
                    hybridc::count(&loaded.warnings).replacen("0 errors, ", "", 1)
                ));
            }
            say!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => report(error),
    }
}

fn compile(spec: &std::path::Path, out: &std::path::Path, force: bool) -> ExitCode {
    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) => return report(error),
    };
    print_diagnostics(&compiled.warnings, &compiled.loaded.source);
    let out_shown = out.display().to_string();
    match hybridc::output::write(&compiled.files, &compiled.out_dir, &out_shown, force) {
        Ok(summary) => {
            for path in &summary.written {
                say!("wrote {}", out.join(path).display());
            }
            for path in &summary.removed {
                say!("removed {}", out.join(path).display());
            }
            for path in &summary.folders_removed {
                say!("removed {}/", out.join(path).display());
            }
            for path in &summary.leftovers {
                say!(
                    "removed {}, left by an interrupted compile",
                    out.join(path).display()
                );
            }
            say!(
                "{}: {} written, {} unchanged, {} removed",
                out.display(),
                summary.written.len(),
                summary.unchanged.len(),
                summary.removed.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => report(error),
    }
}

fn check(spec: &std::path::Path, out: &std::path::Path, format: Format) -> ExitCode {
    let spec_shown = spec.display().to_string();
    let out_shown = out.display().to_string().trim_end_matches('/').to_owned();
    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) if format == Format::Json => {
            let json = hybridc::check::error_json(&spec_shown, &out_shown, &error);
            say!(
                "{}",
                serde_json::to_string_pretty(&json).expect("a JSON value always serialises")
            );
            return ExitCode::from(2);
        }
        Err(error) => return report(error),
    };
    let verdict = match hybridc::check::verdict(
        &compiled.files,
        &compiled.out_dir,
        &out_shown,
        &compiled.loaded.root,
        &spec_shown,
    ) {
        Ok(verdict) => verdict,
        Err(error) => return report(error),
    };
    match format {
        Format::Json => {
            let warnings: Vec<(diagnostic::Diagnostic, Option<&SourceFile>)> = compiled
                .warnings
                .iter()
                .map(|d| (d.clone(), Some(&compiled.loaded.source)))
                .collect();
            let json = hybridc::check::json(
                &spec_shown,
                &out_shown,
                Some(&verdict.report),
                verdict.fix.as_deref(),
                &warnings,
            );
            say!(
                "{}",
                serde_json::to_string_pretty(&json).expect("a JSON value always serialises")
            );
        }
        Format::Text => {
            print_diagnostics(&compiled.warnings, &compiled.loaded.source);
            let colour = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
            let text =
                hybridc::check::text(&verdict, &out_shown, &compiled.loaded.source.name, colour);
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    if verdict.passes() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn explain(
    spec: &std::path::Path,
    os: &str,
    platform: Option<hybridc::spec::PlatformName>,
    env: Option<&str>,
) -> ExitCode {
    let loaded = match hybridc::load(spec) {
        Ok(loaded) => loaded,
        Err(error) => return report(error),
    };
    match hybridc::explain::explain(&loaded, os, platform, env) {
        Ok(explanation) => {
            let _ = std::io::stdout().write_all(hybridc::explain::render(&explanation).as_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

fn init(dir: &std::path::Path, oses: &[String], force: bool) -> ExitCode {
    let names: Vec<&str> = oses.iter().map(String::as_str).collect();
    let written =
        hybridc::init::plan(&names).and_then(|files| hybridc::init::write(dir, &files, force));
    let written = match written {
        Ok(written) => written,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    say!("created {} files in {}", written.len(), dir.display());
    // --force overwrites the scaffold's files and the generated ones alike.
    compile(&dir.join("spec"), &dir.join("generated"), force)
}

fn matrix(
    spec: &std::path::Path,
    out: &std::path::Path,
    format: MatrixFormat,
    env: Option<&str>,
) -> ExitCode {
    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) => return report(error),
    };
    print_diagnostics(&compiled.warnings, &compiled.loaded.source);
    let environments: Vec<String> = compiled
        .model
        .environments
        .iter()
        .map(|e| e.name.clone())
        .collect();
    if let Some(env) = env
        && let Err(message) = hybridc::matrix::check_env(env, &environments)
    {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    let jobs = hybridc::matrix::jobs(&compiled.model);
    let spec_shown = spec.display().to_string();
    let out_shown = out.display().to_string();
    let text = match format {
        MatrixFormat::Gitlab => {
            hybridc::matrix::gitlab(&jobs, env, &environments, &spec_shown, &out_shown)
        }
        MatrixFormat::Github => {
            if jobs.len() > hybridc::matrix::GITHUB_MATRIX_LIMIT {
                eprintln!(
                    "warning: {} jobs; GitHub runs at most {} per matrix",
                    jobs.len(),
                    hybridc::matrix::GITHUB_MATRIX_LIMIT
                );
            }
            hybridc::matrix::github(&jobs)
        }
        MatrixFormat::Json => hybridc::matrix::json(&jobs, env),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

/// While Packer runs, Ctrl-C must reach Packer (same process group) and let it clean up, not
/// end hybridc and with it the pipes Packer writes to.
fn keep_running_on_interrupt() {
    extern "C" fn ignore(_: libc::c_int) {}
    // SAFETY: installs a handler that does nothing; unlike SIG_IGN it is not inherited by the
    // packer processes, which keep their own handling of the signal.
    unsafe {
        libc::signal(libc::SIGINT, ignore as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, ignore as *const () as libc::sighandler_t);
    }
}

/// The `build` flags that are not the selection.
struct BuildFlags {
    dry_run: bool,
    jobs: usize,
    build_version: Option<String>,
    force: bool,
}

fn build(
    spec: &std::path::Path,
    out: &std::path::Path,
    selection: &hybridc::runner::Selection,
    flags: &BuildFlags,
) -> ExitCode {
    use hybridc::runner;

    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) => return report(error),
    };
    print_diagnostics(&compiled.warnings, &compiled.loaded.source);
    // Packer builds from the files on disk: they must be what the spec says.
    let out_shown = out.display().to_string().trim_end_matches('/').to_owned();
    let drift = match hybridc::check::compare(&compiled.files, &compiled.out_dir, &out_shown) {
        Ok(drift) => drift,
        Err(error) => return report(error),
    };
    if !drift.is_clean() {
        eprintln!(
            "error: `{out_shown}/` is out of date with {}; run `hybridc compile {}` first",
            compiled.loaded.source.name,
            spec.display()
        );
        return ExitCode::from(2);
    }
    let plan = match runner::select(&compiled.model, out, selection) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let version = match runner::build_version(
        flags.build_version.as_deref(),
        || runner::git_describe(&compiled.loaded.root),
        runner::unix_now,
    ) {
        Ok(version) => version,
        Err(error) => {
            eprintln!("error: {error}; nothing was run");
            return ExitCode::from(2);
        }
    };
    let options = runner::BuildOptions {
        jobs: flags.jobs,
        version,
        force: flags.force,
    };
    // The program run for every `packer` command; `preflight` looks it up the same way.
    let packer = std::path::Path::new("packer");
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
        return ExitCode::SUCCESS;
    }
    let missing = runner::missing_credentials(&plan, |name| std::env::var(name).ok());
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
        eprintln!(
            "error: missing credentials for this selection: {} (set these environment variables); nothing was run",
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    let templated = runner::templated_credentials(&plan, |name| std::env::var(name).ok());
    if !templated.is_empty() {
        let names: Vec<String> = templated.iter().map(|m| format!("`{m}`")).collect();
        eprintln!(
            "error: the credentials in {} contain `{{{{`, which Packer reads as the start of a template action in the arguments they reach; choose values without it; nothing was run",
            names.join(", ")
        );
        return ExitCode::from(2);
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
        return ExitCode::from(2);
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
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

fn report(error: hybridc::Error) -> ExitCode {
    if let hybridc::Error::Invalid { file, diagnostics } = &error {
        print_diagnostics(diagnostics, file);
    }
    eprintln!("error: {error}");
    ExitCode::from(2)
}

fn schema(out: Option<PathBuf>) -> ExitCode {
    let text = hybridc::schema::schema_text();
    match out {
        Some(path) => match std::fs::write(&path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                ExitCode::from(2)
            }
        },
        None => {
            // A closed pipe (`hybridc schema | head`) is not an error worth a panic.
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
    }
}
