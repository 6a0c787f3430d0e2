//! `hybridc::runner`, the library half of `hybridc build`: the dry-run commands of the example
//! repository for several selections (snapshots in `tests/fixtures/runner/`; `HYBRIDC_BLESS=1`
//! rewrites them), selection errors, the credentials and build-host tools a selection needs,
//! the build version (flag, `git describe`, the clock, and its rule), `-force`, the build-host
//! preflight against a simulated host (every tool missing, all present, Packer too old, recent
//! enough, or unreadable), Packer version constraints, `run` against a fake `packer`
//! (`tests/fixtures/runner/fake-packer.sh`) and, when it is installed, the real one with
//! Packer's `null` builder, and `hybridc build` itself on a temporary copy of the example.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use hybridc::model::Model;
use hybridc::pointer::Pointer;
use hybridc::runner::{
    self, BuildOptions, BuildOutcome, BuildStatus, BuildVersion, Host, HostProblem, HostWarning,
    Plan, Requirement, RunError, RunReport, Selection, VersionOrigin, VersionProblem,
};
use hybridc::spec::PlatformName;
use hybridc::version::{PackerVersion, VersionConstraint};

use crate::support::{command, copy_tree, golden, hybridc, repo, text, tool};

/// The model of the repository's own spec, compiled once.
fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let repo = repo();
        match hybridc::compile(&repo.join("spec"), &repo.join("generated")) {
            Ok(compiled) => compiled.model,
            Err(error) => panic!("the example spec compiles: {error}"),
        }
    })
}

fn selection(
    env: &str,
    os: Option<&str>,
    platform: Option<&str>,
    edition: Option<&str>,
) -> Selection {
    Selection {
        env: env.to_owned(),
        os: os.map(str::to_owned),
        platform: platform.map(|p| runner::parse_platform(p).expect("a platform")),
        edition: edition.map(str::to_owned),
    }
}

fn plan(selection: &Selection, out: &Path) -> Plan {
    match runner::select(model(), out, selection) {
        Ok(plan) => plan,
        Err(error) => panic!("{selection:?} selects sources: {error}"),
    }
}

/// The build version of the tests that do not test versions.
const VERSION: &str = "1.4.0";

fn options(jobs: usize, version: &str, force: bool) -> BuildOptions {
    BuildOptions {
        jobs,
        version: BuildVersion::new(version, VersionOrigin::Flag).expect("a valid version"),
        force,
    }
}

/// What `hybridc build --dry-run --build-version 1.4.0` shows: the commands, then the
/// credentials needed.
fn dry_run(selection: &Selection, jobs: usize) -> String {
    let plan = plan(selection, Path::new("generated"));
    let mut text = String::new();
    for command in runner::commands(&plan, &options(jobs, VERSION, false)) {
        text.push_str(&runner::shell_quote(&command));
        text.push('\n');
    }
    text.push_str(&format!("credentials: {}\n", plan.credentials.join(" ")));
    text
}

/// Compares with `tests/fixtures/runner/<name>.txt`, or rewrites it under `HYBRIDC_BLESS`.
fn snapshot(name: &str, actual: &str) {
    golden(
        &repo()
            .join("tests/fixtures/runner")
            .join(format!("{name}.txt")),
        actual,
    );
}

#[test]
fn dry_run_everything_in_dev() {
    snapshot("dev", &dry_run(&selection("dev", None, None, None), 1));
}

#[test]
fn dry_run_one_os_in_prod() {
    snapshot(
        "prod-ubuntu-2404",
        &dry_run(&selection("prod", Some("ubuntu-2404"), None, None), 1),
    );
}

#[test]
fn dry_run_one_platform() {
    snapshot(
        "dev-azure",
        &dry_run(&selection("dev", None, Some("azure"), None), 1),
    );
}

#[test]
fn dry_run_one_windows_edition() {
    snapshot(
        "dev-windows-2022-standard",
        &dry_run(
            &selection("dev", Some("windows-2022"), None, Some("standard")),
            1,
        ),
    );
}

#[test]
fn dry_run_one_os_on_one_platform() {
    // Spelled out here as well, so the shape of a command is visible without the fixtures.
    let text = dry_run(&selection("dev", Some("rocky-9"), Some("vsphere"), None), 1);
    assert_eq!(
        text,
        "packer init generated\n\
         packer build -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1 \
         -only=rocky-9.vsphere-iso.rocky-9 -var-file=generated/env/dev.pkrvars.hcl \
         -var build_version=1.4.0 generated\n\
         credentials: BUILD_PASSWORD BUILD_PASSWORD_HASH VSPHERE_PASSWORD\n"
    );
    snapshot("dev-rocky-9-vsphere", &text);
}

#[test]
fn dry_run_with_three_jobs_has_one_build_per_source() {
    let text = dry_run(&selection("dev", None, None, None), 3);
    snapshot("dev-jobs-3", &text);
    let one = dry_run(&selection("dev", None, None, None), 1);
    let sources = plan(&selection("dev", None, None, None), Path::new("generated"))
        .sources
        .len();
    assert_eq!(text.lines().count(), 1 + sources + 1);
    assert_eq!(one.lines().count(), 3);
    // The same selectors, in the same order.
    let only = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .filter_map(|w| w.strip_prefix("-only="))
            .flat_map(|w| w.split(','))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(only(&text), only(&one));
}

#[test]
fn everything_is_every_source_in_build_order() {
    let plan = plan(&selection("dev", None, None, None), Path::new("generated"));
    assert_eq!(plan.sources.len(), model().sources.len());
    let oses: Vec<&str> = plan.sources.iter().map(|s| s.os.as_str()).collect();
    let mut sorted = oses.clone();
    sorted.sort();
    assert_eq!(
        oses, sorted,
        "sources are grouped by build, builds in order"
    );
    assert_eq!(plan.env_file, Path::new("generated/env/dev.pkrvars.hcl"));
}

fn select_error(selection: &Selection) -> String {
    match runner::select(model(), Path::new("generated"), selection) {
        Ok(plan) => panic!("{selection:?} should not select, got {:?}", plan.sources),
        Err(error) => error.to_string(),
    }
}

#[test]
fn unknown_environment_suggests_a_close_one() {
    assert_eq!(
        select_error(&selection("prd", None, None, None)),
        "no environment `prd` in the spec; did you mean `prod`?"
    );
    assert_eq!(
        select_error(&selection("qa", None, None, None)),
        "no environment `qa` in the spec; it has `dev` and `prod`"
    );
}

#[test]
fn unknown_os_suggests_a_close_one() {
    assert_eq!(
        select_error(&selection("dev", Some("ubunt-2404"), None, None)),
        "no OS `ubunt-2404` in the spec; did you mean `ubuntu-2404`?"
    );
    assert_eq!(
        select_error(&selection("dev", Some("arch"), None, None)),
        "no OS `arch` in the spec; it has `debian-12`, `rocky-9`, `ubuntu-2404` and `windows-2022`"
    );
}

#[test]
fn editions_belong_to_windows() {
    assert_eq!(
        select_error(&selection(
            "dev",
            Some("ubuntu-2404"),
            None,
            Some("standard")
        )),
        "OS `ubuntu-2404` has no editions (only Windows OSes have them)"
    );
    assert_eq!(
        select_error(&selection(
            "dev",
            Some("windows-2022"),
            None,
            Some("standart")
        )),
        "OS `windows-2022` has no edition `standart`; did you mean `standard`?"
    );
    assert_eq!(
        select_error(&selection("dev", None, None, Some("core"))),
        "no OS has an edition `core`; editions are `standard` and `datacenter`"
    );
    // Without an OS, an edition selects it on every Windows OS.
    let plan = plan(
        &selection("dev", None, None, Some("datacenter")),
        Path::new("generated"),
    );
    assert_eq!(
        selectors(&plan),
        [
            "windows-2022.proxmox-iso.windows-2022-datacenter",
            "windows-2022.vsphere-iso.windows-2022-datacenter",
            "windows-2022.azure-arm.windows-2022-datacenter",
        ]
    );
}

