//! Completion of the names the schema cannot know: the spec's own provisioning sets, builds
//! and platforms where they are referenced, the credentials it already reads, the editions
//! and releases of hybridc's OS catalogue, and the plugin arguments `options:` may pass (those
//! hybridc does not set itself).

use std::collections::BTreeMap;

use super::locate::{self, Cursor, Place};
use super::options::{self, Entry};
use super::{Completion, CompletionKind, Document};
use crate::release::OsFacts;
use crate::spec::{Os, PlatformName};
use crate::yaml::{Node, Value};

/// What may be written at byte `offset`: empty where the spec takes no name of its own, or
/// when the text is not YAML even with the word at the cursor left out.
pub fn completion(doc: &Document, offset: usize) -> Vec<Completion> {
    let repaired;
    let (tree, text) = match doc.tree() {
        Some(tree) => (tree, None),
        None => match repair(doc.text(), offset) {
            Some(found) => {
                repaired = found;
                (&repaired.1, Some(&repaired.0))
            }
            None => return Vec::new(),
        },
    };
    let Some(cursor) = locate::cursor(tree, doc.text(), offset) else {
        return Vec::new();
    };
    let mut found = Complete {
        doc,
        text,
        tree,
        cursor: &cursor,
        out: Vec::new(),
    }
    .run();
    found.sort_by(|a, b| a.label.cmp(&b.label));
    found.dedup_by(|a, b| a.label == b.label);
    found
}

/// The text with the word at `offset` blanked out, else its whole line, and its tree: the
/// first of the two that parses. Blanks keep every byte offset where it was.
fn repair(text: &str, offset: usize) -> Option<(String, Node)> {
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    let word = locate::word(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    [word, line_start..line_end].into_iter().find_map(|range| {
        let blanked = blank(text, &range);
        let tree = crate::yaml::parse(&blanked).ok()?;
        Some((blanked, tree))
    })
}

/// `text` with the bytes of `range` (on character boundaries) turned into spaces.
fn blank(text: &str, range: &std::ops::Range<usize>) -> String {
    let mut blanked = String::with_capacity(text.len());
    blanked.push_str(&text[..range.start]);
    blanked.extend(
        text[range.clone()]
            .chars()
            .map(|c| " ".repeat(c.len_utf8())),
    );
    blanked.push_str(&text[range.end..]);
    blanked
}

struct Complete<'a> {
    doc: &'a Document,
    /// The text of `tree` when it is not the document's own.
    text: Option<&'a String>,
    tree: &'a Node,
    cursor: &'a Cursor,
    out: Vec<Completion>,
}

impl<'a> Complete<'a> {
    fn run(mut self) -> Vec<Completion> {
        let path = self.cursor.path();
        // Where a list item or a key is, with the path of its list or mapping.
        let (container, item) = match self.cursor.place {
            Place::NewItem => (&path[..], true),
            Place::Value(_) => match path.split_last() {
                Some((last, rest)) if last.parse::<usize>().is_ok() => (rest, true),
                _ => (&path[..], false),
            },
            Place::NewKey => (&path[..], false),
            Place::Key(_) => (path.split_last().map_or(&path[..], |(_, rest)| rest), false),
        };
        let key = matches!(self.cursor.place, Place::NewKey | Place::Key(_));
        match (container, item, key) {
            (["oses", _, "provisioning"], true, _) => self.provisioning_sets(),
            (["oses", _, "platforms"], true, _)
            | (["oses", _, "editions", _, "platforms"], true, _)
            | (["provisioning", _, _, _, "only"], true, _)
            | (["ci", "tags"], false, true) => self.platforms(container),
            (["oses", os, "editions"], true, _) => self.editions(os),
            (["oses", _, "release"], false, false) => self.releases(),
            (["defaults" | "environments", ..], false, true)
                if container.ends_with(&["network", "addresses"]) =>
            {
                self.builds(container)
            }
            (_, false, false) if path.last() == Some(&"env") => self.credentials(&path),
            (_, false, true) => {
                if let Some(place) = options::place(self.tree, self.doc.loaded(), container) {
                    self.options(container, &place);
                }
            }
            _ => {}
        }
        self.out
    }

