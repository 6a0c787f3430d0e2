//! The proof of equivalence: each original source against the compiled source it became, per
//! environment, argument by argument (into nested blocks), then its build's steps and
//! post-processors, each difference with the reason hybridc makes it, when it makes it on
//! purpose.
//!
//! Values are compared as evaluated (objects as maps, unknowns by their expression, templates
//! and files by content when both can be read). Every value is shown with secrets masked
//! before it enters the [`Report`]: the value of a sensitive variable wherever it appears, and
//! the whole value of a credential argument. This module reads the two trees and the mapper's
//! account of what it did; it writes nothing and decides nothing about the spec.

use std::path::Path;

mod reason;
#[cfg(test)]
mod tests;
mod value;

use super::map::{Environment, Imported, Origin};
use super::report::{Basis, Difference, Entry, MASK, Reason, Report, Shares, SourceReport};
use super::tree::{Body, Build, Folder, Source, Step, Value};
use crate::catalogue::{self, Component};
use reason::{added_step_reason, dropped_step_reason, missing_variables, reason};
pub use value::Pending;
use value::{equivalent, hcl, is_reference, strings};

/// Compares the original tree with the compiled one, source by source.
///
/// `original`: the tree read per environment (as given to `map`); `compiled`: the compiled
/// tree read per environment (same names, same order); `imported`: what the mapper made of
/// `original`, whose [`Imported::origins`] pair the sources.
pub fn compare(
    original: &[Environment],
    compiled: &[(String, Folder)],
    imported: &Imported,
) -> Report {
    compare_with(original, compiled, imported, &Pending::default())
}

/// [`compare`], reading the files in `files` as if they were written (the files an import is
/// about to write, which the compiled tree names).
pub fn compare_with(
    original: &[Environment],
    compiled: &[(String, Folder)],
    imported: &Imported,
    files: &Pending,
) -> Report {
    let environments: Vec<String> = original.iter().map(|e| e.name.clone()).collect();
    let mut origins: Vec<&Origin> = imported.origins.iter().collect();
    origins.sort_by(|a, b| {
        (&a.os, a.platform, &a.compiled, &a.folder, &a.source).cmp(&(
            &b.os,
            b.platform,
            &b.compiled,
            &b.folder,
            &b.source,
        ))
    });
    let sources = origins
        .into_iter()
        .map(|origin| {
            let unmapped: Vec<(&str, &Value, &str)> = imported
                .unmapped
                .iter()
                .filter(|u| u.folder == origin.folder && u.source == origin.source)
                .map(|u| (u.argument.as_str(), &u.value, u.reason.as_str()))
                .collect();
            let mut entries: Vec<Entry> = Vec::new();
            for (i, environment) in original.iter().enumerate() {
                let old = environment.folders.iter().find(|f| f.path == origin.folder);
                let new = compiled
                    .iter()
                    .find(|(name, _)| *name == environment.name)
                    .or_else(|| compiled.get(i))
                    .map(|(_, f)| f);
                let mut found = match (old, new) {
                    (Some(old), Some(new)) => pair(
                        &Side::new(old, &origin.source),
                        &Side::new(new, &origin.compiled),
                        files,
                    ),
                    _ => vec![missing_tree(old.is_none())],
                };
                if let Some(old) = old {
                    let side = Side::new(old, &origin.source);
                    place_unmapped(&mut found, &unmapped, &side);
                }
                merge(&mut entries, found, &environment.name);
            }
            SourceReport {
                os: origin.os.clone(),
                platform: origin.platform,
                folder: origin.folder.clone(),
                original: origin.source.clone(),
                compiled: origin.compiled.clone(),
                entries,
            }
        })
        .collect();
    Report {
        environments,
        sources,
        shares: shares(original, imported),
    }
}

/// One side of a comparison: a folder and the source in it called `name` (`TYPE.NAME`).
pub(crate) struct Side<'a> {
    folder: &'a Folder,
    name: &'a str,
    source: Option<&'a Source>,
    /// The values of the folder's sensitive variables, longest first.
    secrets: Vec<String>,
}

impl<'a> Side<'a> {
    pub(crate) fn new(folder: &'a Folder, name: &'a str) -> Self {
        let source = folder
            .sources
            .iter()
            .find(|s| format!("{}.{}", s.builder, s.name) == name);
        let mut secrets = Vec::new();
        for variable in folder.variables.iter().filter(|v| v.sensitive) {
            if let Some(value) = &variable.value {
                strings(value, &mut secrets);
            }
        }
        for a in &folder.assignments {
            if folder.variable(&a.name).is_some_and(|v| v.sensitive) {
                strings(&a.value, &mut secrets);
            }
        }
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Side {
            folder,
            name,
            source,
            secrets,
        }
    }

