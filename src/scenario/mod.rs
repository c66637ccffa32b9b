//! Scenario files: reading, parsing and validation.
//!
//! `serde_yaml` is no longer maintained upstream, so every call to it stays behind
//! [`parse_yaml`] (DESIGN §8): swapping the parser touches this file only.

pub mod autoscaling;
mod csv_input;
mod disruption;
pub mod dist;
mod events;
mod failures;
pub mod limits;
pub mod model;
mod scheduling;
pub mod schema;
pub mod services;
pub mod traffic;
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

/// Command-line values that replace the scenario's own. They are applied before
/// validation, so every check (limits, warmup, expected pod count) sees them.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Replaces `seed`.
    pub seed: Option<u64>,
    /// Replaces `duration`.
    pub duration: Option<units::SimDuration>,
    /// Replaces the policy of the default scheduler profile (`scheduler.policy`): one of
    /// [`crate::scheduler::config::POLICY_NAMES`] or a profile name of the scenario.
    pub scheduler: Option<String>,
    /// Replaces the load balancer of every Service (`simulation.loadBalancer`): one of
    /// [`crate::traffic::load_balancers::LbSpec::NAMES`].
    pub lb: Option<String>,
}

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_with(path, Overrides::default())
}

/// [`load`] with command-line overrides.
pub fn load_with(path: &Path, overrides: Overrides) -> Result<Scenario, ScenarioError> {
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
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1;
            return Err(ScenarioError::Syntax {
                file,
                line: valid.iter().filter(|&&b| b == b'\n').count() + 1,
                column,
                message: match e.as_bytes().get(valid.len()) {
                    Some(b) => {
                        format!("the file is not UTF-8 text (byte 0x{b:02x}); save it as UTF-8")
                    }
                    None => "the file is not UTF-8 text; save it as UTF-8".into(),
                },
            });
        }
    };
    let base_dir = path.parent().unwrap_or(Path::new("."));
    load_str_with(&text, &file, base_dir, overrides)
}

/// Parses and validates scenario text. `file` names it in messages; `base_dir` resolves
/// relative paths inside it (arrival CSVs).
pub fn load_str(text: &str, file: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    load_str_with(text, file, base_dir, Overrides::default())
}

/// [`load_str`] with command-line overrides.
pub fn load_str_with(
    text: &str,
    file: &str,
    base_dir: &Path,
    overrides: Overrides,
) -> Result<Scenario, ScenarioError> {
    let blank = |l: &str| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    };
    if text.lines().all(blank) {
        return Err(ScenarioError::Syntax {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: "the file is empty (or only comments); a scenario starts with \
                      `apiVersion: kubesim/v1` and `kind: Scenario` (see scenarios/quickstart.yaml)"
                .into(),
        });
    }
    let mut doc: schema::ScenarioDoc = parse_yaml(text, file)?;
    doc.seed = overrides.seed.or(doc.seed);
    doc.duration = overrides.duration.or(doc.duration);
    doc.scheduler.policy = overrides.scheduler.or(doc.scheduler.policy);
    if let Some(lb) = overrides.lb {
        if doc.services.is_empty() {
            return Err(ScenarioError::Invalid {
                file: file.to_string(),
                path: "services".into(),
                message: format!(
                    "the scenario has no Services, so load balancer `{lb}` (from --lb or \
                     --vary lb=) has nothing to balance; leave out the option, or add a \
                     `services:` section"
                ),
            });
        }
        for s in &mut doc.services {
            s.simulation.load_balancer = Some(lb.clone());
        }
    }
    let hash = Sha256::digest(text.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    validate::validate(doc, file, base_dir, hex)
}

/// The one place that calls the YAML parser.
fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, ScenarioError> {
    check_nesting(text, file)?;
    serde_yaml::from_str(text).map_err(|e| {
        // serde reads the document as it is parsed, so a shape error early in the file hides
        // a syntax error further on; the syntax error is the one to fix first.
        let e = serde_yaml::from_str::<serde::de::IgnoredAny>(text)
            .err()
            .unwrap_or(e);
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        ScenarioError::Syntax {
            file: file.to_string(),
            line,
            column,
            message: explain_yaml_error(&e.to_string()),
        }
    })
}