#[test]
fn platform_must_be_one_the_selection_builds_on() {
    assert_eq!(
        select_error(&selection("dev", Some("rocky-9"), Some("azure"), None)),
        "OS `rocky-9` is not built on `azure`; it is built on `proxmox` and `vsphere`"
    );
    assert_eq!(
        select_error(&selection(
            "dev",
            Some("windows-2022"),
            Some("azure"),
            Some("standard")
        )),
        "edition `standard` of `windows-2022` is not built on `azure`; it is built on `proxmox` and `vsphere`"
    );
}

fn selectors(plan: &Plan) -> Vec<&str> {
    plan.sources.iter().map(|s| s.selector.as_str()).collect()
}

#[test]
fn credentials_are_those_of_the_selected_sources() {
    let proxmox = plan(
        &selection("dev", Some("ubuntu-2404"), Some("proxmox"), None),
        Path::new("generated"),
    );
    assert_eq!(selectors(&proxmox), ["ubuntu-2404.proxmox-iso.ubuntu-2404"]);
    assert_eq!(proxmox.sources[0].platform, PlatformName::Proxmox);
    // The token, the password Packer connects with, and the hash the installer receives
    // through a local: not the vSphere password, not the Azure service principal.
    assert_eq!(
        proxmox.credentials,
        ["BUILD_PASSWORD", "BUILD_PASSWORD_HASH", "PROXMOX_TOKEN"]
    );

    let azure = plan(
        &selection("dev", None, Some("azure"), None),
        Path::new("generated"),
    );
    for name in [
        "ARM_CLIENT_ID",
        "ARM_CLIENT_SECRET",
        "ARM_SUBSCRIPTION_ID",
        "ARM_TENANT_ID",
    ] {
        assert!(azure.credentials.iter().any(|c| c == name), "{name}");
    }
    assert!(!azure.credentials.iter().any(|c| c == "PROXMOX_TOKEN"));
    assert!(!azure.credentials.iter().any(|c| c == "VSPHERE_PASSWORD"));

    let everything = plan(&selection("dev", None, None, None), Path::new("generated"));
    assert_eq!(
        everything.credentials,
        [
            "ARM_CLIENT_ID",
            "ARM_CLIENT_SECRET",
            "ARM_SUBSCRIPTION_ID",
            "ARM_TENANT_ID",
            "BUILD_PASSWORD",
            "BUILD_PASSWORD_HASH",
            "PROXMOX_TOKEN",
            "VSPHERE_PASSWORD",
        ]
    );
}

#[test]
fn missing_credentials_are_unset_or_empty() {
    let plan = plan(
        &selection("dev", Some("ubuntu-2404"), Some("proxmox"), None),
        Path::new("generated"),
    );
    let env = |name: &str| match name {
        "PROXMOX_TOKEN" => Some("secret".to_owned()),
        "BUILD_PASSWORD" => Some(String::new()),
        _ => None,
    };
    assert_eq!(
        runner::missing_credentials(&plan, env),
        ["BUILD_PASSWORD", "BUILD_PASSWORD_HASH"]
    );
    assert!(runner::missing_credentials(&plan, |_| Some("x".to_owned())).is_empty());
}

// ---- run ---------------------------------------------------------------------------------

/// A fresh folder for one test, standing in for the generated tree.
fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hybridc-runner-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The fake `packer`, copied once per test process into `target/tmp` and made executable.
fn fake_packer() -> &'static Path {
    static FAKE: OnceLock<PathBuf> = OnceLock::new();
    FAKE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hybridc-runner-bin");
        std::fs::create_dir_all(&dir).expect("bin dir");
        // Written aside and renamed, so another test process running the script meets
        // either the old file or the new one, never a half-written one.
        let partial = dir.join(format!("packer-{}", std::process::id()));
        std::fs::copy(
            repo().join("tests/fixtures/runner/fake-packer.sh"),
            &partial,
        )
        .expect("copy the fake packer");
        make_executable(&partial);
        let path = dir.join("packer");
        std::fs::rename(&partial, &path).expect("rename the fake packer");
        path
    })
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

struct Ran {
    result: Result<RunReport, RunError>,
    out: String,
    err: String,
}

/// Runs `plan` with `packer`; retries while the freshly written script is "text file busy"
/// (another test thread forked while it was open for writing), which starts nothing.
fn run(plan: &Plan, jobs: usize, packer: &Path) -> Ran {
    run_with(plan, &options(jobs, VERSION, false), packer)
}

fn run_with(plan: &Plan, options: &BuildOptions, packer: &Path) -> Ran {
    for _ in 0..50 {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let result = runner::run(plan, options, packer, &mut out, &mut err);
        if let Err(RunError::Spawn { error, .. }) = &result
            && error.raw_os_error() == Some(26)
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
            continue;
        }
        return Ran {
            result,
            out: String::from_utf8_lossy(&out).into_owned(),
            err: String::from_utf8_lossy(&err).into_owned(),
        };
    }
    panic!("`{}` stayed busy", packer.display());
}

fn report(ran: &Ran) -> &RunReport {
    match &ran.result {
        Ok(report) => report,
        Err(error) => panic!("the run starts: {error}\n{}{}", ran.out, ran.err),
    }
}

fn log(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("packer.log"))
        .expect("the fake packer ran")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn ubuntu_plan(dir: &Path) -> Plan {
    plan(&selection("dev", Some("ubuntu-2404"), None, None), dir)
}

const UBUNTU: [&str; 3] = [
    "ubuntu-2404.proxmox-iso.ubuntu-2404",
    "ubuntu-2404.vsphere-iso.ubuntu-2404",
    "ubuntu-2404.azure-arm.ubuntu-2404",
];

fn build_line(dir: &Path, only: &str) -> String {
    let d = dir.display();
    format!(
        "build -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1 -only={only} \
         -var-file={d}/env/dev.pkrvars.hcl -var build_version={VERSION} {d}"
    )
}

