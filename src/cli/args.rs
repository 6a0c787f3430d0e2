//! The command line as clap reads it: the commands, their flags and their help text. Nothing
//! here runs anything; [`super::run`] turns a [`Command`] into calls of the library.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use hybridc::spec::PlatformName;

/// Compile one YAML spec of golden VM images into Packer HCL2 for Proxmox, vSphere and Azure.
#[derive(Parser)]
#[command(name = "hybridc", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diffs for people.
    Text,
    /// A stable JSON report for tools.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MatrixFormat {
    /// A complete GitLab child pipeline: check, validate, review and build jobs.
    Gitlab,
    /// A complete GitHub Actions workflow: check, validate, review and build jobs.
    Github,
    /// The JSON for GitHub Actions' `strategy.matrix`.
    GithubMatrix,
    /// The jobs as JSON.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ManifestFormat {
    /// Aligned columns.
    Table,
    /// A stable JSON document.
    Json,
    /// A Markdown table, for merge-request comments and wikis.
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Changes grouped, each with the builds it affects.
    Text,
    /// A merge-request comment: the summary, then one `<details>` per build.
    Markdown,
    /// A stable JSON document.
    Json,
}

/// `--platform`: one of the spec's platform names, as [`PlatformName::ALL`] spells them.
fn platform() -> impl TypedValueParser<Value = PlatformName> {
    PossibleValuesParser::new(PlatformName::ALL.map(PlatformName::as_str)).map(|name| {
        PlatformName::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .expect("the parser accepts only the names of PlatformName::ALL")
    })
}

