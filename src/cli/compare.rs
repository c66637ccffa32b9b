//! `kubesim compare`: run a scenario once per variant and seed, in parallel across runs,
//! write `compare.csv` and `compare-summary.csv`, and print a table of the headline figures.
//!
//! Each run is the same deterministic simulation `run` does (figures only, no per-run
//! files), and results are written in (variant, seed) order, so the files are the same
//! bytes whatever `--jobs` is and whichever run finishes first.

use super::CompareArgs;
use crate::metrics::compare::{Comparison, Estimate, SummaryRow};
use crate::scenario::{Overrides, Scenario};
use crate::{Error, RunResult};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A dimension `--vary` can vary: its name and how one of its values changes a run.
pub struct Dimension {
    /// The name before `=` in `--vary`.
    pub name: &'static str,
    /// Sets the value in the overrides a variant's runs load the scenario with.
    pub apply: fn(&mut Overrides, &str),
    /// Checks a value before any scenario is loaded (values that depend on the
    /// scenario, such as profile names, are checked when it is).
    pub check: fn(&str) -> Result<(), String>,
}

/// Every dimension `--vary` accepts. Adding one (say `lb`) is one line here, given an
/// [`Overrides`] field that carries it.
pub const DIMENSIONS: &[Dimension] = &[
    Dimension {
        name: "scheduler",
        apply: |o, v| o.scheduler = Some(v.to_string()),
        check: |_| Ok(()),
    },
    Dimension {
        name: "lb",
        apply: |o, v| o.lb = Some(v.to_string()),
        check: |v| crate::traffic::load_balancers::LbSpec::parse(v).map(|_| ()),
    },
];

/// Most runs (variants × seeds) one comparison may ask for.
pub const MAX_RUNS: u64 = 10_000;

/// The summary figures the printed table shows, when the scenario has them; a name
/// ending in `[` stands for that figure of every entity (every Service).
const HEADLINE: [&str; 15] = [
    "pods_scheduled",
    "pods_unschedulable",
    "pending_mean_s",
    "pending_p99_s",
    "nodes_in_use_peak",
    "nodes_in_use_mean",
    "cpu_allocation_mean",
    "memory_allocation_mean",
    "stranded_cpu_mean",
    "stranded_memory_mean",
    "latency_mean_s[",
    "latency_p99_s[",
    "success_ratio[",
    "requests_rejected",
    "requests_failed",
];

/// Whether summary figure `metric` is headline figure `h`.
fn is_headline(metric: &str, h: &str) -> bool {
    if h.ends_with('[') {
        metric.starts_with(h)
    } else {
        metric == h
    }
}

/// One variant: a value for each varied dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// The values joined by `/`, in `--vary` order: how files and the table name it.
    pub name: String,
    /// `(index into DIMENSIONS, value)`.
    pub settings: Vec<(usize, String)>,
}

impl Variant {
    /// `base` with this variant's values and `seed` applied.
    pub fn overrides(&self, base: &Overrides, seed: Option<u64>) -> Overrides {
        let mut o = base.clone();
        o.seed = seed;
        for (d, v) in &self.settings {
            (DIMENSIONS[*d].apply)(&mut o, v);
        }
        o
    }
}

