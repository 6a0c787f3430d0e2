//! The GitHub Actions workflow: jobs `check`, `validate-<env>`, `review` (pull requests) and
//! `build-<platform>`.
//!
//! Secrets reach a job only through its `env:`, so the validate and build jobs map the
//! credentials they read from repository secrets of the same name; no value is written here.

use std::collections::BTreeSet;

use super::document::{self, Map, boolean, integer, list, null, text, texts};
use super::{GITHUB_MATRIX_LIMIT, Pipeline, REVIEW_FILE};

/// The runner of jobs that need no particular network: `check`, `validate-*`, `review`, and
/// the builds of a platform without tags.
const HOSTED: &str = "ubuntu-latest";

/// The checkout step, pinned to a major version.
const CHECKOUT: &str = "actions/checkout@v4";

/// A complete GitHub Actions workflow, run on pushes to `main`, on pull requests and by hand.
///
/// - `check` runs `hybridc check <spec>`;
/// - `validate-<env>`, one per environment (`validate` without environments), runs
///   `packer init` and `packer validate -var-file=<out>/env/<env>.pkrvars.hcl <out>/`;
/// - `review`, on pull requests only, checks out the whole history, writes
///   `hybridc diff --format markdown` against the pull request's base to [`REVIEW_FILE`],
///   appends it to the job summary and comments it on the pull request with `gh` and the
///   workflow's `GITHUB_TOKEN` (not for pull requests from forks, whose token cannot write);
/// - `build-<platform>` (split into `-1`, `-2`, ... beyond [`GITHUB_MATRIX_LIMIT`] jobs), not
///   on pull requests, `runs-on` the platform's tags (else `ubuntu-latest`), with a matrix of
///   environment x image, runs `hybridc build` with `--build-version ${{ github.run_number }}`.
///   Without environments there are no build jobs, since `hybridc build` needs one.
pub fn github(pipeline: &Pipeline) -> String {
    let envs = pipeline.environments;
    let credentials = pipeline.credentials();
    let mut comments = super::header(
        "GitHub Actions workflow written by `hybridc matrix --format github`",
        "`hybridc`, `packer`, `git` and `gh` on their PATH",
        &credentials,
        "repository secrets",
        "define them in the repository settings",
    );
    if envs.is_empty() {
        comments.push(super::NO_BUILD_JOBS.to_owned());
    }
    let checkout = || Map::new().with("uses", text(CHECKOUT)).node();
    let run = |command: String| Map::new().with("run", text(command)).node();
    // Each secret under its own name, in the job's environment.
    let secrets = |env: &mut Map, names: &BTreeSet<&str>| {
        for name in names {
            env.set(*name, text(format!("${{{{ secrets.{name} }}}}")));
        }
    };

    let mut jobs = Map::new().with(
        "check",
        Map::new()
            .with("runs-on", text(HOSTED))
            .with("steps", list([checkout(), run(pipeline.check_command())]))
            .node(),
    );

    let validate: Vec<Option<&str>> = if envs.is_empty() {
        vec![None]
    } else {
        envs.iter().map(|e| Some(e.as_str())).collect()
    };
    let mut validate_jobs = Vec::new();
    for env in validate {
        let name = env.map_or("validate".to_owned(), |e| format!("validate-{e}"));
        let mut job = Map::new()
            .with("needs", text("check"))
            .with("runs-on", text(HOSTED));
        if !credentials.is_empty() {
            let mut variables = Map::new();
            secrets(&mut variables, &credentials);
            job.set("env", variables.node());
        }
        let steps = std::iter::once(checkout())
            .chain(pipeline.validate_commands(env).map(run))
            .collect::<Vec<_>>();
        job.set("steps", list(steps));
        jobs.set(name.clone(), job.node());
        validate_jobs.push(name);
    }

    // The checkout is the pull request merged into its base, whose first parent is the base
    // commit: the diff shows exactly what merging changes.
    let review_steps = [
        Map::new()
            .with("uses", text(CHECKOUT))
            .with("with", Map::new().with("fetch-depth", integer(0)).node())
            .node(),
        Map::new()
            .with("run", text(pipeline.diff_command("\"$BASE_SHA\"")))
            .with(
                "env",
                Map::new()
                    .with(
                        "BASE_SHA",
                        text("${{ github.event.pull_request.base.sha }}"),
                    )
                    .node(),
            )
            .node(),
        run(format!("cat {REVIEW_FILE} >> \"$GITHUB_STEP_SUMMARY\"")),
        Map::new()
            .with(
                "if",
                text("github.event.pull_request.head.repo.full_name == github.repository"),
            )
            .with(
                "run",
                text(format!("gh pr comment \"$PR\" --body-file {REVIEW_FILE}")),
            )
            .with(
                "env",
                Map::new()
                    .with("GH_TOKEN", text("${{ github.token }}"))
                    .with("PR", text("${{ github.event.pull_request.number }}"))
                    .node(),
            )
            .node(),
    ];
    jobs.set(
        "review",
        Map::new()
            .with("if", text("github.event_name == 'pull_request'"))
            .with("needs", text("check"))
            .with("runs-on", text(HOSTED))
            .with(
                "permissions",
                Map::new()
                    .with("contents", text("read"))
                    .with("pull-requests", text("write"))
                    .node(),
            )
            .with("steps", list(review_steps))
            .node(),
    );

    if !envs.is_empty() {
        for (name, platform, chunk) in pipeline.build_groups(GITHUB_MATRIX_LIMIT) {
            let tags = pipeline.tags_of(platform);
            let runs_on = if tags.is_empty() {
                text(HOSTED)
            } else {
                texts(tags)
            };
            let images = chunk.iter().map(|j| {
                Map::new()
                    .with("os", text(&j.os))
                    .with("edition", text(j.edition.as_deref().unwrap_or("")))
                    .node()
            });
            // The run number grows with every run of the workflow, so versions sort in build
            // order, which a commit hash does not.
            let mut env = Map::new()
                .with("ENV", text("${{ matrix.env }}"))
                .with("OS", text("${{ matrix.image.os }}"))
                .with("PLATFORM", text(platform.as_str()))
                .with("EDITION", text("${{ matrix.image.edition }}"))
                .with("BUILD_VERSION", text("${{ github.run_number }}"));
            let needed: BTreeSet<&str> = chunk
                .iter()
                .flat_map(|j| j.credentials.iter().map(String::as_str))
                .collect();
            secrets(&mut env, &needed);
            let job = Map::new()
                .with("if", text("github.event_name != 'pull_request'"))
                .with("needs", texts(&validate_jobs))
                .with("runs-on", runs_on)
                .with(
                    "strategy",
                    Map::new()
                        .with("fail-fast", boolean(false))
                        .with(
                            "matrix",
                            Map::new()
                                .with("env", texts(envs))
                                .with("image", list(images))
                                .node(),
                        )
                        .node(),
                )
                .with("env", env.node())
                .with(
                    "steps",
                    list([checkout(), run(pipeline.build_command("BUILD_VERSION"))]),
                );
            jobs.set(name, job.node());
        }
    }

    let doc = Map::new()
        .with("name", text("images"))
        .with(
            "on",
            Map::new()
                .with("push", Map::new().with("branches", texts(["main"])).node())
                .with("pull_request", null())
                .with("workflow_dispatch", null())
                .node(),
        )
        .with(
            "permissions",
            Map::new().with("contents", text("read")).node(),
        )
        .with("jobs", jobs.node());
    document::write(&comments, &doc.node())
}
