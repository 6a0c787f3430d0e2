//! The CI pipelines of the repository's own example: the jobs, the GitLab child pipeline, the
//! GitHub Actions workflow, the GitHub Actions matrix and the JSON job list, as snapshots under
//! `tests/snapshots/matrix/` (`HYBRIDC_BLESS=1` rewrites them), parsed back and compared as
//! data, checked against the published CI schemas, and the validate jobs' scripts run against
//! a fake `packer`.

use std::collections::BTreeMap;
use std::path::Path;

use hybridc::matrix::{self, Job, Pipeline};
use hybridc::spec::PlatformName;
use serde_json::Value;

use crate::support::repo;

/// The example's jobs and environment names.
fn example() -> (Vec<Job>, Vec<String>) {
    let (jobs, environments, _) = example_with_tags();
    (jobs, environments)
}

/// The example's jobs, environment names and runner tags.
fn example_with_tags() -> (Vec<Job>, Vec<String>, BTreeMap<PlatformName, Vec<String>>) {
    let repo = repo();
    let compiled = hybridc::compile(&repo.join("spec"), &repo.join("generated"))
        .expect("the example compiles");
    let environments = compiled
        .model
        .environments
        .iter()
        .map(|e| e.name.clone())
        .collect();
    (
        matrix::jobs(&compiled.model),
        environments,
        compiled.loaded.spec.ci.tags.clone(),
    )
}

/// The example's GitLab pipeline and GitHub workflow, as `hybridc matrix` writes them.
fn example_pipelines() -> (String, String) {
    let (jobs, environments, tags) = example_with_tags();
    let pipeline = Pipeline {
        jobs: &jobs,
        environments: &environments,
        tags: &tags,
        spec: "spec/",
        out_dir: "generated/",
    };
    (matrix::gitlab(&pipeline), matrix::github(&pipeline))
}

/// A pipeline of `jobs` for `environments` with no runner tags, from `spec/` to `generated/`.
fn plain<'a>(jobs: &'a [Job], environments: &'a [String]) -> Pipeline<'a> {
    static NO_TAGS: BTreeMap<PlatformName, Vec<String>> = BTreeMap::new();
    Pipeline {
        jobs,
        environments,
        tags: &NO_TAGS,
        spec: "spec/",
        out_dir: "generated",
    }
}

/// Compares `actual` with the committed snapshot, or rewrites it under `HYBRIDC_BLESS`.
fn snapshot(name: &str, actual: &str) {
    crate::support::golden(&repo().join("tests/snapshots/matrix").join(name), actual);
}