    /// The build that builds this source, and the steps of it that apply to the source.
    fn steps(&self, post: bool) -> Vec<&'a Step> {
        let named = |s: &String| s.strip_prefix("source.").unwrap_or(s) == self.name;
        let Some(build) = self
            .folder
            .builds
            .iter()
            .find(|b: &&Build| b.sources.iter().any(named))
        else {
            return Vec::new();
        };
        let steps = if post {
            &build.post_processors
        } else {
            &build.provisioners
        };
        steps
            .iter()
            .filter(|s| s.only.is_empty() || s.only.iter().any(named))
            .filter(|s| !s.except.iter().any(named))
            .collect()
    }

    /// `value` as HCL, with this folder shown as `${path.root}` and every secret masked.
    fn show(&self, value: &Value, secret: bool) -> String {
        if secret && !is_reference(value) {
            return MASK.to_owned();
        }
        let mut text = hcl(value);
        // The reader evaluates `path.root` as the folder and `path.cwd` as the working folder:
        // shown as written, the report reads the same wherever the trees are.
        // The folder as given (`a/../b`), and as the reader resolves a path in it (made
        // absolute, `.` and `..` folded).
        let cwd = std::env::current_dir().unwrap_or_default();
        let resolved =
            crate::import::read::functions::absolute(&cwd, &self.folder.path.to_string_lossy());
        for root in [self.folder.path.clone(), resolved] {
            text = named_path(&text, &root, "${path.root}");
            if let Some(parent) = root.parent() {
                text = named_path(&text, parent, "${path.root}/..");
            }
        }
        text = named_path(&text, &cwd, "${path.cwd}");
        for s in &self.secrets {
            text = text.replace(s.as_str(), MASK);
        }
        text
    }
}

/// What is compared inside one block: the component whose catalogue says which arguments are
/// secret, and the names of the blocks around.
#[derive(Clone)]
struct Place<'p> {
    component: Option<Component>,
    /// `shell`, `manifest` in a step; `None` in the source.
    step: Option<&'p str>,
    /// Argument and block names from the component's top (no indexes).
    names: Vec<String>,
    /// The files to read as written.
    files: &'p Pending,
}

impl Place<'_> {
    fn secret(&self) -> bool {
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        match self.component {
            Some(c) => catalogue::secrecy(c, &names).is_secret(),
            None => names.last().is_some_and(|n| catalogue::secret_by_name(n)),
        }
    }
}

/// `text` with `path` written as `name` where a string starts with it (after `"` or `=`) and
/// it is followed by `/` or the string's end.
fn named_path(text: &str, path: &Path, name: &str) -> String {
    let path = path.display().to_string();
    if path.len() < 2 {
        return text.to_owned();
    }
    let mut out = text.to_owned();
    for before in ['"', '='] {
        for after in ['/', '"'] {
            out = out.replace(
                &format!("{before}{path}{after}"),
                &format!("{before}{name}{after}"),
            );
        }
    }
    out
}

fn component(name: &str) -> Option<Component> {
    Component::ALL.into_iter().find(|c| c.name() == name)
}

/// Every entry of one original source against its compiled source, in one environment.
pub(crate) fn pair(old: &Side<'_>, new: &Side<'_>, files: &Pending) -> Vec<Entry> {
    let mut out = Vec::new();
    let (Some(o), Some(n)) = (old.source, new.source) else {
        out.push(Entry {
            path: "source".into(),
            difference: match old.source {
                None => Difference::Added {
                    new: format!("{} (the original folder has no `{}`)", new.name, old.name),
                },
                Some(_) => Difference::Dropped {
                    old: format!("{} (the compiled tree has no `{}`)", old.name, new.name),
                },
            },
            reason: None,
            basis: Basis::Value,
            environments: Vec::new(),
            note: None,
        });
        return out;
    };
    let place = Place {
        component: component(&o.builder),
        step: None,
        names: Vec::new(),
        files,
    };
    bodies(old, new, &place, "", &o.body, &n.body, &mut out);
    steps(old, new, false, files, &mut out);
    steps(old, new, true, files, &mut out);
    out
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else if name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        format!("{prefix}.{name}")
    } else {
        format!("{prefix}[{name:?}]")
    }
}

