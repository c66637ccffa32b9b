//! `simulation.traffic` of a Service: the arrival process and the keys of its external
//! requests.

use super::csv_input::CsvInput;
use super::units::{Rate, SimDuration};
use super::validate::{Ctx, R, check_list};
use crate::engine::time::{NANOS_PER_SEC, Nanos, secs_to_nanos};
use crate::traffic::arrivals::{
    ArrivalSpec, Diurnal, MarkovModulated, MmppState, Replay, SizeDemand, Step, Steps, TrafficSpec,
};
use crate::traffic::keys::KeySpec;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// Most requests a process may be expected to send over the run.
pub const MAX_EXPECTED_REQUESTS: f64 = 1e10;
/// Most rows of a trace file (`rateCsv`, `requestCsv`).
pub const MAX_TRACE_ROWS: u64 = 10_000_000;
/// Default `diurnal.period`: a day.
pub const DEFAULT_DIURNAL_PERIOD: Nanos = 24 * 3600 * NANOS_PER_SEC;
/// A time step of a rate series longer than this many median steps is a gap.
pub const GAP_FACTOR: u64 = 3;
/// How many line numbers a warning about a trace lists.
const LINES_SHOWN: usize = 5;
/// The processes, in the order messages list them.
const PROCESSES: &str = "`constant`, `poisson`, `diurnal`, `steps`, `spike`, `markovModulated`, \
                         `rateCsv` or `requestCsv`";

/// `simulation.traffic`: exactly one arrival process, and optional keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrafficDoc {
    /// Evenly spaced arrivals at this rate.
    pub constant: Option<Rate>,
    /// A Poisson process at this rate.
    pub poisson: Option<Rate>,
    /// A Poisson process whose rate follows a daily cosine.
    pub diurnal: Option<DiurnalDoc>,
    /// A piecewise-constant rate.
    pub steps: Option<Vec<StepDoc>>,
    /// A base rate with one burst.
    pub spike: Option<SpikeDoc>,
    /// A Markov-modulated Poisson process.
    pub markov_modulated: Option<MmppDoc>,
    /// A rate series replayed from a CSV file.
    pub rate_csv: Option<RateCsvDoc>,
    /// Request times (and sizes) replayed from a CSV file.
    pub request_csv: Option<RequestCsvDoc>,
    /// When the traffic starts (default 0s).
    pub start: Option<SimDuration>,
    /// The keys requests carry (default: every request its own).
    pub keys: Option<KeysDoc>,
}

/// `diurnal`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DiurnalDoc {
    /// The highest rate.
    pub peak: Rate,
    /// The lowest rate, half a period from the peak (may be 0).
    pub trough: RateOrZero,
    /// When the rate peaks.
    pub peak_at: SimDuration,
    /// The cycle (default 24h).
    pub period: Option<SimDuration>,
}

/// One entry of `steps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StepDoc {
    /// When the rate changes.
    pub at: SimDuration,
    /// The rate from then on (may be 0).
    pub rate: RateOrZero,
}

/// `spike`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpikeDoc {
    /// The rate outside the spike (may be 0).
    pub base: RateOrZero,
    /// The rate during the spike.
    pub rate: Rate,
    /// When the spike begins.
    pub at: SimDuration,
    /// How long it lasts.
    pub duration: SimDuration,
}

/// `markovModulated`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MmppDoc {
    /// The states, visited cyclically.
    pub states: Vec<MmppStateDoc>,
    /// The index of the first state (default 0).
    pub initial: Option<u64>,
}

/// One state of `markovModulated`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MmppStateDoc {
    /// Requests per second in the state (may be 0).
    pub rate: RateOrZero,
    /// Mean time in the state.
    pub mean_duration: SimDuration,
}

/// `rateCsv`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RateCsvDoc {
    /// The CSV file, relative to the scenario file.
    pub file: String,
    /// The column of times in seconds (default `time_s`).
    pub time_column: Option<String>,
    /// The column of rates in requests per second.
    pub rate_column: String,
    /// Multiplies every rate (default 1).
    pub scale: Option<f64>,
    /// What a blank cell or a gap means (default `hold`).
    pub missing: Option<MissingDoc>,
}

/// `rateCsv.missing`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum MissingDoc {
    /// The last known rate continues.
    Hold,
    /// No requests.
    Zero,
}

/// `requestCsv`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequestCsvDoc {
    /// The CSV file, relative to the scenario file.
    pub file: String,
    /// The column of timestamps (default `time_s`).
    pub time_column: Option<String>,
    /// The column of request sizes.
    pub size_column: Option<String>,
    /// How a size becomes a demand (with `sizeColumn`).
    pub demand: Option<SizeDemandDoc>,
    /// Divides every time (2 replays twice as fast; default 1).
    pub time_scale: Option<f64>,
    /// Replays the trace over and over (default false).
    #[serde(rename = "loop")]
    pub repeat: Option<bool>,
}

/// `requestCsv.demand`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SizeDemandDoc {
    /// Demand of every request.
    pub base: SimDuration,
    /// Demand per unit of size.
    pub per_unit: SimDuration,
}

/// `keys`: how request keys are distributed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeysDoc {
    /// Uniform over this many keys.
    pub uniform: Option<u64>,
    /// Zipf's law.
    pub zipf: Option<ZipfDoc>,
}

/// `keys.zipf`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ZipfDoc {
    /// How many keys.
    pub keys: u64,
    /// The exponent s: key k+1 is (k+1)^s times rarer than key 0.
    pub exponent: f64,
}

