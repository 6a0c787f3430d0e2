//! HCL document model for generated Packer files and its canonical printer.
//!
//! This module owns a small intermediate representation of HCL2 ([`Body`],
//! [`Item`], [`Block`], [`Expr`]) and [`print`], which renders it to text that
//! is byte-identical to what `packer fmt` (hclwrite as vendored in Packer
//! 1.6.6) writes, so every generated file passes `packer fmt -check`. It must
//! not parse HCL and must not do any I/O: callers build the model, this module
//! only turns it into a `String`.
//!
//! Layout policy (deterministic; every rule verified with `packer fmt`):
//!
//! * Blocks print as `kind "label" {`, the body indented by 2 spaces, `}`; an
//!   empty body prints as `kind "label" {` + newline + `}` (fmt keeps both that
//!   and `kind {}`).
//! * A list prints on one line (`[a, b]`) when every element is simple (not a
//!   non-empty list/object, calls only with simple arguments) and the
//!   bracketed text is at most [`MAX_INLINE_LIST_WIDTH`] characters; otherwise
//!   one element per line, each followed by a comma.
//! * A non-empty object always prints multi-line, one `key = value` per line
//!   without commas; `{}` when empty. Keys are bare identifiers when possible.
//! * A call prints on one line when all arguments fit on one line; if only its
//!   last argument is a multi-line list/object it is "hugged"
//!   (`f("a", {` ... `})`), otherwise one argument per line with commas.
//! * Alignment: consecutive single-line `name = value` lines of one body or
//!   object form a run whose `=` are aligned one space after the longest
//!   name (width in chars). A run is broken by a blank line, a comment, a
//!   block, or an attribute whose value spans several lines (opens a bracket);
//!   that attribute itself keeps a single space before `=`. A heredoc value
//!   counts as single-line: it is aligned and does not break the run.
//!   The one departure from fmt: a name longer than [`MAX_ALIGNED_NAME`]
//!   characters (only a spec's own map keys get there) is printed like a
//!   multi-line attribute, breaking the run, because fmt would pad every line
//!   of the run to it and the output would grow with the square of the input.
//!
//! Why (hclwrite internals): fmt aligns `=` over a flat chain of consecutive
//! lines holding an `=` whose right side has balanced brackets (a heredoc is
//! one "line" and is counted only up to `<<`), so every opener/closer line
//! ends a run; and it indents one level per line with net open brackets, no
//! matter how many, so `f(x, {` ... `})` is one level while `[{` is avoided.
//! Note: Packer 1.6.6 formats but does not evaluate `templatefile` or
//! `required_plugins` (both arrived in 1.7.0).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Longest `[a, b, ...]` text (in chars, brackets included) printed on one line.
pub const MAX_INLINE_LIST_WIDTH: usize = 80;

/// A sequence of attributes, blocks, blank lines and comments: a whole file or
/// the inside of a block. Names and values may be borrowed from the caller's
/// own model, so printing it needs no copy of that model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body<'a> {
    /// The items in output order.
    pub items: Vec<Item<'a>>,
}

/// One entry of a [`Body`].
#[derive(Debug, Clone, PartialEq)]
pub enum Item<'a> {
    /// `name = value`; the name is written as is (caller passes an identifier).
    Attribute(Cow<'a, str>, Cow<'a, Expr>),
    /// A nested block.
    Block(Block<'a>),
    /// An empty line (trailing ones at the end of the file are dropped).
    BlankLine,
    /// A full-line `# ...` comment; each line of the text becomes one comment
    /// line, trailing whitespace is removed.
    Comment(Cow<'a, str>),
}

/// `kind "label" ... { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block<'a> {
    /// Block type, written as is (`source`, `provisioner`, ...).
    pub kind: Cow<'a, str>,
    /// Labels, always written as quoted strings (escaped like [`Expr::String`]).
    pub labels: Vec<Cow<'a, str>>,
    /// Block contents.
    pub body: Body<'a>,
}

/// An HCL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Number(i64),
    /// A decimal literal written as is, e.g. `"1.5"`; the caller guarantees it
    /// is a valid HCL number.
    Decimal(String),
    /// A literal string: escaped (`\\ \" \n \r \t \uXXXX`, `${`→`$${`,
    /// `%{`→`%%{`) so that it evaluates to exactly this text.
    String(String),
    /// A traversal from a name Packer provides, written as is: `path.root`, `source.name`,
    /// `build.User`, an iterator's `value`; or a type keyword (`string`). Variables and locals
    /// are [`Expr::Var`] and [`Expr::Local`], never this.
    Traversal(Cow<'static, str>),
    /// `var.<name>`: a reference to an input variable.
    Var(String),
    /// `local.<name>`: a reference to a local value.
    Local(String),
    /// A quoted template of parts: literal text, escaped by the printer, and interpolated
    /// expressions, printed as `${...}`.
    Template(Vec<Part>),
    /// `<collection>[<key>]`.
    Index(Box<Expr>, Box<Expr>),
    /// `<left> <operator> <right>`; operands are printed as they are, so an operand that is
    /// itself an operation or a conditional must not be used (HCL would regroup it).
    Binary(Box<Expr>, Operator, Box<Expr>),
    /// `<condition> ? <then> : <else>`.
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A function call `name(args...)`.
    Call(String, Vec<Expr>),
    /// A tuple constructor `[...]`.
    List(Vec<Expr>),
    /// An object constructor; keys are literal strings (bare when they are
    /// identifiers, quoted and escaped otherwise), order is kept.
    Object(Vec<(String, Expr)>),
    /// A `<<-TAG` heredoc whose lines are raw template text (`${...}` stays
    /// live; the printer's own form, which the compiled model does not use).
    /// Its value is every line followed by `\n`, with
    /// HCL's `<<-` rule applied: leading whitespace common to all non-blank
    /// lines is removed. `tag` is replaced by `EOT` if it is not a plain
    /// identifier and extended with `_` while a line could close it early.
    /// Only an attribute or object value is printed as a heredoc; anywhere
    /// else the same value is printed as an equivalent quoted template.
    Heredoc {
        /// Delimiter word, usually `EOT`.
        tag: String,
        /// Content lines without newline characters.
        lines: Vec<String>,
    },
}

impl<'a> Body<'a> {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `name = value`.
    pub fn attr(mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Expr>) -> Self {
        self.items
            .push(Item::Attribute(name.into(), Cow::Owned(value.into())));
        self
    }

    /// Appends `name = value` for a name and value the caller keeps.
    pub fn attr_ref(mut self, name: &'a str, value: &'a Expr) -> Self {
        self.items
            .push(Item::Attribute(Cow::Borrowed(name), Cow::Borrowed(value)));
        self
    }

    /// Appends a nested block.
    pub fn block(mut self, block: Block<'a>) -> Self {
        self.items.push(Item::Block(block));
        self
    }

    /// Appends an empty line.
    pub fn blank(mut self) -> Self {
        self.items.push(Item::BlankLine);
        self
    }

    /// Appends a `# text` comment.
    pub fn comment(mut self, text: impl Into<Cow<'a, str>>) -> Self {
        self.items.push(Item::Comment(text.into()));
        self
    }
}

