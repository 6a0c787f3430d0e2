//! Everything the command prints goes through here: lines on standard output that ignore a
//! closed pipe, diagnostics on standard error (coloured only on a terminal, never under
//! `NO_COLOR`), and the one way a library [`hybridc::Error`] is reported.

use std::io::{IsTerminal, Write};

use hybridc::diagnostic::{self, Diagnostic, SourceFile};

use super::Status;

/// `println!` that ignores a closed pipe (`hybridc ... | head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        $crate::cli::print::out(line.as_bytes());
    }};
}
pub(crate) use say;

/// Writes `bytes` to standard output; a closed pipe (`hybridc schema | head`) is not an error
/// worth a panic.
pub fn out(bytes: &[u8]) {
    let _ = std::io::stdout().write_all(bytes);
}

/// Whether standard error gets colours.
fn colour() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Whether standard output gets colours.
pub fn stdout_colour() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Renders `diagnostics` of `source` on standard error.
pub fn diagnostics(diagnostics: &[Diagnostic], source: &SourceFile) {
    // Rendering indexes the spec's lines and copies its text first: not for nothing.
    if diagnostics.is_empty() {
        return;
    }
    let text = diagnostic::render(diagnostics, source, colour());
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Reports a library error (with the spec's diagnostics when it has them); the command could
/// not run.
pub fn report(error: hybridc::Error) -> Status {
    if let hybridc::Error::Invalid {
        file,
        diagnostics: found,
    } = &error
    {
        diagnostics(found, file);
    }
    eprintln!("error: {error}");
    Status::Failure
}

/// Reports an error that is only a message; the command could not run.
pub fn fail(error: impl std::fmt::Display) -> Status {
    eprintln!("error: {error}");
    Status::Failure
}
