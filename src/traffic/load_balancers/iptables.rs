//! kube-proxy's iptables mode: a Service chain with one rule per endpoint, in list order.
//! Rule i of n (0-based) jumps to its endpoint with probability 1/(n − i), the last one
//! unconditionally, so each endpoint gets about 1/n of new connections.
//!
//! The probabilities are the ones the kernel applies, not exact fractions: kube-proxy
//! writes `--probability` with Go's `%0.10f` (pkg/proxy/iptables/proxier.go,
//! `probability()`), iptables stores `lround(2³¹ × p)` (libxt_statistic.c) and the kernel
//! matches when `(random & 0x7FFFFFFF) < that` (xt_statistic.c). Walking the chain would
//! take O(n) draws; instead `set_endpoints` computes the cumulative distribution those
//! rules imply, and a pick is one uniform draw and a binary search.

use super::{Endpoint, LoadBalancer, Pick};
use crate::engine::rng::StreamRng;
use rand::Rng;

/// The iptables rule chain.
#[derive(Debug, Default)]
pub struct Iptables {
    /// `cumulative[i]`: the probability that one of rules 0..=i matches; the last is 1.
    cumulative: Vec<f64>,
}

/// `x` with 10 decimals, as Go's `fmt.Sprintf("%0.10f", x)` prints it, in units of 1e-10.
/// Go rounds the float's exact binary value half to even (strconv's `decimal.Round`);
/// this does the same in integers. `x` must be in (0, 1].
fn go_fixed10(x: f64) -> u64 {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    // x = mantissa × 2^-(shift); shift ≥ 52 because x ≤ 1.
    let shift = 1075 - exponent;
    if shift >= 128 {
        // x < 2^-75: prints as 0.0000000000.
        return 0;
    }
    let scaled = u128::from(mantissa) * 10_000_000_000;
    let q = scaled >> shift;
    let r = scaled & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let up = r > half || (r == half && q & 1 == 1);
    (q + u128::from(up)) as u64
}

/// The probability with which the kernel matches kube-proxy's rule for 1/`k` of the
/// remaining traffic.
fn rule_probability(k: usize) -> f64 {
    const SCALE: f64 = 2_147_483_648.0; // 2³¹
    // strtod of the printed text: the double nearest to D / 1e10, which IEEE division
    // of two exact doubles also gives.
    let printed = go_fixed10(1.0 / k as f64) as f64 / 1e10;
    // f64::round rounds half away from zero, as C's lround.
    (printed * SCALE).round() / SCALE
}

/// The first rule whose cumulative probability exceeds a uniform draw.
fn draw(cumulative: &[f64], rng: &mut StreamRng) -> usize {
    let u: f64 = rng.random();
    cumulative.partition_point(|&c| c <= u)
}

/// Fills `cumulative` from the rule probabilities.
fn accumulate(rules: impl Iterator<Item = f64>, cumulative: &mut Vec<f64>) {
    cumulative.clear();
    let mut missed = 1.0;
    for p in rules {
        missed *= 1.0 - p;
        cumulative.push(1.0 - missed);
    }
}

impl LoadBalancer for Iptables {
    fn set_endpoints(&mut self, endpoints: &[Endpoint]) {
        let n = endpoints.len();
        // Rule n − 1 has no statistic match: probability 1, so the last entry is 1.
        let rules = (0..n).map(|i| {
            if i + 1 == n {
                1.0
            } else {
                rule_probability(n - i)
            }
        });
        accumulate(rules, &mut self.cumulative);
    }

