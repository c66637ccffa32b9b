//! The first endpoint with the fewest active requests in list order: IPVS's least
//! connection (`lc`), shortest expected delay (`sed`) and never queue (`nq`) schedulers as
//! kube-proxy's IPVS mode configures them.
//!
//! The kernel rules (net/netfilter/ipvs/ip_vs_lc.c, ip_vs_sed.c, ip_vs_nq.c) scan the
//! destinations in list order and replace the candidate only on a strictly smaller figure:
//! - `lc`: overhead = active × 256 + inactive;
//! - `sed`: (active + 1) / weight, compared as cross products;
//! - `nq`: the first idle destination (active 0) at once, else as `sed`.
//!
//! kube-proxy gives every real server weight 1, and a simulated request is active until it
//! is answered (there are no inactive connections), so all three order the endpoints by
//! `active` alone and pick its first minimum; `nq`'s early return is that minimum when it
//! is 0. One implementation therefore serves the three names; the tests check it against
//! each kernel rule written out in full.

use super::{Endpoint, LoadBalancer, Pick};
use crate::engine::rng::StreamRng;

/// The smallest of `active`, as a branch-free fold: a compare-and-branch per endpoint
/// mispredicts often and was three times slower at 1,000 busy endpoints.
pub(super) fn least(active: &[u32]) -> u32 {
    active.iter().fold(u32::MAX, |m, &a| m.min(a))
}

/// The index of the first minimum of `active` (0 if it is empty).
pub(super) fn first_least(active: &[u32]) -> usize {
    let least = least(active);
    active.iter().position(|&a| a == least).unwrap_or(0)
}

/// IPVS `lc`, `sed` and `nq` under kube-proxy's weight 1.
#[derive(Debug, Default)]
pub struct IpvsLeast;

impl LoadBalancer for IpvsLeast {
    fn set_endpoints(&mut self, _: &[Endpoint]) {}

    fn pick(&mut self, request: &Pick, _: &mut StreamRng) -> usize {
        first_least(request.active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::load_balancers::test_support::rng;
    use rand::Rng;

    /// A destination as the kernel sees it.
    struct Dest {
        active: u64,
        inactive: u64,
        weight: u64,
    }

    fn dests(active: &[u32]) -> Vec<Dest> {
        // kube-proxy: weight 1; kubesim: no inactive connections.
        active
            .iter()
            .map(|&a| Dest {
                active: u64::from(a),
                inactive: 0,
                weight: 1,
            })
            .collect()
    }

    /// ip_vs_lc_schedule: skip weight 0, least `(active << 8) + inactive`, strict `<`.
    fn kernel_lc(d: &[Dest]) -> usize {
        let mut least: Option<(usize, u64)> = None;
        for (i, x) in d.iter().enumerate() {
            if x.weight == 0 {
                continue;
            }
            let doh = (x.active << 8) + x.inactive;
            if least.is_none_or(|(_, loh)| doh < loh) {
                least = Some((i, doh));
            }
        }
        least.expect("a destination").0
    }

    /// ip_vs_sed_schedule: overhead active + 1, replace when loh × w > doh × w_least.
    fn kernel_sed(d: &[Dest]) -> usize {
        let mut least: Option<(usize, u64)> = None;
        for (i, x) in d.iter().enumerate() {
            if x.weight == 0 {
                continue;
            }
            let doh = x.active + 1;
            match least {
                Some((l, loh)) if loh * x.weight <= doh * d[l].weight => {}
                _ => least = Some((i, doh)),
            }
        }
        least.expect("a destination").0
    }

    /// ip_vs_nq_schedule: an idle destination at once, else as sed.
    fn kernel_nq(d: &[Dest]) -> usize {
        let mut least: Option<(usize, u64)> = None;
        for (i, x) in d.iter().enumerate() {
            if x.weight == 0 {
                continue;
            }
            let doh = x.active + 1;
            if x.active == 0 {
                return i;
            }
            match least {
                Some((l, loh)) if loh * x.weight <= doh * d[l].weight => {}
                _ => least = Some((i, doh)),
            }
        }
        least.expect("a destination").0
    }

    fn pick(active: &[u32]) -> usize {
        IpvsLeast.pick(&Pick { key: 0, active }, &mut rng("ipvs"))
    }

    #[test]
    fn hand_made_loads_follow_the_kernel_rules() {
        // (active, the destination the kernel picks, by hand)
        let cases: [(&[u32], usize); 6] = [
            (&[3, 1, 2, 1], 1), // first of the two minima
            (&[0, 0, 0], 0),    // all idle: the first
            (&[5, 4, 0, 0], 2), // nq's idle shortcut and lc's minimum agree
            (&[7], 0),          // a single endpoint
            (&[2, 2, 2, 1], 3), // the minimum last
            (&[9, 0, 9, 0], 1), // first idle
        ];
        for (active, want) in cases {
            let d = dests(active);
            assert_eq!(kernel_lc(&d), want, "lc {active:?}");
            assert_eq!(kernel_sed(&d), want, "sed {active:?}");
            assert_eq!(kernel_nq(&d), want, "nq {active:?}");
            assert_eq!(pick(active), want, "kubesim {active:?}");
        }
    }

    #[test]
    fn random_loads_match_every_kernel_rule() {
        let mut r = rng("ipvs-loads");
        for _ in 0..10_000 {
            let n = r.random_range(1..20);
            let active: Vec<u32> = (0..n).map(|_| r.random_range(0..4)).collect();
            let d = dests(&active);
            let got = pick(&active);
            assert_eq!(got, kernel_lc(&d));
            assert_eq!(got, kernel_sed(&d));
            assert_eq!(got, kernel_nq(&d));
        }
    }

    #[test]
    fn weights_would_separate_the_rules() {
        // Negative control: the oracles are not trivially equal. With weights 1 and 3 and
        // loads 1 and 2, sed compares 2/1 with 3/3 and picks the second, lc the first.
        let d = [
            Dest {
                active: 1,
                inactive: 0,
                weight: 1,
            },
            Dest {
                active: 2,
                inactive: 0,
                weight: 3,
            },
        ];
        assert_eq!(kernel_lc(&d), 0);
        assert_eq!(kernel_sed(&d), 1);
        assert_eq!(kernel_nq(&d), 1);
    }
}