fn tree(text: &str) -> Value {
    hybridc::yaml::parse(text)
        .unwrap_or_else(|d| panic!("the pipeline is valid YAML: {d:?}\n{text}"))
        .to_json()
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("a list: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_else(|| panic!("a string: {v}")))
        .collect()
}

fn synthetic(count: usize) -> Vec<Job> {
    (0..count)
        .map(|i| Job {
            id: format!("os-{i:03}-proxmox"),
            os: format!("os-{i:03}"),
            platform: PlatformName::Proxmox,
            edition: None,
            builder: "proxmox-iso".to_owned(),
            only: format!("os-{i:03}.proxmox-iso.os-{i:03}"),
            credentials: vec!["PROXMOX_TOKEN".to_owned()],
        })
        .collect()
}

#[test]
fn one_job_per_source_in_order() {
    let (jobs, environments) = example();
    let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    // Ubuntu, Debian and Windows Datacenter on all three platforms, Rocky and Windows Standard
    // on Proxmox and vSphere: 13 sources, sorted by OS, edition, then platform.
    assert_eq!(
        ids,
        [
            "debian-12-proxmox",
            "debian-12-vsphere",
            "debian-12-azure",
            "rocky-9-proxmox",
            "rocky-9-vsphere",
            "ubuntu-2404-proxmox",
            "ubuntu-2404-vsphere",
            "ubuntu-2404-azure",
            "windows-2022-datacenter-proxmox",
            "windows-2022-datacenter-vsphere",
            "windows-2022-datacenter-azure",
            "windows-2022-standard-proxmox",
            "windows-2022-standard-vsphere",
        ]
    );
    assert_eq!(environments, ["dev", "prod"]);

    let job = |id: &str| {
        jobs.iter()
            .find(|j| j.id == id)
            .unwrap_or_else(|| panic!("job `{id}`"))
    };
    let ubuntu = job("ubuntu-2404-proxmox");
    assert_eq!(ubuntu.only, "ubuntu-2404.proxmox-iso.ubuntu-2404");
    assert_eq!(ubuntu.builder, "proxmox-iso");
    assert_eq!(ubuntu.edition, None);
    assert_eq!(
        ubuntu.credentials,
        ["BUILD_PASSWORD", "BUILD_PASSWORD_HASH", "PROXMOX_TOKEN"]
    );
    let windows = job("windows-2022-standard-vsphere");
    assert_eq!(windows.os, "windows-2022");
    assert_eq!(windows.edition.as_deref(), Some("standard"));
    assert_eq!(
        windows.only,
        "windows-2022.vsphere-iso.windows-2022-standard"
    );
    assert!(windows.credentials.contains(&"VSPHERE_PASSWORD".to_owned()));
    assert!(!windows.credentials.iter().any(|c| c.starts_with("ARM_")));
    let azure = job("windows-2022-datacenter-azure");
    for name in [
        "ARM_CLIENT_ID",
        "ARM_CLIENT_SECRET",
        "ARM_SUBSCRIPTION_ID",
        "ARM_TENANT_ID",
    ] {
        assert!(azure.credentials.contains(&name.to_owned()), "{name}");
    }
    assert!(!azure.credentials.contains(&"PROXMOX_TOKEN".to_owned()));

    // Every selector names a build and a source that generated/ declares, and every credential
    // is read from the environment there.
    let generated: String = ["common", "proxmox", "vsphere", "azure", "builds"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(repo().join(format!("generated/{f}.pkr.hcl")))
                .expect("generated file")
        })
        .collect();
    for job in &jobs {
        let mut parts = job.only.splitn(2, '.');
        let (build, source) = (parts.next().expect("build"), parts.next().expect("source"));
        assert!(
            generated.contains(&format!("name = \"{build}\""))
                || generated.contains(&format!("name    = \"{build}\"")),
            "{build}"
        );
        assert!(
            generated.contains(&format!("\"source.{source}\"")),
            "{source}"
        );
        let (builder, name) = source.split_once('.').expect("type.name");
        assert!(
            generated.contains(&format!("source \"{builder}\" \"{name}\"")),
            "{source}"
        );
        let mut sorted = job.credentials.clone();
        sorted.sort();
        assert_eq!(sorted, job.credentials, "sorted");
        for credential in &job.credentials {
            assert!(
                generated.contains(&format!("env(\"{credential}\")")),
                "{credential}"
            );
        }
    }
}

/// The names of a YAML mapping's keys that start with `prefix`, in order.
fn keys_with<'a>(tree: &'a Value, prefix: &str) -> Vec<&'a str> {
    tree.as_object()
        .expect("a mapping")
        .keys()
        .map(String::as_str)
        .filter(|k| k.starts_with(prefix))
        .collect()
}

/// Credentials are named only in comments, never given a value.
fn credentials_only_in_comments(text: &str, jobs: &[Job], allowed: impl Fn(&str) -> bool) {
    for job in jobs {
        for credential in &job.credentials {
            for line in text.lines().filter(|l| l.contains(credential.as_str())) {
                assert!(
                    line.trim_start().starts_with('#') || allowed(line),
                    "{credential}: {line}"
                );
            }
            assert!(
                text.contains(&format!("#   {credential}\n")),
                "{credential} is listed"
            );
        }
    }
}