    fn pick(&mut self, _: &Pick, rng: &mut StreamRng) -> usize {
        draw(&self.cumulative, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::load_balancers::test_support::{
        chi_square, chi_square_quantile, endpoints, rng,
    };

    const TWO_31: f64 = 2_147_483_648.0;

    #[test]
    fn go_prints_ten_decimals_rounding_half_to_even() {
        // Values of `%0.10f`, worked by hand from the decimal expansions.
        assert_eq!(go_fixed10(1.0 / 3.0), 3_333_333_333);
        assert_eq!(go_fixed10(1.0 / 2.0), 5_000_000_000);
        assert_eq!(go_fixed10(1.0 / 6.0), 1_666_666_667);
        assert_eq!(go_fixed10(1.0 / 7.0), 1_428_571_429);
        assert_eq!(go_fixed10(1.0), 10_000_000_000);
        // 1/2048 = 0.00048828125 exactly, a tie at 10 decimals: half to even keeps …12.
        assert_eq!(go_fixed10(1.0 / 2048.0), 4_882_812);
        // 1/4096 = 0.000244140625: below the half, rounds down.
        assert_eq!(go_fixed10(1.0 / 4096.0), 2_441_406);
    }

    #[test]
    fn three_endpoints_get_the_rounded_rule_shares() {
        // n = 3: rules "0.3333333333", "0.5000000000", unconditional.
        // 2³¹ × 0.3333333333 = 715827882.595…, lround → 715827883; 2³¹ × 0.5 = 2³⁰.
        let p0 = 715_827_883.0 / TWO_31;
        assert_eq!(rule_probability(3), p0);
        assert_eq!(rule_probability(2), 0.5);
        let shares = [p0, (1.0 - p0) * 0.5, (1.0 - p0) * 0.5];
        let mut lb = Iptables::default();
        lb.set_endpoints(&endpoints(3));
        let mut prev = 0.0;
        for (i, &c) in lb.cumulative.iter().enumerate() {
            assert!((c - prev - shares[i]).abs() < 1e-15, "{i}");
            prev = c;
        }
        assert_eq!(lb.cumulative[2], 1.0);
    }

    /// 10^6 picks over `cumulative` tested against uniform shares.
    fn uniformity(cumulative: &[f64]) -> f64 {
        let mut r = rng("iptables");
        let n = cumulative.len();
        let mut counts = vec![0u64; n];
        for _ in 0..1_000_000 {
            counts[draw(cumulative, &mut r)] += 1;
        }
        chi_square(&counts, &vec![1.0 / n as f64; n])
    }

    #[test]
    fn ten_endpoints_are_uniform_and_a_skewed_chain_is_not() {
        // χ²(9) at 0.999: 27.88.
        let limit = chi_square_quantile(9, 0.999);
        let mut lb = Iptables::default();
        lb.set_endpoints(&endpoints(10));
        let stat = uniformity(&lb.cumulative);
        assert!(stat < limit, "{stat} ≥ {limit}");
        // Negative controls: the same chain printed with 2 decimals (shares off by up to
        // 4 %, noncentrality 306), and every rule at 1/n (shares 0.1 × 0.9^i).
        let mut wrong = Vec::new();
        let two_decimals = (0..10).map(|i| {
            if i == 9 {
                1.0
            } else {
                (100.0 / (10 - i) as f64).round() / 100.0
            }
        });
        accumulate(two_decimals, &mut wrong);
        let stat = uniformity(&wrong);
        assert!(stat > limit, "2-decimal control passed: {stat}");
        accumulate((0..10).map(|i| if i == 9 { 1.0 } else { 0.1 }), &mut wrong);
        let stat = uniformity(&wrong);
        assert!(stat > limit, "1/n control passed: {stat}");
    }

    #[test]
    fn lists_change_size() {
        let mut lb = Iptables::default();
        lb.set_endpoints(&endpoints(4));
        lb.set_endpoints(&[]);
        assert!(lb.cumulative.is_empty());
        lb.set_endpoints(&endpoints(1));
        assert_eq!(lb.cumulative, [1.0]);
        let mut r = rng("iptables");
        assert_eq!(
            lb.pick(
                &Pick {
                    key: 0,
                    active: &[0]
                },
                &mut r
            ),
            0
        );
    }
}