#[derive(Subcommand)]
pub enum Command {
    /// Check the spec and report every problem with its file:line:col.
    Validate {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
    },
    /// Scaffold a new image repository (spec, schema, installer templates, scripts, playbooks,
    /// CI file) and compile it.
    Init {
        /// The folder of the new repository.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The OSes to start with, comma-separated: releases of the OS catalogue (`hybridc list
        /// oses`).
        #[arg(long, value_delimiter = ',', default_values_t = hybridc::init::DEFAULT_OSES.iter().map(|s| s.to_string()))]
        os: Vec<String>,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Turn existing Packer HCL2 build folders into a spec, compile it, and report, source by
    /// source, what compiling it changes.
    Import {
        /// Packer build folders, each read as `packer build DIR` reads it.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// A var file every environment reads after each folder's own `*.auto.pkrvars.hcl`;
        /// repeatable, read in order.
        #[arg(long = "var-file", value_name = "FILE")]
        var_files: Vec<PathBuf>,
        /// An environment and its own var files, read last: `NAME=FILE[,FILE...]`;
        /// repeatable. Without it, one environment, `default`.
        #[arg(long = "env", value_name = "NAME=FILES", value_parser = environment)]
        envs: Vec<(String, Vec<PathBuf>)>,
        /// The repository the spec goes to: `spec/hybrid.yaml`, the files it names and the
        /// compiled `generated/`.
        #[arg(long, value_name = "REPO", default_value = ".")]
        into: PathBuf,
        /// Print the spec and the report; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
        /// The report's format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List what hybridc knows: `hybridc list oses`, the OS catalogue.
    List {
        #[command(subcommand)]
        what: List,
    },
    /// Add to the spec: `hybridc add os NAME`, an OS of the catalogue or a copy of one of the
    /// spec's.
    Add {
        #[command(subcommand)]
        what: Add,
    },
    /// Compile the spec into Packer HCL2 in the output folder.
    Compile {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
        /// Output folder, inside the repository.
        #[arg(long, default_value = "generated/")]
        out: PathBuf,
        /// Replace files at output paths that hybridc did not write (without its header, or
        /// symbolic links: the link is replaced, never what it points to).
        #[arg(long)]
        force: bool,
    },
    /// Compare the output folder with what the spec compiles to, without writing: exit 0 when
    /// up to date, 1 on drift, 2 when the spec is invalid or files cannot be read.
    Check {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
        /// Output folder, inside the repository.
        #[arg(long, default_value = "generated/")]
        out: PathBuf,
        /// Report format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show the effective settings of one OS's build, each with the layer it comes from
    /// (release, defaults, OS, platform, environment) and where the spec sets it.
    Explain {
        /// The OS (its key under `oses`).
        os: String,
        /// Only this platform.
        #[arg(long, value_parser = platform())]
        platform: Option<PlatformName>,
        /// With this environment's values.
        #[arg(long)]
        env: Option<String>,
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(long, default_value = "spec/")]
        spec: PathBuf,
    },
    /// Say which builds a change makes different, in which environments and how: the spec and
    /// the files it uses at a git revision against the work tree. Exit 0 whatever changed, 2
    /// when either side's spec is invalid or the revision is unknown.
    Diff {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
        /// The git revision to compare with (`main`, `HEAD~1`, a commit).
        #[arg(long, value_name = "REV")]
        base: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Build images with Packer from the output folder, non-interactively: `packer init`, then
    /// `packer build` with exactly the right `-only` selectors and the environment's var file.
    Build {
        /// The environment whose var file is used.
        #[arg(long)]
        env: String,
        /// Only this OS.
        #[arg(long)]
        os: Option<String>,
        /// Only this platform.
        #[arg(long, value_parser = platform())]
        platform: Option<PlatformName>,
        /// Only this Windows edition.
        #[arg(long)]
        edition: Option<String>,
        /// Print the packer commands and run nothing.
        #[arg(long)]
        dry_run: bool,
        /// Builds to run at the same time (each its own `packer build`, output prefixed).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        jobs: u16,
        /// The version that names the artifacts (`-var build_version=V`); default: `git
        /// describe --always --dirty` in the repository, else the UTC time as
        /// `YYYYMMDD-HHMMSS`. 1 to 40 letters, digits, `-` and `.`.
        #[arg(long, value_name = "V")]
        build_version: Option<String>,
        /// Pass `-force` to `packer build`: replace existing artifacts of the same name.
        #[arg(long)]
        force: bool,
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(long, default_value = "spec/")]
        spec: PathBuf,
        /// Output folder the images are built from.
        #[arg(long, default_value = "generated/")]
        out: PathBuf,
    },
    /// Print the CI jobs, one per OS x platform (x edition), each with its `-only` selector:
    /// a GitLab child pipeline, a GitHub workflow, GitHub's `strategy.matrix`, or JSON.
    Matrix {
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
        /// Output format.
        #[arg(long, value_enum)]
        format: MatrixFormat,
        /// The only environment the jobs validate and build for (default: every one).
        #[arg(long)]
        env: Option<String>,
        /// Output folder the jobs build from.
        #[arg(long, default_value = "generated/")]
        out: PathBuf,
    },
    /// List the latest artifact per OS x platform x edition from the files Packer's manifest
    /// post-processor wrote. Unreadable or foreign files are reported, not fatal.
    Manifests {
        /// The folder of the manifest files.
        #[arg(default_value = "manifests/")]
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ManifestFormat::Table)]
        format: ManifestFormat,
    },
    /// Print a shell completion script (for example `hybridc completions bash > /etc/bash_completion.d/hybridc`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), for `man -l -` or a `man1` folder.
    Man,
    /// Run a language server for editors: the compiler's own diagnostics and quick fixes on
    /// `hybrid.yaml` files.
    ///
    /// An editor's LSP client starts `hybridc lsp` (no arguments) for files named
    /// `hybrid.yaml` and speaks JSON-RPC with it on standard input and output, beside
    /// yaml-language-server, which completes and documents keys from the schema. Each open
    /// spec is checked as `hybridc validate` checks it, in memory, with its repository root
    /// the folder above the spec's folder; nothing is written. Exit 0 after the editor's
    /// `shutdown` and `exit`, 1 on `exit` alone.
    Lsp,
    /// Print the spec's JSON Schema (draft-07), or write it to a file.
    Schema {
        /// Write the schema to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Text,
    /// A stable JSON document.
    Json,
}

#[derive(Subcommand)]
pub enum List {
    /// The OS catalogue: every release an entry of `oses` can be, with its installer, family,
    /// version, the platforms it is built on and its Windows editions.
    Oses {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

#[derive(Subcommand)]
pub enum Add {
    /// Add an OS to the spec, editing its text (comments and layout stay), after checking the
    /// result as `validate` does: a release of the catalogue, on the platforms the spec
    /// configures, or with `--from` a copy of an OS of the spec under a new name.
    Os {
        /// The new OS: a release of `hybridc list oses`, or any new name with `--from`.
        name: String,
        /// Copy this OS of the spec (its settings, templates and steps).
        #[arg(long, value_name = "OS")]
        from: Option<String>,
        /// The installer ISO's download URL.
        #[arg(long, value_name = "URL", requires = "iso_checksum")]
        iso_url: Option<String>,
        /// The ISO's checksum, with its algorithm (`sha256:<hex>`), from the download page.
        #[arg(long, value_name = "CHECKSUM", requires = "iso_url")]
        iso_checksum: Option<String>,
        /// The platforms to build it on, comma-separated (default: those the spec configures
        /// that the release supports; with `--from`, the copied OS's).
        #[arg(long, value_delimiter = ',', value_parser = platform())]
        platforms: Vec<PlatformName>,
        /// Spec file, or a folder holding `hybrid.yaml`.
        #[arg(default_value = "spec/")]
        spec: PathBuf,
    },
}

/// `NAME=FILE[,FILE...]` of `import --env`.
fn environment(text: &str) -> Result<(String, Vec<PathBuf>), String> {
    let Some((name, files)) = text.split_once('=') else {
        return Err("expected NAME=FILE[,FILE...]".to_owned());
    };
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(format!(
            "`{name}` is not an environment name: lowercase letters, digits and `-`"
        ));
    }
    let files: Vec<PathBuf> = files
        .split(',')
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .collect();
    if files.is_empty() {
        return Err(format!("environment `{name}` names no var file"));
    }
    Ok((name.to_owned(), files))
}
