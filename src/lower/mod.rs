//! Lowering: a checked spec becomes the Packer model (variables, sources, builds, pkrvars).
//!
//! This is where the spec's layering (defaults -> OS -> platform -> environment) is resolved,
//! where each platform setting an environment may change becomes a variable, each credential a
//! sensitive variable read from the environment, and where installer seeds, boot commands,
//! communicators, outputs and provisioning are chosen. It produces data only: formatting is the
//! emitter's job, and checking arguments against the plugin catalogue is conformance's.
//!
//! One module per axis: `variables` (shared and platform variables, environments' values),
//! one per platform (`proxmox`, `vsphere`, `azure`), `installer` (seeds, boot command),
//! `network` (the installer's network), `family` (communicator, locale, distribution,
//! finishing steps), `provisioning` (steps and post-processors), `options` (passthrough
//! arguments) and `plugins`.

mod azure;
mod family;
mod installer;
mod machine;
mod network;
mod options;
mod plugins;
mod provisioning;
mod proxmox;
#[cfg(test)]
mod testing;
mod variables;
mod vsphere;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::diagnostic::{Diagnostic, Span};
use crate::family::FamilyFacts;
use crate::hcl::{Expr, Part};
use crate::installer::InstallerKind;
use crate::loaded::Loaded;
use crate::model::{Args, Build, Local, Model, Source, SourceRef, Variable};
use crate::platform::{builder_of, component};
use crate::pointer::Pointer;
use crate::release::OsFacts;
use crate::spec::{Firmware, Os, PlatformName, Spec};

/// Where the generated files are, relative to the repository root, so that they can refer to
/// `builds/`, `scripts/` and `ansible/` with `${path.root}/..`.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The spec file, relative to the repository root (`spec/hybrid.yaml`), for headers.
    pub spec_path: String,
    /// The way from the output folder back to the repository root (`..`).
    pub to_root: String,
}

/// What lowering makes of a spec: the model with its warnings, or the problems found.
pub type Lowered = Result<(Model, Vec<Diagnostic>), Vec<Diagnostic>>;

/// Lowers a checked spec.
///
/// # Errors
/// Diagnostics for problems only visible now: `options` that collide with arguments hybridc
/// sets itself. Warnings (values that are never used) come back with the model.
pub fn lower(loaded: &Loaded, layout: &Layout) -> Lowered {
    lower_selected(loaded, layout, &Selection::default()).0
}

/// What a re-check of an edited spec asks of lowering: the OSes to leave out of the model
/// because an earlier lowering of the same entries under the same declarations found nothing,
/// with what each of them shares with the others, and whether to say what each OS lowered
/// now shares.
#[derive(Debug, Default)]
pub struct Selection<'p> {
    /// The OSes left out.
    pub left_out: BTreeSet<&'p str>,
    /// What the OSes left out share, each different part once.
    pub shared: Vec<&'p Shared>,
    /// Whether to trace what each lowered OS shares.
    pub trace: bool,
}

/// What lowering one OS adds to what every OS shares: the variables its sources and builds
/// use (an environment's value for a variable only it uses is still used), and those it
/// declares (another OS's option that would make a variable of the same name is still
/// refused).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shared {
    used: BTreeSet<String>,
    declared: Vec<Candidate>,
}

impl Shared {
    /// The variables used, when that is all there is: an OS that declares nothing of its own.
    pub fn only_used(&self) -> Option<&BTreeSet<String>> {
        self.declared.is_empty().then_some(&self.used)
    }
}

/// What lowering any OS reads of the variables declared before the OSes are lowered (the
/// build's, the credentials, each platform setting the base or an environment sets): each
/// variable as declared, written out, without the values environments give it, which reach
/// only the environments' var files.
pub fn declarations(loaded: &Loaded, layout: &Layout) -> String {
    let l = Lowerer::new(loaded, layout);
    let mut out = String::new();
    for candidate in l.candidates.values() {
        out.push_str(&format!("{:?}\n", candidate.variable));
    }
    out
}

/// What each lowered OS shares, by OS, in the order the OSes were lowered: filled when
/// [`Selection::trace`] asks for it.
pub type Traced = Vec<(String, Shared)>;

