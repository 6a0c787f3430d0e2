//! Installer templates read only what hybridc passes them. Packer renders each one with
//! `templatefile(path, vars)`, which refuses a template that references a name `vars` does
//! not hold before it renders anything, and fails on an attribute the value does not have; the
//! build then fails as it starts. A template an OS renders (the shared one under
//! `installers/<kind>/`, or its own) is parsed here with hcl-rs's template parser and every
//! root name it references is held to [`crate::installer::TemplateVar`]'s declaration for its
//! installer's rendering, `inputs.<name>` to the OS's `installer_inputs`, and the attributes of
//! `release` and `network` to their declared shapes. Names bound by `%{ for }` directives and
//! `[for ...]` expressions are local. Each template file is parsed once, however many OSes
//! render it.

use std::collections::HashMap;
use std::sync::Arc;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic, Span, did_you_mean, prose_list};
use crate::installer::references::{Reference, Scan, scan};
use crate::installer::{InstallerKind, TemplateVar};
use crate::spec::Os;

/// The templates parsed so far, by repository path; `None`: not a readable UTF-8 file (the
/// `oses` checks report a missing one).
#[derive(Default)]
pub(super) struct Scanned(
    HashMap<String, Option<Arc<Scan>>>,
    /// The renderings found clean: a template, the installer's variables, the OS's input
    /// names. Another OS that renders it the same way is clean too.
    std::collections::HashSet<(String, &'static str, Vec<String>)>,
);

/// A template an OS renders, and the spec node that makes it render it.
struct At<'a> {
    path: &'a str,
    span: Span,
    label: &'a str,
}

impl Checker<'_, '_> {
    /// Every template the OS renders references only what its installer's rendering passes:
    /// the declared template variables, the OS's own `installer_inputs`, and the declared
    /// attributes of `release` and `network`.
    pub(super) fn template_references(
        &mut self,
        name: &str,
        os: &Os,
        kind: &InstallerKind,
        scanned: &mut Scanned,
    ) {
        let files = self.cx.files;
        let is_file = |p: &str| files.kind(p) == crate::source::Kind::File;
        let inputs: Vec<String> = os.installer_inputs.keys().cloned().collect();
        for file in kind.templates {
            let path = kind.template_path(name, os, file, is_file);
            let rendering = (path.clone(), kind.installer.as_str(), inputs.clone());
            if scanned.1.contains(&rendering) {
                continue;
            }
            let scan = scanned
                .0
                .entry(path.clone())
                .or_insert_with(|| {
                    let text = String::from_utf8(files.read(&path)?).ok()?;
                    Some(Arc::new(scan(&text)))
                })
                .clone();
            let Some(scan) = scan else { continue };
            let (span, label) = if os.templates.contains_key(*file) {
                let span = self.at(&["oses", name, "templates", file]).value;
                (span, format!("OS `{name}` renders `{path}`"))
            } else {
                let span = self.key_span(&["oses", name]);
                (span, format!("renders `{path}`"))
            };
            match scan.as_ref() {
                Err(e) => self.push(
                    Diagnostic::error(
                        Code::BadFormat,
                        format!(
                            "template `{path}` is not a valid HCL template: {} (line {}, column {})",
                            e.message, e.line, e.column
                        ),
                        span,
                        label,
                    )
                    .with_help("Packer's `templatefile()` cannot render it; a literal `${` is written `$${`, and `%{` is written `%%{`"),
                ),
                Ok(references) => {
                    let at = At { path: &path, span, label: &label };
                    let before = self.out.len();
                    self.references(name, os, kind, references, &at);
                    if self.out.len() == before {
                        scanned.1.insert(rendering);
                    }
                }
            }
        }
    }

