//! Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software
//! Network Load Balancer", NSDI 2016, §3.4), as Envoy's `MAGLEV`: a lookup table of
//! M = 65537 entries (a prime, Envoy's default `table_size`). Endpoint i prefers the
//! entries offset, offset + skip, offset + 2·skip, … (mod M), with
//! offset = h1(name) mod M and skip = h2(name) mod (M − 1) + 1; the endpoints take turns
//! claiming their next preferred free entry until the table is full (the paper's
//! population loop), so each owns ⌊M/n⌋ or ⌈M/n⌉ entries. A request goes to
//! table[hash(key) mod M].
//!
//! The name is the pod id, h1 and h2 are kubesim's SplitMix64 hash in two domains (Envoy
//! uses xxHash of the address with two seeds); endpoints are unweighted, as in the paper.
//! With more than M endpoints only the first M get entries.

use super::hash::{MAGLEV_OFFSET, MAGLEV_SKIP, hash64, key_hash};
use super::{Endpoint, LoadBalancer, Pick};
use crate::engine::rng::StreamRng;

/// The lookup table size, M.
pub const TABLE_SIZE: u32 = 65_537;

const EMPTY: u32 = u32::MAX;

/// A Maglev lookup table over the endpoints.
#[derive(Debug, Default)]
pub struct Maglev {
    /// Entry → endpoint index; empty while there are no endpoints.
    table: Vec<u32>,
    /// Per endpoint while populating: its next preferred entry and its skip.
    cursor: Vec<(u32, u32)>,
}

impl LoadBalancer for Maglev {
    fn set_endpoints(&mut self, endpoints: &[Endpoint]) {
        self.table.clear();
        if endpoints.is_empty() {
            return;
        }
        let m = TABLE_SIZE;
        self.table.resize(m as usize, EMPTY);
        self.cursor.clear();
        self.cursor.extend(endpoints.iter().map(|e| {
            let name = u64::from(e.pod.0);
            let offset = (hash64(MAGLEV_OFFSET, name) % u64::from(m)) as u32;
            let skip = (hash64(MAGLEV_SKIP, name) % u64::from(m - 1)) as u32 + 1;
            (offset, skip)
        }));
        let mut filled = 0;
        'populate: loop {
            for (i, (next, skip)) in self.cursor.iter_mut().enumerate() {
                // Every skip is coprime with the prime M, so the walk visits every entry
                // and finds a free one while any is left.
                let mut c = *next;
                while self.table[c as usize] != EMPTY {
                    c = (c + *skip) % m;
                }
                self.table[c as usize] = i as u32;
                *next = (c + *skip) % m;
                filled += 1;
                if filled == m {
                    break 'populate;
                }
            }
        }
    }

    fn pick(&mut self, request: &Pick, _: &mut StreamRng) -> usize {
        let entry = key_hash(request.key) % u64::from(TABLE_SIZE);
        self.table[entry as usize] as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::load_balancers::test_support::{count_picks, endpoints, rng};

    const KEYS: u64 = 100_000;

    fn build(n: u32) -> Maglev {
        let mut lb = Maglev::default();
        lb.set_endpoints(&endpoints(n));
        lb
    }

    fn entries_of(lb: &Maglev, i: u32) -> usize {
        lb.table.iter().filter(|&&e| e == i).count()
    }

    #[test]
    fn turns_give_each_endpoint_floor_or_ceil_of_m_over_n() {
        // 65537 = 10 × 6553 + 7: after 6553 full rounds 7 entries remain, taken by the
        // first 7 endpoints of the 6554th round.
        let lb = build(10);
        for i in 0..10 {
            assert_eq!(entries_of(&lb, i), if i < 7 { 6554 } else { 6553 }, "{i}");
        }
        assert!(lb.table.iter().all(|&e| e < 10));
        // 65537 = 3 × 21845 + 2.
        let lb = build(3);
        assert_eq!(
            [entries_of(&lb, 0), entries_of(&lb, 1), entries_of(&lb, 2)],
            [21846, 21846, 21845]
        );
    }

    #[test]
    fn the_first_entries_claimed_are_each_endpoints_offset() {
        // In round one every endpoint claims its first preference unless taken.
        let lb = build(4);
        for i in 0..4u32 {
            let offset = (hash64(MAGLEV_OFFSET, u64::from(i)) % u64::from(TABLE_SIZE)) as usize;
            // A lower-index endpoint with the same offset would own it; with 4 endpoints
            // in 65537 entries the offsets are distinct here.
            assert_eq!(lb.table[offset], i);
        }
    }

    #[test]
    fn keys_spread_evenly() {
        // Each endpoint holds 1/10 of the table (±1 entry), so its count of 100k keys is
        // Binomial(100k, 0.1): sd 95, 0.95 % of 10k. ±5 % is over 5 sd.
        let mut lb = build(10);
        let counts = count_picks(&mut lb, 10, KEYS);
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{c}");
        }
    }

    #[test]
    fn removing_an_endpoint_moves_little_more_than_its_keys() {
        // Keys of the removed endpoint must move (≈ 1/10, binomial sd 0.001); the
        // survivors keep their preference lists, so most of their entries stay and only a
        // small extra share moves (the paper's minimal-disruption property). Bound:
        // [0.8/n, 1.3/n].
        let mut lb = build(10);
        let mut r = rng("maglev");
        let owners = |lb: &mut Maglev, r: &mut StreamRng| -> Vec<usize> {
            (0..KEYS)
                .map(|key| lb.pick(&Pick { key, active: &[] }, r))
                .collect()
        };
        let before = owners(&mut lb, &mut r);
        let mut fewer = endpoints(10);
        fewer.remove(3);
        lb.set_endpoints(&fewer);
        let after = owners(&mut lb, &mut r);
        let mut moved = 0;
        for (&b, &a) in before.iter().zip(&after) {
            let a_old = if a >= 3 { a + 1 } else { a };
            if a_old != b {
                moved += 1;
            }
        }
        let fraction = moved as f64 / KEYS as f64;
        assert!((0.08..0.13).contains(&fraction), "moved {fraction}");
        // Same key, same endpoint.
        assert_eq!(after, owners(&mut lb, &mut r));
    }

    #[test]
    fn empty_and_single_lists() {
        let mut lb = build(5);
        lb.set_endpoints(&[]);
        assert!(lb.table.is_empty());
        lb.set_endpoints(&endpoints(1));
        assert_eq!(entries_of(&lb, 0), TABLE_SIZE as usize);
    }
}
