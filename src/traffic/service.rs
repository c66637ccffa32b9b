//! A Service as the simulation runs it: which pods it selects, how its load balancer
//! spreads requests, what a request costs, whom it calls, and its external traffic.

use super::arrivals::TrafficSpec;
use super::load_balancers::LbSpec;
use crate::engine::dist::Distribution;
use crate::engine::time::Nanos;

/// Kubernetes' default `sessionAffinityConfig.clientIP.timeoutSeconds` (3 hours).
pub const DEFAULT_AFFINITY_TIMEOUT: Nanos = 10_800 * crate::engine::time::NANOS_PER_SEC;

/// A validated Service.
#[derive(Clone, Debug)]
pub struct ServiceSpec {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `type: LoadBalancer` or `NodePort`: it may take traffic from outside the cluster.
    pub external: bool,
    /// `spec.selector`: pods with all these labels (in the namespace) are its endpoints.
    pub selector: Vec<(String, String)>,
    /// `simulation.loadBalancer`.
    pub lb: LbSpec,
    /// `simulation.endpointDelay`: how long an endpoint change takes to reach the
    /// load balancer.
    pub endpoint_delay: Nanos,
    /// `simulation.demand`: the work of one request in seconds at one full CPU.
    pub demand: Option<Distribution>,
    /// `simulation.calls`: the downstream calls a request makes after its own work.
    pub calls: Vec<Call>,
    /// `simulation.synchronousCalls`: the caller holds its worker while it waits.
    pub synchronous: bool,
    /// `simulation.timeout`: callers give up on a request after this long.
    pub timeout: Option<Nanos>,
    /// `simulation.retries`.
    pub retries: Option<Retries>,
    /// `simulation.keepAlive.connections`: clients reuse this many connections, each
    /// pinned to one endpoint, instead of one new connection per request.
    pub keep_alive: Option<u32>,
    /// `sessionAffinity: ClientIP`: requests with the same key stick to one endpoint
    /// for this long after their last use.
    pub session_affinity: Option<Nanos>,
    /// `simulation.traffic`: requests from outside the cluster.
    pub traffic: Option<TrafficSpec>,
}

/// One edge of the call graph.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Call {
    /// The called Service (index into `Scenario::services`).
    pub service: u16,
    /// Chance that a request makes this call.
    pub probability: f64,
    /// How many requests the call sends, in parallel.
    pub fan_out: u32,
}

/// How callers retry failed requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Retries {
    /// Most retries of one request.
    pub attempts: u32,
    /// Retries allowed per first attempt, as a fraction: each first attempt adds this
    /// many tokens to a bucket of [`RETRY_BUCKET`] and each retry takes one.
    pub budget: f64,
}

/// Tokens the retry budget's bucket holds (and starts with).
pub const RETRY_BUCKET: f64 = 10.0;

/// A pod's serving settings (`simulation.serving` of its workload).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Serving {
    /// Requests a pod serves at once.
    pub workers: u32,
    /// Requests that may wait for a worker; `None` for no limit.
    pub queue_capacity: Option<u32>,
}

impl Default for Serving {
    fn default() -> Self {
        Serving {
            workers: 1,
            queue_capacity: None,
        }
    }
}

impl ServiceSpec {
    /// Whether a pod with these labels in this namespace is selected.
    pub fn selects(&self, namespace: &str, labels: &[(String, String)]) -> bool {
        namespace == self.namespace
            && self
                .selector
                .iter()
                .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
    }
}
