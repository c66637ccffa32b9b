//! Comparisons of variants over seeds: the statistics and the two files `kubesim compare`
//! writes, `compare.csv` (every summary figure of every run) and `compare-summary.csv`
//! (per variant and metric: mean, standard deviation, 95 % confidence interval, and the
//! difference from the baseline variant, paired by seed).
//!
//! Intervals use Student's t with n − 1 degrees of freedom. Differences are paired: for
//! each seed, the variant's figure minus the baseline's, so that the common random numbers
//! of a seed (the same arrivals for every variant) cancel out of the comparison.

use super::format::ratio;
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The 0.975 quantile of Student's t distribution with `df` degrees of freedom: the factor
/// of a two-sided 95 % confidence interval. `None` for `df` = 0.
pub fn t_975(df: u64) -> Option<f64> {
    if df == 0 {
        return None;
    }
    StudentsT::new(0.0, 1.0, df as f64)
        .ok()
        .map(|t| t.inverse_cdf(0.975))
}

/// Mean, sample standard deviation and 95 % confidence interval of the mean of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Sample size.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor n − 1); `None` when n = 1.
    pub stddev: Option<f64>,
    /// Half-width of the 95 % interval, t(0.975, n − 1) · s / √n; `None` when n = 1.
    pub half_width: Option<f64>,
}

impl Estimate {
    /// The estimate of `values`, summed in their order (so the result is reproducible to
    /// the bit); `None` for an empty sample.
    pub fn of(values: &[f64]) -> Option<Estimate> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let stddev = (n > 1).then(|| {
            let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
            (ss / (n - 1) as f64).sqrt()
        });
        let half_width = stddev
            .zip(t_975(n as u64 - 1))
            .map(|(s, t)| t * s / (n as f64).sqrt());
        Some(Estimate {
            n,
            mean,
            stddev,
            half_width,
        })
    }

    /// The 95 % confidence interval `(low, high)`; `None` when n = 1.
    pub fn ci95(&self) -> Option<(f64, f64)> {
        self.half_width.map(|h| (self.mean - h, self.mean + h))
    }

    /// Whether the 95 % interval lies entirely on one side of zero (for a difference: the
    /// variants differ significantly at the 5 % level).
    pub fn excludes_zero(&self) -> bool {
        self.ci95().is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
    }
}

/// Per-seed differences `variant − baseline`, over the seeds where both have a value.
pub fn paired_differences(baseline: &[Option<f64>], variant: &[Option<f64>]) -> Vec<f64> {
    baseline
        .iter()
        .zip(variant)
        .filter_map(|(b, v)| Some((*v)? - (*b)?))
        .collect()
}

/// The summary figures of every run of a comparison.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Variant names; the first is the baseline.
    pub variants: Vec<String>,
    /// Seeds, in the order runs are reported.
    pub seeds: Vec<u64>,
    /// `runs[v][s]`: the `summary.csv` rows of variant `v` with seed `seeds[s]`.
    pub runs: Vec<Vec<Vec<(String, String)>>>,
}

/// One row of `compare-summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// Index into [`Comparison::variants`].
    pub variant: usize,
    /// Metric name.
    pub metric: String,
    /// The metric over the seeds where it has a value; `None` when it has none.
    pub estimate: Option<Estimate>,
    /// Paired difference from the baseline; `None` for the baseline itself and when no
    /// seed has a value in both.
    pub diff: Option<Estimate>,
}

impl Comparison {
    /// Every metric any run reports, in the order the runs list them (a metric missing from
    /// the first run comes after the first run's metrics).
    pub fn metrics(&self) -> Vec<String> {
        let mut seen = BTreeMap::new();
        let mut order = Vec::new();
        for (k, _) in self.runs.iter().flatten().flatten() {
            if seen.insert(k.as_str(), ()).is_none() {
                order.push(k.clone());
            }
        }
        order
    }