#[test]
fn gitlab_child_pipeline() {
    let (jobs, environments, tags) = example_with_tags();
    let (text, _) = example_pipelines();
    snapshot("gitlab.yml", &text);
    assert!(text.ends_with('\n'));
    assert_eq!(text, example_pipelines().0, "deterministic");

    let tree = tree(&text);
    assert_eq!(
        strings(&tree["stages"]),
        ["check", "validate", "review", "build"]
    );
    assert_eq!(strings(&tree["check"]["script"]), ["hybridc check spec/"]);

    // Every environment has a validate job with its own var file.
    assert_eq!(environments, ["dev", "prod"]);
    assert_eq!(
        keys_with(&tree, "validate"),
        ["validate-dev", "validate-prod"]
    );
    for env in &environments {
        let job = &tree[format!("validate-{env}").as_str()];
        assert_eq!(job["stage"], "validate");
        assert_eq!(strings(&job["needs"]), ["check"]);
        assert_eq!(
            strings(&job["script"]),
            [
                "packer init generated/".to_owned(),
                format!("packer validate -var-file=generated/env/{env}.pkrvars.hcl generated/"),
            ]
        );
        assert!(
            job.get("rules").is_none(),
            "validate runs in every pipeline"
        );
    }

    // The review runs on merge requests only, and never prints the token.
    let review = &tree["review"];
    assert_eq!(review["stage"], "review");
    assert_eq!(
        review["rules"],
        serde_json::json!([{ "if": "$CI_MERGE_REQUEST_IID" }])
    );
    assert_eq!(review["variables"]["GIT_DEPTH"], "0");
    let script = strings(&review["script"]);
    assert_eq!(
        script[0],
        "git fetch origin \"$CI_MERGE_REQUEST_TARGET_BRANCH_NAME\""
    );
    assert_eq!(
        script[1],
        "hybridc diff spec/ --base \"$CI_MERGE_REQUEST_DIFF_BASE_SHA\" --format markdown \
         > hybridc-diff.md"
    );
    assert!(script[2].starts_with("if [ -n \"${HYBRIDC_NOTE_TOKEN:-}\" ]; then curl "));
    assert!(script[2].contains("--header \"PRIVATE-TOKEN: $HYBRIDC_NOTE_TOKEN\""));
    assert!(script[2].contains(
        "\"$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes\""
    ));
    assert!(!script.iter().any(|l| l.contains("echo")), "{script:?}");
    assert_eq!(review["artifacts"]["expose_as"], "hybridc diff");
    assert_eq!(strings(&review["artifacts"]["paths"]), ["hybridc-diff.md"]);
    // Only the review and the builds look at merge requests: the review runs on them alone,
    // the builds never.
    for (name, job) in tree.as_object().expect("mapping") {
        if job.is_object() && name != "review" && name != ".hybridc-build" {
            assert!(job.get("rules").is_none(), "{name} runs in every pipeline");
        }
    }

    // One build job per platform, on the platform's runners, with every OS x edition x
    // environment, never on merge requests.
    let template = &tree[".hybridc-build"];
    assert_eq!(template["stage"], "build");
    assert_eq!(
        template["rules"],
        serde_json::json!([
            { "if": "$CI_MERGE_REQUEST_IID", "when": "never" },
            { "when": "on_success" }
        ])
    );
    assert_eq!(
        strings(&template["script"]),
        [
            "hybridc build --env \"$ENV\" --os \"$OS\" --platform \"$PLATFORM\" \
          ${EDITION:+--edition \"$EDITION\"} --build-version \"$CI_PIPELINE_IID\" --spec spec/"
        ]
    );
    assert_eq!(
        keys_with(&tree, "build"),
        ["build-proxmox", "build-vsphere", "build-azure"]
    );
    assert_eq!(
        tags,
        BTreeMap::from([
            (PlatformName::Proxmox, vec!["pve-lan".to_owned()]),
            (PlatformName::Vsphere, vec!["vcenter-lan".to_owned()]),
        ])
    );
    let mut built = Vec::new();
    for platform in PlatformName::ALL {
        let build = &tree[format!("build-{}", platform.as_str()).as_str()];
        assert_eq!(build["extends"], ".hybridc-build");
        match tags.get(&platform) {
            Some(tags) => assert_eq!(strings(&build["tags"]), *tags, "{platform:?}"),
            None => assert!(build.get("tags").is_none(), "{platform:?}"),
        }
        for entry in build["parallel"]["matrix"].as_array().expect("matrix") {
            assert_eq!(entry["PLATFORM"], platform.as_str());
            assert_eq!(strings(&entry["ENV"]), environments);
            for env in &environments {
                built.push((
                    entry["OS"].as_str().expect("OS").to_owned(),
                    entry["EDITION"].as_str().expect("EDITION").to_owned(),
                    platform,
                    env.clone(),
                ));
            }
        }
    }
    let mut expected: Vec<_> = jobs
        .iter()
        .flat_map(|j| {
            environments.iter().map(|env| {
                (
                    j.os.clone(),
                    j.edition.clone().unwrap_or_default(),
                    j.platform,
                    env.clone(),
                )
            })
        })
        .collect();
    built.sort();
    expected.sort();
    assert_eq!(built, expected, "every job in every environment, once");

    credentials_only_in_comments(&text, &jobs, |_| false);
}

