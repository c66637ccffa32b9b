//! `kubesim compare` through the real binary: its files, paired differences recomputed by
//! hand from `compare.csv`, common random numbers, `--jobs` independence and bad input.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;

const QUICKSTART: &str = "scenarios/quickstart.yaml";
const POLICIES: &str = "scheduler=default,most-allocated,first-fit,best-fit";

/// Runs `compare` into a fresh folder with `extra` arguments; panics unless it exits 0.
fn compare(vary: &str, extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8 path");
    let mut args = vec!["compare", QUICKSTART, "--vary", vary, "--out", out, "-q"];
    args.extend_from_slice(extra);
    let o = kubesim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

/// `compare.csv` as `(variant, seed) → [(metric, value)]`, and the variants in file order.
type Runs = BTreeMap<(String, u64), Vec<(String, String)>>;

fn runs(dir: &Path) -> (Vec<String>, Runs) {
    let rows = read_csv(&dir.join("compare.csv"));
    assert_eq!(rows[0], ["variant", "seed", "metric", "value"]);
    let mut variants: Vec<String> = Vec::new();
    let mut by_run = Runs::new();
    for r in &rows[1..] {
        if !variants.contains(&r[0]) {
            variants.push(r[0].clone());
        }
        let seed: u64 = r[1].parse().expect("seed is a number");
        by_run
            .entry((r[0].clone(), seed))
            .or_default()
            .push((r[2].clone(), r[3].clone()));
    }
    (variants, by_run)
}

fn value(runs: &Runs, variant: &str, seed: u64, metric: &str) -> Option<f64> {
    runs[&(variant.to_string(), seed)]
        .iter()
        .find(|(m, _)| m == metric)
        .and_then(|(_, v)| v.parse().ok())
}

#[test]
fn compare_csv_has_every_summary_figure_of_every_run_in_order() {
    let dir = compare(POLICIES, &["--seeds", "1-3"]);
    let rows = read_csv(&dir.path().join("compare.csv"));
    // The figures of one run, straight from the library, in summary.csv order.
    let s = kubesim::scenario::load(&root().join(QUICKSTART)).expect("valid");
    let metrics: Vec<String> = kubesim::run(&s, None, None)
        .expect("runs")
        .summary
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(metrics.iter().any(|m| m == "stranded_cpu_mean"));
    let mut expected = vec!["variant,seed,metric".to_string()];
    for v in ["default", "most-allocated", "first-fit", "best-fit"] {
        for seed in 1..=3 {
            for m in &metrics {
                expected.push(format!("{v},{seed},{m}"));
            }
        }
    }
    let got: Vec<String> = rows.iter().map(|r| r[..3].join(",")).collect();
    assert_eq!(got, expected);
    // Values are the run's own: pods_created of seed 1 equals a plain run with seed 1.
    let one = kubesim::scenario::load_with(
        &root().join(QUICKSTART),
        kubesim::scenario::Overrides {
            seed: Some(1),
            ..Default::default()
        },
    )
    .expect("valid");
    let r = kubesim::run(&one, None, None).expect("runs");
    let (_, by_run) = runs(dir.path());
    let want: f64 = r.get("pods_created").expect("row").parse().expect("number");
    assert_eq!(value(&by_run, "default", 1, "pods_created"), Some(want));
}

/// Student-t 0.975 quantiles from a published table, for the seed counts used here.
fn t_table(df: usize) -> f64 {
    match df {
        3 => 3.182446,
        4 => 2.776445,
        _ => panic!("no table value for {df} degrees of freedom"),
    }
}

/// Mean, sample standard deviation and 95 % half-width, by hand.
fn by_hand(x: &[f64]) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let s = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, s, t_table(x.len() - 1) * s / n.sqrt())
}

fn assert_close(got: &str, want: f64, what: &str) {
    let g: f64 = got
        .parse()
        .unwrap_or_else(|_| panic!("{what}: `{got}` is not a number"));
    // Six decimals in the file, plus the table's six-digit t.
    let tol = 2e-6 + 1e-6 * want.abs();
    assert!((g - want).abs() <= tol, "{what}: file {g}, by hand {want}");
}