impl<'a> Block<'a> {
    /// A block with the given kind, labels and body; both may be borrowed from the caller.
    pub fn new<L: Into<Cow<'a, str>>>(
        kind: impl Into<Cow<'a, str>>,
        labels: impl IntoIterator<Item = L>,
        body: Body<'a>,
    ) -> Self {
        Self {
            kind: kind.into(),
            labels: labels.into_iter().map(Into::into).collect(),
            body,
        }
    }
}

/// One part of an [`Expr::Template`] template.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text: the printer escapes it (quotes, control characters, `${`, `%{`).
    Text(String),
    /// An interpolated expression: `${<expression>}`.
    Expr(Expr),
    /// `%{if <condition>}<then>%{else}<otherwise>%{endif}` (no `%{else}` when `otherwise` is
    /// empty).
    If(Box<If>),
    /// `%{for <variable> in <collection>}<body>%{endfor}`.
    For(Box<For>),
}

/// A template's `%{if}` directive ([`Part::If`]).
#[derive(Debug, Clone, PartialEq)]
pub struct If {
    /// The condition.
    pub condition: Expr,
    /// The parts when it holds.
    pub then: Vec<Part>,
    /// The parts when it does not.
    pub otherwise: Vec<Part>,
}

/// A template's `%{for}` directive ([`Part::For`]).
#[derive(Debug, Clone, PartialEq)]
pub struct For {
    /// The name each element is bound to, read in the body as [`Expr::Traversal`].
    pub variable: String,
    /// The collection.
    pub collection: Expr,
    /// The parts repeated per element.
    pub body: Vec<Part>,
}

impl Part {
    /// Literal text.
    pub fn text(text: impl Into<String>) -> Self {
        Part::Text(text.into())
    }

    /// `%{if <condition>}<then>%{else}<otherwise>%{endif}`.
    pub fn when(condition: Expr, then: Vec<Part>, otherwise: Vec<Part>) -> Self {
        Part::If(Box::new(If {
            condition,
            then,
            otherwise,
        }))
    }

    /// `%{for <variable> in <collection>}<body>%{endfor}`.
    pub fn each(variable: impl Into<String>, collection: Expr, body: Vec<Part>) -> Self {
        Part::For(Box::new(For {
            variable: variable.into(),
            collection,
            body,
        }))
    }

    /// Calls `f` on each expression in this part and in the parts nested in it, outermost
    /// first.
    pub fn each_expression<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        match self {
            Part::Text(_) => {}
            Part::Expr(e) => f(e),
            Part::If(directive) => {
                f(&directive.condition);
                let If {
                    then, otherwise, ..
                } = &**directive;
                then.iter()
                    .chain(otherwise)
                    .for_each(|p| p.each_expression(f));
            }
            Part::For(directive) => {
                f(&directive.collection);
                directive.body.iter().for_each(|p| p.each_expression(f));
            }
        }
    }

    /// [`Part::each_expression`], to change them.
    pub fn each_expression_mut(&mut self, f: &mut impl FnMut(&mut Expr)) {
        match self {
            Part::Text(_) => {}
            Part::Expr(e) => f(e),
            Part::If(directive) => {
                let If {
                    condition,
                    then,
                    otherwise,
                } = &mut **directive;
                f(condition);
                then.iter_mut()
                    .chain(otherwise.iter_mut())
                    .for_each(|p| p.each_expression_mut(f));
            }
            Part::For(directive) => {
                let For {
                    collection, body, ..
                } = &mut **directive;
                f(collection);
                body.iter_mut().for_each(|p| p.each_expression_mut(f));
            }
        }
    }
}

/// A binary operator of [`Expr::Binary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `==`.
    Equal,
    /// `!=`.
    NotEqual,
    /// `>`.
    Greater,
}

impl Operator {
    fn as_str(self) -> &'static str {
        match self {
            Operator::Equal => "==",
            Operator::NotEqual => "!=",
            Operator::Greater => ">",
        }
    }
}

impl Expr {
    /// `var.<name>` ([`Expr::Var`]).
    pub fn var(name: impl Into<String>) -> Self {
        Self::Var(name.into())
    }

    /// `local.<name>` ([`Expr::Local`]).
    pub fn local(name: impl Into<String>) -> Self {
        Self::Local(name.into())
    }

    /// `<self>[<key>]` ([`Expr::Index`]).
    pub fn index(self, key: impl Into<Expr>) -> Self {
        Self::Index(Box::new(self), Box::new(key.into()))
    }

    /// `<self> == <other>` ([`Expr::Binary`]).
    pub fn equal(self, other: impl Into<Expr>) -> Self {
        Self::Binary(Box::new(self), Operator::Equal, Box::new(other.into()))
    }

    /// `<self> != <other>` ([`Expr::Binary`]).
    pub fn not_equal(self, other: impl Into<Expr>) -> Self {
        Self::Binary(Box::new(self), Operator::NotEqual, Box::new(other.into()))
    }

    /// `<self> > <other>` ([`Expr::Binary`]).
    pub fn greater(self, other: impl Into<Expr>) -> Self {
        Self::Binary(Box::new(self), Operator::Greater, Box::new(other.into()))
    }

    /// `<condition> ? <then> : <otherwise>` ([`Expr::Conditional`]).
    pub fn conditional(condition: Expr, then: Expr, otherwise: Expr) -> Self {
        Self::Conditional(Box::new(condition), Box::new(then), Box::new(otherwise))
    }

    /// A literal string ([`Expr::String`]).
    pub fn string(s: impl Into<String>) -> Self {
        Self::String(s.into())
    }

    /// A traversal from a name Packer provides ([`Expr::Traversal`]).
    pub fn traversal(s: impl Into<Cow<'static, str>>) -> Self {
        let s = s.into();
        debug_assert!(
            !s.starts_with("var.") && !s.starts_with("local."),
            "`{s}` is an Expr::Var or Expr::Local"
        );
        Self::Traversal(s)
    }

    /// A function call ([`Expr::Call`]).
    pub fn call(name: impl Into<String>, args: Vec<Expr>) -> Self {
        Self::Call(name.into(), args)
    }