#[test]
fn gitlab_environment_and_paths() {
    let (jobs, _) = example();
    let prod = ["prod".to_owned()];
    let tree = tree(&matrix::gitlab(&plain(&jobs, &prod)));
    assert_eq!(keys_with(&tree, "validate"), ["validate-prod"]);
    assert_eq!(
        strings(&tree["build-proxmox"]["parallel"]["matrix"][0]["ENV"]),
        ["prod"]
    );
    assert!(tree["build-proxmox"].get("tags").is_none(), "no tags");

    let none = matrix::gitlab(&plain(&jobs, &[]));
    let tree = crate::matrix::tree(&none);
    assert_eq!(
        strings(&tree["validate"]["script"]),
        ["packer init generated/", "packer validate generated/"]
    );
    assert!(
        keys_with(&tree, "build").is_empty(),
        "no environment, no build"
    );
    assert!(none.contains("# No build jobs: `hybridc build` needs an environment"));

    let environments = ["dev".to_owned()];
    let elsewhere = Pipeline {
        spec: "my spec/hybrid.yaml",
        out_dir: "./out dir/",
        ..plain(&jobs, &environments)
    };
    let tree = crate::matrix::tree(&matrix::gitlab(&elsewhere));
    assert_eq!(
        strings(&tree["check"]["script"]),
        ["hybridc check 'my spec/hybrid.yaml' --out 'out dir'"]
    );
    assert_eq!(
        strings(&tree["validate-dev"]["script"]),
        [
            "packer init 'out dir'/",
            "packer validate -var-file='out dir/env/dev.pkrvars.hcl' 'out dir'/",
        ]
    );
    assert!(
        strings(&tree[".hybridc-build"]["script"])[0]
            .ends_with(" --spec 'my spec/hybrid.yaml' --out 'out dir'")
    );
}

