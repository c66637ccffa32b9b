//! The command line: clap definitions and one module per subcommand.

pub mod compare;
pub mod explain;
pub mod run;
pub mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// kubesim: a deterministic discrete-event simulator of Kubernetes-style clusters.
///
/// Describe a cluster and its workloads in a YAML scenario, run it, and read the CSV
/// metrics. The same binary, scenario and seed give byte-identical output files.
#[derive(Debug, Parser)]
#[command(name = "kubesim", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write its metrics.
    ///
    /// Writes timeseries.csv, deployments.csv, services.csv, autoscaling.csv, events.csv,
    /// pods.csv, summary.csv and run.json to --out (default results/<scenario name>/) and
    /// prints a short report.
    Run(RunArgs),
    /// Check a scenario without running it.
    ///
    /// Exits 0 if the scenario is valid, 2 (with the file, line and column or field path
    /// and what is allowed) if it is not.
    Validate(ValidateArgs),
    /// Compare variants (scheduling policies) over seeds, with confidence intervals.
    ///
    /// Runs the scenario once per variant and seed, in parallel across runs (each run is
    /// the deterministic simulation `run` does; the files are the same bytes for any
    /// --jobs). Writes to --out (default results/<scenario name>-compare/):
    /// compare.csv (variant,seed,metric,value: every summary.csv figure of every run) and
    /// compare-summary.csv (per variant and metric: mean, stddev, 95% CI by Student's t,
    /// and the difference from the baseline, the first variant, paired by seed with its
    /// 95% CI). Prints a table of the headline figures; `*` marks a difference whose
    /// interval excludes 0. Every seed gives every variant the same arrivals (common random
    /// numbers), which is what makes the paired differences sharp.
    #[command(after_long_help = COMPARE_EXAMPLES)]
    Compare(CompareArgs),
    /// Show why a pod goes where it does: every filter and score on every node.
    ///
    /// Replays the run to the last event at or before --at (default 0) and evaluates the
    /// pod on every node as the scheduler would then, without drawing a random number or
    /// changing anything the run does afterwards. NAME is a pod (`<owner>-<n>` as in
    /// pods.csv: Pending then, already placed, or created later, in which case the replay
    /// goes on to its creation) or a workload (a new pod of its template).
    ///
    /// Writes filters.csv (node,plugin,passed,reason) and scores.csv
    /// (node,plugin,score,normalized_score,weight,weighted_score,in_sample, with a `total`
    /// row per feasible node) to --out (default results/<scenario>-explain-<NAME>/), then
    /// lets the replay go on until the pod is bound and prints where it went and the top
    /// candidates.
    ///
    /// Example:
    ///
    ///   kubesim explain scenarios/quickstart.yaml --pod batch-10-0 --at 95s
    #[command(verbatim_doc_comment)]
    Explain(ExplainArgs),
}

const COMPARE_EXAMPLES: &str = "\
Examples:
  kubesim compare scenarios/quickstart.yaml --vary scheduler=default,most-allocated --seeds 1-10
  kubesim compare scenarios/quickstart.yaml --vary scheduler=default,first-fit,best-fit \\
      --seeds 1,2,3 --jobs 2 --duration 5m --out /tmp/cmp";

/// `kubesim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// Seed of every random stream, overriding the scenario's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder [default: results/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Placement policy of the default scheduler profile, replacing the scenario's
    /// `scheduler.policy`: default, most-allocated, requested-to-capacity-ratio,
    /// first-fit, random, round-robin, best-fit, worst-fit, dominant-resource-fit, tetris,
    /// or the schedulerName of one of the scenario's profiles.
    #[arg(long)]
    pub scheduler: Option<String>,
    /// Load balancer of every Service, replacing the scenarios' `simulation.loadBalancer`
    /// (see `kubesim compare --help` for the names).
    #[arg(long)]
    pub lb: Option<String>,
    /// End the run at this simulated time instead of the scenario's `duration`
    /// (e.g. 90s, 10m, 1h30m).
    #[arg(long)]
    pub duration: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `kubesim validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// Check with this seed, as `run --seed` would run it.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Check with this duration, as `run --duration` would run it (e.g. 90s, 10m).
    #[arg(long)]
    pub duration: Option<String>,
    /// Check with this scheduler policy, as `run --scheduler` would run it.
    #[arg(long)]
    pub scheduler: Option<String>,
    /// Check with this load balancer, as `run --lb` would run it.
    #[arg(long)]
    pub lb: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `kubesim compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// What to vary: DIM=V1,V2,… with DIM one of: scheduler (a policy name such as
    /// default, most-allocated, first-fit, best-fit, or a profile of the scenario), lb
    /// (the load balancer of every Service: round-robin, random, weighted-round-robin,
    /// least-connections, power-of-two, power-of-<d>, ring-hash, maglev, iptables,
    /// ipvs-rr, ipvs-lc, ipvs-sed, ipvs-nq). The first value is the baseline. Repeat for another dimension to compare every
    /// combination.
    #[arg(long, required = true, value_name = "DIM=V1,V2,...")]
    pub vary: Vec<String>,
    /// Seeds to run each variant with: a range (1-10, inclusive), a list (1,2,5) or one
    /// seed [default: the scenario's seed].
    #[arg(long, value_name = "SEEDS")]
    pub seeds: Option<String>,
    /// Runs in parallel [default: the available cores]. Does not change any output byte.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Output folder [default: results/<scenario name>-compare/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// End every run at this simulated time instead of the scenario's `duration`
    /// (e.g. 90s, 10m, 1h30m).
    #[arg(long)]
    pub duration: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `kubesim explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// The pod (`<owner>-<n>`) or workload to explain.
    #[arg(long, value_name = "NAME")]
    pub pod: String,
    /// Replay to this simulated time first (e.g. 0s, 90s, 10m) [default: 0s].
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Output folder [default: results/<scenario name>-explain-<NAME>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed of every random stream, overriding the scenario's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Placement policy of the default profile, as `run --scheduler`.
    #[arg(long)]
    pub scheduler: Option<String>,
}

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> Result<(), crate::Error> {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate::validate(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Explain(args) => explain::explain(&args),
    }
}