/// [`lower`] of the OSes `selection` does not leave out: the model has only their sources and
/// builds, and the rest of it (variables, environments' values, shared locals) as far as
/// they use it; what the left-out OSes share is declared and used as if they were lowered.
/// The second value is the trace `selection` asks for.
///
/// # Errors
/// As [`lower`], for the OSes lowered and the declarations they share.
pub fn lower_selected(
    loaded: &Loaded,
    layout: &Layout,
    selection: &Selection<'_>,
) -> (Lowered, Traced) {
    let mut l = Lowerer::new(loaded, layout);
    for shared in &selection.shared {
        for candidate in &shared.declared {
            l.candidates
                .entry(candidate.variable.name.clone())
                .or_insert_with(|| candidate.clone());
        }
        for name in &shared.used {
            if !l.used.contains(name) {
                l.used.insert(name.clone());
            }
        }
    }
    let mut model = Model {
        spec_path: layout.spec_path.clone(),
        required_version: loaded.spec.packer.required_version.clone(),
        ..Model::default()
    };
    // The OSes are lowered in two halves, one per core, each from the same declarations; the
    // second half's sources, builds and locals follow the first's, as in one pass.
    let oses: Vec<(&String, &Os)> = loaded
        .spec
        .oses
        .iter()
        .filter(|(name, _)| !selection.left_out.contains(name.as_str()))
        .collect();
    let (first, second) = oses.split_at(oses.len() / 2);
    let mut other = l.fork();
    let lower_all = |l: &mut Lowerer<'_>, half: &[(&String, &Os)], model: &mut Model| {
        let mut traced = Vec::new();
        for (name, os) in half {
            if selection.trace {
                l.trace = Some(Shared::default());
            }
            l.os(Target::new(name, os), model);
            if let Some(shared) = l.trace.take() {
                traced.push(((*name).clone(), shared));
            }
        }
        crate::interpolation::escape_bodies(model);
        traced
    };
    let ((other, part_model, mut later), mut traced) = crate::parallel::both(
        || {
            let mut part_model = Model::default();
            let traced = lower_all(&mut other, second, &mut part_model);
            (other, part_model, traced)
        },
        || lower_all(&mut l, first, &mut model),
    );
    traced.append(&mut later);
    l.merge(other);
    model.sources.extend(part_model.sources);
    model.builds.extend(part_model.builds);
    model.locals.extend(part_model.locals);
    model.plugins = plugins::plugins(&model);
    // Locals shared by every build come before the per-OS ones.
    let shared = std::mem::take(&mut l.locals)
        .into_iter()
        .map(|(name, value)| Local { name, value });
    model.locals.splice(0..0, shared);
    model.environments = l.environments();
    model.variables = l
        .candidates
        .values()
        .filter(|c| l.used.contains(&c.variable.name))
        .map(|c| c.variable.clone())
        .collect();
    crate::interpolation::escape_values(&mut model);
    if !l.problems.is_empty() {
        crate::diagnostic::sort(&mut l.problems);
        // A platform's options are lowered once per OS: one conflict there is one finding.
        l.problems.dedup();
        return (Err(l.problems), traced);
    }
    crate::diagnostic::sort(&mut l.warnings);
    (Ok((model, l.warnings)), traced)
}

/// One environment's value of a variable: `(environment, value, origin)`.
type Override = (String, Expr, Pointer);

/// A variable that exists if something uses it, with the values environments give it.
#[derive(Debug, Clone, PartialEq)]
struct Candidate {
    variable: Variable,
    /// `(environment, value, origin)`.
    overrides: Vec<(String, Expr, Pointer)>,
}

struct Lowerer<'a> {
    spec: &'a Spec,
    loaded: &'a Loaded,
    layout: &'a Layout,
    candidates: BTreeMap<String, Candidate>,
    used: BTreeSet<String>,
    /// Locals shared by every build, by name.
    locals: BTreeMap<String, Expr>,
    problems: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// What the OS being lowered shares, when it is traced.
    trace: Option<Shared>,
}