#[test]
fn gitlab_splits_large_matrices() {
    let jobs = synthetic(450);
    let dev = ["dev".to_owned()];
    let tree = tree(&matrix::gitlab(&plain(&jobs, &dev)));
    assert!(tree.get("build-proxmox").is_none());
    let mut oses = Vec::new();
    for (name, size) in [
        ("build-proxmox-1", 200),
        ("build-proxmox-2", 200),
        ("build-proxmox-3", 50),
    ] {
        let build = &tree[name];
        assert_eq!(build["extends"], ".hybridc-build", "{name}");
        let entries = build["parallel"]["matrix"].as_array().expect("matrix");
        assert_eq!(entries.len(), size, "{name}");
        oses.extend(entries.iter().map(|e| e["OS"].as_str().expect("OS")));
    }
    assert!(tree.get("build-proxmox-4").is_none());
    let expected: Vec<&str> = jobs.iter().map(|j| j.os.as_str()).collect();
    assert_eq!(oses, expected, "every job once, in order");

    // Each environment multiplies the jobs of an entry: two of them halve the entries.
    let two = ["dev".to_owned(), "prod".to_owned()];
    let tree = crate::matrix::tree(&matrix::gitlab(&plain(&jobs[..200], &two)));
    for name in ["build-proxmox-1", "build-proxmox-2"] {
        assert_eq!(
            tree[name]["parallel"]["matrix"]
                .as_array()
                .expect("matrix")
                .len(),
            100,
            "{name}"
        );
    }

    let exactly = synthetic(matrix::GITLAB_MATRIX_LIMIT);
    let tree = crate::matrix::tree(&matrix::gitlab(&plain(&exactly, &dev)));
    assert_eq!(
        tree["build-proxmox"]["parallel"]["matrix"]
            .as_array()
            .expect("matrix")
            .len(),
        200
    );
    assert!(tree.get("build-proxmox-1").is_none());
}