fn bodies(
    old: &Side<'_>,
    new: &Side<'_>,
    place: &Place<'_>,
    prefix: &str,
    a: &Body,
    b: &Body,
    out: &mut Vec<Entry>,
) {
    let names = a.attributes.iter().map(|x| x.name.as_str()).chain(
        b.attributes
            .iter()
            .map(|x| x.name.as_str())
            .filter(|n| a.get(n).is_none()),
    );
    // `lower::azure::azure` writes a gallery's regions as `target_region` blocks, where the
    // tree may have the list `replication_regions`: the same regions are no difference.
    let regions = a
        .get("replication_regions")
        .zip(b.get("target_region"))
        .map(|(x, y)| (&x.value, &y.value));
    if let Some((list, blocks)) = regions {
        let names = match blocks {
            Value::Blocks(bodies) => Value::List(
                bodies
                    .iter()
                    .filter_map(|b| b.get("name").map(|n| n.value.clone()))
                    .collect(),
            ),
            other => other.clone(),
        };
        let mut inner = place.clone();
        inner.names.push("replication_regions".into());
        values(
            old,
            new,
            &inner,
            &join(prefix, "replication_regions"),
            Some(list),
            Some(&names),
            out,
        );
    }
    let names = names
        .filter(|n| regions.is_none() || !matches!(*n, "replication_regions" | "target_region"));
    for name in names {
        let mut inner = place.clone();
        inner.names.push(name.to_owned());
        let path = join(prefix, name);
        let x = a.get(name).map(|x| &x.value);
        let y = b.get(name).map(|y| &y.value);
        values(old, new, &inner, &path, x, y, out);
    }
}

fn values(
    old: &Side<'_>,
    new: &Side<'_>,
    place: &Place<'_>,
    path: &str,
    x: Option<&Value>,
    y: Option<&Value>,
    out: &mut Vec<Entry>,
) {
    let secret = place.secret();
    let mut basis = Basis::Value;
    let difference = match (x, y) {
        (None, None) => return,
        // An argument set to null is an argument not set (HCL's rule, which Packer follows).
        (Some(Value::Null), None) | (None, Some(Value::Null)) => Difference::Equal,
        (Some(Value::Blocks(xs)), Some(Value::Blocks(ys))) => {
            for i in 0..xs.len().max(ys.len()) {
                let path = format!("{path}[{i}]");
                match (xs.get(i), ys.get(i)) {
                    (Some(a), Some(b)) => bodies(old, new, place, &path, a, b, out),
                    (a, b) => {
                        let a = a.map(|a| Value::Blocks(vec![a.clone()]));
                        let b = b.map(|b| Value::Blocks(vec![b.clone()]));
                        values(old, new, place, &path, a.as_ref(), b.as_ref(), out);
                    }
                }
            }
            return;
        }
        (Some(Value::Object(xs)), Some(Value::Object(ys))) if !secret => {
            let keys = xs.iter().map(|(k, _)| k).chain(
                ys.iter()
                    .map(|(k, _)| k)
                    .filter(|k| !xs.iter().any(|(j, _)| j == *k)),
            );
            for key in keys {
                let a = xs.iter().find(|(k, _)| k == key).map(|(_, v)| v);
                let b = ys.iter().find(|(k, _)| k == key).map(|(_, v)| v);
                let mut inner = place.clone();
                inner.names.push(key.clone());
                values(old, new, &inner, &join(path, key), a, b, out);
            }
            return;
        }
        (Some(a), Some(b)) => {
            let (equal, by) = equivalent(a, b, place.files);
            basis = by;
            if equal {
                Difference::Equal
            } else {
                Difference::Changed {
                    old: old.show(a, secret),
                    new: new.show(b, secret),
                }
            }
        }
        (Some(a), None) => Difference::Dropped {
            old: old.show(a, secret),
        },
        (None, Some(b)) => Difference::Added {
            new: new.show(b, secret),
        },
    };
    let reason = match difference {
        Difference::Equal => None,
        _ => reason(place, x, y, basis),
    };
    let note = match (&difference, &reason) {
        (Difference::Equal, _) | (_, Some(_)) => None,
        _ => missing_variables(x, y),
    };
    out.push(Entry {
        path: path.to_owned(),
        difference,
        reason,
        basis,
        environments: Vec::new(),
        note,
    });
}

