//! The traffic model checked against queueing theory: M/M/1 (mean, percentiles,
//! utilisation), M/M/c (Erlang C mean and percentiles), M/G/1 (Pollaczek–Khinchine),
//! D/M/1, random and round-robin dispatch (M/M/1 and E_n/M/1 per pod), power of d (the
//! supermarket limit), least connections (between Erlang C and power of two), loss
//! systems (Erlang B, M/M/1/K), a Jackson tandem of asynchronous calls, synchronous
//! calls, timeouts, keep-alive connections and ClientIP affinity, Little's law, the
//! worker-speed rule and the endpoint delay. Every expected value is computed here from
//! its formula, never taken from a run (docs/traffic-validation.md lists them).
//!
//! Statistical checks use batch means: each `services.csv` interval after the warm-up is
//! one batch (its completions and mean latency); the standard error of the run's mean
//! comes from the spread of the batches. A check passes when the run lies within
//! [`Z`] standard errors of the formula, and it demands a standard error below
//! [`MAX_REL_SE`] of the value so that passing means something. Each statistical test
//! has a negative control: the same check against a deliberately wrong parameter (a
//! 10 % slower or faster server, or another dispatch policy's formula) must fail.
//! Seeds are fixed, so the checks never flake.

mod common;
use common::*;

/// Standard errors a measured value may lie from the formula.
const Z: f64 = 4.0;
/// Largest standard error, relative to the value, that still makes a check tight.
const MAX_REL_SE: f64 = 0.015;
/// Relative error of a latency percentile from the histograms (3 significant digits).
const HISTOGRAM_ERROR: f64 = 1e-3;

/// One Service `web` of type LoadBalancer in front of `pods` identical pods.
struct Setup<'a> {
    /// Pods of the Deployment.
    pods: u32,
    /// `simulation.serving.workers` of each pod.
    workers: u32,
    /// `simulation.serving.queueCapacity` of each pod (`None`: no limit).
    queue_capacity: Option<u32>,
    /// The container's `resources:`.
    resources: &'a str,
    /// `simulation.loadBalancer`.
    lb: &'a str,
    /// The arrival process (`poisson: 80/s` or `constant: 10/s`).
    arrivals: &'a str,
    /// `simulation.demand`.
    demand: &'a str,
    /// Simulated seconds in all.
    duration_s: u64,
    /// Seconds excluded from the figures (`metrics.warmup`).
    warmup_s: u64,
    /// `metrics.interval`: one batch per interval.
    interval_s: u64,
    /// The scenario's seed.
    seed: u64,
}

impl Setup<'_> {
    /// The scenario text.
    fn yaml(&self) -> String {
        format!(
            r#"apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: traffic-oracle}}
seed: {seed}
duration: {duration}s
metrics:
  # One services.csv row per batch; the warm-up is a whole number of batches, so
  # every batch after it is measured whole.
  interval: {interval}s
  warmup: {warmup}s
cluster:
  nodePools:
    # A node per pod with room to spare: nothing but the Service's traffic matters.
    - {{name: n, count: {pods}, capacity: {{cpu: 64, memory: 64Gi, pods: 110}}}}
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        replicas: {pods}
        template:
          metadata: {{labels: {{app: web}}}}
          spec:
            containers: [{{name: app, resources: {resources}}}]
      simulation:
        serving: {{workers: {workers}{capacity}}}
services:
  - metadata: {{name: web}}
    spec:
      type: LoadBalancer
      selector: {{app: web}}
    simulation:
      loadBalancer: {lb}
      demand: {demand}
      # Pods start 1 s after binding and reach the load balancer 1 s later (the
      # defaults): traffic starts at 5 s, when every pod is an endpoint.
      traffic: {{{arrivals}, start: 5s}}
"#,
            seed = self.seed,
            duration = self.duration_s,
            interval = self.interval_s,
            warmup = self.warmup_s,
            pods = self.pods,
            resources = self.resources,
            workers = self.workers,
            capacity = self
                .queue_capacity
                .map(|q| format!(", queueCapacity: {q}"))
                .unwrap_or_default(),
            lb = self.lb,
            demand = self.demand,
            arrivals = self.arrivals,
        )
    }

    /// Runs the scenario and reads the figures of Service `web`.
    fn run(&self) -> Measured {
        run_services(&self.yaml(), self.warmup_s, &["web"])
            .pop()
            .expect("one Service")
    }
}

/// Runs scenario `text` (whose `metrics.warmup` is `warmup_s`) and reads the figures of
/// each of `services`.
fn run_services(text: &str, warmup_s: u64, services: &[&str]) -> Vec<Measured> {
    let s = scenario(text);
    let dir = tempfile::tempdir().expect("temp dir");
    let result = kubesim::run(&s, Some(dir.path()), None).unwrap_or_else(|e| panic!("{e}"));
    let rows = read_csv(&dir.path().join("services.csv"));
    let col = |name: &str| {
        rows[0]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("services.csv has no column {name}"))
    };
    let (time, service, in_flight) = (col("time_s"), col("service"), col("in_flight"));
    let (arrivals, completed, rejected) = (col("arrivals"), col("completed"), col("rejected"));
    let timeouts = col("timeouts");
    let (mean, p50, p90, p99) = (
        col("latency_mean_s"),
        col("latency_p50_s"),
        col("latency_p90_s"),
        col("latency_p99_s"),
    );
    let num = |s: &str| -> f64 { s.parse().unwrap_or_else(|_| panic!("number: {s:?}")) };
    let warmup = warmup_s as f64;
    services
        .iter()
        .map(|&name| {
            let mut batches = Vec::new();
            let mut in_flight_at_warmup = 0.0;
            for r in rows[1..].iter().filter(|r| r[service] == name) {
                let t = num(&r[time]);
                if t == warmup {
                    in_flight_at_warmup = num(&r[in_flight]);
                }
                if t <= warmup || num(&r[completed]) == 0.0 {
                    continue;
                }
                batches.push(Batch {
                    arrivals: num(&r[arrivals]),
                    rejected: num(&r[rejected]),
                    timeouts: num(&r[timeouts]),
                    completed: num(&r[completed]),
                    mean: num(&r[mean]),
                    quantiles: [num(&r[p50]), num(&r[p90]), num(&r[p99])],
                });
            }
            Measured {
                service: name.to_string(),
                summary: result.summary.clone(),
                end_s: result.end as f64 / 1e9,
                batches,
                in_flight_at_warmup,
                warmup_s: warmup,
            }
        })
        .collect()
}

/// One `services.csv` interval after the warm-up.
struct Batch {
    arrivals: f64,
    rejected: f64,
    timeouts: f64,
    completed: f64,
    mean: f64,
    /// p50, p90, p99.
    quantiles: [f64; 3],
}

/// What a run measured.
struct Measured {
    /// The Service's name.
    service: String,
    /// The run's `summary.csv` rows.
    summary: Vec<(String, String)>,
    /// When the run ended, seconds.
    end_s: f64,
    batches: Vec<Batch>,
    /// Requests in flight when the warm-up ended.
    in_flight_at_warmup: f64,
    /// `metrics.warmup`, seconds.
    warmup_s: f64,
}

/// Σy/Σx over batches (y_i, x_i), with the ratio estimator's standard error
/// SE² = k/(k−1) · Σ (y_i − r·x_i)² / (Σ x_i)², r = Σy/Σx: for a mean latency
/// y_i = c_i·m_i (completions × batch mean) and x_i = c_i.
fn ratio_estimate(batches: &[(f64, f64)]) -> Estimate {
    let k = batches.len() as f64;
    assert!(k >= 30.0, "only {k} batches: too few for a standard error");
    let (sy, sx) = batches
        .iter()
        .fold((0.0, 0.0), |(sy, sx), (y, x)| (sy + y, sx + x));
    let value = sy / sx;
    let ss: f64 = batches.iter().map(|(y, x)| (y - value * x).powi(2)).sum();
    Estimate {
        value,
        se: (k / (k - 1.0) * ss).sqrt() / sx,
    }
}