/// One OS being lowered, with the table entries that say what its family and installer mean:
/// lowering reads these facts rather than matching on the family or the installer.
#[derive(Debug, Clone, Copy)]
struct Target<'s> {
    /// The OS's key in `oses`.
    name: &'s str,
    os: &'s Os,
    family: &'static FamilyFacts,
    installer: Option<&'static InstallerKind>,
}

impl<'s> Target<'s> {
    fn new(name: &'s str, os: &'s Os) -> Self {
        Target {
            name,
            os,
            family: crate::family::facts(os.family()),
            installer: os.installer().map(crate::installer::kind),
        }
    }
}

fn s(text: &str) -> Expr {
    Expr::String(text.to_owned())
}

/// Text the generator writes with Packer's Go-template actions on purpose (`{{ .HTTPIP }}`,
/// `{{ .Path }}`), which [`crate::interpolation`] must leave as it is: a template of text.
fn go_template(text: &str) -> Expr {
    Expr::Template(vec![Part::text(text)])
}

fn n(value: u32) -> Expr {
    Expr::Number(i64::from(value))
}

fn list(items: &[&str]) -> Expr {
    Expr::List(items.iter().map(|i| s(i)).collect())
}

/// A JSON literal from `options` as an HCL expression.
fn literal(value: &Json) -> Expr {
    match value {
        Json::Null => Expr::Null,
        Json::Bool(b) => Expr::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map_or_else(|| Expr::Decimal(n.to_string()), Expr::Number),
        Json::String(text) => Expr::String(text.clone()),
        Json::Array(items) => Expr::List(items.iter().map(literal).collect()),
        Json::Object(entries) => Expr::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), literal(v)))
                .collect(),
        ),
    }
}

fn ptr(tokens: &[&str]) -> Pointer {
    Pointer::new(tokens)
}

impl<'a> Lowerer<'a> {
    /// A lowerer with the variables every build may use declared.
    fn new(loaded: &'a Loaded, layout: &'a Layout) -> Self {
        let mut l = Lowerer {
            spec: &loaded.spec,
            loaded,
            layout,
            candidates: BTreeMap::new(),
            used: BTreeSet::new(),
            locals: BTreeMap::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            trace: None,
        };
        l.declare_common();
        l.declare_platforms();
        l
    }
}

