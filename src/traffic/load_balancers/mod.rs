//! Load balancers: how a Service spreads its requests over its endpoints. One file per
//! policy; [`LbSpec`] names them and [`LbSpec::build`] is the registry.

mod first_least;
mod hash;
mod iptables;
mod least_connections;
mod maglev;
mod power_of_d;
mod random;
mod ring_hash;
mod round_robin;
#[cfg(test)]
mod test_support;
mod weighted_round_robin;

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
    /// Smooth weighted round robin (earliest deadline first) by CPU millicores.
    WeightedRoundRobin,
    /// Fewest active requests, ties rotated.
    LeastConnections,
    /// Fewest active requests among `d` endpoints sampled without replacement.
    PowerOfD {
        /// How many endpoints each pick samples (at least 2).
        d: u32,
    },
    /// Envoy's ketama ring of the request key.
    RingHash,
    /// Maglev's lookup table of the request key.
    Maglev,
    /// kube-proxy's iptables rule chain.
    Iptables,
    /// IPVS round robin (`rr`).
    IpvsRr,
    /// IPVS least connection (`lc`).
    IpvsLc,
    /// IPVS shortest expected delay (`sed`).
    IpvsSed,
    /// IPVS never queue (`nq`).
    IpvsNq,
}

impl LbSpec {
    /// Every policy name [`LbSpec::parse`] accepts, for messages and `--help`.
    pub const NAMES: &'static str = "round-robin, random, weighted-round-robin, \
        least-connections, power-of-two, power-of-<d> (d from 2, e.g. power-of-3), ring-hash, \
        maglev, iptables, ipvs-rr, ipvs-lc, ipvs-sed, ipvs-nq";

    /// Parses a policy name.
    pub fn parse(name: &str) -> Result<LbSpec, String> {
        Ok(match name {
            "round-robin" => LbSpec::RoundRobin,
            "random" => LbSpec::Random,
            "weighted-round-robin" => LbSpec::WeightedRoundRobin,
            "least-connections" => LbSpec::LeastConnections,
            "power-of-two" => LbSpec::PowerOfD { d: 2 },
            "ring-hash" => LbSpec::RingHash,
            "maglev" => LbSpec::Maglev,
            "iptables" => LbSpec::Iptables,
            "ipvs-rr" => LbSpec::IpvsRr,
            "ipvs-lc" => LbSpec::IpvsLc,
            "ipvs-sed" => LbSpec::IpvsSed,
            "ipvs-nq" => LbSpec::IpvsNq,
            _ => match name.strip_prefix("power-of-") {
                Some(d) => LbSpec::PowerOfD {
                    d: parse_choices(d).map_err(|m| format!("`{name}`: {m}"))?,
                },
                None => {
                    return Err(format!(
                        "unknown load balancer `{name}`; use one of: {}",
                        LbSpec::NAMES
                    ));
                }
            },
        })
    }

    /// The name [`LbSpec::parse`] reads back.
    pub fn name(&self) -> String {
        match self {
            LbSpec::RoundRobin => "round-robin".into(),
            LbSpec::Random => "random".into(),
            LbSpec::WeightedRoundRobin => "weighted-round-robin".into(),
            LbSpec::LeastConnections => "least-connections".into(),
            LbSpec::PowerOfD { d: 2 } => "power-of-two".into(),
            LbSpec::PowerOfD { d } => format!("power-of-{d}"),
            LbSpec::RingHash => "ring-hash".into(),
            LbSpec::Maglev => "maglev".into(),
            LbSpec::Iptables => "iptables".into(),
            LbSpec::IpvsRr => "ipvs-rr".into(),
            LbSpec::IpvsLc => "ipvs-lc".into(),
            LbSpec::IpvsSed => "ipvs-sed".into(),
            LbSpec::IpvsNq => "ipvs-nq".into(),
        }
    }

