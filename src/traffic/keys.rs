//! Request keys: the client identity or hash key a request carries, drawn when it arrives.
//! Consistent hashing and session affinity route by it.

use crate::engine::rng::StreamRng;
use rand::Rng;
use rand_distr::Zipf;

/// Most keys of a Zipf law: its sampler works in `f64`, which counts exactly to 2^53.
pub const MAX_ZIPF_KEYS: u64 = 1 << 53;

/// How keys are distributed.
#[derive(Clone, Debug, PartialEq)]
pub enum KeySpec {
    /// Every request has its own key (a random 64-bit number).
    Unique,
    /// Uniform over `keys` keys, `0..keys`.
    Uniform {
        /// How many keys.
        keys: u64,
    },
    /// Zipf's law over `0..keys`: key `k` has probability ∝ 1/(k+1)^exponent, so key 0 is
    /// the most popular (a few hot clients or cache keys, a long tail of rare ones).
    Zipf {
        /// The sampler of ranks `1..=keys`.
        law: Zipf<f64>,
    },
}

impl KeySpec {
    /// Zipf's law over `keys` keys with `exponent` s.
    ///
    /// # Errors
    ///
    /// The parameter at fault (`"keys"` or `"exponent"`) and a message, when `keys` is not
    /// from 1 to [`MAX_ZIPF_KEYS`] or `exponent` is not a finite number > 0.
    pub fn zipf(keys: u64, exponent: f64) -> Result<KeySpec, (&'static str, String)> {
        if keys == 0 || keys > MAX_ZIPF_KEYS {
            return Err(("keys", format!("must be from 1 to {MAX_ZIPF_KEYS}")));
        }
        if !(exponent.is_finite() && exponent > 0.0) {
            return Err((
                "exponent",
                format!("must be a finite number > 0 (1 is the classic Zipf law), not {exponent}"),
            ));
        }
        Zipf::new(keys as f64, exponent)
            .map(|law| KeySpec::Zipf { law })
            .map_err(|e| ("exponent", format!("invalid Zipf law: {e}")))
    }

    /// Draws one key.
    pub fn sample(&self, rng: &mut StreamRng) -> u64 {
        match self {
            KeySpec::Unique => rng.random(),
            KeySpec::Uniform { keys } => rng.random_range(0..(*keys).max(1)),
            // Ranks are whole numbers from 1 in an f64; rank 1 is key 0.
            KeySpec::Zipf { law } => (rng.sample(law) as u64).saturating_sub(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::StreamKey;

    #[test]
    fn zipf_key_ratios_follow_the_exponent() {
        // P(rank 1) / P(rank 2) = 2^s. With 400 000 draws over 100 keys at s = 1.2, key 0
        // gets ~ 0.2 of them; the ratio's relative standard error is about
        // sqrt(1/n0 + 1/n1) ≈ 0.45 %, so 4 σ ≈ 2 %.
        let s = 1.2;
        let spec = KeySpec::zipf(100, s).expect("a valid law");
        let mut rng = StreamKey::new(3, "keys/test").rng();
        let mut counts = [0u64; 100];
        for _ in 0..400_000 {
            let k = spec.sample(&mut rng);
            counts[usize::try_from(k).expect("small key")] += 1;
        }
        let ratio = counts[0] as f64 / counts[1] as f64;
        let rel_se = (1.0 / counts[0] as f64 + 1.0 / counts[1] as f64).sqrt();
        let expected = 2f64.powf(s);
        assert!(
            (ratio / expected - 1.0).abs() < 4.0 * rel_se,
            "{ratio} vs {expected}"
        );
        // Negative control: the ratio of an exponent 10 % off is rejected.
        let wrong = 2f64.powf(1.1 * s);
        assert!((ratio / wrong - 1.0).abs() > 4.0 * rel_se);
        // Key 2 vs key 0: 3^s.
        let r3 = counts[0] as f64 / counts[2] as f64;
        assert!((r3 / 3f64.powf(s) - 1.0).abs() < 0.04, "{r3}");
    }

    #[test]
    fn zipf_refuses_bad_parameters() {
        assert!(KeySpec::zipf(0, 1.0).is_err());
        assert!(KeySpec::zipf(10, 0.0).is_err());
        assert!(KeySpec::zipf(10, -1.0).is_err());
        assert!(KeySpec::zipf(10, f64::NAN).is_err());
        assert!(KeySpec::zipf(10, f64::INFINITY).is_err());
        assert!(KeySpec::zipf(MAX_ZIPF_KEYS + 1, 1.0).is_err());
        assert!(KeySpec::zipf(1, 1.0).is_ok());
    }

    #[test]
    fn uniform_keys_stay_in_range_and_spread() {
        let spec = KeySpec::Uniform { keys: 7 };
        let mut rng = StreamKey::new(4, "keys/test").rng();
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            let k = spec.sample(&mut rng);
            assert!(k < 7);
            counts[k as usize] += 1;
        }
        // Each count is Binomial(70 000, 1/7): mean 10 000, sd 92.6.
        assert!(
            counts
                .iter()
                .all(|&c| (f64::from(c) - 10_000.0).abs() < 4.0 * 92.6)
        );
    }
}
