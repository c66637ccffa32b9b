//! `kubesim run`: run a scenario, write its files, print a report.

use super::RunArgs;
use crate::engine::time::Nanos;
use crate::metrics::format::format_seconds;
use crate::scenario::units::SimDuration;
use crate::{Error, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A progress bar on stderr, drawn only on a terminal and only once a run has taken more
/// than a moment, so short runs and piped output stay clean.
struct Bar {
    started: Instant,
    bar: Option<ProgressBar>,
    enabled: bool,
}

impl Progress for Bar {
    fn update(&mut self, now: Nanos, end: Option<Nanos>, events: u64) {
        if !self.enabled || self.started.elapsed() < Duration::from_millis(500) {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            // Without a duration the end is unknown: a spinner and the simulated time.
            let (len, template) = match end {
                Some(e) => (
                    Some(e / 1_000_000_000),
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} s simulated {msg}",
                ),
                None => (
                    None,
                    "{spinner} [{elapsed_precise}] {pos} s simulated {msg}",
                ),
            };
            let b = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b
        });
        bar.set_position(now / 1_000_000_000);
        bar.set_message(format!("({events} events)"));
    }
}

/// The command-line overrides of `run` and `validate`, checked (the scheduler policy is
/// checked with the scenario, which may name its own profiles).
pub fn overrides(
    seed: Option<u64>,
    duration: Option<&str>,
    scheduler: Option<&str>,
    lb: Option<&str>,
) -> Result<crate::scenario::Overrides, Error> {
    if let Some(lb) = lb {
        crate::traffic::load_balancers::LbSpec::parse(lb)
            .map_err(|m| Error::Usage(format!("--lb: {m}")))?;
    }
    let duration = match duration {
        Some(d) => {
            let d = SimDuration::parse(d).map_err(|m| Error::Usage(format!("--duration: {m}")))?;
            if d.as_nanos() == 0 {
                return Err(Error::Usage("--duration: must be more than 0s".into()));
            }
            Some(d)
        }
        None => None,
    };
    Ok(crate::scenario::Overrides {
        seed,
        duration,
        scheduler: scheduler.map(str::to_string),
        lb: lb.map(str::to_string),
    })
}

/// Loads, runs and reports.
pub fn run(args: &RunArgs) -> Result<(), Error> {
    let overrides = overrides(
        args.seed,
        args.duration.as_deref(),
        args.scheduler.as_deref(),
        args.lb.as_deref(),
    )?;
    let scenario = crate::scenario::load_with(&args.scenario, overrides)?;
    if !args.quiet {
        for w in &scenario.warnings {
            eprintln!("note: {w}");
        }
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
    let mut bar = Bar {
        started: Instant::now(),
        bar: None,
        enabled: !args.quiet && std::io::stderr().is_terminal(),
    };
    let started = Instant::now();
    let result = crate::run(&scenario, Some(&out), Some(&mut bar));
    if let Some(b) = bar.bar.take() {
        b.finish_and_clear();
    }
    let result = result?;
    let wall = started.elapsed().as_secs_f64();
    if !args.quiet {
        let get = |k: &str| {
            result
                .get(k)
                .filter(|v| !v.is_empty())
                .unwrap_or("-")
                .to_string()
        };
        println!("scenario      {} (seed {})", scenario.name, scenario.seed);
        println!("simulated     {} s", format_seconds(result.end));
        println!(
            "events        {} in {:.3} s wall ({:.2} M events/s)",
            result.events,
            wall,
            result.events as f64 / wall.max(1e-9) / 1e6
        );
        println!(
            "pods          {} created, {} scheduled, {} pending at the end, {} finished",
            result.pods_created, result.pods_scheduled, result.pods_pending, result.pods_finished
        );
        println!(
            "time pending  mean {} s, p99 {} s (pods that got a node)",
            get("pending_mean_s"),
            get("pending_p99_s")
        );
        if !scenario.services.is_empty() {
            println!(
                "requests      {} arrived, {} completed, {} rejected, {} failed (services.csv)",
                get("requests_arrived"),
                get("requests_completed"),
                get("requests_rejected"),
                get("requests_failed")
            );
        }
        if !scenario.hpas.is_empty() {
            let rescales: Vec<String> = scenario
                .hpas
                .iter()
                .map(|h| format!("{} {}", h.name, get(&format!("hpa_rescales[{}]", h.name))))
                .collect();
            println!("hpa rescales  {} (autoscaling.csv)", rescales.join(", "));
        }
        if scenario.cluster_autoscaler.is_some() {
            println!(
                "nodes         {} added, {} removed, {} never registered by the cluster autoscaler",
                get("autoscaler_nodes_added"),
                get("autoscaler_nodes_removed"),
                get("autoscaler_provisioning_failures")
            );
        }
        if scenario.pools.iter().any(|p| p.price_per_hour.is_some()) {
            println!(
                "cost          {} for {} node-hours",
                get("cost"),
                get("node_hours")
            );
        }
        if result.pods_pending > 0 {
            println!(
                "note          {} pods never found a node; see pod_unschedulable in events.csv",
                result.pods_pending
            );
        }
        println!("output        {}", out.display());
    }
    Ok(())
}