/// A rate that may be zero: `0`, `0/s`, or any [`Rate`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateOrZero(
    /// Events per second, >= 0.
    pub f64,
);

impl<'de> Deserialize<'de> for RateOrZero {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RateOrZeroVisitor)
    }
}

/// Serde visitor for [`RateOrZero`].
struct RateOrZeroVisitor;

impl RateOrZeroVisitor {
    fn parse(s: &str) -> Result<RateOrZero, String> {
        if s == "0" {
            return Ok(RateOrZero(0.0));
        }
        match s.split_once('/') {
            // Zero per some unit: the unit must still be one a rate takes.
            Some((count, per)) if count.parse::<f64>() == Ok(0.0) => {
                Rate::parse(&format!("1/{per}")).map(|_| RateOrZero(0.0))
            }
            _ => Rate::parse(s)
                .map(|r| RateOrZero(r.per_second()))
                .map_err(|e| format!("{e} (or 0)")),
        }
    }
}

impl Visitor<'_> for RateOrZeroVisitor {
    type Value = RateOrZero;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a rate such as \"20/s\" or \"3/min\", or 0")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RateOrZero, E> {
        Self::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RateOrZero, E> {
        if v == 0 {
            Ok(RateOrZero(0.0))
        } else {
            Err(E::custom(format!(
                "the bare number {v} is not a rate: write it with a unit, e.g. \"{v}/s\", or 0"
            )))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RateOrZero, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(format!("{v} is not a rate: rates are >= 0"))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RateOrZero, E> {
        if v == 0.0 {
            Ok(RateOrZero(0.0))
        } else {
            Err(E::custom(format!(
                "the bare number {v} is not a rate: write it with a unit, e.g. \"{v}/s\""
            )))
        }
    }
}

/// Validates `doc` (at `path`) into the model; `duration` is the scenario's.
pub(super) fn traffic(
    cx: &mut Ctx,
    path: &str,
    doc: &TrafficDoc,
    duration: Option<Nanos>,
) -> R<TrafficSpec> {
    let given = [
        ("constant", doc.constant.is_some()),
        ("poisson", doc.poisson.is_some()),
        ("diurnal", doc.diurnal.is_some()),
        ("steps", doc.steps.is_some()),
        ("spike", doc.spike.is_some()),
        ("markovModulated", doc.markov_modulated.is_some()),
        ("rateCsv", doc.rate_csv.is_some()),
        ("requestCsv", doc.request_csv.is_some()),
    ];
    let names: Vec<&str> = given.iter().filter(|g| g.1).map(|g| g.0).collect();
    let [name] = names[..] else {
        let what = if names.is_empty() {
            "no arrival process".to_string()
        } else {
            format!("{} arrival processes ({})", names.len(), names.join(", "))
        };
        return cx.err(path, format!("has {what}: give exactly one of {PROCESSES}"));
    };
    let ppath = format!("{path}.{name}");
    let start = doc.start.map_or(0, SimDuration::as_nanos);
    if doc.start.is_some() && matches!(name, "steps" | "spike") {
        return cx.err(
            format!("{path}.start"),
            format!("`{name}` times are absolute: leave out `start` and shift the `at` times"),
        );
    }
    let mut size_demand = None;
    let process = if let Some(r) = doc.constant {
        ArrivalSpec::Constant {
            rate: r.per_second(),
            start,
        }
    } else if let Some(r) = doc.poisson {
        ArrivalSpec::Poisson {
            rate: r.per_second(),
            start,
        }
    } else if let Some(d) = &doc.diurnal {
        ArrivalSpec::Diurnal(diurnal(
            cx,
            &ppath,
            (d.peak.per_second(), d.trough.0),
            d.peak_at,
            d.period,
            start,
            Unit::RequestsPerSecond,
        )?)
    } else if let Some(s) = &doc.steps {
        let pairs: Vec<(SimDuration, f64)> = s.iter().map(|s| (s.at, s.rate.0)).collect();
        ArrivalSpec::Steps(steps(cx, &ppath, &pairs, Unit::RequestsPerSecond)?)
    } else if let Some(s) = &doc.spike {
        ArrivalSpec::Steps(spike(
            cx,
            &ppath,
            (s.base.0, s.rate.per_second()),
            s.at,
            s.duration,
        )?)
    } else if let Some(m) = &doc.markov_modulated {
        mmpp(cx, &ppath, m, start, duration)?
    } else if let Some(r) = &doc.rate_csv {
        ArrivalSpec::Steps(rate_csv(cx, &ppath, r, start, Unit::RequestsPerSecond)?)
    } else if let Some(r) = &doc.request_csv {
        let (replay, demand) = request_csv(cx, &ppath, r, start)?;
        size_demand = demand;
        replay
    } else {
        return cx.err(path, format!("give exactly one of {PROCESSES}"));
    };
    if let Some(end) = duration {
        let expected = process.mean_rate(end) * end as f64 / NANOS_PER_SEC as f64;
        if expected > MAX_EXPECTED_REQUESTS {
            return cx.err(
                ppath,
                format!(
                    "would send about {expected:.3e} requests over the run's duration; the most \
                     is {MAX_EXPECTED_REQUESTS:.0e}: lower the rate or shorten `duration`"
                ),
            );
        }
    }
    let keys = keys(cx, &format!("{path}.keys"), doc.keys.as_ref())?;
    Ok(TrafficSpec {
        process,
        keys,
        size_demand,
    })
}

/// What a curve measures, so that the `diurnal`, `steps`, `spike` and `rateCsv`
/// converters serve request rates and CPU load alike and each message names its unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Unit {
    /// Requests per second (`simulation.traffic`).
    RequestsPerSecond,
    /// Cores (`simulation.cpuLoad`).
    Cores,
}

impl Unit {
    /// What the values are called in messages.
    fn noun(self) -> &'static str {
        match self {
            Unit::RequestsPerSecond => "rate",
            Unit::Cores => "load",
        }
    }

    /// `v` with its unit.
    fn show(self, v: f64) -> String {
        match self {
            Unit::RequestsPerSecond => format!("{v}/s"),
            Unit::Cores => format!("{v} cores"),
        }
    }

    /// The key of a step's value.
    fn step_key(self) -> &'static str {
        match self {
            Unit::RequestsPerSecond => "rate",
            Unit::Cores => "value",
        }
    }

    /// A one-step example.
    fn step_example(self) -> &'static str {
        match self {
            Unit::RequestsPerSecond => "[{at: 0s, rate: 100/s}]",
            Unit::Cores => "[{at: 0s, value: 2}]",
        }
    }

    /// What a curve at 0 throughout would mean.
    fn nothing(self) -> &'static str {
        match self {
            Unit::RequestsPerSecond => "no request would arrive",
            Unit::Cores => "the pods would have no load (use `constant: 0` for that)",
        }
    }
}

