//! `simulation.cpuLoad` of a Deployment: the cpu its pods share, in cores, over time.

use super::Refs;
use crate::autoscaling::spec::{CpuLoad, LoadCurve, LoadUnit};
use crate::scenario::limits::{MAX_CLUSTER_AMOUNT, MAX_USAGE_FRACTION};
use crate::scenario::schema::{ScenarioDoc, ScenarioEventDoc};
use crate::scenario::traffic::{RateCsvDoc, Unit};
use crate::scenario::units::SimDuration;
use crate::scenario::validate::{Ctx, R};
use serde::Deserialize;

/// `simulation.cpuLoad` of a Deployment: exactly one shape, in cores.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuLoadDoc {
    /// The same load throughout.
    pub constant: Option<f64>,
    /// A daily cosine.
    pub diurnal: Option<CpuDiurnalDoc>,
    /// Piecewise constant.
    pub steps: Option<Vec<CpuStepDoc>>,
    /// A base load with one burst.
    pub spike: Option<CpuSpikeDoc>,
    /// A series replayed from a CSV file (`rateColumn` holds cores).
    pub rate_csv: Option<RateCsvDoc>,
    /// `cores` (default: the total the pods share) or `fractionOfRequest` (each pod's).
    pub unit: Option<String>,
}

/// `cpuLoad.diurnal`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuDiurnalDoc {
    /// The highest load, cores.
    pub peak: f64,
    /// The lowest load, half a period from the peak, cores.
    pub trough: f64,
    /// When the load peaks.
    pub peak_at: SimDuration,
    /// The cycle (default 24h).
    pub period: Option<SimDuration>,
}

/// One entry of `cpuLoad.steps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuStepDoc {
    /// When the load changes.
    pub at: SimDuration,
    /// The load from then on, cores.
    pub value: f64,
}

/// `cpuLoad.spike`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuSpikeDoc {
    /// The load outside the spike, cores.
    pub base: f64,
    /// The load during the spike, cores.
    pub value: f64,
    /// When the spike begins.
    pub at: SimDuration,
    /// How long it lasts.
    pub duration: SimDuration,
}

/// The largest load a curve may reach, cores: what the largest cluster could hold.
const MAX_CORES: f64 = (MAX_CLUSTER_AMOUNT / 1000) as f64;

/// A number of cores, finite, >= 0 and within [`MAX_CORES`].
fn cores(cx: &Ctx, path: &str, v: f64) -> R<f64> {
    if v.is_finite() && (0.0..=MAX_CORES).contains(&v) {
        Ok(v)
    } else {
        cx.err(
            path,
            format!("{v}: must be a number of cores >= 0 (at most {MAX_CORES:.0})"),
        )
    }
}