/// Every number of compare-summary.csv, recomputed by hand from compare.csv: per-variant
/// mean, stddev and CI, and the differences paired by seed against the first variant.
#[test]
fn summary_statistics_and_paired_differences_match_a_hand_computation() {
    let dir = compare(POLICIES, &["--seeds", "1-5"]);
    let (variants, by_run) = runs(dir.path());
    let seeds: Vec<u64> = (1..=5).collect();
    let rows = read_csv(&dir.path().join("compare-summary.csv"));
    assert_eq!(
        rows[0],
        [
            "variant",
            "metric",
            "mean",
            "stddev",
            "ci95_low",
            "ci95_high",
            "diff_vs_baseline",
            "diff_ci95_low",
            "diff_ci95_high"
        ]
    );
    let mut checked_diffs = 0;
    for r in &rows[1..] {
        let (variant, metric) = (&r[0], &r[1]);
        let what = |c: &str| format!("{variant} {metric} {c}");
        let values: Vec<Option<f64>> = seeds
            .iter()
            .map(|&s| value(&by_run, variant, s, metric))
            .collect();
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        match present.len() {
            0 => assert!(r[2..6].iter().all(String::is_empty), "{}", what("empty")),
            1 => {
                assert_close(&r[2], present[0], &what("mean"));
                assert!(r[3..6].iter().all(String::is_empty));
            }
            _ => {
                let (mean, s, h) = by_hand(&present);
                assert_close(&r[2], mean, &what("mean"));
                assert_close(&r[3], s, &what("stddev"));
                assert_close(&r[4], mean - h, &what("ci95_low"));
                assert_close(&r[5], mean + h, &what("ci95_high"));
            }
        }
        if variant == &variants[0] {
            assert!(r[6..].iter().all(String::is_empty), "{}", what("baseline"));
            continue;
        }
        let diffs: Vec<f64> = seeds
            .iter()
            .filter_map(|&s| {
                Some(value(&by_run, variant, s, metric)? - value(&by_run, &variants[0], s, metric)?)
            })
            .collect();
        if diffs.len() >= 2 {
            let (mean, _, h) = by_hand(&diffs);
            assert_close(&r[6], mean, &what("diff"));
            assert_close(&r[7], mean - h, &what("diff_ci95_low"));
            assert_close(&r[8], mean + h, &what("diff_ci95_high"));
            checked_diffs += 1;
        }
    }
    assert!(
        checked_diffs > 50,
        "only {checked_diffs} differences checked"
    );
}

/// Common random numbers: a seed gives every variant the same arrivals, so the pods and
/// Jobs created (per workload too) are the same whatever the policy. (In quickstart every
/// Job has one pod and pods never fail, so these counts do not depend on placement.)
#[test]
fn every_variant_sees_the_same_arrivals_for_a_seed() {
    let dir = compare(
        "scheduler=default,most-allocated,first-fit,random,worst-fit",
        &["--seeds", "1-4"],
    );
    let (variants, by_run) = runs(dir.path());
    assert_eq!(variants.len(), 5);
    for seed in 1..=4 {
        for metric in [
            "pods_created",
            "jobs_created",
            "pods_created[batch]",
            "jobs_created[batch]",
        ] {
            let base = value(&by_run, &variants[0], seed, metric);
            assert!(base.is_some_and(|v| v > 0.0), "{metric} seed {seed}");
            for v in &variants[1..] {
                assert_eq!(
                    value(&by_run, v, seed, metric),
                    base,
                    "{v} {metric} seed {seed}"
                );
            }
        }
        // Different seeds do draw different arrivals.
        if seed > 1 {
            assert_ne!(
                value(&by_run, "default", seed, "events"),
                value(&by_run, "default", 1, "events")
            );
        }
    }
}

#[test]
fn output_does_not_depend_on_jobs() {
    let one = compare(POLICIES, &["--seeds", "1-4", "--jobs", "1"]);
    let two = compare(POLICIES, &["--seeds", "1-4", "--jobs", "2"]);
    let many = compare(POLICIES, &["--seeds", "1-4", "--jobs", "7"]);
    for f in ["compare.csv", "compare-summary.csv"] {
        let a = std::fs::read(one.path().join(f)).expect("written");
        assert_eq!(
            a,
            std::fs::read(two.path().join(f)).expect("written"),
            "{f}"
        );
        assert_eq!(
            a,
            std::fs::read(many.path().join(f)).expect("written"),
            "{f}"
        );
    }
}

