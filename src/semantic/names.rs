//! Names that become Packer labels, file names and artifact names: OS, environment and edition
//! names, and the builds and Azure images they name.

use std::collections::BTreeMap;

use super::{Checker, is_label};
use crate::diagnostic::{Code, Diagnostic};
use crate::release::OsFacts;
use crate::spec::{PlatformName, snake};

impl Checker<'_, '_> {
    pub(super) fn names(&mut self) {
        let spec = self.cx.spec;
        // OS names that Packer's variable and local names cannot tell apart (`-` becomes `_`
        // there). Two valid names never collide, so all but one of each group are invalid.
        let mut by_identifier: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for name in spec.oses.keys() {
            by_identifier.entry(snake(name)).or_default().push(name);
        }
        let mut colliding = Vec::new();
        for (identifier, names) in &by_identifier {
            let Some(kept) = names.iter().find(|n| is_label(n)).or(names.first()) else {
                continue;
            };
            for name in names.iter().filter(|n| *n != kept) {
                colliding.push(*name);
                self.push(
                    Diagnostic::error(
                        Code::NameCollision,
                        format!("OS names `{name}` and `{kept}` collide"),
                        self.key_span(&["oses", name]),
                        format!("becomes `{identifier}` in Packer names"),
                    )
                    .with_secondary(self.key_span(&["oses", kept]), format!("becomes `{identifier}` in Packer names"))
                    .with_help(format!(
                        "Packer variable and local names write `-` as `_`, so both OSes would get the same ones (`{identifier}_...`); rename `{name}` (lowercase letters, digits and `-`) or remove one of them"
                    )),
                );
            }
        }
        for name in spec.oses.keys() {
            if !is_label(name) && !colliding.contains(&name.as_str()) {
                let suggestion = suggest_free_label(name, |n| spec.oses.contains_key(n));
                self.push(
                    Diagnostic::error(
                        Code::BadName,
                        format!("OS name `{name}` is not a valid build name"),
                        self.key_span(&["oses", name]),
                        "becomes a Packer label",
                    )
                    .with_help(format!(
                        "use up to 63 lowercase letters, digits and `-`, starting with a letter and without dots, for example `{suggestion}`"
                    )),
                );
            }
        }
        for name in spec.environments.keys() {
            if !is_label(name) {
                let suggestion = suggest_free_label(name, |n| spec.environments.contains_key(n));
                self.push(
                    Diagnostic::error(
                        Code::BadName,
                        format!("environment name `{name}` is not a valid file name"),
                        self.key_span(&["environments", name]),
                        "becomes env/<name>.pkrvars.hcl",
                    )
                    .with_help(format!(
                        "use lowercase letters, digits and `-`, starting with a letter, for example `{suggestion}`"
                    )),
                );
            }
        }
        for (name, set) in &spec.provisioning {
            if set.is_empty() {
                self.push(Diagnostic::warning(
                    Code::EmptySet,
                    format!("provisioning set `{name}` has no steps"),
                    self.key_span(&["provisioning", name]),
                    "empty",
                ));
            }
        }
    }

    /// Artifact names must not collide: every source is named `<os>` or `<os>-<edition>`, and
    /// its artifacts `<source>-<build version>` (at most 40 characters, checked by `hybridc
    /// build`). Azure takes at most 80 characters for a managed image name (packer-plugin-azure
    /// v2.6.3 `builder/azure/arm/config.go`, `validManagedDiskName`), and two builds publishing
    /// to one gallery image definition would publish the same version.
    pub(super) fn artifact_names(&mut self) {
        let spec = self.cx.spec;
        type Places<'p> = BTreeMap<String, Vec<Vec<&'p str>>>;
        let mut sources: Places = BTreeMap::new();
        let mut gallery_images: Places = BTreeMap::new();
        for (name, os) in &spec.oses {
            let own: Vec<(String, Vec<&str>)> = if crate::family::facts(os.family()).per_edition {
                os.editions()
                    .iter()
                    .map(|e| {
                        (
                            crate::spec::source_name(name, Some(&e.name)),
                            vec!["oses", name.as_str(), "editions"],
                        )
                    })
                    .collect()
            } else {
                vec![(name.clone(), vec!["oses", name.as_str()])]
            };
            let on_azure =
                os.platforms.contains(&PlatformName::Azure) && self.configured(PlatformName::Azure);
            for (source, at) in own {
                if on_azure && source.len() > MAX_AZURE_SOURCE_NAME {
                    self.push(
                        Diagnostic::error(
                            Code::NameTooLong,
                            format!("build `{source}` is too long for an Azure image name ({} characters, at most {MAX_AZURE_SOURCE_NAME})", source.len()),
                            self.key_span(&at),
                            "names `<build>-<version>` managed images",
                        )
                        .with_help("Azure takes at most 80 characters, and the build version up to 40 of them; use a shorter OS or edition name"),
                    );
                }
                if on_azure
                    && spec
                        .platforms
                        .azure
                        .as_ref()
                        .is_some_and(|a| a.output.gallery.is_some())
                {
                    let image = os
                        .azure
                        .as_ref()
                        .and_then(|a| a.gallery_image.clone())
                        .unwrap_or_else(|| source.clone());
                    let image_at = if os.azure.as_ref().is_some_and(|a| a.gallery_image.is_some()) {
                        vec!["oses", name.as_str(), "azure", "gallery_image"]
                    } else {
                        at.clone()
                    };
                    gallery_images.entry(image).or_default().push(image_at);
                }
                sources.entry(source).or_default().push(at);
            }
        }
        for (what, table, code) in [
            ("build", &sources, Code::DuplicateBuild),
            ("Azure gallery image", &gallery_images, Code::DuplicateBuild),
        ] {
            for (name, places) in table {
                if let [first, second, ..] = places.as_slice() {
                    self.push(
                        Diagnostic::error(
                            code,
                            format!("two builds are named `{name}` ({what}), so their artifacts collide"),
                            self.key_span(second),
                            "named here",
                        )
                        .with_secondary(self.key_span(first), "and here")
                        .with_help("rename one OS or edition (a Windows edition's build is `<os>-<edition>`)"),
                    );
                }
            }
        }
    }
}

/// The longest build name that still leaves room for a 40-character build version in an Azure
/// managed image name (`<build>-<version>`, at most 80 characters).
pub(super) const MAX_AZURE_SOURCE_NAME: usize = 39;

/// A valid label close to `name`, for help lines.
pub(super) fn suggest_label(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out
        .trim_matches('-')
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .to_owned();
    if trimmed.is_empty() {
        "name".into()
    } else {
        trimmed
    }
}

/// Like [`suggest_label`], but never a name that `taken` says is in use already: the help must
/// not suggest renaming one entry to another.
pub(super) fn suggest_free_label(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let label = suggest_label(name);
    (1..)
        .map(|n| match n {
            1 => label.clone(),
            n => format!("{label}-{n}"),
        })
        .find(|candidate| !taken(candidate))
        .expect("names in use are finitely many")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert!(is_label("ubuntu-2404"));
        assert!(!is_label("ubuntu-24.04"));
        assert!(!is_label("2404"));
        assert!(!is_label("Ubuntu"));
        assert_eq!(suggest_label("Ubuntu_24.04"), "ubuntu-24-04");
        assert_eq!(suggest_free_label("Dev", |n| n == "dev"), "dev-2");
        assert_eq!(
            suggest_free_label("Dev", |n| ["dev", "dev-2"].contains(&n)),
            "dev-3"
        );
        assert_eq!(suggest_free_label("Dev", |_| false), "dev");
    }
}
