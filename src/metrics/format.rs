//! Number formatting for output files: exact decimals where the value is exact, a fixed
//! number of places for ratios, so that files are byte-identical across runs.

pub use crate::scenario::units::{format_seconds, write_fixed_point};

/// Thousandths as an exact decimal: 1500 → "1.5", 250 → "0.25", 0 → "0".
pub fn milli(m: i64) -> String {
    let mut out = String::new();
    if m < 0 {
        out.push('-');
    }
    write_fixed_point(&mut out, m.unsigned_abs(), 3);
    out
}

/// A ratio or mean with six decimals ("0.437500"); empty when undefined. A value that
/// rounds to zero is written "0.000000" whatever its sign, so that a difference of -1e-12
/// (rounding noise) and one of exactly 0 give the same bytes.
pub fn ratio(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => {
            let s = format!("{v:.6}");
            if s == "-0.000000" {
                s[1..].to_string()
            } else {
                s
            }
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milli_is_exact() {
        assert_eq!(milli(1500), "1.5");
        assert_eq!(milli(250), "0.25");
        assert_eq!(milli(1), "0.001");
        assert_eq!(milli(0), "0");
        assert_eq!(milli(64000), "64");
        assert_eq!(milli(-1500), "-1.5");
    }

    #[test]
    fn ratio_has_fixed_places() {
        assert_eq!(ratio(Some(0.4375)), "0.437500");
        assert_eq!(ratio(None), "");
        assert_eq!(ratio(Some(f64::NAN)), "");
        assert_eq!(ratio(Some(-0.0)), "0.000000");
        assert_eq!(ratio(Some(-1e-12)), "0.000000");
        assert_eq!(ratio(Some(-0.5)), "-0.500000");
    }
}