/// `simulation.cpuLoad` of every Deployment; refused on Jobs and on `rollout` events.
pub(super) fn cpu_loads(cx: &mut Ctx, doc: &ScenarioDoc, refs: &Refs) -> R<Vec<Option<CpuLoad>>> {
    for (i, j) in doc.workloads.jobs.iter().enumerate() {
        if j.simulation.cpu_load.is_some() {
            return cx.err(
                format!("workloads.jobs[{i}].simulation.cpuLoad"),
                "is a setting of Deployments only: a Job's pods use their simulation.usage \
                 fraction of the request; move cpuLoad to a Deployment",
            );
        }
    }
    for (k, e) in doc.events.iter().enumerate() {
        if let ScenarioEventDoc::Rollout(r) = e {
            if r.simulation.as_ref().is_some_and(|s| s.cpu_load.is_some()) {
                return cx.err(
                    format!("events[{k}].simulation.cpuLoad"),
                    "is a setting of the Deployment (the load its pods share, whatever their \
                     version), not of a version; set it in the Deployment's `simulation:`",
                );
            }
        }
    }
    let mut out = Vec::with_capacity(doc.workloads.deployments.len());
    for (i, d) in doc.workloads.deployments.iter().enumerate() {
        let Some(c) = &d.simulation.cpu_load else {
            out.push(None);
            continue;
        };
        let path = format!("workloads.deployments[{i}].simulation.cpuLoad");
        if d.simulation.usage.contains_key("cpu") {
            return cx.err(
                format!("workloads.deployments[{i}].simulation.usage.cpu"),
                "and simulation.cpuLoad both set the pods' cpu usage: keep one (cpuLoad shares a \
                 total among the pods; usage is a fixed fraction of each pod's request)",
            );
        }
        let t = &refs.templates[refs.workloads[i].template as usize];
        if let Some(s) = refs
            .services
            .iter()
            .find(|s| s.selects(&t.namespace, &t.labels))
        {
            return cx.err(
                path,
                format!(
                    "Service `{}` selects these pods, so its requests already use their cpu; \
                     a cpuLoad as well would count the load twice: pick one (cpuLoad, or the \
                     Service's traffic)",
                    s.name
                ),
            );
        }
        let unit = match &c.unit {
            None => LoadUnit::Cores,
            Some(u) => match super::one_of(cx, &format!("{path}.unit"), u, &LoadUnit::NAMES)? {
                "cores" => LoadUnit::Cores,
                _ => LoadUnit::FractionOfRequest,
            },
        };
        let curve = curve(cx, &path, c)?;
        if unit == LoadUnit::FractionOfRequest {
            let peak = curve.peak();
            if peak > MAX_USAGE_FRACTION {
                return cx.err(
                    format!("{path}.unit"),
                    format!(
                        "fractionOfRequest: the curve reaches {peak}, above the largest usage \
                         fraction, {MAX_USAGE_FRACTION} (usage = fraction × request); scale it down \
                         or use unit: cores"
                    ),
                );
            }
        }
        out.push(Some(CpuLoad { curve, unit }));
    }
    Ok(out)
}

