//! Load balancers: how a Service spreads its requests over its endpoints. One file per
//! policy; [`LbSpec`] names them and [`LbSpec::build`] is the registry.

mod random;
mod round_robin;
#[cfg(test)]
mod test_support;

use crate::cluster::ids::PodId;
use crate::engine::rng::StreamRng;

/// One backend a load balancer can send requests to, as the Service's endpoints list it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The pod.
    pub pod: PodId,
    /// Its CPU in millicores (its limit, else its request): the weight of weighted policies.
    pub cpu_millis: u32,
}

/// What a pick may look at besides the endpoints.
#[derive(Clone, Copy, Debug)]
pub struct Pick<'a> {
    /// The request's key (its client, or its hash key), drawn when it arrived.
    pub key: u64,
    /// Requests this load balancer has sent to each endpoint that are not answered yet,
    /// in the order of the endpoint list.
    pub active: &'a [u32],
}

/// A load-balancing policy. It sees the endpoints the Service's propagation delay lets
/// it see, and picks one per request (per connection with keep-alive).
pub trait LoadBalancer {
    /// Replaces the endpoint list (sorted by pod id; may be empty).
    fn set_endpoints(&mut self, endpoints: &[Endpoint]);
    /// The index of the endpoint for a request. Called only while the list is not empty;
    /// random decisions draw from `rng`, the Service's load-balancer stream.
    fn pick(&mut self, request: &Pick, rng: &mut StreamRng) -> usize;
}

/// A load-balancing policy with its settings, as a scenario or `--vary lb=` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LbSpec {
    /// Each endpoint in turn.
    RoundRobin,
    /// Uniformly at random.
    Random,
}

impl LbSpec {
    /// Every policy name [`LbSpec::parse`] accepts, for messages and `--help`.
    pub const NAMES: &'static str = "round-robin, random";

    /// Parses a policy name.
    pub fn parse(name: &str) -> Result<LbSpec, String> {
        match name {
            "round-robin" => Ok(LbSpec::RoundRobin),
            "random" => Ok(LbSpec::Random),
            _ => Err(format!(
                "unknown load balancer `{name}`; use one of: {}",
                LbSpec::NAMES
            )),
        }
    }

    /// The name [`LbSpec::parse`] reads back.
    pub fn name(&self) -> String {
        match self {
            LbSpec::RoundRobin => "round-robin".into(),
            LbSpec::Random => "random".into(),
        }
    }

    /// A fresh load balancer of this policy, with no endpoints.
    pub fn build(&self) -> Box<dyn LoadBalancer> {
        match self {
            LbSpec::RoundRobin => Box::new(round_robin::RoundRobin::default()),
            LbSpec::Random => Box::new(random::Random::default()),
        }
    }
}