#[test]
fn github_workflow() {
    let (jobs, environments, tags) = example_with_tags();
    let (_, text) = example_pipelines();
    snapshot("github.yml", &text);
    let tree = tree(&text);
    assert_eq!(tree["name"], "images");
    assert_eq!(strings(&tree["on"]["push"]["branches"]), ["main"]);
    assert!(tree["on"].get("pull_request").is_some());
    assert_eq!(
        tree["permissions"],
        serde_json::json!({ "contents": "read" })
    );
    let workflow_jobs = &tree["jobs"];

    let check = &workflow_jobs["check"];
    assert_eq!(check["runs-on"], "ubuntu-latest");
    assert_eq!(check["steps"][1]["run"], "hybridc check spec/");

    assert_eq!(
        keys_with(workflow_jobs, "validate"),
        ["validate-dev", "validate-prod"]
    );
    for env in &environments {
        let job = &workflow_jobs[format!("validate-{env}").as_str()];
        assert_eq!(job["needs"], "check");
        let runs: Vec<&str> = job["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect();
        assert_eq!(
            runs,
            [
                "packer init generated/".to_owned(),
                format!("packer validate -var-file=generated/env/{env}.pkrvars.hcl generated/"),
            ]
        );
        assert_eq!(job["env"]["PROXMOX_TOKEN"], "${{ secrets.PROXMOX_TOKEN }}");
    }

    let review = &workflow_jobs["review"];
    assert_eq!(review["if"], "github.event_name == 'pull_request'");
    assert_eq!(review["permissions"]["pull-requests"], "write");
    let steps = review["steps"].as_array().expect("steps");
    assert_eq!(steps[0]["uses"], "actions/checkout@v4");
    assert_eq!(steps[0]["with"]["fetch-depth"], 0);
    assert_eq!(
        steps[1]["run"],
        "hybridc diff spec/ --base \"$BASE_SHA\" --format markdown > hybridc-diff.md"
    );
    assert_eq!(
        steps[1]["env"]["BASE_SHA"],
        "${{ github.event.pull_request.base.sha }}"
    );
    assert_eq!(
        steps[2]["run"],
        "cat hybridc-diff.md >> \"$GITHUB_STEP_SUMMARY\""
    );
    assert_eq!(
        steps[3]["run"],
        "gh pr comment \"$PR\" --body-file hybridc-diff.md"
    );
    assert_eq!(steps[3]["env"]["GH_TOKEN"], "${{ github.token }}");

    assert_eq!(
        keys_with(workflow_jobs, "build"),
        ["build-proxmox", "build-vsphere", "build-azure"]
    );
    let mut built = Vec::new();
    for platform in PlatformName::ALL {
        let build = &workflow_jobs[format!("build-{}", platform.as_str()).as_str()];
        assert_eq!(build["if"], "github.event_name != 'pull_request'");
        assert_eq!(strings(&build["needs"]), ["validate-dev", "validate-prod"]);
        match tags.get(&platform) {
            Some(tags) => assert_eq!(strings(&build["runs-on"]), *tags, "{platform:?}"),
            None => assert_eq!(build["runs-on"], "ubuntu-latest", "{platform:?}"),
        }
        assert_eq!(build["env"]["PLATFORM"], platform.as_str());
        assert_eq!(build["env"]["BUILD_VERSION"], "${{ github.run_number }}");
        let matrix = &build["strategy"]["matrix"];
        assert_eq!(strings(&matrix["env"]), environments);
        for image in matrix["image"].as_array().expect("images") {
            for env in &environments {
                built.push((
                    image["os"].as_str().expect("os").to_owned(),
                    image["edition"].as_str().expect("edition").to_owned(),
                    platform,
                    env.clone(),
                ));
            }
        }
        // A build job reads the secrets of its own platform's jobs, and no others.
        let secrets: Vec<&str> = build["env"]
            .as_object()
            .expect("env")
            .keys()
            .map(String::as_str)
            .filter(|k| !["ENV", "OS", "PLATFORM", "EDITION", "BUILD_VERSION"].contains(k))
            .collect();
        let mut needed: Vec<&str> = jobs
            .iter()
            .filter(|j| j.platform == platform)
            .flat_map(|j| j.credentials.iter().map(String::as_str))
            .collect();
        needed.sort_unstable();
        needed.dedup();
        assert_eq!(secrets, needed, "{platform:?}");
    }
    let mut expected: Vec<_> = jobs
        .iter()
        .flat_map(|j| {
            environments.iter().map(|env| {
                (
                    j.os.clone(),
                    j.edition.clone().unwrap_or_default(),
                    j.platform,
                    env.clone(),
                )
            })
        })
        .collect();
    built.sort();
    expected.sort();
    assert_eq!(built, expected, "every job in every environment, once");

    // Secrets appear only as references to the repository's secrets.
    credentials_only_in_comments(&text, &jobs, |line| line.contains("${{ secrets."));
}

#[test]
fn github_matrix() {
    let (jobs, _) = example();
    let text = matrix::github_matrix(&jobs);
    snapshot("github.json", &text);
    assert_eq!(text.lines().count(), 1, "one line for $GITHUB_OUTPUT");
    assert!(text.ends_with('\n'));
    let value: Value = serde_json::from_str(&text).expect("JSON");
    let include = value["include"].as_array().expect("include");
    assert_eq!(include.len(), jobs.len());
    assert_eq!(include.len(), 13);
    for (entry, job) in include.iter().zip(&jobs) {
        let keys: Vec<&str> = entry
            .as_object()
            .expect("entry")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["id", "os", "platform", "edition", "only"]);
        assert_eq!(entry["id"], job.id.as_str());
        assert_eq!(entry["only"], job.only.as_str());
    }
}

#[test]
fn json_job_list() {
    let (jobs, _) = example();
    let text = matrix::json(&jobs, None);
    snapshot("jobs.json", &text);
    let value: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(value["format"], 1);
    assert_eq!(value["environment"], Value::Null);
    let listed = value["jobs"].as_array().expect("jobs");
    assert_eq!(listed.len(), 13);
    assert_eq!(listed[0]["edition"], Value::Null);
    assert_eq!(listed[0]["platform"], "proxmox");

    let prod: Value = serde_json::from_str(&matrix::json(&jobs, Some("prod"))).expect("JSON");
    assert_eq!(prod["environment"], "prod");
}

