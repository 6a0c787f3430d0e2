//! The GitLab CI child pipeline: stages `check`, `validate`, `review` and `build`.
//!
//! It is a child pipeline (the parent triggers it from an artifact), so merge-request jobs are
//! chosen with `$CI_MERGE_REQUEST_IID`: a child of a merge-request pipeline has the merge
//! request's variables, but its `$CI_PIPELINE_SOURCE` is `parent_pipeline`.

use super::document::{self, Map, list, text, texts};
use super::{GITLAB_MATRIX_LIMIT, Pipeline, REVIEW_FILE};

/// The CI/CD variable holding a token allowed to comment on merge requests (`api` scope); the
/// review job posts its report as a note only when it is set.
pub const NOTE_TOKEN: &str = "HYBRIDC_NOTE_TOKEN";

/// The rule condition of a job in a merge request's pipeline.
const MERGE_REQUEST: &str = "$CI_MERGE_REQUEST_IID";

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
///   `hybridc build` with `--build-version $CI_PIPELINE_IID`, except on merge requests.
///   Without environments there are no build jobs, since `hybridc build` needs one.
///
/// Credentials stay out: the comments above the data list the CI/CD variables to define.
pub fn gitlab(pipeline: &Pipeline) -> String {
    let envs = pipeline.environments;
    let mut comments = super::header(
        "GitLab CI child pipeline written by `hybridc matrix --format gitlab`",
        "`hybridc`, `packer`, `git`, `curl` and a POSIX shell",
        &pipeline.credentials(),
        "CI/CD variables",
        "define them masked in the project settings",
    );
    comments.extend([
        format!("The review job posts its report on the merge request when {NOTE_TOKEN} holds a"),
        "token with the `api` scope (masked); without it the report is only an artifact."
            .to_owned(),
    ]);
    if envs.is_empty() {
        comments.push(super::NO_BUILD_JOBS.to_owned());
    }

    let mut doc = Map::new()
        .with("stages", texts(["check", "validate", "review", "build"]))
        .with(
            "check",
            Map::new()
                .with("stage", text("check"))
                .with("script", texts([pipeline.check_command()]))
                .node(),
        );

    let validate: Vec<Option<&str>> = if envs.is_empty() {
        vec![None]
    } else {
        envs.iter().map(|e| Some(e.as_str())).collect()
    };
    for env in validate {
        let name = env.map_or("validate".to_owned(), |e| format!("validate-{e}"));
        doc.set(
            name,
            Map::new()
                .with("stage", text("validate"))
                .with("needs", texts(["check"]))
                .with("script", texts(pipeline.validate_commands(env)))
                .node(),
        );
    }

    // The diff base is where the merge request's branch left its target; fetching the target
    // branch with the whole history (`GIT_DEPTH: 0`) brings that commit.
    let base = "\"$CI_MERGE_REQUEST_DIFF_BASE_SHA\"";
    // The runner echoes the line as written, so the token's value is never printed.
    let note = format!(
        "if [ -n \"${{{NOTE_TOKEN}:-}}\" ]; then curl --fail --silent --show-error \
         --request POST --header \"PRIVATE-TOKEN: ${NOTE_TOKEN}\" \
         --data-urlencode \"body@{REVIEW_FILE}\" \
         \"$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes\" \
         > /dev/null; fi"
    );
    doc.set(
        "review",
        Map::new()
            .with("stage", text("review"))
            .with("needs", texts(["check"]))
            .with(
                "rules",
                list([Map::new().with("if", text(MERGE_REQUEST)).node()]),
            )
            .with("variables", Map::new().with("GIT_DEPTH", text("0")).node())
            .with(
                "script",
                texts([
                    "git fetch origin \"$CI_MERGE_REQUEST_TARGET_BRANCH_NAME\"".to_owned(),
                    pipeline.diff_command(base),
                    note,
                ]),
            )
            .with(
                "artifacts",
                Map::new()
                    .with("expose_as", text("hybridc diff"))
                    .with("paths", texts([REVIEW_FILE]))
                    .node(),
            )
            .node(),
    );

    if envs.is_empty() {
        return document::write(&comments, &doc.node());
    }
    // `$CI_PIPELINE_IID` counts the project's pipelines: it grows with every run, so versions
    // sort in build order, which a commit hash does not.
    // Builds publish images: they run for the branches, not for merge requests.
    doc.set(
        ".hybridc-build",
        Map::new()
            .with("stage", text("build"))
            .with(
                "rules",
                list([
                    Map::new()
                        .with("if", text(MERGE_REQUEST))
                        .with("when", text("never"))
                        .node(),
                    Map::new().with("when", text("on_success")).node(),
                ]),
            )
            .with("script", texts([pipeline.build_command("CI_PIPELINE_IID")]))
            .node(),
    );
    for (name, platform, chunk) in pipeline.build_groups(GITLAB_MATRIX_LIMIT) {
        let mut job = Map::new().with("extends", text(".hybridc-build"));
        let tags = pipeline.tags_of(platform);
        if !tags.is_empty() {
            job.set("tags", texts(tags));
        }
        let matrix = chunk.iter().map(|j| {
            Map::new()
                .with("OS", text(&j.os))
                .with("PLATFORM", text(platform.as_str()))
                .with("EDITION", text(j.edition.as_deref().unwrap_or("")))
                .with("ENV", texts(envs))
                .node()
        });
        job.set("parallel", Map::new().with("matrix", list(matrix)).node());
        doc.set(name, job.node());
    }
    document::write(&comments, &doc.node())
}