    /// `values[v][m][s]`: metric `metrics[m]` of variant `v` and seed `s`, if it has a value
    /// (an empty figure, such as a mean of nothing, has none).
    fn values(&self, metrics: &[String]) -> Vec<Vec<Vec<Option<f64>>>> {
        let index: BTreeMap<&str, usize> = metrics
            .iter()
            .enumerate()
            .map(|(i, m)| (m.as_str(), i))
            .collect();
        self.runs
            .iter()
            .map(|seeds| {
                let mut by_metric = vec![vec![None; seeds.len()]; metrics.len()];
                for (s, rows) in seeds.iter().enumerate() {
                    for (k, v) in rows {
                        if let Some(&m) = index.get(k.as_str()) {
                            by_metric[m][s] = v.parse::<f64>().ok().filter(|x| x.is_finite());
                        }
                    }
                }
                by_metric
            })
            .collect()
    }

    /// The rows of `compare-summary.csv`: every variant, then every metric.
    pub fn summary(&self) -> Vec<SummaryRow> {
        let metrics = self.metrics();
        let values = self.values(&metrics);
        let mut rows = Vec::with_capacity(self.variants.len() * metrics.len());
        for (v, by_metric) in values.iter().enumerate() {
            for (m, metric) in metrics.iter().enumerate() {
                let present: Vec<f64> = by_metric[m].iter().flatten().copied().collect();
                let diff = (v > 0)
                    .then(|| Estimate::of(&paired_differences(&values[0][m], &by_metric[m])))
                    .flatten();
                rows.push(SummaryRow {
                    variant: v,
                    metric: metric.clone(),
                    estimate: Estimate::of(&present),
                    diff,
                });
            }
        }
        rows
    }

    /// Writes `compare.csv`: `variant,seed,metric,value`, one row per summary figure of
    /// every run, runs in (variant, seed) order and figures in `summary.csv` order.
    pub fn write_runs(&self, out: impl Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(["variant", "seed", "metric", "value"])?;
        for (variant, seeds) in self.variants.iter().zip(&self.runs) {
            for (seed, rows) in self.seeds.iter().zip(seeds) {
                let seed = seed.to_string();
                for (k, v) in rows {
                    w.write_record([variant, &seed, k, v])?;
                }
            }
        }
        w.flush()
    }

    /// Writes `compare-summary.csv` from [`Comparison::summary`]'s rows.
    pub fn write_summary(&self, rows: &[SummaryRow], out: impl Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "variant",
            "metric",
            "mean",
            "stddev",
            "ci95_low",
            "ci95_high",
            "diff_vs_baseline",
            "diff_ci95_low",
            "diff_ci95_high",
        ])?;
        for r in rows {
            let (mean, stddev, low, high) = columns(r.estimate);
            let (diff, _, diff_low, diff_high) = columns(r.diff);
            w.write_record([
                self.variants[r.variant].as_str(),
                &r.metric,
                &mean,
                &stddev,
                &low,
                &high,
                &diff,
                &diff_low,
                &diff_high,
            ])?;
        }
        w.flush()
    }
}

