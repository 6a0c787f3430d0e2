//! Reading manifest files into the latest artifact per (OS, platform, edition), and every
//! entry that cannot be used into a [`Problem`].

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::time::iso8601;
use super::{Artifact, Inventory, Problem};

/// Accumulates the latest artifact per key, and problems, while files are read in order.
#[derive(Default)]
pub(super) struct Reader {
    latest: BTreeMap<(String, String, String), Artifact>,
    problems: Vec<Problem>,
}

impl Reader {
    pub(super) fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    /// One manifest file's bytes; `shown` is its path as the user sees it.
    pub(super) fn file(&mut self, shown: &str, bytes: &[u8]) {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            self.problem(shown, "empty file, not a Packer manifest");
            return;
        }
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(value) => value,
            Err(e) => {
                self.problem(shown, invalid_json(&e));
                return;
            }
        };
        let builds = match value.get("builds") {
            Some(Value::Array(builds)) => builds.as_slice(),
            // Go writes an empty build list as `null`: a manifest with nothing in it yet.
            Some(Value::Null) => &[],
            _ => {
                self.problem(shown, "not a Packer manifest: no `builds` list");
                return;
            }
        };
        for (index, build) in builds.iter().enumerate() {
            match entry(build, shown) {
                Ok(artifact) => self.keep(artifact),
                Err(issues) => {
                    let label = label(index, build);
                    for issue in issues {
                        self.problem(shown, format!("{label}: {issue}"));
                    }
                }
            }
        }
    }

    /// Keeps `artifact` unless an earlier-read one of the same key is newer; a tie goes to
    /// the one read last.
    fn keep(&mut self, artifact: Artifact) {
        let key = (
            artifact.os.clone(),
            artifact.platform.clone(),
            artifact.edition.clone(),
        );
        match self.latest.get(&key) {
            Some(kept) if kept.build_time > artifact.build_time => {}
            _ => {
                self.latest.insert(key, artifact);
            }
        }
    }

    pub(super) fn finish(self, dir: String, listed: bool) -> Inventory {
        Inventory {
            dir,
            listed,
            artifacts: self.latest.into_values().collect(),
            problems: self.problems,
        }
    }
}

/// A string field of `map`: empty when absent or null, `None` (with an issue naming it as
/// `shown`) when it is something else.
fn string(
    map: &Map<String, Value>,
    key: &str,
    shown: &str,
    issues: &mut Vec<String>,
) -> Option<String> {
    match map.get(key) {
        None | Some(Value::Null) => Some(String::new()),
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            issues.push(format!("`{shown}` must be a string"));
            None
        }
    }
}

/// `invalid JSON at line 3 column 5: expected value`.
fn invalid_json(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if error.line() == 0 {
        return format!("invalid JSON: {text}");
    }
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let what = text.strip_suffix(&suffix).unwrap_or(&text);
    format!(
        "invalid JSON at line {} column {}: {what}",
        error.line(),
        error.column()
    )
}

/// `build 2` or, when it has a name, ``build 2 (`ubuntu-2404`)``; counted from 1.
fn label(index: usize, build: &Value) -> String {
    match build.get("name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => format!("build {} (`{name}`)", index + 1),
        _ => format!("build {}", index + 1),
    }
}

/// One entry of `builds` as an artifact, or every reason it cannot be one.
fn entry(build: &Value, manifest: &str) -> Result<Artifact, Vec<String>> {
    let Some(fields) = build.as_object() else {
        return Err(vec!["not an object".to_owned()]);
    };
    let mut issues = Vec::new();
    let name = string(fields, "name", "name", &mut issues).unwrap_or_default();
    let builder_type =
        string(fields, "builder_type", "builder_type", &mut issues).unwrap_or_default();
    let artifact_id = string(fields, "artifact_id", "artifact_id", &mut issues);
    let packer_run_uuid =
        string(fields, "packer_run_uuid", "packer_run_uuid", &mut issues).unwrap_or_default();
    let empty = Map::new();
    let custom = match fields.get("custom_data") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(custom)) => custom,
        Some(_) => {
            issues.push("`custom_data` must be an object".to_owned());
            &empty
        }
    };
    let mut custom_field = |key: &str| {
        string(custom, key, &format!("custom_data.{key}"), &mut issues).unwrap_or_default()
    };
    let custom_os = custom_field("os");
    let custom_platform = custom_field("platform");
    let edition = custom_field("edition");
    let build_version = custom_field("build_version");

    let build_time = match fields.get("build_time") {
        // Packer leaves it out with `strip_time`.
        None | Some(Value::Null) => 0,
        Some(value) => value.as_i64().unwrap_or_else(|| {
            issues.push("`build_time` must be a whole number of seconds".to_owned());
            0
        }),
    };
    let built_at = match build_time {
        0 => Some(String::new()),
        secs => iso8601(secs),
    }
    .unwrap_or_else(|| {
        issues.push(format!(
            "`build_time` {build_time} is not a time between the years -9999 and 9999"
        ));
        String::new()
    });
    let artifact_id = match artifact_id {
        Some(id) if id.is_empty() => {
            issues.push("no `artifact_id`".to_owned());
            id
        }
        Some(id) => id,
        None => String::new(),
    };
    let os = if custom_os.is_empty() {
        name
    } else {
        custom_os
    };
    if os.is_empty() {
        issues.push("no `custom_data.os` and no `name` to tell the OS".to_owned());
    }
    let platform = if custom_platform.is_empty() {
        builder_type
            .split('-')
            .next()
            .unwrap_or_default()
            .to_owned()
    } else {
        custom_platform
    };
    if platform.is_empty() {
        issues.push("no `custom_data.platform` and no `builder_type` to tell the platform".into());
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(Artifact {
        os,
        platform,
        edition,
        builder_type,
        artifact_id,
        build_version,
        build_time,
        built_at,
        packer_run_uuid,
        manifest: manifest.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_bytes_are_invalid_json() {
        let mut reader = Reader::default();
        reader.file("m.json", b"{\"builds\": [\"\xff\"]}");
        assert_eq!(reader.problems.len(), 1);
        assert!(
            reader.problems[0]
                .message
                .starts_with("invalid JSON at line 1 column"),
            "{:?}",
            reader.problems
        );
    }
}