    /// An object from `(key, value)` pairs ([`Expr::Object`]).
    pub fn object<K: Into<String>>(entries: impl IntoIterator<Item = (K, Expr)>) -> Self {
        Self::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A heredoc with tag `EOT` ([`Expr::Heredoc`]).
    pub fn heredoc<L: Into<String>>(lines: impl IntoIterator<Item = L>) -> Self {
        Self::Heredoc {
            tag: "EOT".to_string(),
            lines: lines.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<&str> for Expr {
    /// A literal string.
    fn from(s: &str) -> Self {
        Self::String(s.to_string())
    }
}

impl From<String> for Expr {
    /// A literal string.
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<bool> for Expr {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<i64> for Expr {
    fn from(n: i64) -> Self {
        Self::Number(n)
    }
}

impl From<Vec<Expr>> for Expr {
    /// A list.
    fn from(items: Vec<Expr>) -> Self {
        Self::List(items)
    }
}

/// Renders a whole file: canonical `packer fmt` layout, ending with exactly
/// one newline (trailing blank lines are dropped; an empty body gives `""`).
pub fn print(body: &Body) -> String {
    let mut items = body.items.as_slice();
    while let [rest @ .., Item::BlankLine] = items {
        items = rest;
    }
    let mut printer = Printer::default();
    printer.items(items, 0);
    printer.out
}

/// Escapes a literal for use between double quotes (without the quotes):
/// `\\`, `\"`, `\n`, `\r`, `\t`, other control characters as `\uXXXX`,
/// every `${` as `$${` and every `%{` as `%%{`.
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    escape_into(&mut out, s, true);
    out
}

/// [`escape_string`] wrapped in double quotes.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

/// Whether `s` can be written as a bare identifier: an ASCII letter or `_`,
/// then ASCII letters, digits, `_` or `-`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// An object key as printed: bare if [`is_identifier`] (except `for`, which
/// would start a `for` expression), otherwise quoted and escaped.
pub fn object_key(key: &str) -> String {
    object_key_cow(key).into_owned()
}

fn object_key_cow(key: &str) -> Cow<'_, str> {
    if is_identifier(key) && key != "for" {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(quote_string(key))
    }
}

fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    escape_into(out, s, true);
    out.push('"');
}

/// Shared escaper; `markers` doubles `${`/`%{` (literals) or keeps them
/// (template text).
fn escape_into(out: &mut String, s: &str, markers: bool) {
    // Most text needs no escape at all: copy it whole. Every byte that may start an escape is
    // ASCII, except C1 control characters, whose UTF-8 encoding starts with 0xC2.
    let special = |b: &u8| {
        matches!(b, 0..=0x1F | 0x7F | b'\\' | b'"' | 0xC2) || (markers && matches!(b, b'$' | b'%'))
    };
    // Between two bytes that may start an escape, the text is copied whole.
    let bytes = s.as_bytes();
    let mut copied = 0;
    while let Some(found) = bytes[copied..].iter().position(special) {
        let at = copied + found;
        out.push_str(&s[copied..at]);
        let next = bytes.get(at + 1).copied();
        copied = at + 1;
        match bytes[at] {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            marker @ (b'$' | b'%') => {
                out.push(char::from(marker));
                if next == Some(b'{') {
                    out.push(char::from(marker));
                }
            }
            // 0xC2 leads the two bytes of U+0080 to U+00BF; below U+00A0 they are C1 control
            // characters.
            0xC2 => {
                match next {
                    Some(low @ 0x80..=0x9F) => {
                        let _ = write!(out, "\\u{:04X}", u32::from(low));
                    }
                    _ => out.push_str(&s[at..at + 2]),
                }
                copied = at + 2;
            }
            control => {
                let _ = write!(out, "\\u{:04X}", u32::from(control));
            }
        }
    }
    out.push_str(&s[copied..]);
}

/// Appends `n` spaces.
fn pad(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let step = left.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        left -= step;
    }
}

/// Names longer than this many characters are not aligned (see the module doc).
pub const MAX_ALIGNED_NAME: usize = 256;

/// What the printer knows about one row of a body or object before writing
/// it: whether it is an assignment that can join an alignment run, and where
/// its one-line value already sits in the scratch buffer.
#[derive(Clone)]
struct RowPlan {
    /// Width in chars of the name, for an assignment that joins a run.
    width: Option<usize>,
    /// The one-line value, a range of `Printer::scratch`.
    inline: Option<std::ops::Range<usize>>,
}

/// One `key = value` entry of a body or object, or anything else (which
/// breaks an alignment run).
enum Entry<'a> {
    Assign(Cow<'a, str>, &'a Expr),
    Item(&'a Item<'a>),
}

/// Writes every line straight into one buffer. Each line ends with `\n`;
/// an expression leaves the cursor at the end of its last line, so the row
/// that holds it adds the newline. Alignment needs each row's width before
/// the row is written, and whether its value fits on one line: the one-line
/// forms of a body's values are written once into `scratch` (used as a
/// stack, since bodies nest) and copied from there.
#[derive(Default)]
struct Printer {
    out: String,
    scratch: String,
    /// The plans of the rows being written, a stack like `scratch`.
    plans: Vec<RowPlan>,
}

impl Printer {
    fn items(&mut self, items: &[Item], indent: usize) {
        self.rows(items, indent, |item| match item {
            Item::Attribute(name, value) => Entry::Assign(Cow::Borrowed(name), value.as_ref()),
            other => Entry::Item(other),
        });
    }

    /// Writes the rows of a body or object, each `name = value` aligned with
    /// its run (see the module doc); `entry` says what each row is.
    fn rows<'e, T>(&mut self, rows: &'e [T], indent: usize, entry: impl Fn(&'e T) -> Entry<'e>) {
        let base = self.scratch.len();
        let first = self.plans.len();
        for row in rows {
            let plan = match entry(row) {
                Entry::Assign(key, Expr::Heredoc { .. }) => RowPlan {
                    width: Some(key.chars().count()).filter(|w| *w <= MAX_ALIGNED_NAME),
                    inline: None,
                },
                Entry::Assign(key, value) => {
                    let start = self.scratch.len();
                    if write_inline(&mut self.scratch, value) {
                        RowPlan {
                            width: Some(key.chars().count()).filter(|w| *w <= MAX_ALIGNED_NAME),
                            inline: Some(start..self.scratch.len()),
                        }
                    } else {
                        self.scratch.truncate(start);
                        RowPlan {
                            width: None,
                            inline: None,
                        }
                    }
                }
                Entry::Item(_) => RowPlan {
                    width: None,
                    inline: None,
                },
            };
            self.plans.push(plan);
        }
        let mut start = 0;
        while start < rows.len() {
            let plans = &self.plans[first + start..first + rows.len()];
            let len = plans.iter().take_while(|p| p.width.is_some()).count();
            let width = plans[..len]
                .iter()
                .filter_map(|p| p.width)
                .max()
                .unwrap_or(0);
            let end = start + len.max(1);
            for (at, row) in rows[start..end].iter().enumerate() {
                let plan = self.plans[first + start + at].clone();
                self.row(&entry(row), &plan, width, indent);
            }
            start += len.max(1);
        }
        self.plans.truncate(first);
        self.scratch.truncate(base);
    }

    fn row(&mut self, entry: &Entry<'_>, plan: &RowPlan, width: usize, indent: usize) {
        match entry {
            Entry::Assign(key, value) => {
                pad(&mut self.out, indent);
                self.out.push_str(key);
                let gap = match plan.width {
                    Some(own) => width.saturating_sub(own) + 1,
                    None => 1,
                };
                pad(&mut self.out, gap);
                self.out.push_str("= ");
                match (&plan.inline, value) {
                    (Some(range), _) => self.out.push_str(&self.scratch[range.clone()]),
                    (None, Expr::Heredoc { tag, lines }) => self.heredoc(tag, lines, indent),
                    (None, value) => self.multiline(value, indent),
                }
                self.out.push('\n');
            }
            Entry::Item(Item::Block(block)) => self.block(block, indent),
            Entry::Item(Item::BlankLine) => self.out.push('\n'),
            Entry::Item(Item::Comment(text)) => {
                for line in text.split('\n') {
                    pad(&mut self.out, indent);
                    match line.trim_end() {
                        "" => self.out.push('#'),
                        line => {
                            self.out.push_str("# ");
                            self.out.push_str(line);
                        }
                    }
                    self.out.push('\n');
                }
            }
            Entry::Item(Item::Attribute(..)) => {
                unreachable!("attributes are turned into assignments")
            }
        }
    }

