//! Problems found in a spec, as data.
//!
//! Every stage reports what it finds as [`Diagnostic`] values: a stable code, a message, a
//! primary label at an exact byte span of the spec file, optional secondary labels and a help
//! line. This module owns that shape and its rendering through miette; it must not decide what
//! is wrong with a spec, only how a finding is carried and shown.

use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};

use crate::excerpt::{self, Excerpt, Lines};

pub use crate::span::Span;

/// Every finding's stable identifier, with the text shown and written to JSON reports.
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $name:ident => $text:literal,)*) => {
        /// The stable identifier of a finding.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $name,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            /// The code as shown, for example `hybridc::spec::unknown-key`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => $text,)*
                }
            }
        }
    };
}

codes! {
    /// An `options:` entry sets an argument that hybridc sets itself.
    OptionConflict => "hybridc::compile::option-conflict",
    /// The compiled model breaks a rule of the pinned plugin catalogue.
    PluginConformance => "hybridc::compile::plugin-conformance",
    /// An environment overrides a setting that no build of it uses.
    UnusedOverride => "hybridc::compile::unused-override",
    /// An expression of an imported Packer tree cannot be evaluated.
    ImportEvaluation => "hybridc::import::evaluation",
    /// An imported var file holds a secret as a literal.
    ImportLiteralSecret => "hybridc::import::literal-secret",
    /// An imported folder has no `source` block.
    ImportNoSources => "hybridc::import::no-sources",
    /// A folder or file of an imported tree links back to itself.
    ImportSymlinkLoop => "hybridc::import::symlink-loop",
    /// An imported file is not valid HCL.
    ImportSyntax => "hybridc::import::syntax",
    /// An imported source uses a builder hybridc does not compile to.
    ImportUnsupportedBuilder => "hybridc::import::unsupported-builder",
    /// Reading or writing a file failed.
    Io => "hybridc::io",
    /// The spec file is empty.
    Empty => "hybridc::read::empty",
    /// The spec file is not UTF-8.
    NotUtf8 => "hybridc::read::not-utf8",
    /// The spec file is larger than hybridc reads.
    TooLarge => "hybridc::read::too-large",
    /// An IP address, prefix or gateway is malformed or inconsistent.
    BadAddress => "hybridc::spec::bad-address",
    /// An ISO checksum is malformed for its algorithm.
    BadChecksum => "hybridc::spec::bad-checksum",
    /// A value does not have the format its field requires.
    BadFormat => "hybridc::spec::bad-format",
    /// A name is not a valid label.
    BadName => "hybridc::spec::bad-name",
    /// A URL is not one Packer can read.
    BadUrl => "hybridc::spec::bad-url",
    /// Two settings contradict each other.
    Conflict => "hybridc::spec::conflict",
    /// An environment overrides a credential.
    CredentialOverride => "hybridc::spec::credential-override",
    /// An `options:` entry uses a deprecated plugin argument.
    DeprecatedOption => "hybridc::spec::deprecated-option",
    /// A disk is smaller than the marketplace image it starts from.
    DiskBelowImage => "hybridc::spec::disk-below-image",
    /// One address is given to two builds.
    DuplicateAddress => "hybridc::spec::duplicate-address",
    /// Two builds would have the same name.
    DuplicateBuild => "hybridc::spec::duplicate-build",
    /// A list holds the same item twice.
    DuplicateItem => "hybridc::spec::duplicate-item",
    /// A provisioning set has no steps.
    EmptySet => "hybridc::spec::empty-set",
    /// A provisioning step does nothing.
    EmptyStep => "hybridc::spec::empty-step",
    /// A setting pins what hybridc versions itself.
    FixedVersion => "hybridc::spec::fixed-version",
    /// The spec breaks its JSON Schema.
    Invalid => "hybridc::spec::invalid",
    /// A credential is written as a literal instead of `{ env: NAME }`.
    LiteralCredential => "hybridc::spec::literal-credential",
    /// An `options:` entry writes a secret argument as a literal.
    LiteralSecret => "hybridc::spec::literal-secret",
    /// A referenced file or folder does not exist.
    MissingFile => "hybridc::spec::missing-file",
    /// An OS needs an ISO and has none.
    MissingIso => "hybridc::spec::missing-iso",
    /// A required key is missing.
    MissingKey => "hybridc::spec::missing-key",
    /// A platform has no place to build or store its image.
    MissingPlacement => "hybridc::spec::missing-placement",
    /// Two names map to the same generated name.
    NameCollision => "hybridc::spec::name-collision",
    /// A generated name exceeds the platform's limit.
    NameTooLong => "hybridc::spec::name-too-long",
    /// A build produces no image.
    NoOutput => "hybridc::spec::no-output",
    /// A path names a folder where a file is needed.
    NotAFile => "hybridc::spec::not-a-file",
    /// The top level of the spec is not a mapping.
    NotAMapping => "hybridc::spec::not-a-mapping",
    /// A number is outside its allowed range.
    OutOfRange => "hybridc::spec::out-of-range",
    /// A path leaves the repository.
    OutsideRepository => "hybridc::spec::outside-repository",
    /// A value that Packer renders again contains a template action.
    TemplateAction => "hybridc::spec::template-action",
    /// A list has fewer items than required.
    TooFew => "hybridc::spec::too-few",
    /// A list has more items than allowed.
    TooMany => "hybridc::spec::too-many",
    /// A key the spec does not have.
    UnknownKey => "hybridc::spec::unknown-key",
    /// A keyboard layout Windows does not know.
    UnknownKeyboard => "hybridc::spec::unknown-keyboard",
    /// A tagged item of a kind the spec does not have.
    UnknownKind => "hybridc::spec::unknown-kind",
    /// An `options:` entry names an argument the plugin does not have.
    UnknownOption => "hybridc::spec::unknown-option",
    /// A name refers to something not defined in the spec.
    UnknownReference => "hybridc::spec::unknown-reference",
    /// A time zone that has no Windows equivalent.
    UnknownTimeZone => "hybridc::spec::unknown-time-zone",
    /// A value outside its field's allowed set.
    UnknownValue => "hybridc::spec::unknown-value",
    /// A combination hybridc cannot build.
    Unsupported => "hybridc::spec::unsupported",
    /// Something defined but never used.
    Unused => "hybridc::spec::unused",
    /// An installer or step for another OS family.
    WrongFamily => "hybridc::spec::wrong-family",
    /// A value of the wrong type.
    WrongType => "hybridc::spec::wrong-type",
    /// YAML aliases expand beyond the limit.
    AliasLimit => "hybridc::yaml::alias-limit",
    /// A YAML key that is not a plain scalar.
    ComplexKey => "hybridc::yaml::complex-key",
    /// A YAML mapping has the same key twice.
    DuplicateKey => "hybridc::yaml::duplicate-key",
    /// The YAML file holds more than one document.
    MultipleDocuments => "hybridc::yaml::multiple-documents",
    /// The YAML is malformed.
    Syntax => "hybridc::yaml::syntax",
    /// YAML nesting beyond the limit.
    TooDeep => "hybridc::yaml::too-deep",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The spec cannot be used.
    Error,
    /// The spec works, but something in it deserves attention.
    Warning,
}

