//! `hybridc completions` and `hybridc man`: text generated from the argument definitions.

use clap::CommandFactory;

use super::Status;
use super::args::Cli;
use super::print;

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Status {
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "hybridc", &mut text);
    print::out(&text);
    Status::Success
}

/// Prints the manual page (roff).
pub fn man() -> Status {
    let mut text = Vec::new();
    match clap_mangen::Man::new(Cli::command()).render(&mut text) {
        Ok(()) => {
            print::out(&text);
            Status::Success
        }
        Err(e) => print::fail(format!("cannot render the manual page: {e}")),
    }
}