fn dimension_names() -> String {
    DIMENSIONS
        .iter()
        .map(|d| d.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses the `--vary` arguments into variants: every combination of the values of the
/// dimensions, the first dimension varying slowest. The first variant (each dimension's
/// first value) is the baseline.
pub fn parse_vary(args: &[String]) -> Result<Vec<Variant>, Error> {
    let mut dims: Vec<(usize, Vec<String>)> = Vec::new();
    for arg in args {
        let usage = |m: String| Error::Usage(format!("--vary {arg}: {m}"));
        let Some((name, values)) = arg.split_once('=') else {
            return Err(usage(format!(
                "expected DIM=V1,V2,… (e.g. scheduler=default,most-allocated); dimensions: {}",
                dimension_names()
            )));
        };
        let Some(d) = DIMENSIONS.iter().position(|d| d.name == name.trim()) else {
            return Err(usage(format!(
                "unknown dimension `{}`; dimensions: {}",
                name.trim(),
                dimension_names()
            )));
        };
        if dims.iter().any(|(e, _)| *e == d) {
            return Err(usage(format!(
                "dimension `{}` is varied twice; list all its values in one --vary",
                DIMENSIONS[d].name
            )));
        }
        let mut list: Vec<String> = Vec::new();
        for v in values.split(',').map(str::trim) {
            if v.is_empty() {
                return Err(usage(
                    "empty value; separate values with single commas".into(),
                ));
            }
            if list.iter().any(|e| e == v) {
                return Err(usage(format!("value `{v}` is listed twice")));
            }
            (DIMENSIONS[d].check)(v).map_err(usage)?;
            if list.len() as u64 == MAX_RUNS {
                return Err(Error::Limit(format!(
                    "--vary: more than the limit of {MAX_RUNS} runs"
                )));
            }
            list.push(v.to_string());
        }
        dims.push((d, list));
    }
    let count = dims
        .iter()
        .fold(1u64, |n, (_, v)| n.saturating_mul(v.len() as u64));
    if count > MAX_RUNS {
        return Err(Error::Limit(format!(
            "--vary: {count} variants is more than the limit of {MAX_RUNS} runs"
        )));
    }
    Ok(product(&dims))
}

/// Every combination of one value per dimension, the first dimension varying slowest;
/// a variant's name is its values joined by `/`.
fn product(dims: &[(usize, Vec<String>)]) -> Vec<Variant> {
    let mut variants = vec![Variant {
        name: String::new(),
        settings: Vec::new(),
    }];
    for (d, values) in dims {
        variants = variants
            .iter()
            .flat_map(|base| {
                values.iter().map(move |v| {
                    let mut next = base.clone();
                    if !next.name.is_empty() {
                        next.name.push('/');
                    }
                    next.name.push_str(v);
                    next.settings.push((*d, v.clone()));
                    next
                })
            })
            .collect();
    }
    variants
}

/// Parses `--seeds`: comma-separated items, each a seed (`7`) or an inclusive range
/// (`1-10`), in the order given; a seed may appear once.
pub fn parse_seeds(arg: &str) -> Result<Vec<u64>, Error> {
    let usage = |m: String| {
        Error::Usage(format!(
            "--seeds {arg}: {m}; expected a seed (7), an inclusive range (1-10) or a list (1,2,5)"
        ))
    };
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| usage(format!("`{}` is not a seed (a whole number ≥ 0)", s.trim())))
    };
    let mut seeds: Vec<u64> = Vec::new();
    let mut seen = BTreeSet::new();
    for item in arg.split(',') {
        let (from, to) = match item.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let s = number(item)?;
                (s, s)
            }
        };
        if from > to {
            return Err(usage(format!(
                "the range {from}-{to} is empty (its start is after its end)"
            )));
        }
        if (to - from) as u128 + 1 + seeds.len() as u128 > u128::from(MAX_RUNS) {
            return Err(Error::Limit(format!(
                "--seeds {arg}: more than the limit of {MAX_RUNS} runs"
            )));
        }
        for s in from..=to {
            if !seen.insert(s) {
                return Err(usage(format!("seed {s} is listed twice")));
            }
            seeds.push(s);
        }
    }
    Ok(seeds)
}