/// A labelled place in the spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub text: String,
}

/// One finding about the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable identifier, for example `hybridc::spec::unknown-key`.
    pub code: Code,
    /// One line, lowercase, no trailing period.
    pub message: String,
    /// The place the finding is about.
    pub primary: Label,
    /// Related places ("first defined here").
    pub secondary: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// The text the help line proposes in place of the primary span's (the name a did-you-mean
    /// names), so that an editor can offer the fix without reading the help line.
    pub replacement: Option<String>,
    /// Bytes of the spec that must never be shown (a secret written as a literal): rendering
    /// masks them with `*`, keeping every position.
    pub redact: Vec<Span>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Label {
                span,
                text: label.into(),
            },
            secondary: Vec::new(),
            help: None,
            replacement: None,
            redact: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span, label)
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line when there is one.
    pub fn with_optional_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Adds the did-you-mean help line, and the name it proposes as the replacement of the
    /// primary span, when `input` is close to one of `candidates`; else leaves both as they are.
    pub fn with_did_you_mean<'a>(
        mut self,
        input: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        if let Some(close) = closest(input, candidates) {
            self.help = Some(did_you_mean_line(close));
            self.replacement = Some(close.to_owned());
        }
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// Masks `span` wherever this finding is shown: the spec text there is a secret.
    pub fn with_redacted(mut self, span: Span) -> Self {
        self.redact.push(span);
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts findings by position, then by code and message, so output is stable, and drops repeats
/// of one finding at one place.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (a.primary.span.start, a.code.as_str(), &a.message).cmp(&(
            b.primary.span.start,
            b.code.as_str(),
            &b.message,
        ))
    });
    // One spec node shared by several sources (a provisioning set, a platform's options) is
    // reported once, not once per source.
    diagnostics.dedup_by(|a, b| {
        a.primary.span == b.primary.span && a.code == b.code && a.message == b.message
    });
}

/// The text of the spec file, named for display.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user should read it.
    pub name: String,
    /// The whole file.
    pub text: Arc<str>,
    /// Where its lines start, for positions: found once, on first use.
    lines: OnceLock<Lines>,
}

