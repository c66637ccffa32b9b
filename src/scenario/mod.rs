//! Scenario files: reading, parsing and validation.
//!
//! `serde_yaml` is no longer maintained upstream, so every call to it stays behind
//! [`parse_yaml`] (DESIGN §8): swapping the parser touches this file only.

pub mod dist;
pub mod limits;
pub mod model;
pub mod schema;
pub mod units;
mod validate;

pub use model::Scenario;

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Why a scenario cannot be used. Every variant names the file; messages say what is
/// allowed, so that the user can fix the input without reading the source.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read the scenario: {reason}")]
    Read {
        /// File name as given.
        file: String,
        /// What went wrong.
        reason: String,
    },
    /// The YAML is malformed or does not fit the scenario's shape.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A value is out of range or inconsistent with the rest.
    #[error("{file}: {path}: {message}")]
    Invalid {
        /// File name.
        file: String,
        /// Field path, e.g. `workloads.jobs[0].spec.completions`.
        path: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let read_err = |reason: String| ScenarioError::Read {
        file: file.clone(),
        reason,
    };
    let f = std::fs::File::open(path).map_err(|e| read_err(e.to_string()))?;
    let mut bytes = Vec::new();
    f.take(limits::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_err(e.to_string()))?;
    if bytes.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(read_err(format!(
            "the file is larger than the limit of {} MiB",
            limits::MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let text =
        String::from_utf8(bytes).map_err(|_| read_err("the file is not UTF-8 text".into()))?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    load_str(&text, &file, base_dir)
}

/// Parses and validates scenario text. `file` names it in messages; `base_dir` resolves
/// relative paths inside it (arrival CSVs).
pub fn load_str(text: &str, file: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    if text.trim().is_empty() {
        return Err(ScenarioError::Syntax {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: "the file is empty; a scenario starts with `apiVersion: kubesim/v1` and \
                      `kind: Scenario` (see scenarios/quickstart.yaml)"
                .into(),
        });
    }
    let doc: schema::ScenarioDoc = parse_yaml(text, file)?;
    let hash = Sha256::digest(text.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    validate::validate(doc, file, base_dir, hex)
}

/// The one place that calls the YAML parser.
fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, ScenarioError> {
    serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        ScenarioError::Syntax {
            file: file.to_string(),
            line,
            column,
            message: explain_yaml_error(&e.to_string()),
        }
    })
}

/// Rewrites a serde message for people: drops the parser's own position suffix (the error
/// already leads with file:line:column) and adds a did-you-mean to unknown names.
fn explain_yaml_error(raw: &str) -> String {
    let mut msg = match raw.rfind(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw.to_string(),
    };
    if let Some(hint) = did_you_mean_from_serde(&msg) {
        msg.push_str(&format!(" (did you mean `{hint}`?)"));
    }
    if msg.contains("recursion limit exceeded") {
        msg.push_str(": the document nests too deeply");
    }
    if msg.contains("repetition limit exceeded") {
        msg.push_str(": too many alias expansions (a YAML alias bomb?)");
    }
    msg
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (and "unknown variant"), the
/// closest expected name, if one is close.
fn did_you_mean_from_serde(msg: &str) -> Option<String> {
    let start = msg
        .find("unknown field `")
        .or_else(|| msg.find("unknown variant `"))?;
    let rest = &msg[start..];
    let got = rest.split('`').nth(1)?;
    let expected = rest.split_once("expected")?.1;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    closest(got, &candidates).map(str::to_string)
}

/// The candidate closest to `got` by edit distance, when it is close enough to be a typo.
pub(crate) fn closest<'a>(got: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let got_l = got.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&got_l, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len().max(got.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_on_unknown_field() {
        let m = explain_yaml_error(
            "spec: unknown field `replcas`, expected one of `replicas`, `selector`, `template` at line 3 column 5",
        );
        assert_eq!(
            m,
            "spec: unknown field `replcas`, expected one of `replicas`, `selector`, `template` (did you mean `replicas`?)"
        );
        let m = explain_yaml_error("unknown field `zzzzzz`, expected `name`");
        assert!(!m.contains("did you mean"));
    }

    #[test]
    fn closest_picks_typos_only() {
        assert_eq!(
            closest("memroy", &["cpu", "memory", "pods"]),
            Some("memory")
        );
        assert_eq!(closest("CPU", &["cpu", "memory"]), Some("cpu"));
        assert_eq!(closest("banana", &["cpu", "memory"]), None);
    }
}