impl Lowerer<'_> {
    /// A lowerer for other OSes of the same spec: the same declarations, nothing found yet.
    fn fork(&self) -> Self {
        Lowerer {
            spec: self.spec,
            loaded: self.loaded,
            layout: self.layout,
            candidates: self.candidates.clone(),
            used: self.used.clone(),
            locals: self.locals.clone(),
            problems: Vec::new(),
            warnings: Vec::new(),
            trace: None,
        }
    }

    /// Takes in what a [`Lowerer::fork`] found: the variables it declared and used, its
    /// shared locals, its problems and warnings (sorted later).
    fn merge(&mut self, other: Self) {
        for (name, candidate) in other.candidates {
            self.candidates.entry(name).or_insert(candidate);
        }
        self.used.extend(other.used);
        for (name, value) in other.locals {
            self.locals.entry(name).or_insert(value);
        }
        self.problems.extend(other.problems);
        self.warnings.extend(other.warnings);
    }

    fn span(&self, origin: &Pointer) -> Span {
        self.loaded
            .tree
            .locate_nearest(origin.as_str())
            .key_or_value()
    }

    /// Registers a variable that may be used.
    fn candidate(&mut self, variable: Variable, overrides: Vec<(String, Expr, Pointer)>) {
        let candidate = Candidate {
            variable,
            overrides,
        };
        if let Some(trace) = &mut self.trace {
            trace.declared.push(candidate.clone());
        }
        self.candidates
            .insert(candidate.variable.name.clone(), candidate);
    }

    /// `var.<name>`, marking the variable as used.
    fn var(&mut self, name: &str) -> Expr {
        debug_assert!(
            self.candidates.contains_key(name),
            "variable `{name}` is registered before use"
        );
        if !self.used.contains(name) {
            self.used.insert(name.to_owned());
        }
        if let Some(trace) = &mut self.trace
            && !trace.used.contains(name)
        {
            trace.used.insert(name.to_owned());
        }
        Expr::var(name)
    }

    fn has_var(&self, name: &str) -> bool {
        self.candidates.contains_key(name)
    }

    /// `"${path.root}/../scripts/x.sh"`: a repository file seen from the generated folder.
    fn path(&self, relative: &str) -> Expr {
        Expr::Template(self.path_parts(relative))
    }

    /// [`Lowerer::path`]'s template parts, to put into a longer template.
    fn path_parts(&self, relative: &str) -> Vec<Part> {
        let relative = relative.trim_start_matches("./");
        vec![
            Part::Expr(Expr::traversal("path.root")),
            Part::text(format!("/{}/{relative}", self.layout.to_root)),
        ]
    }

    fn os(&mut self, t: Target<'_>, model: &mut Model) {
        let Target { name, os, .. } = t;
        let mut build = Build {
            name: name.to_owned(),
            sources: Vec::new(),
            provisioners: Vec::new(),
            post_processors: Vec::new(),
        };
        let own_editions = os.editions();
        let editions: Vec<Option<&crate::spec::Edition>> = if t.family.per_edition {
            own_editions.iter().map(Some).collect()
        } else {
            vec![None]
        };
        let seed_local = self.seed_local(t, model);
        let first = model.sources.len();
        for platform in PlatformName::ALL {
            if !os.platforms.contains(&platform) {
                continue;
            }
            for edition in &editions {
                if let Some(e) = edition
                    && !e.platforms.is_empty()
                    && !e.platforms.contains(&platform)
                {
                    continue;
                }
                let source_name = crate::spec::source_name(name, edition.map(|e| e.name.as_str()));
                let source =
                    self.source(t, platform, *edition, &source_name, seed_local.as_deref());
                build.sources.push(source.reference());
                model.sources.push(source);
            }
        }
        // The sources this OS just added, without searching every OS's.
        let own: Vec<&Source> = model.sources[first..].iter().collect();
        let selectors: Vec<(PlatformName, SourceRef)> =
            own.iter().map(|s| (s.platform, s.reference())).collect();
        self.provisioning(t, &selectors, &mut build);
        self.post_processors(name, &selectors, &own, &editions, &mut build);
        model.builds.push(build);
    }

    fn hardware(&self, os: &Os, platform: PlatformName) -> (u32, u32, u32, Firmware) {
        let hw = crate::platform::hardware(self.spec, os, platform);
        (
            hw.cpus.unwrap_or(2),
            hw.memory_mb.unwrap_or(4096),
            hw.disk_gb.unwrap_or(crate::platform::DEFAULT_DISK_GB),
            hw.firmware.unwrap_or(Firmware::Uefi),
        )
    }

    fn source(
        &mut self,
        t: Target<'_>,
        platform: PlatformName,
        edition: Option<&crate::spec::Edition>,
        source_name: &str,
        seed_local: Option<&str>,
    ) -> Source {
        let Target { name, os, .. } = t;
        let origin = ptr(&["oses", name]);
        let builder = builder_of(self.spec, os, platform);
        let component = component(platform, builder);
        let mut body = Args::default();
        match platform {
            PlatformName::Proxmox => {
                self.proxmox(&mut body, t, builder, edition, source_name, seed_local)
            }
            PlatformName::Vsphere => {
                self.vsphere(&mut body, t, builder, edition, source_name, seed_local)
            }
            PlatformName::Azure => self.azure(&mut body, t, edition, source_name),
        }
        self.passthrough(&mut body, name, os, platform, component);
        Source {
            platform,
            component,
            name: source_name.to_owned(),
            os: name.to_owned(),
            edition: edition.map(|e| e.name.clone()),
            body,
            origin,
        }
    }

    fn description(os: &Os, name: &str, edition: Option<&crate::spec::Edition>) -> String {
        let what = os.description().unwrap_or(name);
        match edition {
            Some(e) => format!("{what} {}, built by hybridc", e.name),
            None => format!("{what}, built by hybridc"),
        }
    }
}
