//! The command line: clap definitions and one module per subcommand.

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
    /// Writes timeseries.csv, events.csv, pods.csv, summary.csv and run.json to --out
    /// (default results/<scenario name>/) and prints a short report.
    Run(RunArgs),
    /// Check a scenario without running it.
    ///
    /// Exits 0 if the scenario is valid, 2 (with the file, line and column or field path
    /// and what is allowed) if it is not.
    Validate(ValidateArgs),
}

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
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> Result<(), crate::Error> {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate::validate(&args),
    }
}