/// `diurnal`: `(peak, trough)` in `unit`, from `start`.
pub(super) fn diurnal(
    cx: &Ctx,
    path: &str,
    (peak, trough): (f64, f64),
    peak_at: SimDuration,
    period: Option<SimDuration>,
    start: Nanos,
    unit: Unit,
) -> R<Diurnal> {
    if trough > peak {
        return cx.err(
            format!("{path}.trough"),
            format!(
                "must be at most `peak` ({}), not {}",
                unit.show(peak),
                unit.show(trough)
            ),
        );
    }
    let period = period.map_or(DEFAULT_DIURNAL_PERIOD, SimDuration::as_nanos);
    if period == 0 {
        return cx.err(
            format!("{path}.period"),
            "must be longer than 0 (default 24h, one day)",
        );
    }
    Ok(Diurnal {
        peak,
        trough,
        peak_at: peak_at.as_nanos(),
        period,
        start,
    })
}

/// `steps`: `(at, value in unit)` pairs.
pub(super) fn steps(cx: &Ctx, path: &str, list: &[(SimDuration, f64)], unit: Unit) -> R<Steps> {
    check_list(cx, path, list)?;
    if list.is_empty() {
        return cx.err(
            path,
            format!("needs at least one step, e.g. {}", unit.step_example()),
        );
    }
    for (i, w) in list.windows(2).enumerate() {
        if w[1].0.as_nanos() <= w[0].0.as_nanos() {
            return cx.err(
                format!("{path}[{}].at", i + 1),
                format!(
                    "must be later than steps[{i}].at ({}): list the steps in time order, \
                     each at a different time",
                    w[0].0
                ),
            );
        }
    }
    if list.iter().all(|s| s.1 == 0.0) {
        return cx.err(
            path,
            format!(
                "every step has {} 0, so {}",
                unit.step_key(),
                unit.nothing()
            ),
        );
    }
    Ok(Steps {
        steps: list
            .iter()
            .map(|&(at, rate)| Step {
                at: at.as_nanos(),
                rate,
            })
            .collect(),
        end: None,
    })
}

/// `spike`: `(base, value during the spike)` from `at` for `duration`.
pub(super) fn spike(
    cx: &Ctx,
    path: &str,
    (base, value): (f64, f64),
    at: SimDuration,
    duration: SimDuration,
) -> R<Steps> {
    if duration.as_nanos() == 0 {
        return cx.err(format!("{path}.duration"), "must be longer than 0");
    }
    Ok(Steps::spike(
        base,
        value,
        at.as_nanos(),
        duration.as_nanos(),
    ))
}

/// `markovModulated`.
fn mmpp(
    cx: &Ctx,
    path: &str,
    m: &MmppDoc,
    start: Nanos,
    duration: Option<Nanos>,
) -> R<ArrivalSpec> {
    let spath = format!("{path}.states");
    check_list(cx, &spath, &m.states)?;
    if m.states.is_empty() {
        return cx.err(
            spath,
            "needs at least one state, e.g. [{rate: 100/s, meanDuration: 60s}]",
        );
    }
    for (i, s) in m.states.iter().enumerate() {
        if s.mean_duration.as_nanos() == 0 {
            return cx.err(
                format!("{spath}[{i}].meanDuration"),
                "must be longer than 0",
            );
        }
    }
    if m.states.iter().all(|s| s.rate.0 == 0.0) {
        return cx.err(spath, "every state has rate 0, so no request would arrive");
    }
    let initial = m.initial.unwrap_or(0);
    let Some(initial) = usize::try_from(initial)
        .ok()
        .filter(|&i| i < m.states.len())
    else {
        return cx.err(
            format!("{path}.initial"),
            format!(
                "must be the index of a state, from 0 to {}",
                m.states.len() - 1
            ),
        );
    };
    let states: Vec<MmppState> = m
        .states
        .iter()
        .map(|s| MmppState {
            rate: s.rate.0,
            mean_duration: s.mean_duration.as_secs_f64(),
        })
        .collect();
    if let Some(end) = duration {
        // Every switch is an event too: bound them as requests are bounded.
        let cycle: f64 = states.iter().map(|s| s.mean_duration).sum();
        let switches = end as f64 / NANOS_PER_SEC as f64 / cycle * states.len() as f64;
        if switches > MAX_EXPECTED_REQUESTS {
            return cx.err(
                spath,
                format!(
                    "would switch state about {switches:.3e} times over the run; the most is \
                     {MAX_EXPECTED_REQUESTS:.0e}: lengthen the meanDurations"
                ),
            );
        }
    }
    Ok(ArrivalSpec::MarkovModulated(MarkovModulated {
        states,
        initial,
        start,
    }))
}

