//! The command layer of the binary: the arguments ([`args`]), one function per command that
//! calls the library and prints what it returns ([`compile`], [`check`], [`build`],
//! [`workflow`], [`oses`], [`docs`], [`lsp`]), and the printing itself ([`print`]). Only this layer
//! prints; each command ends with a [`Status`], which `main` turns into the exit code.

mod args;
mod build;
mod check;
mod compile;
mod diff;
mod docs;
mod import;
mod lsp;
mod oses;
mod print;
mod workflow;

pub use args::Cli;
use args::Command;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It did what was asked (exit 0).
    Success,
    /// It ran and found something wrong: drift, a failed build (exit 1).
    Findings,
    /// It could not run: invalid input, an unreadable file, a missing tool (exit 2).
    Failure,
}

/// Lets a command's compiled result go without freeing it. The process exits as soon as the
/// command returns and the system takes its memory back at once, while freeing a compiled
/// spec and model node by node costs close to a tenth of a `check`. Only for values whose drop
/// does nothing but free memory.
fn keep_until_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Runs one command.
pub fn run(command: Command) -> Status {
    match command {
        Command::Validate { spec } => compile::validate(&spec),
        Command::List {
            what: args::List::Oses { format },
        } => oses::list(format),
        Command::Add {
            what:
                args::Add::Os {
                    name,
                    from,
                    iso_url,
                    iso_checksum,
                    platforms,
                    spec,
                },
        } => {
            let flags = oses::AddFlags {
                from,
                iso: iso_url.zip(iso_checksum),
                platforms,
            };
            oses::add(&spec, &name, flags)
        }
        Command::Compile { spec, out, force } => compile::compile(&spec, &out, force),
        Command::Import {
            dirs,
            var_files,
            envs,
            into,
            dry_run,
            force,
            format,
        } => import::import(import::Flags {
            request: hybridc::import::run::Request {
                dirs,
                var_files,
                environments: envs,
                repo: into,
            },
            dry_run,
            force,
            format,
        }),
        Command::Init { dir, os, force } => workflow::init(&dir, &os, force),
        Command::Check { spec, out, format } => check::check(&spec, &out, format),
        Command::Explain {
            os,
            platform,
            env,
            spec,
        } => workflow::explain(&spec, &os, platform, env.as_deref()),
        Command::Diff { spec, base, format } => diff::diff(&spec, &base, format),
        Command::Schema { out } => compile::schema(out.as_deref()),
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
                platform,
                edition,
            };
            let flags = build::Flags {
                dry_run,
                jobs: usize::from(jobs),
                build_version,
                force,
            };
            build::build(&spec, &out, &selection, &flags)
        }
        Command::Matrix {
            spec,
            format,
            env,
            out,
        } => workflow::matrix(&spec, &out, format, env.as_deref()),
        Command::Manifests { dir, format } => workflow::manifests(&dir, format),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man => docs::man(),
        Command::Lsp => lsp::lsp(),
    }
}