/// A measured value with its standard error.
#[derive(Clone, Copy, Debug)]
struct Estimate {
    value: f64,
    se: f64,
}

impl Measured {
    /// A `summary.csv` figure of the Service.
    fn get(&self, metric: &str) -> f64 {
        let key = format!("{metric}[{}]", self.service);
        let v = self
            .summary
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no summary figure {key}"));
        v.parse().unwrap_or_else(|_| panic!("{key} = {v:?}"))
    }

    /// The mean latency of the measured span: the completion-weighted mean of the
    /// batch means, with its standard error (see [`ratio_estimate`]). It must agree with
    /// the summary's figure, which is computed from the same requests one by one.
    fn mean_latency(&self) -> Estimate {
        let pairs: Vec<(f64, f64)> = self
            .batches
            .iter()
            .map(|b| (b.completed * b.mean, b.completed))
            .collect();
        let est = ratio_estimate(&pairs);
        let summary = self.get("latency_mean_s");
        // The batch means are written with 6 decimals: the two agree to rounding.
        assert!(
            (summary - est.value).abs() <= 1e-6,
            "summary mean {summary} vs batches {}",
            est.value
        );
        Estimate {
            value: summary,
            se: est.se,
        }
    }

    /// The fraction of arrivals refused, with its standard error.
    fn rejected_fraction(&self) -> Estimate {
        self.fraction(|b| b.rejected)
    }

    /// The fraction of arrivals whose caller gave up, with its standard error.
    fn timed_out_fraction(&self) -> Estimate {
        self.fraction(|b| b.timeouts)
    }

    fn fraction(&self, of: impl Fn(&Batch) -> f64) -> Estimate {
        let pairs: Vec<(f64, f64)> = self.batches.iter().map(|b| (of(b), b.arrivals)).collect();
        ratio_estimate(&pairs)
    }

    /// The summary's `q`-th percentile (index into p50, p90, p99), with the standard
    /// error of the mean of the batches' percentiles.
    fn percentile(&self, q: usize) -> Estimate {
        let metric = ["latency_p50_s", "latency_p90_s", "latency_p99_s"][q];
        let k = self.batches.len() as f64;
        let m = self.batches.iter().map(|b| b.quantiles[q]).sum::<f64>() / k;
        let var = self
            .batches
            .iter()
            .map(|b| (b.quantiles[q] - m).powi(2))
            .sum::<f64>()
            / (k - 1.0);
        Estimate {
            value: self.get(metric),
            se: (var / k).sqrt(),
        }
    }

    /// Little's law on this run: the time-averaged number in flight equals throughput
    /// × mean latency, up to the requests that straddle the ends of the measured span
    /// (at most those in flight at either end, each for at most the longest latency),
    /// and the rounding of the three 6-decimal figures.
    fn littles_law(&self, throughput_factor: f64) -> Result<(), String> {
        let l = self.get("in_flight_mean");
        let x = self.get("throughput_rps") * throughput_factor;
        let w = self.get("latency_mean_s");
        let span = self.end_s - self.warmup_s;
        let edges = (self.in_flight_at_warmup + self.get("requests_in_flight_end"))
            * self.get("latency_max_s")
            / span;
        let rounding = 0.5e-6 * (1.0 + x + w);
        let tol = edges + rounding;
        if (l - x * w).abs() <= tol {
            Ok(())
        } else {
            Err(format!(
                "in_flight_mean {l} vs throughput {x} × latency {w} = {} (tolerance {tol})",
                x * w
            ))
        }
    }

    /// Requests were neither refused nor failed, and enough were measured.
    fn assert_clean(&self, at_least: f64) {
        assert_eq!(self.get("requests_rejected"), 0.0);
        assert_eq!(self.get("requests_failed"), 0.0);
        let n = self.get("requests_completed");
        assert!(n >= at_least, "only {n} requests measured");
    }
}

