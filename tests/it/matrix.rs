//! The CI build matrix of the repository's own example: the jobs, the GitLab child pipeline,
//! the GitHub Actions matrix and the JSON job list, as snapshots under
//! `tests/snapshots/matrix/` (`HYBRIDC_BLESS=1` rewrites them) and parsed back.

use hybridc::matrix::{self, Job};
use hybridc::spec::PlatformName;
use serde_json::Value;

use crate::support::repo;

/// The example's jobs and environment names.
fn example() -> (Vec<Job>, Vec<String>) {
    let repo = repo();
    let compiled = hybridc::compile(&repo.join("spec"), &repo.join("generated"))
        .expect("the example compiles");
    let environments = compiled
        .model
        .environments
        .iter()
        .map(|e| e.name.clone())
        .collect();
    (matrix::jobs(&compiled.model), environments)
}

/// Compares `actual` with the committed snapshot, or rewrites it under `HYBRIDC_BLESS`.
fn snapshot(name: &str, actual: &str) {
    crate::support::golden(&repo().join("tests/snapshots/matrix").join(name), actual);
}

fn gitlab_tree(text: &str) -> Value {
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

#[test]
fn gitlab_child_pipeline() {
    let (jobs, environments) = example();
    let text = matrix::gitlab(&jobs, None, &environments, "spec/", "generated/");
    snapshot("gitlab.yml", &text);
    assert!(text.ends_with('\n'));
    assert_eq!(
        text,
        matrix::gitlab(&jobs, None, &environments, "spec/", "generated/"),
        "deterministic"
    );

    let tree = gitlab_tree(&text);
    assert_eq!(strings(&tree["stages"]), ["validate", "build"]);
    assert_eq!(tree["variables"]["ENV"], "dev", "the first environment");
    assert_eq!(tree["validate"]["stage"], "validate");
    assert!(
        strings(&tree["validate"]["script"])
            .iter()
            .any(|line| line.contains("hybridc check spec/"))
    );
    let script = strings(&tree[".packer-build"]["script"]);
    assert_eq!(
        script,
        [
            "packer init generated/",
            "packer build -only=\"$ONLY\" -var-file=\"generated/env/$ENV.pkrvars.hcl\" generated/",
        ]
    );

    let build = &tree["build"];
    assert_eq!(build["stage"], "build");
    assert_eq!(build["extends"], ".packer-build");
    assert_eq!(strings(&build["needs"]), ["validate"]);
    let entries = build["parallel"]["matrix"].as_array().expect("matrix");
    assert_eq!(entries.len(), jobs.len());
    for (entry, job) in entries.iter().zip(&jobs) {
        assert_eq!(entry["ONLY"], job.only.as_str());
        assert_eq!(entry["OS"], job.os.as_str());
        assert_eq!(entry["PLATFORM"], job.platform.as_str());
        assert_eq!(entry["EDITION"], job.edition.as_deref().unwrap_or(""));
        assert_eq!(
            entry.as_object().expect("entry").len(),
            4,
            "one job per entry: {entry}"
        );
    }
    assert!(tree.get("build-1").is_none());

    // Credentials are named only in comments, never given a value.
    for job in &jobs {
        for credential in &job.credentials {
            assert!(
                text.lines()
                    .filter(|l| l.contains(credential.as_str()))
                    .all(|l| l.trim_start().starts_with('#')),
                "{credential}"
            );
            assert!(
                text.contains(&format!("#   {credential}\n")),
                "{credential} is listed"
            );
        }
    }
}

#[test]
fn gitlab_environment_and_paths() {
    let (jobs, environments) = example();
    let prod = gitlab_tree(&matrix::gitlab(
        &jobs,
        Some("prod"),
        &environments,
        "spec/",
        "generated",
    ));
    assert_eq!(prod["variables"]["ENV"], "prod");

    let none = matrix::gitlab(&jobs, None, &[], "spec/", "generated");
    let tree = gitlab_tree(&none);
    assert!(tree.get("variables").is_none(), "no environment, no ENV");
    assert_eq!(
        strings(&tree[".packer-build"]["script"])[1],
        "packer build -only=\"$ONLY\" generated/"
    );

    let elsewhere = gitlab_tree(&matrix::gitlab(
        &jobs,
        None,
        &environments,
        "my spec/hybrid.yaml",
        "./out dir/",
    ));
    assert_eq!(
        strings(&elsewhere["validate"]["script"]),
        ["hybridc check 'my spec/hybrid.yaml' --out 'out dir'"]
    );
    assert_eq!(
        strings(&elsewhere[".packer-build"]["script"]),
        [
            "packer init 'out dir'/",
            "packer build -only=\"$ONLY\" -var-file=\"out dir/env/$ENV.pkrvars.hcl\" 'out dir'/",
        ]
    );
}

#[test]
fn gitlab_splits_large_matrices() {
    let jobs = synthetic(450);
    let tree = gitlab_tree(&matrix::gitlab(
        &jobs,
        None,
        &["dev".to_owned()],
        "spec/",
        "generated",
    ));
    assert!(tree.get("build").is_none());
    let mut only = Vec::new();
    for (name, size) in [("build-1", 200), ("build-2", 200), ("build-3", 50)] {
        let build = &tree[name];
        assert_eq!(strings(&build["needs"]), ["validate"], "{name}");
        assert_eq!(build["extends"], ".packer-build", "{name}");
        let entries = build["parallel"]["matrix"].as_array().expect("matrix");
        assert_eq!(entries.len(), size, "{name}");
        only.extend(entries.iter().map(|e| e["ONLY"].as_str().expect("ONLY")));
    }
    assert!(tree.get("build-4").is_none());
    let expected: Vec<&str> = jobs.iter().map(|j| j.only.as_str()).collect();
    assert_eq!(only, expected, "every job once, in order");

    let exactly = gitlab_tree(&matrix::gitlab(
        &synthetic(matrix::GITLAB_MATRIX_LIMIT),
        None,
        &[],
        "spec/",
        "generated",
    ));
    assert_eq!(
        exactly["build"]["parallel"]["matrix"]
            .as_array()
            .expect("matrix")
            .len(),
        200
    );
    assert!(exactly.get("build-1").is_none());
}

#[test]
fn github_matrix() {
    let (jobs, _) = example();
    let text = matrix::github(&jobs);
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
