//! Running Packer on the generated tree: which sources a build selection means, which
//! credentials and build-host tools they need, the exact `packer` command lines, and running
//! them without a prompt.
//!
//! [`select`] turns a [`Selection`] (an environment and optional OS, platform and Windows
//! edition) into a [`Plan`]: the sources, each named as Packer's `-only` names it
//! (`<os>.<builder type>.<source name>`), the environment's var file, the environment
//! variables that hold the credentials those sources need, and the [`Requirement`]s they put on
//! the build host. [`build_version`] chooses the version that names the artifacts,
//! [`preflight`] checks the build host through a [`Host`], [`commands`] prints the plan as
//! `packer` command lines and [`run`] runs the same lines, streaming Packer's output. This module
//! owns no output format: it never prints on its own and never exits, it writes only Packer's
//! lines to the writers it is given and returns reports and errors as data. It must not read or
//! write the generated files: the caller compiles (and checks) `generated/` first.
//!
//! The flags, chosen for unattended runs in CI:
//!
//! * `packer init <out>` first, so the pinned plugins are installed (a no-op when they are).
//! * `packer build -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1 [-force]
//!   -only=<selectors> -var-file=<out>/env/<env>.pkrvars.hcl -var build_version=<version> <out>`.
//! * `-color=false`: Packer's output goes through a pipe to CI logs, where ANSI codes are noise
//!   and would break the `[<selector>] ` prefixes.
//! * `-timestamp-ui`: image builds run for tens of minutes; a timestamp on each line shows where
//!   the time went and which step hung, in logs that may have no timestamps of their own.
//! * `-on-error=cleanup`: Packer's default, written out so the log states the policy: a failed
//!   build removes its VM. Never `ask`, which waits for a keyboard; never `abort`, which leaves
//!   VMs behind.
//! * `-force` only when asked for ([`BuildOptions::force`], `hybridc build --force`): Packer
//!   then deletes an existing artifact of the same name before building. Replacing an image
//!   that may be in use is a decision for a person, so it is never the default; versioned
//!   names (below) make it unnecessary for ordinary rebuilds.
//! * `-parallel-builds=1`: concurrency is hybridc's `jobs` alone. With one job, the single
//!   `packer build` builds its sources one after the other (Packer would otherwise start them
//!   all at once); with several jobs each `packer build` has one source anyway.
//! * `-var build_version=<version>`, after the var file so that it wins: the generated tree
//!   names every artifact (VM, template, image) after this variable, so a rebuild makes new
//!   artifacts instead of colliding with the last ones. [`build_version`] takes it from
//!   `--build-version`, else from `git describe --always --dirty` in the repository, else from
//!   the UTC time, and [`BuildVersion::new`] checks that it can be part of every platform's
//!   artifact names.
//! * Every process gets `CHECKPOINT_DISABLE=1` (no update check calling home) and
//!   `PACKER_NO_COLOR=1` (no colour from `packer init`, which has no `-color` flag), and an empty
//!   standard input, so nothing can wait for an answer.
//!
//! Before a run, [`preflight`] looks for what the selected sources need on the build host, so a
//! missing tool is reported at once instead of after a VM has booted: `packer` itself, in a
//! version the spec's `packer.required_version` allows (read as hashicorp/go-version reads
//! constraints, see [`crate::version::VersionConstraint`]); an ISO creation tool ([`ISO_TOOLS`]) when a source
//! has `cd_files` or `cd_content`; `ansible-playbook` when an `ansible` provisioner runs for a
//! source; and Python's `winrm` module when that source is reached over WinRM.

mod host;
mod invocation;
mod plan;
mod process;
mod report;
mod version;

pub use host::{
    ANSIBLE_PLAYBOOK, Host, HostProblem, HostWarning, ISO_TOOLS, Preflight, System, WINRM_MODULE,
    preflight,
};
pub use invocation::{BUILD_FLAGS, BuildOptions, PACKER_ENV, commands, shell_quote};
pub use plan::{
    Plan, Planned, Requirement, SelectError, Selection, missing_credentials, parse_platform,
    select, templated_credentials,
};
pub use process::run;
pub use report::{BuildOutcome, BuildStatus, RunError, RunReport};
pub use version::{
    BUILD_VERSION_MAX, BUILD_VERSION_VARIABLE, BuildVersion, VersionError, VersionOrigin,
    VersionProblem, build_version, git_describe, unix_now,
};
