//! The workflow commands around the compiler: `init`, `explain`, `matrix` and `manifests`.

use std::path::Path;

use super::Status;
use super::args::{ManifestFormat, MatrixFormat};
use super::print::{self, say};

/// Scaffolds a repository in `dir` with `oses`, then compiles it.
pub fn init(dir: &Path, oses: &[String], force: bool) -> Status {
    let names: Vec<&str> = oses.iter().map(String::as_str).collect();
    let files = match hybridc::init::plan(&names) {
        Ok(files) => files,
        Err(error) => return print::fail(error),
    };
    if let Err(status) = super::oses::check_scaffold(dir, &files) {
        return status;
    }
    let written = hybridc::init::write(dir, &files, force);
    let written = match written {
        Ok(written) => written,
        Err(error) => return print::fail(error),
    };
    say!("created {} files in {}", written.len(), dir.display());
    // --force overwrites the scaffold's files and the generated ones alike.
    let status = super::compile::compile(&dir.join("spec"), &dir.join("generated"), force);
    if status != Status::Success {
        return status;
    }
    // The GitHub workflow's jobs come from the compiled spec; `write` checked its path above.
    let workflow = hybridc::compile(&dir.join("spec"), &dir.join("generated"))
        .map(|c| hybridc::init::github_workflow(&c.model, &c.loaded.spec));
    match workflow.map(|file| hybridc::init::write(dir, &[file], true)) {
        Ok(Ok(_)) => say!(
            "wrote {}",
            dir.join(hybridc::init::GITHUB_WORKFLOW).display()
        ),
        Ok(Err(error)) => return print::fail(error),
        Err(error) => return print::report(error),
    }
    status
}

/// Prints the effective settings of one OS's build.
pub fn explain(
    spec: &Path,
    os: &str,
    platform: Option<hybridc::spec::PlatformName>,
    env: Option<&str>,
) -> Status {
    let loaded = match hybridc::load(spec) {
        Ok(loaded) => loaded,
        Err(error) => return print::report(error),
    };
    match hybridc::explain::explain(&loaded, os, platform, env) {
        Ok(explanation) => {
            print::out(hybridc::explain::render(&explanation).as_bytes());
            Status::Success
        }
        Err(error) => print::fail(error),
    }
}

/// Prints the CI jobs in `format`.
pub fn matrix(spec: &Path, out: &Path, format: MatrixFormat, env: Option<&str>) -> Status {
    let compiled = match hybridc::compile(spec, out) {
        Ok(compiled) => compiled,
        Err(error) => return print::report(error),
    };
    print::diagnostics(&compiled.warnings, &compiled.loaded.source);
    let environments: Vec<String> = compiled
        .model
        .environments
        .iter()
        .map(|e| e.name.clone())
        .collect();
    if let Some(env) = env
        && let Err(message) = hybridc::matrix::check_env(env, &environments)
    {
        return print::fail(message);
    }
    let jobs = hybridc::matrix::jobs(&compiled.model);
    let spec_shown = spec.display().to_string();
    let out_shown = out.display().to_string();
    let chosen: Vec<String> = env.map_or(environments, |env| vec![env.to_owned()]);
    let pipeline = hybridc::matrix::Pipeline {
        jobs: &jobs,
        environments: &chosen,
        tags: &compiled.loaded.spec.ci.tags,
        spec: &spec_shown,
        out_dir: &out_shown,
    };
    let text = match format {
        MatrixFormat::Gitlab => hybridc::matrix::gitlab(&pipeline),
        MatrixFormat::Github => hybridc::matrix::github(&pipeline),
        MatrixFormat::GithubMatrix => {
            if jobs.len() > hybridc::matrix::GITHUB_MATRIX_LIMIT {
                eprintln!(
                    "warning: {} jobs; GitHub runs at most {} per matrix",
                    jobs.len(),
                    hybridc::matrix::GITHUB_MATRIX_LIMIT
                );
            }
            hybridc::matrix::github_matrix(&jobs)
        }
        MatrixFormat::Json => hybridc::matrix::json(&jobs, env),
    };
    print::out(text.as_bytes());
    Status::Success
}

/// Lists the latest artifacts recorded in the manifest files of `dir`.
pub fn manifests(dir: &Path, format: ManifestFormat) -> Status {
    let inventory = hybridc::manifests::read(dir);
    let format = match format {
        ManifestFormat::Table => hybridc::manifests::Format::Table,
        ManifestFormat::Json => hybridc::manifests::Format::Json,
        ManifestFormat::Markdown => hybridc::manifests::Format::Markdown,
    };
    print::out(hybridc::manifests::render(&inventory, format).as_bytes());
    // Problems with single files are part of the report; only an unreadable folder fails.
    if inventory.listed {
        Status::Success
    } else {
        Status::Failure
    }
}
