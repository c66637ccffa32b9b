//! Bad `simulation.traffic` input runs the real binary and must end in exit code 2 with one
//! clear message on stderr naming the file, the field path and how to fix it, nothing on
//! stdout and no panic (DESIGN §6). Each case puts one `traffic:` into [`BASE`], a small
//! valid scenario, beside the trace files it names.

use std::path::PathBuf;
use std::process::Command;

/// A minimal valid scenario: one Deployment behind one `LoadBalancer` Service; `TRAFFIC`
/// is replaced by each case's `traffic:` value.
const BASE: &str = "\
apiVersion: kubesim/v1
kind: Scenario
metadata:
  name: traffic-input
duration: 10m
cluster:
  nodePools:
    - name: pool
      count: 2
      capacity: {cpu: 4, memory: 16Gi}
workloads:
  deployments:
    - metadata:
        name: web
      spec:
        replicas: 2
        template:
          metadata: {labels: {app: web}}
          spec:
            containers:
              - name: app
                resources:
                  requests: {cpu: 500m, memory: 512Mi}
services:
  - metadata:
      name: web
    spec:
      type: LoadBalancer
      selector: {app: web}
    simulation:
      demand: 10ms
      traffic: TRAFFIC
";

/// The name every scenario file gets; messages must name it.
const FILE: &str = "scenario.yaml";
/// The field every case is under.
const TRAFFIC: &str = "services[0].simulation.traffic";

/// A scratch folder holding a scenario and its trace files; the binary runs inside it.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// A folder with `files` (name, contents) written into it.
    fn with(files: &[(&str, &str)]) -> Scratch {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write a trace file");
        }
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `kubesim run` on [`BASE`] with `traffic` and returns (exit code, stdout, stderr).
    fn run(&self, traffic: &str) -> (Option<i32>, String, String) {
        let file = self.path(FILE);
        std::fs::write(&file, BASE.replace("TRAFFIC", traffic)).expect("write the scenario");
        let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(self.path("out"))
            .current_dir(self.dir.path())
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("start the kubesim binary");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs `traffic`, checks the refusal contract and that the message names the field
    /// `field` (under [`TRAFFIC`]) and contains every one of `parts`.
    fn refused(&self, traffic: &str, field: &str, parts: &[&str]) -> String {
        let (code, stdout, stderr) = self.run(traffic);
        for text in [&stdout, &stderr] {
            assert!(!text.contains("panicked"), "panic on bad input:\n{text}");
        }
        assert_eq!(code, Some(2), "exit code must be 2; stderr:\n{stderr}");
        assert!(stdout.is_empty(), "stdout must be empty:\n{stdout}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "one message:\n{stderr}"
        );
        assert!(stderr.contains(FILE), "must name {FILE}:\n{stderr}");
        let path = format!("{TRAFFIC}{field}: ");
        assert!(
            stderr.contains(&path),
            "must name the field {path:?}:\n{stderr}"
        );
        for p in parts {
            assert!(stderr.contains(p), "must say {p:?}:\n{stderr}");
        }
        assert!(
            !self.path("out").exists(),
            "a refused scenario writes nothing"
        );
        stderr
    }
}

fn refused(traffic: &str, field: &str, parts: &[&str]) -> String {
    Scratch::with(&[]).refused(traffic, field, parts)
}

const RATES: &str = "\
t_rel_s,api_qps
0,1.5
60,2.0
120,2.5
";

const REQUESTS: &str = "\
TIMESTAMP,ContextTokens,GeneratedTokens
2023-11-16 18:59:58.0000000,10,20
2023-11-16 19:00:01.5000000,10,20
2023-11-16 19:00:00.2500000,10,20
2023-11-16 19:00:03.0000000,10,20";

