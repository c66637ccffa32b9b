//! Every bundled scenario validates and runs through the real binary (the benchmark
//! scenario shortened), writing all five output files; plus the CLI's own behaviour.

mod common;
use common::*;

fn bundled() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    v.sort();
    assert!(v.len() >= 4, "expected the bundled scenarios, found {v:?}");
    v
}

#[test]
fn every_bundled_scenario_validates_and_runs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for name in bundled() {
        let path = format!("scenarios/{name}");
        // A scenario replaying a real trace from ../shared/traces runs only where the
        // traces are; kubesim does not ship them.
        let text = std::fs::read_to_string(root().join(&path)).expect("scenario readable");
        if text.contains("../../shared/traces/") && !root().join("../shared/traces").is_dir() {
            eprintln!("{name}: skipped, ../shared/traces is absent");
            continue;
        }
        let v = kubesim(&["validate", &path]);
        assert!(
            v.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&v.stderr)
        );
        let out = tmp.path().join(&name);
        let out_s = out.to_str().expect("utf-8");
        let mut args = vec!["run", path.as_str(), "--out", out_s, "--quiet"];
        if name.starts_with("bench-") {
            // CI runs the benchmark scenario shortened; its full run is measured in results/.
            args.extend(["--duration", "300s"]);
        } else if name.starts_with("autoscaling-") {
            // A day of millions of requests: CI runs its first 4 hours (tests/autoscaling.rs
            // checks the loop itself); the full runs are measured in results/autoscaling.md.
            args.extend(["--duration", "4h"]);
        }
        let o = kubesim(&args);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.stdout.is_empty() && o.stderr.is_empty(),
            "{name}: --quiet printed something"
        );
        for f in kubesim::OUTPUT_FILES {
            let meta = std::fs::metadata(out.join(f)).unwrap_or_else(|e| panic!("{name}/{f}: {e}"));
            assert!(meta.len() > 0, "{name}/{f} is empty");
        }
        // Conservation as the files report it: the end phase counts add up to pods created.
        let created: u64 = summary(&out, "pods_created").parse().expect("number");
        let ended: u64 = [
            "pending",
            "bound",
            "running",
            "succeeded",
            "failed",
            "deleted",
        ]
        .iter()
        .map(|p| {
            summary(&out, &format!("pods_{p}_end"))
                .parse::<u64>()
                .expect("number")
        })
        .sum();
        assert_eq!(created, ended, "{name}: phases do not add up");
        assert!(created > 0, "{name} created no pods");
    }
}

#[test]
fn run_prints_a_report_and_run_json_identifies_the_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("qs");
    let o = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--out",
        out.to_str().expect("utf-8"),
        "--seed",
        "9",
        "--duration",
        "2m",
    ]);
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    for want in [
        "scenario      quickstart (seed 9)",
        "simulated     120 s",
        "events",
        "pods",
        "time pending",
        "cost          ",
        "output",
    ] {
        assert!(stdout.contains(want), "report lacks {want:?}:\n{stdout}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).expect("run.json"))
            .expect("valid JSON");
    assert_eq!(json["seed"], 9);
    assert_eq!(json["kubernetes_version"], "v1.35");
    assert_eq!(json["scenario"], "quickstart");
    assert_eq!(json["duration_s"], "120");
    assert_eq!(json["scenario_sha256"].as_str().map(str::len), Some(64));
    assert_eq!(
        column(&out.join("timeseries.csv"), "time_s")
            .last()
            .map(String::as_str),
        Some("120")
    );
}

#[test]
fn help_explains_the_commands() {
    let o = kubesim(&["--help"]);
    assert!(o.status.success());
    let h = String::from_utf8_lossy(&o.stdout);
    assert!(h.contains("run") && h.contains("validate"));
    let o = kubesim(&["run", "--help"]);
    let h = String::from_utf8_lossy(&o.stdout);
    for flag in ["--seed", "--out", "--duration", "--quiet"] {
        assert!(h.contains(flag), "run --help lacks {flag}");
    }
    // A usage error is bad input: exit 2.
    assert_eq!(kubesim(&["run"]).status.code(), Some(2));
    assert_eq!(kubesim(&["frobnicate"]).status.code(), Some(2));
}

/// `packing.yaml` shows what it claims: packing policies keep far fewer nodes busy than the
/// default spreading, for the same Jobs (same seed: the same arrivals and requests).
#[test]
fn packing_scenario_packs_with_packing_policies() {
    let nodes_mean = |policy: &str| -> f64 {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().to_str().expect("utf-8");
        let o = kubesim(&[
            "run",
            "scenarios/packing.yaml",
            "--scheduler",
            policy,
            "--duration",
            "40m",
            "--out",
            out,
            "-q",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        summary(dir.path(), "nodes_in_use_mean")
            .parse()
            .expect("a number")
    };
    let spread = nodes_mean("default");
    assert!(
        spread > 55.0,
        "default spreads over nearly all 60 nodes: {spread}"
    );
    for policy in ["most-allocated", "best-fit"] {
        let packed = nodes_mean(policy);
        assert!(packed < spread / 2.0, "{policy}: {packed} vs {spread}");
    }
}
