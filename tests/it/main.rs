//! The integration tests, one crate: one module per area, sharing `support` (the binary, the
//! repository, temporary copies, the diff, the rule for missing tools, and snapshots, which
//! `HYBRIDC_BLESS=1 cargo test --test it [NAME]` rewrites). The README's Tests section says what
//! each module checks.

mod architecture;
mod check;
mod cli;
mod compile;
mod contract;
mod diagnostics;
mod diff;
mod editor;
mod explain;
mod finish;
mod import;
mod installers;
mod interrupt;
mod lsp;
mod machine;
mod manifests;
mod matrix;
mod oses;
mod output;
mod plugin_behaviour;
mod readme;
mod recheck;
mod robustness;
mod runner;
mod secrets;
mod seeds;
mod ssh_key;
mod step_secrets;
mod support;
mod templates;
mod validators;
mod workflow;
