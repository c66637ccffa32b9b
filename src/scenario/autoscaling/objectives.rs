//! `billing` and `slos`: how node time is billed and the service-level objectives.

use super::{DEFAULT_NAMESPACE, one_of};
use crate::autoscaling::spec::{Billing, LatencySlo, Slos};
use crate::scenario::closest;
use crate::scenario::limits::MAX_DURATION_NANOS;
use crate::scenario::units::SimDuration;
use crate::scenario::validate::{Ctx, R, check_list};
use crate::traffic::service::ServiceSpec;
use serde::Deserialize;

/// The percentiles a latency objective may name.
pub const SLO_PERCENTILES: [f64; 4] = [50.0, 90.0, 99.0, 99.9];

/// `billing`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BillingDoc {
    /// `perSecond` (default) or `hourly`.
    pub rounding: Option<String>,
}

/// `slos`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SlosDoc {
    /// A Job pod pending longer than this misses.
    pub job_pending_time: Option<SimDuration>,
    /// Latency objectives of Services.
    #[serde(default)]
    pub service_latency: Vec<LatencySloDoc>,
}

/// One entry of `slos.serviceLatency`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LatencySloDoc {
    /// The Service's name.
    pub service: String,
    /// Its namespace (default `default`).
    pub namespace: Option<String>,
    /// 50, 90, 99 (default) or 99.9.
    pub percentile: Option<f64>,
    /// The latency the percentile must stay under (> 0).
    pub target: SimDuration,
}

/// `billing`.
pub(super) fn billing(cx: &Ctx, doc: Option<&BillingDoc>) -> R<Billing> {
    match doc.and_then(|d| d.rounding.as_deref()) {
        None => Ok(Billing::PerSecond),
        Some(r) => match one_of(cx, "billing.rounding", r, &["perSecond", "hourly"])? {
            "perSecond" => Ok(Billing::PerSecond),
            _ => Ok(Billing::Hourly),
        },
    }
}

/// `slos`.
pub(super) fn slos(cx: &Ctx, doc: Option<&SlosDoc>, services: &[ServiceSpec]) -> R<Slos> {
    let Some(doc) = doc else {
        return Ok(Slos::default());
    };
    let job_pending = match doc.job_pending_time {
        Some(SimDuration(0)) => {
            return cx.err(
                "slos.jobPendingTime",
                "must be more than 0s: how long a Job pod may wait for a node, e.g. 60s",
            );
        }
        t => t.map(SimDuration::as_nanos),
    };
    check_list(cx, "slos.serviceLatency", &doc.service_latency)?;
    let mut latency = Vec::with_capacity(doc.service_latency.len());
    for (i, s) in doc.service_latency.iter().enumerate() {
        let path = format!("slos.serviceLatency[{i}]");
        let ns = s.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        let Some(k) = services
            .iter()
            .position(|x| x.name == s.service && x.namespace == ns)
        else {
            let here: Vec<&str> = services
                .iter()
                .filter(|x| x.namespace == ns)
                .map(|x| x.name.as_str())
                .collect();
            let hint = closest(&s.service, &here)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return cx.err(
                format!("{path}.service"),
                format!(
                    "no Service `{}` in namespace `{ns}` (Services there: {}){hint}",
                    s.service,
                    if here.is_empty() {
                        "none".to_string()
                    } else {
                        here.join(", ")
                    }
                ),
            );
        };
        let percentile = s.percentile.unwrap_or(99.0);
        if !SLO_PERCENTILES.contains(&percentile) {
            return cx.err(
                format!("{path}.percentile"),
                format!(
                    "{percentile} is not measured: use 50, 90, 99 or 99.9 (the percentiles of \
                     services.csv; default 99)"
                ),
            );
        }
        if s.target.as_nanos() == 0 || s.target.as_nanos() > MAX_DURATION_NANOS {
            return cx.err(
                format!("{path}.target"),
                "must be more than 0s (and at most 100 years), e.g. 250ms",
            );
        }
        latency.push(LatencySlo {
            service: k as u16,
            percentile,
            target: s.target.as_nanos(),
        });
    }
    Ok(Slos {
        job_pending,
        latency,
    })
}