#[test]
fn a_valid_case_runs() {
    // The base scenario is valid with a trace beside it: every refusal below is its own.
    let s = Scratch::with(&[("rates.csv", RATES)]);
    let (code, _, stderr) =
        s.run("{rateCsv: {file: rates.csv, timeColumn: t_rel_s, rateColumn: api_qps}}");
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn two_processes_are_refused() {
    refused(
        "{poisson: 10/s, constant: 10/s}",
        "",
        &["2 arrival processes (constant, poisson)", "exactly one of"],
    );
}

#[test]
fn no_process_is_refused() {
    refused(
        "{keys: {uniform: 4}}",
        "",
        &["no arrival process", "`steps`", "`requestCsv`"],
    );
}

#[test]
fn rate_zero_is_refused_where_a_process_needs_traffic() {
    refused("{poisson: 0/s}", ".poisson", &["greater than zero", "20/s"]);
    refused(
        "{spike: {base: 10/s, rate: 0, at: 1m, duration: 1m}}",
        ".spike.rate",
        &["not a rate"],
    );
    refused(
        "{steps: [{at: 0s, rate: 0}, {at: 1m, rate: 0/s}]}",
        ".steps",
        &["every step has rate 0"],
    );
}

#[test]
fn steps_out_of_order_are_refused() {
    refused(
        "{steps: [{at: 0s, rate: 10/s}, {at: 5m, rate: 20/s}, {at: 2m, rate: 5/s}]}",
        ".steps[2].at",
        &["later than steps[1].at", "time order"],
    );
}

#[test]
fn a_missing_file_is_refused() {
    refused(
        "{rateCsv: {file: nowhere.csv, rateColumn: api_qps}}",
        ".rateCsv.file",
        &["cannot read", "nowhere.csv"],
    );
}

#[test]
fn a_missing_column_is_refused() {
    let s = Scratch::with(&[("rates.csv", RATES)]);
    s.refused(
        "{rateCsv: {file: rates.csv, timeColumn: time, rateColumn: api_qps}}",
        ".rateCsv.file",
        &["no column `time`", "t_rel_s, api_qps", "`timeColumn:`"],
    );
    let s = Scratch::with(&[("requests.csv", REQUESTS)]);
    s.refused(
        "{requestCsv: {file: requests.csv, timeColumn: TIMESTAMP, sizeColumn: Tokens, \
         demand: {base: 5ms, perUnit: 1ms}}}",
        ".requestCsv.file",
        &["no column `Tokens`", "`sizeColumn:`"],
    );
}

#[test]
fn a_decreasing_timestamp_is_refused_with_its_line() {
    let s = Scratch::with(&[("requests.csv", REQUESTS)]);
    s.refused(
        "{requestCsv: {file: requests.csv, timeColumn: TIMESTAMP}}",
        ".requestCsv.file",
        &["line 4", "earlier than line 3", "time order"],
    );
}

#[test]
fn a_zipf_exponent_of_zero_is_refused() {
    refused(
        "{poisson: 1/s, keys: {zipf: {keys: 100, exponent: 0}}}",
        ".keys.zipf.exponent",
        &["finite number > 0"],
    );
    refused(
        "{poisson: 1/s, keys: {zipf: {keys: 0, exponent: 1}}}",
        ".keys.zipf.keys",
        &["from 1"],
    );
    refused(
        "{poisson: 1/s, keys: {uniform: 0}}",
        ".keys.uniform",
        &["at least 1"],
    );
}

#[test]
fn a_rate_csv_of_only_blank_cells_is_refused() {
    let s = Scratch::with(&[("rates.csv", "t_rel_s,api_qps\n0,\n57,\n114,n/a\n")]);
    s.refused(
        "{rateCsv: {file: rates.csv, timeColumn: t_rel_s, rateColumn: api_qps}}",
        ".rateCsv.file",
        &["no number in column `api_qps`", "blank"],
    );
}

#[test]
fn absurd_sizes_are_refused() {
    refused(
        "{poisson: 1000000000/s}",
        ".poisson",
        &["requests over the run", "lower the rate"],
    );
    refused(
        "{markovModulated: {states: [{rate: 1/s, meanDuration: 1ns}]}}",
        ".markovModulated.states",
        &["switch state", "meanDurations"],
    );
    refused(
        "{diurnal: {peak: 10/s, trough: 1/s, peakAt: 14h, period: 0s}}",
        ".diurnal.period",
        &["longer than 0"],
    );
    refused(
        "{markovModulated: {states: [{rate: 1/s, meanDuration: 1s}], initial: 3}}",
        ".markovModulated.initial",
        &["from 0 to 0"],
    );
}

#[test]
fn other_mistakes_say_how_to_fix_them() {
    refused(
        "{poison: 10/s}",
        "",
        &["unknown field `poison`", "did you mean `poisson`"],
    );
    refused(
        "{steps: [{at: 0s, rate: 10/s}], start: 1m}",
        ".start",
        &["absolute"],
    );
    let s = Scratch::with(&[("requests.csv", REQUESTS)]);
    s.refused(
        "{requestCsv: {file: requests.csv, timeColumn: TIMESTAMP, sizeColumn: GeneratedTokens}}",
        ".requestCsv.demand",
        &["base + perUnit × size"],
    );
    let s = Scratch::with(&[("rates.csv", "t_rel_s,api_qps\n0,1\n60,-2\n")]);
    s.refused(
        "{rateCsv: {file: rates.csv, timeColumn: t_rel_s, rateColumn: api_qps}}",
        ".rateCsv.file",
        &["line 3", ">= 0"],
    );
}