    fn block(&mut self, block: &Block, indent: usize) {
        pad(&mut self.out, indent);
        self.out.push_str(&block.kind);
        for label in &block.labels {
            self.out.push(' ');
            quote_into(&mut self.out, label);
        }
        self.out.push_str(" {\n");
        self.items(&block.body.items, indent + 2);
        pad(&mut self.out, indent);
        self.out.push_str("}\n");
    }

    /// Writes an expression that starts on a line indented by `indent`,
    /// from the current position (after `key = ` or similar); its later
    /// lines carry their full indentation.
    fn expr(&mut self, e: &Expr, indent: usize) {
        let start = self.out.len();
        if write_inline(&mut self.out, e) {
            return;
        }
        self.out.truncate(start);
        self.multiline(e, indent);
    }

    /// [`Printer::expr`] for an expression known to have no one-line form.
    fn multiline(&mut self, e: &Expr, indent: usize) {
        match e {
            Expr::List(items) => {
                self.out.push_str("[\n");
                for item in items {
                    self.element(item, indent + 2);
                }
                pad(&mut self.out, indent);
                self.out.push(']');
            }
            Expr::Object(entries) => {
                self.out.push_str("{\n");
                self.rows(entries, indent + 2, |(k, v)| {
                    Entry::Assign(object_key_cow(k), v)
                });
                pad(&mut self.out, indent);
                self.out.push('}');
            }
            Expr::Call(name, args) => self.call(name, args, indent),
            // Every other variant always has an inline form.
            other => {
                let _ = write_inline(&mut self.out, other);
            }
        }
    }

    fn call(&mut self, name: &str, args: &[Expr], indent: usize) {
        let start = self.out.len();
        if let Some((last, init)) = args.split_last()
            && matches!(last, Expr::List(_) | Expr::Object(_))
        {
            self.out.push_str(name);
            self.out.push('(');
            if init.iter().all(|arg| {
                let ok = write_inline(&mut self.out, arg);
                self.out.push_str(", ");
                ok
            }) {
                self.expr(last, indent);
                self.out.push(')');
                return;
            }
            self.out.truncate(start);
        }
        self.out.push_str(name);
        self.out.push_str("(\n");
        for arg in args {
            self.element(arg, indent + 2);
        }
        pad(&mut self.out, indent);
        self.out.push(')');
    }

    /// A list element / call argument on its own line(s), plus a comma.
    fn element(&mut self, e: &Expr, indent: usize) {
        pad(&mut self.out, indent);
        self.expr(e, indent);
        self.out.push_str(",\n");
    }

    fn heredoc(&mut self, tag: &str, lines: &[String], indent: usize) {
        let content = || lines.iter().flat_map(|l| l.split('\n'));
        let mut tag =
            if tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && is_identifier(tag) {
                tag.to_string()
            } else {
                "EOT".to_string()
            };
        while content().any(|l| l.trim_start().starts_with(&tag)) {
            tag.push('_');
        }
        self.out.push_str("<<-");
        self.out.push_str(&tag);
        self.out.push('\n');
        for line in content() {
            // Whitespace-only lines are kept verbatim by HCL's `<<-` rule.
            if !line.trim().is_empty() {
                pad(&mut self.out, indent + 2);
            }
            self.out.push_str(line);
            self.out.push('\n');
        }
        pad(&mut self.out, indent);
        self.out.push_str(&tag);
    }
}

/// Whether an expression may appear in a one-line list.
fn is_simple(e: &Expr) -> bool {
    match e {
        Expr::List(items) => items.is_empty(),
        Expr::Object(entries) => entries.is_empty(),
        Expr::Call(_, args) => args.iter().all(is_simple),
        _ => true,
    }
}

/// The text a template's parts are printed as, between its quotes.
pub fn template_body(parts: &[Part]) -> String {
    let mut out = String::new();
    write_parts(&mut out, parts);
    out
}

/// The one-line form of an expression, if the layout policy allows one.
pub fn inline(e: &Expr) -> Option<String> {
    let mut out = String::new();
    write_inline(&mut out, e).then_some(out)
}

/// Appends the one-line form of an expression if the layout policy allows
/// one and returns `true`; otherwise returns `false`, having appended
/// something the caller truncates.
fn write_inline(out: &mut String, e: &Expr) -> bool {
    match e {
        Expr::Null => out.push_str("null"),
        Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expr::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Expr::Decimal(d) => out.push_str(d),
        Expr::Traversal(d) => out.push_str(d),
        Expr::Var(name) => {
            out.push_str("var.");
            out.push_str(name);
        }
        Expr::Local(name) => {
            out.push_str("local.");
            out.push_str(name);
        }
        Expr::Template(parts) => {
            out.push('"');
            let ok = write_parts(out, parts);
            out.push('"');
            return ok;
        }
        Expr::Index(collection, key) => {
            let ok = write_inline(out, collection);
            out.push('[');
            let ok = ok && write_inline(out, key);
            out.push(']');
            return ok;
        }
        Expr::Binary(left, op, right) => {
            let ok = write_inline(out, left);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            return ok && write_inline(out, right);
        }
        Expr::Conditional(condition, then, otherwise) => {
            let ok = write_inline(out, condition);
            out.push_str(" ? ");
            let ok = ok && write_inline(out, then);
            out.push_str(" : ");
            return ok && write_inline(out, otherwise);
        }
        Expr::String(s) => quote_into(out, s),
        Expr::Heredoc { lines, .. } => {
            out.push('"');
            escape_into(out, &heredoc_value(lines), false);
            out.push('"');
        }
        Expr::List(items) => {
            if !items.iter().all(is_simple) {
                return false;
            }
            let start = out.len();
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !write_inline(out, item) {
                    return false;
                }
            }
            out.push(']');
            let text = &out[start..];
            // A char is at least one byte: only a long text needs counting.
            if text.len() > MAX_INLINE_LIST_WIDTH && text.chars().count() > MAX_INLINE_LIST_WIDTH {
                return false;
            }
        }
        Expr::Object(entries) if entries.is_empty() => out.push_str("{}"),
        Expr::Object(_) => return false,
        Expr::Call(name, args) => {
            out.push_str(name);
            out.push('(');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !write_inline(out, arg) {
                    return false;
                }
            }
            out.push(')');
        }
    }
    true
}

/// The body of a quoted template between its quotes. Text is escaped; where it ends right
/// before an interpolation with `$`, or right before a directive with `%`, that character is
/// written as an interpolated string, since `$${` and `%%{` would read as escapes.
fn write_parts(out: &mut String, parts: &[Part]) -> bool {
    write_parts_before(out, parts, None)
}

