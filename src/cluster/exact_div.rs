//! Division by a per-node constant as a multiply and a shift (Granlund and Montgomery,
//! "Division by invariant integers using multiplication", PLDI 1994, Theorem 4.2).
//!
//! The scheduler divides by each node's allocatable for every pod it places; an integer
//! divide costs tens of cycles, a multiply three. Quotients are exact, equal to `/`.

/// Numerators must stay below 2^`NUMERATOR_BITS`.
pub const NUMERATOR_BITS: u32 = 53;

/// A divisor `d ≥ 1` prepared for exact division of numerators below 2^53.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExactDivisor {
    multiplier: u64,
    shift: u32,
}

impl ExactDivisor {
    /// Prepares division by `d` (0 is treated as 1; callers never divide by a zero
    /// allocatable, which validation refuses).
    pub fn new(d: u64) -> ExactDivisor {
        let d = d.max(1);
        // l = ceil(log2 d); m = floor(2^(N+l) / d) + 1, so 2^(N+l) < m·d ≤ 2^(N+l) + 2^l,
        // the theorem's condition; m < 2^(N+1) fits in 64 bits for N = 53.
        let l = 64 - (d - 1).leading_zeros();
        let shift = NUMERATOR_BITS + l;
        let multiplier = ((1u128 << shift) / u128::from(d) + 1) as u64;
        ExactDivisor { multiplier, shift }
    }

    /// `n / d`, floored, for `n < 2^53`.
    #[inline(always)]
    pub fn divide(self, n: u64) -> u64 {
        ((u128::from(n) * u128::from(self.multiplier)) >> self.shift) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn equals_integer_division() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let n_max = (1u64 << NUMERATOR_BITS) - 1;
        for i in 0..1_000_000u64 {
            let d = match i % 4 {
                0 => rng.random_range(1..=1000),
                1 => rng.random_range(1..=1 << 30),
                2 => rng.random_range(1..=1 << 46),
                _ => 1u64 << rng.random_range(0..=46u32),
            };
            let n = match i % 3 {
                0 => rng.random_range(0..=n_max),
                1 => rng.random_range(0..=d * 128),
                // Just below and at multiples of d, where a rounding error would show.
                _ => (rng.random_range(0..=n_max / d) * d).saturating_sub(i % 2),
            };
            assert_eq!(ExactDivisor::new(d).divide(n), n / d, "{n} / {d}");
        }
        for d in [1u64, 2, 3, 7, 100, 1000, (1 << 46) - 1, 1 << 46] {
            let e = ExactDivisor::new(d);
            for n in [0, 1, d - 1, d, d + 1, n_max - 1, n_max] {
                assert_eq!(e.divide(n), n / d, "{n} / {d}");
            }
        }
    }
}
