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
