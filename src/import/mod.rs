//! `hybridc import`: an existing Packer HCL2 tree (one folder per OS per platform, with shared
//! and per-OS var files) turned into a spec, with a report of what compiling that spec changes.
//!
//! The stages run one way, like the compiler's: [`tree`] is the data every stage shares (the
//! evaluated folders); the reader evaluates each folder as Packer would, once per environment;
//! the mapper turns the evaluated folders into a spec and the files it needs; the comparison
//! reads the compiled spec's tree back with the same reader and compares it, source by source,
//! with the original. Nothing here prints or exits, and only the command writes.

pub mod compare;
pub mod map;
pub mod read;
pub mod report;
pub mod run;
pub mod templates;
pub mod tree;