/// Refuses flow collections (`[`, `{`) nested deeper than [`limits::MAX_NESTING`] before the
/// parser sees them: libyaml's scanner does work proportional to the flow depth for every
/// token, so a file of a million `[` would otherwise take hours to refuse.
///
/// The count must never be lower than the parser's real depth, so it errs towards counting:
/// outside flow collections every bracket counts, even inside quotes or block scalars (a
/// string holding over a hundred unmatched brackets is refused, which costs nothing real).
/// Only inside a flow collection, where YAML's grammar is simple, are quoted strings skipped:
/// there a quote opens a string exactly when it follows `[`, `{`, `,` or `:`, since a plain
/// scalar may not start with one. Comments are skipped; they end at the line's end.
fn check_nesting(text: &str, file: &str) -> Result<(), ScenarioError> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut escaped = false;
    let mut prev = '\n';
    // The last character outside strings and comments that is not white space.
    let mut last_sig = '\n';
    for c in text.chars() {
        column += 1;
        if c == '\n' {
            (line, column, comment) = (line + 1, 0, false);
        }
        match quote {
            _ if comment => {}
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '#' if prev.is_whitespace() => comment = true,
                '"' | '\'' if depth > 0 && "[{,:".contains(last_sig) => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    if depth > limits::MAX_NESTING {
                        return Err(ScenarioError::Syntax {
                            file: file.to_string(),
                            line,
                            column,
                            message: format!(
                                "`{c}` nests collections more than {} levels deep, the limit; \
                                 a scenario needs only a few levels (is a bracket unclosed?)",
                                limits::MAX_NESTING
                            ),
                        });
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        if quote.is_none() && !comment && !c.is_whitespace() {
            last_sig = c;
        }
        prev = c;
    }
    Ok(())
}

/// Rewrites a serde message for people: drops the parser's own position suffix (the error
/// already leads with file:line:column) but keeps where an unclosed collection starts, says
/// Rust type names in words, and adds a did-you-mean to unknown names.
fn explain_yaml_error(raw: &str) -> String {
    let mut msg = match raw.split_once(", while parsing ") {
        // libyaml: "<problem> at line L column C, while parsing <what> at line L2 column C2";
        // the first position leads the error already, the second says where <what> starts.
        Some((problem, context)) => {
            let problem = problem
                .rfind(" at line ")
                .map_or(problem, |i| &problem[..i]);
            let context = context.replacen(" at line ", " that starts at line ", 1);
            format!("{problem}, while parsing {context}")
        }
        None => match raw.rfind(" at line ") {
            Some(i) => raw[..i].to_string(),
            None => raw.to_string(),
        },
    };
    // Say what serde's Rust type names mean.
    for (rust, words) in [
        ("expected u64", "expected a whole number >= 0"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        (
            "expected struct ScenarioDoc",
            "expected a scenario: a map starting with `apiVersion: kubesim/v1`",
        ),
    ] {
        msg = msg.replace(rust, words);
    }
    for (rust, _, allowed) in ENUMS {
        msg = msg.replace(
            &format!("expected enum {rust}"),
            &format!("expected {allowed}"),
        );
    }
    // serde_yaml's words for a list or map where a name (an enum) belongs; the field
    // (without list indices) tells which names.
    if msg.contains("expected a YAML tag starting with '!'") {
        let mut field = msg.split(':').next().unwrap_or_default().to_string();
        while let (Some(open), Some(close)) = (field.find('['), field.find(']')) {
            if close < open {
                break;
            }
            field.replace_range(open..=close, "");
        }
        let allowed = ENUMS
            .iter()
            .find(|(_, suffix, _)| field.ends_with(suffix))
            .map_or("a single name", |(_, _, allowed)| allowed);
        msg = msg.replace("a YAML tag starting with '!'", allowed);
    }
    if let Some(i) = msg.find("expected struct ") {
        let name_end = msg[i + 16..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(msg.len(), |j| i + 16 + j);
        msg.replace_range(i..name_end, "expected a map of fields");
    }
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

/// The scenario's enum types: serde's name for each, the field it is read from (the end of
/// the field path, list indices left out) and the names it allows.
const ENUMS: [(&str, &str, &str); 12] = [
    (
        "EffectDoc",
        ".effect",
        "one of `NoSchedule`, `PreferNoSchedule`, `NoExecute`",
    ),
    (
        "OperatorDoc",
        "tolerations.operator",
        "one of `Equal`, `Exists`",
    ),
    (
        "SelectorOperatorDoc",
        "matchExpressions.operator",
        "one of `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`",
    ),
    (
        "SelectorOperatorDoc",
        "matchFields.operator",
        "one of `In`, `NotIn`",
    ),
    (
        "RestartPolicyDoc",
        ".restartPolicy",
        "one of `Always`, `OnFailure`, `Never`",
    ),
    (
        "PreemptionPolicyDoc",
        ".preemptionPolicy",
        "one of `PreemptLowerPriority`, `Never`",
    ),
    (
        "WhenUnsatisfiableDoc",
        ".whenUnsatisfiable",
        "one of `DoNotSchedule`, `ScheduleAnyway`",
    ),
    (
        "InclusionPolicyDoc",
        ".nodeAffinityPolicy",
        "one of `Honor`, `Ignore`",
    ),
    (
        "InclusionPolicyDoc",
        ".nodeTaintsPolicy",
        "one of `Honor`, `Ignore`",
    ),
    ("ProtocolDoc", ".protocol", "one of `TCP`, `UDP`, `SCTP`"),
    (
        "ScoringStrategyTypeDoc",
        "scoringStrategy.type",
        "one of `LeastAllocated`, `MostAllocated`, `RequestedToCapacityRatio`",
    ),
    (
        "DefaultingTypeDoc",
        ".defaultingType",
        "one of `System`, `List`",
    ),
];

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
    fn nesting_check_skips_strings_and_comments() {
        let deep = "[".repeat(200);
        for ok in [
            format!("a: [\"{deep}\"]\n"),
            format!("a: ['{deep}', \"x\"]\n"),
            format!("a: 1 # {deep}\n"),
            format!("a: [\"\\\" {deep}\"]\n"),
            format!("a: {{\"k\":\"{deep}\"}}\n"),
            format!("a: [{}]\n", "[".repeat(100) + &"]".repeat(100)),
        ] {
            assert!(check_nesting(&ok, "f").is_ok(), "{ok}");
        }
        let Err(ScenarioError::Syntax { line, column, .. }) =
            check_nesting(&format!("a: 1\nb: {deep}"), "f")
        else {
            panic!("200 levels must be refused");
        };
        assert_eq!((line, column), (2, 4 + limits::MAX_NESTING));
        // No quote outside a flow collection hides the brackets after it: quotes in plain
        // scalars, after commas or dashes in a value, in block scalars, on continuation lines.
        for bypass in [
            format!("a: x \"y\nb: {deep}"),
            format!("a: x-\"y\nb: {deep}"),
            format!("a: it's\nb: {deep}"),
            format!("a: x, \"y\nb: {deep}"),
            format!("a: x - \"y\nb: {deep}"),
            format!("a: |\n  \"hello\nb: {deep}"),
            format!("a: x\n  \"y\nb: {deep}"),
            format!("a: \"{deep}\"\n"),
            // Inside a flow collection a quote after a plain word is plain too.
            format!("a: [x \"y, {deep}"),
            format!("a: [x\n \"y, {deep}"),
        ] {
            assert!(check_nesting(&bypass, "f").is_err(), "{bypass}");
        }
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
