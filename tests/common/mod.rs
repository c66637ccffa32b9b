//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the real binary with `args`.
pub fn kubesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the kubesim binary runs")
}

/// Loads scenario text (relative paths resolve against the repository root).
pub fn scenario(text: &str) -> kubesim::Scenario {
    kubesim::scenario::load_str(text, "test.yaml", &root()).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs scenario text through the library, checking invariants after every event.
pub fn run_checked(text: &str) -> (kubesim::Scenario, kubesim::Outcome) {
    let s = scenario(text);
    let outcome = {
        let mut sim =
            kubesim::Simulation::new(&s, Box::new(std::io::sink()), Box::new(std::io::sink()))
                .expect("simulation builds");
        sim.check_every_event(true);
        sim.run(None).unwrap_or_else(|e| panic!("{e}"))
    };
    (s, outcome)
}

/// Reads a CSV file into rows of fields (header first).
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records()
        .map(|rec| rec.expect("valid csv").iter().map(str::to_string).collect())
        .collect()
}

/// One column of a CSV file by header name (data rows only).
pub fn column(path: &Path, name: &str) -> Vec<String> {
    let rows = read_csv(path);
    let i = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{} has no column {name}", path.display()));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

/// A summary figure from `summary.csv`.
pub fn summary(dir: &Path, metric: &str) -> String {
    read_csv(&dir.join("summary.csv"))
        .into_iter()
        .find(|r| r[0] == metric)
        .map(|r| r[1].clone())
        .unwrap_or_else(|| panic!("no summary metric {metric}"))
}

/// Σ of each hard entry over the namespace's non-terminal pods, per quota (recounted,
/// independently of the admission code).
pub fn quota_usage(s: &kubesim::Scenario, c: &kubesim::cluster::ClusterState) -> Vec<Vec<i64>> {
    use kubesim::cluster::quota::QuotaResource as Q;
    s.quotas
        .iter()
        .map(|q| {
            q.hard
                .iter()
                .map(|h| {
                    c.pods
                        .iter()
                        .filter(|p| {
                            !p.phase.is_terminal()
                                && s.templates[p.template as usize].namespace == q.namespace
                        })
                        .map(|p| match h.resource {
                            Q::Pods => 1,
                            Q::Requests(r) => p.requests.0[r],
                            Q::Limits(r) => s.pod_limits[p.template as usize].0[r],
                            Q::Deployments | Q::Jobs => 0,
                        })
                        .sum()
                })
                .collect()
        })
        .collect()
}

/// Runs scenario text through the library with invariants checked after every event;
/// returns the outcome and the rows of `events.csv` (header dropped).
pub fn run_with_events(text: &str) -> (kubesim::Outcome, Vec<Vec<String>>) {
    let s = scenario(text);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("events.csv");
    let file = std::fs::File::create(&path).expect("events file");
    let outcome = {
        let mut sim = kubesim::Simulation::new(&s, Box::new(file), Box::new(std::io::sink()))
            .expect("simulation builds");
        sim.check_every_event(true);
        sim.run(None).unwrap_or_else(|e| panic!("{e}"))
    };
    let rows = read_csv(&path).split_off(1);
    (outcome, rows)
}

/// Times (s) of the `events.csv` rows named `event`, in order.
pub fn times(rows: &[Vec<String>], event: &str) -> Vec<f64> {
    rows.iter()
        .filter(|r| r[1] == event)
        .map(|r| r[0].parse().expect("time"))
        .collect()
}
