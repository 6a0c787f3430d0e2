//! `hybridc::runner`, the library half of `hybridc build`: the dry-run commands of the example
//! repository for several selections (snapshots in `tests/fixtures/runner/`; `HYBRIDC_BLESS=1`
//! rewrites them), selection errors, the credentials a selection needs, and `run` against a fake
//! `packer` (`tests/fixtures/runner/fake-packer.sh`) and, when it is installed, the real one
//! with Packer's `null` builder.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hybridc::model::Model;
use hybridc::runner::{self, BuildOutcome, BuildStatus, Plan, RunError, RunReport, Selection};
use hybridc::spec::PlatformName;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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

/// What `hybridc build --dry-run` shows: the commands, then the credentials needed.
fn dry_run(selection: &Selection, jobs: usize) -> String {
    let plan = plan(selection, Path::new("generated"));
    let mut text = String::new();
    for command in runner::commands(&plan, jobs) {
        text.push_str(&runner::shell_quote(&command));
        text.push('\n');
    }
    text.push_str(&format!("credentials: {}\n", plan.credentials.join(" ")));
    text
}

/// Compares with `tests/fixtures/runner/<name>.txt`, or rewrites it under `HYBRIDC_BLESS`.
fn snapshot(name: &str, actual: &str) {
    let path = repo()
        .join("tests/fixtures/runner")
        .join(format!("{name}.txt"));
    if std::env::var_os("HYBRIDC_BLESS").is_some() {
        std::fs::write(&path, actual).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read `{}` ({e}); run with HYBRIDC_BLESS=1 to create it",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "`{}` is out of date (HYBRIDC_BLESS=1 rewrites it)",
        path.display()
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
         -only=rocky-9.vsphere-iso.rocky-9 -var-file=generated/env/dev.pkrvars.hcl generated\n\
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
    for _ in 0..50 {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let result = runner::run(plan, jobs, packer, &mut out, &mut err);
        if let Err(RunError::Spawn { error, .. }) = &result {
            if error.raw_os_error() == Some(26) {
                std::thread::sleep(std::time::Duration::from_millis(20));
                continue;
            }
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
         -var-file={d}/env/dev.pkrvars.hcl {d}"
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

/// Whether a test may skip for lack of a tool (not under `CI=true`).
fn may_skip(tool: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("`{tool}` is required under CI=true");
    }
    eprintln!("SKIPPED: `{tool}` is not installed");
    true
}

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
    let Some(packer) = real_packer() else {
        assert!(may_skip("packer"));
        return;
    };
    let dir = temp_dir("real");
    std::fs::create_dir_all(dir.join("env")).expect("env dir");
    std::fs::write(dir.join("env/dev.pkrvars.hcl"), "greeting = \"hello\"\n").expect("write");
    std::fs::write(
        dir.join("null.pkr.hcl"),
        r#"variable "greeting" {
  type    = string
  default = "unset"
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
    inline = ["echo ${var.greeting} from ${source.name}"]
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
    for jobs in [1, 2] {
        let ran = run(&plan, jobs, &wrapper);
        let report = report(&ran);
        assert_eq!(
            report.builds, expected,
            "jobs {jobs}:\n{}{}",
            ran.out, ran.err
        );
        let all = format!("{}{}", ran.out, ran.err);
        assert!(all.contains("hello from a"), "{all}");
        assert!(!all.contains("from c"), "`c` was not selected:\n{all}");
        assert!(!all.contains("\u{1b}["), "no colour:\n{all}");
        if jobs == 2 {
            assert!(all.contains("[os.null.a] "), "{all}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