/// What a template sequence is followed by, for the character before it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Next {
    Interpolation,
    Directive,
}

fn next_of(part: Option<&Part>) -> Option<Next> {
    match part? {
        Part::Text(_) => None,
        Part::Expr(_) => Some(Next::Interpolation),
        Part::If(_) | Part::For(_) => Some(Next::Directive),
    }
}

fn write_parts_before(out: &mut String, parts: &[Part], after: Option<Next>) -> bool {
    let mut ok = true;
    for (i, part) in parts.iter().enumerate() {
        let next = if i + 1 == parts.len() {
            after
        } else {
            next_of(parts.get(i + 1))
        };
        match part {
            Part::Text(text) => {
                let marker = match next {
                    Some(Next::Interpolation) => '$',
                    Some(Next::Directive) => '%',
                    None => '\0',
                };
                match text.strip_suffix(marker) {
                    Some(rest) if marker != '\0' => {
                        escape_into(out, rest, true);
                        out.push_str(if marker == '$' {
                            "${\"$\"}"
                        } else {
                            "${\"%\"}"
                        });
                    }
                    _ => escape_into(out, text, true),
                }
            }
            Part::Expr(e) => {
                out.push_str("${");
                ok &= write_inline(out, e);
                out.push('}');
            }
            Part::If(directive) => {
                let If {
                    condition,
                    then,
                    otherwise,
                } = &**directive;
                out.push_str("%{if ");
                ok &= write_inline(out, condition);
                out.push('}');
                ok &= write_parts_before(out, then, Some(Next::Directive));
                if !otherwise.is_empty() {
                    out.push_str("%{else}");
                    ok &= write_parts_before(out, otherwise, Some(Next::Directive));
                }
                out.push_str("%{endif}");
            }
            Part::For(directive) => {
                let For {
                    variable,
                    collection,
                    body,
                } = &**directive;
                out.push_str("%{for ");
                out.push_str(variable);
                out.push_str(" in ");
                ok &= write_inline(out, collection);
                out.push('}');
                ok &= write_parts_before(out, body, Some(Next::Directive));
                out.push_str("%{endfor}");
            }
        }
    }
    ok
}

