//! Checking an edited spec again, as an editor does after each change. Lowering and the
//! catalogue's check of the model are most of a check's work, and an edit usually changes one
//! OS. An OS lowers to the same sources and builds, which conform as they did, when its entry
//! and the provisioning sets it runs are unchanged, and so is what lowering reads around them
//! ([`context`]: the other sections, the environments' networks and the variables declared
//! before any OS, the repository facts, the layout). When the last
//! check found nothing in such an OS, it is left out of the model. What it shares with the
//! others is kept ([`Shared`]): the variables it declares and uses, so that an environment's
//! value only it reads is still used. A problem of lowering is looked for again with every OS
//! lowered, as a full check finds it.
//!
//! "Unchanged" is exact: an entry and the spec around it are written as bytes that hold their
//! values and nothing of their places (see [`write`]), and compared. The findings are those
//! of a full check, since an OS left out has nothing to be found.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::loaded::Loaded;
use crate::lower::{self, Layout, Selection, Shared};
use crate::yaml::{Node, Value};

/// What the checks of one document found out about its OSes, for the next check of it.
#[derive(Debug, Default)]
pub struct Recheck {
    /// The spec around the OSes and the repository facts, as of the OSes in `clean`.
    context: Vec<u8>,
    /// The OSes whose last lowering and conformance found nothing, by key.
    clean: HashMap<String, Clean>,
    /// The parts shared by OSes that only use variables, each held once, by those variables.
    plain: HashMap<BTreeSet<String>, Arc<Shared>>,
    /// How many OSes the last check left out.
    left_out: usize,
    /// The repository files earlier checks read.
    reads: crate::source::Reads,
}

/// An OS whose last check found nothing.
#[derive(Debug)]
struct Clean {
    /// Its entry, as [`write`] writes it.
    entry: Vec<u8>,
    /// What its lowering shares with the other OSes: most OSes share the same, held once.
    shared: Arc<Shared>,
}

impl Recheck {
    /// Nothing known yet: the first check lowers every OS.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many OSes the last check left out of lowering, known to be as they were: none when
    /// it stopped before lowering.
    pub fn left_out(&self) -> usize {
        self.left_out
    }

    /// A check begins: nothing is left out yet.
    pub(crate) fn begin(&mut self) {
        self.left_out = 0;
    }

    /// The repository files earlier checks read, for the next check to read through.
    pub fn reads(&self) -> &crate::source::Reads {
        &self.reads
    }

    /// Lowers the OSes of `loaded` that are not known to be clean, and checks their model
    /// against the plugin catalogue; learns which of them are clean now. The model has only
    /// the OSes lowered.
    ///
    /// # Errors
    /// What lowering or conformance finds, as [`lower::lower`] and
    /// [`crate::conformance::check_on_both_cores`] would find it of the whole spec.
    pub(crate) fn lower_and_check(&mut self, loaded: &Loaded, layout: &Layout) -> lower::Lowered {
        let context = context(loaded, layout);
        if context != self.context {
            self.clean.clear();
            self.plain.clear();
            self.context = context;
        }
        let entries = entries(loaded);
        self.clean
            .retain(|name, clean| entries.get(name.as_str()) == Some(&clean.entry));
        let mut seen = HashSet::new();
        let shared: Vec<&Shared> = self
            .clean
            .values()
            .filter(|clean| seen.insert(Arc::as_ptr(&clean.shared)))
            .map(|clean| clean.shared.as_ref())
            .collect();
        let selection = Selection {
            left_out: self.clean.keys().map(String::as_str).collect(),
            shared,
            trace: true,
        };
        self.left_out = selection.left_out.len();
        let (lowered, traced) = lower::lower_selected(loaded, layout, &selection);
        let (model, warnings) = match lowered {
            Ok(lowered) => lowered,
            // Where a problem is found may depend on which OS was lowered first: the problems
            // are those of every OS lowered, and no OS is learnt clean.
            Err(_) if !self.clean.is_empty() => {
                self.clean.clear();
                return self.lower_and_check(loaded, layout);
            }
            Err(problems) => return Err(problems),
        };
        let (conforms, named) = crate::conformance::check_naming(&model, loaded);
        for (name, shared) in traced {
            if named.contains(&name) {
                continue;
            }
            let Some(entry) = entries.get(name.as_str()) else {
                continue;
            };
            let shared = self.held_once(shared);
            let entry = entry.clone();
            self.clean.insert(name, Clean { entry, shared });
        }
        self.plain.retain(|_, shared| Arc::strong_count(shared) > 1);
        conforms?;
        Ok((model, warnings))
    }