#[test]
fn unknown_environment_is_named_with_a_suggestion() {
    let (_, environments) = example();
    assert_eq!(matrix::check_env("prod", &environments), Ok(()));
    assert_eq!(
        matrix::check_env("prdo", &environments),
        Err("no environment `prdo` in the spec; did you mean `prod`?".to_owned())
    );
    assert_eq!(
        matrix::check_env("staging", &environments),
        Err("no environment `staging` in the spec; it has `dev` and `prod`".to_owned())
    );
}

/// The example's pipelines, one with a single environment and none, and the `.gitlab-ci.yml`
/// of `init`, against the CI schemas GitLab and GitHub publish (vendored by
/// `check-jsonschema`).
#[test]
fn pipelines_fit_the_published_ci_schemas() {
    if !crate::support::tool(
        "check-jsonschema",
        "python3 -m pip install check-jsonschema==0.33.0",
    ) {
        return;
    }
    let dir = crate::support::temp_dir("matrix-schemas");
    let (jobs, _) = example();
    let (gitlab, github) = example_pipelines();
    let dev = ["dev".to_owned()];
    let init = hybridc::init::plan(hybridc::init::DEFAULT_OSES).expect("init plans");
    let init_gitlab = init
        .iter()
        .find(|(path, _)| path == ".gitlab-ci.yml")
        .map(|(_, text)| text.clone())
        .expect("init writes .gitlab-ci.yml");
    let files = [
        ("gitlab.yml", "vendor.gitlab-ci", gitlab),
        (
            "gitlab-dev.yml",
            "vendor.gitlab-ci",
            matrix::gitlab(&plain(&jobs, &dev)),
        ),
        (
            "gitlab-none.yml",
            "vendor.gitlab-ci",
            matrix::gitlab(&plain(&jobs, &[])),
        ),
        ("init.gitlab-ci.yml", "vendor.gitlab-ci", init_gitlab),
        ("github.yml", "vendor.github-workflows", github),
        (
            "github-dev.yml",
            "vendor.github-workflows",
            matrix::github(&plain(&jobs, &dev)),
        ),
        (
            "github-none.yml",
            "vendor.github-workflows",
            matrix::github(&plain(&jobs, &[])),
        ),
    ];
    for (name, schema, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write the pipeline");
        let out = std::process::Command::new("check-jsonschema")
            .args(["--builtin-schema", schema])
            .arg(&path)
            .output()
            .expect("check-jsonschema runs");
        assert!(
            out.status.success(),
            "{name} does not fit {schema}:\n{}{}",
            crate::support::text(&out.stdout),
            crate::support::text(&out.stderr)
        );
    }
}

/// The `script` lines of the GitLab job `name`, or the `run` steps of the GitHub job `name`.
fn commands(tree: &Value, name: &str) -> Vec<String> {
    if let Some(script) = tree.get(name).and_then(|job| job.get("script")) {
        return strings(script).into_iter().map(str::to_owned).collect();
    }
    tree["jobs"][name]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no job `{name}`"))
        .iter()
        .filter_map(|step| step["run"].as_str().map(str::to_owned))
        .collect()
}

/// A fake `packer` in `dir/bin` that writes its arguments, one a line and each call ended by
/// `--`, to `$PACKER_LOG`.
fn fake_packer(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin folder");
    let packer = bin.join("packer");
    std::fs::write(
        &packer,
        "#!/bin/sh\nfor arg in \"$@\"; do printf '%s\\n' \"$arg\"; done >> \"$PACKER_LOG\"\n\
         echo -- >> \"$PACKER_LOG\"\n",
    )
    .expect("write the fake packer");
    std::fs::set_permissions(&packer, std::fs::Permissions::from_mode(0o755))
        .expect("make the fake packer executable");
    bin
}

