//! The one hash the consistent-hashing policies use: a SplitMix64 step over a `u64`
//! (src/engine/rng.rs), so rings and lookup tables are identical on every platform and
//! every Rust release, unlike `std`'s `DefaultHasher`.

use crate::engine::rng::splitmix64;

/// Hash domains: XOR-ed into the input so that a request key, a ring point and Maglev's
/// offset and skip of the same number are unrelated. Arbitrary fixed constants (the first
/// 64 bits of the fractional parts of √2, √3, √5 and √7).
pub(super) const KEY: u64 = 0x6a09_e667_f3bc_c908;
/// Domain of ring-hash points, hashed from `(pod, replica)`.
pub(super) const RING_POINT: u64 = 0xbb67_ae85_84ca_a73b;
/// Domain of a Maglev endpoint's offset.
pub(super) const MAGLEV_OFFSET: u64 = 0x3c6e_f372_fe94_f82b;
/// Domain of a Maglev endpoint's skip.
pub(super) const MAGLEV_SKIP: u64 = 0xa54f_f53a_5f1d_36f1;

/// The 64-bit hash of `x` in `domain`. SplitMix64 is a bijection, so distinct inputs of
/// one domain never collide.
pub(super) fn hash64(domain: u64, x: u64) -> u64 {
    let mut state = x ^ domain;
    splitmix64(&mut state)
}

/// The hash of a request key, where consistent-hashing policies look it up.
pub(super) fn key_hash(key: u64) -> u64 {
    hash64(KEY, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_published_splitmix64_outputs() {
        // SplitMix64 (Steele, Lea, Flood; Vigna's splitmix64.c) seeded with 1234567: its
        // first outputs as Rosetta Code's SplitMix64 task lists them. Output k is the hash
        // of the seed plus (k − 1) × the golden-ratio increment, in domain 0.
        const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
        let want = [
            6_457_827_717_110_365_317u64,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for (k, w) in want.into_iter().enumerate() {
            let x = 1_234_567u64.wrapping_add((k as u64).wrapping_mul(GAMMA));
            assert_eq!(hash64(0, x), w, "output {k}");
        }
        // Domains separate equal inputs.
        assert_ne!(hash64(KEY, 7), hash64(RING_POINT, 7));
    }
}
