//! Consistent hashing on a ring, as Envoy's `RING_HASH` (ketama): each endpoint puts
//! ⌈minimumRingSize / n⌉ points on a 64-bit ring (minimumRingSize 1024, Envoy's default),
//! point r of the pod with id p at hash(p, r); a request goes to the owner of the first
//! point at or after the hash of its key, wrapping past the top. Lookup is a binary search.
//!
//! Envoy hashes the string `address_r` with xxHash; kubesim hashes the pair of numbers with
//! its own SplitMix64 step (the `hash` module), so rings are the same on every platform.
//! Because the points per endpoint are recomputed from n, removing one of ten endpoints
//! adds points for the others (103 → 114 each) and moves about 17 % of the keys rather
//! than 10 %, as Envoy does.

use super::hash::{RING_POINT, hash64, key_hash};
use super::{Endpoint, LoadBalancer, Pick};
use crate::engine::rng::StreamRng;

/// Envoy's default `minimumRingSize`.
pub const MIN_RING_SIZE: usize = 1024;

/// A hash ring over the endpoints.
#[derive(Debug, Default)]
pub struct RingHash {
    /// Point hashes, ascending; searched on every pick, so kept apart from the owners.
    points: Vec<u64>,
    /// `owners[j]`: the endpoint index of `points[j]`.
    owners: Vec<u32>,
    /// Reused while building, so a new endpoint list does not allocate once warm.
    scratch: Vec<(u64, u32)>,
}

impl RingHash {
    /// Rebuilds the ring with `per_endpoint` points for each endpoint.
    fn build(&mut self, endpoints: &[Endpoint], per_endpoint: usize) {
        self.scratch.clear();
        for (i, e) in endpoints.iter().enumerate() {
            for r in 0..per_endpoint as u64 {
                let h = hash64(RING_POINT, (u64::from(e.pod.0) << 32) | r);
                self.scratch.push((h, i as u32));
            }
        }
        // Distinct inputs hash to distinct points (the hash is a bijection), so the order
        // is total.
        self.scratch.sort_unstable();
        self.points.clear();
        self.owners.clear();
        self.points.extend(self.scratch.iter().map(|&(h, _)| h));
        self.owners.extend(self.scratch.iter().map(|&(_, i)| i));
    }
}

impl LoadBalancer for RingHash {
    fn set_endpoints(&mut self, endpoints: &[Endpoint]) {
        let per_endpoint = MIN_RING_SIZE.div_ceil(endpoints.len().max(1));
        self.build(endpoints, per_endpoint);
    }

