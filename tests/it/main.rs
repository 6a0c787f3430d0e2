//! The integration tests, one crate (as casey/just has it): one module per area, with the support they share.

mod check;
mod cli;
mod compile;
mod contract;
mod diagnostics;
mod editor;
mod explain;
mod installers;
mod manifests;
mod matrix;
mod output;
mod plugin_behaviour;
mod readme;
mod robustness;
mod runner;
mod secrets;
mod seeds;
mod validators;
mod workflow;
mod support;
