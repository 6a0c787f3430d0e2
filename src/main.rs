//! The `hybridc` command: parses the arguments, runs the command through the [`cli`] layer
//! (the only code that prints) and maps how it ended to the exit code: 0 ok, 1 findings (drift,
//! a failed build), 2 invalid input or could not run.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Status};

fn main() -> ExitCode {
    // The second core's thread starts now, so that it is awake when the first stage needs it.
    hybridc::start_worker();
    let cli = Cli::parse();
    match cli::run(cli.command) {
        Status::Success => ExitCode::SUCCESS,
        Status::Findings => ExitCode::from(1),
        Status::Failure => ExitCode::from(2),
    }
}