/// Mean, standard deviation and interval bounds as written (six decimals, empty when
/// undefined).
fn columns(e: Option<Estimate>) -> (String, String, String, String) {
    let ci = e.and_then(|e| e.ci95());
    (
        ratio(e.map(|e| e.mean)),
        ratio(e.and_then(|e| e.stddev)),
        ratio(ci.map(|c| c.0)),
        ratio(ci.map(|c| c.1)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Two-sided 95 % critical values from a published t table (e.g. NIST/SEMATECH
    /// e-Handbook, table 1.3.6.7.2), three decimals.
    #[test]
    fn t_quantiles_match_the_published_table() {
        for (df, want) in [
            (1, 12.706),
            (2, 4.303),
            (3, 3.182),
            (9, 2.262),
            (29, 2.045),
            (1000, 1.962),
        ] {
            let t = t_975(df).expect("df > 0");
            assert!(close(t, want, 5e-4), "t(0.975, {df}) = {t}, table {want}");
        }
        assert_eq!(t_975(0), None);
    }

    /// 1, 2, 3, 4: mean 2.5, s = √(5/3) = 1.290994, half-width t(0.975, 3) · s / √4 with
    /// t(0.975, 3) = 3.182446.
    #[test]
    fn estimate_of_a_small_sample() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]).expect("non-empty");
        assert_eq!(e.n, 4);
        assert_eq!(e.mean, 2.5);
        let s = e.stddev.expect("n > 1");
        assert!(close(s, 1.290994, 1e-6), "{s}");
        let h = e.half_width.expect("n > 1");
        assert!(close(h, 3.182446 * 1.290994 / 2.0, 1e-5), "{h}");
        let (lo, hi) = e.ci95().expect("n > 1");
        assert!(close(lo, 2.5 - h, 1e-12) && close(hi, 2.5 + h, 1e-12));
        assert!(e.excludes_zero());
    }

    #[test]
    fn one_value_has_a_mean_only() {
        let e = Estimate::of(&[7.0]).expect("non-empty");
        assert_eq!((e.mean, e.stddev, e.ci95()), (7.0, None, None));
        assert!(!e.excludes_zero());
        assert_eq!(Estimate::of(&[]), None);
    }

    /// Paired by seed: (2−1, 4−2, 3−3, 8−4) = (1, 2, 0, 4); mean 1.75,
    /// s = √(8.75/3) = 1.707825, half-width 3.182446 · 1.707825 / 2 = 2.717531.
    #[test]
    fn paired_differences_and_their_interval() {
        let base = [Some(1.0), Some(2.0), Some(3.0), Some(4.0)];
        let other = [Some(2.0), Some(4.0), Some(3.0), Some(8.0)];
        let d = paired_differences(&base, &other);
        assert_eq!(d, [1.0, 2.0, 0.0, 4.0]);
        let e = Estimate::of(&d).expect("non-empty");
        assert_eq!(e.mean, 1.75);
        assert!(close(e.stddev.expect("n > 1"), 1.707825, 1e-6));
        assert!(close(e.half_width.expect("n > 1"), 2.717531, 1e-5));
        // The interval (−0.97, 4.47) contains 0: not a significant difference.
        assert!(!e.excludes_zero());
    }

    #[test]
    fn differences_skip_seeds_missing_a_value() {
        let base = [Some(1.0), None, Some(3.0)];
        let other = [Some(2.5), Some(5.0), None];
        assert_eq!(paired_differences(&base, &other), [1.5]);
    }

    fn run(rows: &[(&str, &str)]) -> Vec<(String, String)> {
        rows.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Two variants, two seeds; `x` is missing for the baseline's second seed.
    fn small() -> Comparison {
        Comparison {
            variants: vec!["a".into(), "b".into()],
            seeds: vec![1, 2],
            runs: vec![
                vec![
                    run(&[("x", "1"), ("y", "10")]),
                    run(&[("x", ""), ("y", "20")]),
                ],
                vec![
                    run(&[("x", "2"), ("y", "13")]),
                    run(&[("x", "4"), ("y", "21")]),
                ],
            ],
        }
    }

    #[test]
    fn files_have_one_row_per_figure_and_paired_differences() {
        let c = small();
        let mut runs = Vec::new();
        c.write_runs(&mut runs).expect("in memory");
        assert_eq!(
            String::from_utf8(runs).expect("utf-8"),
            "variant,seed,metric,value\na,1,x,1\na,1,y,10\na,2,x,\na,2,y,20\n\
             b,1,x,2\nb,1,y,13\nb,2,x,4\nb,2,y,21\n"
        );
        let rows = c.summary();
        let mut out = Vec::new();
        c.write_summary(&rows, &mut out).expect("in memory");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "variant,metric,mean,stddev,ci95_low,ci95_high,diff_vs_baseline,diff_ci95_low,diff_ci95_high"
        );
        // Baseline x: one value, so no spread and no interval; no difference columns.
        assert_eq!(lines[1], "a,x,1.000000,,,,,,");
        // y of a: 10, 20: mean 15, s = 7.071068, half-width 12.706205 · s / √2 = 63.531024.
        assert_eq!(lines[2], "a,y,15.000000,7.071068,-48.531024,78.531024,,,");
        // x of b: 2, 4; paired with a only on seed 1: difference 1, no interval.
        assert_eq!(
            lines[3],
            "b,x,3.000000,1.414214,-9.706205,15.706205,1.000000,,"
        );
        // y of b: differences 3 and 1: mean 2, s = 1.414214, half-width 12.706205.
        assert_eq!(
            lines[4],
            "b,y,17.000000,5.656854,-33.824819,67.824819,2.000000,-10.706205,14.706205"
        );
    }

    #[test]
    fn metrics_keep_the_summary_order() {
        let mut c = small();
        c.runs[1][1].push(("z".into(), "5".into()));
        assert_eq!(c.metrics(), ["x", "y", "z"]);
    }
}
