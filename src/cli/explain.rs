//! `kubesim explain`: replay a run to a time and show why a pod goes where it does.

use super::ExplainArgs;
use crate::Error;
use crate::engine::time::Nanos;
use crate::explain::{Explanation, Fate, Subject};
use crate::metrics::format::format_seconds;
use crate::scenario::units::SimDuration;
use crate::scheduler::config::Baseline;
use std::path::PathBuf;

/// Candidates the table shows.
const TOP: usize = 10;

/// Loads, replays, explains, writes `filters.csv` and `scores.csv`, prints the report.
pub fn explain(args: &ExplainArgs) -> Result<(), Error> {
    let at = match &args.at {
        Some(t) => SimDuration::parse(t)
            .map_err(|m| Error::Usage(format!("--at: {m}")))?
            .as_nanos(),
        None => 0,
    };
    let overrides = super::run::overrides(args.seed, None, args.scheduler.as_deref(), None)?;
    let scenario = crate::scenario::load_with(&args.scenario, overrides)?;
    for w in &scenario.warnings {
        eprintln!("note: {w}");
    }
    if let Some(end) = scenario.duration.filter(|&end| at > end) {
        return Err(Error::Usage(format!(
            "--at: {} s is after the end of the run ({} s)",
            format_seconds(at),
            format_seconds(end)
        )));
    }
    // The replay writes nothing: explain's files are its own.
    let mut sim = crate::Simulation::new(
        &scenario,
        Box::new(std::io::sink()),
        Box::new(std::io::sink()),
    )
    .map_err(Error::output)?;
    let e = crate::explain::explain(&mut sim, &args.pod, at)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("{}-explain-{}", scenario.name, args.pod))
    });
    e.write_files(&out)?;
    print!("{}", report(&e, &out.display().to_string()));
    Ok(())
}

/// The printed report: what was evaluated, where the pod went, and the top candidates.
pub fn report(e: &Explanation, out: &str) -> String {
    let mut s = String::new();
    let mut line = |k: &str, v: &str| s.push_str(&format!("{k:<15}{v}\n"));
    let secs = |t: Nanos| format!("{} s", format_seconds(t));
    let (what, when) = match &e.subject {
        Subject::Pending { pod, created } => (
            format!("{pod} (Pending since {})", secs(*created)),
            format!(
                "{}, the state after the last event at or before --at {}",
                secs(e.evaluated_at),
                secs(e.at)
            ),
        ),
        Subject::CreatedLater { pod, created } => (
            format!(
                "{pod} (created at {}, after --at {})",
                secs(*created),
                secs(e.at)
            ),
            format!("{}, when it was created", secs(e.evaluated_at)),
        ),
        Subject::Placed { pod, phase } => (
            format!("{pod} ({} at {})", phase.as_str(), secs(e.evaluated_at)),
            format!(
                "{}, the state after the last event at or before --at {}",
                secs(e.evaluated_at),
                secs(e.at)
            ),
        ),
        Subject::Workload { workload } => (
            format!("a new pod of workload {workload}"),
            format!(
                "{}, the state after the last event at or before --at {}",
                secs(e.evaluated_at),
                secs(e.at)
            ),
        ),
    };
    line("pod", &what);
    line("profile", &e.profile);
    line("evaluated at", &when);
    line("requests", &e.requests);
    line(
        "feasible",
        &format!("{} of {} nodes", e.feasible.len(), e.nodes.len()),
    );
    if let Some(m) = &e.unschedulable {
        line("unschedulable", m);
    }
    match &e.fate {
        Fate::Bound { node, at, .. } => line("went to", &format!("{node} at {}", secs(*at))),
        Fate::Ended { phase, at } => line(
            "went to",
            &format!(
                "no node: {} at {} before it was bound",
                phase.as_str(),
                secs(*at)
            ),
        ),
        Fate::NeverBound { end } => line(
            "went to",
            &format!(
                "no node: still Pending when the run ended at {}",
                secs(*end)
            ),
        ),
        Fate::NotAPod => {}
    }
    for n in &e.notes {
        line("note", n);
    }
    line("files", &format!("{out}/filters.csv, {out}/scores.csv"));
    s.push('\n');
    match e.baseline {
        Some(b) => s.push_str(&baseline_list(e, b)),
        None => s.push_str(&table(e)),
    }
    s
}

