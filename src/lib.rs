//! kubesim: a deterministic discrete-event simulator of Kubernetes-style clusters.
//!
//! Load a scenario with [`scenario::load`], run it with [`run`], read the figures from the
//! returned [`RunResult`] or the CSV files it writes. The same binary, scenario and seed
//! give byte-identical output files.

#![warn(missing_docs)]

pub mod autoscaling;
pub mod cli;
pub mod cluster;
pub mod controllers;
pub mod engine;
pub mod error;
pub mod explain;
pub mod metrics;
pub mod scenario;
pub mod scheduler;
pub mod traffic;

pub use engine::sim::{Outcome, Progress, Simulation};
pub use error::Error;
pub use scenario::Scenario;

use cluster::pod::PodPhase;
use engine::time::Nanos;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The figures of a finished run.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// When the run ended.
    pub end: Nanos,
    /// Events processed.
    pub events: u64,
    /// The rows of `summary.csv`.
    pub summary: Vec<(String, String)>,
    /// Pods created.
    pub pods_created: u64,
    /// Pods ever bound to a node.
    pub pods_scheduled: u64,
    /// Pods still waiting for a node at the end.
    pub pods_pending: u64,
    /// Pods that ended (Succeeded, Failed or Deleted).
    pub pods_finished: u64,
}

impl RunResult {
    /// A summary figure by name.
    pub fn get(&self, metric: &str) -> Option<&str> {
        self.summary
            .iter()
            .find(|(k, _)| k == metric)
            .map(|(_, v)| v.as_str())
    }
}

fn create(dir: &Path, name: &str) -> Result<BufWriter<File>, Error> {
    let path = dir.join(name);
    File::create(&path)
        .map(|f| BufWriter::with_capacity(1 << 16, f))
        .map_err(|e| Error::Output(format!("{}: {e}", path.display())))
}

/// The files a run writes.
pub const OUTPUT_FILES: [&str; 8] = [
    "timeseries.csv",
    "deployments.csv",
    "services.csv",
    "autoscaling.csv",
    "events.csv",
    "pods.csv",
    "summary.csv",
    "run.json",
];

/// Runs `scenario`. With `out_dir`, writes [`OUTPUT_FILES`] there (creating the folder);
/// without, computes the figures only. A run that fails leaves none of the files behind,
/// so a folder never mixes files of different runs.
pub fn run(
    scenario: &Scenario,
    out_dir: Option<&Path>,
    progress: Option<&mut dyn Progress>,
) -> Result<RunResult, Error> {
    Run::start(scenario, out_dir)?.finish(progress)
}

/// Best effort: on failure the run's own error is what the user needs to see.
fn remove_outputs(dir: &Path) {
    for f in OUTPUT_FILES {
        let _ = std::fs::remove_file(dir.join(f));
    }
}

/// A run in progress: [`run`] in two halves, so that a caller can stop the simulation at
/// a time, look at it and carry on (the test that `kubesim explain` changes nothing does).
/// It writes the same files as [`run`]; `events.csv` and `timeseries.csv` are streamed as
/// it goes, the rest at [`Run::finish`].
pub struct Run<'s> {
    scenario: &'s Scenario,
    out_dir: Option<&'s Path>,
    sim: Simulation<'s>,
}

impl<'s> Run<'s> {
    /// Builds the simulation of `scenario`, opening its streamed files in `out_dir`
    /// (created if needed, cleared of an earlier run's files).
    pub fn start(scenario: &'s Scenario, out_dir: Option<&'s Path>) -> Result<Run<'s>, Error> {
        let sim = open(scenario, out_dir);
        if let (Err(_), Some(dir)) = (&sim, out_dir) {
            remove_outputs(dir);
        }
        Ok(Run {
            scenario,
            out_dir,
            sim: sim?,
        })
    }

    /// The simulation, to step or inspect.
    pub fn sim(&mut self) -> &mut Simulation<'s> {
        &mut self.sim
    }

    /// Runs the rest of the scenario and writes the remaining files. On failure none of
    /// the files is left behind.
    pub fn finish(self, progress: Option<&mut dyn Progress>) -> Result<RunResult, Error> {
        let out_dir = self.out_dir;
        let result = self.finish_inner(progress);
        if let (Err(_), Some(dir)) = (&result, out_dir) {
            remove_outputs(dir);
        }
        result
    }

    fn finish_inner(self, progress: Option<&mut dyn Progress>) -> Result<RunResult, Error> {
        let (scenario, out_dir) = (self.scenario, self.out_dir);
        let mut outcome = self.sim.run(progress)?;
        let mut summary = metrics::output::summary(
            scenario,
            &outcome.cluster,
            &mut outcome.recorder,
            outcome.end,
            outcome.events,
            outcome.served_requests,
        );
        summary.append(&mut outcome.traffic_summary);
        summary.append(&mut outcome.autoscaling_summary);
        if let Some(dir) = out_dir {
            let mut pods = create(dir, "pods.csv")?;
            metrics::output::write_pods(&outcome.cluster, &mut pods).map_err(Error::output)?;
            pods.flush().map_err(Error::output)?;
            let mut s = create(dir, "summary.csv")?;
            metrics::output::write_summary(&summary, &mut s).map_err(Error::output)?;
            s.flush().map_err(Error::output)?;
            std::fs::write(dir.join("run.json"), metrics::output::run_json(scenario))
                .map_err(Error::output)?;
        }
        let c = &outcome.cluster;
        Ok(RunResult {
            end: outcome.end,
            events: outcome.events,
            summary,
            pods_created: c.pods_created(),
            pods_scheduled: outcome.recorder.pods_scheduled,
            pods_pending: c.count(PodPhase::Pending),
            pods_finished: c.count(PodPhase::Succeeded)
                + c.count(PodPhase::Failed)
                + c.count(PodPhase::Deleted),
        })
    }
}

/// The simulation of `scenario`, streaming its events and time series to files in
/// `out_dir`, or nowhere.
fn open<'s>(scenario: &'s Scenario, out_dir: Option<&Path>) -> Result<Simulation<'s>, Error> {
    let (events, timeseries): (Box<dyn Write>, Box<dyn Write>) = match out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Output(format!("{}: {e}", dir.display())))?;
            // Files of an earlier run must not survive next to this run's.
            remove_outputs(dir);
            (
                Box::new(create(dir, "events.csv")?),
                Box::new(create(dir, "timeseries.csv")?),
            )
        }
        None => (Box::new(std::io::sink()), Box::new(std::io::sink())),
    };
    let mut sim = Simulation::new(scenario, events, timeseries).map_err(Error::output)?;
    if let Some(dir) = out_dir {
        sim.write_deployments_to(Box::new(create(dir, "deployments.csv")?))
            .map_err(Error::output)?;
        sim.write_services_to(Box::new(create(dir, "services.csv")?))
            .map_err(Error::output)?;
        sim.write_autoscaling_to(Box::new(create(dir, "autoscaling.csv")?))
            .map_err(Error::output)?;
    }
    Ok(sim)
}