/// Parallel runs: `--jobs`, or the machine's available parallelism.
fn jobs(arg: Option<usize>) -> Result<usize, Error> {
    match arg {
        Some(0) => Err(Error::Usage(
            "--jobs 0: must be at least 1 (runs in parallel)".into(),
        )),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Adds which run failed to a run's error.
fn in_run(e: Error, variant: &str, seed: u64) -> Error {
    let at = |m: String| format!("variant {variant}, seed {seed}: {m}");
    match e {
        Error::Limit(m) => Error::Limit(at(m)),
        Error::Output(m) => Error::Output(at(m)),
        Error::Invariant(m) => Error::Invariant(at(m)),
        Error::Run(m) => Error::Run(at(m)),
        other => other,
    }
}

/// Runs the comparison, writes its files and prints the table.
pub fn compare(args: &CompareArgs) -> Result<(), Error> {
    let variants = parse_vary(&args.vary)?;
    let given_seeds = args.seeds.as_deref().map(parse_seeds).transpose()?;
    if let Some(seeds) = &given_seeds {
        let runs = variants.len() as u64 * seeds.len() as u64;
        if runs > MAX_RUNS {
            return Err(Error::Limit(format!(
                "{} variants × {} seeds = {runs} runs, more than the limit of {MAX_RUNS}",
                variants.len(),
                seeds.len()
            )));
        }
    }
    let jobs = jobs(args.jobs)?;
    let base = super::run::overrides(None, args.duration.as_deref(), None, None)?;

    // Every variant is checked before any run starts, so a bad value costs no time.
    let mut first: Option<Scenario> = None;
    for v in &variants {
        let seed = given_seeds.as_ref().and_then(|s| s.first().copied());
        let s = crate::scenario::load_with(&args.scenario, v.overrides(&base, seed))?;
        first.get_or_insert(s);
    }
    let Some(scenario) = first else {
        return Err(Error::Usage("--vary: no variant to run".into()));
    };
    if !args.quiet {
        for w in &scenario.warnings {
            eprintln!("note: {w}");
        }
    }
    let seeds = given_seeds.unwrap_or_else(|| vec![scenario.seed]);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-compare", scenario.name)));

    let tasks: Vec<(usize, u64)> = (0..variants.len())
        .flat_map(|v| seeds.iter().map(move |&s| (v, s)))
        .collect();
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let b =
            ProgressBar::with_draw_target(Some(tasks.len() as u64), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        // Runs can take seconds each: keep the spinner moving between them.
        b.enable_steady_tick(Duration::from_millis(200));
        b
    });
    // More threads than runs would only idle.
    let threads = jobs.min(tasks.len());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Run(format!("cannot start {threads} worker threads: {e}")))?;
    let started = Instant::now();
    // Collected in task order whatever the completion order; the first failure in that
    // order is the one reported, so the message does not depend on --jobs either.
    let results: Vec<Result<RunResult, Error>> = pool.install(|| {
        tasks
            .par_iter()
            .map(|&(v, seed)| {
                let variant = &variants[v];
                let r = crate::scenario::load_with(
                    &args.scenario,
                    variant.overrides(&base, Some(seed)),
                )
                .map_err(Error::from)
                .and_then(|s| crate::run(&s, None, None))
                .map_err(|e| in_run(e, &variant.name, seed));
                if let Some(b) = &bar {
                    b.inc(1);
                }
                r
            })
            .collect()
    });
    let wall = started.elapsed().as_secs_f64();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let mut runs: Vec<Vec<Vec<(String, String)>>> = vec![Vec::new(); variants.len()];
    for ((v, _), r) in tasks.iter().zip(results) {
        runs[*v].push(r?.summary);
    }
    let comparison = Comparison {
        variants: variants.iter().map(|v| v.name.clone()).collect(),
        seeds,
        runs,
    };
    let summary = comparison.summary();
    write_files(&comparison, &summary, &out)?;
    if !args.quiet {
        println!("scenario      {}", scenario.name);
        println!(
            "variants      {} (baseline {})",
            comparison.variants.len(),
            comparison.variants[0]
        );
        println!(
            "seeds         {} ({})",
            comparison.seeds.len(),
            args.seeds
                .clone()
                .unwrap_or_else(|| format!("the scenario's seed {}", scenario.seed))
        );
        println!(
            "runs          {} in {:.3} s wall ({} jobs)",
            tasks.len(),
            wall,
            threads
        );
        println!();
        print!("{}", table(&comparison, &summary));
        println!();
        println!("output        {}", out.display());
    }
    Ok(())
}