/// Whether `est` agrees with the formula's `expected` within [`Z`] standard errors
/// (plus `extra`, an absolute allowance for a known deterministic error), and the
/// standard error is small enough for the check to be tight.
fn agrees(what: &str, est: Estimate, expected: f64, extra: f64) -> Result<(), String> {
    let rel_se = est.se / est.value;
    if rel_se > MAX_REL_SE {
        return Err(format!(
            "{what}: standard error {:.2} % of {}: too loose to check",
            rel_se * 100.0,
            est.value
        ));
    }
    let tol = Z * est.se + extra;
    // Shown with --nocapture: the figures behind each check.
    eprintln!(
        "{what}: measured {:.6}, SE {:.6} ({:.2} %), expected {expected:.6}, tolerance {tol:.6}",
        est.value,
        est.se,
        rel_se * 100.0
    );
    if (est.value - expected).abs() > tol {
        return Err(format!(
            "{what}: measured {:.6} ± {:.6} (SE), expected {expected:.6}: off by {:.1} SE",
            est.value,
            est.se,
            (est.value - expected).abs() / est.se
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The formulas (standard queueing results; notation: arrival rate λ, service rate μ).
// ---------------------------------------------------------------------------------

/// M/M/1 mean response time: W = 1/(μ − λ).
fn mm1_response(lambda: f64, mu: f64) -> f64 {
    1.0 / (mu - lambda)
}

/// M/M/1 response-time percentile: the sojourn time is exponential with rate μ − λ, so
/// its p-quantile is −ln(1 − p)/(μ − λ).
fn mm1_percentile(p: f64, lambda: f64, mu: f64) -> f64 {
    -(1.0 - p).ln() / (mu - lambda)
}

/// Erlang C, the probability that an arrival waits in M/M/c with offered load a = λ/μ:
/// Erlang B by its stable recursion B_0 = 1, B_k = a·B_{k−1}/(k + a·B_{k−1}), then
/// C = B_c / (1 − ρ(1 − B_c)) with ρ = a/c.
fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / f64::from(c);
    b / (1.0 - rho * (1.0 - b))
}

/// Erlang B, the blocking probability of c servers and no waiting room at offered load
/// a: B_0 = 1, B_k = a·B_{k−1}/(k + a·B_{k−1}).
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// M/M/1/K (room for K requests in all, one in service): the blocking probability
/// P_K = (1 − ρ)ρ^K/(1 − ρ^{K+1}), and the mean response time of those admitted
/// W = L/(λ(1 − P_K)) with L = ρ/(1 − ρ) − (K + 1)ρ^{K+1}/(1 − ρ^{K+1}).
fn mm1k(k: u32, lambda: f64, mu: f64) -> (f64, f64) {
    let rho = lambda / mu;
    let k = k as i32;
    let blocked = (1.0 - rho) * rho.powi(k) / (1.0 - rho.powi(k + 1));
    let l = rho / (1.0 - rho) - f64::from(k + 1) * rho.powi(k + 1) / (1.0 - rho.powi(k + 1));
    (blocked, l / (lambda * (1.0 - blocked)))
}

/// M/M/c mean response time: W = C/(cμ − λ) + 1/μ.
fn mmc_response(c: u32, lambda: f64, mu: f64) -> f64 {
    erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda) + 1.0 / mu
}

/// GI/M/1 mean response time for inter-arrival times with Laplace–Stieltjes transform
/// `lst` (mean 1/λ < 1/μ): σ is the root in (0, 1) of σ = A*(μ(1 − σ)), found by
/// bisection, and W = 1/(μ(1 − σ)).
fn gi_m1_response(lst: impl Fn(f64) -> f64, mu: f64) -> f64 {
    let f = |s: f64| lst(mu * (1.0 - s)) - s;
    // f(0) > 0; σ = 1 is always a root, and with λ < μ, f < 0 just below it.
    let (mut lo, mut hi) = (0.0, 1.0 - 1e-9);
    assert!(f(lo) > 0.0 && f(hi) < 0.0, "no root in (0, 1): is λ < μ?");
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    1.0 / (mu * (1.0 - 0.5 * (lo + hi)))
}

/// M/M/c response-time percentile. The response time is T = Wq + S with S ~ Exp(μ)
/// and Wq = 0 with probability 1 − C, else Exp(θ), θ = cμ − λ (both independent of S).
/// So P(T > t) = (1 − C)e^{−μt} + C·P(Exp(θ) + Exp(μ) > t), where the sum's tail is
/// (θe^{−μt} − μe^{−θt})/(θ − μ), or e^{−μt}(1 + μt) when θ = μ (Erlang-2). The
/// p-quantile solves P(T > t) = 1 − p, by bisection (the tail decreases in t).
fn mmc_percentile(p: f64, c: u32, lambda: f64, mu: f64) -> f64 {
    let wait = erlang_c(c, lambda / mu);
    let theta = f64::from(c) * mu - lambda;
    let tail = |t: f64| {
        let sum = if ((theta - mu) / mu).abs() < 1e-9 {
            (-mu * t).exp() * (1.0 + mu * t)
        } else {
            (theta * (-mu * t).exp() - mu * (-theta * t).exp()) / (theta - mu)
        };
        (1.0 - wait) * (-mu * t).exp() + wait * sum
    };
    let (mut lo, mut hi) = (0.0, 1.0 / mu);
    while tail(hi) > 1.0 - p {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if tail(mid) > 1.0 - p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// E_n/M/1 mean response time, each pod of a round-robin dispatcher over n pods with
/// λ per pod (every n-th arrival of a Poisson stream of rate nλ: Erlang(n, nλ)
/// inter-arrival times, A*(s) = (nλ/(nλ + s))^n): σ = (nλ/(nλ + μ(1 − σ)))^n.
fn en_m1_response(n: u32, lambda: f64, mu: f64) -> f64 {
    let nl = f64::from(n) * lambda;
    gi_m1_response(|s| (nl / (nl + s)).powi(n as i32), mu)
}

/// D/M/1 mean response time, arrivals exactly 1/λ apart (A*(s) = e^{−s/λ}):
/// σ = e^{−μ(1 − σ)/λ}.
fn dm1_response(lambda: f64, mu: f64) -> f64 {
    gi_m1_response(|s| (-s / lambda).exp(), mu)
}

/// M/G/1 mean response time (Pollaczek–Khinchine) for service times with mean `es` and
/// second moment `es2`: W = E[S] + λE[S²]/(2(1 − ρ)), ρ = λE[S].
fn mg1_response(lambda: f64, es: f64, es2: f64) -> f64 {
    es + lambda * es2 / (2.0 * (1.0 - lambda * es))
}

/// The formulas reproduce the reference's worked values.
#[test]
fn formulas_match_their_worked_examples() {
    // Erlang B with one server: a/(1 + a).
    assert!((erlang_b(1, 9.0) - 0.9).abs() < 1e-12);
    // M/M/c, c = 10, λ = 9, μ = 1: C = 0.668732, W = 1.668732.
    assert!((erlang_c(10, 9.0) - 0.668732).abs() < 1e-6);
    assert!((mmc_response(10, 9.0, 1.0) - 1.668732).abs() < 1e-6);
    // M/M/1 is M/M/c with c = 1 (C = ρ).
    assert!((mmc_response(1, 0.8, 1.0) - mm1_response(0.8, 1.0)).abs() < 1e-12);
    // E_2/M/1 with λ = 0.5: σ = (3 − √5)/2, W = the golden ratio 1.6180.
    let golden = (1.0 + 5f64.sqrt()) / 2.0;
    assert!((en_m1_response(2, 0.5, 1.0) - golden).abs() < 1e-9);
    // E_1/M/1 is M/M/1.
    assert!((en_m1_response(1, 0.8, 1.0) - 5.0).abs() < 1e-6);
    // M/M/1/K: K = 1 is Erlang B with one server, ρ/(1 + ρ), every admitted request
    // served at once; K → ∞ is M/M/1.
    let (b1, w1) = mm1k(1, 0.8, 1.0);
    assert!((b1 - 0.8 / 1.8).abs() < 1e-12 && (w1 - 1.0).abs() < 1e-12);
    assert!((b1 - erlang_b(1, 0.8)).abs() < 1e-12);
    let (b, w) = mm1k(400, 0.8, 1.0);
    assert!(b < 1e-30 && (w - 5.0).abs() < 1e-9);
    // E_n/M/1 tends to D/M/1 as n grows.
    assert!((en_m1_response(100_000, 0.8, 1.0) - dm1_response(0.8, 1.0)).abs() < 1e-4);
    // Pollaczek–Khinchine with exponential service (E[S²] = 2/μ²) is M/M/1.
    assert!((mg1_response(0.8, 1.0, 2.0) - mm1_response(0.8, 1.0)).abs() < 1e-12);
    // M/M/1 is M/M/c with c = 1; θ ≠ μ and θ = μ give the same tail in the limit.
    for p in [0.5, 0.9, 0.99] {
        assert!((mmc_percentile(p, 1, 0.8, 1.0) - mm1_percentile(p, 0.8, 1.0)).abs() < 1e-9);
        let (a, b) = (
            mmc_percentile(p, 10, 9.0, 1.0),
            mmc_percentile(p, 10, 9.0 - 1e-6, 1.0),
        );
        assert!((a - b).abs() < 1e-4, "{a} {b}");
    }
    // p50 of an exponential with rate 1 is ln 2.
    assert!((mm1_percentile(0.5, 0.0, 1.0) - 2f64.ln()).abs() < 1e-12);
}

// ---------------------------------------------------------------------------------
// The oracle tests.
// ---------------------------------------------------------------------------------

/// One pod, one worker, one CPU: Poisson arrivals at λ = 80/s, exponential demand with
/// mean 10 ms (μ = 100/s), ρ = 0.8: an M/M/1 queue.
fn mm1_setup() -> Setup<'static> {
    Setup {
        pods: 1,
        workers: 1,
        queue_capacity: None,
        // Speed min(1, 1/1) = 1: the demand is the service time.
        resources: "{requests: {cpu: 1}, limits: {cpu: 1}}",
        lb: "round-robin",
        arrivals: "poisson: 80/s",
        demand: "{exponential: {mean: 10ms}}",
        // 80/s × 37,500 s = 3·10^6 requests: the p99's standard error needs that many
        // to fall below 1.5 % (the mean's is below 1 % with a third). The queue relaxes
        // in about 1/(μ(1 − √ρ)²) ≈ 0.9 s, so 300 s batches are nearly independent.
        duration_s: 37_800,
        warmup_s: 300,
        interval_s: 300,
        seed: 11,
    }
}

/// M/M/1: W = 1/(μ − λ) = 50 ms, and the p50/p90/p99 of the exponential sojourn time
/// −ln(1 − p)/(μ − λ). Negative control: a server 10 % slower or faster fails.
#[test]
fn mm1_mean_and_percentiles() {
    let m = mm1_setup().run();
    m.assert_clean(2.9e6);
    let (lambda, mu) = (80.0, 100.0);
    let w = m.mean_latency();
    agrees("M/M/1 mean", w, mm1_response(lambda, mu), 0.0).unwrap();
    for (q, p) in [0.5, 0.9, 0.99].into_iter().enumerate() {
        let expected = mm1_percentile(p, lambda, mu);
        agrees(
            &format!("M/M/1 p{}", p * 100.0),
            m.percentile(q),
            expected,
            HISTOGRAM_ERROR * expected,
        )
        .unwrap();
    }
    for wrong in [0.9 * mu, 1.1 * mu] {
        assert!(
            agrees("M/M/1 mean", w, mm1_response(lambda, wrong), 0.0).is_err(),
            "the mean passed for μ = {wrong}: tolerance too loose"
        );
        let expected = mm1_percentile(0.99, lambda, wrong);
        assert!(
            agrees("p99", m.percentile(2), expected, HISTOGRAM_ERROR * expected).is_err(),
            "p99 passed for μ = {wrong}: tolerance too loose"
        );
    }
    m.littles_law(1.0).unwrap();
    // Utilisation: the CPU used is the demand of a compound Poisson stream over the
    // span T, mean ρ = λ/μ = 0.8 cores, relative variance λT·E[S²]/(λT·E[S])² = 2/(λT)
    // (exponential demand: E[S²] = 2E[S]²).
    let n = lambda * (m.end_s - m.warmup_s);
    let cpu = Estimate {
        value: m.get("cpu_cores_mean"),
        se: lambda / mu * (2.0 / n).sqrt(),
    };
    agrees("M/M/1 utilisation", cpu, lambda / mu, 0.0).unwrap();
    for wrong in [0.9 * mu, 1.1 * mu] {
        assert!(agrees("utilisation", cpu, lambda / wrong, 0.0).is_err());
    }
}

/// M/M/c: one pod with c = 10 workers and 10 CPUs (each worker at full speed, so the
/// pod is ten servers behind one FIFO queue), Poisson λ = 900/s, exponential demand
/// with mean 10 ms (μ = 100/s): a = λ/μ = 9, ρ = 0.9, W = C/(cμ − λ) + 1/μ with C from
/// Erlang C (the reference's c = 10, a = 9 example scaled by 1/μ: 16.687 ms), and the
/// p50/p90/p99 of the response time (see [`mmc_percentile`]). Negative control: a
/// server 10 % faster fails (10 % slower saturates the pod: an infinite W, which fails
/// too).
#[test]
fn mmc_erlang_c_mean_and_percentiles() {
    let m = Setup {
        pods: 1,
        workers: 10,
        queue_capacity: None,
        resources: "{requests: {cpu: 10}, limits: {cpu: 10}}",
        lb: "round-robin",
        arrivals: "poisson: 900/s",
        demand: "{exponential: {mean: 10ms}}",
        // 900/s × 2,250 s ≈ 2·10^6 requests in 112 batches of 18,000: the p90 and
        // p99 need that many for a standard error well below 1.5 %.
        duration_s: 2_300,
        warmup_s: 50,
        interval_s: 20,
        seed: 12,
    }
    .run();
    m.assert_clean(2e6);
    let (c, lambda, mu) = (10, 900.0, 100.0);
    let w = m.mean_latency();
    agrees("M/M/10 mean", w, mmc_response(c, lambda, mu), 0.0).unwrap();
    for (q, p) in [0.5, 0.9, 0.99].into_iter().enumerate() {
        let expected = mmc_percentile(p, c, lambda, mu);
        let est = m.percentile(q);
        let what = format!("M/M/10 p{}", p * 100.0);
        agrees(&what, est, expected, HISTOGRAM_ERROR * expected).unwrap();
        let wrong = mmc_percentile(p, c, lambda, 1.1 * mu);
        assert!(agrees(&what, est, wrong, HISTOGRAM_ERROR * wrong).is_err());
    }
    for wrong in [0.9 * mu, 1.1 * mu] {
        assert!(
            agrees("M/M/10 mean", w, mmc_response(c, lambda, wrong), 0.0).is_err(),
            "passed for μ = {wrong}: tolerance too loose"
        );
    }
    m.littles_law(1.0).unwrap();
}

/// The same M/M/c with the workers slowed by the CPU: 10 workers on 5 CPUs run at
/// speed min(1, 5/10) = 0.5, so 5 ms of demand takes 10 ms and μ = 100/s as above:
/// the same Erlang C mean. Negative control: workers at full speed (μ = 200/s) fail.
#[test]
fn mmc_with_shared_cpu_is_slower_workers() {
    let m = Setup {
        pods: 1,
        workers: 10,
        queue_capacity: None,
        resources: "{requests: {cpu: 5}, limits: {cpu: 5}}",
        lb: "round-robin",
        arrivals: "poisson: 900/s",
        demand: "{exponential: {mean: 5ms}}",
        duration_s: 1_200,
        warmup_s: 50,
        interval_s: 10,
        seed: 13,
    }
    .run();
    m.assert_clean(1e6);
    let w = m.mean_latency();
    agrees(
        "M/M/10 at half speed",
        w,
        mmc_response(10, 900.0, 100.0),
        0.0,
    )
    .unwrap();
    assert!(agrees("full speed", w, mmc_response(10, 900.0, 200.0), 0.0).is_err());
    // The CPU the requests used is the offered load λ × demand = 900 × 5 ms = 4.5 cores,
    // the mean of 10^6 exponential demands: SE = 4.5/√10^6 ≈ 0.0045.
    let cpu = m.get("cpu_cores_mean");
    assert!(
        (cpu - 4.5).abs() < 4.0 * 0.0045 + 0.01,
        "cpu_cores_mean {cpu}"
    );
}

/// Uniform random routing over n = 10 single-worker pods: each pod sees a thinned
/// Poisson stream of λ = 80/s, so each is an M/M/1 queue and W = 1/(μ − λ) = 50 ms
/// whatever n. kube-proxy's iptables mode (a chain of `statistic --mode random` rules
/// with probabilities 1/n, 1/(n − 1), …, 1) is uniform random routing too. Negative
/// controls: a 10 % slower or faster server, and the round-robin formula (E_10/M/1, a
/// much shorter wait), fail.
#[test]
fn random_routing_is_mm1_per_pod() {
    let (n, lambda, mu) = (10, 80.0, 100.0);
    for (lb, seed) in [("random", 14), ("iptables", 33)] {
        let m = Setup {
            pods: n,
            workers: 1,
            queue_capacity: None,
            resources: "{requests: {cpu: 1}, limits: {cpu: 1}}",
            lb,
            arrivals: "poisson: 800/s",
            demand: "{exponential: {mean: 10ms}}",
            // 800/s × 1,250 s = 10^6 requests; 10 s batches hold 8,000.
            duration_s: 1_300,
            warmup_s: 50,
            interval_s: 10,
            seed,
        }
        .run();
        m.assert_clean(9.5e5);
        let w = m.mean_latency();
        agrees(lb, w, mm1_response(lambda, mu), 0.0).unwrap();
        for wrong in [0.9 * mu, 1.1 * mu] {
            assert!(agrees(lb, w, mm1_response(lambda, wrong), 0.0).is_err());
        }
        let rr = en_m1_response(n, lambda, mu);
        assert!(agrees("as round robin", w, rr, 0.0).is_err());
        m.littles_law(1.0).unwrap();
    }
}

/// Round robin over n = 4 single-worker pods with Poisson λ = 320/s in all: each pod
/// gets every 4th arrival, Erlang(4, 320/s) inter-arrival times with mean 1/80 s, so
/// each is an E_4/M/1 queue at ρ = 0.8: W = 1/(μ(1 − σ)). IPVS's `rr` scheduler is the
/// same rotation. Negative controls: a 10 % slower or faster server, and the
/// random-routing formula (M/M/1), fail.
#[test]
fn round_robin_is_en_m1_per_pod() {
    let (n, lambda, mu) = (4, 80.0, 100.0);
    for (lb, seed) in [("round-robin", 15), ("ipvs-rr", 34)] {
        let m = Setup {
            pods: n,
            workers: 1,
            queue_capacity: None,
            resources: "{requests: {cpu: 1}, limits: {cpu: 1}}",
            lb,
            arrivals: "poisson: 320/s",
            demand: "{exponential: {mean: 10ms}}",
            // 320/s × 3,125 s = 10^6 requests; 25 s batches hold 8,000.
            duration_s: 3_175,
            warmup_s: 50,
            interval_s: 25,
            seed,
        }
        .run();
        m.assert_clean(9.5e5);
        let w = m.mean_latency();
        agrees(lb, w, en_m1_response(n, lambda, mu), 0.0).unwrap();
        for wrong in [0.9 * mu, 1.1 * mu] {
            assert!(agrees(lb, w, en_m1_response(n, lambda, wrong), 0.0).is_err());
        }
        assert!(agrees("as random", w, mm1_response(lambda, mu), 0.0).is_err());
        m.littles_law(1.0).unwrap();
    }
}

/// Little's law L = λW on one run, for shapes no closed form covers: several pods of
/// several slowed workers, uniform demand, under each load balancer. The time-averaged
/// count in flight must equal throughput × mean latency up to the edge terms (see
/// [`Measured::littles_law`]). Negative control: a throughput 1 % off fails.
#[test]
fn littles_law_holds_for_every_policy() {
    for lb in [
        "round-robin",
        "random",
        "weighted-round-robin",
        "least-connections",
        "power-of-two",
        "ring-hash",
        "maglev",
        "iptables",
        "ipvs-rr",
        "ipvs-lc",
        "ipvs-sed",
        "ipvs-nq",
    ] {
        let m = Setup {
            pods: 3,
            workers: 4,
            queue_capacity: None,
            // Speed min(1, 1.5/4) = 0.375.
            resources: "{requests: {cpu: 1500m}}",
            lb,
            arrivals: "poisson: 150/s",
            demand: "{uniform: {min: 1ms, max: 15ms}}",
            duration_s: 1_000,
            warmup_s: 20,
            interval_s: 10,
            seed: 16,
        }
        .run();
        m.assert_clean(1e5);
        m.littles_law(1.0).unwrap_or_else(|e| panic!("{lb}: {e}"));
        assert!(m.littles_law(1.01).is_err(), "{lb}: tolerance too loose");
    }
}

/// The worker-speed rule with no queueing (constant demand, arrivals 100 ms apart, far
/// longer than any service): every latency is exactly demand / min(1, C/w), where C is
/// the cpu limit, else the request, else one core. Demand 10 ms.
#[test]
fn worker_speed_is_cpu_over_workers() {
    for (resources, workers, expected) in [
        // Half a CPU: half speed, 20 ms.
        ("{limits: {cpu: 500m}}", 1, 0.02),
        // No limit: the request decides.
        ("{requests: {cpu: 500m}}", 1, 0.02),
        // The limit, not the request, decides.
        ("{requests: {cpu: 250m}, limits: {cpu: 500m}}", 1, 0.02),
        // 2 CPUs shared by 4 workers: 0.5 each.
        ("{requests: {cpu: 2}, limits: {cpu: 2}}", 4, 0.02),
        // 4 CPUs for 2 workers: a worker uses at most one.
        ("{requests: {cpu: 4}, limits: {cpu: 4}}", 2, 0.01),
        // No cpu at all: one core.
        ("{requests: {memory: 1Gi}}", 1, 0.01),
        // A quarter CPU: 40 ms.
        ("{limits: {cpu: 250m}}", 1, 0.04),
    ] {
        let m = Setup {
            pods: 1,
            workers,
            queue_capacity: None,
            resources,
            lb: "round-robin",
            arrivals: "constant: 10/s",
            demand: "10ms",
            duration_s: 65,
            warmup_s: 5,
            interval_s: 5,
            seed: 17,
        }
        .run();
        let what = format!("{resources}, {workers} workers");
        // 10/s from 5 s to 65 s, the last one at the end still in service.
        assert_eq!(m.get("requests_arrived"), 600.0, "{what}");
        assert_eq!(m.get("requests_completed"), 599.0, "{what}");
        assert_eq!(m.get("latency_mean_s"), expected, "{what}: mean");
        // The histograms keep 3 significant digits.
        for metric in ["latency_p50_s", "latency_max_s"] {
            let v = m.get(metric);
            assert!(
                (v - expected).abs() <= HISTOGRAM_ERROR * expected,
                "{what}: {metric} {v}"
            );
        }
    }
}

/// M/G/1 (Pollaczek–Khinchine): one single-worker pod, Poisson λ = 80/s, demand with
/// mean 10 ms (ρ = 0.8) but not exponential: W = E[S] + λE[S²]/(2(1 − ρ)).
/// Constant 10 ms: E[S²] = 10^-4 s², W = 30 ms. Uniform on [0, 20 ms): E[S²] =
/// (20 ms)²/3, W = 36.67 ms. Lognormal with median m = 8 ms and σ = 0.5 (the log's
/// standard deviation): E[S] = m·e^{σ²/2} = 9.07 ms (ρ = 0.725), E[S²] = m²·e^{2σ²},
/// W = 24.41 ms. Negative controls: the exponential's E[S²] = 2E[S]² and a 10 % longer
/// demand fail, so the check sees the distribution's shape, not only its mean; for the
/// lognormal, so does σ read as the log's variance (σ = √0.5).
#[test]
fn mg1_pollaczek_khinchine() {
    let lambda = 80.0;
    let lognormal = |m: f64, sigma: f64| {
        (
            m * (sigma * sigma / 2.0).exp(),
            m * m * (2.0 * sigma * sigma).exp(),
        )
    };
    let (ln_es, ln_es2) = lognormal(0.008, 0.5);
    for (demand, es, es2, seed) in [
        ("10ms", 0.01, 1e-4, 18),
        (
            "{uniform: {min: 0s, max: 20ms}}",
            0.01,
            0.02f64.powi(2) / 3.0,
            19,
        ),
        ("{lognormal: {median: 8ms, sigma: 0.5}}", ln_es, ln_es2, 31),
    ] {
        let m = Setup {
            pods: 1,
            workers: 1,
            queue_capacity: None,
            resources: "{requests: {cpu: 1}, limits: {cpu: 1}}",
            lb: "round-robin",
            arrivals: "poisson: 80/s",
            demand,
            // 80/s × 12,500 s = 10^6 requests; 100 s batches hold 8,000.
            duration_s: 12_600,
            warmup_s: 100,
            interval_s: 100,
            seed,
        }
        .run();
        m.assert_clean(9.5e5);
        let w = m.mean_latency();
        agrees(demand, w, mg1_response(lambda, es, es2), 0.0).unwrap();
        let exponential = mg1_response(lambda, es, 2.0 * es * es);
        assert!(agrees(demand, w, exponential, 0.0).is_err());
        let slower = mg1_response(lambda, 1.1 * es, es2 * 1.21);
        assert!(agrees(demand, w, slower, 0.0).is_err());
        if demand.starts_with("{lognormal") {
            let (es, es2) = lognormal(0.008, 0.5f64.sqrt());
            assert!(agrees("σ as variance", w, mg1_response(lambda, es, es2), 0.0).is_err());
        }
        m.littles_law(1.0).unwrap();
    }
}

/// D/M/1: one single-worker pod, arrivals exactly 12.5 ms apart (`constant: 80/s`),
/// exponential demand with mean 10 ms (ρ = 0.8): σ = e^{−μ(1 − σ)/λ},
/// W = 1/(μ(1 − σ)). Negative controls: the M/M/1 formula (Poisson arrivals) and a
/// 10 % slower or faster server fail.
#[test]
fn constant_arrivals_are_dm1() {
    let m = Setup {
        pods: 1,
        workers: 1,
        queue_capacity: None,
        resources: "{requests: {cpu: 1}, limits: {cpu: 1}}",
        lb: "round-robin",
        arrivals: "constant: 80/s",
        demand: "{exponential: {mean: 10ms}}",
        duration_s: 12_600,
        warmup_s: 100,
        interval_s: 100,
        seed: 20,
    }
    .run();
    m.assert_clean(9.5e5);
    let (lambda, mu) = (80.0, 100.0);
    let w = m.mean_latency();
    agrees("D/M/1", w, dm1_response(lambda, mu), 0.0).unwrap();
    assert!(agrees("D/M/1 as M/M/1", w, mm1_response(lambda, mu), 0.0).is_err());
    for wrong in [0.9 * mu, 1.1 * mu] {
        assert!(agrees("D/M/1", w, dm1_response(lambda, wrong), 0.0).is_err());
    }
    m.littles_law(1.0).unwrap();
}

/// Erlang B: one pod with c = 10 full-speed workers and no waiting room
/// (`queueCapacity: 0`), Poisson λ = 900/s, demand with mean 10 ms (a = 9): an
/// M/G/10/10 loss system refuses the fraction B(10, 9) = 0.1680 of arrivals, whatever
/// the demand's distribution (Erlang's formula is insensitive to it), and those it
/// admits never wait (mean latency = mean demand). Negative controls: a 10 % slower or
/// faster server, and one worker more (B(11, 9)), fail.
#[test]
fn erlang_b_loss_is_insensitive_to_the_demand() {
    let (c, lambda, mu) = (10, 900.0, 100.0);
    for (demand, seed) in [
        ("{exponential: {mean: 10ms}}", 23),
        ("{uniform: {min: 0s, max: 20ms}}", 24),
    ] {
        let m = Setup {
            pods: 1,
            workers: c,
            queue_capacity: Some(0),
            resources: "{requests: {cpu: 10}, limits: {cpu: 10}}",
            lb: "round-robin",
            arrivals: "poisson: 900/s",
            demand,
            // 900/s × 1,150 s ≈ 10^6 requests in 115 batches.
            duration_s: 1_200,
            warmup_s: 50,
            interval_s: 10,
            seed,
        }
        .run();
        assert_eq!(m.get("requests_failed"), 0.0);
        let blocked = m.rejected_fraction();
        agrees(demand, blocked, erlang_b(c, lambda / mu), 0.0).unwrap();
        for wrong in [0.9 * mu, 1.1 * mu] {
            assert!(agrees(demand, blocked, erlang_b(c, lambda / wrong), 0.0).is_err());
        }
        assert!(agrees(demand, blocked, erlang_b(c + 1, lambda / mu), 0.0).is_err());
        agrees(demand, m.mean_latency(), 1.0 / mu, 0.0).unwrap();
        m.littles_law(1.0).unwrap();
    }
}

/// M/M/1/K: one single-worker pod with `queueCapacity: 4` holds K = 5 requests (the
/// waiting room does not count the one in service), Poisson λ = 80/s, exponential demand
/// with mean 10 ms: it refuses P_5 = 8.88 % of arrivals, and the admitted ones take
/// W = L/(λ(1 − P_5)). Negative controls: K = 4 (a capacity that counted the request
/// in service) and a 10 % slower or faster server fail.
#[test]
fn queue_capacity_is_mm1k() {
    let (lambda, mu) = (80.0, 100.0);
    let m = Setup {
        pods: 1,
        workers: 1,
        queue_capacity: Some(4),
        resources: "{requests: {cpu: 1}, limits: {cpu: 1}}",
        lb: "round-robin",
        arrivals: "poisson: 80/s",
        demand: "{exponential: {mean: 10ms}}",
        // 80/s × 12,500 s = 10^6 requests; 100 s batches.
        duration_s: 12_600,
        warmup_s: 100,
        interval_s: 100,
        seed: 25,
    }
    .run();
    assert_eq!(m.get("requests_failed"), 0.0);
    let (blocked, w) = (m.rejected_fraction(), m.mean_latency());
    let (p5, w5) = mm1k(5, lambda, mu);
    agrees("M/M/1/5 refused", blocked, p5, 0.0).unwrap();
    agrees("M/M/1/5 latency", w, w5, 0.0).unwrap();
    let (p4, w4) = mm1k(4, lambda, mu);
    assert!(agrees("as M/M/1/4", blocked, p4, 0.0).is_err());
    assert!(agrees("as M/M/1/4", w, w4, 0.0).is_err());
    for wrong in [0.9 * mu, 1.1 * mu] {
        let (p, wt) = mm1k(5, lambda, wrong);
        assert!(agrees("refused", blocked, p, 0.0).is_err());
        assert!(agrees("latency", w, wt, 0.0).is_err());
    }
    m.littles_law(1.0).unwrap();
}

/// A tandem of two queues (a Jackson network): `front` (one single-worker pod,
/// Poisson λ = 80/s, exponential demand with mean 10 ms) calls `back` (one
/// single-worker pod, exponential demand with mean 20 ms) with probability ½, without
/// holding its worker (`synchronousCalls: false`). Front is M/M/1 (W₁ = 1/(100 − 80) =
/// 50 ms); its departures are Poisson (Burke), and a coin thins them to a Poisson
/// stream of 40/s, so back is M/M/1 too (W₂ = 1/(50 − 40) = 100 ms), and a front
/// request answers after W₁ plus, half the time, a back sojourn: W = W₁ + ½W₂ = 100 ms.
/// Negative controls: front's latency without its call (W₁), and back 10 % slower or
/// faster, fail.
#[test]
fn asynchronous_calls_form_a_jackson_tandem() {
    let text = r#"apiVersion: kubesim/v1
kind: Scenario
metadata: {name: tandem}
seed: 26
# 80/s × 12,500 s = 10^6 front requests; 100 s batches.
duration: 12600s
metrics: {interval: 100s, warmup: 100s}
cluster:
  nodePools:
    - {name: n, count: 2, capacity: {cpu: 64, memory: 64Gi, pods: 110}}
workloads:
  deployments:
    - metadata: {name: front}
      spec:
        template:
          metadata: {labels: {app: front}}
          spec:
            containers: [{name: app, resources: {limits: {cpu: 1}}}]
    - metadata: {name: back}
      spec:
        template:
          metadata: {labels: {app: back}}
          spec:
            containers: [{name: app, resources: {limits: {cpu: 1}}}]
services:
  - metadata: {name: front}
    spec: {type: LoadBalancer, selector: {app: front}}
    simulation:
      demand: {exponential: {mean: 10ms}}
      calls: [{service: back, probability: 0.5}]
      # The worker is free once its own work is done: front stays M/M/1.
      synchronousCalls: false
      traffic: {poisson: 80/s, start: 5s}
  - metadata: {name: back}
    spec: {selector: {app: back}}
    simulation:
      demand: {exponential: {mean: 20ms}}
"#;
    let mut m = run_services(text, 100, &["front", "back"]);
    let (back, front) = (m.pop().expect("back"), m.pop().expect("front"));
    front.assert_clean(9.5e5);
    back.assert_clean(4.5e5);
    let (lambda, mu1, mu2, p) = (80.0, 100.0, 50.0, 0.5);
    let w2 = back.mean_latency();
    agrees("back", w2, mm1_response(p * lambda, mu2), 0.0).unwrap();
    let w = front.mean_latency();
    let expected = mm1_response(lambda, mu1) + p * mm1_response(p * lambda, mu2);
    agrees("front", w, expected, 0.0).unwrap();
    assert!(agrees("front without its call", w, mm1_response(lambda, mu1), 0.0).is_err());
    for wrong in [0.9 * mu2, 1.1 * mu2] {
        assert!(agrees("back", w2, mm1_response(p * lambda, wrong), 0.0).is_err());
        let e = mm1_response(lambda, mu1) + p * mm1_response(p * lambda, wrong);
        assert!(agrees("front", w, e, 0.0).is_err());
    }
    front.littles_law(1.0).unwrap();
    back.littles_law(1.0).unwrap();
}

/// Timeouts in M/M/1: a caller gives up after T = 50 ms, but the pod still serves the
/// request (the work is not cancelled), so the queue stays M/M/1 and a request times
/// out exactly when its sojourn time, exponential with rate r = μ − λ = 20/s, exceeds
/// T: P = e^{−rT} = e^{−1} = 36.79 %. The completed ones are the sojourns below T:
/// E[S | S < T] = 1/r − T·e^{−rT}/(1 − e^{−rT}) = 20.91 ms. Negative controls: a
/// 10 % slower or faster server, and a 10 % shorter timeout, fail.
#[test]
fn timeouts_cut_the_mm1_sojourn() {
    let (lambda, mu, t) = (80.0, 100.0, 0.05);
    let text = Setup {
        pods: 1,
        workers: 1,
        queue_capacity: None,
        resources: "{requests: {cpu: 1}, limits: {cpu: 1}}",
        lb: "round-robin",
        arrivals: "poisson: 80/s",
        demand: "{exponential: {mean: 10ms}}",
        // 80/s × 12,500 s = 10^6 requests; 100 s batches.
        duration_s: 12_600,
        warmup_s: 100,
        interval_s: 100,
        seed: 27,
    }
    .yaml()
        + "      timeout: 50ms\n";
    let m = run_services(&text, 100, &["web"]).pop().expect("web");
    let timed_out = |r: f64, t: f64| (-r * t).exp();
    let completed_mean = |r: f64, t: f64| 1.0 / r - t * (-r * t).exp() / (1.0 - (-r * t).exp());
    let (p, w) = (m.timed_out_fraction(), m.mean_latency());
    agrees("timed out", p, timed_out(mu - lambda, t), 0.0).unwrap();
    agrees("completed", w, completed_mean(mu - lambda, t), 0.0).unwrap();
    for (wrong_mu, wrong_t) in [(0.9 * mu, t), (1.1 * mu, t), (mu, 0.9 * t)] {
        let r = wrong_mu - lambda;
        assert!(agrees("timed out", p, timed_out(r, wrong_t), 0.0).is_err());
        assert!(agrees("completed", w, completed_mean(r, wrong_t), 0.0).is_err());
    }
    assert_eq!(m.get("requests_rejected"), 0.0);
    assert_eq!(m.get("requests_failed"), m.get("requests_timed_out"));
}

/// Synchronous calls: `front` (one single-worker pod, Poisson λ = 80/s, exponential
/// demand with mean 5 ms) calls `back` with probability ½ and holds its worker until
/// the answer. Back has 20 full-speed workers for 0.4 busy ones on average (40/s ×
/// 10 ms), so a call never waits there (all 20 busy: Erlang B(20, 0.4) ≈ 3·10^-27)
/// and takes exactly back's constant demand,
/// 10 ms. Front's service time is then S = S₁ + B·10 ms, B ~ Bernoulli(½):
/// E[S] = 5 + 5 = 10 ms (ρ = 0.8), E[S²] = E[S₁²] + 2·½·E[S₁]·10 ms + ½·(10 ms)²
/// = 1.5·10^-4 s², and front is M/G/1: W = E[S] + λE[S²]/(2(1 − ρ)) = 40 ms
/// (Pollaczek–Khinchine). Negative controls: M/M/1 with the same mean (50 ms) and the
/// asynchronous value (front's own M/M/1 plus ½·10 ms: 13.3 ms) fail.
#[test]
fn synchronous_calls_hold_the_worker() {
    let text = r#"apiVersion: kubesim/v1
kind: Scenario
metadata: {name: sync-calls}
seed: 28
# 80/s × 12,500 s = 10^6 front requests; 100 s batches.
duration: 12600s
metrics: {interval: 100s, warmup: 100s}
cluster:
  nodePools:
    - {name: n, count: 2, capacity: {cpu: 64, memory: 64Gi, pods: 110}}
workloads:
  deployments:
    - metadata: {name: front}
      spec:
        template:
          metadata: {labels: {app: front}}
          spec:
            containers: [{name: app, resources: {limits: {cpu: 1}}}]
    - metadata: {name: back}
      spec:
        template:
          metadata: {labels: {app: back}}
          spec:
            containers: [{name: app, resources: {limits: {cpu: 20}}}]
      simulation:
        serving: {workers: 20}
services:
  - metadata: {name: front}
    spec: {type: LoadBalancer, selector: {app: front}}
    simulation:
      demand: {exponential: {mean: 5ms}}
      calls: [{service: back, probability: 0.5}]
      traffic: {poisson: 80/s, start: 5s}
  - metadata: {name: back}
    spec: {selector: {app: back}}
    simulation:
      demand: 10ms
"#;
    let mut m = run_services(text, 100, &["front", "back"]);
    let (back, front) = (m.pop().expect("back"), m.pop().expect("front"));
    front.assert_clean(9.5e5);
    back.assert_clean(4.5e5);
    // Back never queues: every call takes its demand exactly.
    assert!(erlang_b(20, 0.4) < 1e-26);
    assert_eq!(back.get("latency_mean_s"), 0.01);
    // The histograms keep 3 significant digits.
    let max = back.get("latency_max_s");
    assert!(
        (max - 0.01).abs() <= HISTOGRAM_ERROR * 0.01,
        "back max {max}"
    );
    let lambda = 80.0;
    let (es1, s2, p) = (0.005, 0.01, 0.5);
    let es = es1 + p * s2;
    let es2 = 2.0 * es1 * es1 + 2.0 * p * es1 * s2 + p * s2 * s2;
    let w = front.mean_latency();
    agrees("front", w, mg1_response(lambda, es, es2), 0.0).unwrap();
    assert!(agrees("front as M/M/1", w, mm1_response(lambda, 1.0 / es), 0.0).is_err());
    let asynchronous = mm1_response(lambda, 1.0 / es1) + p * s2;
    assert!(agrees("front, asynchronous", w, asynchronous, 0.0).is_err());
    front.littles_law(1.0).unwrap();
}

/// Keep-alive connections and `ClientIP` affinity pin load. 3 connections over 2
/// single-worker pods under round robin open 2 connections to one pod and 1 to the
/// other, and each request (its key a random 64-bit number) takes a uniformly random
/// connection. Likewise 3 client keys drawn uniformly under `ClientIP` affinity (its
/// 3-hour default timeout outlasts the run) stick where round robin first sent them:
/// 2 to one pod, 1 to the other. Either way the pods see Bernoulli-thinned Poisson
/// streams of ⅔ and ⅓ of λ = 120/s, M/M/1 queues at ρ = 0.8 and 0.4:
/// W = ⅔/(100 − 80) + ⅓/(100 − 40) = 38.89 ms. Negative controls: an even split
/// (random routing, 25 ms) and round robin per request (E_2/M/1) fail.
#[test]
fn pinned_clients_split_the_load_unevenly() {
    let (lambda, mu) = (120.0, 100.0);
    for (arrivals, seed, pin) in [
        ("poisson: 120/s", 29, "keep-alive"),
        ("poisson: 120/s, keys: {uniform: 3}", 35, "ClientIP"),
    ] {
        let text = Setup {
            pods: 2,
            workers: 1,
            queue_capacity: None,
            resources: "{requests: {cpu: 1}, limits: {cpu: 1}}",
            lb: "round-robin",
            arrivals,
            demand: "{exponential: {mean: 10ms}}",
            // 120/s × 8,400 s ≈ 10^6 requests; 100 s batches.
            duration_s: 8_500,
            warmup_s: 100,
            interval_s: 100,
            seed,
        }
        .yaml();
        let text = if pin == "keep-alive" {
            text + "      keepAlive: {connections: 3}\n"
        } else {
            let selector = "      selector: {app: web}\n";
            text.replace(
                selector,
                &format!("{selector}      sessionAffinity: ClientIP\n"),
            )
        };
        let m = run_services(&text, 100, &["web"]).pop().expect("web");
        m.assert_clean(9.5e5);
        let w = m.mean_latency();
        let expected = 2.0 / 3.0 * mm1_response(2.0 / 3.0 * lambda, mu)
            + 1.0 / 3.0 * mm1_response(lambda / 3.0, mu);
        agrees(pin, w, expected, 0.0).unwrap();
        assert!(agrees("even split", w, mm1_response(lambda / 2.0, mu), 0.0).is_err());
        let rr = en_m1_response(2, lambda / 2.0, mu);
        assert!(agrees("round robin per request", w, rr, 0.0).is_err());
        m.littles_law(1.0).unwrap();
    }
}

/// Endpoints reach the load balancer `endpointDelay` after the pod turns Ready, which
/// is `startupDelay` = 1 s after it is bound at 0 s; until then a request finds no
/// endpoint and is refused. Constant arrivals at 3/s come at k/3 s, so with a delay d
/// the refused ones are k/3 < 1 + d: k ≤ 4 for d = 0.5 s, k ≤ 6 for d = 1.1 s (no
/// arrival coincides with the endpoint's arrival). All later ones complete (demand
/// 1 ms, 333 ms apart).
#[test]
fn requests_before_the_endpoint_delay_are_refused() {
    for (delay, refused) in [("500ms", 4.0), ("1100ms", 6.0)] {
        let text = format!(
            r#"apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: endpoint-delay}}
seed: 30
duration: 10s
cluster:
  nodePools: [{{name: n, count: 1, capacity: {{cpu: 4, memory: 4Gi}}}}]
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        template:
          metadata: {{labels: {{app: web}}}}
          spec:
            containers: [{{name: app, resources: {{requests: {{cpu: 1}}}}}}]
      simulation:
        startupDelay: 1s
services:
  - metadata: {{name: web}}
    spec: {{type: LoadBalancer, selector: {{app: web}}}}
    simulation:
      endpointDelay: {delay}
      demand: 1ms
      traffic: {{constant: 3/s}}
"#
        );
        let m = run_services(&text, 0, &["web"]).pop().expect("web");
        // Arrivals at 1/3 s … 30/3 s = 10 s (the last at the end, still in service).
        assert_eq!(m.get("requests_arrived"), 30.0, "{delay}");
        assert_eq!(m.get("requests_rejected"), refused, "{delay}");
        assert_eq!(m.get("requests_completed"), 29.0 - refused, "{delay}");
        assert_eq!(m.get("requests_failed"), 0.0, "{delay}");
    }
}

/// The supermarket model's limit (Mitzenmacher 2001; Vvedenskaya, Dobrushin and
/// Karpelevich 1996): with d choices among n → ∞ single-worker pods, each at load λ/μ,
/// W = (1/μ) Σ_{i≥1} (λ/μ)^{(d^i − d)/(d − 1)}.
fn supermarket_response(d: u32, lambda: f64, mu: f64) -> f64 {
    let rho = lambda / mu;
    let d = f64::from(d);
    let mut sum = 0.0;
    for i in 1..64 {
        let term = rho.powf((d.powi(i) - d) / (d - 1.0));
        sum += term;
        if term < 1e-15 {
            break;
        }
    }
    sum / mu
}

/// Whether `est` lies in `[lo, hi]`, widened by [`Z`] standard errors, with a standard
/// error small enough for the check to be tight.
fn within(what: &str, est: Estimate, lo: f64, hi: f64) -> Result<(), String> {
    let rel_se = est.se / est.value;
    eprintln!(
        "{what}: measured {:.6}, SE {:.6} ({:.2} %), bounds [{lo:.6}, {hi:.6}]",
        est.value,
        est.se,
        rel_se * 100.0
    );
    if rel_se > MAX_REL_SE {
        return Err(format!(
            "{what}: standard error {:.2} %: too loose",
            rel_se * 100.0
        ));
    }
    if est.value < lo - Z * est.se || est.value > hi + Z * est.se {
        return Err(format!(
            "{what}: measured {:.6} ± {:.6} (SE) outside [{lo:.6}, {hi:.6}]",
            est.value, est.se
        ));
    }
    Ok(())
}

/// n = 100 single-worker pods at λ/μ = 0.9 each (μ = 100/s, 9,000/s in all) behind
/// `lb`: about 10^6 requests.
fn hundred_pods(lb: &str, seed: u64) -> Measured {
    Setup {
        pods: 100,
        workers: 1,
        queue_capacity: None,
        resources: "{requests: {cpu: 1}, limits: {cpu: 1}}",
        lb,
        arrivals: "poisson: 9000/s",
        demand: "{exponential: {mean: 10ms}}",
        // 9,000/s × 112 s ≈ 10^6 requests; 1 s batches hold 9,000.
        duration_s: 120,
        warmup_s: 8,
        interval_s: 1,
        seed,
    }
    .run()
}

/// Power of d choices over n = 100 pods at load 0.9: W lies between the supermarket
/// limit (1/μ) Σ_{i≥1} 0.9^{(d^i − d)/(d − 1)} (26.141 ms for d = 2, 20.279 ms for
/// d = 3) and 5 % above it (finite n sits slightly above the limit). Negative controls:
/// the other d's limit and a 10 % faster server fail.
#[test]
fn power_of_d_meets_the_supermarket_limit() {
    let (lambda, mu) = (90.0, 100.0);
    for (lb, d, other, seed) in [("power-of-two", 2, 3, 21), ("power-of-3", 3, 2, 32)] {
        let m = hundred_pods(lb, seed);
        m.assert_clean(9.5e5);
        let w = m.mean_latency();
        let limit = supermarket_response(d, lambda, mu);
        within(lb, w, limit, 1.05 * limit).unwrap();
        let wrong = supermarket_response(other, lambda, mu);
        assert!(within("the other d", w, wrong, 1.05 * wrong).is_err());
        let fast = supermarket_response(d, lambda, 1.1 * mu);
        assert!(within("faster server", w, fast, 1.05 * fast).is_err());
        m.littles_law(1.0).unwrap();
    }
}

/// Least connections (join the shortest queue, one worker per pod) over n = 100 pods
/// at load 0.9: no closed form, but W lies between M/M/100 with the same total load
/// (one queue, Erlang C with c = 100, a = 90: a lower bound, as no dispatcher beats a
/// shared queue) and the power-of-two limit (fewer choices, a higher W). Negative
/// control: random routing (M/M/1 per pod, W = 100 ms) falls outside the same bounds.
#[test]
fn least_connections_lies_between_erlang_c_and_power_of_two() {
    let (lambda, mu) = (90.0, 100.0);
    let lo = mmc_response(100, 100.0 * lambda, mu);
    let hi = supermarket_response(2, lambda, mu);
    let m = hundred_pods("least-connections", 22);
    m.assert_clean(9.5e5);
    within("least connections", m.mean_latency(), lo, hi).unwrap();
    m.littles_law(1.0).unwrap();
    let random = hundred_pods("random", 22);
    assert!(within("random in the same bounds", random.mean_latency(), lo, hi).is_err());
}

/// The supermarket sum reproduces the reference's d = 2, λ = 0.9 value (2.6141), and
/// Little's law on the fixed point's tail fractions s_i = λ^{(d^i − 1)/(d − 1)} (mean
/// queue Σ s_i per pod, W = Σ s_i / λ) gives the same W.
#[test]
fn supermarket_formula_matches_its_worked_value() {
    assert!((supermarket_response(2, 0.9, 1.0) - 2.6141).abs() < 1e-4);
    for (d, lambda) in [(2u32, 0.9f64), (3, 0.9), (2, 0.5), (4, 0.7)] {
        let dd = f64::from(d);
        let queue: f64 = (1..40)
            .map(|i| lambda.powf((dd.powi(i) - 1.0) / (dd - 1.0)))
            .sum();
        assert!((queue / lambda - supermarket_response(d, lambda, 1.0)).abs() < 1e-12);
    }
}
