//! One walk of a body of named values against a component's catalogue entry.
//!
//! Two stages ask the catalogue the same questions: the semantic stage of the spec's passthrough
//! `options:` (YAML values), and conformance of the compiled model's arguments (HCL
//! expressions). Both hand a [`Body`] to [`Checker::component`], which looks every name up,
//! applies the catalogue's rules (known names, internal and deprecated arguments and blocks,
//! secrets, types by [`compatible`](super::compatible), block shapes, and for a complete body
//! repeated names, required arguments and blocks, and the rules between arguments) and returns
//! what fails as [`Finding`]s. It words nothing: each stage says a finding in its own terms,
//! and only for the findings there are.

use std::collections::BTreeMap;

use super::names::Names;
use super::required::Required;
use super::{Argument, BlockSchema, Component, Rule, RuleKind, Type};

/// A body of named values, as the checker walks it: the spec's `options:` or the model's
/// arguments. `'v` is the lifetime of the names and values it lends.
pub trait Body<'v>: Sized {
    /// An argument's value.
    type Value: ?Sized + 'v;
    /// Where an entry or the body itself is, for the stage to report at.
    type At: Clone;

    /// Where the body is: the place of a finding about what it lacks.
    fn at(&self) -> Self::At;

    /// The entries, in order: name, what it is, and where.
    fn entries(&self) -> Vec<(&'v str, Entry<'v, Self>, Self::At)>;

    /// A value whose name the catalogue declares as a block, opened into the block's bodies.
    fn open(&self, value: &'v Self::Value, at: &Self::At, block: &BlockSchema) -> Opened<'v, Self>;

    /// Whether `value` may stand where the catalogue declares `expected`.
    fn fits(&self, value: &'v Self::Value, expected: &Type) -> bool;

    /// Whether `value` keeps the argument's value out of the generated files.
    fn hides(&self, value: &'v Self::Value, argument: &Argument) -> Hiding;
}

/// One entry of a body.
pub enum Entry<'v, B: Body<'v>> {
    /// A value: the catalogue says whether its name is an argument or a block.
    Value(&'v B::Value),
    /// A block with its body, as HCL writes one.
    Block(B),
}

/// What a value whose name the catalogue declares as a block turns out to be.
pub enum Opened<'v, B: Body<'v>> {
    /// The block's bodies: one, or one for each item of a repeatable block's list; an item that
    /// is not a body, by where it is.
    Blocks(Vec<Result<B, Stray<'v, B>>>),
    /// Not of a block's shape.
    Shape,
    /// Not a block at all (an HCL attribute): its name is reported as unknown.
    NotABlock,
}

/// An item of a repeatable block's list that is not a body.
pub struct Stray<'v, B: Body<'v>> {
    /// Where it is.
    pub at: B::At,
    /// What it is.
    pub value: &'v B::Value,
}

/// Whether a value keeps an argument's value out of the generated files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hiding {
    /// It is written as it is.
    Shown,
    /// It is a reference to a value kept elsewhere (an environment or sensitive variable).
    Hidden,
    /// It is meant as such a reference, but the stage refuses it, for the reason given.
    Malformed(String),
}

/// Something a body does against the catalogue.
pub struct Finding<'v, B: Body<'v>> {
    /// The names of the catalogued blocks around the entry, outermost first.
    pub path: Vec<&'static str>,
    /// The entry's name, or the name the body lacks.
    pub name: &'v str,
    /// Where: the entry, or the body for what it lacks.
    pub at: B::At,
    /// The entry's value, when it is one.
    pub value: Option<&'v B::Value>,
    /// What is wrong.
    pub problem: Problem<B::At>,
}

/// What is wrong, with what a message about it needs.
#[derive(Debug)]
pub enum Problem<At> {
    /// No argument or block of this name; `block` when the entry is a block. `suggestion` is
    /// the closest catalogued name, and `suggests_secret` says that it holds a secret.
    Unknown {
        /// The entry is a block.
        block: bool,
        /// The closest name the body could have meant.
        suggestion: Option<&'static str>,
        /// That name holds a secret.
        suggests_secret: bool,
    },
    /// An argument Packer sets itself.
    Internal(&'static Argument),
    /// A deprecated argument.
    Deprecated(&'static Argument),
    /// A deprecated block.
    DeprecatedBlock(&'static BlockSchema),
    /// A secret argument whose value would be written into the files.
    Secret(&'static Argument),
    /// A reference the stage refuses ([`Hiding::Malformed`]).
    Malformed(String),
    /// A value of a type the argument does not take.
    WrongType(&'static Argument),
    /// A value of the wrong shape where a block is declared.
    NotABlock(&'static BlockSchema),
    /// An item of a repeatable block's list that is not a body.
    NotABody,
    /// A name set again, where it may be set once.
    Repeated,
    /// A required argument the body lacks.
    MissingArgument,
    /// A required block the body lacks.
    MissingBlock,
    /// A rule between arguments that does not hold.
    Rule {
        /// The rule.
        rule: &'static Rule,
        /// How many of its alternatives the body satisfies.
        present: usize,
        /// For `min_items`, the first block that appears too seldom.
        block: Option<&'static str>,
        /// Where the names of the satisfied alternatives are first set.
        involved: Vec<At>,
    },
}

/// Where in a component a body is: its own body or a nested block.
#[derive(Clone, Copy)]
enum Scope {
    Component,
    Block(&'static str, &'static BlockSchema),
}

/// Walks bodies against the catalogue. What each schema requires is worked out once per
/// process and kept with the schema.
#[derive(Default)]
pub struct Checker {
    _private: (),
}

impl Checker {
    /// A checker; what it works out about a schema is kept with the schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks `body` as the body of `component`. A `complete` body is all the component gets,
    /// so repeated names, required arguments and blocks, and the rules between arguments are
    /// checked too; a part of one (passthrough options) is not held to them.
    pub fn component<'v, B: Body<'v>>(
        &mut self,
        component: Component,
        body: &B,
        complete: bool,
    ) -> Vec<Finding<'v, B>> {
        let mut out = Vec::new();
        let mut walk = Walk {
            component,
            complete,
            path: Vec::new(),
            out: &mut out,
        };
        walk.body(body, Scope::Component);
        out
    }
}

pub(super) type Arguments = BTreeMap<String, Argument>;
pub(super) type Blocks = BTreeMap<String, BlockSchema>;

/// What a body of the schema at `scope` must hold.
fn required(component: Component, scope: Scope) -> &'static Required {
    let (arguments, blocks, scope_name) = schema_of(component, scope);
    let cell = match scope {
        Scope::Component => &component.schema().holds,
        Scope::Block(_, block) => &block.holds,
    };
    cell.get_or_init(|| Required::new(component, arguments, blocks, scope_name))
}

fn schema_of(
    component: Component,
    scope: Scope,
) -> (&'static Arguments, &'static Blocks, Option<&'static str>) {
    match scope {
        Scope::Component => {
            let schema = component.schema();
            (&schema.arguments, &schema.blocks, None)
        }
        Scope::Block(name, block) => (&block.arguments, &block.blocks, Some(name)),
    }
}

/// One walk of a component's body: where it is, and what it found so far.
struct Walk<'o, 'v, B: Body<'v>> {
    component: Component,
    complete: bool,
    path: Vec<&'static str>,
    out: &'o mut Vec<Finding<'v, B>>,
}

impl<'v, B: Body<'v>> Walk<'_, 'v, B> {
    fn push(
        &mut self,
        name: &'v str,
        at: B::At,
        value: Option<&'v B::Value>,
        problem: Problem<B::At>,
    ) {
        self.out.push(Finding {
            path: self.path.clone(),
            name,
            at,
            value,
            problem,
        });
    }

    fn body(&mut self, body: &B, scope: Scope) {
        let schema = required(self.component, scope);
        let entries = body.entries();
        for (name, entry, at) in &entries {
            let (name, at) = (*name, at.clone());
            let named = schema.named.get(name).copied().unwrap_or_default();
            match entry {
                Entry::Value(value) => {
                    if let Some(argument) = named.argument {
                        self.argument(body, name, argument, value, at);
                    } else if let Some((key, block)) = named.block {
                        self.block_value(body, scope, (name, key), block, value, at);
                    } else if !(matches!(scope, Scope::Component) && self.core(name)) {
                        self.unknown(scope, name, at, false);
                    }
                }
                Entry::Block(inner) => match named.block {
                    Some((key, block)) => {
                        if block.deprecated {
                            self.push(name, at, None, Problem::DeprecatedBlock(block));
                        }
                        self.nested(inner, key, block);
                    }
                    None => self.unknown(scope, name, at, true),
                },
            }
        }
        if self.complete {
            self.whole(body, schema, &entries);
        }
    }

    /// Whether Packer core decodes `name` on every block of the component (`only`, `name`).
    fn core(&self, name: &str) -> bool {
        self.component
            .schema()
            .core_block_arguments
            .contains_key(name)
    }

    /// Checks the body of a block, its name among the names around what is found in it.
    fn nested(&mut self, inner: &B, key: &'static str, block: &'static BlockSchema) {
        self.path.push(key);
        self.body(inner, Scope::Block(key, block));
        self.path.pop();
    }

    /// A value whose name the catalogue declares as a block: its shape, whether the block is
    /// deprecated, then each of its bodies.
    fn block_value(
        &mut self,
        body: &B,
        scope: Scope,
        (name, key): (&'v str, &'static str),
        block: &'static BlockSchema,
        value: &'v B::Value,
        at: B::At,
    ) {
        match body.open(value, &at, block) {
            Opened::Blocks(items) => {
                if block.deprecated {
                    self.push(name, at, Some(value), Problem::DeprecatedBlock(block));
                }
                for item in items {
                    match item {
                        Ok(inner) => self.nested(&inner, key, block),
                        Err(stray) => {
                            self.push(name, stray.at, Some(stray.value), Problem::NotABody);
                        }
                    }
                }
            }
            Opened::Shape => self.push(name, at, Some(value), Problem::NotABlock(block)),
            Opened::NotABlock => self.unknown(scope, name, at, false),
        }
    }

    /// One catalogued argument: internal (nothing else is said of it), deprecated, a secret
    /// written into the files (its type is not held against it then), its type.
    fn argument(
        &mut self,
        body: &B,
        name: &'v str,
        argument: &'static Argument,
        value: &'v B::Value,
        at: B::At,
    ) {
        if argument.internal {
            self.push(name, at, Some(value), Problem::Internal(argument));
            return;
        }
        if argument.deprecated {
            self.push(name, at.clone(), Some(value), Problem::Deprecated(argument));
        }
        match body.hides(value, argument) {
            Hiding::Malformed(why) => {
                self.push(name, at, Some(value), Problem::Malformed(why));
                return;
            }
            Hiding::Shown if argument.is_secret() => {
                self.push(name, at, Some(value), Problem::Secret(argument));
                return;
            }
            Hiding::Shown | Hiding::Hidden => {}
        }
        if !body.fits(value, &argument.kind) {
            self.push(name, at, Some(value), Problem::WrongType(argument));
        }
    }

    /// A name the catalogue does not know, with the closest one it could have meant: any
    /// argument a user may set or block for a value, a block for a block.
    fn unknown(&mut self, scope: Scope, name: &'v str, at: B::At, block: bool) {
        let (arguments, blocks, _) = schema_of(self.component, scope);
        let settable = arguments
            .iter()
            .filter(|(_, a)| !a.internal && !block)
            .map(|(n, _)| n.as_str());
        let suggestion =
            crate::diagnostic::closest(name, settable.chain(blocks.keys().map(String::as_str)));
        let suggests_secret = suggestion
            .and_then(|s| arguments.get(s))
            .is_some_and(Argument::is_secret);
        self.push(
            name,
            at,
            None,
            Problem::Unknown {
                block,
                suggestion,
                suggests_secret,
            },
        );
    }

    /// What a complete body must hold: each name once unless its block repeats, the required
    /// arguments and blocks, and the rules between arguments.
    fn whole(&mut self, body: &B, required: &Required, entries: &[(&'v str, Entry<'v, B>, B::At)]) {
        let present = required.present(entries.iter().map(|(name, _, _)| *name));
        let names = || Names::new(entries.iter().map(|(name, _, _)| *name));
        if present.repeated {
            for (name, at) in names().repeated() {
                let block = required.named.get(name).and_then(|n| n.block);
                if block.is_none_or(|(_, b)| !b.repeatable) {
                    self.push(name, entries[at].2.clone(), None, Problem::Repeated);
                }
            }
        }
        for (name, id) in &required.arguments {
            if present.counts[*id] == 0 {
                self.push(name, body.at(), None, Problem::MissingArgument);
            }
        }
        for (name, id) in &required.blocks {
            if present.counts[*id] == 0 {
                self.push(name, body.at(), None, Problem::MissingBlock);
            }
        }
        for (rule, alternatives) in &required.rules {
            // A `min_items` rule is counted by name, where the message finds its block.
            let satisfied = alternatives.iter().filter(|a| present.satisfies(a)).count();
            if matches!(rule.rule, RuleKind::MinItems) || breaks(rule, satisfied) {
                self.rule(body, &names(), entries, rule);
            }
        }
    }

    /// A rule between arguments that may fail: whether it does, and what a message needs.
    fn rule(
        &mut self,
        body: &B,
        names: &Names<'v>,
        entries: &[(&'v str, Entry<'v, B>, B::At)],
        rule: &'static Rule,
    ) {
        let satisfied = |alternative: &str| -> bool {
            if alternative.contains('+') {
                alternative.split('+').all(|a| names.has(a))
            } else {
                alternative.split('|').any(|a| names.has(a))
            }
        };
        let present = rule.arguments.iter().filter(|a| satisfied(a)).count();
        let mut block = None;
        let fails = match rule.rule {
            RuleKind::MinItems => {
                block = rule
                    .arguments
                    .iter()
                    .find(|a| names.count(a) < rule.minimum())
                    .map(String::as_str);
                block.is_some()
            }
            _ => breaks(rule, present),
        };
        if !fails {
            return;
        }
        let involved = rule
            .arguments
            .iter()
            .filter(|a| satisfied(a))
            .flat_map(|alternative| alternative.split(['|', '+']))
            .filter_map(|arg| names.first(arg).map(|at| entries[at].2.clone()))
            .collect();
        self.push(
            "",
            body.at(),
            None,
            Problem::Rule {
                rule,
                present,
                block,
                involved,
            },
        );
    }
}

/// Whether a rule that counts its satisfied alternatives fails with `present` of them.
fn breaks(rule: &Rule, present: usize) -> bool {
    match rule.rule {
        RuleKind::ExactlyOneOf => present != 1,
        RuleKind::AtLeastOneOf => present == 0,
        RuleKind::MutuallyExclusive => present > 1,
        RuleKind::AllOrNone => present != 0 && present != rule.arguments.len(),
        RuleKind::MinItems
        | RuleKind::MaxItems
        | RuleKind::RequiredIf
        | RuleKind::RequiredWith
        | RuleKind::Requires
        | RuleKind::AuthModes
        | RuleKind::Defaulted => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// An inline body: names with literal values or nested blocks; findings at entry names.
    enum Item {
        Literal(Value),
        Block(Vec<(&'static str, Item)>),
    }

    struct Inline<'v>(&'v [(&'static str, Item)]);

    impl<'v> Body<'v> for Inline<'v> {
        type Value = Value;
        type At = &'static str;

        fn at(&self) -> &'static str {
            "body"
        }

        fn entries(&self) -> Vec<(&'v str, Entry<'v, Self>, &'static str)> {
            self.0
                .iter()
                .map(|(name, item)| match item {
                    Item::Literal(value) => (*name, Entry::Value(value), *name),
                    Item::Block(inner) => (*name, Entry::Block(Inline(inner)), *name),
                })
                .collect()
        }

        fn open(&self, _: &'v Value, _: &&'static str, _: &BlockSchema) -> Opened<'v, Self> {
            Opened::NotABlock
        }

        fn fits(&self, value: &'v Value, expected: &Type) -> bool {
            super::super::fits(expected, value)
        }

        fn hides(&self, _: &'v Value, _: &Argument) -> Hiding {
            Hiding::Shown
        }
    }

    fn lit(value: Value) -> Item {
        Item::Literal(value)
    }

    /// What the checker finds in `body` of `component`, as `(name, at, problem)` text.
    fn findings(
        component: Component,
        body: &[(&'static str, Item)],
        complete: bool,
    ) -> Vec<String> {
        Checker::new()
            .component(component, &Inline(body), complete)
            .into_iter()
            .map(|f| {
                let problem = match f.problem {
                    Problem::Unknown { suggestion, .. } => format!("unknown, meant {suggestion:?}"),
                    Problem::Deprecated(a) => format!("deprecated, use {:?}", a.replaced_by),
                    Problem::Internal(_) => "internal".into(),
                    Problem::WrongType(a) => format!("not {}", a.kind),
                    Problem::Rule { rule, present, .. } => {
                        format!("{:?}, {present} set", rule.rule)
                    }
                    Problem::MissingArgument => "missing".into(),
                    Problem::MissingBlock => "missing block".into(),
                    Problem::Repeated => "repeated".into(),
                    other => format!("{other:?}"),
                };
                format!("{} at {}: {problem}", f.name, f.at)
            })
            .collect()
    }

    #[test]
    fn a_body_that_keeps_the_rules_passes() {
        let body = [
            ("inline", lit(json!(["echo hello"]))),
            ("execute_command", lit(json!("sh -c '{{ .Path }}'"))),
            ("expect_disconnect", lit(json!(true))),
        ];
        assert_eq!(
            findings(Component::Shell, &body, true),
            Vec::<String>::new()
        );
    }

    #[test]
    fn an_unknown_name_comes_with_the_closest_known_one() {
        let body = [("inlin", lit(json!(["echo"])))];
        assert_eq!(
            findings(Component::Shell, &body, false),
            ["inlin at inlin: unknown, meant Some(\"inline\")"]
        );
        let body = [("zzz", lit(json!(1)))];
        assert_eq!(
            findings(Component::Shell, &body, false),
            ["zzz at zzz: unknown, meant None"]
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_found() {
        let body = [("inline", lit(json!(5))), ("script", lit(json!(5)))];
        // A number is a string to HCL, but never a list.
        assert_eq!(
            findings(Component::Shell, &body, false),
            ["inline at inline: not list(string)"]
        );
    }

    #[test]
    fn deprecated_and_internal_arguments_are_found() {
        let body = [
            ("iso_file", lit(json!("local:iso/x.iso"))),
            ("packer_build_name", lit(json!("x"))),
        ];
        assert_eq!(
            findings(Component::ProxmoxIso, &body, false),
            [
                "iso_file at iso_file: deprecated, use Some(\"boot_iso\")",
                "packer_build_name at packer_build_name: internal",
            ]
        );
    }

    #[test]
    fn a_secret_written_as_a_literal_is_found_and_its_type_not_held_against_it() {
        let body = [("password", lit(json!(1234)))];
        let found = Checker::new().component(Component::ProxmoxIso, &Inline(&body), false);
        let problems: Vec<String> = found.iter().map(|f| format!("{:?}", f.problem)).collect();
        assert!(
            matches!(found.as_slice(), [f] if matches!(f.problem, Problem::Secret(_))),
            "{problems:?}"
        );
    }

    #[test]
    fn a_complete_body_is_held_to_required_arguments_and_rules() {
        assert_eq!(
            findings(Component::Shell, &[], true),
            [" at body: ExactlyOneOf, 0 set"]
        );
        let both = [
            ("inline", lit(json!(["echo"]))),
            ("script", lit(json!("a.sh"))),
        ];
        assert_eq!(
            findings(Component::Shell, &both, true),
            [" at body: ExactlyOneOf, 2 set"]
        );
        // A part of a body (passthrough options) is not.
        assert_eq!(findings(Component::Shell, &[], false), Vec::<String>::new());
        let found = findings(Component::ProxmoxIso, &[], true);
        for expected in [
            "node at body: missing",
            "proxmox_url at body: missing",
            "username at body: missing",
            "boot_iso at body: missing block",
        ] {
            assert!(
                found.contains(&expected.to_owned()),
                "{expected} in {found:?}"
            );
        }
    }

    #[test]
    fn nested_blocks_are_checked_against_their_own_schema() {
        let body = [(
            "boot_iso",
            Item::Block(vec![("iso_fil", lit(json!("local:iso/x.iso")))]),
        )];
        let found = findings(Component::ProxmoxIso, &body, false);
        assert_eq!(
            found,
            ["iso_fil at iso_fil: unknown, meant Some(\"iso_file\")"]
        );
        let once = [
            ("boot_iso", Item::Block(vec![])),
            ("boot_iso", Item::Block(vec![])),
            ("no_such_block", Item::Block(vec![])),
        ];
        let found = findings(Component::ProxmoxIso, &once, true);
        assert!(
            found.contains(&"boot_iso at boot_iso: repeated".to_owned()),
            "{found:?}"
        );
        assert!(
            found.contains(&"no_such_block at no_such_block: unknown, meant None".to_owned()),
            "{found:?}"
        );
    }
}