/// A number > 0 and finite, or the error at `path`.
fn positive(cx: &Ctx, path: &str, v: Option<f64>, what: &str) -> R<f64> {
    match v {
        None => Ok(1.0),
        Some(v) if v.is_finite() && v > 0.0 => Ok(v),
        Some(v) => cx.err(
            path,
            format!("must be a finite number > 0 ({what}; default 1), not {v}"),
        ),
    }
}

/// `1 cell` or `3 cells`.
fn counted(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `line 7` or `lines 7, 9, …` (up to [`LINES_SHOWN`] of them), for a message.
fn first_lines(lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(LINES_SHOWN).map(u64::to_string).collect();
    let more = if lines.len() > LINES_SHOWN {
        ", …"
    } else {
        ""
    };
    let word = if lines.len() == 1 { "line" } else { "lines" };
    format!("{word} {}{more}", shown.join(", "))
}

/// `rateCsv`: a series of values in `unit`, piecewise constant between rows.
pub(super) fn rate_csv(
    cx: &mut Ctx,
    path: &str,
    r: &RateCsvDoc,
    start: Nanos,
    unit: Unit,
) -> R<Steps> {
    let noun = unit.noun();
    let scale = positive(
        cx,
        &format!("{path}.scale"),
        r.scale,
        "multiplies every rate",
    )?;
    let missing = r.missing.unwrap_or(MissingDoc::Hold);
    let fpath = format!("{path}.file");
    let mut input = CsvInput::open(cx, &fpath, &r.file)?;
    let time_name = r.time_column.as_deref().unwrap_or("time_s");
    let tcol = input.column(cx, &fpath, time_name, "timeColumn")?;
    let rcol = input.column(cx, &fpath, &r.rate_column, "rateColumn")?;
    let shown = input.shown.clone();
    // (line, seconds, rate if the cell holds one)
    let mut rows: Vec<(u64, f64, Option<f64>)> = Vec::new();
    input.rows(cx, &fpath, MAX_TRACE_ROWS, "rows", |line, rec| {
        let cell = rec.get(tcol).unwrap_or("").trim();
        let t = match cell.parse::<f64>() {
            Ok(t) if t.is_finite() => t,
            _ => {
                return cx.err(
                    &fpath,
                    format!("`{shown}` line {line}: time `{cell}` is not a number of seconds"),
                );
            }
        };
        if let Some(&(prev_line, prev, _)) = rows.last()
            && t <= prev
        {
            return cx.err(
                &fpath,
                format!(
                    "`{shown}` line {line}: time {t} is not after line {prev_line}'s {prev}; \
                     rows must be in increasing time order"
                ),
            );
        }
        let cell = rec.get(rcol).unwrap_or("").trim();
        let rate = match cell.parse::<f64>() {
            Ok(v) if v.is_nan() => None,
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            Ok(v) => {
                return cx.err(
                    &fpath,
                    format!("`{shown}` line {line}: {noun} {v} must be a finite number >= 0"),
                );
            }
            Err(_) => None,
        };
        rows.push((line, t, rate));
        Ok(())
    })?;
    if rows.len() < 2 {
        return cx.err(
            &fpath,
            format!("`{shown}` needs at least two rows: a {noun} holds until the next row's time"),
        );
    }
    if rows.iter().all(|r| r.2.is_none()) {
        return cx.err(
            &fpath,
            format!(
                "`{shown}` has no number in column `{}`: every {noun} cell is blank or not a number",
                r.rate_column
            ),
        );
    }
    let t0 = rows[0].1;
    let at = |secs: f64| start.saturating_add(secs_to_nanos(secs - t0));
    let mut gaps: Vec<Nanos> = rows.windows(2).map(|w| at(w[1].1) - at(w[0].1)).collect();
    let mid = gaps.len() / 2;
    let median = *gaps.select_nth_unstable(mid).1;
    let gap_limit = median.saturating_mul(GAP_FACTOR);

    let mut steps = Vec::with_capacity(rows.len());
    let mut blank_lines = Vec::new();
    let mut gap_lines = Vec::new();
    let mut last_rate = 0.0;
    for (i, &(line, secs, rate)) in rows.iter().enumerate() {
        let from = at(secs);
        let rate = match (rate, missing) {
            (Some(v), _) => v * scale,
            (None, MissingDoc::Hold) => {
                blank_lines.push(line);
                last_rate
            }
            (None, MissingDoc::Zero) => {
                blank_lines.push(line);
                0.0
            }
        };
        steps.push(Step { at: from, rate });
        last_rate = rate;
        if let Some(&(next_line, next, _)) = rows.get(i + 1)
            && at(next) - from > gap_limit
        {
            gap_lines.push(next_line);
            if missing == MissingDoc::Zero && rate > 0.0 {
                steps.push(Step {
                    at: from + median,
                    rate: 0.0,
                });
            }
        }
    }
    if steps.iter().all(|s| s.rate == 0.0) {
        return cx.err(
            &fpath,
            format!("`{shown}` column `{}` has no {noun} above 0", r.rate_column),
        );
    }
    let policy = match missing {
        MissingDoc::Hold => format!("held the previous {noun} (missing: hold)"),
        MissingDoc::Zero => format!("used {noun} 0 (missing: zero)"),
    };
    if !blank_lines.is_empty() {
        cx.warnings.insert(format!(
            "{path}: `{shown}` has {} in column `{}` ({}); {policy}",
            counted(blank_lines.len(), "blank or non-numeric cell"),
            r.rate_column,
            first_lines(&blank_lines)
        ));
    }
    if !gap_lines.is_empty() {
        let what = match missing {
            MissingDoc::Hold => format!("held the {noun} across each gap (missing: hold)"),
            MissingDoc::Zero => format!("used {noun} 0 after one median step (missing: zero)"),
        };
        cx.warnings.insert(format!(
            "{path}: `{shown}` has {} longer than {GAP_FACTOR} × the median step of {} s \
             (before {}); {what}",
            counted(gap_lines.len(), "gap"),
            median as f64 / NANOS_PER_SEC as f64,
            first_lines(&gap_lines)
        ));
    }
    let end = steps
        .last()
        .map(|s| s.at.saturating_add(median))
        .unwrap_or(start);
    Ok(Steps {
        steps,
        end: Some(end),
    })
}

/// A timestamp: nanoseconds since 1970-01-01 00:00:00 UTC for a datetime, or since 0 for
/// a number of seconds; the flag says which, so that a file cannot mix them.
fn timestamp(cell: &str) -> Option<(i128, bool)> {
    if cell.contains('-') && cell.contains(':') {
        return datetime_nanos(cell).map(|t| (t, true));
    }
    let secs: f64 = cell.parse().ok()?;
    (secs.is_finite() && secs.abs() < 1e12).then(|| ((secs * 1e9).round() as i128, false))
}

/// Parses `YYYY-MM-DD HH:MM:SS[.fffffffff]` (or with `T`), UTC, into nanoseconds since the
/// Unix epoch. Days come from Howard Hinnant's `days_from_civil`.
pub(super) fn datetime_nanos(s: &str) -> Option<i128> {
    let (date, time) = s.split_once([' ', 'T'])?;
    let mut d = date.splitn(3, '-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let (hms, frac) = match time.split_once('.') {
        Some((hms, frac)) => (hms, frac),
        None => (time, ""),
    };
    let mut t = hms.splitn(3, ':');
    let hour: u32 = t.next()?.parse().ok()?;
    let minute: u32 = t.next()?.parse().ok()?;
    let second: u32 = t.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day == 0 || day > month_days[month as usize - 1] {
        return None;
    }
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_ns: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i128>().ok()? * 10i128.pow(9 - frac.len() as u32)
    };
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = i128::from(days) * 86_400
        + i128::from(hour) * 3600
        + i128::from(minute) * 60
        + i128::from(second);
    Some(secs * 1_000_000_000 + frac_ns)
}

