//! `services:`: Kubernetes Service objects with kubesim's `simulation:` settings (load
//! balancer, request demand, calls, timeouts, retries, external traffic), and the pods'
//! `simulation.serving`.

use super::closest;
use super::dist::DistSpec;
use super::schema::ObjectMeta;
use super::traffic::TrafficDoc;
use super::units::SimDuration;
use super::validate::{Ctx, R, check_list, duration_dist};
use crate::engine::time::{NANOS_PER_SEC, Nanos};
use crate::scenario::limits::MAX_DURATION_NANOS;
use crate::traffic::load_balancers::LbSpec;
use crate::traffic::service::{Call, DEFAULT_AFFINITY_TIMEOUT, Retries, ServiceSpec, Serving};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::{BTreeMap, BTreeSet};

/// Default `simulation.endpointDelay`.
pub const DEFAULT_ENDPOINT_DELAY: Nanos = NANOS_PER_SEC;
/// Most Services in a scenario (their index is a `u16` in events).
pub const MAX_SERVICES: usize = 10_000;
/// Most requests one call may fan out to.
pub const MAX_FAN_OUT: u64 = 1_000;
/// Most retries of one request.
pub const MAX_RETRIES: u64 = 100;
/// Most workers of one pod.
pub const MAX_WORKERS: u64 = 100_000;
/// Most keep-alive connections of one Service's clients.
pub const MAX_CONNECTIONS: u64 = 1_000_000;

/// A `v1` Service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceDoc {
    /// `v1` if given.
    pub api_version: Option<String>,
    /// `Service` if given.
    pub kind: Option<String>,
    /// Name and namespace.
    pub metadata: ObjectMeta,
    /// The Service spec.
    pub spec: ServiceSpecDoc,
    /// Simulation settings.
    #[serde(default)]
    pub simulation: ServiceSimDoc,
}

/// `ServiceSpec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceSpecDoc {
    /// `ClusterIP` (default), `NodePort` or `LoadBalancer`.
    #[serde(rename = "type")]
    pub kind: Option<ServiceTypeDoc>,
    /// Labels of the pods that serve it.
    pub selector: Option<BTreeMap<String, String>>,
    /// `None` (default) or `ClientIP`.
    pub session_affinity: Option<SessionAffinityDoc>,
    /// `clientIP.timeoutSeconds` of `ClientIP` affinity.
    pub session_affinity_config: Option<SessionAffinityConfigDoc>,
    /// Accepted, not modelled.
    pub ports: Option<IgnoredAny>,
    /// Accepted, not modelled.
    #[serde(rename = "clusterIP")]
    pub cluster_ip: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub external_traffic_policy: Option<IgnoredAny>,
    /// Accepted, not modelled.
    pub internal_traffic_policy: Option<IgnoredAny>,
}

/// `spec.type`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum ServiceTypeDoc {
    /// Reached from inside the cluster only.
    #[serde(rename = "ClusterIP")]
    ClusterIp,
    /// Reached from outside through every node's port.
    NodePort,
    /// Reached from outside through a cloud load balancer.
    LoadBalancer,
}

/// `spec.sessionAffinity`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum SessionAffinityDoc {
    /// Every connection is balanced afresh.
    None,
    /// A client sticks to one endpoint.
    #[serde(rename = "ClientIP")]
    ClientIp,
}

/// `spec.sessionAffinityConfig`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SessionAffinityConfigDoc {
    /// `clientIP`.
    #[serde(rename = "clientIP")]
    pub client_ip: Option<ClientIpConfigDoc>,
}

/// `sessionAffinityConfig.clientIP`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClientIpConfigDoc {
    /// How long a client sticks after its last request (default 10800).
    pub timeout_seconds: Option<u64>,
}

