//! The `packer` command lines of a run: `packer init`, then the `packer build` processes with
//! the flags the module documentation of [`super`] justifies.

use std::ffi::{OsStr, OsString};

use super::plan::Plan;
use super::version::{BUILD_VERSION_VARIABLE, BuildVersion};

/// Environment variables set for every `packer` process (see the module documentation).
pub const PACKER_ENV: [(&str, &str); 2] = [("CHECKPOINT_DISABLE", "1"), ("PACKER_NO_COLOR", "1")];

/// The flags of every `packer build`, before `-only` (see the module documentation).
pub const BUILD_FLAGS: [&str; 4] = [
    "-color=false",
    "-timestamp-ui",
    "-on-error=cleanup",
    "-parallel-builds=1",
];
/// How the `packer build` processes of a run are called, beyond what the [`Plan`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// `packer build` processes at a time; at most 1 means one process for every source.
    pub jobs: usize,
    /// The version that names the artifacts, passed as `-var build_version=<version>`.
    pub version: BuildVersion,
    /// Whether to pass `-force`, so that Packer replaces existing artifacts of the same name.
    pub force: bool,
}

/// One `packer` process of a run.
pub(super) struct Invocation {
    /// The sources it builds; empty for `packer init`.
    pub(super) selectors: Vec<String>,
    /// Arguments after the program name.
    pub(super) args: Vec<OsString>,
}

fn joined(flag: &str, value: &OsStr) -> OsString {
    let mut text = OsString::from(flag);
    text.push(value);
    text
}

pub(super) fn init_invocation(plan: &Plan) -> Invocation {
    Invocation {
        selectors: Vec::new(),
        args: vec!["init".into(), plan.out_dir.clone().into_os_string()],
    }
}

/// The `packer build` processes: one for every source with one job, one per source with more.
pub(super) fn build_invocations(plan: &Plan, options: &BuildOptions) -> Vec<Invocation> {
    let groups: Vec<Vec<String>> = if options.jobs <= 1 {
        vec![plan.sources.iter().map(|s| s.selector.clone()).collect()]
    } else {
        plan.sources
            .iter()
            .map(|s| vec![s.selector.clone()])
            .collect()
    };
    groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|selectors| {
            let mut args: Vec<OsString> = vec!["build".into()];
            args.extend(BUILD_FLAGS.iter().map(OsString::from));
            if options.force {
                args.push("-force".into());
            }
            args.push(format!("-only={}", selectors.join(",")).into());
            args.push(joined("-var-file=", plan.env_file.as_os_str()));
            args.push("-var".into());
            args.push(format!("{BUILD_VERSION_VARIABLE}={}", options.version.as_str()).into());
            args.push(plan.out_dir.clone().into_os_string());
            Invocation { selectors, args }
        })
        .collect()
}

/// The `packer` command lines a run executes, in order: `packer init <out>`, then the builds.
///
/// With `options.jobs` at most 1, one `packer build` with every selector (`-only=a,b,c`); with
/// more, one `packer build` per source, of which [`run`](super::run) runs `jobs` at a time. Every
/// `packer build` carries `-var build_version=<version>`, and `-force` when asked for. The
/// program is written as `packer`; paths that are not UTF-8 are shown lossily.
pub fn commands(plan: &Plan, options: &BuildOptions) -> Vec<Vec<String>> {
    std::iter::once(init_invocation(plan))
        .chain(build_invocations(plan, options))
        .map(|invocation| {
            std::iter::once("packer".to_owned())
                .chain(
                    invocation
                        .args
                        .iter()
                        .map(|a| a.to_string_lossy().into_owned()),
                )
                .collect()
        })
        .collect()
}

/// One command line as a POSIX shell reads it (see [`crate::workflow::shell::word`]).
pub fn shell_quote(args: &[String]) -> String {
    super::super::shell::line(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        let args: Vec<String> = [
            "packer",
            "-only=a.b-c.d,e.f",
            "-var-file=generated/env/dev.pkrvars.hcl",
            "my dir",
            "it's",
            "",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            shell_quote(&args),
            r"packer -only=a.b-c.d,e.f -var-file=generated/env/dev.pkrvars.hcl 'my dir' 'it'\''s' ''"
        );
    }
}