/// `requestCsv`: request times (and sizes) replayed.
fn request_csv(
    cx: &Ctx,
    path: &str,
    r: &RequestCsvDoc,
    start: Nanos,
) -> R<(ArrivalSpec, Option<SizeDemand>)> {
    let time_scale = positive(
        cx,
        &format!("{path}.timeScale"),
        r.time_scale,
        "divides every time: 2 replays twice as fast",
    )?;
    let size_demand = match (&r.size_column, &r.demand) {
        (Some(_), Some(d)) => Some(SizeDemand {
            base: d.base.as_secs_f64(),
            per_unit: d.per_unit.as_secs_f64(),
        }),
        (None, None) => None,
        (Some(_), None) => {
            return cx.err(
                format!("{path}.demand"),
                "is required with `sizeColumn`: how a size becomes a demand, e.g. \
                 {base: 5ms, perUnit: 1ms} (demand = base + perUnit × size)",
            );
        }
        (None, Some(_)) => {
            return cx.err(
                format!("{path}.sizeColumn"),
                "is required with `demand`: the column of request sizes",
            );
        }
    };
    let fpath = format!("{path}.file");
    let mut input = CsvInput::open(cx, &fpath, &r.file)?;
    let time_name = r.time_column.as_deref().unwrap_or("time_s");
    let tcol = input.column(cx, &fpath, time_name, "timeColumn")?;
    let scol = match &r.size_column {
        Some(name) => Some(input.column(cx, &fpath, name, "sizeColumn")?),
        None => None,
    };
    let shown = input.shown.clone();
    let mut times = Vec::new();
    let mut sizes = scol.map(|_| Vec::new());
    // (first row's time and kind, previous row's time and line)
    let mut first: Option<(i128, bool)> = None;
    let mut prev: (i128, u64) = (0, 0);
    input.rows(cx, &fpath, MAX_TRACE_ROWS, "rows", |line, rec| {
        let cell = rec.get(tcol).unwrap_or("").trim();
        let Some((t, is_date)) = timestamp(cell) else {
            return cx.err(
                &fpath,
                format!(
                    "`{shown}` line {line}: `{cell}` is neither seconds nor a datetime \
                     YYYY-MM-DD HH:MM:SS[.fffffff]"
                ),
            );
        };
        let (t0, first_is_date) = *first.get_or_insert((t, is_date));
        if is_date != first_is_date {
            return cx.err(
                &fpath,
                format!("`{shown}` line {line}: `{cell}` mixes datetimes and seconds"),
            );
        }
        if t < prev.0 {
            return cx.err(
                &fpath,
                format!(
                    "`{shown}` line {line}: `{cell}` is earlier than line {}; requests must be \
                     in time order (sort the file by `{time_name}`)",
                    prev.1
                ),
            );
        }
        prev = (t, line);
        let rel = (t - t0) as f64 / time_scale;
        if rel > crate::scenario::limits::MAX_DURATION_NANOS as f64 {
            return cx.err(
                &fpath,
                format!("`{shown}` line {line}: the trace spans more than 100 years"),
            );
        }
        times.push(rel.round() as Nanos);
        if let (Some(col), Some(sizes)) = (scol, sizes.as_mut()) {
            let cell = rec.get(col).unwrap_or("").trim();
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => sizes.push(v),
                _ => {
                    return cx.err(
                        &fpath,
                        format!("`{shown}` line {line}: size `{cell}` is not a number >= 0"),
                    );
                }
            }
        }
        Ok(())
    })?;
    if times.is_empty() {
        return cx.err(&fpath, format!("`{shown}` has no rows"));
    }
    let period = if r.repeat.unwrap_or(false) {
        match Replay::lap(&times) {
            Some(p) => Some(p),
            None => {
                return cx.err(
                    format!("{path}.loop"),
                    "a loop needs at least two rows at different times",
                );
            }
        }
    } else {
        None
    };
    Ok((
        ArrivalSpec::Replay(Replay {
            times,
            sizes,
            start,
            period,
        }),
        size_demand,
    ))
}