/// `simulation:` of a Service.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceSimDoc {
    /// The load-balancing policy (default `round-robin`).
    pub load_balancer: Option<String>,
    /// How long endpoint changes take to reach the load balancer (default 1s).
    pub endpoint_delay: Option<SimDuration>,
    /// The work of one request at one full CPU.
    pub demand: Option<DistSpec<SimDuration>>,
    /// Downstream calls a request makes after its own work.
    #[serde(default)]
    pub calls: Vec<CallDoc>,
    /// Whether a caller holds its worker while its calls are out (default true).
    pub synchronous_calls: Option<bool>,
    /// Callers give up on a request after this long (default never).
    pub timeout: Option<SimDuration>,
    /// How callers retry failed requests (default never).
    pub retries: Option<RetriesDoc>,
    /// Clients keep connections open instead of one per request.
    pub keep_alive: Option<KeepAliveDoc>,
    /// Requests from outside the cluster (`LoadBalancer` and `NodePort` Services).
    pub traffic: Option<TrafficDoc>,
}

/// One entry of `simulation.calls`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CallDoc {
    /// The called Service, in the same namespace.
    pub service: String,
    /// Chance that a request makes the call (default 1).
    pub probability: Option<f64>,
    /// Requests the call sends in parallel (default 1).
    pub fan_out: Option<u64>,
}

/// `simulation.retries`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RetriesDoc {
    /// Most retries of one request.
    pub attempts: u64,
    /// Retries per first attempt the budget allows (default 0.2).
    pub budget: Option<f64>,
}

/// `simulation.keepAlive`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeepAliveDoc {
    /// Connections the clients hold open; a request uses the one its key picks.
    pub connections: u64,
}

/// `simulation.serving` of a Deployment or a Job: how its pods serve requests.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServingDoc {
    /// Requests a pod serves at once (default 1).
    pub workers: Option<u64>,
    /// Requests that may wait for a worker (default no limit).
    pub queue_capacity: Option<u64>,
}

/// `simulation.serving`.
pub(super) fn serving(cx: &Ctx, spath: &str, doc: Option<&ServingDoc>) -> R<Serving> {
    let Some(doc) = doc else {
        return Ok(Serving::default());
    };
    let workers = doc.workers.unwrap_or(1);
    if workers == 0 || workers > MAX_WORKERS {
        return cx.err(
            format!("{spath}.serving.workers"),
            format!("must be from 1 to {MAX_WORKERS}"),
        );
    }
    let queue_capacity = match doc.queue_capacity {
        Some(q) if q > u64::from(u32::MAX) => {
            return cx.err(
                format!("{spath}.serving.queueCapacity"),
                format!("must be at most {} (or left out for no limit)", u32::MAX),
            );
        }
        q => q.map(|q| q as u32),
    };
    Ok(Serving {
        workers: workers as u32,
        queue_capacity,
    })
}

