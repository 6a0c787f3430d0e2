//! The `hybridc` command: parses arguments, calls the library, prints, and maps the outcome
//! to an exit code (0 ok, 2 invalid input or could not run).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use hybridc::diagnostic::{self, SourceFile};

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

#[derive(Subcommand)]
enum Command {
    /// Check the spec and report every problem with its file:line:col.
    Validate {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
    },
    /// Compile the spec into Packer HCL2 in the output folder.
    Compile {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
        /// Output folder, inside the repository.
        #[arg(long, default_value = "generated/")]
        out: PathBuf,
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
        Command::Compile { spec, out } => compile(&spec, &out),
        Command::Check { spec, out, format } => check(&spec, &out, format),
        Command::Schema { out } => schema(out),
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
    match hybridc::load(spec) {
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
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => report(error),
    }
}

fn compile(spec: &std::path::Path, out: &std::path::Path) -> ExitCode {
    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) => return report(error),
    };
    print_diagnostics(&compiled.warnings, &compiled.loaded.source);
    match hybridc::output::write(&compiled.out_dir, &compiled.files) {
        Ok(summary) => {
            for path in &summary.written {
                println!("wrote {}", out.join(path).display());
            }
            for path in &summary.removed {
                println!("removed {}", out.join(path).display());
            }
            println!(
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

fn paint(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + 64);
    for line in diff.split_inclusive('\n') {
        let colour = if line.starts_with("+++") || line.starts_with("---") {
            "\x1b[1m"
        } else if line.starts_with('+') {
            "\x1b[32m"
        } else if line.starts_with('-') {
            "\x1b[31m"
        } else if line.starts_with("@@") {
            "\x1b[36m"
        } else {
            ""
        };
        if colour.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(colour);
            out.push_str(line.trim_end_matches('\n'));
            out.push_str("\x1b[0m");
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

fn check(spec: &std::path::Path, out: &std::path::Path, format: Format) -> ExitCode {
    let spec_shown = spec.display().to_string();
    let out_shown = out.display().to_string().trim_end_matches('/').to_owned();
    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) if format == Format::Json => {
            let diagnostics: Vec<(diagnostic::Diagnostic, Option<&SourceFile>)> = match &error {
                hybridc::Error::Invalid { file, diagnostics } => diagnostics
                    .iter()
                    .map(|d| (d.clone(), Some(file)))
                    .collect(),
                other => vec![(
                    diagnostic::Diagnostic::error(
                        "hybridc::io",
                        other.to_string(),
                        Default::default(),
                        "",
                    ),
                    None,
                )],
            };
            let json = hybridc::check::json(&spec_shown, &out_shown, None, None, &diagnostics);
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("a JSON value always serialises")
            );
            return ExitCode::from(2);
        }
        Err(error) => return report(error),
    };
    let mut result = hybridc::check::compare(&compiled.files, &compiled.out_dir, &out_shown);
    let root = compiled.loaded.root.display().to_string();
    let schema_shown = if root == "." {
        "schema/hybrid.schema.json".to_owned()
    } else {
        format!("{root}/schema/hybrid.schema.json")
    };
    if let Some(drift) = hybridc::check::schema(
        &compiled.loaded.root.join("schema/hybrid.schema.json"),
        &schema_shown,
    ) {
        result.drift.push(drift);
    }
    let generated_drift = result.drift.iter().any(|d| d.path != schema_shown);
    let schema_drift = result.drift.iter().any(|d| d.path == schema_shown);
    let fix = match (generated_drift, schema_drift) {
        (false, false) => None,
        (true, false) => Some(format!(
            "run hybridc compile {spec_shown} and commit the result"
        )),
        (false, true) => Some(format!(
            "run hybridc schema --out {schema_shown} and commit the result"
        )),
        (true, true) => Some(format!(
            "run hybridc compile {spec_shown} and hybridc schema --out {schema_shown}, and commit the result"
        )),
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
                Some(&result),
                fix.as_deref(),
                &warnings,
            );
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("a JSON value always serialises")
            );
        }
        Format::Text => {
            print_diagnostics(&compiled.warnings, &compiled.loaded.source);
            let colour = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
            let mut text = String::new();
            for drift in &result.drift {
                text.push_str(&format!("{}: {}\n", drift.status.as_str(), drift.path));
                if drift.status == hybridc::check::Status::Changed {
                    text.push_str(&if colour {
                        paint(&drift.diff)
                    } else {
                        drift.diff.clone()
                    });
                }
            }
            if result.is_clean() {
                text.push_str(&format!(
                    "{out_shown}/ is up to date with {} ({} files)\n",
                    compiled.loaded.source.name, result.unchanged
                ));
            } else {
                text.push_str(&format!(
                    "{out_shown}/ is out of date: {} changed, {} missing, {} stale, {} unchanged\n",
                    result.count(hybridc::check::Status::Changed),
                    result.count(hybridc::check::Status::Missing),
                    result.count(hybridc::check::Status::Stale),
                    result.unchanged
                ));
            }
            if let Some(fix) = &fix {
                text.push_str(fix);
                text.push('\n');
            }
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    if result.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
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
