//! The GitLab CI child pipeline: stages `check`, `validate`, `review` and `build`.
//!
//! It is a child pipeline (the parent triggers it from an artifact), so merge-request jobs are
//! chosen with `$CI_MERGE_REQUEST_IID`: a child of a merge-request pipeline has the merge
//! request's variables, but its `$CI_PIPELINE_SOURCE` is `parent_pipeline`.

use super::{GITLAB_MATRIX_LIMIT, Pipeline, REVIEW_FILE, scalar};

/// The CI/CD variable holding a token allowed to comment on merge requests (`api` scope); the
/// review job posts its report as a note only when it is set.
pub const NOTE_TOKEN: &str = "HYBRIDC_NOTE_TOKEN";

/// A complete GitLab CI child pipeline.
///
/// - `check` runs `hybridc check <spec>`;
/// - `validate-<env>`, one per environment (`validate` without environments), runs
///   `packer init` and `packer validate -var-file=<out>/env/<env>.pkrvars.hcl <out>/`;
/// - `review`, on merge requests only, fetches the target branch, writes
///   `hybridc diff --format markdown` to [`REVIEW_FILE`] (an artifact shown on the merge request)
///   and posts it as a note when [`NOTE_TOKEN`] is set;
/// - `build-<platform>` (split into `-1`, `-2`, ... beyond [`GITLAB_MATRIX_LIMIT`] jobs), with
///   the platform's runner tags and a `parallel:matrix` of OS x edition x environment, runs
///   `hybridc build` with `--build-version $CI_PIPELINE_IID`, except on merge requests. Without environments there are no
///   build jobs, since `hybridc build` needs one.
///
/// Credentials stay out: a comment lists the CI/CD variables to define.
pub fn gitlab(pipeline: &Pipeline) -> String {
    let envs = pipeline.environments;
    let credentials = pipeline.credentials();
    let mut y = String::new();
    super::header(
        &mut y,
        "GitLab CI child pipeline written by `hybridc matrix --format gitlab`",
        "`hybridc`, `packer`, `git`, `curl` and a POSIX shell",
        &credentials,
        "CI/CD variables",
        "define them masked in the project settings",
    );
    y.push_str(&format!(
        "# The review job posts its report on the merge request when {NOTE_TOKEN} holds a\n"
    ));
    y.push_str(
        "# token with the `api` scope (masked); without it the report is only an artifact.\n",
    );
    y.push('\n');

    y.push_str("stages:\n  - check\n  - validate\n  - review\n  - build\n\n");

    y.push_str("check:\n  stage: check\n  script:\n");
    y.push_str(&format!("    - {}\n", scalar(&pipeline.check_command())));

    let validate: Vec<Option<&str>> = if envs.is_empty() {
        vec![None]
    } else {
        envs.iter().map(|e| Some(e.as_str())).collect()
    };
    for env in validate {
        let name = env.map_or("validate".to_owned(), |e| format!("validate-{e}"));
        y.push_str(&format!(
            "\n{}:\n  stage: validate\n  needs:\n    - check\n  script:\n",
            scalar(&name)
        ));
        for line in pipeline.validate_commands(env) {
            y.push_str(&format!("    - {}\n", scalar(&line)));
        }
    }

    // The diff base is where the merge request's branch left its target; fetching the target
    // branch with the whole history (`GIT_DEPTH: 0`) brings that commit.
    let base = "\"$CI_MERGE_REQUEST_DIFF_BASE_SHA\"";
    y.push_str("\nreview:\n  stage: review\n  needs:\n    - check\n  rules:\n");
    y.push_str("    - if: $CI_MERGE_REQUEST_IID\n");
    y.push_str("  variables:\n    GIT_DEPTH: \"0\"\n  script:\n");
    y.push_str(&format!(
        "    - {}\n",
        scalar("git fetch origin \"$CI_MERGE_REQUEST_TARGET_BRANCH_NAME\"")
    ));
    y.push_str(&format!("    - {}\n", scalar(&pipeline.diff_command(base))));
    // The runner echoes the line as written, so the token's value is never printed.
    y.push_str(&format!(
        "    - {}\n",
        scalar(&format!(
            "if [ -n \"${{{NOTE_TOKEN}:-}}\" ]; then curl --fail --silent --show-error \
             --request POST --header \"PRIVATE-TOKEN: ${NOTE_TOKEN}\" \
             --data-urlencode \"body@{REVIEW_FILE}\" \
             \"$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes\" \
             > /dev/null; fi"
        ))
    ));
    y.push_str("  artifacts:\n    expose_as: hybridc diff\n    paths:\n");
    y.push_str(&format!("      - {REVIEW_FILE}\n"));

    if envs.is_empty() {
        y.push_str(
            "\n# No build jobs: `hybridc build` needs an environment, and the spec has none.\n",
        );
        return y;
    }
    // `$CI_PIPELINE_IID` counts the project's pipelines: it grows with every run, so versions
    // sort in build order, which a commit hash does not.
    // Builds publish images: they run for the branches, not for merge requests.
    y.push_str("\n.hybridc-build:\n  stage: build\n  rules:\n");
    y.push_str("    - if: $CI_MERGE_REQUEST_IID\n      when: never\n    - when: on_success\n");
    y.push_str("  script:\n");
    y.push_str(&format!(
        "    - {}\n",
        scalar(&pipeline.build_command("CI_PIPELINE_IID"))
    ));
    for (name, platform, chunk) in pipeline.build_groups(GITLAB_MATRIX_LIMIT) {
        y.push_str(&format!("\n{name}:\n  extends: .hybridc-build\n"));
        let tags = pipeline.tags_of(platform);
        if !tags.is_empty() {
            y.push_str("  tags:\n");
            for tag in tags {
                y.push_str(&format!("    - {}\n", scalar(tag)));
            }
        }
        y.push_str("  parallel:\n    matrix:\n");
        for job in &chunk {
            y.push_str(&format!("      - OS: {}\n", scalar(&job.os)));
            y.push_str(&format!(
                "        PLATFORM: {}\n",
                scalar(platform.as_str())
            ));
            y.push_str(&format!(
                "        EDITION: {}\n",
                scalar(job.edition.as_deref().unwrap_or(""))
            ));
            y.push_str("        ENV:\n");
            for env in envs {
                y.push_str(&format!("          - {}\n", scalar(env)));
            }
        }
    }
    y
}