#[test]
fn run_inits_then_builds_with_one_job() {
    let dir = temp_dir("one-job");
    let plan = ubuntu_plan(&dir);
    let ran = run(&plan, 1, fake_packer());
    let report = report(&ran);
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(
        report.builds,
        UBUNTU.map(|s| BuildOutcome {
            selector: s.to_owned(),
            status: BuildStatus::Succeeded
        })
    );
    assert_eq!(
        log(&dir),
        [
            format!("init {}", dir.display()),
            build_line(&dir, &UBUNTU.join(","))
        ]
    );
    // Streamed as Packer wrote it, without prefixes, with no terminal to ask on and no colour.
    assert!(ran.out.starts_with(
        "fake packer init: stdin closed, CHECKPOINT_DISABLE=1 PACKER_NO_COLOR=1\n\
         ==> ubuntu-2404.proxmox-iso.ubuntu-2404: building (stdin closed)\n"
    ));
    assert_eq!(ran.out.lines().count(), 1 + 2 * UBUNTU.len(), "{}", ran.out);
    assert!(!ran.out.contains('['));
    assert_eq!(ran.err, "");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_job_reports_which_source_failed() {
    let dir = temp_dir("one-job-failing");
    std::fs::write(dir.join("fail-only"), UBUNTU[1]).expect("write");
    let ran = run(&ubuntu_plan(&dir), 1, fake_packer());
    let report = report(&ran);
    assert!(!report.succeeded());
    let failed: Vec<&BuildOutcome> = report.failed().collect();
    assert_eq!(
        failed,
        [&BuildOutcome {
            selector: UBUNTU[1].to_owned(),
            status: BuildStatus::Failed { exit_code: Some(1) }
        }]
    );
    assert_eq!(
        ran.err,
        format!(
            "Build '{}' errored after 1 second: fake failure\n",
            UBUNTU[1]
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_build_does_not_stop_the_others_with_two_jobs() {
    let dir = temp_dir("two-jobs");
    std::fs::write(dir.join("fail-only"), UBUNTU[1]).expect("write");
    let ran = run(&ubuntu_plan(&dir), 2, fake_packer());
    let report = report(&ran);
    assert!(!report.succeeded());
    assert_eq!(
        report.builds,
        [
            BuildOutcome {
                selector: UBUNTU[0].to_owned(),
                status: BuildStatus::Succeeded
            },
            BuildOutcome {
                selector: UBUNTU[1].to_owned(),
                status: BuildStatus::Failed { exit_code: Some(1) }
            },
            BuildOutcome {
                selector: UBUNTU[2].to_owned(),
                status: BuildStatus::Succeeded
            },
        ]
    );
    assert_eq!(report.builds[1].status.to_string(), "failed (exit code 1)");
    // Init first and alone; then one build per source, in any order.
    let log = log(&dir);
    assert_eq!(log[0], format!("init {}", dir.display()));
    let mut builds = log[1..].to_vec();
    builds.sort();
    let mut expected: Vec<String> = UBUNTU.iter().map(|s| build_line(&dir, s)).collect();
    expected.sort();
    assert_eq!(builds, expected);
    // Every build line carries its source; init's line does not.
    let mut lines = ran.out.lines();
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("fake packer init:"))
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), 2 * UBUNTU.len() - 1, "{}", ran.out);
    for selector in UBUNTU {
        let prefix = format!("[{selector}] ");
        assert!(
            rest.contains(&format!("{prefix}==> {selector}: building (stdin closed)").as_str()),
            "{}",
            ran.out
        );
    }
    assert!(
        rest.iter().all(|l| l.starts_with("[ubuntu-2404.")),
        "{}",
        ran.out
    );
    assert_eq!(
        ran.err,
        format!(
            "[{0}] Build '{0}' errored after 1 second: fake failure\n",
            UBUNTU[1]
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_init_builds_nothing() {
    let dir = temp_dir("init-failing");
    std::fs::write(dir.join("fail-init"), "").expect("write");
    let ran = run(&ubuntu_plan(&dir), 2, fake_packer());
    match &ran.result {
        Err(error @ RunError::Init { exit_code: Some(1) }) => assert_eq!(
            error.to_string(),
            "`packer init` failed with exit code 1; nothing was built"
        ),
        other => panic!("expected a failed init, got {other:?}"),
    }
    assert_eq!(log(&dir), [format!("init {}", dir.display())]);
    assert_eq!(ran.err, "Error: failed to install plugins\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_packer_runs_nothing() {
    let dir = temp_dir("missing");
    let packer = dir.join("no-such-packer");
    let ran = run(&ubuntu_plan(&dir), 1, &packer);
    match &ran.result {
        Err(error @ RunError::Spawn { .. }) => assert_eq!(
            error.to_string(),
            format!(
                "cannot run `{}`: not found; install Packer 1.11 or newer and put it on `PATH`",
                packer.display()
            )
        ),
        other => panic!("expected a spawn error, got {other:?}"),
    }
    assert!(!dir.join("packer.log").exists());
    assert_eq!(ran.out, "");
    assert_eq!(ran.err, "");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- the real packer -----------------------------------------------------------------------

fn real_packer() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("packer"))
        .find(|p| p.is_file())
}

/// The flags and selectors hybridc passes, against the real `packer build` with the `null`
/// builder: it accepts every flag, builds exactly the selected sources, and its
/// `Build '<name>' finished/errored` lines tell the sources of one process apart.
#[test]
fn real_packer_accepts_the_flags_and_selectors() {
    if !tool("packer", "apt-get install packer") {
        return;
    }
    let packer = real_packer().expect("packer is on PATH");
    let dir = temp_dir("real");
    std::fs::create_dir_all(dir.join("env")).expect("env dir");
    std::fs::write(dir.join("env/dev.pkrvars.hcl"), "greeting = \"hello\"\n").expect("write");
    std::fs::write(
        dir.join("null.pkr.hcl"),
        r#"variable "greeting" {
  type    = string
  default = "unset"
}

variable "build_version" {
  type    = string
  default = "dev"
}

source "null" "a" {
  communicator = "none"
}

source "null" "b" {
  communicator = "none"
}

source "null" "c" {
  communicator = "none"
}

build {
  name    = "os"
  sources = ["source.null.a", "source.null.b", "source.null.c"]

  provisioner "shell-local" {
    inline = ["echo ${var.greeting} from ${source.name} at ${var.build_version}"]
  }

  provisioner "shell-local" {
    only   = ["null.b"]
    inline = ["exit 3"]
  }
}
"#,
    )
    .expect("write");
    // `packer init` needs Packer 1.7 and a network; the null builder needs neither.
    let wrapper = dir.join("packer-wrapper");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n[ \"$1\" = init ] && exit 0\nexec '{}' \"$@\"\n",
            packer.display()
        ),
    )
    .expect("write");
    make_executable(&wrapper);
    let selected = |names: &[&str]| Plan {
        env: "dev".to_owned(),
        sources: names
            .iter()
            .map(|n| runner::Planned {
                selector: format!("os.null.{n}"),
                os: "os".to_owned(),
                platform: PlatformName::Proxmox,
                edition: None,
            })
            .collect(),
        env_file: dir.join("env/dev.pkrvars.hcl"),
        out_dir: dir.clone(),
        credentials: Vec::new(),
        requirements: BTreeMap::new(),
        required_version: ">= 1.6.0".to_owned(),
    };
    let plan = selected(&["a", "b"]);
    let expected = [
        BuildOutcome {
            selector: "os.null.a".to_owned(),
            status: BuildStatus::Succeeded,
        },
        BuildOutcome {
            selector: "os.null.b".to_owned(),
            status: BuildStatus::Failed { exit_code: Some(1) },
        },
    ];
    // `-force` is accepted too; the null builder has nothing to replace.
    for (jobs, force) in [(1, false), (2, true)] {
        let ran = run_with(
            &plan,
            &options(jobs, "v1.2.0-3-g1a2b3c4-dirty", force),
            &wrapper,
        );
        let report = report(&ran);
        assert_eq!(
            report.builds, expected,
            "jobs {jobs}:\n{}{}",
            ran.out, ran.err
        );
        let all = format!("{}{}", ran.out, ran.err);
        assert!(
            all.contains("hello from a at v1.2.0-3-g1a2b3c4-dirty"),
            "{all}"
        );
        assert!(!all.contains("from c"), "`c` was not selected:\n{all}");
        assert!(!all.contains("\u{1b}["), "no colour:\n{all}");
        if jobs == 2 {
            assert!(all.contains("[os.null.a] "), "{all}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- the build version -----------------------------------------------------------------------

fn version_error(text: &str, origin: VersionOrigin) -> runner::VersionError {
    match BuildVersion::new(text, origin) {
        Ok(version) => panic!("`{text}` should be invalid, got {version:?}"),
        Err(error) => error,
    }
}

#[test]
fn git_describe_results_and_timestamps_are_valid_build_versions() {
    for text in [
        "v1.2.0-3-g1a2b3c4-dirty",
        "v1.2.0",
        "1a2b3c4",
        "1a2b3c4-dirty",
        "20261130-084512",
        "1.4.0",
        "a",
        "RC1.b-2.3",
        &"x".repeat(runner::BUILD_VERSION_MAX),
    ] {
        let version = BuildVersion::new(text, VersionOrigin::Git)
            .unwrap_or_else(|e| panic!("`{text}` is valid: {e}"));
        assert_eq!(version.as_str(), text);
        assert_eq!(version.to_string(), text);
        assert_eq!(version.origin(), VersionOrigin::Git);
    }
}

#[test]
fn invalid_build_versions_say_what_is_wrong() {
    let too_long = "x".repeat(runner::BUILD_VERSION_MAX + 1);
    for (text, problem) in [
        ("", VersionProblem::Empty),
        (too_long.as_str(), VersionProblem::TooLong { chars: 41 }),
        ("release/1.2", VersionProblem::Character { found: '/' }),
        ("v1_2", VersionProblem::Character { found: '_' }),
        ("1.2 ", VersionProblem::Character { found: ' ' }),
        ("v1\n", VersionProblem::Character { found: '\n' }),
        ("versión", VersionProblem::Character { found: 'ó' }),
        ("1..2", VersionProblem::EmptyLabel),
        (".1", VersionProblem::EmptyLabel),
        ("1.", VersionProblem::EmptyLabel),
        (
            "-v1",
            VersionProblem::Hyphen {
                label: "-v1".to_owned(),
            },
        ),
        (
            "v1-",
            VersionProblem::Hyphen {
                label: "v1-".to_owned(),
            },
        ),
        (
            "v1.-2",
            VersionProblem::Hyphen {
                label: "-2".to_owned(),
            },
        ),
    ] {
        let error = version_error(text, VersionOrigin::Flag);
        assert_eq!(error.problem, problem, "{text:?}");
        assert_eq!(error.value, text);
    }
}

#[test]
fn a_build_version_error_names_the_value_its_origin_and_the_rule() {
    assert_eq!(
        version_error("release/1.2", VersionOrigin::Flag).to_string(),
        "build version `release/1.2` (from `--build-version`) cannot be part of artifact names: \
         `/` is not allowed; a build version is 1 to 40 characters, dot-separated labels of ASCII \
         letters, digits and `-` that start and end with a letter or digit"
    );
    // From git, the way out is named too.
    assert_eq!(
        version_error("v1.2.0-", VersionOrigin::Git).to_string(),
        "build version `v1.2.0-` (from `git describe`) cannot be part of artifact names: its \
         label `0-` starts or ends with `-`; a build version is 1 to 40 characters, \
         dot-separated labels of ASCII letters, digits and `-` that start and end with a letter \
         or digit; choose one with `--build-version`"
    );
    // A control character is shown escaped, not written to the terminal.
    assert!(
        version_error("v1\u{1b}[31m", VersionOrigin::Flag)
            .to_string()
            .starts_with("build version `v1\\u{1b}[31m` (from `--build-version`)")
    );
}

#[test]
fn the_clock_version_is_the_utc_time() {
    for (secs, text) in [
        (0, "19700101-000000"),
        (1_732_540_000, "20241125-130640"),
        (1_796_028_312, "20261130-084512"),
        (951_782_400, "20000229-000000"),
        (253_402_300_799, "99991231-235959"),
    ] {
        let version = BuildVersion::from_time(secs).expect("a valid version");
        assert_eq!(version.as_str(), text, "{secs}");
        assert_eq!(version.origin(), VersionOrigin::Clock);
    }
    // A negative year cannot start a name; it is an error, not a panic.
    assert!(BuildVersion::from_time(i64::MIN).is_err());
}

#[test]
fn the_flag_wins_then_git_then_the_clock() {
    let from_flag = runner::build_version(
        Some("1.4.0"),
        || panic!("git is not asked when the flag is given"),
        || panic!("the clock is not read when the flag is given"),
    )
    .expect("valid");
    assert_eq!(
        (from_flag.as_str(), from_flag.origin()),
        ("1.4.0", VersionOrigin::Flag)
    );
    let from_git = runner::build_version(
        None,
        || Some("v1.2.0-3-g1a2b3c4-dirty".to_owned()),
        || panic!("the clock is not read in a git work tree"),
    )
    .expect("valid");
    assert_eq!(
        (from_git.as_str(), from_git.origin()),
        ("v1.2.0-3-g1a2b3c4-dirty", VersionOrigin::Git)
    );
    let from_clock = runner::build_version(None, || None, || 1_796_028_312).expect("valid");
    assert_eq!(
        (from_clock.as_str(), from_clock.origin()),
        ("20261130-084512", VersionOrigin::Clock)
    );
    // Every source is checked, and a bad one is not papered over by the next.
    let error =
        runner::build_version(None, || Some("feature/x".to_owned()), || 0).expect_err("invalid");
    assert_eq!(error.origin, VersionOrigin::Git);
    let error = runner::build_version(Some("a b"), || None, || 0).expect_err("invalid");
    assert_eq!(error.origin, VersionOrigin::Flag);
}

/// Runs git in `dir` with a fixed identity and no signing; panics when it fails.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=hybridc",
            "-c",
            "user.email=hybridc@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn git_describe_names_the_tag_the_commits_since_and_local_changes() {
    if !tool("git", "apt-get install git") {
        return;
    }
    let dir = temp_dir("describe");
    git(&dir, &["init", "-q"]);
    // No commit yet: nothing to describe.
    assert_eq!(runner::git_describe(&dir), None);
    std::fs::write(dir.join("notes.txt"), "one\n").expect("write");
    git(&dir, &["add", "notes.txt"]);
    git(&dir, &["commit", "-q", "-m", "one"]);
    // No tag: the abbreviated commit.
    let commit = runner::git_describe(&dir).expect("a commit");
    assert!(
        commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()),
        "{commit}"
    );
    git(&dir, &["tag", "-a", "v1.2.0", "-m", "v1.2.0"]);
    assert_eq!(runner::git_describe(&dir).as_deref(), Some("v1.2.0"));
    std::fs::write(dir.join("notes.txt"), "two\n").expect("write");
    assert_eq!(runner::git_describe(&dir).as_deref(), Some("v1.2.0-dirty"));
    git(&dir, &["commit", "-q", "-a", "-m", "two"]);
    let described = runner::git_describe(&dir).expect("described");
    assert!(described.starts_with("v1.2.0-1-g"), "{described}");
    assert!(
        BuildVersion::new(&described, VersionOrigin::Git).is_ok(),
        "{described}"
    );
    // A folder that does not exist is not a work tree either.
    assert_eq!(runner::git_describe(&dir.join("no-such-folder")), None);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- the command lines ---------------------------------------------------------------------

#[test]
fn every_build_carries_the_build_version_and_force_only_when_asked() {
    let plan = plan(
        &selection("dev", Some("windows-2022"), None, None),
        Path::new("generated"),
    );
    for jobs in [1, 3] {
        for force in [false, true] {
            let commands = runner::commands(&plan, &options(jobs, "v1.2.0-3-g1a2b3c4", force));
            assert_eq!(commands[0], ["packer", "init", "generated"]);
            let builds = &commands[1..];
            assert_eq!(builds.len(), if jobs == 1 { 1 } else { plan.sources.len() });
            for build in builds {
                let var = build
                    .iter()
                    .position(|a| a == "-var")
                    .expect("a -var argument");
                assert_eq!(build[var + 1], "build_version=v1.2.0-3-g1a2b3c4");
                assert_eq!(build.iter().filter(|a| *a == "-var").count(), 1);
                // After the var file, so the version given wins over any value in it.
                let var_file = build
                    .iter()
                    .position(|a| a.starts_with("-var-file="))
                    .expect("a var file");
                assert!(var_file < var, "{build:?}");
                assert_eq!(build.last().map(String::as_str), Some("generated"));
                let forced = build.iter().position(|a| a == "-force");
                match (force, forced) {
                    (false, None) => {}
                    (true, Some(i)) => {
                        let only = build
                            .iter()
                            .position(|a| a.starts_with("-only="))
                            .expect("-only");
                        assert!(i < only, "{build:?}");
                    }
                    _ => panic!("force {force}: {build:?}"),
                }
            }
        }
    }
}

#[test]
fn force_reaches_the_fake_packer() {
    let dir = temp_dir("force");
    let plan = plan(
        &selection("dev", Some("ubuntu-2404"), Some("proxmox"), None),
        &dir,
    );
    let ran = run_with(&plan, &options(1, "20261130-084512", true), fake_packer());
    assert!(report(&ran).succeeded(), "{}{}", ran.out, ran.err);
    let d = dir.display();
    assert_eq!(
        log(&dir),
        [
            format!("init {d}"),
            format!(
                "build -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1 -force \
                 -only=ubuntu-2404.proxmox-iso.ubuntu-2404 -var-file={d}/env/dev.pkrvars.hcl \
                 -var build_version=20261130-084512 {d}"
            ),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- what the build host needs ---------------------------------------------------------------

fn requirements(plan: &Plan) -> Vec<(Requirement, Vec<&str>)> {
    plan.requirements
        .iter()
        .map(|(r, sources)| (*r, sources.iter().map(String::as_str).collect()))
        .collect()
}

#[test]
fn the_example_needs_iso_tools_for_cd_files_ansible_and_pywinrm_for_windows() {
    let get = |os: &str, platform: &str| {
        plan(
            &selection("dev", Some(os), Some(platform), None),
            Path::new("generated"),
        )
    };
    // An HTTP seed: no CD; the Ansible step runs over SSH.
    assert_eq!(
        requirements(&get("ubuntu-2404", "proxmox")),
        [(
            Requirement::Ansible,
            vec!["ubuntu-2404.proxmox-iso.ubuntu-2404"]
        )]
    );
    // A CD seed: `cd_content` at the top level on vSphere, inside `additional_iso_files` on
    // Proxmox.
    for (platform, selector) in [
        ("vsphere", "rocky-9.vsphere-iso.rocky-9"),
        ("proxmox", "rocky-9.proxmox-iso.rocky-9"),
    ] {
        assert_eq!(
            requirements(&get("rocky-9", platform)),
            [
                (Requirement::IsoTool, vec![selector]),
                (Requirement::Ansible, vec![selector]),
            ]
        );
    }
    // Windows: the answer file on a CD, and Ansible over WinRM; on Azure, no CD.
    let windows = [
        "windows-2022.proxmox-iso.windows-2022-standard",
        "windows-2022.proxmox-iso.windows-2022-datacenter",
    ];
    assert_eq!(
        requirements(&get("windows-2022", "proxmox")),
        [
            (Requirement::IsoTool, windows.to_vec()),
            (Requirement::Ansible, windows.to_vec()),
            (Requirement::Pywinrm, windows.to_vec()),
        ]
    );
    let azure = ["windows-2022.azure-arm.windows-2022-datacenter"];
    assert_eq!(
        requirements(&get("windows-2022", "azure")),
        [
            (Requirement::Ansible, azure.to_vec()),
            (Requirement::Pywinrm, azure.to_vec()),
        ]
    );
    assert_eq!(
        get("ubuntu-2404", "proxmox").required_version,
        model().required_version
    );
}

/// A model of one OS on two platforms, with one Ansible step limited to the sources of the
/// builders `only`.
fn tiny_model(proxmox: hybridc::model::Args, only: &[hybridc::catalogue::Component]) -> Model {
    use hybridc::catalogue::Component;
    use hybridc::hcl::Expr;
    use hybridc::model::{Args, Build, EnvFile, Source, SourceRef, Step};
    let win = |component| SourceRef {
        component,
        name: "win".to_owned(),
    };
    let mut vsphere = Args::default();
    vsphere.attr(
        "communicator",
        Expr::String("winrm".to_owned()),
        &Pointer::root(),
    );
    let source = |platform, component, body| Source {
        platform,
        component,
        name: "win".to_owned(),
        os: "win".to_owned(),
        edition: None,
        body,
        origin: Pointer::new(&["oses", "win"]),
    };
    Model {
        required_version: ">= 1.11.0".to_owned(),
        sources: vec![
            source(PlatformName::Proxmox, Component::ProxmoxIso, proxmox),
            source(PlatformName::Vsphere, Component::VsphereIso, vsphere),
        ],
        builds: vec![Build {
            name: "win".to_owned(),
            sources: vec![win(Component::ProxmoxIso), win(Component::VsphereIso)],
            provisioners: vec![Step {
                component: Component::Ansible,
                body: Args::default(),
                only: only.iter().map(|c| win(*c)).collect(),
                origin: Pointer::new(&["provisioning"]),
            }],
            post_processors: Vec::new(),
        }],
        environments: vec![EnvFile {
            name: "dev".to_owned(),
            values: Vec::new(),
        }],
        ..Model::default()
    }
}

#[test]
fn requirements_follow_nested_blocks_and_only_lists() {
    use hybridc::catalogue::Component;
    use hybridc::hcl::Expr;
    use hybridc::model::Args;
    let select = |model: &Model| {
        runner::select(
            model,
            Path::new("generated"),
            &selection("dev", None, None, None),
        )
        .expect("selects")
    };
    // `cd_files` in a dynamic block nested in a block counts; an empty list does not.
    let mut inner = Args::default();
    inner.attr(
        "cd_files",
        Expr::List(vec![Expr::String("a".to_owned())]),
        &Pointer::root(),
    );
    let mut outer = Args::default();
    outer.dynamic("iso", Expr::List(Vec::new()), inner, &Pointer::root());
    let mut proxmox = Args::default();
    proxmox.attr("cd_content", Expr::Object(Vec::new()), &Pointer::root());
    proxmox.block("additional_iso_files", outer, &Pointer::root());
    let plan = select(&tiny_model(proxmox, &[Component::VsphereIso]));
    // The Ansible step runs only on vSphere, which has no CD but speaks WinRM.
    assert_eq!(
        requirements(&plan),
        [
            (Requirement::IsoTool, vec!["win.proxmox-iso.win"]),
            (Requirement::Ansible, vec!["win.vsphere-iso.win"]),
            (Requirement::Pywinrm, vec!["win.vsphere-iso.win"]),
        ]
    );
    let mut empty = Args::default();
    empty.attr("cd_files", Expr::List(Vec::new()), &Pointer::root());
    empty.attr("cd_content", Expr::Null, &Pointer::root());
    let plan = select(&tiny_model(empty, &[Component::ProxmoxIso]));
    // Proxmox has no WinRM communicator here: Ansible, but no pywinrm; no CD at all.
    assert_eq!(
        requirements(&plan),
        [(Requirement::Ansible, vec!["win.proxmox-iso.win"])]
    );
}

/// A build host made up for the preflight: the programs on its `PATH`, what `packer version`
/// prints, and the Python modules it has.
struct FakeHost {
    programs: BTreeSet<&'static str>,
    packer_version: Result<String, String>,
    modules: BTreeSet<&'static str>,
}

const FAKE_BIN: &str = "/fake/bin";

impl FakeHost {
    /// Packer 1.11.2, every ISO tool, Ansible and pywinrm.
    fn complete() -> Self {
        FakeHost {
            programs: [
                "packer",
                "xorriso",
                "mkisofs",
                "genisoimage",
                "oscdimg",
                "ansible-playbook",
                "python3",
            ]
            .into(),
            packer_version: Ok("Packer v1.11.2\n".to_owned()),
            modules: ["winrm"].into(),
        }
    }

    fn empty() -> Self {
        FakeHost {
            programs: BTreeSet::new(),
            packer_version: Err("not installed".to_owned()),
            modules: BTreeSet::new(),
        }
    }

    fn without(mut self, programs: &[&str]) -> Self {
        self.programs.retain(|p| !programs.contains(p));
        self
    }

    fn with(mut self, program: &'static str) -> Self {
        self.programs.insert(program);
        self
    }

    fn printing(mut self, version: Result<&str, &str>) -> Self {
        self.packer_version = version.map(str::to_owned).map_err(str::to_owned);
        self
    }
}

impl Host for FakeHost {
    fn find(&self, program: &Path) -> Option<PathBuf> {
        let name = program.to_str()?;
        self.programs
            .contains(name)
            .then(|| Path::new(FAKE_BIN).join(name))
    }

    fn packer_version(&self, packer: &Path) -> Result<String, String> {
        assert_eq!(
            packer,
            Path::new(FAKE_BIN).join("packer"),
            "the packer found is asked"
        );
        self.packer_version.clone()
    }

    fn python_imports(&self, module: &str) -> bool {
        self.programs.contains("python3") && self.modules.contains(module)
    }
}

/// Windows on Proxmox: every requirement, on two sources.
fn windows_plan() -> Plan {
    let mut plan = plan(
        &selection("dev", Some("windows-2022"), Some("proxmox"), None),
        Path::new("generated"),
    );
    plan.required_version = ">= 1.11.0".to_owned();
    plan
}

const WINDOWS_PROXMOX: &str = "`windows-2022.proxmox-iso.windows-2022-standard` and \
                               `windows-2022.proxmox-iso.windows-2022-datacenter`";

fn problems(host: &FakeHost) -> Vec<String> {
    let preflight = runner::preflight(&windows_plan(), Path::new("packer"), host);
    preflight.problems.iter().map(ToString::to_string).collect()
}

#[test]
fn preflight_passes_when_the_host_has_everything() {
    let preflight = runner::preflight(&windows_plan(), Path::new("packer"), &FakeHost::complete());
    assert!(preflight.is_ok(), "{preflight:?}");
    assert_eq!(preflight.warnings, []);
    // Any one ISO tool is enough.
    for tool in runner::ISO_TOOLS {
        let host = FakeHost::complete().without(&runner::ISO_TOOLS).with(tool);
        assert_eq!(problems(&host), Vec::<String>::new(), "{tool}");
    }
    // Linux over SSH with an HTTP seed needs neither an ISO tool nor pywinrm.
    let mut linux = plan(
        &selection("dev", Some("ubuntu-2404"), Some("proxmox"), None),
        Path::new("generated"),
    );
    linux.required_version = ">= 1.11.0".to_owned();
    let host = FakeHost::complete()
        .without(&runner::ISO_TOOLS)
        .without(&["python3"]);
    assert!(runner::preflight(&linux, Path::new("packer"), &host).is_ok());
}

#[test]
fn preflight_names_a_missing_packer() {
    let host = FakeHost::complete().without(&["packer"]);
    let preflight = runner::preflight(&windows_plan(), Path::new("packer"), &host);
    assert_eq!(
        preflight.problems,
        [HostProblem::NoPacker {
            program: PathBuf::from("packer")
        }]
    );
    assert_eq!(
        preflight.problems[0].to_string(),
        "`packer` is not on `PATH`; install Packer from https://developer.hashicorp.com/packer/install"
    );
    // Without a packer there is no version to check, and nothing to warn about.
    assert_eq!(preflight.warnings, []);
}

#[test]
fn preflight_names_a_missing_iso_tool() {
    assert_eq!(
        problems(&FakeHost::complete().without(&runner::ISO_TOOLS)),
        [format!(
            "no ISO creation tool (`xorriso`, `mkisofs`, `genisoimage` or `oscdimg`) on `PATH`, \
             needed for the CD files of {WINDOWS_PROXMOX}; install xorriso (`apt-get install \
             xorriso`, `dnf install xorriso` or `brew install xorriso`)"
        )]
    );
}

#[test]
fn preflight_names_a_missing_ansible_playbook() {
    assert_eq!(
        problems(&FakeHost::complete().without(&["ansible-playbook"])),
        [format!(
            "`ansible-playbook` is not on `PATH`, needed for the Ansible steps of \
             {WINDOWS_PROXMOX}; install Ansible (`python3 -m pip install ansible`)"
        )]
    );
}

#[test]
fn preflight_names_a_missing_pywinrm() {
    let expected = [format!(
        "Python cannot import `winrm` (pywinrm; checked with `python3 -c \"import winrm\"`), \
         needed for Ansible over WinRM on {WINDOWS_PROXMOX}; install it with `python3 -m pip \
         install pywinrm`"
    )];
    let mut host = FakeHost::complete();
    host.modules.clear();
    assert_eq!(problems(&host), expected);
    // No python3 at all: the module is missing as well.
    assert_eq!(
        problems(&FakeHost::complete().without(&["python3"])),
        expected
    );
}

#[test]
fn preflight_lists_everything_missing_at_once() {
    let preflight = runner::preflight(&windows_plan(), Path::new("packer"), &FakeHost::empty());
    let kinds: Vec<&str> = preflight
        .problems
        .iter()
        .map(|p| match p {
            HostProblem::NoPacker { .. } => "packer",
            HostProblem::PackerVersion { .. } => "version",
            HostProblem::NoIsoTool { .. } => "iso",
            HostProblem::NoAnsible { .. } => "ansible",
            HostProblem::NoPywinrm { .. } => "pywinrm",
        })
        .collect();
    assert_eq!(kinds, ["packer", "iso", "ansible", "pywinrm"]);
    // With Packer too old as well.
    let host = FakeHost::empty()
        .with("packer")
        .printing(Ok("Packer v1.6.6\n"));
    assert_eq!(problems(&host).len(), 4);
    assert!(problems(&host)[0].starts_with("`packer` is version 1.6.6"));
}

#[test]
fn preflight_refuses_a_packer_older_than_required() {
    // Packer 1.6.6 adds a notice when a newer release exists; the first version wins.
    let host = FakeHost::complete().printing(Ok("Packer v1.6.6\n\nYour version of Packer is \
                                                  out of date! The latest version\nis 1.11.2.\n"));
    let preflight = runner::preflight(&windows_plan(), Path::new("packer"), &host);
    assert_eq!(
        preflight.problems,
        [HostProblem::PackerVersion {
            found: PackerVersion::parse("1.6.6").expect("a version"),
            required: ">= 1.11.0".to_owned(),
        }]
    );
    assert_eq!(
        preflight.problems[0].to_string(),
        "`packer` is version 1.6.6, which `packer.required_version` (`>= 1.11.0`) does not \
         allow; install a Packer it allows from https://developer.hashicorp.com/packer/install"
    );
    assert_eq!(preflight.warnings, []);
    // Too new for an upper bound is refused the same way.
    let mut plan = windows_plan();
    plan.required_version = "~> 1.10.0".to_owned();
    let preflight = runner::preflight(&plan, Path::new("packer"), &FakeHost::complete());
    assert_eq!(preflight.problems.len(), 1, "{preflight:?}");
}

#[test]
fn preflight_accepts_a_packer_the_constraint_allows() {
    for printed in [
        "Packer v1.11.2\n",
        "Packer v1.11.0",
        "1.12.1\n",
        "Packer v2.0.0 (a1b2c3d)\n",
        // A development build counts as its release.
        "Packer v1.12.0-dev\n",
    ] {
        let host = FakeHost::complete().printing(Ok(printed));
        let preflight = runner::preflight(&windows_plan(), Path::new("packer"), &host);
        assert!(preflight.is_ok(), "{printed:?}: {preflight:?}");
        assert_eq!(preflight.warnings, [], "{printed:?}");
    }
}

#[test]
fn an_unreadable_packer_version_is_only_a_warning() {
    let host = FakeHost::complete().printing(Ok("\nPacker (development build)\n"));
    let preflight = runner::preflight(&windows_plan(), Path::new("packer"), &host);
    assert!(preflight.is_ok(), "{preflight:?}");
    assert_eq!(
        preflight.warnings,
        [HostWarning::PackerVersionUnreadable {
            printed: "Packer (development build)".to_owned()
        }]
    );
    assert_eq!(
        preflight.warnings[0].to_string(),
        "no version in what `packer version` printed (`Packer (development build)`); the Packer \
         version is not checked against `packer.required_version`"
    );

    let host = FakeHost::complete().printing(Err("exit code 1"));
    let preflight = runner::preflight(&windows_plan(), Path::new("packer"), &host);
    assert!(preflight.is_ok(), "{preflight:?}");
    assert_eq!(
        preflight.warnings[0].to_string(),
        "`packer version` failed (exit code 1); the Packer version is not checked against \
         `packer.required_version`"
    );

    let mut plan = windows_plan();
    plan.required_version = "at least 1.11".to_owned();
    let preflight = runner::preflight(&plan, Path::new("packer"), &FakeHost::complete());
    assert!(preflight.is_ok(), "{preflight:?}");
    assert_eq!(
        preflight.warnings[0].to_string(),
        "cannot read `packer.required_version` (`at least 1.11`): `at least 1.11` is not an \
         operator (`=`, `!=`, `>`, `>=`, `<`, `<=` or `~>`) followed by a version; the Packer \
         version is not checked"
    );
}

// ---- Packer versions and constraints -------------------------------------------------------

fn version(text: &str) -> PackerVersion {
    PackerVersion::parse(text).unwrap_or_else(|| panic!("`{text}` is a version"))
}

#[test]
fn packer_versions_are_read_as_go_version_reads_them() {
    for (text, shown) in [
        ("1.11.2", "1.11.2"),
        ("v1.11.2", "1.11.2"),
        ("1.9", "1.9"),
        ("1", "1"),
        ("1.12.0-dev", "1.12.0-dev"),
        ("1.0beta", "1.0-beta"),
        ("1.10.0+ent", "1.10.0+ent"),
        ("1.2.3-rc.1+build.5", "1.2.3-rc.1+build.5"),
    ] {
        assert_eq!(version(text).to_string(), shown, "{text}");
    }
    for text in [
        "",
        "v",
        "1.",
        ".1",
        "1..2",
        "1.0-",
        "1.0+",
        "1.0_1",
        "one",
        "1.2.3-a..b",
    ] {
        assert_eq!(PackerVersion::parse(text), None, "{text:?}");
    }
    for (printed, found) in [
        ("Packer v1.11.2\n", Some("1.11.2")),
        (
            "Packer v1.6.6\n\nYour version of Packer is out of date! The latest version\nis 1.7.0.",
            Some("1.6.6"),
        ),
        ("1.9.4\n", Some("1.9.4")),
        ("Packer v1.12.0-dev (abc1234)", Some("1.12.0-dev")),
        ("Packer (development build)", None),
        ("Packer v2", None),
        ("", None),
    ] {
        assert_eq!(
            PackerVersion::find_in(printed)
                .map(|v| v.to_string())
                .as_deref(),
            found,
            "{printed:?}"
        );
    }
}

#[test]
fn versions_order_like_go_version() {
    use std::cmp::Ordering::{Equal, Greater, Less};
    for (a, b, order) in [
        ("1.11.2", "1.11.0", Greater),
        ("1.9", "1.11", Less),
        ("1.2", "1.2.0", Equal),
        ("1.2.0.1", "1.2", Greater),
        ("1.0.0-beta", "1.0.0", Less),
        ("1.0.0-alpha", "1.0.0-beta", Less),
        ("1.0.0-beta.2", "1.0.0-beta.11", Less),
        ("1.0.0-1", "1.0.0-alpha", Less),
        ("1.0.0+a", "1.0.0+b", Equal),
    ] {
        assert_eq!(version(a).compare(&version(b)), order, "{a} vs {b}");
        assert_eq!(
            version(b).compare(&version(a)),
            order.reverse(),
            "{b} vs {a}"
        );
    }
}

#[test]
fn constraints_hold_as_in_go_version() {
    for (constraint, text, allowed) in [
        (">= 1.11.0", "1.11.2", true),
        (">= 1.11.0", "1.11.0", true),
        (">= 1.11.0", "1.10.3", false),
        (">= 1.11.0", "1.6.6", false),
        (">=1.11", "1.11.0", true),
        ("1.0", "1.0.0", true),
        ("= 1.0", "1.1.5", false),
        ("= v1.2", "1.2.0", true),
        ("!= 1.0", "1.1.5", true),
        ("!= 1.0", "1.0.0", false),
        ("> 1.0", "1.0.0", false),
        ("> 1.0", "1.0.1", true),
        ("< 1.0", "0.9.0", true),
        ("< 1.0", "1.1.5", false),
        ("<= 1.0", "1.0", true),
        ("<= 1.0", "1.0.1", false),
        (">= 1.0, < 1.2", "1.1.5", true),
        (">= 1.0, < 1.2", "1.2.0", false),
        (">= 1.11.0, < 2.0.0, != 1.11.1", "1.11.1", false),
        (">= 1.11.0, < 2.0.0, != 1.11.1", "1.11.2", true),
        ("~> 1.0", "1.1.5", true),
        ("~> 1.0", "2.0", false),
        ("~> 1.2", "1.3", true),
        ("~> 1.2", "1.1", false),
        ("~> 1.0.3", "1.0.4", true),
        ("~> 1.0.3", "1.0.2", false),
        ("~> 1.0.3", "1.1.0", false),
        ("~> 1.11.0", "1.11.2", true),
        ("~> 1.11.0", "1.12.0", false),
        // Pre-releases satisfy ordering terms only against a pre-release on the same segments.
        (">= 1.0", "1.1-beta", false),
        (">= 1.0-beta", "1.0-beta", true),
        ("> 1.0-beta", "1.0", true),
        ("< 1.0-beta", "1.0-alpha", true),
        ("< 1.1-beta", "1.0-alpha", false),
        ("~> 1.0-beta", "1.0-beta.1", true),
        ("~> 1.0-beta", "1.0", false),
        ("= 1.0-beta", "1.0-beta", true),
        // Nothing to check.
        ("", "0.1", true),
        ("  ", "9.9", true),
    ] {
        let parsed = VersionConstraint::parse(constraint)
            .unwrap_or_else(|e| panic!("`{constraint}` is a constraint: {e}"));
        assert_eq!(
            parsed.allows(&version(text)),
            allowed,
            "`{constraint}` allows `{text}`"
        );
    }
    for constraint in [
        "at least 1.11",
        ">= 1.11,",
        ">>= 1",
        "~ 1.0",
        ">= one",
        ", >= 1",
    ] {
        assert!(
            VersionConstraint::parse(constraint).is_err(),
            "`{constraint}` is not a constraint"
        );
    }
}

// ---- the real build host -------------------------------------------------------------------

fn write_executable(path: &Path, text: &str) {
    // Written aside and renamed, like the fake packer.
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text).expect("write");
    make_executable(&partial);
    std::fs::rename(&partial, path).expect("rename");
}

#[test]
fn the_system_host_finds_executable_files_on_its_path() {
    use runner::System;
    let dir = temp_dir("system-find");
    let (first, second) = (dir.join("first"), dir.join("second"));
    std::fs::create_dir_all(&first).expect("dir");
    std::fs::create_dir_all(second.join("folder")).expect("dir");
    write_executable(&second.join("tool"), "#!/bin/sh\nexit 0\n");
    std::fs::write(first.join("tool"), "not executable\n").expect("write");
    std::fs::write(second.join("data"), "not executable\n").expect("write");
    let path = std::env::join_paths([&first, &second]).expect("a PATH");
    let host = System::with_path(path);
    // The first executable file of that name; a file without the x bit does not count.
    assert_eq!(host.find(Path::new("tool")), Some(second.join("tool")));
    assert_eq!(host.find(Path::new("data")), None);
    assert_eq!(host.find(Path::new("folder")), None);
    assert_eq!(host.find(Path::new("missing")), None);
    // A path is taken as it is, not looked up.
    assert_eq!(host.find(&second.join("tool")), Some(second.join("tool")));
    assert_eq!(host.find(&first.join("tool")), None);
    assert_eq!(System::default().find(Path::new("tool")), None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_system_host_asks_packer_for_its_version() {
    let packer = fake_packer();
    let host = runner::System::from_env();
    assert_eq!(host.find(packer), Some(packer.to_path_buf()));
    // Retried while the freshly copied script is "text file busy", as `run` is.
    let mut printed = host.packer_version(packer);
    for _ in 0..50 {
        match &printed {
            Err(e) if e.contains("busy") => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                printed = host.packer_version(packer);
            }
            _ => break,
        }
    }
    assert_eq!(printed.as_deref(), Ok("Packer v1.11.2\n"));
    let missing = temp_dir("system-version").join("no-such-packer");
    assert!(host.packer_version(&missing).is_err());
}

#[test]
fn the_system_host_asks_python_for_modules() {
    let host = runner::System::from_env();
    if !tool("python3", "apt-get install python3") {
        return;
    }
    assert!(host.python_imports("sys"));
    assert!(!host.python_imports("hybridc_no_such_module"));
    // Without python3 on its PATH, nothing can be imported.
    let empty = temp_dir("system-python");
    assert!(!runner::System::with_path(empty.as_os_str()).python_imports("sys"));
    let _ = std::fs::remove_dir_all(&empty);
}

// ---- `hybridc build` -------------------------------------------------------------------------

const ALL_CREDENTIALS: [&str; 8] = [
    "ARM_CLIENT_ID",
    "ARM_CLIENT_SECRET",
    "ARM_SUBSCRIPTION_ID",
    "ARM_TENANT_ID",
    "BUILD_PASSWORD",
    "BUILD_PASSWORD_HASH",
    "PROXMOX_TOKEN",
    "VSPHERE_PASSWORD",
];

/// A copy of the example repository, compiled by this binary (so it is up to date whatever the
/// committed `generated/` says), with a `bin` folder holding the fake `packer` and `tools`
/// (each a script that succeeds; a fake `python3` imports every module).
fn example_repo(name: &str, tools: &[&str]) -> PathBuf {
    let dir = temp_dir(&format!("cli-{name}"));
    for folder in ["spec", "installers", "scripts", "ansible", "generated"] {
        copy_tree(&repo().join(folder), &dir.join(folder));
    }
    let out = hybridc(&dir, &["compile", "spec/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let packer = std::fs::read_to_string(repo().join("tests/fixtures/runner/fake-packer.sh"))
        .expect("the fake packer");
    write_executable(&bin.join("packer"), &packer);
    for tool in tools {
        write_executable(&bin.join(tool), "#!/bin/sh\nexit 0\n");
    }
    dir
}

/// Every tool a build may need.
const TOOLS: [&str; 3] = ["xorriso", "ansible-playbook", "python3"];

/// `hybridc build ARGS` in `dir` with `PATH` set to `path` (its `bin` when `None`), every
/// credential set, no git repository found above `dir`, and `env` added.
fn hybridc_build(dir: &Path, args: &[&str], path: Option<&str>, env: &[(&str, &str)]) -> Output {
    let bin = dir.join("bin");
    let path = match path {
        Some(path) => format!("{}:{path}", bin.display()),
        None => bin.display().to_string(),
    };
    let mut cmd = command();
    cmd.arg("build")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("FAKE_PACKER_VERSION")
        .env(
            "GIT_CEILING_DIRECTORIES",
            dir.parent().expect("a parent folder"),
        );
    for name in ALL_CREDENTIALS {
        cmd.env(name, "test-value");
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    // Retried while a script is "text file busy" (written while another test forked).
    for _ in 0..50 {
        let out = cmd.output().expect("runs");
        if !text(&out.stderr).contains("Text file busy") {
            return out;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("a script in `{}` stayed busy", bin.display());
}

const UBUNTU_PROXMOX: [&str; 6] = [
    "--env",
    "dev",
    "--os",
    "ubuntu-2404",
    "--platform",
    "proxmox",
];

#[test]
fn cli_build_prints_the_version_and_passes_it_with_force() {
    let dir = example_repo("run", &TOOLS);
    let mut args = UBUNTU_PROXMOX.to_vec();
    args.extend(["--build-version", "1.4.0", "--force"]);
    let out = hybridc_build(&dir, &args, None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("generated/packer.log")).expect("packer ran"),
        "init generated/\nbuild -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1 \
         -force -only=ubuntu-2404.proxmox-iso.ubuntu-2404 -var-file=generated/env/dev.pkrvars.hcl \
         -var build_version=1.4.0 generated/\n"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("build version: 1.4.0 (from `--build-version`)\n"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("build version:").count(), 1, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_dry_run_prints_the_version_argument() {
    let dir = example_repo("dry", &TOOLS);
    let mut args = UBUNTU_PROXMOX.to_vec();
    args.extend([
        "--dry-run",
        "--build-version",
        "v1.2.0-3-g1a2b3c4-dirty",
        "--force",
    ]);
    let out = hybridc_build(&dir, &args, None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "# needs: BUILD_PASSWORD BUILD_PASSWORD_HASH PROXMOX_TOKEN\npacker init generated/\n\
         packer build -color=false -timestamp-ui -on-error=cleanup -parallel-builds=1 -force \
         -only=ubuntu-2404.proxmox-iso.ubuntu-2404 -var-file=generated/env/dev.pkrvars.hcl \
         -var build_version=v1.2.0-3-g1a2b3c4-dirty generated/\n"
    );
    // The host has everything: the preflight has nothing to say.
    assert_eq!(text(&out.stderr), "");
    assert!(!dir.join("generated/packer.log").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `-var build_version=` value of a dry run's output.
fn dry_run_version(stdout: &str) -> String {
    let words: Vec<&str> = stdout.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "-var")
        .unwrap_or_else(|| panic!("no -var in {stdout}"));
    words[at + 1]
        .strip_prefix("build_version=")
        .unwrap_or_else(|| panic!("{stdout}"))
        .to_owned()
}

#[test]
fn cli_outside_git_the_utc_time_names_the_artifacts() {
    // No git on this PATH, and no work tree above the copy either way.
    let dir = example_repo("clock", &TOOLS);
    let mut args = UBUNTU_PROXMOX.to_vec();
    args.push("--dry-run");
    let before = BuildVersion::from_time(runner::unix_now()).expect("valid");
    let out = hybridc_build(&dir, &args, None, &[]);
    let after = BuildVersion::from_time(runner::unix_now()).expect("valid");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let version = dry_run_version(&text(&out.stdout));
    // YYYYMMDD-HHMMSS, between the times before and after the run.
    assert_eq!(version.len(), 15, "{version}");
    assert!(
        version.chars().enumerate().all(|(i, c)| if i == 8 {
            c == '-'
        } else {
            c.is_ascii_digit()
        }),
        "{version}"
    );
    assert!(
        before.as_str() <= version.as_str() && version.as_str() <= after.as_str(),
        "{before} <= {version} <= {after}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_in_a_git_work_tree_git_describe_names_the_artifacts() {
    if !tool("git", "apt-get install git") {
        return;
    }
    let dir = example_repo("git", &TOOLS);
    let system_path = std::env::var("PATH").unwrap_or_default();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "spec", "installers", "scripts", "ansible"]);
    git(&dir, &["commit", "-q", "-m", "images"]);
    git(&dir, &["tag", "-a", "v1.2.0", "-m", "v1.2.0"]);
    let mut args = UBUNTU_PROXMOX.to_vec();
    args.push("--dry-run");
    let out = hybridc_build(&dir, &args, Some(&system_path), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(dry_run_version(&text(&out.stdout)), "v1.2.0");
    // A tag that cannot name artifacts stops the build before anything runs.
    git(&dir, &["tag", "-a", "release/1.3", "-m", "release/1.3"]);
    let out = hybridc_build(&dir, &UBUNTU_PROXMOX, Some(&system_path), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "error: build version `release/1.3` (from `git describe`) cannot be part of artifact \
         names: `/` is not allowed; a build version is 1 to 40 characters, dot-separated labels \
         of ASCII letters, digits and `-` that start and end with a letter or digit; choose one \
         with `--build-version`; nothing was run\n"
    );
    assert!(!dir.join("generated/packer.log").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_an_invalid_build_version_runs_nothing() {
    let dir = example_repo("invalid-version", &TOOLS);
    for dry_run in [false, true] {
        let mut args = UBUNTU_PROXMOX.to_vec();
        args.extend(["--build-version", "1.2_final"]);
        if dry_run {
            args.push("--dry-run");
        }
        let out = hybridc_build(&dir, &args, None, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "");
        assert_eq!(
            text(&out.stderr),
            "error: build version `1.2_final` (from `--build-version`) cannot be part of \
             artifact names: `_` is not allowed; a build version is 1 to 40 characters, \
             dot-separated labels of ASCII letters, digits and `-` that start and end with a \
             letter or digit; nothing was run\n"
        );
    }
    assert!(!dir.join("generated/packer.log").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_preflight_lists_every_missing_tool_and_runs_nothing() {
    // Only the fake packer, and an old one.
    let dir = example_repo("preflight", &[]);
    let windows = [
        "--env",
        "dev",
        "--os",
        "windows-2022",
        "--platform",
        "proxmox",
        "--edition",
        "standard",
        "--build-version",
        "1.4.0",
    ];
    let out = hybridc_build(&dir, &windows, None, &[("FAKE_PACKER_VERSION", "1.6.6")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let source = "`windows-2022.proxmox-iso.windows-2022-standard`";
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: the build host lacks what this selection needs; nothing was run\n\
             \x20 - `packer` is version 1.6.6, which `packer.required_version` (`>= 1.11.0`) \
             does not allow; install a Packer it allows from \
             https://developer.hashicorp.com/packer/install\n\
             \x20 - no ISO creation tool (`xorriso`, `mkisofs`, `genisoimage` or `oscdimg`) on \
             `PATH`, needed for the CD files of {source}; install xorriso (`apt-get install \
             xorriso`, `dnf install xorriso` or `brew install xorriso`)\n\
             \x20 - `ansible-playbook` is not on `PATH`, needed for the Ansible steps of \
             {source}; install Ansible (`python3 -m pip install ansible`)\n\
             \x20 - Python cannot import `winrm` (pywinrm; checked with `python3 -c \"import \
             winrm\"`), needed for Ansible over WinRM on {source}; install it with `python3 -m \
             pip install pywinrm`\n"
        )
    );
    assert!(
        !dir.join("generated/packer.log").exists(),
        "packer must not run"
    );

    // A dry run prints the commands and only warns.
    let mut dry = windows.to_vec();
    dry.push("--dry-run");
    let out = hybridc_build(&dir, &dry, None, &[("FAKE_PACKER_VERSION", "1.6.6")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("-var build_version=1.4.0 generated/\n"),
        "{}",
        text(&out.stdout)
    );
    let stderr = text(&out.stderr);
    let warnings: Vec<&str> = stderr.lines().collect();
    assert_eq!(warnings.len(), 4, "{stderr}");
    assert!(
        warnings.iter().all(|l| l.starts_with("warning: ")),
        "{stderr}"
    );

    // With the tools and a recent Packer, the same build runs.
    for tool in TOOLS {
        write_executable(&dir.join("bin").join(tool), "#!/bin/sh\nexit 0\n");
    }
    let out = hybridc_build(&dir, &windows, None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(dir.join("generated/packer.log").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
