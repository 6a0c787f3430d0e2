//! The workflow commands around the compiler: scaffolding a repository ([`init`]), listing the
//! OS catalogue ([`list`]) and adding an OS of it to a spec ([`add`], editing its text with
//! `edit`, and the entries [`entry`] writes), explaining a build's settings ([`explain`]), the
//! CI build matrix ([`matrix`]), running Packer ([`runner`]), listing the artifacts it made
//! ([`manifests`]) and saying which images a change makes different ([`diff`]).
//!
//! They sit above the pipeline: they start from its results (a [`crate::Loaded`] spec or the
//! compiled [`crate::model::Model`]) and no stage of the pipeline imports them. Each is
//! re-exported at the crate root (`hybridc::runner`, ...).

pub mod add;
pub mod diff;
mod edit;
pub mod entry;
pub mod explain;
pub mod init;
pub mod list;
pub mod manifests;
pub mod matrix;
pub mod runner;
pub mod shell;