/// The two files; if either cannot be written, neither is left behind, so the folder
/// never mixes files of different comparisons.
fn write_files(c: &Comparison, summary: &[SummaryRow], out: &Path) -> Result<(), Error> {
    const FILES: [&str; 2] = ["compare.csv", "compare-summary.csv"];
    let write = || -> Result<(), Error> {
        std::fs::create_dir_all(out)
            .map_err(|e| Error::Output(format!("{}: {e}", out.display())))?;
        for (i, name) in FILES.iter().enumerate() {
            let path = out.join(name);
            let err = |e: std::io::Error| Error::Output(format!("{}: {e}", path.display()));
            let mut w = BufWriter::new(std::fs::File::create(&path).map_err(err)?);
            match i {
                0 => c.write_runs(&mut w),
                _ => c.write_summary(summary, &mut w),
            }
            .and_then(|()| w.flush())
            .map_err(err)?;
        }
        Ok(())
    };
    let r = write();
    if r.is_err() {
        for f in FILES {
            // Best effort: the write error is what the user needs to see.
            let _ = std::fs::remove_file(out.join(f));
        }
    }
    r
}

/// A number for the terminal: about four significant digits, scientific when very large
/// or very small.
fn short(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{x:.3e}")
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        let places = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{x:.places$}")
    }
}

/// The mean and `± half-width` cells of an estimate (the second empty with one seed); `-`
/// when undefined. `signed` puts `+` before positive differences.
fn cells(e: Option<Estimate>, signed: bool) -> [String; 2] {
    let Some(e) = e else {
        return ["-".into(), String::new()];
    };
    let mean = short(e.mean);
    let plus = if signed && e.mean > 0.0 && mean != "0" {
        "+"
    } else {
        ""
    };
    [
        format!("{plus}{mean}"),
        e.half_width
            .map(|h| format!("± {}", short(h)))
            .unwrap_or_default(),
    ]
}