/// The steps of both sources' builds, aligned by kind in order (a longest common
/// subsequence), then compared argument by argument. A step is named by its index in the
/// original's list, or in the compiled list when only the compiled tree has it.
fn steps(old: &Side<'_>, new: &Side<'_>, post: bool, files: &Pending, out: &mut Vec<Entry>) {
    let label = if post {
        "post-processor"
    } else {
        "provisioner"
    };
    let xs = old.steps(post);
    let ys = new.steps(post);
    // A finishing step pairs only with a finishing step: the tree's other steps of its kind
    // are not hybridc's to rewrite.
    let finish = |s: &Step| added_step_reason(s) == Some(Reason::Finish);
    let pairs = |i: usize, j: usize| xs[i].kind == ys[j].kind && finish(xs[i]) == finish(ys[j]);
    for (i, j) in align(xs.len(), ys.len(), pairs) {
        match (i.map(|i| (i, xs[i])), j.map(|j| (j, ys[j]))) {
            (Some((i, x)), Some((_, y))) if x.kind == "manifest" => {
                // What an artifact's record holds is hybridc's own: one entry for the step.
                let equal = value::same_body(&x.body, &y.body);
                out.push(Entry {
                    path: format!("{label}[{i}] manifest"),
                    difference: if equal {
                        Difference::Equal
                    } else {
                        Difference::Changed {
                            old: old.show(&step_value(x), false),
                            new: new.show(&step_value(y), false),
                        }
                    },
                    reason: (!equal).then_some(Reason::Manifest),
                    basis: Basis::Value,
                    environments: Vec::new(),
                    note: None,
                });
            }
            (Some((i, x)), Some((_, y))) => {
                let place = Place {
                    component: component(&x.kind),
                    step: Some(&x.kind),
                    names: Vec::new(),
                    files,
                };
                bodies(
                    old,
                    new,
                    &place,
                    &format!("{label}[{i}]"),
                    &x.body,
                    &y.body,
                    out,
                );
            }
            (Some((i, x)), None) => out.push(Entry {
                path: format!("{label}[{i}] {}", x.kind),
                difference: Difference::Dropped {
                    old: old.show(&step_value(x), false),
                },
                reason: dropped_step_reason(x),
                basis: Basis::Value,
                environments: Vec::new(),
                note: None,
            }),
            (None, Some((j, y))) => out.push(Entry {
                path: format!("{label}[{j}] {}", y.kind),
                difference: Difference::Added {
                    new: new.show(&step_value(y), false),
                },
                reason: added_step_reason(y),
                basis: Basis::Value,
                environments: Vec::new(),
                note: None,
            }),
            (None, None) => {}
        }
    }
}

/// A step as one value, to show it whole.
fn step_value(step: &Step) -> Value {
    Value::Blocks(vec![step.body.clone()])
}

/// Pairs of indexes of a longest common subsequence of the two lists by kind, with the
/// unpaired ones in between, in order.
fn align(
    n: usize,
    m: usize,
    pairs: impl Fn(usize, usize) -> bool,
) -> Vec<(Option<usize>, Option<usize>)> {
    let mut table = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if pairs(i, j) {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && pairs(i, j) {
            out.push((Some(i), Some(j)));
            i += 1;
            j += 1;
        } else if j == m || i < n && table[i + 1][j] >= table[i][j + 1] {
            out.push((Some(i), None));
            i += 1;
        } else {
            out.push((None, Some(j)));
            j += 1;
        }
    }
    out
}

/// A folder missing from one side's environment: the source cannot be compared there.
fn missing_tree(original: bool) -> Entry {
    let side = if original { "original" } else { "compiled" };
    Entry {
        path: "source".into(),
        difference: Difference::Dropped {
            old: format!("the {side} folder was not read in this environment"),
        },
        reason: None,
        basis: Basis::Value,
        environments: Vec::new(),
        note: None,
    }
}