/// The Services, with calls resolved to indices and checked to form no cycle.
pub(super) fn services(
    cx: &mut Ctx,
    docs: &[ServiceDoc],
    duration: Option<Nanos>,
    workloads: &[(String, Vec<(String, String)>)],
) -> R<Vec<ServiceSpec>> {
    check_list(cx, "services", docs)?;
    if docs.len() > MAX_SERVICES {
        return cx.err("services", format!("more than {MAX_SERVICES} Services"));
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::with_capacity(docs.len());
    for (i, d) in docs.iter().enumerate() {
        let path = format!("services[{i}]");
        let namespace = super::disruption::object_meta(
            cx,
            &path,
            (d.api_version.as_deref(), d.kind.as_deref()),
            &d.metadata,
            ("v1", "Service"),
            &mut names,
        )?;
        let s = service(cx, &path, d, namespace, duration)?;
        if !workloads.iter().any(|(ns, labels)| s.selects(ns, labels)) {
            cx.warnings.insert(format!(
                "{path}.spec.selector selects no pod of any workload; the Service has no endpoints"
            ));
        }
        out.push(s);
    }
    for (i, d) in docs.iter().enumerate() {
        for (j, c) in d.simulation.calls.iter().enumerate() {
            let path = format!("services[{i}].simulation.calls[{j}].service");
            let ns = out[i].namespace.clone();
            let found = out
                .iter()
                .position(|s| s.namespace == ns && s.name == c.service);
            let Some(k) = found else {
                let known: Vec<&str> = out
                    .iter()
                    .filter(|s| s.namespace == ns)
                    .map(|s| s.name.as_str())
                    .collect();
                let elsewhere = out.iter().find(|s| s.name == c.service).map(|s| {
                    format!(
                        "; `{}` is in namespace `{}`, but a Service calls only Services of \
                             its own namespace",
                        s.name, s.namespace
                    )
                });
                let hint = elsewhere
                    .or_else(|| {
                        closest(&c.service, &known).map(|n| format!("; did you mean `{n}`?"))
                    })
                    .unwrap_or_default();
                return cx.err(
                    path,
                    format!(
                        "no Service `{}` in namespace `{ns}` (Services there: {}){hint}",
                        c.service,
                        known.join(", ")
                    ),
                );
            };
            if out[k].demand.is_none() {
                return cx.err(
                    path,
                    format!(
                        "`{}` takes its demand from its trace's sizes, which its callers' requests \
                         do not have; give it simulation.demand too",
                        c.service
                    ),
                );
            }
            out[i].calls[j].service = k as u16;
        }
    }
    if let Some(cycle) = find_cycle(&out) {
        return cx.err(
            "services",
            format!(
                "the calls form a cycle ({}); a request would call itself without end",
                cycle.join(" → ")
            ),
        );
    }
    Ok(out)
}

fn service(
    cx: &mut Ctx,
    path: &str,
    d: &ServiceDoc,
    namespace: String,
    duration: Option<Nanos>,
) -> R<ServiceSpec> {
    let spec = &d.spec;
    for (field, given) in [
        ("ports", spec.ports.is_some()),
        ("clusterIP", spec.cluster_ip.is_some()),
        (
            "externalTrafficPolicy",
            spec.external_traffic_policy.is_some(),
        ),
        (
            "internalTrafficPolicy",
            spec.internal_traffic_policy.is_some(),
        ),
    ] {
        if given {
            cx.unmodelled(&format!("{path}.spec"), field);
        }
    }
    let selector: Vec<(String, String)> = match &spec.selector {
        Some(s) if !s.is_empty() => s.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => {
            return cx.err(
                format!("{path}.spec.selector"),
                "is required: the labels of the pods that serve the Service, e.g. {app: web}",
            );
        }
    };
    let external = matches!(
        spec.kind,
        Some(ServiceTypeDoc::LoadBalancer | ServiceTypeDoc::NodePort)
    );
    let affinity_timeout = spec
        .session_affinity_config
        .as_ref()
        .and_then(|c| c.client_ip.as_ref())
        .and_then(|c| c.timeout_seconds);
    let session_affinity = match (spec.session_affinity, affinity_timeout) {
        (Some(SessionAffinityDoc::ClientIp), None) => Some(DEFAULT_AFFINITY_TIMEOUT),
        (Some(SessionAffinityDoc::ClientIp), Some(t)) => {
            // The API server's range for timeoutSeconds.
            if t == 0 || t > 86_400 {
                return cx.err(
                    format!("{path}.spec.sessionAffinityConfig.clientIP.timeoutSeconds"),
                    "must be from 1 to 86400",
                );
            }
            Some(t * NANOS_PER_SEC)
        }
        (_, Some(_)) => {
            return cx.err(
                format!("{path}.spec.sessionAffinityConfig"),
                "only applies with `sessionAffinity: ClientIP`",
            );
        }
        _ => None,
    };
    let sim = &d.simulation;
    let spath = format!("{path}.simulation");
    let lb = match &sim.load_balancer {
        Some(name) => match LbSpec::parse(name) {
            Ok(lb) => lb,
            Err(m) => return cx.err(format!("{spath}.loadBalancer"), m),
        },
        None => LbSpec::RoundRobin,
    };
    let endpoint_delay = match sim.endpoint_delay {
        Some(d) if d.as_nanos() > MAX_DURATION_NANOS => {
            return cx.err(format!("{spath}.endpointDelay"), "is longer than 100 years");
        }
        Some(d) => d.as_nanos(),
        None => DEFAULT_ENDPOINT_DELAY,
    };
    let demand = match &sim.demand {
        Some(d) => Some(duration_dist(cx, &format!("{spath}.demand"), d)?),
        None => None,
    };
    check_list(cx, &format!("{spath}.calls"), &sim.calls)?;
    let mut calls = Vec::with_capacity(sim.calls.len());
    for (j, c) in sim.calls.iter().enumerate() {
        let cpath = format!("{spath}.calls[{j}]");
        let probability = c.probability.unwrap_or(1.0);
        if !(probability > 0.0 && probability <= 1.0) {
            return cx.err(
                format!("{cpath}.probability"),
                "must be more than 0 and at most 1",
            );
        }
        let fan_out = c.fan_out.unwrap_or(1);
        if fan_out == 0 || fan_out > MAX_FAN_OUT {
            return cx.err(
                format!("{cpath}.fanOut"),
                format!("must be from 1 to {MAX_FAN_OUT}"),
            );
        }
        calls.push(Call {
            service: u16::MAX,
            probability,
            fan_out: fan_out as u32,
        });
    }
    let timeout = match sim.timeout {
        Some(t) if t.as_nanos() == 0 || t.as_nanos() > MAX_DURATION_NANOS => {
            return cx.err(
                format!("{spath}.timeout"),
                "must be more than 0s and at most 100 years",
            );
        }
        t => t.map(SimDuration::as_nanos),
    };
    let retries = match &sim.retries {
        Some(r) => {
            if r.attempts == 0 || r.attempts > MAX_RETRIES {
                return cx.err(
                    format!("{spath}.retries.attempts"),
                    format!("must be from 1 to {MAX_RETRIES}"),
                );
            }
            let budget = r.budget.unwrap_or(0.2);
            if !(budget.is_finite() && (0.0..=100.0).contains(&budget)) {
                return cx.err(
                    format!("{spath}.retries.budget"),
                    "must be from 0 to 100 retries per first attempt (0.2 allows one retry per five requests)",
                );
            }
            Some(Retries {
                attempts: r.attempts as u32,
                budget,
            })
        }
        None => None,
    };
    let keep_alive = match &sim.keep_alive {
        Some(k) if k.connections == 0 || k.connections > MAX_CONNECTIONS => {
            return cx.err(
                format!("{spath}.keepAlive.connections"),
                format!("must be from 1 to {MAX_CONNECTIONS}"),
            );
        }
        Some(k) => Some(k.connections as u32),
        None => None,
    };
    let traffic = match &sim.traffic {
        Some(t) if !external => {
            let _ = t;
            return cx.err(
                format!("{spath}.traffic"),
                "external traffic enters through a `LoadBalancer` or `NodePort` Service; set \
                 spec.type: LoadBalancer, or let another Service call this one",
            );
        }
        Some(t) => {
            if duration.is_none() {
                return cx.err(
                    "duration",
                    format!("{spath}.traffic recurs without end: set the scenario's `duration`"),
                );
            }
            Some(super::traffic::traffic(
                cx,
                &format!("{spath}.traffic"),
                t,
                duration,
            )?)
        }
        None => None,
    };
    let sized = traffic.as_ref().is_some_and(|t| t.size_demand.is_some());
    if demand.is_none() && !sized {
        return cx.err(
            format!("{spath}.demand"),
            "is required: the work of one request at one full CPU, e.g. {exponential: {mean: 10ms}}",
        );
    }
    Ok(ServiceSpec {
        name: d.metadata.name.clone(),
        namespace,
        external,
        selector,
        lb,
        endpoint_delay,
        demand,
        calls,
        synchronous: sim.synchronous_calls.unwrap_or(true),
        timeout,
        retries,
        keep_alive,
        session_affinity,
        traffic,
    })
}

/// A cycle in the call graph, as Service names, if there is one.
fn find_cycle(services: &[ServiceSpec]) -> Option<Vec<String>> {
    // Depth-first search with colours: 0 unvisited, 1 on the stack, 2 done.
    fn visit(s: &[ServiceSpec], i: usize, colour: &mut [u8], stack: &mut Vec<usize>) -> bool {
        colour[i] = 1;
        stack.push(i);
        for c in &s[i].calls {
            let j = usize::from(c.service);
            if colour[j] == 1 {
                stack.push(j);
                return true;
            }
            if colour[j] == 0 && visit(s, j, colour, stack) {
                return true;
            }
        }
        stack.pop();
        colour[i] = 2;
        false
    }
    let mut colour = vec![0u8; services.len()];
    for i in 0..services.len() {
        let mut stack = Vec::new();
        if colour[i] == 0 && visit(services, i, &mut colour, &mut stack) {
            let last = *stack.last()?;
            let from = stack.iter().position(|&k| k == last)?;
            return Some(
                stack[from..]
                    .iter()
                    .map(|&k| services[k].name.clone())
                    .collect(),
            );
        }
    }
    None
}

/// Notes for Services whose offered load at its peak exceeds what the pods their
/// Deployments start with can serve: their queues would grow without bound (or reject,
/// with a `queueCapacity`). The load is the external peak rate carried down the call
/// graph (each call's probability × fan-out) times the mean demand; a pod serves at most
/// min(workers, its CPUs) cores.
pub(super) fn capacity_warnings(
    cx: &mut Ctx,
    services: &[ServiceSpec],
    (workloads, hpas): (
        &[crate::scenario::model::Workload],
        &[crate::autoscaling::spec::HpaSpec],
    ),
    templates: &[crate::cluster::pod::PodTemplate],
    pod_limits: &[crate::cluster::resources::Resources],
) {
    use crate::cluster::resources::CPU;
    use crate::scenario::model::{RequestModel, WorkloadKind};
    let mut rate: Vec<f64> = services
        .iter()
        .map(|s| s.traffic.as_ref().map_or(0.0, |t| t.process.peak_rate()))
        .collect();
    for i in topological_order(services) {
        for c in &services[i].calls {
            rate[usize::from(c.service)] += rate[i] * c.probability * f64::from(c.fan_out);
        }
    }
    for (i, s) in services.iter().enumerate() {
        let offered = rate[i] * s.demand.as_ref().map_or(0.0, |d| d.mean());
        if offered <= 0.0 {
            continue;
        }
        let mut capacity = 0.0;
        for (k, w) in workloads.iter().enumerate() {
            let (WorkloadKind::Deployment { replicas, .. }, RequestModel::Fixed { requests, .. }) =
                (&w.kind, &w.requests)
            else {
                continue;
            };
            // An autoscaled Deployment may grow to its HPA's maxReplicas.
            let replicas = hpas
                .iter()
                .find(|h| h.target.index() == k)
                .map_or(*replicas, |h| h.max_replicas);
            let t = &templates[w.template as usize];
            if !s.selects(&t.namespace, &t.labels) {
                continue;
            }
            let limit = pod_limits[w.template as usize].0[CPU];
            let millis = if limit > 0 { limit } else { requests.0[CPU] };
            let cores = if millis > 0 {
                millis as f64 / 1000.0
            } else {
                1.0
            };
            capacity += f64::from(replicas) * cores.min(f64::from(w.serving.workers));
        }
        if offered > capacity {
            cx.warnings.insert(format!(
                "Service `{}`: its offered load at the peak rate, {offered:.2} cores ({:.1} requests/s × \
                 {:.3} s of demand), exceeds the {capacity:.2} cores its pods serve at their initial \
                 replicas (an HPA's maxReplicas for an autoscaled Deployment); its queues grow without bound (or reject, with a queueCapacity)",
                s.name,
                rate[i],
                offered / rate[i],
            ));
        }
    }
}

/// The Services in an order where every caller comes before the Services it calls
/// (the call graph has no cycle).
fn topological_order(services: &[ServiceSpec]) -> Vec<usize> {
    let mut callers = vec![0usize; services.len()];
    for s in services {
        for c in &s.calls {
            callers[usize::from(c.service)] += 1;
        }
    }
    let mut ready: Vec<usize> = (0..services.len()).filter(|&i| callers[i] == 0).collect();
    let mut order = Vec::with_capacity(services.len());
    while let Some(i) = ready.pop() {
        order.push(i);
        for c in &services[i].calls {
            let j = usize::from(c.service);
            callers[j] -= 1;
            if callers[j] == 0 {
                ready.push(j);
            }
        }
    }
    order
}