/// The printed table: for each headline metric, one line per variant with the mean ± the
/// 95 % half-width and the paired difference from the baseline ± its half-width; `*` marks
/// a difference whose interval excludes 0.
fn table(c: &Comparison, rows: &[SummaryRow]) -> String {
    use std::fmt::Write as _;
    let shown: Vec<&SummaryRow> = HEADLINE
        .iter()
        .flat_map(|m| rows.iter().filter(move |r| is_headline(&r.metric, m)))
        .collect();
    let header: [String; 7] = [
        "metric".into(),
        "variant".into(),
        "mean".into(),
        "± 95% CI".into(),
        format!("diff vs {}", c.variants[0]),
        "± 95% CI".into(),
        String::new(),
    ];
    let mut lines: Vec<[String; 7]> = vec![header];
    for (i, r) in shown.iter().enumerate() {
        // Rows come grouped by metric; the metric is named on its first row only.
        let first = i == 0 || shown[i - 1].metric != r.metric;
        let [mean, ci] = cells(r.estimate, false);
        let [diff, diff_ci] = if r.variant == 0 {
            [String::new(), String::new()]
        } else {
            cells(r.diff, true)
        };
        let mark = if r.diff.is_some_and(|d| d.excludes_zero()) {
            "*"
        } else {
            ""
        };
        lines.push([
            if first {
                r.metric.clone()
            } else {
                String::new()
            },
            c.variants[r.variant].clone(),
            mean,
            ci,
            diff,
            diff_ci,
            mark.into(),
        ]);
    }
    let mut width = [0usize; 7];
    for l in &lines {
        for (w, cell) in width.iter_mut().zip(l) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for l in &lines {
        let mut line = String::new();
        for (k, (cell, w)) in l.iter().zip(width).enumerate() {
            // Numbers right-aligned, names and intervals left-aligned.
            let _ = if k == 2 || k == 4 {
                write!(line, "{cell:>w$}  ")
            } else {
                write!(line, "{cell:w$}  ")
            };
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if c.seeds.len() == 1 {
        out.push_str("one seed: no confidence intervals (give --seeds, e.g. 1-10)\n");
    } else {
        out.push_str("* the 95% interval of the difference (paired by seed) excludes 0\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn seeds_ranges_lists_and_single() {
        assert_eq!(parse_seeds("1-4").ok(), Some(vec![1, 2, 3, 4]));
        assert_eq!(parse_seeds("7").ok(), Some(vec![7]));
        assert_eq!(parse_seeds("5,2,9").ok(), Some(vec![5, 2, 9]));
        assert_eq!(parse_seeds("1-2,8").ok(), Some(vec![1, 2, 8]));
        assert_eq!(parse_seeds("3-3").ok(), Some(vec![3]));
        for bad in ["5-1", "a-b", "", "1,,2", "-1", "1-", "1,1", "1-3,2", "x"] {
            let e = parse_seeds(bad).expect_err(bad);
            assert_eq!(e.exit_code(), 2, "{bad}: {e}");
        }
        assert!(parse_seeds("5-1").is_err_and(|e| e.to_string().contains("empty")));
        let huge = format!("0-{}", u64::MAX);
        assert!(matches!(parse_seeds(&huge), Err(Error::Limit(_))));
    }

    #[test]
    fn vary_gives_the_cross_product_in_order() {
        let v = parse_vary(&strings(&["scheduler=default, most-allocated"])).expect("valid");
        let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["default", "most-allocated"]);
        let o = v[1].overrides(&Overrides::default(), Some(3));
        assert_eq!(o.scheduler.as_deref(), Some("most-allocated"));
        assert_eq!(o.seed, Some(3));
    }

    /// With two dimensions, every combination, the first dimension varying slowest.
    #[test]
    fn variants_are_the_cross_product_of_the_dimensions() {
        let v = parse_vary(&strings(&["scheduler=a,b", "lb=random,round-robin,random"]));
        assert!(v.is_err(), "a value listed twice");
        let v = parse_vary(&strings(&["scheduler=a,b", "lb=random,round-robin"])).expect("valid");
        let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            ["a/random", "a/round-robin", "b/random", "b/round-robin"]
        );
        assert_eq!(
            v[3].settings,
            [(0, "b".to_string()), (1, "round-robin".to_string())]
        );
        let o = v[3].overrides(&Overrides::default(), None);
        assert_eq!(o.lb.as_deref(), Some("round-robin"));
    }

    #[test]
    fn vary_errors_name_the_dimensions() {
        for bad in [
            "policy=random",
            "lb=nearest",
            "scheduler",
            "scheduler=",
            "scheduler=a,,b",
            "scheduler=a,a",
        ] {
            let e = parse_vary(&strings(&[bad])).expect_err(bad);
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
        let e = parse_vary(&strings(&["policy=random"])).expect_err("unknown");
        assert!(e.to_string().contains("dimensions: scheduler, lb"), "{e}");
        let e = parse_vary(&strings(&["lb=nearest"])).expect_err("unknown policy");
        assert!(e.to_string().contains("round-robin"), "{e}");
        let twice = strings(&["scheduler=a", "scheduler=b"]);
        assert!(parse_vary(&twice).is_err());
    }

    #[test]
    fn jobs_must_be_positive() {
        assert!(jobs(Some(0)).is_err());
        assert_eq!(jobs(Some(3)).ok(), Some(3));
        assert!(jobs(None).is_ok_and(|n| n >= 1));
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(52.0), "52");
        assert_eq!(short(40.5), "40.50");
        assert_eq!(short(0.485313), "0.4853");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(-1.5), "-1.500");
        assert_eq!(short(8283151213.7), "8.283e9");
        assert_eq!(short(0.001234), "0.001234");
        assert_eq!(short(1e-9), "1.000e-9");
    }
}
