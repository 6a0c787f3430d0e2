//! `hybridc lsp`: the language server on standard input and output, running the compiler's
//! own checks on each spec the editor opens.

use hybridc::lsp::Ended;

use super::Status;
use super::print;

/// Serves the editor until it says `exit`: exit 0 after `shutdown`, 1 without it (as the
/// protocol asks), 2 when the editor never started the session.
pub fn lsp() -> Status {
    match hybridc::lsp::serve(hybridc::validate_again) {
        Ok(Ended::Clean) => Status::Success,
        Ok(Ended::Abruptly) => Status::Findings,
        Err(error) => print::fail(format!("the language server could not start: {error}")),
    }
}