/// The template text a heredoc evaluates to (before interpolation).
fn heredoc_value(lines: &[String]) -> String {
    let content = || lines.iter().flat_map(|l| l.split('\n'));
    let leading = |l: &str| l.chars().take_while(|c| c.is_whitespace()).count();
    let strip = content()
        .filter(|l| !l.trim().is_empty())
        .map(leading)
        .min()
        .unwrap_or(0);
    let mut value = String::new();
    for line in content() {
        if line.trim().is_empty() {
            value.push_str(line);
        } else {
            value.extend(line.chars().skip(strip));
        }
        value.push('\n');
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    fn s(v: &str) -> Expr {
        Expr::string(v)
    }

    fn t(v: &str) -> Expr {
        Expr::traversal(v.to_owned())
    }

    /// `"${path.root}<rest>"`.
    fn root(rest: &str) -> Expr {
        Expr::Template(vec![Part::Expr(t("path.root")), Part::text(rest)])
    }

    #[test]
    fn escapes_literals() {
        assert_eq!(escape_string("${a} $${y}"), "$${a} $$${y}");
        assert_eq!(escape_string("%{a} %%{b}"), "%%{a} %%%{b}");
        assert_eq!(escape_string("$ % $$ {} ${"), "$ % $$ {} $${");
        assert_eq!(escape_string("%{if x}"), "%%{if x}");
        assert_eq!(escape_string(r#"say "hi""#), r#"say \"hi\""#);
        assert_eq!(escape_string(r"C:\dir\"), r"C:\\dir\\");
        assert_eq!(escape_string("a\nb\r\tc"), r"a\nb\r\tc");
        assert_eq!(escape_string("é 日本 😀"), "é 日本 😀");
        assert_eq!(
            escape_string("\u{7}\u{1b}\u{7f}\u{85}"),
            r"\u0007\u001B\u007F\u0085"
        );
        assert_eq!(quote_string(""), "\"\"");
        // U+0080 to U+009F are control characters, U+00A0 to U+00BF (the same lead byte) are
        // not; escapes at the very start and end, and text between escapes, are kept.
        assert_eq!(
            escape_string("\u{80}\u{9f}\u{a0}\u{bf}¢"),
            "\\u0080\\u009F\u{a0}\u{bf}¢"
        );
        assert_eq!(escape_string("\"é\"${x}%"), "\\\"é\\\"$${x}%");
        assert_eq!(escape_string("$"), "$");
        assert_eq!(
            template_body(&[Part::text("${a} \"b\"")]),
            "$${a} \\\"b\\\""
        );
    }

    #[test]
    fn object_keys() {
        assert_eq!(object_key("os"), "os");
        assert_eq!(object_key("meta-data"), "meta-data");
        assert_eq!(object_key("_x1"), "_x1");
        assert_eq!(object_key("autounattend.xml"), "\"autounattend.xml\"");
        assert_eq!(object_key("1a"), "\"1a\"");
        assert_eq!(object_key("-a"), "\"-a\"");
        assert_eq!(object_key("for"), "\"for\"");
        assert_eq!(object_key("é"), "\"é\"");
        assert_eq!(object_key("${x}"), "\"$${x}\"");
        assert_eq!(object_key(""), "\"\"");
    }

    #[test]
    fn scalars_and_inline_forms() {
        let body = Body::new()
            .attr("a", Expr::Null)
            .attr("b", true)
            .attr("c", -3)
            .attr("d", Expr::Decimal("1.5".into()))
            .attr("e", root("/http"))
            .attr("f", Expr::var("x"))
            .attr("g", Expr::call("env", vec![s("X")]))
            .attr("h", Expr::List(vec![]))
            .attr("i", Expr::Object(vec![]))
            .attr("j", Expr::List(vec![s("<enter>"), s("<wait>"), 1.into()]));
        let expected = "a = null\nb = true\nc = -3\nd = 1.5\ne = \"${path.root}/http\"\n\
             f = var.x\ng = env(\"X\")\nh = []\ni = {}\nj = [\"<enter>\", \"<wait>\", 1]\n";
        assert_eq!(print(&body), expected);
    }

    #[test]
    fn alignment_runs() {
        let body = Body::new()
            .attr("a", 1)
            .comment("comment")
            .attr("bbbb", 2)
            .attr("c", 3)
            .attr("e", Expr::List(vec![Expr::object([("x", Expr::from(1))])]))
            .attr("ff", 5)
            .blank()
            .attr("g", 1)
            .attr("hhh", Expr::heredoc(["raw", "", "  indented"]))
            .attr("i", 2)
            .block(Block::new("x", ["l"], Body::new()))
            .attr("jj", 1)
            .attr("k", 2)
            .blank()
            .blank();
        let expected = r#"a = 1
# comment
bbbb = 2
c    = 3
e = [
  {
    x = 1
  },
]
ff = 5

g   = 1
hhh = <<-EOT
  raw

    indented
EOT
i   = 2
x "l" {
}
jj = 1
k  = 2
"#;
        assert_eq!(print(&body), expected);
    }

    #[test]
    fn a_very_long_name_is_not_aligned() {
        let long = "k".repeat(MAX_ALIGNED_NAME + 1);
        let obj = Expr::object([
            ("a", Expr::from(1)),
            ("bb", 2.into()),
            (long.as_str(), 3.into()),
            ("c", 4.into()),
        ]);
        assert_eq!(
            print(&Body::new().attr("o", obj)),
            format!("o = {{\n  a  = 1\n  bb = 2\n  {long} = 3\n  c = 4\n}}\n")
        );
    }

    #[test]
    fn width_counts_chars() {
        let obj = Expr::object([("é", Expr::from(1)), ("日本", 2.into()), ("abcd", 3.into())]);
        assert_eq!(
            print(&Body::new().attr("o", obj)),
            "o = {\n  \"é\"  = 1\n  \"日本\" = 2\n  abcd = 3\n}\n"
        );
    }

    #[test]
    fn nested_objects_and_lists() {
        let obj = Expr::object([
            ("a", Expr::from(1)),
            (
                "bbb",
                Expr::object([("c", Expr::from(1)), ("dd", 2.into())]),
            ),
            ("e", 2.into()),
            (
                "list",
                Expr::List(vec![
                    Expr::object([("k", s("v"))]),
                    Expr::object(Vec::<(String, Expr)>::new()),
                ]),
            ),
        ]);
        let expected = r#"o = {
  a = 1
  bbb = {
    c  = 1
    dd = 2
  }
  e = 2
  list = [
    {
      k = "v"
    },
    {},
  ]
}
"#;
        assert_eq!(print(&Body::new().attr("o", obj)), expected);
    }

    #[test]
    fn long_lists_break() {
        let items: Vec<Expr> = (0..12).map(|i| s(&format!("item-{i}"))).collect();
        let text = print(&Body::new().attr("l", Expr::List(items)));
        assert!(text.starts_with("l = [\n  \"item-0\",\n"), "{text}");
        assert!(text.ends_with("  \"item-11\",\n]\n"), "{text}");
        let nested = Expr::List(vec![Expr::List(vec![1.into()])]);
        assert_eq!(print(&Body::new().attr("n", nested)), "n = [\n  [1],\n]\n");
    }

    #[test]
    fn calls() {
        let hug = Expr::call(
            "templatefile",
            vec![
                root("/a.tpl"),
                Expr::object([("x", Expr::from(1)), ("yy", Expr::var("y"))]),
            ],
        );
        let split = Expr::call(
            "merge",
            vec![Expr::object([("a", Expr::from(1))]), Expr::local("b")],
        );
        let body = Body::new()
            .attr("a", 1)
            .attr("user_data", hug)
            .attr("m", split);
        let expected = r#"a = 1
user_data = templatefile("${path.root}/a.tpl", {
  x  = 1
  yy = var.y
})
m = merge(
  {
    a = 1
  },
  local.b,
)
"#;
        assert_eq!(print(&body), expected);
    }

    #[test]
    fn typed_references_and_operations_print_as_hcl() {
        let address = Expr::var("net_address");
        let cases = [
            (Expr::var("x"), "var.x"),
            (Expr::local("build_version"), "local.build_version"),
            (
                Expr::call("split", vec![s("/"), address.clone()]).index(0),
                r#"split("/", var.net_address)[0]"#,
            ),
            (
                Expr::conditional(
                    address.clone().not_equal(""),
                    address.clone(),
                    Expr::call("formatdate", vec![s("YYYY"), Expr::local("t")]),
                ),
                r#"var.net_address != "" ? var.net_address : formatdate("YYYY", local.t)"#,
            ),
            (address.clone().equal(""), r#"var.net_address == """#),
            (
                Expr::Template(vec![
                    Part::Expr(t("path.root")),
                    Part::Text("/../builds/a \"b\" ${c}".into()),
                ]),
                r#""${path.root}/../builds/a \"b\" $${c}""#,
            ),
            (
                Expr::Template(vec![
                    Part::Text("cost: 5$".into()),
                    Part::Expr(Expr::var("n")),
                    Part::Text("%".into()),
                    Part::Expr(Expr::var("m")),
                    Part::Text("%".into()),
                ]),
                r#""cost: 5${"$"}${var.n}%${var.m}%""#,
            ),
        ];
        for (expr, text) in cases {
            assert_eq!(inline(&expr).as_deref(), Some(text));
        }
    }

    /// The typed forms evaluate in Packer 1.6.6 as the text they stand for: a template's text
    /// parts stay literal (quotes, `${`, a `$` right before an interpolation) and its
    /// interpolations are live.
    #[test]
    fn oracle_packer_console_evaluates_typed_expressions() {
        if !packer_available("oracle_packer_console_evaluates_typed_expressions") {
            return;
        }
        let n = Expr::var("n");
        let body = Body::new()
            .block(Block::new(
                "variable",
                ["n"],
                Body::new().attr("default", "10.0.0.5/24"),
            ))
            .block(Block::new(
                "variable",
                ["e"],
                Body::new().attr("default", ""),
            ))
            .block(Block::new(
                "locals",
                Vec::<String>::new(),
                Body::new()
                    .attr(
                        "t",
                        Expr::Template(vec![
                            Part::Text("a \"q\" ${x} 5$".into()),
                            Part::Expr(Expr::call("split", vec![s("/"), n.clone()]).index(0)),
                            Part::Text("%".into()),
                            Part::Expr(Expr::var("e")),
                            Part::Text("%{".into()),
                        ]),
                    )
                    .attr(
                        "c",
                        Expr::conditional(
                            Expr::var("e").not_equal(""),
                            Expr::var("e"),
                            Expr::local("t"),
                        ),
                    )
                    .attr("b", Expr::var("e").equal(""))
                    .attr(
                        "d",
                        Expr::Template(vec![
                            Part::text("a%"),
                            Part::when(
                                Expr::var("e").equal(""),
                                vec![Part::text("x%")],
                                vec![Part::text("y")],
                            ),
                            Part::each(
                                "s",
                                Expr::List(vec![s("1"), s("2")]),
                                vec![Part::text(":$"), Part::Expr(t("s"))],
                            ),
                            Part::text("%"),
                        ]),
                    ),
            ));
        let dir = scratch_dir("console-typed");
        std::fs::write(dir.join("vars.pkr.hcl"), print(&body)).expect("write");
        assert!(
            packer(&["fmt", "-check"], &dir, None).status.success(),
            "{}",
            print(&body)
        );
        let eval = |expr: &str| {
            let out = packer(&["console"], &dir, Some(&format!("{expr}\n")));
            assert!(
                out.status.success(),
                "{expr}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).expect("utf-8 output")
        };
        assert_eq!(eval("local.t"), "a \"q\" ${x} 5$10.0.0.5%%{\n");
        assert_eq!(eval("local.c"), "a \"q\" ${x} 5$10.0.0.5%%{\n");
        assert_eq!(eval("local.b"), "true\n");
        assert_eq!(eval("local.d"), "a%x%:$1:$2%\n");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn blocks_labels_comments() {
        let body = Body::new()
            .comment("Generated.\n\nDo not edit.  ")
            .block(Block::new(
                "source",
                ["proxmox-iso", "a\"b"],
                Body::new().attr("x", 1).block(Block::new(
                    "disks",
                    Vec::<String>::new(),
                    Body::new().attr("size", "10G").attr("type", "scsi"),
                )),
            ))
            .blank()
            .blank()
            .block(Block::new("build", Vec::<String>::new(), Body::new()));
        let expected = r#"# Generated.
#
# Do not edit.
source "proxmox-iso" "a\"b" {
  x = 1
  disks {
    size = "10G"
    type = "scsi"
  }
}


build {
}
"#;
        assert_eq!(print(&body), expected);
    }

    #[test]
    fn heredoc_tags_and_fallback() {
        let h = Expr::Heredoc {
            tag: "not valid".into(),
            lines: vec!["EOT".into(), "x\ty \"q\" \\ ${v}".into()],
        };
        assert_eq!(
            print(&Body::new().attr("h", h.clone())),
            "h = <<-EOT_\n  EOT\n  x\ty \"q\" \\ ${v}\nEOT_\n"
        );
        assert_eq!(
            print(&Body::new().attr("l", Expr::List(vec![h]))),
            "l = [\"EOT\\nx\\ty \\\"q\\\" \\\\ ${v}\\n\"]\n"
        );
        let indented = Expr::heredoc(["  a", "    b"]);
        assert_eq!(inline(&indented).as_deref(), Some("\"a\\n  b\\n\""));
    }

    #[test]
    fn empty_document() {
        assert_eq!(print(&Body::new()), "");
        assert_eq!(print(&Body::new().blank().blank()), "");
    }

    // ---- oracle tests against the real `packer` binary ----

    /// True if `packer` runs. Without it the oracle tests are skipped loudly,
    /// except under CI (env `CI` set), where they fail.
    fn packer_available(test: &str) -> bool {
        let ok = Command::new("packer")
            .arg("version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: `packer` is not on PATH but CI is set"
            );
            eprintln!(
                "\n!!!!! {test}: SKIPPED — `packer` not on PATH (install packer 1.6.6) !!!!!\n"
            );
        }
        ok
    }

    fn packer(args: &[&str], dir: &Path, stdin: Option<&str>) -> std::process::Output {
        use std::io::Write;
        let mut child = Command::new("packer")
            .args(args)
            .arg(dir)
            .env("CHECKPOINT_DISABLE", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn packer");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or("").as_bytes())
            .expect("write stdin");
        drop(input);
        child.wait_with_output().expect("packer output")
    }

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hclprinter-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    }

    fn sample_document() -> Body<'static> {
        let boot: Vec<Expr> = [
            "<esc><wait>",
            "<esc><wait>",
            "<enter><wait>",
            "/casper/vmlinuz initrd=/casper/initrd autoinstall ",
            "ds=nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/",
            "<enter>",
        ]
        .into_iter()
        .map(s)
        .collect();
        let variables = |name: &'static str, sensitive: bool, default: Expr| {
            let mut body = Body::new().attr("type", t("string"));
            if sensitive {
                body = body.attr("sensitive", true);
            }
            Block::new("variable", [name], body.attr("default", default))
        };
        Body::new()
            .comment("Generated by hybridc. Do not edit.")
            .blank()
            .block(Block::new(
                "packer",
                Vec::<String>::new(),
                Body::new()
                    .attr("required_version", ">= 1.6.6")
                    .block(Block::new(
                        "required_plugins",
                        Vec::<String>::new(),
                        Body::new()
                            .attr(
                                "proxmox",
                                Expr::object([
                                    ("version", s(">= 1.0.1")),
                                    ("source", s("github.com/hashicorp/proxmox")),
                                ]),
                            )
                            .attr(
                                "windows-update",
                                Expr::object([
                                    ("version", s("0.14.0")),
                                    ("source", s("github.com/rgl/windows-update")),
                                ]),
                            ),
                    )),
            ))
            .blank()
            .block(variables(
                "proxmox_password",
                true,
                Expr::call("env", vec![s("PROXMOX_PASSWORD")]),
            ))
            .blank()
            .block(variables(
                "proxmox_url",
                false,
                s("https://pve:8006/api2/json"),
            ))
            .blank()
            .block(Block::new(
                "locals",
                Vec::<String>::new(),
                Body::new()
                    .attr(
                        "timestamp",
                        Expr::call(
                            "formatdate",
                            vec![s("YYYYMMDD"), Expr::call("timestamp", vec![])],
                        ),
                    )
                    .attr("output", root("/output"))
                    .attr("weird", s("${HOME} $${y} %{if} \"q\" C:\\x\n\té"))
                    .attr(
                        "tags",
                        Expr::object([
                            ("os", s("ubuntu")),
                            ("team name", s("infra")),
                            ("日本", s("x")),
                        ]),
                    )
                    .attr(
                        "user_data",
                        Expr::call(
                            "templatefile",
                            vec![
                                root("/http/user-data.pkrtpl"),
                                Expr::object([
                                    ("hostname", s("ubuntu")),
                                    ("ssh_keys", Expr::List(vec![Expr::var("ssh_key")])),
                                    (
                                        "packages",
                                        Expr::List(
                                            (0..20).map(|i| s(&format!("package-{i}"))).collect(),
                                        ),
                                    ),
                                ]),
                            ],
                        ),
                    )
                    .attr(
                        "script",
                        Expr::heredoc(["#!/bin/sh", "echo \"${HOME}\"", "", "  exit 0"]),
                    )
                    .attr("after_heredoc", 1)
                    .attr(
                        "merged",
                        Expr::call(
                            "merge",
                            vec![Expr::object([("a", Expr::from(-1))]), Expr::local("tags")],
                        ),
                    )
                    .attr(
                        "matrix",
                        Expr::List(vec![
                            Expr::List(vec![1.into(), Expr::Decimal("2.5".into())]),
                            Expr::List(vec![]),
                            Expr::object(Vec::<(String, Expr)>::new()),
                        ]),
                    )
                    .attr(
                        "disks",
                        Expr::List(vec![
                            Expr::object([("size", s("10G")), ("type", s("scsi"))]),
                            Expr::object([
                                ("size", s("1T")),
                                ("format", s("raw")),
                                ("cache", Expr::Null),
                            ]),
                        ]),
                    )
                    .attr(
                        "scripts",
                        Expr::List(vec![Expr::heredoc(["a = 1", "b"]), s("x")]),
                    )
                    .attr(
                        "cfg",
                        Expr::object([("k", Expr::heredoc(["key = value"])), ("after", 2.into())]),
                    ),
            ))
            .blank()
            .block(Block::new(
                "source",
                ["proxmox-iso", "ubuntu"],
                Body::new()
                    .attr("proxmox_url", Expr::var("proxmox_url"))
                    .attr("username", "root@pam")
                    .attr("password", Expr::var("proxmox_password"))
                    .attr("insecure_skip_tls_verify", true)
                    .attr("node", "pve")
                    .attr("vm_id", 9000)
                    .attr("cores", 2)
                    .attr("memory", 4096)
                    .attr("iso_file", "local:iso/ubuntu-22.04.iso")
                    .attr("boot_wait", "5s")
                    .attr("boot_command", Expr::List(boot))
                    .attr("short_boot", Expr::List(vec![s("<enter>"), s("<wait>")]))
                    .attr("http_directory", root("/http"))
                    .attr(
                        "cd_content",
                        Expr::object([
                            ("autounattend.xml", Expr::call("file", vec![root("/a.xml")])),
                            ("meta-data", s("")),
                            ("user-data", Expr::local("user_data")),
                        ]),
                    )
                    .attr("ssh_username", "ubuntu")
                    .attr("ssh_timeout", "30m")
                    .blank()
                    .block(Block::new(
                        "network_adapters",
                        Vec::<String>::new(),
                        Body::new().attr("model", "virtio").attr("bridge", "vmbr0"),
                    ))
                    .block(Block::new(
                        "disks",
                        Vec::<String>::new(),
                        Body::new()
                            .attr("disk_size", "20G")
                            .attr("storage_pool", "local-lvm")
                            .attr("type", "scsi"),
                    ))
                    .block(Block::new("empty", Vec::<String>::new(), Body::new())),
            ))
            .blank()
            .block(Block::new(
                "build",
                Vec::<String>::new(),
                Body::new()
                    .attr("name", "ubuntu")
                    .attr(
                        "sources",
                        Expr::List(vec![
                            t("source.proxmox-iso.ubuntu"),
                            t("source.vsphere-iso.ubuntu"),
                        ]),
                    )
                    .blank()
                    .block(Block::new(
                        "provisioner",
                        ["shell"],
                        Body::new()
                            .attr("only", Expr::List(vec![s("proxmox-iso.ubuntu")]))
                            .attr(
                                "environment_vars",
                                Expr::List(vec![s("A=1"), s("HOME_DIR=/home/ubuntu")]),
                            )
                            .attr(
                                "inline",
                                Expr::List(vec![
                                    s("sudo apt-get update"),
                                    s("sudo apt-get install -y qemu-guest-agent cloud-init"),
                                    s("echo ${HOME} > /tmp/home"),
                                ]),
                            )
                            .attr("expect_disconnect", true),
                    ))
                    .blank()
                    .block(Block::new(
                        "post-processor",
                        ["manifest"],
                        Body::new()
                            .attr(
                                "output",
                                Expr::Template(vec![
                                    Part::Expr(Expr::local("output")),
                                    Part::text("/manifest.json"),
                                ]),
                            )
                            .attr("strip_path", true)
                            .attr(
                                "custom_data",
                                Expr::object([
                                    ("build_time", Expr::local("timestamp")),
                                    ("os", s("ubuntu")),
                                    (
                                        "nested",
                                        Expr::object([
                                            ("a", Expr::from(1)),
                                            ("bb", Expr::List(vec![])),
                                        ]),
                                    ),
                                    ("x", Expr::Null),
                                ]),
                            ),
                    )),
            ))
    }

    #[test]
    fn oracle_packer_fmt_check() {
        if !packer_available("oracle_packer_fmt_check") {
            return;
        }
        let dir = scratch_dir("fmt");
        let text = print(&sample_document());
        std::fs::write(dir.join("sample.pkr.hcl"), &text).expect("write sample");
        let check = packer(&["fmt", "-check"], &dir, None);
        if !check.status.success() {
            // `-check -diff` shows the diff without rewriting the file.
            let diff = packer(&["fmt", "-check", "-diff"], &dir, None);
            panic!(
                "packer fmt -check failed ({:?}):\n{text}\n--- diff ---\n{}{}",
                check.status.code(),
                String::from_utf8_lossy(&diff.stdout),
                String::from_utf8_lossy(&diff.stderr)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Round trip through `packer console` (Packer 1.6.6, HCL2 directory):
    /// `echo 'var.s' | packer console <dir>` evaluates ONE expression read
    /// from stdin (with several stdin lines only the last result is printed)
    /// and prints a string value raw — no quotes, no escaping, control
    /// characters as is — followed by a single `\n`; exit code 0, or 1 with
    /// the error on stderr. Lists/maps print in an HCL-like multi-line form,
    /// so `join`/`jsonencode` is used for non-strings.
    #[test]
    fn oracle_packer_console_round_trip() {
        if !packer_available("oracle_packer_console_round_trip") {
            return;
        }
        let cases = [
            "${a} $${y}",
            "%{a} %%{b}",
            "${",
            "%{",
            "$${",
            "$",
            "%",
            "trailing $",
            "{}",
            "say \"hi\"",
            r"C:\Windows\ \\server\",
            "line1\nline2\r\n",
            "tab\there",
            "é 日本 😀 \u{2028}",
            "bell\u{7} esc\u{1b} del\u{7f} nel\u{85}",
            "",
        ];
        let keys = [
            "autounattend.xml",
            "meta-data",
            "team name",
            "${x}",
            "a\"b",
            "é",
            "for",
        ];
        let heredoc = Expr::heredoc(["#!/bin/sh", "", "   ", "  echo \"$${HOME}\" \\"]);
        let mut body = Body::new();
        for (i, case) in cases.iter().enumerate() {
            body = body.block(Block::new(
                "variable",
                [format!("s{i}")],
                Body::new().attr("default", *case),
            ));
        }
        let obj = Expr::object(keys.iter().map(|k| (*k, Expr::from(*k))));
        body = body
            .block(Block::new(
                "variable",
                ["o"],
                Body::new().attr("default", obj),
            ))
            .block(Block::new(
                "variable",
                ["h"],
                Body::new().attr("default", heredoc.clone()),
            ))
            .block(Block::new(
                "variable",
                ["hl"],
                Body::new().attr("default", Expr::List(vec![heredoc])),
            ));
        let dir = scratch_dir("console");
        std::fs::write(dir.join("vars.pkr.hcl"), print(&body)).expect("write vars");
        assert!(
            packer(&["fmt", "-check"], &dir, None).status.success(),
            "console fixture is not packer-fmt canonical"
        );

        let eval = |expr: &str| {
            let out = packer(&["console"], &dir, Some(&format!("{expr}\n")));
            assert!(
                out.status.success(),
                "{expr}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).expect("utf-8 output")
        };
        for (i, case) in cases.iter().enumerate() {
            assert_eq!(
                eval(&format!("var.s{i}")),
                format!("{case}\n"),
                "case {i}: {case:?}"
            );
        }
        let mut sorted: Vec<&str> = keys.to_vec();
        sorted.sort_unstable();
        assert_eq!(
            eval("join(\"|\", keys(var.o))"),
            format!("{}\n", sorted.join("|"))
        );
        assert_eq!(
            eval("join(\"|\", values(var.o))"),
            format!("{}\n", sorted.join("|"))
        );
        let expected = "#!/bin/sh\n\n   \n  echo \"${HOME}\" \\\n";
        assert_eq!(eval("var.h"), format!("{expected}\n"));
        assert_eq!(eval("var.hl[0]"), format!("{expected}\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
