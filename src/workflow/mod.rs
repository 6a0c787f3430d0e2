//! The workflow commands around the compiler: scaffolding a repository ([`init`]), explaining
//! a build's settings ([`explain`]), the CI build matrix ([`matrix`]), running Packer
//! ([`runner`]), listing the artifacts it made ([`manifests`]) and saying which images a change
//! makes different ([`diff`]).
//!
//! They sit above the pipeline: they start from its results (a [`crate::Loaded`] spec or the
//! compiled [`crate::model::Model`]) and no stage of the pipeline imports them. Each is
//! re-exported at the crate root (`hybridc::runner`, ...).

pub mod diff;
pub mod explain;
pub mod init;
pub mod manifests;
pub mod matrix;
pub mod runner;
pub mod shell;
