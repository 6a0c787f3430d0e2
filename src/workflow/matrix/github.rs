//! The GitHub Actions workflow: jobs `check`, `validate-<env>`, `review` (pull requests) and
//! `build-<platform>`.
//!
//! Secrets reach a job only through its `env:`, so the validate and build jobs map the
//! credentials they read from repository secrets of the same name; no value is written here.

use std::collections::BTreeSet;

use super::{GITHUB_MATRIX_LIMIT, Pipeline, REVIEW_FILE, scalar};

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
    let mut y = String::new();
    super::header(
        &mut y,
        "GitHub Actions workflow written by `hybridc matrix --format github`",
        "`hybridc`, `packer`, `git` and `gh` on their PATH",
        &credentials,
        "repository secrets",
        "define them in the repository settings",
    );
    y.push_str("name: images\n");
    y.push_str(
        "on:\n  push:\n    branches:\n      - main\n  pull_request:\n  workflow_dispatch:\n",
    );
    y.push_str("permissions:\n  contents: read\n");
    y.push_str("jobs:\n");

    y.push_str(&format!("  check:\n    runs-on: {HOSTED}\n    steps:\n"));
    y.push_str(&format!("      - uses: {CHECKOUT}\n"));
    y.push_str(&format!(
        "      - run: {}\n",
        scalar(&pipeline.check_command())
    ));

    let secrets = |y: &mut String, indent: &str, names: &BTreeSet<&str>| {
        for name in names {
            y.push_str(&format!(
                "{indent}{name}: {}\n",
                scalar(&format!("${{{{ secrets.{name} }}}}"))
            ));
        }
    };

    let validate: Vec<Option<&str>> = if envs.is_empty() {
        vec![None]
    } else {
        envs.iter().map(|e| Some(e.as_str())).collect()
    };
    let mut validate_jobs = Vec::new();
    for env in validate {
        let name = env.map_or("validate".to_owned(), |e| format!("validate-{e}"));
        y.push_str(&format!(
            "  {}:\n    needs: check\n    runs-on: {HOSTED}\n",
            scalar(&name)
        ));
        if !credentials.is_empty() {
            y.push_str("    env:\n");
            secrets(&mut y, "      ", &credentials);
        }
        y.push_str("    steps:\n");
        y.push_str(&format!("      - uses: {CHECKOUT}\n"));
        for line in pipeline.validate_commands(env) {
            y.push_str(&format!("      - run: {}\n", scalar(&line)));
        }
        validate_jobs.push(name);
    }

    y.push_str("  review:\n    if: github.event_name == 'pull_request'\n    needs: check\n");
    y.push_str(&format!("    runs-on: {HOSTED}\n"));
    y.push_str("    permissions:\n      contents: read\n      pull-requests: write\n");
    y.push_str("    steps:\n");
    y.push_str(&format!(
        "      - uses: {CHECKOUT}\n        with:\n          fetch-depth: 0\n"
    ));
    // The checkout is the pull request merged into its base, whose first parent is the base
    // commit: the diff shows exactly what merging changes.
    y.push_str(&format!(
        "      - run: {}\n        env:\n          BASE_SHA: {}\n",
        scalar(&pipeline.diff_command("\"$BASE_SHA\"")),
        scalar("${{ github.event.pull_request.base.sha }}")
    ));
    y.push_str(&format!(
        "      - run: {}\n",
        scalar(&format!("cat {REVIEW_FILE} >> \"$GITHUB_STEP_SUMMARY\""))
    ));
    y.push_str(&format!(
        "      - if: {}\n        run: {}\n        env:\n          GH_TOKEN: {}\n          PR: {}\n",
        scalar("github.event.pull_request.head.repo.full_name == github.repository"),
        scalar(&format!("gh pr comment \"$PR\" --body-file {REVIEW_FILE}")),
        scalar("${{ github.token }}"),
        scalar("${{ github.event.pull_request.number }}")
    ));

    if envs.is_empty() {
        y.push_str(
            "# No build jobs: `hybridc build` needs an environment, and the spec has none.\n",
        );
        return y;
    }
    for (name, platform, chunk) in pipeline.build_groups(GITHUB_MATRIX_LIMIT) {
        y.push_str(&format!(
            "  {name}:\n    if: github.event_name != 'pull_request'\n"
        ));
        y.push_str("    needs:\n");
        for needed in &validate_jobs {
            y.push_str(&format!("      - {}\n", scalar(needed)));
        }
        let tags = pipeline.tags_of(platform);
        if tags.is_empty() {
            y.push_str(&format!("    runs-on: {HOSTED}\n"));
        } else {
            y.push_str("    runs-on:\n");
            for tag in tags {
                y.push_str(&format!("      - {}\n", scalar(tag)));
            }
        }
        y.push_str("    strategy:\n      fail-fast: false\n      matrix:\n        env:\n");
        for env in envs {
            y.push_str(&format!("          - {}\n", scalar(env)));
        }
        y.push_str("        image:\n");
        for job in &chunk {
            y.push_str(&format!("          - os: {}\n", scalar(&job.os)));
            y.push_str(&format!(
                "            edition: {}\n",
                scalar(job.edition.as_deref().unwrap_or(""))
            ));
        }
        y.push_str("    env:\n");
        y.push_str(&format!("      ENV: {}\n", scalar("${{ matrix.env }}")));
        y.push_str(&format!("      OS: {}\n", scalar("${{ matrix.image.os }}")));
        y.push_str(&format!("      PLATFORM: {}\n", scalar(platform.as_str())));
        y.push_str(&format!(
            "      EDITION: {}\n",
            scalar("${{ matrix.image.edition }}")
        ));
        // The run number grows with every run of the workflow, so versions sort in build
        // order, which a commit hash does not.
        y.push_str(&format!(
            "      BUILD_VERSION: {}\n",
            scalar("${{ github.run_number }}")
        ));
        let needed: BTreeSet<&str> = chunk
            .iter()
            .flat_map(|j| j.credentials.iter().map(String::as_str))
            .collect();
        secrets(&mut y, "      ", &needed);
        y.push_str("    steps:\n");
        y.push_str(&format!("      - uses: {CHECKOUT}\n"));
        y.push_str(&format!(
            "      - run: {}\n",
            scalar(&pipeline.build_command("BUILD_VERSION"))
        ));
    }
    y
}