    /// One finding per name a template references that the OS's rendering does not hold, at
    /// its first use.
    fn references(
        &mut self,
        name: &str,
        os: &Os,
        kind: &InstallerKind,
        references: &[Reference],
        at: &At<'_>,
    ) {
        let At { path, span, label } = *at;
        let vars = kind.seed.template_vars();
        let names = kind.seed.template_var_names();
        let mut reported: Vec<(&str, Option<&str>)> = Vec::new();
        for reference in references {
            let Reference {
                root,
                attribute,
                line,
                ..
            } = reference;
            let Some(var) = vars.iter().find(|v| v.name() == root) else {
                if reported.contains(&(root, None)) {
                    continue;
                }
                reported.push((root, None));
                let listed = format!(
                    "installer templates get {}; other values go through the OS's `installer_inputs`, read as `inputs.<name>`",
                    prose_list(&names)
                );
                let help = match did_you_mean(root, names.iter().copied()) {
                    Some(close) => format!("{close} {listed}"),
                    None => listed,
                };
                self.push(
                    Diagnostic::error(
                        Code::UnknownReference,
                        format!(
                            "template `{path}` uses `{root}` (line {line}), which hybridc does not pass to installer templates"
                        ),
                        span,
                        label,
                    )
                    .with_help(help),
                );
                continue;
            };
            let Some(attribute) = attribute else { continue };
            let known: Vec<&str> = match (var, var.attributes()) {
                (TemplateVar::Inputs, _) => {
                    os.installer_inputs.keys().map(String::as_str).collect()
                }
                (_, Some(attributes)) => attributes.to_vec(),
                (_, None) => continue,
            };
            if known.contains(&attribute.as_str())
                || reported.contains(&(root, Some(attribute.as_str())))
            {
                continue;
            }
            reported.push((root, Some(attribute)));
            let (message, help) = if *var == TemplateVar::Inputs {
                (
                    format!(
                        "template `{path}` reads `inputs.{attribute}` (line {line}), but OS `{name}` has no installer input `{attribute}`"
                    ),
                    format!(
                        "add `{attribute}` to the OS's `installer_inputs`, or read it as `lookup(inputs, \"{attribute}\", \"\")` where it is optional"
                    ),
                )
            } else {
                (
                    format!(
                        "template `{path}` reads `{root}.{attribute}` (line {line}), which `{root}` does not have"
                    ),
                    format!("`{root}` has {}", prose_list(&known)),
                )
            };
            let help = match did_you_mean(attribute, known.iter().copied()) {
                Some(close) => format!("{close} {help}"),
                None => help,
            };
            self.push(
                Diagnostic::error(Code::UnknownReference, message, span, label).with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shared template under `installers/<kind>/` references only the variables its
    /// kind's rendering is declared to pass, and only declared attributes of `release` and
    /// `network`; an installer input only through `lookup(inputs, ...)`, since an OS may not
    /// have it. So adding a variable to a shared template without passing it fails here.
    #[test]
    fn shared_templates_reference_only_declared_variables() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for kind in crate::installer::INSTALLERS {
            let vars = kind.seed.template_vars();
            for file in kind.templates {
                let path = format!("installers/{}/{file}", kind.installer.as_str());
                let text = std::fs::read_to_string(root.join(&path)).expect("a shared template");
                let references = scan(&text).unwrap_or_else(|e| panic!("{path}: {e:?}"));
                for Reference {
                    root,
                    attribute,
                    line,
                    ..
                } in references
                {
                    let var = vars.iter().find(|v| v.name() == root);
                    let var = var.unwrap_or_else(|| panic!("{path}:{line} uses `{root}`"));
                    assert!(
                        *var != TemplateVar::Inputs || attribute.is_none(),
                        "{path}:{line} reads an input without `lookup`"
                    );
                    if let (Some(attributes), Some(attribute)) = (var.attributes(), &attribute) {
                        assert!(
                            attributes.contains(&attribute.as_str()),
                            "{path}:{line} reads `{root}.{attribute}`"
                        );
                    }
                }
            }
        }
    }
}