    fn push(&mut self, label: &str, kind: CompletionKind, detail: Option<String>) {
        self.out.push(Completion {
            label: label.to_owned(),
            kind,
            detail,
            documentation: None,
            insert_text: self.insert(label),
            replace: self.cursor.word.clone(),
        });
    }

    /// A new key is written with its colon; an existing key or a value as it is.
    fn insert(&self, label: &str) -> Option<String> {
        (self.cursor.place == Place::NewKey).then(|| format!("{label}: "))
    }

    /// The node at a path of mapping keys and sequence indices.
    fn node(&self, path: &[&str]) -> Option<&'a Node> {
        super::node_at(self.tree, path)
    }

    /// The names a list holds, or the keys a mapping has, but the one at the cursor (which a
    /// completion may write again).
    fn listed(&self, path: &[&str]) -> Vec<&'a str> {
        let at = self.cursor.word.start;
        match self.node(path).map(|n| &n.value) {
            Some(Value::Seq(items)) => items
                .iter()
                .filter(|item| item.span.start != at)
                .filter_map(|item| match &item.value {
                    Value::Str(text) => Some(text.as_str()),
                    _ => None,
                })
                .collect(),
            Some(Value::Map(entries)) => entries
                .iter()
                .filter(|e| e.key_span.start != at)
                .map(|e| e.key.as_str())
                .collect(),
            _ => Vec::new(),
        }
    }

    fn provisioning_sets(&mut self) {
        let Some(sets) = self.node(&["provisioning"]) else {
            return;
        };
        for set in sets.entries() {
            let detail = format!(
                "provisioning set: {}",
                super::step_kinds(&set.value).join(", ")
            );
            self.push(&set.key, CompletionKind::Reference, Some(detail));
        }
    }

    /// The platforms the spec configures, but those the list names already.
    fn platforms(&mut self, list: &[&str]) {
        let listed = self.listed(list);
        let configured: Vec<&str> = self
            .node(&["platforms"])
            .map(|p| p.entries().iter().map(|e| e.key.as_str()).collect())
            .unwrap_or_default();
        for platform in PlatformName::ALL {
            let name = platform.as_str();
            if configured.contains(&name) && !listed.contains(&name) {
                self.push(name, CompletionKind::Reference, Some("platform".into()));
            }
        }
    }

    fn os(&self, name: &str) -> Option<Os> {
        super::typed_os(self.tree, name)
    }

    /// The editions of the OS's release, but those it names already.
    fn editions(&mut self, name: &str) {
        let Some(os) = self.os(name) else { return };
        let listed = self.listed(&["oses", name, "editions"]);
        for edition in os.known_editions() {
            if listed.contains(&edition.name) {
                continue;
            }
            let mut detail = edition.image_name.to_owned();
            if edition.default {
                detail.push_str(" (built by default)");
            }
            self.push(edition.name, CompletionKind::Value, Some(detail));
        }
    }

    fn releases(&mut self) {
        for release in crate::release::all() {
            self.push(
                release.name,
                CompletionKind::Value,
                Some(release.description.to_owned()),
            );
        }
    }

    /// The spec's builds (an OS, or each Windows edition of one), but those the mapping has.
    fn builds(&mut self, addresses: &[&str]) {
        let present = self.listed(addresses);
        let names: Vec<String> = self
            .node(&["oses"])
            .map(|n| n.entries().iter().map(|e| e.key.clone()).collect())
            .unwrap_or_default();
        for name in names {
            let builds = match self.os(&name) {
                Some(os) => crate::release::build_names(&name, &os),
                None => vec![name.clone()],
            };
            for build in builds {
                if !present.contains(&build.as_str()) {
                    let detail = format!("build of OS `{name}`");
                    self.push(&build, CompletionKind::Reference, Some(detail));
                }
            }
        }
    }

    /// The text to check when the document's own does not pass: without the word being
    /// typed, and with `{}` for the mapping at `container` when it has no key yet.
    fn checkable(&self, container: &[&str]) -> String {
        let mut text = match self.text {
            Some(text) => text.clone(),
            None => blank(self.doc.text(), &self.cursor.word),
        };
        let empty =
            super::node_at(self.tree, container).is_some_and(|n| matches!(n.value, Value::Null));
        let key = self
            .tree
            .locate(&crate::pointer::from_tokens(container))
            .and_then(|l| l.key);
        if let (true, Some(key)) = (empty, key)
            && let Some(colon) = text[key.end..].find(':').map(|i| key.end + i + 1)
        {
            text.insert_str(colon, " {}");
        }
        text
    }

    /// The environment variables the spec's credentials read already.
    fn credentials(&mut self, path: &[&str]) {
        // A step's `env:` is a mapping of its own, not a credential.
        if path.len() >= 2 && matches!(path[path.len() - 2], "shell" | "powershell") {
            return;
        }
        let mut used: BTreeMap<&str, usize> = BTreeMap::new();
        credentials(self.tree, self.cursor.word.start, &mut used);
        for (name, count) in used {
            let detail = format!(
                "environment variable, read {count} time{}",
                if count == 1 { "" } else { "s" }
            );
            self.push(name, CompletionKind::Variable, Some(detail));
        }
    }

    /// The arguments of the plugin component the `options:` at `container` go to: those of a
    /// nested block below it, or the component's own but those hybridc sets itself.
    fn options(&mut self, container: &[&str], place: &options::Place<'_>) {
        let Some((arguments, blocks)) = options::body(place.component, &place.names) else {
            return;
        };
        let set = if place.names.is_empty() {
            let checked;
            let loaded = match self.doc.loaded() {
                Some(loaded) => Some(loaded),
                None => {
                    checked = self.doc.check(self.checkable(container));
                    checked.as_ref()
                }
            };
            loaded.map(|l| options::set_by_hybridc(l, place))
        } else {
            None
        };
        let present = self.listed(container);
        let entries = arguments
            .iter()
            .filter(|(_, a)| !a.internal && !a.deprecated)
            .map(|(name, a)| (name, Entry::Argument(a)))
            .chain(
                blocks
                    .iter()
                    .filter(|(_, b)| !b.deprecated)
                    .map(|(name, b)| (name, Entry::Block(b))),
            );
        for (name, entry) in entries {
            if set.as_ref().is_some_and(|s| s.contains(name)) || present.contains(&name.as_str()) {
                continue;
            }
            let summary = options::entry_summary(&entry);
            let secret = matches!(entry, Entry::Argument(a) if a.is_secret());
            self.out.push(Completion {
                label: name.clone(),
                kind: CompletionKind::Property,
                detail: Some(summary),
                documentation: Some(format!(
                    "Argument of `{}`{}{}",
                    place.component.name(),
                    if secret {
                        "; a secret: write it as `{ env: NAME }`"
                    } else {
                        ""
                    },
                    place
                        .component
                        .doc(&[place.names.as_slice(), &[name.as_str()]].concat())
                        .map(|doc| format!("\n\n{doc}"))
                        .unwrap_or_default()
                )),
                insert_text: self.insert(name),
                replace: self.cursor.word.clone(),
            });
        }
    }
}

/// The names every `{ env: NAME }` of the tree reads, with how often, but the one being
/// written at byte `cursor`.
fn credentials<'t>(node: &'t Node, cursor: usize, used: &mut BTreeMap<&'t str, usize>) {
    match &node.value {
        Value::Map(entries) => {
            if let [entry] = entries.as_slice()
                && entry.key == "env"
                && let Value::Str(name) = &entry.value.value
                && entry.value.span.start != cursor
            {
                *used.entry(name).or_default() += 1;
            }
            for entry in entries {
                credentials(&entry.value, cursor, used);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| credentials(i, cursor, used)),
        _ => {}
    }
}