impl SourceFile {
    /// A source named `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
            lines: OnceLock::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset, with the YAML parser's line
    /// breaks (LF, CRLF or a lone CR).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines().line_col(&self.text, offset)
    }

    /// Where the lines of the text start, found on first use.
    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| Lines::new(&self.text))
    }
}

/// A diagnostic bound to the part of its source file it shows, ready for miette.
struct Bound<'a> {
    diagnostic: &'a Diagnostic,
    source: Excerpt<'a>,
}

impl fmt::Debug for Bound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Bound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&excerpt::shorten(&self.diagnostic.message))
    }
}

impl std::error::Error for Bound<'_> {}

impl miette::Diagnostic for Bound<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(excerpt::shorten(h)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        // The excerpt holds the labels in the order `render` gave them: primary first.
        let d = self.diagnostic;
        let primary = LabeledSpan::new_primary_with_span(
            Some(excerpt::shorten(&d.primary.text).into_owned()),
            source_span(self.source.label(0)),
        );
        let secondary = d.secondary.iter().enumerate().map(|(i, l)| {
            LabeledSpan::new_with_span(
                Some(excerpt::shorten(&l.text).into_owned()),
                source_span(self.source.label(i + 1)),
            )
        });
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

/// Renders diagnostics as text, with or without colour.
pub fn render(diagnostics: &[Diagnostic], source: &SourceFile, colour: bool) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(200)
        .with_links(false);
    // A snippet shows the lines around its label too, so a secret is masked in every snippet,
    // not only in the finding that is about it.
    let text = redacted(&source.text, diagnostics.iter().flat_map(|d| &d.redact));
    let mut out = String::new();
    let lines = source.lines();
    for diagnostic in diagnostics {
        let spans: Vec<Span> = std::iter::once(&diagnostic.primary)
            .chain(&diagnostic.secondary)
            .map(|l| l.span)
            .collect();
        let bound = Bound {
            diagnostic,
            // The masked text keeps every byte offset and line break of the source.
            source: Excerpt::new(&source.name, &text, lines, &spans),
        };
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &bound);
        out.push('\n');
    }
    out
}

/// `text` with the bytes of `spans` replaced by `*`, one for one, so that every offset, line
/// and label stays where it was. Line breaks are kept: a masked block scalar keeps its lines.
fn redacted<'a>(text: &Arc<str>, spans: impl IntoIterator<Item = &'a Span>) -> Arc<str> {
    let mut bytes: Option<Vec<u8>> = None;
    for span in spans {
        let bytes = bytes.get_or_insert_with(|| text.as_bytes().to_vec());
        // Whole characters only, so the result stays UTF-8.
        let start = crate::excerpt::floor_char_boundary(text, span.start.min(text.len()));
        let mut end = span.end.min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        for byte in &mut bytes[start..end] {
            if !matches!(*byte, b'\n' | b'\r') {
                *byte = b'*';
            }
        }
    }
    match bytes {
        None => text.clone(),
        Some(bytes) => String::from_utf8(bytes)
            .expect("whole characters were replaced by ASCII")
            .into(),
    }
}

/// Suggests the closest of `candidates` to `input`, as a help line, when one is close enough.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(input, candidates).map(did_you_mean_line)
}

/// The help line that proposes `close`.
fn did_you_mean_line(close: &str) -> String {
    format!("did you mean `{close}`?")
}

/// A name that is not among the ones the spec defines (an environment, an OS), with what a
/// message about it needs: the closest defined name when one is a likely typo, and all of them.
/// Built by [`Unknown::among`], the one check every command that takes such a name uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// What kind of name it is (`environment`, `OS`), as the message says it.
    pub what: &'static str,
    /// The name asked for.
    pub name: String,
    /// The closest defined name, when one is close enough.
    pub suggestion: Option<String>,
    /// Every defined name, in the order given.
    pub known: Vec<String>,
}

impl Unknown {
    /// `None` when `name` is one of `defined`, else what is unknown about it.
    pub fn among<'a>(
        what: &'static str,
        name: &str,
        defined: impl IntoIterator<Item = &'a str>,
    ) -> Option<Unknown> {
        let defined: Vec<&str> = defined.into_iter().collect();
        if defined.contains(&name) {
            return None;
        }
        Some(Unknown {
            what,
            name: name.to_owned(),
            suggestion: closest(name, defined.iter().copied()).map(str::to_owned),
            known: defined.iter().map(|d| (*d).to_owned()).collect(),
        })
    }
}