    /// `shared`, held once with every part equal to it when it only uses variables.
    fn held_once(&mut self, shared: Shared) -> Arc<Shared> {
        let Some(used) = shared.only_used() else {
            return Arc::new(shared);
        };
        if let Some(held) = self.plain.get(used) {
            return Arc::clone(held);
        }
        let used = used.clone();
        let held = Arc::new(shared);
        self.plain.insert(used, Arc::clone(&held));
        held
    }
}

/// The top-level sections no OS's lowering reads: `ci` (the runners of `hybridc matrix` and
/// `init`) and `packer` (the model's `required_version`, written whatever is lowered).
/// `environments` is read through its `network` sections and the variables declared from its
/// platform settings ([`context`]).
const NOT_LOWERED: [&str; 3] = ["ci", "packer", "environments"];

/// Each OS's entry, as [`write`] writes it, followed by each provisioning set it runs (by
/// name, then as written, or nothing when there is no such set), by key.
fn entries(loaded: &Loaded) -> BTreeMap<&str, Vec<u8>> {
    let section = |name: &str| {
        top_level(&loaded.tree)
            .find(|(key, _)| *key == name)
            .map(|(_, node)| &node.value)
    };
    let Some(Value::Map(oses)) = section("oses") else {
        return BTreeMap::new();
    };
    let sets: &[crate::yaml::Entry] = match section("provisioning") {
        Some(Value::Map(sets)) => sets,
        _ => &[],
    };
    oses.iter()
        .map(|entry| {
            let mut bytes = Vec::new();
            write(&entry.value, &mut bytes);
            let runs = loaded.spec.oses.get(&entry.key).map(|os| &os.provisioning);
            for name in runs.into_iter().flatten() {
                text(name, &mut bytes);
                match sets.iter().find(|set| set.key == *name) {
                    Some(set) => write(&set.value, &mut bytes),
                    None => bytes.push(u8::MAX),
                }
            }
            (entry.key.as_str(), bytes)
        })
        .collect()
}

/// Everything an OS's lowering reads besides its own entry and the provisioning sets it runs,
/// as bytes: the other top-level sections lowering reads, each environment's `network` (which
/// an OS's installer network reads), the variables declared before any OS (which an
/// environment's platform settings add to, and whose values only the var files hold), the
/// repository facts and the layout.
fn context(loaded: &Loaded, layout: &Layout) -> Vec<u8> {
    let mut out = Vec::new();
    let around =
        |key: &&str| !matches!(*key, "oses" | "provisioning") && !NOT_LOWERED.contains(key);
    for (key, node) in top_level(&loaded.tree).filter(|(key, _)| around(key)) {
        text(key, &mut out);
        write(node, &mut out);
    }
    let environments = top_level(&loaded.tree)
        .find(|(key, _)| *key == "environments")
        .map(|(_, node)| &node.value);
    if let Some(Value::Map(environments)) = environments {
        for environment in environments {
            text(&environment.key, &mut out);
            match environment.value.get("network") {
                Some(network) => write(&network.value, &mut out),
                None => out.push(u8::MAX),
            }
        }
    }
    text(&lower::declarations(loaded, layout), &mut out);
    let repository = &loaded.repository;
    for set in [&repository.ansible_configs, &repository.own_templates] {
        out.extend(set.len().to_le_bytes());
        for path in set {
            text(path, &mut out);
        }
    }
    text(&layout.spec_path, &mut out);
    text(&layout.to_root, &mut out);
    out
}