#[test]
fn validate_jobs_run_packer_validate_with_the_environment_var_file() {
    let dir = crate::support::example_copy("matrix-validate", &["spec", "generated"]);
    let bin = fake_packer(&dir);
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("a PATH");
    let log = dir.join("packer.log");
    let (gitlab, github) = example_pipelines();
    for (ci, text) in [("gitlab", gitlab), ("github", github)] {
        let tree = tree(&text);
        for env in ["dev", "prod"] {
            let _ = std::fs::remove_file(&log);
            for line in commands(&tree, &format!("validate-{env}")) {
                let out = std::process::Command::new("sh")
                    .args(["-c", &line])
                    .current_dir(&dir)
                    .env("PATH", &path)
                    .env("PACKER_LOG", &log)
                    .output()
                    .expect("sh runs");
                assert!(
                    out.status.success(),
                    "{ci} `{line}`: {}",
                    crate::support::text(&out.stderr)
                );
            }
            let var_file = format!("generated/env/{env}.pkrvars.hcl");
            assert!(dir.join(&var_file).is_file(), "{var_file}");
            assert_eq!(
                std::fs::read_to_string(&log).expect("packer ran"),
                format!("init\ngenerated/\n--\nvalidate\n-var-file={var_file}\ngenerated/\n--\n"),
                "{ci} validate-{env}"
            );
        }
    }
}

#[test]
fn runner_tags_of_an_unknown_platform_are_refused_by_the_schema() {
    let dir = crate::support::example_copy(
        "matrix-tags",
        &["spec", "installers", "scripts", "ansible", "schema"],
    );
    let spec = dir.join("spec/hybrid.yaml");
    let mut text = std::fs::read_to_string(&spec).expect("spec");
    text.push_str("    proxmx: [pve-lab]\n");
    std::fs::write(&spec, text).expect("write the spec");
    let out = crate::support::hybridc(&dir, &["validate", "spec/"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = crate::support::text(&out.stderr);
    assert!(
        stderr
            .contains("`ci.tags`: \"proxmx\" is not one of \"proxmox\", \"vsphere\" or \"azure\""),
        "{stderr}"
    );
}

/// GitLab reads CI files as YAML 1.1, where a plain `2024-01-01` is a date, `1_000` and `0b11`
/// numbers and `on` or `yes` booleans. Runner tags, a spec path and an output folder with such
/// names read back as the same strings in a YAML 1.1 reader (PyYAML, installed with ansible)
/// as in hybridc's own YAML 1.2 reader, in both pipelines.
#[test]
fn yaml_1_1_readers_see_the_same_strings() {
    const PYYAML: &str = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))";
    if !crate::support::tool("python3", "apt-get install python3") {
        return;
    }
    let has_pyyaml = std::process::Command::new("python3")
        .args(["-c", "import yaml"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_pyyaml
        && !crate::support::missing("PyYAML is missing", "python3 -m pip install ansible")
    {
        return;
    }
    let (jobs, _) = example();
    let environments = ["dev".to_owned()];
    let odd = [
        "2024-01-01",
        "1_000",
        "0b11",
        "on",
        "yes",
        "~",
        "1:30",
        "0o17",
        "+.5",
    ];
    let tags: BTreeMap<PlatformName, Vec<String>> = PlatformName::ALL
        .into_iter()
        .map(|p| (p, odd.iter().map(|t| (*t).to_owned()).collect()))
        .collect();
    let pipeline = Pipeline {
        jobs: &jobs,
        environments: &environments,
        tags: &tags,
        spec: "2024-01-01",
        out_dir: "1_000",
    };
    for text in [matrix::gitlab(&pipeline), matrix::github(&pipeline)] {
        let mut python = std::process::Command::new("python3")
            .args(["-c", PYYAML])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        std::io::Write::write_all(
            &mut python.stdin.take().expect("piped stdin"),
            text.as_bytes(),
        )
        .expect("write the pipeline");
        let out = python.wait_with_output().expect("python3 ends");
        assert!(out.status.success(), "PyYAML reads the pipeline:\n{text}");
        let read: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(read, tree(&text), "{text}");
    }
}