/// The node the run bound the pod to, if any.
fn chosen(e: &Explanation) -> Option<u32> {
    match e.fate {
        Fate::Bound { index, .. } => Some(index),
        _ => None,
    }
}

/// What marks a candidate: the run's choice, a node a sampled cycle would skip.
fn marks(e: &Explanation, node: u32) -> String {
    let mut m = Vec::new();
    if chosen(e) == Some(node) {
        m.push("chosen by the run");
    }
    if !e.in_sample[node as usize] {
        m.push("not in the sample");
    }
    m.join(", ")
}

/// The top candidates by total score, each plugin's weighted part beside it; the run's
/// choice is added below when it is not among them.
fn table(e: &Explanation) -> String {
    if e.feasible.is_empty() {
        return String::new();
    }
    let mut order: Vec<usize> = (0..e.feasible.len()).collect();
    order.sort_by_key(|&k| (std::cmp::Reverse(e.totals[k]), e.feasible[k]));
    let mut rows: Vec<usize> = order.iter().copied().take(TOP).collect();
    if let Some(k) = chosen(e).and_then(|c| order.iter().position(|&k| e.feasible[k] == c))
        && k >= TOP
    {
        rows.push(order[k]);
    }
    let mut header = vec!["rank".to_string(), "node".to_string()];
    header.extend(e.parts.iter().map(|p| format!("{}×{}", p.plugin, p.weight)));
    header.push("total".to_string());
    header.push(String::new());
    let mut cells = vec![header];
    for k in rows {
        let node = e.feasible[k];
        let rank = order.iter().position(|&o| o == k).unwrap_or(0) + 1;
        let mut row = vec![rank.to_string(), e.nodes[node as usize].clone()];
        row.extend(
            e.parts
                .iter()
                .map(|p| (p.normalized[k] * p.weight).to_string()),
        );
        row.push(e.totals[k].to_string());
        row.push(marks(e, node));
        cells.push(row);
    }
    let mut s = format!(
        "top candidates (of {} feasible), by total weighted score (plugin: normalized score × weight):\n",
        e.feasible.len()
    );
    s.push_str(&columns(&cells));
    s
}

/// A baseline's rule, and the feasible nodes it chooses among.
fn baseline_list(e: &Explanation, b: Baseline) -> String {
    let rule = match b {
        Baseline::FirstFit => "the first feasible node in node order",
        Baseline::Random => "a feasible node uniformly at random, from the scheduler's stream",
        Baseline::RoundRobin => "feasible nodes in turn, continuing after the last node chosen",
        Baseline::BestFit => "the feasible node with the least capacity left after placing the pod",
        Baseline::WorstFit => "the feasible node with the most capacity left after placing the pod",
        Baseline::DominantResourceFit => {
            "the feasible node where the pod's dominant share stays lowest"
        }
        Baseline::Tetris => "the feasible node whose free capacity aligns best with the request",
    };
    let mut s = format!(
        "baseline {}: picks {rule}; it has no scores (scores.csv holds totals of 0)\n",
        b.name()
    );
    if e.feasible.is_empty() {
        return s;
    }
    s.push_str("feasible nodes, in node order:\n");
    let mut cells = vec![vec!["node".to_string(), String::new()]];
    for &n in e.feasible.iter().take(TOP) {
        cells.push(vec![e.nodes[n as usize].clone(), marks(e, n)]);
    }
    if let Some(c) = chosen(e)
        && e.feasible.iter().skip(TOP).any(|&n| n == c)
    {
        cells.push(vec![e.nodes[c as usize].clone(), marks(e, c)]);
    }
    s.push_str(&columns(&cells));
    s
}

/// Aligned columns: names left, numbers right, two spaces apart, no trailing spaces.
fn columns(cells: &[Vec<String>]) -> String {
    let n = cells.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..n)
        .map(|c| {
            cells
                .iter()
                .filter_map(|r| r.get(c))
                .map(|x| x.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for row in cells {
        let mut line = String::new();
        for (c, x) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = width[c].saturating_sub(x.chars().count());
            let numeric = !x.is_empty() && x.chars().all(|ch| ch.is_ascii_digit() || ch == '-');
            if numeric {
                line.push_str(&" ".repeat(pad));
                line.push_str(x);
            } else {
                line.push_str(x);
                line.push_str(&" ".repeat(pad));
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}