    fn pick(&mut self, request: &Pick, _: &mut StreamRng) -> usize {
        let h = key_hash(request.key);
        let j = self.points.partition_point(|&p| p < h);
        let j = if j == self.points.len() { 0 } else { j };
        self.owners[j] as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::load_balancers::test_support::{count_picks, endpoints, rng};

    const KEYS: u64 = 100_000;

    fn ring(n: u32) -> RingHash {
        let mut lb = RingHash::default();
        lb.set_endpoints(&endpoints(n));
        lb
    }

    fn owner_of_each_key(lb: &mut RingHash) -> Vec<usize> {
        let mut r = rng("ring");
        (0..KEYS)
            .map(|key| lb.pick(&Pick { key, active: &[] }, &mut r))
            .collect()
    }

    /// Each endpoint's share of the ring: the arcs ending at its points.
    fn arc_shares(lb: &RingHash, n: usize) -> Vec<f64> {
        let mut shares = vec![0.0; n];
        let last = *lb.points.last().unwrap();
        let mut prev = last;
        for (&p, &o) in lb.points.iter().zip(&lb.owners) {
            // Wrapping difference: the first point also owns the arc past the top.
            shares[o as usize] += p.wrapping_sub(prev) as f64 / 2f64.powi(64);
            prev = p;
        }
        shares
    }

    /// The relative standard deviation of the endpoints' shares around 1/n.
    fn relative_spread(shares: &[f64]) -> f64 {
        let n = shares.len() as f64;
        let var = shares.iter().map(|s| (s * n - 1.0).powi(2)).sum::<f64>() / n;
        var.sqrt()
    }

    #[test]
    fn points_per_endpoint_follow_envoys_rule() {
        // ⌈1024 / n⌉ each: 103 for 10, 114 for 9, 1024 for 1, 1 for 2000.
        assert_eq!(ring(10).points.len(), 1030);
        assert_eq!(ring(9).points.len(), 1026);
        assert_eq!(ring(1).points.len(), 1024);
        assert_eq!(ring(2000).points.len(), 2000);
        let r = ring(10);
        assert!(r.points.windows(2).all(|w| w[0] < w[1]));
        for i in 0..10 {
            assert_eq!(r.owners.iter().filter(|&&o| o == i).count(), 103);
        }
    }

    #[test]
    fn lookup_is_the_first_point_at_or_after_the_key() {
        let mut lb = ring(10);
        let mut r = rng("ring");
        // Against a linear scan of the ring; the same key always lands on the same endpoint.
        for key in 0..1000 {
            let a = lb.pick(&Pick { key, active: &[] }, &mut r);
            let b = lb.pick(&Pick { key, active: &[] }, &mut r);
            assert_eq!(a, b);
            let h = key_hash(key);
            let want = match lb.points.iter().position(|&p| p >= h) {
                Some(k) => lb.owners[k] as usize,
                None => lb.owners[0] as usize,
            };
            assert_eq!(a, want);
        }
    }

    #[test]
    fn key_shares_follow_the_arcs() {
        // 100k keys spread as the arcs: each count within 4 binomial standard deviations
        // of KEYS × arc share.
        let mut lb = ring(10);
        let arcs = arc_shares(&lb, 10);
        let counts = count_picks(&mut lb, 10, KEYS);
        for (c, a) in counts.iter().zip(&arcs) {
            let expected = KEYS as f64 * a;
            let sd = (KEYS as f64 * a * (1.0 - a)).sqrt();
            assert!((*c as f64 - expected).abs() < 4.0 * sd, "{c} vs {expected}");
        }
    }

    #[test]
    fn load_spread_matches_random_points() {
        // With m = 1030 random points, one endpoint's 103 arcs make a Beta(103, 927) share:
        // relative sd σ = √((1 − p) / (p (m + 1))) = √(0.9 / 103.1) = 0.0934. So every
        // share lies within ±3σ = ±28 % of 1/10, and the spread of the ten shares s obeys
        // 10 s² / σ² ~ χ²(10): within its 1 % and 99 % quantiles (2.56, 23.2), i.e.
        // s ∈ [0.506σ, 1.52σ] = [0.047, 0.142].
        let lb = ring(10);
        let shares = arc_shares(&lb, 10);
        for s in &shares {
            assert!((s * 10.0 - 1.0).abs() < 0.28, "{shares:?}");
        }
        let spread = relative_spread(&shares);
        assert!((0.047..0.142).contains(&spread), "spread {spread}");
        // Negative control: one point per endpoint (σ ≈ 0.9) fails the same bound.
        let mut one = RingHash::default();
        one.build(&endpoints(10), 1);
        let spread = relative_spread(&arc_shares(&one, 10));
        assert!(spread > 0.142, "negative control passed: {spread}");
    }

    #[test]
    fn removing_an_endpoint_moves_its_keys_and_the_rescaled_points_keys() {
        // Old ring: 10 × 103 points; new ring: 9 × 114. The 9 × 103 points of the survivors
        // stay; 103 points leave and 99 arrive. A key moves when the first point at or
        // after it among all 1129 is a leaving one (103/1129), or an arriving one whose
        // old successor belonged to another endpoint (99/1129 × 0.9): expected 0.170.
        // The moved mass is the sum of ~192 arcs of mean 1/1129, sd √192/1129 = 0.0123;
        // ±3 sd gives [0.133, 0.207].
        let mut lb = ring(10);
        let before = owner_of_each_key(&mut lb);
        let mut fewer = endpoints(10);
        fewer.remove(3);
        lb.set_endpoints(&fewer);
        let after = owner_of_each_key(&mut lb);
        let mut moved = 0;
        for (&b, &a) in before.iter().zip(&after) {
            // Map the new index back to the old list (pods 0..10 without 3).
            let a_old = if a >= 3 { a + 1 } else { a };
            assert!(b != 3 || a_old != 3);
            if a_old != b {
                moved += 1;
            }
        }
        let fraction = moved as f64 / KEYS as f64;
        assert!((0.133..0.207).contains(&fraction), "moved {fraction}");
        // The keys of the removed endpoint all moved: at least its share.
        let lost = before.iter().filter(|&&b| b == 3).count();
        assert!(moved >= lost);
    }

    #[test]
    fn empty_and_single_lists() {
        let mut lb = ring(5);
        lb.set_endpoints(&[]);
        assert!(lb.points.is_empty());
        lb.set_endpoints(&endpoints(1));
        let mut r = rng("ring");
        for key in 0..100 {
            assert_eq!(lb.pick(&Pick { key, active: &[] }, &mut r), 0);
        }
    }
}