/// The one wording of an unknown name: `no environment `prd` in the spec; did you mean
/// `prod`?`, else the names it has, else that it defines none.
impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no {} `{}` in the spec", self.what, self.name)?;
        match &self.suggestion {
            Some(close) => write!(f, "; did you mean `{close}`?"),
            None if self.known.is_empty() => write!(f, ", which defines none"),
            None => write!(f, "; it has {}", prose_list(&self.known)),
        }
    }
}

/// Items as prose, joined by `conjunction`: "a", "a and b", "a, b and c"; empty for none.
pub fn words<S: AsRef<str>>(items: &[S], conjunction: &str) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.as_ref().to_owned(),
        Some((last, rest)) => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} {conjunction} {}", rest.join(", "), last.as_ref())
        }
    }
}

/// Names in backticks as prose, joined by `conjunction`; "none" for none.
fn quoted_words<S: AsRef<str>>(names: &[S], conjunction: &str) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    words(&quoted, conjunction)
}

/// Names in backticks as prose: "none", "`a`", "`a` and `b`", "`a`, `b` and `c`".
pub fn prose_list<S: AsRef<str>>(names: &[S]) -> String {
    quoted_words(names, "and")
}

/// Names in backticks as alternatives: "none", "`a`", "`a` or `b`", "`a`, `b` or `c`".
pub fn prose_alternatives<S: AsRef<str>>(names: &[S]) -> String {
    quoted_words(names, "or")
}

/// The candidate closest to `input` when it is close enough to be a likely typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lowered = input.to_ascii_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&lowered, &candidate.to_ascii_lowercase());
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The span as miette counts it.
fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.end - span.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_distinct_and_names_its_stage() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} is declared twice");
            let mut parts = text.split("::");
            assert_eq!(parts.next(), Some("hybridc"), "{text}");
            assert!(
                parts.all(|p| !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')),
                "{text} is not lowercase kebab-case"
            );
            assert_eq!(code.to_string(), text);
        }
    }

    #[test]
    fn an_unknown_name_gets_the_close_one_and_every_defined_one() {
        assert_eq!(Unknown::among("environment", "dev", ["dev", "prod"]), None);
        assert_eq!(
            Unknown::among("environment", "prdo", ["dev", "prod"]),
            Some(Unknown {
                what: "environment",
                name: "prdo".to_owned(),
                suggestion: Some("prod".to_owned()),
                known: vec!["dev".to_owned(), "prod".to_owned()],
            })
        );
        let far = Unknown::among("environment", "staging", []).expect("nothing is defined");
        assert_eq!(
            far.to_string(),
            "no environment `staging` in the spec, which defines none"
        );
        let typo = Unknown::among("OS", "ubunt", ["ubuntu", "rocky"]).expect("unknown");
        assert_eq!(
            typo.to_string(),
            "no OS `ubunt` in the spec; did you mean `ubuntu`?"
        );
        let other = Unknown::among("environment", "qa", ["dev", "prod"]).expect("unknown");
        assert_eq!(
            other.to_string(),
            "no environment `qa` in the spec; it has `dev` and `prod`"
        );
        assert_eq!((far.suggestion, far.known), (None, vec![]));
    }

    #[test]
    fn line_col_counts_characters() {
        let source = SourceFile::new("x.yaml", "a: 1\nné: é2\n");
        assert_eq!(source.line_col(0), (1, 1));
        let offset = source.text.find("é2").expect("present");
        assert_eq!(source.line_col(offset), (2, 5));
    }

    #[test]
    fn redacted_spans_are_masked_in_place() {
        let text = "a: 1\npassword: hunter2\nb: 2\n";
        let source = SourceFile::new("x.yaml", text);
        let start = text.find("hunter2").expect("present");
        let secret = Span::new(start, start + "hunter2".len());
        let d = Diagnostic::error(Code::Conflict, "a secret", secret, "here").with_redacted(secret);
        let other = Diagnostic::error(Code::Conflict, "next door", Span::new(0, 1), "there");
        let shown = render(&[other, d], &source, false);
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(shown.contains("password: *******\n"), "{shown}");
        assert!(shown.contains("[x.yaml:2:11]"), "{shown}");
    }

    #[test]
    fn masking_keeps_lines_and_characters_whole() {
        let text: Arc<str> = "k: |\n  é1\n  b\nz: 1\n".into();
        let start = text.find('|').expect("present");
        let end = text.find("z:").expect("present") - 1;
        let masked = redacted(&text, [&Span::new(start, end)]);
        assert_eq!(&*masked, "k: *\n*****\n***\nz: 1\n");
        assert_eq!(masked.len(), text.len());
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            closest("vspere", ["proxmox", "vsphere", "azure"]),
            Some("vsphere")
        );
        assert_eq!(closest("gcp", ["proxmox", "vsphere", "azure"]), None);
    }
}