/// `keys`.
fn keys(cx: &Ctx, path: &str, doc: Option<&KeysDoc>) -> R<KeySpec> {
    let Some(doc) = doc else {
        return Ok(KeySpec::Unique);
    };
    match (doc.uniform, &doc.zipf) {
        (Some(0), None) => cx.err(format!("{path}.uniform"), "must be at least 1"),
        (Some(k), None) => Ok(KeySpec::Uniform { keys: k }),
        (None, Some(z)) => KeySpec::zipf(z.keys, z.exponent)
            .or_else(|(field, m)| cx.err(format!("{path}.zipf.{field}"), m)),
        _ => cx.err(
            path,
            "give exactly one of `uniform: K` or `zipf: {keys: K, exponent: s}` (or leave \
             `keys` out: every request its own key)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::StreamKey;
    use crate::traffic::arrivals::{Arrival, Source};
    use std::path::{Path, PathBuf};

    const S: Nanos = NANOS_PER_SEC;

    /// A scenario with one LoadBalancer Service whose `traffic:` is `traffic` (flow YAML).
    fn scenario(traffic: &str) -> Result<crate::Scenario, String> {
        let text = format!(
            "apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: traffic}}
duration: 1h
cluster:
  nodePools: [{{name: pool, count: 1, capacity: {{cpu: 4, memory: 16Gi}}}}]
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        replicas: 1
        template:
          metadata: {{labels: {{app: web}}}}
          spec:
            containers: [{{name: app, resources: {{requests: {{cpu: 500m, memory: 512Mi}}}}}}]
services:
  - metadata: {{name: web}}
    spec: {{type: LoadBalancer, selector: {{app: web}}}}
    simulation:
      demand: 10ms
      traffic: {traffic}
"
        );
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        crate::scenario::load_str(&text, "test.yaml", &root).map_err(|e| e.to_string())
    }

    fn spec(traffic: &str) -> TrafficSpec {
        let s = scenario(traffic).unwrap_or_else(|e| panic!("{e}"));
        s.services[0].traffic.clone().expect("traffic")
    }

    fn refused(traffic: &str) -> String {
        match scenario(traffic) {
            Ok(_) => panic!("`{traffic}` was accepted"),
            Err(e) => e,
        }
    }

    /// Every arrival of `spec` (which must end).
    fn arrivals(spec: &ArrivalSpec, seed: u64) -> Vec<Arrival> {
        let mut rng = StreamKey::new(seed, "arrivals/web").rng();
        let mut src = Source::new(spec);
        std::iter::from_fn(|| src.next(&mut rng)).collect()
    }

    #[test]
    fn simple_processes_map_to_the_model() {
        assert_eq!(
            spec("{poisson: 900/s, start: 5s}").process,
            ArrivalSpec::Poisson {
                rate: 900.0,
                start: 5 * S
            }
        );
        let d = spec("{diurnal: {peak: 20/s, trough: 0, peakAt: 14h}}").process;
        assert_eq!(
            d,
            ArrivalSpec::Diurnal(Diurnal {
                peak: 20.0,
                trough: 0.0,
                peak_at: 14 * 3600 * S,
                period: DEFAULT_DIURNAL_PERIOD,
                start: 0
            })
        );
        let st =
            spec("{steps: [{at: 0s, rate: 100/s}, {at: 10m, rate: 0/s}, {at: 20m, rate: 3/min}]}");
        assert_eq!(
            st.process,
            ArrivalSpec::Steps(Steps {
                steps: vec![
                    Step { at: 0, rate: 100.0 },
                    Step {
                        at: 600 * S,
                        rate: 0.0
                    },
                    Step {
                        at: 1200 * S,
                        rate: 0.05
                    }
                ],
                end: None
            })
        );
        let sp = spec("{spike: {base: 100/s, rate: 1000/s, at: 10m, duration: 1m}}").process;
        assert_eq!(
            sp,
            ArrivalSpec::Steps(Steps::spike(100.0, 1000.0, 600 * S, 60 * S))
        );
        let m = spec(
            "{markovModulated: {states: [{rate: 100/s, meanDuration: 60s}, \
             {rate: 1000/s, meanDuration: 10s}], initial: 1}, start: 1s}",
        )
        .process;
        let ArrivalSpec::MarkovModulated(m) = m else {
            panic!("{m:?}")
        };
        assert_eq!((m.initial, m.start, m.states.len()), (1, S, 2));
        assert_eq!(m.states[1].mean_duration, 10.0);
        assert!(matches!(
            spec("{poisson: 1/s, keys: {zipf: {keys: 10, exponent: 1.1}}}").keys,
            KeySpec::Zipf { .. }
        ));
        assert_eq!(
            spec("{poisson: 1/s, keys: {uniform: 4}}").keys,
            KeySpec::Uniform { keys: 4 }
        );
        assert_eq!(spec("{constant: 1/s}").keys, KeySpec::Unique);
    }

    #[test]
    fn zero_rates_parse_only_where_allowed() {
        for zero in ["0", "\"0\"", "0/s", "0/min", "0.0/h"] {
            let s = spec(&format!(
                "{{steps: [{{at: 0s, rate: 1/s}}, {{at: 1s, rate: {zero}}}]}}"
            ));
            let ArrivalSpec::Steps(st) = s.process else {
                panic!()
            };
            assert_eq!(st.steps[1].rate, 0.0, "{zero}");
        }
        assert!(refused("{steps: [{at: 0s, rate: 0/parsec}]}").contains("unknown unit"));
        assert!(refused("{steps: [{at: 0s, rate: 5}]}").contains("not a rate"));
        assert!(refused("{steps: [{at: 0s, rate: -1/s}]}").contains("rate"));
        assert!(refused("{poisson: 0/s}").contains("greater than zero"));
        assert!(refused("{steps: [{at: 0s, rate: 0}]}").contains("rate 0"));
        assert!(refused("{diurnal: {peak: 1/s, trough: 2/s, peakAt: 0s}}").contains("trough"));
        assert!(
            refused("{diurnal: {peak: 1/s, trough: 0, peakAt: 0s, period: 0s}}").contains("period")
        );
        assert!(refused("{steps: [{at: 0s, rate: 1/s}], start: 1s}").contains("absolute"));
        assert!(refused("{poisson: 100000000/s}").contains("requests over the run"));
    }

    /// ∫ rate dt of `scenarios/traces/genai-qps-sample.csv`'s `api_qps`, worked out from the
    /// file: rows every 57 s at (i mod 7)·0.5 + 1 per second, except that row 5 is blank
    /// (held: 3.0 instead of 3.5), row 10 (2.5/s) holds over the 342 s gap to row 11, and the
    /// last row holds one median step (57 s). Σ = 4816.5 requests.
    const SAMPLE_HOLD: f64 = 4816.5;
    /// The same with `missing: zero`: row 5 is 0 (−3.0·57) and row 10 holds 57 s of its 342
    /// (−2.5·285): 4816.5 − 171 − 712.5.
    const SAMPLE_ZERO: f64 = 3933.0;

    fn rate_sample(extra: &str) -> (Vec<String>, ArrivalSpec) {
        let s = scenario(&format!(
            "{{rateCsv: {{file: scenarios/traces/genai-qps-sample.csv, timeColumn: t_rel_s, \
             rateColumn: api_qps{extra}}}}}"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let t = s.services[0].traffic.clone().expect("traffic");
        (s.warnings, t.process)
    }

    #[test]
    fn rate_csv_sample_reports_blanks_and_gaps_and_matches_its_integral() {
        let (warnings, process) = rate_sample(", scale: 10");
        let joined = warnings.join("\n");
        assert!(
            joined.contains("1 blank or non-numeric cell") && joined.contains("line 7"),
            "{joined}"
        );
        assert!(
            joined.contains("1 gap ") && joined.contains("before line 13"),
            "{joined}"
        );
        // The series ends one median step after the last row (1938 s + 57 s).
        assert!((process.mean_rate(1995 * S) * 1995.0 - 10.0 * SAMPLE_HOLD).abs() < 1e-6);
        let n = arrivals(&process, 1).len() as f64;
        assert!(arrivals(&process, 1).last().expect("some").at < 1995 * S);
        let expected = 10.0 * SAMPLE_HOLD;
        assert!(
            (n - expected).abs() < 4.0 * expected.sqrt(),
            "{n} vs {expected}"
        );
        // Negative control: a 5 % different scale's expectation is rejected.
        assert!((n - 1.05 * expected).abs() > 4.0 * expected.sqrt());
        // Doubling the scale doubles the count.
        let (_, doubled) = rate_sample(", scale: 20");
        let n2 = arrivals(&doubled, 2).len() as f64;
        assert!(
            (n2 - 2.0 * expected).abs() < 4.0 * (2.0 * expected).sqrt(),
            "{n2}"
        );

        let (warnings, zero) = rate_sample(", scale: 10, missing: zero");
        assert!(warnings.iter().any(|w| w.contains("missing: zero")));
        let nz = arrivals(&zero, 3).len() as f64;
        let ez = 10.0 * SAMPLE_ZERO;
        assert!((nz - ez).abs() < 4.0 * ez.sqrt(), "{nz} vs {ez}");
    }

    /// The sample's times relative to its first row, in units of 100 µs (as the file was
    /// written: 2023-11-16 18:59:58 plus these offsets).
    const AZURE_SAMPLE_OFFSETS: [u64; 50] = [
        0, 20000, 51416, 71416, 83761, 96106, 97356, 98606, 106106, 113606, 116106, 120106, 122606,
        122606, 126606, 138951, 140201, 142701, 142701, 146701, 149201, 180617, 212033, 224378,
        225628, 226878, 258294, 289710, 289710, 290960, 294960, 296210, 297460, 298710, 301210,
        321210, 352626, 356626, 359126, 363126, 370626, 378126, 379376, 379376, 391721, 423137,
        425637, 433137, 434387, 454387,
    ];

    fn azure_sample(extra: &str) -> TrafficSpec {
        spec(&format!(
            "{{requestCsv: {{file: scenarios/traces/azure-llm-sample.csv, timeColumn: TIMESTAMP\
             {extra}}}}}"
        ))
    }

    #[test]
    fn request_csv_replays_the_sample_exactly() {
        let t = azure_sample(", sizeColumn: GeneratedTokens, demand: {base: 5ms, perUnit: 1ms}");
        let a = arrivals(&t.process, 1);
        let at: Vec<Nanos> = a.iter().map(|x| x.at).collect();
        let expected: Vec<Nanos> = AZURE_SAMPLE_OFFSETS.iter().map(|o| o * 100_000).collect();
        assert_eq!(at, expected);
        let sizes: Vec<f64> = a.iter().take(5).map(|x| x.size.expect("size")).collect();
        assert_eq!(sizes, vec![352.0, 146.0, 150.0, 74.0, 430.0]);
        let d = t.size_demand.expect("demand");
        assert!((d.seconds(352.0) - 0.357).abs() < 1e-12);

        // Twice as fast, from 1 min, in a loop.
        let t = azure_sample(", timeScale: 2, loop: true");
        let ArrivalSpec::Replay(r) = &t.process else {
            panic!()
        };
        assert_eq!(r.times[1], 1_000_000_000);
        assert!(r.period.is_some() && r.sizes.is_none());
        let t = spec(
            "{requestCsv: {file: scenarios/traces/azure-llm-sample.csv, timeColumn: TIMESTAMP}, \
             start: 1m}",
        );
        assert_eq!(arrivals(&t.process, 1)[1].at, 62 * S);
    }

    #[test]
    fn datetimes_parse_by_hand_computed_seconds() {
        // 1 700 000 000 s is 2023-11-14 22:13:20 UTC; + 92 800 s is 2023-11-16 00:00:00.
        assert_eq!(
            datetime_nanos("2023-11-16 00:00:00"),
            Some(1_700_092_800 * 1_000_000_000)
        );
        assert_eq!(datetime_nanos("1970-01-01 00:00:00.0000001"), Some(100));
        let d = |a: &str, b: &str| {
            datetime_nanos(b).expect("b parses") - datetime_nanos(a).expect("a parses")
        };
        // Across an hour: 0.1 s before 19:00 to 0.1 s after.
        assert_eq!(
            d("2023-11-16 18:59:59.9000000", "2023-11-16 19:00:00.1000000"),
            200_000_000
        );
        // Across a minute: 18:15:46.6805900 to 18:16:01.25 is 14.5694100 s.
        assert_eq!(
            d("2023-11-16 18:15:46.6805900", "2023-11-16 18:16:01.25"),
            14_569_410_000
        );
        // Across a year, and 29 February of a leap year.
        assert_eq!(
            d("2023-12-31 23:59:59.5", "2024-01-01T00:00:00.25"),
            750_000_000
        );
        assert_eq!(
            d("2024-02-28 12:00:00", "2024-03-01 12:00:00"),
            2 * 86_400 * 1_000_000_000
        );
        for bad in [
            "2023-02-29 00:00:00",
            "2023-13-01 00:00:00",
            "2023-11-16 24:00:00",
            "2023-11-16 10:60:00",
            "2023-11-16 10:00:00.1234567890",
            "2023-11-16",
        ] {
            assert_eq!(datetime_nanos(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_real_genai_series_reports_its_blanks_and_gaps_when_present() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/traces/alibaba-genai-2026/qps_aggregated.csv");
        let Ok(text) = std::fs::read_to_string(&file) else {
            println!("skipped: {} is absent", file.display());
            return;
        };
        // Count independently: blank `api_qps` cells (third field) and steps of `t_rel_s`
        // (second field) longer than 3 × the 57 s grid the trace's README states.
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        let blanks = rows.iter().filter(|r| r[2].trim().is_empty()).count();
        let times: Vec<f64> = rows
            .iter()
            .map(|r| r[1].parse().expect("t_rel_s"))
            .collect();
        let gaps = times
            .windows(2)
            .filter(|w| w[1] - w[0] > 3.0 * 57.0)
            .count();
        assert!(blanks > 0 && gaps > 0);
        let s = scenario(&format!(
            "{{rateCsv: {{file: '{}', timeColumn: t_rel_s, rateColumn: api_qps, scale: 1000}}}}",
            file.display()
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let all = s.warnings.join("\n");
        assert!(
            all.contains(&format!("{blanks} blank or non-numeric cells")),
            "{blanks}: {all}"
        );
        assert!(
            all.contains(&format!("{gaps} gaps longer")),
            "{gaps}: {all}"
        );
    }

    #[test]
    fn the_real_azure_trace_replays_when_present() {
        let dir =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/traces/azure-llm-inference-2023");
        let file = dir.join("AzureLLMInferenceTrace_conv.csv");
        if !file.exists() {
            println!("skipped: {} is absent", file.display());
            return;
        }
        let t = spec(&format!(
            "{{requestCsv: {{file: '{}', timeColumn: TIMESTAMP, sizeColumn: GeneratedTokens, \
             demand: {{base: 5ms, perUnit: 1ms}}}}}}",
            file.display()
        ));
        let a = arrivals(&t.process, 1);
        assert_eq!(a.len(), 19_366);
        // First 18:15:46.6805900, last 19:14:08.4025270: 848.4025270 s after 19:00 plus
        // 2653.3194100 s before it.
        assert_eq!(a.last().expect("arrivals").at, 3_501_721_937_000);
        assert!(a.iter().all(|x| x.size.is_some()));
    }
}
