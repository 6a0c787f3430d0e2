//! What a body of one schema of the catalogue must hold, worked out once per schema for the
//! checker: the required arguments and blocks, the rules between arguments with their
//! alternatives split, and the schema's names hashed and numbered, so that a body's names are
//! looked up once each and counted by number.

use super::check::{Arguments, Blocks};
use super::names::NameMap;
use super::{Argument, BlockSchema, Component, Rule};

/// What a body of one schema must hold, and its names for lookup, worked out once per schema.
#[derive(Debug, Clone)]
pub(super) struct Required {
    /// The required arguments, with their [`Named::id`].
    pub(super) arguments: Vec<(&'static str, usize)>,
    /// The required blocks, with their [`Named::id`].
    pub(super) blocks: Vec<(&'static str, usize)>,
    /// The rules of the scope, their alternatives split once.
    pub(super) rules: Vec<(&'static Rule, Vec<Alternative>)>,
    /// Each argument and block name of the schema, hashed: a body looks every entry up, and
    /// this costs one hash where the catalogue's maps compare the name with a dozen others.
    pub(super) named: NameMap<'static, Named>,
}

/// What a name stands for in one schema: an argument, a block, or both.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Named {
    /// The name's number in its schema, for counting how often a body sets it.
    pub(super) id: usize,
    pub(super) argument: Option<&'static Argument>,
    pub(super) block: Option<(&'static str, &'static BlockSchema)>,
}

/// One alternative of a rule: names set together (`a+b`), or either spelling of one choice
/// (`a|b`).
#[derive(Debug, Clone)]
pub(super) struct Alternative {
    together: bool,
    names: Vec<Slot>,
}

/// A name a rule mentions: one of its schema's ([`Named::id`]), or another.
#[derive(Debug, Clone)]
enum Slot {
    Known(usize),
    Other(&'static str),
}

/// How often a body sets each name: by [`Named::id`] for the schema's names, and the others
/// as they are.
pub(super) struct Present<'v> {
    pub(super) counts: Vec<u32>,
    pub(super) others: Vec<&'v str>,
    /// Some name is set more than once.
    pub(super) repeated: bool,
}

impl Present<'_> {
    fn has(&self, slot: &Slot) -> bool {
        match slot {
            Slot::Known(id) => self.counts[*id] > 0,
            Slot::Other(name) => self.others.contains(name),
        }
    }

    /// Whether an alternative of a rule is satisfied.
    pub(super) fn satisfies(&self, alternative: &Alternative) -> bool {
        if alternative.together {
            alternative.names.iter().all(|n| self.has(n))
        } else {
            alternative.names.iter().any(|n| self.has(n))
        }
    }
}

impl Required {
    /// Works out what a body of the schema `arguments` and `blocks` must hold: `scope` is the
    /// block's name, `None` for the component's own body.
    pub(super) fn new(
        component: Component,
        arguments: &'static Arguments,
        blocks: &'static Blocks,
        scope: Option<&str>,
    ) -> Self {
        let named = index(arguments, blocks);
        let id = |name: &str| named.get(name).map_or(usize::MAX, |n| n.id);
        let slot = |name: &'static str| match named.get(name) {
            Some(n) => Slot::Known(n.id),
            None => Slot::Other(name),
        };
        let alternative = |alternative: &'static String| {
            let together = alternative.contains('+');
            let split = alternative.split(if together { '+' } else { '|' });
            Alternative {
                together,
                names: split.map(slot).collect(),
            }
        };
        Required {
            arguments: arguments
                .iter()
                .filter(|(_, a)| a.required)
                .map(|(name, _)| (name.as_str(), id(name)))
                .collect(),
            blocks: blocks
                .iter()
                .filter(|(_, b)| b.required)
                .map(|(name, _)| (name.as_str(), id(name)))
                .collect(),
            rules: component
                .schema()
                .conditional_requirements
                .iter()
                .filter(|r| r.scope.as_deref() == scope)
                .map(|r| (r, r.arguments.iter().map(alternative).collect()))
                .collect(),
            named,
        }
    }

    /// How often the body with these entry names sets each name.
    pub(super) fn present<'v>(&self, names: impl Iterator<Item = &'v str>) -> Present<'v> {
        let mut present = Present {
            counts: vec![0; self.named.len()],
            others: Vec::new(),
            repeated: false,
        };
        for name in names {
            if let Some(named) = self.named.get(name) {
                present.counts[named.id] += 1;
                present.repeated |= present.counts[named.id] > 1;
            } else {
                present.repeated |= present.others.contains(&name);
                present.others.push(name);
            }
        }
        present
    }
}

/// The names of one schema's arguments and blocks, for [`Required::named`].
fn index(arguments: &'static Arguments, blocks: &'static Blocks) -> NameMap<'static, Named> {
    let mut named = NameMap::with_capacity_and_hasher(
        arguments.len() + blocks.len(),
        std::hash::BuildHasherDefault::default(),
    );
    for (name, argument) in arguments {
        let next = named.len();
        let entry = named.entry(name.as_str()).or_insert(Named {
            id: next,
            ..Named::default()
        });
        entry.argument = Some(argument);
    }
    for (name, block) in blocks {
        let next = named.len();
        let entry = named.entry(name.as_str()).or_insert(Named {
            id: next,
            ..Named::default()
        });
        entry.block = Some((name.as_str(), block));
    }
    named
}