    /// A fresh load balancer of this policy, with no endpoints.
    pub fn build(&self) -> Box<dyn LoadBalancer> {
        match *self {
            // IPVS rr walks its destination list in turn, as round robin does.
            LbSpec::RoundRobin | LbSpec::IpvsRr => Box::new(round_robin::RoundRobin::default()),
            LbSpec::Random => Box::new(random::Random::default()),
            LbSpec::WeightedRoundRobin => {
                Box::new(weighted_round_robin::WeightedRoundRobin::default())
            }
            LbSpec::LeastConnections => Box::new(least_connections::LeastConnections::default()),
            LbSpec::PowerOfD { d } => Box::new(power_of_d::PowerOfD::new(d)),
            LbSpec::RingHash => Box::new(ring_hash::RingHash::default()),
            LbSpec::Maglev => Box::new(maglev::Maglev::default()),
            LbSpec::Iptables => Box::new(iptables::Iptables::default()),
            // Under kube-proxy's weight 1 the three kernel rules pick alike (first_least.rs).
            LbSpec::IpvsLc | LbSpec::IpvsSed | LbSpec::IpvsNq => Box::new(first_least::IpvsLeast),
        }
    }
}

/// The `<d>` of `power-of-<d>`: a plain decimal from 2, without sign or leading zeros, so
/// that the name reads back the same.
fn parse_choices(d: &str) -> Result<u32, String> {
    let plain = !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0');
    match d.parse::<u32>() {
        Ok(d) if plain && d >= 2 => Ok(d),
        _ => Err(format!(
            "the number of choices must be a whole number from 2 to {} (power-of-two, \
             power-of-3, …)",
            u32::MAX
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::{endpoints, rng};

    const ALL: [LbSpec; 14] = [
        LbSpec::RoundRobin,
        LbSpec::Random,
        LbSpec::WeightedRoundRobin,
        LbSpec::LeastConnections,
        LbSpec::PowerOfD { d: 2 },
        LbSpec::PowerOfD { d: 3 },
        LbSpec::PowerOfD { d: 10 },
        LbSpec::RingHash,
        LbSpec::Maglev,
        LbSpec::Iptables,
        LbSpec::IpvsRr,
        LbSpec::IpvsLc,
        LbSpec::IpvsSed,
        LbSpec::IpvsNq,
    ];

    #[test]
    fn names_read_back() {
        for spec in ALL {
            assert_eq!(LbSpec::parse(&spec.name()), Ok(spec));
            // Every name is listed for users (power-of-<d> by its pattern).
            if !matches!(spec, LbSpec::PowerOfD { d } if d != 2) {
                assert!(LbSpec::NAMES.contains(&spec.name()), "{}", spec.name());
            }
        }
        assert_eq!(LbSpec::parse("power-of-2"), Ok(LbSpec::PowerOfD { d: 2 }));
    }

    #[test]
    fn bad_names_say_what_is_allowed() {
        let e = LbSpec::parse("least-conn").unwrap_err();
        assert!(e.contains("unknown load balancer `least-conn`") && e.contains("maglev"));
        for bad in [
            "power-of-1",
            "power-of-0",
            "power-of-",
            "power-of-+3",
            "power-of-03",
            "power-of-x",
            "power-of-99999999999",
        ] {
            let e = LbSpec::parse(bad).unwrap_err();
            assert!(e.contains("from 2"), "{bad}: {e}");
        }
    }

    #[test]
    fn same_seed_same_picks() {
        let active = [3u32, 0, 2, 0, 1, 4, 0, 2, 1, 0];
        for spec in ALL {
            let run = || {
                let mut lb = spec.build();
                lb.set_endpoints(&endpoints(10));
                let mut r = rng("same");
                (0..200)
                    .map(|key| {
                        lb.pick(
                            &Pick {
                                key,
                                active: &active,
                            },
                            &mut r,
                        )
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(run(), run(), "{}", spec.name());
        }
    }

    #[test]
    fn every_policy_survives_shrinking_and_empty_lists() {
        let mut r = rng("all");
        let active = [1u32, 0, 2, 0, 3, 1, 0, 2];
        for spec in ALL {
            let mut lb = spec.build();
            for n in [8u32, 3, 0, 5, 1, 0, 2] {
                lb.set_endpoints(&endpoints(n));
                for key in 0..50 {
                    if n > 0 {
                        let i = lb.pick(
                            &Pick {
                                key,
                                active: &active[..n as usize],
                            },
                            &mut r,
                        );
                        assert!(i < n as usize, "{}: {i} of {n}", spec.name());
                    }
                }
            }
        }
    }
}