/// The top-level keys and values of the spec.
fn top_level(tree: &Node) -> impl Iterator<Item = (&str, &Node)> {
    let entries = match &tree.value {
        Value::Map(entries) => entries.as_slice(),
        _ => &[],
    };
    entries.iter().map(|e| (e.key.as_str(), &e.value))
}

/// Writes the value of `node`, and nothing of where it is: two nodes write the same bytes
/// exactly when they hold the same value, written the same way (`0.0` and `-0.0` differ).
fn write(node: &Node, out: &mut Vec<u8>) {
    match &node.value {
        Value::Null => out.push(0),
        Value::Bool(b) => out.extend([1, u8::from(*b)]),
        Value::Int(i) => {
            out.push(2);
            out.extend(i.to_le_bytes());
        }
        Value::Float(f) => {
            out.push(3);
            out.extend(f.to_bits().to_le_bytes());
        }
        Value::Str(s) => {
            out.push(4);
            text(s, out);
        }
        Value::Seq(items) => {
            out.push(5);
            out.extend(items.len().to_le_bytes());
            for item in items {
                write(item, out);
            }
        }
        Value::Map(entries) => {
            out.push(6);
            out.extend(entries.len().to_le_bytes());
            for entry in entries {
                text(&entry.key, out);
                write(&entry.value, out);
            }
        }
    }
}

/// Writes `s` with its length first, so that no two sequences of texts write the same bytes.
fn text(s: &str, out: &mut Vec<u8>) {
    out.extend(s.len().to_le_bytes());
    out.extend(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(yaml: &str) -> Vec<u8> {
        let tree = crate::yaml::parse(yaml).expect("YAML");
        let mut out = Vec::new();
        write(&tree, &mut out);
        out
    }

    /// The OSes that use the same variables and declare none hold that part once: the
    /// example's Ubuntu and Debian build on the same platforms alike.
    #[test]
    fn a_part_shared_alike_is_held_once() {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let spec = root.join("spec/hybrid.yaml");
        let text = std::fs::read_to_string(&spec).expect("the example");
        let source = crate::diagnostic::SourceFile::new(spec.display().to_string(), text);
        let mut recheck = Recheck::new();
        assert!(crate::validate_again(source, root, &mut recheck).is_ok());
        assert_eq!(recheck.clean.len(), 4, "every OS is clean");
        let held = |os: &str| Arc::as_ptr(&recheck.clean[os].shared);
        assert_eq!(held("ubuntu-2404"), held("debian-12"));
        assert_ne!(held("ubuntu-2404"), held("rocky-9"));
        let distinct: HashSet<_> = recheck.clean.keys().map(|os| held(os)).collect();
        assert_eq!(distinct.len(), recheck.plain.len());
    }

    /// Equal values write the same bytes wherever they are; any other value, other bytes.
    #[test]
    fn a_value_is_written_without_its_place() {
        assert_eq!(
            written("a: 1\nb: [x, y]\n"),
            written("# moved\n\na:   1\nb:\n  - x\n  - y\n")
        );
        let differ = [
            "a: 1\nb: [x, y]\n",
            "a: 1\nb: [xy]\n",
            "a: 1\nb: [x, y, ~]\n",
            "a: '1'\nb: [x, y]\n",
            "a: 1.0\nb: [x, y]\n",
            "a: true\nb: [x, y]\n",
            "b: [x, y]\na: 1\n",
            "a: 1\nb: {x: y}\n",
            "a: 1\nb: [[x, y]]\n",
            "a: -0.0\n",
            "a: 0.0\n",
        ];
        for (i, one) in differ.iter().enumerate() {
            for other in &differ[i + 1..] {
                assert_ne!(written(one), written(other), "{one:?} and {other:?}");
            }
        }
    }
}