/// The one shape of a `cpuLoad`.
fn curve(cx: &mut Ctx, path: &str, c: &CpuLoadDoc) -> R<LoadCurve> {
    let given = [
        ("constant", c.constant.is_some()),
        ("diurnal", c.diurnal.is_some()),
        ("steps", c.steps.is_some()),
        ("spike", c.spike.is_some()),
        ("rateCsv", c.rate_csv.is_some()),
    ];
    let names: Vec<&str> = given.iter().filter(|g| g.1).map(|g| g.0).collect();
    let [name] = names[..] else {
        let what = if names.is_empty() {
            "no shape".to_string()
        } else {
            format!("{} shapes ({})", names.len(), names.join(", "))
        };
        return cx.err(
            path,
            format!(
                "has {what}: give exactly one of `constant`, `diurnal`, `steps`, `spike` or \
                 `rateCsv`"
            ),
        );
    };
    let spath = format!("{path}.{name}");
    let curve = if let Some(v) = c.constant {
        LoadCurve::Constant(cores(cx, &spath, v)?)
    } else if let Some(d) = &c.diurnal {
        let peak = cores(cx, &format!("{spath}.peak"), d.peak)?;
        let trough = cores(cx, &format!("{spath}.trough"), d.trough)?;
        LoadCurve::Diurnal(crate::scenario::traffic::diurnal(
            cx,
            &spath,
            (peak, trough),
            d.peak_at,
            d.period,
            0,
            Unit::Cores,
        )?)
    } else if let Some(list) = &c.steps {
        let mut pairs = Vec::with_capacity(list.len());
        for (k, s) in list.iter().enumerate() {
            pairs.push((s.at, cores(cx, &format!("{spath}[{k}].value"), s.value)?));
        }
        LoadCurve::Steps(crate::scenario::traffic::steps(
            cx,
            &spath,
            &pairs,
            Unit::Cores,
        )?)
    } else if let Some(s) = &c.spike {
        let base = cores(cx, &format!("{spath}.base"), s.base)?;
        let value = cores(cx, &format!("{spath}.value"), s.value)?;
        LoadCurve::Steps(crate::scenario::traffic::spike(
            cx,
            &spath,
            (base, value),
            s.at,
            s.duration,
        )?)
    } else if let Some(r) = &c.rate_csv {
        let steps = crate::scenario::traffic::rate_csv(cx, &spath, r, 0, Unit::Cores)?;
        let peak = steps.peak_rate();
        cores(cx, &format!("{spath}.scale"), peak)?;
        LoadCurve::Steps(steps)
    } else {
        return cx.err(path, "has no shape");
    };
    Ok(curve)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ok, scenario};
    use crate::autoscaling::spec::LoadCurve;
    use crate::engine::time::{NANOS_PER_SEC, Nanos};
    use crate::traffic::arrivals::{Diurnal, Step, Steps};

    const S: Nanos = NANOS_PER_SEC;

    #[test]
    fn cpu_load_shapes_map_to_curves_in_cores() {
        let pools = "[{name: n, count: 2, capacity: {cpu: 4, memory: 16Gi}}]";
        let load = |c: &str| {
            ok(pools, &format!("{{cpuLoad: {c}}}"), "").workloads[0]
                .cpu_load
                .clone()
                .expect("a cpuLoad")
                .curve
        };
        assert_eq!(
            load("{diurnal: {peak: 12, trough: 2, peakAt: 14h}}"),
            LoadCurve::Diurnal(Diurnal {
                peak: 12.0,
                trough: 2.0,
                peak_at: 14 * 3600 * S,
                period: 24 * 3600 * S,
                start: 0,
            })
        );
        assert_eq!(
            load("{steps: [{at: 0s, value: 2}, {at: 1h, value: 8.5}]}"),
            LoadCurve::Steps(Steps {
                steps: vec![
                    Step { at: 0, rate: 2.0 },
                    Step {
                        at: 3600 * S,
                        rate: 8.5
                    }
                ],
                end: None,
            })
        );
        // 2 cores, 10 from 1h for 10 min, then 2 again.
        let spike = load("{spike: {base: 2, value: 10, at: 1h, duration: 10m}}");
        assert_eq!(spike.value_at(0), 2.0);
        assert_eq!(spike.value_at(3600 * S), 10.0);
        assert_eq!(spike.value_at(4200 * S - 1), 10.0);
        assert_eq!(spike.value_at(4200 * S), 2.0);
        // The sample trace's first rows are 1, 1.5 (× 2 cores): hand-read from the file.
        let csv = load(
            "{rateCsv: {file: scenarios/traces/genai-qps-sample.csv, timeColumn: t_rel_s, \
             rateColumn: api_qps, scale: 2}}",
        );
        assert_eq!(csv.value_at(0), 2.0);
        assert_eq!(csv.value_at(57 * S), 3.0);
    }

    #[test]
    fn cpu_load_messages_speak_of_cores() {
        let pools = "[{name: n, count: 2, capacity: {cpu: 4, memory: 16Gi}}]";
        let refused = |c: &str| match scenario(pools, &format!("{{cpuLoad: {c}}}"), "") {
            Ok(_) => panic!("{c} was accepted"),
            Err(e) => e,
        };
        let e = refused("{diurnal: {peak: 1, trough: 2, peakAt: 0s}}");
        assert!(e.contains("(1 cores), not 2 cores"), "{e}");
        let e = refused("{steps: [{at: 0s, value: 0}]}");
        assert!(e.contains("every step has value 0"), "{e}");
        let e = refused("{constant: -1}");
        assert!(
            e.contains("cpuLoad.constant: -1: must be a number of cores"),
            "{e}"
        );
        let e = refused("{constant: 1, spike: {base: 1, value: 2, at: 0s, duration: 1s}}");
        assert!(e.contains("2 shapes (constant, spike)"), "{e}");
    }
}
