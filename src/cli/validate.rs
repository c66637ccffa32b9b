//! `kubesim validate`: parse and check a scenario, no run.

use super::ValidateArgs;
use crate::Error;

/// Validates the scenario and prints what it describes.
pub fn validate(args: &ValidateArgs) -> Result<(), Error> {
    let overrides = super::run::overrides(
        args.seed,
        args.duration.as_deref(),
        args.scheduler.as_deref(),
        args.lb.as_deref(),
    )?;
    let s = crate::scenario::load_with(&args.scenario, overrides)?;
    if !args.quiet {
        for w in &s.warnings {
            eprintln!("note: {w}");
        }
        let deployments = s.workloads.iter().filter(|w| w.run_time.is_none()).count();
        println!(
            "{}: valid scenario `{}`: {} nodes in {} pools, {} deployments, {} job entries",
            args.scenario.display(),
            s.name,
            s.nodes.len(),
            s.pools.len(),
            deployments,
            s.workloads.len() - deployments
        );
    }
    Ok(())
}