#[test]
fn seeds_default_to_the_scenarios_and_the_table_is_printed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8 path");
    let o = kubesim(&[
        "compare",
        QUICKSTART,
        "--vary",
        "scheduler=default,first-fit",
        "--duration",
        "5m",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    for want in [
        "variants      2 (baseline default)",
        "seeds         1 (the scenario's seed 42)",
        "diff vs default",
        "pods_scheduled",
        "stranded_cpu_mean",
        "first-fit",
        "one seed: no confidence intervals",
    ] {
        assert!(stdout.contains(want), "missing `{want}` in:\n{stdout}");
    }
    let (_, by_run) = runs(dir.path());
    let keys: Vec<_> = by_run.keys().cloned().collect();
    assert_eq!(
        keys,
        [("default".to_string(), 42), ("first-fit".to_string(), 42)]
    );
    assert_eq!(value(&by_run, "default", 42, "end_s"), Some(300.0));
}

/// Bad input exits 2 with a message naming the problem, and writes nothing.
#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out = out.to_str().expect("utf-8 path");
    let cases: [(&[&str], &str); 11] = [
        (
            &["--vary", "policy=random"],
            "unknown dimension `policy`; dimensions: scheduler, lb",
        ),
        (
            &["--vary", "lb=random"],
            "the scenario has no Services, so load balancer `random` has nothing to balance",
        ),
        (&["--vary", "lb=fastest"], "unknown load balancer `fastest`"),
        (&["--vary", "scheduler"], "expected DIM=V1,V2"),
        (&["--vary", "scheduler=default,,first-fit"], "empty value"),
        (
            &["--vary", "scheduler=default", "--seeds", "5-1"],
            "the range 5-1 is empty",
        ),
        (
            &["--vary", "scheduler=default", "--seeds", "a-b"],
            "`a` is not a seed",
        ),
        (
            &["--vary", "scheduler=default", "--seeds", "1,1"],
            "seed 1 is listed twice",
        ),
        (
            &["--vary", "scheduler=default", "--jobs", "0"],
            "--jobs 0: must be at least 1",
        ),
        (
            &["--vary", "scheduler=default", "--duration", "0s"],
            "--duration",
        ),
        (
            &["--vary", "scheduler=default", "--seeds", "0-99999999999"],
            "limit of 10000 runs",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["compare", QUICKSTART, "--out", out];
        args.extend_from_slice(extra);
        let o = kubesim(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
    }
    let o = kubesim(&[
        "compare",
        "no-such.yaml",
        "--vary",
        "scheduler=default",
        "--out",
        out,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such.yaml"));
    // --vary is required.
    assert_eq!(kubesim(&["compare", QUICKSTART]).status.code(), Some(2));
    assert!(!Path::new(out).exists());
}

/// An unknown policy is refused before any run, naming the allowed
/// values.
#[test]
fn unknown_policy_exits_2_listing_the_policies() {
    let o = kubesim(&[
        "compare",
        QUICKSTART,
        "--vary",
        "scheduler=default,no-such-policy",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("no-such-policy") && stderr.contains("most-allocated"),
        "{stderr}"
    );
}

/// First-fit packs the web replicas onto one node where the default
/// (LeastAllocated) spreads them, so it uses fewer nodes on every seed, and the paired
/// difference is significant (its interval excludes 0, `*` in the table).
#[test]
fn policies_really_differ_and_the_difference_is_marked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8 path");
    let o = kubesim(&[
        "compare",
        QUICKSTART,
        "--vary",
        "scheduler=default,first-fit",
        "--seeds",
        "1-5",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_csv(&dir.path().join("compare-summary.csv"));
    let row = rows
        .iter()
        .find(|r| r[0] == "first-fit" && r[1] == "nodes_in_use_mean")
        .expect("row");
    let high: f64 = row[8].parse().expect("diff_ci95_high");
    assert!(high < 0.0, "first-fit should use fewer nodes: {row:?}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line = stdout
        .lines()
        .skip_while(|l| !l.starts_with("nodes_in_use_mean"))
        .nth(1)
        .expect("first-fit's line");
    assert!(line.trim_end().ends_with('*'), "{stdout}");
}