/// Each argument the mapper could not place becomes one dropped entry with its reason, in
/// place of whatever the comparison found at that path.
fn place_unmapped(entries: &mut Vec<Entry>, unmapped: &[(&str, &Value, &str)], side: &Side<'_>) {
    for (argument, value, why) in unmapped {
        let mut paths = unmapped_paths(argument, side);
        // Of the steps of its kind, the ones that set it.
        if paths.len() > 1 {
            paths.retain(|p| entries.iter().any(|e| e.path == *p));
        }
        let under = |path: &str| {
            whole_step(path, argument)
                || paths.iter().any(|p| {
                    path == p
                        || path.starts_with(&format!("{p}."))
                        || path.starts_with(&format!("{p}["))
                })
        };
        let at = entries.iter().position(|e| under(&e.path));
        entries.retain(|e| !under(&e.path));
        let secret =
            catalogue::secret_by_name(argument.rsplit([' ', '.']).next().unwrap_or(argument));
        let entry = Entry {
            path: match paths.as_slice() {
                [one] => one.clone(),
                _ => (*argument).to_owned(),
            },
            difference: Difference::Dropped {
                old: side.show(value, secret),
            },
            reason: Some(Reason::Unmapped {
                why: (*why).to_owned(),
            }),
            basis: Basis::Value,
            environments: Vec::new(),
            note: None,
        };
        entries.insert(at.unwrap_or(entries.len()).min(entries.len()), entry);
    }
}

/// The paths the mapper's name of an argument stands for: itself, or for a step's argument
/// (`provisioner "ansible" user`) that argument of each step of that kind.
fn unmapped_paths(argument: &str, side: &Side<'_>) -> Vec<String> {
    let step = argument
        .split_once(' ')
        .and_then(|(label, rest)| Some((label, rest.split_once(' ')?)));
    let Some((label, (kind, name))) = step else {
        return vec![argument.to_owned()];
    };
    let kind = kind.trim_matches('"');
    side.steps(label == "post-processor")
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == kind)
        .map(|(i, _)| format!("{label}[{i}].{name}"))
        .collect()
}

/// Whether `path` names a whole step (`provisioner[3] shell-local`) that the mapper's
/// `argument` names by its kind (`provisioner "shell-local"`).
fn whole_step(path: &str, argument: &str) -> bool {
    let Some((label, kind)) = argument.split_once(' ') else {
        return false;
    };
    let kind = kind.trim_matches('"');
    path.strip_prefix(label)
        .and_then(|rest| rest.strip_prefix('['))
        .and_then(|rest| rest.split_once("] "))
        .is_some_and(|(index, k)| index.chars().all(|c| c.is_ascii_digit()) && k == kind)
}

/// Adds one environment's entries: an entry the same in an earlier environment gains the
/// environment; another is added after the last entry of its path.
fn merge(entries: &mut Vec<Entry>, found: Vec<Entry>, environment: &str) {
    for mut entry in found {
        let same = entries.iter_mut().find(|e| {
            e.path == entry.path
                && e.difference == entry.difference
                && e.reason == entry.reason
                && e.basis == entry.basis
        });
        if let Some(e) = same {
            e.environments.push(environment.to_owned());
            continue;
        }
        entry.environments = vec![environment.to_owned()];
        let at = entries
            .iter()
            .rposition(|e| e.path == entry.path)
            .map_or(entries.len(), |i| i + 1);
        entries.insert(at, entry);
    }
}

/// Where the original sources' arguments went, counted in the first environment: a spec field,
/// `options:` (the spec's platform or OS options for that platform name it), or the report.
fn shares(original: &[Environment], imported: &Imported) -> Shares {
    let spec = crate::yaml::parse(&imported.spec)
        .map(|node| node.to_json())
        .unwrap_or_default();
    let mut shares = Shares::default();
    let Some(first) = original.first() else {
        return shares;
    };
    for origin in &imported.origins {
        let Some(folder) = first.folders.iter().find(|f| f.path == origin.folder) else {
            continue;
        };
        let Some(source) = Side::new(folder, &origin.source).source else {
            continue;
        };
        let p = origin.platform.as_str();
        let options = [
            &spec["platforms"][p]["options"],
            &spec["oses"][origin.os.as_str()][p]["options"],
        ];
        for attribute in &source.body.attributes {
            shares.arguments += 1;
            let unmapped = imported.unmapped.iter().any(|u| {
                u.folder == origin.folder
                    && u.source == origin.source
                    && (u.argument == attribute.name
                        || u.argument.starts_with(&format!("{}.", attribute.name))
                        || u.argument.starts_with(&format!("{}[", attribute.name)))
            });
            if unmapped {
                shares.unmapped += 1;
            } else if options.iter().any(|o| o.get(&attribute.name).is_some()) {
                shares.options += 1;
            } else {
                shares.spec += 1;
            }
        }
    }
    shares
}
